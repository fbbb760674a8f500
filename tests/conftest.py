"""Shared fixtures. Tests may read ../shared (read-only reference data) and skip when it is absent."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from citybank.paths import PATHS

# tests/data holds fixtures (some are notebooks): never collect them as tests, nor under nbval.
collect_ignore_glob = ["data/*"]

ROOT = PATHS.root
SHARED = PATHS.shared


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def shared() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"reference folder {SHARED} is absent (it holds the real GUS exports these tests read)")
    return SHARED


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
