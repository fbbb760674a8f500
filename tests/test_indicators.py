"""The ISO 37120 indicator engine: catalogue checks, formulas, statuses, coverage, certification, outputs."""

from __future__ import annotations

import copy
import csv
import json
import math
import time
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml
from citybank import indicators as ind
from citybank.params import iso37120
from citybank.schema import BANK_COLUMNS

T3 = {"pl": "x", "en": "x", "de": "x"}

# A small catalogue in the real file's shape: one indicator of each kind, one not applicable, one profile.
FIXTURE_YAML = """
certification:
  note: {pl: schemat WCCD 2014, en: 2014 WCCD scheme, de: WCCD-Schema 2014}
  levels:
    - {id: aspirational, name: {pl: Aspiracyjny, en: Aspirational, de: Anfang}, min_core: 1, min_total: 1}
    - {id: bronze, name: {pl: Brązowy, en: Bronze, de: Bronze}, min_core: 2, min_total: 2}
    - {id: gold, name: {pl: Złoty, en: Gold, de: Gold}, min_core: 2, min_total: 4}
themes:
  - {id: "5", key: Economy, name: {pl: Gospodarka, en: Economy, de: Wirtschaft}}
  - {id: "13", key: Population, name: {pl: Ludność, en: Population, de: Bevölkerung}}
  - {id: "21", key: Planning, name: {pl: Planowanie, en: Planning, de: Planung}}
indicators:
  - id: "5.1"
    theme: "5"
    type: core
    name: {pl: Bezrobocie, en: Unemployment proxy, de: Arbeitslosigkeit}
    unit: "%"
    direction: lower
    formula: {kind: ratio, numerator: [registered_unemployed],
              denominator: [registered_unemployed, population_working], multiplier: 100}
    source_pl: PUP + GUS
  - id: "5.8"
    theme: "5"
    type: supporting
    name: {pl: Lotnisko, en: Air connectivity, de: Flugverbindungen}
    unit: count
    direction: higher
    source_pl: brak
    not_applicable: {pl: brak lotniska, en: no airport in the city, de: kein Flughafen}
  - id: "13.4.1"
    theme: "13"
    type: profile
    name: {pl: Zmiana liczby ludności, en: Annual population change, de: Bevölkerungsänderung}
    unit: "%"
    direction: neutral
    formula: {kind: change, numerator: [population_pre_working, population_working, population_post_working],
              multiplier: 100}
    source_pl: GUS LUDN
  - id: "13.10"
    theme: "13"
    type: core
    name: {pl: Ludność, en: Population, de: Bevölkerung}
    unit: persons
    direction: neutral
    formula: {kind: value, numerator: [population_pre_working, population_working, population_post_working]}
    source_pl: GUS LUDN
  - id: "21.2"
    theme: "21"
    type: supporting
    name: {pl: Gęstość, en: Density per 100 000, de: Dichte}
    unit: per 100 000
    direction: neutral
    formula: {kind: ratio, numerator: [live_births], denominator: [population_total], multiplier: 100000}
    source_pl: GUS
"""


def fixture_catalogue() -> ind.Catalogue:
    return ind.parse_catalogue(yaml.safe_load(FIXTURE_YAML))


def bank_rows(rows: list[tuple[str, str, int, float]], dataset: str = "ds", provider: str = "prov") -> pd.DataFrame:
    """A bank in schema.BANK_COLUMNS shape from (variable, territory, year, value) tuples."""
    df = pd.DataFrame(rows, columns=["variable", "territory", "year", "value"])
    df["territory_name"] = "T" + df["territory"]
    df["level"] = "gmina"
    df["unit"] = "persons"
    df["flag"] = ""
    df["dataset"] = dataset
    df["provider"] = provider
    df["source_file"] = "raw/" + df["variable"] + ".csv"
    df["source_row"] = range(2, len(df) + 2)
    df["source_sha256"] = "0" * 64
    return df[list(BANK_COLUMNS)].astype(BANK_COLUMNS)


TINY = bank_rows(
    [
        ("registered_unemployed", "A", 2020, 50),
        ("population_working", "A", 2020, 950),
        ("registered_unemployed", "A", 2021, 30),
        ("population_working", "A", 2021, 970),
        ("population_pre_working", "A", 2020, 200),
        ("population_post_working", "A", 2020, 300),
        ("population_pre_working", "A", 2021, 210),
        ("population_post_working", "A", 2021, 320),
        ("live_births", "A", 2021, 12),
        ("population_total", "A", 2021, 1500),
        # territory B: no unemployment data in 2021, zero population_total in 2021
        ("registered_unemployed", "B", 2020, 10),
        ("population_working", "B", 2020, 90),
        ("population_working", "B", 2021, 100),
        ("live_births", "B", 2021, 3),
        ("population_total", "B", 2021, 0),
    ]
)


def row(res: pd.DataFrame, iid: str, terr: str, year: int) -> pd.Series:
    sel = res[(res["id"] == iid) & (res["territory"] == terr) & (res["year"] == year)]
    assert len(sel) == 1, (iid, terr, year, len(sel))
    return sel.iloc[0]


# ---------------------------------------------------------------- formulas


