"""The build runner: plan a year's notebook tasks, execute them with papermill — parallel, incremental,
fault-tolerant — and say why each task is (or is not) stale.

Plan
----
``plan(year)`` lists, for each language of params/city.yml: ``overview``, ``category-<slug>`` for each
category (``notebooks/category.ipynb``, or the category's own ``notebook`` from params/categories.yml),
``iso-overview``, ``iso-<clause>`` per indicator of params/iso37120.yml, ``strategy`` and ``consistency``.
Every task writes ``reports/<Y>/notebooks/<lang>/<task-name>.ipynb``. A notebook that does not exist yet
is still planned; building it fails that task with "notebook not found".

Dependencies (the one place they are decided: :func:`task_inputs`)
-------------------------------------------------------------------
Every task depends on its notebook, ``data/bank/bank.parquet`` and the params files every notebook reads
(city.yml, years/<Y>.yml, categories.yml, variables.yml, providers.yml). On top of that:

* ``category-<slug>``: params/datasets/<id>.yml and every raw file (all years) of that category's datasets;
* ``overview``: every dataset descriptor and raw file, and every results file;
* ``iso-*``: params/iso37120.yml and data/results/indicators.parquet;
* ``strategy``: params/strategy.yml and data/results/strategy.parquet;
* ``consistency``: params/consistency.yml and data/results/consistency.parquet.

So changing one raw file re-runs exactly the category notebooks of its dataset plus the overviews.

Cache key
---------
A task is skipped when its stored key (``build/<Y>/state.json``) equals the current one and its output
still has the recorded sha256. The key has five parts, compared one by one so that ``citybank status``
can say why a task is stale: the sha256 of the notebook's *code cells* (outputs and metadata do not
count), the parameters, the sha256 of every input file, a hash of lib/citybank (every .py and package
data file) and the versions of the key packages (:data:`KEY_PACKAGES`).

Execution — the choice, with measurements (2 cores, the synthetic category notebook: pandas + seaborn
plot + CSV read)
--------------------------------------------------------------------------------------------------------
Plain ``papermill.execute_notebook`` costs ~1.8 s per notebook in a warm parent: a fresh ``python -m
ipykernel_launcher`` (~0.6 s interpreter + IPython/ipykernel imports), then the notebook's own imports
of pandas/matplotlib/seaborn (~1 s), and in a fresh process one more ~1.7 s to import papermill
(nbformat pulls jsonschema/rfc3987-syntax through jupyterlab's dependencies).

Evaluated:

* ``ipykernel.inprocess`` kernel manager: nbclient cannot drive it (``wait_for_ready(timeout=)``,
  ``shutdown_kernel(now=)`` and the async channel API are missing) — rejected.
* a pool of pre-started kernels reused between notebooks: fast, but state (globals, module attributes,
  rcParams, cwd, environment) leaks from one notebook to the next — rejected.
* **fork from a warm worker (chosen)**: one long-lived worker process per core imports papermill,
  nbclient, ipykernel, pandas, matplotlib, seaborn and citybank once. Per task it ``os.fork()``s a
  *client* child (own process group, stdout/stderr to a log file) that calls
  ``papermill.execute_notebook`` with :class:`ForkKernelManager`: its provisioner starts the kernel by
  forking the client again and running ``IPKernelApp`` in the grandchild, instead of exec'ing a new
  interpreter. The kernel therefore starts in ~50 ms with the heavy modules already in ``sys.modules``
  but never executed by any notebook: each notebook starts from the same clean warm state and every
  change it makes (globals, module attributes, rcParams, environment, cwd) dies with its processes. The
  worker itself never runs notebook code. ``tests/test_runner.py`` proves it with a notebook that
  pollutes all of these and a second one, run by the same worker, that asserts none is visible.
  jupyter_client's ``wait_for_ready`` also waits for 0.2 s of IOPub silence; :class:`ReadyKernelClient`
  waits for the idle status of its own request instead. Measured (``benchmarks/bench_runner.py``):
  synthetic page notebook, 24 tasks: plain loop 1.45 s/notebook, runner cold 0.57 s/notebook (2.5×, of
  which ~3 s is the workers' one-off preload), 0.38 s/notebook in steady state (96 tasks, 3.8×), no-change
  rebuild 0.01 s. Real notebooks (21 pl tasks): plain 3.5 s/notebook, of which ~2.8 s is the notebooks' own
  work, so the runner reaches 1.9× on 2 cores; kernel start in the runner is ~0.3 s under full load.

Everything still goes through papermill: parameters are injected by papermill (after validation against
the notebook's ``parameters`` cell with :func:`citybank.contract.parameters_of`), the kernel is ``python3``
and outputs are ordinary executed notebooks with papermill metadata.

Robustness: a timeout per task (the worker kills the task's process group), a dead kernel fails that
task only, outputs are written to a temporary file and renamed (:func:`citybank.util.atomic_path`),
state is saved after every finished task; Ctrl-C terminates the workers (which kill their children and
remove temporary files) and the next build resumes where this one stopped. A failed task's executed
notebook (with the traceback) is kept under ``build/<Y>/failed/`` and its log under ``build/<Y>/logs/``.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
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

from .contract import parameters_of, source_of
from .params import expand_files, registry
from .util import atomic_path, package_versions, progress_bar, sha256_bytes, sha256_file, write_json

KERNEL_NAME = "python3"
DEFAULT_TIMEOUT = 600
KEY_PACKAGES = ("papermill", "nbclient", "ipykernel", "pandas", "matplotlib", "seaborn", "citybank")
LIB_ROOT = Path(__file__).resolve().parent
# Modules imported once by each worker so that notebooks find them already loaded.
PRELOAD = (
    "pandas", "numpy", "pyarrow", "matplotlib", "matplotlib.pyplot", "seaborn", "IPython",
    "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.debugger", "matplotlib_inline.backend_inline", "papermill", "nbclient", "nbformat",
    "citybank.params", "citybank.bank", "citybank.plots", "citybank.narrative", "citybank.i18n",
    "citybank.indicators", "citybank.strategy", "citybank.consistency",
)  # fmt: skip
RESULTS = {
    "iso": ("data/results/indicators.parquet",),
    "strategy": ("data/results/strategy.parquet",),
    "consistency": ("data/results/consistency.parquet",),
}
MISSING = "missing"


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Task:
    """One notebook execution. Paths are relative to ``root`` (the repository root)."""

    id: str
    notebook: str
    parameters: dict[str, Any]
    inputs: tuple[str, ...]
    output: str
    year: int
    root: Path = field(compare=False)
    state_dir: str = field(default="", compare=False)

    def path(self, rel: str) -> Path:
        return self.root / rel

    @property
    def build_dir(self) -> Path:
        return self.root / (self.state_dir or f"build/{self.year}")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "notebook": self.notebook,
            "parameters": self.parameters,
            "inputs": list(self.inputs),
            "output": self.output,
        }


def _dataset_files(reg, ds) -> list[str]:
    return [f"data/raw/{rel}" for rel, _ in expand_files(ds)]


def task_inputs(reg, kind: str, year: int, notebook: str, category: str | None = None) -> tuple[str, ...]:
    """The files a task depends on (relative to the root) — every dependency rule lives here.

    The bank and the result files are deterministic functions of the raw files, params and lib code (all
    hashed), so a category page depends on its own datasets' raw files (plus the population dataset used to
    compare peers per resident) rather than on the whole bank: re-ingesting after one provider's file
    changed re-executes that provider's category pages, the overview, and the pages of results it changed.
    """
    common = [
        notebook,
        "params/city.yml",
        f"params/years/{year}.yml",
        "params/categories.yml",
        "params/variables.yml",
        "params/providers.yml",
    ]
    extra: list[str] = []
    if kind == "category":
        wanted = {ds.id for ds in reg.datasets_in(category)}
        wanted |= {ds.id for ds in reg.datasets.values() if "population_total" in ds.variables}
        for ds in sorted((reg.datasets[i] for i in wanted), key=lambda d: d.id):
            extra += [f"params/datasets/{ds.id}.yml", *_dataset_files(reg, ds)]
    elif kind == "overview":
        extra.append("data/bank/bank.parquet")
        for ds in sorted(reg.datasets.values(), key=lambda d: d.id):
            extra += [f"params/datasets/{ds.id}.yml", *_dataset_files(reg, ds)]
        extra += [p for group in RESULTS.values() for p in group]
    elif kind == "iso":
        extra += ["params/iso37120.yml", *RESULTS["iso"], *(f"params/datasets/{i}.yml" for i in sorted(reg.datasets))]
    elif kind in ("strategy", "consistency"):
        extra += [f"params/{kind}.yml", *RESULTS[kind]]
    return tuple(dict.fromkeys(common + extra))


def plan(year: int, reg=None) -> list[Task]:
    """Every notebook task of ``year``, in a stable order (language, then the order of the list above)."""
    if reg is None:
        reg = registry()
    root = Path(reg.root).resolve().parent
    tasks: list[Task] = []

    def add(lang: str, name: str, kind: str, notebook: str, extra: dict[str, Any], category: str | None = None):
        nb = f"notebooks/{notebook}"
        tasks.append(
            Task(
                id=f"{lang}/{name}",
                notebook=nb,
                parameters={"year": int(year), "lang": lang, **extra},
                inputs=task_inputs(reg, kind, year, nb, category),
                output=f"reports/{year}/notebooks/{lang}/{name}.ipynb",
                year=int(year),
                root=root,
            )
        )

    iso = reg.extra.get("iso37120") or {}
    indicators = [str(i["id"]) for i in iso.get("indicators") or [] if isinstance(i, dict) and "id" in i]
    for lang in reg.city.languages:
        add(lang, "overview", "overview", "overview.ipynb", {})
        for slug, cat in reg.categories.items():
            add(lang, f"category-{slug}", "category", cat.notebook or "category.ipynb", {"category": slug}, slug)
        add(lang, "iso-overview", "iso", "iso_overview.ipynb", {})
        for clause in indicators:
            add(lang, f"iso-{clause}", "iso", "iso_indicator.ipynb", {"indicator": clause})
        add(lang, "strategy", "strategy", "strategy.ipynb", {})
        add(lang, "consistency", "consistency", "consistency.ipynb", {})
    return tasks


def synthetic_plan(n: int, root: Path, year: int = 2024) -> list[Task]:
    """``n`` tasks of the test notebook ``tests/data/notebooks/page.ipynb`` (for benchmarks without the
    real notebooks): parameters cycle through languages and fake categories; inputs ``values.csv`` and one
    of six "raw datasets" ``data/raw/synthetic/d<i % 6>.csv`` (so that changing one re-runs a sixth)."""
    nb = "tests/data/notebooks/page.ipynb"
    data = "tests/data/notebooks/values.csv"
    langs = ("pl", "en", "de")
    tasks = []
    for i in range(n):
        lang = langs[i % 3]
        name = f"page-{i:03d}"
        tasks.append(Task(
            id=f"{lang}/{name}", notebook=nb,
            parameters={"year": year, "lang": lang, "category": f"c{i:03d}", "data_file": str(root / data)},
            inputs=(nb, data, f"data/raw/synthetic/d{i % 6}.csv"), output=f"reports/{year}/notebooks/{lang}/{name}.ipynb", year=year, root=root,
        ))  # fmt: skip
    return tasks


# ---------------------------------------------------------------- notebooks, parameters, cache keys


class NotebookProblem(Exception):
    """A notebook that cannot be run as planned (missing, unreadable, unknown parameter)."""


def read_notebook(path: Path) -> dict[str, Any]:
    """The notebook as plain JSON (nbformat is not imported in the main process: it costs ~1 s)."""
    if not path.is_file():
        raise NotebookProblem(f"notebook not found: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise NotebookProblem(f"{path} is not a valid notebook (JSON): {exc}") from exc


def code_hash(nb: dict[str, Any]) -> str:
    """sha256 of the code cells' sources, in order: outputs, metadata and markdown do not count."""
    codes = [source_of(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    return sha256_bytes(json.dumps(codes, ensure_ascii=False).encode("utf-8"))


def check_parameters(notebook: str, nb: dict[str, Any], parameters: dict[str, Any]) -> None:
    """Every parameter must be declared by the notebook's ``parameters`` cell (missing ones keep defaults)."""
    declared = parameters_of(nb)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        have = ", ".join(sorted(declared)) or "none (no cell tagged 'parameters')"
        raise NotebookProblem(
            f"{notebook}: parameter(s) {names} not declared in the notebook's 'parameters' cell "
            f"(it declares: {have}); add them there with a default value"
        )


def lib_hash(lib_root: Path | None = None) -> str:
    """One hash of every .py and package-data file of lib/citybank (caches and bytecode excluded)."""
    root = Path(lib_root or LIB_ROOT)
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts or p.suffix in (".pyc", ".pyo") or p.name.startswith("."):
            continue
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + sha256_file(p).encode() + b"\n")
    return h.hexdigest()


class Hasher:
    """sha256 of files, each computed once per build."""

    def __init__(self) -> None:
        self._cache: dict[Path, str] = {}

    def __call__(self, path: Path) -> str:
        if path not in self._cache:
            self._cache[path] = sha256_file(path) if path.is_file() else MISSING
        return self._cache[path]


def task_key(task: Task, lib: str, packages: dict[str, str], hasher: Hasher) -> dict[str, Any]:
    """The cache key of a task, in parts (so that a difference can be explained)."""
    nb_path = task.path(task.notebook)
    return {
        "notebook_code": code_hash(read_notebook(nb_path)) if nb_path.is_file() else MISSING,
        "parameters": task.parameters,
        "inputs": {rel: hasher(task.path(rel)) for rel in task.inputs if rel != task.notebook},
        "lib": lib,
        "packages": packages,
    }


def stale_reasons(task: Task, key: dict[str, Any], entry: dict[str, Any] | None, hasher: Hasher) -> list[str]:
    """Why ``task`` must run, comparing its current key with the stored ``entry`` (empty → up to date)."""
    if entry is None:
        return ["never built"]
    old = entry.get("key", {})
    reasons = []
    if old.get("notebook_code") != key["notebook_code"]:
        reasons.append("notebook code changed")
    if old.get("parameters") != key["parameters"]:
        reasons.append("parameters changed")
    old_inputs = old.get("inputs", {})
    for rel, sha in key["inputs"].items():
        if old_inputs.get(rel) != sha:
            reasons.append(f"input {rel} {'added' if rel not in old_inputs else 'changed'}")
    reasons += [f"input {rel} no longer used" for rel in sorted(set(old_inputs) - set(key["inputs"]))]
    if old.get("lib") != key["lib"]:
        reasons.append("lib code changed")
    if old.get("packages") != key["packages"]:
        changed = sorted(k for k in key["packages"] if old.get("packages", {}).get(k) != key["packages"][k])
        reasons.append(f"package versions changed ({', '.join(changed) or 'list'})")
    out = task.path(task.output)
    if not out.is_file():
        reasons.append("output missing")
    elif hasher(out) != entry.get("output_sha256"):
        reasons.append("output changed since it was built")
    return reasons


# ---------------------------------------------------------------- state


class State:
    """``build/<Y>/state.json``: the cache key and output hash of every task built successfully."""

    def __init__(self, build_dir: Path) -> None:
        self.path = build_dir / "state.json"
        self.tasks: dict[str, Any] = {}
        if self.path.is_file():
            try:
                self.tasks = json.loads(self.path.read_text(encoding="utf-8")).get("tasks", {})
            except (json.JSONDecodeError, UnicodeDecodeError):
                self.tasks = {}  # a damaged state only costs a rebuild

    def save(self) -> None:
        write_json(self.path, {"tasks": self.tasks})


# ---------------------------------------------------------------- results


@dataclass
class Failure:
    task: str
    error: str
    notebook: str | None = None
    log: str | None = None


@dataclass
class BuildResult:
    executed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    timings: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return not self.failures and not self.interrupted


# ---------------------------------------------------------------- the worker side (heavy imports here only)


class _ForkedProcess:
    """The subset of ``subprocess.Popen`` that jupyter_client's provisioner uses, for a forked pid."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self.stdin = self.stdout = self.stderr = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                self.returncode = -1
                return self.returncode
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.005)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _kernel_main(argv: list[str], cwd: str, env: dict[str, str]) -> None:
    """Body of the forked kernel: a fresh event loop, the kernel's cwd and environment, then IPKernelApp."""
    import asyncio

    from ipykernel.kernelapp import IPKernelApp

    asyncio.events._set_running_loop(None)  # the client's loop is running in the parent, not here
    asyncio.set_event_loop(asyncio.new_event_loop())
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    app = IPKernelApp.instance()
    app.initialize(argv)
    app.start()


def _fork_kernel_manager_class():
    """Build the kernel manager class lazily (jupyter_client is imported only in workers)."""
    import uuid
    from queue import Empty

    from jupyter_client.asynchronous import AsyncKernelClient
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner
    from traitlets import Type

    class ForkProvisioner(LocalProvisioner):
        """Start the kernel by forking this warm process instead of exec'ing a new interpreter."""

        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            env = dict(kwargs.get("env") or os.environ)
            cwd = str(kwargs.get("cwd") or os.getcwd())
            argv = cmd[cmd.index("-f") :]
            pid = os.fork()
            if pid == 0:  # the kernel
                code = 0
                try:
                    _kernel_main(argv, cwd, env)
                except BaseException:  # noqa: BLE001 — report and leave, whatever happened
                    import traceback

                    traceback.print_exc()
                    code = 1
                finally:
                    os._exit(code)
            self.process = _ForkedProcess(pid)
            self.pid, self.pgid, self.cwd = pid, None, cwd  # pgid None: signals go to the kernel pid only
            return self.connection_info

    class ReadyKernelClient(AsyncKernelClient):
        """``wait_for_ready`` without jupyter_client's final wait for 0.2 s of IOPub silence (~0.2 s per
        notebook): it waits for the IOPub ``idle`` status of its own kernel_info request instead, which also
        proves that IOPub is connected."""

        async def wait_for_ready(self, timeout: float | None = None) -> None:
            deadline = time.monotonic() + (timeout or 60)
            while True:
                msg_id = self.kernel_info()
                with contextlib.suppress(Empty):
                    reply = await self._async_get_shell_msg(timeout=0.5)
                    if reply["msg_type"] == "kernel_info_reply" and reply["parent_header"].get("msg_id") == msg_id:
                        while True:
                            msg = await self._async_get_iopub_msg(timeout=0.5)
                            if (
                                msg["msg_type"] == "status"
                                and msg["parent_header"].get("msg_id") == msg_id
                                and msg["content"].get("execution_state") == "idle"
                            ):
                                self._handle_kernel_info_reply(reply)
                                return
                if not await self._async_is_alive():
                    raise RuntimeError("Kernel died before replying to kernel_info")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"Kernel didn't respond in {timeout} seconds")

    class ForkKernelManager(AsyncKernelManager):
        """An AsyncKernelManager whose kernels are forked from the warm worker (see the module docstring)."""

        client_factory = Type(ReadyKernelClient)

        async def _async_pre_start_kernel(self, **kw: Any):
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or str(uuid.uuid4())
                self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self)
            return await super()._async_pre_start_kernel(**kw)

    return ForkKernelManager


