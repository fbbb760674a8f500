"""The alt text of a chart: one sentence for readers who cannot see it (``citybank.plots`` stores it on the
figure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from ..i18n import check_lang, t
from .formats import Case, column_decimals, count_phrase, fmt_value, join_list, quote

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
    head = f"{t(f'chart.alt_{kind}', lang)} {quote(title, lang)}"
    points = [(k, float(v)) for k, v in data.items() if v is not None and v == v]
    missing = sorted(int(k) for k, v in data.items() if v is None or v != v)
    if not points:
        return t("chart.alt_empty", lang, chart=head)

    places = column_decimals(v for _, v in points)  # one precision, as in the tables beside the chart

    def val(v: float, case: Case = "nom") -> str:
        return fmt_value(v, unit, lang, case=case, decimals=None if unit in ("%", "percent") else places)

    if kind == "line":
        points.sort()
        (y0, v0), (y1, v1) = points[0], points[-1]
        extra = ""
        if series_count > 1:
            named = quote(series_name, lang) if series_name else t("chart.alt_series_first", lang)
            extra = " " + t("chart.alt_series", lang, lines=count_phrase(series_count, _LINES, lang), named=named)
        if y0 == y1:
            text = t("chart.alt_point", lang, chart=head, value=val(v0), year=y0, series=extra)
        else:
            case: Case = "gen" if lang == "pl" else "nom"  # Polish: "od 68 000 osób … do 62 817 osób"
            first, last = val(v0, case), val(v1, case)
            text = t("chart.alt_span", lang, chart=head, start=y0, end=y1, first=first, last=last, series=extra)
        notes = []
        inside = [y for y in missing if y0 < y < y1]
        if inside:
            notes.append(t("chart.alt_gaps", lang, years=join_list([str(y) for y in inside], lang)))
        notes += [t("chart.alt_break", lang, year=b) for b in sorted(breaks) if y0 < b <= y1]
        text += "".join(f"; {n}" for n in notes)
        return text + ("" if text.endswith(".") else ".")
    ranked = sorted(points, key=lambda p: (-p[1], str(p[0])))
    (top, vt), (low, vl) = ranked[0], ranked[-1]
    n = len(ranked)
    bars = count_phrase(n, _BARS, lang)
    text = t("chart.alt_bars", lang, chart=head, bars=bars, top=top, top_value=val(vt), low=low, low_value=val(vl))
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
