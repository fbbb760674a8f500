"""The optional files of params/ (survey, strategy, consistency, residents, documents, survey_coding): one loader.

Each file's module declares its parser once — ``parse(reg, data) → (model, problems)``, every problem with the file,
the key and what was expected — and an :class:`OptionalFile` gives it the two uses: ``check`` (every problem, none
raised: :func:`citybank.params.load_params` collects them) and ``load`` (the validated model of a loaded registry,
or a ``ParamsError`` naming the file and the key of each problem)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from .core import ParamsError, ParamsProblem, Registry

T = TypeVar("T")


@dataclass(frozen=True)
class OptionalFile(Generic[T]):
    """``params/<file>``, kept by the registry under ``reg.extra[key]`` when present."""

    key: str
    file: str
    parse: Callable[[Registry, Any], tuple[T | None, list[ParamsProblem]]]

    @property
    def where(self) -> str:
        return f"params/{self.file}"

    def check(self, reg: Registry, data: Any) -> list[ParamsProblem]:
        """Every problem of the file, none raised."""
        return self.parse(reg, data)[1]

    def load(self, reg: Registry, absent: T | None = None) -> T | None:
        """The validated model of the file in ``reg``; ``absent`` when the file is not there."""
        data = reg.extra.get(self.key)
        if data is None:
            return absent
        model, problems = self.parse(reg, data)
        if problems or model is None:
            raise ParamsError(problems or [ParamsProblem(self.where, "", f"could not be read as params/{self.file}")])
        return model
