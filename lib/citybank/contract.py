"""The notebook contract: what every notebook under notebooks/ must be, checked without executing it.

- exactly one cell tagged ``parameters``, holding only assignments of literal scalars;
- the runner passes exactly the parameters that cell declares (no more, none unknown);
- kernelspec ``python3``; committed without outputs;
- thin: no function, class or lambda definitions, no file paths typed in the notebook, imports only from
  the standard library, ``citybank`` and the declared data/plot libraries.

Reading notebooks as JSON (not with nbformat) keeps this check fast: no heavy imports.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ALLOWED_IMPORTS = {"citybank", "pandas", "numpy", "matplotlib", "seaborn", "IPython"}
PATH_LIKE = re.compile(r"(^|[\w.-])[/\\][\w.-]|\.(csv|xlsx|xls|parquet|json|ya?ml|png|ipynb|duckdb|pdf|docx)$", re.I)


@dataclass(frozen=True)
class Violation:
    notebook: str
    cell: int | None  # 1-based cell number
    message: str

    def __str__(self) -> str:
        where = f"{self.notebook}, cell {self.cell}" if self.cell else self.notebook
        return f"{where}: {self.message}"


def source_of(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _code_for_ast(src: str) -> str:
    """Drop IPython magics and shell escapes so that the rest parses as Python."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in src.splitlines())


def parameters_of(nb: dict) -> dict[str, object]:
    """Names and literal defaults (None when not a literal) assigned in the (first) ``parameters`` cell;
    the runner checks a task's parameters against them."""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            out: dict[str, object] = {}
            for node in ast.parse(_code_for_ast(source_of(cell))).body:
                if not isinstance(node, ast.Assign | ast.AnnAssign):
                    continue
                for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                    if isinstance(target, ast.Name):
                        try:
                            out[target.id] = ast.literal_eval(node.value) if node.value is not None else None
                        except ValueError:
                            out[target.id] = None
            return out
    return {}


def stdlib_modules() -> frozenset[str]:
    return frozenset(sys.stdlib_module_names)


def check_notebook(path: Path, declared: set[str] | None = None, allow_outputs: bool = False) -> list[Violation]:
    """Every contract violation of one notebook. ``declared``: the parameter names the runner passes."""
    name = path.name
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        return [Violation(name, None, f"cannot be read as a notebook: {exc}")]
    out: list[Violation] = []
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    if kernel != "python3":
        out.append(Violation(name, None, f"kernelspec is {kernel!r}; expected 'python3'"))
    param_cells = []
    std = stdlib_modules()
    for i, cell in enumerate(nb.get("cells", []), start=1):
        if cell.get("cell_type") != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        src = source_of(cell)
        if not allow_outputs and (cell.get("outputs") or cell.get("execution_count") is not None):
            out.append(Violation(name, i, "has stored outputs; commit notebooks stripped (nbstripout)"))
        try:
            tree = ast.parse(_code_for_ast(src))
        except SyntaxError as exc:
            out.append(Violation(name, i, f"is not valid Python: {exc.msg} (line {exc.lineno})"))
            continue
        if "parameters" in tags:
            param_cells.append(i)
            for node in tree.body:
                ok = (
                    isinstance(node, ast.Assign)
                    and len(node.targets) == 1
                    and isinstance(node.targets[0], ast.Name)
                    and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, (int, float, str, bool, type(None)))
                )
                if not ok:
                    out.append(
                        Violation(
                            name,
                            i,
                            f"parameters cell may hold only `name = <literal scalar>` lines (line {node.lineno})",
                        )
                    )
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                label = getattr(node, "name", "lambda")
                out.append(Violation(name, i, f"defines {kind} `{label}`; put logic in lib/citybank and call it"))
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                for mod in mods:
                    top = mod.split(".")[0]
                    if top not in ALLOWED_IMPORTS and top not in std:
                        out.append(
                            Violation(
                                name,
                                i,
                                f"imports `{mod}`; allowed: the standard library, {', '.join(sorted(ALLOWED_IMPORTS))}",
                            )
                        )
            elif (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and "\n" not in node.value
                and PATH_LIKE.search(node.value)
                and not node.value.startswith(("http://", "https://"))
            ):
                out.append(Violation(name, i, f"types a file path {node.value!r}; get paths from citybank.paths"))
    if len(param_cells) != 1:
        out.append(Violation(name, None, f"has {len(param_cells)} cells tagged 'parameters'; expected exactly one"))
    if declared is not None and len(param_cells) == 1:
        have = set(parameters_of(nb))
        for p in sorted(declared - have):
            out.append(
                Violation(
                    name,
                    param_cells[0],
                    f"the runner passes parameter `{p}`, which the parameters cell does not declare",
                )
            )
        for p in sorted(have - declared):
            out.append(Violation(name, param_cells[0], f"declares parameter `{p}`, which the runner never passes"))
    return out
