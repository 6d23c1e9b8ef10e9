"""One self-describing ``.keras`` file: model, vocabulary and recipe (introduced in notebook 04).

The classic tutorials save only the weights; reloaded with a vocabulary rebuilt from a slightly
different text, the model writes gibberish. :func:`save` writes the model as a normal Keras
archive and adds one more member, ``robo_nietzsche.json``, holding the vocabulary, the
:class:`~helpers.recipes.Recipe` (with the model's sizes) and the Keras version that wrote it.
The file is written under a temporary name and renamed, so an interrupted save never leaves a
half-written checkpoint where a good one was.

:func:`load` returns everything needed to generate text, and refuses, with a clear message, a
checkpoint that does not fit the text, vocabulary or recipe you say you will use it with.

Keras does not promise that a ``.keras`` file written by one version loads in another: a file
written by Keras 3.15 fails in Colab's 3.13, because an initializer's stored configuration gained
keys the older version does not know. The weights, though, are stored by layer kind and order,
the same in every Keras 3. So :func:`save` checks that the model is its recipe's model, and
:func:`load` rebuilds it with :meth:`~helpers.recipes.Recipe.build` and loads only the weights (and,
to resume training, the optimizer state): that works whichever Keras 3 wrote the file. A model of
another shape (a learner's experiment) is saved too, marked as such, and loaded from its stored
architecture, which needs the same Keras version.
"""

from __future__ import annotations

import io
import json
import os
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras

from helpers import metrics
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


def save(
    path: Path | str,
    model: keras.Model,
    vocab: Vocabulary,
    recipe: Recipe,
    info: dict[str, Any] | None = None,
) -> Path:
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
    if len(actual) != len(expected) or any(
        a not in (None, e) for a, e in zip(actual, expected, strict=True)
    ):
        raise CheckpointError(
            f"The model takes input {actual} but the recipe "
            f"{recipe.name!r} with a {vocab.size}-character vocabulary makes {expected}."
        )
    rebuild = structure(model) == structure(recipe.build(vocab.size, compile=False))
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}.keras")
    try:
        model.save(tmp)
        meta = {
            "format": FORMAT,
            "version": 2,
            "keras": keras.__version__,
            "rebuild_from_recipe": rebuild,
            "vocab": vocab.to_dict(),
            "recipe": recipe.to_dict(),
            "info": info or {},
        }
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
        raise CheckpointError(
            f"{path} is not a .keras archive (damaged or another format)."
        ) from None


def load(
    path: Path | str,
    *,
    text: str | None = None,
    vocab: Vocabulary | None = None,
    recipe: Recipe | None = None,
    compile: bool = True,
) -> Checkpoint:
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
    model = _load_model(Path(path), saved_recipe, saved_vocab, meta, compile)
    return Checkpoint(model=model, vocab=saved_vocab, recipe=saved_recipe, info=meta["info"])


def structure(model: keras.Model) -> list[tuple[Any, ...]]:
    """What must agree for weights to move between two models: each layer's kind, weight shapes,
    dropout rate and whether it returns sequences."""
    return [
        (
            type(layer).__name__,
            [tuple(w.shape) for w in layer.weights],
            getattr(layer, "rate", None),
            getattr(layer, "return_sequences", None),
        )
        for layer in model.layers
    ]


def _load_model(
    path: Path, recipe: Recipe, vocab: Vocabulary, meta: dict[str, Any], compile: bool
) -> keras.Model:
    """Rebuild the model from its recipe and load its weights; for a model that is not its
    recipe's, deserialize the stored architecture (same Keras version only)."""
    if meta.get("rebuild_from_recipe", True):
        with _float32_policy():  # a notebook may have set mixed precision globally
            model = recipe.build(vocab.size, compile=compile)
        try:
            # The optimizer state is restored when the file holds one (a run's state does; a model
            # saved before training or shipped without it does not: its optimizer starts afresh).
            with_state = compile and _saved_optimizer(path)[0] == _optimizer_size(model)
            return load_weights_into(model, path, optimizer=with_state)
        except (ValueError, CheckpointError) as err:
            if "rebuild_from_recipe" in meta:  # saved by this version of the course: must work
                raise CheckpointError(f"{path} does not fit its recipe's model: {err}") from err
            # An early checkpoint whose recipe lacks the sizes: try its stored architecture.
    metrics.bits_per_char_metric()  # registers the metric class for compiled loading
    try:
        return keras.saving.load_model(path, compile=compile)
    except Exception as err:
        written = meta.get("keras", "an unknown version")
        raise CheckpointError(
            f"{path} holds a model that is not its recipe's model, and Keras {keras.__version__} "
            f"cannot read its stored architecture ({type(err).__name__}: {err}). It was written by "
            f"Keras {written}: load it there, or save a model built by recipe.build()."
        ) from err


class _float32_policy:
    """Build models under the float32 policy, whatever the global policy is."""

    def __enter__(self) -> None:
        self.saved = keras.config.dtype_policy()
        keras.config.set_dtype_policy("float32")

    def __exit__(self, *exc: Any) -> None:
        keras.config.set_dtype_policy(self.saved)


def _saved_optimizer(path: Path | str) -> tuple[int, int | None]:
    """How many optimizer variables a checkpoint holds, and its step count."""
    import h5py

    with zipfile.ZipFile(path) as archive:
        data = io.BytesIO(archive.read("model.weights.h5"))
    with h5py.File(data, "r") as weights:
        group = weights.get("optimizer/vars")
        if group is None or len(group) == 0:
            return 0, None
        return len(group), int(group["0"][()])


def _optimizer_size(model: keras.Model) -> int:
    """Variables of the model's optimizer once built (0 for an uncompiled model)."""
    if getattr(model, "optimizer", None) is None:
        return 0
    model.optimizer.build(model.trainable_variables)
    return len(model.optimizer.variables)


def load_weights_into(model: keras.Model, path: Path | str, optimizer: bool = True) -> keras.Model:
    """Load a checkpoint's weights (and, to resume training, its optimizer state) into a model
    built by its recipe.

    Only the weights are read, never the stored architecture, so this works whichever Keras 3
    version wrote the file. Keras itself only warns when it cannot restore an optimizer; this
    checks that the optimizer really was restored.

    Args:
        model: A model built by ``recipe.build(vocab.size)`` for the checkpoint's recipe.
        path: The checkpoint.
        optimizer: Also restore the optimizer's state (the model must be compiled and the file
            must hold an optimizer state, as a run's ``state.keras`` does).

    Returns:
        ``model``, with the weights loaded.

    Raises:
        CheckpointError: If the optimizer state is missing or does not fit.
        ValueError: If the layers do not fit (Keras' own message).
    """
    restore = optimizer and getattr(model, "optimizer", None) is not None
    if restore:
        count, steps = _saved_optimizer(path)
        if count == 0:
            raise CheckpointError(f"{path} holds no optimizer state, so training cannot resume.")
        if _optimizer_size(model) != count:  # building it first, else Keras would only warn
            raise CheckpointError(
                f"{path} holds the state of another optimizer ({count} variables, this model's "
                f"{type(model.optimizer).__name__} has {len(model.optimizer.variables)})."
            )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Skipping variable loading for optimizer")
        model.load_weights(path)
    if restore and int(model.optimizer.iterations.numpy()) != steps:
        raise CheckpointError(f"The optimizer state of {path} was not restored.")
    return model
