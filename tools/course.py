"""The course's command line: set up, run every notebook, test, and re-render outputs.

Run it from a clone of the repository with any supported Python (see ``requires-python`` in
``pyproject.toml``); it needs nothing installed::

    python3 tools/course.py run     # set up .venv if needed, run every notebook (default profile)
    python3 tools/course.py test    # set up if needed; lint, unit tests, then nbval (ci profile)

Other commands: ``setup`` (only create or refresh ``.venv``), ``render`` (execute notebooks in
the default profile and write their outputs back into ``notebooks/``: how the committed outputs
are made), ``sync`` (rewrite badges and the Colab/Kaggle setup cell from :mod:`tools.project` and
normalize notebook metadata) and ``lint`` (ruff).

``test --colab`` also tests the course with the package versions Google Colab ships
(``tools/colab-versions.txt``) in a second environment, ``.venv-colab``, with Python 3.13 where
this machine has it: unit tests (which load every shipped model) and every course notebook under
nbval. The two environments run side by side; that is what CI runs.

The part that runs before the virtual environment exists uses the standard library only;
everything else runs inside ``.venv``. ``ROBO_VENV`` names another environment, ``ROBO_EXTRAS`` the
extras to install and ``ROBO_CONSTRAINTS`` a pip constraints file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOLUTIONS = NOTEBOOKS / "solutions"
EXECUTED = ROOT / "outputs" / "executed"
VENV = Path(os.environ.get("ROBO_VENV", ROOT / ".venv"))
EXTRAS = os.environ.get("ROBO_EXTRAS", "cpu,dev")
CONSTRAINTS = os.environ.get("ROBO_CONSTRAINTS")
COLAB_VERSIONS = ROOT / "tools" / "colab-versions.txt"
COLAB_VENV = ROOT / ".venv-colab"
COLAB_LOG = ROOT / "outputs" / "colab-suite.log"
COLAB_RUNS = ROOT / "outputs" / "colab-runs"
"""The Colab suite's runs folder (``ROBO_RUNS``): it runs beside the main suite, whose notebooks
train and resume the same runs in ``runs/``; sharing that folder mixed their checkpoints."""
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
CELL_TIMEOUT_S = 1800
LINTED = ["helpers", "tests", "benchmarks", "tools", "notebooks"]
QUIET_TF = {"TF_CPP_MIN_LOG_LEVEL": "3"}
"""TensorFlow's C++ log level, set before it is imported: kernels inherit it."""

TF_STARTUP_NOTICE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR"
    r"|[IWE]\d{4} [\d:. ]+\d+ (port|cpu_feature_guard)\.cc:\d+\] .*"
    r"|To enable the following instructions: .*)\n?",
    re.M,
)
"""TensorFlow 2.21's start-up notices (oneDNN, CPU features). They ignore TF_CPP_MIN_LOG_LEVEL,
so rendering removes them from committed outputs; nothing else is removed."""


def strip_startup_notices(nb: dict) -> dict:
    """Remove TensorFlow's start-up notices from a notebook's stderr outputs (empty ones go)."""
    for cell in nb.get("cells", []):
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = TF_STARTUP_NOTICE.sub("", "".join(out.get("text", "")))
                if not text.strip():
                    continue
                out["text"] = text
            kept.append(out)
        if cell.get("cell_type") == "code":
            cell["outputs"] = kept
    return nb


def _say(msg: str) -> None:
    print(f"[course] {msg}", flush=True)


