"""Self-checks for the exercises: call one with your answer, and it says whether it is right and,
if not, gives a hint (every notebook's Exercises).

::

    from helpers import exercises
    exercises.check("02.1", my_answer)      # exercise 1 of notebook 02

A check knows the right answer, or a property the answer must have (a shape, a count, a
probability, how a function you wrote behaves), and computes it from the course's data rather
than storing a number. The result is a :class:`Verdict`: it shows as one line, is truthy when the
answer is right, and the worked solutions in ``notebooks/solutions/`` call the same checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CHECKS: dict[str, Callable[[Any], Verdict]] = {}
"""Every self-check, by exercise (``"NN.k"``: notebook NN, exercise k)."""


@dataclass(frozen=True)
class Verdict:
    """The outcome of a self-check.

    Attributes:
        exercise: Which exercise (``"NN.k"``).
        correct: Whether the answer is right.
        message: What was checked, or a hint towards the answer.
    """

    exercise: str
    correct: bool
    message: str

    def __bool__(self) -> bool:
        return self.correct

    def __repr__(self) -> str:
        mark = "Right" if self.correct else "Not yet"
        return f"Exercise {self.exercise}: {mark}. {self.message}"


def register(exercise: str) -> Callable[[Callable[[Any], tuple[bool, str]]], Callable]:
    """Register a check for ``exercise``; the check returns ``(correct, message)``."""

    def wrap(function: Callable[[Any], tuple[bool, str]]) -> Callable:
        def run(answer: Any) -> Verdict:
            correct, message = function(answer)
            return Verdict(exercise, bool(correct), message)

        run.__doc__ = function.__doc__
        CHECKS[exercise] = run
        return function

    return wrap


def check(exercise: str, answer: Any) -> Verdict:
    """Check your answer to an exercise.

    Args:
        exercise: ``"NN.k"`` for exercise ``k`` of notebook ``NN``, e.g. ``"02.1"``.
        answer: Your answer, in the form the exercise asks for.

    Returns:
        A :class:`Verdict` (shown as one line; truthy when right).

    Raises:
        KeyError: For an exercise without a self-check, listing those that have one.
    """
    if exercise not in CHECKS:
        raise KeyError(
            f"Exercise {exercise!r} has no self-check (it asks for an explanation or a plot, or "
            f"its answer depends on your run). Self-checks: {', '.join(sorted(CHECKS))}."
        )
    try:
        return CHECKS[exercise](answer)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as err:
        return Verdict(
            exercise, False, f"Your answer has the wrong form ({type(err).__name__}: {err})."
        )


# Each notebook's checks follow, in a section of their own.


# ---------------------------------------------------------------- notebook 05: one-hot LSTM
def _nietzsche_training_ids() -> tuple[Any, int]:
    """Notebook 05's training head (the first 90% of lower-cased Nietzsche) and vocabulary size."""
    from helpers import corpora, recipes, windows
    from helpers.vocab import Vocabulary

    text = corpora.load_text(recipes.NIETZSCHE.corpus, lower=recipes.NIETZSCHE.lower)
    vocab = Vocabulary.from_text(text)
    train_ids, _ = windows.split_tail(vocab.encode(text), 0.1)
    return train_ids, vocab.size


@register("05.1")
def _windows_and_bytes_at_step_one(answer: Any) -> tuple[bool, str]:
    """``{"windows": ..., "X bytes": ...}``: the training windows of 40 characters taken at step 1,
    and the bytes their one-hot ``X`` takes as a bool array."""
    from helpers import recipes, windows

    train_ids, vocab_size = _nietzsche_training_ids()
    window = recipes.NIETZSCHE.window
    n = windows.count_windows(len(train_ids), window, 1)
    want = n * window * vocab_size
    got_n, got_bytes = int(answer["windows"]), int(answer["X bytes"])
    if got_n != n:
        return False, (
            "Count the starts range(0, len(train_ids) - 40, 1) yields, or call "
            "windows.count_windows(len(train_ids), 40, 1)."
        )
    if got_bytes != want:
        return False, (
            f"The window count is right. A bool one-hot X has shape (windows, 40, {vocab_size}) "
            "and takes one byte per entry."
        )
    at_step_3 = windows.count_windows(len(train_ids), window, recipes.NIETZSCHE.step)
    return True, (
        f"{n:,} windows, {want / 1e9:.2f} GB for X: about {n / at_step_3:.0f} times the windows "
        "and memory of step 3, from the same text."
    )


