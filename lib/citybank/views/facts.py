"""The numbers behind each page, without language: what the page selects from the bank and the result files
and what it derives from them (changes, shares, counts, per-resident values).

One function per page, cached per (page key, year): the three language versions of a page computed in one
process share one computation, and a process forked after the facts were computed (a runner worker's notebook
kernel) inherits them. The facts are shared, so pages must not modify them. This module never formats a number or picks a language (that is
``citybank.views.pages``), which is what makes its values testable with exact figures.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from .. import consistency, ranking, strategy
from ..bank import MissingValue, load_bank, load_quarantine, missing_value, quality
from ..errors import UserError
from ..indicators import (
    Catalogue,
    Indicator,
    Theme,
    certification_level,
    coverage,
    load_catalogue,
    results,
    variable_sources,
)
from ..params import Dataset, Registry, change_kind, registry
from ..params.consistency import side_ids
from ..params.national import load_national
from ..params.residents import load_summary
from ..params.survey import Survey, load_survey
from ..paths import PATHS
from ..publish import HEADLINES, previous_year

# ---------------------------------------------------------------------------------------------- inputs


@cache
def bank_frame() -> pd.DataFrame:
    return load_bank(root=PATHS)


@cache
def iso_catalogue() -> Catalogue:
    return load_catalogue(registry())


@cache
def iso_results() -> pd.DataFrame:
    return results(reg=registry())


@cache
def _quality(year: int) -> dict[str, Any]:
    """The year's QA report, or nothing when it has not been written (a missing report must not break a page)."""
    try:
        return quality(year, root=PATHS)
    except UserError:
        return {}


def _records(reg: Registry, bank: pd.DataFrame, variables: list[str], year: int, compare: dict[str, int]) -> list[dict]:
    """Per variable, the city's value in ``year`` and in each comparison year (``{"previous": 2023, …}``),
    with the name, unit and desired direction the narrative needs."""
    out = []
    for var in variables:
        s = bank[(bank["variable"] == var) & (bank["territory"] == reg.city.terc) & (bank["year"] <= year)]
        s = s.set_index("year")["value"].sort_index()
        v = reg.variables[var]
        values = {"value": s.get(year, float("nan")), **{k: s.get(y, float("nan")) for k, y in compare.items()}}
        out.append({
            "variable": var, "name": v.name.model_dump(), "unit": v.unit, "higher_is_better": v.higher_is_better,
            "kind": v.kind, **values,
            "how": change_kind(v.kind, v.unit, values.values(), reg.city.reporting.small_count),
            "breaks": [b.year for b in v.breaks if b.year <= year],
            **{f"break_{k}": v.break_between(y, year) is not None for k, y in compare.items()},
        })  # fmt: skip
    return out


def _provider_of(var: str, reg: Registry) -> str:
    for d in reg.datasets.values():
        if var in d.variables:
            return d.provider
    return ""


# ---------------------------------------------------------------------------------------------- category


@dataclass(frozen=True)
class PeerFigure:
    variable: str
    values: dict[str, float | None]  # city or peer name → value, on the basis below
    basis: str  # "raw" (as published), "per_1000" (a count per 1 000 residents) or "share" (% of the population)
    providers: list[str]

    @property
    def per_1000(self) -> bool:
        return self.basis == "per_1000"


@dataclass(frozen=True)
class Provenance:
    dataset: Dataset
    last_year: int | None
    problems: dict[str, Any]


@dataclass(frozen=True)
class CategoryFacts:
    slug: str
    year: int
    previous_year: int
    baseline_year: int
    records: list[dict]  # per variable: variable, name {lang: …}, unit, higher_is_better, value, previous, baseline
    has_data: bool
    trends: list[tuple[str, pd.DataFrame]]  # (variable, city rows up to the year), most years of data first
    districts: list[tuple[str, pd.DataFrame]]  # (variable, the year's district rows with a "district" name)
    peers: list[PeerFigure]
    provenance: list[Provenance]


