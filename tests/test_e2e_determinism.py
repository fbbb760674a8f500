"""Same inputs, same bytes — stage by stage, against the year built once per run (tests/e2e.py): an academic partner
who prepares the data in a second fresh workbench gets the same bank, results and published files; one notebook of
every template executed there is the same notebook; one language rendered there from the same notebooks is the
same PDF and DOCX. (Cheaper than a second whole build, and a difference names its stage.)"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from e2e import YEAR, fresh_workbench, run

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def second(tmp_path_factory) -> Path:
    """A second fresh workbench with the data stage done (`citybank prepare`)."""
    root = fresh_workbench(tmp_path_factory.mktemp("e2e-again") / "wb")
    proc = run(root, "prepare", "--year", str(YEAR))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return root


def files_under(folder: Path) -> list[Path]:
    """The files of ``folder`` to compare byte for byte: not DuckDB's database file (bank.duckdb: the bank's tables
    for queries, which DuckDB does not lay out byte for byte the same on every write; bank.parquet holds the
    same rows and is compared)."""
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file() and p.suffix != ".duckdb")


def test_the_data_stage_gives_the_same_bank_results_and_published_files(year_built, year_report, second):
    from citybank.util import sha256_file

    first, _ = year_built
    for folder in ("data/bank", "data/results", f"reports/{YEAR}/data", f"reports/{YEAR}/qa"):
        mine, theirs = files_under(first / folder), files_under(second / folder)
        assert theirs == mine, folder
        assert mine, folder
        for rel in mine:
            assert sha256_file(first / folder / rel) == sha256_file(second / folder / rel), f"{folder}/{rel}"
    assert len(files_under(second / f"reports/{YEAR}/data")) > 50


def test_one_notebook_of_every_template_executes_to_the_same_bytes(year_built, year_report, second):
    from citybank.params import load_params
    from citybank.runner import plan

    first, _ = year_built
    one_each: dict[str, str] = {}  # notebook → the first pl task that runs it
    for t in plan(YEAR, load_params(second / "params")):
        if t.parameters["lang"] == "pl":
            one_each.setdefault(t.notebook, t.id)
    assert len(one_each) >= 7  # overview, category, iso_overview, iso_indicator, strategy, consistency, residents…
    proc = run(second, "build", "--year", str(YEAR), "--only", ",".join(one_each.values()))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert f"{len(one_each)} executed" in proc.stdout
    for tid in one_each.values():
        rel = f"reports/{YEAR}/notebooks/{tid}.ipynb"
        # the only place a notebook names its workbench: papermill's input and output paths
        mine = (first / rel).read_text(encoding="utf-8").replace(str(first), "<root>")
        theirs = (second / rel).read_text(encoding="utf-8").replace(str(second), "<root>")
        assert theirs == mine, tid


def test_one_language_renders_to_the_same_pdf_and_docx(year_built, year_report, second):
    from citybank.util import sha256_file

    first, _ = year_built
    notebooks = f"reports/{YEAR}/notebooks/pl"
    shutil.rmtree(second / notebooks, ignore_errors=True)
    shutil.copytree(first / notebooks, second / notebooks)
    proc = run(second, "render", "--year", str(YEAR), "--lang", "pl", "--format", "pdf,docx")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    for name in ("report_pl.pdf", "report_pl.docx"):
        assert sha256_file(year_report / name) == sha256_file(second / f"reports/{YEAR}" / name), name
