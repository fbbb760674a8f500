"""The end-to-end helpers (tests/test_e2e_*.py): a fresh copy of the workbench, the `citybank` command run in it,
and the one built year they all read — built once per test run: the run's controller starts the build in the
background when the run begins (conftest.py, :func:`start_early`), and a test that needs it waits on its file lock
(or builds it, when nobody started it), then reads the same folder. Nothing here reads the checkout's build/ or
reports/."""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

from citybank.paths import PATHS

YEAR = 2024
LANGS = ("pl", "en", "de")
CLI = [sys.executable, "-m", "citybank"]


def fresh_workbench(root: Path) -> Path:
    """What a fresh clone holds that the build reads: params, notebooks and the national exports shipped in
    data/raw/national (the package is installed)."""
    root.mkdir(parents=True)
    for name in ("params", "notebooks", "data/raw/national"):
        shutil.copytree(PATHS.root / name, root / name)
    shutil.copyfile(PATHS.root / "pyproject.toml", root / "pyproject.toml")
    return root


def run(root: Path, *args: str, timeout: int = 1500) -> subprocess.CompletedProcess:
    env = {**os.environ, "CITYBANK_ROOT": str(root), "MPLBACKEND": "Agg"}
    return subprocess.run([*CLI, *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


def code_key() -> str:
    """A hash of what the built year is made from (the package, the notebooks, params): the folder's name."""
    h = hashlib.sha256()
    for folder in (PATHS.root / "lib" / "citybank", PATHS.root / "notebooks", PATHS.root / "params"):
        for p in sorted(folder.rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(PATHS.root)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()[:16]


def run_tmp(tmp_path_factory) -> Path:
    """The temporary folder of this test run that every xdist worker shares (each worker's own basetemp is a
    subfolder of it); without xdist, the run's own basetemp."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def year_folder(run_folder: Path) -> Path:
    return run_folder / f"e2e-year-{code_key()}"


def build_once(folder: Path) -> tuple[Path, SimpleNamespace]:
    """`citybank report --year 2024` in a fresh workbench ``folder/wb``, once: whoever gets here first builds under
    an exclusive lock, the others wait for it and read what it wrote (the outcome is kept in done.json)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    root, done = folder / "wb", folder / "done.json"
    with open(f"{folder}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.is_file():
            if folder.exists():  # a build interrupted in an earlier attempt of this run
                shutil.rmtree(folder)
            fresh_workbench(root)
            proc = run(root, "report", "--year", str(YEAR))
            done.write_text(json.dumps({"returncode": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr}))
    return root, SimpleNamespace(**json.loads(done.read_text()))


def built_year(tmp_path_factory) -> tuple[Path, SimpleNamespace]:
    """The built year of this test run (started in the background when the run began: :func:`start_early`)."""
    return build_once(year_folder(run_tmp(tmp_path_factory)))


def wants_the_year(config) -> bool:
    """Whether this run will ask for the built year: slow tests not deselected, and an end-to-end file among the
    paths given (or a folder holding them)."""
    if "not slow" in (config.getoption("markexpr", "") or ""):
        return False
    here = Path(__file__).parent.resolve()
    for arg in config.args:
        path = (Path(config.invocation_params.dir) / arg.split("::")[0]).resolve()
        if path == here or here.is_relative_to(path) or (path.parent == here and path.name.startswith("test_e2e_")):
            return True
    return False


def start_early(run_folder: Path, log: Path) -> subprocess.Popen:
    """Start building the year in the background at the start of the run (the controller of xdist, or pytest
    itself): the workers run the other tests meanwhile instead of one of them waiting on the lock."""
    return subprocess.Popen([sys.executable, __file__, str(year_folder(run_folder))], stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


if __name__ == "__main__":  # the background build of start_early
    build_once(Path(sys.argv[1]))
