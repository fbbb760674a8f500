"""Workshops for trainers: notebooks/workshops/<name>.ipynb → a student copy, a trainer copy and two handouts.

A workshop notebook shows its working (it is not a report template, so the notebook contract does not apply) and
starts from the files a resident downloads: a ``parameters`` cell names the data folder (``DANE``), the year
and the files; no workshop imports citybank. Its metadata ``citybank.workshop`` gives the Polish title, the
duration, the prerequisites and the files it reads (``{KATEGORIA}.xlsx`` takes the parameter's value).

Exercises are tagged code cells: ``exercise`` (hint comments and ``wynik_N = None``), ``solution`` (the trainer's
answer, run in the source notebook so that ``make test`` proves it still works) and ``check`` (``sprawdz(N,
wynik_N, OCZEKIWANE)`` from ``sprawdz.py`` beside the notebooks: "brak rozwiązania", "OK" or what was expected).
The ``expected`` cell holds ``OCZEKIWANE``, empty in the source. From one source:

- the **trainer copy** runs everything from the output folder, on the copied files, with inline charts; its check
  cells print each result ("wynik do porównania"), which become the student copy's expected results;
- the **student copy** drops every ``solution`` cell, keeps the hints of the ``exercise`` cells, clears all
  outputs, fills ``OCZEKIWANE`` and adds "Wynik do porównania" under each exercise;
- the **handouts** (PDF): the student copy's text and code with a box per exercise, and the trainer's with the
  solutions and their outputs — Pandoc Markdown → Typst → PDF, as ``citybank.render.printed`` typesets the report.

``citybank workshop NAME --out DIR`` writes ``DIR/<name>_student.ipynb``, ``DIR/<name>_trainer.ipynb``,
``DIR/<name>_handout.pdf``, ``DIR/<name>_trainer_handout.pdf``, ``DIR/sprawdz.py`` and the data files in
``DIR/dane/``: the folder runs on its own, without citybank.
"""

from __future__ import annotations

import ast
import base64
import copy
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import nbformat

from .errors import UserError
from .paths import PATHS
from .render.printed import FIXED_EPOCH, PANDOC_FROM, PrintError, _pandoc
from .render.site import template_text

EXERCISE = "exercise"
SOLUTION = "solution"
CHECK = "check"
EXPECTED = "expected"
PARAMETERS = "parameters"
HANDOUT_TEMPLATE = "handout.typ"
CHECKER = "sprawdz.py"
DATA_FOLDER = "dane"
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"


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


