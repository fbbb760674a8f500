"""End to end, as the users meet it: `citybank report` (what `make report` runs) on the bundled sample in a
fresh copy of the workbench; then what the council member (PDF), the editor (DOCX), the reader of the site
(a real browser), the academic partner (manifest, byte-identical rebuild) and the analyst (a no-change
rebuild) get.

These tests build whole years, so they are marked slow; `make test` runs each file on one xdist worker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from citybank.paths import PATHS

pytestmark = pytest.mark.slow  # one file: `--dist loadfile` keeps these tests on one worker
YEAR = 2024
LANGS = ("pl", "en", "de")
CLI = [sys.executable, "-m", "citybank"]


def fresh_workbench(root: Path) -> Path:
    """What a fresh clone holds that the build reads: params, notebooks and the national exports shipped in
    data/raw/national (the package is installed)."""
    root.mkdir(parents=True)
    for name in ("params", "notebooks", "data/raw/national"):
        shutil.copytree(PATHS.root / name, root / name)
    shutil.copyfile(PATHS.root / "pyproject.toml", root / "pyproject.toml")
    return root


def run(root: Path, *args: str, timeout: int = 1500) -> subprocess.CompletedProcess:
    env = {**os.environ, "CITYBANK_ROOT": str(root), "MPLBACKEND": "Agg"}
    return subprocess.run([*CLI, *args], cwd=root, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    root = fresh_workbench(tmp_path_factory.mktemp("e2e") / "wb")
    proc = run(root, "report", "--year", str(YEAR))
    return root, proc


@pytest.fixture(scope="session")
def report(built) -> Path:
    root, proc = built
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return root / "reports" / str(YEAR)


def test_report_runs_on_the_sample_and_says_where_it_is(built, report):
    root, proc = built
    assert f"The report of {YEAR} is ready: {report / 'site' / 'index.html'}" in proc.stdout
    assert "generated the bundled SAMPLE city" in proc.stdout
    assert (root / "data" / "raw" / "SAMPLE.yml").exists()
    for lang in LANGS:
        assert (report / "site" / lang / "index.html").exists()
        assert (report / f"report_{lang}.pdf").stat().st_size > 50_000
        assert (report / f"report_{lang}.docx").exists()
    assert (report / "quarto" / "pl" / "_quarto.yml").exists()


def test_every_page_of_the_real_site_in_a_browser(report, driver):
    from citybank.i18n import t
    from citybank.params import load_params
    from test_browser import crawl

    reg = load_params(PATHS.params)
    pages_text: dict[str, str] = {}
    pages, text = crawl(driver, report / "site", pages_text)
    n_pages = len(list((report / "site" / "pl").glob("*.html")))
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


def test_pdf_has_chapters_and_polish_letters_in_each_language(report):
    from citybank.i18n import t
    from pypdf import PdfReader

    for lang in LANGS:
        reader = PdfReader(report / f"report_{lang}.pdf")
        text = "\n".join(page.extract_text() or "" for page in reader.pages)
        assert len(reader.pages) > 20
        for key in ("overview", "strategy", "consistency", "data_quality", "methodology"):
            assert t(f"chapter.{key}", lang) in text, (lang, key)
        assert "Siemianowice Śląskie" in text
        assert "Bańgów" in text or "Michałkowice" in text  # district names with diacritics


def test_docx_opens_and_has_the_chapters(report):
    import docx
    from citybank.i18n import t

    for lang in LANGS:
        doc = docx.Document(str(report / f"report_{lang}.docx"))
        headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
        for key in ("overview", "strategy", "consistency", "methodology"):
            assert any(t(f"chapter.{key}", lang) in h for h in headings), (lang, key)
        assert doc.inline_shapes, "figures are embedded"


def test_published_data_package_is_valid(report):
    from frictionless import validate

    result = validate(str(report / "data" / "datapackage.json"))
    assert result.valid, result.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    assert len(list((report / "data" / "iso37120").glob("*.json"))) == 128


def test_manifest_verifies(report):
    import json

    from citybank.manifest import verify_manifest

    manifest = json.loads((report / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["sample_data"] is True
    assert {"pandas", "papermill", "typst"} <= set(manifest["packages"])
    outputs = {o["path"] for o in manifest["outputs"]}
    assert f"reports/{YEAR}/report_pl.pdf" in outputs
    assert verify_manifest(report / "manifest.json", root=report.parents[1]) == []


def test_rebuild_with_no_change_executes_nothing(built, report):
    root, _ = built
    proc = run(root, "build", "--year", str(YEAR))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "0 executed" in proc.stdout  # how fast: the bench measures it (no timing in tests)


def test_two_builds_from_scratch_are_byte_identical(report, tmp_path_factory):
    """An academic partner rebuilding from the same inputs gets the same published files and PDF."""
    from citybank.util import sha256_file

    other = fresh_workbench(tmp_path_factory.mktemp("e2e-again") / "wb")
    proc = run(other, "report", "--year", str(YEAR), "--lang", "pl")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    second = other / "reports" / str(YEAR)
    published = sorted(p.relative_to(report) for p in (report / "data").rglob("*") if p.is_file())
    assert len(published) > 50
    for rel in [*published, Path("report_pl.pdf"), Path("report_pl.docx")]:
        assert sha256_file(report / rel) == sha256_file(second / rel), rel


def test_every_notebook_kind_runs_for_every_sample_year(built, report):
    """Each template runs top to bottom for every sample year (languages rotate; 2024 ran in all three),
    including years where a category's newer datasets have no data yet."""
    from citybank.params import load_params

    root, _ = built
    reg = load_params(root / "params")
    slugs, clauses = list(reg.categories), [str(i["id"]) for i in reg.extra["iso37120"]["indicators"]]
    for i, year in enumerate(y for y in reg.city.sample_years if y != YEAR):
        lang = LANGS[i % 3]
        only = ",".join(f"{lang}/{name}" for name in (
            "overview", f"category-{slugs[i % len(slugs)]}", "iso-overview",
            f"iso-{clauses[(7 * i) % len(clauses)]}", "strategy", "consistency"))  # fmt: skip
        proc = run(root, "build", "--year", str(year), "--only", only, timeout=600)
        assert proc.returncode == 0, (year, proc.stdout[-1500:], proc.stderr[-1500:])
        assert "6 executed, 0 up to date, 0 failed" in proc.stdout, (year, proc.stdout[-500:])


