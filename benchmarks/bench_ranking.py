"""Benchmark: the ranking among gminas of the same class (``citybank.ranking``) for every gmina of Poland against
the same computation for one city, in one run. Goal (issue 19): ranking all gminas costs at most 10× one city.

Both runs start from the national exports already read (reading them is shared and printed on its own line);
"one city" keeps only that gmina's rows, but its class statistics still need every member of its class, so most
of the work (pivot, derived measures, ISO indicators, grouped rank and quantiles) is the same.

    python benchmarks/bench_ranking.py [--terc 2474011] [--repeat 5]
"""

from __future__ import annotations

import argparse
import time

from citybank import ranking
from citybank.indicators import load_catalogue
from citybank.params import registry
from citybank.params.national import load_national


def _best(fn, repeat: int) -> tuple[float, int]:
    times, rows = [], 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = len(fn())
        times.append(time.perf_counter() - t0)
    return min(times), rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--terc", default=None, help="the one city (default: the city of params/city.yml)")
    ap.add_argument("--repeat", type=int, default=5, help="runs of each; the best is printed (default 5)")
    args = ap.parse_args()
    reg = registry()
    nat = load_national(reg)
    if nat is None:
        raise SystemExit("params/national.yml is absent: nothing to rank")
    terc = args.terc or reg.city.terc
    catalogue = load_catalogue(reg)
    t0 = time.perf_counter()
    frame = ranking.national_frame(nat)
    read = time.perf_counter() - t0
    print(f"read the national exports: {len(frame):,} values of {frame['territory'].nunique():,} units in {read:.2f} s")
    one, one_rows = _best(lambda: ranking.compute(frame, nat, catalogue, territories=[terc]), args.repeat)
    every, all_rows = _best(lambda: ranking.compute(frame, nat, catalogue), args.repeat)
    gminas = int(ranking.compute(frame, nat, None)["territory"].nunique())
    print(f"{'run':<34} {'best s':>8} {'rows':>10}")
    print(f"{'one city (' + terc + ')':<34} {one:8.2f} {one_rows:>10,}")
    print(f"{f'every gmina ({gminas:,})':<34} {every:8.2f} {all_rows:>10,}")
    ratio = every / one
    print(f"all gminas / one city: {ratio:.1f}× (goal: at most 10×) — {'met' if ratio <= 10 else 'NOT met'}")
    print(f"per gmina: {every / gminas * 1000:.2f} ms (best of {args.repeat} runs each)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
