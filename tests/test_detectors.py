"""The data-quality detectors (citybank.ingest.detectors) on hand-made series, their thresholds in
params/quality.yml, and what the built sample year says of the planted copy-forward and dip."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from citybank.ingest.detectors import (
    FINDING_COLUMNS,
    copy_forward,
    detect,
    level_changes,
    share_jumps,
    sudden_zeros,
)
from citybank.params import load_params, quality
from citybank.params.quality import CopyForward, Detectors, LevelShift, ShareJump, SuddenZero
from citybank.paths import PATHS

LS = LevelShift()


def long(values: dict[str, dict[int, float]], variable: str = "x") -> pd.DataFrame:
    return pd.DataFrame(
        [{"variable": variable, "territory": t, "year": y, "value": v} for t, s in values.items() for y, v in s.items()]
    )


# ---------------------------------------------------------------- copy-forward


def test_copy_forward_finds_a_repeated_year_across_territories():
    rows = long(
        {
            "a": {2022: 10, 2023: 12, 2024: 12},
            "b": {2022: 20, 2023: 21, 2024: 21},
            "c": {2022: 30, 2023: 33, 2024: 33},
        }
    )
    got = copy_forward(rows, CopyForward())
    assert got.to_dict("records") == [{"year": 2024, "cells": 3, "usual_change": 1.0}]


def test_copy_forward_needs_enough_cells_and_a_series_that_usually_changes():
    two = long({"a": {2023: 12, 2024: 12}, "b": {2023: 21, 2024: 21}})
    assert copy_forward(two, CopyForward()).empty  # 2 values are not a file
    # an area: the same every year except one boundary change — repeating is its nature (1 of 9 values changed)
    area = long({"a": {2021: 5.0, 2022: 5.0, 2023: 6.0, 2024: 6.0}, "b": dict.fromkeys(range(2021, 2025), 6.0),
                 "c": dict.fromkeys(range(2021, 2025), 7.0)})  # fmt: skip
    assert copy_forward(area, CopyForward()).empty
    one_differs = long({"a": {2023: 1, 2024: 1}, "b": {2023: 2, 2024: 2}, "c": {2023: 3, 2024: 4}})
    assert copy_forward(one_differs, CopyForward()).empty


# ---------------------------------------------------------------- outliers and level shifts


def test_one_year_dip_is_an_outlier_not_two_level_shifts():
    # a smooth series (−1 % a year) that drops 10 % in 2022 and comes back in 2023
    s = pd.Series({2015 + i: 10_000 * 0.99**i for i in range(10)})
    s[2022] *= 0.9
    got = level_changes(s, LS, counts=True)
    assert got[["year", "check"]].values.tolist() == [[2022, "outlier"]]
    (r,) = got.itertuples()
    assert r.value == pytest.approx(10_000 * 0.99**7 * 0.9)
    assert r.reference == pytest.approx(10_000 * 0.99**6)
    assert r.change == pytest.approx(0.99 * 0.9 - 1)  # −10.9 % on the previous year


def test_a_change_that_stays_is_a_level_shift():
    s = pd.Series({2015: 100.0, 2016: 101, 2017: 102, 2018: 103, 2019: 104, 2020: 130, 2021: 131, 2022: 132,
                   2023: 133})  # fmt: skip
    got = level_changes(s, LS)
    assert got[["year", "check"]].values.tolist() == [[2020, "level_shift"]]
    assert got["change"].iloc[0] == pytest.approx(130 / 104 - 1)
    # a declared break in 2020 (params/variables.yml breaks) is the reason: not a finding
    assert level_changes(s, LS, breaks=[2020]).empty


def test_count_noise_is_not_an_outlier():
    # 43 → 54 → 44 road accidents: the Poisson noise of ~50 events is ±14 %; without the count floor it is flagged
    s = pd.Series({2015: 43.0, 2016: 44, 2017: 43, 2018: 54, 2019: 44, 2020: 43, 2021: 44, 2022: 43})
    assert level_changes(s, LS, counts=True).empty
    assert level_changes(s, LS, counts=False)["year"].tolist() == [2018]


def test_short_or_small_series_are_not_judged():
    assert level_changes(pd.Series({2020: 100.0, 2021: 150, 2022: 100, 2023: 101}), LS).empty  # 4 < min_points
    small = pd.Series({2015 + i: v for i, v in enumerate([5.0, 5, 5, 9, 5, 5, 5])})
    assert level_changes(small, LS).empty  # below min_value 20 in both years


def test_sudden_zero():
    s = pd.Series({2020: 50.0, 2021: 52, 2022: 0, 2023: 51})
    assert sudden_zeros(s, SuddenZero()) == [(2022, 51.0)]
    assert sudden_zeros(pd.Series({2020: 3.0, 2021: 0, 2022: 2}), SuddenZero()) == []  # a small count may be 0


def test_share_jump_of_one_district():
    # three districts of 100/200/300 (shares 16.7/33.3/50.0 %); in 2021 district a has 160 (share 24.2 %)
    vals = {"a": {}, "b": {}, "c": {}}
    for y in range(2015, 2024):
        vals["a"][y], vals["b"][y], vals["c"][y] = (160 if y >= 2021 else 100) + (y - 2015), 200 + 2 * (y - 2015), 300
    got = share_jumps(long(vals), ["a", "b", "c"], ShareJump())
    a = got[got["territory"] == "a"]
    assert a["year"].tolist() == [2021]
    share_2020, share_2021 = 105 / (105 + 210 + 300) * 100, 166 / (166 + 212 + 300) * 100
    assert a["change"].iloc[0] == pytest.approx(share_2021 - share_2020)


# ---------------------------------------------------------------- detect(): grouping over districts


def test_a_dip_in_every_district_is_one_city_wide_finding(reg):
    districts = [d.code for d in reg.city.districts]
    vals = {}
    for k, code in enumerate(districts):
        s = {2015 + i: (10_000 + 1000 * k) * 0.99**i for i in range(10)}
        s[2022] *= 0.9
        vals[code] = s
    got = detect("demo", long(vals, "population_registered"), reg, Detectors())
    assert list(got.columns) == FINDING_COLUMNS
    assert len(got) == 1
    f = got.iloc[0]
    assert (f["check"], f["year"], f["scope"], f["verdict"]) == ("outlier", 2022, "every_district", "to_confirm")
    assert f["territories"].split() == districts
    assert f["change"] == pytest.approx(0.99 * 0.9 - 1)
    assert f["reason"].startswith(f"in {len(districts)} of {len(districts)} districts: a one-year dip of -10.9%")


def test_copy_forward_of_districts_and_the_skip_list(reg):
    districts = [d.code for d in reg.city.districts]
    vals = {code: {2021: 100.0 + k, 2022: 110.0 + k, 2023: 120.0 + k, 2024: 120.0 + k} for k, code in
            enumerate(districts)}  # fmt: skip
    rows = long(vals, "crimes_total")
    got = detect("demo", rows, reg, Detectors())
    assert got[["year", "check", "scope"]].values.tolist() == [[2024, "copy_forward", "every_district"]]
    assert math.isnan(got["value"].iloc[0])
    assert detect("demo", rows, reg, Detectors(skip={"demo": ["copy_forward"]})).empty
    # peers' rows are other publishers' data: not judged
    assert detect("demo", rows.assign(territory="2469011"), reg, Detectors()).empty


# ---------------------------------------------------------------- params/quality.yml


def test_quality_params_are_validated_naming_file_and_key(reg):
    problems = quality.check(reg, {"detectors": {"level_shift": {"z": -1, "zz": 2}, "skip": {"Nope!": ["x"], "absent-dataset": ["level_shift"]}},
                                   "extra": 1})  # fmt: skip
    text = "\n".join(str(p) for p in problems)
    assert "quality.yml" in text
    for key in ("level_shift.z", "level_shift.zz", "detectors.skip.Nope!", "extra"):
        assert key in text, (key, text)
    assert "unknown detector 'x'" in text and "absent-dataset" not in text  # a workspace may hold fewer datasets
    assert quality.check(reg, {"detectors": {"skip": {"powietrze-klimat": ["level_shift"]}}}) == []


def test_quality_params_file_loads(params_copy):
    (params_copy / "quality.yml").write_text("detectors:\n  level_shift: {z: 7}\n", encoding="utf-8")
    reg = load_params(params_copy)
    assert quality.load_detectors(reg).level_shift.z == 7
    assert quality.load_detectors(reg).copy_forward == CopyForward()


# ---------------------------------------------------------------- the built sample year


BUILT = (PATHS.year_report(2024) / "qa" / "quality.json").is_file() and (PATHS.bank / "findings.csv").is_file()


@pytest.mark.skipif(not BUILT, reason="the bank and its QA report are built by `citybank prepare` (make data)")
def test_sample_year_finds_the_planted_copy_forward_and_dip(reg):
    from citybank.bank import quality_markdown

    report = json.loads((PATHS.year_report(2024) / "qa" / "quality.json").read_text(encoding="utf-8"))
    police = report["datasets"]["policja-przestepstwa-dzielnice"]
    assert police["status"] == "to_confirm" and "policja-przestepstwa-dzielnice" in report["datasets_to_confirm"]
    (cf,) = [f for f in police["findings"] if f["year"] == 2024]
    assert (cf["check"], cf["scope"], cf["verdict"]) == ("copy_forward", "every_district", "to_confirm")
    register = report["datasets"]["um-ludnosc-dzielnice"]["findings"]
    dip = [f for f in register if f["year"] == 2022]
    assert [(f["check"], f["variable"]) for f in dip] == [("outlier", "population_registered")]
    assert dip[0]["change"] == pytest.approx(-0.0998, abs=0.001)  # Bytków 13,437 → 12,096
    # nothing quarantined: the repeated values are in the bank
    bank = pd.read_parquet(PATHS.bank / "bank.parquet")
    crimes = bank[(bank["variable"] == "crimes_total") & bank["year"].isin([2023, 2024])]
    assert len(crimes) == 2 * (len(reg.city.districts) + 1)
    md = {lang: quality_markdown(report, reg, lang) for lang in ("pl", "en", "de")}
    assert "2024 repeats 2023 value for value in every district (“Recorded crimes”) — to be confirmed" in md["en"]
    assert "Dane za 2024 r. powtarzają wartość w wartość dane za 2023 r. we wszystkich dzielnicach" in md["pl"]
    assert "„Gemeldete Einwohner“: Der Wert für 2022 weicht in 4 von 5 Stadtteilen von den Nachbarjahren ab" in md["de"]


# ---------------------------------------------------------------- the point marked on the chart


def test_line_chart_marks_points_to_be_confirmed_and_says_so():
    import matplotlib.colors as mcolors
    from citybank.plots import MARK_COLOR, figure_alt_text, figure_problems, line_chart

    df = pd.DataFrame({"year": list(range(2019, 2025)) * 2, "district": ["A"] * 6 + ["B"] * 6,
                       "value": [10.0, 11, 12, 13, 14, 14, 20, 21, 22, 23, 24, 24]})  # fmt: skip
    fig = line_chart(df, "year", "value", "district", title="Crimes", lang="en", source="Police", unit="crimes",
                     marks={2024: "to_confirm", 2030: "to_confirm"})  # fmt: skip
    ax = fig.axes[0]
    rings = [c for c in ax.collections if len(c.get_edgecolor()) and mcolors.to_hex(c.get_edgecolor()[0]) == MARK_COLOR]
    assert len(rings) == 1 and sorted(rings[0].get_offsets()[:, 1].tolist()) == [14.0, 24.0]  # both lines' 2024 points
    assert "to be confirmed (2024)" in [a.get_text() for a in ax.texts]
    assert figure_alt_text(fig).endswith("; the value for 2024 is to be confirmed by the provider.")
    assert "2030" not in figure_alt_text(fig)  # a year outside the chart is not claimed
    assert figure_problems(fig) == []
    pl = line_chart(df, "year", "value", "district", title="X", lang="pl", source="P", unit="crimes",
                    marks={2022: "out_of_tolerance"})  # fmt: skip
    assert "poza tolerancją (2022)" in [a.get_text() for a in pl.axes[0].texts]
    assert "w 2022 r. różnica poza tolerancją" in figure_alt_text(pl)
