"""What running code reads, recorded: the runner stores the files a notebook task read with the task, so that a change
to any of them makes the task stale (``citybank.runner.depfile``; Ninja's and Bazel's depfiles do the same).

Three sources feed a recording:

* files opened for reading by Python code (``open``, ``os.open``: an audit hook, :func:`watch_opens`);
* files the workbench's own readers name without opening them in Python — Parquet tables are opened by Arrow's C++
  and no audit event says so: ``citybank.paths.Paths.result`` and ``survey_result`` note the table they name;
  the optional params files asked for through ``Registry.extra`` (``citybank.params.core.Extras``), which
  ``load_params`` read once per process, before any task ran;
* results of cached functions (:func:`replaying`): a value computed once and reused by a later task still counts
  as read by that task — the files its computation read are noted again at every call.

Nothing is recorded while no recording is active (one list check per event), so code outside the runner's task
processes pays nothing but that check.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Recording:
    """The absolute paths read while it was active; with ``fd``, each new path is also written to that file
    descriptor as a line at once (a process killed later loses nothing it had recorded)."""

    def __init__(self, fd: int | None = None) -> None:
        self.files: set[str] = set()
        self.fd = fd

    def add(self, path: str) -> None:
        if path not in self.files:
            self.files.add(path)
            if self.fd is not None:
                os.write(self.fd, (path + "\n").encode("utf-8", "surrogateescape"))


_ACTIVE: list[Recording] = []
_BUSY = False  # re-entry guard: noting a path must not record the hook's own work


def note(path: str | os.PathLike[str] | bytes) -> None:
    """Record ``path`` as read by every active recording (a no-op when none is active)."""
    global _BUSY
    if not _ACTIVE or _BUSY:
        return
    _BUSY = True
    try:
        p = os.path.abspath(os.fsdecode(path))
        for rec in _ACTIVE:
            rec.add(p)
    finally:
        _BUSY = False


@contextmanager
def recording(fd: int | None = None) -> Iterator[set[str]]:
    """Record what is read inside the block; yields the set of absolute paths (filled as reads happen)."""
    rec = Recording(fd)
    _ACTIVE.append(rec)
    try:
        yield rec.files
    finally:
        _ACTIVE.remove(rec)


def start(fd: int | None = None) -> Recording:
    """Start a recording that lasts as long as the process (a task's forked process: it dies with the task)."""
    rec = Recording(fd)
    _ACTIVE.append(rec)
    return rec


_WRITING = ("w", "a", "x", "+")


def _on_audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "open" or not _ACTIVE or _BUSY:
        return
    path, mode, flags = args
    if path is None or isinstance(path, int):  # a file descriptor: the path was recorded when it was opened
        return
    if mode is None:  # os.open: flags say whether it reads
        if flags & os.O_ACCMODE != os.O_RDONLY:
            return
    elif any(c in str(mode) for c in _WRITING):
        return
    note(path)


_WATCHING = False


def watch_opens() -> None:
    """Install the audit hook that notes every file opened for reading (once per process; an audit hook cannot be
    removed, and costs one function call per audited event while installed)."""
    global _WATCHING
    if not _WATCHING:
        sys.addaudithook(_on_audit)
        _WATCHING = True


def replaying(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a cached function (``functools.cache``) so that every call, computed or served from the cache, notes the
    files its computation read. The cache is cleared first: a value computed before the wrapping has no record."""
    files: dict[Any, frozenset[str]] = {}
    if hasattr(fn, "cache_clear"):
        fn.cache_clear()

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = (args, tuple(sorted(kwargs.items())))
        try:
            known = files.get(key)
        except TypeError:  # unhashable arguments: nothing is cached either
            return fn(*args, **kwargs)
        if known is None:
            with recording() as got:
                result = fn(*args, **kwargs)
            files[key] = frozenset(got)
            return result
        for path in known:
            note(path)
        return fn(*args, **kwargs)

    def cache_clear() -> None:
        fn.cache_clear()
        files.clear()

    wrapper.cache_clear = cache_clear  # type: ignore[attr-defined]
    wrapper.replays_reads = True  # type: ignore[attr-defined]
    return wrapper


def replay_caches(package: str) -> int:
    """Wrap (:func:`replaying`) every ``functools``-cached function defined in ``package`` and bound in any of its
    loaded modules — every binding of one function gets the same wrapper, so calls between modules go through
    it. Returns how many functions were wrapped."""
    wrapped: dict[int, Callable[..., Any]] = {}
    prefix = package + "."
    for name, module in list(sys.modules.items()):
        if module is None or not (name == package or name.startswith(prefix)):
            continue
        for attr, obj in list(vars(module).items()):
            if not (callable(obj) and hasattr(obj, "cache_info") and hasattr(obj, "cache_clear")):
                continue  # not a functools cache (or already wrapped: a wrapper has no cache_info)
            if not str(getattr(obj, "__module__", "")).startswith(package):
                continue
            if id(obj) not in wrapped:
                wrapped[id(obj)] = replaying(obj)
            setattr(module, attr, wrapped[id(obj)])
    return len(wrapped)
