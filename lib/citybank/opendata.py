"""The published data package announced to the open-data ecosystem: metadata files beside ``datapackage.json``.

``write_opendata(year, reg, out)`` reads ``reports/<Y>/data/datapackage.json`` (written by
:func:`citybank.publish.publish_year`, which calls this last) and the catalogue in params/ (categories' EU
themes, datasets' providers and years, ``city.yml: open_data``, ``years/<Y>.yml: published``), and writes:

- ``dane_gov_pl.xml`` + ``dane_gov_pl.md5`` — the national portal's harvester XML, schema 1.10
  (namespace ``urn:otwarte-dane:harvester:1.10``). The portal fetches the ``.md5`` at the XML's address with
  ``.xml`` replaced by ``.md5`` and compares its content (the lowercase hex digest alone) with the XML's MD5;
- ``catalog.ttl`` — a DCAT-AP 3 catalogue (Turtle) for data.europa.eu and any DCAT harvester; every
  EU-vocabulary value (theme, frequency, file type, licence, language) is typed in the file itself, as the
  SEMIC range shapes expect;
- ``ckan.jsonl`` — one CKAN package dict per line (``ckanapi load datasets`` reads it; :func:`push_ckan`
  sends it to a CKAN action API);
- ``CITATION.cff`` (CFF 1.2.0) and ``.zenodo.json`` (Zenodo deposit metadata) for academic partners.

One *open dataset* is a group of published files: a category's CSV/Parquet/XLSX, the ISO 37120 indicators
(table + one JSON per indicator), the headline figures. A file belongs to the group named by the first part
of its path (``ludnosc.csv`` → ``ludnosc``, ``iso37120/5.1.json`` → ``iso37120``). Every file of the data
package is a distribution (a resource) of its group in every format, with the title and licence it has in
``datapackage.json``; a group's title is its first file's (``"Ludność / Population"`` → PL and EN).

Dates: ``issued`` is the first ``published`` date among the years up to Y in params/years/, ``modified`` the
year's own; a year without ``published`` gives metadata without those dates (never the clock). Same inputs →
byte-identical files (sorted, no timestamps).

The licence of a file mixing datasets of different licences is the most demanding one (CC0 < CC BY <
CC BY-SA); data under two share-alike licences cannot be combined in one file (a ``UserError`` says which).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import UserError
from .params import Registry
from .safety import MAX_RESPONSE_MB, loads_json
from .util import dumps_json, write_bytes_atomic, write_text_atomic

# ---------------------------------------------------------------- licences


@dataclass(frozen=True)
class Licence:
    """One licence in each ecosystem's words (``rank``: how demanding; same rank >0 = share-alike family)."""

    spdx: str
    url: str
    title: str
    rank: int
    ckan: str
    eu: str | None  # publications.europa.eu licence authority code
    dane_gov_pl: str | None  # dbOrCopyrightedLicenseChosen
    attribution: bool


LICENCE_TABLE: dict[str, Licence] = {
    lic.spdx: lic
    for lic in (
        Licence(
            "CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/", "CC0 1.0 Public Domain Dedication",
            0, "cc-zero", "CC0", None, False,
        ),
        Licence(
            "CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/", "Creative Commons Attribution 4.0",
            1, "cc-by", "CC_BY_4_0", "CC BY 4.0", True,
        ),
        Licence(
            "CC-BY-SA-4.0", "https://creativecommons.org/licenses/by-sa/4.0/",
            "Creative Commons Attribution-ShareAlike 4.0", 2, "cc-by-sa", "CC_BYSA_4_0", "CC BY-SA 4.0", True,
        ),
        Licence(
            "ODbL-1.0", "https://opendatacommons.org/licenses/odbl/1-0/",
            "Open Data Commons Open Database License 1.0", 2, "odc-odbl", None, None, True,
        ),
    )
}  # fmt: skip
LICENCES: dict[str, tuple[str, str]] = {k: (v.url, v.title) for k, v in LICENCE_TABLE.items()}
"""SPDX id → (URL, title), as ``datapackage.json`` names them."""


