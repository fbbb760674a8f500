"""Execution: warm worker processes (one per core) fork a client per task, whose kernel is forked again from
the same warm state; timeouts, failures and timings. See the package docstring for the design and its
measurements."""

from __future__ import annotations

import contextlib
import csv
import importlib
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..util import atomic_path, package_versions, progress_bar, sha256_file
from . import depfile
from .cache import (
    KEY_PACKAGES,
    Hasher,
    NotebookProblem,
    State,
    Templates,
    check_parameters,
    hash_store,
    lib_hash,
    recorded_reads,
    stale_reasons,
    task_key,
)
from .kernels import fork_kernel_manager_class
from .plan import Task

KERNEL_NAME = "python3"
DEFAULT_TIMEOUT = 600
# Modules imported once by each worker so that notebooks find them already loaded.
PRELOAD = (
    "pandas",
    "numpy",
    "pyarrow",
    "matplotlib",
    "matplotlib.pyplot",
    "seaborn",
    "IPython",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
    "ipykernel.debugger",
    "matplotlib_inline.backend_inline",
    "papermill",
    "nbclient",
    "nbformat",
    "citybank.params",
    "citybank.bank",
    "citybank.plots",
    "citybank.narrative",
    "citybank.i18n",
    "citybank.indicators",
    "citybank.strategy",
    "citybank.consistency",
    "citybank.views",
)


# ---------------------------------------------------------------- results


INFRASTRUCTURE = "infrastructure"
"""A failure of the machinery, not of the notebook: the kernel never became ready, or the worker died. Such a
task is tried once more before it is reported."""
NOTEBOOK = "notebook"
"""A failure of the notebook itself: an error in a cell, a timeout, an undeclared parameter, a missing file."""


@dataclass
class Failure:
    task: str
    error: str
    notebook: str | None = None
    log: str | None = None
    kind: str = NOTEBOOK


@dataclass
class BuildResult:
    executed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    timings: list[dict[str, Any]] = field(default_factory=list)
    preloads: dict[int, float] = field(default_factory=dict)  # worker pid → seconds of imports before its first task
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures and not self.interrupted


# ---------------------------------------------------------------- the worker side (heavy imports here only)


KERNEL_MODES = ("inprocess", "fork", "spawn")
"""How a task's notebook is executed (``CITYBANK_RUNNER_KERNEL``, read by each worker): ``inprocess`` (the default)
in an IPython shell of the task's own forked process (:mod:`citybank.runner.inprocess`: no kernel, no messages);
``fork`` by a kernel forked from that process (:mod:`citybank.runner.kernels`); ``spawn`` by a fresh
``ipykernel_launcher`` as plain papermill does. All three write the same bytes (tests/test_runner.py)."""


