"""Setup files stay in step: environment.yml lists exactly pyproject.toml's pinned dependencies (runtime and the
"dev" extra of test and lint tools), and the tools are not runtime dependencies."""

from __future__ import annotations

import re
import tomllib

import yaml
from citybank.paths import PATHS


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((PATHS.root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = project["dependencies"] + project["optional-dependencies"]["dev"]
    assert all("==" in d for d in deps), "every dependency in pyproject.toml is pinned with =="
    env = yaml.safe_load((PATHS.root / "environment.yml").read_text(encoding="utf-8"))
    pip_block = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    env_deps = [d for d in pip_block if not d.startswith("-e")]
    norm = lambda xs: sorted(re.sub(r"\s+", "", x).lower() for x in xs)  # noqa: E731
    assert norm(env_deps) == norm(deps)
    assert "python=3.11" in env["dependencies"]
    assert project["requires-python"].startswith(">=3.11")


def test_gitignore_does_not_hide_the_package():
    ignored = (PATHS.root / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert not any(line.strip() in {"lib/", "lib", "/lib"} for line in ignored)


def test_test_and_lint_tools_are_not_runtime_dependencies():
    project = tomllib.loads((PATHS.root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {re.split(r"[=<>]", d)[0].lower() for d in project["dependencies"]}
    assert not runtime & {"pytest", "pytest-xdist", "nbval", "selenium", "ruff", "pre-commit", "nbstripout", "pypdf"}
