"""A client of the GUS BDL REST API (``citybank fetch-bdl``): variables × units × years, paging, the API's quotas,
retries with backoff, a cache on disk with a provenance sidecar per response, and one result file where a
dataset descriptor of format ``bdl_api`` reads it.

Requests (``plan``): one ``/data/by-unit/{unit}`` per unit with every variable (``by="unit"``), or one
``/data/by-variable/{var}`` per variable for the units under a parent at a level (``by="variable"``); each with
``format=json`` (the shape the readers know best), ``lang``, every year, ``page-size``. Every request follows
``links.next`` (or ``page`` + 1 while ``totalRecords`` says more) until the last page.

The client id (``X-ClientId``) comes from the environment variable ``params/bdl_api.yml`` names; it is sent as a
header only, never written to the cache, a sidecar, a URL or a message. ``sleep`` and ``clock`` are injectable,
so tests wait for nothing.
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import yaml

from ..errors import UserError
from ..params import Registry
from ..params.bdl_api import BdlApi
from ..rawdata import sidecar_path
from ..safety import MAX_RESPONSE_MB, loads_json
from ..util import sha256_file, write_bytes_atomic, write_text_atomic

RETRY_STATUS = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class Request:
    """One API call (its first page): a path under the base URL and its query parameters (repeated keys kept)."""

    path: str
    params: tuple[tuple[str, str], ...]
    what: str = ""  # for messages: 'unit 012414874011, 2 variables'

    def url(self, base: str) -> str:
        return f"{base.rstrip('/')}/{self.path}?{urllib.parse.urlencode(self.params)}"


def plan(
    variables: list[str],
    years: list[int],
    cfg: BdlApi,
    *,
    units: list[str] | None = None,
    by: str = "unit",
    unit_level: int | None = None,
    unit_parent_id: str | None = None,
) -> list[Request]:
    """The requests that fetch ``variables`` × ``units`` × ``years`` (see the module's docstring)."""
    common = [("year", str(y)) for y in years] + [("format", "json"), ("lang", cfg.lang)]
    common.append(("page-size", str(cfg.page_size)))
    out: list[Request] = []
    if by == "unit":
        if not units:
            raise UserError("fetch-bdl by unit needs at least one BDL unit id (12 digits, e.g. 012414874011)")
        step = cfg.vars_per_request
        for unit in units:
            for i in range(0, len(variables), step):
                chunk = variables[i : i + step]
                params = tuple([("var-id", v) for v in chunk] + common)
                out.append(Request(f"data/by-unit/{unit}", params, f"unit {unit}, variables {', '.join(chunk)}"))
        return out
    if by == "variable":
        extra: list[tuple[str, str]] = []
        if unit_parent_id:
            extra.append(("unit-parent-id", unit_parent_id))
        if unit_level is not None:
            extra.append(("unit-level", str(unit_level)))
        for v in variables:
            out.append(Request(f"data/by-variable/{v}", tuple(extra + common), f"variable {v}"))
        return out
    raise UserError(f"fetch-bdl: by must be 'unit' or 'variable', not {by!r}")


UNIT_GROUPS = ("city", "powiat", "peers", "voivodeship", "country")


def unit_ids(reg: Registry, groups: list[str] | None = None) -> list[str]:
    """The BDL unit ids (12 digits, params/city.yml) of the groups asked for, in the order of ``UNIT_GROUPS``:
    the city's gmina, its powiat, the peers, the voivodeship, the country."""
    c = reg.city
    wanted = groups or list(UNIT_GROUPS)
    unknown = [g for g in wanted if g not in UNIT_GROUPS]
    if unknown:
        raise UserError(f"unknown unit group(s) {', '.join(unknown)}; use some of: {', '.join(UNIT_GROUPS)}")
    ids = {
        "city": [c.bdl_unit_gmina],
        "powiat": [c.bdl_unit_powiat],
        "peers": [p.bdl_id for p in c.peers if p.bdl_id],
        "voivodeship": [c.voivodeship.bdl_id] if c.voivodeship.bdl_id else [],
        "country": [c.country.bdl_id] if c.country.bdl_id else [],
    }
    return [u for g in UNIT_GROUPS if g in wanted for u in ids[g]]


# ------------------------------------------------------------------ quotas


class Limiter:
    """Sliding-window quotas: before each request, wait until every window has room. A wait longer than
    ``max_wait`` seconds (a 12-hour or 7-day quota used up) is a UserError instead. Request times are kept in
    ``state`` (a JSON file in the cache) so that consecutive runs share the windows."""

    def __init__(
        self,
        quotas: dict[int, int],
        *,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
        max_wait: float,
        state: Path | None = None,
        label: str = "",
    ):
        self.quotas = dict(sorted(quotas.items()))
        self.clock, self.sleep, self.max_wait, self.state, self.label = clock, sleep, max_wait, state, label
        self.times: list[float] = []
        if state and state.is_file():
            try:
                self.times = [float(t) for t in json.loads(state.read_text(encoding="utf-8")).get("requests", [])]
            except (ValueError, json.JSONDecodeError, AttributeError):
                self.times = []

    def wait_needed(self, now: float) -> tuple[float, int, int]:
        """(seconds to wait, window, limit) of the tightest window that is full at ``now``."""
        worst = (0.0, 0, 0)
        for window, limit in self.quotas.items():
            recent = [t for t in self.times if t > now - window]
            if len(recent) >= limit:
                wait = recent[-limit] + window - now
                if wait > worst[0]:
                    worst = (wait, window, limit)
        return worst

    def acquire(self) -> float:
        """Wait for room in every window, then count one request; the seconds waited."""
        waited = 0.0
        while True:
            now = self.clock()
            wait, window, limit = self.wait_needed(now)
            if wait <= 0:
                break
            if wait > self.max_wait:
                raise UserError(
                    f"the BDL API quota of {limit} requests per {_window(window)} ({self.label}) is used up; "
                    f"the next request is allowed in {_window(wait)} — run fetch-bdl again later"
                    + (
                        " or set a registered client id (see params/bdl_api.yml, client_id_env)"
                        if self.label == "anonymous"
                        else ""
                    )
                )
            self.sleep(wait)
            waited += wait
        now = self.clock()
        horizon = now - max(self.quotas)
        self.times = [t for t in self.times if t > horizon] + [now]
        if self.state:
            self.state.parent.mkdir(parents=True, exist_ok=True)
            write_text_atomic(self.state, json.dumps({"requests": self.times}))
        return waited


def _window(seconds: float) -> str:
    s = float(seconds)
    if s >= 86400:
        return f"{s / 86400:g} days"
    if s >= 3600:
        return f"{s / 3600:g} h"
    if s >= 60:
        return f"{s / 60:g} min"
    return f"{s:.3g} s"


def estimate_seconds(n: int, quotas: dict[int, int]) -> float:
    """The least time ``n`` requests take under ``quotas`` (a full window's wait for each filled window)."""
    return max((((n - 1) // limit) * window for window, limit in quotas.items()), default=0.0)


# ------------------------------------------------------------------ cache


def cache_key(url: str) -> str:
    """The cache file stem of a URL (query keys in order; the client id is a header, never in the URL)."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:24]


@dataclass
class Page:
    url: str
    body: bytes
    cached: bool
    path: Path


@dataclass
class FetchResult:
    pages: list[Page] = field(default_factory=list)
    requests_sent: int = 0
    retries: int = 0
    waited: float = 0.0
    out: Path | None = None

    @property
    def from_cache(self) -> int:
        return sum(p.cached for p in self.pages)


class Client:
    """Sends requests with the quotas, retries and cache of ``cfg``; ``opener`` is urllib's by default."""

    def __init__(
        self,
        cfg: BdlApi,
        cache_dir: Path,
        *,
        client_id: str | None = None,
        base_url: str | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        refresh: bool = False,
    ):
        self.cfg, self.cache_dir, self.refresh = cfg, Path(cache_dir), refresh
        self.client_id = client_id or None
        self.base = (base_url or cfg.base_url).rstrip("/")
        self.sleep = sleep
        label = "registered" if self.client_id else "anonymous"
        quotas = cfg.quotas.registered if self.client_id else cfg.quotas.anonymous
        self.limiter = Limiter(
            quotas,
            clock=clock,
            sleep=sleep,
            max_wait=cfg.max_retry_after_seconds,
            state=self.cache_dir / f"quota-{label}.json",
            label=label,
        )
        self.result = FetchResult()

    def cached(self, url: str) -> Path | None:
        path = self.cache_dir / f"{cache_key(url)}.json"
        return path if path.is_file() and not self.refresh else None

    def get(self, url: str, what: str = "") -> Page:
        """One page: from the cache, or from the API (waiting for the quota, retrying as configured)."""
        hit = self.cached(url)
        if hit is not None:
            page = Page(url, hit.read_bytes(), True, hit)
            self.result.pages.append(page)
            return page
        attempt = 0
        while True:
            self.result.waited += self.limiter.acquire()
            self.result.requests_sent += 1
            status, body, headers, error = self._send(url)
            if status == 200:
                break
            if (status in RETRY_STATUS or status is None) and attempt < self.cfg.retries:
                wait = self._retry_wait(status, headers, attempt, url)
                attempt += 1
                self.result.retries += 1
                self.result.waited += wait
                self.sleep(wait)
                continue
            raise UserError(_http_message(status, body, error, url, what, attempt))
        path = self._store(url, body, headers)
        page = Page(url, body, False, path)
        self.result.pages.append(page)
        return page

    def _send(self, url: str) -> tuple[int | None, bytes, dict[str, str], str]:
        headers = {"Accept": "application/json", "User-Agent": "citybank fetch-bdl"}
        if self.client_id:
            headers["X-ClientId"] = self.client_id
        req = urllib.request.Request(url, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=self.cfg.timeout_seconds) as resp:  # noqa: S310 (http(s) only)
                body = resp.read(int(MAX_RESPONSE_MB * 1024 * 1024) + 1)
                if len(body) > MAX_RESPONSE_MB * 1024 * 1024:  # not retried: a status 0 the loop does not retry
                    return 0, b"", {}, f"the answer is larger than {MAX_RESPONSE_MB:,.0f} MB: refused"
                return resp.status, body, dict(resp.headers.items()), ""
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read() or b"", dict(exc.headers.items()) if exc.headers else {}, str(exc.reason)
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            return None, b"", {}, str(getattr(exc, "reason", exc))

    def _retry_wait(self, status: int | None, headers: dict[str, str], attempt: int, url: str) -> float:
        backoff = min(self.cfg.backoff_seconds * 2**attempt, self.cfg.max_backoff_seconds)
        if status != 429:
            return backoff
        after = retry_after(headers.get("Retry-After") or headers.get("retry-after"))
        if after is None:
            return backoff
        if after > self.cfg.max_retry_after_seconds:
            raise UserError(
                f"the BDL API answered 429 (too many requests) to {url} and asks to wait {_window(after)}, longer "
                f"than max_retry_after_seconds ({_window(self.cfg.max_retry_after_seconds)}) in params/bdl_api.yml: "
                "the quota is used up — run fetch-bdl again later (cached pages are not requested again)"
            )
        return after

    def _store(self, url: str, body: bytes, headers: dict[str, str]) -> Path:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        path = self.cache_dir / f"{cache_key(url)}.json"
        write_bytes_atomic(path, body)
        meta = {
            "provider": "gus",
            "origin": "GUS Bank Danych Lokalnych, REST API",
            "url": url,
            "fetched": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "client": "registered (X-ClientId)" if self.client_id else "anonymous",
            "content_type": headers.get("Content-Type", headers.get("content-type", "")),
            "licence": "CC-BY-4.0",
            "attribution": "Źródło: GUS, Bank Danych Lokalnych",
            "sha256": sha256_file(path),
        }
        write_text_atomic(sidecar_path(path), yaml.safe_dump(meta, allow_unicode=True, sort_keys=False))
        return path

    def fetch(self, request: Request) -> list[dict]:
        """Every page of one request, parsed, following ``links.next`` (or ``page`` while ``totalRecords`` says
        more). At most 1,000 pages: a server that never stops is an error, not a loop."""
        url = request.url(self.base)
        docs: list[dict] = []
        for page_no in range(1000):
            page = self.get(url, request.what)
            try:
                doc = loads_json(page.body, where=f"the BDL API's answer to {url} (cached at {page.path})")
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise UserError(
                    f"the BDL API answered {url} with something that is not JSON ({exc}); cached at {page.path} — "
                    "delete that file and run fetch-bdl again"
                ) from None
            docs.append(doc)
            nxt = next_url(doc, url, page_no, self.cfg.page_size)
            if not nxt:
                return docs
            url = nxt
        raise UserError(f"the BDL API kept sending pages for {request.url(self.base)} (1,000 pages): stopped")


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds()) if when.tzinfo else None


def next_url(doc: object, url: str, page_no: int, page_size: int) -> str | None:
    """The next page of a response: its ``links.next`` (format=json) when present and new; else ``page`` + 1
    when ``totalRecords`` counts more records than the pages so far; else None."""
    if not isinstance(doc, dict):
        return None
    links = doc.get("links") if isinstance(doc.get("links"), dict) else {}
    nxt = links.get("next")
    if nxt and nxt != url and nxt != links.get("self"):
        return str(nxt)
    if "links" in doc:
        return None  # the API gave links without a next: the last page
    total = doc.get("totalRecords")
    results = doc.get("results")
    size = int(doc.get("pageSize") or page_size)
    if isinstance(total, int) and isinstance(results, list) and (page_no + 1) * size < total and results:
        parts = urllib.parse.urlsplit(url)
        query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k.lower() != "page"]
        query.append(("page", str(page_no + 1)))
        return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))
    return None


