"""The efficient recipe's machinery (notebook 06) and the one training loop: targets at every
position, stateful generation, resumable runs of every recipe, and training under
MirroredStrategy on two logical CPUs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from helpers import checkpoint, generation, lstm, recipes, training, windows
from helpers.vocab import UnknownCharactersError, Vocabulary

TEXT = (
    "it is the profound, suspicious fear of an incurable pessimism which forces whole "
    "centuries to fasten their teeth into a religious interpretation of existence. "
) * 12
RECIPE = recipes.efficient("cpu", corpus="test").replace(
    window=20, units=16, embed_dim=8, batch_size=8
)
ONE_HOT = recipes.NIETZSCHE.replace(corpus="test", window=10, units=8, batch_size=32)
NORMALIZED = recipes.ALICE.replace(corpus="test", window=12, units=8, batch_size=32)


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary.from_text(TEXT)


def test_the_recipes_own_their_layout_and_sizes(vocab):
    assert RECIPE.generation == "stateful" and RECIPE.targets == "every" and RECIPE.step == 20
    assert ONE_HOT.generation == NORMALIZED.generation == "windowed"
    model = RECIPE.build(vocab.size)
    assert [layer.name for layer in model.layers] == ["embedding", "lstm", "output"]
    assert model.get_layer("lstm").units == 16 and model.get_layer("embedding").output_dim == 8
    alice = recipes.ALICE.build(vocab.size)
    assert [layer.name for layer in alice.layers] == ["lstm", "dropout", "output"]
    assert alice.get_layer("dropout").rate == 0.2 and alice.get_layer("lstm").units == 256
    assert type(recipes.NIETZSCHE.build(vocab.size).optimizer).__name__ == "RMSprop"
    assert recipes.efficient("gpu").units == 512 and recipes.efficient("shipped").window == 100
    with pytest.raises(ValueError, match="embed_dim"):
        recipes.Recipe("x", "test", 10, 10, "ids")
    with pytest.raises(KeyError, match="cpu, gpu"):
        recipes.efficient("tpu")


def test_recipes_round_trip_and_old_checkpoints_are_read():
    for recipe in (RECIPE, ONE_HOT, NORMALIZED, *recipes.RECIPES.values()):
        assert recipes.Recipe.from_dict(recipe.to_dict()) == recipe
    old = {"name": "one_hot_lstm", "corpus": "nietzsche", "window": 40, "step": 3,
           "encoding": "one_hot", "lower": True}  # fmt: skip
    assert recipes.Recipe.from_dict(old) == recipes.NIETZSCHE
    with pytest.raises(ValueError, match="does not know"):
        recipes.Recipe.from_dict({**RECIPE.to_dict(), "layers": 2})


@pytest.mark.parametrize("recipe", [RECIPE, ONE_HOT, NORMALIZED], ids=lambda r: r.encoding)
def test_the_numpy_lstm_reads_like_the_model(vocab, recipe):
    keras.utils.set_random_seed(0)
    model = recipe.build(vocab.size)
    x, y = recipe.windows(vocab.encode(TEXT), vocab.size)
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    prefix = vocab.encode("the profound, suspicious fear")[: recipe.window]
    full = np.asarray(model.predict_on_batch(recipe.encode_inputs(prefix[None], vocab.size)))
    char_lstm = lstm.CharLSTM(model, recipe, vocab.size)
    record = char_lstm.run(prefix)
    if recipe.targets == "every":  # a prediction after every position
        np.testing.assert_allclose(record["p"], full[0], rtol=2e-4, atol=2e-6)
    else:  # a prediction after the whole window
        np.testing.assert_allclose(record["p"][-1], full[0], rtol=2e-4, atol=2e-6)
    assert record["c"].shape == record["f"].shape == (len(prefix), recipe.units)
    np.testing.assert_allclose(
        record["h"], record["o"] * np.tanh(record["c"]), rtol=1e-6, atol=1e-7
    )


def test_a_char_lstm_refuses_other_models(vocab):
    two = keras.Sequential(
        [keras.Input((5, 3)), keras.layers.LSTM(4, return_sequences=True), keras.layers.LSTM(4)]
    )
    with pytest.raises(ValueError, match="one LSTM layer followed by a Dense"):
        lstm.CharLSTM(two, ONE_HOT, vocab.size)


def test_stream_is_deterministic_batched_and_checks_the_seed_text(vocab, tmp_path):
    keras.utils.set_random_seed(1)
    model = RECIPE.build(vocab.size)
    path = checkpoint.save(tmp_path / "m.keras", model, vocab, RECIPE)
    ck = checkpoint.load(path, compile=False)
    a = generation.generate(ck.model, ck.vocab, ck.recipe, "the fear", 30, 0.8, 4, seed=5)
    b = generation.generate(model, vocab, RECIPE, "the fear", 30, 0.8, 4, seed=5)
    assert a == b and len(a) == 4 and all(len(t) == 30 for t in a)
    assert len(set(a)) > 1  # four different samples
    steps = generation.stream(model, vocab, RECIPE, "the fear", 5, 0.8, seed=5)
    first = next(steps)
    assert isinstance(first, tuple) and len(first) == 1 and first[0] in vocab.chars
    with pytest.raises(UnknownCharactersError, match="'z'"):  # lower-cased first
        next(generation.stream(model, vocab, RECIPE, "Zarathustra", 5))
    with pytest.raises(ValueError, match="temperature"):
        next(generation.stream(model, vocab, RECIPE, "the", 5, temperature=-1))


def test_stateful_generation_equals_windowed_generation_of_the_same_model(vocab):
    keras.utils.set_random_seed(2)
    model = RECIPE.build(vocab.size)
    seed_text = "the profound fear of "
    windowed = generation.WindowedPredictor(model, vocab, RECIPE.replace(window=len(seed_text)))
    stateful = generation.StatefulPredictor(model, vocab, RECIPE)
    np.testing.assert_allclose(
        windowed.start(seed_text, 1), stateful.start(seed_text, 1), rtol=2e-4, atol=2e-6
    )


def test_classic_models_generate_through_their_window(vocab):
    model = ONE_HOT.build(vocab.size)
    texts = generation.generate(model, vocab, ONE_HOT, "the fear", 12, [0.5, 1.0], seed=0)
    assert [len(t) for t in texts] == [12, 12]
    assert isinstance(generation.predictor(model, vocab, ONE_HOT), generation.WindowedPredictor)


@pytest.mark.parametrize("recipe", [RECIPE, ONE_HOT, NORMALIZED], ids=lambda r: r.encoding)
def test_every_recipe_resumes_exactly(vocab, tmp_path, recipe):
    train_ids, val_ids = windows.split_tail(vocab.encode(TEXT), 0.2)

    def build():
        keras.utils.set_random_seed(7)
        return recipe.build(vocab.size)

    def fit(model, folder, **kwargs):
        return training.fit(
            model, vocab, recipe, train_ids, val_ids, 3, run_dir=tmp_path / folder, seed=11,
            verbose=0, **kwargs,
        )  # fmt: skip

    straight = fit(build(), "a")
    cut = fit(build(), "b", callbacks=[training.InterruptAfter(1)])
    assert straight.finished and not cut.finished and cut.epochs == 1
    resumed = fit(build(), "b")
    assert resumed.finished and resumed.resumed_after == 1 and resumed.epochs == 3
    assert straight.history["loss"][-1] < straight.history["loss"][0]
    for wa, wb in zip(straight.model.get_weights(), resumed.model.get_weights(), strict=True):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    for key in ("loss", "val_loss", "val_bits_per_char"):
        np.testing.assert_allclose(straight.history[key], resumed.history[key], rtol=1e-5)
    assert resumed.history["elapsed_s"] == sorted(resumed.history["elapsed_s"])


def test_a_run_directory_of_another_run_is_refused(vocab, tmp_path):
    train_ids, val_ids = windows.split_tail(vocab.encode(TEXT), 0.2)
    fit = training.fit
    fit(RECIPE.build(vocab.size), vocab, RECIPE, train_ids, val_ids, 1, run_dir=tmp_path, verbose=0)
    wider = RECIPE.replace(units=32)
    with pytest.raises(checkpoint.CheckpointError, match=r"units=16 \(now 32\)") as err:
        fit(wider.build(vocab.size), vocab, wider, train_ids, val_ids, 2, run_dir=tmp_path)
    assert "another run directory" in str(err.value)
    with pytest.raises(checkpoint.CheckpointError, match="seed was 0, not 12"):
        fit(RECIPE.build(vocab.size), vocab, RECIPE, train_ids, val_ids, 2, run_dir=tmp_path,
            seed=12)  # fmt: skip
    with pytest.raises(checkpoint.CheckpointError, match="another text"):
        fit(RECIPE.build(vocab.size), vocab, RECIPE, train_ids[:-20], val_ids, 2, run_dir=tmp_path)


def test_cudnn_eligibility_names_what_breaks_it():
    assert recipes.cudnn_eligibility(keras.layers.LSTM(8)) == []
    reasons = recipes.cudnn_eligibility(keras.layers.LSTM(8, recurrent_dropout=0.1, unroll=True))
    assert reasons == ["recurrent_dropout=0.1 (must be 0)", "unroll=True"]
    assert recipes.cudnn_eligibility(keras.layers.LSTM(8, dropout=0.2)) == []
    assert recipes.cudnn_eligibility(keras.layers.LSTM(8, use_cudnn=False)) == ["use_cudnn=False"]
    assert recipes.cudnn_eligibility(keras.layers.LSTM(8, activation="relu", use_bias=False)) == [
        "activation is not tanh",
        "use_bias=False",
    ]


def test_training_under_mirrored_strategy_on_two_logical_cpus():
    script = textwrap.dedent(f"""
        import numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
        from helpers import env, recipes, windows
        from helpers.vocab import Vocabulary
        text = {TEXT!r}
        vocab = Vocabulary.from_text(text)
        recipe = recipes.efficient("cpu").replace(window=20, units=16, embed_dim=8, batch_size=8)
        strategy = env.strategy()
        assert isinstance(strategy, tf.distribute.MirroredStrategy), type(strategy)
        with strategy.scope():
            model = recipe.build(vocab.size)
        data = recipe.dataset(vocab.encode(text), vocab.size, shuffle=True)
        hist = model.fit(data, epochs=1, steps_per_epoch=4, verbose=0)
        loss = hist.history["loss"][-1]
        assert np.isfinite(loss), loss
        print("replicas", strategy.num_replicas_in_sync, "loss", loss)
    """)
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "replicas 2" in out.stdout
