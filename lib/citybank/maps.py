"""Classed choropleth maps of gminas, drawn offline with matplotlib from the boundaries shipped in the package.

* Boundaries: ``data/geo/slaskie.gminas.json`` — the 167 gminas of województwo śląskie from GUGiK's PRG
  (simplified by jusuff/PolandGeoJson, about 2020; see ``data/geo/SOURCE.md``); the caption of every map names
  that source and its date.
* Classes: quantiles of the values shown (at most ``CLASSES``, fewer when values repeat), coloured from the
  *cividis* scale (sequential, readable with the common colour-vision deficiencies and in greyscale); gminas
  of the voivodeship outside the set are drawn light grey; the city is outlined in ``HIGHLIGHT``.
* Legend: the bounds of each class with the unit; the alt text lists every gmina with its value (the text
  alternative of the map, in the report language).
* Deterministic: no randomness, features drawn in the file's order, so ``save_png`` writes identical bytes.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import numpy as np
from matplotlib import colormaps
from matplotlib.figure import Figure
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from .i18n import check_lang, t, unit_label
from .narrative import fmt_number, fmt_value
from .plots import HIGHLIGHT, _finish, _new_figure, style_context

BOUNDARIES = Path(__file__).resolve().parent / "data" / "geo" / "slaskie.gminas.json"
CLASSES = 5
OUTSIDE = "#E6E6E6"
EDGE = "#FFFFFF"


@cache
def boundaries(path: Path = BOUNDARIES) -> dict[str, tuple[str, list[list[list[tuple[float, float]]]]]]:
    """``terc`` (7 characters) → (name, polygons; each polygon a list of rings, the exterior first)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, tuple[str, list[list[list[tuple[float, float]]]]]] = {}
    for f in data["features"]:
        geom = f["geometry"]
        polys = [geom["coordinates"]] if geom["type"] == "Polygon" else geom["coordinates"]
        rings = [[[(float(x), float(y)) for x, y in ring] for ring in poly] for poly in polys]
        out[str(f["properties"]["terc"])] = (str(f["properties"]["name"]), rings)
    return out


def _signed_area(ring: Sequence[tuple[float, float]]) -> float:
    return 0.5 * sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, [*ring[1:], ring[0]], strict=True))


def _path(polygons: list[list[list[tuple[float, float]]]]) -> MplPath:
    """One path for a (multi)polygon: exteriors counter-clockwise and holes clockwise, so that the non-zero
    fill rule leaves the holes (an urban gmina inside a rural one) empty whatever the file's orientation."""
    verts: list[tuple[float, float]] = []
    codes: list[int] = []
    for poly in polygons:
        for i, ring in enumerate(poly):
            ccw = _signed_area(ring) > 0
            if ccw != (i == 0):
                ring = ring[::-1]
            verts += [*ring, ring[0]]
            codes += [MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1) + [MplPath.CLOSEPOLY]
    return MplPath(np.asarray(verts, dtype="float64"), codes)


def quantile_classes(values: Sequence[float], classes: int = CLASSES) -> list[float]:
    """Class bounds (ascending, first = minimum, last = maximum): quantiles of ``values``, repeated bounds
    merged, so there are at most ``classes`` classes and at least one."""
    v = np.sort(np.asarray(values, dtype="float64"))
    if not len(v):
        raise ValueError("a map needs at least one value")
    q = np.quantile(v, np.arange(classes + 1) / classes, method="inverted_cdf")
    q[0], q[-1] = v[0], v[-1]
    bounds = [float(q[0])]
    for b in q[1:]:
        if float(b) > bounds[-1]:
            bounds.append(float(b))
    return bounds if len(bounds) > 1 else [bounds[0], bounds[0]]


def class_of(value: float, bounds: Sequence[float]) -> int:
    """The class index (0-based) of ``value``: class i holds (bounds[i], bounds[i+1]], the first also its minimum."""
    return max(0, min(len(bounds) - 2, int(np.searchsorted(np.asarray(bounds[1:-1]), value, side="left"))))


