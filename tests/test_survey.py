"""The residents' survey: the codebook in params, real export formats written and read back (a .sav via pyreadstat,
a LimeSurvey CSV with its structure file), the synthetic sample with its planted problems, and every check."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pyreadstat
import pytest
import yaml
from citybank.params import ParamsError, load_params
from citybank.sample.survey import N_CATI, N_CAWI, SURVEY_PLANTED, survey_files
from citybank.survey import load_survey_data, read_structure
from citybank.survey.text import normalise, redact


@pytest.fixture(scope="module")
def survey_raw(survey, tmp_path_factory) -> Path:
    """The synthetic survey's raw files, written once per module."""
    out = tmp_path_factory.mktemp("survey_raw")
    for rel, data in survey_files(survey):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    return out


@pytest.fixture(scope="module")
def data(survey, survey_raw):
    return load_survey_data(survey, survey_raw)


# ---------------------------------------------------------------- params/survey.yml


def test_shipped_codebook_is_valid_and_marked_synthetic(survey):
    assert survey.synthetic is True
    assert [f.mode for f in survey.files] == ["CATI", "CAWI"]
    assert survey.margins.verified is False and survey.eu_benchmarks.verified is False
    assert survey.background.age.group_of(34) == "18-34" and survey.background.age.group_of(65) == "65+"
    assert {q.eu for q in survey.questions if q.eu} == set(survey.eu_benchmarks.items)


def test_codebook_problems_all_reported_with_file_and_key(params_copy: Path):
    path = params_copy / "survey.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["scales"]["sat4"]["top2"] = [1, 2, 7]
    data["questions"][0]["scal"] = "sat4"
    data["files"][1].pop("structure")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    assert sorted(str(p) for p in exc.value.problems) == [
        "params/survey.yml: files[1]: Value error, a LimeSurvey CSV needs its structure file (structure: ...): it is the codebook source",
        "params/survey.yml: questions[0].scal: unknown key (a typo? see the documented keys of this file)",
        "params/survey.yml: scales.sat4: Value error, top2/dont_know name codes that are not answers: [7]",
    ]


def test_codebook_cross_checks(params_copy: Path):
    path = params_copy / "survey.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["questions"][1]["scale"] = "sat5"
    data["questions"][2]["eu"] = "doctors"
    data["margins"]["sex"]["M"] = 99_000
    data["margins"]["district"].pop("2474011-01")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    assert sorted(str(p) for p in exc.value.problems) == [
        "params/survey.yml: margins.district: must give every district of params/city.yml once: missing "
        "['2474011-01'], unknown []",
        "params/survey.yml: margins: the margins disagree on the population total: district 49,000, sex 127,600, "
        "age_group 54,000",
        "params/survey.yml: questions[1] (q02).scale: unknown scale 'sat5'; expected one of: agree4, sat4",
        "params/survey.yml: questions[2] (q03).eu: unknown EU item 'doctors'; expected a key of eu_benchmarks.items",
    ]


# ---------------------------------------------------------------- the synthetic sample


def test_sample_survey_is_deterministic_synthetic_and_real_formats(survey, survey_raw):
    again = dict(survey_files(survey))
    for rel, data in again.items():
        assert (survey_raw / rel).read_bytes() == data, rel  # byte-identical, the .sav's header time included
    df, meta = pyreadstat.read_sav(str(survey_raw / "survey/cati_2020.sav"), user_missing=True)
    assert len(df) == N_CATI == 297
    assert meta.file_label.startswith("SYNTETYCZNE")
    assert meta.variable_value_labels["q02"][9.0] == "trudno powiedzieć"
    assert meta.variable_value_labels["dzielnica"][1.0] == "Bańgów"
    assert meta.missing_ranges["q02"] == [{"lo": 9.0, "hi": 9.0}]
    assert (df["q02"] == 9).any()  # user-missing kept as a value, not lost
    cawi = pd.read_csv(survey_raw / "survey/cawi_2020.csv", dtype=str, keep_default_na=False)
    assert len(cawi) == N_CAWI == 298
    assert list(cawi.columns[:7]) == ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"]
    assert "G03Q01[SQ003]" in cawi.columns
    structure = read_structure(survey_raw / "survey/cawi_2020_structure.txt")
    assert structure["G03Q01"]["subquestions"] == [f"SQ00{i}" for i in range(1, 8)]
    assert structure["G03Q01"]["answers"]["AO99"] == "trudno powiedzieć"
    title = (survey_raw / "survey/cawi_2020_structure.txt").read_text(encoding="utf-8")
    assert "dane SYNTETYCZNE" in title and "SYNTHETIC sample survey" in title


