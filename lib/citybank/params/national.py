"""National GUS BDL exports (every gmina of Poland) of ``params/national.yml``: which export files, which of their
columns are which canonical variables, the derived measures (sums and ratios), and the comparison classes of the
ranking (``citybank.ranking``) and of ``citybank new-city``.

The three real GUS exports ship with the workbench in ``data/raw/national`` (each with its provenance sidecar);
``citybank fetch-bdl --national`` refreshes them from the BDL API. The files are looked up in the folders the YAML
names (relative to the root, inside it), the first folder that holds the file wins.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from .core import Loader, ParamsError, ParamsProblem, Registry, Strict, Text3

FILE = "national.yml"
WHERE = f"params/{FILE}"
FETCHED_PREFIX = "bdl-api_"
"""``citybank fetch-bdl --national`` writes export ``<id>`` as ``bdl-api_<id>.csv`` (CTAB shape) in the first folder,
and the unit ids it received as ``bdl-api_units.csv``."""
UNITS_FETCHED = f"{FETCHED_PREFIX}units.csv"


def fetched_name(export_id: str) -> str:
    """The file name of an export fetched from the BDL API: ``bdl-api_<id>.csv``."""
    return f"{FETCHED_PREFIX}{export_id}.csv"


class ExportColumn(Strict):
    source: str = Field(min_length=1, description="the dimension label of the CTAB header, without year and unit")
    variable: str
    bdl_variable: str | None = Field(
        None, pattern=r"^\d+$", description="the BDL API variable id (else looked up in the export's ``subject``)"
    )


class Export(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    file: str = Field(min_length=1, description="file name, looked up in ``folders``")
    subject: str | None = Field(
        None,
        pattern=r"^P\d+$",
        description="the BDL subject (P…) whose variables ``fetch-bdl --national`` lists to find each column's "
        "variable id (the variable whose n1…n5 joined by ';' equal the column's ``source``)",
    )
    table: str = Field(min_length=1, description="the BDL table, as named on the page (e.g. RYNE/1944)")
    years: str = Field(pattern=r"^\d{4}–\d{4}$", description="the years the export covers, e.g. 2003–2024")
    category: str = Field(description="the category whose dataset the export becomes in ``citybank new-city``")
    columns: list[ExportColumn] = Field(min_length=1)


class Derived(Strict):
    """A measure computed from the exports' variables for every gmina: ``sum`` of variables, or ``ratio``."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_]*$")
    kind: Literal["sum", "ratio"]
    numerator: list[str] = Field(min_length=1)
    denominator: list[str] = []
    multiplier: float = 1.0
    unit: str
    name: Text3 | None = Field(None, description="the measure's name (a sum that is a catalogued variable has none)")
    category: str | None = Field(None, description="the category page that shows the measure")

    @model_validator(mode="after")
    def _shape(self) -> Derived:
        if self.kind == "ratio" and not self.denominator:
            raise ValueError("kind 'ratio' needs a non-empty 'denominator' list")
        if self.kind == "sum" and self.denominator:
            raise ValueError("kind 'sum' takes no 'denominator'")
        return self

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys([*self.numerator, *self.denominator]))


class Classes(Strict):
    """Comparison classes: the gmina's kind (TERC) and a population size band."""

    size_variable: str = Field(description="the variable whose value, the same year, places a gmina in a band")
    size_bands: list[int] = Field(min_length=1, description="lower bounds of the bands, ascending, first 0")

    @model_validator(mode="after")
    def _bands(self) -> Classes:
        b = self.size_bands
        if b[0] != 0 or any(x >= y for x, y in zip(b, b[1:], strict=False)):
            raise ValueError(f"size_bands must start at 0 and rise (found {b})")
        return self


class National(Strict):
    folders: list[str] = Field(min_length=1, description="where to look for the files, relative to the root")
    source: Text3
    exports: list[Export] = Field(min_length=1)
    derived: list[Derived] = []
    classes: Classes
    peers: int = Field(8, ge=1, le=30, description="peers that `citybank new-city` chooses")
    bank_sums: bool = Field(
        False,
        description="the bank derives the catalogued ``sum`` measures (population_total) that no dataset provides "
        "from their parts (flag 'sum of parts'); `citybank new-city` sets it in a gmina workspace",
    )

    @property
    def variables(self) -> list[str]:
        return list(dict.fromkeys(c.variable for e in self.exports for c in e.columns))


def _validate(data: Any, root: Path) -> tuple[National | None, list[ParamsProblem]]:
    ld = Loader(root)
    model = ld.model(National, data, root / FILE)
    return model, ld.problems


def check(reg: Registry, data: Any) -> list[ParamsProblem]:
    """Every problem of params/national.yml: the model, unknown variables and categories, duplicate ids."""
    model, problems = _validate(data, reg.root)
    if model is None:
        return problems
    known = set(reg.variables)
    seen: set[str] = set()
    for i, e in enumerate(model.exports):
        if e.id in seen:
            problems.append(ParamsProblem(WHERE, f"exports[{i}].id", f"duplicate export id '{e.id}'"))
        seen.add(e.id)
        if e.category not in reg.categories:
            problems.append(
                ParamsProblem(
                    WHERE, f"exports[{i}].category", f"unknown category '{e.category}' (params/categories.yml)"
                )
            )
        for j, c in enumerate(e.columns):
            if c.variable not in known:
                problems.append(
                    ParamsProblem(
                        WHERE,
                        f"exports[{i}].columns[{j}].variable",
                        f"unknown variable '{c.variable}' (params/variables.yml)",
                    )
                )
    have = set(model.variables)
    for i, d in enumerate(model.derived):
        for v in d.variables:
            if v not in have:
                problems.append(
                    ParamsProblem(WHERE, f"derived[{i}] ({d.id})", f"'{v}' is not a variable of the exports above")
                )
            have.add(d.id)
        if d.id not in known and d.name is None:
            problems.append(
                ParamsProblem(WHERE, f"derived[{i}] ({d.id})", "not a variable of params/variables.yml: give it a name")
            )
        if d.category is not None and d.category not in reg.categories:
            problems.append(ParamsProblem(WHERE, f"derived[{i}].category", f"unknown category '{d.category}'"))
    if model.classes.size_variable not in have:
        problems.append(
            ParamsProblem(WHERE, "classes.size_variable", f"'{model.classes.size_variable}' is not a measure above")
        )
    return problems


def load_national(reg: Registry) -> National | None:
    """The validated national exports of the registry's params, or None when params/national.yml is absent."""
    data = reg.extra.get("national")
    if data is None:
        return None
    model, problems = _validate(data, reg.root)
    if problems or model is None:
        raise ParamsError(problems or [ParamsProblem(WHERE, "", "could not be read")])
    return model
