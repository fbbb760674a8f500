"""Column contracts between stages. Every stage reads and writes these shapes, nothing else."""

from __future__ import annotations

# The bank: one tidy long table; every value carries its provenance.
BANK_COLUMNS: dict[str, str] = {
    "variable": "string",  # canonical variable id (params/variables.yml)
    "territory": "string",  # code: city TERC '2474011', district '2474011-01', peers/voivodeship/country 7-digit BDL codes
    "territory_name": "string",
    "level": "string",  # country | voivodeship | powiat | gmina | district
    "year": "int64",
    "value": "float64",  # NaN never stored: a missing value is no row (or a row with flag 'missing' in quarantine)
    "unit": "string",
    "flag": "string",  # '' normal; BDL attribute symbols ('k', 's', 'M', ...) or 'estimate'
    "dataset": "string",  # params/datasets/<id>.yml
    "provider": "string",  # params/providers.yml id
    "source_file": "string",  # path under data/raw
    "source_row": "int64",  # 1-based line/row in the source file (for XLSX: the sheet row)
    "source_sha256": "string",
}

# Rows a reader produces before provenance columns are added by ingest.
READER_COLUMNS = ["variable", "territory", "year", "value", "flag", "source_row"]

# A rejected row: what was found, where, and why.
QUARANTINE_COLUMNS = ["dataset", "source_file", "source_row", "column", "value", "check", "reason", "expected"]

LEVELS = ("country", "voivodeship", "powiat", "gmina", "district")

# The provenance sidecar beside every raw file: provider, origin, date, licence, sha256 of the file.
SIDECAR_SUFFIX = ".source.yml"
