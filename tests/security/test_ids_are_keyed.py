"""Finding 15 of the second probe: a redacted id ends in a keyed hash, not a plain SHA-256.

``[EMAIL]-f37d883a`` was the first 8 hex digits of the address's SHA-256, so a viewer who
guessed ``ann.smith@example.com`` could confirm it. Now the hash is an HMAC under a random
key kept in the store (its ``meta`` table), shown by no endpoint, made on first use; stores
written before keep their ids, and those stay readable and forgettable.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import duckdb
import pandas as pd
from service_fixtures import FAST, VICTIM, Roled, personal_export

from analyzer.config import make_config
from analyzer.ingest.validation import private_id
from analyzer.pipeline import analyze_and_store
from analyzer.store import Store
from analyzer.store.secret import id_key


def _stored_key(db: Path) -> str:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute("SELECT value FROM meta WHERE key = 'id_hash_key'").fetchone()
    assert row is not None
    return str(row[0])


def test_the_services_ids_are_keyed_and_the_key_is_shown_to_nobody(personal: Roled) -> None:
    store = personal.store
    ids = set(store.load_run(personal.run_id).responses["response_id"])
    ours = next(i for i in ids if i.startswith("[EMAIL]-") and "#" not in i)
    plain = hashlib.sha256(VICTIM.encode()).hexdigest()[:8]
    key = _stored_key(store.path)
    keyed = hmac.new(bytes.fromhex(key), VICTIM.encode(), hashlib.sha256).hexdigest()[:8]
    assert ours == f"[EMAIL]-{keyed}" and keyed != plain
    assert len(key) == 64  # 32 random bytes
    viewer = personal.as_("viewer")
    answers = [
        personal.client.get(path, headers=viewer).text
        for path in (
            "/v1/runs",
            f"/v1/runs/{personal.run_id}",
            f"/v1/runs/{personal.run_id}/themes",
            f"/v1/runs/{personal.run_id}/rejects",
            f"/v1/runs/{personal.run_id}/search?q=parcel",
            "/openapi.json",
        )
    ]
    assert not any(key in a for a in answers)
    with duckdb.connect(str(store.path), read_only=True) as con:
        for (table,) in con.execute("SHOW TABLES").fetchall():
            if table != "meta":
                dump = con.execute(f'SELECT * FROM "{table}"').df().astype(str).to_csv()
                assert key not in dump, table


def _analyse(export: Path, db: Path) -> pd.Series:
    _, result = analyze_and_store(export, Store(db), config=make_config(**FAST))
    return result.responses["response_id"]


def test_each_store_has_its_own_key_and_keeps_ids_stable(tmp_path: Path) -> None:
    export = personal_export(tmp_path, rows=40)
    first = _analyse(export, tmp_path / "a.duckdb")
    again = _analyse(export, tmp_path / "a.duckdb")
    other = _analyse(export, tmp_path / "b.duckdb")
    assert first.tolist() == again.tolist()  # stable within a store: runs join
    assert first[0] != other[0] and first[0].split("-")[0] == other[0].split("-")[0]
    assert first[3:].tolist() == other[3:].tolist()  # ids without personal data are kept


def test_a_store_written_before_the_key_stays_readable(tmp_path: Path) -> None:
    export = personal_export(tmp_path, rows=40)
    db = tmp_path / "old.duckdb"
    run_id, _ = analyze_and_store(export, Store(db), config=make_config(**FAST))
    old = private_id(VICTIM)  # the unsalted id an older version stored
    key = bytes.fromhex(_stored_key(db))
    new = private_id(VICTIM, key)
    with duckdb.connect(str(db)) as con:
        for table in ("responses", "mentions"):
            con.execute(f"UPDATE {table} SET response_id = replace(response_id, ?, ?)", [new, old])
        con.execute("UPDATE mentions SET mention_id = replace(mention_id, ?, ?)", [new, old])
        con.execute("DELETE FROM meta WHERE key = 'id_hash_key'")
    store = Store(db)
    assert old in set(store.load_run(run_id).responses["response_id"])  # read as it was
    assert id_key(Store(db, read_only=True)) is None  # nothing is made by a reader
    made = id_key(store)  # the next writer makes a new key
    assert made is not None and made != key and id_key(store) == made
    info = json.dumps(store.run_meta(run_id), default=str)
    assert made.hex() not in info
