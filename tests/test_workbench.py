"""One workbench value (root, paths, params) passed down; no code assigns the process's root."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from citybank import paths as paths_module
from citybank.errors import UserError
from citybank.paths import PATHS, get_paths
from citybank.workbench import Workbench

LIB = Path(__file__).resolve().parents[1] / "lib" / "citybank"


def test_a_workbench_names_its_own_folders_and_params(params_copy, root):
    city = params_copy / "city.yml"
    city.write_text(
        city.read_text(encoding="utf-8").replace("name: Siemianowice Śląskie\n", "name: Gamma\n", 1), "utf-8"
    )
    wb = Workbench.at(params_copy.parent)
    assert wb.root == params_copy.parent.resolve() and wb.paths == get_paths(params_copy.parent)
    assert wb.paths.result("ranking") == params_copy.parent.resolve() / "data" / "results" / "ranking.parquet"
    assert wb.params.city.name == "Gamma" and wb.params.root == params_copy.resolve()
    assert Workbench.at().root == PATHS.root == root  # the process's own: the checkout the tests run in
    assert PATHS.root == root  # building another workbench changed nothing of the process


def test_a_folder_that_is_no_workspace_is_named_with_the_option(tmp_path):
    (tmp_path / "city.yml").write_text("name: x\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"--params .*: no params/city.yml in it \(it looks like a params folder"):
        Workbench.workspace(tmp_path)
    with pytest.raises(UserError, match=r"no params/city.yml in it; create a workspace with `citybank new-city"):
        Workbench.workspace(tmp_path / "nothing")


def test_the_process_default_follows_citybank_root_as_a_warm_process_sets_it(tmp_path, monkeypatch, root):
    monkeypatch.setenv("CITYBANK_ROOT", str(tmp_path))
    assert PATHS.root == tmp_path.resolve() and PATHS.raw == tmp_path.resolve() / "data" / "raw"
    monkeypatch.delenv("CITYBANK_ROOT")
    assert PATHS.root == root


def test_no_module_assigns_a_root_to_the_shared_paths():
    assert not hasattr(paths_module, "use_root")
    for path in sorted(LIB.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in {"object.__setattr__", "setattr"}:
                target = ast.unparse(node.args[0]) if node.args else ""
                assert "PATHS" not in target, f"{path.relative_to(LIB)}:{node.lineno} sets an attribute of PATHS"
            if isinstance(node, ast.Assign | ast.AugAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    assert not ast.unparse(t).startswith("PATHS."), f"{path.relative_to(LIB)}:{node.lineno}"
