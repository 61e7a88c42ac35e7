"""The right to be forgotten, and retention of comment text.

:func:`forget_response` removes one respondent everywhere this project keeps their words or
id. The id may be given as the respondent's own (``ann.smith@example.com``): it is mapped
through the same redaction and keyed hash as ingest (and the forms earlier versions stored:
the unsalted hash, the rule that redacted card-like digit strings), and a duplicate's
``#2``, ``#3``... go with it. Removed: the rows of every run and scored export in the store
(responses, mentions, and the rejects of the respondent's rows), the theme examples that
quote them (in the store and in the theme model folders, whose ``model.json`` keeps
examples), the Parquet outputs under the store's folder and the scored exports' output
folders (with ``rejects.csv``), the embedding cache (keyed by the SHA-256 of each embedded
text), and the quotes of their words in suggestion notes. Theme reports of the runs touched
are withdrawn (see :mod:`analyzer.privacy.scrub`); the CLI writes them again. The theme
model keeps working: its centroids are averages, not texts.

:func:`purge_text` is the retention rule: comment and mention texts of responses older than
a number of days become ``[PURGED]`` while every row, theme, sentiment and score stays, so
the aggregated figures do not change.

Audit rows name a keyed hash of the forgotten id, never the id itself.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer.errors import ConfigError, NotFoundError
from analyzer.ingest.validation import stored_ids
from analyzer.privacy.scrub import (
    cache_files,
    cache_key,
    filtered,
    model_dirs,
    output_roots,
    scrub_cache,
    scrub_model,
    scrub_parquet,
    withdraw_reports,
)
from analyzer.store import Store, audit
from analyzer.store.rows import GENERATION
from analyzer.store.secret import id_key
from analyzer.text.redact import redact_file_name

PURGED = "[PURGED]"
FORGOTTEN = "[FORGOTTEN]"
"""What a suggestion note's quote of a forgotten respondent becomes."""
QUOTE_MIN_CHARS = 20
"""Shortest text of a respondent looked for in notes: shorter ones ("too slow") are common
words, not a quote of that respondent."""
_RUN_TABLES = ("responses", "mentions")
_SCORED_TABLES = ("scored_responses", "scored_mentions")
_DUPLICATE_BASE = r"^(.*)#[0-9]+$"
"""A duplicate id ``<id>#<k>`` (see :mod:`analyzer.ingest.validation`) and its base."""


@dataclass
class Removed:
    """What was removed: rows per table, files rewritten, cache entries, examples dropped,
    notes changed, and the theme reports withdrawn (``(path, run_id)``)."""

    response_id: str
    rows: dict[str, int] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    cache_entries: int = 0
    examples: int = 0
    notes: int = 0
    reports: list[tuple[str, str]] = field(default_factory=list)


