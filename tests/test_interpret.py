"""helpers.interpret (notebook 08): features, correlations, surprisal, gate saturation and coloured
text; the unit finder ranks first a unit built by hand to follow a known feature; recording works
on a saved model of every recipe kind."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from helpers import checkpoint, interpret, lstm, plotting, recipes
from helpers.vocab import Vocabulary

TEXT = (
    'the will to power (so he said) is "everything"; it is not.\n'
    "what is good? all that heightens the feeling of power.\n"
    'what is bad? all that proceeds from weakness (and "fear").\n'
)


def fake_recording(text: str, units: int, seed: int = 0, vocab: Vocabulary | None = None):
    """A Recording with random states, for testing the arithmetic without a model."""
    vocab = vocab or Vocabulary.from_text(text)
    rng = np.random.default_rng(seed)
    n = len(text)
    gates = {k: rng.uniform(0, 1, (n, units)) for k in "ifo"}
    p = rng.uniform(0.1, 1, (n, vocab.size))
    return interpret.Recording(
        text=text, ids=vocab.encode(text), g=rng.uniform(-1, 1, (n, units)),
        c=rng.normal(size=(n, units)), h=rng.uniform(-1, 1, (n, units)),
        p=p / p.sum(axis=1, keepdims=True), **gates,
    )  # fmt: skip


# ----------------------------------------------------------------------------- features
def test_features_are_the_facts_after_reading_each_character():
    text = 'ab\n"c (d)". e'
    f = interpret.features(text)
    assert list(f) == [
        "characters since newline", "inside quotes", "inside parentheses", "inside a word",
        "after a sentence end",
    ]  # fmt: skip
    assert all(v.shape == (len(text),) for v in f.values())
    #       a  b  \n "  c  _  (  d  )  "  .  _  e
    np.testing.assert_array_equal(
        f["characters since newline"], [1, 2, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    )
    np.testing.assert_array_equal(f["inside quotes"], [0, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0])
    np.testing.assert_array_equal(f["inside parentheses"], [0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(f["inside a word"], [1, 1, 0, 0, 1, 0, 0, 1, 0, 0, 0, 0, 1])
    np.testing.assert_array_equal(f["after a sentence end"], [0] * 10 + [1, 1, 0])


def test_nested_and_unbalanced_parentheses():
    f = interpret.features("(a (b) c) d) (e")
    np.testing.assert_array_equal(
        f["inside parentheses"], [1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1]
    )


def test_char_classes_and_surprise_by_class():
    text = "ab, cd. e\nfg"
    classes = interpret.char_classes(text)
    starts = np.flatnonzero(classes["first letter of a word"])
    assert text[0] == "a" and 0 not in starts  # nothing predicted the first character
    assert [text[i] for i in starts] == ["c", "e", "f"]
    after = np.flatnonzero(classes["first letter after punctuation"])
    assert [text[i] for i in after] == ["c", "e"]  # "f" follows "e" and a newline
    assert [text[i] for i in np.flatnonzero(classes["later letter of a word"])] == list("bdg")
    assert classes["newline"].sum() == 1 and classes["space"].sum() == 2
    assert [text[i] for i in np.flatnonzero(classes["punctuation mark"])] == [",", "."]
    bits = np.arange(len(text), dtype=float)
    table = interpret.surprise_by_class(text, bits)
    assert table.loc["later letter of a word", "mean bits"] == pytest.approx((1 + 5 + 11) / 3)
    assert table.loc["first letter of a word", "characters"] == 3
    with pytest.raises(ValueError, match="one per char"):
        interpret.surprise_by_class(text, bits[:-1])


# ----------------------------------------------------------------------------- arithmetic
def test_correlations_are_pearsons_r_and_refuse_a_constant_feature():
    rng = np.random.default_rng(1)
    values = rng.normal(size=(200, 5))
    values[:, 3] = 2.0  # a unit that never changes
    feature = values[:, 0] * 3 + rng.normal(size=200)
    r = interpret.correlations(values, feature)
    for u in (0, 1, 2, 4):
        assert r[u] == pytest.approx(np.corrcoef(values[:, u], feature)[0, 1])
    assert r[3] == 0.0 and r[0] > 0.9
    with pytest.raises(ValueError, match="same value at every character"):
        interpret.correlations(values, np.ones(200))
    with pytest.raises(ValueError, match="one number per character"):
        interpret.correlations(values, feature[:-1])


def test_surprisal_is_minus_log2_of_the_probability_of_the_next_character():
    rec = fake_recording(TEXT, units=3)
    bits = interpret.surprisal_bits(rec)
    assert bits.shape == (len(TEXT),) and np.isnan(bits[0])
    for t in (1, 17, len(TEXT) - 1):
        assert bits[t] == pytest.approx(-np.log2(rec.p[t - 1, rec.ids[t]]))


def test_saturation_fractions_per_gate_and_unit():
    rec = fake_recording(TEXT, units=4)
    rec.f[:, 0] = 0.99  # always keeps its memory
    rec.f[:, 1] = 0.01  # always wipes it
    rec.f[: len(TEXT) // 4, 2] = 0.05
    rec.f[len(TEXT) // 4 :, 2] = 0.5
    table = interpret.saturation(rec)
    assert list(table.columns) == [
        "forget left", "forget right", "input left", "input right", "output left",
        "output right",
    ]  # fmt: skip
    assert table.shape == (4, 6)
    assert table.loc[0, "forget right"] == 1.0 and table.loc[0, "forget left"] == 0.0
    assert table.loc[1, "forget left"] == 1.0
    assert table.loc[2, "forget left"] == pytest.approx((len(TEXT) // 4) / len(TEXT))
    assert table.loc[3, "input left"] == pytest.approx((rec.i[:, 3] < 0.1).mean())
    summary = interpret.saturation_summary(table)
    assert summary.loc["forget", "units mostly right-saturated"] == 0.25
    assert summary.loc["forget", "units mostly left-saturated"] == 0.25
    with pytest.raises(ValueError, match="low < high"):
        interpret.saturation(rec, low=0.9, high=0.1)


def test_a_part_of_a_recording_is_its_rows_for_those_characters():
    rec = fake_recording(TEXT, units=3)
    part = rec.part(10, 40)
    assert len(part) == 30 and part.text == TEXT[10:40] and part.units == 3
    for key in (*interpret.STATES, "p"):
        np.testing.assert_array_equal(part[key], rec[key][10:40])
    np.testing.assert_array_equal(part.ids, rec.ids[10:40])
    for start, stop in ((5, 5), (-1, 4), (0, len(TEXT) + 1)):
        with pytest.raises(ValueError, match="start < stop"):
            rec.part(start, stop)


# ----------------------------------------------------------------------------- the finder
def counter_model(vocab: Vocabulary, units: int = 6, seed: int = 0):
    """A one-hot LSTM whose weights are written by hand so that two units follow known features.

    Keras packs the four gates of every unit into one weight matrix, in the order input (``i``),
    forget (``f``), candidate (``g``) and output (``o``): gate ``k`` of unit ``u`` is column
    ``k * units + u``. With one-hot inputs, row ``char_id`` of the input kernel is what reading
    that character adds to each gate. Then, for every character, ``c = f * c + i * g``.

    * Unit 0 counts the characters since the last newline. Its input gate is open
      (bias +10: ``i = sigmoid(10)``, about 1) and its candidate is a constant
      ``g = tanh(0.1)``, about 0.1, so every character adds about 0.1 to the cell; its forget gate
      is open (bias +10), so the count is kept. Reading a newline adds -20 to both its forget and
      its input gates: ``f`` and ``i`` drop to about 0, the cell is wiped and nothing is written,
      so the count restarts at 0.
    * Unit 1 says whether the character is a letter: its forget gate is shut (bias -10, no
      memory), its input gate open, and its candidate is +2 for a letter and -2 otherwise, so the
      cell is about ``tanh(2)`` after a letter and ``-tanh(2)`` after anything else.
    * The other units get small random weights: competitors the finder must rank below.

    The output gates are open (bias +10), so ``h = tanh(c)``; no recurrent weights are needed.
    """
    recipe = recipes.NIETZSCHE.replace(corpus="test", window=10, units=units)
    model = recipe.build(vocab.size, compile=False)
    rng = np.random.default_rng(seed)
    kernel, recurrent, bias, out_w, out_b = (
        rng.normal(0, 0.3, w.shape).astype("float32") for w in model.get_weights()
    )
    i, f, g, o = (k * units for k in range(4))  # where each gate's columns start
    newline = vocab.char_to_id["\n"]
    letters = [vocab.char_to_id[ch] for ch in vocab.chars if ch.isalpha()]
    for column in (i, f, g, o):  # units 0 and 1 read only what is set below
        kernel[:, column : column + 2] = 0
        recurrent[:, column : column + 2] = 0
    # Unit 0: the counter.
    bias[i + 0], bias[f + 0], bias[g + 0], bias[o + 0] = 10, 10, 0.1, 10
    kernel[newline, i + 0] = kernel[newline, f + 0] = -20
    # Unit 1: letter or not.
    bias[i + 1], bias[f + 1], bias[g + 1], bias[o + 1] = 10, -10, -2, 10
    kernel[letters, g + 1] = 4
    model.set_weights([kernel, recurrent, bias, out_w, out_b])
    return model, recipe


def lines(n_lines: int, seed: int = 0) -> str:
    """Lines of random words of random lengths (so position in the line varies)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n_lines):
        words = ["".join(rng.choice(list("abcdefgh"), rng.integers(1, 8))) for _ in range(12)]
        out.append(" ".join(words)[: rng.integers(5, 70)])
    return "\n".join(out) + "\n"


