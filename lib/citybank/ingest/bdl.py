"""GUS Local Data Bank (BDL): table exports (CTAB CSV) and API responses (JSON), and ``citybank import-bdl``.

CTAB export: ``Kod;Nazwa;"<dimensions>;<year>;[<unit>]";…`` — one row per territorial unit, one column per
(dimension combination, year). An empty cell is "no data", never zero. Numbers may use a decimal comma.
The whole file is parsed by pandas' C parser and melted with numpy (no per-cell Python loop), so a national
export of 2,500 units × 100 columns takes a fraction of a second.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..params import Dataset, Registry
from ..safety import UnsafeInputError, loads_json
from .common import (
    KIND_ADVICE,
    KIND_NAMES,
    ReadResult,
    SourceFileError,
    decode_text,
    empty_read,
    expect_kind,
    finish_read,
    kept_codes,
    norm_header,
    parse_numbers,
    problem,
    read_bytes,
    sniff_kind,
)

CTAB_COLUMNS = ["code", "name", "level", "variable", "year", "value", "unit"]

_HEADER = re.compile(r"^(?P<dims>.*?);(?P<year>\d{4});\[(?P<unit>[^\]]*)\]$")

# BDL attribute codes (bdl_api.md §3d) → flag symbol. None = no value at all (the row is not kept).
ATTR_FLAGS: dict[int, str | None] = {
    0: None,
    1: "",
    3: "k",
    4: None,
    7: "a",
    9: "s",
    11: "M",
    13: "K",
    14: "X",
    15: None,
    17: "A",
    20: "v",
    21: "v",
    50: None,
    91: None,
    94: "z",
    97: "p",
    98: "Z",
}


# ------------------------------------------------------------------ CTAB export


def _ctab_frame(path: Path) -> tuple[pd.DataFrame, int]:
    """Parse a CTAB export into a long frame (CTAB_COLUMNS + source_row + raw); also the count of cells that are
    text where a number belongs (their value is NaN and ``raw`` holds the text)."""
    data = read_bytes(path)
    expect_kind(path, data, {"text"}, "bdl_ctab")
    text, _ = decode_text(path, data, None)
    first = text.split("\n", 1)[0]
    if not first.lstrip('"').startswith("Kod"):
        raise SourceFileError(
            path,
            f"does not start with the columns Kod;Nazwa (found {first[:60]!r}), so it is not a BDL table export (CTAB)",
            "export the table from bdl.stat.gov.pl as CSV (CTAB)",
        )
    # The C parser reads the numbers (decimal comma) directly; a column holding some text stays as text
    # and is parsed below, so that text cells can be reported instead of silently becoming "no data".
    head = pd.read_csv(io.StringIO(first), sep=";", dtype=str, quotechar='"', nrows=0)
    table = pd.read_csv(
        io.StringIO(text),
        sep=";",
        quotechar='"',
        engine="c",
        decimal=",",
        dtype={head.columns[0]: str, head.columns[1]: str},
        keep_default_na=False,
        na_values=[""],
    )
    table = table.loc[:, [not str(c).startswith("Unnamed:") or table[c].notna().any() for c in table.columns]]
    headers = [str(c) for c in table.columns]
    if len(headers) < 3 or norm_header(headers[0]) != "kod" or norm_header(headers[1]) != "nazwa":
        raise SourceFileError(
            path,
            "first columns are not Kod;Nazwa, so it is not a BDL table export (CTAB)",
            "export the table from bdl.stat.gov.pl as CSV (CTAB)",
        )
    dims, years, units = [], [], []
    for h in headers[2:]:
        m = _HEADER.match(h.strip())
        if not m:
            raise SourceFileError(
                path,
                f"column header {h!r} is not '<dimensions>;<year>;[<unit>]'",
                "this is not an unmodified BDL CTAB export; export the table again",
            )
        dims.append(m["dims"])
        years.append(int(m["year"]))
        units.append(m["unit"])
    codes = table.iloc[:, 0].fillna("").str.strip().str.zfill(7).to_numpy()
    names = table.iloc[:, 1].fillna("").str.strip().to_numpy()
    cells = table.iloc[:, 2:]
    matrix = np.empty(cells.shape, dtype="float64")
    texts = np.full(cells.shape, "", dtype=object)
    for j, col in enumerate(cells.columns):
        series = cells[col]
        if series.dtype.kind == "f" or series.dtype.kind == "i":
            matrix[:, j] = series.to_numpy(dtype="float64", na_value=np.nan)
        else:  # text in a numeric column: parse what parses, keep the rest as text
            raw_col = series.fillna("").astype("str")
            parsed = parse_numbers(raw_col, decimal=",")
            matrix[:, j] = parsed.to_numpy()
            bad_col = parsed.isna().to_numpy() & raw_col.str.strip().ne("").to_numpy()
            texts[bad_col, j] = raw_col.to_numpy()[bad_col]
    values = matrix.ravel()  # row-major: unit i, column j
    raw = texts.ravel()
    bad = raw != ""
    keep = ~np.isnan(values) | bad  # an empty cell is "no data": no row
    nrow, ncol = cells.shape
    rows = np.repeat(np.arange(2, nrow + 2, dtype="int64"), ncol)
    out = pd.DataFrame(
        {
            "code": np.repeat(codes, ncol)[keep],
            "name": np.repeat(names, ncol)[keep],
            "level": np.repeat(_levels(codes), ncol)[keep],
            "variable": np.tile(np.array(dims, dtype=object), nrow)[keep],
            "year": np.tile(np.array(years, dtype="int64"), nrow)[keep],
            "value": values[keep],
            "unit": np.tile(np.array(units, dtype=object), nrow)[keep],
            "source_row": rows[keep],
            "raw": raw[keep],
        }
    )
    out = out.astype({"code": "str", "name": "str", "variable": "str", "unit": "str", "raw": "str", "level": "str"})
    return out[[*CTAB_COLUMNS, "source_row", "raw"]], int(bad.sum())


def _levels(codes: np.ndarray) -> np.ndarray:
    """Level of each 7-digit code: 0000000 country, XX00000 voivodeship, XXXX000 powiat, otherwise gmina."""
    c = codes.astype(str)
    return np.select(
        [c == "0000000", np.char.endswith(c, "00000"), np.char.endswith(c, "000")],
        ["country", "voivodeship", "powiat"],
        default="gmina",
    )


def read_bdl_ctab(path: str | Path) -> pd.DataFrame:
    """Any BDL CTAB export → tidy ``code, name, level, variable, year, value, unit`` (no row for an empty cell).

    ``variable`` is the dimension label of the column (e.g. "ogółem", "w wieku produkcyjnym;ogółem");
    codes are 7 digits (a dropped leading zero is restored); cells with text instead of a number are left out
    (``citybank import-bdl`` counts them).
    """
    return read_bdl_ctab_cells(path)[0]


def read_bdl_ctab_cells(path: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`read_bdl_ctab` and the cells that hold text where a number belongs (``source_row``, ``raw``)."""
    frame, _ = _ctab_frame(Path(path))
    text = frame["raw"].ne("").to_numpy()
    return frame[~text][CTAB_COLUMNS].reset_index(drop=True), frame[text][["source_row", "raw"]]


