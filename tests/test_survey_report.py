"""The residents' survey in the build, the published data, the pages and the strategy: the pipeline's survey stage,
the published tables' columns and disclosure safety, the pages' words in each language, survey items as strategy
indicators (hand-checked), the plan and the report chapter. Reads the checkout's prepared data (``make data``)
where a test says so; builds nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from citybank.params import ParamsError, load_params
from citybank.params.strategy import load_strategy
from citybank.paths import PATHS, RESULT_FILES, SURVEY_TABLES
from citybank.sample.survey import survey_files
from citybank.survey.disclosure import recomputable
from citybank.survey.published import PUBLIC_TABLES
from citybank.survey.tables import apply_suppression

sys.path.insert(0, str(Path(__file__).parent))
from style_rules import page_problems  # noqa: E402

LANGS = ("pl", "en", "de")


@pytest.fixture(scope="module")
def published() -> Path:
    out = PATHS.year_report(2024) / "data"
    if not (out / "survey_shares.csv").is_file():
        pytest.skip("no published survey tables: run `citybank prepare` (make data) first")
    return out


# ---------------------------------------------------------------- the build's stage


def test_pipeline_stage_writes_the_tables_and_a_broken_survey_is_listed(survey, tmp_path, monkeypatch):
    from citybank import pipeline
    from citybank.params import registry
    from citybank.paths import get_paths

    reg = registry()
    raw = tmp_path / "data" / "raw"
    for rel, data in survey_files(survey):
        (raw / rel).parent.mkdir(parents=True, exist_ok=True)
        (raw / rel).write_bytes(data)
    monkeypatch.setattr("citybank.survey.store.PATHS", get_paths(tmp_path))  # raw files and results in tmp_path
    stage = pipeline.Stage("survey")
    pipeline.survey_stage(reg, stage)
    assert stage.failures == []
    for name in SURVEY_TABLES:  # the bundled survey asks no numeric question: no table of them
        written = (tmp_path / "data" / "results" / "survey" / f"{name}.parquet").is_file()
        assert written == (name != "survey_numeric" or bool(survey.numeric_questions)), name
    shares = pd.read_parquet(tmp_path / "data/results/survey/survey_shares.parquet")
    assert len(shares) == 12 * 3 * 8 and shares["synthetic"].all()

    # a missing export: listed as the stage's failure, the stale tables removed, nothing raised
    (raw / "survey/cati_2020.sav").unlink()
    broken = pipeline.Stage("survey")
    pipeline.survey_stage(reg, broken)
    assert len(broken.failures) == 1 and broken.failures[0].startswith("survey: survey file(s) not found: ")
    assert "cati_2020.sav" in broken.failures[0]
    assert not (tmp_path / "data" / "results" / "survey").exists()


def test_result_files_declared_once():
    assert PATHS.result("survey") == PATHS.survey_result("survey_shares")
    assert RESULT_FILES["survey"] == "survey/survey_shares.parquet"
    assert set(PUBLIC_TABLES) < set(SURVEY_TABLES)
    assert not {"survey_quarantine", "survey_disclosure_log"} & set(PUBLIC_TABLES)  # never published
    with pytest.raises(KeyError):
        PATHS.survey_result("survey_answers")


# ---------------------------------------------------------------- published tables


def test_published_tables_columns_formats_and_synthetic_mark(published):
    import json

    shares = pd.read_csv(published / "survey_shares.csv")
    assert list(shares.columns) == [
        "question",
        "theme",
        "item",
        "scheme",
        "domain_type",
        "domain",
        "est",
        "se",
        "lci",
        "uci",
        "deff",
        "n",
        "flag",
        "suppressed",
        "significant",
        "synthetic",
    ]
    assert shares["synthetic"].all()
    assert set(shares["scheme"]) == {"unweighted", "age_sex", "full"}
    assert pd.read_parquet(published / "survey_shares.parquet")[["est", "n"]].equals(
        shares[["est", "n"]].astype({"n": "Int64"}) if shares["n"].isna().any() else shares[["est", "n"]]
    )
    xlsx = pd.read_excel(published / "survey_shares.xlsx", sheet_name=0)
    assert len(xlsx) == len(shares) and list(xlsx.columns) == list(shares.columns)
    package = json.loads((published / "datapackage.json").read_text(encoding="utf-8"))
    res = {r["name"]: r for r in package["resources"]}
    for name in [t for t in PUBLIC_TABLES if t != "survey_numeric"]:  # the bundled survey asks no numeric question
        assert not (published / "survey_numeric.csv").exists()
        slug = name.replace("_", "-")
        assert {slug, f"{slug}-parquet", f"{slug}-xlsx"} <= set(res), name
        assert "SYNTHETIC" in res[slug]["description"] and "SYNTETYCZNE" in res[slug]["description_pl"]
    fields = {f["name"]: f for f in res["survey-shares"]["schema"]["fields"]}
    assert fields["est"]["description"].startswith("Share satisfied / agreeing (top-2-box")
    assert not list(published.glob("survey_quarantine*")) and not list(published.glob("survey_disclosure*"))
    eu = pd.read_csv(published / "survey_eu_comparison.csv")
    assert list(eu.columns[7:12]) == ["Białystok", "Gdańsk", "Kraków", "Warszawa", "all_cities"]
    assert not eu["benchmark_verified"].any()


def test_published_shares_are_disclosure_safe(published, survey):
    """No cell with fewer than 10 respondents carries a value, and no suppressed cell can be recomputed from the
    published ones and the city's total (checked on every question × scheme × breakdown of the published file)."""
    shares = pd.read_csv(published / "survey_shares.csv")
    valued = shares[shares[["est", "se", "lci", "uci", "n"]].notna().any(axis=1)]
    assert (valued["n"] >= survey.disclosure.min_count).all()
    assert not valued["suppressed"].any()
    hidden = shares[shares["suppressed"]]
    assert hidden[["est", "se", "lci", "uci", "deff", "n", "significant"]].isna().all().all()
    for (_, _, dtype), part in shares[shares["domain_type"] != "city"].groupby(["question", "scheme", "domain_type"]):
        table = pd.DataFrame({"n": 1}, index=list(part["domain"]) + ["Total"]).assign(Total=1)
        mask = pd.DataFrame(False, index=table.index, columns=table.columns)
        mask.loc[list(part.loc[part["suppressed"], "domain"]), :] = True
        assert recomputable(table, mask) == [], (dtype, part["domain"].tolist())