def _http_message(status: int | None, body: bytes, error: str, url: str, what: str, attempt: int) -> str:
    about = f" ({what})" if what else ""
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")[:200]
    detail = f": {text}" if text else (f": {error}" if error else "")
    tried = f" after {attempt + 1} attempts" if attempt else ""
    if status == 0:
        return f"the BDL API's answer to {url}{about} was refused: {error}"
    if status is None:
        return (
            f"the BDL API could not be reached at {url}{about}{tried}{detail} — check the network "
            "connection and base_url in params/bdl_api.yml"
        )
    todo = {
        400: "check the variable ids, unit ids and years of the request (the API rejected them)",
        403: "the API refused the client id: check the environment variable named in params/bdl_api.yml "
        "(client_id_env), or unset it to ask anonymously",
        404: "check the variable id (GET /variables/{id}) and the unit id (12 digits, e.g. 012414874011)",
        429: "the quota is used up: run fetch-bdl again later (cached pages are not requested again)",
    }.get(status, "try again later; if it persists, the API may be down")
    return f"the BDL API answered HTTP {status} to {url}{about}{tried}{detail} — {todo}"


# ------------------------------------------------------------------ one dataset's file


def fetch_to_file(
    requests: list[Request],
    client: Client,
    out: Path,
    *,
    dataset: str,
    licence: str,
    force: bool = False,
) -> FetchResult:
    """Fetch every request and write the responses, as a JSON list, to ``out`` with its provenance sidecar.

    Each response is written as the API sent it, except that a ``/data/by-variable`` response without
    ``variableId`` gets the variable id of its request (the readers need it to tell variables apart). An existing
    different ``out`` is kept unless ``force``."""
    docs: list[object] = []
    for req in requests:
        for doc in client.fetch(req):
            if req.path.startswith("data/by-variable/") and isinstance(doc, dict) and "variableId" not in doc:
                doc = {"variableId": req.path.rsplit("/", 1)[1], **doc}
            docs.append(doc)
    text = json.dumps(docs, ensure_ascii=False, indent=1) + "\n"
    if out.is_file() and not force and out.read_text(encoding="utf-8", errors="replace") != text:
        raise UserError(
            f"{out} exists and differs from what the API sent now; it is a raw file and is not overwritten — "
            "move it away, or run fetch-bdl again with --force"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, text)
    meta = {
        "dataset": dataset,
        "provider": "gus",
        "origin": "GUS Bank Danych Lokalnych, REST API (citybank fetch-bdl)",
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "licence": licence,
        "attribution": "Źródło: GUS, Bank Danych Lokalnych",
        "requests": [p.url for p in client.result.pages],
        "sha256": sha256_file(out),
    }
    write_text_atomic(sidecar_path(out), yaml.safe_dump(meta, allow_unicode=True, sort_keys=False))
    client.result.out = out
    return client.result
