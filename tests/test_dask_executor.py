"""The Dask executor on a LocalCluster of this machine (2 worker processes, 1 thread each): the same bytes as
the local warm workers, failures reported without stopping the others, the cache unchanged; and builds that
hold several gminas (workbench roots) at once."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from citybank import runner
from citybank.errors import UserError
from citybank.params import load_params
from citybank.pipeline import JobReport, report_gminas
from citybank.runner import plan_gminas, run_tasks, synthetic_plan
from test_runner import DATA, task

distributed = pytest.importorskip("distributed")
from citybank.runner.dask_executor import DaskExecutor  # noqa: E402

CONNECT = 60  # seconds: bounded waits for the cluster, never an assertion on time


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of 2 single-threaded worker processes, shut down whatever happens."""
    cluster = client = None
    try:
        cluster = distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, death_timeout=CONNECT
        )
        client = distributed.Client(cluster, timeout=CONNECT)
        client.wait_for_workers(2, timeout=CONNECT)
        yield client
    finally:
        if client is not None:
            client.close(timeout=CONNECT)
        if cluster is not None:
            cluster.close(timeout=CONNECT)


def outputs(tasks) -> dict[str, bytes]:
    return {t.id: t.path(t.output).read_bytes() for t in tasks if t.path(t.output).is_file()}


# ---------------------------------------------------------------- one workbench


def test_dask_builds_the_same_bytes_reports_a_failure_and_keeps_the_cache(tmp_path, client):
    root = tmp_path
    shutil.copytree(DATA, root / "tests" / "data" / "notebooks")
    for i in range(6):
        (root / "data/raw/synthetic").mkdir(parents=True, exist_ok=True)
        (root / f"data/raw/synthetic/d{i}.csv").write_text(f"d{i}\n", encoding="utf-8")
    nb = "tests/data/notebooks/"
    pages = synthetic_plan(4, root)
    leaks = [task(root, f"set-{i}", nb + "leak_set.ipynb") for i in "ab"]
    leaks += [task(root, f"check-{i}", nb + "leak_check.ipynb") for i in "ab"]
    tasks = [*pages, *leaks, task(root, "boom", nb + "fails.ipynb")]

    local = run_tasks(pages, jobs=2, timeout=120, progress=False)
    assert local.failures == [] and len(local.executed) == len(pages)
    built_here = outputs(pages)
    assert len(built_here) == 4

    dask = run_tasks(tasks, timeout=120, force=True, progress=False, executor=DaskExecutor(client=client))
    # the failing notebook is reported as the notebook's fault, with its traceback kept; the others all ran
    [boom] = dask.failures
    assert boom.task == "pl/boom" and boom.kind == runner.NOTEBOOK
    assert boom.error.startswith("ValueError: broken on purpose for 2024")
    assert any(
        o.get("ename") == "ValueError"
        for c in json.loads(Path(boom.notebook).read_text())["cells"]
        for o in c.get("outputs", [])
    )
    assert sorted(dask.executed) == sorted(t.id for t in tasks if t.id != "pl/boom")
    # byte for byte what the local warm workers wrote
    assert outputs(pages) == built_here
    # no state leaked from a polluting notebook to the next one of the same warm process on a Dask worker
    pid = {r["task"]: r["pid"] for r in dask.timings}
    assert {pid["pl/check-a"], pid["pl/check-b"]} & {pid["pl/set-a"], pid["pl/set-b"]}
    assert len({r["pid"] for r in dask.timings}) == 2  # one warm process per Dask worker, reused

    # the cache is the executor's business no more than before: nothing changed → nothing runs (the failing
    # notebook, never cached, is left out: it would run again)
    fine = [t for t in tasks if t.id != "pl/boom"]
    again = run_tasks(fine, timeout=120, progress=False, executor=DaskExecutor(client=client))
    assert again.executed == [] and sorted(again.skipped) == sorted(t.id for t in fine) and again.failures == []
    (root / "data/raw/synthetic/d1.csv").write_text("changed\n", encoding="utf-8")
    one = run_tasks(fine, timeout=120, progress=False, executor=DaskExecutor(client=client))
    assert one.executed == ["en/page-001"] and one.failures == []  # the one page whose raw file changed


def test_the_executor_options_are_checked():
    with pytest.raises(UserError, match="--scheduler is an address of a Dask scheduler"):
        runner.make_executor("local", "tcp://10.0.0.5:8786")
    with pytest.raises(UserError, match="unknown executor 'ray'"):
        runner.make_executor("ray")
    assert isinstance(runner.make_executor("dask", "tcp://10.0.0.5:8786"), DaskExecutor)  # connects on start


