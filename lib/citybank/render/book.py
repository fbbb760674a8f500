"""The report as a book: an ordered list of pages per language, each a list of content blocks.

The executed notebooks (papermill outputs) are read as JSON — no kernel, no nbformat import — into blocks
(markdown, tables, figures, text). The HTML site, the PDF and the DOCX are all written from this one model,
so the three formats show the same chapters in the same order.

Page order: the outline's (``citybank.params.outline``), the one list of pages the runner plans too.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Literal

from ..i18n import load_catalog, unit_label
from ..indicators import clause_key, parse_catalogue
from ..narrative import fmt_number
from ..params.outline import PageSpec, outline, page_id, survey_themes
from ..paths import Paths
from .strings import t

BlockKind = Literal["markdown", "table", "image", "text", "html", "error"]

# Cells the report never shows: papermill parameters and anything tagged for removal.
HIDDEN_TAGS = {"parameters", "injected-parameters", "remove-cell", "remove_cell", "hide-cell"}
_NOISE = re.compile(r"^<(Figure|matplotlib|Axes|seaborn)[^>]*>$")


# ------------------------------------------------------------------ blocks


@dataclass
class Table:
    """A table reduced to text cells: header rows, body rows and an optional caption."""

    header: list[list[str]]
    rows: list[list[str]]
    caption: str = ""
    link_col: int | None = None
    """A column whose cells are paths relative to the report folder (``data/x.csv``): rendered as links."""
    numeric: list[bool] | None = None
    """Which columns are numbers (right-aligned); None = detect from the cells."""

    @property
    def ncols(self) -> int:
        return max((len(r) for r in [*self.header, *self.rows]), default=0)

    def padded(self) -> tuple[list[list[str]], list[list[str]]]:
        n = self.ncols
        pad = lambda r: r + [""] * (n - len(r))  # noqa: E731
        return [pad(r) for r in self.header], [pad(r) for r in self.rows]


@dataclass
class Block:
    kind: BlockKind
    text: str = ""
    table: Table | None = None
    image: bytes | None = None
    alt: str = ""
    caption: str = ""
    """Figures: ``alt`` describes the image for screen readers; ``caption`` is the printed caption."""

    @property
    def image_name(self) -> str:
        """A content-addressed file name: identical figures share one file, names never depend on order."""
        assert self.image is not None
        return hashlib.sha256(self.image).hexdigest()[:16] + ".png"


@dataclass
class Page:
    """One chapter (or sub-chapter) of the report in one language."""

    id: str
    title: str
    section: str
    level: int = 1
    group: str | None = None
    blocks: list[Block] = field(default_factory=list)
    failure: str | None = None
    notebook: Path | None = None

    @property
    def filename(self) -> str:
        return "index.html" if self.id == "overview" else f"{self.id}.html"


# ------------------------------------------------------------------ HTML tables


class _TableParser(HTMLParser):
    """Collects the tables of an HTML fragment as rows of text cells (pandas/Styler output)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self._in_head = False
        self._row: list[str] | None = None
        self._row_is_head = True
        self._cell: list[str] | None = None
        self._colspan = 1
        self._caption: list[str] | None = None
        self._skip = 0
        self._cur: Table | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "table":
            self._cur = Table([], [])
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row, self._row_is_head = [], True
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
            span = dict(attrs).get("colspan") or "1"
            self._colspan = int(span) if span.isdigit() else 1
            if tag == "td":
                self._row_is_head = False
        elif tag == "caption":
            self._caption = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip = max(0, self._skip - 1)
        elif tag == "thead":
            self._in_head = False
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            text = " ".join("".join(self._cell).split())
            self._row.extend([text] + [""] * (self._colspan - 1))
            self._cell = None
        elif tag == "tr" and self._row is not None and self._cur is not None:
            head = self._in_head or (self._row_is_head and not self._cur.rows)
            (self._cur.header if head else self._cur.rows).append(self._row)
            self._row = None
        elif tag == "caption" and self._caption is not None and self._cur is not None:
            self._cur.caption = " ".join("".join(self._caption).split())
            self._caption = None
        elif tag == "table" and self._cur is not None:
            if self._cur.ncols:
                self.tables.append(self._cur)
            self._cur = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def parse_tables(html: str) -> list[Table]:
    """Every ``<table>`` of an HTML fragment, as text cells."""
    p = _TableParser()
    p.feed(html)
    p.close()
    return p.tables


