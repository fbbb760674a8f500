"""Published open datasets of a report year, and the manifest of a run.

``publish_year(Y)`` writes ``reports/<Y>/data/``:

- per category with data, ``<category>.csv`` / ``.parquet`` / ``.xlsx``: the bank's rows of that
  category **for every year up to and including Y** (the time series as known at the report; the rows of
  year Y alone are one filter on the ``year`` column away, so a separate year file would only duplicate
  them). Long (tidy) shape, one row per variable × territory × year, with the provenance of each value;
- ``iso37120.csv`` / ``.parquet`` / ``.xlsx`` and ``iso37120/<id>.json`` when the ISO 37120 engine
  (``citybank.indicators``) is installed;
- ``headlines.json``: the overview's headline figures (city, the year and the year compared with), so that a
  reader can check them from the package alone (notebooks/methods/reproduce.ipynb does);
- ``changes.json`` / ``changes.csv``: what changed since the previous release on disk (``citybank.changes``);
- ``datapackage.json``: a Frictionless Data Package (v2; valid for the ``frictionless`` validator) with
  the licence, the providers as sources, and per resource its path, format, media type, sha256 hash,
  byte size, a "PL / EN" title and its licence (the most demanding licence of the datasets in it); the CSV
  resources carry a table schema (field types, units, PL/EN descriptions);
- the open-data portals' metadata of that package (``citybank.opendata``): ``dane_gov_pl.xml`` + ``.md5``,
  ``catalog.ttl`` (DCAT-AP 3), ``ckan.jsonl``, ``CITATION.cff``, ``.zenodo.json`` — when params/city.yml has
  an ``open_data`` block.

Formats. CSV: UTF-8 without BOM, comma, dot decimal, ``\\n`` line ends, text as written in the bank
(CSV is data, so no spreadsheet-formula escaping here). Parquet: no pandas index or pandas metadata, snappy
compression, no timestamps. XLSX (for people): typed cells, a frozen bold header, column widths from the
content, a "Metadane (About)" sheet with source, licence and field descriptions; text beginning with
``= + - @`` is stored as text with Excel's quote prefix (the apostrophe) so that Excel never runs it as a
formula; fixed document properties and zip timestamps. Same inputs → byte-identical files.

The manifest of the whole build (``reports/<Y>/manifest.json``) is :mod:`citybank.manifest`.
"""

from __future__ import annotations

import json
import math
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from . import changes, indicators, ranking
from .bank import load_bank
from .datadocs import ISO_FIELD_TEXT, STRATEGY_FIELD_TEXT, iso_documented, strategy_table
from .errors import UserError
from .opendata import LICENCES, effective_licence, write_opendata
from .params import Registry, registry
from .params.survey import load_survey
from .paths import PATHS, Paths
from .rawdata import is_sample
from .safety import FORMULA_START, safe_frame
from .survey.published import DISCLOSURE_NOTE as SURVEY_DISCLOSURE
from .survey.published import PUBLIC_TABLES
from .survey.published import TABLE_DISCLOSURE_NOTE as SURVEY_TABLE_DISCLOSURE
from .survey.published import TITLES as SURVEY_TITLES
from .survey.published import field_text as survey_field_text
from .util import (
    atomic_path,
    normalize_zip,
    sha256_file,
    write_json,
    write_parquet,
    write_text_atomic,
)

# ---------------------------------------------------------------- published fields

# name, frictionless type, unit, description PL, description EN
FIELDS: list[tuple[str, str, str | None, str, str]] = [
    ("variable", "string", None, "Identyfikator zmiennej (params/variables.yml)", "Variable id (params/variables.yml)"),
    ("variable_name_pl", "string", None, "Nazwa zmiennej po polsku", "Variable name in Polish"),
    ("variable_name_en", "string", None, "Nazwa zmiennej po angielsku", "Variable name in English"),
    (
        "territory",
        "string",
        None,
        "Kod terytorialny (TERC/BDL; dzielnice: TERC-nn)",
        "Territory code (TERC/BDL; districts: TERC-nn)",
    ),
    ("territory_name", "string", None, "Nazwa jednostki terytorialnej", "Territory name"),
    (
        "level",
        "string",
        None,
        "Poziom: country, voivodeship, powiat, gmina, district",
        "Level: country, voivodeship, powiat, gmina, district",
    ),
    ("year", "integer", "year", "Rok, którego dotyczy wartość", "Year the value refers to"),
    ("value", "number", None, "Wartość, w jednostce z kolumny unit", "Value, in the unit given in column unit"),
    ("unit", "string", None, "Jednostka wartości", "Unit of the value"),
    (
        "flag",
        "string",
        None,
        "Oznaczenie wartości (puste = zwykła; symbole BDL; estimate = szacunek)",
        "Value flag (empty = normal; BDL symbols; estimate)",
    ),
    (
        "series_break",
        "boolean",
        None,
        "Pierwsza wartość nowego szeregu: od tego roku zmieniła się metoda (powód w arkuszu Metadane)",
        "First value of a new series: the method changed from this year (the reason is in the About sheet)",
    ),
    (
        "dataset",
        "string",
        None,
        "Zbiór danych źródłowych (params/datasets/<id>.yml)",
        "Source dataset (params/datasets/<id>.yml)",
    ),
    ("provider", "string", None, "Dostawca danych (params/providers.yml)", "Data provider (params/providers.yml)"),
    ("source_file", "string", None, "Plik źródłowy w data/raw", "Source file under data/raw"),
    ("source_row", "integer", None, "Wiersz w pliku źródłowym (od 1)", "Row in the source file (1-based)"),
    ("source_sha256", "string", None, "Suma SHA-256 pliku źródłowego", "SHA-256 of the source file"),
]
COLUMNS = [f[0] for f in FIELDS]
SORT = ["variable", "territory", "year", "dataset", "source_file", "source_row"]
PRIMARY_KEY = ["variable", "territory", "year"]

MEDIATYPES = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
FIXED_CORE_TIME = "2000-01-01T00:00:00Z"
DATA_SHEET = "Dane (Data)"
ABOUT_SHEET = "Metadane (About)"
PIVOT_SHEET = "Przestawna (Pivot)"
PIVOT_COLUMNS: dict[str, str] = {
    "variable_name_pl": "Zmienna",
    "unit": "Jednostka",
    "territory_name": "Jednostka terytorialna",
    "level": "Poziom",
    "year": "Rok",
    "value": "Wartość",
}
"""The long sheet for a pivot table (category workbooks): Polish headers, one value per row."""
NUMBER_FORMATS = {"int": "#,##0", "float": "#,##0.0###", "year": "0"}
"""Excel stores formats locale-free: Polish Excel shows ``#,##0.0###`` as 12 345,67 (space, decimal comma)."""


# ---------------------------------------------------------------- deterministic writers


def write_csv(df: pd.DataFrame, path: str | Path) -> Path:
    """UTF-8 (no BOM), comma, dot decimal, ``\\n`` line ends, no index; text that a spreadsheet would take for a
    formula gets a leading apostrophe (``safety.safe_frame``)."""
    return write_text_atomic(path, safe_frame(df).to_csv(index=False, lineterminator="\n"))


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalar → Python scalar
        value = value.item()
    return value


def table_name(path: str | Path, sheet: str) -> str:
    """An Excel table name (letters, digits, underscores; unique in the workbook) from the file and the sheet."""
    stem = re.sub(r"[^A-Za-z0-9]+", "_", Path(path).stem).strip("_")
    kind = "Przestawna" if sheet == PIVOT_SHEET else "Dane"
    return f"{kind}_{stem}" if stem else kind


def _number_format(column: str, value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if column in {"year", "Rok", "source_row"}:
        return NUMBER_FORMATS["year"]
    return NUMBER_FORMATS["int"] if float(value).is_integer() else NUMBER_FORMATS["float"]


def _data_sheet(ws: Any, df: pd.DataFrame, name: str) -> None:
    """Header, typed cells with Polish-friendly number formats, widths, frozen header, a named Excel table."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    bold = Font(bold=True)
    ws.append(list(df.columns))
    for c in ws[1]:
        c.font = bold
    columns = [str(c) for c in df.columns]
    widths = [len(c) for c in columns]
    for r, row in enumerate(df.itertuples(index=False, name=None), start=2):
        for j, raw in enumerate(row):
            value = _cell(raw)
            if value is None:
                continue
            cell = ws.cell(row=r, column=j + 1)
            _set_value(cell, value)
            fmt = _number_format(columns[j], value)
            if fmt:
                cell.number_format = fmt
            widths[j] = max(widths[j], len(str(value)))
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = min(max(w + 2, 8), 60)
    ws.freeze_panes = "A2"
    if len(df):
        table = Table(displayName=name, ref=f"A1:{get_column_letter(len(columns))}{len(df) + 1}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        ws.add_table(table)  # a named, filterable Excel table (its own autofilter)


def pivot_frame(df: pd.DataFrame) -> pd.DataFrame | None:
    """The long sheet for a pivot table: Polish headers, rows with a value only; None without those columns."""
    if not set(PIVOT_COLUMNS) <= set(df.columns):
        return None
    out = df[df["value"].notna()][list(PIVOT_COLUMNS)].rename(columns=PIVOT_COLUMNS)
    return out.reset_index(drop=True)


def write_xlsx(
    df: pd.DataFrame,
    path: str | Path,
    about: list[tuple[str, str]],
    fields: list[tuple[str, str, str | None, str, str]],
) -> Path:
    """A spreadsheet for people: each data sheet a named Excel table (filterable) with typed cells and number
    formats that read well in Polish Excel, a long sheet for pivot tables (category workbooks), an About
    sheet; deterministic bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    bold = Font(bold=True)
    _data_sheet(ws, df, table_name(path, DATA_SHEET))
    pivot = pivot_frame(df)
    if pivot is not None:
        _data_sheet(wb.create_sheet(PIVOT_SHEET), pivot, table_name(path, PIVOT_SHEET))

    meta = wb.create_sheet(ABOUT_SHEET)
    for key, text in about:
        meta.append([key, text])
        meta.cell(row=meta.max_row, column=1).font = bold
    meta.append([])
    if pivot is not None:
        meta.append(
            [
                f"Arkusz / Sheet: {PIVOT_SHEET}",
                "Te same wartości w długim układzie do tabeli przestawnej (Wstaw → Tabela przestawna) / "
                "the same values, long, ready for a pivot table",
            ]
        )
        meta.cell(row=meta.max_row, column=1).font = bold
        meta.append([])
    meta.append(["Pole / Field", "Typ / Type", "Jednostka / Unit", "Opis (PL)", "Description (EN)"])
    for c in meta[meta.max_row]:
        c.font = bold
    for name, ftype, unit, pl, en in fields:
        meta.append([name, ftype, unit or "", pl, en])
    for col, w in zip("ABCDE", (24, 12, 16, 60, 60), strict=True):
        meta.column_dimensions[col].width = w
    for row in meta.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                _set_value(cell, cell.value)

    props = wb.properties
    props.creator = "citybank"
    props.lastModifiedBy = "citybank"
    props.title = str(about[0][1]) if about else None
    with atomic_path(path) as tmp:
        wb.save(tmp)
        _fix_core_properties(tmp)
        normalize_zip(tmp)
    return Path(path)


def _set_value(cell: Any, value: Any) -> None:
    """Store a value with its type; text that Excel would read as a formula keeps the quote prefix."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.value = value
        cell.data_type = "s"  # openpyxl made it a formula ('f'); it is text
        cell.quotePrefix = True
    else:
        cell.value = value


def _fix_core_properties(path: Path) -> None:
    """openpyxl stamps the save time into docProps/core.xml; put a fixed time there instead."""
    with zipfile.ZipFile(path) as zin:
        members = [(info, zin.read(info.filename)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                for tag in ("created", "modified"):
                    text = re.sub(
                        rf"(<dcterms:{tag}[^>]*>)[^<]*(</dcterms:{tag}>)", rf"\g<1>{FIXED_CORE_TIME}\g<2>", text
                    )
                data = text.encode("utf-8")
            zout.writestr(info, data)


# ---------------------------------------------------------------- the year's datasets

HEADLINES = [
    "population_total",
    "live_births",
    "deaths",
    "registered_unemployed",
    "median_gross_wage",
    "registered_businesses",
    "property_crimes",
    "waste_collected_t",
    "pm10_annual_mean",
    "dwellings_total",
    "public_transport_trips",
    "revenue_total",
]
"""The overview's headline figures (variables), published in ``headlines.json`` so that they can be checked
from the data package alone."""


def previous_year(reg: Registry, year: int) -> int:
    """The year a page compares with: the year's ``compare_with`` in params, else the year before."""
    return reg.years[year].compare_with if year in reg.years else year - 1


def headline_figures(bank: pd.DataFrame, reg: Registry, year: int) -> dict[str, Any]:
    """The city's headline figures in ``year`` and the compared year, as published in ``headlines.json``."""
    prev = previous_year(reg, year)
    city = bank[bank["territory"].astype("str") == str(reg.city.terc)]
    figures = []
    for var in (v for v in HEADLINES if v in reg.variables):
        s = city[city["variable"] == var].set_index("year")["value"]
        v = reg.variables[var]
        figures.append(
            {
                "variable": var,
                "name_pl": v.name.pl,
                "name_en": v.name.en,
                "unit": v.unit,
                "value": indicators.json_number(s.get(year)),
                "previous": indicators.json_number(s.get(prev)),
            }
        )
    return {"year": year, "previous_year": prev, "territory": str(reg.city.terc), "figures": figures}


def category_frames(bank: pd.DataFrame, reg: Registry, year: int) -> dict[str, pd.DataFrame]:
    """The published rows per category: every year up to ``year``, in ``COLUMNS`` order, sorted by ``SORT``."""
    unknown = sorted(set(bank["dataset"].dropna()) - set(reg.datasets))
    if unknown:
        raise UserError(
            f"the bank holds rows of dataset(s) {', '.join(unknown)} that params/datasets/ does not describe; "
            "run `citybank ingest` again or restore the descriptor(s)"
        )
    rows = bank[bank["year"] <= year]
    category = rows["dataset"].map({d.id: d.category for d in reg.datasets.values()})
    out: dict[str, pd.DataFrame] = {}
    for slug in sorted(set(category)):
        part = rows[category == slug].copy()
        for lang in ("pl", "en"):
            part[f"variable_name_{lang}"] = (
                part["variable"].map({v.id: v.name.get(lang) for v in reg.variables.values()}).fillna(part["variable"])
            )
        part["flag"] = part["flag"].fillna("")
        starts = {(v.id, b.year) for v in reg.variables.values() for b in v.breaks}
        part["series_break"] = [(v, int(y)) in starts for v, y in zip(part["variable"], part["year"], strict=True)]
        part = part[COLUMNS].sort_values(SORT, kind="mergesort").reset_index(drop=True)
        part["year"] = part["year"].astype("int64")
        part["value"] = part["value"].astype("float64")
        part["source_row"] = part["source_row"].astype("int64")
        out[slug] = part
    return out


def _about(reg: Registry, title_pl: str, title_en: str, year: int, datasets: Iterable[str]) -> list[tuple[str, str]]:
    ds = [reg.datasets[d] for d in sorted(set(datasets)) if d in reg.datasets]
    providers = sorted({d.provider for d in ds})
    licences = sorted({d.licence for d in ds})
    about = [
        ("Tytuł / Title", f"{title_pl} / {title_en}"),
        ("Miasto / City", f"{reg.city.name} (TERC {reg.city.terc})"),
        ("Rok raportu / Report year", str(year)),
        ("Licencja / Licence", ", ".join(licences) or "CC-BY-4.0"),
        (
            "Źródła / Sources",
            "; ".join(
                f"{reg.providers[p].name.pl} ({reg.providers[p].name.en})" for p in providers if p in reg.providers
            ),
        ),
        ("Zbiory / Datasets", "; ".join(f"{d.id}: {d.title.pl}" for d in ds)),
        ("Zakres / Coverage", "Wszystkie lata do roku raportu włącznie / every year up to the report year"),
        *(
            (
                f"Zerwanie szeregu / Break in series: {v} ({b.year})",
                f"{b.reason.pl} / {b.reason.en} — {b.source}",
            )
            for v in sorted({v for d in ds for v in d.variables})
            for b in reg.variables[v].breaks
            if v in reg.variables
        ),
        ("Przygotowano / Prepared by", "citybank — Bank Danych o Mieście"),
    ]
    if reg.city.portal:
        about.append(("Portal", reg.city.portal))
    return about


def _fields_for(
    df: pd.DataFrame, texts: dict[str, tuple[str, str]] | None = None
) -> list[tuple[str, str, str | None, str, str]]:
    """Field descriptors of another table (ISO, strategy): the bank's fields and ``texts`` give the
    descriptions; a column described nowhere keeps its name."""
    known = {f[0]: f for f in FIELDS}
    texts = ISO_FIELD_TEXT if texts is None else texts
    out = []
    for col in df.columns:
        dtype = df[col].dtype
        ftype = (
            "integer"
            if pd.api.types.is_integer_dtype(dtype)
            else "number"
            if pd.api.types.is_float_dtype(dtype)
            else "boolean"
            if pd.api.types.is_bool_dtype(dtype)
            else "string"
        )
        if col in known:
            out.append((col, ftype, *known[col][2:]))
        else:
            pl, en = texts.get(col, (col, col))
            out.append((col, ftype, None, pl, en))
    return out


def _resource(
    out: Path, path: Path, name: str, fields: list | None = None, required: Iterable[str] = PRIMARY_KEY, **extra: Any
) -> dict[str, Any]:
    fmt = path.suffix.lstrip(".")
    res: dict[str, Any] = {
        "name": name,
        "path": path.relative_to(out).as_posix(),
        "type": "table" if fields is not None else "file",
        "format": fmt,
        "mediatype": MEDIATYPES.get(fmt, "application/octet-stream"),
        "bytes": path.stat().st_size,
        "hash": f"sha256:{sha256_file(path)}",
    }
    if fields is not None:
        res["encoding"] = "utf-8"
        res["dialect"] = {"delimiter": ",", "header": True}
        schema_fields = []
        for fname, ftype, unit, pl, en in fields:
            fd: dict[str, Any] = {"name": fname, "type": ftype, "description": en, "description_pl": pl}
            if unit:
                fd["unit"] = unit
            if fname in required:
                fd["constraints"] = {"required": True}
            schema_fields.append(fd)
        res["schema"] = {"fields": schema_fields}
    res.update(extra)
    return res


def publish_year(
    year: int,
    reg: Registry | None = None,
    bank: pd.DataFrame | None = None,
    out: str | Path | None = None,
    *,
    paths: Paths | None = None,
) -> list[Path]:
    """Write the year's open datasets and their datapackage.json; return the written files (sorted). ``paths``:
    the workbench whose bank and results are read (default: the process's)."""
    if reg is None:
        reg = registry()
    paths = paths or PATHS
    given_bank = bank
    if bank is None:
        bank = load_bank(root=paths)
    out = Path(out) if out else paths.year_report(year) / "data"
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    resources: list[dict[str, Any]] = []
    used_datasets: set[str] = set()

    frames = category_frames(bank, reg, year)
    for slug, df in frames.items():
        cat = reg.categories[slug]
        used_datasets.update(df["dataset"])
        about = _about(reg, cat.name.pl, cat.name.en, year, df["dataset"])
        csv, pq_, xl = out / f"{slug}.csv", out / f"{slug}.parquet", out / f"{slug}.xlsx"
        write_csv(df, csv)
        write_parquet(df, pq_, pandas_metadata=False)
        write_xlsx(df, xl, about, FIELDS)
        written += [csv, pq_, xl]
        variables = [
            {
                "id": v,
                "name": reg.variables[v].name.en,
                "name_pl": reg.variables[v].name.pl,
                "unit": reg.variables[v].unit,
            }
            for v in sorted(set(df["variable"]))
            if v in reg.variables
        ]
        desc = {
            "description": f"{cat.name.en}: {cat.description.en} Every year up to {year}.",
            "description_pl": f"{cat.name.pl}: {cat.description.pl} Wszystkie lata do {year}.",
        }
        lic = {"licenses": [_licence(effective_licence({reg.datasets[d].licence for d in df["dataset"]}, slug))]}
        resources.append(
            _resource(
                out, csv, slug, FIELDS, title=f"{cat.name.pl} / {cat.name.en}", variables=variables, **desc, **lic
            )
        )
        resources[-1]["schema"]["primaryKey"] = PRIMARY_KEY
        for path, kind in ((pq_, "Parquet"), (xl, "XLSX")):
            title = f"{cat.name.pl} ({kind}) / {cat.name.en} ({kind})"
            resources.append(_resource(out, path, f"{slug}-{kind.lower()}", title=title, **desc, **lic))

    # The ISO table and the headline figures draw on every published dataset: the licence of them all.
    lic_all = {"licenses": [_licence(effective_licence({reg.datasets[d].licence for d in used_datasets}))]}
    written += _publish_iso(year, reg, out, resources, given_bank, lic_all, paths)
    written += _publish_ranking(year, reg, out, resources, lic_all, paths)
    if given_bank is None:  # the monitoring is read from its results file (a bank passed in has none beside it)
        written += _publish_strategy(year, reg, out, resources, lic_all, paths)
    written += _publish_survey(reg, out, resources, paths)
    heads = write_json(out / "headlines.json", headline_figures(bank, reg, year))
    written.append(heads)
    resources.append(
        _resource(
            out,
            heads,
            "headlines",
            title="Najważniejsze liczby roku / Headline figures",
            description=f"The overview's headline figures of {year} and the year compared with (city).",
            description_pl=f"Najważniejsze liczby przeglądu za {year} r. i roku porównania (miasto).",
            **lic_all,
        )
    )

    written += _publish_changes(year, frames, out, resources, lic_all)
    reproduce = _publish_reproduce(out, paths)
    written += reproduce

    providers = sorted({reg.datasets[d].provider for d in used_datasets})
    licences = sorted({reg.datasets[d].licence for d in used_datasets}) or ["CC-BY-4.0"]
    sample_note = (
        {
            "en": " SAMPLE DATA: generated for demonstration, not official figures.",
            "pl": " DANE PRZYKŁADOWE: wygenerowane w celach demonstracyjnych, nie są danymi urzędowymi.",
        }
        if is_sample(paths.raw)
        else {"en": "", "pl": ""}
    )
    package = {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": f"{reg.city.slug}-{year}",
        "title": f"Bank Danych o Mieście — {reg.city.name} {year}",
        "description": f"Open data of {reg.city.name} (TERC {reg.city.terc}) published with the annual report "
        f"{year}: every value with its provider, dataset, source file and row." + sample_note["en"],
        "description_pl": f"Otwarte dane miasta {reg.city.name} opublikowane z raportem za {year} r.: każda "
        "wartość z dostawcą, zbiorem, plikiem i wierszem źródłowym." + sample_note["pl"],
        "version": str(year),
        "keywords": ["city data bank", "ISO 37120", reg.city.name],
        "licenses": [_licence(lic) for lic in licences],
        "sources": [{"title": f"{reg.providers[p].name.pl} ({reg.providers[p].name.en})"} for p in providers],
        "resources": resources,
    }
    if reg.city.portal:
        package["homepage"] = reg.city.portal
    if reproduce:
        package["reproduce"] = {
            "path": REPRODUCE,
            "description": "Jupyter notebook that recomputes every ISO 37120 value and the headline figures from "
            "this package with pandas alone; it fails on any difference.",
            "description_pl": "Notatnik Jupyter, który przelicza każdy wskaźnik ISO 37120 i najważniejsze liczby z "
            "tego pakietu, tylko pandas; każda różnica kończy się błędem.",
        }
    _remove_stale(out, set(written))
    written.append(write_json(out / "datapackage.json", package))
    written += write_opendata(year, reg, out)  # dane.gov.pl XML, DCAT-AP, CKAN, CITATION.cff, .zenodo.json
    return sorted(written)


def _publish_ranking(
    year: int, reg: Registry, out: Path, resources: list[dict[str, Any]], lic: dict[str, Any], paths: Paths
) -> list[Path]:
    """``ranking.csv``: the city's rank, percentile and its class's quartiles per measure and year (up to ``year``),
    from the national exports; nothing when they are absent (the pages say why)."""
    rank = ranking.results(reg.city.terc, reg=reg, paths=paths)
    rows = rank.rows[rank.rows["year"] <= year] if len(rank.rows) else rank.rows
    if rows.empty:
        return []
    path = write_csv(rows.sort_values(["measure", "group", "year"], kind="stable"), out / "ranking.csv")
    # every member of the city's groups with its value: what a partner needs to recompute the ranks
    keys = ["measure", "group", "class", "band", "year"]
    full = ranking.results(reg=reg).rows
    members = full.merge(rows[keys].drop_duplicates(), on=keys)[[*keys, "territory", "name", "value"]]
    members_path = write_csv(
        members.sort_values([*keys, "territory"], kind="stable").reset_index(drop=True), out / "ranking_groups.csv"
    )
    tables = "; ".join(f"{t} ({y})" for t, y in rank.exports)
    resources.append(
        _resource(
            out,
            path,
            "ranking",
            title="Miejsce wśród gmin tej samej klasy / Position among gminas of the same class",
            description=f"{reg.city.name} among every Polish gmina of its class (kind in TERC; and population band): "
            f"rank (1 = highest value), percentile (share at or below), class size and quartiles, per year. "
            f"Real official statistics: GUS, Local Data Bank, table exports {tables}; processed.",
            description_pl=f"{reg.city.name} wśród wszystkich gmin tej samej klasy (rodzaj wg TERC; i przedział "
            f"liczby ludności): miejsce (1 = najwyższa wartość), percentyl, liczba gmin i kwartyle, w latach. "
            f"Dane urzędowe: GUS, Bank Danych Lokalnych, tablice {tables}; opracowanie własne.",
            **lic,
        )
    )
    resources.append(
        _resource(
            out,
            members_path,
            "ranking-groups",
            title="Gminy klas rankingu z wartościami / The ranking classes' gminas with their values",
            description=f"Every gmina of each class {reg.city.name} is ranked in, with its value per measure and "
            "year: rank = 1 + the number of members with a higher value; percentile = share of members at or below; "
            f"quartiles with linear interpolation. Source: GUS, Local Data Bank, table exports {tables}.",
            description_pl=f"Wszystkie gminy każdej klasy, w której porównywane jest miasto {reg.city.name}, z "
            "wartością miary w roku: miejsce = 1 + liczba gmin z wyższą wartością; percentyl = odsetek gmin z "
            f"wartością nie wyższą; kwartyle z interpolacją liniową. Źródło: GUS, BDL, tablice {tables}.",
            **lic,
        )
    )
    return [path, members_path]


def _publish_changes(
    year: int, frames: dict[str, pd.DataFrame], out: Path, resources: list[dict[str, Any]], lic: dict[str, Any]
) -> list[Path]:
    """``changes.json`` and ``changes.csv``: what changed since the previous release (``citybank.changes``), found
    beside ``out`` (``reports/<y>/data`` with y < year); none found: this is the first release."""
    rows = pd.concat(frames.values(), ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    in_reports = out.name == "data" and out.parent.name == str(year)  # reports/<Y>/data: earlier releases beside it
    report = changes.changes_report(year, rows, out.parent.parent if in_reports else None)
    js = write_json(out / "changes.json", report)
    csv = write_csv(changes.revisions_frame(report), out / "changes.csv")
    since = report["previous_release"]
    resources.append(
        _resource(
            out,
            js,
            "changes",
            title="Zmiany od poprzedniej publikacji / Changes since the previous release",
            description=f"Datasets added and removed, values added, removed and revised since the release of {since}."
            if since
            else "The first release: no previous release to compare with.",
            description_pl=f"Zbiory dodane i usunięte, wartości dodane, usunięte i poprawione od publikacji za {since} r."
            if since
            else "Pierwsza publikacja: nie ma poprzedniej, z którą można porównać.",
            **lic,
        )
    )
    resources.append(
        _resource(
            out,
            csv,
            "changes-revisions",
            title="Poprawione wartości / Revised values",
            description="One row per value revised since the previous release: old and new value with their provenance.",
            description_pl="Wiersz na każdą wartość poprawioną od poprzedniej publikacji: stara i nowa wartość z pochodzeniem.",
            **lic,
        )
    )
    return [js, csv]


def _licence(lic: str) -> dict[str, str]:
    if lic in LICENCES:
        return {"name": lic, "path": LICENCES[lic][0], "title": LICENCES[lic][1]}
    return {"name": lic, "title": lic}


def _publish_iso(
    year: int,
    reg: Registry,
    out: Path,
    resources: list[dict[str, Any]],
    bank: pd.DataFrame | None,
    lic: dict[str, Any],
    paths: Paths,
) -> list[Path]:
    """The ISO 37120 indicator table and per-indicator JSON files, when the indicator engine and its
    catalogue (params/iso37120.yml) exist. A bank passed in is used as is (nothing written elsewhere)."""
    if "iso37120" not in reg.extra:
        return []
    catalogue = indicators.load_catalogue(reg)
    if bank is not None:
        res = indicators.compute(bank, catalogue, territories=[reg.city.terc])
    else:
        res = indicators.results(reg=reg, paths=paths)
    kw = {"res": res, "catalogue": catalogue, "reg": reg}
    table = indicators.indicator_table(year, **kw).reset_index(drop=True)  # clause order
    table = iso_documented(table, catalogue, reg, year)  # formulas, method notes and breaks for partners
    fields = _fields_for(table)
    about = _about(reg, "Wskaźniki ISO 37120", "ISO 37120 indicators", year, [])
    csv, pq_, xl = out / "iso37120.csv", out / "iso37120.parquet", out / "iso37120.xlsx"
    write_csv(table, csv)
    write_parquet(table, pq_, pandas_metadata=False)
    write_xlsx(table, xl, about, fields)
    json_dir = out / "iso37120"
    indicators.write_indicator_files(year, json_dir, **kw)
    jsons = sorted(json_dir.glob("*.json")) if json_dir.is_dir() else []
    desc = {
        "description": f"ISO 37120:2018 indicators of {reg.city.name}, {year}.",
        "description_pl": f"Wskaźniki ISO 37120:2018 miasta {reg.city.name}, {year} r.",
    }
    resources.append(
        _resource(out, csv, "iso37120", fields, title="Wskaźniki ISO 37120 / ISO 37120 indicators", **desc, **lic)
    )
    for path, kind in ((pq_, "Parquet"), (xl, "XLSX")):
        title = f"Wskaźniki ISO 37120 ({kind}) / ISO 37120 indicators ({kind})"
        resources.append(_resource(out, path, f"iso37120-{kind.lower()}", title=title, **desc, **lic))
    for p in jsons:
        name = "iso37120-" + re.sub(r"[^a-z0-9._-]", "-", p.stem.lower())
        title = f"Wskaźnik ISO 37120 {p.stem} (JSON) / ISO 37120 indicator {p.stem} (JSON)"
        resources.append(_resource(out, p, name, title=title, **lic))
    return [csv, pq_, xl, *jsons]


def _publish_strategy(
    year: int, reg: Registry, out: Path, resources: list[dict[str, Any]], lic: dict[str, Any], paths: Paths
) -> list[Path]:
    """The strategy monitoring table (every indicator and year: baseline, target, actual, expected, progress,
    status, the thresholds, the source) — what the monitoring workshop and a partner read."""
    path = paths.result("strategy")
    if "strategy" not in reg.extra or not path.is_file():
        return []
    table = strategy_table(pd.read_parquet(path), reg, year)
    if table.empty:
        return []
    fields = _fields_for(table, STRATEGY_FIELD_TEXT)
    about = _about(
        reg, "Monitoring strategii rozwoju", "Development strategy monitoring", year, table["dataset"].dropna()
    )
    csv, pq_, xl = out / "strategia.csv", out / "strategia.parquet", out / "strategia.xlsx"
    write_csv(table, csv)
    write_parquet(table, pq_, pandas_metadata=False)
    write_xlsx(table, xl, about, fields)
    desc = {
        "description": f"Development strategy indicators of {reg.city.name} up to {year}: baseline, target, "
        "actual and expected values, progress ratio, status and thresholds.",
        "description_pl": f"Wskaźniki strategii rozwoju miasta {reg.city.name} do {year} r.: wartość bazowa, "
        "docelowa, faktyczna i oczekiwana, wskaźnik postępu, status i progi.",
    }
    title = "Monitoring strategii / Strategy monitoring"
    resources.append(_resource(out, csv, "strategia", fields, ("indicator", "year"), title=title, **desc, **lic))
    for p, kind in ((pq_, "Parquet"), (xl, "XLSX")):
        title = f"Monitoring strategii ({kind}) / Strategy monitoring ({kind})"
        resources.append(_resource(out, p, f"strategia-{kind.lower()}", title=title, **desc, **lic))
    return [csv, pq_, xl]


REPRODUCE = "reproduce.ipynb"


def _publish_reproduce(out: Path, paths: Paths) -> list[Path]:
    """The reproduce notebook (notebooks/methods) beside the data, set to read the package it lies in: a
    partner runs it with pandas alone and gets every ISO value and headline figure again, or the differences.
    It is named in datapackage.json (``reproduce``), not listed as a data resource of the catalogues."""
    src = paths.notebooks / "methods" / REPRODUCE
    if not src.is_file():
        return []
    nb = json.loads(src.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            text = "".join(cell["source"])
            cell["source"] = text.replace('PAKIET = ""', 'PAKIET = "datapackage.json"')
    return [write_text_atomic(out / REPRODUCE, json.dumps(nb, ensure_ascii=False, indent=1, sort_keys=True) + "\n")]


def _publish_survey(reg: Registry, out: Path, resources: list[dict[str, Any]], paths: Paths) -> list[Path]:
    """The residents' survey's tables after disclosure control (CSV, Parquet, XLSX), when the survey stage wrote
    them; a synthetic survey says so in every table (column ``synthetic``) and in every description."""
    files = {name: paths.survey_result(name) for name in PUBLIC_TABLES}
    survey = load_survey(reg)
    if survey is None or not files["survey_shares"].is_file():  # no survey in params, or the stage wrote nothing
        return []
    synthetic = bool(survey and survey.synthetic)
    mark_en = " SYNTHETIC sample survey: invented answers, not residents' opinions." if synthetic else ""
    mark_pl = " BADANIE SYNTETYCZNE: zmyślone odpowiedzi, nie opinie mieszkańców." if synthetic else ""
    title = survey.title if survey else None
    written: list[Path] = []
    for name, path in files.items():
        if not path.is_file():
            continue
        table = pd.read_parquet(path)
        fields = [(c, ftype, None, *survey_field_text(name, c)) for c, ftype, *_ in _fields_for(table)]
        pl, en = SURVEY_TITLES[name]
        about = [
            ("Tytuł / Title", f"{pl} / {en}"),
            ("Miasto / City", f"{reg.city.name} (TERC {reg.city.terc})"),
            *([("Badanie / Survey", f"{title.pl} / {title.en}")] if title is not None else []),
            *([("Uwaga / Note", (mark_pl + " /" + mark_en).strip())] if synthetic else []),
            ("Ochrona danych / Disclosure control", SURVEY_TABLE_DISCLOSURE.get(name, SURVEY_DISCLOSURE)),
            ("Licencja / Licence", "CC-BY-4.0"),
            ("Przygotowano / Prepared by", "citybank — Bank Danych o Mieście"),
        ]
        csv, pq_, xl = out / f"{name}.csv", out / f"{name}.parquet", out / f"{name}.xlsx"
        write_csv(table, csv)
        write_parquet(table, pq_, pandas_metadata=False)
        write_xlsx(table, xl, about, fields)
        written += [csv, pq_, xl]
        desc = {"description": en + "." + mark_en, "description_pl": pl + "." + mark_pl}
        slug = name.replace("_", "-")
        resources.append(_resource(out, csv, slug, fields, title=f"{pl} / {en}", **desc))
        resources.append(_resource(out, pq_, f"{slug}-parquet", title=f"{en} (Parquet)", **desc))
        resources.append(_resource(out, xl, f"{slug}-xlsx", title=f"{en} (XLSX)", **desc))
    return written


def _remove_stale(out: Path, keep: set[Path]) -> None:
    """Files a previous run published that this run did not (a category without data any more)."""
    for folder in (out, out / "iso37120"):
        if not folder.is_dir():
            continue
        for p in folder.iterdir():
            if (
                p.is_file()
                and p.suffix in {".csv", ".parquet", ".xlsx", ".json"}
                and p not in keep
                and p.name != "datapackage.json"
            ):
                p.unlink()


__all__ = [
    "publish_year",
    "write_parquet",
    "write_csv",
    "write_xlsx",
    "category_frames",
]
