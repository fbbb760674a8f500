"""The build runner: plan, parameter validation, cache keys, incremental builds, isolation, failures, Ctrl-C."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from citybank import runner
from citybank.contract import parameters_of as declared_parameters
from citybank.params import expand_files, load_params
from citybank.runner import Task, check_parameters, code_hash, plan, run_tasks

DATA = Path(__file__).parent / "data" / "notebooks"
TEMPLATES = (
    "overview",
    "category",
    "iso_overview",
    "iso_indicator",
    "strategy",
    "consistency",
    "residents",
    "survey_overview",
    "survey_theme",
)

# A generic notebook for every template: declares every parameter of the plan, reads an input file.
GENERIC = {
    "cells": [
        {
            "cell_type": "code", "execution_count": None, "id": "p", "metadata": {"tags": ["parameters"]},
            "outputs": [], "source": 'year = 0\nlang = "pl"\ncategory = None\nindicator = None\ntheme = None',
        },
        {
            "cell_type": "code", "execution_count": None, "id": "c", "metadata": {}, "outputs": [],
            "source": "import pathlib\ntext = pathlib.Path('../params/city.yml').read_text()\nprint(year, lang, category)",
        },
    ],
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "nbformat": 4, "nbformat_minor": 5,
}  # fmt: skip


def make_root(tmp: Path, root: Path) -> Path:
    """A workbench in ``tmp``: params copied, generic notebooks, one small file per raw dataset file."""
    shutil.copytree(root / "params", tmp / "params")
    (tmp / "notebooks").mkdir()
    for name in TEMPLATES:
        (tmp / "notebooks" / f"{name}.ipynb").write_text(json.dumps(GENERIC), encoding="utf-8")
    reg = load_params(tmp / "params")
    for ds in reg.datasets.values():
        for rel, _ in expand_files(ds):
            p = tmp / "data" / "raw" / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(f"{ds.id} {rel}\n", encoding="utf-8")
    (tmp / "data" / "bank").mkdir(parents=True)
    (tmp / "data" / "bank" / "bank.parquet").write_bytes(b"bank v1")
    return tmp


def task(root: Path, name: str, notebook: str, **params) -> Task:
    return Task(
        id=f"pl/{name}", notebook=notebook, parameters={"year": 2024, "lang": "pl", **params}, inputs=(notebook,),
        output=f"reports/2024/notebooks/pl/{name}.ipynb", year=2024, root=root,
    )  # fmt: skip


@pytest.fixture()
def nbroot(tmp_path: Path) -> Path:
    """A root holding a copy of the test notebooks."""
    shutil.copytree(DATA, tmp_path / "tests" / "data" / "notebooks")
    return tmp_path


# ---------------------------------------------------------------- plan


def test_plan_lists_every_task_with_parameters_inputs_and_outputs(tmp_path, root):
    base = make_root(tmp_path, root)
    reg = load_params(base / "params")
    tasks = plan(2024, reg)
    cats = list(reg.categories)
    n_iso = len((reg.extra.get("iso37120") or {}).get("indicators") or [])
    n_survey = 1 + len(reg.extra["survey"]["themes"])  # the survey's overview and a page per theme
    per_lang = 1 + 1 + len(cats) + 1 + n_iso + 1 + n_survey + 1  # the printed report's order (params/outline.py)
    assert len(cats) == 18
    assert len(tasks) == len(reg.city.languages) * per_lang
    ids = [t.id for t in tasks]
    assert ids[:4] == ["pl/overview", "pl/residents", f"pl/category-{cats[0]}", f"pl/category-{cats[1]}"]
    assert ids[per_lang - 2 - n_survey : per_lang] == ["pl/strategy", "pl/survey-overview", "pl/survey-city_life",
                                                       "pl/survey-services", "pl/survey-city_office", "pl/consistency"]  # fmt: skip
    assert len(set(ids)) == len(ids)

    ds = next(iter(reg.datasets.values()))
    cat = next(t for t in tasks if t.id == f"en/category-{ds.category}")
    assert cat.notebook == "notebooks/category.ipynb"
    assert cat.parameters == {"year": 2024, "lang": "en", "category": ds.category}
    assert cat.output == f"reports/2024/notebooks/en/category-{ds.category}.ipynb"
    raw = [f"data/raw/{rel}" for rel, _ in expand_files(ds)]
    assert set(raw) <= set(cat.inputs)
    assert {"notebooks/category.ipynb", f"params/datasets/{ds.id}.yml"} <= set(cat.inputs)
    # a category page depends on its datasets' raw files (and the population used per resident), not on
    # the whole bank, which every re-ingest rewrites
    assert "data/bank/bank.parquet" not in cat.inputs
    # another category does not depend on this dataset's files; the overview depends on all of them
    other = next(t for t in tasks if t.id.startswith("en/category-") and t.parameters["category"] != ds.category)
    if not any(d.category == other.parameters["category"] for d in reg.datasets.values() if d.id == ds.id):
        assert not set(raw) & set(other.inputs)
    overview = next(t for t in tasks if t.id == "en/overview")
    assert set(raw) <= set(overview.inputs) and "data/results/indicators.parquet" in overview.inputs
    assert "data/bank/bank.parquet" in overview.inputs
    strategy = next(t for t in tasks if t.id == "de/strategy")
    assert strategy.inputs[-2:] == ("params/strategy.yml", "data/results/strategy.parquet")


def test_plan_uses_a_category_specific_notebook_and_lists_iso_indicators(tmp_path, root):
    base = make_root(tmp_path, root)
    (base / "notebooks" / "ludnosc.ipynb").write_text(json.dumps(GENERIC), encoding="utf-8")
    cats = (base / "params" / "categories.yml").read_text(encoding="utf-8")
    cats = cats.replace("  - slug: ludnosc\n", "  - slug: ludnosc\n    notebook: ludnosc.ipynb\n", 1)
    (base / "params" / "categories.yml").write_text(cats, encoding="utf-8")
    reg = load_params(base / "params")
    tasks = {t.id: t for t in plan(2024, reg)}
    assert tasks["pl/category-ludnosc"].notebook == "notebooks/ludnosc.ipynb"
    assert tasks["pl/category-ekologia"].notebook == "notebooks/category.ipynb"
    reg.extra["iso37120"] = {"indicators": [{"id": "5.1"}, {"id": "12.5.10"}]}
    tasks = {t.id: t for t in plan(2024, reg)}
    assert tasks["de/iso-12.5.10"].parameters == {"year": 2024, "lang": "de", "indicator": "12.5.10"}
    assert tasks["de/iso-12.5.10"].notebook == "notebooks/iso_indicator.ipynb"
    assert tasks["de/iso-5.1"].output == "reports/2024/notebooks/de/iso-5.1.ipynb"


def test_plan_json_has_the_documented_fields(tmp_path, root):
    t = plan(2024, load_params(make_root(tmp_path, root) / "params"))[0]
    assert set(t.to_json()) == {"id", "notebook", "parameters", "inputs", "output"}


# ---------------------------------------------------------------- parameters and hashes


def test_declared_parameters_reads_literal_assignments():
    nb = json.loads((DATA / "page.ipynb").read_text())
    assert declared_parameters(nb) == {"year": 2024, "lang": "pl", "category": "ludnosc", "data_file": "values.csv"}
    check_parameters("page.ipynb", nb, {"year": 2020, "lang": "de"})  # missing ones keep defaults


def test_an_undeclared_parameter_names_the_notebook_and_the_parameter():
    nb = json.loads((DATA / "fails.ipynb").read_text())
    with pytest.raises(runner.NotebookProblem, match=r"fails\.ipynb: parameter\(s\) 'category' not declared.*year"):
        check_parameters("fails.ipynb", nb, {"year": 2020, "category": "ekologia"})


def test_code_hash_ignores_outputs_and_metadata_but_not_code():
    nb = json.loads((DATA / "fails.ipynb").read_text())
    before = code_hash(nb)
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "hello"}]
    nb["cells"][1]["execution_count"] = 7
    nb["metadata"]["papermill"] = {"duration": 1.5}
    assert code_hash(nb) == before
    nb["cells"][1]["source"] = "x = 2"
    assert code_hash(nb) != before


# ---------------------------------------------------------------- incremental builds


def test_incremental_builds(tmp_path, root):
    base = make_root(tmp_path / "w", root)
    lib = tmp_path / "lib"
    shutil.copytree(runner.LIB_ROOT, lib, ignore=shutil.ignore_patterns("__pycache__"))
    reg = load_params(base / "params")
    tasks = [t for t in plan(2024, reg) if t.parameters["lang"] == "pl" and not t.id.startswith("pl/iso-")]

    cold = run_tasks(tasks, jobs=2, timeout=120, lib_root=lib, progress=False)
    assert cold.failures == [] and sorted(cold.executed) == sorted(t.id for t in tasks) and cold.skipped == []
    out = json.loads((base / tasks[0].output).read_text())
    assert out["metadata"]["papermill"]["parameters"] == {"year": 2024, "lang": "pl"}
    assert any(o.get("text") == ["2024 pl None\n"] for o in out["cells"][-1]["outputs"])

    again = run_tasks(tasks, jobs=2, timeout=120, lib_root=lib, progress=False)
    assert again.executed == [] and len(again.skipped) == len(tasks)
    # deciding that nothing changed reads no file's content: sizes and times are compared with build/hashes.json
    reads = []
    real = runner.cache.sha256_file
    runner.cache.sha256_file = lambda p, *a: reads.append(p) or real(p, *a)
    try:
        assert runner.status(tasks, lib_root=lib) == {t.id: [] for t in tasks}
    finally:
        runner.cache.sha256_file = real
    assert reads == []

    ds = next(d for d in reg.datasets.values())
    rel, _ = expand_files(ds)[0]
    (base / "data" / "raw" / rel).write_text("changed\n", encoding="utf-8")
    why = runner.status(tasks, lib_root=lib)
    assert why[f"pl/category-{ds.category}"] == [f"input data/raw/{rel} changed"]
    assert why["pl/strategy"] == []
    one = run_tasks(tasks, jobs=2, timeout=120, lib_root=lib, progress=False)
    assert sorted(one.executed) == sorted(["pl/overview", f"pl/category-{ds.category}"])

    (lib / "util.py").write_text((lib / "util.py").read_text() + "\n# changed\n", encoding="utf-8")
    assert set(runner.status(tasks, lib_root=lib)["pl/strategy"]) == {"lib code changed"}
    everything = run_tasks(tasks, jobs=2, timeout=120, lib_root=lib, progress=False)
    assert sorted(everything.executed) == sorted(t.id for t in tasks)

    # code change in one notebook, parameters and a deleted output are explained too
    nb = json.loads((base / "notebooks/strategy.ipynb").read_text())
    nb["cells"][1]["source"] += "\nx = 1"
    (base / "notebooks/strategy.ipynb").write_text(json.dumps(nb))
    (base / tasks[0].output).unlink()
    why = runner.status(tasks, lib_root=lib)
    assert why["pl/strategy"] == ["notebook code changed"] and why["pl/overview"] == ["output missing"]
    assert sum(bool(v) for v in why.values()) == 2
    timings = (base / "build/2024/timings.csv").read_text().splitlines()
    assert timings[0] == "task,status,seconds,facts,kernel_start,execute,write,pid" and len(timings) == len(tasks) + 1


# ---------------------------------------------------------------- isolation between notebooks of one worker


@pytest.mark.parametrize("mode", ["inprocess", "fork"])
def test_no_state_leaks_between_notebooks_run_by_the_same_worker(nbroot, mode, monkeypatch):
    monkeypatch.setenv("CITYBANK_RUNNER_KERNEL", mode)  # in the task's own process, or in a kernel forked from it
    nb = "tests/data/notebooks/"
    tasks = [task(nbroot, "a-set", nb + "leak_set.ipynb"), task(nbroot, "b-check", nb + "leak_check.ipynb")]
    res = run_tasks(tasks, jobs=1, timeout=120, progress=False)
    assert res.failures == [], res.failures
    assert res.executed == ["pl/a-set", "pl/b-check"]
    pids = {row["pid"] for row in res.timings}
    assert len(pids) == 1  # the same worker process ran both
    polluted = json.loads((nbroot / tasks[0].output).read_text())
    assert polluted["cells"][-1]["outputs"][0]["text"][0].startswith("polluted")


# ---------------------------------------------------------------- failures


def test_failures_are_collected_and_the_build_goes_on(nbroot):
    nb = "tests/data/notebooks/"
    (nbroot / "reports/2024/notebooks/pl").mkdir(parents=True)
    (nbroot / "reports/2024/notebooks/pl/boom.ipynb").write_text("previous good output")
    tasks = [
        task(nbroot, "boom", nb + "fails.ipynb"),
        task(nbroot, "hang", nb + "hangs.ipynb", seconds=60),
        task(nbroot, "dead", nb + "dies.ipynb"),
        task(nbroot, "absent", nb + "nope.ipynb"),
        task(nbroot, "typo", nb + "fails.ipynb", categroy="x"),
        task(nbroot, "fine", nb + "page.ipynb", data_file=str(nbroot / nb / "values.csv")),
    ]
    res = run_tasks(tasks, jobs=2, timeout=20, progress=False)  # the hanging task is stopped by its timeout (below)
    assert res.executed == ["pl/fine"]
    errors = {f.task: f for f in res.failures}
    assert sorted(errors) == ["pl/absent", "pl/boom", "pl/dead", "pl/hang", "pl/typo"]
    assert errors["pl/boom"].error.startswith("ValueError: broken on purpose for 2024")
    failed = json.loads(Path(errors["pl/boom"].notebook).read_text())
    assert any(o.get("ename") == "ValueError" for c in failed["cells"] for o in c.get("outputs", []))
    assert errors["pl/hang"].error.startswith("timed out after 20 s")
    assert "died" in errors["pl/dead"].error.lower() or "DeadKernel" in errors["pl/dead"].error
    assert errors["pl/absent"].error.startswith("notebook not found")
    assert "'categroy' not declared" in errors["pl/typo"].error
    # the failed task left the previous output alone, and nothing half-written anywhere
    assert (nbroot / "reports/2024/notebooks/pl/boom.ipynb").read_text() == "previous good output"
    outputs = sorted(p.name for p in (nbroot / "reports/2024/notebooks/pl").iterdir())
    assert outputs == ["boom.ipynb", "fine.ipynb"]
    state = json.loads((nbroot / "build/2024/state.json").read_text())
    assert list(state["tasks"]) == ["pl/fine"]


def test_ctrl_c_stops_workers_leaves_no_half_file_and_the_next_build_resumes(nbroot):
    script = f"""