_NUMBER = re.compile(r"^[-+\u2212\u2013]?(\d[\d\s\u00a0\u202f.,']*)(\s?(%|‰|pp|p\.p\.))?$")


# Cells that say "no value" (the narrative module's missing markers in pl/en/de, dashes): neutral when
# deciding whether a column is numeric.
MISSING_MARKS = frozenset({"–", "-", "—", "NaN", "nan", "b.d.", "n/a", "k. A."})


def is_number(cell: str) -> bool:
    """True for cells that read as numbers (``1 234,5``, ``-3.2%``, ``12``): these are right-aligned."""
    return bool(_NUMBER.match(cell.strip()))


def numeric_columns(table: Table) -> list[bool]:
    """Columns whose non-empty body cells are all numbers (unless the table says which)."""
    if table.numeric is not None:
        return [*table.numeric, *[False] * (table.ncols - len(table.numeric))][: table.ncols]
    _, rows = table.padded()
    out = []
    for j in range(table.ncols):
        vals = [r[j] for r in rows if r[j].strip() and r[j].strip() not in MISSING_MARKS]
        out.append(bool(vals) and all(is_number(v) for v in vals))
    return out


# ------------------------------------------------------------------ markdown helpers

_FENCE = re.compile(r"^\s*(```|~~~)")
_ATX = re.compile(r"^(#{1,6})(\s+.*)$")


def shift_headings(md: str, by: int, attrs: str = "") -> str:
    """Demote ATX headings by ``by`` levels (capped at 6), leaving fenced code alone; ``attrs`` (e.g.
    ``{.unlisted}``) is appended to headings that carry no attributes yet."""
    out, fenced = [], False
    for line in md.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
        m = None if fenced else _ATX.match(line)
        if m:
            text = m.group(2).rstrip()
            if attrs and not text.endswith("}"):
                text += f" {attrs}"
            line = "#" * min(6, len(m.group(1)) + by) + text
        out.append(line)
    return "\n".join(out)


def strip_title(md: str) -> tuple[str, str | None]:
    """Remove a leading level-1 heading from a markdown cell; return (rest, heading text or None)."""
    lines = md.lstrip("\n").splitlines()
    if lines and re.match(r"^#\s+\S", lines[0]):
        return "\n".join(lines[1:]).strip("\n"), lines[0][1:].strip()
    return md, None


def _last_heading(blocks: list[Block]) -> str:
    for b in reversed(blocks):
        if b.kind == "markdown":
            for line in reversed(b.text.splitlines()):
                m = _ATX.match(line)
                if m:
                    return m.group(2).strip()
    return ""


# ------------------------------------------------------------------ notebooks → blocks


def _src(x: Any) -> str:
    return "".join(x) if isinstance(x, list) else str(x or "")


def _image_alt(output: dict[str, Any], cell: dict[str, Any]) -> str | None:
    md = output.get("metadata") or {}
    for cand in (
        md.get("image/png", {}) if isinstance(md.get("image/png"), dict) else {},
        md,
        cell.get("metadata", {}),
    ):
        for key in ("alt", "alt_text", "description"):
            if isinstance(cand.get(key), str) and cand[key].strip():
                return cand[key].strip()
    return None