def _execute(job: dict[str, Any], tmp_out: str, kernel_mode: str) -> dict[str, Any]:
    """Run one notebook with papermill into ``tmp_out`` (in the per-task child); return timings/status."""
    import papermill

    marks: dict[str, float] = {"start": time.perf_counter()}

    def on_start(**_: Any) -> None:
        marks["kernel_ready"] = time.perf_counter()

    def on_complete(**_: Any) -> None:
        marks["executed"] = time.perf_counter()

    kwargs: dict[str, Any] = {}
    if kernel_mode == "inprocess":
        from .inprocess import register  # the engine needs IPython: imported in the task's process only

        kwargs["engine_name"] = register()
    elif kernel_mode == "fork":
        kwargs["kernel_manager_class"] = fork_kernel_manager_class()
    out: dict[str, Any] = {"status": "ok", "error": ""}
    try:
        papermill.execute_notebook(
            job["notebook"],
            tmp_out,
            parameters=job["parameters"],
            kernel_name=KERNEL_NAME,
            cwd=job["cwd"],
            progress_bar=False,
            log_output=False,
            execution_timeout=job["timeout"],
            on_notebook_start=on_start,
            on_notebook_complete=on_complete,
            shutdown_kernel="immediate",
            **kwargs,
        )
        stable_notebook(Path(tmp_out), job["output"])
    except Exception as exc:  # noqa: BLE001 — any failure of the notebook is the task's failure
        out["status"] = "failed"
        out["kind"] = NOTEBOOK if "kernel_ready" in marks else INFRASTRUCTURE
        ename, evalue = getattr(exc, "ename", None), getattr(exc, "evalue", None)
        if ename:
            cell = getattr(exc, "exec_count", None)
            out["error"] = f"{ename}: {evalue}" + (f" (cell [{cell}])" if cell is not None else "")
        else:
            out["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}".strip()
    end = time.perf_counter()
    ready = marks.get("kernel_ready", end)
    out["kernel_start"] = round(ready - marks["start"], 3)
    out["execute"] = round(marks.get("executed", end) - ready, 3)
    out["write"] = round(end - marks.get("executed", end), 3)
    return out


RUN_FIELDS = ("start_time", "end_time", "duration")
"""What papermill records about one run (the notebook's and every cell's): times, not results."""


def stable_notebook(path: Path, output: str) -> None:
    """Rewrite an executed notebook so that the same inputs give the same bytes, whoever ran it and when: the
    run's times (papermill's ``start_time``/``end_time``/``duration``, nbclient's ``execution`` timestamps)
    are dropped — ``build/<Y>/timings.csv`` keeps them —, ``output_path`` names the published file rather
    than its temporary twin, and the injected-parameters cell gets a fixed id instead of papermill's random
    one. The JSON is written as nbformat writes it (indent 1, sorted keys, UTF-8, a final newline)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    meta = nb.get("metadata", {}).get("papermill")
    if isinstance(meta, dict):
        for name in RUN_FIELDS:
            meta.pop(name, None)
        meta["output_path"] = output
    for cell in nb.get("cells", []):
        cmeta = cell.get("metadata", {})
        cmeta.pop("execution", None)
        if isinstance(cmeta.get("papermill"), dict):
            for name in RUN_FIELDS:
                cmeta["papermill"].pop(name, None)
        if "injected-parameters" in cmeta.get("tags", []):
            cell["id"] = "injected-parameters"
    text = json.dumps(nb, indent=1, sort_keys=True, separators=(",", ": "), ensure_ascii=False)
    path.write_text(text + "\n", encoding="utf-8")


class _TaskFailed(Exception):
    """Raised inside ``atomic_path`` so that a failed task's temporary file is never renamed."""


class _Worker:
    """Runs inside a worker process: preload, then fork one child per task and wait with a deadline."""

    def __init__(self, kernel_mode: str = "inprocess", private_fds: tuple[int, ...] = ()) -> None:
        self.kernel_mode = kernel_mode
        self.child: int | None = None
        self.private_fds = private_fds  # the pipes of the root process: closed in every task's child

    @staticmethod
    def preload() -> float:
        """Import the heavy modules (no data: the data belong to one workbench root, see :class:`_Roots`)."""
        t = time.perf_counter()
        # What ipykernel would set in a fresh kernel, before matplotlib reads it at import time.
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        for name in PRELOAD:
            with contextlib.suppress(Exception):
                importlib.import_module(name)
        return time.perf_counter() - t

    @staticmethod
    def warm_root(root: str) -> float:
        """Make this process the warm process of the workbench ``root`` and load what every page of it reads
        (params, bank, ISO results, fonts): each notebook's kernel is forked from this process, so it starts with
        them, and whatever it changes dies with it. The process serves this root only, for its whole life: its
        ``CITYBANK_ROOT`` names it, which the pages' default paths (:data:`citybank.paths.PATHS`) and the
        kernels it starts read."""
        t = time.perf_counter()
        if root:
            os.environ["CITYBANK_ROOT"] = str(Path(root).resolve())
        depfile.prepare()  # before the shared data are loaded: what they read is then replayed to every task
        with contextlib.suppress(Exception):  # a page that cannot load reports it when it runs
            importlib.import_module("citybank.views").warm()  # by name: imported by preload once MPLBACKEND is set
        return time.perf_counter() - t

    def kill_child(self) -> None:
        if self.child is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.child, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.child, 0)
            self.child = None

    def warm_page(self, job: dict[str, Any]) -> float:
        """The page's facts, computed here once so that the task's forked process (and the same page in the other
        languages, later) inherits them; a page that cannot compute them fails in its notebook, with its
        traceback."""
        t = time.perf_counter()
        with contextlib.suppress(Exception):
            sys.modules["citybank.views"].warm_page(Path(job["notebook"]).stem, job["parameters"])
        return time.perf_counter() - t

    def run(self, job: dict[str, Any], control_fd: int) -> dict[str, Any]:
        t0 = time.perf_counter()
        facts = self.warm_page(job) if "citybank.views" in sys.modules else 0.0
        target = Path(job["output"])
        log = Path(job["log"])
        log.parent.mkdir(parents=True, exist_ok=True)
        result: dict[str, Any] = {"id": job["id"], "pid": os.getpid()}
        try:
            with atomic_path(target) as tmp:
                self._fork_and_wait(job, tmp, log, result, control_fd)
        except _TaskFailed:
            pass  # the temporary file is gone; the previous output (if any) is untouched
        result["reads"] = depfile.read(depfile.path_for(log), job["root"])
        result["seconds"] = round(time.perf_counter() - t0, 3)
        result["facts"] = round(facts, 3)
        result["log"] = str(log)
        if result["status"] == "ok":
            result["output_sha256"] = sha256_file(target)
        return result

    def _fork_and_wait(self, job: dict[str, Any], tmp: Path, log: Path, result: dict[str, Any], control_fd: int):
        rfd, wfd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the client child: own process group, output to the task's log
            code = 0
            try:
                os.close(rfd)
                for fd in self.private_fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)
                os.setpgrp()
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                depfile.begin(depfile.path_for(log))  # what this process (and a kernel it forks) reads
                res = _execute(job, str(tmp), self.kernel_mode)
                os.write(wfd, json.dumps(res).encode())
            except BaseException:  # noqa: BLE001
                code = 1
            finally:
                os._exit(code)
        self.child = pid
        os.close(wfd)
        try:
            data, status = self._collect(rfd, pid, job["timeout"], control_fd)
        finally:
            os.close(rfd)
        if data:
            result.update(json.loads(data))
        else:
            result.update(
                status=status[0], error=status[1], kind=status[2], kernel_start=None, execute=None, write=None
            )
        if result["status"] != "ok":
            if tmp.is_file() and tmp.stat().st_size:
                failed = Path(job["failed"])
                failed.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, failed)
                result["notebook"] = str(failed)
            raise _TaskFailed

    def _collect(self, rfd: int, pid: int, timeout: float, control_fd: int) -> tuple[bytes, tuple[str, str, str]]:
        """Read the child's result; kill it at the deadline or when the parent goes away."""
        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill_child()
                return b"", ("failed", f"timed out after {timeout:g} s (process killed)", NOTEBOOK)
            ready, _, _ = select.select([rfd, control_fd], [], [], min(left, 1.0))
            if control_fd in ready:  # the build is gone (stdin closed): stop now
                self.kill_child()
                raise SystemExit(1)
            if rfd in ready:
                chunk = os.read(rfd, 1 << 16)
                if chunk:
                    chunks.append(chunk)
                    continue
                break  # EOF: the child finished (or died)
        _, st = os.waitpid(pid, 0)
        self.child = None
        code = os.waitstatus_to_exitcode(st)
        if chunks:
            return b"".join(chunks), ("ok", "", "")
        return b"", ("failed", f"notebook process died (exit code {code}); see the log", NOTEBOOK)


