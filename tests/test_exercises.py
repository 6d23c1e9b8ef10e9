"""The exercises' self-checks: each accepts a right answer and refuses a wrong one with a hint."""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from helpers import exercises


def test_an_exercise_without_a_self_check_says_which_have_one():
    with pytest.raises(KeyError, match="Self-checks"):
        exercises.check("99.9", None)


# ---------------------------------------------------------------- notebook 05: one-hot LSTM
def test_05_1_windows_and_bytes_at_step_one(mirror, monkeypatch):
    from helpers import corpora, recipes, windows
    from helpers.vocab import Vocabulary

    monkeypatch.setenv(corpora.MIRROR_ENV, str(mirror))
    text = corpora.load_text("nietzsche", lower=True)
    vocab = Vocabulary.from_text(text)
    train_ids, _ = windows.split_tail(vocab.encode(text), 0.1)
    n = windows.count_windows(len(train_ids), recipes.NIETZSCHE.window, 1)
    right = {"windows": n, "X bytes": n * 40 * vocab.size}
    assert exercises.check("05.1", right)
    at_step_3 = windows.count_windows(len(train_ids), 40, 3)
    wrong = exercises.check("05.1", {"windows": at_step_3, "X bytes": at_step_3 * 40 * vocab.size})
    assert not wrong and "count_windows" in wrong.message
    float_bytes = exercises.check("05.1", {"windows": n, "X bytes": 4 * n * 40 * vocab.size})
    assert not float_bytes and "one byte per entry" in float_bytes.message
    assert not exercises.check("05.1", n), "a bare number has the wrong form"


def _model(recurrent, loss="sparse_categorical_crossentropy", optimizer=None, compile=True):
    import keras

    model = keras.Sequential(
        [keras.Input((40, 57)), recurrent, keras.layers.Dense(57, activation="softmax")]
    )
    if compile:
        optimizer = optimizer or keras.optimizers.RMSprop(learning_rate=0.01, clipnorm=1.0)
        model.compile(loss=loss, optimizer=optimizer)
    return model


def test_05_2_gru_in_place_of_the_lstm():
    import keras

    right = exercises.check("05.2", _model(keras.layers.GRU(128)))
    assert right and "three blocks" in right.message
    as_object = _model(keras.layers.GRU(128), loss=keras.losses.SparseCategoricalCrossentropy())
    assert exercises.check("05.2", as_object)
    assert not exercises.check("05.2", _model(keras.layers.LSTM(128)))
    narrow = exercises.check("05.2", _model(keras.layers.GRU(64)))
    assert not narrow and "128" in narrow.message
    no_softmax = keras.Sequential(
        [keras.Input((40, 57)), keras.layers.GRU(128), keras.layers.Dense(57)]
    )
    assert not exercises.check("05.2", no_softmax)


def test_05_2_refuses_a_gru_that_is_not_compiled_as_the_recipe():
    import keras

    uncompiled = exercises.check("05.2", _model(keras.layers.GRU(128), compile=False))
    assert not uncompiled and "not compiled" in uncompiled.message
    one_hot_loss = exercises.check(
        "05.2", _model(keras.layers.GRU(128), loss="categorical_crossentropy")
    )
    assert not one_hot_loss and "sparse" in one_hot_loss.message
    adam = exercises.check("05.2", _model(keras.layers.GRU(128), optimizer=keras.optimizers.Adam()))
    assert not adam and "RMSprop" in adam.message
    slow = keras.optimizers.RMSprop(learning_rate=0.001)
    assert not exercises.check("05.2", _model(keras.layers.GRU(128), optimizer=slow))


# ------------------------------------------------------------------ notebook 08: look inside
def long_word(text):
    out, run = [], 0
    for ch in text:
        run = run + 1 if ch.isalpha() else 0
        out.append(float(run > 5))
    return np.array(out)


def test_08_1_the_long_word_feature():
    assert exercises.check("08.1", long_word)
    wrong = exercises.check("08.1", lambda text: np.array([ch.isalpha() for ch in text], float))
    assert not wrong and "should be 0" in wrong.message
    off_by_one = exercises.check("08.1", lambda text: np.r_[long_word(text)[1:], 0.0])
    assert not off_by_one
    assert not exercises.check("08.1", long_word("abc"))  # a result, not the function
    assert "one number per character" in exercises.check("08.1", lambda t: [0.0]).message


