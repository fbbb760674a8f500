"""The site search's Python side: tokens, stemmed keys, the index, its ranking, the JavaScript it ships, and the
accessibility declaration's params. The browser side (the same keys in JavaScript, the box on file:// pages)
is in tests/test_browser.py."""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from citybank.params import ParamsError, load_params
from citybank.params.accessibility import Accessibility
from citybank.render import search
from citybank.render.accessibility import declaration_html

ROOT = Path(__file__).resolve().parents[1]
SNOWBALL = ROOT / "lib" / "citybank" / "templates" / "search" / "snowball"


def test_tokens_are_letter_runs_and_digit_runs():
    assert search.tokens("Stopa bezrobocia (%) w 2024 r.: 5,1") == ["stopa", "bezrobocia", "w", "2024", "r", "5", "1"]
    assert search.tokens("m² ZAŻÓŁĆ Straße") == ["m", "zażółć", "straße"]
    assert search.tokens("e\u0301") == ["é"]  # NFC first: e + combining acute is one letter


@pytest.mark.parametrize(
    ("lang", "forms", "expected"),
    [
        ("pl", ["mieszkańcy", "mieszkańców", "mieszkańcom", "mieszkańcami", "Mieszkancy"], "mieszkanc"),
        ("pl", ["ludność", "ludności", "ludnością"], "ludnosc"),
        ("pl", ["dzielnica", "dzielnic", "dzielnicach"], "dzielnic"),
        ("en", ["population", "populations"], "popul"),
        ("en", ["resident", "residents"], "resid"),
        ("de", ["Einwohner", "Einwohnern", "Einwohnerinnen"], "einwohn"),
        ("de", ["Bevölkerung", "Bevölkerungen"], "bevolker"),
    ],
)
def test_inflected_forms_share_one_key(lang, forms, expected):
    assert {search.key(w.lower(), lang) for w in forms} == {expected}


def test_numbers_are_their_own_keys():
    assert search.key("37120", "de") == "37120"


def docs() -> list[search.Doc]:
    return [
        search.Doc("a.html", "Ludność", "Liczba mieszkańców dzielnic."),
        search.Doc("b.html", "Metodologia", " ".join(["mieszkańców"] * 7) + " ludności"),
        search.Doc("c.html", "Mieszkańcy", "Ankieta."),
    ]


def test_index_by_hand():
    index = search.build_index(docs(), "pl")
    assert index["n"] == 3 and index["lang"] == "pl"
    assert index["pages"][0] == ["a.html", "Ludność", "Liczba mieszkańców dzielnic."]
    # a title word weighs 10, text words their count capped at 5
    assert index["terms"]["mieszkanc"] == [[0, 1], [1, 5], [2, 10]]
    assert index["terms"]["ludnosc"] == [[0, 10], [1, 1]]
    assert index["terms"]["ankiet"] == [[2, 1]]
    assert index["terms"]["mieszkancow"] == [[0, 1], [1, 5]]  # mieszkańców as if typed without diacritics
    assert list(index["terms"]) == sorted(index["terms"])
    # a longer title weighs less: 2 × 10 / (1 + 3 words) = 5
    longer = search.build_index([search.Doc("d.html", "Ludność według wieku", "")], "pl")
    assert longer["terms"]["ludnosc"] == [[0, 5]]


def test_ranking_by_hand():
    index = search.build_index(docs(), "pl")
    # mieszkanc is on every page: idf = ln(1 + 3/3); weights 10 (title), 5 (capped), 1
    assert [h for h, _ in search.search(index, "mieszkańcami")] == ["c.html", "b.html", "a.html"]
    # every query key must be on the page: only a.html and b.html have both
    assert [h for h, _ in search.search(index, "ludności mieszkańców")] == ["a.html", "b.html"]
    assert search.search(index, "ludności rowerów") == []
    assert [h for h, _ in search.search(index, "mieszkancow")] == ["b.html", "a.html"]  # typed without diacritics
    assert search.search(index, "  ,; ") == []


def test_snippet_is_cut_at_a_word():
    doc = search.Doc("x.html", "T", "słowo " * 60)
    assert doc.snippet.endswith(" …") and len(doc.snippet) <= search.SNIPPET_CHARS + 2
    assert doc.snippet[:-2].split() == ["słowo"] * 26


def test_index_js_is_one_global_and_stable():
    text = search.index_js(search.build_index(docs(), "pl"))
    prefix = f"window.{search.INDEX_GLOBAL} = "
    assert text.startswith(prefix) and text.endswith(";\n")
    assert json.loads(text[len(prefix) : -2]) == search.build_index(docs(), "pl")
    assert text == search.index_js(search.build_index(docs(), "pl"))