def supported_pythons() -> tuple[tuple[int, int], tuple[int, int]]:
    """The supported range ``(lowest, first unsupported)``, read from ``requires-python`` in
    ``pyproject.toml``: the one place it is written."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    spec = re.search(r'^requires-python\s*=\s*"([^"]+)"', text, re.M)
    low = spec and re.search(r">=\s*(\d+)\.(\d+)", spec.group(1))
    high = spec and re.search(r"<\s*(\d+)\.(\d+)", spec.group(1))
    if not (low and high):
        raise SystemExit("[course] pyproject.toml needs requires-python = '>=3.X,<3.Y'.")
    return (int(low[1]), int(low[2])), (int(high[1]), int(high[2]))


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def setup() -> Path:
    """Create ``.venv`` if missing and install the course into it when ``pyproject.toml`` changed.

    Returns:
        The virtual environment's Python.
    """
    low, high = supported_pythons()
    if not low <= sys.version_info[:2] < high:
        sys.exit(
            f"[course] Python {sys.version.split()[0]} is not supported: the course needs Python "
            f"{low[0]}.{low[1]} to {high[0]}.{high[1] - 1} (TensorFlow has wheels for those). "
            f"Run this command with one of them, e.g. python3.{high[1] - 1}."
        )
    python = _venv_python()
    if not python.exists():
        _say(f"creating a virtual environment in {VENV}")
        try:
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        except subprocess.CalledProcessError:
            sys.exit(
                "[course] could not create a virtual environment. On Debian/Ubuntu install the "
                "venv module first: sudo apt install python3-venv"
            )
    pins = Path(CONSTRAINTS).read_bytes() if CONSTRAINTS else b""
    wanted = hashlib.sha256(
        (ROOT / "pyproject.toml").read_bytes() + EXTRAS.encode() + pins
    ).hexdigest()
    stamp = VENV / ".robo-nietzsche-installed"
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        _say(f"installing the course and its dependencies (extras: {EXTRAS}); takes a few minutes")
        start = time.time()
        pip = [str(python), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, "--upgrade", "pip"], check=True)
        constrain = ["-c", CONSTRAINTS] if CONSTRAINTS else []
        subprocess.run([*pip, *constrain, "-e", f"{ROOT}[{EXTRAS}]"], check=True)
        stamp.write_text(wanted)
        _say(f"installed in {time.time() - start:.0f} s")
    return python


def notebook_paths(solutions: bool = False) -> list[Path]:
    """The course notebooks in order, then (with ``solutions``) their solutions."""
    found = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    if solutions:
        found += sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))
    return found


# ------------------------------------------------------------------ inside the environment
def normalize(nb: dict) -> dict:
    """Drop volatile metadata (timestamps, Colab ids, kernel versions) from a notebook dict."""
    nb["metadata"] = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for cell in nb.get("cells", []):
        keep = {k: v for k, v in cell.get("metadata", {}).items() if k in ("tags",)}
        cell["metadata"] = keep
        if cell.get("cell_type") == "code":
            for out in cell.get("outputs", []):
                out.get("metadata", {}).pop("execution", None)
    return nb


def write_notebook(path: Path, nb: dict) -> None:
    """Write a notebook dict the way the repository keeps them: normalized, sources as lists of
    lines (as Jupyter writes them, so diffs stay readable), indent 1, UTF-8."""
    for cell in nb.get("cells", []):
        if isinstance(cell.get("source"), str):
            cell["source"] = cell["source"].splitlines(keepends=True)
    path.write_text(json.dumps(normalize(nb), indent=1, ensure_ascii=False) + "\n", "utf-8")


def _execute(paths: list[Path], out_dir: Path | None, profile: str) -> int:
    """Execute notebooks with nbclient; write copies to ``out_dir`` or back in place."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    os.environ["ROBO_PROFILE"] = profile
    os.environ.update(QUIET_TF)
    failures = 0
    total = time.time()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        start = time.time()
        client = NotebookClient(
            nb,
            timeout=CELL_TIMEOUT_S,
            kernel_name="python3",
            resources={"metadata": {"path": str(path.parent)}},
        )
        status = "ok"
        try:
            client.execute()
        except CellExecutionError as err:
            failures += 1
            last = re.sub(r"\x1b\[[0-9;]*m", "", str(err)).strip().splitlines()[-1]
            status = "FAILED: " + last[:300]
        elapsed = time.time() - start
        inside = path.resolve().is_relative_to(NOTEBOOKS)
        name = path.resolve().relative_to(NOTEBOOKS) if inside else Path(path.name)
        target = (out_dir / name) if out_dir else path
        target.parent.mkdir(parents=True, exist_ok=True)
        if out_dir or status == "ok":
            write_notebook(target, strip_startup_notices(json.loads(nbformat.writes(nb))))
        rel = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
        print(f"{path.name:45s} {status:8s} {elapsed:7.1f} s   -> {rel}", flush=True)
    print(
        f"{len(paths)} notebook(s), {failures} failed, {time.time() - total:.0f} s in all "
        f"(profile {profile})",
        flush=True,
    )
    return 1 if failures else 0


