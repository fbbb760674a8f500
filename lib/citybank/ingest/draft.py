"""A guided start for a real file (``citybank new-dataset FILE``): inspect it — kind, encoding, delimiter, header
rows, unit row, year layout, territory column, candidate variables by name — and write a draft descriptor for
the analyst to review. Every guess the draft makes is a ``# REVIEW`` comment beside the key.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from ..params import Registry
from .bdl import read_bdl_api_json, read_bdl_ctab
from .common import (
    SourceFileError,
    decode_text,
    detect_delimiter,
    kept_codes,
    normalise_codes,
    parse_numbers,
    parse_years,
    read_bytes,
    sniff_kind,
    strip_kind,
    territory_names,
    unit_parts,
    year_of_header,
)
from .xlsx import cell_text, load_sheet

YEAR_HEADERS = {"rok", "year", "jahr", "lata", "rok sprawozdawczy"}
STOP = {
    "w",
    "i",
    "na",
    "z",
    "do",
    "od",
    "of",
    "the",
    "and",
    "in",
    "per",
    "der",
    "die",
    "und",
    "im",
    "gus",
    "csv",
    "xlsx",
    "json",
    "bdl",
    "api",
    "dane",
    "data",
    "stan",
    "liczba",
    "ogolem",
    "razem",
    "total",
    "by",
}


@dataclass
class Column:
    source: str
    variable: str
    candidates: list[tuple[str, float]] = field(default_factory=list)
    unit: str = ""
    scale: float = 1.0


@dataclass
class Inspection:
    """What new-dataset found in a file; ``notes`` are the findings in words (printed and put in the draft)."""

    path: Path
    format: str
    years: list[int] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    decimal: str = "."
    header_row: int | None = None
    header_rows: int = 1
    unit_row: int | None = None
    layout: str = "long"
    year_column: str | None = None
    year_in_name: int | None = None
    code_column: str | None = None
    territory_column: str | None = None
    columns: list[Column] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ------------------------------------------------------------------ variables by name


def _tokens(text: str) -> set[str]:
    plain = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().casefold()
    return {w[:6] for w in re.findall(r"[a-z]{2,}", plain) if w not in STOP}


def candidates(label: str, context: str, reg: Registry, taken: set[str]) -> list[tuple[str, float]]:
    """Variables of params/variables.yml whose names (pl, en, de) or id share words with the column's label
    (weight 2) and the file's name or title (weight 1); best first, a variable no dataset provides yet before an
    equally good one that is taken. Scores are 0..1."""
    own, ctx = _tokens(label), _tokens(context)
    scored = []
    for v in reg.variables.values():
        words = _tokens(" ".join([v.name.pl, v.name.en, v.name.de, v.id.replace("_", " ")]))
        if not words:
            continue
        hit = 2 * len(own & words) + len(ctx & words - own)
        if hit:
            scored.append((v.id, round(min(1.0, hit / (2 * min(len(words), 4))), 2)))
    scored.sort(key=lambda t: (-t[1], t[0] in taken, t[0]))
    return scored[:5]


def _pick(label: str, context: str, reg: Registry, taken: set[str]) -> Column:
    cands = candidates(label, context, reg, taken)
    free = [c for c in cands if c[0] not in taken]
    best = (free or cands or [("", 0.0)])[0]
    name = best[0] if best[1] >= 0.25 else "todo_" + (re.sub(r"[^a-z0-9]+", "_", _ascii(label)).strip("_") or "x")
    return Column(label, name, cands)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


# ------------------------------------------------------------------ inspection


def inspect_file(path: str | Path, reg: Registry) -> Inspection:
    """Inspect a raw file (never modified) and guess its descriptor's source keys and variables."""
    path = Path(path)
    data = read_bytes(path)
    kind = sniff_kind(data)
    taken = {v for d in reg.datasets.values() for v in d.variables}
    context = re.sub(r"[_\-.]+", " ", path.stem)
    m = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", path.stem)
    year_in_name = int(m.group(1)) if m and not re.search(r"(19|20)\d{2}\D+(19|20)\d{2}", path.stem) else None
    if kind == "json":
        return _inspect_api(path, reg, taken)
    if kind == "text":
        text, enc = decode_text(path, data, None)
        if text.lstrip('"').startswith("Kod") and re.search(r';\d{4};\[[^\]]*\]"', text.split("\n", 1)[0]):
            return _inspect_ctab(path, reg, taken, context, enc)
        delim = detect_delimiter(text[:20000])
        grid = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delim, quotechar='"')]
        insp = Inspection(path, "csv", encoding=enc, delimiter=delim, year_in_name=year_in_name)
        insp.notes.append(f"text file, encoding {enc}, delimiter {delim!r}")
    elif kind == "xlsx":
        grid = [[cell_text(v) for v in row] for row in load_sheet(path, data, 0, merged=True)]
        insp = Inspection(path, "xlsx", year_in_name=year_in_name)
        insp.notes.append("Excel workbook (first sheet)")
    else:
        raise SourceFileError(path, f"is not a file new-dataset can read ({kind})", "save it as .xlsx or CSV")
    _inspect_grid(insp, grid, reg, taken, context)
    return insp


