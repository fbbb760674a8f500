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
from .codebook import FIXED_ANSWERS, read_codebook
from .text import redact

CHECKS = {
    "structure": "a column or answer code of params/survey.yml is missing from the export or its structure file",
    "duplicate_id": "the same interview id twice in one file",
    "incomplete": "a questionnaire that does not count (not submitted, stopped early or too few answers: complete)",
    "completeness_rule": "a column the completeness rule needs is not in this file: that part of the rule is not applied",
    "background": "district, sex or age missing or not a known code (the respondent cannot be weighted)",
    "out_of_range": "an answer code that the question's scale does not have",
    "duplicate_respondent": "the same questionnaire twice (same background and identical answers)",
    "straightlining": "the same answer to every item of a grid",
    "personal_data": "an open answer with a phone number, e-mail, name or address (redacted)",
}
NUMERIC_COLUMNS = ["respondent", "question", "value"]
QUARANTINE_COLUMNS = ["file", "row", "column", "value", "expected", "check", "respondent", "action"]
RESPONSE_COLUMNS = [
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
    "question",
    "code",
    "dont_know",
    "top2",
    "text",
]


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
    numeric: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=NUMERIC_COLUMNS))

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
    """Any structure file (``codebook.read_codebook``: .lss, queXML, LimeSurvey's .txt) as question code → {type,
    text, subquestions, answers}, the answers of LimeSurvey's fixed scales (yes/no, gender, multiple choice: Y)
    included."""
    head = path.read_bytes()[:64] if path.is_file() else b""
    if head.lstrip().startswith(b"<") or head.startswith(b"\xef\xbb\xbf<"):
        cb = read_codebook(path)
        lang = cb.language
        return {
            i.code: {
                "type": i.type,
                "text": i.text.get(lang, ""),
                "subquestions": [s for s, _ in i.subquestions],
                "answers": {a.code: a.label.get(lang, "") for a in i.answers} or _fixed_answers(i.type),
            }
            for i in cb.items
        }
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
    for v in out.values():
        v["answers"] = v["answers"] or _fixed_answers(v["type"])
    return out


