"""The manifest of a year's build: ``reports/<Y>/manifest.json`` with the sha256 of every input (data/raw,
params) and output (reports/<Y>), the package versions, the Python version and the git commit — and its check
(``citybank verify``)."""

from __future__ import annotations

import json
import platform
import subprocess
from pathlib import Path
from typing import Any

from .params import registry
from .paths import PATHS, Paths
from .rawdata import is_sample
from .util import package_versions, sha256_file, write_json

MANIFEST_PACKAGES = (
    "citybank",
    "pandas",
    "numpy",
    "pyarrow",
    "duckdb",
    "openpyxl",
    "pydantic",
    "pyyaml",
    "papermill",
    "nbconvert",
    "nbformat",
    "nbclient",
    "ipykernel",
    "matplotlib",
    "seaborn",
    "babel",
    "frictionless",
    "typst",
    "pypandoc-binary",
)


def _files(folder: Path, root: Path, pattern: str = "*", skip: Path | None = None) -> list[dict[str, Any]]:
    if not folder.is_dir():
        return []
    out = []
    for p in sorted(folder.rglob(pattern)):
        if p.is_file() and p != skip and not p.name.startswith(".") and "__pycache__" not in p.parts:
            out.append({"path": p.relative_to(root).as_posix(), "sha256": sha256_file(p), "bytes": p.stat().st_size})
    return sorted(out, key=lambda e: e["path"])


def git_state(root: Path) -> dict[str, Any]:
    """The commit of the checkout and whether tracked files differ from it; 'unknown' outside git."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=20
        ).stdout.strip()
        dirty = (
            subprocess.run(
                ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            ).stdout.strip()
            != ""
        )
        return {"commit": commit or "unknown", "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": None}


def write_manifest(year: int, extra: dict[str, Any] | None = None, *, paths: Paths | None = None) -> Path:
    """Write ``reports/<Y>/manifest.json`` of the workbench ``paths`` (default: the process's); ``extra`` adds or
    overrides entries of ``parameters``."""
    paths = paths or PATHS
    root = paths.root
    target = paths.year_report(year) / "manifest.json"
    params: dict[str, Any] = {"year": year}
    try:
        reg = registry(paths.params)
        params["languages"] = list(reg.city.languages)
        if year in reg.years:
            params["status"] = reg.years[year].status
    except Exception as exc:  # the manifest of a broken run is still worth writing
        params["params_error"] = str(exc).splitlines()[0]
    params.update(extra or {})
    manifest = {
        "manifest_version": 1,
        "year": year,
        "parameters": params,
        "sample_data": is_sample(paths.raw),
        "inputs": _files(paths.raw, root) + _files(paths.params, root, "*.yml"),
        "outputs": _files(paths.year_report(year), root, skip=target),
        "packages": package_versions(MANIFEST_PACKAGES),
        "python": platform.python_version(),
        "git": git_state(root),
    }
    return write_json(target, manifest)


def verify_manifest(path: str | Path, root: str | Path | None = None) -> list[str]:
    """Re-hash every input and output of a manifest; list what is missing, changed or not recorded."""
    path = Path(path).resolve()
    root = Path(root).resolve() if root else path.parents[2]  # <root>/reports/<Y>/manifest.json
    manifest = json.loads(path.read_text(encoding="utf-8"))
    problems: list[str] = []
    for kind in ("inputs", "outputs"):
        for entry in manifest.get(kind, []):
            p = root / entry["path"]
            if not p.is_file():
                problems.append(f"{kind[:-1]} missing: {entry['path']}")
            elif (h := sha256_file(p)) != entry["sha256"]:
                problems.append(
                    f"{kind[:-1]} changed: {entry['path']} (recorded sha256 {entry['sha256'][:12]}…, now {h[:12]}…)"
                )
    recorded = {e["path"] for e in manifest.get("outputs", [])}
    for entry in _files(path.parent, root, skip=path):
        if entry["path"] not in recorded:
            problems.append(f"output not in manifest: {entry['path']}")
    return problems
