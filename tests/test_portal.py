"""The data bank's portal: lineage from params, the documents catalogue, the catalogue pages of the site in three
languages (rendered alone into a temporary folder, links checked) and the one-page provider cards."""

from __future__ import annotations

import functools
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from citybank.lineage import dataset_lineage, provider_lineage
from citybank.params import ParamsError, load_params
from citybank.params.documents import Document, load_documents
from citybank.params.outline import page_order
from citybank.paths import PATHS, get_paths

LANGS = ("pl", "en", "de")
BUILT = (PATHS.bank / "bank.parquet").exists() and (PATHS.year_report(2024) / "data" / "datapackage.json").exists()
needs_sample = pytest.mark.skipif(not BUILT, reason="the bank and the 2024 data are built by `make data` / prepare")


# ---------------------------------------------------------------- lineage


def test_lineage_of_registered_unemployment_hand_checked(reg):
    """pup-bezrobocie provides registered_unemployed. By hand from params: iso37120.yml 5.1 has it as numerator
    (5.4 uses registered_unemployed_under25, another dataset's); strategy.yml indicators 'unemployed' (variable)
    and 'unemployment_share' (variable, per population_working); no consistency rule names it; it is a headline
    (publish.HEADLINES), and its category is biznes."""
    lin = dataset_lineage(reg)["pup-bezrobocie"]
    assert lin.variables == ("registered_unemployed",)
    assert lin.iso == ("5.1",)
    assert lin.strategy == ("unemployed", "unemployment_share")
    assert lin.consistency == ()
    assert lin.pages == ("overview", "category-biznes", "iso-overview", "iso-5.1", "strategy")


def test_lineage_of_a_register_only_in_a_rule(reg):
    lin = dataset_lineage(reg)["um-ludnosc-dzielnice"]  # population_registered: consistency.yml's first rule only
    assert (lin.iso, lin.strategy, lin.consistency) == ((), (), ("population_register_vs_gus",))
    assert lin.pages == ("category-ludnosc", "consistency")


def test_lineage_pages_are_the_runner_plans_pages(reg):
    from citybank.runner.plan import plan  # the layer above: the page names must be the plan's task names

    tasks = [t.id.split("/", 1)[1] for t in plan(2024, reg) if t.id.startswith("pl/")]
    assert page_order(reg) == tasks  # the same pages in the same (report) order
    every = {p for lin in dataset_lineage(reg).values() for p in lin.pages}
    assert every <= set(tasks)
    providers = provider_lineage(reg)
    assert set(providers) == set(reg.providers)
    assert providers["pup"].iso == ("5.1", "5.4")  # 5.4: registered_unemployed_under25 of pup-bezrobocie-mlodzi


# ---------------------------------------------------------------- documents


def test_documents_catalogue_loads_and_marks_unverified(reg):
    docs = load_documents(reg)
    assert docs[0].id == "strategia-rozwoju-2030" and docs[0].adopted_year == 2016
    assert all(d.verified or d.verify is not None for d in docs)


def test_documents_validation_names_file_and_key(params_copy: Path):
    path = params_copy / "documents.yml"
    path.write_text(
        "documents:\n"
        "  - {id: a, type: strategy, title: {pl: a, en: a, de: a}, source: s, verified: true, adopted: '2016-12-01'}\n"
        "  - {id: b, type: manifesto, title: {pl: b, en: b, de: b}, source: s, verified: false}\n"
        "  - {id: c, type: plan, title: {pl: c, en: c, de: c}, source: s, verified: false, adopted: '2016-13',\n"
        "     verify: {pl: x, en: x, de: x}}\n"
        "  - {id: d, type: plan, title: {pl: d, en: d, de: d}, source: s, verified: false}\n"
        "  - {id: e, type: plan, title: {pl: e, en: e, de: e}, source: s, verified: false,\n"
        "     verify: {pl: x, en: x, de: x}, category: nowhere}\n",
        encoding="utf-8",
    )
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    text = str(exc.value)
    assert (
        "params/documents.yml: documents[0] (a): verified: true needs" in text and "missing: resolution, link" in text
    )
    assert "documents[1] (b).type" in text
    assert "documents[2] (c).adopted" in text
    assert "documents[3] (d): verified: false needs 'verify'" in text
    assert "documents[4] (e).category: unknown category 'nowhere'" in text


def test_verified_document_needs_full_date():
    base = {
        "id": "x",
        "type": "plan",
        "title": {"pl": "a", "en": "b", "de": "c"},
        "source": "s",
        "verified": True,
        "resolution": "XXV/250/2016",
        "link": "https://bip.example/x",
    }
    assert Document.model_validate({**base, "adopted": "2016-12-15"}).adopted_year == 2016
    with pytest.raises(ValueError, match="full adoption date"):
        Document.model_validate({**base, "adopted": "2016-12"})


