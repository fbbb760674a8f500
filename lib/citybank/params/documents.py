"""The city's strategic documents as a catalogue: ``params/documents.yml`` (title, type, adoption date, resolution
number, link). The portal's documents page (``citybank.render.portal``) lists them; the strategy page links to it.

An entry whose facts were not checked against the adopted act says so (``verified: false`` and a ``verify`` note
naming what to check): the page marks it, and a verified entry must give the date, the resolution and the link.

    >>> Document.model_validate({"id": "x", "type": "strategy", "title": {"pl": "a", "en": "b", "de": "c"},
    ...     "adopted": "2016-12", "verified": False, "verify": {"pl": "a", "en": "b", "de": "c"},
    ...     "source": "siemianowice.pl"}).adopted_year
    2016
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from .core import SLUG, Loader, ParamsProblem, Registry, Strict, Text3
from .optional import OptionalFile

FILE = "documents.yml"
DOC_TYPES = ("strategy", "programme", "plan", "study", "report", "policy")
DocType = Literal["strategy", "programme", "plan", "study", "report", "policy"]


class Document(Strict):
    id: str = Field(pattern=SLUG)
    type: DocType
    title: Text3
    title_original: str | None = Field(None, description="the title as adopted (Polish), when known")
    adopted: str | None = Field(
        None,
        pattern=r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$",
        description="adoption date: YYYY-MM-DD, or YYYY-MM / YYYY when only that much is known",
    )
    resolution: str | None = Field(None, description="the council resolution, e.g. 'XXV/250/2016'")
    period: str | None = Field(None, pattern=r"^\d{4}(–|-)\d{4}$", description="the years it covers, e.g. 2016–2030")
    link: str | None = Field(None, pattern=r"^https?://", description="where the adopted text is published")
    category: str | None = Field(None, description="a category of params/categories.yml it belongs to")
    source: str = Field(min_length=1, description="where the facts of this entry come from")
    verified: bool = Field(description="true once date, resolution and link were checked against the adopted act")
    verify: Text3 | None = Field(None, description="what is still to be checked (needed when verified is false)")

    @model_validator(mode="after")
    def _coherent(self) -> Document:
        if self.verified:
            missing = [k for k in ("adopted", "resolution", "link") if getattr(self, k) is None]
            if missing or (self.adopted is not None and len(self.adopted) != 10):
                raise ValueError(
                    "verified: true needs the full adoption date (YYYY-MM-DD), the resolution and the link"
                    + (f"; missing: {', '.join(missing)}" if missing else "")
                )
        elif self.verify is None:
            raise ValueError("verified: false needs 'verify' (pl, en, de): what is still to be checked and where")
        return self

    @property
    def adopted_year(self) -> int | None:
        return int(self.adopted[:4]) if self.adopted else None


def _parse(reg: Registry, data: Any) -> tuple[list[Document], list[ParamsProblem]]:
    loader = Loader(reg.root)
    path = reg.root / FILE
    rel = loader.rel(path)
    if not isinstance(data, dict) or not isinstance(data.get("documents"), list):
        return [], [ParamsProblem(rel, "documents", "expected a top-level 'documents:' list")]
    problems = [
        ParamsProblem(rel, k, "unknown top-level key (only 'documents' is allowed)")
        for k in sorted(set(data) - {"documents"})
    ]
    docs: list[Document] = []
    seen: set[str] = set()
    for i, item in enumerate(data["documents"]):
        ident = item.get("id") if isinstance(item, dict) else None
        where = f"documents[{i}]" + (f" ({ident})" if ident else "")
        doc = loader.model(Document, item, path, where)
        if doc is None:
            continue
        if doc.id in seen:
            problems.append(ParamsProblem(rel, f"{where}.id", f"duplicate document id '{doc.id}'"))
        seen.add(doc.id)
        if doc.category is not None and doc.category not in reg.categories:
            problems.append(
                ParamsProblem(
                    rel,
                    f"{where}.category",
                    f"unknown category '{doc.category}'; expected one of params/categories.yml: "
                    f"{', '.join(sorted(reg.categories))}",
                )
            )
        docs.append(doc)
    problems = [
        ParamsProblem(p.file, p.key, p.message.removeprefix("Value error, ")) for p in loader.problems
    ] + problems
    return docs, problems


PARAMS = OptionalFile("documents", FILE, _parse)
check = PARAMS.check


def load_documents(reg: Registry) -> list[Document]:
    """The documents of params/documents.yml, newest adoption first (an empty list when the file is absent)."""
    docs = PARAMS.load(reg, [])
    return sorted(docs, key=lambda d: (-(d.adopted_year or 0), d.id))
