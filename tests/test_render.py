"""The report renderer on small executed-notebook fixtures (tests/data/executed/) in a temporary checkout."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from citybank.params import load_params
from citybank.paths import get_paths
from citybank.render import render_year
from citybank.render.book import is_number, parse_tables, shift_headings
from citybank.render.extra_pages import human_size
from citybank.render.quarto import quarto_available

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "data" / "executed"
LANGS = ("pl", "en", "de")
CLAUSES = ("5.1", "5.4", "8.1", "12.5.3")
DIACRITICS = "ąęłńóśźż"
CSV_TEXT = "variable,value\npopulation_total,64800\n"  # 15 + 23 = 38 bytes


def categories() -> list[dict]:
    return yaml.safe_load((ROOT / "params" / "categories.yml").read_text(encoding="utf-8"))["categories"]


def make_report_tree(root: Path, missing: tuple[str, ...] = ()) -> Path:
    """A checkout with params/ and the executed notebooks, QA report and published data of 2024.

    ``missing`` lists '<lang>/<task>' notebooks to leave out.
    """
    shutil.copytree(ROOT / "params", root / "params")
    iso_file = root / "params" / "iso37120.yml"
    if iso_file.exists():  # keep only the indicators the fixtures have notebooks for
        iso = yaml.safe_load(iso_file.read_text(encoding="utf-8"))
        iso["indicators"] = [i for i in iso["indicators"] if i["id"] in CLAUSES]
        iso_file.write_text(yaml.safe_dump(iso, allow_unicode=True, sort_keys=False), encoding="utf-8")
        res_file = root / "params" / "residents.yml"  # and the residents' figures that point at them
        res = yaml.safe_load(res_file.read_text(encoding="utf-8"))
        res["figures"] = [f for f in res["figures"] if f.get("indicator", CLAUSES[0]) in CLAUSES]
        res_file.write_text(yaml.safe_dump(res, allow_unicode=True, sort_keys=False), encoding="utf-8")
    tasks = ["overview", *[f"category-{c['slug']}" for c in categories()], "iso-overview", "strategy", "consistency"]
    tasks += [f"survey-{t}" for t in ["overview", *survey_themes()]]
    for lang in LANGS:
        folder = root / "reports" / "2024" / "notebooks" / lang
        folder.mkdir(parents=True)
        for task in tasks:
            shutil.copyfile(FIXTURES / "chapter.ipynb", folder / f"{task}.ipynb")
        indicator = (FIXTURES / "indicator.ipynb").read_text(encoding="utf-8")
        for clause in CLAUSES:  # each indicator notebook titled with its own clause
            text = indicator.replace("# 5.1 Stopa bezrobocia", f"# {clause} Stopa bezrobocia")
            (folder / f"iso-{clause}.ipynb").write_text(text, encoding="utf-8")
        # the residents' summary: an executed notebook of the sample year (its figures in the output metadata)
        shutil.copyfile(FIXTURES / f"residents_{lang}.ipynb", folder / "residents.ipynb")
        for m in missing:
            if m.startswith(f"{lang}/"):
                (folder / f"{m.split('/', 1)[1]}.ipynb").unlink()
    qa = root / "reports" / "2024" / "qa"
    qa.mkdir(parents=True)
    (qa / "quality.md").write_text(
        "# Jakość danych 2024\n\n| Zbiór | Wiersze |\n|---|---:|\n| gus-ludnosc-wiek | 120 |\n\nKwarantanna: 2 wiersze.\n",
        encoding="utf-8",
    )
    data = root / "reports" / "2024" / "data"
    (data / "iso37120").mkdir(parents=True)
    (data / "bank_2024.csv").write_text(CSV_TEXT, encoding="utf-8")
    (data / "datapackage.json").write_text('{"name": "x"}\n', encoding="utf-8")
    records = [{"clause": "5.1", "value": 1234.5, "unit": "%", "status": "computed"}]
    (data / "iso37120" / "indicators.json").write_text(json.dumps(records), encoding="utf-8")
    return root


def survey_themes(lang: str | None = None) -> list[str]:
    """The themes of params/survey.yml (a page each, after the survey's overview): ids, or titles in ``lang``."""
    survey = yaml.safe_load((ROOT / "params" / "survey.yml").read_text(encoding="utf-8"))
    return [t["title"][lang] if lang else t["id"] for t in survey["themes"]]


def chapter_titles(lang: str) -> list[str]:
    """The level-1 chapter titles: category names from params, chapter names from the project's UI strings
    (lib/citybank/i18n.yml), the ISO overview title of the renderer."""
    from citybank.i18n import t

    iso = {"pl": "ISO 37120 – przegląd wskaźników", "en": "ISO 37120 – indicator overview",
           "de": "ISO 37120 – Indikatorenübersicht"}[lang]  # fmt: skip
    tail = ["consistency", "data_quality", "downloads", "methodology"]
    return [
        t("chapter.overview", lang),
        t("chapter.residents", lang),
        *[c["name"][lang] for c in categories()],
        iso,
        t("chapter.strategy", lang),
        t("chapter.survey", lang),
        *survey_themes(lang),
        *[t(f"chapter.{k}", lang) for k in tail],
    ]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    root = make_report_tree(tmp_path_factory.mktemp("render"))
    result = render_year(2024, paths=get_paths(root), engine="offline", sample=True)
    return root, result


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[tuple[str, str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.refs.append((tag, "", dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def parse_html(path: Path) -> _Links:
    p = _Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


# ------------------------------------------------------------------ pure helpers


def test_parse_tables_reads_pandas_and_styler_html():
    html = (
        "<style>.x{color:red}</style><table><caption>Tab. 1</caption><thead>"
        '<tr><th colspan="2">Rok</th><th>Wartość</th></tr></thead>'
        "<tbody><tr><th>a</th><td>2024</td><td>1&nbsp;234,5</td></tr></tbody></table>"
    )
    (table,) = parse_tables(html)
    assert table.caption == "Tab. 1"
    assert table.header == [["Rok", "", "Wartość"]]
    assert table.rows == [["a", "2024", "1 234,5"]]  # whitespace (incl. no-break space) normalised
    assert parse_tables("<p>no table</p>") == []


def test_number_detection_and_heading_shift():
    assert [is_number(x) for x in ["1 234,5", "-3.2%", "12", "2024", "abc", "5.1 Stopa", ""]] == [
        True, True, True, True, False, False, False,
    ]  # fmt: skip
    md = "# A\n\n```\n# not a heading\n```\n## B {#b}"
    assert shift_headings(md, 1, "{.unlisted}") == "## A {.unlisted}\n\n```\n# not a heading\n```\n### B {#b}"
    assert human_size(38, "pl") == "38 B"
    assert human_size(1234, "pl") == "1,2 kB"
    assert human_size(1234, "en") == "1.2 kB"
    assert human_size(2_500_000, "de") == "2,5 MB"


# ------------------------------------------------------------------ site


def test_render_reports_no_failures_and_every_output(rendered):
    root, result = rendered
    assert result.failures == []
    report = root / "reports" / "2024"
    for lang in LANGS:
        assert (report / f"report_{lang}.pdf").read_bytes()[:5] == b"%PDF-"
        assert (report / f"report_{lang}.docx").is_file()
        assert (report / "site" / lang / "index.html").is_file()
    assert (report / "site" / "index.html").is_file()


def test_site_pages_have_nav_in_report_order_and_language_switcher(rendered):
    root, _ = rendered
    site = root / "reports" / "2024" / "site"
    expected = (
        ["index.html", "residents.html"]
        + [f"category-{c['slug']}.html" for c in categories()]
        + ["iso-overview.html", "iso-theme-5.html", "iso-5.1.html", "iso-5.4.html", "iso-theme-8.html", "iso-8.1.html",
           "iso-theme-12.html", "iso-12.5.3.html", "strategy.html"]
        + [f"survey-{t}.html" for t in ["overview", *survey_themes()]]
        + ["consistency.html", "quality.html", "downloads.html", "methodology.html"]
    )  # fmt: skip
    expected += ["catalogue.html", "providers.html", "documents.html", "changes.html"]  # the data bank's portal
    reg = load_params(root / "params")
    portal = [f"dataset-{d}.html" for d in reg.datasets] + [f"provider-{p}.html" for p in reg.providers]
    for lang in LANGS:
        pages = sorted(p.name for p in (site / lang).glob("*.html"))
        assert pages == sorted([*expected, *portal, "accessibility.html"])  # the declaration: from the footer
        for name in expected:
            raw = (site / lang / name).read_text(encoding="utf-8")
            sidebar = raw[raw.index('<nav class="sidebar"') : raw.index("</nav>", raw.index('<nav class="sidebar"'))]
            # the sidebar lists every page, in the report's order, and marks the current one
            assert re.findall(r'href="([^"]+)"', sidebar) == expected, name
            assert f'href="{name}" aria-current="page"' in sidebar
            hrefs = [a.get("href") for tag, _, a in parse_html(site / lang / name).refs if tag == "a"]
            for other in LANGS:
                if other != lang:
                    assert f"../{other}/{name}" in hrefs
        text = "".join(parse_html(site / lang / "index.html").text)
        for title in chapter_titles(lang):
            assert title in text
    # every page, the language chooser too, links the accessibility declaration of its language(s)
    root_links = [a.get("href") for tag, _, a in parse_html(site / "index.html").refs if tag == "a"]
    assert [h for h in root_links if h.endswith("accessibility.html")] == [f"{lg}/accessibility.html" for lg in LANGS]
    for page in (site / "pl").glob("*.html"):
        assert (
            '<footer class="site-footer">\n  <a href="accessibility.html">Deklaracja dostępności</a>'
            in page.read_text(encoding="utf-8")
        ), page


def test_site_is_offline_and_figures_have_alt_text(rendered):
    root, _ = rendered
    site = root / "reports" / "2024" / "site"
    external = re.compile(r"^(https?:)?//", re.I)
    images = 0
    for page in site.rglob("*.html"):
        raw = page.read_text(encoding="utf-8")
        assert "mathjax" not in raw.lower() and "requirejs" not in raw.lower()
        # one script, the search box's (a file of the site); nothing inline, nothing from notebooks
        scripts = re.findall(r"<script\b[^>]*>", raw)
        if page.parent != site:
            assert scripts == ['<script src="../assets/search/search.js" defer>'], page
        else:
            assert scripts == [], page
        for tag, _, attrs in parse_html(page).refs:
            if tag in ("script", "img", "link", "source", "iframe"):
                ref = attrs.get("src") or attrs.get("href") or ""
                assert not external.match(ref), f"{page}: {tag} {ref}"
                if tag in ("img", "link", "script"):
                    assert (page.parent / ref).resolve().is_file(), f"{page}: broken {ref}"
            if tag == "img":
                images += 1
                assert (attrs.get("alt") or "").strip()
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(" not in css and "@media print" in css
    assert images > 0
    page = (site / "pl" / "category-ludnosc.html").read_text(encoding="utf-8")
    assert 'alt="Wykres liniowy: ludność spada z 68,2 do 64,8 tys. w latach 2020–2024"' in page
    assert 'alt="Wykres 2: Ludność według dzielnic"' in page  # generated from the nearest heading
    assert "secret internal warning" not in page  # stderr is not part of the report
    assert "category = " not in page  # parameter cells are hidden
    assert '<td class="num">14101.00</td>' in page  # numbers right-aligned


def test_sample_banner_on_every_page(rendered, tmp_path):
    root, _ = rendered
    for lang, words in [("pl", "Dane przykładowe"), ("en", "Sample data"), ("de", "Beispieldaten")]:
        for page in (root / "reports" / "2024" / "site" / lang).glob("*.html"):
            assert f'class="banner sample" role="note">{words}' in page.read_text(encoding="utf-8"), page
    other = make_report_tree(tmp_path / "real")
    render_year(2024, ["pl"], ["html"], "offline", paths=get_paths(other), sample=False)
    assert "banner sample" not in (other / "reports" / "2024" / "site" / "pl" / "index.html").read_text("utf-8")


def test_iso_theme_page_downloads_and_methodology(rendered, tmp_path):
    root, _ = rendered
    site = root / "reports" / "2024" / "site"
    theme = (site / "pl" / "iso-theme-5.html").read_text(encoding="utf-8")
    row = '<td>5.1</td><td>Stopa bezrobocia</td><td class="num">1\u00a0234,5</td><td>%</td><td>computed</td>'
    assert row in theme
    assert (
        '<td>5.4</td><td>Stopa bezrobocia młodzieży</td><td class="num"></td><td>%</td><td>nie obliczono</td>' in theme
    )
    assert "1,234.5" in (site / "en" / "iso-theme-5.html").read_text(encoding="utf-8")
    assert "5.1 Stopa bezrobocia" in (site / "pl" / "iso-5.1.html").read_text(encoding="utf-8")
    downloads = (site / "en" / "downloads.html").read_text(encoding="utf-8")
    assert '<a href="../../data/bank_2024.csv">data/bank_2024.csv</a></td><td>CSV</td><td>38 B</td>' in downloads
    assert (site / "en" / "../../data/bank_2024.csv").resolve().read_text(encoding="utf-8") == CSV_TEXT
    assert "Data Package (JSON)" in downloads
    method = (site / "en" / "methodology.html").read_text(encoding="utf-8")
    assert "2021 National Census" in method and "WCCD" in method and "Sample data" in method
    assert "Population of working age" in method  # a variable of params/datasets/gus-ludnosc-wiek.yml
    quality = (site / "pl" / "quality.html").read_text(encoding="utf-8")
    assert "Kwarantanna: 2 wiersze." in quality and "<h1>Jakość danych</h1>" in quality
    # the published per-indicator file of citybank.indicators (meta + yearly series) is read too
    data = tmp_path / "data"
    shutil.copytree(root / "reports" / "2024" / "data", data)
    (data / "iso37120" / "8.1.json").write_text(
        json.dumps({"meta": {"id": "8.1", "unit": "µg/m³", "status": "reported"},
                    "data": [{"year": 2023, "value": 30.0, "status": "reported"},
                             {"year": 2024, "value": 27.25, "status": "reported"}]}),
        encoding="utf-8",
    )  # fmt: skip
    from citybank.render.book import iso_values

    got = iso_values(data, 2024)
    assert got["8.1"] == {"clause": "8.1", "unit": "µg/m³", "value": 27.25, "status": "reported"}
    assert got["5.1"]["value"] == 1234.5


def test_missing_notebook_gives_an_honest_page_and_a_failing_exit(tmp_path):
    root = make_report_tree(tmp_path, missing=("pl/category-finanse",))
    env = {**os.environ, "CITYBANK_ROOT": str(root)}
    cmd = [sys.executable, "-m", "citybank", "render", "--year", "2024", "--lang", "pl,en", "--format", "html,pdf"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "pl/category-finanse" in proc.stderr and "en/category-finanse" not in proc.stderr
    page = (root / "reports" / "2024" / "site" / "pl" / "category-finanse.html").read_text(encoding="utf-8")
    assert "Tego rozdziału nie udało się zbudować" in page
    assert "reports/2024/notebooks/pl/category-finanse.ipynb" in page
    assert (root / "reports" / "2024" / "report_pl.pdf").is_file()  # the rest of the report is still written


def test_bad_arguments_are_user_errors(tmp_path):
    from citybank.errors import UserError

    root = make_report_tree(tmp_path)
    with pytest.raises(UserError, match="unknown language fr"):
        render_year(2024, "pl,fr", paths=get_paths(root))
    with pytest.raises(UserError, match="unknown format odt"):
        render_year(2024, "pl", "odt", paths=get_paths(root))
    with pytest.raises(UserError, match="citybank build --year 2023"):
        render_year(2023, "pl", paths=get_paths(root))


# ------------------------------------------------------------------ PDF and DOCX


def test_pdf_has_chapter_titles_and_polish_glyphs(rendered):
    import pypdf

    root, _ = rendered
    for lang in LANGS:
        reader = pypdf.PdfReader(root / "reports" / "2024" / f"report_{lang}.pdf")
        text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
        for title in chapter_titles(lang):
            assert title in text, (lang, title)
        assert DIACRITICS in text and DIACRITICS.upper() in text
        assert "Siemianowice Śląskie" in reader.pages[0].extract_text()
        assert len(reader.pages) > len(chapter_titles(lang))  # cover + contents + one page per chapter at least


def test_two_pdf_renders_are_byte_identical(rendered):
    root, _ = rendered
    pdf = root / "reports" / "2024" / "report_de.pdf"
    docx = root / "reports" / "2024" / "report_de.docx"
    summary = root / "reports" / "2024" / "residents_de.pdf"
    first, first_docx, first_summary = pdf.read_bytes(), docx.read_bytes(), summary.read_bytes()
    render_year(2024, ["de"], ["pdf", "docx"], "offline", paths=get_paths(root), sample=True)
    assert pdf.read_bytes() == first
    assert docx.read_bytes() == first_docx
    assert summary.read_bytes() == first_summary


def test_docx_has_chapter_headings(rendered):
    import docx

    root, _ = rendered
    for lang in LANGS:
        doc = docx.Document(str(root / "reports" / "2024" / f"report_{lang}.docx"))
        headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
        assert headings == chapter_titles(lang)
        assert len(doc.inline_shapes) > 0 and len(doc.tables) > 0


# ------------------------------------------------------------------ Quarto


def test_quarto_project_lists_every_chapter(rendered):
    root, _ = rendered
    for lang in LANGS:
        project = root / "reports" / "2024" / "quarto" / lang
        config = yaml.safe_load((project / "_quarto.yml").read_text(encoding="utf-8"))
        assert config["execute"] == {"enabled": False, "freeze": True}
        assert config["project"]["type"] == "book" and config["lang"] == lang
        flat: list[str] = []
        for entry in config["book"]["chapters"]:
            flat.extend(entry["chapters"] if isinstance(entry, dict) else [entry])
        stems = [Path(f).stem for f in flat]
        cats = [f"category-{c['slug']}" for c in categories()]
        assert stems == ["index", "residents", *cats, "iso-overview", "iso-theme-5", "iso-5.1", "iso-5.4", "iso-theme-8",
                         "iso-8.1", "iso-theme-12", "iso-12.5.3", "strategy",
                         *[f"survey-{t}" for t in ["overview", *survey_themes()]],
                         "consistency", "quality", "downloads", "methodology"]  # fmt: skip
        for f in flat:
            assert (project / f).is_file()
        assert flat[0] == "index.ipynb" and flat[1] == "chapters/residents.ipynb"
        assert flat[2] == "chapters/category-ekologia.ipynb"


@pytest.mark.skipif(not quarto_available(), reason="the `quarto` command is not on PATH (not installable here)")
def test_quarto_engine_renders_the_book(tmp_path):
    root = make_report_tree(tmp_path)
    result = render_year(2024, ["pl"], ["html"], "quarto", paths=get_paths(root))
    assert result.engine == "quarto" and result.failures == []
    assert (root / "reports" / "2024" / "quarto" / "pl" / "_book" / "index.html").is_file()


def test_rendering_one_language_keeps_the_others(tmp_path):
    root = make_report_tree(tmp_path)
    render_year(2024, ["pl", "en"], ["html"], "offline", paths=get_paths(root), sample=False)
    (root / "reports" / "2024" / "notebooks" / "pl" / "strategy.ipynb").unlink()
    result = render_year(2024, ["pl"], ["html"], "offline", paths=get_paths(root), sample=False)
    assert result.failures[0].startswith("pl/strategy: ")
    site = root / "reports" / "2024" / "site"
    assert (site / "en" / "strategy.html").is_file()  # untouched
    assert "Tego rozdziału nie udało się zbudować" in (site / "pl" / "strategy.html").read_text(encoding="utf-8")
    assert 'href="../en/index.html"' in (site / "pl" / "index.html").read_text(encoding="utf-8")
    assert not (site / "de").exists() and not (root / "reports" / "2024" / ".site.tmp").exists()


def test_quarto_engine_calls_quarto_on_each_language_project(tmp_path, monkeypatch):
    """Quarto is not installable here: a stand-in `quarto` on PATH records how the wrapper calls it (the
    real render is covered by the skipped test above wherever Quarto is installed)."""
    calls = tmp_path / "calls.txt"
    fake = tmp_path / "bin" / "quarto"
    fake.parent.mkdir()
    fake.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nmkdir -p "$2/_book"\n', encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    root = make_report_tree(tmp_path / "wb")
    result = render_year(2024, langs=["pl", "de"], formats=["html", "pdf"], paths=get_paths(root), engine="auto")
    assert result.engine == "quarto" and result.failures == []
    project = root / "reports" / "2024" / "quarto"
    assert calls.read_text().splitlines() == [f"render {project / 'pl'} --to html,typst",
                                              f"render {project / 'de'} --to html,typst"]  # fmt: skip
    assert project / "pl" / "_book" in result.outputs


# ------------------------------------------------------------------ the residents' summary


def _residents_sentences(lang: str) -> list[str]:
    """The key figures' sentences of the executed fixture notebook (the sample year), from its output metadata."""
    nb = json.loads((FIXTURES / f"residents_{lang}.ipynb").read_text(encoding="utf-8"))
    metas = [o.get("metadata", {}).get("text/markdown", {}) for c in nb["cells"] for o in c.get("outputs", [])]
    return next(m["citybank_sentences"] for m in metas if m.get("citybank") == "residents-figures")


def test_residents_page_in_large_type_in_each_language(rendered):
    from style_rules import page_problems

    root, _ = rendered
    site = root / "reports" / "2024" / "site"
    css = (site / "assets" / "site.css").read_text(encoding="utf-8")
    body = re.search(r"\.page-residents main \{ font-size: ([\d.]+)rem", css)
    item = re.search(r"\.page-residents main li \{ font-size: ([\d.]+)rem", css)
    assert body and float(body.group(1)) * 16 >= 20 and item and float(item.group(1)) * 16 >= 20
    for lang in LANGS:
        page = site / lang / "residents.html"
        raw = page.read_text(encoding="utf-8")
        assert '<body class="page-residents">' in raw and f'<html lang="{lang}">' in raw
        parsed = parse_html(page)
        text = " ".join("".join(parsed.text).split())
        sentences = _residents_sentences(lang)
        assert len(sentences) == 10
        for sentence in sentences:
            assert " ".join(sentence.split()) in text, (lang, sentence)
        # linked from every page's navigation, with the printout beside it and the sample banner on top
        assert f'href="../../residents_{lang}.pdf"' in raw
        assert 'href="residents.html"' in (site / lang / "index.html").read_text(encoding="utf-8")
        assert 'class="banner sample"' in raw
        main = text[text.index(t_chapter(lang)) :]
        assert page_problems(main, lang) == [], lang


def t_chapter(lang: str) -> str:
    from citybank.i18n import t

    return t("residents.title", lang, city="Siemianowice Śląskie", year=2024)


def test_residents_printout_is_two_a4_pages_with_every_figure(rendered):
    import pypdf

    root, _ = rendered
    for lang in LANGS:
        reader = pypdf.PdfReader(root / "reports" / "2024" / f"residents_{lang}.pdf")
        assert len(reader.pages) == 2, lang
        for page in reader.pages:  # A4: 595 × 842 pt
            assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
        text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
        words = " ".join(text.replace("\u00a0", " ").split())
        for sentence in _residents_sentences(lang):
            assert " ".join(sentence.replace("\u00a0", " ").split()) in words, (lang, sentence)
        assert t_chapter(lang) in words
        from citybank.i18n import t

        assert " ".join(t("render.sample_notice", lang).split()) in words


def test_residents_printout_stays_on_two_pages_whatever_the_length(tmp_path):
    """The type shrinks (down to 12 pt) until each half fits its page: long sentences never make a third page."""
    import pypdf
    from citybank.render.residents import Summary, write_pdf

    long = "Im Jahr 2024 lebten 62.817 Menschen in der Stadt, 584 weniger als ein Jahr zuvor. " * 6
    summary = Summary("Titel " * 12, "Einleitung " * 60, [f"{i}: {long}" for i in range(10)], "Quellen " * 40)
    out = write_pdf(summary, tmp_path / "build", tmp_path / "residents_de.pdf", "de", "Stadt", 2024, sample=True)
    reader = pypdf.PdfReader(out)
    assert len(reader.pages) == 2
    assert "9: Im Jahr 2024" in " ".join(reader.pages[1].extract_text().split())
    short = write_pdf(
        Summary("T", "I", ["a", "b", "c"], "Q"), tmp_path / "b2", tmp_path / "s.pdf", "de", "S", 2024, False
    )
    assert len(pypdf.PdfReader(short).pages) == 2
