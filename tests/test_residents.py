"""The residents' summary (issue 18, part 4): params/residents.yml, the plain sentences (citybank.narrative),
the facts and the page in three languages on the sample bank. The site page and the two-page PDF are tested
with the renderer in tests/test_render.py."""

from __future__ import annotations

import re

import pytest
import yaml
from citybank import narrative as nv
from citybank import views
from citybank.bank import load_bank
from citybank.indicators import results
from citybank.params import ParamsError, load_params, registry
from citybank.paths import PATHS
from citybank.views import inputs
from style_rules import page_problems

LANGS = ("pl", "en", "de")
NBSP = "\u00a0"
needs_bank = pytest.mark.skipif(
    not (PATHS.bank / "bank.parquet").exists(), reason="the bank is built by `make data` (make test runs it first)"
)


# ---------------------------------------------------------------- params


def test_the_ten_figures_of_params_point_at_published_values(reg):
    from citybank.params.residents import load_summary

    summary = load_summary(reg)
    assert summary is not None and len(summary.figures) == 10
    assert [f.id for f in summary.figures][:2] == ["population", "births"]
    sources = [f.source for f in summary.figures]
    assert ("variable", "population_total") in sources and ("indicator", "16.3") in sources


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        ({"variable": "population_totl"}, "figures[0] (population).variable", "unknown variable 'population_totl'"),
        ({"variable": None, "indicator": "99.9"}, "figures[0] (population).indicator", "unknown ISO 37120 indicator"),
        ({"indicator": "16.3"}, "figures[0]", "exactly one of 'variable'"),
        ({"id": "no_such_sentence"}, "figures[0] (no_such_sentence).id", "no sentence 'residents.figure.no_such"),
        ({"id": "births"}, "figures[1] (births).id", "duplicate figure id 'births'"),
        ({"change": "relative"}, "figures[0].change", "percent"),
    ],
)
def test_a_mistyped_figure_names_file_key_and_what_is_expected(params_copy, edit, key, message):
    path = params_copy / "residents.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["figures"][0] = {k: v for k, v in {**data["figures"][0], **edit}.items() if v is not None}
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_params(params_copy)
    text = str(err.value)
    assert f"params/residents.yml: {key}" in text and message in text, text


def test_more_than_ten_figures_do_not_fit_the_printout(params_copy):
    path = params_copy / "residents.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["figures"].append({"id": "population", "variable": "deaths"})
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError, match=r"params/residents.yml: figures.*at most 10"):
        load_params(params_copy)


# ---------------------------------------------------------------- sentences


def test_changes_in_plain_words_hand_checked():
    change = nv.resident_change
    # people: how many more or fewer, never a percentage of a handful
    assert change(62817, 63401, 2024, 2023, "pl", unit="persons", how="absolute", counted=True) == (
        "o 584 mniej niż rok wcześniej"
    )
    assert change(3, 1, 2024, 2023, "en", unit="events", how="absolute", counted=True) == "2 more than a year before"
    assert change(3, 3, 2024, 2023, "de", unit="events", how="absolute", counted=True) == (
        "genauso viel wie ein Jahr zuvor"
    )
    # rates: percentage points, with the Polish plural (1 punkt, 2 punkty, 5 punktów, 0,5 punktu)
    assert change(34.0, 33.0, 2024, 2023, "pl", unit="%", how="points", decimals=0) == (
        "o 1 punkt procentowy więcej niż rok wcześniej"
    )
    assert change(31.0, 33.0, 2024, 2023, "pl", unit="%", how="points", decimals=0) == (
        "o 2 punkty procentowe mniej niż rok wcześniej"
    )
    assert change(38.0, 33.0, 2024, 2023, "pl", unit="%", how="points", decimals=0) == (
        "o 5 punktów procentowych więcej niż rok wcześniej"
    )
    assert change(33.5, 33.0, 2024, 2023, "en", unit="%", how="points") == (
        "0.5 percentage points more than a year before"
    )
    assert change(33.5, 33.0, 2024, 2023, "de", unit="%", how="points") == "0,5 Prozentpunkte mehr als ein Jahr zuvor"
    # amounts: percent (7136 / 6390.72 − 1 = 11.66…%), German with the space before %
    assert change(7136, 6390.72, 2024, 2023, "en", unit="PLN") == "11.7% higher than a year before"
    assert change(7136, 6390.72, 2024, 2023, "de", unit="PLN") == f"11,7{NBSP}% mehr als ein Jahr zuvor"
    # a year compared that is not the year before is named
    assert change(10, 12, 2024, 2021, "pl", unit="t", how="absolute") == f"o 2{NBSP}t mniej niż w 2021 r."


