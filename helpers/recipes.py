"""Recipes: the one place that knows how a model turns text into predictions (notebooks 04-06).

A :class:`Recipe` owns everything about one kind of model:

* its **preprocessing**: lower-casing, the window length, the step between windows and the
  encoding of each character (:meth:`Recipe.prepare`, :meth:`Recipe.encode_inputs`);
* where its **targets** are: after the last position of each window (the classic recipes) or
  after every position (notebook 06's efficient model);
* its **batches**: one streamed ``tf.data`` pipeline for every recipe, in an order that depends
  only on ``(seed, epoch)`` so that a resumed run stays exact (:meth:`Recipe.dataset`);
* its **model**, with the sizes as fields of the recipe (:meth:`Recipe.build`);
* how it **generates**: by re-reading a sliding window, or statefully, one character at a time
  (:attr:`Recipe.generation`).

A recipe is saved inside every checkpoint (:mod:`helpers.checkpoint`), so nothing downstream
re-derives a window, an encoding or a model size from a corpus, and a checkpoint can always be
rebuilt from its recipe. The course's recipes:

* :data:`ALICE`: 100-character windows, step 1, each character one number ``id / V``; LSTM(256),
  Dropout(0.2), Dense softmax, Adam (Jason Brownlee's 2016 tutorial).
* :data:`NIETZSCHE`: 40-character one-hot windows, step 3; LSTM(128), Dense softmax,
  RMSprop(learning_rate=0.01) (François Chollet's Keras example).
* :func:`efficient`: integer ids in contiguous chunks, Embedding, LSTM and Dense predicting at every
  position, Adam; sized for a CPU, a GPU, or as the shipped model was trained.

Every model is compiled with sparse cross-entropy on integer targets (the same loss as the
originals' categorical cross-entropy on one-hot targets, without a one-hot target array), the
bits-per-character metric, and gradient clipping (``clipnorm``) as a guard against divergence.
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, fields
from typing import Any

import keras
import numpy as np

from helpers import metrics, windows
from helpers.vocab import Vocabulary

OPTIMIZERS = ("adam", "rmsprop")
"""Optimizers a recipe can name."""


LATER_FIELDS: dict[str, Any] = {"embed_dropout": 0.0}
"""Recipe fields added after the shipped models were saved, with the default that leaves a recipe
as it was (see :meth:`Recipe.to_dict`)."""


@dataclass(frozen=True)
class Recipe:
    """How text becomes input and targets for one model, and how big that model is.

    Attributes:
        name: The recipe's name, e.g. ``"one_hot_lstm"``.
        corpus: The registered corpus it was designed for (or a file it was trained on).
        window: Characters per input window (for every-position recipes, the chunk length).
        step: Characters between window starts during training.
        encoding: One of :data:`helpers.windows.ENCODINGS`.
        targets: ``"last"`` (predict the character after the window) or ``"every"`` (predict the
            character after each position).
        lower: Whether text is lower-cased before encoding.
        units: LSTM units.
        embed_dim: Size of each character's learned vector (only for ``encoding="ids"``).
        dropout: Dropout rate before the output layer (0 for none).
        embed_dropout: Dropout rate on the embedding's output, i.e. the LSTM's input (0 for
            none). Unlike the LSTM's own ``dropout`` argument it keeps the LSTM eligible for the
            fused cuDNN kernel (the trainer in :mod:`helpers.textgen` uses it).
        optimizer: ``"adam"`` or ``"rmsprop"``.
        learning_rate: The optimizer's learning rate.
        batch_size: Windows per training batch.
        clipnorm: Gradient-norm clipping (``None`` to disable).
    """

    name: str
    corpus: str
    window: int
    step: int
    encoding: str
    targets: str = "last"
    lower: bool = True
    units: int = 128
    embed_dim: int = 0
    dropout: float = 0.0
    embed_dropout: float = 0.0
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    batch_size: int = 128
    clipnorm: float | None = 1.0

    def __post_init__(self) -> None:
        problems = []
        if self.encoding not in windows.ENCODINGS:
            problems.append(f"encoding must be one of {windows.ENCODINGS}, not {self.encoding!r}")
        if self.targets not in windows.TARGETS:
            problems.append(f"targets must be one of {windows.TARGETS}, not {self.targets!r}")
        if self.optimizer not in OPTIMIZERS:
            problems.append(f"optimizer must be one of {OPTIMIZERS}, not {self.optimizer!r}")
        if (self.encoding == "ids") != (self.embed_dim > 0):
            problems.append("embed_dim must be > 0 exactly when encoding is 'ids'")
        for field_name in ("window", "step", "units", "batch_size"):
            if getattr(self, field_name) < 1:
                problems.append(f"{field_name} must be at least 1")
        if not 0 <= self.dropout < 1:
            problems.append("dropout must lie in [0, 1)")
        if not 0 <= self.embed_dropout < 1:
            problems.append("embed_dropout must lie in [0, 1)")
        if self.embed_dropout and not self.embed_dim:
            problems.append("embed_dropout needs an embedding (encoding 'ids')")
        if not self.learning_rate > 0:
            problems.append("learning_rate must be positive")
        if problems:
            raise ValueError(f"Recipe {self.name!r}: " + "; ".join(problems) + ".")

    # ------------------------------------------------------------------ identity
    @property
    def generation(self) -> str:
        """How text is generated: ``"windowed"`` re-reads the last ``window`` characters for every
        new one (as the model was trained); ``"stateful"`` feeds one character at a time and keeps
        the LSTM state (a model trained at every position reads any length)."""
        return "stateful" if self.targets == "every" else "windowed"

    def replace(self, **changes: Any) -> Recipe:
        """A copy with some fields changed, e.g. ``ALICE.replace(dropout=0.0)``."""
        if "window" in changes and self.targets == "every" and "step" not in changes:
            changes["step"] = changes["window"]  # contiguous chunks stay contiguous
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, stored in checkpoints.

        Fields added after the shipped models were saved (:data:`LATER_FIELDS`) are left out
        while they hold their default, so every recipe that does not use them is stored exactly
        as before; :meth:`from_dict` fills them in again.
        """
        data = asdict(self)
        for name, default in LATER_FIELDS.items():
            if data[name] == default:
                del data[name]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipe:
        """Inverse of :meth:`to_dict`.

        Recipes saved before they carried their sizes (the first checkpoints of the course) are
        read with the sizes of the course recipe of the same name.

        Raises:
            ValueError: For fields this version of the course does not know.
        """
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(
                f"The recipe has fields this version of the course does not know: "
                f"{sorted(unknown)}. Update the course (git pull) to read it."
            )
        if "targets" not in data:  # an early checkpoint: only name, corpus, window, step, ...
            base = RECIPES.get(data.get("name", ""))
            sizes = {} if base is None else {k: v for k, v in base.to_dict().items()}
            sizes.update(targets="every" if data.get("encoding") == "ids" else "last")
            if data.get("encoding") == "ids":
                sizes.setdefault("embed_dim", 64)
            data = {**sizes, **data}
        return cls(**data)

    # ------------------------------------------------------------------ preprocessing
    def prepare(self, text: str) -> str:
        """Clean text the way the training text was (lower-casing)."""
        return text.lower() if self.lower else text

    def input_shape(self, vocab_size: int) -> tuple[int | None, ...]:
        """Shape of one input, without the batch axis: ``(window, 1)`` for normalized integers,
        ``(window, vocab_size)`` for one-hot, and ``(None,)`` (any length) for ids."""
        if self.encoding == "ids":
            return (None,)
        return (self.window, vocab_size if self.encoding == "one_hot" else 1)

    def encode_inputs(self, x_ids: np.ndarray, vocab_size: int) -> np.ndarray:
        """Model input for windows of ids ``(batch, length)``."""
        return windows.encode_inputs(np.atleast_2d(x_ids), self.encoding, vocab_size)

    def context(self, text: str, vocab: Vocabulary) -> np.ndarray:
        """Ids of the last ``window`` characters of ``text``, cleaned and encoded.

        A text shorter than the window is padded on the left with spaces (or, if the vocabulary
        has no space, its first character), so any seed text can start windowed generation.
        """
        ids = vocab.encode(self.prepare(text))
        if len(ids) >= self.window:
            return ids[-self.window :]
        pad_id = vocab.char_to_id.get(" ", 0)
        return np.concatenate([np.full(self.window - len(ids), pad_id, np.int32), ids])

    # ------------------------------------------------------------------ data
    def windows(self, ids: np.ndarray, vocab_size: int) -> tuple[np.ndarray, np.ndarray]:
        """Every window of an encoded text, materialized: ``(X, y)``."""
        return windows.encode_windows(
            ids, self.window, self.step, self.encoding, vocab_size, self.targets
        )

    def estimate_bytes(self, n_chars: int, vocab_size: int, streamed: bool = False) -> int:
        """Memory the windows of a text take, materialized or streamed (text plus one batch)."""
        batch = self.batch_size if streamed else None
        return windows.estimate_bytes(
            n_chars, self.window, self.step, self.encoding, vocab_size, batch, self.targets
        )

    def batches_per_epoch(self, n_chars: int, steps_per_epoch: int | None = None) -> int:
        """Batches in one epoch over ``n_chars`` characters, at most ``steps_per_epoch``."""
        n = windows.count_windows(n_chars, self.window, self.step)
        return windows.batches_per_epoch(n, self.batch_size, steps_per_epoch)

    def dataset(
        self,
        ids: np.ndarray,
        vocab_size: int,
        *,
        shuffle: bool = False,
        seed: int = 0,
        first_epoch: int = 0,
        epochs: int = 1,
        steps_per_epoch: int | None = None,
    ):
        """This recipe's batches, streamed by ``tf.data`` (see :func:`helpers.windows.dataset`).

        Args:
            ids: The encoded text.
            vocab_size: Size of the vocabulary.
            shuffle: A new order every epoch (training); ``False`` for validation.
            seed: Seed of the order.
            first_epoch: The epoch the stream starts at (0, or the epoch a run resumes from).
            epochs: The epoch it stops before.
            steps_per_epoch: Batches per epoch (``None``: every window once).
        """
        return windows.dataset(
            ids,
            self.window,
            self.step,
            self.encoding,
            vocab_size,
            self.targets,
            self.batch_size,
            shuffle=shuffle,
            seed=seed,
            first_epoch=first_epoch,
            epochs=epochs,
            steps_per_epoch=steps_per_epoch,
        )

    # ------------------------------------------------------------------ model
    def make_optimizer(self) -> keras.optimizers.Optimizer:
        """A new optimizer as the recipe names it."""
        kind = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}[self.optimizer]
        return kind(learning_rate=self.learning_rate, clipnorm=self.clipnorm)

    def build(
        self, vocab_size: int, compile: bool = True, jit_compile: bool | str = "auto"
    ) -> keras.Model:
        """Build (and compile) this recipe's model.

        The layers are named (``embedding``, ``embed_dropout``, ``lstm``, ``dropout``,
        ``output``) so that weights saved from one build load into another. The LSTM keeps the
        defaults that make it eligible for the fused cuDNN kernel on a GPU, and the output layer
        computes in float32, so the model also trains under the ``mixed_float16`` policy.

        Args:
            vocab_size: Size of the vocabulary (inputs for one-hot, outputs always).
            compile: Compile it with the recipe's optimizer, loss and metric (to train it);
                ``False`` for a model that only generates.
            jit_compile: Passed to ``model.compile`` (``"auto"`` lets Keras decide).
        """
        is_ids = self.encoding == "ids"
        layers: list[Any] = [
            keras.Input(shape=self.input_shape(vocab_size), dtype="int32" if is_ids else "float32")
        ]
        if is_ids:
            layers.append(keras.layers.Embedding(vocab_size, self.embed_dim, name="embedding"))
            if self.embed_dropout:
                layers.append(keras.layers.Dropout(self.embed_dropout, name="embed_dropout"))
        layers.append(
            keras.layers.LSTM(self.units, return_sequences=self.targets == "every", name="lstm")
        )
        if self.dropout:
            layers.append(keras.layers.Dropout(self.dropout, name="dropout"))
        layers.append(
            keras.layers.Dense(vocab_size, activation="softmax", dtype="float32", name="output")
        )
        model = keras.Sequential(layers, name=self.name)
        if not compile:
            return model
        model.compile(
            optimizer=self.make_optimizer(),
            loss="sparse_categorical_crossentropy",
            metrics=[metrics.bits_per_char_metric()],
            jit_compile=jit_compile,
        )
        return model