def read_ctab_dataset(
    path: Path, ds: Dataset, reg: Registry, *, source_file: str | None = None, file_year: int | None = None
) -> ReadResult:
    """A CTAB export of dataset ``ds``: mapped dimension labels, the units the bank keeps (others counted)."""
    source_file = source_file or str(path)
    frame, _ = _ctab_frame(Path(path))
    problems: list[dict] = []
    labels = {norm_header(v): v for v in frame["variable"].unique()}
    mapping: dict[str, tuple[str, float, str]] = {}
    for cm in ds.source.columns:
        hit = next((labels[norm_header(n)] for n in [cm.source, *cm.aliases] if norm_header(n) in labels), None)
        if hit is None:
            problems.append(
                problem(
                    ds.id,
                    source_file,
                    1,
                    cm.source,
                    "",
                    "required_column",
                    f"dimension {cm.source!r} (variable {cm.variable}) not in the export",
                    "one of: " + "; ".join(repr(v) for v in labels.values()),
                )
            )
        else:
            mapping[hit] = (cm.variable, cm.scale, cm.source)
    frame = frame[frame["variable"].isin(list(mapping)).to_numpy()]
    keep_codes = kept_codes(reg)
    mine = frame["code"].isin(list(keep_codes)).to_numpy()
    dropped = int((~mine).sum())
    frame = frame[mine]
    if frame.empty:
        return ReadResult(empty_read(), problems, dropped)
    var = frame["variable"].map(lambda v: mapping[v][0])
    scale = frame["variable"].map(lambda v: mapping[v][1]).astype("float64")
    out = pd.DataFrame(
        {
            "variable": var,
            "territory": frame["code"],
            "year": frame["year"],
            "value": frame["value"] * scale,
            "flag": "",
            "source_row": frame["source_row"],
            "column": frame["variable"] + ";" + frame["year"].astype(str),
            "raw_value": frame["raw"],
            "raw_territory": frame["name"],
        }
    )
    return ReadResult(finish_read(out), problems, dropped)


