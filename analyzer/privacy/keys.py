"""API keys with roles, stored hashed in the store.

Roles, each allowed what the ones before it are:

* ``viewer``: read everything, suggest codeframe changes and notes;
* ``analyst``: also upload and score exports, edit the codeframe, review suggestions and
  record actions;
* ``admin``: also manage keys and forget respondents.

A key is ``cxa_<random>``; only its SHA-256 is stored (the key is 32 random bytes, so a
fast hash is enough: there is nothing to guess from). The key is shown once, when created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analyzer.errors import ConfigError, NotFoundError
from analyzer.store import Store, audit
from analyzer.text.plain import check_plain

ROLES: tuple[str, ...] = ("viewer", "analyst", "admin")
"""Roles from least to most allowed."""


@dataclass(frozen=True)
class Principal:
    """Who sent a request: the key's name and role."""

    name: str
    role: str

    def allows(self, role: str) -> bool:
        """Whether this principal has ``role`` or a higher one."""
        return ROLES.index(self.role) >= ROLES.index(check_role(role))


def check_role(role: str) -> str:
    """``role`` if it is one of :data:`ROLES`; ConfigError otherwise."""
    if role not in ROLES:
        raise ConfigError(f"Unknown role {role!r}; expected one of {', '.join(ROLES)}.")
    return role


def hash_key(key: str) -> str:
    """The stored form of a key (SHA-256, hex)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def create_key(store: Store, *, name: str, role: str, actor: str) -> tuple[str, dict[str, Any]]:
    """Make a key; return it (shown once) and its stored record (without the hash)."""
    check_role(role)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ConfigError(f"A key needs a name of 1 to 100 characters; got {name!r}.")
    check_plain(name, "key name")  # printed by the CLI and logged: one plain line
    if any(k["name"] == name and k["revoked_at"] is None for k in list_keys(store)):
        raise ConfigError(f"A key named {name!r} exists; revoke it or choose another name.")
    key = "cxa_" + secrets.token_urlsafe(32)
    key_id = audit.new_id("key")
    with audit.transaction(store) as con:
        con.execute(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, now(), ?, NULL)",
            [key_id, name, role, hash_key(key), actor],
        )
        audit.log(con, actor, "key.create", key_id, name=name, role=role)
    return key, next(k for k in list_keys(store) if k["key_id"] == key_id)


def list_keys(store: Store) -> list[dict[str, Any]]:
    """Every key (revoked ones too), oldest first, without hashes."""
    with store.connect() as con:
        frame = con.execute(
            "SELECT key_id, name, role, created_at, created_by, revoked_at FROM api_keys "
            "ORDER BY created_at, key_id"
        ).df()
    rows: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()} for r in frame.astype(object).to_dict("records")
    ]
    for row in rows:
        row["revoked_at"] = None if pd.isna(row["revoked_at"]) else row["revoked_at"]
    return rows


def revoke_key(store: Store, name_or_id: str, *, actor: str) -> dict[str, Any]:
    """Revoke the live key with this name or id; it is refused from then on."""
    live = [k for k in list_keys(store) if k["revoked_at"] is None]
    found = [k for k in live if name_or_id in (k["name"], k["key_id"])]
    if not found:
        raise NotFoundError(
            f"No live key named {name_or_id!r}; 'cxa keys list' (or GET /v1/keys) lists them."
        )
    key_id = found[0]["key_id"]
    with audit.transaction(store) as con:
        con.execute("UPDATE api_keys SET revoked_at = now() WHERE key_id = ?", [key_id])
        audit.log(con, actor, "key.revoke", key_id, name=found[0]["name"])
    return next(k for k in list_keys(store) if k["key_id"] == key_id)


def live_hashes(store: Store) -> list[tuple[str, Principal]]:
    """(stored hash, principal) of every live key."""
    with store.connect() as con:
        rows = con.execute(
            "SELECT key_hash, name, role FROM api_keys WHERE revoked_at IS NULL"
        ).fetchall()
    return [(str(h), Principal(name=str(n), role=str(r))) for h, n, r in rows]


def authenticate(store: Store, key: str) -> Principal | None:
    """The live key matching ``key`` as a Principal, or ``None``."""
    digest = hash_key(key)
    with store.connect() as con:
        rows = con.execute(
            "SELECT name, role, key_hash FROM api_keys WHERE revoked_at IS NULL"
        ).fetchall()
    for name, role, stored in rows:
        if hmac.compare_digest(str(stored), digest):
            return Principal(name=str(name), role=str(role))
    return None


__all__ = [
    "ROLES",
    "Principal",
    "authenticate",
    "check_role",
    "create_key",
    "hash_key",
    "list_keys",
    "live_hashes",
    "revoke_key",
]
