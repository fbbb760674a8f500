"""The consistency page's sentences: the verdicts in figures, and why a compared value is missing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..i18n import check_lang
from .formats import join_list, quote


def missing_value_sentence(
    name: str,
    year: int,
    districts_missing: Sequence[str],
    districts_with_value: int,
    districts_total: int,
    quarantined: Sequence[str],
    lang: str,
) -> str:
    """Why a figure has no value in ``year``: the districts without a value (so no city total, never a partial
    sum) and the rows set aside in quarantine (``quarantined``: where each was, as the reader finds it).

    >>> missing_value_sentence("Mieszkańcy zameldowani", 2023, ["Michałkowice"], 4, 5, ["Ewidencja, wiersz 4"], "pl")
    '„Mieszkańcy zameldowani” nie ma sumy dla miasta za 2023 r.: wartość ma 4 z 5 dzielnic, brak dzielnicy Michałkowice, a suma pozostałych byłaby niepełna. Wiersz odrzucony do kwarantanny: Ewidencja, wiersz 4.'
    """
    check_lang(lang)
    q = quote(name, lang)
    out = []
    if districts_missing:
        d = join_list(list(districts_missing), lang)
        out.append({
            "pl": f"{q} nie ma sumy dla miasta za {year} r.: wartość ma {districts_with_value} z {districts_total} "
            f"dzielnic, brak dzielnicy {d}, a suma pozostałych byłaby niepełna.",
            "en": f"{q} has no city total for {year}: {districts_with_value} of {districts_total} districts have a "
            f"value, {d} has none, and the sum of the others would be incomplete.",
            "de": f"Für {q} gibt es {year} keine Summe für die Stadt: {districts_with_value} von {districts_total} "
            f"Stadtteilen haben einen Wert, {d} hat keinen, und die Summe der übrigen wäre unvollständig.",
        }[lang])  # fmt: skip
    elif not quarantined:
        out.append({"pl": f"{q}: brak danych za {year} r.", "en": f"{q}: no data for {year}.",
                    "de": f"{q}: keine Daten für {year}."}[lang])  # fmt: skip
    if quarantined:
        rows = "; ".join(quarantined)
        many = len(quarantined) > 1
        out.append({
            "pl": f"{'Wiersze odrzucone' if many else 'Wiersz odrzucony'} do kwarantanny: {rows}.",
            "en": f"{'Rows' if many else 'Row'} set aside in quarantine: {rows}.",
            "de": f"In Quarantäne {'gestellte Zeilen' if many else 'gestellte Zeile'}: {rows}.",
        }[lang])  # fmt: skip
    return " ".join(out)


def consistency_sentence(counts: Mapping[str, int], lang: str) -> str:
    """How many cross-provider pairs were checked, by verdict (``{"consistent": 3, …}``)."""
    n = sum(counts.values())
    c = {v: counts.get(v, 0) for v in ("consistent", "explained", "inconsistent", "not_comparable")}
    return {
        "pl": f"Sprawdzone pary danych opisujących to samo zjawisko u różnych dostawców: {n} "
        f"(spójne: {c['consistent']}, z wyjaśnioną różnicą: {c['explained']}, "
        f"niespójne: {c['inconsistent']}, nieporównywalne: {c['not_comparable']}).",
        "en": f"Pairs of figures describing the same phenomenon at different providers checked: {n} "
        f"(consistent: {c['consistent']}, explained difference: {c['explained']}, "
        f"inconsistent: {c['inconsistent']}, not comparable: {c['not_comparable']}).",
        "de": f"Geprüfte Paare von Angaben verschiedener Lieferanten zum selben Sachverhalt: {n} "
        f"(konsistent: {c['consistent']}, erklärte Differenz: {c['explained']}, "
        f"inkonsistent: {c['inconsistent']}, nicht vergleichbar: {c['not_comparable']}).",
    }[check_lang(lang)]


def no_inconsistencies_sentence(year: int, lang: str) -> str:
    return {
        "pl": f"W {year} r. nie stwierdzono niespójności.",
        "en": f"No inconsistencies in {year}.",
        "de": f"Im Jahr {year} keine Inkonsistenzen.",
    }[check_lang(lang)]
