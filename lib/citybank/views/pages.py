"""The pages in the reader's language: each function takes its page's facts (``citybank.views.facts``) and
turns them into a heading, sentences (``citybank.narrative``), tables with headers from the string table
(``citybank.i18n``) and charts (``citybank.plots``). No numbers are selected or derived here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import narrative as nv
from ..consistency import side_ids
from ..i18n import check_label, t, t_all, unit_label
from ..indicators import Indicator, variable_sources
from ..params import registry
from ..plots import bar_chart, class_position_chart, district_bars, interval_chart, line_chart, peer_comparison, show
from .common import (
    Sentences,
    bank_values,
    change,
    decimals,
    heading,
    num,
    provider_name,
    source_line,
    source_of,
    variable_name,
)
from .facts import (
    CategoryFacts,
    Position,
    category_facts,
    consistency_facts,
    iso_catalogue,
    iso_indicator_facts,
    iso_overview_facts,
    overview_facts,
    ranking_facts,
    ranking_for_page,
    residents_facts,
    strategy_facts,
    survey_facts,
    survey_theme_facts,
)


def _frequency(ds: Any, lang: str) -> str:
    return t(f"frequency.{'one_off' if ds.frequency == 'once' else ds.frequency}", lang)


# ---------------------------------------------------------------------------------------------- category


@dataclass
class CategoryPage:
    heading: str
    story: str
    key_figures: pd.DataFrame
    trend_charts: list[Any] = field(default_factory=list)
    district_charts: list[Any] = field(default_factory=list)
    peer_charts: list[Any] = field(default_factory=list)
    provenance: pd.DataFrame | None = None
    has_data: bool = False
    section: dict[str, str] = field(default_factory=dict)
    ranking_story: str = ""
    ranking_charts: list[Any] = field(default_factory=list)


def _ranking(page: str, year: int, lang: str) -> tuple[str, list[Any]]:
    """The city's position among gminas of its class on a page: sentences and one chart per measure."""
    reg = registry()
    f = ranking_facts(year)
    positions: list[Position] = ranking_for_page(year, page)
    if f.missing and page.startswith("category:"):
        return t("ranking.no_data", lang), []  # the reason (paths) is the analyst's: `citybank prepare` prints it
    if not positions:
        return "", []
    sentences, charts = [], []
    tables = ", ".join(f"{tb} ({yrs})" for tb, yrs in f.exports)
    source = f"{f.source[lang]} ({tables})"
    for p in positions:
        last = p.series.iloc[-1]
        kind = t(f"ranking.class.{p.kind}", lang)
        lo, _, hi = p.band.rstrip("+").partition("–")  # band bounds in the page's number style
        band = (
            f"{num(float(lo), lang, 0)}–{num(float(hi), lang, 0)}"
            if hi
            else f"{num(float(lo), lang, 0)}+"
            if lo
            else ""
        )
        group = t("ranking.band", lang, class_name=kind, band=band) if p.group == "class_band" else kind
        dec = decimals([last["value"], last["median"]])
        sentences.append(
            f"**{p.name[lang]}**: "
            + t(
                "ranking.position", lang, name=reg.city.name, year=int(last["year"]), rank=int(last["rank"]),
                n=int(last["n"]), group=group, percentile=num(last["percentile"], lang, 0),
                median=num(last["median"], lang, dec), q1=num(last["q1"], lang, dec), q3=num(last["q3"], lang, dec),
            )
        )  # fmt: skip
        title = f"{p.name[lang]}: {reg.city.name} — {group}"
        charts.append(
            show(class_position_chart(p.series, city=reg.city.name, title=title, lang=lang, source=source, unit=p.unit))
        )
    last_year = max(int(p.series["year"].max()) for p in positions)
    sentences.append(t("ranking.vintage", lang, source=f.source[lang], tables=tables, last=last_year))
    return " ".join(sentences), charts


