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

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import UserError
from ..params.survey import NOT_STATED, Margins
from . import svyadapter

SCHEMES: dict[str, tuple[str, ...]] = {
    "unweighted": (),
    "age_sex": ("sex", "age_group"),
    "full": ("district", "sex", "age_group"),
}


class WeightingError(UserError):
    """The weights cannot be made (an empty margin cell) or do not reproduce the margins: a problem the analyst fixes
    in params/survey.yml, printed without a traceback like every ``UserError``."""


@dataclass
class Weighting:
    scheme: str
    weights: pd.Series  # indexed by respondent
    iterations: int
    margins: pd.DataFrame  # variable, level, target, target_share, achieved, achieved_share, difference
    notes: list[str] = field(default_factory=list)  # what the analyst must be told (collapsed cells)

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
    return _achieved(respondents, weights, {var: margins.of(var) for var in variables})


def _achieved(respondents: pd.DataFrame, weights: pd.Series, targets: dict[str, dict[str, float]]) -> pd.DataFrame:
    w = respondents["respondent"].map(weights).to_numpy(dtype="float64")
    rows = []
    for var, target in targets.items():
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
    targets, notes = {}, []
    for v in variables:
        target, note = not_stated_cell(margins.of(v), frame, v, scheme)
        notes += note
        mapping, targets[v], note = collapse_empty(target, set(frame[v].dropna()), v, scheme)
        frame[v] = frame[v].map(lambda x, m=mapping: m.get(x, x))
        notes += note
    controls = {v: {str(k): float(t) for k, t in targets[v].items()} for v in variables}
    try:
        raked, sweeps = svyadapter.rake(frame[["w0", *variables]], "w0", controls)
    except svyadapter.RakeFailed as exc:
        raise WeightingError(f"raking scheme '{scheme}' failed: {exc}") from exc
    weights = pd.Series(raked, index=frame["respondent"].to_numpy(), name="weight")
    table = _achieved(frame[["respondent", *variables]], weights, targets)
    check_achieved(table, margins.tolerance, scheme)
    return Weighting(scheme, weights, sweeps, table, notes)


def not_stated_cell(
    target: dict[str, float], frame: pd.DataFrame, variable: str, scheme: str
) -> tuple[dict[str, float], list[str]]:
    """Respondents whose ``variable`` is not stated (``NOT_STATED``) keep a cell of their own: its target is their
    share of the sample (by the starting weights) of the population, the stated cells share the rest in the margins'
    proportions — they are neither dropped nor imputed, and the message says so."""
    ns = (frame[variable] == NOT_STATED).to_numpy()
    if not ns.any():
        return target, []
    share = float(frame.loc[ns, "w0"].sum() / frame["w0"].sum())
    total = sum(target.values())
    out = {k: v * (1 - share) for k, v in target.items()} | {NOT_STATED: total * share}
    return out, [
        f"weighting '{scheme}': {int(ns.sum())} respondent(s) with {variable} not stated kept as a cell of "
        f"their own ({share:.1%} of the population, their share of the sample)"
    ]


def collapse_empty(
    target: dict[str, float], present: set[str], variable: str, scheme: str
) -> tuple[dict[str, str], dict[str, float], list[str]]:
    """A margin cell with a target but no respondent cannot be raked to: it is merged with its nearest neighbour in
    the order of params/survey.yml that has respondents (the previous one, else the next), their targets summed, and
    the merge is said. Returns (level → merged level, merged targets, messages). No respondent at all: WeightingError.

    >>> collapse_empty({"18-34": 10.0, "35-49": 20.0, "65+": 5.0}, {"18-34", "35-49"}, "age_group", "full")[1]
    {'18-34': 10.0, '35-49+65+': 25.0}
    """
    levels = list(target)
    groups: list[list[str]] = [[lv] for lv in levels]
    if not any(lv in present for lv in levels):
        raise WeightingError(f"cannot rake scheme '{scheme}': no respondent in any category of {variable}")
    i = 0
    while i < len(groups):
        g = groups[i]
        if any(lv in present for lv in g) or all(target[lv] <= 0 for lv in g):
            i += 1
            continue
        j = i - 1 if i > 0 else i + 1
        lo, hi = min(i, j), max(i, j)
        groups[lo : hi + 1] = [groups[lo] + groups[hi]]
        i = 0
    mapping, merged, notes = {}, {}, []
    for g in groups:
        name = "+".join(g)
        merged[name] = float(sum(target[lv] for lv in g))
        for lv in g:
            mapping[lv] = name
        if len(g) > 1:
            empty = [lv for lv in g if lv not in present and target[lv] > 0]
            notes.append(
                f"weighting '{scheme}': no respondent in {variable}={', '.join(empty)} — collapsed into "
                f"{name} (targets summed, {merged[name]:,.0f})"
            )
    return mapping, merged, notes


def all_schemes(respondents: pd.DataFrame, margins: Margins) -> dict[str, Weighting]:
    return {s: weight(respondents, margins, s) for s in SCHEMES}
