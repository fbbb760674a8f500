"""The Dask executor on a real cluster of separate processes on this machine: ``dask scheduler`` and two
``dask worker`` processes (1 thread each) on 127.0.0.1, on free ports chosen by the operating system — the same
programs one would start on several machines. The build gives the bytes of the local build, and a worker killed
(SIGKILL, with its warm kernel process) while tasks run loses no work: the scheduler runs its tasks again on the
other worker and the result is byte-identical.

Every process is started in its own session and killed as a group by the fixture's finalizer, whatever happens;
every wait is bounded (``CONNECT``) and nothing asserts on wall-clock time.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from citybank.runner import run_tasks, synthetic_plan
from test_runner import DATA

distributed = pytest.importorskip("distributed")
from citybank.runner.dask_executor import DaskExecutor  # noqa: E402

CONNECT = 120  # seconds: the bound of every wait for the cluster, never an assertion on time
DASK = Path(sys.executable).with_name("dask")


class Cluster:
    """A scheduler and named workers, each a process group of its own (a worker's nanny, worker and warm kernel
    process die together, as when a machine is lost)."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.procs: dict[str, subprocess.Popen] = {}
        self.address = ""

    def _start(self, name: str, args: list[str]) -> None:
        log = (self.tmp / f"{name}.log").open("wb")
        self.procs[name] = subprocess.Popen(
            [str(DASK), *args], stdout=log, stderr=subprocess.STDOUT, cwd=self.tmp, start_new_session=True
        )

    def start(self, workers: int = 2) -> None:
        file = self.tmp / "scheduler.json"
        self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                  "--scheduler-file", str(file)])  # fmt: skip
        deadline = time.monotonic() + CONNECT
        while not (file.is_file() and file.stat().st_size):
            if time.monotonic() > deadline or self.procs["scheduler"].poll() is not None:
                raise RuntimeError(f"the scheduler did not start: {(self.tmp / 'scheduler.log').read_text()[-2000:]}")
            time.sleep(0.1)
        time.sleep(0.2)  # the file is written in one piece, but give the writer its close
        self.address = json.loads(file.read_text())["address"]
        assert self.address.startswith("tcp://127.0.0.1:")
        for i in range(workers):
            self._start(f"w{i}", ["worker", self.address, "--name", f"w{i}", "--nthreads", "1", "--nworkers", "1",
                                  "--host", "127.0.0.1", "--no-dashboard", "--death-timeout", str(CONNECT)])  # fmt: skip

    def kill(self, name: str) -> None:
        p = self.procs[name]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=CONNECT)

    def stop(self) -> None:
        for name in [n for n in self.procs if n != "scheduler"] + ["scheduler"]:
            if name in self.procs:
                self.kill(name)


@pytest.fixture()
def cluster(tmp_path):
    c = Cluster(tmp_path / "cluster")
    c.tmp.mkdir()
    try:
        c.start(2)
        with distributed.Client(c.address, timeout=CONNECT) as client:
            client.wait_for_workers(2, timeout=CONNECT)
        yield c
    finally:
        c.stop()


def workbench(root: Path, n: int):
    shutil.copytree(DATA, root / "tests" / "data" / "notebooks")
    (root / "data/raw/synthetic").mkdir(parents=True)
    for i in range(6):
        (root / f"data/raw/synthetic/d{i}.csv").write_text(f"d{i}\n", encoding="utf-8")
    return synthetic_plan(n, root)


def outputs(tasks) -> dict[str, bytes]:
    return {t.id: t.path(t.output).read_bytes() for t in tasks if t.path(t.output).is_file()}


@pytest.mark.skipif(not DASK.is_file(), reason="the dask command is not installed next to this Python")
def test_a_build_on_separate_scheduler_and_worker_processes_gives_the_local_bytes(tmp_path, cluster):
    tasks = workbench(tmp_path / "wb", 6)
    local = run_tasks(tasks, jobs=2, timeout=300, progress=False)
    assert local.failures == [] and len(local.executed) == 6
    built_here = outputs(tasks)
    for t in tasks:
        t.path(t.output).unlink()

    dask = run_tasks(tasks, timeout=300, progress=False, executor=DaskExecutor(cluster.address))
    assert dask.failures == [] and sorted(dask.executed) == sorted(t.id for t in tasks)
    assert outputs(tasks) == built_here  # byte for byte
    assert len({r["pid"] for r in dask.timings}) == 2  # both worker processes took tasks


@pytest.mark.slow
@pytest.mark.skipif(not DASK.is_file(), reason="the dask command is not installed next to this Python")
def test_a_worker_killed_during_the_build_loses_no_work(tmp_path, cluster):
    tasks = workbench(tmp_path / "wb", 12)
    local = run_tasks(tasks, jobs=2, timeout=300, progress=False)
    assert local.failures == []
    built_here = outputs(tasks)
    for t in tasks:
        t.path(t.output).unlink()

    result: dict[str, object] = {}

    def build() -> None:
        try:
            result["job"] = run_tasks(tasks, timeout=300, progress=False, executor=DaskExecutor(cluster.address))
        except BaseException as exc:  # noqa: BLE001 — re-raised in the test's thread below
            result["error"] = exc

    thread = threading.Thread(target=build, daemon=True)
    with distributed.Client(cluster.address, timeout=CONNECT) as watch:
        names = {w["name"]: a for a, w in watch.scheduler_info()["workers"].items()}
        thread.start()
        lost: list[str] = []
        deadline = time.monotonic() + CONNECT
        while not lost and time.monotonic() < deadline and thread.is_alive():
            lost = [str(k) for k in watch.processing(workers=[names["w1"]]).get(names["w1"], [])]
            time.sleep(0.02)
        assert lost, "w1 never ran a task of the build"
        cluster.kill("w1")  # the worker, its nanny and its warm kernel process: SIGKILL, no goodbye
    thread.join(timeout=600)
    assert not thread.is_alive(), "the build did not finish after the worker was killed"
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    job = result["job"]
    assert job.failures == []  # type: ignore[attr-defined]
    assert sorted(job.executed) == sorted(t.id for t in tasks)  # type: ignore[attr-defined]
    # the task that w1 was running when it died was run again elsewhere
    ids = {t.id for t in tasks}
    was_running = {i for i in ids if any(k.startswith(f"citybank-{i}-") for k in lost)}
    assert was_running and was_running <= set(job.executed)  # type: ignore[attr-defined]
    assert outputs(tasks) == built_here  # byte for byte, as if nothing had happened