def space_counter(reset: str, gates: str = "if"):
    """The notebook's hand-built counter, reset by ``reset`` instead of a newline (shutting the
    input and forget ``gates``)."""
    from helpers import recipes
    from helpers.vocab import Vocabulary

    vocab = Vocabulary.from_text("abcdefghijklmnopqrstuvwxyz \n.,")
    units = 2
    recipe = recipes.NIETZSCHE.replace(corpus="test", units=units)
    model = recipe.build(vocab.size, compile=False)
    kernel, recurrent, bias, out_w, out_b = (np.zeros(w.shape, "float32") for w in model.weights)
    i, f, g, o = (k * units for k in range(4))
    bias[i], bias[f], bias[g], bias[o] = 10, 10, 0.1, 10
    for gate in gates:
        kernel[vocab.char_to_id[reset], {"i": i, "f": f}[gate]] = -20
    model.set_weights([kernel, recurrent, bias, out_w, out_b])
    return model, vocab, recipe


def test_08_2_the_space_counter():
    right = exercises.check("08.2", space_counter(" "))
    assert right, right.message
    wrong = exercises.check("08.2", space_counter("\n"))
    assert not wrong and "correlates" in wrong.message
    writes = exercises.check("08.2", space_counter(" ", gates="f"))
    assert not writes and "shut the input gate" in writes.message
    assert not exercises.check("08.2", "a model")


# ------------------------------------------------------------------ notebook 10: generate text live
def test_10_1_a_top_k_generate_function():
    from helpers import app

    def with_top_k(ckpt, seed_text, length, temperature, top_p, top_k):
        k = int(top_k) or None
        yield from app.stream_text(ckpt, seed_text, length, temperature, top_p, top_k=k)

    def ignores_top_k(ckpt, seed_text, length, temperature, top_p, top_k):
        yield from app.stream_text(ckpt, seed_text, length, temperature, top_p)

    def zero_passed_on(ckpt, seed_text, length, temperature, top_p, top_k):
        yield from app.stream_text(ckpt, seed_text, length, temperature, top_p, top_k=top_k)

    assert exercises.check("10.1", with_top_k)
    wrong = exercises.check("10.1", ignores_top_k)
    assert not wrong and "greedy" in wrong.message
    zero = exercises.check("10.1", zero_passed_on)
    assert not zero and "top_k=None" in zero.message


def test_10_4_a_generator_that_refuses_long_seed_texts():
    from helpers import app

    class ShortSeeds(app.LiveGenerator):
        def problem(self, ckpt, seed_text, length):
            if len(seed_text) > 200:
                return f"Keep the seed text to 200 characters; it has {len(seed_text)}."
            return super().problem(ckpt, seed_text, length)

    class Forgetful(app.LiveGenerator):
        def problem(self, ckpt, seed_text, length):
            return "Too long." if len(seed_text) > 200 else None

    class OffByOne(app.LiveGenerator):
        def problem(self, ckpt, seed_text, length):
            return (
                "Too long." if len(seed_text) >= 200 else super().problem(ckpt, seed_text, length)
            )

    assert exercises.check("10.4", ShortSeeds)
    assert "super().problem" in exercises.check("10.4", Forgetful).message
    assert "exactly 200" in exercises.check("10.4", OffByOne).message
    assert "not an instance" in exercises.check("10.4", ShortSeeds({})).message


def test_check_names_the_exercises_that_have_a_self_check():
    with pytest.raises(KeyError, match="Self-checks: "):
        exercises.check("99.9", 0)


# ------------------------------------------------------ notebook 01: explore the corpora
def _entropy(text: str) -> float:
    return -sum(n / len(text) * math.log2(n / len(text)) for n in Counter(text).values())


def test_01_1_nietzsche_without_lower_casing(mirror):
    from helpers import corpora

    written, lower = corpora.load_text("nietzsche"), corpora.load_text("nietzsche", lower=True)
    extra = len(set(written)) - len(set(lower))
    bits = _entropy(written) - _entropy(lower)
    assert exercises.check("01.1", (extra, bits))
    assert not exercises.check("01.1", (extra + 1, bits))
    assert not exercises.check("01.1", (extra, bits + 0.1))
    assert not exercises.check("01.1", "no idea")  # the wrong form is a verdict, not an error


