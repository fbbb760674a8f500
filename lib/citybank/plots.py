"""The house style of citybank charts: readable, colour-blind safe, Polish glyphs, deterministic PNGs.

* Palette: Okabe–Ito (``PALETTE``), distinguishable with the common colour-vision deficiencies; the
  city is drawn in ``HIGHLIGHT`` and everything else in ``NEUTRAL`` on comparison charts.
* Font: DejaVu Sans, bundled with matplotlib, covers ąćęłńóśźż and ÄÖÜß.
* Numbers on value axes follow the report language (``62 817`` / ``62,817`` / ``62.817``, U+2212 minus),
  years stay plain digits.
* Every chart carries a source line under the plot (``Źródło: …; opracowanie własne``) and an alt-text
  sentence (``figure_alt_text(fig)``; its words are ``citybank.narrative.alt_text``) for the HTML report.
* The style is applied through ``style_context()`` inside each chart function, so importing or calling
  this module never changes the global rcParams; ``apply_style()`` does so only when called explicitly.
* Figures are built on the Agg canvas directly (``matplotlib.figure.Figure`` + ``FigureCanvasAgg``), not
  through pyplot: no global figure registry, no backend switch, and Jupyter still displays them.
* ``save_png`` writes identical bytes for an identical figure (no software/version/date metadata).
"""

from __future__ import annotations

import contextlib
import io
import os
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib
import pandas as pd
from matplotlib import ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from .claims import display_unit
from .i18n import check_lang, t, unit_label
from .narrative import alt_text, fmt_number, fmt_percent
from .util import write_bytes_atomic

PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow (last: weak contrast on white)
    "#000000",  # black
)
"""Okabe & Ito (2008) colour-blind-safe palette, ordered for lines on white."""

HIGHLIGHT = "#D55E00"
NEUTRAL = "#A6A6A6"
TEXT = "#222222"
GRID = "#DDDDDD"
FONT = "DejaVu Sans"
FIGSIZE = (8.0, 4.5)  # inches → 1200 × 675 px at DPI
DPI = 150

STYLE: dict[str, Any] = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": 10,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.labelsize": 10,
    "axes.labelcolor": TEXT,
    "axes.edgecolor": "#888888",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "axes.axisbelow": True,
    "axes.prop_cycle": matplotlib.cycler(color=list(PALETTE)),
    "axes.unicode_minus": True,
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": TEXT,
    "ytick.color": TEXT,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "lines.linewidth": 2.2,
    "lines.markersize": 5,
    "figure.figsize": FIGSIZE,
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "savefig.dpi": DPI,
    "savefig.facecolor": "white",
    "svg.hashsalt": "citybank",
    "path.simplify": True,
}
"""rcParams of the house style (applied only inside ``style_context`` or by ``apply_style``)."""


@contextlib.contextmanager
def style_context() -> Iterator[None]:
    """Apply the house style inside a ``with`` block; the previous rcParams come back afterwards."""
    with matplotlib.rc_context(STYLE):
        yield


def apply_style() -> None:
    """Apply the house style to the global rcParams (for interactive use). Idempotent."""
    matplotlib.rcParams.update(STYLE)


# ----------------------------------------------------------------------------------- axis formatting


class LocaleFormatter(ticker.Formatter):
    """Tick labels in the report language; decimals chosen from the tick spacing.

    ``percent=True`` appends the locale percent sign (``12,5%`` / ``12,5 %``).
    """

    def __init__(self, lang: str, *, percent: bool = False, max_decimals: int = 6, factor: float = 1.0) -> None:
        self.lang = check_lang(lang)
        self.percent = percent
        self.max_decimals = max_decimals
        self.decimals = 0
        self.factor = factor  # ticks shown divided by it (1e6: an axis in millions)

    def set_locs(self, locs: Sequence[float]) -> None:
        super().set_locs(locs)
        self.decimals = _decimals_for([v / self.factor for v in locs], self.max_decimals)

    def __call__(self, x: float, pos: int | None = None) -> str:
        if self.percent:
            return fmt_percent(x, self.lang, self.decimals)
        return fmt_number(x / self.factor, self.lang, self.decimals)


