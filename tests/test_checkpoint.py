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
SMALL = recipes.Recipe("one_hot_lstm", "test", window=12, step=3, encoding="one_hot")
SMALL_INT = recipes.Recipe("normalized_integer_lstm", "test", window=12, step=1,
                           encoding="normalized_integer")


@pytest.fixture(scope="module")
def vocab():
    return Vocabulary.from_text(TEXT)


@pytest.fixture(scope="module")
def trained(vocab, tmp_path_factory):
    """A small one-hot model trained for two epochs, with a best checkpoint."""
    keras.utils.set_random_seed(0)
    model = recipes.one_hot_lstm(vocab.size, window=SMALL.window, units=16)
    train_ids, val_ids = windows.split_tail(vocab.encode(TEXT), 0.2)
    path = tmp_path_factory.mktemp("ckpt") / "best.keras"
    best = training.BestCheckpoint(path, vocab, SMALL, info={"corpus": "test"})
    history = training.fit(model, SMALL, vocab, train_ids, val_ids, epochs=3, batch_size=32,
                           callbacks=[best], verbose=0)
    return model, path, history, best


def test_training_lowers_the_loss_and_logs_bits(trained):
    _, _, history, _ = trained
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    assert {"val_loss", "bits_per_char", "val_bits_per_char", "elapsed_s"} <= set(history.history)
    np.testing.assert_allclose(history.history["val_bits_per_char"],
                               np.array(history.history["val_loss"]) / np.log(2), rtol=1e-4)
    table = training.history_table(history)
    assert list(table.columns) == ["loss", "val_loss", "bpc", "val_bpc", "elapsed_s"]


def test_best_checkpoint_is_self_describing(trained, vocab):
    _, path, history, best = trained
    meta = checkpoint.read_metadata(path)
    assert meta["recipe"] == SMALL.to_dict()
    assert Vocabulary.from_dict(meta["vocab"]) == vocab
    assert meta["info"]["corpus"] == "test"
    assert meta["info"]["epoch"] == best.best_epoch
    assert meta["info"]["val_loss"] == pytest.approx(min(history.history["val_loss"]))
    assert not list(path.parent.glob(".*tmp*")), "no temporary file left behind"


def test_reload_in_a_fresh_process_gives_identical_probabilities(tmp_path, vocab):
    keras.utils.set_random_seed(1)
    model = recipes.normalized_integer_lstm(vocab.size, window=SMALL_INT.window, units=8)
    path = checkpoint.save(tmp_path / "m.keras", model, vocab, SMALL_INT)
    context = SMALL_INT.context("the lazy dog", vocab)
    here = generation.next_distributions(model, SMALL_INT, vocab, context[None])[0]
    script = textwrap.dedent(f"""
        import json, numpy as np
        from helpers import checkpoint, generation
        ck = checkpoint.load({str(path)!r})
        ctx = ck.recipe.context("the lazy dog", ck.vocab)
        p = generation.next_distributions(ck.model, ck.recipe, ck.vocab, ctx[None])[0]
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
        generation.generate(model, vocab, SMALL.__class__(**{**SMALL.to_dict(), "lower": False}),
                            "Zebra", 5)
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
    model = recipes.one_hot_lstm(vocab.size, window=SMALL.window, units=8)
    kernel = model.layers[-1].kernel
    kernel.assign(np.full(kernel.shape, np.nan, dtype="float32"))  # what divergence leaves behind
    ids = vocab.encode(TEXT)
    history = training.fit(model, SMALL, vocab, ids[:1500], ids[1500:], epochs=20, batch_size=32,
                           verbose=0)
    assert len(history.history["loss"]) == 1 and np.isnan(history.history["loss"][0])


def test_print_samples_uses_one_seed_for_every_temperature(trained, vocab, capsys):
    model, _, _, _ = trained
    cb = training.PrintSamples(vocab, SMALL, "the quick brown", epochs=[1], length=10,
                               temperatures=(0.2, 1.0))
    cb.set_model(model)
    cb.on_epoch_end(0)
    cb.on_epoch_end(1)  # epoch 2: not chosen
    out = capsys.readouterr().out
    assert out.count("seed 'the quick br") == 0 and "seed 'quick brown'" not in out
    assert "--- epoch 1: seed" in out and out.count("--- temperature") == 2
    assert list(cb.samples) == [1] and set(cb.samples[1]) == {0.2, 1.0}
