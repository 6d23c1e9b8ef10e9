"""Sliding windows over encoded text, in the two classic encodings (introduced in notebook 02).

Every window of ``window`` characters is an input and the character right after it is the target:
``"CHAPT" -> "E"``. Windows start every ``step`` characters, exactly as the classic loop
``for i in range(0, len(text) - window, step)`` does, but built with NumPy in one go.

Encodings (the input ``X``; targets ``y`` are always integer ids):

* ``"normalized_integer"``: ``(n, window, 1)`` float32, each id divided by the vocabulary size
  (the 100-character *Alice* recipe);
* ``"one_hot"``: ``(n, window, vocab_size)`` bool (the 40-character Nietzsche recipe);
* ``"ids"``: ``(n, window)`` int32, for models that start with an Embedding layer.

:func:`encode_windows` materializes every window at once; :class:`WindowBatches` builds the very
same batches on the fly, so memory stays proportional to the corpus whatever the window and
vocabulary. :func:`estimate_bytes` says how much either will take before you allocate it.
"""

from __future__ import annotations

import math

import keras
import numpy as np

ENCODINGS = ("normalized_integer", "one_hot", "ids")


def _check_encoding(encoding: str) -> None:
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding must be one of {ENCODINGS}, not {encoding!r}.")


def count_windows(n_chars: int, window: int, step: int = 1) -> int:
    """Number of windows ``range(0, n_chars - window, step)`` yields (0 if the text is too short)."""
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
    ids: np.ndarray, starts: np.ndarray, window: int, encoding: str, vocab_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Build the inputs and targets of the windows that begin at ``starts``.

    Args:
        ids: The encoded text, 1-D integer array.
        starts: Start indices of the windows to build.
        window: Characters per window.
        encoding: One of :data:`ENCODINGS`.
        vocab_size: Size of the vocabulary the ids come from.

    Returns:
        ``(X, y)``: inputs in the chosen encoding and ``int32`` targets of shape ``(len(starts),)``.
    """
    _check_encoding(encoding)
    index = np.asarray(starts, dtype=np.int64)[:, None] + np.arange(window + 1, dtype=np.int64)
    both = np.asarray(ids)[index].astype(np.int32, copy=False)
    return encode_inputs(both[:, :window], encoding, vocab_size), both[:, window].copy()


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
    ids: np.ndarray, window: int, step: int, encoding: str, vocab_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Materialize every window of an encoded text (no Python loop per window).

    Args:
        ids: The encoded text.
        window: Characters per window (100 for *Alice*, 40 for Nietzsche).
        step: Characters between window starts (1 for *Alice*, 3 for Nietzsche).
        encoding: ``"normalized_integer"``, ``"one_hot"`` or ``"ids"``.
        vocab_size: Size of the vocabulary.

    Returns:
        ``(X, y)`` as described in the module docstring.
    """
    starts = window_starts(len(ids), window, step)
    return encode_batch(ids, starts, window, encoding, vocab_size)


def one_hot_targets(y: np.ndarray, vocab_size: int) -> np.ndarray:
    """One-hot targets ``(n, vocab_size)`` as float32, for recipes that use categorical cross-entropy."""
    return np.eye(vocab_size, dtype=np.float32)[np.asarray(y)]


def bytes_per_window(window: int, encoding: str, vocab_size: int) -> int:
    """Bytes one window's input and target take once encoded."""
    _check_encoding(encoding)
    per_input = {"normalized_integer": 4, "one_hot": vocab_size, "ids": 4}[encoding]
    return window * per_input + 4


def estimate_bytes(
    n_chars: int,
    window: int,
    step: int,
    encoding: str,
    vocab_size: int,
    batch_size: int | None = None,
) -> int:
    """Estimate the memory the windows of a text will take.

    Args:
        n_chars: Length of the text.
        window: Characters per window.
        step: Characters between window starts.
        encoding: One of :data:`ENCODINGS`.
        vocab_size: Size of the vocabulary.
        batch_size: ``None`` for the fully materialized arrays; otherwise the streamed form, which
            holds the encoded text, the start indices and one batch.

    Returns:
        The estimate in bytes.
    """
    n = count_windows(n_chars, window, step)
    if batch_size is None:
        return n * bytes_per_window(window, encoding, vocab_size)
    return n_chars * 4 + n * 8 + min(batch_size, n) * bytes_per_window(window, encoding, vocab_size)


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


