"""Pieces every reader shares: file-type sniffing, text decoding, number parsing, header matching.

A reader never modifies a raw file: it opens it read-only and works on the bytes in memory.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import UserError
from ..params import ColumnMap, Dataset, Registry
from ..schema import QUARANTINE_COLUMNS, READER_COLUMNS

# Columns a reader hands to validation: the reader contract plus what validation needs to explain a reject.
#   column      the header of the source column the value came from
#   raw_value   the cell text as found (for "text in a numeric column" and the quarantine file)
#   raw_territory  the territory text as found ('' when the file has no territory column)
READ_COLUMNS = [*READER_COLUMNS, "column", "raw_value", "raw_territory"]

# Cells that mean "no value" in Polish statistical tables (GUS uses '-' and 'x'; '.' = not available).
MISSING_MARKERS = frozenset({"", "-", "–", "—", "x", "X", ".", "..."})

# Space-like thousands separators: space, no-break space, narrow no-break space, thin space.
_SPACES = re.compile("[ \u00a0\u202f\u2009]")

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"


class SourceFileError(UserError):
    """A raw file that cannot be read at all; the message says what the file is and what to do."""

    def __init__(self, path: str | Path, what: str, todo: str = ""):
        self.path = str(path)
        self.what = what
        self.todo = todo
        super().__init__(f"{self.path}: {what}" + (f" — {todo}" if todo else ""))


@dataclass
class ReadResult:
    """What a reader found in one file."""

    frame: pd.DataFrame  # READ_COLUMNS
    problems: list[dict] = field(
        default_factory=list
    )  # file-level problems (QUARANTINE_COLUMNS), e.g. a missing column
    dropped: int = 0  # rows deliberately left out (other territorial units of a BDL export)


def empty_read() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=_READ_DTYPES[c]) for c in READ_COLUMNS})


_READ_DTYPES = {
    "variable": "str",
    "territory": "str",
    "year": "Int64",
    "value": "float64",
    "flag": "str",
    "source_row": "int64",
    "column": "str",
    "raw_value": "str",
    "raw_territory": "str",
}


def finish_read(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a reader's frame exactly READ_COLUMNS with their dtypes."""
    if frame.empty:
        return empty_read()
    out = pd.DataFrame({c: frame.get(c, "") for c in READ_COLUMNS})
    return out.astype(_READ_DTYPES).reset_index(drop=True)


def problem(
    dataset: str,
    source_file: str,
    source_row: int | None,
    column: str,
    value: object,
    check: str,
    reason: str,
    expected: str,
) -> dict:
    """One row of QUARANTINE_COLUMNS."""
    return dict(
        zip(
            QUARANTINE_COLUMNS,
            [dataset, source_file, source_row, column, "" if value is None else str(value), check, reason, expected],
            strict=True,
        )
    )


# ------------------------------------------------------------------ what is this file really?


def sniff_kind(data: bytes) -> str:
    """The real kind of a file from its bytes: empty, xlsx, zip, zip-damaged, ole2-encrypted, xls, ole2, utf16, json,
    text, binary."""
    head = data[:8]
    if not data.strip():
        return "empty"
    if head.startswith(ZIP_MAGIC) or head.startswith(b"PK\x05\x06"):
        if not zipfile.is_zipfile(io.BytesIO(data)):
            return "zip-damaged"
        return "xlsx" if b"xl/" in data[: 1 << 16] or b"[Content_Types].xml" in data[: 1 << 16] else "zip"
    if head == OLE2_MAGIC:
        if "EncryptionInfo".encode("utf-16-le") in data or "EncryptedPackage".encode("utf-16-le") in data:
            return "ole2-encrypted"
        if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
            return "xls"
        return "ole2"
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf16"
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped[:1] in (b"{", b"["):
        return "json"
    if b"\x00" in data[:4096]:
        return "binary"
    return "text"


KIND_NAMES = {
    "empty": "an empty file",
    "xlsx": "an Excel workbook (XLSX)",
    "zip": "a ZIP archive (not an Excel workbook)",
    "zip-damaged": "a damaged or incomplete ZIP container (an Excel file cut short?)",
    "ole2-encrypted": "a password-protected (encrypted) Excel workbook",
    "xls": "an old-style Excel 97–2003 workbook (.xls)",
    "ole2": "an old Microsoft Office document (OLE2 container)",
    "utf16": "a UTF-16 text file",
    "json": "a JSON document",
    "binary": "a binary file, not text",
    "text": "a delimited text file (CSV)",
}

