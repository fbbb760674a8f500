"""Handlers of the data commands: check-params, sample, import-bdl, validate-file, ingest, indicators, publish.

Each takes the parsed arguments, calls the library with plain values and prints in the analyst's words.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from .. import indicators
from ..bank import build_bank
from ..errors import UserError
from ..ingest import SourceFileError, check_file, format_problems
from ..ingest.bdl import SHAPE_NAMES, read_bdl_any
from ..manifest import write_manifest
from ..params import ParamsError, load_params, registry, year_or_default
from ..paths import PATHS
from ..publish import publish_year
from ..safety import safe_frame
from ..sample import generate
from ..util import atomic_path, dumps_json, write_text_atomic
from .build import known_year


def cmd_check_params(args: argparse.Namespace) -> int:
    root = Path(args.params) if args.params else PATHS.params
    try:
        reg = load_params(root)
    except ParamsError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(
        f"params OK: {root} — {len(reg.categories)} categories, {len(reg.providers)} providers, "
        f"{len(reg.variables)} variables, {len(reg.datasets)} datasets, {len(reg.years)} years"
        + "".join(f", {k}" for k in sorted(reg.extra))
    )
    from ..params.survey import link_notes  # the survey's links are reported only by check-params

    for note in link_notes(reg):
        print(f"  NOTE {note}")
    return 0


def cmd_sample(args: argparse.Namespace) -> int:
    out = Path(args.out) if args.out else PATHS.raw
    files = generate(out)
    print(f"sample city written: {len(files)} raw files under {out}")
    return 0


def cmd_import_bdl(args: argparse.Namespace) -> int:
    """``citybank import-bdl FILE [--out FILE.csv|FILE.parquet]``: a CTAB export or an API response (any shape)."""
    path = Path(args.file)
    shape, tidy, text_cells = read_bdl_any(path)
    if len(text_cells):
        first = text_cells.iloc[0]
        print(
            f"warning: {len(text_cells)} cell(s) hold text where a number belongs; they are left out "
            f"(e.g. row {first['source_row']}: {first['raw']!r})",
            file=sys.stderr,
        )
    if args.out:
        target = Path(args.out)
        if target.suffix.lower() not in (".csv", ".parquet"):
            raise UserError(f"--out {args.out}: use a file name ending in .csv or .parquet")
        with atomic_path(target) as tmp:
            if target.suffix.lower() == ".csv":
                safe_frame(tidy).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
            else:
                tidy.to_parquet(tmp, index=False)
        print(f"{len(tidy):,} values written to {target}")
        return 0
    if tidy.empty:
        print(f"{path.name}: {SHAPE_NAMES.get(shape, shape)} with no values")
        return 0
    levels = tidy.drop_duplicates("unit_id" if "unit_id" in tidy else "code")["level"].value_counts()
    units = tidy["unit_id" if "unit_id" in tidy else "code"].nunique()
    print(
        f"{path.name}: {SHAPE_NAMES.get(shape, shape)} — {len(tidy):,} values, {units:,} territorial units "
        f"({', '.join(f'{n:,} {lvl}' for lvl, n in levels.items())}), years {tidy['year'].min()}–{tidy['year'].max()}"
    )
    if shape == "ctab":
        for (var, unit), n in tidy.groupby(["variable", "unit"], sort=False).size().items():
            print(f"  variable {var!r} [{unit}]: {n:,} values")
    else:
        for var, n in tidy.groupby("variable", sort=False).size().items():
            print(f"  BDL variable {var or '(not named in the response)'}: {n:,} values")
    with pd.option_context("display.width", 160, "display.max_columns", 10, "display.max_colwidth", 40):
        print("\nfirst rows:")
        print(tidy.head(8).to_string(index=False))
    print("\nwrite the whole table with --out FILE.csv or --out FILE.parquet")
    return 0


def cmd_validate_file(args: argparse.Namespace) -> int:
    """``citybank validate-file PATH --dataset ID``: 0 when the file is clean, 1 with every problem listed."""
    reg = registry()
    if args.dataset not in reg.datasets:
        raise UserError(f"unknown dataset {args.dataset!r}; known: {', '.join(sorted(reg.datasets))}")
    ds = reg.datasets[args.dataset]
    path = Path(args.path)
    try:
        v = check_file(path, ds, reg)
    except SourceFileError as exc:
        print(f"{exc.path}: cannot be read — {exc.what}")
        if exc.todo:
            print(f"  what to do: {exc.todo}")
        return 1
    problems = v.problems
    left = f"; {v.dropped:,} rows of other territorial units left out" if v.dropped else ""
    if problems.empty:
        print(
            f"{path}: OK — {len(v.accepted)} values of {ds.id} "
            f"({', '.join(sorted(v.accepted['variable'].unique()))}), no problems{left}"
        )
        return 0
    print(
        f"{path}: {len(problems)} problem(s) for dataset {ds.id} "
        f"({len(v.accepted)} values accepted, {len(v.rejected)} rejected{left}):"
    )
    for line in format_problems(problems):
        print(line)
    return 1


def cmd_ingest(args: argparse.Namespace) -> int:
    """``citybank ingest [--year Y]``: build the bank; exit 1 when a dataset failed (after writing the rest)."""
    year = args.year
    reg = registry()
    result = build_bank(reg, years=[year] if year else None, progress=True)
    if result.cached:
        print("Nothing changed since the last ingest (same raw files, params and code): bank left as it was.")
    n_ds = len(result.summary)
    rejected = sum(v.get("rows_rejected", 0) for v in result.summary.values())
    print(
        f"Bank: {len(result.bank):,} values from {n_ds - len(result.failures)} of {n_ds} datasets; "
        f"{rejected} rows quarantined."
    )
    years = [year] if year else sorted(reg.years)
    shown = years[-1]
    print(
        f"Quality report: {PATHS.year_report(shown) / 'qa' / 'quality.md'}"
        + (f" (and {len(years) - 1} other years)" if len(years) > 1 else "")
    )
    for ds_id, info in sorted(result.summary.items()):
        if info.get("rows_rejected"):
            probs = ", ".join(f"{k}: {n}" for k, n in info["problems"].items())
            print(f"  {ds_id}: {info['rows_rejected']} rows rejected ({probs})")
    if result.failures:
        print(f"{len(result.failures)} dataset(s) could not be read:", file=sys.stderr)
        for ds_id, err in sorted(result.failures.items()):
            print(f"  {ds_id}: {err}", file=sys.stderr)
        return 1
    return 0


def cmd_indicators(args: argparse.Namespace) -> int:
    """``citybank indicators --year Y [--format table|csv|json] [--out FILE]``."""
    reg = registry()
    year = year_or_default(args.year, reg)
    catalogue = indicators.load_catalogue(reg)
    res = indicators.results(reg=reg)
    if not (res["year"] == year).any():
        have = ", ".join(str(y) for y in sorted(res["year"].unique())) or "none"
        raise UserError(
            f"no indicator results for {year}; years with results: {have}. "
            f"Add params/years/{year}.yml and the year's data, then run `citybank ingest`."
        )
    table = indicators.indicator_table(year, res=res, catalogue=catalogue, reg=reg)
    fmt = args.format
    if fmt == "csv":
        text = safe_frame(table).to_csv(index=False, lineterminator="\n")
    elif fmt == "json":
        records = [
            {k: (indicators.json_number(v) if isinstance(v, float) else v) for k, v in row.items()}
            for row in table.to_dict(orient="records")
        ]
        text = dumps_json(records)
    else:
        cert = indicators.certification_level(res, catalogue, reg.city.terc, year, reg=reg)
        text = (
            f"ISO 37120:2018 indicators — {reg.city.name}, {year}\n\n"
            + _text_table(table)
            + "\n\n"
            + summary_line(table, cert)
            + "\n"
        )
    out = args.out
    if out:
        write_text_atomic(out, text)
        print(f"written {out} ({len(table)} indicators, {year})", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    """``citybank publish --year Y``: write the open datasets and refresh the manifest."""
    year = known_year(args.year)
    files = publish_year(year, registry())
    manifest = write_manifest(year)
    total = sum(p.stat().st_size for p in files)
    print(f"published {len(files)} files ({total / 1024:.0f} KiB) under {PATHS.year_report(year) / 'data'}")
    print(f"manifest: {manifest}")
    return 0


def summary_line(table: pd.DataFrame, cert: dict[str, Any]) -> str:
    """'reported 86 of 101 applicable numbered indicators; …; 3 not applicable; certification estimate: Gold (2014
    WCCD scheme)'. Every "x of y" counts only applicable indicators: one that does not apply to the city is
    neither reported nor missing."""
    applicable = table[table["status"] != "not_applicable"]
    numbered = applicable[applicable["type"] != "profile"]
    parts = [
        f"reported {int((numbered['status'] == 'reported').sum())} of {len(numbered)} applicable numbered indicators"
    ]
    for typ in indicators.TYPES:
        part = applicable[applicable["type"] == typ]
        if (table["type"] == typ).any():
            parts.append(f"{typ} {int((part['status'] == 'reported').sum())} of {len(part)}")
    na = int((table["status"] == "not_applicable").sum())
    if na:
        parts.append(f"{na} not applicable")
    level = cert["level"]["name"]["en"] if cert["level"] else "none"
    parts.append(f"certification estimate: {level} (2014 WCCD scheme)")
    return "; ".join(parts)


def _text_table(table: pd.DataFrame) -> str:
    def fmt(v: float) -> str:
        return "" if pd.isna(v) else f"{v:,.2f}".replace(",", " ")

    cols = [
        ("id", table["id"]),
        ("type", table["type"]),
        ("status", table["status"].str.replace("_", " ")),
        ("value", table["value"].map(fmt)),
        ("unit", table["unit"]),
        ("indicator", table["name_en"].str.slice(0, 60)),
    ]
    widths = [max(len(h), *(len(str(x)) for x in s)) if len(s) else len(h) for h, s in cols]
    right = {"value"}
    lines = [
        "  ".join(h.rjust(w) if h in right else h.ljust(w) for (h, _), w in zip(cols, widths, strict=True)).rstrip()
    ]
    lines.append("  ".join("-" * w for w in widths))
    for i in range(len(table)):
        cells = [str(s.iloc[i]) for _, s in cols]
        lines.append(
            "  ".join(
                c.rjust(w) if h in right else c.ljust(w) for (h, _), c, w in zip(cols, cells, widths, strict=True)
            ).rstrip()
        )
    return "\n".join(lines)