def effective_licence(licences: Iterable[str], what: str = "") -> str:
    """The licence of a file combining data under ``licences``: the most demanding one.

    >>> effective_licence(["CC0-1.0", "CC-BY-4.0", "CC0-1.0"])
    'CC-BY-4.0'
    """
    found = sorted(set(licences))
    if not found:
        return "CC-BY-4.0"
    if len(found) == 1:
        return found[0]
    unknown = [lic for lic in found if lic not in LICENCE_TABLE]
    if unknown:
        raise UserError(
            f"{what or 'a published file'} combines data under {', '.join(found)}: licence(s) {', '.join(unknown)} "
            f"are not known to citybank.opendata (known: {', '.join(sorted(LICENCE_TABLE))}); use one licence "
            "for the datasets of one category in params/datasets/"
        )
    top = max(LICENCE_TABLE[lic].rank for lic in found)
    tops = [lic for lic in found if LICENCE_TABLE[lic].rank == top]
    if len(tops) > 1:
        raise UserError(
            f"{what or 'a published file'} combines data under {' and '.join(tops)}: two share-alike licences "
            "cannot be combined in one file; give the category's datasets compatible licences in params/datasets/"
        )
    return tops[0]


# ---------------------------------------------------------------- vocabularies

THEME_LABELS: dict[str, tuple[str, str]] = {
    "AGRI": ("Rolnictwo, rybołówstwo, leśnictwo i żywność", "Agriculture, fisheries, forestry and food"),
    "ECON": ("Gospodarka i finanse", "Economy and finance"),
    "EDUC": ("Edukacja, kultura i sport", "Education, culture and sport"),
    "ENER": ("Energia", "Energy"),
    "ENVI": ("Środowisko", "Environment"),
    "GOVE": ("Rząd i sektor publiczny", "Government and public sector"),
    "HEAL": ("Zdrowie", "Health"),
    "INTR": ("Kwestie międzynarodowe", "International issues"),
    "JUST": ("Sprawiedliwość, ustrój sądów i bezpieczeństwo publiczne", "Justice, legal system and public safety"),
    "REGI": ("Regiony i miasta", "Regions and cities"),
    "SOCI": ("Ludność i społeczeństwo", "Population and society"),
    "TECH": ("Nauka i technologia", "Science and technology"),
    "TRAN": ("Transport", "Transport"),
}
"""The EU data themes (dane.gov.pl's category codes are the same), PL label as dane.gov.pl's XSD, EN as the EU's."""
EU = "http://publications.europa.eu/resource/authority/"
FILE_TYPES = {"csv": "CSV", "xlsx": "XLSX", "parquet": "PARQUET", "json": "JSON", "xml": "XML", "pdf": "PDF"}
LANGUAGES = {"pl": "POL", "en": "ENG", "de": "DEU"}
DANE_FREQUENCY = "yearly"
EU_FREQUENCY = "ANNUAL"
"""The published files are renewed once a year, with the report (whatever the providers' own rhythm)."""
XML_NS = "urn:otwarte-dane:harvester:1.10"
XML_LIMITS = {"extIdent": 36, "title": 300, "description": 1000}

FILES = {
    "xml": "dane_gov_pl.xml",
    "md5": "dane_gov_pl.md5",
    "dcat": "catalog.ttl",
    "ckan": "ckan.jsonl",
    "cff": "CITATION.cff",
    "zenodo": ".zenodo.json",
}
"""The metadata files written beside datapackage.json."""


# ---------------------------------------------------------------- the catalogue model


@dataclass(frozen=True)
class Distribution:
    """One published file, as datapackage.json describes it."""

    name: str
    path: str
    url: str
    title: str
    title_pl: str
    title_en: str
    description_pl: str
    description_en: str
    format: str
    mediatype: str
    bytes: int
    sha256: str
    licence: str


@dataclass(frozen=True)
class OpenDataset:
    """A group of published files announced as one dataset."""

    id: str
    title: str
    title_pl: str
    title_en: str
    description_pl: str
    description_en: str
    themes: tuple[str, ...]
    keywords_pl: tuple[str, ...]
    keywords_en: tuple[str, ...]
    licence: str
    sources: tuple[str, ...]  # params/datasets ids
    providers: tuple[str, ...]  # provider names (PL)
    regions: tuple[str, ...]  # TERC codes the data concern
    first_year: int | None
    last_year: int | None
    distributions: tuple[Distribution, ...]


@dataclass(frozen=True)
class Catalogue:
    year: int
    name: str
    title: str
    description_pl: str
    description_en: str
    version: str
    homepage: str | None
    base_url: str
    data_url: str
    publisher_pl: str
    publisher_en: str
    contact_email: str | None
    ckan_organization: str
    city: str
    terc: str
    languages: tuple[str, ...]
    licence: str
    issued: dt.date | None
    modified: dt.date | None
    keywords: tuple[str, ...]
    datasets: tuple[OpenDataset, ...]