def test_ratio_value_change_against_hand_computed_values():
    res = ind.compute(TINY, fixture_catalogue())
    assert list(res.columns) == ind.RESULT_COLUMNS
    assert len(res) == 5 * 2 * 2  # indicators × territories × years
    r = row(res, "5.1", "A", 2021)
    assert r["status"] == "reported"
    assert r["value"] == pytest.approx(30 / (30 + 970) * 100)  # 3.0 %
    assert (r["numerator"], r["denominator"]) == (30, 1000)
    assert row(res, "5.1", "A", 2020)["value"] == pytest.approx(50 / 1000 * 100)
    r = row(res, "13.10", "A", 2021)
    assert r["value"] == 210 + 970 + 320 and r["status"] == "reported" and math.isnan(r["denominator"])
    r = row(res, "13.4.1", "A", 2021)
    assert r["value"] == pytest.approx((1500 / 1450 - 1) * 100)  # 2020: 200 + 950 + 300 = 1450
    assert (r["numerator"], r["denominator"]) == (1500, 1450)
    assert row(res, "21.2", "A", 2021)["value"] == pytest.approx(12 / 1500 * 100000)  # 800.0


def test_not_available_lists_the_missing_variables_and_years():
    res = ind.compute(TINY, fixture_catalogue())
    r = row(res, "5.1", "B", 2021)
    assert r["status"] == "not_available" and math.isnan(r["value"])
    assert r["missing"] == "registered_unemployed"
    assert r["reason_en"] == "no data for registered_unemployed (2021)"
    r = row(res, "13.10", "B", 2020)
    assert r["missing"] == "population_pre_working; population_post_working"
    # change in the first year: the previous year is absent from the bank
    r = row(res, "13.4.1", "A", 2020)
    assert r["status"] == "not_available"
    assert r["missing"] == "population_pre_working; population_working; population_post_working"
    assert "population_working (2019)" in r["reason_en"]
    assert row(res, "21.2", "A", 2020)["missing"] == "live_births; population_total"


def test_zero_denominator_is_not_available_with_a_reason():
    r = row(ind.compute(TINY, fixture_catalogue()), "21.2", "B", 2021)
    assert r["status"] == "not_available" and math.isnan(r["value"])
    assert r["missing"] == "" and r["reason_en"] == "the denominator is zero"
    assert (r["numerator"], r["denominator"]) == (3, 0)


def test_change_with_zero_previous_value_is_not_available():
    bank = bank_rows(
        [
            (v, "Z", y, 0.0 if y == 2020 else 5.0)
            for y in (2020, 2021)
            for v in ("population_pre_working", "population_working", "population_post_working")
        ]
    )
    r = row(ind.compute(bank, fixture_catalogue(), years=[2021]), "13.4.1", "Z", 2021)
    assert r["status"] == "not_available" and r["reason_en"] == "the previous year's value is zero"


def test_not_applicable_rows_carry_the_catalogue_reason():
    res = ind.compute(TINY, fixture_catalogue())
    na = res[res["id"] == "5.8"]
    assert len(na) == 4 and set(na["status"]) == {"not_applicable"}
    assert set(na["reason_en"]) == {"no airport in the city"} and na["value"].isna().all()


def test_change_reads_the_previous_year_even_when_not_requested():
    res = ind.compute(TINY, fixture_catalogue(), years=[2021], territories=["A"])
    assert set(res["year"]) == {2021} and set(res["territory"]) == {"A"}
    assert row(res, "13.4.1", "A", 2021)["value"] == pytest.approx((1500 / 1450 - 1) * 100)


def test_inputs_give_the_provenance_of_every_value_used():
    res = ind.compute(TINY, fixture_catalogue())
    inputs = json.loads(row(res, "5.1", "A", 2021)["inputs"])
    assert inputs == [
        {
            "dataset": "ds",
            "provider": "prov",
            "source_file": "raw/registered_unemployed.csv",
            "source_row": 4,
            "value": 30.0,
            "variable": "registered_unemployed",
            "year": 2021,
        },
        {
            "dataset": "ds",
            "provider": "prov",
            "source_file": "raw/population_working.csv",
            "source_row": 5,
            "value": 970.0,
            "variable": "population_working",
            "year": 2021,
        },
    ]
    change = json.loads(row(res, "13.4.1", "A", 2021)["inputs"])
    assert sorted((d["variable"], d["year"]) for d in change) == sorted(
        (v, y)
        for v in ("population_pre_working", "population_working", "population_post_working")
        for y in (2020, 2021)
    )
    assert json.loads(row(res, "5.1", "B", 2021)["inputs"])[0]["variable"] == "population_working"
    assert row(res, "5.8", "A", 2021)["inputs"] == "[]"


def test_requested_territory_without_data_gets_not_available_rows():
    res = ind.compute(TINY, fixture_catalogue(), territories=["A", "NONE"], years=[2021])
    r = row(res, "5.1", "NONE", 2021)
    assert r["status"] == "not_available" and r["missing"] == "registered_unemployed; population_working"


def test_duplicate_bank_rows_are_refused_with_a_clear_message():
    bank = pd.concat([TINY, TINY.head(1)], ignore_index=True)
    with pytest.raises(ValueError, match=r"repeat a \(variable, territory, year\): registered_unemployed A 2020"):
        ind.compute(bank, fixture_catalogue())


def test_vectorised_over_many_territories():
    """1 000 territories × 5 years in one pass; every value checked against its closed form."""
    n, years = 1000, range(2016, 2021)
    rows = []
    for k in range(n):
        for y in years:
            rows += [
                ("registered_unemployed", f"T{k:04d}", y, float(k + y % 7)),
                ("population_working", f"T{k:04d}", y, float(1000 + k)),
                ("population_pre_working", f"T{k:04d}", y, float(100 + k + y)),
                ("population_post_working", f"T{k:04d}", y, 50.0),
                ("live_births", f"T{k:04d}", y, 7.0),
                ("population_total", f"T{k:04d}", y, float(700 + k)),
            ]
    bank = bank_rows(rows)
    start = time.perf_counter()
    res = ind.compute(bank, fixture_catalogue())
    elapsed = time.perf_counter() - start
    assert len(res) == 5 * n * 5
    assert elapsed < 20, f"compute took {elapsed:.1f} s for {n} territories"
    r51 = res[res["id"] == "5.1"].set_index(["territory", "year"])
    for k in (0, 417, 999):
        for y in years:
            u, w = k + y % 7, 1000 + k
            assert r51.loc[(f"T{k:04d}", y), "value"] == pytest.approx(u / (u + w) * 100)
    ch = res[(res["id"] == "13.4.1") & (res["year"] > 2016)]
    k = ch["territory"].str.slice(1).astype(int)
    expected = ((100 + k + ch["year"] + 1000 + k + 50) / (100 + k + ch["year"] - 1 + 1000 + k + 50) - 1) * 100
    assert (ch["status"] == "reported").all()
    assert ch["value"].to_numpy() == pytest.approx(expected.to_numpy())


