"""Benchmark: notebook 06's efficient model against the classic 40-char one-hot recipe.

Both train on lower-cased Nietzsche (the last 10% held out) for the same wall-clock budget on this
machine, each in a fresh process, and are scored on the same held-out task: the validation
windows of 40 characters, predicting the character after each (bits per character).

* one-hot: the classic tutorial as written, every window materialized one-hot and fed to
  ``model.fit(x, y, batch_size=128)``;
* efficient: notebook 06's path, the efficient recipe (``recipes.efficient``, sized for this
  device) on its own streamed batches: contiguous chunks of ids with a target at every position.

Printed, from this one run:

* the one-hot recipe's best validation bits per character and the training time it took to get
  there; the training time the efficient model took to reach the same value; their ratio
  (target: at most 1/5);
* peak resident memory of each process above what it held right after importing TensorFlow
  (target: the efficient model at most 1/5 of the one-hot recipe's);
* time per epoch of each, and the validation curves against training time (``--plot FILE``).

Training time is wall time inside ``model.fit``; the weights are copied every ``--eval-every``
training seconds and scored after training, so scoring changes neither the timing nor the peak
memory. Usage, from the repository root::

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

from helpers import env, recipes

WINDOW, STEP, VAL_FRACTION = 40, 3, 0.1


def child(kind: str, args: argparse.Namespace) -> None:
    import keras
    import tensorflow as tf  # imported first: the memory baseline includes it

    baseline = env.memory_kib("VmRSS")
    from helpers import corpora, recipes, windows
    from helpers.vocab import Vocabulary

    env.seed_everything(args.seed)
    env.quiet_tensorflow()
    text = corpora.load_text("nietzsche", lower=True)
    vocab = Vocabulary.from_text(text)
    train_ids, val_ids = windows.split_tail(vocab.encode(text), VAL_FRACTION)
    vx_ids, vy = windows.encode_windows(val_ids, WINDOW, STEP, "ids", vocab.size)
    epochs = 200  # the clock stops training before this, unless the device is very fast

    if kind == "one_hot":
        # The classic tutorial: materialize every window one-hot, then model.fit(x, y, 128).
        x, y = windows.encode_windows(train_ids, WINDOW, STEP, "one_hot", vocab.size)
        model = recipes.NIETZSCHE.build(vocab.size)
        units, batch, steps_per_epoch = 128, 128, math.ceil(len(y) / 128)
        data_bytes = x.nbytes + y.nbytes
        fit_args = dict(x=x, y=y, batch_size=batch, shuffle=True)

        def score(ids):
            return np.asarray(
                model.predict_on_batch(windows.encode_inputs(ids, "one_hot", vocab.size))
            )
    else:
        # Notebook 06's path: the recipe's own tf.data stream, a target at every position.
        # jit_compile is left to Keras ("auto"): it is off on a CPU-only machine, and on a GPU
        # Keras 3 refuses XLA (with a warning if asked) for a model whose LSTM can use cuDNN.
        gpu = bool(tf.config.list_physical_devices("GPU"))
        recipe = recipes.efficient("gpu" if gpu else "cpu").replace(
            window=args.chunk,
            embed_dim=args.embed,
            units=args.units,
            batch_size=args.batch,
            learning_rate=args.lr,
        )
        model = recipe.build(vocab.size)
        units, batch = args.units, args.batch
        steps_per_epoch = recipe.batches_per_epoch(len(train_ids))
        data_bytes = recipe.estimate_bytes(len(train_ids), vocab.size, streamed=True)
        fit_args = dict(
            x=recipe.dataset(train_ids, vocab.size, shuffle=True, seed=args.seed, epochs=epochs),
            steps_per_epoch=steps_per_epoch,
        )

        def score(ids):  # the prediction after the 40th character; a copy, not a view
            return np.asarray(model.predict_on_batch(ids))[:, -1, :].copy()

    def val_bpc() -> float:
        probs = np.concatenate([score(vx_ids[s : s + 512]) for s in range(0, len(vx_ids), 512)])
        chosen = np.clip(probs[np.arange(len(vy)), vy], 1e-12, 1.0)
        return float(-np.log2(chosen).mean())

    class Clock(keras.callbacks.Callback):
        """Training time = wall time since fit began minus the time spent taking snapshots.

        Every ``eval_every`` training seconds it keeps a copy of the weights (a fraction of a
        millisecond); they are all scored after training, so evaluation neither slows training
        nor adds to its peak memory."""

        def on_train_begin(self, logs=None):
            self.snapshots = [(0.0, self.model.get_weights())]
            self.steps, self.paused = 0, 0.0
            self.next_snap, self.t0 = args.eval_every, time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            self.steps += 1
            trained = time.perf_counter() - self.t0 - self.paused
            if trained >= self.next_snap or trained >= args.budget:
                start = time.perf_counter()
                self.snapshots.append((trained, self.model.get_weights()))
                self.paused += time.perf_counter() - start
                self.next_snap += args.eval_every
            if trained >= args.budget:
                self.model.stop_training = True

        def on_train_end(self, logs=None):
            self.trained = time.perf_counter() - self.t0 - self.paused

    clock = Clock()
    model.fit(**fit_args, epochs=epochs, callbacks=[clock], verbose=0)
    peak = env.memory_kib("VmHWM")  # before scoring: the peak of training alone
    curve = []
    for seconds, weights in clock.snapshots:
        model.set_weights(weights)
        curve.append((seconds, val_bpc()))
    print(
        json.dumps(
            {
                "kind": kind,
                "steps": clock.steps,
                "steps_per_epoch": steps_per_epoch,
                "batch": batch,
                "seconds_per_epoch": clock.trained / clock.steps * steps_per_epoch,
                "curve": curve,
                "extra_peak_bytes": (peak - baseline) * 1024,
                "data_bytes": int(data_bytes),
                "units": units,
                "chunk": args.chunk if kind != "one_hot" else WINDOW,
            }
        )
    )


def run_child(kind: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--child", kind]
    for name in ("budget", "eval_every", "units", "embed", "chunk", "batch", "lr", "seed"):
        cmd += [f"--{name.replace('_', '-')}", str(getattr(args, name))]
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
    parser.add_argument(
        "--eval-every", type=float, default=30, help="training seconds between evaluations"
    )
    parser.add_argument(
        "--units",
        type=int,
        help="LSTM units of the efficient model (default: recipes.efficient for this device)",
    )
    parser.add_argument(
        "--embed", type=int, default=64, help="embedding size of the efficient model"
    )
    parser.add_argument(
        "--chunk",
        type=int,
        help="characters per training chunk (default: recipes.efficient for this device)",
    )
    parser.add_argument("--batch", type=int, help="chunks per batch (default: for this device)")
    parser.add_argument("--lr", type=float, help="Adam learning rate (default: for this device)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", help="write the validation curves to this PNG")
    parser.add_argument("--json", help="write the raw results to this file")
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:  # the parent passes every setting explicitly
        return child(args.child, args)
    import tensorflow as tf

    size = recipes.efficient("gpu" if tf.config.list_physical_devices("GPU") else "cpu")
    args.units = args.units or size.units
    args.batch = args.batch or size.batch_size
    args.lr = args.lr or size.learning_rate
    args.chunk = args.chunk or size.window

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; "
        f"budget {args.budget:.0f} s of training per model; corpus nietzsche (lower-cased, "
        f"last {VAL_FRACTION:.0%} held out); metric: bits/char on the 40-char validation windows"
    )
    print(
        f"one-hot: the classic recipe, LSTM(128), RMSprop 0.01, model.fit on materialized "
        f"one-hot windows, batch 128; efficient: Embedding(64), LSTM({args.units}), "
        f"{args.chunk}-char chunks, batch {args.batch}, Adam {args.lr:g}, tf.data"
    )
    one_hot = run_child("one_hot", args)
    efficient = run_child("efficient", args)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"one_hot": one_hot, "efficient": efficient, "budget": args.budget}, fh)

    best_t, best = min(one_hot["curve"], key=lambda tb: (tb[1], tb[0]))
    reach = first_time_reaching(efficient["curve"], best)
    for r in (one_hot, efficient):
        print(
            f"{r['kind']:>9}: {r['steps']} steps, {r['seconds_per_epoch']:.0f} s per epoch, "
            f"final validation {r['curve'][-1][1]:.3f} bits/char, peak memory above the "
            f"post-import process {r['extra_peak_bytes'] / 1e6:.0f} MB, of which training "
            f"arrays {r['data_bytes'] / 1e6:.1f} MB"
        )
    print(f"one-hot best: {best:.3f} bits/char after {best_t:.0f} s of training")
    if reach is None:
        print(
            f"efficient model did NOT reach {best:.3f} within {args.budget:.0f} s "
            f"(best {min(b for _, b in efficient['curve']):.3f})"
        )
    else:
        ratio = reach / best_t
        verdict = "met" if ratio <= 0.2 else f"MISSED by {ratio / 0.2:.1f}x"
        print(
            f"efficient reached {best:.3f} after {reach:.0f} s: time ratio {ratio:.3f} "
            f"(target <= 0.2, {verdict})"
        )
    mem_ratio = efficient["extra_peak_bytes"] / one_hot["extra_peak_bytes"]
    verdict = "met" if mem_ratio <= 0.2 else f"MISSED by {mem_ratio / 0.2:.1f}x"
    print(f"memory ratio efficient/one-hot: {mem_ratio:.3f} (target <= 0.2, {verdict})")
    if args.plot:
        from helpers import plotting

        fig = plotting.comparison_curves(
            {
                "40-char one-hot LSTM(128)": one_hot["curve"],
                f"embedding LSTM({efficient['units']}), every position": efficient["curve"],
            },
            target=best,
            title=f"Nietzsche, {platform.machine()} {os.cpu_count()} cores",
        )
        fig.savefig(args.plot, dpi=100)
        print(f"plot written to {args.plot}")


if __name__ == "__main__":
    main()
