"""`citybank new-city` and `citybank report --params/--cities`: a baseline report for any gmina from the real national
BDL exports shipped in data/raw/national. Three gminas of different kinds: Katowice (a city with powiat rights),
Bolesławiec (0201011, an urban gmina) and the rural gmina Bolesławiec (0201022). The figures below were read by hand
from the export rows (LUDN, RYNE/1944, FINA; 2019 is the 10th year column of LUDN and FINA, the 17th of RYNE)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pandas as pd
import pytest
import yaml
from citybank import indicators, newcity, pipeline, ranking
from citybank.bank import SUM_OF_PARTS, build_bank
from citybank.errors import UserError
from citybank.params import load_params
from citybank.params.national import load_national
from citybank.paths import PATHS, get_paths
from citybank.util import sha256_file

# terc: (name, kind, powiat, voivodeship, pre-working, working, post-working, registered unemployed, revenue) in 2019
GMINAS = {
    "2469011": ("Katowice", "city_powiat", "2469000", "Śląskie", 44148, 171439, 77187, 2233, 1381371005.0),
    "0201011": ("Bolesławiec", "urban", "0201000", "Dolnośląskie", 6182, 22215, 10475, 516, 110798547.6),
    "0201022": ("Bolesławiec", "rural", "0201000", "Dolnośląskie", 2774, 9433, 2492, 198, 38715326.98),
}


@pytest.fixture(scope="module")
def frame(reg, national_dir):
    return ranking.national_frame(load_national(reg), PATHS)


@pytest.fixture(scope="module")
def workspaces(reg, frame, tmp_path_factory):
    base = tmp_path_factory.mktemp("gminas")
    return {terc: newcity.new_city(terc, base / terc, reg=reg, frame=frame) for terc in GMINAS}


@pytest.mark.parametrize("terc", list(GMINAS))
def test_identity_years_and_population_from_the_export_rows(workspaces, terc):
    name, kind, powiat, voiv, pre, work, post, _, _ = GMINAS[terc]
    ws = workspaces[terc]
    g = ws.gmina
    assert (g.name, g.kind, g.powiat[0], g.voivodeship) == (name, kind, powiat, (terc[:2] + "00000", voiv))
    assert g.population == pre + work + post and g.year == 2019  # the latest year every export covers
    city = yaml.safe_load((ws.root / "params" / "city.yml").read_text(encoding="utf-8"))
    assert city["terc"] == city["bdl_code_gmina"] == terc and city["bdl_code_powiat"] == powiat
    assert (city["default_year"], city["baseline_year"]) == (2019, 2010) and ws.years == list(range(2010, 2025))
    assert city["districts"] == [] and "area_km2" not in city
    words = {"city_powiat": "miasto na prawach powiatu", "urban": "gmina miejska", "rural": "gmina wiejska"}
    assert city["status"]["pl"] == f"{words[kind]}, województwo {voiv}"
    assert list(city) == sorted(city)  # sorted YAML


def test_katowice_has_its_official_terc_name_and_bdl_unit_ids(workspaces):
    g = workspaces["2469011"].gmina  # listed in data/raw/national/terc_*.csv and bdl_units_*.csv
    assert (g.bdl_unit_gmina, g.bdl_unit_powiat) == ("012414869011", "012414869000")
    assert workspaces["0201022"].gmina.bdl_unit_gmina is None  # not listed there: no API ids, none invented


def test_peers_are_the_same_kind_nearest_in_population(workspaces, frame, reg):
    # Katowice 292,774 in 2019; populations of the peers from their LUDN rows (sums of the three age groups)
    peers = workspaces["2469011"].peers
    assert [(c, n) for c, n, _ in peers[:3]] == [("2061011", "Białystok"), ("2262011", "Gdynia"), ("0663011", "Lublin")]
    assert [p for _, _, p in peers[:3]] == [297554.0, 246348.0, 339784.0]  # |Δ| 4,780 < 46,426 < 47,010
    assert len(peers) == load_national(reg).peers == 8
    for terc, ws in workspaces.items():
        assert terc not in [c for c, _, _ in ws.peers]
        assert set(ranking.gmina_kind(pd.Series([c for c, _, _ in ws.peers]))) == {GMINAS[terc][1]}
        gaps = [abs(p - ws.gmina.population) for _, _, p in ws.peers]
        assert gaps == sorted(gaps)
    # every rural gmina left out is at least as far from 14,699 as the farthest peer chosen
    sizes = newcity._sizes(frame, load_national(reg))
    rural = sizes[(sizes["year"] == 2019) & (ranking.gmina_kind(sizes["territory"]) == "rural")]
    chosen = {c for c, _, _ in workspaces["0201022"].peers} | {"0201022"}
    farthest = max(abs(p - 14699) for _, _, p in workspaces["0201022"].peers)
    assert (rural[~rural["territory"].isin(chosen)]["value"] - 14699).abs().min() >= farthest


def test_params_validate_and_are_byte_identical_when_written_again(workspaces, reg, frame, tmp_path):
    ws = workspaces["0201011"]
    loaded = load_params(ws.root / "params")
    assert sorted(loaded.datasets) == ["gus-fina-dochody", "gus-ludn-wiek", "gus-ryne-1944"]
    assert set(loaded.providers) == {"gus"} and len(loaded.categories) == len(reg.categories)
    assert loaded.datasets["gus-ryne-1944"].source.files == ["national/RYNE_1944_registered_unemployed_2003-2024.csv"]
    assert (ws.root / "params" / "strategy.yml").exists() is False  # nothing of Siemianowice's own
    again = newcity.new_city("0201011", tmp_path / "again", reg=reg, frame=frame)
    mine = sorted(p.relative_to(ws.root) for p in (ws.root / "params").rglob("*.yml"))
    assert mine == sorted(p.relative_to(again.root) for p in (again.root / "params").rglob("*.yml"))
    for rel in mine:
        assert (ws.root / rel).read_bytes() == (again.root / rel).read_bytes(), rel
    with pytest.raises(UserError, match="already exists"):
        newcity.new_city("0201011", tmp_path / "again", reg=reg, frame=frame)


def test_exports_are_linked_never_copied_with_provenance(workspaces, national_dir):
    raw = workspaces["2469011"].root / "data" / "raw" / "national"
    for f in sorted(p for p in raw.iterdir() if p.suffix == ".csv"):
        assert f.is_symlink() and f.resolve() == (national_dir / f.name).resolve()
        side = yaml.safe_load((raw / f"{f.name}.source.yml").read_text(encoding="utf-8"))
        assert side["sha256"] == sha256_file(f) and side["provider"] == "gus"


def test_bad_codes_are_named(reg, frame, tmp_path):
    nat = load_national(reg)
    with pytest.raises(UserError, match="7-digit TERC code"):
        newcity.describe("24690", nat, PATHS, frame)
    with pytest.raises(UserError, match="not a gmina of its own"):
        newcity.describe("0201014", nat, PATHS, frame)  # the town of an urban-rural gmina (kind 4)
    codes = tmp_path / "gzm.csv"
    codes.write_text("terc;nazwa\n2469011;Katowice\n201011;Bolesławiec  # lost its leading zero\n", encoding="utf-8")
    assert newcity.read_codes(codes) == ["2469011", "0201011"]
    codes.write_text("2469011\nKatowice\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"line 2: 'Katowice' is not a TERC code"):
        newcity.read_codes(codes)


@pytest.mark.parametrize("terc", list(GMINAS))
def test_prepare_bank_and_indicators_from_national_files_alone(workspaces, terc):
    _, _, _, _, pre, work, post, unemployed, revenue = GMINAS[terc]
    ws = workspaces[terc]
    reg = load_params(ws.root / "params")
    paths = get_paths(ws.root)
    result = build_bank(reg, out=paths)
    assert not result.failures and not (paths.raw / "SAMPLE.yml").exists()
    bank = result.bank
    mine = bank[(bank["territory"] == terc) & (bank["year"] == 2019)].set_index("variable")
    assert mine.loc["registered_unemployed_gus", "value"] == unemployed
    assert mine.loc["revenue_total_gus", "value"] == pytest.approx(revenue)
    assert mine.loc["population_total", "value"] == pre + work + post
    assert mine.loc["population_total", "flag"] == SUM_OF_PARTS and mine.loc["population_total", "source_row"] == 0
    peers = {c for c, _, _ in ws.peers}
    assert peers <= set(bank[bank["variable"] == "population_total"]["territory"])  # peers' rows kept too
    res = pd.read_parquet(indicators.compute_all(reg, bank, out=paths.result("indicators")))
    own = res[(res["territory"] == terc) & (res["year"] == 2019)].set_index("id")
    # 13.4.3: the share of the post-working-age population, computable from LUDN alone
    assert own.loc["13.4.3", "status"] == "reported"
    assert own.loc["13.4.3", "value"] == pytest.approx(post / (pre + work + post) * 100)
    assert own.loc["5.1", "status"] == "not_available"  # needs the labour force: no national input here
    assert (own["status"] == "reported").sum() < len(own) / 10


@pytest.mark.slow
def test_report_params_builds_a_baseline_under_the_workspace_only(workspaces, root):
    ws = workspaces["0201022"]
    before = sorted((root / "reports").iterdir()), (root / "build").exists()
    env = {k: v for k, v in os.environ.items() if k != "CITYBANK_ROOT"}
    env["PYTHONPATH"] = str(root / "lib")
    cmd = [sys.executable, "-m", "citybank", "report", "--params", str(ws.root), "--lang", "pl", "--format", "html",
           "--only", "pl/overview,pl/category-biznes,pl/category-kultura-i-sport"]  # fmt: skip
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (sorted((root / "reports").iterdir()), (root / "build").exists()) == before  # the checkout untouched
    site = ws.root / "reports" / "2019" / "site" / "pl"

    def text(page: str) -> str:
        html = (site / page).read_text(encoding="utf-8")
        main = re.search(r"<main.*?</main>", html, flags=re.S).group(0)
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))

    overview = text("index.html")
    assert "gmina wiejska, województwo Dolnośląskie" in overview and "14 699" in overview
    assert "Brak danych z urzędu gminy (Bolesławiec) dla: Urodzenia żywe" in overview
    biznes = text("category-biznes.html")
    assert "198" in biznes and "212" in biznes  # registered unemployed 2019 and 2018 (RYNE/1944)
    assert "gminy wiejskie liczące 10 000–19 999 mieszkańców" in biznes  # the ranking among its class
    culture = text("category-kultura-i-sport.html")
    assert "Brak danych z urzędu gminy (Bolesławiec) dla: Kultura, sport i rekreacja." in culture
    assert "<img" not in (site / "category-kultura-i-sport.html").read_text(encoding="utf-8")  # no empty chart
    assert (ws.root / "data" / "bank" / "bank.parquet").is_file() and (ws.root / "build").is_dir()


def test_report_cities_writes_a_workspace_per_gmina_and_keeps_existing_ones(workspaces, tmp_path):
    codes = tmp_path / "cities.txt"
    codes.write_text("# two gminas\n0201022\n2469011\n", encoding="utf-8")
    out = tmp_path / "gminas"
    kept = out / "2469011-kept"  # an existing workspace of a code is kept as it is, never rewritten
    kept.mkdir(parents=True)
    (kept / "params").symlink_to(workspaces["2469011"].root / "params")
    roots = pipeline.workspaces_for(newcity.read_codes(codes), out)
    assert roots == {"0201022": (out / "0201022-boleslawiec").resolve(), "2469011": kept.resolve()}
    assert load_params(out / "0201022-boleslawiec" / "params").city.terc == "0201022"


def test_report_params_names_a_folder_that_is_no_workspace(tmp_path, capsys):
    from citybank.cli import main

    (tmp_path / "city.yml").write_text("name: x\n", encoding="utf-8")
    assert main(["report", "--params", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no params/city.yml in it (it looks like a params folder itself: pass its parent" in err
    assert PATHS.root != tmp_path  # nothing was pointed at it


@pytest.mark.slow
def test_report_cities_prepares_and_renders_each_gmina_in_this_process(reg, frame, root, tmp_path, monkeypatch):
    """``report --cities``: every gmina prepared and rendered in the calling process, in its own workbench — no
    ``python -m citybank`` per gmina, no root of the process changed, the checkout untouched."""
    ws = newcity.new_city("0201011", tmp_path / "0201011", reg=reg, frame=frame)
    started: list[list[str]] = []
    popen = subprocess.Popen

    class Recording(popen):  # the runner's warm workers are processes of their own; a `citybank` CLI is not
        def __init__(self, args, *a, **kw):
            started.append([str(x) for x in args] if isinstance(args, list | tuple) else [str(args)])
            super().__init__(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", Recording)
    env_before, root_before = os.environ.get("CITYBANK_ROOT"), PATHS.root
    checkout_before = sorted((root / "reports").iterdir())
    job = pipeline.report_gminas(2019, {"0201011": ws.root}, ["pl"], only="*/pl/overview")
    assert job.failures == [], job.failures
    assert any("_worker_main" in " ".join(c) for c in started)  # the runner's workers were seen starting
    assert [c for c in started if "-m" in c[:-1] and c[c.index("-m") + 1].startswith("citybank")] == []
    assert (os.environ.get("CITYBANK_ROOT"), PATHS.root) == (env_before, root_before)
    assert sorted((root / "reports").iterdir()) == checkout_before
    out = ws.root / "reports" / "2019"
    assert (ws.root / "data" / "bank" / "bank.parquet").is_file() and (out / "data" / "datapackage.json").is_file()
    html = (out / "site" / "pl" / "index.html").read_text(encoding="utf-8")
    assert "Bolesławiec" in html and "gmina miejska, województwo Dolnośląskie" in html
    assert "Siemianowice" not in html  # the checkout's city never leaks into a gmina's report
