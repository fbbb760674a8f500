"""The real ISO 37120:2018 catalogue (params/iso37120.yml) and the variables it uses (params/variables.yml).

Structure against the reference list in ../shared, variables against the registry, and a few formulas evaluated
by the indicator engine on hand-made bank values whose results were computed by hand.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
import yaml
from citybank import indicators as ind
from citybank.params import iso37120
from test_indicators import bank_rows

NOT_APPLICABLE = {"5.8", "16.7", "21.2"}
# the CSV's type column → (type, type_verified); blank = new in 2018, type not known
CSV_TYPES = {
    "core?": ("core", False),
    "supporting?": ("supporting", False),
    "": ("supporting", False),
    "core": ("core", True),
    "supporting": ("supporting", True),
    "profile": ("profile", True),
}


@pytest.fixture(scope="module")
def raw(root: Path) -> dict:
    return yaml.safe_load((root / "params" / "iso37120.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def catalogue(raw: dict) -> ind.Catalogue:
    return ind.parse_catalogue(raw)


@pytest.fixture(scope="module")
def reference(shared: Path) -> list[dict[str, str]]:
    path = shared / "reference" / "iso37120_indicators.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_catalogue_passes_the_params_check(raw: dict, reg):
    assert [str(p) for p in iso37120.check(reg, raw)] == []


def test_counts_themes_and_levels(catalogue: ind.Catalogue):
    types = [i.type for i in catalogue.indicators]
    assert len(types) == 128
    assert sum(t != "profile" for t in types) == 104
    assert types.count("profile") == 24
    assert [t.id for t in catalogue.themes] == [str(n) for n in range(5, 24)]
    # from bronze up WCCD asks for all core indicators (46 in the 2014 list): here all core ones of the catalogue,
    # so every level can be reached
    n_core = types.count("core")
    assert [(lv.id, lv.min_core, lv.min_total) for lv in catalogue.certification.levels] == [
        ("aspirational", 30, 30),
        ("bronze", n_core, 46),
        ("silver", n_core, 60),
        ("gold", n_core, 70),
        ("platinum", n_core, 80),
    ]
    # profile indicators are the x.y.z sub-clauses, and only they
    assert all((i.type == "profile") == (i.id.count(".") == 2) for i in catalogue.indicators)


def test_ids_themes_and_types_follow_the_reference_list(catalogue: ind.Catalogue, reference: list[dict[str, str]]):
    assert [i.id for i in catalogue.indicators] == [r["clause"] for r in reference]
    keys = {t.id: t.key for t in catalogue.themes}
    assert {(r["clause"].split(".")[0], r["theme"]) for r in reference} == set(keys.items())
    for item, row in zip(catalogue.indicators, reference, strict=True):
        assert (item.type, item.type_verified) == CSV_TYPES[row["type"]], item.id
    by_id = catalogue.by_id
    assert (by_id["17.1"].type, by_id["17.2"].type, by_id["17.3"].type) == ("core", "supporting", "supporting")


def test_exactly_three_indicators_are_not_applicable(catalogue: ind.Catalogue):
    na = {i.id for i in catalogue.indicators if i.not_applicable is not None}
    assert na == NOT_APPLICABLE
    assert all(catalogue.by_id[c].formula is None for c in na)


def test_every_formula_variable_is_defined(catalogue: ind.Catalogue, reg):
    used = {v for i in catalogue.indicators if i.formula for v in i.formula.variables}
    assert len(used) > 140  # 125 indicators with a formula, most with two variables of their own
    assert sorted(used - set(reg.variables)) == []


def test_every_text_has_three_distinct_languages(catalogue: ind.Catalogue, reg):
    texts = [(f"variable {v.id}", v.name) for v in reg.variables.values()]
    texts += [(f"variable {v.id} definition", v.definition) for v in reg.variables.values()]
    texts += [
        (f"indicator {i.id}", t)
        for i in catalogue.indicators
        for t in (i.name, i.method_note, i.not_applicable)
        if t is not None
    ]
    texts += [(f"theme {t.id}", t.name) for t in catalogue.themes]
    for where, t in texts:
        assert t.pl.strip() and t.en.strip() and t.de.strip(), where
    # definitions and notes are translated, not copied (names like 'Bronze' or 'Transport' may coincide)
    long_texts = [(w, t) for w, t in texts if len(t.en) > 40]
    assert [w for w, t in long_texts if t.pl == t.en or t.de == t.en] == []
    polish = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"
    assert sum(any(c in polish for c in t.pl) for _, t in long_texts) > 0.9 * len(long_texts)


def test_every_iso_theme_is_covered_by_a_category(catalogue: ind.Catalogue, reg):
    in_categories = {k for c in reg.categories.values() for k in c.iso_themes}
    keys = {t.key for t in catalogue.themes}
    assert sorted(keys - in_categories) == []
    assert sorted(in_categories - keys) == []  # a misspelt theme in categories.yml would match nothing


def test_variables_without_a_dataset_are_the_documented_ones(catalogue: ind.Catalogue, reg, root: Path):
    """The header comment of params/variables.yml lists the variables no dataset provides; it must stay true."""
    text = (root / "params" / "variables.yml").read_text(encoding="utf-8")
    header = text.split("\nvariables:\n", 1)[0]
    block = header.split("census years:", 1)[1].split("\n#\n", 1)[0]  # the list ends at the paragraph break
    listed = set(re.findall(r"[a-z0-9]+(?:_[a-z0-9]+)+", block))
    provided = set(ind.variable_sources(reg))
    used = {v for i in catalogue.indicators if i.formula for v in i.formula.variables}
    assert len(listed) == 25
    assert sorted(used - provided) == sorted(listed)


def test_hand_computed_values(catalogue: ind.Catalogue):
    """Population 50 000 (49 500 a year before): the engine's results equal the values computed by hand."""
    rows = [
        ("population_total", "C", 2023, 49_500),
        ("population_total", "C", 2024, 50_000),
        ("registered_businesses", "C", 2024, 6_250),  # 6 250 / 50 000 × 100 000 = 12 500
        ("water_household_m3", "C", 2024, 1_825_000),  # 36.5 m³ a person a year = 100 litres a day
        ("expenditure_culture", "C", 2024, 3_000_000),
        ("expenditure_sport", "C", 2024, 1_500_000),
        ("expenditure_total", "C", 2024, 300_000_000),  # 4.5 M / 300 M = 1.5 %
        ("deaths_under5", "C", 2024, 2),
        ("live_births", "C", 2024, 400),  # 2 / 400 × 1000 = 5
        ("area_km2", "C", 2024, 25.5),  # 50 000 / 25.5 = 1960.784…
    ]
    res = ind.compute(bank_rows(rows), catalogue, years=[2024]).set_index("id")
    expected = {
        "5.5": 12_500.0,
        "23.3": 100.0,
        "17.2": 1.5,
        "11.4": 5.0,
        "13.4.1": 100 * (50_000 / 49_500 - 1),
        "21.5.1": 50_000 / 25.5,
    }
    for clause, value in expected.items():
        assert res.loc[clause, "status"] == "reported", clause
        assert res.loc[clause, "value"] == pytest.approx(value, rel=1e-9), clause
    assert res.loc["13.4.1", "value"] == pytest.approx(1.0101, abs=1e-4)
    assert res.loc["5.8", "status"] == "not_applicable"
    assert res.loc["5.2", "status"] == "not_available"  # property values: no data


