"""End to end, as the users meet it: `citybank report` (what `make report` runs) on the bundled sample in a fresh
workbench (built once per test run, tests/e2e.py), then what the council member (PDF), the editor (DOCX), the
academic partner (data package, manifest) and the analyst (a no-change rebuild) get."""

from __future__ import annotations

import subprocess
import sys

import pytest
from e2e import LANGS, YEAR, run

pytestmark = pytest.mark.slow


def test_report_runs_on_the_sample_and_says_where_it_is(year_built, year_report):
    root, proc = year_built
    assert f"The report of {YEAR} is ready: {year_report / 'site' / 'index.html'}" in proc.stdout
    assert "generated the bundled SAMPLE city" in proc.stdout
    assert (root / "data" / "raw" / "SAMPLE.yml").exists()
    for lang in LANGS:
        assert (year_report / "site" / lang / "index.html").exists()
        assert (year_report / f"report_{lang}.pdf").stat().st_size > 50_000
        assert (year_report / f"report_{lang}.docx").exists()
    assert (year_report / "quarto" / "pl" / "_quarto.yml").exists()


def test_pdf_has_chapters_and_polish_letters_in_each_language(year_report):
    from citybank.i18n import t
    from pypdf import PdfReader

    for lang in LANGS:
        reader = PdfReader(year_report / f"report_{lang}.pdf")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        assert len(reader.pages) > 20
        for key in ("overview", "strategy", "consistency", "data_quality", "methodology"):
            assert t(f"chapter.{key}", lang) in text, (lang, key)
        assert "Siemianowice Śląskie" in text
        assert "Bańgów" in text or "Michałkowice" in text  # district names with diacritics


def test_docx_opens_and_has_the_chapters(year_report):
    import docx
    from citybank.i18n import t

    for lang in LANGS:
        doc = docx.Document(str(year_report / f"report_{lang}.docx"))
        headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
        for key in ("overview", "strategy", "consistency", "methodology"):
            assert any(t(f"chapter.{key}", lang) in h for h in headings), (lang, key)
        assert doc.inline_shapes, "figures are embedded"


def test_published_data_package_is_valid(year_report):
    from frictionless import validate

    result = validate(str(year_report / "data" / "datapackage.json"))
    assert result.valid, result.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    assert len(list((year_report / "data" / "iso37120").glob("*.json"))) == 128


def test_manifest_verifies(year_report):
    import json

    from citybank.manifest import verify_manifest

    manifest = json.loads((year_report / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sample_data"] is True
    assert {"pandas", "papermill", "typst"} <= set(manifest["packages"])
    outputs = {o["path"] for o in manifest["outputs"]}
    assert f"reports/{YEAR}/report_pl.pdf" in outputs
    assert verify_manifest(year_report / "manifest.json", root=year_report.parents[1]) == []


def test_rebuild_with_no_change_executes_nothing_and_imports_nothing_heavy(year_built, year_report):
    """The whole year again with nothing changed: nothing runs, and the command imports no pandas, papermill,
    nbformat or matplotlib to find that out (how fast: `make bench`; no timing in tests)."""
    import os

    from test_cli import HEAVY

    root, _ = year_built
    code = (
        "import sys\nfrom citybank.cli import main\ncode = main(sys.argv[1:])\n"
        f"print('heavy:', *[m for m in {HEAVY!r} if m in sys.modules])\nsys.exit(code)"
    )
    env = {**os.environ, "CITYBANK_ROOT": str(root), "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, "-c", code, "build", "--year", str(YEAR)], cwd=root, env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "0 executed" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "heavy:"
    assert run(root, "build", "--year", str(YEAR), "--only", "pl/overview").returncode == 0  # the CLI as users run it
