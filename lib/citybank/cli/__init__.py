"""The ``citybank`` command, at the top of the import graph: nothing imports it. The Makefile calls it; it never
calls the Makefile. ``python -m citybank`` runs it too.

Each subcommand is a thin handler (``cli.data``, ``cli.build``): parse arguments, call the library with plain
values, print in the analyst's words, return an exit code. Errors that an analyst can fix (params, bad input)
print a message, not a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from ..errors import CitybankError, UserError
from ..paths import PATHS
from ..util import workbench_lock
from .build import cmd_build, cmd_new_city, cmd_plan, cmd_prepare, cmd_render, cmd_report, cmd_status
from .fetch import add_fetch_parser, add_new_dataset_parser
from .opendata import add_publish_ckan_parser
from .survey import add_survey_parser
from .workshop import cmd_workshop

# A command imports what it needs when it runs, not when the parser is built: `citybank --help` and a build with
# nothing to do must not pay for pandas, papermill or matplotlib (tests/test_cli.py checks it). The handler
# modules imported above are light; the data commands (pandas at the top of cli/data.py) are looked up by name.


def _lazy(module: str, name: str):
    """The handler ``name`` of ``citybank.cli.<module>``, imported when the command runs."""

    def handler(args: argparse.Namespace) -> int:
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)(args)

    handler.__name__ = handler.__qualname__ = name
    return handler


cmd_check_params = _lazy("data", "cmd_check_params")
cmd_import_bdl = _lazy("data", "cmd_import_bdl")
cmd_indicators = _lazy("data", "cmd_indicators")
cmd_ingest = _lazy("data", "cmd_ingest")
cmd_publish = _lazy("data", "cmd_publish")
cmd_sample = _lazy("data", "cmd_sample")
cmd_validate_file = _lazy("data", "cmd_validate_file")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="citybank",
        description="Reproducible reporting workbench for a city's data bank (Bank Danych o Mieście).",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    def add(name: str, func, help: str) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help, description=help)
        sp.set_defaults(func=func)
        return sp

    sp = add("check-params", cmd_check_params, "validate every file in params/ (names file and key of each problem)")
    sp.add_argument("--params", metavar="DIR", help="params folder to check (default: params/)")

    sp = add("sample", cmd_sample, "generate the bundled sample city's raw provider files (deterministic)")
    sp.add_argument("--out", metavar="DIR", help="output folder (default: data/raw)")

    sp = add(
        "import-bdl",
        cmd_import_bdl,
        "turn any GUS BDL file (table export CTAB CSV, API response JSON) into a tidy table",
    )
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--out", metavar="FILE.csv|FILE.parquet", help="write here instead of printing a preview")

    add_fetch_parser(sub, add)
    add_new_dataset_parser(sub, add)
    add_survey_parser(sub, add)

    sp = add("validate-file", cmd_validate_file, "check one raw file against its dataset descriptor")
    sp.add_argument("path", metavar="PATH")
    sp.add_argument("--dataset", required=True, metavar="ID", help="dataset id (params/datasets/<ID>.yml)")

    sp = add("ingest", cmd_ingest, "read, validate and load every dataset into the bank; write the quality report")
    sp.add_argument("--year", type=int, help="also write the quality report of this year (default: all years)")

    sp = add("indicators", cmd_indicators, "compute the ISO 37120 indicators of a year")
    sp.add_argument("--year", type=int)
    sp.add_argument("--format", choices=["table", "csv", "json"], default="table")
    sp.add_argument("--out", metavar="FILE", help="write to this file instead of standard output")

    sp = add("publish", cmd_publish, "write the year's cleaned open datasets (CSV, XLSX, Parquet, Data Package)")
    sp.add_argument("--year", type=int)
    add_publish_ckan_parser(sub, add)

    sp = add("plan", cmd_plan, "list every notebook task of a year")
    sp.add_argument("--year", type=int)
    sp.add_argument("--json", action="store_true", help="machine-readable list of tasks")

    sp = add("build", cmd_build, "execute the year's notebooks (parallel, incremental, fault-tolerant)")
    sp.add_argument("--year", type=int)
    sp.add_argument("--jobs", type=int, default=None, help="worker processes (default: one per CPU core)")
    sp.add_argument(
        "--only",
        metavar="PATTERN",
        help="only tasks whose id matches one of these comma-separated glob patterns (e.g. 'pl/overview,*/category-*')",
    )
    sp.add_argument("--force", action="store_true", help="re-execute even when nothing changed")
    sp.add_argument("--timeout", type=int, default=None, help="seconds per notebook (default 600)")
    executor_arguments(sp)

    sp = add("status", cmd_status, "say which tasks of a year are stale and why")
    sp.add_argument("--year", type=int)

    sp = add("render", cmd_render, "render the annual report (HTML site, PDF, DOCX) from executed notebooks")
    sp.add_argument("--year", type=int)
    sp.add_argument("--lang", default="pl,en,de", help="comma-separated languages (default pl,en,de)")
    sp.add_argument("--format", default="html,pdf,docx", help="comma-separated formats (default html,pdf,docx)")
    sp.add_argument(
        "--only", metavar="PATTERNS", help="the pages built with --only: the others are left out, not failures"
    )
    sp.add_argument("--engine", choices=["auto", "quarto", "offline"], default="auto")

    sp = add("prepare", cmd_prepare, "everything before the notebooks: sample data if absent, bank, results, datasets")
    sp.add_argument("--year", type=int)

    sp = add(
        "workshop",
        cmd_workshop,
        "a workshop (notebooks/workshops/NAME.ipynb): student copy without solutions, executed trainer copy, "
        "printable handout PDF ('list' lists the workshops)",
    )
    sp.add_argument("name", metavar="NAME")
    sp.add_argument("--out", metavar="DIR", default="build/workshops", help="output folder (default build/workshops)")
    sp.add_argument("--no-execute", action="store_true", help="write the trainer copy without executing it")

    sp = add(
        "new-city",
        cmd_new_city,
        "a workspace for another gmina from the national GUS BDL exports: params (name, codes, kind, peers, datasets, "
        "years) and links to the exports; build it with `citybank report --params DIR`",
    )
    sp.add_argument("--terc", required=True, metavar="CODE", help="the gmina's 7-digit TERC code (e.g. 2469011)")
    sp.add_argument("--out", metavar="DIR", help="the workspace folder (default: ./<terc>-<name>)")
    sp.add_argument("--force", action="store_true", help="rewrite DIR/params when it exists")

    sp = add("report", cmd_report, "the whole job: check params, sample data if absent, ingest, compute, build, render")
    sp.add_argument("--year", type=int)
    sp.add_argument("--lang", default=None, help="comma-separated languages (default: those of params/city.yml)")
    sp.add_argument("--jobs", type=int, default=None)
    sp.add_argument(
        "--params",
        metavar="DIR",
        help="a gmina workspace of `citybank new-city`: build its baseline report under DIR (never the sample city)",
    )
    sp.add_argument(
        "--cities",
        metavar="FILE",
        help="a text or CSV file of TERC codes: a workspace per gmina under --out (new-city), all their notebooks "
        "planned as one build (on the chosen executor)",
    )
    sp.add_argument(
        "--out", metavar="DIR", default="gminas", help="with --cities: where the workspaces go (default gminas/)"
    )
    sp.add_argument("--only", metavar="PATTERN", help="only pages whose task id matches these comma-separated globs")
    sp.add_argument("--format", default="html,pdf,docx", help="comma-separated formats (default html,pdf,docx)")
    executor_arguments(sp)
    return p


def executor_arguments(sp: argparse.ArgumentParser) -> None:
    sp.add_argument(
        "--executor", choices=["local", "dask"], default="local",
        help="where notebooks run: local warm worker processes (default) or a Dask distributed cluster",
    )  # fmt: skip
    sp.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="the Dask scheduler, e.g. tcp://10.0.0.5:8786 (with --executor dask; without it a local cluster of "
        "--jobs workers is started); workers need the same environment and the workbench at the same path",
    )  # fmt: skip


WRITERS = frozenset({"ingest", "indicators", "publish", "build", "render", "prepare", "report"})
"""The commands that write the bank, results or reports: one at a time per workbench (``util.workbench_lock``)."""


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    try:
        if args.command in WRITERS:  # two commands on one workbench: the second waits for the first
            with workbench_lock(PATHS.build, args.command):
                return int(args.func(args) or 0)
        return int(args.func(args) or 0)
    except CitybankError as exc:
        from ..params import ParamsError  # imported already when one was raised

        if isinstance(exc, ParamsError):
            print(exc, file=sys.stderr)
            print("Fix params/ and run `citybank check-params` again.", file=sys.stderr)
            return 2
        if isinstance(exc, UserError):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        raise
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
