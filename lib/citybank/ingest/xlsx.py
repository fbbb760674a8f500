"""XLSX reader: title rows above the header, one or two header rows (merged cells), footnotes below."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd

from ..params import Dataset, Registry
from ..safety import UnsafeInputError, check_zip
from .common import ReadResult, SourceFileError, expect_kind, norm_header, read_bytes, year_of_header
from .table import grid_to_frame, locate_header


def cell_text(value: object, decimal: str = ".") -> str:
    """A cell as text; numbers written with the descriptor's decimal mark so the number parser reads them back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
        return text.replace(".", decimal) if decimal == "," else text
    if hasattr(value, "year") and hasattr(value, "month"):  # a date cell: keep the year (a "Rok" formatted as date)
        return str(value.year)
    return str(value).strip()


def load_sheet(path: Path, data: bytes, sheet: str | int, *, merged: bool) -> list[list[object]]:
    """The sheet's cell values as a grid (row 1 first); merged ranges filled from their top-left cell."""
    return load_sheets(path, data, [sheet], merged=merged)[0]


def sheet_names(path: Path, data: bytes) -> list[str]:
    """The names of a workbook's sheets, in order."""
    wb = _open(path, data, read_only=True)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def _open(path: Path, data: bytes, *, read_only: bool):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:  # a zip bomb is refused before openpyxl unpacks anything
        check_zip(data, where="the workbook")
    except UnsafeInputError as exc:
        raise SourceFileError(
            path, str(exc).removeprefix("the workbook").lstrip(": "), "ask the provider for it again"
        ) from None
    try:
        return openpyxl.load_workbook(io.BytesIO(data), read_only=read_only, data_only=True)
    except (zipfile.BadZipFile, KeyError, EOFError, InvalidFileException, OSError, ValueError) as exc:
        raise SourceFileError(
            path,
            f"is a damaged or incomplete Excel file ({type(exc).__name__}: {exc})",
            "download or export it again; open it in Excel to check it is complete",
        ) from None


def load_sheets(path: Path, data: bytes, sheets: list[str | int], *, merged: bool) -> list[list[list[object]]]:
    """:func:`load_sheet` for several sheets of one workbook (opened once)."""
    wb = _open(path, data, read_only=not merged)
    out = []
    try:
        for sheet in sheets:
            if isinstance(sheet, int):
                if sheet >= len(wb.sheetnames):
                    raise SourceFileError(
                        path,
                        f"has {len(wb.sheetnames)} sheet(s), no sheet number {sheet}",
                        f"set source.sheet to one of {wb.sheetnames}",
                    )
                ws = wb[wb.sheetnames[sheet]]
            else:
                names = {n.strip().casefold(): n for n in wb.sheetnames}
                if sheet.strip().casefold() not in names:
                    raise SourceFileError(
                        path,
                        f"has no sheet {sheet!r}; sheets: {', '.join(wb.sheetnames)}",
                        "fix source.sheet in the dataset descriptor",
                    )
                ws = wb[names[sheet.strip().casefold()]]
            grid = [list(r) for r in ws.iter_rows(values_only=True)]
            if merged:
                for rng in ws.merged_cells.ranges:
                    top = grid[rng.min_row - 1][rng.min_col - 1] if rng.min_row <= len(grid) else None
                    for r in range(rng.min_row, min(rng.max_row, len(grid)) + 1):
                        row = grid[r - 1]
                        row.extend([None] * (rng.max_col - len(row)))
                        for c in range(rng.min_col, rng.max_col + 1):
                            row[c - 1] = top
            out.append(grid)
    except zipfile.BadZipFile as exc:
        raise SourceFileError(
            path, f"is a damaged or incomplete Excel file ({exc})", "download or export it again"
        ) from None
    finally:
        wb.close()
    return out