# ---------------------------------------------------------------- a real BDL export (every gmina)


def read_ctab(path: Path, variables: dict[str, str]) -> pd.DataFrame:
    """Minimal independent CTAB parser: header cells '<dims>;<year>;[unit]' → bank rows for mapped dims."""
    rows = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        header = next(reader)
        for line_no, cells in enumerate(reader, start=2):
            code, name = cells[0], cells[1]
            for head, cell in zip(header[2:], cells[2:], strict=False):
                parts = head.split(";")
                if len(parts) < 3:  # the empty cell after a trailing ';'
                    continue
                dims, year = ";".join(parts[:-2]), int(parts[-2])
                if dims in variables and cell.strip():
                    rows.append((variables[dims], code, year, float(cell.replace(",", ".")), name, line_no))
    df = pd.DataFrame(rows, columns=["variable", "territory", "year", "value", "territory_name", "source_row"])
    df["level"], df["unit"], df["flag"] = "gmina", "persons", ""
    df["dataset"], df["provider"], df["source_file"] = path.stem, "gus", path.name
    df["source_sha256"] = ""
    return df[list(BANK_COLUMNS)].astype(BANK_COLUMNS)


def test_real_bdl_exports_every_gmina(national_dir: Path):
    exports = national_dir
    ludn = read_ctab(
        exports / "LUDN_population_by_economic_age_2010-2019.csv",
        {
            "w wieku przedprodukcyjnym;ogółem": "population_pre_working",
            "w wieku produkcyjnym;ogółem": "population_working",
            "w wieku poprodukcyjnym;ogółem": "population_post_working",
        },
    )
    ryne = read_ctab(exports / "RYNE_1944_registered_unemployed_2003-2024.csv", {"ogółem": "registered_unemployed"})
    bank = pd.concat([ludn, ryne], ignore_index=True)
    cat = fixture_catalogue()
    # a custom formula: registered unemployed per 100 persons of working age
    data = yaml.safe_load(FIXTURE_YAML)
    data["indicators"].append(
        {
            "id": "5.20",
            "theme": "5",
            "type": "supporting",
            "name": T3,
            "unit": "%",
            "direction": "lower",
            "source_pl": "RYNE + LUDN",
            "formula": {
                "kind": "ratio",
                "numerator": ["registered_unemployed"],
                "denominator": ["population_working"],
                "multiplier": 100,
            },
        }
    )
    cat = ind.parse_catalogue(data)
    start = time.perf_counter()
    res = ind.compute(bank, cat, years=list(range(2015, 2020)))
    elapsed = time.perf_counter() - start
    territories = res["territory"].nunique()
    assert territories > 2400  # every gmina, powiat, voivodeship and Poland
    assert elapsed < 30
    # Siemianowice Śląskie (2474011), values typed from its rows in the two files
    r = row(res, "5.20", "2474011", 2019)
    assert r["value"] == pytest.approx(888 / 39361 * 100)
    assert row(res, "5.20", "2474011", 2015)["value"] == pytest.approx(2464 / 42503 * 100)
    # pre-working + working + post-working (the mobile / non-mobile columns split "working" again)
    pop19, pop18 = 11000 + 39361 + 16480, 10996 + 39990 + 16168
    r = row(res, "13.4.1", "2474011", 2019)
    assert (r["numerator"], r["denominator"]) == (pop19, pop18)
    assert r["value"] == pytest.approx((66841 / 67154 - 1) * 100)  # −0.47 %
    assert row(res, "13.10", "2474011", 2015)["value"] == 10889 + 42503 + 14839
    # peers: Katowice and Chorzów
    assert row(res, "5.20", "2469011", 2019)["value"] == pytest.approx(2233 / 171439 * 100)
    assert row(res, "13.4.1", "2463011", 2016)["value"] == pytest.approx(
        ((18541 + 66208 + 24649) / (18543 + 66975 + 24239) - 1) * 100
    )
    prov = json.loads(row(res, "5.20", "2474011", 2019)["inputs"])
    assert {p["source_file"] for p in prov} == {
        "RYNE_1944_registered_unemployed_2003-2024.csv",
        "LUDN_population_by_economic_age_2010-2019.csv",
    }
    # the powiat row 2474000 has unemployment but no LUDN data → not available, with the reason
    r = row(res, "5.20", "2474000", 2019)
    assert r["status"] == "not_available" and r["missing"] == "population_working"


# ---------------------------------------------------------------- coverage and certification


def hand_results(statuses: dict[str, str], territory: str = "C", year: int = 2024) -> pd.DataFrame:
    rows = [
        {
            "id": i,
            "territory": territory,
            "year": year,
            "status": s,
            "missing": "" if s != "not_available" else "registered_unemployed; population_total",
        }
        for i, s in statuses.items()
    ]
    return pd.DataFrame(rows)


