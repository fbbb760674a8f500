"""UI strings of the notebooks and the report in Polish, English and German.

The strings live in ``i18n.yml`` beside this module (package data) — the single source of truth. Keys are
dotted paths (``chapter.overview``, ``table.change_yoy``, ``status.on_track``); ``t(key, lang, **fmt)``
returns the string, with ``{placeholders}`` filled from ``fmt``.

    >>> t("chapter.overview", "de")
    'Überblick'
    >>> t("notice.no_data_year", "pl", year=2024)
    'Brak danych za 2024 r.'

Month names come from Babel (CLDR), not from the YAML file: ``month_name(12, "pl")`` → ``'grudzień'``.
"""

from __future__ import annotations

import difflib
import string
from functools import lru_cache
from pathlib import Path
from typing import Literal

LANGS: tuple[str, ...] = ("pl", "en", "de")
"""The report languages, in the order the report lists them."""

BABEL_LOCALES: dict[str, str] = {"pl": "pl_PL", "en": "en_GB", "de": "de_DE"}
"""Babel locale per report language; English follows British usage (31 December 2024)."""

CATALOG_FILE = Path(__file__).with_name("i18n.yml")


def check_lang(lang: str) -> str:
    """Return ``lang`` when it is a report language, else raise a ValueError that lists the choices."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: expected one of {', '.join(LANGS)}")
    return lang


def babel_locale(lang: str) -> str:
    """The Babel locale identifier used for numbers and dates in ``lang``."""
    return BABEL_LOCALES[check_lang(lang)]


def _flatten(node: dict, prefix: str, out: dict[str, dict[str, str]], source: Path) -> None:
    for key, value in node.items():
        if not isinstance(key, str):
            raise ValueError(f"{source}: key {key!r} under {prefix or 'the top level'!r} must be text; quote it")
        path = f"{prefix}.{key}" if prefix else key
        if not isinstance(value, dict):
            raise ValueError(f"{source}: {path!r} must map languages to strings, found {value!r}")
        if set(value) & set(LANGS) or not value:
            out[path] = value
        else:
            _flatten(value, path, out, source)


@lru_cache(maxsize=4)
def load_catalog(path: Path = CATALOG_FILE) -> dict[str, dict[str, str]]:
    """All strings, as ``{dotted key: {lang: text}}``. Cached; the file is read once per process."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=loader) or {}
    out: dict[str, dict[str, str]] = {}
    _flatten(data, "", out, path)
    return out


def keys() -> list[str]:
    """Every key of the catalogue, sorted."""
    return sorted(load_catalog())


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


def check_catalog(catalog: dict[str, dict[str, str]] | None = None) -> list[str]:
    """Problems of the catalogue, one line each (empty list when it is complete).

    Every key needs a non-empty string in each of ``LANGS``, no other languages, and the same
    ``{placeholders}`` in every language (a translation that drops ``{year}`` would silently lose it).
    """
    catalog = load_catalog() if catalog is None else catalog
    problems: list[str] = []
    for key in sorted(catalog):
        entry = catalog[key]
        for lang in LANGS:
            text = entry.get(lang)
            if not isinstance(text, str) or not text.strip():
                problems.append(f"{key}: missing or empty {lang!r} text (found {text!r})")
        extra = sorted(set(entry) - set(LANGS))
        if extra:
            problems.append(f"{key}: unknown language(s) {', '.join(map(str, extra))}; expected {', '.join(LANGS)}")
        fields = {lang: _placeholders(entry[lang]) for lang in LANGS if isinstance(entry.get(lang), str)}
        if len({frozenset(f) for f in fields.values()}) > 1:
            shown = "; ".join(f"{lang}: {sorted(f)}" for lang, f in fields.items())
            problems.append(f"{key}: placeholders differ between languages ({shown})")
    return problems


def t(key: str, lang: str, **fmt: object) -> str:
    """The UI string ``key`` in ``lang``, with ``{placeholders}`` filled from ``fmt``.

    Unknown keys raise a KeyError naming the closest existing keys; a missing placeholder value raises a
    KeyError naming the placeholder and the key.
    """
    check_lang(lang)
    catalog = load_catalog()
    entry = catalog.get(key)
    if entry is None:
        near = difflib.get_close_matches(key, list(catalog), n=3)
        hint = f"; did you mean {', '.join(near)}?" if near else f"; add it to {CATALOG_FILE.name}"
        raise KeyError(f"no UI string {key!r}{hint}")
    text = entry[lang]
    if not fmt and not _placeholders(text):
        return text
    try:
        return text.format_map(fmt)
    except KeyError as exc:
        raise KeyError(
            f"UI string {key!r} needs a value for {{{exc.args[0]}}}: pass t({key!r}, {lang!r}, {exc.args[0]}=...)"
        ) from None


def t_all(key: str) -> dict[str, str]:
    """The string ``key`` in every language, ``{lang: text}``, placeholders left unfilled."""
    catalog = load_catalog()
    if key not in catalog:
        t(key, LANGS[0])  # raises the KeyError with suggestions
    return {lang: catalog[key][lang] for lang in LANGS}


def month_name(
    month: int,
    lang: str,
    *,
    context: Literal["stand-alone", "format"] = "stand-alone",
    width: Literal["wide", "abbreviated"] = "wide",
) -> str:
    """The name of ``month`` (1–12) from CLDR via Babel.

    ``context="stand-alone"`` gives the nominative used in headings (pl ``grudzień``);
    ``context="format"`` gives the form used inside a date (pl ``grudnia``, as in *31 grudnia 2024*).
    """
    from babel.dates import get_month_names

    if not 1 <= int(month) <= 12:
        raise ValueError(f"month must be 1–12, got {month!r}")
    return get_month_names(width, context=context, locale=babel_locale(lang))[int(month)]