@register("05.2")
def _gru_in_place_of_the_lstm(model: Any) -> tuple[bool, str]:
    """A Keras model: 40-character one-hot windows -> GRU(128) -> Dense softmax over the
    vocabulary, compiled with sparse categorical cross-entropy and RMSprop at 0.01."""
    import keras

    gru = [layer for layer in model.layers if isinstance(layer, keras.layers.GRU)]
    lstm = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    vocab_size = model.output_shape[-1]
    last = model.layers[-1]
    if lstm or len(gru) != 1:
        return False, "Use exactly one layers.GRU(128) where the LSTM was, and no LSTM."
    if gru[0].units != 128:
        return False, f"The GRU has {gru[0].units} units; the recipe's recurrent layer has 128."
    if tuple(model.input_shape[1:]) != (40, vocab_size):
        return False, (
            f"The model reads {tuple(model.input_shape[1:])}; it must read one-hot windows of "
            f"shape (40, {vocab_size}): keras.Input(shape=(40, vocab.size))."
        )
    if not isinstance(last, keras.layers.Dense) or last.activation.__name__ != "softmax":
        return False, "End with layers.Dense(vocab.size, activation='softmax'), as before."
    compile_hint = (
        'Compile it as the LSTM was: gru_model.compile(loss="sparse_categorical_crossentropy", '
        "optimizer=keras.optimizers.RMSprop(learning_rate=0.01, clipnorm=1.0))."
    )
    if not getattr(model, "compiled", False) or model.optimizer is None:
        return False, f"The model is not compiled yet. {compile_hint}"
    loss = model.loss
    loss_name = loss if isinstance(loss, str) else getattr(loss, "name", None)
    loss_name = loss_name or getattr(loss, "__name__", "")
    if loss_name != "sparse_categorical_crossentropy":
        return False, (
            f"The loss is {loss_name or loss!r}; the targets are integer ids, so use "
            f"sparse categorical cross-entropy. {compile_hint}"
        )
    learning_rate = model.optimizer.get_config()["learning_rate"]
    if not isinstance(learning_rate, int | float):
        return False, f"Use a fixed learning rate, not a schedule. {compile_hint}"
    if (
        not isinstance(model.optimizer, keras.optimizers.RMSprop)
        or abs(learning_rate - 0.01) > 1e-6
    ):
        return False, (
            f"The optimizer is {type(model.optimizer).__name__} at a learning rate of "
            f"{learning_rate:g}; the recipe uses RMSprop at 0.01. {compile_hint}"
        )
    dense = 128 * vocab_size + vocab_size
    lstm_params = 4 * (128 * (vocab_size + 128) + 128) + dense
    return True, (
        f"{model.count_params():,} parameters, against {lstm_params:,} for the LSTM model: a GRU "
        "has three blocks of weights (two gates and a candidate) where an LSTM has four."
    )


# ------------------------------------------------------------------ notebook 08: look inside
_LONG_WORD_TEXTS = (
    "the philosopher's will to power: extraordinary!\n(a b) incomprehensible, abcde abcdef",
    'supposing that truth is a woman--what then? "responsibility"\n\nx',
)


def _long_word_expected(text: str) -> list[float]:
    """1 at the sixth and later letters of a run of letters, 0 elsewhere."""
    out, run = [], 0
    for ch in text:
        run = run + 1 if ch.isalpha() else 0
        out.append(1.0 if run > 5 else 0.0)
    return out


@register("08.1")
def _check_long_word(answer: Any) -> tuple[bool, str]:
    """A function text -> one number per character: 1 from the sixth letter of a word on."""
    import numpy as np

    if not callable(answer):
        return False, "Pass your function itself (e.g. long_word), not its result."
    for text in _LONG_WORD_TEXTS:
        got = np.asarray(answer(text), dtype=float)
        if got.shape != (len(text),):
            return False, (
                f"For a {len(text)}-character text your function returned shape {got.shape}: "
                "give one number per character."
            )
        expected = np.array(_long_word_expected(text))
        wrong = np.flatnonzero(got != expected)
        if wrong.size:
            t = int(wrong[0])
            return False, (
                f"In {text!r}, character {t} ({text[t]!r}, after {text[max(0, t - 8) : t]!r}) "
                f"should be {expected[t]:g}, not {got[t]:g}: count the letters of the current "
                "word, reset the count at every non-letter, and give 1 from the sixth letter on."
            )
    return True, "Your feature is 1 exactly from the sixth letter of each word on."


_SPACE_TEXT = (
    "a bb ccc dddd eeeee ffffff ggggggg\nhh iii jjjj kkkkk llllll\nmmmmmmm nnnnnnnn o pp qqq "
    "rrrr sssss tttttt uuuuuuu vvvvvvvv wwwwwwwww xx yyy zzzz"
)


@register("08.2")
def _check_space_counter(answer: Any) -> tuple[bool, str]:
    """``(model, vocab, recipe)``: unit 0's cell counts the characters since the last space."""
    import numpy as np

    from helpers import interpret

    model, vocab, recipe = answer
    if " " not in vocab.char_to_id:
        return False, "The vocabulary has no space: build the model with the notebook's vocab."
    text = "".join(ch for ch in _SPACE_TEXT if ch in vocab.char_to_id)
    cell = interpret.record(model, vocab, recipe, text).c[:, 0]
    since, count = [], 0
    for ch in text:
        count = 0 if ch == " " else count + 1
        since.append(count)
    since = np.array(since, dtype=float)
    r = float(interpret.correlations(cell[:, None], since)[0])
    at_space = np.abs(cell[since == 0]).max()
    if r < 0.99:
        return False, (
            f"Unit 0's cell state correlates {r:.3f} with the characters since the last space "
            "(it should be above 0.99). Start from the newline counter: which character must "
            "shut the forget and input gates now?"
        )
    if at_space > 0.05:
        return False, (
            f"Unit 0 follows the count, but its cell is {at_space:.2f} (not about 0) right after "
            "a space: shut the input gate at a space too, so nothing is written there."
        )
    return True, f"Unit 0 counts the characters since the last space (r = {r:.4f})."


