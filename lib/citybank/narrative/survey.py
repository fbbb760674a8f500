"""The residents' survey pages' sentences: method, ranges, districts, modes, weighting, the EU comparison and
the coded open answers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..i18n import check_lang, t
from .formats import fmt_date, fmt_number, fmt_percent, fmt_points, join_list, quote

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


KAPPA_BANDS = ((0.0, "poor"), (0.2, "slight"), (0.4, "fair"), (0.6, "moderate"), (0.8, "substantial"))
"""Landis & Koch (1977): the upper bound of each band of Cohen's kappa; above 0.8 "almost perfect"."""


def kappa_words(kappa: float, lang: str) -> str:
    """Cohen's kappa in words on the scale of Landis & Koch (1977).

    >>> kappa_words(0.87, "en"), kappa_words(0.61, "pl"), kappa_words(-0.1, "de")
    ('almost perfect agreement', 'zgodność znaczna', 'keine Übereinstimmung über den Zufall hinaus')
    """
    band = next((name for upper, name in KAPPA_BANDS if kappa <= upper), "almost_perfect")
    return t(f"survey.kappa.{band}", lang)


def survey_coding_sentence(question: str, answered: int, version: str, lang: str) -> str:
    """What the open question was, how many answered and how the answers were coded."""
    q, n = quote(question, lang), fmt_number(answered, lang, 0)
    return {
        "pl": f"Pytanie otwarte {q} — liczba odpowiedzi: {n}. Odpowiedzi przypisano do tematów według klucza "
        f"kodowego w wersji {version} (reguły na tekście polskim; poprawki koderów mają pierwszeństwo). Jedna "
        "odpowiedź może poruszać kilka tematów, więc odsetki nie sumują się do 100%; są ważone jak pozostałe wyniki, "
        "każdy z 95% przedziałem ufności.",
        "en": f"{n} respondents answered the open question {q}. The answers were assigned to topics by the codebook, "
        f"version {version} (rules on the Polish text; the coders' corrections take precedence). One answer may raise "
        "several topics, so the shares do not add up to 100%; they are weighted like the other results, each with "
        "its 95% confidence interval.",
        "de": f"{n} Befragte beantworteten die offene Frage {q}. Die Antworten wurden nach dem Kodierschema in der "
        f"Version {version} Themen zugeordnet (Regeln auf dem polnischen Text; Korrekturen der Kodierer haben "
        "Vorrang). Eine Antwort kann mehrere Themen ansprechen, daher ergeben die Anteile zusammen nicht 100 %; sie "
        "sind gewichtet wie die übrigen Ergebnisse, jeweils mit 95-%-Konfidenzintervall.",
    }[check_lang(lang)]


def survey_agreement_sentence(
    kappa_coders: float | None, n_double: int, kappa_rules: Sequence[float], lang: str
) -> str:
    """How far two coders agreed on a double-coded subsample, and the rules with them (Cohen's kappa in words)."""
    if kappa_coders is None:
        return t("survey.coding.no_agreement", lang)
    k, n = fmt_number(kappa_coders, lang, 2), fmt_number(n_double, lang, 0)
    words = kappa_words(kappa_coders, lang)
    head = {
        "pl": f"Dwóch koderów zakodowało niezależnie {n} odpowiedzi: kappa Cohena między nimi wynosi {k} ({words} "
        "w skali Landisa i Kocha).",
        "en": f"Two coders coded {n} answers independently: Cohen's kappa between them is {k} ({words} on the scale "
        "of Landis and Koch).",
        "de": f"Zwei Kodierer kodierten {n} Antworten unabhängig voneinander: Cohens Kappa zwischen ihnen beträgt {k} "
        f"({words} auf der Skala von Landis und Koch).",
    }[check_lang(lang)]
    if not kappa_rules:
        return head
    bands = {kappa_words(x, lang) for x in kappa_rules}
    if len(bands) == 1:
        values = join_list([fmt_number(x, lang, 2) for x in kappa_rules], lang) + f" ({bands.pop()})"
    else:
        values = join_list([f"{fmt_number(x, lang, 2)} ({kappa_words(x, lang)})" for x in kappa_rules], lang)
    tail = {
        "pl": f" Same reguły, przed poprawkami, w porównaniu z każdym z koderów: kappa {values}.",
        "en": f" The rules alone, before corrections, against each coder: kappa {values}.",
        "de": f" Die Regeln allein, vor den Korrekturen, im Vergleich mit jedem Kodierer: Kappa {values}.",
    }[lang]
    return head + tail
