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
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd
from pydantic import Field, model_validator

from .params import ParamsProblem, Strict, Text3, _Loader
from .paths import PATHS

if TYPE_CHECKING:
    from .params import Registry

FILE = "consistency.yml"
RESULTS_FILE = "consistency.parquet"
VERDICTS = ("consistent", "explained", "inconsistent", "not_comparable")
PROVENANCE = ("dataset", "provider", "source_file", "source_row")

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


# ---------------------------------------------------------------- params models


class Tolerance(Strict):
    """A band around the reference value: ``max(absolute, relative * |right|)``."""

    relative: float = Field(0.05, ge=0, description="share of the right (reference) value, 0.05 = 5%")
    absolute: float = Field(0.0, ge=0, description="in the variables' unit")

    def allowed(self, reference: float) -> float:
        return max(self.absolute, self.relative * abs(reference))


class Rule(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: Text3
    left: str | list[str] = Field(description="canonical variable compared (a list: their sum)")
    right: str | list[str] = Field(description="canonical variable taken as the reference (a list: their sum)")
    territory: str = Field("city", description="'city', 'powiat' or a territory code of params/city.yml")
    tolerance: Tolerance = Tolerance()
    expected_difference: Text3 | None = Field(None, description="the known reason why the figures differ")
    explained_within: Tolerance | None = Field(None, description="how large a difference the reason explains")
    severity: Literal["info", "warning", "error"] = "warning"

    @model_validator(mode="after")
    def _coherent(self) -> Rule:
        if side_ids(self.left) == side_ids(self.right):
            raise ValueError(
                f"left and right are both '{side_label(self.left)}'; a rule compares two different variables"
            )
        if self.explained_within is not None:
            if self.expected_difference is None:
                raise ValueError("explained_within needs expected_difference: the reason that explains the gap")
            if self.explained_within.relative < self.tolerance.relative:
                raise ValueError(
                    f"explained_within.relative ({self.explained_within.relative}) is below tolerance.relative "
                    f"({self.tolerance.relative}); it must be at least as wide"
                )
        return self


# ---------------------------------------------------------------- params checking and loading


def resolve_territory(reg: Registry, territory: str) -> str | None:
    """'city' → the city's TERC, 'powiat' → its BDL powiat code, a known code → itself; else None."""
    if territory == "city":
        return reg.city.terc
    if territory == "powiat":
        return reg.city.bdl_code_powiat
    return territory if territory in reg.city.territory_names else None


def _parse(reg: Registry, data: Any) -> tuple[list[Rule], list[ParamsProblem]]:
    """Validate rule by rule (one broken rule does not hide the others' problems), then cross-check."""
    loader = _Loader(reg.root)
    path = reg.root / FILE
    rel = loader.rel(path)
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        return [], [ParamsProblem(rel, "rules", "expected a top-level 'rules:' list")]
    problems = [
        ParamsProblem(rel, k, "unknown top-level key (only 'rules' is allowed)") for k in sorted(set(data) - {"rules"})
    ]
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(data["rules"]):
        ident = item.get("id") if isinstance(item, dict) else None
        where = f"rules[{i}]" + (f" ({ident})" if ident else "")
        rule = loader.model(Rule, item, path, where)
        if rule is None:
            continue
        rules.append(rule)
        if rule.id in seen:
            problems.append(ParamsProblem(rel, f"{where}.id", f"duplicate rule id '{rule.id}'"))
        seen.add(rule.id)
        for side in ("left", "right"):
            for var in side_ids(getattr(rule, side)):
                if var in reg.variables:
                    continue
                problems.append(
                    ParamsProblem(
                        rel,
                        f"{where}.{side}",
                        f"unknown variable '{var}'; expected an id of params/variables.yml (add it there or fix the spelling)",
                    )
                )
        if resolve_territory(reg, rule.territory) is None:
            problems.append(
                ParamsProblem(
                    rel,
                    f"{where}.territory",
                    f"unknown territory '{rule.territory}'; expected 'city', 'powiat' or a code from params/city.yml",
                )
            )
        units = {reg.variables[v].unit for v in side_ids(rule.left) + side_ids(rule.right) if v in reg.variables}
        if len(units) > 1:
            problems.append(
                ParamsProblem(
                    rel,
                    where,
                    f"the variables of this rule have different units ({', '.join(sorted(units))}); "
                    "compare variables of one unit",
                )
            )
    return rules, loader.problems + problems


def check_params(reg: Registry, data: Any) -> list[ParamsProblem]:
    """The hook params.load_params calls for params/consistency.yml: every problem, none raised."""
    return _parse(reg, data)[1]


def load_rules(reg: Registry | None = None) -> list[Rule]:
    """The validated rules of params/consistency.yml (an empty list when the file is absent)."""
    if reg is None:
        from .params import registry

        reg = registry()
    data = reg.extra.get("consistency")
    if data is None:
        return []
    rules, problems = _parse(reg, data)
    if problems:
        from .params import ParamsError

        raise ParamsError(problems)
    return rules


# ---------------------------------------------------------------- the engine


def side_ids(side: str | list[str]) -> list[str]:
    """The variables of a rule side: one id, or the parts of a sum."""
    return [side] if isinstance(side, str) else list(side)


def side_label(side: str | list[str]) -> str:
    return side if isinstance(side, str) else " + ".join(side)


def _combine(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Sum values of frames indexed by year (years present in all); provenance joined, row kept if single."""
    years = sorted(set.intersection(*(set(p.index) for p in parts))) if parts else []
    out = pd.DataFrame(index=pd.Index(years, name="year", dtype="int64"))
    out["value"] = sum((p["value"].reindex(years).astype("float64") for p in parts), start=0.0) if years else []
    for col in ("dataset", "provider", "source_file"):
        out[col] = [" + ".join(dict.fromkeys(str(p.at[y, col]) for p in parts)) for y in years]
    rows = [p["source_row"].reindex(years) for p in parts]
    out["source_row"] = rows[0] if len(rows) == 1 else pd.Series(pd.NA, index=out.index, dtype="Int64")
    return out


def series(
    bank: pd.DataFrame, variable: str | list[str], territory: str, additive: Collection[str] = ()
) -> pd.DataFrame:
    """A variable (or the sum of several) of one territory by year: ``value`` + provenance, indexed by year.

    The bank holds one row per (variable, territory, year) — a variable comes from one dataset. Should a
    duplicate slip in, the first in (dataset, source_file, source_row) order is kept, deterministically.
    A sum (a list of variables) has a value in the years where every part has one. For a variable in
    ``additive`` (district values sum to the city value), a city year without a city row is the sum of
    the city's district rows (codes ``<city>-nn``); its provenance names their dataset and file.
    """
    if not isinstance(variable, str):
        return _combine([series(bank, v, territory, additive) for v in variable])
    rows = bank[(bank["variable"] == variable) & (bank["territory"] == territory)]
    rows = rows.sort_values(["year", "dataset", "source_file", "source_row"], kind="mergesort")
    rows = rows.drop_duplicates("year", keep="first")
    out = rows[["year", "value", *PROVENANCE]].set_index("year")
    out = out[out["value"].notna()]
    if variable in additive and "-" not in territory:
        dist = bank[(bank["variable"] == variable) & bank["territory"].str.startswith(f"{territory}-")]
        dist = dist[dist["value"].notna() & ~dist["year"].isin(out.index)]
        if len(dist):
            parts = [
                g.drop_duplicates("year").set_index("year")[["value", *PROVENANCE]]
                for _, g in dist.sort_values(["territory", "year"], kind="mergesort").groupby("territory")
            ]
            summed = _combine(parts)
            out = pd.concat([out.astype({"source_row": "Int64"}), summed]).sort_index()
    return out


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
    additive: Collection[str] | None = None,
) -> pd.DataFrame:
    """Verdicts of every rule in every year (``RESULT_COLUMNS``, sorted by rule and year).

    ``years``: the years to judge; by default every year in which either side has a value.
    ``territories``: maps a rule's ``territory`` ('city', 'powiat', …) to a bank territory code; by default
    taken from the params registry (tests pass it to stay independent of params/).
    ``additive``: variables whose city value may be summed from the districts (default: params/variables.yml).
    """
    if territories is None or additive is None:
        from .params import registry

        reg = registry()
        if territories is None:
            territories = {r.territory: resolve_territory(reg, r.territory) or r.territory for r in rules}
        if additive is None:
            additive = {v.id for v in reg.variables.values() if v.additive}
    rows: list[dict[str, Any]] = []
    for rule in rules:
        terr = territories.get(rule.territory, rule.territory)
        left, right = series(bank, rule.left, terr, additive), series(bank, rule.right, terr, additive)
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
                f"{side} ({var})"
                for side, var, v in (("left", side_label(rule.left), lv), ("right", side_label(rule.right), rv))
                if math.isnan(v)
            ]
            if missing:
                row.update(
                    difference=math.nan,
                    relative_difference=math.nan,
                    verdict="not_comparable",
                    note=f"no value in {year} for {' and '.join(missing)}",
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


# ---------------------------------------------------------------- results file


def results_path() -> Path:
    return PATHS.results / RESULTS_FILE


def compute_all(reg: Registry | None = None, bank: pd.DataFrame | None = None) -> Path:
    """Judge every rule in every year of the bank and write ``data/results/consistency.parquet``."""
    from .publish import write_parquet

    if reg is None:
        from .params import registry

        reg = registry()
    rules = load_rules(reg)
    if bank is None:
        from .bank import load_bank

        variables = sorted({v for r in rules for side in (r.left, r.right) for v in side_ids(side)})
        bank = load_bank(variables=variables) if variables else None
    territories = {r.territory: resolve_territory(reg, r.territory) or r.territory for r in rules}
    additive = {v.id for v in reg.variables.values() if v.additive}
    df = evaluate(bank, rules, territories=territories, additive=additive) if rules and bank is not None else _frame([])
    return write_parquet(df, results_path())


def results(year: int | None = None, refresh: bool = False) -> pd.DataFrame:
    """The verdicts (of one year, or all), read from the results file; computed first when absent."""
    from .util import read_results

    return read_results(results_path(), compute_all, year, refresh)
