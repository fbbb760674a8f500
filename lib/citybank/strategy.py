"""Monitoring of the city development strategy: is each indicator on the way from its baseline to its target?

``params/strategy.yml`` holds strategic goals → operational goals → indicators. An indicator measures a
canonical ``variable`` of the bank (or an ISO 37120 indicator, ``iso``, or a residents' survey question,
``survey``: the city's top-2-box share in %, fully weighted, in the survey's fieldwork year, read from the
survey's result file — a suppressed share is no data), optionally divided by another
variable (``per``, e.g. ``population_total``) and multiplied (``multiplier``, e.g. 1000 for "per 1000
residents"); it has a ``baseline`` {year, value}, a ``target`` {year, value} and a ``direction``.

For every indicator and year from the baseline year on:

``expected``
    the value on the straight path from baseline to target:
    ``baseline + (target - baseline) * min(1, (year - baseline_year) / (target_year - baseline_year))``.
``progress_ratio``
    the change achieved against the change expected by that year:
    ``(actual - baseline) / (expected - baseline)``; 1.0 = exactly on the path, above 1 = ahead of it,
    negative = moved away from the target. (E.g. baseline 2015 = 100, target 2030 = 70: in 2024 the path
    expects 82; an actual of 90 achieved −10 of the expected −18, a ratio of 0.556.)
``status``
    ``on_track`` when progress_ratio ≥ ``status_thresholds.on_track`` (default 0.9), ``at_risk`` when
    ≥ ``status_thresholds.at_risk`` (default 0.6), otherwise ``off_track``; ``baseline`` in the baseline
    year itself (nothing to judge yet) and ``no_data`` when the year has no value.
``projected_target_value``
    the least-squares straight line through the actual values from the baseline year up to that year
    (at least two years), read at the target year; ``projection_meets_target`` says whether it reaches
    the target in the indicator's direction. A series that has never been negative is projected no lower
    than zero (a count or a rate cannot fall below it).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import indicators
from .bank import PROVENANCE, load_bank, year_series
from .params import Registry, registry
from .params.consistency import side_label
from .params.strategy import Strategy, StrategyIndicator, load_strategy
from .params.survey import load_survey
from .paths import PATHS, Paths
from .util import read_results, write_parquet

SURVEY_VALUE_COLUMNS = ["question", "year", "value", "dataset"]
"""What the engine reads of the survey: the city's share (%, scheme full) per question, the fieldwork year and the
survey's id (as the value's dataset)."""

STATUSES = ("on_track", "at_risk", "off_track", "no_data", "baseline")

RESULT_COLUMNS: list[str] = [
    "goal",
    "operational_goal",
    "indicator",
    "year",
    "variable",
    "iso",
    "per",
    "multiplier",
    "unit",
    "direction",
    "baseline_year",
    "baseline_value",
    "target_year",
    "target_value",
    "actual",
    "expected",
    "progress_ratio",
    "status",
    "projected_target_value",
    "projection_meets_target",
    "crosses_break",
    *PROVENANCE,
]
NUMERIC: dict[str, str] = {
    "year": "int64",
    "multiplier": "float64",
    "baseline_year": "int64",
    "baseline_value": "float64",
    "target_year": "int64",
    "target_value": "float64",
    "actual": "float64",
    "expected": "float64",
    "progress_ratio": "float64",
    "projected_target_value": "float64",
    "projection_meets_target": "boolean",
    "crosses_break": "Int64",
    "source_row": "Int64",
}
SUMMARY_COLUMNS = ["year", "goal", *STATUSES, "total"]


# ---------------------------------------------------------------- the engine


def _measured(
    bank: pd.DataFrame,
    ind: StrategyIndicator,
    territory: str,
    iso_values: pd.DataFrame | None,
    survey_values: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The indicator's measured value by year (``value`` + provenance of the numerator), after per × multiplier."""
    if ind.variable is not None:
        s = year_series(bank, ind.variable, territory)
    elif ind.survey is not None:
        sv = survey_values if survey_values is not None else pd.DataFrame(columns=SURVEY_VALUE_COLUMNS)
        rows = sv[(sv["question"] == ind.survey) & sv["value"].notna()]
        s = pd.DataFrame(
            {
                "value": rows["value"].astype("float64").to_numpy(),
                "dataset": rows["dataset"].to_numpy(),
                "provider": None,
                "source_file": None,
                "source_row": None,
            },
            index=rows["year"].astype("int64").to_numpy(),
        )
    else:
        iso = iso_values if iso_values is not None else pd.DataFrame(columns=["id", "year", "value"])
        rows = iso[(iso["id"].astype("str") == ind.iso) & iso["value"].notna()]
        s = pd.DataFrame(
            {"value": rows["value"].astype("float64").to_numpy(), **{p: None for p in PROVENANCE}},
            index=rows["year"].astype("int64").to_numpy(),
        )
    s = s.copy()
    if ind.per is not None:
        den = year_series(bank, ind.per, territory)["value"]
        den = den.reindex(s.index)
        s["value"] = (s["value"] / den.where(den != 0)) * ind.multiplier
    elif ind.multiplier != 1.0:
        s["value"] = s["value"] * ind.multiplier
    return s[s["value"].notna()]