ALICE = Recipe(
    "normalized_integer_lstm",
    "alice",
    window=100,
    step=1,
    encoding="normalized_integer",
    units=256,
    dropout=0.2,
    optimizer="adam",
    learning_rate=1e-3,
    batch_size=128,
)
"""The 100-character normalized-integer recipe (notebook 04)."""

NIETZSCHE = Recipe(
    "one_hot_lstm",
    "nietzsche",
    window=40,
    step=3,
    encoding="one_hot",
    units=128,
    optimizer="rmsprop",
    learning_rate=0.01,
    batch_size=128,
)
"""The 40-character one-hot recipe (notebook 05)."""

EFFICIENT_SIZES: dict[str, dict[str, Any]] = {
    # Measured on the course's 2-core CPU: an epoch of LSTM(128) with batches of 32 took 15 s,
    # LSTM(256) 89 s, and the small model learned the most per second
    # (benchmarks/efficient_vs_one_hot.py compares it with the one-hot recipe).
    "cpu": {"window": 50, "units": 128, "batch_size": 32, "learning_rate": 5e-3},
    # The fused cuDNN kernel runs a wide layer over a big batch in about the time of a narrow one
    # (not yet measured by this project: no GPU has been lent to it so far).
    "gpu": {"window": 100, "units": 512, "batch_size": 256, "learning_rate": 2e-3},
    # models/nietzsche_efficient.keras: wider than the CPU size, trained 30 epochs on the CPU.
    "shipped": {"window": 100, "units": 256, "batch_size": 64, "learning_rate": 2e-3},
}
"""Notebook 06's model at each size, in one place."""


