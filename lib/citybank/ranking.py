"""Where a gmina stands among all gminas of its class — one vectorised computation over every gmina of Poland.

Inputs: the national GUS BDL exports declared in ``params/national.yml`` (real official statistics, also when the
city-office data are the bundled synthetic sample). Every export is read once (``ingest.bdl``, numpy melt), the
variables are pivoted into one (gmina, year) × variable matrix, the derived measures (sums, ratios) and the ISO
37120 indicators whose inputs the exports hold (``indicators.compute`` over all gminas, no provenance) are added
as columns, and the matrix is stacked into one long frame of (measure, gmina, year, value).

Classes: a gmina's **kind** comes from its TERC code — the 7th digit (1 urban, 2 rural, 3 urban-rural; 4 and 5
are the town and the rural area of an urban-rural gmina, 8 and 9 districts of Warsaw: not gminas of their own, so
never ranked) and the powiat number (61 and above: a city with powiat rights). Its **size band** is the band of
``classes.size_bands`` its population falls in the same year. Two comparison groups per measure and year: the kind
(``group = "class"``) and the kind within the size band (``group = "class_band"``).

Per group, with pandas' grouped (cythonised) rank and quantile — no loop over gminas:

* ``rank``: 1 = the highest value; ties share the best rank (``method="min"``);
* ``percentile``: the share of the group (in %) whose value is at or below the gmina's (``rank(method="max",
  pct=True)``), so the highest value has 100;
* ``n``: the gminas of the group with a value; ``q1``, ``median``, ``q3``: the group's quartiles (linear
  interpolation, pandas' default).

``compute`` is pure (frames in, frame out); ``compute_all`` reads the exports and writes
``data/results/ranking.parquet``; ``results`` reads it (computing it first when absent or stale).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import UserError
from .indicators import compute as compute_indicators
from .indicators import load_catalogue
from .ingest.bdl import read_bdl_ctab
from .params import Registry, registry
from .params.iso37120 import Catalogue
from .params.national import Export, National, fetched_name, load_national
from .paths import PATHS, Paths
from .util import atomic_path, sha256_file

KINDS = ("city_powiat", "urban", "rural", "urban_rural")
"""The classes of gminas, in the order pages list them (words: i18n ``ranking.class.<kind>``)."""

GROUPS = ("class", "class_band")
ISO_PREFIX = "iso:"
"""Measure ids of ISO 37120 indicators: ``iso:<clause>``."""

COLUMNS = [
    "measure",
    "group",
    "class",
    "band",
    "territory",
    "name",
    "year",
    "value",
    "rank",
    "n",
    "percentile",
    "q1",
    "median",
    "q3",
]


# ---------------------------------------------------------------------------------------------- inputs


def gmina_kind(codes: pd.Series | np.ndarray) -> np.ndarray:
    """The class of each 7-digit code: 'city_powiat', 'urban', 'rural', 'urban_rural' or '' (not a gmina).

    >>> gmina_kind(pd.Series(["2474011", "0201011", "0201022", "0201043", "0201044", "1465011", "2474000"])).tolist()
    ['city_powiat', 'urban', 'rural', 'urban_rural', '', 'city_powiat', '']
    """
    c = pd.Series(np.asarray(codes), dtype="str")
    seven = c.str.fullmatch(r"\d{7}").to_numpy(dtype=bool)
    kind = np.where(seven, c.str[6].to_numpy(dtype=object), "")
    powiat = pd.to_numeric(c.str[2:4].where(seven, "0")).to_numpy()
    return np.select(
        [(kind == "1") & (powiat >= 61), kind == "1", kind == "2", kind == "3"],
        ["city_powiat", "urban", "rural", "urban_rural"],
        default="",
    ).astype(object)


def band_labels(bands: list[int]) -> list[str]:
    """'0–4999', '5000–9999', …, '200000+' for lower bounds [0, 5000, …, 200000]."""
    return [f"{lo}–{hi - 1}" for lo, hi in zip(bands, bands[1:], strict=False)] + [f"{bands[-1]}+"]


def export_path(nat: National, file: str, paths: Paths = PATHS) -> Path:
    """The first of ``folders`` (relative to the root) that holds ``file``; a UserError naming them when none does."""
    tried = []
    for folder in nat.folders:
        p = (paths.root / folder / file).resolve()
        if p.is_file():
            return p
        tried.append(str(p.parent))
    raise UserError(
        f"national export {file} not found in {', '.join(tried)} (params/national.yml, folders); "
        "the workbench ships the GUS exports in data/raw/national/ — restore them from the repository (git checkout "
        "-- data/raw/national), or fetch them from the BDL API: citybank fetch-bdl --national"
    )


def export_file(nat: National, export: Export, paths: Paths = PATHS) -> Path:
    """The file export ``export`` is read from: the one ``fetch-bdl --national`` wrote (``bdl-api_<id>.csv``), when
    a folder holds it, else the shipped export ``export.file`` (see ``export_path``)."""
    for folder in nat.folders:
        p = (paths.root / folder / fetched_name(export.id)).resolve()
        if p.is_file():
            return p
    return export_path(nat, export.file, paths)


def national_frame(nat: National, paths: Paths = PATHS) -> pd.DataFrame:
    """Every export's gmina rows mapped to variables: ``variable, territory, name, year, value`` (no sums yet)."""
    parts = []
    for e in nat.exports:
        df = read_bdl_ctab(export_file(nat, e, paths))
        mapping = {c.source: c.variable for c in e.columns}
        df = df[(df["level"] == "gmina").to_numpy() & df["variable"].isin(list(mapping)).to_numpy()]
        parts.append(
            pd.DataFrame(
                {
                    "variable": df["variable"].map(mapping).astype("str"),
                    "territory": df["code"],
                    "name": df["name"].str.replace(r"\s*\(\d\)$", "", regex=True),
                    "year": df["year"],
                    "value": df["value"],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------------------------- compute


def _measures(frame: pd.DataFrame, nat: National, catalogue: Catalogue | None) -> pd.DataFrame:
    """The (territory, year) × measure matrix: the exports' variables, the derived measures, the ISO indicators."""
    m = frame.pivot_table(index=["territory", "year"], columns="variable", values="value", aggfunc="first")
    m.columns = m.columns.astype("str")
    for d in nat.derived:
        num = m.reindex(columns=d.numerator)
        num_sum = num.sum(axis=1, min_count=len(d.numerator))  # a sum only when every part is there
        if d.kind == "sum":
            m[d.id] = num_sum
        else:
            den = m.reindex(columns=d.denominator).sum(axis=1, min_count=len(d.denominator))
            m[d.id] = (num_sum / den.where(den != 0)) * d.multiplier
    if catalogue is not None:
        have = set(m.columns)
        usable = [i for i in catalogue.indicators if i.formula and set(i.formula.variables) <= have]
        if usable:
            long = m.reset_index().melt(id_vars=["territory", "year"], var_name="variable", value_name="value")
            long = long[long["value"].notna()]
            sub = catalogue.model_copy(update={"indicators": usable})
            res = compute_indicators(long, sub, provenance=False)
            res = res[res["status"] == "reported"]
            iso = res.pivot(index=["territory", "year"], columns="id", values="value")
            iso.columns = [f"{ISO_PREFIX}{c}" for c in iso.columns]
            m = m.join(iso, how="left")
    return m


def compute(
    frame: pd.DataFrame,
    nat: National,
    catalogue: Catalogue | None = None,
    *,
    territories: list[str] | None = None,
) -> pd.DataFrame:
    """Rank, percentile, class size and quartiles of every measure for every gmina and year (``COLUMNS``).

    ``frame``: ``national_frame``'s rows. ``territories``: keep only these gminas' rows in the result (the group
    statistics are still those of every member of their class).
    """
    names = frame.drop_duplicates("territory", keep="last").set_index("territory")["name"]
    m = _measures(frame, nat, catalogue)
    idx = m.index
    kind = pd.Series(gmina_kind(idx.get_level_values("territory")), index=idx)
    m = m[(kind != "").to_numpy()]
    kind = kind[kind != ""]
    size = m[nat.classes.size_variable]
    bounds = nat.classes.size_bands
    labels = band_labels(bounds)
    band_no = np.searchsorted(np.asarray(bounds, dtype="float64"), size.to_numpy(dtype="float64"), side="right") - 1
    band = pd.Series(np.where(size.notna(), np.array(labels, dtype=object)[band_no.clip(0)], ""), index=m.index)

    long = m.stack(future_stack=True).rename("value").reset_index()
    long = long.rename(columns={long.columns[2]: "measure"})
    long = long[long["value"].notna() & np.isfinite(long["value"].to_numpy(dtype="float64"))]
    key = pd.MultiIndex.from_arrays([long["territory"], long["year"]])
    long["class"] = kind.reindex(key).to_numpy()
    long["band"] = band.reindex(key).to_numpy()
    out = []
    for group in GROUPS:
        part = long if group == "class" else long[long["band"] != ""]
        part = part.assign(group=group)
        if group == "class":
            part = part.assign(band="")
        keys = ["measure", "year", "class", "band"]
        g = part.groupby(keys, sort=False, observed=True)["value"]
        part = part.assign(
            rank=g.rank(ascending=False, method="min").astype("int64"),
            n=g.transform("size").astype("int64"),
            percentile=g.rank(method="max", pct=True) * 100,
            q1=g.transform("quantile", 0.25),
            median=g.transform("median"),
            q3=g.transform("quantile", 0.75),
        )
        if territories is not None:
            part = part[part["territory"].isin(territories)]
        out.append(part)
    res = pd.concat(out, ignore_index=True)
    res["name"] = res["territory"].map(names).fillna("").astype("str")
    res = res[COLUMNS].astype({"measure": "str", "group": "str", "class": "str", "band": "str", "territory": "str"})
    return res.sort_values(["measure", "group", "territory", "year"], kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------- result file


@dataclass(frozen=True)
class Ranking:
    """The result file's rows and where its numbers came from (named on the pages)."""

    rows: pd.DataFrame
    exports: list[tuple[str, str]]  # (BDL table, years) of each export read
    missing: str = ""  # why there is no ranking (exports absent), in the analyst's words (English)


def _key(nat: National, paths: Paths) -> str:
    h = hashlib.sha256()
    h.update(nat.model_dump_json().encode())
    h.update(Path(__file__).read_bytes())
    for e in nat.exports:
        path = export_file(nat, e, paths)
        h.update(path.name.encode())
        h.update(sha256_file(path).encode())
    return h.hexdigest()


def compute_all(reg: Registry | None = None, out: Path | None = None, *, paths: Paths | None = None) -> Path | None:
    """Rank every gmina and write ``data/results/ranking.parquet``; None when params/national.yml is absent.

    Raises a UserError naming the folders when an export is not found.
    """
    reg = reg or registry()
    nat = load_national(reg)
    if nat is None:
        return None
    paths = paths or PATHS
    path = out or paths.result("ranking")
    key = _key(nat, paths)
    if path.exists() and (pq.read_schema(path).metadata or {}).get(b"citybank_inputs") == key.encode():
        return path
    res = compute(national_frame(nat, paths), nat, load_catalogue(reg))
    table = pa.Table.from_pandas(res, preserve_index=False)
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"citybank_inputs": key.encode()})
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")
    return path


def results(territory: str | None = None, *, reg: Registry | None = None, paths: Paths | None = None) -> Ranking:
    """The ranking (one gmina's rows when ``territory`` is given), computed first when absent or stale.

    Never raises for absent exports: the ``Ranking`` then has no rows and says why in ``missing``.
    """
    reg = reg or registry()
    nat = load_national(reg)
    if nat is None:
        return Ranking(pd.DataFrame(columns=COLUMNS), [], "params/national.yml is absent")
    exports = [(e.table, e.years) for e in nat.exports]
    try:
        path = compute_all(reg, paths=paths)
    except UserError as exc:
        return Ranking(pd.DataFrame(columns=COLUMNS), exports, str(exc))
    filters = [("territory", "==", territory)] if territory is not None else None
    rows = pd.read_parquet(path, filters=filters)
    return Ranking(rows.reset_index(drop=True), exports)
