"""The codebook of the survey's open answers, ``params/survey_coding.yml``, and its human overrides,
``params/survey_coding_overrides.csv``. The engine that applies them is ``citybank.survey.coding``.

A code has labels in PL, EN, DE and rules; an answer gets every code one of whose rules fires (multi-code), or the
question's ``fallback`` code when none does. A rule fires when one of its ``any`` terms, all of its ``all`` terms and
none of its ``not`` terms are in the answer. A term is a word (matches a word with the same Stempel stem or the same
folded spelling: ``zieleni`` ~ ``zieleń``), a prefix ending in ``*`` (matches the folded spelling: ``rower*`` ~
``rowerów``), or several of these separated by spaces (consecutive words: ``straż* miejsk*``).

A row of the overrides CSV (respondent, question, codes separated by ``;``, coder, note) replaces the rules' codes of
that answer: a human always wins.

    >>> Rule.model_validate({"any": ["zieleń", "park*"], "not": ["rower*"]}).none
    ['rower*']
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from .core import Loader, ParamsProblem, Registry, Strict, Text3
from .optional import OptionalFile
from .survey import load_survey, stale_links

FILE = "survey_coding.yml"
OVERRIDE_COLUMNS = ["respondent", "question", "codes", "coder", "note"]
TERM = re.compile(r"^[^\W\d_]+\*?(?: [^\W\d_]+\*?)*$")


def _terms(terms: list[str]) -> list[str]:
    bad = [t for t in terms if not TERM.match(t)]
    if bad:
        raise ValueError(
            f"terms must be words of letters, a prefix may end in '*', words separated by one space: {bad}"
        )
    return [t.casefold() for t in terms]


class Rule(Strict):
    any: list[str] = Field([], description="one of these terms")
    all: list[str] = Field([], description="every one of these terms")
    none: list[str] = Field([], alias="not", description="none of these terms")

    @field_validator("any", "all", "none")
    @classmethod
    def _words(cls, terms: list[str]) -> list[str]:
        return _terms(terms)

    @model_validator(mode="after")
    def _valid(self) -> Rule:
        if not self.any and not self.all:
            raise ValueError("a rule needs 'any' or 'all' terms")
        return self


class Code(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: Text3
    rules: list[Rule] = []


class CodedQuestion(Strict):
    question: str = Field(description="an open question of params/survey.yml")
    fallback: str = Field(description="the code of an answer that no rule codes (it has no rules)")
    codes: list[Code] = Field(min_length=2)

    @property
    def code_ids(self) -> list[str]:
        return [c.code for c in self.codes]

    @model_validator(mode="after")
    def _coherent(self) -> CodedQuestion:
        ids = self.code_ids
        if len(set(ids)) != len(ids):
            raise ValueError(f"codes repeat: {sorted({c for c in ids if ids.count(c) > 1})}")
        if self.fallback not in ids:
            raise ValueError(f"fallback '{self.fallback}' is not one of the codes")
        if next(c for c in self.codes if c.code == self.fallback).rules:
            raise ValueError(f"the fallback code '{self.fallback}' has rules; it is given when no rule fires")
        without = [c.code for c in self.codes if not c.rules and c.code != self.fallback]
        if without:
            raise ValueError(f"codes without rules (only the fallback may have none): {without}")
        return self


class StemmerSpec(Strict):
    package: Literal["pystempel"]
    version: str = Field(pattern=r"^\d+\.\d+\.\d+$", description="the pinned version the rules were written with")
    table: Literal["original", "polimorf"] = "original"


class Quotes(Strict):
    per_code: int = Field(3, ge=1, le=20, description="quotes per code (the longest distinct answers)")
    max_chars: int = Field(200, ge=40)


class Coding(Strict):
    version: str = Field(pattern=r"^\d+\.\d+(\.\d+)?$", description="bump when codes or rules change")
    stemmer: StemmerSpec
    overrides: str = Field("survey_coding_overrides.csv", description="under params/")
    double_coded: str | None = Field(None, description="two coders' codes of a subsample, under data/raw")
    quotes: Quotes = Quotes()
    questions: list[CodedQuestion] = Field(min_length=1)

    def question(self, qid: str) -> CodedQuestion:
        return next(q for q in self.questions if q.question == qid)


def read_overrides(text: str) -> tuple[list[dict[str, Any]], list[tuple[int, str, str]]]:
    """Rows of the overrides CSV (line numbers from 2) and its problems as (line, column, message)."""
    rows = list(csv.DictReader(io.StringIO(text)))
    problems: list[tuple[int, str, str]] = []
    header = list(rows[0]) if rows else next(csv.reader(io.StringIO(text)), [])
    if header != OVERRIDE_COLUMNS:
        return [], [(1, "(header)", f"columns must be {', '.join(OVERRIDE_COLUMNS)}; found {', '.join(header)}")]
    out = []
    for i, r in enumerate(rows, start=2):
        codes = [c.strip() for c in (r["codes"] or "").split(";") if c.strip()]
        for col in ("respondent", "question", "coder"):
            if not (r[col] or "").strip():
                problems.append((i, col, "empty; every override names the answer and who coded it"))
        if not codes:
            problems.append((i, "codes", "no code; give one or more codes separated by ';'"))
        out.append({"line": i, **{k: (r[k] or "").strip() for k in OVERRIDE_COLUMNS}, "codes": codes})
    return out, problems


def _cross(reg: Registry, c: Coding, rel: str) -> list[ParamsProblem]:
    out: list[ParamsProblem] = []
    survey = load_survey(reg) if "survey" in reg.extra else None
    open_ids = [q.id for q in survey.open_questions] if survey else []
    seen: set[str] = set()
    stale = set(stale_links(reg, "survey_coding"))  # a replaced survey: reported by check-params, not an error
    for i, q in enumerate(c.questions):
        if q.question not in open_ids and q.question not in stale:
            out.append(ParamsProblem(rel, f"questions[{i}].question", f"'{q.question}' is not an open question of "
                                     f"params/survey.yml (open questions: {', '.join(open_ids) or 'none'})"))  # fmt: skip
        if q.question in seen:
            out.append(ParamsProblem(rel, f"questions[{i}].question", f"'{q.question}' is coded twice"))
        seen.add(q.question)
    path = reg.root / c.overrides
    orel = f"params/{c.overrides}"
    if not path.is_file():
        return [*out, ParamsProblem(orel, "", "file is missing (an empty one has only the header line)")]
    rows, problems = read_overrides(path.read_text(encoding="utf-8"))
    out += [ParamsProblem(orel, f"row {line}, {col}", msg) for line, col, msg in problems]
    codes = {q.question: q.code_ids for q in c.questions}
    keys: dict[tuple[str, str], int] = {}
    for r in rows:
        if r["question"] and r["question"] not in codes:
            out.append(ParamsProblem(orel, f"row {r['line']}, question",
                                     f"'{r['question']}' is not a coded question ({', '.join(codes)})"))  # fmt: skip
            continue
        unknown = [x for x in r["codes"] if r["question"] in codes and x not in codes[r["question"]]]
        if unknown:
            out.append(ParamsProblem(orel, f"row {r['line']}, codes", f"unknown code(s) {', '.join(unknown)}; expected "
                                     f"codes of {r['question']}: {', '.join(codes[r['question']])}"))  # fmt: skip
        key = (r["respondent"], r["question"])
        if key in keys:
            out.append(ParamsProblem(orel, f"row {r['line']}", f"{key[0]} / {key[1]} is overridden twice (also row "
                                     f"{keys[key]}); keep one row per answer"))  # fmt: skip
        keys.setdefault(key, r["line"])
    return out


def _parse(reg: Registry, data: Any) -> tuple[Coding | None, list[ParamsProblem]]:
    loader = Loader(reg.root)
    path = reg.root / FILE
    c = loader.model(Coding, data, path)
    if c is None:
        return None, loader.problems
    return c, _cross(reg, c, loader.rel(path))


PARAMS = OptionalFile("survey_coding", FILE, _parse)  # the file and its overrides CSV
check = PARAMS.check


def load_coding(reg: Registry) -> Coding | None:
    """The validated open-answer codebook (None when params/survey_coding.yml is absent)."""
    return PARAMS.load(reg)
