"""The right to be forgotten, and retention of comment text.

:func:`forget_response` removes one respondent everywhere this project keeps their words or
id: the rows of every run and scored export in the store (responses, mentions, rejects whose
value is the id), the theme examples that quote them (in the store and in the theme model
folders, whose ``model.json`` keeps examples), the Parquet outputs under the store's folder
(and the output folders of scored exports), and the embedding cache (keyed by the SHA-256
of each embedded text, so the removed texts are hashed the same way). The theme model keeps
working: its centroids are averages, not texts.

:func:`purge_text` is the retention rule: comment and mention texts of responses older than
a number of days become ``[PURGED]`` while every row, theme, sentiment and score stays, so
the aggregated figures do not change.

Audit rows name a SHA-256 prefix of the forgotten id, never the id itself.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer.errors import ConfigError, NotFoundError
from analyzer.store import Store, audit
from analyzer.store.rows import GENERATION

PURGED = "[PURGED]"
_RUN_TABLES = ("responses", "mentions")
_SCORED_TABLES = ("scored_responses", "scored_mentions")


@dataclass
class Removed:
    """What was removed: rows per table, files rewritten, cache entries, examples dropped."""

    response_id: str
    rows: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    cache_entries: int = 0
    examples: int = 0


def cache_key(text: str) -> str:
    """The embedding cache's key of ``text`` (see :class:`analyzer.embed.CachedEmbedder`)."""
    from analyzer.embed import CachedEmbedder

    return str(CachedEmbedder._key(text))


def _id_digest(response_id: str) -> str:
    return "sha256:" + hashlib.sha256(response_id.encode("utf-8")).hexdigest()[:16]


def _scope(store: Store, source: str | None) -> tuple[list[str], list[str]]:
    """Run ids and scored fingerprints to touch; all of them without ``source``."""
    runs = store.list_runs()
    scored = store.list_scored()
    if source is None:
        return runs["run_id"].tolist(), scored["fingerprint"].tolist()
    name = Path(source).name

    def match(values: pd.Series) -> pd.Series:
        return values.astype(str).map(lambda s: s == source or Path(s).name == name)

    run_ids = runs.loc[match(runs["source"]), "run_id"].tolist()
    prints = scored.loc[match(scored["source"]), "fingerprint"].tolist()
    if not run_ids and not prints:
        raise NotFoundError(f"No run or scored export in {store.path} was read from {source!r}.")
    return run_ids, prints


def _texts(store: Store, response_id: str, runs: list[str], prints: list[str]) -> set[str]:
    """Every comment and mention text of ``response_id`` in the given runs and exports."""
    found: set[str] = set()
    with store.connect() as con:
        for table, key, ids, column in (
            ("responses", "run_id", runs, "comment"),
            ("mentions", "run_id", runs, "text"),
            ("scored_responses", "fingerprint", prints, "comment"),
            ("scored_mentions", "fingerprint", prints, "text"),
        ):
            if ids:
                rows = con.execute(
                    f"SELECT {column} FROM {table} WHERE response_id = ? AND {key} IN "
                    f"(SELECT unnest(?))",
                    [response_id, ids],
                ).fetchall()
                found |= {str(r[0]) for r in rows if r[0]}
    return found


def _delete_rows(
    store: Store, response_id: str, runs: list[str], prints: list[str], texts: set[str]
) -> dict[str, int]:
    counts: dict[str, int] = {}
    with audit.transaction(store) as con:
        scopes = ((_RUN_TABLES, "run_id", runs), (_SCORED_TABLES, "fingerprint", prints))
        for tables, key, ids in scopes:
            for table in tables:
                where = f"response_id = ? AND {key} IN (SELECT unnest(?))"
                n = con.execute(f"SELECT count(*) FROM {table} WHERE {where}", [response_id, ids])
                counts[table] = int((n.fetchone() or [0])[0])
                con.execute(f"DELETE FROM {table} WHERE {where}", [response_id, ids])
        n = con.execute("SELECT count(*) FROM rejects WHERE value = ?", [response_id])
        counts["rejects"] = int((n.fetchone() or [0])[0])
        con.execute("DELETE FROM rejects WHERE value = ?", [response_id])
        counts["theme_examples"] = _scrub_examples(con, texts)
        _touch(con, "runs", "run_id", runs)  # readers' caches of these drop the rows now
        _touch(con, "scored_exports", "fingerprint", prints)
        audit.log(con, "system", "forget.rows", _id_digest(response_id), rows=counts)
    return counts


def _touch(con: Any, table: str, key: str, ids: list[str]) -> None:
    """Record the current generation as the last change of these runs or scored exports."""
    if ids:
        con.execute(
            f"UPDATE {table} SET changed = {GENERATION} WHERE {key} IN (SELECT unnest(?))", [ids]
        )


