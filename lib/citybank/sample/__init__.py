"""The bundled sample city: every raw file of every dataset, as its provider would send it.

``citybank sample --out data/raw`` writes, for each dataset descriptor in params/datasets/ and each year it
covers within the sample years of params/city.yml, the raw file(s) in the declared format, a provenance
sidecar ``<file>.source.yml`` beside each, and a marker ``SAMPLE.yml`` listing every file with its sha256.
Values come from ``sample_model.yml`` (per variable) and real figures typed into ``facts.py``; problems are
planted on purpose (``PLANTED``). The output is byte-identical on every run.

Public API: ``generate(out, params_root=None)``, ``is_sample(raw_dir)``, ``truth(reg)``, ``PLANTED``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..errors import UserError
from ..params import Dataset, Registry, expand_files, registry
from ..params.survey import load_survey
from ..rawdata import GENERATOR, MARKER, NATIONAL, city_files, is_sample, read_marker, sidecar_path
from ..util import normalize_zip, sha256_file, write_bytes_atomic, write_text_atomic
from .formats import FILE_DATE, LongFile, LongRow, render_bdl_api, render_bdl_ctab, render_csv, render_xlsx
from .model import SampleModel, SampleModelError
from .planted import PLANTED, plant
from .survey import SURVEY_PLANTED, SYNTHETIC_NOTE, survey_files

__all__ = [
    "GENERATOR",
    "MARKER",
    "PLANTED",
    "SURVEY_PLANTED",
    "SAMPLE_VERSION",
    "SampleModel",
    "SampleModelError",
    "generate",
    "is_sample",
    "read_marker",
    "sidecar_path",
    "truth",
]

SAMPLE_VERSION = "1.0"


def _yaml(obj: Any) -> str:
    return yaml.safe_dump(obj, sort_keys=True, allow_unicode=True, default_flow_style=False, width=120)


# ------------------------------------------------------------------ rendering


def _long_file(ds: Dataset, rel: str, year: int | None, years: list[int], model: SampleModel) -> LongFile:
    file_years = [year] if year is not None else years
    territories = model.dataset_territories(ds)
    rows = []
    for y in file_years:
        for t in territories:
            values = {
                cm.variable: model.values(cm.variable, t)[y]
                for cm in ds.source.columns
                if y in model.values(cm.variable, t)
            }
            if values:  # no value of any column in this year (e.g. no election): no row
                rows.append(LongRow(y, t, values, dict(values)))
    headers = {cm.variable: cm.source for cm in ds.source.columns}
    return LongFile(ds, rel, year, rows, headers)


def render(ds: Dataset, model: SampleModel) -> list[tuple[str, bytes]]:
    """Every raw file of one dataset as (path under data/raw, bytes), planted problems included."""
    years = model.years_of(ds)
    if not years:
        return []
    fmt = ds.source.format
    out: list[tuple[str, bytes]] = []
    for rel, year in expand_files(ds, years):
        if fmt == "bdl_ctab":
            out.append((rel, render_bdl_ctab(ds, model, [year] if year else years)))
        elif fmt == "bdl_api":
            out.append((rel, render_bdl_api(ds, model, [year] if year else years)))
        else:
            job = _long_file(ds, rel, year, years, model)
            plant(job, model)
            if not job.rows:  # a planted missing year that was the file's only year: the file is absent
                continue
            out.append((rel, render_csv(job, model) if fmt == "csv" else render_xlsx(job, model)))
    return out


# ------------------------------------------------------------------ writing


def _clear_previous(out: Path) -> None:
    """Remove a previous sample's files; refuse to touch a folder of other (real) files. The national exports
    (``data/raw/national``, shipped with the workbench) are never the sample's: never counted, never removed."""
    marker = read_marker(out)
    if marker is None:
        others = city_files(out)
        if others:
            raise UserError(
                f"{out} already holds {len(others)} file(s) that are not the generated sample (no {MARKER}), e.g. "
                f"{others[0].relative_to(out)}. Raw files are never overwritten by the workbench: choose an empty "
                "folder with --out, or move those files away first."
            )
        return
    entries = [(out / str(e.get("path", "")), str(e.get("sha256", ""))) for e in marker.get("files") or []]
    changed = [p for p, digest in entries if p.is_file() and sha256_file(p) != digest]
    if changed:
        raise UserError(
            f"{changed[0]} has changed since the sample was generated (its sha256 differs from {out / MARKER}); "
            "it may be a real provider file, so nothing was overwritten. If it is real, delete "
            f"{out / MARKER} (the folder is then no longer the sample); otherwise delete the file and run again."
        )
    national = out / NATIONAL
    for path, _ in entries:
        for p in (path, sidecar_path(path)):
            if p.is_file() and out in p.resolve().parents and national not in p.parents:
                p.unlink()


