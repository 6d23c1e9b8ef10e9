"""Models this project trained and ships in ``models/``, with a manifest (notebooks 05-07).

Each shipped model is one self-describing checkpoint (:mod:`helpers.checkpoint`) without optimizer
state, listed in ``models/manifest.json`` with its corpus sha256, recipe, schedule, validation bits
per character, hardware, date and its own sha256. :func:`load` verifies the checksum before use.

Train one (on whatever machine runs it; interrupted runs resume) with::

    python -m helpers.pretrained train nietzsche      # or alice, efficient
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
from pathlib import Path
from typing import Any

import keras

from helpers import checkpoint, corpora, env, metrics, profiles, recipes, training, windows
from helpers.vocab import Vocabulary

MODELS_DIR = corpora.REPO_ROOT / "models"
MANIFEST = MODELS_DIR / "manifest.json"

# What each shipped model is: how to build it and how long its full schedule is (its width is read
# from the built model, see :func:`lstm_units`).
SPECS: dict[str, dict[str, Any]] = {
    "alice": {
        "file": "alice_normalized_integer.keras",
        "recipe": recipes.ALICE,
        "build": lambda vocab_size: recipes.normalized_integer_lstm(vocab_size),
        "epochs": profiles.by_name("full").schedule("alice").epochs,
        "batch_size": 128,
        "notebook": "03_normalized_integer_lstm",
        "val_metric": "bits per character on the 100-character validation windows",
    },
    "nietzsche": {
        "file": "nietzsche_one_hot.keras",
        "recipe": recipes.NIETZSCHE,
        "build": lambda vocab_size: recipes.one_hot_lstm(vocab_size),
        "epochs": profiles.by_name("full").schedule("nietzsche").epochs,
        "batch_size": 128,
        "notebook": "04_one_hot_lstm",
        "val_metric": "bits per character on the 40-character validation windows",
    },
    "efficient": {  # notebook 05's model, wider (LSTM(256)) and on longer chunks than its CPU size
        "file": "nietzsche_efficient.keras",
        "recipe": recipes.Recipe("embedding_lstm", "nietzsche", window=100, step=100,
                                 encoding="ids"),
        "build": lambda vocab_size: recipes.embedding_lstm(vocab_size, units=256,
                                                          learning_rate=2e-3, jit_compile=False),
        "epochs": profiles.by_name("full").schedule("efficient").epochs,
        "batch_size": 64,
        "notebook": "05_efficient_training",
        "val_metric": "bits per character at every position of the 100-character validation "
                      "chunks",
    },
}


def manifest() -> dict[str, dict[str, Any]]:
    """The shipped models' manifest (empty if none is shipped)."""
    if not MANIFEST.exists():
        return {}
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def available() -> dict[str, Path]:
    """Shipped models present on disk, by name."""
    return {name: MODELS_DIR / entry["file"] for name, entry in manifest().items()
            if (MODELS_DIR / entry["file"]).is_file()}


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
        raise FileNotFoundError(f"{file} is listed in {MANIFEST} but missing: pull the repository "
                                "again, or train it with python -m helpers.pretrained train "
                                f"{name}.")
    if corpora.sha256_of(file) != entries[name]["sha256"]:
        raise checkpoint.CheckpointError(f"{file} does not match its sha256 in {MANIFEST}: it is "
                                         "damaged or was replaced; pull it again or retrain it.")
    return file


def describe(name: str) -> dict[str, Any]:
    """What a notebook shows about a shipped model: its schedule, validation scores (of the shipped
    last epoch and the run's best), hardware and date, or, when it is not in ``models/``, the
    command that trains it."""
    entry = manifest().get(name)
    if entry is None or name not in available():
        return {"model": name, "shipped": False,
                "train it with": f"python -m helpers.pretrained train {name}"}
    return {"model": name, "shipped": True, "epochs": entry["epochs"],
            "validation bits/char of the shipped (last) epoch": entry["final_val_bits_per_char"],
            "best validation bits/char of the run": entry["best_val_bits_per_char"],
            "measured on": entry["val_metric"], "trained on": entry["hardware"],
            "finished": entry["finished"][:10]}


def lstm_units(model: keras.Model) -> int:
    """The width of a model's (first) LSTM layer, as the manifest records it."""
    return next(layer.units for layer in model.layers if isinstance(layer, keras.layers.LSTM))


def load(name: str) -> checkpoint.Checkpoint:
    """Load a shipped model after checking its sha256."""
    return checkpoint.load(path(name), compile=False)


def strip_optimizer(model: keras.Model) -> keras.Model:
    """An uncompiled copy of ``model`` with the same weights (a smaller file to ship)."""
    copy = model.__class__.from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def train(name: str, run_dir: Path | None = None, seed: int = 0) -> dict[str, Any]:
    """Train a shipped model on its full schedule (resumable), save it and update the manifest."""
    spec = SPECS[name]
    recipe: recipes.Recipe = spec["recipe"]
    env.seed_everything(seed)
    env.quiet_tensorflow()
    text = corpora.load_text(recipe.corpus, lower=recipe.lower)
    vocab = Vocabulary.from_text(text)
    train_ids, val_ids = windows.split_tail(vocab.encode(text), 0.1)
    run_dir = run_dir or training.default_run_dir(f"pretrain_{name}")
    start = dt.datetime.now(dt.timezone.utc)
    state = run_dir / training.STATE_FILE
    resumed_after = checkpoint.read_metadata(state)["info"]["epoch"] if state.is_file() else 0

    def build() -> keras.Model:
        return spec["build"](vocab.size)

    model, history, finished = training.fit_resumable(
        build, recipe, vocab, train_ids, val_ids, run_dir, epochs=spec["epochs"],
        batch_size=spec["batch_size"], seed=seed)
    if not finished:
        raise SystemExit("Training was interrupted; run the same command again to resume.")
    best_val = min(history["val_loss"])
    report = env.report()
    facts = {
        "file": spec["file"], "recipe": recipe.to_dict(), "units": lstm_units(model),
        "corpus": recipe.corpus, "corpus_sha256": corpora.info(recipe.corpus).sha256,
        "epochs": spec["epochs"], "batch_size": spec["batch_size"], "seed": seed,
        "final_val_bits_per_char": round(metrics.bits_per_char(history["val_loss"][-1]), 4),
        "best_val_bits_per_char": round(metrics.bits_per_char(best_val), 4),
        "val_metric": spec["val_metric"],
        "hardware": f"{report['cpu']}; accelerator: {report['accelerator']}",
        "tensorflow": report["tensorflow"], "keras": report["keras"],
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "started": start.isoformat(timespec="seconds"), "resumed_after_epoch": resumed_after,
        "notebook": spec["notebook"],
    }
    target = MODELS_DIR / spec["file"]
    checkpoint.save(target, strip_optimizer(model), vocab, recipe, facts)
    facts["sha256"] = corpora.sha256_of(target)
    facts["bytes"] = target.stat().st_size
    entries = manifest()
    entries[name] = facts
    MODELS_DIR.mkdir(exist_ok=True)
    MANIFEST.write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.pretrained")
    sub = parser.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train a shipped model on its full schedule")
    t.add_argument("name", choices=sorted(SPECS))
    sub.add_parser("list", help="list the shipped models")
    args = parser.parse_args(argv)
    if args.command == "list":
        print(json.dumps(manifest(), indent=1))
        return 0
    print(json.dumps(train(args.name), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
