"""Every notebook (and its solutions notebook) opens and closes the same way, keeps its headings,
imports and volatile cells in order, is committed with clean outputs from a real run, checks its
results with compared outputs, and the README's table of notebooks matches the files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tools import project
from tools.course import SOLUTIONS, normalize, notebook_paths

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = notebook_paths()
ALL = notebook_paths(solutions=True)
IDS = [p.relative_to(ROOT / "notebooks").as_posix() for p in ALL]
TRAINING = ("04_", "05_", "06_", "09_")
"""Notebooks that train a model: CI must notice when their model stops learning."""


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


def ignored(cell: dict) -> bool:
    return source(cell).startswith(("# NBVAL_IGNORE_OUTPUT", "# NBVAL_SKIP"))


def exercises(nb: dict) -> list[str]:
    """The numbered items of a notebook's Exercises cell."""
    cell = next(c for c in nb["cells"] if source(c).startswith("## Exercises"))
    return re.findall(r"^(\d+)\. ", source(cell), re.M)


def test_there_are_notebooks_named_nn_snake_case():
    assert len(NOTEBOOKS) >= 2
    for path in NOTEBOOKS:
        assert re.fullmatch(r"\d\d_[a-z0-9_]+\.ipynb", path.name), path.name
    numbers = [int(p.name[:2]) for p in NOTEBOOKS]
    assert numbers == list(range(1, len(NOTEBOOKS) + 1))


def test_every_notebook_has_a_solutions_notebook_and_nothing_else_is_there():
    names = sorted(p.name for p in NOTEBOOKS)
    assert sorted(p.name for p in SOLUTIONS.glob("*.ipynb")) == names


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_opening_title_sentence_and_badges(path):
    nb = load(path)
    first = source(nb["cells"][0])
    assert nb["cells"][0]["cell_type"] == "markdown"
    assert first.startswith("# ")
    assert [h for h in headings(nb) if h.startswith("# ")] == [first.splitlines()[0]]
    assert "You will learn" in first or "worked answers" in first
    rel = path.relative_to(ROOT).as_posix()
    assert project.badges_markdown(rel) in first


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_setup_first_and_the_first_code_cell_is_the_setup_cell(path):
    nb = load(path)
    assert headings(nb)[1] == "## Setup"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert source(code[0]) == project.install_cell_source()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_summary_and_exercises_close_the_notebook_in_cells_of_their_own(path):
    nb = load(path)
    assert headings(nb)[-2:] == ["## Summary", "## Exercises"]
    assert source(nb["cells"][-1]).startswith("## Exercises")
    assert source(nb["cells"][-2]).startswith("## Summary")
    assert exercises(nb) == [str(i) for i in range(1, len(exercises(nb)) + 1)]
    assert len(exercises(nb)) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_the_solutions_answer_every_exercise_in_order(path):
    solutions = load(SOLUTIONS / path.name)
    wanted = [f"## Exercise {n}" for n in exercises(load(path))]
    assert [h for h in headings(solutions) if h.startswith("## Exercise")] == wanted
    assert source(solutions["cells"][0]).splitlines()[0] == (
        "# Solutions: " + source(load(path)["cells"][0]).splitlines()[0][2:]
    )


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_headings_open_their_cell_and_are_sentence_case(path):
    nb = load(path)
    for cell in nb["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        lines = source(cell).splitlines()
        later = [ln for ln in lines[1:] if re.match(r"^#{1,6} ", ln)]
        assert not later, f"a heading must open its cell: {later[0]!r}"
    for head in headings(nb)[1:]:
        words = head.lstrip("#").split()
        assert words[0][0].isupper(), f"{head}: headings start with a capital"
        rest = [w for w in words[1:] if w.isalpha() and len(w) > 3 and not w.isupper()]
        assert not (rest and all(w[0].isupper() for w in rest)), (
            f"{head}: headings are sentence case, not Title Case"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_the_setup_section_says_which_profile_runs(path):
    nb = load(path)
    in_setup, says = False, False
    for cell in nb["cells"]:
        text = source(cell)
        if cell["cell_type"] == "markdown" and text.startswith("## "):
            in_setup = text.startswith("## Setup")
        if in_setup and cell["cell_type"] == "code" and "profiles.explain(" in text:
            says = True
    assert says, "the Setup section shows profiles.explain(...): which profile runs, what it sets"


@pytest.mark.parametrize("path", ALL, ids=IDS)
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


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_committed_with_clean_outputs_of_a_real_run(path):
    nb = load(path)
    assert nb["metadata"] == normalize(json.loads(json.dumps(nb)))["metadata"]
    for cell in nb["cells"]:
        assert set(cell.get("metadata", {})) <= {"tags"}, cell.get("metadata")
        if cell["cell_type"] == "code" and source(cell).strip():
            assert cell["execution_count"] is not None, "notebooks are committed executed"
            for out in cell.get("outputs", []):
                assert "execution" not in out.get("metadata", {})
                assert out.get("output_type") != "error", "a committed cell failed"
                assert out.get("name") != "stderr", (
                    f"a committed output is a stderr stream: {''.join(out['text'])[:300]!r}"
                )
                text = "".join(out.get("text", "")) + str(out.get("data", {}).get("text/plain"))
                assert "MISSED" not in text and "target <=" not in text, "project-internal wording"


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_volatile_cells_are_marked(path):
    nb = load(path)
    for cell in nb["cells"]:
        text = source(cell)
        if cell["cell_type"] != "code":
            continue
        volatile = re.search(r"env\.setup\(|import tensorflow|perf_counter|\.fit\(", text)
        if volatile:
            assert ignored(cell), text[:80]


def compared_true(nb: dict) -> list[dict]:
    """Code cells whose output nbval compares and whose result is ``True``."""
    found = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code" or ignored(cell):
            continue
        for out in cell.get("outputs", []):
            if out.get("data", {}).get("text/plain") in ("True", ["True"]):
                found.append(cell)
    return found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_results_are_checked_by_compared_booleans(path):
    nb = load(path)
    assert compared_true(nb), "at least one compared check (a cell ending in True)"
    if path.name.startswith(TRAINING):
        trained = False
        after = 0
        for cell in nb["cells"]:
            if cell["cell_type"] == "code" and re.search(r"\bfit\(|train\(", source(cell)):
                trained = True
            elif trained and cell in compared_true(nb):
                after += 1
        assert after >= 2, "a training notebook checks at least twice that its model learned"


def readme_table() -> list[list[str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = [ln for ln in text.splitlines() if re.match(r"^\| \d\d \|", ln)]
    return [[cell.strip() for cell in row.strip("|").split("|")] for row in rows]


def test_readme_table_lists_every_notebook_with_its_title():
    rows = readme_table()
    assert [r[0] for r in rows] == [p.name[:2] for p in NOTEBOOKS]
    for row, path in zip(rows, NOTEBOOKS, strict=True):
        title = source(load(path)["cells"][0]).splitlines()[0][2:]
        assert f"[{title}](notebooks/{path.name})" == row[1]
        assert row[2], "what you learn"
        assert re.fullmatch(r"\d+", row[3]), "minutes on CPU in the default profile"
