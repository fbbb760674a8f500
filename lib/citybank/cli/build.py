"""Handlers of the build commands: plan, build, status, render, prepare, report."""

from __future__ import annotations

import argparse
import contextlib
import fnmatch
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import UserError
from ..paths import PATHS

if TYPE_CHECKING:
    from ..runner import Failure

# Each command imports what it runs when it runs: `citybank --help` imports no params (pydantic), and `build`,
# `plan` and `status` only the params and the runner's planning and cache — never the pipeline, the renderer or
# new-city (pandas, matplotlib, nbformat, Typst) — so that a build with nothing to do answers at once (README,
# Performance; tests/test_cli.py).


def known_year(year: int | None) -> int:
    """The --year given (or the default of params/city.yml), when params/years/<year>.yml exists."""
    from ..params import registry, year_or_default  # lazy: the CLI answers at once

    reg = registry()
    year = year_or_default(year, reg)
    if year not in reg.years:
        raise UserError(
            f"year {year} has no params/years/{year}.yml; known years: {', '.join(map(str, sorted(reg.years)))}. "
            "Add the year first (README, 'A new year')."
        )
    return year


def _tasks(year_arg: int | None):
    from ..params import registry  # lazy: the CLI answers at once
    from ..runner import plan  # lazy: the CLI answers at once

    year = known_year(year_arg)
    return year, plan(year, registry())


def cmd_plan(args: argparse.Namespace) -> int:
    year, tasks = _tasks(args.year)
    if args.json:
        from ..util import dumps_json  # lazy: the CLI answers at once

        sys.stdout.write(dumps_json([t.to_json() for t in tasks]))
        return 0
    for t in tasks:
        missing = "" if t.path(t.notebook).is_file() else "   (notebook not found yet)"
        params = ", ".join(f"{k}={v}" for k, v in t.parameters.items())
        print(f"{t.id:<28} {t.notebook:<32} {params}{missing}")
    print(f"{len(tasks)} tasks for {year}; outputs under reports/{year}/notebooks/")
    return 0


def print_failures(failures: list[Failure], root: Path) -> None:
    from ..runner import INFRASTRUCTURE, NOTEBOOK  # lazy: the CLI answers at once

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
    from .. import snapshot  # lazy: the CLI answers at once

    whole_year = not args.only and not args.force
    same = snapshot.unchanged(PATHS.root, args.year) if whole_year else None
    if same:  # not one file the plan and its keys were made from has changed since the last whole build
        year, n = same
        print(f"build {year}: 0 executed, {n} up to date, 0 failed (nothing changed since the last build)")
        return 0
    year, tasks = _tasks(args.year)
    if args.only:
        patterns = [p.strip() for p in args.only.split(",") if p.strip()]
        tasks = [t for t in tasks if any(fnmatch.fnmatch(t.id, p) for p in patterns)]
        if not tasks:
            raise UserError(f"no task of {year} matches --only {args.only!r}; see `citybank plan --year {year}`")
    from ..runner import make_executor, run_tasks  # lazy: the CLI answers at once

    executor = make_executor(args.executor, args.scheduler, args.jobs)
    res = run_tasks(tasks, jobs=args.jobs, timeout=args.timeout, force=args.force, executor=executor)
    print(
        f"build {year}: {len(res.executed)} executed, {len(res.skipped)} up to date, "
        f"{len(res.failures)} failed in {res.seconds:.1f} s (timings: build/{year}/timings.csv)"
    )
    if res.failures:
        print_failures(res.failures, tasks[0].root)
        return 1
    if not args.only and res.ok and all(t.root == PATHS.root for t in tasks):
        from ..runner import KEY_PACKAGES, LIB_ROOT  # lazy: the CLI answers at once

        snapshot.write(PATHS.root, args.year, year, tasks, LIB_ROOT, list(KEY_PACKAGES))
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from ..runner import status  # lazy: the CLI answers at once

    year, tasks = _tasks(args.year)
    reasons = status(tasks)
    stale = {k: v for k, v in reasons.items() if v}
    for tid, why in stale.items():
        print(f"{tid:<28} {'; '.join(why)}")
    print(f"{year}: {len(tasks) - len(stale)} of {len(tasks)} tasks up to date, {len(stale)} stale")
    return 0