def test_gaps_and_breaks_are_said_never_compared():
    s = nv.resident_sentence(
        "In {year}, {number} people lived in the city",
        "Total population",
        2024,
        62817,
        "en",
        unit="persons",
        previous=None,
        previous_year=2023,
        how="absolute",
        counted=True,
    )
    assert s == "In 2024, 62,817 people lived in the city; there are no data for 2023 to compare with."
    s = nv.resident_sentence(
        "W {year} r. miasto liczyło {number} mieszkańców",
        "Ludność ogółem",
        2021,
        64000,
        "pl",
        unit="persons",
        previous=66000,
        previous_year=2020,
        how="absolute",
        counted=True,
        break_reason="od 2021 r. według spisu",
    )
    assert "2 000" not in s.replace(NBSP, " ") and "nie można porównać z 2020 r." in s and "według spisu" in s
    s = nv.resident_sentence(
        "-", "Zgony", 2024, None, "pl", unit="persons", previous=873, previous_year=2023, latest_year=2023, latest=873
    )
    assert s == "Zgony: brak danych za 2024 r.; ostatnia dostępna wartość (2023 r.): 873 osoby."
    assert nv.resident_sentence("-", "Deaths", 2024, None, "en") == "Deaths: no data for 2024 yet."


def test_nouns_agree_with_the_number():
    tpl = "Policja odnotowała {n_crimes} przeciwko mieniu"
    assert nv.resident_sentence(tpl, "x", 2024, 581, "pl").startswith("Policja odnotowała 581 przestępstw ")
    assert nv.resident_sentence(tpl, "x", 2024, 582, "pl").startswith("Policja odnotowała 582 przestępstwa ")
    assert nv.resident_sentence("{n_trips}", "x", 2024, 160.6, "pl", decimals=1) == "160,6 przejazdu."
    assert nv.resident_sentence("{n_trips}", "x", 2024, 1, "de") == "1 Fahrt."


# ---------------------------------------------------------------- facts and page on the sample


@pytest.fixture()
def fresh():
    views.residents_facts.cache_clear()
    views.iso_indicator_facts.cache_clear()
    yield
    views.residents_facts.cache_clear()
    views.iso_indicator_facts.cache_clear()


@needs_bank
def test_facts_on_the_sample_hand_checked(fresh):
    f = views.residents_facts(2024)
    by_id = {x.id: x for x in f.figures}
    assert list(by_id) == [
        "population",
        "births",
        "deaths",
        "unemployed",
        "wage",
        "pm10",
        "property_crimes",
        "recycling",
        "transport_trips",
        "living_space",
    ]
    # the values of reports/2024/data/headlines.json (the sample year 2024 and the year it compares with)
    pop = by_id["population"]
    assert (pop.value, pop.previous_year, pop.previous, pop.how, pop.counted) == (62817, 2023, 63401, "absolute", True)
    assert (by_id["births"].value, by_id["births"].previous) == (366, 423)
    assert (by_id["unemployed"].value, by_id["unemployed"].previous) == (826, 798)
    wage = by_id["wage"]
    assert (wage.value, wage.previous, wage.how, wage.unit) == (7136, 6390.72, "percent", "PLN")
    assert by_id["pm10"].how == "percent" and by_id["pm10"].providers == ["monitoring-powietrza"]
    # an ISO 37120 share changes in percentage points; its value is the published indicator's
    rec = by_id["recycling"]
    assert (rec.source, rec.key, rec.how, rec.unit, rec.previous_year) == ("indicator", "16.3", "points", "%", 2023)
    assert round(rec.value, 2) == 33.04 and round(rec.previous, 2) == 33.15
    assert all(x.break_reason is None and x.latest_year is None for x in f.figures)
    # every value is the bank's or the indicator results'
    bank = load_bank()
    held = {(r.variable, r.territory, int(r.year)): r.value for r in bank.itertuples()}
    terc = registry().city.terc
    assert all(held[(v, t, y)] == x for v, t, y, x in f.bank_values(terc))
    res = results(reg=registry())
    iso = {(r.id, r.territory, int(r.year)): r.value for r in res.itertuples()}
    assert len(f.indicator_values(terc)) == 6
    assert all(iso[(c, t, y)] == x for c, t, y, x in f.indicator_values(terc))


