"""The notebook contract (citybank.contract) holds for every notebook, and breaking it is caught with a
message that says what and where."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import pytest
from citybank.contract import check_notebook, parameters_of
from citybank.paths import PATHS

NOTEBOOKS = sorted((PATHS.root / "notebooks").glob("*.ipynb"))
EXPECTED = {
    "overview.ipynb",
    "category.ipynb",
    "iso_indicator.ipynb",
    "iso_overview.ipynb",
    "strategy.ipynb",
    "consistency.ipynb",
}


def test_every_notebook_exists():
    assert {p.name for p in NOTEBOOKS} >= EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_keeps_the_contract(path: Path):
    from citybank.hygiene import declared_parameters

    declared = declared_parameters().get(path.name)
    assert declared, f"the runner never executes {path.name}"
    problems = check_notebook(path, declared)
    assert not problems, "\n".join(map(str, problems))


def _broken(tmp_path: Path, change) -> list[str]:
    nb = json.loads((PATHS.root / "notebooks" / "category.ipynb").read_text(encoding="utf-8"))
    nb = copy.deepcopy(nb)
    change(nb)
    path = tmp_path / "category.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return [str(v) for v in check_notebook(path, {"year", "lang", "category"})]


def _code(src: str, tags=()) -> dict:
    return {
        "cell_type": "code",
        "execution_count": None,
        "metadata": {"tags": list(tags)},
        "outputs": [],
        "source": src,
    }


def test_second_parameters_cell(tmp_path):
    msgs = _broken(tmp_path, lambda nb: nb["cells"].append(_code("year = 2020", ("parameters",))))
    assert "category.ipynb: has 2 cells tagged 'parameters'; expected exactly one" in msgs


def test_stored_output(tmp_path):
    def add_output(nb):
        nb["cells"][2]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x"}]

    assert "category.ipynb, cell 3: has stored outputs; commit notebooks stripped (nbstripout)" in _broken(
        tmp_path, add_output
    )


def test_function_class_lambda_path_and_import(tmp_path):
    src = (
        "import requests\nfrom sklearn import tree\n\ndef helper(x):\n    return x\n\nclass K:\n    pass\n\n"
        "f = lambda y: y\ndf = open('data/bank/bank.parquet')\n"
    )
    msgs = _broken(tmp_path, lambda nb: nb["cells"].append(_code(src)))
    cell = len(json.loads((PATHS.root / "notebooks" / "category.ipynb").read_text())["cells"]) + 1
    where = f"category.ipynb, cell {cell}"
    assert f"{where}: defines function `helper`; put logic in lib/citybank and call it" in msgs
    assert f"{where}: defines class `K`; put logic in lib/citybank and call it" in msgs
    assert f"{where}: defines function `lambda`; put logic in lib/citybank and call it" in msgs
    assert any(m.startswith(f"{where}: imports `requests`") for m in msgs)
    assert any(m.startswith(f"{where}: imports `sklearn`") for m in msgs)
    assert f"{where}: types a file path 'data/bank/bank.parquet'; get paths from citybank.paths" in msgs


def test_parameters_must_be_literal_and_match_the_runner(tmp_path):
    def change(nb):
        cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
        cell["source"] = 'year = 2024\nlang = "pl"\ncategry = "ludnosc"\nlimit = max(1, 2)'

    msgs = _broken(tmp_path, change)
    assert any("parameters cell may hold only `name = <literal scalar>` lines (line 4)" in m for m in msgs)
    assert any("the runner passes parameter `category`, which the parameters cell does not declare" in m for m in msgs)
    assert any("declares parameter `categry`, which the runner never passes" in m for m in msgs)


def test_kernelspec(tmp_path):
    msgs = _broken(tmp_path, lambda nb: nb["metadata"]["kernelspec"].update(name="ir"))
    assert "category.ipynb: kernelspec is 'ir'; expected 'python3'" in msgs


def test_parameters_of_reads_defaults():
    nb = json.loads((PATHS.root / "notebooks" / "iso_indicator.ipynb").read_text(encoding="utf-8"))
    assert parameters_of(nb) == {"year": 2024, "lang": "pl", "indicator": "5.1"}


def test_hygiene_command_fails_on_a_broken_notebook(tmp_path):
    """`make lint` runs citybank.hygiene: a function in a notebook makes it fail naming the cell."""
    import shutil

    root = tmp_path / "wb"
    shutil.copytree(PATHS.root / "params", root / "params")
    shutil.copytree(PATHS.root / "notebooks", root / "notebooks")
    (root / "pyproject.toml").write_text("", encoding="utf-8")
    path = root / "notebooks" / "strategy.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"].append(_code("def f():\n    pass"))
    path.write_text(json.dumps(nb), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "citybank.hygiene"],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "CITYBANK_ROOT": str(root)},
    )
    assert proc.returncode == 1
    assert "strategy.ipynb, cell" in proc.stderr and "defines function `f`" in proc.stderr
