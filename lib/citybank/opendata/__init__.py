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

One module per format: ``model`` (licences, vocabularies, the catalogue), ``dane_gov_pl``, ``dcat``, ``ckan``
(the JSON lines and the push), ``citation`` (CFF and Zenodo).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from ..errors import UserError
from ..params import Registry
from ..util import dumps_json, write_bytes_atomic, write_text_atomic
from .citation import citation_cff, zenodo_metadata
from .ckan import CkanCall, ckan_jsonl, ckan_name, ckan_packages, push_ckan, read_ckan_jsonl
from .dane_gov_pl import dane_gov_pl_xml
from .dcat import dcat_graph, dcat_turtle
from .model import (
    FILES,
    LICENCE_TABLE,
    LICENCES,
    Catalogue,
    Distribution,
    Licence,
    OpenDataset,
    catalogue,
    effective_licence,
    group_of,
    release_dates,
    split_title,
)


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
    "CkanCall",
    "Licence",
    "ckan_jsonl",
    "ckan_name",
    "group_of",
    "release_dates",
    "split_title",
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
