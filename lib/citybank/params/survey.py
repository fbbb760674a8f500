"""The residents' survey codebook of ``params/survey.yml``: the two exports' columns and codes, the answer scales,
the weighting margins with their source, the disclosure rules and the EU benchmarks. The engine that reads,
validates, weights and estimates is ``citybank.survey``.

    >>> Scale(answers=[Answer(code=1, cawi="AO01", label=Text3(pl="tak", en="yes", de="ja"))], top2=[1]).codes
    [1]
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, model_validator

from .core import Loader, ParamsProblem, Registry, Strict, Text3
from .optional import OptionalFile

FILE = "survey.yml"
MODES = ("CATI", "CAWI")
#: the background value of an answer that states none ("won't say", a non-binary answer when the margins have two
#: sexes): the respondent is kept in a cell of its own (see ``citybank.survey.weighting``), not dropped
NOT_STATED = "not_stated"


class Answer(Strict):
    code: int = Field(description="the harmonised code (the CATI agency's numeric code)")
    cawi: str = Field(min_length=1, description="the LimeSurvey answer code")
    label: Text3


class Scale(Strict):
    answers: list[Answer] = Field(min_length=1)
    top2: list[int] = Field(min_length=1, description="codes counted as satisfied / agree (top-2-box)")
    dont_know: list[int] = Field([], description="codes excluded from shares (user-missing in the .sav)")
    empty: int | None = Field(
        None,
        description="the code an empty cell means: a multiple-choice option left unticked is 'not chosen' (LimeSurvey "
        "M/P writes Y or nothing), so the share is of everyone shown the question; without it an empty cell is no answer",
    )

    @property
    def codes(self) -> list[int]:
        return [a.code for a in self.answers]

    @property
    def cawi_to_code(self) -> dict[str, int]:
        return {a.cawi: a.code for a in self.answers}

    @model_validator(mode="after")
    def _coherent(self) -> Scale:
        codes = self.codes
        if len(set(codes)) != len(codes):
            raise ValueError(f"answer codes repeat: {codes}")
        if len({a.cawi for a in self.answers}) != len(self.answers):
            raise ValueError("LimeSurvey answer codes (cawi) repeat")
        stray = [
            c
            for c in [*self.top2, *self.dont_know, *([self.empty] if self.empty is not None else [])]
            if c not in codes
        ]
        if stray:
            raise ValueError(f"top2/dont_know name codes that are not answers: {stray}")
        if set(self.top2) & set(self.dont_know):
            raise ValueError("a code cannot be both top2 and dont_know")
        if self.empty is not None and self.empty in self.dont_know:
            raise ValueError("the code of an empty cell (empty) cannot be a don't-know code")
        return self


class Completeness(Strict):
    """Which questionnaires count, the same rule for every file whatever its format or mode: each rule given must
    hold. Excluded questionnaires are reported (check ``incomplete``), never silently dropped."""

    submitted: str | None = Field(
        None, description="a column that must not be empty (LimeSurvey: submitdate; an agency's completion flag)"
    )
    lastpage: int | None = Field(None, ge=0, description="LimeSurvey's lastpage column must be at least this")
    lastpage_column: str = "lastpage"
    min_answered: int | None = Field(
        None, ge=1, description="at least this many closed questions answered (don't know counts as answered)"
    )


class SurveyFile(Strict):
    mode: Literal["CATI", "CAWI"]
    path: str = Field(description="under data/raw")
    format: Literal["sav", "limesurvey_csv"]
    structure: str | None = Field(
        None,
        description="the codebook source: a LimeSurvey .lss, a queXML questionnaire or LimeSurvey's tab-separated "
        "structure (.txt); for a .sav optional (its own labels are the codebook)",
    )
    id_column: str
    date_column: str | None = None
    interviewer_column: str | None = None

    @model_validator(mode="after")
    def _structure(self) -> SurveyFile:
        if self.format == "limesurvey_csv" and not self.structure:
            raise ValueError("a LimeSurvey CSV needs its structure file (structure: ...): it is the codebook source")
        return self


class BackgroundValue(Strict):
    value: str
    cati: int
    cawi: str


class Categorical(Strict):
    cati: str
    cawi: str
    values: list[BackgroundValue] = Field(min_length=1)


class Age(Strict):
    cati: str
    cawi: str
    birth_year: bool = Field(
        False, description="the column holds the year of birth: age = the fieldwork's start year minus it"
    )
    codes: dict[str, str] = Field(
        {},
        description="age asked as a list: raw code (the .sav's number or LimeSurvey's answer code) → age group; "
        "without it the column holds the age (or the year of birth)",
    )
    min: int = Field(ge=0)
    max: int = Field(le=120)
    groups: dict[str, tuple[int, int]] = Field(min_length=1)

    def group_of(self, age: float) -> str | None:
        for name, (lo, hi) in self.groups.items():
            if lo <= age <= hi:
                return name
        return None

    @model_validator(mode="after")
    def _cover(self) -> Age:
        ages = sorted(a for lo, hi in self.groups.values() for a in range(lo, hi + 1))
        if ages != list(range(self.min, self.max + 1)):
            raise ValueError(f"age groups must cover {self.min}..{self.max} once each, without gaps or overlaps")
        stray = sorted(set(self.codes.values()) - set(self.groups))
        if stray:
            raise ValueError(f"codes name age groups that are not in groups: {stray}")
        if self.codes and self.birth_year:
            raise ValueError("give either codes (age asked as a list) or birth_year, not both")
        return self


class Background(Strict):
    district: Categorical
    sex: Categorical
    age: Age


class Question(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    cati: str
    cawi: str
    scale: str
    text: Text3
    grid: str | None = None
    eu: str | None = Field(None, description="comparable item of the EU survey (a key of eu_benchmarks.items)")


class Theme(Strict):
    """A page of the report: the closed questions it shows (each closed question in exactly one theme)."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: Text3
    questions: list[str] = Field(min_length=1)


