"""Handlers of ``citybank survey validate|weight|estimate|code|sample|draft|questionnaire``: plain values into
lib/citybank/survey/ (the draft and the questionnaire import their modules inside the command)."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from ..errors import UserError
from ..paths import PATHS
from ..safety import safe_frame
from ..util import write_bytes_atomic, write_text_atomic


def _survey():
    from ..params import registry  # lazy: the CLI answers at once
    from ..params.survey import load_survey  # lazy: the CLI answers at once

    s = load_survey(registry())
    if s is None:
        raise UserError("no params/survey.yml: describe the survey first (see the comments of the bundled one)")
    return s


def _raw(args: argparse.Namespace) -> Path:
    return Path(args.raw) if getattr(args, "raw", None) else PATHS.raw


def _with_bank_margins(s):
    """The survey with the margins it is raked to (``survey.margins.margins_in_use``, as in the build) and the table
    of their sources; what the analyst should know about them is printed."""
    from ..params import registry  # lazy: the CLI answers at once
    from ..survey.margins import margins_in_use  # lazy: the CLI answers at once

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
    sp.add_argument("action", choices=["sample", "validate", "weight", "estimate", "code", "draft", "questionnaire"])
    sp.add_argument("--raw", metavar="DIR", help="folder of the raw files (default: data/raw)")
    sp.add_argument(
        "--out",
        metavar="DIR",
        help="estimate: write the tables as CSV there (default: the result tables, Parquet); code: folder of its files "
        "(default: data/results/survey); draft: the YAML (default params/survey.yml when absent); questionnaire: the .lss",
    )
    sp.add_argument(
        "--structure",
        metavar="FILE",
        help="draft: the survey's structure — LimeSurvey .lss, queXML, LimeSurvey's tab-separated .txt, or a .sav",
    )
    sp.add_argument("--responses", metavar="FILE", nargs="+", help="draft: the responses export(s), checked for drift")
    sp.add_argument("--mode", choices=["CAWI", "CATI"], help="draft: how the answers were collected (default: CAWI, "
                    "CATI for a .sav)")  # fmt: skip
    sp.add_argument("--language", metavar="LANG", help="draft: the language of a .sav or queXML (default: pl / en)")
    sp.add_argument("--force", action="store_true", help="draft, questionnaire: replace an existing output file")


def cmd_survey(args: argparse.Namespace) -> int:
    if args.action == "draft":
        return _draft(args)
    # the survey package (pandas) only when the command runs: `citybank --help` stays light
    from ..params import registry  # lazy: the CLI answers at once
    from ..sample.survey import survey_files  # lazy: the CLI answers at once
    from ..survey import load_survey_data  # lazy: the CLI answers at once
    from ..survey.store import compute_all  # lazy: the CLI answers at once
    from ..survey.tables import write_tables  # lazy: the CLI answers at once
    from ..survey.weighting import all_schemes  # lazy: the CLI answers at once

    s = _survey()
    if args.action == "questionnaire":
        return _questionnaire(s, args)
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
        counts = Counter(p.check for p in data.problems if p.check not in ERROR_CHECKS)
        if len(counts):
            print("exclusions and notes by check: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
        errors = [p for p in data.problems if p.check in ERROR_CHECKS]
        if errors:
            print(f"{len(errors)} error(s): the export does not match params/survey.yml (the other problems are "
                  "routine exclusions, reported and quarantined)")  # fmt: skip
        return 1 if errors else 0
    if args.action == "weight":
        for name, w in all_schemes(data.respondents, s.margins).items():
            m = w.summary
            print(f"{name:>10}: n {m['n']}, sweeps {m['iterations']}, weights {m['weight_min']:.1f}–{m['weight_max']:.1f} "
                  f"(ratio {m['weight_ratio']:.2f}), Kish deff {m['kish_deff']:.3f}, effective n {m['n_effective']:.0f}, "
                  f"largest margin difference {m['max_margin_difference']:.2e}")  # fmt: skip
            for note in w.notes:
                print(f"{'':>12}{note}")
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
        print(f"{len(files)} tables written under {out}{tag}; standard errors: "
              + ("linearised for raking (calibration)" if s.variance == "calibration" else "fixed weights"))  # fmt: skip
        return 0
    run = compute_all(registry(), raw)
    assert run is not None  # _survey() above found the survey
    print(f"{len(run.files)} tables written under {run.files[0].parent}{tag}")
    return 0


#: problems that mean params/survey.yml and the export disagree (exit 1); the others are routine exclusions (exit 0)
ERROR_CHECKS = {"structure"}


def _draft(args: argparse.Namespace) -> int:
    # imported here: only `survey draft` needs the structure readers (the CLI starts without them)
    from ..params import registry  # lazy: the CLI answers at once
    from ..survey.codebook import read_codebook  # the same: draft only
    from ..survey.draft import draft_survey, response_columns, submit_dates  # the same: draft only

    if not args.structure:
        raise UserError("survey draft needs --structure FILE (a LimeSurvey .lss, queXML, LimeSurvey's .txt or a .sav)")
    structure = Path(args.structure)
    cb = read_codebook(structure, args.language)
    mode = args.mode or ("CATI" if cb.source == "sav" else "CAWI")
    responses = [Path(r) for r in args.responses or ([structure] if cb.source == "sav" else [])]

    def rel(p: Path) -> str:
        try:
            return p.resolve().relative_to(PATHS.raw.resolve()).as_posix()
        except ValueError:
            return f"survey/{p.name}"

    cols = [(rel(p), response_columns(p)) for p in responses]
    dates = sorted(d for p in responses for d in submit_dates(p, "submitdate"))
    reg = registry()
    current = reg.extra.get("survey") if isinstance(reg.extra.get("survey"), dict) else None
    text, messages = draft_survey(cb, mode=mode, city=reg.city, responses=cols, structure_rel=rel(structure),
                                  current=current, dates=dates)  # fmt: skip
    out = Path(args.out) if args.out else PATHS.params / "survey.yml"
    if out.exists() and not args.force:
        raise UserError(f"{out} exists; give --out FILE for the draft, or --force to replace it")
    for m in messages:
        print("  " + m)
    write_text_atomic(out, text)
    print(f"draft written: {out} ({len(cb.items)} questions read from {cb.source}) — review the lines marked REVIEW")
    if not args.out or out.resolve() != (PATHS.params / "survey.yml").resolve():
        print("then copy it to params/survey.yml and put the exports under data/raw/ at the paths it names")
    return 0


def _questionnaire(s, args: argparse.Namespace) -> int:
    from ..params import registry  # lazy: the CLI answers at once
    from ..survey.questionnaire import write_lss  # only this command writes a questionnaire

    if not args.out:
        raise UserError("survey questionnaire needs --out FILE.lss")
    out = Path(args.out)
    if out.exists() and not args.force:
        raise UserError(f"{out} exists; use --force to replace it")
    write_text_atomic(out, write_lss(s, {d.code: d.name for d in registry().city.districts}))
    print(f"written {out}: {len(s.questions)} closed and {len(s.open_questions)} open questions in pl, en, de — import "
          "it in LimeSurvey (Create survey → Import)")  # fmt: skip
    return 0


def _code(s, data, raw: Path, out: Path, tag: str) -> int:
    from ..params import registry  # lazy: the CLI answers at once
    from ..params.survey import link_notes, stale_links  # lazy: the CLI answers at once
    from ..params.survey_coding import load_coding  # lazy: the CLI answers at once
    from ..survey.coding import run_coding, write_coding  # lazy: the CLI answers at once
    from ..survey.weighting import weight  # lazy: the CLI answers at once

    reg = registry()
    coding = load_coding(reg)
    if coding is None:
        raise UserError("no params/survey_coding.yml: write the codebook of the open answers first")
    if stale_links(reg, "survey_coding"):
        raise UserError(link_notes(reg)[-1] + ": write the codebook of this survey's open answers first")
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
