"""The rendered site in a real headless Chromium: every internal link loads, every figure decodes."""

from __future__ import annotations

import shutil
from collections import deque
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from citybank.paths import get_paths
from citybank.render import render_year

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    from test_render import make_report_tree

    root = make_report_tree(tmp_path_factory.mktemp("browser"))
    result = render_year(2024, formats=["html"], engine="offline", paths=get_paths(root), sample=True)
    assert result.failures == []
    return root / "reports" / "2024" / "site"


PAGE_STATE = """
const done = Array.from(document.images).every(i => i.complete);
return {done: done,
        h1: (document.querySelector('h1') || {textContent: ''}).textContent.trim(),
        images: Array.from(document.images).map(i => [i.src, i.naturalWidth, i.getAttribute('alt') || '']),
        links: Array.from(document.querySelectorAll('a[href]')).map(a => a.href),
        text: document.body.innerText};
"""


def crawl(driver, site: Path, pages_text: dict[str, str] | None = None) -> tuple[int, dict[str, str]]:
    """Open site/index.html and follow every internal link (breadth first): every page has a title, every
    link target exists, every image decodes and has alt text. Returns the number of pages and each
    language's index text; ``pages_text`` (when given) receives every page's visible text and alt texts by
    its path under the site. One script call per page reads its state (selenium round trips are slow)."""
    from selenium.webdriver.support.ui import WebDriverWait

    start = (site / "index.html").resolve().as_uri()
    queue, seen, pages, checked = deque([start]), {start}, 0, set()
    langs = [p.name for p in sorted(site.iterdir()) if p.is_dir() and (p / "index.html").exists()]
    text_by_lang: dict[str, str] = {lang: "" for lang in langs}
    while queue:
        url = queue.popleft()
        driver.get(url)
        state = WebDriverWait(driver, 15).until(lambda d: (s := d.execute_script(PAGE_STATE))["done"] and s)
        assert state["h1"], f"{url}: page without a title"
        pages += 1
        for src, width, alt in state["images"]:
            assert width > 0, f"{url}: image {src} did not load"
            assert alt.strip(), f"{url}: image {src} without alt text"
        path = Path(unquote(urlparse(url).path))
        if pages_text is not None:
            pages_text[path.relative_to(site.resolve()).as_posix()] = "\n".join(
                [state["text"], *(alt for _, _, alt in state["images"])]
            )
        if path.name == "index.html" and path.parent.name in langs:
            text_by_lang[path.parent.name] = state["text"]
        for link in state["links"]:
            href = urldefrag(link)[0]
            if not href.startswith("file://") or href in checked:
                continue  # external links (the city portal) are not followed offline
            checked.add(href)
            target = Path(unquote(urlparse(href).path))
            assert target.exists(), f"{url}: broken link {href}"
            if target.suffix == ".html" and href not in seen:
                seen.add(href)
                queue.append(href)
    return pages, text_by_lang


def test_every_internal_link_loads_with_figures(driver, site):
    from test_render import LANGS, chapter_titles

    pages, text_by_lang = crawl(driver, site)
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