def _inspect_api(path: Path, reg: Registry, taken: set[str]) -> Inspection:
    df = read_bdl_api_json(path)
    insp = Inspection(path, "bdl_api", years=sorted(int(y) for y in df["year"].dropna().unique()))
    known = {
        cm.source.strip(): cm.variable
        for d in reg.datasets.values()
        if d.source.format == "bdl_api"
        for cm in d.source.columns
    }
    for vid in dict.fromkeys(df["variable_id"]):
        var = known.get(vid, f"todo_bdl_{vid}" if vid else "todo_bdl_variable")
        insp.columns.append(Column(vid, var, [(var, 1.0)] if vid in known else []))
    insp.notes.append(
        f"BDL API response: variables {', '.join(v or '(unnamed)' for v in dict.fromkeys(df['variable_id']))}, "
        f"{df['unit_id'].nunique()} unit(s)"
    )
    return insp


def _inspect_ctab(path: Path, reg: Registry, taken: set[str], context: str, enc: str) -> Inspection:
    df = read_bdl_ctab(path)
    insp = Inspection(path, "bdl_ctab", years=sorted(int(y) for y in df["year"].unique()), encoding=enc)
    for (label, unit), _ in df.groupby(["variable", "unit"], sort=False):
        col = _pick(label, context, reg, taken)
        col.unit = unit
        insp.columns.append(col)
        taken = taken | {col.variable}
    insp.notes.append(
        f"BDL table export (CTAB), {enc}: {df['code'].nunique():,} territorial units, "
        f"{len(insp.columns)} dimension(s), years {insp.years[0]}–{insp.years[-1]}"
    )
    return insp


def _numeric(cells: list[str]) -> bool:
    s = pd.Series([c for c in cells if str(c).strip()], dtype="str")
    if s.empty:
        return False
    comma = parse_numbers(s, decimal=",").notna().mean()
    dot = parse_numbers(s, decimal=".").notna().mean()
    return max(comma, dot) >= 0.8


def _unit_like(cells: list[str]) -> bool:
    filled = [c.strip() for c in cells if c.strip()]
    if not filled or _numeric(filled):
        return False
    return all(
        c.startswith("[") or unit_parts(c)[0] != 1.0 or c.casefold() in ("zł", "osoba", "osoby", "%", "szt.")
        for c in filled
    )


