"""The annual monitoring report: HTML site, PDF and DOCX in PL/EN/DE from the executed notebooks.

``render_year(year, langs, formats, engine)`` is the library entry point, ``main_render(args)`` the CLI
handler (``citybank render``). Outputs under ``reports/<Y>/``::

    site/index.html, site/<lang>/*.html, site/assets/   the offline HTML site: the data bank's catalogue,
                                                        the search index (site/<lang>/search-index.js), the
                                                        accessibility declaration (<lang>/accessibility.html)
    site/pagefind/                                      a Pagefind index for hosted copies (when installed)
    cards/<provider>_<lang>.pdf                         one-page provider cards (with the site)
    report_<lang>.pdf, report_<lang>.docx               the printed report
    residents_<lang>.pdf                                the residents' summary on two A4 pages
    quarto/<lang>/_quarto.yml + chapters                the Quarto book (always generated)

A missing notebook becomes an honest page saying the chapter could not be built; it is listed in
``RenderResult.failures`` and the CLI exits non-zero at the end.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..catalogue import build_catalogue
from ..errors import UserError
from ..params import LANGS, registry
from ..params.outline import page_id
from ..paths import PATHS, Paths
from ..rawdata import is_sample
from . import cards, portal, quarto, residents, search
from .accessibility import declaration_page, publication_problems
from .book import Block, BookInputs, Page, clause_key, iso_catalogue
from .chapters import build_book
from .printed import PrintError, book_markdown, write_docx, write_pdf
from .site import SiteWriter
from .strings import t

FORMATS = ("html", "pdf", "docx")
ENGINES = ("auto", "quarto", "offline")

__all__ = ["FORMATS", "ENGINES", "RenderResult", "render_year"]


@dataclass
class RenderResult:
    """What a render wrote and what went wrong (one line per failed chapter or format)."""

    year: int
    engine: str
    outputs: list[Path] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failures


def _split(value: str | list[str] | tuple[str, ...], allowed: tuple[str, ...], what: str) -> list[str]:
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
    items = [v for v in items if v]
    bad = [v for v in items if v not in allowed]
    if bad or not items:
        raise UserError(
            f"unknown {what} {', '.join(bad) or '(none given)'}; expected one or more of {', '.join(allowed)}"
        )
    return list(dict.fromkeys(items))


def _inputs(year: int, paths: Paths) -> BookInputs:
    reg = registry(paths.params)
    nb_root = paths.year_report(year) / "notebooks"
    prefix, overview = page_id("iso_indicator", ""), page_id("iso_overview")  # iso-<clause>, iso-overview
    clauses = sorted(
        {p.stem.removeprefix(prefix) for p in nb_root.glob(f"*/{prefix}*.ipynb") if p.stem != overview},
        key=clause_key,
    )
    categories = [(slug, {lg: c.name.get(lg) for lg in LANGS}) for slug, c in reg.categories.items()]
    return BookInputs(
        paths=paths,
        year=year,
        city=reg.city.name,
        categories=categories,
        iso=iso_catalogue(reg.extra.get("iso37120"), clauses),
        sample=is_sample(paths.raw),
        registry=reg,
    )


def _merge_site(tmp: Path, site: Path, langs: list[str]) -> None:
    """Move a freshly written site into place: each rendered language folder replaces the old one whole (no
    page of an earlier render survives), figures (content-addressed) and the stylesheet are added. The search
    assets and indexes are written afterwards, on the merged site."""
    (site / "assets" / "img").mkdir(parents=True, exist_ok=True)
    for lang in langs:
        if (site / lang).exists():
            shutil.rmtree(site / lang)
        (tmp / lang).rename(site / lang)
    for img in sorted((tmp / "assets" / "img").glob("*.png")):
        img.replace(site / "assets" / "img" / img.name)
    (tmp / "assets" / "site.css").replace(site / "assets" / "site.css")
    (tmp / "index.html").replace(site / "index.html")
    shutil.rmtree(tmp)


def _residents_pdf(inp: BookInputs, lang: str, pages: list[Page]) -> Path | str | None:
    """The residents' two-page printout of one language (its path), a failure line, or None when the book has
    no residents' page (no params/residents.yml) or its notebook is missing (the page already says so)."""
    page = next((p for p in pages if p.id == "residents"), None)
    if page is None or page.failure or page.notebook is None:
        return None
    out = inp.report_dir / f"residents_{lang}.pdf"
    try:
        summary = residents.read_summary(page.notebook)
        build_dir = inp.paths.build / "render" / str(inp.year) / f"residents-{lang}"
        return residents.write_pdf(summary, build_dir, out, lang, inp.city, inp.year, inp.sample)
    except PrintError as exc:
        return f"{lang}/residents-pdf: {exc}"


def _with_printout_link(page: Page, lang: str, report_dir: Path) -> Page:
    """The residents' page on the site, with a link to its printout when the printout exists."""
    pdf = report_dir / f"residents_{lang}.pdf"
    if page.id != "residents" or not pdf.is_file():
        return page
    link = Block("markdown", f"[{t('residents.printable', lang)}](../../{pdf.name})")
    return dataclasses.replace(page, blocks=[*page.blocks, link])


