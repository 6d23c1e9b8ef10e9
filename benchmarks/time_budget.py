"""Benchmark: the trainer's default (``helpers.textgen``) against notebook 06's fixed CPU schedule,
each given the same time budget on lower-cased Nietzsche with its last 10% held out.

* trainer: ``textgen.train(text=..., minutes=M)``, exactly as ``python -m helpers train`` runs it:
  its recipe sized for this device and text (dropout on the embedding and before the output), a
  cosine learning rate over the fraction of the budget spent, stopped by :class:`TimeBudget`;
* notebook 06: ``recipes.efficient("cpu")`` (constant Adam learning rate, no dropout) trained with
  ``training.fit`` as notebook 06 does, for as many epochs as fit in the same budget
  (:class:`helpers.textgen.TimeBudget` stops it).

Each runs in a fresh process, one after the other, with a run directory (state saved every epoch,
as both do in the course). Both are scored on the same held-out tail, two ways:

* **40-character context** (as ``benchmarks/efficient_vs_one_hot.py`` scores): every character of
  the tail from its 41st on, predicted from the 40 characters before it (bits per character);
* **carried state**: the whole tail read once, one character at a time, the LSTM state carried
  from the first character to the last (a model trained at every position reads any length).

Printed, from this one run: each model's validation bits per character both ways, the ratio of
the trainer's to notebook 06's, the epochs and training minutes each used, and the hardware and
profile (``helpers.env.report``). Target: the trainer's 40-character figure at or below 1.95 and
below notebook 06's. Usage, from the repository root::

    python benchmarks/time_budget.py --minutes 10 --json benchmarks/results/time_budget.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CONTEXT, VAL_FRACTION, TARGET = 40, 0.1, 1.95
KINDS = ("trainer", "notebook06")


def score(model, vocab, recipe, val_ids: np.ndarray) -> dict[str, float]:
    """Bits per character on the tail: from 40-character contexts, and with the state carried."""
    from helpers import windows
    from helpers.lstm import CharLSTM

    x, y = windows.encode_windows(val_ids, CONTEXT, 1, "ids", vocab.size)
    bits = []
    for start in range(0, len(y), 1024):
        probs = np.asarray(model.predict_on_batch(x[start : start + 1024]))[:, -1, :]
        chosen = probs[np.arange(len(probs)), y[start : start + 1024]]
        bits.append(-np.log2(np.clip(chosen, 1e-12, 1.0)))
    lstm = CharLSTM(model, recipe, vocab.size)
    lstm.reset(1)
    carried = []
    for now, after in zip(val_ids[:-1], val_ids[1:], strict=True):
        carried.append(-np.log2(max(float(lstm.step(np.array([now]))[0, after]), 1e-12)))
    return {
        "context40_bpc": float(np.concatenate(bits).mean()),
        "context40_chars": int(len(y)),
        "carried_bpc": float(np.mean(carried)),
        "carried_chars": len(carried),
    }


def child(kind: str, args: argparse.Namespace) -> None:
    import keras

    from helpers import corpora, env, metrics, recipes, textgen, training, windows
    from helpers.vocab import Vocabulary

    env.seed_everything(args.seed)
    env.quiet_tensorflow()
    text = corpora.load_text("nietzsche")
    work = Path(args.workdir)
    start = time.perf_counter()
    if kind == "trainer":
        result = textgen.train(
            text=text,
            minutes=args.minutes,
            out=work / "trainer.keras",
            run_dir=work / "run_trainer",
            seed=args.seed,
            verbose=2,
        )
        model, recipe, history = result.model, result.plan.recipe, result.history
        vocab = Vocabulary.from_text(recipe.prepare(text))
    else:
        recipe = recipes.efficient("cpu")
        vocab = Vocabulary.from_text(recipe.prepare(text))
        ids = vocab.encode(recipe.prepare(text))
        train_ids, val_ids = windows.split_tail(ids, VAL_FRACTION)
        model = recipe.build(vocab.size)
        budget = textgen.TimeBudget(args.minutes * 60)
        run = training.fit(
            model,
            vocab,
            recipe,
            train_ids,
            val_ids,
            10_000,  # the budget stops it
            run_dir=work / "run_notebook06",
            seed=args.seed,
            callbacks=[budget],
            verbose=0,
        )
        history = run.history
    wall = time.perf_counter() - start
    ids = vocab.encode(recipe.prepare(text))
    _, val_ids = windows.split_tail(ids, VAL_FRACTION)
    scores = score(model, vocab, recipe, val_ids)
    print(
        json.dumps(
            {
                "kind": kind,
                "recipe": recipe.to_dict(),
                "parameters": int(model.count_params()),
                "epochs": len(history.get("loss", [])),
                "training_minutes": history["elapsed_s"][-1] / 60,
                "wall_minutes": wall / 60,
                "curve": [
                    [s, float(metrics.bits_per_char(v))]
                    for s, v in zip(history["elapsed_s"], history["val_loss"], strict=True)
                ],
                "chunk_bpc": float(metrics.bits_per_char(history["val_loss"][-1])),
                "keras": keras.__version__,
                **scores,
            }
        )
    )


def run_child(kind: str, args: argparse.Namespace, workdir: str) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--workdir", workdir]
    cmd += ["--minutes", str(args.minutes), "--seed", str(args.seed)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minutes", type=float, default=10, help="training budget per model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the results to this file")
    parser.add_argument(
        "--only", choices=KINDS, help="run one of the two (a probe; no comparison is printed)"
    )
    parser.add_argument("--child", choices=KINDS, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child, args)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from helpers import env

    hardware = env.report()
    print("hardware and profile: " + ", ".join(f"{k} {v}" for k, v in hardware.items()))
    print(
        f"corpus nietzsche, lower-cased, last {VAL_FRACTION:.0%} held out; "
        f"budget {args.minutes:g} min of training per model, one after the other"
    )
    with tempfile.TemporaryDirectory() as workdir:
        results = {
            kind: run_child(kind, args, workdir) for kind in KINDS if args.only in (None, kind)
        }
    for kind, r in results.items():
        rec = r["recipe"]
        print(
            f"{kind:>10}: LSTM({rec['units']}), {rec['window']}-char chunks, batch "
            f"{rec['batch_size']}, dropout {rec.get('embed_dropout', 0.0):g}/{rec['dropout']:g}; "
            f"{r['epochs']} epochs in {r['training_minutes']:.1f} min; validation "
            f"{r['context40_bpc']:.3f} bits/char (40-char context), "
            f"{r['carried_bpc']:.3f} (state carried across the tail), "
            f"{r['chunk_bpc']:.3f} (every position of its own chunks)"
        )
    if args.only:
        print(json.dumps(results[args.only]))
        return
    mine, base = results["trainer"], results["notebook06"]
    ratio = mine["context40_bpc"] / base["context40_bpc"]
    print(
        f"ratio trainer / notebook 06 (40-char context): {ratio:.3f}; "
        f"carried state: {mine['carried_bpc'] / base['carried_bpc']:.3f}"
    )
    met = mine["context40_bpc"] <= TARGET and mine["context40_bpc"] < base["context40_bpc"]
    if met:
        verdict = "met"
    else:
        verdict = f"MISSED by {max(mine['context40_bpc'] - TARGET, 0):.3f} bits/char"
        if mine["context40_bpc"] >= base["context40_bpc"]:
            verdict += " (and not below notebook 06)"
    print(f"target: trainer <= {TARGET} and below notebook 06 (40-char context): {verdict}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"minutes": args.minutes, "hardware": hardware, **results}, fh, indent=1)
        print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
