"""Benchmark: characters per second of each way of generating text, on this machine.

Measured in one run, after a warm-up of each method:

* classic predict loop: the classic tutorials' code, ``model.predict`` over the 40-character
  one-hot window for every character (the Nietzsche recipe of notebook 05);
* windowed ``predict_on_batch`` loop over the same model (what ``helpers.generation.generate``
  does for the classic recipes);
* stateful generation of notebook 06's model (``helpers.lstm.CharLSTM``), one sample;
* the same generator, 16 samples together (total characters per second).

Speed does not depend on how well a model is trained, so untrained models of the course's shapes
are used unless the shipped efficient model is present. Printed as ratios to the classic loop;
targets: stateful >= 100x the classic loop, 16 samples >= 8x one sample.

Usage, from the repository root::

    python benchmarks/generation_speed.py
"""

from __future__ import annotations

import os
import platform
import time

import numpy as np


def main() -> None:
    from helpers import env, generation, pretrained, recipes, sampling
    from helpers.vocab import Vocabulary

    env.seed_everything(0)
    env.quiet_tensorflow()
    vocab = Vocabulary.from_text("\n !\"'(),-.0123456789:;=?[]_abcdefghijklmnopqrstuvwxyzäæéë")
    one_hot = recipes.NIETZSCHE.build(vocab.size, compile=False)
    if "efficient" in pretrained.available():
        ckpt = pretrained.load("efficient")
        efficient, eff_vocab, eff_recipe, source = ckpt.model, ckpt.vocab, ckpt.recipe, "shipped"
    else:
        eff_recipe = recipes.efficient("shipped")
        efficient = eff_recipe.build(vocab.size, compile=False)
        eff_vocab, source = vocab, "untrained"
    seed_text = "what is noble? what does the word noble "
    rng = np.random.default_rng(0)

    def classic(n: int) -> None:
        window = recipes.NIETZSCHE.context(seed_text, vocab)
        for _ in range(n):
            x = recipes.NIETZSCHE.encode_inputs(window, vocab.size)
            p = one_hot.predict(x, verbose=0)[0]
            window = np.append(window[1:], sampling.sample(p, 0.8, rng))

    def windowed(n: int) -> None:
        generation.generate(one_hot, vocab, recipes.NIETZSCHE, seed_text, n, 0.8, seed=0)

    def stateful(n: int, batch: int) -> None:
        steps = generation.stream(
            efficient, eff_vocab, eff_recipe, seed_text, n, 0.8, n_samples=batch, seed=0
        )
        for _ in steps:
            pass

    def rate(fn, n: int, batch: int = 1, repeats: int = 3) -> float:
        fn(max(2, n // 10))  # warm-up: tracing, caches
        best = 0.0
        for _ in range(repeats):
            start = time.perf_counter()
            fn(n)
            best = max(best, n * batch / (time.perf_counter() - start))
        return best

    results = {
        "classic predict loop (one-hot, 40-char window)": rate(classic, 60),
        "windowed predict_on_batch loop (same model)": rate(windowed, 200),
        f"stateful one-step, 1 sample ({source} efficient model)": rate(
            lambda n: stateful(n, 1), 3000
        ),
        "stateful one-step, 16 samples together (total)": rate(lambda n: stateful(n, 16), 1000, 16),
    }
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    base = next(iter(results.values()))
    for name, value in results.items():
        print(f"{name:62s} {value:10.0f} chars/s  {value / base:8.1f}x the classic loop")
    values = list(results.values())
    one, sixteen = values[2], values[3]
    print(
        f"stateful / classic predict loop: {one / base:.0f}x (target >= 100x, "
        f"{'met' if one / base >= 100 else 'MISSED'})"
    )
    print(
        f"16 samples / 1 sample (total chars/s): {sixteen / one:.1f}x (target >= 8x, "
        f"{'met' if sixteen / one >= 8 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