class _Roots:
    """The root processes of a warm worker: one per workbench root (a gmina's params/ and data/), forked from
    the worker after its imports, warmed with that root's data (:meth:`_Worker.warm_root`) and kept for the
    next tasks of the root. Each forks one client per task as before, so a notebook starts from its root's
    clean warm state and every change it makes dies with its processes. The worker keeps the ``keep`` most
    recently used roots; a build of several gminas (tasks in plan order, grouped by gmina) switches root
    once per gmina at the cost of loading that gmina's data, never of the imports again.

    A root process that dies fails its task as an :data:`INFRASTRUCTURE` failure (tried again in a new one)."""

    def __init__(self, kernel_mode: str, protocol_fds: tuple[int, ...], keep: int = 2) -> None:
        self.kernel_mode = kernel_mode
        self.protocol_fds = protocol_fds  # the worker's own pipes to the build: never held by a root process
        self.keep = keep
        self.procs: dict[str, tuple[int, int, Any]] = {}  # root → (pid, jobs fd, results file)

    def run(self, job: dict[str, Any], control_fd: int) -> dict[str, Any]:
        root = str(job.get("root") or "")
        if root not in self.procs:
            self._start(root)
        self.procs[root] = self.procs.pop(root)  # most recently used last
        pid, jobs_fd, results = self.procs[root]
        try:
            os.write(jobs_fd, (json.dumps(job) + "\n").encode())
        except OSError:
            line = b""
        else:
            line = self._read(results, control_fd)
        if line:
            return json.loads(line)
        self._stop(root)
        return {
            "id": job["id"],
            "pid": pid,
            "status": "failed",
            "kind": INFRASTRUCTURE,
            "log": job.get("log"),
            "error": "the warm process of the task's workbench died",
            "kernel_start": None,
            "execute": None,
            "write": None,
        }

    def _read(self, results, control_fd: int) -> bytes:
        while True:
            ready, _, _ = select.select([results, control_fd], [], [], 1.0)
            if control_fd in ready:  # the build is gone (stdin closed): stop everything now
                self.stop_all()
                raise SystemExit(1)
            if results in ready:
                return results.readline()

    def _start(self, root: str) -> None:
        while len(self.procs) >= self.keep:
            self._stop(next(iter(self.procs)))
        jobs_r, jobs_w = os.pipe()
        res_r, res_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the root process
            code = 0
            try:
                for fd in (jobs_w, res_r, *self.protocol_fds):
                    os.close(fd)
                os.dup2(os.open(os.devnull, os.O_RDONLY), 0)  # fd 0 was the worker's job pipe
                for _, fd, fh in self.procs.values():  # the other roots' pipes: their EOF must not wait for us
                    os.close(fd)
                    fh.close()
                _serve_root(root, jobs_r, res_w, self.kernel_mode)
            except BaseException:  # noqa: BLE001 — whatever happened, leave (the worker reports it)
                code = 1
            finally:
                os._exit(code)
        os.close(jobs_r)
        os.close(res_w)
        self.procs[root] = (pid, jobs_w, os.fdopen(res_r, "rb"))

    def _stop(self, root: str) -> None:
        pid, jobs_fd, results = self.procs.pop(root)
        os.close(jobs_fd)  # EOF: an idle root process leaves at once
        results.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)  # a busy one kills its task's process group first
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

    def stop_all(self) -> None:
        for root in list(self.procs):
            self._stop(root)


