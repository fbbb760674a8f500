"""What the notebooks show. Each function assembles one page — headings, sentences, tables and charts —
from the bank and the computed result files, in the page's language. Notebooks call one of these and
display what it returns; they hold no logic of their own.

Every page object has ``heading`` (Markdown with the title and, for the bundled sample, the sample-data
notice) and ``story`` (Markdown sentences generated from the data). Tables are DataFrames with localised
headers and formatted cells; charts are :class:`citybank.plots.ChartImage` objects (PNG + alt text).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from . import narrative as nv
from .i18n import t, unit_label
from .params import Registry, registry
from .paths import PATHS
from .rawdata import is_sample

# ---------------------------------------------------------------------------------------------- shared


@cache
def _bank() -> pd.DataFrame:
    from .bank import load_bank

    return load_bank(root=PATHS)


@cache
def _is_sample() -> bool:
    return is_sample(PATHS.raw)


def warm() -> None:
    """Load what every page needs — params, the bank, the ISO catalogue and results, matplotlib's fonts —
    so that processes forked from a warm runner worker start with it (see citybank.runner)."""
    from .plots import line_chart, png_bytes

    registry()
    _is_sample()
    _bank()
    _catalogue()
    _iso_results()
    png_bytes(
        line_chart(
            pd.DataFrame({"year": [2023, 2024], "value": [1.0, 2.0]}),
            "year",
            "value",
            title="ąę",
            lang="pl",
            source="-",
        )
    )


def _md(text: Any) -> Any:
    from IPython.display import Markdown

    return Markdown(text)


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
    from IPython.display import display

    display(_md(page.heading))
    if _is_sample():
        display(SampleNotice(lang))


def provider_name(provider: str, lang: str, reg: Registry | None = None) -> str:
    reg = reg or registry()
    p = reg.providers.get(provider)
    return p.name.get(lang) if p else provider


def source_line(providers: list[str], lang: str) -> str:
    names = sorted({provider_name(p, lang) for p in providers if p})
    return nv.join_list(names, lang) if names else "—"


def _num(value: Any, lang: str, decimals: int | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return t("value.missing", lang)
    return nv.fmt_number(float(value), lang, decimals)


def _decimals(values: list[float]) -> int:
    """One number of decimals for a column: none for large or whole numbers, up to two otherwise."""
    vals = [abs(v) for v in values if v is not None and not pd.isna(v)]
    if not vals or all(float(v).is_integer() for v in vals):
        return 0
    top = max(vals)
    return 0 if top >= 1000 else 1 if top >= 10 else 2


def _change(new: Any, old: Any, lang: str) -> str:
    pct = nv.pct_change(None if pd.isna(old) else float(old), None if pd.isna(new) else float(new))
    return t("value.missing", lang) if pct is None else nv.fmt_change(pct, lang)


def variable_name(var: str, lang: str, reg: Registry | None = None) -> str:
    reg = reg or registry()
    v = reg.variables.get(var)
    return v.name.get(lang) if v else var


# ---------------------------------------------------------------------------------------------- category


@dataclass
class CategoryPage:
    heading: str
    story: str
    key_figures: pd.DataFrame
    trend_charts: list[Any] = field(default_factory=list)
    district_charts: list[Any] = field(default_factory=list)
    peer_charts: list[Any] = field(default_factory=list)
    provenance: pd.DataFrame | None = None
    has_data: bool = False
    section: dict[str, str] = field(default_factory=dict)


def _series_for(bank: pd.DataFrame, variable: str, territory: str, upto: int) -> pd.Series:
    s = bank[(bank["variable"] == variable) & (bank["territory"] == territory) & (bank["year"] <= upto)]
    return s.set_index("year")["value"].sort_index()


def _records(reg: Registry, bank: pd.DataFrame, variables: list[str], year: int, compare: dict[str, int]) -> list[dict]:
    """Per variable, the city's value in ``year`` and in each comparison year (``{"previous": 2023, …}``),
    with the name, unit and desired direction the narrative needs."""
    out = []
    for var in variables:
        s = _series_for(bank, var, reg.city.terc, year)
        v = reg.variables[var]
        out.append({
            "variable": var, "name": v.name.model_dump(), "unit": v.unit, "higher_is_better": v.higher_is_better,
            "value": s.get(year, float("nan")), **{k: s.get(y, float("nan")) for k, y in compare.items()},
        })  # fmt: skip
    return out


def category(slug: str, year: int, lang: str, *, max_trends: int = 6) -> CategoryPage:
    """The page of one category: key figures with changes, trends, districts, peers, provenance, story."""
    from .plots import district_bars, line_chart, peer_comparison, show

    reg = registry()
    cat = reg.categories[slug]
    city = reg.city
    datasets = sorted(reg.datasets_in(slug), key=lambda d: d.id)
    variables = [v for d in datasets for v in d.variables]
    bank = _bank()
    rows = bank[bank["variable"].isin(variables)]
    city_rows = rows[rows["territory"] == city.terc]
    prev = reg.years[year].compare_with if year in reg.years else year - 1
    base = city.baseline_year

    records = _records(reg, city_rows, variables, year, {"previous": prev, "baseline": base})
    frame = pd.DataFrame(records)
    has_data = bool(len(frame)) and frame["value"].notna().any()
    sentences = (
        nv.category_story(frame, lang, year, category_name=cat.name.get(lang), baseline_year=base, previous_year=prev)
        if len(frame)
        else []
    )
    if not has_data:
        sentences.append(t("notice.no_data_year", lang, year=year))

    dec = {r["variable"]: _decimals([r["value"], r["previous"], r["baseline"]]) for r in records}
    table = pd.DataFrame(
        {
            t("table.indicator", lang): [r["name"][lang] for r in records],
            t("table.unit", lang): [unit_label(r["unit"], lang) for r in records],
            str(year): [_num(r["value"], lang, dec[r["variable"]]) for r in records],
            str(prev): [_num(r["previous"], lang, dec[r["variable"]]) for r in records],
            t("table.change_yoy", lang): [_change(r["value"], r["previous"], lang) for r in records],
            f"{t('table.change_baseline', lang)} ({base})": [_change(r["value"], r["baseline"], lang) for r in records],
        }
    )

    # trends: variables with the most years of data, city only
    counts = city_rows[city_rows["year"] <= year].groupby("variable")["year"].nunique()
    ranked = sorted((v for v in variables if counts.get(v, 0) >= 2), key=lambda v: (-counts[v], variables.index(v)))
    trends = []
    for var in ranked[:max_trends]:
        part = city_rows[(city_rows["variable"] == var) & (city_rows["year"] <= year)]
        fig = line_chart(
            part,
            "year",
            "value",
            title=variable_name(var, lang),
            lang=lang,
            source=source_line(list(part["provider"].unique()), lang),
            unit=reg.variables[var].unit,
        )
        trends.append(show(fig))

    district_codes = {d.code: d.name for d in city.districts}
    dist = rows[rows["territory"].isin(district_codes) & (rows["year"] == year)]
    dcharts = []
    for var in sorted(dist["variable"].unique(), key=variables.index):
        part = dist[dist["variable"] == var].assign(district=lambda d: d["territory"].map(district_codes))
        city_value = None  # a count: the city total is the sum, not a level to compare against
        fig = district_bars(
            part,
            "district",
            "value",
            title=f"{variable_name(var, lang)} ({year})",
            lang=lang,
            source=source_line(list(part["provider"].unique()), lang),
            unit=reg.variables[var].unit,
            city_value=city_value,
        )
        dcharts.append(show(fig))

    peer_codes = {p.code: p.name for p in city.peers}
    pcharts = []
    peer_rows = rows[rows["territory"].isin(peer_codes) & (rows["year"] == year)]
    pop = bank[(bank["variable"] == "population_total") & (bank["year"] == year)].set_index("territory")["value"]
    for var in sorted(peer_rows["variable"].unique(), key=variables.index)[:3]:
        v = reg.variables[var]
        vals = {peer_codes[r.territory]: r.value for r in peer_rows[peer_rows["variable"] == var].itertuples()}
        own = city_rows[(city_rows["variable"] == var) & (city_rows["year"] == year)]["value"]
        if own.empty:
            continue
        vals[city.name] = float(own.iloc[0])
        title = variable_name(var, lang)
        if v.additive and not pop.empty:  # counts are compared per 1 000 residents
            codes = {name: code for code, name in peer_codes.items()} | {city.name: city.terc}
            vals = {
                k: (x / pop[codes[k]] * 1000 if codes[k] in pop.index and pop[codes[k]] else None)
                for k, x in vals.items()
            }
            title += {"pl": " na 1000 mieszkańców", "en": " per 1,000 residents", "de": " je 1.000 Einwohner"}[lang]
        provs = list(peer_rows["provider"].unique())
        fig = peer_comparison(vals, city.name, title=f"{title} ({year})", lang=lang, source=source_line(provs, lang))
        pcharts.append(show(fig))

    prov = provenance_table(datasets, year, lang, reg)
    return CategoryPage(
        heading=heading(cat.name.get(lang), lang, subtitle=cat.description.get(lang)),
        story=" ".join(sentences),
        key_figures=table,
        trend_charts=trends,
        district_charts=dcharts,
        peer_charts=pcharts,
        provenance=prov,
        has_data=has_data,
        section={k: t(f"chapter.{k}", lang) for k in ("key_figures", "districts", "peers", "sources")},
    )


def provenance_table(datasets: list, year: int, lang: str, reg: Registry | None = None) -> pd.DataFrame:
    """Provider, dataset, update frequency, last data year, openness and the year's quality problems."""
    from .bank import quality

    reg = reg or registry()
    try:
        qa = quality(year, root=PATHS).get("datasets", {})
    except Exception:  # noqa: BLE001 - a missing QA report must not break the page
        qa = {}
    rows = []
    for ds in datasets:
        info = qa.get(ds.id, {})
        problems = info.get("problems") or {}
        last = (info.get("freshness") or {}).get("last_data_year") or (info.get("data_years") or {}).get("last")
        rows.append(
            {
                t("table.provider", lang): provider_name(ds.provider, lang, reg),
                t("table.dataset", lang): ds.title.get(lang),
                t("table.frequency", lang): t(
                    f"frequency.{'one_off' if ds.frequency == 'once' else ds.frequency}", lang
                ),
                t("table.last_year", lang): str(last) if last else t("value.missing", lang),
                t("table.openness", lang): "★" * ds.openness,
                t("table.notes", lang): ", ".join(f"{k}: {v}" for k, v in sorted(problems.items())) or "—",
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------- overview

HEADLINES = [
    "population_total",
    "live_births",
    "deaths",
    "registered_unemployed",
    "median_gross_wage",
    "registered_businesses",
    "property_crimes",
    "waste_collected_t",
    "pm10_annual_mean",
    "dwellings_total",
    "public_transport_trips",
    "revenue_total",
]


@dataclass
class OverviewPage:
    heading: str
    story: str
    headlines: pd.DataFrame
    changes_chart: Any
    bank_story: str
    by_category: pd.DataFrame
    by_provider: pd.DataFrame
    openness_chart: Any
    overdue: pd.DataFrame
    section: dict[str, str] = field(default_factory=dict)


def overview(year: int, lang: str) -> OverviewPage:
    """The city at a glance: headline figures with changes, what improved and worsened, the bank's own
    statistics (datasets per category and provider, openness, freshness and overdue datasets)."""
    from .bank import quality
    from .plots import bar_chart, show

    reg = registry()
    city = reg.city
    bank = _bank()
    prev = reg.years[year].compare_with if year in reg.years else year - 1
    heads = [v for v in HEADLINES if v in reg.variables]
    recs = [
        dict(r, provider=_provider_of(r["variable"], reg)) for r in _records(reg, bank, heads, year, {"previous": prev})
    ]
    frame = pd.DataFrame(recs)
    dec = {r["variable"]: _decimals([r["value"], r["previous"]]) for r in recs}
    headlines = pd.DataFrame(
        {
            t("table.indicator", lang): [r["name"][lang] for r in recs],
            str(year): [_num(r["value"], lang, dec[r["variable"]]) for r in recs],
            t("table.change_yoy", lang): [_change(r["value"], r["previous"], lang) for r in recs],
            t("table.source", lang): [provider_name(r["provider"], lang, reg) for r in recs],
        }
    )
    # the first sentence of a category story counts the category's indicators: not wanted here
    sentences = nv.category_story(frame, lang, year, previous_year=prev)[1:] if len(frame) else []

    pct = [
        (r["name"][lang], nv.pct_change(r["previous"], r["value"]))
        for r in recs
        if not pd.isna(r["value"]) and not pd.isna(r["previous"]) and r["previous"]
    ]
    cframe = pd.DataFrame([{"name": n, "pct": p} for n, p in pct if p is not None])
    changes = None
    if not cframe.empty:
        changes = show(
            bar_chart(
                cframe,
                "name",
                "pct",
                title={
                    "pl": f"Zmiana {prev}–{year}",
                    "en": f"Change {prev}–{year}",
                    "de": f"Veränderung {prev}–{year}",
                }[lang],
                lang=lang,
                percent=True,
                horizontal=True,
                sort=True,
                source=source_line([r["provider"] for r in recs], lang),
            )
        )

    # the data bank's own statistics, like the portal's "Statistics" tab
    try:
        qa = quality(year, root=PATHS)
    except Exception:  # noqa: BLE001
        qa = {}
    dsets = sorted(reg.datasets.values(), key=lambda d: d.id)
    by_cat = (
        pd.DataFrame([{"c": reg.categories[d.category].name.get(lang)} for d in dsets])
        .value_counts()
        .rename_axis([t("table.category", lang)])
        .reset_index(name=t("table.rows", lang))
    )
    by_cat = by_cat.rename(
        columns={t("table.rows", lang): {"pl": "Zbiory danych", "en": "Datasets", "de": "Datensätze"}[lang]}
    )
    by_prov = (
        pd.DataFrame([{"p": provider_name(d.provider, lang, reg)} for d in dsets])
        .value_counts()
        .rename_axis([t("table.provider", lang)])
        .reset_index(name={"pl": "Zbiory danych", "en": "Datasets", "de": "Datensätze"}[lang])
    )
    stars = pd.DataFrame({"stars": ["★" * d.openness for d in dsets]}).value_counts().reset_index(name="n")
    stars = stars.sort_values("stars")
    openness = show(
        bar_chart(
            stars,
            "stars",
            "n",
            title={
                "pl": "Zbiory danych według poziomu otwartości",
                "en": "Datasets by openness level",
                "de": "Datensätze nach Offenheitsstufe",
            }[lang],
            lang=lang,
            source={"pl": "katalog Banku Danych", "en": "data bank catalogue", "de": "Katalog der Datenbank"}[lang],
        )
    )
    overdue_ids = qa.get("datasets_overdue", []) if qa else []
    overdue = pd.DataFrame(
        [
            {
                t("table.dataset", lang): reg.datasets[i].title.get(lang),
                t("table.provider", lang): provider_name(reg.datasets[i].provider, lang, reg),
                t("table.frequency", lang): t(f"frequency.{reg.datasets[i].frequency}", lang)
                if reg.datasets[i].frequency != "once"
                else t("frequency.one_off", lang),
                t("table.last_year", lang): str(
                    ((qa["datasets"][i].get("freshness") or {}).get("last_data_year")) or "—"
                ),
            }
            for i in overdue_ids
            if i in reg.datasets
        ]
    )
    n_rows = int((bank["year"] == year).sum())
    bank_story = {
        "pl": f"Bank danych zawiera {nv.count_phrase(len(dsets), 'datasets', 'pl')} od "
        f"{nv.count_phrase(len(reg.providers), 'providers', 'pl', case='gen')} w {len(reg.categories)} "
        f"kategoriach; za {year} r. zgromadzono {nv.fmt_number(n_rows, 'pl')} wartości. "
        f"Zbiorów po terminie aktualizacji: {len(overdue_ids)}.",
        "en": f"The data bank holds {nv.count_phrase(len(dsets), 'datasets', 'en')} from "
        f"{nv.count_phrase(len(reg.providers), 'providers', 'en')} in {len(reg.categories)} categories; "
        f"{nv.fmt_number(n_rows, 'en')} values for {year}. Datasets overdue for an update: "
        f"{len(overdue_ids)}.",
        "de": f"Die Datenbank enthält {nv.count_phrase(len(dsets), 'datasets', 'de')} von "
        f"{nv.count_phrase(len(reg.providers), 'providers', 'de')} in {len(reg.categories)} Kategorien; "
        f"{nv.fmt_number(n_rows, 'de')} Werte für {year}. Datensätze mit überfälliger Aktualisierung: "
        f"{len(overdue_ids)}.",
    }[lang]
    title = {
        "pl": f"{city.name} w {year} r. — przegląd",
        "en": f"{city.name} in {year} — overview",
        "de": f"{city.name} im Jahr {year} — Überblick",
    }[lang]
    return OverviewPage(
        heading=heading(title, lang, subtitle=city.status.get(lang)),
        story=" ".join(sentences),
        headlines=headlines,
        changes_chart=changes,
        bank_story=bank_story,
        by_category=by_cat,
        by_provider=by_prov,
        openness_chart=openness,
        overdue=overdue,
        section={
            "key_figures": t("chapter.key_figures", lang),
            "bank": {"pl": "Bank danych w liczbach", "en": "The data bank in figures", "de": "Die Datenbank in Zahlen"}[
                lang
            ],
            "overdue": {
                "pl": "Zbiory po terminie aktualizacji",
                "en": "Datasets overdue for an update",
                "de": "Datensätze mit überfälliger Aktualisierung",
            }[lang],
        },
    )


def _provider_of(var: str, reg: Registry) -> str:
    for d in reg.datasets.values():
        if var in d.variables:
            return d.provider
    return ""


def show_all(items: list[Any] | Any, heading: str | None = None) -> None:
    """Display a list of charts/tables (or one), under a ``## heading`` when there is anything to show;
    ``None`` entries are skipped, so an empty section leaves no empty heading behind."""
    from IPython.display import display

    items = [i for i in (items if isinstance(items, list) else [items]) if i is not None]
    if items and heading:
        display(_md(f"## {heading}"))
    for item in items:
        display(item)


class Table:
    """A table for notebook output: HTML for the report, aligned plain text for nbval diffs and terminals.
    (pandas' Styler is avoided on purpose: it stamps random ids into the HTML.)"""

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame

    def _repr_html_(self) -> str:
        return self.frame.to_html(index=False, border=0, classes="cb-table", escape=True, na_rep="")

    def __repr__(self) -> str:
        return self.frame.to_string(index=False)


def table(frame: pd.DataFrame | None, lang: str) -> Any:
    """A table for display, or an honest note when it is empty."""
    if frame is None or frame.empty:
        return _md(f"*{t('value.missing', lang)}*")
    return Table(frame)


def markdown(text: str) -> Any:
    return _md(text)


# ---------------------------------------------------------------------------------------------- ISO 37120


@cache
def _catalogue():
    from .indicators import load_catalogue

    return load_catalogue(registry())


@cache
def _iso_results() -> pd.DataFrame:
    from .indicators import results

    return results(reg=registry())


def _type_label(ind, lang: str) -> str:
    label = t(f"iso_level.{ind.type}", lang)
    if not ind.type_verified:
        label += {
            "pl": " (typ niepotwierdzony dla wydania 2018)",
            "en": " (type not verified for the 2018 edition)",
            "de": " (Typ für die Ausgabe 2018 nicht bestätigt)",
        }[lang]
    return label


def _formula_md(ind, lang: str) -> str:
    f = ind.formula
    if f is None:
        return ""
    names = lambda vs: " + ".join(variable_name(v, lang) for v in vs)  # noqa: E731
    mult = nv.fmt_number(f.multiplier, lang)
    if f.kind == "ratio":
        expr = f"({names(f.numerator)}) / ({names(f.denominator)}) × {mult}"
    elif f.kind == "change":
        expr = {
            "pl": f"({names(f.numerator)} w roku t / w roku t−1 − 1) × {mult}",
            "en": f"({names(f.numerator)} in year t / in year t−1 − 1) × {mult}",
            "de": f"({names(f.numerator)} im Jahr t / im Jahr t−1 − 1) × {mult}",
        }[lang]
    else:
        expr = f"{names(f.numerator)} × {mult}" if f.multiplier != 1 else names(f.numerator)
    label = {"pl": "Wzór", "en": "Formula", "de": "Formel"}[lang]
    return f"**{label}:** {expr} [{unit_label(ind.unit, lang)}]"


@dataclass
class IndicatorPage:
    heading: str
    definition: str
    value: str
    story: str
    trend_chart: Any
    peer_chart: Any
    inputs: pd.DataFrame
    status: str
    section: dict[str, str] = field(default_factory=dict)


def iso_indicator(indicator: str, year: int, lang: str) -> IndicatorPage:
    """One ISO 37120 indicator: definition and method, the value or why it is missing, the trend, peers,
    the inputs with their provenance, and a short data-driven story."""
    from .plots import line_chart, peer_comparison, show

    reg = registry()
    city = reg.city
    cat = _catalogue()
    ind = cat.by_id.get(str(indicator))
    if ind is None:
        raise ValueError(
            f"indicator '{indicator}' is not in params/iso37120.yml; "
            "use a clause id such as '5.1' (see citybank indicators --year Y)"
        )
    theme = cat.theme_by_id[ind.theme]
    res = _iso_results()
    mine = res[(res["id"] == ind.id) & (res["territory"] == city.terc)].set_index("year").sort_index()
    row = mine.loc[year] if year in mine.index else None
    status = str(row["status"]) if row is not None else ("not_applicable" if ind.formula is None else "not_available")

    title = f"{ind.id} {ind.name.get(lang)}"
    subtitle = f"{t('table.theme', lang)}: {theme.name.get(lang)} · {_type_label(ind, lang)}"
    parts = [_formula_md(ind, lang)]
    if ind.method_note:
        parts.append(
            f"**{ {'pl': 'Uwaga metodologiczna', 'en': 'Method note', 'de': 'Methodischer Hinweis'}[lang] }:** "
            f"{ind.method_note.get(lang)}"
        )
    parts.append(f"**{t('table.source', lang)}:** {ind.source_pl}")
    definition = "\n\n".join(p for p in parts if p)

    reported = mine[mine["status"] == "reported"]["value"].loc[:year]
    if status == "reported" and row is not None:
        prev = mine["value"].get(year - 1)
        chg = (
            ""
            if prev is None or pd.isna(prev)
            else f" ({t('table.change_yoy', lang)}: {_change(row['value'], prev, lang)})"
        )
        value_md = f"## {t('table.value', lang)} {year}: {_num(row['value'], lang, _decimals([row['value']]))} {unit_label(ind.unit, lang)}{chg}"
    elif status == "not_applicable":
        value_md = f"## {t('availability.not_applicable', lang).capitalize()}\n\n{ind.not_applicable.get(lang)}"
    else:
        from .indicators import variable_sources

        missing = [v for v in (str(row["missing"]).split("; ") if row is not None else ind.formula.variables) if v]
        src = variable_sources(reg)
        lines = []
        for v in missing:
            ds = src.get(v)
            who = (
                f"{provider_name(ds[1], lang, reg)} — {reg.datasets[ds[0]].title.get(lang)}"
                if ds
                else {
                    "pl": "brak zbioru danych: trzeba go pozyskać",
                    "en": "no dataset yet: it has to be obtained",
                    "de": "noch kein Datensatz: er muss beschafft werden",
                }[lang]
            )
            lines.append(f"- {variable_name(v, lang, reg)} ({who})")
        head = {
            "pl": f"Brak danych za {year} r. Brakujące zmienne:",
            "en": f"Not available for {year}. Missing:",
            "de": f"Für {year} nicht verfügbar. Es fehlen:",
        }[lang]
        value_md = f"## {t('availability.not_available', lang).capitalize()}\n\n{head}\n\n" + "\n".join(lines)

    story = ""
    if len(reported) >= 1:
        q = nv.quote(ind.name.get(lang), lang)
        subject = {"pl": f"Wartość wskaźnika {q}", "en": f"The value of {q}", "de": f"Der Wert von {q}"}
        story = nv.describe_trend(
            reported, subject, lang, year=year, higher_is_better={"higher": True, "lower": False}.get(ind.direction)
        )
    trend = None
    if len(reported) >= 2:
        trend = show(
            line_chart(
                reported.reset_index(), "year", "value", title=title, lang=lang, source=ind.source_pl, unit=ind.unit
            )
        )
    peers = None
    peer_codes = {p.code: p.name for p in city.peers}
    pr = res[
        (res["id"] == ind.id)
        & (res["year"] == year)
        & (res["status"] == "reported")
        & res["territory"].isin(list(peer_codes) + [city.terc])
    ]
    if status == "reported" and len(pr) >= 2:
        vals = {peer_codes.get(r.territory, city.name): r.value for r in pr.itertuples()}
        peers = show(peer_comparison(vals, city.name, title=f"{title} ({year})", lang=lang, source=ind.source_pl))
        cmp = nv.compare_to_peers(
            vals.pop(city.name),
            vals,
            lang,
            city_name=city.name,
            higher_is_better={"higher": True, "lower": False}.get(ind.direction),
        )
        story = f"{story} {cmp}".strip()

    inputs = []
    if row is not None:
        for item in json.loads(str(row["inputs"]) or "[]"):
            inputs.append(
                {
                    t("table.variable", lang): variable_name(item.get("variable", ""), lang, reg),
                    t("table.year", lang): str(item.get("year", year)),
                    t("table.value", lang): _num(item.get("value"), lang),
                    t("table.provider", lang): provider_name(item.get("provider", ""), lang, reg),
                    t("table.dataset", lang): item.get("dataset", ""),
                    t("table.file", lang): f"{item.get('source_file', '')}:{item.get('source_row', '')}",
                }
            )
    return IndicatorPage(
        heading=heading(title, lang, subtitle),
        definition=definition,
        value=value_md,
        story=story,
        trend_chart=trend,
        peer_chart=peers,
        inputs=pd.DataFrame(inputs),
        status=status,
        section={
            "inputs": {
                "pl": "Dane wejściowe i ich źródła",
                "en": "Inputs and their sources",
                "de": "Eingangsdaten und ihre Quellen",
            }[lang]
        },
    )


@dataclass
class IsoOverviewPage:
    heading: str
    certification: str
    coverage: pd.DataFrame
    coverage_chart: Any
    changes: pd.DataFrame
    todo: pd.DataFrame
    todo_story: str
    section: dict[str, str] = field(default_factory=dict)


def iso_overview(year: int, lang: str) -> IsoOverviewPage:
    """Coverage by theme, the certification-level estimate, the biggest changes, and the to-do list of
    missing data (which variables, from which provider) towards the next level."""
    from .indicators import certification_level, coverage
    from .plots import bar_chart, show

    reg = registry()
    city = reg.city
    cat = _catalogue()
    res = _iso_results()
    cov = coverage(res, cat, city.terc, year)
    themes = cat.theme_by_id
    by_theme = cov.groupby("theme", sort=False)[["reported", "not_available", "not_applicable", "total"]].sum()
    cov_table = pd.DataFrame(
        {
            t("table.theme", lang): [f"{th} {themes[th].name.get(lang)}" for th in by_theme.index],
            t("availability.reported", lang): by_theme["reported"].astype(int).astype(str).tolist(),
            t("availability.not_available", lang): by_theme["not_available"].astype(int).astype(str).tolist(),
            t("availability.not_applicable", lang): by_theme["not_applicable"].astype(int).astype(str).tolist(),
            t("value.total", lang): by_theme["total"].astype(int).astype(str).tolist(),
        }
    )
    share = pd.DataFrame(
        {
            "theme": [themes[th].name.get(lang) for th in by_theme.index],
            "pct": (by_theme["reported"] / by_theme["total"] * 100).tolist(),
        }
    )
    chart = show(
        bar_chart(
            share,
            "theme",
            "pct",
            title={
                "pl": f"Odsetek wskaźników ISO 37120 raportowanych w {year} r.",
                "en": f"Share of ISO 37120 indicators reported, {year}",
                "de": f"Anteil der berichteten ISO-37120-Indikatoren, {year}",
            }[lang],
            lang=lang,
            percent=True,
            horizontal=True,
            source="ISO 37120:2018",
        )
    )

    cert = certification_level(res, cat, city.terc, year, reg)
    level = (
        cert["level"]["name"][lang]
        if cert["level"]
        else {"pl": "poniżej poziomu podstawowego", "en": "below the first level", "de": "unterhalb der ersten Stufe"}[
            lang
        ]
    )
    nxt = cert["next_level"]
    cert_md = {
        "pl": f"W {year} r. miasto raportuje {cert['count_core']} wskaźników podstawowych, "
        f"{cert['count_supporting']} wspierających i {cert['count_profile']} profilowych. "
        f"Szacowany poziom certyfikacji WCCD: **{level}**.",
        "en": f"In {year} the city reports {cert['count_core']} core, {cert['count_supporting']} supporting and "
        f"{cert['count_profile']} profile indicators. Estimated WCCD certification level: **{level}**.",
        "de": f"Im Jahr {year} berichtet die Stadt {cert['count_core']} Kern-, {cert['count_supporting']} "
        f"unterstützende und {cert['count_profile']} Profilindikatoren. Geschätzte WCCD-Zertifizierungsstufe: "
        f"**{level}**.",
    }[lang]
    if nxt:
        core, total = nxt["needs_core"], nxt["needs_total"]

        def pl(n: int) -> str:  # "3 wskaźników", "1 wskaźnika": genitive after "brakuje"
            return nv.count_phrase(n, "indicators", "pl", case="gen")

        parts = {
            "pl": [f"{pl(core)} podstawowych"] * bool(core) + [f"{pl(total)} łącznie"] * bool(total),
            "en": [f"{core} more core indicator{'s' * (core != 1)}"] * bool(core)
            + [f"{total} more indicator{'s' * (total != 1)} in total"] * bool(total),
            "de": [f"{core} Kernindikator{'en' * (core != 1)}"] * bool(core)
            + [f"{total} Indikator{'en' * (total != 1)} insgesamt"] * bool(total),
        }[lang]
        joined = {"pl": " i ", "en": " and ", "de": " und "}[lang].join(parts)
        cert_md += (
            " "
            + {
                "pl": f"Do poziomu „{nxt['name']['pl']}” brakuje {joined}.",
                "en": f"The next level, {nxt['name']['en']}, needs {joined}.",
                "de": f"Für die nächste Stufe „{nxt['name']['de']}“ fehlen {joined}.",
            }[lang]
        )
    cert_md += f"\n\n*{cert['note'][lang]}*"

    now = res[(res["territory"] == city.terc) & (res["year"] == year) & (res["status"] == "reported")]
    before = res[(res["territory"] == city.terc) & (res["year"] == year - 1) & (res["status"] == "reported")]
    both = now.merge(before[["id", "value"]], on="id", suffixes=("", "_prev"))
    both = both[both["value_prev"] != 0].assign(pct=lambda d: (d["value"] / d["value_prev"] - 1) * 100)
    both = both.reindex(both["pct"].abs().sort_values(ascending=False, kind="stable").index).head(8)
    changes = pd.DataFrame(
        {
            t("table.indicator", lang): [f"{r.id} {cat.by_id[r.id].name.get(lang)}" for r in both.itertuples()],
            str(year - 1): [_num(r.value_prev, lang, _decimals([r.value_prev])) for r in both.itertuples()],
            str(year): [_num(r.value, lang, _decimals([r.value])) for r in both.itertuples()],
            t("table.change_yoy", lang): [nv.fmt_change(r.pct, lang) for r in both.itertuples()],
        }
    )
    todo = pd.DataFrame(
        [
            {
                t("table.indicator", lang): f"{item['id']} {item['name'][lang]}",
                t("table.level", lang): t(f"iso_level.{item['type']}", lang),
                t("table.variable", lang): ", ".join(variable_name(s["variable"], lang, reg) for s in item["sources"]),
                t("table.provider", lang): ", ".join(
                    sorted(
                        {
                            provider_name(s["provider"], lang, reg)
                            if s["provider"] in reg.providers
                            else {"pl": "brak dostawcy", "en": "no provider yet", "de": "noch kein Lieferant"}[lang]
                            for s in item["sources"]
                        }
                    )
                ),
            }
            for item in cert["todo"]
        ]
    )
    todo_story = {
        "pl": f"Lista zadań: {len(cert['todo'])} wskaźników podstawowych i wspierających nie ma jeszcze danych. "
        "Tabela wskazuje brakujące zmienne i instytucje, od których można je pozyskać.",
        "en": f"To-do list: {len(cert['todo'])} core and supporting indicators have no data yet. The table names "
        "the missing variables and who could supply them.",
        "de": f"Aufgabenliste: Für {len(cert['todo'])} Kern- und unterstützende Indikatoren fehlen noch Daten. "
        "Die Tabelle nennt die fehlenden Variablen und mögliche Lieferanten.",
    }[lang]
    return IsoOverviewPage(
        heading=heading(
            {
                "pl": f"ISO 37120 — przegląd {year}",
                "en": f"ISO 37120 — overview {year}",
                "de": f"ISO 37120 — Überblick {year}",
            }[lang],
            lang,
            {
                "pl": "Wskaźniki usług miejskich i jakości życia (ISO 37120:2018)",
                "en": "Indicators for city services and quality of life (ISO 37120:2018)",
                "de": "Indikatoren für städtische Dienstleistungen und Lebensqualität (ISO 37120:2018)",
            }[lang],
        ),
        certification=cert_md,
        coverage=cov_table,
        coverage_chart=chart,
        changes=changes,
        todo=todo,
        todo_story=todo_story,
        section={
            "coverage": t("table.coverage", lang),
            "changes": {"pl": "Największe zmiany", "en": "Biggest changes", "de": "Größte Veränderungen"}[lang],
            "todo": {
                "pl": "Czego brakuje do następnego poziomu",
                "en": "What is missing for the next level",
                "de": "Was zur nächsten Stufe fehlt",
            }[lang],
        },
    )


# ---------------------------------------------------------------------------------------------- strategy


@dataclass
class StrategyPage:
    heading: str
    note: str
    summary: pd.DataFrame
    indicators: pd.DataFrame
    progress_chart: Any
    story: str
    section: dict[str, str] = field(default_factory=dict)


def strategy(year: int, lang: str) -> StrategyPage:
    """Monitoring of the development strategy: status per indicator against the straight path from
    baseline to target, projections, and a summary per goal."""
    from . import strategy as st
    from .plots import bar_chart, show

    reg = registry()
    strat = st.load_strategy(reg)
    if strat is None:
        msg = {
            "pl": "Brak pliku params/strategy.yml.",
            "en": "params/strategy.yml is missing.",
            "de": "params/strategy.yml fehlt.",
        }[lang]
        return StrategyPage(heading(t("chapter.strategy", lang), lang), msg, pd.DataFrame(), pd.DataFrame(), None, "")
    names = strat.names(lang)
    df = st.results(year)
    summ = st.goal_summary(df)
    summ = summ[summ["year"] == year]
    summary = pd.DataFrame(
        {
            {"pl": "Cel strategiczny", "en": "Strategic goal", "de": "Strategisches Ziel"}[lang]: [
                names.get(g, g) for g in summ["goal"]
            ],
            **{
                t(f"status.{s}", lang): summ[s].astype(str).tolist()
                for s in ("on_track", "at_risk", "off_track", "no_data")
            },
        }
    )
    rows = df[df["year"] == year]
    units = {i.id: i.unit for _, _, i in strat.indicators()}
    fmt = lambda v, u: _num(v, lang, _decimals([v])) + (f" {u}" if u and not pd.isna(v) else "")  # noqa: E731
    indicators = pd.DataFrame(
        {
            t("table.indicator", lang): [names.get(i, i) for i in rows["indicator"]],
            t("table.baseline", lang): [
                f"{fmt(v, units.get(i))} ({y})"
                for i, v, y in zip(rows["indicator"], rows["baseline_value"], rows["baseline_year"], strict=True)
            ],
            t("table.target", lang): [
                f"{fmt(v, units.get(i))} ({y})"
                for i, v, y in zip(rows["indicator"], rows["target_value"], rows["target_year"], strict=True)
            ],
            str(year): [fmt(v, units.get(i)) for i, v in zip(rows["indicator"], rows["actual"], strict=True)],
            {"pl": "Ścieżka", "en": "On the path", "de": "Pfad"}[lang]: [
                fmt(v, units.get(i)) for i, v in zip(rows["indicator"], rows["expected"], strict=True)
            ],
            t("table.status", lang): [
                t(f"status.{s}", lang) if s != "baseline" else t("table.baseline", lang) for s in rows["status"]
            ],
        }
    )
    prog = rows.dropna(subset=["progress_ratio"])
    chart = None
    if not prog.empty:
        pframe = pd.DataFrame(
            # the share of the expected way from the baseline covered; shown within −100 % … 200 % so that one
            # far-off indicator does not squash the others (the table gives the values)
            {
                "name": [names.get(i, i) for i in prog["indicator"]],
                "pct": (prog["progress_ratio"] * 100).clip(-100, 200).tolist(),
            }
        )
        chart = show(
            bar_chart(
                pframe,
                "name",
                "pct",
                horizontal=True,
                percent=True,
                sort=True,
                lang=lang,
                title={
                    "pl": f"Postęp na ścieżce do celu, {year}",
                    "en": f"Progress on the path to target, {year}",
                    "de": f"Fortschritt auf dem Zielpfad, {year}",
                }[lang],
                source=source_line([p for p in prog["provider"].dropna().unique()], lang),
            )
        )
    sentences = [
        nv.status_sentence(
            r.status,
            names.get(r.indicator, r.indicator),
            lang,
            value=r.actual,
            year=year,
            target=r.target_value,
            target_year=int(r.target_year),
            unit=units.get(r.indicator),
        )
        for r in rows.itertuples()
        if r.status in ("off_track", "at_risk")
    ]
    if not sentences and len(rows) and (rows["status"] == "baseline").all():
        sentences = [{"pl": f"{year} r. to rok bazowy strategii: wartości są punktami wyjścia.",
                      "en": f"{year} is the strategy's baseline year: the values are the starting points.",
                      "de": f"{year} ist das Basisjahr der Strategie: die Werte sind die Ausgangspunkte."}[lang]]  # fmt: skip
    if not sentences:
        sentences = [
            {
                "pl": "Wszystkie wskaźniki z danymi są realizowane zgodnie z planem.",
                "en": "All indicators with data are on track.",
                "de": "Alle Indikatoren mit Daten liegen im Plan.",
            }[lang]
        ]
    note = strat.note.get(lang) if strat.note else ""
    return StrategyPage(
        heading=heading(strat.title.get(lang), lang, f"{strat.adopted}–{strat.horizon}"),
        note=f"> {note}" if note else "",
        summary=summary,
        indicators=indicators,
        progress_chart=chart,
        story=" ".join(sentences),
        section={
            "summary": {"pl": "Podsumowanie według celów", "en": "Summary by goal", "de": "Übersicht nach Zielen"}[
                lang
            ],
            "indicators": {"pl": "Wskaźniki", "en": "Indicators", "de": "Indikatoren"}[lang],
        },
    )


# ---------------------------------------------------------------------------------------------- consistency


@dataclass
class ConsistencyPage:
    heading: str
    story: str
    verdicts: pd.DataFrame
    charts: list[Any]
    to_resolve: str
    section: dict[str, str] = field(default_factory=dict)


def consistency(year: int, lang: str) -> ConsistencyPage:
    """Every cross-provider rule's verdict, both sources side by side over time, the explanation of expected
    differences, and the list of inconsistencies to resolve with the data holders."""
    from . import consistency as cs
    from .plots import line_chart, show

    reg = registry()
    rules = {r.id: r for r in cs.load_rules(reg)}
    df = cs.results()
    now = df[df["year"] == year]
    verdicts = pd.DataFrame(
        {
            {"pl": "Reguła", "en": "Rule", "de": "Regel"}[lang]: [rules[r].name.get(lang) for r in now["rule"]],
            {"pl": "Porównywane", "en": "Compared", "de": "Verglichen"}[lang]: [
                f"{_num(lv, lang)} ({provider_name(lp, lang, reg)})"
                for lv, lp in zip(now["left_value"], now["left_provider"], strict=True)
            ],
            {"pl": "Odniesienie", "en": "Reference", "de": "Referenz"}[lang]: [
                f"{_num(rv, lang)} ({provider_name(rp, lang, reg)})"
                for rv, rp in zip(now["right_value"], now["right_provider"], strict=True)
            ],
            t("table.difference", lang): [
                t("value.missing", lang) if pd.isna(d) else nv.fmt_change(d * 100, lang)
                for d in now["relative_difference"]
            ],
            t("table.verdict", lang): [t(f"verdict.{v}", lang) for v in now["verdict"]],
        }
    )
    charts = []
    side = lambda s: " + ".join(variable_name(v, lang, reg) for v in cs.side_ids(s))  # noqa: E731
    for rid, rule in rules.items():
        part = df[df["rule"] == rid]
        left = (
            part[["year", "left_value"]]
            .rename(columns={"left_value": "value"})
            .assign(
                source=f"{side(rule.left)} ({provider_name(str(part['left_provider'].iloc[0]) if len(part) else '', lang, reg)})"
            )
        )
        right = (
            part[["year", "right_value"]]
            .rename(columns={"right_value": "value"})
            .assign(
                source=f"{side(rule.right)} ({provider_name(str(part['right_provider'].iloc[0]) if len(part) else '', lang, reg)})"
            )
        )
        both = pd.concat([left, right]).dropna(subset=["value"])
        both = both[both["year"] <= year]
        if both["year"].nunique() >= 2:
            provs = [p for p in (part["left_provider"].tolist() + part["right_provider"].tolist()) if p and p != "nan"]
            charts.append(
                show(
                    line_chart(
                        both,
                        "year",
                        "value",
                        hue="source",
                        title=rule.name.get(lang),
                        lang=lang,
                        source=source_line(provs, lang),
                    )
                )
            )
    bad = now[now["verdict"] == "inconsistent"]
    items = []
    for r in bad.itertuples():
        rule = rules[r.rule]
        items.append(
            f"- **{rule.name.get(lang)}**: {_num(r.left_value, lang)} ({provider_name(r.left_provider, lang, reg)}, "
            f"{r.left_source_file}) / {_num(r.right_value, lang)} ({provider_name(r.right_provider, lang, reg)}, "
            f"{r.right_source_file}) — {nv.fmt_change(r.relative_difference * 100, lang)}"
        )
    if items:
        head = {
            "pl": "Do wyjaśnienia z dostawcami danych:",
            "en": "To resolve with the data holders:",
            "de": "Mit den Datenhaltern zu klären:",
        }[lang]
        to_resolve = head + "\n\n" + "\n".join(items)
    else:
        to_resolve = {
            "pl": f"W {year} r. nie stwierdzono niespójności.",
            "en": f"No inconsistencies in {year}.",
            "de": f"Im Jahr {year} keine Inkonsistenzen.",
        }[lang]
    counts = now["verdict"].value_counts()
    story = {
        "pl": f"Sprawdzone pary danych opisujących to samo zjawisko u różnych dostawców: {len(now)} "
        f"(spójne: {counts.get('consistent', 0)}, z wyjaśnioną różnicą: {counts.get('explained', 0)}, "
        f"niespójne: {counts.get('inconsistent', 0)}, nieporównywalne: {counts.get('not_comparable', 0)}).",
        "en": f"Pairs of figures describing the same phenomenon at different providers checked: {len(now)} "
        f"(consistent: {counts.get('consistent', 0)}, explained difference: {counts.get('explained', 0)}, "
        f"inconsistent: {counts.get('inconsistent', 0)}, not comparable: {counts.get('not_comparable', 0)}).",
        "de": f"Geprüfte Paare von Angaben verschiedener Lieferanten zum selben Sachverhalt: {len(now)} "
        f"(konsistent: {counts.get('consistent', 0)}, erklärte Differenz: {counts.get('explained', 0)}, "
        f"inkonsistent: {counts.get('inconsistent', 0)}, nicht vergleichbar: {counts.get('not_comparable', 0)}).",
    }[lang]
    explanations = [
        f"- **{r.name.get(lang)}**: {r.expected_difference.get(lang)}" for r in rules.values() if r.expected_difference
    ]
    if explanations:
        story += (
            "\n\n"
            + {
                "pl": "Oczekiwane przyczyny różnic:",
                "en": "Expected reasons for differences:",
                "de": "Erwartete Gründe für Differenzen:",
            }[lang]
            + "\n\n"
            + "\n".join(explanations)
        )
    return ConsistencyPage(
        heading=heading(
            {
                "pl": f"Spójność danych między dostawcami — {year}",
                "en": f"Consistency between data providers — {year}",
                "de": f"Konsistenz zwischen Datenlieferanten — {year}",
            }[lang],
            lang,
        ),
        story=story,
        verdicts=verdicts,
        charts=charts,
        to_resolve=to_resolve,
    )
