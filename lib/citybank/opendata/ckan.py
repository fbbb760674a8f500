"""CKAN: one package dict per open dataset (``ckan.jsonl``) and the client that pushes them to a CKAN action API."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UserError
from ..safety import MAX_RESPONSE_MB, loads_json
from .model import DANE_FREQUENCY, LICENCE_TABLE, Catalogue, OpenDataset


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
            "notes": ds.description_pl
            if ds.description_pl == ds.description_en
            else f"{ds.description_pl}\n\n{ds.description_en}",
            "license_id": lic.ckan if lic else ds.licence,
            "owner_org": cat.ckan_organization,
            "author": cat.publisher_pl,
            "version": cat.version,
            "tags": [{"name": t} for t in dict.fromkeys((*ds.keywords_pl, *ds.keywords_en))],
            "extras": [{"key": k, "value": v} for k, v in sorted(extras.items())],
            "resources": [
                {
                    "name": d.title,
                    "description": d.description_pl
                    if d.description_pl == d.description_en
                    else f"{d.description_pl}\n\n{d.description_en}",
                    "url": d.url,
                    "format": d.format.upper(),
                    "mimetype": d.mediatype,
                    "size": d.bytes,
                    "hash": f"sha256:{d.sha256}",
                    "license_id": LICENCE_TABLE[d.licence].ckan if d.licence in LICENCE_TABLE else d.licence,
                }
                for d in ds.distributions
            ],
        }
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
        raise UserError(
            f"CKAN at {url} refused {action} of '{payload.get('name', payload.get('id'))}': "
            f"{_ckan_error(body)} (HTTP {exc.code})"
        ) from exc
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