def _execute(job: dict[str, Any], tmp_out: str, fork_kernel: bool) -> dict[str, Any]:
    """Run one notebook with papermill into ``tmp_out`` (in the per-task child); return timings/status."""
    import papermill

    marks: dict[str, float] = {"start": time.perf_counter()}

    def on_start(**_: Any) -> None:
        marks["kernel_ready"] = time.perf_counter()

    def on_complete(**_: Any) -> None:
        marks["executed"] = time.perf_counter()

    kwargs: dict[str, Any] = {}
    if fork_kernel:
        kwargs["kernel_manager_class"] = _fork_kernel_manager_class()
    out: dict[str, Any] = {"status": "ok", "error": ""}
    try:
        papermill.execute_notebook(
            job["notebook"], tmp_out, parameters=job["parameters"], kernel_name=KERNEL_NAME,
            cwd=job["cwd"], progress_bar=False, log_output=False, execution_timeout=job["timeout"],
            on_notebook_start=on_start, on_notebook_complete=on_complete, shutdown_kernel="immediate", **kwargs,
        )  # fmt: skip
    except Exception as exc:  # noqa: BLE001 — any failure of the notebook is the task's failure
        out["status"] = "failed"
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


class _TaskFailed(Exception):
    """Raised inside ``atomic_path`` so that a failed task's temporary file is never renamed."""


