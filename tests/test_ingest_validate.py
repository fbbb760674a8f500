"""Validation (every problem at once, rejects quarantined) and ``citybank validate-file`` on the bad corpus."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from citybank.cli import main
from citybank.ingest.common import READ_COLUMNS
from citybank.ingest.validate import validate, yoy_outliers
from citybank.util import sha256_file
from ingest_fixtures import bad_corpus, pup_xlsx, zameldowani_csv

BAD = Path(__file__).parent / "data" / "bad"


def _rows(values: dict[int, float], variable: str = "registered_unemployed", territory: str = "2474011"):
    n = len(values)
    return pd.DataFrame(
        {
            "variable": [variable] * n,
            "territory": [territory] * n,
            "year": list(values),
            "value": [float(v) for v in values.values()],
            "flag": [""] * n,
            "source_row": range(2, n + 2),
            "column": ["c"] * n,
            "raw_value": [""] * n,
            "raw_territory": [""] * n,
            "source_file": ["f.csv"] * n,
        }
    )[[*READ_COLUMNS, "source_file"]].astype({"year": "Int64"})


def test_yoy_rejects_the_planted_outlier_not_its_neighbour():
    series = {2018: 1145, 2019: 888, 2020: 1311, 2021: 9230, 2022: 860, 2023: 798}
    flags = yoy_outliers(_rows(series), 2.0)
    assert flags.tolist() == [False, False, False, True, False, False]
    first = {2015: 24640, 2016: 1675, 2017: 1364, 2018: 1145}  # the outlier is the first year
    assert yoy_outliers(_rows(first), 2.0).tolist() == [True, False, False, False]


def test_yoy_keeps_a_real_step_change():
    step = {2015: 100, 2016: 100, 2017: 100, 2018: 300, 2019: 300, 2020: 300}
    assert not yoy_outliers(_rows(step), 2.0).any()


def test_every_problem_at_once(reg):
    ds = reg.datasets["pup-bezrobocie"]
    df = _rows(
        {
            2015: 2464,
            2016: 1675,
            2017: 1364,
            2019: 888,
            2020: 1311,
            2021: 9230,
            2022: 860,
            2023: 798,
            2024: 826,
            2031: 800,
        }
    )
    dup = df[df["year"] == 2016].assign(source_row=99)
    neg = df[df["year"] == 2023].assign(value=-3.0, year=2023, source_row=50)
    text = df[df["year"] == 2024].assign(value=float("nan"), raw_value="b.d.", source_row=60)
    v = validate(pd.concat([df, dup, neg, text], ignore_index=True), ds, reg)
    got = sorted(zip(v.rejected["check"], v.rejected["source_row"].astype(int), strict=True))
    assert got == [("duplicate", 99), ("future_year", 11), ("range", 50), ("type", 60), ("yoy_jump", 7)]
    assert v.notes[["check", "value"]].values.tolist() == [["missing_year", "2018, 2021"]]
    assert sorted(v.accepted["year"]) == [2015, 2016, 2017, 2019, 2020, 2022, 2023, 2024]
    assert v.rejected.set_index("check").loc["duplicate", "reason"].endswith("the first one (row 3) is kept")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict[str, Path]:
    return bad_corpus(tmp_path_factory.mktemp("bad"))


def test_committed_corpus_matches_the_generator(corpus):
    for name, path in corpus.items():
        committed = BAD / name
        assert committed.is_file(), f"tests/data/bad/{name} missing: run tests/ingest_fixtures.bad_corpus"
        if not name.endswith("xlsx.csv") and name != "bezrobocie_truncated.xlsx":  # zip bytes carry a timestamp
            assert committed.read_bytes() == path.read_bytes(), name


CASES = {
    "zameldowani_empty.csv": ["is an empty file", "ask the provider for the file again"],
    "zameldowani_utf16.csv": ["is a UTF-16 text file", "save it as UTF-8"],
    "zameldowani_wrong_encoding.csv": ["is not valid cp1250 text", "line 2"],
    "zameldowani_missing_column.csv": ["[required_column]", "'Liczba zameldowanych'", "found: 'Rok', 'Dzielnica'"],
    "zameldowani_text_in_number.csv": ["row 3", "[type] text in a numeric column", "found 'brak danych'"],
    "zameldowani_duplicates.csv": ["row 3", "[duplicate]", "the first one (row 2) is kept"],
    "zameldowani_future_year.csv": ["row 2", "[future_year] year 2031", "up to 2024"],
    "zameldowani_unknown_district.csv": ["column 'Dzielnica'", "'Zalesie' is not a district", "Bańgów"],
    "zameldowani_negative.csv": ["[range] -5 is below the minimum", "at least 0"],
    "zameldowani_really_xlsx.csv": ["is an Excel workbook (XLSX)", "declares format 'csv'"],
    "bezrobocie_truncated.xlsx": ["damaged or incomplete Excel file", "download or export it again"],
    "bezrobocie_encrypted.xlsx": ["password-protected (encrypted) Excel workbook", "without a password"],
    "bezrobocie_old.xlsx": ["Excel 97–2003 workbook (.xls)", "save it as .xlsx"],
    "bezrobocie_really_csv.xlsx": ["is a delimited text file (CSV)", "declares format 'xlsx'"],
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_validate_file_explains_each_bad_file(corpus, name, capsys):
    dataset = "pup-bezrobocie" if name.startswith("bezrobocie") else "um-ludnosc-dzielnice"
    before = sha256_file(corpus[name])
    assert main(["validate-file", str(corpus[name]), "--dataset", dataset]) == 1
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    for part in CASES[name]:
        assert part in out.out, f"{part!r} not in:\n{out.out}"
    assert sha256_file(corpus[name]) == before  # raw files are never modified


def test_validate_file_clean_files_exit_zero(tmp_path, capsys):
    csv = zameldowani_csv(tmp_path / "zameldowani_2024.csv", 2024)
    assert main(["validate-file", str(csv), "--dataset", "um-ludnosc-dzielnice"]) == 0
    assert "OK — 5 values" in capsys.readouterr().out
    xlsx = pup_xlsx(tmp_path / "b.xlsx")
    assert main(["validate-file", str(xlsx), "--dataset", "pup-bezrobocie"]) == 0


def test_validate_file_planted_factor_10(tmp_path, capsys):
    xlsx = pup_xlsx(tmp_path / "b.xlsx", planted={2021: 9230})
    assert main(["validate-file", str(xlsx), "--dataset", "pup-bezrobocie"]) == 1
    out = capsys.readouterr().out
    assert "row 11, column 'Bezrobotni zarejestrowani / ogółem': [yoy_jump]" in out and "found '9230'" in out


def test_validate_file_unknown_dataset(tmp_path, capsys):
    assert main(["validate-file", str(tmp_path), "--dataset", "nope"]) == 2
    assert "unknown dataset 'nope'" in capsys.readouterr().err


def refresh_committed_corpus() -> None:  # pragma: no cover - run by hand when the generator changes
    tmp = BAD.parent / ".bad_tmp"
    bad_corpus(tmp)
    for f in tmp.iterdir():
        shutil.copy(f, BAD / f.name)
    shutil.rmtree(tmp)


# ---------------------------------------------------------------- the variable's valid range


def test_variable_valid_range_defaults_by_kind(reg):
    from citybank.params import Variable

    def var(kind: str, unit: str, **extra) -> Variable:
        text = {"pl": "x", "en": "x", "de": "x"}
        return Variable(id="v", name=text, definition=text, unit=unit, kind=kind, **extra)

    assert (var("share", "%").bounds.min, var("share", "%").bounds.max) == (0, 100)
    assert (var("rate", "%").bounds.min, var("rate", "%").bounds.max) == (0, 100)
    for kind in ("count", "amount", "length", "area"):
        assert (var(kind, "x").bounds.min, var(kind, "x").bounds.max) == (0, None), kind
    assert var("mean", "PLN").bounds.unbounded and var("index", "index").bounds.unbounded
    assert var("share", "%", valid_range={"min": 10, "max": 20}).bounds.describe("%") == "10–20 %"
    with pytest.raises(ValueError, match="min 5 is above max 1"):
        var("share", "%", valid_range={"min": 5, "max": 1})
    # the real params: shares in % are 0–100, inflation and the change in species may be negative
    assert reg.variables["registered_unemployed"].bounds.describe("persons") == "at least 0 persons"
    assert reg.variables["food_local_share_pct"].bounds.describe("%") == "0–100 %"
    assert reg.variables["inflation_5y_avg"].bounds.describe("%") == "at least -100 %"
    assert reg.variables["gini_coefficient"].bounds.describe() == "0–1"


def test_value_outside_the_variable_valid_range_is_quarantined(reg):
    """A share above 100 % passes the dataset's checks (min 0, no max) but not the variable's range."""
    from dataclasses import replace

    from citybank.params import Dataset, ValidRange

    text = {"pl": "x", "en": "x", "de": "x"}
    share = reg.variables["food_local_share_pct"]  # kind share, unit %: 0–100 by default
    capped = reg.variables["registered_unemployed"].model_copy(update={"valid_range": ValidRange(min=0, max=5000)})
    test_reg = replace(reg, variables={**reg.variables, "registered_unemployed": capped})
    ds = Dataset.model_validate(
        {
            "id": "test-udzialy",
            "title": text,
            "description": text,
            "category": "biznes",
            "provider": "pup",
            "frequency": "annual",
            "openness": 3,
            "licence": "CC-BY-4.0",
            "first_year": 2022,
            "last_year": 2024,
            "source": {
                "format": "csv",
                "files": ["x/udzialy.csv"],
                "columns": [
                    {"source": "Udział", "variable": share.id},
                    {"source": "Bezrobotni", "variable": "registered_unemployed"},
                ],
            },
        }
    )
    rows = pd.concat(
        [
            _rows({2022: 40.0, 2023: 100.0, 2024: 100.5}, variable=share.id).assign(column="Udział"),
            _rows({2022: 826.0, 2023: 9230.0, 2024: 800.0}).assign(column="Bezrobotni", source_row=[5, 6, 7]),
        ],
        ignore_index=True,
    )
    v = validate(rows, ds, test_reg)
    got = v.rejected[["source_file", "source_row", "column", "value", "check", "reason", "expected"]]
    assert got.astype({"source_row": int}).values.tolist() == [
        [
            "f.csv",
            4,
            "Udział",
            "100.5",
            "valid_range",
            "100.5 is outside the valid range of food_local_share_pct",
            "0–100 % (valid_range in params/variables.yml)",
        ],
        [
            "f.csv",
            6,
            "Bezrobotni",
            "9230",
            "valid_range",
            "9230 is outside the valid range of registered_unemployed",
            "0–5000 persons (valid_range in params/variables.yml)",
        ],
    ]
    assert sorted(zip(v.accepted["variable"], v.accepted["year"], strict=True)) == [
        ("food_local_share_pct", 2022),
        ("food_local_share_pct", 2023),  # exactly 100 % is valid
        ("registered_unemployed", 2022),
        ("registered_unemployed", 2024),
    ]
