"""The city development strategy of ``params/strategy.yml``: strategic goals → operational goals → indicators
with baseline, target and direction. The engine that judges progress is ``citybank.strategy``."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from .consistency import side_ids
from .core import Loader, ParamsProblem, Registry, Strict, Text3
from .optional import OptionalFile
from .survey import stale_links

FILE = "strategy.yml"
ID = r"^[a-z0-9][a-z0-9_.\-]*$"

# ---------------------------------------------------------------- params models


class Point(Strict):
    year: int = Field(ge=1990, le=2100)
    value: float


class StrategyIndicator(Strict):
    id: str = Field(pattern=ID)
    name: Text3
    variable: str | None = Field(None, description="canonical variable measured (or give iso)")
    iso: str | None = Field(None, description="an ISO 37120 indicator id of params/iso37120.yml (or give variable)")
    survey: str | None = Field(
        None, description="a closed question of params/survey.yml: the city's share (%, full weighting) in its year"
    )
    per: str | list[str] | None = Field(None, description="divide by this variable (a list: their sum)")
    multiplier: float = Field(1.0, gt=0, description="applied after per, e.g. 1000 for 'per 1000 residents'")
    territory: str = "city"
    unit: str = Field(min_length=1, description="unit of the measured value (after per and multiplier)")
    baseline: Point
    target: Point
    direction: Literal["increase", "decrease"]

    @model_validator(mode="after")
    def _coherent(self) -> StrategyIndicator:
        if [self.variable, self.iso, self.survey].count(None) != 2:
            raise ValueError(
                "give exactly one of 'variable' (a canonical variable), 'iso' (an ISO 37120 id) or 'survey' "
                "(a question of params/survey.yml)"
            )
        if self.target.year <= self.baseline.year:
            raise ValueError(f"target.year {self.target.year} must be after baseline.year {self.baseline.year}")
        up = self.target.value > self.baseline.value
        if self.target.value == self.baseline.value or up != (self.direction == "increase"):
            raise ValueError(
                f"direction is '{self.direction}' but the target ({self.target.value:g}) is not "
                f"{'above' if self.direction == 'increase' else 'below'} the baseline ({self.baseline.value:g})"
            )
        return self

    def expected(self, year: int) -> float:
        """The value on the straight path from baseline to target in ``year`` (the target after it)."""
        b, t = self.baseline, self.target
        share = min(1.0, max(0.0, (year - b.year) / (t.year - b.year)))
        return b.value + (t.value - b.value) * share

    def meets(self, value: float) -> bool:
        """Does ``value`` reach the target in this indicator's direction?"""
        return value >= self.target.value if self.direction == "increase" else value <= self.target.value


class OperationalGoal(Strict):
    id: str = Field(pattern=ID)
    name: Text3
    indicators: list[StrategyIndicator] = Field(min_length=1)


class StrategicGoal(Strict):
    id: str = Field(pattern=ID)
    name: Text3
    category: str | None = Field(None, description="the category of params/categories.yml it belongs to")
    operational_goals: list[OperationalGoal] = Field(min_length=1)


class Thresholds(Strict):
    on_track: float = Field(0.9, gt=0, description="progress ratio from which an indicator is on track")
    at_risk: float = Field(0.6, ge=0, description="progress ratio from which it is at risk (below: off track)")

    @model_validator(mode="after")
    def _ordered(self) -> Thresholds:
        if self.at_risk >= self.on_track:
            raise ValueError(f"at_risk ({self.at_risk}) must be below on_track ({self.on_track})")
        return self

    def status(self, ratio: float) -> str:
        if ratio >= self.on_track:
            return "on_track"
        return "at_risk" if ratio >= self.at_risk else "off_track"


class Strategy(Strict):
    title: Text3
    adopted: int
    horizon: int
    example: bool = Field(False, description="true while the indicators are an example, not the city's own")
    note: Text3 | None = None
    status_thresholds: Thresholds = Thresholds()
    goals: list[StrategicGoal] = Field(min_length=1)

    @model_validator(mode="after")
    def _coherent(self) -> Strategy:
        if self.example and self.note is None:
            raise ValueError("example: true needs a note (pl, en, de) saying the example is to be replaced")
        if self.horizon < self.adopted:
            raise ValueError(f"horizon {self.horizon} is before the adoption year {self.adopted}")
        return self

    def indicators(self) -> list[tuple[StrategicGoal, OperationalGoal, StrategyIndicator]]:
        return [(g, o, i) for g in self.goals for o in g.operational_goals for i in o.indicators]

    def names(self, lang: str) -> dict[str, str]:
        """Every goal, operational goal and indicator id → its name in ``lang``."""
        out: dict[str, str] = {}
        for g in self.goals:
            out[g.id] = g.name.get(lang)
            for o in g.operational_goals:
                out[o.id] = o.name.get(lang)
                out.update({i.id: i.name.get(lang) for i in o.indicators})
        return out


