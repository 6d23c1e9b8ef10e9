"""Every notebook opens and closes the same way, is committed with outputs and clean metadata,
and the README's table of notebooks matches the files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import project
from helpers.course import normalize, notebook_paths

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = notebook_paths()
IDS = [p.name for p in NOTEBOOKS]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def source(cell: dict) -> str:
    return "".join(cell["source"])


def headings(nb: dict) -> list[str]:
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            found += [ln for ln in source(cell).splitlines() if re.match(r"^#{1,6} ", ln)]
    return found


def test_there_are_notebooks_named_nn_snake_case():
    assert len(NOTEBOOKS) >= 2
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_opening_title_sentence_and_badges(path):
    nb = load(path)
    first = source(nb["cells"][0])
    assert nb["cells"][0]["cell_type"] == "markdown"
    assert first.startswith("# ")
    assert [h for h in headings(nb) if h.startswith("# ")] == [first.splitlines()[0]]
    assert "You will learn" in first
    rel = path.relative_to(ROOT).as_posix()
    assert project.badges_markdown(rel) in first


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_setup_first_then_summary_and_exercises_last(path):
    nb = load(path)
    heads = headings(nb)
    assert heads[1] == "## Setup"
    assert heads[-2:] == ["## Summary", "## Exercises"]
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert source(code[0]) == project.install_cell_source()
    for head in heads[1:]:
        words = head.lstrip("#").split()
        assert words[0][0].isupper(), f"{head}: headings start with a capital"
        later = [w for w in words[1:] if w.isalpha() and len(w) > 3 and not w.isupper()]
        assert not (later and all(w[0].isupper() for w in later)), (
            f"{head}: headings are sentence case, not Title Case"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_imports_live_in_setup(path):
    nb = load(path)
    in_setup = True
    for cell in nb["cells"]:
        text = source(cell)
        if cell["cell_type"] == "markdown" and text.startswith("## ") and "## Setup" not in text:
            in_setup = False
        if cell["cell_type"] == "code" and not in_setup:
            assert not re.search(r"^(import|from \S+ import) ", text, re.M), text[:80]
            assert "pip install" not in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_with_outputs_and_clean_metadata(path):
    nb = load(path)
    assert nb["metadata"] == normalize(json.loads(json.dumps(nb)))["metadata"]
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {})) <= {"tags"}, cell.get("metadata")
        if cell["cell_type"] == "code" and source(cell).strip():
            assert cell["execution_count"] is not None, "notebooks are committed executed"
            for out in cell.get("outputs", []):
                assert "execution" not in out.get("metadata", {})
                assert out.get("output_type") != "error", "a committed cell failed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_volatile_cells_are_marked(path):
    nb = load(path)
    for cell in nb["cells"]:
        text = source(cell)
        if cell["cell_type"] != "code":
            continue
        volatile = re.search(r"env\.setup\(|import tensorflow|perf_counter|\.fit\(", text)
        if volatile:
            assert text.startswith(("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP")), text[:80]


def readme_table() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [ln for ln in text.splitlines() if re.match(r"^\| \d\d \|", ln)]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_readme_table_lists_every_notebook_with_its_title():
    rows = readme_table()
    assert [r[0] for r in rows] == [p.name[:2] for p in NOTEBOOKS]
    for row, path in zip(rows, NOTEBOOKS):
        title = source(load(path)["cells"][0]).splitlines()[0][2:]
        assert f"[{title}](notebooks/{path.name})" == row[1]
        assert row[2], "what you learn"
        assert re.fullmatch(r"\d+", row[3]), "minutes on CPU in the default profile"
