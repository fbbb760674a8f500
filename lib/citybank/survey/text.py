"""Open answers: normalised and stemmed Polish text (for the coding rules of ``citybank.survey.coding``) and
redaction of personal data (for the quote bank).

Stemming uses Stempel (the algorithmic Polish stemmer of Apache Lucene and Elasticsearch) through ``pystempel``,
pinned exactly: its stemming table ships inside the wheel (nothing is downloaded) and a different version may stem
differently, so the codebook names the version it was written for and ``coding`` refuses another. The ``original``
table (Apache-2.0, ~2 s to load, loaded once per process) under-stems (``basen`` → ``bąć`` but ``basenu`` →
``basen``); that is why a rule matches a word when its stem *or* its folded form agrees, and why rules may use a
folded prefix (``basen*``) where inflected forms stem apart. Words are stemmed with their diacritics (Stempel needs
them) and the stem is folded afterwards, so ``ścieżki`` and ``sciezki`` meet at the prefix ``sciez*``.

>>> redact("Proszę dzwonić: tel. 604 123 456 albo pisać na jan.nowak@example.pl")
('Proszę dzwonić: tel. [telefon] albo pisać na [e-mail]', ['email', 'phone'])
>>> redact("Pani Anna Nowak z ul. Wyzwolenia 12/4 pomogła")[0]
'Pani [imię i nazwisko] z [adres] pomogła'
>>> normalise("  Źle oświetlone ULICE, smog!! ")
'zle oswietlone ulice smog'
>>> words("Więcej ścieżek rowerowych, mniej smogu!")
['więcej', 'ścieżek', 'rowerowych', 'mniej', 'smogu']
"""

from __future__ import annotations

import functools
import re
import unicodedata
import warnings
from importlib.metadata import version
from typing import Any

import pystempel
import pystempel.streams

UPPER = "A-ZĄĆĘŁŃÓŚŹŻ"
LOWER = "a-ząćęłńóśźż"
WORD = rf"[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?"
# A word of a street name: a capitalised word, a Roman numeral ("Jana Pawła II"), a day of a date ("3 Maja"),
# or an abbreviated title ("gen.", "ks.", "św.", "marsz.", "bpa").
STREET_WORD = rf"(?:{WORD}|[IVX]{{1,4}}|\d{{1,2}}(?=\s+{WORD})|(?:gen|ks|św|marsz|bp|bpa|kard|prof|dr|pl|im)\.)"

# Common Polish first names (GUS PESEL register, most frequent), in the nominative; enough to catch "Jan Kowalski".
_NAMES = (
    "Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Krystyna Elżbieta Magdalena Joanna Zofia Monika Teresa "
    "Danuta Natalia Aleksandra Karolina Marta Beata Dorota Halina Jadwiga Janina Irena Grażyna Renata Iwona Paulina "
    "Piotr Krzysztof Andrzej Tomasz Paweł Jan Michał Marcin Jakub Adam Marek Łukasz Grzegorz Mateusz Wojciech "
    "Mariusz Dariusz Zbigniew Rafał Robert Kamil Jacek Jerzy Stanisław Józef Tadeusz Janusz Ryszard Kazimierz Sławomir"
)
FIRST_NAMES = _NAMES.split()


def _name_forms(name: str) -> str:
    """A regex of a first name in its common cases: Anna → Ann(a|y|ie|ę|ą|…), Paweł → Pawł(a|em|owi|u), Jan → Jan(em|…)."""
    if name.endswith("a"):
        return f"{name[:-1]}(?:a|y|i|ie|ę|ą|o|ii|ią|ię|io)"
    if name.endswith("eł") or name.endswith("ek"):  # a mobile e: Paweł → Pawła, Marek → Marka
        short = name[:-2] + name[-1]
        return f"(?:{name}|{short}(?:a|em|iem|owi|u))"
    return f"{name}(?:a|em|iem|owi|ie|u)?"


NAME_FORMS = "|".join(_name_forms(n) for n in FIRST_NAMES)
LETTER = f"{UPPER}{LOWER}"
# An address after its keyword, in any case ("ul. Wyzwolenia 12/4", "UL. WYZWOLENIA 12", "ulicy gen. Hallera 2 m. 3",
# "al.Niepodległości 44a", "os. Tysiąclecia 12 lok. 5"): up to five words, then the number and a flat.
ADDRESS_KEY = (
    r"(?:\b(?:ul|al|os|pl)\.|\b(?:ulica|ulicy|ulicę|ulicą|aleja|alei|aleję|aleją|osiedle|osiedlu|plac|placu)\b)"
)
ADDRESS_WORD = rf"(?:[{LETTER}]+\.?|\d{{1,2}}(?=\s+[{LETTER}]))"
FLAT = r"(?:\s*/\s*\d+[a-zA-Z]?|\s*(?:m|lok|lokal|mieszk)\.?\s*\d+)?"


