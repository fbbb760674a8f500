"""Readers for delimited text and XLSX: encodings, delimiters, number formats, headers, districts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from citybank.ingest import read_file
from citybank.ingest.common import SourceFileError, decode_text, detect_delimiter, parse_numbers
from citybank.params import Dataset
from ingest_fixtures import DISTRICTS, UNEMPLOYED, district_value, pup_xlsx, zameldowani_csv


def _ds(reg, base: str, **source) -> Dataset:
    """A copy of a reference descriptor with some source keys changed."""
    d = reg.datasets[base].model_dump()
    d["source"].update(source)
    return Dataset.model_validate(d)


def test_parse_numbers_polish_formats():
    raw = pd.Series(["1 234,5", "1\u00a0234,5", "12\u202f345", "1.234,5", "-", "", "abc", "−7", " 42 "])
    got = parse_numbers(raw, decimal=",")
    assert got.iloc[:4].tolist() == [1234.5, 1234.5, 12345.0, 1234.5]
    assert got.iloc[4:7].isna().all()
    assert got.iloc[7:].tolist() == [-7.0, 42.0]
    dot = parse_numbers(pd.Series(["1,234.5", "3.25"]), decimal=".", thousands=",")
    assert dot.tolist() == [1234.5, 3.25]


def test_cp1250_districts_aliases_and_thousands(tmp_path, reg):
    ds = reg.datasets["um-ludnosc-dzielnice"]
    path = zameldowani_csv(tmp_path / "zameldowani_2021.csv", 2021)
    frame = read_file(path, ds, reg, file_year=2021).frame
    assert len(frame) == 5
    by = dict(zip(frame["territory"], frame["value"], strict=True))
    assert by["2474011-02"] == district_value("Bytków", 2021) == 14071  # "14 071" with a NBSP
    assert by["2474011-05"] == DISTRICTS["Centrum"] - 30 + 4  # "Centrum" is an alias of Siemianowice (Centrum)
    assert frame["source_row"].tolist() == [2, 3, 4, 5, 6]
    assert set(frame["year"]) == {2021}


def test_encoding_detected_when_not_declared(tmp_path, reg):
    ds = _ds(reg, "um-ludnosc-dzielnice", encoding=None, delimiter=None)
    path = zameldowani_csv(tmp_path / "z.csv", 2024)
    assert decode_text(path, path.read_bytes(), None)[1] == "cp1250"
    frame = read_file(path, ds, reg).frame
    assert frame.set_index("territory").loc["2474011-01", "value"] == 6210


def test_utf8_bom_comma_quoted_and_alias_header(tmp_path, reg):
    ds = _ds(reg, "um-ludnosc-dzielnice", encoding=None, delimiter=None, decimal=".", thousands=",")
    text = '\ufeffRok,Dzielnica,"Liczba zameldowanych"\n2024,"Bytków","14,100"\n2024,Przełajka,"3,980.0"\n'
    path = tmp_path / "z.csv"
    path.write_text(text, encoding="utf-8")
    assert detect_delimiter(text) == ","
    frame = read_file(path, ds, reg).frame
    assert dict(zip(frame["territory"], frame["value"], strict=True)) == {"2474011-02": 14100.0, "2474011-04": 3980.0}


def test_tab_delimited_year_from_file_name(tmp_path, reg):
    ds = _ds(reg, "um-ludnosc-dzielnice", encoding=None, delimiter=None, year_column=None)
    path = tmp_path / "zameldowani_2017.csv"
    path.write_text("Dzielnica\tZameldowani na pobyt stały\nBańgów\t6 100\n", encoding="utf-8")
    frame = read_file(path, ds, reg, file_year=2017).frame
    assert frame[["territory", "year", "value"]].values.tolist() == [["2474011-01", 2017, 6100.0]]


def test_unknown_district_is_kept_for_quarantine(tmp_path, reg):
    ds = reg.datasets["um-ludnosc-dzielnice"]
    path = tmp_path / "z.csv"
    path.write_bytes("Rok;Dzielnica;Zameldowani na pobyt stały\n2024;Zalesie;900\n".encode("cp1250"))
    frame = read_file(path, ds, reg).frame
    assert frame["territory"].tolist() == [""] and frame["raw_territory"].tolist() == ["Zalesie"]


def test_wide_years_layout(tmp_path, reg):
    ds = _ds(reg, "um-ludnosc-dzielnice", layout="wide_years", year_column=None, encoding="utf-8")
    path = tmp_path / "wide.csv"
    path.write_text("Dzielnica;2022;2023;2024\nBytków;14 080;14 090;\nBańgów;6190;6200;6210\n", encoding="utf-8")
    frame = read_file(path, ds, reg).frame.dropna(subset=["value"])
    got = {(t, y): v for t, y, v in zip(frame["territory"], frame["year"], frame["value"], strict=True)}
    assert got == {
        ("2474011-02", 2022): 14080,
        ("2474011-02", 2023): 14090,
        ("2474011-01", 2022): 6190,
        ("2474011-01", 2023): 6200,
        ("2474011-01", 2024): 6210,
    }


def test_xlsx_two_merged_header_rows_and_footnotes(tmp_path, reg):
    ds = reg.datasets["pup-bezrobocie"]
    path = pup_xlsx(tmp_path / "b.xlsx")
    result = read_file(path, ds, reg)
    frame = result.frame
    assert result.problems == []
    assert dict(zip(frame["year"], frame["value"], strict=True)) == {y: float(v) for y, v in UNEMPLOYED.items()}
    assert frame["source_row"].tolist() == list(range(5, 15))  # sheet rows; footnotes in rows 16-17 ignored
    assert set(frame["column"]) == {"Bezrobotni zarejestrowani / ogółem"}
    assert set(frame["territory"]) == {"2474011"}


def test_xlsx_header_detected_and_numbers_stored_as_text(tmp_path, reg):
    ds = _ds(reg, "pup-bezrobocie", header_row=None)
    path = pup_xlsx(tmp_path / "b.xlsx", numbers_as_text=True)
    frame = read_file(path, ds, reg).frame
    assert frame.set_index("year").loc[2015, "value"] == 2464.0  # "2 464" typed as text with a NBSP


def test_xlsx_single_header_read_only_with_title_rows(tmp_path, reg):
    import openpyxl

    ds = _ds(
        reg,
        "pup-bezrobocie",
        header_row=None,
        header_rows=1,
        columns=[{"source": "Bezrobotni ogółem", "variable": "registered_unemployed"}],
    )
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bezrobocie"
    ws.append(["Tabela 1. Bezrobotni"])
    ws.append([])
    ws.append(["Rok", "Bezrobotni ogółem"])
    ws.append([2023, 798])
    ws.append(["2024", "826"])
    ws.append(["Uwaga: dane za 2024 r. wstępne"])
    wb.save(tmp_path / "one.xlsx")
    frame = read_file(tmp_path / "one.xlsx", ds, reg).frame
    assert frame[["year", "value", "source_row"]].values.tolist() == [[2023, 798, 4], [2024, 826, 5]]


def test_xlsx_missing_sheet_is_a_clear_error(tmp_path, reg):
    ds = _ds(reg, "pup-bezrobocie", sheet="Arkusz9")
    path = pup_xlsx(tmp_path / "b.xlsx")
    with pytest.raises(SourceFileError, match="no sheet 'Arkusz9'; sheets: Bezrobocie"):
        read_file(path, ds, reg)


def test_reader_never_modifies_raw_files(tmp_path, reg):
    from citybank.util import sha256_file

    files = [pup_xlsx(tmp_path / "b.xlsx"), zameldowani_csv(tmp_path / "z.csv", 2020)]
    before = [sha256_file(f) for f in files]
    read_file(files[0], reg.datasets["pup-bezrobocie"], reg)
    read_file(files[1], reg.datasets["um-ludnosc-dzielnice"], reg)
    assert [sha256_file(f) for f in files] == before
    assert Path(files[0]).stat().st_size > 0
