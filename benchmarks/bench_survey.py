"""Benchmark: the residents' survey stages on the bundled synthetic sample (297 CATI + 298 CAWI).

Prints the seconds of each stage — read + validate (both exports, every check), weight (raking, three schemes),
estimate (12 questions × 3 schemes × city, 5 districts, 2 modes, with district tests), disclosure control, writing
the result tables, coding the open answers — the best of ``--repeat`` runs, and the whole stage as the build runs it
(``citybank.survey.store.compute_all``). Goal: every stage, and the whole, under one minute. The raw files are
generated into a temporary folder (nothing under data/ is touched except by the last line, which runs the
build's stage and rewrites data/results/survey/).

    .venv/bin/python benchmarks/bench_survey.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from citybank.params import registry
from citybank.params.survey import load_survey
from citybank.params.survey_coding import load_coding
from citybank.sample.survey import survey_files
from citybank.survey import load_survey_data
from citybank.survey.coding import run_coding
from citybank.survey.estimate import estimates
from citybank.survey.store import compute_all
from citybank.survey.tables import apply_suppression, build_tables
from citybank.survey.weighting import all_schemes

GOAL_SECONDS = 60.0


def best(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    survey = load_survey(registry())
    if survey is None:
        print("no params/survey.yml: nothing to measure")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp)
        t_sample, _ = best(
            lambda: [
                (raw / rel).parent.mkdir(parents=True, exist_ok=True) or (raw / rel).write_bytes(data)
                for rel, data in survey_files(survey)
            ],
            1,
        )
        t_read, data = best(lambda: load_survey_data(survey, raw), args.repeat)
        t_weight, weightings = best(lambda: all_schemes(data.respondents, survey.margins), args.repeat)
        t_est, est = best(lambda: estimates(data, survey, weightings), args.repeat)
        t_sup, _ = best(lambda: apply_suppression(est, survey.disclosure.min_count), args.repeat)
        t_tables, _ = best(lambda: build_tables(data, survey), 1)
        reg = registry()
        coding = load_coding(reg)
        t_code, _ = best(lambda: coding and run_coding(data, survey, coding, weightings["full"], reg.root, raw), 1)
        t_stage, run = best(lambda: compute_all(registry(), raw), 1)
    rows = [
        ("generate the synthetic exports", t_sample),
        (f"read + validate ({len(data.respondents)} kept, {len(data.problems)} problems)", t_read),
        ("weight (3 schemes, raking)", t_weight),
        (f"estimate ({len(est)} shares with CI, deff, tests)", t_est),
        ("disclosure control (primary + secondary, audit)", t_sup),
        ("weight + estimate + suppress (all tables)", t_tables),
        ("code the open answers (rules, overrides, shares, kappa, quotes)", t_code),
        ("the build's survey stage (read → tables written)", t_stage),
    ]
    print(f"survey stages on the synthetic sample (best of {args.repeat}; goal: each under {GOAL_SECONDS:.0f} s)")
    for name, secs in rows:
        print(f"  {name:<66} {secs:8.2f} s  {'OK' if secs < GOAL_SECONDS else 'OVER THE GOAL'}")
    assert run is not None
    return 0 if all(secs < GOAL_SECONDS for _, secs in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