@cache
def category_facts(slug: str, year: int) -> CategoryFacts:
    """Key figures with the previous and baseline year, trend series, districts, peers and provenance."""
    reg = registry()
    city = reg.city
    datasets = sorted(reg.datasets_in(slug), key=lambda d: d.id)
    variables = [v for d in datasets for v in d.variables]
    bank = bank_frame()
    rows = bank[bank["variable"].isin(variables)]
    city_rows = rows[rows["territory"] == city.terc]
    prev = previous_year(reg, year)
    records = _records(reg, city_rows, variables, year, {"previous": prev, "baseline": city.baseline_year})

    # trends: variables with the most years of data, city only
    upto = city_rows[city_rows["year"] <= year]
    counts = upto.groupby("variable")["year"].nunique()
    ranked = sorted((v for v in variables if counts.get(v, 0) >= 2), key=lambda v: (-counts[v], variables.index(v)))
    trends = [(var, upto[upto["variable"] == var]) for var in ranked]

    district_codes = {d.code: d.name for d in city.districts}
    dist = rows[rows["territory"].isin(district_codes) & (rows["year"] == year)]
    districts = [
        (var, dist[dist["variable"] == var].assign(district=lambda d: d["territory"].map(district_codes)))
        for var in sorted(dist["variable"].unique(), key=variables.index)
    ]

    peer_codes = {p.code: p.name for p in city.peers}
    peer_rows = rows[rows["territory"].isin(peer_codes) & (rows["year"] == year)]
    pop = bank[(bank["variable"] == "population_total") & (bank["year"] == year)].set_index("territory")["value"]
    peers = []
    for var in sorted(peer_rows["variable"].unique(), key=variables.index)[:3]:
        vals = {peer_codes[r.territory]: r.value for r in peer_rows[peer_rows["variable"] == var].itertuples()}
        own = city_rows[(city_rows["variable"] == var) & (city_rows["year"] == year)]["value"]
        if own.empty:
            continue
        vals[city.name] = float(own.iloc[0])
        # cities of different sizes are compared on a basis that makes sense for the variable: the population
        # itself as it is, a part of it as a share of it, other counts and amounts per 1 000 residents, rates
        # and means as they are (normalising those would mean nothing)
        v = reg.variables[var]
        basis = "raw"
        if var != "population_total" and v.additive and not pop.empty:
            basis = "share" if var.startswith("population_") and v.unit == "persons" else "per_1000"
        if basis != "raw":
            codes = {name: code for code, name in peer_codes.items()} | {city.name: city.terc}
            scale = 100 if basis == "share" else 1000
            vals = {
                k: (x / pop[codes[k]] * scale if codes[k] in pop.index and pop[codes[k]] else None)
                for k, x in vals.items()
            }
        if basis == "share":  # a share above 100 % means the inputs disagree: never drawn
            vals = {k: (x if x is None or 0 <= x <= 100 else None) for k, x in vals.items()}
        peers.append(PeerFigure(var, vals, basis, list(peer_rows["provider"].unique())))

    qa = _quality(year).get("datasets", {})
    provenance = []
    for ds in datasets:
        info = qa.get(ds.id, {})
        last = (info.get("freshness") or {}).get("last_data_year") or (info.get("data_years") or {}).get("last")
        provenance.append(Provenance(ds, last, info.get("problems") or {}))

    return CategoryFacts(
        slug=slug,
        year=year,
        previous_year=prev,
        baseline_year=city.baseline_year,
        records=records,
        has_data=any(not pd.isna(r["value"]) for r in records),
        trends=trends,
        districts=districts,
        peers=peers,
        provenance=provenance,
    )


# ---------------------------------------------------------------------------------------------- overview


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
    bank = bank_frame()
    prev = previous_year(reg, year)
    # a variable no dataset maps and the bank does not derive (the total population of a gmina workspace is a
    # sum of the age groups of the national export) has no value to show: the page says whose data is missing
    provided = {v for d in reg.datasets.values() for v in d.variables} | set(bank["variable"].unique())
    heads = [v for v in HEADLINES if v in reg.variables and v in provided]
    # the provider of the dataset, or of the bank's rows for a variable the bank derives (a sum of parts)
    derived = bank[bank["territory"] == reg.city.terc].drop_duplicates("variable").set_index("variable")["provider"]
    recs = [
        dict(r, provider=_provider_of(r["variable"], reg) or str(derived.get(r["variable"], "")))
        for r in _records(reg, bank, heads, year, {"previous": prev})
    ]
    qa = _quality(year)
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


# ---------------------------------------------------------------------------------------------- ISO 37120


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


@cache
def iso_indicator_facts(indicator: str, year: int) -> IsoIndicatorFacts:
    """One ISO 37120 indicator for the city: status, value, series, peers, inputs or what is missing."""
    reg = registry()
    city = reg.city
    cat = iso_catalogue()
    ind = cat.by_id.get(str(indicator))
    if ind is None:
        raise ValueError(
            f"indicator '{indicator}' is not in params/iso37120.yml; "
            "use a clause id such as '5.1' (see citybank indicators --year Y)"
        )
    res = iso_results()
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
    cat = iso_catalogue()
    res = iso_results()
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


# ---------------------------------------------------------------------------------------------- strategy


