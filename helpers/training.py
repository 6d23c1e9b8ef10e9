"""Training the classic recipes with a held-out metric and guardrails (notebooks 03, 04).

:func:`fit` trains a recipe's model on streamed windows of a training head and validates each
epoch on the windows of a contiguous validation tail (see :func:`helpers.windows.split_tail`).
Its callbacks:

* ``TerminateOnNaN``: stops at once if the loss becomes NaN, instead of writing NaN weights;
* :class:`BestCheckpoint`: keeps the best model by validation loss, saved atomically with its
  vocabulary and recipe;
* :class:`PrintSamples`: after chosen epochs, prints text at several temperatures, all from the
  same seed text.

The losses are in nats; the ``bits_per_char`` metric reports them in bits.
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import keras
import numpy as np

from helpers import checkpoint, env, generation, metrics, windows
from helpers.recipes import Recipe
from helpers.vocab import Vocabulary


class PrintSamples(keras.callbacks.Callback):
    """Print generated text after chosen epochs, at several temperatures from one seed text.

    Args:
        vocab: The model's vocabulary.
        recipe: The model's recipe.
        seed_text: The text every sample starts from (the same for every temperature).
        epochs: 1-based epochs after which to print; ``None`` prints after every epoch.
        temperatures: Temperatures to sample at.
        length: Characters per sample.
        seed: Sampling seed, so reruns print the same text.
    """

    def __init__(self, vocab: Vocabulary, recipe: Recipe, seed_text: str,
                 epochs: Iterable[int] | None = None,
                 temperatures: Sequence[float] = (0.2, 0.5, 1.0, 1.2),
                 length: int = 200, seed: int = 0):
        super().__init__()
        self.vocab, self.recipe, self.seed_text = vocab, recipe, seed_text
        self.epochs = None if epochs is None else set(epochs)
        self.temperatures, self.length, self.seed = list(temperatures), length, seed
        self.samples: dict[int, dict[float, str]] = {}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.epochs is not None and epoch + 1 not in self.epochs:
            return
        texts = generation.generate(self.model, self.vocab, self.recipe, self.seed_text,
                                    self.length, self.temperatures, seed=self.seed)
        self.samples[epoch + 1] = dict(zip(self.temperatures, texts))
        seed_shown = self.recipe.prepare(self.seed_text)[-self.recipe.window :]
        print(f"\n--- epoch {epoch + 1}: seed {seed_shown!r}")
        for temp, text in zip(self.temperatures, texts):
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

    def __init__(self, path: Path | str, vocab: Vocabulary, recipe: Recipe,
                 monitor: str = "val_loss", info: dict[str, Any] | None = None):
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
        facts = {**self.info, "epoch": epoch + 1, self.monitor: float(value),
                 f"{self.monitor}_bits_per_char": metrics.bits_per_char(value)}
        checkpoint.save(self.path, self.model, self.vocab, self.recipe, facts)


class EpochTimer(keras.callbacks.Callback):
    """Record the wall-clock seconds since training began at the end of each epoch."""

    def on_train_begin(self, logs: dict | None = None) -> None:
        self.start = time.perf_counter()
        self.seconds: list[float] = []

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        self.seconds.append(time.perf_counter() - self.start)
        if logs is not None:
            logs["elapsed_s"] = self.seconds[-1]


def fit(
    model: keras.Model,
    recipe: Recipe,
    vocab: Vocabulary,
    train_ids: np.ndarray,
    val_ids: np.ndarray,
    epochs: int,
    batch_size: int = 128,
    steps_per_epoch: int | None = None,
    validation_steps: int | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    seed: int = 0,
    verbose: int | str = 2,
) -> keras.callbacks.History:
    """Train a recipe's model on streamed windows, validating on the held-out tail each epoch.

    Args:
        model: A compiled model of ``recipe``.
        recipe: Its preprocessing.
        vocab: Its vocabulary.
        train_ids: Encoded training text.
        val_ids: Encoded validation text (a contiguous tail).
        epochs: Number of epochs.
        batch_size: Windows per batch (128 in both classic recipes).
        steps_per_epoch: Batches per epoch, ``None`` for a full pass.
        validation_steps: Validation batches per epoch, ``None`` for all.
        callbacks: Extra callbacks; ``TerminateOnNaN`` and an :class:`EpochTimer` are added.
        seed: Shuffling seed.
        verbose: Keras verbosity (2: one line per epoch).

    Returns:
        The Keras history; ``history.history`` also holds ``elapsed_s``.
    """
    train = recipe.batches(train_ids, vocab.size, batch_size, shuffle=True, seed=seed)
    val = recipe.batches(val_ids, vocab.size, batch_size)
    if steps_per_epoch is not None:
        steps_per_epoch = min(steps_per_epoch, len(train))
    if validation_steps is not None:
        validation_steps = min(validation_steps, len(val))
    cbs = [keras.callbacks.TerminateOnNaN(), EpochTimer(), *callbacks]
    return model.fit(train, validation_data=val, epochs=epochs, steps_per_epoch=steps_per_epoch,
                     validation_steps=validation_steps, callbacks=cbs, verbose=verbose)


def history_table(history: keras.callbacks.History | dict[str, list[float]]) -> Any:
    """The history (a Keras ``History`` or its dict) as a pandas DataFrame, one row per epoch,
    with the losses also in bits per character."""
    import pandas as pd

    frame = pd.DataFrame(history.history if hasattr(history, "history") else history)
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="epoch")
    for column in ("loss", "val_loss"):
        if column in frame:
            frame[column.replace("loss", "bpc")] = frame[column].map(metrics.bits_per_char)
    keep = [c for c in ("loss", "val_loss", "bpc", "val_bpc", "elapsed_s") if c in frame]
    return frame[keep].round(3)


# ------------------------------------------------------------------ resumable runs (notebook 05)
STATE_FILE = "state.keras"


def default_run_dir(name: str) -> Path:
    """Where a run keeps its state: Google Drive on Colab when mounted, ``/kaggle/working`` on
    Kaggle, ``runs/`` otherwise (so a disconnected Colab session can resume from Drive)."""
    platform = env.detect_platform()
    drive = Path("/content/drive/MyDrive")
    if platform == "colab" and drive.is_dir():
        return drive / "robo-nietzsche" / name
    if platform == "kaggle":
        return Path("/kaggle/working") / name
    return Path("runs") / name


def _rng_variables(model: keras.Model) -> list:
    """The random-number states of a model's layers (e.g. Dropout's), in layer order."""
    return [v for v in model.variables if v.path.endswith("seed_generator_state")]


class SaveRunState(keras.callbacks.Callback):
    """After every epoch, atomically save what a resumed run needs: weights, optimizer state,
    the layers' random-number states (dropout masks), the epoch reached, the data-order seed and
    the history so far (one ``.keras`` file)."""

    def __init__(self, run_dir: Path | str, vocab: Vocabulary, recipe: Recipe, seed: int,
                 history: dict[str, list[float]] | None = None):
        super().__init__()
        self.path = Path(run_dir) / STATE_FILE
        self.vocab, self.recipe, self.seed = vocab, recipe, seed
        self.history = {k: list(v) for k, v in (history or {}).items()}

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        rng = [np.asarray(v.numpy()).tolist() for v in _rng_variables(self.model)]
        checkpoint.save(self.path, self.model, self.vocab, self.recipe,
                        {"epoch": epoch + 1, "seed": self.seed, "history": self.history,
                         "rng": rng})


class InterruptAfter(keras.callbacks.Callback):
    """Raise ``KeyboardInterrupt`` at the end of an epoch: a disconnect, simulated in code."""

    def __init__(self, epoch: int):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if epoch + 1 == self.epoch:
            raise KeyboardInterrupt(f"simulated disconnect after epoch {self.epoch}")


def fit_resumable(
    build: Callable[[], keras.Model],
    recipe: Recipe,
    vocab: Vocabulary,
    train_ids: np.ndarray,
    val_ids: np.ndarray,
    run_dir: Path | str,
    epochs: int,
    batch_size: int = 64,
    seed: int = 0,
    steps_per_epoch: int | None = None,
    validation_steps: int | None = None,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int | str = 2,
) -> tuple[keras.Model, dict[str, list[float]], bool]:
    """Train a recipe's model, resuming from ``run_dir`` if an earlier run left state there.

    An ``"ids"`` recipe (notebook 05) trains on contiguous chunks of ``recipe.window`` characters
    with a target at every position; a classic recipe (notebooks 03, 04) on its streamed windows.

    Re-running the same call after a disconnect or an interruption continues from the last
    completed epoch (at most one epoch is lost): the model, its optimizer state and the history are
    restored, and the data order of each epoch depends only on ``(seed, epoch)``, so the resumed run
    trains on exactly the batches the uninterrupted run would have.

    Args:
        build: Makes a new compiled model (called only when there is no state to resume).
        recipe: Its recipe (for ``encoding="ids"``, ``window`` is the chunk length).
        vocab: Its vocabulary.
        train_ids: Encoded training text.
        val_ids: Encoded validation tail.
        run_dir: Folder for the run's state (see :func:`default_run_dir`).
        epochs: Total epochs of the run.
        batch_size: Chunks (or windows) per batch.
        seed: Data-order seed; saved with the state and checked on resume.
        steps_per_epoch: Batches per epoch (default: every chunk once).
        validation_steps: Validation batches per epoch (default: all).
        callbacks: Extra callbacks (they run after the state is saved).
        verbose: Keras verbosity.

    Returns:
        ``(model, history, finished)``: ``finished`` is ``False`` when training was interrupted;
        run the call again to resume.
    """
    state = Path(run_dir) / STATE_FILE
    history: dict[str, list[float]] = {}
    first = 0
    if state.exists():
        ckpt = checkpoint.load(state, vocab=vocab, recipe=recipe, compile=True)
        if ckpt.info.get("seed") != seed:
            raise checkpoint.CheckpointError(
                f"{state} belongs to a run with seed {ckpt.info.get('seed')}, not {seed}: use that "
                "seed to resume it, or another run_dir to start afresh.")
        model, first, history = ckpt.model, int(ckpt.info["epoch"]), ckpt.info["history"]
        for variable, value in zip(_rng_variables(model), ckpt.info.get("rng", [])):
            variable.assign(np.asarray(value, dtype=variable.dtype))
        print(f"Resuming {state} after epoch {first} of {epochs}.")
    else:
        model = build()
    if first >= epochs:
        return model, history, True
    if recipe.encoding == "ids":
        per_epoch = windows.chunk_count(len(train_ids), recipe.window) // batch_size
        steps = min(steps_per_epoch or per_epoch, per_epoch)
        train = windows.chunk_dataset(train_ids, recipe.window, batch_size, seed, first, epochs,
                                      batches_per_epoch=steps)
        val = windows.chunk_dataset(val_ids, recipe.window, batch_size, shuffle=False)
    else:
        per_epoch = math.ceil(windows.count_windows(len(train_ids), recipe.window, recipe.step)
                              / batch_size)
        steps = min(steps_per_epoch or per_epoch, per_epoch)
        train = windows.window_dataset(train_ids, recipe.window, recipe.step, recipe.encoding,
                                       vocab.size, batch_size, seed, first, epochs,
                                       batches_per_epoch=steps)
        val = windows.window_dataset(val_ids, recipe.window, recipe.step, recipe.encoding,
                                     vocab.size, batch_size, shuffle=False)
    saver = SaveRunState(run_dir, vocab, recipe, seed, history)
    cbs = [keras.callbacks.TerminateOnNaN(), saver, *callbacks]
    try:
        model.fit(train, validation_data=val, epochs=epochs, initial_epoch=first, shuffle=False,
                  steps_per_epoch=steps, validation_steps=validation_steps, callbacks=cbs,
                  verbose=verbose)
    except KeyboardInterrupt as stop:
        done = len(next(iter(saver.history.values()), []))
        print(f"Interrupted ({stop}). State after epoch {done} is saved in {state}; "
              "run the same cell again to resume.")
        return model, saver.history, False
    return model, saver.history, True
