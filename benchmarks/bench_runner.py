"""Benchmark: the build runner against a plain serial ``papermill.execute_notebook`` loop.

In one run, for the sample year: the plain loop over the same tasks, the runner cold (``force``), the
runner with nothing changed, and the runner after one raw dataset file changed; then cold builds of
1, 2 and 4 years. Everything runs in a temporary copy of the workbench (params/, notebooks/, data/) so
that the checkout's reports/ and build/ are never touched.

    python benchmarks/bench_runner.py                 # the real plan of the default year
    python benchmarks/bench_runner.py --synthetic 24  # 24 tasks of tests/data/notebooks/page.ipynb
"""

from __future__ import annotations

import argparse
import fnmatch
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")

from citybank import runner  # noqa: E402
from citybank.paths import PATHS  # noqa: E402

GOAL_SPEEDUP = 3.0
GOAL_NOCHANGE = 2.0


def workbench(tmp: Path, synthetic: bool) -> Path:
    """A temporary root: the notebooks (and, for the real plan, params/ and data/) copied."""
    root = tmp / "root"
    if synthetic:
        shutil.copytree(PATHS.root / "tests/data/notebooks", root / "tests/data/notebooks")
        for i in range(6):
            p = root / "data/raw/synthetic" / f"d{i}.csv"
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(f"dataset,{i}\n", encoding="utf-8")
        return root
    for name in ("params", "notebooks", "data"):
        if (PATHS.root / name).exists():
            shutil.copytree(PATHS.root / name, root / name, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy2(PATHS.root / "pyproject.toml", root / "pyproject.toml")
    os.environ["CITYBANK_ROOT"] = str(root)  # notebooks (and their kernels) read this copy
    if not (root / "data/bank/bank.parquet").is_file():  # prepare the sample year in the copy, not the checkout
        print("no bank in the checkout: running `citybank prepare` in the temporary copy first", flush=True)
        subprocess.run([str(Path(sys.executable).with_name("citybank")), "prepare"], check=True, cwd=root)
    return root


def tasks_for(root: Path, years: list[int], synthetic: int, only: str | None = None) -> list[runner.Task]:
    if synthetic:
        tasks = [t for y in years for t in runner.synthetic_plan(synthetic, root, y)]
    else:
        from citybank.params import load_params

        reg = load_params(root / "params")
        tasks = [t for y in years for t in runner.plan(y, reg)]
    return [t for t in tasks if not only or fnmatch.fnmatch(t.id, only)]


def plain_loop(tasks: list[runner.Task], out: Path) -> tuple[float, int]:
    import papermill

    t0 = time.perf_counter()
    failed = 0
    for i, t in enumerate(tasks):
        try:
            papermill.execute_notebook(
                str(t.path(t.notebook)), str(out / f"{i:04d}.ipynb"), parameters=t.parameters,
                kernel_name=runner.KERNEL_NAME, cwd=str(t.path(t.notebook).parent), progress_bar=False,
            )  # fmt: skip
        except Exception:  # noqa: BLE001 — count it, as the runner does
            failed += 1
    return time.perf_counter() - t0, failed


def change_one_dataset(root: Path, tasks: list[runner.Task]) -> str:
    raw = next(rel for t in tasks for rel in t.inputs if rel.startswith("data/raw/") and t.path(rel).is_file())
    with open(root / raw, "ab") as fh:
        fh.write(b"\n")
    return raw


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--synthetic", type=int, default=0, metavar="N", help="N tasks of the test notebook")
    ap.add_argument("--year", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--only", metavar="PATTERN", help="only tasks whose id matches (e.g. 'pl/category-*')")
    ap.add_argument("--skip-plain", action="store_true", help="skip the (slow) plain papermill loop")
    args = ap.parse_args(argv)
    jobs = args.jobs or os.cpu_count() or 1

    with tempfile.TemporaryDirectory(prefix="citybank-bench-") as tmpd:
        tmp = Path(tmpd)
        root = workbench(tmp, bool(args.synthetic))
        if args.synthetic:
            year, all_years = args.year or 2024, [2024, 2023, 2022, 2021]
        else:
            from citybank.params import load_params

            reg = load_params(root / "params")
            year = args.year or reg.city.default_year
            all_years = sorted(reg.city.sample_years, reverse=True)[:4]
            if not (root / "notebooks" / "category.ipynb").is_file():
                print("the real notebooks do not exist yet; run with --synthetic N", file=sys.stderr)
                return 2
        tasks = tasks_for(root, [year], args.synthetic, args.only)
        n = len(tasks)
        kind = f"synthetic ({args.synthetic} tasks of page.ipynb)" if args.synthetic else f"real plan of {year}"
        print(f"citybank runner benchmark — {kind}, {n} notebooks, {jobs} jobs, {os.cpu_count()} cores\n")

        rows: list[tuple[str, float, int, str]] = []
        plain = None
        if not args.skip_plain:
            (tmp / "plain").mkdir()
            plain, failed = plain_loop(tasks, tmp / "plain")
            rows.append(("plain papermill loop (serial)", plain, n, f"{failed} failed" if failed else ""))
        cold = runner.run_tasks(tasks, jobs=jobs, force=True, progress=False)
        rows.append(("runner, cold", cold.seconds, len(cold.executed), _fails(cold)))
        same = runner.run_tasks(tasks, jobs=jobs, progress=False)
        rows.append(("runner, nothing changed", same.seconds, len(same.executed), _fails(same)))
        raw = change_one_dataset(root, tasks)
        one = runner.run_tasks(tasks, jobs=jobs, progress=False)
        rows.append((f"runner, {raw} changed", one.seconds, len(one.executed), _fails(one)))

        print(f"{'run':<58} {'wall s':>8} {'executed':>9} {'s/notebook':>11} {'vs plain':>9}")
        for name, secs, executed, note in rows:
            per = f"{secs / executed:.2f}" if executed else "-"
            ratio = f"{plain / secs:.1f}×" if plain and secs else "-"
            print(f"{name:<58} {secs:>8.2f} {executed:>9} {per:>11} {ratio:>9}  {note}")

        split = [r for r in cold.timings if r.get("kernel_start") is not None]
        if split:
            k = sum(r["kernel_start"] for r in split) / len(split)
            e = sum(r["execute"] for r in split) / len(split)
            w = sum(r["write"] for r in split) / len(split)
            s = sum(r["seconds"] for r in split) / len(split)
            print(
                f"\ncold build, mean per notebook in a worker: {s:.3f} s = kernel start {k:.3f} + execution {e:.3f}"
                f" + write {w:.3f} + fork/hash/rename {s - k - e - w:.3f}"
            )

        print("\ncold build by number of years:")
        print(f"{'years':<8} {'notebooks':>10} {'wall s':>8} {'s/notebook':>11}")
        for k_years in (1, 2, 4):
            ts = tasks_for(root, all_years[:k_years], args.synthetic, args.only)
            res = runner.run_tasks(ts, jobs=jobs, force=True, progress=False)
            print(f"{k_years:<8} {len(ts):>10} {res.seconds:>8.2f} {res.seconds / len(ts):>11.3f}  {_fails(res)}")

        print()
        if plain:
            speed = plain / cold.seconds
            print(
                f"goal cold ≥ {GOAL_SPEEDUP:g}× the plain loop: {speed:.1f}× — {'met' if speed >= GOAL_SPEEDUP else 'NOT met'}"
            )
        print(
            f"goal no-change rebuild < {GOAL_NOCHANGE:g} s: {same.seconds:.2f} s — "
            f"{'met' if same.seconds < GOAL_NOCHANGE else 'NOT met'}"
        )
    return 0


def _fails(res: runner.BuildResult) -> str:
    return f"{len(res.failures)} failed" if res.failures else ""


if __name__ == "__main__":
    sys.exit(main())
