"""Notebook 07's interface: widgets driven from code, and the Voila web app driven in headless
Chromium (end to end)."""

from __future__ import annotations

import html
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import keras
import pytest

from helpers import app, checkpoint, recipes
from helpers.vocab import Vocabulary

ROOT = Path(__file__).resolve().parent.parent
TEXT = "the will to power is the will to life and the life of the will. " * 20


@pytest.fixture(scope="module")
def model_file(tmp_path_factory):
    vocab = Vocabulary.from_text(TEXT)
    keras.utils.set_random_seed(0)
    model = recipes.embedding_lstm(vocab.size, embed_dim=8, units=16, jit_compile=False)
    recipe = recipes.Recipe("embedding_lstm", "test", 20, 20, "ids")
    folder = tmp_path_factory.mktemp("runs")
    return checkpoint.save(folder / "mine" / "state.keras", model, vocab, recipe)


def test_find_models_lists_course_checkpoints_only(model_file):
    (model_file.parent / "foreign.keras").write_text("not a course checkpoint")
    found = app.find_models((model_file.parent.parent,))
    mine = {k: v for k, v in found.items() if k.startswith("yours:")}
    assert mine == {"yours: mine/state.keras": model_file.resolve()}


def test_generate_streams_into_the_output_and_reports_errors(model_file):
    ui = app.GeneratorApp({"mine": model_file}, seed_text="the will ", length=40, refresh_every=7)
    shown = []
    ui.output.observe(lambda change: shown.append(change["new"]), names="value")
    text = ui.generate(seed=3)
    assert len(text) == 40 and ui.status.value == "40 characters"
    assert len(shown) >= 40 // 7, "the page is updated while generating, not only at the end"
    assert html.escape(text) in shown[-1]
    assert ui.generate(seed=3) == text, "deterministic given a seed"
    ui.seed_box.value = "Xylophone"
    assert ui.generate() == "" and ui.status.value.startswith("error:") and "'x'" in ui.status.value
    assert not ui.button.disabled


def test_no_model_is_a_clear_error():
    with pytest.raises(ValueError, match="No model"):
        app.GeneratorApp({})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        if os.environ.get("CI"):
            pytest.fail("CI must run the browser test: install Debian's chromium and chromium-driver")
        pytest.skip("chromium and chromedriver are not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=options)


def test_voila_app_generates_text_in_headless_chromium(tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser = _browser()
    port = _free_port()
    env = dict(os.environ, ROBO_PROFILE="ci")
    log = open(tmp_path / "voila.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "voila", str(ROOT / "notebooks" / "07_live_generation.ipynb"),
         f"--port={port}", "--no-browser", "--Voila.ip=127.0.0.1"],
        cwd=ROOT / "notebooks", env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.5)
        browser.get(f"http://127.0.0.1:{port}/")
        wait = WebDriverWait(browser, 240)
        seed = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".widget-text input")))
        button = wait.until(ec.element_to_be_clickable(
            (By.XPATH, "//button[contains(., 'Generate')]")))
        wait.until(lambda b: "characters" in b.find_element(By.CSS_SELECTOR, ".robo-output").text
                   or len(b.find_element(By.CSS_SELECTOR, ".robo-output").text) > 0)
        seed.clear()
        seed.send_keys("what is truth? ")
        seed.send_keys("\t")
        button.click()
        wait.until(lambda b: b.find_element(By.CSS_SELECTOR, ".robo-output").text
                   .startswith("what is truth? ") and
                   len(b.find_element(By.CSS_SELECTOR, ".robo-output").text) > len("what is truth? ") + 10)
        shown = browser.find_element(By.CSS_SELECTOR, ".robo-output").text
        assert shown.startswith("what is truth? ") and len(shown) > 25
    except Exception:
        log.flush()
        print((tmp_path / "voila.log").read_text()[-4000:])
        try:  # what the page showed when the wait gave up
            labels = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".widget-label")]
            print("page output:", browser.find_element(By.CSS_SELECTOR, ".robo-output").text[:300])
            print("page labels:", labels)
        except Exception as err:  # the page itself may be what failed
            print("page not readable:", err)
        raise
    finally:
        browser.quit()
        server.terminate()
        server.wait(timeout=30)
        log.close()