# ------------------------------------------------------------------ API JSON


def _values_frame(records: list[tuple]) -> pd.DataFrame:
    """(unit id, unit name, variable id, values[], measure unit id) → one row per value."""
    rows = []
    n = 0
    for unit, name, var, values, measure in records:
        for v in values or []:
            n += 1
            rows.append((unit, name, var, v.get("year"), v.get("val"), v.get("attrId"), n, measure))
    return pd.DataFrame(
        rows, columns=["unit_id", "unit_name", "variable_id", "year", "val", "attr_id", "source_row", "measure"]
    )


API_SHAPES = (
    "format=json: the envelope of /data/by-unit ({'unitId': …, 'results': [{'id': <variable>, 'values': […]}]}) "
    "or of /data/by-variable ({'results': [{'id': <unit>, 'name': …, 'values': […]}]}), or its results list; "
    "JSON:API ({'data': [{'id': …, 'attributes': {'values': […]}}], 'meta': {…}}); "
    "or a JSON list of such responses (as citybank fetch-bdl writes)"
)
"""The BDL API data responses the workbench reads, named in messages about a file that is none of them."""


def api_shape(doc: object) -> str | None:
    """Which BDL API response shape ``doc`` is: 'json-by-unit', 'json-by-variable', 'json-results', 'jsonapi',
    'responses' (a list of responses), 'pybdl-fixture'; None when it is none of them."""
    if isinstance(doc, dict) and isinstance(doc.get("data"), list) and isinstance(doc.get("meta"), dict):
        return "jsonapi"
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        return "json-by-unit" if "unitId" in doc else "json-by-variable"
    if isinstance(doc, list) and doc and all(isinstance(d, dict) and "values" in d for d in doc):
        return "json-results"
    if (
        isinstance(doc, list)
        and doc
        and all(api_shape(d) in ("jsonapi", "json-by-unit", "json-by-variable") for d in doc)
    ):
        return "responses"
    if isinstance(doc, dict) and any(str(k).startswith("get_data_by_") for k in doc):
        return "pybdl-fixture"
    return None


SHAPE_NAMES = {
    "json-by-unit": "a BDL API response (format=json, data by unit)",
    "json-by-variable": "a BDL API response (format=json, data by variable)",
    "json-results": "the results list of a BDL API response (format=json, data by variable)",
    "jsonapi": "a BDL API response (JSON:API)",
    "responses": "BDL API responses (a list, as citybank fetch-bdl writes)",
    "pybdl-fixture": "recorded BDL API responses (pyBDL's fixture file)",
    "ctab": "a BDL table export (CTAB CSV)",
}


def _api_records(doc: object, path: Path) -> list[tuple]:
    """Recognise the response shapes (``api_shape``) and list their value blocks."""
    shape = api_shape(doc)
    if shape == "jsonapi":
        meta = doc["meta"]
        if "unitId" in meta:  # by unit: data[] = variables
            unit, name = str(meta.get("unitId", "")), str(meta.get("unitName", ""))
            return [
                (
                    unit,
                    name,
                    str(d.get("id")),
                    (d.get("attributes") or {}).get("values", []),
                    (d.get("attributes") or {}).get("measureUnitId"),
                )
                for d in doc["data"]
            ]
        var = str(meta.get("variableId", ""))
        return [
            (
                str(d.get("id", "")).zfill(12),
                str((d.get("attributes") or {}).get("name", "")),
                var,
                (d.get("attributes") or {}).get("values", []),
                meta.get("measureUnitId"),
            )
            for d in doc["data"]
        ]
    if shape == "json-by-unit":
        return [
            (
                str(doc["unitId"]),
                str(doc.get("unitName", "")),
                str(r.get("id")),
                r.get("values", []),
                r.get("measureUnitId"),
            )
            for r in doc["results"]
        ]
    if shape == "json-by-variable":
        return _by_variable(doc["results"], str(doc.get("variableId", "")), path, doc.get("measureUnitId"))
    if shape == "json-results":
        return _by_variable(doc, "", path)
    if shape == "responses":
        return [r for d in doc for r in _api_records(d, path)]
    if shape == "pybdl-fixture":
        out = []
        for k, v in doc.items():
            if str(k).startswith("get_data_by_") and "locality" not in k and v:
                out.extend(_api_records(v, path) if isinstance(v, dict) else _by_variable(v, "", path))
        return out
    raise SourceFileError(
        path,
        f"is JSON but not a BDL API data response; the shapes read are {API_SHAPES}",
        "save the response of /data/by-unit or /data/by-variable (format=json), or fetch it with citybank fetch-bdl",
    )


