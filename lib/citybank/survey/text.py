"""Open answers: normalised Polish text (for coding rules) and redaction of personal data (for the quote bank).

>>> redact("Proszę dzwonić: tel. 604 123 456 albo pisać na jan.nowak@example.pl")
('Proszę dzwonić: tel. [telefon] albo pisać na [e-mail]', ['email', 'phone'])
>>> redact("Pani Anna Nowak z ul. Wyzwolenia 12/4 pomogła")[0]
'Pani [imię i nazwisko] z [adres] pomogła'
>>> normalise("  Źle oświetlone ULICE, smog!! ")
'zle oswietlone ulice smog'
"""

from __future__ import annotations

import re
import unicodedata

UPPER = "A-ZĄĆĘŁŃÓŚŹŻ"
LOWER = "a-ząćęłńóśźż"
WORD = rf"[{UPPER}][{LOWER}]+(?:-[{UPPER}][{LOWER}]+)?"

# Common Polish first names (GUS PESEL register, most frequent), in the nominative; enough to catch "Jan Kowalski".
_NAMES = (
    "Anna Maria Katarzyna Małgorzata Agnieszka Barbara Ewa Krystyna Elżbieta Magdalena Joanna Zofia Monika Teresa "
    "Danuta Natalia Aleksandra Karolina Marta Beata Dorota Halina Jadwiga Janina Irena Grażyna Renata Iwona Paulina "
    "Piotr Krzysztof Andrzej Tomasz Paweł Jan Michał Marcin Jakub Adam Marek Łukasz Grzegorz Mateusz Wojciech "
    "Mariusz Dariusz Zbigniew Rafał Robert Kamil Jacek Jerzy Stanisław Józef Tadeusz Janusz Ryszard Kazimierz Sławomir"
)
FIRST_NAMES = _NAMES.split()
PATTERNS: list[tuple[str, str, re.Pattern[str]]] = [
    ("email", "[e-mail]", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("phone", "[telefon]", re.compile(r"(?<![\d/])(?:\+48[\s-]?)?(?:\(?\d{2}\)?[\s-]?\d{3}[\s-]?\d{2}[\s-]?\d{2}|\d{3}[\s-]?\d{3}[\s-]?\d{3})(?![\d/])")),
    ("address", "[adres]", re.compile(rf"\b(?:ul\.|ulica|ulicy|al\.|aleja|alei|os\.|osiedle|pl\.|plac)\s*(?:{WORD}\s+)*{WORD}\s+\d+[a-zA-Z]?(?:/\d+)?")),
    ("name", r"\1 [imię i nazwisko]", re.compile(rf"\b(Pan|Pani|Panem|Panią|Panu)\s+{WORD}(?:\s+{WORD})?")),
    ("name", "[imię i nazwisko]", re.compile(rf"\b(?:{'|'.join(FIRST_NAMES)})\s+{WORD}")),
]  # fmt: skip


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
