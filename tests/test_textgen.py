"""The one-call trainer (helpers.textgen) and its command line (python -m helpers): train a tiny
text for a few seconds, stop it (budget and Ctrl+C), resume, generate; every bad input gets a clear
error and leaves a run's saved state as it was; CSV filters and mixed sources; the app finds what
the trainer saves."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import app, paths, pretrained, recipes, textgen, training

ROOT = Path(__file__).resolve().parent.parent
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT))
WORDS = "the will to power is a world of becoming and every thing returns eternally".split()
# About 5,000 characters of varied sentences built from a few words (seeded, so fixed).
TEXT = "\n".join(
    " ".join(WORDS[(i * 7 + j * 3) % len(WORDS)] for j in range(4 + i % 5)) + "."
    for i in range(150)
)
MINUTES = 0.02  # 1.2 s of training: a handful of epochs of a tiny text


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "helpers", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=timeout,
        cwd=ROOT,
    )


def problem(out: subprocess.CompletedProcess) -> str:
    """The one-line error of a refused command (exit status 2, no traceback)."""
    assert out.returncode == 2, out.stderr[-2000:]
    assert "Traceback" not in out.stderr
    lines = [line for line in out.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, out.stderr[-2000:]
    return lines[0]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("text") / "tiny.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> textgen.Result:
    """One short run through the Python API, reused by the refusal tests."""
    folder = tmp_path_factory.mktemp("api")
    return textgen.train(
        text=TEXT, minutes=MINUTES, out=folder / "api.keras", run_dir=folder / "run", verbose=0
    )


# ----------------------------------------------------------------------------- command line
def test_command_line_trains_stops_resumes_and_generates(corpus, tmp_path):
    out, run = tmp_path / "m.keras", tmp_path / "run"
    common = [str(corpus), "--out", str(out), "--run-dir", str(run)]
    first = cli("train", *common, "--minutes", "0.03")
    assert first.returncode == 0, first.stderr[-2000:]
    for fact in ("characters", "parameters", "memory (estimate)", "time per epoch"):
        assert fact in first.stdout
    assert "sample after epoch 1" in first.stdout
    record = json.loads(out.with_suffix(".json").read_text())
    assert record["finished"] and record["chars"] == len(TEXT)
    assert record["minutes_used"] >= 0.03 and record["val_bits_per_char"] < 6

    # The budget ended mid-run; a larger one continues the same run, its time remembered.
    again = cli("train", *common, "--minutes", "0.06")
    assert again.returncode == 0, again.stderr[-2000:]
    assert f"after epoch {record['epochs']}:" in again.stdout, again.stdout[-2000:]
    more = json.loads(out.with_suffix(".json").read_text())
    assert more["epochs"] > record["epochs"]
    assert 0.06 <= more["minutes_used"] < 0.12, "the budget counts the first call's time"
    assert f"sample after epoch {more['epochs']}" in again.stdout

    generated = cli("generate", str(out), "--seed-text", "the will ", "--length", "60")
    assert generated.returncode == 0, generated.stderr[-2000:]
    assert generated.stdout.startswith("the will ")
    # print() adds one newline; the generated text may itself end in newlines
    assert generated.stdout.endswith("\n")
    assert len(generated.stdout[:-1]) == len("the will ") + 60


def test_ctrl_c_keeps_the_last_epoch_and_the_same_command_resumes(tmp_path):
    run = tmp_path / "run"
    # A text long enough for an epoch to take seconds, a budget far longer than the run and an
    # epoch limit of 2: the interrupt, sent when epoch 1 is saved, always lands inside epoch 2
    # however fast or slow the machine, and the resumed run ends after that epoch.
    longer = tmp_path / "longer.txt"
    longer.write_text("\n".join([TEXT] * (200_000 // len(TEXT) + 1)), encoding="utf-8")
    command = [sys.executable, "-m", "helpers", "train", str(longer), "--minutes", "10"]
    command += ["--epochs", "2", "--out", str(tmp_path / "m.keras"), "--run-dir", str(run)]
    proc = subprocess.Popen(
        command,
        env=ENV,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a job started in the background by a shell (as CI may be) inherits an ignored SIGINT;
        # give the trainer the default a terminal gives it, so Ctrl+C is what it receives
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 60
    while not (run / training.STATE_FILE).exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr[-2000:]
    assert "run the same command again" in stderr
    assert not (tmp_path / "m.keras").exists()
    resumed = subprocess.run(command, env=ENV, cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert "Resuming" in resumed.stdout
    record = json.loads((tmp_path / "m.json").read_text())
    assert record["finished"] and record["epochs"] == 2


def test_command_line_refuses_bad_input_in_one_line(corpus, tmp_path):
    line = problem(cli("train", str(corpus), "--minutes", "0", "--out", str(tmp_path / "m.keras")))
    assert "minutes must be a positive number" in line
    line = problem(cli("train", str(corpus), "--minutes", "1", "--out", str(tmp_path / "m.h5")))
    assert "must end in .keras" in line
    line = problem(cli("generate", str(tmp_path / "none.keras"), "--seed-text", "the"))
    assert "No model file" in line


# ----------------------------------------------------------------------------- Python API
def test_python_api_returns_the_model_its_record_and_samples(trained):
    assert trained.finished and trained.path.is_file()
    assert json.loads(textgen.record_path(trained.path).read_text()) == trained.record
    record = trained.record
    assert record["corpus_sha256"] == textgen.corpus_sha256(TEXT)
    assert record["vocab_size"] == len(set(TEXT.lower()))
    assert record["parameters"] == trained.plan.parameters > 0
    assert record["epochs"] == len(trained.history["loss"]) >= 1
    assert set(trained.samples) == {1, record["epochs"]}
    recipe = trained.plan.recipe
    assert recipes.Recipe.from_dict(record["recipe"]) == recipe and recipe.embed_dropout > 0
    assert "embed_dropout" in [layer.name for layer in trained.model.layers]
    assert "embed_dropout" not in recipes.EFFICIENT.to_dict(), "older recipes are stored as before"
    texts = textgen.generate(trained.path, "the will ", length=30, samples=2, seed=1)
    assert len(texts) == 2 and all(len(t) == 30 and set(t) <= set(TEXT) for t in texts)
    assert textgen.generate(trained.path, "the will ", 30, samples=2, seed=1) == texts


def test_the_plan_describes_the_model_before_training():
    short = TEXT[:1200]
    plan = textgen.plan(short, 1.5, size="cpu")
    assert plan.chars == len(short) and plan.vocab_size == len(set(short))
    assert plan.seconds_per_epoch > 0 and plan.memory_bytes > 4 * plan.parameters
    assert plan.recipe.window < 100, "a short text gets chunks its held-out tenth can hold"
    assert list(plan.table().index)[:4] == ["corpus", "vocabulary", "model", "parameters"]


def test_time_budget_and_cosine_follow_the_fraction_spent():
    cosine = textgen.CosineByTime(1e-2, seconds=100, floor=1e-4)
    assert cosine.rate(0) == pytest.approx(1e-2)
    assert cosine.rate(0.5) == pytest.approx((1e-2 + 1e-4) / 2)
    assert cosine.rate(1.0) == cosine.rate(2.0) == pytest.approx(1e-4)
    warm = textgen.CosineByTime(1e-2, seconds=100, warmup=0.1)
    assert warm.rate(0.05) == pytest.approx(5e-3) and warm.rate(0.1) == pytest.approx(1e-2)

    class Model:
        stop_training = False

    budget = textgen.TimeBudget(10, already_spent=9.0)
    budget.set_model(Model())
    budget.on_train_begin()
    budget.on_train_batch_end(0)
    assert not budget.model.stop_training
    budget.already_spent = 10.0
    budget.on_train_batch_end(1)
    assert budget.model.stop_training and budget.stopped


def test_a_slow_first_batch_does_not_eat_the_budget(monkeypatch):
    # The first batch builds the training step; on a busy machine it can outlast a short budget.
    # The clock starts when it ends, so the budget is left for training, at the full rate.
    now = [0.0]
    monkeypatch.setattr(textgen.time, "perf_counter", lambda: now[0])

    class Optimizer:
        class learning_rate:  # noqa: N801 (stands in for a Keras variable)
            value = None

            @classmethod
            def assign(cls, value):
                cls.value = value

    class Model:
        stop_training = False
        optimizer = Optimizer

    budget = textgen.TimeBudget(10)
    cosine = textgen.CosineByTime(1e-2, seconds=10, warmup=0.1)
    for callback in (budget, cosine):
        callback.set_model(Model())
        callback.on_train_begin()
    cosine.on_train_batch_begin(0)
    now[0] = 50.0  # the first batch took 50 s
    for callback in (budget, cosine):
        callback.on_train_batch_end(0)
    assert not budget.model.stop_training and budget.spent == 0.0
    now[0] = 51.0
    cosine.on_train_batch_begin(1)  # 1 s of 10 spent: past the warm-up, near the peak
    assert Optimizer.learning_rate.value == pytest.approx(cosine.rate(0.1))
    budget.on_train_batch_end(1)
    assert not budget.model.stop_training
    now[0] = 60.0
    budget.on_train_batch_end(2)
    assert budget.model.stop_training and budget.spent == pytest.approx(10.0)


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("content", "message"),
    [("", "is empty"), ("  \n\n ", "holds no text"), ("short text. " * 20, "at least 500")],
)
def test_empty_or_short_text_is_refused(tmp_path, content, message):
    path = tmp_path / "small.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(textgen.TextgenError, match=message):
        textgen.train(path, minutes=1, out=tmp_path / "m.keras", verbose=0)


def test_missing_file_and_bad_budget_are_refused(tmp_path, corpus):
    with pytest.raises(textgen.TextgenError, match="neither a registered corpus"):
        textgen.read_sources(tmp_path / "missing.txt")
    for minutes in (0, -1, float("nan")):
        with pytest.raises(textgen.TextgenError, match="positive number"):
            textgen.train(corpus, minutes=minutes, out=tmp_path / "m.keras", verbose=0)


def test_bad_output_paths_are_refused(tmp_path, corpus):
    with pytest.raises(textgen.TextgenError, match=r"must end in \.keras.*m\.keras"):
        textgen.train(corpus, minutes=1, out=tmp_path / "m.h5", verbose=0)
    blocker = tmp_path / "a_file"
    blocker.write_text("")
    with pytest.raises(textgen.TextgenError, match="Cannot create the folder"):
        textgen.train(corpus, minutes=1, out=blocker / "m.keras", verbose=0)
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(textgen.TextgenError, match="not writable"):
            textgen.train(corpus, minutes=1, out=locked / "m.keras", verbose=0)


def _refused(trained: textgen.Result, **changes) -> str:
    state = trained.run_dir / training.STATE_FILE
    before = state.read_bytes()
    arguments = dict(text=TEXT, minutes=1, out=trained.path, run_dir=trained.run_dir, verbose=0)
    with pytest.raises(textgen.TextgenError) as err:
        textgen.train(**{**arguments, **changes})
    assert state.read_bytes() == before, "the run's saved state is untouched"
    assert f"{trained.run_dir.name}_2" in str(err.value), "a fresh directory is proposed"
    return str(err.value)


def test_a_run_directory_of_another_corpus_size_or_seed_is_refused(trained):
    other = TEXT.replace("power", "truth")
    assert "another text" in _refused(trained, text=other)
    assert "its seed was 0, not 1" in _refused(trained, seed=1)
    message = _refused(trained, size="gpu")  # the run was sized for this CPU
    assert "its model size was 'cpu', not 'gpu'" in message
    assert "model size or recipe differs: " in message


def test_a_seed_text_the_corpus_cannot_spell_is_refused(tmp_path):
    with pytest.raises(textgen.TextgenError, match="characters the corpus lacks: 'qxz'"):
        textgen.train(
            text=TEXT,
            minutes=1,
            out=tmp_path / "m.keras",
            run_dir=tmp_path / "run",
            seed_text="qxz",
            verbose=0,
        )


# ----------------------------------------------------------------------------- sources
def test_csv_column_and_filter(tmp_path):
    import pandas as pd

    rows = [("ann", f"ann says thing number {i}, with words.") for i in range(40)]
    rows += [("bob", f"bob writes line {i} of his own.") for i in range(40)]
    path = tmp_path / "chat.csv"
    pd.DataFrame(rows, columns=["user", "body"]).to_csv(path, index=False)
    text = textgen.read_sources(path, column="body", where="user=bob")
    assert text.splitlines() == [f"bob writes line {i} of his own." for i in range(40)]
    with pytest.raises(textgen.TextgenError, match="no column 'text'.*'user', 'body'"):
        textgen.read_sources(path)
    with pytest.raises(textgen.TextgenError, match="matches no row.*'ann'"):
        textgen.read_sources(path, column="body", where="user=carl")
    with pytest.raises(textgen.TextgenError, match="names no column"):
        textgen.read_sources(path, column="body", where="name=bob")
    with pytest.raises(textgen.TextgenError, match="COLUMN=VALUE"):
        textgen.read_sources(path, column="body", where="bob")


def test_mixed_sources_join_in_order(tmp_path, corpus):
    other = tmp_path / "other.txt"
    other.write_text("\ufeffa second text.\r\n" * 10, encoding="utf-8")
    mixed = textgen.read_sources([corpus, other])
    assert mixed == TEXT + textgen.SEPARATOR + "a second text.\n" * 10
    with_corpus = textgen.read_sources(["alice", corpus])
    assert with_corpus.endswith(textgen.SEPARATOR + TEXT) and "Alice" in with_corpus


# ----------------------------------------------------------------------------- where it saves
def test_the_app_finds_what_the_trainer_saves_by_default(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "runs_root", lambda: tmp_path / "runs")
    assert textgen.default_out("mine") == tmp_path / "runs" / "mine" / "mine.keras"
    assert textgen.default_run_dir(textgen.default_out("mine")) == tmp_path / "runs" / "mine"
    source = tmp_path / "mine.txt"
    source.write_text(TEXT, encoding="utf-8")
    result = textgen.train(source, minutes=0.01, verbose=0)
    assert result.path == tmp_path / "runs" / "mine" / "mine.keras"
    found = app.find_models()
    assert found["yours: mine/mine.keras"] == result.path.resolve()
    assert any(name.startswith("shipped: ") for name in found)


def test_the_app_searches_drive_and_kaggle_working(trained, tmp_path, monkeypatch):
    drive, kaggle = tmp_path / "MyDrive", tmp_path / "working"
    for folder in (drive / paths.DRIVE_FOLDER / "notes", kaggle / "runs" / "chat"):
        folder.mkdir(parents=True)
        shutil.copy(trained.path, folder / "model.keras")
    monkeypatch.setattr(paths, "COLAB_DRIVE", drive)
    monkeypatch.setattr(paths, "KAGGLE_WORKING", kaggle)
    monkeypatch.setattr(paths, "KAGGLE_INPUT", tmp_path / "no-input")
    found = app.find_models()
    assert found["yours: notes/model.keras"].parent.parent == (drive / paths.DRIVE_FOLDER).resolve()
    assert found["yours: runs/chat/model.keras"].is_relative_to(kaggle.resolve())
    shipped = {name for name in found if name.startswith("shipped: ")}
    assert shipped == {f"shipped: {name}" for name in pretrained.available()}


def test_the_app_lists_a_kaggle_run_once(trained, tmp_path, monkeypatch):
    # On Kaggle the runs folder /kaggle/working/runs lies inside /kaggle/working, and both are
    # searched: the model must be offered once, under its name in the runs folder.
    kaggle = tmp_path / "working"
    (kaggle / "runs" / "chat").mkdir(parents=True)
    shutil.copy(trained.path, kaggle / "runs" / "chat" / "model.keras")
    monkeypatch.setattr(paths, "runs_root", lambda: kaggle / "runs")
    monkeypatch.setattr(paths, "KAGGLE_WORKING", kaggle)
    monkeypatch.setattr(paths, "KAGGLE_INPUT", tmp_path / "no-input")
    monkeypatch.setenv(paths.RUNS_ENV, str(tmp_path / "no-local-runs"))
    yours = {name: path for name, path in app.find_models().items() if name.startswith("yours: ")}
    assert yours == {
        "yours: chat/model.keras": (kaggle / "runs" / "chat" / "model.keras").resolve()
    }
