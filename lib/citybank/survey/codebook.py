"""A survey's codebook read from its structure, whatever the tool wrote it: LimeSurvey's survey structure (``.lss``,
XML), queXML (the XML LimeSurvey, queXS and queXF exchange), LimeSurvey's tab-separated structure (``.txt``), or an
SPSS ``.sav``'s own metadata (variable and value labels, user-missing values, multiple-response sets).

Every question becomes an :class:`Item` with its response columns as the export names them (``A10[SQ001]``), its
LimeSurvey type, what the type means for estimation (:data:`TYPES`), its answer scale with labels per language and
the non-substantive codes ("don't know", "won't answer"). A type the engine cannot estimate is kept in
``Codebook.refused`` by name, never guessed. The XML is parsed with ``defusedxml`` (no entities, no network).

    >>> TYPES["M"].kind, TYPES["|"].kind
    ('multiple', None)
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from defusedxml import ElementTree

from ..errors import UserError


class QType(NamedTuple):
    name: str
    kind: str | None  # None: the engine cannot estimate it (refused by name)


#: LimeSurvey's question types (manual "Question types") and what each means for estimation:
#: single (one answer of a scale: shares, top-2 or a declared grouping), array (one such item per sub-question),
#: multiple (each option a share of those shown the question; empty = not chosen), yesno, gender, numeric (mean,
#: median), ranking (share ranked first / in the top k), date, text (open answers, to coding).
TYPES: dict[str, QType] = {
    "L": QType("List (radio)", "single"),
    "!": QType("List (dropdown)", "single"),
    "O": QType("List with comment", "single"),
    "5": QType("5 point choice", "single"),
    "F": QType("Array", "array"),
    "H": QType("Array by column", "array"),
    "A": QType("Array (5 point choice)", "array"),
    "B": QType("Array (10 point choice)", "array"),
    "C": QType("Array (Yes/No/Uncertain)", "array"),
    "E": QType("Array (Increase/Same/Decrease)", "array"),
    "M": QType("Multiple choice", "multiple"),
    "P": QType("Multiple choice with comments", "multiple"),
    "Y": QType("Yes/No", "yesno"),
    "G": QType("Gender", "gender"),
    "N": QType("Numerical input", "numeric"),
    "K": QType("Multiple numerical input", "numeric"),
    "R": QType("Ranking", "ranking"),
    "D": QType("Date/Time", "date"),
    "S": QType("Short free text", "text"),
    "T": QType("Long free text", "text"),
    "U": QType("Huge free text", "text"),
    "Q": QType("Multiple short text", "text"),
    "1": QType("Array dual scale", None),
    ":": QType("Array (Numbers)", None),
    ";": QType("Array (Texts)", None),
    "X": QType("Text display", None),
    "|": QType("File upload", None),
    "*": QType("Equation", None),
    "I": QType("Language switch", None),
}
#: fixed scales of the types that have no answer options in the structure (LimeSurvey's own codes)
FIXED_ANSWERS: dict[str, list[tuple[str, str]]] = {
    "Y": [("Y", "Yes"), ("N", "No")],
    "G": [("F", "Female"), ("M", "Male")],
    "5": [(str(i), str(i)) for i in range(1, 6)],
    "A": [(str(i), str(i)) for i in range(1, 6)],
    "B": [(str(i), str(i)) for i in range(1, 11)],
    "C": [("Y", "Yes"), ("U", "Uncertain"), ("N", "No")],
    "E": [("I", "Increase"), ("S", "Same"), ("D", "Decrease")],
}
#: answer labels that mean "no substantive answer" (excluded from shares), in the languages met in practice
NON_SUBSTANTIVE = re.compile(
    r"(don'?t know|do not know|no answer|won'?t answer|refus|not applicable|does not apply|n/a|unsure|"
    r"trudno powiedzieć|nie wiem|odmowa|nie dotyczy|weiß nicht|keine angabe|trifft nicht zu|missing|undetermined)",
    re.IGNORECASE,
)
_TAGS = re.compile(r"<[^>]+>")


def plain(text: str | None) -> str:
    """A label as plain text: tags and surplus spaces removed (structure files carry HTML)."""
    return re.sub(r"\s+", " ", _TAGS.sub(" ", text or "")).strip()


@dataclass
class Answer:
    code: str
    label: dict[str, str]  # language → text
    missing: bool = False  # non-substantive ("don't know", user-missing in the .sav)


@dataclass
class Item:
    """One question of the structure and the response columns it produces."""

    code: str  # the LimeSurvey question code (or the variable / set name)
    type: str  # the LimeSurvey type letter ("?" when the source has no such type)
    text: dict[str, str]
    answers: list[Answer] = field(default_factory=list)
    subquestions: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    other: bool = False  # an "other" option with its own text column
    group: str = ""
    columns: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str | None:
        return TYPES[self.type].kind if self.type in TYPES else None

    @property
    def type_name(self) -> str:
        return TYPES[self.type].name if self.type in TYPES else f"unknown type {self.type!r}"


@dataclass
class Codebook:
    source: str  # lss, quexml, limesurvey_txt, sav
    path: str
    languages: list[str]  # the first is the source language
    title: dict[str, str]
    items: list[Item]
    notes: list[str] = field(default_factory=list)
    groups: dict[str, dict[str, str]] = field(default_factory=dict)  # group id → language → name

    @property
    def language(self) -> str:
        return self.languages[0]

    @property
    def refused(self) -> list[Item]:
        return [i for i in self.items if i.kind is None]

    @property
    def columns(self) -> list[str]:
        return [c for i in self.items for c in i.columns]

    def drift(self, columns: list[str]) -> tuple[list[str], list[str]]:
        """(structure columns missing from the export, export columns the structure does not know), system columns
        of LimeSurvey (id, submitdate, lastpage, …) and timing columns left out."""
        have = set(columns)
        missing = [c for c in self.columns if c not in have]
        known = set(self.columns)
        extra = [c for c in columns if c not in known and c not in SYSTEM_COLUMNS and not c.endswith("Time")]
        return missing, extra


SYSTEM_COLUMNS = {"id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp", "token",
                  "ipaddr", "refurl", "interviewtime", "optout", "completed"}  # fmt: skip


def response_columns(item: Item) -> list[str]:
    """The columns LimeSurvey's response export (code headings) gives a question of this type."""
    c, t = item.code, item.type
    sqs = [s for s, _ in item.subquestions]
    if t in ("F", "H", "A", "B", "C", "E", "K", "Q", ":", ";", "1"):
        return [f"{c}[{s}]" for s in sqs]
    if t == "M":
        return [f"{c}[{s}]" for s in sqs] + ([f"{c}[other]"] if item.other else [])
    if t == "P":
        cols = [x for s in sqs for x in (f"{c}[{s}]", f"{c}[{s}comment]")]
        return cols + ([f"{c}[other]", f"{c}[othercomment]"] if item.other else [])
    if t == "R":
        return [f"{c}[{i}]" for i in range(1, len(item.answers) + 1)]
    if t == "O":
        return [c, f"{c}[comment]"]
    if t in ("X", "*", "|"):
        return [] if t == "X" else [c]
    return [c] + ([f"{c}[other]"] if item.other else [])


