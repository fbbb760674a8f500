"""The sentences of the ISO 37120 pages: an indicator's value as a subject, the certification estimate and what
the next level needs."""

from __future__ import annotations

from ..i18n import check_lang, t
from .formats import count_phrase, quote


def value_subject(name: str, lang: str) -> str:
    """The subject of a trend sentence on an indicator's value (Polish gender f: *wartość*).

    >>> value_subject("Stopa bezrobocia", "pl")
    'Wartość wskaźnika „Stopa bezrobocia”'
    """
    return t("sentence.iso.value_subject", check_lang(lang), name=quote(name, lang))


def certification_sentence(year: int, core: int, supporting: int, profile: int, level: str, lang: str) -> str:
    """The ISO 37120 indicators the city reports and the estimated WCCD level (``level`` in ``lang``)."""
    return t(
        "sentence.iso.certification", lang, year=year, core=core, supporting=supporting, profile=profile, level=level
    )


def next_level_sentence(level: str, core: int, total: int, lang: str) -> str:
    """What the next certification level (``level`` in ``lang``) still needs: ``core`` and ``total`` indicators."""
    check_lang(lang)
    if lang == "pl":  # "3 wskaźników", "1 wskaźnika": genitive after "brakuje"
        parts = [f"{count_phrase(core, 'indicators', 'pl', case='gen')} podstawowych"] * bool(core) + [
            f"{count_phrase(total, 'indicators', 'pl', case='gen')} łącznie"
        ] * bool(total)
        return f"Do poziomu „{level}” brakuje {' i '.join(parts)}."
    if lang == "en":
        parts = [f"{core} more core indicator{'s' * (core != 1)}"] * bool(core) + [
            f"{total} more indicator{'s' * (total != 1)} in total"
        ] * bool(total)
        return f"The next level, {level}, needs {' and '.join(parts)}."
    parts = [f"{core} Kernindikator{'en' * (core != 1)}"] * bool(core) + [
        f"{total} Indikator{'en' * (total != 1)} insgesamt"
    ] * bool(total)
    return f"Für die nächste Stufe „{level}“ fehlen {' und '.join(parts)}."


def todo_sentence(n: int, lang: str) -> str:
    """The to-do list's introduction: ``n`` core and supporting indicators without data."""
    return {
        "pl": f"Dane, których brakuje: {count_phrase(n, 'indicators', 'pl', case='gen')} podstawowych i "
        "wspierających nie da się jeszcze obliczyć. Tabela wskazuje brakujące zmienne i instytucje, od których "
        "można je pozyskać.",
        "en": f"Data still missing: {n} core and supporting indicator{'s' * (n != 1)} cannot be computed yet. "
        "The table names the missing variables and who could supply them.",
        "de": f"Fehlende Daten: {n} Kern- und unterstützende Indikator{'en' * (n != 1)} lassen sich noch nicht "
        "berechnen. Die Tabelle nennt die fehlenden Variablen und mögliche Lieferanten.",
    }[check_lang(lang)]