import sys
from pathlib import Path
sys.path.insert(0, {str(Path(__file__).parent)!r})
from test_runner import task
from citybank.runner import run_tasks
root = Path({str(nbroot)!r})
nb = "tests/data/notebooks/"
tasks = [task(root, "fine", nb + "page.ipynb", data_file=str(root / nb / "values.csv")),
         task(root, "hang", nb + "hangs.ipynb", seconds=120)]
try:
    run_tasks(tasks, jobs=2, timeout=300, progress=False)
except KeyboardInterrupt:
    print("INTERRUPTED", flush=True)
    sys.exit(130)
"""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, cwd=nbroot)
    state = nbroot / "build/2024/state.json"
    deadline = time.monotonic() + 300  # a bound for a machine under load (the workers' imports come first)
    while not (state.is_file() and "pl/fine" in state.read_text()):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.2)
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=180)  # a bound for a loaded machine: stopping waits for the workers
    assert proc.returncode == 130 and "INTERRUPTED" in out
    folder = nbroot / "reports/2024/notebooks/pl"
    assert sorted(p.name for p in folder.iterdir()) == ["fine.ipynb"]  # no temporary, no half notebook
    # no process of the build is left (workers, clients and kernels all ran with their cwd in the root)
    time.sleep(0.5)
    assert _processes_under(nbroot) == []
    nb = "tests/data/notebooks/"
    tasks = [
        task(nbroot, "fine", nb + "page.ipynb", data_file=str(nbroot / nb / "values.csv")),
        task(nbroot, "hang", nb + "hangs.ipynb", seconds=0),
    ]
    res = run_tasks(tasks, jobs=2, timeout=120, progress=False)
    assert res.skipped == ["pl/fine"] and res.executed == ["pl/hang"], runner.status(tasks)


def _processes_under(folder: Path) -> list[int]:
    """Pids of live processes whose working directory is inside ``folder``."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = Path(os.readlink(entry / "cwd"))
            except OSError:
                continue
            if cwd == folder or folder in cwd.parents:
                found.append(int(entry.name))
    return found