def notebook_blocks(nb: dict[str, Any], lang: str, title: str) -> tuple[list[Block], str | None]:
    """The visible content of an executed notebook, code hidden. Returns (blocks, the notebook's own title).

    Parameter cells and cells tagged remove-cell are skipped; stderr streams are dropped; figures get the
    alt text of their output/cell metadata, else a description generated from the nearest heading.
    """
    import base64

    blocks: list[Block] = []
    nb_title: str | None = None
    figures = 0
    for cell in nb.get("cells", []):
        tags = set((cell.get("metadata") or {}).get("tags") or [])
        if tags & HIDDEN_TAGS:
            continue
        kind = cell.get("cell_type")
        if kind == "markdown":
            text = _src(cell.get("source"))
            if nb_title is None and not blocks:
                text, nb_title = strip_title(text)
            if text.strip():
                blocks.append(Block("markdown", text))
            continue
        if kind != "code" or "remove-output" in tags:
            continue
        for out in cell.get("outputs", []):
            otype = out.get("output_type")
            if otype == "stream":
                if out.get("name") == "stdout" and _src(out.get("text")).strip():
                    blocks.append(Block("text", _src(out.get("text")).rstrip()))
            elif otype == "error":
                blocks.append(Block("error", f"{out.get('ename', 'Error')}: {out.get('evalue', '')}".strip()))
            elif otype in ("display_data", "execute_result"):
                data = out.get("data") or {}
                if "image/png" in data:
                    figures += 1
                    context = _last_heading(blocks) or title
                    given = _image_alt(out, cell)
                    alt = given or f"{t('figure', lang)} {figures}: {context}"
                    raw = base64.b64decode(_src(data["image/png"]).replace("\n", ""))
                    blocks.append(Block("image", image=raw, alt=alt, caption=given or context))
                elif "text/markdown" in data:
                    meta = (out.get("metadata") or {}).get("text/markdown") or {}
                    if isinstance(meta, dict) and meta.get("citybank") == "sample-notice":
                        continue  # every page of the report carries its own sample-data banner
                    text = _src(data["text/markdown"])
                    if nb_title is None and not blocks:
                        text, nb_title = strip_title(text)
                    if text.strip():
                        blocks.append(Block("markdown", text))
                elif "text/html" in data:
                    html = _src(data["text/html"])
                    tables = parse_tables(html)
                    if tables:
                        blocks.extend(Block("table", table=tb) for tb in tables)
                    elif html.strip():
                        blocks.append(Block("html", html))
                elif "text/plain" in data:
                    text = _src(data["text/plain"]).strip()
                    if text and not _NOISE.match(text):
                        blocks.append(Block("text", text))
    return blocks, nb_title


