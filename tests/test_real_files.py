"""Real files as an analyst has them: national wide-year tables (rok_2019 headers, cp1250, decimal commas, codes
that lost their leading zero, BDL kind suffixes), sheets per year, unit rows; every new message checked word for
word; import-bdl on every BDL form; new-dataset drafts that pass validate-file; and a national table through a
drafted descriptor into the bank, checked by hand for Siemianowice Śląskie."""

from __future__ import annotations

import json
import shutil

import openpyxl
import pandas as pd
import pytest
from citybank.bank import build_bank
from citybank.cli import main
from citybank.ingest import check_file, format_problems, read_file
from citybank.ingest.common import normalise_codes, year_of_header
from citybank.ingest.draft import draft_yaml, inspect_file
from citybank.params import Dataset, load_params
from citybank.paths import get_paths
from citybank.rawdata import sidecar_path
from citybank.util import sha256_file

VAR = """  - id: gmina_revenue_gus
    name: {pl: Dochody gminy ogółem (GUS), en: Gmina revenue total (GUS), de: Gemeindeeinnahmen insgesamt (GUS)}
    unit: PLN
    kind: amount
    definition: {pl: Dochody gminy ogółem wg BDL., en: Total gmina revenue (BDL)., de: Gemeindeeinnahmen (BDL).}
"""


def _ds(reg, **source) -> Dataset:
    d = reg.datasets["um-ludnosc-dzielnice"].model_dump()
    d["source"].update({"year_column": None, "territory_column": None, "files": ["x/d.csv"], **source})
    d["first_year"], d["last_year"] = 2018, 2019
    return Dataset.model_validate(d)


NATIONAL = (
    '"Kod";"Nazwa";"rok_2018";"rok_2019"\r\n'
    '201011;"Bolesławiec (1)";75102763,98;86802805,17\r\n'
    '2474011;"Siemianowice Śląskie (1)";195853387,7;202724298,2\r\n'
    '2469011;"Katowice (1)";1317464372;1381371005\r\n'
    '2474000;"Powiat m. Siemianowice Śląskie";;\r\n'
)


def test_year_headers_and_codes_as_real_files_write_them():
    assert [year_of_header(h) for h in ["2019", "rok_2019", "Rok 2019", "2019 r.", "ROK_2019", "Y2019", "Kod"]] == [
        2019,
        2019,
        2019,
        2019,
        2019,
        None,
        None,
    ]
    assert year_of_header("Y2019", "y{year}") == 2019
    codes = normalise_codes(pd.Series(["201011", "2474011", "012414874011", "2474011-01", " 2400000 ", "Źródło"]))
    assert codes.tolist() == ["0201011", "2474011", "2474011", "2474011-01", "2400000", "Źródło"]


def test_national_wide_table_selects_the_city_and_peers_by_code(tmp_path, reg):
    path = tmp_path / "dochody.csv"
    path.write_bytes(NATIONAL.encode("cp1250"))
    ds = _ds(reg, layout="wide_years", code_column="Kod", territory_column="Nazwa", decimal=",", encoding=None)
    got = read_file(path, ds, reg)
    assert got.problems == [] and got.dropped == 1  # Bolesławiec; the powiat row is kept (empty: no value)
    vals = {(t, y): v for t, y, v in got.frame[["territory", "year", "value"]].dropna().itertuples(index=False)}
    assert vals == {
        ("2474011", 2018): 195853387.7,
        ("2474011", 2019): 202724298.2,
        ("2469011", 2018): 1317464372.0,
        ("2469011", 2019): 1381371005.0,
    }
    assert set(got.frame["raw_territory"]) == {
        "Siemianowice Śląskie (1)",
        "Katowice (1)",
        "Powiat m. Siemianowice Śląskie",
    }
    v = check_file(path, ds, reg)
    assert v.problems.empty and len(v.accepted) == 4 and v.dropped == 1  # no missing-year note for districts


