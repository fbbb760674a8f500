"""Benchmark: reading the three national GUS BDL exports (CTAB) with ``citybank.ingest.bdl.read_bdl_ctab``.

Prints, per export: rows (values), seconds, values per second and peak traced memory; then a baseline in the
same process — a straightforward pandas ``read_csv`` followed by a per-row, per-cell Python loop building the
same tidy table — on one export, and the speed ratio. Reads the real exports shipped in data/raw/national.

    .venv/bin/python benchmarks/bench_bdl_ingest.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import tracemalloc
from pathlib import Path

import pandas as pd
from citybank.ingest.bdl import read_bdl_ctab
from citybank.paths import PATHS

EXPORTS = [
    "RYNE_1944_registered_unemployed_2003-2024.csv",
    "LUDN_population_by_economic_age_2010-2019.csv",
    "FINA_gmina_revenues_2010-2019.csv",
]


def naive_ctab(path: Path) -> pd.DataFrame:
    """What one writes first: read_csv, then loop over rows and cells in Python."""
    table = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    rows = []
    for _, r in table.iterrows():
        code = str(r.iloc[0]).zfill(7)
        for header in table.columns[2:]:
            m = re.match(r"^(.*);(\d{4});\[(.*)\]$", str(header))
            cell = r[header]
            if not m or cell.strip() == "":
                continue
            level = (
                "country"
                if code == "0000000"
                else "voivodeship"
                if code.endswith("00000")
                else "powiat"
                if code.endswith("000")
                else "gmina"
            )
            rows.append(
                {
                    "code": code,
                    "name": r.iloc[1],
                    "level": level,
                    "variable": m[1],
                    "year": int(m[2]),
                    "value": float(cell.replace(",", ".")),
                    "unit": m[3],
                }
            )
    return pd.DataFrame(rows)


def measure(func, path: Path, repeat: int) -> tuple[int, float, float]:
    """(rows, best seconds over ``repeat`` runs, peak MiB traced in one run)."""
    best = float("inf")
    rows = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        rows = len(func(path))
        best = min(best, time.perf_counter() - t0)
    tracemalloc.start()
    func(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return rows, best, peak / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    folder = PATHS.raw / "national"
    if not folder.is_dir():
        print(f"skipped: {folder} is absent (the real BDL exports ship there: git checkout -- data/raw/national)")
        return 0
    print(f"{'export':<48} {'values':>9} {'seconds':>8} {'values/s':>12} {'peak MiB':>9}")
    total_rows, total_s = 0, 0.0
    for name in EXPORTS:
        rows, secs, peak = measure(read_bdl_ctab, folder / name, args.repeat)
        total_rows += rows
        total_s += secs
        print(f"{name:<48} {rows:>9,} {secs:>8.3f} {rows / secs:>12,.0f} {peak:>9.1f}")
    print(f"{'all three':<48} {total_rows:>9,} {total_s:>8.3f} {total_rows / total_s:>12,.0f}")
    base = folder / EXPORTS[0]
    rows_v, secs_v, peak_v = measure(read_bdl_ctab, base, args.repeat)
    rows_n, secs_n, peak_n = measure(naive_ctab, base, 1)
    assert rows_n == rows_v, f"baseline found {rows_n} values, read_bdl_ctab {rows_v}"
    print(
        f"\nbaseline on {base.name}: naive read_csv + per-row loop {secs_n:.3f} s ({rows_n / secs_n:,.0f} values/s, "
        f"peak {peak_n:.1f} MiB); read_bdl_ctab {secs_v:.3f} s (peak {peak_v:.1f} MiB) → {secs_n / secs_v:.1f}× faster"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
