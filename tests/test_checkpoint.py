"""helpers.checkpoint / generation / training: one self-describing file, atomic saves,
fresh-process round-trips, refusals of checkpoints that do not fit."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import zipfile

import keras
import numpy as np
import pytest

from helpers import checkpoint, generation, recipes, training, windows
from helpers.vocab import Vocabulary

TEXT = ("the quick brown fox jumps over the lazy dog. " * 40).strip()
SMALL = recipes.NIETZSCHE.replace(corpus="test", window=12, units=16, batch_size=32)
SMALL_INT = recipes.ALICE.replace(corpus="test", window=12, units=8, batch_size=32)


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary.from_text(TEXT)


@pytest.fixture(scope="module")
def trained(vocab, tmp_path_factory):
    """A small one-hot model trained for two epochs, with a best checkpoint."""
    keras.utils.set_random_seed(0)
    model = SMALL.build(vocab.size)
    train_ids, val_ids = windows.split_tail(vocab.encode(TEXT), 0.2)
    path = tmp_path_factory.mktemp("ckpt") / "best.keras"
    best = training.BestCheckpoint(path, vocab, SMALL, info={"corpus": "test"})
    run = training.fit(model, vocab, SMALL, train_ids, val_ids, 3, callbacks=[best], verbose=0)
    return model, path, run.history, best


def test_training_lowers_the_loss_and_logs_bits(trained):
    _, _, history, _ = trained
    losses = history["loss"]
    assert losses[-1] < losses[0]
    assert {"val_loss", "bits_per_char", "val_bits_per_char", "elapsed_s"} <= set(history)
    np.testing.assert_allclose(
        history["val_bits_per_char"], np.array(history["val_loss"]) / np.log(2), rtol=1e-4
    )
    table = training.history_table(history)
    assert list(table.columns) == ["loss", "val_loss", "bpc", "val_bpc", "elapsed_s"]


def test_best_checkpoint_is_self_describing(trained, vocab):
    _, path, history, best = trained
    meta = checkpoint.read_metadata(path)
    assert meta["recipe"] == SMALL.to_dict()
    assert Vocabulary.from_dict(meta["vocab"]) == vocab
    assert meta["info"]["corpus"] == "test"
    assert meta["info"]["epoch"] == best.best_epoch
    assert meta["info"]["val_loss"] == pytest.approx(min(history["val_loss"]))
    assert meta["keras"] == keras.__version__
    assert not list(path.parent.glob(".*tmp*")), "no temporary file left behind"


def test_reload_in_a_fresh_process_gives_identical_probabilities(tmp_path, vocab):
    keras.utils.set_random_seed(1)
    model = SMALL_INT.build(vocab.size)
    path = checkpoint.save(tmp_path / "m.keras", model, vocab, SMALL_INT)
    context = SMALL_INT.context("the lazy dog", vocab)
    here = generation.next_distributions(model, vocab, SMALL_INT, context[None])[0]
    script = textwrap.dedent(f"""
        import json, numpy as np
        from helpers import checkpoint, generation
        ck = checkpoint.load({str(path)!r})
        ctx = ck.recipe.context("the lazy dog", ck.vocab)
        p = generation.next_distributions(ck.model, ck.vocab, ck.recipe, ctx[None])[0]
        text = generation.generate_from_checkpoint({str(path)!r}, "the lazy dog", 25, 0.5, seed=3)
        print(json.dumps({{"p": p.tolist(), "text": text}}))
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(result["p"], here, rtol=1e-5, atol=1e-7)
    assert len(result["text"]) == 25 and set(result["text"]) <= set(vocab.chars)
    again = generation.generate_from_checkpoint(path, "the lazy dog", 25, 0.5, seed=3)
    assert again == result["text"], "generation is deterministic given a seed"


def test_generation_from_the_same_seed_at_several_temperatures(trained, vocab):
    model, _, _, _ = trained
    texts = generation.generate(model, vocab, SMALL, "the quick", 30, [0.0, 0.5, 1.2], seed=0)
    assert [len(t) for t in texts] == [30, 30, 30]
    greedy = generation.generate(model, vocab, SMALL, "the quick", 30, 0.0)
    assert greedy == texts[0]


def test_seed_text_outside_the_vocabulary_is_refused(trained, vocab):
    model, path, _, _ = trained
    with pytest.raises(ValueError, match="'Z'"):
        generation.generate(model, vocab, SMALL.replace(lower=False), "Zebra", 5)
    with pytest.raises(checkpoint.CheckpointError, match="not in the checkpoint's vocabulary"):
        checkpoint.load(path, text="über alles")


def test_mismatched_checkpoints_are_refused(trained, vocab, tmp_path):
    _, path, _, _ = trained
    with pytest.raises(checkpoint.CheckpointError, match="recipe"):
        checkpoint.load(path, recipe=recipes.NIETZSCHE)
    with pytest.raises(checkpoint.CheckpointError, match="vocabulary"):
        checkpoint.load(path, vocab=Vocabulary.from_text(TEXT + "!"))
    plain = tmp_path / "plain.keras"
    keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)]).save(plain)
    with pytest.raises(checkpoint.CheckpointError, match="without its vocabulary"):
        checkpoint.load(plain)
    junk = tmp_path / "junk.keras"
    junk.write_text("not a zip")
    with pytest.raises(checkpoint.CheckpointError, match="not a .keras archive"):
        checkpoint.load(junk)
    with pytest.raises(FileNotFoundError):
        checkpoint.load(tmp_path / "missing.keras")