# ------------------------------------------------------------------ notebook 10: generate text live
@register("10.1")
def _top_k_generate(answer: Any) -> tuple[bool, str]:
    """A generate function with a ``top_k`` option: greedy at top-k 1, no filter at 0."""
    from helpers import generation, pretrained

    ckpt = pretrained.load("efficient")
    seed_text, length = "the will to power ", 30
    greedy = seed_text + generation.generate(
        ckpt.model, ckpt.vocab, ckpt.recipe, seed_text, length, 0.0
    )
    texts = list(answer(ckpt, seed_text, length, 1.0, None, top_k=1))
    if not texts or not all(isinstance(t, str) for t in texts):
        return False, "The function should yield the text so far, as app.stream_text does."
    pairs = zip(texts[:-1], texts[1:], strict=True)
    if any(not after.startswith(before) for before, after in pairs):
        return False, "Each text it yields should continue the one before (the text so far)."
    if texts[-1] != greedy:
        return False, (
            "At top-k 1 only the most likely character can be drawn, so the text should equal "
            "greedy generation: pass top_k on to app.stream_text(..., top_k=top_k)."
        )
    try:
        off = list(answer(ckpt, seed_text, length, 1.0, None, top_k=0))
    except ValueError as err:
        return False, f"At 0 the filter should be off (pass top_k=None then); it raised: {err}"
    if not off or len(off[-1]) != len(greedy):
        return False, f"At top-k 0 (off) it should still write {length} characters."
    return True, "Greedy at top-k 1, and 0 turns the filter off."


@register("10.4")
def _long_seed_refused(answer: Any) -> tuple[bool, str]:
    """A subclass of ``app.LiveGenerator`` whose ``problem()`` refuses seed texts over 200
    characters and keeps the course's checks."""
    from helpers import app, pretrained

    if not (isinstance(answer, type) and issubclass(answer, app.LiveGenerator)):
        return False, "Give the class itself, a subclass of app.LiveGenerator (not an instance)."
    ckpt = pretrained.load("efficient")
    live = answer({"efficient": ckpt})
    if not live.problem(ckpt, "a" * 201, 10):
        return False, "A 201-character seed text should give a message (a non-empty string)."
    if live.problem(ckpt, "a" * 200, 10) is not None:
        return False, "A seed text of exactly 200 characters is allowed: problem() returns None."
    if not live.problem(ckpt, "", 10) or not live.problem(ckpt, "a%", 10):
        return False, (
            "The course's checks (empty seed text, unknown characters) stopped working: return "
            "super().problem(ckpt, seed_text, length) when the seed text is short enough."
        )
    status = list(live("efficient", "a" * 201, 0.5, 1.0, 5))[-1][1]
    if not status.startswith("**Problem:**"):
        return False, "The handler should show the message instead of generating."
    return True, "Long seed texts are refused with a message, and the course's checks still run."


# ------------------------------------------------------ notebook 01: explore the corpora
def _nb01_unigram_bits(text: str) -> float:
    from helpers import metrics
    from helpers.vocab import Vocabulary

    vocab = Vocabulary.from_text(text)
    return metrics.unigram_entropy_bits(vocab.encode(text), vocab.size)


def _nb01_chat_user_text(rank: int) -> str:
    """The lower-cased first 20% of the messages of the ``rank``-th most active human (notebook 01's
    sample; ``rank`` 0 is the most active)."""
    from helpers import corpora

    chat = corpora.load_chat(["fromUser.id", "text"])
    humans = chat[chat["fromUser.id"] != corpora.CAMPERBOT_ID]
    user = humans["fromUser.id"].value_counts().index[rank]
    messages = humans.loc[humans["fromUser.id"] == user, "text"]
    return "\n".join(messages.iloc[: int(len(messages) * 0.2)]).lower()


@register("01.1")
def _nietzsche_without_lower_casing(answer: Any) -> tuple[bool, str]:
    """``(extra characters, extra bits)`` of Nietzsche as written over the lower-cased text."""
    from helpers import corpora

    written, lower = corpora.load_text("nietzsche"), corpora.load_text("nietzsche", lower=True)
    extra_chars = len(set(written)) - len(set(lower))
    extra_bits = _nb01_unigram_bits(written) - _nb01_unigram_bits(lower)
    chars, bits = answer
    if int(chars) != extra_chars:
        return False, (
            "Count the distinct characters of both texts (Vocabulary.from_text(...).size) and "
            "subtract the lower-cased count from the other."
        )
    if abs(float(bits) - extra_bits) > 0.005:
        return False, (
            "The vocabulary is right; for the bits, subtract the lower-cased text's unigram "
            "entropy (metrics.unigram_entropy_bits of its ids) from the other's."
        )
    return True, "Upper-case letters add characters, and the unigram entropy rises with them."