def _inspect_grid(insp: Inspection, grid: list[list[str]], reg: Registry, taken: set[str], context: str) -> None:
    rows = [[str(c).strip() for c in r] for r in grid]
    width = max((len(r) for r in rows[:50]), default=0)
    filled = [sum(1 for c in r if c) for r in rows[:30]]
    h = next((i for i, n in enumerate(filled) if n >= max(2, 0.5 * max(filled, default=0))), 0)
    title = " ".join(c for r in rows[:h] for c in r if c)
    if title:
        context += " " + title
        insp.notes.append(f"title rows above the header: {title[:80]!r}")
    nh = 1
    if (
        insp.format == "xlsx"
        and h + 2 < len(rows)
        and any(rows[h + 1])
        and not _numeric(rows[h + 1])
        and not _unit_like(rows[h + 1])
        and _numeric(rows[h + 2][1:])
    ):
        nh = 2  # a second header row (merged cells above it)
    headers = []
    for c in range(width):
        parts: list[str] = []
        for r in rows[h : h + nh]:
            t = " ".join(r[c].split()) if c < len(r) else ""
            if t and (not parts or parts[-1] != t):
                parts.append(t)
        headers.append(" / ".join(parts))
    insp.header_row, insp.header_rows = h + 1, nh
    body_start = h + nh
    if body_start < len(rows) and _unit_like(rows[body_start]):
        insp.unit_row = body_start + 1
        insp.notes.append(f"row {insp.unit_row} gives the units: {[c for c in rows[body_start] if c][:4]}")
        body_start += 1
    body = [(r + [""] * width)[:width] for r in rows[body_start:] if any(r)]
    cols = {i: [r[i] for r in body] for i in range(width)}
    units = (rows[insp.unit_row - 1] + [""] * width)[:width] if insp.unit_row else [""] * width
    insp.decimal = "," if any(re.search(r"\d,\d", c) for r in body[:200] for c in r) else "."

    year_cols = {i: y for i, hd in enumerate(headers) if (y := year_of_header(hd)) is not None}
    lead = [i for i in range(width) if i not in year_cols]
    # territory: codes (7 digits after normalising, the city's among them) or names of the city, districts, peers
    kept = set(kept_codes(reg)) | {d.code for d in reg.city.districts}
    names = territory_names(reg)
    for i in lead:
        vals = [v for v in cols[i] if v]
        if not vals or insp.code_column:
            continue
        codes = normalise_codes(pd.Series(vals, dtype="str"))
        if codes.str.fullmatch(r"\d{7}").mean() > 0.8 and codes.isin(kept).any():
            insp.code_column = headers[i]
            insp.notes.append(
                f"column {headers[i]!r} holds territory codes ({len(vals):,} rows; "
                f"{int(codes.isin(kept).sum())} of the city, its powiat, districts and peers)"
            )
    for i in lead:
        vals = [v for v in cols[i] if v]
        if not vals or headers[i] == insp.code_column or insp.territory_column:
            continue
        hits = sum(1 for v in vals if strip_kind(v).casefold() in names)
        if hits and not _numeric(vals):
            insp.territory_column = headers[i]
            insp.notes.append(f"column {headers[i]!r} names territories ({hits} known: city, districts, peers)")
    if len(year_cols) >= 2:
        insp.layout = "wide_years"
        insp.years = sorted(set(year_cols.values()))
        insp.notes.append(
            f"one column per year ({headers[min(year_cols)]!r} … {headers[max(year_cols)]!r}): layout wide_years"
        )
        territorial = insp.code_column or insp.territory_column
        if territorial:
            label = re.sub(r"\d+", " ", title or context).strip()
            insp.columns.append(_pick(label, context, reg, taken))
        else:
            label_pos = lead[0] if lead else 0
            for lab in dict.fromkeys(v for v in cols[label_pos] if v):
                col = _pick(lab, context, reg, taken)
                insp.columns.append(col)
                taken = taken | {col.variable}
        return
    for i in lead:
        if headers[i].casefold() in YEAR_HEADERS or (
            cols[i] and parse_years(pd.Series([v for v in cols[i] if v][:50] or [""])).notna().all()
        ):
            insp.year_column = headers[i]
            ys = parse_years(pd.Series([v for v in cols[i] if v])).dropna()
            insp.years = sorted({int(y) for y in ys})
            insp.notes.append(f"column {headers[i]!r} holds the year ({insp.years[0]}–{insp.years[-1]})")
            break
    if not insp.year_column:
        if insp.year_in_name:
            insp.years = [insp.year_in_name]
            insp.notes.append(f"no year column; the file name carries the year {insp.year_in_name}: files use {{year}}")
        else:
            insp.notes.append("no year column and no year in the file name: REVIEW first_year/last_year")
    skip = {insp.year_column, insp.code_column, insp.territory_column}
    for i in lead:
        if headers[i] in skip or not headers[i] or not _numeric(cols[i]):
            continue
        col = _pick(headers[i], context, reg, taken)
        col.unit = units[i]
        insp.columns.append(col)
        taken = taken | {col.variable}


