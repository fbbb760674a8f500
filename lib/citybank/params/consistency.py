"""Cross-provider consistency rules of ``params/consistency.yml``: which two variables describe one
phenomenon and how far apart they may be. The engine that gives verdicts is ``citybank.consistency``.

    >>> side_label(["births_usc", "births_other"])
    'births_usc + births_other'
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from .core import Loader, ParamsProblem, Registry, Strict, Text3
from .optional import OptionalFile

FILE = "consistency.yml"


def side_ids(side: str | list[str]) -> list[str]:
    """The variables of a rule side: one id, or the parts of a sum."""
    return [side] if isinstance(side, str) else list(side)


def side_label(side: str | list[str]) -> str:
    """How a rule side is written: one id, or its parts joined by ' + '."""
    return side if isinstance(side, str) else " + ".join(side)


# ---------------------------------------------------------------- params models


class Tolerance(Strict):
    """A band around the reference value: ``max(absolute, relative * |right|)``."""

    relative: float = Field(0.05, ge=0, description="share of the right (reference) value, 0.05 = 5%")
    absolute: float = Field(0.0, ge=0, description="in the variables' unit")

    def allowed(self, reference: float) -> float:
        return max(self.absolute, self.relative * abs(reference))


class Rule(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: Text3
    left: str | list[str] = Field(description="canonical variable compared (a list: their sum)")
    right: str | list[str] = Field(description="canonical variable taken as the reference (a list: their sum)")
    territory: str = Field("city", description="'city', 'powiat' or a territory code of params/city.yml")
    tolerance: Tolerance = Tolerance()
    expected_difference: Text3 | None = Field(None, description="the known reason why the figures differ")
    explained_within: Tolerance | None = Field(None, description="how large a difference the reason explains")
    severity: Literal["info", "warning", "error"] = "warning"

    @model_validator(mode="after")
    def _coherent(self) -> Rule:
        if side_ids(self.left) == side_ids(self.right):
            raise ValueError(
                f"left and right are both '{side_label(self.left)}'; a rule compares two different variables"
            )
        if self.explained_within is not None:
            if self.expected_difference is None:
                raise ValueError("explained_within needs expected_difference: the reason that explains the gap")
            if self.explained_within.relative < self.tolerance.relative:
                raise ValueError(
                    f"explained_within.relative ({self.explained_within.relative}) is below tolerance.relative "
                    f"({self.tolerance.relative}); it must be at least as wide"
                )
        return self


# ---------------------------------------------------------------- params checking and loading


def _parse(reg: Registry, data: Any) -> tuple[list[Rule], list[ParamsProblem]]:
    """Validate rule by rule (one broken rule does not hide the others' problems), then cross-check."""
    loader = Loader(reg.root)
    path = reg.root / FILE
    rel = loader.rel(path)
    if not isinstance(data, dict) or not isinstance(data.get("rules"), list):
        return [], [ParamsProblem(rel, "rules", "expected a top-level 'rules:' list")]
    problems = [
        ParamsProblem(rel, k, "unknown top-level key (only 'rules' is allowed)") for k in sorted(set(data) - {"rules"})
    ]
    rules: list[Rule] = []
    seen: set[str] = set()
    for i, item in enumerate(data["rules"]):
        ident = item.get("id") if isinstance(item, dict) else None
        where = f"rules[{i}]" + (f" ({ident})" if ident else "")
        rule = loader.model(Rule, item, path, where)
        if rule is None:
            continue
        rules.append(rule)
        if rule.id in seen:
            problems.append(ParamsProblem(rel, f"{where}.id", f"duplicate rule id '{rule.id}'"))
        seen.add(rule.id)
        for side in ("left", "right"):
            for var in side_ids(getattr(rule, side)):
                if var in reg.variables:
                    continue
                problems.append(
                    ParamsProblem(
                        rel,
                        f"{where}.{side}",
                        f"unknown variable '{var}'; expected an id of params/variables.yml (add it there or fix the spelling)",
                    )
                )
        if reg.territory_code(rule.territory) is None:
            problems.append(
                ParamsProblem(
                    rel,
                    f"{where}.territory",
                    f"unknown territory '{rule.territory}'; expected 'city', 'powiat' or a code from params/city.yml",
                )
            )
        units = {reg.variables[v].unit for v in side_ids(rule.left) + side_ids(rule.right) if v in reg.variables}
        if len(units) > 1:
            problems.append(
                ParamsProblem(
                    rel,
                    where,
                    f"the variables of this rule have different units ({', '.join(sorted(units))}); "
                    "compare variables of one unit",
                )
            )
    return rules, loader.problems + problems


PARAMS = OptionalFile("consistency", FILE, _parse)
check = PARAMS.check


def load_rules(reg: Registry) -> list[Rule]:
    """The validated rules of params/consistency.yml (an empty list when the file is absent)."""
    return PARAMS.load(reg, [])
