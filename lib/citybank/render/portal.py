"""The data bank's portal pages of the site, per language, written from the catalogue's facts (no notebooks):

    catalogue.html            categories → datasets (provider, frequency, last data year, openness)
    dataset-<id>.html         one dataset: description, provider, category, frequency, due date, last data year and
                              whether it is overdue, openness, licence, years, variables, downloads, the year's
                              problems and its lineage (ISO 37120, strategy, consistency, report pages)
    providers.html            the providers, with their due dates and cards
    provider-<id>.html        what one provider supplies and what that feeds
    documents.html            the city's strategic documents (params/documents.yml)
    changes.html              what changed since the last release (reports/<Y>/data/changes.json)

Site only (the printed report stays the report): ``site_pages`` returns the book's pages with these appended and
the strategy page linking to the documents. Links are relative (the site works from a disk copy); a link to a
report page is made only when the book has that page.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
from collections.abc import Iterable
from typing import Any

from ..bank import finding_words
from ..catalogue import Catalogue, DatasetEntry, build_catalogue, stars
from ..changes import read_changes
from ..i18n import unit_label
from ..lineage import Lineage
from ..narrative import fmt_date, fmt_number
from ..params.consistency import load_rules
from ..params.documents import load_documents
from ..params.outline import page_id
from ..params.strategy import load_strategy
from ..publish import LICENCES
from .book import Block, BookInputs, Page
from .strings import t

GROUP = "portal"
INDEX_PAGES = ("catalogue", "providers", "documents", "changes")
CARDS_DIR = "cards"
"""Provider cards: ``reports/<Y>/cards/<provider>_<lang>.pdf`` (``citybank.render.cards``)."""
MAX_ROWS = 200
"""Revised or removed values listed on the changes page; the CSV/JSON hold all of them."""


def esc(text: object) -> str:
    return html.escape(str(text))


def link(href: str, text: str) -> str:
    return f'<a href="{esc(href)}">{esc(text)}</a>'


def filename(page_id: str) -> str:
    return "index.html" if page_id == "overview" else f"{page_id}.html"


def card_path(provider: str, lang: str) -> str:
    """The card's path relative to ``reports/<Y>/``."""
    return f"{CARDS_DIR}/{provider}_{lang}.pdf"


