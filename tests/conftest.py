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
