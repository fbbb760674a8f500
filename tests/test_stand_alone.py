"""The workbench stands alone: nothing in params/, lib/ or the docs points outside the repository (the development
folder ../shared exists only beside this project's checkouts; tests may read it, behind a skip), and every figure's
source is named as a source, never as a path of that folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from citybank.params import YAML_LOADER

OUT_OF_REPO = re.compile(r"\.\./shared|/work/|(?<![\w.])shared/(?:data|reference|design)|CITYBANK_SHARED")
TEXT = ("*.py", "*.yml", "*.yaml", "*.j2", "*.typ", "*.css", "*.md", "*.ipynb", "*.cfg", "*.toml", "*.json")


def _files(folder: Path) -> list[Path]:
    return sorted(p for pattern in TEXT for p in folder.rglob(pattern) if "egg-info" not in p.parts)


@pytest.mark.parametrize("folder", ["params", "lib/citybank", "notebooks", "docs"])
def test_no_path_out_of_the_repository(root, folder):
    if not (root / folder).is_dir():
        pytest.skip(f"{folder} is absent")
    found = [
        f"{p.relative_to(root)}:{i}: {line.strip()[:100]}"
        for p in _files(root / folder)
        for i, line in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if OUT_OF_REPO.search(line)
    ]
    assert not found, "paths out of the repository (cite the real source instead):\n" + "\n".join(found)


def test_readme_and_makefile_point_nowhere_outside(root):
    for name in ("README.md", "Makefile", "pyproject.toml", "environment.yml"):
        text = (root / name).read_text(encoding="utf-8")
        assert not OUT_OF_REPO.search(text), f"{name}: {OUT_OF_REPO.search(text).group(0)!r}"


def _strings(node, where: str):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _strings(v, f"{where}.{k}")
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _strings(v, f"{where}[{i}]")
    elif isinstance(node, str):
        yield where, node


def test_no_params_value_escapes_the_workbench(root):
    """A path-like value of params (no spaces, no URL) never starts at '/', '~' or climbs out with '..'."""
    bad = []
    for p in sorted((root / "params").rglob("*.yml")):
        data = yaml.load(p.read_text(encoding="utf-8"), Loader=YAML_LOADER)  # noqa: S506 (the project's safe loader)
        for where, value in _strings(data, p.relative_to(root).as_posix()):
            if " " in value or "://" in value or "/" not in value:
                continue
            parts = Path(value).parts
            if value.startswith(("/", "~")) or ".." in parts:
                bad.append(f"{where}: {value}")
    assert not bad, "\n".join(bad)


def test_the_national_folders_are_inside_the_workbench(reg, root):
    from citybank.params.national import load_national

    nat = load_national(reg)
    assert nat is not None
    for folder in nat.folders:
        assert (root / folder).resolve().is_relative_to(root.resolve()), folder
        assert (root / folder).is_dir(), f"{folder}: the national exports ship there"


def test_the_checker_itself_catches_what_it_looks_for():
    for line in ["folders: [../shared/data/bdl_exports]", "# see /work/shared/reference/x.md",
                 "source: shared/reference/city_facts.md"]:  # fmt: skip
        assert OUT_OF_REPO.search(line), line
    for line in ["the shared header of every page", "a shared/exclusive lock", "data/raw/national"]:
        assert not OUT_OF_REPO.search(line), line