@register("01.2")
def _rarest_alice_characters(answer: Any) -> tuple[bool, str]:
    """The set of the characters that occur the fewest times in the lower-cased Alice."""
    from collections import Counter

    from helpers import corpora

    counts = Counter(corpora.load_text("alice", lower=True))
    fewest = min(counts.values())
    rarest = {c for c, n in counts.items() if n == fewest}
    given = set(answer)
    if given == rarest:
        return True, f"Each of them occurs {fewest} time(s)."
    if given < rarest:
        return False, "Right so far, but more than one character shares the smallest count."
    return False, "Count every character with collections.Counter and keep those with the minimum."


@register("01.3")
def _mixed_corpus_vocabulary(answer: Any) -> tuple[bool, str]:
    """Vocabulary size of ``load_text(["nietzsche", "alice"], lower=True)``."""
    from helpers import corpora

    size = len(set(corpora.load_text(["nietzsche", "alice"], lower=True)))
    if int(answer) == size:
        return True, "The mixed vocabulary is the union of the two books' characters."
    return False, (
        "Load the mixed corpus with corpora.load_text(['nietzsche', 'alice'], lower=True) and "
        "take Vocabulary.from_text(text).size."
    )


@register("01.4")
def _second_user_vocabulary(answer: Any) -> tuple[bool, str]:
    """Vocabulary size of the second most active user's lower-cased 20% sample."""
    size = len(set(_nb01_chat_user_text(1)))
    if int(answer) == size:
        return True, "Chat users differ: each brings their own symbols, links and code."
    return False, (
        "Use top.index[1] (the second most active human, without CamperBot), keep the first 20% "
        "of their messages, join them with '\\n' and lower-case them, as the notebook does."
    )


# ------------------------------------------------------ notebook 02: prepare sequences
@register("02.1")
def _alice_windows_step_3(answer: Any) -> tuple[bool, str]:
    """Windows of the lower-cased Alice with a 100-character window and step 3."""
    from helpers import corpora, windows

    n = windows.count_windows(len(corpora.load_text("alice", lower=True)), 100, 3)
    if int(answer) == n:
        return True, "A third of the step-1 windows (rounded up)."
    return False, "len(range(0, len(alice) - 100, 3)) counts them, like the classic loop."


@register("02.2")
def _tiny_shakespeare_one_hot_bytes(answer: Any) -> tuple[bool, str]:
    """``(bool bytes, float32 bytes)`` of tiny Shakespeare's one-hot windows, window 60, step 1."""
    from helpers import corpora, windows

    text = corpora.load_text("tinyshakespeare", lower=True)
    size = len(set(text))
    n = windows.count_windows(len(text), 60, 1)
    as_bool = windows.estimate_bytes(len(text), 60, 1, "one_hot", size)
    as_float32 = n * (60 * size * 4 + 4)
    given_bool, given_float32 = (float(x) for x in answer)
    if abs(given_bool - as_bool) > 0.01 * as_bool:
        return False, (
            "For bool: windows.estimate_bytes(len(text), 60, 1, 'one_hot', V) on the lower-cased "
            "text (inputs and targets)."
        )
    if abs(given_float32 - as_float32) > 0.01 * as_float32:
        return False, "The bool figure is right; float32 takes 4 bytes per one-hot entry, not 1."
    return True, "Both estimates are right: float32 needs about four times the bool memory."


@register("02.3")
def _overlap_function(answer: Any) -> tuple[bool, str]:
    """A function ``overlap(window, step)``: characters two neighbouring windows share."""
    for window, step in [(40, 3), (100, 1), (5, 1), (10, 10), (10, 25), (7, 3), (1, 1)]:
        truth = len(set(range(window)) & set(range(step, step + window)))
        got = answer(window, step)
        if got != truth:
            return False, (
                f"overlap({window}, {step}) returned {got!r}; neighbouring windows start {step} "
                f"apart and each holds {window} characters. What if the step exceeds the window?"
            )
    return True, "window - step when the windows touch, and 0 once the step reaches the window."


@register("02.4")
def _shuffled_epochs(answer: Any) -> tuple[bool, str]:
    """The window starts each of two shuffled epochs visits, in order (ids = positions)."""
    import numpy as np

    from helpers import windows

    expected = windows.window_starts(1000, 10, 3)

    def flat(epoch: Any) -> np.ndarray:  # one array, or a list of per-batch arrays (uneven last)
        parts = [np.ravel(np.asarray(part)) for part in epoch]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    first, second = (flat(epoch) for epoch in answer)
    for k, epoch in enumerate((first, second)):
        if len(epoch) != len(expected) or not np.array_equal(np.sort(epoch), expected):
            return False, (
                f"Epoch {k} should visit each of the {len(expected)} windows exactly once: with "
                "ids equal to positions, x[:, 0] of each batch is where its windows start, and "
                "an epoch has windows.batches_per_epoch(n_windows, 32) batches."
            )
    if np.array_equal(first, second):
        return False, "Both epochs visit the windows in the same order: pass shuffle=True."
    return True, "Every window once per epoch, in a new order each epoch."


