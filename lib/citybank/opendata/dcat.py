"""DCAT-AP 3 (Turtle) for data.europa.eu and any DCAT harvester; every EU-vocabulary value typed in the file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .model import EU, EU_FREQUENCY, FILE_TYPES, LANGUAGES, LICENCE_TABLE, THEME_LABELS, Catalogue


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
        ("dcat", DCAT),
        ("dcatap", DCATAP),
        ("dct", DCT),
        ("foaf", FOAF),
        ("skos", SKOS),
        ("spdx", SPDX),
        ("vcard", VCARD),
    ):
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
