"""``citybank survey draft``: a draft ``params/survey.yml`` from a survey's structure (``codebook``), every guess marked
``# REVIEW`` like ``citybank new-dataset``'s drafts.

What the draft does with each question (``codebook.TYPES``):

- single choice, arrays (one closed question per sub-question, the array as a ``grid``), yes/no and gender: a closed
  question on a scale of the structure's answers with their labels; non-substantive answers ("don't know", "won't
  answer", user-missing codes of a .sav) are the scale's ``dont_know``; ``top2`` is the first two substantive answers
  (REVIEW: the grouping the report shows);
- multiple choice (M, P, a .sav's dichotomy set): one closed question per option on the scale ``chosen`` with
  ``empty: 0`` — an unticked option is "not chosen", so each share is of everyone shown the question; its "other"
  text is an open answer;
- free text: an open answer (to coding);
- numbers (N, K, a .sav's scale variables): numeric questions, a weighted mean and median with CIs, user-missing
  codes as ``missing``; a ranking: the option ranked first (its rank-1 column) as a single choice; dates are listed,
  not drafted (REVIEW);
- a type the engine cannot estimate (file upload, equation, text display, …) is refused by name in the header.

Background (district, sex, age or year of birth) is recognised by the questions' wording; the margins are the current
params/survey.yml's (the city's) when there is one, with its ``bank`` block. Languages: each of pl, en and de is the
structure's text in that language, else the source language's (REVIEW: translate).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..errors import UserError
from .codebook import Answer, Codebook, Item

LANGS = ("pl", "en", "de")
CLOSED = {"single", "array", "yesno", "gender"}
LATER = {"date": "dates"}
RANKED_FIRST = {"pl": "na pierwszym miejscu", "en": "ranked first", "de": "an erster Stelle"}
DISTRICT = re.compile(r"dzielnic|osiedl|district|neighbou?rhood|stadtteil|bezirk|region|area of the city", re.I)
SEX = re.compile(r"płeć|plec|\bsex\b|gender|geschlecht", re.I)
AGE = re.compile(r"\bwiek|\bage\b|how old|\balter\b|ile ma pan", re.I)
BIRTH = re.compile(r"rok urodzenia|year of birth|birth year|born in|geburtsjahr", re.I)
FEMALE = re.compile(r"^(f|k|kobieta|female|woman|frau|weiblich)$", re.I)
MALE = re.compile(r"^(m|mężczyzna|mezczyzna|male|man|mann|männlich)$", re.I)


def stable_id(code: str) -> str:
    """A question id of params/survey.yml from a LimeSurvey column: ``A10[SQ001]`` → ``a10_sq001``.

    >>> stable_id("G03Q01[SQ002]"), stable_id("Q5[other]")
    ('g03q01_sq002', 'q5_other')
    """
    ascii_ = unicodedata.normalize("NFKD", code.casefold().replace("ł", "l")).encode("ascii", "ignore").decode()
    out = re.sub(r"[^a-z0-9]+", "_", ascii_).strip("_")
    return out if out and out[0].isalpha() else f"q_{out}"


def text3(texts: dict[str, str], source: str, fallbacks: set[str]) -> dict[str, str]:
    out = {}
    for lang in LANGS:
        if texts.get(lang):
            out[lang] = texts[lang]
        else:
            out[lang] = texts.get(source) or next(iter(texts.values()), "") or "REVIEW"
            fallbacks.add(lang)
    return out


def response_columns(path: Path) -> list[str]:
    """The columns of a responses export: a LimeSurvey CSV's header (`,` `;` or tab) or a .sav's variables."""
    if not path.is_file():
        raise UserError(f"{path}: no such responses file")
    if path.read_bytes()[:4] in (b"$FL2", b"$FL3"):
        import pyreadstat

        try:
            _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
        except Exception as exc:  # pyreadstat's own ReadstatError
            raise UserError(f"{path}: cannot read the SPSS file ({exc})") from exc
        return list(meta.column_names)
    try:
        first = path.read_text(encoding="utf-8-sig").splitlines()[0]
    except (OSError, UnicodeDecodeError, IndexError) as exc:
        raise UserError(f"{path}: cannot read the responses' header ({exc})") from exc
    sep = max([",", ";", "\t"], key=first.count)
    return next(csv.reader(io.StringIO(first), delimiter=sep))


def submit_dates(path: Path, column: str) -> list[str]:
    """The interview days of an export, sorted: a CSV's ``column`` (LimeSurvey's submitdate) or, for a .sav, every
    value of its date variables (the first one, by SPSS format)."""
    if path.is_file() and path.read_bytes()[:4] in (b"$FL2", b"$FL3"):
        import pyreadstat  # only a .sav export needs it

        try:
            _, meta = pyreadstat.read_sav(str(path), metadataonly=True)
            dates = [
                v
                for v in meta.column_names
                if re.match(r"(DATE|ADATE|EDATE|SDATE|DATETIME)", meta.original_variable_types.get(v, ""))
            ]
            if not dates:
                return []
            df, _ = pyreadstat.read_sav(str(path), usecols=dates[:1])
        except Exception:  # pyreadstat's own ReadstatError: no dates then (REVIEW in the draft)
            return []
        return sorted(pd.Timestamp(v).date().isoformat() for v in df[dates[0]].dropna())
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return []
    first = text.splitlines()[0] if text else ""
    sep = max([",", ";", "\t"], key=first.count)
    return sorted(r[column][:10] for r in csv.DictReader(io.StringIO(text), delimiter=sep) if r.get(column))


class _Draft:
    def __init__(self, cb: Codebook, city: Any, current: dict[str, Any] | None):
        self.cb, self.city, self.current = cb, city, current or {}
        self.fallbacks: set[str] = set()
        self.review: list[str] = []
        self.scales: dict[str, dict[str, Any]] = {}
        self.scale_keys: dict[tuple[Any, ...], str] = {}

    def t3(self, texts: dict[str, str]) -> dict[str, str]:
        return text3(texts, self.cb.language, self.fallbacks)

    def scale(self, item: Item) -> str | None:
        answers = [a for a in item.answers if a.code]
        if not answers:
            return None
        key = tuple((a.code, tuple(sorted(a.label.items())), a.missing) for a in answers)
        if key in self.scale_keys:
            return self.scale_keys[key]
        numeric = all(re.fullmatch(r"-?\d+", a.code) for a in answers)
        subst = [a for a in answers if not a.missing]
        codes: dict[str, int] = {}
        for i, a in enumerate(subst, 1):
            codes[a.code] = int(a.code) if numeric else i
        spare = iter(c for c in range(99, 0, -1) if c not in codes.values())
        for a in answers:
            if a.missing:
                codes[a.code] = int(a.code) if numeric else next(spare)
        name = f"s{len(self.scales) + 1:02d}_{stable_id(item.code)[:20]}"
        self.scales[name] = {
            "answers": [{"code": codes[a.code], "cawi": a.code, "label": self.t3(a.label)} for a in answers],
            "top2": [codes[a.code] for a in subst[:2]] or [codes[answers[0].code]],
            "dont_know": [codes[a.code] for a in answers if a.missing],
        }
        self.review.append(f"scales.{name}.top2")
        self.scale_keys[key] = name
        return name

    def chosen(self, counted: str) -> str:
        name = "chosen" if counted == "Y" else "chosen_" + re.sub(r"[^a-z0-9]+", "_", counted.casefold())
        if name not in self.scales:
            lab = {"pl": "zaznaczono", "en": "chosen", "de": "gewählt"}
            not_lab = {"pl": "nie zaznaczono", "en": "not chosen", "de": "nicht gewählt"}
            zero = "N" if counted == "Y" else "0"
            self.scales[name] = {
                "answers": [{"code": 1, "cawi": counted, "label": lab}, {"code": 0, "cawi": zero, "label": not_lab}],
                "top2": [1],
                "dont_know": [],
                "empty": 0,
            }
        return name


def _background(d: _Draft, items: list[Item], mode: str) -> tuple[dict[str, Any], set[str]]:
    """District, sex and age recognised by wording (REVIEW), and the codes of the questions they use."""
    used: set[str] = set()
    col = mode.lower()
    other = "cati" if col == "cawi" else "cawi"

    def find(pattern: re.Pattern[str], kinds: set[str]) -> Item | None:
        for it in items:
            if it.kind in kinds and it.code not in used and any(pattern.search(t) for t in it.text.values()):
                used.add(it.code)
                return it
        return None

    names = {d2.code: [d2.name, *getattr(d2, "aliases", [])] for d2 in d.city.districts}
    district = find(DISTRICT, {"single"})
    dvals = []
    if district is not None:
        for a in district.answers:
            if a.missing:
                continue
            label = next(iter(a.label.values()), "").casefold()
            code = next((c for c, ns in names.items() if any(n.casefold() == label for n in ns)), "REVIEW")
            dvals.append({"value": code, "cati": _int(a.code, len(dvals) + 1), "cawi": a.code})
    sex = next((it for it in items if it.kind == "gender" and it.code not in used), None)
    if sex is not None:
        used.add(sex.code)
    else:
        sex = find(SEX, {"single"})
    svals = []
    if sex is not None:
        for a in sex.answers:
            label = next(iter(a.label.values()), "")
            value = (
                "K"
                if FEMALE.match(label) or FEMALE.match(a.code)
                else "M"
                if MALE.match(label) or MALE.match(a.code)
                else None
            )
            if value:
                svals.append({"value": value, "cati": _int(a.code, len(svals) + 1), "cawi": a.code})
    birth = find(BIRTH, {"numeric", "single"})
    age = birth or find(AGE, {"numeric"})
    groups = (d.current.get("background") or {}).get("age", {}).get("groups") or {
        "18-34": [18, 34], "35-49": [35, 49], "50-64": [50, 64], "65+": [65, 100]}  # fmt: skip
    bg = {
        "district": {col: district.code if district else "REVIEW", other: district.code if district else "REVIEW",
                     "values": dvals or [{"value": "REVIEW", "cati": 1, "cawi": "REVIEW"}]},
        "sex": {col: sex.code if sex else "REVIEW", other: sex.code if sex else "REVIEW",
                "values": svals or [{"value": "K", "cati": 1, "cawi": "REVIEW"}, {"value": "M", "cati": 2, "cawi": "REVIEW"}]},
        "age": {col: age.code if age else "REVIEW", other: age.code if age else "REVIEW",
                **({"birth_year": True} if birth is not None else {}), "min": 18, "max": 100, "groups": groups},
    }  # fmt: skip
    return bg, used


def _int(code: str, position: int) -> int:
    """The numeric code of an answer: its own when it is a number, else its position."""
    try:
        return int(float(code))
    except ValueError:
        return position


def draft_survey(
    cb: Codebook,
    *,
    mode: str,
    city: Any,
    responses: list[tuple[str, list[str]]] | None = None,
    structure_rel: str | None = None,
    current: dict[str, Any] | None = None,
    dates: Iterable[str] = (),
) -> tuple[str, list[str]]:
    """The draft YAML and the messages for the analyst (drift, refused types, what was not drafted)."""
    d = _Draft(cb, city, current)
    messages: list[str] = []
    other = "cati" if mode == "CAWI" else "cawi"
    items = [i for i in cb.items if i.columns]
    bg, used = _background(d, items, mode)
    questions: list[dict[str, Any]] = []
    open_q: list[dict[str, Any]] = []
    numeric_q: list[dict[str, Any]] = []
    themes: dict[str, list[str]] = {}
    later: list[str] = []
    ids: set[str] = set()

    def new_id(code: str) -> str:
        base = stable_id(code)
        qid, n = base, 2
        while qid in ids:
            qid, n = f"{base}_{n}", n + 1
        ids.add(qid)
        return qid

    def closed(column: str, scale: str, text: dict[str, str], group: str, grid: str | None = None) -> None:
        qid = new_id(column)
        q = {"id": qid, "cati": column, "cawi": column, "scale": scale, "text": d.t3(text)}
        if grid:
            q["grid"] = stable_id(grid)
        questions.append(q)
        themes.setdefault(group, []).append(qid)

    def opened(column: str, text: dict[str, str]) -> None:
        open_q.append({"id": new_id(column), "cati": column, "cawi": column, "text": d.t3(text)})

    for it in items:
        if it.code in used:
            continue
        kind = it.kind
        if kind is None:
            messages.append(f"refused: {it.code} ({it.type_name}) — the engine cannot estimate this type")
            continue
        if kind == "numeric":
            subs = it.subquestions if it.type == "K" else [("", {})]
            for (_sq, st), c in zip(subs, it.columns, strict=False):
                q = {"id": new_id(c), "cati": c, "cawi": c, "text": d.t3(st or it.text)}
                missing = [float(a.code) for a in it.answers if a.missing and re.fullmatch(r"-?\d+(\.\d+)?", a.code)]
                numeric_q.append({**q, **({"missing": missing} if missing else {})})
            continue
        if kind == "ranking":  # the column of rank 1 holds the option put first: a single choice among the options
            scale = d.scale(it)
            if scale is not None and it.columns:
                texts = d.t3(it.text)
                closed(it.columns[0], scale, {k: f"{v} — {RANKED_FIRST[k]}" for k, v in texts.items()}, it.group)
                messages.append(f"ranking {it.code}: drafted as the option ranked first ({it.columns[0]}); "
                                "REVIEW top2 (the options whose share is shown)")  # fmt: skip
                continue
        if kind in LATER:
            later.append(f"{it.code} ({it.type_name}: {LATER[kind]})")
            continue
        if kind == "text":
            if it.subquestions and it.type == "Q":
                for (_sq, st), c in zip(it.subquestions, it.columns, strict=False):
                    opened(c, {k: f"{v} — {st.get(k, '')}".strip(" —") for k, v in it.text.items()})
            else:
                opened(it.columns[0], it.text)
            continue
        if kind == "multiple":
            counted = it.answers[0].code if it.answers and cb.source == "sav" else "Y"
            scale = d.chosen(counted)
            for (_sq, st), c in zip(
                it.subquestions, [c for c in it.columns if not c.endswith("comment]")], strict=False
            ):
                closed(c, scale, st or it.text, it.group, it.code)
            if it.other:
                opened(f"{it.code}[other]", {k: f"{v} — other" for k, v in it.text.items()})
            continue
        scale = d.scale(it)
        if scale is None:
            messages.append(f"not drafted: {it.code} ({it.type_name}) has no answer options in the structure")
            continue
        if kind == "array":
            for (_sq, st), c in zip(it.subquestions, it.columns, strict=False):
                closed(c, scale, st or it.text, it.group, it.code)
        else:
            closed(it.columns[0], scale, it.text, it.group)
            if it.other and f"{it.code}[other]" in it.columns:
                opened(f"{it.code}[other]", {k: f"{v} — other" for k, v in it.text.items()})
    if later:
        messages.append("not drafted (dates are not estimated): " + ", ".join(later))
    drift_lines: list[str] = []
    for name, cols in responses or []:
        missing, extra = cb.drift(cols)
        if missing:
            drift_lines.append(f"{name}: {len(missing)} column(s) of the structure not in the export: {', '.join(missing[:12])}"
                               + (" …" if len(missing) > 12 else ""))  # fmt: skip
        if extra:
            drift_lines.append(f"{name}: {len(extra)} column(s) of the export not in the structure: {', '.join(extra[:12])}"
                               + (" …" if len(extra) > 12 else ""))  # fmt: skip
    messages += [f"drift: {x}" for x in drift_lines]
    if not questions:
        raise UserError(f"{cb.path}: no closed question the engine can estimate was found"
                        + (": " + "; ".join(messages) if messages else f" ({len(cb.items)} questions in the structure)"))  # fmt: skip
    gname = {g: d.t3(n or {cb.language: f"Group {g}"}) for g, n in cb.groups.items()}
    if "" in themes:  # a source without question groups (a .sav): one page of questions
        gname[""] = {"pl": "Pytania", "en": "Questions", "de": "Fragen"}
    theme_list = [{"id": f"t{i:02d}_{stable_id(next(iter(gname.get(g, {'x': g}).values())))[:30]}",
                   "title": gname.get(g) or d.t3({cb.language: f"Group {g}"}), "questions": qs}
                  for i, (g, qs) in enumerate(themes.items(), 1)]  # fmt: skip
    cur = d.current
    margins = cur.get("margins") or {
        "source": "REVIEW", "verified": False,
        "district": {x.code: 0 for x in city.districts}, "sex": {"K": 0, "M": 0},
        "age_group": dict.fromkeys(bg["age"]["groups"], 0),
    }  # fmt: skip
    days = sorted(dates)
    resp_name = responses[0][0] if responses else "REVIEW"
    sav = cb.source == "sav"
    file: dict[str, Any] = {
        "mode": mode,
        "path": resp_name,
        "format": "sav" if sav or resp_name.endswith(".sav") else "limesurvey_csv",
    }
    if structure_rel and not sav:
        file["structure"] = structure_rel
    cols = responses[0][1] if responses else []
    file["id_column"] = "id" if "id" in cols or not cols else cols[0]
    if "submitdate" in cols:
        file["date_column"] = "submitdate"
    elif file["format"] == "sav":
        when = next((i.code for i in cb.items if i.kind == "date" and i.code in cols), None)
        if when:
            file["date_column"] = when
    title = cb.title if any(cb.title.values()) else {cb.language: Path(cb.path).stem}
    doc: dict[str, Any] = {
        "id": stable_id(next(iter(title.values())))[:40],
        "title": d.t3(title),
        "fieldwork": {"start": days[0] if days else None, "end": days[-1] if days else None},
        "population": cur.get("population", "residents aged 18 and over"),
        "files": [file],
        "scales": d.scales,
        "background": bg,
        "questions": questions,
        "open_questions": open_q,
        "themes": theme_list,
        **({"complete": {"submitted": "submitdate"}} if "submitdate" in cols else {}),
        "margins": margins,
        "reliability": cur.get("reliability", {"min_n": 30, "cv_caution": 0.166, "cv_unreliable": 0.333}),
        "disclosure": cur.get("disclosure", {"min_count": 10, "zeros_sensitive": True, "quote_min_district": 10}),
    }
    if not open_q:
        del doc["open_questions"]
    if numeric_q:
        doc = {
            **{k: v for k, v in doc.items() if k != "themes"},
            "numeric_questions": numeric_q,
            "themes": doc["themes"],
        }
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100_000, default_flow_style=None)
    fell = sorted(d.fallbacks)
    notes = {
        "id:": "REVIEW: a short id (a–z, 0–9, _)",
        "title:": f"REVIEW: translate — {', '.join(fell)} fall back to {cb.language}" if fell else None,
        "fieldwork:": "REVIEW: first and last interview day" + (" (from the export's dates)" if days else ""),
        "population:": "REVIEW: who the survey covers",
        "background:": "REVIEW: the columns and codes of district, sex and age (recognised by wording)",
        "themes:": "REVIEW: the report's pages (one per question group of the structure)",
        "margins:": "REVIEW: population margins" + (" (copied from the current params/survey.yml)" if cur.get("margins") else ""),
        "complete:": "which questionnaires count (submitted; or lastpage: N; or min_answered: K)",
    }  # fmt: skip
    lines = []
    section = ""
    for line in text.splitlines():
        key = line.split(" ", 1)[0]
        section = key if not line.startswith((" ", "-")) else section
        note = notes.get(key) if not line.startswith(" ") else None
        if line.strip().startswith("top2:"):
            note = "REVIEW: the codes shown as the headline share (top-2 or any grouping)"
        elif section in ("background:", "questions:", "open_questions:") and line.lstrip("- ").startswith(f"{other}:"):
            note = f"REVIEW: the {other.upper()} column if there is a {other.upper()} export"
        lines.append(f"{line}  # {note}" if note else line)
    head = [
        f"# Draft by `citybank survey draft --structure {Path(cb.path).name}`: review every line marked REVIEW, then run",
        "#   citybank check-params && citybank survey validate",
        f"# Source: {cb.source}, language {cb.language}"
        + (f"; {', '.join(fell)} fall back to {cb.language} until translated" if fell else ""),
    ] + [f"# {m}" for m in messages]  # fmt: skip
    return "\n".join(head) + "\n" + "\n".join(lines) + "\n", messages


__all__ = ["Answer", "draft_survey", "response_columns", "stable_id"]