def split_title(title: str) -> tuple[str, str]:
    """``"Ludność / Population"`` → ``("Ludność", "Population")``; a title without `` / `` is both."""
    pl, sep, en = title.partition(" / ")
    return (pl.strip(), en.strip()) if sep else (title, title)


def group_of(path: str) -> str:
    """The open dataset a published file belongs to: the first part of its path, without extension."""
    return path.split("/", 1)[0].split(".", 1)[0]


def release_dates(reg: Registry, year: int) -> tuple[dt.date | None, dt.date | None]:
    """(issued, modified): the first ``published`` date of the years up to ``year``, and the year's own."""
    dates = [y.published for y in reg.years.values() if y.year <= year and y.published is not None]
    own = reg.years[year].published if year in reg.years else None
    return (min(dates) if dates else None), own


def _licence_of(res: dict[str, Any], package: dict[str, Any]) -> str:
    lics = res.get("licenses") or package.get("licenses") or [{"name": "CC-BY-4.0"}]
    return effective_licence([lic["name"] for lic in lics], f"datapackage.json resource '{res.get('name')}'")


def catalogue(reg: Registry, year: int, package: dict[str, Any]) -> Catalogue:
    """The catalogue of a year's data package: the groups of its files, with words and themes from params."""
    od = reg.city.open_data
    if od is None:
        raise UserError("params/city.yml has no open_data block (base_url, publisher, ckan_organization)")
    data_url = f"{od.base_url}{year}/data/"
    groups: dict[str, list[dict[str, Any]]] = {}
    for res in package.get("resources", []):
        groups.setdefault(group_of(res["path"]), []).append(res)
    datasets = []
    city_regions = (reg.city.terc,)
    peer_regions = tuple(sorted({reg.city.terc, *(p.code for p in reg.city.peers)}))
    for gid, members in groups.items():
        dists = []
        for res in members:
            t_pl, t_en = split_title(res.get("title") or res["name"])
            dists.append(
                Distribution(
                    name=res["name"],
                    path=res["path"],
                    url=data_url + res["path"],
                    title=res.get("title") or res["name"],
                    title_pl=t_pl,
                    title_en=t_en,
                    description_pl=res.get("description_pl") or members[0].get("description_pl") or t_pl,
                    description_en=res.get("description") or members[0].get("description") or t_en,
                    format=res["format"],
                    mediatype=res["mediatype"],
                    bytes=int(res["bytes"]),
                    sha256=res["hash"].removeprefix("sha256:"),
                    licence=_licence_of(res, package),
                )
            )
        first = dists[0]
        if gid in reg.categories:
            cat = reg.categories[gid]
            variables = {v["id"] for res in members for v in res.get("variables", [])}
            sources = sorted(d.id for d in reg.datasets.values() if d.category == gid and set(d.variables) & variables)
            themes = tuple(cat.eu_themes)
            kw_pl = (cat.name.pl, reg.city.name, *sorted({k for s in sources for k in reg.datasets[s].keywords}))
            kw_en = (cat.name.en, "city data bank")
            regions = peer_regions
            years = [reg.datasets[s].first_year for s in sources]
            first_year, last_year = (min(years), year) if years else (None, None)
        else:
            sources = []
            themes = ("REGI",)
            kw_pl = ("ISO 37120", reg.city.name) if gid.startswith("iso37120") else (reg.city.name, "bank danych")
            kw_en = ("ISO 37120", "city indicators") if gid.startswith("iso37120") else ("city data bank",)
            regions = city_regions
            prev = reg.years[year].compare_with if year in reg.years else year - 1
            first_year, last_year = (prev if gid == "headlines" else year), year
        providers = sorted({reg.providers[reg.datasets[s].provider].name.pl for s in sources})
        datasets.append(
            OpenDataset(
                id=gid,
                title=first.title,
                title_pl=first.title_pl,
                title_en=first.title_en,
                description_pl=first.description_pl,
                description_en=first.description_en,
                themes=themes,
                keywords_pl=tuple(dict.fromkeys(kw_pl)),
                keywords_en=tuple(dict.fromkeys(kw_en)),
                licence=effective_licence([d.licence for d in dists], f"open dataset '{gid}'"),
                sources=tuple(sources),
                providers=tuple(providers),
                regions=regions,
                first_year=first_year,
                last_year=last_year,
                distributions=tuple(dists),
            )
        )
    issued, modified = release_dates(reg, year)
    return Catalogue(
        year=year,
        name=package.get("name", f"{reg.city.slug}-{year}"),
        title=package.get("title", reg.city.name),
        description_pl=package.get("description_pl", package.get("description", "")),
        description_en=package.get("description", ""),
        version=str(package.get("version", year)),
        homepage=package.get("homepage") or reg.city.portal,
        base_url=od.base_url,
        data_url=data_url,
        publisher_pl=od.publisher.pl,
        publisher_en=od.publisher.en,
        contact_email=od.contact_email,
        ckan_organization=od.ckan_organization,
        city=reg.city.name,
        terc=reg.city.terc,
        languages=tuple(reg.city.languages),
        licence=effective_licence([d.licence for d in datasets], "the data package"),
        issued=issued,
        modified=modified,
        keywords=tuple(package.get("keywords", [])),
        datasets=tuple(sorted(datasets, key=lambda d: d.id)),
    )


