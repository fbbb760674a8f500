"""Reading the survey exports as they really come and harmonising them into one long response table.

- the telephone agency's SPSS ``.sav`` (numeric codes with Polish value labels, "trudno powiedzieć" as a
  user-missing code, interview date, interviewer id), read with pyreadstat keeping user-missing values;
- the LimeSurvey web export: the responses CSV (question codes like ``G03Q01[SQ002]``, answer codes like
  ``AO01``, system columns first) and its tab-separated structure file, which is the codebook source: every column
  and answer code that ``params/survey.yml`` maps must be in it.

Validation works like the data bank's: every problem at once, each naming the file, the row (the case number of the
.sav, the line of the CSV with the header as line 1), the column, the value and what was expected; respondents or
single answers are quarantined with that reason; the raw files are only read.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyreadstat

from ..errors import UserError
from ..params.survey import Survey, SurveyFile
from ..safety import inside
from .text import redact

CHECKS = {
    "structure": "a column or answer code of params/survey.yml is missing from the export or its structure file",
    "duplicate_id": "the same interview id twice in one file",
    "incomplete": "a web questionnaire that was not submitted",
    "background": "district, sex or age missing or not a known code (the respondent cannot be weighted)",
    "out_of_range": "an answer code that the question's scale does not have",
    "duplicate_respondent": "the same questionnaire twice (same background and identical answers)",
    "straightlining": "the same answer to every item of a grid",
    "personal_data": "an open answer with a phone number, e-mail, name or address (redacted)",
}
QUARANTINE_COLUMNS = ["file", "row", "column", "value", "expected", "check", "respondent", "action"]
RESPONSE_COLUMNS = ["respondent", "mode", "file", "row", "district", "sex", "age", "age_group", "interview_date",
                    "interviewer", "question", "code", "dont_know", "top2", "text"]  # fmt: skip


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    column: str
    value: str
    expected: str
    check: str
    respondent: str = ""
    action: str = "respondent quarantined"

    def line(self) -> str:
        where = f"{self.file}" + (f" row {self.row}" if self.row is not None else "")
        return f"{where}, {self.column}: {self.value!r} — expected {self.expected} [{self.check}; {self.action}]"


@dataclass
class SurveyData:
    """The harmonised survey: one row per respondent × question kept, and every problem found."""

    responses: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def quarantine(self) -> pd.DataFrame:
        return pd.DataFrame([asdict(p) for p in self.problems], columns=QUARANTINE_COLUMNS).astype({"row": "Int64"})

    @property
    def respondents(self) -> pd.DataFrame:
        """One row per respondent kept: mode, district, sex, age group (the weighting variables)."""
        cols = [
            "respondent",
            "mode",
            "file",
            "row",
            "district",
            "sex",
            "age",
            "age_group",
            "interview_date",
            "interviewer",
        ]
        return self.responses[cols].drop_duplicates("respondent").reset_index(drop=True)

    def closed(self) -> pd.DataFrame:
        return self.responses[self.responses["text"].isna()].reset_index(drop=True)


# ---------------------------------------------------------------- reading the files


def read_structure(path: Path) -> dict[str, dict[str, Any]]:
    """The LimeSurvey tab-separated structure: question code → {type, text, subquestions, answers}."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the LimeSurvey structure file ({exc})") from exc
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
    if not rows or "class" not in rows[0] or "name" not in rows[0]:
        raise UserError(f"{path}: not a LimeSurvey tab-separated structure file (no 'class' and 'name' columns)")
    out: dict[str, dict[str, Any]] = {}
    current: dict[str, Any] | None = None
    for r in rows:
        cls = r["class"]
        if cls == "Q":
            current = {"type": r["type/scale"], "text": r["text"], "subquestions": [], "answers": {}}
            out[r["name"]] = current
        elif cls == "SQ" and current is not None:
            current["subquestions"].append(r["name"])
        elif cls == "A" and current is not None:
            current["answers"][r["name"]] = r["text"]
    return out


