"""Train a character model on any text in one call, within a time budget (notebook 09).

``train(["my_book.txt"], minutes=10, out="mine.keras")`` (or ``python -m helpers train my_book.txt
--minutes 10 --out mine.keras``) does what notebooks 02-06 teach, in order:

1. :func:`read_sources` reads the text: registered corpora, text files, or a column of a CSV
   file with an optional row filter (one chat user's messages), several joined into one corpus;
2. :func:`plan` picks notebook 06's efficient recipe (:func:`helpers.recipes.efficient`) sized for
   the device and the text, with dropout on the embedding and before the output layer, measures a
   few batches and prints what will happen: corpus size, vocabulary, parameters, memory, time per
   epoch;
3. :func:`train` trains it with :func:`helpers.training.fit` until the time budget (or the
   epochs) run out. The learning rate follows a cosine over the *fraction of the budget spent*
   (:class:`CosineByTime`), so it has decayed when :class:`TimeBudget` stops training, however
   many epochs that is. The run's state is saved after every epoch in a run directory; the same
   call again resumes it, with the budget already spent remembered. Samples from one seed text
   are printed after the first and the last epoch;
4. it writes a self-describing ``.keras`` file (:mod:`helpers.checkpoint`) and a JSON record beside
   it (``FILE.json``: corpus sha256, sizes, minutes, validation bits per character).

:func:`generate` writes text from such a file. Every bad input raises :class:`TextgenError` with
a message that names the problem and the fix, before anything is trained or overwritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from helpers import checkpoint, corpora, generation, metrics, paths, recipes, training, windows
from helpers.recipes import Recipe
from helpers.vocab import Vocabulary

VALIDATION_FRACTION = 0.1
"""Share of the text, at its end, held out to measure validation bits per character."""

MIN_CHARS = 500
"""The shortest text the trainer accepts (its last tenth must hold a few validation chunks)."""

MIN_WINDOW = 16
"""The shortest training chunk the trainer shrinks the window to for a short text."""

SEPARATOR = "\n\n"
"""What joins several sources into one corpus."""

SIZES = ("auto", "cpu", "gpu")
"""Sizes :func:`plan` accepts: ``auto`` picks ``gpu`` when TensorFlow sees a GPU, else ``cpu``."""

TRAINER_SIZES: dict[str, dict[str, Any]] = {
    # Notebook 06's efficient recipe is sized for a fixed number of epochs without regularization.
    # With a time budget the trainer can afford a wider model; dropout on the embedding's output
    # and before the output layer keeps it from overfitting a corpus of half a million characters
    # (benchmarks/time_budget.py measures it against notebook 06's CPU schedule).
    "cpu": {
        "window": 100,
        "units": 384,
        "batch_size": 64,
        "learning_rate": 3e-3,
        "embed_dropout": 0.2,
        "dropout": 0.3,
    },
    "gpu": {
        "window": 100,
        "units": 512,
        "batch_size": 256,
        "learning_rate": 4e-3,
        "embed_dropout": 0.2,
        "dropout": 0.3,
    },
}
"""The trainer's widest model per device: its changes to :data:`helpers.recipes.EFFICIENT_SIZES`."""

CPU_STEPS: tuple[tuple[int, dict[str, Any]], ...] = (
    # (characters a second it trains on the course's 2-core CPU, changes to TRAINER_SIZES["cpu"])
    (43_000, {}),
    (63_000, {"units": 256, "learning_rate": 4e-3}),
    (
        137_000,
        {"units": 128, "window": 50, "batch_size": 32, "learning_rate": 5e-3, "dropout": 0.1},
    ),
)
"""Ever smaller CPU models for ever shorter budgets: :func:`choose_recipe` takes the widest that
reads the text at least :data:`MIN_PASSES` times within the budget (the last one otherwise). A
wide model learns more per epoch but needs epochs; in a minute or two a narrow one gets further."""

MIN_PASSES = 25
"""Epochs a CPU model should get within the budget (see :data:`CPU_STEPS`)."""

SMALL_TEXT = 100_000
"""Below this many characters the model is narrowed (a wide model only memorizes a short text)."""

STATE_RECORD = "textgen.json"
"""The file in a run directory that says which corpus, recipe and seed the run trains."""

SAMPLES_FILE = "samples.json"
"""The file in a run directory that keeps the samples printed so far (kept across resumes)."""

SAMPLE_LENGTH = 200
"""Characters in the samples printed during training."""


class TextgenError(ValueError):
    """A bad input to the trainer; the message names the problem and the fix."""


# ----------------------------------------------------------------------------- reading text
def _read_csv(path: Path, column: str, where: str | None) -> str:
    """One CSV column's rows (optionally filtered), joined with newlines."""
    import pandas as pd  # Only CSV sources need pandas.

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise TextgenError(f"{path} could not be read as a CSV file ({err}).") from None
    return _select_rows(frame, column, where, str(path))


