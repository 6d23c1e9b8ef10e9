"""Notebook 10's live app: the handler streams, reports problems as messages and repeats itself
given a seed; launch() shares only when asked; the Gradio page streams text in headless Chromium
(end to end, on localhost, started by the button and by Shift+Enter); python space/app.py and
python -m helpers.app serve it; space/README.md's copy step pushes no compiled files."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import keras
import pytest

from helpers import app, checkpoint, paths, recipes
from helpers.vocab import Vocabulary

ROOT = Path(__file__).resolve().parent.parent
TEXT = "the will to power is the will to life and the life of the will. " * 20
SEED = "the will "
# Subprocesses: no analytics, no TensorFlow chatter, our helpers.
ENV = dict(
    os.environ, GRADIO_ANALYTICS_ENABLED="False", TF_CPP_MIN_LOG_LEVEL="3", PYTHONPATH=str(ROOT)
)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    vocab = Vocabulary.from_text(TEXT)
    keras.utils.set_random_seed(0)
    recipe = recipes.EFFICIENT.replace(corpus="test", window=20, embed_dim=8, units=16)
    model = recipe.build(vocab.size)
    folder = tmp_path_factory.mktemp("runs")
    return checkpoint.save(folder / "mine" / "state.keras", model, vocab, recipe)


@pytest.fixture(scope="module")
def handler(model_file):
    return app.LiveGenerator({"mine": model_file})


def run(handler, seed_text=SEED, temperature=0.8, top_p=1.0, length=30, **options):
    return list(handler("mine", seed_text, temperature, top_p, length, **options))


def test_find_models_lists_course_checkpoints_only(model_file):
    (model_file.parent / "foreign.keras").write_text("not a course checkpoint")
    found = app.find_models((model_file.parent.parent,))
    mine = {k: v for k, v in found.items() if k.startswith("yours:")}
    assert mine == {"yours: mine/state.keras": model_file.resolve()}
    assert all(k.startswith(("shipped: ", "yours: ")) for k in found)


def test_find_models_searches_kaggle_input_and_skips_shipped_models(
    model_file, monkeypatch, tmp_path
):
    attached = tmp_path / "input" / "notebook-09" / "runs"  # notebook 09's output, attached
    attached.mkdir(parents=True)
    shutil.copy(model_file, attached / "best.keras")
    clone = tmp_path / "input" / "notebook-09" / "robo-nietzsche"  # its copy of the course
    shutil.copytree(ROOT / "models", clone / "models")
    monkeypatch.setattr(paths, "KAGGLE_INPUT", tmp_path / "input")
    # On Kaggle /kaggle/working holds the course's clone, shipped models included.
    monkeypatch.setattr(paths, "model_folders", lambda: [ROOT / "models"])
    found = app.find_models()
    mine = {k for k in found if k.startswith("yours: ")}
    assert mine == {"yours: notebook-09/runs/best.keras"}, "shipped models are not listed twice"


def test_the_handler_streams_growing_text(handler):
    steps = run(handler, length=30)
    texts = [text for text, _ in steps]
    assert texts[0] == SEED, "the seed text shows at once"
    assert len(steps) == 30 + 2, "one update per character, plus the seed and the final status"
    for before, after in zip(texts[:-2], texts[1:-1], strict=True):
        assert after.startswith(before) and len(after) == len(before) + 1
    assert texts[-1] == texts[-2] and len(texts[-1]) == len(SEED) + 30
    assert all(status == "Generating..." for _, status in steps[:-1])
    done = r"Done: 30 characters in (\d+ ms|\d+\.\d s), [\d,]+ characters per second\."
    assert re.fullmatch(done, steps[-1][1]), steps[-1][1]


@pytest.mark.parametrize(
    ("characters", "seconds", "expected"),
    [(300, 0.0412, "41 ms, 7,282 characters per second"),
     (300, 2.5, "2.5 s, 120 characters per second"),
     (10, 0.0, "0 ms")],
)  # fmt: skip
def test_the_status_line_shows_milliseconds_and_the_rate(characters, seconds, expected):
    assert app.speed(characters, seconds) == expected


def test_the_handler_is_deterministic_given_a_seed(handler):
    first = run(handler, seed=3)[-1][0]
    assert run(handler, seed=3)[-1][0] == first
    assert run(handler, seed=4)[-1][0] != first
    assert run(handler, temperature=0, seed=None)[-1][0] == run(handler, temperature=0)[-1][0]


def test_the_handler_loads_each_model_once(model_file):
    handler = app.LiveGenerator({"mine": model_file})
    run(handler, length=2)
    loaded = handler.load("mine")
    run(handler, length=2)
    assert handler.load("mine") is loaded
    ready = app.LiveGenerator({"mine": loaded})
    assert ready.load("mine") is loaded, "a loaded checkpoint is used as it is"


def test_capitals_are_lower_cased_and_said_so(handler):
    text, status = run(handler, seed_text="The Will ", length=5)[-1]
    assert text.startswith(SEED) and "lower-cased" in status


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"seed_text": "Xylophone "}, "'x', 'y'"),
        ({"seed_text": "Xylophone "}, "capitals are fine"),
        ({"seed_text": ""}, "Type a seed text"),
        ({"length": 0}, "at least one character"),
        ({"temperature": -1}, "temperature must be"),
        ({"top_p": 0}, "top_p"),
    ],
)
def test_problems_are_messages_not_exceptions(handler, kwargs, expected):
    steps = run(handler, **kwargs)
    text, status = steps[-1]
    assert status.startswith("**Problem:**") and expected in status, status


def test_unknown_model_and_failing_generate_are_messages(model_file, caplog):
    def broken(ckpt, seed_text, length, temperature, top_p, **options):
        yield seed_text
        raise RuntimeError("disk on fire")

    handler = app.LiveGenerator({"mine": model_file}, generate=broken)
    assert "choose a model" in list(handler("other", SEED, 0.5, 1.0, 10))[-1][1]
    text, status = run(handler)[-1]
    assert text == SEED and "RuntimeError: disk on fire" in status
    assert "generation failed" in caplog.text, "the traceback goes to the log, not the page"
    missing = app.LiveGenerator({"gone": model_file.parent / "missing.keras"})
    assert "could not load gone" in list(missing("gone", SEED, 0.5, 1.0, 10))[-1][1]


def test_another_generate_function_gets_the_extra_options(handler, model_file):
    seen = {}

    def with_top_k(ckpt, seed_text, length, temperature, top_p, top_k):
        seen["top_k"] = top_k
        yield from app.stream_text(ckpt, seed_text, length, temperature, top_p, top_k=top_k)

    custom = app.LiveGenerator({"mine": model_file}, generate=with_top_k)
    text, status = list(custom("mine", SEED, 0.8, 1.0, 12, top_k=1))[-1]
    assert seen == {"top_k": 1} and status.startswith("Done")
    assert text == run(handler, temperature=0, length=12)[-1][0], "top-k 1 is greedy"


class FakeDemo:
    """Records what launch() passes to Gradio."""

    def launch(self, **kwargs):
        self.kwargs = kwargs
        return None, "http://127.0.0.1:7860/", "https://x.gradio.live" if kwargs["share"] else None


@pytest.mark.parametrize(
    ("env", "share"),
    [({}, False), ({"COLAB_RELEASE_TAG": "1"}, False), ({"KAGGLE_KERNEL_RUN_TYPE": "I"}, False),
     ({}, True), ({"KAGGLE_KERNEL_RUN_TYPE": "I"}, True)],
)  # fmt: skip
def test_launch_shares_only_when_asked_and_listens_locally(monkeypatch, capsys, env, share):
    for var in ("COLAB_RELEASE_TAG", "KAGGLE_KERNEL_RUN_TYPE", "GRADIO_SERVER_NAME"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(paths, "KAGGLE_INPUT", Path("/no/kaggle/here"))
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    demo = FakeDemo()
    url = app.launch(demo, block=False, **({"share": True} if share else {}))
    assert demo.kwargs["share"] is share and demo.kwargs["server_name"] == "127.0.0.1"
    assert demo.kwargs["prevent_thread_lock"] is True
    assert url == ("https://x.gradio.live" if share else "http://127.0.0.1:7860/")
    kaggle_without_link = "KAGGLE_KERNEL_RUN_TYPE" in env and not share
    assert ("launch with share=True" in capsys.readouterr().out) is kaggle_without_link


def test_build_app_lays_out_the_page_and_refuses_no_models(model_file):
    gr = pytest.importorskip("gradio")
    top_k = gr.Slider(1, 20, value=5, step=1, label="Top-k")
    demo = app.build_app({"mine": model_file}, controls={"top_k": top_k}, title="Mine")
    labels = [getattr(block, "label", None) for block in demo.blocks.values()]
    for label in ("Model", "Seed text", "Temperature", "Top-p (1: off)", "Length", "Top-k"):
        assert label in labels
    assert demo.title == "Mine" and demo.analytics_enabled is False
    with pytest.raises(ValueError, match="No model"):
        app.build_app({})


# ----------------------------------------------------------------- servers and the browser
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(command: list[str], port: int, log: Path, timeout: float = 120) -> subprocess.Popen:
    """Start a server and wait until it answers HTTP on 127.0.0.1."""
    server = subprocess.Popen(
        command, cwd=ROOT, env=ENV, stdout=log.open("w"), stderr=subprocess.STDOUT
    )
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited ({server.returncode}):\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=2) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    pytest.fail(f"no answer on port {port} after {timeout} s:\n{log.read_text()[-3000:]}")


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def test_space_app_starts_and_answers_on_localhost(tmp_path):
    port = _free_port()
    command = [sys.executable, str(ROOT / "space" / "app.py"), "--port", str(port)]
    server = _serve(command, port, tmp_path / "space.log")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/config", timeout=10) as reply:
            config = reply.read().decode()
        assert '"analytics_enabled":false' in config and "shipped: " in config
        assert "0.0.0.0" not in (tmp_path / "space.log").read_text()
    finally:
        _stop(server)


def test_the_command_line_refuses_a_file_that_is_not_a_course_checkpoint(tmp_path):
    foreign = tmp_path / "foreign.keras"
    foreign.write_text("not a checkpoint")
    out = subprocess.run(
        [sys.executable, "-m", "helpers.app", "--model", str(foreign)],
        cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert out.returncode == 2 and "not a .keras archive" in out.stderr, out.stderr[-2000:]


def _browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        if os.environ.get("CI"):
            pytest.fail(
                "CI must run the browser test: install Debian's chromium and chromium-driver"
            )
        pytest.skip("chromium and chromedriver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--disable-background-networking", "--disable-component-update", "--no-first-run",
    ):  # fmt: skip
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=options)


# The served app: the test model, slowed down so that the page can be seen filling up.
SLOW_APP = """
import sys, time
from helpers import app

