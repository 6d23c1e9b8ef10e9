"""Shared fixtures: the corpora mirror, and small texts made on the spot."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MIRROR = ROOT.parent / "shared" / "datasets"


@pytest.fixture(scope="session")
def mirror() -> Path:
    """The local mirror of the registered corpora (CI sets ROBO_DATA_MIRROR to it)."""
    path = Path(os.environ.get("ROBO_DATA_MIRROR", DEFAULT_MIRROR))
    if not (path / "nietzsche.txt").is_file():
        pytest.skip(f"no corpus mirror at {path}; set ROBO_DATA_MIRROR")
    return path


@pytest.fixture()
def offline(monkeypatch, tmp_path):
    """No mirror, an empty cache, no Kaggle folder and a download that fails as offline would."""
    from helpers import corpora, paths

    def refuse(entry, cache_dir):
        raise OSError("network is unreachable")

    monkeypatch.delenv(corpora.MIRROR_ENV, raising=False)
    monkeypatch.setattr(paths, "CACHE_DIR", tmp_path / "cache")
    monkeypatch.setattr(paths, "KAGGLE_INPUT", tmp_path / "kaggle")
    monkeypatch.setattr(corpora, "_download", refuse)
    return tmp_path


@pytest.fixture(autouse=True)
def no_figure_left_open():
    """Every test leaves no open matplotlib figure: helpers close what they draw."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None and plt.get_fignums():
        numbers = plt.get_fignums()
        plt.close("all")
        pytest.fail(f"this test left matplotlib figures {numbers} open")
