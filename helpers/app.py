"""A live text-generation web app with Gradio (notebook 10).

The page has a seed text box, a choice of model (the models the course ships and the learner's own
checkpoints), temperature, top-p and length controls and a Generate button; the text streams into
the page as the model writes it. One app runs everywhere: inline in a notebook, as a local web page
(``python -m helpers.app``), on Colab (through Colab's own port forwarding), on Kaggle through a
temporary public share link when you ask for one, and as a Hugging Face Space (the repository's
``space/`` folder).

Three pieces, each replaceable from a notebook without editing this file:

* :func:`stream_text`, the generation loop: yields the text so far after every new character;
* :class:`LiveGenerator`, the button's handler: loads each model once, checks the seed text, runs a
  generate function such as :func:`stream_text` and turns every problem into a message on the
  page, never a traceback;
* :func:`build_app` lays the page out (extra controls may be added); :func:`launch` serves it.

Gradio is imported inside :func:`build_app` and :func:`launch` only (importing it moves Python's
random state), so the handler works, and is tested, without it.
"""

from __future__ import annotations

import argparse
import filecmp
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from helpers import checkpoint, generation, paths, pretrained

if TYPE_CHECKING:
    import gradio as gr

TITLE = "Robo-Nietzsche: generate text live"
"""The page's default title."""

SEED_TEXT = "the meaning of life is "
"""The seed text the page opens with."""

LOG = logging.getLogger(__name__)

GenerateFn = Callable[..., Iterator[str]]
"""``generate(ckpt, seed_text, length, temperature, top_p, **options)`` yields the text to show."""


def find_models(search: tuple[Path | str, ...] | None = None) -> dict[str, Path]:
    """Shipped models and the learner's own checkpoints, by display name.

    Args:
        search: Folders searched (recursively) for ``*.keras`` files saved by the course; by
            default every place the course saves runs (:func:`helpers.paths.model_folders`:
            the repository's ``runs/``, Google Drive on Colab once it is mounted,
            ``/kaggle/working`` on Kaggle) and Kaggle's ``/kaggle/input``, where another
            notebook's output appears once it is attached to this one.

    Returns:
        ``"shipped: <manifest name>"`` for each model in ``models/``, then
        ``"yours: <path in its folder>"`` for each course checkpoint found, once (a file in a
        folder searched twice, like ``/kaggle/working/runs`` inside ``/kaggle/working``, keeps
        the name from the first, most specific folder); ``.keras`` files that are not course
        checkpoints, and copies of the shipped models (the course's clone in
        ``/kaggle/working`` holds them, for one), are skipped.
    """
    found: dict[str, Path] = {f"shipped: {name}": p for name, p in pretrained.available().items()}
    shipped = list(found.values())
    if search is None:
        search = (*paths.model_folders(), paths.KAGGLE_INPUT)
    for folder in search:
        root = Path(folder)
        if not root.is_dir():
            continue
        for file in sorted(root.rglob("*.keras")):
            if file.resolve() in found.values():
                continue  # already found in a folder searched before, which holds this one
            if any(filecmp.cmp(file, model, shallow=False) for model in shipped):
                continue  # a shipped model, found again
            try:
                checkpoint.read_metadata(file)
            except (checkpoint.CheckpointError, OSError):
                continue  # not one of the course's checkpoints
            found.setdefault(f"yours: {file.relative_to(root).as_posix()}", file.resolve())
    return found


def stream_text(
    ckpt: checkpoint.Checkpoint,
    seed_text: str,
    length: int,
    temperature: float = 0.8,
    top_p: float | None = None,
    seed: int | None = None,
    top_k: int | None = None,
) -> Iterator[str]:
    """The app's generation loop: the seed text as the model reads it, then the text so far
    after every new character.

    Args:
        ckpt: A loaded checkpoint (model, vocabulary, recipe).
        seed_text: Text to start from (lower-cased first if the recipe is).
        length: Characters to generate.
        temperature: Sampling temperature (0: always the most likely character).
        top_p: Nucleus threshold, or ``None`` for none.
        seed: Random seed: the same seed gives the same text.
        top_k: Sample among the ``k`` most likely characters only, or ``None``.

    Yields:
        The growing text, seed text included.
    """
    text = ckpt.recipe.prepare(seed_text)
    yield text
    steps = generation.stream(
        ckpt.model, ckpt.vocab, ckpt.recipe, seed_text, length, temperature,
        seed=seed, top_k=top_k, top_p=top_p,
    )  # fmt: skip
    for chars in steps:
        text += chars[0]
        yield text


def speed(characters: int, seconds: float) -> str:
    """How long generating took, in words a status line can show.

    Milliseconds under a second (a small model on a CPU writes a paragraph in well under one),
    and the rate: ``speed(300, 0.0412)`` is ``"41 ms, 7,282 characters per second"``.
    """
    took = f"{seconds:.1f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"
    if seconds <= 0:
        return took
    return f"{took}, {characters / seconds:,.0f} characters per second"


