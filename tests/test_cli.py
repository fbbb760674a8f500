"""The citybank command and the Makefile, as an analyst meets them."""

from __future__ import annotations

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
