"""The params/ registry: typed models for every YAML file, loaded and cross-checked.

Every problem is collected (not just the first) and reported with the file, the key and what was
expected, so that an analyst who mistyped a YAML key is told exactly where to look.

Layout of params/::

    city.yml            the city, its districts, peers, languages
    years/<Y>.yml       one per reporting year
    categories.yml      the 18 categories of the data bank
    providers.yml       the data providers
    variables.yml       canonical variables that datasets map into
    datasets/<id>.yml   one descriptor per dataset
    iso37120.yml        the ISO 37120:2018 catalogue (optional until present)
    strategy.yml        the city development strategy (optional until present)
    consistency.yml     cross-provider consistency rules (optional until present)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .paths import PATHS

LANGS = ("pl", "en", "de")
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


class City(Strict):
    name: str
    name_genitive: str | None = None
    slug: str = Field(pattern=SLUG)
    terc: str = Field(pattern=r"^\d{7}$")
    simc: str | None = None
    status: Text3
    bdl_code_gmina: str = Field(pattern=r"^\d{7}$")
    bdl_code_powiat: str = Field(pattern=r"^\d{7}$")
    bdl_unit_gmina: str = Field(pattern=r"^\d{12}$")
    bdl_unit_powiat: str = Field(pattern=r"^\d{12}$")
    area_km2: float = Field(gt=0)
    voivodeship: Territory
    country: Territory
    districts: list[District]
    peers: list[Territory]
    languages: list[Literal["pl", "en", "de"]]
    default_year: int
    sample_years: list[int]
    baseline_year: int
    currency: str = "PLN"
    portal: str | None = None
    sources: dict[str, str] = {}

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


# ---------------------------------------------------------------- categories, providers, variables


class Category(Strict):
    slug: str = Field(pattern=SLUG)
    name: Text3
    description: Text3
    portal: bool = Field(False, description="shown on the city's portal front page")
    iso_themes: list[str] = []
    notebook: str | None = Field(None, description="a category-specific notebook replacing the template")


class Provider(Strict):
    id: str = Field(pattern=SLUG)
    name: Text3
    kind: Literal["statistics", "city_office", "municipal_unit", "state_agency", "utility", "company", "other"]
    description: Text3


class Variable(Strict):
    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: Text3
    unit: str
    definition: Text3
    kind: Literal["count", "amount", "rate", "mean", "share", "index", "length", "area", "ratio", "time"] = "count"
    additive: bool = Field(True, description="district values sum to the city value")
    higher_is_better: bool | None = None


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
    encoding: str | None = Field(None, description="utf-8, utf-8-sig or cp1250; None = detect")
    delimiter: str | None = Field(None, description="None = detect")
    decimal: Literal[".", ","] = "."
    thousands: str | None = None
    sheet: str | int = 0
    header_row: int | None = Field(None, description="1-based row of the (first) header row; None = detect")
    header_rows: int = Field(1, ge=1, le=3)
    layout: Literal["long", "wide_years"] = "long"
    year_column: str | None = None
    territory_column: str | None = None
    territory: Literal["city", "powiat"] = "city"
    columns: list[ColumnMap] = Field(min_length=1)


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


class ParamsError(Exception):
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


class _Loader:
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
        extra = set(data) - {top}
        for k in sorted(extra):
            self.problems.append(ParamsProblem(self.rel(path), k, f"unknown top-level key (only '{top}' is allowed)"))
        out = []
        for i, item in enumerate(data[top]):
            ident = item.get("id") or item.get("slug") if isinstance(item, dict) else None
            prefix = f"{top}[{i}]" + (f" ({ident})" if ident else "")
            m = self.model(cls, item, path, prefix)
            if m is not None:
                out.append(m)
        return out


@dataclass
class Registry:
    """Everything in params/, validated. Extra sections (iso37120, strategy, consistency) are raw dicts
    validated by the modules that own them (they register a checker in ``EXTRA_CHECKS``)."""

    root: Path
    city: City
    years: dict[int, YearParams]
    categories: dict[str, Category]
    providers: dict[str, Provider]
    variables: dict[str, Variable]
    datasets: dict[str, Dataset]
    extra: dict[str, Any] = field(default_factory=dict)

    def datasets_in(self, category: str) -> list[Dataset]:
        return [d for d in self.datasets.values() if d.category == category]

    def variable_unit(self, variable: str) -> str:
        return self.variables[variable].unit


# Modules with their own params file register here: name -> (file name, checker(registry, data) -> problems)
EXTRA_FILES: dict[str, str] = {
    "iso37120": "iso37120.yml",
    "strategy": "strategy.yml",
    "consistency": "consistency.yml",
}
EXTRA_CHECKS: dict[str, Any] = {}


def _dupes(items: list[Any], attr: str, file: str, problems: list[ParamsProblem]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for it in items:
        key = getattr(it, attr)
        if key in out:
            problems.append(ParamsProblem(file, f"{attr}={key}", "duplicate id; each id must be unique"))
        out[key] = it
    return out


def load_params(root: str | Path | None = None, *, extras: bool = True) -> Registry:
    """Load and validate params/; raise ParamsError listing every problem found."""
    root = Path(root) if root else PATHS.params
    ld = _Loader(root)
    if not root.is_dir():
        raise ParamsError([ParamsProblem(str(root), "", "params folder not found")])

    city_data = ld.read(root / "city.yml")
    city = ld.model(City, city_data, root / "city.yml") if city_data is not None else None

    years: dict[int, YearParams] = {}
    for path in sorted((root / "years").glob("*.yml")):
        y = ld.model(YearParams, ld.read(path), path)
        if y is not None:
            if path.stem != str(y.year):
                ld.problems.append(
                    ParamsProblem(ld.rel(path), "year", f"is {y.year} but the file is named {path.name}")
                )
            years[y.year] = y
    if not years:
        ld.problems.append(ParamsProblem(ld.rel(root / "years"), "", "no years/<YEAR>.yml file found"))

    categories = _dupes(
        ld.items(Category, root / "categories.yml", "categories"), "slug", "params/categories.yml", ld.problems
    )
    providers = _dupes(
        ld.items(Provider, root / "providers.yml", "providers"), "id", "params/providers.yml", ld.problems
    )
    variables = _dupes(
        ld.items(Variable, root / "variables.yml", "variables"), "id", "params/variables.yml", ld.problems
    )

    datasets: dict[str, Dataset] = {}
    for path in sorted((root / "datasets").glob("*.yml")):
        d = ld.model(Dataset, ld.read(path), path)
        if d is None:
            continue
        rel = ld.rel(path)
        if d.id != path.stem:
            ld.problems.append(
                ParamsProblem(rel, "id", f"is '{d.id}' but the file is named {path.name}; they must match")
            )
        if d.id in datasets:
            ld.problems.append(ParamsProblem(rel, "id", f"duplicate dataset id '{d.id}'"))
        if d.category not in categories:
            ld.problems.append(
                ParamsProblem(
                    rel,
                    "category",
                    f"unknown category '{d.category}'; expected one of params/categories.yml: {', '.join(sorted(categories))}",
                )
            )
        if d.provider not in providers:
            ld.problems.append(
                ParamsProblem(
                    rel,
                    "provider",
                    f"unknown provider '{d.provider}'; expected one of params/providers.yml: {', '.join(sorted(providers))}",
                )
            )
        for i, col in enumerate(d.source.columns):
            if col.variable not in variables:
                ld.problems.append(
                    ParamsProblem(
                        rel,
                        f"source.columns[{i}].variable",
                        f"unknown variable '{col.variable}'; add it to params/variables.yml or fix the spelling",
                    )
                )
        datasets[d.id] = d

    # One variable, one dataset: two providers describing one phenomenon get two variables, paired
    # in params/consistency.yml; otherwise the bank could not say which figure is the city's.
    owner: dict[str, str] = {}
    for d in datasets.values():
        for v in dict.fromkeys(d.variables):
            if v in owner:
                ld.problems.append(
                    ParamsProblem(
                        f"params/datasets/{d.id}.yml",
                        "source.columns",
                        f"variable '{v}' is already provided by dataset '{owner[v]}'; give each provider's figure its "
                        "own variable (e.g. '<name>_<provider>') and pair them in params/consistency.yml",
                    )
                )
            owner.setdefault(v, d.id)

    if city is not None:
        if city.default_year not in years:
            ld.problems.append(
                ParamsProblem(
                    "params/city.yml",
                    "default_year",
                    f"{city.default_year} has no params/years/{city.default_year}.yml",
                )
            )
        seen: dict[str, str] = {}
        for d in city.districts:
            for n in [d.name, *d.aliases]:
                k = n.casefold()
                if k in seen and seen[k] != d.code:
                    ld.problems.append(
                        ParamsProblem(
                            "params/city.yml", f"districts ({d.code})", f"spelling '{n}' is already used by {seen[k]}"
                        )
                    )
                seen[k] = d.code
    for slug, cat in categories.items():
        if cat.notebook and not (root.parent / "notebooks" / cat.notebook).exists():
            ld.problems.append(
                ParamsProblem(
                    "params/categories.yml", f"{slug}.notebook", f"notebook '{cat.notebook}' not found in notebooks/"
                )
            )

    reg = None
    if city is not None:
        reg = Registry(root, city, years, categories, providers, variables, datasets)
        if extras:
            for name, fname in EXTRA_FILES.items():
                path = root / fname
                data = ld.read(path, required=False)
                if data is None:
                    continue
                reg.extra[name] = data
                checker = _extra_checker(name)
                if checker is not None:
                    for p in checker(reg, data):
                        ld.problems.append(p)
    if ld.problems:
        raise ParamsError(ld.problems)
    assert reg is not None
    return reg


def _extra_checker(name: str):
    """Import the module that owns an extra params file; it exposes ``check_params(registry, data)``."""
    import importlib

    modname = {
        "iso37120": "citybank.indicators",
        "strategy": "citybank.strategy",
        "consistency": "citybank.consistency",
    }[name]
    try:
        mod = importlib.import_module(modname)
    except ModuleNotFoundError:
        return None
    return getattr(mod, "check_params", None)


_CACHE: dict[Path, Registry] = {}


def registry(root: str | Path | None = None) -> Registry:
    """The validated registry, loaded once per process."""
    key = Path(root).resolve() if root else PATHS.params.resolve()
    if key not in _CACHE:
        _CACHE[key] = load_params(key)
    return _CACHE[key]


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