KIND_ADVICE = {
    "empty": "ask the provider for the file again (the download or export probably failed)",
    "zip-damaged": "download or export it again; open it in Excel to check it is complete",
    "ole2-encrypted": "open it in Excel with the password and save a copy without a password "
    "(File → Info → Protect Workbook → Encrypt with Password → clear it)",
    "xls": "open it in Excel or LibreOffice and save it as .xlsx (Excel Workbook)",
    "ole2": "open it in the program that made it and export as .xlsx or CSV",
    "utf16": "save it as UTF-8 (or cp1250) text; in Excel: Save As → CSV UTF-8",
    "binary": "check that this is the file the provider sent",
    "zip": "unpack it and put the file inside into data/raw instead",
}


def expect_kind(path: Path, data: bytes, wanted: set[str], declared: str) -> str:
    """Raise a SourceFileError unless the file's content is one of the ``wanted`` kinds."""
    kind = sniff_kind(data)
    if kind in wanted:
        return kind
    what = f"is {KIND_NAMES[kind]}"
    if kind not in ("empty", "zip-damaged", "ole2-encrypted", "xls", "ole2", "utf16", "binary"):
        what += f", but the dataset declares format '{declared}'"
    todo = KIND_ADVICE.get(kind, f"fix source.format in the dataset descriptor or rename the file to .{_ext(kind)}")
    raise SourceFileError(path, what, todo)


def _ext(kind: str) -> str:
    return {"xlsx": "xlsx", "text": "csv", "json": "json"}.get(kind, kind)


def read_bytes(path: Path) -> bytes:
    if not path.is_file():
        raise SourceFileError(
            path, "file not found", "put the provider's file there or fix source.files in the descriptor"
        )
    return path.read_bytes()


# ------------------------------------------------------------------ text decoding


def decode_text(path: Path, data: bytes, encoding: str | None) -> tuple[str, str]:
    """Decode a text file; return (text, encoding used). UTF-8 (with or without BOM) or cp1250."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    if encoding and encoding.replace("-", "").lower() != "utf8" and _is_utf8_text(data):
        # A provider switched its export to UTF-8: multi-byte UTF-8 sequences are never cp1250 text by accident.
        return data.decode("utf-8"), "utf-8"
    if encoding:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            guess = _guess(data)
            raise SourceFileError(
                path,
                f"is not valid {encoding} text (byte {data[exc.start : exc.start + 1]!r} on line {line})"
                + (f"; it looks like {guess}" if guess else ""),
                f"set source.encoding: {guess} in the descriptor" if guess else "save the file as UTF-8",
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    guess = _guess(data)
    if guess == "cp1250":
        return data.decode("cp1250"), "cp1250"
    raise SourceFileError(
        path,
        "is neither UTF-8 nor cp1250 (Windows Central European) text",
        "open it in a spreadsheet or text editor and save it as CSV UTF-8",
    )


def _is_utf8_text(data: bytes) -> bool:
    """Valid UTF-8 that contains at least one non-ASCII character."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(b > 0x7F for b in data)


def _guess(data: bytes) -> str | None:
    """'utf-8' or 'cp1250' when charset-normalizer finds the bytes plausible in one of them, else None."""
    from charset_normalizer import from_bytes

    best = from_bytes(data[: 1 << 18], cp_isolation=["utf_8", "cp1250"]).best()
    if best is None:
        return None
    return {"utf_8": "utf-8", "cp1250": "cp1250"}.get(best.encoding)


def detect_delimiter(sample: str) -> str:
    """';', ',' or tab, from the first lines of the text."""
    lines = [ln for ln in sample.splitlines()[:20] if ln.strip()]
    try:
        return csv.Sniffer().sniff("\n".join(lines), delimiters=";,\t").delimiter
    except csv.Error:
        first = lines[0] if lines else ""
        return max(";,\t", key=first.count)


# ------------------------------------------------------------------ numbers and headers


