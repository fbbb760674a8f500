"""Lineage: what each dataset feeds — ISO 37120 indicators, strategy indicators, consistency rules, report pages.

Computed from params alone (one place; the portal's dataset and provider pages, the provider cards and any
metadata export read it from here). A dataset feeds what reads one of its variables (params keep one variable to
one dataset, so a variable names its dataset):

- an ISO 37120 indicator whose formula (numerator or denominator) names the variable (``params/iso37120.yml``);
- a strategy indicator whose ``variable`` or ``per`` names it, or whose ``iso`` indicator reads it
  (``params/strategy.yml``);
- a consistency rule with the variable on either side (``params/consistency.yml``);
- report pages, named and ordered by the outline (``citybank.params.outline``): the category page of the dataset's
  category (and every category page for ``population_total``, the per-resident basis of the peer comparisons in
  ``citybank.views.pages.category``), the overview for a headline variable (``citybank.publish.HEADLINES``), an ISO
  indicator's page per indicator (and the ISO overview), strategy and consistency when an indicator or a rule
  reads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .params import Registry
from .params.consistency import load_rules, side_ids
from .params.iso37120 import load_catalogue
from .params.outline import page_id, page_order
from .params.strategy import load_strategy
from .publish import HEADLINES

PER_RESIDENT = "population_total"
"""The variable every category page divides by to compare peers per resident (``citybank.views.pages.category``)."""


@dataclass(frozen=True)
class Lineage:
    """What one dataset (or all datasets of a provider) feeds; every tuple in report order."""

    variables: tuple[str, ...]
    iso: tuple[str, ...] = ()
    """ISO 37120 clauses, in clause order."""
    strategy: tuple[str, ...] = ()
    """Strategy indicator ids, in the strategy's order."""
    consistency: tuple[str, ...] = ()
    """Consistency rule ids, in params order."""
    pages: tuple[str, ...] = ()
    """Report page ids (the runner plan's task names without the language), in report order."""

    @property
    def feeds_anything(self) -> bool:
        return bool(self.iso or self.strategy or self.consistency)


@dataclass(frozen=True)
class _Index:
    """Who reads which variables, each in params order; report page order."""

    iso: dict[str, list[str]]
    strategy: dict[str, list[str]]
    rules: dict[str, list[str]]
    order: dict[str, int]


def _index(reg: Registry) -> _Index:
    iso_vars: dict[str, list[str]] = {}
    if reg.extra.get("iso37120") is not None:
        for ind in load_catalogue(reg).sorted_indicators():
            if ind.formula is not None:
                iso_vars[ind.id] = ind.formula.variables
    strategy_vars: dict[str, list[str]] = {}
    strategy = load_strategy(reg)
    if strategy is not None:
        for _, _, ind in strategy.indicators():
            names = [*([] if ind.variable is None else [ind.variable]), *([] if ind.per is None else side_ids(ind.per))]
            names += iso_vars.get(ind.iso, []) if ind.iso is not None else []
            strategy_vars[ind.id] = list(dict.fromkeys(names))
    rule_vars = {r.id: side_ids(r.left) + side_ids(r.right) for r in load_rules(reg)}
    order = {p: i for i, p in enumerate(page_order(reg))}
    return _Index(iso_vars, strategy_vars, rule_vars, order)


def _lineage(reg: Registry, ix: _Index, variables: list[str], categories: set[str]) -> Lineage:
    mine = set(variables)
    iso = tuple(c for c, vs in ix.iso.items() if mine & set(vs))
    strat = tuple(i for i, vs in ix.strategy.items() if mine & set(vs))
    rules = tuple(r for r, vs in ix.rules.items() if mine & set(vs))
    pages = {page_id("category", c) for c in categories}
    if PER_RESIDENT in mine:
        pages |= {page_id("category", slug) for slug in reg.categories}
    if mine & set(HEADLINES):
        pages.add(page_id("overview"))
    pages |= {page_id("iso_indicator", c) for c in iso} | ({page_id("iso_overview")} if iso else set())
    if strat:
        pages.add(page_id("strategy"))
    if rules:
        pages.add(page_id("consistency"))
    return Lineage(
        variables=tuple(dict.fromkeys(variables)),
        iso=iso,
        strategy=strat,
        consistency=rules,
        pages=tuple(sorted(pages, key=lambda p: ix.order.get(p, len(ix.order)))),
    )


def dataset_lineage(reg: Registry) -> dict[str, Lineage]:
    """Per dataset id (sorted), what its variables feed."""
    ix = _index(reg)
    return {
        ds_id: _lineage(reg, ix, reg.datasets[ds_id].variables, {reg.datasets[ds_id].category})
        for ds_id in sorted(reg.datasets)
    }


def provider_lineage(reg: Registry) -> dict[str, Lineage]:
    """Per provider id (params order), what all its datasets feed together."""
    ix = _index(reg)
    out = {}
    for pid in reg.providers:
        datasets = [reg.datasets[d] for d in sorted(reg.datasets) if reg.datasets[d].provider == pid]
        variables = [v for d in datasets for v in d.variables]
        out[pid] = _lineage(reg, ix, variables, {d.category for d in datasets})
    return out
