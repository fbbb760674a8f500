"""The whole job, stage by stage:
params → sample (if no data) → bank → survey → results → published data → notebooks → report → manifest.

Every stage writes files the next one reads. A failing stage is reported and, where the later stages can
still do useful work (one broken dataset, one failed notebook), the job goes on and exits non-zero at the
end with the list of failures.

Every stage works on one :class:`~citybank.workbench.Workbench` (root, paths, params) that it is given (default:
the process's, ``CITYBANK_ROOT`` or the checkout): nothing process-wide changes, so ``report --cities`` prepares
and renders gmina after gmina in this one process.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from . import consistency, indicators, newcity, ranking, strategy
from .bank import build_bank
from .errors import UserError
from .manifest import write_manifest
from .params.national import load_national
from .paths import PATHS
from .publish import publish_year
from .rawdata import city_files
from .render import render_year
from .runner import plan, plan_gminas, run_tasks
from .sample import generate
from .survey import store as survey
from .workbench import Workbench


@dataclass
class Stage:
    name: str
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)


@dataclass
class JobReport:
    year: int
    stages: list[Stage] = field(default_factory=list)
    manifest: Path | None = None

    @property
    def failures(self) -> list[str]:
        return [f"{s.name}: {f}" for s in self.stages for f in s.failures]

    def print_summary(self, out=sys.stdout) -> None:
        print(f"\n== citybank {self.year}: summary ==", file=out)
        for s in self.stages:
            state = "OK" if not s.failures else f"{len(s.failures)} problem(s)"
            print(f"  {s.name:<22} {s.seconds:7.1f} s  {state}", file=out)
        if self.failures:
            print("\nProblems to look at:", file=out)
            for f in self.failures:
                print(f"  - {f}", file=out)


@contextlib.contextmanager
def _stage(report: JobReport, name: str) -> Iterator[Stage]:
    """Announce a stage, time it, and record it in the report (also when it raises)."""
    stage = Stage(name)
    t0 = time.perf_counter()
    print(f"» {name}", flush=True)
    try:
        yield stage
    finally:
        stage.seconds = time.perf_counter() - t0
        report.stages.append(stage)


def _has_data(raw: Path) -> bool:
    return raw.is_dir() and any(p.is_file() and not p.name.startswith(".") for p in raw.rglob("*"))


def ensure_raw_data(raw: Path | None = None) -> bool:
    """Generate the bundled sample city when data/raw holds no data file of the city (the national exports of
    ``data/raw/national``, shipped with the workbench, do not count). Returns True when generated."""
    raw = raw or PATHS.raw
    if raw.is_dir() and city_files(raw):
        return False
    generate(raw)
    return True


def select_tasks(tasks: list, patterns: list[str], what: str) -> list:
    """The tasks whose id matches one of the glob ``patterns`` (``--only``); a UserError naming the task ids the
    patterns could have matched when none does (``what``: the build, for the message)."""
    chosen = [t for t in tasks if any(fnmatch(t.id, p) for p in patterns)]
    if not chosen:
        raise UserError(no_match(patterns, [t.id for t in tasks], what))
    return chosen


def no_match(patterns: list[str], ids: list[str], what: str) -> str:
    """Why ``--only`` matched nothing, with the task ids it could have matched (a pattern missing its ``*/``
    prefix or a ``*``), else some of the ids there are.

    >>> print(no_match(["pl/overview"], ["2469011/pl/overview", "2474011/pl/overview", "2474011/en/overview"], "x"))
    --only pl/overview matches no task of x; it could have matched (as '*/pl/overview'): 2469011/pl/overview, 2474011/pl/overview
    """
    near: list[str] = []
    hints: list[str] = []
    for p in patterns:
        for wider in (f"*/{p}", f"*{p}*"):
            hit = [i for i in ids if fnmatch(i, wider) and i not in near]
            if hit:
                near.extend(hit)
                hints.append(f"'{wider}'")
                break
    head = f"--only {','.join(patterns)} matches no task of {what}"
    if near:
        shown = ", ".join(near[:20]) + (f", … ({len(near)} in all)" if len(near) > 20 else "")
        return f"{head}; it could have matched (as {' or '.join(hints)}): {shown}"
    shown = ", ".join(ids[:12]) + (f", … ({len(ids)} in all)" if len(ids) > 12 else "")
    return f"{head}; the task ids are: {shown or 'none'} (glob patterns: * any text)"


def prepare(
    year: int, report: JobReport | None = None, *, sample: bool = True, wb: Workbench | None = None
) -> JobReport:
    """Everything before the notebooks: params, data, bank, computed results, published datasets — of the
    workbench ``wb`` (default: the process's).

    ``sample``: generate the bundled sample city when data/raw is empty (never for a gmina workspace)."""
    report = report or JobReport(year)
    wb = wb or Workbench.at()
    paths = wb.paths
    with _stage(report, "check params"):
        reg = wb.params
        if year not in reg.years:
            raise UserError(f"there is no params/years/{year}.yml: add the year first (README, 'A new year')")
    with _stage(report, "raw data"):
        if sample and ensure_raw_data(paths.raw):
            print(f"  no data in {paths.raw}: generated the bundled SAMPLE city there")
    with _stage(report, "bank (ingest)") as st:
        result = build_bank(reg, paths.raw, paths, progress=True)
        st.failures.extend(f"dataset {ds}: {err}" for ds, err in sorted(result.failures.items()))
        rejected = len(result.quarantine)
        print(
            f"  {len(result.bank):,} values in the bank; {rejected:,} quarantined row(s) or problem(s)"
            f"{' (unchanged since the last run)' if result.cached else ''}"
        )
    with _stage(report, "survey") as st:
        survey_stage(reg, st, paths)
    with _stage(report, "indicators and checks"):
        indicators.compute_all(reg, paths=paths)
        consistency.compute_all(reg, paths=paths)
        strategy.compute_all(reg, paths=paths)
        try:
            ranking.compute_all(reg, paths=paths)
        except UserError as exc:  # the national exports are optional: the pages then say the ranking is absent
            print(f"  ranking among gminas skipped: {exc}")
    with _stage(report, "published datasets"):
        publish_year(year, reg, paths=paths)
    return report


def survey_stage(reg, stage: Stage, paths=None) -> None:
    """The residents' survey: margins (the bank's when params ask for them) → validate → weight → estimate →
    disclosure control → coding of the open answers, tables in data/results/survey.
    A broken survey (a missing or unreadable export, weights that do not reproduce the margins, an svy error) is
    listed as a failure and its stale tables removed; the build goes on (the strategy's survey indicators then
    have no data and the survey pages say there are no results)."""
    try:
        run = survey.compute_all(reg, paths=paths)
    except Exception as exc:  # whatever breaks one survey must not stop the rest of the build
        survey.clear_results(paths)
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        stage.failures.append(f"survey: {first}")
        print(f"  survey failed: {first}")
        return
    if run is None:
        print("  no params/survey.yml: no survey")
        return
    tag = " (SYNTHETIC sample survey)" if run.survey.synthetic else ""
    print(f"  {run.respondents} respondents kept, {run.problems} problem(s) quarantined{tag}")
    for note in run.notes:
        print(f"  {note}")


def report(
    year: int,
    langs: list[str],
    jobs: int | None = None,
    *,
    only: list[str] | None = None,
    formats: list[str] | None = None,
    sample: bool = True,
    executor=None,
    wb: Workbench | None = None,
) -> JobReport:
    """The whole job: :func:`prepare`, the notebooks of ``langs``, the report (HTML, PDF, DOCX), the manifest — of
    the workbench ``wb`` (default: the process's).

    ``only``: glob patterns of task ids (``pl/overview``, ``*/category-*``) — the other pages are not built;
    ``formats``: of the report (default html, pdf, docx); ``sample``: as in :func:`prepare`; ``executor``: see
    :func:`citybank.runner.make_executor` (default: the local warm workers)."""
    wb = wb or Workbench.at()
    job = prepare(year, sample=sample, wb=wb)
    with _stage(job, "notebooks") as st:
        tasks = [t for t in plan(year, wb.params) if t.parameters.get("lang") in langs]
        if only:
            tasks = select_tasks(tasks, only, f"{year} (citybank plan --year {year} lists them)")
        build = run_tasks(tasks, jobs=jobs, executor=executor)
        st.failures.extend(f"{f.task}: {f.error}" for f in build.failures)
    with _stage(job, "report (render)") as st:
        rendered = render_year(
            year, langs=langs, formats=formats or ["html", "pdf", "docx"], engine="auto", paths=wb.paths
        )
        built = {t.id for t in tasks}
        # with ``only``, a page left out on purpose is not a failure (its chapter says it was not built)
        for failure in rendered.failures:
            page = failure.split(":", 1)[0]
            if not only or "/" not in page or page in built:
                st.failures.append(failure)
    with _stage(job, "manifest"):
        job.manifest = write_manifest(year, extra={"languages": langs}, paths=wb.paths)
    return job


# ---------------------------------------------------------------------------------------------- other gminas


def workspaces_for(codes: list[str], out: str | Path, wb: Workbench | None = None) -> dict[str, Path]:
    """The workspace of every code under ``out`` (``<terc>-<slug>``), in the list's order: written by
    ``newcity.new_city`` from the national exports of ``wb`` (default: the process's workbench) when absent, kept
    when a workspace of the same code is already there (an analyst's edits are never overwritten)."""
    out = Path(out).resolve()
    wb = wb or Workbench.at()
    reg = wb.params
    nat = load_national(reg)
    if nat is None:
        raise UserError(f"{reg.root / 'national.yml'} is missing: report --cities reads the national exports it names")
    frame = ranking.national_frame(nat, wb.paths)  # read once for every gmina
    roots: dict[str, Path] = {}
    for code in codes:
        existing = sorted(out.glob(f"{code}-*/params/city.yml"))
        if existing:
            roots[code] = existing[0].parent.parent
            continue
        gmina, _ = newcity.describe(code, nat, wb.paths, frame)
        roots[code] = newcity.new_city(
            code, out / newcity.workspace_name(gmina), reg=reg, paths=wb.paths, frame=frame
        ).root
    return roots


def report_gminas(
    year: int,
    gminas: dict[str, Path],
    langs: list[str],
    *,
    jobs: int | None = None,
    executor=None,
    steps: tuple[str, ...] = ("prepare", "notebooks", "render"),
    only: str | None = None,
) -> JobReport:
    """Several gminas' reports with ONE build of every gmina's notebooks (:func:`citybank.runner.plan_gminas`),
    so the executor (local warm workers, or a Dask cluster) keeps every core busy across gminas. Each gmina's
    data are prepared and its report rendered in this process, in its own :class:`Workbench` (its params, data
    and reports; nothing process-wide changes). A gmina that fails a step is reported; the others go on.
    ``only``: comma-separated glob patterns of task ids (``*/pl/overview``), as ``citybank build --only``."""
    job = JobReport(year)
    ready = dict(gminas)
    patterns = [p.strip() for p in (only or "").split(",") if p.strip()]
    built: set[str] = set()
    if "prepare" in steps:
        with _stage(job, f"prepare {len(gminas)} gmina(s)") as st:
            for code, root in gminas.items():
                if not _has_data(root / "data" / "raw"):  # `prepare` would fill it with the sample city
                    st.failures.append(
                        f"{code}: no data in {root / 'data' / 'raw'} (a gmina's baseline from the national files "
                        "is prepared by `citybank report --params`; this list reports gminas that have their data)"
                    )
                    ready.pop(code)
                    continue
                print(f"  {code}: {root}", flush=True)
                try:
                    done = prepare(year, sample=False, wb=Workbench.at(root))
                except Exception as exc:  # one gmina's broken params or data never stop the others
                    st.failures.append(f"{code}: prepare failed: {_first_line(exc)}")
                    ready.pop(code)
                    continue
                if done.failures:  # its report is still built: the pages say what is missing
                    st.failures.extend(f"{code}: {f}" for f in done.failures)
    if "notebooks" in steps:
        with _stage(job, "notebooks") as st:
            tasks = [t for t in plan_gminas(year, ready) if t.parameters.get("lang") in langs]
            if patterns:  # ids are <terc>/<lang>/<page>: a pattern without the code's part names what it missed
                tasks = select_tasks(tasks, patterns, f"the {len(ready)} gmina(s)")
            build = run_tasks(tasks, jobs=jobs, executor=executor)
            built = {t.id for t in tasks}
            st.failures.extend(f"{f.task}: {f.error}" for f in build.failures)
            print(f"  {len(build.executed)} executed, {len(build.skipped)} up to date, {len(build.failures)} failed")
    if "render" in steps:
        with _stage(job, "report (render)") as st:
            for code, root in ready.items():
                if patterns and "notebooks" in steps and not any(t.startswith(f"{code}/") for t in built):
                    print(f"  {code}: no page of it matches --only {only}: not rendered")
                    continue
                try:
                    rendered = render_year(year, langs=langs, paths=Workbench.at(root).paths)
                except Exception as exc:  # one gmina's report that cannot be rendered never stops the others
                    st.failures.append(f"{code}: render failed: {_first_line(exc)}")
                    continue
                for failure in rendered.failures:
                    page = failure.split(":", 1)[0]
                    # --only: a page left out on purpose is no failure (its chapter says it was not built)
                    if not patterns or "/" not in page or f"{code}/{page}" in built:
                        st.failures.append(f"{code}: {failure}")
    return job


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
