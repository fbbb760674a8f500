"""The certification estimate (levels of the 2014 WCCD scheme, in params) and the to-do list towards the next
level: which indicators are missing, which variables they need and which dataset and provider would supply
each."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..params import Registry, registry
from ..params.iso37120 import Catalogue, Level, clause_key
from .engine import TYPES, applicable_share, select

NO_DATASET = "no dataset"


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
    supporting reported), the applicable indicators (``applicable_core`` … ``applicable_total``: reported or not
    available, never not applicable) and the shares reported of them (``share_core``, ``share_total``, 0..1),
    ``level`` (the highest level reached, or None), ``next_level`` with how many core and
    total indicators it still needs, and ``todo``: every not-available core/supporting indicator (core first)
    with the reason, its missing variables and the dataset/provider that would supply each (``"no dataset"`` when none does).
    """
    sources = variable_sources(reg or registry())
    sl = select(results, catalogue, territory, year)
    rep = sl[sl["status"] == "reported"]
    counts = {f"count_{t}": int((rep["type"] == t).sum()) for t in TYPES}
    counts["count_total"] = counts["count_core"] + counts["count_supporting"]
    app = sl[sl["status"] != "not_applicable"]  # shares never count indicators that do not apply to the city
    applicable = {f"applicable_{t}": int((app["type"] == t).sum()) for t in TYPES}
    applicable["applicable_total"] = applicable["applicable_core"] + applicable["applicable_supporting"]
    shares = {  # None (JSON null) when nothing applies
        f"share_{k}": (None if applicable[f"applicable_{k}"] == 0 else share)
        for k in ("core", "total")
        for share in [applicable_share(counts[f"count_{k}"], applicable[f"applicable_{k}"])]
    }
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
                "reason": str(r.reason),
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
        **applicable,
        **shares,
        "level": lv_dict(level),
        "next_level": next_level,
        "todo": todo,
        "providers": {k: providers[k] for k in sorted(providers)},
        "note": catalogue.certification.note.model_dump(),
    }
