"""The data bank: every dataset read, validated and stored as one tidy long table with provenance.

Outputs (under a workbench root, ``PATHS`` by default)::

    data/bank/bank.parquet          BANK_COLUMNS, rows sorted → byte-identical for the same inputs
    data/bank/bank.duckdb           tables bank, datasets (the catalogue), quarantine; views cat_<category>
    data/quality/<Y>/quarantine.csv rejected rows of data year Y and file-level problems (QUARANTINE_COLUMNS)
    data/bank/findings.csv          the data-quality detectors' findings, every year (FINDING_COLUMNS): verdicts
                                    "to be confirmed" — the values stay in the bank, nothing is quarantined
    data/quality/<Y>/findings.csv   the findings of the years up to Y
    reports/<Y>/qa/quality.md|json  per dataset: rows read/accepted/rejected, problems, findings, freshness
    build/ingest.json               the cache key (hashes of raw files, params, code) and the run summary

A dataset that cannot be read is listed as failed with its error; the others still load.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .claims import finding_sentence
from .errors import UserError
from .i18n import check_label
from .ingest import ingest_dataset
from .ingest.common import level_of
from .ingest.detectors import FINDING_COLUMNS, detect, empty_findings
from .ingest.validate import empty_quarantine
from .narrative import change_decimals, count_phrase, fmt_change, fmt_number, fmt_points
from .params import Registry, expand_files, registry
from .params.quality import load_detectors
from .paths import PATHS, Paths, get_paths
from .safety import safe_frame
from .schema import BANK_COLUMNS, QUARANTINE_COLUMNS
from .util import atomic_path, progress_bar, sha256_file, write_json, write_text_atomic

CODE_FILES = ["bank.py", "schema.py", "rawdata.py", "params/core.py", "params/quality.py", "claims.py", "ingest/*.py"]
"""The code the bank depends on (globs under lib/citybank): a change to it rebuilds the bank."""
SORT = ["variable", "territory", "year", "dataset", "source_file", "source_row"]
# How old the last data year may be, by declared frequency, before a dataset counts as overdue.
MAX_AGE = {"monthly": 0, "quarterly": 0, "annual": 0, "irregular": 4}


@dataclass
class BankResult:
    """What ``build_bank`` did."""

    bank: pd.DataFrame  # BANK_COLUMNS
    quarantine: pd.DataFrame  # QUARANTINE_COLUMNS + year
    summary: dict[str, dict[str, Any]]  # per dataset: counts, problems, files, error
    failures: dict[str, str] = field(default_factory=dict)  # dataset id → error
    cached: bool = False
    findings: pd.DataFrame = field(default_factory=empty_findings)  # FINDING_COLUMNS, every year
    written: list[Path] = field(default_factory=list)


def _paths(out: str | Path | Paths | None) -> Paths:
    if isinstance(out, Paths):
        return out
    return get_paths(out) if out else PATHS


def _cache_key(reg: Registry, raw: Path) -> dict[str, Any]:
    files = {}
    for ds in reg.datasets.values():
        for rel, _ in expand_files(ds):
            p = raw / rel
            files[rel] = sha256_file(p) if p.is_file() else None
    params = {str(p.relative_to(reg.root)): sha256_file(p) for p in sorted(reg.root.rglob("*.yml"))}
    here = Path(__file__).parent
    code = {str(p.relative_to(here)): sha256_file(p) for c in CODE_FILES for p in sorted(here.glob(c))}
    return {"raw": files, "params": params, "code": code, "raw_root": str(raw.resolve())}


def _provenance(rows: pd.DataFrame, files: dict[str, str], ds_id: str, provider: str, reg: Registry) -> pd.DataFrame:
    names = reg.city.territory_names
    out = pd.DataFrame(
        {
            "variable": rows["variable"],
            "territory": rows["territory"],
            "territory_name": rows["territory"].map(lambda c: names.get(c, c)),
            "level": rows["territory"].map(level_of),
            "year": rows["year"],
            "value": rows["value"],
            "unit": rows["variable"].map(lambda v: reg.variables[v].unit),
            "flag": rows["flag"],
            "dataset": ds_id,
            "provider": provider,
            "source_file": rows["source_file"],
            "source_row": rows["source_row"],
            "source_sha256": rows["source_file"].map(files),
        }
    )
    return pd.concat([out, city_from_districts(out, reg), sums_of_parts(out, reg)], ignore_index=True)


SUM_OF_DISTRICTS = "sum of districts"
SUM_OF_PARTS = "sum of parts"


def sums_of_parts(rows: pd.DataFrame, reg: Registry) -> pd.DataFrame:
    """Rows of a catalogued variable that ``params/national.yml`` derives as a sum of other variables (the total
    population = pre-working + working + post-working age) and that no dataset provides, when its ``bank_sums`` is
    true — a gmina workspace of ``citybank new-city`` has the national exports only. Per territory and year, only when every part has a value
    in this dataset's rows; flag ``sum of parts``, ``source_row`` 0, the parts' file as source."""
    data = reg.extra.get("national")
    derived = data.get("derived") if isinstance(data, dict) and data.get("bank_sums") is True else None
    if not derived:
        return rows.iloc[0:0]
    provided = {v for d in reg.datasets.values() for v in d.variables}
    out = []
    for d in derived:
        if not isinstance(d, dict) or d.get("kind") != "sum":
            continue
        target, parts = d.get("id"), list(d.get("numerator") or [])
        if target not in reg.variables or target in provided or not parts or not set(parts) <= set(rows["variable"]):
            continue
        part = rows[rows["variable"].isin(parts)]
        agg = (
            part.groupby(["territory", "year"], sort=True)
            .agg(
                value=("value", "sum"),
                n=("variable", "nunique"),
                territory_name=("territory_name", "first"),
                level=("level", "first"),
                dataset=("dataset", "first"),
                provider=("provider", "first"),
                source_file=("source_file", "first"),
                source_sha256=("source_sha256", "first"),
            )
            .reset_index()
        )
        agg = agg[agg["n"] == len(parts)].drop(columns="n")
        if len(agg):
            unit = reg.variables[target].unit
            out.append(agg.assign(variable=target, unit=unit, flag=SUM_OF_PARTS, source_row=0)[list(rows.columns)])
    return pd.concat(out, ignore_index=True) if out else rows.iloc[0:0]


def city_from_districts(rows: pd.DataFrame, reg: Registry) -> pd.DataFrame:
    """City rows derived from district rows: for additive variables, the city value is the sum of the
    districts, in years where the file gave no city row and EVERY district has a value (a partial sum would
    understate the city, so then the city value stays missing). Derived rows carry the flag
    ``sum of districts`` and ``source_row`` 0; their source file is the district rows' file."""
    city, districts = reg.city.terc, {d.code for d in reg.city.districts}
    additive = {v for v, var in reg.variables.items() if var.additive}
    part = rows[rows["territory"].isin(districts) & rows["variable"].isin(additive)]
    if part.empty:
        return rows.iloc[0:0]
    given = rows.loc[rows["territory"] == city, ["variable", "year"]].drop_duplicates()
    agg = (
        part.groupby(["variable", "year"], sort=True)
        .agg(
            value=("value", "sum"),
            n=("territory", "nunique"),
            unit=("unit", "first"),
            dataset=("dataset", "first"),
            provider=("provider", "first"),
            source_file=("source_file", "first"),
            source_sha256=("source_sha256", "first"),
        )
        .reset_index()
    )
    agg = agg[agg["n"] == len(districts)].drop(columns="n")
    agg = agg.merge(given, on=["variable", "year"], how="left", indicator=True)
    agg = agg[agg["_merge"] == "left_only"].drop(columns="_merge")
    if agg.empty:
        return rows.iloc[0:0]
    return agg.assign(territory=city, territory_name=reg.city.name, level="gmina", flag=SUM_OF_DISTRICTS, source_row=0)[
        list(rows.columns)
    ]


