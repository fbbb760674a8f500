"""``citybank new-city``: a workspace for any gmina of Poland, from the national GUS BDL exports alone.

The workbench's ``params/national.yml`` names the national table exports (every gmina in rows). From them and the
TERC code of a gmina this module writes a **workspace** — a folder of its own, so the workbench checkout is never
touched — that ``citybank report --params DIR`` builds into a baseline report::

    DIR/params/city.yml              name, codes, kind (status), voivodeship, peers, years of the report
    DIR/params/years/<Y>.yml         one per year the exports cover (2010 … the last year of any export)
    DIR/params/categories.yml        the workbench's 18 categories (a page without data says so)
    DIR/params/variables.yml         the workbench's catalogue of canonical variables (ISO formulas refer to them)
    DIR/params/providers.yml         the statistics office only: no city-office provider yet
    DIR/params/datasets/gus-<id>.yml one dataset per national export, reading the file as GUS publishes it
    DIR/params/iso37120.yml          the workbench's ISO 37120 catalogue
    DIR/params/national.yml          the workbench's, its folder pointing at DIR/data/raw/national, and
                                     ``bank_sums: true`` (the bank derives the total population from the age groups)
    DIR/data/raw/national/<file>     a symbolic link to each national export (never a copy; the file fetched by
                                     ``fetch-bdl --national`` when there is one), and beside it the provenance
                                     sidecar ``<file>.source.yml`` (provider, origin, sha256)

What is read from the exports (``ranking.national_frame``, every gmina at once) and how:

* **name**: the gmina's row in the exports (``Katowice (1)`` → ``Katowice``); the official TERC row
  (``terc_*.csv`` in the folders of ``national.yml``: GUS TERYT, shipped for the city and its peers) wins when the
  gmina is listed there; the BDL unit ids come from ``bdl-api_units.csv`` (every gmina, written by ``citybank
  fetch-bdl --national``) or ``bdl_units_*.csv`` (shipped for the city and its peers) when listed (they are
  optional in ``City``);
* **kind**: the TERC code (``ranking.gmina_kind``: 7th digit, a powiat numbered 61+ is a city with powiat rights);
* **powiat and voivodeship**: the export rows of codes ``WWPP000`` and ``WW00000`` (names as GUS writes them);
* **peers** (the stated rule, ``peers`` of ``national.yml``): the ``peers`` gminas of the **same kind** whose
  population (``classes.size_variable``) in the reference year is **nearest** to the gmina's — by absolute
  difference, ties broken by the smaller code; the gmina itself is never its own peer;
* **years**: the reference year (``default_year``) is the latest year in which every export has a value for the
  gmina; the baseline year is the earliest such year; a ``years/<Y>.yml`` is written for every year from the
  baseline to the last year any export covers.

Every file is written with sorted keys (``yaml.safe_dump(sort_keys=True)``): the same exports and workbench params
give byte-identical files. The written params are loaded with ``load_params`` before returning (a problem raises
``ParamsError`` naming file and key).
"""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .errors import UserError
from .i18n import LANGS, t
from .ingest.bdl import read_bdl_ctab
from .params import YAML_LOADER, Registry, load_params, registry
from .params.metropolis import read_metropolis
from .params.national import UNITS_FETCHED, National, load_national
from .paths import PATHS, Paths
from .ranking import export_file, gmina_kind, national_frame
from .rawdata import NATIONAL, sidecar_path
from .util import sha256_file, write_text_atomic

RAW_FOLDER = NATIONAL
"""Where the links to the national exports live in a workspace: ``DIR/data/raw/national``."""
PROVIDER = "gus"
LICENCE = "CC-BY-4.0"
GENERATOR = "citybank new-city"
WRITTEN = (
    "city.yml", "years", "categories.yml", "variables.yml", "providers.yml", "datasets", "iso37120.yml", "national.yml",
)  # fmt: skip
"""What ``new_city`` writes under ``DIR/params`` (nothing else is there)."""


@dataclass(frozen=True)
class Gmina:
    """A gmina as the national exports and the TERC register describe it."""

    terc: str
    name: str
    kind: str  # ranking.KINDS
    powiat: tuple[str, str]  # (code WWPP000, name as in the export, '' when the exports have no powiat row)
    voivodeship: tuple[str, str]  # (code WW00000, name)
    population: float | None  # classes.size_variable in ``year``
    year: int | None  # the reference year
    bdl_unit_gmina: str | None = None
    bdl_unit_powiat: str | None = None