def fake_reg() -> SimpleNamespace:
    ds = SimpleNamespace(id="pup-bezrobocie", provider="pup", variables=["registered_unemployed"])
    return SimpleNamespace(datasets={"pup-bezrobocie": ds})


def test_coverage_counts_per_theme_and_type():
    res = hand_results({"5.1": "reported", "5.8": "not_applicable", "13.4.1": "reported", "13.10": "not_available"})
    cov = ind.coverage(res, fixture_catalogue(), "C", 2024)
    got = {
        (r.theme, r.type): (r.reported, r.not_available, r.not_applicable, r.total, r.applicable)
        for r in cov.itertuples()
    }
    # 21.2 is absent from the results: counted as not available
    assert got == {
        ("5", "core"): (1, 0, 0, 1, 1),
        ("5", "supporting"): (0, 0, 1, 1, 0),
        ("13", "core"): (0, 1, 0, 1, 1),
        ("13", "profile"): (1, 0, 0, 1, 1),
        ("21", "supporting"): (0, 1, 0, 1, 1),
    }
    share = dict(zip(zip(cov["theme"], cov["type"], strict=True), cov["share"], strict=True))
    assert share[("5", "core")] == 1.0 and share[("13", "core")] == 0.0 and share[("21", "supporting")] == 0.0
    assert math.isnan(share[("5", "supporting")])  # only a not-applicable indicator: no share, never 0 of 1


def test_shares_of_reported_indicators_exclude_not_applicable_ones():
    """5 indicators: 3 reported, 1 not available, 1 not applicable → 3 of 4 applicable (75 %), never 3 of 5."""
    from citybank.cli.data import summary_line

    statuses = {
        "5.1": "reported",
        "5.8": "not_applicable",
        "13.4.1": "reported",
        "13.10": "not_available",
        "21.2": "reported",
    }
    cat = fixture_catalogue()
    cov = ind.coverage(hand_results(statuses), cat, "C", 2024)
    assert (int(cov["reported"].sum()), int(cov["applicable"].sum()), int(cov["total"].sum())) == (3, 4, 5)
    assert cov["reported"].sum() / cov["applicable"].sum() == 0.75
    cert = ind.certification_level(hand_results(statuses), cat, "C", 2024, reg=fake_reg())
    # core: 5.1 reported, 13.10 not available; supporting: 21.2 reported, 5.8 not applicable
    assert (cert["count_core"], cert["count_supporting"], cert["count_total"]) == (1, 1, 2)
    assert (cert["applicable_core"], cert["applicable_supporting"], cert["applicable_profile"]) == (2, 1, 1)
    assert cert["applicable_total"] == 3  # 5.8 is not counted
    assert cert["share_core"] == 0.5 and cert["share_total"] == 2 / 3
    table = pd.DataFrame(
        {"id": list(statuses), "type": [cat.by_id[i].type for i in statuses], "status": list(statuses.values())}
    )
    assert summary_line(table, cert) == (
        "reported 2 of 3 applicable numbered indicators; core 1 of 2; supporting 1 of 1; profile 1 of 1; "
        "1 not applicable; certification estimate: Aspirational (2014 WCCD scheme)"
    )
    # nothing applicable: no share (None in the JSON-ready certification dict), not 0 %
    only_na = ind.certification_level(
        hand_results({"5.8": "not_applicable"}), ind.parse_catalogue(_only_not_applicable()), "C", 2024, reg=fake_reg()
    )
    assert (only_na["applicable_total"], only_na["share_total"], only_na["share_core"]) == (0, None, None)


def _only_not_applicable() -> dict:
    data = yaml.safe_load(FIXTURE_YAML)
    data["indicators"] = [i for i in data["indicators"] if i["id"] == "5.8"]
    return data


# ---------------------------------------------------------------- valid range of results


def _range_catalogue() -> ind.Catalogue:
    """The fixture plus a share (22.1, unit '%': 0–100 by default) and a '%' change with its own range (8.9)."""
    data = yaml.safe_load(FIXTURE_YAML)
    data["themes"] += [
        {"id": "8", "key": "Environment", "name": {"pl": "Środowisko", "en": "Environment", "de": "Umwelt"}},
        {"id": "22", "key": "Wastewater", "name": {"pl": "Ścieki", "en": "Wastewater", "de": "Abwasser"}},
    ]
    data["indicators"] += [
        {
            "id": "22.1",
            "theme": "22",
            "type": "core",
            "name": {"pl": "Kanalizacja", "en": "Sewerage", "de": "Kanalisation"},
            "unit": "%",
            "direction": "higher",
            "formula": {
                "kind": "ratio",
                "numerator": ["population_sewerage"],
                "denominator": ["population_total"],
                "multiplier": 100,
            },
            "source_pl": "GUS",
        },
        {
            "id": "8.9",
            "theme": "8",
            "type": "supporting",
            "name": {"pl": "Gatunki", "en": "Species", "de": "Arten"},
            "unit": "%",
            "direction": "higher",
            "formula": {"kind": "value", "numerator": ["native_species_change_pct"]},
            "valid_range": {"min": -100},
            "source_pl": "brak",
        },
    ]
    return ind.parse_catalogue(data)


