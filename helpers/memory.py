"""The marked-symbol memory task of notebook 03: why an LSTM and not a simple RNN.

Each sequence is ``lead + k + 1`` random symbols from a small alphabet; one of them is *marked*,
and after reading the whole sequence the model must name the marked symbol. Every step is a
one-hot vector of the symbol plus one more number, 1 at the marked step and 0 elsewhere.

During training the marked symbol lies anywhere from 0 to ``k`` steps before the end, so that
short distances teach a model what to keep before long ones ask it to keep it for longer; the
model is then scored on fresh sequences in which it lies exactly ``k`` steps before the end. The
``lead`` symbols before it make sure that it is never the first one: a network could otherwise
recognize it by its position, from a state that has read nothing yet.

:func:`task` makes the sequences, :func:`build` a small recurrent model, :func:`score` trains one
and measures it, and :func:`experiment` does that for several layers, distances and seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

ALPHABET = 8
"""Symbols in the alphabet: guessing gives an accuracy of ``1 / ALPHABET``."""

LEAD = 5
"""Unmarked symbols before the earliest place the marked one can be."""

LAYERS = ("SimpleRNN", "LSTM", "GRU")
"""The recurrent layers :func:`build` can make, by their Keras names."""


def task(
    n: int,
    k: int,
    rng: np.random.Generator,
    exact: bool = False,
    alphabet: int = ALPHABET,
    lead: int = LEAD,
) -> tuple[np.ndarray, np.ndarray]:
    """Make ``n`` sequences of the memory task.

    Args:
        n: Number of sequences.
        k: The longest distance, in steps, from the marked symbol to the end of its sequence.
        rng: The random generator (``np.random.default_rng(seed)``).
        exact: If true, the marked symbol is always exactly ``k`` steps before the end (for
            scoring); otherwise anywhere from 0 to ``k`` steps before it (for training).
        alphabet: Number of symbols.
        lead: Unmarked symbols before the earliest possible marked one.

    Returns:
        ``(x, y)``: ``x`` of shape ``(n, lead + k + 1, alphabet + 1)`` (float32; each step a
        one-hot symbol, then the mark) and ``y`` of shape ``(n,)``, the marked symbols.

    Raises:
        ValueError: For a negative ``k`` or ``lead``, or fewer than two symbols.
    """
    if k < 0 or lead < 0 or alphabet < 2 or n < 1:
        raise ValueError(
            f"Need n >= 1, k >= 0, lead >= 0 and at least 2 symbols; got n={n}, k={k}, "
            f"lead={lead}, alphabet={alphabet}."
        )
    length = lead + k + 1
    symbols = rng.integers(alphabet, size=(n, length))
    distance = np.full(n, k) if exact else rng.integers(k + 1, size=n)
    marked = length - 1 - distance
    rows = np.arange(n)
    x = np.zeros((n, length, alphabet + 1), dtype=np.float32)
    x[rows[:, None], np.arange(length)[None, :], symbols] = 1.0
    x[rows, marked, alphabet] = 1.0
    return x, symbols[rows, marked]


def build(
    kind: str,
    k: int,
    units: int = 32,
    learning_rate: float = 0.01,
    alphabet: int = ALPHABET,
    lead: int = LEAD,
    **layer_options: Any,
) -> Any:
    """A compiled model for the task: one recurrent layer, then a softmax over the alphabet.

    Args:
        kind: ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``.
        k: The longest distance (sets the sequence length, ``lead + k + 1``).
        units: Size of the recurrent layer.
        learning_rate: Adam's learning rate (gradients clipped to norm 1).
        alphabet: Number of symbols.
        lead: Unmarked symbols before the earliest possible marked one.
        **layer_options: Passed to the recurrent layer (e.g. ``unit_forget_bias=False``).

    Raises:
        ValueError: For another kind of layer.
    """
    import keras
    from keras import layers

    if kind not in LAYERS:
        raise ValueError(f"Unknown layer {kind!r}: choose one of {', '.join(LAYERS)}.")
    recurrent = getattr(layers, kind)
    model = keras.Sequential(
        [
            keras.Input(shape=(lead + k + 1, alphabet + 1)),
            recurrent(units, **layer_options),
            layers.Dense(alphabet, activation="softmax"),
        ],
        name=f"{kind.lower()}_memory",
    )
    model.compile(
        loss="sparse_categorical_crossentropy",
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=1.0),
    )
    return model


def accuracy(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    """The share of sequences whose marked symbol the model names (its likeliest symbol)."""
    probs = model.predict(x, batch_size=500, verbose=0)
    return float(np.mean(np.argmax(probs, axis=-1) == y))


def score(
    kind: str,
    k: int,
    seed: int,
    batches: int,
    batch_size: int = 64,
    test_size: int = 2000,
    **build_options: Any,
) -> float:
    """Train a fresh model on the task and return its accuracy at distance exactly ``k``.

    Args:
        kind: ``"SimpleRNN"``, ``"LSTM"`` or ``"GRU"``.
        k: The longest training distance, and the distance scored.
        seed: Seeds Keras (the starting weights) and the sequences.
        batches: Training batches, each of fresh sequences (one pass, no sequence seen twice).
        batch_size: Sequences per batch.
        test_size: Fresh sequences scored after training.
        **build_options: Passed to :func:`build` (``units``, ``learning_rate``, layer options).

    Returns:
        The accuracy, between 0 and 1.
    """
    import keras

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model = build(kind, k, **build_options)
    x, y = task(batches * batch_size, k, rng)
    model.fit(x, y, batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
    x_test, y_test = task(test_size, k, rng, exact=True)
    return accuracy(model, x_test, y_test)


def experiment(
    kinds: Sequence[str],
    distances: Sequence[int],
    seeds: int | Sequence[int],
    batches: int,
    **score_options: Any,
) -> Any:
    """:func:`score` for every layer, distance and seed.

    Args:
        kinds: Layers to compare, e.g. ``("SimpleRNN", "LSTM")``.
        distances: The distances ``k``.
        seeds: How many seeds (0, 1, ...), or the seeds themselves.
        batches: Training batches per model.
        **score_options: Passed to :func:`score`.

    Returns:
        A pandas DataFrame with one row per model trained: ``model``, ``k``, ``seed`` and
        ``accuracy``.
    """
    import pandas as pd

    seed_list = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    rows = [
        {
            "model": kind,
            "k": k,
            "seed": seed,
            "accuracy": score(kind, k, seed, batches, **score_options),
        }
        for k in distances
        for kind in kinds
        for seed in seed_list
    ]
    return pd.DataFrame(rows)