@needs_bank
def test_a_missing_value_is_a_gap_with_the_latest_value(monkeypatch, fresh):
    bank = load_bank()
    no_2024 = bank[~((bank["variable"] == "population_total") & (bank["year"] == 2024))]
    monkeypatch.setattr(inputs, "bank_frame", lambda: no_2024)
    pop = views.residents_facts(2024).figures[0]
    assert (pop.value, pop.latest_year, pop.latest) == (None, 2023, 63401)
    page = views.residents(2024, "en")
    assert page.figures.sentences[0] == (
        "Total population: no data for 2024 yet; the latest available value (2023): 63,401 people."
    )
    assert ["population_total", registry().city.terc, 2023, 63401.0] in page.figures.values


@needs_bank
@pytest.mark.parametrize(
    ("lang", "first"),
    [
        ("pl", f"W 2024 r. miasto liczyło 62{NBSP}817 mieszkańców, o 584 mniej niż rok wcześniej."),
        ("en", "In 2024, 62,817 people lived in the city, 584 fewer than a year before."),
        ("de", "Im Jahr 2024 lebten 62.817 Menschen in der Stadt, 584 weniger als ein Jahr zuvor."),
    ],
)
def test_the_page_in_each_language(lang, first):
    page = views.residents(2024, lang)
    sentences = page.figures.sentences
    assert len(sentences) == 10 and sentences[0] == first
    recycled = {
        "pl": "33,0% odpadów komunalnych, o 0,1 punktu procentowego mniej niż rok wcześniej",
        "en": "33.0% of the city's municipal waste was recycled, 0.1 percentage points less than a year before",
        "de": f"33,0{NBSP}% der Siedlungsabfälle recycelt, 0,1 Prozentpunkte weniger als ein Jahr zuvor",
    }
    assert recycled[lang] in sentences[7]
    wage = {"pl": f"7{NBSP}136{NBSP}zł", "en": f"PLN{NBSP}7,136", "de": f"7.136{NBSP}PLN"}[lang]
    assert wage in sentences[4]
    text = "\n".join([page.heading, page.intro, *sentences, page.sources])
    assert page_problems(text, lang) == []
    assert "Siemianowice Śląskie" in page.heading and "2024" in page.heading
    # the output carries every bank value the sentences say (the end-to-end test checks them against the bank)
    data, meta = page.figures._repr_mimebundle_()
    assert data["text/markdown"].count("\n- ") == 9
    values = meta["text/markdown"]["citybank_values"]
    assert ["population_total", registry().city.terc, 2024, 62817.0] in values and len(values) == 14
    assert [c for c, *_ in meta["text/markdown"]["citybank_indicators"]] == [
        "16.3",
        "16.3",
        "19.2",
        "19.2",
        "12.5.4",
        "12.5.4",
    ]


@needs_bank
def test_the_sample_is_marked_on_the_notebook_page(capsys):
    from citybank.views.common import SampleNotice, sample_data

    assert sample_data()  # the bundled sample: show_heading adds the notice under the title
    assert re.search(r"sample|przykład", SampleNotice("pl").text + SampleNotice("en").text, re.I)


def test_every_number_placeholder_names_a_known_noun():
    from citybank.i18n import load_catalog

    for key, texts in load_catalog().items():
        if key.startswith("residents.figure."):
            for text in texts.values():
                for name in re.findall(r"\{n_(\w+)\}", text):
                    assert name in nv.UNIT_FORMS, (key, name)
