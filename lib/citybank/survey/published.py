"""What of the survey may leave the workbench, and how its published columns are described — a light module (no
survey library imported) for the publish stage and the pages."""

from __future__ import annotations

FIELD_TEXT: dict[str, tuple[str, str]] = {
    "question": ("Identyfikator pytania (params/survey.yml)", "Question id (params/survey.yml)"),
    "theme": ("Temat (rozdział raportu)", "Theme (chapter of the report)"),
    "item": ("Treść pytania", "Question wording (Polish)"),
    "scheme": (
        "Schemat ważenia: unweighted, age_sex, full (dzielnica × płeć × wiek)",
        "Weighting scheme: unweighted, age_sex, full (district × sex × age)",
    ),
    "domain_type": ("Przekrój: city, district, mode (CATI/CAWI)", "Breakdown: city, district, mode (CATI/CAWI)"),
    "domain": ("Miasto, kod dzielnicy (TERC-nn) lub tryb badania", "City, district code (TERC-nn) or survey mode"),
    "est": (
        "Odsetek zadowolonych / zgadzających się (top-2-box, bez „trudno powiedzieć”), %",
        "Share satisfied / agreeing (top-2-box, don't know excluded), %",
    ),
    "se": (
        "Błąd standardowy (linearyzacja Taylora), pkt proc.",
        "Standard error (Taylor linearisation), percentage points",
    ),
    "lci": ("Dolna granica 95% przedziału ufności, %", "Lower bound of the 95% confidence interval, %"),
    "uci": ("Górna granica 95% przedziału ufności, %", "Upper bound of the 95% confidence interval, %"),
    "deff": ("Efekt schematu (design effect)", "Design effect"),
    "n": (
        "Liczba respondentów (nieważona); puste, gdy komórka utajniona",
        "Unweighted number of respondents; empty when the cell is suppressed",
    ),
    "flag": (
        "Wiarygodność: ok, caution (CV > 16,6%), unreliable (CV > 33,3% lub n < 30), empty, suppressed",
        "Reliability: ok, caution (CV > 16.6%), unreliable (CV > 33.3% or n < 30), empty, suppressed",
    ),
    "suppressed": (
        "Komórka utajniona (mniej niż 10 respondentów lub ochrona innej komórki)",
        "Cell suppressed (fewer than 10 respondents, or protecting another cell)",
    ),
    "significant": (
        "Różnica względem reszty miasta (dzielnica) lub drugiego trybu istotna przy p < 0,05",
        "Difference from the rest of the city (district) or the other mode significant at p < 0.05",
    ),
    "synthetic": (
        "Dane syntetyczne (przykładowe badanie), nie są odpowiedziami mieszkańców",
        "Synthetic data (sample survey), not residents' answers",
    ),
    "code": (
        "Kod odpowiedzi otwartej (params/survey_coding.yml)",
        "Code of the open answers (params/survey_coding.yml)",
    ),
    "codebook_version": (
        "Wersja klucza kodowego (params/survey_coding.yml)",
        "Codebook version (params/survey_coding.yml)",
    ),
    "pair": (
        "Kto z kim: dwaj koderzy albo reguły i koder (przed poprawkami ręcznymi)",
        "Who against whom: the two coders, or the rules (before human overrides) against a coder",
    ),
    "measure": (
        "kappa_code: kappa Cohena jednego kodu; kappa_pooled: wszystkie kody w jednej tabeli 2×2; exact: "
        "odsetek odpowiedzi z identycznym zestawem kodów",
        "kappa_code: Cohen's kappa of one code; kappa_pooled: every code in one 2×2 table; exact: share of "
        "answers given the very same set of codes",
    ),
    "agreement": (
        "Zgodność obserwowana p_o (odsetek zgodnych decyzji)",
        "Observed agreement p_o (share of decisions agreed)",
    ),
    "expected": ("Zgodność oczekiwana przy przypadkowym kodowaniu p_e", "Agreement expected by chance p_e"),
    "kappa": (
        "Kappa Cohena (p_o − p_e) / (1 − p_e); puste, gdy nieokreślona",
        "Cohen's kappa (p_o − p_e) / (1 − p_e); empty when undefined",
    ),
    "rank": (
        "Kolejność cytatu w obrębie kodu (najdłuższe najpierw)",
        "Order of the quote within its code (longest first)",
    ),
    "quote": (
        "Cytat z odpowiedzi otwartej, bez danych osobowych (telefony, e-maile, PESEL, adresy, nazwiska zastąpione)",
        "Quote from an open answer, personal data replaced (phone numbers, e-mails, PESEL, addresses, names)",
    ),
    "district": (
        "Dzielnica autora — tylko gdy co najmniej 10 respondentów z niej dało odpowiedź z tym kodem",
        "The author's district — only when at least 10 of its respondents gave an answer with this code",
    ),
    "attribution": (
        "district albo city-wide (cytat przypisany całemu miastu)",
        "district, or city-wide (the quote is attributed to the whole city)",
    ),
    "redacted": (
        "Czy z cytatu usunięto dane osobowe albo go skrócono",
        "Whether personal data were removed from the quote or it was shortened",
    ),
}
"""PL and EN descriptions of the published columns (the data package's table schema); ``field_text`` gives a
table's own where one column means something else in it."""