# ------------------------------------------------------------------ the draft


def draft_yaml(insp: Inspection, reg: Registry, *, dataset_id: str, files: str, provider: str | None = None) -> str:
    """The draft descriptor as YAML text, every guess marked ``# REVIEW``."""
    by_var = {v: d for d in reg.datasets.values() for v in d.variables}
    near = [v for c in insp.columns for v in [c.variable] + [x for x, _ in c.candidates]]
    first = next((by_var[v] for v in near if v in by_var), None)  # the category of the nearest known variable
    category = first.category if first else next(iter(reg.categories))
    if provider is None:
        national = insp.format.startswith("bdl") or bool(insp.code_column)  # BDL exports and national tables
        provider = "gus" if national and "gus" in reg.providers else None
        provider = provider or (first.provider if first else next(iter(reg.providers)))
    years = insp.years or [max(reg.years)]
    title = re.sub(r"[_\-]+", " ", insp.path.stem).strip()
    src: dict = {"format": insp.format, "files": [files]}
    if insp.format in ("csv",):
        src["encoding"] = insp.encoding
        src["delimiter"] = insp.delimiter
    if insp.format in ("csv", "xlsx"):
        src["decimal"] = insp.decimal
        src["header_row"] = insp.header_row
        if insp.header_rows > 1:
            src["header_rows"] = insp.header_rows
        if insp.unit_row:
            src["unit_row"] = insp.unit_row
        if insp.layout != "long":
            src["layout"] = insp.layout
        for key in ("year_column", "code_column", "territory_column"):
            if getattr(insp, key):
                src[key] = getattr(insp, key)
    src["columns"] = [{"source": c.source, "variable": c.variable} for c in insp.columns] or [
        {"source": "REVIEW", "variable": "todo"}
    ]
    doc = {
        "id": dataset_id,
        "title": {"pl": title, "en": title, "de": title},
        "description": {"pl": title, "en": title, "de": title},
        "category": category,
        "provider": provider,
        "frequency": "annual",
        "openness": 3 if insp.format != "xlsx" else 2,
        "licence": "CC-BY-4.0",
        "first_year": years[0],
        "last_year": years[-1],
        "source": src,
    }
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=120)
    review = {
        "title:": "REVIEW: the dataset's name in pl, en and de",
        "description:": "REVIEW: what the figures are, in pl, en and de",
        "category:": f"REVIEW: one of {', '.join(reg.categories)}",
        "provider:": f"REVIEW: one of {', '.join(reg.providers)}",
        "licence:": "REVIEW: the provider's licence",
        "first_year:": "found in the file",
    }
    lines = []
    for line in text.splitlines():
        key = line.strip().split(" ", 1)[0]
        note = review.get(key) if not line.startswith(" ") else None
        lines.append(f"{line}  # {note}" if note else line)
    out = "\n".join(lines) + "\n"
    for c in insp.columns:
        alts = ", ".join(f"{v} ({s:.2f})" for v, s in c.candidates[:4] if v != c.variable) or "none"
        status = (
            "REVIEW: no variable of params/variables.yml matches; add one"
            if c.variable.startswith("todo")
            else "REVIEW: chosen by name"
        )
        if c.variable in by_var:
            status += f"; NOTE: dataset {by_var[c.variable].id} provides it already (give this one its own variable)"
        out = out.replace(
            f"variable: {c.variable}\n", f"variable: {c.variable}\n    # {status}; other candidates: {alts}\n", 1
        )
    head = [
        f"# Draft by `citybank new-dataset {insp.path.name}`: review every line marked REVIEW, then run",
        f"#   citybank validate-file <the file> --dataset {dataset_id}",
        "# What the file looks like:",
    ] + [f"#   - {n}" for n in insp.notes]
    return "\n".join(head) + "\n" + out
