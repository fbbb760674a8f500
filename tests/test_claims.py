"""What the counts can carry (citybank.claims): each rule on hand-made series, and the words of the detectors'
findings in three languages."""

from __future__ import annotations

import math

import pytest
from citybank.claims import (
    MIN_EVENTS,
    MIN_RECORD_POINTS,
    DisplayUnit,
    across_break,
    comparable_change,
    comparable_run,
    denominator_only,
    direction_allowed,
    display_unit,
    few_events,
    finding_sentence,
    judgement_allowed,
    record_allowed,
    rounded_agrees,
    significant_decimals,
)

# ---------------------------------------------------------------- few events


def test_rates_on_one_or_two_events_carry_no_direction():
    # 1 fatal accident in 2023, 2 in 2024: "doubled" would be noise — give the counts
    assert MIN_EVENTS == 10
    assert few_events(1, 2) and not direction_allowed(1, 2)
    assert few_events(9, 40)  # either year below the threshold
    assert not few_events(10, 10) and direction_allowed(10, 11)
    assert not few_events(None, float("nan"))  # nothing known: the rule does not fire on its own
    assert few_events(12, 15, threshold=20)


def test_denominator_only_change_is_neither_favourable_nor_unfavourable():
    # 12 deaths per 60,000 residents = 20.0 per 100k; 12 per 58,000 = 20.7: the rate rose only because the
    # population fell
    assert denominator_only(12, 12, 60_000, 58_000)
    assert not judgement_allowed(counts=[12, 12], numerator=(12, 12), denominator=(60_000, 58_000))
    # a numerator that moved is a real change (13 vs 12, on ≥ 10 events): may be judged
    assert not denominator_only(12, 13, 60_000, 58_000)
    assert judgement_allowed(counts=[12, 13], numerator=(12, 13), denominator=(60_000, 58_000))
    # nothing moved at all: not a denominator change either
    assert not denominator_only(12, 12, 60_000, 60_000)
    # within a stated tolerance: 1,000 → 1,004 (0.4 %) is "unchanged" at 0.5 %
    assert denominator_only(1000, 1004, 60_000, 58_000, tolerance=0.005)
    assert not denominator_only(1000, 1010, 60_000, 58_000, tolerance=0.005)


# ---------------------------------------------------------------- breaks, records, streaks


def test_nothing_across_the_2021_census_is_a_value():
    assert across_break(2020, 2021, [2021]) == 2021  # 2021 is the first year of the new series
    assert across_break(2021, 2024, [2021]) is None  # inside the new series
    assert across_break(2019, 2020, [2021]) is None
    assert across_break(2024, 2019, [2021]) == 2021  # order does not matter
    assert comparable_change(63_000, 66_000, 2020, 2021, [2021]) is None
    assert comparable_change(66_000, 65_340, 2022, 2023, [2021]) == pytest.approx(-0.01)
    assert comparable_change(0, 5, 2022, 2023) is None  # no base
    assert comparable_change(math.nan, 5, 2022, 2023) is None


def test_records_and_streaks_only_within_a_comparable_series_with_enough_points():
    assert MIN_RECORD_POINTS == 5
    years = range(2015, 2025)
    assert comparable_run(years, 2024) == list(years)
    # four points since the 2021 break: "highest in the series" is not a record
    assert comparable_run(years, 2024, [2021]) == [2021, 2022, 2023, 2024]
    assert not record_allowed(years, 2024, [2021])
    assert record_allowed(range(2015, 2026), 2025, [2021])  # five points: 2021–2025
    # a missing year cuts the series: 2019–2024 without 2018 — 6 points after the gap
    gap = [2015, 2016, 2017, 2019, 2020, 2021, 2022, 2023, 2024]
    assert comparable_run(gap, 2024) == [2019, 2020, 2021, 2022, 2023, 2024]
    assert comparable_run(gap, 2018) == []
    assert not record_allowed([2020, 2021, 2022, 2023], 2023)


# ---------------------------------------------------------------- units and rounding


def test_tiny_masses_are_shown_in_kg_not_as_zero_tonnes():
    # 0.0042 t of hazardous waste per resident would read "0,00 t"
    du = display_unit([0.0042, 0.0051, 0.0047], "t")
    assert du == DisplayUnit("kg", 0.001, 1)
    assert du.scale(0.0042) == pytest.approx(4.2) and du.label("pl") == "kg"
    assert display_unit([4.2, 12.0], "t") == DisplayUnit("t", 1.0, 1)
    assert display_unit([125.0, 1200.0], "t") == DisplayUnit("t", 1.0, 0)


