"""Site search that works from a disk copy (``file://``): a stemmed index per language, built at render time.

Why this shape (README, Design):

- A ``file://`` page may not ``fetch()`` a JSON file, but it may load a classic ``<script>``. The index of a
  language is therefore ``site/<lang>/search-index.js``, which assigns one global
  (``window.CITYBANK_SEARCH_INDEX``); ``site/assets/search/search.js`` (the box and the results list) loads it,
  and the language's stemmer, the first time the search box is used.
- The query must be stemmed exactly as the index was, including inflections the site never uses. The stemmers
  are Snowball's (Polish, English, German): in Python the PyPI package ``snowballstemmer`` (pinned), in the
  browser the JavaScript that the same Snowball release (3.1.1) generates from the same ``.sbl`` sources,
  vendored in ``citybank/templates/search/snowball/`` with its licence. Both sides share one tokeniser (runs of
  Unicode letters, runs of decimal digits, lower-cased after NFC) and one key: the stem with diacritics folded
  (``mieszkańców`` → ``mieszkańc`` → ``mieszkanc``); each word of a page is also indexed as if typed without
  diacritics (``mieszkancow``), so a query typed without Polish letters finds the page too.
  A browser test runs the JavaScript over the site's whole vocabulary and compares every key with Python's.
- The index is made from the written pages (their ``<main>``, less the parts marked ``data-search-ignore``; Pagefind reads the same parts),
  so every page any module writes is found, titles count more than body text, and the same pages give the
  same bytes.
- For a hosted copy, ``pagefind`` (PyPI, a binary in its wheel) also writes a Pagefind index to
  ``site/pagefind/`` when it is installed; the box uses it when the page is served over HTTP(S) and it loads,
  and says under the box which search answers.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import snowballstemmer

# The snowballstemmer release the vendored JavaScript was generated with (a test checks the two agree).
SNOWBALL_VERSION = "3.1.1"
ALGORITHMS = {"pl": "polish", "en": "english", "de": "german"}
INDEX_FILE = "search-index.js"
INDEX_GLOBAL = "CITYBANK_SEARCH_INDEX"
STEMMER_GLOBAL = "CITYBANK_STEMMER"
ASSETS = "assets/search"
# A key in the page's title weighs TITLE_WEIGHT for a one-word title, less in a longer one (2 × 10 / (1 + words):
# "Population" 10, "Population by age" 5), in its text its count capped at TEXT_CAP: a page named for a word
# outranks the pages that mention it often or name it among other things.
TITLE_WEIGHT = 10
TEXT_CAP = 5
SNIPPET_CHARS = 160
_WORDS = re.compile(r"[^\W_]+")
_FOLD = {"ł": "l", "Ł": "L", "ø": "o", "đ": "d"}  # letters NFD does not split into base + mark


def tokens(text: str) -> list[str]:
    """Runs of letters (Unicode category L) and runs of decimal digits, lower-cased after NFC; the browser's
    ``/\\p{L}+|\\p{Nd}+/gu`` on ``text.normalize('NFC').toLowerCase()`` gives the same list.

    >>> tokens("Liczba mieszkańców: 62 817 (m²), ISO 37120")
    ['liczba', 'mieszkańców', '62', '817', 'm', 'iso', '37120']
    """
    out: list[str] = []
    for run in _WORDS.findall(unicodedata.normalize("NFC", text).lower()):
        if run.isalpha() or run.isdecimal():
            out.append(run)
            continue
        word, kind = "", ""
        for ch in run:  # a run mixing letters, digits and other alphanumerics (², ½) splits into its parts
            k = "L" if ch.isalpha() else "D" if ch.isdecimal() else ""
            if k != kind and word:
                out.append(word)
                word = ""
            kind = k
            if k:
                word += ch
        if word:
            out.append(word)
    return out


def fold(word: str) -> str:
    """Diacritics removed (NFD, marks dropped; ł → l).

    >>> fold("mieszkańc"), fold("łódź"), fold("straße")
    ('mieszkanc', 'lodz', 'straße')
    """
    word = "".join(_FOLD.get(c, c) for c in word)
    return "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn")


@cache
def _stemmer(lang: str):
    return snowballstemmer.stemmer(ALGORITHMS[lang])


@cache
def key(word: str, lang: str) -> str:
    """The index key of one token: its Snowball stem, folded; numbers stay as they are.

    >>> [key(w, "pl") for w in ("mieszkańcy", "mieszkańców", "mieszkancami")]
    ['mieszkanc', 'mieszkanc', 'mieszkanc']
    >>> key("Einwohnern".lower(), "de"), key("residents", "en")
    ('einwohn', 'resid')
    """
    if word.isdecimal():
        return word
    return fold(_stemmer(lang).stemWord(word))


@cache
def keys(word: str, lang: str) -> tuple[str, ...]:
    """The keys a word of a page is indexed under: its own, and that of the word typed without diacritics
    (the stemmer knows ``-ów`` but not ``-ow``), so that ``mieszkancow`` finds ``mieszkańców``.

    >>> keys("mieszkańców", "pl"), keys("dzielnic", "pl")
    (('mieszkanc', 'mieszkancow'), ('dzielnic',))
    """
    return tuple(dict.fromkeys((key(word, lang), key(fold(word), lang))))


# ------------------------------------------------------------------ pages → documents


@dataclass
class Doc:
    href: str  # relative to the language folder
    title: str
    text: str

    @property
    def snippet(self) -> str:
        words = self.text.split()
        out = ""
        for w in words:
            if len(out) + len(w) + 1 > SNIPPET_CHARS:
                return out + " …"
            out = f"{out} {w}" if out else w
        return out


class _MainText(HTMLParser):
    """The text of a page's ``<main>`` (less ``data-search-ignore`` parts and ``<script>``/``<style>``), its
    ``<h1>`` and the alt texts of its images."""

    SKIP = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth = 0  # inside <main> when > 0 (element depth within it)
        self.ignore_at: int | None = None
        self.in_h1 = False
        self.title: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "main" and not self.depth:
            self.depth = 1
            return
        if not self.depth:
            return
        if tag == "img" and self.ignore_at is None and a.get("alt"):
            self.text.append(f" {a['alt']} ")
        if tag in self.VOID:
            return
        self.depth += 1
        if self.ignore_at is None and (tag in self.SKIP or "data-search-ignore" in a):
            self.ignore_at = self.depth
        if tag == "h1":
            self.in_h1 = True
        if tag in {"p", "div", "li", "tr", "td", "th", "h2", "h3", "h4", "br", "figure", "caption", "pre"}:
            self.text.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if not self.depth or tag in self.VOID:
            return
        if tag == "h1":
            self.in_h1 = False
        if self.ignore_at is not None and self.depth == self.ignore_at:
            self.ignore_at = None
        self.depth -= 1
        self.text.append(" ")

    def handle_data(self, data: str) -> None:
        if not self.depth or self.ignore_at is not None:
            return
        (self.title if self.in_h1 else self.text).append(data)


def page_doc(path: Path, href: str) -> Doc | None:
    """The document of one written page; None when it has no ``<main>`` or no ``<h1>``."""
    parser = _MainText()
    text = path.read_text(encoding="utf-8")
    start, end = text.find("<main"), text.rfind("</main>")
    parser.feed(text[start : end + 7] if 0 <= start < end else text)
    title = " ".join("".join(parser.title).split())
    if not title:
        return None
    return Doc(href, title, " ".join("".join(parser.text).split()))


def language_docs(folder: Path) -> list[Doc]:
    """Every page of a language folder (and its subfolders), by path; hrefs are relative to the folder (the
    box builds links for pages directly in it)."""
    docs = [page_doc(p, p.relative_to(folder).as_posix()) for p in sorted(folder.rglob("*.html"))]
    return [d for d in docs if d is not None]


# ------------------------------------------------------------------ the index


def build_index(docs: list[Doc], lang: str) -> dict:
    """``pages``: [href, title, snippet] by position; ``terms``: key → [[page, weight], …] (weight: the title
    weight when the key is in the title, plus its count in the text capped at TEXT_CAP); ``n``: the number of
    pages."""
    terms: dict[str, dict[int, int]] = {}
    for i, doc in enumerate(docs):
        counts: dict[str, int] = {}
        for word in tokens(doc.text):
            for k in keys(word, lang):
                counts[k] = counts.get(k, 0) + 1
        weights = {k: min(c, TEXT_CAP) for k, c in counts.items()}
        title = tokens(doc.title)
        title_weight = max(1, round(2 * TITLE_WEIGHT / (1 + len(title))))
        for k in {k for word in title for k in keys(word, lang)}:
            weights[k] = weights.get(k, 0) + title_weight
        for k, w in weights.items():
            terms.setdefault(k, {})[i] = w
    return {
        "lang": lang,
        "n": len(docs),
        "pages": [[d.href, d.title, d.snippet] for d in docs],
        "terms": {k: sorted([p, w] for p, w in postings.items()) for k, postings in sorted(terms.items())},
    }


def search(index: dict, query: str) -> list[tuple[str, str]]:
    """The Python twin of the browser's ranking (tests compare them): pages having every query key, by
    Σ weight × log(1 + n / df), then by position; [(href, title)]."""
    keys = list(dict.fromkeys(key(w, index["lang"]) for w in tokens(query)))
    if not keys or any(k not in index["terms"] for k in keys):
        return []
    score: dict[int, float] = {}
    for n, k in enumerate(keys):
        postings = index["terms"][k]
        idf = math.log(1 + index["n"] / len(postings))
        hits = {p: w * idf for p, w in postings}
        score = hits if n == 0 else {p: s + hits[p] for p, s in score.items() if p in hits}
    ranked = sorted(score, key=lambda p: (-round(score[p], 9), p))
    return [(index["pages"][p][0], index["pages"][p][1]) for p in ranked]


def index_js(index: dict) -> str:
    body = json.dumps(index, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return f"window.{INDEX_GLOBAL} = {body};\n"


# ------------------------------------------------------------------ JavaScript assets


def _asset(*parts: str) -> str:
    return resources.files("citybank").joinpath("templates", "search", *parts).read_text(encoding="utf-8")


def _module_body(source: str) -> str:
    """A Snowball-generated ES module as the body of a function (a ``file://`` page cannot load modules):
    the import of the base class goes (it is passed in as ``B``), ``export default`` becomes ``return``."""
    source = re.sub(r"^import B from '\./base-stemmer\.js'\s*$", "", source, flags=re.M)
    body, n = re.subn(r"^export default class\b", "return class", source, count=1, flags=re.M)
    if n != 1:
        raise ValueError("the vendored Snowball JavaScript has no `export default class`")
    return body


def stemmer_js(lang: str) -> str:
    """A classic script defining ``window.CITYBANK_STEMMER[lang]``: the Snowball stemmer of ``lang``."""
    base = _module_body(_asset("snowball", "base-stemmer.js"))
    algo = _module_body(_asset("snowball", f"{ALGORITHMS[lang]}-stemmer.js"))
    return (
        f"/* Snowball {SNOWBALL_VERSION} stemmer ({ALGORITHMS[lang]}), generated from {ALGORITHMS[lang]}.sbl; "
        "BSD licence: see COPYING-snowball.txt beside this file. */\n"
        f"(function () {{\n'use strict';\nconst B = (function () {{\n{base}\n}})();\n"
        f"const Stemmer = (function (B) {{\n{algo}\n}})(B);\n"
        f"window.{STEMMER_GLOBAL} = window.{STEMMER_GLOBAL} || {{}};\n"
        f"window.{STEMMER_GLOBAL}[{json.dumps(lang)}] = new Stemmer();\n}})();\n"
    )


def write_assets(site: Path, langs: list[str] | tuple[str, ...]) -> list[Path]:
    """``site/assets/search/``: the box's script, one stemmer per language, the Snowball licence."""
    out = site / ASSETS
    out.mkdir(parents=True, exist_ok=True)
    files = {"search.js": _asset("search.js"), "COPYING-snowball.txt": _asset("snowball", "COPYING")}
    files.update({f"stem-{lg}.js": stemmer_js(lg) for lg in langs})
    written = []
    for name, text in sorted(files.items()):
        path = out / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def write_index(site: Path, lang: str) -> Path:
    """``site/<lang>/search-index.js`` from the pages written in ``site/<lang>/``."""
    folder = site / lang
    path = folder / INDEX_FILE
    path.write_text(index_js(build_index(language_docs(folder), lang)), encoding="utf-8")
    return path


# ------------------------------------------------------------------ Pagefind (hosted copies)


@cache
def pagefind_command() -> list[str] | None:
    """How to run Pagefind here (the ``pagefind`` PyPI package with its binary), or None when absent."""
    try:
        import pagefind_bin  # the binary shipped in the pagefind-bin wheel
    except ImportError:
        return None
    exe = pagefind_bin.get_executable()
    return [str(exe)] if exe and Path(exe).exists() else None


def write_pagefind(site: Path) -> Path | None:
    """``site/pagefind/``: a Pagefind index of every language (Pagefind reads each page's ``lang``), written
    afresh; None when Pagefind is not installed. Raises RuntimeError naming Pagefind's message if it fails."""
    cmd = pagefind_command()
    out = site / "pagefind"
    if out.exists():
        shutil.rmtree(out)
    if cmd is None:
        return None
    proc = subprocess.run(
        [*cmd, "--site", str(site), "--output-subdir", "pagefind", "--glob", "*/**/*.html", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        msg = (proc.stderr or proc.stdout).strip()
        raise RuntimeError(f"pagefind failed ({proc.returncode}): {msg}")
    # Pagefind lists the languages in hash-map order: sorted, the same site gives the same bytes.
    entry = out / "pagefind-entry.json"
    data = json.loads(entry.read_text(encoding="utf-8"))
    entry.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")), encoding="utf-8")
    return out


def search_context(lang: str) -> dict[str, str]:
    """The data the page template gives the search box (paths are relative to a page of ``site/<lang>/``)."""
    return {
        "index": INDEX_FILE,
        "stemmer": f"../{ASSETS}/stem-{lang}.js",
        "script": f"../{ASSETS}/search.js",
        "pagefind": "../pagefind/pagefind.js" if pagefind_command() else "",
    }