def test_sample_generator_writes_the_survey_with_the_city(sample_raw):
    marker = yaml.safe_load((sample_raw / "SAMPLE.yml").read_text(encoding="utf-8"))
    listed = {f["path"]: f for f in marker["files"]}
    for rel in ("survey/cati_2020.sav", "survey/cawi_2020.csv", "survey/cawi_2020_structure.txt"):
        assert listed[rel]["dataset"] == "survey"
        sidecar = yaml.safe_load((sample_raw / f"{rel}.source.yml").read_text(encoding="utf-8"))
        assert sidecar["synthetic"] is True and "SYNTHETIC" in sidecar["note"]
    assert {p["check"] for p in marker["planted"] if p["dataset"] == "survey"} == {
        "duplicate_respondent",
        "out_of_range",
        "straightlining",
        "personal_data",
    }


def test_each_planted_problem_is_caught_by_its_check(data):
    lines = [p.line() for p in data.problems]
    assert lines == [
        "survey/cati_2020.sav row 33, q13: 'Proszę o kontakt w sprawie dziury w jezdni przy [adres], "
        "[imię i nazwisko], tel. [telefon]' — expected no personal data (phone, address, name found) "
        "[personal_data; text redacted]",
        "survey/cati_2020.sav row 120, q05: '7' — expected one of 1, 2, 3, 4, 9 [out_of_range; answer quarantined]",
        "survey/cawi_2020.csv row 201, grid 'services' (G03Q01[SQ001] … G03Q01[SQ007]): '3 × 7' — expected answers "
        "that differ within the grid [straightlining; respondent quarantined]",
        "survey/cawi_2020.csv row 299, (all answers): 'identical to CAWI-57 (survey/cawi_2020.csv row 58)' — "
        "expected one questionnaire per resident [duplicate_respondent; respondent quarantined]",
    ]
    by_check = {p.check: p for p in data.problems}
    for planted in SURVEY_PLANTED:
        assert by_check[planted["check"]].row == planted["row"]
    assert "604" not in " ".join(data.quarantine["value"])  # the log never republishes personal data


def test_harmonised_long_table(data, survey):
    resp = data.respondents
    assert len(resp) == 595 - 2  # the duplicate and the straight-liner are out
    assert resp["mode"].value_counts().to_dict() == {"CATI": 297, "CAWI": 296}
    closed = data.closed()
    assert set(closed["question"]) == {q.id for q in survey.questions}
    # the out-of-range answer is quarantined alone; the respondent's other answers stay
    r120 = closed[(closed["respondent"] == "CATI-1120")]
    assert sorted(r120["question"]) == sorted(q.id for q in survey.questions if q.id != "q05")
    dk = closed[closed["code"] == 9]
    assert dk["dont_know"].all() and dk["top2"].isna().all()
    assert closed.loc[closed["code"].isin([1, 2]), "top2"].all()
    # CATI 9 (user-missing in the .sav) and CAWI AO99 both become code 9
    assert set(dk["mode"]) == {"CATI", "CAWI"}
    open_ = data.responses[data.responses["text"].notna()]
    assert (open_["question"] == "q13").all() and not open_["text"].str.contains("604").any()


# ---------------------------------------------------------------- hand-made exports with every kind of problem