def category(slug: str, year: int, lang: str, *, max_trends: int = 6) -> CategoryPage:
    """The page of one category: key figures with changes, trends, districts, peers, provenance, story."""
    reg = registry()
    cat = reg.categories[slug]
    f = category_facts(slug, year)
    records, prev, base = f.records, f.previous_year, f.baseline_year
    sentences = (
        nv.category_story(
            pd.DataFrame(records), lang, year, category_name=cat.name.get(lang), baseline_year=base, previous_year=prev
        )
        if records
        else []
    )
    if not f.provenance:  # no dataset of the category in params/ (a gmina workspace of `citybank new-city`)
        sentences = [
            t("notice.no_city_data", lang, city=reg.city.name, what=cat.name.get(lang)),
            t("notice.add_city_data", lang),
        ]
    elif not f.has_data:
        sentences.append(t("notice.no_data_year", lang, year=year))
    sentences += _break_sentences([r["variable"] for r in records if r["break_baseline"]], base, year, lang)

    dec = {r["variable"]: decimals([r["value"], r["previous"], r["baseline"]]) for r in records}
    table = pd.DataFrame(
        {
            t("table.indicator", lang): [r["name"][lang] for r in records],
            t("table.unit", lang): [unit_label(r["unit"], lang) for r in records],
            str(year): [num(r["value"], lang, dec[r["variable"]]) for r in records],
            str(prev): [num(r["previous"], lang, dec[r["variable"]]) for r in records],
            t("table.change_yoy", lang): [
                change(r["value"], r["previous"], lang, r["how"], r["break_previous"]) for r in records
            ],
            f"{t('table.change_baseline', lang)} ({base})": [
                change(r["value"], r["baseline"], lang, r["how"], r["break_baseline"]) for r in records
            ],
        }
    )

    terc = reg.city.terc
    table.attrs["citybank_values"] = bank_values(
        [
            (r["variable"], terc, y, r[k])
            for r in records
            for k, y in (("value", year), ("previous", prev), ("baseline", base))
        ]
    )

    def chart_source(part: pd.DataFrame) -> str:
        return source_line(list(part["provider"].unique()), lang)

    trends = [
        show(
            line_chart(
                part,
                "year",
                "value",
                title=variable_name(var, lang),
                lang=lang,
                source=chart_source(part),
                unit=reg.variables[var].unit,
                breaks=[b.year for b in reg.variables[var].breaks],
            )
        )
        for var, part in f.trends[:max_trends]
    ]
    districts = [
        show(
            district_bars(
                part,
                "district",
                "value",
                title=f"{variable_name(var, lang)} ({year})",
                lang=lang,
                source=chart_source(part),
                unit=reg.variables[var].unit,
                city_value=None,  # a count: the city total is the sum, not a level to compare against
            )
        )
        for var, part in f.districts
    ]
    peers = []
    for p in f.peers:
        title = variable_name(p.variable, lang)
        if p.basis == "per_1000":
            title = t("chart.per_1000_residents", lang, title=title)
        elif p.basis == "share":
            title = t("chart.share_of_population", lang, title=title)
        chart = peer_comparison(
            p.values,
            reg.city.name,
            title=f"{title} ({year})",
            lang=lang,
            source=source_line(p.providers, lang),
            unit={"per_1000": "per 1000 residents", "share": "%"}.get(p.basis, reg.variables[p.variable].unit),
            percent=p.basis == "share",
        )
        peers.append(show(chart))

    rank_story, rank_charts = _ranking(f"category:{slug}", year, lang)
    return CategoryPage(
        heading=heading(cat.name.get(lang), lang, subtitle=cat.description.get(lang)),
        story=" ".join(sentences),
        key_figures=table,
        trend_charts=trends,
        district_charts=districts,
        peer_charts=peers,
        provenance=_provenance_table(f, lang),
        has_data=f.has_data,
        section={
            **{k: t(f"chapter.{k}", lang) for k in ("key_figures", "districts", "peers", "sources")},
            "ranking": t("ranking.chapter", lang),
        },
        ranking_story=rank_story,
        ranking_charts=rank_charts,
    )


def _break_sentences(variables: list[str], start: int, year: int, lang: str) -> list[str]:
    """One sentence per methodological break between ``start`` and ``year`` that the variables cross."""
    reg = registry()
    by_break: dict[tuple[int, str], list[str]] = {}
    for var in variables:
        b = reg.variables[var].break_between(start, year)
        if b is not None:
            by_break.setdefault((b.year, b.reason.get(lang)), []).append(variable_name(var, lang))
    return [nv.break_sentence(names, y, reason, lang) for (y, reason), names in sorted(by_break.items())]


def _provenance_table(f: CategoryFacts, lang: str) -> pd.DataFrame:
    """Provider, dataset, update frequency, last data year, openness and the year's quality problems."""
    return pd.DataFrame(
        [
            {
                t("table.provider", lang): provider_name(p.dataset.provider, lang),
                t("table.dataset", lang): p.dataset.title.get(lang),
                t("table.frequency", lang): _frequency(p.dataset, lang),
                t("table.last_year", lang): str(p.last_year) if p.last_year else t("value.missing", lang),
                t("table.openness", lang): "★" * p.dataset.openness,
                t("table.notes", lang): ", ".join(f"{check_label(k, lang)}: {v}" for k, v in sorted(p.problems.items()))
                or "—",
            }
            for p in f.provenance
        ]
    )


# ---------------------------------------------------------------------------------------------- overview


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
                t("table.frequency", lang): _frequency(reg.datasets[i], lang),
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


# ---------------------------------------------------------------------------------------------- ISO 37120


def _type_label(ind: Indicator, lang: str) -> str:
    label = t(f"iso_level.{ind.type}", lang)
    return label if ind.type_verified else t("iso_level.unverified", lang, level=label)


def _formula_md(ind: Indicator, lang: str) -> str:
    f = ind.formula
    if f is None:
        return ""
    names = lambda vs: " + ".join(variable_name(v, lang) for v in vs)  # noqa: E731
    mult = nv.fmt_number(f.multiplier, lang)
    if f.kind == "ratio":
        expr = f"({names(f.numerator)}) / ({names(f.denominator)})" + (f" × {mult}" if f.multiplier != 1 else "")
    elif f.kind == "change":
        expr = t("iso.formula_change", lang, numerator=names(f.numerator), multiplier=mult)
    else:
        expr = f"{names(f.numerator)} × {mult}" if f.multiplier != 1 else names(f.numerator)
    return f"**{t('iso.formula', lang)}:** {expr} [{unit_label(ind.unit, lang)}]"


@dataclass
class IndicatorPage:
    heading: str
    definition: str
    value: str
    story: str
    trend_chart: Any
    peer_chart: Any
    inputs: pd.DataFrame
    status: str
    section: dict[str, str] = field(default_factory=dict)
    ranking_story: str = ""
    ranking_charts: list[Any] = field(default_factory=list)