def cmd_render(args: argparse.Namespace) -> int:
    """``citybank render``: render, print what was written and every failure; 1 when anything failed."""
    from ..render import render_year  # lazy: the CLI answers at once
    from ..runner import plan  # lazy: the CLI answers at once
    from ..workbench import Workbench  # lazy: the CLI answers at once

    year = known_year(args.year)
    wb = Workbench.at()
    result = render_year(year, args.lang, args.format, args.engine, paths=wb.paths)
    if args.only:  # pages left out on purpose (not built) are no failure; every other failure still is
        patterns = _split(args.only) or []
        pages = {t.id for t in plan(year, wb.params)}
        kept = [f for f in result.failures if f.split(":", 1)[0] not in pages or any(
            fnmatch.fnmatch(f.split(":", 1)[0], p) for p in patterns)]  # fmt: skip
        left = len(result.failures) - len(kept)
        result.failures[:] = kept
        if left:
            print(f"  {left} page(s) not built (--only {args.only}): left out of the report")
    root = wb.root
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
    from ..pipeline import prepare  # lazy: the CLI answers at once
    from ..workbench import Workbench  # lazy: the CLI answers at once

    job = prepare(known_year(args.year), wb=Workbench.at())
    job.print_summary()
    return 1 if job.failures else 0


def _split(text: str | None) -> list[str] | None:
    return [x.strip() for x in text.split(",") if x.strip()] if text else None


def cmd_new_city(args: argparse.Namespace) -> int:
    from ..newcity import describe_and_write, status_words  # lazy: the CLI answers at once

    ws = describe_and_write(args.terc, args.out, force=args.force)
    g = ws.gmina
    print(f"{g.name} ({g.terc}): {status_words(g)['en']}; population {g.population:,.0f} in {g.year}")
    print(f"  peers (same kind, nearest in population in {g.year}): " + ", ".join(f"{n} ({c})" for c, n, _ in ws.peers))
    print(f"  years {ws.years[0]}–{ws.years[-1]}; {len(ws.files)} files written under {ws.root}")
    print(f"build its baseline report: citybank report --params {ws.root}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from ..newcity import read_codes  # lazy: the CLI answers at once
    from ..params import registry  # lazy: the CLI answers at once
    from ..pipeline import report, report_gminas, workspaces_for  # lazy: the CLI answers at once
    from ..runner import make_executor  # lazy: the CLI answers at once
    from ..workbench import Workbench  # lazy: the CLI answers at once

    only, formats = _split(args.only), _split(args.format)
    if args.params and args.cities:
        raise UserError("--params and --cities: give one of them")
    executor = make_executor(args.executor, args.scheduler, args.jobs)
    if args.cities:
        gminas = workspaces_for(read_codes(args.cities), args.out, Workbench.at())
        year = (
            args.year if args.year is not None else registry(next(iter(gminas.values())) / "params").city.default_year
        )
        langs = _split(args.lang) or ["pl", "en", "de"]
        job = report_gminas(year, gminas, langs, jobs=args.jobs, executor=executor, only=args.only)
        job.print_summary()
        print(f"\nReports of {len(gminas)} gmina(s): {args.out}/<terc>-<name>/reports/{year}/")
        return 1 if job.failures else 0
    if args.params:  # a gmina workspace: its own params, data and reports, never the sample city
        wb = Workbench.workspace(args.params)
        year = args.year if args.year is not None else wb.params.city.default_year
        langs = _split(args.lang) or list(wb.params.city.languages)
    else:
        wb = Workbench.at()
        year = known_year(args.year)
        langs = _split(args.lang) or list(wb.params.city.languages)
    job = report(
        year, langs, jobs=args.jobs, only=only, formats=formats, sample=not args.params, executor=executor, wb=wb
    )
    job.print_summary()
    out = wb.paths.year_report(year)
    print(f"\nThe report of {year} is ready: {out / 'site' / 'index.html'}")
    print(f"PDF and DOCX: {out}/report_<lang>.pdf|.docx; manifest: {job.manifest}")
    if any(out.glob("residents_*.pdf")):
        print(f"For residents (two pages): {out}/residents_<lang>.pdf")
    return 1 if job.failures else 0