TABLE_FIELD_TEXT: dict[str, dict[str, tuple[str, str]]] = {
    "survey_coded_shares": {
        "question": ("Identyfikator pytania otwartego (params/survey.yml)", "Open question id (params/survey.yml)"),
        "est": (
            "Odsetek odpowiadających, których odpowiedź ma ten kod (kody się nie wykluczają), %",
            "Share of those who answered whose answer has this code (codes are not exclusive), %",
        ),
        "n": (
            "Liczba respondentów, którzy odpowiedzieli na pytanie (nieważona); puste, gdy komórka utajniona",
            "Unweighted number of respondents who answered the question; empty when the cell is suppressed",
        ),
    },
    "survey_coding_agreement": {
        "question": ("Identyfikator pytania otwartego (params/survey.yml)", "Open question id (params/survey.yml)"),
        "code": (
            "Kod (przy kappa_code); puste dla miar łącznych",
            "The code (kappa_code); empty for the pooled measures",
        ),
        "n": ("Liczba odpowiedzi zakodowanych podwójnie", "Number of double-coded answers"),
    },
    "survey_quotes": {
        "question": ("Identyfikator pytania otwartego (params/survey.yml)", "Open question id (params/survey.yml)"),
    },
    "survey_numeric": {
        "question": ("Identyfikator pytania liczbowego (params/survey.yml)", "Numeric question id (params/survey.yml)"),
        "n": (
            "Liczba odpowiedzi (nieważona); puste, gdy utajnione",
            "Unweighted number of answers; empty when suppressed",
        ),
        "mean": ("Średnia ważona (w jednostce odpowiedzi)", "Weighted mean (in the answer's unit)"),
        "mean_se": (
            "Błąd standardowy średniej (linearyzacja Taylora)",
            "Standard error of the mean (Taylor linearisation)",
        ),
        "mean_lci": (
            "Dolna granica 95% przedziału ufności średniej",
            "Lower bound of the mean's 95% confidence interval",
        ),
        "mean_uci": (
            "Górna granica 95% przedziału ufności średniej",
            "Upper bound of the mean's 95% confidence interval",
        ),
        "median": ("Mediana ważona", "Weighted median"),
        "median_lci": (
            "Dolna granica 95% przedziału ufności mediany (Woodruff)",
            "Lower bound of the median's 95% confidence interval (Woodruff)",
        ),
        "median_uci": (
            "Górna granica 95% przedziału ufności mediany (Woodruff)",
            "Upper bound of the median's 95% confidence interval (Woodruff)",
        ),
        "suppressed": ("Utajnione: mniej niż 10 odpowiedzi", "Suppressed: fewer than 10 answers"),
    },
    "survey_eu_comparison": {
        "eu_item": (
            "Pytanie badania UE „Quality of life in European cities”, któremu odpowiada pytanie miasta",
            "The item of the EU survey 'Quality of life in European cities' the city's question matches",
        ),
        "city_est": (
            "Wynik miasta: odsetek (górne dwie odpowiedzi, bez „nie wiem”), %",
            "The city's share (top two answers, without don't know), %",
        ),
        "city_lci": (
            "Dolna granica 95-procentowego przedziału ufności wyniku miasta, %",
            "Lower bound of the city's 95% confidence interval, %",
        ),
        "city_uci": (
            "Górna granica 95-procentowego przedziału ufności wyniku miasta, %",
            "Upper bound of the city's 95% confidence interval, %",
        ),
        "all_cities": ("Średnia wszystkich miast badania UE, %", "Mean of all cities of the EU survey, %"),
        "benchmark_year": (
            "Rok fali badania UE, z której pochodzą wyniki innych miast",
            "Year of the EU survey wave the other cities' figures come from",
        ),
        "benchmark_verified": (
            "Czy wyniki innych miast sprawdzono w opublikowanych wynikach Komisji Europejskiej",
            "Whether the other cities' figures were checked against the European Commission's published results",
        ),
        "benchmark_source": (
            "Źródło wyników innych miast (publikacja, tabela, adres)",
            "Source of the other cities' figures (publication, table, address)",
        ),
    },
    "survey_weights": {
        "iterations": ("Liczba przebiegów kalibracji (raking)", "Number of raking sweeps"),
        "weight_min": ("Najmniejsza waga", "Smallest weight"),
        "weight_max": ("Największa waga", "Largest weight"),
        "weight_ratio": ("Iloraz największej i najmniejszej wagi", "Largest weight divided by the smallest"),
        "kish_deff": (
            "Efekt schematu Kisha z nierównych wag: 1 + CV² wag",
            "Kish design effect of unequal weights: 1 + CV² of the weights",
        ),
        "n_effective": ("Efektywna liczebność próby: n / deff", "Effective sample size: n / deff"),
        "max_margin_difference": (
            "Największa różnica między rozkładem ważonym a docelowym, punkty procentowe",
            "Largest difference between the weighted and the target distribution, percentage points",
        ),
        "n_CATI": ("Liczba wywiadów telefonicznych (CATI)", "Number of telephone interviews (CATI)"),
        "n_CAWI": ("Liczba ankiet internetowych (CAWI)", "Number of web questionnaires (CAWI)"),
    },
    "survey_margins": {
        "variable": (
            "Zmienna kalibracji (np. dzielnica, płeć, grupa wieku)",
            "Weighting variable (e.g. district, sex, age group)",
        ),
        "level": ("Kategoria zmiennej kalibracji", "Category of the weighting variable"),
        "target": (
            "Liczebność docelowa w populacji (z banku danych albo z params/survey.yml)",
            "Target count in the population (from the data bank or params/survey.yml)",
        ),
        "target_share": ("Udział docelowy, %", "Target share, %"),
        "achieved": ("Suma wag respondentów tej kategorii", "Sum of the weights of the category's respondents"),
        "achieved_share": ("Udział ważony osiągnięty, %", "Weighted share achieved, %"),
        "difference": (
            "Różnica udziału osiągniętego i docelowego, punkty procentowe",
            "Achieved minus target share, percentage points",
        ),
    },
}