def _read_csv(path: Path) -> pd.DataFrame:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the LimeSurvey CSV ({exc})") from exc
    first = text.splitlines()[0] if text else ""
    sep = max([",", ";", "\t"], key=first.count)
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)


def _read_sav(path: Path) -> tuple[pd.DataFrame, Any]:
    try:
        return pyreadstat.read_sav(str(path), user_missing=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError and OSError
        raise UserError(f"{path}: cannot read the SPSS file ({exc})") from exc


# ---------------------------------------------------------------- harmonising


def _num(value: Any) -> float | None:
    if value is None or value == "":
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(v) else v


class _Harmoniser:
    def __init__(self, survey: Survey):
        self.s = survey
        self.problems: list[Problem] = []
        self.rows: list[dict[str, Any]] = []

    def problem(self, *args: Any, **kw: Any) -> None:
        self.problems.append(Problem(*args, **kw))

    def structure(self, f: SurveyFile, columns: list[str], structure: dict[str, dict[str, Any]] | None) -> None:
        """Every mapped column in the export (and, for LimeSurvey, the structure file and its answer codes)."""
        s, bg = self.s, self.s.background
        mode = f.mode.lower()
        wanted = [getattr(bg.district, mode), getattr(bg.sex, mode), getattr(bg.age, mode), f.id_column]
        wanted += [getattr(q, mode) for q in [*s.questions, *s.open_questions]]
        for col in wanted:
            if col not in columns:
                self.problem(f.path, None, col, "(no such column)", "a column named in params/survey.yml", "structure",
                             action="column not read")  # fmt: skip
        if structure is None:
            return
        assert f.structure is not None
        known = {f"{q}[{sq}]" for q, v in structure.items() for sq in v["subquestions"]} | set(structure)

        def answers_of(col: str) -> dict[str, str]:
            return structure.get(col.split("[")[0], {}).get("answers", {})

        for col in wanted[:3] + [q.cawi for q in [*s.questions, *s.open_questions]]:
            if col not in known:
                self.problem(f.structure, None, col, "(no such question)", "a question or sub-question of the survey structure",
                             "structure", action="column not read")  # fmt: skip
        checks = [(q.cawi, [a.cawi for a in s.scales[q.scale].answers]) for q in s.questions]
        checks += [
            (bg.district.cawi, [v.cawi for v in bg.district.values]),
            (bg.sex.cawi, [v.cawi for v in bg.sex.values]),
        ]
        for col, codes in checks:
            if col in known:
                missing = [c for c in codes if c not in answers_of(col)]
                if missing:
                    self.problem(f.structure, None, col, ", ".join(missing), "answer codes of the structure file: "
                                 + ", ".join(answers_of(col)), "structure", action="codebook mismatch")  # fmt: skip

    def respondent(self, f: SurveyFile, row: int, rid: str, rec: dict[str, Any], extra: dict[str, Any]) -> None:
        s, bg = self.s, self.s.background
        mode = f.mode.lower()
        bad = False
        base: dict[str, Any] = {"respondent": rid, "mode": f.mode, "file": f.path, "row": row, **extra}
        for name, cat in (("district", bg.district), ("sex", bg.sex)):
            col = getattr(cat, mode)
            raw = rec.get(col)
            lookup = {str(v.cati) if mode == "cati" else v.cawi: v.value for v in cat.values}
            key = str(int(_num(raw))) if mode == "cati" and _num(raw) is not None else ("" if raw is None else str(raw))
            if key not in lookup:
                bad = True
                self.problem(f.path, row, col, _show(raw), "one of " + ", ".join(lookup), "background", rid)
            base[name] = lookup.get(key)
        age = _num(rec.get(bg.age.cawi if mode == "cawi" else bg.age.cati))
        if age is None or not bg.age.min <= age <= bg.age.max or age != int(age):
            bad = True
            self.problem(f.path, row, getattr(bg.age, mode), _show(rec.get(getattr(bg.age, mode))),
                         f"a whole age {bg.age.min}–{bg.age.max}", "background", rid)  # fmt: skip
        base["age"] = int(age) if age is not None and age == age else None
        base["age_group"] = bg.age.group_of(age) if age is not None else None
        answers: list[dict[str, Any]] = []
        for q in s.questions:
            col = getattr(q, mode)
            if col not in rec:
                continue
            scale = s.scales[q.scale]
            raw = rec[col]
            if mode == "cati":
                v = _num(raw)
                code = None if v is None else (int(v) if v == int(v) and int(v) in scale.codes else -1)
                expected = ", ".join(str(c) for c in scale.codes)
            else:
                code = None if raw in ("", None) else scale.cawi_to_code.get(str(raw), -1)
                expected = ", ".join(a.cawi for a in scale.answers) + " or empty"
            if code == -1:
                self.problem(
                    f.path, row, col, _show(raw), f"one of {expected}", "out_of_range", rid, "answer quarantined"
                )
                continue
            answers.append({**base, "question": q.id, "code": code, "dont_know": code in scale.dont_know,
                            "top2": None if code is None or code in scale.dont_know else code in scale.top2, "text": None})  # fmt: skip
        for q in s.open_questions:
            raw = rec.get(getattr(q, mode))
            text = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw).strip()
            if not text:
                continue
            clean, kinds = redact(text)
            if kinds:
                self.problem(f.path, row, getattr(q, mode), clean, "no personal data (" + ", ".join(kinds) + " found)",
                             "personal_data", rid, "text redacted")  # fmt: skip
            answers.append({**base, "question": q.id, "code": None, "dont_know": False, "top2": None, "text": clean})
        if bad:
            return
        self.rows.extend(answers)


