"""The sample city's true values: every variable × territory × year, from ``sample_model.yml`` and the facts.

Everything is deterministic: random draws come from numpy generators seeded with the year's ``seed``
(params/years/<Y>.yml) and stable SHA-256 hashes of names, never from Python's randomised ``hash()``.
"""

from __future__ import annotations

import hashlib
import math
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from ..errors import UserError
from ..params import Dataset, Registry
from . import facts

MODEL_PATH = Path(__file__).resolve().parent.parent / "sample_model.yml"
MODEL_YEAR = 2024  # the year `base` values describe
MODEL_KEYS = {
    "base",
    "share_of",
    "share",
    "sum_of",
    "real",
    "trend",
    "noise",
    "decimals",
    "min",
    "max",
    "districts",
    "peers",
    "years",
}
SOURCE_KEYS = ("base", "share_of", "sum_of", "real")
# Defaults for a dataset variable that sample_model.yml does not describe yet, by variable kind.
DEFAULT_BASE = {
    "count": 1000.0,
    "amount": 1.0e6,
    "rate": 5.0,
    "mean": 100.0,
    "share": 30.0,
    "index": 100.0,
    "length": 50.0,
    "area": 10.0,
    "ratio": 1.5,
    "time": 30.0,
}


class SampleModelError(UserError):
    """sample_model.yml is wrong: says which variable and key, and what is expected."""


def stable_int(*parts: object) -> int:
    """A 64-bit integer from names, identical in every process (unlike ``hash()``)."""
    text = "\x1f".join(str(p) for p in parts)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")


def unit_draw(*parts: object) -> float:
    """A deterministic number in [0, 1) from names."""
    return stable_int(*parts) / 2.0**64


def round_to(value: float, decimals: int) -> float:
    """Round half away from zero (Python's round() is half-to-even, surprising in published figures)."""
    q = 10.0**decimals
    return math.copysign(math.floor(abs(value) * q + 0.5) / q, value)


def split_total(total: float, weights: list[float], decimals: int) -> list[float]:
    """Split ``total`` by ``weights`` into parts rounded to ``decimals`` that sum exactly to ``total``
    (largest-remainder method)."""
    q = 10**decimals
    units = int(round(total * q))
    w = np.asarray(weights, dtype="float64")
    raw = units * w / w.sum()
    base = np.floor(raw).astype("int64")
    rest = units - int(base.sum())
    order = sorted(range(len(w)), key=lambda i: (-(raw[i] - base[i]), i))
    for i in order[:rest]:
        base[i] += 1
    return [float(b) / q for b in base]


