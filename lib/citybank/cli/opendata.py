"""``citybank publish-ckan``: send the year's ``ckan.jsonl`` (written by ``citybank publish``) to a CKAN site."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..errors import UserError
from ..paths import PATHS


def add_publish_ckan_parser(sub, add) -> None:
    sp = add(
        "publish-ckan",
        cmd_publish_ckan,
        "create or update the year's open datasets on a CKAN site (action API: package_create / package_update)",
    )
    sp.add_argument("--year", type=int)
    sp.add_argument("--url", required=True, metavar="URL", help="the CKAN site, e.g. https://ckan.example.org")
    sp.add_argument(
        "--api-key-env",
        default="CKAN_API_KEY",
        metavar="VAR",
        help="the environment variable holding the API token (default CKAN_API_KEY; never on the command line)",
    )
    sp.add_argument("--file", metavar="FILE", help="a ckan.jsonl other than reports/<Y>/data/ckan.jsonl")
    sp.add_argument("--timeout", type=float, default=30.0, help="seconds per request (default 30)")
    sp.add_argument("--dry-run", action="store_true", help="list what would be sent; send nothing")


def cmd_publish_ckan(args: argparse.Namespace) -> int:
    from ..opendata import FILES, push_ckan, read_ckan_jsonl  # lazy: the CLI answers at once
    from ..params import registry, year_or_default  # lazy: the CLI answers at once

    if args.file:
        path = Path(args.file)
    else:
        year = year_or_default(args.year, registry())
        path = PATHS.year_report(year) / "data" / FILES["ckan"]
    packages = read_ckan_jsonl(path)
    key = os.environ.get(args.api_key_env) or None
    if not args.dry_run and key is None:
        raise UserError(f"no CKAN API token in the environment variable {args.api_key_env} (see --api-key-env)")
    print(f"publish-ckan: {len(packages)} package(s) from {path} to {args.url}{' (dry run)' if args.dry_run else ''}")
    calls = push_ckan(packages, args.url, key, dry_run=args.dry_run, timeout=args.timeout, log=print)
    created = sum(c.action == "package_create" for c in calls)
    updated = sum(c.action == "package_update" for c in calls)
    if args.dry_run:
        print(f"{len(calls)} package(s) would be sent; nothing was sent")
    else:
        print(f"{created} created, {updated} updated")
    return 0
