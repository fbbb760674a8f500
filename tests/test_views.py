"""The pages the notebooks show (citybank.views), on the sample bank: honest when data are missing."""

from __future__ import annotations

import pytest
from citybank import views
from citybank.bank import empty_bank
from citybank.paths import PATHS
from citybank.views import facts

pytestmark = pytest.mark.skipif(
    not (PATHS.bank / "bank.parquet").exists(), reason="the bank is built by `make data` (make test runs it first)"
)


FACTS = [
    facts.category_facts,
    facts.overview_facts,
    facts.iso_indicator_facts,
    facts.iso_overview_facts,
    facts.strategy_facts,
    facts.consistency_facts,
]


@pytest.fixture()
def fresh_facts():
    """Facts computed anew in the test, and not left behind for other tests."""
    for f in FACTS:
        f.cache_clear()
    yield
    for f in FACTS:
        f.cache_clear()


def test_a_category_without_data_gives_an_honest_page(monkeypatch, fresh_facts):
    monkeypatch.setattr(facts, "bank_frame", empty_bank)
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
    assert set(page.inputs["Zbiór danych"]) == {"gus-ludnosc-stan", "gus-powierzchnia"}


def test_consistency_page_lists_the_planted_disagreement():
    page = views.consistency(2022, "en")
    assert "To resolve with the data holders" in page.to_resolve
    assert "zameldowani_2022.csv" in page.to_resolve
