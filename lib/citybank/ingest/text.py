"""Delimited text (CSV) reader: UTF-8 / UTF-8 BOM / cp1250, ';' ',' or tab, decimal comma, thousands separators."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..params import Dataset, Registry
from .common import ReadResult, SourceFileError, decode_text, detect_delimiter, expect_kind, read_bytes
from .table import grid_to_frame, locate_header


def read_text(
    path: Path, ds: Dataset, reg: Registry, *, source_file: str | None = None, file_year: int | None = None
) -> ReadResult:
    """Read one delimited text file of dataset ``ds`` into READ_COLUMNS."""
    path = Path(path)
    source_file = source_file or str(path)
    data = read_bytes(path)
    expect_kind(path, data, {"text"}, ds.source.format)
    text, _ = decode_text(path, data, ds.source.encoding)
    delimiter = ds.source.delimiter or detect_delimiter(text[:20000])
    grid: list[list[str]] = []
    numbers: list[int] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"')
    start = 1
    try:
        for row in reader:
            grid.append(row)
            numbers.append(start)
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceFileError(
            path,
            f"cannot be split into columns near line {reader.line_num}: {exc}",
            'check for an unclosed quote (") in that line',
        ) from None
    if not any(any(c.strip() for c in r) for r in grid):
        raise SourceFileError(path, "has no data (only empty lines)", "ask the provider for the file again")
    if ds.source.header_row:
        h = ds.source.header_row - 1
    else:
        found = locate_header(grid, ds)
        h = found if found is not None else 0
    if h >= len(grid):
        raise SourceFileError(
            path,
            f"has {len(grid)} lines, fewer than header_row {ds.source.header_row}",
            "fix source.header_row in the descriptor",
        )
    headers = [c.strip().lstrip("\ufeff") for c in grid[h]]
    return grid_to_frame(
        headers,
        grid[h + 1 :],
        numbers[h + 1 :],
        ds=ds,
        reg=reg,
        source_file=source_file,
        file_year=file_year,
        header_line=numbers[h],
    )
