"""The outline of the report: every page once, in report order — the one list of pages.

The runner plans one notebook task per language and notebook page of the outline (``citybank.runner.plan``), the
book renders its chapters in this order (``citybank.render.book.chapter_plan``: titles stay there), the lineage
names pages by it (``citybank.lineage``) and the views compute each notebook kind's facts (``citybank.views``
``PAGE_FACTS``, keyed by the kinds below). Nothing else lists pages or page kinds (``tests/test_outline.py``
reads ``lib/`` for page ids and template names outside this module). A new page kind is one template in
``notebooks/``, one facts/page module in ``citybank.views`` and one entry here.

Report order (the printed report's, now also the plan's and the lineage's): overview; the year in brief for
residents (when ``params/residents.yml`` exists); the categories (``params/categories.yml`` order); ISO 37120 (its
overview, then per theme a theme page followed by its indicators, in clause order); strategy; the residents'
survey (its overview, then a page per theme of ``params/survey.yml``); consistency; data quality; downloads;
methodology.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .core import Registry
from .iso37120 import clause_key

NOTEBOOK_KINDS: tuple[str, ...] = (
    "overview",
    "residents",
    "category",
    "iso_overview",
    "iso_indicator",
    "strategy",
    "survey_overview",
    "survey_theme",
    "consistency",
)
"""The kinds of pages made by a notebook: kind ``k`` is ``notebooks/k.ipynb`` (a category may name its own
notebook in params/categories.yml) and its facts are ``citybank.views.PAGE_FACTS[k]``."""

FILE_KINDS: tuple[str, ...] = ("iso_theme", "quality", "downloads", "methodology")
"""The kinds of pages the renderer writes from files (an ISO theme's table, the QA report, the downloads, the
methodology): no notebook, no task."""

_PREFIX = {"category": "category-", "iso_indicator": "iso-", "iso_theme": "iso-theme-", "survey_theme": "survey-"}
_SINGLE = {"iso_overview": "iso-overview", "survey_overview": "survey-overview"}


def page_id(kind: str, key: str | int | None = None) -> str:
    """The id of a page (the runner's task name without the language, the site's file name without ``.html``):
    ``page_id("category", "ludnosc") == "category-ludnosc"``, ``page_id("iso_indicator", "5.1") == "iso-5.1"``."""
    if kind in _PREFIX:
        if key is None:
            raise ValueError(f"a page of kind {kind!r} needs its key")
        return f"{_PREFIX[kind]}{key}"
    return _SINGLE.get(kind, kind)


def template(kind: str) -> str:
    """The notebook of a notebook kind (``category`` → ``category.ipynb``)."""
    if kind not in NOTEBOOK_KINDS:
        raise ValueError(f"{kind!r} is not a notebook page kind; expected one of {', '.join(NOTEBOOK_KINDS)}")
    return f"{kind}.ipynb"


@dataclass(frozen=True)
class PageSpec:
    """One page of the report (in every language)."""

    id: str
    kind: str
    section: str
    """The chapter the page belongs to: overview, residents, categories, iso, strategy, survey, consistency,
    quality, downloads, methodology."""
    level: int = 1
    group: str | None = None
    """The page this one is listed under (an ISO indicator under its theme, a survey theme under the survey)."""
    parameters: Mapping[str, Any] = field(default_factory=dict)
    """The notebook's parameters besides ``year`` and ``lang``; the key of a file page (``theme`` number)."""
    template: str | None = None
    """The notebook in ``notebooks/`` (None: a page written from files)."""

    @property
    def notebook(self) -> bool:
        return self.template is not None


def _notebook(kind: str, section: str, key: str | None = None, param: str | None = None, **kw: Any) -> PageSpec:
    params = {param: key} if param else {}
    return PageSpec(page_id(kind, key), kind, section, parameters=params, template=template(kind), **kw)


def iso_clauses(reg: Registry, found: Iterable[str] = ()) -> list[str]:
    """The ISO 37120 clauses of params/iso37120.yml (read as the data load_params validated), with ``found``
    (clauses whose notebooks exist without a catalogue entry), in clause order."""
    iso = reg.extra.get("iso37120") or {}
    clauses = {str(i["id"]) for i in iso.get("indicators") or [] if isinstance(i, dict) and "id" in i}
    return sorted(clauses | set(found), key=clause_key)


def survey_themes(reg: Registry) -> list[dict[str, Any]]:
    """The themes of params/survey.yml (as load_params validated it); none without a survey."""
    survey = reg.extra.get("survey")
    if not isinstance(survey, dict):
        return []
    return [t for t in survey.get("themes") or [] if isinstance(t, dict) and "id" in t]


def outline(reg: Registry, clauses_found: Iterable[str] = ()) -> list[PageSpec]:
    """Every page of the report in report order (see the module docstring). ``clauses_found``: ISO indicator
    notebooks found on disk without a catalogue entry (the renderer lists them under their theme)."""
    pages = [_notebook("overview", "overview")]
    if "residents" in reg.extra:  # params/residents.yml chooses the figures of the year in brief
        pages.append(_notebook("residents", "residents"))
    for slug, cat in reg.categories.items():
        page = _notebook("category", "categories", slug, "category")
        pages.append(replace(page, template=cat.notebook) if cat.notebook else page)
    pages.append(_notebook("iso_overview", "iso"))
    theme, theme_id = None, ""
    for clause in iso_clauses(reg, clauses_found):
        number = clause_key(clause)[0]
        if number != theme:
            theme = number
            theme_id = page_id("iso_theme", number)
            pages.append(PageSpec(theme_id, "iso_theme", "iso", 2, theme_id, {"theme": number}))
        pages.append(_notebook("iso_indicator", "iso", clause, "indicator", level=3, group=theme_id))
    pages.append(_notebook("strategy", "strategy"))
    if isinstance(reg.extra.get("survey"), dict):
        pages.append(_notebook("survey_overview", "survey"))
        for t in survey_themes(reg):
            pages.append(_notebook("survey_theme", "survey", str(t["id"]), "theme", group=page_id("survey_overview")))
    pages.append(_notebook("consistency", "consistency"))
    pages += [PageSpec(kind, kind, kind) for kind in ("quality", "downloads", "methodology")]
    return pages


def notebook_pages(reg: Registry) -> list[PageSpec]:
    """The pages made by a notebook (one runner task per language each), in report order."""
    return [p for p in outline(reg) if p.notebook]


def page_order(reg: Registry) -> list[str]:
    """Every notebook page id in report order (the runner's task names without the language)."""
    return [p.id for p in notebook_pages(reg)]