def _by_variable(results: list, var: str, path: Path, measure: object = None) -> list[tuple]:
    out = []
    for r in results:
        if not isinstance(r, dict) or "values" not in r:
            raise SourceFileError(path, "is JSON but its results have no 'values'", "save a /data response")
        out.append((str(r.get("id", "")).zfill(12), str(r.get("name", "")), var, r["values"], measure))
    return out


def _measure(m: object) -> str:
    """A measureUnitId as text ('' when absent)."""
    if m is None or (isinstance(m, float) and np.isnan(m)):
        return ""
    return str(int(m)) if isinstance(m, float) and m.is_integer() else str(m)


def read_bdl_api_json(path: str | Path) -> pd.DataFrame:
    """A BDL API data response → ``unit_id, unit_name, variable_id, year, value, attr_id, flag, source_row``.

    (and ``measure_unit_id``, the API's unit of measure, '' when the response has none).
    ``source_row`` is the 1-based position of the value in the file. Values without data (attrId 0, 4, 15, 50,
    91 — e.g. ``val: 0`` with ``attrId: 0``) are left out: they are not zeros.
    """
    path = Path(path)
    data = read_bytes(path)
    expect_kind(path, data, {"json"}, "bdl_api")
    try:
        doc = loads_json(data, where=str(path))
    except UnsafeInputError as exc:
        raise SourceFileError(path, str(exc).removeprefix(f"{path} "), "download the API response again") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SourceFileError(path, f"is not valid JSON ({exc})", "download the API response again") from None
    frame = _values_frame(_api_records(doc, path))
    attr = pd.to_numeric(frame["attr_id"], errors="coerce").fillna(1).astype("int64")
    flag = attr.map(lambda a: ATTR_FLAGS.get(int(a), "?"))
    keep = flag.notna() & frame["val"].notna()
    out = pd.DataFrame(
        {
            "unit_id": frame["unit_id"],
            "unit_name": frame["unit_name"],
            "variable_id": frame["variable_id"],
            "year": pd.to_numeric(frame["year"], errors="coerce").astype("Int64"),
            "value": pd.to_numeric(frame["val"], errors="coerce").astype("float64"),
            "attr_id": attr,
            "flag": flag,
            "source_row": frame["source_row"].astype("int64"),
            "measure_unit_id": frame["measure"].astype("object").map(_measure),
        }
    )[keep.to_numpy()]
    out = out.astype(
        {"unit_id": "str", "unit_name": "str", "variable_id": "str", "flag": "str", "measure_unit_id": "str"}
    )
    return out.reset_index(drop=True)


def unit_codes(reg: Registry) -> dict[str, str]:
    """BDL API 12-character unit ids → the bank's territory codes, from params/city.yml."""
    c = reg.city
    out = {c.bdl_unit_gmina: c.terc, c.bdl_unit_powiat: c.bdl_code_powiat}
    for t in [c.voivodeship, c.country, *c.peers]:
        if t.bdl_id:
            out[t.bdl_id] = t.code
    return out