def _decimals_for(locs: Sequence[float], max_decimals: int) -> int:
    """Fewest decimals that keep all tick labels distinct and exact (0.5 steps → 1, 0.25 → 2)."""
    for d in range(max_decimals + 1):
        if all(abs(round(v, d) - v) < 1e-9 * max(1.0, abs(v)) for v in locs):
            return d
    return max_decimals


def year_axis(ax: Any) -> None:
    """Integer ticks shown as plain years (``2024``, never ``2 024``)."""
    ax.xaxis.set_major_locator(ticker.MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda x, _pos: f"{int(round(x))}"))


# ---------------------------------------------------------------------------------------- figure frame

SOURCE_HEIGHT = 0.07  # share of the figure height kept free under the axes for the source line


def _source_text(source: str | Sequence[str], lang: str) -> str:
    text = source if isinstance(source, str) else ", ".join(source)
    if not text.strip():
        raise ValueError("every chart needs a source: pass source='GUS, BDL' (the providers of the data shown)")
    return t("chart.source", lang, source=text)


def _new_figure(figsize: tuple[float, float] | None = None) -> tuple[Figure, Any]:
    fig = Figure(figsize=figsize or FIGSIZE, layout="constrained")
    FigureCanvasAgg(fig)
    fig.get_layout_engine().set(rect=(0, SOURCE_HEIGHT, 1, 1 - SOURCE_HEIGHT))
    ax = fig.add_subplot()
    return fig, ax


LEGEND_CHARS = 90
"""Legend entries wrap at this many characters."""
CATEGORY_CHARS = 28
"""Category names on a horizontal bar chart wrap at this many characters, so that long names do not push the
bars (and the title, which starts where the axes start) out of the figure."""
GLYPH = 0.62
"""A conservative average glyph width of DejaVu Sans, as a share of the font size."""


def _text_pt(texts: Sequence[str], fontsize: float) -> float:
    """The width in points of the longest line of ``texts`` (an estimate from the glyph width)."""
    return max((len(line) for x in texts for line in str(x).split("\n")), default=0) * fontsize * GLYPH


def _wrap(text: str, width_pt: float, fontsize: float) -> str:
    """``text`` broken into lines of at most ``width_pt`` points at ``fontsize``, so that a long title or
    source line is never cut off."""
    return textwrap.fill(text, max(20, int(width_pt / (fontsize * GLYPH))), break_long_words=False)


def _finish(
    fig: Figure,
    ax: Any,
    *,
    title: str,
    lang: str,
    source: str | Sequence[str],
    alt: str,
    unit: str | None = None,
    ylabel: str | None = None,
    xlabel: str | None = None,
) -> Figure:
    """Title, axis labels (the value axis says its unit when no label is given; percent ticks carry it),
    the source line under the axes, and the alt text."""
    value = getattr(ax, "citybank_value_axis", None)
    width_pt = fig.get_figwidth() * 72 - 10
    if value == "x":  # horizontal bars: the left-aligned title starts after the category names
        width_pt -= _text_pt([x.get_text() for x in ax.yaxis.get_ticklabels()], STYLE["font.size"]) + 15
    else:  # the title starts after the value axis' tick labels and its label
        width_pt -= 90
    ax.set_title(_wrap(title, width_pt, STYLE["axes.titlesize"]))
    unit_text = unit_label(unit, lang) if unit and unit != "%" else ""
    ax.set_ylabel(ylabel or (unit_text if value == "y" else ""))
    ax.set_xlabel(xlabel or (unit_text if value == "x" else ""))
    text = _wrap(_source_text(source, lang), fig.get_figwidth() * 72 - 10, 8)
    lines = text.count("\n") + 1
    if lines > 1:
        fig.get_layout_engine().set(rect=(0, SOURCE_HEIGHT * lines, 1, 1 - SOURCE_HEIGHT * lines))
    fig.text(0.01, 0.015, text, ha="left", va="bottom", fontsize=8, color="#555555")
    fig.citybank_alt_text = alt  # type: ignore[attr-defined]
    return fig


def figure_alt_text(fig: Figure) -> str:
    """The alt-text sentence a chart function stored on the figure."""
    alt = getattr(fig, "citybank_alt_text", None)
    if not alt:
        raise ValueError("this figure was not made by citybank.plots; build its alt text with alt_text(...)")
    return alt


