"""From a grid of cells (header labels + data rows, from a CSV or a sheet) to READ_COLUMNS.

Both the delimited-text and the XLSX reader end here, so the two formats map columns, years and
districts in exactly the same way.
"""

from __future__ import annotations

import pandas as pd

from ..params import Dataset, Registry
from .common import (
    ReadResult,
    city_territory,
    empty_read,
    find_header,
    finish_read,
    match_columns,
    norm_header,
    parse_numbers,
    parse_years,
    problem,
    tidy_long,
)

# Rows below a table that are notes, not data.
FOOTNOTE_PREFIXES = ("źródło", "zrodlo", "uwaga", "uwagi", "*", "objaśnienia", "source", "note", "przypis")
# Row labels that mean "the whole city" in a district table.
TOTAL_LABELS = frozenset({"ogółem", "razem", "suma", "miasto ogółem", "miasto", "total"})


def is_footnote(text: str) -> bool:
    t = text.strip().casefold()
    return t.startswith(FOOTNOTE_PREFIXES)


def locate_header(grid: list[list[str]], ds: Dataset, search: int = 30) -> int | None:
    """0-based index of the first row containing a mapped header (or the year column's header)."""
    wanted = {norm_header(n) for cm in ds.source.columns for n in [cm.source, *cm.aliases]}
    if ds.source.year_column:
        wanted.add(norm_header(ds.source.year_column))
    for i, row in enumerate(grid[:search]):
        if any(norm_header(c) in wanted for c in row):
            return i
    return None


def grid_to_frame(
    headers: list[str],
    body: list[list[str]],
    row_numbers: list[int],
    *,
    ds: Dataset,
    reg: Registry,
    source_file: str,
    file_year: int | None,
    header_line: int,
) -> ReadResult:
    """Turn the data rows under ``headers`` into READ_COLUMNS; file-level problems in the result."""
    width = len(headers)
    body = [(r + [""] * width)[:width] for r in body]
    table = pd.DataFrame(body, columns=range(width), dtype="str") if body else pd.DataFrame(columns=range(width))
    rows = pd.Series(row_numbers, dtype="int64")
    if ds.source.layout == "wide_years":
        return _wide(headers, table, rows, ds=ds, reg=reg, source_file=source_file, header_line=header_line)
    return _long(
        headers, table, rows, ds=ds, reg=reg, source_file=source_file, file_year=file_year, header_line=header_line
    )


def _territories(table: pd.DataFrame, pos: int | None, ds: Dataset, reg: Registry) -> tuple[pd.Series, pd.Series]:
    """(codes, raw texts); an unknown district name gets code '' (validation quarantines it)."""
    n = len(table)
    if pos is None:
        return pd.Series([city_territory(ds, reg)] * n, dtype="str"), pd.Series([""] * n, dtype="str")
    raw = table.iloc[:, pos].astype("str").str.strip()
    lookup = dict(reg.city.district_lookup)
    lookup.update({k: reg.city.terc for k in TOTAL_LABELS})
    lookup[reg.city.name.casefold()] = reg.city.terc
    codes = raw.str.casefold().map(lookup).fillna("").astype("str")
    return codes, raw


