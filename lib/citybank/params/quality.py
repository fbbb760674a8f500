"""Thresholds of the data-quality detectors (``params/quality.yml``), run on every dataset at ingest by
``citybank.ingest.detectors``. A detector's finding is a verdict "to be confirmed" by the provider: the value stays
in the bank (nothing is quarantined) and every page that shows it says so.

    >>> Detectors().level_shift.z, Detectors().level_shift.z_outlier
    (6.0, 4.0)
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from .core import SLUG, Loader, ParamsError, ParamsProblem, Registry, Strict

FILE = "quality.yml"


class CopyForward(Strict):
    """A year whose every value equals the previous year's (a re-sent file)."""

    min_cells: int = Field(3, ge=2, description="values (variable × territory) compared, at least")
    min_usual_change: float = Field(
        0.5, ge=0, le=1, description="share of values that change between the other consecutive years, at least "
        "(a series that rarely changes, e.g. an area, repeats itself by nature)"
    )  # fmt: skip


class LevelShift(Strict):
    """A change of level against the series: the log change of a year is compared with the series' own changes
    (median and MAD, robust to the outlier itself)."""

    z: float = Field(6.0, gt=0, description="a change that stays: robust z-score of the log change, at least")
    z_outlier: float = Field(
        4.0, gt=0, description="a one-year excursion: robust z-score of the value against its neighbours, at least"
    )
    min_change: float = Field(0.08, gt=0, description="relative change, at least (0.08 = 8 %)")
    min_mad: float = Field(0.02, gt=0, description="floor of the scale of log changes (a smooth series has MAD ~ 0)")
    min_points: int = Field(5, ge=3, description="years in the series, at least")
    min_value: float = Field(20, ge=0, description="values below this in both years are not judged (small counts)")
    recover: float = Field(
        0.5, gt=0, le=1, description="a change undone by at least this share the next year is a one-year outlier"
    )


class SuddenZero(Strict):
    """A zero where the series is otherwise well above zero."""

    min_typical: float = Field(20, gt=0, description="median of the series' other values, at least")


class ShareJump(Strict):
    """A district's share of the city total (the sum of the districts) that jumps against its own series."""

    min_points: float = Field(2.0, gt=0, description="change in percentage points, at least")
    z: float = Field(5.0, gt=0, description="robust z-score of the change, at least")
    min_mad: float = Field(0.2, gt=0, description="floor of the MAD of the share's changes, in points")
    min_years: int = Field(5, ge=3, description="years of the share, at least")
    min_value: float = Field(20, ge=0, description="every district's value, at least (small counts move shares)")


class Detectors(Strict):
    copy_forward: CopyForward = CopyForward()
    level_shift: LevelShift = LevelShift()
    sudden_zero: SuddenZero = SuddenZero()
    share_jump: ShareJump = ShareJump()
    city_wide: float = Field(
        0.8, gt=0, le=1, description="a finding in at least this share of the districts is said of the whole city"
    )
    skip: dict[str, list[str]] = Field(
        {}, description="dataset id → detectors not run on it (copy_forward, level_shift, sudden_zero, share_jump)"
    )


DETECTORS = ("copy_forward", "level_shift", "sudden_zero", "share_jump")


def _parse(reg: Registry, data: Any) -> tuple[Detectors, list[ParamsProblem]]:
    loader = Loader(reg.root)
    path = reg.root / FILE
    rel = loader.rel(path)
    if not isinstance(data, dict):
        return Detectors(), [ParamsProblem(rel, "", "expected a mapping with a top-level 'detectors:' key")]
    problems = [
        ParamsProblem(rel, k, "unknown top-level key (only 'detectors' is allowed)")
        for k in sorted(set(data) - {"detectors"})
    ]
    det = loader.model(Detectors, data.get("detectors") or {}, path, "detectors")
    raw = data.get("detectors") if isinstance(data.get("detectors"), dict) else {}
    skip = raw.get("skip") if isinstance(raw.get("skip"), dict) else {}
    for ds_id, names in skip.items():  # from the YAML itself: said even when another key of the model is wrong
        names = names if isinstance(names, list) else []
        # a dataset absent from params/datasets is not an error (a workspace may hold fewer datasets); an id that
        # cannot be one is
        if not re.fullmatch(SLUG, str(ds_id)):
            problems.append(
                ParamsProblem(rel, f"detectors.skip.{ds_id}", "not a dataset id (lower case, digits and hyphens)")
            )
        for n in names:
            if n not in DETECTORS:
                problems.append(
                    ParamsProblem(
                        rel,
                        f"detectors.skip.{ds_id}",
                        f"unknown detector '{n}'; expected one of {', '.join(DETECTORS)}",
                    )
                )
    return det or Detectors(), [*loader.problems, *problems]


def check(reg: Registry, data: Any) -> list[ParamsProblem]:
    """Every problem of params/quality.yml, none raised (load_params collects them)."""
    return _parse(reg, data)[1]


def load_detectors(reg: Registry) -> Detectors:
    """The detectors' thresholds (the defaults when params/quality.yml is absent)."""
    data = reg.extra.get("quality")
    if data is None:
        return Detectors()
    det, problems = _parse(reg, data)
    if problems:
        raise ParamsError(problems)
    return det