def test_names_with_kind_suffix_without_a_code_column(tmp_path, reg):
    path = tmp_path / "d.csv"
    path.write_bytes(NATIONAL.encode("cp1250"))
    ds = _ds(reg, layout="wide_years", territory_column="Nazwa", decimal=",")
    got = read_file(path, ds, reg)
    assert got.dropped == 1 and set(got.frame["territory"]) == {"2474011", "2469011", "2474000"}
    assert check_file(path, ds, reg).problems.empty


def test_no_year_columns_is_one_message_and_no_missing_years(tmp_path, reg):
    path = tmp_path / "d.csv"
    path.write_bytes(NATIONAL.replace("rok_", "Y").encode("cp1250"))
    ds = _ds(reg, layout="wide_years", code_column="Kod", decimal=",")
    lines = format_problems(check_file(path, ds, reg).problems)
    assert lines == [
        f"  {path}, row 1: [required_column] no year columns in the header (layout: wide_years); expected headers "
        "such as 2019, rok_2019, Rok 2019 or 2019 r., or source.year_header naming the pattern (e.g. 'r{year}'); "
        "found: 'Kod', 'Nazwa', 'Y2018', 'Y2019'"
    ]
    ok = _ds(reg, layout="wide_years", code_column="Kod", decimal=",", year_header="Y{year}")
    assert len(check_file(path, ok, reg).accepted) == 4


def test_a_file_without_the_city_row_says_so_in_one_line(tmp_path, reg):
    path = tmp_path / "d.csv"
    text = "".join(line + "\r\n" for line in NATIONAL.split("\r\n") if line and "Siemianowice" not in line)
    path.write_bytes(text.encode("cp1250"))
    ds = _ds(reg, layout="wide_years", code_column="Kod", decimal=",")
    lines = format_problems(check_file(path, ds, reg).problems)
    assert lines == [
        f"  {path}, column 'Kod': [missing_territory] no row of Siemianowice Śląskie (code 2474011) among the "
        "file's 2 rows (codes such as 0201011, 2469011); expected a row with code 2474011 in column 'Kod': a file "
        "that covers Siemianowice Śląskie, or source.code_column naming its code column"
    ]


def test_a_missing_code_column_is_named(tmp_path, reg):
    path = tmp_path / "d.csv"
    path.write_bytes(NATIONAL.encode("cp1250"))
    ds = _ds(reg, layout="wide_years", code_column="TERYT", decimal=",")
    assert format_problems(check_file(path, ds, reg).problems) == [
        f"  {path}, row 1, column 'TERYT': [required_column] territory column 'TERYT' not found in the header; "
        "expected a column with the territory codes; found: 'Kod', 'Nazwa', 'rok_2018', 'rok_2019'"
    ]


def test_missing_years_never_say_found(tmp_path, reg):
    path = tmp_path / "d.csv"
    path.write_text('"Kod";"Nazwa";"rok_2019"\n2474011;"Siemianowice Śląskie (1)";5\n', encoding="utf-8")
    ds = _ds(reg, layout="wide_years", code_column="Kod")
    assert format_problems(check_file(path, ds, reg).problems) == [
        "  (dataset), column 'population_registered': [missing_year] no value of population_registered for "
        "Siemianowice Śląskie in 2018; expected a value for every year 2018–2019"
    ]