def _show(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v)


def _ids(h: _Harmoniser, f: SurveyFile, ids: list[str], rows: list[int], prefix: str) -> list[bool]:
    seen: dict[str, int] = {}
    keep = []
    for ident, row in zip(ids, rows, strict=True):
        if ident in seen:
            h.problem(f.path, row, f.id_column, ident, f"an id used once (also on row {seen[ident]})", "duplicate_id",
                      f"{prefix}-{ident}")  # fmt: skip
            keep.append(False)
        else:
            seen[ident] = row
            keep.append(True)
    return keep


def read_cati(h: _Harmoniser, f: SurveyFile, raw_dir: Path) -> None:
    df, _meta = _read_sav(raw_dir / f.path)
    h.structure(f, list(df.columns), None)
    ids = [_show(v) for v in df.get(f.id_column, pd.Series([None] * len(df)))]
    rows = list(range(1, len(df) + 1))
    keep = _ids(h, f, ids, rows, "CATI")
    for i, rec in enumerate(df.to_dict(orient="records")):
        if not keep[i]:
            continue
        date = rec.get(f.date_column) if f.date_column else None
        extra = {
            "interview_date": pd.Timestamp(date).date().isoformat() if date is not None and date == date else None,
            "interviewer": str(rec.get(f.interviewer_column)) if f.interviewer_column else None,
        }
        h.respondent(f, rows[i], f"CATI-{ids[i]}", rec, extra)


def read_cawi(h: _Harmoniser, f: SurveyFile, raw_dir: Path) -> None:
    assert f.structure is not None
    structure = read_structure(raw_dir / f.structure)
    df = _read_csv(raw_dir / f.path)
    h.structure(f, list(df.columns), structure)
    ids = list(df.get(f.id_column, pd.Series([""] * len(df))))
    rows = list(range(2, len(df) + 2))
    keep = _ids(h, f, ids, rows, "CAWI")
    for i, rec in enumerate(df.to_dict(orient="records")):
        rid = f"CAWI-{ids[i]}"
        if not keep[i]:
            continue
        if f.date_column and not rec.get(f.date_column):
            h.problem(
                f.path, rows[i], f.date_column, "", "a submitted questionnaire (submitdate set)", "incomplete", rid
            )
            continue
        date = rec.get(f.date_column, "") if f.date_column else ""
        extra = {"interview_date": date[:10] or None, "interviewer": None}
        h.respondent(f, rows[i], rid, rec, extra)


