"""Numbers, changes, units, lists and ordinals in the page's language: the formats every sentence uses
(see ``docs/number-style.md``)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from ..claims import significant_decimals
from ..i18n import babel_locale, check_lang, t, unit_label
from ..params.core import ChangeKind

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
    beside them): none for large or whole numbers, one from 10, two below — and below 1, as many as two
    significant digits need (at most 3): 0,037 vehicles per person, never "0,04" beside a table's 0,037.

    >>> column_decimals([62817, 63401.5]), column_decimals([5.83, 9.5]), column_decimals([12.25, 9.5])
    (0, 2, 1)
    >>> column_decimals([0.037, 0.035]), column_decimals([0.5, 0.25])
    (3, 2)
    """
    vals = [abs(float(v)) for v in values if not _is_missing(v)]
    if not vals or all(v.is_integer() for v in vals):
        return 0
    top = max(vals)
    if top < 1:
        return max(2, significant_decimals(vals))
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
    "hours": {"pl": ("godzina", "godziny", "godzin", "godziny"), "en": ("hour", "hours"), "de": ("Stunde", "Stunden")},
    "minutes": {
        "pl": ("minuta", "minuty", "minut", "minuty"),
        "en": ("minute", "minutes"),
        "de": ("Minute", "Minuten"),
    },
    "FTE": {
        "pl": ("etat", "etaty", "etatów", "etatu"),
        "en": ("full-time equivalent", "full-time equivalents"),
        "de": ("Vollzeitäquivalent", "Vollzeitäquivalente"),
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

BARE_COUNT_UNITS = frozenset({"count", "units", "events", "number"})
"""Units that only say "a number of": after a count no word is written (the table's unit column says it)."""


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
    if _is_missing(n) or (isinstance(unit_forms, str) and unit_forms in BARE_COUNT_UNITS):
        return number  # a count of things named by the sentence: "448", never "448 number"
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


def _names_list(names: Iterable[str], lang: str, limit: int = 5) -> str:
    names = [quote(n, lang) for n in names]
    if len(names) > limit:
        rest = len(names) - limit
        names = names[:limit] + [{"pl": f"jeszcze {rest}", "en": f"{rest} more", "de": f"{rest} weitere"}[lang]]
        return join_list(names, lang)
    return ", ".join(names)
