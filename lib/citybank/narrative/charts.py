"""The alt text of a chart: one sentence for readers who cannot see it (``citybank.plots`` stores it on the
figure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ..i18n import check_lang, t
from .formats import Case, column_decimals, count_phrase, fmt_value, join_list, quote

_KIND_WORDS = {
    "line": {"pl": "Wykres liniowy", "en": "Line chart", "de": "Liniendiagramm"},
    "bar": {"pl": "Wykres słupkowy", "en": "Bar chart", "de": "Balkendiagramm"},
}


_BARS = {"pl": ("słupek", "słupki", "słupków", "słupka"), "en": ("bar", "bars"), "de": ("Balken", "Balken")}
_LINES = {"pl": ("seria", "serie", "serii", "serii"), "en": ("line", "lines"), "de": ("Linie", "Linien")}


def alt_text(
    kind: Literal["line", "bar"],
    title: str,
    lang: str,
    data: Mapping[Any, float],
    *,
    unit: str | None = None,
    highlight: str | None = None,
    series_count: int = 1,
    series_name: str | None = None,
    breaks: Sequence[int] = (),
) -> str:
    """A sentence describing a chart for readers who cannot see it.

    A line chart's sentence also names the years whose value is missing (NaN in ``data``) and the breaks in the
    series (``breaks``).

    ``data``: for a line chart, year → value of the series described (``series_name`` when the chart has
    ``series_count`` > 1 lines); for a bar chart, label → value, ``highlight`` the bar whose rank is given.

    >>> alt_text("line", "Ludność", "pl", {2015: 68000, 2024: 62817}, unit="persons")
    'Wykres liniowy „Ludność”, lata 2015–2024: od 68\\xa0000 osób w 2015 r. do 62\\xa0817 osób w 2024 r.'
    """
    check_lang(lang)
    head = f"{_KIND_WORDS[kind][lang]} {quote(title, lang)}"
    points = [(k, float(v)) for k, v in data.items() if v is not None and v == v]
    missing = sorted(int(k) for k, v in data.items() if v is None or v != v)
    if not points:
        return head + {"pl": ": brak danych.", "en": ": no data.", "de": ": keine Daten."}[lang]

    places = column_decimals(v for _, v in points)  # one precision, as in the tables beside the chart

    def val(v: float, case: Case = "nom") -> str:
        return fmt_value(v, unit, lang, case=case, decimals=None if unit in ("%", "percent") else places)

    if kind == "line":
        points.sort()
        (y0, v0), (y1, v1) = points[0], points[-1]
        extra = ""
        if series_count > 1:
            lines = count_phrase(series_count, _LINES, lang)
            named = quote(series_name, lang) if series_name else ""
            extra = {
                "pl": f" ({lines}; opisano {named or 'pierwszą'})",
                "en": f" ({lines}; described: {named or 'the first'})",
                "de": f" ({lines}; beschrieben: {named or 'die erste'})",
            }[lang]
        if y0 == y1:
            body = {
                "pl": f": {val(v0)} w {y0} r.{extra}",
                "en": f": {val(v0)} in {y0}{extra}",
                "de": f": {val(v0)} im Jahr {y0}{extra}",
            }[lang]
        else:
            body = {
                "pl": f", lata {y0}–{y1}: od {val(v0, 'gen')} w {y0} r. do {val(v1, 'gen')} w {y1} r.{extra}",
                "en": f", {y0}–{y1}: from {val(v0)} in {y0} to {val(v1)} in {y1}{extra}",
                "de": f", {y0}–{y1}: von {val(v0)} ({y0}) auf {val(v1)} ({y1}){extra}",
            }[lang]
        notes = []
        inside = [y for y in missing if y0 < y < y1]
        if inside:
            notes.append(t("chart.alt_gaps", lang, years=join_list([str(y) for y in inside], lang)))
        notes += [t("chart.alt_break", lang, year=b) for b in sorted(breaks) if y0 < b <= y1]
        body += "".join(f"; {n}" for n in notes)
        return head + body + ("" if body.endswith(".") else ".")
    ranked = sorted(points, key=lambda p: (-p[1], str(p[0])))
    (top, vt), (low, vl) = ranked[0], ranked[-1]
    n = len(ranked)
    bars = count_phrase(n, _BARS, lang)
    text = (
        head
        + {
            "pl": f", {bars}: najwyższa wartość – {top} ({val(vt)}), najniższa – {low} ({val(vl)})",
            "en": f", {bars}: highest {top} ({val(vt)}), lowest {low} ({val(vl)})",
            "de": f", {bars}: höchster Wert {top} ({val(vt)}), niedrigster {low} ({val(vl)})",
        }[lang]
    )
    if n == 1:
        text = head + f": {top} ({val(vt)})"
    if highlight is not None and highlight in dict(points):
        rank = [str(k) for k, _ in ranked].index(str(highlight)) + 1
        text += {
            "pl": f"; {highlight} na {rank}. miejscu",
            "en": f"; {highlight} ranks {rank} of {n}",
            "de": f"; {highlight} auf Platz {rank} von {n}",
        }[lang]
    return text + "."
