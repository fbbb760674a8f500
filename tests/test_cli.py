"""The citybank command and the Makefile, as an analyst meets them."""

from __future__ import annotations

import os
import subprocess
import sys

from citybank.paths import PATHS

SUBCOMMANDS = [
    "check-params",
    "sample",
    "import-bdl",
    "validate-file",
    "ingest",
    "indicators",
    "publish",
    "plan",
    "build",
    "status",
    "render",
    "prepare",
    "report",
]


def test_help_lists_subcommands():
    proc = subprocess.run([sys.executable, "-m", "citybank", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    for name in SUBCOMMANDS:
        assert name in proc.stdout


def test_make_help_is_self_documenting():
    proc = subprocess.run(["make", "-s", "help"], cwd=PATHS.root, capture_output=True, text=True)
    assert proc.returncode == 0
    for target in ["setup", "report", "test", "lab", "clean", "lint", "bench"]:
        assert f"make {target}" in proc.stdout


def test_make_setup_is_a_noop_when_done():
    proc = subprocess.run(["make", "-n", "setup"], cwd=PATHS.root, capture_output=True, text=True)
    assert proc.returncode == 0
    assert "pip install" not in proc.stdout


def test_make_clean_never_touches_raw_data():
    proc = subprocess.run(["make", "-n", "clean"], cwd=PATHS.root, capture_output=True, text=True)
    assert "data/raw" not in proc.stdout.replace("never touches data/raw", "")


def test_an_unknown_year_is_a_clear_error():
    proc = subprocess.run([sys.executable, "-m", "citybank", "prepare", "--year", "2031"], capture_output=True,
                          text=True)  # fmt: skip
    assert proc.returncode == 2
    assert "error: year 2031 has no params/years/2031.yml; known years: 2015" in proc.stderr
    assert "Traceback" not in proc.stderr


HEAVY = ("pandas", "numpy", "pyarrow", "papermill", "nbformat", "nbclient", "matplotlib", "IPython", "jupyter_client")


def modules_after(*argv: str) -> set[str]:
    """The heavy modules a fresh interpreter has imported after running ``citybank ARGV`` (any exit code)."""
    code = (
        "import sys\nfrom citybank.cli import main\ntry:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)"
    )
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120)
    return set(proc.stderr.strip().splitlines()[-1].split()) if proc.stderr.strip() else set()


def test_help_and_planning_commands_import_nothing_heavy():
    """`citybank --help`, `plan` and `status` (what a no-change `build` does before it finds nothing to run) never
    import pandas, papermill, nbformat or matplotlib: the command answers at once. (The time: `make bench`.)"""
    assert modules_after("--help") == set()
    assert modules_after("build", "--help") == set()
    assert modules_after("status", "--year", "2024") == set()
    # and the check can fail: a command that does need pandas shows it
    assert "pandas" in modules_after("indicators", "--year", "2024", "--format", "csv", "--out", os.devnull)
