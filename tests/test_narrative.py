"""Narrative helpers: every expected sentence below was written by hand, in each language."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from citybank.narrative import (
    MINUS,
    NBSP,
    category_story,
    change_decimals,
    compare_to_peers,
    count_phrase,
    describe_trend,
    fmt_change,
    fmt_date,
    fmt_number,
    fmt_percent,
    fmt_points,
    fmt_value,
    key_figure_sentence,
    normalize_status,
    pct_change,
    running_phrase,
    status_sentence,
    trend_facts,
)

UNEMPLOYMENT = {
    "en": "Registered unemployment",
    "pl": "Liczba bezrobotnych zarejestrowanych",
    "de": "Die Zahl der registrierten Arbeitslosen",
}
BIRTHS = {"en": "Live births", "pl": "Liczba urodzeń żywych", "de": "Die Zahl der Lebendgeburten"}


# ------------------------------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    ("value", "lang", "decimals", "expected"),
    [
        (62817, "pl", None, f"62{NBSP}817"),
        (62817, "en", None, "62,817"),
        (62817, "de", None, "62.817"),
        (7136, "pl", 2, f"7{NBSP}136,00"),
        (7136, "en", 2, "7,136.00"),
        (7136, "de", 2, "7.136,00"),
        (1234567.891, "de", 1, "1.234.567,9"),
        (-1234.5, "pl", None, f"{MINUS}1{NBSP}234,5"),
        (-1234.5, "en", None, f"{MINUS}1,234.5"),
        (12.5, "pl", None, "12,5"),
        (3.14159, "en", None, "3.14"),
        (7136.0, "en", None, "7,136"),
        (2.675, "en", 2, "2.68"),  # rounds the decimal the reader sees, not the binary float (2.67499…)
        (0.125, "en", 2, "0.13"),  # half away from zero, not banker's rounding (0.12)
        (-0.125, "en", 2, f"{MINUS}0.13"),
        (-0.04, "pl", 1, "0,0"),  # no "−0,0"
        (999, "pl", None, "999"),
    ],
)
def test_fmt_number(value, lang, decimals, expected):
    assert fmt_number(value, lang, decimals) == expected


@pytest.mark.parametrize(("lang", "marker"), [("pl", "b.d."), ("en", "n/a"), ("de", "k. A.")])
def test_missing_values_get_the_language_marker(lang, marker):
    assert fmt_number(None, lang) == marker
    assert fmt_number(float("nan"), lang) == marker
    assert fmt_change(None, lang) == marker


def test_unknown_language_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown language 'fr': expected one of pl, en, de"):
        fmt_number(1, "fr")


@pytest.mark.parametrize(
    ("pct", "lang", "expected"),
    [
        (-6.1, "pl", f"{MINUS}6,1%"),
        (-6.1, "en", f"{MINUS}6.1%"),
        (-6.1, "de", f"{MINUS}6,1{NBSP}%"),
        (2, "en", "+2.0%"),
        (4.25, "pl", "+4,3%"),
        (0, "pl", "0,0%"),
        (0, "de", f"0,0{NBSP}%"),
        (-0.04, "en", "0.0%"),
    ],
)
def test_fmt_change(pct, lang, expected):
    assert fmt_change(pct, lang) == expected


def test_change_decimals_keeps_small_changes_visible():
    assert change_decimals(-6.1) == 1
    assert change_decimals(0.03) == 2
    assert change_decimals(0) == 1


def test_percent_points_and_percent():
    assert fmt_points(1.25, "pl") == f"+1,3{NBSP}p.p."
    assert fmt_points(-0.4, "en") == f"{MINUS}0.4{NBSP}pp"
    assert fmt_points(0.4, "de") == f"+0,4{NBSP}Pp."
    assert fmt_percent(12.5, "pl") == "12,5%"
    assert fmt_percent(12.5, "de") == f"12,5{NBSP}%"


def test_pct_change():
    assert pct_change(100, 94) == pytest.approx(-6.0)
    assert pct_change(-50, -25) == pytest.approx(50.0)  # relative to |old|: a rise stays positive
    assert pct_change(0, 5) is None
    assert pct_change(None, 5) is None


def test_fmt_date():
    import datetime

    d = datetime.date(2024, 12, 31)
    assert fmt_date(d, "pl") == "31 grudnia 2024"
    assert fmt_date(d, "en") == "31 December 2024"
    assert fmt_date(d, "de") == "31. Dezember 2024"


@pytest.mark.parametrize(
    ("value", "unit", "lang", "expected"),
    [
        (7136, "PLN", "pl", f"7{NBSP}136{NBSP}zł"),
        (7136, "PLN", "en", f"PLN{NBSP}7,136"),
        (7136, "PLN", "de", f"7.136{NBSP}PLN"),
        (25.5, "km2", "pl", f"25,5{NBSP}km²"),
        (12.5, "%", "de", f"12,5{NBSP}%"),
        (5, "widgets", "en", "5 widgets"),
        (5, None, "en", "5"),
    ],
)
def test_fmt_value(value, unit, lang, expected):
    assert fmt_value(value, unit, lang) == expected


# ------------------------------------------------------------------------------------------- plurals


@pytest.mark.parametrize(
    ("n", "nominative", "genitive"),
    [
        (1, "1 osoba", "1 osoby"),
        (2, "2 osoby", "2 osób"),
        (4, "4 osoby", "4 osób"),
        (5, "5 osób", "5 osób"),
        (12, "12 osób", "12 osób"),
        (21, "21 osób", "21 osób"),
        (22, "22 osoby", "22 osób"),
        (25, "25 osób", "25 osób"),
        (1001, f"1{NBSP}001 osób", f"1{NBSP}001 osób"),
        (1234, f"1{NBSP}234 osoby", f"1{NBSP}234 osób"),
        (1.5, "1,5 osoby", "1,5 osoby"),
        (0, "0 osób", "0 osób"),
    ],
)
def test_polish_person_forms(n, nominative, genitive):
    assert count_phrase(n, "persons", "pl") == nominative
    assert count_phrase(n, "persons", "pl", case="gen") == genitive


@pytest.mark.parametrize(
    ("n", "unit", "expected"),
    [
        (5, "births", "5 urodzeń"),
        (3, "deaths", "3 zgony"),
        (22, "years", "22 lata"),
        (25, "years", "25 lat"),
        (1, "years", "1 rok"),
        (2, "crimes", "2 przestępstwa"),
        (24, "dwellings", "24 mieszkania"),
        (1, "datasets", "1 zbiór danych"),
        (7, "indicators", "7 wskaźników"),
        (3, "pupils", "3 uczniowie"),
    ],
)
def test_polish_other_units(n, unit, expected):
    assert count_phrase(n, unit, "pl") == expected


@pytest.mark.parametrize(
    ("n", "lang", "expected"),
    [
        (1, "en", "1 person"),
        (2, "en", "2 people"),
        (1234, "en", "1,234 people"),
        (1, "de", "1 Person"),
        (2, "de", "2 Personen"),
        (1234, "de", "1.234 Personen"),
    ],
)
def test_english_and_german_person_forms(n, lang, expected):
    assert count_phrase(n, "persons", lang) == expected


def test_custom_and_unknown_units():
    forms = {"pl": ("drzewo", "drzewa", "drzew", "drzewa"), "en": ("tree", "trees"), "de": ("Baum", "Bäume")}
    assert count_phrase(1, forms, "pl") == "1 drzewo"
    assert count_phrase(23, forms, "pl") == "23 drzewa"
    assert count_phrase(2, forms, "pl", case="gen") == "2 drzew"
    assert count_phrase(2, forms, "de") == "2 Bäume"
    assert count_phrase(5, "widgets", "pl") == "5 widgets"  # unknown unit: "N unit"
    assert count_phrase(1, "person", "en") == "1 person"  # singular alias


# -------------------------------------------------------------------------------------------- trends


def series(points: dict) -> pd.Series:
    return pd.Series(points, dtype="float64")


# five points: a record of the whole series needs citybank.claims.MIN_RECORD_POINTS comparable years
THREE_FALLS = series({2020: 1450, 2021: 1500, 2022: 1400, 2023: 1314, 2024: 1234})


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "Registered unemployment fell for the third year running, to 1,234 people (−6.1%). "
            "This is the lowest value in the whole series (since 2020).",
        ),
        (
            "pl",
            f"Liczba bezrobotnych zarejestrowanych spadła trzeci rok z rzędu, do 1{NBSP}234 osób (−6,1%). "
            "To najniższa wartość w całej serii (od 2020 r.).",
        ),
        (
            "de",
            f"Die Zahl der registrierten Arbeitslosen sank im dritten Jahr in Folge auf 1.234 Personen "
            f"(−6,1{NBSP}%). Das ist der niedrigste Wert der gesamten Reihe (seit 2020).",
        ),
    ],
)
def test_trend_third_year_running_and_record(lang, expected):
    assert describe_trend(THREE_FALLS, UNEMPLOYMENT, lang, "persons") == expected
    # four points (2021–2024) are not enough to call the lowest of them a record of the series
    four = describe_trend(THREE_FALLS.drop(2020), UNEMPLOYMENT, lang, "persons")
    assert four == expected.split(". ")[0] + "."


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Live births rose in 2024, to 99 births (+10.0%). This is a favourable change."),
        ("pl", "Liczba urodzeń żywych wzrosła w 2024 r., do 99 urodzeń (+10,0%). To zmiana korzystna."),
        (
            "de",
            f"Die Zahl der Lebendgeburten stieg 2024 auf 99 Geburten (+10,0{NBSP}%). "
            "Das ist eine günstige Entwicklung.",
        ),
    ],
)
def test_trend_single_rise_with_judgement(lang, expected):
    s = series({2022: 100, 2023: 90, 2024: 99})
    assert describe_trend(s, BIRTHS, lang, "births", higher_is_better=True) == expected


def test_trend_unfavourable_change():
    s = series({2023: 90, 2024: 99})
    assert describe_trend(s, UNEMPLOYMENT, "en", "persons", higher_is_better=False) == (
        "Registered unemployment rose in 2024, to 99 people (+10.0%). This is an unfavourable change."
    )


@pytest.mark.parametrize(
    ("higher_is_better", "judgement"), [(False, "an unfavourable change"), (True, "a favourable change")]
)
def test_trend_record_with_judgement_takes_the_right_article(higher_is_better, judgement):
    # "an" before a vowel: the judgement after a record once said "a unfavourable change"
    s = series({2020: 1250, 2021: 1234, 2022: 1314, 2023: 1400, 2024: 1500})
    assert describe_trend(s, UNEMPLOYMENT, "en", "persons", higher_is_better=higher_is_better) == (
        "Registered unemployment rose for the third year running, to 1,500 people (+7.1%). "
        f"This is the highest value in the whole series (since 2020), {judgement}."
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Registered unemployment was unchanged from 2023 (5 people)."),
        ("pl", "Liczba bezrobotnych zarejestrowanych nie zmieniła się w porównaniu z 2023 r. (5 osób)."),
        ("de", "Die Zahl der registrierten Arbeitslosen blieb gegenüber 2023 unverändert (5 Personen)."),
    ],
)
def test_trend_zero_change(lang, expected):
    assert describe_trend(series({2023: 5, 2024: 5}), UNEMPLOYMENT, lang, "persons") == expected


def test_trend_unchanged_for_second_year():
    s = series({2022: 10, 2023: 10, 2024: 10})
    assert describe_trend(s, UNEMPLOYMENT, "pl", "persons") == (
        "Liczba bezrobotnych zarejestrowanych nie zmieniła się drugi rok z rzędu (10 osób)."
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Registered unemployment: no data for 2024; the latest available value (2023): 2 people."),
        (
            "pl",
            "Liczba bezrobotnych zarejestrowanych: brak danych za 2024 r.; ostatnia dostępna wartość "
            "(2023 r.): 2 osoby.",
        ),
        (
            "de",
            "Die Zahl der registrierten Arbeitslosen: keine Daten für 2024; letzter verfügbarer Wert "
            "(2023): 2 Personen.",
        ),
    ],
)
def test_trend_missing_current_year(lang, expected):
    s = series({2022: 3, 2023: 2, 2024: float("nan")})
    assert describe_trend(s, UNEMPLOYMENT, lang, "persons", year=2024) == expected
    assert describe_trend(series({2022: 3, 2023: 2}), UNEMPLOYMENT, lang, "persons", year=2024) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Registered unemployment: 1 person in 2024; there are no earlier data to compare with."),
        ("pl", "Liczba bezrobotnych zarejestrowanych: 1 osoba w 2024 r.; brak wcześniejszych danych do porównania."),
        ("de", "Die Zahl der registrierten Arbeitslosen: 1 Person im Jahr 2024; keine früheren Daten zum Vergleich."),
    ],
)
def test_trend_single_point(lang, expected):
    assert describe_trend(series({2024: 1}), UNEMPLOYMENT, lang, "persons") == expected


def test_trend_nullable_integer_series():
    s = pd.Series([1314, 1234, None], index=[2022, 2023, 2024], dtype="Int64")
    assert describe_trend(s, UNEMPLOYMENT, "en", "persons", year=2024) == (
        "Registered unemployment: no data for 2024; the latest available value (2023): 1,234 people."
    )


def test_trend_empty_series():
    assert describe_trend(series({2023: float("nan")}), UNEMPLOYMENT, "de", "persons") == (
        "Die Zahl der registrierten Arbeitslosen: keine Daten."
    )


@pytest.mark.parametrize(
    ("new", "to"),
    [
        (1, "do 1 osoby (−90,0%)"),
        (2, "do 2 osób (−80,0%)"),
        (5, "do 5 osób (−50,0%)"),
        (9.5, "do 9,5 osoby (−5,0%)"),
    ],
)
def test_polish_genitive_after_do(new, to):
    s = series({2023: 10, 2024: new})
    assert describe_trend(s, UNEMPLOYMENT, "pl", "persons") == (
        f"Liczba bezrobotnych zarejestrowanych spadła w 2024 r., {to}."
    )


@pytest.mark.parametrize(("new", "to"), [(22, "do 22 osób"), (1001, f"do 1{NBSP}001 osób"), (12, "do 12 osób")])
def test_polish_genitive_after_do_rise(new, to):
    s = series({2023: 1, 2024: new})
    assert describe_trend(s, UNEMPLOYMENT, "pl", "persons").startswith(
        f"Liczba bezrobotnych zarejestrowanych wzrosła w 2024 r., {to} (+"
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("pl", f"Przeciętne wynagrodzenie wzrosło w 2024 r., do 7{NBSP}136{NBSP}zł (+1,9%)."),
        ("en", f"Average gross pay rose in 2024, to PLN{NBSP}7,136 (+1.9%)."),
        ("de", f"Die Durchschnittslöhne stiegen 2024 auf 7.136{NBSP}PLN (+1,9{NBSP}%)."),
    ],
)
def test_trend_gender_and_currency(lang, expected):
    name = {"pl": "Przeciętne wynagrodzenie", "en": "Average gross pay", "de": "Die Durchschnittslöhne"}
    s = series({2023: 7000, 2024: 7136})
    assert describe_trend(s, name, lang, "PLN", gender={"pl": "n", "de": "pl"}) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Registered unemployment fell for the first time in 4 years, to 11 people (−8.3%)."),
        ("pl", "Liczba bezrobotnych zarejestrowanych spadła po raz pierwszy od 4 lat, do 11 osób (−8,3%)."),
        (
            "de",
            f"Die Zahl der registrierten Arbeitslosen sank zum ersten Mal seit 4 Jahren auf 11 Personen (−8,3{NBSP}%).",
        ),
    ],
)
def test_trend_first_time_in_years(lang, expected):
    s = series({2019: 10, 2020: 9, 2021: 10, 2022: 11, 2023: 12, 2024: 11})
    assert describe_trend(s, UNEMPLOYMENT, lang, "persons") == expected


def test_trend_gap_between_years_and_small_change():
    assert describe_trend(series({2018: 5, 2022: 7}), UNEMPLOYMENT, "en", "persons") == (
        "Registered unemployment rose between 2018 and 2022, to 7 people (+40.0%)."
    )
    assert describe_trend(series({2023: 10000, 2024: 10003}), UNEMPLOYMENT, "en", "persons") == (
        "Registered unemployment rose in 2024, to 10,003 people (+0.03%)."
    )


def test_trend_highest_since_year():
    s = series({2017: 120, 2018: 110, 2019: 100, 2020: 90, 2021: 95, 2022: 105, 2023: 108, 2024: 115})
    facts = trend_facts(s)
    assert (facts.direction, facts.streak, facts.record, facts.record_since) == ("rise", 4, "high", 2017)
    assert describe_trend(s, BIRTHS, "pl", "births") == (
        "Liczba urodzeń żywych wzrosła czwarty rok z rzędu, do 115 urodzeń (+6,5%). To najwyższa wartość od 2017 r."
    )


@pytest.mark.parametrize(
    ("n", "en", "pl", "de"),
    [
        (2, "for the second year running", "drugi rok z rzędu", "im zweiten Jahr in Folge"),
        (3, "for the third year running", "trzeci rok z rzędu", "im dritten Jahr in Folge"),
        (7, "for the seventh year running", "siódmy rok z rzędu", "im siebten Jahr in Folge"),
        (11, "for the 11th year running", "11. rok z rzędu", "im 11. Jahr in Folge"),
        (12, "for the 12th year running", "12. rok z rzędu", "im 12. Jahr in Folge"),
        (21, "for the 21st year running", "21. rok z rzędu", "im 21. Jahr in Folge"),
    ],
)
def test_running_ordinals(n, en, pl, de):
    assert running_phrase(n, "en") == en
    assert running_phrase(n, "pl") == pl
    assert running_phrase(n, "de") == de


# ------------------------------------------------------------------------------------- key figures


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("pl", f"W 2024 r. wskaźnik „Ludność ogółem” wyniósł 62{NBSP}817 osób, o 1,1% mniej niż przed rokiem."),
        ("en", "In 2024, “Total population” stood at 62,817 people, 1.1% lower than a year earlier."),
        (
            "de",
            f"Im Jahr 2024 betrug der Wert für „Gesamtbevölkerung“ 62.817 Personen, 1,1{NBSP}% weniger als im Vorjahr.",
        ),
    ],
)
def test_key_figure_sentence(lang, expected):
    name = {"pl": "Ludność ogółem", "en": "Total population", "de": "Gesamtbevölkerung"}[lang]
    assert key_figure_sentence(name, 62817, 2024, lang, unit="persons", previous=63500) == expected


def test_key_figure_sentence_edge_cases():
    assert key_figure_sentence("Zgony", None, 2024, "pl") == "Brak danych za 2024 r. dla wskaźnika „Zgony”."
    assert key_figure_sentence("Zgony", 1, 2024, "pl", unit="deaths") == "W 2024 r. wskaźnik „Zgony”: 1 zgon."
    assert key_figure_sentence("Deaths", 800, 2024, "en", unit="deaths", previous=800) == (
        "In 2024, “Deaths” stood at 800 deaths, unchanged from a year earlier."
    )
    assert key_figure_sentence("Sterbefälle", 820, 2024, "de", unit="deaths", previous=800) == (
        f"Im Jahr 2024 betrug der Wert für „Sterbefälle“ 820 Sterbefälle, 2,5{NBSP}% mehr als im Vorjahr."
    )


# ---------------------------------------------------------------------------------------------- peers

CITY = "Siemianowice Śląskie"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", f"The value for {CITY} (5.1) is the lowest of the 3 cities compared, the best result."),
        ("pl", f"Wartość dla miasta {CITY} (5,1) jest najniższa spośród 3 porównywanych miast – to najlepszy wynik."),
        ("de", f"Der Wert für {CITY} (5,1) ist der niedrigste unter den 3 verglichenen Städten – das beste Ergebnis."),
    ],
)
def test_compare_lowest_of_peers(lang, expected):
    peers = {"Katowice": 6.0, "Bytom": 9.9, "Chorzów": None}
    assert compare_to_peers(5.1, peers, lang, city_name=CITY, higher_is_better=False) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", f"The value for {CITY} (8) is the second highest of the 9 cities compared."),
        ("pl", f"Wartość dla miasta {CITY} (8) jest druga najwyższa spośród 9 porównywanych miast."),
        ("de", f"Der Wert für {CITY} (8) ist der zweithöchste unter den 9 verglichenen Städten."),
    ],
)
def test_compare_second_of_nine(lang, expected):
    peers = {f"Peer {i}": float(v) for i, v in enumerate([9, 7, 6, 5, 4, 3, 2, 1])}
    assert compare_to_peers(8, peers, lang, city_name=CITY) == expected


def test_compare_ties_long_ranks_and_no_data():
    assert compare_to_peers(5, {"A": 5, "B": 3}, "en", city_name=CITY) == (
        f"The value for {CITY} (5) is the highest of the 3 cities compared (tied)."
    )
    peers = {f"C{i}": float(i) for i in range(25) if i != 12}
    assert compare_to_peers(12, peers, "en", city_name=CITY) == (
        f"The value for {CITY} (12) ranks 13th highest of the 25 cities compared."
    )
    assert compare_to_peers(3, {"A": None}, "pl", city_name=CITY) == (
        f"Brak danych do porównania miasta {CITY} z innymi miastami."
    )
    assert compare_to_peers(2, {"A": 2, "B": 2}, "de", city_name=CITY) == (
        f"Alle 3 verglichenen Städte haben denselben Wert wie {CITY} (2)."
    )


# ---------------------------------------------------------------------------------------- statuses


def test_status_sentences():
    kw = {"value": 5.2, "year": 2024, "target": 4.0, "target_year": 2030, "unit": "%"}
    assert status_sentence("On track", "Unemployment rate", "en", **kw) == (
        "The indicator “Unemployment rate” is on track to reach its target (2024: 5.2%; target for 2030: 4.0%)."
    )
    assert status_sentence("at-risk", "Stopa bezrobocia", "pl", **kw) == (
        "Realizacja wskaźnika „Stopa bezrobocia” jest zagrożona (2024 r.: 5,2%; cel na 2030 r.: 4,0%)."
    )
    assert status_sentence("off_track", "Arbeitslosenquote", "de", **kw) == (
        f"Der Indikator „Arbeitslosenquote“ liegt nicht im Plan (2024: 5,2{NBSP}%; Ziel für 2030: 4,0{NBSP}%)."
    )
    assert status_sentence("no_data", "Stopa bezrobocia", "pl") == (
        "Brak wystarczających danych do oceny wskaźnika „Stopa bezrobocia”."
    )
    assert normalize_status("insufficient data") == "no_data"
    with pytest.raises(ValueError, match="unknown strategy status 'green': expected one of on_track"):
        status_sentence("green", "X", "en")


# ----------------------------------------------------------------------------------- category story


def population_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [
                {"pl": "Ludność ogółem", "en": "Total population", "de": "Gesamtbevölkerung"},
                {"pl": "Urodzenia żywe", "en": "Live births", "de": "Lebendgeburten"},
                {"pl": "Bezrobotni zarejestrowani", "en": "Registered unemployed", "de": "Registrierte Arbeitslose"},
                {"pl": "Zgony", "en": "Deaths", "de": "Sterbefälle"},
            ],
            "value": [62817, 512, 1234, float("nan")],
            "previous": [63500, 491, 1314, 800],
            "baseline": [68000, 600, 2500, 820],
            "unit": ["persons", "births", "persons", "deaths"],
            "higher_is_better": [None, True, False, False],
        }
    )


CATEGORY = {"pl": "Ludność", "en": "Population", "de": "Bevölkerung"}
STORIES = {
    "pl": [
        "Kategoria „Ludność” obejmuje 4 wskaźniki; dane za 2024 r. są dostępne dla 3 z nich.",
        "Największy wzrost w porównaniu z 2023 r. dotyczy wskaźnika „Urodzenia żywe” (+4,3%, do 512 urodzeń).",
        f"Największy spadek w porównaniu z 2023 r. dotyczy wskaźnika „Bezrobotni zarejestrowani” "
        f"(−6,1%, do 1{NBSP}234 osób).",
        "Spośród 2 wskaźników o określonym kierunku zmian poprawa w porównaniu z 2023 r. nastąpiła w 2, "
        "a pogorszenie w 0.",
        "W porównaniu z 2015 r. najbardziej zmienił się wskaźnik „Bezrobotni zarejestrowani” (−50,6%).",
        "Brak danych za 2024 r.: „Zgony”.",
    ],
    "en": [
        "The “Population” category has 4 indicators; data for 2024 are available for 3 of them.",
        "The largest increase compared with 2023 was in “Live births” (+4.3%, to 512 births).",
        "The largest decrease compared with 2023 was in “Registered unemployed” (−6.1%, to 1,234 people).",
        "Of the 2 indicators for which a higher or a lower value is better, 2 improved and 0 worsened compared "
        "with 2023.",
        "Compared with 2015, “Registered unemployed” changed the most (−50.6%).",
        "No data for 2024: “Deaths”.",
    ],
    "de": [
        "Die Kategorie „Bevölkerung“ umfasst 4 Indikatoren; für 3 davon liegen Daten für 2024 vor.",
        f"Den stärksten Anstieg gegenüber 2023 verzeichnete der Indikator „Lebendgeburten“ (+4,3{NBSP}%, auf 512 Geburten).",
        f"Den stärksten Rückgang gegenüber 2023 verzeichnete der Indikator „Registrierte Arbeitslose“ "
        f"(−6,1{NBSP}%, auf 1.234 Personen).",
        "Von 2 Indikatoren mit einer Zielrichtung haben sich gegenüber 2023 2 verbessert und 0 verschlechtert.",
        f"Gegenüber 2015 veränderte sich der Indikator „Registrierte Arbeitslose“ am stärksten (−50,6{NBSP}%).",
        "Keine Daten für 2024: „Sterbefälle“.",
    ],
}


@pytest.mark.parametrize("lang", ["pl", "en", "de"])
def test_category_story(lang):
    story = category_story(population_frame(), lang, 2024, category_name=CATEGORY[lang], baseline_year=2015)
    assert story == STORIES[lang]


def test_category_story_limits_and_errors():
    frame = population_frame()
    assert len(category_story(frame, "en", 2024, baseline_year=2015, max_sentences=3)) == 3
    many_missing = pd.DataFrame({"name": list("ABCDEFG"), "value": [float("nan")] * 7})
    assert category_story(many_missing, "pl", 2024) == [
        "Ta kategoria obejmuje 7 wskaźników; dane za 2024 r. nie są dostępne dla żadnego z nich.",
        "Brak danych za 2024 r.: „A”, „B”, „C”, „D”, „E” i jeszcze 2.",
    ]
    assert category_story(pd.DataFrame({"name": [], "value": []}), "en", 2024) == [
        "This category has no indicators with data for 2024 yet."
    ]
    with pytest.raises(ValueError, match="needs the column\\(s\\) value"):
        category_story(pd.DataFrame({"name": ["A"], "val": [1]}), "en", 2024)


def test_import_is_light():
    code = "import sys, citybank.narrative; print('matplotlib' in sys.modules, 'pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


# ----------------------------------------------------------------- breaks in the series, years without data

CENSUS = {
    "pl": "od 2021 r. GUS opiera liczbę ludności na wynikach spisu 2021",
    "en": "from 2021 GUS bases population figures on the 2021 census",
    "de": "ab 2021 stützt der GUS die Bevölkerungszahlen auf die Volkszählung 2021",
}
POPULATION = {"pl": "Liczba ludności", "en": "The population", "de": "Die Bevölkerungszahl"}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "en",
            "The population: 63,162 people in 2021. It cannot be compared with 2020 (64,866 people): the series "
            "breaks in 2021 — from 2021 GUS bases population figures on the 2021 census.",
        ),
        (
            "pl",
            f"Liczba ludności: 63{NBSP}162 osoby w 2021 r. Wartości nie można porównać z 2020 r. (64{NBSP}866 osób): "
            "w 2021 r. nastąpiło zerwanie szeregu – od 2021 r. GUS opiera liczbę ludności na wynikach spisu 2021.",
        ),
        (
            "de",
            "Die Bevölkerungszahl: 63.162 Personen im Jahr 2021. Der Wert ist mit 2020 (64.866 Personen) nicht "
            "vergleichbar: Die Zeitreihe hat 2021 einen Bruch – ab 2021 stützt der GUS die Bevölkerungszahlen auf "
            "die Volkszählung 2021.",
        ),
    ],
)
def test_a_change_across_a_break_is_not_reported_as_a_change(lang, expected):
    s = series({2019: 64630, 2020: 64866, 2021: 63162})
    assert describe_trend(s, POPULATION, lang, "persons", breaks={2021: CENSUS[lang]}) == expected


def test_streaks_and_records_do_not_count_across_a_break():
    # falls every year 2016–2024, but the series breaks in 2021: from 2022 on, three falls after the break
    s = series({y: 70000 - 1000 * (y - 2015) for y in range(2015, 2025)})
    facts = trend_facts(s, breaks=[2021])
    # four points since the break (2021–2024): no record of "the whole series" (citybank.claims.MIN_RECORD_POINTS)
    assert (facts.streak, facts.record, facts.crosses_break) == (3, None, None)
    assert describe_trend(s, POPULATION, "en", "persons", breaks={2021: CENSUS["en"]}) == (
        "The population fell for the third year running, to 61,000 people (−1.6%)."
    )
    assert trend_facts(s, breaks=[2020]).record == "low"  # five points since a 2020 break: 2020–2024
    assert trend_facts(s).streak == 9  # without the break: every year since 2016


def test_no_year_is_counted_without_data():
    # ISO 5.1 in the sample: 2018 missing, 2021 quarantined; 2024 rises after falls
    s = series({2015: 9.0, 2016: 8.0, 2017: 7.5, 2019: 7.0, 2020: 8.5, 2022: 6.0, 2023: 5.5, 2024: 6.5})
    facts = trend_facts(s)
    assert facts.first_since is None  # the last rise was 2020, but 2021 has no value: it may have risen then
    text = describe_trend(s, {"en": "The unemployment rate"}, "en", "%")
    assert "first time" not in text and "since" not in text
    # with every year present the count is made
    full = series({2019: 7.0, 2020: 8.5, 2021: 8.0, 2022: 6.0, 2023: 5.5, 2024: 6.5})
    assert trend_facts(full).first_since == 2020
    # "lowest since": only over years that all have a value
    low = series({2018: 5.0, 2019: 6.0, 2020: 7.0, 2022: 6.5, 2023: 6.0, 2024: 5.5})
    assert (trend_facts(low).record, trend_facts(low).record_since) == (None, None)
    low_full = series({2018: 5.0, 2019: 6.0, 2020: 7.0, 2021: 7.0, 2022: 6.5, 2023: 6.0, 2024: 5.5})
    assert (trend_facts(low_full).record, trend_facts(low_full).record_since) == ("low", 2018)


# ------------------------------------------------------- rates in points, small counts in absolute terms


def test_the_variable_kind_decides_how_a_change_is_said():
    from citybank.params import change_kind

    small = {"count": 20}
    assert change_kind("rate", "%") == change_kind("share", "%") == change_kind("mean", "%") == "points"
    assert change_kind("count", "persons", [2, 3], small) == "absolute"  # a handful of events
    assert change_kind("count", "persons", [826, 798], small) == "percent"
    assert change_kind("amount", "PLN", [1.0, 3.0], small) == "percent"  # no threshold stated for amounts


@pytest.mark.parametrize(
    ("lang", "how", "expected"),
    [
        ("en", "points", "+1.6\u00a0pp"),
        ("pl", "points", "+1,6\u00a0p.p."),
        ("de", "points", "+1,6\u00a0Pp."),
        ("en", "percent", "+26.7%"),
        ("pl", "absolute", "+1,6"),
    ],
)
def test_inflation_from_6_0_to_7_6_is_1_6_points_not_26_7_percent(lang, how, expected):
    from citybank.narrative import fmt_change_by

    assert fmt_change_by(7.6, 6.0, lang, how) == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Turnout fell in 2024, to 45.1% (−1.1\u00a0pp)."),
        ("pl", "Frekwencja spadła w 2024 r., do 45,1% (−1,1\u00a0p.p.)."),
        ("de", "Die Wahlbeteiligung sank 2024 auf 45,1\u00a0% (−1,1\u00a0Pp.)."),
    ],
)
def test_a_rate_changes_in_percentage_points(lang, expected):
    s = series({2023: 46.2, 2024: 45.1})
    name = {"en": "Turnout", "pl": "Frekwencja", "de": "Die Wahlbeteiligung"}
    assert describe_trend(s, name, lang, "%", how="points") == expected


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Deaths of children under 5 rose in 2024, from 1 person to 3 people."),
        ("pl", "Liczba zgonów dzieci do 5. roku życia wzrosła w 2024 r.: z 1 osoby do 3 osób."),
        ("de", "Die Zahl der Sterbefälle von Kindern unter 5 Jahren stieg 2024 von 1 Person auf 3 Personen."),
    ],
)
def test_small_counts_change_in_absolute_terms_with_no_streak_or_record(lang, expected):
    # five rises in a row and the highest value ever: no claim on 1 → 3 events
    s = series({2019: 0, 2020: 0, 2021: 1, 2022: 1, 2023: 1, 2024: 3})
    name = {
        "en": "Deaths of children under 5",
        "pl": "Liczba zgonów dzieci do 5. roku życia",
        "de": "Die Zahl der Sterbefälle von Kindern unter 5 Jahren",
    }
    text = describe_trend(s, name, lang, "persons", higher_is_better=False, how="absolute")
    assert text == expected


def test_small_counts_are_never_ranked_as_the_biggest_change():
    frame = pd.DataFrame(
        [
            {"name": "Suicides", "value": 3, "previous": 1, "unit": "persons", "how": "absolute"},
            {"name": "Physicians", "value": 238, "previous": 227, "unit": "persons", "how": "percent"},
            {"name": "Vacancy rate", "value": 7.6, "previous": 6.0, "unit": "%", "how": "points"},
        ]
    )
    story = " ".join(category_story(frame, "en", 2024))
    assert "The largest increase compared with 2023 was in “Physicians” (+4.8%, to 238 people)." in story
    assert "Suicides" not in story and "Vacancy" not in story and "200" not in story