def _fixed_answers(qtype: str) -> dict[str, str]:
    """LimeSurvey's own answer codes of the types without answer options (multiple choice: Y when ticked)."""
    if qtype in ("M", "P"):
        return {"Y": "Yes"}
    return dict(FIXED_ANSWERS.get(qtype, []))


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
        self.numbers: list[dict[str, Any]] = []

    def problem(self, *args: Any, **kw: Any) -> None:
        self.problems.append(Problem(*args, **kw))

    def structure(self, f: SurveyFile, columns: list[str], structure: dict[str, dict[str, Any]] | None) -> None:
        """Every mapped column in the export (and, for LimeSurvey, the structure file and its answer codes)."""
        s, bg = self.s, self.s.background
        mode = f.mode.lower()
        wanted = [getattr(bg.district, mode), getattr(bg.sex, mode), getattr(bg.age, mode), f.id_column]
        wanted += [getattr(q, mode) for q in [*s.questions, *s.open_questions, *s.numeric_questions]]
        for col in wanted:
            if col not in columns:
                self.problem(
                    f.path,
                    None,
                    col,
                    "(no such column)",
                    "a column named in params/survey.yml",
                    "structure",
                    action="column not read",
                )
        if structure is None:
            return
        assert f.structure is not None
        known = {f"{q}[{sq}]" for q, v in structure.items() for sq in v["subquestions"]} | set(structure)

        def answers_of(col: str) -> dict[str, str]:
            return structure.get(col.split("[")[0], {}).get("answers", {})

        for col in wanted[:3] + [q.cawi for q in [*s.questions, *s.open_questions, *s.numeric_questions]]:
            if col not in known:
                self.problem(
                    f.structure,
                    None,
                    col,
                    "(no such question)",
                    "a question or sub-question of the survey structure",
                    "structure",
                    action="column not read",
                )

        def listed(q: Any) -> list[str]:  # the code of an empty cell ("not chosen") is not an answer of the structure
            sc = s.scales[q.scale]
            return [a.cawi for a in sc.answers if a.code != sc.empty]

        checks = [(q.cawi, listed(q)) for q in s.questions]
        checks += [
            (bg.district.cawi, [v.cawi for v in bg.district.values]),
            (bg.sex.cawi, [v.cawi for v in bg.sex.values]),
        ]
        for col, codes in checks:
            if col in known:
                missing = [c for c in codes if c not in answers_of(col)]
                if missing:
                    self.problem(
                        f.structure,
                        None,
                        col,
                        ", ".join(missing),
                        "answer codes of the structure file: " + ", ".join(answers_of(col)),
                        "structure",
                        action="codebook mismatch",
                    )

    def respondent(self, f: SurveyFile, row: int, rid: str, rec: dict[str, Any], extra: dict[str, Any]) -> None:
        s, bg = self.s, self.s.background
        mode = f.mode.lower()
        numeric = f.format == "sav"  # a .sav holds the numeric codes (the CATI agency's), a CSV LimeSurvey's
        bad = False
        base: dict[str, Any] = {"respondent": rid, "mode": f.mode, "file": f.path, "row": row, **extra}
        for name, cat in (("district", bg.district), ("sex", bg.sex)):
            col = getattr(cat, mode)
            raw = rec.get(col)
            lookup = {str(v.cati) if numeric else v.cawi: v.value for v in cat.values}
            key = str(int(_num(raw))) if numeric and _num(raw) is not None else _show(raw)
            if key not in lookup:
                bad = True
                self.problem(f.path, row, col, _show(raw), "one of " + ", ".join(lookup), "background", rid)
            base[name] = lookup.get(key)
        age_col = getattr(bg.age, mode)
        if bg.age.codes:  # asked as a list of age groups
            raw_age = rec.get(age_col)
            key = str(int(_num(raw_age))) if numeric and _num(raw_age) is not None else _show(raw_age)
            base["age"] = None
            base["age_group"] = bg.age.codes.get(key)
            if base["age_group"] is None:
                bad = True
                self.problem(
                    f.path, row, age_col, _show(raw_age), "one of " + ", ".join(bg.age.codes), "background", rid
                )
        else:
            age = _num(rec.get(age_col))
            if bg.age.birth_year and age is not None:
                age = s.fieldwork.start.year - age
            if age is None or not bg.age.min <= age <= bg.age.max or age != int(age):
                bad = True
                self.problem(
                    f.path,
                    row,
                    age_col,
                    _show(rec.get(age_col)),
                    f"a whole age {bg.age.min}–{bg.age.max}" + (" (as a year of birth)" if bg.age.birth_year else ""),
                    "background",
                    rid,
                )
            base["age"] = int(age) if age is not None and age == age else None
            base["age_group"] = bg.age.group_of(age) if age is not None else None
        answers: list[dict[str, Any]] = []
        for q in s.questions:
            col = getattr(q, mode)
            if col not in rec:
                continue
            scale = s.scales[q.scale]
            raw = rec[col]
            if numeric and not isinstance(raw, str):
                v = _num(raw)
                code = None if v is None else (int(v) if v == int(v) and int(v) in scale.codes else -1)
                expected = ", ".join(str(c) for c in scale.codes)
            else:
                code = None if raw in ("", None) else scale.cawi_to_code.get(str(raw), -1)
                expected = ", ".join(a.cawi for a in scale.answers) + " or empty"
            if code is None and scale.empty is not None:
                code = scale.empty  # an unticked option: not chosen (not "no answer")
            if code == -1:
                self.problem(
                    f.path, row, col, _show(raw), f"one of {expected}", "out_of_range", rid, "answer quarantined"
                )
                continue
            answers.append(
                {
                    **base,
                    "question": q.id,
                    "code": code,
                    "dont_know": code in scale.dont_know,
                    "top2": None if code is None or code in scale.dont_know else code in scale.top2,
                    "text": None,
                }
            )
        for q in s.open_questions:
            raw = rec.get(getattr(q, mode))
            text = "" if raw is None or (isinstance(raw, float) and math.isnan(raw)) else str(raw).strip()
            if not text:
                continue
            clean, kinds = redact(text)
            if kinds:
                self.problem(
                    f.path,
                    row,
                    getattr(q, mode),
                    clean,
                    "no personal data (" + ", ".join(kinds) + " found)",
                    "personal_data",
                    rid,
                    "text redacted",
                )
            answers.append({**base, "question": q.id, "code": None, "dont_know": False, "top2": None, "text": clean})
        numbers = []
        for nq in s.numeric_questions:
            col = getattr(nq, mode)
            if col not in rec:
                continue
            v = _num(rec[col])
            if v is None or v in nq.missing:
                continue
            if (nq.min is not None and v < nq.min) or (nq.max is not None and v > nq.max):
                self.problem(
                    f.path,
                    row,
                    col,
                    _show(rec[col]),
                    f"a number {nq.min}–{nq.max}",
                    "out_of_range",
                    rid,
                    "answer quarantined",
                )
                continue
            numbers.append({"respondent": rid, "question": nq.id, "value": v})
        if bad:
            return
        self.rows.extend(answers)
        self.numbers.extend(numbers)


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
            h.problem(
                f.path,
                row,
                f.id_column,
                ident,
                f"an id used once (also on row {seen[ident]})",
                "duplicate_id",
                f"{prefix}-{ident}",
            )
            keep.append(False)
        else:
            seen[ident] = row
            keep.append(True)
    return keep


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _rule_columns(h: _Harmoniser, f: SurveyFile, columns: list[str]) -> set[str]:
    """The parts of ``complete`` this file cannot be judged by (its column absent), each reported once."""
    rule, skip = h.s.complete, set()
    if rule is None:
        return skip
    for part, col in (
        ("submitted", rule.submitted),
        ("lastpage", rule.lastpage_column if rule.lastpage is not None else None),
    ):
        if col and col not in columns:
            skip.add(part)
            h.problem(
                f.path,
                None,
                col,
                "(no such column)",
                f"the column of complete.{part}",
                "completeness_rule",
                action="rule not applied to this file",
            )
    return skip