# ---------------------------------------------------------------- LimeSurvey .lss


def _rows(root: Any, table: str) -> list[dict[str, str]]:
    node = root.find(table)
    if node is None:
        return []
    rows = node.find("rows")
    return [{c.tag: (c.text or "") for c in row} for row in (rows if rows is not None else [])]


def read_lss(path: Path) -> Codebook:
    root = _xml(path, "document")
    if (root.findtext("LimeSurveyDocType") or "").strip() != "Survey":
        raise UserError(f"{path}: not a LimeSurvey survey structure (.lss): LimeSurveyDocType is not 'Survey'")
    survey = (_rows(root, "surveys") or [{}])[0]
    base = survey.get("language") or (root.findtext("languages/language") or "en")
    langs = [base] + [x for x in (survey.get("additional_languages") or "").split() if x != base]
    for x in root.findall("languages/language"):
        if x.text and x.text not in langs:
            langs.append(x.text)
    titles = {
        r.get("surveyls_language", ""): plain(r.get("surveyls_title")) for r in _rows(root, "surveys_languagesettings")
    }
    questions = _rows(root, "questions")
    text: dict[str, dict[str, str]] = {}
    for r in _rows(root, "question_l10ns") + [q for q in questions if "language" in q]:  # ≥ 4.0 and older exports
        text.setdefault(r["qid"], {})[r.get("language", base)] = plain(r.get("question"))
    sub_rows = _rows(root, "subquestions") + [q for q in questions if q.get("parent_qid", "0") not in ("", "0")]
    answers: dict[str, dict[str, dict[str, str]]] = {}  # qid → code → language → label
    l10n = {}
    for r in _rows(root, "answer_l10ns"):
        l10n.setdefault(r["aid"], {})[r.get("language", base)] = plain(r.get("answer"))
    order: dict[str, list[tuple[int, str]]] = {}
    for r in _rows(root, "answers"):
        if r.get("scale_id", "0") not in ("", "0"):
            continue
        labels = l10n.get(r.get("aid", ""), {}) or {r.get("language", base): plain(r.get("answer"))}
        answers.setdefault(r["qid"], {}).setdefault(r["code"], {}).update(labels)
        order.setdefault(r["qid"], []).append((int(r.get("sortorder") or 0), r["code"]))
    subs: dict[str, dict[str, dict[str, str]]] = {}
    sub_order: dict[str, list[tuple[int, str]]] = {}
    for r in sub_rows:
        if r.get("scale_id", "0") not in ("", "0"):
            continue
        pid = r["parent_qid"]
        entry = subs.setdefault(pid, {}).setdefault(r["title"], {})
        entry.update(text.get(r["qid"], {}))
        if "question" in r:
            entry[r.get("language", base)] = plain(r["question"])
        if (int(r.get("question_order") or 0), r["title"]) not in sub_order.get(pid, []):
            sub_order.setdefault(pid, []).append((int(r.get("question_order") or 0), r["title"]))
    groups = {r["gid"]: int(r.get("group_order") or 0) for r in _rows(root, "groups")}
    gnames: dict[str, dict[str, str]] = {}
    for r in _rows(root, "group_l10ns") + [g for g in _rows(root, "groups") if "group_name" in g]:
        gnames.setdefault(r["gid"], {})[r.get("language", base)] = plain(r.get("group_name"))
    seen: set[str] = set()
    items = []
    mains = [q for q in questions if q.get("parent_qid", "0") in ("", "0")]
    mains.sort(key=lambda q: (groups.get(q.get("gid", ""), 0), int(q.get("question_order") or 0)))
    for q in mains:
        if q["qid"] in seen:  # older exports repeat the row per language
            continue
        seen.add(q["qid"])
        qa = answers.get(q["qid"], {})
        codes = [c for _, c in sorted(set(order.get(q["qid"], [])))]
        item = Item(
            code=q["title"], type=q["type"], text=text.get(q["qid"], {}), other=q.get("other") == "Y",
            group=q.get("gid", ""),
            answers=[Answer(c, qa[c], _is_missing(qa[c])) for c in codes],
            subquestions=[(s, subs[q["qid"]][s]) for _, s in sorted(sub_order.get(q["qid"], []))],
        )  # fmt: skip
        _fixed(item, base)
        item.columns = response_columns(item)
        items.append(item)
    return Codebook(
        "lss", str(path), langs, titles, items, groups={g: gnames.get(g, {}) for g in sorted(groups, key=groups.get)}
    )


