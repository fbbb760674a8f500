"""The overview page's sentence on the data bank itself."""

from __future__ import annotations

from ..i18n import check_lang
from .formats import count_phrase, fmt_number


def bank_sentence(
    datasets: int, providers: int, categories: int, values: int, year: int, overdue: int, lang: str
) -> str:
    """The data bank in figures: datasets, providers, categories, the year's values and overdue datasets."""
    check_lang(lang)
    return {
        "pl": f"Bank danych zawiera {count_phrase(datasets, 'datasets', 'pl')} od "
        f"{count_phrase(providers, 'providers', 'pl', case='gen')} w {categories} "
        f"kategoriach; za {year} r. zgromadzono {fmt_number(values, 'pl')} wartości. "
        f"Zbiorów po terminie aktualizacji: {overdue}.",
        "en": f"The data bank holds {count_phrase(datasets, 'datasets', 'en')} from "
        f"{count_phrase(providers, 'providers', 'en')} in {categories} categories; "
        f"{fmt_number(values, 'en')} values for {year}. Datasets overdue for an update: "
        f"{overdue}.",
        "de": f"Die Datenbank enthält {count_phrase(datasets, 'datasets', 'de')} von "
        f"{count_phrase(providers, 'providers', 'de')} in {categories} Kategorien; "
        f"{fmt_number(values, 'de')} Werte für {year}. Datensätze mit überfälliger Aktualisierung: "
        f"{overdue}.",
    }[lang]
