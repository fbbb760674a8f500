"""Weights: raking to the city's population margins (``params/survey.yml``, ``margins``, with their source), and
the checks a statistician signs: the achieved margins re-tabulated against the targets (a mismatch is an error,
whatever the raking routine said about convergence), the number of sweeps, the weight range, Kish's design effect
of weighting ``n·Σw²/(Σw)²`` and the effective sample size ``n / deff``.

Three schemes, side by side in the estimates:

``unweighted``  every respondent the same weight (population / n)
``age_sex``     raked to sex and age group
``full``        raked to district, sex and age group
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import CitybankError
from ..params.survey import Margins
from . import svyadapter

SCHEMES: dict[str, tuple[str, ...]] = {
    "unweighted": (),
    "age_sex": ("sex", "age_group"),
    "full": ("district", "sex", "age_group"),
}


class WeightingError(CitybankError):
    """The weights cannot be made (an empty margin cell) or do not reproduce the margins."""


@dataclass
class Weighting:
    scheme: str
    weights: pd.Series  # indexed by respondent
    iterations: int
    margins: pd.DataFrame  # variable, level, target, target_share, achieved, achieved_share, difference

    @property
    def summary(self) -> dict[str, float | int | str]:
        w = self.weights.to_numpy(dtype="float64")
        deff = kish_deff(w)
        return {
            "scheme": self.scheme,
            "n": len(w),
            "iterations": self.iterations,
            "weight_min": float(w.min()),
            "weight_max": float(w.max()),
            "weight_ratio": float(w.max() / w.min()),
            "kish_deff": deff,
            "n_effective": len(w) / deff,
            "max_margin_difference": float(self.margins["difference"].abs().max()) if len(self.margins) else 0.0,
        }


def kish_deff(w: np.ndarray) -> float:
    """Kish's design effect due to unequal weights: n·Σw² / (Σw)²."""
    w = np.asarray(w, dtype="float64")
    return float(len(w) * (w**2).sum() / w.sum() ** 2)


def achieved_margins(
    respondents: pd.DataFrame, weights: pd.Series, margins: Margins, variables: tuple[str, ...]
) -> pd.DataFrame:
    """The weighted margins re-tabulated from the data, beside the targets (shares of the total)."""
    w = respondents["respondent"].map(weights).to_numpy(dtype="float64")
    rows = []
    for var in variables:
        target = margins.of(var)
        total_t = sum(target.values())
        for level, t in target.items():
            got = float(w[(respondents[var] == level).to_numpy()].sum())
            rows.append(
                {
                    "variable": var,
                    "level": level,
                    "target": t,
                    "target_share": t / total_t,
                    "achieved": got,
                    "achieved_share": got / w.sum(),
                }
            )
    out = pd.DataFrame(rows, columns=["variable", "level", "target", "target_share", "achieved", "achieved_share"])
    out["difference"] = out["achieved_share"] - out["target_share"]
    return out


def check_achieved(table: pd.DataFrame, tolerance: float, scheme: str) -> None:
    """Raise WeightingError listing every margin whose achieved share is off its target by more than ``tolerance``."""
    bad = table[table["difference"].abs() > tolerance]
    if len(bad):
        lines = [
            f"  {r.variable}={r.level}: achieved {r.achieved_share:.2%}, target {r.target_share:.2%}"
            for r in bad.itertuples()
        ]
        raise WeightingError(
            f"weights of scheme '{scheme}' do not reproduce {len(bad)} population margin(s) (tolerance "
            f"{tolerance:.2%} of the total):\n" + "\n".join(lines)
        )


def weight(respondents: pd.DataFrame, margins: Margins, scheme: str = "full") -> Weighting:
    """Weights of one scheme for the respondents (one row each: respondent, district, sex, age_group)."""
    if scheme not in SCHEMES:
        raise WeightingError(f"unknown weighting scheme '{scheme}'; expected one of {', '.join(SCHEMES)}")
    variables = SCHEMES[scheme]
    population = sum(margins.sex.values())
    frame = respondents[["respondent", *variables]].copy()
    frame["w0"] = population / len(frame)
    if not variables:
        weights = pd.Series(frame["w0"].to_numpy(), index=frame["respondent"], name="weight")
        return Weighting(scheme, weights, 0, achieved_margins(respondents, weights, margins, ()))
    empty = [
        f"{v}={level} (target {t:,.0f})"
        for v in variables
        for level, t in margins.of(v).items()
        if t > 0 and not (frame[v] == level).any()
    ]
    if empty:
        raise WeightingError(
            f"cannot rake scheme '{scheme}': no respondent in " + ", ".join(empty) + "; collapse the category with a "
            "neighbouring one in params/survey.yml (margins and background) or use a scheme without it"
        )
    controls = {v: {str(k): float(t) for k, t in margins.of(v).items()} for v in variables}
    try:
        raked, sweeps = svyadapter.rake(frame[["w0", *variables]], "w0", controls)
    except svyadapter.RakeFailed as exc:
        raise WeightingError(f"raking scheme '{scheme}' failed: {exc}") from exc
    weights = pd.Series(raked, index=frame["respondent"].to_numpy(), name="weight")
    table = achieved_margins(respondents, weights, margins, variables)
    check_achieved(table, margins.tolerance, scheme)
    return Weighting(scheme, weights, sweeps, table)


def all_schemes(respondents: pd.DataFrame, margins: Margins) -> dict[str, Weighting]:
    return {s: weight(respondents, margins, s) for s in SCHEMES}
