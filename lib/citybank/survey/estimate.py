"""Shares a statistician would sign: for every closed question, the top-2-box share (don't-know excluded) with its
95 % confidence interval, design effect, unweighted base and a reliability flag — for the city, each district (with
a test of the difference from the rest of the city) and each mode (CATI against CAWI), under each weighting scheme.

Reliability flag (Statistics Canada practice, thresholds in ``params/survey.yml``, ``reliability``):

``ok``          n ≥ min_n and CV ≤ cv_caution
``caution``     CV above cv_caution (up to cv_unreliable)
``unreliable``  CV above cv_unreliable, or n < min_n
``empty``       no respondent answered

A district's difference from the rest of the city: z = (p_d − p_rest) / √(se_d² + se_rest²); disjoint domains of a
single-stage design have zero covariance under Taylor linearisation. ``significant`` is p < 0.05; otherwise the
report says the difference is not significant.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ..params.survey import Reliability, Survey
from . import svyadapter
from .inputs import SurveyData
from .variance import linearised_se, rescale_interval
from .weighting import SCHEMES, Weighting

COLUMNS = [
    "question",
    "scheme",
    "domain_type",
    "domain",
    "est",
    "se",
    "lci",
    "uci",
    "deff",
    "n",
    "cv",
    "flag",
    "p_value",
    "significant",
]


def flag(share: svyadapter.Share, rel: Reliability) -> str:
    if share.n == 0 or math.isnan(share.est):
        return "empty"
    cv = share.se / share.est if share.est > 0 else math.inf
    if share.n < rel.min_n or cv > rel.cv_unreliable:
        return "unreliable"
    return "caution" if cv > rel.cv_caution else "ok"


def _test(a: svyadapter.Share, b: svyadapter.Share) -> float:
    """Two-sided p-value of the difference between two disjoint domains."""
    se = math.sqrt(a.se**2 + b.se**2)
    if a.n == 0 or b.n == 0 or not math.isfinite(se):
        return math.nan
    if se == 0:
        return 1.0 if a.est == b.est else 0.0
    return float(2 * stats.norm.sf(abs(a.est - b.est) / se))


def _row(q: str, scheme: str, dtype: str, domain: str, s: svyadapter.Share, rel: Reliability, p: float) -> dict:
    return {
        "question": q,
        "scheme": scheme,
        "domain_type": dtype,
        "domain": domain,
        "est": s.est,
        "se": s.se,
        "lci": s.lci,
        "uci": s.uci,
        "deff": s.deff,
        "n": s.n,
        "cv": s.se / s.est if s.n and s.est > 0 else math.nan,
        "flag": flag(s, rel),
        "p_value": p,
        "significant": (p < 0.05) if not math.isnan(p) else pd.NA,
    }


def estimates(data: SurveyData, survey: Survey, weightings: dict[str, Weighting]) -> pd.DataFrame:
    """One row per question × scheme × domain (city, each district of params, each mode)."""
    closed = data.closed()
    districts = [v.value for v in survey.background.district.values]
    rel = survey.reliability
    rows = []
    for scheme, wt in weightings.items():
        frame = closed.assign(w=closed["respondent"].map(wt.weights), y=closed["top2"].astype("Float64"))
        controls = list(SCHEMES.get(scheme, ())) if survey.variance == "calibration" else []
        for q in survey.questions:
            part = frame[frame["question"] == q.id]

            def cal(
                share: svyadapter.Share, mask: pd.Series | None = None, part: pd.DataFrame = part, ctl: list = controls
            ) -> svyadapter.Share:
                return calibrated(share, part, ctl, mask)

            city = cal(svyadapter.share(part, "y", "w").get(None, svyadapter.EMPTY))
            rows.append(_row(q.id, scheme, "city", "city", city, rel, math.nan))
            by_d = svyadapter.share(part, "y", "w", by="district")
            for d in districts:
                s = cal(by_d.get(d, svyadapter.EMPTY), part["district"] == d)
                rest = svyadapter.share(part.assign(rest=part["district"] != d), "y", "w", by="rest").get(
                    "True", svyadapter.EMPTY
                )
                rest = cal(rest, part["district"] != d)
                rows.append(_row(q.id, scheme, "district", d, s, rel, _test(s, rest)))
            by_m = svyadapter.share(part, "y", "w", by="mode")
            cati = cal(by_m.get("CATI", svyadapter.EMPTY), part["mode"] == "CATI")
            cawi = cal(by_m.get("CAWI", svyadapter.EMPTY), part["mode"] == "CAWI")
            p = _test(cati, cawi)
            rows.append(_row(q.id, scheme, "mode", "CATI", cati, rel, p))
            rows.append(_row(q.id, scheme, "mode", "CAWI", cawi, rel, p))
    return pd.DataFrame(rows, columns=COLUMNS).astype({"n": "int64", "significant": "boolean"})


def calibrated(
    share: svyadapter.Share, part: pd.DataFrame, controls: list[str], mask: pd.Series | None = None
) -> svyadapter.Share:
    """The share with the variance that accounts for raking on ``controls`` (``variance.linearised_se``) when
    params/survey.yml asks for it (``variance: calibration``); unchanged otherwise (fixed weights, the default)."""
    if not controls or share.n == 0 or not share.se > 0:
        return share
    se = linearised_se(part, "y", "w", controls, mask)
    ratio = se / share.se
    return svyadapter.Share(share.est, se, *rescale_interval(share.est, share.lci, share.uci, ratio),
                            share.deff * ratio**2, share.n)  # fmt: skip


def side_by_side(est: pd.DataFrame) -> pd.DataFrame:
    """City shares under each weighting scheme, one row per question (est in %)."""
    city = est[est["domain_type"] == "city"]
    return city.pivot(index="question", columns="scheme", values="est").mul(100).round(1).reset_index()


NUMERIC_COLUMNS = ["question", "scheme", "n", "mean", "mean_se", "mean_lci", "mean_uci", "median", "median_lci",
                   "median_uci"]  # fmt: skip


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value whose weighted cumulative share reaches ``q`` (the survey package's "interpolated=FALSE"
    quantile: a value that occurs in the data)."""
    order = np.argsort(values, kind="stable")
    v, w = values[order], weights[order]
    cum = np.cumsum(w) / w.sum()
    return float(v[np.searchsorted(cum, q - 1e-12)])