# ---------------------------------------------------------------- params checking and loading


def _iso_ids(reg: Registry) -> set[str] | None:
    """Ids of the ISO 37120 catalogue, or None when there is no catalogue to check against."""
    data = reg.extra.get("iso37120")
    if not isinstance(data, dict):
        return None
    items = data.get("indicators")
    if not isinstance(items, list):
        return None
    return {str(i.get("id")) for i in items if isinstance(i, dict)}


def _survey_questions(reg: Registry) -> set[str] | None:
    """Ids of the survey's closed questions, or None when there is no params/survey.yml."""
    data = reg.extra.get("survey")
    if not isinstance(data, dict):
        return None
    return {str(q.get("id")) for q in data.get("questions") or [] if isinstance(q, dict)}


def _parse(reg: Registry, data: Any) -> tuple[Strategy | None, list[ParamsProblem]]:
    loader = Loader(reg.root)
    path = reg.root / FILE
    model = loader.model(Strategy, data, path)
    problems = list(loader.problems)
    if model is None:
        return None, problems
    rel = loader.rel(path)
    iso_ids = _iso_ids(reg)
    questions = _survey_questions(reg)
    stale = set(stale_links(reg, "strategy"))  # a replaced survey: reported by check-params, not an error
    seen: set[str] = set()
    for gi, g in enumerate(model.goals):
        gkey = f"goals[{gi}] ({g.id})"
        if g.category is not None and g.category not in reg.categories:
            problems.append(
                ParamsProblem(
                    rel,
                    f"{gkey}.category",
                    f"unknown category '{g.category}'; expected one "
                    f"of params/categories.yml: {', '.join(sorted(reg.categories))}",
                )
            )
        for oi, o in enumerate(g.operational_goals):
            okey = f"{gkey}.operational_goals[{oi}] ({o.id})"
            for ii, ind in enumerate(o.indicators):
                key = f"{okey}.indicators[{ii}] ({ind.id})"
                for field in ("variable", "per"):
                    value = getattr(ind, field)
                    for var in [] if value is None else side_ids(value):
                        if var in reg.variables:
                            continue
                        problems.append(
                            ParamsProblem(
                                rel,
                                f"{key}.{field}",
                                f"unknown variable '{var}'; expected an "
                                "id of params/variables.yml (add it there or fix the spelling)",
                            )
                        )
                if ind.iso is not None and iso_ids is not None and ind.iso not in iso_ids:
                    problems.append(
                        ParamsProblem(
                            rel,
                            f"{key}.iso",
                            f"unknown ISO 37120 indicator '{ind.iso}'; expected an id of params/iso37120.yml",
                        )
                    )
                if ind.iso is not None and iso_ids is None:
                    problems.append(
                        ParamsProblem(rel, f"{key}.iso", "refers to ISO 37120 but params/iso37120.yml is missing")
                    )
                if (
                    ind.survey is not None
                    and ind.survey not in stale
                    and (questions is None or ind.survey not in questions)
                ):
                    problems.append(
                        ParamsProblem(
                            rel,
                            f"{key}.survey",
                            f"unknown survey question '{ind.survey}'; expected a closed question of params/survey.yml: "
                            + ", ".join(sorted(questions or [])),
                        )
                    )
                if ind.survey is not None and ind.territory != "city":
                    problems.append(
                        ParamsProblem(rel, f"{key}.territory", "a survey indicator is the city's share: territory city")
                    )
                if reg.territory_code(ind.territory) is None:
                    problems.append(
                        ParamsProblem(
                            rel,
                            f"{key}.territory",
                            f"unknown territory '{ind.territory}'; "
                            "expected 'city', 'powiat' or a code from params/city.yml",
                        )
                    )
    for key, ident in _all_ids(model):
        if ident in seen:
            problems.append(
                ParamsProblem(
                    rel,
                    key,
                    f"duplicate id '{ident}'; goal, operational goal and indicator "
                    "ids must be unique across the strategy",
                )
            )
        seen.add(ident)
    return model, problems


def _all_ids(model: Strategy) -> list[tuple[str, str]]:
    out = []
    for gi, g in enumerate(model.goals):
        out.append((f"goals[{gi}].id", g.id))
        for oi, o in enumerate(g.operational_goals):
            out.append((f"goals[{gi}].operational_goals[{oi}].id", o.id))
            out.extend(
                (f"goals[{gi}].operational_goals[{oi}].indicators[{ii}].id", i.id) for ii, i in enumerate(o.indicators)
            )
    return out


PARAMS = OptionalFile("strategy", FILE, _parse)
check = PARAMS.check


def load_strategy(reg: Registry) -> Strategy | None:
    """The validated strategy of params/strategy.yml, or None when the file is absent."""
    return PARAMS.load(reg)