def year_sheets(names: list[str], template: str) -> dict[str, int]:
    """The sheets whose name matches a '{year}' template (case and spaces ignored) → their year.

    >>> year_sheets(["Spis", "Rok 2023", "rok 2024", "2024"], "Rok {year}")
    {'Rok 2023': 2023, 'rok 2024': 2024}
    """
    return {n: y for n in names if (y := year_of_header(n, template)) is not None}


def header_labels(rows: list[list[str]]) -> list[str]:
    """Join stacked header rows into one label per column: 'Top / Sub' (a label repeated by a merge counts once)."""
    width = max(len(r) for r in rows)
    labels = []
    for c in range(width):
        parts: list[str] = []
        for r in rows:
            t = " ".join(r[c].split()) if c < len(r) else ""
            if t and (not parts or parts[-1] != t):
                parts.append(t)
        labels.append(" / ".join(parts))
    return labels


def read_xlsx(
    path: Path, ds: Dataset, reg: Registry, *, source_file: str | None = None, file_year: int | None = None
) -> ReadResult:
    """Read one sheet of an XLSX workbook of dataset ``ds`` into READ_COLUMNS; with a '{year}' sheet name
    (e.g. ``sheet: "Rok {year}"``) every matching sheet, each holding its year."""
    path = Path(path)
    source_file = source_file or str(path)
    src = ds.source
    data = read_bytes(path)
    expect_kind(path, data, {"xlsx", "zip-damaged"}, src.format)  # a damaged one gets the loader's message
    if isinstance(src.sheet, str) and "{year}" in src.sheet:
        names = sheet_names(path, data)
        years = year_sheets(names, src.sheet)
        if not years:
            raise SourceFileError(
                path,
                f"has no sheet named like {src.sheet!r} (sheets: {', '.join(names)})",
                "fix source.sheet: '{year}' stands for the year in the sheet names",
            )
        grids = load_sheets(path, data, list(years), merged=src.header_rows > 1)
        parts = [
            _read_grid(path, grid, ds, reg, source_file=f"{source_file}#{name}", file_year=year, sheet=name)
            for (name, year), grid in zip(years.items(), grids, strict=True)
        ]
        frames = [p.frame for p in parts if not p.frame.empty]
        frame = pd.concat(frames, ignore_index=True) if frames else parts[0].frame
        return ReadResult(frame, [q for p in parts for q in p.problems], sum(p.dropped for p in parts))
    raw = load_sheet(path, data, src.sheet, merged=src.header_rows > 1)
    return _read_grid(path, raw, ds, reg, source_file=source_file, file_year=file_year, sheet=src.sheet)


def _read_grid(
    path: Path,
    raw: list[list[object]],
    ds: Dataset,
    reg: Registry,
    *,
    source_file: str,
    file_year: int | None,
    sheet: str | int,
) -> ReadResult:
    src = ds.source
    grid = [[cell_text(v, src.decimal) for v in row] for row in raw]
    if not any(any(c for c in r) for r in grid):
        raise SourceFileError(path, f"sheet {sheet!r} is empty", "check that the provider filled in the sheet")
    if src.header_row:
        h = src.header_row - 1
    else:
        tops = {norm_header(cm.source.split(" / ")[0]) for cm in src.columns}
        found = locate_header(grid, ds)
        top_found = next((i for i, r in enumerate(grid[:30]) if any(norm_header(c) in tops for c in r)), None)
        candidates = [i for i in (found, top_found) if i is not None]
        h = min(candidates) if candidates else 0
    if h + src.header_rows > len(grid):
        raise SourceFileError(
            path, f"sheet has {len(grid)} rows; no header at row {h + 1}", "fix source.header_row in the descriptor"
        )
    headers = header_labels(grid[h : h + src.header_rows])
    first = h + src.header_rows
    body = grid[first:]
    numbers = list(range(first + 1, len(grid) + 1))
    return grid_to_frame(
        headers, body, numbers, ds=ds, reg=reg, source_file=source_file, file_year=file_year, header_line=h + 1
    )