def _scrub_examples(con: Any, texts: set[str], replace: str | None = None) -> int:
    """Drop (or replace) theme examples equal to one of ``texts``; how many changed."""
    if not texts:
        return 0
    changed = 0
    rows = con.execute("SELECT rowid, examples FROM themes").fetchall()
    for rowid, raw in rows:
        examples = json.loads(raw or "[]")
        kept = _filtered(examples, texts, replace)
        if kept != examples:
            changed += len(examples) - len(kept) if replace is None else 1
            con.execute("UPDATE themes SET examples = ? WHERE rowid = ?", [json.dumps(kept), rowid])
    return changed


def _filtered(examples: list[Any], texts: set[str], replace: str | None) -> list[Any]:
    if replace is None:
        return [e for e in examples if str(e) not in texts]
    return [replace if str(e) in texts else e for e in examples]


def _model_dirs(store: Store, runs: list[str]) -> list[Path]:
    dirs = []
    for run_id in runs:
        folder = str(store.run_meta(run_id)["info"].get("model_dir") or "")
        if folder and Path(folder).is_dir():
            dirs.append(Path(folder))
    for model in store.list_scored()["model"].astype(str):
        if model and Path(model).is_dir():
            dirs.append(Path(model))
    return list(dict.fromkeys(dirs))


