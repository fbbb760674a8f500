"""Strategy monitoring: straight-path expectations, progress ratios, statuses, projections (hand-computed)."""

from __future__ import annotations

import math

import pandas as pd
import pytest
import yaml
from citybank.params import ParamsError, load_params
from citybank.params.strategy import Strategy, StrategyIndicator, Thresholds, load_strategy
from citybank.params.strategy import check as check_params
from citybank.schema import BANK_COLUMNS
from citybank.strategy import RESULT_COLUMNS, SUMMARY_COLUMNS, evaluate, goal_summary

CITY = "2474011"
T3 = {"pl": "x", "en": "x", "de": "x"}
TERR = {"city": CITY}


def bank_rows(rows: list[tuple[str, int, float]]) -> pd.DataFrame:
    recs = [
        {
            "variable": v,
            "territory": CITY,
            "territory_name": "S",
            "level": "gmina",
            "year": y,
            "value": x,
            "unit": "u",
            "flag": "",
            "dataset": f"ds-{v}",
            "provider": "p",
            "source_file": f"{v}.csv",
            "source_row": i,
            "source_sha256": "0" * 64,
        }
        for i, (v, y, x) in enumerate(rows, start=2)
    ]
    return pd.DataFrame(recs, columns=list(BANK_COLUMNS)).astype(BANK_COLUMNS)


def indicator(**kw) -> dict:
    base = {
        "id": "ind",
        "name": T3,
        "variable": "v",
        "unit": "u",
        "baseline": {"year": 2015, "value": 100},
        "target": {"year": 2030, "value": 70},
        "direction": "decrease",
    }
    base.update(kw)
    return base


def strategy(*indicators: dict, goals: int = 1) -> Strategy:
    gs = []
    for g in range(goals):
        inds = [dict(i, id=f"{i['id']}{g}") for i in indicators]
        gs.append({"id": f"g{g}", "name": T3, "operational_goals": [{"id": f"o{g}", "name": T3, "indicators": inds}]})
    return Strategy.model_validate({"title": T3, "adopted": 2016, "horizon": 2030, "goals": gs})


def test_straight_path_ratio_and_status_by_hand():
    # baseline 2015 = 100, target 2030 = 70: 2 points less per year; 2024 expects 100 - 9*2 = 82
    bank = bank_rows([("v", 2015, 100), ("v", 2020, 95), ("v", 2024, 90), ("v", 2026, 82)])
    df = evaluate(bank, strategy(indicator()), years=[2014, 2015, 2020, 2024, 2026, 2027], territories=TERR)
    assert list(df.columns) == RESULT_COLUMNS
    assert df["year"].tolist() == [2015, 2020, 2024, 2026, 2027]  # nothing before the baseline
    by = df.set_index("year")
    assert by.at[2015, "status"] == "baseline" and math.isnan(by.at[2015, "progress_ratio"])
    # 2020: expected 90, achieved -5 of -10 → 0.5 → off track
    assert by.at[2020, "expected"] == pytest.approx(90.0)
    assert by.at[2020, "progress_ratio"] == pytest.approx(0.5) and by.at[2020, "status"] == "off_track"
    # 2024: expected 82, actual 90 → -10 / -18 = 0.5556 → off track (below 0.6)
    assert by.at[2024, "expected"] == pytest.approx(82.0)
    assert by.at[2024, "progress_ratio"] == pytest.approx(10 / 18) and by.at[2024, "status"] == "off_track"
    # 2026: expected 78, actual 82 → -18 / -22 = 0.818 → at risk
    assert by.at[2026, "progress_ratio"] == pytest.approx(18 / 22) and by.at[2026, "status"] == "at_risk"
    assert by.at[2027, "status"] == "no_data" and math.isnan(by.at[2027, "actual"])
    assert by.at[2024, "dataset"] == "ds-v" and by.at[2024, "source_row"] == 4


def test_on_track_exactly_on_the_path_and_ahead():
    bank = bank_rows([("v", 2015, 100), ("v", 2024, 82), ("v", 2025, 60), ("v", 2031, 69)])
    by = evaluate(bank, strategy(indicator()), territories=TERR).set_index("year")
    assert by.at[2024, "progress_ratio"] == pytest.approx(1.0) and by.at[2024, "status"] == "on_track"
    assert by.at[2025, "progress_ratio"] == pytest.approx(40 / 20) and by.at[2025, "status"] == "on_track"
    # after the target year the path stays at the target: expected 70, achieved -31 of -30
    assert by.at[2031, "expected"] == pytest.approx(70.0)
    assert by.at[2031, "progress_ratio"] == pytest.approx(31 / 30)


def test_moving_away_from_the_target_is_negative_progress():
    bank = bank_rows([("v", 2015, 10), ("v", 2020, 8)])
    ind = indicator(baseline={"year": 2015, "value": 10}, target={"year": 2025, "value": 20}, direction="increase")
    by = evaluate(bank, strategy(ind), territories=TERR).set_index("year")
    # expected 15 in 2020: achieved -2 of +5 → -0.4
    assert by.at[2020, "progress_ratio"] == pytest.approx(-0.4) and by.at[2020, "status"] == "off_track"


