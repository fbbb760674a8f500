"""A variance that accounts for raking: Taylor linearisation of the calibrated (raked) share, the approach of R's
``survey`` package for ``rake()`` / ``calibrate(calfun = "raking")`` (Deville & Särndal 1992): the share's linearised
variable is replaced by its residual from a weighted regression on the raking variables' indicators, so the part of
the variance the margins fix is taken out. ``params/survey.yml``, ``variance: calibration`` selects it; the default
``fixed_weights`` treats the weights as given (today's tables).

For a domain ``d`` (the city, a district, a mode) and a 0/1 answer ``y`` (missing left out):

    z_i = 1[i in d, y_i known] (y_i - p) / N_d                      p, N_d: the weighted share and base
    e_i = z_i - x_i' B,   B = (sum w x x')^+ sum w x z              x_i: indicators of the raking variables' levels
    v   = n/(n-1) sum_i (w_i e_i - mean(w e))^2                     one stage, with replacement

Without raking variables ``e = z`` and ``v`` is the fixed-weights Taylor variance (what svy computes).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def linearised_se(
    frame: pd.DataFrame, y: str, weight: str, controls: list[str], domain: pd.Series | None = None
) -> float:
    """The standard error of the weighted share of ``y == 1`` within ``domain`` (a boolean mask over ``frame``'s
    rows, all rows when None), every row of ``frame`` one respondent of the whole sample, calibrated on ``controls``."""
    w = frame[weight].to_numpy(dtype="float64")
    yv = pd.to_numeric(frame[y], errors="coerce").to_numpy(dtype="float64")
    inside = ~np.isnan(yv)
    if domain is not None:
        inside &= domain.to_numpy(dtype=bool)
    n = len(frame)
    if inside.sum() == 0 or n < 2:
        return math.nan
    base = w[inside].sum()
    p = float((w[inside] * yv[inside]).sum() / base)
    z = np.where(inside, (np.nan_to_num(yv) - p) / base, 0.0)
    if controls:
        x = pd.get_dummies(frame[controls].astype(str), dtype="float64").to_numpy()
        xtwx = x.T @ (x * w[:, None])
        b = np.linalg.pinv(xtwx) @ (x.T @ (w * z))
        z = z - x @ b
    u = w * z
    return float(math.sqrt(n / (n - 1) * ((u - u.mean()) ** 2).sum()))


def rescale_interval(est: float, lci: float, uci: float, ratio: float) -> tuple[float, float]:
    """The confidence interval with its half-widths on the logit scale multiplied by ``ratio`` (calibrated se /
    fixed-weights se): the same quantile and transformation as the fixed-weights interval, the calibrated spread."""
    if not (0 < est < 1) or not (0 < lci < 1) or not (0 < uci < 1) or not math.isfinite(ratio):
        return lci, uci

    def logit(v: float) -> float:
        return math.log(v / (1 - v))

    def expit(v: float) -> float:
        return 1 / (1 + math.exp(-v))

    c = logit(est)
    return expit(c - (c - logit(lci)) * ratio), expit(c + (logit(uci) - c) * ratio)