def _select_rows(frame: Any, column: str, where: str | None, label: str) -> str:
    if column not in frame.columns:
        raise TextgenError(
            f"{label} has no column {column!r}; its columns are {list(frame.columns)}. "
            "Pass the text column with --column (Python: column=...)."
        )
    if where is not None:
        name, sep, value = where.partition("=")
        if not sep or not name:
            raise TextgenError(
                f"The filter {where!r} is not of the form COLUMN=VALUE, "
                "e.g. 'fromUser.username=someone'."
            )
        if name not in frame.columns:
            raise TextgenError(
                f"The filter {where!r} names no column of {label}; its columns are "
                f"{list(frame.columns)}."
            )
        chosen = frame[frame[name] == value]
        if chosen.empty:
            common = frame[name].value_counts().index[:3].tolist()
            raise TextgenError(
                f"The filter {where!r} matches no row of {label}. The most frequent values of "
                f"{name!r} are {common}; check the spelling (the match is exact)."
            )
        frame = chosen
    texts = frame[column][frame[column].str.len() > 0]
    return "\n".join(texts)


def _read_one(source: str | Path, column: str, where: str | None) -> str:
    name = str(source)
    known = corpora.registry()
    try:
        if name in known and known[name].kind == "csv":
            frame = corpora.load_chat(columns=tuple(frame_columns(column, where)))
            return corpora.clean(_select_rows(frame, column, where, f"the corpus {name!r}"))
        path = Path(name).expanduser()
        if name not in known and path.suffix.lower() == ".csv":
            if not path.is_file():
                raise TextgenError(f"No file at {path}: check the path.")
            return corpora.clean(_read_csv(path, column, where))
        return corpora.load_text(name)
    except corpora.CorpusError as err:
        raise TextgenError(str(err)) from None


def frame_columns(column: str, where: str | None) -> list[str]:
    """The CSV columns a source needs: the text column and the filter's column."""
    names = [column]
    if where is not None and "=" in where:
        names.append(where.partition("=")[0])
    return names


def read_sources(
    sources: str | Path | Sequence[str | Path], *, column: str = "text", where: str | None = None
) -> str:
    """Read one or several sources into one text.

    Args:
        sources: Each a registry corpus name (:func:`helpers.corpora.registry`, e.g.
            ``"nietzsche"``), a text file, or a CSV file (its ``column``). Several are joined with
            a blank line into one mixed corpus, in the order given.
        column: The text column of CSV sources.
        where: A row filter for CSV sources, ``"COLUMN=VALUE"``
            (e.g. ``"fromUser.username=someone"``).

    Returns:
        The text, cleaned as :func:`helpers.corpora.load_text` does (line endings, byte-order
        marks, a Project Gutenberg header and footer), not yet lower-cased.

    Raises:
        TextgenError: A missing file or unknown name, an unknown column, a filter that matches
            nothing, or a text that is empty or shorter than :data:`MIN_CHARS`.
    """
    if isinstance(sources, (str, Path)):
        sources = [sources]
    sources = list(sources)
    if not sources:
        raise TextgenError("No source given: name a text file, a CSV file or a registered corpus.")
    parts = []
    for source in sources:
        part = _read_one(source, column, where)
        if not part.strip():
            raise TextgenError(f"{source} holds no text (it is empty or only white space).")
        parts.append(part)
    text = SEPARATOR.join(parts)
    _check_text(text)
    return text


