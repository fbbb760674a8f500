"""Workshops for trainers: notebooks/workshops/<name>.ipynb → a student copy, a trainer copy and a handout.

A workshop notebook shows its working (it is not a report template, so the notebook contract does not apply).
Exercises are two tagged code cells: ``exercise`` (the place where the student writes; a comment with the task
in the source notebook) followed by ``solution`` (the trainer's answer, which runs in the source notebook so
that ``make test`` proves it still works). From one source:

- the **student copy** drops every ``solution`` cell, empties every ``exercise`` cell and clears all outputs;
- the **trainer copy** keeps everything and is executed (nbclient, the python3 kernel, from the folder of
  the source notebook, so that relative paths behave as in JupyterLab);
- the **handout** (PDF) is the student copy's text and code as Pandoc Markdown → Typst → PDF, the way
  ``citybank.render.printed`` typesets the report (bundled fonts, fixed timestamp).

``citybank workshop NAME --out DIR`` writes ``DIR/<name>_student.ipynb``, ``DIR/<name>_trainer.ipynb`` and
``DIR/<name>_handout.pdf``.
"""

from __future__ import annotations

import copy
import os
import tempfile
from pathlib import Path

import nbformat

from .errors import UserError
from .paths import PATHS
from .render.printed import FIXED_EPOCH, PANDOC_FROM, PrintError, _pandoc
from .render.site import template_text

EXERCISE = "exercise"
SOLUTION = "solution"
HANDOUT_TEMPLATE = "handout.typ"


def workshop_dir() -> Path:
    return PATHS.notebooks / "workshops"


def available() -> list[str]:
    """The workshop names (file stems under notebooks/workshops/)."""
    return sorted(p.stem for p in workshop_dir().glob("*.ipynb"))


def source_path(name: str) -> Path:
    path = workshop_dir() / f"{name}.ipynb"
    if not path.is_file():
        raise UserError(f"no workshop '{name}' in {workshop_dir()}; available: {', '.join(available()) or 'none'}")
    return path


def tags(cell: dict) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _cleared(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    cell.metadata.pop("execution", None)
    cell.metadata.pop("papermill", None)
    return cell


def student_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Solutions removed, exercise cells left empty, every output cleared."""
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        if SOLUTION in tags(cell):
            continue
        if EXERCISE in tags(cell):
            cell.source = ""
        cells.append(_cleared(cell))
    out.cells = cells
    out.metadata.pop("papermill", None)
    return out


def solution_sources(nb: nbformat.NotebookNode) -> list[str]:
    """The source of every solution cell (a student copy must contain none of them)."""
    return [c.source for c in nb.cells if SOLUTION in tags(c) and c.source.strip()]


def exercise_count(nb: nbformat.NotebookNode) -> int:
    return sum(EXERCISE in tags(c) for c in nb.cells)


def kernel_env() -> dict[str, str]:
    """The environment of the kernel: this checkout's lib/ first on PYTHONPATH, a non-interactive plot backend."""
    lib = str(PATHS.root / "lib")
    parts = [lib, *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and p != lib]]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(parts), "MPLBACKEND": "Agg", "CITYBANK_ROOT": str(PATHS.root)}


def trainer_copy(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 300) -> nbformat.NotebookNode:
    """The whole notebook executed from ``cwd`` (outputs stored)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    out = copy.deepcopy(nb)
    for cell in out.cells:
        _cleared(cell)
    client = NotebookClient(out, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}})
    try:
        client.execute(env=kernel_env())
    except CellExecutionError as exc:
        raise UserError(f"the workshop notebook failed while executing: {exc}") from exc
    return out


# ---------------------------------------------------------------- the handout


def _fence(text: str) -> str:
    return "```python\n" + text.replace("```", "'''").rstrip() + "\n```"


def handout_markdown(nb: nbformat.NotebookNode) -> str:
    """The student copy as Pandoc Markdown: text, code to type along, a box with lines for each exercise."""
    parts: list[str] = []
    n = 0
    for cell in student_copy(nb).cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        elif cell.cell_type == "code" and EXERCISE in tags(cell):
            n += 1
            parts.append(
                "```{=typst}\n#block(stroke: 0.6pt + luma(140), inset: 8pt, radius: 2pt, width: 100%, height: 4.5cm)"
                f"[*Ćwiczenie {n}* — miejsce na rozwiązanie]\n```"
            )
        elif cell.cell_type == "code" and cell.source.strip():
            parts.append(_fence(cell.source))
    return "\n\n".join(parts) + "\n"


def title_of(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "Warsztat"


def write_handout(nb: nbformat.NotebookNode, out: Path, city: str = "Siemianowice Śląskie") -> Path:
    """A printable PDF of the student copy (pandoc → Typst → PDF)."""
    import typst

    markdown = handout_markdown(nb)
    with tempfile.TemporaryDirectory(prefix="handout-") as tmp:
        build = Path(tmp)
        body = _pandoc(["-f", PANDOC_FROM + "+raw_attribute", "-t", "typst", "--wrap=preserve"], markdown, build)
        (build / "body.typ").write_bytes(body)
        main = build / "handout.typ"
        main.write_text(template_text(HANDOUT_TEMPLATE), encoding="utf-8")
        try:
            pdf = typst.compile(
                str(main),
                root=str(build),
                ignore_system_fonts=True,
                sys_inputs={"title": title_of(nb), "city": city},
                timestamp=FIXED_EPOCH,
            )
        except Exception as exc:  # typst.TypstError carries the diagnostic
            raise PrintError(f"typst could not compile the handout: {exc}") from exc
    assert isinstance(pdf, bytes)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    return out


def write_workshop(name: str, out: str | Path, execute: bool = True) -> dict[str, Path]:
    """The student copy, the trainer copy (executed) and the handout of one workshop, in ``out``."""
    src = source_path(name)
    nb = nbformat.read(src, as_version=4)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "student": out / f"{name}_student.ipynb",
        "trainer": out / f"{name}_trainer.ipynb",
        "handout": out / f"{name}_handout.pdf",
    }
    nbformat.write(student_copy(nb), paths["student"])
    trainer = trainer_copy(nb, src.parent) if execute else copy.deepcopy(nb)
    nbformat.write(trainer, paths["trainer"])
    write_handout(nb, paths["handout"])
    return paths
