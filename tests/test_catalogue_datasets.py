"""The dataset catalogue (params/datasets/*.yml) and the sample model behind it: coverage of providers,
categories and formats, descriptor conventions, and a clean round trip of the sample city through ingest."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from citybank.bank import build_bank
from citybank.sample import PLANTED, truth
from citybank.sample.model import SampleModel, load_model

PLANTED_DATASETS = {p["dataset"] for p in PLANTED}
# Variables that two providers report about one phenomenon (params/consistency.yml pairs them).
PAIRS = [
    ("registered_unemployed_gus", "registered_unemployed"),
    ("live_births_usc", "live_births"),
    ("waste_collected_t_um", "waste_collected_t"),
    ("waste_collected_gus", "waste_collected_t"),
    ("revenue_total_gus", "revenue_total"),
]
# part ≤ whole in every sample year
PARTS = [
    ("population_adult", "population_total"),
    ("councillors_women", "councillors_total"),
    ("water_losses_m3", "water_produced_m3"),
    ("water_household_m3", "water_supplied_total_m3"),
    ("water_supplied_total_m3", "water_produced_m3"),
    ("water_samples_compliant", "water_samples"),
    ("wastewater_samples_compliant", "wastewater_samples"),
    ("wastewater_treated_m3", "wastewater_total_m3"),
    ("pupils_enrolled_total", "school_age_population"),
    ("female_pupils_enrolled", "female_school_age_population"),
    ("primary_pupils", "pupils_enrolled_total"),
    ("primary_completers", "primary_cohort_entrants"),
    ("secondary_completers", "secondary_cohort_entrants"),
    ("tax_collected", "tax_billed"),
    ("own_revenue", "revenue_total"),
    ("energy_renewable_gj", "energy_final_consumption_gj"),
    ("registered_voters", "population_adult"),
    ("votes_cast_local", "registered_voters"),
    ("hazardous_waste_recycled_t", "hazardous_waste_t"),
    ("property_crimes", "crimes_total"),
    ("population_with_electricity", "population_total"),
    ("population_improved_water", "population_water_supply"),
]
WASTE_STREAMS = [
    "waste_recycled_t",
    "waste_landfilled_t",
    "waste_energy_recovery_t",
    "waste_biological_t",
    "waste_other_t",
]


@pytest.fixture(scope="module")
def model(reg) -> SampleModel:
    return SampleModel(reg)


@pytest.fixture(scope="module")
def city(model: SampleModel) -> pd.DataFrame:
    """The sample city's true value of every modelled variable: one row per year, one column per variable."""
    return pd.DataFrame({v: pd.Series(model.city(v)) for v in model.specs})


# ------------------------------------------------------------------ catalogue coverage


def test_catalogue_covers_every_provider_and_category(reg):
    assert len(reg.datasets) >= 85
    assert {d.provider for d in reg.datasets.values()} == set(reg.providers)
    assert len(reg.providers) == 16
    assert {d.category for d in reg.datasets.values()} == set(reg.categories)
    assert len(reg.categories) == 18


def test_catalogue_mixes_the_providers_real_formats(reg):
    ds = list(reg.datasets.values())
    formats = Counter(d.source.format for d in ds)
    assert formats["bdl_ctab"] >= 10
    assert formats["bdl_api"] >= 2
    assert formats["xlsx"] >= 8
    assert sum(1 for d in ds if d.source.format == "xlsx" and d.source.header_rows == 2) >= 8
    assert sum(1 for d in ds if d.source.territory_column) >= 8
    encodings = {d.source.encoding for d in ds if d.source.format == "csv"}
    assert {"cp1250", "utf-8"} <= encodings


def test_every_variable_comes_from_one_dataset_and_has_a_sample_model(reg):
    owners = Counter(v for d in reg.datasets.values() for v in dict.fromkeys(d.variables))
    assert [v for v, n in owners.items() if n > 1] == []
    specs = load_model()
    assert sorted(set(owners) - set(specs)) == []
    # BDL files hold peers, Śląskie and Poland: their variables say so in the model
    bdl = {v for d in reg.datasets.values() if d.source.format.startswith("bdl") for v in d.variables}
    assert sorted(v for v in bdl if not specs[v].get("peers")) == []


# ------------------------------------------------------------------ descriptor conventions


def test_csv_descriptors_declare_a_consistent_dialect_and_file_pattern(reg):
    for d in reg.datasets.values():
        src = d.source
        if src.format != "csv":
            continue
        dialect = (src.encoding, src.delimiter, src.decimal)
        assert dialect in {("cp1250", ";", ","), ("utf-8", ",", ".")}, d.id
        (pattern,) = src.files
        assert pattern.startswith(f"{d.provider}/"), d.id
        assert "{year}" in pattern or pattern.endswith(f"_{d.first_year}-{d.last_year}.csv"), (d.id, pattern)
        assert src.year_column in {"Rok", "Year"}, d.id