def _sync(paths: list[Path]) -> int:
    """Rewrite badges and setup cells from tools/project.py and normalize metadata."""
    sys.path.insert(0, str(ROOT))
    from tools import project

    for path in paths:
        nb = json.loads(path.read_text("utf-8"))
        rel = path.relative_to(ROOT).as_posix()
        for cell in nb["cells"]:
            src = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and "colab-badge.svg" in src:
                lines = [
                    project.badges_markdown(rel) if "colab-badge.svg" in ln else ln
                    for ln in src.split("\n")
                ]
                cell["source"] = "\n".join(lines)
        first_code = next(c for c in nb["cells"] if c["cell_type"] == "code")
        first_code["source"] = project.install_cell_source()  # every notebook's setup cell
        write_notebook(path, nb)
        print(f"synced {rel}")
    return 0


# ---------------------------------------------------------------------------- commands
def _in_venv(python: Path, *args: str, env: dict | None = None) -> int:
    return subprocess.run([str(python), *args], cwd=ROOT, env=env).returncode


def lint(python: Path) -> int:
    """``ruff check`` and ``ruff format --check`` over the code (settings in pyproject.toml)."""
    check = _in_venv(python, "-m", "ruff", "check", *LINTED)
    form = _in_venv(python, "-m", "ruff", "format", "--check", *LINTED)
    return 1 if check or form else 0


def _versions(python: Path) -> str:
    code = (
        "import platform, keras, numpy, tensorflow as tf; "
        "print(f'Python {platform.python_version()}, TensorFlow {tf.__version__}, "
        "Keras {keras.__version__}, NumPy {numpy.__version__}')"
    )
    out = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, env=dict(os.environ, **QUIET_TF)
    )
    return out.stdout.strip() or out.stderr.strip()[-300:]


def _nbval(python: Path, notebooks: list[Path], env: dict) -> int:
    return _in_venv(
        python, "-m", "pytest", "--nbval", "--nbval-sanitize-with", str(SANITIZE),
        "--nbval-cell-timeout", str(CELL_TIMEOUT_S), *[str(p) for p in notebooks], env=env,
    )  # fmt: skip


def colab_python() -> str:
    """Python 3.13, as on Colab, when this machine has it (on PATH or in pyenv); else this one."""
    candidates = ["python3.13", *sorted(Path.home().glob(".pyenv/versions/3.13*/bin/python3.13"))]
    for candidate in candidates:
        try:
            out = subprocess.run([str(candidate), "-V"], capture_output=True, text=True)
        except OSError:
            continue
        if out.returncode == 0 and out.stdout.startswith("Python 3.13"):
            return str(candidate)
    return sys.executable


def colab_suite(python: Path, pytest_args: list[str]) -> int:
    """Inside .venv-colab: unit tests (shipped models included) and the course notebooks, with
    runs saved in a folder of their own (:data:`COLAB_RUNS`)."""
    env = dict(os.environ, ROBO_PROFILE="ci", ROBO_RUNS=str(COLAB_RUNS), **QUIET_TF)
    _say(f"Colab's versions: {_versions(python)}")
    _say("unit tests (Colab's versions)")
    unit = _in_venv(python, "-m", "pytest", "tests", *pytest_args, env=env)
    _say("course notebooks under nbval (ci profile, Colab's versions)")
    nbval = _nbval(python, notebook_paths(), env)
    for name, code in (("unit tests", unit), ("nbval", nbval)):
        _say(f"{name} (Colab's versions): {'passed' if code == 0 else 'FAILED'}")
    return 1 if unit or nbval else 0


