"""Lazy validation of what a reader produced: every problem at once, rejected rows quarantined with a reason.

Checks (``check`` column of the quarantine): ``type`` (text in a numeric column), ``required_column``,
``allowed_values`` (district names), ``range`` (checks.min/max, no negative counts), ``valid_range`` (outside
the variable's valid range in params/variables.yml, e.g. a share above 100 %), ``duplicate`` (key
variable × territory × year: the first row is kept), ``missing_year`` (first_year..last_year, no row to
reject), ``future_year`` (after the latest reporting year in params/years), ``yoy_jump`` (a value more than
checks.yoy_max_factor from its neighbour *and* from the median of its series: the outlier is rejected, not
its neighbour).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import Dataset, Registry
from ..schema import QUARANTINE_COLUMNS, READER_COLUMNS
from .common import city_territory, is_missing_text

KEY = ["variable", "territory", "year"]

# Reader problems about the file as a whole (no row to reject): a missing column, the city's row absent from a
# national file, a unit row that contradicts the variable.
FILE_CHECKS = ("required_column", "missing_territory", "unit")


@dataclass
class Validation:
    accepted: pd.DataFrame  # READER_COLUMNS + source_file
    rejected: pd.DataFrame  # QUARANTINE_COLUMNS: rows taken out of the data
    notes: pd.DataFrame  # QUARANTINE_COLUMNS: problems without a row to reject (missing column, missing year)
    missing: int = 0  # empty cells (no value: no row, not a problem)
    dropped: int = 0  # rows of territorial units the bank does not keep (other gminas of a national file)

    @property
    def problems(self) -> pd.DataFrame:
        """Every problem, rejected rows first."""
        return pd.concat([self.rejected, self.notes], ignore_index=True)


def empty_quarantine() -> pd.DataFrame:
    return pd.DataFrame(
        {c: pd.Series(dtype="Int64" if c in ("source_row", "year") else "str") for c in [*QUARANTINE_COLUMNS, "year"]}
    )


def quarantine_frame(rows: list[dict] | pd.DataFrame) -> pd.DataFrame:
    """QUARANTINE_COLUMNS plus ``year`` (the data year of a rejected row; <NA> for a file-level problem)."""
    cols = [*QUARANTINE_COLUMNS, "year"]
    if isinstance(rows, list):
        df = pd.DataFrame([{c: r.get(c) for c in cols} for r in rows], columns=cols)
    else:
        df = rows.reindex(columns=cols)
    if df.empty:
        return empty_quarantine()
    df["source_row"] = pd.to_numeric(df["source_row"], errors="coerce").astype("Int64")
    df["year"] = pd.to_numeric(df["year"], errors="coerce").astype("Int64")
    for c in QUARANTINE_COLUMNS:
        if c != "source_row":
            df[c] = df[c].astype("object").where(df[c].notna(), "").astype("str")
    return df.reset_index(drop=True)


def _fmt(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else repr(float(v))


def _rejects(rows: pd.DataFrame, ds: Dataset, check: str, reason, expected) -> pd.DataFrame:
    """Quarantine rows for the reader rows ``rows``; reason/expected are strings or callables of a row."""
    if rows.empty:
        return empty_quarantine()
    found = np.where(
        rows["raw_value"].astype("str").str.strip() != "",
        rows["raw_value"].astype("str"),
        rows["value"].map(lambda v: "" if pd.isna(v) else _fmt(v)),
    )
    out = pd.DataFrame(
        {
            "dataset": ds.id,
            "source_file": rows["source_file"].to_numpy(),
            "source_row": rows["source_row"].to_numpy(),
            "column": rows["column"].to_numpy(),
            "value": found,
            "check": check,
            "reason": [reason(r) if callable(reason) else reason for r in rows.itertuples()],
            "expected": [expected(r) if callable(expected) else expected for r in rows.itertuples()],
            "year": rows["year"].to_numpy(),
        }
    )
    return quarantine_frame(out)


def yoy_outliers(frame: pd.DataFrame, factor: float) -> pd.Series:
    """True for values that jump by more than ``factor`` against a neighbouring year and lie more than ``factor``
    from the median of their (variable, territory) series; of a jumping pair the one farther from the median is
    the outlier. Non-positive values are not compared (a ratio means nothing there)."""
    if frame.empty:
        return pd.Series(False, index=frame.index)
    df = frame[["variable", "territory", "year", "value"]].sort_values(["variable", "territory", "year"])
    pos = df["value"].where(df["value"] > 0)
    median = pos.groupby([df["variable"], df["territory"]]).transform("median")
    dev = np.abs(np.log(pos / median))
    same = (df["variable"].eq(df["variable"].shift()) & df["territory"].eq(df["territory"].shift())).to_numpy()
    prev_dev = dev.shift().to_numpy()
    ratio = np.abs(np.log(pos / pos.shift())).to_numpy()
    jump = same & (ratio > np.log(factor))
    limit = np.log(factor)
    cur = dev.to_numpy()
    out = np.zeros(len(df), dtype=bool)
    later = jump & (cur >= prev_dev) & (cur > limit)  # the later year of the pair is the outlier
    earlier = jump & (prev_dev > cur) & (prev_dev > limit)  # the earlier one is
    out |= later
    out[np.flatnonzero(earlier) - 1] = True
    return pd.Series(out, index=df.index).reindex(frame.index)


def validate(
    frame: pd.DataFrame,
    ds: Dataset,
    reg: Registry,
    *,
    reader_problems: list[dict] | None = None,
    latest_year: int | None = None,
) -> Validation:
    """Run every check on a reader's rows (READ_COLUMNS + source_file); return accepted rows and all problems."""
    checks = ds.checks
    latest = latest_year or max(reg.years)
    rejected: list[pd.DataFrame] = []
    reader_problems = reader_problems or []
    notes = [quarantine_frame([p for p in reader_problems if p["check"] in FILE_CHECKS])]
    rejected.append(quarantine_frame([p for p in reader_problems if p["check"] not in FILE_CHECKS]))
    df = frame.reset_index(drop=True)

    # empty cells are "no value": no row and no problem
    empty = df["value"].isna() & is_missing_text(df["raw_value"])
    missing = int(empty.sum())
    df = df[~empty]

    bad = df["value"].isna()
    rejected.append(_rejects(df[bad], ds, "type", "text in a numeric column", "a number (e.g. 1234 or 1 234,5)"))
    df = df[~bad]

    if ds.source.territory_column:
        bad = df["territory"].eq("")
        names = ", ".join(d.name for d in reg.city.districts)
        rejected.append(
            _rejects(
                df[bad].assign(raw_value=df.loc[bad, "raw_territory"], column=ds.source.territory_column),
                ds,
                "allowed_values",
                lambda r: f"{r.raw_value!r} is not a district of {reg.city.name}",
                f"one of: {names} (or an alias in params/city.yml)",
            )
        )
        df = df[~bad]

    bad = df["year"] > latest
    rejected.append(
        _rejects(
            df[bad],
            ds,
            "future_year",
            lambda r: f"year {r.year} is in the future",
            f"a year up to {latest} (the latest year in params/years)",
        )
    )
    df = df[~bad]

    lo = checks.min
    count_vars = {v for v in ds.variables if reg.variables[v].kind == "count"}
    too_low = df["value"] < lo if lo is not None else pd.Series(False, index=df.index)
    too_low |= df["variable"].isin(count_vars) & (df["value"] < 0)
    too_high = df["value"] > checks.max if checks.max is not None else pd.Series(False, index=df.index)
    rejected.append(
        _rejects(
            df[too_low],
            ds,
            "range",
            lambda r: f"{_fmt(r.value)} is below the minimum",
            f"at least {_fmt(lo if lo is not None else 0)}",
        )
    )
    rejected.append(
        _rejects(
            df[too_high],
            ds,
            "range",
            lambda r: f"{_fmt(r.value)} is above the maximum",
            f"at most {_fmt(checks.max) if checks.max is not None else ''}",
        )
    )
    df = df[~(too_low | too_high)]

    # the variable's valid range (params/variables.yml valid_range, or the default of its kind): a value no
    # phenomenon can take (a share above 100 %, a negative count) is never published
    outside = pd.Series(False, index=df.index)
    for v in dict.fromkeys(ds.variables):
        var = reg.variables.get(v)
        if var is None or var.bounds.unbounded:
            continue
        b = var.bounds
        sel = df["variable"].eq(v)
        if b.min is not None:
            outside |= sel & (df["value"] < b.min)
        if b.max is not None:
            outside |= sel & (df["value"] > b.max)
    rejected.append(
        _rejects(
            df[outside],
            ds,
            "valid_range",
            lambda r: f"{_fmt(r.value)} is outside the valid range of {r.variable}",
            lambda r: (
                f"{reg.variables[r.variable].bounds.describe(reg.variables[r.variable].unit)} "
                "(valid_range in params/variables.yml)"
            ),
        )
    )
    df = df[~outside]

    dup = df.duplicated(KEY, keep="first")
    if dup.any():
        first = df[~dup][[*KEY, "source_row"]].rename(columns={"source_row": "source_row_first"})
        firsts = df[dup].merge(first, on=KEY, how="left")
        rejected.append(
            _rejects(
                firsts,
                ds,
                "duplicate",
                lambda r: (
                    f"second value for {r.variable} / {r.territory} / {r.year}; the first one "
                    f"(row {r.source_row_first}) is kept"
                ),
                "one row per variable, territory and year",
            )
        )
    df = df[~dup]

    out = yoy_outliers(df, checks.yoy_max_factor)
    if out.any():
        med = df.groupby(["variable", "territory"])["value"].transform("median")
        rejected.append(
            _rejects(
                df[out].assign(median=med[out]),
                ds,
                "yoy_jump",
                lambda r: (
                    f"{_fmt(r.value)} is more than ×{checks.yoy_max_factor:g} away from the neighbouring years "
                    f"(series median {_fmt(r.median)})"
                ),
                f"within ×{checks.yoy_max_factor:g} of the previous year (checks.yoy_max_factor)",
            )
        )
    df = df[~out]

    if not checks.allow_missing_years:
        notes.append(_missing_years(df, ds, reg, latest, reader_problems))
    accepted = df[[*READER_COLUMNS, "source_file"]].reset_index(drop=True)
    accepted = accepted.astype({"year": "int64"})
    return Validation(accepted, _concat(rejected), _concat(notes), missing)


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if not p.empty]
    return quarantine_frame(pd.concat(parts, ignore_index=True)) if parts else empty_quarantine()


