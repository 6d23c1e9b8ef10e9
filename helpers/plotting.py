"""Every figure the notebooks show, so that notebook cells stay short.

Each function draws one figure and returns it *closed*: the figure is displayed once, as the
cell's last expression, and never twice by the inline backend.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure


def _done(fig: Figure) -> Figure:
    fig.tight_layout()
    plt.close(fig)
    return fig


def _label(char: str) -> str:
    return {"\n": "\\n", " ": "space", "\t": "\\t", "\r": "\\r"}.get(char, char)


def char_frequencies(freqs: Mapping[str, float], title: str = "", top: int | None = None) -> Figure:
    """Bar chart of character frequencies, most frequent first.

    Args:
        freqs: Character -> share (or count).
        title: Figure title.
        top: Show only this many characters.
    """
    items = sorted(freqs.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    fig, ax = plt.subplots(figsize=(12, 3.5))
    ax.bar(range(len(items)), [v for _, v in items], color="tab:blue")
    ax.set_xticks(range(len(items)), [_label(c) for c, _ in items], fontsize=8, rotation=90)
    ax.set_ylabel("share of characters")
    ax.set_title(title)
    return _done(fig)


def compare_frequencies(freqs: Mapping[str, Mapping[str, float]], top: int = 30) -> Figure:
    """Grouped bars comparing the character frequencies of several corpora.

    Args:
        freqs: Corpus name -> (character -> share).
        top: Characters shown, chosen by their mean share across corpora.
    """
    names = list(freqs)
    chars = sorted({c for f in freqs.values() for c in f})
    mean = {c: np.mean([freqs[n].get(c, 0.0) for n in names]) for c in chars}
    chosen = sorted(chars, key=lambda c: (-mean[c], c))[:top]
    width = 0.8 / len(names)
    fig, ax = plt.subplots(figsize=(12, 3.5))
    for k, name in enumerate(names):
        xs = np.arange(len(chosen)) + k * width
        ax.bar(xs, [freqs[name].get(c, 0.0) for c in chosen], width, label=name)
    ax.set_xticks(np.arange(len(chosen)) + 0.4 - width / 2, [_label(c) for c in chosen], rotation=90)
    ax.set_ylabel("share of characters")
    ax.set_title(f"The {top} most common characters, side by side")
    ax.legend()
    return _done(fig)


def histograms(values: Mapping[str, Sequence[float]], xlabel: str, bins: int = 40,
               upper: float | None = None) -> Figure:
    """Overlaid density histograms, one per corpus.

    Args:
        values: Corpus name -> values (e.g. line lengths).
        xlabel: What the values are.
        bins: Number of bins.
        upper: Values above this are left out (long tails hide the shape).
    """
    fig, ax = plt.subplots(figsize=(8, 3.5))
    for name, vals in values.items():
        arr = np.asarray(vals, dtype=float)
        if upper is not None:
            arr = arr[arr <= upper]
        ax.hist(arr, bins=bins, density=True, histtype="step", linewidth=2, label=name)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("density")
    ax.legend()
    return _done(fig)


def top_users(counts: Mapping[str, int], title: str = "The ten most active users") -> Figure:
    """Horizontal bar chart of messages per user, largest on top."""
    items = sorted(counts.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.barh([k for k, _ in items], [v for _, v in items], color="tab:orange")
    ax.set_xlabel("messages")
    ax.set_title(title)
    return _done(fig)


def memory_comparison(labels: Sequence[str], materialized: Sequence[float],
                      streamed: Sequence[float]) -> Figure:
    """Bars (log scale) of the memory of materialized versus streamed windows, in bytes."""
    xs = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(10, 4))
    ax.bar(xs - 0.2, materialized, 0.4, label="materialized (all windows)")
    ax.bar(xs + 0.2, streamed, 0.4, label="streamed (text + one batch)")
    ax.set_yscale("log")
    ax.set_xticks(xs, labels, rotation=20, ha="right")
    ax.set_ylabel("bytes (log scale)")
    ax.axhline(1e9, color="grey", linestyle=":", linewidth=1)
    ax.text(len(labels) - 0.5, 1.1e9, "1 GB", color="grey", ha="right")
    ax.legend()
    return _done(fig)


def learning_curves(table, uniform_bits: float, unigram_bits: float, title: str = "") -> Figure:
    """Training and validation bits per character per epoch, against the two baselines.

    Args:
        table: :func:`helpers.training.history_table` output (columns ``bpc`` and ``val_bpc``).
        uniform_bits: ``log2(V)``, the cost of guessing uniformly.
        unigram_bits: The unigram entropy of the training text.
        title: Figure title.
    """
    fig, ax = plt.subplots(figsize=(8, 4))
    epochs = list(table.index)
    ax.plot(epochs, table["bpc"], "o-", label="training")
    if "val_bpc" in table:
        ax.plot(epochs, table["val_bpc"], "s-", label="validation")
    ax.axhline(uniform_bits, color="grey", linestyle="--", label=f"uniform: {uniform_bits:.2f}")
    ax.axhline(unigram_bits, color="black", linestyle=":", label=f"unigram: {unigram_bits:.2f}")
    ax.set_xlabel("epoch")
    ax.set_ylabel("bits per character")
    ax.set_xticks(epochs)
    ax.set_title(title)
    ax.legend()
    return _done(fig)


def gradient_norms(norms: Mapping[str, Sequence[float]]) -> Figure:
    """Per-time-step input-gradient norms (log scale), each curve divided by its last value.

    Ratios below 1e-12 (including exact zeros) are drawn at 1e-12.

    Args:
        norms: Model name -> norm of d(loss)/d(input) at each time step (oldest first).
    """
    fig, ax = plt.subplots(figsize=(8, 4))
    for name, values in norms.items():
        arr = np.asarray(values, dtype=float)
        steps_back = np.arange(len(arr))[::-1]
        ax.plot(steps_back, np.maximum(arr / arr[-1], 1e-12), label=name)  # 0 would vanish on a log axis
    ax.set_yscale("log")
    ax.invert_xaxis()
    ax.set_xlabel("characters before the prediction")
    ax.set_ylabel("gradient norm / newest character's")
    ax.set_title("How much each earlier character affects the loss")
    ax.legend()
    return _done(fig)


def temperature_distributions(probs: Mapping[float, Sequence[float]], chars: Sequence[str],
                              top: int = 12) -> Figure:
    """Bars of the next-character distribution at several temperatures.

    Args:
        probs: Temperature (or any label) -> probabilities over the vocabulary.
        chars: The vocabulary's characters.
        top: Characters shown (the most likely at temperature 1 or the first given).
    """
    temps = list(probs)
    ref = np.asarray(probs[1.0] if 1.0 in probs else probs[temps[0]])
    chosen = np.argsort(-ref, kind="stable")[:top]
    fig, axes = plt.subplots(1, len(temps), figsize=(3.2 * len(temps), 3), sharey=True)
    for ax, temp in zip(np.atleast_1d(axes), temps):
        ax.bar(range(len(chosen)), np.asarray(probs[temp])[chosen], color="tab:purple")
        ax.set_xticks(range(len(chosen)), [_label(chars[i]) for i in chosen], fontsize=8)
        ax.set_title(f"temperature {temp}" if isinstance(temp, (int, float)) else str(temp))
    np.atleast_1d(axes)[0].set_ylabel("probability")
    return _done(fig)


def comparison_curves(curves: Mapping[str, Sequence[Sequence[float]]], target: float | None = None,
                      title: str = "") -> Figure:
    """Validation bits per character against training minutes, one line per model.

    Args:
        curves: Model label -> list of ``(training seconds, bits per character)``.
        target: A level to mark (e.g. the one-hot recipe's best).
        title: Figure title.
    """
    fig, ax = plt.subplots(figsize=(8, 4))
    for label, points in curves.items():
        seconds, bpc = zip(*points)
        ax.plot(np.asarray(seconds) / 60, bpc, "o-", markersize=3, label=label)
    if target is not None:
        ax.axhline(target, color="grey", linestyle=":", label=f"one-hot best: {target:.2f}")
    ax.set_xlabel("training minutes")
    ax.set_ylabel("validation bits per character")
    ax.set_title(title)
    ax.legend()
    return _done(fig)


def temperature_effects(table) -> Figure:
    """Four panels of text measures against temperature (notebook 06).

    Args:
        table: A pandas DataFrame indexed by temperature with the columns ``entropy bits``,
            ``distinct 4-grams``, ``real words`` and ``longest copy``.
    """
    columns = ["entropy bits", "distinct 4-grams", "real words", "longest copy"]
    fig, axes = plt.subplots(1, 4, figsize=(14, 3))
    for ax, column in zip(axes, columns):
        ax.plot(table.index, table[column], "o-")
        ax.set_xlabel("temperature")
        ax.set_title(column)
    return _done(fig)


def speed_bars(speeds: Mapping[str, float]) -> Figure:
    """Horizontal bars (log scale) of characters per second for each generation method."""
    names = list(speeds)
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(names) + 1))
    ax.barh(names, [speeds[n] for n in names], color="tab:green")
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("characters per second (log scale)")
    return _done(fig)