PROVENANCE = ("dataset", "provider", "source_file", "source_row")
"""The columns that say where a value came from (with ``flag``: how it was derived)."""


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


def year_series(bank: pd.DataFrame, variable: str | list[str], territory: str) -> pd.DataFrame:
    """A variable (or the sum of several) of one territory by year: ``value`` + provenance, indexed by year.

    The bank holds one row per (variable, territory, year) — a variable comes from one dataset. Should a
    duplicate slip in, the first in (dataset, source_file, source_row) order is kept, deterministically.
    A sum (a list of variables) has a value in the years where every part has one. Nothing is summed from
    districts here: the bank derives a city value from its districts in one place (:func:`city_from_districts`),
    and only when every district has a value.
    """
    if not isinstance(variable, str):
        return _combine([year_series(bank, v, territory) for v in variable])
    rows = bank[(bank["variable"] == variable) & (bank["territory"] == territory)]
    rows = rows.sort_values(["year", "dataset", "source_file", "source_row"], kind="mergesort")
    rows = rows.drop_duplicates("year", keep="first")
    out = rows[["year", "value", *PROVENANCE]].set_index("year")
    return out[out["value"].notna()]


@dataclass(frozen=True)
class MissingValue:
    """Why the bank has no value: the districts without one (for a city total of an additive variable, which is
    then not derived: a partial sum would understate it) and the quarantined rows of the variable's dataset."""

    districts_with_value: int = 0
    districts_total: int = 0
    districts_missing: tuple[tuple[str, str], ...] = ()  # (code, name)
    quarantined: tuple[tuple[str, str, int, str], ...] = ()  # (dataset, source file, row, reason)

    def __str__(self) -> str:
        parts = []
        if self.districts_missing:
            missing = ", ".join(f"{name} ({code})" for code, name in self.districts_missing)
            parts.append(
                f"no city total: {self.districts_with_value} of {self.districts_total} districts have a value, "
                f"{missing} has none (the sum of the others would be a partial total)"
            )
        parts += [f"row {row} of {file} quarantined ({reason})" for _, file, row, reason in self.quarantined]
        return "; ".join(parts) or "no value in the bank"


