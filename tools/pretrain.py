"""Train one of the shipped models on its full schedule and record it in ``models/manifest.json``.

Run from the repository root (inside the course's environment)::

    .venv/bin/python tools/pretrain.py nietzsche      # or alice, efficient
    .venv/bin/python tools/pretrain.py list
    .venv/bin/python tools/pretrain.py resave         # every model, in the current file format

The run saves its state after every epoch in the course's runs folder (``runs/pretrain_NAME``);
the same command resumes it after an interruption, then writes the model without its optimizer
state and its manifest entry (corpus sha256, recipe, schedule, validation bits per character,
hardware, versions, dates, the file's own sha256).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from helpers import checkpoint, corpora, env, metrics, paths, pretrained, training, windows
from helpers.vocab import Vocabulary


def train(name: str, run_dir: Path | None = None, seed: int = 0) -> dict[str, Any]:
    """Train a shipped model on its full schedule (resumable), save it and update the manifest.

    Args:
        name: A key of :data:`helpers.pretrained.SPECS`.
        run_dir: Where the run's state goes (default: the runs folder's ``pretrain_NAME``).
        seed: The seed of everything.

    Returns:
        The manifest entry written.

    Raises:
        SystemExit: When training was interrupted (run the same command again to resume).
    """
    spec = pretrained.SPECS[name]
    recipe = spec["recipe"]
    env.seed_everything(seed)
    env.quiet_tensorflow()
    text = corpora.load_text(recipe.corpus, lower=recipe.lower)
    vocab = Vocabulary.from_text(text)
    train_ids, val_ids = windows.split_tail(vocab.encode(text), 0.1)
    run_dir = run_dir or paths.run_dir(f"pretrain_{name}")
    start = dt.datetime.now(dt.timezone.utc)
    model = recipe.build(vocab.size)
    run = training.fit(
        model, vocab, recipe, train_ids, val_ids, spec["epochs"], run_dir=run_dir, seed=seed
    )
    if not run.finished:
        raise SystemExit("Training was interrupted; run the same command again to resume.")
    history = run.history
    report = env.report()
    facts = {
        "file": spec["file"],
        "recipe": recipe.to_dict(),
        "units": recipe.units,
        "corpus": recipe.corpus,
        "corpus_sha256": corpora.info(recipe.corpus).sha256,
        "epochs": spec["epochs"],
        "batch_size": recipe.batch_size,
        "seed": seed,
        "final_val_bits_per_char": round(metrics.bits_per_char(history["val_loss"][-1]), 4),
        "best_val_bits_per_char": round(metrics.bits_per_char(min(history["val_loss"])), 4),
        "val_metric": spec["val_metric"],
        "hardware": f"{report['cpu']}; accelerator: {report['accelerator']}",
        "tensorflow": report["tensorflow"],
        "keras": report["keras"],
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "started": start.isoformat(timespec="seconds"),
        "resumed_after_epoch": run.resumed_after,
        "notebook": spec["notebook"],
    }
    target = pretrained.MODELS_DIR / spec["file"]
    checkpoint.save(target, pretrained.strip_optimizer(model), vocab, recipe, facts)
    facts["sha256"] = corpora.sha256_of(target)
    facts["bytes"] = target.stat().st_size
    entries = pretrained.manifest()
    entries[name] = facts
    pretrained.MODELS_DIR.mkdir(exist_ok=True)
    pretrained.MANIFEST.write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    return facts


def resave(name: str) -> dict[str, Any]:
    """Re-save a shipped model in the current checkpoint format, its weights unchanged.

    The model is loaded as it is, its weights are copied into a model built by its recipe, the
    next-character probabilities of both are checked to be identical on a sample of its corpus,
    and the file and its manifest entry (recipe, sha256, size) are rewritten.

    Returns:
        The new manifest entry.
    """
    import numpy as np

    spec = pretrained.SPECS[name]
    recipe = spec["recipe"]
    old = checkpoint.load(pretrained.path(name), compile=False)
    model = recipe.build(old.vocab.size)
    model.set_weights(old.model.get_weights())
    text = corpora.load_text(recipe.corpus, lower=recipe.lower)[:5000]
    x, _ = recipe.windows(old.vocab.encode(text), old.vocab.size)
    before = np.asarray(old.model.predict_on_batch(x[:64]))
    after = np.asarray(model.predict_on_batch(x[:64]))
    if not np.array_equal(before, after):
        raise SystemExit(f"{name}: the rebuilt model predicts differently; nothing was written.")
    target = pretrained.MODELS_DIR / spec["file"]
    checkpoint.save(target, pretrained.strip_optimizer(model), old.vocab, recipe, old.info)
    entries = pretrained.manifest()
    entry = entries[name]
    entry.update(
        recipe=recipe.to_dict(),
        units=recipe.units,
        batch_size=recipe.batch_size,
        sha256=corpora.sha256_of(target),
        bytes=target.stat().st_size,
        resaved=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        resaved_with_keras=env.report()["keras"],
    )
    pretrained.MANIFEST.write_text(json.dumps(entries, indent=1) + "\n", encoding="utf-8")
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/pretrain.py", description=__doc__)
    parser.add_argument("name", choices=[*sorted(pretrained.SPECS), "list", "resave"])
    args = parser.parse_args(argv)
    if args.name == "list":
        print(json.dumps(pretrained.manifest(), indent=1))
        return 0
    if args.name == "resave":
        for name in pretrained.SPECS:
            entry = resave(name)
            print(f"{name}: re-saved, sha256 {entry['sha256'][:12]}..., {entry['bytes']} bytes")
        return 0
    print(json.dumps(train(args.name), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