def _serve_root(root: str, jobs_fd: int, results_fd: int, kernel_mode: str) -> None:
    """Body of a root process: warm the root, then run its tasks one by one (jobs in, results out)."""
    worker = _Worker(kernel_mode, private_fds=(jobs_fd, results_fd))

    def on_term(signum, frame):  # noqa: ARG001
        worker.kill_child()
        raise SystemExit(1)

    signal.signal(signal.SIGTERM, on_term)
    worker.warm_root(root)
    jobs = os.fdopen(jobs_fd, "rb")
    out = os.fdopen(results_fd, "w", buffering=1)
    while True:
        line = jobs.readline()
        if not line:
            return
        out.write(json.dumps(worker.run(json.loads(line), jobs_fd)) + "\n")


def _worker_main() -> None:
    """Entry point of a worker process: JSON lines on stdin (jobs) → JSON lines on the saved stdout. The
    worker imports the heavy modules once and hands each task to the process of its root (:class:`_Roots`)."""
    out_fd = os.dup(1)
    out = os.fdopen(out_fd, "w", buffering=1)
    os.dup2(2, 1)  # anything printed by imports goes to stderr, not into the protocol
    kernel_mode = os.environ.get("CITYBANK_RUNNER_KERNEL", "inprocess")
    roots = _Roots(kernel_mode, protocol_fds=(out_fd,))

    def on_term(signum, frame):  # noqa: ARG001
        roots.stop_all()
        raise SystemExit(1)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    preload = _Worker.preload()
    out.write(json.dumps({"ready": True, "preload": round(preload, 3), "pid": os.getpid()}) + "\n")
    stdin = sys.stdin.buffer
    try:
        while True:
            line = stdin.readline()
            if not line:
                return
            job = json.loads(line)
            out.write(json.dumps(roots.run(job, stdin.fileno())) + "\n")
    finally:
        roots.stop_all()


