"""The bundled sample city: deterministic, calibrated to real figures, in the providers' real formats, with
each planted problem present exactly where data/README.md says."""

from __future__ import annotations

import csv
import io
import json
import shutil
import time
from pathlib import Path

import openpyxl
import pytest
import yaml
from citybank.errors import UserError
from citybank.params import expand_files
from citybank.sample import PLANTED, facts, generate, is_sample, read_marker, sidecar_path, truth
from citybank.sample.model import SampleModel, SampleModelError, load_model, split_total
from citybank.util import dumps_json, sha256_file

CTAB = "gus/LUDN_ludnosc_wg_grup_wieku.csv"
API = "gus/api_by_unit_1750207.json"
PUP = "pup/bezrobocie_2015-2024.xlsx"
GROUP_DIMS = ("w wieku przedprodukcyjnym;ogółem", "w wieku produkcyjnym;ogółem", "w wieku poprodukcyjnym;ogółem")


def read_ctab(path: Path) -> tuple[list[str], dict[str, list[str]]]:
    """Header cells and rows by Kod of a CTAB export (trailing empty cell from the final ';' dropped)."""
    lines = path.read_bytes().decode("utf-8").split("\r\n")
    assert lines[-1] == ""
    rows = list(csv.reader(lines[:-1], delimiter=";"))
    assert all(r[-1] == "" for r in rows), "every CTAB line ends with ';'"
    return rows[0][:-1], {r[0]: r[:-1] for r in rows[1:]}


def ctab_population(path: Path, code: str, year: int) -> int:
    header, rows = read_ctab(path)
    return sum(int(rows[code][header.index(f"{dims};{year};[osoba]")]) for dims in GROUP_DIMS)


def read_um(raw: Path, year: int) -> list[list[str]]:
    return list(
        csv.reader(
            io.StringIO((raw / f"um-ewidencja/zameldowani_{year}.csv").read_bytes().decode("cp1250")), delimiter=";"
        )
    )


def sheet_rows(raw: Path) -> list[tuple]:
    ws = openpyxl.load_workbook(raw / PUP)["Bezrobocie"]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


# ------------------------------------------------------------------ determinism, files, provenance


def test_byte_identical_on_every_run_and_fast(tmp_path: Path) -> None:
    t0 = time.perf_counter()
    first = generate(tmp_path / "a")
    elapsed = time.perf_counter() - t0
    second = generate(tmp_path / "b")
    assert elapsed < 10, f"generation took {elapsed:.1f} s"
    assert [p.relative_to(tmp_path / "a") for p in first] == [p.relative_to(tmp_path / "b") for p in second]
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    assert len(files_a) == 2 * len(first) + 1  # data files, their sidecars, the marker
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes(), rel
    assert first == sorted(first)


def test_every_dataset_has_its_files_with_sidecars(sample_raw: Path, reg) -> None:
    model = SampleModel(reg)
    marker = read_marker(sample_raw)
    assert marker is not None and is_sample(sample_raw)
    listed = {f["path"]: f for f in marker["files"]}
    for ds in reg.datasets.values():
        for rel, _ in expand_files(ds, model.years_of(ds)):
            path = sample_raw / rel
            assert path.is_file(), f"{ds.id}: {rel} missing"
            side = yaml.safe_load(sidecar_path(path).read_text(encoding="utf-8"))
            assert side["sha256"] == sha256_file(path) == listed[rel]["sha256"]
            assert side["dataset"] == ds.id == listed[rel]["dataset"]
            assert side["provider"] == ds.provider and side["licence"] == ds.licence
            assert side["origin"] == "sample" and side["sample"] is True and side["date"] == "2025-03-31"
    datasets = {rel for rel, f in listed.items() if f["dataset"] != "survey"}  # the survey: tests/test_survey.py
    assert datasets == {rel for ds in reg.datasets.values() for rel, _ in expand_files(ds, model.years_of(ds))}


def test_is_sample_false_for_plain_or_foreign_folders(tmp_path: Path) -> None:
    assert not is_sample(tmp_path)
    (tmp_path / "SAMPLE.yml").write_text("generator: somebody-else\n", encoding="utf-8")
    assert not is_sample(tmp_path)


