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
from dataclasses import dataclass

ENV_VAR = "ROBO_PROFILE"
"""Name of the environment variable that selects the profile."""


@dataclass(frozen=True)
class Profile:
    """Sizes of the work the notebooks do.

    Attributes:
        name: ``"ci"``, ``"default"`` or ``"full"``.
        epochs: Training epochs for the classic recipes.
        steps_per_epoch: Batches per epoch, or ``None`` for a full pass over the data.
        generate_chars: Characters generated in each sample.
        benchmark_windows: Windows used by in-notebook timing demonstrations.
    """

    name: str
    epochs: int
    steps_per_epoch: int | None
    generate_chars: int
    benchmark_windows: int


PROFILES: dict[str, Profile] = {
    "ci": Profile("ci", epochs=1, steps_per_epoch=3, generate_chars=40, benchmark_windows=2_000),
    "default": Profile(
        "default", epochs=3, steps_per_epoch=None, generate_chars=300, benchmark_windows=20_000
    ),
    "full": Profile(
        "full", epochs=60, steps_per_epoch=None, generate_chars=600, benchmark_windows=200_000
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