def _long(
    headers: list[str],
    table: pd.DataFrame,
    rows: pd.Series,
    *,
    ds: Dataset,
    reg: Registry,
    source_file: str,
    file_year: int | None,
    header_line: int,
) -> ReadResult:
    src = ds.source
    problems: list[dict] = []
    columns, missing = match_columns(headers, src.columns)
    for cm in missing:
        names = " or ".join(repr(n) for n in [cm.source, *cm.aliases])
        problems.append(
            problem(
                ds.id,
                source_file,
                header_line,
                cm.source,
                "",
                "required_column",
                f"column {cm.source!r} (variable {cm.variable}) not found in the header",
                f"a header {names}; found: {', '.join(repr(h) for h in headers if h)}",
            )
        )
    year_pos = find_header(headers, src.year_column)
    terr_pos = find_header(headers, src.territory_column)
    if src.territory_column and terr_pos is None:
        problems.append(
            problem(
                ds.id,
                source_file,
                header_line,
                src.territory_column,
                "",
                "required_column",
                f"territory column {src.territory_column!r} not found in the header",
                "a column with the district names",
            )
        )
        return ReadResult(empty_read(), problems)
    if year_pos is None and file_year is None:
        problems.append(
            problem(
                ds.id,
                source_file,
                header_line,
                src.year_column or "year",
                "",
                "required_column",
                f"year column {src.year_column!r} not found in the header and the file name carries no year",
                "a year column or '{year}' in the file name",
            )
        )
        return ReadResult(empty_read(), problems)

    # Drop empty rows and footnotes below the table.
    key_pos = year_pos if year_pos is not None else (terr_pos if terr_pos is not None else None)
    nonempty = (
        table.apply(lambda c: c.astype("str").str.strip() != "").any(axis=1)
        if len(table)
        else pd.Series([], dtype=bool)
    )
    keep = nonempty.copy()
    if key_pos is not None and len(table):
        key = table.iloc[:, key_pos].astype("str").str.strip()
        first = table.iloc[:, 0].astype("str").str.strip()
        keep &= (key != "") & ~key.map(is_footnote) & ~first.map(is_footnote)
    table = table[keep.to_numpy()]
    rows = rows[keep.to_numpy()]

    if year_pos is not None:
        raw_year = table.iloc[:, year_pos].astype("str").str.strip()
        years = parse_years(raw_year)
        bad = years.isna().to_numpy()
        for r, v in zip(rows[bad], raw_year[bad], strict=True):
            problems.append(
                problem(
                    ds.id,
                    source_file,
                    int(r),
                    headers[year_pos],
                    v,
                    "type",
                    f"year {v!r} is not a year",
                    "a four-digit year such as 2024",
                )
            )
        table, rows, years = table[~bad], rows[~bad], years[~bad]
    else:
        years = pd.Series([file_year] * len(table), dtype="Int64")
    codes, raw_terr = _territories(table, terr_pos, ds, reg)
    frame = tidy_long(
        table,
        columns,
        headers,
        rows=rows,
        years=years,
        territories=codes,
        raw_territories=raw_terr,
        decimal=src.decimal,
        thousands=src.thousands,
    )
    return ReadResult(frame, problems)


def _wide(
    headers: list[str],
    table: pd.DataFrame,
    rows: pd.Series,
    *,
    ds: Dataset,
    reg: Registry,
    source_file: str,
    header_line: int,
) -> ReadResult:
    """One column per year; each row is a variable (label in the first column) or a district (territory_column)."""
    src = ds.source
    problems: list[dict] = []
    year_cols = {i: int(float(h)) for i, h in enumerate(headers) if parse_years(pd.Series([h])).notna().iloc[0]}
    if not year_cols:
        problems.append(
            problem(
                ds.id,
                source_file,
                header_line,
                "",
                "",
                "required_column",
                "no year columns found in the header (layout: wide_years)",
                "headers such as 2019, 2020, 2021",
            )
        )
        return ReadResult(empty_read(), problems)
    terr_pos = find_header(headers, src.territory_column)
    label_pos = next(i for i in range(len(headers)) if i not in year_cols)
    if terr_pos is not None:
        cm = src.columns[0]
        variables = pd.Series([cm.variable] * len(table), dtype="str")
        scales = pd.Series([cm.scale] * len(table), dtype="float64")
        codes, raw_terr = _territories(table, terr_pos, ds, reg)
    else:
        labels = table.iloc[:, label_pos].astype("str").map(norm_header)
        by_label = {norm_header(n): cm for cm in src.columns for n in [cm.source, *cm.aliases]}
        mapped = labels.map(lambda s: by_label.get(s))
        keep = mapped.notna().to_numpy()
        table, rows, mapped = table[keep], rows[keep], mapped[keep]
        for cm in src.columns:
            if cm not in set(mapped):
                problems.append(
                    problem(
                        ds.id,
                        source_file,
                        None,
                        cm.source,
                        "",
                        "required_column",
                        f"row {cm.source!r} (variable {cm.variable}) not found",
                        f"a row labelled {cm.source!r} in the first column",
                    )
                )
        variables = mapped.map(lambda c: c.variable).astype("str")
        scales = mapped.map(lambda c: c.scale).astype("float64")
        codes, raw_terr = _territories(table, None, ds, reg)
    parts = []
    for pos, year in sorted(year_cols.items()):
        raw = table.iloc[:, pos].astype("str")
        parts.append(
            pd.DataFrame(
                {
                    "variable": variables.to_numpy(),
                    "territory": codes.to_numpy(),
                    "year": year,
                    "value": (parse_numbers(raw, src.decimal, src.thousands) * scales.to_numpy()).to_numpy(),
                    "flag": "",
                    "source_row": rows.to_numpy(),
                    "column": headers[pos],
                    "raw_value": raw.to_numpy(),
                    "raw_territory": raw_terr.to_numpy(),
                }
            )
        )
    frame = finish_read(pd.concat(parts, ignore_index=True)) if parts else empty_read()
    return ReadResult(frame, problems)