class _Worker:
    """Runs inside a worker process: preload, then fork one child per task and wait with a deadline."""

    def __init__(self, fork_kernel: bool = True) -> None:
        self.fork_kernel = fork_kernel
        self.child: int | None = None

    def preload(self) -> float:
        t = time.perf_counter()
        # What ipykernel would set in a fresh kernel, before matplotlib reads it at import time.
        os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
        import importlib

        for name in PRELOAD:
            with contextlib.suppress(Exception):
                importlib.import_module(name)
        # Load what every page reads (params, bank, ISO results, fonts) once per worker: each notebook's
        # kernel is forked from this process, so it starts with them, and whatever it changes dies with it.
        with contextlib.suppress(Exception):  # a page that cannot load reports it when it runs
            importlib.import_module("citybank.views").warm()  # only now: MPLBACKEND must be set first
        return time.perf_counter() - t

    def kill_child(self) -> None:
        if self.child is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.child, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.child, 0)
            self.child = None

    def run(self, job: dict[str, Any], control_fd: int) -> dict[str, Any]:
        t0 = time.perf_counter()
        target = Path(job["output"])
        log = Path(job["log"])
        log.parent.mkdir(parents=True, exist_ok=True)
        result: dict[str, Any] = {"id": job["id"], "pid": os.getpid()}
        try:
            with atomic_path(target) as tmp:
                self._fork_and_wait(job, tmp, log, result, control_fd)
        except _TaskFailed:
            pass  # the temporary file is gone; the previous output (if any) is untouched
        result["seconds"] = round(time.perf_counter() - t0, 3)
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
                os.setpgrp()
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                os.dup2(fd, 1)
                os.dup2(fd, 2)
                res = _execute(job, str(tmp), self.fork_kernel)
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
            result.update(status=status[0], error=status[1], kernel_start=None, execute=None, write=None)
        if result["status"] != "ok":
            if tmp.is_file() and tmp.stat().st_size:
                failed = Path(job["failed"])
                failed.parent.mkdir(parents=True, exist_ok=True)
                os.replace(tmp, failed)
                result["notebook"] = str(failed)
            raise _TaskFailed

    def _collect(self, rfd: int, pid: int, timeout: float, control_fd: int) -> tuple[bytes, tuple[str, str]]:
        """Read the child's result; kill it at the deadline or when the parent goes away."""
        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill_child()
                return b"", ("failed", f"timed out after {timeout:g} s (process killed)")
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
            return b"".join(chunks), ("ok", "")
        return b"", ("failed", f"notebook process died (exit code {code}); see the log")


