"""Handlers of the commands that bring real files in: ``fetch-bdl`` (the BDL REST API) and ``new-dataset``
(a draft descriptor from a file)."""

from __future__ import annotations

import argparse
import os
import re
import time
from pathlib import Path

from ..errors import UserError
from ..paths import PATHS
from ..util import write_text_atomic

CACHE = ("data", "cache", "bdl")


def parse_years(text: str | None, first: int, last: int) -> list[int]:
    """'2015-2024', '2019', '2015,2017' or None (the dataset's first_year..last_year) → years."""
    if not text:
        return list(range(first, last + 1))
    out: list[int] = []
    for part in text.split(","):
        a, _, b = part.strip().partition("-")
        if not a.isdigit() or (b and not b.isdigit()):
            raise UserError(f"--years {text!r}: use years such as 2015-2024 or 2019,2020")
        out.extend(range(int(a), int(b or a) + 1))
    return sorted(set(out))


def cmd_fetch_bdl(args: argparse.Namespace) -> int:
    """``citybank fetch-bdl --dataset ID [--years Y1-Y2] [--units city,peers,…] [--dry-run] …`` or
    ``citybank fetch-bdl --national [--years Y1-Y2] [--dry-run] …``."""
    from ..ingest.fetch import Client, estimate_seconds, fetch_to_file, plan, unit_ids  # pandas: only when run
    from ..params import expand_files, registry  # lazy: the CLI answers at once
    from ..params.bdl_api import load_bdl_api  # lazy: the CLI answers at once

    reg = registry()
    if bool(args.national) == bool(args.dataset):
        raise UserError(
            "fetch-bdl: give --dataset ID (a bdl_api dataset of the city) or --national (the exports of "
            "params/national.yml for every gmina), one of them"
        )
    if args.national:
        return _fetch_national(args, reg)
    if args.dataset not in reg.datasets:
        raise UserError(f"unknown dataset {args.dataset!r}; known: {', '.join(sorted(reg.datasets))}")
    ds = reg.datasets[args.dataset]
    if ds.source.format != "bdl_api" and not args.out:
        raise UserError(
            f"dataset {ds.id} reads format {ds.source.format!r}, not bdl_api: fetch-bdl writes BDL API responses — "
            "give --out FILE.json, or set source.format: bdl_api and source.files in its descriptor"
        )
    cfg = load_bdl_api(PATHS.params)
    variables = args.var or [cm.source.strip() for cm in ds.source.columns]
    bad = [v for v in variables if not v.isdigit()]
    if bad:
        raise UserError(
            f"dataset {ds.id}: column source(s) {', '.join(map(repr, bad))} are not BDL variable ids (digits); "
            "in a bdl_api descriptor each source is a variable id such as 72305"
        )
    years = parse_years(args.years, ds.first_year, ds.last_year)
    units = args.unit or unit_ids(reg, args.units.split(",") if args.units else None)
    requests = plan(
        variables, years, cfg, units=units, by=args.by, unit_level=args.unit_level, unit_parent_id=args.unit_parent_id
    )
    if args.out:
        out = Path(args.out)
    else:
        files = expand_files(ds)
        if any("{year}" in f for f in ds.source.files) or len(files) != 1:
            raise UserError(f"dataset {ds.id}: fetch-bdl writes one file; give --out or one source.files entry")
        out = PATHS.raw / files[0][0]
    cache = Path(args.cache) if args.cache else PATHS.root.joinpath(*CACHE)
    client_id = os.environ.get(cfg.client_id_env) or None
    client = Client(cfg, cache, client_id=client_id, base_url=args.base_url, refresh=args.refresh)
    who = "registered client id" if client_id else f"anonymous (no {cfg.client_id_env} in the environment)"
    quotas = cfg.quotas.registered if client_id else cfg.quotas.anonymous
    if args.dry_run:
        cached = 0
        print(f"fetch-bdl {ds.id}: {len(requests)} request(s), first pages; {who}")
        for r in requests:
            url = r.url(client.base)
            hit = client.cached(url) is not None
            cached += hit
            print(f"  GET {url}" + ("   (cached)" if hit else ""))
        todo = len(requests) - cached
        limits = ", ".join(f"{n}/{_win(w)}" for w, n in sorted(quotas.items()))
        print(
            f"{todo} to send ({cached} cached), more if a response has further pages; quota {limits}: "
            f"at least {estimate_seconds(todo, quotas):.0f} s"
        )
        print(f"would write {out} and its provenance sidecar; cache {cache}")
        return 0
    started = time.monotonic()
    result = fetch_to_file(requests, client, out, dataset=ds.id, licence=ds.licence, force=args.force)
    print(
        f"fetch-bdl {ds.id}: {len(result.pages)} page(s) — {result.requests_sent} request(s) sent, "
        f"{result.from_cache} from the cache, {result.retries} retried; waited {result.waited:.1f} s "
        f"({time.monotonic() - started:.1f} s in all); {who}"
    )
    print(f"written {out} (and {out.name}.source.yml); check it: citybank validate-file {out} --dataset {ds.id}")
    return 0