def _scrub_model(folder: Path, texts: set[str], replace: str | None) -> bool:
    """Remove quoted texts from a theme model's ``model.json`` examples (rewritten atomically)."""
    from analyzer.themes.persist import MODEL_JSON

    path = folder / MODEL_JSON
    if not path.is_file() or not texts:
        return False
    meta = json.loads(path.read_text("utf-8"))
    changed = False
    for theme in meta.get("themes", []):
        examples = list(theme.get("examples") or [])
        kept = _filtered(examples, texts, replace)
        if kept != examples:
            theme["examples"], changed = kept, True
    if changed:
        _atomic_write(path, json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8"))
    return changed


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def output_roots(store: Store) -> list[Path]:
    """Folders whose Parquet files may hold respondents: the store's, and each scored
    export's output folder (recorded by ``cxa score``)."""
    roots = [store.path.parent]
    with store.connect() as con:
        infos = con.execute("SELECT info FROM scored_exports").fetchall()
    for (raw,) in infos:
        out = json.loads(raw or "{}").get("out")
        if out and Path(out).is_dir():
            roots.append(Path(out))
    return list(dict.fromkeys(p.resolve() for p in roots))


def _parquet_files(roots: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        files += sorted(Path(root).rglob("*.parquet"))
    return list(dict.fromkeys(files))


def _scrub_parquet(
    path: Path, response_id: str | None, texts: set[str], replace: str | None
) -> bool:
    """Rewrite one Parquet file without the respondent's rows / texts; whether it changed."""
    frame = pd.read_parquet(path)
    before = frame
    if response_id is not None and "response_id" in frame:
        frame = frame[frame["response_id"].astype(str) != response_id]
    for column in ("comment", "text"):
        if column in frame and texts and replace is not None:
            hit = frame[column].astype(str).isin(texts)
            if hit.any():
                frame = frame.copy()
                frame.loc[hit, column] = replace
    if "examples" in frame and texts:
        frame = frame.copy()
        frame["examples"] = [_filtered(list(e), texts, replace) for e in frame["examples"]]
    if frame.equals(before):
        return False
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return True


def cache_files(cache_dir: Path | None = None) -> list[Path]:
    """The embedding cache's SQLite files (one per embedding model)."""
    if cache_dir is None:
        from analyzer.config import cache_dir as default

        cache_dir = default() / "embeddings"
    return sorted(Path(cache_dir).glob("embeddings-*.sqlite")) if Path(cache_dir).is_dir() else []


def _scrub_cache(texts: set[str], cache_dir: Path | None) -> int:
    """Delete the cache entries of ``texts`` (then VACUUM, so no freed page keeps them)."""
    keys = [cache_key(t) for t in texts]
    removed = 0
    for path in cache_files(cache_dir):
        con = sqlite3.connect(path)
        try:
            for start in range(0, len(keys), 900):
                chunk = keys[start : start + 900]
                marks = ",".join("?" * len(chunk))
                removed += con.execute(f"DELETE FROM vec WHERE key IN ({marks})", chunk).rowcount
            con.commit()
            con.execute("VACUUM")
        finally:
            con.close()
    return removed


def forget_response(
    store: Store,
    response_id: str,
    *,
    source: str | None = None,
    roots: list[Path] | None = None,
    cache_dir: Path | None = None,
    actor: str,
) -> Removed:
    """Remove a respondent's comment, mentions and scores everywhere (see the module doc).

    Parameters
    ----------
    store : Store
    response_id : str
        The export's id of the respondent.
    source : str, optional
        Only the runs and scored exports read from this file (path or file name).
    roots : list of Path, optional
        Folders whose Parquet files to clean; default :func:`output_roots`.
    cache_dir : Path, optional
        The embedding cache folder; default ``cache_dir() / "embeddings"``.
    actor : str
        Who asked (audited with a hash of the id, never the id).

    Raises
    ------
    NotFoundError
        No run or scored export holds ``response_id``.
    """
    response_id = str(response_id).strip()
    if not response_id:
        raise ConfigError("Give the id of the response to forget (--response-id).")
    runs, prints = _scope(store, source)
    texts = _texts(store, response_id, runs, prints)
    removed = Removed(response_id=response_id)
    removed.rows = _delete_rows(store, response_id, runs, prints, texts)
    if not any(removed.rows[t] for t in (*_RUN_TABLES, *_SCORED_TABLES)):
        raise NotFoundError(
            f"No response {response_id!r} in any run or scored export of {store.path}."
        )
    removed.examples = removed.rows.pop("theme_examples")
    for folder in _model_dirs(store, runs):
        if _scrub_model(folder, texts, None):
            removed.files.append(str(folder / "model.json"))
    for path in _parquet_files(roots or output_roots(store)):
        if _scrub_parquet(path, response_id, texts, None):
            removed.files.append(str(path))
    removed.cache_entries = _scrub_cache(texts, cache_dir)
    audit.record(
        store, actor, "forget", _id_digest(response_id), rows=removed.rows,
        files=len(removed.files), cache_entries=removed.cache_entries,
    )  # fmt: skip
    return removed


def _old_texts(store: Store, cutoff: pd.Timestamp) -> tuple[set[str], dict[str, int]]:
    """Texts of responses dated before ``cutoff`` (not yet purged), and how many rows each
    table has of them."""
    found: set[str] = set()
    counts: dict[str, int] = {}
    with store.connect() as con:
        for responses, mentions, key in (
            ("responses", "mentions", "run_id"),
            ("scored_responses", "scored_mentions", "fingerprint"),
        ):
            old = f"SELECT {key}, response_id FROM {responses} WHERE date < ?"
            rows = con.execute(
                f"SELECT comment FROM {responses} WHERE date < ? AND comment NOT IN ('', ?)",
                [cutoff, PURGED],
            ).fetchall()
            counts[responses] = len(rows)
            found |= {str(r[0]) for r in rows if r[0]}
            rows = con.execute(
                f"SELECT text FROM {mentions} WHERE ({key}, response_id) IN ({old}) AND text != ?",
                [cutoff, PURGED],
            ).fetchall()
            counts[mentions] = len(rows)
            found |= {str(r[0]) for r in rows if r[0]}
    return found, counts


def purge_text(
    store: Store,
    retain_days: int,
    *,
    now: pd.Timestamp | None = None,
    roots: list[Path] | None = None,
    cache_dir: Path | None = None,
    actor: str,
) -> dict[str, int]:
    """Replace the comment and mention texts of responses older than ``retain_days`` by
    :data:`PURGED` everywhere (store, theme examples, model folders, Parquet, cache).

    Rows, themes, sentiments and scores stay, so every aggregated figure is unchanged;
    verbatims and search of those responses are gone. Returns rows changed per table.
    """
    if retain_days < 1:
        raise ConfigError(f"retain_days={retain_days} should be >= 1 (days of text to keep).")
    cutoff = (now or pd.Timestamp.now()).normalize() - pd.Timedelta(days=retain_days)
    texts, counts = _old_texts(store, cutoff)
    with audit.transaction(store) as con:
        for responses, mentions, key in (
            ("responses", "mentions", "run_id"),
            ("scored_responses", "scored_mentions", "fingerprint"),
        ):
            old = f"SELECT {key}, response_id FROM {responses} WHERE date < ?"
            purged = con.execute(
                f"SELECT DISTINCT {key} FROM {responses} WHERE date < ? AND comment NOT IN ('', ?)",
                [cutoff, PURGED],
            ).fetchall()
            owners = "runs" if key == "run_id" else "scored_exports"
            _touch(con, owners, key, [r[0] for r in purged])  # readers' caches drop the text
            con.execute(
                f"UPDATE {mentions} SET text = ? WHERE ({key}, response_id) IN ({old})",
                [PURGED, cutoff],
            )
            con.execute(
                f"UPDATE {responses} SET comment = ? WHERE date < ? AND comment != ''",
                [PURGED, cutoff],
            )
        counts["theme_examples"] = _scrub_examples(con, texts, PURGED)
        audit.log(con, actor, "retention.purge", str(cutoff.date()), rows=counts)
    runs = store.list_runs()["run_id"].tolist()
    for folder in _model_dirs(store, runs):
        _scrub_model(folder, texts, PURGED)
    for path in _parquet_files(roots or output_roots(store)):
        _scrub_parquet(path, None, texts, PURGED)
    counts["cache_entries"] = _scrub_cache(texts, cache_dir)
    return counts


__all__ = [
    "PURGED",
    "Removed",
    "cache_files",
    "cache_key",
    "forget_response",
    "output_roots",
    "purge_text",
]
