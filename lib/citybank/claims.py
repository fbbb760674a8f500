"""What the counts can carry: the rules a sentence applies before it claims anything, and the words for what the
data-quality detectors found. Pure functions of numbers (no pandas at import, no files): every sentence generator
asks these before it writes a direction, a judgement, a record or a value.

The rules (a statistician's checklist before publishing):

* **Few events** (:func:`few_events`): below ``MIN_EVENTS`` (10) events in either year compared, a change is
  noise; say the counts ("3 in 2023, 5 in 2024") and no direction word (no "rose", "fell", "favourable").
* **Denominator only** (:func:`denominator_only`): a rate whose numerator did not change moved only because its
  denominator did (the same 12 deaths among fewer residents): said as such, neither favourable nor unfavourable.
* **Records and streaks** (:func:`comparable_run`, :func:`record_allowed`): only within a comparable series — after
  the last break, consecutive years — and with at least ``MIN_RECORD_POINTS`` (5) points: "highest in the series"
  on four points since a break is not a record.
* **Breaks** (:func:`across_break`, :func:`comparable_change`): nothing computed across a break (the 2021 census)
  is published as a value; the break is shown instead.
* **Rounding** (:func:`display_unit`, :func:`rounded_agrees`): the unit and the precision are chosen per variable
  from the values shown together, so that every value keeps at least two significant digits (kg, not "0,00 t";
  mln zł on money axes), and the words use the table's precision — rounded words never contradict the table.

    >>> few_events(3, 25), denominator_only(12, 12, 60_000, 58_000), across_break(2020, 2022, [2021])
    (True, True, 2021)
    >>> record_allowed([2021, 2022, 2023, 2024], 2024, breaks=[2021])
    False
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

MIN_EVENTS = 10
"""Below this many events in either year compared, a change is given as counts, with no direction word."""
MIN_RECORD_POINTS = 5
"""Records ("highest in the series", "lowest since …") and streaks need this many comparable points."""


def _present(values: Iterable[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]


# ----------------------------------------------------------------------------------------- small counts


def few_events(*counts: float | None, threshold: float = MIN_EVENTS) -> bool:
    """True when any of the event counts compared is below ``threshold``: give the counts, no direction.

    >>> few_events(1, 2), few_events(12, 9), few_events(10, 11), few_events(None, 30)
    (True, True, False, False)
    """
    present = _present(counts)
    return bool(present) and min(abs(c) for c in present) < threshold


def direction_allowed(*counts: float | None, threshold: float = MIN_EVENTS) -> bool:
    """May a sentence say "rose"/"fell" about a figure built on these event counts? (not :func:`few_events`)"""
    return not few_events(*counts, threshold=threshold)


# ----------------------------------------------------------------------------------------- denominators


def denominator_only(
    numerator_before: float, numerator_after: float, denominator_before: float, denominator_after: float,
    *, tolerance: float = 0.0,
) -> bool:  # fmt: skip
    """True when a rate moved only because its denominator did: the numerator is unchanged (within ``tolerance``,
    relative) while the denominator changed. Such a change is said as such, never judged.

    >>> denominator_only(12, 12, 60_000, 58_000), denominator_only(12, 13, 60_000, 58_000)
    (True, False)
    >>> denominator_only(1000, 1004, 60_000, 58_000, tolerance=0.005), denominator_only(5, 5, 100, 100)
    (True, False)
    """
    same_num = abs(numerator_after - numerator_before) <= tolerance * abs(numerator_before)
    return same_num and denominator_after != denominator_before


def judgement_allowed(
    *,
    counts: Sequence[float | None] = (),
    numerator: tuple[float, float] | None = None,
    denominator: tuple[float, float] | None = None,
    threshold: float = MIN_EVENTS,
) -> bool:
    """May a change be called favourable or unfavourable? Not on few events, not when only the denominator moved.

    >>> judgement_allowed(counts=[40, 52]), judgement_allowed(counts=[2, 1])
    (True, False)
    >>> judgement_allowed(numerator=(12, 12), denominator=(60_000, 58_000), counts=[12, 12])
    False
    """
    if few_events(*counts, threshold=threshold):
        return False
    only_denominator = numerator is not None and denominator is not None and denominator_only(*numerator, *denominator)
    return not only_denominator


# ----------------------------------------------------------------------------------------- breaks, records


def across_break(start: int, end: int, breaks: Iterable[int]) -> int | None:
    """The last break year a comparison of ``start`` with ``end`` crosses (start < break <= end), else None."""
    lo, hi = sorted((int(start), int(end)))
    crossed = [int(b) for b in breaks if lo < int(b) <= hi]
    return max(crossed) if crossed else None


def comparable_change(
    old: float | None, new: float | None, start: int, end: int, breaks: Iterable[int] = ()
) -> float | None:
    """The relative change from ``old`` (year ``start``) to ``new`` (year ``end``) — None when it crosses a break
    (then the break is shown, not a value), when either is missing or the base is zero.

    >>> comparable_change(100, 110, 2023, 2024), comparable_change(100, 110, 2020, 2022, [2021])
    (0.1, None)
    """
    if old is None or new is None or old == 0 or across_break(start, end, breaks) is not None:
        return None
    if any(isinstance(v, float) and math.isnan(v) for v in (old, new)):
        return None
    return round(new / old - 1, 12)


def comparable_run(years: Iterable[int], year: int, breaks: Iterable[int] = ()) -> list[int]:
    """The consecutive years ending at ``year`` that lie after the last break up to it (the series a record or a
    streak may be counted in); empty when ``year`` has no value.

    >>> comparable_run([2015, 2016, 2017, 2019, 2020, 2021], 2021)
    [2019, 2020, 2021]
    >>> comparable_run(range(2015, 2025), 2024, breaks=[2021])
    [2021, 2022, 2023, 2024]
    """
    have = {int(y) for y in years}
    if int(year) not in have:
        return []
    since = max((int(b) for b in breaks if int(b) <= int(year)), default=None)
    run = [int(year)]
    while run[0] - 1 in have and (since is None or run[0] - 1 >= since):
        run.insert(0, run[0] - 1)
    return run


def record_allowed(
    years: Iterable[int], year: int, breaks: Iterable[int] = (), *, min_points: int = MIN_RECORD_POINTS
) -> bool:
    """May a sentence call ``year``'s value a record of its series (or count a streak back from it)?

    >>> record_allowed(range(2015, 2025), 2024), record_allowed(range(2015, 2025), 2024, breaks=[2021])
    (True, False)
    """
    return len(comparable_run(years, year, breaks)) >= min_points


# ----------------------------------------------------------------------------------------- units, rounding


@dataclass(frozen=True)
class DisplayUnit:
    """How the values of one figure are shown: divided by ``factor``, in ``unit`` (a key of :data:`UNIT_TEXT` or
    the variable's own unit), with ``decimals`` — the same for every value of the figure (one precision per
    figure per page)."""

    unit: str
    factor: float
    decimals: int

    def scale(self, value: float) -> float:
        return value / self.factor

    def label(self, lang: str) -> str:
        return UNIT_TEXT.get(self.unit, {}).get(lang, self.unit)


UNIT_TEXT: dict[str, dict[str, str]] = {
    "kg": {"pl": "kg", "en": "kg", "de": "kg"},
    "t": {"pl": "t", "en": "t", "de": "t"},
    "kg per person": {"pl": "kg na mieszkańca", "en": "kg per person", "de": "kg je Einwohner"},
    "PLN": {"pl": "zł", "en": "PLN", "de": "PLN"},
    "thousand PLN": {"pl": "tys. zł", "en": "PLN thousand", "de": "Tsd. PLN"},
    "million PLN": {"pl": "mln zł", "en": "PLN million", "de": "Mio. PLN"},
    "billion PLN": {"pl": "mld zł", "en": "PLN billion", "de": "Mrd. PLN"},
}
"""The words of the units :func:`display_unit` may switch to."""

# unit → the steps it may be shown in: (unit shown, factor), smallest first
_STEPS: dict[str, list[tuple[str, float]]] = {
    "t": [("kg", 0.001), ("t", 1.0)],
    "tonnes": [("kg", 0.001), ("t", 1.0)],
    "t per person": [("kg per person", 0.001), ("t per person", 1.0)],
    "PLN": [("PLN", 1.0), ("million PLN", 1e6), ("billion PLN", 1e9)],  # a wage of 7 136 zł stays in zł
}


def significant_decimals(values: Iterable[float], digits: int = 2, max_decimals: int = 3) -> int:
    """The decimals that give every non-zero value at least ``digits`` significant digits (capped).

    >>> significant_decimals([0.0042, 0.0051]), significant_decimals([1234.5, 980.0]), significant_decimals([2.5])
    (3, 0, 1)
    """
    present = [abs(v) for v in _present(values) if v != 0]
    if not present:
        return 0
    smallest = min(present)
    need = digits - 1 - math.floor(math.log10(smallest))
    return max(0, min(max_decimals, need))


def display_unit(values: Iterable[float | None], unit: str, *, money_axis: bool = False) -> DisplayUnit:
    """The unit and precision a figure shows its values in: a mass below one tonne in kg (``0,004 t`` → ``4 kg``);
    money of millions in mln zł (``money_axis``: every amount ≥ 1 million on an axis — also in the words);
    decimals so that every value keeps two significant digits.

    >>> display_unit([0.0042, 0.0051], "t")
    DisplayUnit(unit='kg', factor=0.001, decimals=1)
    >>> display_unit([12_500_000, 170_000_000], "PLN", money_axis=True)
    DisplayUnit(unit='million PLN', factor=1000000.0, decimals=0)
    >>> display_unit([4.2, 12.0], "t")
    DisplayUnit(unit='t', factor=1.0, decimals=1)
    """
    present = [abs(v) for v in _present(values)]
    steps = _STEPS.get(unit)
    if not steps or not present:
        return DisplayUnit(unit, 1.0, significant_decimals(present))
    biggest = max(present)
    chosen = steps[0]
    for name, factor in steps:
        if name.endswith("PLN") and factor > 1 and not money_axis:
            continue  # sentences and tables keep zł unless the figure is a money axis
        if biggest >= factor:
            chosen = (name, factor)
    shown = [v / chosen[1] for v in present]
    return DisplayUnit(chosen[0], chosen[1], significant_decimals(shown))


def rounded_agrees(words_value: float, words_decimals: int, table_value: float, table_decimals: int) -> bool:
    """True when the rounded value in the words says what the table beside it says, as a reader compares them:
    the table's shown number (``table_value`` at ``table_decimals``) rounded to the coarser precision equals the
    words' number. 12,345 shows as 12,35 in the table, which a reader rounds to 12,4: words saying "12,3" (rounded
    from the raw value) contradict it; "0,00" of 0,004 says zero of something that is not.

    >>> rounded_agrees(12.4, 1, 12.345, 2), rounded_agrees(12.3, 1, 12.345, 2), rounded_agrees(0.0, 2, 0.004, 3)
    (True, False, False)
    """
    from decimal import ROUND_HALF_UP, Decimal

    places = min(words_decimals, table_decimals)
    q = Decimal(1).scaleb(-places)

    def r(v: float) -> Decimal:
        return Decimal(str(v)).quantize(q, rounding=ROUND_HALF_UP)

    shown = Decimal(str(table_value)).quantize(Decimal(1).scaleb(-table_decimals), rounding=ROUND_HALF_UP)
    if shown.quantize(q, rounding=ROUND_HALF_UP) == 0 and table_value != 0:
        return False  # a value that rounds away entirely says "zero" of something that is not
    return r(words_value) == shown.quantize(q, rounding=ROUND_HALF_UP)


# ----------------------------------------------------------------------------------------- findings in words

_TO_CONFIRM = {
    "pl": "do potwierdzenia przez dostawcę",
    "en": "to be confirmed by the provider",
    "de": "vom Datenlieferanten zu bestätigen",
}


def _where(scope: str, names: Sequence[str], n_districts: int, lang: str) -> str:
    if scope == "every_district":
        return {"pl": "we wszystkich dzielnicach", "en": "in every district", "de": "in allen Stadtteilen"}[lang]
    if scope == "most_districts":
        n = sum(1 for _ in names)
        return {
            "pl": f"w {n} z {n_districts} dzielnic",
            "en": f"in {n} of {n_districts} districts",
            "de": f"in {n} von {n_districts} Stadtteilen",
        }[lang]
    if scope == "city" or not names:
        return ""
    return f"({', '.join(names)})"


def finding_sentence(
    finding: Mapping[str, object],
    lang: str,
    *,
    variable: str,
    names: Sequence[str] = (),
    n_districts: int = 0,
    provider: str = "",
    change: str = "",
) -> str:
    """One detector finding (a row of ``data/bank/findings.csv``) as a sentence of a page, always ending in "to be
    confirmed". ``variable``: the variable's label (quoted, no agreement needed); ``names``: the territories'
    names (the districts found, for ``most_districts``); ``change``: the change as the page formats it.

    >>> finding_sentence({"check": "copy_forward", "year": 2024, "scope": "every_district"}, "en",
    ...                  variable="Recorded crimes", provider="Police")
    '2024 repeats 2023 value for value in every district (“Recorded crimes”) — to be confirmed by the provider (Police).'
    """
    check, year = str(finding["check"]), int(finding["year"])  # type: ignore[call-overload]
    scope = str(finding.get("scope", ""))
    where = _where(scope, names, n_districts, lang)
    w = f" {where}" if where else ""
    q = {"pl": ("„", "”"), "en": ("“", "”"), "de": ("„", "“")}[lang]
    v = f"{q[0]}{variable}{q[1]}"
    confirm = _TO_CONFIRM[lang] + (f" ({provider})" if provider else "")
    c = f" ({change})" if change else ""
    prev = year - 1
    text = {
        "copy_forward": {
            "pl": f"Dane za {year} r. powtarzają wartość w wartość dane za {prev} r.{w} ({v}) — {confirm}.",
            "en": f"{year} repeats {prev} value for value{w} ({v}) — {confirm}.",
            "de": f"Die Werte für {year} wiederholen{w} Wert für Wert die von {prev} ({v}) — {confirm}.",
        },
        "outlier": {
            "pl": f"{v}: wartość za {year} r. odbiega od lat sąsiednich{c}{w} — {confirm}.",
            "en": f"{v}: the value for {year} departs from the neighbouring years{c}{w} — {confirm}.",
            "de": f"{v}: Der Wert für {year} weicht{w} von den Nachbarjahren ab{c} — {confirm}.",
        },
        "level_shift": {
            "pl": f"{v}: w {year} r. poziom szeregu zmienia się skokowo{c}{w} — {confirm}.",
            "en": f"{v}: the level of the series shifts in {year}{c}{w} — {confirm}.",
            "de": f"{v}: Das Niveau der Reihe springt {year}{c}{w} — {confirm}.",
        },
        "sudden_zero": {
            "pl": f"{v}: w {year} r. wartość 0{w}, choć w innych latach jest wyraźnie wyższa — {confirm}.",
            "en": f"{v}: 0 in {year}{w}, where other years are well above zero — {confirm}.",
            "de": f"{v}: 0 im Jahr {year}{w}, obwohl die anderen Jahre deutlich darüber liegen — {confirm}.",
        },
        "share_jump": {
            "pl": f"{v}: udział dzielnicy w wartości miasta zmienia się skokowo w {year} r.{c}{w} — {confirm}.",
            "en": f"{v}: a district's share of the city's value jumps in {year}{c}{w} — {confirm}.",
            "de": f"{v}: Der Anteil eines Stadtteils am Wert der Stadt springt {year}{c}{w} — {confirm}.",
        },
    }
    if check not in text:
        raise ValueError(f"unknown finding check {check!r}")
    return text[check][lang]


# ----------------------------------------------------------------------------------------- consistency over the series


def _years_text(years: Sequence[int], lang: str) -> str:
    ys = [str(y) for y in years]
    if len(ys) <= 1:
        return "".join(ys)
    last = {"pl": " i ", "en": " and ", "de": " und "}[lang]
    return ", ".join(ys[:-1]) + last + ys[-1]


def consistency_series_sentence(
    name: str, years: Sequence[int], out_of_tolerance: Sequence[int], explained: Sequence[int],
    not_comparable: Sequence[int], lang: str,
) -> str:  # fmt: skip
    """One rule's verdict over the whole series, not only the report year: which years are out of tolerance.

    >>> consistency_series_sentence("Register vs GUS", range(2015, 2025), [2022], range(2015, 2022), [2023], "en")
    '“Register vs GUS”, 2015–2024: out of tolerance in 2022; an explained difference in 7 years; not comparable in 2023; consistent in the other 1.'
    """
    q = {"pl": ("„", "”"), "en": ("“", "”"), "de": ("„", "“")}[lang]
    years, bad, expl, nc = list(years), list(out_of_tolerance), list(explained), list(not_comparable)
    if not years:
        return {"pl": f"{q[0]}{name}{q[1]}: brak lat do porównania.", "en": f"{q[0]}{name}{q[1]}: no years to "
                "compare.", "de": f"{q[0]}{name}{q[1]}: keine Jahre zum Vergleich."}[lang]  # fmt: skip
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    ok = len(years) - len(bad) - len(expl) - len(nc)
    parts = []
    if bad:
        parts.append({"pl": f"poza tolerancją w {_years_text(bad, lang)} r.", "en": f"out of tolerance in "
                      f"{_years_text(bad, lang)}", "de": f"außerhalb der Toleranz {_years_text(bad, lang)}"}[lang])  # fmt: skip
    else:
        parts.append({"pl": "w żadnym roku poza tolerancją", "en": "out of tolerance in no year",
                      "de": "in keinem Jahr außerhalb der Toleranz"}[lang])  # fmt: skip
    if expl:
        n = len(expl)
        parts.append({
            "pl": f"różnica wyjaśniona w {n} {_pl_years(n)}",
            "en": f"an explained difference in {n} year{'' if n == 1 else 's'}",
            "de": f"eine erklärte Differenz in {n} {'Jahr' if n == 1 else 'Jahren'}",
        }[lang])  # fmt: skip
    if nc:
        parts.append({"pl": f"nieporównywalne w {_years_text(nc, lang)} r.", "en": f"not comparable in "
                      f"{_years_text(nc, lang)}", "de": f"nicht vergleichbar {_years_text(nc, lang)}"}[lang])  # fmt: skip
    if ok and (bad or expl or nc):
        parts.append({"pl": f"spójne w pozostałych ({ok})", "en": f"consistent in the other {ok}",
                      "de": f"konsistent in den übrigen ({ok})"}[lang])  # fmt: skip
    elif ok:
        parts = [{"pl": f"spójne w każdym roku ({ok})", "en": f"consistent in every year ({ok})",
                  "de": f"in jedem Jahr konsistent ({ok})"}[lang]]  # fmt: skip
    text = f"{q[0]}{name}{q[1]}, {span}: " + "; ".join(parts)
    return text if text.endswith(".") else text + "."


def _pl_years(n: int) -> str:
    """``rok``/``latach`` after *w* (locative): w 1 roku, w 2 latach, w 5 latach."""
    return "roku" if n == 1 else "latach"


# ----------------------------------------------------------------------------------------- peers


def peers_sentence(peers: Sequence[str], rule: str | None, without_value: Sequence[str], lang: str) -> str:
    """Which cities a comparison is made with, why (the rule that chose them), and which of them have no value
    (listed, never dropped silently).

    >>> peers_sentence(["Katowice", "Bytom", "Gdynia"], "chosen by the office", ["Gdynia"], "en")
    'Compared with: Katowice, Bytom, Gdynia (chosen by the office). No value for: Gdynia.'
    """
    names = ", ".join(peers)
    why = f" ({rule})" if rule else ""
    text = {"pl": f"Porównanie z miastami: {names}{why}.", "en": f"Compared with: {names}{why}.",
            "de": f"Verglichen mit: {names}{why}."}[lang]  # fmt: skip
    if without_value:
        missing = ", ".join(without_value)
        text += {"pl": f" Brak wartości: {missing}.", "en": f" No value for: {missing}.",
                 "de": f" Kein Wert für: {missing}."}[lang]  # fmt: skip
    return text
