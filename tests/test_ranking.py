"""The ranking of every gmina among its class, against the real national BDL exports shipped in
data/raw/national."""

from __future__ import annotations

import pandas as pd
import pytest
from citybank import ranking
from citybank.indicators import load_catalogue
from citybank.params.national import load_national


@pytest.fixture(scope="module")
def national(reg, national_dir):
    nat = load_national(reg)
    assert nat is not None, "params/national.yml is part of the workbench"
    return nat


@pytest.fixture(scope="module")
def ranked(reg, national) -> pd.DataFrame:
    return ranking.compute(ranking.national_frame(national), national, load_catalogue(reg))


def _row(ranked, measure, group, territory, year):
    r = ranked[
        (ranked["measure"] == measure)
        & (ranked["group"] == group)
        & (ranked["territory"] == territory)
        & (ranked["year"] == year)
    ]
    assert len(r) == 1, r
    return r.iloc[0]


def test_gmina_kind_from_the_code():
    kinds = ranking.gmina_kind(pd.Series(["2474011", "0201011", "0201022", "0201043", "0201044", "1465018", "2474000"]))
    assert kinds.tolist() == ["city_powiat", "urban", "rural", "urban_rural", "", "", ""]


def test_siemianowice_unemployed_2019_among_cities_of_its_size(ranked):
    # RYNE/1944, 2019, the 22 cities with powiat rights of 50,000–99,999 residents in 2019 (LUDN: Siemianowice
    # 11,000 + 39,361 + 16,480 = 66,841). Their registered unemployed, ascending: Żory 695, Siemianowice Śląskie
    # 888, Piekary Śląskie 970, Leszno 1054, Jelenia Góra 1096, Jaworzno 1213, Mysłowice 1230, Nowy Sącz 1270,
    # Słupsk 1306, Suwałki 1429, Siedlce 1443, Jastrzębie-Zdrój 1461, Piotrków Trybunalski 1712, Łomża 1814,
    # Legnica 1908, Konin 1972, Ostrołęka 2072, Biała Podlaska 2379, Zamość 2436, Chełm 2513, Przemyśl 2851,
    # Grudziądz 2869. Rank (1 = highest): 20 cities above 888, one below → 21 of 22. Percentile: 2 of 22 at or
    # below 888 → 9.09 %. Median: (1443 + 1461) / 2 = 1452; q1 (position 1 + 21/4 = 6.25): 1213 + 0.25 ×
    # (1230 − 1213) = 1217.25.
    r = _row(ranked, "registered_unemployed_gus", "class_band", "2474011", 2019)
    assert (r["class"], r["band"], r["value"]) == ("city_powiat", "50000–99999", 888.0)
    assert (r["rank"], r["n"]) == (21, 22)
    assert r["percentile"] == pytest.approx(100 * 2 / 22)
    assert r["median"] == pytest.approx(1452.0)
    assert r["q1"] == pytest.approx(1217.25)


def test_siemianowice_among_all_66_cities_with_powiat_rights(ranked):
    r = _row(ranked, "population_total", "class", "2474011", 2019)
    assert r["value"] == 66841.0  # 11,000 + 39,361 + 16,480 (LUDN 2019)
    assert r["n"] == 66  # every city with powiat rights (TERC powiat 61+, kind 1), Warsaw included
    # ISO 37120 13.4.3 (post-working share): 16,480 / 66,841 × 100
    iso = _row(ranked, "iso:13.4.3", "class", "2474011", 2019)
    assert iso["value"] == pytest.approx(16480 / 66841 * 100)
    # unemployed per 100 of working age: 888 / 39,361 × 100
    per = _row(ranked, "unemployed_per_100_working_age", "class", "2474011", 2019)
    assert per["value"] == pytest.approx(888 / 39361 * 100)


def test_one_computation_for_all_gminas_same_figures_as_one(ranked, reg, national):
    frame = ranking.national_frame(national)
    one = ranking.compute(frame, national, load_catalogue(reg), territories=["2474011"])
    mine = ranked[ranked["territory"] == "2474011"].reset_index(drop=True)
    pd.testing.assert_frame_equal(one, mine)
    assert ranked.groupby(["group", "class"])["territory"].nunique().loc["class"].to_dict() == {
        "city_powiat": 66,
        "rural": 1596,
        "urban": 242,
        "urban_rural": 711,
    }


def test_absent_exports_say_where_they_were_looked_for(reg, tmp_path, national):
    from citybank.errors import UserError
    from citybank.paths import get_paths

    with pytest.raises(UserError, match="not found in .*data/raw/national"):
        ranking.export_path(national, national.exports[0].file, get_paths(tmp_path / "nowhere"))
