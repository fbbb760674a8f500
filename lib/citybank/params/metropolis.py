"""A metropolis (or any named set of gminas), ``params/metropolis.yml``: its members by TERC, with the source of the
membership list. ``citybank report --cities params/metropolis.yml`` builds every member's baseline report; another
metropolis or a whole voivodeship is another such file (``citybank.newcity.read_codes`` reads it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import Field

from ..errors import UserError
from .core import Loader, ParamsError, ParamsProblem, Registry, Strict, Text3

FILE = "metropolis.yml"


class Member(Strict):
    terc: str = Field(pattern=r"^\d{7}$", description="the gmina's 7-digit TERC code (as the BDL exports' Kod)")
    name: str = Field(min_length=1)


class Metropolis(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9\-]*$")
    name: Text3
    source: str = Field(min_length=20, description="where the membership list comes from (act, date, address)")
    members: list[Member] = Field(min_length=1)


def _problems(model: Metropolis, where: str) -> list[ParamsProblem]:
    out = []
    seen: dict[str, int] = {}
    for i, m in enumerate(model.members):
        if m.terc in seen:
            out.append(ParamsProblem(where, f"members[{i}].terc", f"{m.terc} is already members[{seen[m.terc]}]"))
        seen.setdefault(m.terc, i)
        if m.terc[6] not in "123":
            out.append(
                ParamsProblem(where, f"members[{i}].terc", f"{m.terc}: kind digit {m.terc[6]} is not a gmina (1, 2, 3)")
            )
    return out


def check(reg: Registry, data: Any) -> list[ParamsProblem]:
    """Every problem of params/metropolis.yml, none raised (load_params collects them)."""
    ld = Loader(reg.root)
    model = ld.model(Metropolis, data, reg.root / FILE)
    if model is not None:
        ld.problems.extend(_problems(model, ld.rel(reg.root / FILE)))
    return ld.problems


def read_metropolis(path: str | Path) -> Metropolis:
    """A metropolis file anywhere (``report --cities FILE.yml``), validated; a ParamsError names file and key."""
    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise UserError(f"{p}: cannot be read as YAML ({exc})") from None
    ld = Loader(p.parent)
    model = ld.model(Metropolis, data, p)
    if model is not None:
        ld.problems.extend(_problems(model, ld.rel(p)))
    if ld.problems or model is None:
        raise ParamsError(ld.problems or [ParamsProblem(str(p), "", "could not be read")])
    return model
