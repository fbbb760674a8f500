"""The pages the notebooks show (citybank.views), on the sample bank: honest when data are missing."""

from __future__ import annotations

import inspect
from collections import Counter

import pytest
from citybank import views
from citybank.bank import empty_bank, load_bank
from citybank.indicators import load_catalogue
from citybank.params import registry
from citybank.paths import PATHS
from citybank.views import inputs

pytestmark = pytest.mark.skipif(
    not (PATHS.bank / "bank.parquet").exists(), reason="the bank is built by `make data` (make test runs it first)"
)


FACTS = [
    views.category_facts,
    views.overview_facts,
    views.iso_indicator_facts,
    views.iso_overview_facts,
    views.strategy_facts,
    views.consistency_facts,
]


@pytest.fixture()
def fresh_facts():
    """Facts computed anew in the test, and not left behind for other tests."""
    for f in FACTS:
        f.cache_clear()
    yield
    for f in FACTS:
        f.cache_clear()


@pytest.fixture(scope="module")
def bank():
    return load_bank()


@pytest.fixture(scope="module")
def city_value(bank):
    """The city's value of a variable in a year, read straight from the bank (None when absent)."""
    city = bank[bank["territory"] == registry().city.terc]

    def value(variable: str, year: int) -> float | None:
        s = city[(city["variable"] == variable) & (city["year"] == year)]["value"]
        return None if s.empty else float(s.iloc[0])

    return value


def test_a_category_without_data_gives_an_honest_page(monkeypatch, fresh_facts):
    monkeypatch.setattr(inputs, "bank_frame", empty_bank)
    for lang, words in {
        "pl": "Brak danych za 2024 r.",
        "en": "No data for 2024.",
        "de": "Keine Daten für 2024.",
    }.items():
        page = views.category("transport", 2024, lang)
        assert not page.has_data
        assert words in page.story
        assert page.trend_charts == [] and page.district_charts == [] and page.peer_charts == []
        assert set(page.key_figures.iloc[:, 2]) == {views.t("value.missing", lang)}  # the year's column


def test_category_page_on_the_sample():
    page = views.category("ludnosc", 2024, "en")
    assert page.has_data and page.heading.startswith("# Population")
    assert len(page.trend_charts) >= 3 and page.district_charts and page.peer_charts
    assert "2024" in page.key_figures.columns and "Change y/y" in page.key_figures.columns
    total = page.key_figures[page.key_figures["Indicator"] == "Total population"].iloc[0]
    assert total["2024"] == "62,817"  # the real GUS figure the sample is calibrated to (city_facts.md)


def test_iso_indicator_not_available_names_what_is_missing():
    page = views.iso_indicator("5.2", 2024, "en")  # assessed property values: no dataset provides them
    assert page.status == "not_available"
    assert "Not available for 2024" in page.value and "no dataset yet" in page.value


def test_iso_indicator_reported_has_inputs_with_provenance():
    page = views.iso_indicator("21.5.1", 2024, "pl")  # population density = population / area
    assert page.status == "reported"
    assert "2\u00a0463" in page.value  # 62 817 / 25.5 km² = 2 463.4, shown without decimals above 1 000
    # each input by the published dataset and its row, as a reader finds it (no dataset id, no raw path)
    assert page.inputs["Źródło"].tolist() == [
        "Ludność – stan na 31 grudnia, wiersz 17",
        "Powierzchnia i grunty zabudowane, wiersz 17",
    ]


def test_consistency_page_lists_the_planted_disagreement():
    page = views.consistency(2022, "en")
    assert "To resolve with the data holders" in page.to_resolve
    # the sources as the reader finds them: the published dataset and its row (here the sum of the districts)
    assert "Registered residents by district, sum of the districts" in page.to_resolve
    assert "zameldowani" not in page.to_resolve  # no raw file path in the public page


def test_consistency_page_says_why_2023_cannot_be_compared():
    for lang, words in (
        ("en", "4 of 5 districts have a value, Michałkowice has none"),
        ("pl", "wartość ma 4 z 5 dzielnic, brak dzielnicy Michałkowice"),
        ("de", "4 von 5 Stadtteilen haben einen Wert, Michałkowice hat keinen"),
    ):
        page = views.consistency(2023, lang)
        assert words in page.story
        assert page.verdicts.iloc[:, -1].tolist().count(views.t("verdict.not_comparable", lang)) == 1


# ---------------------------------------------------------------------------------------------- facts


def test_category_facts_of_population_2024(bank, city_value):
    f = views.category_facts("ludnosc", 2024)
    assert (f.year, f.previous_year, f.baseline_year) == (2024, 2023, 2015)  # params: compare_with, baseline
    pop = next(r for r in f.records if r["variable"] == "population_total")
    assert pop["value"] == 62817 == city_value("population_total", 2024)  # the real GUS figure (city_facts.md)
    assert pop["previous"] == city_value("population_total", 2023) == 63401
    assert pop["baseline"] == city_value("population_total", 2015)
    assert f.has_data
    # the trend series are the city's own rows, most years first
    var, series = f.trends[0]
    assert set(series["territory"]) == {registry().city.terc} and series["year"].max() <= 2024
    years = bank[(bank["territory"] == registry().city.terc) & (bank["year"] <= 2024)].groupby("variable")["year"]
    assert series["year"].nunique() == years.nunique()[[v for v, _ in f.trends]].max()
    # a part of the population is compared with peers as a share of it (the population itself as it is)
    counts = [p for p in f.peers if p.basis == "share"]
    assert counts
    p = counts[0]
    expected = city_value(p.variable, 2024) / city_value("population_total", 2024) * 100
    assert p.values[registry().city.name] == pytest.approx(expected)