def _is_missing(label: dict[str, str]) -> bool:
    return any(NON_SUBSTANTIVE.search(t or "") for t in label.values())


def _fixed(item: Item, lang: str) -> None:
    if not item.answers and item.type in FIXED_ANSWERS:
        item.answers = [Answer(c, {lang: label}) for c, label in FIXED_ANSWERS[item.type]]


def _xml(path: Path, root_tag: str) -> Any:
    try:
        root = ElementTree.parse(str(path)).getroot()
    except (OSError, ElementTree.ParseError) as exc:
        raise UserError(f"{path}: cannot read the XML structure ({exc})") from exc
    except Exception as exc:  # defusedxml refuses entities and DTDs: a file that needs them is not a structure file
        raise UserError(f"{path}: refused XML ({type(exc).__name__}: {exc})") from exc
    if root.tag.split("}")[-1] != root_tag:
        raise UserError(f"{path}: expected a <{root_tag}> document, found <{root.tag}>")
    return root


# ---------------------------------------------------------------- queXML


def read_quexml(path: Path) -> Codebook:
    """queXML: a question with one fixed response is a single choice (with sub-questions: an array), a fixed response
    with several <response>s of two categories is treated like separate yes/no items, a free response is text,
    a number or a date by its <format>. Labels are in the document's one language (``--language``, default en)."""
    root = _xml(path, "questionnaire")
    lang = "en"
    items: list[Item] = []
    gnames: dict[str, dict[str, str]] = {}
    for si, section in enumerate(root.findall("section"), 1):
        head = next(
            (plain(x.findtext("text")) for x in section.findall("sectionInfo") if x.findtext("position") == "title"), ""
        )
        gnames[str(si)] = {lang: head or f"Section {si}"}
        for question in section.findall("question"):
            qtext = plain(question.findtext("text"))
            subs = [
                (s.get("varName") or "", {lang: plain(s.findtext("text"))}) for s in question.findall("subQuestion")
            ]
            for resp in question.findall("response"):
                var = resp.get("varName") or ""
                fixed = resp.find("fixed")
                if fixed is not None:
                    cats = fixed.findall("category")
                    answers = [
                        Answer((c.findtext("value") or "").strip(), {lang: plain(c.findtext("label"))}) for c in cats
                    ]
                    for a in answers:
                        a.missing = _is_missing(a.label)
                    item = Item(var, "F" if subs else "L", {lang: qtext}, answers, subs, group=str(si))
                    item.columns = [s for s, _ in subs] if subs else [var]
                    items.append(item)
                    for c in cats:  # "please specify": a text column of its own
                        for cq in c.findall("contingentQuestion"):
                            cv = cq.get("varName") or ""
                            items.append(Item(cv, "S", {lang: plain(cq.findtext("text"))}, group=str(si), columns=[cv]))
                    continue
                free = resp.find("free")
                fmt = (free.findtext("format") if free is not None else "") or "text"
                label = plain(free.findtext("label")) if free is not None else ""
                t = {"integer": "N", "number": "N", "currency": "N", "date": "D"}.get(fmt.strip().lower(), "S")
                text = qtext + (f" — {label}" if label and len(question.findall("response")) > 1 else "")
                items.append(Item(var, t, {lang: text}, group=str(si), columns=[var]))
    title = plain(root.findtext("title"))
    return Codebook("quexml", str(path), [lang], {lang: title}, items, groups=gnames)


