"""Sprawdzanie ćwiczeń warsztatów — plik leży obok notatników i jest kopiowany razem z nimi.

Każde ćwiczenie kończy komórka ``sprawdz(n, wynik_n, OCZEKIWANE)``. Odpowiada jednym zdaniem:

- „brak rozwiązania” — zmienna ``wynik_n`` jest jeszcze pusta (``None``);
- „OK” — wynik zgadza się z wynikiem do porównania (liczby z dokładnością do zaokrąglenia: ±0,051);
- „Oczekiwano …, jest …” — wynik się nie zgadza;
- „Wynik do porównania: …” — w kopii prowadzącego, która wyniki dopiero wylicza.

Zależy tylko od biblioteki standardowej Pythona.
"""

from __future__ import annotations

import math
from numbers import Number

TOLERANCJA = 0.051
"""Liczby różniące się o mniej niż pół jednostki pierwszego miejsca po przecinku uznajemy za równe."""

ZEBRANE: dict[int, object] = {}
"""Wyniki policzone w tym notatniku (kopia prowadzącego zapisuje je jako wyniki do porównania)."""


def _prosty(wartosc: object) -> object:
    """Liczba, tekst albo lista takich — bez typów numpy/pandas (``.item()``, ``.tolist()``)."""
    if hasattr(wartosc, "tolist"):
        wartosc = wartosc.tolist()
    elif hasattr(wartosc, "item"):
        wartosc = wartosc.item()
    if isinstance(wartosc, tuple | list):
        return [_prosty(w) for w in wartosc]
    if isinstance(wartosc, bool) or not isinstance(wartosc, Number):
        return wartosc
    return int(wartosc) if float(wartosc).is_integer() else float(wartosc)


def po_polsku(wartosc: object) -> str:
    """Wynik zapisany po polsku: 12 345,6 (spacja tysięcy od pięciu cyfr, przecinek dziesiętny)."""
    wartosc = _prosty(wartosc)
    if isinstance(wartosc, list):
        return "; ".join(po_polsku(w) for w in wartosc)
    if isinstance(wartosc, bool):
        return "tak" if wartosc else "nie"
    if isinstance(wartosc, int):
        return f"{wartosc:,}".replace(",", " ") if abs(wartosc) >= 10_000 else str(wartosc)
    if isinstance(wartosc, float):
        tekst = f"{wartosc:,.2f}" if abs(wartosc) >= 10_000 else f"{wartosc:.2f}"
        return tekst.rstrip("0").rstrip(".").replace(",", " ").replace(".", ",")
    return str(wartosc)


def zgodne(wynik: object, oczekiwany: object) -> bool:
    wynik, oczekiwany = _prosty(wynik), _prosty(oczekiwany)
    if isinstance(oczekiwany, list):
        return (
            isinstance(wynik, list)
            and len(wynik) == len(oczekiwany)
            and all(zgodne(w, o) for w, o in zip(wynik, oczekiwany, strict=True))
        )
    if isinstance(oczekiwany, bool) or isinstance(wynik, bool):
        return wynik is oczekiwany
    if isinstance(oczekiwany, Number) and isinstance(wynik, Number):
        return math.isclose(float(wynik), float(oczekiwany), rel_tol=0, abs_tol=TOLERANCJA)
    return str(wynik).strip().casefold() == str(oczekiwany).strip().casefold()


def sprawdz(n: int, wynik: object, oczekiwane: dict | None = None) -> str:
    """Porównuje ``wynik`` ćwiczenia ``n`` z wynikiem do porównania i mówi, co wyszło."""
    if wynik is None:
        odpowiedz = f"Ćwiczenie {n}: brak rozwiązania (wpisz wynik do zmiennej wynik_{n})"
    elif not oczekiwane or n not in oczekiwane:
        ZEBRANE[n] = _prosty(wynik)
        odpowiedz = f"Ćwiczenie {n}: wynik do porównania: {po_polsku(wynik)}"
    elif zgodne(wynik, oczekiwane[n]):
        odpowiedz = f"Ćwiczenie {n}: OK ({po_polsku(wynik)})"
    else:
        odpowiedz = f"Ćwiczenie {n}: oczekiwano {po_polsku(oczekiwane[n])}, jest {po_polsku(wynik)}"
    print(odpowiedz)
    return odpowiedz
