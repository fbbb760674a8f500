"""What every page shares: headings, the sample-data notice, tables and Markdown for display, the names of
providers and variables, and the formats of numbers and changes in table cells."""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import pandas as pd
from IPython.display import Markdown, display

from .. import narrative as nv
from ..i18n import t
from ..params import Registry, registry
from ..paths import PATHS
from ..rawdata import is_sample


@cache
def sample_data() -> bool:
    """Whether the data are the bundled sample (then every page shows the sample-data notice)."""
    return is_sample(PATHS.raw)


def heading(title: str, lang: str, subtitle: str | None = None) -> str:
    """Markdown page title and optional subtitle."""
    return f"# {title}" + (f"\n\n*{subtitle}*" if subtitle else "")


class SampleNotice:
    """The sample-data notice as notebook output, marked in its metadata so that the report (which shows
    its own banner on every page) can leave it out."""

    def __init__(self, lang: str):
        self.text = f"> **{t('notice.sample_data', lang, city=registry().city.name)}**"

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/markdown": self.text, "text/plain": self.text}, {"text/markdown": {"citybank": "sample-notice"}}


def show_heading(page: Any, lang: str) -> None:
    """Display a page's heading, then the sample-data notice when the data are the bundled sample."""
    display(Markdown(page.heading))
    if sample_data():
        display(SampleNotice(lang))


def show_all(items: list[Any] | Any, heading: str | None = None) -> None:
    """Display a list of charts/tables (or one), under a ``## heading`` when there is anything to show;
    ``None`` entries are skipped, so an empty section leaves no empty heading behind."""
    items = [i for i in (items if isinstance(items, list) else [items]) if i is not None]
    if items and heading:
        display(Markdown(f"## {heading}"))
    for item in items:
        display(item)


class Table:
    """A table for notebook output: HTML for the report, aligned plain text for nbval diffs and terminals.
    (pandas' Styler is avoided on purpose: it stamps random ids into the HTML.)"""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def _repr_html_(self) -> str:
        return self.frame.to_html(index=False, border=0, classes="cb-table", escape=True, na_rep="")

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict[str, Any], dict[str, Any]]:
        """HTML and text; the bank values the table shows (``frame.attrs["citybank_values"]``: variable,
        territory, year, value) ride along in the output metadata, so a test can check each against the bank."""
        data = {"text/html": self._repr_html_(), "text/plain": repr(self)}
        values = self.frame.attrs.get("citybank_values")
        return data, ({"text/html": {"citybank_values": values}} if values else {})

    def __repr__(self) -> str:
        return self.frame.to_string(index=False)


class Sentences:
    """Sentences for notebook output, one list item each; the bank values (``citybank_values``) and ISO 37120
    values (``citybank_indicators``: clause, territory, year, value) they say ride along in the output metadata,
    with the sentences themselves (``citybank_sentences``) for the printout made from the executed notebook."""

    def __init__(self, sentences: list[str], values: list[list[Any]], indicators: list[list[Any]], kind: str):
        self.sentences, self.values, self.indicators, self.kind = sentences, values, indicators, kind

    @property
    def text(self) -> str:
        return "\n".join(f"- {s}" for s in self.sentences)

    def _repr_mimebundle_(self, include=None, exclude=None) -> tuple[dict[str, Any], dict[str, Any]]:
        meta = {
            "citybank": self.kind,
            "citybank_sentences": self.sentences,
            "citybank_values": self.values,
            "citybank_indicators": self.indicators,
        }
        return {"text/markdown": self.text, "text/plain": self.text}, {"text/markdown": meta}

    def __repr__(self) -> str:
        return self.text


def bank_values(rows: list[tuple[str, str, int, Any]]) -> list[list[Any]]:
    """The (variable, territory, year, value) of bank values a table or chart shows, without missing ones."""
    return [[v, str(t_), int(y), float(x)] for v, t_, y, x in rows if x is not None and not pd.isna(x)]


def table(frame: pd.DataFrame | None, lang: str) -> Any:
    """A table for display, or an honest note when it is empty."""
    if frame is None or frame.empty:
        return Markdown(f"*{t('value.missing', lang)}*")
    return Table(frame)


def frequency(ds: Any, lang: str) -> str:
    """A dataset's update frequency in the page's language."""
    return t(f"frequency.{'one_off' if ds.frequency == 'once' else ds.frequency}", lang)


def markdown(text: str) -> Any:
    return Markdown(text)


def provider_name(provider: str, lang: str, reg: Registry | None = None) -> str:
    reg = reg or registry()
    p = reg.providers.get(provider)
    return p.name.get(lang) if p else provider


def variable_name(var: str, lang: str, reg: Registry | None = None) -> str:
    reg = reg or registry()
    v = reg.variables.get(var)
    return v.name.get(lang) if v else var


def source_line(providers: list[str], lang: str) -> str:
    names = sorted({provider_name(p, lang) for p in providers if p})
    return nv.join_list(names, lang) if names else "—"


def source_of(dataset: str, row: Any, lang: str) -> str:
    """Where a value comes from, as a reader of the published data finds it: the dataset's title and its row
    (row 0: the sum of the districts); the raw file's path stays in the published data files."""
    reg = registry()
    title = reg.datasets[dataset].title.get(lang) if dataset in reg.datasets else str(dataset)
    if row is None or pd.isna(row) or row == "":
        return title
    if int(row) == 0:
        return f"{title}, {t('table.sum_of_districts', lang)}"
    return f"{title}, {t('table.row', lang)} {int(row)}"


def num(value: Any, lang: str, decimals: int | None = None) -> str:
    """A table cell: the number in the page's format, or the missing-value mark."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return t("value.missing", lang)
    return nv.fmt_number(float(value), lang, decimals)


decimals = nv.column_decimals


def change(new: Any, old: Any, lang: str, how: nv.ChangeKind = "percent", crosses_break: bool = False) -> str:
    """A table cell: the change from ``old`` to ``new`` said as ``how`` says (percent, percentage points or
    absolute), the break mark when a methodological break lies between them, or the missing-value mark."""
    if crosses_break and not (pd.isna(new) or pd.isna(old)):
        return t("value.break", lang)
    return nv.fmt_change_by(None if pd.isna(new) else float(new), None if pd.isna(old) else float(old), lang, how)
