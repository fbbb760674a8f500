"""The HTML site: ``reports/<Y>/site/<lang>/<page>.html``, self-contained and readable from disk.

No web fonts, no CDN: one stylesheet (``site/assets/site.css``), content-addressed figures
(``site/assets/img/<sha>.png``) and one script, the search box (``citybank.render.search``: works from disk; the
page reads fully without it, the box is hidden then). Every page has the chapter navigation (ISO indicator pages
under their theme), a language switcher pointing at the same page in the other languages, the search box, the
sample-data banner when the data are the bundled sample, and a footer linking the accessibility declaration.
One Markdown renderer and one template environment serve every page.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from . import search
from .book import Block, Page, Table, numeric_columns
from .strings import t

NUM = ' class="num"'
_SCRIPT = re.compile(r"<script\b.*?</script\s*>|<link\b[^>]*>|<iframe\b.*?</iframe\s*>", re.I | re.S)


def template_text(name: str) -> str:
    """A file of ``citybank/templates`` (package data)."""
    return resources.files("citybank").joinpath("templates", name).read_text(encoding="utf-8")


def table_html(table: Table, link_prefix: str = "") -> str:
    """A clean, scrollable HTML table; numeric columns right-aligned (class ``num``)."""
    header, rows = table.padded()
    num = numeric_columns(table)
    out = ['<div class="table-wrap"><table>']
    if table.caption:
        out.append(f"<caption>{html.escape(table.caption)}</caption>")
    if header:
        out.append("<thead>")
        for r in header:
            cells = "".join(f"<th{NUM if num[j] else ''}>{html.escape(c)}</th>" for j, c in enumerate(r))
            out.append(f"<tr>{cells}</tr>")
        out.append("</thead>")
    out.append("<tbody>")
    for r in rows:
        cells = []
        for j, c in enumerate(r):
            text = html.escape(c)
            if table.link_col == j and c:
                text = f'<a href="{html.escape(link_prefix + c)}">{text}</a>'
            cells.append(f"<td{NUM if num[j] else ''}>{text}</td>")
        out.append(f"<tr>{''.join(cells)}</tr>")
    out.append("</tbody></table></div>")
    return "".join(out)


@dataclass
class NavItem:
    title: str
    href: str = ""
    id: str = ""
    children: list[NavItem] = field(default_factory=list)
    current: bool = False
    open: bool = False


class SiteWriter:
    """Writes the pages of one or more languages; create once per render and reuse for every page."""

    def __init__(
        self,
        out_dir: Path,
        site_title: dict[str, str],
        langs: list[str],
        sample: bool,
        accessibility: dict[str, Page] | None = None,
    ):
        import jinja2
        import mistune

        self.out = out_dir
        self.site_title = site_title
        self.langs = langs
        self.sample = sample
        # the accessibility declaration of each language: linked from every page's footer, written with them
        self.accessibility = accessibility or {}
        self.env = jinja2.Environment(
            loader=jinja2.FunctionLoader(template_text), autoescape=True, keep_trailing_newline=True
        )
        self.page_tpl = self.env.get_template("page.html.j2")
        self.root_tpl = self.env.get_template("root.html.j2")
        self.markdown = mistune.create_markdown(escape=True, plugins=["table", "strikethrough", "footnotes"])
        self.images: dict[str, bytes] = {}

    @cached_property
    def img_dir(self) -> Path:
        d = self.out / "assets" / "img"
        d.mkdir(parents=True, exist_ok=True)
        return d

    # -------------------------------------------------------------- blocks

    def md(self, text: str) -> str:
        body = str(self.markdown(text))
        # The page title is the only <h1>: headings inside a page start at <h2>.
        return re.sub(r"<(/?)h1(\b[^>]*)>", r"<\1h2\2>", body)

    def block_html(self, block: Block) -> str:
        if block.kind == "markdown":
            return self.md(block.text)
        if block.kind == "table" and block.table is not None:
            return table_html(block.table, link_prefix="../../")
        if block.kind == "image" and block.image is not None:
            name = block.image_name
            if name not in self.images:
                self.images[name] = block.image
                (self.img_dir / name).write_bytes(block.image)
            return f'<figure><img src="../assets/img/{name}" alt="{html.escape(block.alt)}"></figure>'
        if block.kind == "text":
            return f'<pre class="output">{html.escape(block.text)}</pre>'
        if block.kind == "error":
            return f'<div class="callout error" role="alert">{self.md(block.text)}</div>'
        if block.kind == "html":
            return _SCRIPT.sub("", block.text)
        return ""

    # -------------------------------------------------------------- navigation

    @staticmethod
    def nav(pages: list[Page], lang: str, current: Page) -> list[NavItem]:
        items: list[NavItem] = []
        groups: dict[str, NavItem] = {}
        theme_items: dict[str, NavItem] = {}
        for p in pages:
            item = NavItem(p.title, p.filename, p.id, current=p.id == current.id)
            if p.section in ("categories", "survey"):
                group = groups.get(p.section)
                if group is None:
                    group = groups[p.section] = NavItem(t(p.section, lang))
                    items.append(group)
                group.children.append(item)
            elif p.section == "iso":
                group = groups.get("iso")
                if group is None:
                    group = groups["iso"] = NavItem(t("iso", lang))
                    items.append(group)
                if p.level == 3 and p.group in theme_items:
                    theme = theme_items[p.group]
                    theme.children.append(item)
                    theme.open = theme.open or item.current
                else:
                    group.children.append(item)
                    if p.level == 2:
                        theme_items[p.id] = item
                        item.open = item.current
            elif p.section == "portal":  # the data bank's catalogue: its index pages; dataset/provider pages are
                group = groups.get("portal")  # reached from them (a hundred links would drown the navigation)
                if group is None:
                    group = groups["portal"] = NavItem(t("portal.group", lang))
                    items.append(group)
                if p.level == 1:
                    group.children.append(item)
            else:
                items.append(item)
        return items

    # -------------------------------------------------------------- pages

    def write_language(self, lang: str, pages: list[Page]) -> list[Path]:
        """Every page of ``lang`` (with prev/next links in book order), then its accessibility declaration (in no
        chapter sequence)."""
        folder = self.out / lang
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        titles = {p.id: p.title for p in pages}
        for i, page in enumerate(pages):
            prev = pages[i - 1] if i else None
            nxt = pages[i + 1] if i + 1 < len(pages) else None
            written.append(self.write_page(lang, page, pages, titles, prev, nxt))
        extra = self.accessibility.get(lang)
        if extra is not None:
            written.append(self.write_page(lang, extra, pages, titles))
        return written

    def write_page(
        self,
        lang: str,
        page: Page,
        pages: list[Page],
        titles: dict[str, str],
        prev: Page | None = None,
        nxt: Page | None = None,
    ) -> Path:
        body = "\n".join(self.block_html(b) for b in page.blocks)
        crumb = titles.get(page.group, "") if page.level == 3 else (t("iso", lang) if page.level == 2 else "")
        declaration = self.accessibility.get(lang)
        ctx: dict[str, Any] = {
            "lang": lang,
            "page_id": page.id,
            "site_title": self.site_title[lang],
            "page_title": page.title,
            "breadcrumb": crumb,
            "body": _Markup(body),
            "nav": self.nav(pages, lang, page),
            "langs": [
                {
                    "code": lg,
                    "name": t("language_name", lg),
                    "href": f"../{lg}/{page.filename}",
                    "current": lg == lang,
                }
                for lg in self.langs
            ],
            "sample_notice": t("sample_notice", lang) if self.sample else "",
            "skip_label": t("skip_to_content", lang),
            "choose_language": t("choose_language", lang),
            "chapters_label": t("chapters", lang),
            "indicators_label": t("a11y.nav_indicators", lang),
            "search": self.search_context(lang),
            "accessibility": {"href": declaration.filename, "title": declaration.title} if declaration else None,
            "prev": {"href": prev.filename, "title": prev.title} if prev else None,
            "next": {"href": nxt.filename, "title": nxt.title} if nxt else None,
        }
        path = self.out / lang / page.filename
        path.write_text(self.page_tpl.render(ctx), encoding="utf-8")
        return path

    @staticmethod
    def search_context(lang: str) -> dict[str, str]:
        return {
            **search.search_context(lang),
            "label": t("search.label", lang),
            "button": t("search.button", lang),
            "results_label": t("search.results", lang),
            "msg_count": t("search.count", lang, n="{n}"),
            "msg_none": t("search.none", lang, q="{q}"),
            "note_offline": t("search.note_offline", lang),
            "note_pagefind": t("search.note_pagefind", lang),
        }

    def write_root(self, city: str, year: int) -> Path:
        (self.out / "assets").mkdir(parents=True, exist_ok=True)
        (self.out / "assets" / "site.css").write_text(template_text("site.css"), encoding="utf-8")
        langs = [
            {
                "code": lg,
                "name": t("language_name", lg),
                "title": self.site_title[lg],
                "sample_notice": t("sample_notice", lg),
                "accessibility": (
                    {"href": self.accessibility[lg].filename, "title": self.accessibility[lg].title}
                    if lg in self.accessibility
                    else None
                ),
            }
            for lg in self.langs
        ]
        path = self.out / "index.html"
        path.write_text(self.root_tpl.render(city=city, year=year, langs=langs, sample=self.sample), encoding="utf-8")
        return path


def _Markup(text: str) -> Any:  # noqa: N802 - mirrors markupsafe.Markup
    from markupsafe import Markup

    return Markup(text)
