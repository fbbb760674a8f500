"""Small shared helpers: hashing, atomic writes, deterministic files."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import os
import sys
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pandas and pyarrow are imported by the two functions that use them: the CLI and the runner's
    import pandas as pd  # no-change path import this module and must stay light (see tests/test_cli.py)

from .errors import UserError

# A fixed timestamp for files inside zip containers (XLSX, DOCX): same inputs → same bytes.
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success rename it over ``target`` (atomic on POSIX).

    An interrupted writer leaves the previous file (or none) in place, never a half-written one.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        if tmp_path.exists():  # mkstemp makes 0600 files; published files are readable like any other
            os.chmod(tmp_path, 0o666 & ~_umask())
        os.replace(tmp_path, target)
    except OSError as exc:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise UserError(
                f"the disk is full: {target} could not be written ({exc.strerror}); "
                + ("the previous version is kept" if target.exists() else "nothing was written there")
                + " — free some space and run the command again"
            ) from exc
        raise
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


@contextlib.contextmanager
def workbench_lock(build_dir: str | os.PathLike, what: str) -> Iterator[None]:
    """Hold ``build/citybank.lock`` while a command writes the workbench: a second command waits for the first (and
    says so on stderr) instead of writing the same files at once. The kernel drops the lock when its process dies,
    so a killed command never leaves a stale lock behind."""
    folder = Path(build_dir)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "citybank.lock", "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "another command"
            print(
                f"citybank: {holder} is writing in {folder.parent} — waiting for it to finish (Ctrl+C to stop)",
                file=sys.stderr,
                flush=True,
            )
            fcntl.flock(fh, fcntl.LOCK_EX)
        fh.seek(0)
        fh.truncate()
        fh.write(f"`citybank {what}` (pid {os.getpid()})")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fh.flush()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(target: str | os.PathLike, data: bytes) -> Path:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text_atomic(target: str | os.PathLike, text: str) -> Path:
    return write_bytes_atomic(target, text.encode("utf-8"))


def dumps_json(obj: Any) -> str:
    """Canonical JSON: sorted keys, UTF-8 text, 2-space indent, trailing newline."""
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=2, allow_nan=False, default=str) + "\n"


def write_json(target: str | os.PathLike, obj: Any) -> Path:
    return write_text_atomic(target, dumps_json(obj))


def normalize_zip(path: str | os.PathLike) -> None:
    """Rewrite a zip container (XLSX, DOCX) with fixed timestamps and a stable member order.

    openpyxl and python-docx stamp the current time into zip headers and document properties;
    this makes the same content give the same bytes. Document-property dates inside
    docProps/core.xml are the writer's job (set them to a fixed value before saving).
    """
    path = Path(path)
    with zipfile.ZipFile(path) as zin:
        members = [(info.filename, zin.read(info.filename)) for info in zin.infolist()]
    # [Content_Types].xml must stay first for some readers; keep the writer's order otherwise.
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zout.writestr(info, data)


def write_parquet(df: pd.DataFrame, path: str | Path, *, pandas_metadata: bool = True) -> Path:
    """Parquet without the pandas index, snappy-compressed, no timestamps: same frame → same bytes.

    ``pandas_metadata=False`` (published files) also drops the pandas schema note, leaving plain Arrow
    types any reader understands; keep it for internal result files so nullable dtypes round-trip.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    if not pandas_metadata:
        table = table.replace_schema_metadata(None)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="snappy", use_dictionary=True, write_statistics=True)
    return Path(path)


def read_results(path: Path, compute, year: int | None = None, refresh: bool = False) -> pd.DataFrame:
    """A result file between stages (Parquet), computed first by ``compute()`` when absent or ``refresh``;
    the rows of one ``year`` when given."""
    if refresh or not path.exists():
        compute()
    import pandas as pd

    df = pd.read_parquet(path)
    if year is not None:
        df = df[df["year"] == year].reset_index(drop=True)
    return df


def package_versions(names: Iterable[str]) -> dict[str, str | None]:
    """The installed version of each distribution (None when it is not installed), sorted by name."""
    from importlib import metadata  # here: ~50 ms of imports that `citybank --help` does not need

    out: dict[str, str | None] = {}
    for name in sorted(names):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def progress_bar(iterable=None, **kwargs):
    """A tqdm bar on stderr: live in a terminal; in a log (CI, redirected output) one line every 30 s
    instead of a carriage-return update per item."""
    import sys

    from tqdm import tqdm

    interactive = sys.stderr.isatty()
    return tqdm(iterable, file=sys.stderr, mininterval=0.1 if interactive else 30.0, **kwargs)