def _projection(points: dict[int, float], ind: StrategyIndicator) -> float:
    """Least-squares line through (year, value) points, read at the target year; NaN for fewer than 2 years."""
    if len(points) < 2:
        return math.nan
    x = np.array(sorted(points), dtype="float64")
    y = np.array([points[int(k)] for k in x], dtype="float64")
    slope, intercept = np.polyfit(x - ind.baseline.year, y, 1)
    value = float(intercept + slope * (ind.target.year - ind.baseline.year))
    return max(value, 0.0) if min(points.values()) >= 0 else value  # a count or a rate never goes below zero


def evaluate(
    bank: pd.DataFrame,
    strategy: Strategy,
    years: list[int] | None = None,
    *,
    iso_values: pd.DataFrame | None = None,
    survey_values: pd.DataFrame | None = None,
    territories: dict[str, str] | None = None,
    breaks: dict[str, list[int]] | None = None,
) -> pd.DataFrame:
    """One row per indicator and year (``RESULT_COLUMNS``), for the years from each baseline on.

    ``breaks``: variable → first years of new series; ``crosses_break`` is the last break between the
    baseline and the year judged (the progress then compares values measured differently: say so).

    ``years``: the years to judge (default: every year in the bank). ``iso_values``: ISO 37120 results
    (columns id, year, value) for indicators given by ``iso``. ``survey_values``: the survey's city shares
    (``SURVEY_VALUE_COLUMNS``, see :func:`survey_values`) for indicators given by ``survey``. ``territories``: rule territory → bank code
    (default from params/city.yml).
    """
    if territories is None:
        territories = _territories(registry(), strategy)
    judged = sorted({int(y) for y in years}) if years is not None else sorted({int(y) for y in bank["year"]})
    th = strategy.status_thresholds
    rows: list[dict[str, Any]] = []
    for goal, op, ind in strategy.indicators():
        m = _measured(bank, ind, territories.get(ind.territory, ind.territory), iso_values, survey_values)
        for year in (y for y in judged if y >= ind.baseline.year):
            found = year in m.index
            actual = float(m.at[year, "value"]) if found else math.nan
            expected = ind.expected(year)
            if not found:
                ratio, status = math.nan, "no_data"
            elif year == ind.baseline.year:
                ratio, status = math.nan, "baseline"
            else:
                ratio = (actual - ind.baseline.value) / (expected - ind.baseline.value)
                status = th.status(ratio)
            points = {int(y): float(v) for y, v in m["value"].items() if ind.baseline.year <= y <= year}
            proj = _projection(points, ind)
            rows.append(
                {
                    "goal": goal.id,
                    "operational_goal": op.id,
                    "indicator": ind.id,
                    "year": year,
                    "variable": ind.variable,
                    "iso": ind.iso,
                    "per": None if ind.per is None else side_label(ind.per),
                    "multiplier": ind.multiplier,
                    "unit": ind.unit,
                    "direction": ind.direction,
                    "baseline_year": ind.baseline.year,
                    "baseline_value": ind.baseline.value,
                    "target_year": ind.target.year,
                    "target_value": ind.target.value,
                    "actual": actual,
                    "expected": expected,
                    "progress_ratio": ratio,
                    "status": status,
                    "projected_target_value": proj,
                    "projection_meets_target": None if math.isnan(proj) else ind.meets(proj),
                    "crosses_break": max(
                        (
                            b
                            for v in _variables(ind)
                            for b in (breaks or {}).get(v, [])
                            if ind.baseline.year < b <= year
                        ),
                        default=None,
                    ),
                    **{p: (m.at[year, p] if found else None) for p in PROVENANCE},
                }
            )
    return _frame(rows)


