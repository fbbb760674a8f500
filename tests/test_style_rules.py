"""The page style rules (tests/style_rules.py) on hand-made text: each rule catches its defect, and clean text
in each language passes."""

from __future__ import annotations

import pytest
from style_rules import page_problems

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "pl",
            f"Liczba bezrobotnych spadła do 826 osób (−6,1%). Stopa: 2,32% (+0,5 p.p.). Źródło: GUS; 7{NBSP}136 zł.",
        ),
        ("en", "Registered unemployment fell to 826 people (−6.1%). Rate: 2.32% (+0.5 pp). Source: GUS; PLN 7,136."),
        ("de", f"Die Zahl sank auf 826 Personen (−6,1{NBSP}%). Quote: 2,32{NBSP}% (+0,5 Pp.). Quelle: GUS; 7.136 PLN."),
    ],
)
def test_clean_text_passes(lang, text):
    assert page_problems(text, lang) == []


def test_each_rule_catches_its_defect():
    assert page_problems("Wskaźnik: 5,83 per 1,000 residents.", "pl") == [
        "a word of another language: 'residents'",
        "a word of another language: 'per 1,000'",
    ]
    assert page_problems("Source: PUP (bezrobotni zarejestrowani).", "en") == [
        "a word of another language: 'bezrobotni'",
        "a word of another language: 'zarejestrowani'",
    ]
    assert page_problems("Problems: allowed_values: 1, missing_year: 1", "en") == [
        "raw codes: allowed_values, missing_year"
    ]
    assert page_problems("see um-ewidencja/zameldowani_2023.csv row 4", "en")[-1] == (
        "internal file paths: um-ewidencja/zameldowani_2023.csv"
    )
    assert page_problems("see um-ewidencja/zameldowani_2023.csv", "en", paths_allowed=True) == [
        "raw codes: zameldowani_2023"
    ]
    [german] = page_problems("Anteil: 2,32%", "de")
    assert german.startswith("percent without the space German writes:") and german.endswith("2,32%'")
    [polish] = page_problems("Udział: 2,32 % i +5,3%", "pl")
    assert polish.startswith("percent with a space (pl writes 12,5% / 12.5%):") and polish.endswith("2,32 %'")
    [minus] = page_problems("change: -5.3", "en")
    assert minus.startswith("a hyphen where the minus sign (−) belongs:") and "-5.3" in minus
    assert page_problems("per 100 000 and per 100,000", "en") == [
        "a number grouped with a space on an English page: '100 000'"
    ]


def test_rules_of_issue_24_catch_their_class():
    assert page_problems("Pożary wzrosły do 448 liczba (+21,4%).", "pl") == ["a unit word after a count: '448 liczba'"]
    assert page_problems("Fires rose to 448 number (+21.4%).", "en") == ["a unit word after a count: '448 number'"]
    assert page_problems("Brände stiegen auf 448 Anzahl.", "de") == ["a unit word after a count: '448 Anzahl'"]
    assert page_problems("5.8 Anzahl der neuen Unternehmen je 100 000 Einwohner", "de") == []  # an ISO clause
    assert page_problems(f"do 0,00{NBSP}t na mieszkańca", "pl") == [
        "a value rounded away to zero with its unit: '0,00\\xa0t'"
    ]
    assert page_problems(f"to 1.70{NBSP}kg per person, 10.00 t in all", "en") == []
    assert page_problems("2 godzin pracy", "pl") == ["a Polish numeral with the wrong form: '2 godzin'"]
    assert page_problems("1,5 etatów", "pl") == ["a Polish numeral with the wrong form: '1,5 etatów'"]
    assert page_problems("2 godziny, 5 godzin, 12 godzin, 1,5 godziny, do 2 wierszy, 22 godziny", "pl") == []
    assert page_problems("w ciągu ostatnich 2 lat, dla 3 osób", "pl") == []
