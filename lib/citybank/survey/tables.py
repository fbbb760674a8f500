"""Published survey tables (CSV): shares with est, se, lci, uci, deff, n, flag, suppressed; the comparison with
the EU survey; the weighting report; the quarantine and the disclosure log. ``write_tables`` is what the publish
stage (or ``citybank survey estimate``) calls. A synthetic survey says so in every table (column ``synthetic``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..params.survey import MODES, Survey
from ..safety import safe_frame
from ..util import write_text_atomic
from .disclosure import TOTAL, suppress
from .estimate import NUMERIC_COLUMNS, estimates, numeric_estimates
from .inputs import SurveyData
from .published import FIELD_TEXT, PUBLIC_TABLES  # noqa: F401 (re-exported)
from .weighting import Weighting, all_schemes

PUBLISHED = [
    "question",
    "theme",
    "item",
    "scheme",
    "domain_type",
    "domain",
    "est",
    "se",
    "lci",
    "uci",
    "deff",
    "n",
    "flag",
    "suppressed",
    "significant",
    "synthetic",
]
"""The columns of the published shares (est, se, lci, uci in %; n the unweighted base)."""

LOG_COLUMNS = ["question", "scheme", "domain_type", "domain", "n", "rule", "reason"]

NUMERIC_PUBLISHED = ["question", "item", *NUMERIC_COLUMNS[1:], "suppressed", "synthetic"]
"""The columns of the published numeric questions (mean and median with their 95 % CIs, in the answer's unit)."""


def apply_suppression(est: pd.DataFrame, min_count: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Primary and secondary suppression of the shares, by the disclosure module.

    Per question × scheme, the unweighted bases of the districts (and, separately, of the two modes) form a
    count table whose total is the city's base: a base below ``min_count`` is suppressed (zeros included), and
    so are partners until no suppressed base can be recomputed from the published ones and the city's
    (``disclosure.suppress`` with its audit). A city base below ``min_count`` suppresses the question. A
    suppressed row keeps no value (est, se, lci, uci, deff, n, significant empty; flag ``suppressed``).
    Returns (estimates, log: question, scheme, domain_type, domain, n, rule, reason)."""
    est = est.copy()
    est["suppressed"] = False
    log: list[dict] = []
    for (q, s), part in est.groupby(["question", "scheme"], sort=False):
        city = part[part["domain_type"] == "city"]
        if len(city) and int(city["n"].iloc[0]) < min_count:
            est.loc[part.index, "suppressed"] = True
            n = int(city["n"].iloc[0])
            log.append(
                {
                    "question": q,
                    "scheme": s,
                    "domain_type": "city",
                    "domain": "city",
                    "n": n,
                    "rule": "primary",
                    "reason": f"city base {n} < {min_count}: the whole question",
                }
            )
            continue
        for dtype in ("district", "mode"):
            cells = part[part["domain_type"] == dtype]
            if cells.empty:
                continue
            table = pd.DataFrame({"n": cells["n"].astype("int64").to_numpy()}, index=cells["domain"].to_numpy())
            _, mask, decisions = suppress(table, min_count, zeros_sensitive=True, name=f"{q} {s} {dtype}")
            hidden = mask.loc[table.index, "n"]
            est.loc[cells.index[hidden.to_numpy()], "suppressed"] = True
            for rec in decisions.drop_duplicates("row").itertuples():
                if rec.row == TOTAL:
                    continue
                log.append(
                    {
                        "question": q,
                        "scheme": s,
                        "domain_type": dtype,
                        "domain": rec.row,
                        "n": int(table.at[rec.row, "n"]),
                        "rule": rec.rule,
                        "reason": rec.reason,
                    }
                )
    hide = est["suppressed"]
    for col in ("est", "se", "lci", "uci", "deff"):
        est[col] = est[col].where(~hide)
    est["n"] = est["n"].astype("Int64").mask(hide)
    if "significant" in est:
        est["significant"] = est["significant"].astype("boolean").mask(hide)
    if "p_value" in est:
        est["p_value"] = est["p_value"].where(~hide)
    if "cv" in est:
        est["cv"] = est["cv"].where(~hide)
    if "flag" in est:
        est["flag"] = est["flag"].where(~hide, "suppressed")
    return est, pd.DataFrame(log, columns=LOG_COLUMNS)


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
        rows.append(
            {
                "question": q.id,
                "eu_item": q.eu,
                "item": q.text.en,
                "city_est": round(100 * r["est"], 1),
                "city_lci": round(100 * r["lci"], 1),
                "city_uci": round(100 * r["uci"], 1),
                "n": r["n"],
                **{c: b.items[q.eu][c] for c in [*b.cities, "all_cities"]},
                "benchmark_year": b.year,
                "benchmark_verified": b.verified,
                "benchmark_source": b.source,
            }
        )
    return pd.DataFrame(rows)


def build_tables(
    data: SurveyData, survey: Survey, weightings: dict[str, Weighting] | None = None
) -> dict[str, pd.DataFrame]:
    """Weight (unless ``weightings`` of every scheme are given), estimate and suppress: the shares, the EU
    comparison, the weights and margins, the quarantine and the disclosure log by their name of
    ``paths.SURVEY_TABLES`` (shares in %, rounded as published; only the shares' disclosure-controlled values reach
    any table that leaves the workbench). The margins' sources and the coding are added by ``store.compute_all``."""
    weightings = weightings or all_schemes(data.respondents, survey.margins)
    est, log = apply_suppression(estimates(data, survey, weightings), survey.disclosure.min_count)
    est["synthetic"] = survey.synthetic
    est["theme"] = est["question"].map(survey.theme_of)
    est["item"] = est["question"].map(lambda q: survey.question(q).text.pl)
    pct = est.copy()
    for col in ("est", "se", "lci", "uci"):
        pct[col] = (100 * pct[col]).round(1)
    pct["deff"] = pct["deff"].round(2)
    eu = eu_comparison(est, survey).assign(synthetic=survey.synthetic)
    if "n" in eu:
        eu["n"] = eu["n"].astype("Int64")
    return {
        "survey_shares": pct[PUBLISHED].reset_index(drop=True),
        "survey_eu_comparison": eu,
        "survey_weights": pd.DataFrame([w.summary for w in weightings.values()]).assign(
            **{f"n_{m}": int((data.respondents["mode"] == m).sum()) for m in MODES}, synthetic=survey.synthetic
        ),
        "survey_margins": pd.concat(
            [w.margins.assign(scheme=s) for s, w in weightings.items()], ignore_index=True
        ).assign(synthetic=survey.synthetic),
        "survey_quarantine": data.quarantine,
        "survey_disclosure_log": log,
    } | (numeric_tables(data, survey, weightings["full"], log) if survey.numeric_questions else {})


def numeric_tables(
    data: SurveyData, survey: Survey, weighting: Weighting, log: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The numeric questions' mean and median with their CIs (``estimate.numeric_estimates``, full weighting) after
    disclosure control: a question answered by fewer than ``disclosure.min_count`` respondents keeps no value (n and
    every statistic empty, ``suppressed``), and the decision joins the disclosure log (returned with it)."""
    num = numeric_estimates(data, survey, weighting)
    hide = num["n"] < survey.disclosure.min_count
    rows = [{"question": q, "scheme": weighting.scheme, "domain_type": "city", "domain": "city", "n": int(n),
             "rule": "primary", "reason": f"numeric base {int(n)} < {survey.disclosure.min_count}: the whole question"}
            for q, n in zip(num.loc[hide, "question"], num.loc[hide, "n"], strict=True)]  # fmt: skip
    stats = NUMERIC_COLUMNS[3:]
    num[stats] = num[stats].astype("float64")
    num.loc[hide, stats] = float("nan")
    num["n"] = num["n"].astype("Int64").mask(hide)
    num["suppressed"] = hide.astype(bool)
    num["synthetic"] = survey.synthetic
    text = {nq.id: nq.text.pl for nq in survey.numeric_questions}
    num["item"] = num["question"].map(text)
    out = {"survey_numeric": num[NUMERIC_PUBLISHED].reset_index(drop=True)}
    if rows:
        out["survey_disclosure_log"] = pd.concat([log, pd.DataFrame(rows, columns=LOG_COLUMNS)], ignore_index=True)
    return out


def write_tables(data: SurveyData, survey: Survey, out: Path) -> list[Path]:
    """Weight, estimate, suppress and write the survey's tables as CSV under ``out``; return the files."""
    out = Path(out)
    written = []
    for name, frame in build_tables(data, survey).items():
        written.append(
            write_text_atomic(out / f"{name}.csv", safe_frame(frame).to_csv(index=False, lineterminator="\n"))
        )
    return [Path(p) for p in written]
