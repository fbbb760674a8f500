"""``citybank fetch-bdl --national``: the exports of ``params/national.yml`` fetched from the BDL API for every gmina.

For each export, each column's BDL variable id is ``bdl_variable`` of the column, or is looked up in the export's
``subject``: ``GET /variables?subject-id=P…`` (paged) lists the subject's variables, and the one whose dimension
names ``n1;n2;…`` equal the column's ``source`` (the label of the CTAB header) is the column's. Then, per variable,
``GET /data/by-variable/{id}?unit-level=6`` (every gmina) and ``unit-level=2`` (the voivodeships, whose names
``new-city`` uses) for the export's years, following the API's pages — all through ``ingest.fetch.Client``: the
quotas of ``params/bdl_api.yml``, retries, and the cache with a provenance sidecar per response.

The values are written as ``bdl-api_<id>.csv`` in the first national folder, in the CTAB shape of a BDL table export
(``Kod;Nazwa;"<source>;<year>;[<unit>]"…``, the 7-digit code of each unit, a gmina's name with its kind as
``Name (k)``), so the ranking and ``new-city`` read it as they read the shipped export — and a fetched file wins
over it (``ranking.export_file``). Values without data (attrId 0, 4, 15, 50, 91) are empty cells, never zeros.
Beside it: the provenance sidecar (every request, the variables, sha256), and ``bdl-api_units.csv`` (``id,name``
of every unit received). One export that fails is reported; the others are still fetched.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from ..errors import UserError
from ..params.bdl_api import BdlApi
from ..params.national import UNITS_FETCHED, Export, National, fetched_name
from ..rawdata import sidecar_path
from ..util import sha256_file, write_text_atomic
from .bdl import ATTR_FLAGS, unit_code, unit_level
from .fetch import Client, Request, plan

LEVELS = (2, 6)
"""Unit levels fetched: 6 every gmina (the data), 2 the voivodeships (their names, for ``new-city``)."""
LICENCE = "CC-BY-4.0"
ATTRIBUTION = "Źródło: GUS, Bank Danych Lokalnych"


@dataclass(frozen=True)
class Variable:
    id: str
    source: str  # the column's label (n1;n2;…)
    unit: str  # measureUnitName, e.g. osoba, zł


@dataclass
class NationalResult:
    written: list[Path] = field(default_factory=list)
    variables: dict[str, list[Variable]] = field(default_factory=dict)  # export id → its columns' variables
    failures: dict[str, str] = field(default_factory=dict)  # export id → why it was not fetched


def years_of(export: Export) -> list[int]:
    """The years an export covers: ``2003–2024`` → 2003 … 2024."""
    first, last = export.years.split("–")
    return list(range(int(first), int(last) + 1))


def _norm(label: str) -> str:
    return ";".join(re.sub(r"\s+", " ", p).strip().casefold() for p in str(label).split(";"))


def _label(var: dict) -> str:
    return ";".join(str(var[f"n{i}"]) for i in range(1, 6) if var.get(f"n{i}"))


def variables_request(subject: str, cfg: BdlApi) -> Request:
    params = (("subject-id", subject), ("format", "json"), ("lang", cfg.lang), ("page-size", str(cfg.page_size)))
    return Request("variables", params, f"variables of subject {subject}")


def variable_request(var_id: str, cfg: BdlApi) -> Request:
    return Request(f"variables/{var_id}", (("format", "json"), ("lang", cfg.lang)), f"variable {var_id}")


def resolve(export: Export, client: Client) -> list[Variable]:
    """The BDL variable of each column of ``export`` (``bdl_variable``, else looked up in ``subject``)."""
    cfg = client.cfg
    listed: list[dict] = []
    if export.subject and any(c.bdl_variable is None for c in export.columns):
        for doc in client.fetch(variables_request(export.subject, cfg)):
            listed.extend(r for r in (doc.get("results") or []) if isinstance(r, dict))
    out: list[Variable] = []
    for c in export.columns:
        if c.bdl_variable:
            doc = client.fetch(variable_request(c.bdl_variable, cfg))[0]
            out.append(Variable(c.bdl_variable, c.source, str(doc.get("measureUnitName") or "")))
            continue
        if not export.subject:
            raise UserError(
                f"export {export.id} ({export.table}), column {c.source!r}: no BDL variable id — give the column "
                "`bdl_variable` or the export `subject` (P…) in params/national.yml; find them with GET "
                "/subjects/search?name=… and /variables?subject-id=P…"
            )
        match = [v for v in listed if _norm(_label(v)) == _norm(c.source)]
        if len(match) != 1:
            seen = sorted({_label(v) for v in listed})
            raise UserError(
                f"export {export.id}: subject {export.subject} has {len(match) or 'no'} variable(s) named "
                f"{c.source!r} (n1;n2;…); its variables are named: {'; '.join(repr(s) for s in seen[:12]) or 'none'}"
                f"{' …' if len(seen) > 12 else ''} — correct `source` or `subject`, or give `bdl_variable`"
            )
        v = match[0]
        out.append(Variable(str(v["id"]), c.source, str(v.get("measureUnitName") or "")))
    return out


def _number(value: float) -> str:
    """A CTAB cell: an integer without decimals, else a decimal comma (as GUS's exports write them)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value)).replace(".", ",")


def ctab_text(variables: list[Variable], years: list[int], data: dict[str, list[dict]]) -> tuple[str, dict[str, str]]:
    """The CTAB export of ``data`` (variable id → the API's ``results``) and the unit names by unit id."""
    names: dict[str, str] = {}
    cells: dict[tuple[str, str, int], str] = {}
    for v in variables:
        for r in data.get(v.id, []):
            uid = str(r.get("id", "")).zfill(12)
            if not unit_code(uid) or unit_level(uid) not in ("voivodeship", "gmina"):
                continue
            names.setdefault(uid, str(r.get("name", "")))
            for val in r.get("values") or []:
                attr = int(val.get("attrId", 1) if val.get("attrId") is not None else 1)
                if ATTR_FLAGS.get(attr, "?") is None or val.get("val") is None:
                    continue
                cells[(uid, v.id, int(val["year"]))] = _number(val["val"])
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    w.writerow(["Kod", "Nazwa"] + [f"{v.source};{y};[{v.unit}]" for v in variables for y in years])
    for uid in sorted(names, key=unit_code):
        name = names[uid] if unit_level(uid) != "gmina" else f"{names[uid]} ({uid[-1]})"
        w.writerow([unit_code(uid), name] + [cells.get((uid, v.id, y), "") for v in variables for y in years])
    return buf.getvalue(), names


def _write(path: Path, text: str, force: bool) -> None:
    if path.is_file() and not force and path.read_text(encoding="utf-8", errors="replace") != text:
        raise UserError(
            f"{path} exists and differs from what the API sent now; a fetched file is not overwritten — move it "
            "away, or run fetch-bdl --national again with --force"
        )
    write_text_atomic(path, text)


def fetch_export(export: Export, client: Client, folder: Path, *, years: list[int] | None, force: bool) -> Path:
    """One export: its variables resolved, every gmina's and voivodeship's values, the CTAB file and sidecar."""
    first = len(client.result.pages)
    variables = resolve(export, client)
    yrs = years or years_of(export)
    data: dict[str, list[dict]] = {}
    for v in variables:
        for level in LEVELS:
            for req in plan([v.id], yrs, client.cfg, by="variable", unit_level=level):
                for doc in client.fetch(req):
                    data.setdefault(v.id, []).extend(r for r in (doc.get("results") or []) if isinstance(r, dict))
    text, names = ctab_text(variables, yrs, data)
    if not any(unit_level(u) == "gmina" for u in names):
        raise UserError(f"export {export.id}: the API sent no gmina for variables {', '.join(v.id for v in variables)}")
    out = folder / fetched_name(export.id)
    folder.mkdir(parents=True, exist_ok=True)
    _write(out, text, force)
    meta = {
        "file": f"{folder.name}/{out.name}",
        "provider": "gus",
        "publisher": "Główny Urząd Statystyczny (GUS, Statistics Poland)",
        "origin": f"GUS, Bank Danych Lokalnych, REST API {client.base} (citybank fetch-bdl --national): "
        f"/data/by-variable, unit levels {', '.join(map(str, LEVELS))}, for table {export.table}",
        "table": export.table,
        "subject": export.subject or "",
        "variables": {v.source: v.id for v in variables},
        "years": f"{yrs[0]}–{yrs[-1]}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
        "requests": [p.url for p in client.result.pages[first:]],
        "sha256": sha256_file(out),
        "note": "the API's values in the CTAB shape of a BDL table export (read like the shipped export); values "
        "without data (attrId 0, 4, 15, 50, 91) are empty cells; each response is cached with its sidecar",
    }
    write_text_atomic(sidecar_path(out), yaml.safe_dump(meta, allow_unicode=True, sort_keys=False))
    return out


def fetch_national(
    nat: National, client: Client, root: Path, *, years: list[int] | None = None, force: bool = False
) -> NationalResult:
    """Every export of ``nat`` (see the module docstring) into the first of ``nat.folders`` under ``root``."""
    folder = root / nat.folders[0]
    result = NationalResult()
    units: dict[str, str] = {}
    for e in nat.exports:
        try:
            first = len(client.result.pages)
            out = fetch_export(e, client, folder, years=years, force=force)
        except UserError as exc:
            result.failures[e.id] = str(exc)
            continue
        result.written.extend([out, sidecar_path(out)])
        for page in client.result.pages[first:]:
            if "/data/by-variable/" not in page.url:
                continue
            doc = json.loads(page.body.decode("utf-8-sig"))
            for r in doc.get("results") or []:
                uid = str(r.get("id", "")).zfill(12)
                if unit_level(uid) in ("voivodeship", "powiat", "gmina"):
                    units.setdefault(uid, str(r.get("name", "")))
    if units:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["id", "name"])
        for uid in sorted(units):
            w.writerow([uid, units[uid]])
        path = folder / UNITS_FETCHED
        write_text_atomic(path, buf.getvalue())
        meta = {
            "file": f"{folder.name}/{UNITS_FETCHED}",
            "provider": "gus",
            "origin": f"GUS, Bank Danych Lokalnych, REST API {client.base}: the unit ids and names of the "
            "/data/by-variable responses of citybank fetch-bdl --national",
            "date": datetime.now(UTC).strftime("%Y-%m-%d"),
            "licence": LICENCE,
            "attribution": ATTRIBUTION,
            "sha256": sha256_file(path),
        }
        write_text_atomic(sidecar_path(path), yaml.safe_dump(meta, allow_unicode=True, sort_keys=False))
        result.written.extend([path, sidecar_path(path)])
    return result
