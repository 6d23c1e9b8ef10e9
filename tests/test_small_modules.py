"""helpers.metrics, helpers.profiles, helpers.env, helpers.project, helpers.plotting."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from helpers import metrics, plotting, profiles, project


def test_bits_and_baselines():
    assert metrics.bits_per_char(math.log(2)) == pytest.approx(1.0)
    assert metrics.uniform_bits(64) == pytest.approx(6.0)
    assert metrics.unigram_entropy_bits(np.array([0, 1, 2, 3] * 10)) == pytest.approx(2.0)
    assert metrics.unigram_entropy_bits(np.array([5, 5, 5])) == pytest.approx(0.0)
    skewed = metrics.unigram_entropy_bits(np.array([0] * 90 + [1] * 10))
    assert 0 < skewed < 1
    with pytest.raises(ValueError):
        metrics.unigram_entropy_bits(np.array([], dtype=int))


def test_distinct_ngram_ratio_detects_loops():
    assert metrics.distinct_ngram_ratio("abcdefghij", 3) == 1.0
    assert metrics.distinct_ngram_ratio("the the the the the the ", 4) < 0.3
    with pytest.raises(ValueError, match="at least 5"):
        metrics.distinct_ngram_ratio("abc", 5)


def test_text_measures():
    assert metrics.char_entropy_bits("abab") == pytest.approx(1.0)
    assert metrics.char_entropy_bits("aaaa") == pytest.approx(0.0)
    assert metrics.words("It's the Übermensch, 2 times!") == ["it's", "the", "übermensch", "times"]
    assert metrics.real_word_share("the cat zzq", {"the", "cat"}) == pytest.approx(2 / 3)
    assert metrics.real_word_share("123", {"the"}) == 0.0
    corpus = "supposing that truth is a woman--what then?"
    assert metrics.longest_copied("xx truth is a wo yy", corpus) == " truth is a wo"
    assert metrics.longest_copied("qqq", corpus) == ""


def test_profiles_change_sizes_only():
    ci, default, full = (profiles.by_name(n) for n in ("ci", "default", "full"))
    for key in ("alice", "nietzsche"):
        a, b, c = (p.schedule(key) for p in (ci, default, full))
        assert a.epochs * a.steps_per_epoch < b.epochs * b.steps_per_epoch
        assert c.steps_per_epoch is None and c.validation_steps is None
    assert full.schedule("alice").epochs == 20 and full.schedule("nietzsche").epochs == 60
    with pytest.raises(KeyError, match="known"):
        ci.schedule("shakespeare")
    assert ci.generate_chars < default.generate_chars < full.generate_chars
    with pytest.raises(ValueError, match="ROBO_PROFILE"):
        profiles.by_name("huge")


@pytest.mark.parametrize("value, expected", [("ci", "ci"), ("", "default"), ("FULL", "full")])
def test_profile_is_read_from_the_environment(value, expected):
    code = "from helpers import profiles; print(profiles.current().name)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"ROBO_PROFILE": value, "PATH": ""}, check=True)
    assert out.stdout.strip() == expected


def test_importing_helpers_has_no_side_effects():
    code = (
        "import sys, random; state = random.getstate(); import helpers, helpers.profiles, "
        "helpers.project, helpers.corpora, helpers.vocab, helpers.metrics; "
        "assert random.getstate() == state; assert 'tensorflow' not in sys.modules; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "ok"


def test_setup_seeds_numpy_and_keras():
    import keras

    from helpers import env

    env.seed_everything(7)
    a = (np.random.rand(3), keras.random.uniform((3,)).numpy())
    report = env.setup(7)
    b = (np.random.rand(3), keras.random.uniform((3,)).numpy())
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert report["platform"] == "local" and report["accelerator"]
    assert set(report) >= {"python", "tensorflow", "keras", "profile"}


def test_badges_point_at_the_notebook():
    path = "notebooks/01_x.ipynb"
    md = project.badges_markdown(path)
    assert project.colab_url(path) in md and project.kaggle_url(path) in md
    assert f"github/{project.GITHUB_REPO}/blob/{project.BRANCH}/{path}" in md


def test_plots_return_closed_figures():
    import matplotlib.pyplot as plt

    figs = [
        plotting.char_frequencies({"a": 0.5, "b": 0.3, "\n": 0.2}, "x"),
        plotting.compare_frequencies({"one": {"a": 0.6, "b": 0.4}, "two": {"a": 0.1, "c": 0.9}}),
        plotting.histograms({"one": [1, 2, 3], "two": [2, 3, 50]}, "length", upper=10),
        plotting.top_users({"u1": 10, "u2": 3}),
        plotting.memory_comparison(["a", "b"], [1e9, 2e6], [1e5, 1e5]),
        plotting.learning_curves(pd.DataFrame({"bpc": [3.0, 2.5], "val_bpc": [3.1, 2.7]},
                                              index=[1, 2]), 5.8, 4.4),
        plotting.gradient_norms({"LSTM": [0.1, 0.5, 1.0], "SimpleRNN": [1e-4, 1e-2, 1.0]}),
        plotting.temperature_distributions({0.5: [0.7, 0.2, 0.1], 1.0: [0.5, 0.3, 0.2]}, "abc"),
    ]
    assert plt.get_fignums() == []
    assert [len(f.axes) for f in figs] == [1, 1, 1, 1, 1, 1, 1, 2]
    assert figs[6].axes[0].get_lines()[1].get_ydata().tolist() == [1e-4, 1e-2, 1.0]
    assert [t.get_text() for t in figs[0].axes[0].get_xticklabels()] == ["a", "b", "\\n"]
