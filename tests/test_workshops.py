"""Workshops (notebooks/workshops/): a student copy holds no solution, every trainer copy runs under nbval, the
handout is a PDF, and the report templates' contract check stays on notebooks/*.ipynb only."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from citybank import workshops
from citybank.cli import main as cli_main
from citybank.paths import PATHS

NAMES = workshops.available()
NEEDS_DATA = pytest.mark.skipif(
    not (PATHS.bank / "bank.duckdb").is_file() or not PATHS.year_report(2024).joinpath("data").is_dir(),
    reason="needs the sample data: run `citybank prepare --year 2024` (make data) first",
)


def test_the_four_workshops_exist_with_exercises_and_solutions():
    assert NAMES == ["dane_sql", "excel", "iso37120", "monitoring"]
    for name in NAMES:
        nb = nbformat.read(workshops.source_path(name), as_version=4)
        assert workshops.exercise_count(nb) >= 2, name
        assert len(workshops.solution_sources(nb)) >= 2, name
        tags = [workshops.tags(c) for c in nb.cells]
        # each exercise cell is followed by its solution
        for i, t in enumerate(tags):
            if workshops.EXERCISE in t:
                assert workshops.SOLUTION in tags[i + 1], f"{name}: exercise cell {i + 1} has no solution after it"
        assert all(c.get("outputs", []) == [] for c in nb.cells if c.cell_type == "code"), f"{name} has outputs"


@pytest.mark.parametrize("name", NAMES)
def test_student_copy_holds_no_solution(name):
    nb = nbformat.read(workshops.source_path(name), as_version=4)
    student = workshops.student_copy(nb)
    text = "\n".join(c.source for c in student.cells)
    assert not any(workshops.SOLUTION in workshops.tags(c) for c in student.cells)
    for src in workshops.solution_sources(nb):
        for line in src.splitlines():
            # every distinctive line of a solution is gone (short lines like `tab` may occur elsewhere)
            if len(line.strip()) > 25:
                assert line not in text, f"{name}: the student copy contains a solution line: {line!r}"
    exercises = [c for c in student.cells if workshops.EXERCISE in workshops.tags(c)]
    assert len(exercises) == workshops.exercise_count(nb) and all(c.source == "" for c in exercises)
    assert all(c.outputs == [] and c.execution_count is None for c in student.cells if c.cell_type == "code")
    assert "Ćwiczenie" in workshops.handout_markdown(nb)


def test_an_unknown_workshop_is_named(capsys):
    assert cli_main(["workshop", "nope", "--out", "/tmp/never"]) == 2
    assert "no workshop 'nope'" in capsys.readouterr().err


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("workshops")
    for name in NAMES:
        assert cli_main(["workshop", name, "--out", str(out)]) == 0
    return out


@NEEDS_DATA
def test_workshop_command_writes_student_trainer_and_handout(written):
    from pypdf import PdfReader

    for name in NAMES:
        student = nbformat.read(written / f"{name}_student.ipynb", as_version=4)
        trainer = nbformat.read(written / f"{name}_trainer.ipynb", as_version=4)
        assert not workshops.solution_sources(student)
        solved = [c for c in trainer.cells if workshops.SOLUTION in workshops.tags(c)]
        assert solved and all(c.outputs for c in solved), f"{name}: the trainer copy's solutions were not executed"
        pdf = PdfReader(written / f"{name}_handout.pdf")
        text = "".join(p.extract_text() for p in pdf.pages)
        assert len(pdf.pages) >= 2 and "Ćwiczenie 1" in text and "Siemianowic" in text


@NEEDS_DATA
def test_nbval_runs_every_trainer_copy(written):
    trainers = sorted(str(p) for p in written.glob("*_trainer.ipynb"))
    assert len(trainers) == len(NAMES)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax", *trainers],
        cwd=written,
        capture_output=True,
        text=True,
        env=workshops.kernel_env(),
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]


def test_contract_and_hygiene_keep_to_the_report_templates():
    """notebooks/workshops and notebooks/methods show their working: the contract globs notebooks/*.ipynb."""
    from citybank.hygiene import report_templates

    names = {p.name for p in report_templates(PATHS.root)}
    assert "overview.ipynb" in names
    assert not any(p.parent != PATHS.notebooks for p in report_templates(PATHS.root))
    assert not names & {f"{n}.ipynb" for n in NAMES}
