"""Monitoring of the city development strategy: is each indicator on the way from its baseline to its target?

``params/strategy.yml`` holds strategic goals → operational goals → indicators. An indicator measures a
canonical ``variable`` of the bank (or an ISO 37120 indicator, ``iso``), optionally divided by another
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
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from .consistency import PROVENANCE, resolve_territory, series, side_ids, side_label
from .params import ParamsProblem, Strict, Text3, _Loader
from .paths import PATHS

if TYPE_CHECKING:
    from .params import Registry

FILE = "strategy.yml"
RESULTS_FILE = "strategy.parquet"
STATUSES = ("on_track", "at_risk", "off_track", "no_data", "baseline")
ID = r"^[a-z0-9][a-z0-9_.\-]*$"

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
    "source_row": "Int64",
}
SUMMARY_COLUMNS = ["year", "goal", *STATUSES, "total"]


# ---------------------------------------------------------------- params models


class Point(Strict):
    year: int = Field(ge=1990, le=2100)
    value: float


class StrategyIndicator(Strict):
    id: str = Field(pattern=ID)
    name: Text3
    variable: str | None = Field(None, description="canonical variable measured (or give iso)")
    iso: str | None = Field(None, description="an ISO 37120 indicator id of params/iso37120.yml (or give variable)")
    per: str | list[str] | None = Field(None, description="divide by this variable (a list: their sum)")
    multiplier: float = Field(1.0, gt=0, description="applied after per, e.g. 1000 for 'per 1000 residents'")
    territory: str = "city"
    unit: str = Field(min_length=1, description="unit of the measured value (after per and multiplier)")
    baseline: Point
    target: Point
    direction: Literal["increase", "decrease"]

    @model_validator(mode="after")
    def _coherent(self) -> StrategyIndicator:
        if (self.variable is None) == (self.iso is None):
            raise ValueError("give exactly one of 'variable' (a canonical variable) or 'iso' (an ISO 37120 id)")
        if self.target.year <= self.baseline.year:
            raise ValueError(f"target.year {self.target.year} must be after baseline.year {self.baseline.year}")
        up = self.target.value > self.baseline.value
        if self.target.value == self.baseline.value or up != (self.direction == "increase"):
            raise ValueError(
                f"direction is '{self.direction}' but the target ({self.target.value:g}) is not "
                f"{'above' if self.direction == 'increase' else 'below'} the baseline ({self.baseline.value:g})"
            )
        return self

    def expected(self, year: int) -> float:
        """The value on the straight path from baseline to target in ``year`` (the target after it)."""
        b, t = self.baseline, self.target
        share = min(1.0, max(0.0, (year - b.year) / (t.year - b.year)))
        return b.value + (t.value - b.value) * share

    def meets(self, value: float) -> bool:
        """Does ``value`` reach the target in this indicator's direction?"""
        return value >= self.target.value if self.direction == "increase" else value <= self.target.value


class OperationalGoal(Strict):
    id: str = Field(pattern=ID)
    name: Text3
    indicators: list[StrategyIndicator] = Field(min_length=1)


class StrategicGoal(Strict):
    id: str = Field(pattern=ID)
    name: Text3
    category: str | None = Field(None, description="the category of params/categories.yml it belongs to")
    operational_goals: list[OperationalGoal] = Field(min_length=1)


class Thresholds(Strict):
    on_track: float = Field(0.9, gt=0, description="progress ratio from which an indicator is on track")
    at_risk: float = Field(0.6, ge=0, description="progress ratio from which it is at risk (below: off track)")

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.at_risk >= self.on_track:
            raise ValueError(f"at_risk ({self.at_risk}) must be below on_track ({self.on_track})")
        return self

    def status(self, ratio: float) -> str:
        if ratio >= self.on_track:
            return "on_track"
        return "at_risk" if ratio >= self.at_risk else "off_track"


