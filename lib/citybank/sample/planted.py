"""The problems planted in the sample, each exactly once, so that every check of the workbench has something
real to find. ``PLANTED`` is data: tests of later stages assert that each one is found (and data/README.md
lists them for the analyst). Rows are 1-based lines (csv) or sheet rows (xlsx) of the written file.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from .formats import LongFile
from .model import SampleModel, round_to

UM = "um-ludnosc-dzielnice"
PUP = "pup-bezrobocie"
UM_FILE = "um-ewidencja/zameldowani_{year}.csv"
POLICE = "policja-przestepstwa-dzielnice"
PUP_FILE = "pup/bezrobocie_2015-2024.xlsx"

PLANTED: list[dict[str, Any]] = [
    {
        "id": "disagreement",
        "kind": "provider_disagreement",
        "dataset": UM,
        "file": UM_FILE.format(year=2022),
        "year": 2022,
        "variable": "population_registered",
        "territory": "2474011",
        "rows": [2, 3, 4, 5, 6],
        "gap": 0.11,
        "description": "Registered residents (city register) are 1.5–3.5 % below GUS's population every year "
        "(an explained difference), but in 2022 the five districts sum to about 11 % below it.",
        "check": "consistency: population_registered vs GUS population (pre + working + post-working age) in "
        "2022 differs by about −11 %, beyond the tolerance; the other years are an explained difference. The "
        "detectors see the same cells as a one-year dip of −10 % in the districts (an outlier, to be confirmed)",
    },
    {
        "id": "missing_year",
        "kind": "missing_year",
        "dataset": PUP,
        "file": PUP_FILE,
        "year": 2018,
        "variable": "registered_unemployed",
        "territory": "2474011",
        "rows": [],
        "description": "The labour office sheet has no row for 2018 (it jumps from 2017 in row 8 to 2019 in row 9).",
        "check": "completeness: registered_unemployed has no value for 2018; the dataset covers 2015–2024 and "
        "does not allow missing years",
    },
    {
        "id": "renamed_column",
        "kind": "renamed_column",
        "dataset": UM,
        "file": UM_FILE.format(year=2019),
        "year": 2019,
        "variable": "population_registered",
        "territory": "",
        "rows": [1],
        "header": "Liczba zameldowanych",
        "description": "The 2019 register export calls the value column 'Liczba zameldowanych' instead of "
        "'Zameldowani na pobyt stały'.",
        "check": "read through the descriptor's alias (no error); the values are the same variable",
    },
    {
        "id": "district_alias",
        "kind": "district_alias",
        "dataset": UM,
        "file": UM_FILE.format(year=2020),
        "year": 2020,
        "variable": "population_registered",
        "territory": "2474011-03",
        "rows": [4, 6],
        "spellings": {"2474011-03": "Michalkowice", "2474011-05": "Centrum"},
        "description": "The 2020 export spells two districts differently: 'Michalkowice' (row 4) and "
        "'Centrum' (row 6).",
        "check": "mapped through params/city.yml aliases to 2474011-03 and 2474011-05 (no error)",
    },
    {
        "id": "unknown_district",
        "kind": "unknown_district",
        "dataset": UM,
        "file": UM_FILE.format(year=2023),
        "year": 2023,
        "variable": "population_registered",
        "territory": "2474011-03",
        "rows": [4],
        "spellings": {"2474011-03": "Michałkowice Płn."},
        "description": "The 2023 export names the Michałkowice row 'Michałkowice Płn.', a spelling params/city.yml "
        "does not know.",
        "check": "rejected to quarantine: unknown district 'Michałkowice Płn.' in column Dzielnica (row 4); "
        "expected one of the districts of params/city.yml or an alias — not silently dropped",
    },
    {
        "id": "factor_10",
        "kind": "factor_10",
        "dataset": PUP,
        "file": PUP_FILE,
        "year": 2021,
        "variable": "registered_unemployed",
        "territory": "2474011",
        "rows": [11],
        "factor": 10,
        "description": "Registered unemployed 2021 reads 9230 instead of 923 (an extra zero typed by hand).",
        "check": "plausibility: 9230 is 7.0× the 2020 value 1311 and 10.7× the 2022 value 860, beyond the "
        "dataset's yoy_max_factor 2.0",
    },
    {
        "id": "duplicate_row",
        "kind": "duplicate_row",
        "dataset": PUP,
        "file": PUP_FILE,
        "year": 2016,
        "variable": "registered_unemployed",
        "territory": "2474011",
        "rows": [6, 7],
        "description": "The 2016 row appears twice (rows 6 and 7, identical: 1675).",
        "check": "duplicate: year 2016 appears in rows 6 and 7 of the same file; keep one, report the other",
    },
    {
        "id": "copy_forward",
        "kind": "copy_forward",
        "dataset": POLICE,
        "file": "policja/przestepstwa_dzielnice_2024.csv",
        "year": 2024,
        "variable": "crimes_total",
        "territory": "",
        "rows": [2, 3, 4, 5, 6],
        "description": "The police's 2024 file repeats 2023 value for value in every district (a re-sent file).",
        "check": "detectors: copy_forward — every value of 2024 equals 2023's in every district; to be confirmed by "
        "the provider (the values stay in the bank, nothing is quarantined)",
    },
]


def applies(p: dict[str, Any], job: LongFile) -> bool:
    return p["dataset"] == job.ds.id and p["file"] == job.rel


def plant(job: LongFile, model: SampleModel) -> None:
    """Apply every planted problem that belongs to this file (in place)."""
    for p in PLANTED:
        if not applies(p, job):
            continue
        kind, year, var = p["kind"], p["year"], p["variable"]
        if kind == "provider_disagreement":
            gus = model.real_series("population_total")[year]
            registered = sum(r.values[var] for r in job.rows if r.year == year)
            factor = gus * (1.0 - p["gap"]) / registered
            for r in job.rows:
                if r.year == year:
                    r.values[var] = round_to(r.values[var] * factor, 0)
        elif kind == "missing_year":
            job.rows = [r for r in job.rows if r.year != year]
        elif kind == "renamed_column":
            job.headers[var] = p["header"]
        elif kind in ("district_alias", "unknown_district"):
            job.names.update(p["spellings"])
        elif kind == "factor_10":
            for r in job.rows:
                if r.year == year and r.territory == p["territory"]:
                    r.values[var] = r.values[var] * p["factor"]
        elif kind == "copy_forward":
            for r in job.rows:
                if r.year == year:
                    r.values[var] = model.values(var, r.territory)[year - 1]
        elif kind == "duplicate_row":
            i = next(i for i, r in enumerate(job.rows) if r.year == year and r.territory == p["territory"])
            dup = job.rows[i]
            job.rows.insert(i + 1, replace(dup, values=dict(dup.values), true_values=dict(dup.true_values)))
        else:  # pragma: no cover - PLANTED is a constant
            raise ValueError(f"unknown planted problem kind {kind!r}")
