"""The residents' summary of ``params/residents.yml``: which key figures of the year the plain-language page
and its two-page printout tell, in which order. Each figure points at a bank variable (``variable``) or an ISO
37120 indicator (``indicator``) that the report already publishes; its sentence is the string
``residents.figure.<id>`` of ``lib/citybank/i18n.yml`` (PL, EN, DE), so params choose and the string table
words. The facts and the page are ``residents_facts`` and ``residents`` of ``citybank.views.pages.residents``.

    >>> Figure(id="population", variable="population_total", change="absolute").source
    ('variable', 'population_total')
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from ..i18n import LANGS, load_catalog
from .core import ChangeKind, Loader, ParamsProblem, Registry, Strict
from .optional import OptionalFile

FILE = "residents.yml"
MAX_FIGURES = 10
"""The printout holds half of the figures on each of its two pages; more would not fit in large type."""
SENTENCE_KEY = "residents.figure.{id}"


class Figure(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="names the sentence residents.figure.<id> in i18n.yml")
    variable: str | None = Field(None, description="a variable of params/variables.yml (the city's bank value)")
    indicator: str | None = Field(None, description="an ISO 37120 clause of params/iso37120.yml, e.g. '16.3'")
    change: ChangeKind | None = Field(
        None, description="how the change from the year compared is said; default: as the variable's kind says"
    )
    decimals: int | None = Field(None, ge=0, le=2, description="decimals of the figure in the sentence")

    @model_validator(mode="after")
    def _one_source(self) -> Figure:
        if (self.variable is None) == (self.indicator is None):
            raise ValueError("give exactly one of 'variable' (a bank variable) or 'indicator' (an ISO 37120 clause)")
        return self

    @property
    def source(self) -> tuple[str, str]:
        """("variable", id) or ("indicator", clause)."""
        return ("variable", str(self.variable)) if self.variable is not None else ("indicator", str(self.indicator))


class Summary(Strict):
    figures: list[Figure] = Field(min_length=1, max_length=MAX_FIGURES)


def _parse(reg: Registry, data: Any) -> tuple[Summary | None, list[ParamsProblem]]:
    loader = Loader(reg.root)
    path = reg.root / FILE
    rel = loader.rel(path)
    if not isinstance(data, dict) or not isinstance(data.get("figures"), list):
        return None, [ParamsProblem(rel, "figures", "expected a top-level 'figures:' list")]
    summary = loader.model(Summary, data, path)
    problems = list(loader.problems)
    if summary is None:
        return None, problems
    strings = load_catalog()
    iso = reg.extra.get("iso37120") or {}
    clauses = {str(i.get("id")) for i in iso.get("indicators") or [] if isinstance(i, dict)}
    seen: set[str] = set()
    for i, fig in enumerate(summary.figures):
        where = f"figures[{i}] ({fig.id})"
        if fig.id in seen:
            problems.append(ParamsProblem(rel, f"{where}.id", f"duplicate figure id '{fig.id}'"))
        seen.add(fig.id)
        if fig.variable is not None and fig.variable not in reg.variables:
            problems.append(
                ParamsProblem(
                    rel,
                    f"{where}.variable",
                    f"unknown variable '{fig.variable}'; expected an id of params/variables.yml",
                )
            )
        if fig.indicator is not None and fig.indicator not in clauses:
            problems.append(
                ParamsProblem(
                    rel,
                    f"{where}.indicator",
                    f"unknown ISO 37120 indicator '{fig.indicator}'; expected a clause of params/iso37120.yml "
                    "such as '16.3' (quote it in YAML)",
                )
            )
        key = SENTENCE_KEY.format(id=fig.id)
        missing = [lg for lg in LANGS if not (strings.get(key) or {}).get(lg)]
        if missing:
            problems.append(
                ParamsProblem(
                    rel,
                    f"{where}.id",
                    f"no sentence '{key}' in lib/citybank/i18n.yml for {', '.join(missing)}; "
                    "add it in pl, en and de (placeholders: {year}, {number}, {value}, {n_<unit>})",
                )
            )
    return summary, problems


PARAMS = OptionalFile("residents", FILE, _parse)
check = PARAMS.check


def load_summary(reg: Registry) -> Summary | None:
    """The validated summary (None when params/residents.yml is absent)."""
    return PARAMS.load(reg)