def test_the_finder_ranks_first_a_unit_built_to_count_characters_since_a_newline():
    text = lines(40)
    vocab = Vocabulary.from_text(text)
    model, recipe = counter_model(vocab)
    rec = interpret.record(model, vocab, recipe, text)
    counts = interpret.features(text)["characters since newline"]
    np.testing.assert_allclose(rec.c[:, 0], np.tanh(0.1) * counts, atol=0.01)
    known = {
        k: v
        for k, v in interpret.features(text).items()
        if k in ("characters since newline", "inside a word")
    }
    ranking = interpret.rank_units(rec, known, states=("c",), top=2)
    best = interpret.best_units(ranking)
    assert best.loc["characters since newline", "unit"] == 0
    assert best.loc["characters since newline", "r"] > 0.999
    assert best.loc["inside a word", "unit"] == 1 and best.loc["inside a word", "r"] > 0.99
    assert ranking.loc[("characters since newline", 2), "r"] < 0.9  # a clear winner
    letters = {"letter": np.array([ch.isalpha() for ch in text], dtype=float)}
    hidden = interpret.best_units(interpret.rank_units(rec, letters, states=("h",)))
    assert hidden.loc["letter", "unit"] == 1


def test_rank_units_names_a_feature_that_cannot_be_used():
    rec = fake_recording("abc abc\nabc", units=3)
    with pytest.raises(ValueError, match="'inside quotes'.*same value"):
        interpret.rank_units(rec, interpret.features(rec.text))
    with pytest.raises(ValueError, match="'short'.*one value per character"):
        interpret.rank_units(rec, {"short": np.arange(3)})
    with pytest.raises(KeyError, match="not 'x'"):
        interpret.rank_units(rec, {"word": interpret.features(rec.text)["inside a word"]}, ("x",))
    table = interpret.rank_units(rec, {"word": interpret.features(rec.text)["inside a word"]})
    assert list(table.columns) == ["state", "unit", "r"] and len(table) == 3
    assert (table["r"].abs().diff().dropna() <= 0).all(), "best first"