# ---------------------------------------------------------------- the site's catalogue pages and the cards


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._main = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"])
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key])
        if tag == "main":
            self._main += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self._main -= 1

    def handle_data(self, data):
        if self._main:
            self.text.append(data)


@functools.cache
def parse(path: Path | str) -> _Page:
    """A written page's links, ids and main text (each page parsed once per session)."""
    p = _Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


@pytest.fixture(scope="module")
def portal_site(tmp_path_factory):
    """Only the site (book pages without notebooks, and the portal pages) and the cards, written into a temporary
    checkout whose params, data and published 2024 data are the repository's (linked, not copied)."""
    if not BUILT:
        pytest.skip("the bank and the 2024 data are built by `make data` / prepare")
    from citybank.catalogue import build_catalogue
    from citybank.render import _inputs, search
    from citybank.render.accessibility import declaration_page
    from citybank.render.cards import write_cards
    from citybank.render.chapters import build_book
    from citybank.render.portal import site_pages
    from citybank.render.site import SiteWriter

    root = tmp_path_factory.mktemp("portal")
    (root / "params").symlink_to(PATHS.params)
    (root / "data").symlink_to(PATHS.data)
    (root / "reports" / "2024").mkdir(parents=True)
    (root / "reports" / "2024" / "data").symlink_to(PATHS.year_report(2024) / "data")
    paths = get_paths(root)
    inp = _inputs(2024, paths)
    cat = build_catalogue(2024, inp.registry, paths=paths)
    site = paths.year_report(2024) / "site"
    titles = {lg: "Raport" for lg in LANGS}
    declarations = {lg: declaration_page(inp, lg, titles[lg]) for lg in LANGS}  # linked from every page's footer
    writer = SiteWriter(site, titles, list(LANGS), True, {lg: p for lg, p in declarations.items() if p is not None})
    writer.write_root(inp.city, 2024)
    for lang in LANGS:
        writer.write_language(lang, site_pages(inp, lang, build_book(inp, lang), cat))
    search.write_assets(site, LANGS)  # the search box's script, as the renderer writes it
    for lang in LANGS:
        search.write_index(site, lang)
    cards = write_cards(inp, cat, LANGS)
    return inp, cat, site, cards


@needs_sample
def test_every_dataset_and_provider_has_a_page_with_lineage_in_three_languages(portal_site):
    from citybank.i18n import t

    inp, cat, site, _ = portal_site
    reg = inp.registry
    assert len(cat.datasets) == len(reg.datasets) and len(cat.providers) == len(reg.providers)
    for lang in LANGS:
        for ds_id, ds in reg.datasets.items():
            page = parse(site / lang / f"dataset-{ds_id}.html")
            text = " ".join(page.text)
            assert ds.title.get(lang) in text and t("portal.lineage", lang) in text, (lang, ds_id)
            assert reg.providers[ds.provider].name.get(lang) in text
        for pid in reg.providers:
            text = " ".join(parse(site / lang / f"provider-{pid}.html").text)
            assert t("portal.lineage", lang) in text
            for ds_id in cat.providers[pid].datasets:
                assert reg.datasets[ds_id].title.get(lang) in text, (lang, pid, ds_id)
        for name in ("catalogue", "providers", "documents", "changes"):
            assert (site / lang / f"{name}.html").is_file()


@needs_sample
def test_dataset_page_shows_lineage_and_problems_of_the_year(portal_site):
    _, cat, site, _ = portal_site
    page = parse(site / "en" / "dataset-pup-bezrobocie.html")
    text = " ".join(" ".join(page.text).split())
    for href in (
        "iso-5.1.html",
        "strategy.html",
        "index.html",
        "category-biznes.html",
        "../../data/biznes.csv",
        "../../data/biznes.xlsx",
        "../../data/biznes.parquet",
        "provider-pup.html",
    ):
        assert href in page.links, href
    assert "5.1 Unemployment rate" in text
    assert "Registered unemployed as a share of the working-age population" in text
    # the year's quarantine (data/quality/2024/quarantine.csv) names missing years of this dataset
    (problem,) = cat.datasets["pup-bezrobocie"].problems
    assert problem.check == "missing_year" and "missing year" in text and problem.value in text
    assert "2 of 5 stars" in text and "CC-BY-4.0" in text


