"""Cross-provider consistency: do two providers' figures for one phenomenon agree?

The diagnosis behind the city's data bank was that "figures about the same phenomenon disagree between
data holders". Each provider's figure is its own canonical variable (one variable, one dataset); a rule in
``params/consistency.yml`` pairs two of them and says how far apart they may be:

``tolerance``
    the difference allowed without any comment: ``|left - right| <= max(absolute, relative * |right|)``.
    ``right`` is the reference side (normally the official statistic), so the relative difference is
    ``(left - right) / |right|``.
``expected_difference`` + ``explained_within``
    a documented reason why the two figures differ (other definition, other date, other coverage) and how
    large a difference that reason can account for (same formula as the tolerance).

Verdict per rule and year:

==================  ==================================================================================
``consistent``      within the tolerance
``explained``       beyond the tolerance, but within ``explained_within`` and a reason is documented
``inconsistent``    beyond both: someone must look at the two sources
``not_comparable``  one side (or both) has no value that year; the ``note`` says which
==================  ==================================================================================

Every result row carries both sides' provenance (dataset, provider, source file, source row), so an
inconsistency can be taken straight to the two data holders.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .bank import PROVENANCE, load_bank, load_quarantine, missing_value_reason, year_series
from .params import Registry, registry
from .params.consistency import Rule, load_rules, side_ids, side_label
from .paths import PATHS, Paths
from .util import read_results, write_parquet

VERDICTS = ("consistent", "explained", "inconsistent", "not_comparable")

RESULT_COLUMNS: list[str] = [
    "rule",
    "year",
    "territory",
    "left_variable",
    "right_variable",
    "left_value",
    "right_value",
    "difference",
    "relative_difference",
    "verdict",
    "severity",
    "note",
    *[f"left_{p}" for p in PROVENANCE],
    *[f"right_{p}" for p in PROVENANCE],
]
NUMERIC: dict[str, str] = {
    "year": "int64",
    "left_value": "float64",
    "right_value": "float64",
    "difference": "float64",
    "relative_difference": "float64",
    "left_source_row": "Int64",
    "right_source_row": "Int64",
}


# ---------------------------------------------------------------- the engine


def _verdict(rule: Rule, left: float, right: float) -> tuple[str, str]:
    diff = left - right
    if abs(diff) <= rule.tolerance.allowed(right):
        return "consistent", "within tolerance"
    if rule.explained_within is not None and abs(diff) <= rule.explained_within.allowed(right):
        return "explained", "beyond tolerance, within the difference the documented reason explains"
    limit = rule.explained_within or rule.tolerance
    return "inconsistent", f"difference beyond {limit.relative:.1%} of the reference value: check both sources"


def evaluate(
    bank: pd.DataFrame,
    rules: list[Rule],
    years: list[int] | None = None,
    territories: dict[str, str] | None = None,
    explain: Callable[[str, str, int], str] | None = None,
) -> pd.DataFrame:
    """Verdicts of every rule in every year (``RESULT_COLUMNS``, sorted by rule and year).

    ``years``: the years to judge; by default every year in which either side has a value.
    ``territories``: maps a rule's ``territory`` ('city', 'powiat', …) to a bank territory code; by default
    taken from the params registry (tests pass it to stay independent of params/).
    ``explain(variable, territory, year)``: why a side has no value (default: "no value in the bank"); the
    verdict is then ``not_comparable`` and the note says which side and why.
    """
    territories = territories if territories is not None else _territories(registry(), rules)
    rows: list[dict[str, Any]] = []
    for rule in rules:
        terr = territories.get(rule.territory, rule.territory)
        left, right = year_series(bank, rule.left, terr), year_series(bank, rule.right, terr)
        judged = sorted(years) if years is not None else sorted(set(left.index) | set(right.index))
        for year in judged:
            row: dict[str, Any] = {
                "rule": rule.id,
                "year": int(year),
                "territory": terr,
                "left_variable": side_label(rule.left),
                "right_variable": side_label(rule.right),
                "severity": rule.severity,
            }
            for side, s in (("left", left), ("right", right)):
                found = year in s.index
                row[f"{side}_value"] = float(s.at[year, "value"]) if found else math.nan
                for p in PROVENANCE:
                    row[f"{side}_{p}"] = s.at[year, p] if found else None
            lv, rv = row["left_value"], row["right_value"]
            missing = [
                (side, var_side)
                for side, var_side, v in (("left", rule.left, lv), ("right", rule.right, rv))
                if math.isnan(v)
            ]
            if missing:
                why = [
                    f"{side} ({side_label(var_side)})"
                    + (f": {'; '.join(explain(v, terr, int(year)) for v in side_ids(var_side))}" if explain else "")
                    for side, var_side in missing
                ]
                row.update(
                    difference=math.nan,
                    relative_difference=math.nan,
                    verdict="not_comparable",
                    note=f"no value in {year} for {' and '.join(why)}",
                )
            else:
                diff = lv - rv
                rel = diff / abs(rv) if rv != 0 else (0.0 if diff == 0 else math.copysign(math.inf, diff))
                verdict, note = _verdict(rule, lv, rv)
                row.update(difference=diff, relative_difference=rel, verdict=verdict, note=note)
            rows.append(row)
    return _frame(rows)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    for col, dtype in NUMERIC.items():
        df[col] = df[col].astype(dtype)
    for col in RESULT_COLUMNS:
        if col not in NUMERIC:
            df[col] = df[col].astype("str")
    return df.sort_values(["rule", "year"], kind="mergesort").reset_index(drop=True)


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Counts of each verdict per year (columns in ``VERDICTS`` order, zeros included)."""
    counts = pd.crosstab(df["year"], df["verdict"]).reindex(columns=list(VERDICTS), fill_value=0)
    counts.columns.name = None
    return counts.astype("int64")