# ---------------------------------------------------------------- dane.gov.pl harvester XML


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


# ---------------------------------------------------------------- DCAT-AP 3 (Turtle)


def dcat_graph(cat: Catalogue) -> Any:
    """The catalogue as an rdflib graph (DCAT-AP 3: Catalog, Dataset, Distribution, Agent, vocabularies typed)."""
    # rdflib takes a second to import: only the writer of the Turtle file pays for it.
    from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCAT, DCTERMS, FOAF, SKOS

    DCT = DCTERMS
    SPDX = Namespace("http://spdx.org/rdf/terms#")
    VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
    DCATAP = Namespace("http://data.europa.eu/r5r/")
    ADMS = "http://purl.org/adms/"
    g = Graph()
    for prefix, ns in (
        ("dcat", DCAT), ("dcatap", DCATAP), ("dct", DCT), ("foaf", FOAF), ("skos", SKOS), ("spdx", SPDX),
        ("vcard", VCARD),
    ):  # fmt: skip
        g.bind(prefix, ns)
    base = cat.base_url + "dcat/"
    catalog = URIRef(f"{base}catalog")
    publisher = URIRef(f"{base}publisher")
    themes_scheme = URIRef(f"{EU}data-theme")

    def date(d: dt.date) -> Literal:
        return Literal(d.isoformat(), datatype=XSD.date)

    def typed(uri: str, cls: URIRef) -> URIRef:
        node = URIRef(uri)
        g.add((node, RDF.type, cls))
        return node

    def concept(uri: str, label: str) -> URIRef:
        node = typed(uri, SKOS.Concept)
        g.add((node, SKOS.prefLabel, Literal(label, lang="en")))
        return node

    def licence(spdx: str) -> URIRef:
        lic = LICENCE_TABLE.get(spdx)
        node = typed(f"{EU}licence/{lic.eu}" if lic and lic.eu else (lic.url if lic else spdx), DCT.LicenseDocument)
        g.add((node, DCT.identifier, Literal(spdx)))
        kind = "PublicDomain" if lic and lic.rank == 0 else "ShareAlike" if lic and lic.rank == 2 else "Attribution"
        g.add((node, DCT.type, concept(f"{ADMS}licencetype/{kind}", kind)))
        return node

    g.add((catalog, RDF.type, DCAT.Catalog))
    g.add((catalog, DCT.title, Literal(cat.title, lang="pl")))
    g.add((catalog, DCT.description, Literal(cat.description_pl, lang="pl")))
    g.add((catalog, DCT.description, Literal(cat.description_en, lang="en")))
    g.add((catalog, DCT.publisher, publisher))
    g.add((catalog, DCT.license, licence(cat.licence)))
    g.add((catalog, DCAT.themeTaxonomy, themes_scheme))
    g.add((themes_scheme, RDF.type, SKOS.ConceptScheme))
    g.add((themes_scheme, DCT.title, Literal("Data theme", lang="en")))
    if cat.homepage:
        g.add((catalog, FOAF.homepage, typed(cat.homepage, FOAF.Document)))
    for lang in cat.languages:
        g.add((catalog, DCT.language, typed(f"{EU}language/{LANGUAGES[lang]}", DCT.LinguisticSystem)))
    if cat.issued:
        g.add((catalog, DCT.issued, date(cat.issued)))
    if cat.modified:
        g.add((catalog, DCT.modified, date(cat.modified)))

    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, DCT.type, concept(f"{ADMS}publishertype/LocalAuthority", "Local Authority")))
    place = typed(f"{base}place/{cat.terc}", DCT.Location)
    g.add((place, DCT.identifier, Literal(f"TERC {cat.terc}")))
    g.add((place, SKOS.prefLabel, Literal(cat.city, lang="pl")))
    country = typed(f"{EU}country/POL", DCT.Location)
    g.add((catalog, DCT.spatial, place))
    contact = URIRef(f"{base}contact")
    g.add((contact, RDF.type, VCARD["Kind"]))
    g.add((contact, VCARD["fn"], Literal(cat.publisher_pl, lang="pl")))
    if cat.homepage:
        g.add((contact, VCARD["hasURL"], URIRef(cat.homepage)))
    if cat.contact_email:
        g.add((contact, VCARD["hasEmail"], URIRef(f"mailto:{cat.contact_email}")))
    stable = concept(f"{EU}planned-availability/STABLE", "stable")
    g.add((publisher, FOAF.name, Literal(cat.publisher_pl, lang="pl")))
    g.add((publisher, FOAF.name, Literal(cat.publisher_en, lang="en")))

    frequency = typed(f"{EU}frequency/{EU_FREQUENCY}", DCT.Frequency)
    for ds in cat.datasets:
        node = URIRef(f"{base}dataset/{ds.id}")
        g.add((catalog, DCAT.dataset, node))
        g.add((node, RDF.type, DCAT.Dataset))
        g.add((node, DCT.identifier, Literal(ds.id)))
        g.add((node, DCT.title, Literal(ds.title_pl, lang="pl")))
        g.add((node, DCT.title, Literal(ds.title_en, lang="en")))
        g.add((node, DCT.description, Literal(ds.description_pl, lang="pl")))
        g.add((node, DCT.description, Literal(ds.description_en, lang="en")))
        g.add((node, DCT.publisher, publisher))
        g.add((node, DCT.accrualPeriodicity, frequency))
        g.add((node, DCT.license, licence(ds.licence)))
        for kw in ds.keywords_pl:
            g.add((node, DCAT.keyword, Literal(kw, lang="pl")))
        for kw in ds.keywords_en:
            g.add((node, DCAT.keyword, Literal(kw, lang="en")))
        for theme in ds.themes:
            t = typed(f"{EU}data-theme/{theme}", SKOS.Concept)
            g.add((t, SKOS.prefLabel, Literal(THEME_LABELS[theme][0], lang="pl")))
            g.add((t, SKOS.prefLabel, Literal(THEME_LABELS[theme][1], lang="en")))
            g.add((t, SKOS.inScheme, themes_scheme))
            g.add((node, DCAT.theme, t))
        if cat.homepage:
            g.add((node, DCAT.landingPage, typed(cat.homepage, FOAF.Document)))
        if cat.issued:
            g.add((node, DCT.issued, date(cat.issued)))
        if cat.modified:
            g.add((node, DCT.modified, date(cat.modified)))
        g.add((node, DCAT.contactPoint, contact))
        g.add((node, DCT.spatial, place))
        g.add((node, DCT.spatial, country))
        if ds.first_year and ds.last_year:
            period = BNode(f"period-{ds.id}")
            g.add((period, RDF.type, DCT.PeriodOfTime))
            g.add((period, DCAT.startDate, date(dt.date(ds.first_year, 1, 1))))
            g.add((period, DCAT.endDate, date(dt.date(ds.last_year, 12, 31))))
            g.add((node, DCT.temporal, period))
        for dist in ds.distributions:
            dn = URIRef(f"{base}{cat.year}/distribution/{dist.name}")
            url = URIRef(dist.url)
            g.add((node, DCAT.distribution, dn))
            g.add((dn, RDF.type, DCAT.Distribution))
            g.add((dn, DCT.identifier, Literal(dist.name)))
            g.add((dn, DCT.title, Literal(dist.title_pl, lang="pl")))
            g.add((dn, DCT.title, Literal(dist.title_en, lang="en")))
            g.add((dn, DCT.description, Literal(dist.description_pl, lang="pl")))
            g.add((dn, DCT.description, Literal(dist.description_en, lang="en")))
            g.add((dn, DCAT.accessURL, url))
            g.add((dn, DCATAP.availability, stable))
            g.add((dn, DCAT.downloadURL, url))
            g.add((dn, DCT.license, licence(dist.licence)))
            g.add((dn, DCAT.byteSize, Literal(dist.bytes, datatype=XSD.nonNegativeInteger)))
            g.add(
                (
                    dn,
                    DCAT.mediaType,
                    typed(f"https://www.iana.org/assignments/media-types/{dist.mediatype}", DCT.MediaType),
                )
            )
            if dist.format in FILE_TYPES:
                g.add((dn, DCT.format, typed(f"{EU}file-type/{FILE_TYPES[dist.format]}", DCT.MediaTypeOrExtent)))
            checksum = BNode(f"checksum-{cat.year}-{dist.name}")
            g.add((checksum, RDF.type, SPDX["Checksum"]))
            g.add((checksum, SPDX["algorithm"], typed(f"{SPDX}checksumAlgorithm_sha256", SPDX["ChecksumAlgorithm"])))
            g.add((checksum, SPDX["checksumValue"], Literal(dist.sha256, datatype=XSD.hexBinary)))
            g.add((dn, SPDX["checksum"], checksum))
            if cat.modified:
                g.add((dn, DCT.modified, date(cat.modified)))
    return g


