"""The data package as an academic partner uses it, with pandas and the package alone: every field of every table
described, each ISO 37120 indicator's formula and breaks in the ISO table, the strategy monitoring table, and the
reproduce notebook shipped beside the data — run there, in a kernel that cannot import citybank, it passes."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from citybank.paths import PATHS

PACKAGE = PATHS.year_report(2024) / "data"
pytestmark = pytest.mark.skipif(
    not (PACKAGE / "datapackage.json").is_file(),
    reason="needs the sample data package: run `citybank prepare --year 2024` (make data) first",
)


def package() -> dict:
    return json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))


def test_every_field_of_every_table_is_described_in_both_languages():
    tables = [r for r in package()["resources"] if r.get("schema")]
    assert {"iso37120", "strategia", "ludnosc"} <= {r["name"] for r in tables}
    for r in tables:
        for f in r["schema"]["fields"]:
            assert f["description"] and f["description"] != f["name"], (r["name"], f["name"])
            assert f["description_pl"] and f["description_pl"] != f["name"], (r["name"], f["name"])


def test_the_iso_table_carries_formulas_method_notes_and_breaks():
    iso = pd.read_csv(PACKAGE / "iso37120.csv", dtype={"id": str, "series_break_years": str})
    row = iso.set_index("id").loc["5.5"]  # businesses per 100 000 residents
    assert (row["formula"], row["numerator_variables"], row["denominator_variables"], row["multiplier"]) == (
        "ratio", "registered_businesses", "population_total", 100000.0,
    )  # fmt: skip
    # population is rebased on the 2021 census (params/variables.yml): every per-resident indicator says so
    assert row["series_break_years"] == "2021" and not row["series_break"]
    doc = json.loads((PACKAGE / "iso37120" / "5.5.json").read_text(encoding="utf-8"))
    assert doc["meta"]["series_breaks"] == [2021]
    assert [p["year"] for p in doc["data"] if p.get("series_break")] == [2021]
    assert iso.set_index("id").loc["6.4", "series_break_years"] != "2021"  # pupils per teacher: no population
    assert iso["method_note_pl"].notna().sum() > 10
    # the formula in the table reproduces the value: numerator / denominator × multiplier
    assert row["numerator"] / row["denominator"] * row["multiplier"] == pytest.approx(row["value"], rel=1e-12)


def test_the_strategy_monitoring_table_is_published_with_its_thresholds():
    s = pd.read_csv(PACKAGE / "strategia.csv")
    unemployed = s[(s["indicator"] == "unemployed") & (s["year"] == 2024)].iloc[0]
    assert unemployed["name_pl"] == "Bezrobotni zarejestrowani"
    assert (unemployed["threshold_on_track"], unemployed["threshold_at_risk"]) == (0.9, 0.6)
    expected = unemployed["baseline_value"] + (unemployed["target_value"] - unemployed["baseline_value"]) * (
        (2024 - unemployed["baseline_year"]) / (unemployed["target_year"] - unemployed["baseline_year"])
    )
    assert unemployed["expected"] == pytest.approx(expected)


def test_the_reproduce_notebook_ships_with_the_data_and_passes_there(tmp_path):
    from nbclient import NotebookClient

    assert package()["reproduce"]["path"] == "reproduce.ipynb"
    nb = nbformat.read(PACKAGE / "reproduce.ipynb", as_version=4)
    params = next(c.source for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    assert 'PAKIET = "datapackage.json"' in params
    blocker = tmp_path / "clean" / "citybank"
    blocker.mkdir(parents=True)
    (blocker / "__init__.py").write_text("raise ImportError('not in a partner environment')\n")
    env = {"PYTHONPATH": str(blocker.parent), "MPLBACKEND": "Agg"}
    ran = copy.deepcopy(nb)
    NotebookClient(ran, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(PACKAGE)}}).execute(
        env={**__import__("os").environ, **env}
    )
    printed = "".join(o.get("text", "") for c in ran.cells for o in c.get("outputs", []))
    assert "OK:" in printed and "pozycji rankingu odtworzone z pakietu bez różnic" in printed
    assert not list(Path(PACKAGE).glob("*.ipynb.tmp*"))