def read_notebook(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        nb = json.load(fh)
    if not isinstance(nb, dict) or "cells" not in nb:
        raise ValueError("no 'cells' list (not a Jupyter notebook)")
    return nb


# ------------------------------------------------------------------ ISO catalogue


@dataclass
class IsoIndicator:
    clause: str
    name: dict[str, str]
    unit: str = ""


@dataclass
class IsoTheme:
    number: int
    name: dict[str, str]
    indicators: list[IsoIndicator] = field(default_factory=list)

    @property
    def id(self) -> str:
        return page_id("iso_theme", self.number)


def iso_catalogue(raw: dict[str, Any] | None, clauses_found: list[str]) -> list[IsoTheme]:
    """Themes and indicators of params/iso37120.yml (the catalogue citybank.indicators validates), in clause
    order; an indicator notebook found on disk without a catalogue entry is listed under its theme too."""
    names: dict[int, dict[str, str]] = {}
    by_clause: dict[str, IsoIndicator] = {}
    if raw:
        catalogue = parse_catalogue(raw)
        names = {int(th.id): th.name.model_dump() for th in catalogue.themes}
        for ind in catalogue.indicators:
            by_clause[ind.id] = IsoIndicator(ind.id, ind.name.model_dump(), ind.unit)
    for clause in clauses_found:  # named from the notebook's own title
        by_clause.setdefault(clause, IsoIndicator(clause, dict.fromkeys(("pl", "en", "de"), "")))
    themes_out: dict[int, IsoTheme] = {}
    for clause in sorted(by_clause, key=clause_key):
        num = clause_key(clause)[0]
        theme = themes_out.setdefault(num, IsoTheme(num, names.get(num) or dict.fromkeys(("pl", "en", "de"), str(num))))
        theme.indicators.append(by_clause[clause])
    return [themes_out[n] for n in sorted(themes_out)]


def _from_series(doc: dict[str, Any], year: int) -> dict[str, Any] | None:
    """A per-indicator file ``{"meta": {"id", "unit", "status", ...}, "data": [{"year", "value", "status"}]}``."""
    meta = doc.get("meta") or {}
    clause = str(meta.get("id") or meta.get("clause") or "")
    if not clause:
        return None
    row = next((r for r in doc.get("data") or [] if isinstance(r, dict) and r.get("year") == year), {})
    return {"clause": clause, "unit": meta.get("unit"), "value": row.get("value"),
            "status": row.get("status") or meta.get("status")}  # fmt: skip


def iso_values(data_dir: Path, year: int) -> dict[str, dict[str, Any]]:
    """Computed indicator values of ``year`` by clause from the published ``data/iso37120/*.json``: per-indicator
    files (``meta`` + ``data`` series, as citybank.indicators writes them), or records with clause/value/unit/
    status (a list, ``{"indicators": [...]}`` or one record per file)."""
    out: dict[str, dict[str, Any]] = {}
    folder = data_dir / "iso37120"
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        records: list[Any]
        if isinstance(doc, dict) and isinstance(doc.get("meta"), dict):
            records = [r for r in [_from_series(doc, year)] if r]
        elif isinstance(doc, list):
            records = doc
        elif isinstance(doc, dict) and isinstance(doc.get("indicators"), list):
            records = doc["indicators"]
        elif isinstance(doc, dict) and ("clause" in doc or "id" in doc):
            records = [doc]
        else:
            records = []
        for rec in records:
            if isinstance(rec, dict):
                clause = str(rec.get("clause") or rec.get("id") or "")
                if clause:
                    out[clause] = rec
    return out


def status_text(status: Any, lang: str) -> str:
    """An indicator status (``reported``, ``not_available``...) in the report language when the UI strings
    know it, else as written."""
    if not status:
        return ""
    for key in (f"availability.{status}", f"status.{status}"):
        text = t(key, lang) if key in _known_keys() else None
        if text:
            return text
    return str(status)


def _known_keys() -> set[str]:
    return set(load_catalog())


def format_value(value: Any, lang: str) -> str:
    """A number in the language's notation (``1 234,5`` in pl/de, ``1,234.5`` in en); '' for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if value != value:  # NaN
        return ""
    return fmt_number(value, lang)


# ------------------------------------------------------------------ the book


@dataclass
class BookInputs:
    """Everything a book is made of, located once per render."""

    paths: Paths
    year: int
    city: str
    categories: list[tuple[str, dict[str, str]]]
    iso: list[IsoTheme]
    sample: bool
    registry: Any = None

    @property
    def report_dir(self) -> Path:
        return self.paths.year_report(self.year)

    def notebook(self, lang: str, task: str) -> Path:
        return self.report_dir / "notebooks" / lang / f"{task}.ipynb"


def chapter_plan(inp: BookInputs, lang: str) -> list[tuple[PageSpec, str]]:
    """Every page of one language in report order — the outline's (``citybank.params.outline``), with its title in
    ``lang``. ISO indicator notebooks found without a catalogue entry (``inp.iso``) are listed under their theme."""
    reg = inp.registry
    if reg is None:
        raise ValueError("BookInputs.registry is needed for the report's outline")
    categories = dict(inp.categories)
    themes = {th.number: th for th in inp.iso}
    indicators = {ind.clause: ind for th in inp.iso for ind in th.indicators}
    survey = {str(th["id"]): (th.get("title") or {}).get(lang) or str(th["id"]) for th in survey_themes(reg)}

    def title(page: PageSpec) -> str:
        key = next(iter(page.parameters.values()), None)
        if page.kind == "category":
            return (categories.get(str(key)) or {}).get(lang) or str(key)
        if page.kind == "iso_theme":
            theme = themes[int(key)]
            return f"{theme.number}. {theme.name[lang]}"
        if page.kind == "iso_indicator":
            ind = indicators.get(str(key))
            return f"{key} {ind.name[lang] if ind else ''}".strip()
        if page.kind == "survey_theme":
            return survey[str(key)]
        return t(page.section if page.kind == "survey_overview" else page.kind, lang)  # the survey's chapter title

    return [(page, title(page)) for page in outline(reg, indicators)]


def iso_theme_table(inp: BookInputs, theme: IsoTheme, lang: str, names: dict[str, str] | None = None) -> Table:
    """Clause, indicator name, value, unit and status of every indicator of a theme; ``names`` supplies the
    names the catalogue lacks (from the indicator notebooks' titles)."""
    names = names or {}
    values = iso_values(inp.report_dir / "data", inp.year)
    header = [[t("clause", lang), t("indicator", lang), t("value", lang), t("unit", lang), t("status", lang)]]
    rows = []
    for ind in theme.indicators:
        rec = values.get(ind.clause, {})
        value = format_value(rec.get("value"), lang)
        status = status_text(rec.get("status"), lang) or ("" if value else t("not_computed", lang))
        rows.append(
            [
                ind.clause,
                ind.name[lang] or names.get(ind.clause, ""),
                value,
                unit_label(str(rec.get("unit") or ind.unit), lang),
                status,
            ]
        )
    return Table(
        header, rows, caption=f"{theme.number}. {theme.name[lang]}", numeric=[False, False, True, False, False]
    )
