"""Where the course lives in public: the one place that names its GitHub repository.

Badges and the Colab/Kaggle setup cell in every notebook are generated from these values by
``python3 tools/course.py sync``, and ``tests/test_notebooks.py`` checks that they agree.
"""

from __future__ import annotations

GITHUB_REPO = "robo-nietzsche/robo-nietzsche"
"""``owner/name`` of the course's repository on GitHub."""

BRANCH = "main"
"""The branch that badges and install cells point at."""

CLONE_DIR = "robo-nietzsche"
"""Folder the Colab/Kaggle setup cell clones the repository into."""


def repo_url() -> str:
    """Return the HTTPS URL of the repository."""
    return f"https://github.com/{GITHUB_REPO}"


def colab_url(notebook_path: str) -> str:
    """Return the Open-in-Colab URL for a notebook.

    Args:
        notebook_path: Path of the notebook inside the repository, e.g. ``notebooks/01_x.ipynb``.
    """
    return f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/{BRANCH}/{notebook_path}"


def kaggle_url(notebook_path: str) -> str:
    """Return the Open-in-Kaggle URL for a notebook (Kaggle imports it from GitHub)."""
    return (
        "https://kaggle.com/kernels/welcome?src="
        f"https://github.com/{GITHUB_REPO}/blob/{BRANCH}/{notebook_path}"
    )


def badges_markdown(notebook_path: str) -> str:
    """Return the two badge links (Colab, Kaggle) as one Markdown line."""
    colab = "https://colab.research.google.com/assets/colab-badge.svg"
    kaggle = "https://kaggle.com/static/images/open-in-kaggle.svg"
    return (
        f"[![Open In Colab]({colab})]({colab_url(notebook_path)}) "
        f"[![Open In Kaggle]({kaggle})]({kaggle_url(notebook_path)})"
    )


def install_cell_source() -> str:
    """Return the source of the first code cell every notebook starts with.

    It hides TensorFlow's C++ log lines (the level must be set before TensorFlow is imported).
    On Colab and Kaggle it clones the course and puts it on ``sys.path``; TensorFlow, Keras, NumPy,
    pandas and matplotlib are already installed there and are never reinstalled. Locally it
    does nothing more: ``python3 tools/course.py setup`` has installed everything.
    """
    return (
        "# Setup: on Colab or Kaggle, fetch the course's helpers (TensorFlow is already there).\n"
        "import os\n"
        "import sys\n"
        "\n"
        'os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow is imported\n'
        'HOSTED = "COLAB_RELEASE_TAG" in os.environ or "KAGGLE_KERNEL_RUN_TYPE" in os.environ\n'
        f'COURSE = "{repo_url()}"\n'
        f'if HOSTED and not os.path.isdir("{CLONE_DIR}"):\n'
        f"    !git clone --quiet --depth 1 --branch {BRANCH} {{COURSE}} {CLONE_DIR}\n"
        "if HOSTED:\n"
        f'    sys.path.insert(0, os.path.abspath("{CLONE_DIR}"))'
    )
