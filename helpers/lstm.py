"""The LSTM cell in NumPy, and any course model run one character at a time (notebooks 03, 06, 08).

Keras' ``LSTM`` layer keeps two vectors per sequence, the cell state ``c`` and the hidden state
``h``. For every input ``x`` it computes four gates from ``z = x @ kernel + h @ recurrent + bias``,
split into four equal parts in Keras' order (input, forget, candidate, output)::

    i = sigmoid(z_i)            how much of the candidate to write
    f = sigmoid(z_f)            how much of the old cell state to keep
    g = tanh(z_g)               the candidate values
    o = sigmoid(z_o)            how much of the cell state to show
    c = f * c + i * g
    h = o * tanh(c)

:func:`lstm_step` is exactly that. :class:`CharLSTM` copies a trained course model (its input
encoding or embedding, its LSTM and its softmax layer) into NumPy and runs it one character at a
time, carrying the state: the stateful generator of notebook 06 and the activation recorder of
notebook 08 are built on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function, computed without overflow for large ``|z|``."""
    return 0.5 * (np.tanh(0.5 * z) + 1.0)


@dataclass(frozen=True)
class LSTMWeights:
    """The three weight arrays of a Keras ``LSTM`` layer.

    Attributes:
        kernel: Input weights, ``(input_dim, 4 * units)``.
        recurrent: Recurrent weights, ``(units, 4 * units)``.
        bias: Bias, ``(4 * units,)``.
    """

    kernel: np.ndarray
    recurrent: np.ndarray
    bias: np.ndarray

    @property
    def units(self) -> int:
        """Number of LSTM units."""
        return self.recurrent.shape[0]

    @classmethod
    def from_layer(cls, layer: Any) -> LSTMWeights:
        """Copy the weights of a ``keras.layers.LSTM`` (tanh, sigmoid and a bias, the defaults).

        Raises:
            ValueError: For an LSTM with other activations or without a bias.
        """
        if (
            getattr(layer.activation, "__name__", "") != "tanh"
            or getattr(layer.recurrent_activation, "__name__", "") != "sigmoid"
            or not layer.use_bias
        ):
            raise ValueError("The LSTM must use tanh, sigmoid and a bias (the Keras defaults).")
        cell = layer.cell
        return cls(
            kernel=np.asarray(cell.kernel, dtype=np.float32),
            recurrent=np.asarray(cell.recurrent_kernel, dtype=np.float32),
            bias=np.asarray(cell.bias, dtype=np.float32),
        )


