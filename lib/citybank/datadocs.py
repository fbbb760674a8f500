"""What a partner needs beside the numbers of the data package: every field of the ISO 37120 and strategy tables
described, each indicator's formula (variables, multiplier, unit) and method note in the table itself, and the
methodological breaks of its inputs marked — so that the package reproduces without the web pages.

Pure functions on the catalogue and the results; ``citybank.publish`` writes what they return."""

from __future__ import annotations

import pandas as pd

from .params import Registry
from .params.iso37120 import Catalogue
from .params.strategy import load_strategy

ISO_FIELD_TEXT: dict[str, tuple[str, str]] = {
    "id": ("Numer wskaźnika ISO 37120 (punkt normy)", "ISO 37120 indicator number (clause of the standard)"),
    "theme": ("Numer obszaru tematycznego ISO 37120", "ISO 37120 theme number"),
    "theme_key": ("Obszar tematyczny ISO 37120 (nazwa angielska)", "ISO 37120 theme (English name)"),
    "type": (
        "Rodzaj: core (podstawowy) / supporting (pomocniczy) / profile (profilowy)",
        "Kind: core / supporting / profile",
    ),  # fmt: skip
    "status": (
        "Status obliczenia: reported (podany), not_available (brak danych), not_applicable (nie dotyczy), "
        "out_of_range (poza zakresem dopuszczalnym)",
        "Computation status: reported, not_available (missing inputs), not_applicable, out_of_range",
    ),  # fmt: skip
    "value": (
        "Wartość wskaźnika w roku raportu (pełna precyzja); pusta, gdy status nie jest reported",
        "Indicator value in the report year (full precision); empty unless the status is reported",
    ),  # fmt: skip
    "unit": ("Jednostka wartości wskaźnika", "Unit of the indicator value"),
    "name_pl": ("Nazwa wskaźnika po polsku", "Indicator name in Polish"),
    "name_en": ("Nazwa wskaźnika po angielsku", "Indicator name in English"),
    "name_de": ("Nazwa wskaźnika po niemiecku", "Indicator name in German"),
    "numerator": ("Suma zmiennych licznika w roku raportu", "Sum of the numerator variables in the report year"),
    "denominator": (
        "Suma zmiennych mianownika w roku raportu (pusta dla wzorów value i change)",
        "Sum of the denominator variables in the report year (empty for value and change formulas)",
    ),  # fmt: skip
    "missing": (
        "Zmienne wejściowe bez wartości w roku raportu (rozdzielone średnikami)",
        "Input variables without a value in the report year (separated by semicolons)",
    ),  # fmt: skip
    "reason_en": ("Dlaczego wartości nie ma (po angielsku)", "Why there is no value"),
    "direction": (
        "Kierunek korzystny: higher (wyżej lepiej), lower (niżej lepiej), neutral",
        "Favourable direction: higher, lower, neutral",
    ),  # fmt: skip
    "formula": (
        "Rodzaj wzoru: ratio = suma(licznik) / suma(mianownik) × mnożnik; value = suma(licznik) × mnożnik; "
        "change = (suma(licznik)[rok] / suma(licznik)[rok − 1] − 1) × mnożnik",
        "Formula kind: ratio = sum(numerator) / sum(denominator) × multiplier; value = sum(numerator) × "
        "multiplier; change = (sum(numerator)[year] / sum(numerator)[year − 1] − 1) × multiplier",
    ),  # fmt: skip
    "numerator_variables": (
        "Zmienne licznika (kolumna variable tabel kategorii), rozdzielone znakiem +",
        "Numerator variables (the categories' variable column), joined by +",
    ),  # fmt: skip
    "denominator_variables": ("Zmienne mianownika, rozdzielone znakiem +", "Denominator variables, joined by +"),
    "multiplier": (
        "Mnożnik wzoru (np. 100 000 dla wskaźnika na 100 tys. mieszkańców)",
        "Multiplier of the formula (e.g. 100,000 for a rate per 100,000 residents)",
    ),  # fmt: skip
    "method_note_pl": ("Uwaga metodyczna (po polsku)", "Method note (Polish)"),
    "method_note_en": ("Uwaga metodyczna (po angielsku)", "Method note (English)"),
    "series_break_years": (
        "Lata przerw metodycznych w szeregach zmiennych wejściowych (np. 2021: spis); "
        "porównań przez przerwę nie należy liczyć",
        "Years of methodological breaks in the input series (e.g. 2021: census); do not compare across a break",
    ),  # fmt: skip
    "series_break": (
        "Prawda, gdy w roku raportu zaczyna się nowy szereg (przerwa metodyczna)",
        "True when a new series starts in the report year (methodological break)",
    ),  # fmt: skip
}
"""Polish and English descriptions of every column of the ISO 37120 table (``iso37120.csv``)."""