# ---------------------------------------------------------------- LimeSurvey tab-separated structure


def read_limesurvey_txt(path: Path) -> Codebook:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read the LimeSurvey structure file ({exc})") from exc
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
    if not rows or "class" not in rows[0] or "name" not in rows[0]:
        raise UserError(f"{path}: not a LimeSurvey tab-separated structure file (no 'class' and 'name' columns)")
    langs: list[str] = []
    title: dict[str, str] = {}
    items: list[Item] = []
    by_code: dict[str, Item] = {}
    gnames: dict[str, dict[str, str]] = {}
    current: Item | None = None
    group = ""
    for r in rows:
        cls, lang = r.get("class", ""), (r.get("language") or "").strip()
        if lang and lang not in langs:
            langs.append(lang)
        if cls == "S" and r.get("name") == "language" and r.get("text"):
            langs.insert(0, r["text"]) if r["text"] not in langs else None
        elif cls == "SL" and r.get("name") == "surveyls_title":
            title[lang] = plain(r.get("text"))
        elif cls == "G":
            group = r.get("name", "")
            gnames.setdefault(group, {})[lang] = plain(r.get("name"))
        elif cls == "Q":
            code = r["name"]
            if code in by_code:  # the same question again in another language
                current = by_code[code]
                current.text[lang] = plain(r.get("text"))
                continue
            current = Item(code, r.get("type/scale", ""), {lang: plain(r.get("text"))}, other=r.get("other") == "Y",
                           group=group)  # fmt: skip
            by_code[code] = current
            items.append(current)
        elif cls == "SQ" and current is not None:
            sq = next((s for s in current.subquestions if s[0] == r["name"]), None)
            if sq is None and (r.get("type/scale") or "0") in ("0", ""):
                current.subquestions.append((r["name"], {lang: plain(r.get("text"))}))
            elif sq is not None:
                sq[1][lang] = plain(r.get("text"))
        elif cls == "A" and current is not None and (r.get("type/scale") or "0") in ("0", ""):
            a = next((a for a in current.answers if a.code == r["name"]), None)
            if a is None:
                current.answers.append(Answer(r["name"], {lang: plain(r.get("text"))}))
            else:
                a.label[lang] = plain(r.get("text"))
    base = langs[0] if langs else "en"
    for item in items:
        for a in item.answers:
            a.missing = _is_missing(a.label)
        _fixed(item, base)
        item.columns = response_columns(item)
    return Codebook("limesurvey_txt", str(path), langs or ["en"], title, items, groups=gnames)


# ---------------------------------------------------------------- SPSS .sav metadata