def lstm_step(
    x: np.ndarray, h: np.ndarray, c: np.ndarray, weights: LSTMWeights
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """One LSTM time step for a batch.

    Args:
        x: Inputs ``(batch, input_dim)``.
        h: Hidden states ``(batch, units)``.
        c: Cell states ``(batch, units)``.
        weights: The layer's weights.

    Returns:
        ``(h, c, gates)``: the new states and the gates ``{"i", "f", "g", "o"}``, each
        ``(batch, units)``.
    """
    z = x @ weights.kernel + h @ weights.recurrent + weights.bias
    return _finish_step(z, c, weights.units)


def _finish_step(z: np.ndarray, c: np.ndarray, units: int):
    u = units
    gates = {
        "i": sigmoid(z[:, :u]),
        "f": sigmoid(z[:, u : 2 * u]),
        "g": np.tanh(z[:, 2 * u : 3 * u]),
        "o": sigmoid(z[:, 3 * u :]),
    }
    c = gates["f"] * c + gates["i"] * gates["g"]
    h = gates["o"] * np.tanh(c)
    return h, c, gates


class CharLSTM:
    """A course model in NumPy, read one character at a time with its state carried along.

    Works for every course model: the layers before the LSTM (an Embedding, or none for the
    one-hot and normalized-integer encodings) are turned into a table with one input vector per
    character, so a step costs one table look-up, two small matrix products and the softmax.
    Dropout does nothing at inference and is skipped.

    Args:
        model: A model of ``recipe``: optional Embedding, one LSTM, optional Dropout, Dense softmax.
        recipe: Its recipe (it encodes one character as the model's input).
        vocab_size: Size of its vocabulary.

    Raises:
        ValueError: If the model is not of that shape.
    """

    def __init__(self, model: Any, recipe: Any, vocab_size: int):
        kinds = [type(layer).__name__ for layer in model.layers]
        lstm_at = [i for i, kind in enumerate(kinds) if kind == "LSTM"]
        after = kinds[lstm_at[0] + 1 :] if len(lstm_at) == 1 else []
        if len(lstm_at) != 1 or [k for k in after if k != "Dropout"] != ["Dense"]:
            raise ValueError(
                "A character LSTM needs one LSTM layer followed by a Dense softmax layer "
                f"(the course's models); this model has {kinds}."
            )
        lstm = model.layers[lstm_at[0]]
        self.weights = LSTMWeights.from_layer(lstm)
        dense = model.layers[-1]
        self.dense_w = np.asarray(dense.kernel, dtype=np.float32)
        self.dense_b = np.asarray(dense.bias, dtype=np.float32)
        # One input vector per character: the recipe's encoding of it, through the layers before
        # the LSTM (the Embedding, if any).
        x = recipe.encode_inputs(np.arange(vocab_size)[:, None], vocab_size)
        for layer in model.layers[: lstm_at[0]]:
            x = layer(x)
        self.inputs = np.asarray(x, dtype=np.float32).reshape(vocab_size, -1)
        # Their contribution to the gates, computed once for every character.
        self.input_gates = self.inputs @ self.weights.kernel + self.weights.bias
        self.units = self.weights.units
        self.reset(1)

    def reset(self, batch: int = 1) -> None:
        """Start ``batch`` fresh sequences (zero state)."""
        self.h = np.zeros((batch, self.units), dtype=np.float32)
        self.c = np.zeros((batch, self.units), dtype=np.float32)

    def probabilities(self, h: np.ndarray) -> np.ndarray:
        """The softmax layer: next-character probabilities ``(batch, V)`` from hidden states."""
        logits = h @ self.dense_w + self.dense_b
        logits -= logits.max(axis=-1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=-1, keepdims=True)

    def step(self, ids: np.ndarray, gates: dict | None = None) -> np.ndarray:
        """Read one character per sequence; return the next-character probabilities ``(batch, V)``.

        Args:
            ids: One character id per sequence.
            gates: If given, filled with this step's gates ``{"i", "f", "g", "o"}``.
        """
        z = self.input_gates[np.asarray(ids)] + self.h @ self.weights.recurrent
        self.h, self.c, step_gates = _finish_step(z, self.c, self.units)
        if gates is not None:
            gates.update(step_gates)
        return self.probabilities(self.h)

    def prime(self, ids: np.ndarray, batch: int = 1) -> np.ndarray:
        """Reset, read a prefix (the same for every sequence) and return the next distribution.

        Raises:
            ValueError: If the prefix is empty.
        """
        ids = np.asarray(ids)
        if ids.size == 0:
            raise ValueError("The seed text is empty: give at least one character.")
        self.reset(batch)
        for char_id in ids:
            probs = self.step(np.full(batch, char_id))
        return probs

    def run(self, ids: np.ndarray) -> dict[str, np.ndarray]:
        """Read a whole text from a zero state and record everything, one row per character.

        Args:
            ids: The encoded text.

        Returns:
            ``{"i", "f", "g", "o", "c", "h"}`` of shape ``(len(ids), units)`` (the gates and the
            states after reading each character) and ``"p"`` of shape ``(len(ids), V)``, the
            next-character probabilities after each character.
        """
        ids = np.asarray(ids)
        self.reset(1)
        record: dict[str, list[np.ndarray]] = {k: [] for k in ("i", "f", "g", "o", "c", "h", "p")}
        gates: dict[str, np.ndarray] = {}
        for char_id in ids:
            probs = self.step(np.array([char_id]), gates)
            for key in "ifgo":
                record[key].append(gates[key][0])
            record["c"].append(self.c[0])
            record["h"].append(self.h[0])
            record["p"].append(probs[0])
        return {key: np.array(rows, dtype=np.float32) for key, rows in record.items()}
