"""Sliding windows over encoded text: the array mechanics behind every recipe (notebook 02).

Every window of ``window`` characters is an input. Its target is either the character right after
it (``targets="last"``: ``"CHAPT" -> "E"``, the classic recipes) or the character after *each* of
its positions (``targets="every"``: ``"CHAPT" -> "HAPTE"``, notebook 06's model, which learns from
every character). Windows start every ``step`` characters, exactly as the classic loop
``for i in range(0, len(text) - window, step)`` does, but built with NumPy in one go.

Encodings of the input ``X`` (targets are always integer ids):

* ``"normalized_integer"``: ``(n, window, 1)`` float32, each id divided by the vocabulary size
  (the 100-character *Alice* recipe);
* ``"one_hot"``: ``(n, window, vocab_size)`` bool (the 40-character Nietzsche recipe);
* ``"ids"``: ``(n, window)`` int32, for models that start with an Embedding layer.

:func:`encode_windows` materializes every window at once; :func:`dataset` streams the very same
batches as a ``tf.data`` pipeline, so memory grows with the text (and the number of windows), not
with window x vocabulary. :func:`estimate_bytes` says how much either takes before you allocate it.

This module is mechanics only: which window, step, encoding and target layout a model uses is
decided by its recipe (:mod:`helpers.recipes`), never here.
"""

from __future__ import annotations

import math

import numpy as np

ENCODINGS = ("normalized_integer", "one_hot", "ids")
"""How a window of ids becomes model input."""

TARGETS = ("last", "every")
"""Where a window's targets are: after its last position only, or after every position."""


def _check_encoding(encoding: str) -> None:
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {ENCODINGS}, not {encoding!r}.")


def _check_targets(targets: str) -> None:
    if targets not in TARGETS:
        raise ValueError(f"targets must be one of {TARGETS}, not {targets!r}.")


def count_windows(n_chars: int, window: int, step: int = 1) -> int:
    """Number of windows ``range(0, n_chars - window, step)`` yields (0 for too short a text)."""
    if window < 1 or step < 1:
        raise ValueError(f"window and step must be at least 1; got window={window}, step={step}.")
    return max(0, math.ceil((n_chars - window) / step))


def window_starts(n_chars: int, window: int, step: int = 1) -> np.ndarray:
    """Start index of every window, as ``int64``.

    Raises:
        ValueError: If the text is not longer than one window (no target would be left).
    """
    n = count_windows(n_chars, window, step)
    if n == 0:
        raise ValueError(
            f"A text of {n_chars} characters is too short for {window}-character windows: it needs "
            f"at least {window + 1} (a window plus the character to predict)."
        )
    return np.arange(n, dtype=np.int64) * step


def encode_batch(
    ids: np.ndarray,
    starts: np.ndarray,
    window: int,
    encoding: str,
    vocab_size: int,
    targets: str = "last",
) -> tuple[np.ndarray, np.ndarray]:
    """Build the inputs and targets of the windows that begin at ``starts``.

    Args:
        ids: The encoded text, 1-D integer array.
        starts: Start indices of the windows to build.
        window: Characters per window.
        encoding: One of :data:`ENCODINGS`.
        vocab_size: Size of the vocabulary the ids come from.
        targets: ``"last"`` or ``"every"`` (:data:`TARGETS`).

    Returns:
        ``(X, y)``: inputs in the chosen encoding and ``int32`` targets, of shape
        ``(len(starts),)`` for ``"last"`` and ``(len(starts), window)`` for ``"every"``.
    """
    _check_encoding(encoding)
    _check_targets(targets)
    index = np.asarray(starts, dtype=np.int64)[:, None] + np.arange(window + 1, dtype=np.int64)
    both = np.asarray(ids)[index].astype(np.int32, copy=False)
    y = both[:, window].copy() if targets == "last" else both[:, 1:].copy()
    return encode_inputs(both[:, :window], encoding, vocab_size), y


