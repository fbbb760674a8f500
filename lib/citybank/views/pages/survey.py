"""The residents' survey: the overview (``survey_facts``, ``survey_overview``) and one theme
(``survey_theme_facts``, ``survey_theme``), from the disclosure-controlled tables of the survey stage only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from ... import narrative as nv
from ... import strategy as monitoring
from ...errors import UserError
from ...i18n import t
from ...params import registry
from ...params.survey import Survey, load_survey
from ...params.survey_coding import Coding, load_coding
from ...paths import PATHS
from ...plots import interval_chart, show
from ..common import (
    heading,
)
from .strategy import strategy_facts


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
    coded: SurveyCodedFacts | None  # the coded open answers, when the survey stage coded them

    @property
    def available(self) -> bool:
        return self.survey is not None and not self.shares.empty


@dataclass(frozen=True)
class SurveyCodedFacts:
    """The coded open answers of one question, from the survey stage's public tables only."""

    coding: Coding  # the codebook (version, the codes' labels in PL/EN/DE)
    question: str  # the open question's id
    answered: int  # respondents who answered it (the base of every code's share)
    shares: pd.DataFrame  # the city's code shares (full weighting, %): largest first, the fallback code last
    kappa_coders: float | None  # Cohen's kappa between the two coders, every code pooled (None: no subsample)
    kappa_rules: list[float]  # the rules (before overrides) against each coder, pooled
    n_double: int  # answers coded by both coders
    quotes: pd.DataFrame  # a few quotes: code, quote, district ("" when attributed to the whole city)


QUOTES_SHOWN = 4
"""Quotes on the overview page: one for each of the most frequent codes (the fallback left out)."""


def _coded_facts(coding: Coding | None) -> SurveyCodedFacts | None:
    shares = _survey_table("survey_coded_shares")
    if coding is None or shares.empty:
        return None
    q = coding.questions[0]
    city = shares[(shares["question"] == q.question) & (shares["domain_type"] == "city") & (shares["scheme"] == "full")]
    if city.empty or city["n"].isna().all():
        return None
    order = city.assign(last=city["code"] == q.fallback).sort_values(["last", "est", "code"],
                                                                   ascending=[True, False, True])  # fmt: skip
    agree = _survey_table("survey_coding_agreement")
    pooled = agree[(agree["question"] == q.question) & (agree["measure"] == "kappa_pooled")] if len(agree) else agree
    coders = pooled[~pooled["pair"].str.startswith("rules vs ")] if len(pooled) else pooled
    rules = pooled[pooled["pair"].str.startswith("rules vs ")] if len(pooled) else pooled
    kappa = float(coders["kappa"].iloc[0]) if len(coders) and pd.notna(coders["kappa"].iloc[0]) else None
    bank = _survey_table("survey_quotes")
    picked = []
    if len(bank):
        bank = bank[bank["question"] == q.question]
        for code in order.loc[~order["last"], "code"]:
            mine = bank[bank["code"] == code].sort_values(["redacted", "rank"])  # a quote as written, if there is one
            mine = mine[~mine["quote"].isin([p["quote"] for p in picked])]
            if len(mine):
                r = mine.iloc[0]
                picked.append({"code": code, "quote": r["quote"], "district": r["district"] if
                               r["attribution"] == "district" else ""})  # fmt: skip
            if len(picked) == QUOTES_SHOWN:
                break
    return SurveyCodedFacts(
        coding=coding,
        question=q.question,
        answered=int(city["n"].dropna().iloc[0]),
        shares=order.drop(columns="last").reset_index(drop=True),
        kappa_coders=kappa,
        kappa_rules=[float(k) for k in rules["kappa"] if pd.notna(k)] if len(rules) else [],
        n_double=int(pooled["n"].iloc[0]) if len(pooled) else 0,
        quotes=pd.DataFrame(picked, columns=["code", "quote", "district"]),
    )


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
    strat = monitoring.load_strategy(reg)
    rows = empty
    if strat is not None:
        ids = {i.id: i.survey for _, _, i in strat.indicators() if i.survey}
        if ids:
            res = monitoring.results()
            rows = res[res["indicator"].isin(list(ids)) & res["actual"].notna()]
            rows = rows.assign(question=rows["indicator"].map(ids)).reset_index(drop=True)
    coded = _coded_facts(load_coding(reg))
    return SurveyFacts(
        survey, shares, _survey_table("survey_eu_comparison"), weights, modes, city, schemes, rows, coded
    )


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


def survey_rules(s: Any, lang: str) -> list[str]:
    """The rules the survey's tables were made by, said exactly as applied (params/survey.yml; the survey engine's
    ``tables.apply_suppression`` and ``estimate.flag``): disclosure control, the reliability classes with their CV
    thresholds, and the variance method."""
    d, r = s.disclosure, s.reliability
    pct = lambda x: nv.fmt_percent(x * 100, lang, 1)  # noqa: E731
    return [
        t("survey.rule.disclosure", lang, n=d.min_count),
        t(
            "survey.rule.reliability",
            lang,
            min_n=r.min_n,
            caution=pct(r.cv_caution),
            unreliable=pct(r.cv_unreliable),
            ok=t("survey.flag.ok", lang),
            caution_label=t("survey.flag.caution", lang),
            unreliable_label=t("survey.flag.unreliable", lang),
        ),  # fmt: skip
        t("survey.rule.variance" if s.variance == "fixed_weights" else "survey.variance_calibration", lang),
    ]


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
    notes += survey_rules(s, lang)
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
    if b is not None and not f.eu.empty and not b.verified:
        # figures not taken from the Commission's published results are not a comparison: said, not drawn
        eu_story = t("survey.eu_not_verified", lang, year=b.year)
    elif b is not None and not f.eu.empty:
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
        note="\n\n".join(
            f"> {n}" for n in ([t("survey.synthetic", lang)] if s.synthetic else []) + survey_rules(s, lang)
        ),
        story="",
        districts=blocks,
        schemes=_schemes_table(f.schemes, items, lang),
        modes=_modes_table(f.modes, f.questions, items, lang),
        strategy=strat,
        section={**section, "items": t("survey.section.items", lang)},
        items=overview,
    )
