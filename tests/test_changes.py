"""What changed since the last publication (citybank.changes) on two small hand-made data packages."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from citybank.changes import changes_report, compare_packages, previous_release, read_package, revisions_frame
from citybank.errors import UserError

HEADER = "variable,territory,year,value,unit,dataset,provider,source_file,source_row,source_sha256\n"


def package(folder: Path, rows: str) -> Path:
    """A data package of one category CSV (the columns publish writes, a subset) and an ISO-like table without
    the value columns, which the comparison must leave out."""
    folder.mkdir(parents=True)
    (folder / "ludnosc.csv").write_text(HEADER + rows, encoding="utf-8")
    (folder / "iso37120.csv").write_text("id,name\n5.1,x\n", encoding="utf-8")
    fields = [{"name": n} for n in HEADER.strip().split(",")]
    meta = {
        "resources": [
            {"name": "ludnosc", "path": "ludnosc.csv", "type": "table", "format": "csv", "schema": {"fields": fields}},
            {
                "name": "iso",
                "path": "iso37120.csv",
                "type": "table",
                "format": "csv",
                "schema": {"fields": [{"name": "id"}, {"name": "name"}]},
            },
            {"name": "headlines", "path": "headlines.json", "type": "file", "format": "json"},
        ]
    }
    (folder / "datapackage.json").write_text(json.dumps(meta), encoding="utf-8")
    return folder


OLD = (
    "births,2474011,2022,410,persons,usc-urodzenia,um-ewidencja,usc/u.csv,2,aaa\n"
    "births,2474011,2023,423,persons,usc-urodzenia,um-ewidencja,usc/u.csv,3,aaa\n"
    "deaths,2474011,2023,873,persons,usc-zgony,um-ewidencja,usc/z.csv,2,bbb\n"
    "pop,0201011,2023,1000.5,persons,gus-ludnosc,gus,gus/l.csv,7,ccc\n"
)
NEW = (
    "births,2474011,2022,410,persons,usc-urodzenia,um-ewidencja,usc/u.csv,2,ddd\n"  # same value, new file hash
    "births,2474011,2023,425,persons,usc-urodzenia,um-ewidencja,usc/u.csv,3,ddd\n"  # revised 423 -> 425
    "pop,0201011,2023,1000.5,persons,gus-ludnosc,gus,gus/l.csv,7,ccc\n"
    "wage,2474011,2024,7136,PLN,gus-place,gus,gus/p.csv,4,eee\n"  # a new dataset
)


@pytest.fixture()
def releases(tmp_path: Path) -> Path:
    reports = tmp_path / "reports"
    package(reports / "2023" / "data", OLD)
    package(reports / "2024" / "data", NEW)
    return reports


def test_compare_two_hand_made_packages(releases: Path):
    old = read_package(releases / "2023" / "data")
    new = read_package(releases / "2024" / "data")
    assert len(old) == 4 and old["territory"].tolist()[-1] == "0201011"  # codes stay text, leading zero kept
    ch = compare_packages(old, new)
    assert ch["datasets_added"] == ["gus-place"]
    assert ch["datasets_removed"] == ["usc-zgony"]
    assert ch["values"] == {"added": 1, "removed": 1, "revised": 1, "unchanged": 2}
    assert ch["added_by_dataset"] == {"gus-place": 1}
    assert ch["removed_by_dataset"] == {"usc-zgony": 1}
    assert ch["removed"] == [
        {
            "variable": "deaths",
            "territory": "2474011",
            "year": 2023,
            "value": 873,
            "dataset": "usc-zgony",
            "source_file": "usc/z.csv",
            "source_row": 2,
            "source_sha256": "bbb",
        }
    ]
    (rev,) = ch["revisions"]
    assert (rev["variable"], rev["territory"], rev["year"], rev["old_value"], rev["new_value"]) == (
        "births",
        "2474011",
        2023,
        423,
        425,
    )
    assert (rev["old_source_sha256"], rev["new_source_sha256"], rev["new_source_row"]) == ("aaa", "ddd", 3)
    table = revisions_frame(ch)
    assert table.shape == (1, 13) and table.loc[0, "new_value"] == 425


def test_previous_release_is_the_newest_earlier_package(releases: Path):
    assert previous_release(releases, 2024) == 2023
    assert previous_release(releases, 2023) is None
    assert previous_release(releases, 2030) == 2024
    report = changes_report(2024, read_package(releases / "2024" / "data"), releases)
    assert report["previous_release"] == 2023 and not report["first_release"]
    assert report["values"]["revised"] == 1


def test_first_release_says_so(releases: Path):
    rows = read_package(releases / "2023" / "data")
    report = changes_report(2023, rows, releases)
    assert report["first_release"] and report["previous_release"] is None
    assert report["datasets_added"] == ["gus-ludnosc", "usc-urodzenia", "usc-zgony"]
    assert report["values"] == {"added": 4, "removed": 0, "revised": 0, "unchanged": 0}
    assert changes_report(2023, rows, None)["first_release"]


def test_not_a_package_is_named(tmp_path: Path):
    with pytest.raises(UserError, match="datapackage.json does not exist"):
        read_package(tmp_path)
    package(tmp_path / "p", OLD)
    (tmp_path / "p" / "ludnosc.csv").unlink()
    with pytest.raises(UserError, match="lists ludnosc.csv but"):
        read_package(tmp_path / "p")


def test_tiny_float_noise_is_not_a_revision():
    base = {
        "variable": "x",
        "territory": "1",
        "year": 2020,
        "dataset": "d",
        "source_file": "f",
        "source_row": 1,
        "source_sha256": "s",
    }
    old = pd.DataFrame([{**base, "value": 0.1 + 0.2}])
    new = pd.DataFrame([{**base, "value": 0.3}])
    assert compare_packages(old, new)["values"]["revised"] == 0
    assert compare_packages(old, new.assign(value=0.31))["values"]["revised"] == 1
