"""Handlers of the build commands: plan, build, status, render, prepare, report."""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import sys
from pathlib import Path

from ..errors import UserError
from ..newcity import describe_and_write, read_codes, status_words
from ..params import registry
from ..paths import PATHS
from ..pipeline import prepare, report, report_gminas, report_workspace, workspaces_for
from ..render import render_year
from ..runner import INFRASTRUCTURE, NOTEBOOK, Failure, make_executor, plan, run_tasks, status
from ..util import dumps_json
from .data import known_year


def _tasks(year_arg: int | None):
    year = known_year(year_arg)
    return year, plan(year, registry())


def cmd_plan(args: argparse.Namespace) -> int:
    year, tasks = _tasks(args.year)
    if args.json:
        sys.stdout.write(dumps_json([t.to_json() for t in tasks]))
        return 0
    for t in tasks:
        missing = "" if t.path(t.notebook).is_file() else "   (notebook not found yet)"
        params = ", ".join(f"{k}={v}" for k, v in t.parameters.items())
        print(f"{t.id:<28} {t.notebook:<32} {params}{missing}")
    print(f"{len(tasks)} tasks for {year}; outputs under reports/{year}/notebooks/")
    return 0


def print_failures(failures: list[Failure], root: Path) -> None:
    def short(p: str | None) -> str:
        if not p:
            return "-"
        with contextlib.suppress(ValueError):
            return str(Path(p).relative_to(root))
        return p

    for kind, what, todo in (
        (NOTEBOOK, "an error in the notebook", "open the executed notebook for the cell and its traceback"),
        (
            INFRASTRUCTURE,
            "the notebook could not be run (its kernel did not start, tried twice)",
            "not a fault of the notebook: the machine may be short of memory or disk; run the build again "
            "(finished notebooks are kept) and see the log",
        ),
    ):
        group = [f for f in failures if f.kind == kind]
        if not group:
            continue
        print(f"\n{len(group)} task(s) failed — {what}; what to do: {todo}.", file=sys.stderr)
        for f in group:
            print(f"  {f.task}\n    error:    {f.error}", file=sys.stderr)
            if f.notebook or f.log:
                print(f"    notebook: {short(f.notebook)}\n    log:      {short(f.log)}", file=sys.stderr)


def cmd_build(args: argparse.Namespace) -> int:
    year, tasks = _tasks(args.year)
    if args.only:
        patterns = [p.strip() for p in args.only.split(",") if p.strip()]
        tasks = [t for t in tasks if any(fnmatch.fnmatch(t.id, p) for p in patterns)]
        if not tasks:
            raise UserError(f"no task of {year} matches --only {args.only!r}; see `citybank plan --year {year}`")
    executor = make_executor(args.executor, args.scheduler, args.jobs)
    res = run_tasks(tasks, jobs=args.jobs, timeout=args.timeout, force=args.force, executor=executor)
    print(
        f"build {year}: {len(res.executed)} executed, {len(res.skipped)} up to date, "
        f"{len(res.failures)} failed in {res.seconds:.1f} s (timings: build/{year}/timings.csv)"
    )
    if res.failures:
        print_failures(res.failures, tasks[0].root)
        return 1
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    year, tasks = _tasks(args.year)
    reasons = status(tasks)
    stale = {k: v for k, v in reasons.items() if v}
    for tid, why in stale.items():
        print(f"{tid:<28} {'; '.join(why)}")
    print(f"{year}: {len(tasks) - len(stale)} of {len(tasks)} tasks up to date, {len(stale)} stale")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """``citybank render``: render, print what was written and every failure; 1 when anything failed."""
    year = known_year(args.year)
    result = render_year(year, args.lang, args.format, args.engine)
    if args.only:  # pages left out on purpose (not built) are no failure; every other failure still is
        patterns = _split(args.only) or []
        pages = {t.id for t in plan(year, registry())}
        kept = [f for f in result.failures if f.split(":", 1)[0] not in pages or any(
            fnmatch.fnmatch(f.split(":", 1)[0], p) for p in patterns)]  # fmt: skip
        left = len(result.failures) - len(kept)
        result.failures[:] = kept
        if left:
            print(f"  {left} page(s) not built (--only {args.only}): left out of the report")
    root = PATHS.root
    for out in result.outputs:
        print(f"  wrote {out.relative_to(root) if out.is_relative_to(root) else out}")
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items())
    print(f"render {year} ({result.engine}): {len(result.outputs)} outputs; {timing}")
    if result.failures:
        print(f"{len(result.failures)} chapter(s)/format(s) could not be built:", file=sys.stderr)
        for f in result.failures:
            print(f"  - {f}", file=sys.stderr)
        return 1
    return 0


def cmd_prepare(args: argparse.Namespace) -> int:
    job = prepare(known_year(args.year))
    job.print_summary()
    return 1 if job.failures else 0


def _split(text: str | None) -> list[str] | None:
    return [x.strip() for x in text.split(",") if x.strip()] if text else None


def cmd_new_city(args: argparse.Namespace) -> int:
    ws = describe_and_write(args.terc, args.out, force=args.force)
    g = ws.gmina
    print(f"{g.name} ({g.terc}): {status_words(g)['en']}; population {g.population:,.0f} in {g.year}")
    print(f"  peers (same kind, nearest in population in {g.year}): " + ", ".join(f"{n} ({c})" for c, n, _ in ws.peers))
    print(f"  years {ws.years[0]}–{ws.years[-1]}; {len(ws.files)} files written under {ws.root}")
    print(f"build its baseline report: citybank report --params {ws.root}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    only, formats = _split(args.only), _split(args.format)
    if args.params and args.cities:
        raise UserError("--params and --cities: give one of them")
    executor = make_executor(args.executor, args.scheduler, args.jobs)
    if args.cities:
        gminas = workspaces_for(read_codes(args.cities), args.out)
        year = (
            args.year if args.year is not None else registry(next(iter(gminas.values())) / "params").city.default_year
        )
        langs = _split(args.lang) or ["pl", "en", "de"]
        job = report_gminas(year, gminas, langs, jobs=args.jobs, executor=executor, only=args.only)
        job.print_summary()
        print(f"\nReports of {len(gminas)} gmina(s): {args.out}/<terc>-<name>/reports/{year}/")
        return 1 if job.failures else 0
    if args.params:
        job = report_workspace(
            args.params, args.year, _split(args.lang), args.jobs, only=only, formats=formats, executor=executor
        )
        year = job.year
    else:
        year = known_year(args.year)
        langs = _split(args.lang) or list(registry().city.languages)
        job = report(year, langs, jobs=args.jobs, only=only, formats=formats, executor=executor)
    job.print_summary()
    site = PATHS.year_report(year) / "site" / "index.html"
    print(f"\nThe report of {year} is ready: {site}")
    print(f"PDF and DOCX: {PATHS.year_report(year)}/report_<lang>.pdf|.docx; manifest: {job.manifest}")
    if any(PATHS.year_report(year).glob("residents_*.pdf")):
        print(f"For residents (two pages): {PATHS.year_report(year)}/residents_<lang>.pdf")
    return 1 if job.failures else 0