def test_01_2_rarest_alice_characters(mirror):
    from helpers import corpora

    counts = Counter(corpora.load_text("alice", lower=True))
    rarest = {c for c, n in counts.items() if n == min(counts.values())}
    assert exercises.check("01.2", rarest)
    assert not exercises.check("01.2", {"e"})
    assert not exercises.check("01.2", set(list(rarest)[:1]) if len(rarest) > 1 else {" "})


def test_01_3_mixed_corpus_vocabulary(mirror):
    from helpers import corpora

    size = len(set(corpora.load_text(["nietzsche", "alice"], lower=True)))
    assert exercises.check("01.3", size)
    assert not exercises.check("01.3", size - 1)


def test_01_4_second_user_vocabulary(mirror):
    size = len(set(exercises._nb01_chat_user_text(1)))
    assert exercises.check("01.4", size)
    assert not exercises.check("01.4", len(set(exercises._nb01_chat_user_text(0))) + 100)


# ------------------------------------------------------ notebook 02: prepare sequences
def test_02_1_alice_windows(mirror):
    from helpers import corpora

    n = len(range(0, len(corpora.load_text("alice", lower=True)) - 100, 3))
    assert exercises.check("02.1", n)
    assert not exercises.check("02.1", n + 1)


def test_02_2_tiny_shakespeare_bytes(mirror):
    from helpers import corpora

    text = corpora.load_text("tinyshakespeare", lower=True)
    n, v = len(range(0, len(text) - 60, 1)), len(set(text))
    as_bool, as_float32 = n * (60 * v + 4), n * (60 * v * 4 + 4)
    assert exercises.check("02.2", (as_bool, as_float32))
    assert not exercises.check("02.2", (as_bool, as_bool))
    assert not exercises.check("02.2", (as_bool * 3, as_float32))


def test_02_3_overlap_function():
    assert exercises.check("02.3", lambda window, step: max(0, window - step))
    assert not exercises.check("02.3", lambda window, step: window - step)  # negative when apart
    assert not exercises.check("02.3", lambda window, step: window - 1)


