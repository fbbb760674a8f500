"""Small raw files in the real formats of the four reference descriptors (built into tmp_path by tests).

Every number is typed here so the tests can state expected values by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
from citybank.schema import SIDECAR_SUFFIX
from citybank.util import sha256_file

YEARS = list(range(2015, 2025))

# population by economic age group (CTAB): code → (pre-working, working, post-working) for 2015..2024
LUDN_CITY = [(10889 + i, 42503 - 700 * i, 14839 + 300 * i) for i in range(10)]
LUDN_UNITS = {
    "0000000": ("POLSKA", 1000),  # country
    "2400000": ("ŚLĄSKIE", 100),  # voivodeship
    "2474011": ("Siemianowice Śląskie (1)", 1),
    "2469011": ("Katowice (1)", 4),  # peer
    "201011": ("Bolesławiec (1)", 2),  # not kept; the export dropped its leading zero
}


def ludn_ctab(path: Path) -> Path:
    groups = ["w wieku przedprodukcyjnym", "w wieku produkcyjnym", "w wieku poprodukcyjnym"]
    header = ['"Kod"', '"Nazwa"'] + [f'"{g};ogółem;{y};[osoba]"' for g in groups for y in YEARS]
    lines = [";".join(header) + ";"]
    for code, (name, mult) in LUDN_UNITS.items():
        cells = [str(LUDN_CITY[i][g] * mult) for g in range(3) for i in range(10)]
        if code == "2469011":
            cells[0] = ""  # Katowice pre-working 2015: no data (empty cell, never 0)
        lines.append(f'{code};"{name}";' + ";".join(cells) + ";")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    return path


WAGES = {
    2016: 3800.5,
    2017: 4012.0,
    2018: 4250.25,
    2019: 4501.0,
    2020: 4720.0,
    2021: 5105.0,
    2022: 5690.0,
    2023: 6410.0,
    2024: 7136.0,
}


def wages_json(path: Path) -> Path:
    values = [{"year": "2015", "val": 0, "attrId": 0}]  # no data, not a zero
    values += [{"year": str(y), "val": v, "attrId": 9 if y == 2024 else 1} for y, v in WAGES.items()]
    doc = {
        "totalRecords": 1,
        "unitId": "012414874011",
        "unitName": "Siemianowice Śląskie",
        "aggregateId": 1,
        "results": [{"id": 1750207, "measureUnitId": 4, "lastUpdate": "2025-06-01T08:45:17.01", "values": values}],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


UNEMPLOYED = {
    2015: 2464,
    2016: 1675,
    2017: 1364,
    2018: 1145,
    2019: 888,
    2020: 1311,
    2021: 923,
    2022: 860,
    2023: 798,
    2024: 826,
}


def pup_xlsx(path: Path, planted: dict[int, float] | None = None, numbers_as_text: bool = False) -> Path:
    """Title rows 1–2, two merged header rows 3–4, data from row 5, a footnote below."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bezrobocie"
    ws["A1"] = "Powiatowy Urząd Pracy w Siemianowicach Śląskich"
    ws["A2"] = "Bezrobotni zarejestrowani, stan na 31 XII"
    ws["A3"], ws["B3"], ws["E3"] = "Rok", "Bezrobotni zarejestrowani", "Stopa bezrobocia"
    ws.merge_cells("A3:A4")
    ws.merge_cells("B3:D3")
    ws["B4"], ws["C4"], ws["D4"] = "ogółem", "kobiety", "mężczyźni"
    ws["E4"] = "%"
    values = {**UNEMPLOYED, **(planted or {})}
    for i, (y, v) in enumerate(values.items()):
        r = 5 + i
        ws.cell(r, 1, y)
        ws.cell(r, 2, f"{v:,}".replace(",", "\u00a0") if numbers_as_text else v)
        ws.cell(r, 3, round(v * 0.55))
        ws.cell(r, 4, v - round(v * 0.55))
        ws.cell(r, 5, 5.1)
    last = 5 + len(values)
    ws.cell(last + 1, 1, "Źródło: PUP Siemianowice Śląskie")
    ws.cell(last + 2, 1, "* dane wstępne")
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


DISTRICTS = {"Bańgów": 6210, "Bytków": 14100, "Michałkowice": 12050, "Przełajka": 3980, "Centrum": 30140}


def zameldowani_csv(path: Path, year: int, header: str = "Zameldowani na pobyt stały") -> Path:
    """cp1250, ';', decimal comma, NBSP thousands separators; district spellings incl. an alias."""
    lines = [f"Rok;Dzielnica;{header}"]
    for i, (name, v) in enumerate(DISTRICTS.items()):
        n = v - 10 * (2024 - year) + i
        text = f"{n:,}".replace(",", "\u00a0") if n >= 1000 else str(n)
        lines.append(f"{year};{name};{text}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1250"))
    return path


