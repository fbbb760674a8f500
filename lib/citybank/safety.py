"""Hostile input, at the bottom of the import graph: what every reader and writer of text it did not author calls.

- **Paths** from params resolve inside their root (``data/raw`` for sources): :func:`path_problem` is what
  ``check-params`` reports (an absolute path or ``..``), :func:`inside` is what a reader calls when it opens the
  file (a symbolic link that leaves the root is refused there too — defence in depth).
- **Cells** written into CSV/XLSX from untrusted text: :func:`safe_cell` / :func:`safe_frame` neutralise a leading
  ``= + - @`` tab or CR (OWASP "CSV injection") with a leading apostrophe, so a spreadsheet shows the text and never
  runs it. Numbers stay numbers.
- **Sizes**: :func:`check_size` refuses a file larger than a limit before reading a byte of it, :func:`check_zip`
  refuses a ZIP container (XLSX) whose members unpack to more than a limit or at a bomb's ratio, :func:`loads_json`
  refuses JSON nested deeper than a limit (the C parser would otherwise die with a RecursionError).

    >>> safe_cell('=HYPERLINK("http://x";"klik")')
    '\\'=HYPERLINK("http://x";"klik")'
    >>> safe_cell("-12"), safe_cell(-12), safe_cell("Śródmieście")
    ("'-12", -12, 'Śródmieście')
    >>> path_problem("../../etc/passwd"), path_problem("/etc/passwd"), path_problem("pup/plik_{year}.csv")
    ("goes up with '..' (a path under the folder is expected)", 'is an absolute path (a path under the folder is expected)', None)
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from .errors import UserError

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""What a spreadsheet takes for the start of a formula (OWASP CSV injection; Excel and LibreOffice)."""

MAX_FILE_MB = 256.0
"""A provider file larger than this is refused before it is read (``source.max_mb`` of a descriptor overrides)."""
MAX_UNPACKED_MB = 1024.0
"""An XLSX whose members unpack to more than this is refused (a zip bomb)."""
MAX_ZIP_RATIO = 200.0
"""A ZIP member larger than ``ZIP_RATIO_FLOOR_MB`` unpacked that compresses better than this is a bomb."""
ZIP_RATIO_FLOOR_MB = 16.0
MAX_RESPONSE_MB = 64.0
"""An HTTP answer (BDL API, CKAN) larger than this is refused; a BDL API page is well under 1 MB."""
MAX_JSON_DEPTH = 64
"""JSON (API responses, BDL API files) nested deeper than this is refused; the BDL API's is 4 deep."""


class UnsafeInputError(UserError):
    """Input refused because it would read outside its folder, exhaust memory or run as code."""


# ---------------------------------------------------------------- paths


def path_problem(text: str) -> str | None:
    """Why ``text`` (a path written in params) may not be used as a path under its folder; None when it may."""
    if not isinstance(text, str) or not text.strip():
        return "is empty"
    if "\x00" in text:
        return "contains a NUL character"
    posix, windows = PurePosixPath(text), PureWindowsPath(text)
    if posix.is_absolute() or windows.is_absolute() or windows.drive or text.startswith(("\\", "~")):
        return "is an absolute path (a path under the folder is expected)"
    if ".." in posix.parts or ".." in windows.parts:
        return "goes up with '..' (a path under the folder is expected)"
    return None


