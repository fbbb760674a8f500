"""Open answers of the residents' survey: Polish stemming and the codebook's rules, human overrides, weighted code
shares, Cohen's kappa (golden numbers by hand), redaction of personal data and the quote bank."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from citybank.params import ParamsError, load_params
from citybank.params.survey import Disclosure
from citybank.params.survey_coding import load_coding
from citybank.sample.survey import DOUBLE_CODED, survey_files
from citybank.survey import load_survey_data
from citybank.survey.coding import (
    CODING_FILES,
    CodingError,
    agreement,
    code_answers,
    code_shares,
    codes_of,
    cohen_kappa,
    load_overrides,
    quote_bank,
    read_double_coded,
    rule_codes,
    run_coding,
)
from citybank.survey.inputs import RESPONSE_COLUMNS, SurveyData
from citybank.survey.text import fold, redact, stem, words
from citybank.survey.weighting import Weighting, weight

PHONE = re.compile(r"\d{3}[\s-]?\d{3}[\s-]?\d{3}|\d{2}[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.\w+")


@pytest.fixture(scope="module")
def coding(reg):
    c = load_coding(reg)
    assert c is not None
    return c


@pytest.fixture(scope="module")
def raw(survey, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("survey_coding_raw")
    for rel, data in survey_files(survey):
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    return out


@pytest.fixture(scope="module")
def data(survey, raw):
    return load_survey_data(survey, raw)


@pytest.fixture(scope="module")
def result(data, survey, coding, reg, raw):
    return run_coding(data, survey, coding, weight(data.respondents, survey.margins, "full"), reg.root, raw)


# ---------------------------------------------------------------- text: words, folding, stems


def test_words_fold_and_stem_keep_polish_letters_until_the_end():
    assert words("Dziurawe drogi, a parkingów brak! 2020 r.") == ["dziurawe", "drogi", "a", "parkingów", "brak", "r"]
    assert fold("Źdźbło ŁĄKI") == "zdzblo laki"
    # Stempel needs the Polish letters: inflected forms meet at one folded stem
    assert stem("chodników") == stem("chodniki") == stem("chodnik") == "chodnik"
    assert stem("rowerowych") == stem("rowerowe") == "rowerowy"
    # … but typed without them a word may stem elsewhere: that is what folded prefixes (sciez*) are for
    assert (stem("ścieżki"), stem("sciezki")) == ("sciez", "sciezka")
    assert stem("drogowej") != stem("drogi")  # the road-noise answer is not about roads


# ---------------------------------------------------------------- rules of the shipped codebook


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("Więcej ścieżek rowerowych", ["cycling"]),
        ("sciezki rowerowe", ["cycling"]),  # typed without Polish letters: the prefix rower* still matches
        ("WIĘCEJ ZIELENI, mniej betonu!", ["green"]),
        ("wiecej zieleni", ["green"]),
        ("Drogi dla rowerów", ["cycling"]),  # the roads rule says not: rower*
        ("Dziurawe drogi i chodniki, a parkingów brak", ["roads", "parking"]),  # two codes
        ("Hałas przy Drogowej Trasie Średnicowej", ["air_noise"]),
        ("Więcej patroli straży miejskiej", ["safety"]),  # consecutive words: straż* miejsk*
        ("Straż pożarna i miejska zieleń", ["green"]),  # "straż … miejska" not consecutive: no safety
        ("Nic, jest dobrze", ["other"]),  # no rule fires: the fallback
    ],
)
def test_rules_on_normalised_and_stemmed_polish(coding, text, codes):
    assert codes_of(text, coding.question("q13")) == codes


def test_every_wording_of_the_sample_is_coded_like_a_human_except_one(coding):
    from citybank.sample.survey import OPEN

    wrong = [
        (t, codes_of(t, coding.question("q13")), list(c))
        for topic in OPEN
        for t, c in topic
        if sorted(codes_of(t, coding.question("q13"))) != sorted(c)
    ]
    # "Park Śląski" is a place, not green space: the overrides CSV corrects some of these answers
    assert wrong == [("sciezki rowerowe do Parku Śląskiego", ["green", "cycling"], ["cycling"])]


# ---------------------------------------------------------------- a tiny survey with hand-computed shares


def _tiny(answers: list[tuple[str, str, str]]) -> SurveyData:
    rows = [
        {c: None for c in RESPONSE_COLUMNS}
        | {"respondent": rid, "mode": "CAWI", "district": d, "question": "q13", "text": text}
        for rid, d, text in answers
    ]
    return SurveyData(pd.DataFrame(rows, columns=RESPONSE_COLUMNS))


TINY = [
    ("R1", "2474011-01", "Więcej zieleni"),
    ("R2", "2474011-01", "Remont chodników"),
    ("R3", "2474011-02", "Tramwaj i zieleń w centrum"),
    ("R4", "2474011-02", "Smog zimą"),
]
TINY_W = Weighting("full", pd.Series([1.0, 2.0, 1.0, 3.0], index=["R1", "R2", "R3", "R4"]), 0, pd.DataFrame())
NO_OVERRIDES = pd.DataFrame(columns=["respondent", "question", "code", "coder", "note"])


def test_coded_share_golden_numbers_by_hand(survey, coding):
    data = _tiny(TINY)
    coded, msgs = code_answers(data, coding, NO_OVERRIDES)
    assert (
        coded.values.tolist()
        == [
            ["R1", "q13", "green", "rule"],
            ["R2", "q13", "roads", "rule"],
            ["R3", "q13", "green", "rule"],
            ["R3", "q13", "public_transport", "rule"],
            ["R4", "q13", "air_noise", "rule"],
        ]
        and msgs == []
    )
    open_ = survey.model_copy(update={"disclosure": Disclosure(min_count=1)})
    shares = code_shares(coded, data, coding, TINY_W, open_).set_index(["code", "domain"])
    # green: R1 (w 1) and R3 (w 1) of Σw = 7 → p = 2/7. Residuals w(y − p): 5/7, −4/7, 5/7, −6/7; Σ² = 102/49;
    # v = n/(n−1) · Σ(w(y − p)/Σw)² = 4/3 · 102/49 / 49 = 408/7203.
    g = shares.loc[("green", "city")]
    assert (g["n"], g["est"], g["se"]) == (4, pytest.approx(2 / 7), pytest.approx(math.sqrt(408 / 7203)))
    assert g["lci"] < 2 / 7 < g["uci"] and not g["suppressed"]
    # codes are not exclusive: 2/7 + 1/7 + 2/7 + 3/7 (+ 0 other) > 1
    city = shares.xs("city", level="domain")
    assert city["est"].sum() == pytest.approx(8 / 7) and city.loc["other", "est"] == 0
    # Bańgów: R1 green (w 1), R2 not (w 2) → 1/3
    assert shares.loc[("green", "2474011-01"), "est"] == pytest.approx(1 / 3)
    # with the shipped rule (fewer than 10 respondents) nothing of it is published
    sup = code_shares(coded, data, coding, TINY_W, survey)
    assert sup["suppressed"].all() and sup["est"].isna().all()


def test_overrides_always_win_and_unused_ones_are_reported(survey, coding):
    data = _tiny(TINY)
    ov = pd.DataFrame(
        [
            ["R2", "q13", "green", "AK", ""],
            ["R2", "q13", "roads", "AK", ""],
            ["R9", "q13", "safety", "AK", "a quarantined respondent"],
        ],
        columns=["respondent", "question", "code", "coder", "note"],
    )
    coded, msgs = code_answers(data, coding, ov)
    assert coded[coded["respondent"] == "R2"].values.tolist() == [
        ["R2", "q13", "green", "override"],
        ["R2", "q13", "roads", "override"],
    ]
    assert msgs == ["override of R9 / q13 matches no open answer (respondent quarantined or absent): not used"]
    open_ = survey.model_copy(update={"disclosure": Disclosure(min_count=1)})
    shares = code_shares(coded, data, coding, TINY_W, open_).set_index(["code", "domain"])
    assert shares.loc[("green", "city"), "est"] == pytest.approx(4 / 7)  # R1 + R2 + R3 = (1 + 2 + 1) / 7


def test_shipped_overrides_are_read_and_applied(data, coding, reg, result):
    ov = load_overrides(reg.root, coding)
    assert set(ov["respondent"]) == {"CATI-1164", "CATI-1173", "CATI-1199", "CATI-1054"}
    coded = result.coded
    assert coded[coded["respondent"] == "CATI-1054"][["code", "source"]].values.tolist() == [
        ["cycling", "override"],
        ["roads", "override"],
    ]
    assert coded.loc[coded["respondent"] == "CATI-1164", "code"].tolist() == ["cycling"]
    # an answer the rules code alike and nobody overrode keeps the rules' two codes
    assert coded.loc[coded["respondent"] == "CATI-1240", "code"].tolist() == ["cycling", "green"]


# ---------------------------------------------------------------- agreement: Cohen's kappa by hand


def test_cohen_kappa_on_a_two_by_two_table_by_hand():
    # both yes 4, A yes B no 1, A no B yes 2, both no 3: p_o = 7/10; A says yes 5/10, B 6/10;
    # p_e = .5·.6 + .5·.4 = .5; kappa = (.7 − .5) / (1 − .5) = .4
    a = [1] * 4 + [1] + [0] * 2 + [0] * 3
    b = [1] * 4 + [0] + [1] * 2 + [0] * 3
    kappa, po, pe = cohen_kappa(a, b)
    assert (round(kappa, 12), round(po, 12), round(pe, 12)) == (0.4, 0.7, 0.5)
    assert cohen_kappa(["tak", "nie", "tak"], ["tak", "nie", "tak"])[0] == 1.0
    assert math.isnan(cohen_kappa([0, 0, 0], [0, 0, 0])[0])  # p_e = 1: undefined
    with pytest.raises(ValueError):
        cohen_kappa([1, 0], [1])


def test_agreement_per_code_pooled_and_exact(coding):
    q13 = coding.model_copy(update={"questions": [coding.question("q13")]})
    double = pd.DataFrame(
        {
            "respondent": ["R1", "R2", "R3", "R4"],
            "question": "q13",
            "coder_a": ["green", "roads", "green;public_transport", "other"],
            "coder_b": ["green", "green", "green;public_transport", "other"],
        }
    )
    rules = pd.DataFrame(
        [
            ["R1", "q13", "green", "rule"],
            ["R2", "q13", "roads", "rule"],
            ["R3", "q13", "green", "rule"],
            ["R4", "q13", "other", "rule"],
        ],
        columns=["respondent", "question", "code", "source"],
    )
    out = agreement(double, rules, q13).set_index(["pair", "measure", "code"])
    # green, coder A 1,0,1,0 and B 1,1,1,0: p_o = 3/4, p_e = .5·.75 + .5·.25 = .5, kappa = .5
    g = out.loc[("coder_a vs coder_b", "kappa_code", "green")]
    assert (g["n"], g["agreement"], g["expected"], g["kappa"]) == (4, 0.75, 0.5, 0.5)
    assert out.loc[("coder_a vs coder_b", "exact", ""), "agreement"] == 0.75
    # pooled over 13 codes × 4 answers = 52 decisions, 2 disagree (R2: roads, green); A says yes 5×, B 5×:
    # p_o = 50/52, p_e = (5/52)² + (47/52)², kappa = (p_o − p_e)/(1 − p_e)
    p = out.loc[("coder_a vs coder_b", "kappa_pooled", "")]
    pe = (5 / 52) ** 2 + (47 / 52) ** 2
    assert p["agreement"] == pytest.approx(50 / 52) and p["kappa"] == pytest.approx((50 / 52 - pe) / (1 - pe))
    # rules vs coder A: only R3's public_transport differs
    assert out.loc[("rules vs coder_a", "exact", ""), "agreement"] == 0.75
    assert out.loc[("rules vs coder_a", "kappa_code", "roads"), "kappa"] == 1.0


def test_double_coded_sample_is_synthetic_deterministic_and_measured(survey, raw, coding, result):
    again = dict(survey_files(survey))[DOUBLE_CODED]
    assert (raw / DOUBLE_CODED).read_bytes() == again and coding.double_coded == DOUBLE_CODED
    double = read_double_coded(raw / DOUBLE_CODED, coding)
    assert list(double.columns) == ["respondent", "question", "coder_a", "coder_b", "synthetic"]
    assert (double["synthetic"] == "true").all() and len(double) == 66
    a = result.agreement.set_index(["pair", "measure"])
    pooled = a.xs("kappa_pooled", level="measure")["kappa"]
    assert 0.8 < pooled["coder_a vs coder_b"] < 1 and 0.8 < pooled["rules vs coder_a"] <= 1
    assert set(result.agreement["pair"]) == {"coder_a vs coder_b", "rules vs coder_a", "rules vs coder_b"}


def test_double_coded_with_an_unknown_code_is_named(coding, tmp_path):
    from citybank.errors import UserError

    path = tmp_path / "dc.csv"
    path.write_text("respondent,question,coder_a,coder_b\nCATI-1,q13,green,zieleń\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"dc\.csv row 2, coder_b: unknown code\(s\) zieleń"):
        read_double_coded(path, coding)


def test_a_different_stemmer_version_is_refused(data, coding):
    other = coding.model_copy(update={"stemmer": coding.stemmer.model_copy(update={"version": "1.0.0"})})
    with pytest.raises(CodingError, match="written for pystempel 1.0.0, but 2.0.0 is installed"):
        rule_codes(pd.DataFrame({"respondent": ["R1"], "question": ["q13"], "text": ["zieleń"]}), other)


# ---------------------------------------------------------------- redaction and the quote bank


@pytest.mark.parametrize(
    ("text", "clean", "kinds"),
    [
        ("dzwońcie +48 601 234 567", "dzwońcie [telefon]", ["phone"]),
        ("tel. 601-234-567.", "tel. [telefon].", ["phone"]),
        ("0048 601234567 albo (32) 765-43-21", "[telefon] albo [telefon]", ["phone"]),
        ("pisz: anna.nowak@o2.pl!", "pisz: [e-mail]!", ["email"]),
        ("PESEL 85010112345", "PESEL [PESEL]", ["pesel"]),
        ("mieszkam przy ul. Jana Pawła II 12/3 od lat", "mieszkam przy [adres] od lat", ["address"]),
        ("ul. 3 Maja 5 m. 2", "[adres]", ["address"]),
        ("al. gen. Józefa Hallera 7a", "[adres]", ["address"]),
        ("Jan Kowalski z Bytkowa", "[imię i nazwisko] z Bytkowa", ["name"]),
        (
            "rozmawiałem z Pawłem Nowakiem i Marią Zając",
            "rozmawiałem z [imię i nazwisko] i [imię i nazwisko]",
            ["name"],
        ),
        ("Pani Nowak z MOPS", "Pani [imię i nazwisko] z MOPS", ["name"]),
        ("Remont chodników na Bytkowie, 12 000 zł, linia 910, rok 2020", None, []),
        ("Więcej zieleni w Parku Śląskim", None, []),
    ],
)
def test_redaction_of_each_kind_in_polish_formats(text, clean, kinds):
    assert redact(text) == (clean if clean is not None else text, kinds)


def test_quote_bank_holds_no_phone_number_or_email(result, raw, reg, data, survey, coding, tmp_path):
    from citybank.cli import main

    assert main(["survey", "code", "--raw", str(raw), "--out", str(tmp_path)]) == 0
    text = (tmp_path / CODING_FILES["quotes"]).read_text(encoding="utf-8")
    assert not PHONE.search(text) and not EMAIL.search(text) and "604" not in text and "Kowalski" not in text
    # the planted answer with a phone number, a name and an address is in the bank, redacted
    assert "Proszę o kontakt w sprawie dziury w jezdni przy [adres], [imię i nazwisko], tel. [telefon]" in text
    quotes = pd.read_csv(tmp_path / CODING_FILES["quotes"], keep_default_na=False)
    assert list(quotes.columns) == [
        "question",
        "code",
        "rank",
        "quote",
        "district",
        "attribution",
        "redacted",
        "codebook_version",
        "synthetic",
    ]
    assert "other" not in set(quotes["code"]) and quotes.groupby("code").size().max() == 3
    # a district is named only when at least 10 respondents of it gave an answer with that code
    names = {d.code: d.name for d in reg.city.districts}
    coded = result.coded.merge(data.respondents[["respondent", "district"]], on="respondent")
    cells = coded.assign(district=coded["district"].map(names)).groupby(["code", "district"]).size()
    for q in quotes.itertuples():
        if q.attribution == "district":
            assert cells[(q.code, q.district)] >= 10
        else:
            assert q.attribution == "city-wide" and q.district == ""
    assert {"district", "city-wide"} == set(quotes["attribution"])
    # deterministic: the same inputs give the same bytes
    assert main(["survey", "code", "--raw", str(raw), "--out", str(tmp_path / "again")]) == 0
    for name in CODING_FILES.values():
        assert (tmp_path / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    shares = pd.read_csv(tmp_path / CODING_FILES["shares"])
    assert list(shares.columns[5:13]) == ["est", "se", "lci", "uci", "deff", "n", "flag", "suppressed"]
    assert shares["synthetic"].all() and (shares["codebook_version"] == 1.0).all()


def test_district_attribution_threshold_and_leak_guard(survey, coding, monkeypatch):
    ten = [(f"A{i:02d}", "2474011-03", "Więcej zieleni w centrum") for i in range(10)]
    nine = [(f"B{i:02d}", "2474011-04", "Za mało drzew i parków w Przełajce") for i in range(9)]
    data = _tiny(ten + nine)
    coded, _ = code_answers(data, coding, NO_OVERRIDES)
    q = quote_bank(coded, data, coding, survey, {"2474011-03": "Michałkowice", "2474011-04": "Przełajka"})
    assert q[["quote", "district", "attribution"]].values.tolist() == [
        ["Za mało drzew i parków w Przełajce", "", "city-wide"],  # 9 respondents of Przełajka: not named
        ["Więcej zieleni w centrum", "Michałkowice", "district"],  # 10 of Michałkowice
    ]
    leaky = _tiny([("C1", "2474011-03", "Więcej zieleni, mój mail to jan(at)x.pl albo jan@x.pl")])
    coded, _ = code_answers(leaky, coding, NO_OVERRIDES)
    assert "[e-mail]" in quote_bank(coded, leaky, coding, survey)["quote"].iloc[0]
    # should redaction ever miss, the guard refuses to build the bank
    from citybank.survey import coding as engine

    monkeypatch.setattr(engine, "redact", lambda text: (text, []))
    with pytest.raises(CodingError, match=r"would publish personal data \(1 quote\(s\)\); not written"):
        quote_bank(coded, leaky, coding, survey)


# ---------------------------------------------------------------- params


def test_codebook_and_overrides_problems_name_file_and_key(params_copy: Path):
    path = params_copy / "survey_coding.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["questions"][0]["codes"][0]["rules"][0]["any"].append("zieleń 2")
    data["questions"][0]["codes"][1]["lable"] = "x"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    (params_copy / "survey_coding_overrides.csv").write_text(
        "respondent,question,codes,coder,note\nCATI-1,q13,zieleń,AK,\nCATI-1,q13,green,AK,\nCATI-2,q99,green,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    assert sorted(str(p) for p in exc.value.problems) == [
        "params/survey_coding.yml: questions[0].codes[0].rules[0].any: Value error, terms must be words of letters, "
        "a prefix may end in '*', words separated by one space: ['zieleń 2']",
        "params/survey_coding.yml: questions[0].codes[1].lable: unknown key (a typo? see the documented keys of this "
        "file)",
    ]
    data["questions"][0]["codes"][0]["rules"][0]["any"].pop()
    data["questions"][0]["codes"][1].pop("lable")
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    assert sorted(str(p) for p in exc.value.problems) == [
        "params/survey_coding_overrides.csv: row 2, codes: unknown code(s) zieleń; expected codes of q13: green, "
        "public_transport, roads, parking, cycling, air_noise, cleanliness, city_office, leisure, health, housing, "
        "safety, other",
        "params/survey_coding_overrides.csv: row 3: CATI-1 / q13 is overridden twice (also row 2); keep one row per "
        "answer",
        "params/survey_coding_overrides.csv: row 4, coder: empty; every override names the answer and who coded it",
        "params/survey_coding_overrides.csv: row 4, question: 'q99' is not a coded question (q13)",
    ]


# ---------------------------------------------------------------- raking margins from the bank


def _bank(rows: list[tuple[str, str, int, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["variable", "territory", "year", "value"]).assign(dataset="x", source_file="f")


def test_margins_from_the_bank_by_hand_and_the_weights_reproduce_them(survey, data):
    from citybank.errors import UserError
    from citybank.survey.margins import bank_margins

    codes = [f"2474011-0{i}" for i in range(1, 6)]
    bank = _bank(
        [("population_adult", "2474011", 2019, 60_000.0), ("population_adult", "2474011", 2018, 1.0)]
        + [("population_registered", c, 2019, v) for c, v in zip(codes, [1, 2, 3, 4, 10], strict=True)]
    )
    m, sources = bank_margins(survey, bank, "2474011")
    # district shares 1/20, 2/20, 3/20, 4/20, 10/20 of the bank's 60,000 adults
    assert [round(m.district[c]) for c in codes] == [3000, 6000, 9000, 12000, 30000]
    # sex keeps the typed shares (28,600 : 25,400) scaled to 60,000
    assert m.sex == pytest.approx({"K": 60_000 * 28_600 / 54_000, "M": 60_000 * 25_400 / 54_000})
    assert sum(m.age_group.values()) == pytest.approx(60_000)
    d = sources[sources["variable"] == "district"].set_index("level")
    assert d.loc["2474011-05", "bank_share"] == 0.5 and d.loc["2474011-05", "typed_share"] == pytest.approx(
        21_000 / 54_000
    )
    # typed 9.3, 18.9, 20.9, 12.0, 38.9 % against 5, 10, 15, 20, 50 %: only the first is within 5 points
    assert d["beyond_tolerance"].tolist() == [False, True, True, True, True]
    assert d["source"].iloc[0].startswith("bank population_registered 2019")
    w = weight(data.respondents, m, "full")  # raises WeightingError if the achieved margins were off
    assert round(w.weights.sum()) == 60_000 and w.summary["max_margin_difference"] < m.tolerance
    with pytest.raises(UserError, match=r"no population_registered in 2019 for district\(s\) 2474011-05"):
        bank_margins(survey, bank[bank["territory"] != "2474011-05"], "2474011")
    with pytest.raises(UserError, match=r"no population_adult for the city \(2474011\) in 2019"):
        bank_margins(survey, bank[bank["year"] != 2019], "2474011")
