"""Notebook 05's machinery: contiguous chunks, the efficient model, stateful generation,
resumable runs, and training under MirroredStrategy on two logical CPUs."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from helpers import checkpoint, generation, recipes, training, windows
from helpers.vocab import Vocabulary, UnknownCharactersError

TEXT = ("it is the profound, suspicious fear of an incurable pessimism which forces whole "
        "centuries to fasten their teeth into a religious interpretation of existence. ") * 12
RECIPE = recipes.Recipe("embedding_lstm", "test", window=20, step=20, encoding="ids")


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary.from_text(TEXT)


def small_model(vocab_size):
    return recipes.embedding_lstm(vocab_size, embed_dim=8, units=16, jit_compile=False)


def test_chunks_have_a_target_at_every_position():
    ids = np.arange(50)
    x, y = windows.chunk_arrays(ids, 7)
    assert x.shape == y.shape == (7, 7)
    np.testing.assert_array_equal(y, x + 1)
    assert windows.chunk_count(50, 7) == 7
    with pytest.raises(ValueError, match="at least 8"):
        windows.chunk_arrays(np.arange(7), 7)


def test_chunk_dataset_order_depends_only_on_seed_and_epoch():
    ids = np.arange(1000) % 31
    full = [b[0].numpy() for b in windows.chunk_dataset(ids, 10, 8, seed=3, epochs=3)]
    resumed = [b[0].numpy() for b in windows.chunk_dataset(ids, 10, 8, seed=3, first_epoch=1, epochs=3)]
    per_epoch = len(full) // 3
    assert per_epoch == 99 // 8
    for a, b in zip(full[per_epoch:], resumed):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(full[0], full[per_epoch])  # a new order every epoch
    short = [b[0].numpy() for b in windows.chunk_dataset(ids, 10, 8, seed=3, first_epoch=1,
                                                         epochs=2, batches_per_epoch=2)]
    assert len(short) == 2 and np.array_equal(short[0], full[per_epoch])
    with pytest.raises(ValueError, match="fewer than one batch"):
        windows.chunk_dataset(ids[:30], 10, 8)


def test_stateful_generator_matches_the_windowed_model(vocab):
    keras.utils.set_random_seed(0)
    model = small_model(vocab.size)
    model.fit(*windows.chunk_arrays(vocab.encode(TEXT), 20), epochs=1, batch_size=16, verbose=0)
    prefix = vocab.encode("the profound, suspicious fear")
    windowed = np.asarray(model.predict_on_batch(prefix[None, :]))[0]  # (len, V)
    gen = generation.StatefulGenerator(model)
    gen.reset(1)
    for t, char_id in enumerate(prefix):
        stepped = gen.step(np.array([char_id]))[0]
        np.testing.assert_allclose(stepped, windowed[t], rtol=2e-4, atol=2e-6)


def test_stateful_generator_refuses_other_models(vocab):
    with pytest.raises(ValueError, match="Embedding -> LSTM -> Dense"):
        generation.StatefulGenerator(recipes.one_hot_lstm(vocab.size, window=10, units=4))


def test_stream_is_deterministic_batched_and_checks_the_seed(vocab, tmp_path):
    keras.utils.set_random_seed(1)
    model = small_model(vocab.size)
    path = checkpoint.save(tmp_path / "m.keras", model, vocab, RECIPE)
    a = generation.generate_texts(path, "the fear", 30, 0.8, n_samples=4, seed=5)
    b = generation.generate_texts(path, "the fear", 30, 0.8, n_samples=4, seed=5)
    assert a == b and len(a) == 4 and all(len(t) == 30 for t in a)
    assert len(set(a)) > 1  # four different samples
    steps = generation.stream(model, "the fear", 5, 0.8, seed=5, vocab=vocab, recipe=RECIPE)
    first = next(steps)
    assert isinstance(first, tuple) and len(first) == 1 and first[0] in vocab.chars
    with pytest.raises(UnknownCharactersError, match="'z'"):  # lower-cased first
        next(generation.stream(path, "Zarathustra", 5))
    with pytest.raises(ValueError, match="temperature"):
        next(generation.stream(path, "the", 5, temperature=-1))


def test_classic_models_stream_too(vocab):
    one_hot = recipes.Recipe("one_hot_lstm", "test", window=10, step=3, encoding="one_hot")
    model = recipes.one_hot_lstm(vocab.size, window=10, units=4)
    texts = generation.generate_texts(model, "the fear", 12, 0.5, n_samples=2, seed=0,
                                      vocab=vocab, recipe=one_hot)
    assert [len(t) for t in texts] == [12, 12]


def test_resumed_training_ends_with_the_same_weights(vocab, tmp_path):
    ids = vocab.encode(TEXT)
    train_ids, val_ids = windows.split_tail(ids, 0.2)

    def build():
        keras.utils.set_random_seed(7)
        return small_model(vocab.size)

    kwargs = dict(epochs=3, batch_size=8, seed=11, verbose=0)
    straight, hist_a, done_a = training.fit_resumable(build, RECIPE, vocab, train_ids, val_ids,
                                                      tmp_path / "a", **kwargs)
    _, hist_b1, done_b1 = training.fit_resumable(build, RECIPE, vocab, train_ids, val_ids,
                                                 tmp_path / "b", callbacks=[training.InterruptAfter(1)],
                                                 **kwargs)
    assert done_a and not done_b1 and len(hist_b1["loss"]) == 1
    resumed, hist_b, done_b = training.fit_resumable(build, RECIPE, vocab, train_ids, val_ids,
                                                     tmp_path / "b", **kwargs)
    assert done_b and len(hist_b["loss"]) == 3
    for wa, wb in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hist_a["loss"], hist_b["loss"], rtol=1e-5)
    with pytest.raises(checkpoint.CheckpointError, match="seed"):
        training.fit_resumable(build, RECIPE, vocab, train_ids, val_ids, tmp_path / "b",
                               epochs=4, seed=12, verbose=0)


@pytest.mark.parametrize("encoding", ["one_hot", "normalized_integer"])
def test_classic_recipes_resume_exactly_too(vocab, tmp_path, encoding):
    recipe = recipes.Recipe(f"{encoding}_test", "test", window=12, step=3, encoding=encoding)
    train_ids, val_ids = windows.split_tail(vocab.encode(TEXT), 0.2)

    def build():
        keras.utils.set_random_seed(3)
        if encoding == "one_hot":
            return recipes.one_hot_lstm(vocab.size, window=12, units=8)
        return recipes.normalized_integer_lstm(vocab.size, window=12, units=8)

    kwargs = dict(epochs=3, batch_size=32, seed=5, verbose=0)
    straight, hist_a, _ = training.fit_resumable(build, recipe, vocab, train_ids, val_ids,
                                                 tmp_path / "a", **kwargs)
    training.fit_resumable(build, recipe, vocab, train_ids, val_ids, tmp_path / "b",
                           callbacks=[training.InterruptAfter(2)], **kwargs)
    resumed, hist_b, done = training.fit_resumable(build, recipe, vocab, train_ids, val_ids,
                                                   tmp_path / "b", **kwargs)
    assert done and len(hist_b["val_loss"]) == 3
    assert hist_a["loss"][-1] < hist_a["loss"][0]
    for wa, wb in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(wa, wb, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(hist_a["val_loss"], hist_b["val_loss"], rtol=1e-5)


def test_cudnn_eligibility_names_what_breaks_it():
    assert recipes.cudnn_eligibility(keras.layers.LSTM(8)) == []
    reasons = recipes.cudnn_eligibility(keras.layers.LSTM(8, recurrent_dropout=0.1, unroll=True))
    assert reasons == ["recurrent_dropout=0.1 (must be 0)", "unroll=True"]


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
        strategy = env.strategy()
        assert isinstance(strategy, tf.distribute.MirroredStrategy), type(strategy)
        with strategy.scope():
            model = recipes.embedding_lstm(vocab.size, embed_dim=8, units=16, jit_compile=False)
        data = windows.chunk_dataset(vocab.encode(text), 20, 8, epochs=1)
        hist = model.fit(data, epochs=1, steps_per_epoch=4, verbose=0)
        loss = hist.history["loss"][-1]
        assert np.isfinite(loss), loss
        print("replicas", strategy.num_replicas_in_sync, "loss", loss)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "replicas 2" in out.stdout