def iso_indicator(indicator: str, year: int, lang: str) -> IndicatorPage:
    """One ISO 37120 indicator: definition and method, the value or why it is missing, the trend, peers,
    the inputs with their provenance, and a short data-driven story."""
    reg = registry()
    city = reg.city
    f = iso_indicator_facts(indicator, year)
    ind = f.indicator

    title = f"{ind.id} {ind.name.get(lang)}"
    subtitle = f"{t('table.theme', lang)}: {f.theme.name.get(lang)} · {_type_label(ind, lang)}"
    parts = [_formula_md(ind, lang)]
    if ind.method_note:
        parts.append(f"**{t('iso.method_note', lang)}:** {ind.method_note.get(lang)}")
    # the providers of the inputs, named in the page's language (the catalogue's source_pl is Polish only)
    sources = variable_sources(reg)
    providers = sorted({sources[v][1] for v in (ind.formula.variables if ind.formula else []) if v in sources})
    source = (
        source_line(providers, lang) if providers else (ind.source_pl if lang == "pl" else t("iso.no_dataset", lang))
    )
    parts.append(f"**{t('table.source', lang)}:** {source}")
    definition = "\n\n".join(p for p in parts if p)

    crosses = year in f.breaks
    if f.status == "reported":
        chg = (
            ""
            if f.previous is None
            else f" ({t('table.change_yoy', lang)}: {change(f.value, f.previous, lang, f.how, crosses)})"
        )
        shown = f"{nv.fmt_value(f.value, ind.unit, lang, decimals=decimals([f.value]))}{chg}"
        value_md = f"## {t('table.value', lang)} {year}: {shown}"
    elif f.status == "not_applicable":
        value_md = f"## {t('availability.not_applicable', lang).capitalize()}\n\n{ind.not_applicable.get(lang)}"
    else:
        lines = []
        for var, src in f.missing:
            who = (
                f"{provider_name(src[1], lang)} — {reg.datasets[src[0]].title.get(lang)}"
                if src
                else t("iso.no_dataset", lang)
            )
            lines.append(f"- {variable_name(var, lang)} ({who})")
        head = t("iso.missing_variables", lang, year=year)
        value_md = f"## {t('availability.not_available', lang).capitalize()}\n\n{head}\n\n" + "\n".join(lines)

    higher_is_better = {"higher": True, "lower": False}.get(ind.direction)
    story = ""
    if len(f.reported) >= 1:
        subject = nv.value_subject(ind.name.get(lang), lang)
        story = nv.describe_trend(
            f.reported,
            subject,
            lang,
            ind.unit,
            year=year,
            decimals=decimals([f.value] if f.value is not None else list(f.reported)),
            higher_is_better=higher_is_better,
            breaks={y: r.get(lang) for y, r in f.breaks.items()},
            how=f.how,
        )
    trend = None
    if len(f.reported) >= 2:
        trend = show(
            line_chart(
                f.reported.reset_index(),
                "year",
                "value",
                title=title,
                lang=lang,
                source=source,
                unit=ind.unit,
                breaks=list(f.breaks),
            )
        )
    peers = None
    if f.peers is not None:
        peers = show(
            peer_comparison(
                f.peers,
                city.name,
                title=f"{title} ({year})",
                lang=lang,
                source=source,
                unit=ind.unit,
                percent=ind.unit == "%",
            )
        )
        others = {k: v for k, v in f.peers.items() if k != city.name}
        cmp = nv.compare_to_peers(
            f.peers[city.name],
            others,
            lang,
            city_name=city.name,
            unit=ind.unit,
            higher_is_better=higher_is_better,
            decimals=decimals([f.value]),
        )
        story = f"{story} {cmp}".strip()

    inputs = [
        {
            t("table.variable", lang): variable_name(item.get("variable", ""), lang),
            t("table.year", lang): str(item.get("year", year)),
            t("table.value", lang): num(item.get("value"), lang),
            t("table.provider", lang): provider_name(item.get("provider", ""), lang),
            t("table.source", lang): source_of(item.get("dataset", ""), item.get("source_row"), lang),
        }
        for item in f.inputs
    ]
    rank_story, rank_charts = _ranking(f"iso:{ind.id}", year, lang)
    return IndicatorPage(
        heading=heading(title, lang, subtitle),
        definition=definition,
        value=value_md,
        story=story,
        trend_chart=trend,
        peer_chart=peers,
        inputs=pd.DataFrame(inputs),
        status=f.status,
        section={"inputs": t("chapter.inputs", lang), "ranking": t("ranking.chapter", lang)},
        ranking_story=rank_story,
        ranking_charts=rank_charts,
    )


@dataclass
class IsoOverviewPage:
    heading: str
    certification: str
    coverage: pd.DataFrame
    coverage_chart: Any
    changes: pd.DataFrame
    todo: pd.DataFrame
    todo_story: str
    section: dict[str, str] = field(default_factory=dict)