def test_suppression_of_districts_and_modes_by_the_disclosure_module():
    # Bańgów (7) is primary; the smallest other district (Bytków, 23) protects it; CATI 9 takes CAWI with it.
    rows = [
        ("city", "city", 80),
        ("district", "Bańgów", 7),
        ("district", "Bytków", 23),
        ("district", "Przełajka", 50),
        ("mode", "CATI", 9),
        ("mode", "CAWI", 71),
    ]
    est = pd.DataFrame(
        {
            "question": "q01",
            "scheme": "full",
            "domain_type": [r[0] for r in rows],
            "domain": [r[1] for r in rows],
            "n": [r[2] for r in rows],
            "est": 0.5,
            "se": 0.1,
            "lci": 0.3,
            "uci": 0.7,
            "deff": 1.0,
            "flag": "ok",
            "significant": False,
        }
    )
    out, log = apply_suppression(est, 10)
    assert out["suppressed"].tolist() == [False, True, True, False, True, True]
    assert out.loc[out["suppressed"], ["est", "n", "significant"]].isna().all().all()
    assert (out.loc[out["suppressed"], "flag"] == "suppressed").all() and out.loc[0, "n"] == 80
    assert log[["domain", "rule"]].values.tolist() == [
        ["Bańgów", "primary"],
        ["Bytków", "secondary"],
        ["CATI", "primary"],
        ["CAWI", "secondary"],
    ]
    tiny = est.assign(n=[8, 3, 2, 3, 4, 4])  # a city base under 10: the whole question
    out, log = apply_suppression(tiny, 10)
    assert out["suppressed"].all() and log["domain"].tolist() == ["city"]


# ---------------------------------------------------------------- strategy indicators from survey items


def test_strategy_indicator_from_a_survey_item_by_hand(reg):
    from citybank.strategy import evaluate, survey_values

    strat = load_strategy(reg)
    ind = next(i for _, _, i in strat.indicators() if i.id == "transport_satisfaction")
    assert (ind.survey, ind.unit, ind.baseline.year, ind.baseline.value) == ("q02", "%", 2020, 61.0)
    shares = pd.DataFrame(
        {
            "question": ["q02", "q02", "q02", "q11"],
            "scheme": ["full", "unweighted", "full", "full"],
            "domain_type": ["city", "city", "district", "city"],
            "domain": ["city", "city", "x", "city"],
            "est": [61.0, 60.0, 10.0, 51.6],
        }
    )
    sv = survey_values(reg, shares)
    assert sv.values.tolist() == [["q02", 2020, 61.0, "residents_2020"], ["q11", 2020, 51.6, "residents_2020"]]
    # a second survey in 2024 measures 71.0: the straight path 61.0 → 75.0 (2020 → 2030) expects
    # 61.0 + 14 · 4/10 = 66.6 in 2024; progress ratio (71.0 − 61.0) / (66.6 − 61.0) = 10 / 5.6 = 1.7857 → on track
    sv2 = pd.concat([sv, pd.DataFrame([["q02", 2024, 71.0, "residents_2024"]], columns=sv.columns)])
    bank = pd.DataFrame(
        columns=["variable", "territory", "year", "value", "dataset", "provider", "source_file", "source_row"]
    )
    df = evaluate(bank, strat, [2020, 2022, 2024], survey_values=sv2, territories={"city": reg.city.terc})
    rows = df[df["indicator"] == "transport_satisfaction"].set_index("year")
    assert rows.loc[2020, "status"] == "baseline" and rows.loc[2020, "actual"] == 61.0
    assert rows.loc[2022, "status"] == "no_data"
    assert rows.loc[2024, "expected"] == pytest.approx(66.6)
    assert rows.loc[2024, "progress_ratio"] == pytest.approx(10 / 5.6)
    assert rows.loc[2024, "status"] == "on_track" and rows.loc[2024, "dataset"] == "residents_2024"
    # a suppressed share (no value) is no data, not a zero
    df = evaluate(bank, strat, [2020], survey_values=sv.assign(value=float("nan")), territories={"city": reg.city.terc})
    assert df.loc[df["indicator"] == "transport_satisfaction", "status"].tolist() == ["no_data"]


