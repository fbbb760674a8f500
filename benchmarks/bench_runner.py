"""Benchmark: the build runner on the whole sample year against a plain serial ``papermill.execute_notebook``
loop, in one run.

Runs: the plain loop (on a stated sample of the tasks, spread over every template, and its estimate for all
of them — or on all of them with ``--plain-all``), the runner cold, nothing changed, one raw file changed,
one lib module changed, and the cold build again while every core is loaded by other processes. For each:
wall seconds, notebooks executed, the ratio to the plain loop; then where the time goes per stage (cache
decision, worker preload, page facts, kernel start, notebook execution, writing), the time of the pages'
own stages measured in process (facts, words and tables, figures), and the peak memory of a worker.
Everything runs in a temporary copy of the workbench (params/, notebooks/, data/): the checkout's reports/
and build/ are never touched.

    python benchmarks/bench_runner.py                      # the whole default year (450 notebooks)
    python benchmarks/bench_runner.py --only 'pl/*'        # a subset
    python benchmarks/bench_runner.py --synthetic 24       # 24 tasks of tests/data/notebooks/page.ipynb
"""

from __future__ import annotations

import argparse
import fnmatch
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

from citybank import runner  # noqa: E402
from citybank.paths import PATHS  # noqa: E402

GOAL_SPEEDUP = 10.0  # cold year against the plain loop
GOAL_NOCHANGE = 1.0  # seconds for a no-change rebuild of the whole year
GOAL_HELP = 0.3  # seconds for `citybank --help`
GOAL_OVERHEAD = 1.0  # seconds over the dependents' own execution when one raw file changed