@dataclass(frozen=True)
class Workspace:
    """What ``new_city`` wrote."""

    root: Path
    gmina: Gmina
    peers: list[tuple[str, str, float]]  # (code, name, population in the reference year)
    years: list[int]
    files: list[Path] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- reading


def slugify(name: str) -> str:
    """ASCII slug of a name: 'Siemianowice Śląskie' → 'siemianowice-slaskie'.

    >>> slugify("Łódź"), slugify("Kędzierzyn-Koźle")
    ('lodz', 'kedzierzyn-kozle')
    """
    plain = unicodedata.normalize("NFKD", name.replace("ł", "l").replace("Ł", "L"))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "gmina"


def _title(name: str) -> str:
    """'ŚLĄSKIE' → 'Śląskie', 'KUJAWSKO-POMORSKIE' → 'Kujawsko-Pomorskie' (GUS writes voivodeships in capitals)."""
    return "-".join(p.capitalize() for p in name.split("-")) if name.isupper() else name


def _teryt_rows(folders: list[Path]) -> tuple[dict[str, str], dict[str, str]]:
    """Official names by TERC (gmina rows of ``terc_*.csv``) and BDL unit ids by 7-digit code (``bdl-api_units.csv``
    first, then ``bdl_units_*.csv``), from the national folders; the first folder and file listing a code wins."""
    names: dict[str, str] = {}
    units: dict[str, str] = {}
    for folder in folders:
        for path in sorted(folder.glob("terc_*.csv")):
            with path.open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    if row.get("GMI") and row.get("RODZ"):
                        code = f"{row['WOJ']:0>2}{row['POW']:0>2}{row['GMI']:0>2}{row['RODZ']}"
                        names.setdefault(code, row["NAZWA"])
        for path in [folder / UNITS_FETCHED, *sorted(folder.glob("bdl_units_*.csv"))]:
            if not path.is_file():
                continue
            with path.open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    uid = str(row.get("id", ""))
                    if re.fullmatch(r"\d{12}", uid):
                        # unit id: 2 macroregion + 2 voivodeship + 1 region + 2 subregion + 2 powiat + 2 gmina + 1 kind
                        units.setdefault(uid[2:4] + uid[7:12], uid)
    return names, units


def _regions(nat: National, paths: Paths) -> dict[str, str]:
    """Names of the powiats and voivodeships of the exports (code → name), from the first export that has them."""
    out: dict[str, str] = {}
    for e in nat.exports:
        df = read_bdl_ctab(export_file(nat, e, paths))
        part = df[df["level"].isin(["powiat", "voivodeship"])].drop_duplicates("code")
        for code, name in zip(part["code"], part["name"], strict=True):
            out.setdefault(str(code), str(name))
        if out:
            break
    return out


def _sizes(frame: pd.DataFrame, nat: National) -> pd.DataFrame:
    """The size measure (``classes.size_variable``) of every gmina and year: territory, year, value."""
    size = nat.classes.size_variable
    derived = {d.id: d for d in nat.derived}
    if size in derived and derived[size].kind == "sum":
        parts = derived[size].numerator
        wide = frame[frame["variable"].isin(parts)].pivot_table(
            index=["territory", "year"], columns="variable", values="value", aggfunc="first"
        )
        value = wide.reindex(columns=parts).sum(axis=1, min_count=len(parts))
    else:
        value = frame[frame["variable"] == size].set_index(["territory", "year"])["value"]
    return value.rename("value").dropna().reset_index()