def render_year(
    year: int,
    langs: list[str] | tuple[str, ...] | str = LANGS,
    formats: list[str] | tuple[str, ...] | str = FORMATS,
    engine: str = "auto",
    paths: Paths | None = None,
    sample: bool | None = None,
) -> RenderResult:
    """Render the report of ``year`` in ``langs`` × ``formats``. ``engine``: auto (Quarto when on PATH,
    else offline), quarto, offline; ``paths``: another checkout (tests); ``sample``: force the sample-data
    notice on/off (None = ask ``citybank.sample``). Raises UserError for bad arguments or when no notebook
    was built."""
    paths = paths or PATHS
    langs = _split(langs, LANGS, "language")
    formats = _split(formats, FORMATS, "format")
    if engine not in ENGINES:
        raise UserError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    if engine == "quarto" and not quarto.quarto_available():
        raise UserError("--engine quarto: the `quarto` command is not on PATH; install Quarto or use --engine offline")
    use_quarto = engine == "quarto" or (engine == "auto" and quarto.quarto_available())
    report_dir = paths.year_report(year)
    if not (report_dir / "notebooks").is_dir():
        raise UserError(
            f"no executed notebooks in {report_dir / 'notebooks'}; run `citybank build --year {year}` first"
        )

    result = RenderResult(year, "quarto" if use_quarto else "offline")
    t0 = time.perf_counter()
    inp = _inputs(year, paths)
    if sample is not None:
        inp.sample = sample
    books: dict[str, list[Page]] = {lang: build_book(inp, lang) for lang in langs}
    for lang, pages in books.items():
        result.failures.extend(f"{lang}/{p.id}: {p.failure}" for p in pages if p.failure)
    result.seconds["read"] = time.perf_counter() - t0

    titles = {lg: f"{t('report_title', lg)} {year} – {inp.city}" for lg in LANGS}
    subtitles = {lg: f"{inp.city} · {year}" for lg in LANGS}

    t0 = time.perf_counter()
    projects: dict[str, Path] = {}
    for lang, pages in books.items():
        config = quarto.write_project(report_dir / "quarto" / lang, lang, pages, titles[lang], subtitles[lang])
        projects[lang] = config.parent
        result.outputs.append(config)
    result.seconds["quarto-project"] = time.perf_counter() - t0

    if (
        "pdf" in formats
    ):  # with either engine, before the site, which links each language's printout when it was written
        t0 = time.perf_counter()
        for lang, pages in books.items():
            out = _residents_pdf(inp, lang, pages)
            if isinstance(out, Path):
                result.outputs.append(out)
            elif out:
                result.failures.append(out)
        result.seconds["residents-pdf"] = time.perf_counter() - t0

    if use_quarto:
        for lang in langs:
            try:
                out = quarto.render_with_quarto(projects[lang], formats)
            except RuntimeError as exc:
                result.failures.append(f"{lang}: {exc}")
                continue
            result.outputs.append(out)
        return result

    if "html" in formats:
        t0 = time.perf_counter()
        site = report_dir / "site"
        tmp = report_dir / ".site.tmp"
        if tmp.exists():
            shutil.rmtree(tmp)
        # Languages rendered earlier stay in the site (and in its language switcher).
        site_langs = [lg for lg in LANGS if lg in langs or (site / lg / "index.html").is_file()]
        titles_site = {lg: f"{t('report_title', lg)} {year} · {inp.city}" for lg in LANGS}
        declarations = {lg: declaration_page(inp, lg, titles_site[lg]) for lg in site_langs}
        writer = SiteWriter(
            tmp, titles_site, site_langs, inp.sample, {lg: p for lg, p in declarations.items() if p is not None}
        )
        writer.write_root(inp.city, year)
        cat = build_catalogue(year, inp.registry, paths=paths)
        for lang, pages in books.items():
            linked = [_with_printout_link(p, lang, report_dir) for p in pages]
            writer.write_language(lang, portal.site_pages(inp, lang, linked, cat))
        result.outputs += cards.write_cards(inp, cat, langs)
        _merge_site(tmp, site, langs)
        if not inp.sample:  # the law asks a published site's declaration for the city's contact and dates
            result.failures.extend(publication_problems(inp))
        result.outputs.append(report_dir / "site" / "index.html")
        result.seconds["html"] = time.perf_counter() - t0

        t0 = time.perf_counter()
        search.write_assets(site, site_langs)
        result.outputs.extend(search.write_index(site, lg) for lg in site_langs)
        result.seconds["search"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        try:
            pagefind = search.write_pagefind(site)
        except RuntimeError as exc:
            result.failures.append(f"search/pagefind: {exc}")
        else:
            if pagefind is not None:
                result.outputs.append(pagefind)
        result.seconds["pagefind"] = time.perf_counter() - t0

    for lang, pages in books.items():
        if "pdf" not in formats and "docx" not in formats:
            break
        build_dir = paths.build / "render" / str(year) / lang
        if build_dir.exists():
            shutil.rmtree(build_dir)
        build_dir.mkdir(parents=True)
        markdown = book_markdown(pages, build_dir / "img")
        (build_dir / f"report_{lang}.md").write_text(markdown, encoding="utf-8")
        year_params = inp.registry.years.get(year)
        status = t("provisional", lang) if year_params is not None and year_params.status == "provisional" else ""
        if "pdf" in formats:
            t0 = time.perf_counter()
            cover = {
                "title": t("report_title", lang),
                "city": inp.city,
                "year": str(year),
                "lang": lang,
                "language": t("language_name", lang),
                "status": status,
                "sample": t("sample_notice", lang) if inp.sample else "",
                "contents": t("contents", lang),
            }
            try:
                result.outputs.append(write_pdf(markdown, build_dir, report_dir / f"report_{lang}.pdf", cover))
            except PrintError as exc:
                result.failures.append(f"{lang}/pdf: {exc}")
            result.seconds[f"pdf-{lang}"] = time.perf_counter() - t0
        if "docx" in formats:
            t0 = time.perf_counter()
            try:
                out = report_dir / f"report_{lang}.docx"
                result.outputs.append(write_docx(markdown, build_dir, out, lang, titles[lang], subtitles[lang]))
            except PrintError as exc:
                result.failures.append(f"{lang}/docx: {exc}")
            result.seconds[f"docx-{lang}"] = time.perf_counter() - t0
    return result
