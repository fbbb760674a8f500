"""Handlers of ``citybank survey validate|weight|estimate|code|sample``: plain values into lib/citybank/survey/."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import UserError
from ..params import registry
from ..params.survey import load_survey
from ..params.survey_coding import load_coding
from ..paths import PATHS
from ..safety import safe_frame
from ..sample.survey import survey_files
from ..survey import load_survey_data
from ..survey.coding import run_coding, write_coding
from ..survey.margins import margins_in_use
from ..survey.store import compute_all
from ..survey.tables import write_tables
from ..survey.weighting import all_schemes, weight
from ..util import write_bytes_atomic, write_text_atomic


def _survey():
    s = load_survey(registry())
    if s is None:
        raise UserError("no params/survey.yml: describe the survey first (see the comments of the bundled one)")
    return s


def _raw(args: argparse.Namespace) -> Path:
    return Path(args.raw) if getattr(args, "raw", None) else PATHS.raw


def _with_bank_margins(s):
    """The survey with the margins it is raked to (``survey.margins.margins_in_use``, as in the build) and the table
    of their sources; what the analyst should know about them is printed."""
    used = margins_in_use(s, PATHS, registry().city.terc)
    for note in used.notes:
        print(note)
    return used.survey, used.sources


def add_survey_parser(sub, add) -> None:
    sp = add(
        "survey",
        cmd_survey,
        "the residents' survey: validate, weight, estimate, code open answers (and the synthetic sample)",
    )
    sp.add_argument("action", choices=["sample", "validate", "weight", "estimate", "code"])
    sp.add_argument("--raw", metavar="DIR", help="folder of the raw files (default: data/raw)")
    sp.add_argument(
        "--out",
        metavar="DIR",
        help="estimate: write the tables as CSV there (default: the result tables, Parquet); code: folder of its files "
        "(default: data/results/survey)",
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
    if args.action in ("weight", "estimate", "code"):
        s, sources = _with_bank_margins(s)
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
    if args.action == "code":
        return _code(s, data, raw, Path(args.out) if args.out else PATHS.results / "survey", tag)
    if args.out:
        out = Path(args.out)
        files = write_tables(data, s, out)
        files.append(
            write_text_atomic(
                out / "survey_margin_sources.csv", safe_frame(sources).to_csv(index=False, lineterminator="\n")
            )
        )
        print(f"{len(files)} tables written under {out}{tag}")
        return 0
    run = compute_all(registry(), raw)
    assert run is not None  # _survey() above found the survey
    print(f"{len(run.files)} tables written under {run.files[0].parent}{tag}")
    return 0


def _code(s, data, raw: Path, out: Path, tag: str) -> int:
    reg = registry()
    coding = load_coding(reg)
    if coding is None:
        raise UserError("no params/survey_coding.yml: write the codebook of the open answers first")
    names = {d.code: d.name for d in reg.city.districts}
    result = run_coding(data, s, coding, weight(data.respondents, s.margins, "full"), reg.root, raw, names)
    files = write_coding(result, coding, s, out)
    src = result.coded["source"].value_counts()
    print(f"{result.coded[['respondent', 'question']].drop_duplicates().shape[0]} open answers coded with codebook "
          f"{coding.version} ({src.get('rule', 0)} codes by rules, {src.get('override', 0)} by overrides){tag}")  # fmt: skip
    pooled = result.agreement[result.agreement["measure"] == "kappa_pooled"]
    for r in pooled.itertuples():
        print(f"  {r.question} {r.pair}: Cohen's kappa (pooled over codes) {r.kappa:.3f} on {r.n} answers")
    print(f"  quote bank: {len(result.quotes)} quotes, {int(result.quotes['redacted'].sum())} redacted")
    for m in result.messages:
        print("  " + m)
    print(f"{len(files)} files written under {out}")
    return 0
