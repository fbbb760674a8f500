"""Consistency across providers: its facts (``consistency_facts``: every rule's verdict and both sides over time)
and its page (``consistency``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from ... import consistency as checks
from ... import narrative as nv
from ...bank import MissingValue, load_quarantine, missing_value
from ...claims import consistency_series_sentence
from ...i18n import t
from ...params import registry
from ...params.consistency import side_ids
from ...plots import line_chart, show
from .. import inputs
from ..common import (
    heading,
    num,
    provider_name,
    source_line,
    source_of,
    variable_name,
)


@dataclass(frozen=True)
class RuleHistory:
    series: pd.DataFrame  # year, value, side ("left"/"right"), territory, variable (None for a sum): up to the year
    left_provider: str
    right_provider: str
    providers: list[str]  # of every year's values


@dataclass(frozen=True)
class ConsistencyFacts:
    year: int
    rules: dict[str, checks.Rule]
    verdicts: pd.DataFrame  # the year's row per rule (see citybank.consistency)
    counts: dict[str, int]  # verdict → rules
    history: dict[str, RuleHistory]  # rule → both sides over time
    gaps: dict[str, list[tuple[str, str, MissingValue]]]  # not comparable rule → (side, variable, why)
    series: dict[str, checks.SeriesVerdict] = field(default_factory=dict)  # rule → its verdicts over every year
    table: pd.DataFrame = field(default_factory=pd.DataFrame)  # rule × year verdicts up to the year
    out_of_tolerance: pd.DataFrame = field(default_factory=pd.DataFrame)  # inconsistent rows of every year

    @property
    def inconsistent(self) -> pd.DataFrame:
        return self.verdicts[self.verdicts["verdict"] == "inconsistent"]


@cache
def consistency_facts(year: int) -> ConsistencyFacts:
    """Every cross-provider rule's verdict in the year and both sides of each rule over time."""
    reg = registry()
    rules = {r.id: r for r in checks.load_rules(reg)}
    df = checks.results()
    now = df[df["year"] == year]
    history = {}
    for rid, rule in rules.items():
        part = df[df["rule"] == rid]
        # a single variable's values are bank values (checked against the bank by the end-to-end test); a sum
        # of several is the rule's own arithmetic
        sides = [
            part[["year", f"{side}_value", "territory"]]
            .rename(columns={f"{side}_value": "value"})
            .assign(side=side, variable=getattr(rule, side) if isinstance(getattr(rule, side), str) else None)
            for side in ("left", "right")
        ]
        both = pd.concat(sides).dropna(subset=["value"])
        history[rid] = RuleHistory(
            series=both[both["year"] <= year],
            left_provider=inputs.provider_of(side_ids(rule.left)[0], reg),
            right_provider=inputs.provider_of(side_ids(rule.right)[0], reg),
            providers=sorted(
                {
                    p
                    for p in part["left_provider"].tolist() + part["right_provider"].tolist()
                    if isinstance(p, str) and p
                }
                - {"nan", "None"}
            ),
        )
    counts = now["verdict"].value_counts()
    gaps: dict[str, list[tuple[str, str, MissingValue]]] = {}
    quarantine = load_quarantine() if (now["verdict"] == "not_comparable").any() else None
    for r in now[now["verdict"] == "not_comparable"].itertuples():
        rule = rules[r.rule]
        gaps[r.rule] = [
            (side, var, missing_value(inputs.bank_frame(), quarantine, reg, var, r.territory, year))
            for side, value in (("left", r.left_value), ("right", r.right_value))
            if pd.isna(value)
            for var in side_ids(getattr(rule, side))
        ]
    return ConsistencyFacts(
        year=year,
        rules=rules,
        verdicts=now,
        counts={v: int(counts.get(v, 0)) for v in checks.VERDICTS},
        history=history,
        gaps=gaps,
        series=checks.series_verdicts(df, year),
        table=checks.verdict_table(df, year),
        out_of_tolerance=df[(df["year"] <= year) & (df["verdict"] == "inconsistent")],
    )


@dataclass
class ConsistencyPage:
    heading: str
    story: str
    verdicts: pd.DataFrame
    charts: list[Any]
    to_resolve: str
    section: dict[str, str] = field(default_factory=dict)
    series: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Every rule's verdict in every year up to the report year (rows: rules, columns: years)."""


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
            marks=dict.fromkeys(f.series[rid].out_of_tolerance, "out_of_tolerance") if rid in f.series else {},
        )
        charts.append(show(chart))

    items = [
        f"- **{rules[r.rule].name.get(lang)}**: {num(r.left_value, lang)} ({provider_name(r.left_provider, lang)}, "
        f"{source_of(r.left_dataset, r.left_source_row, lang)}) / {num(r.right_value, lang)} "
        f"({provider_name(r.right_provider, lang)}, {source_of(r.right_dataset, r.right_source_row, lang)}) — "
        f"{nv.fmt_change(r.relative_difference * 100, lang)}" + (f" ({r.year})" if r.year != year else "")
        for r in f.out_of_tolerance.sort_values(["year", "rule"], ascending=[False, True]).itertuples()
    ]
    if items:
        to_resolve = t("notice.to_resolve", lang) + "\n\n" + "\n".join(items)
    else:
        to_resolve = nv.no_inconsistencies_sentence(year, lang)
    story = nv.consistency_sentence(f.counts, lang)
    # the whole series, not only the report year: which years of each rule are out of tolerance
    story += "\n\n" + "\n".join(
        "- "
        + consistency_series_sentence(
            rules[rid].name.get(lang), sv.years, sv.inconsistent, sv.explained, sv.not_comparable, lang
        )
        for rid, sv in f.series.items()
        if rid in rules
    )
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
    series = f.table.copy()
    if not series.empty:
        series = series.map(lambda v: t(f"verdict.{v}", lang) if v else "–")
        series.index = [rules[r].name.get(lang) if r in rules else r for r in series.index]
        series.columns = [str(c) for c in series.columns]
        series = series.reset_index(names=t("table.rule", lang))
    return ConsistencyPage(
        heading=heading(t("page.consistency", lang, year=year), lang),
        story=story,
        verdicts=verdicts,
        charts=charts,
        to_resolve=to_resolve,
        section={"series": t("chapter.consistency_series", lang)},
        series=series,
    )
