"""The core params models (city, years, categories, providers, variables, datasets), the loader that
collects every problem, and the validated ``Registry``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..errors import CitybankError
from ..reads import note
from ..safety import MAX_FILE_MB

# libyaml's loader when PyYAML was built with it (several times faster on 100+ files), else the pure one.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SLUG = r"^[a-z0-9][a-z0-9_\-]*$"


class Strict(BaseModel):
    """Base for every params model: unknown keys are errors, never silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Text3(Strict):
    """A text in the three report languages."""

    pl: str = Field(min_length=1)
    en: str = Field(min_length=1)
    de: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        return getattr(self, lang)


# ---------------------------------------------------------------- city and years


class Territory(Strict):
    code: str
    name: str
    bdl_id: str | None = None


class District(Strict):
    code: str = Field(pattern=r"^\d{7}-\d{2}$", description="city TERC + '-' + two digits")
    name: str
    aliases: list[str] = []


class Reporting(Strict):
    """How the report speaks about small numbers (params/city.yml, ``reporting``)."""

    small_count: dict[str, float] = Field(
        {"count": 20},
        description="per variable kind: below this value a change is said in absolute terms, never ranked "
        "as the biggest change, and no streak or record is claimed",
    )


EU_THEMES = ("AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI", "TECH", "TRAN")
"""The EU data themes (publications.europa.eu/resource/authority/data-theme); dane.gov.pl's categories use the
same 13 codes."""
EuTheme = Literal[
    "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI", "TECH", "TRAN"
]


class OpenData(Strict):
    """How the published data package is announced to the open-data portals (citybank.opendata)."""

    base_url: str = Field(
        pattern=r"^https://[^\s{}]+/$",
        description="the https address at which reports/ is served: reports/<Y>/data/x.csv is <base_url><Y>/data/x.csv",
    )
    publisher: Text3 = Field(description="who publishes the open data (DCAT publisher, CKAN author, CFF author)")
    ckan_organization: str = Field(pattern=r"^[a-z0-9_\-]{2,100}$", description="the CKAN organisation (owner_org)")
    contact_email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class City(Strict):
    name: str
    name_genitive: str | None = None
    slug: str = Field(pattern=SLUG)
    terc: str = Field(pattern=r"^\d{7}$")
    simc: str | None = None
    status: Text3
    bdl_code_gmina: str = Field(pattern=r"^\d{7}$")
    bdl_code_powiat: str = Field(pattern=r"^\d{7}$")
    bdl_unit_gmina: str | None = Field(None, pattern=r"^\d{12}$", description="BDL API unit id (none: no API)")
    bdl_unit_powiat: str | None = Field(None, pattern=r"^\d{12}$")
    area_km2: float | None = Field(None, gt=0, description="none when not known (citybank new-city)")
    voivodeship: Territory
    country: Territory
    districts: list[District]
    peers: list[Territory]
    peers_rule: Text3 | None = Field(
        None, description="why these cities are the peers (said under every comparison with them)"
    )
    languages: list[Literal["pl", "en", "de"]]
    default_year: int
    sample_years: list[int]
    baseline_year: int
    currency: str = "PLN"
    portal: str | None = None
    sources: dict[str, str] = {}
    reporting: Reporting = Reporting()
    open_data: OpenData | None = None

    def territory_name(self, code: str) -> str:
        return self.territory_names.get(code, code)

    @cached_property
    def territory_names(self) -> dict[str, str]:
        names = {self.terc: self.name, self.bdl_code_powiat: f"Powiat m. {self.name}"}
        names.update({d.code: d.name for d in self.districts})
        names.update({p.code: p.name for p in self.peers})
        names[self.voivodeship.code] = self.voivodeship.name
        names[self.country.code] = self.country.name
        return names

    @cached_property
    def district_lookup(self) -> dict[str, str]:
        """Every accepted spelling (case-insensitive) of a district → its code."""
        out: dict[str, str] = {}
        for d in self.districts:
            for n in [d.name, *d.aliases]:
                out[n.strip().casefold()] = d.code
        return out


class YearParams(Strict):
    year: int
    status: Literal["final", "provisional"]
    compare_with: int = Field(description="the previous year used for year-on-year changes")
    note: Text3 | None = None
    seed: int = 0
    published: dt.date | None = Field(
        None, description="the day the year's report and open data are published (issued/modified in the metadata)"
    )


# ---------------------------------------------------------------- categories, providers, variables


class Category(Strict):
    slug: str = Field(pattern=SLUG)
    name: Text3
    description: Text3
    portal: bool = Field(False, description="shown on the city's portal front page")
    iso_themes: list[str] = []
    eu_themes: list[EuTheme] = Field(
        ["REGI"], min_length=1, description="EU data themes = dane.gov.pl categories (AGRI, ECON, … TRAN)"
    )
    notebook: str | None = Field(None, description="a category-specific notebook replacing the template")


