"""params/ is configuration, validated: a typo fails fast, naming the file and the key."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from citybank.params import ParamsError, load_params

CLI = [sys.executable, "-m", "citybank"]


def run_check(params_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "check-params", "--params", str(params_dir)], capture_output=True, text=True)


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_shipped_params_are_valid():
    proc = subprocess.run([*CLI, "check-params"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "params OK" in proc.stdout


def test_city_facts(reg):
    city = reg.city
    assert city.terc == "2474011" and city.bdl_unit_gmina == "012414874011"
    assert city.area_km2 == 25.5
    assert [d.name for d in city.districts] == [
        "Bańgów",
        "Bytków",
        "Michałkowice",
        "Przełajka",
        "Siemianowice (Centrum)",
    ]
    assert city.languages == ["pl", "en", "de"]
    assert city.default_year == 2024 and sorted(reg.years) == list(range(2015, 2025))


def test_categories_include_the_portal_nine(reg):
    portal = {c.name.pl for c in reg.categories.values() if c.portal}
    assert portal == {
        "Ekologia",
        "Bezpieczeństwo",
        "Ludność",
        "Finanse",
        "Biznes",
        "Administracja",
        "Karta Dużej Rodziny",
        "Mieszkańcy",
        "Demografia",
    }
    assert len(reg.categories) == 18
    assert len(reg.providers) == 16


def test_unknown_key_names_file_and_key(params_copy: Path):
    edit_yaml(params_copy / "city.yml", lambda d: d.update(area_km=25.5))
    proc = run_check(params_copy)
    assert proc.returncode == 1
    assert "params/city.yml: area_km: unknown key" in proc.stderr


def test_missing_translation(params_copy: Path):
    def drop_de(d):
        del d["categories"][3]["name"]["de"]

    edit_yaml(params_copy / "categories.yml", drop_de)
    proc = run_check(params_copy)
    assert proc.returncode == 1
    assert "params/categories.yml: categories[3] (finanse).name.de: required key is missing" in proc.stderr


def test_dangling_references_and_duplicates(params_copy: Path):
    ds = params_copy / "datasets" / "pup-bezrobocie.yml"
    edit_yaml(ds, lambda d: d.update(category="bezrobocie", provider="urzad-pracy"))

    def bad_var(d):
        d["source"]["columns"][0]["variable"] = "registered_unemplyed"

    edit_yaml(ds, bad_var)
    edit_yaml(params_copy / "providers.yml", lambda d: d["providers"].append(dict(d["providers"][0])))
    proc = run_check(params_copy)
    err = proc.stderr
    assert proc.returncode == 1
    assert "params/datasets/pup-bezrobocie.yml: category: unknown category 'bezrobocie'" in err
    assert "params/datasets/pup-bezrobocie.yml: provider: unknown provider 'urzad-pracy'" in err
    assert "source.columns[0].variable: unknown variable 'registered_unemplyed'" in err
    assert "params/providers.yml: id=gus: duplicate id" in err


def test_dataset_file_name_must_match_id_and_bad_yaml(params_copy: Path):
    src = params_copy / "datasets" / "pup-bezrobocie.yml"
    src.rename(params_copy / "datasets" / "pup-bezrobocie-kopia.yml")
    (params_copy / "years" / "2020.yml").write_text("year: 2020\nstatus: [final\n", encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    text = str(exc.value)
    assert "pup-bezrobocie-kopia.yml: id: is 'pup-bezrobocie' but the file is named" in text
    assert "params/years/2020.yml: line 3: not valid YAML" in text


def test_a_variable_comes_from_one_dataset(params_copy: Path):
    def steal(d):
        d["source"]["columns"].append({"source": "Ludność", "variable": "population_working"})

    edit_yaml(params_copy / "datasets" / "um-ludnosc-dzielnice.yml", steal)
    with pytest.raises(ParamsError, match="already provided by dataset 'gus-ludnosc-wiek'"):
        load_params(params_copy)


def test_all_problems_are_reported_at_once(params_copy: Path):
    edit_yaml(params_copy / "city.yml", lambda d: d.update(area_km2=-1, default_year=1999))
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    assert len(exc.value.problems) >= 1
    assert "area_km2" in str(exc.value)


@pytest.mark.parametrize(
    ("module", "loader", "absent", "broken", "key"),
    [
        ("consistency", "load_rules", [], {"rules": [{"id": "x"}]}, "rules[0] (x).left"),
        ("documents", "load_documents", [], {"documents": "none"}, "documents"),
        ("residents", "load_summary", None, {"figures": [{"id": "x"}]}, "figures[0]"),
        ("strategy", "load_strategy", None, {"goals": [{"id": "g1", "titel": "x"}]}, "goals[0].titel"),
        ("survey", "load_survey", None, {"id": "s", "unknown": 1}, "unknown"),
        ("survey_coding", "load_coding", None, {"open_questions": 3}, "open_questions"),
    ],
)
def test_every_optional_file_loads_through_one_loader_that_names_file_and_key(reg, module, loader, absent, broken, key):
    import dataclasses
    import importlib

    mod = importlib.import_module(f"citybank.params.{module}")
    load = getattr(mod, loader)
    assert mod.PARAMS.key == module and mod.PARAMS.file == f"{module}.yml"
    without = dataclasses.replace(reg, extra={k: v for k, v in reg.extra.items() if k != module})
    assert load(without) == absent
    bad = dataclasses.replace(reg, extra={**reg.extra, module: broken})
    with pytest.raises(ParamsError) as info:
        load(bad)
    problems = info.value.problems
    assert problems and all(p.file == f"params/{module}.yml" for p in problems)
    assert key in [p.key for p in problems], [str(p) for p in problems]
    assert mod.check(bad, broken) == problems  # check lists what load raises, without raising