def missing_value(
    bank: pd.DataFrame, quarantine: pd.DataFrame, reg: Registry, variable: str, territory: str, year: int
) -> MissingValue:
    """Why the bank has no value of ``variable`` for ``territory`` in ``year`` (see :class:`MissingValue`)."""
    out: dict[str, Any] = {}
    var = reg.variables.get(variable)
    if territory == reg.city.terc and var is not None and var.additive:
        rows = bank[(bank["variable"] == variable) & (bank["year"] == int(year)) & bank["value"].notna()]
        have = set(rows["territory"])
        districts = reg.city.districts
        present = [d for d in districts if d.code in have]
        if present and len(present) < len(districts):
            out.update(
                districts_with_value=len(present),
                districts_total=len(districts),
                districts_missing=tuple((d.code, d.name) for d in districts if d.code not in have),
            )
    datasets = {ds.id for ds in reg.datasets.values() if variable in ds.variables}
    q = quarantine[quarantine["dataset"].isin(datasets) & quarantine["source_row"].notna()]
    q = q[q["year"].astype("Int64") == int(year)]
    out["quarantined"] = tuple((r.dataset, r.source_file, int(r.source_row), r.reason) for r in q.itertuples())
    return MissingValue(**out)


def missing_value_reason(
    bank: pd.DataFrame, quarantine: pd.DataFrame, reg: Registry, variable: str, territory: str, year: int
) -> str:
    """:func:`missing_value` in the data team's words (English), as the results files record it."""
    return str(missing_value(bank, quarantine, reg, variable, territory, year))


def empty_bank() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="str" if t == "string" else t) for c, t in BANK_COLUMNS.items()})


def _typed(bank: pd.DataFrame) -> pd.DataFrame:
    if bank.empty:
        return empty_bank()
    bank = bank.astype({c: ("str" if t == "string" else t) for c, t in BANK_COLUMNS.items()})
    return bank.sort_values(SORT, kind="stable").reset_index(drop=True)[list(BANK_COLUMNS)]