DUE = r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"


def due_date(due: str, data_year: int) -> str:
    """The ISO date by which the data of ``data_year`` are due: ``due`` is a month-day of the year after.

    >>> due_date("03-31", 2024)
    '2025-03-31'
    """
    return f"{data_year + 1}-{due}"


class Provider(Strict):
    id: str = Field(pattern=SLUG)
    name: Text3
    kind: Literal["statistics", "city_office", "municipal_unit", "state_agency", "utility", "company", "other"]
    description: Text3
    due: str | None = Field(
        None,
        pattern=DUE,
        description="MM-DD: the data of a year are due on this day of the following year (the yearly data "
        "request says so); None = no date agreed yet; a dataset's own 'due' overrides it",
    )


ChangeKind = Literal["percent", "points", "absolute"]
"""How a change is said: in percent (counts and amounts), in percentage points (rates and shares), or in
absolute terms (counts too small for a percentage to mean anything)."""
POINTS_KINDS = frozenset({"rate", "share"})


def change_kind(
    variable_kind: str | None,
    unit: str | None,
    values: Iterable[float | None] = (),
    small_count: Mapping[str, float] | None = None,
) -> ChangeKind:
    """How a change of a variable is said. The variable's kind decides: rates and shares (and any value in %)
    change in percentage points; a count below the stated small-count threshold in either year compared
    changes in absolute terms; everything else in percent.

    >>> change_kind("rate", "%"), change_kind("count", "persons", [3, 1], {"count": 20}), change_kind("amount", "PLN")
    ('points', 'absolute', 'percent')
    """
    if variable_kind in POINTS_KINDS or unit == "%":
        return "points"
    limit = (small_count or {}).get(variable_kind or "")
    present = [abs(float(v)) for v in values if v is not None and v == v]
    if limit is not None and present and min(present) < limit:
        return "absolute"
    return "percent"


class SeriesBreak(Strict):
    """A methodological break: from ``year`` on, the series is measured differently (e.g. rebased on a census)."""

    year: int = Field(ge=1990, le=2100, description="the first year of the new series")
    reason: Text3
    source: str = Field(min_length=1)


