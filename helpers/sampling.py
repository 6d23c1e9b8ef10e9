"""Choosing the next character from a model's output, safely (introduced in notebook 03).

The classic tutorials' sampler does ``np.log(preds)`` (a warning, then ``-inf``, when a
probability is 0) and ``np.random.multinomial(1, preds)`` on float32 probabilities (which raises
``ValueError: sum(pvals[:-1]) > 1.0`` when rounding makes them sum to a hair over one).

:func:`sample` avoids both: it works in float64 log space, treats zero probabilities as ``-inf``
without a warning, and draws by inverse CDF, which never checks the sum. It takes probabilities or
logits in any float dtype, one distribution or a batch of them.

Temperature ``T`` divides the log-probabilities: ``T < 1`` sharpens the distribution (safer,
more repetitive text), ``T > 1`` flattens it (more surprising, more mistakes), ``T = 0`` is greedy
(always the most likely character).
"""

from __future__ import annotations

import math

import numpy as np


def check_temperature(temperature: float) -> float:
    """Return ``temperature`` as a float, or raise a clear error.

    Raises:
        ValueError: If it is negative, NaN or infinite.
    """
    try:
        value = float(temperature)
    except (TypeError, ValueError):
        raise ValueError(f"temperature must be a number, not {temperature!r}.") from None
    if not math.isfinite(value) or value < 0:
        raise ValueError(
            f"temperature must be a finite number >= 0 (0 means greedy); got {temperature!r}. "
            "Typical values lie between 0.2 and 1.2."
        )
    return value


def log_probabilities(dist: np.ndarray, from_logits: bool = False) -> np.ndarray:
    """Turn probabilities or logits into float64 log-probabilities (``-inf`` where p is 0).

    Args:
        dist: Probabilities (non-negative, any scale) or logits, shape ``(V,)`` or ``(batch, V)``.
        from_logits: Whether ``dist`` holds logits.

    Raises:
        ValueError: On NaN, on negative probabilities, or on a distribution with no mass.
    """
    arr = np.asarray(dist, dtype=np.float64)
    if np.isnan(arr).any():
        raise ValueError("The distribution contains NaN: the model's output is broken (diverged?).")
    if from_logits:
        logp = arr - arr.max(axis=-1, keepdims=True)
    else:
        if (arr < 0).any():
            raise ValueError("Probabilities must be >= 0; pass from_logits=True for logits.")
        with np.errstate(divide="ignore"):
            logp = np.log(arr)
    if np.isneginf(logp).all(axis=-1).any():
        raise ValueError("A distribution has no probability mass at all (every entry is 0).")
    return logp


def distribution(
    dist: np.ndarray,
    temperature: float = 1.0,
    from_logits: bool = False,
    top_k: int | None = None,
    top_p: float | None = None,
) -> np.ndarray:
    """The float64 probabilities :func:`sample` draws from, after temperature, top-k and top-p.

    Args:
        dist: Probabilities or logits, ``(V,)`` or ``(batch, V)``.
        temperature: ``>= 0``; 0 puts all mass on the most likely entry.
        from_logits: Whether ``dist`` holds logits.
        top_k: Keep only the ``k`` most likely entries.
        top_p: Keep the smallest set of most likely entries whose mass reaches ``top_p``.

    Returns:
        Probabilities of the same shape, summing to 1 along the last axis.
    """
    temperature = check_temperature(temperature)
    logp = log_probabilities(dist, from_logits)
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be at least 1; got {top_k}.")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must lie in (0, 1]; got {top_p}.")
    if temperature == 0:
        out = np.zeros_like(logp)
        np.put_along_axis(out, logp.argmax(axis=-1)[..., None], 1.0, axis=-1)
        return out
    scaled = logp / temperature
    scaled = scaled - scaled.max(axis=-1, keepdims=True)
    probs = np.exp(scaled)
    probs /= probs.sum(axis=-1, keepdims=True)
    if top_k is not None or top_p is not None:
        order = np.argsort(-probs, axis=-1, kind="stable")
        ranked = np.take_along_axis(probs, order, axis=-1)
        keep = np.ones_like(ranked, dtype=bool)
        if top_k is not None:
            keep[..., top_k:] = False
        if top_p is not None:
            before = np.cumsum(ranked, axis=-1) - ranked  # mass of the entries ranked above
            keep &= before < top_p - 1e-9  # tolerance: 0.5 + 0.3 must reach 0.8
        mask = np.zeros_like(keep)
        np.put_along_axis(mask, order, keep, axis=-1)
        probs = np.where(mask, probs, 0.0)
        probs /= probs.sum(axis=-1, keepdims=True)
    return probs


def sample(
    dist: np.ndarray,
    temperature: float = 1.0,
    rng: np.random.Generator | None = None,
    from_logits: bool = False,
    top_k: int | None = None,
    top_p: float | None = None,
) -> int | np.ndarray:
    """Draw the index of the next character.

    Args:
        dist: Probabilities or logits, ``(V,)`` or ``(batch, V)``, any float dtype.
        temperature: ``>= 0``; 0 is greedy (argmax).
        rng: Random generator (``np.random.default_rng(seed)`` for reproducible text).
        from_logits: Whether ``dist`` holds logits.
        top_k: Sample among the ``k`` most likely characters only.
        top_p: Sample among the most likely characters whose mass reaches ``top_p`` (nucleus).

    Returns:
        An ``int`` for one distribution, an ``int64`` array for a batch.

    Raises:
        ValueError: On a bad temperature, ``top_k`` or ``top_p``, NaN, or a distribution without
            mass.
    """
    probs = distribution(dist, temperature, from_logits, top_k, top_p)
    if temperature == 0:
        idx = probs.argmax(axis=-1)
    else:
        rng = rng if rng is not None else np.random.default_rng()
        cdf = np.cumsum(probs, axis=-1)
        u = rng.random(cdf.shape[:-1] + (1,)) * cdf[..., -1:]
        idx = (cdf <= u).sum(axis=-1)  # first index whose cumulative mass exceeds u
        idx = np.minimum(idx, probs.shape[-1] - 1)
        # Never pick an entry of zero probability, even where u lands on a boundary.
        zero = np.take_along_axis(probs, idx[..., None], axis=-1)[..., 0] == 0
        if zero.any():
            idx = np.where(zero, probs.argmax(axis=-1), idx)
    return int(idx) if np.ndim(idx) == 0 else idx.astype(np.int64)