def test_a_share_outside_0_100_is_not_available_never_published():
    bank = bank_rows(
        [
            ("population_sewerage", "A", 2024, 1100),  # 1100 / 1000 = 110 % → not available
            ("population_total", "A", 2024, 1000),
            ("population_sewerage", "B", 2024, 930),  # 93 %
            ("population_total", "B", 2024, 1000),
            ("population_sewerage", "C", 2024, 1000),  # exactly 100 % is valid
            ("population_total", "C", 2024, 1000),
            ("native_species_change_pct", "A", 2024, -12.5),  # a loss: valid down to -100
            ("native_species_change_pct", "B", 2024, -150),
        ]
    )
    cat = _range_catalogue()
    res = ind.compute(bank, cat, years=[2024])
    r = row(res, "22.1", "A", 2024)
    assert r["status"] == "not_available" and math.isnan(r["value"])
    assert r["reason_en"] == "value outside the valid range 0–100 %: check the inputs"
    assert r["missing"] == "" and (r["numerator"], r["denominator"]) == (1100, 1000)  # the inputs stay traceable
    assert len(json.loads(r["inputs"])) == 2
    assert (row(res, "22.1", "B", 2024)["status"], row(res, "22.1", "B", 2024)["value"]) == ("reported", 93.0)
    assert (row(res, "22.1", "C", 2024)["status"], row(res, "22.1", "C", 2024)["value"]) == ("reported", 100.0)
    assert (row(res, "8.9", "A", 2024)["status"], row(res, "8.9", "A", 2024)["value"]) == ("reported", -12.5)
    r = row(res, "8.9", "B", 2024)
    assert r["status"] == "not_available" and math.isnan(r["value"])
    assert r["reason_en"] == "value outside the valid range at least -100 %: check the inputs"
    # a '%' change is not a share: 13.4.1 may be negative
    assert cat.by_id["13.4.1"].bounds.unbounded and cat.by_id["22.1"].bounds.max == 100
    # the to-do list says why the indicator is missing although no variable is
    cert = ind.certification_level(res, cat, "A", 2024, reg=fake_reg())
    item = next(t for t in cert["todo"] if t["id"] == "22.1")
    assert item["missing"] == [] and item["reason"] == "value outside the valid range 0–100 %: check the inputs"


def test_a_negative_population_change_is_reported():
    bank = bank_rows(
        [
            (v, "A", y, n)
            for y, ns in ((2023, (100, 600, 300)), (2024, (90, 590, 300)))
            for v, n in zip(
                ("population_pre_working", "population_working", "population_post_working"), ns, strict=True
            )
        ]
    )
    r = row(ind.compute(bank, fixture_catalogue(), years=[2024]), "13.4.1", "A", 2024)
    assert r["status"] == "reported" and r["value"] == pytest.approx(-2.0)  # 980 / 1000 - 1


def test_certification_level_and_todo_list():
    res = hand_results(
        {
            "5.1": "reported",
            "5.8": "not_applicable",
            "13.4.1": "reported",
            "13.10": "not_available",
            "21.2": "not_available",
        }
    )
    cert = ind.certification_level(res, fixture_catalogue(), "C", 2024, reg=fake_reg())
    assert (cert["count_core"], cert["count_supporting"], cert["count_profile"], cert["count_total"]) == (1, 0, 1, 1)
    assert cert["level"]["id"] == "aspirational" and cert["level"]["name"]["en"] == "Aspirational"
    nxt = cert["next_level"]
    assert (nxt["id"], nxt["needs_core"], nxt["needs_total"]) == ("bronze", 1, 1)
    assert [t["id"] for t in cert["todo"]] == ["13.10", "21.2"]  # core first
    assert cert["todo"][0]["missing"] == ["registered_unemployed", "population_total"]
    assert cert["todo"][0]["sources"] == [
        {"variable": "registered_unemployed", "dataset": "pup-bezrobocie", "provider": "pup"},
        {"variable": "population_total", "dataset": "no dataset", "provider": "no dataset"},
    ]
    assert cert["providers"] == {"no dataset": ["13.10", "21.2"], "pup": ["13.10", "21.2"]}


def test_certification_levels_none_and_top():
    cat = fixture_catalogue()
    none = ind.certification_level(hand_results({"21.2": "reported"}), cat, "C", 2024, reg=fake_reg())
    assert none["level"] is None and none["next_level"]["id"] == "aspirational"
    assert none["next_level"]["needs_core"] == 1 and none["next_level"]["needs_total"] == 0
    # two core + one supporting reported = 3 of the 4 total gold needs → bronze, gold needs one more
    res = hand_results({"5.1": "reported", "13.10": "reported", "21.2": "reported", "5.8": "not_applicable"})
    cert = ind.certification_level(res, cat, "C", 2024, reg=fake_reg())
    assert cert["level"]["id"] == "bronze" and cert["next_level"]["needs_total"] == 1
    assert cert["todo"] == []


# ---------------------------------------------------------------- outputs


def test_indicator_table_is_sorted_by_clause():
    data = yaml.safe_load(FIXTURE_YAML)
    extra = copy.deepcopy(data["indicators"][2])
    for clause in ("13.4.10", "13.4.9", "13.9", "5.9.1"):
        item = copy.deepcopy(extra)
        item["id"], item["theme"] = clause, clause.split(".")[0]
        data["indicators"].append(item)
    cat = ind.parse_catalogue(data)
    res = ind.compute(TINY, cat)
    table = ind.indicator_table(2021, territory="A", res=res, catalogue=cat)
    assert list(table["id"]) == ["5.1", "5.8", "5.9.1", "13.4.1", "13.4.9", "13.4.10", "13.9", "13.10", "21.2"]
    for col in (
        "id",
        "theme",
        "type",
        "status",
        "value",
        "unit",
        "name_pl",
        "name_en",
        "name_de",
        "numerator",
        "denominator",
        "missing",
    ):
        assert col in table.columns
    assert table.set_index("id").loc["5.1", "value"] == pytest.approx(3.0)


