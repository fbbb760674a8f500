"""Data-driven sentences in Polish, English and German, with locale number formats.

The notebooks write their story with these helpers, so every number in the prose follows one style
(see ``docs/number-style.md``):

* numbers via Babel (CLDR): ``62 817`` (pl, grouped with U+00A0 NO-BREAK SPACE), ``62,817`` (en),
  ``62.817`` (de); decimals rounded half away from zero;
* negative numbers and changes with U+2212 MINUS SIGN (``−6,1%``), positive changes with ``+``;
  German puts a no-break space before ``%`` (``−6,1 %``), Polish and English do not;
* plural forms from CLDR plural categories (pl one/few/many/other: 1 osoba, 2 osoby, 5 osób,
  1,5 osoby), Polish genitive after *do* (do 1 osoby, do 2 osób).

Sentences never inflect names they are given: a variable passed to ``describe_trend`` is the grammatical
subject (``"Liczba bezrobotnych zarejestrowanych"``, with its Polish gender), while labels from params
(``"Bezrobotni zarejestrowani"``) are quoted („…”) in a construction that needs no agreement.

This module imports neither pandas nor matplotlib at import time (notebooks import it first).
"""

from __future__ import annotations

import math
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal

from .i18n import LANGS, babel_locale, check_lang, t, unit_label
from .params.core import ChangeKind

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

MINUS = "\u2212"
"""U+2212 MINUS SIGN: used for negative numbers and changes in prose, tables and chart axes."""
NBSP = "\u00a0"
"""U+00A0 NO-BREAK SPACE: Polish thousands separator (CLDR) and the space before % and units."""

QUOTES: dict[str, tuple[str, str]] = {"pl": ("„", "”"), "en": ("“", "”"), "de": ("„", "“")}

Case = Literal["nom", "gen"]

# ----------------------------------------------------------------------------------------- numbers


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return math.isnan(float(value))  # type: ignore[arg-type]
    except TypeError:
        return type(value).__name__ in ("NAType", "NaTType")  # pandas.NA in nullable columns
    except ValueError:
        return False


def to_decimal(value: float | int | Decimal, decimals: int) -> Decimal:
    """``value`` rounded to ``decimals`` places, half away from zero, as an exact Decimal.

    Rounds the shortest decimal representation of a float (``repr``), so ``2.675`` → ``2.68`` as a reader
    expects, not ``2.67`` as binary floating point would give.
    """
    dec = value if isinstance(value, Decimal) else Decimal(repr(float(value)) if isinstance(value, float) else value)
    out = dec.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return out if out != 0 else abs(out)  # no "−0,0"


def auto_decimals(value: float | int | Decimal, max_decimals: int = 2) -> int:
    """Decimals shown when the caller does not choose: none for whole numbers, else up to ``max_decimals``
    with trailing zeros dropped (``12.5`` → 1, ``3.14159`` → 2, ``7136.0`` → 0)."""
    rounded = to_decimal(value, max_decimals).normalize()
    exponent = rounded.as_tuple().exponent
    return max(0, -int(exponent)) if isinstance(exponent, int) else 0