def _fetch_national(args: argparse.Namespace, reg) -> int:  # noqa: ANN001 (the Registry)
    """``fetch-bdl --national``: every export of params/national.yml from the BDL API (ingest.national)."""
    from ..ingest.fetch import Client  # lazy: the CLI answers at once
    from ..ingest.national import LEVELS, fetch_national, variables_request  # lazy: the CLI answers at once
    from ..ingest.national import years_of as national_years  # lazy: the CLI answers at once
    from ..params.bdl_api import load_bdl_api  # lazy: the CLI answers at once
    from ..params.national import fetched_name, load_national  # lazy: the CLI answers at once

    nat = load_national(reg)
    if nat is None:
        raise UserError("params/national.yml is missing: fetch-bdl --national fetches the exports it names")
    if args.unit or args.units or args.var or args.out or args.unit_parent_id:
        raise UserError("fetch-bdl --national takes the variables and units from params/national.yml (every gmina): "
                        "leave out --unit, --units, --var, --unit-parent-id and --out")  # fmt: skip
    cfg = load_bdl_api(PATHS.params)
    years = parse_years(args.years, 0, 0) if args.years else None
    cache = Path(args.cache) if args.cache else PATHS.root.joinpath(*CACHE)
    client_id = os.environ.get(cfg.client_id_env) or None
    client = Client(cfg, cache, client_id=client_id, base_url=args.base_url, refresh=args.refresh)
    who = "registered client id" if client_id else f"anonymous (no {cfg.client_id_env} in the environment)"
    folder = PATHS.root / nat.folders[0]
    if args.dry_run:
        print(f"fetch-bdl --national: {len(nat.exports)} export(s) for every gmina; {who}")
        for e in nat.exports:
            yrs = years or national_years(e)
            ids = [c.bdl_variable for c in e.columns if c.bdl_variable]
            if len(ids) < len(e.columns) and e.subject:
                print(f"  GET {variables_request(e.subject, cfg).url(client.base)}   (variable ids by name)")
            elif len(ids) < len(e.columns):
                print(f"  {e.id}: no `subject` and no `bdl_variable` in params/national.yml: cannot be fetched")
                continue
            print(f"  {e.id}: {len(e.columns)} variable(s) × unit levels {', '.join(map(str, LEVELS))}, years "
                  f"{yrs[0]}–{yrs[-1]}: GET {client.base}/data/by-variable/{{id}}?unit-level=6&…, every page")  # fmt: skip
            print(f"    would write {folder / fetched_name(e.id)} and its provenance sidecar")
        print(f"cache {cache}")
        return 0
    started = time.monotonic()
    result = fetch_national(nat, client, PATHS.root, years=years, force=args.force)
    r = client.result
    print(
        f"fetch-bdl --national: {len(r.pages)} page(s) — {r.requests_sent} request(s) sent, {r.from_cache} from the "
        f"cache, {r.retries} retried; waited {r.waited:.1f} s ({time.monotonic() - started:.1f} s in all); {who}"
    )
    for p in result.written:
        if not p.name.endswith(".source.yml"):
            print(f"written {p} (and {p.name}.source.yml)")
    for export_id, why in result.failures.items():
        print(f"NOT fetched: export {export_id}: {why}")
    if result.failures:
        return 1
    print("the ranking and new-city read the fetched files from now on (they win over the shipped exports)")
    return 0


def _win(seconds: int) -> str:
    return {1: "s", 60: "min", 900: "15 min", 3600: "h", 43200: "12 h", 86400: "day", 604800: "7 days"}.get(
        seconds, f"{seconds} s"
    )