# ---------------------------------------------------------------- a busy machine: slow and failing kernels

SLOW_KERNEL = """
import os, time
from ipykernel.kernelapp import IPKernelApp
_initialize = IPKernelApp.initialize
def initialize(self, *args, **kwargs):
    marker = os.environ.get("CITYBANK_TEST_FAIL_ONCE")
    if os.environ.get("CITYBANK_TEST_KERNEL_FAILS") or (marker and not os.path.exists(marker)):
        if marker:
            open(marker, "w").close()
        raise RuntimeError("kernel start failed on purpose")
    time.sleep(float(os.environ.get("CITYBANK_TEST_KERNEL_DELAY", "0")))
    return _initialize(self, *args, **kwargs)
IPKernelApp.initialize = initialize
"""


@pytest.fixture()
def slow_kernels(tmp_path: Path, monkeypatch) -> Path:
    """Every kernel the runner starts goes through ``IPKernelApp.initialize``, patched by a sitecustomize
    (deterministically slow or failing, as a kernel is on a machine short of memory or disk)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(SLOW_KERNEL, encoding="utf-8")
    monkeypatch.setenv("CITYBANK_RUNNER_KERNEL", "fork")  # kernels are started on that path only (not in-process)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))
    return tmp_path


def real_tasks(tmp_path: Path, ids: set[str] | dict) -> list[Task]:
    """Tasks of the real plan (real notebooks, the sample's bank) writing into ``tmp_path``: params/ is copied, not
    linked — the plan's root is where params/ resolves, and a link would put the tasks' outputs and build state in
    the checkout (after `make report` they would all be "up to date" there)."""
    root = tmp_path / "workbench"
    root.mkdir(parents=True)
    checkout = runner.LIB_ROOT.parents[1]
    shutil.copytree(checkout / "params", root / "params")
    for name in ("notebooks", "data", "pyproject.toml"):
        (root / name).symlink_to(checkout / name)
    if not (root / "data" / "bank" / "bank.parquet").is_file():
        pytest.skip("needs the sample's bank: run `make data` first")
    return [t for t in plan(2024, load_params(root / "params")) if t.id in ids or not ids]  # no ids: every task


@pytest.mark.slow
def test_slow_kernels_still_build_every_task(slow_kernels, monkeypatch):
    delay = 1.5
    monkeypatch.setenv("CITYBANK_TEST_KERNEL_DELAY", str(delay))
    monkeypatch.setenv("CITYBANK_ROOT", str(slow_kernels / "workbench"))
    tasks = real_tasks(slow_kernels, {"pl/category-ludnosc", "en/iso-5.1", "de/strategy", "de/iso-15.4"})
    assert len(tasks) == 4
    assert all(t.root == (slow_kernels / "workbench").resolve() for t in tasks)  # never the checkout's build state
    res = run_tasks(tasks, jobs=2, timeout=300, progress=False)
    assert res.failures == [], res.failures
    assert sorted(res.executed) == sorted(t.id for t in tasks)
    # every kernel took the delay to start, and only about that: never the 60 s readiness limit
    starts = [row["kernel_start"] for row in res.timings]
    assert all(delay <= s < 60 for s in starts), starts


def test_a_kernel_that_fails_to_start_once_is_tried_again(slow_kernels, monkeypatch, nbroot):
    monkeypatch.setenv("CITYBANK_TEST_FAIL_ONCE", str(slow_kernels / "failed-once"))
    t = task(nbroot, "fine", "tests/data/notebooks/page.ipynb", data_file=str(DATA / "values.csv"))
    res = run_tasks([t], jobs=1, timeout=120, progress=False)
    assert (slow_kernels / "failed-once").exists()  # the first kernel did fail
    assert res.failures == [] and res.executed == ["pl/fine"]


def test_a_kernel_that_never_starts_is_an_infrastructure_failure(slow_kernels, monkeypatch, nbroot):
    monkeypatch.setenv("CITYBANK_TEST_KERNEL_FAILS", "1")
    tasks = [task(nbroot, "fine", "tests/data/notebooks/page.ipynb", data_file=str(DATA / "values.csv"))]
    res = run_tasks(tasks, jobs=1, timeout=120, progress=False)
    [failure] = res.failures
    assert failure.kind == runner.INFRASTRUCTURE
    assert failure.error.endswith("(also on the second try)")
    assert "kernel" in failure.error.lower()
    log = Path(failure.log).read_text()
    assert "kernel start failed on purpose" in log


def test_build_reports_notebook_and_infrastructure_failures_apart(capsys, tmp_path):
    from citybank.cli.build import print_failures

    print_failures(
        [
            runner.Failure("pl/iso-5.1", "ValueError: x", kind=runner.NOTEBOOK),
            runner.Failure("de/strategy", "RuntimeError: Kernel died", kind=runner.INFRASTRUCTURE),
        ],
        tmp_path,
    )
    err = capsys.readouterr().err
    assert "1 task(s) failed — an error in the notebook; what to do: open the executed notebook" in err
    assert "1 task(s) failed — the notebook could not be run (its kernel did not start, tried twice)" in err
    assert err.index("pl/iso-5.1") < err.index("the notebook could not be run") < err.index("de/strategy")


def test_the_residents_summary_depends_on_the_datasets_of_its_figures(tmp_path, root):
    reg = load_params(make_root(tmp_path, root) / "params")
    task = next(t for t in plan(2024, reg) if t.id == "en/residents")
    assert task.notebook == "notebooks/residents.ipynb" and task.parameters == {"year": 2024, "lang": "en"}
    assert {"params/residents.yml", "params/iso37120.yml", "data/results/indicators.parquet"} <= set(task.inputs)
    providing = {v: ds.id for ds in reg.datasets.values() for v in ds.variables}
    # a chosen variable's dataset, and the datasets of an indicator's inputs (16.3: recycled / collected waste)
    for variable in ("population_total", "pm10_annual_mean", "waste_recycled_t", "waste_collected_t"):
        assert f"params/datasets/{providing[variable]}.yml" in task.inputs, variable
    assert f"params/datasets/{providing['cycle_paths_km']}.yml" not in task.inputs  # an input of no chosen figure


@pytest.mark.slow
def test_in_process_execution_writes_the_bytes_a_kernel_writes_for_every_template(tmp_path, monkeypatch):
    """One task of every notebook template (the real plan, the sample's bank), executed in the task's process
    (the default) and by a kernel (forked, as before): the same notebook, byte for byte."""
    written: dict[str, dict[str, str]] = {}
    for mode in ("inprocess", "fork"):
        monkeypatch.setenv("CITYBANK_RUNNER_KERNEL", mode)
        one_each: dict[str, Task] = {}
        for t in real_tasks(tmp_path / mode, {}):
            if t.parameters["lang"] == "pl":
                one_each.setdefault(t.notebook, t)
        assert len(one_each) >= 9  # overview, category, ISO overview and indicator, strategy, consistency, residents…
        res = run_tasks(list(one_each.values()), jobs=2, timeout=600, progress=False)
        assert res.failures == [], res.failures
        root = str(next(iter(one_each.values())).root)
        written[mode] = {t.id: t.path(t.output).read_text("utf-8").replace(root, "<root>") for t in one_each.values()}
    for tid, text in written["fork"].items():
        assert written["inprocess"][tid] == text, tid
    assert any('"image/png"' in text for text in written["inprocess"].values())  # figures went through both paths


def test_the_no_change_snapshot_sees_every_change_that_could_make_a_task_stale(tmp_path, root):
    """`citybank build` answers "nothing changed" from the snapshot (stat calls only) as long as not one file the
    plan and its keys come from has changed; each kind of change voids it."""
    import os

    from citybank import snapshot

    base = make_root(tmp_path / "wb", root)
    tasks = [t for t in plan(2024, load_params(base / "params")) if t.id in {"pl/category-ludnosc", "en/strategy"}]
    lib = tmp_path / "lib"
    shutil.copytree(runner.LIB_ROOT, lib, ignore=shutil.ignore_patterns("__pycache__"))
    res = run_tasks(tasks, jobs=1, timeout=120, progress=False, lib_root=lib)
    assert res.ok
    raw = next(tasks[0].path(i) for i in tasks[0].inputs if i.startswith("data/raw/"))

    def fresh():
        snapshot.write(base, 2024, 2024, tasks, lib, list(runner.KEY_PACKAGES))
        assert snapshot.unchanged(base, 2024) == (2024, 2)
        assert snapshot.unchanged(base, None) is None  # the default year's snapshot is another file

    def bump(path):  # the same size, a later modification time: a rewrite
        st = path.stat()
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))

    for change in (
        lambda: bump(raw),  # a raw file rewritten
        lambda: (raw.parent / "new.csv").write_text("x"),  # a file added beside a raw file
        lambda: (base / "params" / "datasets" / "extra.yml").write_text("x"),  # params: the plan may change
        lambda: bump(lib / "util.py"),  # the code
        lambda: bump(tasks[0].path(tasks[0].notebook)),  # a notebook
        lambda: tasks[1].path(tasks[1].output).unlink(),  # an output gone
        lambda: bump(tasks[0].build_dir / "state.json"),  # the state changed by another build
    ):
        fresh()
        change()
        assert snapshot.unchanged(base, 2024) is None
        if not tasks[1].path(tasks[1].output).exists():
            run_tasks(tasks, jobs=1, timeout=120, progress=False, lib_root=lib)