def describe(
    terc: str, nat: National, paths: Paths = PATHS, frame: pd.DataFrame | None = None
) -> tuple[Gmina, pd.DataFrame]:
    """The gmina of ``terc`` and the size table of every gmina (for peers); a UserError when no export has it."""
    if not re.fullmatch(r"\d{7}", terc):
        raise UserError(
            f"--terc {terc!r}: expected the gmina's 7-digit TERC code as in the BDL exports' 'Kod' column "
            "(voivodeship, powiat, gmina, kind: e.g. 2469011 for Katowice, 0201022 for the rural gmina Bolesławiec)"
        )
    frame = national_frame(nat, paths) if frame is None else frame
    mine = frame[frame["territory"] == terc]
    if mine.empty:
        kind = gmina_kind(pd.Series([terc]))[0]
        hint = (
            "it is not a gmina of its own (kinds 4 and 5 are the town and the rural area of an urban-rural gmina, "
            "8 and 9 districts of Warsaw)"
            if not kind
            else "check the code against the TERC register (the exports may predate a change of the code)"
        )
        raise UserError(
            f"no row of code {terc} in the national exports ({', '.join(e.file for e in nat.exports)}): {hint}"
        )
    kind = str(gmina_kind(pd.Series([terc]))[0])
    if not kind:
        raise UserError(f"code {terc} is in the exports but is not a gmina of its own (TERC kind digit {terc[6]})")
    names, units = _teryt_rows([paths.root / f for f in nat.folders])
    name = names.get(terc) or re.sub(r"\s*\(\d\)$", "", str(mine["name"].iloc[-1])).strip()
    regions = _regions(nat, paths)
    powiat_code, voiv_code = terc[:4] + "000", terc[:2] + "00000"
    years_per_variable = [set(mine.loc[mine["variable"] == c.variable, "year"]) for e in nat.exports for c in e.columns]
    common = sorted(set.intersection(*years_per_variable)) if years_per_variable else []
    sizes = _sizes(frame, nat)
    own = sizes[sizes["territory"] == terc].set_index("year")["value"]
    year = common[-1] if common else (int(own.index.max()) if len(own) else None)
    gmina = Gmina(
        terc=terc,
        name=name,
        kind=kind,
        powiat=(powiat_code, regions.get(powiat_code, "")),
        voivodeship=(voiv_code, _title(regions.get(voiv_code, voiv_code))),
        population=float(own[year]) if year is not None and year in own.index else None,
        year=year,
        bdl_unit_gmina=units.get(terc),
        bdl_unit_powiat=units.get(powiat_code),
    )
    return gmina, sizes


def choose_peers(gmina: Gmina, sizes: pd.DataFrame, names: pd.Series, n: int) -> list[tuple[str, str, float]]:
    """The ``n`` gminas of the same kind nearest in population in the reference year (code, name, population).

    Nearest = smallest absolute difference; ties go to the smaller code; the gmina itself is left out.
    """
    if gmina.year is None or gmina.population is None:
        return []
    same_year = sizes[sizes["year"] == gmina.year]
    kinds = gmina_kind(same_year["territory"])
    cand = same_year[(kinds == gmina.kind) & (same_year["territory"] != gmina.terc).to_numpy()]
    cand = cand.assign(diff=(cand["value"] - gmina.population).abs())
    cand = cand.sort_values(["diff", "territory"], kind="stable").head(n)
    return [(str(c), str(names.get(c, c)), float(v)) for c, v in zip(cand["territory"], cand["value"], strict=True)]


# ---------------------------------------------------------------------------------------------- writing


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=True, allow_unicode=True, default_flow_style=False, width=120)


def _read_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh, Loader=YAML_LOADER)


def _without_shared_blocks(data: dict[str, Any]) -> dict[str, Any]:
    """A params file without its ``_name`` blocks (YAML anchors already resolved when read)."""
    return {k: v for k, v in data.items() if not str(k).startswith("_")}


def status_words(g: Gmina) -> dict[str, str]:
    """The gmina's kind and voivodeship in each language (``status`` of city.yml)."""
    return {
        lang: t("newcity.status", lang, kind=t(f"newcity.kind.{g.kind}", lang), voivodeship=g.voivodeship[1])
        for lang in LANGS
    }


def _city(g: Gmina, peers: list[tuple[str, str, float]], years: list[int], baseline: int, default: int) -> dict:
    city: dict[str, Any] = {
        "name": g.name,
        "slug": f"{slugify(g.name)}-{g.terc}",
        "terc": g.terc,
        "status": status_words(g),
        "bdl_code_gmina": g.terc,
        "bdl_code_powiat": g.powiat[0],
        "voivodeship": {"code": g.voivodeship[0], "name": g.voivodeship[1]},
        "country": {"code": "0000000", "name": "Polska"},
        "districts": [],
        "peers": [{"code": c, "name": n} for c, n, _ in peers],
        "peers_rule": {
            "pl": f"gminy tego samego rodzaju najbliższe liczbą ludności w {g.year} r.",
            "en": f"the gminas of the same kind nearest in population in {g.year}",
            "de": f"die Gemeinden derselben Art mit der nächstliegenden Einwohnerzahl im Jahr {g.year}",
        },
        "languages": list(LANGS),
        "default_year": default,
        "sample_years": years,
        "baseline_year": baseline,
        "currency": "PLN",
        "sources": {
            "identity": "GUS BDL national table exports (Kod, Nazwa); official TERC register where listed",
            "peers": "citybank new-city: the gminas of the same kind nearest in population "
            f"in {g.year} (params/national.yml, peers)",
        },
    }
    if g.bdl_unit_gmina:
        city["bdl_unit_gmina"] = g.bdl_unit_gmina
    if g.bdl_unit_powiat:
        city["bdl_unit_powiat"] = g.bdl_unit_powiat
    return city