def dcat_turtle(cat: Catalogue) -> str:
    """The DCAT-AP catalogue in Turtle (rdflib's serializer orders subjects and predicates: stable bytes)."""
    text = dcat_graph(cat).serialize(format="turtle")
    return text if text.endswith("\n") else text + "\n"


# ---------------------------------------------------------------- CKAN


def ckan_name(cat: Catalogue, ds: OpenDataset) -> str:
    """The CKAN package name: ``<organisation>-<open dataset>`` (lowercase, unique on the CKAN site)."""
    return f"{cat.ckan_organization}-{ds.id}"[:100]


def ckan_packages(cat: Catalogue) -> list[dict[str, Any]]:
    """One CKAN package dict per open dataset (``package_create`` / ``ckanapi load datasets`` input)."""
    out = []
    for ds in cat.datasets:
        lic = LICENCE_TABLE.get(ds.licence)
        extras = {
            "frequency": DANE_FREQUENCY,
            "theme": " ".join(ds.themes),
            "language": " ".join(cat.languages),
            "spatial_terc": " ".join(ds.regions),
            "report_year": str(cat.year),
            "title_en": ds.title_en,
            "notes_en": ds.description_en,
        }
        if ds.sources:
            extras["source_datasets"] = " ".join(ds.sources)
            extras["providers"] = "; ".join(ds.providers)
        if ds.first_year and ds.last_year:
            extras["temporal_start"], extras["temporal_end"] = str(ds.first_year), str(ds.last_year)
        if cat.issued:
            extras["issued"] = cat.issued.isoformat()
        if cat.modified:
            extras["modified"] = cat.modified.isoformat()
        pkg: dict[str, Any] = {
            "name": ckan_name(cat, ds),
            "title": ds.title,
            "notes": ds.description_pl if ds.description_pl == ds.description_en else
            f"{ds.description_pl}\n\n{ds.description_en}",
            "license_id": lic.ckan if lic else ds.licence,
            "owner_org": cat.ckan_organization,
            "author": cat.publisher_pl,
            "version": cat.version,
            "tags": [{"name": t} for t in dict.fromkeys((*ds.keywords_pl, *ds.keywords_en))],
            "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())],
            "resources": [
                {
                    "name": d.title,
                    "description": d.description_pl if d.description_pl == d.description_en else
                    f"{d.description_pl}\n\n{d.description_en}",
                    "url": d.url,
                    "format": d.format.upper(),
                    "mimetype": d.mediatype,
                    "size": d.bytes,
                    "hash": f"sha256:{d.sha256}",
                    "license_id": LICENCE_TABLE[d.licence].ckan if d.licence in LICENCE_TABLE else d.licence,
                }
                for d in ds.distributions
            ],
        }  # fmt: skip
        if cat.homepage:
            pkg["url"] = cat.homepage
        if cat.contact_email:
            pkg["maintainer_email"] = cat.contact_email
        out.append(pkg)
    return out


