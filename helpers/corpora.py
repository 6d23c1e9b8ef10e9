"""Find, verify and clean the course's text corpora (introduced in notebook 01).

A corpus is named in the registry ``datasets/registry.json`` (name, upstream URL, sha256, size,
license, description) or given as a path to any local text file. :func:`resolve` finds a
registered file, trying in order:

1. a mirror directory named by the ``ROBO_DATA_MIRROR`` environment variable (CI points it at a
   local copy of the corpora, so tests never download);
2. the repository's cache, ``datasets/cache/`` (git-ignored);
3. Kaggle's input folder, ``/kaggle/input`` (any attached dataset holding the file);
4. a download with :func:`keras.utils.get_file` into that cache, verified by sha256; or, for a
   file built from a source archive (the chat CSV, which has no direct download), :func:`build`
   from that archive, taken from the mirror or the cache or else downloaded into the cache.

Registered files found in 1, 2 or 4 are checked against their sha256 (a built file before it is
kept; the archive itself is not, because GitHub does not promise stable archive bytes). Offline
with nothing cached, :class:`CorpusNotFoundError` names the file to download, its URL and where to
put it.

:func:`load_text` reads and cleans a corpus (UTF-8 only unless told otherwise; BOM, line endings,
Project Gutenberg header/footer, lower-casing) and refuses empty or too-short text.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import json
import os
import re
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from helpers import paths

MIRROR_ENV = "ROBO_DATA_MIRROR"
"""Environment variable naming a directory that holds copies of the registered files."""


class CorpusError(Exception):
    """Base class of every error this module raises."""


class CorpusNotFoundError(CorpusError, FileNotFoundError):
    """A corpus could not be found locally and could not be downloaded."""


class CorpusChecksumError(CorpusError):
    """A registered file's content does not match its recorded sha256.

    Also raised when a source archive is damaged or is not the registered one, so that the file
    built from it would not match.
    """


class CorpusEncodingError(CorpusError, UnicodeDecodeError):
    """A file is not valid in the encoding it was read with."""

    def __init__(self, path: Path, err: UnicodeDecodeError):
        self.path = path
        super().__init__(err.encoding, err.object, err.start, err.end, err.reason)

    def __str__(self) -> str:  # UnicodeDecodeError's own message would hide the advice.
        bad = self.object[self.start : self.start + 8]
        return (
            f"{self.path} is not valid {self.encoding}: byte {self.start} starts {bad!r}. "
            "Convert the file to UTF-8, or pass the encoding it really uses, e.g. "
            "load_text(path, encoding='latin-1') or encoding='cp1252'."
        )


class CorpusTooShortError(CorpusError, ValueError):
    """A text is empty, or too short for the windows asked of it."""


@dataclass(frozen=True)
class ArchiveInfo:
    """The source archive a registered file is built from (the ``archive`` of a registry entry).

    Attributes:
        filename: File name of the archive in the mirror and the cache.
        url: Where the archive is downloaded from (GitHub's zip of a pinned commit).
        top: The single top folder of the archive, e.g. ``"open-data-<commit>"``.
        members: The converted files inside ``top``, as ``folder/pattern``, e.g.
            ``"gitter-history/archives/*.tsv"``.
        exclude: Stems of matching files that are left out (rooms the registered file lacks).
        files: How many files are converted once ``exclude`` is applied.
    """

    filename: str
    url: str
    top: str
    members: str
    exclude: tuple[str, ...]
    files: int

    def select(self, names: Iterable[str]) -> list[str]:
        """Return the archive member names to convert, sorted.

        Args:
            names: All member names of the archive.

        Returns:
            The names under ``top`` that match ``members`` and whose stem is not excluded.
        """
        folder, _, pattern = f"{self.top}/{self.members}".rpartition("/")
        chosen = []
        for name in names:
            parent, _, leaf = name.rpartition("/")
            if parent == folder and fnmatch.fnmatchcase(leaf, pattern):
                if PurePosixPath(leaf).stem not in self.exclude:
                    chosen.append(name)
        return sorted(chosen)


@dataclass(frozen=True)
class CorpusInfo:
    """One entry of the registry.

    Attributes:
        name: Registry key, e.g. ``"nietzsche"``.
        filename: File name in the mirror, the cache and (for downloads) on disk.
        url: Download URL, or ``None`` where no direct download exists.
        origin: Where the file comes from, in words.
        sha256: Hex digest of the exact file.
        bytes: Size of the file in bytes.
        license: License or status of the text.
        description: One line saying what the text is.
        kind: ``"text"`` or ``"csv"``.
        gutenberg: Whether the file carries a Project Gutenberg header and footer.
        kaggle_filename: Name of the equivalent file on Kaggle, if any.
        kaggle_dataset: Kaggle dataset that holds ``kaggle_filename``.
        archive: The source archive the file is built from when no copy is found, if any.
    """

    name: str
    filename: str
    url: str | None
    origin: str
    sha256: str
    bytes: int
    license: str
    description: str
    kind: str = "text"
    gutenberg: bool = False
    kaggle_filename: str | None = None
    kaggle_dataset: str | None = None
    archive: ArchiveInfo | None = None


def registry(path: Path | None = None) -> dict[str, CorpusInfo]:
    """Read the corpus registry.

    Args:
        path: The registry JSON file (default: :data:`helpers.paths.REGISTRY_PATH`).

    Returns:
        A mapping from corpus name to :class:`CorpusInfo`, in file order.
    """
    path = Path(path) if path is not None else paths.REGISTRY_PATH
    raw: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    entries = {}
    for name, fields in raw.items():
        fields = dict(fields)
        archive = fields.pop("archive", None)
        if archive is not None:
            archive = ArchiveInfo(**{**archive, "exclude": tuple(archive.get("exclude", ()))})
        entries[name] = CorpusInfo(name=name, archive=archive, **fields)
    return entries


def info(name: str) -> CorpusInfo:
    """Return the registry entry for ``name``.

    Raises:
        KeyError: With the list of known names, if ``name`` is not registered.
    """
    entries = registry()
    if name not in entries:
        raise KeyError(
            f"No corpus named {name!r} in {paths.REGISTRY_PATH}. "
            f"Known corpora: {', '.join(entries)}; "
            "or pass the path of a local text file."
        )
    return entries[name]


def sha256_of(path: Path | str) -> str:
    """Return the hex sha256 digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _verified(path: Path, entry: CorpusInfo) -> Path:
    actual = sha256_of(path)
    if actual != entry.sha256:
        if entry.archive is not None:
            again = f"rebuild it from the archive {entry.archive.url}"
        else:
            again = f"download {entry.url or 'the original'}"
        raise CorpusChecksumError(
            f"{path} does not match the registered sha256 of {entry.name!r} "
            f"(expected {entry.sha256}, found {actual}). It is a different edition or a damaged "
            f"copy: delete it and load again to {again}."
        )
    return path


def _download(item: CorpusInfo | ArchiveInfo, cache_dir: Path) -> Path:
    """Download a registered file, or a source archive, into ``cache_dir`` with Keras.

    Keras shows a progress bar. A registered file is checked against its sha256; an archive is
    not (GitHub does not promise stable archive bytes), the file built from it is checked instead.
    This is the module's only access to the network.
    """
    from keras.utils import get_file  # Imported here: only a download needs Keras.

    cache_dir.mkdir(parents=True, exist_ok=True)
    got = get_file(
        fname=item.filename,
        origin=item.url,
        file_hash=item.sha256 if isinstance(item, CorpusInfo) else None,
        hash_algorithm="sha256",
        cache_dir=str(cache_dir),
        cache_subdir=".",
    )
    return Path(got)


def _kaggle_candidates(entry: CorpusInfo, kaggle_input: Path) -> list[Path]:
    if not kaggle_input.is_dir():
        return []
    names = [entry.filename] + ([entry.kaggle_filename] if entry.kaggle_filename else [])
    found: list[Path] = []
    for fname in names:
        found.extend(sorted(kaggle_input.glob(f"*/{fname}")))
        found.extend(sorted(kaggle_input.glob(f"*/*/{fname}")))
    return found


def resolve(
    name: str,
    *,
    mirror: Path | str | None = None,
    cache_dir: Path | str | None = None,
    kaggle_input: Path | str | None = None,
    download: bool = True,
) -> Path:
    """Return the local path of a registered corpus, downloading it if needed.

    Args:
        name: Registry name, e.g. ``"nietzsche"``.
        mirror: Directory holding copies of the files; defaults to ``$ROBO_DATA_MIRROR``.
        cache_dir: Where downloaded files are kept; defaults to ``datasets/cache``.
        kaggle_input: Kaggle's read-only input folder; defaults to ``/kaggle/input``.
        download: Whether to try a download when no local copy is found.

    Returns:
        The path of the file. A file from Kaggle's input folder may be the Kaggle edition
        (``kaggle_filename``) and is not checked against the sha256. A file built from its
        source archive is written to the cache.

    Raises:
        CorpusNotFoundError: Nothing local and no download possible; the message says what to
            download and where to put it.
        CorpusChecksumError: A local or downloaded copy has the wrong content, or the file built
            from a source archive does (nothing is then kept).
    """
    entry = info(name)
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_ENV) or None
    cache_dir = Path(cache_dir if cache_dir is not None else paths.CACHE_DIR)
    kaggle_input = Path(kaggle_input if kaggle_input is not None else paths.KAGGLE_INPUT)
    if mirror is not None:
        candidate = Path(mirror).expanduser() / entry.filename
        if candidate.is_file():
            return _verified(candidate, entry)
    candidate = cache_dir / entry.filename
    if candidate.is_file():
        return _verified(candidate, entry)
    kaggle = _kaggle_candidates(entry, kaggle_input)
    if kaggle:
        return kaggle[0]
    if entry.archive is not None:
        return _resolve_from_archive(entry, mirror, cache_dir, download)
    problem = ""
    if download and entry.url:
        try:
            return _verified(_download(entry, cache_dir), entry)
        except CorpusChecksumError:
            raise
        except Exception as exc:  # Offline, DNS failure, HTTP error...
            problem = f"The download failed ({type(exc).__name__}: {exc}). "
    elif not entry.url:
        problem = "This file has no direct download. "
    where = f" from {entry.url}" if entry.url else ""
    kaggle_hint = (
        f" On Kaggle, attach the dataset {entry.kaggle_dataset!r} (file {entry.kaggle_filename})."
        if entry.kaggle_dataset
        else ""
    )
    raise CorpusNotFoundError(
        f"Corpus {name!r} ({entry.filename}) was not found. {problem}"
        f"Download it{where} and put it at {cache_dir / entry.filename}, or set {MIRROR_ENV} to a "
        f"folder that holds {entry.filename}.{kaggle_hint} Origin: {entry.origin}."
    )