class OpenQuestion(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    cati: str
    cawi: str
    text: Text3


class NumericQuestion(Strict):
    """A number (LimeSurvey N, an SPSS scale variable): estimated as a weighted mean and median with 95 % CIs."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    cati: str
    cawi: str
    text: Text3
    missing: list[float] = Field([], description="codes that are no answer (user-missing: 99, 999, -1, …)")
    min: float | None = None
    max: float | None = None


class Checks(Strict):
    straightlining_min_items: int = Field(5, ge=3)
    duplicate_min_items: int = Field(8, ge=3)


class BankMargins(Strict):
    """Margins taken from the data bank (``citybank.survey.margins``): the typed ones are then the fallback and are
    compared with the bank's."""

    year: int = Field(description="the bank's year (31 December before the fieldwork)")
    total: str = Field(description="variable of the city's population the survey covers (e.g. population_adult)")
    district: str | None = Field(None, description="variable by district whose shares split the total")
    tolerance: float = Field(0.05, gt=0, lt=1, description="a typed share further than this from the bank's is flagged")


class Margins(Strict):
    source: str = Field(min_length=1)
    verified: bool
    district: dict[str, float]
    sex: dict[str, float]
    age_group: dict[str, float]
    tolerance: float = Field(0.001, gt=0, lt=0.05)
    bank: BankMargins | None = None

    def of(self, name: str) -> dict[str, float]:
        return getattr(self, name)


class Reliability(Strict):
    min_n: int = Field(30, ge=1)
    cv_caution: float = Field(0.166, gt=0)
    cv_unreliable: float = Field(0.333, gt=0)


class Disclosure(Strict):
    min_count: int = Field(10, ge=1)
    zeros_sensitive: bool = True
    quote_min_district: int = Field(10, ge=1)


class Benchmarks(Strict):
    source: str = Field(min_length=1)
    verified: bool
    note: str
    year: int
    cities: list[str] = Field(min_length=1)
    items: dict[str, dict[str, float]]


class Fieldwork(Strict):
    start: dt.date
    end: dt.date


class Survey(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    title: Text3
    synthetic: bool = False
    fieldwork: Fieldwork
    population: str
    files: list[SurveyFile] = Field(min_length=1)
    scales: dict[str, Scale]
    background: Background
    questions: list[Question] = Field(min_length=1)
    open_questions: list[OpenQuestion] = []
    numeric_questions: list[NumericQuestion] = []
    themes: list[Theme] = Field(min_length=1, description="the report's pages, one per theme")
    checks: Checks = Checks()
    complete: Completeness | None = Field(
        None,
        description="which questionnaires count, for every file; without it a LimeSurvey CSV's rows with an empty "
        "date_column (submitdate) are excluded and every row of a .sav counts",
    )
    margins: Margins
    variance: Literal["fixed_weights", "calibration"] = Field(
        "fixed_weights",
        description="standard errors of the shares: fixed_weights (the weights taken as given) or calibration "
        "(Taylor linearisation of the raked estimator, as R's survey does after rake(): the margins' part removed)",
    )
    reliability: Reliability = Reliability()
    disclosure: Disclosure = Disclosure()
    eu_benchmarks: Benchmarks | None = None

    def question(self, qid: str) -> Question:
        return next(q for q in self.questions if q.id == qid)

    def theme_of(self, qid: str) -> str:
        return next(t.id for t in self.themes if qid in t.questions)

    def theme(self, tid: str) -> Theme:
        return next(t for t in self.themes if t.id == tid)

    def file_of(self, mode: str) -> SurveyFile | None:
        return next((f for f in self.files if f.mode == mode), None)


def _cross(reg: Registry, s: Survey, rel: str) -> list[ParamsProblem]:
    out: list[ParamsProblem] = []

    def bad(key: str, what: str) -> None:
        out.append(ParamsProblem(rel, key, what))

    districts = {d.code for d in reg.city.districts}
    seen: set[str] = set()
    for i, q in enumerate([*s.questions, *s.open_questions]):
        where = (
            f"questions[{i}] ({q.id})" if i < len(s.questions) else f"open_questions[{i - len(s.questions)}] ({q.id})"
        )
        if q.id in seen:
            bad(f"{where}.id", f"duplicate question id '{q.id}'")
        seen.add(q.id)
        if isinstance(q, Question):
            if q.scale not in s.scales:
                bad(f"{where}.scale", f"unknown scale '{q.scale}'; expected one of: {', '.join(sorted(s.scales))}")
            if q.eu is not None and (s.eu_benchmarks is None or q.eu not in s.eu_benchmarks.items):
                bad(f"{where}.eu", f"unknown EU item '{q.eu}'; expected a key of eu_benchmarks.items")
    closed = [q.id for q in s.questions]
    placed: list[str] = []
    for i, th in enumerate(s.themes):
        if [x.id for x in s.themes].count(th.id) > 1:
            bad(f"themes[{i}].id", f"duplicate theme id '{th.id}'")
        for qid in th.questions:
            if qid not in closed:
                bad(
                    f"themes[{i}] ({th.id}).questions",
                    f"'{qid}' is not a closed question; expected one of: {', '.join(closed)}",
                )
            placed.append(qid)
    for qid in closed:
        if placed.count(qid) != 1:
            bad("themes", f"question '{qid}' must be in exactly one theme (found in {placed.count(qid)})")
    for name in ("cati", "cawi"):
        cols = [getattr(q, name) for q in [*s.questions, *s.open_questions]]
        for c in sorted({c for c in cols if cols.count(c) > 1}):
            bad(f"questions.{name}", f"column '{c}' is mapped to more than one question")
    for i, f in enumerate(s.files):
        if [g.mode for g in s.files].count(f.mode) > 1:
            bad(f"files[{i}].mode", f"mode {f.mode} has more than one file")
    dvals = [v.value for v in s.background.district.values]
    for v in dvals:
        if v not in districts and v != NOT_STATED:
            bad("background.district.values", f"'{v}' is not a district code of params/city.yml")
    if set(s.margins.district) != districts:
        bad(
            "margins.district",
            f"must give every district of params/city.yml once: missing {sorted(districts - set(s.margins.district))}, "
            f"unknown {sorted(set(s.margins.district) - districts)}",
        )
    sexes = {v.value for v in s.background.sex.values} - {NOT_STATED}
    if set(s.margins.sex) != sexes:
        bad("margins.sex", f"must give the values of background.sex: {sorted(sexes)}")
    if set(s.margins.age_group) != set(s.background.age.groups):
        bad("margins.age_group", f"must give the groups of background.age.groups: {sorted(s.background.age.groups)}")
    if s.margins.bank is not None:
        for key in ("total", "district"):
            var = getattr(s.margins.bank, key)
            if var is not None and var not in reg.variables:
                bad(f"margins.bank.{key}", f"unknown variable '{var}'; expected a variable of params/variables.yml")
    totals = {k: sum(s.margins.of(k).values()) for k in ("district", "sex", "age_group")}
    if len({round(t) for t in totals.values()}) > 1:
        bad(
            "margins",
            "the margins disagree on the population total: " + ", ".join(f"{k} {v:,.0f}" for k, v in totals.items()),
        )
    if s.eu_benchmarks is not None:
        for item, vals in s.eu_benchmarks.items.items():
            missing = [c for c in [*s.eu_benchmarks.cities, "all_cities"] if c not in vals]
            if missing:
                bad(f"eu_benchmarks.items.{item}", f"no value for {', '.join(missing)}")
            for c, v in vals.items():
                if not 0 <= v <= 100:
                    bad(f"eu_benchmarks.items.{item}.{c}", f"{v} is not a percentage (0–100)")
    return out


def _parse(reg: Registry, data: Any) -> tuple[Survey | None, list[ParamsProblem]]:
    loader = Loader(reg.root)
    path = reg.root / FILE
    s = loader.model(Survey, data, path)
    if s is None:
        return None, loader.problems
    return s, _cross(reg, s, loader.rel(path))


PARAMS = OptionalFile("survey", FILE, _parse)
check = PARAMS.check


def load_survey(reg: Registry) -> Survey | None:
    """The validated survey codebook (None when params/survey.yml is absent)."""
    return PARAMS.load(reg)


# ---------------------------------------------------------------- links from other params files to the survey


def _survey_ids(reg: Registry) -> tuple[set[str], set[str]] | None:
    data = reg.extra.get("survey")
    if not isinstance(data, dict):
        return None

    def ids(key: str) -> set[str]:
        return {str(q.get("id")) for q in data.get(key) or [] if isinstance(q, dict)}

    return ids("questions"), ids("open_questions")


def _strategy_links(reg: Registry) -> list[str]:
    data = reg.extra.get("strategy")
    out: list[str] = []
    for g in (data or {}).get("goals") or [] if isinstance(data, dict) else []:
        for o in g.get("operational_goals") or [] if isinstance(g, dict) else []:
            for ind in o.get("indicators") or [] if isinstance(o, dict) else []:
                if isinstance(ind, dict) and ind.get("survey") is not None:
                    out.append(str(ind["survey"]))
    return out


def _coding_links(reg: Registry) -> list[str]:
    data = reg.extra.get("survey_coding")
    qs = data.get("questions") if isinstance(data, dict) else None
    return [str(q["question"]) for q in qs or [] if isinstance(q, dict) and "question" in q]


def stale_links(reg: Registry, which: Literal["strategy", "survey_coding"]) -> list[str]:
    """The survey questions that params/strategy.yml (``survey:``) or params/survey_coding.yml (``question:``) name
    and that the current params/survey.yml no longer has — when NONE of that file's links resolve: the survey was
    replaced, so its links are reported ("no longer resolve") instead of failing the params check. When some resolve,
    the others are typos and stay errors of that file. Empty without a survey."""
    ids = _survey_ids(reg)
    if ids is None:
        return []
    closed, opened = ids
    links = _strategy_links(reg) if which == "strategy" else _coding_links(reg)
    known = closed if which == "strategy" else opened
    if not links or any(x in known for x in links):
        return []
    return links


def link_notes(reg: Registry) -> list[str]:
    """What ``citybank check-params`` tells the analyst about links that no longer resolve (see ``stale_links``)."""
    out = []
    for which, what in (("strategy", "strategy indicators"), ("survey_coding", "coded open questions")):
        stale = stale_links(reg, which)  # type: ignore[arg-type]
        if stale:
            out.append(
                f"params/{which}.yml: {len(stale)} {what} name questions of another survey that params/survey.yml "
                f"(id {reg.extra['survey'].get('id')}) no longer has: {', '.join(dict.fromkeys(stale))} — they stay "
                "without data until you point them at this survey's questions"
            )
    return out
