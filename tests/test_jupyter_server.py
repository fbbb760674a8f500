"""JupyterLab as trainers meet it (issue 18, part 5): a real Jupyter server from the workbench's environment runs
a workshop's trainer copy the way a trainer's browser does — a session created over the REST API, each code cell
sent as an ``execute_request`` over the kernel's websocket, every reply read back — and `make lab` opens the
file browser on the workshops.

The server listens on 127.0.0.1 on a free port with a token, serves a temporary folder, and is shut down
through its API (then terminated, should it not stop) whatever happens. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest
from citybank import workshops
from citybank.paths import PATHS

WORKSHOP = "iso37120"  # hand-computed indicators, no files read by relative path: the fastest of the four
MAKEFILE = PATHS.root / "Makefile"

try:
    import jupyter_server  # noqa: F401
except ImportError:  # pragma: no cover - the workbench's environment has it (jupyterlab depends on it)
    pytest.skip(
        "jupyter_server is not installed in this environment (pip install -e '.[dev]')", allow_module_level=True
    )

NEEDS_DATA = pytest.mark.skipif(
    not (PATHS.bank / "bank.parquet").is_file() or not (PATHS.results / "indicators.parquet").is_file(),
    reason="needs the sample data: run `citybank prepare --year 2024` (make data) first",
)


def lab_flags() -> dict[str, str]:
    """The options `make lab` gives JupyterLab (the Makefile's LAB_FLAGS), as {trait: value}."""
    line = next(x for x in MAKEFILE.read_text(encoding="utf-8").splitlines() if x.startswith("LAB_FLAGS"))
    return dict(re.findall(r"--([\w.]+)=(\S+)", line))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m jupyter_server`` in ``root``; every request carries the token."""

    def __init__(self, root: Path, preferred_dir: str):
        self.root, self.port, self.token = root, free_port(), secrets.token_hex(16)
        self.base = f"http://127.0.0.1:{self.port}"
        runtime = root.parent / "jupyter-runtime"
        env = {
            **workshops.kernel_env(root / "workshops"),  # the workshop folder: its checker and its data files
            "JUPYTER_RUNTIME_DIR": str(runtime),
            "JUPYTER_CONFIG_DIR": str(root.parent / "jupyter-config"),  # no user configuration
        }
        args = [
            sys.executable, "-m", "jupyter_server", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}", "--ServerApp.open_browser=False",
            f"--ServerApp.root_dir={root}", f"--FileContentsManager.preferred_dir={preferred_dir}",
            "--ServerApp.allow_root=True",
        ]  # fmt: skip
        self.log = (root.parent / "server.log").open("w+", encoding="utf-8")
        self.proc = subprocess.Popen(args, cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(encoding="utf-8")[-3000:]

    def request(self, method: str, path: str, body: dict | None = None, timeout: float = 30) -> tuple[int, bytes]:
        data = None if body is None else json.dumps(body).encode("utf-8")
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"token {self.token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def api(self, method: str, path: str, body: dict | None = None) -> dict | list:
        status, raw = self.request(method, path, body)
        assert 200 <= status < 300, f"{method} {path}: HTTP {status} {raw[:500]!r}"
        return json.loads(raw) if raw else {}

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"the Jupyter server exited with {self.proc.returncode}:\n{self.output()}")
            try:
                if self.request("GET", "/api/status", timeout=5)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        pytest.fail(f"the Jupyter server did not answer within {timeout} s:\n{self.output()}")

    def stop(self) -> int:
        """Shut the server down through its API; terminate, then kill it, should it not stop in time."""
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.request("POST", "/api/shutdown", timeout=10)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=10)
        self.log.close()
        return self.proc.returncode


def execute(ws, session: str, code: str, timeout: float) -> tuple[str, list[str], dict | None]:
    """Send one cell as an ``execute_request`` on the shell channel and read the replies to it until the kernel
    is idle again: (reply status, the cell's text outputs, the error if any)."""
    msg_id = uuid.uuid4().hex
    ws.send(json.dumps({
        "header": {"msg_id": msg_id, "username": "trainer", "session": session, "msg_type": "execute_request",
                   "version": "5.3", "date": ""},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True},
    }))  # fmt: skip
    status, outputs, error, idle = None, [], None, False
    deadline = time.monotonic() + timeout
    while status is None or not idle:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        msg = json.loads(ws.recv())  # websocket.WebSocketTimeoutException past the deadline
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if msg["channel"] == "shell" and kind == "execute_reply":
            status = content["status"]
        elif kind == "stream":
            outputs.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            outputs.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            error = {"ename": content["ename"], "evalue": content["evalue"]}
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
    return str(status), outputs, error


@NEEDS_DATA
def test_a_workshop_runs_through_a_real_jupyter_server(tmp_path):
    import websocket  # websocket-client: a dependency of jupyter_server itself
    from citybank.indicators import results
    from citybank.params import registry

    # the trainer copy as `citybank workshop iso37120 --out DIR` writes it, in the folder the server serves
    root = tmp_path / "lab"
    paths = workshops.write_workshop(WORKSHOP, root / "workshops", execute=False)
    trainer = nbformat.read(paths["trainer"], as_version=4)
    cells = [c.source for c in trainer.cells if c.cell_type == "code" and c.source.strip()]
    assert len(cells) >= 8 and any(workshops.SOLUTION in workshops.tags(c) for c in trainer.cells)

    server = Server(root, lab_flags()["FileContentsManager.preferred_dir"])
    try:
        server.wait_ready()
        # JupyterLab's page tells the browser to open the file browser on the workshops, which it lists
        status, page = server.request("GET", "/lab")
        assert status == 200 and '"preferredPath": "workshops"' in page.decode("utf-8")
        listing = server.api("GET", "/api/contents/workshops")
        assert f"workshops/{WORKSHOP}_trainer.ipynb" in {c["path"] for c in listing["content"]}
        # open the notebook as the browser does: a session with a kernel
        rel = f"workshops/{WORKSHOP}_trainer.ipynb"
        sess = server.api("POST", "/api/sessions", {"path": rel, "name": rel, "type": "notebook",
                                                    "kernel": {"name": "python3"}})  # fmt: skip
        kernel = sess["kernel"]["id"]
        assert any(s["id"] == sess["id"] for s in server.api("GET", "/api/sessions"))
        client_session = uuid.uuid4().hex
        ws = websocket.create_connection(
            f"ws://127.0.0.1:{server.port}/api/kernels/{kernel}/channels?session_id={client_session}",
            header=[f"Authorization: token {server.token}"],
            timeout=30,
        )
        try:
            replies = [execute(ws, client_session, code, timeout=120) for code in cells]
            # and a cell that fails is seen failing (the harness does not take silence for success)
            broken = execute(ws, client_session, "1 / 0", timeout=30)
        finally:
            ws.close()
        failed = [(i, err) for i, (status, _, err) in enumerate(replies) if status != "ok"]
        assert not failed, f"cells that did not run: {failed}"
        assert broken[0] == "error" and broken[2]["ename"] == "ZeroDivisionError"
        text = "\n".join(out for _, outs, _ in replies for out in outs)
        # a value the engine computed, printed by the workshop's hand computation: 5.5 businesses per 100 000
        res = results(reg=registry())
        engine = res[(res["id"] == "5.5") & (res["territory"] == "2474011") & (res["year"] == 2024)]["value"]
        assert f"= {float(engine.iloc[0]):,.3f} per 100 000" in text, text[:2000]
        assert "10,879.221" in text  # the sample year's value, by hand: 6 834 entities / 62 817 residents × 100 000
        server.api("DELETE", f"/api/sessions/{sess['id']}")
        assert server.api("GET", "/api/kernels") == []
    finally:
        code = server.stop()
    assert code == 0, server.output()


def test_make_lab_opens_on_the_workshops():
    flags = lab_flags()
    lines = MAKEFILE.read_text(encoding="utf-8").splitlines()
    target = next(i for i, x in enumerate(lines) if x.startswith("lab:"))
    assert lines[target + 1].strip() == "$(BIN)/jupyter lab $(LAB_FLAGS)"
    root = PATHS.root / flags["ServerApp.root_dir"]
    preferred = root / flags["FileContentsManager.preferred_dir"]
    assert preferred == PATHS.notebooks / "workshops"
    assert sorted(p.stem for p in preferred.glob("*.ipynb")) == workshops.available() and workshops.available()
    # the report templates stay reachable from the same root
    assert (root / "overview.ipynb").is_file()
