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


def _percent_axis(axis) -> None:
    """Show shares (0.25) as percentages (25%) on ``axis``."""
    from matplotlib.ticker import PercentFormatter

    axis.set_major_formatter(PercentFormatter(1.0))


def _legend_outside(ax) -> None:
    """Put the legend to the right of the axes, where it cannot cover the data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)


def char_frequencies(
    freqs: Mapping[str, float], title: str = "", top: int | None = None, log: bool = False
) -> Figure:
    """Bar chart of character frequencies, most frequent first.

    Args:
        freqs: Character -> share of all characters (a fraction; shown as a percentage).
        title: Figure title.
        top: Show only this many characters.
        log: A logarithmic share axis, on which the rarest characters stay visible.
    """
    items = sorted(freqs.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    fig, ax = plt.subplots(figsize=(12, 3.5))
    ax.bar(range(len(items)), [v for _, v in items], color="tab:blue")
    ax.set_xticks(range(len(items)), [_label(c) for c, _ in items], fontsize=8, rotation=90)
    ax.set_xlim(-0.7, len(items) - 0.3)
    ax.set_xlabel("character (most frequent first)")
    ax.set_ylabel("share of characters (%, log scale)" if log else "share of characters (%)")
    if log:
        from matplotlib.ticker import FuncFormatter

        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value * 100:g}%"))
    else:
        _percent_axis(ax.yaxis)
    ax.set_title(title or "Character frequencies")
    return _done(fig)


def compare_frequencies(
    freqs: Mapping[str, Mapping[str, float]], top: int = 30, title: str = ""
) -> Figure:
    """Grouped bars comparing the character frequencies of several corpora.

    Args:
        freqs: Corpus name -> (character -> share of all characters, a fraction).
        top: Characters shown, chosen by their mean share across corpora.
        title: Figure title (default: says how many characters are shown).
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
    ax.set_xticks(
        np.arange(len(chosen)) + 0.4 - width / 2, [_label(c) for c in chosen], rotation=90
    )
    ax.set_xlabel("character (most frequent on average first)")
    ax.set_ylabel("share of characters (%)")
    _percent_axis(ax.yaxis)
    ax.set_title(title or f"The {len(chosen)} most common characters, side by side")
    _legend_outside(ax)
    return _done(fig)


def shared_bins(arrays: Sequence[np.ndarray], bins: int) -> np.ndarray:
    """Bin edges shared by every array, so that their histograms can be compared bar by bar.

    Whole numbers (lengths, counts) get bins of a whole width centred on the integers, so that no
    bin is left empty just because it holds no integer (a false gap).

    Args:
        arrays: The values of each series.
        bins: About how many bins to make.

    Returns:
        The edges, ``len(edges) - 1`` bins.
    """
    values = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    if values.size == 0:
        return np.linspace(0.0, 1.0, bins + 1)
    lo, hi = float(values.min()), float(values.max())
    if np.all(values == np.round(values)):
        width = max(1, int(np.ceil((hi - lo + 1) / bins)))
        return np.arange(lo - 0.5, hi + 0.5 + width, width)
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, bins + 1)


def histograms(
    values: Mapping[str, Sequence[float]],
    xlabel: str,
    bins: int = 40,
    upper: float | None = None,
    title: str = "",
    ylabel: str = "share of values (%)",
) -> Figure:
    """Overlaid histograms, one per series, on the same bins.

    Each bar is the share of that series' values falling in the bin, so series of different sizes
    compare directly. Every series uses the same bin edges (:func:`shared_bins`): with separate
    bins, whole-number data such as lengths shows false gaps and bars that do not line up.

    Args:
        values: Series name (e.g. a corpus) -> values (e.g. line lengths).
        xlabel: What the values are, with their unit, e.g. ``"line length (characters)"``.
        bins: About how many bins.
        upper: Values above this are not drawn (long tails hide the shape); shares are still of
            all the series' values.
        title: Figure title.
        ylabel: What a bar's height is.
    """
    arrays = {name: np.asarray(vals, dtype=float) for name, vals in values.items()}
    shown = {name: arr if upper is None else arr[arr <= upper] for name, arr in arrays.items()}
    edges = shared_bins(list(shown.values()), bins)
    fig, ax = plt.subplots(figsize=(9, 3.5))
    for name, arr in shown.items():
        weights = np.full(len(arr), 1.0 / max(1, len(arrays[name])))
        ax.hist(arr, bins=edges, weights=weights, histtype="step", linewidth=2, label=name)
    if all(np.all(arr == np.round(arr)) for arr in shown.values()):
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    _percent_axis(ax.yaxis)
    if title:
        ax.set_title(title)
    _legend_outside(ax)
    return _done(fig)


