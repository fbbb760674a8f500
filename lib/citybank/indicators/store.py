"""The engine's result file ``data/results/indicators.parquet``: written with a content key of its inputs,
read back (recomputed when stale), and turned into the per-indicator table and JSON files that are published."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..bank import load_bank
from ..params import Registry, registry
from ..params.iso37120 import Catalogue, load_catalogue
from ..paths import PATHS, Paths
from ..util import atomic_path, write_json
from . import engine
from .engine import compute

ENGINE_CODE = Path(engine.__file__)
"""The formulas' code: part of the results' content key, so a changed engine recomputes them."""

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
    h.update(ENGINE_CODE.read_bytes())
    h.update(json.dumps([territories, years]).encode())
    return h.hexdigest()


def _scope(reg: Registry, bank: pd.DataFrame) -> tuple[list[str], list[int]]:
    territories = sorted({reg.city.terc, *(p.code for p in reg.city.peers)})
    years = sorted(set(reg.years) | {int(y) for y in bank["year"].unique()}) if not bank.empty else sorted(reg.years)
    return territories, years


def _inputs(
    reg: Registry, bank: pd.DataFrame | None, paths: Paths | None = None
) -> tuple[pd.DataFrame, list[str], list[int]]:
    """The bank rows of the city and its peers (read from the bank when not given) and the scope."""
    territories = sorted({reg.city.terc, *(p.code for p in reg.city.peers)})
    if bank is None:
        bank = load_bank(territories=territories, root=paths or PATHS)
    bank = bank[bank["territory"].astype("str").isin(territories)]
    return (bank, *_scope(reg, bank))


def compute_all(
    reg: Registry | None = None,
    bank: pd.DataFrame | None = None,
    out: Path | None = None,
    *,
    paths: Paths | None = None,
) -> Path:
    """Compute every indicator for the city and its peers, every year, and write data/results/indicators.parquet.

    The file carries a content key of its inputs (Parquet metadata) so :func:`results` can tell when it is stale.
    Same inputs → byte-identical file. Returns the file's path. ``paths``: the workbench (default: the process's).
    """
    reg = reg or registry()
    catalogue = load_catalogue(reg)
    bank, territories, years = _inputs(reg, bank, paths)
    res = compute(bank, catalogue, years=years, territories=territories)
    path = out or (paths or PATHS).result("indicators")
    _write_results(res, path, _fingerprint(bank, catalogue, territories, years))
    return path


def _write_results(res: pd.DataFrame, path: Path, key: str) -> None:
    table = pa.Table.from_pandas(res, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"citybank_inputs": key.encode()})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def _stored_key(path: Path) -> str | None:
    meta = pq.read_schema(path).metadata or {}
    value = meta.get(b"citybank_inputs")
    return value.decode() if value else None


def results(
    year: int | None = None,
    *,
    reg: Registry | None = None,
    bank: pd.DataFrame | None = None,
    path: Path | None = None,
    paths: Paths | None = None,
) -> pd.DataFrame:
    """The indicator results (all territories; one year when ``year`` is given).

    Reads data/results/indicators.parquet; computes and writes it first when it is absent or stale (its
    stored content key differs from the current bank + catalogue + engine).
    """
    reg = reg or registry()
    path = path or (paths or PATHS).result("indicators")
    catalogue = load_catalogue(reg)
    bank, territories, years = _inputs(reg, bank, paths)
    if not (path.exists() and _stored_key(path) == _fingerprint(bank, catalogue, territories, years)):
        compute_all(reg, bank, out=path)
    res = pd.read_parquet(path)
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


def json_number(value: Any) -> float | None:
    """A JSON-safe number: None for NaN, 12 significant digits (no floating-point noise)."""
    if value is None or pd.isna(value):
        return None
    return float(f"{float(value):.12g}")


def _formula_doc(ind: Any) -> dict[str, Any] | None:
    """The formula as published: enough to recompute the value from the published datasets alone."""
    f = ind.formula
    if f is None:
        return None
    b = ind.bounds
    return {
        "kind": f.kind,
        "numerator": list(f.numerator),
        "denominator": list(f.denominator),
        "multiplier": f.multiplier,
        "valid_range": {"min": b.min, "max": b.max},
        "text": {
            "ratio": "sum(numerator) / sum(denominator) * multiplier",
            "value": "sum(numerator) * multiplier",
            "change": "(sum(numerator)[year] / sum(numerator)[year - 1] - 1) * multiplier",
        }[f.kind],
    }


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
    if reg is None and (territory is None or catalogue is None or res is None):
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
        inputs = [] if ind.formula is None or reg is None else ind.formula.variables
        breaks = sorted({b.year for v in inputs if v in reg.variables for b in reg.variables[v].breaks})
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
                "formula": _formula_doc(ind),
                # the years a new series of an input starts (e.g. the 2021 census): no comparison across them
                "series_breaks": breaks,
            },
            "data": [
                {"year": int(r.year), "value": json_number(r.value), "status": str(r.status)}
                | ({"series_break": True} if int(r.year) in breaks else {})
                for r in rows.itertuples()
            ],
        }
        paths.append(write_json(out_dir / f"{ind.id}.json", doc))
    return paths