def _resolve_from_archive(
    entry: CorpusInfo, mirror: Path | str | None, cache_dir: Path, download: bool
) -> Path:
    """Build ``entry`` from its source archive: local (mirror, then cache) or downloaded."""
    archive = entry.archive
    assert archive is not None
    places = ([Path(mirror).expanduser()] if mirror is not None else []) + [cache_dir]
    for place in places:
        if (place / archive.filename).is_file():
            return build(entry.name, place / archive.filename, cache_dir=cache_dir)
    problem = "Downloads are turned off (download=False). "
    if download:
        try:
            got = _download(archive, cache_dir)
        except Exception as exc:  # Offline, DNS failure, HTTP error...
            problem = f"Its source archive could not be downloaded ({type(exc).__name__}: {exc}). "
        else:
            return build(entry.name, got, cache_dir=cache_dir)
    kaggle_hint = (
        f" On Kaggle you can instead attach the dataset {entry.kaggle_dataset!r} "
        f"(file {entry.kaggle_filename}), which is used as it is."
        if entry.kaggle_dataset
        else ""
    )
    raise CorpusNotFoundError(
        f"Corpus {entry.name!r} ({entry.filename}) was not found, and it could not be built. "
        f"{problem}Download the archive {archive.url} and put it at "
        f"{cache_dir / archive.filename}, or set {MIRROR_ENV} to a folder that holds "
        f"{archive.filename} (or {entry.filename} itself); the file is then built from the "
        f"archive on first use.{kaggle_hint} Origin: {entry.origin}."
    )


