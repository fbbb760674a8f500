"""Monitoring of the development strategy: its facts (``strategy_facts``) and its page (``strategy``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from ... import narrative as nv
from ... import strategy as monitoring
from ...i18n import t
from ...params import registry
from ...plots import bar_chart, show
from ..common import (
    decimals,
    heading,
    source_line,
)


@dataclass(frozen=True)
class StrategyFacts:
    year: int
    strategy: monitoring.Strategy | None  # None when params/monitoring.yml is missing
    summary: pd.DataFrame  # per strategic goal: indicators in each status
    rows: pd.DataFrame  # the year's monitoring row per indicator (see citybank.strategy)
    units: dict[str, str | None]  # indicator → unit
    progress: pd.DataFrame  # indicator, provider, pct: share of the expected way covered, within −100 … 200 %


@cache
def strategy_facts(year: int) -> StrategyFacts:
    """The strategy's monitoring rows and goal summary for the year."""
    strat = monitoring.load_strategy(registry())
    if strat is None:
        return StrategyFacts(year, None, pd.DataFrame(), pd.DataFrame(), {}, pd.DataFrame())
    df = monitoring.results(year)
    summ = monitoring.goal_summary(df)
    rows = df[df["year"] == year]
    prog = rows.dropna(subset=["progress_ratio"])
    return StrategyFacts(
        year=year,
        strategy=strat,
        summary=summ[summ["year"] == year],
        rows=rows,
        units={i.id: i.unit for _, _, i in strat.indicators()},
        # a progress measured across a break in the series compares values measured differently: left out
        progress=prog[prog["crosses_break"].isna()][["indicator", "provider"]].assign(
            pct=prog[prog["crosses_break"].isna()]["progress_ratio"] * 100
        ),
    )


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
