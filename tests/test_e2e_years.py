"""Every notebook template runs top to bottom for every other sample year — including years where a category's newer
datasets have no data yet — in the workbench of the built year (tests/e2e.py), as one build of all those years."""

from __future__ import annotations

import dataclasses

import pytest
from e2e import LANGS, YEAR

pytestmark = pytest.mark.slow


def test_every_notebook_kind_runs_for_every_sample_year(year_built, year_report, monkeypatch):
    from citybank.params import load_params
    from citybank.runner import plan, run_tasks

    root, _ = year_built
    reg = load_params(root / "params")
    slugs, clauses = list(reg.categories), [str(i["id"]) for i in reg.extra["iso37120"]["indicators"]]
    tasks = []
    years = [y for y in reg.city.sample_years if y != YEAR]
    for i, year in enumerate(years):  # languages and categories rotate (2024 ran everything in all three)
        lang = LANGS[i % 3]
        wanted = {f"{lang}/{name}" for name in (
            "overview", f"category-{slugs[i % len(slugs)]}", "iso-overview",
            f"iso-{clauses[(7 * i) % len(clauses)]}", "strategy", "consistency")}  # fmt: skip
        # one build of all the years: ids carry the year (each year keeps its own outputs and state)
        tasks += [dataclasses.replace(t, id=f"{year}/{t.id}") for t in plan(year, reg) if t.id in wanted]
    assert len(tasks) == 6 * len(years) and len(years) >= 5
    res = run_tasks(tasks, jobs=2, timeout=600, progress=False)
    assert res.failures == [], [(f.task, f.error, f.log) for f in res.failures]
    assert sorted(res.executed) == sorted(t.id for t in tasks)
    for t in tasks:
        assert t.path(t.output).is_file(), t.id
