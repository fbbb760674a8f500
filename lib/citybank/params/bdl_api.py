"""How ``citybank fetch-bdl`` talks to the GUS BDL REST API: ``params/bdl_api.yml`` (base URL, language, page
size, quotas, retries). The client id is never in a file: it is read from the environment variable the file
names. The client itself is ``citybank.ingest.fetch``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, model_validator

from .core import Loader, ParamsError, ParamsProblem, Registry, Strict

FILE = "bdl_api.yml"


class Quotas(Strict):
    """Requests allowed per time window (seconds → count)."""

    anonymous: dict[int, int] = Field(min_length=1)
    registered: dict[int, int] = Field(min_length=1)


class BdlApi(Strict):
    base_url: str = Field(pattern=r"^https?://")
    lang: str = "pl"
    page_size: int = Field(100, ge=1, le=100)
    client_id_env: str = Field("BDL_CLIENT_ID", pattern=r"^[A-Z_][A-Z0-9_]*$")
    quotas: Quotas
    retries: int = Field(5, ge=0, le=20, description="retries of a 429 answer, a 5xx answer or a network error")
    backoff_seconds: float = Field(1.0, gt=0, description="first wait before a retry; doubled each time")
    max_backoff_seconds: float = Field(60.0, gt=0)
    max_retry_after_seconds: float = Field(900.0, gt=0, description="a longer Retry-After stops the fetch")
    timeout_seconds: float = Field(30.0, gt=0)
    vars_per_request: int = Field(50, ge=1, description="variable ids per /data/by-unit request")

    @model_validator(mode="after")
    def _windows(self) -> BdlApi:
        for name, q in (("anonymous", self.quotas.anonymous), ("registered", self.quotas.registered)):
            bad = [w for w, n in q.items() if w <= 0 or n <= 0]
            if bad:
                raise ValueError(f"quotas.{name}: windows and counts must be positive (found {bad})")
        return self


def check(reg: Registry, data: Any) -> list[ParamsProblem]:
    """Every problem of params/bdl_api.yml, none raised (load_params collects them)."""
    ld = Loader(reg.root)
    ld.model(BdlApi, data, reg.root / FILE)
    return ld.problems


def load_bdl_api(root: str | Path) -> BdlApi:
    """The validated ``params/bdl_api.yml`` of the params folder ``root``; ParamsError names each problem."""
    root = Path(root)
    ld = Loader(root)
    data = ld.read(root / FILE)
    model = ld.model(BdlApi, data, root / FILE) if data is not None else None
    if ld.problems or model is None:
        raise ParamsError(ld.problems or [ParamsProblem(FILE, "", "could not be read")])
    return model