def parse_numbers(raw: pd.Series, decimal: str = ".", thousands: str | None = None) -> pd.Series:
    """Vectorised: text cells → float; missing markers → NaN; unparseable text → NaN (the caller compares with raw).

    Space-like thousands separators are always removed; with a decimal comma a dot is a thousands separator.
    """
    s = raw.astype("str").str.strip()
    s = s.str.replace(_SPACES, "", regex=True)
    if thousands and thousands not in " \u00a0\u202f":
        s = s.str.replace(thousands, "", regex=False)
    if decimal == ",":
        s = s.str.replace(".", "", regex=False).str.replace(",", ".", regex=False)
    s = s.where(~s.isin(MISSING_MARKERS), "")
    s = s.str.replace("\u2212", "-", regex=False)  # the minus sign some exports use
    return pd.to_numeric(s.where(s != "", np.nan), errors="coerce").astype("float64")


def is_missing_text(raw: pd.Series) -> pd.Series:
    return raw.astype("str").str.strip().isin(MISSING_MARKERS)


def norm_header(text: object) -> str:
    """Header comparison key: whitespace collapsed, case-folded."""
    return " ".join(str(text).split()).casefold() if text is not None else ""


def match_columns(headers: list[str], columns: list[ColumnMap]) -> tuple[dict[int, ColumnMap], list[ColumnMap]]:
    """Which header position each ColumnMap is in (by source or an alias); and the maps not found."""
    keys = {norm_header(h): i for i, h in reversed(list(enumerate(headers)))}
    found: dict[int, ColumnMap] = {}
    missing: list[ColumnMap] = []
    for cm in columns:
        for name in [cm.source, *cm.aliases]:
            i = keys.get(norm_header(name))
            if i is not None:
                found[i] = cm
                break
        else:
            missing.append(cm)
    return found, missing


def find_header(headers: list[str], name: str | None) -> int | None:
    if not name:
        return None
    key = norm_header(name)
    for i, h in enumerate(headers):
        if norm_header(h) == key:
            return i
    return None


def city_territory(ds: Dataset, reg: Registry) -> str:
    """The territory code of rows in a file without a territory column."""
    return reg.city.bdl_code_powiat if ds.source.territory == "powiat" else reg.city.terc


def kept_codes(reg: Registry) -> dict[str, str]:
    """Territory codes the bank keeps from national files → level: the city, its powiat, peers, voivodeship, country."""
    c = reg.city
    out = {c.terc: "gmina", c.bdl_code_powiat: "powiat", c.voivodeship.code: "voivodeship", c.country.code: "country"}
    out.update({p.code: "gmina" for p in c.peers})
    return out


def level_of(code: str) -> str:
    """Territorial level of a 7-digit BDL/TERYT code."""
    if code == "0000000":
        return "country"
    if code.endswith("00000"):
        return "voivodeship"
    if code.endswith("000"):
        return "powiat"
    if "-" in code:
        return "district"
    return "gmina"


def tidy_long(
    table: pd.DataFrame,
    columns: dict[int, ColumnMap],
    headers: list[str],
    *,
    rows: pd.Series,
    years: pd.Series,
    territories: pd.Series,
    raw_territories: pd.Series,
    decimal: str,
    thousands: str | None,
) -> pd.DataFrame:
    """Melt the mapped value columns of a long-layout table into READ_COLUMNS (vectorised, one block per column)."""
    parts = []
    for pos, cm in sorted(columns.items()):
        raw = table.iloc[:, pos].astype("str").fillna("")
        value = parse_numbers(raw, decimal, thousands) * cm.scale
        parts.append(
            pd.DataFrame(
                {
                    "variable": cm.variable,
                    "territory": territories.to_numpy(),
                    "year": years.to_numpy(),
                    "value": value.to_numpy(),
                    "flag": "",
                    "source_row": rows.to_numpy(),
                    "column": headers[pos],
                    "raw_value": raw.to_numpy(),
                    "raw_territory": raw_territories.to_numpy(),
                }
            )
        )
    if not parts:
        return empty_read()
    return finish_read(pd.concat(parts, ignore_index=True))


def parse_years(raw: pd.Series) -> pd.Series:
    """Year cells → Int64 ('2019', '2019.0', 2019 all accepted); anything else → <NA>."""
    s = raw.astype("str").str.strip().str.replace(r"\.0+$", "", regex=True)
    ok = s.str.fullmatch(r"\d{4}")
    return pd.Series(np.where(ok, s, None), index=raw.index).astype("Int64")


# ------------------------------------------------------------------ real shapes: year headers, codes, names, units

# A year column's header in the spellings real tables use: 2019, rok_2019, Rok 2019, 2019 r., r. 2019, year 2019.
_AUTO_YEAR = re.compile(r"^(?:rok|year|jahr|r\.?)?[\s_\-:]*((?:19|20)\d{2})(?:\.0+)?[\s_\-]*(?:r\.?|rok)?$")

