"""The language and number-style rules of docs/number-style.md as checks over a page's visible text (and its
images' alt texts): one language per page, no raw codes or internal paths, one notation per page.

``page_problems(text, lang)`` returns sentences naming what is wrong; the browser tests apply it to every page
of a year's site in the three languages, ``tests/test_style_rules.py`` pins each rule on hand-made text.
"""

from __future__ import annotations

import re

# Words that give away another language (whole words, case-sensitive where a capital matters).
FOREIGN: dict[str, tuple[str, ...]] = {
    "pl": (
        "persons", "people", "residents", "per 1,000", "count", "events", "FTE", "Source", "not available",
        "no data", "Personen", "Einwohner", "Quelle", "keine Daten", "PLN",
    ),
    "en": (
        "osoby", "osób", "mieszkańców", "bezrobotni", "zarejestrowani", "Źródło", "liczba", "wskaźnik", "brak danych",
        "Personen", "Einwohner", "Quelle", "keine Daten", "zł",
    ),
    "de": (
        "persons", "people", "residents", "per 1,000", "Source", "no data", "osoby", "osób", "mieszkańców",
        "bezrobotni", "Źródło", "brak danych", "zł",
    ),
}  # fmt: skip
RAW_CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")  # snake_case identifiers: allowed_values, population_total
RAW_PATH = re.compile(r"\b[\w.-]+/[\w./-]+\.(?:csv|xlsx|json|parquet|yml|ipynb)\b")
# a published file's name (survey_shares.csv, data/survey_shares.csv: the data package's folder); a path into
# another folder (data/raw, a provider's) stays a raw code
FILE_NAME = re.compile(r"(?<![/\w.-])(?:data/)?[\w.-]+\.(?:csv|xlsx|json|jsonl|parquet|xml|md5|ttl|cff|pdf|docx)\b")
NBSP_OR_SPACE = "[ \u00a0\u202f]"
PERCENT_SPACED = re.compile(rf"\d{NBSP_OR_SPACE}%")  # "2,32 %": German style
PERCENT_TIGHT = re.compile(r"\d%")  # "2,32%": Polish and English style
HYPHEN_MINUS = re.compile(r"(?:^|[\s(:])-\d")  # a hyphen where the minus sign belongs
EN_SPACE_GROUPED = re.compile(r"\b\d{1,3}[ \u00a0]\d{3}\b")  # "100 000" on an English page (English writes 100,000)
# a count followed by the word of its unit column: "448 number", "448 liczba", "448 Anzahl" (issue 24)
# (a whole number, not an ISO clause: "5.8 Anzahl der neuen Unternehmen" names indicator 5.8)
COUNT_WORD = {lang: re.compile(rf"(?<![\d.])\d+(?:,\d+)?[ \u00a0]{word}\b")
              for lang, word in (("pl", "liczba"), ("en", "number"), ("de", "Anzahl"))}  # fmt: skip
# a value rounded away with its unit: "0,00 t", "0.00 t per person" — a precision that says nothing (issue 24)
ROUNDED_ZERO = re.compile(r"(?<![\d.,])0[.,]0+[ \u00a0](?:t|kg|zł|PLN|km|ha|m²|m³)\b")
# Polish numerals (CLDR plural rules): 2–4 (not 12–14) take the nominative plural (2 godziny, 3 etaty), fractions the
# genitive singular (1,5 godziny); "2 godzin", "1,5 godzin" are wrong — except after a preposition taking the
# genitive ("do 2 osób")
# (only the nouns of the review: many others follow a preposition that takes the genitive — "w ciągu 2 lat")
PL_FEW_GENITIVE = re.compile(
    r"(?<!do )(?<!od )(?<!z )(?<!ze )(?<!spośród )(?<!około )(?<!ponad )(?<!ciągu )(?<!dla )(?<!wśród )"
    r"(?<![\d,])(?:[234]|[2-9][234])[ \u00a0](?:godzin|etatów|wierszy)\b"
)
PL_FRACTION_PLURAL = re.compile(r"\d,\d+[ \u00a0](?:godzin|etatów|wierszy)\b")


def _word(word: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])")


FOREIGN_RX = {lang: [(w, _word(w)) for w in words] for lang, words in FOREIGN.items()}


def page_problems(text: str, lang: str, *, paths_allowed: bool = False) -> list[str]:
    """What breaks the style rules in a page's text of language ``lang`` (empty when nothing does).
    ``paths_allowed``: a page whose job is to list files (the downloads page)."""
    problems = [f"a word of another language: {w!r}" for w, rx in FOREIGN_RX[lang] if rx.search(text)]
    # a page that lists files shows their names (survey_shares.csv): a name is not a raw code there
    codes = sorted(set(RAW_CODE.findall(FILE_NAME.sub(" ", text) if paths_allowed else text)))
    if codes:
        problems.append(f"raw codes: {', '.join(codes[:5])}")
    if not paths_allowed and (paths := sorted(set(RAW_PATH.findall(text)))):
        problems.append(f"internal file paths: {', '.join(paths[:3])}")
    if lang == "de" and (m := PERCENT_TIGHT.search(text)):
        problems.append(f"percent without the space German writes: {text[max(0, m.start() - 8) : m.end()]!r}")
    if lang in ("pl", "en") and (m := PERCENT_SPACED.search(text)):
        problems.append(
            f"percent with a space ({lang} writes 12,5% / 12.5%): {text[max(0, m.start() - 8) : m.end()]!r}"
        )
    if m := HYPHEN_MINUS.search(text):
        problems.append(f"a hyphen where the minus sign (−) belongs: {text[max(0, m.start() - 8) : m.end() + 4]!r}")
    if lang == "en" and (m := EN_SPACE_GROUPED.search(text)):
        problems.append(f"a number grouped with a space on an English page: {m.group(0)!r}")
    if m := COUNT_WORD[lang].search(text):
        problems.append(f"a unit word after a count: {m.group(0)!r}")
    if m := ROUNDED_ZERO.search(text):
        problems.append(f"a value rounded away to zero with its unit: {m.group(0)!r}")
    if lang == "pl" and (m := PL_FEW_GENITIVE.search(text) or PL_FRACTION_PLURAL.search(text)):
        problems.append(f"a Polish numeral with the wrong form: {m.group(0)!r}")
    return problems