@dataclass(frozen=True)
class StrategyFacts:
    year: int
    strategy: strategy.Strategy | None  # None when params/strategy.yml is missing
    summary: pd.DataFrame  # per strategic goal: indicators in each status
    rows: pd.DataFrame  # the year's monitoring row per indicator (see citybank.strategy)
    units: dict[str, str | None]  # indicator → unit
    progress: pd.DataFrame  # indicator, provider, pct: share of the expected way covered, within −100 … 200 %


@cache
def strategy_facts(year: int) -> StrategyFacts:
    """The strategy's monitoring rows and goal summary for the year."""
    strat = strategy.load_strategy(registry())
    if strat is None:
        return StrategyFacts(year, None, pd.DataFrame(), pd.DataFrame(), {}, pd.DataFrame())
    df = strategy.results(year)
    summ = strategy.goal_summary(df)
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


# ---------------------------------------------------------------------------------------------- consistency


@dataclass(frozen=True)
class RuleHistory:
    series: pd.DataFrame  # year, value, side ("left"/"right"), territory, variable (None for a sum): up to the year
    left_provider: str
    right_provider: str
    providers: list[str]  # of every year's values


@dataclass(frozen=True)
class ConsistencyFacts:
    year: int
    rules: dict[str, consistency.Rule]
    verdicts: pd.DataFrame  # the year's row per rule (see citybank.consistency)
    counts: dict[str, int]  # verdict → rules
    history: dict[str, RuleHistory]  # rule → both sides over time
    gaps: dict[str, list[tuple[str, str, MissingValue]]]  # not comparable rule → (side, variable, why)

    @property
    def inconsistent(self) -> pd.DataFrame:
        return self.verdicts[self.verdicts["verdict"] == "inconsistent"]


@cache
def consistency_facts(year: int) -> ConsistencyFacts:
    """Every cross-provider rule's verdict in the year and both sides of each rule over time."""
    reg = registry()
    rules = {r.id: r for r in consistency.load_rules(reg)}
    df = consistency.results()
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
            left_provider=_provider_of(side_ids(rule.left)[0], reg),
            right_provider=_provider_of(side_ids(rule.right)[0], reg),
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
            (side, var, missing_value(bank_frame(), quarantine, reg, var, r.territory, year))
            for side, value in (("left", r.left_value), ("right", r.right_value))
            if pd.isna(value)
            for var in side_ids(getattr(rule, side))
        ]
    return ConsistencyFacts(
        year=year,
        rules=rules,
        verdicts=now,
        counts={v: int(counts.get(v, 0)) for v in consistency.VERDICTS},
        history=history,
        gaps=gaps,
    )


# ---------------------------------------------------------------------------------------------- residents


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
    bank = bank_frame()
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
            inputs = f.indicator.formula.variables if f.indicator.formula else []
            providers = list(dict.fromkeys(sources[v][1] for v in inputs if v in sources))
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


# ---------------------------------------------------------------------------------------------- ranking


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
        ind = iso_catalogue().by_id[measure.removeprefix(ranking.ISO_PREFIX)]
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


def ranking_for_page(year: int, page: str) -> list[Position]:
    """The positions a page shows: ``category:<slug>`` or ``iso:<clause>``."""
    reg = registry()
    nat = load_national(reg)
    if nat is None:
        return []
    f = ranking_facts(year)
    return [p for m, p in f.positions.items() if _measure_meta(reg, nat, m)[2] == page]


# ---------------------------------------------------------------------------------------------- residents' survey


@dataclass(frozen=True)
class SurveyFacts:
    survey: Survey | None  # None when params/survey.yml is missing
    shares: pd.DataFrame  # the published shares (citybank.survey.published): empty when the stage wrote nothing
    eu: pd.DataFrame  # the comparison with the EU survey, one row per comparable question
    weights: pd.DataFrame  # per scheme: n, iterations, weight range, Kish deff, effective n
    modes: dict[str, int]  # respondents kept per mode
    city: pd.DataFrame  # the city's shares under the full weighting, in the order of the questions
    schemes: pd.DataFrame  # question, unweighted, age_sex, full (est, %), max_pp: largest difference between them
    strategy: pd.DataFrame  # the strategy's survey indicators: indicator, question, year, actual, status, target …
    coded: pd.DataFrame | None  # HOOK: the coded open answers' shares, when the open-answer coding writes them

    @property
    def available(self) -> bool:
        return self.survey is not None and not self.shares.empty


def _survey_table(name: str) -> pd.DataFrame:
    path = PATHS.survey_result(name)
    return pd.read_parquet(path) if path.is_file() else pd.DataFrame()


