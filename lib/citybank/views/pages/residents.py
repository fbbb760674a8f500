"""The year in brief for residents: its facts (``residents_facts``: the key figures of params/residents.yml)
and its page (``residents``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from ... import narrative as nv
from ...i18n import t, t_all
from ...indicators import variable_sources
from ...params import change_kind, registry
from ...params.residents import load_summary
from ...publish import previous_year
from .. import inputs
from ..common import (
    Sentences,
    bank_values,
    heading,
    provider_name,
)
from .iso import iso_indicator_facts


@dataclass(frozen=True)
class ResidentFigure:
    id: str  # the figure of params/residents.yml (its sentence: residents.figure.<id>)
    source: str  # "variable" (a bank value of the city) or "indicator" (an ISO 37120 value)
    key: str  # the variable id or the indicator's clause
    name: dict[str, str]  # lang → the variable's or indicator's name (for a gap)
    unit: str
    counted: bool  # people or events counted (a change is "fewer", not "lower")
    value: float | None  # the year's value
    previous_year: int
    previous: float | None  # the compared year's value
    how: str  # percent, points or absolute (see citybank.params.change_kind)
    decimals: int | None
    break_reason: dict[str, str] | None  # lang → why the series breaks between the years, when it does
    latest_year: int | None  # when the year has no value: the last earlier year with one
    latest: float | None
    providers: list[str]  # the providers of the value (an indicator's: of its inputs)


@dataclass(frozen=True)
class ResidentsFacts:
    year: int
    figures: list[ResidentFigure]  # in the order of params/residents.yml

    @property
    def providers(self) -> list[str]:
        """Every provider of the figures, in order of first appearance."""
        return list(dict.fromkeys(p for f in self.figures for p in f.providers if p))

    def bank_values(self, terc: str) -> list[tuple[str, str, int, float | None]]:
        """(variable, territory, year, value) of every bank value the figures show."""
        out: list[tuple[str, str, int, float | None]] = []
        for f in self.figures:
            if f.source == "variable":
                out += [(f.key, terc, self.year, f.value), (f.key, terc, f.previous_year, f.previous)]
                if f.latest_year is not None:
                    out.append((f.key, terc, f.latest_year, f.latest))
        return out

    def indicator_values(self, terc: str) -> list[tuple[str, str, int, float | None]]:
        """(clause, territory, year, value) of every ISO 37120 value the figures show."""
        out: list[tuple[str, str, int, float | None]] = []
        for f in self.figures:
            if f.source == "indicator":
                out += [(f.key, terc, self.year, f.value), (f.key, terc, f.previous_year, f.previous)]
                if f.latest_year is not None:
                    out.append((f.key, terc, f.latest_year, f.latest))
        return out


def _number(x: Any) -> float | None:
    return None if x is None or pd.isna(x) else float(x)


def _latest_before(series: pd.Series, year: int) -> tuple[int | None, float | None]:
    earlier = series.dropna().loc[: year - 1]
    return (int(earlier.index[-1]), float(earlier.iloc[-1])) if len(earlier) else (None, None)


@cache
def residents_facts(year: int) -> ResidentsFacts:
    """The key figures of params/residents.yml for the year: the city's value, the compared year's value, how a
    change is said, a break between them, and — for a year without a value — the latest earlier one."""
    reg = registry()
    summary = load_summary(reg)
    if summary is None:
        return ResidentsFacts(year, [])
    terc = reg.city.terc
    bank = inputs.bank_frame()
    small = reg.city.reporting.small_count
    sources = variable_sources(reg)
    figures = []
    for fig in summary.figures:
        kind, key = fig.source
        if kind == "variable":
            v = reg.variables[key]
            s = bank[(bank["variable"] == key) & (bank["territory"] == terc)].set_index("year")["value"].sort_index()
            prev = previous_year(reg, year)
            value, previous = _number(s.get(year)), _number(s.get(prev))
            crossed = v.break_between(prev, year)
            name, unit, counted = v.name.model_dump(), v.unit, v.kind == "count"
            how = fig.change or change_kind(v.kind, v.unit, [value, previous], small)
            providers = [sources[key][1]] if key in sources else []
            reason = crossed.reason.model_dump() if crossed is not None else None
        else:
            f = iso_indicator_facts(key, year)
            s = f.reported
            prev = year - 1
            value, previous = _number(f.value), _number(f.previous)
            crossing = [r for b, r in f.breaks.items() if prev < b <= year]
            name, unit, counted = f.indicator.name.model_dump(), f.indicator.unit, False
            how = fig.change or f.how
            used = f.indicator.formula.variables if f.indicator.formula else []
            providers = list(dict.fromkeys(sources[v][1] for v in used if v in sources))
            reason = crossing[-1].model_dump() if crossing else None
        latest_year, latest = _latest_before(s, year) if value is None else (None, None)
        figures.append(
            ResidentFigure(
                id=fig.id,
                source=kind,
                key=key,
                name=name,
                unit=unit,
                counted=counted,
                value=value,
                previous_year=prev,
                previous=previous,
                how=how,
                decimals=fig.decimals,
                break_reason=reason,
                latest_year=latest_year,
                latest=latest,
                providers=providers,
            )
        )
    return ResidentsFacts(year, figures)


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
