"""The whole job, stage by stage:
params → sample (if no data) → bank → survey → results → published data → notebooks → report → manifest.

Every stage writes files the next one reads. A failing stage is reported and, where the later stages can
still do useful work (one broken dataset, one failed notebook), the job goes on and exits non-zero at the
end with the list of failures.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import consistency, indicators, ranking, strategy
from .bank import build_bank
from .errors import UserError
from .params import registry
from .paths import PATHS
from .publish import publish_year, write_manifest
from .render import render_year
from .runner import plan, run_tasks
from .sample import generate
from .survey import store as survey


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


def ensure_raw_data(raw: Path | None = None) -> bool:
    """Generate the bundled sample city when data/raw holds no data file. Returns True when generated."""
    raw = raw or PATHS.raw
    has_data = raw.is_dir() and any(p.is_file() and not p.name.startswith(".") for p in raw.rglob("*"))
    if has_data:
        return False
    generate(raw)
    return True


def prepare(year: int, report: JobReport | None = None) -> JobReport:
    """Everything before the notebooks: params, data, bank, computed results, published datasets."""
    report = report or JobReport(year)
    with _stage(report, "check params"):
        reg = registry()
        if year not in reg.years:
            raise UserError(f"there is no params/years/{year}.yml: add the year first (README, 'A new year')")
    with _stage(report, "raw data"):
        if ensure_raw_data():
            print(f"  no data in {PATHS.raw}: generated the bundled SAMPLE city there")
    with _stage(report, "bank (ingest)") as st:
        result = build_bank(reg, progress=True)
        st.failures.extend(f"dataset {ds}: {err}" for ds, err in sorted(result.failures.items()))
        rejected = len(result.quarantine)
        print(
            f"  {len(result.bank):,} values in the bank; {rejected:,} quarantined row(s) or problem(s)"
            f"{' (unchanged since the last run)' if result.cached else ''}"
        )
    with _stage(report, "survey") as st:
        survey_stage(reg, st)
    with _stage(report, "indicators and checks"):
        indicators.compute_all(reg)
        consistency.compute_all(reg)
        strategy.compute_all(reg)
        try:
            ranking.compute_all(reg)
        except UserError as exc:  # the national exports are optional: the pages then say the ranking is absent
            print(f"  ranking among gminas skipped: {exc}")
    with _stage(report, "published datasets"):
        publish_year(year, reg)
    return report


def survey_stage(reg, stage: Stage) -> None:
    """The residents' survey: validate → weight → estimate → disclosure control, tables in data/results/survey.
    A broken survey (a missing or unreadable export, weights that do not reproduce the margins, an svy error) is
    listed as a failure and its stale tables removed; the build goes on (the strategy's survey indicators then
    have no data and the survey pages say there are no results)."""
    try:
        run = survey.compute_all(reg)
    except Exception as exc:  # whatever breaks one survey must not stop the rest of the build
        survey.clear_results()
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        stage.failures.append(f"survey: {first}")
        print(f"  survey failed: {first}")
        return
    if run is None:
        print("  no params/survey.yml: no survey")
        return
    tag = " (SYNTHETIC sample survey)" if run.survey.synthetic else ""
    print(f"  {run.respondents} respondents kept, {run.problems} problem(s) quarantined{tag}")


def report(year: int, langs: list[str], jobs: int | None = None) -> JobReport:
    """The whole job: :func:`prepare`, the notebooks of ``langs``, the report (HTML, PDF, DOCX), the manifest."""
    job = prepare(year)
    with _stage(job, "notebooks") as st:
        tasks = [t for t in plan(year, registry()) if t.parameters.get("lang") in langs]
        build = run_tasks(tasks, jobs=jobs)
        st.failures.extend(f"{f.task}: {f.error}" for f in build.failures)
    with _stage(job, "report (render)") as st:
        rendered = render_year(year, langs=langs, formats=["html", "pdf", "docx"], engine="auto")
        st.failures.extend(rendered.failures)
    with _stage(job, "manifest"):
        job.manifest = write_manifest(year, extra={"languages": langs})
    return job
