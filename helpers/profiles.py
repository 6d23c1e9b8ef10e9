"""Run profiles: one switch that shrinks the work for CI or grows it for a GPU.

The environment variable ``ROBO_PROFILE`` picks one of ``ci`` (smallest, used by the tests),
``default`` (what a learner gets on a laptop CPU within minutes) or ``full`` (the original
tutorials' schedules, for a GPU). It is read once, the first time :func:`current` is called, so set
it before the first notebook cell that uses ``helpers``; on Colab or Kaggle::

    import os; os.environ["ROBO_PROFILE"] = "full"   # then Runtime > Restart, and run again

Profiles change only *how much* work is done: training steps and epochs, how much of the
validation tail is scored, generated lengths, time budgets. They never change data preparation, so
corpus sizes, vocabularies and array shapes print the same in every profile and nbval can compare
them.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from typing import Any

ENV_VAR = "ROBO_PROFILE"
"""Name of the environment variable that selects the profile."""


@dataclass(frozen=True)
class Schedule:
    """How long one model trains.

    Attributes:
        epochs: Number of epochs.
        steps_per_epoch: Batches per epoch, or ``None`` for a full pass over the training windows.
        validation_steps: Validation batches per epoch, or ``None`` for the whole validation tail.
    """

    epochs: int
    steps_per_epoch: int | None
    validation_steps: int | None


@dataclass(frozen=True)
class Profile:
    """Sizes of the work the notebooks do.

    Attributes:
        name: ``"ci"``, ``"default"`` or ``"full"``.
        schedules: Training schedule per model key (``"alice"``, ``"nietzsche"``, ...).
        sizes: Every other size, by key (generated characters, timing repeats, budgets, ...).
    """

    name: str
    schedules: dict[str, Schedule] = field(hash=False)
    sizes: dict[str, Any] = field(hash=False)

    def schedule(self, key: str) -> Schedule:
        """The training schedule of the model ``key``.

        Raises:
            KeyError: With the known keys.
        """
        if key not in self.schedules:
            raise KeyError(
                f"Profile {self.name!r} has no schedule for {key!r}; "
                f"known: {', '.join(self.schedules)}."
            )
        return self.schedules[key]

    def size(self, key: str) -> Any:
        """One size of this profile, e.g. ``size("generate_chars")``.

        Raises:
            KeyError: With the known keys.
        """
        if key not in self.sizes:
            raise KeyError(
                f"Profile {self.name!r} has no size {key!r}; known: {', '.join(self.sizes)}."
            )
        return self.sizes[key]

    # The sizes every notebook uses, as attributes.
    @property
    def generate_chars(self) -> int:
        """Characters generated in each sample."""
        return self.size("generate_chars")


PROFILES: dict[str, Profile] = {
    # A few steps of everything, so CI executes every code path quickly.
    "ci": Profile(
        "ci",
        schedules={
            "alice": Schedule(epochs=1, steps_per_epoch=3, validation_steps=2),
            "nietzsche": Schedule(epochs=2, steps_per_epoch=3, validation_steps=2),
            "nietzsche_small": Schedule(epochs=2, steps_per_epoch=3, validation_steps=2),
            "efficient": Schedule(epochs=2, steps_per_epoch=3, validation_steps=2),
            # Notebook 04: the tutorial's loop on arrays (enough batches to fall clearly below the
            # untrained model's score), then training.fit continuing it, and the exercises' runs.
            "alice_tutorial": Schedule(epochs=1, steps_per_epoch=10, validation_steps=2),
            "alice_course": Schedule(epochs=1, steps_per_epoch=10, validation_steps=2),
            "alice_exercise": Schedule(epochs=1, steps_per_epoch=3, validation_steps=2),
        },
        sizes={
            "generate_chars": 40,
            # Notebook 03's memory task: distances k, seeds per model, training batches per model.
            "memory_distances": (5, 50),
            "memory_seeds": 1,
            "memory_batches": 640,
            "benchmark_windows": 2_000,
            "compare_seconds": 5,
            "interpret_chars": 10_000,  # notebook 08: held-out characters read
            # Notebooks 06-07.
            "compare_windows": 512,
            "samples_per_temperature": 3,
            "timing_repeats": 3,  # notebook 07: each speed measured this many times
            "efficient_exercise_batches": 3,
            # Notebook 09: training budgets in minutes (the chat user, each of two mixed corpora,
            # your own file). CI runs two suites at once on 2 cores, so a run gets a fraction of
            # the CPU: with three trainings and a busy loop sharing 2 cores, a file budget of
            # 0.12 min came within about a tenth of a bit of failing its learning check, and
            # these budgets pass the checks with room to spare.
            "chat_minutes": 0.15,
            "mix_minutes": 0.15,
            "file_minutes": 0.25,
        },
    ),
    # Enough on a 2-core CPU to see learning (validation below the unigram baseline) in minutes.
    "default": Profile(
        "default",
        schedules={
            "alice": Schedule(epochs=4, steps_per_epoch=200, validation_steps=40),
            "nietzsche": Schedule(epochs=3, steps_per_epoch=400, validation_steps=40),
            # Notebook 05's overfitting exercise: every window of a 20,000-character slice.
            "nietzsche_small": Schedule(epochs=15, steps_per_epoch=None, validation_steps=40),
            "efficient": Schedule(epochs=6, steps_per_epoch=None, validation_steps=None),
            # Notebook 04: together within about 6 minutes of a 2-core CPU, and below the
            # unigram baseline by the end.
            "alice_tutorial": Schedule(epochs=2, steps_per_epoch=150, validation_steps=30),
            "alice_course": Schedule(epochs=3, steps_per_epoch=250, validation_steps=30),
            "alice_exercise": Schedule(epochs=1, steps_per_epoch=100, validation_steps=20),
        },
        sizes={
            "generate_chars": 300,
            # Notebook 03's memory task: distances k, seeds per model, training batches per model.
            "memory_distances": (5, 10, 20, 35, 50),
            "memory_seeds": 3,
            "memory_batches": 640,
            "benchmark_windows": 20_000,
            "compare_seconds": 90,
            "interpret_chars": 30_000,  # notebook 08: held-out characters read
            # Notebooks 06-07.
            "compare_windows": 6_000,
            "samples_per_temperature": 8,
            "timing_repeats": 5,  # notebook 07: each speed measured this many times
            "efficient_exercise_batches": 50,
            # Notebook 09: training budgets in minutes (the chat user, each of two mixed corpora,
            # your own file).
            "chat_minutes": 3,
            "mix_minutes": 1.25,
            "file_minutes": 1.5,
        },
    ),
    # The original tutorials' schedules (20 epochs for Alice, 60 for Nietzsche), for a GPU.
    "full": Profile(
        "full",
        schedules={
            "alice": Schedule(epochs=20, steps_per_epoch=None, validation_steps=None),
            "nietzsche": Schedule(epochs=60, steps_per_epoch=None, validation_steps=None),
            "nietzsche_small": Schedule(epochs=30, steps_per_epoch=None, validation_steps=None),
            "efficient": Schedule(epochs=30, steps_per_epoch=None, validation_steps=None),
            # Notebook 04: 5 + 15 epochs, the tutorial's 20 in all.
            "alice_tutorial": Schedule(epochs=5, steps_per_epoch=None, validation_steps=None),
            "alice_course": Schedule(epochs=15, steps_per_epoch=None, validation_steps=None),
            "alice_exercise": Schedule(epochs=3, steps_per_epoch=None, validation_steps=None),
        },
        sizes={
            "generate_chars": 600,
            # Notebook 03's memory task: distances k, seeds per model, training batches per model.
            "memory_distances": (5, 10, 20, 35, 50, 70),
            "memory_seeds": 5,
            "memory_batches": 1280,
            "benchmark_windows": 200_000,
            "compare_seconds": 600,
            "interpret_chars": 60_000,  # notebook 08: held-out characters read
            # Notebooks 06-07.
            "compare_windows": None,
            "samples_per_temperature": 16,
            "timing_repeats": 9,  # notebook 07: each speed measured this many times
            "efficient_exercise_batches": 100,
            # Notebook 09: training budgets in minutes (the chat user, each of two mixed corpora,
            # your own file).
            "chat_minutes": 20,
            "mix_minutes": 10,
            "file_minutes": 15,
        },
    ),
}


def by_name(name: str) -> Profile:
    """Return the profile called ``name``.

    Raises:
        ValueError: If ``name`` is not one of ``ci``, ``default`` or ``full``.
    """
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"Unknown profile {name!r}: set {ENV_VAR} to one of {', '.join(PROFILES)}."
        ) from None


@functools.lru_cache(maxsize=1)
def current() -> Profile:
    """Return the profile chosen by ``ROBO_PROFILE`` (``default`` when unset), read once."""
    return by_name(os.environ.get(ENV_VAR, "default").strip().lower() or "default")


def explain(keys: list[str] | None = None) -> Any:
    """What each profile sets, side by side, for the schedules and sizes ``keys`` (all by default).

    Returns:
        A pandas DataFrame, one row per setting and one column per profile, the running profile
        marked with ``*``; shown in every notebook's Setup section.
    """
    import pandas as pd

    running = current().name
    rows: dict[str, dict[str, Any]] = {}
    for profile in PROFILES.values():
        column = f"{profile.name} *" if profile.name == running else profile.name
        for key, schedule in profile.schedules.items():
            if keys is None or key in keys:
                steps = schedule.steps_per_epoch or "all"
                scored = schedule.validation_steps or "all"
                rows.setdefault(f"{key}: epochs", {})[column] = schedule.epochs
                rows.setdefault(f"{key}: batches per epoch", {})[column] = steps
                rows.setdefault(f"{key}: validation batches", {})[column] = scored
        for key, value in profile.sizes.items():
            if keys is None or key in keys:
                rows.setdefault(key, {})[column] = value
    return pd.DataFrame.from_dict(rows, orient="index").astype(str)