@register("02.5")
def _targets_per_pass(answer: Any) -> tuple[bool, str]:
    """``(every-position targets, last-position targets)`` in one pass over the lower-cased
    Nietzsche: window 50 step 50 with ``targets="every"``, window 40 step 3 with ``"last"``."""
    from helpers import corpora, windows

    n_chars = len(corpora.load_text("nietzsche", lower=True))
    every = windows.count_windows(n_chars, 50, 50) * 50
    last = windows.count_windows(n_chars, 40, 3)
    given_every, given_last = (int(x) for x in answer)
    if given_last != last:
        return False, "The classic layout has one target per window: count the windows."
    if given_every != every:
        return False, "The every-position layout has one target per position: windows x window."
    return True, "Contiguous chunks give a target for almost every character, with no repeats."


@register("02.6")
def _ubermensch_vocabulary(answer: Any) -> tuple[bool, str]:
    """A vocabulary with the lower-cased Nietzsche's characters that encodes ``"Übermensch"``, as
    written and lower-cased (neither ``Ü`` nor ``ü`` is among those characters)."""
    from helpers import corpora
    from helpers.vocab import Vocabulary

    chars = Vocabulary.from_text(corpora.load_text("nietzsche", lower=True)).chars
    if not isinstance(answer, Vocabulary):
        return (
            False,
            "Pass a Vocabulary, e.g. Vocabulary(nz_vocab.chars, oov=..., replacement=...).",
        )
    if answer.chars != chars:
        return False, (
            "Keep Nietzsche's characters in their order: a model trained with those ids reads "
            "nothing else. Choose an oov policy instead of adding characters."
        )
    for word in ("Übermensch", "Übermensch".lower()):
        try:
            answer.encode(word)
        except ValueError:
            return False, (
                f"It still refuses {word[0]!r} in {word!r}: choose oov='replace' (with a "
                "replacement) or oov='drop'."
            )
    return True, "Same ids as before, and the unknown 'Ü' or 'ü' is replaced or dropped."


# ---------------------------------------------------------------------------------------------
# Notebook 03: understand how an LSTM remembers.


@register("03.1")
def _lstm_and_gru_parameters(answer: Any) -> tuple[bool, str]:
    """``(lstm, gru)``: the parameters of an LSTM and of a GRU of 64 units reading 10 numbers."""
    inputs, units = 10, 64
    lstm_params = 4 * units * (inputs + units + 1)
    gru_params = 3 * units * (inputs + units + 2)
    got_lstm, got_gru = (int(x) for x in answer)
    if got_lstm != lstm_params:
        if got_lstm == 4 * units * (inputs + units):
            return False, "The LSTM count misses the biases: one per unit and per block."
        return False, (
            "An LSTM has 4 blocks; each has, per unit, one weight per input number, one per unit "
            "and a bias."
        )
    if got_gru != gru_params:
        if got_gru == 3 * units * (inputs + units + 1):
            return False, (
                "The LSTM is right. The GRU count has one bias per block; Keras gives each block "
                "two (reset_after=True)."
            )
        return False, "The LSTM is right. A GRU has 3 blocks, each with two biases per unit."
    return True, (
        f"{lstm_params:,} for the LSTM, {gru_params:,} for the GRU: three quarters of the "
        "weights, plus a second bias."
    )


@register("03.2")
def _gru_on_the_memory_task(model: Any) -> tuple[bool, str]:
    """A trained ``memory.build("GRU", k)`` model, ``k`` at least 20, that names the marked
    symbol well above chance on new sequences."""
    import numpy as np

    from helpers import memory

    kinds = [type(layer).__name__ for layer in model.layers]
    if "GRU" not in kinds:
        return False, f"The model's layers are {kinds}: build it with memory.build('GRU', k)."
    steps, numbers = model.input_shape[1:]
    alphabet, k = numbers - 1, steps - memory.LEAD - 1
    if alphabet != memory.ALPHABET or k < 0:
        return False, "Build the model with memory.build('GRU', k), which sets its input shape."
    if k < 20:
        return False, f"The model reads distance k = {k}; take the longest of your profile (>= 20)."
    x, y = memory.task(2000, k, np.random.default_rng(2026), exact=True)
    acc = memory.accuracy(model, x, y)
    chance = 1 / alphabet
    if acc < chance + 0.5:
        return False, (
            f"It names {acc:.0%} of new sequences correctly at k = {k} (chance {chance:.0%}). "
            "If it is untrained, train it on memory.task(BATCHES * BATCH_SIZE, k, rng) with "
            "model.fit first. If you trained it as memory.score does, that is an answer too: this "
            "GRU did not learn to remember that far back with that much training."
        )
    return True, f"The GRU names {acc:.0%} of new sequences correctly at k = {k}: it remembers."


