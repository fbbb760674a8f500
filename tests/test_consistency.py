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


def test_sum_sides_and_no_partial_sum_of_districts():
    # the register by district only: the engine never sums districts (the bank derives a city total, in one
    # place, only when every district has a value); GUS by age group (100 + 700 + 200 = 1000)
    bank = pd.concat(
        [
            bank_rows([("reg", 2022, 600)], territory="2474011-01"),
            bank_rows([("reg", 2022, 390)], territory="2474011-02"),
            bank_rows([("reg", 2023, 1005)]),
            bank_rows([("pre", 2022, 100), ("work", 2022, 700), ("post", 2022, 200), ("pre", 2023, 100)]),
            bank_rows([("work", 2023, 700), ("post", 2023, 200)]),
        ]
    )
    r = rule(left="reg", right=["pre", "work", "post"])
    df = evaluate(bank, [r], years=[2022, 2023], territories={"city": CITY}, explain=lambda v, t, y: f"why {v} {t} {y}")
    first, second = df.iloc[0], df.iloc[1]
    assert first["verdict"] == "not_comparable" and math.isnan(first["left_value"])
    assert first["note"] == f"no value in 2022 for left (reg): why reg {CITY} 2022"
    assert (second["left_value"], second["right_value"]) == (1005.0, 1000.0)
    assert second["relative_difference"] == pytest.approx(0.005) and second["verdict"] == "consistent"
    assert second["right_variable"] == "pre + work + post"
    assert second["right_dataset"] == "ds-pre + ds-work + ds-post" and pd.isna(second["right_source_row"])
    # a sum needs every part: a year without one of the age groups is not comparable, naming both sides
    df2 = evaluate(bank[bank["variable"] != "post"], [r], territories={"city": CITY})
    assert df2[df2["year"] == 2023].iloc[0]["note"] == "no value in 2023 for right (pre + work + post)"


def test_missing_city_total_names_the_missing_district_and_the_quarantined_row(reg):
    from citybank.bank import missing_value_reason
    from citybank.ingest.validate import quarantine_frame

    districts = [d.code for d in reg.city.districts]
    bank = pd.concat([bank_rows([("population_registered", 2023, 9000)], territory=d) for d in districts[1:]])
    quarantine = quarantine_frame(
        [
            {
                "dataset": "um-ludnosc-dzielnice",
                "source_file": "um-ewidencja/zameldowani_2023.csv",
                "source_row": 4,
                "column": "Dzielnica",
                "value": "X",
                "check": "allowed_values",
                "reason": "'X' is not a district",
                "expected": "a district",
                "year": 2023,
            },
            {
                "dataset": "um-ludnosc-dzielnice",
                "source_file": "um-ewidencja/zameldowani_2022.csv",
                "source_row": 9,
                "column": "Dzielnica",
                "value": "Y",
                "check": "allowed_values",
                "reason": "'Y' is not a district",
                "expected": "a district",
                "year": 2022,
            },
        ]
    )
    why = missing_value_reason(bank, quarantine, reg, "population_registered", reg.city.terc, 2023)
    first = reg.city.districts[0]
    assert why == (
        f"no city total: 4 of 5 districts have a value, {first.name} ({first.code}) has none (the sum of the "
        "others would be a partial total); row 4 of um-ewidencja/zameldowani_2023.csv quarantined "
        "('X' is not a district)"
    )
    assert missing_value_reason(bank, quarantine, reg, "registered_unemployed", reg.city.terc, 2023) == (
        "no value in the bank"
    )


def test_sample_2023_register_comparison_is_not_comparable_not_a_partial_sum():
    from citybank import consistency
    from citybank.bank import load_bank

    res = consistency.results(2023, refresh=True)
    row = res[res["rule"] == "population_register_vs_gus"].iloc[0]
    assert row["verdict"] == "not_comparable" and math.isnan(row["left_value"])
    assert "Michałkowice (2474011-03) has none" in row["note"]
    assert "row 4 of um-ewidencja/zameldowani_2023.csv quarantined" in row["note"]
    bank = load_bank(variables=["population_registered"])
    assert not ((bank["territory"] == "2474011") & (bank["year"] == 2023)).any()  # no city total in the bank
