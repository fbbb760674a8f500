"""Benchmark: one build of many gminas' reports, with the local warm workers and with Dask on a LocalCluster of
this machine; the cost per gmina as the number of gminas grows (goal: it does not grow).

Each gmina is a workbench (``<tmp>/gminas/<TERC>/``) with a copy of params/ under another name and the
checkout's sample data linked in — what ``citybank new-city`` will write, here made by copying so that the
benchmark runs offline and without the national files. The page set is reduced (``--pages``, default: three
category pages, the ISO overview, strategy and consistency in Polish: 6 notebooks per gmina) so that 20
gminas build in minutes; every gmina's tasks are planned as ONE build (``citybank.runner.plan_gminas``).

For each executor and each count: the cold build (wall seconds, per gmina, per notebook) and the no-change
rebuild. The Dask figures include the warm processes' start on the workers (once per build) but not the
cluster's own start, printed apart. Everything is written under a temporary folder.

    python benchmarks/bench_gminas.py                     # 5 and 20 gminas, local and dask, 2 workers
    python benchmarks/bench_gminas.py --counts 2,4 --executors local
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

PAGES = "pl/category-ludnosc,pl/category-ekologia,pl/category-transport,pl/iso-overview,pl/strategy,pl/consistency"
GOAL_GROWTH = 1.10  # cost per gmina at the largest count / at the smallest


def sample_data(tmp: Path) -> Path:
    """The checkout's data/ when it holds the bank, else the sample year prepared once in a temporary copy."""
    if (PATHS.data / "bank" / "bank.parquet").is_file():
        return PATHS.data
    base = tmp / "base"
    shutil.copytree(PATHS.params, base / "params")
    shutil.copy2(PATHS.root / "pyproject.toml", base / "pyproject.toml")
    print("no bank in the checkout: running `citybank prepare` in a temporary copy first", flush=True)
    subprocess.run(
        [sys.executable, "-m", "citybank", "prepare"],
        check=True,
        cwd=base,
        env={**os.environ, "CITYBANK_ROOT": str(base)},
    )
    return base / "data"


def gminas(folder: Path, n: int, data: Path) -> dict[str, Path]:
    """``n`` gmina workbenches: params/ copied under another name and code-like folder, data linked."""
    city = PATHS.params / "city.yml"
    text = city.read_text(encoding="utf-8")
    roots = {}
    for i in range(n):
        code = f"24{i:02d}011"
        root = folder / code
        shutil.copytree(PATHS.params, root / "params")
        (root / "params" / "city.yml").write_text(
            text.replace("name: Siemianowice Śląskie\n", f"name: Gmina {i + 1}\n", 1), encoding="utf-8"
        )
        (root / "data").symlink_to(data)
        roots[code] = root
    return roots


def build(roots: dict[str, Path], year: int, pages: list[str], executor, jobs: int) -> tuple[float, float, int, int]:
    tasks = [
        t for t in runner.plan_gminas(year, roots) if any(fnmatch.fnmatch(t.id.split("/", 1)[1], p) for p in pages)
    ]
    t0 = time.perf_counter()
    cold = runner.run_tasks(tasks, jobs=jobs, timeout=600, progress=False, executor=executor())
    cold_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    again = runner.run_tasks(tasks, jobs=jobs, timeout=600, progress=False, executor=executor())
    again_s = time.perf_counter() - t0
    if cold.failures:
        print(f"  {len(cold.failures)} failure(s), e.g. {cold.failures[0].task}: {cold.failures[0].error}")
    assert again.executed == [], "a no-change rebuild executed notebooks"
    return cold_s, again_s, len(cold.executed), len(tasks)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--counts", default="5,20", help="numbers of gminas (default 5,20)")
    ap.add_argument("--executors", default="local,dask", help="local, dask or both (default)")
    ap.add_argument("--pages", default=PAGES, help=f"task patterns per gmina (default {PAGES})")
    ap.add_argument("--jobs", type=int, default=2, help="workers, for both executors (default 2)")
    ap.add_argument("--year", type=int, default=2024)
    args = ap.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    pages = [p.strip() for p in args.pages.split(",") if p.strip()]
    executors = [e.strip() for e in args.executors.split(",") if e.strip()]
    print(
        f"bench_gminas: {os.cpu_count()} CPU(s), {args.jobs} workers; {len(pages)} pages per gmina: {', '.join(pages)}"
    )
    rows = []
    with tempfile.TemporaryDirectory(prefix="citybank-gminas-") as tmp_name:
        tmp = Path(tmp_name)
        data = sample_data(tmp)
        client = cluster = None
        try:
            for name in executors:
                if name == "dask":
                    import distributed  # only here: the local runs do not need it
                    from citybank.runner.dask_executor import DaskExecutor  # only here, with distributed

                    t0 = time.perf_counter()
                    cluster = distributed.LocalCluster(
                        n_workers=args.jobs, threads_per_worker=1, processes=True, dashboard_address=None
                    )
                    client = distributed.Client(cluster, timeout=60)
                    client.wait_for_workers(args.jobs, timeout=60)
                    print(
                        f"dask: LocalCluster of {args.jobs} worker processes started in {time.perf_counter() - t0:.1f} s"
                    )

                    def make(c=client):
                        return DaskExecutor(client=c)
                else:

                    def make():
                        return runner.LocalExecutor(args.jobs)

                for n in counts:
                    roots = gminas(tmp / f"{name}-{n}", n, data)
                    cold, again, executed, total = build(roots, args.year, pages, make, args.jobs)
                    rows.append((name, n, executed, total, cold, again))
                    print(
                        f"{name:<6} {n:>3} gminas: {executed}/{total} notebooks in {cold:7.1f} s — {cold / n:5.2f} s per "
                        f"gmina, {cold / max(executed, 1):5.2f} s per notebook; no-change rebuild {again:5.2f} s",
                        flush=True,
                    )
        finally:
            if client is not None:
                client.close(timeout=60)
            if cluster is not None:
                cluster.close(timeout=60)
    print("\nexecutor  gminas  notebooks  cold s  s/gmina  s/notebook  no-change s")
    for name, n, executed, total, cold, again in rows:
        print(
            f"{name:<8} {n:>7} {executed:>6}/{total:<4} {cold:7.1f} {cold / n:8.2f} {cold / max(executed, 1):11.2f} {again:12.2f}"
        )
    ok = True
    for name in executors:
        mine = sorted((n, cold / n) for e, n, _, _, cold, _ in rows if e == name)
        if len(mine) >= 2:
            growth = mine[-1][1] / mine[0][1]
            met = growth <= GOAL_GROWTH
            ok &= met
            print(
                f"{name}: cost per gmina at {mine[-1][0]} gminas = {growth:.2f}× that at {mine[0][0]} "
                f"(goal ≤ {GOAL_GROWTH:.2f}×): {'met' if met else 'NOT met'}"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
