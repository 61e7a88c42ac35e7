"""The store's secret for redacted ids: a random key, made once per store, shown to nobody.

An id holding personal data is stored as its redacted text plus a short hash
(``[EMAIL]-1f0c9a2b``, see :func:`analyzer.ingest.validation.private_id`). With a plain
SHA-256, anyone who could read the results and guessed an address could confirm it by
hashing it; with a keyed hash (HMAC-SHA-256) under this key, only code holding the store can.
The key lives in the store's ``meta`` table (no endpoint, command or export reads that table
out), is made on first use by any writer, and is never logged or copied into a run's record.
Stores written before it existed keep their ids as they were (forgetting still finds them).
"""

from __future__ import annotations

import secrets

from analyzer.store.database import Store

_META_KEY = "id_hash_key"


def id_key(store: Store) -> bytes | None:
    """The store's key for hashing ids (32 random bytes), made on first use.

    A read-only store that has none yet answers ``None`` (nothing is written through it).
    """
    with store.connect() as con:
        row = con.execute("SELECT value FROM meta WHERE key = ?", [_META_KEY]).fetchone()
    if row is None and store.read_only:
        return None
    if row is None:
        with store.transaction("id_key") as con:  # the first writer's key wins
            con.execute(
                "INSERT OR IGNORE INTO meta VALUES (?, ?)", [_META_KEY, secrets.token_hex(32)]
            )
            row = con.execute("SELECT value FROM meta WHERE key = ?", [_META_KEY]).fetchone()
    return bytes.fromhex(str(row[0])) if row else None


__all__ = ["id_key"]
