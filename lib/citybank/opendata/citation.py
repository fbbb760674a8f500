"""Citation metadata for academic partners: ``CITATION.cff`` (CFF 1.2.0) and ``.zenodo.json``."""

from __future__ import annotations

import json
from typing import Any

from .model import LICENCE_TABLE, Catalogue


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
