"""Where the course keeps its files, anchored at the repository, never at the current folder.

A notebook may be started from ``notebooks/``, from the repository root or from anywhere else;
the paths here do not change with it. Runs (checkpoints and resumable training state) go where they
survive a disconnect: Google Drive on Colab when it is mounted, ``/kaggle/working`` on Kaggle
(saved with the notebook's output), and ``runs/`` at the repository root everywhere else, or the
folder named by the environment variable ``ROBO_RUNS`` (for a larger disk, or to keep two test
suites that run at once from sharing their runs).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The repository's root folder (the one holding ``helpers/``, ``notebooks/`` and ``models/``)."""

DATASETS_DIR = REPO_ROOT / "datasets"
"""The corpus registry and, in ``cache/``, downloaded or rebuilt corpora (git-ignored)."""

REGISTRY_PATH = DATASETS_DIR / "registry.json"
"""The corpus registry: name, upstream URL, sha256, size, license of each corpus."""

CACHE_DIR = DATASETS_DIR / "cache"
"""Where corpora are downloaded to (git-ignored)."""

MODELS_DIR = REPO_ROOT / "models"
"""The models this project trained and ships, with their manifest."""

MANIFEST_PATH = MODELS_DIR / "manifest.json"
"""How and where each shipped model was trained, with its sha256."""

KAGGLE_INPUT = Path("/kaggle/input")
"""Kaggle's read-only folder of attached datasets."""

KAGGLE_WORKING = Path("/kaggle/working")
"""Kaggle's writable folder, kept with a saved notebook version."""

COLAB_DRIVE = Path("/content/drive/MyDrive")
"""Google Drive, where Colab mounts it (``google.colab.drive.mount("/content/drive")``)."""

DRIVE_FOLDER = "robo-nietzsche"
"""The course's folder inside Google Drive."""

RUNS_ENV = "ROBO_RUNS"
"""Environment variable naming the local runs folder (default: ``runs/`` in the repository)."""


def detect_platform() -> str:
    """Return ``"colab"``, ``"kaggle"`` or ``"local"``."""
    if "COLAB_RELEASE_TAG" in os.environ or "google.colab" in sys.modules:
        return "colab"
    if "KAGGLE_KERNEL_RUN_TYPE" in os.environ or KAGGLE_INPUT.is_dir():
        return "kaggle"
    return "local"


def runs_root() -> Path:
    """The folder that holds every run of the course on this machine.

    Google Drive on Colab when it is mounted (so a disconnected session can resume), Kaggle's
    ``/kaggle/working`` on Kaggle, and :func:`local_runs` otherwise.
    """
    platform = detect_platform()
    if platform == "colab" and COLAB_DRIVE.is_dir():
        return COLAB_DRIVE / DRIVE_FOLDER
    if platform == "kaggle":
        return KAGGLE_WORKING / "runs"
    return local_runs()


def local_runs() -> Path:
    """The runs folder beside the course: the folder ``ROBO_RUNS`` names when it is set, else
    ``runs/`` at the repository root."""
    named = os.environ.get(RUNS_ENV, "").strip()
    return Path(named).expanduser().resolve() if named else REPO_ROOT / "runs"


def run_dir(name: str) -> Path:
    """The folder of the run called ``name`` (created when the run first saves)."""
    if not name or Path(name).name != name:
        raise ValueError(f"A run name is one folder name such as 'notebook05'; got {name!r}.")
    return runs_root() / name


def model_folders() -> list[Path]:
    """Every folder where the course or a learner may have saved models, most specific first:
    the runs folder of this machine, then the other known places that exist (the local runs
    folder, Drive, Kaggle's working folder)."""
    candidates = [
        runs_root(),
        local_runs(),
        COLAB_DRIVE / DRIVE_FOLDER,
        KAGGLE_WORKING,
    ]
    seen: list[Path] = []
    for folder in candidates:
        if folder.is_dir() and folder not in seen:
            seen.append(folder)
    return seen


def shown(path: Path | str) -> str:
    """A path as messages show it: relative to the runs folder or the repository when it is inside
    one (so printed output does not depend on where the course was cloned), else as it is."""
    path = Path(path)
    for root, label in ((runs_root(), "<runs>"), (REPO_ROOT, ".")):
        try:
            return f"{label}/{path.resolve().relative_to(root.resolve()).as_posix()}"
        except ValueError:
            continue
    return str(path)