def slow(ckpt, seed_text, length, temperature, top_p, **options):
    for text in app.stream_text(ckpt, seed_text, length, temperature, top_p, **options):
        time.sleep(0.03)
        yield text

demo = app.build_app({"mine": sys.argv[1]}, generate=slow, length=150)
app.launch(demo, port=int(sys.argv[2]), block=True)
"""


def test_the_page_streams_text_in_headless_chromium(model_file, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser = _browser()
    port = _free_port()
    script = tmp_path / "slow_app.py"
    script.write_text(SLOW_APP)
    log = tmp_path / "app.log"
    server = _serve([sys.executable, str(script), str(model_file), str(port)], port, log)

    def output() -> str:
        return browser.find_element(By.CSS_SELECTOR, "#output textarea").get_attribute("value")

    def status() -> str:
        return browser.find_element(By.CSS_SELECTOR, "#status").text

    try:
        browser.get(f"http://127.0.0.1:{port}/")
        wait = WebDriverWait(browser, 120)
        seed = wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, "#seed-text textarea")))
        seed.send_keys(Keys.CONTROL, "a")
        seed.send_keys("The will to ")
        browser.find_element(By.CSS_SELECTOR, "#generate").click()
        wait.until(lambda b: output().startswith("the will to ") and len(output()) > 15)
        first = len(output())
        time.sleep(1.0)
        second = len(output())
        assert second > first, "the text grows while the model writes"
        wait.until(lambda b: status().startswith("Done"))
        assert len(output()) == len("the will to ") + 150
        assert "lower-cased" in status()
        seed.send_keys(Keys.CONTROL, "a")
        seed.send_keys("Xylophone")
        seed.send_keys(Keys.ENTER)  # the seed box has two lines: Enter adds one...
        assert seed.get_attribute("value") == "Xylophone\n" and "Problem" not in status()
        seed.send_keys(Keys.BACKSPACE, Keys.SHIFT, Keys.ENTER)  # ...and Shift+Enter generates
        wait.until(lambda b: "Problem" in status())
        assert "'x', 'y'" in status() and "Traceback" not in browser.page_source
    except Exception:
        print(log.read_text()[-4000:])
        try:  # what the page showed when the wait gave up
            print("page:", browser.find_element(By.TAG_NAME, "body").text[:1000])
        except Exception as err:  # the page itself may be what failed
            print("page not readable:", err)
        raise
    finally:
        browser.quit()
        _stop(server)


def test_the_space_copy_step_pushes_no_compiled_files(tmp_path):
    """Step 2 of space/README.md, run as written, with helpers/__pycache__ present: the files
    `git add -A` would push hold no compiled file (Hugging Face refuses binaries outside LFS)."""
    if not shutil.which("git"):
        pytest.skip("git is not installed")
    readme = (ROOT / "space" / "README.md").read_text(encoding="utf-8")
    step = readme.split("\n2. ", 1)[1].split("\n3. ", 1)[0]
    commands = re.search(r"```bash\n(.*?)```", step, re.S).group(1)
    course = tmp_path / "course"
    for folder in ("space", "helpers", "models"):
        shutil.copytree(
            ROOT / folder, course / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    (course / "helpers" / "__pycache__").mkdir()
    (course / "helpers" / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\x00compiled")
    clone = tmp_path / "clone"
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    script = textwrap.dedent(commands).replace("<clone>", str(clone))
    subprocess.run(["bash", "-euc", script], cwd=course, check=True)
    subprocess.run(["git", "-C", str(clone), "add", "-A"], check=True)
    listed = subprocess.run(
        ["git", "-C", str(clone), "ls-files"], check=True, capture_output=True, text=True
    ).stdout.split()
    assert {"app.py", "requirements.txt", "helpers/app.py", "models/manifest.json"} <= set(listed)
    assert not [f for f in listed if "__pycache__" in f or f.endswith(".pyc")], listed
