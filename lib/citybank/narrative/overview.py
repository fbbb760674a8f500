"""The overview page's sentence on the data bank itself."""

from __future__ import annotations

from ..i18n import check_lang, t
from .formats import count_phrase, fmt_number


def bank_sentence(
    datasets: int, providers: int, categories: int, values: int, year: int, overdue: int, lang: str
) -> str:
    """The data bank in figures: datasets, providers, categories, the year's values and overdue datasets.

    >>> bank_sentence(96, 12, 14, 7136, 2024, 3, "pl")
    'Bank danych zawiera 96 zbiorów danych od 12 dostawców w 14 kategoriach; za 2024 r. zgromadzono 7\\xa0136 wartości. Zbiorów po terminie aktualizacji: 3.'
    """
    check_lang(lang)
    case = "gen" if lang == "pl" else "nom"  # Polish: "od 12 dostawców", genitive after "od"
    return t(
        "sentence.overview.bank",
        lang,
        datasets=count_phrase(datasets, "datasets", lang),
        providers=count_phrase(providers, "providers", lang, case=case),
        categories=categories,
        values=fmt_number(values, lang),
        year=year,
        overdue=overdue,
    )
