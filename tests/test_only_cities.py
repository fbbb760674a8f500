"""`report --cities --only`: a pattern that matches no task is an error naming the task ids it could have matched;
with a pattern that matches, each gmina's report is rendered (in this process) and the pages left out are no failure."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from citybank import pipeline
from citybank.errors import UserError
from citybank.render import RenderResult
from citybank.runner.execute import BuildResult


def _gmina(base: Path, code: str, checkout: Path) -> Path:
    root = base / code
    shutil.copytree(checkout / "params", root / "params")
    return root


@pytest.fixture()
def gminas(tmp_path, root) -> dict[str, Path]:
    return {c: _gmina(tmp_path, c, root) for c in ("2469011", "2474011")}


@pytest.fixture()
def recorded(monkeypatch):
    calls: dict[str, list] = {"tasks": [], "render": []}

    def run_tasks(tasks, jobs=None, executor=None):
        calls["tasks"].extend(t.id for t in tasks)
        return BuildResult(executed=[t.id for t in tasks])

    def render_year(year, langs, paths=None):
        calls["render"].append((paths.root.name, list(langs)))
        result = RenderResult(year, "offline")
        result.failures += [f"{lang}/category-ludnosc: notebook not built" for lang in langs]  # left out by --only
        return result

    monkeypatch.setattr(pipeline, "run_tasks", run_tasks)
    monkeypatch.setattr(pipeline, "render_year", render_year)
    return calls


def test_a_pattern_without_the_gmina_part_names_what_it_could_have_matched(gminas, recorded):
    with pytest.raises(UserError) as err:
        pipeline.report_gminas(2024, gminas, ["pl"], steps=("notebooks", "render"), only="pl/overview")
    text = str(err.value)
    assert text == (
        "--only pl/overview matches no task of the 2 gmina(s); it could have matched (as '*/pl/overview'): "
        "2469011/pl/overview, 2474011/pl/overview"
    )
    assert recorded["tasks"] == [] and recorded["render"] == []  # nothing built, nothing rendered


def test_a_pattern_near_nothing_lists_the_ids_there_are(gminas, recorded):
    with pytest.raises(UserError, match=r"matches no task .*; the task ids are: 2469011/pl/overview, "):
        pipeline.report_gminas(2024, gminas, ["pl"], steps=("notebooks", "render"), only="xx")


def test_only_renders_what_was_built_and_succeeds(gminas, recorded):
    job = pipeline.report_gminas(2024, gminas, ["pl", "en"], steps=("notebooks", "render"), only="*/pl/overview")
    assert recorded["tasks"] == ["2469011/pl/overview", "2474011/pl/overview"]
    assert recorded["render"] == [("2469011", ["pl", "en"]), ("2474011", ["pl", "en"])]
    assert job.failures == []  # the pages not built are left out of each report, not failures


def test_a_gmina_with_nothing_built_is_not_rendered(gminas, recorded, capsys):
    job = pipeline.report_gminas(2024, gminas, ["pl"], steps=("notebooks", "render"), only="2474011/pl/overview")
    assert recorded["tasks"] == ["2474011/pl/overview"]
    assert [name for name, _ in recorded["render"]] == ["2474011"]
    assert "2469011: no page of it matches --only 2474011/pl/overview: not rendered" in capsys.readouterr().out
    assert job.failures == []


def test_render_only_leaves_out_pages_not_built_but_keeps_other_failures(monkeypatch, capsys):
    from citybank import render as render_module
    from citybank.cli import main

    def render_year(year, langs, formats, engine, paths=None):
        r = RenderResult(year, "offline")
        r.failures += ["pl/overview: boom", "pl/category-ludnosc: notebook not built", "pl/pdf: typst failed"]
        return r

    monkeypatch.setattr(render_module, "render_year", render_year)  # the command imports it when it runs
    assert main(["render", "--year", "2024", "--lang", "pl", "--only", "pl/overview"]) == 1
    out = capsys.readouterr()
    assert "1 page(s) not built (--only pl/overview): left out of the report" in out.out
    assert "pl/overview: boom" in out.err and "pl/pdf: typst failed" in out.err
    assert "category-ludnosc" not in out.err
