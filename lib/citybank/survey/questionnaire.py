"""``citybank survey questionnaire``: the city's questionnaire (the items of ``params/survey.yml``) as a LimeSurvey
survey structure (``.lss``, the XML LimeSurvey imports, DBVersion 4xx layout with ``*_l10ns`` tables) in Polish
(the base language), English and German — the missing tool to collect residents' answers is LimeSurvey plus this file.

The layout follows the codes params/survey.yml gives the web export (``cawi``): ``G03Q01[SQ002]`` is sub-question
SQ002 of the array G03Q01 (its items the questions of one ``grid``), a plain code a list question, the options of a
scale with ``empty`` (multiple choice) a type M question; background: district and sex as lists, age as a number (or
a year of birth); open questions long free text. Reading the file back (``codebook.read_lss``) gives the same
columns, answer codes, labels and texts (tests/test_survey_codebook.py). Texts are escaped as XML character data
(CDATA split where needed), never interpreted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..params.survey import Survey

LANGS = ("pl", "en", "de")
DBVERSION = 480
SID = 100001
SEX_LABELS = {
    "K": {"pl": "kobieta", "en": "woman", "de": "Frau"},
    "M": {"pl": "mężczyzna", "en": "man", "de": "Mann"},
}
BACKGROUND_TEXT = {
    "district": {"pl": "W której dzielnicy Pan/Pani mieszka?", "en": "Which district do you live in?",
                 "de": "In welchem Stadtteil wohnen Sie?"},
    "sex": {"pl": "Płeć", "en": "Sex", "de": "Geschlecht"},
    "age": {"pl": "Ile ma Pan/Pani lat?", "en": "How old are you?", "de": "Wie alt sind Sie?"},
    "birth_year": {"pl": "Rok urodzenia", "en": "Year of birth", "de": "Geburtsjahr"},
}  # fmt: skip
GROUP_BACKGROUND = {"pl": "O Panu/Pani", "en": "About you", "de": "Über Sie"}
GROUP_NUMERIC = {"pl": "Pytania liczbowe", "en": "Numeric questions", "de": "Zahlenfragen"}
GROUP_OPEN = {"pl": "Pytania otwarte", "en": "Open questions", "de": "Offene Fragen"}


@dataclass
class _Q:
    title: str
    type: str
    text: dict[str, str]
    answers: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    subs: list[tuple[str, dict[str, str]]] = field(default_factory=list)


def _split(code: str) -> tuple[str, str | None]:
    m = re.fullmatch(r"([^\[\]]+)\[([^\[\]]+)\]", code)
    return (m.group(1), m.group(2)) if m else (code, None)


def _t(text: Any) -> dict[str, str]:
    return {lang: getattr(text, lang) for lang in LANGS}


def questionnaire_groups(
    s: Survey, district_names: dict[str, str] | None = None
) -> list[tuple[dict[str, str], list[_Q]]]:
    """The questionnaire's groups (name per language, questions) as params/survey.yml describes the web form."""
    names = district_names or {}
    bg = s.background
    background = [
        _Q(bg.district.cawi, "L", BACKGROUND_TEXT["district"],
           [(v.cawi, dict.fromkeys(LANGS, names.get(v.value, v.value))) for v in bg.district.values]),
        _Q(bg.sex.cawi, "L", BACKGROUND_TEXT["sex"],
           [(v.cawi, SEX_LABELS.get(v.value, dict.fromkeys(LANGS, v.value))) for v in bg.sex.values]),
        _Q(bg.age.cawi, "N", BACKGROUND_TEXT["birth_year" if bg.age.birth_year else "age"]),
    ]  # fmt: skip
    groups: list[tuple[dict[str, str], list[_Q]]] = [(GROUP_BACKGROUND, background)]
    for theme in s.themes:
        qs: list[_Q] = []
        by_title: dict[str, _Q] = {}
        for qid in theme.questions:
            q = s.question(qid)
            scale = s.scales[q.scale]
            answers = [(a.cawi, _t(a.label)) for a in scale.answers if a.code != scale.empty]
            title, sub = _split(q.cawi)
            if sub is None:
                qs.append(_Q(title, "L", _t(q.text), answers))
                continue
            if title not in by_title:
                multiple = scale.empty is not None
                stem = _t(theme.title) if not multiple else _t(q.text)
                by_title[title] = _Q(title, "M" if multiple else "F", stem, [] if multiple else answers)
                qs.append(by_title[title])
            by_title[title].subs.append((sub, _t(q.text)))
        groups.append((_t(theme.title), qs))
    if s.numeric_questions:
        groups.append((GROUP_NUMERIC, [_Q(n.cawi, "N", _t(n.text)) for n in s.numeric_questions]))
    if s.open_questions:
        groups.append((GROUP_OPEN, [_Q(o.cawi, "T", _t(o.text)) for o in s.open_questions]))
    return groups