STRATEGY_FIELD_TEXT: dict[str, tuple[str, str]] = {
    "goal": ("Cel strategiczny (identyfikator z params/strategy.yml)", "Strategic goal (id in params/strategy.yml)"),
    "operational_goal": ("Cel operacyjny", "Operational goal"),
    "indicator": ("Wskaźnik strategii (identyfikator)", "Strategy indicator (id)"),
    "name_pl": ("Nazwa wskaźnika po polsku", "Indicator name in Polish"),
    "name_en": ("Nazwa wskaźnika po angielsku", "Indicator name in English"),
    "year": ("Rok", "Year"),
    "variable": ("Zmienna banku, z której liczony jest wskaźnik", "Bank variable the indicator is computed from"),
    "iso": ("Wskaźnik ISO 37120, z którego liczony jest wskaźnik", "ISO 37120 indicator it is computed from"),
    "per": ("Zmienna mianownika (wskaźnik na mieszkańca itp.)", "Denominator variable (per resident etc.)"),
    "multiplier": ("Mnożnik", "Multiplier"),
    "unit": ("Jednostka", "Unit"),
    "direction": ("Kierunek zmian zgodny z celem: increase / decrease", "Direction of the target: increase / decrease"),
    "baseline_year": ("Rok bazowy", "Baseline year"),
    "baseline_value": ("Wartość bazowa", "Baseline value"),
    "target_year": ("Rok docelowy", "Target year"),
    "target_value": ("Wartość docelowa", "Target value"),
    "actual": ("Wartość faktyczna w roku", "Actual value in the year"),
    "expected": (
        "Wartość oczekiwana na prostej ścieżce od bazy do celu",
        "Expected value on the straight path from baseline to target",
    ),  # fmt: skip
    "progress_ratio": (
        "Wskaźnik postępu: (faktyczna − bazowa) / (oczekiwana − bazowa)",
        "Progress ratio: (actual − baseline) / (expected − baseline)",
    ),  # fmt: skip
    "status": (
        "Status: on_track (zgodnie z planem) od progu on_track, at_risk (zagrożony) od progu at_risk, "
        "off_track (poza ścieżką), baseline, no_data",
        "Status: on_track from the on_track threshold, at_risk from the at_risk threshold, off_track, "
        "baseline, no_data",
    ),  # fmt: skip
    "threshold_on_track": ("Próg wskaźnika postępu dla statusu on_track", "Progress ratio from which on_track"),
    "threshold_at_risk": ("Próg wskaźnika postępu dla statusu at_risk", "Progress ratio from which at_risk"),
    "projected_target_value": (
        "Projekcja na rok docelowy (prosta najmniejszych kwadratów od bazy)",
        "Projection to the target year (least squares line from the baseline)",
    ),  # fmt: skip
    "projection_meets_target": ("Czy projekcja osiąga cel", "Whether the projection meets the target"),
    "crosses_break": (
        "Czy porównanie z bazą przechodzi przez przerwę metodyczną",
        "Whether the comparison with the baseline crosses a methodological break",
    ),  # fmt: skip
    "dataset": ("Zbiór danych źródłowych", "Source dataset"),
    "provider": ("Dostawca danych", "Data provider"),
    "source_file": ("Plik źródłowy", "Source file"),
    "source_row": ("Wiersz w pliku źródłowym", "Row in the source file"),
}
"""Polish and English descriptions of every column of the strategy monitoring table (``strategia.csv``)."""


def _breaks(reg: Registry, variables: list[str]) -> list[int]:
    return sorted({b.year for v in variables if v in reg.variables for b in reg.variables[v].breaks})


def iso_documented(table: pd.DataFrame, catalogue: Catalogue, reg: Registry, year: int) -> pd.DataFrame:
    """The ISO table with each indicator's formula (variables, multiplier), method note and input breaks."""
    rows = []
    for ind_id in table["id"]:
        ind = catalogue.by_id[str(ind_id)]
        f = ind.formula
        variables = [] if f is None else list(f.numerator) + list(f.denominator)
        years = _breaks(reg, variables)
        rows.append(
            {
                "numerator_variables": "" if f is None else " + ".join(f.numerator),
                "denominator_variables": "" if f is None else " + ".join(f.denominator),
                "multiplier": float("nan") if f is None else float(f.multiplier),
                "method_note_pl": ind.method_note.pl if ind.method_note else "",
                "method_note_en": ind.method_note.en if ind.method_note else "",
                "series_break_years": ", ".join(str(y) for y in years),
                "series_break": int(year) in years,
            }
        )
    return pd.concat([table.reset_index(drop=True), pd.DataFrame(rows)], axis=1)


def strategy_table(results: pd.DataFrame, reg: Registry, year: int) -> pd.DataFrame:
    """The strategy monitoring rows up to ``year`` with the indicators' names and the status thresholds."""
    plan = load_strategy(reg)
    if plan is None:
        return results.iloc[0:0]
    names = {i.id: i.name for _, _, i in plan.indicators()}
    out = results[results["year"] <= int(year)].copy()
    out.insert(3, "name_pl", out["indicator"].map(lambda i: names[i].pl if i in names else i))
    out.insert(4, "name_en", out["indicator"].map(lambda i: names[i].en if i in names else i))
    out["threshold_on_track"] = float(plan.status_thresholds.on_track)
    out["threshold_at_risk"] = float(plan.status_thresholds.at_risk)
    order = [c for c in STRATEGY_FIELD_TEXT if c in out.columns]
    return (
        out[order]
        .sort_values(["goal", "operational_goal", "indicator", "year"], kind="mergesort")
        .reset_index(drop=True)
    )