def test_refuses_to_overwrite_real_files_and_regenerates_a_sample(tmp_path: Path) -> None:
    real = tmp_path / "raw" / "gus" / "LUDN_ludnosc_wg_grup_wieku.csv"
    real.parent.mkdir(parents=True)
    real.write_text("real export\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"not the generated sample.*gus/LUDN_ludnosc_wg_grup_wieku\.csv"):
        generate(tmp_path / "raw")
    assert real.read_text(encoding="utf-8") == "real export\n"

    out = tmp_path / "sample"
    generate(out)
    original = (out / "um-ewidencja" / "zameldowani_2016.csv").read_bytes()
    (out / "um-ewidencja" / "zameldowani_2016.csv").unlink()
    generate(out)  # a previous sample is replaced, file by file
    assert (out / "um-ewidencja" / "zameldowani_2016.csv").read_bytes() == original
    (out / "um-ewidencja" / "zameldowani_2017.csv").write_bytes(b"a real file dropped into the sample folder")
    with pytest.raises(UserError, match=r"zameldowani_2017\.csv has changed since the sample was generated"):
        generate(out)
    assert (out / "um-ewidencja" / "zameldowani_2017.csv").read_bytes().startswith(b"a real file")


# ------------------------------------------------------------------ calibration to real facts


def test_gus_population_calibrated(sample_raw: Path) -> None:
    path = sample_raw / CTAB
    # 2015 and 2019 from the real LUDN export: 10889 + 42503 + 14839; 11000 + 39361 + 16480.
    expected = {2015: 68231, 2019: 66841, 2020: 66270, 2021: 64365, 2022: 63883, 2023: 63401, 2024: 62817}
    for year, value in expected.items():
        assert ctab_population(path, "2474011", year) == value, year
        assert ctab_population(path, "2474000", year) == value, year  # the powiat row of a city with powiat rights
    assert ctab_population(path, "2469011", 2019) == 292774  # Katowice, real
    assert ctab_population(path, "2400000", 2019) == 4517635  # ŚLĄSKIE, real
    assert ctab_population(path, "0000000", 2019) == 38382576  # POLSKA, real


def test_facts_match_the_real_exports(national_dir: Path) -> None:
    _, ryne = read_ctab_any(national_dir / "RYNE_1944_registered_unemployed_2003-2024.csv")
    header, _ = read_ctab_any(national_dir / "RYNE_1944_registered_unemployed_2003-2024.csv")
    cols = [header.index(f"ogółem;{y};[osoba]") for y in facts.YEARS]
    for code, series in facts.UNEMPLOYED.items():
        assert tuple(int(ryne[code][i]) for i in cols) == series, code
    header, ludn = read_ctab_any(national_dir / "LUDN_population_by_economic_age_2010-2019.csv")
    for code, groups in facts.GROUPS_2019.items():
        if code in ludn:  # the export holds gminas only; ŚLĄSKIE and POLSKA are sums (checked below for 2474011)
            assert tuple(int(ludn[code][header.index(f"{d};2019;[osoba]")]) for d in GROUP_DIMS) == groups
    for var, dims in zip(facts.GROUP_VARIABLES, GROUP_DIMS, strict=True):
        for year, value in facts.CITY_GROUPS_2015_2019[var].items():
            assert int(ludn["2474011"][header.index(f"{dims};{year};[osoba]")]) == value
    assert (
        sum(int(ludn["2474011"][header.index(f"{d};2014;[osoba]")]) for d in GROUP_DIMS) == facts.CITY_POPULATION_2014
    )


def read_ctab_any(path: Path) -> tuple[list[str], dict[str, list[str]]]:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    return rows[0], {r[0]: r for r in rows[1:]}


def test_demographic_balance_and_real_vital_statistics(reg) -> None:
    model = SampleModel(reg)
    pop = model.real_series("population_total")
    births, deaths = model.real_series("live_births"), model.real_series("deaths")
    migration = model.real_series("net_migration")
    assert (births[2023], deaths[2023], births[2024], deaths[2024]) == (423, 873, 366, 851)
    assert pop[2015] - facts.CITY_POPULATION_2014 == births[2015] - deaths[2015] + migration[2015]
    for y in range(2016, 2025):
        if y != facts.CENSUS_BREAK_YEAR:
            assert pop[y] - pop[y - 1] == births[y] - deaths[y] + migration[y], y
            assert abs(migration[y]) < 0.005 * pop[y], f"{y}: implausible net migration {migration[y]}"
    # across the census break the change is not explained by births, deaths and migration
    assert pop[2021] - pop[2020] != births[2021] - deaths[2021] + migration[2021]


def test_unemployment_and_wage_in_files(sample_raw: Path) -> None:
    rows = {r[0]: r for r in sheet_rows(sample_raw)[4:] if isinstance(r[0], int)}
    assert int(rows[2024][1]) == 826 and int(rows[2015][1]) == 2464 and int(rows[2019][1]) == 888
    doc = json.loads((sample_raw / API).read_text(encoding="utf-8"))
    city = next(r for r in doc["results"] if r["id"] == "012414874011")
    assert city["name"] == "Siemianowice Śląskie"
    assert {"year": "2024", "val": 7136.0, "attrId": 9} in city["values"]  # 2024 is provisional: symbol s
    assert all(v["attrId"] == 1 for v in city["values"] if v["year"] != "2024")


def test_districts_sum_to_the_city(sample_raw: Path, reg) -> None:
    model = SampleModel(reg)
    for var, spec in load_model().items():
        if spec.get("districts") and model.additive(var):
            parts = model.district_values(var)
            for y, v in model.city(var).items():
                assert sum(p[y] for p in parts.values()) == v, (var, y)
    table = read_um(sample_raw, 2015)
    registered = sum(int(r[2]) for r in table[1:])
    assert registered == model.city("population_registered")[2015]
    gap = 1 - registered / model.real_series("population_total")[2015]
    assert 0.015 <= gap <= 0.035
    assert split_total(100, [1, 1, 1], 0) == [34.0, 33.0, 33.0]


def test_every_model_variable_evaluates(reg) -> None:
    """sample_model.yml (edited by others) only names real series and variables that exist."""
    model = SampleModel(reg)
    for var in load_model():
        assert model.city(var), var


def test_model_errors_are_clear(tmp_path: Path, reg) -> None:
    bad = tmp_path / "m.yml"
    bad.write_text("variables:\n  x: {base: 1, real: y}\n", encoding="utf-8")
    with pytest.raises(SampleModelError, match="variables.x: needs exactly one of"):
        load_model(bad)
    bad.write_text("variables:\n  x: {real: nonexistent}\n", encoding="utf-8")
    with pytest.raises(SampleModelError, match="'real: nonexistent' is not a series"):
        SampleModel(reg, bad).city("x")
    bad.write_text("variables:\n  a: {sum_of: [b]}\n  b: {share_of: a, share: 0.5}\n", encoding="utf-8")
    with pytest.raises(SampleModelError, match="circle: a → b → a"):
        SampleModel(reg, bad).city("a")


# ------------------------------------------------------------------ formats as providers send them


def test_cp1250_file_really_is_cp1250(sample_raw: Path) -> None:
    data = (sample_raw / "um-ewidencja/zameldowani_2015.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("cp1250")
    assert text.startswith("Rok;Dzielnica;Zameldowani na pobyt stały\r\n")
    assert "2015;Bańgów;" in text and "2015;Siemianowice (Centrum);" in text


def test_ctab_header_parses_like_the_real_export(sample_raw: Path, national_dir: Path) -> None:
    ours, rows = read_ctab(sample_raw / CTAB)
    real, _ = read_ctab_any(national_dir / "LUDN_population_by_economic_age_2010-2019.csv")
    assert ours[:2] == real[:2] == ["Kod", "Nazwa"]
    assert ours[2] == "w wieku przedprodukcyjnym;ogółem;2015;[osoba]"
    common = [c for c in ours[2:] if int(c.split(";")[-2]) <= 2019]
    assert common and set(common) <= set(real)  # byte-for-byte the real header cells
    assert len(ours) == 2 + 3 * 10
    raw = (sample_raw / CTAB).read_bytes()
    assert raw.startswith(b'"Kod";"Nazwa";"w wieku') and raw.count(b"\r\n") == len(rows) + 1
    assert rows["2474011"][1] == "Siemianowice Śląskie (1)" and rows["2474000"][1] == "Powiat m. Siemianowice Śląskie"
    assert rows["2400000"][1] == "ŚLĄSKIE" and rows["0000000"][1] == "POLSKA" and rows["2463011"][1] == "Chorzów (1)"
    assert list(rows) == sorted(rows) and all(len(k) == 7 and k.isdigit() for k in rows)


def test_bdl_api_json_shape(sample_raw: Path, reg) -> None:
    text = (sample_raw / API).read_text(encoding="utf-8")
    doc = json.loads(text)
    assert text == dumps_json(doc)  # sorted keys, canonical
    assert doc["variableId"] == 1750207 and doc["totalRecords"] == len(doc["results"]) == 3 + len(reg.city.peers)
    ids = [r["id"] for r in doc["results"]]
    assert ids == sorted(ids) and {"000000000000", "012400000000", "012414874011", "012414869011"} <= set(ids)
    assert all(isinstance(v["year"], str) and len(r["values"]) == 10 for r in doc["results"] for v in r["values"])


def test_xlsx_layout_and_fixed_properties(sample_raw: Path) -> None:
    wb = openpyxl.load_workbook(sample_raw / PUP)
    ws = wb["Bezrobocie"]
    assert {str(r) for r in ws.merged_cells.ranges} == {"A3:A4", "B3:C3"}
    assert (ws["A3"].value, ws["B3"].value, ws["B4"].value, ws["C4"].value) == (
        "Rok",
        "Bezrobotni zarejestrowani",
        "ogółem",
        "w tym kobiety",
    )
    assert ws["A1"].value.startswith("Bezrobotni zarejestrowani")
    rows = sheet_rows(sample_raw)
    assert any(isinstance(r[1], str) and r[1].isdigit() for r in rows[4:]), "some numbers stored as text"
    assert any(isinstance(r[0], str) and r[0].startswith("Źródło:") for r in rows)
    assert any(isinstance(r[0], str) and r[0].startswith("Uwaga:") for r in rows)
    assert str(wb.properties.created) == str(wb.properties.modified) == "2025-03-31 00:00:00"


# ------------------------------------------------------------------ planted problems


def test_planted_list_is_complete() -> None:
    kinds = [p["kind"] for p in PLANTED]
    assert sorted(kinds) == sorted(
        [
            "provider_disagreement",
            "missing_year",
            "renamed_column",
            "district_alias",
            "unknown_district",
            "factor_10",
            "duplicate_row",
            "copy_forward",
        ]
    )
    assert all({"dataset", "file", "year", "kind", "description", "check", "rows"} <= set(p) for p in PLANTED)


def test_planted_problems_are_in_the_files(sample_raw: Path, reg) -> None:
    lookup = reg.city.district_lookup
    gus = {y: ctab_population(sample_raw / CTAB, "2474011", y) for y in range(2015, 2025)}
    # (1) registered residents vs GUS: an explained 1.5–3.5 % every year, about 11 % in 2022 only
    for y in range(2015, 2025):
        rows = read_um(sample_raw, y)[1:]
        gap = 1 - sum(int(r[2]) for r in rows) / gus[y]
        assert (0.105 < gap < 0.115) if y == 2022 else (0.015 <= gap <= 0.0355), (y, gap)
    # (3) the 2019 header is the alias, every other year the descriptor's source
    assert read_um(sample_raw, 2019)[0][2] == "Liczba zameldowanych"
    assert read_um(sample_raw, 2018)[0][2] == "Zameldowani na pobyt stały"
    # (4) aliases mapped by params/city.yml; one spelling that must be rejected
    r2020 = read_um(sample_raw, 2020)
    assert (r2020[3][1], r2020[5][1]) == ("Michalkowice", "Centrum")  # file rows 4 and 6
    assert lookup["michalkowice"] == "2474011-03" and lookup["centrum"] == "2474011-05"
    r2023 = read_um(sample_raw, 2023)
    assert r2023[3][1] == "Michałkowice Płn." and "michałkowice płn." not in lookup  # file row 4
    assert all(r[1].casefold() in lookup for y in (2015, 2021, 2024) for r in read_um(sample_raw, y)[1:])
    # (2), (5), (6) in the labour office sheet (sheet rows are 1-based: row 5 is index 4)
    rows = sheet_rows(sample_raw)
    years = [r[0] for r in rows[4:14]]
    assert years == [2015, 2016, 2016, 2017, 2019, 2020, 2021, 2022, 2023, 2024]
    assert rows[5] == rows[6] and int(rows[5][1]) == 1675  # rows 6 and 7
    assert rows[7][0] == 2017 and rows[8][0] == 2019  # rows 8 and 9: 2018 missing
    assert (rows[10][0], int(rows[10][1])) == (2021, 9230)  # row 11: 923 × 10
    by_id = {p["id"]: p for p in PLANTED}
    assert by_id["factor_10"]["rows"] == [11] and by_id["duplicate_row"]["rows"] == [6, 7]
    assert by_id["district_alias"]["rows"] == [4, 6] and by_id["unknown_district"]["rows"] == [4]
    for p in PLANTED:
        assert (sample_raw / p["file"]).is_file(), p["file"]


def test_truth_table(reg) -> None:
    t = truth(reg)
    assert list(t.columns) == ["variable", "territory", "year", "value"]
    assert str(t["year"].dtype) == "int64" and str(t["value"].dtype) == "float64"
    assert not t.duplicated(["variable", "territory", "year"]).any()
    cell = t.set_index(["variable", "territory", "year"])["value"]
    assert cell[("registered_unemployed", "2474011", 2021)] == 923  # the truth, not the planted 9230
    assert cell[("median_gross_wage", "2474011", 2024)] == 7136.0
    assert cell[("population_working", "2474011", 2019)] == 39361
    districts = t[(t["variable"] == "population_registered") & (t["year"] == 2022)]
    assert len(districts) == len(reg.city.districts)
    assert districts["value"].sum() == SampleModel(reg).city("population_registered")[2022]


# ------------------------------------------------------------------ generic over descriptors


NEW_VARIABLE = """
  - id: sample_test_length
    name: {pl: Długość testowa, en: Test length, de: Testlänge}
    unit: km
    kind: length
    additive: true
    definition: {pl: Test., en: Test., de: Test.}
"""

NEW_DATASETS = {
    "zz-test-wide": """
id: zz-test-wide
title: {pl: Test szeroki, en: Wide test, de: Breiter Test}
description: {pl: Test., en: Test., de: Test.}
category: CATEGORY
provider: PROVIDER
frequency: annual
openness: 3
licence: CC-BY-4.0
first_year: 2018
last_year: 2030
source:
  format: csv
  files: [test/wide.csv]
  encoding: utf-8-sig
  delimiter: ";"
  decimal: ","
  thousands: " "
  layout: wide_years
  columns:
    - {source: "Długość sieci [tys. km]", variable: sample_test_length, scale: 1000}
""",
    "zz-test-xlsx": """
id: zz-test-xlsx
title: {pl: Test arkusz, en: Sheet test, de: Blatttest}
description: {pl: Test., en: Test., de: Test.}
category: CATEGORY
provider: PROVIDER
frequency: annual
openness: 2
licence: CC-BY-4.0
first_year: 2015
last_year: 2024
source:
  format: xlsx
  files: ["test/arkusz_{year}.xlsx"]
  sheet: 1
  header_row: 1
  year_column: Rok
  territory_column: Dzielnica
  columns:
    - {source: "Wynagrodzenie", variable: median_gross_wage_copy}
""",
}


def test_generic_over_new_descriptors(tmp_path: Path, root: Path) -> None:
    """A dataset added later (any format, layout, encoding, scale) is generated without code changes."""
    from citybank.params import load_params

    params = tmp_path / "params"
    shutil.copytree(root / "params", params)
    base = load_params(params, extras=False)
    cat, prov = next(iter(base.categories)), next(iter(base.providers))
    wage = NEW_VARIABLE.replace("sample_test_length", "median_gross_wage_copy").replace("kind: length", "kind: mean")
    wage = wage.replace("additive: true", "additive: false").replace("unit: km", "unit: PLN")
    with (params / "variables.yml").open("a", encoding="utf-8") as fh:
        fh.write(NEW_VARIABLE + wage)
    for ds_id, text in NEW_DATASETS.items():
        (params / "datasets" / f"{ds_id}.yml").write_text(
            text.replace("CATEGORY", cat).replace("PROVIDER", prov), encoding="utf-8"
        )
    files = generate(tmp_path / "raw", params_root=params)
    rels = {p.relative_to(tmp_path / "raw").as_posix() for p in files}
    assert "test/wide.csv" in rels and {f"test/arkusz_{y}.xlsx" for y in range(2015, 2025)} <= rels
    wide = (tmp_path / "raw/test/wide.csv").read_bytes()
    assert wide.startswith("\ufeffWskaźnik;2018;2019;".encode())  # utf-8-sig, years 2018–2024 only
    label, *cells = wide.decode("utf-8-sig").splitlines()[1].split(";")
    assert label == "Długość sieci [tys. km]" and len(cells) == 7 and all("," in c for c in cells)
    book = openpyxl.load_workbook(tmp_path / "raw/test/arkusz_2020.xlsx")
    assert book.sheetnames == ["Arkusz1", "Arkusz2"]  # `sheet: 1` is the second sheet
    ws = book.worksheets[1]
    assert [c.value for c in ws[1]][:3] == ["Rok", "Dzielnica", "Wynagrodzenie"]
    assert [ws.cell(row=r, column=2).value for r in range(2, 7)] == [d.name for d in base.city.districts]
