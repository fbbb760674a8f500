"""The pages that are not notebooks: data quality, downloads, methodology."""

from __future__ import annotations

from pathlib import Path

from .. import narrative as nv
from ..bank import quality_markdown
from ..i18n import unit_label
from .book import Block, BookInputs, Page, Table, strip_title
from .strings import t

FORMATS = {
    ".csv": "CSV",
    ".xlsx": "XLSX",
    ".parquet": "Parquet",
    ".json": "JSON",
    ".md": "Markdown",
    ".zip": "ZIP",
    ".geojson": "GeoJSON",
}
NAMED_FORMATS = {
    "datapackage.json": "Data Package (JSON)",
    "dane_gov_pl.xml": "dane.gov.pl (XML 1.10)",
    "dane_gov_pl.md5": "MD5",
    "catalog.ttl": "DCAT-AP 3 (Turtle)",
    "ckan.jsonl": "CKAN (JSON Lines)",
    "CITATION.cff": "Citation File Format",
}
"""Files known by name: the data package and its open-data metadata (citybank.opendata)."""


def human_size(n: int, lang: str) -> str:
    """``532 B``, ``1,2 kB`` (pl/de) / ``1.2 kB`` (en), ``3,4 MB`` — decimal units, one decimal."""
    if n < 1000:
        return f"{n} B"
    value, unit = n / 1000, "kB"
    if value >= 1000:
        value, unit = value / 1000, "MB"
    text = f"{value:.1f}"
    return (text if lang == "en" else text.replace(".", ",")) + f" {unit}"


def file_format(path: Path) -> str:
    if path.name in NAMED_FORMATS:
        return NAMED_FORMATS[path.name]
    return FORMATS.get(path.suffix.lower(), path.suffix.lstrip(".").upper() or "—")


def downloads_table(report_dir: Path, lang: str) -> Table | None:
    """Every published file under ``reports/<Y>/data/``, sorted by path, with format and size."""
    data = report_dir / "data"
    files = sorted(p for p in data.rglob("*") if p.is_file() and not p.name.startswith(".")) if data.is_dir() else []
    if not files:
        return None
    header = [[t("file", lang), t("format", lang), t("size", lang)]]
    rows = [[p.relative_to(report_dir).as_posix(), file_format(p), human_size(p.stat().st_size, lang)] for p in files]
    return Table(header, rows, link_col=0)


def _quality(inp: BookInputs, lang: str, page: Page) -> Page:
    """The year's QA report in the page's language (from quality.json; quality.md is the data team's copy)."""
    import json

    path = inp.report_dir / "qa" / "quality.json"
    md = inp.report_dir / "qa" / "quality.md"
    if path.is_file() and inp.registry is not None:
        text = quality_markdown(json.loads(path.read_text(encoding="utf-8")), inp.registry, lang)
    elif md.is_file():
        text = md.read_text(encoding="utf-8")
    else:
        page.failure = t("missing_file", lang, path=md.relative_to(inp.paths.root), year=inp.year)
        page.blocks = [Block("error", f"{t('missing_chapter', lang)}. {page.failure}")]
        return page
    body, _ = strip_title(text)
    page.blocks = [Block("markdown", body)]
    return page


def _downloads(inp: BookInputs, lang: str, page: Page) -> Page:
    table = downloads_table(inp.report_dir, lang)
    if table is None:
        page.failure = t("no_downloads", lang, path=f"reports/{inp.year}/data/", year=inp.year)
        page.blocks = [Block("error", page.failure)]
        return page
    page.blocks = [Block("markdown", t("downloads_intro", lang)), Block("table", table=table)]
    return page


def _methodology(inp: BookInputs, lang: str, page: Page) -> Page:
    blocks: list[Block] = []
    if inp.sample:
        blocks.append(Block("markdown", f"**{t('sample_notice', lang)}**"))
    reg = inp.registry
    if reg is not None:
        blocks.append(Block("markdown", f"## {t('sources', lang)}\n\n{t('provenance_note', lang)}"))
        used_vars: list[str] = []
        for pid, prov in reg.providers.items():
            dsets = sorted((d for d in reg.datasets.values() if d.provider == pid), key=lambda d: d.id)
            if not dsets:
                continue
            blocks.append(Block("markdown", f"### {prov.name.get(lang)}\n\n{prov.description.get(lang)}"))
            header = [[t("dataset", lang), t("years", lang), t("frequency", lang), t("licence", lang)]]
            rows = [
                [d.title.get(lang), f"{d.first_year}–{d.last_year}", t(f"frequency.{d.frequency}", lang), d.licence]
                for d in dsets
            ]
            blocks.append(Block("table", table=Table(header, rows)))
            for d in dsets:
                used_vars.extend(v for v in d.variables if v not in used_vars)
        if used_vars:
            blocks.append(Block("markdown", f"## {t('definitions', lang)}"))
            header = [[t("variable", lang), t("unit", lang), t("definition", lang)]]
            rows = [
                [
                    reg.variables[v].name.get(lang),
                    unit_label(reg.variables[v].unit, lang),
                    reg.variables[v].definition.get(lang),
                ]
                for v in sorted(used_vars)
                if v in reg.variables
            ]
            blocks.append(Block("table", table=Table(header, rows)))
    caveats = []
    if reg is not None:  # every methodological break declared in params/variables.yml
        by_break: dict[tuple[int, str], list[str]] = {}
        for v in reg.variables.values():
            for b in v.breaks:
                by_break.setdefault((b.year, b.reason.get(lang)), []).append(v.name.get(lang))
        caveats += [nv.break_sentence(names, y, reason, lang) for (y, reason), names in sorted(by_break.items())]
    caveats.append(t("iso_notes", lang))
    year_params = reg.years.get(inp.year) if reg is not None else None
    if year_params is not None and year_params.note is not None:
        caveats.append(year_params.note.get(lang))
    blocks.append(Block("markdown", f"## {t('caveats', lang)}\n\n" + "\n\n".join(f"- {c}" for c in caveats)))
    page.blocks = blocks
    return page


def build(inp: BookInputs, lang: str, page: Page) -> Page:
    return {"quality": _quality, "downloads": _downloads, "methodology": _methodology}[page.section](inp, lang, page)