def _tiny_exports(survey, raw: Path) -> None:
    """A 4-case .sav and a 4-line LimeSurvey CSV with a broken structure file: every check has one thing to find."""
    (raw / "survey").mkdir(parents=True)
    qs = survey.questions
    rows = []
    for i, (district, sex, age, code) in enumerate([(1, 1, 30, 1), (7, 2, 40, 2), (2, 1, 17, 3), (3, 2, 50, 9)]):
        rows.append(
            {
                "id_wywiadu": 1.0 + i,
                "data_wywiadu": pd.Timestamp("2020-03-05").date(),
                "ankieter": "A01",
                "dzielnica": float(district),
                "plec": float(sex),
                "wiek": float(age),
                **{q.cati: float(code if j % 2 else 2) for j, q in enumerate(qs)},
                "q13": "",
            }
        )
    rows.append(dict(rows[0]))  # the same id twice
    df = pd.DataFrame(rows)
    pyreadstat.write_sav(df, str(raw / "survey/cati_2020.sav"), missing_ranges={q.cati: [9] for q in qs})
    header = (
        [
            "id",
            "submitdate",
            "lastpage",
            "startlanguage",
            "seed",
            "startdate",
            "datestamp",
            "G01Q01",
            "G01Q02",
            "G01Q03",
        ]
        + [q.cawi for q in qs]
        + ["G05Q01"]
    )
    good = ["AO02" if j % 2 else "AO01" for j in range(len(qs))]
    lines = [
        header,
        ["1", "2020-03-04 10:00:00", "5", "pl", "1", "", "", "AO01", "AO01", "25", *good, "Więcej zieleni"],
        ["2", "", "2", "pl", "2", "", "", "AO02", "AO02", "31", *good, ""],  # not submitted
        ["3", "2020-03-04 11:00:00", "5", "pl", "3", "", "", "AO03", "AO01", "44", *good[:-1], "AO07", "pisz: a@b.pl"],
    ]
    (raw / "survey/cawi_2020.csv").write_text(
        "\n".join(";".join(f'"{c}"' for c in line) for line in lines) + "\n", encoding="utf-8"
    )
    rows_s = ["id\trelated_id\tclass\ttype/scale\tname\trelevance\ttext\thelp\tlanguage"]
    rows_s.append("1\t\tQ\tL\tG01Q01\t1\tDzielnica\t\tpl")
    rows_s += [f"\t\tA\t0\tAO0{i}\t\td{i}\t\tpl" for i in range(1, 6)]
    rows_s.append("2\t\tQ\tL\tG01Q02\t1\tPłeć\t\tpl")
    rows_s += ["\t\tA\t0\tAO01\t\tkobieta\t\tpl", "\t\tA\t0\tAO02\t\tmężczyzna\t\tpl"]
    rows_s.append("3\t\tQ\tN\tG01Q03\t1\tWiek\t\tpl")
    for qcode in sorted({q.cawi.split("[")[0] for q in qs}):
        members = [q for q in qs if q.cawi.split("[")[0] == qcode]
        rows_s.append(f"9\t\tQ\t{'F' if '[' in members[0].cawi else 'L'}\t{qcode}\t1\tpytanie\t\tpl")
        for q in members:
            if "[" in q.cawi:
                rows_s.append(f"9\t\tSQ\t0\t{q.cawi.split('[')[1].rstrip(']')}\t1\t{q.text.pl}\t\tpl")
        codes = ["AO01", "AO02", "AO03", "AO04"] + ([] if qcode == "G02Q02" else ["AO99"])  # G02Q02 lacks AO99
        rows_s += [f"\t\tA\t0\t{c}\t\tx\t\tpl" for c in codes]
    rows_s.append("9\t\tQ\tT\tG05Q01\t1\tCo poprawić?\t\tpl")
    (raw / "survey/cawi_2020_structure.txt").write_text("\n".join(rows_s) + "\n", encoding="utf-8")


def test_every_problem_at_once_and_raw_files_untouched(survey, tmp_path):
    _tiny_exports(survey, tmp_path)
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / "survey").iterdir()}
    data = load_survey_data(survey, tmp_path)
    assert [p.line() for p in data.problems] == [
        "survey/cati_2020.sav row 2, dzielnica: '7' — expected one of 1, 2, 3, 4, 5 [background; respondent quarantined]",
        "survey/cati_2020.sav row 3, wiek: '17' — expected a whole age 18–100 [background; respondent quarantined]",
        "survey/cati_2020.sav row 5, id_wywiadu: '1' — expected an id used once (also on row 1) "
        "[duplicate_id; respondent quarantined]",
        "survey/cawi_2020.csv row 3, submitdate: '' — expected a submitted questionnaire (submitdate set) "
        "[incomplete; respondent quarantined]",
        "survey/cawi_2020.csv row 4, G04Q01[SQ003]: 'AO07' — expected one of AO01, AO02, AO03, AO04, AO99 or empty "
        "[out_of_range; answer quarantined]",
        "survey/cawi_2020.csv row 4, G05Q01: 'pisz: [e-mail]' — expected no personal data (email found) "
        "[personal_data; text redacted]",
        "survey/cawi_2020_structure.txt, G02Q02: 'AO99' — expected answer codes of the structure file: AO01, AO02, "
        "AO03, AO04 [structure; codebook mismatch]",
    ]
    assert sorted(data.respondents["respondent"]) == ["CATI-1", "CATI-4", "CAWI-1", "CAWI-3"]
    q = data.quarantine
    assert list(q.columns) == ["file", "row", "column", "value", "expected", "check", "respondent", "action"]
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (tmp_path / "survey").iterdir()}
    assert after == before


