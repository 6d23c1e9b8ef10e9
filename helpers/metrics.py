"""Bits per character and the baselines a language model must beat (introduced in notebook 01).

Cross-entropy in Keras is measured in nats (natural log); dividing by ``ln 2`` gives bits. A
model that has learned nothing costs ``log2(V)`` bits per character (uniform guessing over a
vocabulary of ``V``); one that knows only how often each character occurs costs the unigram
entropy. Anything useful must go below both.

:func:`bits_per_char` is the one conversion; :func:`bits_per_char_metric` is the Keras metric
built on it, which training logs as ``bits_per_char`` and ``val_bits_per_char``. Keras is imported
only when that metric is asked for, so this module stays light.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

LN2 = math.log(2.0)
"""``ln 2``: a cross-entropy in nats divided by this is in bits."""


def bits_per_char(loss_nats: Any) -> Any:
    """Convert a cross-entropy in nats per character to bits per character.

    Args:
        loss_nats: A number, a NumPy array or a tensor.

    Returns:
        A ``float`` for a Python or NumPy scalar, otherwise the same kind of array or tensor.
    """
    if isinstance(loss_nats, (int, float, np.floating, np.integer)):
        return float(loss_nats) / LN2
    return loss_nats / LN2


def sparse_bits_per_char(y_true: Any, y_pred: Any) -> Any:
    """Per-example cross-entropy in bits for integer targets and softmax outputs (tensors)."""
    import keras

    return bits_per_char(keras.losses.sparse_categorical_crossentropy(y_true, y_pred))


_METRIC_CLASS: Any = None


def bits_per_char_metric(name: str = "bits_per_char") -> Any:
    """The Keras metric that reports the mean cross-entropy in bits per character.

    Args:
        name: The name Keras logs it under (``val_`` is prefixed for validation).

    Returns:
        A ``keras.metrics.Metric`` (registered, so saved models that use it load again).
    """
    global _METRIC_CLASS
    if _METRIC_CLASS is None:
        import keras

        @keras.saving.register_keras_serializable(package="robo_nietzsche", name="BitsPerChar")
        class BitsPerChar(keras.metrics.MeanMetricWrapper):
            """Mean of :func:`sparse_bits_per_char` over the examples seen."""

            def __init__(self, name: str = "bits_per_char", dtype: Any = None):
                super().__init__(fn=sparse_bits_per_char, name=name, dtype=dtype)

            def get_config(self) -> dict[str, Any]:
                return {"name": self.name, "dtype": self.dtype}

        _METRIC_CLASS = BitsPerChar
    return _METRIC_CLASS(name=name)


def uniform_bits(vocab_size: int) -> float:
    """Bits per character of uniform guessing over ``vocab_size`` characters."""
    if vocab_size < 1:
        raise ValueError("vocab_size must be at least 1.")
    return math.log2(vocab_size)


def unigram_entropy_bits(ids: np.ndarray, vocab_size: int | None = None) -> float:
    """Entropy in bits of the character frequencies of an encoded text.

    Args:
        ids: Integer ids of the text.
        vocab_size: Length of the count vector (defaults to ``max(ids) + 1``).
    """
    ids = np.asarray(ids)
    if ids.size == 0:
        raise ValueError("Cannot compute the entropy of an empty text.")
    counts = np.bincount(ids.ravel(), minlength=vocab_size or 0).astype(np.float64)
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def distinct_ngram_ratio(text: str, n: int = 10) -> float:
    """Share of the ``n``-character substrings of ``text`` that are distinct (1.0: no repeats).

    Greedy generation that has fallen into a loop scores low, because the same substrings come
    back again and again.
    """
    grams = [text[i : i + n] for i in range(len(text) - n + 1)]
    if not grams:
        raise ValueError(f"The text needs at least {n} characters for {n}-grams.")
    return len(set(grams)) / len(grams)


def char_entropy_bits(text: str) -> float:
    """Entropy in bits of the character frequencies of a text (how varied its characters are)."""
    if not text:
        raise ValueError("Cannot compute the entropy of an empty text.")
    _, counts = np.unique(
        np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32), return_counts=True
    )
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def words(text: str) -> list[str]:
    """Lower-case alphabetic words of a text (apostrophes inside words kept)."""
    return re.findall(r"[a-zà-ÿ]+(?:'[a-z]+)?", text.lower())


def real_word_share(text: str, vocabulary: set[str], truncated: bool = False) -> float:
    """Share of the words of ``text`` found in ``vocabulary`` (e.g. the training corpus's words).

    Args:
        text: The text to measure.
        vocabulary: The known words.
        truncated: Whether ``text`` was cut at a fixed length (a generated sample): then a last
            word that runs to the very end of the text is left out, as it may be unfinished.
    """
    found = words(text)
    if truncated and found and re.search(r"[a-zà-ÿ']$", text.lower()):
        found = found[:-1]
    if not found:
        return 0.0
    return sum(w in vocabulary for w in found) / len(found)


def longest_copied(text: str, corpus: str) -> str:
    """The longest passage of ``text`` that appears verbatim in ``corpus`` (memorization)."""
    best = ""
    for start in range(len(text)):
        length = len(best) + 1
        while start + length <= len(text) and text[start : start + length] in corpus:
            best = text[start : start + length]
            length += 1
    return best