def build_bank(
    reg: Registry | None = None,
    raw: str | Path | None = None,
    out: str | Path | Paths | None = None,
    *,
    years: list[int] | None = None,
    force: bool = False,
    progress: bool = False,
) -> BankResult:
    """Ingest every dataset of ``reg`` from ``raw`` (default data/raw) and write the bank, the quarantine and
    the QA reports under the root ``out`` (default: the workbench). ``years``: the reporting years whose
    quarantine and QA report to write (default: every params/years file). Skips the work when raw files,
    params and code are unchanged since the last run (``force`` to rebuild)."""
    reg = reg or registry()
    paths = _paths(out)
    raw = Path(raw) if raw else paths.raw
    years = sorted(years or reg.years)
    key = _cache_key(reg, raw)
    state_file = paths.build / "ingest.json"
    outputs = [paths.bank / "bank.parquet", paths.bank / "bank.duckdb", paths.bank / "findings.csv"] + [
        p
        for y in years
        for p in (
            paths.quality / str(y) / "quarantine.csv",
            paths.quality / str(y) / "findings.csv",
            paths.year_report(y) / "qa" / "quality.json",
        )
    ]
    state = _trusted_state(state_file, outputs) if not force else None
    if state is not None and state.get("key") == key:
        bank = pd.read_parquet(outputs[0])
        summary = state["summary"]
        failures = {k: v["error"] for k, v in summary.items() if v.get("error")}
        quarantine = _read_quarantine(paths.bank / "bank.duckdb")
        return BankResult(bank, quarantine, summary, failures, cached=True, findings=_read_findings(outputs[2]))

    parts, rejected, notes, summary, failures, found = [], [], [], {}, {}, []
    detectors = load_detectors(reg)
    datasets = sorted(reg.datasets.values(), key=lambda d: d.id)
    bar = datasets
    if progress:
        bar = progress_bar(datasets, desc="ingest", unit="dataset", leave=False)
    for ds in bar:
        if progress:
            bar.set_postfix_str(ds.id, refresh=False)
        got = ingest_dataset(ds, reg, raw)
        info: dict[str, Any] = {
            "title": ds.title.en,
            "provider": ds.provider,
            "category": ds.category,
            "format": ds.source.format,
            "frequency": ds.frequency,
            "files": dict(sorted(got.files.items())),
            "error": got.error,
            "rows_read": got.rows_read,
            "rows_dropped_other_units": got.dropped,
        }
        if got.error:
            failures[ds.id] = got.error
            info.update(rows_accepted=0, rows_rejected=0, missing_cells=0, problems={}, data_years={})
        else:
            v = got.validation
            assert v is not None
            rows = _provenance(v.accepted, got.files, ds.id, ds.provider, reg)
            parts.append(rows)
            found.append(detect(ds.id, rows, reg, detectors))
            rejected.append(v.rejected)
            notes.append(v.notes)
            problems = v.problems["check"].value_counts().sort_index()
            info.update(
                rows_accepted=len(v.accepted),
                rows_rejected=len(v.rejected),
                missing_cells=v.missing,
                problems={k: int(n) for k, n in problems.items()},
                rejected_by_year={
                    str(int(y)): int(n) for y, n in v.rejected["year"].dropna().value_counts().sort_index().items()
                },
                data_years=_data_years(v.accepted),
            )
        summary[ds.id] = info
    bank = _typed(pd.concat(parts, ignore_index=True)) if parts else empty_bank()
    all_q = [q for q in rejected + notes if not q.empty]
    quarantine = pd.concat(all_q, ignore_index=True) if all_q else empty_quarantine()
    quarantine = quarantine.sort_values(
        ["dataset", "source_file", "source_row", "column", "check"], kind="stable", na_position="first"
    ).reset_index(drop=True)

    found = [f for f in found if not f.empty]
    findings = pd.concat(found, ignore_index=True) if found else empty_findings()
    findings = findings.sort_values(["dataset", "year", "variable", "check"], kind="mergesort").reset_index(drop=True)

    written = _write_bank(paths, bank, quarantine, reg, findings)
    for y in years:
        written += _write_year(paths, y, bank, quarantine, summary, reg, findings)
    hashes = {p.relative_to(paths.root).as_posix(): sha256_file(p) for p in outputs}
    write_json(state_file, {"key": key, "summary": summary, "outputs": hashes})
    return BankResult(bank, quarantine, summary, failures, cached=False, written=written, findings=findings)


