"""Published survey tables (CSV): shares with est, se, lci, uci, deff, n, flag, suppressed; the comparison with
the EU survey; the weighting report; the quarantine and the disclosure log. ``write_tables`` is what the publish
stage (or ``citybank survey estimate``) calls. A synthetic survey says so in every table (column ``synthetic``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..params.survey import Survey
from ..util import write_text_atomic
from .estimate import estimates
from .inputs import SurveyData
from .weighting import all_schemes

PUBLISHED = ["question", "scheme", "domain_type", "domain", "est", "se", "lci", "uci", "deff", "n", "flag",
             "suppressed", "significant", "synthetic"]  # fmt: skip


def apply_suppression(est: pd.DataFrame, min_count: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Primary: a base below ``min_count``; secondary: when one district of a question × scheme is suppressed, the
    next smallest is too (the city base minus the others would give it away). Returns (estimates, log)."""
    est = est.copy()
    est["suppressed"] = est["n"] < min_count
    log = [{"question": r.question, "scheme": r.scheme, "domain": r.domain, "n": r.n, "rule": "primary",
            "reason": f"base {r.n} < {min_count}"} for r in est[est["suppressed"]].itertuples()]  # fmt: skip
    for (q, s, dtype), part in est[est["domain_type"].isin(["district", "mode"])].groupby(
        ["question", "scheme", "domain_type"]
    ):
        if part["suppressed"].sum() == 1:
            other = part[~part["suppressed"]].sort_values("n").index[0]
            est.loc[other, "suppressed"] = True
            log.append({"question": q, "scheme": s, "domain": est.at[other, "domain"], "n": int(est.at[other, "n"]),
                        "rule": "secondary", "reason": f"the only other suppressed {dtype} could be recomputed"})  # fmt: skip
    for col in ("est", "se", "lci", "uci", "deff"):
        est[col] = est[col].where(~est["suppressed"])
    return est, pd.DataFrame(log, columns=["question", "scheme", "domain", "n", "rule", "reason"])


def eu_comparison(est: pd.DataFrame, survey: Survey) -> pd.DataFrame:
    """The comparable items beside the EU benchmark cities and the all-city mean (top-2-box, don't-know excluded, %)."""
    b = survey.eu_benchmarks
    if b is None:
        return pd.DataFrame()
    city = est[(est["domain_type"] == "city") & (est["scheme"] == "full")].set_index("question")
    rows = []
    for q in survey.questions:
        if q.eu is None:
            continue
        r = city.loc[q.id]
        rows.append({"question": q.id, "eu_item": q.eu, "item": q.text.en, "city_est": round(100 * r["est"], 1),
                     "city_lci": round(100 * r["lci"], 1), "city_uci": round(100 * r["uci"], 1), "n": int(r["n"]),
                     **{c: b.items[q.eu][c] for c in [*b.cities, "all_cities"]},
                     "benchmark_year": b.year, "benchmark_verified": b.verified, "benchmark_source": b.source})  # fmt: skip
    return pd.DataFrame(rows)


def write_tables(data: SurveyData, survey: Survey, out: Path) -> list[Path]:
    """Weight, estimate, suppress and write the survey's published tables under ``out``; return the files."""
    out = Path(out)
    weightings = all_schemes(data.respondents, survey.margins)
    est, log = apply_suppression(estimates(data, survey, weightings), survey.disclosure.min_count)
    est["synthetic"] = survey.synthetic
    pct = est.copy()
    for col in ("est", "se", "lci", "uci"):
        pct[col] = (100 * pct[col]).round(1)
    pct["deff"] = pct["deff"].round(2)
    files = {
        "survey_shares.csv": pct[PUBLISHED],
        "survey_eu_comparison.csv": eu_comparison(est, survey).assign(synthetic=survey.synthetic),
        "survey_weights.csv": pd.DataFrame([w.summary for w in weightings.values()]).assign(synthetic=survey.synthetic),
        "survey_margins.csv": pd.concat([w.margins.assign(scheme=s) for s, w in weightings.items()], ignore_index=True),
        "survey_quarantine.csv": data.quarantine,
        "survey_disclosure_log.csv": log,
    }
    written = []
    for name, frame in files.items():
        written.append(write_text_atomic(out / name, frame.to_csv(index=False, lineterminator="\n")))
    return [Path(p) for p in written]
