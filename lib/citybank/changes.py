"""What changed since the last publication: datasets added and removed, values added, removed and revised.

A release is the data package of a report year, ``reports/<Y>/data/`` (``datapackage.json`` and the category
CSVs ``citybank.publish`` writes). The previous release of year Y is the newest ``reports/<y>/data/datapackage.json``
with y < Y on disk; when there is none, Y is the first release and the report says so. A value is identified by
(variable, territory, year); it is *revised* when both releases hold it with different values (old → new, each
with its dataset, source file, row and sha256), *added* or *removed* when only one holds it.

``publish_year`` writes the comparison beside the data: ``changes.json`` (everything, sorted, no timestamps) and
``changes.csv`` (one row per revised value). The portal's "what changed" page reads ``changes.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import UserError

KEY = ["variable", "territory", "year"]
PROVENANCE = ["dataset", "source_file", "source_row", "source_sha256"]
REVISION_COLUMNS = [
    *KEY,
    "old_value",
    "new_value",
    *(f"old_{c}" for c in PROVENANCE),
    *(f"new_{c}" for c in PROVENANCE),
]
TEXT = {"variable": str, "territory": str, "dataset": str, "source_file": str, "source_sha256": str}
REL_TOL = 1e-9
"""Values closer than this (relative) are the same value written twice, not a revision."""


def read_package(data_dir: str | Path) -> pd.DataFrame:
    """Every value row of a published data package: the CSV table resources of its ``datapackage.json`` that hold
    variable, territory, year and value (the ISO table and JSON files are left out). Missing provenance columns
    are empty. UserError when the folder holds no data package."""
    data_dir = Path(data_dir)
    meta = data_dir / "datapackage.json"
    if not meta.is_file():
        raise UserError(f"{meta} does not exist: not a published data package (run `citybank publish` for that year)")
    try:
        package = json.loads(meta.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise UserError(f"{meta} is not valid JSON ({exc}); publish that year again") from exc
    parts = []
    for res in package.get("resources") or []:
        if not isinstance(res, dict) or res.get("format") != "csv" or res.get("type") != "table":
            continue
        names = [f.get("name") for f in (res.get("schema") or {}).get("fields") or [] if isinstance(f, dict)]
        if not {*KEY, "value"} <= set(names):
            continue
        path = data_dir / str(res.get("path"))
        if not path.is_file():
            raise UserError(f"{meta} lists {res.get('path')} but {path} does not exist; publish that year again")
        parts.append(pd.read_csv(path, dtype={k: v for k, v in TEXT.items() if k in names}, keep_default_na=False))
    columns = [*KEY, "value", *PROVENANCE]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    df = pd.concat(parts, ignore_index=True)
    for c in PROVENANCE:
        if c not in df.columns:
            df[c] = ""
    df["year"] = df["year"].astype("int64")
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype("float64")
    return df[columns]


def _json_value(v: Any) -> Any:
    if v is None or (isinstance(v, float) and v != v):
        return None
    if hasattr(v, "item"):
        v = v.item()
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return int(v)
    return v


def _records(df: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    return [
        {c: _json_value(v) for c, v in zip(columns, row, strict=True)} for row in df[columns].itertuples(index=False)
    ]


def compare_packages(old: pd.DataFrame, new: pd.DataFrame) -> dict[str, Any]:
    """The changes from the ``old`` release's rows to the ``new`` one's (frames as ``read_package`` returns them).

    Returns ``datasets_added`` / ``datasets_removed`` (ids), ``values`` (counts added, removed, revised,
    unchanged), ``added_by_dataset`` / ``removed_by_dataset`` (counts), ``removed`` (each value only the old
    release held, with its provenance) and ``revisions`` (old → new with both provenances), sorted by key.
    """
    cols = [*KEY, "value", *PROVENANCE]
    old = old[cols].drop_duplicates(KEY)
    new = new[cols].drop_duplicates(KEY)
    both = old.merge(new, on=KEY, how="outer", suffixes=("_old", "_new"), indicator=True)
    both = both.sort_values(KEY, kind="mergesort").reset_index(drop=True)
    only_old = both[both["_merge"] == "left_only"]
    only_new = both[both["_merge"] == "right_only"]
    common = both[both["_merge"] == "both"]
    a, b = common["value_old"], common["value_new"]
    same = (a.isna() & b.isna()) | ((a - b).abs() <= REL_TOL * pd.concat([a.abs(), b.abs()], axis=1).max(axis=1))
    revised = common[~same.fillna(False)].rename(
        columns={"value_old": "old_value", "value_new": "new_value"}
        | {f"{c}_old": f"old_{c}" for c in PROVENANCE}
        | {f"{c}_new": f"new_{c}" for c in PROVENANCE}
    )
    removed = only_old.rename(columns={"value_old": "value"} | {f"{c}_old": c for c in PROVENANCE})
    old_sets = set(old["dataset"].dropna()) - {""}
    new_sets = set(new["dataset"].dropna()) - {""}

    def per_dataset(rows: pd.DataFrame, col: str) -> dict[str, int]:
        counts = rows[col].fillna("").value_counts()
        return {str(k): int(counts[k]) for k in sorted(counts.index)}

    return {
        "datasets_added": sorted(new_sets - old_sets),
        "datasets_removed": sorted(old_sets - new_sets),
        "values": {
            "added": len(only_new),
            "removed": len(only_old),
            "revised": len(revised),
            "unchanged": len(common) - len(revised),
        },
        "added_by_dataset": per_dataset(only_new, "dataset_new"),
        "removed_by_dataset": per_dataset(only_old, "dataset_old"),
        "removed": _records(removed, [*KEY, "value", *PROVENANCE]),
        "revisions": _records(revised, REVISION_COLUMNS),
    }


def previous_release(reports_dir: str | Path, year: int) -> int | None:
    """The newest year before ``year`` whose data package is on disk under ``reports_dir`` (None: none is)."""
    years = [
        int(p.parent.parent.name)
        for p in Path(reports_dir).glob("*/data/datapackage.json")
        if p.parent.parent.name.isdigit() and int(p.parent.parent.name) < year
    ]
    return max(years, default=None)


def changes_report(year: int, new_rows: pd.DataFrame, reports_dir: str | Path | None) -> dict[str, Any]:
    """The changes of release ``year`` (its value rows ``new_rows``) since the previous release found under
    ``reports_dir`` (None: no earlier releases to look at); a first release says so (``first_release: true``)
    and lists its datasets as added."""
    prev = None if reports_dir is None else previous_release(reports_dir, year)
    if prev is None:
        datasets = sorted(set(new_rows["dataset"].dropna()) - {""})
        counts = new_rows["dataset"].value_counts()
        return {
            "year": year,
            "previous_release": None,
            "first_release": True,
            "datasets_added": datasets,
            "datasets_removed": [],
            "values": {"added": len(new_rows), "removed": 0, "revised": 0, "unchanged": 0},
            "added_by_dataset": {d: int(counts[d]) for d in datasets},
            "removed_by_dataset": {},
            "removed": [],
            "revisions": [],
        }
    assert reports_dir is not None
    old = read_package(Path(reports_dir) / str(prev) / "data")
    return {"year": year, "previous_release": prev, "first_release": False, **compare_packages(old, new_rows)}


def revisions_frame(report: dict[str, Any]) -> pd.DataFrame:
    """The revised values of a changes report as a table (``REVISION_COLUMNS``), for ``changes.csv``."""
    return pd.DataFrame(report.get("revisions") or [], columns=REVISION_COLUMNS)


def read_changes(data_dir: str | Path) -> dict[str, Any] | None:
    """The ``changes.json`` a publication wrote, or None when there is none."""
    path = Path(data_dir) / "changes.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))
