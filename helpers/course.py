"""The course's command line: set up, run every notebook, test, and re-render outputs.

Run it from the repository root with any Python 3.10-3.12; it needs nothing installed::

    python3 -m helpers.course run     # set up if needed, execute every notebook (default profile)
    python3 -m helpers.course test    # set up if needed, unit tests, then nbval (ci profile)

Other commands: ``setup`` (only create/refresh ``.venv``), ``render`` (execute the notebooks in
the default profile and write their outputs back into ``notebooks/``; what the committed outputs
come from) and ``sync`` (rewrite badges and the Colab/Kaggle install cell from
:mod:`helpers.project`, and normalize notebook metadata).

The part that runs before the virtual environment exists uses the standard library only; the
notebook execution itself runs inside ``.venv``.
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
EXECUTED = ROOT / "outputs" / "executed"
VENV = Path(os.environ.get("ROBO_VENV", ROOT / ".venv"))
EXTRAS = os.environ.get("ROBO_EXTRAS", "cpu,dev")
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
CELL_TIMEOUT_S = 1800


def _say(msg: str) -> None:
    print(f"[course] {msg}", flush=True)


def _venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def setup() -> Path:
    """Create ``.venv`` if missing and install the course into it when ``pyproject.toml`` changed.

    Returns:
        The virtual environment's Python.
    """
    if not (3, 10) <= sys.version_info[:2] <= (3, 12):
        sys.exit(
            f"[course] Python {sys.version.split()[0]} is not supported: TensorFlow wheels exist "
            "for Python 3.10-3.12. Run this command with one of those, e.g. python3.11."
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
    wanted = hashlib.sha256(((ROOT / "pyproject.toml").read_bytes() + EXTRAS.encode())).hexdigest()
    stamp = VENV / ".robo-nietzsche-installed"
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        _say(f"installing the course and its dependencies (extras: {EXTRAS}); takes a few minutes")
        start = time.time()
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"], check=True
        )
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[{EXTRAS}]"], check=True
        )
        stamp.write_text(wanted)
        _say(f"installed in {time.time() - start:.0f} s")
    return python


def notebook_paths() -> list[Path]:
    """The course notebooks, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


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


def _execute(paths: list[Path], out_dir: Path | None, profile: str) -> int:
    """Execute notebooks with nbclient; write copies to ``out_dir`` or back in place."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    os.environ["ROBO_PROFILE"] = profile
    failures = 0
    total = time.time()
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        start = time.time()
        client = NotebookClient(
            nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
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
        target = (out_dir / path.name) if out_dir else path
        target.parent.mkdir(parents=True, exist_ok=True)
        if out_dir or status == "ok":
            data = normalize(json.loads(nbformat.writes(nb)))
            target.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", "utf-8")
        rel = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
        print(f"{path.name:45s} {status:8s} {elapsed:7.1f} s   -> {rel}", flush=True)
    print(f"{len(paths)} notebook(s), {failures} failed, {time.time() - total:.0f} s in all "
          f"(profile {profile})", flush=True)
    return 1 if failures else 0


def _sync(paths: list[Path]) -> int:
    """Rewrite badges and install cells from helpers.project and normalize metadata."""
    from helpers import project

    for path in paths:
        nb = json.loads(path.read_text("utf-8"))
        rel = path.relative_to(ROOT).as_posix()
        for cell in nb["cells"]:
            src = "".join(cell["source"])
            if cell["cell_type"] == "markdown" and "colab-badge.svg" in src:
                lines = [project.badges_markdown(rel) if "colab-badge.svg" in ln else ln
                         for ln in src.split("\n")]
                cell["source"] = "\n".join(lines)
            if cell["cell_type"] == "code" and "HOSTED =" in src:
                cell["source"] = project.install_cell_source()
        path.write_text(json.dumps(normalize(nb), indent=1, ensure_ascii=False) + "\n", "utf-8")
        print(f"synced {rel}")
    return 0


# ---------------------------------------------------------------------------- commands
def _in_venv(python: Path, *args: str, env: dict | None = None) -> int:
    return subprocess.run([str(python), *args], cwd=ROOT, env=env).returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m helpers.course", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="create .venv and install the course if needed")
    run = sub.add_parser("run", help="execute every notebook headless (default profile)")
    run.add_argument("--profile", default=os.environ.get("ROBO_PROFILE", "default"))
    run.add_argument("notebooks", nargs="*", help="only these notebooks (default: all)")
    test = sub.add_parser("test", help="unit tests, then pytest --nbval in the ci profile")
    test.add_argument("pytest_args", nargs="*", help="extra arguments for the unit-test pytest")
    render = sub.add_parser("render", help="re-execute notebooks and write outputs in place")
    render.add_argument("notebooks", nargs="*")
    sub.add_parser("sync", help="rewrite badges/install cells and normalize metadata")
    execute = sub.add_parser("execute", help=argparse.SUPPRESS)
    execute.add_argument("--profile", required=True)
    execute.add_argument("--out")
    execute.add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)

    def chosen(names: list[str]) -> list[str]:
        paths = [Path(n).resolve() for n in names] if names else notebook_paths()
        return [str(p) for p in paths]

    if args.command == "execute":
        out = Path(args.out) if args.out else None
        return _execute([Path(p) for p in args.notebooks], out, args.profile)
    if args.command == "sync":
        return _sync(notebook_paths())
    python = setup()
    if args.command == "setup":
        return 0
    if args.command == "run":
        _say(f"executing the notebooks in the {args.profile!r} profile; copies go to {EXECUTED}")
        return _in_venv(python, "-m", "helpers.course", "execute", "--profile", args.profile,
                        "--out", str(EXECUTED), *chosen(args.notebooks))
    if args.command == "render":
        return _in_venv(python, "-m", "helpers.course", "execute", "--profile", "default",
                        *chosen(args.notebooks))
    # test
    env = dict(os.environ, ROBO_PROFILE="ci")
    _say("unit tests")
    unit = _in_venv(python, "-m", "pytest", "tests", *args.pytest_args, env=env)
    _say("notebooks under nbval (ci profile)")
    nbval = _in_venv(python, "-m", "pytest", "--nbval", "--nbval-sanitize-with", str(SANITIZE),
                     "--nbval-cell-timeout", str(CELL_TIMEOUT_S), *chosen([]), env=env)
    return 1 if unit or nbval else 0


if __name__ == "__main__":
    sys.exit(main())