class WindowBatches(keras.utils.PyDataset):
    """Batches of windows built on the fly; the same arrays :func:`encode_windows` would give.

    Memory holds the encoded text, the window start indices and one batch, whatever the window
    length and vocabulary size.

    Args:
        ids: The encoded text.
        window: Characters per window.
        step: Characters between window starts.
        encoding: One of :data:`ENCODINGS`.
        vocab_size: Size of the vocabulary.
        batch_size: Windows per batch; the last batch may be smaller.
        shuffle: Visit windows in a new random order each epoch; the order of epoch ``e`` depends
            only on ``(seed, e)`` (:func:`epoch_order`), so a resumed run sees the same batches.
        seed: Seed of the shuffling.
        first_epoch: The epoch this stream starts at (0 for a new run; the epoch to resume from).
        **kwargs: ``workers``, ``use_multiprocessing``, ``max_queue_size`` for Keras.
    """

    def __init__(
        self,
        ids: np.ndarray,
        window: int,
        step: int,
        encoding: str,
        vocab_size: int,
        batch_size: int = 128,
        shuffle: bool = False,
        seed: int = 0,
        first_epoch: int = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        _check_encoding(encoding)
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1; got {batch_size}.")
        self.ids = np.asarray(ids, dtype=np.int32)
        self.window, self.step, self.encoding = window, step, encoding
        self.vocab_size, self.batch_size, self.shuffle = vocab_size, batch_size, shuffle
        self.starts = window_starts(len(self.ids), window, step)
        self.seed, self.epoch = seed, first_epoch
        self._order = epoch_order(len(self.starts), seed, first_epoch) if shuffle else None

    @property
    def num_batches(self) -> int:
        """Batches per epoch."""
        return math.ceil(len(self.starts) / self.batch_size)

    def __len__(self) -> int:
        return self.num_batches

    def __getitem__(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        if not 0 <= index < self.num_batches:
            raise IndexError(f"batch {index} out of range 0..{self.num_batches - 1}")
        chosen = slice(index * self.batch_size, (index + 1) * self.batch_size)
        starts = self.starts[self._order[chosen]] if self._order is not None else self.starts[chosen]
        return encode_batch(self.ids, starts, self.window, self.encoding, self.vocab_size)

    def on_epoch_end(self) -> None:
        """Move to the next epoch (and its window order, when shuffling)."""
        self.epoch += 1
        if self.shuffle:
            self._order = epoch_order(len(self.starts), self.seed, self.epoch)


# ------------------------------------------------------------------ contiguous chunks (notebook 05)
def chunk_count(n_chars: int, seq_len: int) -> int:
    """Number of non-overlapping chunks of ``seq_len`` inputs (each with ``seq_len`` targets)."""
    if seq_len < 1:
        raise ValueError(f"seq_len must be at least 1; got {seq_len}.")
    return max(0, (n_chars - 1) // seq_len)


def chunk_arrays(ids: np.ndarray, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a text into contiguous chunks with a target at every position.

    Chunk ``i`` reads ``ids[i*L : i*L + L]`` and must predict ``ids[i*L + 1 : i*L + L + 1]``: every
    character is a target once, instead of one target per 40- or 100-character window.

    Returns:
        ``(x, y)``, both ``int32`` of shape ``(chunks, seq_len)``.

    Raises:
        ValueError: If the text has fewer than ``seq_len + 1`` characters.
    """
    n = chunk_count(len(ids), seq_len)
    if n == 0:
        raise ValueError(f"A text of {len(ids)} characters is too short for chunks of {seq_len}: "
                         f"it needs at least {seq_len + 1}.")
    ids = np.asarray(ids, dtype=np.int32)
    x = ids[: n * seq_len].reshape(n, seq_len)
    y = ids[1 : n * seq_len + 1].reshape(n, seq_len)
    return x, y


def epoch_order(n_items: int, seed: int, epoch: int) -> np.ndarray:
    """The order chunks (or windows) are visited in during ``epoch``: a function of
    ``(seed, epoch)`` only, so a resumed run visits exactly the batches an uninterrupted one would
    have."""
    return np.random.default_rng([seed, epoch]).permutation(n_items)


def chunk_dataset(ids: np.ndarray, seq_len: int, batch_size: int, seed: int = 0,
                  first_epoch: int = 0, epochs: int = 1, shuffle: bool = True,
                  batches_per_epoch: int | None = None):
    """A ``tf.data`` pipeline of contiguous chunks for many-to-many training.

    It yields ``epochs - first_epoch`` epochs of ``len(chunks) // batch_size`` full batches each
    (pass that count as ``steps_per_epoch``), in the order :func:`epoch_order` gives, so that a run
    resumed at ``first_epoch`` sees the same batches as one that never stopped. Memory holds the
    encoded text once; batches are gathered on the fly and prefetched.

    Args:
        ids: The encoded text.
        seq_len: Characters per chunk.
        batch_size: Chunks per batch (remainder dropped, so every batch has the same shape).
        seed: Shuffling seed.
        first_epoch: The epoch the pipeline starts at (0 for a new run).
        epochs: The epoch it stops before.
        shuffle: Visit the chunks in a new order each epoch; ``False`` for validation.
        batches_per_epoch: Use only the first this many batches of each epoch's order (a short
            epoch that still depends only on ``(seed, epoch)``).

    Returns:
        A ``tf.data.Dataset`` of ``(x, y)`` int32 batches of shape ``(batch_size, seq_len)``.
    """
    import tensorflow as tf

    x, y = chunk_arrays(ids, seq_len)
    if len(x) < batch_size:
        raise ValueError(f"Only {len(x)} chunks of {seq_len} characters: fewer than one batch of "
                         f"{batch_size}. Use a smaller batch or shorter chunks.")
    orders = [epoch_order(len(x), seed, e) if shuffle else np.arange(len(x))
              for e in range(first_epoch, epochs)]
    per_epoch = (len(x) // batch_size) * batch_size
    if batches_per_epoch is not None:
        per_epoch = min(per_epoch, batches_per_epoch * batch_size)
    index = np.concatenate([o[:per_epoch] for o in orders]).astype(np.int64)
    xs, ys = tf.constant(x), tf.constant(y)
    data = tf.data.Dataset.from_tensor_slices(index).batch(batch_size, drop_remainder=True)
    data = data.map(lambda i: (tf.gather(xs, i), tf.gather(ys, i)),
                    num_parallel_calls=tf.data.AUTOTUNE)
    return data.prefetch(tf.data.AUTOTUNE)


def window_dataset(ids: np.ndarray, window: int, step: int, encoding: str, vocab_size: int,
                   batch_size: int = 128, seed: int = 0, first_epoch: int = 0, epochs: int = 1,
                   shuffle: bool = True, batches_per_epoch: int | None = None):
    """The batches of :class:`WindowBatches` as a ``tf.data`` pipeline (resumable classic runs).

    Each batch is built inside TensorFlow from the encoded text (gather, then one-hot or divide),
    in parallel with training, so it costs less than a Python ``PyDataset``. Epoch ``e`` visits the
    windows in :func:`epoch_order` ``(seed, e)``, the order :class:`WindowBatches` uses, so a run
    resumed at ``first_epoch`` trains on the batches an uninterrupted run would have.

    Args:
        ids: The encoded text.
        window: Characters per window.
        step: Characters between window starts.
        encoding: One of :data:`ENCODINGS`.
        vocab_size: Size of the vocabulary.
        batch_size: Windows per batch (each epoch's last batch may be smaller).
        seed: Shuffling seed.
        first_epoch: The epoch the pipeline starts at.
        epochs: The epoch it stops before.
        shuffle: ``False`` for validation (windows in text order).
        batches_per_epoch: Use only the first this many batches of each epoch.

    Returns:
        A ``tf.data.Dataset`` of ``(x, y)`` batches equal to :func:`encode_batch`'s.
    """
    import tensorflow as tf

    _check_encoding(encoding)
    starts = window_starts(len(ids), window, step)
    per_epoch = len(starts) if batches_per_epoch is None else min(len(starts),
                                                                  batches_per_epoch * batch_size)
    orders = [epoch_order(len(starts), seed, e) if shuffle else np.arange(len(starts))
              for e in range(first_epoch, epochs)]
    text = tf.constant(np.asarray(ids, dtype=np.int32))
    offsets = tf.range(window + 1, dtype=tf.int64)
    epoch_sets = [tf.data.Dataset.from_tensor_slices(starts[o[:per_epoch]])
                  .batch(batch_size) for o in orders]
    data = epoch_sets[0]
    for more in epoch_sets[1:]:
        data = data.concatenate(more)

    def build(batch_starts):
        both = tf.gather(text, batch_starts[:, None] + offsets[None, :])
        x, y = both[:, :window], both[:, window]
        if encoding == "one_hot":
            x = tf.cast(tf.one_hot(x, vocab_size), tf.bool)
        elif encoding == "normalized_integer":
            x = tf.cast(tf.cast(x, tf.float64) / vocab_size, tf.float32)[..., None]  # as NumPy
        return x, y

    return data.map(build, num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)