def load_model(path: Path = MODEL_PATH) -> dict[str, dict[str, Any]]:
    """Read and check sample_model.yml: one mapping per variable with exactly one value source."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    variables = data.get("variables") or {}
    if not isinstance(variables, dict):
        raise SampleModelError(f"{path}: expected a top-level 'variables:' mapping of variable id → settings")
    for var, spec in variables.items():
        if not isinstance(spec, dict):
            raise SampleModelError(f"{path}: variables.{var}: expected a mapping like {{base: 100}}, found {spec!r}")
        unknown = sorted(set(spec) - MODEL_KEYS)
        if unknown:
            raise SampleModelError(
                f"{path}: variables.{var}: unknown key(s) {', '.join(unknown)}; "
                f"allowed: {', '.join(sorted(MODEL_KEYS))}"
            )
        given = [k for k in SOURCE_KEYS if k in spec]
        if len(given) != 1:
            raise SampleModelError(
                f"{path}: variables.{var}: needs exactly one of {', '.join(SOURCE_KEYS)}; "
                f"found {', '.join(given) or 'none'}"
            )
        if "share_of" in spec and "share" not in spec:
            raise SampleModelError(f"{path}: variables.{var}: 'share_of' needs 'share: <0..1>'")
    return variables


class SampleModel:
    """True values of the sample city for the sample years of ``params/city.yml``."""

    def __init__(self, reg: Registry, model_path: Path = MODEL_PATH):
        self.reg = reg
        self.city_code = reg.city.terc
        self.specs = load_model(model_path)
        self.model_path = model_path
        self.years = list(reg.city.sample_years)
        self._city: dict[str, dict[int, float]] = {}
        self._busy: list[str] = []
        self._districts: dict[str, dict[str, dict[int, float]]] = {}
        self._values: dict[tuple[str, str], dict[int, float]] = {}

    # ------------------------------------------------------------------ helpers

    def seed(self, year: int) -> int:
        y = self.reg.years.get(year)
        return y.seed if y is not None else year

    def spec(self, var: str) -> dict[str, Any]:
        if var in self.specs:
            return self.specs[var]
        kind = self.reg.variables[var].kind if var in self.reg.variables else "count"
        return {"base": DEFAULT_BASE.get(kind, 100.0), "trend": 0.0, "noise": 0.03}

    def additive(self, var: str) -> bool:
        v = self.reg.variables.get(var)
        return v.additive if v is not None else True

    def decimals(self, var: str) -> int:
        spec = self.spec(var)
        if "decimals" in spec:
            return int(spec["decimals"])
        v = self.reg.variables.get(var)
        return 0 if v is None or v.kind == "count" else 2

    def _noise(self, var: str, year: int, sd: float) -> float:
        if not sd:
            return 1.0
        z = np.random.default_rng([self.seed(year), stable_int("noise", var)]).standard_normal()
        return 1.0 + sd * float(np.clip(z, -2.5, 2.5))

    # ------------------------------------------------------------------ the city

    def city(self, var: str) -> dict[int, float]:
        """The city's value per sample year."""
        if var not in self._city:
            if var in self._busy:
                chain = " → ".join([*self._busy[self._busy.index(var) :], var])
                raise SampleModelError(f"{self.model_path}: variables refer to each other in a circle: {chain}")
            self._busy.append(var)
            try:
                self._city[var] = self._compute_city(var)
            finally:
                self._busy.pop()
        return self._city[var]

    def _compute_city(self, var: str) -> dict[int, float]:
        spec = self.spec(var)
        dec = self.decimals(var)
        out: dict[int, float] = {}
        if "real" in spec:
            series = self.real_series(str(spec["real"]))
            return {y: float(series[y]) for y in self.years if y in series}
        if "sum_of" in spec:
            parts = [self.city(p) for p in self._refs(var, spec["sum_of"])]
            return {y: round_to(sum(p[y] for p in parts), dec) for y in self.years if all(y in p for p in parts)}
        for y in self.years:
            if "base" in spec:
                v = float(spec["base"]) * (1.0 + float(spec.get("trend", 0.0))) ** (y - MODEL_YEAR)
            else:
                (ref,) = self._refs(var, [spec["share_of"]])
                other = self.city(ref)
                if y not in other:
                    continue
                v = float(spec["share"]) * other[y]
            v *= self._noise(var, y, float(spec.get("noise", 0.0)))
            if spec.get("min") is not None:
                v = max(v, float(spec["min"]))
            if spec.get("max") is not None:
                v = min(v, float(spec["max"]))
            out[y] = round_to(v, dec)
        return out

    def _refs(self, var: str, refs: Any) -> list[str]:
        refs = [refs] if isinstance(refs, str) else list(refs)
        for r in refs:
            if r not in self.specs and r not in self.reg.variables:
                raise SampleModelError(
                    f"{self.model_path}: variables.{var} refers to '{r}', which is neither in "
                    "sample_model.yml nor in params/variables.yml"
                )
        return refs

    # ------------------------------------------------------------------ real series (typed facts)

    @cached_property
    def _groups(self) -> dict[str, dict[int, float]]:
        """City population by economic age group: real 2015–2019; 2020+ split the real totals with the
        2019 shares drifting as they did in 2015–2019 (older, fewer children)."""
        out = {v: {y: float(n) for y, n in facts.CITY_GROUPS_2015_2019[v].items()} for v in facts.GROUP_VARIABLES}
        pre19, post19 = (
            facts.CITY_GROUPS_2015_2019[v][2019] for v in ("population_pre_working", "population_post_working")
        )
        total19 = facts.CITY_POPULATION[2019]
        for y, total in facts.CITY_POPULATION.items():
            if y <= 2019:
                continue
            pre = round_to(total * (pre19 / total19 - 0.0015 * (y - 2019)), 0)
            post = round_to(total * (post19 / total19 + 0.006 * (y - 2019)), 0)
            out["population_pre_working"][y] = pre
            out["population_post_working"][y] = post
            out["population_working"][y] = total - pre - post
        return out

    def real_series(self, name: str) -> dict[int, float]:
        """A named real (or calibrated) city series, year → value."""
        if name in facts.GROUP_VARIABLES:
            return self._groups[name]
        if name == "population_total":
            return {
                y: sum(self._groups[g][y] for g in facts.GROUP_VARIABLES) for y in self._groups["population_working"]
            }
        if name == "population_registered":
            total = self.real_series("population_total")
            lo, hi = facts.REGISTER_GAP
            out = {}
            for y, v in total.items():
                u = np.random.default_rng([self.seed(y), stable_int("register-gap")]).random()
                out[y] = round_to(v * (1.0 - lo - (hi - lo) * float(u)), 0)
            return out
        if name == "registered_unemployed":
            return dict(zip(facts.YEARS, map(float, facts.UNEMPLOYED[self.city_code]), strict=True))
        if name == "live_births":
            return {y: float(v) for y, v in facts.LIVE_BIRTHS.items()}
        if name == "deaths":
            return {y: float(v) for y, v in facts.DEATHS.items()}
        if name == "net_migration":
            total = self.real_series("population_total")
            total = {**total, 2014: float(facts.CITY_POPULATION_2014)}
            return {
                y: float(facts.NET_MIGRATION_BREAK_YEAR)
                if y == facts.CENSUS_BREAK_YEAR
                else total[y] - total[y - 1] - facts.LIVE_BIRTHS[y] + facts.DEATHS[y]
                for y in facts.YEARS
            }
        if name == "natural_increase":
            return {y: float(facts.LIVE_BIRTHS[y] - facts.DEATHS[y]) for y in facts.YEARS}
        if name == "median_gross_wage":
            return dict(facts.MEDIAN_WAGE)
        raise SampleModelError(
            f"{self.model_path}: 'real: {name}' is not a series typed into citybank/sample/facts.py; known: "
            + ", ".join(REAL_SERIES)
        )

    # ------------------------------------------------------------------ other territories

    def _pop_ratio(self, territory: str) -> float:
        groups = facts.GROUPS_2019.get(territory)
        if groups is None:  # a peer added to params/city.yml after the facts were typed
            return 0.5 + 3.0 * unit_draw("population-ratio", territory)
        return sum(groups) / facts.CITY_POPULATION[2019]

    def territory_values(self, var: str, territory: str) -> dict[int, float]:
        """Values of a peer, the voivodeship or the country (or the city and its powiat)."""
        city = self.city(var)
        if territory in (self.city_code, self.reg.city.bdl_code_powiat):
            return dict(city)
        dec = self.decimals(var)
        spec = self.spec(var)
        real = spec.get("real")
        if real == "registered_unemployed" and territory in facts.UNEMPLOYED:
            return {y: float(v) for y, v in zip(facts.YEARS, facts.UNEMPLOYED[territory], strict=True) if y in city}
        if real in facts.GROUP_VARIABLES and territory in facts.GROUPS_2019:
            return self.territory_values_of_real(str(real), territory)
        if real == "population_total" and territory in facts.GROUPS_2019:
            parts = [self.territory_values_of_real(g, territory) for g in facts.GROUP_VARIABLES]
            return {y: sum(p[y] for p in parts) for y in city}
        if "sum_of" in spec:  # a total of other variables stays their total in every territory
            parts = [self.territory_values(p, territory) for p in self._refs(var, spec["sum_of"])]
            return {y: round_to(sum(p[y] for p in parts), dec) for y in city if all(y in p for p in parts)}
        u = unit_draw("territory-factor", var, territory)
        if self.additive(var):
            factor = self._pop_ratio(territory) * (0.85 + 0.3 * u)
        else:
            factor = 0.88 + 0.3 * u
        return {y: round_to(v * factor, dec) for y, v in city.items()}

    def territory_values_of_real(self, real: str, territory: str) -> dict[int, float]:
        """A real group series for a territory even when the model does not use that series directly."""
        city = self.real_series(real)
        anchor = facts.GROUPS_2019[territory][facts.GROUP_VARIABLES.index(real)]
        same_region = territory[:2] == self.city_code[:2] and territory != self.reg.city.voivodeship.code
        power = 1.0 if same_region else 0.4
        return {y: round_to(anchor * (city[y] / city[2019]) ** power, 0) for y in self.years if y in city}

    def district_values(self, var: str) -> dict[str, dict[int, float]]:
        """Each district's values: additive variables split the city's exactly; others vary around it."""
        if var not in self._districts:
            self._districts[var] = self._compute_districts(var)
        return self._districts[var]

    def _compute_districts(self, var: str) -> dict[str, dict[int, float]]:
        city = self.city(var)
        codes = [d.code for d in self.reg.city.districts]
        dec = self.decimals(var)
        if self.additive(var):
            weights = [
                (0.5 + unit_draw("district-size", c)) * (0.95 + 0.1 * unit_draw("district", var, c)) for c in codes
            ]
            out: dict[str, dict[int, float]] = {c: {} for c in codes}
            for y, v in city.items():
                for c, part in zip(codes, split_total(v, weights, dec), strict=True):
                    out[c][y] = part
            return out
        return {
            c: {y: round_to(v * (0.92 + 0.16 * unit_draw("district", var, c)), dec) for y, v in city.items()}
            for c in codes
        }

    # ------------------------------------------------------------------ per dataset

    def years_of(self, ds: Dataset) -> list[int]:
        return [y for y in self.years if ds.first_year <= y <= ds.last_year]

    def dataset_territories(self, ds: Dataset) -> list[str]:
        """The territory codes a dataset's files hold (as the bank will key them)."""
        c = self.reg.city
        src = ds.source
        city_code = c.bdl_code_powiat if src.territory == "powiat" else c.terc
        if src.format == "bdl_ctab":
            return [c.country.code, c.voivodeship.code, c.bdl_code_powiat, c.terc, *(p.code for p in c.peers)]
        if src.format == "bdl_api":
            return [c.country.code, c.voivodeship.code, city_code, *(p.code for p in c.peers)]
        if src.territory_column:
            return [d.code for d in c.districts]
        return [city_code]

    def values(self, var: str, territory: str) -> dict[int, float]:
        """Values of one variable in one territory (any level); computed once."""
        key = (var, territory)
        if key not in self._values:
            vals = self.district_values(var)[territory] if "-" in territory else self.territory_values(var, territory)
            only = self.spec(var).get("years")  # e.g. elections: values only in election years
            self._values[key] = {y: v for y, v in vals.items() if y in only} if only else vals
        return self._values[key]


REAL_SERIES = (
    "population_total",
    "population_registered",
    "population_pre_working",
    "population_working",
    "population_post_working",
    "registered_unemployed",
    "live_births",
    "deaths",
    "net_migration",
    "natural_increase",
    "median_gross_wage",
)
