"""helpers.sampling: the distribution it draws from, edge temperatures, dtypes, clear errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from helpers import sampling

P = np.array([0.1, 0.2, 0.0, 0.7])


def draw(dist, n=20_000, **kwargs):
    rng = np.random.default_rng(0)
    batch = np.repeat(np.asarray(dist)[None, :], n, axis=0)
    return np.bincount(sampling.sample(batch, rng=rng, **kwargs), minlength=len(dist)) / n


def test_temperature_one_reproduces_the_distribution():
    freq = draw(P)
    np.testing.assert_allclose(freq, P, atol=0.01)
    assert freq[2] == 0  # a zero-probability character is never drawn


def test_temperature_reshapes_as_p_to_the_power_one_over_t():
    expected = P**2 / (P**2).sum()
    np.testing.assert_allclose(sampling.distribution(P, 0.5), expected, rtol=1e-12)
    np.testing.assert_allclose(draw(P, temperature=0.5), expected, atol=0.01)
    flat = sampling.distribution(P, 100.0)
    assert flat[2] == 0 and np.ptp(flat[[0, 1, 3]]) < 0.02


def test_temperature_zero_is_greedy():
    assert sampling.sample(P, 0) == 3
    assert sampling.sample(np.array([[0.5, 0.2, 0.3], [0.1, 0.1, 0.8]]), 0).tolist() == [0, 2]


def test_float16_and_float32_inputs_that_sum_past_one_never_raise():
    rng = np.random.default_rng(1)
    for dtype in (np.float16, np.float32):
        for _ in range(200):
            logits = rng.normal(size=57) * 4
            probs = (np.exp(logits) / np.exp(logits).sum()).astype(dtype)
            probs[0] += np.asarray(1e-3, dtype)  # what rounding can do: sum slightly above 1
            idx = sampling.sample(probs, 1.0, rng)
            assert 0 <= idx < 57
    # numpy's multinomial, the classic sampler's call, raises on exactly such input:
    bad = np.array([0.6, 0.40001, 0.0], dtype=np.float32)
    with pytest.raises(ValueError, match="pvals"):
        np.random.multinomial(1, bad)
    assert sampling.sample(bad, 1.0) in (0, 1)


def test_zero_probabilities_never_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sampling.sample(np.array([0.0, 0.0, 1.0], dtype=np.float32), 0.7)
        sampling.distribution(np.array([0.0, 1.0]), 0.2)


def test_logits_give_the_same_distribution_as_probabilities():
    logits = np.array([2.0, -1.0, 0.5, 3.0], dtype=np.float32)
    probs = np.exp(logits) / np.exp(logits).sum()
    np.testing.assert_allclose(
        sampling.distribution(logits, 0.8, from_logits=True),
        sampling.distribution(probs, 0.8),
        rtol=1e-6,
    )


def test_top_k_and_top_p():
    p = np.array([0.5, 0.3, 0.15, 0.05])
    np.testing.assert_allclose(sampling.distribution(p, top_k=2), [0.625, 0.375, 0, 0])
    np.testing.assert_allclose(sampling.distribution(p, top_p=0.8), [0.625, 0.375, 0, 0])
    np.testing.assert_allclose(
        sampling.distribution(p, top_p=0.81), [0.5, 0.3, 0.15, 0] / np.float64(0.95)
    )
    assert (draw(p, top_k=1) == [1, 0, 0, 0]).all()


def test_same_seed_same_draws():
    a = sampling.sample(np.tile(P, (50, 1)), 1.0, np.random.default_rng(5))
    b = sampling.sample(np.tile(P, (50, 1)), 1.0, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("temperature", [-0.1, float("nan"), float("inf"), "hot"])
def test_bad_temperatures_are_refused(temperature):
    with pytest.raises(ValueError, match="temperature"):
        sampling.sample(P, temperature)


@pytest.mark.parametrize(
    "dist, kwargs, match",
    [
        (np.array([0.5, np.nan]), {}, "NaN"),
        (np.array([0.0, 0.0]), {}, "no probability mass"),
        (np.array([0.5, -0.1]), {}, ">= 0"),
        (P, {"top_k": 0}, "top_k"),
        (P, {"top_p": 0.0}, "top_p"),
    ],
)
def test_bad_distributions_are_refused(dist, kwargs, match):
    with pytest.raises(ValueError, match=match):
        sampling.sample(dist, 1.0, **kwargs)
