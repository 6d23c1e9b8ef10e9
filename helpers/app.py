"""A live text-generation interface with ipywidgets (notebook 07).

:class:`GeneratorApp` shows a seed text box, temperature, top-p and length sliders, a choice of
model (the shipped ones and any checkpoint found in the learner's ``runs/`` folders) and a
Generate button; text appears in the output box as it is produced. It works in JupyterLab,
Colab, Kaggle and as a standalone web page served by Voila
(``voila notebooks/07_live_generation.ipynb``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path

import ipywidgets as widgets

from helpers import checkpoint, generation, pretrained


def find_models(search: tuple[Path | str, ...] = ("runs", "../runs")) -> dict[str, Path]:
    """Shipped models and the learner's own checkpoints, by display name.

    Args:
        search: Folders searched (recursively) for ``*.keras`` files saved by the course.
    """
    found: dict[str, Path] = {f"shipped: {name}": p for name, p in pretrained.available().items()}
    for folder in search:
        root = Path(folder)
        if not root.is_dir():
            continue
        for file in sorted(root.rglob("*.keras")):
            try:
                checkpoint.read_metadata(file)
            except (checkpoint.CheckpointError, OSError):
                continue  # not one of the course's checkpoints
            found.setdefault(f"yours: {file.relative_to(root).as_posix()}", file.resolve())
    return found


class GeneratorApp:
    """Widgets that generate text from a chosen model, streaming it into the page.

    Args:
        models: Display name -> checkpoint path (see :func:`find_models`).
        seed_text: Initial seed text.
        length: Initial number of characters to generate.
        refresh_every: Characters between updates of the page (smaller: smoother, slower).
    """

    def __init__(self, models: Mapping[str, Path], seed_text: str = "the meaning of life is ",
                 length: int = 300, refresh_every: int = 5):
        if not models:
            raise ValueError("No model to generate from: train one (notebooks 03-05) or pull the "
                             "shipped models in models/.")
        self.models = dict(models)
        self.refresh_every = refresh_every
        self._loaded: dict[Path, checkpoint.Checkpoint] = {}
        self.model_choice = widgets.Dropdown(options=list(self.models), description="Model",
                                             layout=widgets.Layout(width="480px"))
        self.seed_box = widgets.Text(value=seed_text, description="Seed text",
                                     layout=widgets.Layout(width="480px"))
        self.temperature = widgets.FloatSlider(value=0.6, min=0.0, max=1.5, step=0.05,
                                               description="Temperature")
        self.top_p = widgets.FloatSlider(value=1.0, min=0.05, max=1.0, step=0.05,
                                         description="Top-p")
        self.length = widgets.IntSlider(value=length, min=20, max=2000, step=20,
                                        description="Length")
        self.button = widgets.Button(description="Generate", button_style="primary",
                                     icon="pencil")
        self.status = widgets.Label(value="")
        self.output = widgets.HTML(value="", layout=widgets.Layout(width="720px"))
        self.output.add_class("robo-output")
        self.button.on_click(lambda _: self.generate())
        self.widget = widgets.VBox([
            self.model_choice, self.seed_box,
            widgets.HBox([self.temperature, self.top_p]), self.length,
            widgets.HBox([self.button, self.status]), self.output,
        ])

    def checkpoint(self) -> checkpoint.Checkpoint:
        """The chosen model, loaded once and kept."""
        path = self.models[self.model_choice.value]
        if path not in self._loaded:
            self._loaded[path] = checkpoint.load(path, compile=False)
        return self._loaded[path]

    def _show(self, seed: str, text: str) -> None:
        self.output.value = (
            "<pre style='white-space: pre-wrap; font-size: 14px'>"
            f"<b>{html.escape(seed)}</b>{html.escape(text)}</pre>"
        )

    def generate(self, seed: int | None = None) -> str:
        """Generate with the current settings, updating the page as characters arrive.

        Returns:
            The generated text (without the seed). Problems (an unknown character in the seed,
            for example) are shown in the status line instead of raising.
        """
        seed_text = self.seed_box.value
        self.button.disabled = True
        self.status.value = "generating..."
        text = ""
        try:
            ckpt = self.checkpoint()
            top_p = self.top_p.value if self.top_p.value < 1.0 else None
            steps = generation.stream(ckpt.model, seed_text, self.length.value,
                                      self.temperature.value, seed=seed, top_p=top_p,
                                      vocab=ckpt.vocab, recipe=ckpt.recipe)
            for i, chars in enumerate(steps, start=1):
                text += chars[0]
                if i % self.refresh_every == 0:
                    self._show(seed_text, text)
            self._show(seed_text, text)
            self.status.value = f"{len(text)} characters"
        except ValueError as err:
            self.status.value = f"error: {err}"
        finally:
            self.button.disabled = False
        return text