class ValidRange(Strict):
    """The values a variable or an indicator can take at all (not a plausibility band): ``min``/``max``
    inclusive, ``None`` = unbounded on that side."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _order(self) -> ValidRange:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        return self

    @property
    def unbounded(self) -> bool:
        return self.min is None and self.max is None

    def outside(self, value: float) -> bool:
        return (self.min is not None and value < self.min) or (self.max is not None and value > self.max)

    def describe(self, unit: str = "") -> str:
        """'0–100 %', 'at least 0 persons', 'at most 1': the range as the quarantine and the results say it."""

        def num(v: float) -> str:
            return str(int(v)) if float(v).is_integer() else f"{v:g}"

        tail = f" {unit}" if unit else ""
        if self.min is not None and self.max is not None:
            return f"{num(self.min)}–{num(self.max)}{tail}"
        if self.min is not None:
            return f"at least {num(self.min)}{tail}"
        if self.max is not None:
            return f"at most {num(self.max)}{tail}"
        return "any value"


PERCENT_RANGE = ValidRange(min=0, max=100)
NON_NEGATIVE = ValidRange(min=0)
UNBOUNDED = ValidRange()


class Variable(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: Text3
    unit: str
    definition: Text3
    kind: Literal["count", "amount", "rate", "mean", "share", "index", "length", "area", "ratio", "time"] = "count"
    additive: bool = Field(True, description="district values sum to the city value")
    higher_is_better: bool | None = None
    breaks: list[SeriesBreak] = []
    valid_range: ValidRange | None = Field(
        None,
        description="the values the variable can take at all; when not given: share and rate in % → 0..100, "
        "count, amount, length, area and time → at least 0, other kinds unbounded (see ``bounds``)",
    )

    @property
    def bounds(self) -> ValidRange:
        """The valid range: ``valid_range`` when given, else the default of the kind (see the field)."""
        if self.valid_range is not None:
            return self.valid_range
        if self.kind in ("share", "rate") and self.unit.strip() == "%":
            return PERCENT_RANGE
        if self.kind in ("count", "amount", "length", "area", "time"):
            return NON_NEGATIVE
        return UNBOUNDED

    def break_between(self, start: int, end: int) -> SeriesBreak | None:
        """The last break that a comparison of ``start`` with ``end`` crosses (start < break year <= end)."""
        lo, hi = sorted((int(start), int(end)))
        crossed = [b for b in self.breaks if lo < b.year <= hi]
        return crossed[-1] if crossed else None


# ---------------------------------------------------------------- datasets


class ColumnMap(Strict):
    """A column (or, for BDL files, a dimension label / variable id) of a raw file → a canonical variable."""

    source: str
    variable: str
    aliases: list[str] = Field([], description="other headers used for the same column in some years")
    scale: float = Field(1.0, description="multiply raw values by this (e.g. 1000 for 'thousands')")


class Source(Strict):
    format: Literal["csv", "xlsx", "bdl_ctab", "bdl_api"]
    files: list[str] = Field(min_length=1, description="paths under data/raw; '{year}' expands per year")
    max_mb: float = Field(
        MAX_FILE_MB, gt=0, description="a file larger than this (MB) is refused unread: files are read whole"
    )
    encoding: str | None = Field(None, description="utf-8, utf-8-sig or cp1250; None = detect")
    delimiter: str | None = Field(None, description="None = detect")
    decimal: Literal[".", ","] = "."
    thousands: str | None = None
    sheet: str | int = Field(
        0, description="sheet name or 0-based number; a name with '{year}' (e.g. 'Rok {year}') reads every such sheet"
    )
    header_row: int | None = Field(None, description="1-based row of the (first) header row; None = detect")
    header_rows: int = Field(1, ge=1, le=3)
    unit_row: int | None = Field(
        None,
        ge=1,
        description="1-based row holding the unit of each column (e.g. '[tys. zł]'): not data; a 'tys.'/'mln' "
        "prefix differing from the variable's unit scales the values",
    )
    layout: Literal["long", "wide_years"] = "long"
    year_header: str | None = Field(
        None,
        description="wide_years: the year columns' header with '{year}' for the year (e.g. 'rok_{year}'); "
        "None = plain years and the usual spellings (2019, rok_2019, 2019 r., Rok 2019)",
    )
    year_column: str | None = None
    territory_column: str | None = Field(None, description="a column of district (or city) names")
    code_column: str | None = Field(
        None,
        description="a column of territory codes (TERYT/BDL 'Kod', 7 digits, a lost leading zero restored, or "
        "12-character BDL unit ids) selecting the city, its powiat, districts and peers from a national or "
        "regional file; the other rows are left out",
    )
    territory: Literal["city", "powiat"] = "city"
    columns: list[ColumnMap] = Field(min_length=1)

    @model_validator(mode="after")
    def _patterns(self) -> Source:
        if self.year_header is not None and self.year_header.count("{year}") != 1:
            raise ValueError(f"year_header {self.year_header!r} must contain '{{year}}' once (e.g. 'rok_{{year}}')")
        if self.layout == "wide_years" and self.year_column:
            raise ValueError("layout wide_years has one column per year: leave year_column out")
        return self


class Checks(Strict):
    yoy_max_factor: float = Field(3.0, gt=1, description="flag a value more than this factor from the previous year")
    min: float | None = 0.0
    max: float | None = None
    allow_missing_years: bool = False


class Dataset(Strict):
    id: str = Field(pattern=SLUG)
    title: Text3
    description: Text3
    category: str
    provider: str
    frequency: Literal["annual", "quarterly", "monthly", "irregular", "once"]
    openness: int = Field(ge=1, le=5)
    licence: str
    first_year: int
    last_year: int
    source: Source
    checks: Checks = Checks()
    keywords: list[str] = []
    due: str | None = Field(None, pattern=DUE, description="MM-DD, overrides the provider's 'due' for this dataset")

    @model_validator(mode="after")
    def _years(self) -> Dataset:
        if self.last_year < self.first_year:
            raise ValueError(f"last_year {self.last_year} is before first_year {self.first_year}")
        return self

    @property
    def variables(self) -> list[str]:
        return [c.variable for c in self.source.columns]


# ---------------------------------------------------------------- errors and loading


@dataclass
class ParamsProblem:
    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.key}" if self.key else self.file
        return f"{where}: {self.message}"


class ParamsError(CitybankError):
    """One or more problems in params/; str() lists every one of them."""

    def __init__(self, problems: list[ParamsProblem]):
        self.problems = problems
        lines = [f"params/ has {len(problems)} problem(s):"] + [f"  - {p}" for p in problems]
        super().__init__("\n".join(lines))


def _loc(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _explain(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "extra_forbidden":
        return "unknown key (a typo? see the documented keys of this file)"
    if kind == "missing":
        return "required key is missing"
    msg = err.get("msg", "invalid")
    value = err.get("input")
    if value is not None and not isinstance(value, (dict, list)):
        return f"{msg} (found {value!r})"
    return msg


class Loader:
    """Reads params files and validates models, collecting every problem (never stopping at the first)."""

    def __init__(self, root: Path):
        self.root = root
        self.problems: list[ParamsProblem] = []

    def rel(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.root.parent))
        except ValueError:
            return str(path)

    def read(self, path: Path, required: bool = True) -> Any:
        if not path.exists():
            if required:
                self.problems.append(ParamsProblem(self.rel(path), "", "file is missing"))
            return None
        try:
            with path.open(encoding="utf-8") as fh:
                return yaml.load(fh, Loader=YAML_LOADER)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark else ""
            self.problems.append(ParamsProblem(self.rel(path), where, f"not valid YAML: {exc}"))
        except UnicodeDecodeError:
            self.problems.append(ParamsProblem(self.rel(path), "", "not UTF-8 text; save the file as UTF-8"))
        return None

    def model(self, cls: type[BaseModel], data: Any, path: Path, prefix: str = "") -> Any:
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors():
                key = _loc(tuple(err["loc"]))
                key = f"{prefix}{'.' if prefix and key else ''}{key}" if prefix else key
                self.problems.append(ParamsProblem(self.rel(path), key, _explain(err)))
        return None

    def items(self, cls: type[BaseModel], path: Path, top: str, required: bool = True) -> list[Any]:
        data = self.read(path, required)
        if data is None:
            return []
        if not isinstance(data, dict) or top not in data or not isinstance(data[top], list):
            self.problems.append(ParamsProblem(self.rel(path), top, f"expected a top-level '{top}:' list"))
            return []
        extra = {k for k in set(data) - {top} if not str(k).startswith("_")}  # "_name": a shared YAML block
        for k in sorted(extra):
            self.problems.append(
                ParamsProblem(
                    self.rel(path),
                    k,
                    f"unknown top-level key (only '{top}' is allowed, and keys starting with '_' for shared YAML blocks)",
                )
            )
        out = []
        for i, item in enumerate(data[top]):
            ident = item.get("id") or item.get("slug") if isinstance(item, dict) else None
            prefix = f"{top}[{i}]" + (f" ({ident})" if ident else "")
            m = self.model(cls, item, path, prefix)
            if m is not None:
                out.append(m)
        return out


class Extras(dict):
    """``Registry.extra``: the YAML of the optional params files by name (``iso37120``, ``national``…). Asking for
    one — present or absent — is reading its file (``files``: name → path), noted for the runner's record of what a
    task reads (``citybank.reads``): load_params read the files once, before any task ran."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.files: dict[str, Path] = {}

    def _read(self, key: Any) -> None:
        path = self.files.get(key)
        if path is not None:
            note(path)

    def __getitem__(self, key: Any) -> Any:
        self._read(key)
        return super().__getitem__(key)

    def __contains__(self, key: Any) -> bool:
        self._read(key)
        return super().__contains__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        self._read(key)
        return super().get(key, default)


