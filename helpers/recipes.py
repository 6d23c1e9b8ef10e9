"""The classic models and the one place that knows each recipe's preprocessing (notebooks 03, 04).

A :class:`Recipe` records everything needed to turn text into model input: the window, the step,
the encoding and whether text is lower-cased. It is saved inside every checkpoint
(:mod:`helpers.checkpoint`), so nothing downstream re-derives it from a corpus.

* :data:`ALICE`: 100-character windows, step 1, normalized integers ``(n, 100, 1)``;
  LSTM(256), Dropout(0.2), Dense softmax, Adam (Jason Brownlee's 2016 tutorial).
* :data:`NIETZSCHE`: 40-character windows, step 3, one-hot ``(n, 40, V)``; LSTM(128), Dense
  softmax, RMSprop(learning_rate=0.01) (François Chollet's Keras example).
* :data:`EFFICIENT` (notebook 05): integer ids in contiguous 50-character chunks, Embedding, LSTM
  and Dense at every position, Adam; :func:`efficient_size` sizes it for the device.

Both are compiled with sparse cross-entropy on integer targets (the same loss as the originals'
categorical cross-entropy on one-hot targets, without the one-hot target array), a bits-per-character
metric, and gradient clipping (``clipnorm``) as a guardrail against divergence.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import keras
import numpy as np

from helpers import windows
from helpers.vocab import Vocabulary

LN2 = math.log(2.0)


@keras.saving.register_keras_serializable(package="robo_nietzsche")
def bits_per_char(y_true, y_pred):
    """Keras metric: sparse cross-entropy in bits (nats divided by ln 2)."""
    return keras.losses.sparse_categorical_crossentropy(y_true, y_pred) / LN2


@dataclass(frozen=True)
class Recipe:
    """How text becomes input for one model.

    Attributes:
        name: Recipe name, e.g. ``"normalized_integer_lstm"``.
        corpus: The registered corpus it was designed for.
        window: Characters per input window.
        step: Characters between window starts during training.
        encoding: One of :data:`helpers.windows.ENCODINGS`.
        lower: Whether text is lower-cased before encoding.
    """

    name: str
    corpus: str
    window: int
    step: int
    encoding: str
    lower: bool = True

    def to_dict(self) -> dict:
        """JSON-ready form, stored in checkpoints."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Recipe:
        """Inverse of :meth:`to_dict`."""
        return cls(**data)

    def input_shape(self, vocab_size: int) -> tuple[int, ...]:
        """Shape of one input window, without the batch axis: ``(window,)`` for ids,
        ``(window, 1)`` for normalized integers, ``(window, vocab_size)`` for one-hot."""
        if self.encoding == "ids":
            return (self.window,)
        return (self.window, vocab_size if self.encoding == "one_hot" else 1)

    def prepare(self, text: str) -> str:
        """Clean text the way the training text was (lower-casing)."""
        return text.lower() if self.lower else text

    def batches(self, ids: np.ndarray, vocab_size: int, batch_size: int = 128,
                shuffle: bool = False, seed: int = 0) -> windows.WindowBatches:
        """Streamed training or validation batches for this recipe."""
        return windows.WindowBatches(ids, self.window, self.step, self.encoding, vocab_size,
                                     batch_size=batch_size, shuffle=shuffle, seed=seed)

    def context(self, text: str, vocab: Vocabulary) -> np.ndarray:
        """Ids of the last ``window`` characters of ``text``, cleaned and encoded.

        A text shorter than the window is padded on the left with spaces (or, if the vocabulary
        has no space, its first character), so any seed text can start generation.
        """
        ids = vocab.encode(self.prepare(text))
        if len(ids) >= self.window:
            return ids[-self.window :]
        pad_id = vocab.char_to_id.get(" ", 0)
        return np.concatenate([np.full(self.window - len(ids), pad_id, np.int32), ids])

    def encode_contexts(self, contexts: np.ndarray, vocab_size: int) -> np.ndarray:
        """Model input for a batch of id windows ``(batch, window)``."""
        return windows.encode_inputs(np.atleast_2d(contexts), self.encoding, vocab_size)


ALICE = Recipe("normalized_integer_lstm", "alice", window=100, step=1,
               encoding="normalized_integer")
NIETZSCHE = Recipe("one_hot_lstm", "nietzsche", window=40, step=3, encoding="one_hot")
EFFICIENT = Recipe("embedding_lstm", "nietzsche", window=50, step=50, encoding="ids")
"""Notebook 05's model: integer ids, chunks of 50 characters with a target at every position."""


@dataclass(frozen=True)
class Size:
    """How big notebook 05's model is and how it is fed, for one kind of device."""

    units: int
    batch_size: int
    learning_rate: float


def efficient_size(gpu: bool) -> Size:
    """Notebook 05's model size for the device it trains on.

    On a GPU: LSTM(512), 256 chunks per batch, Adam 2e-3, chosen because the fused cuDNN kernel
    runs a wide layer over a big batch in about the time of a narrow one (this project has not
    yet had a GPU to measure the choice on). On a CPU: LSTM(128), 32 chunks per batch, Adam 5e-3: on the
    course's 2-core CPU an epoch of LSTM(128) with batches of 32 took 15 s and LSTM(256) 89 s, and
    the small model learned the most per second (``benchmarks/efficient_vs_one_hot.py`` compares
    it with the one-hot recipe).
    """
    if gpu:
        return Size(units=512, batch_size=256, learning_rate=2e-3)
    return Size(units=128, batch_size=32, learning_rate=5e-3)


def _compile(model: keras.Model, optimizer: keras.optimizers.Optimizer) -> keras.Model:
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=[bits_per_char])
    return model


