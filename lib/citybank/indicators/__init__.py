"""ISO 37120:2018 indicator engine: the catalogue in params/iso37120.yml, evaluated on the bank.

The catalogue is data. Each numbered indicator has one formula over canonical variables::

    ratio   sum(numerator) / sum(denominator) * multiplier
    value   sum(numerator) * multiplier
    change  (x_t / x_{t-1} - 1) * multiplier      with x = sum(numerator)

or a ``not_applicable`` reason. :func:`compute` pivots the bank once into a (territory, year) × variable
matrix and evaluates every formula as column operations for all territories and years at once, so the
same code serves the city with its peers and a BDL export of every Polish gmina.

Each result row says what it is (``status``): ``reported`` (a value), ``not_available`` (an input is
missing or a denominator is zero; ``missing`` lists the variables) or ``not_applicable`` (the catalogue
says the indicator does not apply). ``inputs`` holds the provenance of every input value as JSON, so a
published number can be traced to its provider, dataset, file and row.

The package along its seams: ``engine`` (the formulas, pure: bank → results), ``certification`` (coverage
towards the 2014 WCCD levels and the to-do list), ``store`` (the result file, the published table and JSON
files). The catalogue's models live in ``citybank.params.iso37120``.
"""

from __future__ import annotations

from ..params.iso37120 import Catalogue, Indicator, Theme, clause_key, load_catalogue, parse_catalogue
from .certification import NO_DATASET, certification_level, variable_sources
from .engine import RESULT_COLUMNS, STATUSES, TYPES, applicable_share, compute, coverage, out_of_range_reason, select
from .store import compute_all, indicator_table, json_number, results, write_indicator_files

__all__ = [
    "NO_DATASET",
    "RESULT_COLUMNS",
    "STATUSES",
    "TYPES",
    "Catalogue",
    "Indicator",
    "Theme",
    "applicable_share",
    "certification_level",
    "clause_key",
    "compute",
    "compute_all",
    "coverage",
    "indicator_table",
    "json_number",
    "load_catalogue",
    "out_of_range_reason",
    "parse_catalogue",
    "results",
    "select",
    "variable_sources",
    "write_indicator_files",
]