def within(root: Path, path: Path) -> bool:
    """True when ``path`` (symbolic links followed) is ``root`` or below it."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
    except ValueError:
        return False
    return True


def inside(root: str | os.PathLike, rel: str, *, what: str = "the file", links_to: tuple[Path, ...] = ()) -> Path:
    """``root / rel`` when it stays inside ``root`` (or, through a symbolic link, inside one of ``links_to``);
    else an UnsafeInputError."""
    root = Path(root)
    problem = path_problem(rel)
    if problem:
        raise UnsafeInputError(f"{what} {rel!r} {problem}: it must lie under {root}; fix the path in params/")
    path = root / rel
    if not any(within(r, path) for r in (root, *links_to)):
        raise UnsafeInputError(
            f"{what} {rel!r} leads outside {root} (to {os.path.realpath(path)}, through a symbolic link): refused — "
            f"copy the file into {root} instead of linking it"
        )
    return path


# ---------------------------------------------------------------- cells


def safe_cell(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, prefixed with an apostrophe; a carriage return inside text
    becomes a line feed (a CSV writer with ``\\n`` line ends leaves a lone CR unquoted, and readers split the row
    there); anything else unchanged."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_START):
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n") if "\r" in value else value


def _unsafe(value: Any) -> bool:
    return isinstance(value, str) and (value.startswith(FORMULA_START) or "\r" in value)


def read_back(value: Any) -> Any:
    """The text :func:`safe_cell` neutralised, as it was (for a page that shows a CSV the workbench wrote)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith((*FORMULA_START, "\n")):
        return value[1:]
    return value


def safe_frame(df: Any) -> Any:
    """A copy of a DataFrame whose text cells pass :func:`safe_cell` (numbers, dates and headers'
    types unchanged; a header that starts like a formula is neutralised too). The frame itself when nothing
    needs it, so clean tables cost nothing."""
    import pandas as pd

    out = None
    for col in df.columns:
        s = df[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s):
            continue
        text = s.map(_unsafe)
        if bool(text.any()):
            out = df.copy() if out is None else out
            out[col] = s.map(safe_cell).astype(s.dtype) if s.dtype != object else s.map(safe_cell)
    cols = [safe_cell(c) for c in df.columns]
    if cols != list(df.columns):
        out = (df.copy() if out is None else out).set_axis(cols, axis=1)
    return df if out is None else out


# ---------------------------------------------------------------- sizes


def check_size(path: str | os.PathLike, max_mb: float = MAX_FILE_MB, *, what: str = "") -> int:
    """The file's size in bytes; an UnsafeInputError, before anything is read, when it exceeds ``max_mb``."""
    size = os.stat(path).st_size
    if size > max_mb * 1024 * 1024:
        raise UnsafeInputError(
            f"{path}{f' ({what})' if what else ''} is {size / 1024 / 1024:,.0f} MB, more than the limit of "
            f"{max_mb:,.0f} MB: refused unread — check that it is the provider's file; if it is, raise source.max_mb "
            "in the dataset's descriptor (the file is read into memory whole)"
        )
    return size


def check_zip(data: bytes, *, where: str, max_unpacked_mb: float = MAX_UNPACKED_MB) -> None:
    """Refuse a ZIP container (XLSX) whose members would unpack to more than ``max_unpacked_mb`` or that
    compresses like a zip bomb; read from the central directory, nothing is unpacked."""
    try:
        infos = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        return  # a damaged container is the reader's message
    total = sum(i.file_size for i in infos)
    if total > max_unpacked_mb * 1024 * 1024:
        raise UnsafeInputError(
            f"{where} would unpack to {total / 1024 / 1024:,.0f} MB (more than {max_unpacked_mb:,.0f} MB): "
            "refused as a possible zip bomb — ask the provider for the file again or as CSV"
        )
    for i in infos:
        if i.file_size > ZIP_RATIO_FLOOR_MB * 1024 * 1024 and i.file_size > MAX_ZIP_RATIO * max(i.compress_size, 1):
            raise UnsafeInputError(
                f"{where}: its part {i.filename} unpacks {i.file_size / max(i.compress_size, 1):,.0f} times larger "
                f"than stored ({i.file_size / 1024 / 1024:,.0f} MB): refused as a possible zip bomb"
            )


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in JSON text (brackets inside strings do not count)."""
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = deepest = 0
    for ch in brackets:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def loads_json(text: str | bytes, *, where: str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` that refuses nesting deeper than ``max_depth`` with a message (not a RecursionError)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8-sig")
    depth = json_depth(text)
    if depth > max_depth:
        raise UnsafeInputError(
            f"{where} is JSON nested {depth} levels deep (more than {max_depth}): refused — no real answer of the "
            "source nests like that; fetch or export it again"
        )
    return json.loads(text)