def test_unit_row_scales_and_a_percent_unit_is_refused(tmp_path, reg):
    path = tmp_path / "d.csv"
    path.write_text(
        "Kod;Nazwa;2018;2019\n;;[tys. zł];[tys. zł]\n2474011;Siemianowice Śląskie;1,5;2\n", encoding="utf-8"
    )
    d = _ds(reg, layout="wide_years", code_column="Kod", decimal=",", unit_row=2).model_dump()
    d["source"]["columns"] = [{"source": "dochody", "variable": "revenue_total_gus"}]  # a variable in PLN
    ds = Dataset.model_validate(d)
    got = read_file(path, ds, reg)
    assert dict(zip(got.frame["year"], got.frame["value"], strict=True)) == {2018: 1500.0, 2019: 2000.0}
    assert got.frame["source_row"].tolist() == [3, 3]
    path.write_text("Kod;Nazwa;2018;2019\n;;[%];[%]\n2474011;Siemianowice Śląskie;1,5;2\n", encoding="utf-8")
    lines = format_problems(check_file(path, ds, reg).problems)
    assert lines == [
        f"  {path}, row 2, column '2018': [unit] the unit row gives '[%]' for column '2018', but variable "
        "revenue_total_gus is in PLN; found '[%]'; expected values in PLN; map the column to a variable in [%] "
        "or fix source.unit_row",
        f"  {path}, row 2, column '2019': [unit] the unit row gives '[%]' for column '2019', but variable "
        "revenue_total_gus is in PLN; found '[%]'; expected values in PLN; map the column to a variable in [%] "
        "or fix source.unit_row",
    ]


def test_sheets_per_year(tmp_path, reg):
    wb = openpyxl.Workbook()
    wb.active.title = "Spis treści"
    for year, rows in {2018: [("Bańgów", 6100), ("Bytków", 14000)], 2019: [("Bańgów", 6150)]}.items():
        ws = wb.create_sheet(f"Rok {year}")
        ws.append(["Dzielnica", "Zameldowani na pobyt stały"])
        for r in rows:
            ws.append(list(r))
    path = tmp_path / "z.xlsx"
    wb.save(path)
    d = reg.datasets["um-ludnosc-dzielnice"].model_dump()
    d["source"].update(format="xlsx", sheet="Rok {year}", year_column=None, encoding=None, delimiter=None)
    ds = Dataset.model_validate(d)
    got = read_file(path, ds, reg)
    assert got.frame[["territory", "year", "value"]].values.tolist() == [
        ["2474011-01", 2018, 6100.0],
        ["2474011-02", 2018, 14000.0],
        ["2474011-01", 2019, 6150.0],
    ]
    d["source"]["sheet"] = "Arkusz {year}"
    with pytest.raises(Exception) as err:
        read_file(path, Dataset.model_validate(d), reg)
    assert str(err.value) == (
        f"{path}: has no sheet named like 'Arkusz {{year}}' (sheets: Spis treści, Rok 2018, Rok 2019) — fix "
        "source.sheet: '{year}' stands for the year in the sheet names"
    )


# ------------------------------------------------------------------ import-bdl: every BDL form