def efficient(size: str = "cpu", corpus: str = "nietzsche") -> Recipe:
    """Notebook 06's efficient recipe at one of :data:`EFFICIENT_SIZES`.

    Embedding(64) -> LSTM -> Dense softmax at every position of contiguous chunks of ids.

    Args:
        size: ``"cpu"``, ``"gpu"`` or ``"shipped"``.
        corpus: The corpus it is trained on.

    Raises:
        KeyError: For an unknown size, naming the known ones.
    """
    if size not in EFFICIENT_SIZES:
        raise KeyError(f"No efficient size {size!r}; known: {', '.join(EFFICIENT_SIZES)}.")
    sizes = EFFICIENT_SIZES[size]
    return Recipe(
        "embedding_lstm",
        corpus,
        step=sizes["window"],
        encoding="ids",
        targets="every",
        embed_dim=64,
        optimizer="adam",
        **sizes,
    )


EFFICIENT = efficient("cpu")
"""Notebook 06's model at its CPU size."""

RECIPES: dict[str, Recipe] = {recipe.name: recipe for recipe in (ALICE, NIETZSCHE, EFFICIENT)}
"""The course's recipes by name."""


def cudnn_eligibility(layer: keras.layers.LSTM) -> list[str]:
    """Reasons an LSTM layer cannot use the fused cuDNN kernel on a GPU (empty: eligible).

    The fused kernel needs ``activation="tanh"``, ``recurrent_activation="sigmoid"``,
    ``recurrent_dropout=0``, ``unroll=False`` and ``use_bias=True``.
    """
    reasons = []
    if getattr(layer.activation, "__name__", "") != "tanh":
        reasons.append("activation is not tanh")
    if getattr(layer.recurrent_activation, "__name__", "") != "sigmoid":
        reasons.append("recurrent_activation is not sigmoid")
    if layer.recurrent_dropout:
        reasons.append(f"recurrent_dropout={layer.recurrent_dropout} (must be 0)")
    if layer.unroll:
        reasons.append("unroll=True")
    if not layer.use_bias:
        reasons.append("use_bias=False")
    return reasons
