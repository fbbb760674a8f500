"""Cache keys: what a task's output depends on (notebook code, parameters, input files, lib/citybank, key
packages), the build state that records them, and why a task is stale. See the package docstring."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from ..contract import parameters_of, source_of
from ..util import package_versions, sha256_bytes, sha256_file, write_json
from .plan import Task

KEY_PACKAGES = ("papermill", "nbclient", "ipykernel", "pandas", "matplotlib", "seaborn", "citybank")
LIB_ROOT = Path(__file__).resolve().parents[1]
MISSING = "missing"


class NotebookProblem(Exception):
    """A notebook that cannot be run as planned (missing, unreadable, unknown parameter)."""


def read_notebook(path: Path) -> dict[str, Any]:
    """The notebook as plain JSON (nbformat is not imported in the main process: it costs ~1 s). A build
    reads each template once (:class:`Templates`), not once per task."""
    if not path.is_file():
        raise NotebookProblem(f"notebook not found: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise NotebookProblem(f"{path} is not a valid notebook (JSON): {exc}") from exc


def code_hash(nb: dict[str, Any]) -> str:
    """sha256 of the code cells' sources, in order: outputs, metadata and markdown do not count."""
    codes = [source_of(c) for c in nb.get("cells", []) if c.get("cell_type") == "code"]
    return sha256_bytes(json.dumps(codes, ensure_ascii=False).encode("utf-8"))


def check_parameters(notebook: str, nb: dict[str, Any], parameters: dict[str, Any]) -> None:
    """Every parameter must be declared by the notebook's ``parameters`` cell (missing ones keep defaults)."""
    declared = parameters_of(nb)
    unknown = sorted(set(parameters) - set(declared))
    if unknown:
        names = ", ".join(repr(u) for u in unknown)
        have = ", ".join(sorted(declared)) or "none (no cell tagged 'parameters')"
        raise NotebookProblem(
            f"{notebook}: parameter(s) {names} not declared in the notebook's 'parameters' cell "
            f"(it declares: {have}); add them there with a default value"
        )


class Hasher:
    """sha256 of files, each computed once per build; with a ``store`` (``build/hashes.json``) also once
    across builds: a file whose size and modification time (ns) are those recorded is not read again, so
    deciding that nothing changed reads no file's content (the way make and git decide)."""

    def __init__(self, store: Path | None = None) -> None:
        self.store = store
        self._cache: dict[Path, str] = {}
        self._known: dict[str, list[Any]] = {}
        if store is not None and store.is_file():
            try:
                self._known = json.loads(store.read_text(encoding="utf-8"))
            except (json.JSONDecodeError, UnicodeDecodeError):
                self._known = {}  # a damaged store only costs reading the files again

    def __call__(self, path: Path) -> str:
        if path not in self._cache:
            try:
                st = path.stat()
            except (FileNotFoundError, NotADirectoryError):
                self._cache[path] = MISSING
                return MISSING
            stamp = [st.st_size, st.st_mtime_ns]
            known = self._known.get(str(path))
            if known is not None and known[:2] == stamp:
                self._cache[path] = known[2]
            else:
                self._cache[path] = sha256_file(path)
                self._known[str(path)] = [*stamp, self._cache[path]]
        return self._cache[path]

    def remember(self, path: Path, sha256: str) -> None:
        """Record the hash of a file just written (a task's output), so that the next build need not read it."""
        st = path.stat()
        self._cache[path] = sha256
        self._known[str(path)] = [st.st_size, st.st_mtime_ns, sha256]

    def save(self) -> None:
        if self.store is not None:
            write_json(self.store, {k: self._known[k] for k in sorted(self._known)})


def lib_hash(lib_root: Path | None = None, hasher: Hasher | None = None) -> str:
    """One hash of every .py and package-data file of lib/citybank (caches and bytecode excluded)."""
    root = Path(lib_root or LIB_ROOT)
    hasher = hasher or Hasher()
    h = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if not p.is_file() or "__pycache__" in p.parts or p.suffix in (".pyc", ".pyo") or p.name.startswith("."):
            continue
        h.update(p.relative_to(root).as_posix().encode() + b"\0" + hasher(p).encode() + b"\n")
    return h.hexdigest()


class Templates:
    """The notebooks of a build, each read and hashed once however many tasks run it."""

    def __init__(self) -> None:
        self._nb: dict[Path, dict[str, Any]] = {}
        self._code: dict[Path, str] = {}

    def notebook(self, path: Path) -> dict[str, Any]:
        if path not in self._nb:
            self._nb[path] = read_notebook(path)
        return self._nb[path]

    def code(self, path: Path) -> str:
        if path not in self._code:
            self._code[path] = code_hash(self.notebook(path)) if path.is_file() else MISSING
        return self._code[path]