def test_money_axes_are_in_millions_of_zloty():
    du = display_unit([45_027_647, 70_947_474, 173_499_691], "PLN", money_axis=True)
    assert (du.unit, du.factor, du.decimals) == ("million PLN", 1e6, 0)
    assert (du.label("pl"), du.label("en"), du.label("de")) == ("mln zł", "PLN million", "Mio. PLN")
    assert display_unit([7_136.0, 7_410.0], "PLN", money_axis=True).unit == "PLN"  # a wage stays in zł
    assert display_unit([45_027_647], "PLN").unit == "PLN"  # tables and sentences keep zł unless told
    assert display_unit([1_500_000_000], "PLN", money_axis=True).label("pl") == "mld zł"


def test_one_precision_per_figure_keeps_two_significant_digits():
    assert significant_decimals([0.0042, 1.5]) == 3  # the smallest value decides, for every value of the figure
    assert significant_decimals([12.5, 170.0]) == 0
    assert significant_decimals([0.0]) == 0
    assert significant_decimals([0.000012]) == 3  # capped


def test_rounded_words_never_contradict_the_table():
    # the table shows 12,35 (12,345 half up); a reader rounds that to 12,4 — words rounded from the raw value (12,3)
    # contradict the table beside them
    assert rounded_agrees(12.4, 1, 12.345, 2)
    assert not rounded_agrees(12.3, 1, 12.345, 2)
    assert rounded_agrees(-6.1, 1, -6.06, 2)
    assert not rounded_agrees(0.0, 2, 0.004, 3)  # "0,00" of something that is 0,004
    assert rounded_agrees(1234.0, 0, 1234.4, 1)


# ---------------------------------------------------------------- findings in words


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "2024 repeats 2023 value for value in every district (“Recorded crimes”) — to be confirmed by the "
               "provider (Police)."),
        ("pl", "Dane za 2024 r. powtarzają wartość w wartość dane za 2023 r. we wszystkich dzielnicach "
               "(„Recorded crimes”) — do potwierdzenia przez dostawcę (Police)."),
        ("de", "Die Werte für 2024 wiederholen in allen Stadtteilen Wert für Wert die von 2023 („Recorded crimes“) — "
               "vom Datenlieferanten zu bestätigen (Police)."),
    ],
)  # fmt: skip
def test_copy_forward_sentence(lang, expected):
    f = {"check": "copy_forward", "year": 2024, "scope": "every_district"}
    assert finding_sentence(f, lang, variable="Recorded crimes", provider="Police") == expected


def test_outlier_sentence_names_the_districts_and_the_change():
    f = {"check": "outlier", "year": 2022, "scope": "most_districts"}
    names = ["Bańgów", "Bytków", "Przełajka", "Centrum"]
    en = finding_sentence(f, "en", variable="Registered residents", names=names, n_districts=5, change="−10.0%")
    assert en == ("“Registered residents”: the value for 2022 departs from the neighbouring years (−10.0%) in 4 of 5 "
                  "districts — to be confirmed by the provider.")  # fmt: skip
    de = finding_sentence(f, "de", variable="Gemeldete Einwohner", names=names, n_districts=5, change="−10,0 %")
    assert "weicht in 4 von 5 Stadtteilen von den Nachbarjahren ab (−10,0 %)" in de
    one = finding_sentence({"check": "sudden_zero", "year": 2023, "scope": "territories"}, "pl", variable="X",
                           names=["Bytków"])  # fmt: skip
    assert (
        one
        == "„X”: w 2023 r. wartość 0 (Bytków), choć w innych latach jest wyraźnie wyższa — do potwierdzenia przez dostawcę."
    )
    with pytest.raises(ValueError, match="unknown finding check"):
        finding_sentence({"check": "nope", "year": 2023}, "en", variable="X")


# ---------------------------------------------------------------- consistency over the whole series


def test_consistency_verdicts_cover_every_year():
    import pandas as pd
    from citybank.claims import consistency_series_sentence
    from citybank.consistency import series_verdicts, verdict_table

    years = list(range(2015, 2025))
    verdicts = ["explained"] * 7 + ["inconsistent", "not_comparable", "explained"]
    df = pd.DataFrame({"rule": "reg_vs_gus", "year": years, "verdict": verdicts})
    df = pd.concat([df, pd.DataFrame({"rule": "adult", "year": years, "verdict": "consistent"})])
    sv = series_verdicts(df, 2024)
    assert sv["reg_vs_gus"].out_of_tolerance == (2022,) and sv["reg_vs_gus"].not_comparable == (2023,)
    assert len(sv["reg_vs_gus"].explained) == 8 and sv["adult"].consistent == tuple(years)
    assert series_verdicts(df, 2021)["reg_vs_gus"].inconsistent == ()  # the 2021 report did not see 2022
    table = verdict_table(df, 2024)
    assert list(table.columns) == years and table.loc["reg_vs_gus", 2022] == "inconsistent"
    # the 2024 report year itself is fine ("explained"): the summary still names 2022
    r = sv["reg_vs_gus"]
    en = consistency_series_sentence("Register vs GUS", r.years, r.inconsistent, r.explained, r.not_comparable, "en")
    assert en == (
        "“Register vs GUS”, 2015–2024: out of tolerance in 2022; an explained difference in 8 years; "
        "not comparable in 2023."
    )
    pl = consistency_series_sentence("Rejestr a GUS", r.years, r.inconsistent, r.explained, r.not_comparable, "pl")
    assert pl == (
        "„Rejestr a GUS”, 2015–2024: poza tolerancją w 2022 r.; różnica wyjaśniona w 8 latach; "
        "nieporównywalne w 2023 r."
    )
    a = sv["adult"]
    de = consistency_series_sentence("Erwachsene", a.years, a.inconsistent, a.explained, a.not_comparable, "de")
    assert de == "„Erwachsene“, 2015–2024: in jedem Jahr konsistent (10)."


