"""dane.gov.pl's harvester XML (schema 1.10, namespace ``urn:otwarte-dane:harvester:1.10``)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..errors import UserError
from .model import DANE_FREQUENCY, LICENCE_TABLE, XML_LIMITS, XML_NS, Catalogue


def _limit(text: str, field: str, where: str) -> str:
    limit = XML_LIMITS[field]
    if len(text) > limit:
        raise UserError(
            f"dane.gov.pl accepts at most {limit} characters in {field}; {where} has {len(text)}: "
            f"shorten it in params/ ({text[:60]}…)"
        )
    return text


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{XML_NS}}}{tag}", attrib)
    if text is not None:
        el.text = text
    return el


def _bilingual(parent: ET.Element, tag: str, pl: str, en: str, field: str, where: str) -> None:
    el = _sub(parent, tag)
    _sub(el, "polish", _limit(pl, field, where))
    if en and en != pl:
        _sub(el, "english", _limit(en, field, where))


def dane_gov_pl_xml(cat: Catalogue) -> bytes:
    """The harvester XML (schema 1.10): one ``dataset`` per open dataset, one ``resource`` per file."""
    ET.register_namespace("", XML_NS)
    root = ET.Element(f"{{{XML_NS}}}datasets")
    updated = f"{cat.modified.isoformat()}T00:00:00" if cat.modified else None
    for ds in cat.datasets:
        where = f"open dataset '{ds.id}'"
        d = _sub(root, "dataset", status="published")
        _sub(d, "extIdent", _limit(ds.id, "extIdent", where))
        _bilingual(d, "title", ds.title_pl, ds.title_en, "title", where)
        _bilingual(d, "description", ds.description_pl, ds.description_en, "description", where)
        if cat.homepage:
            _sub(d, "url", cat.homepage)
        _sub(d, "updateFrequency", DANE_FREQUENCY)
        cats = _sub(d, "categories")
        for theme in ds.themes:
            _sub(cats, "category", theme)
        lic = LICENCE_TABLE.get(ds.licence)
        cond = _sub(d, "conditions")
        _sub(cond, "source", "true" if lic is None or lic.attribution else "false")
        _sub(cond, "modification", "true" if lic is None or lic.attribution else "false")
        if lic is not None and lic.dane_gov_pl:
            _sub(cond, "dbOrCopyrightedLicenseChosen", lic.dane_gov_pl)
        elif lic is None or lic.rank > 0:
            _sub(cond, "dbOrCopyrighted", f"{ds.licence}: {lic.url if lic else ds.licence}")
        resources = _sub(d, "resources")
        for dist in ds.distributions:
            r = _sub(resources, "resource", status="published")
            _sub(r, "extIdent", _limit(dist.name, "extIdent", f"file {dist.path}"))
            _sub(r, "url", dist.url)
            _bilingual(r, "title", dist.title_pl, dist.title_en, "title", f"file {dist.path}")
            _bilingual(r, "description", dist.description_pl, dist.description_en, "description", f"file {dist.path}")
            _sub(r, "availability", "remote")
            _sub(r, "dataDate", f"{cat.year}-12-31")
            if updated:
                _sub(r, "lastUpdateDate", updated)
            regions = _sub(r, "regions")
            for code in ds.regions:
                _sub(regions, "terytIdent", code)
        tags = _sub(d, "tags")
        for kw in ds.keywords_pl:
            _sub(tags, "tag", kw, lang="pl")
        for kw in ds.keywords_en:
            _sub(tags, "tag", kw, lang="en")
        if updated:
            _sub(d, "lastUpdateDate", updated)
    ET.indent(root, space="  ")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n").encode("utf-8")
