"""The national GUS exports shipped in data/raw/national: provenance sidecars, kept by git, never touched by the
sample generator nor by `make clean`, and not counted as the city's data."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from citybank import pipeline
from citybank.rawdata import MARKER, NATIONAL, city_files, sidecar_path
from citybank.sample import _clear_previous
from citybank.util import sha256_file

SHIPPED = {
    "RYNE_1944_registered_unemployed_2003-2024.csv": "RYNE/1944",
    "LUDN_population_by_economic_age_2010-2019.csv": "LUDN",
    "FINA_gmina_revenues_2010-2019.csv": "FINA",
    "terc_2024-01-01_peers.csv": None,
    "bdl_units_2019_peers.csv": None,
}


def test_every_shipped_file_has_its_provenance(national_dir):
    data = sorted(p.name for p in national_dir.iterdir() if not p.name.endswith(".source.yml"))
    assert set(SHIPPED) <= set(data)
    for name, table in SHIPPED.items():
        side = yaml.safe_load(sidecar_path(national_dir / name).read_text(encoding="utf-8"))
        assert side["sha256"] == sha256_file(national_dir / name), f"{name} changed: it must stay as GUS exported it"
        assert side["provider"] == "gus" and side["licence"] == "CC-BY-4.0" and side["file"] == f"national/{name}"
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(side["date"]))
        assert "https://" in side["origin"] and "shared" not in side["origin"]
        if table:
            assert side["table"].startswith(table) and table in side["origin"]
            assert side["attribution"] == "Źródło: GUS, Bank Danych Lokalnych"


def test_git_keeps_the_national_folder_and_ignores_the_rest_of_data_raw(root):
    if not (root / ".git").exists():
        pytest.skip(f"{root} is not a git checkout")

    def ignored(rel: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", rel], cwd=root).returncode == 0

    assert not ignored("data/raw/national/FINA_gmina_revenues_2010-2019.csv")
    assert not ignored("data/raw/national/FINA_gmina_revenues_2010-2019.csv.source.yml")
    assert ignored("data/raw/SAMPLE.yml") and ignored("data/raw/pup/bezrobotni.csv")
    assert ignored("data/raw/national/bdl-api_ryne-1944.csv")  # fetched: the analyst's, like the city's files


def test_make_clean_never_touches_data_raw(root):
    text = (root / "Makefile").read_text(encoding="utf-8")
    recipe = text.split("\nclean:", 1)[1].split("\n\n", 1)[0]
    removed = [w for line in recipe.splitlines()[1:] for w in line.split() if w.startswith("data")]
    assert removed and all(not w.startswith("data/raw") and w != "data" for w in removed), removed


@pytest.fixture()
def raw_with_national(tmp_path, national_dir) -> Path:
    raw = tmp_path / "raw"
    (raw / NATIONAL).mkdir(parents=True)
    for name in ("terc_2024-01-01_peers.csv", "bdl_units_2019_peers.csv"):
        for p in (national_dir / name, sidecar_path(national_dir / name)):
            shutil.copyfile(p, raw / NATIONAL / p.name)
    return raw


def test_the_national_folder_alone_is_no_city_data(raw_with_national):
    assert city_files(raw_with_national) == []
    (raw_with_national / "pup").mkdir()
    (raw_with_national / "pup" / "x.csv").write_text("a\n", encoding="utf-8")
    assert city_files(raw_with_national) == [raw_with_national / "pup" / "x.csv"]


def test_the_sample_generator_never_deletes_or_rewrites_the_national_files(raw_with_national, sample_raw):
    raw = raw_with_national
    before = {p.name: p.read_bytes() for p in (raw / NATIONAL).iterdir()}
    _clear_previous(raw)  # no marker, only national files: nothing to refuse, nothing removed
    # a previous sample whose marker (wrongly) lists a national file: the file is still not removed
    for p in sample_raw.rglob("*"):
        if p.is_file():
            (raw / p.relative_to(sample_raw)).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, raw / p.relative_to(sample_raw))
    marker = yaml.safe_load((raw / MARKER).read_text(encoding="utf-8"))
    name = "terc_2024-01-01_peers.csv"
    marker["files"].append({"path": f"{NATIONAL}/{name}", "sha256": sha256_file(raw / NATIONAL / name)})
    (raw / MARKER).write_text(yaml.safe_dump(marker), encoding="utf-8")
    _clear_previous(raw)
    listed = [raw / e["path"] for e in marker["files"]]
    assert not [p for p in listed if p.exists() and NATIONAL not in p.parts]  # the sample's own files went
    assert {p.name: p.read_bytes() for p in (raw / NATIONAL).iterdir()} == before


def test_prepare_generates_the_sample_beside_the_national_files(raw_with_national, monkeypatch):
    generated: list[Path] = []
    monkeypatch.setattr(pipeline, "generate", lambda raw: generated.append(raw))
    assert pipeline.ensure_raw_data(raw_with_national) is True and generated == [raw_with_national]
    (raw_with_national / "pup").mkdir()
    (raw_with_national / "pup" / "x.csv").write_text("a\n", encoding="utf-8")
    assert pipeline.ensure_raw_data(raw_with_national) is False  # the city's own file: no sample