def _span(years: str) -> tuple[int, int]:
    first, last = years.split("–")
    return int(first), int(last)


def _dataset(e: Any, nat: National, reg: Registry, file: str) -> dict[str, Any]:
    first, last = _span(e.years)
    names = {lang: ", ".join(reg.variables[c.variable].name.get(lang) for c in e.columns) for lang in LANGS}
    return {
        "id": f"{PROVIDER}-{e.id}",
        "title": {lang: f"{names[lang]} — BDL {e.table}" for lang in LANGS},
        "description": {
            lang: t("newcity.dataset_description", lang, source=nat.source.get(lang), table=e.table, years=e.years)
            for lang in LANGS
        },
        "category": e.category,
        "provider": PROVIDER,
        "frequency": "annual",
        "openness": 3,
        "licence": LICENCE,
        "first_year": first,
        "last_year": last,
        "source": {
            "format": "bdl_ctab",
            "files": [f"{RAW_FOLDER}/{file}"],
            "columns": [{"source": c.source, "variable": c.variable} for c in e.columns],
        },
    }


def new_city(
    terc: str,
    out: str | os.PathLike,
    *,
    reg: Registry | None = None,
    paths: Paths = PATHS,
    frame: pd.DataFrame | None = None,
    force: bool = False,
) -> Workspace:
    """Write the workspace of the gmina ``terc`` into ``out`` (see the module docstring) and validate its params.

    ``reg``/``paths``: the workbench whose ``params/`` (categories, variables, ISO catalogue, ``national.yml``) are
    the template. ``frame``: ``ranking.national_frame`` when already read (``report --cities`` reads it once).
    Raises UserError when ``out/params`` exists (unless ``force``) or the gmina is not in the exports.
    """
    reg = reg or registry()
    nat = load_national(reg)
    if nat is None:
        raise UserError(
            f"{reg.root / 'national.yml'} is missing: citybank new-city reads the national exports it names"
        )
    root = Path(out).resolve()
    params = root / "params"
    if params.exists() and any(params.iterdir()) and not force:
        raise UserError(
            f"{params} already exists: choose another --out, or delete it first (new-city never overwrites params "
            "an analyst may have edited)"
        )
    frame = national_frame(nat, paths) if frame is None else frame
    gmina, sizes = describe(terc, nat, paths, frame)
    if gmina.year is None:
        raise UserError(f"the national exports hold no year with every measure for {gmina.name} ({terc})")
    names = frame.drop_duplicates("territory", keep="last").set_index("territory")["name"]
    names = names.str.replace(r"\s*\(\d\)$", "", regex=True)
    peers = choose_peers(gmina, sizes, names, nat.peers)
    own = frame[frame["territory"] == terc]
    years_with_all = sorted(
        set.intersection(*[set(own.loc[own["variable"] == c.variable, "year"]) for e in nat.exports for c in e.columns])
    )
    baseline, default = years_with_all[0], years_with_all[-1]
    last = max(_span(e.years)[1] for e in nat.exports)
    years = list(range(baseline, last + 1))

    files: list[Path] = []

    def write(rel: str, data: Any) -> None:
        files.append(write_text_atomic(params / rel, _dump(data)))

    if force and params.exists():
        for p in sorted(params.rglob("*.yml"), reverse=True):
            p.unlink()
    write("city.yml", _city(gmina, peers, years, baseline, default))
    for y in years:
        write(f"years/{y}.yml", {"year": y, "status": "final", "compare_with": y - 1})
    src = reg.root
    write("categories.yml", _without_shared_blocks(_read_yaml(src / "categories.yml")))
    write("variables.yml", _without_shared_blocks(_read_yaml(src / "variables.yml")))
    providers = _read_yaml(src / "providers.yml")["providers"]
    write("providers.yml", {"providers": [p for p in providers if p.get("id") == PROVIDER]})
    if (src / "iso37120.yml").is_file():
        write("iso37120.yml", _without_shared_blocks(_read_yaml(src / "iso37120.yml")))
    national = _without_shared_blocks(_read_yaml(src / "national.yml"))
    national["folders"] = [f"data/raw/{RAW_FOLDER}"]
    national["bank_sums"] = True  # no dataset gives the total population: the bank sums the age groups
    write("national.yml", national)
    for e in nat.exports:
        ds = _dataset(e, nat, reg, export_file(nat, e, paths).name)
        write(f"datasets/{ds['id']}.yml", ds)
        files.extend(_link(root, e, nat, paths, ds["id"]))
    load_params(params)  # the written params must validate (raises ParamsError naming file and key)
    return Workspace(root, gmina, peers, years, files)