class Strategy(Strict):
    title: Text3
    adopted: int
    horizon: int
    example: bool = Field(False, description="true while the indicators are an example, not the city's own")
    note: Text3 | None = None
    status_thresholds: Thresholds = Thresholds()
    goals: list[StrategicGoal] = Field(min_length=1)

    @model_validator(mode="after")
    def _coherent(self) -> Strategy:
        if self.example and self.note is None:
            raise ValueError("example: true needs a note (pl, en, de) saying the example is to be replaced")
        if self.horizon < self.adopted:
            raise ValueError(f"horizon {self.horizon} is before the adoption year {self.adopted}")
        return self

    def indicators(self) -> list[tuple[StrategicGoal, OperationalGoal, StrategyIndicator]]:
        return [(g, o, i) for g in self.goals for o in g.operational_goals for i in o.indicators]

    def names(self, lang: str) -> dict[str, str]:
        """Every goal, operational goal and indicator id → its name in ``lang``."""
        out: dict[str, str] = {}
        for g in self.goals:
            out[g.id] = g.name.get(lang)
            for o in g.operational_goals:
                out[o.id] = o.name.get(lang)
                out.update({i.id: i.name.get(lang) for i in o.indicators})
        return out


# ---------------------------------------------------------------- params checking and loading


def _iso_ids(reg: Registry) -> set[str] | None:
    """Ids of the ISO 37120 catalogue, or None when there is no catalogue to check against."""
    data = reg.extra.get("iso37120")
    if not isinstance(data, dict):
        return None
    items = data.get("indicators")
    if not isinstance(items, list):
        return None
    return {str(i.get("id")) for i in items if isinstance(i, dict)}


def _parse(reg: Registry, data: Any) -> tuple[Strategy | None, list[ParamsProblem]]:
    loader = _Loader(reg.root)
    path = reg.root / FILE
    model = loader.model(Strategy, data, path)
    problems = list(loader.problems)
    if model is None:
        return None, problems
    rel = loader.rel(path)
    iso_ids = _iso_ids(reg)
    seen: set[str] = set()
    for gi, g in enumerate(model.goals):
        gkey = f"goals[{gi}] ({g.id})"
        if g.category is not None and g.category not in reg.categories:
            problems.append(
                ParamsProblem(
                    rel,
                    f"{gkey}.category",
                    f"unknown category '{g.category}'; expected one "
                    f"of params/categories.yml: {', '.join(sorted(reg.categories))}",
                )
            )
        for oi, o in enumerate(g.operational_goals):
            okey = f"{gkey}.operational_goals[{oi}] ({o.id})"
            for ii, ind in enumerate(o.indicators):
                key = f"{okey}.indicators[{ii}] ({ind.id})"
                for field in ("variable", "per"):
                    value = getattr(ind, field)
                    for var in [] if value is None else side_ids(value):
                        if var in reg.variables:
                            continue
                        problems.append(
                            ParamsProblem(
                                rel,
                                f"{key}.{field}",
                                f"unknown variable '{var}'; expected an "
                                "id of params/variables.yml (add it there or fix the spelling)",
                            )
                        )
                if ind.iso is not None and iso_ids is not None and ind.iso not in iso_ids:
                    problems.append(
                        ParamsProblem(
                            rel,
                            f"{key}.iso",
                            f"unknown ISO 37120 indicator '{ind.iso}'; expected an id of params/iso37120.yml",
                        )
                    )
                if ind.iso is not None and iso_ids is None:
                    problems.append(
                        ParamsProblem(rel, f"{key}.iso", "refers to ISO 37120 but params/iso37120.yml is missing")
                    )
                if resolve_territory(reg, ind.territory) is None:
                    problems.append(
                        ParamsProblem(
                            rel,
                            f"{key}.territory",
                            f"unknown territory '{ind.territory}'; "
                            "expected 'city', 'powiat' or a code from params/city.yml",
                        )
                    )
    for key, ident in _all_ids(model):
        if ident in seen:
            problems.append(
                ParamsProblem(
                    rel,
                    key,
                    f"duplicate id '{ident}'; goal, operational goal and indicator "
                    "ids must be unique across the strategy",
                )
            )
        seen.add(ident)
    return model, problems


def _all_ids(model: Strategy) -> list[tuple[str, str]]:
    out = []
    for gi, g in enumerate(model.goals):
        out.append((f"goals[{gi}].id", g.id))
        for oi, o in enumerate(g.operational_goals):
            out.append((f"goals[{gi}].operational_goals[{oi}].id", o.id))
            out.extend(
                (f"goals[{gi}].operational_goals[{oi}].indicators[{ii}].id", i.id) for ii, i in enumerate(o.indicators)
            )
    return out


