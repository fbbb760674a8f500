"""What the notebooks show. Each page kind has one module, ``citybank.views.pages.<kind>``, with two functions:
its **facts** (the numbers, selected from the bank and the result files once per page and year, in no
language) and its **page** (headings, sentences, tables and charts in the page's language); what every kind
reads (the bank, the ISO 37120 catalogue and results, the QA report) is in ``citybank.views.inputs``. Notebooks
call a page function through this package and display what it returns; they hold no logic of their own.

Every page object has ``heading`` (Markdown with the title) and a story (Markdown sentences generated from the
data); ``show_heading`` adds the sample-data notice for the bundled sample. Tables are DataFrames with
localised headers and formatted cells; charts are :class:`citybank.plots.ChartImage` objects (PNG + alt text).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..i18n import t
from ..params import registry
from ..plots import line_chart, png_bytes
from ..publish import HEADLINES
from .common import (
    SampleNotice,
    Table,
    heading,
    markdown,
    provider_name,
    sample_data,
    show_all,
    show_heading,
    source_line,
    table,
    variable_name,
)
from .inputs import bank_frame, iso_catalogue, iso_results
from .pages.category import CategoryPage, category, category_facts
from .pages.consistency import ConsistencyPage, consistency, consistency_facts
from .pages.iso import (
    IndicatorPage,
    IsoOverviewPage,
    iso_indicator,
    iso_indicator_facts,
    iso_overview,
    iso_overview_facts,
)
from .pages.overview import OverviewPage, overview, overview_facts
from .pages.residents import ResidentsPage, residents, residents_facts
from .pages.strategy import StrategyPage, strategy, strategy_facts
from .pages.survey import survey_facts, survey_overview, survey_theme, survey_theme_facts


def warm() -> None:
    """Load what every page needs — params, the bank, the ISO catalogue and results, matplotlib's fonts —
    so that processes forked from a warm runner worker start with it (see citybank.runner)."""
    registry()
    sample_data()
    bank_frame()
    iso_catalogue()
    iso_results()
    png_bytes(
        line_chart(
            pd.DataFrame({"year": [2023, 2024], "value": [1.0, 2.0]}),
            "year",
            "value",
            title="ąę",
            lang="pl",
            source="-",
        )
    )


PAGE_FACTS = {
    "overview": lambda p: overview_facts(int(p["year"])),
    "category": lambda p: category_facts(str(p["category"]), int(p["year"])),
    "iso_overview": lambda p: iso_overview_facts(int(p["year"])),
    "iso_indicator": lambda p: iso_indicator_facts(str(p["indicator"]), int(p["year"])),
    "strategy": lambda p: strategy_facts(int(p["year"])),
    "consistency": lambda p: consistency_facts(int(p["year"])),
    "residents": lambda p: residents_facts(int(p["year"])),
    "survey_overview": lambda p: survey_facts(int(p["year"])),
    "survey_theme": lambda p: survey_theme_facts(str(p["theme"]), int(p["year"])),
}
"""The facts function of each notebook page kind of the outline (``citybank.params.outline.NOTEBOOK_KINDS``: kind
``k`` is the template ``k.ipynb``), from the task's parameters."""


def warm_page(template: str, parameters: dict[str, Any]) -> None:
    """Compute a page's facts in the runner's worker before it forks the notebook's process: the three
    languages of a page (and every later page of the year) then find them cached instead of recomputing them.
    A template without a facts function (a category's own notebook) is left alone."""
    facts_of = PAGE_FACTS.get(template)
    if facts_of is not None:
        facts_of(parameters)


__all__ = [
    "HEADLINES",
    "PAGE_FACTS",
    "warm_page",
    "CategoryPage",
    "ConsistencyPage",
    "IndicatorPage",
    "IsoOverviewPage",
    "OverviewPage",
    "ResidentsPage",
    "SampleNotice",
    "StrategyPage",
    "Table",
    "category",
    "category_facts",
    "consistency",
    "consistency_facts",
    "heading",
    "iso_indicator",
    "iso_indicator_facts",
    "iso_overview",
    "iso_overview_facts",
    "markdown",
    "overview",
    "overview_facts",
    "provider_name",
    "residents",
    "residents_facts",
    "show_all",
    "show_heading",
    "source_line",
    "strategy",
    "strategy_facts",
    "survey_facts",
    "survey_overview",
    "survey_theme",
    "survey_theme_facts",
    "t",
    "table",
    "variable_name",
    "warm",
]
