"""What data/raw says about itself: the sample marker (``SAMPLE.yml``) and the provenance sidecar beside
each raw file (``<file>.source.yml``). Bottom layer: imports nothing of the workbench but ``schema``.

    >>> sidecar_path(Path("data/raw/pup/bezrobocie.xlsx")).as_posix()
    'data/raw/pup/bezrobocie.xlsx.source.yml'
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .schema import SIDECAR_SUFFIX

GENERATOR = "citybank.sample"
"""The ``generator`` that the sample writes into its marker."""
MARKER = "SAMPLE.yml"
"""The file that marks a folder of raw files as the generated sample city."""
NATIONAL = "national"
"""The folder of data/raw holding the national GUS exports (every gmina; ``params/national.yml``): shipped with the
workbench or fetched by ``citybank fetch-bdl --national``. Never the sample's: the generator neither writes nor
deletes there, and files there do not make data/raw "hold data" of the city."""


def city_files(raw_dir: Path) -> list[Path]:
    """The data files of ``raw_dir`` that are the city's (dot-files and the national folder left out), sorted."""
    raw = Path(raw_dir)
    national = raw / NATIONAL
    return sorted(p for p in raw.rglob("*") if p.is_file() and not p.name.startswith(".") and national not in p.parents)


def sidecar_path(data_file: Path) -> Path:
    """The provenance sidecar beside a raw file: ``<file name>.source.yml``."""
    return data_file.with_name(data_file.name + SIDECAR_SUFFIX)


def read_marker(raw_dir: Path) -> dict[str, Any] | None:
    """The parsed ``SAMPLE.yml`` of a folder, or None when absent or not a sample marker."""
    path = Path(raw_dir) / MARKER
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, OSError):
        return None
    return data if isinstance(data, dict) and data.get("generator") == GENERATOR else None


def is_sample(raw_dir: Path) -> bool:
    """True when the folder holds the generated sample (its ``SAMPLE.yml`` marker is present and valid).

    An analyst who replaces the sample with real files deletes the marker (see data/README.md)."""
    return read_marker(raw_dir) is not None
