"""The built year's site in a real browser (tests/test_browser.py's crawl): every page of the three languages opens,
has its chapters and categories, and breaks none of the style rules (tests/style_rules.py)."""

from __future__ import annotations

import pytest
from citybank.paths import PATHS
from e2e import LANGS

pytestmark = pytest.mark.slow


def test_every_page_of_the_real_site_in_a_browser(year_report, driver):
    from citybank.i18n import t
    from citybank.params import load_params
    from test_browser import crawl

    reg = load_params(PATHS.params)
    pages_text: dict[str, str] = {}
    pages, text = crawl(driver, year_report / "site", pages_text)
    n_pages = len(list((year_report / "site" / "pl").glob("*.html")))
    assert n_pages > 150  # overview, 18 categories, ISO overview, 19 themes, 128 indicators, …
    assert pages == 1 + 3 * n_pages
    for lang in LANGS:
        for key in ("overview", "strategy", "survey", "consistency", "data_quality", "downloads", "methodology"):
            assert t(f"chapter.{key}", lang) in text[lang], (lang, key)
        for cat in reg.categories.values():
            assert cat.name.get(lang) in text[lang], (lang, cat.slug)
    # one language per page, no raw codes or internal paths, one notation (tests/style_rules.py)
    from style_rules import page_problems

    found = [
        f"{page}: {p}"
        for page, body in sorted(pages_text.items())
        if page.split("/")[0] in LANGS
        for p in page_problems(
            body, page.split("/")[0], paths_allowed=page.endswith(("downloads.html", "quality.html"))
        )
    ]
    assert not found, f"{len(found)} style problem(s) on the pages:\n" + "\n".join(found[:80])