def build(name: str, archive_path: Path | str, *, cache_dir: Path | str | None = None) -> Path:
    """Build a registered file from its source archive, verify it and keep it in the cache.

    The file is written under a temporary name, checked against the registered sha256 and only
    then renamed, so an interrupted or wrong build never leaves a file that looks finished.

    Args:
        name: Registry name of a file that has an ``archive``, e.g. ``"chat"``.
        archive_path: The archive, e.g. GitHub's zip of the pinned commit.
        cache_dir: Where the built file is kept; defaults to ``datasets/cache``.

    Returns:
        The path of the built file, ``cache_dir / filename``.

    Raises:
        ValueError: ``name`` has no source archive in the registry.
        CorpusChecksumError: The archive is unreadable or not the registered one, or the built
            file does not match the registered sha256; no file is kept.
    """
    entry = info(name)
    archive = entry.archive
    if archive is None:
        raise ValueError(f"{name!r} has no source archive in the registry; use resolve({name!r}).")
    archive_path = Path(archive_path)
    cache_dir = Path(cache_dir if cache_dir is not None else paths.CACHE_DIR)
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / entry.filename
    partial = cache_dir / f"{entry.filename}.{os.getpid()}.part"
    advice = (
        f"It is damaged or not the archive of the pinned commit: delete or replace {archive_path} "
        f"and load again (a deleted archive is downloaded again from {archive.url})."
    )
    print(f"Building {entry.filename} from {archive_path} ({archive.files} files)...")
    try:
        try:
            write_chat_csv(archive_path, partial, archive)
        except (zipfile.BadZipFile, zlib.error, EOFError) as err:
            raise CorpusChecksumError(
                f"{archive_path} is not a readable zip archive ({err}). {advice}"
            ) from err
        actual = sha256_of(partial)
        if actual != entry.sha256:
            raise CorpusChecksumError(
                f"The file built from {archive_path} does not match the registered sha256 of "
                f"{name!r} (expected {entry.sha256}, found {actual}), so it was not kept. {advice}"
            )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


