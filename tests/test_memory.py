"""helpers.memory: the marked-symbol task of notebook 03, its models and its experiment."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import memory


def test_every_sequence_has_one_mark_and_the_answer_is_the_marked_symbol():
    x, y = memory.task(300, 12, np.random.default_rng(0))
    assert x.shape == (300, memory.LEAD + 13, memory.ALPHABET + 1) and x.dtype == np.float32
    assert y.shape == (300,)
    assert np.all(x[:, :, : memory.ALPHABET].sum(axis=2) == 1)  # one symbol per step
    assert np.all(x[:, :, memory.ALPHABET].sum(axis=1) == 1)  # one mark per sequence
    marked = np.argmax(x[:, :, memory.ALPHABET], axis=1)
    assert np.array_equal(np.argmax(x[np.arange(300), marked, : memory.ALPHABET], axis=1), y)
    distance = x.shape[1] - 1 - marked
    assert distance.min() == 0 and distance.max() == 12  # training: every distance up to k
    assert marked.min() >= memory.LEAD  # never among the lead symbols


def test_scoring_sequences_put_the_mark_exactly_k_steps_before_the_end():
    x, y = memory.task(200, 7, np.random.default_rng(1), exact=True, alphabet=4, lead=2)
    assert x.shape == (200, 10, 5)
    assert np.all(x[:, 2, 4] == 1) and x[:, :, 4].sum() == 200
    assert np.array_equal(np.argmax(x[:, 2, :4], axis=1), y)
    assert set(np.unique(y)) == {0, 1, 2, 3}


def test_the_task_is_reproducible_and_checks_its_sizes():
    a = memory.task(50, 5, np.random.default_rng(3))
    b = memory.task(50, 5, np.random.default_rng(3))
    assert all(np.array_equal(u, v) for u, v in zip(a, b, strict=True))
    with pytest.raises(ValueError, match="k >= 0"):
        memory.task(10, -1, np.random.default_rng(0))


def test_build_makes_each_layer_and_refuses_others():
    for kind in memory.LAYERS:
        model = memory.build(kind, 5, units=8)
        assert [type(layer).__name__ for layer in model.layers] == [kind, "Dense"]
        assert model.input_shape == (None, memory.LEAD + 6, memory.ALPHABET + 1)
        assert model.output_shape == (None, memory.ALPHABET)
    lstm = memory.build("LSTM", 5, units=8, unit_forget_bias=False)
    assert not lstm.layers[0].unit_forget_bias
    with pytest.raises(ValueError, match="SimpleRNN, LSTM, GRU"):
        memory.build("Transformer", 5)


def test_an_lstm_learns_a_short_distance_and_the_experiment_reports_every_run():
    assert memory.score("LSTM", 3, seed=0, batches=200, units=16) > 0.9
    runs = memory.experiment(("SimpleRNN",), [2], seeds=[0, 1], batches=3, units=4, test_size=50)
    assert list(runs.columns) == ["model", "k", "seed", "accuracy"]
    assert runs["seed"].tolist() == [0, 1] and runs["accuracy"].between(0, 1).all()