# ---------------------------------------------------------------- the main side


class _WorkerHandle:
    def __init__(self) -> None:
        env = dict(os.environ)
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from citybank.runner.execute import _worker_main; _worker_main()"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )
        self.job: dict[str, Any] | None = None
        self.root: str | None = None  # the workbench root of its last job (its warm root process)
        self.preload: float | None = None
        self.started = time.perf_counter()

    def send(self, job: dict[str, Any]) -> None:
        self.job, self.root = job, job.get("root")
        self.proc.stdin.write((json.dumps(job) + "\n").encode())  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]

    def fileno(self) -> int:
        return self.proc.stdout.fileno()  # type: ignore[union-attr]

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.stdin.close()  # type: ignore[union-attr]
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _clean_temporaries(tasks: Iterable[Task]) -> None:
    """Remove temporary files left by a build that was killed (atomic_path names them ``.<name>.*.tmp``)."""
    for folder in sorted({t.path(t.output).parent for t in tasks}):
        if folder.is_dir():
            for p in folder.glob(".*.tmp"):
                p.unlink(missing_ok=True)


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    def handler(signum, frame):  # noqa: ARG001
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


class LocalExecutor:
    """The default executor: ``jobs`` warm worker processes on this machine (one per core by default).

    Every executor has the same four methods, called by :func:`run_tasks`: ``start(n_tasks)``,
    ``submit(job, first=False)`` (``first``: ahead of the queue, for a retry), ``next_result()`` (blocks until
    one task finishes; a task whose worker died comes back as an :data:`INFRASTRUCTURE` failure) and
    ``close()``. A job is the plain dict of :func:`_job`; a result is the worker's dict (``id``, ``status``,
    ``error``, ``kind``, ``output_sha256``, timings). Executors run jobs; the cache, the state, retries and the
    reporting stay in :func:`run_tasks`, so every executor builds the same outputs."""

    name = "local"

    def __init__(self, jobs: int | None = None) -> None:
        self.jobs = max(1, jobs or os.cpu_count() or 1)
        self.workers: list[_WorkerHandle] = []
        self.queue: list[dict[str, Any]] = []
        self.free: list[_WorkerHandle] = []
        self.target = 0
        self.preloads: dict[int, float] = {}  # worker pid → seconds of imports before its first task

    def start(self, n_tasks: int) -> None:
        self.target = min(self.jobs, n_tasks)
        self.workers = [_WorkerHandle() for _ in range(self.target)]

    def submit(self, job: dict[str, Any], first: bool = False) -> None:
        self.queue.insert(0, job) if first else self.queue.append(job)
        self._dispatch()

    def _dispatch(self) -> None:
        while self.queue and self.free:
            w = self.free.pop(0)
            w.send(self.queue.pop(self._pick(w)))

    def _pick(self, w: _WorkerHandle) -> int:
        """The next job for ``w``: one of the root it has warm, else one of a root no other worker is on, else
        the first — so that in a build of many gminas each gmina's data are loaded by one worker, not all."""
        for i, job in enumerate(self.queue):
            if job.get("root") == w.root:
                return i
        taken = {x.root for x in self.workers if x is not w and x.job is not None}
        for i, job in enumerate(self.queue):
            if job.get("root") not in taken:
                return i
        return 0
        if self.queue and len(self.workers) < self.target:  # a worker died: start another for the queue
            self.workers.append(_WorkerHandle())

    def next_result(self) -> dict[str, Any]:
        while True:
            waiting = [w for w in self.workers if w not in self.free]
            if not waiting:
                raise RuntimeError("no task is running")  # a caller's bug: more results asked than submitted
            ready, _, _ = select.select(waiting, [], [], 1.0)
            for w in ready:
                line = w.proc.stdout.readline()  # type: ignore[union-attr]
                if not line:  # the worker itself died: fail its task (retried by the caller), start another
                    self.workers.remove(w)
                    job = w.job
                    w.stop()
                    self._dispatch()
                    if job is not None:
                        return {
                            "id": job["id"],
                            "status": "failed",
                            "kind": INFRASTRUCTURE,
                            "log": job["log"],
                            "error": "worker process died",
                        }
                    continue
                msg = json.loads(line)
                w.job = None
                self.free.append(w)
                self._dispatch()
                if msg.get("ready"):
                    w.preload = self.preloads[msg["pid"]] = msg["preload"]
                    continue
                return msg

    def close(self) -> None:
        for w in self.workers:
            w.stop()
        self.workers, self.free = [], []