def read_api_dataset(
    path: Path, ds: Dataset, reg: Registry, *, source_file: str | None = None, file_year: int | None = None
) -> ReadResult:
    """A BDL API response of dataset ``ds``: ColumnMap.source is the BDL variable id."""
    source_file = source_file or str(path)
    frame = read_bdl_api_json(path)
    problems: list[dict] = []
    by_id = {cm.source.strip(): cm for cm in ds.source.columns}
    if frame["variable_id"].eq("").all() and len(by_id) == 1:  # by-variable response without an envelope
        frame = frame.assign(variable_id=next(iter(by_id)))
    for vid, cm in by_id.items():
        if not frame["variable_id"].eq(vid).any():
            problems.append(
                problem(
                    ds.id,
                    source_file,
                    None,
                    vid,
                    "",
                    "required_column",
                    f"BDL variable {vid} ({cm.variable}) not in the response",
                    "variables in the file: " + ", ".join(sorted(frame["variable_id"].unique())),
                )
            )
    frame = frame[frame["variable_id"].isin(list(by_id)).to_numpy()]
    codes = frame["unit_id"].map(unit_codes(reg))
    dropped = int(codes.isna().sum())
    frame, codes = frame[codes.notna().to_numpy()], codes[codes.notna()]
    scale = frame["variable_id"].map(lambda v: by_id[v].scale).astype("float64")
    out = pd.DataFrame(
        {
            "variable": frame["variable_id"].map(lambda v: by_id[v].variable),
            "territory": codes,
            "year": frame["year"],
            "value": frame["value"] * scale,
            "flag": frame["flag"],
            "source_row": frame["source_row"],
            "column": frame["variable_id"],
            "raw_value": "",
            "raw_territory": frame["unit_name"],
        }
    )
    return ReadResult(finish_read(out), problems, dropped)


# ------------------------------------------------------------------ any BDL file (citybank import-bdl)

API_TIDY_COLUMNS = [
    "code",
    "unit_id",
    "name",
    "level",
    "variable",
    "year",
    "value",
    "attr_id",
    "flag",
    "measure_unit_id",
]


def unit_level(unit_id: str) -> str:
    """Level of a 12-character BDL unit id (``MM WW R SS PP GG K``).

    >>> [unit_level(u) for u in ["000000000000", "010000000000", "012400000000", "012414874000", "012414874011"]]
    ['country', 'macroregion', 'voivodeship', 'powiat', 'gmina']
    """
    u = str(unit_id).zfill(12)
    if set(u) == {"0"}:
        return "country"
    for level, (a, b) in (
        ("macroregion", (2, 12)),
        ("voivodeship", (4, 12)),
        ("region", (5, 12)),
        ("subregion", (7, 12)),
        ("powiat", (9, 12)),
    ):
        if set(u[a:b]) == {"0"}:
            return level
    return "gmina"


def unit_code(unit_id: str) -> str:
    """The 7-digit code (as in CTAB exports) of a 12-character BDL unit id; '' for macroregions, regions and
    subregions, which have none. 012414874011 → 2474011."""
    u = str(unit_id).zfill(12)
    if unit_level(u) in ("macroregion", "region", "subregion"):
        return ""
    return u[2:4] + u[7:12]


def read_bdl_any(path: str | Path) -> tuple[str, pd.DataFrame, pd.DataFrame]:
    """Any BDL file the workbench reads: (shape, tidy table, text cells).

    A CTAB export gives ``CTAB_COLUMNS`` (shape 'ctab'); an API response of any shape gives
    ``API_TIDY_COLUMNS`` (shape from :func:`api_shape`). Anything else is a SourceFileError naming the shapes
    expected."""
    path = Path(path)
    data = read_bytes(path)
    kind = sniff_kind(data)
    if kind == "text":
        tidy, text = read_bdl_ctab_cells(path)
        return "ctab", tidy, text
    if kind == "json":
        try:
            doc = loads_json(data, where=str(path))
        except UnsafeInputError as exc:
            raise SourceFileError(path, str(exc).removeprefix(f"{path} "), "download the API response again") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SourceFileError(path, f"is not valid JSON ({exc})", "download the API response again") from None
        shape = api_shape(doc)
        api = read_bdl_api_json(path)
        tidy = pd.DataFrame(
            {
                "code": api["unit_id"].map(unit_code),
                "unit_id": api["unit_id"],
                "name": api["unit_name"],
                "level": api["unit_id"].map(unit_level),
                "variable": api["variable_id"],
                "year": api["year"],
                "value": api["value"],
                "attr_id": api["attr_id"],
                "flag": api["flag"],
                "measure_unit_id": api["measure_unit_id"],
            }
        )
        return shape or "", tidy, pd.DataFrame(columns=["source_row", "raw"])
    raise SourceFileError(
        path,
        f"is {KIND_NAMES[kind]}, not a BDL file; expected a BDL table export (CTAB CSV: Kod;Nazwa;"
        f'"<dimensions>;<year>;[<unit>]";…) or a BDL API data response ({API_SHAPES})',
        KIND_ADVICE.get(kind, "export the table from bdl.stat.gov.pl as CSV, or save the API's JSON response"),
    )
