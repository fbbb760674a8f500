"""Personal data in residents' open answers never reaches a published file: Polish phone numbers, PESEL numbers with
valid checksums, e-mails, IBANs and street addresses, generated (seeded) in many spellings, go through the redaction
that reads the answers (``survey.text.redact``), the quote bank and the coding's CSV writer; none survives.

The generator is plain seeded ``random`` (no new dependency): the same seed gives the same cases, so a failure
names a case that can be replayed."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest
from citybank.survey.text import leaks, redact

SEED = 2027
N = 300  # cases per kind


def pesel(rng: random.Random) -> str:
    """A PESEL with a valid check digit (born 1940–2009; the month carries the century)."""
    year, month, day = rng.randint(1940, 2009), rng.randint(1, 12), rng.randint(1, 28)
    mm = month + (20 if year >= 2000 else 0)
    digits = [int(c) for c in f"{year % 100:02d}{mm:02d}{day:02d}{rng.randint(0, 9999):04d}"]
    check = (10 - sum(d * w for d, w in zip(digits, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3), strict=True)) % 10) % 10
    return "".join(map(str, digits)) + str(check)


def _valid_pesel(p: str) -> bool:
    d = [int(c) for c in p]
    return (10 - sum(x * w for x, w in zip(d, (1, 3, 7, 9, 1, 3, 7, 9, 1, 3), strict=False)) % 10) % 10 == d[10]


def phone(rng: random.Random) -> str:
    first = rng.choice("4567889")  # mobile 45x–88x, or a landline area code
    n = f"{first}{rng.randint(0, 99):02d}{rng.randint(0, 999999):06d}"
    spelling = rng.choice(
        [
            "{0}{1}{2} {3}{4}{5} {6}{7}{8}", "{0}{1}{2}-{3}{4}{5}-{6}{7}{8}", "{0}{1}{2}{3}{4}{5}{6}{7}{8}",
            "+48 {0}{1}{2} {3}{4}{5} {6}{7}{8}", "+48{0}{1}{2}{3}{4}{5}{6}{7}{8}", "0048 {0}{1}{2} {3}{4}{5} {6}{7}{8}",
            "({0}{1}) {2}{3}{4} {5}{6} {7}{8}", "{0}{1} {2}{3}{4} {5}{6} {7}{8}", "{0}{1}{2} {3}{4} {5}{6} {7}{8}",
            "{0}{1}{2}.{3}{4}{5}.{6}{7}{8}", "+48 ({0}{1}) {2}{3}{4}-{5}{6}-{7}{8}", "+48-{0}{1}{2}-{3}{4}{5}-{6}{7}{8}",
        ]
    )  # fmt: skip
    return spelling.format(*n)


def email(rng: random.Random) -> str:
    user = rng.choice(["jan.nowak", "a.kowalska", "Marek_Wisniewski", "kasia+rada", "zbyszek1970", "J.Dąbrowski"])
    host = rng.choice(["example.pl", "poczta.onet.pl", "Wp.PL", "gmail.com", "um.siemianowice.pl", "o2.pl"])
    at, dot = rng.choice([("@", "."), (" (at) ", " (dot) "), ("[at]", "[kropka]"), ("(małpa)", "."), (" @ ", ".")])
    return user + at + host.replace(".", dot) if at != " @ " else user + "@" + host


def iban(rng: random.Random) -> str:
    digits = f"{rng.randint(10, 99)}" + "".join(str(rng.randint(0, 9)) for _ in range(24))
    spaced = digits[:2] + " " + " ".join(digits[i : i + 4] for i in range(2, 26, 4))
    return rng.choice([f"PL{spaced}", spaced, digits, f"PL{digits}", spaced.replace(" ", "-")])


STREETS = ["Wyzwolenia", "Jana Pawła II", "3 Maja", "gen. Hallera", "Niepodległości", "Tysiąclecia", "św. Barbary",
           "Kościuszki", "Michałkowicka", "Świerczewskiego"]  # fmt: skip


def address(rng: random.Random) -> tuple[str, str]:
    """An address in one of many spellings, and the part of it that must not survive (street and number)."""
    street, number = rng.choice(STREETS), f"{rng.randint(1, 180)}{rng.choice(['', 'a', 'B'])}"
    flat = rng.choice(["", f"/{rng.randint(1, 60)}", f" m. {rng.randint(1, 60)}", f" lok. {rng.randint(1, 9)}"])
    key = rng.choice(["ul. ", "ul.", "UL. ", "ulica ", "przy ulicy ", "al. ", "os. ", "pl. ", "Ul. "])
    name = street.upper() if key == "UL. " else (street.lower() if rng.random() < 0.2 else street)
    if rng.random() < 0.15:  # no keyword: the flat number gives it away
        key, flat = "na ", f"/{rng.randint(1, 60)}"
        name = street.split()[-1] if street.split()[-1][0].isupper() and len(street.split()[-1]) > 3 else "Wyzwolenia"
    return f"{key}{name} {number}{flat}", f"{name} {number}"


CONTEXTS = [
    "Proszę o kontakt: {}, chodzi o dziurawy chodnik.",
    "Mój numer to {} – oddzwońcie w sprawie śmieci!",
    "{}",
    "Więcej zieleni i ławek ({}) w parku, mniej samochodów.",
    "Zgłaszam awarię oświetlenia, dane: {}. Dziękuję",
    "Pieniądze z budżetu obywatelskiego proszę wpłacić na {} :)",
]


def cases(rng: random.Random) -> list[tuple[str, str, str]]:
    """(kind, answer, what must not survive), N of each kind."""
    out = []
    for _ in range(N):
        ctx = lambda: rng.choice(CONTEXTS)  # noqa: E731
        p = phone(rng)
        out.append(("phone", ctx().format(p), p))
        s = pesel(rng)
        assert _valid_pesel(s)
        out.append(("pesel", ctx().format(f"PESEL {s}" if rng.random() < 0.5 else s), s))
        e = email(rng)
        out.append(("email", ctx().format(e), e))
        b = iban(rng)
        out.append(("iban", ctx().format(b), b))
        a, core = address(rng)
        out.append(("address", ctx().format(a), core))
    return out


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def survives(kind: str, text: str, secret: str) -> bool:
    """Whether ``secret`` (or, for numbers, its digits; for e-mails its user name) is still in ``text``."""
    if secret in text:
        return True
    if kind in ("phone", "pesel", "iban"):
        return _digits(secret)[-9:] in _digits(text)
    if kind == "email":
        return "@" in text or re.split(r"\s*[@(\[]", secret)[0] in text
    return False


def test_generated_personal_data_never_survives_redaction():
    rng = random.Random(SEED)
    found = {k: 0 for k in ("phone", "pesel", "email", "iban", "address")}
    for kind, answer, secret in cases(rng):
        clean = redact(" ".join(answer.split()))[0]
        assert not survives(kind, clean, secret), f"{kind} survived: {answer!r} → {clean!r}"
        assert leaks(clean) == [], f"{answer!r} → {clean!r}"
        found[kind] += 1
    assert found == {k: N for k in found}


def test_ordinary_numbers_are_kept():
    """Redaction is not a blanket over digits: years, amounts, counts and dates stay readable."""
    for text in ["W latach 2019–2023 było gorzej.", "Budżet 1 500 000 zł to za mało", "Autobus 12 i 830 jeździ rzadko",
                 "Od 7 do 22, 5 dni w tygodniu", "ocena 4/5"]:  # fmt: skip
        assert redact(text)[0] == text


@pytest.mark.slow
def test_no_personal_data_reaches_the_published_coding_files(reg, survey, tmp_path):
    """Every sample answer gets a generated phone, PESEL, e-mail, IBAN or address; the answers are read as the
    survey reader reads them (redacted), coded, and the quote bank and shares are written: none of it is there."""
    from citybank.params.survey_coding import load_coding
    from citybank.paths import PATHS
    from citybank.survey import load_survey_data
    from citybank.survey.coding import run_coding, write_coding
    from citybank.survey.weighting import all_schemes

    coding = load_coding(reg)
    if coding is None:
        pytest.skip("no params/survey_coding.yml")
    data = load_survey_data(survey, PATHS.raw)
    rng = random.Random(SEED + 1)
    pool = cases(rng)
    planted: list[tuple[str, str]] = []
    responses = data.responses.copy()
    texts = responses["text"].tolist()
    for i, t in enumerate(texts):
        if isinstance(t, str) and t:
            kind, answer, secret = pool[i % len(pool)]
            planted.append((kind, secret))
            texts[i] = redact(" ".join(f"{answer} {t}".split()))[0]  # the reader's redaction, then the rest
    responses["text"] = texts
    data = replace(data, responses=responses)
    weighting = all_schemes(data.respondents, survey.margins)["full"]
    names = {d.code: d.name for d in reg.city.districts}
    result = run_coding(data, survey, coding, weighting, reg.root, PATHS.raw, names)
    assert len(result.quotes) > 10
    files = write_coding(result, coding, survey, tmp_path)
    published = "\n".join(p.read_text(encoding="utf-8") for p in files)
    assert "[telefon]" in published or "[PESEL]" in published or "[adres]" in published  # quotes carry them
    for kind, secret in planted:
        assert secret not in published, f"{kind} {secret!r} in a published file"
        if kind in ("phone", "pesel", "iban"):
            assert not re.search(r"(?<!\d)" + r"\D?".join(_digits(secret)[-9:]) + r"(?!\d)", published)
