"""The residents' survey pages' sentences: method, ranges, districts, modes, weighting, the EU comparison and
the coded open answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..i18n import t
from .formats import fmt_date, fmt_number, fmt_percent, fmt_points, join_list, quote


def survey_method_sentence(
    n: int, modes: Mapping[str, int], start: Any, end: Any, deff: float, n_eff: float, lang: str
) -> str:
    """Who answered and how the answers were weighted: ``modes`` {"CATI": 297, "CAWI": 296}."""
    cati, cawi = modes.get("CATI", 0), modes.get("CAWI", 0)
    return t(
        "sentence.survey.method",
        lang,
        n=fmt_number(n, lang, 0),
        cati=fmt_number(cati, lang, 0),
        cawi=fmt_number(cawi, lang, 0),
        start=fmt_date(start, lang),
        end=fmt_date(end, lang),
        deff=fmt_number(deff, lang, 2),
        n_effective=fmt_number(round(n_eff), lang, 0),
    )


def survey_range_sentence(top: str, top_share: float, low: str, low_share: float, lang: str) -> str:
    """The item with the most and the one with the fewest positive answers."""
    a, b = fmt_percent(top_share, lang), fmt_percent(low_share, lang)
    return t("sentence.survey.range", lang, top=quote(top, lang), top_share=a, low=quote(low, lang), low_share=b)


def survey_district_sentence(item: str, higher: Sequence[str], lower: Sequence[str], lang: str) -> str:
    """Districts whose share differs significantly from the rest of the city (p < 0.05), or that none does."""
    q = quote(item, lang)
    if not higher and not lower:
        return t("sentence.survey.districts_same", lang, item=q)
    parts = [
        t(f"sentence.survey.districts_{side}", lang, districts=join_list(list(names), lang))
        for side, names in (("higher", higher), ("lower", lower))
        if names
    ]
    return t("sentence.survey.districts_differ", lang, item=q, differences="; ".join(parts))


def survey_mode_sentence(items: Sequence[str], total: int, lang: str) -> str:
    """Items whose telephone and web answers differ significantly (of ``total`` items)."""
    if not items:
        return t("sentence.survey.modes_same", lang, total=total)
    return t("sentence.survey.modes_differ", lang, items=join_list([quote(i, lang) for i in items], lang))


def survey_scheme_sentence(max_pp: float, item: str, lang: str) -> str:
    """How much the weighting moves the shares: the largest difference between schemes, in percentage points."""
    pp = fmt_points(max_pp, lang).lstrip("+")
    key = "schemes_close" if max_pp < 3 else "schemes_apart"
    return t(f"sentence.survey.{key}", lang, pp=pp, item=quote(item, lang))


def survey_eu_sentence(city: str, above: Sequence[str], below: Sequence[str], year: int, lang: str) -> str:
    """The city's items above and below the mean of the EU cities (outside the confidence interval), with the
    caveats of the comparison."""
    none = t("sentence.survey.eu_none", lang)
    above_ = join_list([quote(i, lang) for i in above], lang) if above else none
    below_ = join_list([quote(i, lang) for i in below], lang) if below else none
    return t("sentence.survey.eu", lang, city=city, year=year, above=above_, below=below_)


KAPPA_BANDS = ((0.0, "poor"), (0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial"))
"""Landis & Koch (1977): the upper bound of each band of Cohen's kappa; above 0.8 "almost perfect"."""


def kappa_words(kappa: float, lang: str) -> str:
    """Cohen's kappa in words on the scale of Landis & Koch (1977).

    >>> kappa_words(0.87, "en"), kappa_words(0.61, "pl"), kappa_words(-0.1, "de")
    ('almost perfect agreement', 'zgodność znaczna', 'keine Übereinstimmung über den Zufall hinaus')
    """
    band = next((name for upper, name in KAPPA_BANDS if kappa <= upper), "almost_perfect")
    return t(f"survey.kappa.{band}", lang)


def survey_coding_sentence(question: str, answered: int, version: str, lang: str) -> str:
    """What the open question was, how many answered and how the answers were coded."""
    return t(
        "sentence.survey.coding", lang, question=quote(question, lang), n=fmt_number(answered, lang, 0), version=version
    )


def survey_agreement_sentence(
    kappa_coders: float | None, n_double: int, kappa_rules: Sequence[float], lang: str
) -> str:
    """How far two coders agreed on a double-coded subsample, and the rules with them (Cohen's kappa in words)."""
    if kappa_coders is None:
        return t("survey.coding.no_agreement", lang)
    k, n = fmt_number(kappa_coders, lang, 2), fmt_number(n_double, lang, 0)
    head = t("sentence.survey.agreement", lang, n=n, kappa=k, words=kappa_words(kappa_coders, lang))
    if not kappa_rules:
        return head
    bands = {kappa_words(x, lang) for x in kappa_rules}
    if len(bands) == 1:
        values = join_list([fmt_number(x, lang, 2) for x in kappa_rules], lang) + f" ({bands.pop()})"
    else:
        values = join_list([f"{fmt_number(x, lang, 2)} ({kappa_words(x, lang)})" for x in kappa_rules], lang)
    return f"{head} {t('sentence.survey.agreement_rules', lang, values=values)}"