def top_users(counts: Mapping[str, int], title: str = "The ten most active users") -> Figure:
    """Horizontal bar chart of messages per user, largest on top."""
    items = sorted(counts.items(), key=lambda kv: kv[1])
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.barh([k for k, _ in items], [v for _, v in items], color="tab:orange")
    ax.set_xlabel("messages (count)")
    ax.set_ylabel("user id")
    ax.set_title(title)
    return _done(fig)


def _bytes_label(value: float, _position: object = None) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            return f"{value:g} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def memory_comparison(
    labels: Sequence[str],
    materialized: Sequence[float],
    streamed: Sequence[float],
    float32: Sequence[float] | None = None,
    limit: tuple[str, float] | None = None,
    title: str = "Memory of the windows, materialized or streamed",
    fit_copy: Sequence[float] | None = None,
) -> Figure:
    """Horizontal bars (log scale) of the memory windows take, one group per row of labels.

    Args:
        labels: One label per setup (corpus, encoding, window/step).
        materialized: Bytes of every window built at once, as built (bool one-hot, float32
            normalized integers).
        streamed: Bytes of the streamed form (the text, the window starts and one batch).
        float32: Optionally, bytes of every window as float32, the type the model computes in.
        limit: Optionally ``(label, bytes)`` drawn as a vertical line, e.g. a machine's memory.
        title: Figure title.
        fit_copy: Optionally, bytes of the float32 arrays plus the copy ``model.fit`` makes.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator

    series = [("materialized, as built", materialized, "tab:blue")]
    if float32 is not None:
        series.append(("materialized, as float32", float32, "tab:red"))
    if fit_copy is not None:
        series.append(("float32 + fit's copy", fit_copy, "tab:purple"))
    series.append(("streamed (text + window starts + one batch)", streamed, "tab:green"))
    height = 0.8 / len(series)
    ys = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(14, 0.2 * len(labels) * len(series) + 1.8))
    for k, (name, values, color) in enumerate(series):
        ax.barh(ys + (k - (len(series) - 1) / 2) * height, values, height, label=name, color=color)
    ax.set_yticks(ys, labels, fontsize=9)
    ax.set_ylim(len(labels) - 0.5, -0.5)  # first label on top
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10, numticks=20))
    ax.xaxis.set_major_formatter(FuncFormatter(_bytes_label))
    ax.grid(axis="x", color="lightgrey", linewidth=0.5)
    ax.set_axisbelow(True)
    ax.set_xlabel("memory (bytes, log scale)")
    if limit is not None:
        ax.axvline(limit[1], color="black", linestyle=":", linewidth=1.5, label=limit[0])
    ax.set_title(title)
    _legend_outside(ax)
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
        ax.plot(
            steps_back, np.maximum(arr / arr[-1], 1e-12), label=name
        )  # 0 would vanish on a log axis
    ax.set_yscale("log")
    ax.invert_xaxis()
    ax.set_xlabel("characters before the prediction")
    ax.set_ylabel("gradient norm / newest character's")
    ax.set_title("How much each earlier character affects the loss")
    ax.legend()
    return _done(fig)


def temperature_distributions(
    probs: Mapping[float, Sequence[float]], chars: Sequence[str], top: int = 12
) -> Figure:
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
    for ax, temp in zip(np.atleast_1d(axes), temps, strict=True):
        ax.bar(range(len(chosen)), np.asarray(probs[temp])[chosen], color="tab:purple")
        ax.set_xticks(range(len(chosen)), [_label(chars[i]) for i in chosen], fontsize=8)
        ax.set_title(f"temperature {temp}" if isinstance(temp, (int, float)) else str(temp))
    np.atleast_1d(axes)[0].set_ylabel("probability")
    return _done(fig)


def comparison_curves(
    curves: Mapping[str, Sequence[Sequence[float]]], target: float | None = None, title: str = ""
) -> Figure:
    """Validation bits per character against training minutes, one line per model.

    Args:
        curves: Model label -> list of ``(training seconds, bits per character)``.
        target: A level to mark (e.g. the one-hot recipe's best).
        title: Figure title.
    """
    fig, ax = plt.subplots(figsize=(8, 4))
    for label, points in curves.items():
        seconds, bpc = zip(*points, strict=True)
        ax.plot(np.asarray(seconds) / 60, bpc, "o-", markersize=3, label=label)
    if target is not None:
        ax.axhline(target, color="grey", linestyle=":", label=f"one-hot best: {target:.2f}")
    ax.set_xlabel("training minutes")
    ax.set_ylabel("validation bits per character")
    ax.set_title(title)
    ax.legend()
    return _done(fig)


TEXT_MEASURES = {
    "entropy bits": "bits per character",
    "distinct 4-grams": "share of 4-grams",
    "real words": "share of words",
    "longest copy": "characters",
}
"""The text measures of notebook 07 and the unit each is plotted in."""


def temperature_effects(
    table, title: str = "How the generated text changes with temperature"
) -> Figure:
    """Four panels of text measures against temperature (notebook 07).

    Args:
        table: A pandas DataFrame indexed by temperature with the columns of
            :data:`TEXT_MEASURES` (``entropy bits``, ``distinct 4-grams``, ``real words``,
            ``longest copy``).
        title: The figure's title.
    """
    fig, axes = plt.subplots(1, len(TEXT_MEASURES), figsize=(14, 3.4))
    for ax, (column, unit) in zip(axes, TEXT_MEASURES.items(), strict=True):
        ax.plot(table.index, table[column], "o-")
        ax.set_xlabel("temperature")
        ax.set_ylabel(unit)
        ax.set_title(column)
    fig.suptitle(title)
    return _done(fig)


def speed_bars(speeds: Mapping[str, float], title: str = "Generation speed") -> Figure:
    """Horizontal bars (log scale) of characters per second for each generation method."""
    names = list(speeds)
    fig, ax = plt.subplots(figsize=(8, 0.6 * len(names) + 1.4))
    ax.barh(names, [speeds[n] for n in names], color="tab:green")
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.set_xlabel("characters per second (log scale)")
    ax.set_title(title)
    return _done(fig)


# ----------------------------------------------------------------------------- notebooks 06-07
def distribution_panels(
    panels: Mapping[str, Sequence[float]],
    chars: Sequence[str],
    top: int = 15,
    title: str = "Next-character probabilities",
) -> Figure:
    """One bar chart per distribution over the same characters, side by side (notebook 07).

    Args:
        panels: Label (e.g. ``"temperature 0.5"``) -> probabilities over the vocabulary.
        chars: The vocabulary's characters.
        top: Characters shown: the most likely in the first panel, in that order.
        title: The figure's title.
    """
    labels = list(panels)
    first = np.asarray(panels[labels[0]], dtype=float)
    chosen = np.argsort(-first, kind="stable")[:top]
    fig, axes = plt.subplots(1, len(labels), figsize=(3.6 * len(labels) + 0.6, 3.4), sharey=True)
    for ax, label in zip(np.atleast_1d(axes), labels, strict=True):
        ax.bar(range(len(chosen)), np.asarray(panels[label])[chosen], color="tab:purple")
        ax.set_xticks(range(len(chosen)), [_label(chars[i]) for i in chosen], fontsize=8)
        ax.set_xlabel("next character")
        ax.set_title(label)
    np.atleast_1d(axes)[0].set_ylabel("probability")
    fig.suptitle(title)
    return _done(fig)


def kept_characters(
    probs: Sequence[float], kept: Sequence[float], chars: Sequence[str], title: str = ""
) -> Figure:
    """The characters a cut-off (top-k or top-p) keeps, among the most likely ones (notebook 07).

    Every character the cut keeps is drawn in colour at its probability before the cut, followed
    by the next few most likely ones it removes, in grey; the legend counts both.

    Args:
        probs: The distribution before the cut.
        kept: The distribution after it (zero for a removed character).
        chars: The vocabulary's characters.
        title: The figure's title.
    """
    probs, kept = np.asarray(probs, dtype=float), np.asarray(kept, dtype=float)
    order = np.argsort(-probs, kind="stable")
    n_kept = int((kept > 0).sum())
    shown = order[: min(len(order), n_kept + 6)]
    is_kept = kept[shown] > 0
    xs = np.arange(len(shown))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.32 * len(shown) + 2), 3.6))
    ax.bar(xs[is_kept], probs[shown][is_kept], color="tab:purple", label=f"kept: {n_kept}")
    removed = len(probs) - n_kept
    ax.bar(xs[~is_kept], probs[shown][~is_kept], color="lightgrey", label=f"removed: {removed}")
    ax.set_xticks(xs, [_label(chars[i]) for i in shown], fontsize=8)
    ax.set_xlabel("next character, most likely first")
    ax.set_ylabel("probability before the cut")
    ax.set_title(title)
    ax.legend(loc="upper right")
    return _done(fig)


# ---------------------------------------------------------------- notebook 05: one-hot LSTM
def bits_per_epoch(table, baselines: Mapping[str, float], title: str) -> Figure:
    """Training and validation bits per character per epoch, against horizontal baselines.

    The legend sits outside the axes, to the right, so it never covers a curve or a baseline.

    Args:
        table: :func:`helpers.training.history_table` output (columns ``bpc``, ``val_bpc``).
        baselines: Label -> bits per character of a model that needs no training (uniform
            guessing, unigram frequencies, ...), each drawn as a horizontal line.
        title: Figure title.
    """
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(9, 4))
    epochs = list(table.index)
    ax.plot(epochs, table["bpc"], "o-", label="training batches")
    if "val_bpc" in table:
        ax.plot(epochs, table["val_bpc"], "s-", label="validation (held-out tail)")
    styles = ("--", ":", "-.")
    for k, (label, bits) in enumerate(baselines.items()):
        ax.axhline(
            bits, color="grey", linestyle=styles[k % 3], linewidth=1.2, label=f"{label}: {bits:.2f}"
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("bits per character")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return _done(fig)


def next_char_distributions(
    probs: Mapping[float, Sequence[float]], chars: Sequence[str], context: str, top: int = 12
) -> Figure:
    """The next-character distribution after ``context`` at several temperatures, side by side.

    Args:
        probs: Temperature -> probabilities over the vocabulary.
        chars: The vocabulary's characters.
        context: The text the model read (its last characters go in the title).
        top: Characters shown: the most likely at temperature 1 (or the first given).
    """
    temps = list(probs)
    ref = np.asarray(probs[1.0] if 1.0 in probs else probs[temps[0]])
    chosen = np.argsort(-ref, kind="stable")[:top]
    fig, axes = plt.subplots(1, len(temps), figsize=(3.2 * len(temps), 3.4), sharey=True)
    for ax, temp in zip(np.atleast_1d(axes), temps, strict=True):
        ax.bar(range(len(chosen)), np.asarray(probs[temp])[chosen], color="tab:purple")
        names = ["␣" if chars[i] == " " else _label(chars[i]) for i in chosen]
        ax.set_xticks(range(len(chosen)), names)
        ax.set_title(f"temperature {temp}")
        ax.set_xlabel("next character (␣: space)")
    np.atleast_1d(axes)[0].set_ylabel("probability")
    tail = context[-25:].replace("\n", "\\n")
    fig.suptitle(f"Next-character probabilities after ...{tail!r}")
    return _done(fig)


def train_vs_validation(frame, title: str) -> Figure:
    """Grouped horizontal bars of training and validation bits per character, one group per model.

    Args:
        frame: A pandas DataFrame indexed by model, with the columns ``training bits/char`` and
            ``validation bits/char``.
        title: Figure title.
    """
    names = list(frame.index)
    ys = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(9, 0.9 * len(names) + 1.4))
    ax.barh(ys - 0.2, frame["training bits/char"], 0.4, label="training windows")
    ax.barh(ys + 0.2, frame["validation bits/char"], 0.4, label="validation windows")
    ax.set_yticks(ys, names)
    ax.invert_yaxis()
    ax.set_xlabel("bits per character")
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    return _done(fig)


# ------------------------------------------------------------------ notebook 08: look inside
def _text_grid(text: str, width: int) -> list[tuple[int, int]]:
    """Where each character of ``text`` goes, as ``(row, column)``: wrapped at ``width`` columns,
    and a new row after every newline."""
    places, row, col = [], 0, 0
    for ch in text:
        if col >= width:
            row, col = row + 1, 0
        places.append((row, col))
        col += 1
        if ch == "\n":
            row, col = row + 1, 0
    return places


def coloured_texts(panels: Sequence[Mapping], width: int = 100) -> Figure:
    """Texts with each character's background coloured by a value, one panel each, stacked.

    The drawing of :func:`helpers.interpret.coloured_html` as a figure, so that it also shows
    where HTML styles are not rendered (GitHub's notebook viewer). Each panel has a colour bar
    that gives the scale.

    Args:
        panels: One mapping per panel with ``text`` and ``values`` (one number per character;
            NaN is drawn light grey) and optionally ``title``, ``label`` (what the values are, on
            the colour bar), ``cmap`` (default ``"coolwarm"``), ``vmin``/``vmax`` (default: the 1st
            and 99th percentiles) and ``marks`` (a boolean per character: those get a black line
            underneath, e.g. where a feature holds).
        width: Characters per row.
    """
    from matplotlib import colormaps
    from matplotlib.colors import Normalize

    from helpers import interpret

    for panel in panels:  # check every panel before a figure exists: an error leaks nothing
        shape = np.shape(panel["values"])
        if shape != (len(panel["text"]),):
            raise ValueError(
                f"Need one value per character: {np.size(panel['values'])} for "
                f"{len(panel['text'])}."
            )
    row_h, title_h, bar_h, gap_h, margin = 0.19, 0.35, 0.12, 0.45, 0.1  # inches
    layouts = [_text_grid(panel["text"], width) for panel in panels]
    rows = [max(r for r, _ in places) + 1 if places else 1 for places in layouts]
    total = sum(title_h + n * row_h + gap_h for n in rows) + 2 * margin
    fig = plt.figure(figsize=(11, total))
    top = total - margin
    for panel, places, n_rows in zip(panels, layouts, rows, strict=True):
        text, values = panel["text"], np.asarray(panel["values"], dtype=float)
        cmap = colormaps[panel.get("cmap") or "coolwarm"]
        vmin, vmax = interpret.colour_scale(values, panel.get("vmin"), panel.get("vmax"))
        norm = Normalize(vmin, vmax, clip=True)
        top -= title_h
        ax = fig.add_axes((0.02, (top - n_rows * row_h) / total, 0.96, n_rows * row_h / total))
        top -= n_rows * row_h
        grid = np.ones((n_rows, width, 4))
        for (row, col), value in zip(places, values, strict=True):
            grid[row, col] = cmap(norm(value)) if np.isfinite(value) else (0.93, 0.93, 0.93, 1)
        ax.imshow(grid, aspect="auto", extent=(0, width, n_rows, 0), interpolation="none")
        marks = panel.get("marks")
        for k, ((row, col), ch) in enumerate(zip(places, text, strict=True)):
            shown = {"\n": "\u21b5", "\t": "\u21e5", " ": ""}.get(ch, ch)
            if shown:
                ax.text(col + 0.5, row + 0.55, shown, ha="center", va="center", fontsize=8,
                        family="monospace")  # fmt: skip
            if marks is not None and marks[k]:
                ax.plot([col + 0.05, col + 0.95], [row + 0.95, row + 0.95], color="black", lw=1)
        ax.set_xlim(0, width)
        ax.set_ylim(n_rows, 0)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(panel.get("title", ""), fontsize=10, loc="left")
        bar_ax = fig.add_axes((0.6, (top - 0.05 - bar_h) / total, 0.38, bar_h / total))
        bar = fig.colorbar(
            plt.cm.ScalarMappable(norm=norm, cmap=cmap), cax=bar_ax, orientation="horizontal"
        )
        bar.ax.tick_params(labelsize=7)
        bar_ax.set_ylabel(panel.get("label", "value"), fontsize=8, rotation=0, ha="right",
                          va="center")  # fmt: skip
        top -= gap_h
    plt.close(fig)
    return fig


def coloured_text(
    text: str,
    values: Sequence[float],
    title: str = "",
    label: str = "value",
    cmap: str = "coolwarm",
    vmin: float | None = None,
    vmax: float | None = None,
    marks: Sequence[bool] | None = None,
    width: int = 100,
) -> Figure:
    """One text coloured character by character (see :func:`coloured_texts`)."""
    panel = {"text": text, "values": values, "title": title, "label": label, "cmap": cmap,
             "vmin": vmin, "vmax": vmax, "marks": marks}  # fmt: skip
    return coloured_texts([panel], width)


def gate_saturation(tables: Mapping[str, object], low: float = 0.1, high: float = 0.9) -> Figure:
    """Left- against right-saturation of each unit's forget, input and output gates, one panel per
    gate and one colour per model (Karpathy et al. 2015, Figure 3).

    A point near the top left is a gate almost always open (> ``high``); near the bottom right,
    almost always shut (< ``low``); near the origin, rarely saturated. Points cannot pass the
    dashed line: a gate is never below ``low`` and above ``high`` at once, so left + right <= 1,
    and a unit on the line is saturated, one way or the other, at every character.

    Args:
        tables: Model label -> :func:`helpers.interpret.saturation` table.
        low, high: The thresholds the tables were computed with (for the axis labels).
    """
    gates = ("forget", "input", "output")
    fig, axes = plt.subplots(1, 3, figsize=(13, 4.4), sharex=True, sharey=True)
    markers = ("o", "^", "s", "D")
    for ax, gate in zip(axes, gates, strict=True):
        for k, (label, table) in enumerate(tables.items()):
            ax.scatter(table[f"{gate} left"], table[f"{gate} right"], s=12, alpha=0.6,
                       marker=markers[k % len(markers)], label=label)  # fmt: skip
        ax.plot([0, 1], [1, 0], color="grey", linestyle="--", linewidth=1,
                label="left + right = 1: saturated at every character")  # fmt: skip
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_aspect("equal")
        ax.set_title(f"{gate} gate")
        ax.set_xlabel(f"fraction of characters left-saturated (< {low})")
    axes[0].set_ylabel(f"fraction right-saturated (> {high})")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False)
    fig.suptitle("How often each unit's gates are saturated (one point per unit)")
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    plt.close(fig)
    return fig


# ---------------------------------------------------------------------------------------------
# Notebook 04: gradient descent on one weight, and learning curves across two training phases.


def gradient_descent_1d(
    weights: Sequence[float],
    losses: Sequence[float],
    paths: Mapping[str, Sequence[tuple[float, float]]],
    xlabel: str = "weight w",
    ylabel: str = "loss (nats per character)",
    title: str = "Gradient descent on one weight",
) -> Figure:
    """A loss curve over one weight and the steps gradient descent takes down it.

    Args:
        weights: Weight values along the x axis.
        losses: The loss at each of ``weights``.
        paths: Label (e.g. the learning rate) -> the ``(weight, loss)`` points visited, the
            starting point first; each is drawn as dots joined by arrows.
        xlabel: Label of the x axis.
        ylabel: Label of the y axis, with its unit.
        title: Figure title.
    """
    fig, ax = plt.subplots(figsize=(9, 4))
    ax.plot(weights, losses, color="black", linewidth=1.5, label="loss")
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    starts = set()
    for (label, points), color in zip(paths.items(), colors, strict=False):
        ws, ls = (np.asarray(v, dtype=float) for v in zip(*points, strict=True))
        ax.plot(ws, ls, "o", color=color, markersize=5, label=label)
        for k in range(len(ws) - 1):
            ax.annotate(
                "",
                xy=(ws[k + 1], ls[k + 1]),
                xytext=(ws[k], ls[k]),
                arrowprops={"arrowstyle": "->", "color": color, "linewidth": 1},
            )
        if (ws[0], ls[0]) not in starts:  # paths from the same start share one label
            starts.add((ws[0], ls[0]))
            ax.annotate("start", (ws[0], ls[0]), textcoords="offset points", xytext=(6, 4))
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return _done(fig)


def learning_curves_two_phases(
    table, switch_after: int, uniform_bits: float, unigram_bits: float, title: str = ""
) -> Figure:
    """:func:`learning_curves` with a dotted line where a second training phase begins.

    Args:
        table: Per-epoch ``bpc`` and ``val_bpc`` of both phases, epochs numbered from 1.
        switch_after: The last epoch of the first phase.
        uniform_bits: ``log2(V)``, the cost of guessing uniformly.
        unigram_bits: The unigram entropy of the training text.
        title: Figure title.
    """
    fig = learning_curves(table, uniform_bits, unigram_bits, title)
    ax = fig.axes[0]
    ax.axvline(switch_after + 0.5, color="tab:green", linestyle=":", label="training.fit from here")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return _done(fig)


# ---------------------------------------------------------------------------------------------
# Notebook 03: the LSTM cell, and the memory task.

LSTM_GATES = {
    "f": ("forget gate f", "\u03c3", "tab:red"),
    "i": ("input gate i", "\u03c3", "tab:green"),
    "g": ("candidate g", "tanh", "tab:purple"),
    "o": ("output gate o", "\u03c3", "tab:blue"),
}
"""The boxes of :func:`lstm_cell`: key -> (label, activation drawn in the box, colour)."""


def lstm_cell(title: str = "One step of an LSTM cell") -> Figure:
    """A diagram of one LSTM step: the cell-state line along the top, the four gate boxes below
    it fed by the previous hidden state and the new input, and where each gate acts.

    The forget gate multiplies the old cell state, the input gate multiplies the candidate before
    it is added, and the output gate multiplies ``tanh(c)`` to give the new hidden state.
    """
    from matplotlib.patches import Circle, FancyBboxPatch

    fig, ax = plt.subplots(figsize=(10, 5.2))
    ax.set_xlim(0, 10.6)
    ax.set_ylim(-0.3, 6.0)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.add_patch(
        FancyBboxPatch((1.0, 0.45), 8.2, 5.1, boxstyle="round,pad=0.05,rounding_size=0.3",
                       facecolor="#f4f4f4", edgecolor="grey", linewidth=1)
    )  # fmt: skip
    line = {"color": "black", "linewidth": 1.5}

    def arrow(start, end, color="black"):
        ax.annotate("", xy=end, xytext=start,
                    arrowprops={"arrowstyle": "-|>", "color": color, "linewidth": 1.5,
                                "shrinkA": 0, "shrinkB": 0})  # fmt: skip

    def node(x, y, symbol):
        ax.add_patch(Circle((x, y), 0.27, facecolor="white", edgecolor="black", zorder=3))
        ax.text(x, y, symbol, ha="center", va="center", fontsize=13, zorder=4)

    top, bus, box_y = 4.9, 1.0, 2.1
    at = {"f": 2.4, "i": 3.65, "g": 5.0, "o": 7.0}
    # The cell state runs along the top: multiplied by f, then the gated candidate is added.
    arrow((0.1, top), (2.23, top))
    ax.plot([2.77, 4.73], [top, top], **line)
    arrow((5.27, top), (10.4, top))
    ax.text(0.1, top + 0.2, "$c_{t-1}$", fontsize=12)
    ax.text(9.8, top + 0.2, "$c_t$", fontsize=12)
    ax.text(6.0, top + 0.2, "cell state: the memory", fontsize=10, color="dimgrey")
    node(at["f"], top, "\u00d7")
    node(at["g"], top, "+")
    # The inputs: the previous hidden state and this step's input feed every gate.
    ax.plot([0.1, at["o"]], [bus, bus], **line)
    ax.text(0.1, bus - 0.45, "$h_{t-1}$", fontsize=12)
    arrow((1.6, -0.25), (1.6, bus))
    ax.text(1.75, -0.25, "$x_t$", fontsize=12)
    for key, x in at.items():
        label, symbol, color = LSTM_GATES[key]
        arrow((x, bus), (x, box_y - 0.35))
        ax.add_patch(
            FancyBboxPatch((x - 0.45, box_y - 0.35), 0.9, 0.7, boxstyle="round,pad=0.02",
                           facecolor=color, alpha=0.85, edgecolor="black", zorder=2)
        )  # fmt: skip
        ax.text(x, box_y, symbol, ha="center", va="center", fontsize=12, color="white", zorder=3)
        ax.text(x, box_y - 0.55, label, ha="center", va="top", fontsize=9, color=color)
    # f acts on the old memory; i scales the candidate g before it is added.
    arrow((at["f"], box_y + 0.35), (at["f"], top - 0.27), LSTM_GATES["f"][2])
    ig = 3.55
    node(at["g"], ig, "\u00d7")
    ax.plot([at["i"], at["i"]], [box_y + 0.35, ig], color=LSTM_GATES["i"][2], linewidth=1.5)
    arrow((at["i"], ig), (at["g"] - 0.27, ig), LSTM_GATES["i"][2])
    arrow((at["g"], box_y + 0.35), (at["g"], ig - 0.27), LSTM_GATES["g"][2])
    arrow((at["g"], ig + 0.27), (at["g"], top - 0.27))
    # The output: tanh of the new memory, scaled by o, is the new hidden state.
    squash, out, right = 3.95, 2.9, 8.2
    ax.plot([right, right], [top, squash + 0.25], **line)
    ax.add_patch(
        FancyBboxPatch((right - 0.4, squash - 0.25), 0.8, 0.5, boxstyle="round,pad=0.02",
                       facecolor="white", edgecolor="black", zorder=2)
    )  # fmt: skip
    ax.text(right, squash, "tanh", ha="center", va="center", fontsize=10, zorder=3)
    arrow((right, squash - 0.25), (right, out + 0.27))
    node(right, out, "\u00d7")
    ax.plot([at["o"], at["o"]], [box_y + 0.35, out], color=LSTM_GATES["o"][2], linewidth=1.5)
    arrow((at["o"], out), (right - 0.27, out), LSTM_GATES["o"][2])
    arrow((right + 0.27, out), (10.4, out))
    ax.text(9.8, out + 0.2, "$h_t$", fontsize=12)
    ax.text(8.45, out - 0.5, "hidden state:\nthe output", fontsize=9, color="dimgrey")
    ax.set_title(title)
    return _done(fig)


def memory_accuracy(runs, chance: float, title: str = "") -> Figure:
    """Accuracy on the memory task against the distance ``k``, one line per layer.

    Args:
        runs: A pandas DataFrame with columns ``model``, ``k``, ``seed`` and ``accuracy`` (a
            fraction), as :func:`helpers.memory.experiment` returns; each seed is a dot and each
            layer's mean over seeds a line.
        chance: The accuracy of guessing (``1 / alphabet``), drawn as a dashed line.
        title: Figure title.
    """
    fig, ax = plt.subplots(figsize=(8, 4))
    colors = {"SimpleRNN": "tab:orange", "LSTM": "tab:blue", "GRU": "tab:green"}
    for model, rows in runs.groupby("model", sort=False):
        color = colors.get(model)
        mean = rows.groupby("k")["accuracy"].mean()
        line = ax.plot(mean.index, mean.to_numpy(), "o-", color=color, label=f"{model} (mean)")
        ax.scatter(rows["k"], rows["accuracy"], s=14, alpha=0.4, color=line[0].get_color(),
                   label=f"{model} (each seed)")  # fmt: skip
    ax.axhline(chance, color="grey", linestyle="--", label=f"chance (1 in {round(1 / chance)})")
    ax.set_xticks(sorted(runs["k"].unique()))
    ax.set_ylim(0, 1.05)
    _percent_axis(ax.yaxis)
    ax.set_xlabel("k: steps between the marked symbol and the end (symbols)")
    ax.set_ylabel("marked symbol named correctly (%)")
    ax.set_title(title or "Who remembers a symbol k steps back?")
    _legend_outside(ax)
    return _done(fig)