def _link(root: Path, e: Any, nat: National, paths: Paths, dataset: str) -> list[Path]:
    """``DIR/data/raw/national/<file>``: a symbolic link to the national export, and its provenance sidecar."""
    target = export_file(nat, e, paths)
    link = root / "data" / "raw" / RAW_FOLDER / target.name
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        if link.resolve() != target:
            raise UserError(f"{link} exists and is not a link to {target}: move it away and run again")
    else:
        link.symlink_to(target)
    side = sidecar_path(link)
    meta = {
        "dataset": dataset,
        "file": f"{RAW_FOLDER}/{target.name}",
        "provider": PROVIDER,
        "origin": f"GUS, Bank Danych Lokalnych: table export {e.table} ({e.years}), every gmina of Poland",
        "licence": LICENCE,
        "sha256": sha256_file(target),
        "note": f"a symbolic link to the national export, written by {GENERATOR}; the file is never copied",
    }
    write_text_atomic(side, _dump(meta))
    return [link, side]


# ---------------------------------------------------------------------------------------------- many gminas


def read_codes(path: str | os.PathLike) -> list[str]:
    """TERC codes of a text or CSV file: one per line, or a column named ``terc``/``kod``/``code`` (any case);
    '#' starts a comment; a code that lost its leading zero (6 digits) gets it back. Order kept, duplicates
    dropped. A UserError names the line of anything that is not a code. A ``.yml`` file is a metropolis
    (``params/metropolis.yml``: its ``members``' TERC codes, validated)."""
    p = Path(path)
    if not p.is_file():
        raise UserError(f"--cities {p}: file not found (a text file with one TERC code per line, or a CSV)")
    if p.suffix.lower() in (".yml", ".yaml"):
        return [m.terc for m in read_metropolis(p).members]
    lines = p.read_text(encoding="utf-8-sig").splitlines()
    rows = [(i + 1, ln.split("#", 1)[0].strip()) for i, ln in enumerate(lines)]
    rows = [(i, ln) for i, ln in rows if ln]
    column = None
    if rows:
        sep = ";" if ";" in rows[0][1] else ","
        header = [h.strip().strip('"').casefold() for h in rows[0][1].split(sep)]
        for key in ("terc", "kod", "code"):
            if key in header:
                column = header.index(key)
                rows = rows[1:]
                break
    codes: list[str] = []
    for i, ln in rows:
        sep = ";" if ";" in ln else ","
        cell = ln.split(sep)[column or 0].strip().strip('"')
        if re.fullmatch(r"\d{6}", cell):
            cell = "0" + cell
        if not re.fullmatch(r"\d{7}", cell):
            raise UserError(
                f"{p}, line {i}: {cell!r} is not a TERC code; expected 7 digits such as 2469011 (one per line, or a "
                "CSV with a 'terc' column)"
            )
        if cell not in codes:
            codes.append(cell)
    if not codes:
        raise UserError(f"{p}: no TERC code found (one per line, or a CSV with a 'terc' column)")
    return codes


def workspace_name(gmina: Gmina) -> str:
    """The folder of a gmina under ``report --cities --out DIR``: ``<terc>-<slug>``."""
    return f"{gmina.terc}-{slugify(gmina.name)}"


def describe_and_write(terc: str, out: str | os.PathLike | None = None, *, force: bool = False) -> Workspace:
    """``citybank new-city``: ``new_city`` into ``out``, by default ``./<terc>-<slug>`` of the current folder."""
    reg = registry()
    nat = load_national(reg)
    if nat is None:
        raise UserError(
            f"{reg.root / 'national.yml'} is missing: citybank new-city reads the national exports it names"
        )
    frame = national_frame(nat, PATHS)
    if out is None:
        gmina, _ = describe(terc, nat, PATHS, frame)
        out = Path.cwd() / workspace_name(gmina)
    return new_city(terc, out, reg=reg, frame=frame, force=force)
