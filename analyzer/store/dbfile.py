"""Opening the store's DuckDB file from many processes: short connections, waiting for a lock.

DuckDB lets one process at a time open a database file for writing (or several for
reading only), and holds that lock while any connection of the process is open. So no
process keeps the file open: every store operation opens a connection, does its work and
closes it; when another process holds the file, :func:`open_connection` waits with backoff
up to a bounded time and then names the file and the process that holds it.

:func:`file_token` says cheaply (two ``stat`` calls, no connection) whether any process has
committed a write since it was last read: a commit grows the write-ahead log or, at
checkpoint, rewrites the database file.
"""

from __future__ import annotations

import os
import re
import socket
import time
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.errors import StoreBusyError, UnreadableFileError

if TYPE_CHECKING:
    import duckdb

LOCK_TIMEOUT_ENV = "CXA_DB_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT = 30.0
_BUSY = ("could not set lock", "conflicting lock", "different configuration")
_HOLDER = re.compile(r"Conflicting lock is held in (.+?) \(PID (\d+)\)")

FileToken = tuple[int, ...]


def lock_timeout() -> float:
    """Seconds to wait for another process to release the file (``$CXA_DB_LOCK_TIMEOUT``)."""
    raw = os.environ.get(LOCK_TIMEOUT_ENV, "")
    try:
        return max(0.0, float(raw)) if raw.strip() else DEFAULT_LOCK_TIMEOUT
    except ValueError:
        return DEFAULT_LOCK_TIMEOUT


def _is_busy(exc: Exception) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in _BUSY)


def _holder(exc: Exception) -> str:
    found = _HOLDER.search(str(exc))
    if found is None:
        return (
            "another connection of this process with other options"
            if "configuration" in str(exc)
            else "another process"
        )
    return f"{Path(found.group(1)).name} (PID {found.group(2)})"


def open_connection(
    path: Path, *, read_only: bool, timeout: float | None = None
) -> duckdb.DuckDBPyConnection:
    """Connect to the DuckDB file ``path``, waiting while another process holds it.

    Parameters
    ----------
    path : Path
        The database file.
    read_only : bool
        Open without write access.
    timeout : float, optional
        Longest wait for the lock in seconds (default :func:`lock_timeout`); 0 tries once.

    Raises
    ------
    StoreBusyError
        The file stayed locked by another process for ``timeout`` seconds.
    UnreadableFileError
        The file is not a DuckDB database (or cannot be opened for another reason).
    """
    import duckdb

    limit = lock_timeout() if timeout is None else timeout
    deadline = time.monotonic() + limit
    delay = 0.005
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.Error as exc:
            if not _is_busy(exc):
                raise UnreadableFileError(
                    f"Cannot open the database {path}: {exc}. Is it a DuckDB file written by cxa?"
                ) from exc
            if time.monotonic() + delay > deadline:
                raise StoreBusyError(
                    f"The database {path} is in use by {_holder(exc)} and stayed locked for "
                    f"{limit:.0f} s. Wait for that command to finish and try again, or raise "
                    f"{LOCK_TIMEOUT_ENV} (seconds) to wait longer."
                ) from exc
        time.sleep(delay)
        delay = min(delay * 2, 0.25)


def file_token(path: Path) -> FileToken:
    """A value that changes whenever a write is committed to ``path`` (by any process).

    Built from the size and modification time of the database file and of its write-ahead
    log; connections that only read change neither.
    """
    token: list[int] = []
    for file in (path, path.with_name(path.name + ".wal")):
        try:
            stat = file.stat()
        except FileNotFoundError:
            token += [-1, -1, -1]
            continue
        token += [stat.st_ino, stat.st_size, stat.st_mtime_ns]
    return tuple(token)


def process_owner() -> str:
    """``host:pid`` of this process, recorded with the runs it writes."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None) -> bool:
    """Whether the process ``owner`` (``host:pid``) may still be running.

    A process on another host is assumed alive (its run is left alone).
    """
    host, _, pid = (owner or "").rpartition(":")
    if not pid.isdigit() or host != socket.gethostname():
        return bool(owner)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "LOCK_TIMEOUT_ENV",
    "file_token",
    "lock_timeout",
    "open_connection",
    "owner_alive",
    "process_owner",
]
