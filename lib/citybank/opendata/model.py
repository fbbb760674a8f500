"""The open-data catalogue model: licences, the EU vocabularies, and the catalogue of a year's data package
(its open datasets and their files) built from ``datapackage.json`` and params/ — what every format writes from."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..errors import UserError
from ..params import Registry

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
            "CC0-1.0",
            "https://creativecommons.org/publicdomain/zero/1.0/",
            "CC0 1.0 Public Domain Dedication",
            0,
            "cc-zero",
            "CC0",
            None,
            False,
        ),
        Licence(
            "CC-BY-4.0",
            "https://creativecommons.org/licenses/by/4.0/",
            "Creative Commons Attribution 4.0",
            1,
            "cc-by",
            "CC_BY_4_0",
            "CC BY 4.0",
            True,
        ),
        Licence(
            "CC-BY-SA-4.0",
            "https://creativecommons.org/licenses/by-sa/4.0/",
            "Creative Commons Attribution-ShareAlike 4.0",
            2,
            "cc-by-sa",
            "CC_BYSA_4_0",
            "CC BY-SA 4.0",
            True,
        ),
        Licence(
            "ODbL-1.0",
            "https://opendatacommons.org/licenses/odbl/1-0/",
            "Open Data Commons Open Database License 1.0",
            2,
            "odc-odbl",
            None,
            None,
            True,
        ),
    )
}
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