def iso_overview(year: int, lang: str) -> IsoOverviewPage:
    """Coverage by theme, the certification-level estimate, the biggest changes, and the to-do list of
    missing data (which variables, from which provider) towards the next level."""
    reg = registry()
    f = iso_overview_facts(year)
    cat = iso_catalogue()
    themes = cat.theme_by_id
    cov = f.coverage
    counts = lambda col: cov[col].astype(int).astype(str).tolist()  # noqa: E731
    cov_table = pd.DataFrame(
        {
            t("table.theme", lang): [f"{th} {themes[th].name.get(lang)}" for th in cov.index],
            t("availability.reported", lang): counts("reported"),
            t("availability.not_available", lang): counts("not_available"),
            t("availability.not_applicable", lang): counts("not_applicable"),
            t("value.total", lang): counts("total"),
        }
    )
    share = pd.DataFrame({"theme": [themes[th].name.get(lang) for th in cov.index], "pct": cov["share"].tolist()})
    chart = show(
        bar_chart(
            share,
            "theme",
            "pct",
            title=t("chart.iso_share_reported", lang, year=year),
            lang=lang,
            percent=True,
            horizontal=True,
            source="ISO 37120:2018",
        )
    )

    cert = f.certification
    level = cert["level"]["name"][lang] if cert["level"] else t("iso.below_first_level", lang)
    cert_md = nv.certification_sentence(
        year, cert["count_core"], cert["count_supporting"], cert["count_profile"], level, lang
    )
    nxt = cert["next_level"]
    if nxt:
        cert_md += " " + nv.next_level_sentence(nxt["name"][lang], nxt["needs_core"], nxt["needs_total"], lang)
    cert_md += f"\n\n*{cert['note'][lang]}*"

    rows = list(f.changes.itertuples())
    changes = pd.DataFrame(
        {
            t("table.indicator", lang): [f"{r.id} {cat.by_id[r.id].name.get(lang)}" for r in rows],
            str(year - 1): [num(r.value_prev, lang, decimals([r.value_prev])) for r in rows],
            str(year): [num(r.value, lang, decimals([r.value])) for r in rows],
            t("table.change_yoy", lang): [nv.fmt_change(r.pct, lang) for r in rows],
        }
    )
    todo = pd.DataFrame(
        [
            {
                t("table.indicator", lang): f"{item['id']} {item['name'][lang]}",
                t("table.level", lang): t(f"iso_level.{item['type']}", lang),
                t("table.variable", lang): ", ".join(variable_name(s["variable"], lang) for s in item["sources"]),
                t("table.provider", lang): ", ".join(
                    sorted(
                        {
                            provider_name(s["provider"], lang)
                            if s["provider"] in reg.providers
                            else t("iso.no_provider", lang)
                            for s in item["sources"]
                        }
                    )
                ),
            }
            for item in cert["todo"]
        ]
    )
    return IsoOverviewPage(
        heading=heading(t("page.iso_overview", lang, year=year), lang, t("page.iso_overview_subtitle", lang)),
        certification=cert_md,
        coverage=cov_table,
        coverage_chart=chart,
        changes=changes,
        todo=todo,
        todo_story=nv.todo_sentence(len(cert["todo"]), lang),
        section={
            "coverage": t("table.coverage", lang),
            "changes": t("chapter.biggest_changes", lang),
            "todo": t("chapter.next_level", lang),
        },
    )


# ---------------------------------------------------------------------------------------------- strategy


@dataclass
class StrategyPage:
    heading: str
    note: str
    summary: pd.DataFrame
    indicators: pd.DataFrame
    progress_chart: Any
    story: str
    section: dict[str, str] = field(default_factory=dict)


def strategy(year: int, lang: str) -> StrategyPage:
    """Monitoring of the development strategy: status per indicator against the straight path from
    baseline to target, projections, and a summary per goal."""
    f = strategy_facts(year)
    strat = f.strategy
    if strat is None:
        empty = pd.DataFrame()
        return StrategyPage(
            heading(t("chapter.strategy", lang), lang),
            t("notice.no_strategy", lang),
            empty,
            empty,
            None,
            "",
            section={"summary": t("chapter.summary_by_goal", lang), "indicators": t("chapter.indicators", lang)},
        )
    names = strat.names(lang)
    summ, rows, units = f.summary, f.rows, f.units
    summary = pd.DataFrame(
        {
            t("table.strategic_goal", lang): [names.get(g, g) for g in summ["goal"]],
            **{
                t(f"status.{s}", lang): summ[s].astype(str).tolist()
                for s in ("on_track", "at_risk", "off_track", "no_data")
            },
        }
    )
    # one precision per indicator across its baseline, target, value and path, units in the page's language
    places = {
        r.indicator: decimals([r.baseline_value, r.target_value, r.actual, r.expected]) for r in rows.itertuples()
    }

    def fmt(v: Any, indicator: str) -> str:
        if pd.isna(v):
            return t("value.missing", lang)
        return nv.fmt_value(float(v), units.get(indicator), lang, decimals=places[indicator])

    indicators = pd.DataFrame(
        {
            t("table.indicator", lang): [names.get(i, i) for i in rows["indicator"]],
            t("table.baseline", lang): [
                f"{fmt(v, i)} ({y})"
                for i, v, y in zip(rows["indicator"], rows["baseline_value"], rows["baseline_year"], strict=True)
            ],
            t("table.target", lang): [
                f"{fmt(v, i)} ({y})"
                for i, v, y in zip(rows["indicator"], rows["target_value"], rows["target_year"], strict=True)
            ],
            str(year): [fmt(v, i) for i, v in zip(rows["indicator"], rows["actual"], strict=True)],
            t("table.on_path", lang): [fmt(v, i) for i, v in zip(rows["indicator"], rows["expected"], strict=True)],
            t("table.status", lang): [
                (t(f"status.{s}", lang) if s != "baseline" else t("table.baseline", lang))
                + ("" if pd.isna(b) else f" ({t('value.break', lang)} {int(b)})")
                for s, b in zip(rows["status"], rows["crosses_break"], strict=True)
            ],
        }
    )
    prog = f.progress
    chart = None
    if not prog.empty:
        chart = show(
            bar_chart(
                pd.DataFrame({"name": [names.get(i, i) for i in prog["indicator"]], "pct": prog["pct"].tolist()}),
                "name",
                "pct",
                horizontal=True,
                percent=True,
                sort=True,
                lang=lang,
                title=t("chart.strategy_progress", lang, year=year),
                source=source_line([p for p in prog["provider"].dropna().unique()], lang),
            )
        )
    sentences = [
        nv.status_sentence(
            r.status,
            names.get(r.indicator, r.indicator),
            lang,
            value=r.actual,
            year=year,
            target=r.target_value,
            target_year=int(r.target_year),
            unit=units.get(r.indicator),
            decimals=places[r.indicator],
        )
        for r in rows.itertuples()
        if r.status in ("off_track", "at_risk")
    ]
    if not sentences and len(rows) and (rows["status"] == "baseline").all():
        sentences = [nv.strategy_baseline_sentence(year, lang)]
    if not sentences:
        sentences = [nv.strategy_on_track_sentence(lang)]
    crossing = [(i, int(b)) for i, b in zip(rows["indicator"], rows["crosses_break"], strict=True) if pd.notna(b)]
    if crossing:
        sentences.append(
            nv.strategy_break_sentence([names.get(i, i) for i, _ in crossing], sorted({b for _, b in crossing}), lang)
        )
    note = strat.note.get(lang) if strat.note else ""
    return StrategyPage(
        heading=heading(strat.title.get(lang), lang, f"{strat.adopted}–{strat.horizon}"),
        note=f"> {note}" if note else "",
        summary=summary,
        indicators=indicators,
        progress_chart=chart,
        story=" ".join(sentences),
        section={"summary": t("chapter.summary_by_goal", lang), "indicators": t("chapter.indicators", lang)},
    )


