"""From a grid of cells (header labels + data rows, from a CSV or a sheet) to READ_COLUMNS.

Both the delimited-text and the XLSX reader end here, so the two formats map columns, years and
districts in exactly the same way.
"""

from __future__ import annotations

import pandas as pd

from ..params import Dataset, Registry
from .common import (
    YEAR_HEADER_EXAMPLES,
    ReadResult,
    city_territory,
    empty_read,
    find_header,
    finish_read,
    kept_codes,
    match_columns,
    norm_header,
    normalise_codes,
    parse_numbers,
    parse_years,
    problem,
    strip_kind,
    territory_names,
    tidy_long,
    unit_factor,
    year_of_header,
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
    body, row_numbers = list(body), list(row_numbers)
    units: list[str] = [""] * width
    if ds.source.unit_row and ds.source.unit_row in row_numbers:  # the unit row is not data
        i = row_numbers.index(ds.source.unit_row)
        units = ([str(c) for c in body[i]] + [""] * width)[:width]
        del body[i], row_numbers[i]
    body = [(r + [""] * width)[:width] for r in body]
    table = pd.DataFrame(body, columns=range(width), dtype="str") if body else pd.DataFrame(columns=range(width))
    rows = pd.Series(row_numbers, dtype="int64")
    ctx = _Ctx(ds, reg, source_file, header_line, units)
    if ds.source.layout == "wide_years":
        return _wide(headers, table, rows, ctx)
    return _long(headers, table, rows, ctx, file_year=file_year)


class _Ctx:
    """What every step of one file's reading needs: the descriptor, params, the file and its unit row."""

    def __init__(self, ds: Dataset, reg: Registry, source_file: str, header_line: int, units: list[str]):
        self.ds, self.reg, self.source_file, self.header_line, self.units = ds, reg, source_file, header_line, units
        self.problems: list[dict] = []

    def add(self, row: int | None, column: str, value: object, check: str, reason: str, expected: str) -> None:
        self.problems.append(problem(self.ds.id, self.source_file, row, column, value, check, reason, expected))

    def factor(self, pos: int, variable: str, header: str) -> float:
        """The unit row's factor of column ``pos`` for ``variable`` (1 without a unit row)."""
        cell = self.units[pos] if pos < len(self.units) else ""
        unit = self.reg.variables[variable].unit if variable in self.reg.variables else ""
        f = unit_factor(cell, unit)
        if f is None:
            self.add(
                self.ds.source.unit_row,
                header,
                cell,
                "unit",
                f"the unit row gives {cell.strip()!r} for column {header!r}, but variable {variable} is in {unit}",
                f"values in {unit}; map the column to a variable in {cell.strip()} or fix source.unit_row",
            )
            return float("nan")
        return f


def _territories(
    table: pd.DataFrame, headers: list[str], ctx: _Ctx
) -> tuple[pd.Series, pd.Series, pd.Series, int] | None:
    """(codes, raw texts, rows to keep, rows left out) of a table's rows, from source.code_column or
    source.territory_column (names; a BDL kind suffix such as '(1)' is understood). An unknown district name gets
    code '' (validation quarantines it); a row of a unit the bank does not keep (another gmina of a national file)
    is left out and counted. None when a declared column is missing (the problem is recorded)."""
    ds, reg, src = ctx.ds, ctx.reg, ctx.ds.source
    n = len(table)
    found = ", ".join(repr(h) for h in headers if h)
    name_pos = find_header(headers, src.territory_column)
    code_pos = find_header(headers, src.code_column)
    for col, pos, what in ((src.code_column, code_pos, "codes"), (src.territory_column, name_pos, "names")):
        if col and pos is None:
            ctx.add(
                ctx.header_line,
                col,
                "",
                "required_column",
                f"territory column {col!r} not found in the header",
                f"a column with the territory {what}; found: {found}",
            )
            return None
    if code_pos is None and name_pos is None:
        return (
            pd.Series([city_territory(ds, reg)] * n, dtype="str"),
            pd.Series([""] * n, dtype="str"),
            pd.Series(True, index=table.index),
            0,
        )
    raw = table.iloc[:, name_pos if name_pos is not None else code_pos].astype("str").str.strip()
    if code_pos is not None:
        codes = normalise_codes(table.iloc[:, code_pos]).set_axis(table.index)
        known = set(kept_codes(reg)) | {d.code for d in reg.city.districts}
        content = table.iloc[:, code_pos].astype("str").str.strip().ne("")
        keep = codes.isin(known)
        want = city_territory(ds, reg)
        if n and not codes.eq(want).any():
            examples = [c for c in codes[content] if c][:3]
            ctx.add(
                None,
                headers[code_pos],
                "",
                "missing_territory",
                f"no row of {reg.city.territory_name(want)} (code {want}) among the file's {int(content.sum()):,} "
                "rows" + (f" (codes such as {', '.join(examples)})" if examples else ""),
                f"a row with code {want} in column {headers[code_pos]!r}: a file that covers "
                f"{reg.city.territory_name(want)}, or source.code_column naming its code column",
            )
        return codes.where(keep, ""), raw, keep, int((~keep & content).sum())
    lookup = dict(territory_names(reg))
    lookup.update({k: reg.city.terc for k in TOTAL_LABELS})
    plain = raw.map(strip_kind).str.casefold()
    codes = plain.map(lookup).fillna("").astype("str")
    # a name with a BDL kind suffix that is not a unit the bank keeps is another gmina of a national file
    other = codes.eq("") & raw.str.contains(r"\(\d{1,2}\)\s*$", regex=True)
    return codes, raw, ~other, int(other.sum())


def _long(headers: list[str], table: pd.DataFrame, rows: pd.Series, ctx: _Ctx, *, file_year: int | None) -> ReadResult:
    src = ctx.ds.source
    columns, missing = match_columns(headers, src.columns)
    for cm in missing:
        names = " or ".join(repr(n) for n in [cm.source, *cm.aliases])
        ctx.add(
            ctx.header_line,
            cm.source,
            "",
            "required_column",
            f"column {cm.source!r} (variable {cm.variable}) not found in the header",
            f"a header {names}; found: {', '.join(repr(h) for h in headers if h)}",
        )
    year_pos = find_header(headers, src.year_column)
    terr_pos = find_header(headers, src.territory_column)
    code_pos = find_header(headers, src.code_column)
    if year_pos is None and file_year is None:
        ctx.add(
            ctx.header_line,
            src.year_column or "year",
            "",
            "required_column",
            f"year column {src.year_column!r} not found in the header and the file name carries no year"
            if src.year_column
            else "no year column declared and the file name carries no year",
            "a year column (source.year_column), '{year}' in the file name, or layout: wide_years",
        )
        return ReadResult(empty_read(), ctx.problems)

    # Drop empty rows and footnotes below the table.
    key_pos = next((p for p in (year_pos, code_pos, terr_pos) if p is not None), None)
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

    terr = _territories(table, headers, ctx)
    if terr is None:
        return ReadResult(empty_read(), ctx.problems)
    codes, raw_terr, mine, dropped = terr
    table, rows, codes, raw_terr = (x[mine.to_numpy()] for x in (table, rows, codes, raw_terr))

    if year_pos is not None:
        raw_year = table.iloc[:, year_pos].astype("str").str.strip()
        years = parse_years(raw_year)
        bad = years.isna().to_numpy()
        for r, v in zip(rows[bad], raw_year[bad], strict=True):
            ctx.add(int(r), headers[year_pos], v, "type", f"year {v!r} is not a year", "a four-digit year such as 2024")
        table, rows, years, codes, raw_terr = (x[~bad] for x in (table, rows, years, codes, raw_terr))
    else:
        years = pd.Series([file_year] * len(table), dtype="Int64")
    factors = {pos: ctx.factor(pos, cm.variable, headers[pos]) for pos, cm in columns.items()}
    # a column whose unit contradicts its variable gives no value (its 'unit' problem says why)
    scaled = {
        pos: cm.model_copy(update={"scale": cm.scale * factors[pos]})
        for pos, cm in columns.items()
        if factors[pos] == factors[pos]
    }
    frame = tidy_long(
        table,
        scaled,
        headers,
        rows=rows,
        years=years,
        territories=codes,
        raw_territories=raw_terr,
        decimal=src.decimal,
        thousands=src.thousands,
    )
    return ReadResult(frame, ctx.problems, dropped)


def _wide(headers: list[str], table: pd.DataFrame, rows: pd.Series, ctx: _Ctx) -> ReadResult:
    """One column per year; each row is a variable (label in the first other column) or a territory
    (source.territory_column / source.code_column)."""
    src = ctx.ds.source
    year_cols = {i: y for i, h in enumerate(headers) if (y := year_of_header(h, src.year_header)) is not None}
    if not year_cols:
        found = ", ".join(repr(h) for h in headers[:6] if h) + (" …" if len(headers) > 6 else "")
        ctx.add(
            ctx.header_line,
            "",
            "",
            "required_column",
            "no year columns in the header (layout: wide_years)"
            + (f" matching year_header {src.year_header!r}" if src.year_header else ""),
            f"headers such as {YEAR_HEADER_EXAMPLES}, or source.year_header naming the pattern "
            f"(e.g. 'r{{year}}'); found: {found}",
        )
        return ReadResult(empty_read(), ctx.problems)
    terr = _territories(table, headers, ctx)
    if terr is None:
        return ReadResult(empty_read(), ctx.problems)
    codes, raw_terr, mine, dropped = terr
    table, rows, codes, raw_terr = (x[mine.to_numpy()] for x in (table, rows, codes, raw_terr))
    lead = {find_header(headers, src.territory_column), find_header(headers, src.code_column)}
    others = [i for i in range(len(headers)) if i not in year_cols and i not in lead]
    by_label = {norm_header(n): cm for cm in src.columns for n in [cm.source, *cm.aliases]}
    territorial = bool(src.territory_column or src.code_column)
    if territorial and (len(src.columns) == 1 or not others):
        mapped = pd.Series([src.columns[0]] * len(table), index=table.index, dtype="object")
    else:
        if not others:
            ctx.add(
                ctx.header_line,
                "",
                "",
                "required_column",
                "no label column before the year columns",
                "a first column naming the variable of each row",
            )
            return ReadResult(empty_read(), ctx.problems, dropped)
        labels = table.iloc[:, others[0]].astype("str").map(norm_header)
        mapped = labels.map(lambda s: by_label.get(s))
        keep = mapped.notna().to_numpy()
        table, rows, mapped, codes, raw_terr = (x[keep] for x in (table, rows, mapped, codes, raw_terr))
        for cm in src.columns:
            if cm not in set(mapped):
                ctx.add(
                    None,
                    cm.source,
                    "",
                    "required_column",
                    f"row {cm.source!r} (variable {cm.variable}) not found",
                    f"a row labelled {cm.source!r} in column {headers[others[0]]!r}",
                )
    variables = mapped.map(lambda c: c.variable).astype("str")
    parts = []
    for pos, year in sorted(year_cols.items()):
        raw = table.iloc[:, pos].astype("str")
        scales = mapped.map(lambda c, p=pos: c.scale * ctx.factor(p, c.variable, headers[p])).astype("float64")
        if scales.isna().all():
            continue  # the unit row contradicts the variable: no value (its 'unit' problem says why)
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
    return ReadResult(frame, _unique(ctx.problems), dropped)


def _unique(problems: list[dict]) -> list[dict]:
    """Each problem once (a unit mismatch is found once per row of a column)."""
    return list({tuple(p.values()): p for p in problems}.values())