@register("03.3")
def _forget_bias_shares(answer: Any) -> tuple[bool, str]:
    """``{1: share, 0: share}``: the share of a memory left after 50 steps with the forget gate
    at ``sigmoid(b)`` and the input gate shut."""
    import math

    expected = {b: (1 / (1 + math.exp(-b))) ** 50 for b in (1, 0)}
    got = {b: float(answer[b]) for b in (1, 0)}
    if all(math.isclose(got[b], expected[b], rel_tol=1e-3) for b in (1, 0)):
        return True, (
            f"{expected[1]:.1e} with bias 1, {expected[0]:.1e} with bias 0: both tiny, but bias 1 "
            f"keeps about {expected[1] / expected[0]:.0e} times more of what was written 50 steps "
            "ago, so the training signal from that far back starts that much stronger."
        )
    if all(math.isclose(got[b], 1 / (1 + math.exp(-b)), rel_tol=1e-3) for b in (1, 0)):
        return (
            False,
            "That is the share kept after one step; after 50 steps it is multiplied 50 times.",
        )
    return (
        False,
        "c is multiplied by f = sigmoid(b) at each step: after 50 steps, sigmoid(b) ** 50.",
    )


# ---------------------------------------------------------------------------------------------
# Notebook 04: train a normalized-integer LSTM on Alice in Wonderland.


def _vocabulary_size(corpus: str, lower: bool) -> int:
    from helpers import corpora

    return len(set(corpora.load_text(corpus, lower=lower)))


@register("04.1")
def _uniform_bits_nietzsche(answer: Any) -> tuple[bool, str]:
    """The uniform baseline, in bits per character, of the lower-cased Nietzsche text."""
    import math

    size = _vocabulary_size("nietzsche", lower=True)
    value = float(answer)
    if abs(value - math.log2(size)) < 1e-3:
        return True, "log2(V) of the lower-cased Nietzsche text: a model must go below it."
    if abs(value - size) < 1e-9:
        return False, "That is the vocabulary size V; the baseline is log2(V) bits."
    if abs(value - math.log2(_vocabulary_size("nietzsche", lower=False))) < 1e-3:
        return False, "That vocabulary keeps capitals; the recipe lower-cases the text first."
    if abs(value - math.log(size)) < 1e-3:
        return False, "That is in nats (natural log); the course reports bits: use log2."
    return False, "Build the vocabulary of the lower-cased text, then take log2 of its size."


@register("04.2")
def _parameters_without_dropout(answer: Any) -> tuple[bool, str]:
    """The parameter count of the Alice recipe's model without Dropout."""
    from helpers import recipes

    size = _vocabulary_size("alice", lower=True)
    units = recipes.ALICE.units
    expected = 4 * units * (1 + units + 1) + units * size + size
    if int(answer) == expected and float(answer) == int(answer):
        return True, "the same count as with Dropout: Dropout has no weights to learn."
    return False, (
        "Count with model.count_params(): LSTM 4 * units * (inputs + units + 1), "
        "Dense units * V + V; does Dropout add any?"
    )


@register("04.3")
def _vocabulary_with_and_without_lower(answer: Any) -> tuple[bool, str]:
    """``(lowered, original)``: Alice's vocabulary size with and without lower-casing."""
    lowered, original = (int(x) for x in answer)
    expected = (_vocabulary_size("alice", lower=True), _vocabulary_size("alice", lower=False))
    if (lowered, original) == expected:
        return True, "lower-casing folds every capital letter into its small letter."
    if (original, lowered) == expected:
        return False, "Swapped: give (lower-cased, original)."
    return False, "Count len(set(text)) of corpora.load_text('alice', lower=...) both ways."


@register("04.4")
def _temperature_by_hand(answer: Any) -> tuple[bool, str]:
    """The probability of the likeliest of ``[0.5, 0.3, 0.2]`` at temperature 0.5."""
    import numpy as np

    p = np.array([0.5, 0.3, 0.2]) ** (1 / 0.5)
    expected = float(p[0] / p.sum())
    value = float(answer)
    if abs(value - expected) < 1e-3:
        return True, "temperature 0.5 squares the probabilities, then renormalizes them."
    if abs(value - 0.5) < 1e-3:
        return False, "That is the probability at temperature 1; divide the log by 0.5 first."
    if abs(value - 0.25) < 1e-3:
        return False, "Squared but not renormalized: divide by the sum of all squared values."
    return False, "exp(log(p) / T) for each entry, then divide by their sum."


# ----------------------------------------------------------------------------- notebook 06
CUDNN_CANDIDATES = (
    ("LSTM(256)", {}),
    ("LSTM(256, dropout=0.2)", {"dropout": 0.2}),
    ("LSTM(256, recurrent_dropout=0.2)", {"recurrent_dropout": 0.2}),
    ("LSTM(256, unroll=True)", {"unroll": True}),
    ('LSTM(256, activation="relu")', {"activation": "relu"}),
)
"""The layers of exercise 06.3, in the order the exercise lists them."""


@register("06.1")
def _resumed_after_a_stop_mid_epoch(answer: Any) -> tuple[bool, str]:
    """The epoch a run resumes after when it was stopped during its second epoch."""
    if int(answer) == 1:
        return True, (
            "The state is saved at the end of each epoch, so the half-done second epoch is lost "
            "and trained again from its start, on the same batches (the order depends only on "
            "the seed and the epoch)."
        )
    return False, (
        "Look at run.resumed_after after the second call: which epochs had finished, and so "
        "been saved, when you stopped it?"
    )