def test_missing_file_is_named(survey, tmp_path):
    from citybank.errors import UserError

    with pytest.raises(UserError, match=r"survey file\(s\) not found: .*cati_2020\.sav"):
        load_survey_data(survey, tmp_path)


def test_redaction_and_normalisation():
    assert redact("dzwonić 32 765 43 21 lub +48 604-123-456, Pani Nowak") == (
        "dzwonić [telefon] lub [telefon], Pani [imię i nazwisko]",
        ["phone", "name"],
    )
    assert redact("Remont chodników na Bytkowie, 12 000 zł, linia 910, rok 2020") == (
        "Remont chodników na Bytkowie, 12 000 zł, linia 910, rok 2020",
        [],
    )
    assert redact("mieszkam na os. Tuwima 3/12") == ("mieszkam na [adres]", ["address"])
    assert normalise("Łąki i ŻÓŁTE ścieżki!") == "laki i zolte sciezki"


# ---------------------------------------------------------------- weights and estimates: golden numbers by hand

from citybank.survey import svyadapter  # noqa: E402
from citybank.survey.estimate import estimates, side_by_side  # noqa: E402
from citybank.survey.weighting import WeightingError, achieved_margins, check_achieved, kish_deff, weight  # noqa: E402

GOLDEN = pd.DataFrame(
    {
        "y": [1.0, 0.0, 1.0, 1.0, 0.0, None, None],
        "w": [1.0, 2.0, 1.0, 3.0, 1.0, 5.0, 4.0],
        "dzielnica": ["Bańgów", "Bańgów", "Michałkowice", "Michałkowice", "Michałkowice", "Michałkowice", "Przełajka"],
    }
)


def test_share_golden_numbers_by_hand():
    # p = (1 + 1 + 3) / 8 = 0.625; residuals w(y − p): .375, −1.25, .375, 1.125, −.625; Σ² = 3.5;
    # v = 5/4 · 3.5 / 8² = 0.068359375; se = 0.2614563; logit CI with t(4) = 2.7764451:
    # logit .625 = 0.5108256 ± 2.7764451 · 0.2614563 / 0.234375 → expit: 0.0700170, 0.9736114;
    # deff = v / (p(1 − p)/(n − 1)) = 0.068359375 / 0.05859375 = 7/6. The two don't-knows (None) are left out.
    s = svyadapter.share(GOLDEN, "y", "w")[None]
    assert (s.n, round(s.est, 7), round(s.se, 7), round(s.lci, 7), round(s.uci, 7), round(s.deff, 7)) == (
        5,
        0.625,
        0.2614563,
        0.0700170,
        0.9736114,
        1.1666667,
    )
    by = svyadapter.share(GOLDEN, "y", "w", by="dzielnica")
    # Bańgów: p = 1/3; z = ±(2/3)/3 on its two rows, 0 elsewhere; v = 5/4 · 2 · (2/9)² = 0.1234568; se = 0.3513642;
    # deff = v / (p(1 − p)/(2 − 1)) = 0.5555556. Przełajka answered only "don't know": an empty cell, no estimate.
    b = by["Bańgów"]
    assert (b.n, round(b.est, 7), round(b.se, 7), round(b.deff, 7)) == (2, 0.3333333, 0.3513642, 0.5555556)
    assert set(by) == {"Bańgów", "Michałkowice"}
    # Michałkowice: y = 1, 1, 0 with w = 1, 3, 1 → p = 4/5; z = .04, .12, −.16; v = 5/4 · 0.0416 = 0.052
    m = by["Michałkowice"]
    assert (m.n, round(m.est, 7), round(m.se, 7)) == (3, 0.8, round(0.052**0.5, 7))
    # every answer alike: p = 1, se = 0, no design effect, Clopper–Pearson lower bound (0.025)^(1/3)
    one = svyadapter.share(pd.DataFrame({"y": [1.0, 1.0, 1.0], "w": [1.0, 2.0, 3.0]}), "y", "w")[None]
    assert (one.n, one.est, one.se, round(one.lci, 7), one.uci) == (3, 1.0, 0.0, round(0.025 ** (1 / 3), 7), 1.0)