def _worker_main() -> None:
    """Entry point of a worker process: JSON lines on stdin (jobs) → JSON lines on the saved stdout."""
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # anything printed by imports goes to stderr, not into the protocol
    fork_kernel = os.environ.get("CITYBANK_RUNNER_KERNEL", "fork") == "fork"
    worker = _Worker(fork_kernel)

    def on_term(signum, frame):  # noqa: ARG001
        worker.kill_child()
        raise SystemExit(1)

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    preload = worker.preload()
    out.write(json.dumps({"ready": True, "preload": round(preload, 3), "pid": os.getpid()}) + "\n")
    stdin = sys.stdin.buffer
    while True:
        line = stdin.readline()
        if not line:
            return
        job = json.loads(line)
        out.write(json.dumps(worker.run(job, stdin.fileno())) + "\n")


# ---------------------------------------------------------------- the main side


class _WorkerHandle:
    def __init__(self) -> None:
        env = dict(os.environ)
        env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from citybank.runner import _worker_main; _worker_main()"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True, env=env,
        )  # fmt: skip
        self.job: dict[str, Any] | None = None
        self.preload: float | None = None
        self.started = time.perf_counter()

    def send(self, job: dict[str, Any]) -> None:
        self.job = job
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


def run_tasks(
    tasks: list[Task],
    jobs: int | None = None,
    timeout: float | None = None,
    force: bool = False,
    *,
    lib_root: Path | None = None,
    progress: bool = True,
) -> BuildResult:
    """Execute the stale tasks (all with ``force``) in ``jobs`` worker processes; skip the others.

    Failures (notebook not found, undeclared parameter, error in a cell, timeout, dead kernel) are
    collected in ``BuildResult.failures``; the other tasks still run. State is saved after every task.
    """
    t_start = time.perf_counter()
    timeout = float(timeout or DEFAULT_TIMEOUT)
    result = BuildResult()
    hasher = Hasher()
    lib = lib_hash(lib_root)
    packages = package_versions(KEY_PACKAGES)
    states: dict[Path, State] = {}
    todo: list[tuple[Task, dict[str, Any]]] = []
    for task in tasks:
        state = states.setdefault(task.build_dir, State(task.build_dir))
        try:
            key = task_key(task, lib, packages, hasher)
            nb_path = task.path(task.notebook)
            nb = read_notebook(nb_path)
            check_parameters(task.notebook, nb, task.parameters)
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
        _execute_all(todo, jobs or os.cpu_count() or 1, timeout, states, result, progress)
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
        "notebook": str(task.path(task.notebook)),
        "output": str(task.path(task.output)),
        "failed": str(task.build_dir / "failed" / rel),
        "log": str(task.build_dir / "logs" / Path(rel).with_suffix(".log")),
        "parameters": task.parameters,
        "cwd": str(task.path(task.notebook).parent),
        "timeout": timeout,
    }