_GUTENBERG_START = re.compile(
    r"^\*\*\* ?START OF (?:THIS|THE) PROJECT GUTENBERG EBOOK[^\n]*\n", re.MULTILINE | re.IGNORECASE
)
_GUTENBERG_END = re.compile(
    r"^(?:\*\*\* ?END OF (?:THIS|THE) PROJECT GUTENBERG EBOOK|End of (?:the )?Project Gutenberg)",
    re.MULTILINE | re.IGNORECASE,
)


def strip_gutenberg(text: str) -> str:
    """Remove a Project Gutenberg header and footer, if present.

    The header ends at the ``*** START OF THIS PROJECT GUTENBERG EBOOK ... ***`` line; the footer
    starts at ``End of Project Gutenberg's ...`` or ``*** END OF ...``, whichever comes first.
    Text without the markers is returned unchanged (apart from surrounding whitespace).
    """
    start = _GUTENBERG_START.search(text)
    if start:
        text = text[start.end() :]
    end = _GUTENBERG_END.search(text)
    if end:
        text = text[: end.start()]
    return text.strip() + "\n" if (start or end) else text


def clean(
    text: str,
    *,
    lower: bool = False,
    gutenberg: bool = False,
    newlines: bool = True,
    bom: bool = True,
) -> str:
    """Apply the course's text options.

    Args:
        text: Raw text.
        lower: Lower-case everything (both classic recipes do).
        gutenberg: Strip a Project Gutenberg header and footer.
        newlines: Turn ``\\r\\n`` and lone ``\\r`` into ``\\n``.
        bom: Drop byte-order marks (``\\ufeff``) wherever they appear.

    Returns:
        The cleaned text.
    """
    if bom:
        text = text.replace("\ufeff", "")
    if newlines:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if gutenberg:
        text = strip_gutenberg(text)
    if lower:
        text = text.lower()
    return text


def read_file(path: Path | str, encoding: str = "utf-8") -> str:
    """Read a text file strictly, without Python's newline translation.

    Args:
        path: The file.
        encoding: Its encoding; UTF-8 unless you know better.

    Raises:
        CorpusNotFoundError: The file does not exist.
        CorpusEncodingError: The bytes are not valid in ``encoding`` (no silent mojibake).
    """
    path = Path(path)
    if not path.is_file():
        raise CorpusNotFoundError(f"No file at {path}: check the path, or use a registered name.")
    data = path.read_bytes()
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise CorpusEncodingError(path, err) from None


def require_length(text: str, needed: int, purpose: str = "") -> str:
    """Raise unless ``text`` has at least ``needed`` characters.

    Args:
        text: The text to check.
        needed: Minimum number of characters.
        purpose: What the characters are for, quoted in the message.

    Returns:
        ``text`` unchanged, so the call can be chained.

    Raises:
        CorpusTooShortError: With the length found and the length needed.
    """
    if len(text) == 0:
        raise CorpusTooShortError(
            f"The text is empty{' ' + purpose if purpose else ''}: it needs at least {needed} "
            "characters. Check the file and the cleaning options (a Gutenberg strip can remove "
            "everything from a file that is only a header)."
        )
    if len(text) < needed:
        raise CorpusTooShortError(
            f"The text has {len(text)} characters but needs at least {needed}"
            f"{' ' + purpose if purpose else ''}. Use a longer text or a shorter window."
        )
    return text