def test_indicator_json_files_shape_and_bytes(tmp_path: Path):
    cat = fixture_catalogue()
    res = ind.compute(TINY, cat)
    paths = ind.write_indicator_files(2021, tmp_path / "a", territory="A", res=res, catalogue=cat)
    assert [p.name for p in paths] == ["5.1.json", "5.8.json", "13.4.1.json", "13.10.json", "21.2.json"]
    doc = json.loads((tmp_path / "a" / "5.1.json").read_text(encoding="utf-8"))
    assert set(doc) == {"meta", "data"}
    meta = doc["meta"]
    assert {"id", "name", "unit", "theme", "update_frequency", "status", "source"} <= set(meta)
    assert meta["id"] == "5.1" and meta["name"]["de"] == "Arbeitslosigkeit" and meta["update_frequency"] == "annual"
    assert meta["status"] == "reported" and meta["datasets"] == ["ds"] and meta["theme"]["id"] == "5"
    assert doc["data"] == [
        {"year": 2020, "value": 5.0, "status": "reported"},
        {"year": 2021, "value": 3.0, "status": "reported"},
    ]
    change = json.loads((tmp_path / "a" / "13.4.1.json").read_text(encoding="utf-8"))
    assert change["data"][0] == {"year": 2020, "value": None, "status": "not_available"}
    only_2020 = ind.write_indicator_files(2020, tmp_path / "c", territory="A", res=res, catalogue=cat)
    assert [d["year"] for d in json.loads(only_2020[0].read_text())["data"]] == [2020]
    again = ind.write_indicator_files(2021, tmp_path / "b", territory="A", res=res, catalogue=cat)
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]


# ---------------------------------------------------------------- catalogue checks


def problems_of(data: dict, tmp_path: Path) -> list[str]:
    reg = SimpleNamespace(
        root=tmp_path / "params",
        variables={
            v: None
            for v in (
                "registered_unemployed",
                "population_working",
                "population_pre_working",
                "population_post_working",
                "population_total",
                "live_births",
            )
        },
    )
    return [str(p) for p in iso37120.check(reg, data)]


def test_fixture_catalogue_is_clean(tmp_path: Path):
    assert problems_of(yaml.safe_load(FIXTURE_YAML), tmp_path) == []


@pytest.mark.parametrize(
    "edit, expected",
    [
        (
            lambda d: d["indicators"][0]["formula"]["numerator"].__setitem__(0, "unemployed_typo"),
            "params/iso37120.yml: indicators[0] (5.1).formula.numerator[0]: unknown variable 'unemployed_typo'",
        ),
        (
            lambda d: d["indicators"][4]["formula"]["denominator"].__setitem__(0, "pop"),
            "indicators[4] (21.2).formula.denominator[0]: unknown variable 'pop'",
        ),
        (lambda d: d["indicators"][4].__setitem__("theme", "99"), "indicators[4] (21.2).theme: unknown theme '99'"),
        (
            lambda d: d["indicators"][4].__setitem__("theme", "13"),
            "indicators[4] (21.2).theme: is '13' but clause 21.2 belongs to theme '21'",
        ),
        (
            lambda d: d["indicators"][1].__setitem__("id", "5.1"),
            "indicators[1] (5.1).id: duplicate indicator id (also indicators[0])",
        ),
        (
            lambda d: d["themes"].append(copy.deepcopy(d["themes"][0])),
            "themes[3] (5).id: duplicate theme id (also themes[0])",
        ),
        (
            lambda d: d["indicators"][0].__setitem__("not_applicable", T3),
            "indicators[0] (5.1): give either 'formula' or 'not_applicable', not both",
        ),
        (
            lambda d: d["indicators"][1].pop("not_applicable"),
            "indicators[1] (5.8): give either 'formula' or 'not_applicable'",
        ),
        (
            lambda d: d["indicators"][3]["formula"].__setitem__("denominator", ["population_total"]),
            "indicators[3] (13.10).formula: kind 'value' takes no 'denominator'",
        ),
        (
            lambda d: d["indicators"][0]["formula"].__setitem__("denominator", []),
            "indicators[0] (5.1).formula: kind 'ratio' needs a non-empty 'denominator' list",
        ),
        (
            lambda d: d["indicators"][0]["formula"].__setitem__("kind", "sum"),
            "indicators[0] (5.1).formula.kind: Input should be 'ratio', 'value' or 'change' (found 'sum')",
        ),
        (lambda d: d["indicators"][0].__setitem__("typ", "core"), "indicators[0] (5.1).typ: unknown key"),
        (
            lambda d: d["indicators"][0].__setitem__("type", "main"),
            "indicators[0] (5.1).type: Input should be 'core', 'supporting' or 'profile'",
        ),
        (lambda d: d["indicators"][0].__setitem__("id", "5-1"), "indicators[0] (5-1).id: String should match pattern"),
        (lambda d: d["indicators"][2]["name"].pop("de"), "indicators[2] (13.4.1).name.de: required key is missing"),
        (
            lambda d: d["certification"]["levels"][1].__setitem__("min_total", 0),
            "certification.levels: levels must be ordered low→high: 'bronze' asks for less than 'aspirational'",
        ),
        (lambda d: d.__setitem__("extra", 1), "params/iso37120.yml: extra: unknown top-level key"),
    ],
)
def test_check_params_catches_each_kind_of_error(tmp_path: Path, edit, expected):
    data = yaml.safe_load(FIXTURE_YAML)
    edit(data)
    found = problems_of(data, tmp_path)
    assert any(p.startswith(expected) or expected in p for p in found), found


def test_check_params_reports_every_problem_at_once(tmp_path: Path):
    data = yaml.safe_load(FIXTURE_YAML)
    data["indicators"][0]["formula"]["numerator"] = ["nope1"]
    data["indicators"][4]["theme"] = "77"
    data["indicators"][2]["type"] = "main"
    assert len(problems_of(data, tmp_path)) == 3


