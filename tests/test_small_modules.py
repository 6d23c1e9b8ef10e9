"""helpers.metrics, helpers.profiles, helpers.env, helpers.paths, helpers.plotting, and
tools.project."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from helpers import metrics, paths, plotting, profiles
from tools import project


def test_bits_and_baselines():
    assert metrics.bits_per_char(math.log(2)) == pytest.approx(1.0)
    assert metrics.bits_per_char(np.float32(math.log(4))) == pytest.approx(2.0)
    np.testing.assert_allclose(metrics.bits_per_char(np.log([2.0, 8.0])), [1.0, 3.0])
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
    # A sample cut mid-word: its unfinished last word is left out only when asked.
    assert metrics.real_word_share("the cat sa", {"the", "cat"}) == pytest.approx(2 / 3)
    assert metrics.real_word_share("the cat sa", {"the", "cat"}, truncated=True) == 1.0
    assert metrics.real_word_share("the cat zzq.", {"the", "cat"}, truncated=True) == (
        pytest.approx(2 / 3)
    )
    assert metrics.real_word_share("zzq", {"the"}, truncated=True) == 0.0
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
    assert set(ci.sizes) == set(default.sizes) == set(full.sizes), "every profile sets every size"
    assert set(ci.schedules) == set(default.schedules) == set(full.schedules)
    with pytest.raises(KeyError, match="known"):
        ci.size("huge")
    with pytest.raises(ValueError, match="ROBO_PROFILE"):
        profiles.by_name("huge")


def test_explain_shows_every_profile_and_marks_the_running_one():
    table = profiles.explain(["nietzsche", "generate_chars"])
    running = profiles.current().name
    assert list(table.columns) == [f"{n} *" if n == running else n for n in profiles.PROFILES]
    assert list(table.index) == [
        "nietzsche: epochs", "nietzsche: batches per epoch", "nietzsche: validation batches",
        "generate_chars",
    ]  # fmt: skip
    assert table.loc["nietzsche: epochs", "full" + (" *" if running == "full" else "")] == "60"


@pytest.mark.parametrize("value, expected", [("ci", "ci"), ("", "default"), ("FULL", "full")])
def test_profile_is_read_from_the_environment(value, expected):
    code = "from helpers import profiles; print(profiles.current().name)"
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={"ROBO_PROFILE": value, "PATH": ""},
        check=True,
    )
    assert out.stdout.strip() == expected


def test_the_keras_metric_is_built_on_bits_per_char():
    import keras

    metric = metrics.bits_per_char_metric()
    assert metric.name == "bits_per_char"
    y_true = np.array([0, 1])
    y_pred = np.array([[0.5, 0.5], [0.25, 0.75]], dtype="float32")
    metric.update_state(y_true, y_pred)
    expected = np.mean([metrics.bits_per_char(-np.log(0.5)), metrics.bits_per_char(-np.log(0.75))])
    assert float(metric.result()) == pytest.approx(expected, rel=1e-5)
    assert keras.saving.get_registered_object("robo_nietzsche>BitsPerChar") is type(metric)


HELPERS = sorted(p.stem for p in (paths.REPO_ROOT / "helpers").glob("*.py") if p.stem != "__main__")


@pytest.mark.parametrize("module", HELPERS)
def test_importing_a_helpers_module_has_no_side_effects(module):
    """Importing any module seeds nothing, writes nothing and changes no global random state
    (Python's, NumPy's legacy global generator); the light modules do not even import TensorFlow."""
    light = {"__init__", "corpora", "env", "metrics", "paths", "profiles", "vocab"}
    # Importing TensorFlow itself moves Python's random state, so the libraries a heavy module
    # needs are imported first and only the module's own import is checked.
    libraries = "" if module in light else "import tensorflow, keras, matplotlib.pyplot, pandas; "
    code = (
        "import os, random, sys; import numpy as np; "
        f"{libraries}"
        "state, legacy = random.getstate(), np.random.get_state()[1].copy(); "
        "files = sorted(os.listdir('.')); "
        f"import importlib; importlib.import_module('helpers' if {module!r} == '__init__' "
        f"else 'helpers.{module}'); "
        "assert random.getstate() == state, 'random state changed'; "
        "assert (np.random.get_state()[1] == legacy).all(), 'numpy state changed'; "
        "assert sorted(os.listdir('.')) == files, 'files written'; "
        f"assert {module in light} is False or 'tensorflow' not in sys.modules, 'tensorflow'; "
        "print('ok')"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=paths.REPO_ROOT,
        env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": ""},
    )  # fmt: skip
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_the_side_effect_test_would_catch_a_seed_at_import(tmp_path):
    """The check above fails for a module that seeds at import, as windows.py once could have."""
    (tmp_path / "seeding.py").write_text("import random\nrandom.seed(0)\n")
    code = (
        "import random; state = random.getstate(); import seeding; "
        "assert random.getstate() == state, 'random state changed'"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode != 0 and "random state changed" in out.stderr


def test_paths_are_anchored_at_the_repository_not_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(paths.RUNS_ENV, raising=False)
    for var in ("COLAB_RELEASE_TAG", "KAGGLE_KERNEL_RUN_TYPE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(paths, "KAGGLE_INPUT", tmp_path / "no-kaggle")
    assert paths.detect_platform() == "local"
    assert paths.runs_root() == paths.REPO_ROOT / "runs"
    assert paths.run_dir("notebook06") == paths.REPO_ROOT / "runs" / "notebook06"
    monkeypatch.setenv("KAGGLE_KERNEL_RUN_TYPE", "Interactive")
    assert paths.runs_root() == paths.KAGGLE_WORKING / "runs"
    with pytest.raises(ValueError, match="one folder name"):
        paths.run_dir("../elsewhere")
    monkeypatch.delenv("KAGGLE_KERNEL_RUN_TYPE")
    assert paths.shown(paths.run_dir("nb06") / "state.keras") == "<runs>/nb06/state.keras"
    assert paths.shown(paths.REPO_ROOT / "models" / "x.keras") == "./models/x.keras"
    assert paths.shown(tmp_path / "x.keras") == str(tmp_path / "x.keras")


def test_robo_runs_moves_the_local_runs_folder(tmp_path, monkeypatch):
    for var in ("COLAB_RELEASE_TAG", "KAGGLE_KERNEL_RUN_TYPE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(paths, "KAGGLE_INPUT", tmp_path / "no-kaggle")
    monkeypatch.setattr(paths, "KAGGLE_WORKING", tmp_path / "no-working")
    monkeypatch.setattr(paths, "COLAB_DRIVE", tmp_path / "no-drive")
    monkeypatch.setenv(paths.RUNS_ENV, str(tmp_path / "elsewhere"))
    assert paths.runs_root() == (tmp_path / "elsewhere").resolve()
    assert paths.run_dir("notebook06") == (tmp_path / "elsewhere" / "notebook06").resolve()
    (tmp_path / "elsewhere").mkdir()
    # the repository's runs/ is not searched: the variable replaces it
    assert paths.model_folders() == [(tmp_path / "elsewhere").resolve()]
    monkeypatch.setenv(paths.RUNS_ENV, "")  # empty: the default
    assert paths.runs_root() == paths.REPO_ROOT / "runs"


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
        plotting.learning_curves(
            pd.DataFrame({"bpc": [3.0, 2.5], "val_bpc": [3.1, 2.7]}, index=[1, 2]), 5.8, 4.4
        ),
        plotting.gradient_norms({"LSTM": [0.1, 0.5, 1.0], "SimpleRNN": [1e-4, 1e-2, 1.0]}),
        plotting.temperature_distributions({0.5: [0.7, 0.2, 0.1], 1.0: [0.5, 0.3, 0.2]}, "abc"),
    ]
    assert plt.get_fignums() == []
    assert [len(f.axes) for f in figs] == [1, 1, 1, 1, 1, 1, 1, 2]
    assert figs[6].axes[0].get_lines()[1].get_ydata().tolist() == [1e-4, 1e-2, 1.0]
    assert [t.get_text() for t in figs[0].axes[0].get_xticklabels()] == ["a", "b", "\\n"]


def test_exploration_plots_share_bins_and_label_their_axes():
    """Notebooks 01 and 02: every corpus on the same bins (no false gaps in whole-number data),
    titles and axis labels everywhere, legends outside the data."""
    edges = plotting.shared_bins([np.array([1, 2, 3]), np.array([2, 3, 50])], bins=10)
    assert np.allclose(np.diff(edges), np.diff(edges)[0]) and np.diff(edges)[0] == 5
    assert edges[0] == 0.5 and edges[-1] >= 50.5
    assert np.array_equal(plotting.shared_bins([np.array([1, 2])], bins=40), [0.5, 1.5, 2.5])
    fig = plotting.histograms(
        {"one": [1, 2, 3], "two": [2, 3, 50]}, "length (characters)", upper=10, title="t"
    )
    patches = fig.axes[0].patches
    assert len(patches) == 2  # one step outline per series
    shown_edges = set(plotting.shared_bins([np.array([1, 2, 3]), np.array([2, 3])], bins=40))
    for patch in patches:  # every outline steps on the shared edges only
        assert set(np.round(patch.get_path().vertices[:, 0], 6)) <= shown_edges
    figs = [
        fig,
        plotting.char_frequencies({"a": 0.5, "b": 0.5}, "x"),
        plotting.compare_frequencies({"one": {"a": 1.0}, "two": {"a": 1.0}}),
        plotting.top_users({"u1": 10, "u2": 3}),
        plotting.memory_comparison(
            ["a", "b"], [1e9, 2e6], [1e5, 1e5], float32=[4e9, 8e6], limit=("RAM", 12e9)
        ),
        plotting.memory_comparison(
            ["a", "b"],
            [1e9, 2e6],
            [1e5, 1e5],
            float32=[4e9, 8e6],
            fit_copy=[8e9, 16e6],
            limit=("free RAM", 10e9),
        ),
        plotting.char_frequencies({"a": 0.9, "b": 0.09, "c": 0.01}, "x", log=True),
    ]
    for f in figs:
        ax = f.axes[0]
        assert ax.get_title() and ax.get_xlabel()
        assert ax.get_ylabel() or all(t.get_text() for t in ax.get_yticklabels())
        legend = ax.get_legend()
        if legend is not None:
            assert legend.get_bbox_to_anchor().x0 >= ax.get_window_extent().x1  # right of the axes
    assert len(figs[4].axes[0].patches) == 6  # three bars per setup
    assert [t.get_text() for t in figs[4].axes[0].get_yticklabels()] == ["a", "b"]
    assert len(figs[5].axes[0].patches) == 8  # four with fit's copy
    assert figs[6].axes[0].get_yscale() == "log"


# ---------------------------------------------------------------------------------------------
# Notebook 04's figures.


def test_notebook_04_plots_draw_every_step_and_the_switch():
    import matplotlib.pyplot as plt

    grid = np.linspace(-2, 2, 5)
    steps = {"slow": [(2.0, 4.0), (1.0, 1.0)], "fast": [(2.0, 4.0), (0.0, 0.0), (0.1, 0.01)]}
    fig = plotting.gradient_descent_1d(grid, grid**2, steps)
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["loss", "slow", "fast"]
    assert lines[2].get_xdata().tolist() == [2.0, 0.0, 0.1]
    assert [t.get_text() for t in fig.axes[0].texts if t.get_text()] == ["start"]  # one start
    table = pd.DataFrame({"bpc": [3.0, 2.5, 2.2], "val_bpc": [3.1, 2.7, 2.4]}, index=[1, 2, 3])
    fig = plotting.learning_curves_two_phases(table, 2, 5.8, 4.4)
    assert list(fig.axes[0].get_lines()[-1].get_xdata()) == [2.5, 2.5]
    assert plt.get_fignums() == []


# ---------------------------------------------------------------------------------------------
# Notebook 03's figures.


def test_the_lstm_cell_diagram_names_every_gate_and_both_states():
    import matplotlib.pyplot as plt

    fig = plotting.lstm_cell()
    assert plt.get_fignums() == []
    texts = [t.get_text() for t in fig.axes[0].texts]
    for label, symbol, _ in plotting.LSTM_GATES.values():
        assert label in texts and symbol in texts
    for state in ("$c_{t-1}$", "$c_t$", "$h_{t-1}$", "$h_t$", "$x_t$"):
        assert state in texts
    assert fig.axes[0].get_title()


def test_the_memory_plot_draws_means_seeds_and_chance_with_the_legend_outside():
    import matplotlib.pyplot as plt

    runs = pd.DataFrame(
        [
            {"model": m, "k": k, "seed": s, "accuracy": a}
            for m, acc in (("SimpleRNN", {5: 0.9, 50: 0.1}), ("LSTM", {5: 1.0, 50: 0.95}))
            for k in (5, 50)
            for s, a in enumerate((acc[k] - 0.02, acc[k] + 0.02))
        ]
    )
    fig = plotting.memory_accuracy(runs, chance=0.125)
    assert plt.get_fignums() == []
    ax = fig.axes[0]
    lines = ax.get_lines()
    assert lines[0].get_ydata().tolist() == pytest.approx([0.9, 0.1])  # SimpleRNN's means
    assert lines[1].get_ydata().tolist() == pytest.approx([1.0, 0.95])
    assert list(lines[2].get_ydata()) == [0.125, 0.125]  # chance
    assert [len(c.get_offsets()) for c in ax.collections] == [4, 4]  # every seed a dot
    assert ax.get_title() and "(%)" in ax.get_ylabel() and "k" in ax.get_xlabel()
    assert ax.get_legend().get_bbox_to_anchor().x0 >= ax.get_window_extent().x1
