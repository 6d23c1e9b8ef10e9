"""pyproject.toml and environment.yml list the same packages with the same pins."""

from __future__ import annotations

import re
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def _norm(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement.split("#")[0]).replace("'", '"').lower()


def pyproject_requirements() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    project = data["project"]
    reqs = list(project["dependencies"])
    for extra in ("cpu", "dev"):
        reqs += project["optional-dependencies"][extra]
    return {_norm(r) for r in reqs}


def environment_pip_requirements() -> set[str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    reqs = []
    for line in lines[start + 1 :]:
        match = re.match(r"^\s{6,}- (.+)$", line)
        if not match:
            break
        reqs.append(match.group(1))
    return {_norm(r) for r in reqs if not r.startswith("-e")}


def test_environment_yml_and_pyproject_agree():
    assert environment_pip_requirements() == pyproject_requirements()


def test_every_pin_is_compatible_release_with_a_reason():
    text = (ROOT / "pyproject.toml").read_text()
    for requirement in pyproject_requirements():
        assert "~=" in requirement, requirement
    for line in text.splitlines():
        if line.strip().startswith('"') and "~=" in line:
            assert "#" in line, f"pin without a comment: {line.strip()}"


def test_the_supported_python_range_is_written_once():
    """requires-python in pyproject.toml is the source; the setup command reads it, and
    environment.yml and the README agree with it."""
    from tools import course

    low, high = course.supported_pythons()
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert spec == f">={low[0]}.{low[1]},<{high[0]}.{high[1]}"
    match = re.search(r"- python=(\d+)\.(\d+)", (ROOT / "environment.yml").read_text())
    assert match and low <= (int(match[1]), int(match[2])) < high
    readme = (ROOT / "README.md").read_text()
    assert f"Python {low[0]}.{low[1]} to {high[0]}.{high[1] - 1}" in readme
    source = (ROOT / "tools" / "course.py").read_text()
    assert not re.search(r"\(3, 1\d\)", source), "no Python version literal in tools/course.py"