# ---------------------------------------------------------------------------------------------- consistency


@dataclass
class ConsistencyPage:
    heading: str
    story: str
    verdicts: pd.DataFrame
    charts: list[Any]
    to_resolve: str
    section: dict[str, str] = field(default_factory=dict)


def consistency(year: int, lang: str) -> ConsistencyPage:
    """Every cross-provider rule's verdict, both sources side by side over time, the explanation of expected
    differences, and the list of inconsistencies to resolve with the data holders."""
    f = consistency_facts(year)
    rules, now = f.rules, f.verdicts
    side_of = lambda v, p: num(v, lang) if pd.isna(v) else f"{num(v, lang)} ({provider_name(p, lang)})"  # noqa: E731
    verdicts = pd.DataFrame(
        {
            t("table.rule", lang): [rules[r].name.get(lang) for r in now["rule"]],
            t("table.compared", lang): list(map(side_of, now["left_value"], now["left_provider"])),
            t("table.reference", lang): list(map(side_of, now["right_value"], now["right_provider"])),
            t("table.difference", lang): [
                t("value.missing", lang) if pd.isna(d) else nv.fmt_change(d * 100, lang)
                for d in now["relative_difference"]
            ],
            t("table.verdict", lang): [t(f"verdict.{v}", lang) for v in now["verdict"]],
        }
    )
    reg = registry()
    charts = []
    for rid, rule in rules.items():
        h = f.history[rid]
        if h.series["year"].nunique() < 2:
            continue
        label = {
            side: f"{' + '.join(variable_name(v, lang) for v in side_ids(getattr(rule, side)))} "
            f"({provider_name(provider, lang)})"
            for side, provider in (("left", h.left_provider), ("right", h.right_provider))
        }
        both = h.series.assign(source=h.series["side"].map(label)).drop(columns="side")
        variables = [reg.variables[v] for side in ("left", "right") for v in side_ids(getattr(rule, side))]
        chart = line_chart(
            both,
            "year",
            "value",
            hue="source",
            title=rule.name.get(lang),
            lang=lang,
            source=source_line(h.providers, lang),
            unit=variables[0].unit,
            breaks=sorted({b.year for v in variables for b in v.breaks}),
        )
        charts.append(show(chart))

    items = [
        f"- **{rules[r.rule].name.get(lang)}**: {num(r.left_value, lang)} ({provider_name(r.left_provider, lang)}, "
        f"{source_of(r.left_dataset, r.left_source_row, lang)}) / {num(r.right_value, lang)} "
        f"({provider_name(r.right_provider, lang)}, {source_of(r.right_dataset, r.right_source_row, lang)}) — "
        f"{nv.fmt_change(r.relative_difference * 100, lang)}"
        for r in f.inconsistent.itertuples()
    ]
    if items:
        to_resolve = t("notice.to_resolve", lang) + "\n\n" + "\n".join(items)
    else:
        to_resolve = nv.no_inconsistencies_sentence(year, lang)
    story = nv.consistency_sentence(f.counts, lang)
    for rid, gaps in f.gaps.items():
        reasons = [
            nv.missing_value_sentence(
                variable_name(var, lang),
                year,
                [name for _, name in why.districts_missing],
                why.districts_with_value,
                why.districts_total,
                [source_of(ds, row, lang) for ds, _, row, _ in why.quarantined],
                lang,
            )
            for _, var, why in gaps
        ]
        story += f"\n\n**{rules[rid].name.get(lang)}** — {t('verdict.not_comparable', lang)}: " + " ".join(reasons)
    explanations = [
        f"- **{r.name.get(lang)}**: {r.expected_difference.get(lang)}" for r in rules.values() if r.expected_difference
    ]
    if explanations:
        story += "\n\n" + t("notice.expected_reasons", lang) + "\n\n" + "\n".join(explanations)
    return ConsistencyPage(
        heading=heading(t("page.consistency", lang, year=year), lang),
        story=story,
        verdicts=verdicts,
        charts=charts,
        to_resolve=to_resolve,
    )


