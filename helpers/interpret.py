"""Look inside a trained character LSTM: what it records, what surprises it, what its units track
(notebook 08).

The tools follow Karpathy, Johnson and Fei-Fei, "Visualizing and Understanding Recurrent
Networks" (2015):

* :func:`record` reads a text one character at a time with any course model
  (:class:`helpers.lstm.CharLSTM`) and keeps every gate, the cell state ``c``, the hidden state
  ``h`` and the next-character probabilities after each character (a :class:`Recording`).
* :func:`surprisal_bits` is what each character cost the model, in bits; :func:`char_classes` and
  :func:`surprise_by_class` measure where in words the cost falls.
* :func:`features` computes simple facts about the text at every position (characters since the
  last newline, inside quotes, ...); :func:`correlations` and :func:`rank_units` find the units
  whose state follows one of them, :func:`strength` puts a word on a correlation and
  :func:`unit_panels` shows each feature's best unit where the feature changes most.
* :func:`saturation` is how often each unit's forget, input and output gates sit near 0 or 1.
* :func:`coloured_html` shows a text with each character's background coloured by a value (a
  unit's state, or its surprisal); :func:`helpers.plotting.coloured_text` draws the same as a
  figure, which also shows where HTML styles are stripped (GitHub's notebook viewer).

Every array is aligned with the text: row ``t`` is about character ``t``, *after* the model has
read it (its state then, and the feature's value then).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from helpers.lstm import CharLSTM

STATES = ("i", "f", "g", "o", "c", "h")
"""What a :class:`Recording` keeps per unit: the input, forget, candidate and output gates, the
cell state and the hidden state."""

GATES = {"forget": "f", "input": "i", "output": "o"}
"""The three sigmoid gates by name, as :func:`saturation` reports them."""

PUNCTUATION = ".,;:!?-\"'()"
"""Characters counted as punctuation by :func:`char_classes`."""

SENTENCE_ENDS = ".!?"
"""Characters that end a sentence, for the ``after a sentence end`` feature."""


@dataclass(frozen=True)
class Recording:
    """Everything a model computed while reading a text, one row per character.

    Attributes:
        text: The text read, cleaned as the model's training text was (e.g. lower-cased).
        ids: Its character ids.
        i, f, g, o: The input, forget, candidate and output gates, each ``(len(text), units)``.
        c, h: The cell and hidden states after each character, ``(len(text), units)``.
        p: The next-character probabilities after each character, ``(len(text), V)``.
    """

    text: str
    ids: np.ndarray
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    c: np.ndarray
    h: np.ndarray
    p: np.ndarray

    def __len__(self) -> int:
        return len(self.text)

    @property
    def units(self) -> int:
        """Number of LSTM units."""
        return self.c.shape[1]

    def __getitem__(self, key: str) -> np.ndarray:
        """One of the arrays by name, e.g. ``recording["c"]``."""
        if key not in (*STATES, "p"):
            raise KeyError(f"A recording has {', '.join((*STATES, 'p'))}, not {key!r}.")
        return getattr(self, key)

    def __repr__(self) -> str:
        return f"Recording({len(self.text)} characters, {self.units} units)"

    def part(self, start: int, stop: int) -> Recording:
        """The recording of characters ``start`` to ``stop - 1`` only, e.g. to check that what
        the finder finds in a text holds in each half of it (the states are those of the whole
        reading, not of a fresh one).

        Raises:
            ValueError: For an empty or out-of-range part.
        """
        if not 0 <= start < stop <= len(self):
            raise ValueError(
                f"Need 0 <= start < stop <= {len(self)} (the recording's length); got "
                f"start={start}, stop={stop}."
            )
        span = slice(start, stop)
        arrays = {key: getattr(self, key)[span] for key in (*STATES, "p")}
        return Recording(text=self.text[span], ids=self.ids[span], **arrays)


def record(model: Any, vocab: Any, recipe: Any, text: str) -> Recording:
    """Read ``text`` from a zero state with a course model and record everything.

    Works for every course model (one-hot, normalized-integer and embedding inputs; trained on
    windows or at every position): the model is copied into NumPy by
    :class:`helpers.lstm.CharLSTM` and read one character at a time, its state carried along.

    Args:
        model: A model of ``recipe`` (e.g. ``checkpoint.load(...).model``).
        vocab: Its vocabulary.
        recipe: Its recipe (the text is cleaned with ``recipe.prepare`` first).
        text: The text to read.

    Raises:
        ValueError: For an empty text, or characters the vocabulary cannot encode.
    """
    text = recipe.prepare(text)
    if not text:
        raise ValueError("The text is empty: give the model at least one character to read.")
    ids = vocab.encode(text)
    rows = CharLSTM(model, recipe, vocab.size).run(ids)
    return Recording(text=text, ids=np.asarray(ids), **rows)


def surprisal_bits(recording: Recording) -> np.ndarray:
    """What each character cost the model: ``-log2 p(character | everything before it)``.

    Returns:
        An array of ``len(text)`` values; the first is NaN, since nothing came before it to
        predict it.
    """
    bits = np.full(len(recording), np.nan)
    n = len(recording)
    chosen = recording.p[np.arange(n - 1), recording.ids[1:]].astype(np.float64)
    bits[1:] = -np.log2(np.maximum(chosen, 1e-30))
    return bits


def char_classes(text: str) -> dict[str, np.ndarray]:
    """Where each character of ``text`` stands, as boolean masks of ``len(text)``.

    Classes: ``first letter of a word`` (a letter after a non-letter), ``first letter after
    punctuation`` (the same, when the last non-space character before it is punctuation),
    ``later letter of a word``, ``space``, ``newline`` and ``punctuation mark``. The first
    character of the text belongs to none (nothing predicted it).
    """
    chars = np.array(list(text))
    letter = np.char.isalpha(chars)
    before = np.concatenate([[False], letter[:-1]])
    last_mark = np.zeros(len(text), dtype=bool)  # last non-space character before t is punctuation
    seen = " "
    for t, ch in enumerate(text):
        last_mark[t] = seen in PUNCTUATION
        if not ch.isspace():
            seen = ch
    classes = {
        "first letter of a word": letter & ~before,
        "first letter after punctuation": letter & ~before & last_mark,
        "later letter of a word": letter & before,
        "space": chars == " ",
        "newline": chars == "\n",
        "punctuation mark": np.isin(chars, list(PUNCTUATION)),
    }
    for mask in classes.values():
        mask[:1] = False
    return classes


def surprise_by_class(text: str, bits: np.ndarray) -> Any:
    """Mean surprisal per :func:`char_classes` class, as a table (``mean bits``, ``characters``).

    Raises:
        ValueError: If ``bits`` is not one value per character.
    """
    import pandas as pd

    if len(bits) != len(text):
        raise ValueError(f"bits has {len(bits)} values for {len(text)} characters: one per char.")
    rows = {}
    for name, mask in char_classes(text).items():
        rows[name] = {
            "mean bits": float(np.mean(bits[mask])) if mask.any() else np.nan,
            "characters": int(mask.sum()),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("character")


# --------------------------------------------------------------------------------- features
def features(text: str) -> dict[str, np.ndarray]:
    """Simple facts about ``text`` at every character, the kind single units were found to track.

    Each value is the fact *after reading* character ``t`` (what a unit could know then):

    * ``characters since newline``: 0 at a newline, one more at each other character (the
      text's start counts as a newline);
    * ``inside quotes``: 1 from an opening ``"`` up to (not including) the closing one;
    * ``inside parentheses``: 1 from ``(`` up to (not including) its ``)``, nested pairs
      included;
    * ``inside a word``: 1 at a letter;
    * ``after a sentence end``: 1 from a ``.``, ``!`` or ``?`` up to (not including) the next
      letter.

    Returns:
        Feature name -> float array of ``len(text)``. Add your own: any array of one number per
        character works with :func:`rank_units`.
    """
    n = len(text)
    since_newline = np.zeros(n)
    quotes = np.zeros(n)
    parens = np.zeros(n)
    sentence = np.zeros(n)
    count, inside_quote, depth, after_end = 0, False, 0, False
    for t, ch in enumerate(text):
        count = 0 if ch == "\n" else count + 1
        if ch == '"':
            inside_quote = not inside_quote
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        if ch in SENTENCE_ENDS:
            after_end = True
        elif ch.isalpha():
            after_end = False
        since_newline[t], quotes[t], parens[t], sentence[t] = (
            count,
            inside_quote,
            depth > 0,
            after_end,
        )
    return {
        "characters since newline": since_newline,
        "inside quotes": quotes,
        "inside parentheses": parens,
        "inside a word": np.array([ch.isalpha() for ch in text], dtype=float),
        "after a sentence end": sentence,
    }


def correlations(values: np.ndarray, feature: np.ndarray) -> np.ndarray:
    """Pearson correlation of every unit with one feature.

    Args:
        values: ``(characters, units)``, e.g. ``recording.c``.
        feature: One number per character.

    Returns:
        ``(units,)`` correlations in ``[-1, 1]``; a unit that never changes gets 0.

    Raises:
        ValueError: If the lengths differ, or the feature never changes over the text (then no
            unit can follow it: use a longer text in which it does).
    """
    values = np.asarray(values, dtype=np.float64)
    feature = np.asarray(feature, dtype=np.float64)
    if values.ndim != 2 or feature.shape != (values.shape[0],):
        raise ValueError(
            f"values must be (characters, units) and the feature one number per character; got "
            f"{values.shape} and {feature.shape}."
        )
    f = feature - feature.mean()
    if not np.any(np.abs(f) > 1e-12):
        raise ValueError(
            "The feature has the same value at every character of this text, so no unit can "
            "follow it: read a longer text in which it changes (e.g. one with quotes for "
            "'inside quotes'), or leave the feature out."
        )
    x = values - values.mean(axis=0)
    spread = np.sqrt((x**2).sum(axis=0) * (f**2).sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (x * f[:, None]).sum(axis=0) / spread
    return np.where(spread > 0, r, 0.0)


def rank_units(
    recording: Recording,
    feature_values: Mapping[str, np.ndarray],
    states: Sequence[str] = ("c", "h"),
    top: int = 3,
) -> Any:
    """The units whose state follows each feature best, by absolute correlation.

    Args:
        recording: What the model recorded over a text.
        feature_values: Feature name -> one number per character (e.g. ``features(text)``).
        states: Which recorded arrays to search: ``"c"`` (cell state), ``"h"`` (hidden state),
            or a gate.
        top: Units listed per feature.

    Returns:
        A pandas DataFrame indexed by ``(feature, rank)`` with the columns ``state``, ``unit``
        and ``r`` (the correlation; negative when the unit goes *down* with the feature),
        best first.

    Raises:
        ValueError: For a feature that is not one value per character or never changes.
        KeyError: For an unknown state.
    """
    import pandas as pd

    rows = []
    for name, values in feature_values.items():
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (len(recording),):
            raise ValueError(
                f"Feature {name!r} has {values.size} values for a {len(recording)}-character "
                "recording: compute it on recording.text (one value per character)."
            )
        found = []
        for state in states:
            try:
                r = correlations(recording[state], values)
            except ValueError as err:
                raise ValueError(f"Feature {name!r}: {err}") from None
            found += [(abs(r[u]), state, u, r[u]) for u in range(recording.units)]
        found.sort(key=lambda row: (-row[0], states.index(row[1]), row[2]))
        for rank, (_, state, unit, r) in enumerate(found[:top], start=1):
            rows.append({"feature": name, "rank": rank, "state": state, "unit": unit, "r": r})
    return pd.DataFrame(rows).set_index(["feature", "rank"])


def best_units(ranking: Any) -> Any:
    """The first row per feature of a :func:`rank_units` table (index: feature)."""
    return ranking.xs(1, level="rank")


# --------------------------------------------------------------------------------- gates
def saturation(recording: Recording, low: float = 0.1, high: float = 0.9) -> Any:
    """How often each unit's gates are saturated, as in Karpathy et al.'s Figure 3.

    A gate is *left-saturated* when below ``low`` (it lets almost nothing through: a forget gate
    there wipes the cell) and *right-saturated* when above ``high`` (it lets almost everything
    through: a forget gate there keeps the cell's memory).

    Returns:
        A pandas DataFrame, one row per unit, with the columns ``forget left``,
        ``forget right``, ``input left``, ``input right``, ``output left`` and
        ``output right``: the fraction of characters in each state.
    """
    import pandas as pd

    if not 0 < low < high < 1:
        raise ValueError(f"Need 0 < low < high < 1; got low={low}, high={high}.")
    table = {}
    for name, key in GATES.items():
        gate = recording[key]
        table[f"{name} left"] = (gate < low).mean(axis=0)
        table[f"{name} right"] = (gate > high).mean(axis=0)
    return pd.DataFrame(table).rename_axis("unit")


def saturation_summary(table: Any, most: float = 0.5) -> Any:
    """Per gate: the share of units that are left- or right-saturated for more than ``most`` of
    the characters, and the mean fractions (a :func:`saturation` table in, one row per gate)."""
    import pandas as pd

    rows = {}
    for name in GATES:
        left, right = table[f"{name} left"], table[f"{name} right"]
        rows[name] = {
            "units mostly left-saturated": float((left > most).mean()),
            "units mostly right-saturated": float((right > most).mean()),
            "mean left fraction": float(left.mean()),
            "mean right fraction": float(right.mean()),
        }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("gate")


# --------------------------------------------------------------------------------- showing
def busiest_span(feature: np.ndarray, length: int) -> slice:
    """The ``length`` characters over which ``feature`` changes most (where it is worth seeing):
    the window with the most changes of value, the earliest one on ties."""
    feature = np.asarray(feature)
    if length >= len(feature):
        return slice(0, len(feature))
    changes = np.concatenate([[0], np.cumsum(feature[1:] != feature[:-1])])
    counts = changes[length - 1 :] - changes[: len(feature) - length + 1]
    start = int(np.argmax(counts))
    return slice(start, start + length)


def colour_scale(values: np.ndarray, vmin: float | None = None, vmax: float | None = None):
    """The value range a colouring uses: given, or the 1st to 99th percentile of ``values``."""
    finite = np.asarray(values, dtype=np.float64)
    finite = finite[np.isfinite(finite)]
    if vmin is None:
        vmin = float(np.percentile(finite, 1)) if finite.size else 0.0
    if vmax is None:
        vmax = float(np.percentile(finite, 99)) if finite.size else 1.0
    if vmax <= vmin:
        vmax = vmin + 1e-6
    return vmin, vmax


def _shown(ch: str) -> str:
    return {"\n": "\u21b5", "\t": "\u21e5"}.get(ch, ch)


class ColouredText:
    """A text with each character's background coloured by a value; displays as HTML in Jupyter
    (hover a character to see its value) and as one line of plain text elsewhere."""

    def __init__(
        self,
        text: str,
        values: np.ndarray,
        cmap: str = "coolwarm",
        vmin: float | None = None,
        vmax: float | None = None,
        label: str = "value",
    ):
        values = np.asarray(values, dtype=np.float64)
        if values.shape != (len(text),):
            raise ValueError(
                f"Need one value per character: {values.size} values for {len(text)} characters."
            )
        self.text, self.values, self.cmap, self.label = text, values, cmap, label
        self.vmin, self.vmax = colour_scale(values, vmin, vmax)

    def colours(self) -> list[str]:
        """Each character's background as ``#rrggbb`` (light grey where the value is NaN)."""
        from matplotlib import colormaps
        from matplotlib.colors import to_hex

        cmap = colormaps[self.cmap]
        scaled = np.clip((self.values - self.vmin) / (self.vmax - self.vmin), 0, 1)
        return [
            "#eeeeee" if not np.isfinite(v) else to_hex(cmap(float(s)))
            for v, s in zip(self.values, scaled, strict=True)
        ]

    def _repr_html_(self) -> str:
        spans = []
        for ch, value, colour in zip(self.text, self.values, self.colours(), strict=True):
            tip = "" if not np.isfinite(value) else f' title="{self.label}: {value:.2f}"'
            spans.append(
                f'<span style="background-color:{colour}"{tip}>{html.escape(_shown(ch))}</span>'
            )
            if ch == "\n":
                spans.append("<br>")
        return (
            '<div style="font-family:monospace;line-height:1.6;white-space:pre-wrap;'
            'color:black;background:white;padding:4px">' + "".join(spans) + "</div>"
        )

    def __repr__(self) -> str:
        return (
            f"<{len(self.text)} characters coloured by {self.label}, "
            f"{self.vmin:.2f} to {self.vmax:.2f}>"
        )


def coloured_html(
    text: str,
    values: np.ndarray,
    cmap: str = "coolwarm",
    vmin: float | None = None,
    vmax: float | None = None,
    label: str = "value",
) -> ColouredText:
    """``text`` with each character's background coloured by ``values`` (one per character).

    Args:
        text: The characters (newlines are shown as ``↵`` and break the line).
        values: One number per character; NaN shows light grey.
        cmap: A matplotlib colormap: ``"coolwarm"`` (blue low, red high) for a unit's state,
            ``"Reds"`` for surprisal.
        vmin, vmax: The values at the two ends of the colormap (default: the 1st and 99th
            percentiles of ``values``).
        label: What the values are, shown when hovering a character.

    Returns:
        A :class:`ColouredText` that displays as HTML in a notebook.
    """
    return ColouredText(text, values, cmap, vmin, vmax, label)


STRENGTHS = ((0.5, "strong"), (0.3, "moderate"), (0.15, "weak"), (0.0, "none"))
"""Words for the size of a correlation, used to report what the finder found."""


def strength(r: float) -> str:
    """``"strong"`` (``|r| >= 0.5``), ``"moderate"`` (``>= 0.3``), ``"weak"`` (``>= 0.15``) or
    ``"none"``."""
    return next(word for bound, word in STRENGTHS if abs(r) >= bound)


def unit_panels(
    recording: Recording,
    feature_values: Mapping[str, np.ndarray],
    best: Any,
    length: int = 300,
    within: int | None = None,
) -> list[dict[str, Any]]:
    """Panels for :func:`helpers.plotting.coloured_texts`: each feature's best unit coloured over
    the ``length`` characters where that feature changes most.

    Args:
        recording: What the model recorded.
        feature_values: The features, one number per character of ``recording.text``.
        best: :func:`best_units` of a ranking of those features.
        length: Characters per panel.
        within: Look for the spans among the first ``within`` characters only (so that the same
            spans are shown whatever the length of the recording).

    Returns:
        One dict per feature (``text``, ``values``, ``title``, ``label`` and, for a yes/no
        feature, ``marks``: the characters where it holds, underlined).
    """
    panels = []
    for name, row in best.iterrows():
        feature = np.asarray(feature_values[name])
        span = busiest_span(feature[:within], length)
        unit = f"{row['state']}[{row['unit']}]"
        is_flag = bool(np.isin(feature, (0, 1)).all())
        panels.append(
            {
                "text": recording.text[span],
                "values": recording[row["state"]][span, row["unit"]],
                "title": f"{name}: {unit}, r = {row['r']:.2f}"
                + (" (underlined: where it holds)" if is_flag else ""),
                "label": unit,
                "marks": feature[span] > 0 if is_flag else None,
            }
        )
    return panels