def numeric_estimates(data: SurveyData, survey: Survey, weighting: Weighting) -> pd.DataFrame:
    """For every numeric question: the weighted mean with its linearised (fixed-weights) standard error and 95 % CI,
    and the weighted median with Woodruff's 95 % CI (the CI of the share below the median, mapped back through the
    weighted quantiles) — the methods of R's survey ``svymean`` and ``svyquantile(ci = TRUE)``."""
    rows = []
    for nq in survey.numeric_questions:
        part = data.numeric[data.numeric["question"] == nq.id]
        y = part["value"].to_numpy(dtype="float64")
        w = part["respondent"].map(weighting.weights).to_numpy(dtype="float64")
        n = len(y)
        if n < 2:
            rows.append({"question": nq.id, "scheme": weighting.scheme, "n": n})
            continue
        mean = float((w * y).sum() / w.sum())
        u = w * (y - mean) / w.sum()
        se = math.sqrt(n / (n - 1) * ((u - u.mean()) ** 2).sum())
        z = float(stats.norm.ppf(0.975))
        median = weighted_quantile(y, w, 0.5)
        below = (y <= median).astype("float64")
        p = float((w * below).sum() / w.sum())
        ub = w * (below - p) / w.sum()
        se_p = math.sqrt(n / (n - 1) * ((ub - ub.mean()) ** 2).sum())
        lo, hi = max(0.5 - z * se_p, 0.0), min(0.5 + z * se_p, 1.0)
        rows.append({"question": nq.id, "scheme": weighting.scheme, "n": n, "mean": mean, "mean_se": se,
                     "mean_lci": mean - z * se, "mean_uci": mean + z * se, "median": median,
                     "median_lci": weighted_quantile(y, w, lo) if lo > 0 else float(y.min()),
                     "median_uci": weighted_quantile(y, w, hi)})  # fmt: skip
    return pd.DataFrame(rows, columns=NUMERIC_COLUMNS)
