"""The story of a category page (and the overview's headline figures): what changed, improved and worsened,
and where a series breaks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..i18n import check_lang, t
from .formats import _is_missing, _names_list, change_decimals, count_phrase, fmt_change, fmt_value, pct_change, quote

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


# ----------------------------------------------------------------------------------- category story

STORY_COLUMNS = ("name", "value")
STORY_OPTIONAL = ("previous", "baseline", "unit", "higher_is_better", "how", "break_previous", "break_baseline")


def _row_name(raw: object, lang: str) -> str:
    if isinstance(raw, Mapping):
        return str(raw.get(lang) or next(iter(raw.values())))
    return str(raw)


@dataclass(frozen=True)
class _Row:
    name: str
    value: float | None
    previous: float | None
    baseline: float | None
    unit: str | None
    higher_is_better: bool | None
    how: str = "percent"
    break_previous: bool = False
    break_baseline: bool = False

    @property
    def change(self) -> float | None:
        """The percent change on the previous year, for a change that a percentage can say and no break crosses."""
        return None if self.how != "percent" or self.break_previous else pct_change(self.previous, self.value)

    @property
    def direction(self) -> float | None:
        """The signed change on the previous year in the variable's own terms (None across a break)."""
        if self.break_previous or self.previous is None or self.value is None:
            return None
        return self.value - self.previous

    @property
    def since_baseline(self) -> float | None:
        return None if self.how != "percent" or self.break_baseline else pct_change(self.baseline, self.value)


def _story_rows(frame: pd.DataFrame, lang: str) -> list[_Row]:
    missing = [c for c in STORY_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            f"category_story needs the column(s) {', '.join(missing)}; the frame has "
            f"{', '.join(map(str, frame.columns))}. Expected: {', '.join(STORY_COLUMNS)} and "
            f"optionally {', '.join(STORY_OPTIONAL)}"
        )

    def get(rec: Mapping[str, Any], col: str) -> Any:
        v = rec.get(col)
        return None if _is_missing(v) else v

    rows = []
    for rec in frame.to_dict("records"):
        hib = get(rec, "higher_is_better")
        rows.append(
            _Row(
                name=_row_name(rec["name"], lang),
                value=None if get(rec, "value") is None else float(rec["value"]),
                previous=None if get(rec, "previous") is None else float(rec["previous"]),
                baseline=None if get(rec, "baseline") is None else float(rec["baseline"]),
                unit=None if get(rec, "unit") is None else str(rec["unit"]),
                higher_is_better=None if hib is None else bool(hib),
                how=str(get(rec, "how") or "percent"),
                break_previous=bool(get(rec, "break_previous")),
                break_baseline=bool(get(rec, "break_baseline")),
            )
        )
    return rows


