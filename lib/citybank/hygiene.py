"""Repository hygiene, run by `make lint` and the pre-commit hook (no network needed).

- every report template (notebooks/*.ipynb, not the workshops and methods notebooks in its subfolders) keeps the
  notebook contract (citybank.contract);
- no tracked or staged file is larger than the limit (generated outputs belong in .gitignore), except a national
  GUS export shipped in ``data/raw/national`` whose provenance sidecar records its sha256 (up to ``NATIONAL_MAX_BYTES``).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from .contract import check_notebook
from .params import registry
from .paths import PATHS
from .rawdata import NATIONAL, sidecar_path
from .runner import plan
from .util import sha256_file

MAX_BYTES = 1024 * 1024
NATIONAL_MAX_BYTES = 4 * 1024 * 1024
"""A shipped national export (every gmina of Poland; the largest, FINA, is 2.3 MB) may be this large."""


def _shipped_export(p: Path) -> bool:
    """A file of data/raw/national whose sidecar's sha256 is the file's: a real export shipped on purpose."""
    side = sidecar_path(p)
    if p.parent.name != NATIONAL or p.parent.parent.name != "raw" or not side.is_file():
        return False
    try:
        meta = yaml.safe_load(side.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError:
        return False
    return isinstance(meta, dict) and meta.get("sha256") == sha256_file(p)


def declared_parameters() -> dict[str, set[str]]:
    """Per notebook file name, the parameter names the runner passes to it (for the default year)."""
    reg = registry()
    out: dict[str, set[str]] = {}
    for task in plan(reg.city.default_year, reg):
        out.setdefault(Path(task.notebook).name, set()).update(task.parameters)
    return out


def report_templates(root: Path) -> list[Path]:
    """The report templates the contract applies to: notebooks/*.ipynb only. Workshops (notebooks/workshops/)
    and methods notebooks (notebooks/methods/) show their working and are checked by executing them instead."""
    return sorted((root / "notebooks").glob("*.ipynb"))


def large_files(root: Path, limit: int = MAX_BYTES) -> list[str]:
    try:
        names = subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.splitlines()
    except (OSError, subprocess.CalledProcessError):
        return []
    out = []
    for name in names:
        p = root / name
        if not p.is_file() or p.stat().st_size <= limit:
            continue
        if p.stat().st_size <= NATIONAL_MAX_BYTES and _shipped_export(p):
            continue
        out.append(
            f"{name}: {p.stat().st_size / 1e6:.1f} MB is larger than {limit / 1e6:.1f} MB; "
            "generated files belong in .gitignore"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    root = PATHS.root
    problems: list[str] = []
    declared = declared_parameters()
    for nb in report_templates(root):
        problems.extend(str(v) for v in check_notebook(nb, declared.get(nb.name)))
    problems.extend(large_files(root))
    if problems:
        print("Hygiene check failed:", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print("hygiene OK: notebooks keep the contract, no large files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