def test_vendored_stemmers_are_the_pinned_snowball_release():
    # The JavaScript and the Python stemmers come from one Snowball release: the pin and the files agree.
    assert metadata.version("snowballstemmer") == search.SNOWBALL_VERSION
    for algo in search.ALGORITHMS.values():
        head = (SNOWBALL / f"{algo}-stemmer.js").read_text(encoding="utf-8").splitlines()[0]
        assert head == f"// Generated from {algo}.sbl by Snowball {search.SNOWBALL_VERSION} - https://snowballstem.org/"
    assert "Redistribution and use in source and binary forms" in (SNOWBALL / "COPYING").read_text(encoding="utf-8")


def test_stemmer_js_is_a_classic_script():
    js = search.stemmer_js("pl")
    assert not re.search(r"^\s*(import|export)\b", js, flags=re.M), "a file:// page cannot load ES modules"
    assert "return class extends B" in js and f'window.{search.STEMMER_GLOBAL}["pl"] = new Stemmer();' in js


def test_page_text_leaves_out_what_is_marked(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(
        '<html><body><nav><a href="x">Nawigacja</a></nav><main><div data-search-ignore>Baner</div>'
        '<h1>Tytuł <em>strony</em></h1><p>Treść&nbsp;tekstu</p><img src="a.png" alt="Wykres ludności">'
        "<script>var ukryte = 1;</script><footer data-search-ignore><a>Następna</a></footer></main></body></html>",
        encoding="utf-8",
    )
    doc = search.page_doc(page, "p.html")
    assert doc is not None
    assert (doc.title, doc.text) == ("Tytuł strony", "Treść tekstu Wykres ludności")


def test_write_pagefind_when_installed(tmp_path):
    if search.pagefind_command() is None:
        pytest.skip("pagefind is not installed (pip install 'pagefind[bin]'); the offline index still works")
    for lang, word in (("pl", "Ludność"), ("en", "Population")):
        (tmp_path / lang).mkdir()
        (tmp_path / lang / "a.html").write_text(
            f'<!DOCTYPE html><html lang="{lang}"><head><title>{word}</title></head><body>'
            f"<nav>Menu</nav><main data-pagefind-body><h1>{word}</h1><p>{word} 2024</p></main></body></html>",
            encoding="utf-8",
        )
    out = search.write_pagefind(tmp_path)
    assert out == tmp_path / "pagefind" and (out / "pagefind.js").is_file()
    entry = json.loads((out / "pagefind-entry.json").read_text(encoding="utf-8"))
    assert {lang: v["page_count"] for lang, v in entry["languages"].items()} == {"pl": 1, "en": 1}
    first = {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    search.write_pagefind(tmp_path)  # written afresh, byte for byte the same
    assert {p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()} == first


# ------------------------------------------------------------------ the accessibility declaration


def test_declaration_params_are_checked(params_copy):
    path = params_copy / "accessibility.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["status"] = "mostly"
    data["contact"]["email"] = "not an address"
    data["published"], data["updated"] = "2025-06-01", "2024-01-01"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    text = str(exc.value)
    assert "accessibility.yml" in text and "status" in text and "contact.email" in text
    data["status"], data["contact"]["email"] = "partial", "dostepnosc@example.org"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError, match=r"updated: 2024-01-01 is before the site was published \(2025-06-01\)"):
        load_params(params_copy)


def test_declaration_page_has_the_template_structure():
    decl = Accessibility.model_validate(
        {
            "status": "partial",
            "non_compliances": [{"pl": "Wykresy <b>są</b> obrazami.", "en": "Charts.", "de": "Diagramme."}],
            "prepared": "2026-11-30",
            "published": "2025-03-01",
            "contact": {"name": "Jan Kowalski", "email": "dostepnosc@example.org", "phone": "+48 32 000 00 00"},
        }
    )
    assert decl.missing_for_publication() == ["architectural"]
    body = declaration_html(decl, "pl", "Siemianowice Śląskie", "Raport 2024", "https://dane.siemianowice.pl")
    for id_ in (
        "a11y-wstep",
        "a11y-podmiot",
        "a11y-url",
        "a11y-data-publikacja",
        "a11y-data-aktualizacja",
        "a11y-status",
        "a11y-data-sporzadzenie",
        "a11y-kontakt",
        "a11y-osoba",
        "a11y-email",
        "a11y-telefon",
        "a11y-procedura",
        "a11y-architektura",
    ):
        assert f'id="{id_}"' in body, id_
    assert '<time datetime="2025-03-01">2025-03-01</time>' in body
    assert "częściowo zgodna" in body and "Wykresy &lt;b&gt;są&lt;/b&gt; obrazami." in body
    assert '<a href="mailto:dostepnosc@example.org">' in body and '<a href="tel:+48320000000">' in body
    assert (
        '<span id="a11y-podmiot">Miasto Siemianowice Śląskie</span> zobowiązuje się' in body
        and "Rzecznika Praw Obywatelskich" in body
    )
    assert '<p id="a11y-architektura">nie podano — miasto uzupełnia' in body  # said to be missing, not left out
