"""Models this project trained and ships in ``models/``, with a manifest (notebooks 04-10).

Each shipped model is one self-describing checkpoint (:mod:`helpers.checkpoint`) without optimizer
state, listed in ``models/manifest.json`` with its corpus sha256, recipe, schedule, validation bits
per character, hardware, date and its own sha256. :func:`load` verifies the checksum before use.

The maintainers train them with ``python tools/pretrain.py NAME`` (resumable).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import keras

from helpers import checkpoint, corpora, paths, profiles, recipes

MODELS_DIR = paths.MODELS_DIR
MANIFEST = paths.MANIFEST_PATH

SPECS: dict[str, dict[str, Any]] = {
    "alice": {
        "file": "alice_normalized_integer.keras",
        "recipe": recipes.ALICE,
        "epochs": profiles.by_name("full").schedule("alice").epochs,
        "notebook": "04_normalized_integer_lstm",
        "val_metric": "bits per character on the 100-character validation windows",
    },
    "nietzsche": {
        "file": "nietzsche_one_hot.keras",
        "recipe": recipes.NIETZSCHE,
        "epochs": profiles.by_name("full").schedule("nietzsche").epochs,
        "notebook": "05_one_hot_lstm",
        "val_metric": "bits per character on the 40-character validation windows",
    },
    "efficient": {
        "file": "nietzsche_efficient.keras",
        "recipe": recipes.efficient("shipped"),
        "epochs": profiles.by_name("full").schedule("efficient").epochs,
        "notebook": "06_efficient_training",
        "val_metric": "bits per character at every position of the 100-character validation chunks",
    },
}
"""What each shipped model is: its recipe (with its sizes) and its full schedule."""


def manifest() -> dict[str, dict[str, Any]]:
    """The shipped models' manifest (empty if none is shipped)."""
    if not MANIFEST.exists():
        return {}
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def available() -> dict[str, Path]:
    """Shipped models present on disk, by name."""
    return {
        name: MODELS_DIR / entry["file"]
        for name, entry in manifest().items()
        if (MODELS_DIR / entry["file"]).is_file()
    }


def path(name: str) -> Path:
    """The verified path of a shipped model.

    Raises:
        KeyError: No such model in the manifest.
        FileNotFoundError: Listed but missing.
        checkpoint.CheckpointError: The file does not match its recorded sha256.
    """
    entries = manifest()
    if name not in entries:
        raise KeyError(f"No shipped model {name!r}; shipped: {', '.join(entries) or 'none'}.")
    file = MODELS_DIR / entries[name]["file"]
    if not file.is_file():
        raise FileNotFoundError(
            f"{file} is listed in {MANIFEST} but missing: pull the repository "
            f"again, or train it with python tools/pretrain.py {name}."
        )
    if corpora.sha256_of(file) != entries[name]["sha256"]:
        raise checkpoint.CheckpointError(
            f"{file} does not match its sha256 in {MANIFEST}: it is "
            "damaged or was replaced; pull it again or retrain it."
        )
    return file


def describe(name: str) -> dict[str, Any]:
    """What a notebook shows about a shipped model: its schedule, validation scores (of the shipped
    last epoch and the run's best), hardware and date, or, when it is not in ``models/``, the
    command that trains it."""
    entry = manifest().get(name)
    if entry is None or name not in available():
        return {
            "model": name,
            "shipped": False,
            "train it with": f"python tools/pretrain.py {name}",
        }
    return {
        "model": name,
        "shipped": True,
        "epochs": entry["epochs"],
        "validation bits/char of the shipped (last) epoch": entry["final_val_bits_per_char"],
        "best validation bits/char of the run": entry["best_val_bits_per_char"],
        "measured on": entry["val_metric"],
        "trained on": entry["hardware"],
        "finished": entry["finished"][:10],
    }


def load(name: str) -> checkpoint.Checkpoint:
    """Load a shipped model after checking its sha256."""
    return checkpoint.load(path(name), compile=False)


def strip_optimizer(model: keras.Model) -> keras.Model:
    """An uncompiled copy of ``model`` with the same weights (a smaller file to ship)."""
    copy = model.__class__.from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy
