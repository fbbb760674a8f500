"""Writers: one dataset file in the format its descriptor declares, as the provider would really send it.

csv      the declared encoding, delimiter and decimal mark; long layout (a year column, an optional territory
         column of district names, one column per mapped variable) or wide_years (one column per year)
xlsx     openpyxl: title rows above the header, merged multi-row headers ("Top / Sub" in the descriptor), a
         footnote below the table, some numbers stored as text; fixed document properties, normalised zip
bdl_ctab GUS BDL table export: ``"Kod";"Nazwa";"<dims>;<year>;[<unit>]";…;`` with trailing ``;``, CRLF
bdl_api  GUS BDL API ``format=json``: data-by-variable shape for one variable (all units), data-by-unit shape
         for the city when a file holds several variables
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import zipfile
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from ..params import Dataset, Registry
from ..util import dumps_json
from .model import SampleModel, round_to, unit_draw

# The date a provider "sent" every sample file: fixed, never today.
FILE_DATE = dt.date(2025, 3, 31)
# Units of params/variables.yml → the bracketed unit of BDL exports.
BDL_UNITS = {
    "persons": "osoba",
    "PLN": "zł",
    "km2": "km²",
    "percent": "%",
    "%": "%",
    "ha": "ha",
    "m2": "m²",
    "tonnes": "t",
    "t": "t",
    "km": "km",
    "units": "szt.",
    "dwellings": "mieszk.",
    "MWh": "MWh",
}
# Extra sub-column a provider adds next to a total of persons (not mapped: readers must ignore it).
WOMEN_SUBHEADER = "w tym kobiety"


@dataclass
class LongRow:
    """One row of a long-layout table: a year, a territory code and the true values of mapped variables."""

    year: int
    territory: str
    values: dict[str, float]
    true_values: dict[str, float] = field(default_factory=dict)  # before planting (for unmapped sub-columns)


@dataclass
class LongFile:
    """A csv/xlsx file about to be written; planted problems edit it before it is rendered."""

    ds: Dataset
    rel: str
    year: int | None
    rows: list[LongRow]
    headers: dict[str, str]  # variable → header text written (descriptor source)
    names: dict[str, str] = field(default_factory=dict)  # territory code → name written


# ---------------------------------------------------------------- numbers


def raw_digits(model: SampleModel, var: str, scale: float) -> int:
    """Decimals to write a raw value with, given the variable's decimals and the descriptor's scale."""
    extra = math.ceil(math.log10(scale) - 1e-9) if scale > 1 else 0
    return model.decimals(var) + max(extra, 0)


def fmt_number(value: float, digits: int, decimal: str = ".", thousands: str | None = None) -> str:
    text = f"{value:,.{digits}f}" if thousands else f"{value:.{digits}f}"
    return text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands or "")


def _cell(value: float, digits: int) -> int | float:
    return int(round(value)) if digits == 0 else round_to(value, digits)


# ---------------------------------------------------------------- long/wide tables shared by csv and xlsx


def _header_parts(text: str, n: int) -> list[str]:
    parts = [p.strip() for p in text.split(" / ")] if n > 1 else [text]
    parts = parts[: n - 1] + [" / ".join(parts[n - 1 :])] if len(parts) > n else parts
    return parts + [""] * (n - len(parts))


def build_table(job: LongFile, model: SampleModel) -> tuple[list[list[str]], list[list[object]], list[list[int]]]:
    """Header rows (each a list of cell texts), body rows (numbers as int/float, None = no data) and the
    number of decimals of every body cell (for formatting)."""
    src = job.ds.source
    n = src.header_rows
    reg = model.reg
    names = {**reg.city.territory_names, **job.names}
    per_year_file = job.year is not None
    year_col = src.year_column or (None if per_year_file else "Rok")
    digits = {cm.variable: raw_digits(model, cm.variable, cm.scale) for cm in src.columns}
    scale = {cm.variable: cm.scale for cm in src.columns}

    if src.layout == "wide_years":
        years = sorted({r.year for r in job.rows})
        lead = ([src.territory_column] if src.territory_column else []) + ["Wskaźnik"]
        header = [lead + [str(y) for y in years]]
        body: list[list[object]] = []
        decs: list[list[int]] = []
        territories = list(dict.fromkeys(r.territory for r in job.rows))
        for t in territories:
            for cm in src.columns:
                cells: list[object] = ([names.get(t, t)] if src.territory_column else []) + [job.headers[cm.variable]]
                for y in years:
                    v = next((r.values.get(cm.variable) for r in job.rows if r.year == y and r.territory == t), None)
                    cells.append(None if v is None else _cell(v / scale[cm.variable], digits[cm.variable]))
                body.append(cells)
                decs.append([digits[cm.variable]] * len(cells))
        return [[str(h) for h in header[0]]], body, decs

    lead_cols = ([year_col] if year_col else []) + ([src.territory_column] if src.territory_column else [])
    columns: list[tuple[list[str], str | None]] = [([c] + [""] * (n - 1), None) for c in lead_cols]
    women: dict[int, str] = {}
    for cm in src.columns:
        parts = _header_parts(job.headers[cm.variable], n)
        columns.append((parts, cm.variable))
        unit = reg.variables[cm.variable].unit if cm.variable in reg.variables else ""
        if n > 1 and parts[-1].casefold() == "ogółem" and unit == "persons":
            women[len(columns)] = cm.variable
            columns.append((parts[:-1] + [WOMEN_SUBHEADER], None))
    header = [[c[0][k] for c in columns] for k in range(n)]
    body = []
    decs = []
    for row in job.rows:
        cells = ([row.year] if year_col else []) + (
            [names.get(row.territory, row.territory)] if src.territory_column else []
        )
        dec = [0] * len(cells)
        for i, (_, var) in enumerate(columns[len(lead_cols) :], start=len(lead_cols)):
            if var is None:  # women ≈ 48–53 % of the total, stable per row
                total = row.true_values.get(women[i], row.values.get(women[i]))
                share = 0.48 + 0.05 * unit_draw("women", job.ds.id, row.year, row.territory)
                cells.append(None if total is None else int(round(total * share)))
                dec.append(0)
                continue
            v = row.values.get(var)
            cells.append(None if v is None else _cell(v / scale[var], digits[var]))
            dec.append(digits[var])
        body.append(cells)
        decs.append(dec)
    return header, body, decs


# ---------------------------------------------------------------- csv


def render_csv(job: LongFile, model: SampleModel) -> bytes:
    src = job.ds.source
    encoding = src.encoding or "utf-8"
    delimiter = src.delimiter or (";" if src.decimal == "," else ",")
    windows = encoding.lower().replace("-", "") in {"cp1250", "windows1250"}
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\r\n" if windows else "\n", quoting=csv.QUOTE_MINIMAL)
    header, body, decs = build_table(job, model)
    writer.writerows(header)
    for cells, dec in zip(body, decs, strict=True):
        writer.writerow(
            [
                "" if c is None else fmt_number(c, d, src.decimal, src.thousands) if isinstance(c, float) else c
                for c, d in zip(cells, dec, strict=True)
            ]
        )
    return buf.getvalue().encode(encoding)


# ---------------------------------------------------------------- xlsx


def _merge_headers(ws, header: list[list[str]], top: int) -> None:
    n = len(header)
    width = len(header[0])
    for col in range(width):  # a header with nothing below it spans the remaining header rows
        last = max(k for k in range(n) if header[k][col] or k == 0)
        if last < n - 1:
            ws.merge_cells(start_row=top + last, start_column=col + 1, end_row=top + n - 1, end_column=col + 1)
    for k in range(n - 1):  # a group title over its sub-columns
        col = 0
        while col < width:
            end = col
            key = [header[i][col] for i in range(k + 1)]
            while (
                end + 1 < width
                and header[k][col]
                and all(header[i][end + 1] == key[i] for i in range(k + 1))
                and header[k + 1][end + 1]
            ):
                end += 1
            if end > col and header[k + 1][col]:
                ws.merge_cells(start_row=top + k, start_column=col + 1, end_row=top + k, end_column=end + 1)
            col = end + 1


def render_xlsx(job: LongFile, model: SampleModel) -> bytes:
    """The workbook's bytes; the caller normalises the zip container (fixed timestamps)."""
    ds, src, reg = job.ds, job.ds.source, model.reg
    wb = Workbook()
    ws = wb.active
    index = src.sheet if isinstance(src.sheet, int) else 0
    ws.title = src.sheet if isinstance(src.sheet, str) else f"Arkusz{index + 1}"
    for i in range(index):  # the descriptor names the sheet by position: other sheets come first
        wb.create_sheet(f"Arkusz{i + 1}", i).cell(row=1, column=1, value="Informacje o danych")
    top = src.header_row or 3
    titles = [f"{ds.title.pl} — {reg.city.name}", "Stan na 31 grudnia każdego roku"]
    for r, text in enumerate(titles[: top - 1], start=1):
        ws.cell(row=r, column=1, value=text).font = Font(bold=(r == 1))

    header, body, decs = build_table(job, model)
    for k, cells in enumerate(header):
        for c, text in enumerate(cells, start=1):
            if text:
                cell = ws.cell(row=top + k, column=c, value=text)
                cell.font = Font(bold=True)
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    _merge_headers(ws, header, top)
    first = top + len(header)
    for i, (cells, dec) in enumerate(zip(body, decs, strict=True)):
        row = first + i
        as_text = unit_draw("xlsx-text", ds.id, i) < 0.25  # a hand-kept sheet: some numbers typed as text
        for c, (value, d) in enumerate(zip(cells, dec, strict=True), start=1):
            if isinstance(value, (int, float)) and as_text and c > 1:
                value = fmt_number(float(value), d, src.decimal, None)
            cell = ws.cell(row=row, column=c, value=value)
            if isinstance(value, float):
                cell.number_format = "0." + "0" * d if d else "0"
    foot = first + len(body) + 1
    provider = reg.providers[ds.provider].name.pl if ds.provider in reg.providers else ds.provider
    ws.cell(row=foot, column=1, value=f"Źródło: {provider}")
    ws.cell(row=foot + 1, column=1, value=f"Uwaga: dane za {max(model.years_of(ds))} r. mają charakter wstępny.")
    for c in range(1, len(header[0]) + 1):
        ws.column_dimensions[get_column_letter(c)].width = 14 if c > 1 else 22

    stamp = dt.datetime.combine(FILE_DATE, dt.time())
    props = wb.properties
    props.creator = props.lastModifiedBy = "citybank sample"
    props.title = ds.title.pl
    props.created = props.modified = stamp
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()  # not save_workbook(): it stamps the current time
    return buf.getvalue()


# ---------------------------------------------------------------- GUS BDL formats


def bdl_unit(reg: Registry, variable: str) -> str:
    unit = reg.variables[variable].unit if variable in reg.variables else ""
    return BDL_UNITS.get(unit, unit)


def bdl_name(reg: Registry, code: str) -> str:
    """Unit names as BDL exports write them."""
    c = reg.city
    if code == c.country.code:
        return c.country.name.upper()
    if code == c.voivodeship.code:
        return c.voivodeship.name.upper()
    if code.endswith("000"):
        return f"Powiat m. {reg.city.territory_name(code[:4] + '011')}"
    return f"{c.territory_name(code)} (1)"


def render_bdl_ctab(ds: Dataset, model: SampleModel, years: list[int]) -> bytes:
    reg = model.reg
    src = ds.source
    territories = model.dataset_territories(ds)
    peer_powiats = [p.code[:4] + "000" for p in reg.city.peers]  # real exports hold every powiat too
    rows = sorted(set(territories) | set(peer_powiats))
    cols = [(cm, y) for cm in src.columns for y in years]
    head = ['"Kod"', '"Nazwa"'] + [f'"{cm.source};{y};[{bdl_unit(reg, cm.variable)}]"' for cm, y in cols]
    lines = [";".join(head) + ";"]
    for code in rows:
        source_code = code[:4] + "011" if code in peer_powiats else code
        cells = [code, f'"{bdl_name(reg, code)}"']
        for cm, y in cols:
            v = model.values(cm.variable, source_code).get(y)
            digits = raw_digits(model, cm.variable, cm.scale)
            cells.append("" if v is None else fmt_number(v / cm.scale, digits, ","))
        lines.append(";".join(cells) + ";")
    return ("\r\n".join(lines) + "\r\n").encode(src.encoding or "utf-8")


def render_bdl_api(ds: Dataset, model: SampleModel, years: list[int]) -> bytes:
    reg = model.reg
    src = ds.source
    c = reg.city
    unit_ids = {
        c.country.code: c.country.bdl_id,
        c.voivodeship.code: c.voivodeship.bdl_id,
        c.terc: c.bdl_unit_gmina,
        c.bdl_code_powiat: c.bdl_unit_powiat,
    }
    unit_ids.update({p.code: p.bdl_id for p in c.peers})
    preliminary = {y for y in years if y in reg.years and reg.years[y].status == "provisional"}

    def values(cm, code: str) -> list[dict[str, object]]:
        series = model.values(cm.variable, code)
        digits = raw_digits(model, cm.variable, cm.scale)
        return [
            {"year": str(y), "val": _cell(series[y] / cm.scale, digits), "attrId": 9 if y in preliminary else 1}
            for y in years
            if y in series
        ]

    def var_id(text: str) -> int | str:
        return int(text) if text.isdigit() else text

    territories = model.dataset_territories(ds)
    if len(src.columns) == 1:
        cm = src.columns[0]
        results = [
            {"id": unit_ids.get(t) or t, "name": bdl_name(reg, t).removesuffix(" (1)"), "values": values(cm, t)}
            for t in territories
        ]
        results.sort(key=lambda r: str(r["id"]))
        doc: dict[str, object] = {"totalRecords": len(results), "variableId": var_id(cm.source), "results": results}
    else:  # several variables: the data-by-unit shape for the city
        city = c.bdl_code_powiat if src.territory == "powiat" else c.terc
        results = [
            {
                "id": var_id(cm.source),
                "measureUnitId": 1,
                "lastUpdate": f"{FILE_DATE.isoformat()}T00:00:00",
                "values": values(cm, city),
            }
            for cm in src.columns
        ]
        doc = {
            "totalRecords": len(results),
            "unitId": unit_ids[city],
            "unitName": c.territory_name(city),
            "aggregateId": 1,
            "results": results,
        }
    return dumps_json(doc).encode("utf-8")