def _write_findings(path: Path, findings: pd.DataFrame) -> Path:
    with atomic_path(path) as tmp:
        safe_frame(findings[FINDING_COLUMNS]).to_csv(
            tmp, index=False, encoding="utf-8", lineterminator="\n", float_format="%.10g"
        )
    return path


def _read_findings(path: Path) -> pd.DataFrame:
    if not path.is_file():
        return empty_findings()
    df = pd.read_csv(
        path,
        dtype={"territories": str, "variable": str},
        keep_default_na=False,
        na_values={c: [""] for c in ("value", "reference", "change")},
    )
    if df.empty:
        return empty_findings()
    return df.astype({"year": "int64", "value": "float64", "reference": "float64", "change": "float64"})[
        FINDING_COLUMNS
    ]


def _trusted_state(state_file: Path, outputs: list[Path]) -> dict | None:
    """The last run's state when it can be trusted: readable, and every output present with the sha256 it had when
    written. A state file or an output cut short, edited or damaged (a crash, a full disk) is never trusted: the
    bank is built again."""
    if not state_file.is_file() or not all(p.is_file() for p in outputs):
        return None
    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError, OSError):
        return None
    recorded = state.get("outputs") if isinstance(state, dict) else None
    if not isinstance(recorded, dict) or not isinstance(state.get("summary"), dict):
        return None
    root = state_file.parent.parent
    for p in outputs:
        rel = p.relative_to(root).as_posix() if p.is_relative_to(root) else str(p)
        if recorded.get(rel) != sha256_file(p):
            return None
    return state


def _data_years(accepted: pd.DataFrame) -> dict[str, int]:
    if accepted.empty:
        return {}
    return {"first": int(accepted["year"].min()), "last": int(accepted["year"].max())}


def _write_bank(
    paths: Paths, bank: pd.DataFrame, quarantine: pd.DataFrame, reg: Registry, findings: pd.DataFrame
) -> list[Path]:
    import duckdb

    target = paths.bank / "bank.parquet"
    with atomic_path(target) as tmp:
        bank.to_parquet(tmp, index=False, compression="zstd")
    db = paths.bank / "bank.duckdb"
    catalogue = pd.DataFrame(
        [
            {
                "id": d.id,
                "title_pl": d.title.pl,
                "title_en": d.title.en,
                "title_de": d.title.de,
                "category": d.category,
                "provider": d.provider,
                "frequency": d.frequency,
                "openness": d.openness,
                "licence": d.licence,
                "first_year": d.first_year,
                "last_year": d.last_year,
                "format": d.source.format,
                "files": ", ".join(d.source.files),
                "variables": ", ".join(d.variables),
            }
            for d in sorted(reg.datasets.values(), key=lambda d: d.id)
        ]
    )
    with atomic_path(db) as tmp:
        tmp.unlink()  # duckdb creates the file itself
        con = duckdb.connect(str(tmp))
        try:
            tables = (("bank", bank), ("datasets", catalogue), ("quarantine", quarantine), ("findings", findings))
            for name, frame in tables:
                con.register("frame_in", frame)
                con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame_in")
                con.unregister("frame_in")
            for slug in sorted(reg.categories):
                view = "cat_" + slug.replace("-", "_")
                con.execute(
                    f"CREATE VIEW {view} AS SELECT b.* FROM bank b JOIN datasets d ON b.dataset = d.id "
                    f"WHERE d.category = '{slug}'"
                )
            con.execute("CHECKPOINT")
        finally:
            con.close()
        wal = Path(str(tmp) + ".wal")
        if wal.exists():
            wal.unlink()
    return [target, db, _write_findings(paths.bank / "findings.csv", findings)]