def _id_digest(response_id: str, key: bytes | None) -> str:
    if key is None:
        return "sha256:" + hashlib.sha256(response_id.encode("utf-8")).hexdigest()[:16]
    return "hmac:" + hmac.new(key, response_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def _scope(store: Store, source: str | None) -> tuple[list[str], list[str]]:
    """Run ids and scored fingerprints to touch; all of them without ``source``."""
    runs = store.list_runs()
    scored = store.list_scored()
    if source is None:
        return runs["run_id"].tolist(), scored["fingerprint"].tolist()
    names = {Path(source).name, redact_file_name(source)}  # uploads are saved redacted

    def match(values: pd.Series) -> pd.Series:
        return values.astype(str).map(lambda s: s == source or Path(s).name in names)

    run_ids = runs.loc[match(runs["source"]), "run_id"].tolist()
    prints = scored.loc[match(scored["source"]), "fingerprint"].tolist()
    if not run_ids and not prints:
        raise NotFoundError(f"No run or scored export in {store.path} was read from {source!r}.")
    return run_ids, prints


def id_matcher(forms: list[str]) -> Any:
    """Which values of a ``response_id`` column are one of ``forms`` or a duplicate of one."""
    wanted = set(forms)

    def match(ids: pd.Series) -> pd.Series:
        base = ids.str.extract(_DUPLICATE_BASE, expand=False)
        return ids.isin(wanted) | base.isin(wanted)

    return match


def _stored(store: Store, forms: list[str], runs: list[str], prints: list[str]) -> dict[str, Any]:
    """The respondent's stored ids, the runs and scored exports that hold them, and every
    comment and mention text of theirs there."""
    ids: set[str] = set()
    texts: set[str] = set()
    owners: dict[str, set[str]] = {"runs": set(), "scored": set()}
    where = (
        "response_id IN (SELECT unnest(?)) OR "
        f"regexp_extract(response_id, '{_DUPLICATE_BASE}', 1) IN (SELECT unnest(?))"
    )
    with store.connect() as con:
        for table, key, scope, column in (
            ("responses", "run_id", runs, "comment"),
            ("mentions", "run_id", runs, "text"),
            ("scored_responses", "fingerprint", prints, "comment"),
            ("scored_mentions", "fingerprint", prints, "text"),
        ):
            if not scope:
                continue
            rows = con.execute(
                f"SELECT response_id, {key}, {column} FROM {table} "
                f"WHERE ({where}) AND {key} IN (SELECT unnest(?))",
                [forms, forms, scope],
            ).fetchall()
            ids |= {str(r[0]) for r in rows}
            owners["runs" if key == "run_id" else "scored"] |= {str(r[1]) for r in rows}
            texts |= {str(r[2]) for r in rows if r[2]}
    return {"ids": sorted(ids), "texts": texts, **{k: sorted(v) for k, v in owners.items()}}


def _delete_rows(
    store: Store, found: dict[str, Any], runs: list[str], prints: list[str], digest: str
) -> dict[str, int]:
    ids, texts = found["ids"], found["texts"]
    counts: dict[str, int] = {}
    with audit.transaction(store) as con:
        # the rejects of the respondent's rows first, while their responses rows exist
        of_rows = (
            '(run_id, "row") IN (SELECT run_id, "row" FROM responses WHERE response_id IN '
            "(SELECT unnest(?)) AND run_id IN (SELECT unnest(?))) OR value IN (SELECT unnest(?))"
        )
        n = con.execute(f"SELECT count(*) FROM rejects WHERE {of_rows}", [ids, runs, ids])
        rejects = int((n.fetchone() or [0])[0])
        con.execute(f"DELETE FROM rejects WHERE {of_rows}", [ids, runs, ids])
        scopes = ((_RUN_TABLES, "run_id", runs), (_SCORED_TABLES, "fingerprint", prints))
        for tables, key, scope in scopes:
            for table in tables:
                where = f"response_id IN (SELECT unnest(?)) AND {key} IN (SELECT unnest(?))"
                n = con.execute(f"SELECT count(*) FROM {table} WHERE {where}", [ids, scope])
                counts[table] = int((n.fetchone() or [0])[0])
                con.execute(f"DELETE FROM {table} WHERE {where}", [ids, scope])
        counts["rejects"] = rejects
        counts["theme_examples"] = _scrub_examples(con, texts)
        counts["suggestion_notes"] = _scrub_notes(con, texts, ids)
        _touch(con, "runs", "run_id", found["runs"])  # readers' caches of these drop the rows
        _touch(con, "scored_exports", "fingerprint", found["scored"])
        audit.log(con, "system", "forget.rows", digest, rows=counts)
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
        kept = filtered(examples, texts, replace)
        if kept != examples:
            changed += len(examples) - len(kept) if replace is None else 1
            con.execute("UPDATE themes SET examples = ? WHERE rowid = ?", [json.dumps(kept), rowid])
    return changed


def _quotes(texts: set[str], ids: list[str]) -> re.Pattern[str] | None:
    """A pattern of the respondent's longer texts and of their ids as whole words."""
    quoted = sorted((t for t in texts if len(t) >= QUOTE_MIN_CHARS), key=len, reverse=True)
    named = [i for i in ids if len(i) >= 4]
    parts = [re.escape(t) for t in quoted] + [rf"(?<!\w){re.escape(i)}(?!\w)" for i in named]
    return re.compile("|".join(parts)) if parts else None


def _scrub_notes(con: Any, texts: set[str], ids: list[str]) -> int:
    """Replace quotes of the respondent (their longer texts, their ids) in suggestion notes
    and seed phrases with :data:`FORGOTTEN`; how many suggestions changed."""
    pattern = _quotes(texts, ids)
    if pattern is None:
        return 0
    changed = 0
    rows = con.execute("SELECT suggestion_id, comment, payload FROM suggestions").fetchall()
    for suggestion_id, comment, raw in rows:
        payload = json.loads(raw or "{}")
        phrases = payload.get("phrases")
        new_comment = pattern.sub(FORGOTTEN, comment) if comment else comment
        new_phrases = [pattern.sub(FORGOTTEN, str(p)) for p in phrases or []]
        if new_comment == comment and new_phrases == (phrases or []):
            continue
        if phrases:
            payload["phrases"] = new_phrases
        con.execute(
            "UPDATE suggestions SET comment = ?, payload = ? WHERE suggestion_id = ?",
            [new_comment, json.dumps(payload), suggestion_id],
        )
        changed += 1
    return changed


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
        The respondent's id: as the export gave it (``ann.smith@example.com``) or as it is
        stored (``[EMAIL]-1f0c9a2b``).
    source : str, optional
        Only the runs and scored exports read from this file (path or file name).
    roots : list of Path, optional
        Folders whose Parquet files and reports to clean; default :func:`output_roots`.
    cache_dir : Path, optional
        The embedding cache folder; default ``cache_dir() / "embeddings"``.
    actor : str
        Who asked (audited with a keyed hash of the id, never the id).

    Raises
    ------
    NotFoundError
        No run or scored export holds ``response_id``.
    """
    response_id = str(response_id).strip()
    if not response_id:
        raise ConfigError("Give the id of the response to forget (--response-id).")
    key = id_key(store)
    forms = stored_ids(response_id, key)
    runs, prints = _scope(store, source)
    found = _stored(store, forms, runs, prints)
    if not found["ids"]:
        raise NotFoundError(
            f"No response {response_id!r} in any run or scored export of {store.path}."
        )
    digest = _id_digest(response_id, key)
    texts = found["texts"]
    removed = Removed(response_id=response_id)
    removed.rows = _delete_rows(store, found, runs, prints, digest)
    removed.examples = removed.rows.pop("theme_examples")
    removed.notes = removed.rows.pop("suggestion_notes")
    for folder in model_dirs(store, runs):
        if scrub_model(folder, texts, None):
            removed.files.append(str(folder / "model.json"))
    roots = roots or output_roots(store)
    removed.files += scrub_parquet(roots, id_matcher(forms), texts, None)
    removed.reports = withdraw_reports(roots, found["runs"])
    removed.cache_entries = scrub_cache(texts, cache_dir)
    audit.record(
        store, actor, "forget", digest, rows=removed.rows, files=len(removed.files),
        cache_entries=removed.cache_entries, reports=len(removed.reports),
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
    :data:`PURGED` everywhere (store, theme examples, model folders, Parquet, cache); the
    theme reports of the runs touched are withdrawn.

    Rows, themes, sentiments and scores stay, so every aggregated figure is unchanged;
    verbatims and search of those responses are gone. Returns rows changed per table.
    """
    if retain_days < 1:
        raise ConfigError(f"retain_days={retain_days} should be >= 1 (days of text to keep).")
    cutoff = (now or pd.Timestamp.now()).normalize() - pd.Timedelta(days=retain_days)
    texts, counts = _old_texts(store, cutoff)
    touched: list[str] = []  # runs whose reports quote purged text
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
            touched += [str(r[0]) for r in purged] if key == "run_id" else []
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
    for folder in model_dirs(store, runs):
        scrub_model(folder, texts, PURGED)
    roots = roots or output_roots(store)
    scrub_parquet(roots, None, texts, PURGED)
    counts["reports"] = len(withdraw_reports(roots, touched))
    counts["cache_entries"] = scrub_cache(texts, cache_dir)
    return counts


__all__ = [
    "FORGOTTEN",
    "PURGED",
    "Removed",
    "cache_files",
    "cache_key",
    "forget_response",
    "id_matcher",
    "output_roots",
    "purge_text",
]
