"""Every path of the workbench, anchored at the repository root (no os.chdir anywhere).

The root is found from the environment variable ``CITYBANK_ROOT`` when set (tests use it to build in a
temporary copy), otherwise it is the folder that holds ``params/`` above this file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


def _find_root() -> Path:
    env = os.environ.get("CITYBANK_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "params").is_dir() and (parent / "pyproject.toml").is_file():
            return parent
    return Path.cwd().resolve()


RESULT_FILES: dict[str, str] = {
    "indicators": "indicators.parquet",
    "strategy": "strategy.parquet",
    "consistency": "consistency.parquet",
}
"""The result file of each engine under ``data/results/`` — declared here once."""


@dataclass(frozen=True)
class Paths:
    """The folders of one workbench checkout."""

    root: Path

    @property
    def params(self) -> Path:
        return self.root / "params"

    @property
    def notebooks(self) -> Path:
        return self.root / "notebooks"

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def raw(self) -> Path:
        """Providers' files exactly as received: never modified by the workbench."""
        return self.data / "raw"

    @property
    def bank(self) -> Path:
        """The tidy long table with provenance (Parquet + DuckDB)."""
        return self.data / "bank"

    @property
    def quality(self) -> Path:
        """Quarantined rows with their reasons, per year."""
        return self.data / "quality"

    @property
    def results(self) -> Path:
        """Computed results between stages (indicators, strategy, consistency)."""
        return self.data / "results"

    def result(self, engine: str) -> Path:
        """The result file of an engine (a key of ``RESULT_FILES``)."""
        return self.results / RESULT_FILES[engine]

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def build(self) -> Path:
        """Runner state: cache keys, timing logs."""
        return self.root / "build"

    def year_report(self, year: int) -> Path:
        return self.reports / str(year)

    @property
    def shared(self) -> Path:
        """The read-only reference folder beside the checkout (``../shared``); may be absent."""
        env = os.environ.get("CITYBANK_SHARED")
        return Path(env) if env else self.root.parent / "shared"


def get_paths(root: str | os.PathLike | None = None) -> Paths:
    return Paths(Path(root).resolve() if root else _find_root())


PATHS = get_paths()


def use_root(root: str | os.PathLike) -> None:
    """Point this process's :data:`PATHS` at another workbench root (every module holds the same object).
    Only for a process that serves one root from then on — a runner's root process, forked before any data
    were loaded (see citybank.runner)."""
    object.__setattr__(PATHS, "root", Path(root).resolve())
