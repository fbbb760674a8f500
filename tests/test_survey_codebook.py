"""Any real survey export to estimates: the codebook read from real structure files of public repositories
(tests/data/survey_real, origin in its README), the draft of params/survey.yml, multiple choice (empty = not chosen),
completeness rules for every format, the questionnaire written as a LimeSurvey .lss and read back, links of other
params files to a replaced survey."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from citybank.errors import UserError
from citybank.params import load_params
from citybank.params.survey import Survey, load_survey, stale_links
from citybank.sample.survey import survey_files
from citybank.survey.codebook import read_codebook, read_limesurvey_txt
from citybank.survey.draft import draft_survey, stable_id
from citybank.survey.questionnaire import write_lss

REAL = Path(__file__).parent / "data" / "survey_real"


def _labels(item):
    return [(a.code, a.label, a.missing) for a in item.answers]


# ---------------------------------------------------------------- the four structure formats, real files


def test_lss_real_limesurvey_export_two_languages():
    cb = read_codebook(REAL / "limesurvey_188432_answer_sets.lss")
    assert cb.source == "lss" and cb.languages == ["de", "en"]  # base language de, additional en
    (item,) = cb.items
    assert (item.code, item.type, item.kind, item.type_name) == ("G00Q03", "!", "single", "List (dropdown)")
    assert item.columns == ["G00Q03"]
    assert _labels(item) == [
        ("1", {"de": "Erster Eintrag", "en": "First Entry"}, False),
        ("2", {"de": "Zweiter Eintrag", "en": "Second Entry"}, False),
        ("3", {"de": "Dritter Eintrag", "en": "Third Entry"}, False),
        ("4", {"de": "Vierter Eintrag", "en": "Forth Entry"}, False),
    ]
    assert cb.groups == {"70": {"de": "Erste Fragegruppe", "en": "First Question Group"}}


def test_quexml_real_example_questionnaire():
    cb = read_codebook(REAL / "quexml_acspri_test_questionnaire.xml")
    by = {i.code: i for i in cb.items}
    assert list(by) == ["A1", "B1", "B2_A", "B2_B", "B3", "B3O", "B4", "C1", "C1O", "C2"]
    assert by["A1"].kind == "array" and by["A1"].columns == ["A1_A", "A1_B"]
    assert [(a.code, a.missing) for a in by["A1"].answers] == [("1", False), ("2", False), ("3", True)]  # Don't Know
    assert [(a.code, a.missing) for a in by["B1"].answers][-1] == ("4", True)  # Unsure
    assert by["B4"].kind == "numeric" and by["B3O"].kind == "text"  # currency; "please specify"
    assert _labels(by["C2"]) == [("1", {"en": "Male"}, False), ("2", {"en": "Female"}, False)]
    assert cb.groups["3"] == {"en": "Demographics"}


def test_sav_metadata_labels_user_missing_and_multiple_response_sets():
    cb = read_codebook(REAL / "pyreadstat_sample_missing.sav", "en")
    by = {i.code: i for i in cb.items}
    assert _labels(by["mylabl"]) == [("1", {"en": "Male"}, False), ("2", {"en": "Female"}, False),
                                     ("-1", {"en": "undetermined"}, True)]  # fmt: skip
    assert [a.code for a in by["myord"].answers if a.missing] == ["-3", "-2", "-1"]  # user-missing, labelled or not
    assert (by["mynum"].kind, by["mydate"].kind, by["mychar"].kind) == ("numeric", "date", "text")
    cb = read_codebook(REAL / "pyreadstat_simple_alltypes.sav", "en")
    by = {i.code: i for i in cb.items}
    mr = by["mymrset"]
    assert (mr.kind, mr.columns, [a.code for a in mr.answers]) == ("multiple", ["bool1", "bool2", "bool3"], ["1"])
    assert [s for _, s in mr.subquestions] == [{"en": "Response #1"}, {"en": "Response #2"}, {"en": "Response #3"}]
    assert [(a.code, a.missing) for a in by["x"].answers] == [("1", False), ("2", False), ("3", False), ("7", True),
                                                              ("8", True), ("99", True)]  # fmt: skip
    assert by["z"].kind == "numeric"  # only a labelled missing code: a number, not a list


def test_limesurvey_txt_structure(survey, tmp_path):
    files = dict(survey_files(survey))
    path = tmp_path / "structure.txt"
    path.write_bytes(files["survey/cawi_2020_structure.txt"])
    cb = read_limesurvey_txt(path)
    by = {i.code: i for i in cb.items}
    assert cb.languages[0] == "pl"
    assert by["G03Q01"].kind == "array" and by["G03Q01"].columns[:2] == ["G03Q01[SQ001]", "G03Q01[SQ002]"]
    assert [(a.code, a.missing) for a in by["G03Q01"].answers][-1] == ("AO99", True)  # trudno powiedzieć
    assert by["G05Q01"].kind == "text"


def test_not_a_structure_and_xml_entities_refused(tmp_path):
    bad = tmp_path / "x.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(UserError, match="not a survey structure"):
        read_codebook(bad)
    bomb = tmp_path / "bomb.lss"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
                    "<document><LimeSurveyDocType>&b;</LimeSurveyDocType></document>", encoding="utf-8")  # fmt: skip
    with pytest.raises(UserError, match="refused XML"):
        read_codebook(bomb)


def test_every_type_mapped_or_refused_by_name(tmp_path):
    rows = [
        "class\ttype/scale\tname\trelevance\ttext\tlanguage\tother",
        "G\t\tGroup one\t1\t\ten\t",
        "Q\tM\tQ1\t1\tWhich do you use?\ten\tY",
        "SQ\t0\tSQ001\t1\tBus\ten\t",
        "SQ\t0\tSQ002\t1\tTram\ten\t",
        "Q\tY\tQ2\t1\tDo you own a car?\ten\t",
        "Q\tN\tQ3\t1\tHow many years here?\ten\t",
        "Q\t|\tQ4\t1\tUpload a photo\ten\t",
        "Q\tR\tQ5\t1\tRank these\ten\t",
        "A\t0\tA1\t1\tParks\ten\t",
        "A\t0\tA2\t1\tRoads\ten\t",
        "Q\tT\tQ6\t1\tAnything else?\ten\t",
    ]
    path = tmp_path / "s.txt"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cb = read_codebook(path)
    by = {i.code: i for i in cb.items}
    assert by["Q1"].columns == ["Q1[SQ001]", "Q1[SQ002]", "Q1[other]"]
    assert by["Q5"].columns == ["Q5[1]", "Q5[2]"]  # ranking: one column per rank
    assert [i.code for i in cb.refused] == ["Q4"]
    assert [(a.code, a.label["en"]) for a in by["Q2"].answers] == [("Y", "Yes"), ("N", "No")]
    from citybank.params import registry

    text, messages = draft_survey(cb, mode="CAWI", city=registry().city)
    doc = yaml.safe_load(text)
    q = {x["cawi"]: x for x in doc["questions"]}
    assert list(q) == ["Q1[SQ001]", "Q1[SQ002]", "Q2", "Q5[1]"]  # options; yes/no; the option ranked first
    assert q["Q5[1]"]["text"]["en"] == "Rank these — ranked first"
    assert doc["numeric_questions"][0]["cawi"] == "Q3"
    assert [o["cawi"] for o in doc["open_questions"]] == ["Q1[other]", "Q6"]
    assert "refused: Q4 (File upload) — the engine cannot estimate this type" in messages


# ---------------------------------------------------------------- the draft


def test_stable_ids():
    assert stable_id("A10[SQ001]") == "a10_sq001"
    assert stable_id("Ł_1[other]") == "l_1_other"
    assert stable_id("1abc") == "q_1abc"


def test_draft_from_real_lss_falls_back_to_the_source_language(reg):
    cb = read_codebook(REAL / "limesurvey_188432_answer_sets.lss")
    text, messages = draft_survey(cb, mode="CAWI", city=reg.city, responses=[("survey/r.csv", ["id", "G00Q03", "G9"])])
    assert text.startswith("# Draft by `citybank survey draft --structure limesurvey_188432_answer_sets.lss`")
    assert "pl fall back to de until translated" in text
    doc = yaml.safe_load(text)
    (q,) = doc["questions"]
    assert (q["id"], q["cawi"]) == ("g00q03", "G00Q03")
    scale = doc["scales"][q["scale"]]
    assert scale["answers"][0] == {"code": 1, "cawi": "1", "label": {"pl": "Erster Eintrag", "en": "First Entry",
                                                                      "de": "Erster Eintrag"}}  # fmt: skip
    assert scale["top2"] == [1, 2] and scale["dont_know"] == []
    assert "drift: survey/r.csv: 1 column(s) of the export not in the structure: G9" in messages
    assert "REVIEW" in text.split("top2:")[1].splitlines()[0]


def test_draft_from_sav_multiple_choice_and_what_is_not_drafted(reg):
    cb = read_codebook(REAL / "pyreadstat_simple_alltypes.sav", "en")
    text, messages = draft_survey(cb, mode="CATI", city=reg.city, responses=[("survey/x.sav", cb.columns)])
    doc = yaml.safe_load(text)
    mc = [q for q in doc["questions"] if q["cati"].startswith("bool")]
    assert [q["id"] for q in mc] == ["bool1", "bool2", "bool3"] and {q["grid"] for q in mc} == {"mymrset"}
    assert doc["scales"]["chosen_1"] == {
        "answers": [{"code": 1, "cawi": "1", "label": {"pl": "zaznaczono", "en": "chosen", "de": "gewählt"}},
                    {"code": 0, "cawi": "0", "label": {"pl": "nie zaznaczono", "en": "not chosen", "de": "nicht gewählt"}}],
        "top2": [1], "dont_know": [], "empty": 0,
    }  # fmt: skip
    later = next(m for m in messages if m.startswith("not drafted"))
    assert "y (Date/Time: dates)" in later and "z (" not in later
    z = next(q for q in doc["numeric_questions"] if q["id"] == "z")
    assert z["missing"] == [999.0]  # labelled "skipped", user-missing
    assert doc["files"][0]["format"] == "sav" and "structure" not in doc["files"][0]


# ---------------------------------------------------------------- the questionnaire, written and read back


def test_questionnaire_lss_round_trip(survey, reg, tmp_path):
    names = {d.code: d.name for d in reg.city.districts}
    text = write_lss(survey, names)
    assert text == write_lss(survey, names)  # byte-identical
    path = tmp_path / "q.lss"
    path.write_text(text, encoding="utf-8")
    cb = read_codebook(path)
    assert cb.languages == ["pl", "en", "de"]
    assert set(cb.columns) == {survey.background.district.cawi, survey.background.sex.cawi, survey.background.age.cawi,
                               *[q.cawi for q in survey.questions], *[o.cawi for o in survey.open_questions]}  # fmt: skip
    doc = yaml.safe_load(draft_survey(cb, mode="CAWI", city=reg.city, current=reg.extra["survey"])[0])
    back = {q["cawi"]: q for q in doc["questions"]}
    for q in survey.questions:
        d = back[q.cawi]
        assert d["text"] == q.text.model_dump(), q.id
        orig = survey.scales[q.scale]
        got = doc["scales"][d["scale"]]
        assert [(a["cawi"], a["label"]) for a in got["answers"]] == [
            (a.cawi, a.label.model_dump()) for a in orig.answers
        ]
        assert [a["cawi"] for a in got["answers"] if a["code"] in got["dont_know"]] == [
            a.cawi for a in orig.answers if a.code in orig.dont_know
        ]
        assert [a["cawi"] for a in got["answers"] if a["code"] in got["top2"]] == [
            a.cawi for a in orig.answers if a.code in orig.top2
        ]
    assert [o["cawi"] for o in doc["open_questions"]] == [o.cawi for o in survey.open_questions]
    assert doc["open_questions"][0]["text"] == survey.open_questions[0].text.model_dump()
    bg = doc["background"]
    assert [(v["value"], v["cawi"]) for v in bg["district"]["values"]] == [
        (v.value, v.cawi) for v in survey.background.district.values
    ]
    assert [(v["value"], v["cawi"]) for v in bg["sex"]["values"]] == [
        (v.value, v.cawi) for v in survey.background.sex.values
    ]
    assert bg["age"]["cawi"] == survey.background.age.cawi
    assert [t["title"] for t in doc["themes"]] == [t.title.model_dump() for t in survey.themes]


# ---------------------------------------------------------------- from the draft to estimates


@pytest.fixture
def drafted(survey, reg, params_copy, tmp_path):
    """params/ with survey.yml replaced by the draft from the questionnaire .lss and the sample's web export (a
    new survey as a user makes it), and the raw folder with that export."""
    raw = tmp_path / "raw"
    files = dict(survey_files(survey))
    (raw / "survey").mkdir(parents=True)
    (raw / "survey/web.csv").write_bytes(files["survey/cawi_2020.csv"])
    (raw / "survey/web.lss").write_text(
        write_lss(survey, {d.code: d.name for d in reg.city.districts}), encoding="utf-8"
    )
    from citybank.survey.draft import response_columns, submit_dates

    cb = read_codebook(raw / "survey/web.lss")
    text, _ = draft_survey(cb, mode="CAWI", city=reg.city, responses=[("survey/web.csv", response_columns(raw / "survey/web.csv"))],
                           structure_rel="survey/web.lss", current=reg.extra["survey"],
                           dates=submit_dates(raw / "survey/web.csv", "submitdate"))  # fmt: skip
    (params_copy / "survey.yml").write_text(text, encoding="utf-8")
    return params_copy, raw


def test_draft_goes_to_estimates_with_links_reported(drafted, capsys):
    params, raw = drafted
    reg = load_params(params)  # strategy.yml and survey_coding.yml name q02, q11, q13: reported, not failing
    assert stale_links(reg, "strategy") == ["q02", "q11"] and stale_links(reg, "survey_coding") == ["q13"]
    s = load_survey(reg)
    assert s.fieldwork.start.isoformat() == "2020-03-02" and s.complete.submitted == "submitdate"
    from citybank.survey import load_survey_data
    from citybank.survey.estimate import estimates
    from citybank.survey.weighting import weight

    data = load_survey_data(s, raw)
    assert not [p for p in data.problems if p.check == "structure"]
    assert {p.check for p in data.problems} <= {"incomplete", "duplicate_respondent", "straightlining", "duplicate_id"}
    resp = data.respondents
    est = estimates(data, s, {"full": weight(resp, s.margins, "full")})
    city = est[(est["domain_type"] == "city")].set_index("question")
    # reference: the same share computed directly from the export with the weights
    w = weight(resp, s.margins, "full").weights
    closed = data.closed()
    part = closed[(closed["question"] == "g03q01_sq001") & closed["top2"].notna()]
    ref = (part["respondent"].map(w) * part["top2"].astype(float)).sum() / part["respondent"].map(w).sum()
    assert city.loc["g03q01_sq001", "est"] == pytest.approx(ref, abs=1e-12)
    # the same respondents and shares as the bundled survey's web half (CAWI only, unweighted)
    old = load_survey_data(load_survey(load_params(Path(__file__).parents[1] / "params")), _bundled_raw(raw))
    old_cawi = old.respondents[old.respondents["mode"] == "CAWI"]
    assert sorted(resp["respondent"]) == sorted(old_cawi["respondent"])


def _bundled_raw(raw: Path) -> Path:
    from citybank.params import registry

    out = raw.parent / "bundled"
    if not out.exists():
        for rel, blob in survey_files(load_survey(registry())):
            (out / rel).parent.mkdir(parents=True, exist_ok=True)
            (out / rel).write_bytes(blob)
    return out


# ---------------------------------------------------------------- multiple choice: empty = not chosen


def _with_multiple(survey: Survey, empty: int | None) -> Survey:
    data = survey.model_dump(mode="json")
    data["scales"]["chosen"] = {"answers": [{"code": 1, "cawi": "Y", "label": {"pl": "tak", "en": "chosen", "de": "ja"}},
                                            {"code": 0, "cawi": "N", "label": {"pl": "nie", "en": "not chosen", "de": "nein"}}],
                                "top2": [1], "dont_know": [], "empty": empty}  # fmt: skip
    data["questions"].append({"id": "q20", "cati": "q20", "cawi": "G06Q01[SQ001]", "scale": "chosen",
                              "text": {"pl": "Autobus", "en": "Bus", "de": "Bus"}})  # fmt: skip
    data["themes"][0]["questions"].append("q20")
    return Survey.model_validate(data)


@pytest.mark.parametrize("empty", [0, None])
def test_multiple_choice_empty_is_not_chosen(survey, tmp_path, empty):
    raw = tmp_path / "raw"
    for rel, blob in survey_files(survey):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(blob)
    web = pd.read_csv(raw / "survey/cawi_2020.csv", dtype=str, keep_default_na=False)
    web["G06Q01[SQ001]"] = ["Y" if i % 25 < 17 else "" for i in range(len(web))]  # 17 of every 25 ticked: 68 %
    web.to_csv(raw / "survey/cawi_2020.csv", index=False)
    cati = __import__("pyreadstat").read_sav(str(raw / "survey/cati_2020.sav"), user_missing=True)
    df, meta = cati
    df["q20"] = [1.0 if i % 4 else float("nan") for i in range(len(df))]  # CATI: 1 = chosen, empty = not chosen
    __import__("pyreadstat").write_sav(df, str(raw / "survey/cati_2020.sav"))
    s = _with_multiple(survey, empty)
    from citybank.survey import load_survey_data

    data = load_survey_data(s, raw)
    kept = set(data.respondents["respondent"])
    ticked_web = {f"CAWI-{r['id']}" for i, r in web.iterrows() if i % 25 < 17}
    ticked_tel = {f"CATI-{int(r)}" for i, r in enumerate(df["id_wywiadu"]) if i % 4}
    q = data.closed()
    q = q[q["question"] == "q20"]
    share = q["top2"].astype(float).mean()
    if empty == 0:
        assert len(q) == len(kept)  # everyone shown the question is in the base
        assert share == pytest.approx(len(kept & (ticked_web | ticked_tel)) / len(kept))
        web_kept = {r for r in kept if r.startswith("CAWI")}
        web_share = q[q["mode"] == "CAWI"]["top2"].astype(float).mean()
        assert web_share == pytest.approx(len(web_kept & ticked_web) / len(web_kept))
        assert 0.66 < web_share < 0.70  # the 68 % of the issue
    else:
        assert share == 1.0  # the bug: empty read as "no answer" leaves only the ticks in the base
        assert q["top2"].notna().sum() == len(kept & (ticked_web | ticked_tel))


# ---------------------------------------------------------------- completeness, the same for every format


def test_completeness_rules_for_csv_and_sav(survey, tmp_path):
    raw = tmp_path / "raw"
    for rel, blob in survey_files(survey):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(blob)
    web = pd.read_csv(raw / "survey/cawi_2020.csv", dtype=str, keep_default_na=False)
    web.loc[:4, "lastpage"] = "2"
    web.to_csv(raw / "survey/cawi_2020.csv", index=False)
    pyreadstat = pytest.importorskip("pyreadstat")
    sav, meta = pyreadstat.read_sav(str(raw / "survey/cati_2020.sav"), user_missing=True)
    sav.loc[:2, ["q01", "q02", "q03"]] = float("nan")  # three interviews broken off after the background
    pyreadstat.write_sav(sav, str(raw / "survey/cati_2020.sav"))
    from citybank.survey import load_survey_data

    base = load_survey_data(survey, raw)
    data = survey.model_dump(mode="json")
    data["complete"] = {"lastpage": 3, "min_answered": 12}
    s = Survey.model_validate(data)
    got = load_survey_data(s, raw)
    inc = got.quarantine[got.quarantine["check"] == "incomplete"]
    lastpage = inc[inc["column"] == "lastpage"]
    assert list(lastpage["row"]) == [2, 3, 4, 5, 6] and set(lastpage["file"]) == {"survey/cawi_2020.csv"}
    # min_answered applies to the .sav too: every CATI respondent who skipped a closed question is excluded
    tel = inc[inc["file"] == "survey/cati_2020.sav"]
    assert list(tel["row"]) == [1, 2, 3] and set(tel["value"]) == {"9 answered"}
    rule = got.quarantine[got.quarantine["check"] == "completeness_rule"]
    assert list(zip(rule["file"], rule["column"], strict=True)) == [("survey/cati_2020.sav", "lastpage")]
    assert len(got.respondents) < len(base.respondents)


def test_validate_exit_code_only_for_real_errors(survey, tmp_path, capsys, monkeypatch):
    from citybank.cli import main

    raw = tmp_path / "raw"
    for rel, blob in survey_files(survey):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(blob)
    assert main(["survey", "validate", "--raw", str(raw)]) == 0  # 4 routine exclusions
    assert "4 problem(s)" in capsys.readouterr().out
    web = pd.read_csv(raw / "survey/cawi_2020.csv", dtype=str, keep_default_na=False)
    web.drop(columns=["G02Q02"]).to_csv(raw / "survey/cawi_2020.csv", index=False)
    assert main(["survey", "validate", "--raw", str(raw)]) == 1
    assert "1 error(s): the export does not match params/survey.yml" in capsys.readouterr().out


def test_weighting_error_is_a_user_error_without_traceback(survey, tmp_path, capsys, monkeypatch):
    from citybank.cli import main
    from citybank.survey import weighting

    def empty_cell(*args, **kw):
        raise weighting.WeightingError("cannot rake scheme 'full': no respondent in district=X")

    monkeypatch.setattr(weighting, "weight", empty_cell)
    monkeypatch.setattr(weighting, "all_schemes", lambda *a, **k: empty_cell())  # the command imports it when run
    raw = tmp_path / "raw"
    for rel, blob in survey_files(survey):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(blob)
    assert main(["survey", "weight", "--raw", str(raw)]) == 2
    err = capsys.readouterr().err
    assert "no respondent in district=X" in err and "Traceback" not in err


def test_draft_command_writes_and_refuses_to_overwrite(tmp_path, capsys):
    from citybank.cli import main

    out = tmp_path / "draft.yml"
    shutil.copy(REAL / "quexml_acspri_test_questionnaire.xml", tmp_path / "q.xml")
    assert main(["survey", "draft", "--structure", str(tmp_path / "q.xml"), "--out", str(out)]) == 0
    assert "review the lines marked REVIEW" in capsys.readouterr().out
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert doc["background"]["sex"]["cawi"] == "C2"  # "What is your gender?"
    assert [(v["value"], v["cawi"]) for v in doc["background"]["sex"]["values"]] == [("M", "1"), ("K", "2")]
    assert main(["survey", "draft", "--structure", str(tmp_path / "q.xml"), "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err


# ---------------------------------------------------------------- background as data


def _raw(survey: Survey, tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    for rel, blob in survey_files(survey):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(blob)
    return raw


def test_birth_year_list_codes_and_not_stated(survey, tmp_path):
    from citybank.survey import load_survey_data
    from citybank.survey.weighting import weight

    raw = _raw(survey, tmp_path)
    web = pd.read_csv(raw / "survey/cawi_2020.csv", dtype=str, keep_default_na=False)
    ages = web["G01Q03"].copy()
    web["G01Q03"] = [str(2020 - int(a)) if a.isdigit() else a for a in ages]  # the web form asked the year of birth
    web.loc[0, "G01Q02"] = "AO03"  # "I'd rather not say"
    web.to_csv(raw / "survey/cawi_2020.csv", index=False)
    data = survey.model_dump(mode="json")
    data["background"]["age"]["birth_year"] = True
    data["background"]["sex"]["values"].append({"value": "not_stated", "cati": 3, "cawi": "AO03"})
    s = Survey.model_validate(data)
    # the CATI file keeps the age: a birth year rule for both would misread it, so the test keeps CAWI only
    s = s.model_copy(update={"files": [f for f in s.files if f.mode == "CAWI"]})
    got = load_survey_data(s, raw)
    base = load_survey_data(
        survey.model_copy(update={"files": [f for f in survey.files if f.mode == "CAWI"]}), _raw(survey, tmp_path / "b")
    )
    a = got.respondents.set_index("respondent")["age"]
    b = base.respondents.set_index("respondent")["age"]
    common = b.index.intersection(a.index)
    assert (a[common] == b[common]).all() and len(common) >= len(b) - 1
    assert got.respondents.set_index("respondent").loc["CAWI-1", "sex"] == "not_stated"
    w = weight(got.respondents, s.margins, "full")
    n = len(got.respondents)
    assert w.notes[0] == (f"weighting 'full': 1 respondent(s) with sex not stated kept as a cell of their own "
                          f"({1 / n:.1%} of the population, their share of the sample)")  # fmt: skip
    assert w.weights["CAWI-1"] == pytest.approx(54_000 / n, rel=1e-6)  # its own cell keeps its starting weight
    sexes = w.margins[w.margins["variable"] == "sex"].set_index("level")["target"]
    assert sexes["K"] == pytest.approx(28_600 * (1 - 1 / n)) and sexes["not_stated"] == pytest.approx(54_000 / n)


def test_age_asked_as_a_list(survey, tmp_path):
    from citybank.survey import load_survey_data

    raw = _raw(survey, tmp_path)
    web = pd.read_csv(raw / "survey/cawi_2020.csv", dtype=str, keep_default_na=False)
    groups = {"18-34": "AO01", "35-49": "AO02", "50-64": "AO03", "65+": "AO04"}
    age_group = survey.background.age.group_of
    web["G01Q03"] = [groups[age_group(int(a))] if a.isdigit() and 18 <= int(a) <= 100 else a for a in web["G01Q03"]]
    web.to_csv(raw / "survey/cawi_2020.csv", index=False)
    data = survey.model_dump(mode="json")
    data["background"]["age"]["codes"] = {v: k for k, v in groups.items()}
    s = Survey.model_validate(data)
    s = s.model_copy(update={"files": [f for f in s.files if f.mode == "CAWI"]})
    got = load_survey_data(s, raw).respondents.set_index("respondent")
    base = load_survey_data(survey, _raw(survey, tmp_path / "b")).respondents.set_index("respondent")
    base = base[base["mode"] == "CAWI"]
    assert got["age"].isna().all()
    assert (got.loc[base.index, "age_group"] == base["age_group"]).all()
    with pytest.raises(ValueError, match="codes name age groups that are not in groups"):
        Survey.model_validate({**data, "background": {**data["background"], "age": {**data["background"]["age"],
                                                                                     "codes": {"AO09": "90+"}}}})  # fmt: skip


# ---------------------------------------------------------------- variance that accounts for raking


def test_linearised_variance_fixed_weights_equals_svy_and_poststratified_closed_form(survey, tmp_path):
    import numpy as np
    from citybank.survey import load_survey_data, svyadapter
    from citybank.survey.variance import linearised_se
    from citybank.survey.weighting import weight

    data = load_survey_data(survey, _raw(survey, tmp_path))
    resp = data.respondents
    w = weight(resp, survey.margins, "full").weights
    closed = data.closed()
    part = closed[closed["question"] == "q02"].assign(w=lambda f: f["respondent"].map(w),
                                                      y=lambda f: f["top2"].astype("Float64"))  # fmt: skip
    # without raking variables: svy's fixed-weights Taylor standard error (svy leaves the unanswered out of n)
    ref = svyadapter.share(part, "y", "w")[None]
    assert linearised_se(part[part["y"].notna()], "y", "w", []) == pytest.approx(ref.se, rel=1e-9)
    # one margin (post-stratification by sex): v = n/(n-1) sum_h W_h^2 sum_{i in h} (y_i - ybar_h)^2 / n_h^2
    ps = weight(resp, survey.margins.model_copy(update={"district": {}, "age_group": {}}), "unweighted").weights
    sexes = resp.set_index("respondent")["sex"]
    targets = survey.margins.sex
    wps = pd.Series({r: targets[sexes[r]] / (sexes == sexes[r]).sum() for r in ps.index})
    part = part.assign(w=part["respondent"].map(wps))
    known = part[part["y"].notna()]
    n, big_n = len(known), known["w"].sum()
    v = 0.0
    for _h, g in known.groupby("sex"):
        yv = g["y"].astype(float).to_numpy()
        v += (g["w"].iloc[0] / big_n) ** 2 * ((yv - yv.mean()) ** 2).sum()
    got = linearised_se(known, "y", "w", ["sex"])  # the closed form is for the answered (no zero rows)
    assert got == pytest.approx(np.sqrt(n / (n - 1) * v), rel=1e-9)


def test_calibration_variance_option(survey, tmp_path):
    from citybank.survey import load_survey_data
    from citybank.survey.estimate import estimates
    from citybank.survey.weighting import weight

    data = load_survey_data(survey, _raw(survey, tmp_path))
    ws = {s: weight(data.respondents, survey.margins, s) for s in ("unweighted", "full")}
    fixed = estimates(data, survey, ws)
    cal = estimates(data, survey.model_copy(update={"variance": "calibration"}), ws)
    assert (fixed["est"] == cal["est"]).all() and (fixed["n"] == cal["n"]).all()
    un = fixed["scheme"] == "unweighted"
    pd.testing.assert_frame_equal(fixed[un], cal[un])  # nothing to calibrate on
    full = fixed["scheme"] == "full"
    ratio = (cal.loc[full, "se"] / fixed.loc[full, "se"]).dropna()
    assert ratio.between(0.5, 1.0 + 1e-9).all() and ratio.mean() < 0.999  # raking on the margins removes variance
    inside = (cal.loc[full, "lci"] <= cal.loc[full, "est"]) & (cal.loc[full, "est"] <= cal.loc[full, "uci"])
    assert inside.all()


def test_sav_alone_goes_from_draft_to_published_tables(survey, reg, params_copy, tmp_path):
    """A telephone agency's .sav and nothing else: its labels are the codebook, the draft needs no hand-written YAML
    beyond its REVIEW lines (here accepted as drafted), and the tables come out disclosure-checked."""
    from citybank.survey import load_survey_data
    from citybank.survey.draft import response_columns, submit_dates
    from citybank.survey.tables import write_tables

    raw = _raw(survey, tmp_path)
    sav = raw / "survey/cati_2020.sav"
    cb = read_codebook(sav)
    text, messages = draft_survey(cb, mode="CATI", city=reg.city, responses=[("survey/cati_2020.sav", response_columns(sav))],
                                  current=reg.extra["survey"], dates=submit_dates(sav, "submitdate"))  # fmt: skip
    (params_copy / "survey.yml").write_text(text, encoding="utf-8")
    new = load_params(params_copy)
    assert stale_links(new, "strategy") == [] and stale_links(new, "survey_coding") == []  # q02, q11, q13 resolve
    s = load_survey(new)
    assert (s.files[0].format, s.files[0].date_column, s.fieldwork.start.isoformat()) == (
        "sav",
        "data_wywiadu",
        "2020-03-02",
    )
    assert s.scales[s.question("q02").scale].dont_know == [9]  # "trudno powiedzieć", user-missing in the .sav
    data = load_survey_data(s, raw)
    old = load_survey_data(survey, raw)
    assert sorted(data.respondents["respondent"]) == sorted(old.respondents.query("mode == 'CATI'")["respondent"])
    files = write_tables(data, s, tmp_path / "out")
    shares = pd.read_csv(tmp_path / "out/survey_shares.csv")
    assert {"est", "lci", "uci", "flag", "suppressed"} <= set(shares.columns) and len(shares) > 0
    assert len(files) >= 4


def test_numeric_mean_and_median_hand_computed(survey):
    from citybank.params.survey import NumericQuestion
    from citybank.survey.estimate import numeric_estimates
    from citybank.survey.inputs import SurveyData
    from citybank.survey.weighting import Weighting

    nq = NumericQuestion(id="years", cati="lata", cawi="G09Q01", text={"pl": "Lata", "en": "Years", "de": "Jahre"},
                         missing=[99])  # fmt: skip
    s = survey.model_copy(update={"numeric_questions": [nq]})
    ids = ["a", "b", "c", "d", "e"]
    data = SurveyData(
        pd.DataFrame(), [], pd.DataFrame({"respondent": ids, "question": "years", "value": [1.0, 2, 3, 4, 10]})
    )
    wt = Weighting("full", pd.Series([1.0, 1, 1, 1, 4], index=ids), 0, pd.DataFrame())
    (row,) = numeric_estimates(data, s, wt).to_dict(orient="records")
    assert row["n"] == 5 and row["mean"] == pytest.approx(50 / 8)  # (1+2+3+4+4·10) / 8
    u = [-5.25 / 8, -4.25 / 8, -3.25 / 8, -2.25 / 8, 4 * 3.75 / 8]  # w (y − mean) / Σw
    assert row["mean_se"] == pytest.approx((5 / 4 * sum(x * x for x in u)) ** 0.5)
    assert row["mean_lci"] == pytest.approx(50 / 8 - 1.959964 * row["mean_se"], abs=1e-5)
    assert row["median"] == 4.0  # weighted shares 1/8, 2/8, 3/8, 4/8 reach one half at 4
    assert row["median_lci"] <= 4.0 <= row["median_uci"]


def test_numeric_questions_published_with_suppressed_bases(survey):
    from citybank.params.survey import NumericQuestion
    from citybank.survey.inputs import SurveyData
    from citybank.survey.tables import LOG_COLUMNS, numeric_tables
    from citybank.survey.weighting import Weighting

    text = {"pl": "Lata", "en": "Years", "de": "Jahre"}
    few, many = (NumericQuestion(id=i, cati=i, cawi=i.upper(), text=text) for i in ("few", "many"))
    s = survey.model_copy(update={"numeric_questions": [few, many]})
    ids = [f"r{i}" for i in range(10)]
    values = pd.DataFrame({"respondent": ids[:9] + ids, "question": ["few"] * 9 + ["many"] * 10,
                           "value": [5.0] * 9 + [float(i) for i in range(10)]})  # fmt: skip
    wt = Weighting("full", pd.Series(2.0, index=ids), 0, pd.DataFrame())
    out = numeric_tables(SurveyData(pd.DataFrame(), [], values), s, wt, pd.DataFrame(columns=LOG_COLUMNS))
    num = out["survey_numeric"].set_index("question")
    assert (
        bool(num.at["few", "suppressed"])
        and pd.isna(num.at["few", "n"])
        and num.loc["few", "mean":"median_uci"].isna().all()
    )
    assert not num.at["many", "suppressed"] and num.at["many", "n"] == 10
    assert num.at["many", "mean"] == pytest.approx(4.5) and num.at["many", "median"] == 4.0  # 0..9, equal weights
    assert num.at["many", "item"] == "Lata" and bool(num.at["many", "synthetic"]) == s.synthetic
    (log,) = out["survey_disclosure_log"].to_dict(orient="records")
    assert (log["question"], log["n"], log["rule"]) == ("few", 9, "primary")


def test_numeric_questions_read_from_the_sav_with_user_missing(survey, tmp_path):
    from citybank.params.survey import NumericQuestion
    from citybank.survey import load_survey_data

    raw = _raw(survey, tmp_path)
    nq = NumericQuestion(id="age_again", cati="wiek", cawi="G01Q03", text={"pl": "Wiek", "en": "Age", "de": "Alter"},
                         missing=[99], max=100)  # fmt: skip
    s = survey.model_copy(update={"numeric_questions": [nq]})
    data = load_survey_data(s, raw)
    got = data.numeric.set_index("respondent")["value"]
    ages = data.respondents.set_index("respondent")["age"].astype(float)
    assert set(got.index) <= set(ages.index) and (got == ages[got.index]).all()
