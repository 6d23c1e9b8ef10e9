"""Benchmark: building the 40-char one-hot windows of Nietzsche, and their peak memory.

Measured in one run, on whatever machine runs it:

1. the time to build every 40-character, step-3 one-hot window of Nietzsche with
   ``helpers.windows`` against the classic tutorials' per-window Python loop;
2. the peak resident memory of materializing those windows against streaming them in batches of
   128 with ``helpers.windows.dataset`` (the course's one ``tf.data`` pipeline), each measured in a
   fresh process as the growth of the peak above what the process held right after its imports
   (TensorFlow included, in both).

Usage (from the repository root, with the corpora mirror or a download available)::

    python benchmarks/windows_memory.py
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time

import numpy as np

from helpers import env

WINDOW, STEP, BATCH = 40, 3, 128


def classic_loop(
    text: str, char_to_id: dict[str, int], vocab_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """The classic tutorials' code: a Python loop over windows and characters."""
    sentences, next_chars = [], []
    for i in range(0, len(text) - WINDOW, STEP):
        sentences.append(text[i : i + WINDOW])
        next_chars.append(text[i + WINDOW])
    x = np.zeros((len(sentences), WINDOW, vocab_size), dtype=bool)
    y = np.zeros(len(sentences), dtype=np.int32)
    for i, sentence in enumerate(sentences):
        for t, char in enumerate(sentence):
            x[i, t, char_to_id[char]] = True
        y[i] = char_to_id[next_chars[i]]
    return x, y


def memory_child(mode: str) -> None:
    """Run in a subprocess: measure the peak memory of one way of producing every batch."""
    import tensorflow  # noqa: F401  (imported before the baseline in both modes)

    from helpers import corpora, windows
    from helpers.vocab import Vocabulary

    text = corpora.load_text("nietzsche", lower=True)
    vocab = Vocabulary.from_text(text)
    ids = vocab.encode(text)
    baseline = env.memory_kib("VmRSS")
    checksum = 0
    if mode == "materialized":
        x, y = windows.encode_windows(ids, WINDOW, STEP, "one_hot", vocab.size)
        for start in range(0, len(y), BATCH):  # hand the batches out as model.fit would
            checksum += int(x[start : start + BATCH].sum())
    else:
        stream = windows.dataset(ids, WINDOW, STEP, "one_hot", vocab.size, batch_size=BATCH)
        for xb, _ in stream:
            checksum += int(xb.numpy().sum())
    peak = env.memory_kib("VmHWM")
    print(
        json.dumps(
            {"mode": mode, "extra_peak_bytes": (peak - baseline) * 1024, "checksum": checksum}
        )
    )


def measure_memory(mode: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    import tensorflow  # noqa: F401  (imported before the baseline in both modes)

    from helpers import corpora, windows
    from helpers.vocab import Vocabulary

    text = corpora.load_text("nietzsche", lower=True)
    vocab = Vocabulary.from_text(text)
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    print(
        f"corpus: nietzsche, {len(text):,} characters, vocabulary {vocab.size}; "
        f"windows {WINDOW}/{STEP}, one-hot, batch {BATCH}"
    )

    start = time.perf_counter()
    x_loop, y_loop = classic_loop(text, vocab.char_to_id, vocab.size)
    loop_s = time.perf_counter() - start
    start = time.perf_counter()
    ids = vocab.encode(text)
    x_fast, y_fast = windows.encode_windows(ids, WINDOW, STEP, "one_hot", vocab.size)
    fast_s = time.perf_counter() - start
    assert np.array_equal(x_loop, x_fast) and np.array_equal(y_loop, y_fast), "results differ"
    print(
        f"build time: classic loop {loop_s:.2f} s, helpers {fast_s:.2f} s "
        f"(including encoding) -> {loop_s / fast_s:.1f}x faster; arrays identical, X {x_fast.shape}"
    )
    del x_loop, x_fast

    materialized = measure_memory("materialized")
    streamed = measure_memory("streamed")
    assert materialized["checksum"] == streamed["checksum"], "the two ways saw different batches"
    m, s = materialized["extra_peak_bytes"], streamed["extra_peak_bytes"]
    print(
        f"peak memory above the process after imports: materialized {windows.format_bytes(m)}, "
        f"streamed {windows.format_bytes(s)} -> streamed uses {m / max(s, 1):.0f}x less "
        f"(same batches: checksum {streamed['checksum']})"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        memory_child(sys.argv[2])
    else:
        main()