def _variables(ind: StrategyIndicator) -> list[str]:
    """The bank variables an indicator is measured with (its variable and the ``per`` denominator)."""
    per = [] if ind.per is None else ([ind.per] if isinstance(ind.per, str) else list(ind.per))
    return ([ind.variable] if ind.variable else []) + per


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    for col in RESULT_COLUMNS:
        df[col] = df[col].astype(NUMERIC.get(col, "str"))
    return df.reset_index(drop=True)


def goal_summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per year and strategic goal: how many indicators are in each status (``SUMMARY_COLUMNS``)."""
    if df.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c not in ("goal",) else "str") for c in SUMMARY_COLUMNS})
    counts = pd.crosstab([df["year"], df["goal"]], df["status"]).reindex(columns=list(STATUSES), fill_value=0)
    counts["total"] = counts.sum(axis=1)
    counts.columns.name = None
    out = counts.reset_index()
    goal_order = {g: i for i, g in enumerate(dict.fromkeys(df["goal"]))}
    out = out.sort_values(
        ["year", "goal"], key=lambda s: s.map(goal_order) if s.name == "goal" else s, kind="mergesort"
    )
    out["goal"] = out["goal"].astype("str")
    return out[SUMMARY_COLUMNS].astype({c: "int64" for c in SUMMARY_COLUMNS if c != "goal"}).reset_index(drop=True)


# ---------------------------------------------------------------- results file


def _territories(reg: Registry, strategy: Strategy) -> dict[str, str]:
    return {i.territory: reg.territory_code(i.territory) or i.territory for _, _, i in strategy.indicators()}


def _iso_values(
    reg: Registry, bank: pd.DataFrame | None, strategy: Strategy, paths: Paths | None = None
) -> pd.DataFrame | None:
    if not any(i.iso for _, _, i in strategy.indicators()):
        return None
    if bank is not None:
        res = indicators.compute(bank, indicators.load_catalogue(reg), territories=[reg.city.terc])
    else:
        res = indicators.results(reg=reg, paths=paths)
    res = res[res["territory"].astype("str") == reg.city.terc]
    return res[["id", "year", "value"]]


def survey_values(reg: Registry, shares: pd.DataFrame | None = None, paths: Paths | None = None) -> pd.DataFrame:
    """The survey's city shares as the engine reads them (``SURVEY_VALUE_COLUMNS``): from ``shares`` (the survey's
    published shares table) or its result file; empty when there is no survey or no result file (the survey stage
    failed). The year is the end of the fieldwork."""
    survey = load_survey(reg)
    path = (paths or PATHS).result("survey")
    if shares is None and (survey is None or not path.is_file()):
        return pd.DataFrame(columns=SURVEY_VALUE_COLUMNS)
    if shares is None:
        shares = pd.read_parquet(path)
    assert survey is not None
    city = shares[(shares["domain_type"] == "city") & (shares["scheme"] == "full")]
    return pd.DataFrame(
        {
            "question": city["question"].astype("str").to_numpy(),
            "year": survey.fieldwork.end.year,
            "value": city["est"].astype("float64").to_numpy(),
            "dataset": survey.id,
        }
    )[SURVEY_VALUE_COLUMNS]


def compute_all(reg: Registry | None = None, bank: pd.DataFrame | None = None, *, paths: Paths | None = None) -> Path:
    """Evaluate the strategy over every year of the bank and write ``data/results/strategy.parquet`` (of ``paths``,
    the workbench; default: the process's)."""
    reg = reg or registry()
    paths = paths or PATHS
    strategy = load_strategy(reg)
    df = _frame([])
    if strategy is not None:
        iso = _iso_values(reg, bank, strategy, paths)
        bank = load_bank(root=paths) if bank is None else bank
        breaks = {v.id: [b.year for b in v.breaks] for v in reg.variables.values() if v.breaks}
        sv = survey_values(reg, paths=paths) if any(i.survey for _, _, i in strategy.indicators()) else None
        df = evaluate(
            bank,
            strategy,
            iso_values=iso,
            survey_values=sv,
            territories=_territories(reg, strategy),
            breaks=breaks,
        )
    return write_parquet(df, paths.result("strategy"))


def results(year: int | None = None, refresh: bool = False) -> pd.DataFrame:
    """The monitoring rows (of one year, or all), read from the results file; computed first when absent."""
    return read_results(PATHS.result("strategy"), compute_all, year, refresh)