# ---------------------------------------------------------------------------------------------- residents


@dataclass
class ResidentsPage:
    heading: str
    intro: str
    figures: Sentences  # one plain sentence per key figure, with the values they say in the output metadata
    sources: str


def residents(year: int, lang: str) -> ResidentsPage:
    """The year in brief for residents: the key figures of params/residents.yml in plain sentences (the change
    from the compared year in words; rates in percentage points; small counts in absolute terms; a gap said)."""
    reg = registry()
    city = reg.city
    f = residents_facts(year)
    sentences = [
        nv.resident_sentence(
            t_all(f"residents.figure.{x.id}")[lang],  # a template: resident_sentence fills it
            x.name[lang],
            year,
            x.value,
            lang,
            unit=x.unit,
            decimals=x.decimals,
            previous=x.previous,
            previous_year=x.previous_year,
            how=x.how,  # type: ignore[arg-type]
            counted=x.counted,
            break_reason=x.break_reason[lang] if x.break_reason else None,
            latest_year=x.latest_year,
            latest=x.latest,
        )
        for x in f.figures
    ]
    indicators = [[c, str(terr), int(y), float(v)] for c, terr, y, v in f.indicator_values(city.terc) if v is not None]
    names = [provider_name(p, lang) for p in f.providers]
    if any(x.source == "indicator" for x in f.figures):
        names.append(t("residents.iso_sources", lang))
    return ResidentsPage(
        heading=heading(
            t("chapter.residents", lang), lang, subtitle=t("residents.title", lang, city=city.name, year=year)
        ),
        intro=t("residents.intro", lang, year=year),
        figures=Sentences(sentences, bank_values(f.bank_values(city.terc)), indicators, "residents-figures"),
        sources=t("residents.sources", lang, sources=nv.join_list(names, lang)) if names else "",
    )


# ---------------------------------------------------------------------------------------------- residents' survey


def _pct(v: Any, lang: str) -> str:
    return t("value.missing", lang) if pd.isna(v) else nv.fmt_percent(float(v), lang)


def _ci(lo: Any, hi: Any, lang: str) -> str:
    if pd.isna(lo) or pd.isna(hi):
        return t("value.missing", lang)
    return f"{nv.fmt_number(float(lo), lang, 1)}–{nv.fmt_percent(float(hi), lang)}"


def _count(v: Any, lang: str) -> str:
    return t("value.missing", lang) if pd.isna(v) else nv.fmt_number(int(v), lang, 0)


def _flag(v: Any, lang: str) -> str:
    return t(f"survey.flag.{v}", lang) if isinstance(v, str) else t("value.missing", lang)


def _significance(v: Any, lang: str) -> str:
    if pd.isna(v):
        return t("value.missing", lang)
    return t("survey.significant" if bool(v) else "survey.not_significant", lang)


def _survey_source(survey: Any, lang: str) -> str:
    key = "survey.chart.source_synthetic" if survey.synthetic else "survey.chart.source"
    return t(key, lang, year=survey.fieldwork.end.year)


def _shares_table(rows: pd.DataFrame, label: list[str], label_header: str, lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            label_header: label,
            t("survey.table.share", lang): [_pct(v, lang) for v in rows["est"]],
            t("survey.table.ci", lang): [_ci(a, b, lang) for a, b in zip(rows["lci"], rows["uci"], strict=True)],
            t("survey.table.n", lang): [_count(v, lang) for v in rows["n"]],
            t("survey.table.reliability", lang): [_flag(v, lang) for v in rows["flag"]],
        }
    )


def _schemes_table(schemes: pd.DataFrame, items: dict[str, str], lang: str) -> pd.DataFrame:
    out = {t("survey.table.item", lang): [items[q] for q in schemes["question"]]}
    for s in ("unweighted", "age_sex", "full"):
        if s in schemes.columns:
            out[t(f"survey.scheme.{s}", lang)] = [_pct(v, lang) for v in schemes[s]]
    return pd.DataFrame(out)


def _modes_table(modes: pd.DataFrame, order: list[str], items: dict[str, str], lang: str) -> pd.DataFrame:
    rows = []
    for q in order:
        part = modes[modes["question"] == q].set_index("domain")
        if part.empty:
            continue
        cati, cawi = (part.loc[m] if m in part.index else None for m in ("CATI", "CAWI"))
        rows.append(
            {
                t("survey.table.item", lang): items[q],
                t("survey.mode.CATI", lang): _pct(None if cati is None else cati["est"], lang),
                t("survey.mode.CAWI", lang): _pct(None if cawi is None else cawi["est"], lang),
                t("survey.table.mode_difference", lang): _significance(
                    None if cati is None else cati["significant"], lang
                ),
            }
        )
    return pd.DataFrame(rows)


@dataclass
class SurveyOverviewPage:
    heading: str
    note: str
    method: str
    story: str
    items: pd.DataFrame
    items_chart: Any
    eu: pd.DataFrame
    eu_chart: Any
    eu_story: str
    schemes: pd.DataFrame
    schemes_story: str
    modes: pd.DataFrame
    modes_story: str
    weights: pd.DataFrame
    open_answers: str
    section: dict[str, str] = field(default_factory=dict)
    open_agreement: str = ""  # Cohen's kappa between the coders and of the rules, in words
    open_table: pd.DataFrame = field(default_factory=pd.DataFrame)  # code shares with CI, base and reliability
    open_chart: Any = None
    quotes: str = ""  # a few quotes from the quote bank (Markdown), each with its district or "city-wide"