def test_strategy_reads_the_survey_result_file(reg):
    if not PATHS.result("survey").is_file():
        pytest.skip("no survey results: run `citybank prepare` (make data) first")
    from citybank.strategy import results

    shares = pd.read_parquet(PATHS.result("survey"))
    q02 = shares[(shares["question"] == "q02") & (shares["scheme"] == "full") & (shares["domain_type"] == "city")]
    row = results(2020)
    row = row[row["indicator"] == "transport_satisfaction"].iloc[0]
    assert row["actual"] == q02["est"].iloc[0] and row["status"] == "baseline"


def test_survey_indicator_params_are_checked(params_copy: Path):
    path = params_copy / "strategy.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    ind = data["goals"][-1]["operational_goals"][0]["indicators"][0]
    ind["survey"] = "q13"  # the open question: not a share
    ind["territory"] = "powiat"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    text = sorted(str(p) for p in exc.value.problems)
    key = "params/strategy.yml: goals[2] (quality_of_life).operational_goals[0] (quality_of_life.services).indicators[0] (transport_satisfaction)"
    assert text == [
        f"{key}.survey: unknown survey question 'q13'; expected a closed question of params/survey.yml: q01, q02, "
        "q03, q04, q05, q06, q07, q08, q09, q10, q11, q12",
        f"{key}.territory: a survey indicator is the city's share: territory city",
    ]
    data["goals"][-1]["operational_goals"][0]["indicators"][1]["variable"] = "deaths"  # survey and variable
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    assert [str(p) for p in exc.value.problems] == [
        "params/strategy.yml: goals[2].operational_goals[0].indicators[1]: Value error, give exactly one of "
        "'variable' (a canonical variable), 'iso' (an ISO 37120 id) or 'survey' (a question of params/survey.yml)"
    ]


def test_themes_cover_every_closed_question_once(params_copy: Path):
    path = params_copy / "survey.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["themes"][0]["questions"] = ["q01", "q09", "q02", "q13"]
    data["themes"][2]["questions"] = ["q10", "q11"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    assert sorted(str(p) for p in exc.value.problems) == [
        "params/survey.yml: themes: question 'q02' must be in exactly one theme (found in 2)",
        "params/survey.yml: themes: question 'q12' must be in exactly one theme (found in 0)",
        "params/survey.yml: themes[0] (city_life).questions: 'q13' is not a closed question; expected one of: q01, "
        "q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12",
    ]


# ---------------------------------------------------------------- plan, pages, chapter


def test_plan_and_chapter_have_the_survey_pages(reg):
    from citybank.render import book
    from citybank.runner import plan

    tasks = {t.id: t for t in plan(2024, reg)}
    for lang in LANGS:
        assert tasks[f"{lang}/survey-overview"].notebook == "notebooks/survey_overview.ipynb"
        for theme in ("city_life", "services", "city_office"):
            task = tasks[f"{lang}/survey-{theme}"]
            assert task.parameters == {"year": 2024, "lang": lang, "theme": theme}
            assert "data/results/survey/survey_shares.parquet" in task.inputs and "params/survey.yml" in task.inputs
    cats = [(slug, c.name.model_dump()) for slug, c in reg.categories.items()]
    inp = book.BookInputs(PATHS, 2024, reg.city.name, cats, book.iso_catalogue(reg.extra["iso37120"], []), True, reg)
    chapter = [(p.id, title, p.section, p.level, p.group) for p, title in book.chapter_plan(inp, "de")]
    assert [c for c in chapter if c[2] == "survey"] == [
        ("survey-overview", "Bewohnerbefragung", "survey", 1, None),
        ("survey-city_life", "Leben in der Stadt", "survey", 1, "survey-overview"),
        ("survey-services", "Öffentliche Dienstleistungen", "survey", 1, "survey-overview"),
        ("survey-city_office", "Information und Stadtverwaltung", "survey", 1, "survey-overview"),
    ]
    # in the printed report's order, which the plan follows too: after strategy, before consistency
    assert [c[0] for c in chapter].index("survey-overview") == [c[0] for c in chapter].index("strategy") + 1
    ids = [t.id for t in plan(2024, reg) if t.id.startswith("de/")]
    assert ids.index("de/survey-overview") == ids.index("de/strategy") + 1
    assert ids[:2] == ["de/overview", "de/residents"]


def _page_text(page) -> str:
    parts = []
    for value in vars(page).values():
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, pd.DataFrame):
            parts.append(" ".join(map(str, value.columns)) + "\n" + value.to_string(index=False))
        elif isinstance(value, dict):
            parts += [str(v) for v in value.values()]
        elif isinstance(value, list):
            for title, sentence, table, chart in value:
                parts += [title, sentence, " ".join(map(str, table.columns)), table.to_string(index=False), chart.alt]
        elif hasattr(value, "alt"):
            parts.append(value.alt)
    return "\n".join(parts)


