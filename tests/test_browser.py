"""The rendered site in a real headless Chromium: every internal link loads, every figure decodes, axe-core finds
no serious or critical WCAG 2.1 AA problem on any page, and the search box finds inflected words from a
``file://`` copy (and through Pagefind when the site is served)."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections import deque
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest
from citybank.paths import get_paths
from citybank.render import render_year, search
from citybank.render.strings import t

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # package.json pins it; `make setup` runs `npm ci`
# WCAG 2.1 A and AA, and axe's best practices (landmarks, one h1, skip link); serious and critical fail.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
FAILING_IMPACTS = {"serious", "critical"}
# The header, navigation and footer are one template on every page: checked in full on each language's first
# page (index.html), then left out so that axe's time goes to what differs (the page's content). Colour
# contrast (axe's slowest rule) depends on the stylesheet's classes and inline styles only: it runs on the first
# page of each kind (dataset-*, provider-*, category-*, … per language) and on every page with inline styles.
SHARED_PARTS = [[".topbar"], [".sidebar"], [".site-footer"]]


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


def crawl(
    driver,
    site: Path,
    pages_text: dict[str, str] | None = None,
    axe: Path | None = None,
    violations: list[str] | None = None,
) -> tuple[int, dict[str, str]]:
    """Open site/index.html and follow every internal link (breadth first): every page has a title, every
    link target exists, every image decodes and has alt text. Returns the number of pages and each
    language's index text; ``pages_text`` (when given) receives every page's visible text and alt texts by
    its path under the site. One script call per page reads its state (selenium round trips are slow).
    With ``axe`` (axe.min.js), axe-core checks every page and ``violations`` receives one line per serious or
    critical problem."""
    from selenium.webdriver.support.ui import WebDriverWait

    start = (site / "index.html").resolve().as_uri()
    queue, seen, pages, checked = deque([start]), {start}, 0, set()
    kinds_checked: set[tuple[str, str]] = set()
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
        if axe is not None and violations is not None:
            where = path.relative_to(site.resolve()).as_posix()
            kind = (path.parent.name, path.name.split("-")[0])
            contrast = kind not in kinds_checked or driver.execute_script(
                "return !!document.querySelector('main [style]')"
            )
            kinds_checked.add(kind)
            violations.extend(axe_check(driver, axe, where, full=path.name == "index.html", contrast=contrast))
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


# One round trip per page: load axe from disk by a <script> tag (the browser caches the file; sending its 580 kB
# through selenium per page is slow), run it, return the violations.
RUN_AXE = """const [src, context, options, done] = arguments;
const fail = (e) => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]);
const run = () => axe.run(context, options).then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact,
  help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))), fail);