def category_story(
    frame: pd.DataFrame,
    lang: str,
    year: int,
    *,
    category_name: str | None = None,
    baseline_year: int | None = None,
    previous_year: int | None = None,
    max_sentences: int = 6,
) -> list[str]:
    """3–6 sentences for a category page from a tidy frame with one row per variable.

    Columns: ``name`` (label in ``lang``, or a ``{lang: label}`` dict), ``value`` (the year's value, NaN when
    missing), optional ``previous`` (previous year), ``baseline`` (baseline year), ``unit`` (bank unit:
    ``persons``, ``PLN``, ``%`` …), ``higher_is_better`` (True/False/None). Sentences: coverage, largest rise,
    largest fall, improved vs worsened, largest change since the baseline, variables without data.
    Optional ``how`` (see :func:`change_kind`), ``break_previous`` and ``break_baseline`` (a methodological
    break lies between the years compared): only changes that a percentage says, across no break, are
    ranked as the largest; rates, shares and small counts are never ranked against them.
    """
    check_lang(lang)
    rows = _story_rows(frame, lang)
    prev_year = previous_year if previous_year is not None else year - 1
    with_data = [r for r in rows if r.value is not None]
    n, k = len(rows), len(with_data)
    if n == 0:
        return [t("sentence.category.no_indicators", lang, year=year)]
    cat = quote(category_name, lang) if category_name else None
    ind = count_phrase(n, "indicators", lang)
    if lang == "pl":
        who = f"Kategoria {cat}" if cat else "Ta kategoria"
        avail = (
            "są dostępne dla wszystkich"
            if k == n
            else "nie są dostępne dla żadnego z nich"
            if k == 0
            else f"są dostępne dla {k} z nich"
        )
        sentences = [f"{who} obejmuje {ind}; dane za {year} r. {avail}."]
    elif lang == "de":
        who = f"Die Kategorie {cat}" if cat else "Diese Kategorie"
        avail = "für alle" if k == n else "für keinen davon" if k == 0 else f"für {k} davon"
        sentences = [f"{who} umfasst {ind}; {avail} liegen Daten für {year} vor."]
    else:
        who = f"The {cat} category" if cat else "This category"
        avail = "all of them" if k == n else "none of them" if k == 0 else f"{k} of them"
        sentences = [f"{who} has {ind}; data for {year} are available for {avail}."]

    changed = [r for r in with_data if r.change is not None]
    rises = sorted((r for r in changed if r.change > 0), key=lambda r: (-r.change, r.name))  # type: ignore[operator]
    falls = sorted((r for r in changed if r.change < 0), key=lambda r: (r.change, r.name))  # type: ignore[operator]
    for group, up in ((rises, True), (falls, False)):
        if not group:
            continue
        r = group[0]
        chg = fmt_change(r.change, lang, change_decimals(r.change))  # type: ignore[arg-type]
        to_v = fmt_value(r.value, r.unit, lang, case="gen")
        key = "largest_rise" if up else "largest_fall"
        sentences.append(
            t(f"sentence.category.{key}", lang, year=prev_year, name=quote(r.name, lang), change=chg, value=to_v)
        )

    judged = [
        r for r in with_data if r.higher_is_better is not None and r.how != "absolute" and r.direction
    ]  # a change of a handful of events says nothing about better or worse
    if len(judged) >= 2:
        better = sum((r.direction > 0) == r.higher_is_better for r in judged)  # type: ignore[operator]
        worse = len(judged) - better
        m = len(judged)
        sentences.append(
            {
                "pl": f"Spośród {count_phrase(m, 'indicators', 'pl', case='gen')} o określonym kierunku zmian "
                f"poprawa w porównaniu z {prev_year} r. nastąpiła w {better}, a pogorszenie w {worse}.",
                "en": f"Of the {m} indicators for which a higher or a lower value is better, {better} improved "
                f"and {worse} worsened compared with {prev_year}.",
                "de": f"Von {m} Indikatoren mit einer Zielrichtung haben sich gegenüber {prev_year} {better} "
                f"verbessert und {worse} verschlechtert.",
            }[lang]
        )

    if baseline_year is not None:
        base = [r for r in with_data if r.since_baseline is not None]
        if base:
            r = sorted(base, key=lambda r: (-abs(r.since_baseline), r.name))[0]  # type: ignore[arg-type]
            chg = fmt_change(r.since_baseline, lang, change_decimals(r.since_baseline))  # type: ignore[arg-type]
            sentences.append(
                t("sentence.category.since_baseline", lang, year=baseline_year, name=quote(r.name, lang), change=chg)
            )

    missing = [r.name for r in rows if r.value is None]
    if missing:
        sentences.append(t("sentence.category.no_data", lang, year=year, names=_names_list(missing, lang)))
    return sentences[:max_sentences]


def break_sentence(names: Sequence[str], year: int, reason: str, lang: str) -> str:
    """Which figures break in ``year`` and why; changes across the break are not comparable.

    >>> break_sentence(["Ludność ogółem"], 2021, "od 2021 r. GUS opiera liczbę ludności na spisie 2021", "pl")
    'W 2021 r. nastąpiło zerwanie szeregu („Ludność ogółem”): od 2021 r. GUS opiera liczbę ludności na spisie 2021. Zmian obejmujących 2021 r. nie można porównywać wprost.'
    """
    check_lang(lang)
    key = "break_many" if len(names) > 1 else "break_one"  # English: "the series of … break" / "breaks"
    return t(f"sentence.category.{key}", lang, names=_names_list(names, lang), year=year, reason=reason)
