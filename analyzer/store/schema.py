"""The store's schema: the tables of the DuckDB file, their migrations and the schema version.

Only :mod:`analyzer.store` uses these: a writable :class:`~analyzer.store.Store` applies
:data:`DDL` and :data:`MIGRATIONS` when it opens a file whose recorded ``schema_version``
is not :data:`SCHEMA_VERSION` (a new file, or one written by an older version).
"""

from __future__ import annotations

import duckdb

SCHEMA_VERSION = 5
"""Bump it whenever ``DDL`` or ``MIGRATIONS`` change: a store at this version skips them on open
(opening then costs one query, not a schema pass)."""

DDL = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, created_at TIMESTAMP, source VARCHAR, status VARCHAR,
    stage VARCHAR, error VARCHAR, config JSON, info JSON
);
CREATE TABLE IF NOT EXISTS responses (
    run_id VARCHAR, response_id VARCHAR, "row" BIGINT, date TIMESTAMP, comment VARCHAR,
    nps INTEGER, csat INTEGER, ces INTEGER, sentiment VARCHAR, sentiment_score DOUBLE,
    segments JSON, metrics JSON, language VARCHAR
);
CREATE TABLE IF NOT EXISTS mentions (
    run_id VARCHAR, mention_id VARCHAR, response_id VARCHAR, position BIGINT, text VARCHAR,
    theme_id BIGINT, theme_confidence DOUBLE, sentiment VARCHAR, sentiment_score DOUBLE,
    language VARCHAR, "primary" BOOLEAN DEFAULT TRUE
);
CREATE TABLE IF NOT EXISTS themes (
    run_id VARCHAR, theme_id BIGINT, label VARCHAR, keywords JSON, parent_id BIGINT,
    parent_label VARCHAR, size BIGINT, examples JSON, owner VARCHAR,
    kind VARCHAR DEFAULT 'named', coverage DOUBLE, lift DOUBLE
);
CREATE TABLE IF NOT EXISTS rejects (
    run_id VARCHAR, file VARCHAR, "row" BIGINT, "column" VARCHAR, value VARCHAR, reason VARCHAR
);
CREATE TABLE IF NOT EXISTS scored_exports (
    fingerprint VARCHAR PRIMARY KEY, source VARCHAR, model VARCHAR, embedding VARCHAR,
    status VARCHAR, updated_at TIMESTAMP, info JSON
);
CREATE TABLE IF NOT EXISTS jobs (
    job_id VARCHAR PRIMARY KEY, kind VARCHAR, status VARCHAR, created_at TIMESTAMP,
    updated_at TIMESTAMP, source VARCHAR, upload VARCHAR, options JSON, attempts INTEGER,
    error VARCHAR
);
INSERT OR IGNORE INTO meta VALUES ('generation', '0');
ALTER TABLE runs ADD COLUMN IF NOT EXISTS owner VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS changed BIGINT DEFAULT 0;
ALTER TABLE scored_exports ADD COLUMN IF NOT EXISTS changed BIGINT DEFAULT 0;
CREATE TABLE IF NOT EXISTS scored_responses (
    fingerprint VARCHAR, chunk BIGINT, response_id VARCHAR, "row" BIGINT, date TIMESTAMP,
    comment VARCHAR, nps INTEGER, csat INTEGER, ces INTEGER, sentiment VARCHAR,
    sentiment_score DOUBLE, segments JSON, metrics JSON, language VARCHAR
);
CREATE TABLE IF NOT EXISTS scored_mentions (
    fingerprint VARCHAR, chunk BIGINT, mention_id VARCHAR, response_id VARCHAR, position BIGINT,
    text VARCHAR, theme_id BIGINT, theme_confidence DOUBLE, sentiment VARCHAR,
    sentiment_score DOUBLE, language VARCHAR, "primary" BOOLEAN DEFAULT TRUE
);
CREATE TABLE IF NOT EXISTS actions (
    action_id VARCHAR PRIMARY KEY, run_id VARCHAR, theme_ids JSON, title VARCHAR,
    team VARCHAR, effective DATE, note VARCHAR, link VARCHAR, status VARCHAR,
    created_at TIMESTAMP, created_by VARCHAR, closed_at TIMESTAMP, closed_by VARCHAR
);
CREATE TABLE IF NOT EXISTS suggestions (
    suggestion_id VARCHAR PRIMARY KEY, run_id VARCHAR, kind VARCHAR, theme_ids JSON,
    payload JSON, comment VARCHAR, author VARCHAR, created_at TIMESTAMP, status VARCHAR,
    reviewer VARCHAR, reviewed_at TIMESTAMP, reason VARCHAR, result JSON
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id VARCHAR PRIMARY KEY, name VARCHAR, role VARCHAR, key_hash VARCHAR,
    created_at TIMESTAMP, created_by VARCHAR, revoked_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS audit (
    "at" TIMESTAMP, actor VARCHAR, verb VARCHAR, target VARCHAR, detail JSON
);
"""
# Files written before the language column existed get it (NULL for their rows); before
# mentions carried several themes, every mention row was its mention's own (primary) row
# and every theme was named.
MIGRATIONS = "".join(
    f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS language VARCHAR;"
    for t in ("responses", "mentions", "scored_responses", "scored_mentions")
) + "".join(
    [
        'ALTER TABLE mentions ADD COLUMN IF NOT EXISTS "primary" BOOLEAN DEFAULT TRUE;',
        'ALTER TABLE scored_mentions ADD COLUMN IF NOT EXISTS "primary" BOOLEAN DEFAULT TRUE;',
        "ALTER TABLE themes ADD COLUMN IF NOT EXISTS kind VARCHAR DEFAULT 'named';",
        "ALTER TABLE themes ADD COLUMN IF NOT EXISTS coverage DOUBLE;",
        "ALTER TABLE themes ADD COLUMN IF NOT EXISTS lift DOUBLE;",
    ]
)


def schema_current(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the open file records :data:`SCHEMA_VERSION` (False before its first schema)."""
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except duckdb.CatalogException:
        return False
    return row is not None and row[0] == str(SCHEMA_VERSION)


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the missing tables and columns of the open file and record :data:`SCHEMA_VERSION`."""
    con.execute(DDL)
    con.execute(MIGRATIONS)
    con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])


__all__ = ["DDL", "MIGRATIONS", "SCHEMA_VERSION", "create_schema", "schema_current"]