def test(python: Path, pytest_args: list[str], notebooks: list[Path], colab: bool = False) -> int:
    """Lint, unit tests, then every notebook under nbval in the ``ci`` profile; with ``colab``,
    the Colab suite runs beside it in its own environment and its log is printed at the end."""
    env = dict(os.environ, ROBO_PROFILE="ci", **QUIET_TF)
    side = None
    if colab:
        COLAB_LOG.parent.mkdir(parents=True, exist_ok=True)
        interpreter = colab_python()
        _say(f"starting the Colab suite with {interpreter} beside this one; log: {COLAB_LOG}")
        side_env = dict(os.environ, ROBO_VENV=str(COLAB_VENV), ROBO_CONSTRAINTS=str(COLAB_VERSIONS))
        log = open(COLAB_LOG, "w")  # closed once the suite has ended
        side = subprocess.Popen(
            [interpreter, str(Path(__file__).resolve()), "colab-suite", *pytest_args],
            cwd=ROOT, env=side_env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    _say(f"newest versions: {_versions(python)}")
    _say("lint (ruff)")
    linted = lint(python)
    _say("unit tests")
    unit = _in_venv(python, "-m", "pytest", "tests", *pytest_args, env=env)
    _say("notebooks under nbval (ci profile)")
    nbval = _nbval(python, notebooks, env)
    results = [("lint", linted), ("unit tests", unit), ("nbval", nbval)]
    if side is not None:
        side_code = side.wait()
        log.close()
        _say("the Colab suite's log follows")
        print(COLAB_LOG.read_text(encoding="utf-8"), flush=True)
        results.append(("Colab suite", side_code))
    for name, code in results:
        _say(f"{name}: {'passed' if code == 0 else 'FAILED'}")
    return 1 if any(code for _, code in results) else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python3 tools/course.py", description=__doc__.split("\n")[0]
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="create .venv and install the course if needed")
    run = sub.add_parser("run", help="execute every notebook headless (default profile)")
    run.add_argument("--profile", default=os.environ.get("ROBO_PROFILE", "default"))
    run.add_argument("notebooks", nargs="*", help="only these notebooks (default: all)")
    tst = sub.add_parser("test", help="lint, unit tests, then pytest --nbval (ci profile)")
    tst.add_argument(
        "--colab", action="store_true", help="also test with Colab's versions (what CI runs)"
    )
    tst.add_argument("pytest_args", nargs="*", help="extra arguments for the unit-test pytest")
    colab = sub.add_parser("colab-suite", help="(used by test --colab, inside .venv-colab)")
    colab.add_argument("pytest_args", nargs="*")
    render = sub.add_parser("render", help="re-execute notebooks and write outputs in place")
    render.add_argument("notebooks", nargs="*")
    sub.add_parser("sync", help="rewrite badges/setup cells and normalize metadata")
    sub.add_parser("lint", help="ruff check and ruff format --check")
    execute = sub.add_parser("execute", help="(used by run and render, inside .venv)")
    execute.add_argument("--profile", required=True)
    execute.add_argument("--out")
    execute.add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)

    def chosen(names: list[str]) -> list[str]:
        paths = [Path(n).resolve() for n in names] if names else notebook_paths(solutions=True)
        return [str(p) for p in paths]

    if args.command == "execute":
        out = Path(args.out) if args.out else None
        return _execute([Path(p) for p in args.notebooks], out, args.profile)
    if args.command == "sync":
        return _sync(notebook_paths(solutions=True))
    python = setup()
    if args.command == "setup":
        return 0
    if args.command == "lint":
        return lint(python)
    me = str(Path(__file__).resolve())
    if args.command == "run":
        _say(f"executing the notebooks in the {args.profile!r} profile; copies go to {EXECUTED}")
        return _in_venv(
            python, me, "execute", "--profile", args.profile, "--out", str(EXECUTED),
            *chosen(args.notebooks),
        )  # fmt: skip
    if args.command == "render":
        return _in_venv(python, me, "execute", "--profile", "default", *chosen(args.notebooks))
    if args.command == "colab-suite":
        return colab_suite(python, args.pytest_args)
    return test(python, args.pytest_args, notebook_paths(solutions=True), colab=args.colab)


if __name__ == "__main__":
    sys.exit(main())
