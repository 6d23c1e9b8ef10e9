"""helpers.corpora: registry, resolution order, checksums, cleaning and clear errors."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from helpers import corpora

REAL_DOWNLOAD = corpora._download  # kept before the offline fixture replaces it
SHARED_NAMES = {"nietzsche", "alice", "tinyshakespeare", "chat"}
COMMIT = "aa003eb1b02fe0b4580c3a41dd550f2cfd7eff47"  # freeCodeCamp/open-data, as in SOURCES.md
CHAT_CSV = "freecodecamp_gitter_archives.csv"


@pytest.fixture()
def archive_zip(mirror) -> Path:
    """The mirror's copy of GitHub's zip of freeCodeCamp/open-data at the pinned commit."""
    path = mirror / f"open-data-{COMMIT}.zip"
    if not path.is_file():
        pytest.skip(f"no {path.name} in the mirror {mirror}")
    return path


def rewrite_zip(src: Path, dst: Path, change=None, extra: dict[str, bytes] | None = None) -> None:
    """Copy a zip member by member (stored, for speed), changing some members, adding others."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for item in zin.infolist():
            data = zin.read(item)
            zout.writestr(item, change(item.filename, data) if change else data, zipfile.ZIP_STORED)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)


def csv_rows(path: Path) -> int:
    with open(path, encoding="utf-8", newline="") as fh:
        return sum(1 for _ in csv.reader(fh)) - 1  # without the header


def test_registry_lists_the_four_corpora_with_complete_entries():
    entries = corpora.registry()
    assert set(entries) == SHARED_NAMES
    for entry in entries.values():
        assert len(entry.sha256) == 64 and int(entry.sha256, 16) >= 0
        assert entry.bytes > 0 and entry.license and entry.description and entry.origin
    chat = entries["chat"]
    assert chat.kaggle_filename == "freecodecamp_casual_chatroom.csv"
    assert chat.url is None  # the CSV itself has no download: it is built from GitHub's archive
    assert chat.archive.url == f"https://github.com/freeCodeCamp/open-data/archive/{COMMIT}.zip"
    assert chat.archive.filename == f"open-data-{COMMIT}.zip"
    assert chat.archive.top == f"open-data-{COMMIT}"
    assert chat.archive.members == "gitter-history/archives/*.tsv"
    assert chat.archive.files == 525 and len(set(chat.archive.exclude)) == 12
    assert [n for n, e in entries.items() if e.archive is not None] == ["chat"]


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


def test_chat_offline_names_the_archive_url_and_where_to_put_it(offline):
    archive = corpora.info("chat").archive
    with pytest.raises(corpora.CorpusNotFoundError) as err:
        corpora.resolve("chat")
    msg = str(err.value)
    assert archive.url in msg
    assert str(offline / "cache" / archive.filename) in msg
    assert corpora.MIRROR_ENV in msg and "network is unreachable" in msg
    assert "freecodecamp/all-posts-public-main-chatroom" in msg
    assert not (offline / "cache" / CHAT_CSV).exists()


def test_gitter_rows_follow_the_conversion_rules():
    room, user, first, second = "a" * 24, "b" * 24, "c" * 24, "d" * 24
    tsv = (
        f"{room}\tFCC/Room\t2015-01-02T03:04:05.678Z\t{user}\tann\t{first}\tone\r\n"
        "two\tand a tab\r\n"
        f'{room}\tFCC/Room\t2015-01-02T03:04:06.000Z\t{user}\tann\t{second}\t"quoted"\r\n'
    )
    assert corpora.gitter_rows(tsv) == [
        (first, "2015-01-02T03:04:05.678Z", user, "ann", room, "FCC/Room", "one\r\ntwo\tand a tab"),
        (second, "2015-01-02T03:04:06.000Z", user, "ann", room, "FCC/Room", '"quoted"'),
    ]
    assert corpora.gitter_rows("") == []
    with pytest.raises(ValueError, match="not a Gitter record"):
        corpora.gitter_rows("<html>\r\n")


def test_build_turns_the_shared_archive_into_the_registered_csv(archive_zip, tmp_path):
    cache = tmp_path / "cache"
    path = corpora.build("chat", archive_zip, cache_dir=cache)
    assert path == cache / CHAT_CSV
    assert corpora.sha256_of(path) == corpora.info("chat").sha256
    assert csv_rows(path) == 211_979
    assert os.listdir(cache) == [CHAT_CSV]  # no temporary file left behind


