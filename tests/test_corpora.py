"""helpers.corpora: registry, resolution order, checksums, cleaning and clear errors."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from helpers import corpora

REAL_DOWNLOAD = corpora._download  # kept before the offline fixture replaces it
SHARED_NAMES = {"nietzsche", "alice", "tinyshakespeare", "chat"}


def test_registry_lists_the_four_corpora_with_complete_entries():
    entries = corpora.registry()
    assert set(entries) == SHARED_NAMES
    for entry in entries.values():
        assert len(entry.sha256) == 64 and int(entry.sha256, 16) >= 0
        assert entry.bytes > 0 and entry.license and entry.description and entry.origin
    assert entries["chat"].kaggle_filename == "freecodecamp_casual_chatroom.csv"
    assert entries["chat"].url is None  # no direct download exists; said honestly


def test_registry_matches_the_mirror_files(mirror):
    for entry in corpora.registry().values():
        path = mirror / entry.filename
        assert path.stat().st_size == entry.bytes
        assert corpora.sha256_of(path) == entry.sha256


def test_resolve_prefers_the_mirror(mirror, monkeypatch, tmp_path):
    monkeypatch.setenv(corpora.MIRROR_ENV, str(mirror))
    assert corpora.resolve("nietzsche", cache_dir=tmp_path) == mirror / "nietzsche.txt"


def test_resolve_uses_the_cache_then_kaggle(offline, mirror):
    cache = offline / "cache"
    cache.mkdir()
    shutil.copy(mirror / "alice_pg11_2011.txt", cache)
    assert corpora.resolve("alice") == cache / "alice_pg11_2011.txt"
    kaggle = offline / "kaggle" / "all-posts-public-main-chatroom"
    kaggle.mkdir(parents=True)
    (kaggle / "freecodecamp_casual_chatroom.csv").write_text("fromUser.id,text\nu1,hi\n")
    assert corpora.resolve("chat") == kaggle / "freecodecamp_casual_chatroom.csv"


def test_offline_without_a_copy_names_file_url_and_place(offline):
    with pytest.raises(corpora.CorpusNotFoundError) as err:
        corpora.resolve("nietzsche")
    msg = str(err.value)
    assert "nietzsche.txt" in msg
    assert "https://s3.amazonaws.com/text-datasets/nietzsche.txt" in msg
    assert str(offline / "cache" / "nietzsche.txt") in msg
    assert "network is unreachable" in msg and corpora.MIRROR_ENV in msg


def test_chat_without_a_copy_points_at_kaggle(offline):
    with pytest.raises(corpora.CorpusNotFoundError, match="freecodecamp/all-posts-public-main"):
        corpora.resolve("chat")


def test_download_goes_through_keras_get_file_and_is_verified(offline, mirror, monkeypatch):
    calls = {}

    def fake_get_file(fname, origin, file_hash, hash_algorithm, cache_dir, cache_subdir):
        calls.update(fname=fname, origin=origin, file_hash=file_hash, algo=hash_algorithm)
        target = offline / "cache" / fname
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(mirror / fname, target)
        return str(target)

    import keras

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    monkeypatch.setattr(corpora, "_download", REAL_DOWNLOAD)
    path = corpora.resolve("tinyshakespeare")
    assert path == offline / "cache" / "tinyshakespeare_input.txt"
    assert calls["origin"].endswith("tinyshakespeare/input.txt")
    assert calls["file_hash"] == corpora.info("tinyshakespeare").sha256 and calls["algo"] == "sha256"


def test_a_damaged_copy_is_refused(offline):
    cache = offline / "cache"
    cache.mkdir()
    (cache / "nietzsche.txt").write_text("not nietzsche")
    with pytest.raises(corpora.CorpusChecksumError, match="delete it"):
        corpora.resolve("nietzsche")


def test_unknown_name_lists_known_names():
    with pytest.raises(KeyError, match="nietzsche"):
        corpora.info("zarathustra")
    with pytest.raises(corpora.CorpusNotFoundError, match="neither a registered corpus"):
        corpora.load_text("zarathustra")


def test_load_text_cleans_registered_corpora(mirror, monkeypatch):
    monkeypatch.setenv(corpora.MIRROR_ENV, str(mirror))
    alice = corpora.load_text("alice", lower=True)
    assert alice.startswith("alice's adventures in wonderland")
    assert alice.rstrip().endswith("the end")
    assert "gutenberg" not in alice and "\r" not in alice and "\ufeff" not in alice
    nietzsche = corpora.load_text("nietzsche")
    assert len(nietzsche) == 600_893 and nietzsche.startswith("PREFACE")


def test_clean_options():
    raw = "\ufeffHello\r\nWorld\rEnd"
    assert corpora.clean(raw) == "Hello\nWorld\nEnd"
    assert corpora.clean(raw, lower=True) == "hello\nworld\nend"
    assert corpora.clean(raw, newlines=False, bom=False) == raw


def test_strip_gutenberg_keeps_only_the_body():
    text = (
        "Header lines\n*** START OF THIS PROJECT GUTENBERG EBOOK X ***\n\nBody text.\n\n"
        "End of Project Gutenberg's X\n*** END OF THIS PROJECT GUTENBERG EBOOK X ***\nlicense"
    )
    assert corpora.strip_gutenberg(text) == "Body text.\n"
    assert corpora.strip_gutenberg("no markers here") == "no markers here"


def test_local_files_and_mixed_corpora(tmp_path):
    a = tmp_path / "a.txt"
    b = tmp_path / "b.txt"
    a.write_text("First TEXT\r\n", encoding="utf-8")
    b.write_bytes("\ufeffSecond".encode("utf-8"))
    assert corpora.load_text(a, lower=True) == "first text\n"
    assert corpora.load_text([a, b], separator="|") == "First TEXT\n|Second"


def test_non_utf8_is_an_error_not_mojibake(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Übermensch".encode("latin-1"))
    with pytest.raises(corpora.CorpusEncodingError, match="encoding='latin-1'"):
        corpora.load_text(path)
    assert corpora.load_text(path, encoding="latin-1") == "Übermensch"


def test_empty_and_short_texts_say_how_long_they_must_be(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(corpora.CorpusTooShortError, match="empty"):
        corpora.load_text(empty)
    short = tmp_path / "short.txt"
    short.write_text("abc")
    with pytest.raises(corpora.CorpusTooShortError, match="has 3 characters but needs at least 41"):
        corpora.load_text(short, min_length=41)
    with pytest.raises(corpora.CorpusTooShortError):
        corpora.load_text([])


def test_load_chat_reads_the_tutorial_columns(mirror, monkeypatch):
    monkeypatch.setenv(corpora.MIRROR_ENV, str(mirror))
    chat = corpora.load_chat()
    assert list(chat.columns) == ["fromUser.id", "fromUser.username", "text"]
    assert len(chat) == 211_979
    assert (chat["fromUser.id"] == corpora.CAMPERBOT_ID).sum() > 0
    assert chat["text"].isna().sum() == 0
    still_quoted = chat["text"].str.startswith('"') & chat["text"].str.endswith('"')
    assert still_quoted.sum() < 200  # 16,621 before unquoting; 144 quote on purpose
    assert "Can we rename this room to \"Free Association\"?" in set(chat["text"])


def test_unquote_tsv():
    import pandas as pd

    texts = pd.Series(['"or ""staff"" chat"', "plain", '"a\nb"', '"'])
    assert corpora.unquote_tsv(texts).tolist() == ['or "staff" chat', "plain", "a\nb", '"']


def test_sha256_of_matches_hashlib(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"robo" * 1000)
    assert corpora.sha256_of(path) == hashlib.sha256(b"robo" * 1000).hexdigest()
