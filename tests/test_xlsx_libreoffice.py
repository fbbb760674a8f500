"""The published workbooks open in another spreadsheet program: LibreOffice (headless) converts each to XLSX
again, and the values, the named Excel tables and the number formats read back the same."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from citybank import publish
from citybank.paths import PATHS

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = [
    pytest.mark.skipif(
        SOFFICE is None, reason="LibreOffice is not installed (Debian: libreoffice-calc; .ci/run installs it)"
    ),
    pytest.mark.skipif(
        not (PATHS.bank / "bank.parquet").is_file() and not (PATHS.bank / "bank.duckdb").is_file(),
        reason="needs the bank: run `citybank prepare --year 2024` (make data) first",
    ),
]
WORKBOOKS = ["ludnosc.xlsx", "iso37120.xlsx"]


@pytest.fixture(scope="module")
def roundtrip(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("published")
    publish.publish_year(2024, out=out)
    back = tmp_path_factory.mktemp("libreoffice")
    profile = tmp_path_factory.mktemp("lo-profile")
    proc = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(back),
            *(str(out / w) for w in WORKBOOKS),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    return out, back


def _sheets(path: Path) -> dict[str, pd.DataFrame]:
    return pd.read_excel(path, sheet_name=None, engine="openpyxl")


@pytest.mark.parametrize("name", WORKBOOKS)
def test_values_read_back_the_same(roundtrip, name):
    out, back = roundtrip
    mine, theirs = _sheets(out / name), _sheets(back / name)
    assert list(mine) == list(theirs)
    for sheet in (publish.DATA_SHEET, publish.PIVOT_SHEET):
        if sheet in mine:
            pd.testing.assert_frame_equal(mine[sheet], theirs[sheet], check_dtype=False, obj=f"{name}: {sheet}")
    assert theirs[publish.ABOUT_SHEET].iloc[:, 0].tolist() == mine[publish.ABOUT_SHEET].iloc[:, 0].tolist()


def test_tables_and_number_formats_survive(roundtrip):
    out, back = roundtrip
    wb = openpyxl.load_workbook(back / "ludnosc.xlsx")
    names = {t for ws in wb.worksheets for t in ws.tables}
    assert {"Dane_ludnosc", "Przestawna_ludnosc"} <= names
    ws = wb[publish.PIVOT_SHEET]
    header = [c.value for c in ws[1]]
    assert header == list(publish.PIVOT_COLUMNS.values())
    value = ws.cell(2, header.index("Wartość") + 1)
    year = ws.cell(2, header.index("Rok") + 1)
    assert value.number_format.replace("\\", "") in {"#,##0", "#,##0.0###"}
    assert year.number_format == "0" and isinstance(year.value, int)