def test_resolve_builds_the_chat_csv_when_only_the_archive_is_there(
    offline, archive_zip, monkeypatch
):
    only_zip = offline / "mirror"
    only_zip.mkdir()
    (only_zip / archive_zip.name).symlink_to(archive_zip)
    monkeypatch.setenv(corpora.MIRROR_ENV, str(only_zip))
    path = corpora.resolve("chat")
    assert path == offline / "cache" / CHAT_CSV
    assert corpora.sha256_of(path) == corpora.info("chat").sha256

    def no_second_build(*args, **kwargs):
        raise AssertionError("the cached CSV should have been used")

    monkeypatch.setattr(corpora, "build", no_second_build)
    assert corpora.resolve("chat") == path


def test_chat_download_fetches_githubs_archive_with_keras_get_file(
    offline, archive_zip, monkeypatch
):
    archive = corpora.info("chat").archive
    # GitHub's archive also holds the 12 rooms the registered CSV leaves out, and a zipped room.
    rooms = f"{archive.top}/gitter-history/archives"
    extra = {
        f"{rooms}/{room}.tsv": (
            f"{'a' * 24}\tFreeCodeCamp/{room}\t2016-01-01T00:00:00.000Z\t{'b' * 24}\tsomeone\t"
            f"{'c' * 24}\tnot in the registered CSV\r\n"
        ).encode()
        for room in archive.exclude
    }
    extra[f"{rooms}-compressed/Help.tsv.zip"] = b"PK"
    github_zip = offline / "github.zip"
    rewrite_zip(archive_zip, github_zip, extra=extra)
    calls = []

    def fake_get_file(fname, origin, file_hash, hash_algorithm, cache_dir, cache_subdir):
        calls.append({"fname": fname, "origin": origin, "file_hash": file_hash})
        target = Path(cache_dir) / cache_subdir / fname
        shutil.copy(github_zip, target)
        return str(target)

    import keras

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    monkeypatch.setattr(corpora, "_download", REAL_DOWNLOAD)
    path = corpora.resolve("chat")
    # The archive's bytes are not pinned (GitHub does not promise them); the built CSV is.
    assert calls == [{"fname": archive.filename, "origin": archive.url, "file_hash": None}]
    assert path == offline / "cache" / CHAT_CSV
    assert corpora.sha256_of(path) == corpora.info("chat").sha256


def test_a_corrupted_archive_is_refused_and_leaves_no_csv(offline, archive_zip):
    archive = corpora.info("chat").archive
    cache = offline / "cache"
    cache.mkdir()
    with zipfile.ZipFile(archive_zip) as zf:
        room = next(m for m in archive.select(zf.namelist()) if zf.getinfo(m).file_size > 0)

    def alter(name, data):
        if name != room:
            return data
        assert data.endswith(b"\r\n")
        return data[:-2] + b" (altered)" + data[-2:]  # the last message of one room

    rewrite_zip(archive_zip, cache / archive.filename, change=alter)
    with pytest.raises(corpora.CorpusChecksumError, match="does not match the registered sha256"):
        corpora.resolve("chat")
    assert os.listdir(cache) == [archive.filename]  # no CSV, not even a partial one


@pytest.mark.parametrize("kind", ["not a zip", "another commit"])
def test_an_unusable_archive_is_refused_and_leaves_no_csv(offline, kind):
    archive = corpora.info("chat").archive
    cache = offline / "cache"
    cache.mkdir()
    if kind == "not a zip":
        (cache / archive.filename).write_bytes(b"<html>rate limit exceeded</html>")
        expected = "not a readable zip archive"
    else:
        with zipfile.ZipFile(cache / archive.filename, "w") as zf:
            zf.writestr("open-data-0000000/gitter-history/archives/Room.tsv", "")
        expected = "not 525"
    with pytest.raises(corpora.CorpusChecksumError, match=expected) as err:
        corpora.resolve("chat")
    assert str(cache / archive.filename) in str(err.value)
    assert os.listdir(cache) == [archive.filename]


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
    assert (
        calls["file_hash"] == corpora.info("tinyshakespeare").sha256 and calls["algo"] == "sha256"
    )


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
    assert 'Can we rename this room to "Free Association"?' in set(chat["text"])


def test_unquote_tsv():
    import pandas as pd

    texts = pd.Series(['"or ""staff"" chat"', "plain", '"a\nb"', '"'])
    assert corpora.unquote_tsv(texts).tolist() == ['or "staff" chat', "plain", "a\nb", '"']


def test_sha256_of_matches_hashlib(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"robo" * 1000)
    assert corpora.sha256_of(path) == hashlib.sha256(b"robo" * 1000).hexdigest()