def encode_inputs(x_ids: np.ndarray, encoding: str, vocab_size: int) -> np.ndarray:
    """Encode windows of ids ``(..., window)`` as model input.

    Returns:
        ``(..., window)`` int32 ids, ``(..., window, 1)`` float32 ids divided by ``vocab_size``,
        or ``(..., window, vocab_size)`` bool one-hot vectors.
    """
    _check_encoding(encoding)
    x_ids = np.asarray(x_ids)
    if encoding == "ids":
        return np.ascontiguousarray(x_ids, dtype=np.int32)
    if encoding == "normalized_integer":
        return (x_ids[..., None] / np.float32(vocab_size)).astype(np.float32)
    return np.eye(vocab_size, dtype=bool)[x_ids]


def encode_windows(
    ids: np.ndarray,
    window: int,
    step: int,
    encoding: str,
    vocab_size: int,
    targets: str = "last",
) -> tuple[np.ndarray, np.ndarray]:
    """Materialize every window of an encoded text (no Python loop per window).

    Args:
        ids: The encoded text.
        window: Characters per window (100 for *Alice*, 40 for Nietzsche).
        step: Characters between window starts (1 for *Alice*, 3 for Nietzsche).
        encoding: ``"normalized_integer"``, ``"one_hot"`` or ``"ids"``.
        vocab_size: Size of the vocabulary.
        targets: ``"last"`` (one target per window) or ``"every"`` (one per position).

    Returns:
        ``(X, y)`` as described in the module docstring.
    """
    starts = window_starts(len(ids), window, step)
    return encode_batch(ids, starts, window, encoding, vocab_size, targets)


def bytes_per_window(window: int, encoding: str, vocab_size: int, targets: str = "last") -> int:
    """Bytes one window's input and targets take once encoded."""
    _check_encoding(encoding)
    _check_targets(targets)
    per_input = {"normalized_integer": 4, "one_hot": vocab_size, "ids": 4}[encoding]
    return window * per_input + 4 * (1 if targets == "last" else window)


def estimate_bytes(
    n_chars: int,
    window: int,
    step: int,
    encoding: str,
    vocab_size: int,
    batch_size: int | None = None,
    targets: str = "last",
) -> int:
    """Estimate the memory the windows of a text will take.

    Args:
        n_chars: Length of the text.
        window: Characters per window.
        step: Characters between window starts.
        encoding: One of :data:`ENCODINGS`.
        vocab_size: Size of the vocabulary.
        batch_size: ``None`` for the fully materialized arrays; otherwise the streamed form:
            the encoded text (4 bytes per character), the window starts (8 bytes per window, the
            largest part at step 1) and one batch. ``tf.data`` also keeps its own copy of the
            text and a few prefetched batches, which this does not count.
        targets: ``"last"`` or ``"every"``.

    Returns:
        The estimate in bytes.
    """
    n = count_windows(n_chars, window, step)
    one = bytes_per_window(window, encoding, vocab_size, targets)
    if batch_size is None:
        return n * one
    return n_chars * 4 + n * 8 + min(batch_size, n) * one


def format_bytes(n: float) -> str:
    """Format a byte count for people, e.g. ``'435.6 MB'`` (powers of 1000)."""
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(n) < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")


def split_tail(ids: np.ndarray, validation_fraction: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Split an encoded text into a training head and a validation tail.

    The tail is contiguous, and windows are then built from each part separately, so no
    validation window shares a character with a training window.

    Args:
        ids: The encoded text.
        validation_fraction: Share of characters kept for validation, in ``(0, 1)``.

    Returns:
        ``(train_ids, validation_ids)``.
    """
    if not 0 < validation_fraction < 1:
        raise ValueError(f"validation_fraction must lie in (0, 1); got {validation_fraction}.")
    cut = len(ids) - int(round(len(ids) * validation_fraction))
    return ids[:cut], ids[cut:]


def epoch_order(n_items: int, seed: int, epoch: int) -> np.ndarray:
    """The order windows are visited in during ``epoch``: a function of ``(seed, epoch)`` only, so
    a resumed run visits exactly the batches an uninterrupted one would have."""
    return np.random.default_rng([seed, epoch]).permutation(n_items)


def batches_per_epoch(n_windows: int, batch_size: int, steps_per_epoch: int | None = None) -> int:
    """Batches in one epoch over ``n_windows`` windows (the last may be smaller), at most
    ``steps_per_epoch``."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1; got {batch_size}.")
    full = math.ceil(n_windows / batch_size)
    return full if steps_per_epoch is None else max(1, min(full, steps_per_epoch))