TINY = {
    "one-hot": recipes.NIETZSCHE.replace(corpus="test", window=10, units=5),
    "normalized integer": recipes.ALICE.replace(corpus="test", window=12, units=5),
    "embedding": recipes.efficient("cpu", corpus="test").replace(window=20, units=5, embed_dim=3),
}


@pytest.mark.parametrize("kind", list(TINY))
def test_every_saved_recipe_kind_is_recorded_and_searched(kind, tmp_path):
    recipe = TINY[kind]
    vocab = Vocabulary.from_text(TEXT)
    keras.utils.set_random_seed(3)
    path = checkpoint.save(tmp_path / "m.keras", recipe.build(vocab.size), vocab, recipe)
    ckpt = checkpoint.load(path, compile=False)
    rec = interpret.record(ckpt.model, ckpt.vocab, ckpt.recipe, TEXT.upper())  # cleaned: lower
    assert rec.text == TEXT and repr(rec) == f"Recording({len(TEXT)} characters, 5 units)"
    for key in interpret.STATES:
        assert rec[key].shape == (len(TEXT), 5)
    assert rec.p.shape == (len(TEXT), vocab.size)
    assert np.allclose(rec.p.sum(axis=1), 1, atol=1e-5)
    direct = lstm.CharLSTM(ckpt.model, ckpt.recipe, vocab.size).run(vocab.encode(TEXT))
    np.testing.assert_allclose(rec.c, direct["c"])
    ranking = interpret.rank_units(rec, interpret.features(rec.text))
    assert len(ranking) == 5 * 3 and ranking["r"].abs().max() <= 1
    assert interpret.saturation(rec).shape == (5, 6)
    assert np.isfinite(interpret.surprisal_bits(rec)[1:]).all()
    with pytest.raises(ValueError, match="empty"):
        interpret.record(ckpt.model, ckpt.vocab, ckpt.recipe, "")


