"""The strategy page's sentences: an indicator's status against its path, the baseline year, breaks."""

from __future__ import annotations

from collections.abc import Sequence

from ..i18n import check_lang, t
from .formats import _is_missing, _names_list, fmt_value, join_list, quote

STATUSES = ("on_track", "at_risk", "off_track", "no_data")
_STATUS_ALIASES = {"not_assessable": "no_data", "insufficient_data": "no_data", "unknown": "no_data"}


def normalize_status(status: str) -> str:
    """``"On track"``, ``"on-track"``, ``"on_track"`` → ``"on_track"``; unknown statuses raise ValueError."""
    key = str(status).strip().lower().replace("-", "_").replace(" ", "_")
    key = _STATUS_ALIASES.get(key, key)
    if key not in STATUSES:
        raise ValueError(f"unknown strategy status {status!r}: expected one of {', '.join(STATUSES)}")
    return key


def status_sentence(
    status: str,
    name: str,
    lang: str,
    *,
    value: float | None = None,
    year: int | None = None,
    target: float | None = None,
    target_year: int | None = None,
    unit: str | None = None,
    decimals: int | None = None,
) -> str:
    """A sentence on a strategy indicator's status, with the value and target when given (``decimals``: one
    precision for both, as in the table beside it).

    >>> status_sentence("at_risk", "Stopa bezrobocia", "pl", value=5.2, year=2024, target=4.0,
    ...                 target_year=2030, unit="%")
    'Realizacja wskaźnika „Stopa bezrobocia” jest zagrożona (2024 r.: 5,2%; cel na 2030 r.: 4,0%).'
    """
    check_lang(lang)
    key = normalize_status(status)
    head = t(f"sentence.strategy.{key}_status", lang, name=quote(name, lang))
    parts = []
    if not _is_missing(value):
        label = (
            t("sentence.strategy.value_in", lang, year=year) if year is not None else t("sentence.strategy.value", lang)
        )
        parts.append(f"{label}: {fmt_value(value, unit, lang, decimals=decimals)}")
    if not _is_missing(target):
        if target_year is not None:
            label = t("sentence.strategy.target_for", lang, year=target_year)
        else:
            label = t("sentence.strategy.target", lang)
        parts.append(f"{label}: {fmt_value(target, unit, lang, decimals=decimals)}")
    return head + (f" ({'; '.join(parts)})" if parts else "") + "."


def strategy_break_sentence(names: Sequence[str], years: Sequence[int], lang: str) -> str:
    """Strategy indicators whose progress since the baseline crosses a break in the series.

    >>> strategy_break_sentence(["Liczba ludności"], [2021], "en")
    'The progress of “Liczba ludności” since the baseline crosses a break in the series (2021): the values before and after are measured differently, so it is not shown in the chart.'
    """
    check_lang(lang)
    key = "break_one" if len(names) == 1 else "break_many"  # Polish: "wskaźnika" / "wskaźników"
    return t(
        f"sentence.strategy.{key}", lang, names=_names_list(names, lang), years=join_list([str(y) for y in years], lang)
    )


def strategy_baseline_sentence(year: int, lang: str) -> str:
    return t("sentence.strategy.baseline", lang, year=year)


def strategy_on_track_sentence(lang: str) -> str:
    return t("sentence.strategy.on_track", lang)
