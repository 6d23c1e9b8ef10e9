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
    """The model's next-character probabilities for a batch of id windows ``(batch, window)``.

    For models that predict at every position (notebook 05), the last position's prediction.
    """
    x = recipe.encode_contexts(contexts, vocab.size)
    out = np.asarray(model.predict_on_batch(x))
    return out[:, -1, :] if out.ndim == 3 else out


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


# ----------------------------------------------------------------- stateful one-step generation
def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (np.tanh(0.5 * z) + 1.0)  # overflow-free logistic


class StatefulGenerator:
    """Generate one character at a time, carrying the LSTM state between characters (notebook 05).

    The windowed loop re-reads the whole window for every new character. An Embedding -> LSTM ->
    Dense model can instead *keep* its state: feed one character, get the next distribution and the
    new state. This class copies the trained weights and computes that single step in NumPy, which
    avoids the framework's per-call overhead entirely; any number of samples advance together as one
    batch.

    Args:
        model: A model made of ``Embedding``, one ``LSTM`` (default activations) and ``Dense``
            softmax layers, such as :func:`helpers.recipes.embedding_lstm` builds.

    Raises:
        ValueError: If the model is not of that shape.
    """

    def __init__(self, model: keras.Model):
        layers = {type(layer).__name__: layer for layer in model.layers}
        if set(layers) != {"Embedding", "LSTM", "Dense"} or len(model.layers) != 3:
            raise ValueError("A stateful generator needs an Embedding -> LSTM -> Dense model "
                             f"(notebook 05's); this one has {[type(l).__name__ for l in model.layers]}.")
        lstm = layers["LSTM"]
        if (getattr(lstm.activation, "__name__", "") != "tanh"
                or getattr(lstm.recurrent_activation, "__name__", "") != "sigmoid"
                or not lstm.use_bias):
            raise ValueError("The LSTM must use tanh, sigmoid and a bias (the Keras defaults).")
        self.embeddings = np.asarray(layers["Embedding"].embeddings, dtype=np.float32)
        self.kernel = np.asarray(lstm.cell.kernel, dtype=np.float32)
        self.recurrent = np.asarray(lstm.cell.recurrent_kernel, dtype=np.float32)
        self.bias = np.asarray(lstm.cell.bias, dtype=np.float32)
        self.dense_w = np.asarray(layers["Dense"].kernel, dtype=np.float32)
        self.dense_b = np.asarray(layers["Dense"].bias, dtype=np.float32)
        self.units = self.recurrent.shape[0]
        # The embedding's contribution to the gates, precomputed for every character.
        self.input_gates = self.embeddings @ self.kernel + self.bias
        self.reset(1)

    def reset(self, batch: int = 1) -> None:
        """Start ``batch`` fresh samples (zero state)."""
        self.h = np.zeros((batch, self.units), dtype=np.float32)
        self.c = np.zeros((batch, self.units), dtype=np.float32)

    def step(self, ids: np.ndarray) -> np.ndarray:
        """Feed one character per sample; return the next-character probabilities ``(batch, V)``."""
        z = self.input_gates[np.asarray(ids)] + self.h @ self.recurrent
        u = self.units
        i, f = _sigmoid(z[:, :u]), _sigmoid(z[:, u : 2 * u])
        g, o = np.tanh(z[:, 2 * u : 3 * u]), _sigmoid(z[:, 3 * u :])
        self.c = f * self.c + i * g
        self.h = o * np.tanh(self.c)
        logits = self.h @ self.dense_w + self.dense_b
        logits -= logits.max(axis=-1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=-1, keepdims=True)

    def prime(self, ids: np.ndarray, batch: int = 1) -> np.ndarray:
        """Reset, read a prefix (the same for every sample) and return the next distribution."""
        ids = np.asarray(ids)
        if ids.size == 0:
            raise ValueError("The seed text is empty: give at least one character.")
        self.reset(batch)
        for char_id in ids:
            probs = self.step(np.full(batch, char_id))
        return probs


def stream(
    source: keras.Model | str | Path,
    seed_text: str,
    length: int = 200,
    temperature: float = 0.8,
    n_samples: int = 1,
    seed: int | None = None,
    top_k: int | None = None,
    top_p: float | None = None,
    vocab: Vocabulary | None = None,
    recipe: Recipe | None = None,
):
    """Yield generated characters as they are produced, one tuple per step (notebooks 06, 07).

    Args:
        source: A saved ``.keras`` checkpoint path, or a model (then give ``vocab`` and ``recipe``).
        seed_text: Text to start from; its characters outside the vocabulary follow the
            vocabulary's policy (by default a clear error that lists them).
        length: Characters to generate per sample.
        temperature: Sampling temperature (0: greedy).
        n_samples: Samples generated together, as one batch.
        seed: Seed of the sampling: the same seed gives the same text.
        top_k: Sample among the ``k`` most likely characters.
        top_p: Nucleus sampling threshold.
        vocab: The model's vocabulary, when ``source`` is a model.
        recipe: The model's recipe, when ``source`` is a model.

    Yields:
        A tuple of ``n_samples`` one-character strings per step.

    Embedding -> LSTM -> Dense models use :class:`StatefulGenerator`; the classic window models
    re-read their window for every character.
    """
    if isinstance(source, (str, Path)):
        ckpt = checkpoint.load(source, compile=False)
        model, vocab, recipe = ckpt.model, ckpt.vocab, ckpt.recipe
    else:
        model = source
        if vocab is None or recipe is None:
            raise ValueError("Pass vocab= and recipe= with a model, or pass a checkpoint path.")
    temperature = sampling.check_temperature(temperature)
    if length < 0 or n_samples < 1:
        raise ValueError(f"length must be >= 0 and n_samples >= 1; got {length}, {n_samples}.")
    rng = np.random.default_rng(seed)
    prefix = vocab.encode(recipe.prepare(seed_text))
    if recipe.encoding == "ids":
        gen = StatefulGenerator(model)
        probs = gen.prime(prefix, n_samples)
        for _ in range(length):
            ids = np.atleast_1d(sampling.sample(probs, temperature, rng, top_k=top_k, top_p=top_p))
            yield tuple(vocab.chars[i] for i in ids)
            probs = gen.step(ids)
    else:
        contexts = np.repeat(recipe.context(seed_text, vocab)[None, :], n_samples, axis=0)
        for _ in range(length):
            probs = next_distributions(model, recipe, vocab, contexts)
            ids = np.atleast_1d(sampling.sample(probs, temperature, rng, top_k=top_k, top_p=top_p))
            yield tuple(vocab.chars[i] for i in ids)
            contexts = np.concatenate([contexts[:, 1:], ids[:, None].astype(contexts.dtype)], axis=1)


def generate_texts(source: keras.Model | str | Path, seed_text: str, length: int = 200,
                   temperature: float = 0.8, n_samples: int = 1, seed: int | None = None,
                   **kwargs) -> list[str]:
    """Collect :func:`stream` into ``n_samples`` finished texts."""
    pieces = list(stream(source, seed_text, length, temperature, n_samples, seed, **kwargs))
    return ["".join(step[i] for step in pieces) for i in range(n_samples)]