def test_kish_deff_and_raking_by_hand():
    assert kish_deff([1, 2, 1, 3, 1]) == 5 * 16 / 64  # n Σw² / (Σw)² = 1.25 → n_eff = 4
    frame = pd.DataFrame(
        {
            "w": [1.0] * 6,
            "płeć": ["kobieta", "kobieta", "mężczyzna", "mężczyzna", "kobieta", "mężczyzna"],
            "wiek": ["18-34", "65+", "18-34", "65+", "65+", "65+"],
        }
    )
    # age first: 18-34 (2 people) → 40 → 20 each; 65+ (4) → 60 → 15 each; then sex: K = 20 + 15 + 15 = 50 = target.
    w, sweeps = svyadapter.rake(
        frame, "w", {"płeć": {"kobieta": 50, "mężczyzna": 50}, "wiek": {"18-34": 40, "65+": 60}}
    )
    assert [round(x, 6) for x in w] == [20, 15, 20, 15, 15, 15] and sweeps == 1


def test_weights_on_the_sample_reproduce_the_margins(data, survey):
    full = weight(data.respondents, survey.margins, "full")
    s = full.summary
    assert s["n"] == 593 and 1 <= s["iterations"] <= 20
    assert s["max_margin_difference"] < survey.margins.tolerance
    assert s["kish_deff"] == pytest.approx(kish_deff(full.weights.to_numpy()))
    assert s["n_effective"] == pytest.approx(593 / s["kish_deff"])
    assert round(full.weights.sum()) == 54_000
    assert list(full.margins["variable"].unique()) == ["district", "sex", "age_group"]


def test_margin_mismatch_is_an_error(data, survey):
    resp = data.respondents
    flat = pd.Series(1.0, index=resp["respondent"])  # equal weights: the sample's own shares
    table = achieved_margins(resp, flat, survey.margins, ("sex",))
    with pytest.raises(WeightingError) as exc:
        check_achieved(table, 0.001, "test")
    k = table.set_index("level").loc["K"]
    assert str(exc.value).startswith(
        "weights of scheme 'test' do not reproduce 2 population margin(s) (tolerance 0.10% "
    )
    assert f"  sex=K: achieved {k.achieved_share:.2%}, target 52.96%" in str(exc.value)


def test_empty_margin_cell_is_collapsed_and_said(data, survey):
    resp = data.respondents[data.respondents["district"] != "2474011-01"]
    w = weight(resp, survey.margins, "full")
    assert w.notes == [
        "weighting 'full': no respondent in district=2474011-01 — collapsed into 2474011-01+2474011-02 (targets "
        "summed, 15,200)"
    ]
    merged = w.margins.set_index("level").loc["2474011-01+2474011-02"]
    assert merged["target"] == 15_200 and merged["achieved_share"] == pytest.approx(15_200 / 54_000, abs=1e-6)
    in_02 = resp.loc[resp["district"] == "2474011-02", "respondent"]
    assert w.weights[in_02].sum() == pytest.approx(15_200, rel=1e-6)
    with pytest.raises(WeightingError, match="no respondent in any category of sex"):
        weight(resp.assign(sex="X"), survey.margins, "full")


def test_estimates_three_schemes_districts_modes(data, survey):
    from citybank.survey.weighting import all_schemes

    est = estimates(data, survey, all_schemes(data.respondents, survey.margins))
    assert len(est) == 12 * 3 * (1 + 5 + 2)
    city = est[(est["domain_type"] == "city") & (est["scheme"] == "unweighted") & (est["question"] == "q01")].iloc[0]
    closed = data.closed()
    q01 = closed[(closed["question"] == "q01") & ~closed["dont_know"] & closed["code"].notna()]
    assert city["n"] == len(q01) and city["est"] == pytest.approx(q01["top2"].mean())  # equal weights: plain share
    assert city["lci"] < city["est"] < city["uci"] and city["flag"] == "ok"
    d = est[est["domain_type"] == "district"]
    assert d["significant"].notna().all() and set(d["flag"]) <= {"ok", "caution", "unreliable"}
    assert list(side_by_side(est).columns) == ["question", "age_sex", "full", "unweighted"]


def test_empty_district_is_flagged_not_dropped(data, survey):
    from citybank.survey.inputs import SurveyData
    from citybank.survey.weighting import Weighting

    part = data.responses[data.responses["district"] != "2474011-04"]
    tiny = SurveyData(part.reset_index(drop=True))
    w = Weighting("unweighted", pd.Series(1.0, index=tiny.respondents["respondent"]), 0, pd.DataFrame())
    est = estimates(tiny, survey, {"unweighted": w})
    empty = est[(est["domain"] == "2474011-04")]
    assert len(empty) == 12 and (empty["flag"] == "empty").all() and (empty["n"] == 0).all()