def _read_quarantine(db: Path) -> pd.DataFrame:
    """The quarantine table of a bank file (rejected rows and file-level problems, with their reasons)."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * FROM quarantine").df()
    finally:
        con.close()


def freshness(info: dict[str, Any], frequency: str, year: int) -> dict[str, Any]:
    """Last data year against the declared frequency: overdue when older than the report year allows."""
    last = (info.get("data_years") or {}).get("last")
    age = MAX_AGE.get(frequency)
    expected = None if age is None else year - age
    overdue = bool(expected is not None and (last is None or last < expected))
    return {"last_data_year": last, "expected_last_year": expected, "overdue": overdue}


def _write_year(
    paths: Paths,
    year: int,
    bank: pd.DataFrame,
    quarantine: pd.DataFrame,
    summary: dict[str, dict[str, Any]],
    reg: Registry,
    findings: pd.DataFrame,
) -> list[Path]:
    q = quarantine[quarantine["year"].isna() | quarantine["year"].eq(year)]
    qfile = paths.quality / str(year) / "quarantine.csv"
    with atomic_path(qfile) as tmp:
        safe_frame(q[QUARANTINE_COLUMNS]).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
    series = findings[findings["year"] <= year]
    ffile = _write_findings(paths.quality / str(year) / "findings.csv", series)
    datasets = {}
    for ds_id, info in sorted(summary.items()):
        ds = reg.datasets[ds_id]
        entry = {k: v for k, v in info.items() if k not in ("files",)}
        entry["files"] = sorted(info["files"])
        mine = series[series["dataset"] == ds_id]
        entry["findings"] = [
            {
                "year": int(f.year),
                "check": f.check,
                "variable": f.variable,
                "territories": f.territories,
                "scope": f.scope,
                "change": None if pd.isna(f.change) else round(float(f.change), 6),
                "verdict": f.verdict,
                "reason": f.reason,
            }
            for f in mine.itertuples()
        ]
        entry["status"] = (
            "failed"
            if info.get("error")
            else "problems"
            if info.get("problems")
            else "to_confirm"
            if (mine["year"] == year).any()
            else "ok"
        )
        entry["rows_rejected_in_year"] = (info.get("rejected_by_year") or {}).get(str(year), 0)
        entry["values_in_year"] = int(((bank["dataset"] == ds_id) & (bank["year"] == year)).sum())
        entry["freshness"] = freshness(info, ds.frequency, year)
        datasets[ds_id] = entry
    checks = quarantine["check"].value_counts().sort_index()
    report = {
        "year": year,
        "values_in_bank": len(bank),
        "values_in_year": int((bank["year"] == year).sum()),
        "datasets_total": len(datasets),
        "datasets_failed": sorted(k for k, v in datasets.items() if v["status"] == "failed"),
        "datasets_overdue": sorted(k for k, v in datasets.items() if v["freshness"]["overdue"]),
        "datasets_to_confirm": sorted(k for k, v in datasets.items() if any(f["year"] == year for f in v["findings"])),
        "findings_in_year": {
            k: int(n) for k, n in series[series["year"] == year]["check"].value_counts().sort_index().items()
        },
        "findings_in_series": len(series),
        "problems_by_check": {k: int(n) for k, n in checks.items()},
        "rows_quarantined": int(quarantine["source_row"].notna().sum()),
        "datasets": datasets,
    }
    qa = paths.year_report(year) / "qa"
    write_json(qa / "quality.json", report)
    write_text_atomic(qa / "quality.md", quality_markdown(report, reg))
    return [qfile, ffile, qa / "quality.json", qa / "quality.md"]


QA_TEXT = {
    "title": {"pl": "Raport jakości danych {y}", "en": "Data quality report {y}", "de": "Datenqualitätsbericht {y}"},
    "values": {
        "pl": "{n} wartości w banku danych, w tym {m} za {y} r.",
        "en": "{n} values in the bank, {m} of them for {y}.",
        "de": "{n} Werte in der Datenbank, davon {m} für {y}.",
    },
    "datasets": {"pl": "{n}; nieudane: {f}.", "en": "{n}; failed: {f}.", "de": "{n}; fehlgeschlagen: {f}."},
    "overdue": {
        "pl": "po terminie aktualizacji (brak danych za okres, który obiecuje częstotliwość): {f}.",
        "en": "overdue (no data for the period their frequency promises): {f}.",
        "de": "überfällig (keine Daten für den Zeitraum, den die Häufigkeit verspricht): {f}.",
    },
    "quarantine": {
        "pl": "{n} w kwarantannie (zob. data/quality/{y}/quarantine.csv).",
        "en": "{n} quarantined (see data/quality/{y}/quarantine.csv).",
        "de": "{n} in Quarantäne (siehe data/quality/{y}/quarantine.csv).",
    },
    "none": {"pl": "brak", "en": "none", "de": "keine"},
    "header": {
        "pl": "zbiór | stan | odczytane | przyjęte | odrzucone | inne jednostki | ostatni rok danych | po terminie | problemy",
        "en": "dataset | status | read | accepted | rejected | other units | last data year | overdue | problems",
        "de": "Datensatz | Status | gelesen | übernommen | abgelehnt | andere Einheiten | letztes Datenjahr | überfällig | Probleme",
    },
    "failed": {
        "pl": "Zbiory, których nie udało się wczytać",
        "en": "Failed datasets",
        "de": "Datensätze, die nicht gelesen werden konnten",
    },
    "yes": {"pl": "tak", "en": "yes", "de": "ja"},
    "no": {"pl": "nie", "en": "no", "de": "nein"},
    "to_confirm": {
        "pl": "Do potwierdzenia przez dostawców",
        "en": "To be confirmed by the providers",
        "de": "Von den Datenlieferanten zu bestätigen",
    },
    "to_confirm_intro": {
        "pl": "Kontrole szeregów (params/quality.yml) wskazały wartości, które mogą być błędem dostawcy. Pozostają w "
        "banku danych i w raporcie, oznaczone na wykresach, dopóki dostawca ich nie potwierdzi lub nie poprawi.",
        "en": "The series checks (params/quality.yml) found values that may be a provider's error. They stay in the "
        "bank and in the report, marked on the charts, until the provider confirms or corrects them.",
        "de": "Die Prüfungen der Zeitreihen (params/quality.yml) haben Werte gefunden, die ein Fehler des "
        "Datenlieferanten sein können. Sie bleiben in der Datenbank und im Bericht, in den Diagrammen "
        "markiert, bis der Datenlieferant sie bestätigt oder korrigiert.",
    },
    "status_ok": {"pl": "ok", "en": "ok", "de": "ok"},
    "status_problems": {"pl": "problemy", "en": "problems", "de": "Probleme"},
    "status_failed": {"pl": "nieudany", "en": "failed", "de": "fehlgeschlagen"},
    "status_to_confirm": {"pl": "do potwierdzenia", "en": "to be confirmed", "de": "zu bestätigen"},
}


def quality_markdown(report: dict[str, Any], reg: Registry, lang: str = "en") -> str:
    """The QA report in the analyst's words: ``quality.md`` (English) for the data team, and the data-quality
    chapter of the report in each of its languages."""

    def tx(key: str, **kw: Any) -> str:
        return QA_TEXT[key][lang].format(**kw)

    y = report["year"]
    none = tx("none")
    lines = [
        f"# {tx('title', y=y)}",
        "",
        f"- {tx('values', n=fmt_number(report['values_in_bank'], lang), m=fmt_number(report['values_in_year'], lang), y=y)}",
        f"- {tx('datasets', n=count_phrase(report['datasets_total'], 'datasets', lang), f=', '.join(report['datasets_failed']) or none)}",
        f"- {tx('overdue', f=', '.join(report['datasets_overdue']) or none)}",
        f"- {tx('quarantine', n=count_phrase(report['rows_quarantined'], 'rows', lang), y=y)}",
        "",
        f"| {tx('header')} |",
        "|---|---|--:|--:|--:|--:|--:|---|---|",
    ]
    for ds_id, d in report["datasets"].items():
        probs = ", ".join(f"{check_label(k, lang)} {n}" for k, n in d.get("problems", {}).items()) or "–"
        f = d["freshness"]
        lines.append(
            f"| {ds_id} | {tx('status_' + d['status'])} | {d['rows_read']} | {d['rows_accepted']} | {d['rows_rejected']} | "
            f"{d['rows_dropped_other_units']} | {f['last_data_year'] or '–'} | "
            f"{tx('yes') if f['overdue'] else tx('no')} | {probs} |"
        )
    found = [(k, f) for k, d in report["datasets"].items() for f in d.get("findings", [])]
    if found:
        lines += ["", f"## {tx('to_confirm')}", "", tx("to_confirm_intro"), ""]
        lines += [f"- {finding_words(f, k, reg, lang)}" for k, f in sorted(found, key=lambda x: (-x[1]["year"], x[0]))]
    failed = [(k, d) for k, d in report["datasets"].items() if d["status"] == "failed"]
    if failed:
        lines += ["", f"## {tx('failed')}", ""]
        lines += [f"- **{k}**: {d['error']}" for k, d in failed]
    return "\n".join(lines) + "\n"


def finding_words(finding: dict[str, Any], dataset: str, reg: Registry, lang: str) -> str:
    """A detector's finding (a row of findings.csv, or an entry of quality.json) as a sentence in ``lang``."""
    codes = str(finding.get("territories") or "").split()
    names = [reg.city.territory_names.get(c, c) for c in codes if c != reg.city.terc]
    variables = [reg.variables[v].name.get(lang) for v in str(finding["variable"]).split() if v in reg.variables]
    ds = reg.datasets.get(dataset)
    provider = reg.providers[ds.provider].name.get(lang) if ds is not None and ds.provider in reg.providers else ""
    change = finding.get("change")
    shown = ""
    if finding["check"] in ("outlier", "level_shift") and isinstance(change, float) and change == change:
        shown = fmt_change(change * 100, lang, change_decimals(change * 100))
    elif finding["check"] == "share_jump" and isinstance(change, float) and change == change:
        shown = fmt_points(change, lang)
    return finding_sentence(
        finding,
        lang,
        variable=", ".join(variables) or str(finding["variable"]),
        names=names,
        n_districts=len(reg.city.districts),
        provider=provider,
        change=shown,
    )


