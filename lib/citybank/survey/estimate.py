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

import pandas as pd
from scipy import stats

from ..params.survey import Reliability, Survey
from . import svyadapter
from .inputs import SurveyData
from .weighting import Weighting

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
        for q in survey.questions:
            part = frame[frame["question"] == q.id]
            city = svyadapter.share(part, "y", "w").get(None, svyadapter.EMPTY)
            rows.append(_row(q.id, scheme, "city", "city", city, rel, math.nan))
            by_d = svyadapter.share(part, "y", "w", by="district")
            for d in districts:
                s = by_d.get(d, svyadapter.EMPTY)
                rest = svyadapter.share(part.assign(rest=part["district"] != d), "y", "w", by="rest").get(
                    "True", svyadapter.EMPTY
                )
                rows.append(_row(q.id, scheme, "district", d, s, rel, _test(s, rest)))
            by_m = svyadapter.share(part, "y", "w", by="mode")
            cati, cawi = by_m.get("CATI", svyadapter.EMPTY), by_m.get("CAWI", svyadapter.EMPTY)
            p = _test(cati, cawi)
            rows.append(_row(q.id, scheme, "mode", "CATI", cati, rel, p))
            rows.append(_row(q.id, scheme, "mode", "CAWI", cawi, rel, p))
    return pd.DataFrame(rows, columns=COLUMNS).astype({"n": "int64", "significant": "boolean"})


def side_by_side(est: pd.DataFrame) -> pd.DataFrame:
    """City shares under each weighting scheme, one row per question (est in %)."""
    city = est[est["domain_type"] == "city"]
    return city.pivot(index="question", columns="scheme", values="est").mul(100).round(1).reset_index()