def check_params(reg: Registry, data: Any) -> list[ParamsProblem]:
    """The hook params.load_params calls for params/strategy.yml: every problem, none raised."""
    return _parse(reg, data)[1]


def load_strategy(reg: Registry | None = None) -> Strategy | None:
    """The validated strategy of params/strategy.yml, or None when the file is absent."""
    if reg is None:
        from .params import registry

        reg = registry()
    data = reg.extra.get("strategy")
    if data is None:
        return None
    model, problems = _parse(reg, data)
    if problems or model is None:
        from .params import ParamsError

        raise ParamsError(problems)
    return model


# ---------------------------------------------------------------- the engine


def _measured(
    bank: pd.DataFrame, ind: StrategyIndicator, territory: str, iso_values: pd.DataFrame | None
) -> pd.DataFrame:
    """The indicator's measured value by year (``value`` + provenance of the numerator), after per × multiplier."""
    if ind.variable is not None:
        s = series(bank, ind.variable, territory)
    else:
        iso = iso_values if iso_values is not None else pd.DataFrame(columns=["id", "year", "value"])
        rows = iso[(iso["id"].astype("str") == ind.iso) & iso["value"].notna()]
        s = pd.DataFrame(
            {"value": rows["value"].astype("float64").to_numpy(), **{p: None for p in PROVENANCE}},
            index=rows["year"].astype("int64").to_numpy(),
        )
    s = s.copy()
    if ind.per is not None:
        den = series(bank, ind.per, territory)["value"]
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
    territories: dict[str, str] | None = None,
) -> pd.DataFrame:
    """One row per indicator and year (``RESULT_COLUMNS``), for the years from each baseline on.

    ``years``: the years to judge (default: every year in the bank). ``iso_values``: ISO 37120 results
    (columns id, year, value) for indicators given by ``iso``. ``territories``: rule territory → bank code
    (default from params/city.yml).
    """
    if territories is None:
        from .params import registry

        reg = registry()
        territories = {
            i.territory: resolve_territory(reg, i.territory) or i.territory for _, _, i in strategy.indicators()
        }
    judged = sorted({int(y) for y in years}) if years is not None else sorted({int(y) for y in bank["year"]})
    th = strategy.status_thresholds
    rows: list[dict[str, Any]] = []
    for goal, op, ind in strategy.indicators():
        m = _measured(bank, ind, territories.get(ind.territory, ind.territory), iso_values)
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
                    **{p: (m.at[year, p] if found else None) for p in PROVENANCE},
                }
            )
    return _frame(rows)


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


def results_path() -> Path:
    return PATHS.results / RESULTS_FILE


def _iso_values(reg: Registry, bank: pd.DataFrame | None, strategy: Strategy) -> pd.DataFrame | None:
    if not any(i.iso for _, _, i in strategy.indicators()):
        return None
    from . import indicators

    if bank is not None:
        res = indicators.compute(bank, indicators.load_catalogue(reg), territories=[reg.city.terc])
    else:
        res = indicators.results(reg=reg)
    res = res[res["territory"].astype("str") == reg.city.terc]
    return res[["id", "year", "value"]]


def compute_all(reg: Registry | None = None, bank: pd.DataFrame | None = None) -> Path:
    """Evaluate the strategy over every year of the bank and write ``data/results/strategy.parquet``."""
    from .publish import write_parquet

    if reg is None:
        from .params import registry

        reg = registry()
    strategy = load_strategy(reg)
    df = _frame([])
    if strategy is not None:
        iso = _iso_values(reg, bank, strategy)
        if bank is None:
            from .bank import load_bank

            bank = load_bank()
        territories = {
            i.territory: resolve_territory(reg, i.territory) or i.territory for _, _, i in strategy.indicators()
        }
        df = evaluate(bank, strategy, iso_values=iso, territories=territories)
    return write_parquet(df, results_path())


def results(year: int | None = None, refresh: bool = False) -> pd.DataFrame:
    """The monitoring rows (of one year, or all), read from the results file; computed first when absent."""
    from .util import read_results

    return read_results(results_path(), compute_all, year, refresh)
