"""The city at a glance: its facts (``overview_facts``: headline figures and the bank's own statistics) and the
page (``overview``).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from ... import narrative as nv
from ...i18n import t, unit_label
from ...params import registry
from ...plots import bar_chart, show
from ...publish import HEADLINES, previous_year
from .. import inputs
from ..common import (
    bank_values,
    change,
    decimals,
    frequency,
    heading,
    num,
    provider_name,
    source_line,
    variable_name,
)


@dataclass(frozen=True)
class OverviewFacts:
    year: int
    previous_year: int
    headlines: list[dict]  # as CategoryFacts.records (without baseline), plus the variable's provider
    unprovided: list[str]  # headline variables that no dataset of params/ provides (a gmina workspace)
    datasets: int
    providers: int
    categories: int
    datasets_by_category: dict[str, int]  # in the order of first appearance among datasets sorted by id
    datasets_by_provider: dict[str, int]
    datasets_by_openness: dict[int, int]  # stars → datasets, fewest stars first
    overdue: dict[str, int | None]  # dataset overdue for an update → its last data year
    values_in_year: int  # rows of the bank for the year


@cache
def overview_facts(year: int) -> OverviewFacts:
    """Headline figures with the previous year's values, and the data bank's own statistics."""
    reg = registry()
    bank = inputs.bank_frame()
    prev = previous_year(reg, year)
    # a variable no dataset maps and the bank does not derive (the total population of a gmina workspace is a
    # sum of the age groups of the national export) has no value to show: the page says whose data is missing
    provided = {v for d in reg.datasets.values() for v in d.variables} | set(bank["variable"].unique())
    heads = [v for v in HEADLINES if v in reg.variables and v in provided]
    # the provider of the dataset, or of the bank's rows for a variable the bank derives (a sum of parts)
    derived = bank[bank["territory"] == reg.city.terc].drop_duplicates("variable").set_index("variable")["provider"]
    recs = [
        dict(r, provider=inputs.provider_of(r["variable"], reg) or str(derived.get(r["variable"], "")))
        for r in inputs.city_records(reg, bank, heads, year, {"previous": prev})
    ]
    qa = inputs.quality_report(year)
    dsets = sorted(reg.datasets.values(), key=lambda d: d.id)
    return OverviewFacts(
        year=year,
        previous_year=prev,
        headlines=recs,
        unprovided=[v for v in HEADLINES if v in reg.variables and v not in provided],
        datasets=len(dsets),
        providers=len(reg.providers),
        categories=len(reg.categories),
        datasets_by_category=dict(Counter(d.category for d in dsets)),
        datasets_by_provider=dict(Counter(d.provider for d in dsets)),
        datasets_by_openness=dict(sorted(Counter(d.openness for d in dsets).items())),
        overdue={
            i: ((qa["datasets"].get(i) or {}).get("freshness") or {}).get("last_data_year")
            for i in qa.get("datasets_overdue", [])
        },
        values_in_year=int((bank["year"] == year).sum()),
    )


@dataclass
class OverviewPage:
    heading: str
    story: str
    headlines: pd.DataFrame
    changes_chart: Any
    bank_story: str
    by_category: pd.DataFrame
    by_provider: pd.DataFrame
    openness_chart: Any
    overdue: pd.DataFrame
    section: dict[str, str] = field(default_factory=dict)


def _count_table(counts: dict[str, int], name: Any, header: str, lang: str) -> pd.DataFrame:
    """Datasets per category or provider, most first (ties in the order of ``counts``)."""
    rows = sorted(((name(k), n) for k, n in counts.items()), key=lambda r: -r[1])
    return pd.DataFrame(rows, columns=[header, t("table.datasets", lang)])


def overview(year: int, lang: str) -> OverviewPage:
    """The city at a glance: headline figures with changes, what improved and worsened, the bank's own
    statistics (datasets per category and provider, openness, freshness and overdue datasets)."""
    reg = registry()
    city = reg.city
    f = overview_facts(year)
    recs, prev = f.headlines, f.previous_year
    dec = {r["variable"]: decimals([r["value"], r["previous"]]) for r in recs}
    headlines = pd.DataFrame(
        {
            t("table.indicator", lang): [r["name"][lang] for r in recs],
            t("table.unit", lang): [unit_label(r["unit"], lang) for r in recs],
            str(year): [num(r["value"], lang, dec[r["variable"]]) for r in recs],
            t("table.change_yoy", lang): [
                change(r["value"], r["previous"], lang, r["how"], r["break_previous"]) for r in recs
            ],
            t("table.source", lang): [provider_name(r["provider"], lang) for r in recs],
        }
    )
    headlines.attrs["citybank_values"] = bank_values(
        [(r["variable"], city.terc, y, r[k]) for r in recs for k, y in (("value", year), ("previous", prev))]
    )
    # the first sentence of a category story counts the category's indicators: not wanted here
    sentences = nv.category_story(pd.DataFrame(recs), lang, year, previous_year=prev)[1:] if recs else []
    if f.unprovided:
        what = nv.join_list([variable_name(v, lang) for v in f.unprovided], lang)
        sentences += [t("notice.no_city_data", lang, city=city.name, what=what), t("notice.add_city_data", lang)]

    # the chart compares changes that a percentage can say: no rate, no handful of events, no break
    pct = [
        (r["name"][lang], nv.pct_change(r["previous"], r["value"]))
        for r in recs
        if r["how"] == "percent" and not r["break_previous"]
    ]
    cframe = pd.DataFrame([{"name": n, "pct": p} for n, p in pct if p is not None])
    changes = None
    if not cframe.empty:
        changes = show(
            bar_chart(
                cframe,
                "name",
                "pct",
                title=t("chart.change_between", lang, start=prev, end=year),
                lang=lang,
                percent=True,
                horizontal=True,
                sort=True,
                source=source_line([r["provider"] for r in recs], lang),
            )
        )

    stars = pd.DataFrame({"stars": ["★" * k for k in f.datasets_by_openness], "n": f.datasets_by_openness.values()})
    openness = show(
        bar_chart(
            stars,
            "stars",
            "n",
            title=t("chart.datasets_by_openness", lang),
            lang=lang,
            source=t("chart.catalogue", lang),
            unit="count",
        )
    )
    overdue = pd.DataFrame(
        [
            {
                t("table.dataset", lang): reg.datasets[i].title.get(lang),
                t("table.provider", lang): provider_name(reg.datasets[i].provider, lang),
                t("table.frequency", lang): frequency(reg.datasets[i], lang),
                t("table.last_year", lang): str(last or "—"),
            }
            for i, last in f.overdue.items()
            if i in reg.datasets
        ]
    )
    return OverviewPage(
        heading=heading(t("page.overview", lang, city=city.name, year=year), lang, subtitle=city.status.get(lang)),
        story=" ".join(sentences),
        headlines=headlines,
        changes_chart=changes,
        bank_story=nv.bank_sentence(
            f.datasets, f.providers, f.categories, f.values_in_year, year, len(f.overdue), lang
        ),
        by_category=_count_table(
            f.datasets_by_category, lambda c: reg.categories[c].name.get(lang), t("table.category", lang), lang
        ),
        by_provider=_count_table(
            f.datasets_by_provider, lambda p: provider_name(p, lang), t("table.provider", lang), lang
        ),
        openness_chart=openness,
        overdue=overdue,
        section={
            "key_figures": t("chapter.key_figures", lang),
            "bank": t("chapter.bank_in_figures", lang),
            "overdue": t("chapter.overdue", lang),
        },
    )