def table(header: list[str], rows: list[list[str]], caption: str = "", num: Iterable[int] = ()) -> str:
    """An HTML table of cells that are already HTML (escape text with ``esc``); ``num``: right-aligned columns."""
    num = set(num)
    cls = lambda j: ' class="num"' if j in num else ""  # noqa: E731
    out = ['<div class="table-wrap"><table>']
    if caption:
        out.append(f"<caption>{esc(caption)}</caption>")
    out.append("<thead><tr>" + "".join(f'<th scope="col"{cls(j)}>{esc(h)}</th>' for j, h in enumerate(header)))
    out.append("</tr></thead><tbody>")
    for r in rows:
        out.append("<tr>" + "".join(f"<td{cls(j)}>{c}</td>" for j, c in enumerate(r)) + "</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


def facts_list(items: list[tuple[str, str]]) -> str:
    """A definition list of (label, HTML value)."""
    return '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{v}</dd>" for k, v in items) + "</dl>"


def _date(iso: str | None, lang: str) -> str:
    return fmt_date(dt.date.fromisoformat(iso), lang) if iso else t("portal.no_due", lang)


def _status(d: DatasetEntry, lang: str) -> str:
    if d.last_data_year is None:
        return t("portal.no_data", lang)
    if d.overdue:
        return t("portal.overdue", lang, year=d.expected_last_year)
    return t("portal.up_to_date", lang)


def _stars(n: int, lang: str) -> str:
    return f'<span aria-hidden="true">{stars(n)}</span> ' + esc(t("portal.stars", lang, stars="", n=n).strip())


class _Words:
    """Names of everything a catalogue page links to, in one language."""

    def __init__(self, inp: BookInputs, lang: str, book_pages: list[Page]):
        reg = inp.registry
        self.lang = lang
        self.reg = reg
        self.titles = {p.id: p.title for p in book_pages}
        self.iso = {ind.clause: f"{ind.clause} {ind.name[lang]}".strip() for th in inp.iso for ind in th.indicators}
        strategy = load_strategy(reg)
        self.strategy = strategy.names(lang) if strategy is not None else {}
        self.rules = {r.id: r.name.get(lang) for r in load_rules(reg)}

    def page_link(self, page_id: str, text: str | None = None) -> str:
        title = text or self.titles.get(page_id, page_id)
        return link(filename(page_id), title) if page_id in self.titles else esc(title)

    def dataset(self, ds_id: str) -> str:
        return link(f"dataset-{ds_id}.html", self.reg.datasets[ds_id].title.get(self.lang))

    def provider(self, pid: str) -> str:
        return link(f"provider-{pid}.html", self.reg.providers[pid].name.get(self.lang))

    def lineage(self, lin: Lineage) -> str:
        lang = self.lang
        parts = []
        if not lin.feeds_anything:
            parts.append(f"<p>{esc(t('portal.feeds_nothing', lang))}</p>")
        rows = [
            (
                t("portal.iso_indicators", lang),
                [self.page_link(page_id("iso_indicator", c), self.iso.get(c, c)) for c in lin.iso],
            ),
            (
                t("portal.strategy_indicators", lang),
                [self.page_link("strategy", self.strategy.get(i, i)) for i in lin.strategy],
            ),
            (
                t("portal.consistency_rules", lang),
                [self.page_link("consistency", self.rules.get(r, r)) for r in lin.consistency],
            ),
            (t("portal.report_pages", lang), [self.page_link(p) for p in lin.pages]),
        ]
        items = [
            (
                label,
                "<ul>" + "".join(f"<li>{x}</li>" for x in links) + "</ul>" if links else esc(t("portal.none", lang)),
            )
            for label, links in rows
        ]
        return "".join(parts) + facts_list(items)


def _catalogue(cat: Catalogue, w: _Words, lang: str) -> list[Block]:
    reg = w.reg
    blocks = [Block("markdown", t("portal.catalogue_intro", lang))]
    header = [
        t("dataset", lang),
        t("portal.provider", lang),
        t("frequency", lang),
        t("portal.last_year", lang),
        t("portal.status", lang),
        t("portal.openness", lang),
    ]
    for slug, ids in cat.categories.items():
        if not ids:
            continue
        c = reg.categories[slug]
        rows = [
            [
                w.dataset(d),
                w.provider(cat.datasets[d].provider),
                esc(t(f"frequency.{cat.datasets[d].frequency}", lang)),
                esc(cat.datasets[d].last_data_year or "–"),
                esc(_status(cat.datasets[d], lang)),
                _stars(cat.datasets[d].openness, lang),
            ]
            for d in ids
        ]
        heading = f'<h2 id="{esc(slug)}">{esc(c.name.get(lang))}</h2><p>{esc(c.description.get(lang))} '
        heading += w.page_link(page_id("category", slug)) + "</p>"
        blocks.append(Block("html", heading + table(header, rows, num=[3])))
    return blocks


def _dataset(cat: Catalogue, d: DatasetEntry, w: _Words, lang: str) -> list[Block]:
    reg = w.reg
    ds = reg.datasets[d.id]
    category = reg.categories[d.category]
    years = f"{d.years[0]}–{d.years[-1]}" if d.years else "–"
    if d.gaps:
        years += " (" + t("portal.gaps", lang, years=", ".join(str(y) for y in d.gaps)) + ")"
    licence = link(LICENCES[d.licence][0], d.licence) if d.licence in LICENCES else esc(d.licence)
    facts = [
        (t("portal.provider", lang), w.provider(d.provider)),
        (t("portal.category", lang), link(f"catalogue.html#{d.category}", category.name.get(lang))),
        (t("frequency", lang), esc(t(f"frequency.{d.frequency}", lang))),
        (t("portal.due", lang, year=cat.year), esc(_date(d.due, lang))),
        (t("portal.last_year", lang), esc(f"{d.last_data_year or '–'} — {_status(d, lang)}")),
        (t("portal.openness", lang), _stars(d.openness, lang)),
        (t("licence", lang), licence),
        (t("portal.years_covered", lang), esc(years)),
        (t("portal.values", lang, year=cat.year), esc(fmt_number(d.values, lang))),
        (t("portal.format", lang), esc(d.format.upper().replace("_", " "))),
    ]
    blocks = [Block("markdown", ds.description.get(lang)), Block("html", facts_list(facts))]
    header = [t("variable", lang), t("unit", lang), t("definition", lang)]
    rows = [
        [
            esc(reg.variables[v].name.get(lang)),
            esc(unit_label(reg.variables[v].unit, lang)),
            esc(reg.variables[v].definition.get(lang)),
        ]
        for v in d.lineage.variables
    ]
    blocks.append(Block("html", f"<h2>{esc(t('portal.variables', lang))}</h2>" + table(header, rows)))
    if d.downloads:
        files = " · ".join(
            link(f"../../{p}", p.rsplit(".", 1)[-1].upper().replace("PARQUET", "Parquet")) for p in d.downloads
        )
        note = t("portal.downloads_note", lang, category=category.name.get(lang), id=d.id)
        body = f"<p>{files}</p><p>{esc(note)}</p>"
    else:
        body = f"<p>{esc(t('portal.no_downloads', lang))}</p>"
    blocks.append(Block("html", f"<h2>{esc(t('portal.downloads', lang))}</h2>" + body))
    blocks.append(Block("html", f"<h2>{esc(t('portal.problems', lang, year=cat.year))}</h2>" + _problems(d, w, lang)))
    if d.findings:  # every year's findings: the values are published, to be confirmed by the provider
        items = "".join(f"<li>{esc(finding_words(f, d.id, reg, lang))}</li>" for f in d.findings)
        head = f"<h2>{esc(t('portal.to_confirm', lang))}</h2><p>{esc(t('portal.to_confirm_intro', lang))}</p>"
        blocks.append(Block("html", f"{head}<ul>{items}</ul>"))
    blocks.append(Block("html", f"<h2>{esc(t('portal.lineage', lang))}</h2>" + w.lineage(d.lineage)))
    return blocks


def _problems(d: DatasetEntry, w: _Words, lang: str) -> str:
    if not d.problems:
        return f"<p>{esc(t('portal.no_problems', lang))}</p>"
    header = [t("portal.check", lang), t("portal.where", lang), t("portal.found", lang), t("portal.row", lang)]
    variables = w.reg.variables
    rows = [
        [
            esc(t(f"check.{p.check}", lang)),
            esc(variables[p.column].name.get(lang) if p.column in variables else p.column),
            esc(finding_words(p.finding, d.id, w.reg, lang) if p.finding is not None else p.value),
            esc(p.source_row if p.source_row is not None else "–"),
        ]
        for p in d.problems
    ]
    return table(header, rows, num=[3])


def _providers(cat: Catalogue, w: _Words, lang: str) -> list[Block]:
    reg = w.reg
    header = [
        t("portal.provider", lang),
        t("portal.kind", lang),
        t("portal.datasets", lang),
        t("portal.due", lang, year=cat.year),
        t("portal.card", lang),
    ]
    rows = [
        [
            w.provider(pid),
            esc(t(f"portal.provider_kind.{reg.providers[pid].kind}", lang)),
            esc(fmt_number(len(p.datasets), lang)),
            esc(_date(p.due, lang)),
            link(f"../../{card_path(pid, lang)}", "PDF"),
        ]
        for pid, p in cat.providers.items()
    ]
    return [
        Block("markdown", t("portal.providers_intro", lang, year=cat.year)),
        Block("html", table(header, rows, num=[2])),
    ]


def _provider(cat: Catalogue, pid: str, w: _Words, lang: str) -> list[Block]:
    reg = w.reg
    prov = cat.providers[pid]
    facts = [
        (t("portal.kind", lang), esc(t(f"portal.provider_kind.{reg.providers[pid].kind}", lang))),
        (t("portal.due", lang, year=cat.year), esc(_date(prov.due, lang))),
        (t("portal.card", lang), link(f"../../{card_path(pid, lang)}", t("portal.card", lang))),
    ]
    blocks = [Block("markdown", reg.providers[pid].description.get(lang)), Block("html", facts_list(facts))]
    header = [
        t("dataset", lang),
        t("portal.category", lang),
        t("frequency", lang),
        t("portal.last_year", lang),
        t("portal.status", lang),
        t("portal.problems", lang, year=cat.year),
    ]
    rows = [
        [
            w.dataset(d),
            link(f"catalogue.html#{cat.datasets[d].category}", reg.categories[cat.datasets[d].category].name.get(lang)),
            esc(t(f"frequency.{cat.datasets[d].frequency}", lang)),
            esc(cat.datasets[d].last_data_year or "–"),
            esc(_status(cat.datasets[d], lang)),
            esc(fmt_number(len(cat.datasets[d].problems), lang)),
        ]
        for d in prov.datasets
    ]
    blocks.append(Block("html", f"<h2>{esc(t('portal.datasets', lang))}</h2>" + table(header, rows, num=[3, 5])))
    blocks.append(Block("html", f"<h2>{esc(t('portal.lineage', lang))}</h2>" + w.lineage(prov.lineage)))
    return blocks


def _documents(inp: BookInputs, w: _Words, lang: str) -> list[Block]:
    docs = load_documents(inp.registry)
    header = [
        t("portal.doc_title", lang),
        t("portal.doc_type", lang),
        t("portal.adopted", lang),
        t("portal.resolution", lang),
        t("portal.period", lang),
        t("portal.text", lang),
    ]
    rows = []
    for d in docs:
        title = esc(d.title.get(lang))
        if not d.verified and d.verify is not None:
            title += f'<br><small class="verify">{esc(t("portal.to_verify", lang, what=d.verify.get(lang)))}</small>'
        adopted = d.adopted or ""
        shown = fmt_date(dt.date.fromisoformat(adopted), lang) if len(adopted) == 10 else adopted
        rows.append(
            [
                title,
                esc(t(f"portal.doc_kind.{d.type}", lang)),
                esc(shown or t("portal.unknown", lang)),
                esc(d.resolution or t("portal.unknown", lang)),
                esc(d.period or "–"),
                link(d.link, t("portal.text", lang)) if d.link else esc("–"),
            ]
        )
    return [Block("markdown", t("portal.documents_intro", lang)), Block("html", table(header, rows))]


def _changes(inp: BookInputs, cat: Catalogue, w: _Words, lang: str) -> list[Block]:
    report = read_changes(inp.report_dir / "data")
    if report is None:
        return [Block("markdown", t("portal.changes_missing", lang, year=inp.year))]
    v = report["values"]
    if report["first_release"]:
        text = t(
            "portal.first_release",
            lang,
            year=report["year"],
            datasets=fmt_number(len(report["datasets_added"]), lang),
            values=fmt_number(v["added"], lang),
        )
        return [Block("markdown", text), Block("markdown", t("portal.changes_files", lang))]
    n = {k: fmt_number(v[k], lang) for k in ("added", "removed", "revised", "unchanged")}
    blocks = [Block("markdown", t("portal.compared", lang, previous=report["previous_release"], **n))]
    reg = w.reg
    for key in ("datasets_added", "datasets_removed"):
        ids = report[key]
        names = [w.dataset(d) if d in reg.datasets else esc(d) for d in ids]
        body = "<ul>" + "".join(f"<li>{x}</li>" for x in names) + "</ul>" if ids else esc(t("portal.none", lang))
        blocks.append(Block("html", f"<h2>{esc(t(f'portal.{key}', lang))}</h2>{body}"))
    names = reg.city.territory_names

    def var(x: str) -> str:
        return esc(reg.variables[x].name.get(lang) if x in reg.variables else x)

    def prov(rec: dict[str, Any], side: str) -> str:
        ds = rec.get(f"{side}dataset") or ""
        row = rec.get(f"{side}source_row")
        label = reg.datasets[ds].title.get(lang) if ds in reg.datasets else ds
        return f"{label}, {t('portal.row', lang).lower()} {row}" if row is not None else label

    revs = report["revisions"]
    header = [
        t("variable", lang),
        t("portal.territory", lang),
        t("portal.year", lang),
        t("portal.old_value", lang),
        t("portal.new_value", lang),
        t("portal.provenance", lang),
    ]
    rows = [
        [
            var(r["variable"]),
            esc(names.get(r["territory"], r["territory"])),
            esc(r["year"]),
            esc(fmt_number(r["old_value"], lang)),
            esc(fmt_number(r["new_value"], lang)),
            esc(f"{prov(r, 'old_')} → {prov(r, 'new_')}"),
        ]
        for r in revs[:MAX_ROWS]
    ]
    body = table(header, rows, num=[2, 3, 4]) if rows else esc(t("portal.none", lang))
    if len(revs) > MAX_ROWS:
        body += f"<p>{esc(t('portal.more', lang, n=fmt_number(len(revs) - MAX_ROWS, lang)))}</p>"
    blocks.append(Block("html", f"<h2>{esc(t('portal.values_revised', lang))}</h2>{body}"))
    removed = report["removed"]
    header = [t("variable", lang), t("portal.territory", lang), t("portal.year", lang), t("portal.old_value", lang)]
    rows = [
        [
            var(r["variable"]),
            esc(names.get(r["territory"], r["territory"])),
            esc(r["year"]),
            esc(fmt_number(r["value"], lang)),
        ]
        for r in removed[:MAX_ROWS]
    ]
    body = table(header, rows, num=[2, 3]) if rows else esc(t("portal.none", lang))
    if len(removed) > MAX_ROWS:
        body += f"<p>{esc(t('portal.more', lang, n=fmt_number(len(removed) - MAX_ROWS, lang)))}</p>"
    blocks.append(Block("html", f"<h2>{esc(t('portal.values_removed', lang))}</h2>{body}"))
    blocks.append(Block("markdown", t("portal.changes_files", lang)))
    return blocks


def portal_pages(inp: BookInputs, lang: str, book_pages: list[Page], cat: Catalogue) -> list[Page]:
    """The catalogue, provider, documents and changes pages of one language."""
    w = _Words(inp, lang, book_pages)
    reg = inp.registry
    pages = [
        Page("catalogue", t("portal.catalogue", lang), GROUP, 1, None, _catalogue(cat, w, lang)),
        Page("providers", t("portal.providers", lang), GROUP, 1, None, _providers(cat, w, lang)),
        Page("documents", t("portal.documents", lang), GROUP, 1, None, _documents(inp, w, lang)),
        Page("changes", t("portal.changes", lang), GROUP, 1, None, _changes(inp, cat, w, lang)),
    ]
    for ds_id in sorted(cat.datasets, key=lambda d: (list(reg.categories).index(cat.datasets[d].category), d)):
        title = reg.datasets[ds_id].title.get(lang)
        pages.append(
            Page(f"dataset-{ds_id}", title, GROUP, 3, "catalogue", _dataset(cat, cat.datasets[ds_id], w, lang))
        )
    for pid in cat.providers:
        title = reg.providers[pid].name.get(lang)
        pages.append(Page(f"provider-{pid}", title, GROUP, 3, "providers", _provider(cat, pid, w, lang)))
    return pages


def with_documents_link(pages: list[Page], lang: str) -> list[Page]:
    """The book's pages with the strategy page (a copy: the printed report is not changed) linking to the
    documents page."""
    text = t("portal.documents_link", lang, title=t("portal.documents", lang))
    return [
        dataclasses.replace(p, blocks=[*p.blocks, Block("markdown", text)]) if p.id == "strategy" else p for p in pages
    ]


def site_pages(inp: BookInputs, lang: str, book_pages: list[Page], cat: Catalogue | None = None) -> list[Page]:
    """Every page of the site in one language: the book's (strategy linking to the documents) and the portal's."""
    cat = cat or build_catalogue(inp.year, inp.registry, paths=inp.paths)
    return [*with_documents_link(book_pages, lang), *portal_pages(inp, lang, book_pages, cat)]