if (window.axe) { run(); } else {
  const s = document.createElement('script'); s.src = src;
  s.onload = run; s.onerror = () => fail('axe-core did not load from ' + src); document.head.appendChild(s);
}"""


def axe_check(
    driver, axe: Path, where: str, full: bool = True, context: dict | None = None, contrast: bool = True
) -> list[str]:
    """axe-core on the page open in ``driver``: one line per serious or critical violation (an error of axe itself
    is one too)."""
    ctx = context or ({"exclude": []} if full else {"exclude": SHARED_PARTS})
    options: dict = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    if not (contrast or full):
        options["rules"] = {"color-contrast": {"enabled": False}}
    found = driver.execute_async_script(RUN_AXE, axe.resolve().as_uri(), ctx, options)
    return [
        f"{where}: {v['impact']} {v['id']} ({v['help']}) at {', '.join(v['nodes'][:3])}"
        for v in found
        if v["impact"] in FAILING_IMPACTS
    ]


def test_every_internal_link_loads_with_figures_and_passes_axe(driver, site):
    from test_render import LANGS, chapter_titles

    violations: list[str] = []
    pages, text_by_lang = crawl(driver, site, axe=AXE if AXE.is_file() else None, violations=violations)
    assert pages == 1 + 3 * len(list((site / "pl").glob("*.html")))
    for lang in LANGS:
        for title in chapter_titles(lang):
            assert title in text_by_lang[lang], (lang, title)
        assert t("a11y.title", lang) in text_by_lang[lang], "every page's footer links the accessibility declaration"
    assert violations == [], "\n".join(violations)
    if not AXE.is_file():
        pytest.skip(f"links checked; axe-core absent ({AXE}): run `npm ci` (make setup does) for the WCAG checks")


# ------------------------------------------------------------------ search


def search_in_page(driver, url: str, query: str) -> dict:
    """Open ``url``, type ``query`` in the search box and press Enter (the keyboard path); the results' hrefs
    (relative to the page's folder), the status line, the note under the box and the focused element."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(url)
    box = driver.find_element(By.ID, "search-input")
    assert box.is_displayed(), f"{url}: the search box is hidden (did search.js run?)"
    label = driver.find_element(By.CSS_SELECTOR, "label[for=search-input]").text
    box.send_keys(query, Keys.ENTER)
    return WebDriverWait(driver, 10).until(
        lambda d: d.execute_script(
            """const panel = document.getElementById('search-results');
            if (panel.hidden || !panel.querySelector('.search-status')) return null;
            return {hrefs: Array.from(panel.querySelectorAll('a')).map(a => a.getAttribute('href')),
                    status: panel.querySelector('.search-status').textContent,
                    note: document.getElementById('search-note').textContent,
                    focused: document.activeElement.getAttribute('href'), label: arguments[0]};""",
            label,
        )
    )


@pytest.mark.parametrize(
    ("lang", "query", "expected", "unseen"),
    [
        ("pl", "mieszkańców", "category-mieszkancy.html", False),  # the page titled "Mieszkańcy"
        ("pl", "ludnością", "category-ludnosc.html", True),  # the instrumental case: on no page of the site
        ("pl", "mieszkancami", "category-mieszkancy.html", True),  # without Polish letters, and on no page
        ("en", "populations", "category-ludnosc.html", True),
        ("de", "Einwohnern", "category-mieszkancy.html", False),
        ("de", "Bevölkerungen", "category-ludnosc.html", True),
    ],
)
def test_search_finds_an_inflected_word_from_disk(driver, site, lang, query, expected, unseen):
    url = (site / lang / "category-edukacja.html").resolve().as_uri()
    found = search_in_page(driver, url, query)
    assert expected in found["hrefs"][:5], found  # near the top (dataset pages named for the word may come first)
    assert found["focused"] == found["hrefs"][0]  # Enter moves the keyboard focus to the first result
    assert found["label"] == t("search.label", lang)
    assert found["note"] == t("search.note_offline", lang)
    assert found["status"] == t("search.count", lang, n=len(found["hrefs"]))
    # the browser ranks exactly as the Python twin of the index does
    index = search.build_index(search.language_docs(site / lang), lang)
    assert found["hrefs"] == [href for href, _ in search.search(index, query)]
    if unseen:  # only the stemmer in the browser can have found it
        words = {w for doc in search.language_docs(site / lang) for w in search.tokens(f"{doc.title} {doc.text}")}
        assert query.lower() not in words


def test_search_says_when_nothing_matches_and_results_pass_axe(driver, site):
    url = (site / "de" / "index.html").resolve().as_uri()
    found = search_in_page(driver, url, "Flughäfen")
    assert found["hrefs"] == [] and found["status"] == t("search.none", "de", q="Flughäfen")
    found = search_in_page(driver, url, "Einwohner Bevölkerung")  # every word must be on the page
    index = search.build_index(search.language_docs(site / "de"), "de")
    assert "methodology.html" in found["hrefs"]
    assert found["hrefs"] == [href for href, _ in search.search(index, "Einwohner Bevölkerung")]
    texts = {d.href: search.tokens(f"{d.title} {d.text}") for d in search.language_docs(site / "de")}
    for href in found["hrefs"]:
        stems = {search.key(w, "de") for w in texts[href]}
        assert {"einwohn", "bevolker"} <= stems, href
    from selenium.webdriver.common.keys import Keys

    driver.switch_to.active_element.send_keys(Keys.ESCAPE)  # from the first result: closes, back to the box
    assert driver.execute_script(
        "return [document.getElementById('search-results').hidden, document.activeElement.id];"
    ) == [True, "search-input"]
    if AXE.is_file():  # the results list itself (shown only after a query) is accessible
        assert axe_check(driver, AXE, "de/index.html + results", context={"include": [["#search-results"]]}) == []


@functools.cache
def params_documents() -> list:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C parser: params/ is large
    return [yaml.load(p.read_text(encoding="utf-8"), Loader=loader) for p in sorted((ROOT / "params").rglob("*.yml"))]


def site_vocabulary(site: Path, lang: str) -> list[str]:
    """Every word of the site's pages in ``lang`` and of every ``lang`` text in params/ (names, definitions,
    notes): thousands of real words the stemmers must agree on."""
    words = {w for doc in search.language_docs(site / lang) for w in search.tokens(f"{doc.title} {doc.text}")}

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == lang and isinstance(v, str):
                    words.update(search.tokens(v))
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(params_documents())
    return sorted(words)


def test_browser_stems_every_word_as_python_does(driver, site):
    """The query side (Snowball's JavaScript) and the index side (Snowball's Python) give the same key for every
    word of the site and of params/, in each language; and the same tokens for a tricky text."""
    text = "Liczba mieszkańców: 62 817 (m², ½), ZAŻÓŁĆ Straße e\u0301 İstanbul 37120"
    for lang in search.ALGORITHMS:
        driver.get((site / lang / "index.html").resolve().as_uri())
        words = site_vocabulary(site, lang)
        assert len(words) > 500, (lang, len(words))
        js_keys = driver.execute_async_script(
            "const done = arguments[arguments.length - 1]; window.citybankSearchKeys(arguments[0]).then(done);", words
        )
        mismatched = [
            (w, p, j) for w, p, j in zip(words, [search.key(w, lang) for w in words], js_keys, strict=True) if p != j
        ]
        assert mismatched == [], mismatched[:20]
        assert driver.execute_script("return window.citybankSearchTokens(arguments[0]);", text) == search.tokens(text)


@pytest.fixture()
def served_site(site):
    """The site over HTTP on the loopback address (a hosted copy), for as long as the test runs."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_hosted_copy_searches_with_pagefind(driver, site, served_site):
    if search.pagefind_command() is None:
        pytest.skip("pagefind is not installed (pip install 'pagefind[bin]'): the site has no Pagefind index")
    entry = json.loads((site / "pagefind" / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert sorted(entry["languages"]) == ["de", "en", "pl"]
    found = search_in_page(driver, f"{served_site}/en/index.html", "residents")
    assert found["note"] == t("search.note_pagefind", "en")
    assert found["hrefs"] and found["hrefs"][0].endswith("/en/category-mieszkancy.html"), found
    assert found["status"] == t("search.count", "en", n=len(found["hrefs"]))


def test_screenshot_of_a_chapter(driver, site, tmp_path):
    driver.get((site / "pl" / "category-ludnosc.html").resolve().as_uri())
    shot = tmp_path / "category-ludnosc.png"
    assert driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    keep = Path("/tmp/citybank-render-screenshot.png")
    shutil.copyfile(shot, keep)  # for a person to look at after the run