def _phone(m: re.Match[str]) -> str:
    """A candidate phone number is one when it has nine digits after the country code (else it is left as it is)."""
    digits = re.sub(r"\D", "", m.group(0))
    if re.match(r"\s*(?:\+|00)\s*48", m.group(0)):
        digits = digits[2:] if digits.startswith("48") else digits[4:]
    return "[telefon]" if len(digits) == 9 else m.group(0)


PATTERNS: list[tuple[str, Any, re.Pattern[str]]] = [
    ("email", "[e-mail]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    # spelt out to fool a filter: jan.nowak (at) example.pl, jan.nowak[małpa]example(kropka)pl
    ("email", "[e-mail]", re.compile(r"[\w.+-]+\s*[(\[]\s*(?:at|małpa|malpa)\s*[)\]]\s*[\w-]+(?:\s*(?:\.|[(\[]\s*(?:dot|kropka)\s*[)\]])\s*[\w-]+)+", re.I)),
    ("iban", "[rachunek]", re.compile(r"(?<![\w])(?:PL\s?)?\d{2}(?:[\s-]?\d{4}){6}(?!\d)", re.I)),
    ("pesel", "[PESEL]", re.compile(r"(?<![\d/])\d{6}[\s-]?\d{5}(?![\d/])")),
    ("phone", _phone, re.compile(r"(?<![\w/+])(?:\+|00)\s?48[\s.-]?\(?\d{2,3}\)?(?:[\s.-]?\d{2,3}){2,3}(?![\w/])")),
    ("phone", _phone, re.compile(r"(?<![\w/+])\(?\d{2,3}\)?(?:[\s.-]?\d{2,3}){2,3}(?![\w/])")),
    ("address", "[adres]", re.compile(rf"{ADDRESS_KEY}\s*(?:{ADDRESS_WORD}\s*){{1,5}}?\d+[a-zA-Z]?(?![\d]){FLAT}", re.I)),
    # without its keyword an address still has a flat: "na Wyzwolenia 12/4"
    ("address", "[adres]", re.compile(rf"\b[{UPPER}][{LOWER}]{{3,}}\s+\d{{1,3}}[a-zA-Z]?\s*/\s*\d{{1,3}}(?![\d/])")),
    ("name", r"\1 [imię i nazwisko]", re.compile(rf"\b(Pan|Pani|Panem|Panią|Panu|Pana|Panie)\s+{WORD}(?:\s+{WORD})?")),
    ("name", "[imię i nazwisko]", re.compile(rf"\b(?:{NAME_FORMS})\s+{WORD}")),
]  # fmt: skip
LEAK_KINDS = ("email", "phone", "pesel", "iban")
"""What must never be left in published text (checked again on the quote bank after redaction)."""


def leaks(text: str) -> list[str]:
    """The kinds of :data:`LEAK_KINDS` still in ``text`` (a phone candidate counts only when it is one)."""
    found = []
    for kind, placeholder, pattern in PATTERNS:
        if kind not in LEAK_KINDS or kind in found:
            continue
        if any(not callable(placeholder) or placeholder(m) != m.group(0) for m in pattern.finditer(text)):
            found.append(kind)
    return found


def redact(text: str) -> tuple[str, list[str]]:
    """The text with phone numbers, e-mails, addresses and names replaced by placeholders, and the kinds found."""
    found: list[str] = []
    for kind, placeholder, pattern in PATTERNS:
        text, n = pattern.subn(placeholder, text)
        if n and kind not in found:
            found.append(kind)
    return text, found


def normalise(text: str) -> str:
    """Lower case, Polish letters folded to ASCII (ł → l), punctuation to spaces, spaces collapsed."""
    text = text.casefold().replace("ł", "l")
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def fold(text: str) -> str:
    """Polish letters folded to ASCII (ą → a, ł → l), lower case."""
    text = text.casefold().replace("ł", "l")
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The words of a text in lower case, diacritics kept (what the stemmer needs), punctuation and digits dropped."""
    return re.findall(r"[^\W\d_]+", unicodedata.normalize("NFC", text).casefold())


STEMMER_VERSION = version("pystempel")
STEMMER_TABLES = {"original": pystempel.Stemmer.default, "polimorf": pystempel.Stemmer.polimorf}


@functools.cache
def _stemmer(table: str) -> pystempel.Stemmer:
    pystempel.streams.DISABLE_TQDM = True  # no progress bar on the terminal while the table loads
    with warnings.catch_warnings():  # pystempel 2.0.0 uses the deprecated importlib.resources.path
        warnings.simplefilter("ignore", DeprecationWarning)
        return STEMMER_TABLES[table]()


@functools.cache
def stem(word: str, table: str = "original") -> str:
    """The folded Stempel stem of one lower-case word (the folded word itself when it has no stem or is short)."""
    if len(word) < 3:
        return fold(word)
    out = _stemmer(table)(word)
    return fold(out) if out else fold(word)
