"""The residents' page: one plain sentence per key figure of params/residents.yml."""

from __future__ import annotations

import string

from ..i18n import check_lang, t
from ..params.core import ChangeKind
from .formats import (
    _is_missing,
    change_decimals,
    column_decimals,
    count_phrase,
    fmt_number,
    fmt_percent,
    fmt_value,
    fmt_year,
    pct_change,
    to_decimal,
)

# ------------------------------------------------------------------------------------ residents' summary


def _than_before(previous_year: int, year: int, lang: str) -> str:
    if previous_year == year - 1:
        return {"pl": "niż rok wcześniej", "en": "than a year before", "de": "als ein Jahr zuvor"}[lang]
    return {"pl": f"niż w {previous_year} r.", "en": f"than in {previous_year}", "de": f"als {previous_year}"}[lang]


def resident_change(
    value: float,
    previous: float | None,
    year: int,
    previous_year: int,
    lang: str,
    *,
    unit: str | None = None,
    how: ChangeKind = "percent",
    counted: bool = False,
    decimals: int | None = None,
    break_reason: str | None = None,
) -> str:
    """The change clause of a residents' sentence, in plain words: ``584 fewer than a year before``, ``11.7%
    higher than a year before``, ``0.1 percentage points less than a year before``; no data or a break in the
    series are said, never a comparison across them. ``how`` as :func:`citybank.params.change_kind` says
    (absolute for small counts: a handful of events gets no percentage); ``counted``: the figure counts
    people or events (*fewer*, not *lower*).

    >>> resident_change(62817, 63401, 2024, 2023, "en", unit="persons", how="absolute", counted=True)
    '584 fewer than a year before'
    >>> resident_change(33.0, 33.1, 2024, 2023, "pl", unit="%", how="points", decimals=1)
    'o 0,1 punktu procentowego mniej niż rok wcześniej'
    >>> resident_change(7136, 6390.72, 2024, 2023, "de", unit="PLN")
    '11,7\xa0% mehr als ein Jahr zuvor'
    """
    check_lang(lang)
    py = previous_year
    if _is_missing(previous):
        return t("sentence.residents.no_previous", lang, year=py)
    assert previous is not None
    if break_reason:
        return t("sentence.residents.not_comparable", lang, year=py, reason=break_reason)
    than = _than_before(py, year, lang)
    if how == "percent":
        pct = pct_change(previous, value)
        if pct is None:  # from zero: a percentage says nothing
            how = "absolute"
        else:
            d = change_decimals(pct)
            size, diff = fmt_percent(abs(pct), lang, d), float(to_decimal(pct, d))
    if how == "points":
        raw = float(value) - float(previous)
        d = change_decimals(raw) if decimals is None else decimals
        diff = float(to_decimal(raw, d))
        size = count_phrase(abs(diff), "points", lang, decimals=d)  # pl "o" + accusative: o 2 punkty
    elif how == "absolute":
        d = column_decimals([value, previous]) if decimals is None else decimals
        diff = float(to_decimal(float(value) - float(previous), d))
        size = fmt_number(abs(diff), lang, d) if counted else fmt_value(abs(diff), unit, lang, decimals=d)
    if diff == 0:
        return {
            "pl": f"tyle samo {than.replace('niż', 'co', 1)}",
            "en": f"the same {than.replace('than', 'as', 1)}",
            "de": f"genauso viel {than.replace('als', 'wie', 1)}",
        }[lang]
    up = diff > 0
    if lang == "pl":
        return f"o {size} {'więcej' if up else 'mniej'} {than}"
    if lang == "de":
        return f"{size} {'mehr' if up else 'weniger'} {than}"
    words = ("more", "fewer") if counted else ("higher", "lower") if how == "percent" else ("more", "less")
    return f"{size} {words[0] if up else words[1]} {than}"


def resident_sentence(
    template: str,
    name: str,
    year: int,
    value: float | None,
    lang: str,
    *,
    unit: str | None = None,
    decimals: int | None = None,
    previous: float | None = None,
    previous_year: int | None = None,
    how: ChangeKind = "percent",
    counted: bool = False,
    break_reason: str | None = None,
    latest_year: int | None = None,
    latest: float | None = None,
) -> str:
    """One key figure for residents: the figure's clause (``template``, from ``residents.figure.<id>`` of the
    string table) with the change from ``previous_year`` (:func:`resident_change`), or — when the year has no
    value — an honest gap naming the figure (``name``) and its latest value. Placeholders of ``template``:
    ``{year}``, ``{number}`` (the bare number), ``{value}`` (with its unit) and ``{n_<unit>}`` (the number with
    the noun of ``UNIT_FORMS[<unit>]`` in the right plural form: ``{n_crimes}`` → ``581 przestępstw``).

    >>> resident_sentence("In {year}, {number} people lived in the city", "Total population", 2024, 62817, "en",
    ...                   unit="persons", previous=63401, previous_year=2023, how="absolute", counted=True)
    'In 2024, 62,817 people lived in the city, 584 fewer than a year before.'
    >>> resident_sentence("-", "Ludność ogółem", 2024, None, "pl", latest_year=2022, latest=63900, unit="persons")
    'Ludność ogółem: brak danych za 2024 r.; ostatnia dostępna wartość (2022 r.): 63\xa0900 osób.'
    """
    check_lang(lang)
    if _is_missing(value):
        if latest_year is None or _is_missing(latest):
            return t("sentence.residents.no_data", lang, name=name, year=year)
        last = fmt_value(latest, unit, lang, decimals=decimals)
        return t("sentence.residents.latest", lang, name=name, year=year, latest_year=latest_year, latest=last)
    assert value is not None
    fields: dict[str, str] = {"year": fmt_year(year)}
    for _, field_name, _, _ in string.Formatter().parse(template):
        if field_name == "number":
            fields["number"] = fmt_number(value, lang, decimals)
        elif field_name == "value":
            fields["value"] = fmt_value(value, unit, lang, decimals=decimals)
        elif field_name and field_name.startswith("n_"):
            fields[field_name] = count_phrase(value, field_name[2:], lang, decimals=decimals)
    main = template.format(**fields)
    if previous_year is None:
        return main + "."
    change = resident_change(
        value,
        previous,
        year,
        previous_year,
        lang,
        unit=unit,
        how=how,
        counted=counted,
        decimals=decimals,
        break_reason=break_reason,
    )
    sep = "; " if _is_missing(previous) or break_reason else ", "
    return f"{main}{sep}{change}."
