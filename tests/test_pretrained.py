"""helpers.pretrained: the manifest of shipped models, checksums, and the files themselves; and
tools/pretrain.py, which trains them."""

from __future__ import annotations

import json

import keras
import pytest

from helpers import checkpoint, corpora, generation, pretrained, recipes
from helpers.vocab import Vocabulary
from tools import pretrain


def test_shipped_models_match_their_manifest():
    entries = pretrained.manifest()
    if not entries:
        pytest.skip("no shipped models")
    for name, entry in entries.items():
        path = pretrained.path(name)  # verifies the sha256
        assert path.stat().st_size == entry["bytes"] < 5_000_000
        meta = checkpoint.read_metadata(path)
        assert meta["recipe"] == entry["recipe"] == pretrained.SPECS[name]["recipe"].to_dict()
        assert meta["rebuild_from_recipe"] is True
        model = pretrained.load(name).model
        assert entry["units"] == model.get_layer("lstm").units
        assert entry["corpus_sha256"] == corpora.info(entry["corpus"]).sha256
        for key in ("epochs", "hardware", "finished", "best_val_bits_per_char"):
            assert entry[key], key


@pytest.mark.parametrize("name", sorted(pretrained.SPECS))
def test_every_shipped_model_loads_in_this_keras_and_generates(name):
    """Run in both CI environments (newest Keras and Colab's): the shipped files load in both."""
    if name not in pretrained.available():
        pytest.skip(f"no shipped {name} model")
    ckpt = pretrained.load(name)
    text = generation.generate(ckpt.model, ckpt.vocab, ckpt.recipe, "what is noble? ", 30, 0.5)
    assert len(text) == 30 and set(text) <= set(ckpt.vocab.chars)
    assert ckpt.model.get_layer("lstm").units == ckpt.recipe.units


def test_a_shipped_model_generates_lower_case_text():
    if "efficient" not in pretrained.available():
        pytest.skip("no shipped efficient model")
    ckpt = pretrained.load("efficient")
    text = generation.generate(ckpt.model, ckpt.vocab, ckpt.recipe, "what is noble? ", 60, 0.5)
    assert len(text) == 60 and text == text.lower()


def test_checksum_mismatch_and_missing_files_are_refused(tmp_path, monkeypatch):
    vocab = Vocabulary.from_text("abc ")
    recipe = recipes.EFFICIENT.replace(corpus="test", window=10, embed_dim=4, units=4)
    model = recipe.build(vocab.size)
    file = checkpoint.save(tmp_path / "m.keras", pretrained.strip_optimizer(model), vocab, recipe)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "m": {"file": "m.keras", "sha256": "0" * 64},
                "gone": {"file": "gone.keras", "sha256": "0" * 64},
            }
        )
    )
    monkeypatch.setattr(pretrained, "MODELS_DIR", tmp_path)
    monkeypatch.setattr(pretrained, "MANIFEST", manifest)
    assert set(pretrained.available()) == {"m"}
    with pytest.raises(checkpoint.CheckpointError, match="sha256"):
        pretrained.path("m")
    with pytest.raises(FileNotFoundError, match="train it"):
        pretrained.path("gone")
    with pytest.raises(KeyError, match="shipped: m, gone"):
        pretrained.path("other")
    manifest.write_text(json.dumps({"m": {"file": "m.keras", "sha256": corpora.sha256_of(file)}}))
    loaded = pretrained.load("m")
    assert loaded.vocab == vocab and not loaded.model.compiled


def test_strip_optimizer_keeps_weights():
    model = recipes.EFFICIENT.replace(embed_dim=4, units=4).build(5)
    copy = pretrained.strip_optimizer(model)
    assert not copy.compiled
    for a, b in zip(model.get_weights(), copy.get_weights(), strict=True):
        assert (a == b).all()
    assert isinstance(copy, keras.Model)


@pytest.mark.parametrize("name", sorted(pretrained.SPECS))
def test_every_spec_builds_a_model_for_its_recipe(name):
    spec = pretrained.SPECS[name]
    recipe = spec["recipe"]
    model = recipe.build(30)
    assert model.compiled
    assert tuple(model.input_shape[1:]) == recipe.input_shape(30)
    assert model.output_shape[-1] == 30
    assert spec["notebook"].startswith(("04", "05", "06"))
    assert spec["epochs"] >= 20


def test_describe_says_how_to_train_a_missing_model(tmp_path, monkeypatch):
    monkeypatch.setattr(pretrained, "MANIFEST", tmp_path / "manifest.json")
    assert pretrained.describe("alice") == {
        "model": "alice",
        "shipped": False,
        "train it with": "python tools/pretrain.py alice",
    }


def test_train_writes_a_verified_model_and_resumes(tmp_path, monkeypatch):
    """The training command end to end on a tiny text: a one-epoch run, then the same run extended
    to two epochs resumes after the first, and both write a model that loads and checks out."""
    models = tmp_path / "models"
    monkeypatch.setattr(pretrained, "MODELS_DIR", models)
    monkeypatch.setattr(pretrained, "MANIFEST", models / "manifest.json")
    text = "the will to power is the will to life, and life is the will to more. " * 30
    monkeypatch.setattr(corpora, "load_text", lambda name, lower=False: text)
    small = recipes.NIETZSCHE.replace(units=8, batch_size=32)
    spec = dict(pretrained.SPECS["nietzsche"], epochs=1, recipe=small)
    monkeypatch.setitem(pretrained.SPECS, "nietzsche", spec)
    run_dir = tmp_path / "run"

    first = pretrain.train("nietzsche", run_dir=run_dir)
    assert (first["epochs"], first["resumed_after_epoch"]) == (1, 0)
    spec["epochs"] = 2
    second = pretrain.train("nietzsche", run_dir=run_dir)
    assert (second["epochs"], second["resumed_after_epoch"]) == (2, 1)

    entry = pretrained.manifest()["nietzsche"]
    assert entry["sha256"] == corpora.sha256_of(models / spec["file"]) == second["sha256"]
    assert entry["corpus_sha256"] == corpora.info("nietzsche").sha256
    assert entry["best_val_bits_per_char"] <= entry["final_val_bits_per_char"]
    assert entry["units"] == 8 and entry["recipe"] == small.to_dict()
    shipped = pretrained.load("nietzsche")
    assert shipped.recipe == small and shipped.vocab.size == len(set(text))
    assert shipped.model.get_layer("lstm").units == 8
    assert pretrained.describe("nietzsche")["shipped"] is True
