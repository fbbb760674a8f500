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
    survey.yml          the residents' survey codebook (optional until present)
    residents.yml       the key figures of the residents' plain-language summary (optional until present)
    documents.yml       the city's strategic documents (optional until present)
    survey_coding.yml   the codebook of the survey's open answers (+ survey_coding_overrides.csv; optional)
    accessibility.yml   the site's accessibility declaration (optional until present)
    quality.yml         the thresholds of the data-quality detectors (optional: defaults)
"""

from __future__ import annotations

from pathlib import Path, PurePath

from ..i18n import LANGS
from ..paths import PATHS, Paths, notebooks_folder
from ..safety import path_problem, within
from . import (
    accessibility,
    bdl_api,
    consistency,
    documents,
    iso37120,
    metropolis,
    national,
    quality,
    residents,
    strategy,
    survey,
    survey_coding,
)
from .core import (
    EU_THEMES,
    SLUG,
    YAML_LOADER,
    Category,
    ChangeKind,
    Checks,
    City,
    ColumnMap,
    Dataset,
    District,
    Loader,
    OpenData,
    ParamsError,
    ParamsProblem,
    Provider,
    Registry,
    Reporting,
    SeriesBreak,
    Source,
    Strict,
    Territory,
    Text3,
    ValidRange,
    Variable,
    YearParams,
    change_kind,
    due_date,
    dupes,
    expand_files,
)

__all__ = [
    "LANGS", "SLUG", "ChangeKind", "change_kind", "YAML_LOADER", "Category", "Checks", "City", "ColumnMap", "Dataset", "District", "Loader",
    "OpenData", "EU_THEMES", "ParamsError", "ParamsProblem", "Provider", "Registry", "Reporting", "SeriesBreak", "Source", "Strict", "Territory", "Text3",
    "ValidRange", "Variable", "YearParams", "accessibility", "consistency", "documents", "due_date", "expand_files", "iso37120", "load_params", "national", "quality", "registry",
    "residents", "strategy", "survey", "survey_coding",
    "year_or_default",
]  # fmt: skip


def load_params(root: str | Path | None = None, *, extras: bool = True) -> Registry:
    """Load and validate params/; raise ParamsError listing every problem found."""
    root = Path(root) if root else PATHS.params
    ld = Loader(root)
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

    categories = dupes(
        ld.items(Category, root / "categories.yml", "categories"), "slug", "params/categories.yml", ld.problems
    )
    providers = dupes(
        ld.items(Provider, root / "providers.yml", "providers"), "id", "params/providers.yml", ld.problems
    )
    variables = dupes(
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
        if cat.notebook and not (notebooks_folder(root.parent) / cat.notebook).exists():
            ld.problems.append(
                ParamsProblem(
                    "params/categories.yml", f"{slug}.notebook", f"notebook '{cat.notebook}' not found in notebooks/"
                )
            )

    reg = None
    if city is not None:
        reg = Registry(root, city, years, categories, providers, variables, datasets)
        if extras:
            # In this order: the strategy may refer to ISO 37120 indicators and survey questions.
            modules = (
                ("iso37120", iso37120),
                ("survey", survey),
                ("strategy", strategy),
                ("consistency", consistency),
                ("bdl_api", bdl_api),
                ("residents", residents),  # after iso37120: a figure may be an ISO 37120 indicator
                ("survey_coding", survey_coding),  # after survey: it codes survey.yml's open questions
                ("national", national),
                ("documents", documents),
                ("accessibility", accessibility),
                ("metropolis", metropolis),
                ("quality", quality),
            )
            reg.extra.files = {name: root / module.FILE for name, module in modules}  # what asking for one reads
            for name, module in modules:
                data = ld.read(root / module.FILE, required=False)
                if data is not None:
                    reg.extra[name] = data
                    ld.problems.extend(module.check(reg, data))
    ld.problems.extend(unsafe_paths(root, datasets, reg.extra if reg is not None else {}))
    if ld.problems:
        raise ParamsError(ld.problems)
    assert reg is not None
    return reg


_CACHE: dict[Path, Registry] = {}


def registry(root: str | Path | None = None) -> Registry:
    """The validated registry, loaded once per process."""
    key = Path(root).resolve() if root else PATHS.params.resolve()
    if key not in _CACHE:
        _CACHE[key] = load_params(key)
    return _CACHE[key]


def year_or_default(year: int | None, reg: Registry | None = None) -> int:
    """``year`` when given, else the default year of params/city.yml."""
    return year if year is not None else (reg or registry()).city.default_year


def unsafe_paths(root: Path, datasets: dict[str, Dataset], extra: dict) -> list[ParamsProblem]:
    """Every path written in params that would read outside its folder: absolute, with ``..``, or (when the file
    exists) a symbolic link that leaves it. Sources and survey files lie under data/raw, the coding overrides
    under params/; the national exports' ``folders`` under data/raw or ../shared (the only two roots)."""
    raw = root.parent / "data" / "raw"
    links_to = Paths(root.parent).link_roots
    found: list[tuple[str, str, str, Path]] = []  # file, key, path as written, its root
    for d in datasets.values():
        for i, f in enumerate(d.source.files):
            found.append((f"params/datasets/{d.id}.yml", f"source.files[{i}]", f, raw))
    survey_data = extra.get("survey") if isinstance(extra.get("survey"), dict) else {}
    for i, f in enumerate(survey_data.get("files") or []):
        for key in ("path", "structure"):
            if isinstance(f, dict) and isinstance(f.get(key), str):
                found.append(("params/survey.yml", f"files[{i}].{key}", f[key], raw))
    coding = extra.get("survey_coding") if isinstance(extra.get("survey_coding"), dict) else {}
    for key, where in (("overrides", root), ("double_coded", raw)):
        if isinstance(coding.get(key), str):
            found.append(("params/survey_coding.yml", key, coding[key], where))
    problems = []
    for file, key, text, base in found:
        why = path_problem(text.replace("{year}", "2000"))
        if why is None:
            paths = base.glob(text.replace("{year}", "*")) if "{year}" in text else [base / text]
            roots = links_to if base == raw else (base,)
            if any((p.exists() or p.is_symlink()) and not any(within(r, p) for r in roots) for p in paths):
                why = "is a symbolic link that leads outside the folder"
        if why:
            problems.append(ParamsProblem(file, key, f"{text!r} {why}: refused, it must lie under {base.name}/"))
    national = extra.get("national") if isinstance(extra.get("national"), dict) else {}
    for i, folder in enumerate(national.get("folders") or []):
        if not isinstance(folder, str):
            continue
        path = root.parent / folder
        if PurePath(folder).is_absolute() or not any(within(r, path) for r in links_to):
            problems.append(
                ParamsProblem(
                    "params/national.yml",
                    f"folders[{i}]",
                    f"{folder!r} lies outside data/raw and ../shared: refused (the exports are read from those two)",
                )
            )
    return problems