def _cdata(text: str) -> str:
    return "<![CDATA[" + str(text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _table(name: str, fields: list[str], rows: list[dict[str, Any]]) -> str:
    out = (
        [f" <{name}>", "  <fields>"] + [f"   <fieldname>{f}</fieldname>" for f in fields] + ["  </fields>", "  <rows>"]
    )
    for r in rows:
        out.append("   <row>")
        for f in fields:
            v = r.get(f)
            out.append(f"    <{f}/>" if v is None or v == "" else f"    <{f}>{_cdata(v)}</{f}>")
        out.append("   </row>")
    return "\n".join(out + ["  </rows>", f" </{name}>"])


QFIELDS = ["qid", "parent_qid", "sid", "gid", "type", "title", "preg", "other", "mandatory", "encrypted",
           "question_order", "scale_id", "same_default", "relevance", "modulename"]  # fmt: skip


def write_lss(s: Survey, district_names: dict[str, str] | None = None) -> str:
    """The LimeSurvey survey structure of params/survey.yml, byte-identical for the same params."""
    groups = questionnaire_groups(s, district_names)
    g_rows, gl_rows, q_rows, ql_rows, sq_rows, a_rows, al_rows = [], [], [], [], [], [], []
    qid = aid = 0
    lid = 0
    for gi, (gname, qs) in enumerate(groups, 1):
        g_rows.append({"gid": gi, "sid": SID, "group_order": gi, "grelevance": "1"})
        for lang in LANGS:
            lid += 1
            gl_rows.append({"id": lid, "gid": gi, "group_name": gname[lang], "language": lang})
        for order, q in enumerate(qs, 1):
            qid += 1
            parent = qid
            q_rows.append({"qid": qid, "parent_qid": 0, "sid": SID, "gid": gi, "type": q.type, "title": q.title,
                           "other": "N", "mandatory": "N", "encrypted": "N", "question_order": order, "scale_id": 0,
                           "same_default": 0, "relevance": "1"})  # fmt: skip
            for lang in LANGS:
                lid += 1
                ql_rows.append({"id": lid, "qid": qid, "question": q.text[lang], "help": "", "language": lang})
            for so, (code, label) in enumerate(q.subs, 1):
                qid += 1
                sq_rows.append({"qid": qid, "parent_qid": parent, "sid": SID, "gid": gi, "type": "T", "title": code,
                                "other": "N", "mandatory": "N", "encrypted": "N", "question_order": so, "scale_id": 0,
                                "same_default": 0, "relevance": "1"})  # fmt: skip
                for lang in LANGS:
                    lid += 1
                    ql_rows.append({"id": lid, "qid": qid, "question": label[lang], "help": "", "language": lang})
            for so, (code, label) in enumerate(q.answers, 1):
                aid += 1
                a_rows.append({"aid": aid, "qid": parent, "code": code, "sortorder": so, "assessment_value": 0,
                               "scale_id": 0})  # fmt: skip
                for lang in LANGS:
                    lid += 1
                    al_rows.append({"id": lid, "aid": aid, "answer": label[lang], "language": lang})
    surveys = [{"sid": SID, "gsid": 1, "admin": "", "adminemail": "", "anonymized": "Y", "format": "G",
                "savetimings": "N", "template": "vanilla", "language": "pl", "additional_languages": "en de",
                "datestamp": "Y", "usecookie": "N", "allowregister": "N", "allowsave": "Y", "autoredirect": "N",
                "allowprev": "Y", "printanswers": "N", "ipaddr": "N", "refurl": "N", "publicstatistics": "N",
                "publicgraphs": "N", "listpublic": "N", "htmlemail": "Y", "tokenanswerspersistence": "N",
                "assessments": "N", "usecaptcha": "N", "usetokens": "N", "showxquestions": "Y",
                "showgroupinfo": "B", "shownoanswer": "Y", "showqnumcode": "X", "showwelcome": "Y",
                "showprogress": "Y", "questionindex": 0, "navigationdelay": 0, "nokeyboard": "N",
                "alloweditaftercompletion": "N"}]  # fmt: skip
    settings = [{"surveyls_survey_id": SID, "surveyls_language": lang, "surveyls_title": getattr(s.title, lang),
                 "surveyls_description": "", "surveyls_welcometext": "", "surveyls_endtext": "",
                 "surveyls_dateformat": 1 if lang != "en" else 9, "surveyls_numberformat": 1 if lang != "en" else 0}
                for lang in LANGS]  # fmt: skip
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<document>",
        " <LimeSurveyDocType>Survey</LimeSurveyDocType>",
        f" <DBVersion>{DBVERSION}</DBVersion>",
        " <languages>",
        *[f"  <language>{lang}</language>" for lang in LANGS],
        " </languages>",
        _table("answers", ["aid", "qid", "code", "sortorder", "assessment_value", "scale_id"], a_rows),
        _table("answer_l10ns", ["id", "aid", "answer", "language"], al_rows),
        _table("groups", ["gid", "sid", "group_order", "randomization_group", "grelevance"], g_rows),
        _table("group_l10ns", ["id", "gid", "group_name", "description", "language"], gl_rows),
        _table("questions", QFIELDS, q_rows),
        _table("subquestions", QFIELDS, sq_rows),
        _table("question_l10ns", ["id", "qid", "question", "help", "language"], ql_rows),
        _table("surveys", list(surveys[0]), surveys),
        _table("surveys_languagesettings", list(settings[0]), settings),
        "</document>",
    ]
    return "\n".join(parts) + "\n"