class LiveGenerator:
    """The Generate button's handler: a generator that yields ``(text, status)`` pairs.

    Args:
        models: Display name -> checkpoint path, or an already loaded
            :class:`~helpers.checkpoint.Checkpoint` (see :func:`find_models`).
        generate: The generation loop, called as ``generate(ckpt, seed_text, length,
            temperature, top_p, **options)`` and yielding the text to show;
            :func:`stream_text` by default.
        refresh_every: Texts from ``generate`` per page update (1: every character).
    """

    def __init__(
        self,
        models: Mapping[str, Path | str | checkpoint.Checkpoint],
        generate: GenerateFn | None = None,
        refresh_every: int = 1,
    ):
        self.models = dict(models)
        self.generate = generate or stream_text
        self.refresh_every = max(1, int(refresh_every))
        self._loaded: dict[str, checkpoint.Checkpoint] = {}

    def load(self, name: str) -> checkpoint.Checkpoint:
        """The model called ``name``, loaded on first use and kept."""
        if name not in self._loaded:
            source = self.models[name]
            if isinstance(source, checkpoint.Checkpoint):
                self._loaded[name] = source
            else:
                self._loaded[name] = checkpoint.load(source, compile=False)
        return self._loaded[name]

    def problem(self, ckpt: checkpoint.Checkpoint, seed_text: str, length: int) -> str | None:
        """What stops generation from this seed text and length, in words (``None``: nothing)."""
        read = ckpt.recipe.prepare(seed_text)
        if not read:
            return "Type a seed text: the model needs at least one character to start from."
        if length < 1:
            return f"Ask for at least one character (the length is {length})."
        unknown = sorted(ckpt.vocab.unknown(read))
        if unknown and ckpt.vocab.oov == "error":
            lowered = (
                " It was trained on lower-cased text and lower-cases your seed text first, so "
                "capitals are fine; these are not."
                if ckpt.recipe.lower
                else ""
            )
            return (
                f"The seed text has characters this model never saw in training: "
                f"{', '.join(repr(c) for c in unknown)}. Remove or replace them.{lowered} "
                f"It knows these {ckpt.vocab.size}: {''.join(ckpt.vocab.chars)!r}"
            )
        return None

    def __call__(
        self,
        model_name: str,
        seed_text: str,
        temperature: float,
        top_p: float,
        length: int,
        **options: Any,
    ) -> Iterator[tuple[str, str]]:
        """Generate, yielding ``(text so far, status line)``; problems become the status line.

        Args:
            model_name: A key of :attr:`models`.
            seed_text: Text to start from.
            temperature: Sampling temperature.
            top_p: Nucleus threshold (1 or more: off).
            length: Characters to generate.
            **options: Passed on to the generate function (``seed=``, extra controls' values).
        """
        if model_name not in self.models:
            known = ", ".join(self.models) or "none found"
            yield "", f"**Problem:** choose a model (available: {known})."
            return
        try:
            ckpt = self.load(model_name)
        except (OSError, ValueError) as err:
            yield "", f"**Problem:** could not load {model_name}: {err}"
            return
        length = int(length)
        problem = self.problem(ckpt, seed_text, length)
        if problem:
            yield "", f"**Problem:** {problem}"
            return
        note = ""
        if ckpt.recipe.prepare(seed_text) != seed_text:
            note = " The model was trained on lower-cased text, so it read your seed lower-cased."
        top_p = None if top_p is None or top_p >= 1 else float(top_p)
        start, text = time.perf_counter(), ""
        try:
            texts = self.generate(ckpt, seed_text, length, float(temperature), top_p, **options)
            for count, text in enumerate(texts):
                if count % self.refresh_every == 0:
                    yield text, f"Generating...{note}"
        except ValueError as err:  # a bad setting: sampling and generation say what and why
            yield text, f"**Problem:** {err}"
            return
        except Exception as err:  # anything else: a message on the page, the traceback in the log
            LOG.exception("generation failed")
            yield text, f"**Problem:** generation failed ({type(err).__name__}: {err})."
            return
        seconds = time.perf_counter() - start
        yield text, f"Done: {length} characters in {speed(length, seconds)}.{note}"


