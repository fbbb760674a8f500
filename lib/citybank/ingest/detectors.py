"""Data-quality detectors, run on every dataset at ingest: what a statistician looks for before publishing.

Each finding is a verdict **to be confirmed** by the provider — never a quarantine: the value stays in the bank,
and the quality report, the provider card, the dataset's page, its charts and its sentences say it. Thresholds
are in ``params/quality.yml`` (``citybank.params.quality``). The city's own rows are judged (the city and its
districts); peers and the country are other publishers' data.

``copy_forward``
    every value of a year equals the previous year's, over at least ``min_cells`` values (variable × territory)
    of a dataset whose values otherwise change (a re-sent file).
``outlier`` / ``level_shift``
    the log change of a year against the series' own changes, robustly: ``z = (d - median) / max(1.4826·MAD,
    min_mad)``. A change undone the next year is a one-year ``outlier`` (a dip or a spike); one that stays is a
    ``level_shift``. A change at a declared series break (params/variables.yml ``breaks``) is the break, not a
    finding.
``sudden_zero``
    a zero in a series whose other values have a median of at least ``min_typical``.
``share_jump``
    a district's share of the city (the sum of the districts) that changes by ``min_points`` points or more and
    by ``z`` robust deviations of its own changes — unless the district's value itself was already found.

The findings of one year and kind are grouped over territories: ``scope`` says whether they cover every
district (``every_district``), most of them (at least ``city_wide``: ``most_districts``), or named territories.

    >>> import pandas as pd
    >>> rows = pd.DataFrame({"variable": "x", "territory": ["a", "b", "c"] * 2, "year": [2023] * 3 + [2024] * 3,
    ...                      "value": [1.0, 2.0, 3.0, 1.0, 2.0, 3.0]})
    >>> copy_forward(rows, CopyForward())[["year", "cells"]].to_dict("records")
    [{'year': 2024, 'cells': 3}]
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from ..params import Registry
from ..params.quality import CopyForward, Detectors, LevelShift, ShareJump, SuddenZero, load_detectors

FINDING_COLUMNS = [
    "dataset",
    "variable",
    "year",
    "check",
    "territories",
    "scope",
    "value",
    "reference",
    "change",
    "verdict",
    "reason",
]
"""A finding: ``territories`` space-separated codes; ``value`` the year's value and ``reference`` what it is
compared with (the previous year; for a share: points), of the city when it is among the territories, else of the
first; ``change`` the relative change (points for a share); ``verdict`` always ``to_confirm``."""

CHECKS = ("copy_forward", "outlier", "level_shift", "sudden_zero", "share_jump")
VERDICT = "to_confirm"


def empty_findings() -> pd.DataFrame:
    types = {"year": "int64", "value": "float64", "reference": "float64", "change": "float64"}
    return pd.DataFrame({c: pd.Series(dtype=types.get(c, "str")) for c in FINDING_COLUMNS})


def _mad_scale(d: np.ndarray, floor: float) -> tuple[float, float]:
    med = float(np.median(d))
    return med, max(1.4826 * float(np.median(np.abs(d - med))), floor)


def copy_forward(rows: pd.DataFrame, p: CopyForward) -> pd.DataFrame:
    """Years whose every value (≥ ``min_cells`` of them) equals the previous year's, in a dataset whose values
    otherwise change: one row per such year with ``cells`` compared."""
    wide = rows.pivot_table(index=["variable", "territory"], columns="year", values="value", aggfunc="first")
    years = sorted(int(y) for y in wide.columns)
    changed: dict[int, tuple[int, int]] = {}  # year → (cells compared, cells changed) against year-1
    for y in years:
        if y - 1 not in wide.columns:
            continue
        both = wide[[y - 1, y]].dropna()
        same = np.isclose(both[y].to_numpy(), both[y - 1].to_numpy(), rtol=1e-12, atol=0.0)
        changed[y] = (len(both), int((~same).sum()))
    out = []
    for y, (n, k) in changed.items():
        if n < p.min_cells or k:
            continue
        others = [(m, c) for z, (m, c) in changed.items() if z != y and m]
        usual = sum(c for _, c in others) / sum(m for m, _ in others) if others else 1.0
        if usual >= p.min_usual_change:
            out.append({"year": y, "cells": n, "usual_change": usual})
    return pd.DataFrame(out, columns=["year", "cells", "usual_change"])


def level_changes(
    series: pd.Series, p: LevelShift, breaks: Iterable[int] = (), *, counts: bool = False
) -> pd.DataFrame:
    """Outliers and level shifts of one series (values indexed by year): rows of year, check, value, reference,
    change, z.

    A one-year ``outlier`` is a value away from the mean (in logs) of its two neighbours, judged against the same
    residual of the other years (median, MAD); a ``level_shift`` a log change against the other changes (the
    outliers' changes left out), each leaving out itself and its neighbours. For ``counts`` (events, persons) the
    scale is at least the Poisson noise of the values (a log of a count ``v`` varies by about ``1/√v``): 43 → 54
    road accidents is noise, 13,437 → 12,096 residents is not. ``reference`` is the previous year's value;
    ``change`` relative to it."""
    s = series.dropna().sort_index()
    cols = ["year", "check", "value", "reference", "change", "z"]
    if len(s) < p.min_points or (s <= 0).any():
        return pd.DataFrame(columns=cols)
    years = s.index.to_numpy(dtype=int)
    logs = np.log(s.to_numpy(dtype=float))
    vals = s.to_numpy(dtype=float)
    cut = set(int(b) for b in breaks)

    def joined(i: int) -> bool:  # years i-1 and i are consecutive and no break lies between them
        return years[i] - years[i - 1] == 1 and int(years[i]) not in cut

    def big(i: int, j: int) -> bool:  # large enough to matter: relative change and level
        return abs(vals[i] / vals[j] - 1) >= p.min_change and max(vals[i], vals[j]) >= p.min_value

    out = []
    inner = [i for i in range(1, len(s) - 1) if joined(i) and joined(i + 1)]
    outliers: set[int] = set()
    if len(inner) >= p.min_points - 2:
        r = np.array([logs[i] - (logs[i - 1] + logs[i + 1]) / 2 for i in inner])
        found = []
        for k, i in enumerate(inner):
            # judged against the others, leaving out its neighbours (an outlier moves theirs by half its size)
            rest = np.array([x for m, x in zip(inner, r, strict=True) if abs(m - i) > 1])
            if len(rest) < 2:
                continue
            med, scale = _mad_scale(rest, p.min_mad)
            if counts:
                scale = max(scale, float(np.sqrt(1 / vals[i] + 0.25 / vals[i - 1] + 0.25 / vals[i + 1])))
            z = (r[k] - med) / scale
            back = abs(logs[i + 1] - logs[i]) >= p.recover * abs(logs[i] - logs[i - 1])
            if abs(z) >= p.z_outlier and big(i, i - 1) and back:
                found.append((abs(z), i, float(z)))
        for _, i, z in sorted(found, reverse=True):  # of two neighbours, the larger (the other is its echo)
            if i - 1 in outliers or i + 1 in outliers:
                continue
            outliers.add(i)
            out.append([int(years[i]), "outlier", vals[i], vals[i - 1], vals[i] / vals[i - 1] - 1, z])
    steps = [i for i in range(1, len(s)) if joined(i) and i not in outliers and i - 1 not in outliers]
    if len(steps) >= p.min_points - 1:
        d = np.array([logs[i] - logs[i - 1] for i in steps])
        for k, i in enumerate(steps):
            med, scale = _mad_scale(np.delete(d, k), p.min_mad)
            if counts:
                scale = max(scale, float(np.sqrt(1 / vals[i] + 1 / vals[i - 1])))
            z = (d[k] - med) / scale
            if abs(z) >= p.z and big(i, i - 1):
                out.append([int(years[i]), "level_shift", vals[i], vals[i - 1], vals[i] / vals[i - 1] - 1, float(z)])
    return pd.DataFrame(sorted(out), columns=cols)


def sudden_zeros(series: pd.Series, p: SuddenZero) -> list[tuple[int, float]]:
    """(year, median of the other values) of each zero in a series otherwise at least ``min_typical``."""
    s = series.dropna()
    out = []
    for y, v in s.items():
        if v == 0:
            others = s.drop(index=y)
            if len(others) and float(others.median()) >= p.min_typical:
                out.append((int(y), float(others.median())))
    return out


def share_jumps(rows: pd.DataFrame, districts: list[str], p: ShareJump) -> pd.DataFrame:
    """Districts' shares of their sum (in %) that jump: variable, territory, year, value (share), reference
    (previous share), change (points), z. Only years where every district has a value."""
    cols = ["variable", "territory", "year", "value", "reference", "change", "z"]
    part = rows[rows["territory"].isin(districts)]
    out = []
    for var, g in part.groupby("variable", sort=True):
        wide = g.pivot_table(index="year", columns="territory", values="value", aggfunc="first")
        wide = wide.reindex(columns=districts).dropna()
        if wide.empty or float(wide.min().min()) < p.min_value:  # small counts: one more playground is 2 points
            continue
        total = wide.sum(axis=1)
        wide = wide[total > 0]
        if len(wide) < p.min_years:
            continue
        share = wide.div(wide.sum(axis=1), axis=0) * 100
        years = share.index.to_numpy(dtype=int)
        consecutive = np.diff(years) == 1
        for t in districts:
            s = share[t].to_numpy()
            d = np.diff(s)[consecutive]
            if len(d) < p.min_years - 1:
                continue
            med, scale = _mad_scale(d, p.min_mad)
            idx = np.flatnonzero(consecutive) + 1
            for j, i in enumerate(idx):
                z = (d[j] - med) / scale
                if abs(z) >= p.z and abs(d[j]) >= p.min_points:
                    out.append([var, t, int(years[i]), float(s[i]), float(s[i - 1]), float(d[j]), float(z)])
    return pd.DataFrame(out, columns=cols)


def _scope(territories: list[str], districts: list[str], city: str, city_wide: float) -> str:
    ds = [t for t in territories if t in districts]
    if districts and len(ds) == len(districts):
        return "every_district"
    if districts and len(ds) >= city_wide * len(districts):
        return "most_districts"
    if territories == [city]:
        return "city"
    return "territories"


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.3g}"


def detect(dataset: str, rows: pd.DataFrame, reg: Registry, det: Detectors | None = None) -> pd.DataFrame:
    """Every finding (FINDING_COLUMNS) on the bank rows of one dataset (variable, territory, year, value)."""
    det = det or load_detectors(reg)
    skip = set(det.skip.get(dataset, []))
    city = reg.city.terc
    districts = [d.code for d in reg.city.districts]
    names = reg.city.territory_names
    own = rows[rows["territory"].isin([city, *districts])][["variable", "territory", "year", "value"]]
    own = own.drop_duplicates(["variable", "territory", "year"]).sort_values(["variable", "territory", "year"])
    if own.empty:
        return empty_findings()
    hits: list[dict] = []  # one per (variable, territory, year, check) before grouping

    if "copy_forward" not in skip:
        for r in copy_forward(own, det.copy_forward).itertuples():
            here = own[own["year"] == r.year]
            terr = sorted(set(here["territory"]))
            vars_ = sorted(set(here["variable"]))
            scope = _scope(terr, districts, city, det.city_wide)
            where = "every district" if scope == "every_district" else ", ".join(names.get(t, t) for t in terr)
            hits.append(
                {
                    "variable": " ".join(vars_),
                    "territory": terr,
                    "year": r.year,
                    "check": "copy_forward",
                    "value": float("nan"),
                    "reference": float("nan"),
                    "change": 0.0,
                    "reason": f"every value of {r.year} ({r.cells} of {', '.join(vars_)} in {where}) equals {r.year - 1}'s"
                    f" — a re-sent file? (other years change in {r.usual_change:.0%} of values)",
                }
            )
    found: set[tuple[str, str, int]] = set()
    for (var, terr), g in own.groupby(["variable", "territory"], sort=True):
        s = g.set_index("year")["value"]
        variable = reg.variables.get(var)
        breaks = [b.year for b in variable.breaks] if variable else []
        if "level_shift" not in skip:
            counts = bool(variable and variable.kind == "count")
            for r in level_changes(s, det.level_shift, breaks, counts=counts).itertuples():
                found.add((var, terr, r.year))
                what = "a one-year " + ("dip" if r.change < 0 else "spike") if r.check == "outlier" else "a change"
                hits.append(
                    {
                        "variable": var,
                        "territory": [terr],
                        "year": r.year,
                        "check": r.check,
                        "value": r.value,
                        "reference": r.reference,
                        "change": r.change,
                        "reason": f"{what} of {r.change:+.1%} ({_fmt(r.reference)} → {_fmt(r.value)}), "
                        f"{abs(r.z):.0f} robust deviations from the series' usual change",
                    }
                )
        if "sudden_zero" not in skip:
            for y, typical in sudden_zeros(s, det.sudden_zero):
                found.add((var, terr, y))
                hits.append(
                    {
                        "variable": var,
                        "territory": [terr],
                        "year": y,
                        "check": "sudden_zero",
                        "value": 0.0,
                        "reference": typical,
                        "change": -1.0,
                        "reason": f"0 where the other years' median is {_fmt(typical)}",
                    }
                )
    if "share_jump" not in skip and len(districts) > 1:
        additive = own[own["variable"].map(lambda v: bool(getattr(reg.variables.get(v), "additive", False)))]
        for r in share_jumps(additive, districts, det.share_jump).itertuples():
            if (r.variable, r.territory, r.year) in found:
                continue
            hits.append(
                {
                    "variable": r.variable,
                    "territory": [r.territory],
                    "year": r.year,
                    "check": "share_jump",
                    "value": r.value,
                    "reference": r.reference,
                    "change": r.change,
                    "reason": f"its share of the city moves {r.change:+.1f} points ({r.reference:.1f} % → "
                    f"{r.value:.1f} %), {abs(r.z):.0f} robust deviations from its usual change",
                }
            )
    return _group(dataset, hits, districts, city, det.city_wide, names)


def _group(
    dataset: str, hits: list[dict], districts: list[str], city: str, city_wide: float, names: dict[str, str]
) -> pd.DataFrame:
    if not hits:
        return empty_findings()
    df = pd.DataFrame(hits)
    df["direction"] = np.sign(df["change"].fillna(0.0))
    # a one-year outlier in some territories and a change of the same sign in others (whose next year is missing)
    # is one event
    outl = df[df["check"] == "outlier"]
    keys = set(zip(outl["variable"], outl["year"], outl["direction"], strict=True))
    same = [
        c == "level_shift" and k in keys
        for c, k in zip(df["check"], zip(df["variable"], df["year"], df["direction"], strict=True), strict=True)
    ]
    df.loc[same, "check"] = "outlier"
    out = []
    for (var, year, check, _), g in df.groupby(["variable", "year", "check", "direction"], sort=True):
        terr = sorted({t for ts in g["territory"] for t in ts}, key=lambda t: (t != city, t))
        first = terr[0]
        lead = g[g["territory"].map(lambda ts, first=first: ts[0] == first)].iloc[0]
        scope = _scope(terr, districts, city, city_wide)
        if check == "copy_forward":
            reason = lead["reason"]
        elif scope in ("every_district", "most_districts"):
            n = sum(t in districts for t in terr)
            reason = (
                f"in {n} of {len(districts)} districts: "
                + lead["reason"]
                + (" (the city's value)" if terr[0] == city else "")
            )
        else:
            reason = f"{names.get(terr[0], terr[0])}: " + lead["reason"]
            if len(terr) > 1:
                reason += f"; also {', '.join(names.get(t, t) for t in terr[1:])}"
        out.append(
            {
                "dataset": dataset,
                "variable": var,
                "year": int(year),
                "check": check,
                "territories": " ".join(terr),
                "scope": scope,
                "value": float(lead["value"]),
                "reference": float(lead["reference"]),
                "change": float(g["change"].median()),
                "verdict": VERDICT,
                "reason": reason,
            }
        )
    found = pd.DataFrame(out, columns=FINDING_COLUMNS)
    return found.sort_values(["year", "variable", "check"], kind="mergesort").reset_index(drop=True)