@register("06.2")
def _a_wider_model_in_the_old_folder(answer: Any) -> tuple[bool, str]:
    """What training.fit raises for a wider model pointed at the narrow model's run folder."""
    from helpers.checkpoint import CheckpointError

    if isinstance(answer, CheckpointError) and "units=" in str(answer):
        return True, (
            "training.fit refuses the folder: the saved run has another width (units), and its "
            "weights would not fit the wider model. A folder per size keeps both runs."
        )
    return False, (
        "Catch the exception (except checkpoint.CheckpointError as err) raised when the wider "
        "model is given the narrow model's run_dir, and pass err."
    )


@register("06.3")
def _cudnn_eligible_layers(answer: Any) -> tuple[bool, str]:
    """Positions (0-4) of the layers of CUDNN_CANDIDATES that can use the cuDNN kernel."""
    import keras

    from helpers.recipes import cudnn_eligibility

    eligible = {
        i
        for i, (_, kwargs) in enumerate(CUDNN_CANDIDATES)
        if not cudnn_eligibility(keras.layers.LSTM(256, **kwargs))
    }
    chosen = {int(i) for i in answer}
    if chosen == eligible:
        return True, (
            "Dropout on the inputs keeps the fused kernel; recurrent dropout, unrolling and "
            "another activation lose it."
        )
    return False, (
        f"Not quite: {len(chosen ^ eligible)} position(s) differ. recipes.cudnn_eligibility(layer) "
        "returns an empty list exactly for the layers that can use it."
    )


@register("06.4")
def _targets_per_epoch_with_100_char_chunks(answer: Any) -> tuple[bool, str]:
    """Targets in one epoch over notebook 06's training text with 100-character chunks."""
    from helpers import corpora, recipes, windows
    from helpers.vocab import Vocabulary

    recipe = recipes.efficient("cpu").replace(window=100)
    text = corpora.load_text(recipe.corpus, lower=recipe.lower)
    train_ids, _ = windows.split_tail(Vocabulary.from_text(text).encode(text), 0.1)
    targets = windows.count_windows(len(train_ids), recipe.window, recipe.step) * recipe.window
    if int(answer) == targets:
        return True, (
            "Half as many chunks, each twice as long: every training character is still a "
            "target about once per epoch, whatever the chunk length."
        )
    return False, (
        "Count the chunks of RECIPE.replace(window=100).windows(train_ids, vocab.size) and "
        "multiply by the targets in each (y.size does both)."
    )


@register("06.5")
def _mixed_precision_dtypes(answer: Any) -> tuple[bool, str]:
    """Where the model keeps and computes what under the mixed_float16 policy."""
    expected = {"lstm weights": "float32", "lstm computes": "float16", "output computes": "float32"}
    given = {key: str(answer[key]) for key in expected}
    if given == expected:
        return True, (
            "Weights stay float32 (small updates would vanish in float16), the LSTM computes in "
            "float16 (fast on tensor cores), and the output layer computes the softmax in float32."
        )
    wrong = [key for key in expected if given[key] != expected[key]]
    return False, (
        f"Look again at {', '.join(wrong)}: layer.variable_dtype and layer.compute_dtype say it."
    )


# ----------------------------------------------------------------------------- notebook 07
SAMPLING_SEED_TEXT = "the philosopher "
"""The seed text of notebook 07 (its exercises use it too)."""

_CACHE: dict[str, Any] = {}


def _shipped_distribution() -> Any:
    """The shipped efficient model's next-character probabilities after notebook 07's seed."""
    from helpers import generation, pretrained

    if "efficient" not in _CACHE:
        ckpt = pretrained.load("efficient")
        predictor = generation.StatefulPredictor(ckpt.model, ckpt.vocab, ckpt.recipe)
        _CACHE["efficient"] = predictor.start(SAMPLING_SEED_TEXT, 1)[0]
    return _CACHE["efficient"]


@register("07.1")
def _nucleus_sizes(answer: Any) -> tuple[bool, str]:
    """Characters top-p 0.9 keeps at temperatures 0.5, 1.0 and 1.5, after the seed text."""
    from helpers import sampling

    probs = _shipped_distribution()
    expected = {
        t: int((sampling.distribution(probs, t, top_p=0.9) > 0).sum()) for t in (0.5, 1.0, 1.5)
    }
    given = {float(t): int(n) for t, n in dict(answer).items()}
    if given == expected:
        return True, (
            "The hotter the distribution, the flatter it is, so more characters are needed to "
            "cover 90% of the probability."
        )
    wrong = [t for t in expected if given.get(t) != expected[t]]
    hint = "count the non-zero entries of sampling.distribution(probs, t, top_p=0.9)"
    return False, f"Not yet for temperature(s) {wrong}: {hint}."


