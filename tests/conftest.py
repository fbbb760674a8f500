"""Shared fixtures. Tests may read ../shared (read-only reference data of this project's development, beside the
checkout) and skip when it is absent; the product never reads it. The real national GUS exports ship with the
workbench (data/raw/national) and need no skip."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from citybank.paths import PATHS

# tests/data holds fixtures (some are notebooks): never collect them as tests, nor under nbval.
collect_ignore_glob = ["data/*"]

ROOT = PATHS.root
SHARED = Path(os.environ.get("CITYBANK_SHARED") or ROOT.parent / "shared")
"""The development reference folder (``../shared``); tests only, and they skip when it is absent."""
NATIONAL = ROOT / "data" / "raw" / "national"
"""The real GUS exports shipped with the workbench (params/national.yml)."""


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(
            f"reference folder {SHARED} is absent: it is this project's development folder (recorded API responses, "
            "reference lists), not part of the workbench"
        )
    return SHARED


@pytest.fixture(scope="session")
def national_dir() -> Path:
    """data/raw/national: the three real GUS BDL exports shipped with the workbench (never skipped)."""
    assert (NATIONAL / "RYNE_1944_registered_unemployed_2003-2024.csv").is_file(), f"{NATIONAL} lost its exports"
    return NATIONAL


@pytest.fixture(scope="session")
def reg():
    from citybank.params import registry

    return registry()


@pytest.fixture(scope="session")
def survey(reg):
    """The residents' survey of params/survey.yml (the bundled one is synthetic)."""
    from citybank.params.survey import load_survey

    s = load_survey(reg)
    assert s is not None
    return s


@pytest.fixture()
def params_copy(tmp_path: Path) -> Path:
    """A writable copy of params/ (and notebooks/, which params may reference) for tests that break it."""
    shutil.copytree(ROOT / "params", tmp_path / "params")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    return tmp_path / "params"


@pytest.fixture(scope="session")
def sample_raw(tmp_path_factory) -> Path:
    """The bundled sample city's raw files, generated once per test session into a temporary folder."""
    from citybank.sample import generate

    out = tmp_path_factory.mktemp("sample") / "raw"
    generate(out)
    return out


def pytest_configure(config):
    os.environ.setdefault("MPLBACKEND", "Agg")


_EARLY: list = []  # the background build of the end-to-end year (tests/e2e.py), started by the run's controller


def pytest_sessionstart(session):
    """The controller (not an xdist worker) of a run that includes the end-to-end files starts building their year
    at once, in the background, in the run's temporary folder."""
    config = session.config
    factory = getattr(config, "_tmp_path_factory", None)
    if hasattr(config, "workerinput") or factory is None:
        return
    from e2e import start_early, wants_the_year

    if wants_the_year(config):
        base = factory.getbasetemp()
        _EARLY.append(start_early(base, base / "e2e-year-build.log"))


def pytest_sessionfinish(session):
    import signal

    for proc in _EARLY:  # a run that stopped early (-x, Ctrl-C) does not leave the build running
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()


CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture(scope="session")
def driver(tmp_path_factory):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(
            f"headless browser absent: need {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1366,900",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):  # fmt: skip
        opts.add_argument(arg)
    # The driver path is explicit: selenium-manager never runs, nothing is downloaded.
    drv = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=opts)
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()


@pytest.fixture(scope="session")
def year_built(tmp_path_factory):
    """(root, outcome of `citybank report`): the sample year built in a fresh workbench once per test run, shared
    by every xdist worker (tests/e2e.py)."""
    from e2e import built_year

    return built_year(tmp_path_factory)


@pytest.fixture(scope="session")
def year_report(year_built) -> Path:
    """reports/2024 of the built year; fails (with the command's output) when the report could not be built."""
    from e2e import YEAR

    root, proc = year_built
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return root / "reports" / str(YEAR)