def test_projection_least_squares_by_hand():
    # years since baseline 0, 1, 2 with 100, 99, 95: slope = ((-1)(1) + 0 + (1)(-3)) / 2 = -2.5, mean 98 at x=1
    # → at 2030 (x = 15): 98 - 2.5 * 14 = 63 ≤ 70 → meets a 'decrease' target
    bank = bank_rows([("v", 2015, 100), ("v", 2016, 99), ("v", 2017, 95)])
    by = evaluate(bank, strategy(indicator()), territories=TERR).set_index("year")
    assert by.at[2017, "projected_target_value"] == pytest.approx(63.0)
    assert bool(by.at[2017, "projection_meets_target"]) is True
    # only the years up to the row's year count: in 2016 the line through (0,100),(1,99) gives 85 → misses 70
    assert by.at[2016, "projected_target_value"] == pytest.approx(85.0)
    assert bool(by.at[2016, "projection_meets_target"]) is False
    assert math.isnan(by.at[2015, "projected_target_value"]) and pd.isna(by.at[2015, "projection_meets_target"])


def test_per_and_multiplier():
    # 50 births / 10 000 residents × 1000 = 5 per 1000
    bank = bank_rows(
        [("b", 2015, 40), ("pop", 2015, 10000), ("b", 2020, 50), ("pop", 2020, 10000), ("b", 2021, 60)]
    )  # 2021 has no population: no value, not a division by nothing
    ind = indicator(
        variable="b",
        per="pop",
        multiplier=1000,
        baseline={"year": 2015, "value": 4.0},
        target={"year": 2025, "value": 6.0},
        direction="increase",
    )
    by = evaluate(bank, strategy(ind), territories=TERR).set_index("year")
    assert by.at[2020, "actual"] == pytest.approx(5.0)
    assert by.at[2020, "expected"] == pytest.approx(5.0) and by.at[2020, "status"] == "on_track"
    assert by.at[2021, "status"] == "no_data"


def test_iso_indicator_values():
    iso = pd.DataFrame({"id": ["5.1", "5.1", "6.1"], "year": [2015, 2020, 2020], "value": [10.0, 12.0, 99.0]})
    ind = indicator(
        variable=None,
        iso="5.1",
        baseline={"year": 2015, "value": 10},
        target={"year": 2025, "value": 14},
        direction="increase",
    )
    by = evaluate(bank_rows([("x", 2020, 1)]), strategy(ind), years=[2020], iso_values=iso, territories=TERR).set_index(
        "year"
    )
    assert by.at[2020, "actual"] == 12.0 and by.at[2020, "progress_ratio"] == pytest.approx(1.0)


def test_goal_summary_counts():
    bank = bank_rows([("v", 2015, 100), ("v", 2024, 82), ("w", 2024, 95)])
    s = strategy(indicator(), indicator(id="w_", variable="w"), indicator(id="z_", variable="z"), goals=2)
    summ = goal_summary(evaluate(bank, s, years=[2024], territories=TERR))
    assert list(summ.columns) == SUMMARY_COLUMNS
    assert summ["goal"].tolist() == ["g0", "g1"]
    row = summ.iloc[0]
    # v: on track; w: 95 → -5/-18 = 0.28 → off track; z: no data
    assert (row["on_track"], row["at_risk"], row["off_track"], row["no_data"], row["total"]) == (1, 0, 1, 1, 3)


def test_thresholds_document_the_boundaries():
    th = Thresholds()
    assert (th.status(0.9), th.status(0.8999), th.status(0.6), th.status(0.5999)) == (
        "on_track",
        "at_risk",
        "at_risk",
        "off_track",
    )
    with pytest.raises(ValueError, match="must be below"):
        Thresholds(on_track=0.5, at_risk=0.6)


def test_indicator_model_rejects_incoherent_definitions():
    with pytest.raises(ValueError, match="not below the baseline"):
        StrategyIndicator.model_validate(indicator(target={"year": 2030, "value": 120}))
    with pytest.raises(ValueError, match="exactly one of"):
        StrategyIndicator.model_validate(indicator(iso="5.1"))
    with pytest.raises(ValueError, match="must be after"):
        StrategyIndicator.model_validate(indicator(target={"year": 2015, "value": 70}))


def test_shipped_example_strategy(reg):
    s = load_strategy(reg)
    assert s is not None and s.example is True and "replace" in s.note.en.lower()
    inds = s.indicators()
    assert len(s.goals) >= 2 and len(inds) >= 5
    for _, _, ind in inds:
        assert ind.variable is None or ind.variable in reg.variables


def test_check_params_names_file_and_key(reg):
    data = yaml.safe_load((reg.root / "strategy.yml").read_text(encoding="utf-8"))
    data["goals"][0]["operational_goals"][0]["indicators"][0]["variable"] = "no_such_variable"
    data["goals"][1]["category"] = "nowhere"
    problems = {p.key: p.message for p in check_params(reg, data)}
    key = "goals[0] (economy).operational_goals[0] (economy.jobs).indicators[0] (unemployed).variable"
    assert "no_such_variable" in problems[key]
    assert "unknown category 'nowhere'" in problems["goals[1] (residents).category"]
    assert all(p.file == "params/strategy.yml" for p in check_params(reg, data))


def test_load_params_reports_a_typo(params_copy):
    path = params_copy / "strategy.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["goals"][0]["operational_goals"][0]["indicators"][0]["baseline"]["yaer"] = 2015
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    assert "params/strategy.yml: goals[0].operational_goals[0].indicators[0].baseline.yaer" in str(exc.value)


def test_projection_of_a_count_stops_at_zero():
    bank = bank_rows([("v", 2015, 100), ("v", 2020, 40)])  # -12 a year → -80 in 2030 without the floor
    by = evaluate(bank, strategy(indicator()), territories=TERR).set_index("year")
    assert by.at[2020, "projected_target_value"] == 0.0