def corpus_sha256(text: str) -> str:
    """The sha256 of a text (UTF-8), recorded with every model trained on it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ----------------------------------------------------------------------------- the plan
@dataclass(frozen=True)
class Plan:
    """What :func:`train` will do, printed before training.

    Attributes:
        chars: Characters in the corpus (after cleaning).
        vocab_size: Distinct characters (after lower-casing).
        recipe: The recipe, with the model's sizes.
        parameters: Trainable parameters of the model.
        memory_bytes: Estimated memory of training: weights, gradients, optimizer state, the
            encoded text and one batch's activations.
        seconds_per_epoch: Time per epoch, measured on a few batches on this machine.
        minutes: The time budget.
        epochs: The most epochs to train (``None``: as many as the budget allows).
        size: The size used: ``"cpu"`` or ``"gpu"``.
    """

    chars: int
    vocab_size: int
    recipe: Recipe
    parameters: int
    memory_bytes: int
    seconds_per_epoch: float
    minutes: float
    epochs: int | None
    size: str = "cpu"

    @property
    def expected_epochs(self) -> float:
        """Epochs the budget allows at the measured speed (at most ``epochs``)."""
        fit = self.minutes * 60 / max(self.seconds_per_epoch, 1e-9)
        return fit if self.epochs is None else min(fit, self.epochs)

    def rows(self) -> dict[str, str]:
        """The plan in words, one entry per line of :meth:`table`."""
        r = self.recipe
        dropout = f"dropout {r.embed_dropout:g} on the embedding, {r.dropout:g} before the output"
        limit = f"{self.minutes:g} min"
        if self.epochs is not None:
            limit += f" or {self.epochs} epochs, whichever ends first"
        return {
            "corpus": f"{self.chars:,} characters",
            "vocabulary": f"{self.vocab_size} characters" + (" (lower-cased)" if r.lower else ""),
            "model": f"Embedding({r.embed_dim}) -> LSTM({r.units}) -> Dense({self.vocab_size}), "
            + dropout,
            "parameters": f"{self.parameters:,}",
            "memory (estimate)": windows.format_bytes(self.memory_bytes),
            "batches": f"{r.batch_size} chunks of {r.window} characters, Adam peak learning rate "
            f"{r.learning_rate:g}, cosine over the budget",
            "time per epoch (measured)": f"{self.seconds_per_epoch:.1f} s ({self.size} size)",
            "budget": f"{limit}: about {self.expected_epochs:.1f} epochs",
        }

    def table(self) -> Any:
        """The plan as a pandas Series, for a notebook to display."""
        import pandas as pd

        return pd.Series(self.rows(), name="plan")

    def __str__(self) -> str:
        rows = self.rows()
        width = max(map(len, rows))
        return "\n".join(f"{k:<{width}}  {v}" for k, v in rows.items())


def _device_size(size: str) -> str:
    if size not in SIZES:
        raise TextgenError(f"size must be one of {', '.join(SIZES)}, not {size!r}.")
    if size != "auto":
        return size
    import tensorflow as tf

    return "gpu" if tf.config.list_physical_devices("GPU") else "cpu"


def choose_recipe(
    text_chars: int, size: str = "auto", corpus: str = "text", minutes: float | None = None
) -> Recipe:
    """Notebook 06's efficient recipe sized for the device, the text and the budget, with the
    trainer's regularization (:data:`TRAINER_SIZES`).

    On a CPU, a budget too short for the widest model to read the text :data:`MIN_PASSES` times
    gets a narrower one (:data:`CPU_STEPS`). A short text gets shorter chunks (so its held-out
    tenth holds several) and, below :data:`SMALL_TEXT` characters, a narrower LSTM.

    Args:
        text_chars: Characters in the corpus.
        size: ``"auto"``, ``"cpu"`` or ``"gpu"``.
        corpus: The corpus name stored in the recipe.
        minutes: The time budget (``None``: the widest model).
    """
    return candidate_recipes(text_chars, size, corpus, minutes)[0]


def candidate_recipes(
    text_chars: int, size: str = "auto", corpus: str = "text", minutes: float | None = None
) -> list[Recipe]:
    """:func:`choose_recipe`'s choice, then on a CPU the narrower steps of :data:`CPU_STEPS`: the
    trainer falls back on them when this machine turns out slower than the one they were
    measured on."""
    size = _device_size(size)
    widest = recipes.efficient(size, corpus=corpus).replace(**TRAINER_SIZES[size])
    if size != "cpu" or minutes is None:
        return [_fit_to_text(widest, text_chars)]
    fits = [speed * minutes * 60 >= MIN_PASSES * text_chars for speed, _ in CPU_STEPS]
    start = fits.index(True) if any(fits) else len(CPU_STEPS) - 1
    found: list[Recipe] = []
    for _, changes in CPU_STEPS[start:]:
        recipe = _fit_to_text(widest.replace(**changes), text_chars)
        if recipe not in found:
            found.append(recipe)
    return found


def _fit_to_text(recipe: Recipe, text_chars: int) -> Recipe:
    """Shorter chunks for a short text, and a narrower model below :data:`SMALL_TEXT`."""
    val_chars = int(round(text_chars * VALIDATION_FRACTION))
    window = min(recipe.window, max(MIN_WINDOW, val_chars // 4))
    changes: dict[str, Any] = {}
    if window != recipe.window:
        changes["window"] = window
    if text_chars < SMALL_TEXT:
        changes["units"] = min(recipe.units, 128)
        train_chunks = max(1, (text_chars - val_chars) // window)
        changes["batch_size"] = max(8, min(recipe.batch_size, train_chunks // 16))
    return recipe.replace(**changes) if changes else recipe


def _corpus_name(sources: Any) -> str:
    if sources is None:
        return "text"
    items = [sources] if isinstance(sources, (str, Path)) else list(sources)
    return "+".join(Path(str(s)).stem for s in items)[:80] or "text"


def _estimate_memory(model: keras.Model, recipe: Recipe, chars: int, vocab_size: int) -> int:
    params = model.count_params()
    weights = 4 * params * 4  # weights, gradients and Adam's two moments, float32
    text = chars * 4 * 2  # the encoded text, in NumPy and in the tf.data pipeline
    per_position = 4 * (recipe.embed_dim + 6 * recipe.units + 3 * vocab_size)
    batch = recipe.batch_size * recipe.window * per_position * 2  # forward and backward
    return int(weights + text + batch)


def _measure(model: keras.Model, recipe: Recipe, train_ids: np.ndarray, vocab: Vocabulary) -> float:
    """Seconds per training epoch, timed on a few batches; the model is left unchanged."""
    saved = [v.numpy() for v in model.variables]
    model.optimizer.build(model.trainable_variables)
    saved_opt = [v.numpy() for v in model.optimizer.variables]
    steps = recipe.batches_per_epoch(len(train_ids))
    batches = iter(recipe.dataset(train_ids, vocab.size, shuffle=True, seed=12345, epochs=2))
    warm, timed = 2, min(8, steps)
    x, y = next(batches)
    for _ in range(warm):
        model.train_on_batch(x, y)
    start = time.perf_counter()
    for _ in range(timed):
        x, y = next(batches)
        model.train_on_batch(x, y)
    per_batch = (time.perf_counter() - start) / timed
    for variable, value in zip(model.variables, saved, strict=True):
        variable.assign(value)
    for variable, value in zip(model.optimizer.variables, saved_opt, strict=True):
        variable.assign(value)
    # Validation runs once per epoch over a tenth of the text, forward only (about a third of
    # a training step per batch).
    return per_batch * steps * (1 + VALIDATION_FRACTION / 3)


def _prepare(
    text: str,
    minutes: float,
    recipe: Recipe | Sequence[Recipe],
    size: str,
    epochs: int | None,
) -> tuple[Plan, keras.Model, Vocabulary, np.ndarray, np.ndarray]:
    """Encode the text, build the model, time a few batches: the plan and what it needs.

    Given several recipes (widest first), the first whose measured speed lets it read the text
    at least ``MIN_PASSES / 2`` times within the budget is taken (the last one otherwise): the
    speeds in :data:`CPU_STEPS` are one machine's, this checks them on this one.
    """
    candidates = [recipe] if isinstance(recipe, Recipe) else list(recipe)
    prepared = candidates[0].prepare(text)
    vocab = Vocabulary.from_text(prepared)
    train_ids, val_ids = windows.split_tail(vocab.encode(prepared), VALIDATION_FRACTION)
    for recipe in candidates:
        model = recipe.build(vocab.size)
        seconds = _measure(model, recipe, train_ids, vocab)
        if minutes * 60 / seconds >= MIN_PASSES / 2:
            break
    plan_ = Plan(
        chars=len(text),
        vocab_size=vocab.size,
        recipe=recipe,
        parameters=int(model.count_params()),
        memory_bytes=_estimate_memory(model, recipe, len(text), vocab.size),
        seconds_per_epoch=seconds,
        minutes=float(minutes),
        epochs=epochs,
        size=size,
    )
    return plan_, model, vocab, train_ids, val_ids


def _check_text(text: str) -> None:
    if len(text) < MIN_CHARS:
        raise TextgenError(
            f"The text has {len(text)} characters; the trainer needs at least {MIN_CHARS} (its "
            "last tenth is held out to measure the model). Add text or more sources."
        )


def _check_budget(minutes: float, epochs: int | None) -> None:
    if not isinstance(minutes, (int, float)) or not math.isfinite(minutes) or minutes <= 0:
        raise TextgenError(
            f"minutes must be a positive number (the training budget), not {minutes!r}."
        )
    if epochs is not None and epochs < 1:
        raise TextgenError(
            f"epochs must be at least 1 (or None for the budget alone), not {epochs}."
        )


def plan(text: str, minutes: float, *, size: str = "auto", epochs: int | None = None) -> Plan:
    """What :func:`train` would do with this text and budget, measured on this machine.

    Args:
        text: The corpus (e.g. from :func:`read_sources`).
        minutes: The time budget.
        size: ``"auto"`` (the device decides), ``"cpu"`` or ``"gpu"``.
        epochs: The most epochs, or ``None`` for as many as the budget allows.

    Raises:
        TextgenError: A budget that is not positive, or too short a text.
    """
    _check_budget(minutes, epochs)
    _check_text(text)
    size = _device_size(size)
    candidates = candidate_recipes(len(text), size, minutes=minutes)
    return _prepare(text, minutes, candidates, size, epochs)[0]


# ----------------------------------------------------------------------------- callbacks
class _BudgetClock(keras.callbacks.Callback):
    """The clock that :class:`TimeBudget` and :class:`CosineByTime` share: seconds spent on a
    budget, earlier calls' included, with this call's counted from the end of its first batch
    (during that batch Keras builds the training step, a one-off cost that on a slow or busy
    machine can outlast a short budget and would leave nothing of it for training)."""

    def __init__(self, seconds: float, already_spent: float = 0.0):
        super().__init__()
        self.seconds, self.already_spent = float(seconds), float(already_spent)
        self.start: float | None = None

    @property
    def spent(self) -> float:
        """Seconds spent so far, earlier calls included (this call's from its first batch's end)."""
        running = 0.0 if self.start is None else time.perf_counter() - self.start
        return self.already_spent + running

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.start = None

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.start is None:
            self.start = time.perf_counter()  # the first batch, which builds the step, is free


class TimeBudget(_BudgetClock):
    """Stop training once ``seconds`` of training time are spent (checked after every batch).

    The clock of a call starts when its first batch ends (see :class:`_BudgetClock`). The epoch
    that runs out of time ends early; Keras still validates it and calls the ``on_epoch_end``
    callbacks, so its state is saved like any other epoch's.

    Args:
        seconds: The budget.
        already_spent: Seconds spent by earlier calls of the same run (a resumed run).
    """

    def __init__(self, seconds: float, already_spent: float = 0.0):
        super().__init__(seconds, already_spent)
        self.stopped = False

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        super().on_train_batch_end(batch, logs)
        if self.spent >= self.seconds:
            self.stopped = True
            self.model.stop_training = True


class CosineByTime(_BudgetClock):
    """Set the learning rate before every batch from the fraction of the time budget spent.

    ``lr = floor + (peak - floor) * (1 + cos(pi * f)) / 2`` where ``f`` is the fraction spent, so
    the rate falls from ``peak`` to ``floor`` exactly when the budget runs out, however fast the
    machine is. An optional warm-up raises it linearly from ``floor`` to ``peak`` first. Time is
    counted as :class:`TimeBudget` counts it, from the end of the call's first batch.

    Args:
        peak: The highest learning rate.
        seconds: The budget.
        already_spent: Seconds spent by earlier calls of the same run.
        floor: The final learning rate.
        warmup: Fraction of the budget spent warming up (0 for none).
    """

    def __init__(
        self,
        peak: float,
        seconds: float,
        already_spent: float = 0.0,
        floor: float = 0.0,
        warmup: float = 0.0,
    ):
        super().__init__(seconds, already_spent)
        self.peak, self.floor, self.warmup = peak, floor, warmup
        self.rates: list[float] = []

    def rate(self, fraction: float) -> float:
        """The learning rate once ``fraction`` of the budget is spent."""
        fraction = min(max(fraction, 0.0), 1.0)
        if fraction < self.warmup:
            return self.floor + (self.peak - self.floor) * fraction / self.warmup
        done = (fraction - self.warmup) / (1 - self.warmup) if self.warmup < 1 else 1.0
        return self.floor + (self.peak - self.floor) * 0.5 * (1 + math.cos(math.pi * done))

    def on_train_batch_begin(self, batch: int, logs: dict | None = None) -> None:
        self.model.optimizer.learning_rate.assign(self.rate(self.spent / self.seconds))

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.rates.append(float(self.model.optimizer.learning_rate.numpy()))
        if logs is not None:
            logs["learning_rate"] = self.rates[-1]


class Progress(keras.callbacks.Callback):
    """A one-line progress display: time spent of the budget, epoch, training bits per character;
    and one line per epoch with the validation bits per character.

    Args:
        budget: The callback that keeps the time (:class:`TimeBudget`).
        bar: Redraw a progress bar in place (a terminal or a notebook); ``False`` prints only the
            line per epoch (logs).
        every: Seconds between redraws.
    """

    def __init__(self, budget: TimeBudget, bar: bool = True, every: float = 1.0):
        super().__init__()
        self.budget, self.bar, self.every = budget, bar, every
        self.last = 0.0
        self.last_line = -math.inf
        self.epoch = 0

    def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
        self.epoch = epoch + 1

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        now = time.perf_counter()
        if not self.bar or now - self.last < self.every:
            return
        self.last = now
        spent, total = self.budget.spent, self.budget.seconds
        done = min(spent / total, 1.0)
        filled = int(round(done * 30))
        bpc = metrics.bits_per_char((logs or {}).get("loss", float("nan")))
        line = (
            f"\r[{'#' * filled}{'.' * (30 - filled)}] {_clock(spent)}/{_clock(total)} "
            f"epoch {self.epoch} batch {batch + 1} train {bpc:.3f} bits/char"
        )
        print(line, end="", flush=True)

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        now = time.perf_counter()
        if epoch and now - self.last_line < 5 * self.every and not self.model.stop_training:
            return  # short epochs: a line every few seconds is enough
        self.last_line = now
        logs = logs or {}
        end = "\r" + " " * 79 + "\r" if self.bar else ""
        val = metrics.bits_per_char(logs.get("val_loss", float("nan")))
        train = metrics.bits_per_char(logs.get("loss", float("nan")))
        print(
            f"{end}epoch {epoch + 1}: {_clock(self.budget.spent)} of {_clock(self.budget.seconds)}"
            f", train {train:.3f}, validation {val:.3f} bits/char",
            flush=True,
        )


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    return f"{seconds // 60}:{seconds % 60:02d}"


class SampleAfterFirst(keras.callbacks.Callback):
    """Generate (and print) one sample after the first epoch of a run."""

    def __init__(self, sample: Any):
        super().__init__()
        self.sample = sample

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch == 0:
            self.sample(1)


# ----------------------------------------------------------------------------- training
@dataclass
class Result:
    """What :func:`train` returns.

    Attributes:
        path: The self-describing ``.keras`` file (:mod:`helpers.checkpoint`); written only when
            the run finished.
        record: The facts written beside it as ``FILE.json``.
        history: Per-epoch logs of the whole run (resumed epochs included).
        samples: Epoch -> a sample from the same seed text (after the first and the last epoch).
        run_dir: Where the run's state is saved.
        finished: ``False`` when training was interrupted (call again to resume).
        plan: What was planned.
    """

    path: Path
    record: dict[str, Any]
    history: dict[str, list[float]]
    samples: dict[int, str]
    run_dir: Path
    finished: bool
    plan: Plan | None = None
    seed_text: str = ""
    model: Any = field(default=None, repr=False)


def record_path(out: Path | str) -> Path:
    """The JSON record written beside a model file: ``FILE.json`` for ``FILE.keras``."""
    return Path(out).with_suffix(".json")


def default_run_dir(out: Path | str) -> Path:
    """The run directory :func:`train` uses for an output file: ``paths.run_dir(<its stem>)``
    (``runs/<stem>`` locally, on Drive on Colab, in ``/kaggle/working`` on Kaggle)."""
    return paths.run_dir(Path(out).stem)


def default_out(name: str) -> Path:
    """Where a model called ``name`` goes by default: ``<runs folder>/<name>/<name>.keras``, where
    the course's app (:func:`helpers.app.find_models`) lists it."""
    return paths.run_dir(name) / f"{name}.keras"