def _with_minus(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def fmt_number(value: float | int | Decimal | None, lang: str, decimals: int | None = None) -> str:
    """A number in the locale of ``lang``.

    >>> fmt_number(62817, "pl"), fmt_number(62817, "en"), fmt_number(62817, "de")
    ('62\\xa0817', '62,817', '62.817')
    >>> fmt_number(7136, "de", decimals=2)
    '7.136,00'

    ``decimals=None`` shows whole numbers without decimals and others with up to two (trailing zeros
    dropped). Missing values (None, NaN) give the language's missing-value marker (``b.d.``, ``n/a``,
    ``k. A.``). Negative numbers carry U+2212.
    """
    from babel.numbers import format_decimal

    check_lang(lang)
    if _is_missing(value):
        return t("value.missing", lang)
    assert value is not None
    places = auto_decimals(value) if decimals is None else int(decimals)
    rounded = to_decimal(value, places)
    pattern = "#,##0" + ("." + "0" * places if places > 0 else "")
    return _with_minus(format_decimal(rounded, format=pattern, locale=babel_locale(lang)))


def column_decimals(values: Iterable[float | None]) -> int:
    """One number of decimals for figures shown together (a table column, a chart's labels, the sentence
    beside them): none for large or whole numbers, one from 10, two below.

    >>> column_decimals([62817, 63401.5]), column_decimals([5.83, 9.5]), column_decimals([12.25, 9.5])
    (0, 2, 1)
    """
    vals = [abs(float(v)) for v in values if not _is_missing(v)]
    if not vals or all(v.is_integer() for v in vals):
        return 0
    top = max(vals)
    return 0 if top >= 1000 else 1 if top >= 10 else 2


def fmt_year(year: int) -> str:
    """A year as digits without grouping (``2024``, never ``2 024``)."""
    return str(int(year))


def _percent_suffix(lang: str) -> str:
    return NBSP + "%" if lang == "de" else "%"


def fmt_percent(value: float | None, lang: str, decimals: int = 1) -> str:
    """A share or rate given in percent (``12.5`` → ``12,5%`` pl, ``12.5%`` en, ``12,5 %`` de)."""
    if _is_missing(value):
        return t("value.missing", lang)
    return fmt_number(value, lang, decimals) + _percent_suffix(lang)


def _signed(value: float, lang: str, decimals: int) -> str:
    rounded = to_decimal(value, decimals)
    text = fmt_number(rounded, lang, decimals)
    return "+" + text if rounded > 0 else text


def change_decimals(pct: float, decimals: int = 1) -> int:
    """Decimals for a change: ``decimals``, or one more place when a non-zero change would round to zero."""
    if pct != 0 and to_decimal(pct, decimals) == 0:
        return decimals + 1
    return decimals


def fmt_change(pct: float | None, lang: str, decimals: int = 1) -> str:
    """A signed percentage change; ``pct`` is in percent (``-6.1`` means a fall of 6.1 %).

    >>> fmt_change(-6.1, "pl"), fmt_change(-6.1, "en"), fmt_change(-6.1, "de"), fmt_change(2, "en")
    ('−6,1%', '−6.1%', '−6,1\\xa0%', '+2.0%')

    Zero (after rounding) has no sign: ``0,0%``.
    """
    check_lang(lang)
    if _is_missing(pct):
        return t("value.missing", lang)
    assert pct is not None
    return _signed(float(pct), lang, decimals) + _percent_suffix(lang)


POINTS = {"pl": "p.p.", "en": "pp", "de": "Pp."}


def fmt_points(pp: float | None, lang: str, decimals: int = 1) -> str:
    """A signed change of a rate in percentage points (``+1,2 p.p.``, ``+1.2 pp``, ``+1,2 Pp.``)."""
    check_lang(lang)
    if _is_missing(pp):
        return t("value.missing", lang)
    assert pp is not None
    return _signed(float(pp), lang, decimals) + NBSP + POINTS[lang]


def pct_change(old: float | None, new: float | None) -> float | None:
    """``(new − old) / |old| × 100``; None when either is missing or ``old`` is zero."""
    if _is_missing(old) or _is_missing(new) or float(old) == 0:  # type: ignore[arg-type]
        return None
    return (float(new) - float(old)) / abs(float(old)) * 100  # type: ignore[arg-type]


def fmt_change_by(new: float | None, old: float | None, lang: str, how: ChangeKind = "percent") -> str:
    """A change from ``old`` to ``new`` said the way ``how`` says: ``+26,7%``, ``+1,6 p.p.`` or ``+1``.

    >>> fmt_change_by(7.6, 6.0, "en", "points"), fmt_change_by(3, 1, "pl", "absolute"), fmt_change_by(3, 1, "de")
    ('+1.6\xa0pp', '+2', '+200,0\xa0%')
    """
    check_lang(lang)
    if _is_missing(new) or _is_missing(old):
        return t("value.missing", lang)
    diff = float(new) - float(old)  # type: ignore[arg-type]
    if how == "points":
        return fmt_points(diff, lang, change_decimals(diff))
    if how == "absolute":
        return _signed(diff, lang, auto_decimals(diff))
    pct = pct_change(old, new)
    return t("value.missing", lang) if pct is None else fmt_change(pct, lang, change_decimals(pct))


def fmt_date(date: Any, lang: str) -> str:
    """A date in long form: ``31 grudnia 2024``, ``31 December 2024``, ``31. Dezember 2024``."""
    from babel.dates import format_date

    return format_date(date, format="long", locale=babel_locale(lang))


def quote(text: str, lang: str) -> str:
    """``text`` in the quotation marks of ``lang``: „…” (pl), “…” (en), „…“ (de)."""
    left, right = QUOTES[check_lang(lang)]
    return f"{left}{text}{right}"


def join_list(items: Sequence[str], lang: str) -> str:
    """``a, b and c`` / ``a, b i c`` / ``a, b und c`` (no serial comma)."""
    from babel.lists import format_list

    return format_list(list(items), style="standard", locale=babel_locale(lang)) if items else ""


# ------------------------------------------------------------------------------------ plural units

# Polish forms: (one, few, many, genitive singular) — nominative 1 / 2–4, 22–24 … / 5–21, 25 …; the genitive
# singular also serves fractions (1,5 osoby). English and German: (one, other).
UNIT_FORMS: dict[str, dict[str, tuple[str, ...]]] = {
    "persons": {"pl": ("osoba", "osoby", "osób", "osoby"), "en": ("person", "people"), "de": ("Person", "Personen")},
    "births": {
        "pl": ("urodzenie", "urodzenia", "urodzeń", "urodzenia"),
        "en": ("birth", "births"),
        "de": ("Geburt", "Geburten"),
    },
    "deaths": {
        "pl": ("zgon", "zgony", "zgonów", "zgonu"),
        "en": ("death", "deaths"),
        "de": ("Sterbefall", "Sterbefälle"),
    },
    "crimes": {
        "pl": ("przestępstwo", "przestępstwa", "przestępstw", "przestępstwa"),
        "en": ("crime", "crimes"),
        "de": ("Straftat", "Straftaten"),
    },
    "dwellings": {
        "pl": ("mieszkanie", "mieszkania", "mieszkań", "mieszkania"),
        "en": ("dwelling", "dwellings"),
        "de": ("Wohnung", "Wohnungen"),
    },
    "businesses": {
        "pl": ("podmiot", "podmioty", "podmiotów", "podmiotu"),
        "en": ("business", "businesses"),
        "de": ("Unternehmen", "Unternehmen"),
    },
    "accidents": {
        "pl": ("wypadek", "wypadki", "wypadków", "wypadku"),
        "en": ("accident", "accidents"),
        "de": ("Unfall", "Unfälle"),
    },
    "pupils": {
        "pl": ("uczeń", "uczniowie", "uczniów", "ucznia"),
        "en": ("pupil", "pupils"),
        "de": ("Schüler", "Schüler"),
    },
    "datasets": {
        "pl": ("zbiór danych", "zbiory danych", "zbiorów danych", "zbioru danych"),
        "en": ("dataset", "datasets"),
        "de": ("Datensatz", "Datensätze"),
    },
    "indicators": {
        "pl": ("wskaźnik", "wskaźniki", "wskaźników", "wskaźnika"),
        "en": ("indicator", "indicators"),
        "de": ("Indikator", "Indikatoren"),
    },
    "variables": {
        "pl": ("zmienna", "zmienne", "zmiennych", "zmiennej"),
        "en": ("variable", "variables"),
        "de": ("Variable", "Variablen"),
    },
    "providers": {
        "pl": ("dostawca", "dostawcy", "dostawców", "dostawcy"),
        "en": ("provider", "providers"),
        "de": ("Datenlieferant", "Datenlieferanten"),
    },
    "files": {"pl": ("plik", "pliki", "plików", "pliku"), "en": ("file", "files"), "de": ("Datei", "Dateien")},
    "rows": {"pl": ("wiersz", "wiersze", "wierszy", "wiersza"), "en": ("row", "rows"), "de": ("Zeile", "Zeilen")},
    "years": {"pl": ("rok", "lata", "lat", "roku"), "en": ("year", "years"), "de": ("Jahr", "Jahre")},
    "cities": {"pl": ("miasto", "miasta", "miast", "miasta"), "en": ("city", "cities"), "de": ("Stadt", "Städte")},
    "districts": {
        "pl": ("dzielnica", "dzielnice", "dzielnic", "dzielnicy"),
        "en": ("district", "districts"),
        "de": ("Stadtteil", "Stadtteile"),
    },
    "trips": {
        "pl": ("przejazd", "przejazdy", "przejazdów", "przejazdu"),
        "en": ("trip", "trips"),
        "de": ("Fahrt", "Fahrten"),
    },
    "points": {
        "pl": ("punkt procentowy", "punkty procentowe", "punktów procentowych", "punktu procentowego"),
        "en": ("percentage point", "percentage points"),
        "de": ("Prozentpunkt", "Prozentpunkte"),
    },
}
UNIT_ALIASES = {
    "person": "persons",
    "people": "persons",
    "birth": "births",
    "death": "deaths",
    "crime": "crimes",
    "dwelling": "dwellings",
    "business": "businesses",
    "entities": "businesses",
    "accident": "accidents",
    "pupil": "pupils",
    "dataset": "datasets",
    "indicator": "indicators",
    "variable": "variables",
    "provider": "providers",
    "file": "files",
    "row": "rows",
    "year": "years",
    "city": "cities",
    "district": "districts",
    "trip": "trips",
}

# Units written as a symbol after (or, for PLN in English, before) the number: no plural forms.
UNIT_SYMBOLS: dict[str, dict[str, str]] = {
    "PLN": {"pl": "zł", "en": "PLN", "de": "PLN"},
    "km2": {"pl": "km²", "en": "km²", "de": "km²"},
    "m2": {"pl": "m²", "en": "m²", "de": "m²"},
    "ha": {"pl": "ha", "en": "ha", "de": "ha"},
    "km": {"pl": "km", "en": "km", "de": "km"},
    "t": {"pl": "t", "en": "t", "de": "t"},
    "MWh": {"pl": "MWh", "en": "MWh", "de": "MWh"},
    "µg/m3": {"pl": "µg/m³", "en": "µg/m³", "de": "µg/m³"},
    "ug/m3": {"pl": "µg/m³", "en": "µg/m³", "de": "µg/m³"},  # ASCII spelling used in params/variables.yml
    "m3": {"pl": "m³", "en": "m³", "de": "m³"},
    "GJ": {"pl": "GJ", "en": "GJ", "de": "GJ"},
    "kWh": {"pl": "kWh", "en": "kWh", "de": "kWh"},
}
PREFIX_SYMBOLS = {("PLN", "en")}
PERCENT_UNITS = {"%", "percent", "pct"}

UnitForms = str | Mapping[str, Sequence[str]] | None


def plural_category(number: float | int | Decimal, lang: str) -> str:
    """The CLDR plural category of ``number`` as it is displayed (``Decimal('1.0')`` is *other* in pl)."""
    from babel import Locale

    return Locale.parse(babel_locale(lang)).plural_form(number)


def _forms(unit_forms: UnitForms, lang: str) -> Sequence[str] | None:
    if unit_forms is None:
        return None
    if isinstance(unit_forms, str):
        entry = UNIT_FORMS.get(UNIT_ALIASES.get(unit_forms, unit_forms))
        return entry.get(lang) if entry else None
    return unit_forms.get(lang)


def unit_word(number: float | int | Decimal, unit_forms: UnitForms, lang: str, case: Case = "nom") -> str | None:
    """The form of the unit noun that goes with ``number`` (None when the unit has no known forms).

    Polish: nominative one/few/many (osoba/osoby/osób), fractions take the genitive singular (1,5 osoby);
    ``case="gen"`` (after *do*, *od*, *spośród*): 1 → genitive singular (osoby), whole numbers ≥ 2 →
    genitive plural (osób). English and German: one/other; case is ignored (the plural of the units here
    reads the same in the accusative used after *to*/*auf*).
    """
    check_lang(lang)
    forms = _forms(unit_forms, lang)
    if not forms:
        return None
    category = plural_category(number, lang)
    if lang == "pl":
        one, few, many, gen_sg = (tuple(forms) + (None,) * 4)[:4]
        gen_sg = gen_sg or few
        if case == "gen":
            return gen_sg if category in ("one", "other") else many
        return {"one": one, "few": few, "many": many}.get(category, gen_sg)
    one, other = (tuple(forms) + (forms[-1],))[:2]
    return one if category == "one" else other


def count_phrase(
    n: float | int | None, unit_forms: UnitForms, lang: str, *, case: Case = "nom", decimals: int | None = None
) -> str:
    """A number with its unit in the right plural form.

    >>> count_phrase(1234, "persons", "pl"), count_phrase(5, "persons", "pl"), count_phrase(2, "persons", "de")
    ('1\\xa0234 osoby', '5 osób', '2 Personen')
    >>> count_phrase(2, "persons", "pl", case="gen")
    '2 osób'

    ``unit_forms`` is a key of ``UNIT_FORMS`` (``"persons"``, ``"births"`` …), a mapping ``lang -> forms``
    for a unit of one's own (pl: one, few, many, genitive singular; en/de: one, other), or None for a bare
    number. An unknown unit falls back to ``"N unit"`` (``"5 widgets"``).
    """
    number = fmt_number(n, lang, decimals)
    if _is_missing(n):
        return number
    assert n is not None
    places = auto_decimals(n) if decimals is None else decimals
    shown = to_decimal(n, places)
    word = unit_word(shown, unit_forms, lang, case)
    if word is None:
        return (
            number
            if unit_forms is None or not isinstance(unit_forms, str)
            else f"{number} {unit_label(unit_forms, lang)}"
        )
    return f"{number} {word}"


def fmt_value(
    value: float | int | None, unit: str | None, lang: str, *, case: Case = "nom", decimals: int | None = None
) -> str:
    """A value with its unit as used in the bank's ``unit`` column.

    Count units (``persons``, ``births`` …) get plural forms, symbol units a no-break space and the symbol
    (``7 136 zł``, ``PLN 7,136``, ``25,5 km²``), percent units the locale percent (``12,5%``, ``12,5 %``),
    other units ``N unit``.
    """
    if unit in PERCENT_UNITS:
        return fmt_percent(value, lang, 1 if decimals is None else decimals)
    if unit in UNIT_SYMBOLS and not _is_missing(value):
        number = fmt_number(value, lang, decimals)
        symbol = UNIT_SYMBOLS[unit][lang]
        return f"{symbol}{NBSP}{number}" if (unit, lang) in PREFIX_SYMBOLS else f"{number}{NBSP}{symbol}"
    return count_phrase(value, unit, lang, case=case, decimals=decimals)


# ------------------------------------------------------------------------------------ ordinals, years

_ORD_PL_M = [
    "",
    "pierwszy",
    "drugi",
    "trzeci",
    "czwarty",
    "piąty",
    "szósty",
    "siódmy",
    "ósmy",
    "dziewiąty",
    "dziesiąty",
]
_ORD_PL_F = [
    "",
    "pierwsza",
    "druga",
    "trzecia",
    "czwarta",
    "piąta",
    "szósta",
    "siódma",
    "ósma",
    "dziewiąta",
    "dziesiąta",
]
_ORD_EN = ["", "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
_ORD_DE = [
    "",
    "ersten",
    "zweiten",
    "dritten",
    "vierten",
    "fünften",
    "sechsten",
    "siebten",
    "achten",
    "neunten",
    "zehnten",
]
_ORD_DE_STEM = ["", "", "zweit", "dritt", "viert", "fünft", "sechst", "siebt", "acht", "neunt", "zehnt"]


def _en_ordinal_digits(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def running_phrase(n: int, lang: str) -> str:
    """``for the third year running`` / ``trzeci rok z rzędu`` / ``im dritten Jahr in Folge`` (n ≥ 2)."""
    if lang == "pl":
        return f"{_ORD_PL_M[n] if n <= 10 else f'{n}.'} rok z rzędu"
    if lang == "de":
        return f"im {_ORD_DE[n] if n <= 10 else f'{n}.'} Jahr in Folge"
    return f"for the {_ORD_EN[n] if n <= 10 else _en_ordinal_digits(n)} year running"


def in_year(year: int, lang: str) -> str:
    """``w 2024 r.`` / ``in 2024`` / ``2024`` (German needs no preposition before a bare year)."""
    return {"pl": f"w {year} r.", "en": f"in {year}", "de": f"{year}"}[lang]


# --------------------------------------------------------------------------------------- trends

Gender = Literal["m", "f", "n", "pl", "vir"]
"""Grammatical gender/number of a Polish subject (``pl``: non-virile plural, ``vir``: virile plural); for
German only ``pl`` matters (plural verb)."""

_PL_VERBS = {
    "fall": {"m": "spadł", "f": "spadła", "n": "spadło", "pl": "spadły", "vir": "spadli"},
    "rise": {"m": "wzrósł", "f": "wzrosła", "n": "wzrosło", "pl": "wzrosły", "vir": "wzrośli"},
    "same": {
        "m": "nie zmienił się",
        "f": "nie zmieniła się",
        "n": "nie zmieniło się",
        "pl": "nie zmieniły się",
        "vir": "nie zmienili się",
    },
}
_DE_VERBS = {"fall": ("sank", "sanken"), "rise": ("stieg", "stiegen"), "same": ("blieb", "blieben")}
_EN_VERBS = {"fall": "fell", "rise": "rose", "same": "was unchanged"}


@dataclass(frozen=True)
class TrendFacts:
    """What ``describe_trend`` found in a series (also useful for charts and tables)."""

    year: int
    value: float | None
    previous_year: int | None = None
    previous: float | None = None
    change_pct: float | None = None
    direction: Literal["rise", "fall", "same"] | None = None
    streak: int = 0
    first_since: int | None = None
    record: Literal["high", "low"] | None = None
    record_since: int | None = None
    latest_year: int | None = None
    crosses_break: int | None = None
    start: int | None = None  # the first year that streaks and records count from (after the last break)


def _series_points(series: pd.Series) -> list[tuple[int, float]]:
    points = []
    for key, value in series.items():
        if not _is_missing(value):
            points.append((int(key), float(value)))  # type: ignore[arg-type]
    return sorted(points)


def _direction(old: float, new: float) -> Literal["rise", "fall", "same"]:
    return "rise" if new > old else "fall" if new < old else "same"


def _complete(years: Sequence[int], start: int, end: int) -> bool:
    """Every year from ``start`` to ``end`` has a value."""
    have = set(years)
    return all(y in have for y in range(start, end + 1))


def trend_facts(series: pd.Series, year: int | None = None, breaks: Iterable[int] = ()) -> TrendFacts:
    """The facts behind a trend sentence: change on the previous available year, streak, records.

    ``breaks``: the first years of new series (methodological breaks). A change across a break is
    reported as such (``crosses_break``); streaks and records count only years after the last break.
    Anything that counts years (a streak, "first time since", a record) is claimed only when every year
    it counts has a value: a missing year could have broken it.
    """
    points = _series_points(series)
    if not points:
        return TrendFacts(year=int(year) if year is not None else 0, value=None)
    years = [y for y, _ in points]
    current_year = int(year) if year is not None else years[-1]
    if current_year not in years:
        earlier = [p for p in points if p[0] < current_year]
        latest = earlier[-1] if earlier else points[-1]
        return TrendFacts(year=current_year, value=None, latest_year=latest[0], previous=latest[1])
    upto = [p for p in points if p[0] <= current_year]
    value = upto[-1][1]
    if len(upto) == 1:
        return TrendFacts(year=current_year, value=value)
    prev_year, prev = upto[-2]
    direction = _direction(prev, value)
    crossed = [b for b in breaks if prev_year < b <= current_year]
    if crossed:
        return TrendFacts(
            year=current_year, value=value, previous_year=prev_year, previous=prev, crosses_break=max(crossed)
        )
    since_break = max([b for b in breaks if b <= current_year], default=None)
    if since_break is not None:
        upto = [p for p in upto if p[0] >= since_break]
    up_years = [y for y, _ in upto]
    # Streak of consecutive-year changes in the same direction, ending at the current year.
    steps = [
        (upto[i][0], _direction(upto[i - 1][1], upto[i][1]), upto[i][0] - upto[i - 1][0] == 1)
        for i in range(1, len(upto))
    ]
    streak = 0
    for _, step_dir, consecutive in reversed(steps):
        if step_dir != direction or not consecutive:
            break
        streak += 1
    streak = max(streak, 1)
    first_since = None
    if streak == 1 and direction != "same":
        # the last earlier change in the same direction, when every year since then has a value
        same_before = [sy for sy, sd, _ in steps[:-1] if sd == direction]
        if same_before and _complete(up_years, same_before[-1], current_year):
            first_since = same_before[-1]
    record: Literal["high", "low"] | None = None
    record_since = None
    earlier_values = [(y, v) for y, v in upto[:-1]]
    if direction in ("rise", "fall"):
        beaten = [y for y, v in earlier_values if (v >= value if direction == "rise" else v <= value)]
        kind: Literal["high", "low"] = "high" if direction == "rise" else "low"
        if not beaten:
            if len(upto) >= 3 and _complete(up_years, up_years[0], current_year):
                record = kind
        elif current_year - beaten[-1] >= 3 and _complete(up_years, beaten[-1], current_year):
            record, record_since = kind, beaten[-1]
    return TrendFacts(
        year=current_year,
        value=value,
        previous_year=prev_year,
        previous=prev,
        change_pct=pct_change(prev, value),
        direction=direction,
        streak=streak,
        first_since=first_since,
        record=record,
        record_since=record_since,
        start=up_years[0],
    )


def _subject(variable_name: Mapping[str, str] | str, lang: str) -> str:
    if isinstance(variable_name, str):
        return variable_name
    if lang not in variable_name:
        raise ValueError(f"variable_name has no {lang!r} text: {dict(variable_name)!r}")
    return variable_name[lang]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _change_text(pct: float | None, lang: str) -> str:
    return "" if pct is None else fmt_change(pct, lang, change_decimals(pct))


def describe_trend(
    series: pd.Series,
    variable_name: Mapping[str, str] | str,
    lang: str,
    unit_forms: UnitForms = None,
    higher_is_better: bool | None = None,
    *,
    year: int | None = None,
    gender: Mapping[str, str] | None = None,
    decimals: int | None = None,
    breaks: Mapping[int, str] | None = None,
    how: ChangeKind = "percent",
) -> str:
    """One or two sentences on the latest change of a yearly series.

    ``series``: values indexed by year (NaN/None = no data). ``variable_name``: the grammatical subject per
    language (``{"en": "Registered unemployment", "pl": "Liczba bezrobotnych zarejestrowanych",
    "de": "Die Zahl der registrierten Arbeitslosen"}``). ``gender``: Polish gender of the subject
    (``m``/``f``/``n``/``pl``/``vir``; default ``f`` — *liczba*, *wartość*, *stopa*) and German number
    (``pl`` for a plural subject). ``unit_forms``: a unit key such as ``"persons"`` or forms (see
    ``count_phrase``), or a symbol unit (``"PLN"``). ``year``: the reporting year (default: the last year of
    the series); when it has no value the sentence says so and gives the latest available value.
    ``breaks``: year a new series starts → the reason in ``lang``; a change across a break is not reported as
    a change (the sentence says the two values are not comparable, and why), and nothing is counted across it.
    ``how``: the change in percent, in percentage points (rates, shares) or — for numbers too small for
    either — from one value to the other, with no streak, record or judgement claimed (see :func:`change_kind`).

    >>> import pandas as pd
    >>> describe_trend(pd.Series({2020: 1200, 2021: 1500, 2022: 1400, 2023: 1314, 2024: 1234}),
    ...                {"en": "Registered unemployment"}, "en", "persons", higher_is_better=False)
    'Registered unemployment fell for the third year running, to 1,234 people (−6.1%). This is the lowest value since 2020, a favourable change.'
    """
    check_lang(lang)
    subject = _subject(variable_name, lang)
    gender = gender or {}
    breaks = breaks or {}
    facts = trend_facts(series, year, breaks)

    def value_text(v: float, case: Case = "nom") -> str:
        if isinstance(unit_forms, Mapping):
            return count_phrase(v, unit_forms, lang, case=case, decimals=decimals)
        return fmt_value(v, unit_forms, lang, case=case, decimals=decimals)

    if facts.value is None:
        if facts.latest_year is None:
            return {"pl": f"{subject}: brak danych.", "en": f"{subject}: no data.", "de": f"{subject}: keine Daten."}[
                lang
            ]
        latest = value_text(facts.previous)  # type: ignore[arg-type]
        y, ly = facts.year, facts.latest_year
        return {
            "pl": f"{subject}: brak danych za {y} r.; ostatnia dostępna wartość ({ly} r.): {latest}.",
            "en": f"{subject}: no data for {y}; the latest available value ({ly}): {latest}.",
            "de": f"{subject}: keine Daten für {y}; letzter verfügbarer Wert ({ly}): {latest}.",
        }[lang]
    if facts.previous_year is None:
        v = value_text(facts.value)
        return {
            "pl": f"{subject}: {v} w {facts.year} r.; brak wcześniejszych danych do porównania.",
            "en": f"{subject}: {v} in {facts.year}; there are no earlier data to compare with.",
            "de": f"{subject}: {v} im Jahr {facts.year}; keine früheren Daten zum Vergleich.",
        }[lang]

    if facts.crosses_break is not None:
        v, pv = value_text(facts.value), value_text(facts.previous)  # type: ignore[arg-type]
        b, y, py = facts.crosses_break, facts.year, facts.previous_year
        reason = breaks[b]
        return {
            "pl": f"{subject}: {v} w {y} r. Wartości nie można porównać z {py} r. ({pv}): "
            f"w {b} r. nastąpiło zerwanie szeregu – {reason}.",
            "en": f"{subject}: {v} in {y}. It cannot be compared with {py} ({pv}): the series breaks in {b} — "
            f"{reason}.",
            "de": f"{subject}: {v} im Jahr {y}. Der Wert ist mit {py} ({pv}) nicht vergleichbar: Die Zeitreihe "
            f"hat {b} einen Bruch – {reason}.",
        }[lang]
    direction = facts.direction or "same"
    gap = facts.year - facts.previous_year > 1
    pl_gender = gender.get("pl", "f")
    de_plural = gender.get("de") == "pl"
    if lang == "pl":
        verb = _PL_VERBS[direction][pl_gender]
    elif lang == "de":
        verb = _DE_VERBS[direction][1 if de_plural else 0]
    else:
        verb = _EN_VERBS[direction]
        if direction == "same" and gender.get("en") == "pl":
            verb = "were unchanged"

    if direction == "same":
        v = value_text(facts.value)
        first = {
            "pl": f"{subject} {verb} w porównaniu z {facts.previous_year} r. ({v}).",
            "en": f"{subject} {verb} from {facts.previous_year} ({v}).",
            "de": f"{subject} {verb} gegenüber {facts.previous_year} unverändert ({v}).",
        }[lang]
        if facts.streak >= 2 and not gap:
            first = {
                "pl": f"{subject} {verb} {running_phrase(facts.streak, 'pl')} ({v}).",
                "en": f"{subject} {verb} {running_phrase(facts.streak, 'en')} ({v}).",
                "de": f"{subject} {verb} {running_phrase(facts.streak, 'de')} unverändert ({v}).",
            }[lang]
        return first

    to_value = value_text(facts.value, case="gen")  # the Polish "do" takes the genitive
    if how == "absolute":
        from_value = value_text(facts.previous, case="gen")  # type: ignore[arg-type]
        when = (
            in_year(facts.year, lang)
            if not gap
            else {
                "pl": f"w latach {facts.previous_year}–{facts.year}",
                "en": f"between {facts.previous_year} and {facts.year}",
                "de": f"zwischen {facts.previous_year} und {facts.year}",
            }[lang]
        )
        return {
            "pl": f"{subject} {verb} {when}: z {from_value} do {to_value}.",
            "en": f"{subject} {verb} {when}, from {value_text(facts.previous)} to {value_text(facts.value)}.",  # type: ignore[arg-type]
            "de": f"{subject} {verb} {when} von {value_text(facts.previous)} auf {value_text(facts.value)}.",  # type: ignore[arg-type]
        }[lang]
    change = (
        fmt_change_by(facts.value, facts.previous, lang, "points")
        if how == "points"
        else _change_text(facts.change_pct, lang)
    )
    paren = f" ({change})" if change else ""
    if gap:
        when = {
            "pl": f"w latach {facts.previous_year}–{facts.year}",
            "en": f"between {facts.previous_year} and {facts.year}",
            "de": f"zwischen {facts.previous_year} und {facts.year}",
        }[lang]
    elif facts.streak >= 2:
        when = running_phrase(facts.streak, lang)
    elif facts.first_since is not None and facts.year - facts.first_since >= 2:
        n = facts.year - facts.first_since
        when = {
            "pl": f"po raz pierwszy od {n} lat",
            "en": f"for the first time in {n} years",
            "de": f"zum ersten Mal seit {n} Jahren",
        }[lang]
    else:
        when = in_year(facts.year, lang)
    first = {
        "pl": f"{subject} {verb} {when}, do {to_value}{paren}.",
        "en": f"{subject} {verb} {when}, to {to_value}{paren}.",
        "de": f"{subject} {verb} {when} auf {to_value}{paren}.",
    }[lang]

    second = _record_and_judgement(facts, lang, higher_is_better, facts.start or facts.year)
    return first + (" " + second if second else "")


def _record_and_judgement(facts: TrendFacts, lang: str, higher_is_better: bool | None, start: int) -> str:
    record = ""
    if facts.record:
        high = facts.record == "high"
        if facts.record_since is None:
            record = {
                "pl": f"To {'najwyższa' if high else 'najniższa'} wartość w całej serii (od {start} r.)",
                "en": f"This is the {'highest' if high else 'lowest'} value in the whole series (since {start})",
                "de": f"Das ist der {'höchste' if high else 'niedrigste'} Wert der gesamten Reihe (seit {start})",
            }[lang]
        else:
            since = facts.record_since
            record = {
                "pl": f"To {'najwyższa' if high else 'najniższa'} wartość od {since} r.",
                "en": f"This is the {'highest' if high else 'lowest'} value since {since}",
                "de": f"Das ist der {'höchste' if high else 'niedrigste'} Wert seit {since}",
            }[lang]
    judgement = ""
    if higher_is_better is not None and facts.direction in ("rise", "fall"):
        good = (facts.direction == "rise") == higher_is_better
        if record:
            judgement = {
                "pl": f" – zmiana {'korzystna' if good else 'niekorzystna'}",
                "en": f", a {'favourable' if good else 'unfavourable'} change",
                "de": f" – eine {'günstige' if good else 'ungünstige'} Entwicklung",
            }[lang]
        else:
            judgement = {
                "pl": f"To zmiana {'korzystna' if good else 'niekorzystna'}",
                "en": f"This is {'a favourable' if good else 'an unfavourable'} change",
                "de": f"Das ist eine {'günstige' if good else 'ungünstige'} Entwicklung",
            }[lang]
    text = record + judgement
    return text + "." if text and not text.endswith(".") else text


# ------------------------------------------------------------------------------------ key figures


def _changed_by(pct: float, lang: str) -> str:
    """``6.1% lower than a year earlier`` / ``o 6,1% mniej niż przed rokiem`` / ``6,1 % weniger als im Vorjahr``."""
    d = change_decimals(pct)
    if to_decimal(pct, d) == 0:
        return {
            "pl": "bez zmian w porównaniu z poprzednim rokiem",
            "en": "unchanged from a year earlier",
            "de": "unverändert gegenüber dem Vorjahr",
        }[lang]
    size = fmt_percent(abs(pct), lang, d)
    if pct > 0:
        return {
            "pl": f"o {size} więcej niż przed rokiem",
            "en": f"{size} higher than a year earlier",
            "de": f"{size} mehr als im Vorjahr",
        }[lang]
    return {
        "pl": f"o {size} mniej niż przed rokiem",
        "en": f"{size} lower than a year earlier",
        "de": f"{size} weniger als im Vorjahr",
    }[lang]


def key_figure_sentence(
    name: str,
    value: float | None,
    year: int,
    lang: str,
    *,
    unit: str | None = None,
    previous: float | None = None,
    decimals: int | None = None,
) -> str:
    """A sentence on one figure, for labels that are names rather than subjects (quoted, no agreement).

    >>> key_figure_sentence("Ludność ogółem", 62817, 2024, "pl", unit="persons", previous=63500)
    'W 2024 r. wskaźnik „Ludność ogółem” wyniósł 62\\xa0817 osób, o 1,1% mniej niż przed rokiem.'
    """
    check_lang(lang)
    q = quote(name, lang)
    if _is_missing(value):
        return {
            "pl": f"Brak danych za {year} r. dla wskaźnika {q}.",
            "en": f"No data for {year} for {q}.",
            "de": f"Für {q} liegen keine Daten für {year} vor.",
        }[lang]
    v = fmt_value(value, unit, lang, decimals=decimals)
    # pl "wyniósł" takes the accusative; for counts and symbols it reads as the nominative except with 1
    # (1 osobę), so a value of exactly one persons-like unit goes after a colon instead.
    head = {
        "pl": f"W {year} r. wskaźnik {q} wyniósł {v}",
        "en": f"In {year}, {q} stood at {v}",
        "de": f"Im Jahr {year} betrug der Wert für {q} {v}",
    }[lang]  # accusative: no dative plural needed
    if (
        lang == "pl"
        and unit_word(to_decimal(value, 0), unit, "pl") is not None
        and plural_category(to_decimal(value, auto_decimals(value) if decimals is None else decimals), "pl") == "one"
    ):
        head = f"W {year} r. wskaźnik {q}: {v}"
    pct = pct_change(previous, value)
    return head + (f", {_changed_by(pct, lang)}." if pct is not None else ".")


# ------------------------------------------------------------------------------------- peer comparison

_RANK_WORDS = {
    "en": lambda k, high: f"{_ORD_EN[k]} {'highest' if high else 'lowest'}",
    "pl": lambda k, high: f"{_ORD_PL_F[k]} {'najwyższa' if high else 'najniższa'}",
    "de": lambda k, high: f"{_ORD_DE_STEM[k]}{'höchste' if high else 'niedrigste'}",
}


def compare_to_peers(
    city_value: float,
    peers: Mapping[str, float | None],
    lang: str,
    *,
    city_name: str,
    unit: str | None = None,
    higher_is_better: bool | None = None,
    decimals: int | None = None,
) -> str:
    """Where the city stands among its peers (peers without a value are left out).

    >>> compare_to_peers(5.1, {"Katowice": 6.0, "Bytom": 9.9}, "en", city_name="Siemianowice Śląskie")
    'The value for Siemianowice Śląskie (5.1) is the lowest of the 3 cities compared.'
    """
    check_lang(lang)
    values = {name: float(v) for name, v in peers.items() if not _is_missing(v) and name != city_name}
    v_city = fmt_value(city_value, unit, lang, decimals=decimals)
    if not values or _is_missing(city_value):
        return {
            "pl": f"Brak danych do porównania miasta {city_name} z innymi miastami.",
            "en": f"There are no data to compare {city_name} with other cities.",
            "de": f"Für einen Vergleich von {city_name} mit anderen Städten fehlen Daten.",
        }[lang]
    n = len(values) + 1
    higher = sum(v > city_value for v in values.values())
    lower = sum(v < city_value for v in values.values())
    tied = n - 1 - higher - lower
    rank_high = higher + 1  # 1 = highest
    rank_low = lower + 1  # 1 = lowest
    if tied == n - 1:
        return {
            "pl": f"Wszystkie {n} porównywane miasta mają taką samą wartość jak {city_name} ({v_city}).",
            "en": f"All {n} cities compared have the same value as {city_name} ({v_city}).",
            "de": f"Alle {n} verglichenen Städte haben denselben Wert wie {city_name} ({v_city}).",
        }[lang]
    if rank_high <= rank_low:
        k, high = rank_high, True
    else:
        k, high = rank_low, False
    if k == 1:
        word = {
            "pl": "najwyższa" if high else "najniższa",
            "en": "highest" if high else "lowest",
            "de": "höchste" if high else "niedrigste",
        }[lang]
    elif k <= 10:
        word = _RANK_WORDS[lang](k, high)
    else:
        word = None
    if word is not None:
        text = {
            "pl": f"Wartość dla miasta {city_name} ({v_city}) jest {word} spośród {n} porównywanych miast",
            "en": f"The value for {city_name} ({v_city}) is the {word} of the {n} cities compared",
            "de": f"Der Wert für {city_name} ({v_city}) ist der {word} unter den {n} verglichenen Städten",
        }[lang]
    else:
        text = {
            "pl": f"Wartość dla miasta {city_name} ({v_city}) zajmuje {k}. miejsce od "
            f"{'najwyższej' if high else 'najniższej'} spośród {n} porównywanych miast",
            "en": f"The value for {city_name} ({v_city}) ranks {_en_ordinal_digits(k)} "
            f"{'highest' if high else 'lowest'} of the {n} cities compared",
            "de": f"Der Wert für {city_name} ({v_city}) liegt auf Platz {k} von {n} verglichenen Städten "
            f"(gezählt vom {'höchsten' if high else 'niedrigsten'} Wert)",
        }[lang]
    if tied:
        text += {"pl": " (ex aequo)", "en": " (tied)", "de": " (gleichauf)"}[lang]
    best = (high and k == 1 and higher_is_better is True) or (not high and k == 1 and higher_is_better is False)
    worst = (high and k == 1 and higher_is_better is False) or (not high and k == 1 and higher_is_better is True)
    if best:
        text += {"pl": " – to najlepszy wynik", "en": ", the best result", "de": " – das beste Ergebnis"}[lang]
    elif worst:
        text += {"pl": " – to najsłabszy wynik", "en": ", the weakest result", "de": " – das schwächste Ergebnis"}[lang]
    return text + "."


# ------------------------------------------------------------------------------------------ statuses

STATUSES = ("on_track", "at_risk", "off_track", "no_data")
_STATUS_ALIASES = {"not_assessable": "no_data", "insufficient_data": "no_data", "unknown": "no_data"}


def normalize_status(status: str) -> str:
    """``"On track"``, ``"on-track"``, ``"on_track"`` → ``"on_track"``; unknown statuses raise ValueError."""
    key = str(status).strip().lower().replace("-", "_").replace(" ", "_")
    key = _STATUS_ALIASES.get(key, key)
    if key not in STATUSES:
        raise ValueError(f"unknown strategy status {status!r}: expected one of {', '.join(STATUSES)}")
    return key


def status_sentence(
    status: str,
    name: str,
    lang: str,
    *,
    value: float | None = None,
    year: int | None = None,
    target: float | None = None,
    target_year: int | None = None,
    unit: str | None = None,
    decimals: int | None = None,
) -> str:
    """A sentence on a strategy indicator's status, with the value and target when given (``decimals``: one
    precision for both, as in the table beside it).

    >>> status_sentence("at_risk", "Stopa bezrobocia", "pl", value=5.2, year=2024, target=4.0,
    ...                 target_year=2030, unit="%")
    'Realizacja wskaźnika „Stopa bezrobocia” jest zagrożona (2024 r.: 5,2%; cel na 2030 r.: 4,0%).'
    """
    check_lang(lang)
    key = normalize_status(status)
    q = quote(name, lang)
    head = {
        "on_track": {
            "pl": f"Wskaźnik {q} jest realizowany zgodnie z planem",
            "en": f"The indicator {q} is on track to reach its target",
            "de": f"Der Indikator {q} liegt im Plan",
        },
        "at_risk": {
            "pl": f"Realizacja wskaźnika {q} jest zagrożona",
            "en": f"The indicator {q} is at risk of missing its target",
            "de": f"Die Zielerreichung beim Indikator {q} ist gefährdet",
        },
        "off_track": {
            "pl": f"Wskaźnik {q} odbiega od planowanej ścieżki",
            "en": f"The indicator {q} is off track",
            "de": f"Der Indikator {q} liegt nicht im Plan",
        },
        "no_data": {
            "pl": f"Brak wystarczających danych do oceny wskaźnika {q}",
            "en": f"There are not enough data to assess the indicator {q}",
            "de": f"Für den Indikator {q} liegen nicht genügend Daten für eine Bewertung vor",
        },
    }[key][lang]
    parts = []
    if not _is_missing(value):
        label = (
            {"pl": f"{year} r.", "en": f"{year}", "de": f"{year}"}[lang]
            if year is not None
            else {"pl": "wartość", "en": "value", "de": "Wert"}[lang]
        )
        parts.append(f"{label}: {fmt_value(value, unit, lang, decimals=decimals)}")
    if not _is_missing(target):
        label = {"pl": "cel", "en": "target", "de": "Ziel"}[lang]
        if target_year is not None:
            label += {"pl": f" na {target_year} r.", "en": f" for {target_year}", "de": f" für {target_year}"}[lang]
        parts.append(f"{label}: {fmt_value(target, unit, lang, decimals=decimals)}")
    return head + (f" ({'; '.join(parts)})" if parts else "") + "."


# ----------------------------------------------------------------------------------- category story

STORY_COLUMNS = ("name", "value")
STORY_OPTIONAL = ("previous", "baseline", "unit", "higher_is_better", "how", "break_previous", "break_baseline")


def _row_name(raw: object, lang: str) -> str:
    if isinstance(raw, Mapping):
        return str(raw.get(lang) or next(iter(raw.values())))
    return str(raw)


@dataclass(frozen=True)
class _Row:
    name: str
    value: float | None
    previous: float | None
    baseline: float | None
    unit: str | None
    higher_is_better: bool | None
    how: str = "percent"
    break_previous: bool = False
    break_baseline: bool = False

    @property
    def change(self) -> float | None:
        """The percent change on the previous year, for a change that a percentage can say and no break crosses."""
        return None if self.how != "percent" or self.break_previous else pct_change(self.previous, self.value)

    @property
    def direction(self) -> float | None:
        """The signed change on the previous year in the variable's own terms (None across a break)."""
        if self.break_previous or self.previous is None or self.value is None:
            return None
        return self.value - self.previous

    @property
    def since_baseline(self) -> float | None:
        return None if self.how != "percent" or self.break_baseline else pct_change(self.baseline, self.value)


def _story_rows(frame: pd.DataFrame, lang: str) -> list[_Row]:
    missing = [c for c in STORY_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            f"category_story needs the column(s) {', '.join(missing)}; the frame has "
            f"{', '.join(map(str, frame.columns))}. Expected: {', '.join(STORY_COLUMNS)} and "
            f"optionally {', '.join(STORY_OPTIONAL)}"
        )

    def get(rec: Mapping[str, Any], col: str) -> Any:
        v = rec.get(col)
        return None if _is_missing(v) else v

    rows = []
    for rec in frame.to_dict("records"):
        hib = get(rec, "higher_is_better")
        rows.append(
            _Row(
                name=_row_name(rec["name"], lang),
                value=None if get(rec, "value") is None else float(rec["value"]),
                previous=None if get(rec, "previous") is None else float(rec["previous"]),
                baseline=None if get(rec, "baseline") is None else float(rec["baseline"]),
                unit=None if get(rec, "unit") is None else str(rec["unit"]),
                higher_is_better=None if hib is None else bool(hib),
                how=str(get(rec, "how") or "percent"),
                break_previous=bool(get(rec, "break_previous")),
                break_baseline=bool(get(rec, "break_baseline")),
            )
        )
    return rows


def _names_list(names: Iterable[str], lang: str, limit: int = 5) -> str:
    names = [quote(n, lang) for n in names]
    if len(names) > limit:
        rest = len(names) - limit
        names = names[:limit] + [{"pl": f"jeszcze {rest}", "en": f"{rest} more", "de": f"{rest} weitere"}[lang]]
        return join_list(names, lang)
    return ", ".join(names)


def category_story(
    frame: pd.DataFrame,
    lang: str,
    year: int,
    *,
    category_name: str | None = None,
    baseline_year: int | None = None,
    previous_year: int | None = None,
    max_sentences: int = 6,
) -> list[str]:
    """3–6 sentences for a category page from a tidy frame with one row per variable.

    Columns: ``name`` (label in ``lang``, or a ``{lang: label}`` dict), ``value`` (the year's value, NaN when
    missing), optional ``previous`` (previous year), ``baseline`` (baseline year), ``unit`` (bank unit:
    ``persons``, ``PLN``, ``%`` …), ``higher_is_better`` (True/False/None). Sentences: coverage, largest rise,
    largest fall, improved vs worsened, largest change since the baseline, variables without data.
    Optional ``how`` (see :func:`change_kind`), ``break_previous`` and ``break_baseline`` (a methodological
    break lies between the years compared): only changes that a percentage says, across no break, are
    ranked as the largest; rates, shares and small counts are never ranked against them.
    """
    check_lang(lang)
    rows = _story_rows(frame, lang)
    prev_year = previous_year if previous_year is not None else year - 1
    with_data = [r for r in rows if r.value is not None]
    n, k = len(rows), len(with_data)
    if n == 0:
        return [
            {
                "pl": f"Ta kategoria nie ma jeszcze wskaźników z danymi za {year} r.",
                "en": f"This category has no indicators with data for {year} yet.",
                "de": f"Diese Kategorie hat noch keine Indikatoren mit Daten für {year}.",
            }[lang]
        ]
    cat = quote(category_name, lang) if category_name else None
    ind = count_phrase(n, "indicators", lang)
    if lang == "pl":
        who = f"Kategoria {cat}" if cat else "Ta kategoria"
        avail = (
            "są dostępne dla wszystkich"
            if k == n
            else "nie są dostępne dla żadnego z nich"
            if k == 0
            else f"są dostępne dla {k} z nich"
        )
        sentences = [f"{who} obejmuje {ind}; dane za {year} r. {avail}."]
    elif lang == "de":
        who = f"Die Kategorie {cat}" if cat else "Diese Kategorie"
        avail = "für alle" if k == n else "für keinen davon" if k == 0 else f"für {k} davon"
        sentences = [f"{who} umfasst {ind}; {avail} liegen Daten für {year} vor."]
    else:
        who = f"The {cat} category" if cat else "This category"
        avail = "all of them" if k == n else "none of them" if k == 0 else f"{k} of them"
        sentences = [f"{who} has {ind}; data for {year} are available for {avail}."]

    changed = [r for r in with_data if r.change is not None]
    rises = sorted((r for r in changed if r.change > 0), key=lambda r: (-r.change, r.name))  # type: ignore[operator]
    falls = sorted((r for r in changed if r.change < 0), key=lambda r: (r.change, r.name))  # type: ignore[operator]
    for group, up in ((rises, True), (falls, False)):
        if not group:
            continue
        r = group[0]
        chg = fmt_change(r.change, lang, change_decimals(r.change))  # type: ignore[arg-type]
        to_v = fmt_value(r.value, r.unit, lang, case="gen")
        q = quote(r.name, lang)
        if lang == "pl":
            what = "wzrost" if up else "spadek"
            sentences.append(
                f"Największy {what} w porównaniu z {prev_year} r. dotyczy wskaźnika {q} ({chg}, do {to_v})."
            )
        elif lang == "de":
            what = "den stärksten Anstieg" if up else "den stärksten Rückgang"
            sentences.append(f"{_cap(what)} gegenüber {prev_year} verzeichnete {q} ({chg}, auf {to_v}).")
        else:
            what = "increase" if up else "decrease"
            sentences.append(f"The largest {what} compared with {prev_year} was in {q} ({chg}, to {to_v}).")

    judged = [
        r for r in with_data if r.higher_is_better is not None and r.how != "absolute" and r.direction
    ]  # a change of a handful of events says nothing about better or worse
    if len(judged) >= 2:
        better = sum((r.direction > 0) == r.higher_is_better for r in judged)  # type: ignore[operator]
        worse = len(judged) - better
        m = len(judged)
        sentences.append(
            {
                "pl": f"Spośród {count_phrase(m, 'indicators', 'pl', case='gen')} o określonym kierunku zmian "
                f"poprawa w porównaniu z {prev_year} r. nastąpiła w {better}, a pogorszenie w {worse}.",
                "en": f"Of the {m} indicators for which a higher or a lower value is better, {better} improved "
                f"and {worse} worsened compared with {prev_year}.",
                "de": f"Von {m} Indikatoren mit einer Zielrichtung haben sich gegenüber {prev_year} {better} "
                f"verbessert und {worse} verschlechtert.",
            }[lang]
        )

    if baseline_year is not None:
        base = [r for r in with_data if r.since_baseline is not None]
        if base:
            r = sorted(base, key=lambda r: (-abs(r.since_baseline), r.name))[0]  # type: ignore[arg-type]
            chg = fmt_change(r.since_baseline, lang, change_decimals(r.since_baseline))  # type: ignore[arg-type]
            q = quote(r.name, lang)
            sentences.append(
                {
                    "pl": f"W porównaniu z {baseline_year} r. najbardziej zmienił się wskaźnik {q} ({chg}).",
                    "en": f"Compared with {baseline_year}, {q} changed the most ({chg}).",
                    "de": f"Gegenüber {baseline_year} veränderte sich {q} am stärksten ({chg}).",
                }[lang]
            )

    missing = [r.name for r in rows if r.value is None]
    if missing:
        names = _names_list(missing, lang)
        sentences.append(
            {
                "pl": f"Brak danych za {year} r.: {names}.",
                "en": f"No data for {year}: {names}.",
                "de": f"Keine Daten für {year}: {names}.",
            }[lang]
        )
    return sentences[:max_sentences]


# ------------------------------------------------------------------------------------ page sentences


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


def strategy_break_sentence(names: Sequence[str], years: Sequence[int], lang: str) -> str:
    """Strategy indicators whose progress since the baseline crosses a break in the series.

    >>> strategy_break_sentence(["Liczba ludności"], [2021], "en")
    'The progress of “Liczba ludności” since the baseline crosses a break in the series (2021): the values before and after are measured differently, so it is not shown in the chart.'
    """
    check_lang(lang)
    listed, when = _names_list(names, lang), join_list([str(y) for y in years], lang)
    return {
        "pl": f"Postęp {'wskaźnika' if len(names) == 1 else 'wskaźników'} {listed} od roku bazowego obejmuje zerwanie szeregu ({when} r.): wartości sprzed "
        "niego i po nim mierzono inaczej, dlatego nie pokazujemy go na wykresie.",
        "en": f"The progress of {listed} since the baseline crosses a break in the series ({when}): the values "
        "before and after are measured differently, so it is not shown in the chart.",
        "de": f"Der Fortschritt von {listed} seit dem Basisjahr überschreitet einen Zeitreihenbruch ({when}): Die "
        "Werte davor und danach sind unterschiedlich gemessen, daher fehlt er in der Grafik.",
    }[lang]


def break_sentence(names: Sequence[str], year: int, reason: str, lang: str) -> str:
    """Which figures break in ``year`` and why; changes across the break are not comparable.

    >>> break_sentence(["Ludność ogółem"], 2021, "od 2021 r. GUS opiera liczbę ludności na spisie 2021", "pl")
    'W 2021 r. nastąpiło zerwanie szeregu („Ludność ogółem”): od 2021 r. GUS opiera liczbę ludności na spisie 2021. Zmian obejmujących 2021 r. nie można porównywać wprost.'
    """
    check_lang(lang)
    listed = _names_list(names, lang)
    return {
        "pl": f"W {year} r. nastąpiło zerwanie szeregu ({listed}): {reason}. "
        f"Zmian obejmujących {year} r. nie można porównywać wprost.",
        "en": f"The series of {listed} break in {year}: {reason}. Changes across {year} are not directly comparable."
        if len(names) > 1
        else f"The series of {listed} breaks in {year}: {reason}. Changes across {year} are not directly comparable.",
        "de": f"Die Zeitreihe von {listed} hat {year} einen Bruch: {reason}. "
        f"Veränderungen über {year} hinweg sind nicht direkt vergleichbar.",
    }[lang]


def value_subject(name: str, lang: str) -> str:
    """The subject of a trend sentence on an indicator's value (Polish gender f: *wartość*).

    >>> value_subject("Stopa bezrobocia", "pl")
    'Wartość wskaźnika „Stopa bezrobocia”'
    """
    q = quote(name, lang)
    return {"pl": f"Wartość wskaźnika {q}", "en": f"The value of {q}", "de": f"Der Wert des Indikators {q}"}[
        check_lang(lang)
    ]


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


def certification_sentence(year: int, core: int, supporting: int, profile: int, level: str, lang: str) -> str:
    """The ISO 37120 indicators the city reports and the estimated WCCD level (``level`` in ``lang``)."""
    check_lang(lang)
    return {
        "pl": f"W {year} r. miasto raportuje {core} wskaźników podstawowych, "
        f"{supporting} wspierających i {profile} profilowych. "
        f"Szacowany poziom certyfikacji WCCD: **{level}**.",
        "en": f"In {year} the city reports {core} core, {supporting} supporting and "
        f"{profile} profile indicators. Estimated WCCD certification level: **{level}**.",
        "de": f"Im Jahr {year} berichtet die Stadt {core} Kern-, {supporting} "
        f"unterstützende und {profile} Profilindikatoren. Geschätzte WCCD-Zertifizierungsstufe: "
        f"**{level}**.",
    }[lang]


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


def strategy_baseline_sentence(year: int, lang: str) -> str:
    return {
        "pl": f"{year} r. to rok bazowy strategii: wartości są punktami wyjścia.",
        "en": f"{year} is the strategy's baseline year: the values are the starting points.",
        "de": f"{year} ist das Basisjahr der Strategie: die Werte sind die Ausgangspunkte.",
    }[check_lang(lang)]


def strategy_on_track_sentence(lang: str) -> str:
    return {
        "pl": "Wszystkie wskaźniki z danymi są realizowane zgodnie z planem.",
        "en": "All indicators with data are on track.",
        "de": "Alle Indikatoren mit Daten liegen im Plan.",
    }[check_lang(lang)]


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


# ---------------------------------------------------------------------------------------------- residents' survey


def survey_method_sentence(
    n: int, modes: Mapping[str, int], start: Any, end: Any, deff: float, n_eff: float, lang: str
) -> str:
    """Who answered and how the answers were weighted: ``modes`` {"CATI": 297, "CAWI": 296}."""
    cati, cawi = modes.get("CATI", 0), modes.get("CAWI", 0)
    d, ne, a, b = (
        fmt_number(deff, lang, 2),
        fmt_number(round(n_eff), lang, 0),
        fmt_date(start, lang),
        fmt_date(end, lang),
    )
    return {
        "pl": f"Odpowiedzi {fmt_number(n, 'pl', 0)} respondentów: {fmt_number(cati, 'pl', 0)} wywiadów telefonicznych "
        f"(CATI) i {fmt_number(cawi, 'pl', 0)} ankiet internetowych (CAWI), od {a} do {b}. Wagi dopasowują próbę do "
        f"struktury dorosłych według dzielnicy, płci i wieku; efekt schematu wag (Kish) wynosi {d}, a efektywna "
        f"liczebność próby {ne}. Odsetki to odpowiedzi pozytywne (dwie najwyższe kategorie skali) bez odpowiedzi "
        "„trudno powiedzieć”, każdy z 95% przedziałem ufności.",
        "en": f"Answers of {fmt_number(n, 'en', 0)} respondents: {fmt_number(cati, 'en', 0)} telephone interviews "
        f"(CATI) and {fmt_number(cawi, 'en', 0)} web questionnaires (CAWI), from {a} to {b}. Weights match the sample "
        f"to the adult population by district, sex and age; the design effect of the weights (Kish) is {d} and the "
        f"effective sample size {ne}. Shares are positive answers (the two top categories of the scale), "
        "“don't know” excluded, each with its 95% confidence interval.",
        "de": f"Antworten von {fmt_number(n, 'de', 0)} Befragten: {fmt_number(cati, 'de', 0)} Telefoninterviews "
        f"(CATI) und {fmt_number(cawi, 'de', 0)} Online-Fragebögen (CAWI), vom {a} bis {b}. Gewichte passen die "
        f"Stichprobe an die erwachsene Bevölkerung nach Stadtteil, Geschlecht und Alter an; der Designeffekt der "
        f"Gewichte (Kish) beträgt {d}, der effektive Stichprobenumfang {ne}. Anteile sind positive Antworten (die "
        "beiden oberen Kategorien der Skala) ohne „weiß nicht“, jeweils mit 95-%-Konfidenzintervall.",
    }[check_lang(lang)]


def survey_range_sentence(top: str, top_share: float, low: str, low_share: float, lang: str) -> str:
    """The item with the most and the one with the fewest positive answers."""
    a, b = fmt_percent(top_share, lang), fmt_percent(low_share, lang)
    return {
        "pl": f"Najwięcej odpowiedzi pozytywnych: {quote(top, 'pl')} ({a}); najmniej: {quote(low, 'pl')} ({b}).",
        "en": f"Most positive answers: {quote(top, 'en')} ({a}); fewest: {quote(low, 'en')} ({b}).",
        "de": f"Die meisten positiven Antworten: {quote(top, 'de')} ({a}); die wenigsten: {quote(low, 'de')} ({b}).",
    }[check_lang(lang)]


def survey_district_sentence(item: str, higher: Sequence[str], lower: Sequence[str], lang: str) -> str:
    """Districts whose share differs significantly from the rest of the city (p < 0.05), or that none does."""
    q = quote(item, lang)
    if not higher and not lower:
        return {
            "pl": f"{q}: różnice między dzielnicami nie są istotne statystycznie (p ≥ 0,05) — mieszczą się w granicach "
            "błędu losowego próby.",
            "en": f"{q}: the differences between districts are not significant (p ≥ 0.05) — they lie within the "
            "sample's random error.",
            "de": f"{q}: die Unterschiede zwischen den Stadtteilen sind nicht signifikant (p ≥ 0,05) — sie liegen "
            "im Rahmen des Zufallsfehlers der Stichprobe.",
        }[check_lang(lang)]
    parts = []
    if higher:
        parts.append({"pl": f"wyżej niż reszta miasta: {join_list(list(higher), 'pl')}",
                      "en": f"higher than the rest of the city: {join_list(list(higher), 'en')}",
                      "de": f"höher als der Rest der Stadt: {join_list(list(higher), 'de')}"}[lang])  # fmt: skip
    if lower:
        parts.append({"pl": f"niżej: {join_list(list(lower), 'pl')}", "en": f"lower: {join_list(list(lower), 'en')}",
                      "de": f"niedriger: {join_list(list(lower), 'de')}"}[lang])  # fmt: skip
    tail = {"pl": "; różnice pozostałych dzielnic nie są istotne statystycznie.",
            "en": "; the other districts' differences are not significant.",
            "de": "; die Unterschiede der übrigen Stadtteile sind nicht signifikant."}[lang]  # fmt: skip
    lead = {"pl": "istotna różnica (p < 0,05)", "en": "a significant difference (p < 0.05)",
            "de": "ein signifikanter Unterschied (p < 0,05)"}[lang]  # fmt: skip
    return f"{q}: {lead} — " + "; ".join(parts) + tail


def survey_mode_sentence(items: Sequence[str], total: int, lang: str) -> str:
    """Items whose telephone and web answers differ significantly (of ``total`` items)."""
    if not items:
        return {
            "pl": f"W żadnym z {total} pytań odpowiedzi telefoniczne i internetowe nie różnią się istotnie (p ≥ 0,05).",
            "en": f"In none of the {total} questions do telephone and web answers differ significantly (p ≥ 0.05).",
            "de": f"In keiner der {total} Fragen unterscheiden sich telefonische und Online-Antworten signifikant "
            "(p ≥ 0,05).",
        }[check_lang(lang)]
    names = join_list([quote(i, lang) for i in items], lang)
    return {
        "pl": f"Odpowiedzi telefoniczne i internetowe różnią się istotnie (p < 0,05) w pytaniach: {names}; w pozostałych "
        "różnice nie są istotne. Część różnicy może wynikać z trybu badania, a nie z opinii.",
        "en": f"Telephone and web answers differ significantly (p < 0.05) in: {names}; in the other questions the "
        "differences are not significant. Part of a difference may come from the mode, not from opinions.",
        "de": f"Telefonische und Online-Antworten unterscheiden sich signifikant (p < 0,05) bei: {names}; bei den "
        "übrigen Fragen sind die Unterschiede nicht signifikant. Ein Teil eines Unterschieds kann am Erhebungsmodus "
        "liegen, nicht an den Meinungen.",
    }[check_lang(lang)]


def survey_scheme_sentence(max_pp: float, item: str, lang: str) -> str:
    """How much the weighting moves the shares: the largest difference between schemes, in percentage points."""
    pp = fmt_points(max_pp, lang).lstrip("+")
    return (
        {
            "pl": f"Ważenie zmienia odsetki o najwyżej {pp} ({quote(item, 'pl')}): wyniki niewiele zależą od schematu wag.",
            "en": f"Weighting moves the shares by at most {pp} ({quote(item, 'en')}): the results depend little on the "
            "weighting scheme.",
            "de": f"Die Gewichtung verändert die Anteile um höchstens {pp} ({quote(item, 'de')}): die Ergebnisse hängen "
            "kaum vom Gewichtungsschema ab.",
        }[check_lang(lang)]
        if max_pp < 3
        else {
            "pl": f"Ważenie zmienia odsetki nawet o {pp} ({quote(item, 'pl')}): w tym pytaniu struktura próby ma znaczenie.",
            "en": f"Weighting moves the shares by up to {pp} ({quote(item, 'en')}): in that question the sample's make-up "
            "matters.",
            "de": f"Die Gewichtung verändert die Anteile um bis zu {pp} ({quote(item, 'de')}): bei dieser Frage spielt die "
            "Zusammensetzung der Stichprobe eine Rolle.",
        }[check_lang(lang)]
    )


def survey_eu_sentence(city: str, above: Sequence[str], below: Sequence[str], year: int, lang: str) -> str:
    """The city's items above and below the mean of the EU cities (outside the confidence interval), with the
    caveats of the comparison."""
    a = join_list([quote(i, lang) for i in above], lang) if above else None
    b = join_list([quote(i, lang) for i in below], lang) if below else None
    none = {"pl": "żadne", "en": "none", "de": "keine"}[check_lang(lang)]
    return {
        "pl": f"{city} na tle średniej miast UE z {year} r. — wyżej (cały przedział ufności powyżej średniej): "
        f"{a or none}; niżej: {b or none}. Porównanie jest orientacyjne: inny rok i tryb badania, wartości UE "
        "niezweryfikowane z oficjalnym arkuszem Komisji Europejskiej.",
        "en": f"{city} against the mean of the EU cities in {year} — higher (the whole confidence interval above the "
        f"mean): {a or none}; lower: {b or none}. The comparison is indicative: another year and survey mode, and the "
        "EU values are not verified against the European Commission's official workbook.",
        "de": f"{city} im Vergleich zum Mittelwert der EU-Städte {year} — höher (das ganze Konfidenzintervall über dem "
        f"Mittelwert): {a or none}; niedriger: {b or none}. Der Vergleich ist ein Anhaltspunkt: anderes Jahr und "
        "anderer Erhebungsmodus, die EU-Werte sind nicht mit der offiziellen Tabelle der Europäischen Kommission "
        "abgeglichen.",
    }[lang]


__all__ = [
    "LANGS",
    "MINUS",
    "NBSP",
    "UNIT_FORMS",
    "UNIT_SYMBOLS",
    "TrendFacts",
    "STATUSES",
    "fmt_number",
    "fmt_percent",
    "fmt_change",
    "fmt_points",
    "fmt_value",
    "fmt_date",
    "fmt_year",
    "pct_change",
    "to_decimal",
    "auto_decimals",
    "change_decimals",
    "plural_category",
    "unit_word",
    "count_phrase",
    "quote",
    "join_list",
    "running_phrase",
    "in_year",
    "trend_facts",
    "describe_trend",
    "key_figure_sentence",
    "compare_to_peers",
    "normalize_status",
    "status_sentence",
    "category_story",
    "value_subject",
    "bank_sentence",
    "certification_sentence",
    "next_level_sentence",
    "todo_sentence",
    "strategy_baseline_sentence",
    "strategy_on_track_sentence",
    "consistency_sentence",
    "no_inconsistencies_sentence",
]


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
        return {
            "pl": f"brak danych za {py} r. do porównania",
            "en": f"there are no data for {py} to compare with",
            "de": f"für {py} liegen keine Daten zum Vergleich vor",
        }[lang]
    assert previous is not None
    if break_reason:
        return {
            "pl": f"tej liczby nie można porównać z {py} r., bo zmienił się sposób liczenia ({break_reason})",
            "en": f"it cannot be compared with {py} because the way it is counted changed ({break_reason})",
            "de": f"mit {py} nicht vergleichbar, weil sich die Zählweise geändert hat ({break_reason})",
        }[lang]
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
            return {
                "pl": f"{name}: brak danych za {year} r.",
                "en": f"{name}: no data for {year} yet.",
                "de": f"{name}: für {year} liegen noch keine Daten vor.",
            }[lang]
        last = fmt_value(latest, unit, lang, decimals=decimals)
        return {
            "pl": f"{name}: brak danych za {year} r.; ostatnia dostępna wartość ({latest_year} r.): {last}.",
            "en": f"{name}: no data for {year} yet; the latest available value ({latest_year}): {last}.",
            "de": f"{name}: für {year} liegen noch keine Daten vor; letzter verfügbarer Wert ({latest_year}): {last}.",
        }[lang]
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
