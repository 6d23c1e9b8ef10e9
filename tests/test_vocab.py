"""helpers.vocab: deterministic ids, round-trips, JSON, and the out-of-vocabulary policy."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.vocab import UnknownCharactersError, Vocabulary


def test_sorted_and_deterministic():
    a = Vocabulary.from_text("the cat sat")
    b = Vocabulary.from_text("tas c eht")
    assert a.chars == (" ", "a", "c", "e", "h", "s", "t") and a == b
    assert a.encode("cat").tolist() == [2, 1, 6]


def test_round_trip_with_non_ascii_and_newlines():
    text = "Übermensch — ja!\nnein…\tß"
    vocab = Vocabulary.from_text(text)
    ids = vocab.encode(text)
    assert ids.dtype == np.int32 and ids.shape == (len(text),)
    assert vocab.decode(ids) == text


def test_encode_matches_a_python_dict_lookup():
    rng = np.random.default_rng(0)
    chars = list("abcdefghij \n.é")
    text = "".join(rng.choice(chars, size=5000))
    vocab = Vocabulary.from_text(text)
    assert vocab.encode(text).tolist() == [vocab.char_to_id[c] for c in text]


def test_unknown_characters_error_lists_them_and_the_fix():
    vocab = Vocabulary.from_text("abc ")
    with pytest.raises(UnknownCharactersError) as err:
        vocab.encode("abc XYZ X")
    msg = str(err.value)
    assert "'X' (2x)" in msg and "'Y'" in msg and "oov='replace'" in msg
    assert err.value.unknown == {"X": 2, "Y": 1, "Z": 1}


def test_replace_and_drop_policies():
    replace = Vocabulary.from_text("abc ", oov="replace", replacement=" ")
    assert replace.decode(replace.encode("aXb")) == "a b"
    drop = Vocabulary.from_text("abc ", oov="drop")
    assert drop.decode(drop.encode("aXbY")) == "ab"


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"chars": []}, "at least one"),
        ({"chars": ["a", "a"]}, "twice"),
        ({"chars": ["ab"]}, "single character"),
        ({"chars": ["a"], "oov": "ignore"}, "oov must be"),
        ({"chars": ["a"], "oov": "replace", "replacement": "?"}, "replacement"),
    ],
)
def test_bad_vocabularies_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Vocabulary(**kwargs)


def test_decode_rejects_out_of_range_ids():
    with pytest.raises(ValueError, match="0..2"):
        Vocabulary.from_text("abc").decode([0, 3])


def test_json_round_trip_keeps_policy(tmp_path):
    vocab = Vocabulary.from_text("héllo\n", oov="replace", replacement="l")
    path = vocab.save(tmp_path / "vocab.json")
    again = Vocabulary.load(path)
    assert again == vocab and again.oov == "replace" and again.replacement == "l"
    assert "é" in path.read_text(encoding="utf-8")  # readable, not \u-escaped


def test_loading_something_else_is_refused():
    with pytest.raises(ValueError, match="not a saved"):
        Vocabulary.from_json('{"chars": ["a"]}')


def test_nietzsche_vocabulary(mirror, monkeypatch):
    from helpers import corpora

    monkeypatch.setenv(corpora.MIRROR_ENV, str(mirror))
    text = corpora.load_text("nietzsche", lower=True)
    vocab = Vocabulary.from_text(text)
    assert vocab.size == 57  # the figure the classic notebook prints
    assert vocab.decode(vocab.encode(text)) == text
