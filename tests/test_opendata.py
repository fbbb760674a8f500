"""Open-data metadata (citybank.opendata): the national portal's harvester XML against its XSD, DCAT-AP 3 against
the SEMIC SHACL shapes, CKAN JSON lines and the push to a (stand-in) CKAN, CITATION.cff, .zenodo.json — and that
all of them agree with datapackage.json on files, titles and licences.

The data package is published once per module from a small bank of three categories: ``biznes`` (CC BY 4.0),
``ludnosc`` (CC BY 4.0) and ``ekologia``, whose only rows come from a CC0 dataset (powietrze-pyly), with the
headline figures and the changes since the last release — without the ISO 37120 tables and the national ranking,
whose computation would take most of this module's time (the grouping of files in a folder such as iso37120/ is
tested on a hand-made package).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest
import yaml
from citybank import opendata, publish
from citybank.cli import main
from citybank.errors import UserError
from citybank.params import ParamsError, load_params
from citybank.paths import PATHS
from citybank.schema import BANK_COLUMNS

YEAR = 2024
SHARED = Path(os.environ.get("CITYBANK_SHARED") or PATHS.root.parent / "shared")  # development folder, tests only
XSD = SHARED / "reference" / "dane-gov-pl" / "xml_import_otwarte_dane_1_10.xsd"
"""The portal's harvester schema: read from ../shared only — it comes without a licence (a public mirror of the
portal's backend), so it is not copied into the repository; the tests that need it skip without it."""
SHAPES = Path(__file__).parent / "data" / "dcat-ap-3.0.1"
"""The DCAT-AP 3.0.1 SHACL shapes (CC BY 4.0, European Union), kept as a test fixture: see its SOURCE.md."""
DCAT_DS = "https://dane.siemianowice.pl/raporty/dcat/dataset/"


def _row(variable, territory, year, value, dataset, provider, row):
    return {
        "variable": variable,
        "territory": territory,
        "territory_name": "Siemianowice Śląskie",
        "level": "gmina",
        "year": year,
        "value": value,
        "unit": "persons",
        "flag": "",
        "dataset": dataset,
        "provider": provider,
        "source_file": f"{provider}/{year}.csv",
        "source_row": row,
        "source_sha256": "ab" * 32,
    }


@pytest.fixture(scope="module")
def published(tmp_path_factory, reg) -> Path:
    rows = [
        _row("registered_unemployed", "2474011", 2023, 798.0, "pup-bezrobocie", "pup", 3),
        _row("registered_unemployed", "2474011", 2024, 826.0, "pup-bezrobocie", "pup", 4),
        _row("population_registered", "2474011-02", 2024, 12001.0, "um-ludnosc-dzielnice", "um-ewidencja", 3),
        _row("pm10_annual_mean", "2474011", 2024, 31.5, "powietrze-pyly", "powietrze", 2),
    ]
    bank = pd.DataFrame(rows, columns=list(BANK_COLUMNS)).astype(BANK_COLUMNS)
    out = tmp_path_factory.mktemp("opendata") / "data"
    lean = dataclasses.replace(
        reg, extra={k: v for k, v in reg.extra.items() if k not in {"iso37120", "national", "survey"}}
    )
    publish.publish_year(YEAR, lean, bank, out=out)
    return out


