"""The bank: provenance, Parquet + DuckDB, quarantine, QA report, failures, cache, query API, CLI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from citybank.bank import build_bank, connect, load_bank, quality, series
from citybank.schema import BANK_COLUMNS, QUARANTINE_COLUMNS
from citybank.util import sha256_file
from ingest_fixtures import DISTRICTS, LUDN_CITY, UNEMPLOYED, build_raw

FOUR = ("gus-ludnosc-wiek", "gus-wynagrodzenia", "pup-bezrobocie", "um-ludnosc-dzielnice")


def params_with_four(root: Path, target: Path) -> Path:
    """A copy of params/ whose datasets are the four that tests/ingest_fixtures.py writes files for."""
    shutil.copytree(root / "params", target)
    for path in (target / "datasets").glob("*.yml"):
        if path.stem not in FOUR:
            path.unlink()
    return target


@pytest.fixture(scope="module")
def reg4(tmp_path_factory, root):
    from citybank.params import load_params

    wb = tmp_path_factory.mktemp("four")
    shutil.copytree(root / "notebooks", wb / "notebooks")
    return load_params(params_with_four(root, wb / "params"))


@pytest.fixture()
def built(tmp_path, reg4):
    reg = reg4
    raw = build_raw(tmp_path / "raw", planted={2021: 9230})
    before = {p: sha256_file(p) for p in raw.rglob("*") if p.is_file()}
    result = build_bank(reg, raw=raw, out=tmp_path / "wb", years=[2023, 2024])
    assert {p: sha256_file(p) for p in raw.rglob("*") if p.is_file()} == before  # raw files untouched
    return tmp_path / "wb", raw, result


def test_bank_rows_and_provenance(built, reg4):
    root, raw, result = built
    assert not result.failures and not result.cached
    bank = load_bank(root=root)
    assert list(bank.columns) == list(BANK_COLUMNS)
    # 4 units × 3 variables × 10 years − 1 empty cell; 9 wages; 10 − 1 rejected unemployment; 5 districts × 10
    # + 10 city totals summed from the districts
    assert len(bank) == 119 + 9 + 9 + 50 + 10
    row = bank[
        (bank["variable"] == "population_working") & (bank["territory"] == "2474011") & (bank["year"] == 2024)
    ].iloc[0]
    assert row["value"] == LUDN_CITY[9][1] and row["unit"] == "persons" and row["level"] == "gmina"
    assert row["dataset"] == "gus-ludnosc-wiek" and row["provider"] == "gus"
    assert row["source_file"] == "gus/LUDN_ludnosc_wg_grup_wieku.csv" and row["source_row"] == 4
    assert row["source_sha256"] == sha256_file(raw / row["source_file"])
    assert row["territory_name"] == "Siemianowice Śląskie"
    d = bank[(bank["territory"] == "2474011-05") & (bank["year"] == 2024)].iloc[0]
    assert d["value"] == DISTRICTS["Centrum"] + 4 and d["level"] == "district"
    assert d["territory_name"] == "Siemianowice (Centrum)" and d["source_file"] == "um-ewidencja/zameldowani_2024.csv"
    assert bank[bank["territory"] == "0000000"]["level"].unique().tolist() == ["country"]
    wage = bank[(bank["variable"] == "median_gross_wage") & (bank["year"] == 2024)].iloc[0]
    assert wage["flag"] == "s" and wage["unit"] == "PLN"
    assert bank.equals(
        bank.sort_values(["variable", "territory", "year", "dataset", "source_file", "source_row"]).reset_index(
            drop=True
        )
    )


def test_planted_outlier_quarantined_with_reason(built):
    root, _, result = built
    q = (
        pd.read_csv(root / "data" / "quality" / "2021" / "quarantine.csv")
        if (root / "data" / "quality" / "2021").exists()
        else None
    )
    assert q is None  # only the requested years are written
    q24 = pd.read_csv(root / "data" / "quality" / "2024" / "quarantine.csv", keep_default_na=False)
    assert list(q24.columns) == QUARANTINE_COLUMNS
    assert "yoy_jump" not in set(q24["check"])  # the outlier is a 2021 row
    rej = result.quarantine[result.quarantine["check"] == "yoy_jump"]
    assert rej[["source_file", "source_row", "value"]].values.tolist() == [
        ["pup/bezrobocie_2015-2024.xlsx", 11, "9230"]
    ]
    bank = load_bank(variables=["registered_unemployed"], root=root)
    assert dict(zip(bank["year"], bank["value"], strict=True)) == {y: v for y, v in UNEMPLOYED.items() if y != 2021}


def test_duckdb_tables_views_and_query_api(built, reg4):
    reg = reg4
    root, _, _ = built
    con = connect(root)
    try:
        assert con.execute("SELECT count(*) FROM bank").fetchone()[0] == 197
        assert con.execute("SELECT count(*) FROM datasets").fetchone()[0] == len(reg.datasets)
        assert con.execute("SELECT count(*) FROM cat_ludnosc").fetchone()[0] == 119 + 50 + 10
        assert con.execute("SELECT count(*) FROM cat_biznes").fetchone()[0] == 18
        assert con.execute("SELECT count(*) FROM cat_karta_duzej_rodziny").fetchone()[0] == 0
        assert con.execute("SELECT count(*) FROM quarantine WHERE \"check\" = 'yoy_jump'").fetchone()[0] == 1
        with pytest.raises(duckdb.Error):
            con.execute("DELETE FROM bank")  # read-only
    finally:
        con.close()
    s = series("registered_unemployed", "2474011", root=root)
    assert s["year"].tolist() == [y for y in UNEMPLOYED if y != 2021]
    sub = load_bank(years=[2024], territories=["2474011-01", "2474011-02"], root=root)
    assert sorted(sub["value"]) == [6210, 14101]


def test_quality_report_counts_and_freshness(built):
    root, _, _ = built
    qa = quality(2024, root=root)
    pup = qa["datasets"]["pup-bezrobocie"]
    assert (pup["rows_read"], pup["rows_accepted"], pup["rows_rejected"]) == (10, 9, 1)
    assert pup["problems"] == {"missing_year": 1, "yoy_jump": 1}
    assert qa["datasets"]["gus-ludnosc-wiek"]["rows_dropped_other_units"] == 30
    assert qa["datasets"]["gus-wynagrodzenia"]["freshness"] == {
        "last_data_year": 2024,
        "expected_last_year": 2024,
        "overdue": False,
    }
    assert qa["datasets_overdue"] == [] and qa["datasets_failed"] == []
    md = (root / "reports" / "2024" / "qa" / "quality.md").read_text(encoding="utf-8")
    assert (
        "| pup-bezrobocie | problems | 10 | 9 | 1 | 0 | 2024 | no | missing year 1, jump from the year before 1 |" in md
    )


def test_overdue_and_failed_dataset_do_not_stop_the_rest(tmp_path, reg4):
    reg = reg4
    raw = build_raw(tmp_path / "raw")
    (raw / "pup" / "bezrobocie_2015-2024.xlsx").write_bytes(b"PK\x03\x04 truncated")
    for y in (2023, 2024):
        (raw / "um-ewidencja" / f"zameldowani_{y}.csv").unlink()
    result = build_bank(reg, raw=raw, out=tmp_path / "wb", years=[2024])
    assert list(result.failures) == ["pup-bezrobocie"]
    assert "damaged or incomplete Excel file" in result.failures["pup-bezrobocie"]
    qa = quality(2024, root=tmp_path / "wb")
    assert qa["datasets_failed"] == ["pup-bezrobocie"]
    assert qa["datasets_overdue"] == ["pup-bezrobocie", "um-ludnosc-dzielnice"]
    assert qa["datasets"]["um-ludnosc-dzielnice"]["freshness"]["last_data_year"] == 2022
    assert qa["datasets"]["um-ludnosc-dzielnice"]["problems"]["missing_file"] == 2
    assert len(load_bank(root=tmp_path / "wb")) == 119 + 9 + 40 + 8  # + 8 city totals from districts


def test_rerun_is_cached_and_deterministic(built, reg4):
    reg = reg4
    root, raw, first = built
    parquet = root / "data" / "bank" / "bank.parquet"
    files = [
        parquet,
        root / "data" / "quality" / "2024" / "quarantine.csv",
        root / "reports" / "2024" / "qa" / "quality.json",
        root / "reports" / "2024" / "qa" / "quality.md",
    ]
    hashes = [sha256_file(f) for f in files]
    again = build_bank(reg, raw=raw, out=root, years=[2023, 2024])
    assert again.cached and again.bank.equals(first.bank)
    forced = build_bank(reg, raw=raw, out=root, years=[2023, 2024], force=True)
    assert not forced.cached
    assert [sha256_file(f) for f in files] == hashes  # byte-identical outputs
    (raw / "gus" / "api_by_unit_1750207.json").write_text(
        json.dumps(
            {
                "unitId": "012414874011",
                "results": [{"id": 1750207, "values": [{"year": "2024", "val": 7000, "attrId": 1}]}],
            }
        ),
        encoding="utf-8",
    )
    changed = build_bank(reg, raw=raw, out=root, years=[2023, 2024])
    assert not changed.cached
    assert series("median_gross_wage", "2474011", root=root)["value"].tolist() == [7000]


def test_cli_ingest_in_a_copy_of_the_workbench(tmp_path, root):
    params_with_four(root, tmp_path / "params")
    if (root / "notebooks").is_dir():
        shutil.copytree(root / "notebooks", tmp_path / "notebooks")
    (tmp_path / "pyproject.toml").write_text("", encoding="utf-8")
    build_raw(tmp_path / "data" / "raw", planted={2021: 9230})
    env = dict(os.environ, CITYBANK_ROOT=str(tmp_path))
    cmd = [str(Path(sys.executable).parent / "citybank"), "ingest", "--year", "2024"]
    run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "Bank: 197 values from 4 of 4 datasets; 1 rows quarantined." in run.stdout
    assert "pup-bezrobocie: 1 rows rejected" in run.stdout
    assert (tmp_path / "reports" / "2024" / "qa" / "quality.md").is_file()
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert "Nothing changed since the last ingest" in again.stdout
    (tmp_path / "data" / "raw" / "gus" / "api_by_unit_1750207.json").write_bytes(b"")
    broken = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert broken.returncode == 1 and "gus-wynagrodzenia" in broken.stderr and "Traceback" not in broken.stderr
    assert "Bank: 188 values from 3 of 4 datasets" in broken.stdout


def test_sample_round_trip(sample_raw, reg, tmp_path):
    """The generated sample city reads back to its true values, except the planted problems."""
    from citybank.sample import truth

    result = build_bank(reg, raw=sample_raw, out=tmp_path, years=[2024])
    assert not result.failures
    true = truth(reg)
    m = true.merge(result.bank, on=["variable", "territory", "year"], how="left", suffixes=("_true", ""))
    missing = m[m["value"].isna()][["variable", "territory", "year"]].values.tolist()
    # the factor-10 row was rejected, 2018 was never in the sheet, the unknown district went to quarantine
    assert sorted(map(tuple, missing)) == [
        ("population_registered", "2474011-03", 2023),
        ("registered_unemployed", "2474011", 2018),
        ("registered_unemployed", "2474011", 2021),
    ]
    found = m.dropna(subset=["value"])
    off = found[(found["value"] - found["value_true"]).abs() > 1e-6 * found["value_true"].abs().clip(lower=1)]
    # only the planted 2022 provider disagreement (a consistency matter, not an ingest one) differs
    assert set(zip(off["variable"], off["year"], strict=True)) <= {("population_registered", 2022)}
    checks = set(result.quarantine["check"])
    assert {"duplicate", "yoy_jump", "allowed_values", "missing_year"} <= checks


def test_city_total_is_the_sum_of_complete_districts(reg):
    from citybank.bank import SUM_OF_DISTRICTS, city_from_districts

    codes = [d.code for d in reg.city.districts]
    base = {
        "territory_name": "",
        "level": "district",
        "unit": "persons",
        "flag": "",
        "dataset": "um-ludnosc-dzielnice",
        "provider": "um-ewidencja",
        "source_file": "f.csv",
        "source_sha256": "x",
    }
    rows = [
        dict(base, variable="population_registered", territory=c, year=2020, value=v, source_row=i)
        for i, (c, v) in enumerate(zip(codes, [100, 200, 300, 400, 500], strict=True), start=2)
    ]
    # 2021: one district missing → no city total (a partial sum would understate the city)
    rows += [
        dict(base, variable="population_registered", territory=c, year=2021, value=10.0, source_row=9)
        for c in codes[:4]
    ]
    # a non-additive variable is never summed
    rows += [
        dict(base, variable="median_gross_wage", territory=c, year=2020, value=5000.0, source_row=20) for c in codes
    ]
    frame = pd.DataFrame(rows)
    derived = city_from_districts(frame, reg)
    assert len(derived) == 1
    row = derived.iloc[0]
    assert (row["territory"], row["year"], row["value"], row["flag"], row["source_row"]) == (
        reg.city.terc,
        2020,
        1500.0,
        SUM_OF_DISTRICTS,
        0,
    )
    # a city row given by the file wins over the sum
    given = pd.DataFrame(
        [dict(base, variable="population_registered", territory=reg.city.terc, year=2020, value=1499.0, source_row=7)]
    )
    assert city_from_districts(pd.concat([frame, given]), reg).empty


def test_quality_report_speaks_each_report_language(built, reg4):
    from citybank.bank import quality_markdown

    root, _, _ = built
    report = quality(2024, root=root)
    pl = quality_markdown(report, reg4, "pl")
    de = quality_markdown(report, reg4, "de")
    assert pl.startswith("# Raport jakości danych 2024") and "| pup-bezrobocie | problemy |" in pl
    assert "- 4 zbiory danych;" in pl  # CLDR plural forms: 2–4 take the nominative plural
    n = report["rows_quarantined"]
    rows = "wiersz" if n == 1 else "wiersze" if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else "wierszy"
    assert "po terminie aktualizacji" in pl and f"- {n} {rows} w kwarantannie" in pl
    assert de.startswith("# Datenqualitätsbericht 2024") and f"- {n} Zeile{'' if n == 1 else 'n'} in Quarantäne" in de
    assert quality_markdown(report, reg4) == (root / "reports" / "2024" / "qa" / "quality.md").read_text("utf-8")


def test_provenance_sidecars_are_checked(tmp_path, reg4):
    """A file changed after its provenance was recorded, and a file without a sidecar, are QA problems
    (named, with what to do) — the data are still loaded."""
    raw = build_raw(tmp_path / "raw")
    changed = raw / "um-ewidencja" / "zameldowani_2020.csv"
    changed.write_bytes(changed.read_bytes() + b"\n")
    (raw / "gus" / "api_by_unit_1750207.json.source.yml").unlink()
    result = build_bank(reg4, raw=raw, out=tmp_path / "wb", years=[2024])
    notes = result.quarantine[result.quarantine["check"] == "provenance"].sort_values("source_file")
    assert list(notes["source_file"]) == ["gus/api_by_unit_1750207.json", "um-ewidencja/zameldowani_2020.csv"]
    assert "no provenance sidecar api_by_unit_1750207.json.source.yml" in notes["reason"].iloc[0]
    assert "changed after its provenance was written" in notes["reason"].iloc[1]
    assert notes["expected"].iloc[1] == "update the sidecar (origin, date, sha256) or restore the file"
    assert not result.failures and (result.bank["dataset"] == "gus-wynagrodzenia").any()
