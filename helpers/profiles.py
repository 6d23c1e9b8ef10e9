"""Run profiles: one switch that shrinks the work for CI or grows it for a GPU.

The environment variable ``ROBO_PROFILE`` picks one of ``ci`` (smallest, used by the tests),
``default`` (what a learner gets on a laptop CPU) or ``full`` (the original tutorials' schedules,
for a GPU). It is read once, the first time :func:`current` is called.

Profiles change only *how much* work is done (training steps, epochs, generated length). They
never change data preparation, so corpus sizes, vocabularies and array shapes print the same in
every profile and nbval can compare them.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field

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
        generate_chars: Characters generated in each sample.
        benchmark_windows: Windows used by in-notebook timing demonstrations.
        compare_seconds: Training seconds per model in notebook 05's side-by-side comparison.
    """

    name: str
    schedules: dict[str, Schedule] = field(hash=False)
    generate_chars: int
    benchmark_windows: int
    compare_seconds: float

    def schedule(self, key: str) -> Schedule:
        """The training schedule of the model ``key``.

        Raises:
            KeyError: With the known keys.
        """
        if key not in self.schedules:
            raise KeyError(f"Profile {self.name!r} has no schedule for {key!r}; "
                           f"known: {', '.join(self.schedules)}.")
        return self.schedules[key]


PROFILES: dict[str, Profile] = {
    # A few steps of everything, so CI executes every code path quickly.
    "ci": Profile("ci", {
        "alice": Schedule(epochs=1, steps_per_epoch=3, validation_steps=2),
        "nietzsche": Schedule(epochs=2, steps_per_epoch=3, validation_steps=2),
        "efficient": Schedule(epochs=2, steps_per_epoch=3, validation_steps=2),
    }, generate_chars=40, benchmark_windows=2_000, compare_seconds=5),
    # Enough on a 2-core CPU to see learning (validation below the unigram baseline) in minutes.
    "default": Profile("default", {
        "alice": Schedule(epochs=4, steps_per_epoch=200, validation_steps=40),
        "nietzsche": Schedule(epochs=3, steps_per_epoch=400, validation_steps=40),
        "efficient": Schedule(epochs=6, steps_per_epoch=None, validation_steps=None),
    }, generate_chars=300, benchmark_windows=20_000, compare_seconds=90),
    # The original tutorials' schedules (20 epochs for Alice, 60 for Nietzsche), for a GPU.
    "full": Profile("full", {
        "alice": Schedule(epochs=20, steps_per_epoch=None, validation_steps=None),
        "nietzsche": Schedule(epochs=60, steps_per_epoch=None, validation_steps=None),
        "efficient": Schedule(epochs=30, steps_per_epoch=None, validation_steps=None),
    }, generate_chars=600, benchmark_windows=200_000, compare_seconds=600),
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
