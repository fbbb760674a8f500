"""Handlers of ``citybank survey validate|weight|estimate|sample``: plain values into lib/citybank/survey/."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UserError
from ..params import registry
from ..params.survey import load_survey
from ..paths import PATHS
from ..sample.survey import survey_files
from ..survey import load_survey_data
from ..survey.store import compute_all
from ..survey.tables import write_tables
from ..survey.weighting import all_schemes
from ..util import write_bytes_atomic


def _survey():
    s = load_survey(registry())
    if s is None:
        raise UserError("no params/survey.yml: describe the survey first (see the comments of the bundled one)")
    return s


def _raw(args: argparse.Namespace) -> Path:
    return Path(args.raw) if getattr(args, "raw", None) else PATHS.raw


def add_survey_parser(sub, add) -> None:
    sp = add("survey", cmd_survey, "the residents' survey: validate, weight, estimate (and the synthetic sample)")
    sp.add_argument("action", choices=["sample", "validate", "weight", "estimate"])
    sp.add_argument("--raw", metavar="DIR", help="folder of the raw files (default: data/raw)")
    sp.add_argument(
        "--out", metavar="DIR", help="estimate: write the tables as CSV there (default: the result tables, Parquet)"
    )


def cmd_survey(args: argparse.Namespace) -> int:
    s = _survey()
    raw = _raw(args)
    if args.action == "sample":
        for rel, data in survey_files(s):
            write_bytes_atomic(raw / rel, data)
            print(f"written {raw / rel} (SYNTHETIC)")
        return 0
    data = load_survey_data(s, raw)
    tag = " — SYNTHETIC sample survey, not real answers" if s.synthetic else ""
    if args.action == "validate":
        resp = data.respondents
        print(f"{len(resp)} respondents kept ({', '.join(f'{m} {n}' for m, n in resp['mode'].value_counts().sort_index().items())}); "
              f"{len(data.problems)} problem(s){tag}")  # fmt: skip
        for p in data.problems:
            print("  " + p.line())
        return 1 if data.problems else 0
    if args.action == "weight":
        for name, w in all_schemes(data.respondents, s.margins).items():
            m = w.summary
            print(f"{name:>10}: n {m['n']}, sweeps {m['iterations']}, weights {m['weight_min']:.1f}–{m['weight_max']:.1f} "
                  f"(ratio {m['weight_ratio']:.2f}), Kish deff {m['kish_deff']:.3f}, effective n {m['n_effective']:.0f}, "
                  f"largest margin difference {m['max_margin_difference']:.2e}")  # fmt: skip
        print(f"margins: {s.margins.source.strip()}" + ("" if s.margins.verified else " [not verified]") + tag)
        return 0
    if args.out:
        files = write_tables(data, s, Path(args.out))
        print(f"{len(files)} tables written under {args.out}{tag}")
        return 0
    run = compute_all(registry(), raw)
    assert run is not None  # _survey() above found the survey
    print(f"{len(run.files)} tables written under {run.files[0].parent}{tag}")
    return 0