@pytest.mark.parametrize("lang", LANGS)
def test_survey_pages_in_each_language(lang):
    if not PATHS.result("survey").is_file():
        pytest.skip("no survey results: run `citybank prepare` (make data) first")
    from citybank import views

    page = views.survey_overview(2024, lang)
    assert page.items_chart.problems == []
    # issue 24: the EU figures of params/survey.yml are not the Commission's published results (verified: false) —
    # no comparison is drawn, and the page says why
    assert page.eu_chart is None and page.eu.empty
    assert page.eu_story == views.t("survey.eu_not_verified", lang, year=2023)
    assert page_problems(_page_text(page), lang) == []
    assert views.t("survey.synthetic", lang) in page.note
    # the rules as applied: disclosure (bases under 10), reliability classes with their CV thresholds, variance
    rules = {"pl": ("mniej niż 10 osób", "CV do 16,6%", "powyżej 33,3%", "linearyzacji Taylora"),
             "en": ("fewer than 10 people", "CV up to 16.6%", "above 33.3%", "Taylor-linearised"),
             "de": ("weniger als 10 Personen", "CV bis 16,6\u00a0%", "über 33,3\u00a0%", "Taylor-linearisiert")}[lang]  # fmt: skip
    for words in rules:
        assert words in page.note, words
    assert views.t("survey.variance_calibration", lang) not in page.note  # the bundled survey: fixed weights
    for theme in ("city_office",):  # the end-to-end test checks every page; one theme keeps this test short
        tp = views.survey_theme(theme, 2024, lang)
        assert page_problems(_page_text(tp), lang) == [], theme
        assert len(tp.districts) == 3 and "Bańgów" in tp.districts[0][2].iloc[:, 0].tolist()
        assert all(chart.problems == [] for *_, chart in tp.districts)
        significance = {views.t("survey.significant", lang), views.t("survey.not_significant", lang)}
        for _, sentence, table, _ in tp.districts:
            assert set(table[views.t("survey.table.difference", lang)]) <= significance
            assert sentence  # every breakdown says whether its differences are significant


def test_survey_page_words_by_hand():
    import citybank.narrative as nv

    assert nv.survey_district_sentence("Transport publiczny", [], ["Bańgów", "Przełajka"], "pl") == (
        "„Transport publiczny”: istotna różnica (p < 0,05) — niżej: Bańgów i Przełajka; różnice pozostałych "
        "dzielnic nie są istotne statystycznie."
    )
    assert nv.survey_district_sentence("Sport facilities", [], [], "en") == (
        "“Sport facilities”: the differences between districts are not significant (p ≥ 0.05) — they lie within "
        "the sample's random error."
    )
    assert nv.survey_scheme_sentence(0.5, "Sportanlagen", "de").startswith(
        "Die Gewichtung verändert die Anteile um höchstens 0,5\u00a0Pp. („Sportanlagen“)"
    )


@pytest.mark.parametrize("lang", LANGS)
def test_survey_rules_say_the_variance_method_of_params(survey, lang):
    from citybank import views
    from citybank.views.pages.survey import survey_rules

    fixed = survey_rules(survey, lang)
    calibrated = survey_rules(survey.model_copy(update={"variance": "calibration"}), lang)
    assert fixed[-1] == views.t("survey.rule.variance", lang) and survey.variance == "fixed_weights"
    assert calibrated[-1] == views.t("survey.variance_calibration", lang) and calibrated[:-1] == fixed[:-1]