def district_value(name: str, year: int) -> int:
    i = list(DISTRICTS).index(name)
    return DISTRICTS[name] - 10 * (2024 - year) + i


def build_raw(raw: Path, planted: dict[int, float] | None = None) -> Path:
    """A complete data/raw for the four reference datasets."""
    ludn_ctab(raw / "gus" / "LUDN_ludnosc_wg_grup_wieku.csv")
    wages_json(raw / "gus" / "api_by_unit_1750207.json")
    pup_xlsx(raw / "pup" / "bezrobocie_2015-2024.xlsx", planted=planted)
    for y in YEARS:
        zameldowani_csv(
            raw / "um-ewidencja" / f"zameldowani_{y}.csv",
            y,
            header="Liczba zameldowanych" if y < 2018 else "Zameldowani na pobyt stały",
        )
    for path in sorted(p for p in raw.rglob("*") if p.is_file() and not p.name.endswith(SIDECAR_SUFFIX)):
        write_sidecar(path)
    return raw


def write_sidecar(path: Path) -> Path:
    """The provenance sidecar a provider's file arrives with (provider, origin, date, licence, sha256)."""
    side = path.with_name(path.name + SIDECAR_SUFFIX)
    side.write_text(
        f"provider: test\norigin: tests/ingest_fixtures.py\ndate: '2025-03-31'\nlicence: CC-BY-4.0\n"
        f"sha256: {sha256_file(path)}\n",
        encoding="utf-8",
    )
    return side


# ------------------------------------------------------------------ the bad-file corpus (tests/data/bad/)

GOOD_HEADER = "Rok;Dzielnica;Zameldowani na pobyt stały"


def bad_corpus(out: Path) -> dict[str, Path]:
    """Broken files an analyst may receive, for the um-ludnosc-dzielnice (csv) and pup-bezrobocie (xlsx)
    descriptors. Returns name → path; tests/data/bad/ holds a committed copy made by this function."""
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

    def put(name: str, data: bytes) -> None:
        (out / name).write_bytes(data)
        files[name] = out / name

    put("zameldowani_empty.csv", b"")
    put("zameldowani_utf16.csv", (GOOD_HEADER + "\r\n2024;Bytków;14100\r\n").encode("utf-16"))
    put("zameldowani_wrong_encoding.csv", GOOD_HEADER.encode("cp1250") + b"\r\n2024;\x81\x98\x90;14100\r\n")
    put("zameldowani_missing_column.csv", "Rok;Dzielnica;Wymeldowani\r\n2024;Bytków;120\r\n".encode("cp1250"))
    put(
        "zameldowani_text_in_number.csv",
        (GOOD_HEADER + "\r\n2024;Bytków;14100\r\n2024;Bańgów;brak danych\r\n").encode("cp1250"),
    )
    put(
        "zameldowani_duplicates.csv", (GOOD_HEADER + "\r\n2024;Bytków;14100\r\n2024;Bytkow;14 100\r\n").encode("cp1250")
    )
    put("zameldowani_future_year.csv", (GOOD_HEADER + "\r\n2031;Bytków;14100\r\n").encode("cp1250"))
    put("zameldowani_unknown_district.csv", (GOOD_HEADER + "\r\n2024;Zalesie;900\r\n").encode("cp1250"))
    put("zameldowani_negative.csv", (GOOD_HEADER + "\r\n2024;Bytków;-5\r\n").encode("cp1250"))
    put("zameldowani_really_xlsx.csv", _tiny_xlsx(out))
    put("bezrobocie_truncated.xlsx", _tiny_xlsx(out)[:700])
    put("bezrobocie_encrypted.xlsx", _ole2(["EncryptionInfo", "EncryptedPackage"]))
    put("bezrobocie_old.xlsx", _ole2(["Workbook", "SummaryInformation"]))
    put("bezrobocie_really_csv.xlsx", (GOOD_HEADER + "\r\n2024;Bytków;14100\r\n").encode("utf-8"))
    return files


def _tiny_xlsx(out: Path) -> bytes:
    tmp = out / ".tiny.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Rok", "Bezrobotni"])
    wb.active.append([2024, 826])
    wb.save(tmp)
    data = tmp.read_bytes()
    tmp.unlink()
    return data


def _ole2(streams: list[str]) -> bytes:
    """The start of an OLE2 compound file with directory entries named ``streams`` (enough to sniff)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entries = b"".join(s.encode("utf-16-le").ljust(64, b"\x00") + b"\x00" * 64 for s in ["Root Entry", *streams])
    return header + entries