def run_tasks(
    tasks: list[Task],
    jobs: int | None = None,
    timeout: float | None = None,
    force: bool = False,
    *,
    lib_root: Path | None = None,
    progress: bool = True,
    executor: Any = None,
) -> BuildResult:
    """Execute the stale tasks (all with ``force``) with ``executor`` (default: :class:`LocalExecutor` with
    ``jobs`` warm worker processes; or ``citybank.runner.dask.DaskExecutor``); skip the others.

    Failures (notebook not found, undeclared parameter, error in a cell, timeout, dead kernel) are
    collected in ``BuildResult.failures``; the other tasks still run. State is saved after every task.
    """
    t_start = time.perf_counter()
    timeout = float(timeout or DEFAULT_TIMEOUT)
    result = BuildResult()
    hasher, templates = Hasher(hash_store(tasks)), Templates()
    lib = lib_hash(lib_root, hasher)
    packages = package_versions(KEY_PACKAGES)
    states: dict[Path, State] = {}
    todo: list[tuple[Task, dict[str, Any]]] = []
    for task in tasks:
        if task.build_dir not in states:  # one state per build folder (not one load of state.json per task)
            states[task.build_dir] = State(task.build_dir)
        state = states[task.build_dir]
        try:
            key = task_key(task, lib, packages, hasher, templates)
            check_parameters(task.notebook, templates.notebook(task.path(task.notebook)), task.parameters)
        except (NotebookProblem, SyntaxError) as exc:
            msg = str(exc) if isinstance(exc, NotebookProblem) else f"{task.notebook}: parameters cell: {exc}"
            result.failures.append(Failure(task.id, msg))
            state.tasks.pop(task.id, None)
            continue
        if not force and not stale_reasons(task, key, state.tasks.get(task.id), hasher):
            result.skipped.append(task.id)
            continue
        todo.append((task, key))
    _clean_temporaries(t for t, _ in todo)
    if todo:
        try:
            _execute_all(todo, executor or LocalExecutor(jobs), timeout, states, result, progress, hasher)
        finally:
            hasher.save()
    else:
        hasher.save()
    for st in states.values():
        st.save()
    result.seconds = round(time.perf_counter() - t_start, 3)
    _write_timings(tasks, result)
    return result


