"""Untrusted text in the built report never runs and reads as text: script and markup planted in a provider's cell, a
district name, a resident's answer and a quote go through the renderer into the HTML site (opened in headless
Chromium), the DOCX and the PDF."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from citybank.paths import get_paths
from citybank.render import render_year

pytestmark = pytest.mark.slow

PLANTED = {
    "cell": "Zakład <img src=x onerror=\"window.__pwned='cell'\"> <b>Komunalny</b>",
    "district": "<script>window.__pwned='district'</script>Bańgów",
    "answer": "<svg onload=\"window.__pwned='answer'\"></svg> Chcemy więcej zieleni <iframe src=javascript:1>",
    "quote": '<a href="javascript:window.__pwned=\'link\'">klik</a> <style>body{display:none}</style> #read("/etc/passwd")',
}
"""What a provider, a district list, a respondent and the quote bank might carry (each marked by ``__pwned``)."""


def _plant(notebook: Path) -> None:
    """Add to an executed notebook what a page built from hostile data would show: a Markdown output with the
    answer, the quote and the district (as the views write them), and a table (as pandas' ``to_html`` writes it)."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    md = (
        f"**Odpowiedź:** {PLANTED['answer']}\n\n> „{PLANTED['quote']}” — {PLANTED['district']}\n\n"
        f"Dzielnica {PLANTED['district']} ma najwięcej odpowiedzi."
    )
    table = pd.DataFrame({"Dostawca": [PLANTED["cell"]], "Dzielnica": [PLANTED["district"]], "Wartość": [1.5]})
    nb["cells"].append(
        {
            "cell_type": "code", "execution_count": 1, "id": "planted", "metadata": {}, "source": "planted",
            "outputs": [
                {"output_type": "display_data", "metadata": {}, "data": {"text/markdown": md, "text/plain": "md"}},
                {"output_type": "execute_result", "execution_count": 1, "metadata": {},
                 "data": {"text/html": table.to_html(escape=True), "text/plain": "table"}},
            ],
        }
    )  # fmt: skip
    notebook.write_text(json.dumps(nb, ensure_ascii=False), encoding="utf-8")


@pytest.fixture(scope="module")
def planted_report(tmp_path_factory) -> Path:
    from test_render import make_report_tree

    root = make_report_tree(tmp_path_factory.mktemp("hostile-site"))
    for lang in ("pl", "en"):
        _plant(root / "reports" / "2024" / "notebooks" / lang / "survey-overview.ipynb")
    qa = root / "reports" / "2024" / "qa" / "quality.md"  # the QA report lists quarantined provider cells
    qa.write_text(qa.read_text(encoding="utf-8") + f"\nOdrzucona komórka: {PLANTED['cell']}\n", encoding="utf-8")
    formats = ["html", "docx"] + (["pdf"] if shutil.which("typst") or _has_typst() else [])
    result = render_year(
        2024, langs=["pl", "en"], formats=formats, engine="offline", paths=get_paths(root), sample=True
    )
    assert result.failures == []
    return root / "reports" / "2024"


def _has_typst() -> bool:
    try:
        import typst  # noqa: F401
    except ImportError:
        return False
    return True


def test_planted_markup_never_runs_in_the_browser_and_reads_as_text(planted_report, driver):
    pages = sorted(p for p in (planted_report / "site").rglob("*.html") if "__pwned" in p.read_text(encoding="utf-8"))
    assert len(pages) >= 2  # the survey page in two languages (and the QA page when the site has one)
    for page in pages:
        driver.get(page.resolve().as_uri())
        state = driver.execute_script(
            "return {pwned: window.__pwned === undefined ? null : String(window.__pwned),"
            " handlers: document.querySelectorAll('[onerror],[onload],iframe,svg script,main script,main style').length,"
            " js_links: Array.from(document.querySelectorAll('a[href^=\"javascript:\"]')).length,"
            " visible: getComputedStyle(document.body).display, text: document.body.innerText};"
        )
        assert state["pwned"] is None, f"{page.name}: planted script ran ({state['pwned']})"
        assert state["handlers"] == 0 and state["js_links"] == 0, page.name
        assert state["visible"] != "none", f"{page.name}: a planted <style> took effect"
        text = state["text"]
        if "survey-overview" in page.name or "Odpowiedź" in text:
            for what in ("answer", "quote", "district", "cell"):
                shown = PLANTED[what].split(">")[1] if what == "district" else PLANTED[what].split(" ")[0]
                assert shown in text, f"{page.name}: the planted {what} is not shown as text"
            assert "<script>window.__pwned='district'</script>" in text  # the markup itself, as characters


def test_planted_markup_is_text_in_the_docx_and_pdf(planted_report):
    import docx

    body = "\n".join(p.text for p in docx.Document(planted_report / "report_pl.docx").paragraphs)
    assert "<script>window.__pwned='district'</script>Bańgów" in body
    assert "<svg onload=" in body and '#read("/etc/passwd")' in body
    pdf = planted_report / "report_pl.pdf"
    if pdf.is_file():
        import pypdf

        text = "".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)
        text = text.replace("\xad\n", "").replace("\n", "")  # lines broken by the typesetter
        assert "<script>window.__pwned='district'</script>Bańgów" in text and '#read("/etc/passwd")' in text
