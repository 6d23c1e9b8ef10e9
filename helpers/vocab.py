"""Characters <-> integer ids (introduced in notebook 02).

A :class:`Vocabulary` is the sorted list of distinct characters of a text, so the same text always
gives the same ids. It is saved as JSON next to (and inside) every checkpoint: a model is useless
without the exact mapping it was trained with.

Characters outside the vocabulary follow an explicit policy chosen when the vocabulary is made:

* ``"error"`` (the default): raise :class:`UnknownCharactersError`, listing them;
* ``"replace"``: map each to ``replacement`` (which must be in the vocabulary);
* ``"drop"``: leave them out.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

POLICIES = ("error", "replace", "drop")
FORMAT = "robo-nietzsche/vocabulary"


class UnknownCharactersError(ValueError):
    """A text holds characters that the vocabulary does not."""

    def __init__(self, unknown: Counter[str], size: int):
        self.unknown = unknown
        listed = ", ".join(f"{c!r} ({n}x)" for c, n in unknown.most_common(10))
        more = f" and {len(unknown) - 10} more" if len(unknown) > 10 else ""
        super().__init__(
            f"{len(unknown)} character(s) are not in the {size}-character vocabulary: "
            f"{listed}{more}. Lower-case or clean the text the way the training text was, or make "
            "the vocabulary with oov='replace' (mapping them to a known character) or oov='drop'."
        )


class Vocabulary:
    """A sorted character vocabulary with an out-of-vocabulary policy.

    Args:
        chars: The characters; duplicates are refused and the order is kept as given
            (:meth:`from_text` sorts them).
        oov: What to do with unknown characters: ``"error"``, ``"replace"`` or ``"drop"``.
        replacement: The character unknown ones become under ``oov="replace"``.

    Raises:
        ValueError: On an empty vocabulary, duplicates, strings that are not single characters,
            an unknown policy, or a replacement that is not in the vocabulary.
    """

    def __init__(self, chars: Iterable[str], oov: str = "error", replacement: str | None = None):
        chars = list(chars)
        if not chars:
            raise ValueError("A vocabulary needs at least one character; the text was empty.")
        if any(not isinstance(c, str) or len(c) != 1 for c in chars):
            raise ValueError("Every vocabulary entry must be a single character.")
        if len(set(chars)) != len(chars):
            raise ValueError("The vocabulary lists a character twice.")
        if oov not in POLICIES:
            raise ValueError(f"oov must be one of {POLICIES}, not {oov!r}.")
        if oov == "replace" and (replacement is None or replacement not in chars):
            raise ValueError(
                f"oov='replace' needs a replacement character that is in the vocabulary; "
                f"{replacement!r} is not. A space is a common choice."
            )
        self.chars: tuple[str, ...] = tuple(chars)
        self.oov = oov
        self.replacement = replacement if oov == "replace" else None
        self.char_to_id: dict[str, int] = {c: i for i, c in enumerate(self.chars)}
        codes = np.array([ord(c) for c in self.chars], dtype=np.int64)
        self._order = np.argsort(codes)
        self._sorted_codes = codes[self._order]

    @classmethod
    def from_text(cls, text: str, oov: str = "error", replacement: str | None = None) -> Vocabulary:
        """Build the vocabulary of ``text``: its distinct characters, sorted by code point."""
        return cls(sorted(set(text)), oov=oov, replacement=replacement)

    def __len__(self) -> int:
        return len(self.chars)

    @property
    def size(self) -> int:
        """Number of characters."""
        return len(self.chars)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vocabulary) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.chars, self.oov, self.replacement))

    def __repr__(self) -> str:
        shown = "".join(self.chars)
        return f"Vocabulary(size={self.size}, oov={self.oov!r}, chars={shown!r})"

    def unknown(self, text: str) -> Counter[str]:
        """Count the characters of ``text`` that are not in the vocabulary."""
        return Counter(c for c in text if c not in self.char_to_id)

    def encode(self, text: str) -> np.ndarray:
        """Turn text into an ``int32`` array of ids, vectorized.

        Raises:
            UnknownCharactersError: Under ``oov="error"``, if ``text`` has unknown characters.
        """
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        pos = np.searchsorted(self._sorted_codes, codes)
        pos_clipped = np.minimum(pos, len(self._sorted_codes) - 1)
        known = self._sorted_codes[pos_clipped] == codes
        ids = self._order[pos_clipped].astype(np.int32)
        if not known.all():
            if self.oov == "error":
                raise UnknownCharactersError(self.unknown(text), self.size)
            if self.oov == "replace":
                ids[~known] = self.char_to_id[self.replacement]  # type: ignore[index]
            else:
                ids = ids[known]
        return ids

    def decode(self, ids: Iterable[int] | np.ndarray) -> str:
        """Turn ids back into text.

        Raises:
            ValueError: If an id is outside ``0 .. size - 1``.
        """
        arr = np.asarray(ids, dtype=np.int64).ravel()
        if arr.size and (arr.min() < 0 or arr.max() >= self.size):
            raise ValueError(f"ids must lie in 0..{self.size - 1}; got {arr.min()}..{arr.max()}.")
        return "".join(self.chars[i] for i in arr.tolist())

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready description of the vocabulary."""
        return {
            "format": FORMAT,
            "version": 1,
            "chars": list(self.chars),
            "oov": self.oov,
            "replacement": self.replacement,
        }

    def to_json(self) -> str:
        """Return the vocabulary as a JSON string (non-ASCII characters kept readable)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Vocabulary:
        """Rebuild a vocabulary from :meth:`to_dict` output.

        Raises:
            ValueError: If ``data`` is not a saved vocabulary.
        """
        if data.get("format") != FORMAT or "chars" not in data:
            raise ValueError("This is not a saved Robo-Nietzsche vocabulary (no 'format' marker).")
        return cls(data["chars"], oov=data.get("oov", "error"), replacement=data.get("replacement"))

    @classmethod
    def from_json(cls, text: str) -> Vocabulary:
        """Rebuild a vocabulary from :meth:`to_json` output."""
        return cls.from_dict(json.loads(text))

    def save(self, path: Path | str) -> Path:
        """Write the vocabulary to a UTF-8 JSON file and return its path."""
        path = Path(path)
        path.write_text(self.to_json(), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path | str) -> Vocabulary:
        """Read a vocabulary written by :meth:`save`."""
        return cls.from_json(Path(path).read_text(encoding="utf-8"))