def test_overview_facts_2024(bank, city_value):
    reg = registry()
    f = views.overview_facts(2024)
    assert f.previous_year == 2023
    heads = {r["variable"]: r for r in f.headlines}
    assert list(heads) == [v for v in views.HEADLINES if v in reg.variables]
    assert heads["population_total"]["value"] == 62817
    assert heads["population_total"]["provider"] == "gus"
    assert heads["live_births"]["previous"] == city_value("live_births", 2023)
    assert f.values_in_year == int((bank["year"] == 2024).sum()) == 706
    assert (f.datasets, f.providers, f.categories) == (96, 16, 18)
    assert f.datasets_by_category == Counter(d.category for d in reg.datasets.values())
    assert sum(f.datasets_by_provider.values()) == sum(f.datasets_by_openness.values()) == 96
    assert f.datasets_by_provider["gus"] == sum(d.provider == "gus" for d in reg.datasets.values())


def _reported_by_hand(city_value, year: int) -> set[str]:
    """ISO 37120 indicators with every input in the bank (and no zero denominator), as the standard defines."""
    out = set()
    for ind in load_catalogue(registry()).sorted_indicators():
        f = ind.formula
        if f is None:
            continue
        now = [city_value(v, year) for v in f.variables]
        before = [city_value(v, year - 1) for v in f.numerator] if f.kind == "change" else []
        if None in now + before:
            continue
        den = sum(city_value(v, year) for v in f.denominator) if f.kind == "ratio" else sum(before)
        if f.kind in ("ratio", "change") and den == 0:
            continue
        out.add(ind.id)
    return out


def test_iso_overview_facts_2024(city_value):
    cat = load_catalogue(registry())
    reported = _reported_by_hand(city_value, 2024)
    f = views.iso_overview_facts(2024)
    cert = f.certification
    by_type = Counter(cat.by_id[i].type for i in reported)
    assert (cert["count_core"], cert["count_supporting"], cert["count_profile"]) == (37, 45, 19)
    assert (cert["count_core"], cert["count_supporting"], cert["count_profile"]) == (
        by_type["core"], by_type["supporting"], by_type["profile"],
    )  # fmt: skip
    economy = f.coverage.loc["5"]  # theme 5 Economy: 3 of its 11 indicators (5.1, 5.4 need the labour force)
    assert (economy["reported"], economy["total"]) == (3, 11)
    assert economy["reported"] == sum(cat.by_id[i].theme == "5" for i in reported)
    assert economy["share"] == pytest.approx(3 / 10 * 100)  # 5.8 does not apply: 10 applicable
    assert f.coverage["total"].sum() == len(cat.indicators)
    assert f.coverage["reported"].sum() == len(reported) == 101
    assert len(f.changes) == 8 and f.changes["pct"].abs().is_monotonic_decreasing


def test_iso_indicator_facts_population_density(city_value):
    f = views.iso_indicator_facts("21.5.1", 2024)
    assert f.status == "reported" and f.missing == []
    assert f.value == pytest.approx(city_value("population_total", 2024) / city_value("area_km2", 2024))
    assert f.value == pytest.approx(62817 / 25.5)
    assert f.previous == pytest.approx(city_value("population_total", 2023) / city_value("area_km2", 2023))
    assert {i["dataset"] for i in f.inputs} == {"gus-ludnosc-stan", "gus-powierzchnia"}
    missing = views.iso_indicator_facts("5.2", 2024)
    assert missing.status == "not_available" and missing.value is None
    assert [src for _, src in missing.missing] == [None] * len(missing.missing)  # no dataset provides them


def test_consistency_and_strategy_facts():
    f = views.consistency_facts(2022)
    assert sum(f.counts.values()) == len(f.verdicts) == len(f.rules)
    assert f.counts["inconsistent"] == len(f.inconsistent) >= 1
    assert list(f.inconsistent["left_source_file"]) == ["um-ewidencja/zameldowani_2022.csv"]  # the planted one
    s = views.strategy_facts(2024)
    assert (
        len(s.rows)
        == len(s.strategy.indicators())
        == sum(s.summary[st].sum() for st in ("on_track", "at_risk", "off_track", "no_data"))
    )
    # the chart shows each progress as it is (never clipped), and none measured across a break in the series
    crossing = set(s.rows.loc[s.rows["crosses_break"].notna(), "indicator"])
    assert crossing and not crossing & set(s.progress["indicator"])
    shown = s.rows.set_index("indicator").loc[s.progress["indicator"], "progress_ratio"] * 100
    assert s.progress["pct"].tolist() == pytest.approx(shown.tolist())


def test_facts_are_computed_once_per_year_and_have_no_language(fresh_facts):
    for lang in ("pl", "en", "de"):
        views.overview(2024, lang)
        views.category("ludnosc", 2024, lang)
    assert views.overview_facts.cache_info().misses == 1 and views.overview_facts.cache_info().hits == 2
    assert views.category_facts.cache_info().misses == 1
    views.overview(2020, "pl")
    assert views.overview_facts.cache_info().misses == 2  # another year, other facts
    words = ("citybank.i18n", "citybank.narrative", "citybank.plots")
    for f in [*FACTS, views.residents_facts, views.survey_facts, views.survey_theme_facts]:
        assert "lang" not in inspect.signature(f).parameters
        # a facts function shares its module with its page: what it calls must still hold no words or charts
        called = inspect.getclosurevars(f.__wrapped__).globals.values()
        origins = {getattr(g, "__module__", None) or getattr(g, "__name__", "") for g in called}
        assert not {o for o in origins if o.startswith(words)}, f"{f.__name__} holds numbers, not words or charts"
