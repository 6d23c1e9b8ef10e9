"""Benchmark: notebook 05's efficient model against the classic 40-char one-hot recipe.

Both train on lower-cased Nietzsche (the last 10% held out) for the same wall-clock budget on this
machine, each in a fresh process, and are scored on the same held-out task: the validation
windows of 40 characters, predicting the character after each (bits per character). Printed, from
this one run:

* the one-hot recipe's best validation bits per character and the training time it took to get
  there; the training time the efficient model took to reach the same value; their ratio
  (target: at most 1/5);
* peak resident memory of each process above what it held right after importing TensorFlow
  (target: the efficient model at most 1/5 of the one-hot recipe's), the one-hot recipe
  materializing its arrays as the classic tutorial does;
* time per epoch of each, and the validation curves against training time (``--plot FILE``).

Evaluation pauses the training clock. Usage, from the repository root::

    python benchmarks/efficient_vs_one_hot.py --budget 600 --plot efficient_vs_one_hot.png
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import time

import numpy as np

from helpers import env

WINDOW, STEP, VAL_FRACTION = 40, 3, 0.1



def child(kind: str, budget: float, eval_every: float, units: int, seed: int) -> None:
    import tensorflow as tf  # imported first: the memory baseline includes it

    baseline = env.memory_kib("VmRSS")
    from helpers import corpora, recipes, windows
    from helpers.vocab import Vocabulary

    env.seed_everything(seed)
    env.quiet_tensorflow()
    text = corpora.load_text("nietzsche", lower=True)
    vocab = Vocabulary.from_text(text)
    train_ids, val_ids = windows.split_tail(vocab.encode(text), VAL_FRACTION)
    vx_ids, vy = windows.encode_windows(val_ids, WINDOW, STEP, "ids", vocab.size)

    if kind == "one_hot":
        x, y = windows.encode_windows(train_ids, WINDOW, STEP, "one_hot", vocab.size)  # classic
        model = recipes.one_hot_lstm(vocab.size, window=WINDOW)
        val_x = windows.encode_inputs(vx_ids, "one_hot", vocab.size)
        batch, steps_per_epoch = 128, math.ceil(len(y) / 128)
        data_bytes = x.nbytes + y.nbytes + val_x.nbytes

        def batches():
            epoch = 0
            while True:
                order = np.random.default_rng([seed, epoch]).permutation(len(y))
                for start in range(0, len(y), batch):
                    idx = order[start : start + batch]
                    yield x[idx], y[idx]
                epoch += 1

        def val_probs(m):
            return np.concatenate([m.predict_on_batch(val_x[s : s + 512])
                                   for s in range(0, len(val_x), 512)])
    else:
        # XLA only where it pays: on a CPU it adds ~300 MB of compiler memory and no speed.
        model = recipes.embedding_lstm(vocab.size, units=units,
                                       jit_compile=bool(tf.config.list_physical_devices("GPU")))
        cx, cy = windows.chunk_arrays(train_ids, 100)
        batch, steps_per_epoch = 64, len(cx) // 64
        data_bytes = cx.nbytes + cy.nbytes + vx_ids.nbytes

        def batches():
            epoch = 0
            while True:
                order = windows.epoch_order(len(cx), seed, epoch)
                for start in range(0, steps_per_epoch * batch, batch):
                    idx = order[start : start + batch]
                    yield cx[idx], cy[idx]
                epoch += 1

        def val_probs(m):
            return np.concatenate([np.asarray(m.predict_on_batch(vx_ids[s : s + 512]))[:, -1, :]
                                   for s in range(0, len(vx_ids), 512)])

    def val_bpc(m) -> float:
        p = val_probs(m)
        chosen = np.clip(p[np.arange(len(vy)), vy], 1e-12, 1.0)
        return float(-np.log2(chosen).mean())

    curve = [(0.0, val_bpc(model))]
    trained, steps, next_eval = 0.0, 0, eval_every
    for xb, yb in batches():
        start = time.perf_counter()
        model.train_on_batch(xb, yb)
        trained += time.perf_counter() - start
        steps += 1
        if trained >= next_eval or trained >= budget:
            curve.append((trained, val_bpc(model)))
            next_eval += eval_every
        if trained >= budget:
            break
    peak = env.memory_kib("VmHWM")
    print(json.dumps({
        "kind": kind, "steps": steps, "steps_per_epoch": steps_per_epoch,
        "seconds_per_epoch": trained / steps * steps_per_epoch, "curve": curve,
        "extra_peak_bytes": (peak - baseline) * 1024, "data_bytes": int(data_bytes), "units": units if kind != "one_hot" else 128,
    }))


def run_child(kind: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", kind, "--budget", str(args.budget),
           "--eval-every", str(args.eval_every), "--units", str(args.units), "--seed", str(args.seed)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{kind} run failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def first_time_reaching(curve: list[list[float]], target: float) -> float | None:
    for seconds, bpc in curve:
        if bpc <= target:
            return seconds
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--budget", type=float, default=600, help="training seconds per model")
    parser.add_argument("--eval-every", type=float, default=30, help="training seconds between evaluations")
    parser.add_argument("--units", type=int, default=256, help="LSTM units of the efficient model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", help="write the validation curves to this PNG")
    parser.add_argument("--json", help="write the raw results to this file")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        return child(args.child, args.budget, args.eval_every, args.units, args.seed)

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"budget {args.budget:.0f} s of training per model; corpus nietzsche (lower-cased, "
          f"last {VAL_FRACTION:.0%} held out); metric: bits/char on the 40-char validation windows")
    one_hot = run_child("one_hot", args)
    efficient = run_child("efficient", args)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"one_hot": one_hot, "efficient": efficient, "budget": args.budget}, fh)

    best_t, best = min(one_hot["curve"], key=lambda tb: (tb[1], tb[0]))
    reach = first_time_reaching(efficient["curve"], best)
    for r in (one_hot, efficient):
        print(f"{r['kind']:>9}: {r['steps']} steps, {r['seconds_per_epoch']:.0f} s per epoch, "
              f"final validation {r['curve'][-1][1]:.3f} bits/char, peak memory above the "
              f"post-import process {r['extra_peak_bytes'] / 1e6:.0f} MB, of which training and "
              f"validation arrays {r['data_bytes'] / 1e6:.1f} MB")
    print(f"one-hot best: {best:.3f} bits/char after {best_t:.0f} s of training")
    if reach is None:
        print(f"efficient model did NOT reach {best:.3f} within {args.budget:.0f} s "
              f"(best {min(b for _, b in efficient['curve']):.3f})")
    else:
        ratio = reach / best_t
        verdict = "met" if ratio <= 0.2 else f"MISSED by {ratio / 0.2:.1f}x"
        print(f"efficient reached {best:.3f} after {reach:.0f} s: time ratio {ratio:.3f} "
              f"(target <= 0.2, {verdict})")
    mem_ratio = efficient["extra_peak_bytes"] / one_hot["extra_peak_bytes"]
    verdict = "met" if mem_ratio <= 0.2 else f"MISSED by {mem_ratio / 0.2:.1f}x"
    print(f"memory ratio efficient/one-hot: {mem_ratio:.3f} (target <= 0.2, {verdict})")
    if args.plot:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(8, 4))
        for r, label in ((one_hot, "40-char one-hot LSTM(128)"),
                         (efficient, f"embedding LSTM({efficient['units']}), every position")):
            t, b = zip(*r["curve"])
            ax.plot(np.array(t) / 60, b, "o-", markersize=3, label=label)
        ax.axhline(best, color="grey", linestyle=":", label=f"one-hot best {best:.2f}")
        ax.set_xlabel("training minutes")
        ax.set_ylabel("validation bits per character")
        ax.set_title(f"Nietzsche, {platform.machine()} {os.cpu_count()} cores")
        ax.legend()
        fig.tight_layout()
        fig.savefig(args.plot, dpi=100)
        print(f"plot written to {args.plot}")


if __name__ == "__main__":
    main()