YEAR_HEADER_EXAMPLES = "2019, rok_2019, Rok 2019 or 2019 r."


def year_of_header(header: object, template: str | None = None) -> int | None:
    """The year a column header stands for: by the descriptor's ``year_header`` template ('rok_{year}') when
    given, else by the usual spellings (``YEAR_HEADER_EXAMPLES``); None for any other header.

    >>> [year_of_header(h) for h in ["2019", "rok_2019", "Rok 2019", "2019 r.", "Nazwa", "2019-2020"]]
    [2019, 2019, 2019, 2019, None, None]
    >>> year_of_header("dochody 2019 [zł]", "dochody {year} [zł]")
    2019
    """
    text = " ".join(str(header).split()).casefold()
    if template is not None:
        key = " ".join(template.split()).casefold()
        rx = re.escape(key).replace(re.escape("{year}"), r"(\d{4})")
        m = re.fullmatch(rx, text)
    else:
        m = _AUTO_YEAR.fullmatch(text)
    return int(m.group(1)) if m else None


_KIND_SUFFIX = re.compile(r"\s*\(\d{1,2}\)\s*$")


def strip_kind(name: str) -> str:
    """A BDL unit name without its gmina-kind suffix: 'Siemianowice Śląskie (1)' → 'Siemianowice Śląskie'."""
    return _KIND_SUFFIX.sub("", str(name)).strip()


def normalise_codes(raw: pd.Series) -> pd.Series:
    """Territory code cells → the bank's codes, as the BDL reader does: 7 digits with a lost leading zero restored
    (201011 → 0201011), a 12-character BDL unit id read as WW PP GG K (012414874011 → 2474011), a district code
    (2474011-01) kept; anything else stays as found (and matches no territory)."""
    s = raw.astype("str").str.strip().str.strip('"').str.replace(_SPACES, "", regex=True)
    s = s.str.replace(r"\.0+$", "", regex=True)  # a code a spreadsheet stored as a number
    digits = s.str.fullmatch(r"\d+")
    short = digits & (s.str.len() <= 7) & (s.str.len() >= 5)
    unit = digits & (s.str.len() == 12)
    out = s.where(~short, s.str.zfill(7))
    out = out.where(~unit, s.str.slice(2, 4) + s.str.slice(7, 12))
    return out.astype("str")


def territory_names(reg: Registry) -> dict[str, str]:
    """Every spelling (case-folded) of a territory the bank keeps → its code: districts with aliases, 'ogółem'
    and other city totals, the city, its powiat, peers, voivodeship and country."""
    c = reg.city
    out: dict[str, str] = {}
    for code, name in c.territory_names.items():
        out[name.casefold()] = code
    out[f"powiat m.{c.name}".casefold()] = c.bdl_code_powiat
    out.update(c.district_lookup)
    out[c.name.casefold()] = c.terc
    return out


_UNIT_PREFIX = {"tys.": 1e3, "tys": 1e3, "tysiąc": 1e3, "mln": 1e6, "mln.": 1e6, "mld": 1e9, "mld.": 1e9}


def unit_parts(text: str) -> tuple[float, str]:
    """'[tys. zł]' → (1000.0, 'zł'); 'mln zł' → (1e6, 'zł'); 'osoba' → (1.0, 'osoba'); '' → (1.0, '')."""
    t = " ".join(str(text).replace("[", " ").replace("]", " ").split()).casefold()
    t = re.sub(r"^(w|in)\s+", "", t)
    first, _, rest = t.partition(" ")
    if first in _UNIT_PREFIX:
        return _UNIT_PREFIX[first], rest.strip()
    if t.startswith("tys.") and len(t) > 4:
        return 1e3, t[4:].strip()
    return 1.0, t


def unit_factor(cell: str, variable_unit: str) -> float | None:
    """The factor that turns values in the unit ``cell`` into the variable's unit ('[tys. zł]' for a variable
    in PLN → 1000); None when one is a percentage and the other is not. An empty cell means 'as the variable'."""
    if not str(cell).strip():
        return 1.0
    f_cell, base_cell = unit_parts(cell)
    f_var, base_var = unit_parts(variable_unit)
    if (base_cell == "%") != (base_var == "%"):
        return None
    return f_cell / f_var