def _job(task: Task, timeout: float) -> dict[str, Any]:
    rel = (
        Path(task.output).relative_to(f"reports/{task.year}")
        if task.output.startswith("reports/")
        else Path(task.output).name
    )
    return {
        "id": task.id,
        "root": str(task.root),
        "notebook": str(task.path(task.notebook)),
        "output": str(task.path(task.output)),
        "failed": str(task.build_dir / "failed" / rel),
        "log": str(task.build_dir / "logs" / Path(rel).with_suffix(".log")),
        "parameters": task.parameters,
        "cwd": str(task.path(task.notebook).parent),
        "timeout": timeout,
    }


def _execute_all(
    todo, executor, timeout: float, states: dict[Path, State], result: BuildResult, progress: bool, hasher: Hasher
):
    by_id = {t.id: (t, k) for t, k in todo}
    retried: set[str] = set()
    bar = progress_bar(total=len(todo), desc="notebooks", unit="nb", disable=not progress)
    try:
        with _sigterm_as_interrupt():
            executor.start(len(todo))
            for task, _ in todo:
                executor.submit(_job(task, timeout))
            pending = len(todo)
            while pending:
                msg = executor.next_result()
                if msg["status"] != "ok" and msg.get("kind") == INFRASTRUCTURE and msg["id"] not in retried:
                    retried.add(msg["id"])  # a failure of the machinery: the task is tried once more, first
                    executor.submit(_job(by_id[msg["id"]][0], timeout), first=True)
                    continue
                task, key = by_id[msg["id"]]
                _record(task, key, msg, states[task.build_dir], result, hasher, retried=msg["id"] in retried)
                if msg["status"] == "ok":
                    hasher.remember(task.path(task.output), msg["output_sha256"])
                bar.update(1)
                pending -= 1
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        bar.close()
        result.preloads.update(getattr(executor, "preloads", {}))
        executor.close()
        for st in states.values():
            st.save()
    if result.interrupted:
        raise KeyboardInterrupt


def _record(
    task: Task,
    key: dict[str, Any],
    msg: dict[str, Any],
    state: State,
    result: BuildResult,
    hasher: Hasher,
    retried: bool = False,
) -> None:
    row = {k: msg.get(k) for k in ("seconds", "facts", "kernel_start", "execute", "write", "pid")}
    row.update(task=task.id, status=msg["status"])
    result.timings.append(row)
    if msg["status"] == "ok":
        result.executed.append(task.id)
        state.tasks[task.id] = {"key": key, "output_sha256": msg["output_sha256"]}
        state.tasks[task.id].update(recorded_reads(task, key, msg.get("reads") or [], hasher))
    else:
        state.tasks.pop(task.id, None)
        kind = msg.get("kind") or NOTEBOOK
        error = (msg.get("error") or "failed") + (" (also on the second try)" if retried else "")
        result.failures.append(Failure(task.id, error, msg.get("notebook"), msg.get("log"), kind))
    state.save(at_most_every=2.0)


def _write_timings(tasks: list[Task], result: BuildResult) -> None:
    """``build/<Y>/timings.csv``: one row per task; a skipped task keeps the timings of its last execution."""
    if not tasks:
        return
    cols = ["task", "status", "seconds", "facts", "kernel_start", "execute", "write", "pid"]
    rows = {r["task"]: r for r in result.timings}
    for f in result.failures:
        rows.setdefault(f.task, {"task": f.task, "status": "failed"})
    for build_dir in sorted({t.build_dir for t in tasks}):
        path = build_dir / "timings.csv"
        previous: dict[str, dict[str, str]] = {}
        if path.is_file():
            with path.open(encoding="utf-8", newline="") as fh:
                previous = {r["task"]: r for r in csv.DictReader(fh)}
        with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=cols, extrasaction="ignore")
            w.writeheader()
            for t in tasks:
                if t.build_dir != build_dir:
                    continue
                if t.id in rows:
                    w.writerow(rows[t.id])
                elif t.id in result.skipped:
                    w.writerow({**previous.get(t.id, {"task": t.id}), "status": "skipped"})