# ---------------------------------------------------------------- several gminas


def gmina(base: Path, code: str, name: str, checkout: Path, data: bool = True) -> Path:
    """A gmina's workbench: the checkout's params with another name (what `citybank new-city` will write),
    the sample's data linked in; no notebooks of its own (the checkout's are used)."""
    root = base / code
    shutil.copytree(checkout / "params", root / "params")
    city = (root / "params/city.yml").read_text(encoding="utf-8")
    city = city.replace("name: Siemianowice Śląskie\n", f"name: {name}\n", 1)
    (root / "params/city.yml").write_text(city, encoding="utf-8")
    if data:
        (root / "data").symlink_to(checkout / "data")
    return root


def test_plan_gminas_prefixes_ids_and_keeps_each_gmina_in_its_workbench(tmp_path, root):
    roots = {"2469011": gmina(tmp_path, "2469011", "Alfa", root), "2463011": gmina(tmp_path, "2463011", "Beta", root)}
    tasks = plan_gminas(2024, roots)
    one = runner.plan(2024, load_params(roots["2469011"] / "params"))
    assert len(tasks) == 2 * len(one)
    assert [t.id for t in tasks[: len(one)]] == [f"2469011/{t.id}" for t in one]  # each gmina's tasks together
    assert tasks[len(one)].id == "2463011/pl/overview"
    t = next(t for t in tasks if t.id == "2463011/en/category-ludnosc")
    assert t.root == roots["2463011"].resolve()
    assert t.path(t.output) == roots["2463011"].resolve() / "reports/2024/notebooks/en/category-ludnosc.ipynb"
    assert t.build_dir == roots["2463011"].resolve() / "build/2024"
    assert t.notebook == str(root / "notebooks/category.ipynb") and t.inputs[0] == t.notebook
    assert any(i.startswith("params/datasets/") for i in t.inputs) and "params/city.yml" in t.inputs
    assert t.parameters == {"year": 2024, "lang": "en", "category": "ludnosc"}
    # a gmina's own notebooks/ folder wins over the checkout's
    (roots["2469011"] / "notebooks").mkdir()
    assert plan_gminas(2024, {"2469011": roots["2469011"]})[0].notebook == "notebooks/overview.ipynb"


@pytest.mark.slow
def test_one_build_of_two_gminas_on_dask_matches_the_local_build(tmp_path, root, client):
    if not (root / "data/bank/bank.parquet").is_file():
        pytest.skip("needs the sample's bank: run `make data` first")
    roots = {
        "2469011": gmina(tmp_path, "2469011", "Alfa-Gmina", root),
        "2463011": gmina(tmp_path, "2463011", "Beta-Gmina", root),
    }
    wanted = ("/pl/category-ludnosc", "/en/strategy")
    tasks = [t for t in plan_gminas(2024, roots) if t.id.endswith(wanted)]
    assert len(tasks) == 4

    local = run_tasks(tasks, jobs=2, timeout=300, progress=False)
    assert local.failures == [] and len(local.executed) == 4
    built_here = outputs(tasks)
    # each gmina's pages were computed in its own workbench: its name, never the other's
    for t in tasks:
        text = built_here[t.id].decode("utf-8")
        mine, other = ("Alfa-Gmina", "Beta-Gmina") if t.id.startswith("2469011") else ("Beta-Gmina", "Alfa-Gmina")
        assert mine in text and other not in text, t.id

    for t in tasks:  # the Dask build writes them again, from nothing
        t.path(t.output).unlink()
    job = report_gminas(
        2024,
        roots,
        ["pl", "en"],
        executor=DaskExecutor(client=client),
        steps=("notebooks",),
        only="*/pl/category-ludnosc,*/en/strategy",
    )
    assert job.failures == []
    assert outputs(tasks) == built_here  # byte for byte
    state = json.loads((roots["2463011"] / "build/2024/state.json").read_text())
    assert set(state["tasks"]) == {"2463011/pl/category-ludnosc", "2463011/en/strategy"}