def load_text(
    source: str | Path | Sequence[str | Path],
    *,
    lower: bool = False,
    gutenberg: bool | None = None,
    encoding: str = "utf-8",
    min_length: int = 1,
    separator: str = "\n\n",
) -> str:
    """Load and clean one corpus, or several joined into one mixed corpus.

    Args:
        source: A registry name (``"nietzsche"``), a path to a local text file, or a list of
            either, joined with ``separator`` in the order given.
        lower: Lower-case the text.
        gutenberg: Strip a Project Gutenberg header and footer; ``None`` does so for registry
            entries marked as Gutenberg files and for local files that carry the markers.
        encoding: Encoding of local files (registered files are UTF-8).
        min_length: Smallest acceptable length of the cleaned text.
        separator: Text placed between joined sources.

    Returns:
        The cleaned text. Line endings are always ``\\n`` and BOMs are always dropped.

    Raises:
        CorpusNotFoundError, CorpusChecksumError, CorpusEncodingError, CorpusTooShortError.
    """
    if isinstance(source, (list, tuple)):
        if not source:
            raise CorpusTooShortError("No sources given: pass at least one name or path.")
        parts = [load_text(s, lower=lower, gutenberg=gutenberg, encoding=encoding) for s in source]
        return require_length(separator.join(parts), min_length, "after joining the sources")
    source = str(source)
    names = registry()
    if source in names:
        entry = names[source]
        if entry.kind != "text":
            raise ValueError(f"{source!r} is a {entry.kind} file: use load_chat() for it.")
        raw = read_file(resolve(source))
        strip = entry.gutenberg if gutenberg is None else gutenberg
    else:
        path = Path(source).expanduser()
        if not path.is_file():
            raise CorpusNotFoundError(
                f"{source!r} is neither a registered corpus ({', '.join(names)}) nor a file: "
                "check the spelling or the path."
            )
        raw = read_file(path, encoding=encoding)
        strip = bool(_GUTENBERG_START.search(raw)) if gutenberg is None else gutenberg
    text = clean(raw, lower=lower, gutenberg=strip)
    return require_length(text, min_length, f"in {source}")


# ----------------------------------------------------------------------------- chat data
CAMPERBOT_ID = "55b977f00fc9f982beab7883"
"""``fromUser.id`` of CamperBot, the freeCodeCamp chat bot the Kaggle tutorial removes."""

TUTORIAL_USER_ID = "55a7c9e08a7b72f55c3f991e"
"""``fromUser.id`` of the user whose main-room messages the Kaggle tutorial trains on."""


CHAT_COLUMNS = ("id", "sent", "fromUser.id", "fromUser.username", "room_id", "room", "text")
"""Columns of the chat CSV built from the Gitter archive."""

_GITTER_RECORD = re.compile(
    r"[0-9a-f]{24}\t[^\t]*\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\t"
    r"[0-9a-f]{24}\t[^\t]*\t[0-9a-f]{24}\t"
)
"""The start of a record: room id, room, time, user id, username, message id, then the text."""


def gitter_rows(text: str) -> list[tuple[str, ...]]:
    """Split one Gitter archive TSV file into rows of the chat CSV.

    The file has no header; its columns are ``room_id, room_uri, sent_at, from_userid,
    from_username, message_id, text``, and every record ends with CRLF. A message's text may hold
    tabs and raw line breaks, so a record starts only at a line that matches the first six
    columns; any other line continues the previous message (joined with ``\\n``). The file's final
    newline is dropped before splitting, and each record's final ``\\r`` (from its CRLF) is removed.

    Args:
        text: The whole file, decoded.

    Returns:
        One tuple per message, in file order, with the fields of :data:`CHAT_COLUMNS`.

    Raises:
        ValueError: Text comes before the first record (the file is not a Gitter archive).
    """
    if text.endswith("\n"):
        text = text[:-1]
    records: list[tuple[list[str], list[str]]] = []  # (first six fields, lines of text)
    for line in text.split("\n") if text else []:
        if _GITTER_RECORD.match(line):
            fields = line.split("\t", 6)
            records.append((fields[:6], [fields[6]]))
        elif records:
            records[-1][1].append(line)
        else:
            raise ValueError(f"the first line is not a Gitter record: {line[:80]!r}")
    rows = []
    for (room_id, room, sent, user_id, username, message_id), lines in records:
        message = "\n".join(lines)
        if message.endswith("\r"):
            message = message[:-1]
        rows.append((message_id, sent, user_id, username, room_id, room, message))
    return rows


