"""What of the survey may leave the workbench, and how its published columns are described — a light module (no
survey library imported) for the publish stage and the pages."""

from __future__ import annotations

FIELD_TEXT: dict[str, tuple[str, str]] = {
    "question": ("Identyfikator pytania (params/survey.yml)", "Question id (params/survey.yml)"),
    "theme": ("Temat (rozdział raportu)", "Theme (chapter of the report)"),
    "item": ("Treść pytania", "Question wording (Polish)"),
    "scheme": ("Schemat ważenia: unweighted, age_sex, full (dzielnica × płeć × wiek)",
               "Weighting scheme: unweighted, age_sex, full (district × sex × age)"),
    "domain_type": ("Przekrój: city, district, mode (CATI/CAWI)", "Breakdown: city, district, mode (CATI/CAWI)"),
    "domain": ("Miasto, kod dzielnicy (TERC-nn) lub tryb badania", "City, district code (TERC-nn) or survey mode"),
    "est": ("Odsetek zadowolonych / zgadzających się (top-2-box, bez „trudno powiedzieć”), %",
            "Share satisfied / agreeing (top-2-box, don't know excluded), %"),
    "se": ("Błąd standardowy (linearyzacja Taylora), pkt proc.", "Standard error (Taylor linearisation), percentage points"),
    "lci": ("Dolna granica 95% przedziału ufności, %", "Lower bound of the 95% confidence interval, %"),
    "uci": ("Górna granica 95% przedziału ufności, %", "Upper bound of the 95% confidence interval, %"),
    "deff": ("Efekt schematu (design effect)", "Design effect"),
    "n": ("Liczba respondentów (nieważona); puste, gdy komórka utajniona",
          "Unweighted number of respondents; empty when the cell is suppressed"),
    "flag": ("Wiarygodność: ok, caution (CV > 16,6%), unreliable (CV > 33,3% lub n < 30), empty, suppressed",
             "Reliability: ok, caution (CV > 16.6%), unreliable (CV > 33.3% or n < 30), empty, suppressed"),
    "suppressed": ("Komórka utajniona (mniej niż 10 respondentów lub ochrona innej komórki)",
                   "Cell suppressed (fewer than 10 respondents, or protecting another cell)"),
    "significant": ("Różnica względem reszty miasta (dzielnica) lub drugiego trybu istotna przy p < 0,05",
                    "Difference from the rest of the city (district) or the other mode significant at p < 0.05"),
    "synthetic": ("Dane syntetyczne (przykładowe badanie), nie są odpowiedziami mieszkańców",
                  "Synthetic data (sample survey), not residents' answers"),
}  # fmt: skip
"""PL and EN descriptions of the published columns (the data package's table schema)."""

PUBLIC_TABLES = ("survey_shares", "survey_eu_comparison", "survey_weights", "survey_margins")
"""The tables that may leave the workbench (the quarantine and the suppression log name single respondents).
HOOK for the coded open answers: their weighted code shares (with est, se, lci, uci, deff, n, flag, suppressed,
after ``tables.apply_suppression``) become one more name here and in ``paths.SURVEY_TABLES``; the publish stage
and the survey overview page then pick them up (``views.facts.survey_facts``, ``coded``). The quote bank is not a
table of shares and is published by its own module."""

TITLES: dict[str, tuple[str, str]] = {
    "survey_shares": ("Badanie mieszkańców: odsetki z przedziałami ufności", "Residents' survey: shares with confidence intervals"),
    "survey_eu_comparison": ("Badanie mieszkańców na tle miast UE", "Residents' survey beside European cities"),
    "survey_weights": ("Badanie mieszkańców: wagi", "Residents' survey: weights"),
    "survey_margins": ("Badanie mieszkańców: struktura populacji i próby po ważeniu",
                       "Residents' survey: population margins and weighted sample"),
}  # fmt: skip
"""Titles (PL, EN) of the published tables."""