def bank_from_reader(frame: pd.DataFrame, mapping: dict[str, str], source_file: str) -> pd.DataFrame:
    """Bank rows from ``read_bdl_ctab`` output (code, name, level, variable, year, value, unit)."""
    sel = frame[frame["variable"].isin(list(mapping))]
    df = pd.DataFrame(
        {
            "variable": sel["variable"].map(mapping),
            "territory": sel["code"],
            "territory_name": sel["name"],
            "level": sel["level"],
            "year": sel["year"],
            "value": sel["value"],
            "unit": sel["unit"],
            "flag": "",
            "dataset": Path(source_file).stem,
            "provider": "gus",
            "source_file": source_file,
            "source_row": 0,
            "source_sha256": "",
        }
    )
    return df[list(BANK_COLUMNS)].astype(BANK_COLUMNS)


def test_bank_from_the_project_bdl_reader_gives_the_same_indicators(national_dir: Path):
    bdl = pytest.importorskip("citybank.ingest.bdl")
    exports = national_dir
    groups = {
        "w wieku przedprodukcyjnym;ogółem": "population_pre_working",
        "w wieku produkcyjnym;ogółem": "population_working",
        "w wieku poprodukcyjnym;ogółem": "population_post_working",
    }
    ludn_file = exports / "LUDN_population_by_economic_age_2010-2019.csv"
    ryne_file = exports / "RYNE_1944_registered_unemployed_2003-2024.csv"
    bank = pd.concat(
        [
            bank_from_reader(bdl.read_bdl_ctab(ludn_file), groups, ludn_file.name),
            bank_from_reader(bdl.read_bdl_ctab(ryne_file), {"ogółem": "registered_unemployed"}, ryne_file.name),
        ],
        ignore_index=True,
    )
    mine = pd.concat(
        [read_ctab(ludn_file, groups), read_ctab(ryne_file, {"ogółem": "registered_unemployed"})], ignore_index=True
    )
    cat = fixture_catalogue()
    a = ind.compute(bank, cat, years=[2018, 2019]).set_index(["id", "territory", "year"]).sort_index()
    b = ind.compute(mine, cat, years=[2018, 2019]).set_index(["id", "territory", "year"]).sort_index()
    assert a.index.equals(b.index)
    pd.testing.assert_series_equal(a["value"], b["value"])
    assert (a["status"] == b["status"]).all()
    assert a.loc[("13.4.1", "2474011", 2019), "value"] == pytest.approx((66841 / 67154 - 1) * 100)


# ---------------------------------------------------------------- result file, staleness, CLI


@pytest.fixture()
def city_reg(reg):
    """The real registry with the fixture catalogue as its params/iso37120.yml."""
    import dataclasses

    return dataclasses.replace(reg, extra={**reg.extra, "iso37120": yaml.safe_load(FIXTURE_YAML)})


@pytest.fixture()
def city_bank(city_reg) -> pd.DataFrame:
    city, peer = city_reg.city.terc, city_reg.city.peers[0].code
    rows = []
    for terr, scale in ((city, 1.0), (peer, 4.0)):
        for y, (u, w, pre, post) in {2023: (800, 39000, 11000, 16500), 2024: (826, 38500, 10900, 16600)}.items():
            rows += [
                ("registered_unemployed", terr, y, u * scale),
                ("population_working", terr, y, w * scale),
                ("population_pre_working", terr, y, pre * scale),
                ("population_post_working", terr, y, post * scale),
            ]
    rows.append(("registered_unemployed", "2400000", 2024, 50000.0))  # voivodeship: outside the city's scope
    return bank_rows(rows, dataset="gus-ludnosc-wiek", provider="gus")


