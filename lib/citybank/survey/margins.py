"""Raking margins from the data bank: the population the survey covers (``margins.bank.total``, e.g. adults by GUS)
split by district with the bank's district figures (``margins.bank.district``); sex and age group keep the typed
shares of params/survey.yml (the bank has no population by sex and age group yet), scaled to the bank's total.
Every margin says where it came from, and the typed figures are compared with the bank's: a typed share further than
``margins.bank.tolerance`` from the bank's is flagged. Whatever the source, the weights must reproduce the margins
(``weighting.check_achieved``): a mismatch is an error.

Assumption, stated in every source line: the adults are split between districts like the whole registered
population (the bank has no adults by district).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..bank import load_bank
from ..errors import UserError
from ..params.survey import Margins, Survey
from ..paths import Paths

SOURCE_COLUMNS = [
    "variable",
    "level",
    "typed",
    "typed_share",
    "bank",
    "bank_share",
    "target",
    "target_share",
    "source",
    "difference",
    "beyond_tolerance",
]


def _value(bank: pd.DataFrame, variable: str, territory: str, year: int) -> float | None:
    rows = bank[(bank["variable"] == variable) & (bank["territory"] == territory) & (bank["year"] == year)]
    rows = rows[rows["value"].notna()]
    return None if rows.empty else float(rows.sort_values(["dataset", "source_file"]).iloc[0]["value"])


def bank_margins(survey: Survey, bank: pd.DataFrame | None, city: str) -> tuple[Margins, pd.DataFrame]:
    """The margins to rake to (the bank's where params/survey.yml asks for them) and the table of their sources.
    Raises UserError naming the variable, territory and year the bank lacks. ``bank`` may be None when
    params/survey.yml asks for no bank margins."""
    typed = survey.margins
    b = typed.bank
    rows = []
    if b is None:
        for var in ("district", "sex", "age_group"):
            tot = sum(typed.of(var).values())
            rows += [
                {
                    "variable": var,
                    "level": k,
                    "typed": v,
                    "typed_share": v / tot,
                    "target": v,
                    "target_share": v / tot,
                    "source": "params/survey.yml (typed)",
                }
                for k, v in typed.of(var).items()
            ]
        return typed, _table(rows, 1.0)
    if bank is None:
        raise UserError(
            "params/survey.yml asks for margins from the bank (margins.bank); build it with `citybank ingest`"
        )
    total = _value(bank, b.total, city, b.year)
    if total is None:
        raise UserError(
            f"the bank has no {b.total} for the city ({city}) in {b.year}, which params/survey.yml "
            "(margins.bank.total) names: build the bank (`citybank ingest`) or change margins.bank"
        )
    out: dict[str, dict[str, float]] = {}
    for var in ("district", "sex", "age_group"):
        t = typed.of(var)
        tot = sum(t.values())
        shares = {k: v / tot for k, v in t.items()}
        source = f"params/survey.yml (typed shares) × bank {b.total} {b.year}"
        bank_vals: dict[str, float | None] = {k: None for k in t}
        if var == "district" and b.district:
            bank_vals = {k: _value(bank, b.district, k, b.year) for k in t}
            missing = [k for k, v in bank_vals.items() if v is None]
            if missing:
                raise UserError(
                    f"the bank has no {b.district} in {b.year} for district(s) {', '.join(missing)}, which "
                    "params/survey.yml (margins.bank.district) names: build the bank or change margins.bank"
                )
            btot = sum(v for v in bank_vals.values() if v is not None)
            shares = {k: float(v) / btot for k, v in bank_vals.items() if v is not None}
            source = f"bank {b.district} {b.year} (district shares, all ages) × bank {b.total} {b.year}"
        out[var] = {k: shares[k] * total for k in t}
        bsum = sum(v for v in bank_vals.values() if v is not None)
        for k, v in t.items():
            bv = bank_vals[k]
            rows.append(
                {
                    "variable": var,
                    "level": k,
                    "typed": v,
                    "typed_share": v / tot,
                    "bank": bv,
                    "bank_share": bv / bsum if bv is not None else None,
                    "target": out[var][k],
                    "target_share": shares[k],
                    "source": source,
                }
            )
    margins = typed.model_copy(
        update={
            **out,
            "source": f"data bank ({b.total}, {b.district} {b.year}) and "
            f"params/survey.yml typed shares for sex and age group; {typed.source}",
        }
    )
    return margins, _table(rows, b.tolerance)


def _table(rows: list[dict], tolerance: float) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=SOURCE_COLUMNS[:-2])
    out["difference"] = out["target_share"] - out["typed_share"]
    out["beyond_tolerance"] = out["difference"].abs() > tolerance
    return out


@dataclass(frozen=True)
class MarginsUsed:
    """The survey with the margins it is raked to, the table of their sources (``SOURCE_COLUMNS``) and what an
    analyst should be told about them (the bank missing, typed shares far from the bank's)."""

    survey: Survey
    sources: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def margins_in_use(survey: Survey, paths: Paths, city: str) -> MarginsUsed:
    """The margins the survey is weighted to, the same for ``citybank survey weight|estimate|code`` and the build's
    survey stage: the bank's (``bank_margins``) when params/survey.yml asks for them (``margins.bank``) and the bank
    is built (``paths.bank``); else the typed ones, with a note saying why. ``city`` is the city's TERC code."""
    b = survey.margins.bank
    if b is None:
        return MarginsUsed(survey, bank_margins(survey, None, city)[1])
    if not (paths.bank / "bank.parquet").is_file():
        typed = survey.model_copy(update={"margins": survey.margins.model_copy(update={"bank": None})})
        note = f"margins: typed in params/survey.yml — no bank at {paths.bank} yet (`citybank ingest`)"
        return MarginsUsed(survey, bank_margins(typed, None, city)[1], [note])
    bank = load_bank(years=[b.year], root=paths)
    margins, sources = bank_margins(survey, bank, city)
    notes = []
    flagged = sources[sources["beyond_tolerance"]]
    if len(flagged):
        notes.append(
            f"margins: {len(flagged)} typed share(s) of params/survey.yml differ from the bank's by more than "
            f"{b.tolerance:.0%}: "
            + ", ".join(
                f"{r.variable}={r.level} typed {r.typed_share:.1%}, bank {r.target_share:.1%}"
                for r in flagged.itertuples()
            )
            + " — the bank's are used"
        )
    return MarginsUsed(survey.model_copy(update={"margins": margins}), sources, notes)
