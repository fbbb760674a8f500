"""The no-change shortcut of ``citybank build``: after a build of a whole year with no failure, the size and
modification time of every file the year's plan and its cache keys were made from are kept in
``build/<Y>/snapshot.json`` — params/ (every file and folder: the plan), the code of lib/citybank, every task's
notebook, inputs and output, and the folders that hold them (a raw file added to a dataset's folder changes
the folder) — with the versions of the key packages and the interpreter. The next ``citybank build`` of that
year compares them first: when not one differs, nothing can be stale, and it says so without loading params
(pydantic), planning or hashing — stat calls only (README, Performance: a no-change build of the whole year
< 1 s). When anything differs, or the snapshot is missing or unreadable, the build plans and decides as always.

This module imports nothing but the standard library and :mod:`citybank.util` (not the runner package, whose plan
imports params): the CLI calls it before anything else. It sits in the runner's layer.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from .util import package_versions

VERSION = 1


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns] if not path.is_dir() else [0, st.st_mtime_ns]


def snapshot_path(root: Path, year: int | None) -> Path:
    """Where the snapshot of a year is kept; ``year`` None: the default year's (``citybank build`` without --year)."""
    return root / "build" / ("snapshot-default.json" if year is None else f"{year}/snapshot.json")


def _files(root: Path, tasks: list[Any], lib_root: Path) -> set[Path]:
    files: set[Path] = set()
    params = root / "params"
    files.add(params)
    for t in tasks:  # the build state: a build that changed it (a task failed, was forced) voids the snapshot
        files.add(t.build_dir / "state.json")
    for p in params.rglob("*"):
        files.add(p)
    for p in lib_root.rglob("*"):
        if "__pycache__" not in p.parts and p.suffix not in (".pyc", ".pyo"):
            files.add(p)
    for t in tasks:
        for rel in (t.notebook, *t.inputs, t.output):
            p = t.path(rel)
            files.add(p)
            files.add(p.parent)
    return files


def _environment(packages: list[str]) -> dict[str, Any]:
    return {"python": sys.version, "executable": sys.executable, "packages": package_versions(packages)}


def write(root: Path, year_arg: int | None, year: int, tasks: list[Any], lib_root: Path, packages: list[str]) -> None:
    """Record the snapshot after a whole-year build that executed or confirmed every task (``packages``: the
    distributions whose versions are part of the tasks' cache keys)."""
    stats = {str(p): _stat(p) for p in sorted(_files(root, tasks, lib_root))}
    doc = {"version": VERSION, "year": year, "root": str(root), "tasks": len(tasks),
           "env": _environment(sorted(packages)), "files": stats}  # fmt: skip
    target = snapshot_path(root, year_arg)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
    os.replace(tmp, target)


def forget(root: Path) -> None:
    """Remove every snapshot of the workbench (a partial or failed build: the next build decides in full)."""
    for p in [root / "build" / "snapshot-default.json", *root.glob("build/*/snapshot.json")]:
        p.unlink(missing_ok=True)


def unchanged(root: Path, year_arg: int | None) -> tuple[int, int] | None:
    """(year, number of tasks) when nothing recorded in the snapshot has changed; None when the build must decide."""
    try:
        doc = json.loads(snapshot_path(root, year_arg).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if doc.get("version") != VERSION or doc.get("root") != str(root):
        return None
    for name, recorded in doc["files"].items():
        if _stat(Path(name)) != recorded:
            return None
    if doc.get("env") != _environment(sorted(doc.get("env", {}).get("packages") or [])):
        return None
    return int(doc["year"]), int(doc["tasks"])
