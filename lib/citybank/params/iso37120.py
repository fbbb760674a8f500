"""The ISO 37120:2018 catalogue of ``params/iso37120.yml``: themes, indicators with their formulas over canonical
variables, and the certification levels. The engine that evaluates it is ``citybank.indicators``.

    >>> clause_key("12.5.10") > clause_key("12.5.9")
    True
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from .core import (
    PERCENT_RANGE,
    SLUG,
    UNBOUNDED,
    Loader,
    ParamsError,
    ParamsProblem,
    Registry,
    Strict,
    Text3,
    ValidRange,
)

FILE = "iso37120.yml"
WHERE = f"params/{FILE}"

# ---------------------------------------------------------------- the catalogue (params/iso37120.yml)


class Formula(Strict):
    kind: Literal["ratio", "value", "change"]
    numerator: list[str] = Field(min_length=1)
    denominator: list[str] = []
    multiplier: float = 1.0

    @model_validator(mode="after")
    def _shape(self) -> Formula:
        if self.kind == "ratio" and not self.denominator:
            raise ValueError("kind 'ratio' needs a non-empty 'denominator' list")
        if self.kind != "ratio" and self.denominator:
            raise ValueError(f"kind '{self.kind}' takes no 'denominator' (remove it, or use kind 'ratio')")
        return self

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys([*self.numerator, *self.denominator]))


class Indicator(Strict):
    id: str = Field(pattern=r"^\d+(\.\d+)+$", description="the clause, e.g. '5.1' or '12.5.10'")
    theme: str
    type: Literal["core", "supporting", "profile"]
    type_verified: bool = False
    name: Text3
    unit: str
    direction: Literal["higher", "lower", "neutral"]
    formula: Formula | None = None
    method_note: Text3 | None = None
    source_pl: str
    not_applicable: Text3 | None = None
    valid_range: ValidRange | None = Field(
        None,
        description="the values the result can take; when not given: 0..100 for unit '%' (a share), except "
        "for 'change' formulas, else unbounded (see ``bounds``)",
    )

    @property
    def bounds(self) -> ValidRange:
        """The valid range of a result: ``valid_range`` when given; 0..100 for a '%' that is not a change."""
        if self.valid_range is not None:
            return self.valid_range
        if self.unit.strip() == "%" and self.formula is not None and self.formula.kind != "change":
            return PERCENT_RANGE
        return UNBOUNDED

    @model_validator(mode="after")
    def _one_of(self) -> Indicator:
        if self.formula is None and self.not_applicable is None:
            raise ValueError("give either 'formula' or 'not_applicable' (a reason in pl/en/de)")
        if self.formula is not None and self.not_applicable is not None:
            raise ValueError("give either 'formula' or 'not_applicable', not both")
        return self

    @property
    def sort_key(self) -> tuple[int, ...]:
        return clause_key(self.id)


class Theme(Strict):
    id: str = Field(pattern=r"^\d+$")
    key: str
    name: Text3


class Level(Strict):
    id: str = Field(pattern=SLUG)
    name: Text3
    min_core: int = Field(ge=0)
    min_total: int = Field(ge=0)


class Certification(Strict):
    note: Text3
    levels: list[Level] = Field(min_length=1)

    @field_validator("levels")
    @classmethod
    def _ordered(cls, levels: list[Level]) -> list[Level]:
        for lo, hi in zip(levels, levels[1:], strict=False):
            if hi.min_core < lo.min_core or hi.min_total < lo.min_total:
                raise ValueError(f"levels must be ordered low→high: '{hi.id}' asks for less than '{lo.id}'")
        return levels


class Catalogue(Strict):
    certification: Certification
    themes: list[Theme]
    indicators: list[Indicator]

    @property
    def theme_by_id(self) -> dict[str, Theme]:
        return {t.id: t for t in self.themes}

    @property
    def by_id(self) -> dict[str, Indicator]:
        return {i.id: i for i in self.indicators}

    def sorted_indicators(self) -> list[Indicator]:
        return sorted(self.indicators, key=lambda i: i.sort_key)


def clause_key(clause: str) -> tuple[int, ...]:
    """'12.5.10' → (12, 5, 10): numeric clause order (12.5.9 before 12.5.10)."""
    return tuple(int(p) for p in str(clause).split("."))


def _validate(data: Any, root: Path) -> tuple[Catalogue | None, list[ParamsProblem]]:
    """Validate the YAML structure section by section and item by item, so that every problem is found."""
    ld = Loader(root)
    path = root / FILE
    if not isinstance(data, dict):
        return None, [ParamsProblem(WHERE, "", "expected a mapping with 'certification', 'themes', 'indicators'")]
    for k in sorted(set(data) - {"certification", "themes", "indicators"}):
        ld.problems.append(
            ParamsProblem(WHERE, k, "unknown top-level key (allowed: certification, themes, indicators)")
        )
    cert = ld.model(Certification, data.get("certification"), path, "certification")
    parts: dict[str, list[Any]] = {}
    for top, cls in (("themes", Theme), ("indicators", Indicator)):
        items = data.get(top)
        if not isinstance(items, list):
            ld.problems.append(ParamsProblem(WHERE, top, f"expected a '{top}:' list"))
            parts[top] = []
            continue
        out = []
        for i, item in enumerate(items):
            ident = item.get("id") if isinstance(item, dict) else None
            m = ld.model(cls, item, path, f"{top}[{i}]" + (f" ({ident})" if ident else ""))
            out.append(m)
        parts[top] = out
    problems = [ParamsProblem(WHERE, p.key, p.message.removeprefix("Value error, ")) for p in ld.problems]
    ok = cert is not None and all(m is not None for m in parts["themes"] + parts["indicators"])
    cat = Catalogue(certification=cert, themes=parts["themes"], indicators=parts["indicators"]) if ok else None
    return cat, problems


def check(reg: Registry, data: Any) -> list[ParamsProblem]:
    """Every problem of params/iso37120.yml: model errors, unknown variables and themes, duplicate ids."""
    _, problems = _validate(data, reg.root)
    if not isinstance(data, dict):
        return problems
    themes = data.get("themes") if isinstance(data.get("themes"), list) else []
    theme_ids: dict[str, int] = {}
    for i, t in enumerate(themes):
        tid = str(t.get("id")) if isinstance(t, dict) else None
        if tid is not None and tid in theme_ids:
            problems.append(
                ParamsProblem(WHERE, f"themes[{i}] ({tid}).id", f"duplicate theme id (also themes[{theme_ids[tid]}])")
            )
        if tid is not None:
            theme_ids.setdefault(tid, i)
    indicators = data.get("indicators") if isinstance(data.get("indicators"), list) else []
    seen: dict[str, int] = {}
    for i, ind in enumerate(indicators):
        if not isinstance(ind, dict):
            continue
        iid = ind.get("id")
        where = f"indicators[{i}]" + (f" ({iid})" if iid else "")
        if iid is not None:
            if iid in seen:
                problems.append(
                    ParamsProblem(WHERE, f"{where}.id", f"duplicate indicator id (also indicators[{seen[iid]}])")
                )
            seen.setdefault(iid, i)
        theme = ind.get("theme")
        if theme is not None and theme_ids and str(theme) not in theme_ids:
            problems.append(
                ParamsProblem(
                    WHERE,
                    f"{where}.theme",
                    f"unknown theme '{theme}'; expected one of the themes: {', '.join(sorted(theme_ids, key=int))}",
                )
            )
        elif theme is not None and isinstance(iid, str) and iid.split(".")[0] != str(theme):
            problems.append(
                ParamsProblem(
                    WHERE, f"{where}.theme", f"is '{theme}' but clause {iid} belongs to theme '{iid.split('.')[0]}'"
                )
            )
        formula = ind.get("formula")
        if isinstance(formula, dict):
            for part in ("numerator", "denominator"):
                names = formula.get(part)
                if not isinstance(names, list):
                    continue
                for j, var in enumerate(names):
                    if isinstance(var, str) and var not in reg.variables:
                        problems.append(
                            ParamsProblem(
                                WHERE,
                                f"{where}.formula.{part}[{j}]",
                                f"unknown variable '{var}'; add it to params/variables.yml or fix the spelling",
                            )
                        )
    return problems


def parse_catalogue(data: Any, root: Path | None = None) -> Catalogue:
    """The typed catalogue from the YAML data; ParamsError listing every structural problem."""
    cat, problems = _validate(data, root or Path("params"))
    if problems or cat is None:
        raise ParamsError(problems or [ParamsProblem(WHERE, "", "invalid catalogue")])
    return cat


def load_catalogue(reg: Registry) -> Catalogue:
    """The catalogue of the registry (params/iso37120.yml, already checked by load_params)."""
    data = reg.extra.get("iso37120")
    if data is None:
        raise ParamsError(
            [ParamsProblem(WHERE, "", "file is missing; the ISO 37120 catalogue is needed for indicators")]
        )
    return parse_catalogue(data, reg.root)
