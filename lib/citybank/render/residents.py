"""The residents' summary as a two-page printout: ``reports/<Y>/residents_<lang>.pdf``.

Made from the executed notebook ``reports/<Y>/notebooks/<lang>/residents.ipynb`` (the page's title, intro and
sources, and the sentences of its key figures from the output's metadata), so that the printout says exactly
what the site's page says; set in large type by ``templates/residents.typ`` with the PyPI ``typst`` compiler
(bundled fonts, fixed timestamp: same input, same bytes). The text goes to Typst as JSON strings, never as
markup, so no character of a sentence can change the layout.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .book import HIDDEN_TAGS, read_notebook
from .printed import PrintError, typst_pdf
from .strings import t

FIGURES = "residents-figures"
"""The ``citybank`` mark of the notebook output that holds the key figures (see citybank.views.common.Sentences)."""


@dataclass
class Summary:
    title: str  # the page's subtitle: the city, the year and what the page is
    intro: str
    figures: list[str]
    sources: str


def _text(x: object) -> str:
    return "".join(x) if isinstance(x, list) else str(x or "")


def read_summary(path: Path) -> Summary:
    """Title, intro, the figures' sentences and the sources line of an executed residents' notebook; a
    notebook without the figures' output is a PrintError naming it."""
    nb = read_notebook(path)
    title, before, after, figures = "", [], [], None
    for cell in nb["cells"]:
        if cell.get("cell_type") != "code" or set((cell.get("metadata") or {}).get("tags") or []) & HIDDEN_TAGS:
            continue
        for out in cell.get("outputs", []):
            data, meta = out.get("data") or {}, (out.get("metadata") or {}).get("text/markdown") or {}
            if "text/markdown" not in data or meta.get("citybank") == "sample-notice":
                continue
            if meta.get("citybank") == FIGURES:
                figures = [str(s) for s in meta.get("citybank_sentences") or []]
                continue
            text = _text(data["text/markdown"]).strip()
            if not title and text.startswith("# "):  # "# chapter\n\n*subtitle*" (citybank.views.heading)
                head, _, subtitle = text.partition("\n")
                title = subtitle.strip().strip("*").strip() or head[2:].strip()
            elif text:
                (before if figures is None else after).append(text)
    if figures is None:
        raise PrintError(f"{path}: no key figures in the notebook's outputs; run `citybank build` again")
    return Summary(title, " ".join(before), figures, " ".join(after))


def write_pdf(summary: Summary, build_dir: Path, out: Path, lang: str, city: str, year: int, sample: bool) -> Path:
    """Typeset the summary on exactly two A4 pages into ``out``."""
    build_dir.mkdir(parents=True, exist_ok=True)
    data = {
        "title": summary.title,
        "intro": summary.intro,
        "figures": summary.figures,
        "sources": summary.sources,
        "city": city,
        "lang": lang,
        "sample": t("sample_notice", lang) if sample else "",
        "footer": f"{city} · {year}",
        "page_of": t("residents.page_of", lang, page="{page}", pages="{pages}"),
    }
    (build_dir / "residents.json").write_text(json.dumps(data, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return typst_pdf(build_dir, "residents.typ", out)
