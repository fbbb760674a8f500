"""Sentences on one figure, as category and ISO 37120 pages say it: its trend over the years (with records,
streaks and breaks), its change on the year before, and its place among peer cities."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ..claims import denominator_only, few_events, record_allowed
from ..i18n import check_lang
from ..params.core import ChangeKind
from .formats import (
    _ORD_DE_STEM,
    _ORD_EN,
    _ORD_PL_F,
    Case,
    UnitForms,
    _en_ordinal_digits,
    _is_missing,
    auto_decimals,
    change_decimals,
    count_phrase,
    fmt_change,
    fmt_change_by,
    fmt_number,
    fmt_percent,
    fmt_value,
    in_year,
    pct_change,
    plural_category,
    quote,
    running_phrase,
    to_decimal,
    unit_word,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


# --------------------------------------------------------------------------------------- trends

Gender = Literal["m", "f", "n", "pl", "vir"]
"""Grammatical gender/number of a Polish subject (``pl``: non-virile plural, ``vir``: virile plural); for
German only ``pl`` matters (plural verb)."""

_PL_VERBS = {
    "fall": {"m": "spadł", "f": "spadła", "n": "spadło", "pl": "spadły", "vir": "spadli"},
    "rise": {"m": "wzrósł", "f": "wzrosła", "n": "wzrosło", "pl": "wzrosły", "vir": "wzrośli"},
    "same": {
        "m": "nie zmienił się",
        "f": "nie zmieniła się",
        "n": "nie zmieniło się",
        "pl": "nie zmieniły się",
        "vir": "nie zmienili się",
    },
}
_DE_VERBS = {"fall": ("sank", "sanken"), "rise": ("stieg", "stiegen"), "same": ("blieb", "blieben")}
_EN_VERBS = {"fall": "fell", "rise": "rose", "same": "was unchanged"}


@dataclass(frozen=True)
class TrendFacts:
    """What ``describe_trend`` found in a series (also useful for charts and tables)."""

    year: int
    value: float | None
    previous_year: int | None = None
    previous: float | None = None
    change_pct: float | None = None
    direction: Literal["rise", "fall", "same"] | None = None
    streak: int = 0
    first_since: int | None = None
    record: Literal["high", "low"] | None = None
    record_since: int | None = None
    latest_year: int | None = None
    crosses_break: int | None = None
    start: int | None = None  # the first year that streaks and records count from (after the last break)


def _series_points(series: pd.Series) -> list[tuple[int, float]]:
    points = []
    for key, value in series.items():
        if not _is_missing(value):
            points.append((int(key), float(value)))  # type: ignore[arg-type]
    return sorted(points)


def _direction(old: float, new: float) -> Literal["rise", "fall", "same"]:
    return "rise" if new > old else "fall" if new < old else "same"


def _complete(years: Sequence[int], start: int, end: int) -> bool:
    """Every year from ``start`` to ``end`` has a value."""
    have = set(years)
    return all(y in have for y in range(start, end + 1))


def trend_facts(series: pd.Series, year: int | None = None, breaks: Iterable[int] = ()) -> TrendFacts:
    """The facts behind a trend sentence: change on the previous available year, streak, records.

    ``breaks``: the first years of new series (methodological breaks). A change across a break is
    reported as such (``crosses_break``); streaks and records count only years after the last break.
    Anything that counts years (a streak, "first time since", a record) is claimed only when every year
    it counts has a value: a missing year could have broken it.
    """
    points = _series_points(series)
    if not points:
        return TrendFacts(year=int(year) if year is not None else 0, value=None)
    years = [y for y, _ in points]
    current_year = int(year) if year is not None else years[-1]
    if current_year not in years:
        earlier = [p for p in points if p[0] < current_year]
        latest = earlier[-1] if earlier else points[-1]
        return TrendFacts(year=current_year, value=None, latest_year=latest[0], previous=latest[1])
    upto = [p for p in points if p[0] <= current_year]
    value = upto[-1][1]
    if len(upto) == 1:
        return TrendFacts(year=current_year, value=value)
    prev_year, prev = upto[-2]
    direction = _direction(prev, value)
    crossed = [b for b in breaks if prev_year < b <= current_year]
    if crossed:
        return TrendFacts(
            year=current_year, value=value, previous_year=prev_year, previous=prev, crosses_break=max(crossed)
        )
    since_break = max([b for b in breaks if b <= current_year], default=None)
    if since_break is not None:
        upto = [p for p in upto if p[0] >= since_break]
    up_years = [y for y, _ in upto]
    # Streak of consecutive-year changes in the same direction, ending at the current year.
    steps = [
        (upto[i][0], _direction(upto[i - 1][1], upto[i][1]), upto[i][0] - upto[i - 1][0] == 1)
        for i in range(1, len(upto))
    ]
    streak = 0
    for _, step_dir, consecutive in reversed(steps):
        if step_dir != direction or not consecutive:
            break
        streak += 1
    streak = max(streak, 1)
    first_since = None
    if streak == 1 and direction != "same":
        # the last earlier change in the same direction, when every year since then has a value
        same_before = [sy for sy, sd, _ in steps[:-1] if sd == direction]
        if same_before and _complete(up_years, same_before[-1], current_year):
            first_since = same_before[-1]
    record: Literal["high", "low"] | None = None
    record_since = None
    earlier_values = [(y, v) for y, v in upto[:-1]]
    if direction in ("rise", "fall"):
        beaten = [y for y, v in earlier_values if (v >= value if direction == "rise" else v <= value)]
        kind: Literal["high", "low"] = "high" if direction == "rise" else "low"
        if not beaten:
            # a record of the whole series needs a comparable series long enough to mean it (citybank.claims)
            if record_allowed(up_years, current_year) and _complete(up_years, up_years[0], current_year):
                record = kind
        elif current_year - beaten[-1] >= 3 and _complete(up_years, beaten[-1], current_year):
            record, record_since = kind, beaten[-1]
    return TrendFacts(
        year=current_year,
        value=value,
        previous_year=prev_year,
        previous=prev,
        change_pct=pct_change(prev, value),
        direction=direction,
        streak=streak,
        first_since=first_since,
        record=record,
        record_since=record_since,
        start=up_years[0],
    )


def _subject(variable_name: Mapping[str, str] | str, lang: str) -> str:
    if isinstance(variable_name, str):
        return variable_name
    if lang not in variable_name:
        raise ValueError(f"variable_name has no {lang!r} text: {dict(variable_name)!r}")
    return variable_name[lang]


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _change_text(pct: float | None, lang: str) -> str:
    return "" if pct is None else fmt_change(pct, lang, change_decimals(pct))


def describe_trend(
    series: pd.Series,
    variable_name: Mapping[str, str] | str,
    lang: str,
    unit_forms: UnitForms = None,
    higher_is_better: bool | None = None,
    *,
    year: int | None = None,
    gender: Mapping[str, str] | None = None,
    decimals: int | None = None,
    breaks: Mapping[int, str] | None = None,
    how: ChangeKind = "percent",
    events: tuple[float | None, float | None] | None = None,
    denominators: tuple[float | None, float | None] | None = None,
) -> str:
    """One or two sentences on the latest change of a yearly series.

    ``series``: values indexed by year (NaN/None = no data). ``variable_name``: the grammatical subject per
    language (``{"en": "Registered unemployment", "pl": "Liczba bezrobotnych zarejestrowanych",
    "de": "Die Zahl der registrierten Arbeitslosen"}``). ``gender``: Polish gender of the subject
    (``m``/``f``/``n``/``pl``/``vir``; default ``f`` — *liczba*, *wartość*, *stopa*) and German number
    (``pl`` for a plural subject). ``unit_forms``: a unit key such as ``"persons"`` or forms (see
    ``count_phrase``), or a symbol unit (``"PLN"``). ``year``: the reporting year (default: the last year of
    the series); when it has no value the sentence says so and gives the latest available value.
    ``breaks``: year a new series starts → the reason in ``lang``; a change across a break is not reported as
    a change (the sentence says the two values are not comparable, and why), and nothing is counted across it.
    ``how``: the change in percent, in percentage points (rates, shares) or — for numbers too small for
    either — from one value to the other, with no streak, record or judgement claimed (see :func:`change_kind`).
    ``events``/``denominators``: for a rate, its numerator (events) and denominator in the previous and the
    current year. Below ``claims.MIN_EVENTS`` events the sentence gives the values and the counts and no
    direction word; an unchanged numerator over a changed denominator is said as such, never judged
    (see :mod:`citybank.claims`). A record of the whole series needs ``claims.MIN_RECORD_POINTS`` comparable years.

    >>> import pandas as pd
    >>> describe_trend(pd.Series({2020: 1200, 2021: 1500, 2022: 1400, 2023: 1314, 2024: 1234}),
    ...                {"en": "Registered unemployment"}, "en", "persons", higher_is_better=False)
    'Registered unemployment fell for the third year running, to 1,234 people (−6.1%). This is the lowest value since 2020, a favourable change.'
    """
    check_lang(lang)
    subject = _subject(variable_name, lang)
    gender = gender or {}
    breaks = breaks or {}
    facts = trend_facts(series, year, breaks)

    def value_text(v: float, case: Case = "nom") -> str:
        if isinstance(unit_forms, Mapping):
            return count_phrase(v, unit_forms, lang, case=case, decimals=decimals)
        return fmt_value(v, unit_forms, lang, case=case, decimals=decimals)

    if facts.value is None:
        if facts.latest_year is None:
            return {"pl": f"{subject}: brak danych.", "en": f"{subject}: no data.", "de": f"{subject}: keine Daten."}[
                lang
            ]
        latest = value_text(facts.previous)  # type: ignore[arg-type]
        y, ly = facts.year, facts.latest_year
        return {
            "pl": f"{subject}: brak danych za {y} r.; ostatnia dostępna wartość ({ly} r.): {latest}.",
            "en": f"{subject}: no data for {y}; the latest available value ({ly}): {latest}.",
            "de": f"{subject}: keine Daten für {y}; letzter verfügbarer Wert ({ly}): {latest}.",
        }[lang]
    if facts.previous_year is None:
        v = value_text(facts.value)
        return {
            "pl": f"{subject}: {v} w {facts.year} r.; brak wcześniejszych danych do porównania.",
            "en": f"{subject}: {v} in {facts.year}; there are no earlier data to compare with.",
            "de": f"{subject}: {v} im Jahr {facts.year}; keine früheren Daten zum Vergleich.",
        }[lang]

    if facts.crosses_break is not None:
        v, pv = value_text(facts.value), value_text(facts.previous)  # type: ignore[arg-type]
        b, y, py = facts.crosses_break, facts.year, facts.previous_year
        reason = breaks[b]
        return {
            "pl": f"{subject}: {v} w {y} r. Wartości nie można porównać z {py} r. ({pv}): "
            f"w {b} r. nastąpiło zerwanie szeregu – {reason}.",
            "en": f"{subject}: {v} in {y}. It cannot be compared with {py} ({pv}): the series breaks in {b} — "
            f"{reason}.",
            "de": f"{subject}: {v} im Jahr {y}. Der Wert ist mit {py} ({pv}) nicht vergleichbar: Die Zeitreihe "
            f"hat {b} einen Bruch – {reason}.",
        }[lang]
    if events is not None and facts.previous is not None:
        n0, n1 = events
        v, pv = value_text(facts.value), value_text(facts.previous)
        y, py = facts.year, facts.previous_year
        if few_events(n0, n1):
            e0, e1 = fmt_number(n0, lang), fmt_number(n1, lang)
            return {
                "pl": f"{subject}: {v} w {y} r. i {pv} w {py} r. Liczby, na których opiera się wartość (odpowiednio "
                f"{e1} i {e0}), są zbyt małe, by mówić o wzroście lub spadku.",
                "en": f"{subject}: {v} in {y} and {pv} in {py}. The counts it rests on ({e1} and {e0} respectively) "
                "are too small to speak of a rise or a fall.",
                "de": f"{subject}: {v} im Jahr {y} und {pv} im Jahr {py}. Die zugrunde liegenden Zahlen ({e1} bzw. "
                f"{e0}) sind zu klein, um von einem Anstieg oder Rückgang zu sprechen.",
            }[lang]
        d0, d1 = denominators or (None, None)
        if None not in (n0, n1, d0, d1) and denominator_only(n0, n1, d0, d1) and facts.value != facts.previous:  # type: ignore[arg-type]
            e = fmt_number(n1, lang)
            return {
                "pl": f"{subject}: {v} w {y} r. wobec {pv} w {py} r. Licznik się nie zmienił ({e}); zmienił się tylko "
                "mianownik, więc zmiana nie jest ani korzystna, ani niekorzystna.",
                "en": f"{subject}: {v} in {y} against {pv} in {py}. The count it rests on is the same ({e}); only the "
                "denominator changed, so the change is neither favourable nor unfavourable.",
                "de": f"{subject}: {v} im Jahr {y} gegenüber {pv} im Jahr {py}. Der Zähler ist gleich geblieben "
                f"({e}); nur der Nenner hat sich verändert – die Veränderung ist weder günstig noch ungünstig.",
            }[lang]
    direction = facts.direction or "same"
    gap = facts.year - facts.previous_year > 1
    pl_gender = gender.get("pl", "f")
    de_plural = gender.get("de") == "pl"
    if lang == "pl":
        verb = _PL_VERBS[direction][pl_gender]
    elif lang == "de":
        verb = _DE_VERBS[direction][1 if de_plural else 0]
    else:
        verb = _EN_VERBS[direction]
        if direction == "same" and gender.get("en") == "pl":
            verb = "were unchanged"

    if direction == "same":
        v = value_text(facts.value)
        first = {
            "pl": f"{subject} {verb} w porównaniu z {facts.previous_year} r. ({v}).",
            "en": f"{subject} {verb} from {facts.previous_year} ({v}).",
            "de": f"{subject} {verb} gegenüber {facts.previous_year} unverändert ({v}).",
        }[lang]
        if facts.streak >= 2 and not gap:
            first = {
                "pl": f"{subject} {verb} {running_phrase(facts.streak, 'pl')} ({v}).",
                "en": f"{subject} {verb} {running_phrase(facts.streak, 'en')} ({v}).",
                "de": f"{subject} {verb} {running_phrase(facts.streak, 'de')} unverändert ({v}).",
            }[lang]
        return first

    to_value = value_text(facts.value, case="gen")  # the Polish "do" takes the genitive
    if how == "absolute":
        from_value = value_text(facts.previous, case="gen")  # type: ignore[arg-type]
        when = (
            in_year(facts.year, lang)
            if not gap
            else {
                "pl": f"w latach {facts.previous_year}–{facts.year}",
                "en": f"between {facts.previous_year} and {facts.year}",
                "de": f"zwischen {facts.previous_year} und {facts.year}",
            }[lang]
        )
        return {
            "pl": f"{subject} {verb} {when}: z {from_value} do {to_value}.",
            "en": f"{subject} {verb} {when}, from {value_text(facts.previous)} to {value_text(facts.value)}.",  # type: ignore[arg-type]
            "de": f"{subject} {verb} {when} von {value_text(facts.previous)} auf {value_text(facts.value)}.",  # type: ignore[arg-type]
        }[lang]
    change = (
        fmt_change_by(facts.value, facts.previous, lang, "points")
        if how == "points"
        else _change_text(facts.change_pct, lang)
    )
    paren = f" ({change})" if change else ""
    if gap:
        when = {
            "pl": f"w latach {facts.previous_year}–{facts.year}",
            "en": f"between {facts.previous_year} and {facts.year}",
            "de": f"zwischen {facts.previous_year} und {facts.year}",
        }[lang]
    elif facts.streak >= 2:
        when = running_phrase(facts.streak, lang)
    elif facts.first_since is not None and facts.year - facts.first_since >= 2:
        n = facts.year - facts.first_since
        when = {
            "pl": f"po raz pierwszy od {n} lat",
            "en": f"for the first time in {n} years",
            "de": f"zum ersten Mal seit {n} Jahren",
        }[lang]
    else:
        when = in_year(facts.year, lang)
    first = {
        "pl": f"{subject} {verb} {when}, do {to_value}{paren}.",
        "en": f"{subject} {verb} {when}, to {to_value}{paren}.",
        "de": f"{subject} {verb} {when} auf {to_value}{paren}.",
    }[lang]

    second = _record_and_judgement(facts, lang, higher_is_better, facts.start or facts.year)
    return first + (" " + second if second else "")


def _record_and_judgement(facts: TrendFacts, lang: str, higher_is_better: bool | None, start: int) -> str:
    record = ""
    if facts.record:
        high = facts.record == "high"
        if facts.record_since is None:
            record = {
                "pl": f"To {'najwyższa' if high else 'najniższa'} wartość w całej serii (od {start} r.)",
                "en": f"This is the {'highest' if high else 'lowest'} value in the whole series (since {start})",
                "de": f"Das ist der {'höchste' if high else 'niedrigste'} Wert der gesamten Reihe (seit {start})",
            }[lang]
        else:
            since = facts.record_since
            record = {
                "pl": f"To {'najwyższa' if high else 'najniższa'} wartość od {since} r.",
                "en": f"This is the {'highest' if high else 'lowest'} value since {since}",
                "de": f"Das ist der {'höchste' if high else 'niedrigste'} Wert seit {since}",
            }[lang]
    judgement = ""
    if higher_is_better is not None and facts.direction in ("rise", "fall"):
        good = (facts.direction == "rise") == higher_is_better
        if record:
            judgement = {
                "pl": f" – zmiana {'korzystna' if good else 'niekorzystna'}",
                "en": f", {'a favourable' if good else 'an unfavourable'} change",
                "de": f" – eine {'günstige' if good else 'ungünstige'} Entwicklung",
            }[lang]
        else:
            judgement = {
                "pl": f"To zmiana {'korzystna' if good else 'niekorzystna'}",
                "en": f"This is {'a favourable' if good else 'an unfavourable'} change",
                "de": f"Das ist eine {'günstige' if good else 'ungünstige'} Entwicklung",
            }[lang]
    text = record + judgement
    return text + "." if text and not text.endswith(".") else text


# ------------------------------------------------------------------------------------ key figures


def _changed_by(pct: float, lang: str) -> str:
    """``6.1% lower than a year earlier`` / ``o 6,1% mniej niż przed rokiem`` / ``6,1 % weniger als im Vorjahr``."""
    d = change_decimals(pct)
    if to_decimal(pct, d) == 0:
        return {
            "pl": "bez zmian w porównaniu z poprzednim rokiem",
            "en": "unchanged from a year earlier",
            "de": "unverändert gegenüber dem Vorjahr",
        }[lang]
    size = fmt_percent(abs(pct), lang, d)
    if pct > 0:
        return {
            "pl": f"o {size} więcej niż przed rokiem",
            "en": f"{size} higher than a year earlier",
            "de": f"{size} mehr als im Vorjahr",
        }[lang]
    return {
        "pl": f"o {size} mniej niż przed rokiem",
        "en": f"{size} lower than a year earlier",
        "de": f"{size} weniger als im Vorjahr",
    }[lang]


def key_figure_sentence(
    name: str,
    value: float | None,
    year: int,
    lang: str,
    *,
    unit: str | None = None,
    previous: float | None = None,
    decimals: int | None = None,
) -> str:
    """A sentence on one figure, for labels that are names rather than subjects (quoted, no agreement).

    >>> key_figure_sentence("Ludność ogółem", 62817, 2024, "pl", unit="persons", previous=63500)
    'W 2024 r. wskaźnik „Ludność ogółem” wyniósł 62\\xa0817 osób, o 1,1% mniej niż przed rokiem.'
    """
    check_lang(lang)
    q = quote(name, lang)
    if _is_missing(value):
        return {
            "pl": f"Brak danych za {year} r. dla wskaźnika {q}.",
            "en": f"No data for {year} for {q}.",
            "de": f"Für {q} liegen keine Daten für {year} vor.",
        }[lang]
    v = fmt_value(value, unit, lang, decimals=decimals)
    # pl "wyniósł" takes the accusative; for counts and symbols it reads as the nominative except with 1
    # (1 osobę), so a value of exactly one persons-like unit goes after a colon instead.
    head = {
        "pl": f"W {year} r. wskaźnik {q} wyniósł {v}",
        "en": f"In {year}, {q} stood at {v}",
        "de": f"Im Jahr {year} betrug der Wert für {q} {v}",
    }[lang]  # accusative: no dative plural needed
    if (
        lang == "pl"
        and unit_word(to_decimal(value, 0), unit, "pl") is not None
        and plural_category(to_decimal(value, auto_decimals(value) if decimals is None else decimals), "pl") == "one"
    ):
        head = f"W {year} r. wskaźnik {q}: {v}"
    pct = pct_change(previous, value)
    return head + (f", {_changed_by(pct, lang)}." if pct is not None else ".")


# ------------------------------------------------------------------------------------- peer comparison

_RANK_WORDS = {
    "en": lambda k, high: f"{_ORD_EN[k]} {'highest' if high else 'lowest'}",
    "pl": lambda k, high: f"{_ORD_PL_F[k]} {'najwyższa' if high else 'najniższa'}",
    "de": lambda k, high: f"{_ORD_DE_STEM[k]}{'höchste' if high else 'niedrigste'}",
}


def compare_to_peers(
    city_value: float,
    peers: Mapping[str, float | None],
    lang: str,
    *,
    city_name: str,
    unit: str | None = None,
    higher_is_better: bool | None = None,
    decimals: int | None = None,
) -> str:
    """Where the city stands among its peers (peers without a value are left out).

    >>> compare_to_peers(5.1, {"Katowice": 6.0, "Bytom": 9.9}, "en", city_name="Siemianowice Śląskie")
    'The value for Siemianowice Śląskie (5.1) is the lowest of the 3 cities compared.'
    """
    check_lang(lang)
    values = {name: float(v) for name, v in peers.items() if not _is_missing(v) and name != city_name}
    v_city = fmt_value(city_value, unit, lang, decimals=decimals)
    if not values or _is_missing(city_value):
        return {
            "pl": f"Brak danych do porównania miasta {city_name} z innymi miastami.",
            "en": f"There are no data to compare {city_name} with other cities.",
            "de": f"Für einen Vergleich von {city_name} mit anderen Städten fehlen Daten.",
        }[lang]
    n = len(values) + 1
    higher = sum(v > city_value for v in values.values())
    lower = sum(v < city_value for v in values.values())
    tied = n - 1 - higher - lower
    rank_high = higher + 1  # 1 = highest
    rank_low = lower + 1  # 1 = lowest
    if tied == n - 1:
        return {
            "pl": f"Wszystkie {n} porównywane miasta mają taką samą wartość jak {city_name} ({v_city}).",
            "en": f"All {n} cities compared have the same value as {city_name} ({v_city}).",
            "de": f"Alle {n} verglichenen Städte haben denselben Wert wie {city_name} ({v_city}).",
        }[lang]
    if rank_high <= rank_low:
        k, high = rank_high, True
    else:
        k, high = rank_low, False
    if k == 1:
        word = {
            "pl": "najwyższa" if high else "najniższa",
            "en": "highest" if high else "lowest",
            "de": "höchste" if high else "niedrigste",
        }[lang]
    elif k <= 10:
        word = _RANK_WORDS[lang](k, high)
    else:
        word = None
    if word is not None:
        text = {
            "pl": f"Wartość dla miasta {city_name} ({v_city}) jest {word} spośród {n} porównywanych miast",
            "en": f"The value for {city_name} ({v_city}) is the {word} of the {n} cities compared",
            "de": f"Der Wert für {city_name} ({v_city}) ist der {word} unter den {n} verglichenen Städten",
        }[lang]
    else:
        text = {
            "pl": f"Wartość dla miasta {city_name} ({v_city}) zajmuje {k}. miejsce od "
            f"{'najwyższej' if high else 'najniższej'} spośród {n} porównywanych miast",
            "en": f"The value for {city_name} ({v_city}) ranks {_en_ordinal_digits(k)} "
            f"{'highest' if high else 'lowest'} of the {n} cities compared",
            "de": f"Der Wert für {city_name} ({v_city}) liegt auf Platz {k} von {n} verglichenen Städten "
            f"(gezählt vom {'höchsten' if high else 'niedrigsten'} Wert)",
        }[lang]
    if tied:
        text += {"pl": " (ex aequo)", "en": " (tied)", "de": " (gleichauf)"}[lang]
    best = (high and k == 1 and higher_is_better is True) or (not high and k == 1 and higher_is_better is False)
    worst = (high and k == 1 and higher_is_better is False) or (not high and k == 1 and higher_is_better is True)
    if best:
        text += {"pl": " – to najlepszy wynik", "en": ", the best result", "de": " – das beste Ergebnis"}[lang]
    elif worst:
        text += {"pl": " – to najsłabszy wynik", "en": ", the weakest result", "de": " – das schwächste Ergebnis"}[lang]
    return text + "."
