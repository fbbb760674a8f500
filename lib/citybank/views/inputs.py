"""What the pages read, shared by every page kind: the bank, the ISO 37120 catalogue and results, the year's
QA report, the city's records of a list of variables and the provider of a variable. Cached once per process
(a runner worker warms them before it forks a notebook's kernel)."""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd

from ..bank import load_bank, quality
from ..errors import UserError
from ..indicators import Catalogue, load_catalogue, results
from ..params import Registry, change_kind, registry
from ..paths import PATHS


@cache
def bank_frame() -> pd.DataFrame:
    return load_bank(root=PATHS)


@cache
def iso_catalogue() -> Catalogue:
    return load_catalogue(registry())


@cache
def iso_results() -> pd.DataFrame:
    return results(reg=registry())


@cache
def quality_report(year: int) -> dict[str, Any]:
    """The year's QA report, or nothing when it has not been written (a missing report must not break a page)."""
    try:
        return quality(year, root=PATHS)
    except UserError:
        return {}


def city_records(
    reg: Registry, bank: pd.DataFrame, variables: list[str], year: int, compare: dict[str, int]
) -> list[dict]:
    """Per variable, the city's value in ``year`` and in each comparison year (``{"previous": 2023, …}``),
    with the name, unit and desired direction the narrative needs."""
    out = []
    for var in variables:
        s = bank[(bank["variable"] == var) & (bank["territory"] == reg.city.terc) & (bank["year"] <= year)]
        s = s.set_index("year")["value"].sort_index()
        v = reg.variables[var]
        values = {"value": s.get(year, float("nan")), **{k: s.get(y, float("nan")) for k, y in compare.items()}}
        out.append({
            "variable": var, "name": v.name.model_dump(), "unit": v.unit, "higher_is_better": v.higher_is_better,
            "kind": v.kind, **values,
            "how": change_kind(v.kind, v.unit, values.values(), reg.city.reporting.small_count),
            "breaks": [b.year for b in v.breaks if b.year <= year],
            **{f"break_{k}": v.break_between(y, year) is not None for k, y in compare.items()},
        })  # fmt: skip
    return out


def provider_of(var: str, reg: Registry) -> str:
    for d in reg.datasets.values():
        if var in d.variables:
            return d.provider
    return ""