def test_unemployment_rates_need_the_labour_force_never_the_working_age_population(catalogue: ind.Catalogue, reg):
    """5.1 and 5.4 divide by the (youth) labour force as the standard does; no Polish source gives it for the city,
    so both are 'not available' and the to-do list names the missing variable with no dataset."""
    assert catalogue.by_id["5.1"].formula.denominator == ["labour_force"]
    assert catalogue.by_id["5.4"].formula.denominator == ["youth_labour_force"]
    assert reg.variables["youth_labour_force"].kind == "count"
    assert "youth_labour_force" not in ind.variable_sources(reg) and "labour_force" not in ind.variable_sources(reg)
    # everything else is in the bank: 826 registered unemployed (88 under 25), 35 578 of working age
    rows = [
        ("registered_unemployed", "C", 2024, 826),
        ("registered_unemployed_under25", "C", 2024, 88),
        ("population_working", "C", 2024, 35_578),  # 88 / 35 578 = 0.25 %: the old, wrong denominator
        ("population_total", "C", 2024, 62_817),
    ]
    res = ind.compute(bank_rows(rows), catalogue, years=[2024])
    r = res.set_index("id").loc["5.4"]
    assert r["status"] == "not_available" and r["value"] != r["value"]  # NaN: no value with a wrong denominator
    assert r["missing"] == "youth_labour_force"
    assert r["reason_en"] == "no data for youth_labour_force (2024)"
    assert res.set_index("id").loc["5.1", "missing"] == "labour_force"
    cert = ind.certification_level(res, catalogue, "C", 2024, reg=reg)
    todo = {t["id"]: t for t in cert["todo"]}
    assert todo["5.4"]["missing"] == ["youth_labour_force"]
    assert todo["5.4"]["sources"] == [
        {"variable": "youth_labour_force", "dataset": "no dataset", "provider": "no dataset"}
    ]
    assert todo["5.1"]["sources"] == [{"variable": "labour_force", "dataset": "no dataset", "provider": "no dataset"}]
    for clause in ("5.1", "5.4"):  # the note says the numerator is a proxy and why there is no value
        note = catalogue.by_id[clause].method_note
        assert "proxy" in note.en and "not available" in note.en, clause
        assert "przybliżeniem" in note.pl and "Näherung" in note.de, clause


