"""Cross-provider consistency: the verdict engine on a hand-made bank, and params/consistency.yml checking."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml
from citybank.consistency import RESULT_COLUMNS, evaluate, summary
from citybank.params import ParamsError, load_params
from citybank.params.consistency import Rule, Tolerance, load_rules
from citybank.params.consistency import check as check_params
from citybank.schema import BANK_COLUMNS

CITY = "2474011"


def bank_rows(rows: list[tuple[str, int, float]], territory: str = CITY) -> pd.DataFrame:
    """A bank frame with BANK_COLUMNS from (variable, year, value) triples; provenance is made up but distinct."""
    recs = []
    for i, (var, year, value) in enumerate(rows, start=2):
        recs.append(
            {
                "variable": var,
                "territory": territory,
                "territory_name": "Siemianowice Śląskie",
                "level": "gmina",
                "year": year,
                "value": value,
                "unit": "persons",
                "flag": "",
                "dataset": f"ds-{var}",
                "provider": f"prov-{var}",
                "source_file": f"{var}/{year}.csv",
                "source_row": i,
                "source_sha256": "0" * 64,
            }
        )
    return pd.DataFrame(recs, columns=list(BANK_COLUMNS)).astype(BANK_COLUMNS)


def rule(**kw) -> Rule:
    base = {
        "id": "r",
        "name": {"pl": "a", "en": "a", "de": "a"},
        "left": "a",
        "right": "b",
        "tolerance": {"relative": 0.02},
        "expected_difference": {"pl": "x", "en": "x", "de": "x"},
        "explained_within": {"relative": 0.10},
        "severity": "warning",
    }
    base.update(kw)
    return Rule.model_validate(base)


def test_verdicts_computed_by_hand():
    # reference b = 1000 each year; allowed without comment: 2% = 20; explained up to 10% = 100
    bank = bank_rows(
        [
            ("a", 2019, 1015),
            ("b", 2019, 1000),  # diff 15  → consistent
            ("a", 2020, 1020),
            ("b", 2020, 1000),  # diff 20  → consistent (the band is inclusive)
            ("a", 2021, 950),
            ("b", 2021, 1000),  # diff -50 → explained
            ("a", 2022, 1250),
            ("b", 2022, 1000),  # diff 250 → inconsistent
            ("a", 2023, 990),  # right missing → not comparable
            ("b", 2024, 1000),  # left missing → not comparable
        ]
    )
    df = evaluate(bank, [rule()], territories={"city": CITY})
    assert list(df.columns) == RESULT_COLUMNS
    assert df["year"].tolist() == [2019, 2020, 2021, 2022, 2023, 2024]
    assert df["verdict"].tolist() == [
        "consistent",
        "consistent",
        "explained",
        "inconsistent",
        "not_comparable",
        "not_comparable",
    ]
    r2021 = df[df["year"] == 2021].iloc[0]
    assert r2021["difference"] == -50.0
    assert r2021["relative_difference"] == pytest.approx(-0.05)
    r2022 = df[df["year"] == 2022].iloc[0]
    assert r2022["relative_difference"] == pytest.approx(0.25)
    assert r2022["severity"] == "warning"
    # provenance of both sides travels with the verdict
    assert r2022["left_dataset"] == "ds-a" and r2022["right_provider"] == "prov-b"
    assert r2022["left_source_file"] == "a/2022.csv" and r2022["right_source_row"] == 9
    # the note says which side is missing
    assert "right (b)" in df[df["year"] == 2023].iloc[0]["note"]
    assert "left (a)" in df[df["year"] == 2024].iloc[0]["note"]
    assert math.isnan(df[df["year"] == 2024].iloc[0]["left_value"])


def test_without_reason_beyond_tolerance_is_inconsistent():
    bank = bank_rows([("a", 2021, 950), ("b", 2021, 1000)])
    r = rule(expected_difference=None, explained_within=None)
    assert evaluate(bank, [r], territories={"city": CITY})["verdict"].tolist() == ["inconsistent"]


def test_absolute_tolerance_and_explicit_years():
    # allowed = max(absolute 30, 1% of 1000 = 10) = 30; 2025 has no data on either side
    bank = bank_rows([("a", 2021, 1030), ("b", 2021, 1000)])
    r = rule(tolerance={"relative": 0.01, "absolute": 30}, explained_within=None, expected_difference=None)
    df = evaluate(bank, [r], years=[2021, 2025], territories={"city": CITY})
    assert df["verdict"].tolist() == ["consistent", "not_comparable"]
    assert "left (a) and right (b)" in df.iloc[1]["note"]


def test_other_territory_rows_are_ignored():
    bank = pd.concat(
        [
            bank_rows([("a", 2021, 1000), ("b", 2021, 1000)]),
            bank_rows([("a", 2021, 5), ("b", 2021, 1000)], territory="2474011-01"),
        ]
    )
    df = evaluate(bank, [rule()], territories={"city": CITY})
    assert df["verdict"].tolist() == ["consistent"] and df["territory"].tolist() == [CITY]


def test_summary_counts_every_verdict():
    bank = bank_rows([("a", 2021, 1000), ("b", 2021, 1000), ("a", 2022, 2000), ("b", 2022, 1000)])
    s = summary(
        evaluate(
            bank,
            [rule(), rule(id="r2", tolerance={"relative": 0.0}, explained_within=None, expected_difference=None)],
            territories={"city": CITY},
        )
    )
    assert s.loc[2021].tolist() == [2, 0, 0, 0]
    assert s.loc[2022].tolist() == [0, 0, 2, 0]


def test_tolerance_band():
    assert Tolerance(relative=0.05).allowed(-200) == 10
    assert Tolerance(relative=0.0, absolute=3).allowed(1000) == 3


def test_rule_model_rejects_incoherent_rules():
    with pytest.raises(ValueError, match="needs expected_difference"):
        rule(expected_difference=None)
    with pytest.raises(ValueError, match="at least as wide"):
        rule(explained_within={"relative": 0.01})
    with pytest.raises(ValueError, match="two different variables"):
        rule(right="a")


def test_shipped_rules_are_valid(reg):
    rules = load_rules(reg)
    assert rules, "params/consistency.yml ships at least one rule"
    ids = [r.id for r in rules]
    assert "population_register_vs_gus" in ids and len(ids) == len(set(ids))
    from citybank.consistency import side_ids

    for r in rules:
        assert all(v in reg.variables for v in side_ids(r.left) + side_ids(r.right))


def test_check_params_names_file_and_key(reg):
    data = yaml.safe_load((reg.root / "consistency.yml").read_text(encoding="utf-8"))
    data["rules"].append({**data["rules"][0], "id": "broken", "right": "no_such_variable", "territory": "Atlantis"})
    data["rules"].append({**data["rules"][0], "id": "typo", "tolerence": {"relative": 0.1}})
    n = len(data["rules"])
    problems = {(p.file, p.key): p.message for p in check_params(reg, data)}
    assert ("params/consistency.yml", f"rules[{n - 2}] (broken).right") in problems
    assert "no_such_variable" in problems[("params/consistency.yml", f"rules[{n - 2}] (broken).right")]
    assert ("params/consistency.yml", f"rules[{n - 2}] (broken).territory") in problems
    assert problems[("params/consistency.yml", f"rules[{n - 1}] (typo).tolerence")].startswith("unknown key")


def test_load_params_reports_a_bad_rule(params_copy):
    path = params_copy / "consistency.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["rules"][0]["severity"] = "catastrophic"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    assert "params/consistency.yml: rules[0] (population_register_vs_gus).severity" in str(exc.value)
    assert "catastrophic" in str(exc.value)


def test_city_value_summed_from_districts_and_sum_sides():
    # register by district only (2 districts: 600 + 390 = 990); GUS by age group (100 + 700 + 200 = 1000)
    bank = pd.concat(
        [
            bank_rows([("reg", 2022, 600)], territory="2474011-01"),
            bank_rows([("reg", 2022, 390)], territory="2474011-02"),
            bank_rows([("reg", 2023, 500)], territory="2474011-01"),  # one district only: no (partial) sum
            bank_rows([("pre", 2022, 100), ("work", 2022, 700), ("post", 2022, 200), ("pre", 2023, 100)]),
        ]
    )
    r = rule(left="reg", right=["pre", "work", "post"])
    df = evaluate(bank, [r], years=[2022, 2023], territories={"city": CITY}, additive={"reg"})
    first = df.iloc[0]
    assert (first["year"], first["left_value"], first["right_value"]) == (2022, 990.0, 1000.0)
    assert first["relative_difference"] == pytest.approx(-0.01) and first["verdict"] == "consistent"
    assert first["right_variable"] == "pre + work + post"
    assert first["right_dataset"] == "ds-pre + ds-work + ds-post" and pd.isna(first["right_source_row"])
    assert first["left_dataset"] == "ds-reg"
    # 2023: a sum needs every part (every district, every age group): both sides are missing
    assert df.iloc[1]["verdict"] == "not_comparable"
    assert "left (reg) and right (pre + work + post)" in df.iloc[1]["note"]
    # a variable that is not additive is never summed from districts
    df2 = evaluate(bank, [r], territories={"city": CITY}, additive=set())
    assert df2[df2["year"] == 2022].iloc[0]["verdict"] == "not_comparable"