@needs_sample
def test_strategy_links_documents_and_documents_are_listed(portal_site):
    inp, _, site, _ = portal_site
    assert "documents.html" in parse(site / "de" / "strategy.html").links
    text = " ".join(parse(site / "pl" / "documents.html").text)
    for doc in load_documents(inp.registry):
        assert doc.title.pl in text
    assert "do weryfikacji" in text


@needs_sample
def test_changes_page_is_honest_about_the_first_release(portal_site):
    import json

    inp, _, site, _ = portal_site
    report = json.loads((inp.report_dir / "data" / "changes.json").read_text(encoding="utf-8"))
    text = " ".join(parse(site / "en" / "changes.html").text)
    if report["first_release"]:
        assert "first release" in text
    else:
        assert f"release for {report['previous_release']}" in text


@needs_sample
def test_no_broken_relative_links_in_the_site(portal_site):
    _, _, site, _ = portal_site
    broken = []
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 3 * 130
    parsed = {os.path.normpath(p): parse(p) for p in pages}  # the same objects the other tests parsed
    exists: dict[str, bool] = {}  # the same few hundred targets, linked from every page's navigation
    for path, page in parsed.items():
        for href in dict.fromkeys(page.links):
            if re.match(r"^[a-z]+:", href) or href.startswith("#"):
                continue
            target, _, fragment = href.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), target))
            if dest not in exists:
                exists[dest] = dest in parsed or os.path.exists(dest)
            if not exists[dest]:
                broken.append(f"{path} → {href}")
            elif fragment and dest in parsed and fragment not in parsed[dest].ids:
                broken.append(f"{path} → {href} (no such anchor)")
    assert not broken, f"{len(broken)} broken link(s):\n" + "\n".join(broken[:20])


@needs_sample
def test_portal_pages_follow_the_style_rules(portal_site):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from style_rules import page_problems

    _, _, site, _ = portal_site
    found = []
    for lang in LANGS:
        for path in sorted((site / lang).glob("*.html")):
            if path.stem.startswith(("dataset-", "provider-")) or path.stem in (
                "catalogue",
                "providers",
                "documents",
                "changes",
            ):
                text = " ".join(" ".join(parse(path).text).split())
                found += [f"{lang}/{path.name}: {p}" for p in page_problems(text, lang)]
    assert not found, "\n".join(found[:20])


@needs_sample
def test_every_provider_card_is_one_page_with_its_datasets(portal_site):
    from pypdf import PdfReader

    inp, cat, _, cards = portal_site
    reg = inp.registry
    assert len(cards) == len(reg.providers) * len(LANGS)
    for pid in reg.providers:
        for lang in LANGS:
            reader = PdfReader(inp.report_dir / "cards" / f"{pid}_{lang}.pdf")
            assert len(reader.pages) == 1, (pid, lang)
            text = " ".join(reader.pages[0].extract_text().split())
            for ds_id in cat.providers[pid].datasets:
                assert " ".join(reg.datasets[ds_id].title.get(lang).split()) in text, (pid, lang, ds_id)
            if cat.providers[pid].due:
                assert "2025" in text


@needs_sample
def test_findings_are_said_on_the_dataset_page_and_the_provider_card(portal_site):
    """Issue 24: the re-sent 2024 police file (planted copy-forward) is said on the dataset page in every language
    and on the police's card, which then never thanks for data "without errors"; the 2022 dip of the register is
    on its dataset page although the report year is 2024."""
    from pypdf import PdfReader

    inp, cat, site, _ = portal_site
    police = cat.datasets["policja-przestepstwa-dzielnice"]
    assert [p.check for p in police.problems if p.finding is not None] == ["copy_forward"]
    expected = {
        "en": "2024 repeats 2023 value for value in every district",
        "pl": "Dane za 2024 r. powtarzają wartość w wartość dane za 2023 r. we wszystkich dzielnicach",
        "de": "Die Werte für 2024 wiederholen in allen Stadtteilen Wert für Wert die von 2023",
    }
    for lang, words in expected.items():
        text = " ".join(" ".join(parse(site / lang / "dataset-policja-przestepstwa-dzielnice.html").text).split())
        assert words in text, lang
        card = " ".join(PdfReader(inp.report_dir / "cards" / f"policja_{lang}.pdf").pages[0].extract_text().split())
        assert "2024" in card and (
            "without errors" not in card and "bez błędów" not in card and "fehlerfrei" not in card
        )
    register = " ".join(" ".join(parse(site / "en" / "dataset-um-ludnosc-dzielnice.html").text).split())
    assert "the value for 2022 departs from the neighbouring years (−10.0%) in 4 of 5 districts" in register