@pytest.fixture(scope="module")
def package(published) -> dict:
    return json.loads((published / "datapackage.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def ckan_lines(published) -> list[dict]:
    return opendata.read_ckan_jsonl(published / "ckan.jsonl")


def _need(path: Path) -> Path:
    if not path.exists():
        pytest.skip(
            f"reference file {path} is absent: the portal's XSD has no licence and is not shipped; it is read from "
            "the development folder ../shared/reference/dane-gov-pl when that is beside the checkout"
        )
    return path


@pytest.fixture(scope="module")
def xsd():
    import xmlschema

    return xmlschema.XMLSchema(str(_need(XSD)))


# ---------------------------------------------------------------- dane.gov.pl


def test_harvester_xml_validates_against_the_portal_xsd_and_its_md5_matches(published, xsd):
    schema = xsd
    xml = published / "dane_gov_pl.xml"
    errors = [str(e).splitlines()[0] for e in schema.iter_errors(str(xml))]
    assert errors == []
    # The portal reads the version from the root's namespace and the checksum from <name>.md5 beside the XML.
    assert xml.read_text(encoding="utf-8").startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<datasets xmlns="urn:otwarte-dane:harvester:1.10">'
    )
    md5 = (published / "dane_gov_pl.md5").read_text(encoding="utf-8")
    assert md5 == hashlib.md5(xml.read_bytes()).hexdigest() + "\n"

    data = schema.to_dict(str(xml))
    by_id = {d["extIdent"]: d for d in data["dataset"]}
    assert sorted(by_id) == ["biznes", "changes", "ekologia", "headlines", "ludnosc"]
    biz = by_id["biznes"]
    assert biz["title"] == {"polish": "Biznes", "english": "Business"}
    assert biz["categories"]["category"] == ["ECON"] and biz["updateFrequency"] == "yearly"
    assert biz["conditions"]["dbOrCopyrightedLicenseChosen"] == "CC BY 4.0"
    assert biz["lastUpdateDate"] == "2025-05-31T00:00:00"  # params/years/2024.yml: published
    res = biz["resources"]["resource"][0]
    assert res["url"] == "https://dane.siemianowice.pl/raporty/2024/data/biznes.csv"
    assert res["dataDate"] == "2024-12-31" and res["availability"] == "remote"
    assert "2474011" in res["regions"]["terytIdent"]
    # CC0: no attribution asked, no licence chosen among the portal's CC BY family.
    eko = by_id["ekologia"]["conditions"]
    assert eko["source"] is False and eko["modification"] is False and "dbOrCopyrightedLicenseChosen" not in eko


def test_the_xsd_rejects_what_the_portal_would(published, tmp_path, xsd):
    """The validator is real: the same file without its categories (required) or with an http:// resource fails."""
    schema = xsd
    text = (published / "dane_gov_pl.xml").read_text(encoding="utf-8")
    start, end = text.index("<categories>"), text.index("</categories>") + len("</categories>")
    broken = tmp_path / "no_categories.xml"
    broken.write_text(text[:start] + text[end:], encoding="utf-8")
    assert not schema.is_valid(str(broken))
    http = tmp_path / "http.xml"
    http.write_text(text.replace("<url>https://dane.siemianowice.pl/raporty/", "<url>http://x/", 1), encoding="utf-8")
    assert not schema.is_valid(str(http))


def test_files_are_grouped_by_the_first_part_of_their_path(reg):
    res = [
        {
            "name": n,
            "path": p,
            "title": t,
            "format": p.rsplit(".", 1)[1],
            "mediatype": "application/json",
            "bytes": 1,
            "hash": "sha256:00",
        }
        for n, p, t in [
            ("iso37120", "iso37120.csv", "Wskaźniki ISO 37120 / ISO 37120 indicators"),
            ("iso37120-5.1", "iso37120/5.1.json", "Wskaźnik ISO 37120 5.1 (JSON) / ISO 37120 indicator 5.1 (JSON)"),
            ("ludnosc-xlsx", "ludnosc.xlsx", "Ludność (XLSX) / Population (XLSX)"),
        ]
    ]
    cat = opendata.catalogue(reg, YEAR, {"resources": res, "licenses": [{"name": "CC-BY-4.0"}]})
    groups = {d.id: [x.path for x in d.distributions] for d in cat.datasets}
    assert groups == {"iso37120": ["iso37120.csv", "iso37120/5.1.json"], "ludnosc": ["ludnosc.xlsx"]}
    iso = cat.datasets[0]
    assert (iso.title_pl, iso.title_en, iso.themes, iso.first_year, iso.last_year) == (
        "Wskaźniki ISO 37120",
        "ISO 37120 indicators",
        ("REGI",),
        2024,
        2024,
    )
    assert iso.distributions[1].url == "https://dane.siemianowice.pl/raporty/2024/data/iso37120/5.1.json"
    assert (
        cat.datasets[1].themes == ("SOCI",) and cat.datasets[1].title_en == "Population (XLSX)"
    )  # the first file names the group


def test_xml_limits_are_errors_naming_the_dataset(reg, package):
    cat = opendata.catalogue(reg, YEAR, package)
    long = dataclasses.replace(cat.datasets[0], description_pl="x" * 1001)
    with pytest.raises(UserError, match=r"at most 1000 characters in description; open dataset 'biznes' has 1001"):
        opendata.dane_gov_pl_xml(dataclasses.replace(cat, datasets=(long,)))


# ---------------------------------------------------------------- DCAT-AP


def _shapes(*names: str):
    import rdflib

    g = rdflib.Graph()
    for name in names:
        g.parse(_need(SHAPES / name))
    return g


def test_dcat_catalogue_conforms_to_the_dcat_ap_3_shapes(published):
    """shapes.ttl + range.ttl: no violation (conforms). With the recommended shapes as well, the only warnings
    left are a place's bbox and centroid (params hold no verified coordinates of the city)."""
    import pyshacl
    import rdflib

    data = rdflib.Graph().parse(published / "catalog.ttl")
    shapes = _shapes("shapes.ttl", "range.ttl", "shapes_recommended.ttl")
    _, report, text = pyshacl.validate(data, shacl_graph=shapes)
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    results = [
        (report.value(r, sh.resultSeverity), str(report.value(r, sh.resultPath)))
        for r in report.subjects(rdflib.RDF.type, sh.ValidationResult)
    ]
    assert [r for r in results if r[0] != sh.Warning] == [], text
    assert {path for _, path in results} == {"http://www.w3.org/ns/dcat#bbox", "http://www.w3.org/ns/dcat#centroid"}
    # The mandatory shapes alone: conforms.
    conforms, _, text = pyshacl.validate(data, shacl_graph=_shapes("shapes.ttl", "range.ttl"))
    assert conforms, text


def test_the_shapes_catch_a_dataset_without_title(published):
    import pyshacl
    import rdflib

    data = rdflib.Graph().parse(published / "catalog.ttl")
    data.remove((rdflib.URIRef(DCAT_DS + "biznes"), rdflib.namespace.DCTERMS.title, None))
    conforms, _, text = pyshacl.validate(data, shacl_graph=_shapes("shapes.ttl", "range.ttl"))
    assert not conforms and "dataset/biznes" in text


# ---------------------------------------------------------------- CKAN


def test_ckan_lines_are_package_dicts(ckan_lines):
    assert [p["name"] for p in ckan_lines] == [
        "siemianowice-slaskie-biznes",
        "siemianowice-slaskie-changes",
        "siemianowice-slaskie-ekologia",
        "siemianowice-slaskie-headlines",
        "siemianowice-slaskie-ludnosc",
    ]
    import re

    for pkg in ckan_lines:
        assert re.fullmatch(r"[a-z0-9_\-]{2,100}", pkg["name"])
        assert pkg["owner_org"] == "siemianowice-slaskie" and pkg["title"] and pkg["notes"]
        assert pkg["tags"] and all(re.fullmatch(r"[\w \-.]{2,100}", t["name"]) for t in pkg["tags"])
        assert all(set(r) >= {"name", "url", "format", "mimetype", "size", "hash"} for r in pkg["resources"])
    biz = ckan_lines[0]
    assert biz["title"] == "Biznes / Business" and biz["license_id"] == "cc-by"
    extras = {e["key"]: e["value"] for e in biz["extras"]}
    assert extras["source_datasets"] == "pup-bezrobocie" and extras["modified"] == "2025-05-31"
    assert extras["temporal_start"] == "2015" and extras["temporal_end"] == "2024"
    assert ckan_lines[2]["name"].endswith("ekologia") and ckan_lines[2]["license_id"] == "cc-zero"


class _Ckan(BaseHTTPRequestHandler):
    """A stand-in CKAN action API: records each call; knows one package; can refuse creations."""

    calls: list
    existing: dict
    refuse_create = False

    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])).decode("utf-8"))
        action = self.path.rsplit("/", 1)[-1]
        self.calls.append((self.path, self.headers.get("Authorization"), body))
        if action == "package_show" and body["id"] not in self.existing:
            self._send(404, {"success": False, "error": {"__type": "Not Found Error", "message": "Not found"}})
        elif action == "package_show":
            self._send(200, {"success": True, "result": self.existing[body["id"]]})
        elif action == "package_create" and self.refuse_create:
            self._send(
                409,
                {
                    "success": False,
                    "error": {"__type": "Validation Error", "owner_org": ["Organization does not exist"]},
                },
            )
        else:
            self._send(200, {"success": True, "result": body})

    def _send(self, code, obj):
        data = json.dumps(obj).encode("utf-8")
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture()
def ckan_server():
    handler = type("Handler", (_Ckan,), {"calls": [], "existing": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_push_creates_new_packages_and_updates_existing_ones_keeping_ids(ckan_lines, ckan_server):
    url, handler = ckan_server
    handler.existing["siemianowice-slaskie-biznes"] = {
        "id": "pkg-1",
        "name": "siemianowice-slaskie-biznes",
        "resources": [{"id": "res-csv", "name": "Biznes / Business"}],
    }
    calls = opendata.push_ckan([ckan_lines[0], ckan_lines[2]], url, "secret-token", timeout=5)
    assert [(c.action, c.name) for c in calls] == [
        ("package_update", "siemianowice-slaskie-biznes"),
        ("package_create", "siemianowice-slaskie-ekologia"),
    ]
    paths = [p for p, _, _ in handler.calls]
    assert paths == [f"/api/3/action/{a}" for a in ("package_show", "package_update", "package_show", "package_create")]
    assert {auth for _, auth, _ in handler.calls} == {"secret-token"}
    update = handler.calls[1][2]
    assert update["id"] == "pkg-1" and update["resources"][0]["id"] == "res-csv"
    assert "id" not in update["resources"][1]  # the Parquet file is new on that site
    assert handler.calls[3][2] == ckan_lines[2]


def test_push_stops_on_a_refusal_with_ckans_words(ckan_lines, ckan_server):
    url, handler = ckan_server
    handler.refuse_create = True
    with pytest.raises(
        UserError,
        match=r"refused package_create of 'siemianowice-slaskie-biznes': owner_org: \['Organization does not exist'\] \(HTTP 409\)",
    ):
        opendata.push_ckan(ckan_lines, url, "k", timeout=5)
    assert len(handler.calls) == 2  # show + the refused create; nothing after it


def test_cli_publish_ckan_dry_run_sends_nothing_and_a_real_run_needs_a_token(
    published, ckan_server, capsys, monkeypatch
):
    url, handler = ckan_server
    jsonl = str(published / "ckan.jsonl")
    assert main(["publish-ckan", "--file", jsonl, "--url", url, "--dry-run"]) == 0
    assert handler.calls == [] and "5 package(s) would be sent; nothing was sent" in capsys.readouterr().out
    monkeypatch.delenv("CITYBANK_TEST_CKAN", raising=False)
    assert main(["publish-ckan", "--file", jsonl, "--url", url, "--api-key-env", "CITYBANK_TEST_CKAN"]) == 2
    assert "no CKAN API token in the environment variable CITYBANK_TEST_CKAN" in capsys.readouterr().err
    monkeypatch.setenv("CITYBANK_TEST_CKAN", "tok")
    assert main(["publish-ckan", "--file", jsonl, "--url", url, "--api-key-env", "CITYBANK_TEST_CKAN"]) == 0
    assert "5 created, 0 updated" in capsys.readouterr().out and len(handler.calls) == 10


def test_unreachable_ckan_is_a_user_error():
    with pytest.raises(UserError, match="cannot reach CKAN at http://127.0.0.1:9"):
        opendata.push_ckan([{"name": "x", "resources": []}], "http://127.0.0.1:9", "k", timeout=2)


# ---------------------------------------------------------------- CITATION.cff, .zenodo.json

_ENTITY = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string", "minLength": 1}}}
_PERSON = {"type": "object", "required": ["family-names"], "properties": {"family-names": {"type": "string"}}}
_URL = {"type": "string", "pattern": r"^(https|http|ftp|sftp)://.+"}
CFF_1_2_0 = {
    # The keys and rules of CFF 1.2.0 (citation-file-format.github.io, schema guide) that the file uses, restated:
    # cffconvert, the format's own validator, pins jsonschema<4 and cannot be installed beside jupyterlab.
    "type": "object",
    "required": ["authors", "cff-version", "message", "title"],
    "additionalProperties": False,
    "properties": {
        "cff-version": {"const": "1.2.0"},
        "message": {"type": "string", "minLength": 1},
        "title": {"type": "string", "minLength": 1},
        "abstract": {"type": "string", "minLength": 1},
        "type": {"enum": ["dataset", "software"]},
        "authors": {"type": "array", "minItems": 1, "items": {"anyOf": [_ENTITY, _PERSON]}},
        "contact": {"type": "array", "minItems": 1, "items": {"anyOf": [_ENTITY, _PERSON]}},
        "version": {"type": ["string", "number"]},
        "license": {"type": "string", "pattern": r"^[A-Za-z0-9.+\-]+$"},
        "date-released": {"type": "string", "pattern": r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"},
        "url": _URL,
        "repository": _URL,
        "repository-code": _URL,
        "keywords": {"type": "array", "minItems": 1, "items": {"type": "string", "minLength": 1}},
        **{
            k: {}
            for k in (
                "commit",
                "doi",
                "identifiers",
                "license-url",
                "preferred-citation",
                "references",
                "repository-artifact",
            )
        },
    },
}


def test_citation_cff(published, package):
    import jsonschema

    cff = yaml.safe_load((published / "CITATION.cff").read_text(encoding="utf-8"))
    jsonschema.validate(cff, CFF_1_2_0)
    assert cff["title"] == package["title"] and cff["type"] == "dataset"
    assert cff["license"] == "CC-BY-4.0"  # CC BY data and CC0 data together: CC BY
    assert cff["date-released"] == "2025-05-31" and cff["version"] == "2024"
    assert cff["authors"] == [{"name": "Miasto Siemianowice Śląskie"}]
    assert cff["repository"] == "https://dane.siemianowice.pl/raporty/2024/data/"


def test_zenodo_json(published, package):
    z = json.loads((published / ".zenodo.json").read_text(encoding="utf-8"))
    assert z["upload_type"] == "dataset" and z["access_right"] == "open" and z["license"] == "cc-by-4.0"
    assert z["title"] == package["title"] and z["publication_date"] == "2025-05-31" and z["version"] == "2024"
    assert z["creators"] == [{"name": "Miasto Siemianowice Śląskie"}]


# ---------------------------------------------------------------- agreement with datapackage.json


def test_every_format_agrees_with_the_data_package_on_files_titles_and_licences(published, package, ckan_lines, xsd):
    import rdflib
    from rdflib.namespace import DCAT, DCTERMS

    resources = package["resources"]
    assert len(resources) == 12  # 3 categories × CSV, Parquet, XLSX + headlines.json + changes.json, .csv
    base = "https://dane.siemianowice.pl/raporty/2024/data/"
    expected = {base + r["path"]: (r["title"], r["licenses"][0]["name"]) for r in resources}
    eu = {"CC-BY-4.0": "CC_BY_4_0", "CC0-1.0": "CC0"}
    ckan_ids = {"CC-BY-4.0": "cc-by", "CC0-1.0": "cc-zero"}
    dane = {"CC-BY-4.0": "CC BY 4.0", "CC0-1.0": None}
    assert {r["licenses"][0]["name"] for r in resources if r["path"].startswith("ekologia")} == {"CC0-1.0"}
    assert {r["licenses"][0]["name"] for r in resources if r["path"].startswith("biznes")} == {"CC-BY-4.0"}

    # dane.gov.pl: every file a resource; "PL / EN" titles split; the dataset's licence that of its files
    xml = xsd.to_dict(str(published / "dane_gov_pl.xml"))
    got = {}
    for ds in xml["dataset"]:
        for res in ds["resources"]["resource"]:
            t = res["title"]
            got[res["url"]] = (
                f"{t['polish']} / {t['english']}" if "english" in t else t["polish"],
                ds["conditions"].get("dbOrCopyrightedLicenseChosen"),
            )
    assert got == {u: (title, dane[lic]) for u, (title, lic) in expected.items()}

    # DCAT-AP: every file a distribution with its title (pl, en) and licence
    g = rdflib.Graph().parse(published / "catalog.ttl")
    got = {}
    for dist in g.subjects(rdflib.RDF.type, DCAT.Distribution):
        titles = {t.language: str(t) for t in g.objects(dist, DCTERMS.title)}
        title = titles["pl"] if titles["pl"] == titles["en"] else f"{titles['pl']} / {titles['en']}"
        got[str(g.value(dist, DCAT.downloadURL))] = (title, str(g.value(dist, DCTERMS.license)).rsplit("/", 1)[1])
    assert got == {u: (title, eu[lic]) for u, (title, lic) in expected.items()}
    assert len(list(g.subjects(rdflib.RDF.type, DCAT.Dataset))) == len(ckan_lines) == len(xml["dataset"]) == 5

    # CKAN: every file a resource named by its title, with the licence id of its file
    got = {r["url"]: (r["name"], r["license_id"]) for p in ckan_lines for r in p["resources"]}
    assert got == {u: (title, ckan_ids[lic]) for u, (title, lic) in expected.items()}

    # Zenodo: every file a part; CITATION.cff and .zenodo.json: the package's licence
    z = json.loads((published / ".zenodo.json").read_text(encoding="utf-8"))
    assert {r["identifier"] for r in z["related_identifiers"] if r["relation"] == "hasPart"} == set(expected)
    lic = opendata.effective_licence(x["name"] for x in package["licenses"])
    assert lic == "CC-BY-4.0" and z["license"] == lic.lower()


def test_metadata_are_byte_identical_on_rebuild_in_another_process(published, tmp_path):
    again = tmp_path / "data"
    shutil.copytree(published, again)
    for name in opendata.FILES.values():
        (again / name).unlink()
    code = (
        "import sys; from citybank.opendata import write_opendata; from citybank.params import registry; "
        "write_opendata(2024, registry(), sys.argv[1])"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(PATHS.root / "lib")}
    subprocess.run([sys.executable, "-c", code, str(again)], check=True, env=env, timeout=120)
    for name in opendata.FILES.values():
        assert (again / name).read_bytes() == (published / name).read_bytes(), name


# ---------------------------------------------------------------- licences and params


def test_effective_licence():
    assert opendata.effective_licence(["CC0-1.0"]) == "CC0-1.0"
    assert opendata.effective_licence(["CC-BY-4.0", "CC0-1.0", "CC-BY-SA-4.0"]) == "CC-BY-SA-4.0"
    with pytest.raises(
        UserError, match="category odpady combines data under CC-BY-SA-4.0 and ODbL-1.0: two share-alike"
    ):
        opendata.effective_licence(["CC-BY-SA-4.0", "ODbL-1.0"], "category odpady")
    with pytest.raises(UserError, match=r"licence\(s\) Custom-1 are not known"):
        opendata.effective_licence(["CC0-1.0", "Custom-1"])


def test_params_eu_theme_and_open_data_are_validated(params_copy):
    cats = params_copy / "categories.yml"
    cats.write_text(
        cats.read_text(encoding="utf-8").replace("eu_themes: [ENVI]", "eu_themes: [ENVIRONMENT]", 1), encoding="utf-8"
    )
    city = params_copy / "city.yml"
    city.write_text(
        city.read_text(encoding="utf-8").replace("base_url: https://", "base_url: http://", 1), encoding="utf-8"
    )
    with pytest.raises(ParamsError) as exc:
        load_params(params_copy)
    text = str(exc.value)
    assert "categories.yml" in text and "eu_themes" in text and "ENVIRONMENT" in text
    assert "city.yml" in text and "open_data.base_url" in text
