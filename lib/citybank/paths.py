"""Every path of the workbench, anchored at the repository root (no os.chdir anywhere).

A ``Paths`` value names the folders of one root; nothing here changes a root once a value exists. The CLI builds
one :class:`citybank.workbench.Workbench` (root, paths, params) and passes it down, so one process can prepare
and render several gminas' workbenches in turn. ``PATHS`` is the *process default*, for notebooks and helpers
called without a workbench: the root named by the environment variable ``CITYBANK_ROOT`` when set (tests use
it to build in a temporary copy; the runner sets it in each workbench's warm process and kernel), otherwise
the folder that holds ``params/`` above this file. It is read when used, never assigned.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from .reads import note


def _find_root() -> Path:
    return _root_of(os.environ.get("CITYBANK_ROOT") or None)


@functools.lru_cache(maxsize=16)
def _root_of(env: str | None) -> Path:
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
    "ranking": "ranking.parquet",
    "survey": "survey/survey_shares.parquet",
}
"""The result file of each engine under ``data/results/`` — declared here once (the survey's main table; its
other tables are ``SURVEY_TABLES`` beside it)."""

SURVEY_TABLES: tuple[str, ...] = (
    "survey_shares",
    "survey_eu_comparison",
    "survey_weights",
    "survey_margins",
    "survey_margin_sources",
    "survey_numeric",
    "survey_coded_shares",
    "survey_coding_agreement",
    "survey_quotes",
    "survey_quarantine",
    "survey_disclosure_log",
    "survey_coded_answers",
)
"""The residents' survey's result tables, ``data/results/survey/<name>.parquet``: the shares after disclosure
control, the comparison with the EU survey, the weighting report and its margins, where the margins came from
(the bank or params), the coded open answers (code shares, agreement between coders, the quote bank: written
only when params/survey_coding.yml exists), and three that never leave the workbench (the quarantined answers,
the suppression log and the coded answers per respondent)."""


@dataclass(frozen=True)
class Paths:
    """The folders of one workbench checkout."""

    root: Path

    @property
    def params(self) -> Path:
        return self.root / "params"

    @property
    def notebooks(self) -> Path:
        """The report templates: the root's ``notebooks/``, or the code checkout's for a gmina workspace."""
        return notebooks_folder(self.root)

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
        """The result file of an engine (a key of ``RESULT_FILES``); noted as read by a running task (``citybank.reads``:
        Arrow opens Parquet files where no audit hook sees it)."""
        path = self.results / RESULT_FILES[engine]
        note(path)
        return path

    def survey_result(self, name: str) -> Path:
        """A table of the residents' survey (a name of ``SURVEY_TABLES``)."""
        if name not in SURVEY_TABLES:
            raise KeyError(f"unknown survey table {name!r}; expected one of {', '.join(SURVEY_TABLES)}")
        path = self.results / "survey" / f"{name}.parquet"
        note(path)  # as in result()
        return path

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
    def link_roots(self) -> tuple[Path, ...]:
        """Where a symbolic link under ``data/raw`` may lead: ``data/raw`` itself, the code checkout's ``data/raw``
        (a gmina workspace of ``citybank new-city`` links the national exports there) and the read-only
        ``../shared``. Anything else is refused when a file is opened (``citybank.safety.inside``)."""
        code = code_checkout()
        extra = [code / "data" / "raw", code.parent / "shared"] if code is not None else []
        return tuple(dict.fromkeys([self.raw, self.root.parent / "shared", *extra]))


def code_checkout() -> Path | None:
    """The checkout this package was loaded from (the folder with ``notebooks/`` and ``pyproject.toml``), if any."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "notebooks").is_dir() and (parent / "pyproject.toml").is_file():
            return parent
    return None


def notebooks_folder(root: Path) -> Path:
    """``root/notebooks`` when it exists; else the code checkout's (a gmina workspace of ``citybank new-city``
    holds params and data only: its pages are built from the workbench's templates)."""
    own = Path(root) / "notebooks"
    if own.is_dir():
        return own
    code = code_checkout()
    return code / "notebooks" if code is not None else own


def get_paths(root: str | os.PathLike | None = None) -> Paths:
    """The paths of ``root``; without one, of the process's workbench (``CITYBANK_ROOT`` or the checkout)."""
    return Paths(Path(root).resolve() if root else _find_root())


class _ProcessPaths(Paths):
    """The paths of the process's workbench, its root looked up when used (``CITYBANK_ROOT``, else the checkout):
    a warm process of the runner that serves one workbench sets the variable once, before any page runs, and
    this value follows it — no code assigns a root."""

    def __init__(self) -> None:  # no field: the root is a property
        pass

    @property  # type: ignore[override]
    def root(self) -> Path:
        return _find_root()

    def __repr__(self) -> str:
        return f"PATHS(root={self.root})"


PATHS: Paths = _ProcessPaths()