# ----------------------------------------------------------------------------- showing
def test_coloured_html_has_one_escaped_span_per_character():
    text = "a<b&\nc"
    shown = interpret.coloured_html(text, [0.0, 1.0, 2.0, np.nan, 4.0, 5.0], label="bits")
    html = shown._repr_html_()
    assert html.count("<span") == len(text)
    assert "&lt;" in html and "&amp;" in html and "\u21b5" in html and "<br>" in html
    assert 'title="bits: 2.00"' in html and "#eeeeee" in html  # NaN is grey, untitled
    assert html.count("title=") == len(text) - 1
    assert repr(shown).startswith("<6 characters coloured by bits")
    fixed = interpret.coloured_html("ab", [0, 1], vmin=0, vmax=1, cmap="Greys")
    assert fixed.colours() == ["#ffffff", "#000000"]
    with pytest.raises(ValueError, match="one value per character"):
        interpret.coloured_html("abc", [1, 2])


def test_busiest_span_finds_where_a_feature_changes():
    feature = np.zeros(100)
    feature[60:62] = 1
    feature[70:75] = 1
    span = interpret.busiest_span(feature, 20)
    assert span.stop - span.start == 20 and span.start <= 60 and span.stop >= 75
    assert interpret.busiest_span(feature, 500) == slice(0, 100)


def test_the_figures():
    text = "the will\nto power " * 3
    values = np.linspace(-1, 1, len(text))
    values[0] = np.nan
    fig = plotting.coloured_text(text, values, title="t", label="c[0]", marks=values > 0)
    assert len(fig.axes) == 2  # the text and its colour bar
    panels = [
        {"text": text, "values": values, "title": "a"},
        {"text": text[:9], "values": values[:9]},
    ]
    assert len(plotting.coloured_texts(panels).axes) == 4
    with pytest.raises(ValueError, match="one value per character"):
        plotting.coloured_text(text, values[:-1])
    rec = fake_recording(TEXT, units=4)
    fig = plotting.gate_saturation({"a": interpret.saturation(rec), "b": interpret.saturation(rec)})
    assert [ax.get_title() for ax in fig.axes] == ["forget gate", "input gate", "output gate"]


def test_strength_words_and_unit_panels():
    assert [interpret.strength(r) for r in (0.7, -0.5, 0.31, -0.2, 0.1)] == [
        "strong", "strong", "moderate", "weak", "none",
    ]  # fmt: skip
    rec = fake_recording(TEXT, units=4)
    feats = interpret.features(rec.text)
    best = interpret.best_units(interpret.rank_units(rec, feats))
    panels = interpret.unit_panels(rec, feats, best, length=40, within=100)
    assert [p["title"].split(":")[0] for p in panels] == list(feats)
    first = best.iloc[0]
    span = interpret.busiest_span(feats["characters since newline"][:100], 40)
    assert panels[0]["text"] == rec.text[span] and panels[0]["marks"] is None
    np.testing.assert_array_equal(panels[0]["values"], rec[first["state"]][span, first["unit"]])
    assert panels[1]["marks"].dtype == bool and "underlined" in panels[1]["title"]
    assert len(plotting.coloured_texts(panels).axes) == 2 * len(feats)