# -------------------------------------------------------------------------------------------- charts


def line_chart(
    df: pd.DataFrame,
    x: str,
    y: str,
    hue: str | None = None,
    *,
    title: str,
    lang: str,
    source: str | Sequence[str],
    ylabel: str | None = None,
    unit: str | None = None,
    percent: bool = False,
    highlight: str | None = None,
    zero_based: bool = False,
    figsize: tuple[float, float] | None = None,
    breaks: Sequence[int] = (),
    marks: Mapping[int, str] | None = None,
) -> Figure:
    """Lines over years from a tidy frame: ``x`` years, ``y`` values, one line per ``hue`` value.

    ``highlight``: a hue value drawn thick in ``HIGHLIGHT``, the others thin in colours of the palette.
    ``percent``: value axis in locale percent. ``zero_based``: start the value axis at zero.
    A year without a value (absent or NaN) is a gap in the line, never bridged. ``breaks``: first years of
    new series (methodological breaks), each drawn as a labelled vertical rule; the line is not joined
    across it. ``marks``: year → ``to_confirm`` (a detector's finding, see ``citybank.ingest.detectors``) or
    ``out_of_tolerance`` (a consistency verdict): every line's point of that year is ringed and labelled, and the
    alt text names it.
    """
    check_lang(lang)
    marks = dict(marks or {})
    percent = percent or unit == "%"  # a value in % reads as one on the axis
    with style_context():
        fig, ax = _new_figure(figsize)
        groups = [(None, df)] if hue is None else list(df.groupby(hue, sort=True))
        colors = iter(PALETTE)
        all_years = [int(v) for v in df[x]] if len(df) else []
        for name, part in groups:
            line = _with_gaps(part, x, y, all_years, breaks)
            is_hl = highlight is not None and name == highlight
            color = HIGHLIGHT if is_hl else next(colors) if highlight is None else NEUTRAL
            ax.plot(
                line.index.to_numpy(dtype="float64"),
                line.to_numpy(dtype="float64"),
                marker="o",
                color=color,
                linewidth=3.0 if is_hl or highlight is None else 1.4,
                label=None if name is None else textwrap.fill(str(name), LEGEND_CHARS, break_long_words=False),
                zorder=3 if is_hl else 2,
            )
        _mark_points(ax, df, x, y, marks, lang)
        if hue is not None:  # under the plot, one entry a line: a legend never covers the lines or outgrows the plot
            ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=1, frameon=False, fontsize=9)
        year_axis(ax)
        ax.citybank_value_axis = "y"  # figure_problems checks it has a unit
        for year in sorted(b for b in breaks if all_years and min(all_years) < b <= max(all_years)):
            ax.axvline(year - 0.5, color=NEUTRAL, linestyle="--", linewidth=1.0, zorder=1)
            ax.annotate(
                t("chart.break", lang, year=year),
                xy=(year - 0.5, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(3, -3),
                textcoords="offset points",
                ha="left",
                va="top",
                fontsize=8,
                color="#555555",
            )
        # money of millions on a money axis: ticks and the axis label in mln zł (citybank.claims.display_unit)
        axis_unit = display_unit(df[y].tolist(), unit, money_axis=True) if unit == "PLN" else None
        factor = axis_unit.factor if axis_unit is not None else 1.0
        ax.yaxis.set_major_formatter(LocaleFormatter(lang, percent=percent, factor=factor))
        if axis_unit is not None and factor != 1 and ylabel is None:
            ylabel = axis_unit.label(lang)
        if zero_based:
            ax.set_ylim(bottom=0)
        described_name, described = groups[0]
        if highlight is not None:
            described_name, described = next(((n, p) for n, p in groups if n == highlight), groups[0])
        _bank_values(fig, df, y)
        whole = _with_gaps(described, x, y, all_years, ())
        data = {int(k): float(v) for k, v in whole.items()}
        alt = alt_text(
            "line",
            title,
            lang,
            data,
            unit="%" if percent else unit,
            series_count=len(groups),
            series_name=None if described_name is None else str(described_name),
            breaks=breaks,
        )
        shown = sorted(yr for yr in marks if yr in set(all_years))
        if shown:
            notes = "; ".join(t(f"chart.alt_{marks[yr]}", lang, year=yr) for yr in shown)
            alt = alt.rstrip(".") + f"; {notes}."
        return _finish(
            fig, ax, title=title, lang=lang, source=source, alt=alt, unit="%" if percent else unit, ylabel=ylabel
        )


MARK_COLOR = "#b35900"
"""Rings around points to be confirmed or out of tolerance (dark orange: ≥ 4.5:1 on white, unlike the lines)."""


def _mark_points(ax: Any, df: pd.DataFrame, x: str, y: str, marks: Mapping[int, str], lang: str) -> None:
    """Ring every plotted point of a marked year and label the year once, above the plot area's top."""
    for year, kind in sorted(marks.items()):
        pts = df[(df[x].astype("int64") == int(year)) & df[y].notna()]
        if pts.empty:
            continue
        ax.scatter(
            pts[x].to_numpy(dtype="float64"),
            pts[y].to_numpy(dtype="float64"),
            s=160,
            facecolors="none",
            edgecolors=MARK_COLOR,
            linewidths=1.8,
            zorder=4,
        )
        ax.annotate(
            t(f"chart.{kind}", lang, year=year),
            xy=(float(year), 0.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
            color=MARK_COLOR,
        )


def class_position_chart(
    df: pd.DataFrame,
    *,
    city: str,
    title: str,
    lang: str,
    source: str | Sequence[str],
    unit: str | None = None,
) -> Figure:
    """The city's value over the years against its comparison group: the group's median (dashed) and the band
    between its quartiles (shaded). ``df``: ``year, value, q1, median, q3`` (one row a year)."""
    check_lang(lang)
    percent = unit == "%"
    df = df.sort_values("year")
    years = df["year"].to_numpy(dtype="float64")
    with style_context():
        fig, ax = _new_figure()
        ax.fill_between(
            years, df["q1"].to_numpy(dtype="float64"), df["q3"].to_numpy(dtype="float64"), color=NEUTRAL, alpha=0.35,
            linewidth=0, label=t("ranking.quartiles", lang), zorder=1,
        )  # fmt: skip
        ax.plot(years, df["median"].to_numpy(dtype="float64"), color="#555555", linestyle="--", linewidth=1.6,
                label=t("ranking.median", lang), zorder=2)  # fmt: skip
        ax.plot(years, df["value"].to_numpy(dtype="float64"), color=HIGHLIGHT, marker="o", linewidth=3.0,
                label=textwrap.fill(city, LEGEND_CHARS, break_long_words=False), zorder=3)  # fmt: skip
        ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=1, frameon=False, fontsize=9)
        year_axis(ax)
        ax.citybank_value_axis = "y"
        ax.yaxis.set_major_formatter(LocaleFormatter(lang, percent=percent))
        data = {int(y): float(v) for y, v in zip(df["year"], df["value"], strict=True)}
        alt = alt_text("line", title, lang, data, unit=unit, series_count=2, series_name=city)
        return _finish(fig, ax, title=title, lang=lang, source=source, alt=alt, unit=unit)


def _with_gaps(part: pd.DataFrame, x: str, y: str, all_years: Sequence[int], breaks: Sequence[int]) -> pd.Series:
    """The values of one line by year over the chart's whole year range, NaN where a year has no value,
    with a NaN point just before each break so that matplotlib does not join the two series."""
    values = part.assign(_x=part[x].astype(int)).groupby("_x")[y].first().astype("float64")
    line = values.reindex(range(min(all_years), max(all_years) + 1)) if all_years else values
    inside = [b - 0.5 for b in breaks if len(line) and line.index[0] < b <= line.index[-1]]
    cuts = pd.Series(float("nan"), index=inside)
    return pd.concat([line, cuts]).sort_index() if len(cuts) else line


def _bar_figsize(labels: Sequence[str], horizontal: bool, figsize: tuple[float, float] | None) -> tuple[float, float]:
    """A horizontal bar chart grows with its bars (names wrap to two lines at most): never crowded labels."""
    if figsize is not None or not horizontal:
        return figsize or FIGSIZE
    # per bar: its name's lines at ~0.17 in (10 pt) each and some air; plus the title, axis and source
    per_bar = [0.17 * max(1, len(textwrap.wrap(str(s), CATEGORY_CHARS))) + 0.14 for s in labels]
    return FIGSIZE[0], max(FIGSIZE[1], sum(per_bar) + 1.9)


def _bars(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    horizontal: bool,
    colors: Sequence[str],
    ax: Any,
    lang: str,
    percent: bool,
    value_labels: bool,
) -> None:
    positions = range(len(labels))
    bars = (ax.barh if horizontal else ax.bar)(positions, values, color=list(colors), zorder=2)
    axis = ax.yaxis if horizontal else ax.xaxis
    axis.set_major_locator(ticker.FixedLocator(list(positions)))
    names = [textwrap.fill(str(s), CATEGORY_CHARS, break_long_words=False) if horizontal else str(s) for s in labels]
    axis.set_major_formatter(ticker.FixedFormatter(names))
    value_axis = ax.xaxis if horizontal else ax.yaxis
    value_axis.set_major_formatter(LocaleFormatter(lang, percent=percent))
    ax.citybank_value_axis = "x" if horizontal else "y"  # figure_problems checks it has a unit
    if horizontal:
        ax.invert_yaxis()  # first label on top
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
    if value_labels:
        d = _decimals_for(values, 1 if percent else 2)  # one number of decimals for all labels
        texts = [fmt_percent(v, lang, max(d, 1)) if percent else fmt_number(v, lang, d) for v in values]
        ax.bar_label(bars, labels=texts, padding=3, fontsize=8, color=TEXT)
        if horizontal:
            # room beyond the longest bar for its label (8 pt glyphs ≈ 5 pt wide), on both sides when some
            # values are negative, so that a label never runs into the category names
            label_pt = _text_pt(texts, 8) + 6
            axes_pt = ax.figure.get_figwidth() * 72 - _text_pt(names, STYLE["font.size"]) - 40
            ax.margins(x=max(0.12, 1.4 * label_pt / max(axes_pt, 100)))
        else:
            ax.margins(y=0.12)


def bar_chart(
    df: pd.DataFrame,
    x: str,
    y: str,
    *,
    title: str,
    lang: str,
    source: str | Sequence[str],
    ylabel: str | None = None,
    unit: str | None = None,
    percent: bool = False,
    horizontal: bool = False,
    sort: bool = False,
    highlight: str | None = None,
    value_labels: bool = True,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Bars of ``y`` per category ``x`` (one row per bar). ``sort``: largest first."""
    check_lang(lang)
    percent = percent or unit == "%"  # a value in % reads as one on the axis
    data = df[[x, y]].dropna()
    if sort:
        data = data.sort_values([y, x], ascending=[False, True])
    labels = [str(v) for v in data[x]]
    values = [float(v) for v in data[y]]
    colors = [HIGHLIGHT if lab == highlight else (NEUTRAL if highlight is not None else PALETTE[0]) for lab in labels]
    with style_context():
        fig, ax = _new_figure(_bar_figsize(labels, horizontal, figsize))
        _bars(
            labels,
            values,
            horizontal=horizontal,
            colors=colors,
            ax=ax,
            lang=lang,
            percent=percent,
            value_labels=value_labels,
        )
        alt = alt_text(
            "bar",
            title,
            lang,
            dict(zip(labels, values, strict=True)),
            unit="%" if percent else unit,
            highlight=highlight,
        )
        return _finish(
            fig,
            ax,
            title=title,
            lang=lang,
            source=source,
            alt=alt,
            unit="%" if percent else unit,
            xlabel=ylabel if horizontal else None,
            ylabel=None if horizontal else ylabel,
        )


def district_bars(
    df: pd.DataFrame,
    district: str,
    value: str,
    *,
    title: str,
    lang: str,
    source: str | Sequence[str],
    city_value: float | None = None,
    unit: str | None = None,
    percent: bool = False,
    xlabel: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Horizontal bars per district, largest on top; ``city_value`` draws the city-wide level as a line."""
    check_lang(lang)
    percent = percent or unit == "%"  # a value in % reads as one on the axis
    data = df[[district, value]].dropna().sort_values([value, district], ascending=[False, True])
    labels = [str(v) for v in data[district]]
    values = [float(v) for v in data[value]]
    with style_context():
        fig, ax = _new_figure(_bar_figsize(labels, True, figsize))
        _bars(
            labels,
            values,
            horizontal=True,
            colors=[PALETTE[0]] * len(values),
            ax=ax,
            lang=lang,
            percent=percent,
            value_labels=True,
        )
        if city_value is not None:
            ax.axvline(
                city_value,
                color=HIGHLIGHT,
                linewidth=1.5,
                linestyle="--",
                zorder=3,
                label=f"{t('chart.city_average', lang)}: "
                f"{fmt_percent(city_value, lang) if percent else fmt_number(city_value, lang)}",
            )
            ax.legend(loc="lower right")
        alt = alt_text("bar", title, lang, dict(zip(labels, values, strict=True)), unit="%" if percent else unit)
        _bank_values(fig, df, value)
        return _finish(
            fig, ax, title=title, lang=lang, source=source, alt=alt, unit="%" if percent else unit, xlabel=xlabel
        )


def interval_chart(
    df: pd.DataFrame,
    label: str,
    est: str,
    lci: str,
    uci: str,
    *,
    title: str,
    lang: str,
    source: str | Sequence[str],
    reference: str | None = None,
    reference_label: str | None = None,
    city_value: float | None = None,
    xlabel: str | None = None,
) -> Figure:
    """Shares in % as horizontal bars with their 95 % confidence intervals (whiskers from ``lci`` to ``uci``),
    in the frame's order; ``reference`` (a column) draws a comparison value per bar as a diamond (e.g. the mean of
    the EU cities), ``city_value`` the city-wide level as a line. Rows without an estimate (suppressed) are left
    out."""
    check_lang(lang)
    data = df[df[est].notna()]
    labels = [str(v) for v in data[label]]
    values = [float(v) for v in data[est]]
    # per bar its name's lines and some air (more than a plain bar chart: the whiskers), the legend under the axes
    lines = [max(1, len(textwrap.wrap(str(s), CATEGORY_CHARS))) for s in labels]
    height = max(FIGSIZE[1], sum(0.19 * n + 0.18 for n in lines) + 2.4)
    with style_context():
        fig, ax = _new_figure((FIGSIZE[0], height))
        _bars(labels, values, horizontal=True, colors=[PALETTE[0]] * len(values), ax=ax, lang=lang, percent=True,
              value_labels=False)  # fmt: skip
        low = [v - float(x) for v, x in zip(values, data[lci], strict=True)]
        high = [float(x) - v for v, x in zip(values, data[uci], strict=True)]
        ax.errorbar(values, list(range(len(values))), xerr=[low, high], fmt="none", ecolor=TEXT, elinewidth=1.2,
                    capsize=3, zorder=3, label=t("chart.ci95", lang))  # fmt: skip
        if reference is not None:
            ref = [float(x) if pd.notna(x) else float("nan") for x in data[reference]]
            ax.scatter(ref, list(range(len(ref))), marker="D", s=28, color=HIGHLIGHT, zorder=4,
                       label=reference_label or reference)  # fmt: skip
        if city_value is not None:
            ax.axvline(city_value, color=HIGHLIGHT, linewidth=1.5, linestyle="--", zorder=3,
                       label=f"{t('chart.city_average', lang)}: {fmt_percent(city_value, lang)}")  # fmt: skip
        ax.set_xlim(0, 100)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=3, frameon=False, fontsize=8)
        alt = alt_text("bar", title, lang, dict(zip(labels, values, strict=True)), unit="%")
        return _finish(fig, ax, title=title, lang=lang, source=source, alt=alt, unit="%", xlabel=xlabel)


def peer_comparison(
    values: Mapping[str, float | None],
    city: str,
    *,
    title: str,
    lang: str,
    source: str | Sequence[str],
    unit: str | None = None,
    percent: bool = False,
    xlabel: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """The city against its peers: horizontal bars sorted by value, the city in ``HIGHLIGHT``.

    ``values``: city name → value (the city included); peers without a value are left out.
    """
    check_lang(lang)
    percent = percent or unit == "%"  # a value in % reads as one on the axis
    if city not in values:
        raise ValueError(
            f"peer_comparison: {city!r} is not among the values ({', '.join(map(str, values))}); "
            "include the city's own value"
        )
    points = sorted(
        ((str(k), float(v)) for k, v in values.items() if v is not None and v == v), key=lambda p: (-p[1], p[0])
    )
    labels = [k for k, _ in points]
    nums = [v for _, v in points]
    colors = [HIGHLIGHT if k == city else NEUTRAL for k in labels]
    with style_context():
        fig, ax = _new_figure(_bar_figsize(labels, True, figsize))
        _bars(labels, nums, horizontal=True, colors=colors, ax=ax, lang=lang, percent=percent, value_labels=True)
        for tick in ax.get_yticklabels():
            if tick.get_text() == city:
                tick.set_fontweight("bold")
        alt = alt_text("bar", title, lang, dict(points), unit="%" if percent else unit, highlight=city)
        return _finish(
            fig, ax, title=title, lang=lang, source=source, alt=alt, unit="%" if percent else unit, xlabel=xlabel
        )


# ---------------------------------------------------------------------------------------- readability


def _title(ax: Any) -> str:
    return next((ax.get_title(loc) for loc in ("left", "center", "right") if ax.get_title(loc)), "")


def _tick_labels(axis: Any) -> list[Any]:
    """The tick labels an axis draws: those of ticks inside its view limits."""
    lo, hi = sorted(axis.get_view_interval())
    span = (hi - lo) * 1e-9
    return [
        t.label1 for t in axis.get_major_ticks() if lo - span <= t.get_loc() <= hi + span and t.label1.get_visible()
    ]


def _texts(fig: Figure) -> list[tuple[str, Any]]:
    """Every visible, non-empty text of a figure with a name that says where it is."""
    out: list[tuple[str, Any]] = [(f"figure text {x.get_text()!r}", x) for x in fig.texts]
    for ax in fig.axes:
        # matplotlib keeps the left and right titles apart from the centred one (the house style is left)
        for title in (ax.title, ax._left_title, ax._right_title):
            out.append((f"title {title.get_text()!r}", title))
        out += [(f"axis label {lab.get_text()!r}", lab) for lab in (ax.xaxis.label, ax.yaxis.label)]
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            out += [(f"{name} tick label {x.get_text()!r}", x) for x in _tick_labels(axis)]
        out += [(f"label {x.get_text()!r}", x) for x in ax.texts]
        legend = ax.get_legend()
        if legend is not None:
            out += [(f"legend entry {x.get_text()!r}", x) for x in legend.get_texts()]
    return [(n, x) for n, x in out if x.get_visible() and x.get_text().strip()]


def figure_problems(fig: Figure, *, drawn: bool = False) -> list[str]:
    """What makes a chart hard to read, as sentences (empty when none): text outside the figure, two texts
    overlapping, repeated tick labels on an axis, a value axis without a unit. Measured on the renderer's
    bounding boxes of the figure as it is saved; ``drawn``: the figure was just saved (its layout is done, so
    it is not drawn again)."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    if not drawn:
        with style_context():
            canvas.draw()
    renderer = canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    problems: list[str] = []
    boxes = []
    for name, text in _texts(fig):
        box = text.get_window_extent(renderer)
        if box.x0 < -2 or box.y0 < -2 or box.x1 > width + 2 or box.y1 > height + 2:
            problems.append(f"{name} runs outside the figure")
        boxes.append((name, box))
    legend_boxes = [(f"legend of {_title(ax)!r}", ax.get_legend().get_window_extent(renderer))
                    for ax in fig.axes if ax.get_legend() is not None]  # fmt: skip
    for name, box in legend_boxes:
        if box.x0 < -2 or box.x1 > width + 2:
            problems.append(f"{name} is wider than the figure")
    for i, (na, a) in enumerate(boxes):
        for nb, b in boxes[i + 1 :]:
            if a.overlaps(b) and min(a.x1, b.x1) - max(a.x0, b.x0) > 1 and min(a.y1, b.y1) - max(a.y0, b.y0) > 1:
                problems.append(f"{na} overlaps {nb}")
    for ax in fig.axes:
        for name, axis in (("x", ax.xaxis), ("y", ax.yaxis)):
            labels = [x.get_text() for x in _tick_labels(axis) if x.get_text().strip()]
            repeated = sorted({x for x in labels if labels.count(x) > 1})
            if repeated:
                problems.append(f"the {name} axis repeats tick labels {', '.join(map(repr, repeated))}")
        value = getattr(ax, "citybank_value_axis", None)
        if value is not None:
            axis = ax.xaxis if value == "x" else ax.yaxis
            ticks = [x.get_text() for x in _tick_labels(axis) if x.get_text().strip()]
            if not axis.label.get_text().strip() and not (ticks and all(x.endswith("%") for x in ticks)):
                problems.append(f"the value axis ({value}) of {_title(ax)!r} has no unit")
    return problems


# ---------------------------------------------------------------------------------------------- saving


def png_bytes(fig: Figure, dpi: int = DPI) -> bytes:
    """The figure as PNG bytes without metadata that changes between runs or versions."""
    buf = io.BytesIO()
    with style_context():
        fig.savefig(buf, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return buf.getvalue()


def save_png(fig: Figure, path: str | os.PathLike, dpi: int = DPI) -> Path:
    """Write the figure as a PNG, atomically; the same figure gives the same bytes on every run."""
    return write_bytes_atomic(path, png_bytes(fig, dpi))


class ChartImage:
    """A chart as notebook output: the PNG with its alt text in the output metadata (the report renderer
    reads it for ``<img alt>``), and the alt text as the plain-text form — a readable stand-in in
    terminals, and what nbval compares (PNG bytes are not compared). Works without pyplot or the inline
    backend. In a notebook cell: ``show(line_chart(...))``.
    """

    def __init__(
        self, png: bytes, alt: str, problems: Sequence[str] = (), values: list[list[Any]] | None = None
    ) -> None:
        self.png = png
        self.alt = alt
        self.problems = list(problems)
        self.values = values

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict[str, Any], dict[str, Any]]:
        meta: dict[str, Any] = {"alt": self.alt}
        if self.problems:  # read by the figure check of the end-to-end tests
            meta["citybank_problems"] = self.problems
        if self.values:  # the bank values drawn, checked against the bank by the end-to-end tests
            meta["citybank_values"] = self.values
        return {"image/png": self.png, "text/plain": self.alt}, {"image/png": meta}

    def _repr_png_(self) -> bytes:
        return self.png

    def __repr__(self) -> str:
        return self.alt


def _bank_values(fig: Figure, df: pd.DataFrame, y: str) -> None:
    """Remember the bank values a chart draws — when its frame holds bank rows (variable, territory, year) — so
    that the notebook output carries them for the test that checks every figure against the bank."""
    if {"variable", "territory", "year"} <= set(df.columns):
        rows = df[df[y].notna() & df["variable"].notna()]
        fig.citybank_values = [  # type: ignore[attr-defined]
            [str(v), str(t_), int(yr), float(x)]
            for v, t_, yr, x in zip(rows["variable"], rows["territory"], rows["year"], rows[y], strict=True)
        ]


def show(fig: Figure, dpi: int = DPI) -> ChartImage:
    """The figure as a ``ChartImage`` (deterministic PNG + alt text, and what :func:`figure_problems` found)
    for display in a notebook."""
    fig.set_dpi(dpi)  # the check then measures the figure exactly as it was drawn for the PNG
    png = png_bytes(fig, dpi)
    return ChartImage(
        png, figure_alt_text(fig), figure_problems(fig, drawn=True), getattr(fig, "citybank_values", None)
    )


__all__ = [
    "ChartImage",
    "show",
    "PALETTE",
    "HIGHLIGHT",
    "NEUTRAL",
    "STYLE",
    "style_context",
    "apply_style",
    "LocaleFormatter",
    "year_axis",
    "alt_text",
    "figure_alt_text",
    "figure_problems",
    "line_chart",
    "class_position_chart",
    "bar_chart",
    "district_bars",
    "interval_chart",
    "peer_comparison",
    "png_bytes",
    "save_png",
]
