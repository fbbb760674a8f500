"""What a task read, recorded while it ran: its depfile (Ninja's and Bazel's word for the same thing).

The warm root process installs the audit hook and wraps the views' cached functions (:func:`prepare`) before it
loads the data every page shares, so that a value computed once still counts as read by every task that uses it.
Each task's client process starts a recording into ``<log>.reads`` (:func:`begin`) before papermill runs; the
notebook's kernel is forked from that process and inherits the recording, each path written as a line when first
read (a killed kernel loses nothing). After the task, :func:`read` keeps the files of the workbench that a page's
figures come from — ``params/`` and ``data/`` — and the runner stores them, hashed, with the task in
``build/<Y>/state.json``; a change to any of them makes the task stale like a change to a declared input
(``citybank status`` names it). How reads are noted: ``citybank.reads``.

Not recorded: ``data/bank/`` — the bank is one file that every ingest rewrites, and a page reads only its own
variables' rows, which come from the raw files and dataset descriptors its declared inputs already name
(``citybank.runner.plan.task_inputs``); recording the bank would re-run every page after any provider's change.
Kernels started as new interpreters (``CITYBANK_RUNNER_KERNEL=exec``) are not recorded: their tasks keep their
declared inputs only.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from .. import reads

RECORDED = ("params/", "data/")
NOT_RECORDED = ("data/bank/",)
VIEWS = "citybank.views"


def prepare() -> int:
    """In a warm root process, before the shared data are loaded: watch opens, and wrap the cached functions of the
    loaded ``citybank.views`` modules so that they replay what they read. Returns how many were wrapped."""
    reads.watch_opens()
    return reads.replay_caches(VIEWS)


def path_for(log: str | Path) -> Path:
    """Where a task's reads are written: beside its log (``…/logs/pl/overview.log`` → ``….reads``)."""
    return Path(log).with_suffix(".reads")


def begin(path: str | Path) -> None:
    """In a task's client process: record every file read from now on, by this process and the kernel forked from
    it, into ``path`` (truncated first)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o644)
    reads.watch_opens()
    reads.start(fd)


def read(path: str | Path, root: str | Path) -> list[str]:
    """The recorded files of the workbench ``root`` that count as inputs (relative, sorted), and remove ``path``."""
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8", errors="surrogateescape").splitlines()
    except FileNotFoundError:
        return []
    with contextlib.suppress(OSError):
        p.unlink()
    anchors = [
        (folder, top.rstrip("/")) for top in RECORDED for folder in {Path(root) / top, (Path(root) / top).resolve()}
    ]
    out: set[str] = set()
    for line in lines:
        file = Path(os.path.normpath(line))
        for folder, top in anchors:  # params/ or data/ may be links (a test workbench, a gmina's shared data)
            if file.is_relative_to(folder):
                rel = f"{top}/{file.relative_to(folder).as_posix()}"
                if not rel.startswith(NOT_RECORDED):
                    out.add(rel)
                break
    return sorted(out)
