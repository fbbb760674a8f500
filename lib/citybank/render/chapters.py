"""The book of one language: the chapter plan (the outline, ``citybank.params.outline``) turned into pages — executed
notebooks (the outline's notebook pages), ISO theme tables, and the pages written from files (``extra_pages``)."""

from __future__ import annotations

from ..i18n import unit_label
from ..params.outline import PageSpec
from . import extra_pages
from .book import (
    Block,
    BookInputs,
    Page,
    Table,
    chapter_plan,
    format_value,
    iso_theme_table,
    iso_values,
    notebook_blocks,
    read_notebook,
    status_text,
)
from .strings import t


def _failure_page(page: Page, lang: str, reason: str) -> Page:
    page.failure = reason
    page.blocks = [Block("error", f"{t('missing_chapter', lang)}. {reason}")]
    return page


def build_page(inp: BookInputs, lang: str, spec: PageSpec, title: str) -> Page:
    """One page with its blocks; a missing or unreadable notebook gives an honest failure page."""
    page = Page(spec.id, title, spec.section, spec.level, spec.group)
    if spec.notebook:
        path = inp.notebook(lang, spec.id)
        page.notebook = path
        rel = path.relative_to(inp.paths.root) if path.is_relative_to(inp.paths.root) else path
        if not path.is_file():
            return _failure_page(page, lang, t("missing_notebook", lang, path=rel, year=inp.year))
        try:
            nb = read_notebook(path)
        except (OSError, ValueError) as exc:
            return _failure_page(page, lang, t("broken_notebook", lang, path=rel, error=exc))
        page.blocks, nb_title = notebook_blocks(nb, lang, title)
        if spec.kind == "iso_indicator":
            clause = str(spec.parameters["indicator"])
            if title == clause and nb_title:
                page.title = nb_title if nb_title.startswith(clause) else f"{clause} {nb_title}"
            page.blocks[:0] = _indicator_summary(inp, lang, clause)
        return page
    if spec.kind == "iso_theme":
        theme = next(th for th in inp.iso if th.id == spec.id)
        page.blocks = [Block("table", table=iso_theme_table(inp, theme, lang))]
        return page
    return extra_pages.build(inp, lang, page)


def _indicator_summary(inp: BookInputs, lang: str, clause: str) -> list[Block]:
    rec = iso_values(inp.report_dir / "data", inp.year).get(clause)
    if not rec:
        return []
    header = [[t("value", lang), t("unit", lang), t("status", lang)]]
    row = [
        format_value(rec.get("value"), lang),
        unit_label(str(rec.get("unit") or ""), lang),
        status_text(rec.get("status"), lang),
    ]
    return [Block("table", table=Table(header, [row]))]


def build_book(inp: BookInputs, lang: str) -> list[Page]:
    """Every page of the report in one language, in order."""
    plan = chapter_plan(inp, lang)
    pages = [build_page(inp, lang, spec, title) for spec, title in plan]
    # Indicators missing from params/iso37120.yml are named in their theme's table after their notebooks.
    clauses = {spec.id: str(spec.parameters["indicator"]) for spec, _ in plan if spec.kind == "iso_indicator"}
    names = {clauses[p.id]: p.title.removeprefix(clauses[p.id]).strip() for p in pages if p.id in clauses}
    themes = {spec.id for spec, _ in plan if spec.kind == "iso_theme"}
    for p in pages:
        if p.id in themes:
            theme = next(th for th in inp.iso if th.id == p.id)
            p.blocks = [Block("table", table=iso_theme_table(inp, theme, lang, names))]
    return pages