# Units as the params write them (variables.yml, iso37120.yml) → how a reader sees them in each language.
UNIT_LABELS: dict[str, dict[str, str]] = {
    "persons": {"pl": "osoby", "en": "persons", "de": "Personen"},
    "count": {"pl": "liczba", "en": "number", "de": "Anzahl"},
    "units": {"pl": "liczba", "en": "number", "de": "Anzahl"},
    "events": {"pl": "liczba", "en": "number", "de": "Anzahl"},
    "years": {"pl": "lata", "en": "years", "de": "Jahre"},
    "hours": {"pl": "godziny", "en": "hours", "de": "Stunden"},
    "minutes": {"pl": "minuty", "en": "minutes", "de": "Minuten"},
    "index": {"pl": "indeks", "en": "index", "de": "Index"},
    "ug/m3": {"pl": "µg/m³", "en": "µg/m³", "de": "µg/m³"},
    "PLN": {"pl": "zł", "en": "PLN", "de": "PLN"},
    "USD": {"pl": "USD", "en": "USD", "de": "USD"},
    "km2": {"pl": "km²", "en": "km²", "de": "km²"},
    "m2": {"pl": "m²", "en": "m²", "de": "m²"},
    "m3": {"pl": "m³", "en": "m³", "de": "m³"},
    "degree-days": {"pl": "stopniodni", "en": "degree-days", "de": "Gradtage"},
    "per 100 000": {"pl": "na 100 tys. mieszkańców", "en": "per 100,000 residents", "de": "je 100.000 Einwohner"},
    "ha per 100 000": {
        "pl": "ha na 100 tys. mieszkańców",
        "en": "ha per 100,000 residents",
        "de": "ha je 100.000 Einwohner",
    },
    "FTE": {"pl": "etaty", "en": "full-time equivalents", "de": "Vollzeitäquivalente"},
    "t CO2e": {"pl": "t ekw. CO₂", "en": "t CO₂e", "de": "t CO₂-Äq."},
    "per 1000 residents": {"pl": "na 1000 mieszkańców", "en": "per 1,000 residents", "de": "je 1.000 Einwohner"},
    "per 1000 live births": {
        "pl": "na 1000 urodzeń żywych",
        "en": "per 1,000 live births",
        "de": "je 1.000 Lebendgeburten",
    },
    "m2 per person": {"pl": "m² na mieszkańca", "en": "m² per person", "de": "m² je Einwohner"},
    "t per person": {"pl": "t na mieszkańca", "en": "t per person", "de": "t je Einwohner"},
    "kg per person": {"pl": "kg na mieszkańca", "en": "kg per person", "de": "kg je Einwohner"},
    "t CO2e per person": {"pl": "t CO₂e na mieszkańca", "en": "t CO₂e per person", "de": "t CO₂e je Einwohner"},
    "GJ per person": {"pl": "GJ na mieszkańca", "en": "GJ per person", "de": "GJ je Einwohner"},
    "PLN per person": {"pl": "zł na mieszkańca", "en": "PLN per person", "de": "PLN je Einwohner"},
    "USD per person": {"pl": "USD na mieszkańca", "en": "USD per person", "de": "USD je Einwohner"},
    "litres per person per day": {
        "pl": "litry na mieszkańca dziennie",
        "en": "litres per person per day",
        "de": "Liter je Einwohner und Tag",
    },
    "vehicles per person": {"pl": "pojazdy na mieszkańca", "en": "vehicles per person", "de": "Fahrzeuge je Einwohner"},
    "cars per person": {"pl": "samochody na mieszkańca", "en": "cars per person", "de": "Pkw je Einwohner"},
    "trips per person": {"pl": "przejazdy na mieszkańca", "en": "trips per person", "de": "Fahrten je Einwohner"},
    "pupils per teacher": {"pl": "uczniowie na nauczyciela", "en": "pupils per teacher", "de": "Schüler je Lehrkraft"},
    "persons per km2": {"pl": "os. na km²", "en": "persons per km²", "de": "Einwohner je km²"},
    "persons per dwelling": {"pl": "os. na mieszkanie", "en": "persons per dwelling", "de": "Personen je Wohnung"},
    "jobs per dwelling": {
        "pl": "miejsca pracy na mieszkanie",
        "en": "jobs per dwelling",
        "de": "Arbeitsplätze je Wohnung",
    },
    "kWh per km": {"pl": "kWh na km", "en": "kWh per km", "de": "kWh je km"},
    "hours per household": {
        "pl": "godziny na gospodarstwo domowe",
        "en": "hours per household",
        "de": "Stunden je Haushalt",
    },
    "GJ per m2": {"pl": "GJ na m²", "en": "GJ per m²", "de": "GJ je m²"},
}


def check_label(check: str, lang: str) -> str:
    """A data check of the quarantine (``yoy_jump``) as a page names it (``jump from the year before``); a
    check without a name is written in words, never as a code.

    >>> check_label("missing_year", "de"), check_label("brand_new_check", "en")
    ('fehlendes Jahr', 'brand new check')
    """
    key = f"check.{check}"
    return t(key, lang) if key in load_catalog() else check.replace("_", " ")


def unit_label(unit: str, lang: str) -> str:
    """A params unit in the reader's language; units without a label (%, t, km, GJ, …) are shown as written."""
    check_lang(lang)
    return UNIT_LABELS.get(unit, {}).get(lang, unit)