def ckan_jsonl(cat: Catalogue) -> str:
    return "".join(json.dumps(p, ensure_ascii=False, sort_keys=True) + "\n" for p in ckan_packages(cat))


def read_ckan_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """The packages of a ``ckan.jsonl`` file; a broken line is named."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path} does not exist: run `citybank publish --year Y` first (it writes ckan.jsonl)")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            pkg = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UserError(f"{path}, line {n}: not JSON ({exc.msg}); expected one CKAN package dict per line") from exc
        if not isinstance(pkg, dict) or "name" not in pkg:
            raise UserError(f"{path}, line {n}: expected a CKAN package dict with a 'name'")
        out.append(pkg)
    return out


@dataclass(frozen=True)
class CkanCall:
    action: str
    name: str
    status: str  # "sent", "dry-run"


CKAN_RETRIES = 2
"""A CKAN call that times out, is dropped or answers 5xx is sent again this many times (1 s, then 2 s later)."""


def _ckan_post(
    url: str, action: str, payload: dict[str, Any], api_key: str | None, timeout: float, sleep=time.sleep
) -> dict:
    """POST one action, retried ``CKAN_RETRIES`` times on a timeout, a dropped connection or a 5xx answer."""
    for attempt in range(CKAN_RETRIES + 1):
        try:
            return _ckan_post_once(url, action, payload, api_key, timeout)
        except _CkanTransient as exc:
            if attempt == CKAN_RETRIES:
                raise UserError(f"{exc} (after {attempt + 1} attempts, each bounded by {timeout:g} s)") from None
            sleep(2.0**attempt)
    raise AssertionError("unreachable")


class _CkanTransient(Exception):
    """A CKAN failure worth one more try: no answer in time, a dropped connection, a 5xx answer."""


def _ckan_post_once(url: str, action: str, payload: dict[str, Any], api_key: str | None, timeout: float) -> dict:
    """POST one action; the response's ``result``, or None when CKAN says Not Found (package_show)."""
    req = urllib.request.Request(
        f"{url.rstrip('/')}/api/3/action/{action}",
        data=json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8"),
        headers={"Content-Type": "application/json", **({"Authorization": api_key} if api_key else {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (the analyst's CKAN address)
            body = loads_json(resp.read(int(MAX_RESPONSE_MB * 1024 * 1024)), where=f"CKAN's answer to {action}")
    except urllib.error.HTTPError as exc:
        if exc.code >= 500:
            raise _CkanTransient(f"CKAN at {url} answered HTTP {exc.code} to {action}; try again later") from None
        try:
            body = loads_json(exc.read(1 << 20), where=f"CKAN's answer to {action}")
        except (ValueError, UnicodeDecodeError, UserError):
            body = {"success": False, "error": {"message": f"HTTP {exc.code} {exc.reason}"}}
        if action == "package_show" and exc.code == 404:
            return {}
        raise UserError(f"CKAN at {url} refused {action} of '{payload.get('name', payload.get('id'))}': "
                        f"{_ckan_error(body)} (HTTP {exc.code})") from exc  # fmt: skip
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise _CkanTransient(f"cannot reach CKAN at {url} ({exc}); check --url and the network") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"CKAN at {url} answered {action} with something that is not JSON ({exc})") from None
    if not body.get("success"):
        raise UserError(f"CKAN at {url} refused {action}: {_ckan_error(body)}")
    return body.get("result") or {}


def _ckan_error(body: dict[str, Any]) -> str:
    err = body.get("error") or {}
    if isinstance(err, dict):
        return "; ".join(f"{k}: {v}" for k, v in sorted(err.items()) if k != "__type") or str(err.get("__type"))
    return str(err)


def push_ckan(
    packages: list[dict[str, Any]],
    url: str,
    api_key: str | None,
    *,
    dry_run: bool = False,
    timeout: float = 30.0,
    log: Callable[[str], None] = lambda _: None,
) -> list[CkanCall]:
    """Create or update each package on a CKAN site through its action API.

    Per package: ``package_show`` (does it exist?), then ``package_update`` — with the package's id, and the
    ids of its resources matched by name, so that links to them survive — or ``package_create``. ``dry_run``
    sends nothing and needs no key. Every call is bounded by ``timeout`` seconds; the first refusal stops the
    push with CKAN's message.
    """
    if not url.startswith(("http://", "https://")):
        raise UserError(f"--url must be the CKAN site's address (http:// or https://), not '{url}'")
    if not dry_run and not api_key:
        raise UserError("no CKAN API key: put it in the environment variable named by --api-key-env")
    calls = []
    for pkg in packages:
        name = pkg["name"]
        if dry_run:
            log(f"  would send {name} ({len(pkg.get('resources', []))} resources): package_show, then update or create")
            calls.append(CkanCall("package_create|package_update", name, "dry-run"))
            continue
        existing = _ckan_post(url, "package_show", {"id": name}, api_key, timeout)
        if existing:
            ids = {r.get("name"): r.get("id") for r in existing.get("resources", []) if r.get("id")}
            body = {**pkg, "id": existing.get("id", name)}
            body["resources"] = [{**r, "id": ids[r["name"]]} if r.get("name") in ids else r for r in pkg["resources"]]
            _ckan_post(url, "package_update", body, api_key, timeout)
            action = "package_update"
        else:
            _ckan_post(url, "package_create", pkg, api_key, timeout)
            action = "package_create"
        log(f"  {action} {name} ({len(pkg.get('resources', []))} resources)")
        calls.append(CkanCall(action, name, "sent"))
    return calls


# ---------------------------------------------------------------- CITATION.cff and .zenodo.json


def _yaml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML double-quoted scalar


def citation_cff(cat: Catalogue) -> str:
    """CITATION.cff (CFF 1.2.0) of the data package: the publisher as author, its files as the data."""
    lines = [
        "# Citation metadata of the published data package (Citation File Format 1.2.0, citation-file-format.github.io).",
        'cff-version: "1.2.0"',
        'message: "If you use these data, please cite them as below."',
        "type: dataset",
        f"title: {_yaml_str(cat.title)}",
        f"abstract: {_yaml_str(cat.description_en)}",
        "authors:",
        f"  - name: {_yaml_str(cat.publisher_pl)}",
        f"version: {_yaml_str(cat.version)}",
        f"license: {_yaml_str(cat.licence)}",
    ]
    if cat.modified:
        lines.append(f'date-released: "{cat.modified.isoformat()}"')
    if cat.homepage:
        lines.append(f"url: {_yaml_str(cat.homepage)}")
    lines.append(f"repository: {_yaml_str(cat.data_url)}")
    if cat.keywords:
        lines.append("keywords:")
        lines += [f"  - {_yaml_str(k)}" for k in cat.keywords]
    if cat.contact_email:
        lines += ["contact:", f"  - name: {_yaml_str(cat.publisher_pl)}", f"    email: {_yaml_str(cat.contact_email)}"]
    return "\n".join(lines) + "\n"


def zenodo_metadata(cat: Catalogue) -> dict[str, Any]:
    """``.zenodo.json``: Zenodo's deposit metadata for the data package (upload type dataset)."""
    lic = LICENCE_TABLE.get(cat.licence)
    files = [d for ds in cat.datasets for d in ds.distributions]
    description = (
        f'<p>{cat.description_en}</p><p lang="pl">{cat.description_pl}</p>'
        f"<p>{len(cat.datasets)} datasets, {len(files)} files: {cat.data_url}</p>"
    )
    meta: dict[str, Any] = {
        "upload_type": "dataset",
        "title": cat.title,
        "description": description,
        "creators": [{"name": cat.publisher_pl}],
        "access_right": "open",
        "license": cat.licence.lower() if lic else cat.licence,
        "version": cat.version,
        "language": "pol",
        "keywords": list(cat.keywords),
        "related_identifiers": [
            {"identifier": d.url, "relation": "hasPart", "resource_type": "dataset", "scheme": "url"} for d in files
        ],
    }
    if cat.modified:
        meta["publication_date"] = cat.modified.isoformat()
    if cat.homepage:
        meta["related_identifiers"].insert(
            0, {"identifier": cat.homepage, "relation": "isDocumentedBy", "resource_type": "other", "scheme": "url"}
        )
    return meta


# ---------------------------------------------------------------- writing


def write_opendata(year: int, reg: Registry, out: str | Path) -> list[Path]:
    """Write the metadata files of ``out/datapackage.json`` (see the module docstring); [] without
    ``open_data`` in params/city.yml."""
    out = Path(out)
    if reg.city.open_data is None:
        return []
    pkg_path = out / "datapackage.json"
    if not pkg_path.is_file():
        raise UserError(f"{pkg_path} does not exist: run `citybank publish --year {year}` first")
    package = json.loads(pkg_path.read_text(encoding="utf-8"))
    cat = catalogue(reg, year, package)
    xml = dane_gov_pl_xml(cat)
    written = [
        write_bytes_atomic(out / FILES["xml"], xml),
        write_text_atomic(out / FILES["md5"], hashlib.md5(xml).hexdigest() + "\n"),
        write_text_atomic(out / FILES["dcat"], dcat_turtle(cat)),
        write_text_atomic(out / FILES["ckan"], ckan_jsonl(cat)),
        write_text_atomic(out / FILES["cff"], citation_cff(cat)),
        write_text_atomic(out / FILES["zenodo"], dumps_json(zenodo_metadata(cat))),
    ]
    return sorted(written)


__all__ = [
    "FILES",
    "LICENCES",
    "LICENCE_TABLE",
    "Catalogue",
    "OpenDataset",
    "Distribution",
    "catalogue",
    "ckan_packages",
    "citation_cff",
    "dane_gov_pl_xml",
    "dcat_graph",
    "dcat_turtle",
    "effective_licence",
    "push_ckan",
    "read_ckan_jsonl",
    "write_opendata",
    "zenodo_metadata",
]