def add_fetch_parser(sub, add) -> None:  # noqa: ANN001 (argparse's private types)
    sp = add(
        "fetch-bdl",
        cmd_fetch_bdl,
        "fetch a bdl_api dataset's variables from the GUS BDL REST API (cached, within the API's quotas)",
    )
    sp.add_argument("--dataset", metavar="ID", help="a dataset of format bdl_api")
    sp.add_argument(
        "--national",
        action="store_true",
        help="the exports of params/national.yml for every gmina, into data/raw/national (README, National data)",
    )
    sp.add_argument("--years", metavar="Y1-Y2", help="years (default: the dataset's first_year–last_year)")
    sp.add_argument("--units", metavar="GROUPS", help="city,powiat,peers,voivodeship,country (default: all)")
    sp.add_argument("--unit", action="append", metavar="ID", help="a 12-digit BDL unit id (repeatable)")
    sp.add_argument("--var", action="append", metavar="ID", help="a BDL variable id (default: the dataset's)")
    sp.add_argument("--by", choices=["unit", "variable"], default="unit", help="one request per unit or variable")
    sp.add_argument("--unit-level", type=int, metavar="N", help="--by variable: units of this level (6 = gminas)")
    sp.add_argument("--unit-parent-id", metavar="ID", help="--by variable: units under this one")
    sp.add_argument("--dry-run", action="store_true", help="list the requests, send none")
    sp.add_argument("--refresh", action="store_true", help="ask the API again even for cached responses")
    sp.add_argument("--force", action="store_true", help="overwrite an existing different output file")
    sp.add_argument("--out", metavar="FILE.json", help="write here (default: the dataset's source.files entry)")
    sp.add_argument("--cache", metavar="DIR", help="cache folder (default: data/cache/bdl)")
    sp.add_argument("--base-url", metavar="URL", help="another API address (default: params/bdl_api.yml)")


def cmd_new_dataset(args: argparse.Namespace) -> int:
    """``citybank new-dataset FILE [--id ID] [--files PATH] [--out YAML] [--force]``: a draft descriptor."""
    from ..ingest.draft import draft_yaml, inspect_file  # pandas: only when run
    from ..params import registry  # lazy: the CLI answers at once

    reg = registry()
    path = Path(args.file)
    insp = inspect_file(path, reg)
    dataset_id = args.id or re.sub(r"[^a-z0-9]+", "-", path.stem.casefold()).strip("-")[:60] or "new-dataset"
    try:
        rel = path.resolve().relative_to(PATHS.raw.resolve()).as_posix()
    except ValueError:
        rel = None
    files = args.files or rel or f"{dataset_id}/{path.name}"
    if insp.year_in_name and not insp.year_column and insp.layout == "long" and not args.files:
        files = files.replace(str(insp.year_in_name), "{year}")
    text = draft_yaml(insp, reg, dataset_id=dataset_id, files=files, provider=args.provider)
    out = Path(args.out) if args.out else PATHS.params / "datasets" / f"{dataset_id}.yml"
    if out.exists() and not args.force:
        raise UserError(f"{out} exists; choose another --id or --out, or use --force to replace it")
    for note in insp.notes:
        print(f"  {note}")
    for c in insp.columns:
        alts = ", ".join(f"{v} {s:.2f}" for v, s in c.candidates[:3]) or "no candidate"
        print(f"  column {c.source!r} → variable {c.variable} (candidates: {alts})")
    write_text_atomic(out, text)
    print(f"draft written: {out} — review the lines marked REVIEW")
    if rel is None and not args.files:
        print(f"then put the file at data/raw/{files} (with its sidecar {Path(files).name}.source.yml)")
    print(f"check it: citybank validate-file {path} --dataset {dataset_id}")
    return 0


def add_new_dataset_parser(sub, add) -> None:  # noqa: ANN001 (argparse's private types)
    sp = add("new-dataset", cmd_new_dataset, "inspect a real file and write a draft dataset descriptor to review")
    sp.add_argument("file", metavar="FILE")
    sp.add_argument("--id", metavar="ID", help="dataset id (default: from the file name)")
    sp.add_argument("--files", metavar="PATH", help="source.files entry, under data/raw ('{year}' for the year)")
    sp.add_argument("--provider", metavar="ID", help="a provider of params/providers.yml")
    sp.add_argument("--out", metavar="FILE.yml", help="write here (default: params/datasets/<ID>.yml)")
    sp.add_argument("--force", action="store_true", help="replace an existing descriptor")
