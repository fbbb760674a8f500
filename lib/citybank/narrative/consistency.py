"""The consistency page's sentences: the verdicts in figures, and why a compared value is missing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..i18n import check_lang, t
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
        out.append(
            t(
                "sentence.consistency.no_total",
                lang,
                name=q,
                year=year,
                with_value=districts_with_value,
                total=districts_total,
                districts=d,
            )
        )
    elif not quarantined:
        out.append(t("sentence.consistency.no_data", lang, name=q, year=year))
    if quarantined:
        key = "quarantined_many" if len(quarantined) > 1 else "quarantined_one"
        out.append(t(f"sentence.consistency.{key}", lang, rows="; ".join(quarantined)))
    return " ".join(out)


def consistency_sentence(counts: Mapping[str, int], lang: str) -> str:
    """How many cross-provider pairs were checked, by verdict (``{"consistent": 3, …}``)."""
    c = {v: counts.get(v, 0) for v in ("consistent", "explained", "inconsistent", "not_comparable")}
    return t("sentence.consistency.checked", lang, n=sum(counts.values()), **c)


def no_inconsistencies_sentence(year: int, lang: str) -> str:
    return t("sentence.consistency.none", lang, year=year)