def test_percent_results_are_shares_0_100_except_changes(catalogue: ind.Catalogue):
    """Every '%' indicator is a share (0–100) unless it is a change, which declares its own range."""
    pct = [i for i in catalogue.indicators if i.unit == "%" and i.formula is not None]
    not_shares = {i.id: (i.bounds.min, i.bounds.max) for i in pct if (i.bounds.min, i.bounds.max) != (0, 100)}
    assert not_shares == {"5.9.2": (-100, None), "8.9": (-100, None), "13.4.1": (None, None)}


def test_adults_are_compared_with_total_minus_ages_0_17(raw: dict, reg):
    """10.3 divides by GUS residents aged 18+; a consistency rule compares them with working + post-working age
    (everyone aged 18 and over), and the note names that rule (by its name, never its id) in each language."""
    from citybank.consistency import evaluate
    from citybank.params.consistency import load_rules

    rule = {r.id: r for r in load_rules(reg)}["population_adult_vs_age_groups"]
    assert rule.left == "population_adult" and rule.right == ["population_working", "population_post_working"]
    bank = bank_rows(
        [
            ("population_adult", "C", 2024, 52_616),
            ("population_working", "C", 2024, 35_578),
            ("population_post_working", "C", 2024, 17_372),  # 35 578 + 17 372 = 52 950 = 62 817 − 9 867
            ("population_adult", "C", 2023, 52_950),
            ("population_working", "C", 2023, 35_578),
            ("population_post_working", "C", 2023, 17_372),
        ]
    )
    got = evaluate(bank, [rule], territories={"city": "C"}).set_index("year")
    assert got.loc[2023, "verdict"] == "consistent"
    assert got.loc[2024, "verdict"] == "inconsistent"  # 52 616 − 52 950 = −334, −0.63 % > 0.1 %
    assert got.loc[2024, "right_value"] == 52_950
    item = next(i for i in raw["indicators"] if i["id"] == "10.3")
    assert item["formula"]["denominator"] == ["population_adult"]
    for lang in ("pl", "en", "de"):
        note = item["method_note"][lang]
        assert rule.name.get(lang) in note and "population_adult_vs_age_groups" not in note