def read_sav_meta(path: Path, language: str = "pl") -> Codebook:
    """The codebook an SPSS file carries: variable labels, value labels, user-missing values and multiple-response
    sets. A variable with value labels is a single choice (user-missing codes non-substantive), a dichotomy set a
    multiple choice, a labelled variable without value labels a number, a date or a text by its type."""
    import pyreadstat

    try:
        _, meta = pyreadstat.read_sav(str(path), metadataonly=True, user_missing=True)
    except Exception as exc:  # pyreadstat raises its own ReadstatError
        raise UserError(f"{path}: cannot read the SPSS file ({exc})") from exc
    lang = language
    in_sets: dict[str, str] = {}
    sets = getattr(meta, "mr_sets", None) or {}
    for name, s in sets.items():
        for v in s.get("variable_list", []):
            in_sets[v] = name
    missing = meta.missing_ranges or {}
    items: list[Item] = []
    done: set[str] = set()
    for var in meta.column_names:
        if var in done:
            continue
        if var in in_sets:
            name = in_sets[var]
            s = sets[name]
            members = list(s["variable_list"])
            done.update(members)
            labels = meta.column_names_to_labels
            if s.get("is_dichotomy"):
                counted = s.get("counted_value")
                item = Item(name, "M", {lang: s.get("label") or name},
                            [Answer(_code(counted), {lang: "chosen"})],
                            [(m, {lang: labels.get(m) or m}) for m in members])  # fmt: skip
            else:
                vl = meta.variable_value_labels.get(members[0], {})
                item = Item(name, "F", {lang: s.get("label") or name}, _sav_answers(vl, missing.get(members[0]), lang),
                            [(m, {lang: labels.get(m) or m}) for m in members])  # fmt: skip
            item.columns = members
            items.append(item)
            continue
        label = meta.column_names_to_labels.get(var) or var
        vl = meta.variable_value_labels.get(var)
        fmt = meta.original_variable_types.get(var, "")
        answers = _sav_answers(vl or {}, missing.get(var), lang)
        if answers and not all(a.missing for a in answers):
            t = "L"
        elif re.match(r"(DATE|ADATE|EDATE|SDATE|DATETIME|YMDHMS|MOYR|QYR|WKYR)", fmt):
            t = "D"
        else:
            t = "S" if fmt.startswith("A") else "N"  # a number keeps its user-missing codes as non-substantive
        items.append(Item(var, t, {lang: label}, answers, columns=[var]))
    return Codebook("sav", str(path), [lang], {lang: meta.file_label or path.stem}, items,
                    [f"file encoding {meta.file_encoding}"] if meta.file_encoding else [])  # fmt: skip


def _code(v: Any) -> str:
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v)


def _sav_answers(labels: dict[Any, str], ranges: list[dict[str, Any]] | None, lang: str) -> list[Answer]:
    def user_missing(v: Any) -> bool:
        try:
            return any(r["lo"] <= v <= r["hi"] for r in ranges or [])
        except TypeError:
            return any(v == r["lo"] for r in ranges or [])

    out = [
        Answer(_code(v), {lang: str(lbl)}, user_missing(v) or _is_missing({lang: str(lbl)}))
        for v, lbl in labels.items()
    ]
    have = {a.code for a in out}
    for r in ranges or []:  # a discrete user-missing code without a value label
        if r["lo"] == r["hi"] and _code(r["lo"]) not in have:
            out.append(Answer(_code(r["lo"]), {lang: "user-missing"}, True))
    return sorted(out, key=lambda a: (a.missing, _sort_key(a.code)))


def _sort_key(code: str) -> tuple[int, float | str]:
    try:
        return (0, float(code))
    except ValueError:
        return (1, code)


# ---------------------------------------------------------------- any of them


def read_codebook(path: Path, language: str | None = None) -> Codebook:
    """The codebook of a structure file, its format recognised by its content (not trusted from its name)."""
    if not path.is_file():
        raise UserError(f"{path}: no such structure file")
    head = path.read_bytes()[:4096]
    if head.startswith(b"$FL2") or head.startswith(b"$FL3"):
        return read_sav_meta(path, language or "pl")
    text = head.decode("utf-8", "replace").lstrip("\ufeff")
    if text.lstrip().startswith("<"):
        if "<LimeSurveyDocType>" in text or "<document" in text:
            return read_lss(path)
        if "<questionnaire" in text:
            cb = read_quexml(path)
            if language:
                cb.languages = [language]
                cb.title = {language: next(iter(cb.title.values()), "")}
                for it in cb.items:
                    it.text = {language: next(iter(it.text.values()), "")}
                    for a in it.answers:
                        a.label = {language: next(iter(a.label.values()), "")}
                    it.subquestions = [(s, {language: next(iter(t.values()), "")}) for s, t in it.subquestions]
            return cb
        raise UserError(f"{path}: an XML file that is neither a LimeSurvey .lss nor a queXML questionnaire")
    if "class\t" in text.splitlines()[0] if text else False:
        return read_limesurvey_txt(path)
    raise UserError(
        f"{path}: not a survey structure: expected a LimeSurvey .lss, a queXML questionnaire, LimeSurvey's "
        "tab-separated structure (.txt) or an SPSS .sav"
    )