@cache
def survey_facts(year: int) -> SurveyFacts:
    """The residents' survey as the pages show it: only the disclosure-controlled tables of the survey stage.
    ``year`` is the report's year (the survey is the latest one, whatever its fieldwork year)."""
    reg = registry()
    survey = load_survey(reg)
    shares = _survey_table("survey_shares") if survey is not None else pd.DataFrame()
    empty = pd.DataFrame()
    if survey is None or shares.empty:
        return SurveyFacts(survey, shares, empty, empty, {}, empty, empty, empty, None)
    order = {q.id: i for i, q in enumerate(survey.questions)}
    city = shares[(shares["domain_type"] == "city") & (shares["scheme"] == "full")]
    city = city.sort_values("question", key=lambda s: s.map(order)).reset_index(drop=True)
    wide = shares[shares["domain_type"] == "city"].pivot(index="question", columns="scheme", values="est")
    wide = wide.reindex(columns=[s for s in ("unweighted", "age_sex", "full") if s in wide.columns])
    wide["max_pp"] = wide.max(axis=1) - wide.min(axis=1)
    schemes = wide.reset_index().sort_values("question", key=lambda s: s.map(order)).reset_index(drop=True)
    schemes.columns.name = None
    weights = _survey_table("survey_weights")
    modes = {}
    if not weights.empty:
        full = weights[weights["scheme"] == "full"].iloc[0]
        modes = {m: int(full[f"n_{m}"]) for m in ("CATI", "CAWI") if f"n_{m}" in weights.columns}
    strat = strategy.load_strategy(reg)
    rows = empty
    if strat is not None:
        ids = {i.id: i.survey for _, _, i in strat.indicators() if i.survey}
        if ids:
            res = strategy.results()
            rows = res[res["indicator"].isin(list(ids)) & res["actual"].notna()]
            rows = rows.assign(question=rows["indicator"].map(ids)).reset_index(drop=True)
    return SurveyFacts(survey, shares, _survey_table("survey_eu_comparison"), weights, modes, city, schemes, rows, None)


@dataclass(frozen=True)
class SurveyThemeFacts:
    survey: Survey | None
    theme: str
    questions: list[str]  # the theme's questions, in order
    city: pd.DataFrame  # their city shares (full weighting)
    districts: pd.DataFrame  # their district shares (full weighting), with the district's name
    modes: pd.DataFrame  # their CATI and CAWI shares (full weighting) and whether the two differ significantly
    schemes: pd.DataFrame  # their city shares under each weighting scheme
    strategy: pd.DataFrame  # the strategy indicators measured by them
    higher: dict[str, list[str]]  # question → districts significantly above the rest of the city
    lower: dict[str, list[str]]  # question → districts significantly below it


@cache
def survey_theme_facts(theme: str, year: int) -> SurveyThemeFacts:
    """One theme of the survey: its questions by district (with the significance of each district's difference
    from the rest of the city), by mode and under each weighting scheme."""
    f = survey_facts(year)
    empty = pd.DataFrame()
    if not f.available:
        return SurveyThemeFacts(f.survey, theme, [], empty, empty, empty, empty, empty, {}, {})
    assert f.survey is not None
    if theme not in {t_.id for t_ in f.survey.themes}:
        raise UserError(
            f"unknown survey theme '{theme}'; expected one of: {', '.join(t_.id for t_ in f.survey.themes)} "
            "(params/survey.yml, themes)"
        )
    qs = f.survey.theme(theme).questions
    names = {d.code: d.name for d in registry().city.districts}
    full = f.shares[(f.shares["scheme"] == "full") & f.shares["question"].isin(qs)]
    districts = full[full["domain_type"] == "district"].assign(name=lambda d: d["domain"].map(names))
    city = f.city[f.city["question"].isin(qs)].reset_index(drop=True)
    higher: dict[str, list[str]] = {}
    lower: dict[str, list[str]] = {}
    for q in qs:
        c = city.loc[city["question"] == q, "est"]
        part = districts[(districts["question"] == q) & (districts["significant"].fillna(False).astype(bool))]
        level = float(c.iloc[0]) if len(c) else float("nan")
        higher[q] = [str(n) for n in part.loc[part["est"] > level, "name"]]
        lower[q] = [str(n) for n in part.loc[part["est"] < level, "name"]]
    return SurveyThemeFacts(
        survey=f.survey,
        theme=theme,
        questions=list(qs),
        city=city,
        districts=districts.reset_index(drop=True),
        modes=full[full["domain_type"] == "mode"].reset_index(drop=True),
        schemes=f.schemes[f.schemes["question"].isin(qs)].reset_index(drop=True),
        strategy=f.strategy[f.strategy["question"].isin(qs)].reset_index(drop=True) if len(f.strategy) else empty,
        higher=higher,
        lower=lower,
    )
