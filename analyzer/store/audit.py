"""Who wrote what: one ``audit`` row per write of an action, suggestion, key or forget.

Writers open :func:`transaction` on the store and call :func:`log` inside it, so the change
and its audit row commit together. ``actor`` is the writer's name: an API key's name, the
local user for the CLI (``cli:<user>``), or ``admin`` for the service's ``CXA_API_KEY``.
Audit rows hold ids and field names, never comment text.
"""

from __future__ import annotations

import getpass
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import pandas as pd

from analyzer.store import Store


def cli_actor() -> str:
    """The actor name of a local CLI user: ``cli:<login name>``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no login name (e.g. a container without /etc/passwd entry)
        user = "unknown"
    return f"cli:{user}"


def new_id(prefix: str) -> str:
    """A short random id such as ``act-3f9a1c2e``."""
    return f"{prefix}-{secrets.token_hex(4)}"


@contextmanager
def transaction(store: Store) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to ``store`` inside one transaction, committed when the block ends.

    It is a :meth:`Store.transaction`, so it bumps the store's generation: the service (and
    any other reader) sees the write on its next request.
    """
    with store.transaction("audit") as con:
        yield con


def log(con: duckdb.DuckDBPyConnection, actor: str, verb: str, target: str, **detail: Any) -> None:
    """Add an audit row (inside the caller's transaction)."""
    con.execute(
        "INSERT INTO audit VALUES (now(), ?, ?, ?, ?)",
        [actor, verb, target, json.dumps(detail, default=str)],
    )


def record(store: Store, actor: str, verb: str, target: str, **detail: Any) -> None:
    """Add an audit row in a transaction of its own (for writes made elsewhere)."""
    with transaction(store) as con:
        log(con, actor, verb, target, **detail)


def history(store: Store, *, target: str | None = None) -> pd.DataFrame:
    """Audit rows, oldest first: ``at``, ``actor``, ``verb``, ``target``, ``detail`` (dict)."""
    sql = 'SELECT "at", actor, verb, target, detail FROM audit'
    params: list[Any] = []
    if target is not None:
        sql += " WHERE target = ?"
        params.append(target)
    with store.connect() as con:
        frame = con.execute(sql + ' ORDER BY "at", rowid', params).df()
    frame["detail"] = [json.loads(d) if d else {} for d in frame["detail"]]
    return frame


__all__ = ["cli_actor", "history", "log", "new_id", "record", "transaction"]