# ---------------------------------------------------------------- checks across respondents


def _duplicates_and_straightliners(h: _Harmoniser, table: pd.DataFrame) -> set[str]:
    s = h.s
    drop: set[str] = set()
    codes: dict[str, dict[str, Any]] = {}
    for rid, qid, code in table.loc[table["text"].isna(), ["respondent", "question", "code"]].itertuples(index=False):
        codes.setdefault(rid, {})[qid] = None if code is None or code != code else int(code)
    info = {r["respondent"]: r for r in table.drop_duplicates("respondent").to_dict(orient="records")}
    order = sorted(info, key=lambda rid: (info[rid]["mode"], info[rid]["row"]))
    seen: dict[tuple[Any, ...], str] = {}
    for rid in order:
        answers = codes.get(rid, {})
        if sum(v is not None for v in answers.values()) < s.checks.duplicate_min_items:
            continue
        me = info[rid]
        key = (me["district"], me["sex"], me["age"], *[answers.get(q.id) for q in s.questions])
        if key in seen:
            first = info[seen[key]]
            h.problem(me["file"], int(me["row"]), "(all answers)",
                      f"identical to {seen[key]} ({first['file']} row {first['row']})",
                      "one questionnaire per resident", "duplicate_respondent", rid)  # fmt: skip
            drop.add(rid)
        else:
            seen[key] = rid
    grids: dict[str, list[str]] = {}
    for q in s.questions:
        if q.grid:
            grids.setdefault(q.grid, []).append(q.id)
    for rid in order:
        if rid in drop:
            continue
        answers, me = codes.get(rid, {}), info[rid]
        for grid, ids in grids.items():
            vals = [answers.get(q) for q in ids]
            if len(ids) >= s.checks.straightlining_min_items and None not in vals and len(set(vals)) == 1:
                cols = [getattr(s.question(q), me["mode"].lower()) for q in ids]
                h.problem(me["file"], int(me["row"]), f"grid '{grid}' ({cols[0]} … {cols[-1]})",
                          f"{vals[0]} × {len(ids)}", "answers that differ within the grid", "straightlining", rid)  # fmt: skip
                drop.add(rid)
                break
    return drop


def load_survey_data(survey: Survey, raw_dir: Path) -> SurveyData:
    """Read both exports under ``raw_dir``, harmonise, check; never raises for a bad row (only for a missing
    or unreadable file, naming it). A path that leads outside ``raw_dir`` is refused before anything is read."""
    for f in survey.files:
        for p in [f.path, f.structure]:
            if p:
                inside(raw_dir, p, what="the survey file (params/survey.yml, files)")
    missing = [
        str(raw_dir / p) for f in survey.files for p in [f.path, f.structure] if p and not (raw_dir / p).is_file()
    ]
    if missing:
        raise UserError(
            "survey file(s) not found: " + ", ".join(missing) + ". Put the exports there (params/survey.yml, files) or "
            "generate the synthetic sample with `citybank survey sample`."
        )
    h = _Harmoniser(survey)
    for f in survey.files:
        (read_cati if f.format == "sav" else read_cawi)(h, f, raw_dir)
    table = pd.DataFrame(h.rows, columns=RESPONSE_COLUMNS)
    drop = _duplicates_and_straightliners(h, table) if len(table) else set()
    table = table[~table["respondent"].isin(drop)].reset_index(drop=True)
    table = table.astype({"code": "Int64", "top2": "boolean", "row": "int64", "age": "Int64", "dont_know": "bool"})
    order = {c: i for i, c in enumerate(CHECKS)}
    problems = sorted(h.problems, key=lambda p: (p.file, p.row or 0, order.get(p.check, 99), p.column))
    return SurveyData(table, problems)