def _missing_years(
    df: pd.DataFrame, ds: Dataset, reg: Registry, latest: int, reader_problems: list[dict]
) -> pd.DataFrame:
    """One note per (variable, expected territory) listing the years first_year..last_year without a value.

    Expected territories: the districts when the file has district rows (or no other territory at all), else
    the city (or its powiat). Nothing is said of a variable whose column is missing, nor when the city's row is
    absent from the file: the reader's one-line problem says it, a year-by-year list would only repeat it."""
    if any(p["check"] in ("missing_territory", "unit") for p in reader_problems):
        return quarantine_frame([])
    structural = {p["column"] for p in reader_problems if p["check"] == "required_column"}
    if structural - {cm.source for cm in ds.source.columns}:
        return quarantine_frame([])  # the file's layout (years, territories) was not understood: nothing to count
    districts = [d.code for d in reg.city.districts]
    present = set(df["territory"])
    if not (ds.source.territory_column or ds.source.code_column):
        territories = [city_territory(ds, reg)]
    elif present & set(districts) or (not present and not ds.source.code_column):
        territories = districts
    else:  # a file of cities (the city's row, peers), not of districts
        territories = [city_territory(ds, reg)]
    wanted = list(range(ds.first_year, min(ds.last_year, latest) + 1))
    have = set(zip(df["variable"], df["territory"], df["year"].astype(int), strict=True))
    rows = []
    for cm in {c.variable: c for c in ds.source.columns}.values():
        v = cm.variable
        if cm.source in structural:
            continue
        for t in territories:
            gone = [y for y in wanted if (v, t, y) not in have]
            if gone:
                rows.append(
                    {
                        "dataset": ds.id,
                        "source_file": "",
                        "source_row": None,
                        "column": v,
                        "value": ", ".join(map(str, gone)),
                        "check": "missing_year",
                        "reason": f"no value of {v} for {reg.city.territory_name(t)} in {_years(gone)}",
                        "expected": f"a value for every year {wanted[0]}–{wanted[-1]}",
                    }
                )
    return quarantine_frame(rows)


def _years(ys: list[int]) -> str:
    return ", ".join(map(str, ys)) if len(ys) < 4 else f"{len(ys)} years ({ys[0]}–{ys[-1]})"
