"""The data bank's catalogue of a report year, without language: per dataset and per provider, what the portal's
pages and the provider cards show (``citybank.render.portal``, ``citybank.render.cards``).

Every figure comes from the bank or a file the build wrote: the years a dataset covers and its values are the
bank's rows up to the report year; last data year and overdue use the QA report's rule (``bank.freshness``); the
problems are the year's quarantine (``data/quality/<Y>/quarantine.csv``) and the detectors' findings of the year
(``data/quality/<Y>/findings.csv``: to be confirmed, nothing quarantined); the downloads are the category files
``publish`` wrote (``reports/<Y>/data/<category>.csv|xlsx|parquet``, the dataset's rows are those whose column
``dataset`` is its id); lineage comes from params (``citybank.lineage``); the catalogue fields (frequency,
openness, licence, due date) from ``params/datasets/<id>.yml`` and ``params/providers.yml``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .bank import empty_bank, freshness, load_bank
from .errors import UserError
from .lineage import Lineage, dataset_lineage, provider_lineage
from .params import Registry, due_date, expand_files, registry
from .paths import PATHS, Paths
from .safety import read_back

DOWNLOAD_FORMATS = ("csv", "xlsx", "parquet")


@dataclass(frozen=True)
class Problem:
    """One row of the year's quarantine (a rejected value or a file-level problem) or a detector's finding of the
    year (``finding``: its row of findings.csv; the value stays in the bank, to be confirmed)."""

    check: str
    column: str
    value: str
    source_file: str
    source_row: int | None
    finding: dict[str, Any] | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class DatasetEntry:
    id: str
    category: str
    provider: str
    frequency: str
    openness: int
    licence: str
    format: str
    years: tuple[int, ...]
    """The years with at least one value in the bank, up to the report year."""
    values: int
    """The dataset's values in the bank up to the report year."""
    values_in_year: int
    last_data_year: int | None
    expected_last_year: int | None
    overdue: bool
    due: str | None
    """ISO date by which the report year's data are due (the dataset's or its provider's ``due``)."""
    receive: tuple[str, ...]
    """The files under data/raw the report year's data come in."""
    downloads: tuple[str, ...]
    """Published files holding the dataset's rows, relative to ``reports/<Y>/``."""
    problems: tuple[Problem, ...]
    lineage: Lineage
    findings: tuple[dict[str, Any], ...] = ()
    """The detectors' findings of every year up to the report year (rows of findings.csv), newest first."""

    @property
    def gaps(self) -> tuple[int, ...]:
        """Years missing between the first and the last year with data."""
        if not self.years:
            return ()
        return tuple(y for y in range(self.years[0], self.years[-1] + 1) if y not in self.years)


@dataclass(frozen=True)
class ProviderEntry:
    id: str
    datasets: tuple[str, ...]
    due: str | None
    lineage: Lineage
    overdue: tuple[str, ...]
    problems: int


@dataclass(frozen=True)
class Catalogue:
    year: int
    datasets: dict[str, DatasetEntry]
    providers: dict[str, ProviderEntry]
    categories: dict[str, tuple[str, ...]]
    """Per category (params order), its dataset ids (sorted)."""


def _problems(paths: Paths, year: int) -> pd.DataFrame:
    path = paths.quality / str(year) / "quarantine.csv"
    if not path.is_file():
        return pd.DataFrame(columns=["dataset", "source_file", "source_row", "column", "value", "check"])
    return pd.read_csv(path, dtype=str, keep_default_na=False).map(read_back)


def _findings(paths: Paths, year: int) -> pd.DataFrame:
    path = paths.quality / str(year) / "findings.csv"
    if not path.is_file():
        return pd.DataFrame(columns=["dataset", "variable", "year", "check"])
    df = pd.read_csv(path, dtype={"territories": str, "variable": str, "scope": str}, keep_default_na=False)
    return df[df["year"] <= year] if not df.empty else df


def build_catalogue(
    year: int, reg: Registry | None = None, bank: pd.DataFrame | None = None, paths: Paths | None = None
) -> Catalogue:
    """The catalogue of report year ``year``."""
    reg = reg or registry()
    paths = paths or PATHS
    if bank is None:
        try:
            bank = load_bank(root=paths)
        except UserError:  # no bank yet: the catalogue still lists every dataset, each saying it has no values
            bank = empty_bank()
    rows = bank[bank["year"] <= year]
    years = rows.groupby("dataset")["year"].unique()
    counts = rows["dataset"].value_counts()
    in_year = rows.loc[rows["year"] == year, "dataset"].value_counts()
    quarantine = _problems(paths, year)
    found = _findings(paths, year)
    lineage = dataset_lineage(reg)
    data_dir = paths.year_report(year) / "data"

    datasets: dict[str, DatasetEntry] = {}
    for ds_id in sorted(reg.datasets):
        ds = reg.datasets[ds_id]
        ys = tuple(sorted(int(y) for y in years.get(ds_id, [])))
        fresh = freshness({"data_years": {"last": ys[-1]} if ys else {}}, ds.frequency, year)
        due = ds.due or reg.providers[ds.provider].due
        q = quarantine[quarantine["dataset"] == ds_id]
        problems = tuple(
            Problem(r.check, r.column, r.value, r.source_file, int(r.source_row) if r.source_row else None)
            for r in q.sort_values(["check", "source_file", "column"], kind="mergesort").itertuples()
        ) + tuple(
            Problem(str(f["check"]), str(f["variable"]).split()[0], "", "", None, finding=dict(f))
            for f in found[(found["dataset"] == ds_id) & (found["year"] == year)].to_dict("records")
        )
        series = found[found["dataset"] == ds_id].sort_values("year", ascending=False, kind="mergesort")
        datasets[ds_id] = DatasetEntry(
            id=ds_id,
            category=ds.category,
            provider=ds.provider,
            frequency=ds.frequency,
            openness=ds.openness,
            licence=ds.licence,
            format=ds.source.format,
            years=ys,
            values=int(counts.get(ds_id, 0)),
            values_in_year=int(in_year.get(ds_id, 0)),
            last_data_year=fresh["last_data_year"],
            expected_last_year=fresh["expected_last_year"],
            overdue=fresh["overdue"],
            due=due_date(due, year) if due else None,
            receive=tuple(dict.fromkeys(rel for rel, _ in expand_files(ds, [year]))),
            downloads=tuple(
                f"data/{ds.category}.{fmt}"
                for fmt in DOWNLOAD_FORMATS
                if ys and (data_dir / f"{ds.category}.{fmt}").is_file()
            ),
            problems=problems,
            lineage=lineage[ds_id],
            findings=tuple(series.to_dict("records")),
        )
    by_provider = provider_lineage(reg)
    providers = {}
    for pid, prov in reg.providers.items():
        mine = tuple(d for d in datasets if datasets[d].provider == pid)
        providers[pid] = ProviderEntry(
            id=pid,
            datasets=mine,
            due=due_date(prov.due, year) if prov.due else None,
            lineage=by_provider[pid],
            overdue=tuple(d for d in mine if datasets[d].overdue),
            problems=sum(len(datasets[d].problems) for d in mine),
        )
    categories = {slug: tuple(d for d in datasets if datasets[d].category == slug) for slug in reg.categories}
    return Catalogue(year, datasets, providers, categories)


def stars(openness: int) -> str:
    """The openness level as five stars, e.g. ``★★★☆☆`` for 3 (Tim Berners-Lee's 5-star open data)."""
    return "★" * openness + "☆" * (5 - openness)
