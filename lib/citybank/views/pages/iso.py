"""ISO 37120 pages: one indicator (``iso_indicator_facts``, ``iso_indicator``) and the overview of all of them
(``iso_overview_facts``, ``iso_overview``).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from ... import narrative as nv
from ...claims import display_unit, peers_sentence
from ...i18n import t, unit_label
from ...indicators import Indicator, Theme, certification_level, coverage, variable_sources
from ...params import change_kind, registry
from ...plots import bar_chart, line_chart, peer_comparison, show
from .. import inputs
from ..common import (
    change,
    decimals,
    heading,
    num,
    provider_name,
    source_line,
    source_of,
    variable_name,
)
from .ranking import ranking_section


@dataclass(frozen=True)
class IsoIndicatorFacts:
    indicator: Indicator
    theme: Theme
    year: int
    status: str  # reported, not_available or not_applicable
    value: float | None  # the year's value, when reported
    previous: float | None  # the previous year's value, when there is one
    reported: pd.Series  # reported values by year, up to the year
    missing: list[tuple[str, tuple[str, str] | None]]  # when not available: (variable, (dataset, provider) or None)
    peers: dict[str, float] | None  # city or peer name → value, when the city and a peer report it
    inputs: list[dict]  # the inputs of the year's value with their provenance
    breaks: dict[int, Any]  # year a new series of an input starts → its reason (Text3)
    how: str  # how a change is said: percent, points (a value in %) or absolute (too few events)
    events: tuple[float | None, float | None] | None = None  # a rate of counted events: numerator, previous and year
    denominators: tuple[float | None, float | None] | None = None  # its denominator, previous and year


@cache
def iso_indicator_facts(indicator: str, year: int) -> IsoIndicatorFacts:
    """One ISO 37120 indicator for the city: status, value, series, peers, inputs or what is missing."""
    reg = registry()
    city = reg.city
    cat = inputs.iso_catalogue()
    ind = cat.by_id.get(str(indicator))
    if ind is None:
        raise ValueError(
            f"indicator '{indicator}' is not in params/iso37120.yml; "
            "use a clause id such as '5.1' (see citybank indicators --year Y)"
        )
    res = inputs.iso_results()
    mine = res[(res["id"] == ind.id) & (res["territory"] == city.terc)].set_index("year").sort_index()
    row = mine.loc[year] if year in mine.index else None
    status = str(row["status"]) if row is not None else ("not_applicable" if ind.formula is None else "not_available")
    missing = []
    if status not in ("reported", "not_applicable"):
        src = variable_sources(reg)
        names = str(row["missing"]).split("; ") if row is not None else ind.formula.variables
        missing = [(v, src.get(v)) for v in names if v]
    peers = None
    peer_codes = {p.code: p.name for p in city.peers}
    pr = res[
        (res["id"] == ind.id)
        & (res["year"] == year)
        & (res["status"] == "reported")
        & res["territory"].isin(list(peer_codes) + [city.terc])
    ]
    if status == "reported" and len(pr) >= 2:
        peers = {peer_codes.get(r.territory, city.name): r.value for r in pr.itertuples()}
    prev = mine["value"].get(year - 1)
    variables = ind.formula.variables if ind.formula else []
    breaks = {b.year: b.reason for v in variables if v in reg.variables for b in reg.variables[v].breaks}
    numerators = mine["numerator"].loc[year - 1 : year].tolist() if ind.formula and ind.formula.kind == "ratio" else []
    counts_only = all(reg.variables[v].kind == "count" for v in (ind.formula.numerator if ind.formula else []))
    how = change_kind("count" if counts_only else None, ind.unit, numerators, reg.city.reporting.small_count)
    events = denominators = None
    if ind.formula and ind.formula.kind == "ratio" and counts_only and year in mine.index and year - 1 in mine.index:

        def both(col: str) -> tuple[float | None, float | None]:
            return tuple(None if pd.isna(mine.at[y, col]) else float(mine.at[y, col]) for y in (year - 1, year))  # type: ignore[return-value]

        events, denominators = both("numerator"), both("denominator")
    return IsoIndicatorFacts(
        indicator=ind,
        theme=cat.theme_by_id[ind.theme],
        year=year,
        status=status,
        value=row["value"] if status == "reported" else None,
        previous=None if prev is None or pd.isna(prev) else prev,
        reported=mine[mine["status"] == "reported"]["value"].loc[:year],
        missing=missing,
        peers=peers,
        inputs=json.loads(str(row["inputs"]) or "[]") if row is not None else [],
        breaks=dict(sorted(breaks.items())),
        how=how,
        events=events,
        denominators=denominators,
    )


@dataclass(frozen=True)
class IsoOverviewFacts:
    year: int
    coverage: pd.DataFrame  # per theme id: reported, not_available, not_applicable, total, share (% reported)
    certification: dict[str, Any]  # see citybank.indicators.certification_level
    changes: pd.DataFrame  # id, value_prev, value, pct: the 8 largest changes from the year before


@cache
def iso_overview_facts(year: int) -> IsoOverviewFacts:
    """Coverage by theme, the certification estimate with its to-do list, and the biggest changes."""
    reg = registry()
    city = reg.city
    cat = inputs.iso_catalogue()
    res = inputs.iso_results()
    cov = coverage(res, cat, city.terc, year)
    columns = ["reported", "not_available", "not_applicable", "total", "applicable"]
    by_theme = cov.groupby("theme", sort=False)[columns].sum()
    # a share of the indicators that apply to the city: one that does not apply is neither a gap nor a success
    by_theme["share"] = (by_theme["reported"] / by_theme["applicable"].where(by_theme["applicable"] > 0)) * 100
    mine = res[(res["territory"] == city.terc) & (res["status"] == "reported")]
    now, before = mine[mine["year"] == year], mine[mine["year"] == year - 1]
    both = now.merge(before[["id", "value", "numerator"]], on="id", suffixes=("", "_prev"))
    # the biggest changes are ranked among changes a percentage can say: not shares in % (percentage points),
    # not a handful of events, not across a break in an input's series
    small = reg.city.reporting.small_count.get("count", 0)

    def ranked(r: Any) -> bool:
        ind = cat.by_id[r.id]
        inputs = [reg.variables[v] for v in ind.formula.variables if v in reg.variables] if ind.formula else []
        numerators_small = (
            ind.formula is not None and ind.formula.kind == "ratio" and min(r.numerator, r.numerator_prev) < small
        )
        crosses = any(v.break_between(year - 1, year) for v in inputs)
        return ind.unit != "%" and not numerators_small and not crosses and r.value_prev != 0

    both = both[[ranked(r) for r in both.itertuples()]] if len(both) else both
    both = both.assign(pct=lambda d: (d["value"] / d["value_prev"] - 1) * 100)
    both = both.reindex(both["pct"].abs().sort_values(ascending=False, kind="stable").index).head(8)
    return IsoOverviewFacts(
        year=year,
        coverage=by_theme,
        certification=certification_level(res, cat, city.terc, year, reg),
        changes=both[["id", "value_prev", "value", "pct"]],
    )


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

    # the unit a reader can read the values in: a few kilograms, never "0,00 t" (citybank.claims.display_unit)
    shown_unit = display_unit([f.value, *f.reported.tolist()], ind.unit)
    unit = ind.unit
    if shown_unit.factor != 1:
        unit, k = shown_unit.unit, shown_unit.factor
        f = dataclasses.replace(
            f,
            value=None if f.value is None else f.value / k,
            previous=None if f.previous is None else f.previous / k,
            reported=f.reported / k,
            peers=None if f.peers is None else {n: (None if v is None else v / k) for n, v in f.peers.items()},
        )
    crosses = year in f.breaks
    if f.status == "reported":
        chg = (
            ""
            if f.previous is None
            else f" ({t('table.change_yoy', lang)}: {change(f.value, f.previous, lang, f.how, crosses)})"
        )
        shown = f"{nv.fmt_value(f.value, unit, lang, decimals=decimals([f.value]))}{chg}"
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
            unit,
            year=year,
            decimals=decimals([f.value] if f.value is not None else list(f.reported)),
            higher_is_better=higher_is_better,
            breaks={y: r.get(lang) for y, r in f.breaks.items()},
            how=f.how,
            events=f.events,
            denominators=f.denominators,
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
                unit=unit,
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
                unit=unit,
                percent=unit == "%",
            )
        )
        others = {k: v for k, v in f.peers.items() if k != city.name}
        cmp = nv.compare_to_peers(
            f.peers[city.name],
            others,
            lang,
            city_name=city.name,
            unit=unit,
            higher_is_better=higher_is_better,
            decimals=decimals([f.value]),
        )
        rule = city.peers_rule.get(lang) if city.peers_rule else None
        names = [pp.name for pp in city.peers]
        cmp += " " + peers_sentence(names, rule, [n for n in names if f.peers.get(n) is None], lang)
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
    rank_story, rank_charts = ranking_section(f"iso:{ind.id}", year, lang)
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
    cat = inputs.iso_catalogue()
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