def _incomplete(
    h: _Harmoniser, f: SurveyFile, rec: dict[str, Any], skip: set[str] = frozenset()
) -> tuple[str, str, str] | None:
    """(column, value, expected) when the questionnaire does not count under ``complete`` of params/survey.yml — the
    same rule for every format and mode. Without it: a LimeSurvey CSV's row with an empty date_column (submitdate)."""
    rule = h.s.complete
    if rule is None:
        if f.format == "limesurvey_csv" and f.date_column and _empty(rec.get(f.date_column)):
            return f.date_column, "", "a submitted questionnaire (submitdate set)"
        return None
    if rule.submitted and "submitted" not in skip and _empty(rec.get(rule.submitted)):
        return rule.submitted, _show(rec.get(rule.submitted)), f"a submitted questionnaire ({rule.submitted} set)"
    if rule.lastpage is not None and "lastpage" not in skip:
        page = _num(rec.get(rule.lastpage_column))
        if page is None or page < rule.lastpage:
            return rule.lastpage_column, _show(rec.get(rule.lastpage_column)), f"at least page {rule.lastpage} reached"
    if rule.min_answered is not None:
        mode = f.mode.lower()
        answered = sum(not _empty(rec.get(getattr(q, mode))) for q in h.s.questions)
        if answered < rule.min_answered:
            return "(closed questions)", f"{answered} answered", f"at least {rule.min_answered} answered"
    return None


def read_export(h: _Harmoniser, f: SurveyFile, raw_dir: Path) -> None:
    """One export, whatever its format and mode: a .sav (numeric codes, rows numbered from 1 as SPSS cases) or a
    LimeSurvey CSV (answer codes, rows numbered as lines with the header as line 1), checked against its structure
    file when it has one, the completeness rule applied alike."""
    structure = read_structure(raw_dir / f.structure) if f.structure else None
    if f.format == "sav":
        df, _meta = _read_sav(raw_dir / f.path)
        first = 1
    else:
        df = _read_csv(raw_dir / f.path)
        first = 2
    h.structure(f, list(df.columns), structure)
    skip = _rule_columns(h, f, list(df.columns))
    ids = [_show(v) for v in df.get(f.id_column, pd.Series([None] * len(df)))]
    rows = list(range(first, len(df) + first))
    keep = _ids(h, f, ids, rows, f.mode)
    for i, rec in enumerate(df.to_dict(orient="records")):
        rid = f"{f.mode}-{ids[i]}"
        if not keep[i]:
            continue
        out = _incomplete(h, f, rec, skip)
        if out is not None:
            h.problem(f.path, rows[i], out[0], out[1], out[2], "incomplete", rid)
            continue
        date = rec.get(f.date_column) if f.date_column else None
        if isinstance(date, str):
            day = date[:10] or None
        else:
            day = pd.Timestamp(date).date().isoformat() if not _empty(date) and date is not pd.NaT else None
        extra = {
            "interview_date": day,
            "interviewer": str(rec.get(f.interviewer_column)) if f.interviewer_column else None,
        }
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
            h.problem(
                me["file"],
                int(me["row"]),
                "(all answers)",
                f"identical to {seen[key]} ({first['file']} row {first['row']})",
                "one questionnaire per resident",
                "duplicate_respondent",
                rid,
            )
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
                h.problem(
                    me["file"],
                    int(me["row"]),
                    f"grid '{grid}' ({cols[0]} … {cols[-1]})",
                    f"{vals[0]} × {len(ids)}",
                    "answers that differ within the grid",
                    "straightlining",
                    rid,
                )
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
        read_export(h, f, raw_dir)
    table = pd.DataFrame(h.rows, columns=RESPONSE_COLUMNS)
    drop = _duplicates_and_straightliners(h, table) if len(table) else set()
    table = table[~table["respondent"].isin(drop)].reset_index(drop=True)
    table = table.astype({"code": "Int64", "top2": "boolean", "row": "int64", "age": "Int64", "dont_know": "bool"})
    order = {c: i for i, c in enumerate(CHECKS)}
    problems = sorted(h.problems, key=lambda p: (p.file, p.row or 0, order.get(p.check, 99), p.column))
    numeric = pd.DataFrame(h.numbers, columns=NUMERIC_COLUMNS)
    numeric = numeric[numeric["respondent"].isin(set(table["respondent"]))].reset_index(drop=True)
    return SurveyData(table, problems, numeric.astype({"value": "float64"}))
