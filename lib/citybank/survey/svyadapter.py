"""The ONE module that calls ``svy`` (pinned exactly in pyproject.toml: svy is pre-1.0 and changes between
versions). Everything else in the workbench passes pandas frames in and gets plain numbers out, so an svy upgrade
touches this file only, and the golden tests in tests/test_survey.py say whether the numbers moved.

What svy computes here, checked by hand in the tests:

- ``rake``: iterative proportional fitting to absolute margins (``controls``), tolerance ``tol`` on the largest
  relative misfit; svy does not report the number of sweeps, so ``rake`` finds the smallest ``max_iter`` with which
  it converges (raking 600 rows takes milliseconds);
- ``share``: a weighted proportion with Taylor-linearised variance for a single-stage design with replacement
  (``v = n/(n-1) · Σ zᵢ²``, ``zᵢ = wᵢ(yᵢ − p)/Σw``; in a domain, ``zᵢ = 0`` outside it and ``n`` counts the whole
  sample), a logit confidence interval with Student's t on ``n − 1`` degrees of freedom, and the design effect
  against simple random sampling with replacement (``deff = v / (p(1 − p)/(n − 1))``).

When every answer in a domain is the same (p = 0 or 1) svy has no logit interval; ``share`` then returns se = 0 and
the Clopper–Pearson interval on the unweighted count, and no design effect.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl
import svy
from scipy import stats

SVY_VERSION = svy.__version__


@dataclass(frozen=True)
class Share:
    est: float
    se: float
    lci: float
    uci: float
    deff: float
    n: int


EMPTY = Share(math.nan, math.nan, math.nan, math.nan, math.nan, 0)


class RakeFailed(Exception):
    """svy could not rake to the margins (the message is svy's)."""


def _sample(frame: pd.DataFrame, weight: str) -> svy.Sample:
    return svy.Sample(pl.from_pandas(frame.reset_index(drop=True)), svy.Design(wgt=weight))


def rake(
    frame: pd.DataFrame, weight: str, controls: dict[str, dict[str, float]], tol: float = 1e-6, max_iter: int = 200
) -> tuple[np.ndarray, int]:
    """Raked weights (in the frame's row order) and the number of IPF sweeps needed."""
    sample = _sample(frame[[weight, *controls]], weight)
    for n in range(1, max_iter + 1):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = sample.weighting.rake(controls=controls, tol=tol, max_iter=n, wgt_name="rk_wgt")
        except Exception as exc:  # svy raises its own WeightingError for non-convergence and bad margins
            if "NOT_CONVERGED" in str(exc) or "did not converge" in str(exc):
                continue
            raise RakeFailed(str(exc).strip()) from exc
        return out.data["rk_wgt"].to_numpy(), n
    raise RakeFailed(f"raking did not converge in {max_iter} sweeps (tol {tol:g})")


def _clopper_pearson(x: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    lo = 0.0 if x == 0 else float(stats.beta.ppf(alpha / 2, x, n - x + 1))
    hi = 1.0 if x == n else float(stats.beta.ppf(1 - alpha / 2, x + 1, n - x))
    return lo, hi


def share(frame: pd.DataFrame, y: str, weight: str, by: str | None = None) -> dict[str | None, Share]:
    """The weighted share of ``y == 1`` (0/1 with missing values left out), overall (key None) or per value of ``by``."""
    data = frame[[y, weight] + ([by] if by else [])].copy()
    data = data[data[y].notna()]
    data[y] = data[y].astype("float64")
    if data.empty:
        return {}
    if by:
        data[by] = data[by].astype(str)
    # Every answer alike (in every domain): svy 0.35 raises a misleading DEFF_NOT_COMPUTABLE; there is no variance.
    groups = [(None, data)] if by is None else [(str(k), g) for k, g in data.groupby(by)]
    if all(g[y].nunique() == 1 for _, g in groups):
        return {
            k: Share(float(g[y].iloc[0]), 0.0, *_clopper_pearson(int(g[y].sum()), len(g)), math.nan, len(g))
            for k, g in groups
        }
    sample = _sample(data, weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = sample.estimation.prop(y, by=by, deff="wr", drop_nulls=True).to_polars().to_pandas()
    counts = data.groupby(by)[y].agg(["sum", "size"]) if by else None
    out: dict[str | None, Share] = {}
    for rec in est[est[y] == 1.0].to_dict(orient="records"):
        k = None if by is None else str(rec[by])
        s = Share(
            float(rec["est"]), float(rec["se"]), float(rec["lci"]), float(rec["uci"]), float(rec["deff"]), int(rec["n"])
        )
        if not (s.se > 0 and math.isfinite(s.lci)):  # every answer alike, or a single one: no logit interval
            x = int(counts.at[k, "sum"]) if counts is not None else int(data[y].sum())
            s = Share(s.est, s.se, *_clopper_pearson(x, s.n), math.nan, s.n)
        out[k] = s
    if by:  # a domain where every answer is 0 has no row for y == 1
        for k in counts.index:
            if str(k) not in out:
                n = int(counts.at[k, "size"])
                out[str(k)] = Share(0.0, 0.0, *_clopper_pearson(0, n), math.nan, n)
    return out