def test_compute_all_writes_a_deterministic_file(tmp_path: Path, city_reg, city_bank):
    res = pd.read_parquet(ind.compute_all(city_reg, city_bank, out=tmp_path / "a.parquet"))
    ind.compute_all(city_reg, city_bank, out=tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    terrs = {city_reg.city.terc, *(p.code for p in city_reg.city.peers)}
    assert set(res["territory"]) == terrs  # city + peers, never the voivodeship
    assert set(res["year"]) == set(city_reg.years)
    assert len(res) == 5 * len(terrs) * len(city_reg.years)
    back = pd.read_parquet(tmp_path / "a.parquet")
    pd.testing.assert_frame_equal(back, res, check_dtype=False)
    r = row(res, "5.1", city_reg.city.terc, 2024)
    assert r["value"] == pytest.approx(826 / (826 + 38500) * 100)


def test_results_recomputes_only_when_stale(tmp_path: Path, city_reg, city_bank):
    path = tmp_path / "indicators.parquet"
    first = ind.results(2024, reg=city_reg, bank=city_bank, path=path)
    assert set(first["year"]) == {2024} and path.exists()
    stamp = path.stat().st_mtime_ns
    ind.results(reg=city_reg, bank=city_bank, path=path)
    assert path.stat().st_mtime_ns == stamp  # fresh: read, not rewritten
    changed = city_bank.copy()
    changed.loc[changed["variable"] == "registered_unemployed", "value"] = 1000.0
    res = ind.results(2024, reg=city_reg, bank=changed, path=path)
    assert row(res, "5.1", city_reg.city.terc, 2024)["value"] == pytest.approx(1000 / 39500 * 100)
    assert row(pd.read_parquet(path), "5.1", city_reg.city.terc, 2024)["value"] == pytest.approx(1000 / 39500 * 100)


@pytest.fixture()
def cli_env(tmp_path: Path, monkeypatch, city_reg, city_bank):
    from citybank.cli import data
    from citybank.indicators import store
    from citybank.paths import get_paths

    for module in (data, store):
        monkeypatch.setattr(module, "registry", lambda *a, **k: city_reg)
    monkeypatch.setattr(store, "PATHS", get_paths(tmp_path))
    monkeypatch.setattr(store, "load_bank", lambda **kw: city_bank)
    return tmp_path


def test_cli_table_csv_json(cli_env: Path, capsys):
    from citybank.cli import main

    assert main(["indicators", "--year", "2024"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[2].split() == ["id", "type", "status", "value", "unit", "indicator"]
    assert lines[4] == "5.1     core        reported             2.10  %            Unemployment proxy"
    assert lines[7] == "13.10   core        reported        66 000.00  persons      Population"
    assert "21.2    supporting  not available" in lines[8]
    assert (
        "reported 2 of 3 applicable numbered indicators; core 2 of 2; supporting 0 of 1; profile 1 of 1; "
        "1 not applicable; certification estimate: Bronze (2014 WCCD scheme)"
    ) in out
    assert main(["indicators", "--year", "2024", "--format", "csv", "--out", str(cli_env / "t.csv")]) == 0
    table = pd.read_csv(cli_env / "t.csv", dtype={"id": str, "theme": str})
    assert list(table["id"]) == ["5.1", "5.8", "13.4.1", "13.10", "21.2"]
    assert {"id", "theme", "type", "status", "value", "unit"} <= set(table.columns)
    assert table.set_index("id").loc["13.10", "value"] == 10900 + 38500 + 16600
    assert main(["indicators", "--year", "2024", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert records[2]["id"] == "13.4.1" and records[2]["value"] == pytest.approx((66000 / 66500 - 1) * 100)
    assert records[4]["status"] == "not_available" and records[4]["value"] is None


def test_cli_year_without_results_is_a_clear_error(cli_env: Path, capsys):
    from citybank.cli import main

    assert main(["indicators", "--year", "1999"]) == 2
    err = capsys.readouterr().err
    assert "no indicator results for 1999" in err and "Traceback" not in err


def test_load_params_runs_the_catalogue_check(params_copy: Path):
    from citybank.params import ParamsError, load_params

    data = yaml.safe_load(FIXTURE_YAML)
    data["indicators"][0]["formula"]["numerator"] = ["registered_unemployd"]
    (params_copy / "iso37120.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    mine = [str(p) for p in exc.value.problems if p.file == iso37120.WHERE]
    assert mine == [
        "params/iso37120.yml: indicators[0] (5.1).formula.numerator[0]: unknown variable "
        "'registered_unemployd'; add it to params/variables.yml or fix the spelling"
    ]


# ---------------------------------------------------------------- the real catalogue


@pytest.fixture(scope="module")
def real_catalogue(root: Path) -> dict:
    path = root / "params" / "iso37120.yml"
    if not path.exists():
        pytest.skip("params/iso37120.yml is not written yet")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_real_catalogue_is_valid(real_catalogue: dict, reg):
    assert [str(p) for p in iso37120.check(reg, real_catalogue)] == []
    cat = ind.parse_catalogue(real_catalogue)
    assert len(cat.indicators) == 128 and len(cat.themes) == 19
    assert sum(i.type != "profile" for i in cat.indicators) == 104
    assert [lv.id for lv in cat.certification.levels] == ["aspirational", "bronze", "silver", "gold", "platinum"]


def test_every_real_formula_matches_an_independent_evaluation(real_catalogue: dict):
    """Each variable gets a known value (previous year: another known value); every formula is re-evaluated here
    from the YAML numbers — sum(numerator) / sum(denominator) × multiplier — and compared with the engine."""
    cat = ind.parse_catalogue(real_catalogue)
    variables = sorted(
        {
            v
            for i in real_catalogue["indicators"]
            if "formula" in i
            for part in ("numerator", "denominator")
            for v in i["formula"].get(part, [])
        }
    )
    now = {v: 100.0 + 37.0 * k for k, v in enumerate(variables)}
    before = {v: 90.0 + 29.0 * k for k, v in enumerate(variables)}
    bank = bank_rows([(v, "X", 2024, x) for v, x in now.items()] + [(v, "X", 2023, x) for v, x in before.items()])
    res = ind.compute(bank, cat, years=[2024]).set_index("id")
    checked = outside = 0
    for item in real_catalogue["indicators"]:
        r = res.loc[item["id"]]
        if "formula" not in item:
            assert r["status"] == "not_applicable", item["id"]
            continue
        f = item["formula"]
        mult = f.get("multiplier", 1)
        num = sum(now[v] for v in f["numerator"])
        if f["kind"] == "ratio":
            expected = num / sum(now[v] for v in f["denominator"]) * mult
        elif f["kind"] == "value":
            expected = num * mult
        else:
            expected = (num / sum(before[v] for v in f["numerator"]) - 1) * mult
        # the valid range, read from the YAML: valid_range, else 0–100 for a '%' that is not a change
        default = (0, 100) if item["unit"] == "%" and f["kind"] != "change" else (None, None)
        lo, hi = (item["valid_range"].get("min"), item["valid_range"].get("max")) if "valid_range" in item else default
        if (lo is not None and expected < lo) or (hi is not None and expected > hi):
            assert r["status"] == "not_available" and math.isnan(r["value"]), item["id"]
            assert r["reason_en"].startswith("value outside the valid range"), item["id"]
            outside += 1
        else:
            assert r["status"] == "reported", item["id"]
            assert r["value"] == pytest.approx(expected, rel=1e-12), item["id"]
        checked += 1
    assert checked == sum("formula" in i for i in real_catalogue["indicators"]) > 0
    assert 0 < outside < checked  # these made-up values put some shares above 100 %