def test_save_refuses_a_model_that_does_not_fit_its_recipe(trained, vocab, tmp_path):
    model, _, _, _ = trained
    with pytest.raises(checkpoint.CheckpointError, match="takes input"):
        checkpoint.save(tmp_path / "x.keras", model, vocab, SMALL_INT)
    with pytest.raises(checkpoint.CheckpointError, match=".keras"):
        checkpoint.save(tmp_path / "x.h5", model, vocab, SMALL)


def test_a_failed_save_keeps_the_previous_checkpoint(trained, vocab, tmp_path, monkeypatch):
    model, _, _, _ = trained
    path = checkpoint.save(tmp_path / "keep.keras", model, vocab, SMALL, {"n": 1})
    before = path.read_bytes()

    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken)
    with pytest.raises(OSError, match="disk full"):
        checkpoint.save(path, model, vocab, SMALL, {"n": 2})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.keras"]


def test_terminate_on_nan_stops_a_diverging_run(vocab):
    model = SMALL.replace(units=8).build(vocab.size)
    kernel = model.layers[-1].kernel
    kernel.assign(np.full(kernel.shape, np.nan, dtype="float32"))  # what divergence leaves behind
    ids = vocab.encode(TEXT)
    run = training.fit(model, vocab, SMALL.replace(units=8), ids[:1500], ids[1500:], 20, verbose=0)
    assert len(run.history["loss"]) == 1 and np.isnan(run.history["loss"][0])


def test_print_samples_starts_every_temperature_and_epoch_from_the_same_seed_text(
    trained, vocab, capsys, monkeypatch
):
    model, _, _, _ = trained
    cb = training.PrintSamples(
        vocab, SMALL, "The Quick brown", epochs=[1, 3], length=10, temperatures=(0.2, 1.0)
    )
    cb.set_model(model)
    starts = []
    real = generation.predictor

    def spy(model, vocab, recipe):
        source = real(model, vocab, recipe)
        start = source.start
        source.start = lambda seed_text, batch: (starts.append(seed_text), start(seed_text, batch))[
            1
        ]
        return source

    monkeypatch.setattr(generation, "predictor", spy)
    for epoch in range(3):
        cb.on_epoch_end(epoch)
    out = capsys.readouterr().out
    assert starts == ["The Quick brown", "The Quick brown"], "one batch per chosen epoch, one seed"
    assert out.count("seed text 'the quick brown'") == 2 and out.count("--- temperature") == 4
    assert list(cb.samples) == [1, 3] and set(cb.samples[1]) == {0.2, 1.0}
    assert cb.seed_texts == {1: "The Quick brown", 3: "The Quick brown"}


def test_a_file_whose_stored_architecture_this_keras_cannot_read_still_loads(vocab, tmp_path):
    """What happens when Keras 3.13 (Colab) opens a file Keras 3.15 wrote: the stored config has
    keys the older version does not know. Here an unknown key is injected into every initializer
    config, so that this Keras' own loader fails; the course's loader rebuilds the model from its
    recipe and reads only the weights."""
    keras.utils.set_random_seed(4)
    model = SMALL.build(vocab.size)
    path = checkpoint.save(tmp_path / "m.keras", model, vocab, SMALL)
    edited = tmp_path / "edited.keras"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(edited, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "config.json":
                text = data.decode()
                text = text.replace('"seed": null', '"seed": null, "from_the_future": 1')
                assert "from_the_future" in text
                data = text.encode()
            dst.writestr(item, data)
    with pytest.raises(Exception, match="from_the_future"):
        keras.saving.load_model(edited)
    loaded = checkpoint.load(edited)
    x = SMALL.encode_inputs(SMALL.context("the lazy dog", vocab)[None], vocab.size)
    np.testing.assert_array_equal(model.predict_on_batch(x), loaded.model.predict_on_batch(x))


def test_resuming_needs_the_optimizer_state_and_refuses_another_optimizer(trained, vocab, tmp_path):
    model, _, _, _ = trained
    shipped_like = checkpoint.save(tmp_path / "weights.keras", model.__class__.from_config(
        model.get_config()), vocab, SMALL)  # fmt: skip
    fresh = SMALL.build(vocab.size)
    with pytest.raises(checkpoint.CheckpointError, match="no optimizer state"):
        checkpoint.load_weights_into(fresh, shipped_like, optimizer=True)
    state = checkpoint.save(tmp_path / "state.keras", model, vocab, SMALL)
    adam = SMALL.replace(optimizer="adam").build(vocab.size)
    with pytest.raises(checkpoint.CheckpointError, match="another optimizer"):
        checkpoint.load_weights_into(adam, state, optimizer=True)
    same = checkpoint.load_weights_into(SMALL.build(vocab.size), state, optimizer=True)
    assert int(same.optimizer.iterations.numpy()) == int(model.optimizer.iterations.numpy()) > 0