# ---------------------------------------------------------------- applied by the trend sentences


def test_trend_sentence_on_few_events_gives_counts_and_no_direction():
    import pandas as pd
    from citybank.narrative import describe_trend

    # 1 → 3 road deaths per ~63,000 residents: 1.58 → 4.78 per 100,000 ("tripled" would be noise)
    s = pd.Series({2020: 3.1, 2021: 2.4, 2022: 3.2, 2023: 1.58, 2024: 4.78})
    text = describe_trend(s, "Transport fatalities", "en", None, higher_is_better=False, how="absolute",
                          events=(1, 3), denominators=(63_401, 62_817))  # fmt: skip
    assert text == (
        "Transport fatalities: 4.78 in 2024 and 1.58 in 2023. The counts it rests on (3 and 1 respectively) are too "
        "small to speak of a rise or a fall."
    )
    for word in ("rose", "fell", "favourable", "highest"):
        assert word not in text
    pl = describe_trend(s, "Ofiary", "pl", None, events=(1, 3), denominators=(63_401, 62_817))
    assert "zbyt małe, by mówić o wzroście lub spadku" in pl and "wzrosł" not in pl


def test_trend_sentence_on_an_unchanged_numerator_names_the_denominator_and_does_not_judge():
    import pandas as pd
    from citybank.narrative import describe_trend

    # 144 police officers both years; the population fell from 63,401 to 62,817: 227.1 → 229.2 per 100,000
    s = pd.Series({2021: 230.0, 2022: 228.0, 2023: 227.1, 2024: 229.2})
    text = describe_trend(s, "Police officers per 100,000", "en", None, higher_is_better=True,
                          events=(144, 144), denominators=(63_401, 62_817))  # fmt: skip
    assert text == (
        "Police officers per 100,000: 229.2 in 2024 against 227.1 in 2023. The count it rests on is the same (144); "
        "only the denominator changed, so the change is neither favourable nor unfavourable."
    )
    de = describe_trend(s, "Polizei", "de", None, higher_is_better=True, events=(144, 144),
                        denominators=(63_401, 62_817))  # fmt: skip
    assert "weder günstig noch ungünstig" in de and "eine günstige Entwicklung" not in de
    # 144 → 150 officers: a real change, judged as before
    moved = describe_trend(s, "Police officers per 100,000", "en", None, higher_is_better=True,
                           events=(144, 150), denominators=(63_401, 62_817))  # fmt: skip
    assert "rose" in moved and "favourable" in moved


def test_money_axis_of_a_line_chart_is_in_millions_of_zloty():
    import pandas as pd
    from citybank.plots import figure_problems, line_chart

    df = pd.DataFrame({"year": [2022, 2023, 2024], "value": [165_144_614.0, 171_910_114.0, 173_499_691.0]})
    fig = line_chart(df, "year", "value", title="Debt", lang="pl", source="UM", unit="PLN")
    ax = fig.axes[0]
    fig.canvas.draw()
    labels = [x.get_text() for x in ax.get_yticklabels() if x.get_text()]
    assert ax.get_ylabel() == "mln zł"
    assert all(float(x.replace(",", ".").replace("\u2212", "-")) < 1000 for x in labels), labels
    assert figure_problems(fig) == []
    small = line_chart(df.assign(value=[7136.0, 7250.0, 7410.0]), "year", "value", title="Wage", lang="en",
                       source="GUS", unit="PLN")  # fmt: skip
    assert small.axes[0].get_ylabel() == "PLN"


def test_counts_carry_no_unit_word_and_polish_numerals_follow_cldr():
    from citybank.narrative import count_phrase

    assert count_phrase(448, "count", "en") == "448" and count_phrase(448, "events", "pl") == "448"
    assert [count_phrase(n, "hours", "pl") for n in (1, 2, 5, 12, 22, 1.5)] == [
        "1 godzina", "2 godziny", "5 godzin", "12 godzin", "22 godziny", "1,5 godziny",
    ]  # fmt: skip
    assert count_phrase(2.5, "FTE", "pl") == "2,5 etatu" and count_phrase(3, "FTE", "pl") == "3 etaty"
    assert count_phrase(1, "FTE", "de") == "1 Vollzeitäquivalent"
