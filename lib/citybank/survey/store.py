"""The survey as a stage of the build, with the engines' anatomy: ``compute_all(reg)`` reads the raw exports,
validates, weights (to the margins ``margins.margins_in_use`` gives — the bank's when params ask for them and the
bank is built, exactly as ``citybank survey weight|estimate|code``), estimates, applies disclosure control, codes
the open answers (when params/survey_coding.yml exists) and writes ``data/results/survey/<table>.parquet``
(``paths.SURVEY_TABLES``); ``results(name)`` reads a table back. Everything downstream (the strategy engine, the
published data, the pages) reads these files, so nothing after this stage sees an unsuppressed cell; the tables
that may leave the workbench are ``published.PUBLIC_TABLES``.

Each stage can be timed on its own (``benchmarks/bench_survey.py``): ``load_survey_data`` (read + validate),
``weighting.all_schemes``, ``estimate.estimates``, ``tables.apply_suppression``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..params import Registry, registry
from ..params.survey import Survey, link_notes, load_survey, stale_links
from ..params.survey_coding import load_coding
from ..paths import PATHS, SURVEY_TABLES, Paths
from ..util import write_parquet
from .coding import CODING_TABLES, coding_tables, run_coding
from .inputs import load_survey_data
from .margins import margins_in_use
from .tables import build_tables
from .weighting import all_schemes


@dataclass(frozen=True)
class SurveyRun:
    """What the stage did: the survey (with the margins it was raked to), how many respondents it kept and how many
    problems it quarantined, the files it wrote and what the analyst should be told (margins, coding)."""

    survey: Survey
    respondents: int
    problems: int
    files: list[Path]
    notes: list[str] = field(default_factory=list)


def clear_results(paths: Paths | None = None) -> None:
    """Remove the survey's result tables (a failed or removed survey must not leave stale figures behind)."""
    folder = (paths or PATHS).result("survey").parent
    if folder.is_dir():
        shutil.rmtree(folder)


def compute_all(
    reg: Registry | None = None, raw: Path | None = None, *, paths: Paths | None = None
) -> SurveyRun | None:
    """Read, check, weight, estimate, suppress and code the survey of ``params/survey.yml`` and write its result
    tables; None (and no tables) when there is no survey. Without params/survey_coding.yml the coding's tables are
    not written (and stale ones are removed). ``paths``: the workbench (default: the process's)."""
    reg = reg or registry()
    paths = paths or PATHS
    survey = load_survey(reg)
    if survey is None:
        clear_results(paths)
        return None
    raw = raw or paths.raw
    used = margins_in_use(survey, paths, reg.city.terc)
    survey = used.survey
    data = load_survey_data(survey, raw)
    weightings = all_schemes(data.respondents, survey.margins)
    tables = build_tables(data, survey, weightings)
    tables["survey_margin_sources"] = used.sources
    notes = list(used.notes) + [n for w in weightings.values() for n in w.notes]
    if survey.variance == "calibration":
        notes.append("standard errors: linearised for raking (variance: calibration), not fixed weights")
    coding = load_coding(reg)
    if coding is not None and stale_links(reg, "survey_coding"):  # the codebook of another survey's open answers
        notes += link_notes(reg)[-1:]
        coding = None
    if coding is not None:
        names = {d.code: d.name for d in reg.city.districts}
        result = run_coding(data, survey, coding, weightings["full"], reg.root, raw, names)
        tables.update(coding_tables(result, coding, survey))
        log = tables["survey_disclosure_log"]
        tables["survey_disclosure_log"] = (
            pd.concat([log, result.disclosure_log], ignore_index=True) if len(result.disclosure_log) else log
        )
        notes += result.messages
    else:
        for name in CODING_TABLES:
            paths.survey_result(name).unlink(missing_ok=True)
    if "survey_numeric" not in tables:  # a survey without numeric questions: no stale table of another one
        paths.survey_result("survey_numeric").unlink(missing_ok=True)
    files = [write_parquet(tables[name], paths.survey_result(name)) for name in SURVEY_TABLES if name in tables]
    return SurveyRun(survey, len(data.respondents), len(data.problems), [Path(f) for f in files], notes)


def results(name: str = "survey_shares") -> pd.DataFrame | None:
    """A survey result table, or None when the survey stage has not written it (no survey, or it failed)."""
    path = PATHS.survey_result(name)
    return pd.read_parquet(path) if path.is_file() else None
