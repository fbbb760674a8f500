"""Ingest: read a dataset's raw files in their real format, map them to canonical variables, validate.

Public API::

    read_file(path, ds, reg, *, source_file=None, file_year=None) -> ReadResult     # one file, any format
    ingest_dataset(ds, reg, raw, *, latest_year=None) -> DatasetIngest             # all files + validation
    check_file(path, ds, reg) -> Validation                                        # citybank validate-file

Raw files are only ever opened for reading.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..params import Dataset, Registry, expand_files
from ..paths import Paths
from ..rawdata import sidecar_path
from ..safety import UnsafeInputError, check_size, inside
from ..util import sha256_file
from .bdl import read_api_dataset, read_ctab_dataset
from .common import READ_COLUMNS, ReadResult, SourceFileError, problem
from .text import read_text
from .validate import Validation, quarantine_frame, validate
from .xlsx import read_xlsx

__all__ = [
    "DatasetIngest",
    "ReadResult",
    "SourceFileError",
    "check_file",
    "format_problems",
    "ingest_dataset",
    "read_file",
]


READERS: dict[str, Callable[..., ReadResult]] = {
    "csv": read_text,
    "xlsx": read_xlsx,
    "bdl_ctab": read_ctab_dataset,
    "bdl_api": read_api_dataset,
}
"""The reader of each ``source.format`` of a dataset descriptor."""


def read_file(
    path: str | Path, ds: Dataset, reg: Registry, *, source_file: str | None = None, file_year: int | None = None
) -> ReadResult:
    """Read one raw file of dataset ``ds`` with the reader of its declared format."""
    return READERS[ds.source.format](Path(path), ds, reg, source_file=source_file, file_year=file_year)


@dataclass
class DatasetIngest:
    """Everything one dataset produced: accepted rows, problems, counts, the files and their hashes."""

    dataset: str
    files: dict[str, str] = field(default_factory=dict)  # source_file (relative to data/raw) → sha256
    validation: Validation | None = None
    rows_read: int = 0
    dropped: int = 0  # rows of territorial units the bank does not keep
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


# Problems about files rather than rows: reported in the QA report, nothing to quarantine.
NOTE_CHECKS = ("missing_file", "provenance")


def provenance_problems(path: Path, sha256: str, dataset: str, rel: str) -> list[dict]:
    """The file's provenance sidecar (``<file>.source.yml``): missing, unreadable, or recording another sha256
    (the file changed after its provenance was written) — each a QA problem, never a reason to drop data."""
    import yaml

    side = sidecar_path(path)
    expected = "a sidecar with provider, origin, date, licence and the file's sha256 (see data/README.md)"
    if not side.is_file():
        return [problem(dataset, rel, None, "", "", "provenance", f"no provenance sidecar {side.name}", expected)]
    try:
        meta = yaml.safe_load(side.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        return [
            problem(dataset, rel, None, "", "", "provenance", f"sidecar {side.name} is not valid YAML: {exc}", expected)
        ]
    recorded = str(meta.get("sha256", "")) if isinstance(meta, dict) else ""
    if recorded != sha256:
        return [
            problem(
                dataset,
                rel,
                None,
                "sha256",
                recorded,
                "provenance",
                f"the file differs from the sha256 its sidecar {side.name} records: it changed after its "
                "provenance was written",
                "update the sidecar (origin, date, sha256) or restore the file",
            )
        ]
    return []


def ingest_dataset(ds: Dataset, reg: Registry, raw: str | Path, *, latest_year: int | None = None) -> DatasetIngest:
    """Read every file of ``ds`` under ``raw`` and validate the rows; a file that cannot be read makes the
    dataset fail (``error`` says why) without raising."""
    raw = Path(raw)
    result = DatasetIngest(ds.id)
    frames: list[pd.DataFrame] = []
    problems: list[dict] = []
    files = expand_files(ds)
    try:  # refused at open time too (check-params refuses them first): nothing is read outside data/raw
        links_to = Paths(reg.root.parent).link_roots
        for rel, _ in files:
            inside(raw, rel, what=f"dataset {ds.id}: source file", links_to=links_to)
    except UnsafeInputError as exc:
        result.error = str(exc)
        return result
    try:
        present = [(rel, y) for rel, y in files if (raw / rel).is_file()]
        if not present:
            wanted = ", ".join(rel for rel, _ in files[:3]) + (" …" if len(files) > 3 else "")
            raise SourceFileError(
                raw,
                f"no file of dataset {ds.id} found (expected {wanted})",
                "put the provider's files into data/raw or fix source.files",
            )
        for rel, y in files:
            if (rel, y) not in present:
                problems.append(
                    problem(
                        ds.id,
                        rel,
                        None,
                        "",
                        "",
                        "missing_file",
                        f"file {rel} not found",
                        f"one file per year {ds.first_year}–{ds.last_year}",
                    )
                )
        for rel, y in present:
            path = raw / rel
            check_size(path, ds.source.max_mb, what=f"dataset {ds.id}, source.max_mb")
            result.files[rel] = sha256_file(path)
            problems.extend(provenance_problems(path, result.files[rel], ds.id, rel))
            got = read_file(path, ds, reg, source_file=rel, file_year=y)
            frames.append(got.frame.assign(source_file=rel))
            problems.extend(got.problems)
            result.dropped += got.dropped
    except (SourceFileError, UnsafeInputError) as exc:
        result.error = str(exc)
        return result
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*READ_COLUMNS, "source_file"])
    result.rows_read = len(frame) + sum(1 for p in problems if p["check"] == "type")
    notes = [p for p in problems if p["check"] in NOTE_CHECKS]
    v = validate(
        frame, ds, reg, reader_problems=[p for p in problems if p["check"] not in NOTE_CHECKS], latest_year=latest_year
    )
    if notes:
        v.notes = pd.concat([v.notes, quarantine_frame(notes)], ignore_index=True)
    result.validation = v
    return result


def format_problems(problems: pd.DataFrame) -> list[str]:
    """One line per problem: file, row, column, found, expected — and why."""
    lines = []
    for p in problems.itertuples():
        where = p.source_file or "(dataset)"
        if not pd.isna(p.source_row):
            where += f", row {int(p.source_row)}"
        if p.column:
            where += f", column {p.column!r}"
        # a missing year's "value" lists the years without data, which the reason already names
        found = f" found {p.value!r};" if p.value and p.check != "missing_year" else ""
        lines.append(f"  {where}: [{p.check}] {p.reason};{found} expected {p.expected}")
    return lines


def check_file(path: Path, ds: Dataset, reg: Registry) -> Validation:
    """Read and validate one file of dataset ``ds`` as ``citybank validate-file`` does (raises
    SourceFileError when it cannot be read). A file named after a ``{year}`` pattern holds one year, so
    the other years are not reported missing."""
    got = read_file(path, ds, reg, source_file=str(path), file_year=_year_from_name(path, ds))
    v = validate(got.frame.assign(source_file=str(path)), ds, reg, reader_problems=got.problems)
    v.dropped = got.dropped
    if any("{year}" in f for f in ds.source.files) and not v.notes.empty:
        v.notes = v.notes[v.notes["check"] != "missing_year"]
    return v


def _year_from_name(path: Path, ds: Dataset) -> int | None:
    """The year of a file named after a '{year}' pattern of the descriptor."""
    for pattern in ds.source.files:
        if "{year}" in pattern:
            name = Path(pattern).name
            rx = re.escape(name).replace(re.escape("{year}"), r"(\d{4})")
            m = re.fullmatch(rx, path.name)
            if m:
                return int(m.group(1))
    return None