# ---------------------------------------------------------------- disclosure control

from citybank.survey.disclosure import recomputable, suppress  # noqa: E402


def test_primary_and_secondary_suppression_on_a_tempting_table():
    # Przełajka × 65+ has 4 respondents: alone in its row and column it could be recomputed from the totals.
    table = pd.DataFrame(
        {"18-34": [30, 25, 12], "35-49": [40, 33, 20], "65+": [50, 4, 21]}, index=["Bytków", "Przełajka", "Bańgów"]
    )
    full, mask, log = suppress(table, 10, name="wiek × dzielnica")
    assert log[["row", "column", "count", "rule"]].values.tolist() == [
        ["Przełajka", "65+", 4, "primary"],
        ["Przełajka", "18-34", 25, "secondary"],  # the row's smallest other cell
        ["Bańgów", "18-34", 12, "secondary"],  # then column 18-34 had one
        ["Bańgów", "65+", 21, "secondary"],  # and column 65+: a rectangle that no total resolves
    ]
    assert recomputable(full, mask) == []
    assert (log["table"] == "wiek × dzielnica").all()
    assert full.loc["Total", "Total"] == 235 and not mask.loc["Total"].any()


def test_zeros_and_small_totals_and_the_audit():
    table = pd.DataFrame({"tak": [0, 12, 15], "nie": [3, 11, 14]}, index=["Bańgów", "Bytków", "Centrum"])
    full, mask, log = suppress(table, 10, zeros_sensitive=True)
    # Bańgów: 0 and 3 and its total 3 are all below 10
    assert set(log.loc[log["rule"] == "primary", "column"]) == {"tak", "nie", "Total"}
    assert recomputable(full, mask) == []
    kept, _, log2 = suppress(table, 10, zeros_sensitive=False)
    primary = log2[log2["rule"] == "primary"]
    assert ("Bańgów", "tak") not in set(zip(primary["row"], primary["column"], strict=True))


# ---------------------------------------------------------------- commands and published tables


def test_commands_and_published_tables(survey_raw, tmp_path, capsys):
    from citybank.cli import main

    assert main(["survey", "validate", "--raw", str(survey_raw)]) == 0  # routine exclusions only
    out = capsys.readouterr().out
    assert out.startswith("593 respondents kept (CATI 297, CAWI 296); 4 problem(s) — SYNTHETIC sample survey")
    assert main(["survey", "weight", "--raw", str(survey_raw)]) == 0
    assert "Kish deff" in capsys.readouterr().out
    assert main(["survey", "estimate", "--raw", str(survey_raw), "--out", str(tmp_path)]) == 0
    shares = pd.read_csv(tmp_path / "survey_shares.csv")
    assert list(shares.columns[6:14]) == ["est", "se", "lci", "uci", "deff", "n", "flag", "suppressed"]
    assert shares["synthetic"].all()
    eu = pd.read_csv(tmp_path / "survey_eu_comparison.csv")
    assert list(eu["eu_item"]) == [
        "satisfied_live_city",
        "public_transport",
        "health_care",
        "green_spaces",
        "schools",
        "culture",
        "sport",
        "public_spaces",
        "housing",
    ]
    assert eu.loc[0, ["Białystok", "Gdańsk", "Kraków", "Warszawa", "all_cities"]].tolist() == [
        91.8,
        95.5,
        88.1,
        90.4,
        87.7,
    ]
    assert not eu["benchmark_verified"].any()


def test_suppression_of_published_shares():
    from citybank.survey.tables import apply_suppression

    est = pd.DataFrame(
        {
            "question": "q01",
            "scheme": "full",
            "domain_type": ["city"] + ["district"] * 3,
            "domain": ["city", "Bańgów", "Bytków", "Przełajka"],
            "n": [60, 7, 23, 30],
            "est": 0.5,
            "se": 0.1,
            "lci": 0.3,
            "uci": 0.7,
            "deff": 1.0,
        }
    )
    out, log = apply_suppression(est, 10)
    assert out["suppressed"].tolist() == [False, True, True, False]
    assert log[["domain", "rule"]].values.tolist() == [["Bańgów", "primary"], ["Bytków", "secondary"]]
    assert out.loc[1:2, "est"].isna().all() and out.loc[3, "est"] == 0.5
