"""Robo-Nietzsche's live text generator as a Hugging Face Space (see README.md beside this file).

Hugging Face runs ``python app.py``; to try the same thing on your machine, from the repository
root::

    python space/app.py --port 7860

It serves the course's Gradio app (:mod:`helpers.app`) with the shipped models. ``helpers`` is
found beside this file (copied into the Space), in the repository around it, or installed from
GitHub by ``requirements.txt``; the models come from ``models/`` beside this file or in the
repository.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in (HERE, HERE.parent):  # a copied helpers/ first, then the repository's
    if (folder / "helpers").is_dir():
        sys.path.insert(0, str(folder))
        break
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from helpers import app  # noqa: E402  (after the path is set)


def space_models() -> dict[str, Path]:
    """The course's models: ``models/`` beside this file (listed in its manifest), then the ones
    :func:`helpers.app.find_models` finds (the repository's ``models/`` and ``runs/``)."""
    found: dict[str, Path] = {}
    manifest = HERE / "models" / "manifest.json"
    if manifest.is_file():
        for name, entry in json.loads(manifest.read_text(encoding="utf-8")).items():
            if (HERE / "models" / entry["file"]).is_file():
                found[f"shipped: {name}"] = HERE / "models" / entry["file"]
    for name, path in app.find_models().items():
        found.setdefault(name, path)
    return found


demo = app.build_app(space_models(), title="Robo-Nietzsche: a character-level LSTM writes")

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Serve the Space's app.")
    parser.add_argument("--port", type=int, help="port (default: GRADIO_SERVER_PORT or 7860)")
    args = parser.parse_args()
    app.launch(demo, share=False, port=args.port, block=True)