def build_app(
    models: Mapping[str, Path | str | checkpoint.Checkpoint] | LiveGenerator | None = None,
    seed_text: str = SEED_TEXT,
    length: int = 300,
    temperature: float = 0.6,
    top_p: float = 1.0,
    generate: GenerateFn | None = None,
    title: str = TITLE,
    controls: Mapping[str, Any] | None = None,
) -> gr.Blocks:
    """The web page: seed text, model, temperature, top-p, length, Generate, streamed output.

    Args:
        models: The models offered (name -> checkpoint path or loaded checkpoint; the first is
            selected), or a ready :class:`LiveGenerator` (a subclass, for example); by default
            :func:`find_models`.
        seed_text: The seed text the page opens with.
        length: Initial number of characters to generate.
        temperature: Initial temperature.
        top_p: Initial top-p (1: off).
        generate: Another generation loop (see :class:`LiveGenerator`).
        title: The page's heading and browser tab title.
        controls: Extra input components by keyword (for example
            ``{"top_k": gr.Slider(1, 40, value=10, step=1, label="Top-k")}``): shown under the
            sliders, their values reach the generate function as keyword arguments.

    Raises:
        ValueError: If there is no model to offer.

    Generation starts with the button, or with Shift+Enter in the seed box (it has two lines, so
    Enter alone starts a new line there, as in any text box).
    """
    import gradio as gr

    handler = models if isinstance(models, LiveGenerator) else None
    if handler is None:
        handler = LiveGenerator(find_models() if models is None else models, generate)
    elif generate is not None:
        handler.generate = generate
    if not handler.models:
        raise ValueError(
            "No model to generate from: train one (notebook 09) or restore the shipped models "
            "in models/ (git checkout models)."
        )
    extra = dict(controls or {})

    def on_generate(model_name, text, temp, p, size, *values):
        yield from handler(model_name, text, temp, p, size, **dict(zip(extra, values, strict=True)))

    with gr.Blocks(title=title, analytics_enabled=False) as demo:
        gr.Markdown(f"# {title}\nType a seed text, choose a model and press **Generate**.")
        with gr.Row():
            with gr.Column(scale=1):
                model = gr.Dropdown(list(handler.models), value=next(iter(handler.models)),
                                    label="Model")  # fmt: skip
                seed_box = gr.Textbox(seed_text, label="Seed text", lines=2, elem_id="seed-text")
                temp_slider = gr.Slider(0, 1.5, value=temperature, step=0.05, label="Temperature")
                top_p_slider = gr.Slider(0.05, 1, value=top_p, step=0.05, label="Top-p (1: off)")
                length_slider = gr.Slider(10, 2000, value=length, step=10, label="Length")
                for component in extra.values():
                    component.render()
                button = gr.Button("Generate", variant="primary", elem_id="generate")
            with gr.Column(scale=2):
                output = gr.Textbox(label="Generated text", lines=14, interactive=False,
                                    elem_id="output")  # fmt: skip
                status = gr.Markdown(elem_id="status")
        inputs = [model, seed_box, temp_slider, top_p_slider, length_slider, *extra.values()]
        gr.on([button.click, seed_box.submit], on_generate, inputs, [output, status])
    return demo


def _in_notebook() -> bool:
    """Whether this runs in a Jupyter (or Colab, Kaggle) kernel."""
    shell = sys.modules.get("IPython")
    ipython = shell.get_ipython() if shell else None
    return ipython is not None and hasattr(ipython, "kernel")


def launch(
    demo: gr.Blocks,
    share: bool = False,
    port: int | None = None,
    block: bool | None = None,
    **options: Any,
) -> str:
    """Serve the app where this runs and return its address.

    In a notebook it shows inline and returns at once; elsewhere it serves until stopped. It
    listens on 127.0.0.1 only (a Hugging Face Space sets ``GRADIO_SERVER_NAME`` itself), and opens
    a public share link only when asked: anyone with the link can use the app, on this machine,
    while it runs (the link expires after a while). Colab shows the page inline without one,
    through its own port forwarding; Kaggle cannot, so there the page shows only with
    ``share=True`` (without it, a printed line says so).

    Args:
        demo: The app (:func:`build_app`).
        share: Open a public share link (``https://....gradio.live``).
        port: The port; by default the first free one from 7860.
        block: Wait until the server stops; by default only outside notebooks.
        **options: Passed to ``gr.Blocks.launch`` (``inline=False``, ``height=``, ...).
    """
    if block is None:
        block = not _in_notebook()
    if not share and not block and paths.detect_platform() == "kaggle":
        print(
            "Kaggle shows this page only through a public share link: launch with share=True "
            "(anyone who has the link can use the app while it runs)."
        )
    if "GRADIO_SERVER_NAME" not in os.environ:
        options.setdefault("server_name", "127.0.0.1")
    _, local_url, share_url = demo.launch(
        share=share, server_port=port, prevent_thread_lock=True, **options
    )
    if block:
        try:
            demo.block_thread()
        finally:
            demo.close()
    return share_url or local_url


def main(argv: list[str] | None = None) -> None:
    """``python -m helpers.app [--port N] [--share] [--model PATH ...]``: serve the app."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.app", description="Serve the live text-generation app."
    )
    parser.add_argument("--port", type=int, help="port (default: the first free from 7860)")
    parser.add_argument("--share", action="store_true", help="also open a public share link")
    parser.add_argument(
        "--model", action="append", default=[], metavar="PATH",
        help="a checkpoint to offer first (repeatable); shipped and found models follow",
    )  # fmt: skip
    args = parser.parse_args(argv)
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    models: dict[str, Path | str | checkpoint.Checkpoint] = {}
    for name in args.model:
        try:
            checkpoint.read_metadata(name)
        except (OSError, ValueError) as err:
            parser.error(str(err))
        models[f"yours: {Path(name).name}"] = Path(name).resolve()
    models.update(find_models())
    try:
        demo = build_app(models)
    except ValueError as err:
        parser.error(str(err))
    launch(demo, share=args.share, port=args.port, block=True)


if __name__ == "__main__":
    main()
