"""citybank fetch-bdl against a local stand-in of the BDL REST API that replays recorded responses (tests/data/bdl_api,
see its ORIGIN.md: real responses, and gmina rows composed in the real shape) — paging as the API does it, a
rate-limit answer, a server error, a 404. No test reaches the network; no test waits: time and sleep are a fake
clock. ``fetch-bdl --national``: variable ids looked up by name in a subject, every gmina's values, the CTAB file the
ranking and new-city read."""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from citybank import newcity, ranking
from citybank.cli import main
from citybank.errors import UserError
from citybank.ingest import read_file
from citybank.ingest.bdl import read_bdl_api_json
from citybank.ingest.fetch import Client, Limiter, cache_key, fetch_to_file, next_url, plan, retry_after, unit_ids
from citybank.ingest.national import fetch_national, resolve
from citybank.params import Dataset
from citybank.params.bdl_api import load_bdl_api
from citybank.params.national import National
from citybank.paths import PATHS, get_paths
from citybank.util import sha256_file


class FakeTime:
    """A clock that only moves when something sleeps; every sleep is recorded."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, s: float) -> None:
        self.sleeps.append(round(s, 6))
        self.now += s


class StandIn:
    """The BDL API at 127.0.0.1:<ephemeral port>/api/v1 replaying recorded bodies; ``script`` maps a path to
    answers given before the recorded one (status, headers, body), e.g. a 429 first."""

    def __init__(self, recorded: dict, variables: list | None = None, gminas: dict | None = None) -> None:
        self.recorded = recorded
        self.variables = variables or []  # /variables results (real, recorded)
        self.gminas = gminas or {}  # variable id → /data/by-variable results of level 6
        self.script: dict[str, list[tuple[int, dict, bytes]]] = {}
        self.log: list[tuple[str, dict]] = []
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                parts = urllib.parse.urlsplit(self.path)
                standin.log.append((self.path, dict(self.headers.items())))
                status, headers, body = standin.answer(parts.path, urllib.parse.parse_qs(parts.query), self.path)
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}/api/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.stopper = threading.Timer(60, self.server.shutdown)  # self-stopping even if a test hangs

    def answer(self, path: str, query: dict, raw: str) -> tuple[int, dict, bytes]:
        queued = self.script.get(path)
        if queued:
            return queued.pop(0)
        js = {"Content-Type": "application/json; charset=utf-8"}
        if path == "/api/v1/data/by-unit/023000000000":
            return 200, js, json.dumps(self.recorded["get_data_by_unit"], ensure_ascii=False).encode()
        var = path.rsplit("/", 1)[1]
        if path == "/api/v1/variables" and query.get("subject-id"):
            results = [v for v in self.variables if v["subjectId"] == query["subject-id"][0]]
            if results:
                return self.paged(results, query, raw)
        if path.startswith("/api/v1/variables/"):
            for v in self.variables:
                if str(v["id"]) == var:
                    return 200, js, json.dumps(v, ensure_ascii=False).encode()
        if path.startswith("/api/v1/data/by-variable/") and "unit-level" in query:
            level = query["unit-level"][0]
            if level == "6" and var in self.gminas:
                return self.paged(self.gminas[var], query, raw)
            if level == "2" and var in self.gminas:  # the recorded voivodeship row (MAŁOPOLSKIE, variable 9)
                rows = self.recorded["get_data_by_variable"]
                return self.paged([r for r in rows if r["id"] == "011200000000"], query, raw)
        if path == "/api/v1/data/by-variable/9":
            return self.paged(self.recorded["get_data_by_variable"], query, raw)
        return 404, {"Content-Type": "text/plain"}, b"Nie znaleziono zasobu"

    def paged(self, results: list, query: dict, raw: str) -> tuple[int, dict, bytes]:
        js = {"Content-Type": "application/json; charset=utf-8"}
        # the API pages results: page (0-based) and page-size; links.next until the last page
        page, size = int(query.get("page", ["0"])[0]), int(query.get("page-size", ["100"])[0])
        chunk = results[page * size : (page + 1) * size]
        here = f"http://127.0.0.1:{self.server.server_address[1]}{raw}"

        def at(p: int) -> str:
            q = [(k, v) for k, vs in query.items() for v in vs if k != "page"] + [("page", str(p))]
            return here.split("?")[0] + "?" + urllib.parse.urlencode(q)

        last = (len(results) - 1) // size
        links = {"first": at(0), "self": here, "last": at(last)}
        if page < last:
            links["next"] = at(page + 1)
        doc = {"totalRecords": len(results), "page": page, "pageSize": size, "links": links, "results": chunk}
        return 200, js, json.dumps(doc, ensure_ascii=False).encode()

    def __enter__(self) -> StandIn:
        self.thread.start()
        self.stopper.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopper.cancel()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


RECORDED = Path(__file__).parent / "data" / "bdl_api"


def _json(name: str):
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))


@pytest.fixture()
def standin():
    variables = _json("samples_raw_variables.json")["list_variables"]
    with StandIn(_json("samples_raw_data.json"), variables, _json("by_variable_gminas.json")) as s:
        yield s


@pytest.fixture()
def cfg():
    return load_bdl_api(PATHS.params)


def _client(cfg, tmp_path, standin, t: FakeTime, **kw) -> Client:
    return Client(cfg, tmp_path / "cache", base_url=standin.base, sleep=t.sleep, clock=t.clock, **kw)


def test_params_bdl_api_has_the_documented_quotas(cfg):
    assert cfg.base_url == "https://bdl.stat.gov.pl/api/v1" and cfg.page_size == 100
    assert cfg.quotas.anonymous == {1: 5, 900: 100, 43200: 1000, 604800: 10000}
    assert cfg.quotas.registered == {1: 10, 900: 500, 43200: 5000, 604800: 50000}


def test_plan_variables_units_years(cfg, reg):
    units = unit_ids(reg, ["city", "peers"])
    assert units[0] == "012414874011" and len(units) == 9
    reqs = plan(["72305", "1750207"], [2023, 2024], cfg, units=units[:2])
    assert [r.path for r in reqs] == ["data/by-unit/012414874011", "data/by-unit/012414869011"]
    assert reqs[0].url("https://x/api/v1") == (
        "https://x/api/v1/data/by-unit/012414874011?var-id=72305&var-id=1750207&year=2023&year=2024"
        "&format=json&lang=pl&page-size=100"
    )
    by_var = plan(["9"], [2024], cfg, by="variable", unit_level=6, unit_parent_id="012414800000")
    assert by_var[0].url("https://x") == (
        "https://x/data/by-variable/9?unit-parent-id=012414800000&unit-level=6&year=2024&format=json&lang=pl"
        "&page-size=100"
    )


def test_paging_follows_links_next_and_the_file_reads_back(cfg, tmp_path, standin, reg):
    t = FakeTime()
    small = cfg.model_copy(update={"page_size": 2})
    client = _client(small, tmp_path, standin, t)
    out = tmp_path / "raw" / "gus" / "api_9.json"
    res = fetch_to_file(plan(["9"], [1995, 2024], small, by="variable"), client, out, dataset="x", licence="CC-BY-4.0")
    assert [urllib.parse.parse_qs(urllib.parse.urlsplit(p).query).get("page") for p, _ in standin.log] == [
        None,
        ["1"],
    ]  # the first page has no page parameter; the second is the API's links.next
    assert res.requests_sent == 2 and len(res.pages) == 2 and res.retries == 0
    docs = json.loads(out.read_text(encoding="utf-8"))
    assert [d["variableId"] for d in docs] == ["9", "9"] and [len(d["results"]) for d in docs] == [2, 1]
    df = read_bdl_api_json(out)
    assert sorted(df["unit_id"].unique()) == ["000000000000", "010000000000", "011200000000"]
    pl = df[df["unit_id"] == "000000000000"].set_index("year")["value"]
    assert pl[1995] == 168 and pl[2024] == 276  # the recorded values (samples_raw_data.json)
    # a bdl_api descriptor reads the file: Poland is kept (country), the regions are left out
    d = reg.datasets["gus-api-budownictwo"].model_dump()
    d["source"]["columns"] = [{"source": "9", "variable": d["source"]["columns"][0]["variable"]}]
    got = read_file(out, Dataset.model_validate(d), reg)
    assert got.dropped == 60 and dict(zip(got.frame["year"], got.frame["value"], strict=True))[1995] == 168
    side = yaml.safe_load((out.parent / "api_9.json.source.yml").read_text(encoding="utf-8"))
    assert side["provider"] == "gus" and len(side["requests"]) == 2 and len(side["sha256"]) == 64


def test_rate_limit_then_server_error_are_retried_with_backoff(cfg, tmp_path, standin, monkeypatch):
    path = "/api/v1/data/by-unit/023000000000"
    standin.script[path] = [
        (429, {"Retry-After": "7"}, b'{"message":"Too Many Requests"}'),
        (503, {}, b"Service Unavailable"),
    ]
    t = FakeTime()
    client = _client(cfg, tmp_path, standin, t, client_id="test-key-123")
    out = tmp_path / "by_unit.json"
    res = fetch_to_file(plan(["9"], [1995], cfg, units=["023000000000"]), client, out, dataset="x", licence="l")
    assert t.sleeps == [7.0, 2.0]  # Retry-After of the 429, then backoff 1 s × 2**1 for the 503
    assert res.requests_sent == 3 and res.retries == 2 and res.waited == pytest.approx(9.0)
    assert all(h.get("X-Clientid") == "test-key-123" for _, h in standin.log)
    df = read_bdl_api_json(out)
    assert df.set_index("year").loc[1995, "value"] == 12 and set(df["unit_id"]) == {"023000000000"}
    # the key is a header only: never in the cache, a sidecar, the output or the URL
    written = [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*") if p.is_file()]
    assert written and not any("test-key-123" in w for w in written)
    assert not any("test-key" in p for p, _ in standin.log)


def test_cache_with_a_sidecar_per_response_is_reused(cfg, tmp_path, standin):
    t = FakeTime()
    reqs = plan(["9"], [1995], cfg, units=["023000000000"])
    fetch_to_file(reqs, _client(cfg, tmp_path, standin, t), tmp_path / "a.json", dataset="x", licence="l")
    url = reqs[0].url(standin.base)
    body = tmp_path / "cache" / f"{cache_key(url)}.json"
    side = yaml.safe_load((tmp_path / "cache" / f"{body.name}.source.yml").read_text(encoding="utf-8"))
    assert side["url"] == url and side["client"] == "anonymous" and len(side["sha256"]) == 64
    assert len(standin.log) == 1
    again = fetch_to_file(reqs, _client(cfg, tmp_path, standin, t), tmp_path / "a.json", dataset="x", licence="l")
    assert len(standin.log) == 1 and again.from_cache == 1 and again.requests_sent == 0
    fetch_to_file(reqs, _client(cfg, tmp_path, standin, t, refresh=True), tmp_path / "a.json", dataset="x", licence="l")
    assert len(standin.log) == 2


def test_a_404_is_a_message_not_a_retry(cfg, tmp_path, standin):
    t = FakeTime()
    client = _client(cfg, tmp_path, standin, t)
    with pytest.raises(UserError) as err:
        client.fetch(plan(["1"], [2024], cfg, units=["999999999999"])[0])
    url = f"{standin.base}/data/by-unit/999999999999?var-id=1&year=2024&format=json&lang=pl&page-size=100"
    assert str(err.value) == (
        f"the BDL API answered HTTP 404 to {url} (unit 999999999999, variables 1): Nie znaleziono zasobu — check "
        "the variable id (GET /variables/{id}) and the unit id (12 digits, e.g. 012414874011)"
    )
    assert len(standin.log) == 1 and t.sleeps == []


def test_a_retry_after_beyond_the_limit_stops_with_a_message(cfg, tmp_path, standin):
    path = "/api/v1/data/by-unit/023000000000"
    standin.script[path] = [(429, {"Retry-After": "3600"}, b"")]
    t = FakeTime()
    with pytest.raises(UserError) as err:
        _client(cfg, tmp_path, standin, t).fetch(plan(["9"], [1995], cfg, units=["023000000000"])[0])
    url = f"{standin.base}/data/by-unit/023000000000?var-id=9&year=1995&format=json&lang=pl&page-size=100"
    assert str(err.value) == (
        f"the BDL API answered 429 (too many requests) to {url} and asks to wait 1 h, longer than "
        "max_retry_after_seconds (15 min) in params/bdl_api.yml: the quota is used up — run fetch-bdl again later "
        "(cached pages are not requested again)"
    )


def test_retries_exhausted_name_the_attempts(cfg, tmp_path, standin):
    path = "/api/v1/data/by-unit/023000000000"
    standin.script[path] = [(500, {}, b"boom")] * 3
    t = FakeTime()
    few = cfg.model_copy(update={"retries": 2})
    with pytest.raises(UserError, match=r"answered HTTP 500 to .* after 3 attempts: boom — try again later"):
        _client(few, tmp_path, standin, t).fetch(plan(["9"], [1995], few, units=["023000000000"])[0])
    assert t.sleeps == [1.0, 2.0]


def test_limiter_keeps_the_per_second_quota_and_stops_at_a_long_one(tmp_path):
    t = FakeTime()
    lim = Limiter({1: 5, 900: 100}, clock=t.clock, sleep=t.sleep, max_wait=900, state=tmp_path / "q.json")
    for _ in range(6):
        lim.acquire()
    assert t.sleeps == [1.0]  # the sixth request waits for the one-second window
    assert len(json.loads((tmp_path / "q.json").read_text())["requests"]) == 6
    day = Limiter({43200: 2}, clock=t.clock, sleep=t.sleep, max_wait=900, label="anonymous")
    day.acquire()
    day.acquire()
    with pytest.raises(UserError) as err:
        day.acquire()
    assert str(err.value) == (
        "the BDL API quota of 2 requests per 12 h (anonymous) is used up; the next request is allowed in 12 h — "
        "run fetch-bdl again later or set a registered client id (see params/bdl_api.yml, client_id_env)"
    )


def test_next_url_and_retry_after():
    doc = {"totalRecords": 250, "results": [{}] * 100}
    assert next_url(doc, "https://x/d?var-id=1&page=0", 0, 100) == "https://x/d?var-id=1&page=1"
    assert next_url({**doc, "links": {"self": "s"}}, "https://x/d", 0, 100) is None  # links without next: last
    assert next_url({"totalRecords": 100, "results": [{}] * 100}, "https://x/d", 0, 100) is None
    assert retry_after("12") == 12.0 and retry_after(None) is None and retry_after("soon") is None


def test_cli_dry_run_lists_what_it_would_request(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BDL_CLIENT_ID", raising=False)
    assert (
        main(
            [
                "fetch-bdl",
                "--dataset",
                "gus-api-budownictwo",
                "--dry-run",
                "--units",
                "city,country",
                "--years",
                "2023-2024",
                "--cache",
                str(tmp_path),
            ]
        )
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert (
        out[0]
        == "fetch-bdl gus-api-budownictwo: 2 request(s), first pages; anonymous (no BDL_CLIENT_ID in the environment)"
    )
    assert out[1] == (
        "  GET https://bdl.stat.gov.pl/api/v1/data/by-unit/012414874011?var-id=748601&year=2023&year=2024"
        "&format=json&lang=pl&page-size=100"
    )
    assert (
        out[3]
        == "2 to send (0 cached), more if a response has further pages; quota 5/s, 100/15 min, 1000/12 h, 10000/7 days: at least 0 s"
    )
    assert out[4].startswith("would write ") and out[4].endswith(
        "gus/api_by_unit_748601.json and its provenance sidecar; cache " + str(tmp_path)
    )


def test_cli_fetches_from_the_stand_in(tmp_path, capsys, standin, monkeypatch):
    monkeypatch.delenv("BDL_CLIENT_ID", raising=False)
    out = tmp_path / "w.json"
    assert (
        main(
            [
                "fetch-bdl",
                "--dataset",
                "gus-api-budownictwo",
                "--var",
                "9",
                "--unit",
                "023000000000",
                "--years",
                "1995",
                "--base-url",
                standin.base,
                "--cache",
                str(tmp_path / "c"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    text = capsys.readouterr().out
    assert "fetch-bdl gus-api-budownictwo: 1 page(s) — 1 request(s) sent, 0 from the cache, 0 retried" in text
    assert read_bdl_api_json(out).set_index("year").loc[2024, "value"] == 40
    assert main(["fetch-bdl", "--dataset", "gus-ludnosc-stan", "--dry-run"]) == 2
    assert "fetch-bdl writes BDL API responses" in capsys.readouterr().err


# ------------------------------------------------------------------ fetch-bdl --national


def _national(**extra) -> National:
    """Three exports: one found by name in subject P1313 (two columns), one by its variable id, one whose subject
    the API does not know (404)."""
    return National.model_validate(
        {
            "folders": ["data/raw/national"],
            "source": {"pl": "GUS", "en": "GUS", "de": "GUS"},
            "exports": [
                {"id": "radni-wiek", "file": "RADNI_WIEK.csv", "table": "P1313", "subject": "P1313",
                 "years": "2018–2019", "category": "ludnosc",
                 "columns": [{"source": "ogółem;ogółem", "variable": "councillors"},
                             {"source": "ogółem; 24 lata i mniej", "variable": "councillors_young"}]},
                {"id": "radni", "file": "RADNI.csv", "table": "P1312", "years": "2018–2019", "category": "ludnosc",
                 "columns": [{"source": "ogółem", "variable": "councillors_all", "bdl_variable": "6"}]},
                {"id": "nieznany", "file": "X.csv", "table": "X", "subject": "P9999", "years": "2018–2019",
                 "category": "ludnosc", "columns": [{"source": "ogółem", "variable": "x"}]},
            ],
            "classes": {"size_variable": "councillors", "size_bands": [0]},
            **extra,
        }
    )  # fmt: skip


def test_national_fetch_every_gmina_into_the_ctab_shape_the_ranking_reads(cfg, tmp_path, standin):
    t = FakeTime()
    small = cfg.model_copy(update={"page_size": 2})  # 3 gminas, 7 variables of P1313: the API's pages are followed
    client = Client(small, tmp_path / "cache", base_url=standin.base, sleep=t.sleep, clock=t.clock)
    nat = _national()
    result = fetch_national(nat, client, tmp_path)
    folder = tmp_path / "data" / "raw" / "national"
    # the unknown subject is reported, the other exports are fetched
    assert list(result.failures) == ["nieznany"] and "HTTP 404" in result.failures["nieznany"]
    assert sorted(p.name for p in result.written) == [
        "bdl-api_radni-wiek.csv", "bdl-api_radni-wiek.csv.source.yml", "bdl-api_radni.csv",
        "bdl-api_radni.csv.source.yml", "bdl-api_units.csv", "bdl-api_units.csv.source.yml",
    ]  # fmt: skip
    # variables found by their names n1;n2 (whitespace and case aside): 34032 and 9 of the recorded listing
    side = yaml.safe_load((folder / "bdl-api_radni-wiek.csv.source.yml").read_text(encoding="utf-8"))
    assert side["variables"] == {"ogółem;ogółem": "34032", "ogółem; 24 lata i mniej": "9"}
    assert side["sha256"] == sha256_file(folder / "bdl-api_radni-wiek.csv") and side["licence"] == "CC-BY-4.0"
    paths = [urllib.parse.urlsplit(u) for u in side["requests"]]
    assert [p.path for p in paths][:4] == ["/api/v1/variables"] * 4  # 7 variables, 2 a page
    data = [urllib.parse.parse_qs(p.query) for p in paths if "by-variable" in p.path]
    assert [(q["unit-level"], q.get("page", ["0"])) for q in data[:3]] == [
        (["2"], ["0"]),
        (["6"], ["0"]),
        (["6"], ["1"]),
    ]
    assert all(q["year"] == ["2018", "2019"] and q["page-size"] == ["2"] for q in data)
    # the file is a CTAB export: codes, names with the gmina's kind, one column per (label, year), no-data empty
    text = (folder / "bdl-api_radni-wiek.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0] == (
        '"Kod";"Nazwa";"ogółem;ogółem;2018;[osoba]";"ogółem;ogółem;2019;[osoba]";'
        '"ogółem; 24 lata i mniej;2018;[osoba]";"ogółem; 24 lata i mniej;2019;[osoba]"'
    )
    assert text.splitlines()[1:] == [
        '"1200000";"MAŁOPOLSKIE";"37";"29";"37";"29"',  # the recorded row of variable 9, replayed for any
        '"2463011";"Chorzów (1)";"25";"25";"0";""',
        '"2469011";"Katowice (1)";"28";"28";"2";"0"',
        '"2474011";"Siemianowice Śląskie (1)";"23";"23";"1";"0"',
    ]
    frame = ranking.national_frame(nat.model_copy(update={"exports": nat.exports[:2]}), get_paths(tmp_path))
    got = frame.set_index(["variable", "territory", "year"])["value"]
    assert got[("councillors", "2474011", 2019)] == 23 and got[("councillors_all", "2469011", 2018)] == 28
    assert ("councillors_young", "2463011", 2019) not in got.index  # attrId 0: no data, not a zero
    units = (folder / "bdl-api_units.csv").read_text(encoding="utf-8").splitlines()
    assert units == ["id,name", "011200000000,MAŁOPOLSKIE", "012414863011,Chorzów", "012414869011,Katowice",
                     "012414874011,Siemianowice Śląskie"]  # fmt: skip
    assert newcity._teryt_rows([folder])[1]["2469011"] == "012414869011"
    # pages: P1313's listing 4 (7 variables), per variable level 2 (1) and level 6 (2), variable 6 itself 1 → 14;
    # one more request, the 404. Within the quota of 5 a second: the fake clock waited twice a second
    assert (len(client.result.pages), client.result.requests_sent, t.sleeps) == (14, 15, [1.0, 1.0])
    # again: every page from the cache, nothing sent, the same bytes
    again = Client(small, tmp_path / "cache", base_url=standin.base, sleep=t.sleep, clock=t.clock)
    before = (folder / "bdl-api_radni-wiek.csv").read_bytes()
    sent = len(standin.log)
    fetch_national(nat, again, tmp_path)
    assert again.result.requests_sent == 1 and len(standin.log) == sent + 1  # only the 404 is asked again
    assert (folder / "bdl-api_radni-wiek.csv").read_bytes() == before


def test_national_fetch_names_what_is_wrong(cfg, tmp_path, standin):
    t = FakeTime()
    client = Client(cfg, tmp_path / "cache", base_url=standin.base, sleep=t.sleep, clock=t.clock)
    nat = _national()
    bad = nat.exports[0].model_copy(
        update={"columns": [nat.exports[0].columns[0].model_copy(update={"source": "ogółem;65 lat i więcej"})]}
    )
    with pytest.raises(
        UserError, match=r"subject P1313 has no variable\(s\) named 'ogółem;65 lat i więcej'.*'ogółem;25-29'"
    ):
        resolve(bad, client)
    none = nat.exports[0].model_copy(update={"subject": None})
    with pytest.raises(UserError, match="no BDL variable id — give the column `bdl_variable` or the export `subject`"):
        resolve(none, client)
    # a fetched file that differs is not overwritten without --force
    folder = tmp_path / "data" / "raw" / "national"
    folder.mkdir(parents=True)
    (folder / "bdl-api_radni.csv").write_text("Kod;Nazwa\n", encoding="utf-8")
    result = fetch_national(nat, client, tmp_path)
    assert "exists and differs" in result.failures["radni"]
    assert fetch_national(nat, client, tmp_path, force=True).failures.keys() == {"nieznany"}


def test_cli_national_dry_run_and_fetch(tmp_path, capsys, standin, monkeypatch):
    monkeypatch.delenv("BDL_CLIENT_ID", raising=False)
    assert main(["fetch-bdl", "--national", "--dry-run", "--cache", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "fetch-bdl --national: 3 export(s) for every gmina; anonymous" in out
    assert "GET https://bdl.stat.gov.pl/api/v1/variables?subject-id=P1944&format=json&lang=pl&page-size=100" in out
    assert "bdl-api_ryne-1944.csv and its provenance sidecar" in out
    assert main(["fetch-bdl", "--national", "--dataset", "x"]) == 2
    assert "one of them" in capsys.readouterr().err
    # the workbench's own exports against the stand-in, which knows none of their subjects: each named, exit 1,
    # nothing written beside the shipped exports
    before = sorted(p.name for p in (PATHS.raw / "national").iterdir())
    code = main(["fetch-bdl", "--national", "--base-url", standin.base, "--cache", str(tmp_path / "c")])
    out = capsys.readouterr().out
    assert code == 1
    for export in ("ryne-1944", "ludn-wiek", "fina-dochody"):
        assert f"NOT fetched: export {export}: the BDL API answered HTTP 404" in out
    assert "variables?subject-id=P1944" in out
    assert sorted(p.name for p in (PATHS.raw / "national").iterdir()) == before