def write_chat_csv(archive_path: Path | str, target: Path | str, archive: ArchiveInfo) -> int:
    """Convert the Gitter archive's room files into one chat CSV.

    The archive is read member by member (never unpacked to disk). The messages of all rooms are
    sorted by time and message id and written with Python's :mod:`csv` (RFC-4180 quoting, ``\\n``
    row terminator, UTF-8) under a header of :data:`CHAT_COLUMNS`.

    Args:
        archive_path: The zip archive.
        target: The CSV to write (overwritten).
        archive: The registry's description of the archive: which members to convert.

    Returns:
        The number of messages written.

    Raises:
        CorpusChecksumError: The archive does not hold ``archive.files`` room files, or one of
            them is not a UTF-8 Gitter archive file.
        zipfile.BadZipFile: The file is not a readable zip archive.
    """
    rows: list[tuple[str, ...]] = []
    with zipfile.ZipFile(archive_path) as zf:
        members = archive.select(zf.namelist())
        if len(members) != archive.files:
            raise CorpusChecksumError(
                f"{archive_path} holds {len(members)} files matching {archive.top}/"
                f"{archive.members} (without the {len(archive.exclude)} excluded ones), not "
                f"{archive.files}: it is not the archive of the pinned commit. Download "
                f"{archive.url} instead."
            )
        for member in members:
            try:
                rows.extend(gitter_rows(zf.read(member).decode("utf-8")))
            except (UnicodeDecodeError, ValueError) as err:
                raise CorpusChecksumError(
                    f"{member} in {archive_path} is not a UTF-8 Gitter archive file ({err}). "
                    f"Download {archive.url} again."
                ) from err
    rows.sort(key=lambda row: (row[1], row[0]))
    with open(target, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CHAT_COLUMNS)
        writer.writerows(rows)
    return len(rows)


def load_chat(columns: Iterable[str] = ("fromUser.id", "fromUser.username", "text")) -> Any:
    """Load the freeCodeCamp chat messages as a pandas DataFrame.

    Uses Kaggle's ``freecodecamp_casual_chatroom.csv`` when it is attached under
    ``/kaggle/input``, otherwise the registered CSV converted from freeCodeCamp's Gitter archive
    (a stand-in with the same ``fromUser.id`` and ``text`` columns). Where no copy of that CSV is
    found, it is built from the pinned archive on first use (see :func:`resolve`).

    Args:
        columns: Columns to read; ``fromUser.username`` is dropped silently if the file lacks it.

    Returns:
        A DataFrame with one row per message; ``text`` is a string column with no missing values.
    """
    import pandas as pd  # Only the chat data needs pandas.

    path = resolve("chat")
    header = pd.read_csv(path, nrows=0).columns
    usecols = [c for c in columns if c in header]
    missing = {"fromUser.id", "text"} - set(header)
    if missing:
        raise ValueError(f"{path} lacks the column(s) {sorted(missing)}; is it the chat CSV?")
    frame = pd.read_csv(path, usecols=usecols, dtype=str, keep_default_na=False)[usecols]
    if path.name == info("chat").filename:
        frame["text"] = unquote_tsv(frame["text"])
    return frame


def unquote_tsv(texts: Any) -> Any:
    """Undo the TSV quoting left in the Gitter archive's messages.

    In the archive a message holding a quote, tab or newline was written as ``"..."`` with inner
    quotes doubled; about 8% of the messages still carry that quoting. This removes the outer
    quotes and halves the doubled ones: ``'"or ""staff"" chat"'`` becomes ``'or "staff" chat'``.

    Args:
        texts: A pandas Series of message texts.

    Returns:
        A new Series; unquoted messages are unchanged.
    """
    quoted = texts.str.startswith('"') & texts.str.endswith('"') & (texts.str.len() >= 2)
    fixed = texts.copy()
    fixed[quoted] = texts[quoted].str.slice(1, -1).str.replace('""', '"', regex=False)
    return fixed
