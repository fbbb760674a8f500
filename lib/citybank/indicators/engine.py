"""The formulas, pure: :func:`compute` pivots the bank once into a (territory, year) × variable matrix and
evaluates every catalogued formula as column operations for all territories and years at once (the package
docstring, ``citybank.indicators``, describes the formulas and the status of each result row)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..params.iso37120 import Catalogue, Indicator

STATUSES = ("reported", "not_available", "not_applicable")
TYPES = ("core", "supporting", "profile")
RESULT_COLUMNS = [
    "id",
    "theme",
    "type",
    "territory",
    "territory_name",
    "year",
    "value",
    "unit",
    "numerator",
    "denominator",
    "status",
    "missing",
    "reason_en",
    "inputs",
]


# ---------------------------------------------------------------- the engine


def _join_parts(parts: list[tuple[np.ndarray, Any]], n: int, sep: str) -> Any:
    """Row-wise ``sep.join`` of the texts whose mask is true, in Arrow compute kernels (one pass per part).

    ``text`` is a str or an Arrow string array. Returns an Arrow string array ('' where no mask is true).
    Each present piece is prefixed by ``sep`` and the leading one is sliced off at the end (this avoids
    Arrow's null-skipping join, which drops all-null rows in some versions).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    empty = pa.scalar("", pa.large_string())
    pieces = []
    for mask, text in parts:
        if not mask.any():
            continue
        if isinstance(text, str):
            piece = pa.scalar(sep + text, pa.large_string())
        else:
            piece = pc.binary_join_element_wise(pa.scalar(sep, pa.large_string()), text, empty)
        pieces.append(pc.if_else(pa.array(mask), piece, empty))
    if not pieces:
        return pa.array(np.full(n, "", dtype=object), pa.large_string())
    joined = pieces[0] if len(pieces) == 1 else pc.binary_join_element_wise(*pieces, empty)
    return pc.utf8_slice_codeunits(joined, len(sep))


def _text(arrow_array: Any) -> pd.arrays.ArrowStringArray:
    """An Arrow string array as a pandas ``str`` column without copying."""
    return pd.array(arrow_array, dtype="str")


def _provenance(bank: pd.DataFrame, index: pd.MultiIndex, variables: list[str]) -> pd.DataFrame:
    """One JSON object (string) per input value: (territory, year) × variable, NaN where absent."""
    if bank.empty:
        return pd.DataFrame(index=index, columns=variables, dtype="float64").astype("str")

    def enc(col: str) -> pd.Series:
        uniq = bank[col].astype("str").unique()
        return (
            bank[col].astype("str").map(dict(zip(uniq, [json.dumps(u, ensure_ascii=False) for u in uniq], strict=True)))
        )

    row = (
        bank["source_row"].astype("int64").astype("str")
        if "source_row" in bank
        else pd.Series("null", index=bank.index)
    )
    frag = (
        '{"dataset": '
        + enc("dataset")
        + ', "provider": '
        + enc("provider")
        + ', "source_file": '
        + enc("source_file")
        + ', "source_row": '
        + row
        + ', "value": '
        + bank["value"].map(repr)
        + ', "variable": '
        + enc("variable")
        + ', "year": '
        + bank["year"].astype("int64").astype("str")
        + "}"
    )
    frame = pd.DataFrame(
        {"territory": bank["territory"], "year": bank["year"], "variable": bank["variable"], "f": frag}
    )
    wide = frame.pivot(index=["territory", "year"], columns="variable", values="f")
    return wide.reindex(index=index, columns=variables).astype("str")


def _matrix(bank: pd.DataFrame, territories: list[str], years: list[int], variables: list[str]) -> pd.DataFrame:
    index = pd.MultiIndex.from_product([territories, years], names=["territory", "year"])
    if bank.empty:
        return pd.DataFrame(np.nan, index=index, columns=variables)
    wide = bank.pivot(index=["territory", "year"], columns="variable", values="value")
    return wide.reindex(index=index, columns=variables).astype("float64")


def _check_bank(bank: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """The bank rows of these variables, typed; a clear error for missing columns or repeated values."""
    need = {"variable", "territory", "year", "value"}
    if not need <= set(bank.columns):
        raise ValueError(f"the bank lacks columns {sorted(need - set(bank.columns))}; expected schema.BANK_COLUMNS")
    bank = bank[bank["variable"].astype("str").isin(variables)].copy()
    for col in ("dataset", "provider", "source_file", "territory_name"):
        if col not in bank:
            bank[col] = ""
    bank["territory"] = bank["territory"].astype("str")
    bank["variable"] = bank["variable"].astype("str")
    bank["year"] = bank["year"].astype("int64")
    bank = bank[bank["value"].notna()]
    dup = bank.duplicated(["variable", "territory", "year"], keep=False)
    if dup.any():
        first = bank[dup].sort_values(["variable", "territory", "year"]).head(3)
        shown = "; ".join(f"{r.variable} {r.territory} {r.year} ({r.dataset})" for r in first.itertuples())
        raise ValueError(
            f"the bank holds {int(dup.sum())} rows that repeat a (variable, territory, year): {shown}. "
            "Each variable must come from one dataset (see params/datasets)."
        )
    return bank


@dataclass
class _Prepared:
    """The bank pivoted once: (territory, year) rows × variable columns, for year t and year t − 1."""

    n: int
    territory: np.ndarray
    year: np.ndarray
    territory_name: np.ndarray
    m: pd.DataFrame
    m_prev: pd.DataFrame
    p: dict[str, Any]  # provenance JSON per variable, Arrow strings (null where absent); empty when not wanted
    p_prev: dict[str, Any]
    year_txt: Any  # Arrow strings: the year, and the year before
    prev_txt: Any


def compute(
    bank: pd.DataFrame,
    catalogue: Catalogue,
    years: list[int] | None = None,
    territories: list[str] | None = None,
    *,
    provenance: bool = True,
) -> pd.DataFrame:
    """Evaluate every catalogued indicator for every (territory, year): one row each (RESULT_COLUMNS).

    ``years`` / ``territories`` default to all those in the bank. ``change`` formulas read year − 1
    from the bank even when that year is not requested. ``provenance=False`` leaves ``inputs`` as "[]"
    (saves memory when computing the full catalogue for every gmina of Poland).
    """
    variables = sorted({v for ind in catalogue.indicators if ind.formula for v in ind.formula.variables})
    bank = _check_bank(bank, variables)
    territories = (
        sorted(dict.fromkeys(str(t) for t in territories))
        if territories is not None
        else sorted(bank["territory"].unique())
    )
    years = sorted({int(y) for y in years}) if years is not None else sorted(int(y) for y in bank["year"].unique())
    wanted = sorted(set(years) | {y - 1 for y in years})
    bank = bank[bank["territory"].isin(territories) & bank["year"].isin(wanted)]

    m_all = _matrix(bank, territories, wanted, variables)
    index = pd.MultiIndex.from_product([territories, years], names=["territory", "year"])
    prev_index = pd.MultiIndex.from_arrays([index.get_level_values(0), index.get_level_values(1) - 1])
    p_all = _provenance(bank, m_all.index, variables) if provenance else None

    def texts(frame: pd.DataFrame | None, idx: pd.MultiIndex) -> dict[str, Any]:
        if frame is None:
            return {}
        part = frame.reindex(idx)
        return {v: pa.array(part[v].to_numpy(dtype=object, na_value=None), pa.large_string()) for v in variables}

    names = bank.drop_duplicates("territory").set_index("territory")["territory_name"].astype("str")
    terr = index.get_level_values(0).astype("str")
    year = index.get_level_values(1).to_numpy(dtype="int64")
    mx = _Prepared(
        n=len(index),
        territory=terr.to_numpy(dtype=object),
        year=year,
        territory_name=pd.Series(terr).map(names).fillna("").to_numpy(dtype=object),
        m=m_all.reindex(index),
        m_prev=m_all.reindex(prev_index).set_axis(index),
        p=texts(p_all, index),
        p_prev=texts(p_all, prev_index),
        year_txt=pa.array(year.astype(str).astype(object), pa.large_string()),
        prev_txt=pa.array((year - 1).astype(str).astype(object), pa.large_string()),
    )
    frames = []
    for ind in catalogue.sorted_indicators():
        frames.append(_evaluate(ind, mx))
    if not frames:
        return pd.DataFrame(
            {
                c: pd.Series(dtype="float64" if c in ("value", "numerator", "denominator") else "str")
                for c in RESULT_COLUMNS
            }
        )
    out = pd.concat(frames, ignore_index=True)[RESULT_COLUMNS]
    text = [c for c in RESULT_COLUMNS if c not in ("year", "value", "numerator", "denominator")]
    return out.astype({**dict.fromkeys(text, "str"), "year": "int64"})


def _evaluate(ind: Indicator, mx: _Prepared) -> pd.DataFrame:
    n = mx.n
    nan = np.full(n, np.nan)
    base = {
        "id": ind.id,
        "theme": ind.theme,
        "type": ind.type,
        "territory": mx.territory,
        "territory_name": mx.territory_name,
        "year": mx.year,
        "unit": ind.unit,
    }
    if ind.formula is None:
        assert ind.not_applicable is not None
        return pd.DataFrame(
            {
                **base,
                "value": nan,
                "numerator": nan,
                "denominator": nan,
                "status": "not_applicable",
                "missing": "",
                "reason_en": ind.not_applicable.en,
                "inputs": "[]",
            }
        )
    f = ind.formula
    m, m_prev = mx.m, mx.m_prev
    num = m[f.numerator].sum(axis=1, skipna=False).to_numpy(dtype="float64")
    mask_cur = {v: m[v].isna().to_numpy() for v in f.variables}
    mask_prev: dict[str, np.ndarray] = {}
    if f.kind == "change":
        den = m_prev[f.numerator].sum(axis=1, skipna=False).to_numpy(dtype="float64")
        mask_prev = {v: m_prev[v].isna().to_numpy() for v in f.numerator}
    elif f.kind == "ratio":
        den = m[f.denominator].sum(axis=1, skipna=False).to_numpy(dtype="float64")
    else:
        den = nan
    any_missing = np.zeros(n, dtype=bool)
    for mk in (*mask_cur.values(), *mask_prev.values()):
        any_missing |= mk
    zero = ~any_missing & (den == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        if f.kind == "ratio":
            value = num / den * f.multiplier
        elif f.kind == "value":
            value = num * f.multiplier
        else:
            value = (num / den - 1.0) * f.multiplier
    ok = ~any_missing & ~zero
    # a result outside the indicator's valid range (a share above 100 %) is never published: not available
    bounds = ind.bounds
    outside = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        if bounds.min is not None:
            outside |= ok & (value < bounds.min)
        if bounds.max is not None:
            outside |= ok & (value > bounds.max)
    ok &= ~outside
    value = np.where(ok, value, np.nan)

    def labelled(v: str, years: Any) -> Any:  # "<variable> (<year>)" for every row
        return pc.binary_join_element_wise(
            pa.scalar(v + " (", pa.large_string()),
            years,
            pa.scalar(")", pa.large_string()),
            pa.scalar("", pa.large_string()),
        )

    none = np.zeros(n, dtype=bool)
    missing = _join_parts([(mask_cur[v] | mask_prev.get(v, none), v) for v in f.variables], n, "; ")
    reasons = [(mask_cur[v], labelled(v, mx.year_txt)) for v in f.variables if mask_cur[v].any()]
    reasons += [(mask_prev[v], labelled(v, mx.prev_txt)) for v in mask_prev if mask_prev[v].any()]
    reason = np.full(n, "", dtype=object)
    if any_missing.any():
        absent = np.asarray(_join_parts(reasons, n, ", ").to_numpy(zero_copy_only=False), dtype=object)
        reason[any_missing] = "no data for " + absent[any_missing]
    reason[zero] = "the previous year's value is zero" if f.kind == "change" else "the denominator is zero"
    reason[outside] = out_of_range_reason(ind)

    inputs: Any = "[]"
    if mx.p:
        prov = (
            [(mx.p_prev[v].is_valid().to_numpy(zero_copy_only=False), mx.p_prev[v]) for v in f.numerator]
            if f.kind == "change"
            else []
        )
        prov += [(mx.p[v].is_valid().to_numpy(zero_copy_only=False), mx.p[v]) for v in f.variables]
        joined = _join_parts(prov, n, ", ")
        empty = pa.scalar("", pa.large_string())
        inputs = _text(
            pc.binary_join_element_wise(
                pa.scalar("[", pa.large_string()), joined, pa.scalar("]", pa.large_string()), empty
            )
        )
    return pd.DataFrame(
        {
            **base,
            "value": value,
            "numerator": num,
            "denominator": den,
            "status": np.where(ok, "reported", "not_available"),
            "missing": _text(missing),
            "reason_en": reason,
            "inputs": inputs,
        }
    )


def out_of_range_reason(ind: Indicator) -> str:
    """The reason of a result outside the indicator's valid range, e.g. 'value outside the valid range 0–100 %:
    check the inputs'."""
    return f"value outside the valid range {ind.bounds.describe(ind.unit)}: check the inputs"


# ---------------------------------------------------------------- coverage and certification


def select(results: pd.DataFrame, catalogue: Catalogue, territory: str, year: int) -> pd.DataFrame:
    """One row per catalogued indicator for a territory-year; indicators absent from ``results`` are not_available."""
    sel = results[(results["territory"].astype("str") == str(territory)) & (results["year"] == int(year))]
    sel = sel.drop_duplicates("id").set_index("id")
    rows = []
    for ind in catalogue.sorted_indicators():
        if ind.id in sel.index:
            r = sel.loc[ind.id]
            status, missing = str(r["status"]), str(r["missing"])
            reason = str(r["reason_en"]) if "reason_en" in sel.columns and pd.notna(r["reason_en"]) else ""
        elif ind.formula is None:
            status, missing, reason = "not_applicable", "", ""
        else:
            status, missing = "not_available", "; ".join(ind.formula.variables)
            reason = "not computed (results predate this indicator)"
        rows.append(
            {"id": ind.id, "theme": ind.theme, "type": ind.type, "status": status, "missing": missing, "reason": reason}
        )
    return pd.DataFrame(rows, columns=["id", "theme", "type", "status", "missing", "reason"])


def applicable_share(reported: int, applicable: int) -> float:
    """Reported as a share (0..1) of the applicable indicators (not applicable ones never count); NaN for 0 of 0."""
    return reported / applicable if applicable else float("nan")


def coverage(results: pd.DataFrame, catalogue: Catalogue, territory: str, year: int) -> pd.DataFrame:
    """Counts of reported / not available / not applicable indicators per theme and type (catalogue order).

    ``total`` counts every catalogued indicator; ``applicable`` = reported + not available (an indicator that does
    not apply to the city is neither a gap nor an achievement) and ``share`` = reported / applicable (0..1, NaN when
    nothing applies). Shares of reported indicators must be taken over ``applicable``, never over ``total``.
    """
    sl = select(results, catalogue, territory, year)
    rows = []
    for theme in sorted(catalogue.themes, key=lambda t: int(t.id)):
        for typ in TYPES:
            part = sl[(sl["theme"] == theme.id) & (sl["type"] == typ)]
            if part.empty:
                continue
            counts = part["status"].value_counts()
            rows.append(
                {
                    "theme": theme.id,
                    "theme_key": theme.key,
                    "type": typ,
                    **{s: int(counts.get(s, 0)) for s in STATUSES},
                    "total": len(part),
                    "applicable": int(counts.get("reported", 0) + counts.get("not_available", 0)),
                    "share": applicable_share(
                        int(counts.get("reported", 0)), int(counts.get("reported", 0) + counts.get("not_available", 0))
                    ),
                }
            )
    cols = ["theme", "theme_key", "type", *STATUSES, "total", "applicable", "share"]
    return pd.DataFrame(rows, columns=cols)
