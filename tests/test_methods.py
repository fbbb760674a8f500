"""notebooks/methods/reproduce.ipynb recomputes the published ISO 37120 values and headline figures from the
data package alone (pandas, no citybank): it passes on the sample year and fails on any difference."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from citybank.paths import PATHS
from citybank.workshops import kernel_env

NOTEBOOK = PATHS.notebooks / "methods" / "reproduce.ipynb"
PACKAGE = PATHS.year_report(2024) / "data"
pytestmark = pytest.mark.skipif(
    not (PACKAGE / "datapackage.json").is_file(),
    reason="needs the sample year's data package: run `citybank prepare --year 2024` (make data) first",
)


def test_it_imports_no_citybank():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "citybank" not in code


def _run(package: Path | None) -> tuple[bool, str]:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    params = {"ROK": 2024, "PAKIET": str(package / "datapackage.json") if package else ""}
    env_before = dict(os.environ)
    os.environ.update(kernel_env(NOTEBOOK.parent))
    try:
        nb = pm.execute_notebook(
            str(NOTEBOOK), None, parameters=params, cwd=str(NOTEBOOK.parent), progress_bar=False, kernel_name="python3"
        )
    except PapermillExecutionError as exc:
        return False, f"{exc.ename}: {exc.evalue}\n" + "".join(exc.traceback)
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))
    return True, text


def test_the_sample_year_reproduces_without_a_difference():
    ok, text = _run(None)
    assert ok, text
    assert "OK:" in text and "bez różnic" in text


def test_a_changed_published_value_is_caught(tmp_path):
    pkg = tmp_path / "data"
    shutil.copytree(PACKAGE, pkg)
    csv = pkg / "iso37120.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    i = next(i for i, line in enumerate(lines) if line.startswith("5.5,"))
    cells = lines[i].split(",")
    cells[5] = repr(float(cells[5]) + 0.001)  # the value column
    lines[i] = ",".join(cells)
    csv.write_text("".join(lines), encoding="utf-8")
    dp = json.loads((pkg / "datapackage.json").read_text(encoding="utf-8"))
    for r in dp["resources"]:  # a consistent package: only the value differs, not the hash
        if r["path"] == "iso37120.csv":
            r["hash"] = "sha256:" + hashlib.sha256(csv.read_bytes()).hexdigest()
    (pkg / "datapackage.json").write_text(json.dumps(dp), encoding="utf-8")
    ok, text = _run(pkg)
    assert not ok
    assert "1 różnic" in text and "5.5" in text