def workbench(tmp: Path, synthetic: bool) -> Path:
    """A temporary root: the notebooks (and, for the real plan, params/ and data/) copied."""
    root = tmp / "root"
    if synthetic:
        shutil.copytree(PATHS.root / "tests/data/notebooks", root / "tests/data/notebooks")
        return root
    for name in ("params", "notebooks", "data"):
        if (PATHS.root / name).exists():
            shutil.copytree(PATHS.root / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy2(PATHS.root / "pyproject.toml", root / "pyproject.toml")
    os.environ["CITYBANK_ROOT"] = str(root)  # notebooks (and their kernels) read this copy
    if not (root / "data/bank/bank.parquet").is_file():  # prepare the sample year in the copy, not the checkout
        print("no bank in the checkout: running `citybank prepare` in the temporary copy first", flush=True)
        subprocess.run([sys.executable, "-m", "citybank", "prepare"], check=True, cwd=root)
    return root


def tasks_for(root: Path, year: int, synthetic: int, only: str | None) -> list[runner.Task]:
    if synthetic:
        tasks = runner.synthetic_plan(synthetic, root, year)
    else:
        from citybank.params import load_params

        tasks = runner.plan(year, load_params(root / "params"))
    patterns = [p.strip() for p in (only or "").split(",") if p.strip()]
    return [t for t in tasks if not patterns or any(fnmatch.fnmatch(t.id, p) for p in patterns)]


def spread(tasks: list[runner.Task], n: int) -> list[runner.Task]:
    """``n`` tasks spread evenly over the plan (every template and language is represented)."""
    if n >= len(tasks):
        return list(tasks)
    step = len(tasks) / n
    return [tasks[int(i * step)] for i in range(n)]


def plain_loop(tasks: list[runner.Task], out: Path) -> tuple[float, int]:
    """Seconds and failures of a serial ``papermill.execute_notebook`` over ``tasks``: a fresh kernel each."""
    import papermill

    t0 = time.perf_counter()
    failed = 0
    for i, t in enumerate(tasks):
        try:
            papermill.execute_notebook(
                str(t.path(t.notebook)),
                str(out / f"{i:04d}.ipynb"),
                parameters=t.parameters,
                kernel_name=runner.KERNEL_NAME,
                cwd=str(t.path(t.notebook).parent),
                progress_bar=False,
            )
        except Exception:  # noqa: BLE001 — count it, as the runner does
            failed += 1
    return time.perf_counter() - t0, failed


def change_one_raw_file(root: Path, tasks: list[runner.Task]) -> str:
    """Append a line break to the raw file that the fewest tasks depend on (a category's dataset)."""
    users: dict[str, int] = {}
    for t in tasks:
        for rel in t.inputs:
            if rel.startswith("data/raw/") and t.path(rel).is_file():
                users[rel] = users.get(rel, 0) + 1
    raw = min(sorted(users), key=lambda r: users[r])
    with open(root / raw, "ab") as fh:
        fh.write(b"\n")
    return raw


def change_one_lib_module(lib: Path) -> str:
    target = lib / "util.py"
    target.write_text(target.read_text(encoding="utf-8") + "\n# benchmark: a changed lib module\n", encoding="utf-8")
    return "lib/citybank/util.py"


def _burn(stop_at: float) -> None:
    """A busy loop on one core until ``stop_at`` (another program loading the machine)."""
    x = 0
    while time.monotonic() < stop_at:
        x = (x * 31 + 7) % 1000003


def loaded(seconds: float) -> list[multiprocessing.Process]:
    """One busy process per core for at most ``seconds`` (they stop by themselves)."""
    stop_at = time.monotonic() + seconds
    procs = [multiprocessing.Process(target=_burn, args=(stop_at,), daemon=True) for _ in range(os.cpu_count() or 1)]
    for p in procs:
        p.start()
    return procs


def page_stages(root: Path, tasks: list[runner.Task], sample: int) -> dict[str, float] | None:
    """Mean seconds per page of each stage, measured in this process on a sample of the real pages: the facts
    (numbers, once per page and year), the words and tables, and the figures (drawing and PNG)."""
    if not any(t.notebook.startswith("notebooks/") for t in tasks):
        return None
    from citybank import plots, views

    drawing = {"seconds": 0.0}
    show = plots.show

    def timed_show(fig, *a, **k):
        t0 = time.perf_counter()
        try:
            return show(fig, *a, **k)
        finally:
            drawing["seconds"] += time.perf_counter() - t0

    pages = {
        "overview": views.overview,
        "category": views.category,
        "iso_overview": views.iso_overview,
        "iso_indicator": views.iso_indicator,
        "strategy": views.strategy,
        "consistency": views.consistency,
    }
    chosen = [t for t in spread(tasks, sample) if Path(t.notebook).stem in pages]
    facts = words = figures = 0.0
    # every page module draws through its own name for plots.show
    drawers = [m for m in sys.modules.values() if m.__name__.startswith("citybank.views.pages.") and hasattr(m, "show")]
    for m in drawers:
        m.show = timed_show
    try:
        for t in chosen:
            template, p = Path(t.notebook).stem, dict(t.parameters)
            t0 = time.perf_counter()
            views.warm_page(template, p)
            t1 = time.perf_counter()
            drawing["seconds"] = 0.0
            lang = p.pop("lang")
            args = [p[k] for k in ("category", "indicator") if k in p] + [p["year"], lang]
            pages[template](*args)
            t2 = time.perf_counter()
            facts += t1 - t0
            figures += drawing["seconds"]
            words += (t2 - t1) - drawing["seconds"]
    finally:
        for m in drawers:
            m.show = show
    n = len(chosen) or 1
    return {"pages": len(chosen), "facts": facts / n, "words and tables": words / n, "figures": figures / n}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", type=int, default=0, metavar="N", help="N tasks of the test notebook")
    ap.add_argument("--year", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--only", metavar="PATTERNS", help="comma-separated patterns of task ids (e.g. 'pl/category-*')")
    ap.add_argument(
        "--plain-sample",
        type=int,
        default=24,
        metavar="N",
        help="run the plain loop on N tasks spread over the plan and estimate the rest (default 24)",
    )
    ap.add_argument("--plain-all", action="store_true", help="run the plain loop on every task (slow)")
    ap.add_argument("--skip-loaded", action="store_true", help="skip the cold build on a loaded machine")
    args = ap.parse_args(argv)
    jobs = args.jobs or os.cpu_count() or 1

    with tempfile.TemporaryDirectory(prefix="citybank-bench-") as tmpd:
        tmp = Path(tmpd)
        root = workbench(tmp, bool(args.synthetic))
        lib = tmp / "lib"
        shutil.copytree(runner.LIB_ROOT, lib, ignore=shutil.ignore_patterns("__pycache__"))
        if args.synthetic:
            year = args.year or 2024
        else:
            from citybank.params import load_params

            year = args.year or load_params(root / "params").city.default_year
        tasks = tasks_for(root, year, args.synthetic, args.only)
        n = len(tasks)
        kind = f"synthetic ({args.synthetic} tasks of page.ipynb)" if args.synthetic else f"the real plan of {year}"
        print(f"citybank runner benchmark — {kind}: {n} notebooks, {jobs} jobs, {os.cpu_count()} cores, execution "
              f"{os.environ.get('CITYBANK_RUNNER_KERNEL', 'inprocess')}, load average "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)  # fmt: skip

        rows: list[tuple[str, float, int, str]] = []

        def done(name: str, secs: float, executed: int, note: str) -> None:
            """Record a run and print it at once (a long benchmark shows its progress)."""
            rows.append((name, secs, executed, note))
            print(f"  {name}: {secs:.2f} s, {executed} executed {note}".rstrip(), flush=True)

        sample = tasks if args.plain_all else spread(tasks, args.plain_sample)
        (tmp / "plain").mkdir()
        plain_s, failed = plain_loop(sample, tmp / "plain")
        plain = plain_s / len(sample) * n
        how = "all tasks" if len(sample) == n else f"{len(sample)} tasks run, {plain_s / len(sample):.2f} s each × {n}"
        done(f"plain papermill loop, serial ({how})", plain, n, f"{failed} failed" if failed else "")

        cold = runner.run_tasks(tasks, jobs=jobs, force=True, lib_root=lib, progress=False)
        done("runner, cold", cold.seconds, len(cold.executed), _fails(cold))
        worker_peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        same = runner.run_tasks(tasks, jobs=jobs, lib_root=lib, progress=False)
        done("runner, nothing changed", same.seconds, len(same.executed), _fails(same))
        cli = {}
        if not args.synthetic and not args.only:  # the command as the analyst types it, in a fresh interpreter
            cli["citybank --help"] = command_seconds(root, "--help")
            cli[f"citybank build --year {year}, nothing changed"] = command_seconds(root, "build", "--year", str(year))
            for name, secs in cli.items():
                print(f"  {name}: {secs:.2f} s wall (best of 3)", flush=True)
        raw = change_one_raw_file(root, tasks)
        one = runner.run_tasks(tasks, jobs=jobs, lib_root=lib, progress=False)
        done(f"runner, one raw file changed ({raw})", one.seconds, len(one.executed), _fails(one))
        module = change_one_lib_module(lib)
        libc = runner.run_tasks(tasks, jobs=jobs, lib_root=lib, progress=False)
        done(f"runner, one lib module changed ({module})", libc.seconds, len(libc.executed), _fails(libc))
        if not args.skip_loaded:
            busy = loaded(max(60.0, cold.seconds * 4))
            try:
                hot = runner.run_tasks(tasks, jobs=jobs, force=True, lib_root=lib, progress=False)
            finally:
                for p in busy:
                    p.terminate()
            done(
                f"runner, cold, every core loaded by {len(busy)} other processes",
                hot.seconds,
                len(hot.executed),
                _fails(hot),
            )

        print(f"\n{'run':<74} {'wall s':>8} {'executed':>9} {'s/notebook':>11} {'vs plain':>9}")
        for name, secs, executed, note in rows:
            per = f"{secs / executed:.2f}" if executed else "-"
            ratio = f"{plain / secs:.1f}×" if secs else "-"
            print(f"{name:<74} {secs:>8.2f} {executed:>9} {per:>11} {ratio:>9}  {note}")

        split = [r for r in cold.timings if r.get("kernel_start") is not None]
        if split:
            mean = {
                k: statistics.fmean(r.get(k) or 0.0 for r in split)
                for k in ("seconds", "facts", "kernel_start", "execute", "write")
            }
            rest = mean["seconds"] - mean["facts"] - mean["kernel_start"] - mean["execute"] - mean["write"]
            decision = same.seconds
            print(
                f"\nwhere the time goes (cold build, mean per notebook in a worker): {mean['seconds']:.3f} s = "
                f"page facts {mean['facts']:.3f} + kernel start {mean['kernel_start']:.3f} + execution "
                f"{mean['execute']:.3f} + writing {mean['write']:.3f} + fork, hash, rename {rest:.3f}; "
                f"the cache decision for all {n} tasks {decision:.3f} s; peak memory of a worker "
                f"{worker_peak_mib:.0f} MiB"
            )
            own, start = busiest_worker(one)
            print(
                f"one raw file changed: {len(one.executed)} dependents re-executed in {one.seconds:.2f} s; the busiest "
                f"worker executed them in {own:.2f} s after its start (imports of pandas, matplotlib, papermill and "
                f"citybank) of {start:.2f} s, so {one.seconds - own - start:.2f} s over their execution"
            )
        stages = page_stages(root, tasks, 30)
        if stages:
            print(
                f"the pages' own stages, in process, mean per page over {stages['pages']} pages: facts "
                f"{stages['facts']:.3f} s (once per page and year, shared by the languages), words and tables "
                f"{stages['words and tables']:.3f} s, figures {stages['figures']:.3f} s"
            )

        print()
        speed = plain / cold.seconds
        print(
            f"goal cold ≥ {GOAL_SPEEDUP:g}× the plain loop: {speed:.1f}× — {'met' if speed >= GOAL_SPEEDUP else 'NOT met'}"
        )
        print(
            f"goal no-change rebuild < {GOAL_NOCHANGE:g} s: {same.seconds:.2f} s — "
            f"{'met' if same.seconds < GOAL_NOCHANGE else 'NOT met'}"
        )
        for name, secs in cli.items():
            goal = GOAL_HELP if "--help" in name else GOAL_NOCHANGE
            print(f"goal `{name}` < {goal:g} s wall: {secs:.2f} s — {'met' if secs < goal else 'NOT met'}")
        print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
        if split:
            over = one.seconds - sum(busiest_worker(one))
            print(
                f"goal one raw file: dependents only, + under {GOAL_OVERHEAD:g} s: {over:.2f} s over their execution "
                f"— {'met' if over < GOAL_OVERHEAD else 'NOT met'}"
            )
    return 0


def command_seconds(root: Path, *args: str) -> float:
    """Wall seconds of ``citybank ARGS`` run in ``root`` (a new interpreter each time; the best of three)."""
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "citybank", *args], cwd=root, check=True, capture_output=True,
                              text=True, env={**os.environ, "CITYBANK_ROOT": str(root)})  # fmt: skip
        best = min(best, time.perf_counter() - t)
        if args[0] == "build" and " 0 executed" not in proc.stdout:
            print(f"  (`citybank {' '.join(args)}` executed notebooks: {proc.stdout.strip()})", flush=True)
    return best


def busiest_worker(res: runner.BuildResult) -> tuple[float, float]:
    """The seconds of task execution of the worker that executed longest, and that worker's start (its imports):
    what executing these notebooks costs on the critical path; the rest of the wall time is the runner's own."""
    per_pid: dict[int, float] = {}
    for r in res.timings:
        if r.get("seconds") and r.get("pid") is not None:
            per_pid[r["pid"]] = per_pid.get(r["pid"], 0.0) + r["seconds"]
    if not per_pid:
        return 0.0, 0.0
    pid = max(per_pid, key=per_pid.__getitem__)
    return per_pid[pid], res.preloads.get(pid, 0.0)


def _fails(res: runner.BuildResult) -> str:
    return f"{len(res.failures)} failed" if res.failures else ""


if __name__ == "__main__":
    sys.exit(main())
