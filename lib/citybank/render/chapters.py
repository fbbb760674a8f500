"""The book of one language: the chapter plan turned into pages — executed notebooks (overview, categories, ISO
indicators, strategy, the residents' survey (its overview and a page per theme), consistency), ISO theme tables, and the pages written from files (``extra_pages``)."""

from __future__ import annotations

from ..i18n import unit_label
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

NOTEBOOK_SECTIONS = {"overview", "residents", "categories", "strategy", "consistency", "survey"}


def _failure_page(page: Page, lang: str, reason: str) -> Page:
    page.failure = reason
    page.blocks = [Block("error", f"{t('missing_chapter', lang)}. {reason}")]
    return page


def build_page(inp: BookInputs, lang: str, pid: str, title: str, section: str, level: int, group: str | None) -> Page:
    """One page with its blocks; a missing or unreadable notebook gives an honest failure page."""
    page = Page(pid, title, section, level, group)
    is_notebook = section in NOTEBOOK_SECTIONS or pid == "iso-overview" or (section == "iso" and level == 3)
    if is_notebook:
        path = inp.notebook(lang, pid)
        page.notebook = path
        rel = path.relative_to(inp.paths.root) if path.is_relative_to(inp.paths.root) else path
        if not path.is_file():
            return _failure_page(page, lang, t("missing_notebook", lang, path=rel, year=inp.year))
        try:
            nb = read_notebook(path)
        except (OSError, ValueError) as exc:
            return _failure_page(page, lang, t("broken_notebook", lang, path=rel, error=exc))
        page.blocks, nb_title = notebook_blocks(nb, lang, title)
        if section == "iso" and level == 3:
            clause = pid.removeprefix("iso-")
            if title == clause and nb_title:
                page.title = nb_title if nb_title.startswith(clause) else f"{clause} {nb_title}"
            page.blocks[:0] = _indicator_summary(inp, lang, pid.removeprefix("iso-"))
        return page
    if section == "iso":  # a theme page
        theme = next(th for th in inp.iso if th.id == pid)
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
    pages = [build_page(inp, lang, *entry) for entry in chapter_plan(inp, lang)]
    # Indicators missing from params/iso37120.yml are named in their theme's table after their notebooks.
    names = {
        p.id.removeprefix("iso-"): p.title.removeprefix(p.id.removeprefix("iso-")).strip()
        for p in pages
        if p.section == "iso" and p.level == 3
    }
    for p in pages:
        if p.section == "iso" and p.level == 2:
            theme = next(th for th in inp.iso if th.id == p.id)
            p.blocks = [Block("table", table=iso_theme_table(inp, theme, lang, names))]
    return pages