def test_spreadsheet_and_bdl_descriptors(reg):
    for d in reg.datasets.values():
        src = d.source
        if src.format == "xlsx":
            assert isinstance(src.sheet, str) and 3 <= (src.header_row or 0) <= 5, d.id
            if src.header_rows == 2:  # "Top / Sub" names a cell of each merged header row
                assert all(len(c.source.split(" / ")) == 2 for c in src.columns), d.id
        elif src.format == "bdl_ctab":
            assert re.fullmatch(r"gus/[A-Z]{4}_[a-z0-9_]+\.csv", src.files[0]), d.id
            sources = [c.source for c in src.columns]
            assert len(sources) == len(set(sources)), d.id
        elif src.format == "bdl_api":
            (col,) = src.columns
            assert col.source.isdigit() and src.files == [f"gus/api_by_unit_{col.source}.json"], d.id


def test_district_datasets_hold_additive_counts_and_irregular_ones_allow_gaps(reg):
    district = [d for d in reg.datasets.values() if d.source.territory_column]
    for d in district:
        assert d.source.territory_column == "Dzielnica"
        assert all(reg.variables[v].additive for v in d.variables), d.id
    for d in reg.datasets.values():
        if d.frequency == "irregular":
            assert d.checks.allow_missing_years, d.id
    assert {d.id for d in reg.datasets.values() if d.frequency == "irregular"} >= {"um-wybory", "um-halas"}


def test_titles_and_descriptions_are_translated(reg):
    titles = Counter(d.title.pl for d in reg.datasets.values())
    assert [t for t, n in titles.items() if n > 1] == []
    for d in reg.datasets.values():
        for text in (d.title, d.description):
            assert len({text.pl, text.en, text.de}) == 3, d.id


# ------------------------------------------------------------------ the sample model


def test_paired_providers_agree_within_two_percent(city):
    for a, b in PAIRS:
        ratio = city[a] / city[b]
        assert ratio.between(0.98, 1.02).all(), (a, b, ratio.round(4).to_dict())


def test_parts_never_exceed_their_totals(city):
    for part, whole in PARTS:
        assert (city[part] <= city[whole]).all(), (part, whole)
    assert (city[WASTE_STREAMS].sum(axis=1) <= city["waste_collected_t"]).all()
    municipal = city["municipal_dwellings_vacant"] + city["rental_dwellings"]
    assert (municipal <= city["municipal_dwellings"]).all()
    # the model's sums are exact: expenditure = capital + current, production = sales + losses
    assert (city["expenditure_total"] == city["capital_expenditure"] + city["operating_expenditure"]).all()
    assert (city["water_produced_m3"] == city["water_supplied_total_m3"] + city["water_losses_m3"]).all()


def test_small_counts_stay_small_and_concentrations_fall(city):
    for var, top in [("homicides", 3), ("fire_deaths", 3), ("natural_disaster_deaths", 0), ("deaths_under5", 4)]:
        assert city[var].between(0, top).all(), var
        assert (city[var] == city[var].round()).all(), var
    # PM10: 30 µg/m³ in 2024 falling ~4 % a year → about 30 × 1.04⁹ ≈ 42.7 in 2015 (noise ±10 %)
    assert city.loc[2024, "pm10_annual_mean"] == pytest.approx(30, rel=0.1)
    assert city.loc[2015, "pm10_annual_mean"] == pytest.approx(42.7, rel=0.1)
    assert city.loc[2024, "councillors_total"] == 25


# ------------------------------------------------------------------ round trip through ingest


def test_sample_city_ingests_without_unplanted_rejections(reg, sample_raw: Path, tmp_path: Path):
    result = build_bank(reg, raw=sample_raw, out=tmp_path, force=True)
    assert result.failures == {}
    unplanted = result.quarantine[~result.quarantine["dataset"].isin(PLANTED_DATASETS)]
    assert unplanted.empty, unplanted[["dataset", "source_file", "source_row", "column", "check"]].to_string()
    assert all(result.summary[d]["rows_accepted"] > 0 for d in reg.datasets)

    bank = result.bank[["variable", "territory", "year", "value"]]
    both = truth(reg).merge(bank, on=["variable", "territory", "year"], how="left", suffixes=("", "_bank"))
    off = both[both["value_bank"].isna() | ((both["value_bank"] - both["value"]).abs() > 1e-6)]
    # only the planted cells deviate (their datasets: the city register and the labour office sheet)
    planted_vars = {p["variable"] for p in PLANTED}
    assert set(off["variable"]) <= planted_vars, off.head(10).to_string()
    # scaled spreadsheet columns come back in base units: revenue in tys. zł → zł, water in tys. m³ → m³
    for var in ("revenue_total", "water_produced_m3", "public_transport_trips"):
        got = bank[(bank["variable"] == var) & (bank["territory"] == reg.city.terc) & (bank["year"] == 2024)]
        assert got["value"].tolist() == [SampleModel(reg).city(var)[2024]], var