# ------------------------------------------------------------------ query API


def load_bank(
    years: list[int] | None = None,
    variables: list[str] | None = None,
    territories: list[str] | None = None,
    *,
    root: str | Path | Paths | None = None,
) -> pd.DataFrame:
    """The bank (BANK_COLUMNS), optionally filtered; raises UserError when it has not been built yet."""
    path = _paths(root).bank / "bank.parquet"
    if not path.is_file():
        raise UserError(f"{path} does not exist; run `citybank ingest` first")
    filters = []
    if years:
        filters.append(("year", "in", [int(y) for y in years]))
    if variables:
        filters.append(("variable", "in", list(variables)))
    if territories:
        filters.append(("territory", "in", list(territories)))
    bank = pd.read_parquet(path, filters=filters or None)
    return _typed(bank) if not bank.empty else empty_bank()


def load_quarantine(root: str | Path | Paths | None = None) -> pd.DataFrame:
    """Every quarantined row and file-level problem of the bank (QUARANTINE_COLUMNS + year)."""
    path = _paths(root).bank / "bank.duckdb"
    if not path.is_file():
        raise UserError(f"{path} does not exist; run `citybank ingest` first")
    return _read_quarantine(path)


def series(variable: str, territory: str | None = None, *, root: str | Path | Paths | None = None) -> pd.DataFrame:
    """One variable's values by year for one territory (default: the city), sorted by year."""
    territory = territory or registry().city.terc
    df = load_bank(variables=[variable], territories=[territory], root=root)
    return df.sort_values("year").reset_index(drop=True)


def connect(root: str | Path | Paths | None = None):
    """A read-only DuckDB connection to data/bank/bank.duckdb (tables bank, datasets, quarantine; cat_* views)."""
    import duckdb

    path = _paths(root).bank / "bank.duckdb"
    if not path.is_file():
        raise UserError(f"{path} does not exist; run `citybank ingest` first")
    return duckdb.connect(str(path), read_only=True)


def quality(year: int, root: str | Path | Paths | None = None) -> dict[str, Any]:
    """The QA report of a year (reports/<Y>/qa/quality.json) as a dict."""
    path = _paths(root).year_report(year) / "qa" / "quality.json"
    if not path.is_file():
        raise UserError(f"{path} does not exist; run `citybank ingest --year {year}` first")
    return json.loads(path.read_text(encoding="utf-8"))


__all__ = ["BankResult", "build_bank", "connect", "load_bank", "quality", "series"]