def _execute_all(todo, jobs: int, timeout: float, states: dict[Path, State], result: BuildResult, progress: bool):
    queue = list(todo)
    by_id = {t.id: (t, k) for t, k in todo}
    workers = [_WorkerHandle() for _ in range(min(jobs, len(queue)))]
    idle: list[_WorkerHandle] = []
    bar = progress_bar(total=len(queue), desc="notebooks", unit="nb", disable=not progress)
    try:
        with _sigterm_as_interrupt():
            busy = len(workers)
            pending = set(workers)
            while queue or busy:
                ready, _, _ = select.select(list(pending), [], [], 1.0)
                for w in ready:
                    line = w.proc.stdout.readline()  # type: ignore[union-attr]
                    if not line:  # the worker itself died: fail its task, start a new one
                        pending.discard(w)
                        busy -= 1
                        if w.job is not None:
                            result.failures.append(Failure(w.job["id"], "worker process died", log=w.job["log"]))
                            bar.update(1)
                        w.stop()
                        if queue:
                            nw = _WorkerHandle()
                            workers.append(nw)
                            pending.add(nw)
                            busy += 1
                        continue
                    msg = json.loads(line)
                    if msg.get("ready"):
                        w.preload = msg["preload"]
                    else:
                        task, key = by_id[msg["id"]]
                        _record(task, key, msg, states[task.build_dir], result)
                        bar.update(1)
                        w.job = None
                    if queue:
                        task, _ = queue.pop(0)
                        w.send(_job(task, timeout))
                    else:
                        busy -= 1
                        pending.discard(w)
                        idle.append(w)
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        bar.close()
        for w in workers:
            w.stop()
        for st in states.values():
            st.save()
    if result.interrupted:
        raise KeyboardInterrupt


