"""The survey's parts as one: the same raking margins for the CLI and the build's stage (the bank's when params ask
for them and the bank is built), the open-answer coding inside the stage, its public tables in the data package —
no phone number or e-mail in any published survey file, no published cell under 10 respondents, a quote's district
named only when at least 10 of its respondents gave that code — and the coded answers on the overview page.

Reads the checkout's prepared data (``make data``: bank, survey results, the 2024 data package); builds nothing."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest
from citybank.params.survey_coding import load_coding
from citybank.paths import PATHS, SURVEY_TABLES, get_paths
from citybank.survey.published import PUBLIC_TABLES

sys.path.insert(0, str(Path(__file__).parent))
from style_rules import page_problems  # noqa: E402

PACKAGE = PATHS.year_report(2024) / "data"
# A Polish phone number (9 digits, grouped 3-3-3 or 2-3-2-2, optionally +48) standing alone — not the digits inside
# a longer number such as a weight 45.384615384, nor a district code 2474011-01 — and an e-mail address.
PHONE = re.compile(
    r"(?<![\d.,])(?:\+48[\s-]?)?(?:\d{3}([\s-]?)\d{3}\1\d{3}|\(?\d{2}\)?([\s-]?)\d{3}\2\d{2}\2\d{2})(?![\d.,])"
)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@pytest.fixture(scope="module")
def published() -> Path:
    if not (PACKAGE / "survey_quotes.csv").is_file():
        pytest.skip("no published survey tables: run `citybank prepare` (make data) first")
    return PACKAGE


def _needs_bank() -> None:
    if not (PATHS.bank / "bank.parquet").is_file() or not PATHS.survey_result("survey_margin_sources").is_file():
        pytest.skip("needs the bank and the survey's results: run `citybank prepare` (make data) first")


# ---------------------------------------------------------------- one set of margins


def test_margins_from_the_bank_when_asked_and_built_typed_otherwise(survey, reg, tmp_path):
    from citybank.bank import load_bank
    from citybank.survey.margins import margins_in_use

    _needs_bank()
    b = survey.margins.bank
    assert b is not None  # the shipped params ask for the bank's margins
    used = margins_in_use(survey, PATHS, reg.city.terc)
    bank = load_bank(years=[b.year])

    def value(var: str, terr: str) -> float:
        rows = bank[(bank["variable"] == var) & (bank["territory"] == terr) & (bank["year"] == b.year)]
        return float(rows["value"].iloc[0])

    adults = value(b.total, reg.city.terc)
    registered = {d: value(b.district, d) for d in survey.margins.district}
    expected = {d: v / sum(registered.values()) * adults for d, v in registered.items()}
    assert used.survey.margins.district == pytest.approx(expected)
    assert sum(used.survey.margins.sex.values()) == pytest.approx(adults)
    flagged = used.sources.loc[used.sources["beyond_tolerance"], "level"].tolist()
    assert flagged == ["2474011-01", "2474011-04", "2474011-05"]  # the typed district split is far off the bank's
    assert len(used.notes) == 1 and "3 typed share(s)" in used.notes[0] and "the bank's are used" in used.notes[0]

    # no bank built: the typed margins, and a note saying so
    bare = margins_in_use(survey, get_paths(tmp_path), reg.city.terc)
    assert bare.survey.margins.district == survey.margins.district
    assert bare.notes == [
        f"margins: typed in params/survey.yml — no bank at {tmp_path / 'data' / 'bank'} yet (`citybank ingest`)"
    ]
    assert set(bare.sources["source"]) == {"params/survey.yml (typed)"}
    # params asking for no bank margins: typed, silently
    plain = survey.model_copy(update={"margins": survey.margins.model_copy(update={"bank": None})})
    none = margins_in_use(plain, PATHS, reg.city.terc)
    assert none.notes == [] and none.survey.margins.district == survey.margins.district


def test_the_stage_and_the_command_weight_to_the_same_margins(survey):
    """The build's survey tables were raked to the bank's margins, the ones `citybank survey weight|estimate|code`
    use; Kish deff ≈ 1.4 (the synthetic respondents' district mix differs from the bank's)."""
    from citybank.cli.survey import _with_bank_margins

    _needs_bank()
    sources = pd.read_parquet(PATHS.survey_result("survey_margin_sources"))
    district = sources[sources["variable"] == "district"]
    assert district["source"].str.startswith("bank population_registered 2019").all()
    margins = pd.read_parquet(PATHS.survey_result("survey_margins"))
    full = margins[margins["scheme"] == "full"]
    cli, cli_sources = _with_bank_margins(survey)
    for var in ("district", "sex", "age_group"):
        stage = full[full["variable"] == var].set_index("level")["target"].to_dict()
        assert stage == pytest.approx(cli.margins.of(var)), var
    assert cli_sources.equals(sources)
    weights = pd.read_parquet(PATHS.survey_result("survey_weights")).set_index("scheme")
    assert 1.3 < float(weights.at["full", "kish_deff"]) < 1.5
    assert float(weights.at["age_sex", "kish_deff"]) < 1.05


def test_the_stage_writes_the_coding_and_keeps_its_microdata_in(survey):
    if not PATHS.survey_result("survey_coded_answers").is_file():
        pytest.skip("no survey results: run `citybank prepare` (make data) first")
    assert {"survey_coded_shares", "survey_coding_agreement", "survey_quotes"} <= set(PUBLIC_TABLES)
    assert not {"survey_coded_answers", "survey_margin_sources", "survey_quarantine", "survey_disclosure_log"} & set(
        PUBLIC_TABLES
    )
    assert set(PUBLIC_TABLES) < set(SURVEY_TABLES)
    coded = pd.read_parquet(PATHS.survey_result("survey_coded_answers"))
    shares = pd.read_parquet(PATHS.survey_result("survey_coded_shares"))
    city = shares[shares["domain_type"] == "city"]
    # the base of every code's share is the respondents who answered; a code's unweighted count is at most that
    answered = coded["respondent"].nunique()
    assert (city["n"] == answered).all() and answered > 100
    per_code = coded.groupby("code")["respondent"].nunique()
    assert set(per_code.index) <= set(city["code"])
    agree = pd.read_parquet(PATHS.survey_result("survey_coding_agreement"))
    pooled = agree[agree["measure"] == "kappa_pooled"].set_index("pair")
    assert list(pooled.index) == ["coder_a vs coder_b", "rules vs coder_a", "rules vs coder_b"]
    # kappa from its own 2×2 margins: (p_o − p_e) / (1 − p_e)
    for r in pooled.itertuples():
        assert r.kappa == pytest.approx((r.agreement - r.expected) / (1 - r.expected), abs=1e-3)


def test_without_a_codebook_the_stage_writes_no_coding(survey, reg, tmp_path, monkeypatch):
    """params/survey_coding.yml removed: the stage writes the survey's tables and the margins' sources, and no stale
    coded table stays behind (reading, weighting and estimating stubbed: this is about what the stage writes)."""
    from types import SimpleNamespace

    from citybank.survey import store

    paths = get_paths(tmp_path)
    monkeypatch.setattr(store, "PATHS", paths)
    monkeypatch.setattr(store, "load_coding", lambda reg: None)
    monkeypatch.setattr(store, "load_survey_data", lambda s, raw: SimpleNamespace(respondents=[], problems=[]))
    monkeypatch.setattr(store, "all_schemes", lambda resp, margins: {})
    base = [
        "survey_shares",
        "survey_eu_comparison",
        "survey_weights",
        "survey_margins",
        "survey_quarantine",
        "survey_disclosure_log",
    ]
    monkeypatch.setattr(store, "build_tables", lambda data, s, w: {n: pd.DataFrame({"x": [1]}) for n in base})
    stale = paths.survey_result("survey_quotes")
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"stale")
    run = store.compute_all(reg)
    assert run is not None and run.notes == [
        f"margins: typed in params/survey.yml — no bank at {paths.bank} yet (`citybank ingest`)"
    ]
    written = sorted(p.stem for p in stale.parent.iterdir())
    assert written == sorted([*base, "survey_margin_sources"])
    sources = pd.read_parquet(paths.survey_result("survey_margin_sources"))
    assert set(sources["source"]) == {"params/survey.yml (typed)"}


# ---------------------------------------------------------------- the published files


def _published_frames(folder: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for p in sorted(folder.glob("survey_*")):
        if p.suffix == ".csv":
            out[p.name] = pd.read_csv(p, dtype=str, keep_default_na=False)
        elif p.suffix == ".parquet":
            out[p.name] = pd.read_parquet(p)
        elif p.suffix == ".xlsx":
            for sheet, frame in pd.read_excel(p, sheet_name=None, header=None, dtype=str).items():
                out[f"{p.name}[{sheet}]"] = frame.fillna("")
    return out


def test_no_phone_number_or_email_in_any_published_survey_file(published, survey):
    import pyreadstat
    from citybank.sample.survey import PII_ANSWER

    # the check can fail: the telephone export holds an answer with a phone number, and the patterns find one
    cati, _ = pyreadstat.read_sav(str(PATHS.raw / "survey" / "cati_2020.sav"))
    assert PII_ANSWER in set(cati["q13"]) and PHONE.search(PII_ANSWER)
    assert EMAIL.search("pisz na jan.kowalski@example.com") and PHONE.search("tel. +48 32 765 43 21")
    assert not PHONE.search("45.384615384 1234567890 12 000 2474011-01")
    frames = _published_frames(published)
    names = {n.split("[")[0] for n in frames}
    public = [t for t in PUBLIC_TABLES if t != "survey_numeric" or survey.numeric_questions]  # only when asked
    assert {f"{t}.{ext}" for t in public for ext in ("csv", "parquet", "xlsx")} == names
    for name, frame in frames.items():
        cells = [str(c) for c in frame.columns] + [str(v) for v in frame.astype(str).to_numpy().ravel()]
        for cell in cells:
            assert not PHONE.search(cell), (name, cell)
            assert not EMAIL.search(cell), (name, cell)
    text = " ".join((published / n).read_text(encoding="utf-8") for n in sorted(names) if n.endswith(".csv"))
    assert "[telefon]" in text  # the planted answer is published only redacted


def test_no_published_cell_under_ten_respondents(published, survey):
    minimum = survey.disclosure.min_count
    for t in [t for t in PUBLIC_TABLES if t != "survey_numeric" or survey.numeric_questions]:
        frame = pd.read_csv(published / f"{t}.csv")
        for col in [c for c in frame.columns if c == "n" or c.startswith("n_")]:
            assert (frame[col].dropna() >= minimum).all(), (t, col)
        if "suppressed" in frame:
            hidden = frame[frame["suppressed"]]
            values = [c for c in ("est", "se", "lci", "uci", "mean", "median", "n") if c in frame]
            assert hidden[values].isna().all().all(), t
            assert (frame.loc[frame["n"].notna(), "n"] >= minimum).all()
    coded = pd.read_csv(published / "survey_coded_shares.csv")
    assert set(coded["domain_type"]) == {"city", "district"} and coded["synthetic"].all()
    assert list(coded.columns[5:13]) == ["est", "se", "lci", "uci", "deff", "n", "flag", "suppressed"]


def test_quotes_name_a_district_only_with_ten_respondents_of_its_code(published, survey, reg):
    from citybank.survey import load_survey_data

    quotes = pd.read_csv(published / "survey_quotes.csv", keep_default_na=False)
    assert {"district", "city-wide"} == set(quotes["attribution"])  # both kinds occur: the check can fail
    coded = pd.read_parquet(PATHS.survey_result("survey_coded_answers"))
    districts = load_survey_data(survey, PATHS.raw).respondents.set_index("respondent")["district"]
    names = {d.code: d.name for d in reg.city.districts}
    cells = coded.assign(district=coded["respondent"].map(districts).map(names)).groupby(["code", "district"]).size()
    for q in quotes.itertuples():
        if q.attribution == "district":
            assert cells[(q.code, q.district)] >= survey.disclosure.quote_min_district, (q.code, q.district)
        else:
            assert q.district == ""
    # below the threshold somewhere: a code whose quote is city-wide although its author's district is known
    assert (cells < survey.disclosure.quote_min_district).any()


def test_coded_tables_in_the_data_package(published):
    package = json.loads((published / "datapackage.json").read_text(encoding="utf-8"))
    res = {r["name"]: r for r in package["resources"]}
    for slug in ("survey-coded-shares", "survey-coding-agreement", "survey-quotes"):
        assert {slug, f"{slug}-parquet", f"{slug}-xlsx"} <= set(res), slug
        assert "SYNTHETIC" in res[slug]["description"] and "SYNTETYCZNE" in res[slug]["description_pl"]
    fields = {f["name"]: f["description"] for f in res["survey-coded-shares"]["schema"]["fields"]}
    assert fields["est"].startswith("Share of those who answered whose answer has this code")
    fields = {f["name"]: f["description"] for f in res["survey-quotes"]["schema"]["fields"]}
    assert fields["district"].startswith("The author's district — only when at least 10")
    assert not list(published.glob("survey_coded_answers*")) and not list(published.glob("survey_margin_sources*"))
    agree = pd.read_csv(published / "survey_coding_agreement.csv", keep_default_na=False)
    assert len(pd.read_excel(published / "survey_coding_agreement.xlsx", sheet_name=0)) == len(agree)


# ---------------------------------------------------------------- the overview page


def test_kappa_and_coding_sentences_by_hand():
    import citybank.narrative as nv

    assert [nv.kappa_words(k, "en") for k in (-0.05, 0.0, 0.2, 0.21, 0.4, 0.6, 0.8, 0.81)] == [
        "no agreement beyond chance",
        "no agreement beyond chance",
        "slight agreement",
        "fair agreement",
        "fair agreement",
        "moderate agreement",
        "substantial agreement",
        "almost perfect agreement",
    ]
    assert nv.survey_agreement_sentence(0.8734, 66, [0.79, 0.9], "pl") == (
        "Dwóch koderów zakodowało niezależnie 66 odpowiedzi: kappa Cohena między nimi wynosi 0,87 (zgodność niemal "
        "pełna w skali Landisa i Kocha). Same reguły, przed poprawkami, w porównaniu z każdym z koderów: kappa 0,79 "
        "(zgodność znaczna) i 0,90 (zgodność niemal pełna)."
    )
    assert nv.survey_agreement_sentence(0.5, 40, [0.45, 0.55], "en").endswith(
        "against each coder: kappa 0.45 and 0.55 (moderate agreement)."
    )
    assert nv.survey_agreement_sentence(None, 0, [], "de").startswith("Die Übereinstimmung der Kodierung wurde nicht")
    assert nv.survey_coding_sentence("Was sollte verbessert werden?", 1260, "1.0", "de").startswith(
        "1.260 Befragte beantworteten die offene Frage „Was sollte verbessert werden?“. Die Antworten wurden nach dem "
        "Kodierschema in der Version 1.0"
    )


def test_overview_page_shows_the_coded_open_answers(reg):
    """In Polish here; test_survey_report checks every language's page against the style rules."""
    if not PATHS.survey_result("survey_coded_shares").is_file():
        pytest.skip("no survey results: run `citybank prepare` (make data) first")
    from citybank import views

    lang = "pl"
    coding = load_coding(reg)
    page = views.survey_overview(2024, lang)
    f = views.survey_facts(2024).coded
    assert f is not None and f.coding.version == coding.version
    labels = {c.code: c.label.get(lang) for c in coding.questions[0].codes}
    # codes by their share, largest first, the fallback ("other") last, labelled from the codebook
    est = f.shares["est"].tolist()
    assert est[:-1] == sorted(est[:-1], reverse=True) and f.shares["code"].iloc[-1] == "other"
    assert page.open_table.iloc[:, 0].tolist() == [labels[c] for c in f.shares["code"]]
    assert page.open_table.columns[1] == views.t("survey.table.code_share", lang)
    assert page.open_chart is not None and page.open_chart.problems == []
    assert f"{coding.version}" in page.open_answers and str(f.answered) in page.open_answers
    assert views.t("survey.kappa.almost_perfect", lang) in page.open_agreement
    lines = page.quotes.split("\n\n")
    assert len(lines) == 4 and all(line.startswith("> ") for line in lines)
    for line, q in zip(lines, f.quotes.itertuples(), strict=True):
        assert q.quote in line and labels[q.code] in line
        assert line.endswith(q.district or views.t("survey.coding.city_wide", lang))
    assert "[telefon]" not in page.quotes  # a quote as written is preferred to a redacted one
    text = "\n".join([page.open_answers, page.open_agreement, page.open_table.to_string(), page.open_chart.alt])
    assert page_problems(text, lang) == []