def _check_out(out: str | Path) -> Path:
    out = Path(out).expanduser()
    if out.suffix != ".keras":
        raise TextgenError(
            f"The output file must end in .keras (a self-describing Keras file), not {out.name!r}:"
            f" for example --out {out.with_suffix('.keras').name}."
        )
    folder = out.parent if str(out.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise TextgenError(
            f"Cannot create the folder {folder} for the output file ({err.strerror}): choose "
            "a folder you can write to."
        ) from None
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise TextgenError(
            f"Cannot write {out}: the folder or the file is not writable. Choose another --out."
        )
    return out


def _check_run_dir(run_dir: Path, facts: dict[str, Any]) -> None:
    """Refuse a run directory that holds another run (another corpus, model size or seed)."""
    record = run_dir / STATE_RECORD
    state = run_dir / training.STATE_FILE
    if not record.is_file() or not state.is_file():  # nothing trained yet: start afresh
        if state.is_file():
            raise TextgenError(
                f"{paths.shown(run_dir)} holds a training run that the trainer did not start. "
                f"Pass a fresh run directory, for example --run-dir {_fresh(run_dir)}."
            )
        return
    saved = json.loads(record.read_text(encoding="utf-8"))
    problems = []
    if saved.get("corpus_sha256") != facts["corpus_sha256"]:
        problems.append(
            f"it trains on another text ({saved.get('chars', '?'):,} characters, "
            f"sha256 {str(saved.get('corpus_sha256'))[:12]}..., not {facts['chars']:,}, "
            f"{facts['corpus_sha256'][:12]}...)"
        )
    if saved.get("recipe") != facts["recipe"]:
        old = asdict(Recipe.from_dict(saved["recipe"])) if saved.get("recipe") else {}
        new = asdict(Recipe.from_dict(facts["recipe"]))
        changed = [f"{k}={old.get(k)!r} (now {v!r})" for k, v in new.items() if old.get(k) != v]
        problems.append("its model size or recipe differs: " + ", ".join(changed))
    if saved.get("seed") != facts["seed"]:
        problems.append(f"its seed was {saved.get('seed')}, not {facts['seed']}")
    if saved.get("size") != facts["size"]:
        problems.append(f"its model size was {saved.get('size')!r}, not {facts['size']!r}")
    if problems:
        raise TextgenError(
            f"{paths.shown(run_dir)} holds another run: {'; '.join(problems)}. Nothing was "
            f"changed. To start afresh, pass a fresh run directory (for example --run-dir "
            f"{_fresh(run_dir)}, Python: run_dir=...); to continue that run, use its settings."
        )


def _continued_recipe(run_dir: Path, text: str, seed: int, size: str) -> Recipe | None:
    """The recipe of the run a run directory holds when it trains this text with this seed and
    size (the same command with a raised budget continues it), else ``None``."""
    record = run_dir / STATE_RECORD
    if not record.is_file() or not (run_dir / training.STATE_FILE).is_file():
        return None
    saved = json.loads(record.read_text(encoding="utf-8"))
    same = (saved.get("corpus_sha256"), saved.get("seed"), saved.get("size"))
    if same != (corpus_sha256(text), seed, size):
        return None
    try:
        return Recipe.from_dict(saved["recipe"])
    except (KeyError, TypeError, ValueError):
        return None


def _fresh(run_dir: Path) -> str:
    for n in range(2, 1000):
        candidate = run_dir.with_name(f"{run_dir.name}_{n}")
        if not candidate.exists():
            return paths.shown(candidate)
    return paths.shown(run_dir.with_name(run_dir.name + "_new"))


def _default_seed_text(text: str) -> str:
    """The first words of the text's first line of prose (up to about 40 characters, cut after a
    space), or its first 40 characters."""
    for line in text[:100_000].split("\n"):
        if len(line.split()) >= 4:
            head = line.strip()[:40]
            cut = head.rfind(" ")
            return head[: cut + 1] if cut > 10 else head
    return text[:40]


def _write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


class _WithoutFitResumeLine:
    """Standard output without ``training.fit``'s "Resuming ... after epoch N of CAP." line (the
    trainer says it itself: under a time budget the cap of epochs means nothing)."""

    def __init__(self, stream: Any):
        self.stream, self.dropping = stream, False

    def write(self, text: str) -> int:
        if text.startswith("Resuming ") and " after epoch " in text:
            self.dropping = True
            return len(text)
        if self.dropping and text == "\n":
            self.dropping = False
            return len(text)
        self.dropping = False
        return self.stream.write(text)

    def flush(self) -> None:
        self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def _progress_bar() -> bool:
    return sys.stdout.isatty() or "ipykernel" in sys.modules


def train(
    sources: str | Path | Sequence[str | Path] | None = None,
    *,
    text: str | None = None,
    minutes: float,
    out: str | Path | None = None,
    epochs: int | None = None,
    run_dir: str | Path | None = None,
    seed: int = 0,
    seed_text: str | None = None,
    size: str = "auto",
    column: str = "text",
    where: str | None = None,
    verbose: int = 1,
) -> Result:
    """Train a character model on a text within a time budget; resume when called again.

    Args:
        sources: What to read (see :func:`read_sources`); give either this or ``text``.
        text: The corpus itself.
        minutes: Training time budget, in minutes (the run stops when it is spent).
        out: The ``.keras`` file to write (its record goes beside it as ``FILE.json``);
            ``None``: :func:`default_out` of the sources' name, in the runs folder.
        epochs: The most epochs to train, or ``None`` for as many as the budget allows.
        run_dir: Where the run's state is saved after every epoch; default
            :func:`default_run_dir` of ``out``. A directory holding this run is resumed.
        seed: Seed of the weights, the data order, dropout and the samples.
        seed_text: Text the samples start from (default: the start of the corpus).
        size: ``"auto"`` (the device decides), ``"cpu"`` or ``"gpu"``.
        column: The text column of CSV sources.
        where: A row filter ``"COLUMN=VALUE"`` for CSV sources.
        verbose: 0 silent, 1 the plan, a progress display and samples, 2 the same without the
            redrawn progress bar (one line per epoch, for logs).

    Returns:
        A :class:`Result`; ``finished`` is ``False`` when it was interrupted (the state of the
        last completed epoch is saved: call again to resume).

    Raises:
        TextgenError: For bad input, before anything is trained or overwritten: no text or too
            short a text, an unknown column or a filter that matches nothing, a budget that is
            not positive, an output that is not ``.keras`` or not writable, a seed text with
            characters the corpus lacks, or a run directory that holds another run (another
            corpus, model size or seed).
    """
    _check_budget(minutes, epochs)
    if (sources is None) == (text is None):
        raise TextgenError("Give either sources (files or corpus names) or text=..., not both.")
    if text is None:
        text = read_sources(sources, column=column, where=where)
    name = _corpus_name(sources)
    out = _check_out(default_out(name) if out is None else out)
    run_dir = Path(run_dir).expanduser() if run_dir is not None else default_run_dir(out)
    _check_text(text)
    size = _device_size(size)
    candidates = candidate_recipes(len(text), size, name, minutes)
    continued = _continued_recipe(run_dir, text, seed, size)
    if continued is not None:  # a raised budget may have chosen another step: keep the run's
        candidates = [continued]
    recipe = candidates[0]
    prepared = recipe.prepare(text)
    facts = {
        "corpus_sha256": corpus_sha256(text),
        "chars": len(text),
        "recipe": recipe.to_dict(),
        "seed": seed,
        "size": size,
    }
    _check_run_dir(run_dir, facts)
    if seed_text is None:
        seed_text = _default_seed_text(prepared)
    vocab_chars = set(prepared)
    missing = sorted(set(recipe.prepare(seed_text)) - vocab_chars)
    if missing:
        raise TextgenError(
            f"The seed text has characters the corpus lacks: {''.join(missing)!r}. Use a seed "
            "text written with the corpus's characters."
        )
    keras.utils.set_random_seed(seed)
    plan_, model, vocab, train_ids, val_ids = _prepare(text, minutes, candidates, size, epochs)
    recipe = plan_.recipe
    facts["recipe"] = recipe.to_dict()
    say = print if verbose else (lambda *a, **k: None)
    say(str(plan_))

    run_dir.mkdir(parents=True, exist_ok=True)
    if not (run_dir / training.STATE_FILE).is_file():
        _write_json(run_dir / STATE_RECORD, {**facts, "sources": _source_names(sources)})
    samples_file = run_dir / SAMPLES_FILE
    samples: dict[int, str] = {}
    if samples_file.is_file() and (run_dir / training.STATE_FILE).is_file():
        samples = {int(k): v for k, v in json.loads(samples_file.read_text("utf-8")).items()}

    def sample(epoch: int) -> str:
        texts = generation.generate(model, vocab, recipe, seed_text, SAMPLE_LENGTH, 0.8, seed=seed)
        samples[epoch] = texts
        _write_json(samples_file, {str(k): v for k, v in sorted(samples.items())})
        say(f"--- sample after epoch {epoch}, temperature 0.8:\n{recipe.prepare(seed_text)}{texts}")
        return texts

    spent = _spent(run_dir)
    seconds = minutes * 60.0
    budget = TimeBudget(seconds, spent)
    cosine = CosineByTime(recipe.learning_rate, seconds, spent, warmup=0.02)
    callbacks: list[keras.callbacks.Callback] = [budget, cosine, SampleAfterFirst(sample)]
    if verbose:
        callbacks.append(Progress(budget, bar=verbose == 1 and _progress_bar()))
    done = _epochs_done(run_dir)
    if done:
        say(
            f"Resuming {paths.shown(run_dir)} after epoch {done}: {_clock(spent)} of the "
            f"{_clock(seconds)} budget spent."
        )
    if spent >= seconds:  # nothing left to train: fit only loads the saved state
        say(f"The budget of {minutes:g} min is already spent.")
        cap, callbacks = done, []
    elif epochs is not None:
        cap = epochs
    else:  # the budget stops training, never this cap
        cap = done + 1_000_000
    try:
        with contextlib.redirect_stdout(_WithoutFitResumeLine(sys.stdout)):
            run = training.fit(
                model,
                vocab,
                recipe,
                train_ids,
                val_ids,
                cap,
                run_dir=run_dir,
                seed=seed,
                callbacks=callbacks,
                verbose=0,
            )
    except checkpoint.CheckpointError as err:
        raise TextgenError(str(err)) from None
    history = run.history
    done = len(history.get("loss", []))
    result = Result(out, {}, history, samples, run_dir, run.finished, plan_, seed_text, model)
    if not run.finished:
        return result
    if done and done not in samples:
        sample(done)
    val_loss = history.get("val_loss", [float("nan")])[-1] if done else float("nan")
    used = history.get("elapsed_s", [0.0])[-1] if done else 0.0
    record = {
        "format": "robo-nietzsche/textgen-record",
        "model": out.name,
        "sources": _source_names(sources),
        **facts,
        "vocab_size": vocab.size,
        "parameters": plan_.parameters,
        "minutes_budget": float(minutes),
        "minutes_used": round(used / 60, 3),
        "epochs": done,
        "val_bits_per_char": round(float(metrics.bits_per_char(val_loss)), 4),
        "val_metric": "bits per character at every position of the held-out last tenth's chunks",
        "seed_text": seed_text,
        "keras": keras.__version__,
        "finished": run.finished,
        "run_dir": paths.shown(run_dir),
    }
    checkpoint.save(out, model, vocab, recipe, {"textgen": record, "epoch": done})
    _write_json(record_path(out), record)
    result.record = record
    say(
        f"Saved {paths.shown(out)} and {record_path(out).name}: {done} epochs in "
        f"{used / 60:.1f} min, validation {record['val_bits_per_char']:.3f} bits/char."
    )
    return result


def _source_names(sources: Any) -> list[str]:
    if sources is None:
        return ["<text>"]
    items = [sources] if isinstance(sources, (str, Path)) else list(sources)
    return [str(s) for s in items]


def _state_info(run_dir: Path) -> dict[str, Any]:
    state = run_dir / training.STATE_FILE
    if not state.is_file():
        return {}
    return checkpoint.read_metadata(state)["info"]


def _spent(run_dir: Path) -> float:
    """Training seconds a run directory's saved epochs took."""
    elapsed = _state_info(run_dir).get("history", {}).get("elapsed_s", [])
    return float(elapsed[-1]) if elapsed else 0.0


def _epochs_done(run_dir: Path) -> int:
    return int(_state_info(run_dir).get("epoch", 0))


# ----------------------------------------------------------------------------- generating
def generate(
    path: str | Path,
    seed_text: str,
    length: int = 400,
    temperature: float = 0.8,
    samples: int = 1,
    seed: int = 0,
) -> list[str]:
    """Generate text from a model file written by :func:`train` (or any course checkpoint).

    Args:
        path: The ``.keras`` file.
        seed_text: Text to start from (lower-cased if the model's recipe is).
        length: Characters to generate per sample.
        temperature: Sampling temperature (0: always the most likely character).
        samples: How many samples, generated together.
        seed: Sampling seed: the same seed gives the same text.

    Returns:
        ``samples`` generated texts, without the seed text.

    Raises:
        TextgenError: No such file, not a course checkpoint, a seed text with characters the
            model does not know, or a bad length, temperature or number of samples.
    """
    path = Path(path).expanduser()
    if not path.is_file():
        raise TextgenError(f"No model file at {path}: check the path (train one with train()).")
    if length < 1 or samples < 1:
        raise TextgenError(f"length and samples must be at least 1, not {length} and {samples}.")
    if not math.isfinite(temperature) or temperature < 0:
        raise TextgenError(f"temperature must be 0 or more, not {temperature}.")
    try:
        ckpt = checkpoint.load(path, text=seed_text, compile=False)
    except checkpoint.CheckpointError as err:
        raise TextgenError(str(err)) from None
    texts = generation.generate(
        ckpt.model, ckpt.vocab, ckpt.recipe, seed_text, length, temperature, samples, seed=seed
    )
    return [texts] if isinstance(texts, str) else list(texts)