def test_import_bdl_reads_both_api_shapes_and_names_what_it_expects(tmp_path, capsys):
    jsonapi = {
        "data": [
            {
                "id": "1750207",
                "type": "variabledata",
                "attributes": {
                    "measureUnitId": 4,
                    "values": [
                        {"year": "2024", "val": 7136.0, "attrId": 1},
                        {"year": "2025", "val": 7872.07, "attrId": 1},
                    ],
                },
            }
        ],
        "meta": {"totalRecords": 1, "unitId": "012414874011", "unitName": "Siemianowice Śląskie", "aggregateId": 1},
    }
    plain = {
        "totalRecords": 1,
        "unitId": "012414874011",
        "unitName": "Siemianowice Śląskie",
        "aggregateId": 1,
        "results": [{"id": 1750207, "measureUnitId": 4, "values": [{"year": "2024", "val": 7136, "attrId": 1}]}],
    }
    for name, doc in (("a.json", jsonapi), ("j.json", plain)):
        (tmp_path / name).write_text(json.dumps(doc), encoding="utf-8")
        assert main(["import-bdl", str(tmp_path / name), "--out", str(tmp_path / f"{name}.csv")]) == 0
        out = pd.read_csv(tmp_path / f"{name}.csv", dtype={"code": str, "unit_id": str, "variable": str})
        assert out.loc[0, ["code", "unit_id", "level", "variable", "year", "value"]].tolist() == [
            "2474011",
            "012414874011",
            "gmina",
            "1750207",
            2024,
            7136.0,
        ]
        assert out["measure_unit_id"].tolist()[0] == 4
    capsys.readouterr()
    assert main(["import-bdl", str(tmp_path / "a.json")]) == 0
    assert capsys.readouterr().out.startswith(
        "a.json: a BDL API response (JSON:API) — 2 values, 1 territorial units (1 gmina), years 2024–2025"
    )
    (tmp_path / "units.json").write_text('{"results": 3}', encoding="utf-8")
    assert main(["import-bdl", str(tmp_path / "units.json")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"error: {tmp_path / 'units.json'}: is JSON but not a BDL API data response; the shapes read are format=json"
    )
    assert "JSON:API ({'data': [{'id': …, 'attributes': {'values': […]}}], 'meta': {…}})" in err
    (tmp_path / "x.bin").write_bytes(b"\x00\x01\x02binary")
    assert main(["import-bdl", str(tmp_path / "x.bin")]) == 2
    assert capsys.readouterr().err.startswith(
        f"error: {tmp_path / 'x.bin'}: is a binary file, not text, not a BDL file; expected a BDL table export (CTAB "
        'CSV: Kod;Nazwa;"<dimensions>;<year>;[<unit>]";…) or a BDL API data response (format=json'
    )


def test_import_bdl_reads_the_real_recorded_responses(shared, capsys):
    assert main(["import-bdl", str(shared / "data" / "bdl_api" / "samples_raw_data.json")]) == 0
    out = capsys.readouterr().out
    assert out.startswith("samples_raw_data.json: recorded BDL API responses (pyBDL's fixture file) — 120 values")
    assert "  BDL variable 9: 30 values" in out


# ------------------------------------------------------------------ new-dataset


@pytest.fixture()
def root_copy(tmp_path, root):
    """A writable workbench root: params and notebooks copied, data elsewhere."""
    for name in ("params", "notebooks"):
        shutil.copytree(root / name, tmp_path / "wb" / name)
    return tmp_path / "wb"


def _draft(root, path, ds_id: str, files: str, drop: str | None = None):
    if drop:
        (root / "params" / "datasets" / f"{drop}.yml").unlink()
    reg = load_params(root / "params")
    text = draft_yaml(inspect_file(path, reg), reg, dataset_id=ds_id, files=files)
    (root / "params" / "datasets" / f"{ds_id}.yml").write_text(text, encoding="utf-8")
    return load_params(root / "params"), text


def test_new_dataset_on_the_sample_files(sample_raw, root_copy):
    csv_path = sample_raw / "um-ewidencja" / "zameldowani_2021.csv"
    reg, text = _draft(
        root_copy, csv_path, "um-ludnosc-dzielnice", "um-ewidencja/zameldowani_{year}.csv", drop="um-ludnosc-dzielnice"
    )
    src = reg.datasets["um-ludnosc-dzielnice"].source
    assert (src.encoding, src.delimiter, src.year_column, src.territory_column) == ("cp1250", ";", "Rok", "Dzielnica")
    assert [(c.source, c.variable) for c in src.columns] == [("Zameldowani na pobyt stały", "population_registered")]
    assert "#   - text file, encoding cp1250, delimiter ';'" in text and "# REVIEW: chosen by name" in text
    v = check_file(csv_path, reg.datasets["um-ludnosc-dzielnice"], reg)
    assert len(v.accepted) == 5 and set(v.accepted["territory"]) == {d.code for d in reg.city.districts}

    ctab = sample_raw / "gus" / "RYNE_bezrobotni_zarejestrowani.csv"
    reg, _ = _draft(root_copy, ctab, "gus-bezrobocie", "gus/RYNE_bezrobotni_zarejestrowani.csv", drop="gus-bezrobocie")
    ds = reg.datasets["gus-bezrobocie"]
    assert ds.source.format == "bdl_ctab" and (ds.first_year, ds.last_year) == (2015, 2024)
    assert [(c.source, c.variable) for c in ds.source.columns] == [("ogółem;ogółem", "registered_unemployed_gus")]
    assert check_file(ctab, ds, reg).problems.empty


def test_new_dataset_on_a_real_national_export(national_dir, root_copy):
    path = national_dir / "RYNE_1944_registered_unemployed_2003-2024.csv"
    reg, text = _draft(root_copy, path, "gus-bezrobocie", "gus/RYNE.csv", drop="gus-bezrobocie")
    ds = reg.datasets["gus-bezrobocie"]
    assert (ds.source.format, ds.first_year, ds.last_year, ds.provider) == ("bdl_ctab", 2003, 2024, "gus")
    assert [(c.source, c.variable) for c in ds.source.columns] == [("ogółem", "registered_unemployed_gus")]
    assert "BDL table export (CTAB), utf-8: 4,434 territorial units, 1 dimension(s), years 2003–2024" in text
    v = check_file(path, ds, reg)
    assert v.problems.empty
    city = v.accepted[v.accepted["territory"] == "2474011"].set_index("year")["value"]
    assert city[2003] == 7180 and city[2024] == 826  # the export's row 3268, checked by hand


def _national_rok_table(national_dir, out):
    """The analyst's file: every gmina from the real FINA export, total revenue only, headers rok_YYYY, cp1250,
    decimal commas, codes without their leading zero, names with the BDL kind suffix."""
    src = national_dir / "FINA_gmina_revenues_2010-2019.csv"
    t = pd.read_csv(src, sep=";", dtype=str, keep_default_na=False)
    cols = [c for c in t.columns if c.startswith("gminy łącznie z miastami na prawach powiatu;razem;")]
    lines = ['"Kod";"Nazwa";' + ";".join(f'"rok_{c.split(";")[2]}"' for c in cols)]
    for row in t[["Kod", "Nazwa", *cols]].itertuples(index=False):
        lines.append(";".join([row[0].lstrip("0") or "0", f'"{row[1]}"', *row[2:]]))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1250"))
    return out


def test_a_national_rok_table_goes_through_a_draft_into_the_bank(national_dir, root_copy):
    raw = root_copy / "data" / "raw"
    path = _national_rok_table(national_dir, raw / "gus" / "dochody_gmin_2010-2019.csv")
    sidecar_path(path).write_text(f"provider: gus\norigin: test\nsha256: {sha256_file(path)}\n", encoding="utf-8")
    with (root_copy / "params" / "variables.yml").open("a", encoding="utf-8") as fh:
        fh.write(VAR)
    reg, text = _draft(root_copy, path, "gus-dochody-gmin", "gus/dochody_gmin_2010-2019.csv")
    src = reg.datasets["gus-dochody-gmin"].source
    assert (src.format, src.encoding, src.decimal, src.layout, src.code_column, src.territory_column) == (
        "csv",
        "cp1250",
        ",",
        "wide_years",
        "Kod",
        "Nazwa",
    )
    assert [c.variable for c in src.columns] == ["gmina_revenue_gus"]
    v = check_file(path, reg.datasets["gus-dochody-gmin"], reg)
    assert v.problems.empty and len(v.accepted) == 90 and v.dropped == 2512  # 9 cities × 10 years
    only = {k: d for k, d in reg.datasets.items() if k == "gus-dochody-gmin"}
    reg.datasets.clear()
    reg.datasets.update(only)
    build_bank(reg, raw, get_paths(root_copy), force=True)
    bank = pd.read_parquet(root_copy / "data" / "bank" / "bank.parquet")
    got = bank[bank["variable"] == "gmina_revenue_gus"].set_index(["territory", "year"])["value"]
    # by hand from the export's rows (Kod 2474011 and 2469011): "133955113,8" and "1381371005"
    assert got[("2474011", 2010)] == pytest.approx(133955113.8)
    assert got[("2474011", 2019)] == pytest.approx(202724298.2)
    assert got[("2469011", 2019)] == pytest.approx(1381371005)
    assert sorted({t for t, _ in got.index}) == sorted([reg.city.terc] + [p.code for p in reg.city.peers])