def normalized_integer_lstm(vocab_size: int, window: int = 100, units: int = 256,
                            dropout: float = 0.2, clipnorm: float | None = 1.0) -> keras.Model:
    """The 100-character normalized-integer recipe: LSTM(256), Dropout(0.2), Dense softmax, Adam."""
    model = keras.Sequential([
        keras.Input(shape=(window, 1)),
        keras.layers.LSTM(units),
        keras.layers.Dropout(dropout),
        keras.layers.Dense(vocab_size, activation="softmax"),
    ], name="normalized_integer_lstm")
    return _compile(model, keras.optimizers.Adam(clipnorm=clipnorm))


def one_hot_lstm(vocab_size: int, window: int = 40, units: int = 128,
                 learning_rate: float = 0.01, clipnorm: float | None = 1.0) -> keras.Model:
    """The 40-character one-hot recipe: LSTM(128), Dense softmax, RMSprop(learning_rate=0.01)."""
    model = keras.Sequential([
        keras.Input(shape=(window, vocab_size)),
        keras.layers.LSTM(units),
        keras.layers.Dense(vocab_size, activation="softmax"),
    ], name="one_hot_lstm")
    return _compile(model, keras.optimizers.RMSprop(learning_rate=learning_rate, clipnorm=clipnorm))


def embedding_lstm(vocab_size: int, embed_dim: int = 64, units: int = 512,
                   learning_rate: float = 2e-3, clipnorm: float | None = 1.0,
                   jit_compile: bool | str = "auto") -> keras.Model:
    """The efficient model of notebook 05: Embedding, LSTM over every position, Dense softmax.

    It reads integer ids of any length and predicts the next character at *every* position
    (``return_sequences=True``), so one chunk of 50 characters gives 50 training targets. Its LSTM
    keeps the defaults that make it eligible for the fused cuDNN kernel on a GPU. The output layer
    computes in float32, so the model also trains under the ``mixed_float16`` policy.

    Args:
        vocab_size: Size of the vocabulary.
        embed_dim: Size of each character's learned vector.
        units: LSTM units.
        learning_rate: Adam's learning rate.
        clipnorm: Gradient clipping (``None`` to disable).
        jit_compile: XLA compilation (``"auto"`` lets Keras decide; ``True`` on a GPU).
    """
    model = keras.Sequential([
        keras.Input(shape=(None,), dtype="int32"),
        keras.layers.Embedding(vocab_size, embed_dim),
        keras.layers.LSTM(units, return_sequences=True),
        keras.layers.Dense(vocab_size, activation="softmax", dtype="float32"),
    ], name="embedding_lstm")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm),
                  loss="sparse_categorical_crossentropy", metrics=[bits_per_char],
                  jit_compile=jit_compile)
    return model


def cudnn_eligibility(layer: keras.layers.LSTM) -> list[str]:
    """Reasons an LSTM layer cannot use the fused cuDNN kernel on a GPU (empty: eligible).

    The fused kernel needs ``activation="tanh"``, ``recurrent_activation="sigmoid"``,
    ``recurrent_dropout=0``, ``unroll=False`` and ``use_bias=True``.
    """
    reasons = []
    if getattr(layer.activation, "__name__", "") != "tanh":
        reasons.append("activation is not tanh")
    if getattr(layer.recurrent_activation, "__name__", "") != "sigmoid":
        reasons.append("recurrent_activation is not sigmoid")
    if layer.recurrent_dropout:
        reasons.append(f"recurrent_dropout={layer.recurrent_dropout} (must be 0)")
    if layer.unroll:
        reasons.append("unroll=True")
    if not layer.use_bias:
        reasons.append("use_bias=False")
    return reasons


def build(recipe: Recipe, vocab_size: int) -> keras.Model:
    """Build and compile the model of a classic recipe.

    Raises:
        ValueError: For a recipe this function does not know.
    """
    if recipe.encoding == "normalized_integer":
        return normalized_integer_lstm(vocab_size, window=recipe.window)
    if recipe.encoding == "one_hot":
        return one_hot_lstm(vocab_size, window=recipe.window)
    if recipe.encoding == "ids":
        return embedding_lstm(vocab_size)
    raise ValueError(f"No classic model for encoding {recipe.encoding!r}.")


def recurrent_twin(kind: str, vocab_size: int, window: int = 40, units: int = 128) -> keras.Model:
    """A one-hot model with a ``SimpleRNN`` or ``LSTM`` layer, for comparing gradients (notebook 04)."""
    layer = {"SimpleRNN": keras.layers.SimpleRNN, "LSTM": keras.layers.LSTM}[kind]
    model = keras.Sequential([
        keras.Input(shape=(window, vocab_size)),
        layer(units),
        keras.layers.Dense(vocab_size, activation="softmax"),
    ], name=kind.lower())
    return _compile(model, keras.optimizers.RMSprop(learning_rate=0.01, clipnorm=1.0))


def input_gradient_norms(model: keras.Model, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mean norm of d(loss)/d(input) at each time step: how much each earlier character matters.

    Args:
        model: A model taking ``(batch, window, features)`` float input.
        x: A batch of inputs.
        y: Their integer targets.

    Returns:
        Array of shape ``(window,)``; index 0 is the oldest character, the last index the newest.
    """
    import tensorflow as tf

    xt = tf.convert_to_tensor(np.asarray(x, dtype=np.float32))
    with tf.GradientTape() as tape:
        tape.watch(xt)
        loss = keras.losses.sparse_categorical_crossentropy(y, model(xt, training=False))
        total = tf.reduce_mean(loss)
    grads = tape.gradient(total, xt).numpy()
    return np.linalg.norm(grads, axis=-1).mean(axis=0)