def dataset(
    ids: np.ndarray,
    window: int,
    step: int,
    encoding: str,
    vocab_size: int,
    targets: str = "last",
    batch_size: int = 128,
    *,
    shuffle: bool = False,
    seed: int = 0,
    first_epoch: int = 0,
    epochs: int = 1,
    steps_per_epoch: int | None = None,
):
    """Stream the batches of :func:`encode_windows` as a ``tf.data`` pipeline.

    Memory holds the encoded text once; each batch is gathered, split into inputs and targets and
    encoded inside TensorFlow, in parallel with training. Epoch ``e`` visits the windows in the
    order :func:`epoch_order` gives for ``(seed, e)`` (or in text order without ``shuffle``), so a
    run resumed at ``first_epoch`` trains on exactly the batches an uninterrupted run would have.

    Args:
        ids: The encoded text.
        window: Characters per window.
        step: Characters between window starts.
        encoding: One of :data:`ENCODINGS`.
        vocab_size: Size of the vocabulary.
        targets: ``"last"`` or ``"every"``.
        batch_size: Windows per batch (the last batch of an epoch may be smaller).
        shuffle: A new order each epoch (training); ``False`` keeps text order (validation).
        seed: Seed of the order.
        first_epoch: The epoch the stream starts at (0 for a new run).
        epochs: The epoch it stops before; the stream holds ``epochs - first_epoch`` epochs of
            :func:`batches_per_epoch` batches each (pass that count as ``steps_per_epoch``).
        steps_per_epoch: Use only the first this many batches of each epoch's order (a shorter
            epoch that still depends only on ``(seed, epoch)``); ``None`` for every window.

    Returns:
        A ``tf.data.Dataset`` of ``(x, y)`` batches equal to :func:`encode_batch`'s.
    """
    import tensorflow as tf

    _check_encoding(encoding)
    _check_targets(targets)
    if epochs <= first_epoch:
        raise ValueError(f"epochs ({epochs}) must be greater than first_epoch ({first_epoch}).")
    starts = window_starts(len(ids), window, step)
    per_epoch = min(
        len(starts), batches_per_epoch(len(starts), batch_size, steps_per_epoch) * batch_size
    )

    def epoch_starts(epoch: np.int64) -> np.ndarray:  # NumPy, called once per epoch
        order = epoch_order(len(starts), seed, int(epoch)) if shuffle else np.arange(len(starts))
        return starts[order[:per_epoch]]

    def one_epoch(epoch):
        chosen = tf.numpy_function(epoch_starts, [epoch], tf.int64, stateful=False)
        chosen = tf.ensure_shape(chosen, [per_epoch])
        return tf.data.Dataset.from_tensor_slices(chosen).batch(batch_size)

    text = tf.constant(np.asarray(ids, dtype=np.int32))
    offsets = tf.range(window + 1, dtype=tf.int64)

    def build(batch_starts):
        both = tf.gather(text, batch_starts[:, None] + offsets[None, :])
        x = both[:, :window]
        y = both[:, window] if targets == "last" else both[:, 1:]
        if encoding == "one_hot":
            x = tf.cast(tf.one_hot(x, vocab_size), tf.bool)
        elif encoding == "normalized_integer":
            x = tf.cast(tf.cast(x, tf.float64) / vocab_size, tf.float32)[..., None]  # as NumPy
        return x, y

    data = tf.data.Dataset.range(first_epoch, epochs).flat_map(one_epoch)
    return data.map(build, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)