def test_every_chart_of_the_year_is_readable(report):
    """The figure check (citybank.plots.figure_problems) over every chart the year's build drew, in all three
    languages: nothing outside the figure, no two texts overlapping, distinct tick labels, a unit on every
    value axis."""
    import json

    found = []
    notebooks = sorted((report / "notebooks").glob("*/*.ipynb"))
    assert len(notebooks) > 400
    charts = 0
    for path in notebooks:
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for out in cell.get("outputs", []):
                meta = out.get("metadata", {}).get("image/png")
                if meta is None:
                    continue
                charts += 1
                found += [f"{path.parent.name}/{path.stem}: {p}" for p in meta.get("citybank_problems", [])]
    assert charts > 400
    assert not found, f"{len(found)} problem(s) in the charts:\n" + "\n".join(found[:60])


def test_every_bank_figure_on_a_page_is_the_banks(report):
    """Every value a page's tables and charts show straight from the bank (the notebooks' outputs carry them:
    variable, territory, year, value) is the value the bank holds: no page sums, rounds or invents its own —
    a partial sum of four districts shown as the city's figure would fail here."""
    import json

    import pandas as pd

    bank = pd.read_parquet(report.parents[1] / "data" / "bank" / "bank.parquet")
    held = {(r.variable, r.territory, int(r.year)): float(r.value) for r in bank.itertuples() if pd.notna(r.value)}
    shown, wrong = 0, []
    for path in sorted((report / "notebooks").glob("*/*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            for out in cell.get("outputs", []):
                for meta in out.get("metadata", {}).values():
                    for variable, territory, year, value in meta.get("citybank_values", []):
                        shown += 1
                        bank_value = held.get((variable, territory, year))
                        if bank_value is None or abs(bank_value - value) > 1e-9 * max(1.0, abs(value)):
                            wrong.append(f"{path.parent.name}/{path.stem}: {variable} {territory} {year} = {value} "
                                         f"(the bank: {bank_value})")  # fmt: skip
    assert shown > 3000
    assert not wrong, f"{len(wrong)} figure(s) not in the bank:\n" + "\n".join(wrong[:40])
