"""Workshops (notebooks/workshops/) as a trainer and a student meet them: each starts from the downloaded files
(a ``parameters`` cell, no citybank), has 4–6 exercises with a check cell, and ``citybank workshop NAME --out
DIR`` writes a folder that runs on its own — student copy (hints kept, expected results, no solution), trainer
copy (executed, with charts), two handouts, the checker and the data files. Every Excel formula the Excel workshop
teaches is recalculated by LibreOffice and must equal the pandas answer beside it."""

from __future__ import annotations

import ast
import copy
import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import openpyxl
import pytest
from citybank import workshops
from citybank.cli import main as cli_main
from citybank.paths import PATHS

NAMES = workshops.available()
NEEDS_DATA = pytest.mark.skipif(
    not PATHS.year_report(2024).joinpath("data", "datapackage.json").is_file(),
    reason="needs the sample data package: run `citybank prepare --year 2024` (make data) first",
)
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def source(name: str) -> nbformat.NotebookNode:
    return nbformat.read(workshops.source_path(name), as_version=4)


def checker():
    spec = importlib.util.spec_from_file_location("sprawdz", workshops.workshop_dir() / workshops.CHECKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_five_workshops_each_with_four_to_six_checked_exercises():
    assert NAMES == ["dane_sql", "excel", "iso37120", "monitoring", "power_query"]
    for name in NAMES:
        nb = source(name)
        assert 4 <= workshops.exercise_count(nb) <= 6, name
        tags = [workshops.tags(c) for c in nb.cells]
        for i, t in enumerate(tags):  # exercise → solution → check, numbered in order
            if workshops.EXERCISE in t:
                assert workshops.SOLUTION in tags[i + 1] and workshops.CHECK in tags[i + 2], f"{name}: cell {i}"
        checks = [workshops._exercise_number(c) for c in nb.cells if workshops.CHECK in workshops.tags(c)]
        assert checks == list(range(1, len(checks) + 1)), name
        assert sum(workshops.EXPECTED in t for t in tags) == 1 and sum(workshops.PARAMETERS in t for t in tags) == 1
        assert all(c.get("outputs", []) == [] for c in nb.cells if c.cell_type == "code"), f"{name} has outputs"
        meta = workshops.info(nb)
        assert meta["title"] and meta["duration"] and meta["prerequisites"] and meta["files"], name


@pytest.mark.parametrize("name", NAMES)
def test_a_workshop_imports_no_citybank_and_reads_its_data_folder(name):
    nb = source(name)
    for cell in nb.cells:
        if cell.cell_type == "code":
            tree = ast.parse("\n".join(x for x in cell.source.splitlines() if not x.startswith(("%", "!"))))
            imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
            imported |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
            assert not any(m and m.split(".")[0] == "citybank" for m in imported), f"{name}: {cell.source[:80]}"
    params = workshops.parameters(nb)
    assert params["DANE"] == "../../reports/2024/data" and params["ROK"] == 2024
    local = workshops.with_parameters(nb, DANE="dane", ROK=2023)
    assert workshops.parameters(local) == {**params, "DANE": "dane", "ROK": 2023}


@pytest.mark.parametrize("name", NAMES)
def test_student_copy_keeps_hints_and_holds_no_solution(name):
    nb = source(name)
    student = workshops.student_copy(nb, expected={1: 12.5, 2: ["Bańgów", 3]})
    text = "\n".join(c.source for c in student.cells)
    assert not any(workshops.SOLUTION in workshops.tags(c) for c in student.cells)
    for src in workshops.solution_sources(nb):
        for line in src.splitlines():
            if len(line.strip()) > 25:  # every distinctive line of a solution is gone
                assert line not in text, f"{name}: the student copy contains a solution line: {line!r}"
    hints = [c.source for c in nb.cells if workshops.EXERCISE in workshops.tags(c)]
    kept = [c.source for c in student.cells if workshops.EXERCISE in workshops.tags(c)]
    assert kept == hints and all("Wskazówka" in h and re.search(r"wynik_\d+ = None", h) for h in hints)
    assert "OCZEKIWANE = {1: 12.5, 2: ['Bańgów', 3]}" in text
    assert "**Wynik do porównania (ćwiczenie 1):** 12,5" in text
    assert "**Wynik do porównania (ćwiczenie 2):** Bańgów; 3" in text
    assert all(c.outputs == [] and c.execution_count is None for c in student.cells if c.cell_type == "code")


def test_the_checker_says_missing_ok_or_what_was_expected(capsys):
    s = checker()
    expected = {1: 1143, 2: ["Bytków", 24.6], 3: -1.8, 4: "on_track"}
    assert s.sprawdz(1, None, expected).endswith("brak rozwiązania (wpisz wynik do zmiennej wynik_1)")
    assert s.sprawdz(1, 1143.0, expected) == "Ćwiczenie 1: OK (1143)"
    assert s.sprawdz(2, ("bytków ", 24.63), expected) == "Ćwiczenie 2: OK (bytków ; 24,63)"
    assert s.sprawdz(2, ("Bytków", 24.7), expected) == "Ćwiczenie 2: oczekiwano Bytków; 24,6, jest Bytków; 24,7"
    # a result decided by rounding is not a wrong answer: −1.81 and −1.80 both match −1.8
    assert "OK" in s.sprawdz(3, -1.81, expected) and "OK" in s.sprawdz(3, -1.75, expected)
    assert "oczekiwano" in s.sprawdz(3, -1.9, expected)
    assert "OK" in s.sprawdz(4, "ON_TRACK", expected) and "oczekiwano" in s.sprawdz(4, "at_risk", expected)
    assert s.sprawdz(5, 12345.678, expected) == "Ćwiczenie 5: wynik do porównania: 12 345,68"
    assert s.ZEBRANE[5] == 12345.678
    assert "Ćwiczenie 1: OK" in capsys.readouterr().out


def test_an_unknown_workshop_is_named(capsys):
    assert cli_main(["workshop", "nope", "--out", "/tmp/never"]) == 2
    assert "no workshop 'nope'" in capsys.readouterr().err


def test_workshop_list_shows_polish_titles_duration_and_prerequisites(capsys):
    assert cli_main(["workshop", "list"]) == 0
    out = capsys.readouterr().out
    for name in NAMES:
        meta = workshops.info(source(name))
        assert f"{name:12} {meta['title']}" in out and f"czas: {meta['duration']}" in out
    assert "Power Query" in out and "potrzebne:" in out


def blocked_citybank(tmp: Path) -> Path:
    """A folder whose ``citybank`` package refuses to import: first on a kernel's path, it makes the kernel a
    clean environment without the workbench."""
    blocker = tmp / "blocker" / "citybank"
    blocker.mkdir(parents=True, exist_ok=True)
    (blocker / "__init__.py").write_text("raise ImportError('citybank is not installed in a clean environment')\n")
    return blocker.parent


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> Path:
    """``citybank workshop NAME --out DIR`` for every workshop; the trainer copies execute in a kernel that
    cannot import citybank — so each workshop is proven to run from its folder on the copied files alone."""
    out = tmp_path_factory.mktemp("kurs")
    blocker = blocked_citybank(tmp_path_factory.mktemp("clean"))
    plain = workshops.kernel_env
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(workshops, "kernel_env", lambda cwd: {**plain(cwd), "PYTHONPATH": f"{blocker}:{cwd}"})
        for name in NAMES:
            assert cli_main(["workshop", name, "--out", str(out)]) == 0
    return out


@NEEDS_DATA
def test_workshop_folder_has_copies_handouts_checker_and_data(written):
    from pypdf import PdfReader

    assert (written / "sprawdz.py").is_file() and (written / "dane" / "bezpieczenstwo.xlsx").is_file()
    assert (written / "dane" / "strategia.csv").is_file() and (written / "dane" / "datapackage.json").is_file()
    for name in NAMES:
        student = nbformat.read(written / f"{name}_student.ipynb", as_version=4)
        trainer = nbformat.read(written / f"{name}_trainer.ipynb", as_version=4)
        assert not workshops.solution_sources(student)
        assert workshops.parameters(student)["DANE"] == "dane" and workshops.parameters(trainer)["DANE"] == "dane"
        solved = [c for c in trainer.cells if workshops.SOLUTION in workshops.tags(c)]
        assert solved and all(c.execution_count for c in solved), f"{name}: the trainer copy was not executed"
        printed = "".join(o.get("text", "") for c in trainer.cells for o in c.get("outputs", []))
        assert printed.count("wynik do porównania") == workshops.exercise_count(trainer), name
        assert "Warning" not in printed and "WARNING" not in printed, f"{name}: kernel warnings in the trainer copy"
        expected = next(c.source for c in student.cells if workshops.EXPECTED in workshops.tags(c))
        assert len(ast.literal_eval(expected.split("OCZEKIWANE = ", 1)[1])) == workshops.exercise_count(student)
        text = "".join(p.extract_text() for p in PdfReader(written / f"{name}_handout.pdf").pages)
        assert "Ćwiczenie 1" in text and "Wynik do porównania" in text and "Wskazówka" in text, name
        trainer_text = "".join(p.extract_text() for p in PdfReader(written / f"{name}_trainer_handout.pdf").pages)
        assert "materiały prowadzącego" in trainer_text and "wynik do porównania" in trainer_text, name
    # the trainer copy keeps its charts (inline backend, not Agg)
    iso = nbformat.read(written / "iso37120_trainer.ipynb", as_version=4)
    assert any("image/png" in o.get("data", {}) for c in iso.cells for o in c.get("outputs", []))


def run_in_clean_environment(nb: nbformat.NotebookNode, folder: Path, tmp: Path) -> str:
    """Execute ``nb`` from ``folder`` with a kernel that cannot import citybank; return what it printed."""
    from nbclient import NotebookClient

    env = workshops.kernel_env(folder)
    env["PYTHONPATH"] = f"{blocked_citybank(tmp)}:{folder}"
    nb = copy.deepcopy(nb)
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute(
        env=env
    )
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


def with_solutions(student: nbformat.NotebookNode, source_nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The student copy with each exercise cell answered by the trainer's solution (what a good student writes)."""
    answers = iter(workshops.solution_sources(source_nb))
    out = copy.deepcopy(student)
    for cell in out.cells:
        if workshops.EXERCISE in workshops.tags(cell):
            cell.source = next(answers)
    return out


@NEEDS_DATA
def test_a_student_copy_answered_well_says_ok_to_every_exercise(written, tmp_path):
    name = "excel"  # the trainer copies already ran in a clean environment (the fixture); here the student's
    student = nbformat.read(written / f"{name}_student.ipynb", as_version=4)
    solved = with_solutions(student, workshops.with_parameters(source(name), DANE="dane"))
    printed = run_in_clean_environment(solved, written, tmp_path)
    n = workshops.exercise_count(student)
    assert [f"Ćwiczenie {i}: OK" in printed for i in range(1, n + 1)] == [True] * n, printed[-2000:]


@NEEDS_DATA
def test_an_empty_exercise_says_so_and_a_wrong_answer_says_what_was_expected(written, tmp_path):
    student = nbformat.read(written / "power_query_student.ipynb", as_version=4)
    printed = run_in_clean_environment(student, written, tmp_path)
    assert printed.count("brak rozwiązania") == workshops.exercise_count(student) and "OK" not in printed
    wrong = copy.deepcopy(student)
    next(c for c in wrong.cells if workshops.EXERCISE in workshops.tags(c)).source = "wynik_1 = 7"
    printed = run_in_clean_environment(wrong, written, tmp_path)
    assert re.search(r"Ćwiczenie 1: oczekiwano \d+, jest 7", printed), printed[-1500:]


def _recalculated(written: Path, tmp: Path) -> list[tuple]:
    """The Excel workshop's formula workbook opened and saved by LibreOffice (which recalculates every formula
    that has no cached value — openpyxl writes none); rows of (what, LibreOffice's result, pandas, formula)."""
    back = tmp / "libreoffice"
    proc = subprocess.run(
        [SOFFICE, f"-env:UserInstallation=file://{tmp / 'lo-profile'}", "--headless", "--norestore",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(back), str(written / "sprawdzenie_formul.xlsx")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    values = openpyxl.load_workbook(back / "sprawdzenie_formul.xlsx", data_only=True)["Wzory"]
    formulas = openpyxl.load_workbook(written / "sprawdzenie_formul.xlsx")["Wzory"]
    rows = []
    for (what, result, pandas, _), (_, formula, *_) in zip(
        values.iter_rows(min_row=2, values_only=True), formulas.iter_rows(min_row=2, values_only=True), strict=True
    ):
        text = formula.text if hasattr(formula, "text") else formula
        rows.append((what, result, pandas, text))
    return rows


def _libreoffice_version() -> tuple[int, int]:
    out = subprocess.run([SOFFICE, "--version"], capture_output=True, text=True, timeout=60).stdout
    m = re.search(r"LibreOffice (\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


@NEEDS_DATA
@pytest.mark.skipif(
    SOFFICE is None, reason="LibreOffice is not installed (Debian: libreoffice-calc; .ci/run installs it)"
)
def test_every_taught_formula_recalculates_in_libreoffice_to_the_pandas_answer(written, tmp_path):
    rows = _recalculated(written, tmp_path)
    taught = {r[0] for r in rows}
    assert {"suma dzielnic", "mieszkańcy: SUMA.WARUNKÓW", "mieszkańcy: WYSZUKAJ.PIONOWO",
            "mieszkańcy: INDEKS/PODAJ.POZYCJĘ", "mieszkańcy: X.WYSZUKAJ", "przestępstwa na 1000"} <= taught  # fmt: skip
    # the formulas name tables that exist in the workbook (a wrong name is #NAME? in Excel)
    assert all("Dane_bezpieczenstwo[" in f or "Dane_ludnosc[" in f or "Klucz!" in f for *_, f in rows)
    checked = 0
    for what, result, pandas, formula in rows:
        if "XLOOKUP" in formula and _libreoffice_version() < (24, 8):
            continue  # X.WYSZUKAJ (Excel 2021/365) exists in LibreOffice from 24.8: the next test
        assert isinstance(result, int | float), f"{what}: LibreOffice gave {result!r} for {formula}"
        assert result == pytest.approx(pandas, rel=1e-12), f"{what}: {formula}"
        checked += 1
    assert checked >= len(rows) - 1
    # the lookup with the filter on year and variable is the rate the notebook says, not the first row's
    rate = next(r for r in rows if r[0] == "przestępstwa na 1000")
    assert 15 < rate[1] < 25


@NEEDS_DATA
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")
def test_xlookup_recalculates_where_the_spreadsheet_has_it(written, tmp_path):
    if _libreoffice_version() < (24, 8):
        pytest.skip(f"LibreOffice {_libreoffice_version()} has no XLOOKUP (added in 24.8); Debian 12 ships 7.4")
    row = next(r for r in _recalculated(written, tmp_path) if "XLOOKUP" in r[3])
    assert row[1] == pytest.approx(row[2])


def test_contract_and_hygiene_keep_to_the_report_templates():
    """notebooks/workshops and notebooks/methods show their working: the contract globs notebooks/*.ipynb."""
    from citybank.hygiene import report_templates

    names = {p.name for p in report_templates(PATHS.root)}
    assert "overview.ipynb" in names
    assert not any(p.parent != PATHS.notebooks for p in report_templates(PATHS.root))
    assert not names & {f"{n}.ipynb" for n in NAMES}