def field_text(table: str, column: str) -> tuple[str, str]:
    """The PL and EN description of a published column of ``table`` (in the EU comparison, a column not named
    here is a benchmark city's share)."""
    found = TABLE_FIELD_TEXT.get(table, {}).get(column) or FIELD_TEXT.get(column)
    if found is None and table == "survey_eu_comparison":
        return (f"Wynik miasta {column} w badaniu UE, %", f"The share of {column} in the EU survey, %")
    return found or (column, column)


PUBLIC_TABLES = (
    "survey_shares",
    "survey_eu_comparison",
    "survey_weights",
    "survey_margins",
    "survey_numeric",
    "survey_coded_shares",
    "survey_coding_agreement",
    "survey_quotes",
)
"""The tables that may leave the workbench. Never published: the quarantine and the suppression log (they name
single respondents), the coded answers per respondent (microdata) and the margins' sources (a working table of the
weighting; the targets are in ``survey_margins``). The coded shares pass the same disclosure control as the others
(``tables.apply_suppression``); the quote bank is redacted and names a district only when its cell is large enough
(``coding.quote_bank``)."""

TITLES: dict[str, tuple[str, str]] = {
    "survey_shares": (
        "Badanie mieszkańców: odsetki z przedziałami ufności",
        "Residents' survey: shares with confidence intervals",
    ),
    "survey_eu_comparison": ("Badanie mieszkańców na tle miast UE", "Residents' survey beside European cities"),
    "survey_weights": ("Badanie mieszkańców: wagi", "Residents' survey: weights"),
    "survey_margins": (
        "Badanie mieszkańców: struktura populacji i próby po ważeniu",
        "Residents' survey: population margins and weighted sample",
    ),
    "survey_numeric": (
        "Badanie mieszkańców: pytania liczbowe — średnia i mediana z przedziałami ufności",
        "Residents' survey: numeric questions — mean and median with confidence intervals",
    ),
    "survey_coded_shares": (
        "Badanie mieszkańców: odpowiedzi otwarte — odsetki kodów z przedziałami ufności",
        "Residents' survey: open answers — code shares with confidence intervals",
    ),
    "survey_coding_agreement": (
        "Badanie mieszkańców: zgodność kodowania odpowiedzi otwartych (kappa Cohena)",
        "Residents' survey: agreement in coding the open answers (Cohen's kappa)",
    ),
    "survey_quotes": (
        "Badanie mieszkańców: wybrane cytaty z odpowiedzi otwartych (bez danych osobowych)",
        "Residents' survey: selected quotes from the open answers (personal data removed)",
    ),
}
"""Titles (PL, EN) of the published tables."""

DISCLOSURE_NOTE = (
    "Bez komórek poniżej 10 respondentów; utajnione komórki nie dają się odtworzyć z sum / no cell under 10 "
    "respondents; suppressed cells cannot be recomputed from the totals"
)
"""The disclosure control of a published survey table, for its XLSX sheet of facts (PL / EN)."""

TABLE_DISCLOSURE_NOTE = {
    "survey_quotes": (
        "Cytaty bez danych osobowych (telefony, e-maile, PESEL, adresy, nazwiska zastąpione znacznikami); dzielnica "
        "podana tylko, gdy co najmniej 10 jej respondentów dało odpowiedź z danym kodem / quotes with personal data "
        "replaced by markers (phone numbers, e-mails, PESEL, addresses, names); a district named only when at least "
        "10 of its respondents gave an answer with that code"
    ),
    "survey_coding_agreement": (
        "Miary zgodności kodowania na podpróbie zakodowanej podwójnie; bez danych pojedynczych respondentów / "
        "agreement measures on the double-coded subsample; no single respondent's data"
    ),
}
"""Tables whose disclosure control is not that of shares."""
