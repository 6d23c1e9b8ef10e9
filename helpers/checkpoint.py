"""One self-describing ``.keras`` file: model, vocabulary and preprocessing (notebooks 03, 04).

The classic tutorials save only the weights; reloaded with a vocabulary rebuilt from a slightly
different text, the model writes gibberish. :func:`save` writes the model as a normal Keras
archive and adds one more member, ``robo_nietzsche.json``, holding the vocabulary and the
:class:`~helpers.recipes.Recipe`. The file is written under a temporary name and renamed, so an
interrupted save never leaves a half-written checkpoint where a good one was.

:func:`load` returns everything needed to generate text, and refuses, with a clear message, a
checkpoint that does not fit the text, vocabulary or recipe you say you will use it with.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras

from helpers import recipes  # noqa: F401  (registers the bits_per_char metric for loading)
from helpers.recipes import Recipe
from helpers.vocab import Vocabulary

MEMBER = "robo_nietzsche.json"
FORMAT = "robo-nietzsche/checkpoint"


class CheckpointError(ValueError):
    """A checkpoint is missing its course metadata or does not fit what it is used with."""


@dataclass
class Checkpoint:
    """A loaded checkpoint.

    Attributes:
        model: The Keras model.
        vocab: The vocabulary it was trained with.
        recipe: How text becomes its input.
        info: Anything else saved with it (epoch, validation bits per character, ...).
    """

    model: keras.Model
    vocab: Vocabulary
    recipe: Recipe
    info: dict[str, Any] = field(default_factory=dict)


def save(path: Path | str, model: keras.Model, vocab: Vocabulary, recipe: Recipe,
         info: dict[str, Any] | None = None) -> Path:
    """Save model, vocabulary and recipe to one ``.keras`` file, atomically.

    Args:
        path: Target file; must end in ``.keras``.
        model: The model.
        vocab: Its vocabulary.
        recipe: Its preprocessing.
        info: Extra JSON-serializable facts to keep (epoch, metrics, corpus hash, ...).

    Returns:
        The path written.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise CheckpointError(f"A checkpoint file must end in .keras, not {path.name!r}.")
    expected = recipe.input_shape(vocab.size)
    actual = tuple(model.input_shape[1:])
    if len(actual) != len(expected) or any(a not in (None, e) for a, e in zip(actual, expected)):
        raise CheckpointError(
            f"The model takes input {actual} but the recipe "
            f"{recipe.name!r} with a {vocab.size}-character vocabulary makes {expected}."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.keras")
    try:
        model.save(tmp)
        meta = {"format": FORMAT, "version": 1, "vocab": vocab.to_dict(),
                "recipe": recipe.to_dict(), "info": info or {}}
        with zipfile.ZipFile(tmp, "a") as archive:
            archive.writestr(MEMBER, json.dumps(meta, ensure_ascii=False, indent=1))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def read_metadata(path: Path | str) -> dict[str, Any]:
    """Read the course metadata of a checkpoint without loading the model.

    Raises:
        FileNotFoundError: No such file.
        CheckpointError: Not a ``.keras`` archive, or one saved without :func:`save`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No checkpoint at {path}.")
    try:
        with zipfile.ZipFile(path) as archive:
            if MEMBER not in archive.namelist():
                raise CheckpointError(
                    f"{path} is a Keras model without its vocabulary and preprocessing: it was "
                    "not saved with helpers.checkpoint.save, so it cannot be used safely."
                )
            return json.loads(archive.read(MEMBER).decode("utf-8"))
    except zipfile.BadZipFile:
        raise CheckpointError(f"{path} is not a .keras archive (damaged or another format).") from None


def load(path: Path | str, *, text: str | None = None, vocab: Vocabulary | None = None,
         recipe: Recipe | None = None, compile: bool = True) -> Checkpoint:
    """Load a checkpoint and check that it fits what it will be used with.

    Args:
        path: A file written by :func:`save`.
        text: A text you will feed the model (e.g. a corpus or a seed); refused if it holds
            characters the checkpoint's vocabulary cannot encode.
        vocab: A vocabulary you expect the checkpoint to have.
        recipe: A recipe (window, encoding, ...) you expect the checkpoint to have.
        compile: Restore the optimizer and loss (needed to continue training).

    Raises:
        CheckpointError: When the checkpoint does not fit ``text``, ``vocab`` or ``recipe``.
    """
    meta = read_metadata(path)
    saved_vocab = Vocabulary.from_dict(meta["vocab"])
    saved_recipe = Recipe.from_dict(meta["recipe"])
    if recipe is not None and recipe != saved_recipe:
        raise CheckpointError(
            f"{path} was trained with recipe {saved_recipe}, not {recipe}: its window or "
            "encoding differs, so its input would be misread."
        )
    if vocab is not None and vocab != saved_vocab:
        raise CheckpointError(
            f"{path} has a {saved_vocab.size}-character vocabulary that differs from the given "
            f"{vocab.size}-character one: ids would map to the wrong characters. Use the "
            "checkpoint's own vocabulary (checkpoint.vocab)."
        )
    if text is not None and saved_vocab.oov == "error":
        unknown = saved_vocab.unknown(saved_recipe.prepare(text))
        if unknown:
            listed = ", ".join(repr(c) for c, _ in unknown.most_common(8))
            raise CheckpointError(
                f"{path} cannot read this text: {len(unknown)} of its characters ({listed}) are "
                f"not in the checkpoint's vocabulary. It was trained on {saved_recipe.corpus!r}; "
                "use a text cleaned the same way, or a checkpoint trained on this corpus."
            )
    model = keras.saving.load_model(path, compile=compile)
    return Checkpoint(model=model, vocab=saved_vocab, recipe=saved_recipe, info=meta["info"])

