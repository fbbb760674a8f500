"""The shape of ``lib/citybank``: one direction of imports (see README, Design, and ../shared/design/LAYERS.md).

The test reads every module with ``ast`` (nothing is imported), builds the graph of imports between the
workbench's modules — at module level and inside functions — and fails on a cycle, on an import that points up
a layer, on anything that imports the CLI, and on an import inside a function that no comment explains.
Each failure names the modules, so the next contributor sees the rule by breaking it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "lib" / "citybank"

# Bottom first; a module may import its own layer (without a cycle) and the layers below it, never above.
LAYERS: list[tuple[str, ...]] = [
    ("errors", "reads", "paths", "schema", "util", "i18n", "rawdata", "safety"),
    ("params", "workbench"),
    ("narrative", "plots", "maps", "contract", "claims"),
    ("ingest", "sample"),
    ("bank",),
    ("indicators", "consistency", "strategy", "survey", "ranking", "newcity", "datadocs"),
    ("publish", "manifest", "lineage", "changes", "catalogue", "opendata"),
    ("views", "render"),
    ("runner", "snapshot", "pipeline", "hygiene", "reference", "workshops"),
    ("cli", "__main__"),
]
LAYER_OF = {top: i for i, tops in enumerate(LAYERS) for top in tops}


def module_name(path: Path, lib: Path) -> str:
    rel = path.relative_to(lib.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(lib: Path = LIB) -> dict[str, Path]:
    return {module_name(p, lib): p for p in sorted(lib.rglob("*.py"))}


def _resolve(current: str, is_package: bool, node: ast.ImportFrom, known: dict[str, Path]) -> list[str]:
    """The workbench modules an ``ImportFrom`` refers to (a submodule when the imported name is one)."""
    if node.level:
        base = current.split(".") if is_package else current.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if not target.startswith("citybank"):
        return []
    out = []
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        out.append(sub if sub in known else target)
    return out


def import_graph(lib: Path = LIB) -> tuple[dict[str, set[str]], list[tuple[str, str, int]]]:
    """Edges module → imported modules, and the imports inside functions without a comment (module, target, line)."""
    known = modules(lib)
    edges: dict[str, set[str]] = defaultdict(set)
    unexplained: set[tuple[str, str, int]] = set()
    for name, path in known.items():
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        tree = ast.parse(source)
        in_function: set[int] = set()
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                in_function.update(id(n) for n in ast.walk(fn) if n is not fn)
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                targets = _resolve(name, path.name == "__init__.py", node, known)
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names if a.name.split(".")[0] == "citybank"]
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and str(node.args[0].value).startswith("citybank")
            ):
                targets = [str(node.args[0].value)]
            for t in targets:
                edges[name].add(t)
                if id(node) in in_function:
                    here, above = lines[node.lineno - 1], lines[node.lineno - 2] if node.lineno > 1 else ""
                    if "#" not in here and not above.strip().startswith("#"):
                        unexplained.add((name, t, node.lineno))
    return edges, sorted(unexplained)


def layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else "__init__"
    if top not in LAYER_OF:
        raise AssertionError(f"module {module} is in no layer: add '{top}' to LAYERS in {Path(__file__).name}")
    return LAYER_OF[top]


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def _is_package_init(importer: str, target: str) -> bool:
    """A package's ``__init__`` re-exporting its own submodules is not a cycle of logic."""
    return target.startswith(importer + ".") or importer.startswith(target + ".")


def test_every_module_has_a_layer():
    for name in modules():
        if name != "citybank":
            layer(name)


def test_no_import_cycle():
    edges, _ = import_graph()
    pruned = {a: {b for b in bs if not _is_package_init(a, b)} for a, bs in edges.items()}
    found = cycles(pruned)
    assert not found, "import cycles (each group imports itself in a circle):\n" + "\n".join(
        "  " + " → ".join(c) for c in found
    )


def test_imports_point_down():
    edges, _ = import_graph()
    upward = [
        f"  {a} (layer {layer(a)}) imports {b} (layer {layer(b)})"
        for a, bs in sorted(edges.items())
        for b in sorted(bs)
        if a != "citybank" and b != "citybank" and layer(b) > layer(a)
    ]
    assert not upward, "imports that point up a layer (move the code down, or pass values in):\n" + "\n".join(upward)


def test_nothing_imports_the_cli():
    edges, _ = import_graph()
    bad = [
        f"  {a} imports {b}"
        for a, bs in sorted(edges.items())
        for b in sorted(bs)
        if (b == "citybank.cli" or b.startswith("citybank.cli."))
        and not a.startswith("citybank.cli")
        and a != "citybank.__main__"
    ]
    assert not bad, "only `python -m citybank` may import the CLI:\n" + "\n".join(bad)


def test_no_unexplained_import_inside_a_function():
    _, unexplained = import_graph()
    assert not unexplained, (
        "imports of workbench modules inside functions (import at module level, or say why in a comment):\n"
        + "\n".join(f"  {m}:{line} imports {t}" for m, t, line in unexplained)
    )


# ---------------------------------------------------------------- the guard itself


def _graph_of(tmp_path: Path, files: dict[str, str]):
    root = tmp_path / "citybank"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return import_graph(root)


def test_the_guard_finds_a_cycle_an_upward_import_and_a_hidden_import(tmp_path):
    edges, unexplained = _graph_of(
        tmp_path,
        {
            "__init__.py": "",
            "bank.py": "from .publish import write\n",
            "publish.py": "from .bank import load\n",
            "errors.py": "def f():\n    from .cli import main\n",
            "cli/__init__.py": "from ..errors import UserError\n",
        },
    )
    assert cycles(edges) == [["citybank.bank", "citybank.publish"], ["citybank.cli", "citybank.errors"]]
    assert layer("citybank.bank") < layer("citybank.publish")  # bank → publish points up
    assert "citybank.cli" in edges["citybank.errors"]
    assert unexplained == [("citybank.errors", "citybank.cli", 2)]