def _record(task: Task, key: dict[str, Any], msg: dict[str, Any], state: State, result: BuildResult) -> None:
    row = {k: msg.get(k) for k in ("seconds", "kernel_start", "execute", "write", "pid")}
    row.update(task=task.id, status=msg["status"])
    result.timings.append(row)
    if msg["status"] == "ok":
        result.executed.append(task.id)
        state.tasks[task.id] = {"key": key, "output_sha256": msg["output_sha256"]}
    else:
        state.tasks.pop(task.id, None)
        result.failures.append(Failure(task.id, msg.get("error") or "failed", msg.get("notebook"), msg.get("log")))
    state.save()


def _write_timings(tasks: list[Task], result: BuildResult) -> None:
    """``build/<Y>/timings.csv``: one row per task; a skipped task keeps the timings of its last execution."""
    if not tasks:
        return
    cols = ["task", "status", "seconds", "kernel_start", "execute", "write", "pid"]
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


def status(tasks: list[Task], lib_root: Path | None = None) -> dict[str, list[str]]:
    """Task id → reasons it is stale (an empty list: up to date)."""
    hasher = Hasher()
    lib, packages = lib_hash(lib_root), package_versions(KEY_PACKAGES)
    out: dict[str, list[str]] = {}
    states: dict[Path, State] = {}
    for task in tasks:
        state = states.setdefault(task.build_dir, State(task.build_dir))
        if not task.path(task.notebook).is_file():
            out[task.id] = [f"notebook not found: {task.notebook}"]
            continue
        out[task.id] = stale_reasons(task, task_key(task, lib, packages, hasher), state.tasks.get(task.id), hasher)
    return out


__all__ = [
    "BuildResult", "Failure", "NotebookProblem", "Task", "check_parameters", "code_hash",
    "lib_hash", "plan", "run_tasks", "status",
    "synthetic_plan", "task_inputs",
]  # fmt: skip
