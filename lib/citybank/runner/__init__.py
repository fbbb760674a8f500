"""The build runner: plan a year's notebook tasks, execute them with papermill — parallel, incremental,
fault-tolerant — and say why each task is (or is not) stale.

Plan
----
``plan(year)`` lists, for each language of params/city.yml, one task per notebook page of the report's outline
(``citybank.params.outline``, the one list of pages, in report order): ``overview``, ``residents`` (with
params/residents.yml), ``category-<slug>`` for each category (``notebooks/category.ipynb``, or the category's own
``notebook`` from params/categories.yml), ``iso-overview``, ``iso-<clause>`` per indicator of params/iso37120.yml,
``strategy``, ``survey-overview`` and ``survey-<theme>`` (with params/survey.yml), ``consistency``. Every task
writes ``reports/<Y>/notebooks/<lang>/<page id>.ipynb``. A notebook that does not exist yet is still planned;
building it fails that task with "notebook not found".

Dependencies: declared (a floor) and recorded
---------------------------------------------
Declared (:func:`task_inputs`, by the page's section): every task depends on its notebook and the params files
every notebook reads (city.yml, years/<Y>.yml, categories.yml, variables.yml, providers.yml). On top of that:

* ``category-<slug>``: params/datasets/<id>.yml and every raw file (all years) of that category's datasets;
* ``overview``: the bank, every dataset descriptor and raw file, and every results file;
* ``iso-*``: params/iso37120.yml and data/results/indicators.parquet;
* ``strategy``: params/strategy.yml and data/results/strategy.parquet;
* ``consistency``: params/consistency.yml and data/results/consistency.parquet;
* ``residents``: its params, the indicators and the datasets of its figures; ``survey-*``: the survey's params and
  tables and the strategy's results.

Recorded (``citybank.runner.depfile``): what the task actually read while it ran — files of ``params/`` and
``data/`` (the bank aside: the raw files above stand for the rows a page reads) — is stored with the task and a
change to any of it makes the task stale too ("input … changed (recorded: the task read it)"). So the category and
ISO pages, which show the ranking among gminas, re-run when ``data/results/ranking.parquet`` or
``params/national.yml`` changes, though no rule above names them.

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

* **in process (chosen since, the default)**: the same warm worker and per-task fork, but the task's process
  runs the notebook itself in an IPython ``InteractiveShell`` (:mod:`citybank.runner.inprocess`, a papermill
  engine): no kernel is forked, no ZeroMQ socket opened, no message serialized per output — per notebook that
  saves the kernel start (~0.3–0.7 s under load) and the messaging. The outputs are recorded as nbclient records a
  kernel's messages (display data and results through ipykernel's own image encoding and a Jupyter message's
  JSON round trip, streams flushed at each display, the shell's tracebacks), so the notebook's bytes are the
  kernel path's: ``tests/test_runner.py`` executes one task of every template both ways and compares them. The
  isolation is the fork's, as before (the leak test runs on both paths). ``CITYBANK_RUNNER_KERNEL=fork`` (a
  kernel forked per task, as above) or ``spawn`` (plain papermill) chooses another path. Measured (one task of
  each of the nine templates, both paths side by side, 2 cores at load ~20): 32.0 s of execution in process
  against 41.1 s with forked kernels, and no kernel start (~0.6 s per notebook at that load); the whole year
  cold: README, Performance.

Everything still goes through papermill: parameters are injected by papermill (after validation against
the notebook's ``parameters`` cell with :func:`citybank.contract.parameters_of`), the kernel named is ``python3``
and outputs are ordinary executed notebooks with papermill metadata.

Executors and many gminas
-------------------------
``run_tasks`` decides what is stale and records results; *executing* jobs is an executor's work
(:class:`LocalExecutor`, the default: the warm pool above; ``citybank.runner.dask_executor.DaskExecutor``: the
same warm worker process started on every Dask worker by a worker plugin, so a task on Dask runs exactly as
it runs here and writes the same bytes). Executed notebooks carry no run times (:func:`stable_notebook`), so
the same inputs give byte-identical outputs whichever executor ran them. ``citybank build|report --executor
dask --scheduler tcp://HOST:8786``; without ``--scheduler`` a LocalCluster of ``--jobs`` workers is started.

A worker imports the heavy modules once, then forks one *root process* per workbench root (the folder of a
gmina's params/ and data/), whose ``CITYBANK_ROOT`` names that root, loads its data and forks
the task clients: one build can hold the tasks of several gminas (:func:`plan_gminas`: ids prefixed by the
TERC code, outputs and state in each gmina's own workbench) at the cost of loading each gmina's data once
per worker, not of the imports again; the local pool keeps each worker on one gmina while another gmina has
work left (:meth:`LocalExecutor._pick`). On Dask the warm processes are started for each build (the plugin
is registered again) and stopped at its end: a root process never serves a build with data older than its own.

Robustness: a timeout per task (the worker kills the task's process group), a dead kernel fails that
task only, outputs are written to a temporary file and renamed (:func:`citybank.util.atomic_path`),
state is saved after every finished task; Ctrl-C terminates the workers (which kill their children and
remove temporary files) and the next build resumes where this one stopped. A failed task's executed
notebook (with the traceback) is kept under ``build/<Y>/failed/`` and its log under ``build/<Y>/logs/``.
"""

from __future__ import annotations

from ..errors import UserError
from .cache import KEY_PACKAGES, LIB_ROOT, NotebookProblem, check_parameters, code_hash, lib_hash, status
from .execute import (
    DEFAULT_TIMEOUT,
    INFRASTRUCTURE,
    KERNEL_NAME,
    NOTEBOOK,
    BuildResult,
    Failure,
    LocalExecutor,
    run_tasks,
    stable_notebook,
)
from .plan import Task, plan, plan_gminas, synthetic_plan, task_inputs

EXECUTORS = ("local", "dask")


def make_executor(name: str = "local", scheduler: str | None = None, jobs: int | None = None):
    """The executor called ``name``: ``local`` (``jobs`` warm workers here) or ``dask`` (the cluster whose
    scheduler is at ``scheduler``; without one, a LocalCluster of ``jobs`` workers on this machine)."""
    if name == "local":
        if scheduler:
            raise UserError("--scheduler is an address of a Dask scheduler: use it with --executor dask")
        return LocalExecutor(jobs)
    if name == "dask":
        from .dask_executor import DaskExecutor  # only here: distributed takes ~1 s to import

        return DaskExecutor(scheduler, jobs=jobs)
    raise UserError(f"unknown executor {name!r}: choose one of {', '.join(EXECUTORS)}")


__all__ = [
    "DEFAULT_TIMEOUT",
    "EXECUTORS",
    "INFRASTRUCTURE",
    "LocalExecutor",
    "make_executor",
    "plan_gminas",
    "stable_notebook",
    "KERNEL_NAME",
    "NOTEBOOK",
    "KEY_PACKAGES",
    "LIB_ROOT",
    "BuildResult",
    "Failure",
    "NotebookProblem",
    "Task",
    "check_parameters",
    "code_hash",
    "lib_hash",
    "plan",
    "run_tasks",
    "status",
    "synthetic_plan",
    "task_inputs",
]