def test_report_cities_plans_every_listed_gmina_as_one_job_on_the_chosen_executor(tmp_path, root, monkeypatch):
    from citybank import pipeline
    from citybank.cli import main

    for code, name in (("2469011", "Alfa"), ("2463011", "Beta")):  # workspaces already there are kept as they are
        gmina(tmp_path / "gminas", f"{code}-{name.lower()}", name, root, data=False)
    (tmp_path / "gzm.txt").write_text("2463011\n2469011\n", encoding="utf-8")
    seen = {}

    def report_gminas(year, gminas, langs, *, jobs=None, executor=None, only=None):
        seen.update(year=year, gminas=gminas, langs=langs, executor=executor)
        return JobReport(year)

    monkeypatch.setattr(pipeline, "report_gminas", report_gminas)  # imported by `citybank report` when it runs
    argv = ["report", "--year", "2024", "--lang", "pl,en", "--cities", str(tmp_path / "gzm.txt")]
    argv += ["--out", str(tmp_path / "gminas"), "--executor", "dask", "--scheduler", "tcp://10.0.0.5:8786"]
    assert main(argv) == 0
    assert list(seen["gminas"]) == ["2463011", "2469011"]  # in the list's order
    assert seen["gminas"]["2469011"] == (tmp_path / "gminas" / "2469011-alfa").resolve()
    assert seen["langs"] == ["pl", "en"] and seen["year"] == 2024
    assert isinstance(seen["executor"], DaskExecutor) and seen["executor"].scheduler == "tcp://10.0.0.5:8786"


def test_an_executed_notebook_keeps_no_trace_of_the_run(tmp_path):
    run = {
        "cells": [
            {
                "cell_type": "code",
                "id": "3f9a1c2e",
                "execution_count": 1,
                "outputs": [],
                "source": "year = 2024",
                "metadata": {
                    "tags": ["injected-parameters"],
                    "execution": {"iopub.status.busy": "2026-11-30T15:33:36Z"},
                    "papermill": {
                        "duration": 0.01,
                        "end_time": "2026-11-30T15:33:36+00:00",
                        "exception": False,
                        "start_time": "2026-11-30T15:33:36+00:00",
                        "status": "completed",
                    },
                },
            },
        ],
        "metadata": {
            "papermill": {
                "duration": 1.5,
                "start_time": "x",
                "end_time": "y",
                "exception": None,
                "input_path": "/w/notebooks/page.ipynb",
                "output_path": "/w/r/.page.ipynb.k2j.tmp",
                "parameters": {"year": 2024},
                "version": "2.7.0",
            }
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / ".page.ipynb.k2j.tmp"
    path.write_text(json.dumps(run), encoding="utf-8")
    runner.stable_notebook(path, "/w/r/page.ipynb")
    text = path.read_text(encoding="utf-8")
    nb = json.loads(text)
    assert nb["metadata"]["papermill"] == {
        "exception": None,
        "input_path": "/w/notebooks/page.ipynb",
        "output_path": "/w/r/page.ipynb",
        "parameters": {"year": 2024},
        "version": "2.7.0",
    }
    [cell] = nb["cells"]
    assert cell["id"] == "injected-parameters"
    assert cell["metadata"] == {
        "papermill": {"exception": False, "status": "completed"},
        "tags": ["injected-parameters"],
    }
    assert text.startswith('{\n "cells": [\n  {\n   "cell_type": "code",') and text.endswith("}\n")  # nbformat's layout


def test_a_gmina_without_data_is_reported_and_never_given_the_sample_city(tmp_path, root):
    empty = gmina(tmp_path, "2463011", "Beta", root, data=False)
    job = report_gminas(2024, {"2463011": empty}, ["pl"], steps=("prepare",))
    [failure] = job.failures
    assert failure.startswith("prepare 1 gmina(s): 2463011: no data in ") and "citybank report --params" in failure
    assert not (empty / "data").exists()  # nothing generated there


def test_the_local_pool_keeps_each_worker_on_its_gmina():
    from types import SimpleNamespace

    ex = runner.LocalExecutor(2)
    a, b = SimpleNamespace(root="/g/A", job={"root": "/g/A"}), SimpleNamespace(root=None, job=None)
    ex.workers = [a, b]
    ex.queue = [{"root": "/g/A"}, {"root": "/g/A"}, {"root": "/g/B"}, {"root": "/g/C"}]
    assert ex._pick(b) == 2  # a gmina nobody works on, rather than sharing A (whose data b would load too)
    b.root, b.job = "/g/B", {"root": "/g/B"}
    a.job = None
    assert ex._pick(a) == 0  # its own gmina first
    ex.queue = [{"root": "/g/B"}, {"root": "/g/C"}]
    assert ex._pick(a) == 1  # then the next free one
    ex.queue = [{"root": "/g/B"}]
    assert ex._pick(a) == 0  # the last gmina is shared rather than a worker left idle
