"""Find, verify and clean the course's text corpora (introduced in notebook 01).

A corpus is named in the registry ``datasets/registry.json`` (name, upstream URL, sha256, size,
license, description) or given as a path to any local text file. :func:`resolve` finds a
registered file, trying in order:

1. a mirror directory named by the ``ROBO_DATA_MIRROR`` environment variable (CI points it at a
   local copy of the corpora, so tests never download);
2. the repository's cache, ``datasets/cache/`` (git-ignored);
3. Kaggle's input folder, ``/kaggle/input`` (any attached dataset holding the file);
4. a download with :func:`keras.utils.get_file` into that cache, verified by sha256.

Registered files found in 1, 2 or 4 are checked against their sha256. Offline with nothing cached,
:class:`CorpusNotFoundError` names the file, its URL and where to put it.

:func:`load_text` reads and cleans a corpus (UTF-8 only unless told otherwise; BOM, line endings,
Project Gutenberg header/footer, lower-casing) and refuses empty or too-short text.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MIRROR_ENV = "ROBO_DATA_MIRROR"
"""Environment variable naming a directory that holds copies of the registered files."""

REPO_ROOT = Path(__file__).resolve().parent.parent
DATASETS_DIR = REPO_ROOT / "datasets"
REGISTRY_PATH = DATASETS_DIR / "registry.json"
CACHE_DIR = DATASETS_DIR / "cache"
KAGGLE_INPUT = Path("/kaggle/input")


class CorpusError(Exception):
    """Base class of every error this module raises."""


class CorpusNotFoundError(CorpusError, FileNotFoundError):
    """A corpus could not be found locally and could not be downloaded."""


class CorpusChecksumError(CorpusError):
    """A registered file's content does not match its recorded sha256."""


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


def registry(path: Path = REGISTRY_PATH) -> dict[str, CorpusInfo]:
    """Read the corpus registry.

    Args:
        path: The registry JSON file.

    Returns:
        A mapping from corpus name to :class:`CorpusInfo`, in file order.
    """
    raw: dict[str, dict[str, Any]] = json.loads(Path(path).read_text(encoding="utf-8"))
    return {name: CorpusInfo(name=name, **fields) for name, fields in raw.items()}


def info(name: str) -> CorpusInfo:
    """Return the registry entry for ``name``.

    Raises:
        KeyError: With the list of known names, if ``name`` is not registered.
    """
    entries = registry()
    if name not in entries:
        raise KeyError(
            f"No corpus named {name!r} in {REGISTRY_PATH}. Known corpora: {', '.join(entries)}; "
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
        raise CorpusChecksumError(
            f"{path} does not match the registered sha256 of {entry.name!r} "
            f"(expected {entry.sha256}, found {actual}). It is a different edition or a damaged "
            f"copy: delete it and load again to download {entry.url or 'the original'}."
        )
    return path


def _download(entry: CorpusInfo, cache_dir: Path) -> Path:
    """Download a registered file into ``cache_dir`` with Keras, checking its sha256."""
    from keras.utils import get_file  # Imported here: only a download needs Keras.

    cache_dir.mkdir(parents=True, exist_ok=True)
    got = get_file(
        fname=entry.filename,
        origin=entry.url,
        file_hash=entry.sha256,
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
        (``kaggle_filename``) and is not checked against the sha256.

    Raises:
        CorpusNotFoundError: Nothing local and no download possible; the message says where to
            put the file.
        CorpusChecksumError: A local or downloaded copy has the wrong content.
    """
    entry = info(name)
    mirror = mirror if mirror is not None else os.environ.get(MIRROR_ENV) or None
    cache_dir = Path(cache_dir if cache_dir is not None else CACHE_DIR)
    kaggle_input = Path(kaggle_input if kaggle_input is not None else KAGGLE_INPUT)
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
        parts = [
            load_text(s, lower=lower, gutenberg=gutenberg, encoding=encoding) for s in source
        ]
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


def load_chat(columns: Iterable[str] = ("fromUser.id", "fromUser.username", "text")) -> Any:
    """Load the freeCodeCamp chat messages as a pandas DataFrame.

    Uses Kaggle's ``freecodecamp_casual_chatroom.csv`` when it is attached under
    ``/kaggle/input``, otherwise the registered Gitter archive (a stand-in with the same
    ``fromUser.id`` and ``text`` columns).

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
    quotes and halves the doubled ones, e.g. ``'"or ""staff"" chat"'`` becomes ``'or "staff" chat'``.

    Args:
        texts: A pandas Series of message texts.

    Returns:
        A new Series; unquoted messages are unchanged.
    """
    quoted = texts.str.startswith('"') & texts.str.endswith('"') & (texts.str.len() >= 2)
    fixed = texts.copy()
    fixed[quoted] = texts[quoted].str.slice(1, -1).str.replace('""', '"', regex=False)
    return fixed
