"""Published datasets (CSV, Parquet, XLSX, datapackage.json) and the run manifest."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
from citybank import manifest, publish
from citybank.errors import UserError
from citybank.paths import get_paths
from citybank.schema import BANK_COLUMNS
from citybank.util import sha256_file

YEAR = 2023


def _row(variable, territory, name, level, year, value, dataset, provider, row, flag=""):
    return {
        "variable": variable,
        "territory": territory,
        "territory_name": name,
        "level": level,
        "year": year,
        "value": value,
        "unit": "persons",
        "flag": flag,
        "dataset": dataset,
        "provider": provider,
        "source_file": f"{provider}/{year}.csv",
        "source_row": row,
        "source_sha256": "ab" * 32,
    }


@pytest.fixture()
def bank() -> pd.DataFrame:
    """Two categories (biznes: unemployment; ludnosc: registered residents by district), 2022–2024,
    deliberately out of order, with a district name that Excel would take for a formula."""
    rows = [
        _row(
            "registered_unemployed", "2474011", "Siemianowice Śląskie", "gmina", 2024, 826.0, "pup-bezrobocie", "pup", 4
        ),
        _row(
            "registered_unemployed", "2474011", "Siemianowice Śląskie", "gmina", 2022, 860.0, "pup-bezrobocie", "pup", 4
        ),
        _row(
            "registered_unemployed",
            "2474011",
            "Siemianowice Śląskie",
            "gmina",
            2023,
            798.0,
            "pup-bezrobocie",
            "pup",
            4,
            flag="estimate",
        ),
        _row(
            "population_registered",
            "2474011-02",
            "Bytków",
            "district",
            2023,
            12001.0,
            "um-ludnosc-dzielnice",
            "um-ewidencja",
            3,
        ),
        _row(
            "population_registered",
            "2474011-01",
            '=HYPERLINK("x")',
            "district",
            2023,
            5000.5,
            "um-ludnosc-dzielnice",
            "um-ewidencja",
            2,
        ),
    ]
    return pd.DataFrame(rows, columns=list(BANK_COLUMNS)).astype(BANK_COLUMNS)


@pytest.fixture()
def published(tmp_path, reg, bank) -> Path:
    out = tmp_path / "data"
    publish.publish_year(YEAR, reg, bank, out=out)
    return out


def test_files_and_datapackage_validate(published, reg):
    from frictionless import validate

    names = sorted(p.name for p in published.iterdir() if p.is_file())
    assert {
        "biznes.csv",
        "biznes.parquet",
        "biznes.xlsx",
        "ludnosc.csv",
        "ludnosc.parquet",
        "ludnosc.xlsx",
        "datapackage.json",
    } <= set(names)
    report = validate(published / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])
    pkg = json.loads((published / "datapackage.json").read_text(encoding="utf-8"))
    assert pkg["name"] == f"siemianowice-slaskie-{YEAR}"
    assert pkg["licenses"][0]["name"] == "CC-BY-4.0"
    assert pkg["sources"] == [
        {"title": f"{reg.providers[p].name.pl} ({reg.providers[p].name.en})"} for p in ("pup", "um-ewidencja")
    ]
    res = {r["name"]: r for r in pkg["resources"]}
    csv = res["biznes"]
    assert csv["hash"] == "sha256:" + sha256_file(published / "biznes.csv")
    assert csv["mediatype"] == "text/csv" and csv["schema"]["primaryKey"] == ["variable", "territory", "year"]
    fields = {f["name"]: f for f in csv["schema"]["fields"]}
    assert fields["year"]["type"] == "integer" and fields["value"]["type"] == "number"
    assert fields["year"]["unit"] == "year" and fields["value"]["description_pl"]
    assert csv["variables"] == [
        {
            "id": "registered_unemployed",
            "name": "Registered unemployed",
            "name_pl": "Bezrobotni zarejestrowani",
            "unit": "persons",
        }
    ]
    assert res["ludnosc-xlsx"]["mediatype"].endswith("spreadsheetml.sheet")
    assert res["ludnosc-parquet"]["hash"] == "sha256:" + sha256_file(published / "ludnosc.parquet")


def test_validator_catches_a_changed_file(published):
    from frictionless import validate

    with (published / "biznes.csv").open("a", encoding="utf-8") as fh:
        fh.write("registered_unemployed,x,x,2474011,x,gmina,2021,1.0,persons,,pup-bezrobocie,pup,f,1,h\n")
    report = validate(published / "datapackage.json")
    assert not report.valid
    assert "hash-count" in {e[0] for e in report.flatten(["type"])}


def test_csv_rows_up_to_the_year_sorted(published):
    text = (published / "biznes.csv").read_text(encoding="utf-8")
    lines = text.split("\n")
    assert lines[0].split(",") == publish.COLUMNS
    assert "\r" not in text and text.endswith("\n")
    # 2024 is after the report year: not published; 2022 before 2023
    df = pd.read_csv(published / "biznes.csv", keep_default_na=False)
    assert df["year"].tolist() == [2022, 2023]
    assert df["value"].tolist() == [860.0, 798.0]
    assert df["flag"].tolist() == ["", "estimate"]
    lud = pd.read_csv(published / "ludnosc.csv")
    assert lud["territory"].tolist() == ["2474011-01", "2474011-02"]
    assert lud["variable_name_en"].tolist() == ["Registered residents"] * 2
    # formula-like text gets a leading apostrophe (OWASP CSV injection; README, Security and reliability)
    assert lud["territory_name"].iloc[0] == '\'=HYPERLINK("x")'


def test_parquet_plain_and_equal_to_csv(published):
    table = pq.read_table(published / "ludnosc.parquet")
    assert table.schema.metadata is None or b"pandas" not in table.schema.metadata
    assert table.column_names == publish.COLUMNS
    meta = pq.ParquetFile(published / "ludnosc.parquet").metadata
    assert meta.row_group(0).column(0).compression == "SNAPPY"
    df = table.to_pandas()
    assert df["value"].tolist() == [5000.5, 12001.0] and df["source_row"].tolist() == [2, 3]


def test_xlsx_typed_frozen_neutralised_with_about_sheet(published):
    wb = openpyxl.load_workbook(published / "ludnosc.xlsx")
    assert wb.sheetnames == [publish.DATA_SHEET, publish.PIVOT_SHEET, publish.ABOUT_SHEET]
    ws = wb[publish.DATA_SHEET]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == publish.COLUMNS
    year, value = ws.cell(2, publish.COLUMNS.index("year") + 1), ws.cell(2, publish.COLUMNS.index("value") + 1)
    assert year.value == 2023 and year.data_type == "n" and isinstance(year.value, int)
    assert value.value == 5000.5 and value.data_type == "n"
    name = ws.cell(2, publish.COLUMNS.index("territory_name") + 1)
    assert name.value == '=HYPERLINK("x")' and name.data_type == "s" and name.quotePrefix
    assert ws.column_dimensions["A"].width >= len("population_registered")
    about = {r[0]: r[1] for r in wb[publish.ABOUT_SHEET].iter_rows(values_only=True) if r and r[0]}
    assert about["Licencja / Licence"] == "CC-BY-4.0"
    assert "um-ludnosc-dzielnice" in about["Zbiory / Datasets"]
    assert about["source_row"] == "integer"
    assert wb.properties.creator == "citybank" and wb.properties.modified.year == 2000


def test_same_inputs_byte_identical(tmp_path, reg, bank):
    a = publish.publish_year(YEAR, reg, bank, out=tmp_path / "a")
    b = publish.publish_year(YEAR, reg, bank.sample(frac=1, random_state=3), out=tmp_path / "b")
    assert [p.relative_to(tmp_path / "a") for p in a] == [p.relative_to(tmp_path / "b") for p in b]
    for pa_, pb_ in zip(a, b, strict=True):
        assert sha256_file(pa_) == sha256_file(pb_), pa_.name


def test_stale_category_files_are_removed(tmp_path, reg, bank):
    out = tmp_path / "data"
    publish.publish_year(YEAR, reg, bank, out=out)
    publish.publish_year(YEAR, reg, bank[bank["dataset"] == "pup-bezrobocie"], out=out)
    assert not (out / "ludnosc.csv").exists() and (out / "biznes.csv").exists()


def test_unknown_dataset_is_a_user_error(tmp_path, reg, bank):
    bad = bank.copy()
    bad.loc[0, "dataset"] = "no-such-dataset"
    with pytest.raises(UserError, match="no-such-dataset"):
        publish.publish_year(YEAR, reg, bad, out=tmp_path / "x")


def test_iso_table_when_the_engine_exists(tmp_path, reg, bank):
    pytest.importorskip("citybank.indicators")
    if "iso37120" not in reg.extra:
        pytest.skip("params/iso37120.yml is not there yet")
    from frictionless import validate

    out = tmp_path / "data"
    publish.publish_year(YEAR, reg, bank, out=out)
    assert (out / "iso37120.csv").exists() and (out / "iso37120.xlsx").exists()
    assert any((out / "iso37120").glob("*.json"))
    assert validate(out / "datapackage.json").valid


# ---------------------------------------------------------------- manifest


@pytest.fixture()
def tree(tmp_path, root) -> Path:
    """A small checkout: raw files, params, and some outputs of 2024 (the manifest is given its paths)."""
    (tmp_path / "data" / "raw" / "pup").mkdir(parents=True)
    (tmp_path / "data" / "raw" / "pup" / "b.csv").write_text("x\n1\n", encoding="utf-8")
    (tmp_path / "data" / "raw" / "a.csv").write_text("y\n2\n", encoding="utf-8")
    shutil.copytree(root / "params", tmp_path / "params")
    out = tmp_path / "reports" / "2024"
    (out / "data").mkdir(parents=True)
    (out / "data" / "ludnosc.csv").write_text("v\n3\n", encoding="utf-8")
    (out / "report_pl.html").write_text("<p>raport</p>", encoding="utf-8")
    return tmp_path


def test_manifest_content_and_order(tree, reg):
    path = manifest.write_manifest(2024, extra={"languages": ["pl"]}, paths=get_paths(tree))
    assert path == tree / "reports" / "2024" / "manifest.json"
    m = json.loads(path.read_text(encoding="utf-8"))
    inputs = [e["path"] for e in m["inputs"]]
    assert inputs[:2] == ["data/raw/a.csv", "data/raw/pup/b.csv"]
    assert "params/city.yml" in inputs and "params/datasets/pup-bezrobocie.yml" in inputs
    assert [e["path"] for e in m["outputs"]] == ["reports/2024/data/ludnosc.csv", "reports/2024/report_pl.html"]
    assert m["outputs"][0]["sha256"] == sha256_file(tree / "reports/2024/data/ludnosc.csv")
    assert m["parameters"] == {"year": 2024, "languages": ["pl"], "status": reg.years[2024].status}
    assert m["packages"]["pandas"] == pd.__version__ and "pyarrow" in m["packages"]
    assert m["python"].startswith("3.") and m["git"]["commit"]
    assert isinstance(m["sample_data"], bool)
    first = path.read_bytes()
    manifest.write_manifest(2024, extra={"languages": ["pl"]}, paths=get_paths(tree))
    assert path.read_bytes() == first


def test_verify_manifest_lists_changes(tree):
    path = manifest.write_manifest(2024, paths=get_paths(tree))
    assert manifest.verify_manifest(path) == []
    (tree / "reports/2024/data/ludnosc.csv").write_text("v\n4\n", encoding="utf-8")
    (tree / "data/raw/a.csv").unlink()
    (tree / "reports/2024/extra.txt").write_text("new", encoding="utf-8")
    problems = manifest.verify_manifest(path)
    assert len(problems) == 3
    assert problems[0] == "input missing: data/raw/a.csv"
    assert problems[1].startswith("output changed: reports/2024/data/ludnosc.csv (recorded sha256 ")
    assert problems[2] == "output not in manifest: reports/2024/extra.txt"


def test_cli_publish_unknown_year_is_a_clear_error(capsys):
    from citybank.cli import main

    assert main(["publish", "--year", "1999"]) == 2
    err = capsys.readouterr().err
    assert "params/years/1999.yml" in err and "Traceback" not in err


def test_the_first_value_of_a_new_series_is_flagged(tmp_path, reg):
    # population_total breaks in 2021 (params/variables.yml: rebased on the 2021 census)
    rows = [
        _row("population_total", "2474011", "Siemianowice Śląskie", "gmina", y, v, "gus-ludnosc-stan", "gus", 5)
        for y, v in ((2020, 66270.0), (2021, 64365.0), (2022, 63883.0))
    ]
    bank = pd.DataFrame(rows, columns=list(BANK_COLUMNS)).astype(BANK_COLUMNS)
    out = tmp_path / "data"
    publish.publish_year(2022, reg, bank, out=out)
    df = pd.read_csv(out / "ludnosc.csv")
    assert dict(zip(df["year"], df["series_break"], strict=True)) == {2020: False, 2021: True, 2022: False}
    about = {
        r[0]: r[1]
        for r in openpyxl.load_workbook(out / "ludnosc.xlsx")[publish.ABOUT_SHEET].iter_rows(values_only=True)
        if r and r[0]
    }
    note = about["Zerwanie szeregu / Break in series: population_total (2021)"]
    assert note.startswith("od 2021 r. GUS opiera liczbę ludności na wynikach Narodowego Spisu Powszechnego 2021")