def info(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """The workshop's metadata: title, duration, prerequisites, files (``citybank.workshop``)."""
    return dict(nb.metadata.get("citybank", {}).get("workshop", {}))


def describe() -> list[dict[str, str]]:
    """One row per workshop for ``citybank workshop list``: name, Polish title, duration, prerequisites."""
    rows = []
    for name in available():
        meta = info(nbformat.read(source_path(name), as_version=4))
        rows.append({"name": name, **{k: str(meta.get(k, "")) for k in ("title", "duration", "prerequisites")}})
    return rows


def parameters(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """The literal assignments of the ``parameters`` cell (``DANE = "..."`` → {"DANE": "..."})."""
    values: dict[str, Any] = {}
    for cell in nb.cells:
        if PARAMETERS in tags(cell):
            for node in ast.parse(cell.source).body:
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    values[node.targets[0].id] = ast.literal_eval(node.value)
    return values


def with_parameters(nb: nbformat.NotebookNode, **values: Any) -> nbformat.NotebookNode:
    """A copy whose ``parameters`` cell assigns ``values`` instead (comments kept; names it lacks are skipped)."""
    out = copy.deepcopy(nb)
    for cell in out.cells:
        if PARAMETERS in tags(cell):
            lines = cell.source.splitlines()
            for i, line in enumerate(lines):
                name, _, rest = line.partition(" = ")
                if name in values:
                    comment = rest[rest.index("  #") :] if "  #" in rest else ""
                    lines[i] = f"{name} = {values[name]!r}{comment}"
            cell.source = "\n".join(lines)
    return out


def data_files(nb: nbformat.NotebookNode) -> list[str]:
    """The files the workshop reads from its data folder, with the parameters filled in (``*`` a wildcard)."""
    params = parameters(nb)
    return [pattern.format(**params) for pattern in info(nb).get("files", [])]


def _cleared(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    cell.metadata.pop("execution", None)
    cell.metadata.pop("papermill", None)
    return cell


def _exercise_number(cell: nbformat.NotebookNode) -> int | None:
    m = re.search(r"sprawdz\((\d+)", cell.source)
    return int(m.group(1)) if m else None


def student_copy(nb: nbformat.NotebookNode, expected: dict[int, Any] | None = None) -> nbformat.NotebookNode:
    """Solutions removed, the hints of the exercise cells kept, every output cleared; with ``expected`` (the
    trainer copy's results) ``OCZEKIWANE`` is filled and "Wynik do porównania" follows each exercise."""
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        if SOLUTION in tags(cell):
            continue
        if EXPECTED in tags(cell) and expected is not None:
            cell.source = "# Wyniki do porównania (wpisane z kopii prowadzącego)\nOCZEKIWANE = " + repr(
                {int(k): v for k, v in sorted(expected.items(), key=lambda kv: int(kv[0]))}
            )
        if CHECK in tags(cell) and expected is not None:
            n = _exercise_number(cell)
            if n is not None and (n in expected or str(n) in expected):
                value = expected.get(n, expected.get(str(n)))
                cells.append(
                    nbformat.v4.new_markdown_cell(f"**Wynik do porównania (ćwiczenie {n}):** {_format_result(value)}")
                )
        cells.append(_cleared(cell))
    out.cells = cells
    out.metadata.pop("papermill", None)
    return out


def solution_sources(nb: nbformat.NotebookNode) -> list[str]:
    """The source of every solution cell (a student copy must contain none of them)."""
    return [c.source for c in nb.cells if SOLUTION in tags(c) and c.source.strip()]


def exercise_count(nb: nbformat.NotebookNode) -> int:
    return sum(EXERCISE in tags(c) for c in nb.cells)


def _format_result(value: Any) -> str:
    """A result as the checker prints it (12 345,6; lists joined with "; "): the checker's own ``po_polsku``, so
    that the student copy's "Wynik do porównania" and the check cell always write a result the same way."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sprawdz", workshop_dir() / CHECKER)
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    return checker.po_polsku(value)


def kernel_env(cwd: Path) -> dict[str, str]:
    """The kernel's environment: inline charts (the trainer copy keeps them), the checker importable from the
    workshop folder. No citybank on the path: a workshop runs on the downloaded files alone."""
    import os

    keep = {k: v for k, v in os.environ.items() if k not in {"MPLBACKEND", "PYTHONPATH", "CITYBANK_ROOT"}}
    return {**keep, "MPLBACKEND": INLINE_BACKEND, "PYTHONPATH": str(cwd), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


_COLLECT = "import json as _json, sprawdz as _sprawdz\nprint(_json.dumps(_sprawdz.ZEBRANE, ensure_ascii=False))"


def trainer_copy(nb: nbformat.NotebookNode, cwd: Path, timeout: int = 300) -> tuple[nbformat.NotebookNode, dict]:
    """The whole notebook executed from ``cwd`` (outputs stored), and the results its check cells printed."""
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    out = copy.deepcopy(nb)
    for cell in out.cells:
        _cleared(cell)
    out.cells.append(nbformat.v4.new_code_cell(_COLLECT))
    with tempfile.TemporaryDirectory(prefix="kernel-") as sockets:
        # local sockets (IPC), not TCP on localhost: nothing listens on a port, and the kernel prints no warning
        km = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel"))
        client = NotebookClient(out, km=km, timeout=timeout, resources={"metadata": {"path": str(cwd)}})
        try:
            client.execute(env=kernel_env(cwd))
        except CellExecutionError as exc:
            raise UserError(f"the workshop notebook failed while executing: {exc}") from exc
    collect = out.cells.pop()
    text = "".join(o.get("text", "") for o in collect.outputs if o.get("output_type") == "stream")
    results = {int(k): v for k, v in json.loads(text.strip().splitlines()[-1]).items()} if text.strip() else {}
    return out, results


# ---------------------------------------------------------------- the handout


def _fence(text: str, lang: str = "python") -> str:
    return f"```{lang}\n" + text.replace("```", "'''").rstrip() + "\n```"


def _outputs_markdown(cell: nbformat.NotebookNode, images: dict[str, bytes]) -> list[str]:
    """A trainer handout's view of a cell's outputs: text as it printed, a table's text, charts as images."""
    parts: list[str] = []
    for o in cell.get("outputs", []):
        data = o.get("data", {})
        if o.get("output_type") == "stream" and o.get("name") == "stdout":
            parts.append(_fence(o["text"], "text"))
        elif "image/png" in data:
            name = f"img{len(images) + 1:03d}.png"
            images[name] = base64.b64decode(data["image/png"])
            parts.append(f"![]({name}){{width=75%}}")
        elif "text/plain" in data:
            parts.append(_fence(data["text/plain"], "text"))
    return parts


def handout_markdown(nb: nbformat.NotebookNode, trainer: bool = False, images: dict[str, bytes] | None = None) -> str:
    """Pandoc Markdown of a copy: the student's (text and code to type along, a box for each exercise) or, with
    ``trainer``, the executed trainer copy's (solutions and outputs too)."""
    images = {} if images is None else images
    parts: list[str] = []
    n = 0
    for cell in (nb if trainer else student_copy(nb)).cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source)
        elif cell.cell_type != "code" or not cell.source.strip():
            continue
        elif EXERCISE in tags(cell) and not trainer:
            n += 1
            parts.append(_fence(cell.source))
            parts.append(
                "```{=typst}\n#block(stroke: 0.6pt + luma(140), inset: 8pt, radius: 2pt, width: 100%, height: 4.5cm)"
                f"[*Ćwiczenie {n}* — miejsce na rozwiązanie]\n```"
            )
        else:
            parts.append(_fence(cell.source))
            if trainer:
                parts += _outputs_markdown(cell, images)
    return "\n\n".join(parts) + "\n"


def title_of(nb: nbformat.NotebookNode) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "Warsztat"


def write_handout(
    nb: nbformat.NotebookNode, out: Path, city: str = "Siemianowice Śląskie", trainer: bool = False
) -> Path:
    """A printable PDF of the student copy, or with ``trainer`` of the executed trainer copy (pandoc → Typst)."""
    import typst

    images: dict[str, bytes] = {}
    markdown = handout_markdown(nb, trainer=trainer, images=images)
    title = title_of(nb) + (" — materiały prowadzącego" if trainer else "")
    with tempfile.TemporaryDirectory(prefix="handout-") as tmp:
        build = Path(tmp)
        for name, data in images.items():
            (build / name).write_bytes(data)
        body = _pandoc(["-f", PANDOC_FROM + "+raw_attribute", "-t", "typst", "--wrap=preserve"], markdown, build)
        (build / "body.typ").write_bytes(body)
        main = build / "handout.typ"
        main.write_text(template_text(HANDOUT_TEMPLATE), encoding="utf-8")
        try:
            pdf = typst.compile(
                str(main),
                root=str(build),
                ignore_system_fonts=True,
                sys_inputs={"title": title, "city": city},
                timestamp=FIXED_EPOCH,
            )
        except Exception as exc:  # typst.TypstError carries the diagnostic
            raise PrintError(f"typst could not compile the handout: {exc}") from exc
    assert isinstance(pdf, bytes)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(pdf)
    return out


def copy_files(nb: nbformat.NotebookNode, src: Path, out: Path) -> list[Path]:
    """The checker and the data files the workshop reads (from its ``DANE`` folder) copied into ``out``."""
    folder = (src.parent / str(parameters(nb).get("DANE", "."))).resolve()
    copied = [Path(shutil.copyfile(src.parent / CHECKER, out / CHECKER))]
    (out / DATA_FOLDER).mkdir(exist_ok=True)
    for name in data_files(nb):
        matches = sorted(folder.glob(name)) if "*" in name else [folder / name]
        if not matches or not all(p.exists() for p in matches):
            raise UserError(
                f"the workshop reads {name}, which is not in {folder}; build the year's data package first "
                "(`citybank prepare`, i.e. `make data`)"
            )
        for path in matches:
            target = out / DATA_FOLDER / path.name
            shutil.copyfile(path, target)
            copied.append(target)
    return copied


def write_workshop(name: str, out: str | Path, execute: bool = True) -> dict[str, Path]:
    """The folder of one workshop: student copy, trainer copy (executed), both handouts, the checker and the
    data files, so that the folder runs on its own."""
    src = source_path(name)
    nb = nbformat.read(src, as_version=4)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    copy_files(nb, src, out)
    local = with_parameters(nb, DANE=DATA_FOLDER, WYJSCIE=".")
    paths = {
        "student": out / f"{name}_student.ipynb",
        "trainer": out / f"{name}_trainer.ipynb",
        "handout": out / f"{name}_handout.pdf",
        "trainer_handout": out / f"{name}_trainer_handout.pdf",
    }
    trainer, expected = trainer_copy(local, out) if execute else (copy.deepcopy(local), {})
    nbformat.write(trainer, paths["trainer"])
    student = student_copy(local, expected if execute else None)
    nbformat.write(student, paths["student"])
    write_handout(student, paths["handout"])
    write_handout(trainer, paths["trainer_handout"], trainer=True)
    return paths
