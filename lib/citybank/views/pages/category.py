"""A category's page: its facts (``category_facts``: key figures with the previous and baseline year, trends,
districts, peers, provenance — numbers, no language) and the page in the reader's language (``category``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from ... import narrative as nv
from ...bank import finding_words
from ...claims import peers_sentence
from ...i18n import check_label, t, unit_label
from ...params import Dataset, registry
from ...plots import district_bars, line_chart, peer_comparison, show
from ...publish import previous_year
from .. import inputs
from ..common import (
    bank_values,
    change,
    decimals,
    frequency,
    heading,
    markdown,
    num,
    provider_name,
    source_line,
    variable_name,
)
from .ranking import ranking_section


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
    findings: list[tuple[str, dict]] = field(default_factory=list)
    """(dataset, finding) of the detectors up to the year, newest first: values to be confirmed by the provider."""

    def marks(self, variable: str) -> dict[int, str]:
        """The years of the city's chart of ``variable`` to ring: a finding of the city or of its districts."""
        city = registry().city.terc
        return {
            int(f["year"]): "to_confirm"
            for _, f in self.findings
            if variable in str(f["variable"]).split()
            and (city in str(f["territories"]).split() or f["scope"] in ("every_district", "most_districts"))
        }


@cache
def category_facts(slug: str, year: int) -> CategoryFacts:
    """Key figures with the previous and baseline year, trend series, districts, peers and provenance."""
    reg = registry()
    city = reg.city
    datasets = sorted(reg.datasets_in(slug), key=lambda d: d.id)
    variables = [v for d in datasets for v in d.variables]
    bank = inputs.bank_frame()
    rows = bank[bank["variable"].isin(variables)]
    city_rows = rows[rows["territory"] == city.terc]
    prev = previous_year(reg, year)
    records = inputs.city_records(reg, city_rows, variables, year, {"previous": prev, "baseline": city.baseline_year})

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

    qa = inputs.quality_report(year).get("datasets", {})
    provenance = []
    for ds in datasets:
        info = qa.get(ds.id, {})
        last = (info.get("freshness") or {}).get("last_data_year") or (info.get("data_years") or {}).get("last")
        provenance.append(Provenance(ds, last, info.get("problems") or {}))
    findings = sorted(
        ((ds.id, f) for ds in datasets for f in qa.get(ds.id, {}).get("findings") or []),
        key=lambda x: (-int(x[1]["year"]), x[0], str(x[1]["variable"])),
    )

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
        findings=findings,
    )


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
    sentences += [finding_words(fd, ds_id, reg, lang) for ds_id, fd in f.findings]

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
                marks=f.marks(var),
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
    if peers:  # the peer set and the rule that chose it, and the peers without a value, under the charts
        rule = reg.city.peers_rule.get(lang) if reg.city.peers_rule else None
        names = [pp.name for pp in reg.city.peers]
        missing = sorted({n for p in f.peers for n in names if p.values.get(n) is None}, key=names.index)
        peers.append(markdown(peers_sentence(names, rule, missing, lang)))

    rank_story, rank_charts = ranking_section(f"category:{slug}", year, lang)
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
                t("table.frequency", lang): frequency(p.dataset, lang),
                t("table.last_year", lang): str(p.last_year) if p.last_year else t("value.missing", lang),
                t("table.openness", lang): "★" * p.dataset.openness,
                t("table.notes", lang): ", ".join(
                    [f"{check_label(k, lang)}: {v}" for k, v in sorted(p.problems.items())]
                    + [f"{check_label(k, lang)}: {v}" for k, v in sorted(_found(f, p.dataset.id).items())]
                )
                or "—",
            }
            for p in f.provenance
        ]
    )


def _found(f: CategoryFacts, dataset: str) -> dict[str, int]:
    """The detectors' findings of a dataset up to the year, by check."""
    out: dict[str, int] = {}
    for ds_id, fd in f.findings:
        if ds_id == dataset:
            out[str(fd["check"])] = out.get(str(fd["check"]), 0) + 1
    return out