@register("07.3")
def _min_p(answer: Any) -> tuple[bool, str]:
    """A function min_p(probs, ratio): keep the entries >= ratio * the largest, renormalized."""
    import numpy as np

    rng = np.random.default_rng(7)
    for size, ratio in ((5, 0.5), (57, 0.1), (57, 0.05), (10, 1.0), (3, 0.0)):
        probs = rng.dirichlet(np.full(size, 0.5))
        kept = np.where(probs >= ratio * probs.max(), probs, 0.0)
        expected = kept / kept.sum()
        got = np.asarray(answer(probs.copy(), ratio), dtype=float)
        if got.shape != probs.shape or not np.allclose(got, expected, atol=1e-9):
            return False, (
                f"For {size} characters and ratio {ratio}, your function returns other "
                "probabilities: keep p where p >= ratio * p.max(), set the rest to 0, and divide "
                "by the sum of what is kept."
            )
    return True, "Your min-p keeps what it should and sums to 1."


@register("07.5")
def _unknown_character(answer: Any) -> tuple[bool, str]:
    """What generating from a seed text with a character the corpus lacks raises."""
    from helpers.vocab import UnknownCharactersError

    if isinstance(answer, UnknownCharactersError) and set(answer.unknown) == {"ü"}:
        return True, (
            "Capital letters are lower-cased by the recipe first, but 'ü' never occurs in the "
            "training text, so the vocabulary refuses it, naming it and the ways out."
        )
    if isinstance(answer, UnknownCharactersError):
        return False, f"It should name only 'ü', not {sorted(answer.unknown)}."
    return False, (
        "Catch the error (except UnknownCharactersError as err, from helpers.vocab) and pass err."
    )


# --------------------------------------------------------- notebook 09: train on your own text
def _nb09_user_texts(user: str) -> set[str]:
    """A chat user's messages joined with newlines and lower-cased, the two ways notebook 09 shows
    (pandas, dropping empty messages; ``textgen.read_sources``)."""
    from helpers import corpora, textgen

    chat = corpora.load_chat(["fromUser.id", "text"])
    messages = chat.loc[chat["fromUser.id"] == user, "text"]
    by_hand = "\n".join(messages[messages.str.len() > 0]).lower()
    return {by_hand, textgen.read_sources("chat", where=f"fromUser.id={user}").lower()}


def _nb09_ranked_user(rank: int) -> str:
    """The id of the ``rank``-th most active human chat user (0: the most active)."""
    from helpers import corpora

    chat = corpora.load_chat(["fromUser.id", "text"])
    humans = chat[chat["fromUser.id"] != corpora.CAMPERBOT_ID]
    return humans["fromUser.id"].value_counts().index[rank]


@register("09.1")
def _second_user_characters(answer: Any) -> tuple[bool, str]:
    """Characters of the second most active human user's whole text, lower-cased."""
    sizes = {len(text) for text in _nb09_user_texts(_nb09_ranked_user(1))}
    if int(answer) in sizes:
        return True, "All of the text the second model trains on; the budget keeps training short."
    return False, (
        "Take all of SECOND_USER's messages (not a sample): "
        "len(textgen.read_sources('chat', where=f'fromUser.id={SECOND_USER}').lower())."
    )


@register("09.3")
def _tutorial_user_characters(answer: Any) -> tuple[bool, str]:
    """Characters of the Kaggle tutorial's user's messages in the course's chat archive."""
    from helpers import corpora

    sizes = {len(text) for text in _nb09_user_texts(corpora.TUTORIAL_USER_ID)}
    if int(answer) in sizes:
        return True, (
            "A small text: the trainer narrows the model for it, and a model that reads a small "
            "text many times soon starts to repeat it."
        )
    return False, (
        "Keep the rows whose fromUser.id is corpora.TUTORIAL_USER_ID, join their non-empty "
        "texts with '\\n', lower-case, and take len(...)."
    )


@register("09.4")
def _resumed_within_the_budget(answer: Any) -> tuple[bool, str]:
    """``(first, second)``: textgen results of an interrupted call and of the call after it."""
    first, second = answer
    if first.finished:
        return False, (
            "The first result says finished=True: press the stop button while it trains (after "
            "the first epoch's line), and keep what the interrupted call returns."
        )
    if not second.finished:
        return False, "The second call did not finish: let it run until its budget is spent."
    done = len(first.history.get("loss", []))
    if done == 0:
        return False, "Stop it after the first epoch has finished, so there is something to keep."
    for key, values in first.history.items():
        if second.history.get(key, [])[:done] != values:
            return False, (
                f"The second run's {key!r} does not start with the first one's: did the second "
                "call use the same file, budget, seed and run_dir?"
            )
    budget, used = second.record["minutes_budget"], second.record["minutes_used"]
    elapsed = second.history["elapsed_s"]
    last_epoch = elapsed[-1] - (elapsed[-2] if len(elapsed) > 1 else 0.0)
    # Allowed beyond the budget: the epoch that ran out of it (it ends and is validated), and
    # the second call's first batch, which builds the training step and which no budget counts.
    if 60 * used > 60 * budget + last_epoch + 30:
        return False, (
            f"It used {used:.2f} of {budget:g} minutes, more than the budget, the epoch that ran "
            "out of it and a first batch: pass the same minutes again."
        )
    return True, (
        "It resumed after the last saved epoch and kept the epochs already trained; the seconds "
        "spent before the interruption counted against the budget."
    )
