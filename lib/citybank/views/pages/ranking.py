"""The city's position among gminas of its class — the section that category and ISO 37120 indicator pages share:
its facts (``ranking_facts``, ``ranking_for_page``: numbers from the ranking results) and its words
(``ranking_section``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from ... import ranking
from ...i18n import t
from ...maps import boundaries, choropleth
from ...params import Registry, registry
from ...params.national import load_national
from ...plots import class_position_chart, show
from .. import inputs
from ..common import (
    decimals,
    num,
    provider_name,
)


@dataclass(frozen=True)
class Position:
    """The city's position among gminas of its class for one measure (a variable, derived measure or ISO id)."""

    measure: str
    name: dict[str, str]  # {lang: name}
    unit: str
    group: str  # "class_band" (kind and population band) when that group has 5+ gminas in the latest year, else "class"
    kind: str  # gmina class (ranking.KINDS)
    band: str
    series: pd.DataFrame  # year, value, rank, n, percentile, q1, median, q3 — years up to the report year


@dataclass(frozen=True)
class RankingFacts:
    positions: dict[str, Position]  # measure → position
    exports: list[tuple[str, str]]  # (BDL table, years)
    source: dict[str, str]
    missing: str


def _measure_meta(reg: Registry, nat: Any, measure: str) -> tuple[dict[str, str], str, str | None]:
    """Name {lang}, unit and the page that shows the measure ('category:<slug>' or 'iso:<clause>')."""
    if measure.startswith(ranking.ISO_PREFIX):
        ind = inputs.iso_catalogue().by_id[measure.removeprefix(ranking.ISO_PREFIX)]
        return ind.name.model_dump(), ind.unit, measure
    derived = {d.id: d for d in nat.derived}
    owner = next((d.category for d in reg.datasets.values() if measure in d.variables), None)
    export = next((e.category for e in nat.exports for c in e.columns if c.variable == measure), None)
    if measure in derived and derived[measure].name is not None:
        d = derived[measure]
        return d.name.model_dump(), d.unit, f"category:{d.category or owner or export}"
    v = reg.variables[measure]
    return v.name.model_dump(), v.unit, f"category:{owner or export}"


@cache
def ranking_facts(year: int) -> RankingFacts:
    """The city's position among gminas of its class, per measure, over the years up to ``year``."""
    reg = registry()
    nat = load_national(reg)
    rank = ranking.results(reg.city.terc, reg=reg)
    source = nat.source.model_dump() if nat is not None else {}
    rows = rank.rows[rank.rows["year"] <= year] if len(rank.rows) else rank.rows
    positions: dict[str, Position] = {}
    for measure, part in rows.groupby("measure", sort=True):
        # the narrower group (kind and size band) when it reaches the latest year of the measure with 5+ gminas
        band = part[part["group"] == "class_band"]
        latest = band[band["year"] == part["year"].max()]
        group = "class_band" if len(latest) and int(latest["n"].iloc[0]) >= 5 else "class"
        chosen = part[part["group"] == group].sort_values("year")
        name, unit, _ = _measure_meta(reg, nat, str(measure))
        positions[str(measure)] = Position(
            measure=str(measure), name=name, unit=unit, group=group, kind=str(chosen["class"].iloc[-1]),
            band=str(chosen["band"].iloc[-1]),
            series=chosen[["year", "value", "rank", "n", "percentile", "q1", "median", "q3"]].reset_index(drop=True),
        )  # fmt: skip
    return RankingFacts(positions, rank.exports, source, rank.missing)


@cache
def _voivodeship_rows(terc: str) -> pd.DataFrame:
    """The ranking rows of every gmina in ``terc``'s voivodeship (the first two digits of TERC)."""
    rows = ranking.results(reg=registry()).rows
    return rows[rows["territory"].str[:2] == terc[:2]] if len(rows) else rows


def class_map_values(terc: str, p: Position) -> tuple[int, dict[str, float]]:
    """The latest year of ``p`` and the values of that year for the gminas of the city's voivodeship in the
    city's comparison group (the same kind, and the same size band when the position uses one)."""
    year = int(p.series["year"].iloc[-1])
    rows = _voivodeship_rows(terc)
    part = rows[(rows["measure"] == p.measure) & (rows["group"] == p.group) & (rows["class"] == p.kind)
                & (rows["band"] == (p.band if p.group == "class_band" else "")) & (rows["year"] == year)]  # fmt: skip
    return year, {str(k): float(v) for k, v in zip(part["territory"], part["value"], strict=True)}


def ranking_for_page(year: int, page: str) -> list[Position]:
    """The positions a page shows: ``category:<slug>`` or ``iso:<clause>``."""
    reg = registry()
    nat = load_national(reg)
    if nat is None:
        return []
    f = ranking_facts(year)
    return [p for m, p in f.positions.items() if _measure_meta(reg, nat, m)[2] == page]


def one_value(measure: str, year: int, ranked: float) -> tuple[float, str] | None:
    """The bank's city value of ``measure`` in ``year`` and its provider, when the bank holds one from the city's own
    file and it differs from the value the ranking (a national export) uses; else None."""
    reg = registry()
    bank = inputs.bank_frame()
    rows = bank[(bank["variable"] == measure) & (bank["territory"] == reg.city.terc) & (bank["year"] == year)]
    if rows.empty:
        return None
    value = float(rows["value"].iloc[0])
    if abs(value - ranked) <= 1e-9 * max(1.0, abs(value)):
        return None
    return value, str(rows["provider"].iloc[0])


def ranking_section(page: str, year: int, lang: str) -> tuple[str, list[Any]]:
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
        same = one_value(p.measure, int(last["year"]), float(last["value"]))
        if (
            same is not None
        ):  # one value per measure: the page's figure is the bank's; this one is named with its source
            bank_value, provider = same
            sentences.append(
                t("ranking.other_source", lang, year=int(last["year"]), value=num(last["value"], lang, dec),
                  source=f.source[lang], bank=num(bank_value, lang, dec), provider=provider_name(provider, lang),
                  difference=num(float(last["value"]) - bank_value, lang, dec))
            )  # fmt: skip
        title = f"{p.name[lang]}: {reg.city.name} — {group}"
        charts.append(
            show(class_position_chart(p.series, city=reg.city.name, title=title, lang=lang, source=source, unit=p.unit))
        )
        if reg.city.terc in boundaries():  # the shipped boundaries cover województwo śląskie
            map_year, values = class_map_values(reg.city.terc, p)
            if len(values) >= 2:
                title = t("map.title", lang, measure=p.name[lang], group=group, year=map_year)
                charts.append(
                    show(choropleth(values, city=reg.city.terc, title=title, lang=lang, source=source, unit=p.unit))
                )
    last_year = max(int(p.series["year"].max()) for p in positions)
    sentences.append(t("ranking.vintage", lang, source=f.source[lang], tables=tables, last=last_year))
    return " ".join(sentences), charts
