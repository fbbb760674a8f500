"""ISO 37120:2018 indicator engine: the catalogue in params/iso37120.yml, evaluated on the bank.

The catalogue is data. Each numbered indicator has one formula over canonical variables::

    ratio   sum(numerator) / sum(denominator) * multiplier
    value   sum(numerator) * multiplier
    change  (x_t / x_{t-1} - 1) * multiplier      with x = sum(numerator)

or a ``not_applicable`` reason. :func:`compute` pivots the bank once into a (territory, year) × variable
matrix and evaluates every formula as column operations for all territories and years at once, so the
same code serves the city with its peers and a BDL export of every Polish gmina.

Each result row says what it is (``status``): ``reported`` (a value), ``not_available`` (an input is
missing or a denominator is zero; ``missing`` lists the variables) or ``not_applicable`` (the catalogue
says the indicator does not apply). ``inputs`` holds the provenance of every input value as JSON, so a
published number can be traced to its provider, dataset, file and row.

Kept light on import (pandas and pydantic only): params.py imports :func:`check_params` when it
validates params/iso37120.yml.
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, field_validator, model_validator

from .params import SLUG, ParamsError, ParamsProblem, Strict, Text3, _Loader
from .paths import PATHS

if TYPE_CHECKING:
    from .params import Registry

FILE = "params/iso37120.yml"
RESULTS_NAME = "indicators.parquet"
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
NO_DATASET = "no dataset"


# ---------------------------------------------------------------- the catalogue (params/iso37120.yml)


class Formula(Strict):
    kind: Literal["ratio", "value", "change"]
    numerator: list[str] = Field(min_length=1)
    denominator: list[str] = []
    multiplier: float = 1.0

    @model_validator(mode="after")
    def _shape(self) -> Formula:
        if self.kind == "ratio" and not self.denominator:
            raise ValueError("kind 'ratio' needs a non-empty 'denominator' list")
        if self.kind != "ratio" and self.denominator:
            raise ValueError(f"kind '{self.kind}' takes no 'denominator' (remove it, or use kind 'ratio')")
        return self

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys([*self.numerator, *self.denominator]))


class Indicator(Strict):
    id: str = Field(pattern=r"^\d+(\.\d+)+$", description="the clause, e.g. '5.1' or '12.5.10'")
    theme: str
    type: Literal["core", "supporting", "profile"]
    type_verified: bool = False
    name: Text3
    unit: str
    direction: Literal["higher", "lower", "neutral"]
    formula: Formula | None = None
    method_note: Text3 | None = None
    source_pl: str
    not_applicable: Text3 | None = None

    @model_validator(mode="after")
    def _one_of(self) -> Indicator:
        if self.formula is None and self.not_applicable is None:
            raise ValueError("give either 'formula' or 'not_applicable' (a reason in pl/en/de)")
        if self.formula is not None and self.not_applicable is not None:
            raise ValueError("give either 'formula' or 'not_applicable', not both")
        return self

    @property
    def sort_key(self) -> tuple[int, ...]:
        return clause_key(self.id)


class Theme(Strict):
    id: str = Field(pattern=r"^\d+$")
    key: str
    name: Text3


class Level(Strict):
    id: str = Field(pattern=SLUG)
    name: Text3
    min_core: int = Field(ge=0)
    min_total: int = Field(ge=0)


class Certification(Strict):
    note: Text3
    levels: list[Level] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _ordered(cls, levels: list[Level]) -> list[Level]:
        for lo, hi in zip(levels, levels[1:], strict=False):
            if hi.min_core < lo.min_core or hi.min_total < lo.min_total:
                raise ValueError(f"levels must be ordered low→high: '{hi.id}' asks for less than '{lo.id}'")
        return levels


class Catalogue(Strict):
    certification: Certification
    themes: list[Theme]
    indicators: list[Indicator]

    @property
    def theme_by_id(self) -> dict[str, Theme]:
        return {t.id: t for t in self.themes}

    @property
    def by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def sorted_indicators(self) -> list[Indicator]:
        return sorted(self.indicators, key=lambda i: i.sort_key)


def clause_key(clause: str) -> tuple[int, ...]:
    """'12.5.10' → (12, 5, 10): numeric clause order (12.5.9 before 12.5.10)."""
    return tuple(int(p) for p in str(clause).split("."))


def _validate(data: Any, root: Path) -> tuple[Catalogue | None, list[ParamsProblem]]:
    """Validate the YAML structure section by section and item by item, so that every problem is found."""
    ld = _Loader(root)
    path = root / "iso37120.yml"
    if not isinstance(data, dict):
        return None, [ParamsProblem(FILE, "", "expected a mapping with 'certification', 'themes', 'indicators'")]
    for k in sorted(set(data) - {"certification", "themes", "indicators"}):
        ld.problems.append(ParamsProblem(FILE, k, "unknown top-level key (allowed: certification, themes, indicators)"))
    cert = ld.model(Certification, data.get("certification"), path, "certification")
    parts: dict[str, list[Any]] = {}
    for top, cls in (("themes", Theme), ("indicators", Indicator)):
        items = data.get(top)
        if not isinstance(items, list):
            ld.problems.append(ParamsProblem(FILE, top, f"expected a '{top}:' list"))
            parts[top] = []
            continue
        out = []
        for i, item in enumerate(items):
            ident = item.get("id") if isinstance(item, dict) else None
            m = ld.model(cls, item, path, f"{top}[{i}]" + (f" ({ident})" if ident else ""))
            out.append(m)
        parts[top] = out
    problems = [ParamsProblem(FILE, p.key, p.message.removeprefix("Value error, ")) for p in ld.problems]
    ok = cert is not None and all(m is not None for m in parts["themes"] + parts["indicators"])
    cat = Catalogue(certification=cert, themes=parts["themes"], indicators=parts["indicators"]) if ok else None
    return cat, problems


def check_params(reg: Registry, data: Any) -> list[ParamsProblem]:
    """Every problem of params/iso37120.yml: model errors, unknown variables and themes, duplicate ids."""
    _, problems = _validate(data, reg.root)
    if not isinstance(data, dict):
        return problems
    themes = data.get("themes") if isinstance(data.get("themes"), list) else []
    theme_ids: dict[str, int] = {}
    for i, t in enumerate(themes):
        tid = str(t.get("id")) if isinstance(t, dict) else None
        if tid is not None and tid in theme_ids:
            problems.append(
                ParamsProblem(FILE, f"themes[{i}] ({tid}).id", f"duplicate theme id (also themes[{theme_ids[tid]}])")
            )
        if tid is not None:
            theme_ids.setdefault(tid, i)
    indicators = data.get("indicators") if isinstance(data.get("indicators"), list) else []
    seen: dict[str, int] = {}
    for i, ind in enumerate(indicators):
        if not isinstance(ind, dict):
            continue
        iid = ind.get("id")
        where = f"indicators[{i}]" + (f" ({iid})" if iid else "")
        if iid is not None:
            if iid in seen:
                problems.append(
                    ParamsProblem(FILE, f"{where}.id", f"duplicate indicator id (also indicators[{seen[iid]}])")
                )
            seen.setdefault(iid, i)
        theme = ind.get("theme")
        if theme is not None and theme_ids and str(theme) not in theme_ids:
            problems.append(
                ParamsProblem(
                    FILE,
                    f"{where}.theme",
                    f"unknown theme '{theme}'; expected one of the themes: {', '.join(sorted(theme_ids, key=int))}",
                )
            )
        elif theme is not None and isinstance(iid, str) and iid.split(".")[0] != str(theme):
            problems.append(
                ParamsProblem(
                    FILE, f"{where}.theme", f"is '{theme}' but clause {iid} belongs to theme '{iid.split('.')[0]}'"
                )
            )
        formula = ind.get("formula")
        if isinstance(formula, dict):
            for part in ("numerator", "denominator"):
                names = formula.get(part)
                if not isinstance(names, list):
                    continue
                for j, var in enumerate(names):
                    if isinstance(var, str) and var not in reg.variables:
                        problems.append(
                            ParamsProblem(
                                FILE,
                                f"{where}.formula.{part}[{j}]",
                                f"unknown variable '{var}'; add it to params/variables.yml or fix the spelling",
                            )
                        )
    return problems


def parse_catalogue(data: Any, root: Path | None = None) -> Catalogue:
    """The typed catalogue from the YAML data; ParamsError listing every structural problem."""
    cat, problems = _validate(data, root or PATHS.params)
    if problems or cat is None:
        raise ParamsError(problems or [ParamsProblem(FILE, "", "invalid catalogue")])
    return cat


def load_catalogue(reg: Registry | None = None) -> Catalogue:
    """The catalogue of the registry (params/iso37120.yml, already checked by load_params)."""
    if reg is None:
        from .params import registry

        reg = registry()
    data = reg.extra.get("iso37120")
    if data is None:
        raise ParamsError(
            [ParamsProblem(FILE, "", "file is missing; the ISO 37120 catalogue is needed for indicators")]
        )
    return parse_catalogue(data, reg.root)


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
    import pyarrow as pa

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
    value = np.where(ok, value, np.nan)

    import pyarrow as pa
    import pyarrow.compute as pc

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


# ---------------------------------------------------------------- coverage and certification


def _slice(results: pd.DataFrame, catalogue: Catalogue, territory: str, year: int) -> pd.DataFrame:
    """One row per catalogued indicator for a territory-year; indicators absent from ``results`` are not_available."""
    sel = results[(results["territory"].astype("str") == str(territory)) & (results["year"] == int(year))]
    sel = sel.drop_duplicates("id").set_index("id")
    rows = []
    for ind in catalogue.sorted_indicators():
        if ind.id in sel.index:
            r = sel.loc[ind.id]
            status, missing = str(r["status"]), str(r["missing"])
        elif ind.formula is None:
            status, missing = "not_applicable", ""
        else:
            status, missing = "not_available", "; ".join(ind.formula.variables)
        rows.append({"id": ind.id, "theme": ind.theme, "type": ind.type, "status": status, "missing": missing})
    return pd.DataFrame(rows, columns=["id", "theme", "type", "status", "missing"])


def coverage(results: pd.DataFrame, catalogue: Catalogue, territory: str, year: int) -> pd.DataFrame:
    """Counts of reported / not available / not applicable indicators per theme and type (catalogue order)."""
    sl = _slice(results, catalogue, territory, year)
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
                }
            )
    cols = ["theme", "theme_key", "type", *STATUSES, "total"]
    return pd.DataFrame(rows, columns=cols)


def variable_sources(reg: Registry) -> dict[str, tuple[str, str]]:
    """variable → (dataset id, provider id) from params/datasets."""
    out: dict[str, tuple[str, str]] = {}
    for ds in sorted(reg.datasets.values(), key=lambda d: d.id):
        for v in ds.variables:
            out.setdefault(v, (ds.id, ds.provider))
    return out


def certification_level(
    results: pd.DataFrame, catalogue: Catalogue, territory: str, year: int, reg: Registry | None = None
) -> dict[str, Any]:
    """The certification estimate and the to-do list towards the next level.

    Returns counts (``count_core``, ``count_supporting``, ``count_profile``, ``count_total`` = core +
    supporting reported), ``level`` (the highest level reached, or None), ``next_level`` with how many core and
    total indicators it still needs, and ``todo``: every not-available core/supporting indicator (core first)
    with its missing variables and the dataset/provider that would supply each (``"no dataset"`` when none does).
    """
    if reg is None:
        from .params import registry

        reg = registry()
    sources = variable_sources(reg)
    sl = _slice(results, catalogue, territory, year)
    rep = sl[sl["status"] == "reported"]
    counts = {f"count_{t}": int((rep["type"] == t).sum()) for t in TYPES}
    counts["count_total"] = counts["count_core"] + counts["count_supporting"]
    level = None
    nxt = None
    for lv in catalogue.certification.levels:
        if counts["count_core"] >= lv.min_core and counts["count_total"] >= lv.min_total:
            level = lv
        elif nxt is None:
            nxt = lv
    if level is not None:
        higher = catalogue.certification.levels[catalogue.certification.levels.index(level) + 1 :]
        nxt = higher[0] if higher else None
    by_id = catalogue.by_id
    todo = []
    todo_rows = sl[(sl["status"] == "not_available") & (sl["type"] != "profile")]
    todo_rows = todo_rows.assign(_core=todo_rows["type"] != "core").sort_values(
        ["_core", "id"], key=lambda s: s.map(clause_key) if s.name == "id" else s, kind="stable"
    )
    for r in todo_rows.itertuples():
        ind = by_id[r.id]
        variables = [v for v in str(r.missing).split("; ") if v]
        todo.append(
            {
                "id": r.id,
                "type": r.type,
                "name": ind.name.model_dump(),
                "missing": variables,
                "sources": [
                    {
                        "variable": v,
                        "dataset": sources.get(v, (NO_DATASET, NO_DATASET))[0],
                        "provider": sources.get(v, (NO_DATASET, NO_DATASET))[1],
                    }
                    for v in variables
                ],
            }
        )
    providers: dict[str, list[str]] = {}
    for item in todo:
        for s in item["sources"]:
            ids = providers.setdefault(s["provider"], [])
            if item["id"] not in ids:
                ids.append(item["id"])

    def lv_dict(lv: Level | None) -> dict[str, Any] | None:
        return (
            None
            if lv is None
            else {"id": lv.id, "name": lv.name.model_dump(), "min_core": lv.min_core, "min_total": lv.min_total}
        )

    next_level = lv_dict(nxt)
    if next_level is not None and nxt is not None:
        next_level["needs_core"] = max(0, nxt.min_core - counts["count_core"])
        next_level["needs_total"] = max(0, nxt.min_total - counts["count_total"])
    return {
        "territory": str(territory),
        "year": int(year),
        **counts,
        "level": lv_dict(level),
        "next_level": next_level,
        "todo": todo,
        "providers": {k: providers[k] for k in sorted(providers)},
        "note": catalogue.certification.note.model_dump(),
    }


# ---------------------------------------------------------------- result files


def _fingerprint(bank: pd.DataFrame, catalogue: Catalogue, territories: list[str], years: list[int]) -> str:
    """A content key of everything the results depend on: bank values, catalogue, engine code, scope."""
    h = hashlib.sha256()
    cols = [
        c
        for c in (
            "variable",
            "territory",
            "year",
            "value",
            "dataset",
            "provider",
            "source_file",
            "source_row",
            "territory_name",
        )
        if c in bank.columns
    ]
    frame = bank[cols].sort_values(["variable", "territory", "year"]).reset_index(drop=True)
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    h.update(catalogue.model_dump_json().encode())
    h.update(Path(__file__).read_bytes())
    h.update(json.dumps([territories, years]).encode())
    return h.hexdigest()


def _scope(reg: Registry, bank: pd.DataFrame) -> tuple[list[str], list[int]]:
    territories = sorted({reg.city.terc, *(p.code for p in reg.city.peers)})
    years = sorted(set(reg.years) | {int(y) for y in bank["year"].unique()}) if not bank.empty else sorted(reg.years)
    return territories, years


def _load_bank(territories: list[str]) -> pd.DataFrame:
    """The bank rows of these territories (UserError from the bank when it has not been built)."""
    from .bank import load_bank

    return load_bank(territories=territories, root=PATHS)


def compute_all(reg: Registry | None = None, bank: pd.DataFrame | None = None, out: Path | None = None) -> pd.DataFrame:
    """Compute every indicator for the city and its peers, every year, and write data/results/indicators.parquet.

    The file carries a content key of its inputs (Parquet metadata) so :func:`results` can tell when it is stale.
    Same inputs → byte-identical file.
    """
    if reg is None:
        from .params import registry

        reg = registry()
    catalogue = load_catalogue(reg)
    territories = sorted({reg.city.terc, *(p.code for p in reg.city.peers)})
    if bank is None:
        bank = _load_bank(territories)
    bank = bank[bank["territory"].astype("str").isin(territories)]
    territories, years = _scope(reg, bank)
    res = compute(bank, catalogue, years=years, territories=territories)
    _write_results(res, out or PATHS.results / RESULTS_NAME, _fingerprint(bank, catalogue, territories, years))
    return res


def _write_results(res: pd.DataFrame, path: Path, key: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .util import atomic_path

    table = pa.Table.from_pandas(res, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"citybank_inputs": key.encode()})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def _stored_key(path: Path) -> str | None:
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    value = meta.get(b"citybank_inputs")
    return value.decode() if value else None


def results(
    year: int | None = None, *, reg: Registry | None = None, bank: pd.DataFrame | None = None, path: Path | None = None
) -> pd.DataFrame:
    """The indicator results (all territories; one year when ``year`` is given).

    Reads data/results/indicators.parquet; computes and writes it first when it is absent or stale (its
    stored content key differs from the current bank + catalogue + engine).
    """
    if reg is None:
        from .params import registry

        reg = registry()
    path = path or PATHS.results / RESULTS_NAME
    catalogue = load_catalogue(reg)
    territories = sorted({reg.city.terc, *(p.code for p in reg.city.peers)})
    if bank is None:
        bank = _load_bank(territories)
    bank = bank[bank["territory"].astype("str").isin(territories)]
    scope_t, scope_y = _scope(reg, bank)
    key = _fingerprint(bank, catalogue, scope_t, scope_y)
    if path.exists() and _stored_key(path) == key:
        res = pd.read_parquet(path)
    else:
        res = compute_all(reg, bank, out=path)
    if year is not None:
        res = res[res["year"] == int(year)].reset_index(drop=True)
    return res


def indicator_table(
    year: int,
    *,
    territory: str | None = None,
    res: pd.DataFrame | None = None,
    catalogue: Catalogue | None = None,
    reg: Registry | None = None,
) -> pd.DataFrame:
    """One row per catalogued indicator for the city (or ``territory``) in ``year``, in clause order."""
    if reg is None and (territory is None or catalogue is None or res is None):
        from .params import registry

        reg = registry()
    catalogue = catalogue or load_catalogue(reg)
    territory = territory or (reg.city.terc if reg else None)
    if res is None:
        res = results(year, reg=reg)
    sel = res[(res["territory"].astype("str") == str(territory)) & (res["year"] == int(year))]
    sel = sel.drop_duplicates("id").set_index("id")
    themes = catalogue.theme_by_id
    rows = []
    for ind in catalogue.sorted_indicators():
        r = sel.loc[ind.id] if ind.id in sel.index else None
        f = ind.formula
        if r is not None:
            status, value = str(r["status"]), float(r["value"])
            num, den = float(r["numerator"]), float(r["denominator"])
            missing, reason = str(r["missing"]), str(r["reason_en"])
        else:
            status = "not_applicable" if f is None else "not_available"
            value = num = den = float("nan")
            missing = "" if f is None else "; ".join(f.variables)
            reason = ind.not_applicable.en if ind.not_applicable else "not computed (results predate this indicator)"
        rows.append(
            {
                "id": ind.id,
                "theme": ind.theme,
                "theme_key": themes[ind.theme].key if ind.theme in themes else "",
                "type": ind.type,
                "status": status,
                "value": value,
                "unit": ind.unit,
                "name_pl": ind.name.pl,
                "name_en": ind.name.en,
                "name_de": ind.name.de,
                "numerator": num,
                "denominator": den,
                "missing": missing,
                "reason_en": reason,
                "direction": ind.direction,
                "formula": "" if f is None else f.kind,
            }
        )
    return pd.DataFrame(rows)


def _num(value: Any) -> float | None:
    """A JSON-safe number: None for NaN, 12 significant digits (no floating-point noise)."""
    if value is None or pd.isna(value):
        return None
    return float(f"{float(value):.12g}")


def write_indicator_files(
    year: int,
    out_dir: Path,
    *,
    territory: str | None = None,
    res: pd.DataFrame | None = None,
    catalogue: Catalogue | None = None,
    reg: Registry | None = None,
) -> list[Path]:
    """One JSON file per indicator (``<clause>.json``): meta + the series of every year up to ``year``."""
    from .util import write_json

    if reg is None and (territory is None or catalogue is None or res is None):
        from .params import registry

        reg = registry()
    catalogue = catalogue or load_catalogue(reg)
    territory = territory or (reg.city.terc if reg else None)
    if res is None:
        res = results(reg=reg)
    sel = res[(res["territory"].astype("str") == str(territory)) & (res["year"] <= int(year))]
    themes = catalogue.theme_by_id
    out_dir = Path(out_dir)
    paths = []
    for ind in catalogue.sorted_indicators():
        rows = sel[sel["id"] == ind.id].sort_values("year")
        this = rows[rows["year"] == int(year)]
        status = (
            str(this["status"].iloc[0]) if len(this) else ("not_applicable" if ind.formula is None else "not_available")
        )
        datasets = sorted({d["dataset"] for s in rows["inputs"] for d in json.loads(s)})
        theme = themes.get(ind.theme)
        doc = {
            "meta": {
                "id": ind.id,
                "name": ind.name.model_dump(),
                "unit": ind.unit,
                "theme": {
                    "id": ind.theme,
                    "key": theme.key if theme else "",
                    "name": theme.name.model_dump() if theme else None,
                },
                "type": ind.type,
                "direction": ind.direction,
                "update_frequency": "annual",
                "status": status,
                "source": ind.source_pl,
                "datasets": datasets,
                "territory": str(territory),
                "standard": "ISO 37120:2018",
            },
            "data": [{"year": int(r.year), "value": _num(r.value), "status": str(r.status)} for r in rows.itertuples()],
        }
        paths.append(write_json(out_dir / f"{ind.id}.json", doc))
    return paths


# ---------------------------------------------------------------- CLI


def summary_line(table: pd.DataFrame, cert: dict[str, Any]) -> str:
    """'reported 86 of 104 numbered indicators; …; certification estimate: Gold (2014 WCCD scheme)'."""
    numbered = table[table["type"] != "profile"]
    parts = [f"reported {int((numbered['status'] == 'reported').sum())} of {len(numbered)} numbered indicators"]
    for typ in TYPES:
        part = table[table["type"] == typ]
        if len(part):
            parts.append(f"{typ} {int((part['status'] == 'reported').sum())} of {len(part)}")
    na = int((table["status"] == "not_applicable").sum())
    if na:
        parts.append(f"{na} not applicable")
    level = cert["level"]["name"]["en"] if cert["level"] else "none"
    parts.append(f"certification estimate: {level} (2014 WCCD scheme)")
    return "; ".join(parts)


def _text_table(table: pd.DataFrame) -> str:
    def fmt(v: float) -> str:
        return "" if pd.isna(v) else f"{v:,.2f}".replace(",", " ")

    cols = [
        ("id", table["id"]),
        ("type", table["type"]),
        ("status", table["status"].str.replace("_", " ")),
        ("value", table["value"].map(fmt)),
        ("unit", table["unit"]),
        ("indicator", table["name_en"].str.slice(0, 60)),
    ]
    widths = [max(len(h), *(len(str(x)) for x in s)) if len(s) else len(h) for h, s in cols]
    right = {"value"}
    lines = [
        "  ".join(h.rjust(w) if h in right else h.ljust(w) for (h, _), w in zip(cols, widths, strict=True)).rstrip()
    ]
    lines.append("  ".join("-" * w for w in widths))
    for i in range(len(table)):
        cells = [str(s.iloc[i]) for _, s in cols]
        lines.append(
            "  ".join(
                c.rjust(w) if h in right else c.ljust(w) for (h, _), c, w in zip(cols, cells, widths, strict=True)
            ).rstrip()
        )
    return "\n".join(lines)


def main_indicators(args: Any) -> int:
    """``citybank indicators --year Y [--format table|csv|json] [--out FILE]``."""
    from .cli import UserError, resolve_year
    from .params import registry

    reg = registry()
    year = resolve_year(args)
    catalogue = load_catalogue(reg)
    res = results(reg=reg)
    if not (res["year"] == year).any():
        have = ", ".join(str(y) for y in sorted(res["year"].unique())) or "none"
        raise UserError(
            f"no indicator results for {year}; years with results: {have}. "
            f"Add params/years/{year}.yml and the year's data, then run `citybank ingest`."
        )
    table = indicator_table(year, res=res, catalogue=catalogue, reg=reg)
    fmt = getattr(args, "format", "table") or "table"
    if fmt == "csv":
        text = table.to_csv(index=False, lineterminator="\n")
    elif fmt == "json":
        records = [
            {k: (_num(v) if isinstance(v, float) else v) for k, v in row.items()}
            for row in table.to_dict(orient="records")
        ]
        from .util import dumps_json

        text = dumps_json(records)
    else:
        cert = certification_level(res, catalogue, reg.city.terc, year, reg=reg)
        text = (
            f"ISO 37120:2018 indicators — {reg.city.name}, {year}\n\n"
            + _text_table(table)
            + "\n\n"
            + summary_line(table, cert)
            + "\n"
        )
    out = getattr(args, "out", None)
    if out:
        from .util import write_text_atomic

        write_text_atomic(out, text)
        print(f"written {out} ({len(table)} indicators, {year})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
