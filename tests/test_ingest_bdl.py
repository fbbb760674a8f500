"""GUS BDL: CTAB exports (fixtures and the three real national exports) and API JSON responses."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from citybank.cli import main
from citybank.ingest import read_file
from citybank.ingest.bdl import CTAB_COLUMNS, read_bdl_api_json, read_bdl_ctab
from citybank.ingest.common import SourceFileError
from ingest_fixtures import LUDN_CITY, WAGES, ludn_ctab, wages_json

EXPORTS = {
    "RYNE": "RYNE_1944_registered_unemployed_2003-2024.csv",
    "LUDN": "LUDN_population_by_economic_age_2010-2019.csv",
    "FINA": "FINA_gmina_revenues_2010-2019.csv",
}


def test_ctab_fixture_codes_levels_and_empty_cells(tmp_path):
    df = read_bdl_ctab(ludn_ctab(tmp_path / "l.csv"))
    assert list(df.columns) == CTAB_COLUMNS
    assert set(df["code"]) == {"0000000", "2400000", "2474011", "2469011", "0201011"}  # 201011 → 0201011
    levels = df.drop_duplicates("code").set_index("code")["level"].to_dict()
    assert levels == {
        "0000000": "country",
        "2400000": "voivodeship",
        "2474011": "gmina",
        "2469011": "gmina",
        "0201011": "gmina",
    }
    city = df[(df["code"] == "2474011") & (df["variable"] == "w wieku produkcyjnym;ogółem")]
    assert city.set_index("year")["value"].to_dict() == {2015 + i: float(LUDN_CITY[i][1]) for i in range(10)}
    kat = df[(df["code"] == "2469011") & (df["variable"] == "w wieku przedprodukcyjnym;ogółem")]
    assert 2015 not in set(kat["year"])  # empty cell: no row (never a zero)
    assert len(df) == 5 * 30 - 1
    assert set(df["unit"]) == {"osoba"}


def test_ctab_dataset_keeps_city_peers_voivodeship_country(tmp_path, reg):
    ds = reg.datasets["gus-ludnosc-wiek"]
    got = read_file(ludn_ctab(tmp_path / "l.csv"), ds, reg)
    assert set(got.frame["territory"]) == {"0000000", "2400000", "2474011", "2469011"}
    assert got.dropped == 30  # Bolesławiec: 3 variables × 10 years
    row = got.frame[
        (got.frame["territory"] == "2474011")
        & (got.frame["variable"] == "population_post_working")
        & (got.frame["year"] == 2024)
    ]
    assert row["value"].tolist() == [LUDN_CITY[9][2]] and row["source_row"].tolist() == [4]


def test_ctab_text_cell_reported_not_zero(tmp_path, capsys):
    path = tmp_path / "t.csv"
    path.write_text(
        'Kod;Nazwa;"ogółem;2023;[osoba]";"ogółem;2024;[osoba]";\n2474011;"Siemianowice Śląskie (1)";798;brak;\n',
        encoding="utf-8",
    )
    df = read_bdl_ctab(path)
    assert df[["year", "value"]].values.tolist() == [[2023, 798.0]]
    assert main(["import-bdl", str(path)]) == 0
    assert "1 cell(s) hold text where a number belongs" in capsys.readouterr().err


def test_not_a_ctab_export(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("Rok;Wartość\n2024;1\n", encoding="utf-8")
    with pytest.raises(SourceFileError, match="not a BDL table export"):
        read_bdl_ctab(path)


@pytest.mark.parametrize("name", list(EXPORTS))
def test_real_national_exports_read_whole(national_dir, name):
    """Every gmina and powiat of the real exports (their speed is measured by `make bench`, not here)."""
    df = read_bdl_ctab(national_dir / EXPORTS[name])
    assert df["code"].str.fullmatch(r"\d{7}").all()
    assert df["value"].notna().all()
    assert df["code"].nunique() > 2400


def test_real_values_checked_by_hand(national_dir):
    d = national_dir
    ryne = read_bdl_ctab(d / EXPORTS["RYNE"]).set_index(["code", "year"])
    assert ryne.loc[("2474011", 2024), "value"] == 826
    assert ryne.loc[("2474000", 2024), "level"] == "powiat"
    assert ryne.loc[("0000000", 2003), "value"] == 3175674
    ludn = read_bdl_ctab(d / EXPORTS["LUDN"])
    work = ludn[(ludn["code"] == "2474011") & (ludn["variable"] == "w wieku produkcyjnym;ogółem")]
    assert work.set_index("year").loc[2019, "value"] == 39361
    fina = read_bdl_ctab(d / EXPORTS["FINA"])
    # read off the file: row "2474011;Siemianowice Śląskie (1);133955113,8;…" and "…;27030623,35;…" (property tax 2010)
    city = fina[fina["code"] == "2474011"].set_index(["variable", "year"])["value"]
    assert city[("gminy łącznie z miastami na prawach powiatu;razem", 2010)] == pytest.approx(133955113.8)
    assert city[
        ("gminy łącznie z miastami na prawach powiatu;dochody podatkowe - podatek od nieruchomości", 2010)
    ] == pytest.approx(27030623.35)
    assert "0201011" in set(fina["code"])  # the export wrote 201011


def test_api_by_unit_fixture_flags_and_missing(tmp_path, reg):
    df = read_bdl_api_json(wages_json(tmp_path / "w.json"))
    assert 2015 not in set(df["year"])  # attrId 0 with val 0: no data, not a zero
    assert df.set_index("year").loc[2024, "flag"] == "s"
    got = read_file(tmp_path / "w.json", reg.datasets["gus-wynagrodzenia"], reg).frame
    assert dict(zip(got["year"], got["value"], strict=True)) == WAGES
    assert set(got["territory"]) == {"2474011"}


def test_api_real_responses(shared):
    path = shared / "data" / "bdl_api" / "samples_raw_data.json"
    df = read_bdl_api_json(path)
    unit = df[df["unit_id"] == "023000000000"]
    assert unit["variable_id"].unique().tolist() == ["9"]
    assert unit.set_index("year").loc[1995, "value"] == 12 and unit.set_index("year").loc[2024, "value"] == 40
    pl = df[df["unit_id"] == "000000000000"].set_index("year")
    assert pl.loc[1995, "value"] == 168


def test_api_jsonapi_and_by_variable_shapes(tmp_path, reg):
    doc = {
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
        "meta": {"unitId": "012414874011", "unitName": "Siemianowice Śląskie"},
    }
    (tmp_path / "a.json").write_text(json.dumps(doc), encoding="utf-8")
    got = read_file(tmp_path / "a.json", reg.datasets["gus-wynagrodzenia"], reg).frame
    assert got[["territory", "year", "value"]].values.tolist() == [
        ["2474011", 2024, 7136.0],
        ["2474011", 2025, 7872.07],
    ]
    by_var = {
        "results": [
            {"id": "012414869011", "name": "Katowice", "values": [{"year": "2024", "val": 8800, "attrId": 1}]},
            {
                "id": "012414874011",
                "name": "Siemianowice Śląskie",
                "values": [{"year": "2024", "val": 7136, "attrId": 3}],
            },
            {"id": "012414999011", "name": "elsewhere", "values": [{"year": "2024", "val": 1, "attrId": 4}]},
        ]
    }
    (tmp_path / "v.json").write_text(json.dumps(by_var), encoding="utf-8")
    res = read_file(tmp_path / "v.json", reg.datasets["gus-wynagrodzenia"], reg)
    assert res.frame[["territory", "value", "flag"]].values.tolist() == [["2469011", 8800, ""], ["2474011", 7136, "k"]]


def test_import_bdl_cli_out_csv_and_preview(national_dir, tmp_path, capsys):
    src = national_dir / EXPORTS["RYNE"]
    assert main(["import-bdl", str(src), "--out", str(tmp_path / "r.csv")]) == 0
    out = pd.read_csv(tmp_path / "r.csv", dtype={"code": str})
    assert list(out.columns) == CTAB_COLUMNS
    assert out[(out["code"] == "2474011") & (out["year"] == 2024)]["value"].tolist() == [826]
    assert main(["import-bdl", str(src), "--out", str(tmp_path / "r.parquet")]) == 0
    assert len(pd.read_parquet(tmp_path / "r.parquet")) == len(out)
    capsys.readouterr()
    assert main(["import-bdl", str(src)]) == 0
    text = capsys.readouterr().out
    assert "years 2003–2024" in text and "'ogółem' [osoba]" in text and "first rows:" in text
    assert main(["import-bdl", str(tmp_path / "r.csv")]) == 2  # not a CTAB export: a message, exit 2
    assert "not a BDL table export" in capsys.readouterr().err
