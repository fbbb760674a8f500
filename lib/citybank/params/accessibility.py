"""The site's accessibility declaration (deklaracja dostępności), ``params/accessibility.yml``.

Polish public bodies must publish one for every website (Act of 4 April 2019 on the digital accessibility of
public bodies' websites and mobile applications, art. 10, in the structure of the minister's template): status
of compliance with the non-compliances, dates of publication, last update and preparation of the declaration,
how it was prepared, contact and the request and complaint procedure, architectural accessibility. The page is
``citybank.render.accessibility``; what only the city knows (contact, dates of publication) stays optional in
the sample, and a render of real data fails while it is missing (``missing_for_publication``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from .core import Loader, ParamsProblem, Registry, Strict, Text3

FILE = "accessibility.yml"


class Contact(Strict):
    name: str | None = Field(None, description="the person or unit answering accessibility requests")
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    phone: str | None = Field(None, pattern=r"^\+?[0-9 ()-]{6,}$")


class Accessibility(Strict):
    status: Literal["full", "partial", "none"] = Field(description="compliance with the Act (WCAG 2.1 AA)")
    non_compliances: list[Text3] = Field(default_factory=list, description="what does not comply, and why")
    prepared: dt.date = Field(description="date the declaration was prepared")
    reviewed: dt.date | None = Field(None, description="date of its last review")
    published: dt.date | None = Field(None, description="date the site was first published")
    updated: dt.date | None = Field(None, description="date of the site's last substantial update")
    method: Literal["self-assessment", "external"] = "self-assessment"
    contact: Contact = Field(default_factory=Contact)
    architectural: Text3 | None = Field(None, description="accessibility of the office building (the law asks)")

    def missing_for_publication(self) -> list[str]:
        """The keys a published (non-sample) site must have filled in."""
        missing = [f"contact.{k}" for k in ("name", "email", "phone") if getattr(self.contact, k) is None]
        missing += [k for k in ("published", "architectural") if getattr(self, k) is None]
        if self.status != "full" and not self.non_compliances:
            missing.append("non_compliances")
        return missing


def check(reg: Registry, data: Any) -> list[ParamsProblem]:
    """Every problem of params/accessibility.yml, none raised (load_params collects them)."""
    ld = Loader(reg.root)
    model = ld.model(Accessibility, data, reg.root / FILE)
    if model is not None:
        for key in ("reviewed", "updated"):
            when = getattr(model, key)
            if when is not None and model.published is not None and when < model.published:
                ld.problems.append(
                    ParamsProblem(
                        ld.rel(reg.root / FILE), key, f"{when} is before the site was published ({model.published})"
                    )
                )
    return ld.problems


def accessibility(reg: Registry) -> Accessibility | None:
    """The validated declaration of a loaded registry (None when params/accessibility.yml is absent)."""
    data = reg.extra.get("accessibility")
    return Accessibility.model_validate(data) if data is not None else None
