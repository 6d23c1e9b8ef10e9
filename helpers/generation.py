"""Generating text from a trained model (introduced in notebook 04).

Generation asks the model's recipe how it generates (:attr:`helpers.recipes.Recipe.generation`):

* ``"windowed"`` (the classic recipes): keep the last ``window`` ids, encode them as the recipe
  does, run the model with ``predict_on_batch`` (a compiled call, far cheaper than
  ``model.predict``'s per-call set-up), sample the next character, slide the window;
* ``"stateful"`` (models trained at every position): feed one character at a time through a NumPy
  copy of the model (:class:`helpers.lstm.CharLSTM`), carrying the LSTM state, so each new
  character costs one step instead of a whole window.

Several samples (for example several temperatures from the same seed text) advance together as one
batch. :func:`stream` yields the characters as they are made; :func:`generate` collects them;
:func:`generate_from_checkpoint` does everything from a saved ``.keras`` file in one call.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import keras
import numpy as np

from helpers import checkpoint, sampling
from helpers.lstm import CharLSTM
from helpers.recipes import Recipe
from helpers.vocab import Vocabulary


def next_distributions(
    model: keras.Model, vocab: Vocabulary, recipe: Recipe, contexts: np.ndarray
) -> np.ndarray:
    """The model's next-character probabilities for a batch of id windows ``(batch, window)``.

    For a model that predicts at every position, the prediction after the last position.
    """
    out = np.asarray(model.predict_on_batch(recipe.encode_inputs(contexts, vocab.size)))
    return out.reshape(len(out), -1, vocab.size)[:, -1, :]


class WindowedPredictor:
    """Next-character probabilities from the last ``window`` characters, re-read every step.

    Args:
        model: A trained model of ``recipe``.
        vocab: Its vocabulary.
        recipe: Its recipe.
    """

    def __init__(self, model: keras.Model, vocab: Vocabulary, recipe: Recipe):
        self.model, self.vocab, self.recipe = model, vocab, recipe
        self.contexts = np.zeros((1, recipe.window), dtype=np.int32)

    def start(self, seed_text: str, batch: int) -> np.ndarray:
        """Read the seed text (padded if shorter than the window); return ``(batch, V)``."""
        context = self.recipe.context(seed_text, self.vocab)
        self.contexts = np.repeat(context[None, :], batch, axis=0)
        return next_distributions(self.model, self.vocab, self.recipe, self.contexts)

    def step(self, ids: np.ndarray) -> np.ndarray:
        """Append one character per sample, drop the oldest; return ``(batch, V)``."""
        new = np.asarray(ids, dtype=self.contexts.dtype)[:, None]
        self.contexts = np.concatenate([self.contexts[:, 1:], new], axis=1)
        return next_distributions(self.model, self.vocab, self.recipe, self.contexts)


class StatefulPredictor:
    """Next-character probabilities from a state carried from character to character.

    Args:
        model: A trained model of ``recipe`` (see :class:`helpers.lstm.CharLSTM`).
        vocab: Its vocabulary.
        recipe: Its recipe.
    """

    def __init__(self, model: keras.Model, vocab: Vocabulary, recipe: Recipe):
        self.vocab, self.recipe = vocab, recipe
        self.lstm = CharLSTM(model, recipe, vocab.size)

    def start(self, seed_text: str, batch: int) -> np.ndarray:
        """Read the whole seed text; return ``(batch, V)``."""
        return self.lstm.prime(self.vocab.encode(self.recipe.prepare(seed_text)), batch)

    def step(self, ids: np.ndarray) -> np.ndarray:
        """Read one character per sample; return ``(batch, V)``."""
        return self.lstm.step(ids)


PREDICTORS = {"windowed": WindowedPredictor, "stateful": StatefulPredictor}
"""The predictor for each way a recipe generates."""


def predictor(
    model: keras.Model, vocab: Vocabulary, recipe: Recipe
) -> WindowedPredictor | StatefulPredictor:
    """The predictor the recipe asks for (:attr:`helpers.recipes.Recipe.generation`)."""
    return PREDICTORS[recipe.generation](model, vocab, recipe)


def stream(
    model: keras.Model,
    vocab: Vocabulary,
    recipe: Recipe,
    seed_text: str,
    length: int = 200,
    temperature: float | Sequence[float] = 0.8,
    n_samples: int = 1,
    seed: int | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
) -> Iterator[tuple[str, ...]]:
    """Yield generated characters as they are produced, one tuple per step.

    Args:
        model: A trained model of ``recipe``.
        vocab: Its vocabulary; characters of ``seed_text`` outside it follow the vocabulary's
            policy (by default a clear error that lists them).
        recipe: Its recipe (it says how to read the seed text and how to generate).
        seed_text: Text to start from (lower-cased if the recipe is).
        length: Characters to generate per sample.
        temperature: One temperature (0: greedy) for ``n_samples`` samples, or a list of
            temperatures, one sample each, all from the same seed text.
        n_samples: Samples at a single temperature, generated together as one batch.
        seed: Seed of the sampling: the same seed gives the same text.
        top_k: Sample among the ``k`` most likely characters.
        top_p: Nucleus sampling threshold.

    Yields:
        A tuple of one-character strings per step, one per sample.
    """
    if np.isscalar(temperature):
        temps = [sampling.check_temperature(temperature)] * n_samples
    else:
        temps = [sampling.check_temperature(t) for t in temperature]
    if length < 0 or n_samples < 1 or not temps:
        raise ValueError(
            f"length must be >= 0 and there must be at least one sample; got length={length}, "
            f"n_samples={n_samples}, temperature={temperature!r}."
        )
    rng = np.random.default_rng(seed)
    source = predictor(model, vocab, recipe)
    probs = source.start(seed_text, len(temps))
    for _ in range(length):
        if len(set(temps)) == 1:
            ids = np.atleast_1d(sampling.sample(probs, temps[0], rng, top_k=top_k, top_p=top_p))
        else:
            ids = np.array(
                [
                    sampling.sample(row, t, rng, top_k=top_k, top_p=top_p)
                    for row, t in zip(probs, temps, strict=True)
                ]
            )
        yield tuple(vocab.chars[i] for i in ids)
        probs = source.step(ids)


def generate(
    model: keras.Model,
    vocab: Vocabulary,
    recipe: Recipe,
    seed_text: str,
    length: int = 200,
    temperature: float | Sequence[float] = 0.8,
    n_samples: int = 1,
    seed: int | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
) -> str | list[str]:
    """Generate ``length`` characters after ``seed_text`` (arguments as :func:`stream`).

    Returns:
        The generated text (without the seed) for one temperature and one sample, otherwise a
        list of texts: one per temperature, or ``n_samples`` of them.
    """
    steps = list(
        stream(model, vocab, recipe, seed_text, length, temperature, n_samples, seed, top_k, top_p)
    )
    count = n_samples if np.isscalar(temperature) else len(temperature)
    texts = ["".join(step[i] for step in steps) for i in range(count)]
    return texts[0] if np.isscalar(temperature) and n_samples == 1 else texts


def generate_from_checkpoint(
    path: Path | str,
    seed_text: str,
    length: int = 200,
    temperature: float | Sequence[float] = 0.5,
    seed: int | None = None,
) -> str | list[str]:
    """Load a checkpoint written by :func:`helpers.checkpoint.save` and generate text from it.

    Raises:
        helpers.checkpoint.CheckpointError: If ``seed_text`` has characters the checkpoint's
            vocabulary lacks (the message lists them), or the file is not a course checkpoint.
    """
    ckpt = checkpoint.load(path, text=seed_text, compile=False)
    return generate(ckpt.model, ckpt.vocab, ckpt.recipe, seed_text, length, temperature, seed=seed)
