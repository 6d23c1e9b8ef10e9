"""Generating text from a trained model (introduced in notebook 03).

:func:`generate` is the classic loop made safe and quicker: it keeps the last ``window`` ids,
encodes them with the recipe, runs the model with ``predict_on_batch`` (a compiled call, far
cheaper than ``model.predict``'s per-call set-up or an eager ``model(x)``), samples the next character with :mod:`helpers.sampling`, and
slides the window. Several samples (for example several temperatures from the same seed) run
together as one batch.

:func:`generate_from_checkpoint` does everything from a saved ``.keras`` file in one call.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import keras
import numpy as np

from helpers import checkpoint, sampling
from helpers.recipes import Recipe
from helpers.vocab import Vocabulary


def next_distributions(model: keras.Model, recipe: Recipe, vocab: Vocabulary,
                       contexts: np.ndarray) -> np.ndarray:
    """The model's next-character probabilities for a batch of id windows ``(batch, window)``."""
    x = recipe.encode_contexts(contexts, vocab.size)
    return np.asarray(model.predict_on_batch(x))


def generate(
    model: keras.Model,
    vocab: Vocabulary,
    recipe: Recipe,
    seed_text: str,
    length: int,
    temperature: float | Sequence[float] = 1.0,
    seed: int | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
) -> str | list[str]:
    """Generate ``length`` characters after ``seed_text``.

    Args:
        model: A trained model of ``recipe``.
        vocab: Its vocabulary; characters of ``seed_text`` outside it follow the vocabulary's
            policy (by default a clear error listing them).
        recipe: Its preprocessing.
        seed_text: Text to start from (lower-cased if the recipe is; padded if short).
        length: Characters to generate.
        temperature: One temperature, or a list: one sample per temperature, same seed text.
        seed: Seed of the sampling, for reproducible text.
        top_k: Sample among the ``k`` most likely characters.
        top_p: Nucleus sampling threshold.

    Returns:
        The generated text (without the seed), or a list of texts for a list of temperatures.
    """
    if length < 0:
        raise ValueError(f"length must be >= 0; got {length}.")
    temps = [temperature] if np.isscalar(temperature) else list(temperature)
    temps = [sampling.check_temperature(t) for t in temps]
    rng = np.random.default_rng(seed)
    context = recipe.context(seed_text, vocab)
    contexts = np.repeat(context[None, :], len(temps), axis=0)
    out = np.empty((len(temps), length), dtype=np.int64)
    for step in range(length):
        probs = next_distributions(model, recipe, vocab, contexts)
        for row, temp in enumerate(temps):
            out[row, step] = sampling.sample(probs[row], temp, rng, top_k=top_k, top_p=top_p)
        contexts = np.concatenate([contexts[:, 1:], out[:, step : step + 1]], axis=1)
    texts = [vocab.decode(row) for row in out]
    return texts[0] if np.isscalar(temperature) else texts


def generate_from_checkpoint(path: Path | str, seed_text: str, length: int = 200,
                             temperature: float | Sequence[float] = 0.5,
                             seed: int | None = None) -> str | list[str]:
    """Load a checkpoint written by :func:`helpers.checkpoint.save` and generate text from it.

    Raises:
        helpers.checkpoint.CheckpointError: If ``seed_text`` has characters the checkpoint's
            vocabulary lacks (the message lists them), or the file is not a course checkpoint.
    """
    ckpt = checkpoint.load(path, text=seed_text, compile=False)
    return generate(ckpt.model, ckpt.vocab, ckpt.recipe, seed_text, length, temperature, seed)
