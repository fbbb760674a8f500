"""The Dask executor: the same tasks, the same warm workers, on a Dask distributed cluster.

Each Dask worker runs the runner's own warm worker process (:class:`citybank.runner.execute._WorkerHandle`:
heavy imports once, one warm root process per workbench root, one forked client and kernel per notebook), started
by the worker plugin :class:`WarmWorkers` — one warm process per worker thread. A Dask task
(:func:`run_job`) only hands its job to that process and returns its result, so a notebook on Dask starts
from exactly the clean warm state it starts from on this machine, leaves nothing behind, and writes the same
bytes. The Dask worker process itself never imports notebook code or data.

:class:`DaskExecutor` has the executor methods of :class:`citybank.runner.execute.LocalExecutor`; the cache,
state, retries (a failure of the machinery — a dead warm process, a lost Dask worker, a task Dask could not
run — is an :data:`INFRASTRUCTURE` failure, tried once more) and reporting stay in ``run_tasks``.

Requirements of a real cluster (README, "Many gminas on a Dask cluster"): every worker has the same
environment (this package and its pinned dependencies, the ``python3`` kernel) and sees the workbench at the
same absolute path (a shared filesystem: tasks read params/, data/ and notebooks/ and write reports/ and
build/ where the build's machine will read them).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import threading
import time
import uuid
from typing import Any

from distributed import Client, LocalCluster, WorkerPlugin, as_completed, get_worker

from .execute import INFRASTRUCTURE, _WorkerHandle

PLUGIN = "citybank-warm-workers"
STARTUP_ALLOWANCE = 300.0
"""Seconds a task may wait, beyond its own timeout, for its warm process (imports and the root's data)."""


class WarmWorkers(WorkerPlugin):
    """Per Dask worker: the runner's warm worker processes (one per thread, started when the plugin is set up
    so that their imports overlap the scheduling), stopped with the worker or when the plugin is removed."""

    name = PLUGIN

    def __init__(self, preload: bool = True) -> None:
        self.preload = preload  # the plugin is pickled to the workers: its state is made there, in setup

    def setup(self, worker) -> None:
        self.handles: dict[int, _WorkerHandle] = {}
        self.spare: list[_WorkerHandle] = []
        self.lock = threading.Lock()
        self.worker_name = str(worker.name)
        if self.preload:
            self.spare = [_WorkerHandle() for _ in range(max(1, worker.state.nthreads))]

    def teardown(self, worker) -> None:  # noqa: ARG002
        with self.lock:
            handles = [*self.handles.values(), *self.spare]
            self.handles, self.spare = {}, []
        for h in handles:
            h.stop()

    def _handle(self) -> _WorkerHandle:
        me = threading.get_ident()
        with self.lock:
            h = self.handles.get(me)
            if h is None or h.proc.poll() is not None:
                if h is not None:
                    h.stop()
                h = self.handles[me] = self.spare.pop() if self.spare else _WorkerHandle()
        return h

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        """Run one job in this thread's warm process; its result, or an infrastructure failure."""
        h = self._handle()
        deadline = time.monotonic() + float(job["timeout"]) + STARTUP_ALLOWANCE
        try:
            h.send(job)
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no answer from the warm process in {job['timeout'] + STARTUP_ALLOWANCE:g} s")
                ready, _, _ = select.select([h], [], [], min(left, 1.0))
                if not ready:
                    continue
                line = h.proc.stdout.readline()  # type: ignore[union-attr]
                if not line:
                    raise RuntimeError("the warm process died")
                msg = json.loads(line)
                if msg.get("ready"):
                    h.preload = msg["preload"]
                    continue
                h.job = None
                msg["worker"] = self.worker_name
                return msg
        except (OSError, RuntimeError, TimeoutError) as exc:
            with self.lock:
                self.handles.pop(threading.get_ident(), None)
            h.stop()
            return {
                "id": job["id"],
                "status": "failed",
                "kind": INFRASTRUCTURE,
                "log": job.get("log"),
                "error": f"on Dask worker {self.worker_name}: {exc}",
                "kernel_start": None,
                "execute": None,
                "write": None,
            }


def run_job(job: dict[str, Any]) -> dict[str, Any]:
    """The Dask task: hand ``job`` to this worker's warm process (see :class:`WarmWorkers`)."""
    plugin = get_worker().plugins.get(PLUGIN)
    if plugin is None:
        raise RuntimeError(f"the worker plugin {PLUGIN!r} is not registered on this Dask worker")
    return plugin.run(job)


class DaskExecutor:
    """Run the build's jobs on a Dask cluster: the scheduler at ``scheduler`` (``tcp://host:8786``), an existing
    ``client``, or — with neither — a ``LocalCluster`` of ``jobs`` single-threaded worker processes on this
    machine, started here and shut down by :meth:`close`."""

    name = "dask"

    def __init__(
        self,
        scheduler: str | None = None,
        *,
        client: Client | None = None,
        jobs: int | None = None,
        connect_timeout: float = 30.0,
    ) -> None:
        self.scheduler = scheduler
        self.client = client
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.connect_timeout = connect_timeout
        self._own_client = client is None
        self._cluster: LocalCluster | None = None
        self._futures: dict[str, tuple[Any, dict[str, Any]]] = {}
        self._done: as_completed | None = None
        self._submitted = 0

    def start(self, n_tasks: int) -> None:  # noqa: ARG002 — the cluster decides its size
        if self.client is None:
            if self.scheduler:
                self.client = Client(self.scheduler, timeout=self.connect_timeout)
            else:
                self._cluster = LocalCluster(
                    n_workers=self.jobs, threads_per_worker=1, processes=True, dashboard_address=None
                )
                self.client = Client(self._cluster, timeout=self.connect_timeout)
        # A fresh plugin per build: warm processes started with this build's code and environment.
        self.client.register_plugin(WarmWorkers(), name=PLUGIN)
        self._done = as_completed(loop=self.client.loop)

    def submit(self, job: dict[str, Any], first: bool = False) -> None:
        assert self.client is not None and self._done is not None
        self._submitted += 1
        # Dask runs higher priorities first: plan order (tasks of one gmina together), a retry before the rest.
        priority = 1_000_000 if first else -self._submitted
        future = self.client.submit(
            run_job, job, key=f"citybank-{job['id']}-{uuid.uuid4().hex[:8]}", pure=False, priority=priority
        )
        self._futures[future.key] = (future, job)
        self._done.add(future)

    def next_result(self) -> dict[str, Any]:
        assert self._done is not None
        future = next(self._done)
        _, job = self._futures.pop(future.key)
        if future.status == "finished":
            return future.result()
        try:
            exc = future.exception()
            error = f"{type(exc).__name__}: {exc}"
        except Exception as other:  # noqa: BLE001 — a cancelled future has no exception to give
            error = f"{type(other).__name__}: {other}"
        return {
            "id": job["id"],
            "status": "failed",
            "kind": INFRASTRUCTURE,
            "log": job.get("log"),
            "error": f"Dask could not run the task ({error})",
            "kernel_start": None,
            "execute": None,
            "write": None,
        }

    def close(self) -> None:
        if self.client is None:
            return
        with contextlib.suppress(Exception):
            self.client.cancel([f for f, _ in self._futures.values()])
        with contextlib.suppress(Exception):  # teardown stops the warm processes on every worker
            self.client.unregister_worker_plugin(PLUGIN)
        self._futures.clear()
        if self._own_client:
            with contextlib.suppress(Exception):
                self.client.close(timeout=self.connect_timeout)
            self.client = None
        if self._cluster is not None:
            with contextlib.suppress(Exception):
                self._cluster.close(timeout=self.connect_timeout)
            self._cluster = None