def generate(out: Path, params_root: Path | None = None) -> list[Path]:
    """Write the sample city's raw files, sidecars and marker under ``out``; return the data files, sorted.

    Deterministic: the same params give byte-identical files. Raises ``UserError`` when ``out`` holds files
    that are not a previous sample (real data is never overwritten)."""
    reg = registry(params_root) if params_root else registry()
    model = SampleModel(reg)
    out = Path(out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    _clear_previous(out)
    written: list[tuple[str, str, str]] = []
    for ds_id in sorted(reg.datasets):
        ds = reg.datasets[ds_id]
        for rel, data in render(ds, model):
            if rel.split("/", 1)[0] == NATIONAL:
                raise UserError(
                    f"dataset {ds.id}: its file {rel} is under data/raw/{NATIONAL}/, the folder of the national "
                    "exports; the sample never writes there — give the dataset another folder in source.files"
                )
            path = out / rel
            write_bytes_atomic(path, data)
            if ds.source.format == "xlsx":
                normalize_zip(path)
            digest = sha256_file(path)
            write_text_atomic(sidecar_path(path), _yaml(_sidecar(reg, ds, rel, digest)))
            written.append((rel, digest, ds.id))
    survey = load_survey(reg)
    if survey is not None and survey.synthetic:
        for rel, data in survey_files(survey):
            path = out / rel
            write_bytes_atomic(path, data)
            digest = sha256_file(path)
            write_text_atomic(sidecar_path(path), _yaml(_survey_sidecar(rel, digest)))
            written.append((rel, digest, "survey"))
    written.sort()
    write_text_atomic(
        out / MARKER,
        _yaml(
            {
                "generator": GENERATOR,
                "version": SAMPLE_VERSION,
                "date": FILE_DATE.isoformat(),
                "description": "The bundled sample city generated by `citybank sample`: invented but calibrated figures "
                "with planted problems (see data/README.md). Delete this file when you put real "
                "provider files here.",
                "files": [{"path": rel, "sha256": digest, "dataset": ds_id} for rel, digest, ds_id in written],
                "planted": [
                    {k: p[k] for k in ("id", "dataset", "file", "year", "kind")}
                    for p in PLANTED
                    if p["dataset"] in reg.datasets
                ]
                + [
                    {"id": p["id"], "dataset": "survey", "check": p["check"], "mode": p["mode"], "row": p["row"]}
                    for p in (SURVEY_PLANTED if survey is not None and survey.synthetic else [])
                ],
            }
        ),
    )
    return [out / rel for rel, _, _ in written]


def _sidecar(reg: Registry, ds: Dataset, rel: str, digest: str) -> dict[str, Any]:
    return {
        "dataset": ds.id,
        "file": rel,
        "provider": ds.provider,
        "origin": "sample",
        "generator": f"{GENERATOR} {SAMPLE_VERSION}",
        "date": FILE_DATE.isoformat(),
        "licence": ds.licence,
        "sha256": digest,
        "sample": True,
        "note": "generated sample data, not real figures of the provider",
    }


def _survey_sidecar(rel: str, digest: str) -> dict[str, Any]:
    return {
        "dataset": "survey",
        "file": rel,
        "provider": "synthetic",
        "origin": "sample",
        "generator": f"{GENERATOR} {SAMPLE_VERSION}",
        "date": FILE_DATE.isoformat(),
        "licence": "CC0-1.0",
        "sha256": digest,
        "sample": True,
        "synthetic": True,
        "note": SYNTHETIC_NOTE,
    }


# ------------------------------------------------------------------ the truth


def truth(reg: Registry | None = None, *, model: SampleModel | None = None) -> pd.DataFrame:
    """The true values behind the sample files: one row per variable × territory × year that a dataset's
    files hold (before the planted problems; see ``PLANTED`` for the cells that deviate).

    Columns: variable (str), territory (str), year (int64), value (float64); sorted."""
    reg = reg or registry()
    model = model or SampleModel(reg)
    rows: dict[tuple[str, str, int], float] = {}
    for ds in reg.datasets.values():
        years = model.years_of(ds)
        for t in model.dataset_territories(ds):
            for cm in ds.source.columns:
                series = model.values(cm.variable, t)
                for y in years:
                    if y in series:
                        rows[(cm.variable, t, y)] = series[y]
    keys = sorted(rows)
    return pd.DataFrame(
        {
            "variable": pd.Series([k[0] for k in keys], dtype="str"),
            "territory": pd.Series([k[1] for k in keys], dtype="str"),
            "year": pd.Series([k[2] for k in keys], dtype="int64"),
            "value": pd.Series([rows[k] for k in keys], dtype="float64"),
        }
    )