@dataclass
class Registry:
    """Everything in params/, validated. ``extra`` holds the YAML of iso37120, strategy and consistency as read;
    they are validated when loaded (``citybank.params.iso37120`` etc. own their models)."""

    root: Path
    city: City
    years: dict[int, YearParams]
    categories: dict[str, Category]
    providers: dict[str, Provider]
    variables: dict[str, Variable]
    datasets: dict[str, Dataset]
    extra: Extras = field(default_factory=lambda: Extras())

    def datasets_in(self, category: str) -> list[Dataset]:
        return [d for d in self.datasets.values() if d.category == category]

    def variable_unit(self, variable: str) -> str:
        return self.variables[variable].unit

    def territory_code(self, territory: str) -> str | None:
        """'city' → the city's TERC, 'powiat' → its BDL powiat code, a known code → itself; else None."""
        if territory == "city":
            return self.city.terc
        if territory == "powiat":
            return self.city.bdl_code_powiat
        return territory if territory in self.city.territory_names else None


def dupes(items: list[Any], attr: str, file: str, problems: list[ParamsProblem]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for it in items:
        key = getattr(it, attr)
        if key in out:
            problems.append(ParamsProblem(file, f"{attr}={key}", "duplicate id; each id must be unique"))
        out[key] = it
    return out


def expand_files(ds: Dataset, years: list[int] | None = None) -> list[tuple[str, int | None]]:
    """The raw files of a dataset as (relative path, year or None)."""
    out: list[tuple[str, int | None]] = []
    ys = years or list(range(ds.first_year, ds.last_year + 1))
    for pattern in ds.source.files:
        if "{year}" in pattern:
            out.extend((pattern.format(year=y), y) for y in ys)
        else:
            out.append((pattern, None))
    return out
