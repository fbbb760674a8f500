"""The survey as a stage of the build, with the engines' anatomy: ``compute_all(reg)`` reads the raw exports,
validates, weights, estimates and applies disclosure control, and writes ``data/results/survey/<table>.parquet``
(``paths.SURVEY_TABLES``); ``results(name)`` reads a table back. Everything downstream (the strategy engine, the
published data, the pages) reads these files, so nothing after this stage sees an unsuppressed cell.

Each stage can be timed on its own (``benchmarks/bench_survey.py``): ``load_survey_data`` (read + validate),
``weighting.all_schemes``, ``estimate.estimates``, ``tables.apply_suppression``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..params import Registry, registry
from ..params.survey import Survey, load_survey
from ..paths import PATHS, SURVEY_TABLES
from ..util import write_parquet
from .inputs import load_survey_data
from .tables import build_tables


@dataclass(frozen=True)
class SurveyRun:
    """What the stage did: the survey, how many respondents it kept and how many problems it quarantined."""

    survey: Survey
    respondents: int
    problems: int
    files: list[Path]


def clear_results() -> None:
    """Remove the survey's result tables (a failed or removed survey must not leave stale figures behind)."""
    folder = PATHS.result("survey").parent
    if folder.is_dir():
        shutil.rmtree(folder)


def compute_all(reg: Registry | None = None, raw: Path | None = None) -> SurveyRun | None:
    """Read, check, weight, estimate and suppress the survey of ``params/survey.yml`` and write its result tables;
    None (and no tables) when there is no survey."""
    reg = reg or registry()
    survey = load_survey(reg)
    if survey is None:
        clear_results()
        return None
    data = load_survey_data(survey, raw or PATHS.raw)
    tables = build_tables(data, survey)
    files = [write_parquet(tables[name], PATHS.survey_result(name)) for name in SURVEY_TABLES]
    return SurveyRun(survey, len(data.respondents), len(data.problems), [Path(f) for f in files])


def results(name: str = "survey_shares") -> pd.DataFrame | None:
    """A survey result table, or None when the survey stage has not written it (no survey, or it failed)."""
    path = PATHS.survey_result(name)
    return pd.read_parquet(path) if path.is_file() else None
