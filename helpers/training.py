"""Training any recipe with a held-out metric, guardrails and optional resumable runs (04-06).

:func:`fit` is the one way the course trains a model: on the recipe's streamed batches of a
training head, validating each epoch on the contiguous validation tail (see
:func:`helpers.windows.split_tail`). Given a ``run_dir`` it saves the run's state after every
epoch and, called again with the same arguments after a disconnect, continues from the last
completed epoch on exactly the batches an uninterrupted run would have seen.

Callbacks it always adds:

* ``TerminateOnNaN``: stops at once if the loss becomes NaN, instead of writing NaN weights;
* :class:`EpochTimer`: records the training seconds at the end of each epoch (``elapsed_s``);
* :class:`SaveRunState` (with a ``run_dir``): the state a resumed run needs.

Callbacks a notebook may add: :class:`BestCheckpoint` (keep the best model by validation loss,
with its vocabulary and recipe) and :class:`PrintSamples` (text at several temperatures, all from
the same seed text, after chosen epochs). Losses are in nats; ``bits_per_char`` reports bits.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import keras
import numpy as np

from helpers import checkpoint, generation, metrics, paths
from helpers.recipes import Recipe
from helpers.vocab import Vocabulary

STATE_FILE = "state.keras"
"""The file in a run directory that holds the state of the last completed epoch."""


class PrintSamples(keras.callbacks.Callback):
    """Print generated text after chosen epochs, at several temperatures from one seed text.

    Args:
        vocab: The model's vocabulary.
        recipe: The model's recipe.
        seed_text: The text every sample starts from (the same for every temperature and epoch).
        epochs: 1-based epochs after which to print; ``None`` prints after every epoch.
        temperatures: Temperatures to sample at.
        length: Characters per sample.
        seed: Sampling seed, so reruns print the same text.
    """

    def __init__(
        self,
        vocab: Vocabulary,
        recipe: Recipe,
        seed_text: str,
        epochs: Iterable[int] | None = None,
        temperatures: Sequence[float] = (0.2, 0.5, 1.0, 1.2),
        length: int = 200,
        seed: int = 0,
    ):
        super().__init__()
        self.vocab, self.recipe, self.seed_text = vocab, recipe, seed_text
        self.epochs = None if epochs is None else set(epochs)
        self.temperatures, self.length, self.seed = list(temperatures), length, seed
        self.samples: dict[int, dict[float, str]] = {}
        self.seed_texts: dict[int, str] = {}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.epochs is not None and epoch + 1 not in self.epochs:
            return
        texts = generation.generate(
            self.model,
            self.vocab,
            self.recipe,
            self.seed_text,
            self.length,
            self.temperatures,
            seed=self.seed,
        )
        self.samples[epoch + 1] = dict(zip(self.temperatures, texts, strict=True))
        self.seed_texts[epoch + 1] = self.seed_text
        print(f"\n--- epoch {epoch + 1}: seed text {self.recipe.prepare(self.seed_text)!r}")
        for temp, text in zip(self.temperatures, texts, strict=True):
            print(f"--- temperature {temp}\n{text}")


class BestCheckpoint(keras.callbacks.Callback):
    """Save the model with its vocabulary and recipe whenever ``monitor`` improves.

    Args:
        path: The ``.keras`` file to write (atomically).
        vocab: The model's vocabulary.
        recipe: The model's recipe.
        monitor: The logged quantity to minimize.
        info: Extra facts stored with the checkpoint (corpus, hardware, ...).
    """

    def __init__(
        self,
        path: Path | str,
        vocab: Vocabulary,
        recipe: Recipe,
        monitor: str = "val_loss",
        info: dict[str, Any] | None = None,
    ):
        super().__init__()
        self.path, self.vocab, self.recipe = Path(path), vocab, recipe
        self.monitor, self.info = monitor, dict(info or {})
        self.best = np.inf
        self.best_epoch: int | None = None

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        value = (logs or {}).get(self.monitor)
        if value is None or not np.isfinite(value) or value >= self.best:
            return
        self.best, self.best_epoch = float(value), epoch + 1
        facts = {
            **self.info,
            "epoch": epoch + 1,
            self.monitor: float(value),
            f"{self.monitor}_bits_per_char": metrics.bits_per_char(value),
        }
        checkpoint.save(self.path, self.model, self.vocab, self.recipe, facts)


class EpochTimer(keras.callbacks.Callback):
    """Record the training seconds at the end of each epoch (``elapsed_s`` in the logs).

    Args:
        offset: Seconds already spent (by the epochs a resumed run completed before).
    """

    def __init__(self, offset: float = 0.0):
        super().__init__()
        self.offset = offset
        self.seconds: list[float] = []

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(self.offset + time.perf_counter() - self.start)
        if logs is not None:
            logs["elapsed_s"] = self.seconds[-1]


def _rng_variables(model: keras.Model) -> list:
    """The random-number states of a model's layers (e.g. Dropout's), in layer order."""
    return [v for v in model.variables if v.path.endswith("seed_generator_state")]


def data_fingerprint(ids: np.ndarray) -> str:
    """A short sha256 of an encoded text, so a run is never resumed on other data."""
    return hashlib.sha256(np.ascontiguousarray(ids, dtype=np.int32).tobytes()).hexdigest()[:16]


class HistoryRecorder(keras.callbacks.Callback):
    """Collect the logs of every completed epoch, continuing a resumed run's history.

    Args:
        history: The history of the epochs completed before this call.
    """

    def __init__(self, history: dict[str, list[float]] | None = None):
        super().__init__()
        self.history = {k: list(v) for k, v in (history or {}).items()}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))


class SaveRunState(HistoryRecorder):
    """After every epoch, atomically save what a resumed run needs (one ``.keras`` file).

    That is the weights, the optimizer state, the layers' random-number states (dropout masks),
    the epoch reached, the data-order seed, a fingerprint of the training data and the history.

    Args:
        run_dir: The run's folder.
        vocab: The model's vocabulary.
        recipe: The model's recipe.
        seed: The data-order seed.
        data: :func:`data_fingerprint` of the training ids.
        history: The history of the epochs completed before this call.
    """

    def __init__(
        self,
        run_dir: Path | str,
        vocab: Vocabulary,
        recipe: Recipe,
        seed: int,
        data: str,
        history: dict[str, list[float]] | None = None,
    ):
        super().__init__(history)
        self.path = Path(run_dir) / STATE_FILE
        self.vocab, self.recipe, self.seed, self.data = vocab, recipe, seed, data

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        super().on_epoch_end(epoch, logs)
        rng = [np.asarray(v.numpy()).tolist() for v in _rng_variables(self.model)]
        info = {
            "epoch": epoch + 1,
            "seed": self.seed,
            "data": self.data,
            "history": self.history,
            "rng": rng,
        }
        checkpoint.save(self.path, self.model, self.vocab, self.recipe, info)


class InterruptAfter(keras.callbacks.Callback):
    """Raise ``KeyboardInterrupt`` at the end of an epoch: a disconnect, simulated in code."""

    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch + 1 == self.epoch:
            raise KeyboardInterrupt(f"simulated disconnect after epoch {self.epoch}")


@dataclass
class Run:
    """What :func:`fit` returns.

    Attributes:
        model: The trained model (the one passed in, with the resumed state loaded into it).
        history: Per-epoch logs of the whole run (resumed epochs included): ``loss``,
            ``val_loss``, ``bits_per_char``, ``val_bits_per_char``, ``elapsed_s``.
        finished: ``False`` when training was interrupted (call :func:`fit` again to resume).
        resumed_after: The epoch the run resumed after (0 for a new run).
        run_dir: Where the run's state is saved (``None`` for a run without one).
    """

    model: keras.Model
    history: dict[str, list[float]] = field(default_factory=dict)
    finished: bool = True
    resumed_after: int = 0
    run_dir: Path | None = None

    @property
    def epochs(self) -> int:
        """Epochs completed."""
        return len(self.history.get("loss", []))


def resume_state(
    model: keras.Model, vocab: Vocabulary, recipe: Recipe, run_dir: Path | str, seed: int, data: str
) -> tuple[int, dict[str, list[float]]]:
    """Load a run directory's saved state into ``model``, after checking that it is this run's.

    Returns:
        ``(epoch, history)``: the last completed epoch and the history so far; ``(0, {})`` when
        the directory holds no state.

    Raises:
        helpers.checkpoint.CheckpointError: If the state belongs to another run (another recipe or
            model size, vocabulary, seed or training text); the message proposes a fresh folder.
    """
    state = Path(run_dir) / STATE_FILE
    if not state.is_file():
        return 0, {}
    meta = checkpoint.read_metadata(state)
    saved_recipe = Recipe.from_dict(meta["recipe"])
    info = meta["info"]
    differences = []
    if saved_recipe != recipe:
        changed = [
            f"{key}={old!r} (now {new!r})"
            for key, old in asdict(saved_recipe).items()
            if (new := asdict(recipe)[key]) != old
        ]
        differences.append("its recipe or model size differs: " + ", ".join(changed))
    if Vocabulary.from_dict(meta["vocab"]) != vocab:
        differences.append("its vocabulary differs")
    if info.get("seed") != seed:
        differences.append(f"its seed was {info.get('seed')}, not {seed}")
    if info.get("data") != data:
        differences.append("it was trained on another text")
    if differences:
        fresh = Path(run_dir).with_name(Path(run_dir).name + "_2")
        raise checkpoint.CheckpointError(
            f"{paths.shown(state)} belongs to another run: {'; '.join(differences)}. To start "
            f"afresh, pass another run directory (for example {paths.shown(fresh)}); to continue "
            "that run, use its settings."
        )
    checkpoint.load_weights_into(model, state)
    for variable, value in zip(_rng_variables(model), info.get("rng", []), strict=False):
        variable.assign(np.asarray(value, dtype=variable.dtype))
    return int(info["epoch"]), info["history"]


def fit(
    model: keras.Model,
    vocab: Vocabulary,
    recipe: Recipe,
    train_ids: np.ndarray,
    val_ids: np.ndarray,
    epochs: int,
    *,
    run_dir: Path | str | None = None,
    seed: int = 0,
    steps_per_epoch: int | None = None,
    validation_steps: int | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int | str = 2,
) -> Run:
    """Train a recipe's model on its streamed batches, validating on the held-out tail each epoch.

    Args:
        model: A compiled model of ``recipe`` (``recipe.build(vocab.size)``).
        vocab: Its vocabulary.
        recipe: Its recipe: batches, batch size and target layout come from it.
        train_ids: Encoded training text.
        val_ids: Encoded validation text (a contiguous tail).
        epochs: Total epochs of the run (a resumed run counts the epochs already done).
        run_dir: A folder to save the run's state in after every epoch and to resume from
            (see :func:`helpers.paths.run_dir`); ``None`` for a run that is not saved.
        seed: Seed of the data order; saved with the state and checked on resume.
        steps_per_epoch: Batches per epoch, ``None`` for every window once.
        validation_steps: Validation batches per epoch, ``None`` for the whole tail.
        callbacks: Extra callbacks (they run after the built-in ones).
        verbose: Keras verbosity (2: one line per epoch).

    Returns:
        A :class:`Run`. If training is interrupted (a ``KeyboardInterrupt``, e.g. the stop button),
        ``finished`` is ``False``; with a ``run_dir``, the same call resumes it.
    """
    data = data_fingerprint(train_ids)
    first, history = 0, {}
    if run_dir is not None:
        first, history = resume_state(model, vocab, recipe, run_dir, seed, data)
        if first:
            state = paths.shown(Path(run_dir) / STATE_FILE)
            print(f"Resuming {state} after epoch {first} of {epochs}.")
    run = Run(model, history, True, first, None if run_dir is None else Path(run_dir))
    if first >= epochs:
        return run
    steps = recipe.batches_per_epoch(len(train_ids), steps_per_epoch)
    val_steps = recipe.batches_per_epoch(len(val_ids), validation_steps)
    train = recipe.dataset(
        train_ids,
        vocab.size,
        shuffle=True,
        seed=seed,
        first_epoch=first,
        epochs=epochs,
        steps_per_epoch=steps,
    )
    val = recipe.dataset(val_ids, vocab.size, steps_per_epoch=val_steps)
    offset = history["elapsed_s"][-1] if history.get("elapsed_s") else 0.0
    if run_dir is not None:
        recorder = SaveRunState(run_dir, vocab, recipe, seed, data, history)
    else:
        recorder = HistoryRecorder(history)
    built_in = [keras.callbacks.TerminateOnNaN(), EpochTimer(offset), recorder]
    try:
        model.fit(
            train,
            validation_data=val,
            epochs=epochs,
            initial_epoch=first,
            shuffle=False,  # the recipe's stream already visits the windows in a new order
            steps_per_epoch=steps,
            validation_steps=val_steps,
            callbacks=[*built_in, *callbacks],
            verbose=verbose,
        )
    except KeyboardInterrupt as stop:
        run.finished = False
        done = len(recorder.history.get("loss", []))
        if run_dir is not None:
            print(
                f"Interrupted ({stop}). The state after epoch {done} is saved in "
                f"{paths.shown(Path(run_dir) / STATE_FILE)}; run the same cell again to resume."
            )
        else:
            print(f"Interrupted ({stop}) after epoch {done}; without a run_dir nothing was saved.")
    run.history = recorder.history
    return run


def history_table(history: Run | keras.callbacks.History | dict[str, list[float]]) -> Any:
    """A run's history as a pandas DataFrame, one row per epoch, losses also in bits per
    character (``bpc``, ``val_bpc``)."""
    import pandas as pd

    if isinstance(history, Run):
        history = history.history
    frame = pd.DataFrame(history.history if hasattr(history, "history") else history)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="epoch")
    for column in ("loss", "val_loss"):
        if column in frame:
            frame[column.replace("loss", "bpc")] = frame[column].map(metrics.bits_per_char)
    keep = [c for c in ("loss", "val_loss", "bpc", "val_bpc", "elapsed_s") if c in frame]
    return frame[keep].round(3)