def _open_answers(f: Any, s: Any, lang: str) -> dict[str, Any]:
    """The coded open answers' part of the overview page (``SurveyFacts.coded``)."""
    c = f.coded
    if c is None:
        return {"open_answers": t("survey.open_answers_missing", lang)}
    question = next(q for q in s.open_questions if q.id == c.question)
    labels = {code.code: code.label.get(lang) for code in c.coding.question(c.question).codes}
    shares = c.shares.assign(label=c.shares["code"].map(labels))
    chart = show(
        interval_chart(shares, "label", "est", "lci", "uci", lang=lang, source=_survey_source(s, lang),
                       title=t("survey.chart.codes", lang, year=s.fieldwork.end.year))
    )  # fmt: skip
    table = _shares_table(shares, list(shares["label"]), t("survey.table.code", lang), lang).rename(
        columns={t("survey.table.share", lang): t("survey.table.code_share", lang)}
    )
    quotes = "\n\n".join(
        f"> {nv.quote(r.quote, lang)} — {labels[r.code]}; {r.district or t('survey.coding.city_wide', lang)}"
        for r in c.quotes.itertuples()
    )
    return {
        "open_answers": nv.survey_coding_sentence(question.text.get(lang), c.answered, c.coding.version, lang),
        "open_agreement": nv.survey_agreement_sentence(c.kappa_coders, c.n_double, c.kappa_rules, lang),
        "open_table": table,
        "open_chart": chart,
        "quotes": quotes,
    }


def survey_overview(year: int, lang: str) -> SurveyOverviewPage:
    """The residents' survey at a glance: every question's share with its 95 % confidence interval and
    reliability, the EU comparison, the three weighting schemes side by side, telephone against web, and the coded
    open answers (code shares with their CI, the coders' agreement, a few quotes)."""
    f = survey_facts(year)
    section = {k: t(f"survey.section.{k}", lang) for k in
               ("items", "eu", "schemes", "modes", "weights", "open_answers", "quotes", "method")}  # fmt: skip
    if not f.available:
        empty = pd.DataFrame()
        title = f.survey.title.get(lang) if f.survey else t("chapter.survey", lang)
        return SurveyOverviewPage(heading(title, lang), "", "", t("survey.no_results", lang), empty, None, empty, None,
                                  "", empty, "", empty, "", empty, "", section)  # fmt: skip
    s = f.survey
    assert s is not None
    items = {q.id: q.text.get(lang) for q in s.questions}
    notes = [t("survey.synthetic", lang)] if s.synthetic else []
    notes.append(t("survey.suppressed_note", lang))
    full = f.weights[f.weights["scheme"] == "full"].iloc[0]
    method = nv.survey_method_sentence(int(full["n"]), f.modes, s.fieldwork.start, s.fieldwork.end,
                                       float(full["kish_deff"]), float(full["n_effective"]), lang)  # fmt: skip
    city = f.city
    shown = city[city["est"].notna()]
    story = ""
    if len(shown):
        top, low = shown.loc[shown["est"].idxmax()], shown.loc[shown["est"].idxmin()]
        story = nv.survey_range_sentence(items[top["question"]], top["est"], items[low["question"]], low["est"], lang)
    source = _survey_source(s, lang)
    labels = [items[q] for q in city["question"]]
    chart = show(
        interval_chart(city.assign(label=labels), "label", "est", "lci", "uci", lang=lang, source=source,
                       title=t("survey.chart.items", lang, year=s.fieldwork.end.year))
    )  # fmt: skip
    eu_table, eu_chart, eu_story = pd.DataFrame(), None, ""
    b = s.eu_benchmarks
    if b is not None and not f.eu.empty:
        eu = f.eu
        city_name = registry().city.name
        eu_table = pd.DataFrame(
            {
                t("survey.table.item", lang): [items[q] for q in eu["question"]],
                f"{city_name} ({s.fieldwork.end.year})": [_pct(v, lang) for v in eu["city_est"]],
                t("survey.table.ci", lang): [
                    _ci(a, c, lang) for a, c in zip(eu["city_lci"], eu["city_uci"], strict=True)
                ],
                **{c: [_pct(v, lang) for v in eu[c]] for c in b.cities},
                t("survey.table.eu_mean", lang): [_pct(v, lang) for v in eu["all_cities"]],
            }
        )
        eu_chart = show(
            interval_chart(eu.assign(label=[items[q] for q in eu["question"]]), "label", "city_est", "city_lci",
                           "city_uci", reference="all_cities", reference_label=t("survey.table.eu_mean", lang),
                           lang=lang, source=[source, t("survey.eu_source", lang, year=b.year)],
                           title=t("survey.chart.eu", lang, city=city_name, year=s.fieldwork.end.year, eu_year=b.year))
        )  # fmt: skip
        above = [items[q] for q, lo, m in zip(eu["question"], eu["city_lci"], eu["all_cities"], strict=True) if lo > m]
        below = [items[q] for q, hi, m in zip(eu["question"], eu["city_uci"], eu["all_cities"], strict=True) if hi < m]
        eu_story = nv.survey_eu_sentence(city_name, above, below, b.year, lang)
    sch = f.schemes.dropna(subset=["max_pp"])
    schemes_story = ""
    if len(sch):
        worst = sch.loc[sch["max_pp"].idxmax()]
        schemes_story = nv.survey_scheme_sentence(float(worst["max_pp"]), items[worst["question"]], lang)
    modes = f.shares[(f.shares["domain_type"] == "mode") & (f.shares["scheme"] == "full")]
    differ = [items[q] for q in items if modes[(modes["question"] == q) & (modes["domain"] == "CATI")]["significant"]
              .fillna(False).astype(bool).any()]  # fmt: skip
    w = f.weights
    weights = pd.DataFrame(
        {
            t("survey.table.scheme", lang): [t(f"survey.scheme.{x}", lang) for x in w["scheme"]],
            t("survey.table.sweeps", lang): [_count(v, lang) for v in w["iterations"]],
            t("survey.table.weight_range", lang): [
                f"{nv.fmt_number(float(a), lang, 1)}–{nv.fmt_number(float(c), lang, 1)}"
                for a, c in zip(w["weight_min"], w["weight_max"], strict=True)
            ],
            t("survey.table.deff", lang): [nv.fmt_number(float(v), lang, 2) for v in w["kish_deff"]],
            t("survey.table.n_effective", lang): [_count(round(float(v)), lang) for v in w["n_effective"]],
        }
    )
    return SurveyOverviewPage(
        heading=heading(s.title.get(lang), lang),
        note="\n\n".join(f"> {n}" for n in notes),
        method=method,
        story=story,
        items=_shares_table(city, labels, t("survey.table.item", lang), lang),
        items_chart=chart,
        eu=eu_table,
        eu_chart=eu_chart,
        eu_story=eu_story,
        schemes=_schemes_table(f.schemes, items, lang),
        schemes_story=schemes_story,
        modes=_modes_table(modes, list(items), items, lang),
        modes_story=nv.survey_mode_sentence(differ, len(items), lang),
        weights=weights,
        section=section,
        **_open_answers(f, s, lang),
    )