def choropleth(
    values: Mapping[str, float],
    *,
    city: str,
    title: str,
    lang: str,
    source: str | Sequence[str],
    unit: str | None = None,
    classes: int = CLASSES,
    path: Path = BOUNDARIES,
) -> Figure:
    """A classed map of ``values`` (``terc`` → value) over the voivodeship's gminas, ``city`` (a ``terc``)
    outlined. Gminas in ``values`` without a boundary raise a ValueError naming them."""
    check_lang(lang)
    geo = boundaries(path)
    missing = sorted(set(values) - set(geo))
    if missing:
        raise ValueError(f"no boundary in {path.name} for gminas {', '.join(missing)} (TERC, 7 characters)")
    shown = {k: float(v) for k, v in values.items() if v is not None and math.isfinite(float(v))}
    bounds = quantile_classes(list(shown.values()), classes)
    n = len(bounds) - 1
    cmap = colormaps["cividis"]
    colours = [cmap(0.1 + 0.85 * i / max(1, n - 1)) for i in range(n)]
    dec = 0 if max(abs(b) for b in bounds) >= 100 else 1 if max(abs(b) for b in bounds) >= 1 else 2
    percent = unit == "%"
    with style_context():
        fig, ax = _new_figure((8.0, 6.0))
        lats = [y for _, polys in geo.values() for poly in polys for _, y in poly[0]]
        ax.set_aspect(1 / math.cos(math.radians((min(lats) + max(lats)) / 2)))
        for terc, (_name, polys) in geo.items():
            colour = colours[class_of(shown[terc], bounds)] if terc in shown else OUTSIDE
            ax.add_patch(PathPatch(_path(polys), facecolor=colour, edgecolor=EDGE, linewidth=0.4, zorder=1))
        if city in geo:
            ax.add_patch(PathPatch(_path(geo[city][1]), facecolor="none", edgecolor=HIGHLIGHT, linewidth=2.4, zorder=3))
        ax.autoscale_view()
        ax.set_axis_off()
        ax.set_xticks([], [])
        ax.set_yticks([], [])
        ax.set_anchor("W")  # the map at the left, under the start of the title; the legend to its right
        u = unit_label(unit, lang) if unit and not percent else ""

        def fmt(x: float) -> str:
            return fmt_number(x, lang, dec)

        handles = [
            Patch(
                facecolor=colours[i],
                edgecolor="#888888",
                label=f"{fmt(bounds[i])} – {fmt(bounds[i + 1])}{' %' if percent else ''}",
            )
            for i in range(n)
        ]
        counts = [sum(class_of(v, bounds) == i for v in shown.values()) for i in range(n)]
        handles = [
            Patch(facecolor=h.get_facecolor(), edgecolor="#888888", label=f"{h.get_label()} ({c})")
            for h, c in zip(handles, counts, strict=True)
        ]
        handles.append(Patch(facecolor=OUTSIDE, edgecolor="#888888", label=t("map.outside", lang)))
        if city in geo:
            handles.append(Patch(facecolor="none", edgecolor=HIGHLIGHT, linewidth=2.4, label=geo[city][0]))
        ax.legend(
            handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=9,
            title=t("map.legend", lang, unit="%" if percent else u or "—"), title_fontsize=9,
        )  # fmt: skip
        credit = t("map.boundaries", lang)
        sources = [source] if isinstance(source, str) else list(source)
        order = sorted(shown.items(), key=lambda kv: (-kv[1], geo[kv[0]][0]))
        rows = "; ".join(f"{geo[k][0]}: {fmt_value(v, unit, lang, decimals=dec) if unit else fmt(v)}" for k, v in order)
        alt = t("map.alt", lang, title=title, n=len(shown), classes=n, values=rows)
        fig.citybank_table = [(k, geo[k][0], v, class_of(v, bounds) + 1) for k, v in order]  # type: ignore[attr-defined]
        return _finish(fig, ax, title=title, lang=lang, source=[*sources, credit], alt=alt)


def map_table(fig: Figure) -> list[tuple[str, str, float, int]]:
    """The rows a map drew, largest value first: (terc, name, value, class number from 1) — its text alternative."""
    return list(fig.citybank_table)  # type: ignore[attr-defined]


__all__ = ["BOUNDARIES", "boundaries", "choropleth", "class_of", "map_table", "quantile_classes"]
