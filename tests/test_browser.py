"""The rendered site in a real headless Chromium: every internal link loads, every figure decodes."""

from __future__ import annotations

import shutil
from collections import deque
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from citybank.paths import get_paths
from citybank.render import render_year

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
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


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    from test_render import make_report_tree

    root = make_report_tree(tmp_path_factory.mktemp("browser"))
    result = render_year(2024, formats=["html"], engine="offline", paths=get_paths(root), sample=True)
    assert result.failures == []
    return root / "reports" / "2024" / "site"


def test_every_internal_link_loads_with_figures(driver, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
    from test_render import LANGS, chapter_titles

    start = (site / "index.html").resolve().as_uri()
    queue, seen, pages = deque([start]), {start}, 0
    text_by_lang: dict[str, str] = {lang: "" for lang in LANGS}
    while queue:
        url = queue.popleft()
        driver.get(url)
        assert driver.find_element(By.TAG_NAME, "h1").text.strip(), url
        pages += 1
        for img in driver.find_elements(By.TAG_NAME, "img"):
            driver.execute_script("arguments[0].scrollIntoView()", img)
            width = WebDriverWait(driver, 10).until(
                lambda d, img=img: (
                    d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img) is not False
                )
            )
            width = driver.execute_script("return arguments[0].naturalWidth", img)
            assert width > 0, f"{url}: image {img.get_attribute('src')} did not load"
        path = Path(unquote(urlparse(url).path))
        if path.name == "index.html" and path.parent.name in LANGS:
            text_by_lang[path.parent.name] = driver.find_element(By.TAG_NAME, "body").text
        for a in driver.find_elements(By.CSS_SELECTOR, "a[href]"):
            href = urldefrag(a.get_attribute("href"))[0]
            if not href.startswith("file://"):
                continue  # external links (the city portal) are not followed offline
            target = Path(unquote(urlparse(href).path))
            assert target.exists(), f"{url}: broken link {href}"
            if target.suffix == ".html" and href not in seen:
                seen.add(href)
                queue.append(href)
    assert pages == 1 + 3 * len(list((site / "pl").glob("*.html")))
    for lang in LANGS:
        for title in chapter_titles(lang):
            assert title in text_by_lang[lang], (lang, title)


def test_screenshot_of_a_chapter(driver, site, tmp_path):
    driver.get((site / "pl" / "category-ludnosc.html").resolve().as_uri())
    shot = tmp_path / "category-ludnosc.png"
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    keep = Path("/tmp/citybank-render-screenshot.png")
    shutil.copyfile(shot, keep)  # for a person to look at after the run