@dataclass
class SurveyThemePage:
    heading: str
    note: str
    story: str  # the district sentences are beside their tables (``districts``)
    districts: list[tuple[str, str, pd.DataFrame, Any]]  # per question: its heading, sentence, table, chart
    schemes: pd.DataFrame
    modes: pd.DataFrame
    strategy: pd.DataFrame
    section: dict[str, str] = field(default_factory=dict)
    items: pd.DataFrame = field(default_factory=pd.DataFrame)


def survey_theme(theme: str, year: int, lang: str) -> SurveyThemePage:
    """One theme of the survey: each question by district, saying which differences from the rest of the city
    are significant and that the others are not; the weighting schemes and the two modes side by side."""
    f = survey_theme_facts(theme, year)
    section = {k: t(f"survey.section.{k}", lang) for k in ("districts", "schemes", "modes", "strategy")}
    s = f.survey
    if s is None or not f.questions:
        empty = pd.DataFrame()
        return SurveyThemePage(heading(t("chapter.survey", lang), lang), "", t("survey.no_results", lang), [], empty,
                               empty, empty, section)  # fmt: skip
    items = {q.id: q.text.get(lang) for q in s.questions}
    source = _survey_source(s, lang)
    blocks = []
    for q in f.questions:
        part = f.districts[f.districts["question"] == q].sort_values("name")
        c = f.city.loc[f.city["question"] == q, "est"]
        table = _shares_table(part, list(part["name"]), t("table.district", lang), lang)
        table[t("survey.table.difference", lang)] = [_significance(v, lang) for v in part["significant"]]
        chart = show(
            interval_chart(part, "name", "est", "lci", "uci", lang=lang, source=source,
                           city_value=float(c.iloc[0]) if len(c) and pd.notna(c.iloc[0]) else None,
                           title=t("survey.chart.districts", lang, item=items[q]))
        )  # fmt: skip
        blocks.append((items[q], nv.survey_district_sentence(items[q], f.higher[q], f.lower[q], lang), table, chart))
    strat = pd.DataFrame()
    if len(f.strategy):
        names = strategy_facts(year).strategy
        label = names.names(lang) if names is not None else {}
        r = f.strategy
        strat = pd.DataFrame(
            {
                t("table.indicator", lang): [label.get(i, i) for i in r["indicator"]],
                t("table.year", lang): [str(int(y)) for y in r["year"]],
                t("table.value", lang): [_pct(v, lang) for v in r["actual"]],
                t("table.baseline", lang): [f"{_pct(v, lang)} ({int(y)})" for v, y in
                                            zip(r["baseline_value"], r["baseline_year"], strict=True)],
                t("table.target", lang): [f"{_pct(v, lang)} ({int(y)})" for v, y in
                                          zip(r["target_value"], r["target_year"], strict=True)],
                t("table.status", lang): [t(f"status.{x}", lang) if x != "baseline" else t("table.baseline", lang)
                                          for x in r["status"]],
            }
        )  # fmt: skip
    city = f.city
    labels = [items[q] for q in city["question"]]
    overview = _shares_table(city, labels, t("survey.table.item", lang), lang)
    return SurveyThemePage(
        heading=heading(s.theme(theme).title.get(lang), lang, s.title.get(lang)),
        note=f"> {t('survey.synthetic', lang)}" if s.synthetic else "",
        story="",
        districts=blocks,
        schemes=_schemes_table(f.schemes, items, lang),
        modes=_modes_table(f.modes, f.questions, items, lang),
        strategy=strat,
        section={**section, "items": t("survey.section.items", lang)},
        items=overview,
    )