@dataclass(frozen=True)
class SeriesVerdict:
    """One rule over the whole series up to a year: the years of each verdict."""

    rule: str
    years: tuple[int, ...]  # every year judged (either side has a value), up to the year
    consistent: tuple[int, ...]
    explained: tuple[int, ...]
    inconsistent: tuple[int, ...]  # out of tolerance (and beyond what the documented reason explains)
    not_comparable: tuple[int, ...]

    @property
    def out_of_tolerance(self) -> tuple[int, ...]:
        return self.inconsistent


def series_verdicts(df: pd.DataFrame, year: int) -> dict[str, SeriesVerdict]:
    """Every rule's verdicts over every year up to ``year`` (rows of :func:`evaluate`), in rule order."""
    out = {}
    part = df[df["year"] <= year]
    for rule, g in part.groupby("rule", sort=True):
        by = {v: tuple(int(y) for y in g.loc[g["verdict"] == v, "year"].sort_values()) for v in VERDICTS}
        out[str(rule)] = SeriesVerdict(str(rule), tuple(int(y) for y in sorted(g["year"])), **by)
    return out


def verdict_table(df: pd.DataFrame, year: int) -> pd.DataFrame:
    """A table of verdicts: one row per rule, one column per year up to ``year`` ('' where a rule was not judged).

    >>> verdict_table(pd.DataFrame({"rule": ["a", "a", "b"], "year": [2023, 2024, 2024],
    ...     "verdict": ["consistent", "inconsistent", "explained"]}), 2024).to_dict("index")
    {'a': {2023: 'consistent', 2024: 'inconsistent'}, 'b': {2023: '', 2024: 'explained'}}
    """
    part = df[df["year"] <= year]
    if part.empty:
        return pd.DataFrame()
    table = part.pivot(index="rule", columns="year", values="verdict").fillna("")
    table.columns = [int(c) for c in table.columns]
    table.index.name = None
    return table.astype("str")


# ---------------------------------------------------------------- results file


def _territories(reg: Registry, rules: list[Rule]) -> dict[str, str]:
    return {r.territory: reg.territory_code(r.territory) or r.territory for r in rules}


def compute_all(reg: Registry | None = None, bank: pd.DataFrame | None = None, *, paths: Paths | None = None) -> Path:
    """Judge every rule in every year of the bank and write ``data/results/consistency.parquet`` (of ``paths``, the
    workbench; default: the process's)."""
    reg = reg or registry()
    paths = paths or PATHS
    rules = load_rules(reg)
    if bank is None:
        variables = sorted({v for r in rules for side in (r.left, r.right) for v in side_ids(side)})
        bank = load_bank(variables=variables, root=paths) if variables else None
    df = _frame([])
    if rules and bank is not None:
        quarantine = load_quarantine(paths)

        def explain(variable: str, territory: str, year: int) -> str:
            return missing_value_reason(bank, quarantine, reg, variable, territory, year)

        df = evaluate(bank, rules, territories=_territories(reg, rules), explain=explain)
    return write_parquet(df, paths.result("consistency"))


def results(year: int | None = None, refresh: bool = False) -> pd.DataFrame:
    """The verdicts (of one year, or all), read from the results file; computed first when absent."""
    return read_results(PATHS.result("consistency"), compute_all, year, refresh)