def test_02_4_shuffled_epochs():
    from helpers import windows

    stream = windows.dataset(
        np.arange(1000), 10, 3, "ids", 1000, batch_size=32, shuffle=True, epochs=2
    )
    starts = np.concatenate([x[:, 0] for x, _ in stream.as_numpy_iterator()])
    first, second = starts[: len(starts) // 2], starts[len(starts) // 2 :]
    assert exercises.check("02.4", (first, second))
    batches = [x[:, 0] for x, _ in stream.as_numpy_iterator()]  # lists of batches, last shorter
    half = len(batches) // 2
    assert len(batches[half - 1]) != len(batches[0])
    assert exercises.check("02.4", (batches[:half], batches[half:]))
    assert exercises.check("02.4", (first.tolist(), second.tolist()))
    assert not exercises.check("02.4", (first, first))
    assert not exercises.check("02.4", (first, second[:-1]))


def test_02_5_targets_per_pass(mirror):
    from helpers import corpora

    n = len(corpora.load_text("nietzsche", lower=True))
    every, last = len(range(0, n - 50, 50)) * 50, len(range(0, n - 40, 3))
    assert exercises.check("02.5", (every, last))
    assert not exercises.check("02.5", (len(range(0, n - 50, 50)), last))
    assert not exercises.check("02.5", (every, last * 3))


def test_02_6_ubermensch_vocabulary(mirror):
    from helpers import corpora
    from helpers.vocab import Vocabulary

    strict = Vocabulary.from_text(corpora.load_text("nietzsche", lower=True))
    assert exercises.check("02.6", Vocabulary(strict.chars, oov="replace", replacement="u"))
    assert exercises.check("02.6", Vocabulary(strict.chars, oov="drop"))
    assert not exercises.check("02.6", strict)
    assert not exercises.check("02.6", Vocabulary.from_text("übermensch"))
    assert "'Ü'" in exercises.check("02.6", strict).message  # the word as written fails first


# ---------------------------------------------------------------------------------------------
# Notebook 04: train a normalized-integer LSTM on Alice in Wonderland.


@pytest.mark.usefixtures("mirror")
def test_04_checks_accept_the_right_answers():
    from helpers import corpora

    nietzsche = len(set(corpora.load_text("nietzsche", lower=True)))
    alice = len(set(corpora.load_text("alice", lower=True)))
    alice_cased = len(set(corpora.load_text("alice", lower=False)))
    assert exercises.check("04.1", math.log2(nietzsche))
    assert exercises.check("04.2", 4 * 256 * 258 + 256 * alice + alice)
    assert exercises.check("04.3", (alice, alice_cased))
    assert exercises.check("04.4", 0.25 / (0.25 + 0.09 + 0.04))


@pytest.mark.usefixtures("mirror")
def test_04_checks_refuse_wrong_answers_with_a_hint():
    from helpers import corpora

    nietzsche = len(set(corpora.load_text("nietzsche", lower=True)))
    alice = len(set(corpora.load_text("alice", lower=True)))
    alice_cased = len(set(corpora.load_text("alice", lower=False)))
    verdict = exercises.check("04.1", nietzsche)
    assert not verdict and "log2" in verdict.message
    assert not exercises.check("04.1", math.log(nietzsche))
    verdict = exercises.check("04.2", 4 * 256 * 258 + 256 * alice + alice + 1)
    assert not verdict and "Dropout" in verdict.message
    verdict = exercises.check("04.3", (alice_cased, alice))
    assert not verdict and "Swapped" in verdict.message
    verdict = exercises.check("04.4", 0.5)
    assert not verdict and "temperature 1" in verdict.message
    assert "wrong form" in repr(exercises.check("04.3", 45))


# ----------------------------------------------------------------------------- notebook 06
def test_06_1_resumes_after_the_last_completed_epoch():
    assert exercises.check("06.1", 1)
    assert not exercises.check("06.1", 2)


def test_06_2_wants_the_refusal_that_names_the_width():
    from helpers.checkpoint import CheckpointError

    right = CheckpointError("state.keras belongs to another run: units=128 (now 256).")
    assert exercises.check("06.2", right)
    assert not exercises.check("06.2", ValueError("units=128"))
    assert not exercises.check("06.2", None)


def test_06_3_cudnn_eligible_layers():
    assert exercises.check("06.3", [0, 1])
    assert not exercises.check("06.3", [0])
    assert not exercises.check("06.3", "not a list")


def test_06_4_targets_per_epoch(mirror):
    from helpers import corpora, recipes, windows
    from helpers.vocab import Vocabulary

    recipe = recipes.efficient("cpu").replace(window=100)
    text = corpora.load_text("nietzsche", lower=True)
    train_ids, _ = windows.split_tail(Vocabulary.from_text(text).encode(text), 0.1)
    _, y = recipe.windows(train_ids, 60)
    assert exercises.check("06.4", y.size)
    assert not exercises.check("06.4", len(y))


def test_06_5_mixed_precision_dtypes():
    right = {"lstm weights": "float32", "lstm computes": "float16", "output computes": "float32"}
    assert exercises.check("06.5", right)
    assert not exercises.check("06.5", {**right, "output computes": "float16"})
    assert not exercises.check("06.5", {"lstm weights": "float32"})  # wrong form, no error


# ----------------------------------------------------------------------------- notebook 07
def test_07_1_nucleus_sizes_grow_with_temperature():
    from helpers import sampling

    probs = exercises._shipped_distribution()
    right = {t: int((sampling.distribution(probs, t, top_p=0.9) > 0).sum()) for t in (0.5, 1, 1.5)}
    assert right[0.5] < right[1.5]
    assert exercises.check("07.1", right)
    assert not exercises.check("07.1", {**right, 0.5: right[0.5] + 1})


def test_07_3_min_p_is_checked_as_a_function():
    def min_p(probs, ratio):
        kept = np.where(probs >= ratio * probs.max(), probs, 0.0)
        return kept / kept.sum()

    def forgets_to_renormalize(probs, ratio):
        return np.where(probs >= ratio * probs.max(), probs, 0.0)

    assert exercises.check("07.3", min_p)
    assert not exercises.check("07.3", forgets_to_renormalize)
    assert not exercises.check("07.3", 0.5)


def test_07_5_the_unknown_character_error():
    from helpers.vocab import UnknownCharactersError, Vocabulary

    vocab = Vocabulary.from_text("abc ")
    with pytest.raises(UnknownCharactersError) as caught:
        vocab.encode("a ü")
    assert exercises.check("07.5", caught.value)
    with pytest.raises(UnknownCharactersError) as other:
        vocab.encode("a z")
    assert not exercises.check("07.5", other.value)
    assert not exercises.check("07.5", ValueError("ü"))


# ------------------------------------------------------ notebook 09: train on your own text
def test_09_1_and_09_3_count_a_users_whole_text(mirror):
    from helpers import corpora, textgen

    second = exercises._nb09_ranked_user(1)
    text = textgen.read_sources("chat", where=f"fromUser.id={second}").lower()
    assert exercises.check("09.1", len(text))
    assert not exercises.check("09.1", int(len(text) * 0.2)), "a 20% sample is not the answer"
    where = f"fromUser.id={corpora.TUTORIAL_USER_ID}"
    tutorial = textgen.read_sources("chat", where=where).lower()
    assert exercises.check("09.3", len(tutorial))
    assert not exercises.check("09.3", len(text))


def test_09_4_wants_an_interrupted_run_and_its_resumption():
    from helpers.textgen import Result

    def result(losses, finished, used=1.0):
        history = {"loss": losses, "elapsed_s": [30.0 * (i + 1) for i in range(len(losses))]}
        record = {"minutes_budget": 2.0, "minutes_used": used}
        return Result(Path("m.keras"), record, history, {}, Path("run"), finished)

    first = result([2.0], finished=False)
    assert exercises.check("09.4", (first, result([2.0, 1.8, 1.7], finished=True)))
    assert not exercises.check("09.4", (result([2.0], True), result([2.0, 1.8], True)))
    restarted = exercises.check("09.4", (first, result([2.1, 1.8], finished=True)))
    assert not restarted and "start with" in restarted.message
    assert not exercises.check("09.4", (first, result([2.0, 1.8], finished=True, used=5.0)))
    clock_restarted = result([2.0, 1.8], finished=True)
    clock_restarted.history["elapsed_s"] = [5.0, 35.0]
    assert not exercises.check("09.4", (first, clock_restarted))
    assert not exercises.check("09.4", (result([], False), result([2.0], True)))


# ----------------------------------------------------------------------------- notebook 03
def test_03_1_lstm_and_gru_parameter_counts():
    from keras import layers

    lstm, gru = layers.LSTM(64), layers.GRU(64)
    lstm.build((None, 5, 10))
    gru.build((None, 5, 10))
    assert exercises.check("03.1", (lstm.count_params(), gru.count_params()))
    verdict = exercises.check("03.1", (lstm.count_params(), 3 * 64 * (10 + 64 + 1)))
    assert not verdict and "two" in verdict.message
    assert not exercises.check("03.1", (4 * 64 * (10 + 64), gru.count_params()))
    assert "wrong form" in repr(exercises.check("03.1", 5))


def test_03_2_a_trained_gru_remembers_and_an_untrained_one_does_not():
    from helpers import memory

    k = 20
    untrained = memory.build("GRU", k)
    verdict = exercises.check("03.2", untrained)
    assert not verdict and "train it" in verdict.message
    assert not exercises.check("03.2", memory.build("LSTM", k))  # not a GRU
    assert "k = 5" in exercises.check("03.2", memory.build("GRU", 5)).message  # too short
    import keras

    keras.utils.set_random_seed(0)
    trained = memory.build("GRU", k)
    x, y = memory.task(640 * 64, k, np.random.default_rng(0))
    trained.fit(x, y, batch_size=64, epochs=1, verbose=0)
    assert exercises.check("03.2", trained)


def test_03_3_forget_bias_shares():
    sigmoid = {b: 1 / (1 + math.exp(-b)) for b in (1, 0)}
    assert exercises.check("03.3", {b: s**50 for b, s in sigmoid.items()})
    verdict = exercises.check("03.3", sigmoid)
    assert not verdict and "one step" in verdict.message
    assert not exercises.check("03.3", {1: 0.5**50, 0: sigmoid[1] ** 50})