def hash_store(tasks: list[Task]) -> Path | None:
    """Where the hashes of a build's files are kept: ``build/hashes.json`` under the tasks' root."""
    return tasks[0].root / "build" / "hashes.json" if tasks else None


def task_key(task: Task, lib: str, packages: dict[str, str], hasher: Hasher, templates: Templates) -> dict[str, Any]:
    """The cache key of a task, in parts (so that a difference can be explained)."""
    nb_path = task.path(task.notebook)
    return {
        "notebook_code": templates.code(nb_path),
        "parameters": task.parameters,
        "inputs": {rel: hasher(task.path(rel)) for rel in task.inputs if rel != task.notebook},
        "lib": lib,
        "packages": packages,
    }


def stale_reasons(task: Task, key: dict[str, Any], entry: dict[str, Any] | None, hasher: Hasher) -> list[str]:
    """Why ``task`` must run, comparing its current key with the stored ``entry`` (empty → up to date)."""
    if entry is None:
        return ["never built"]
    old = entry.get("key", {})
    reasons = []
    if old.get("notebook_code") != key["notebook_code"]:
        reasons.append("notebook code changed")
    if old.get("parameters") != key["parameters"]:
        reasons.append("parameters changed")
    old_inputs = old.get("inputs", {})
    for rel, sha in key["inputs"].items():
        if old_inputs.get(rel) != sha:
            reasons.append(f"input {rel} {'added' if rel not in old_inputs else 'changed'}")
    reasons += [f"input {rel} no longer used" for rel in sorted(set(old_inputs) - set(key["inputs"]))]
    for rel, sha in sorted((entry.get("reads") or {}).items()):  # recorded while it ran (runner/depfile.py)
        if rel not in key["inputs"] and hasher(task.path(rel)) != sha:
            gone = hasher(task.path(rel)) == MISSING
            reasons.append(f"input {rel} {'removed' if gone else 'changed'} (recorded: the task read it)")
    if old.get("lib") != key["lib"]:
        reasons.append("lib code changed")
    if old.get("packages") != key["packages"]:
        changed = sorted(k for k in key["packages"] if old.get("packages", {}).get(k) != key["packages"][k])
        reasons.append(f"package versions changed ({', '.join(changed) or 'list'})")
    out = task.path(task.output)
    if not out.is_file():
        reasons.append("output missing")
    elif hasher(out) != entry.get("output_sha256"):
        reasons.append("output changed since it was built")
    return reasons


def recorded_reads(task: Task, key: dict[str, Any], reads: list[str], hasher: Hasher) -> dict[str, Any]:
    """The part of a task's state entry for what it read beyond its declared inputs: ``{"reads": {path: sha256}}``
    (``MISSING`` for a file it looked for and did not find), or nothing."""
    extra = {rel: hasher(task.path(rel)) for rel in reads if rel not in key["inputs"] and rel != task.notebook}
    return {"reads": dict(sorted(extra.items()))} if extra else {}


# ---------------------------------------------------------------- state


class State:
    """``build/<Y>/state.json``: the cache key and output hash of every task built successfully."""

    def __init__(self, build_dir: Path) -> None:
        self.path = build_dir / "state.json"
        self.tasks: dict[str, Any] = {}
        self._saved = 0.0
        if self.path.is_file():
            try:
                self.tasks = json.loads(self.path.read_text(encoding="utf-8")).get("tasks", {})
            except (json.JSONDecodeError, UnicodeDecodeError):
                self.tasks = {}  # a damaged state only costs a rebuild

    def save(self, at_most_every: float = 0.0) -> None:
        """Write the state; with ``at_most_every``, skip when it was written less than that many seconds ago (a
        build saves after each task: on the whole year, rewriting the file 450 times took the workers' CPU; an
        interrupted build loses at most those seconds of work, and the build's end always saves)."""
        now = time.monotonic()
        if at_most_every and now - self._saved < at_most_every:
            return
        write_json(self.path, {"tasks": self.tasks})
        self._saved = now


def status(tasks: list[Task], lib_root: Path | None = None) -> dict[str, list[str]]:
    """Task id → reasons it is stale (an empty list: up to date)."""
    hasher, templates = Hasher(hash_store(tasks)), Templates()
    lib, packages = lib_hash(lib_root, hasher), package_versions(KEY_PACKAGES)
    out: dict[str, list[str]] = {}
    states: dict[Path, State] = {}
    for task in tasks:
        if task.build_dir not in states:  # one state per build folder (not one load of state.json per task)
            states[task.build_dir] = State(task.build_dir)
        state = states[task.build_dir]
        if not task.path(task.notebook).is_file():
            out[task.id] = [f"notebook not found: {task.notebook}"]
            continue
        key = task_key(task, lib, packages, hasher, templates)
        out[task.id] = stale_reasons(task, key, state.tasks.get(task.id), hasher)
    hasher.save()
    return out
