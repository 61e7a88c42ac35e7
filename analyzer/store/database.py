"""The DuckDB store: runs, responses, mentions, themes and rejects in one embedded file.

Database rows are mapped to and from DataFrames only here (the mapping in
:mod:`analyzer.store.rows`, the tables and their migrations in :mod:`analyzer.store.schema`).
Everything stored is already redacted: the pipeline redacts comments before they reach this
module.

Many processes share one file (the service, ``cxa analyze``, ``cxa score``, ``cxa themes``):
no process keeps it open. Every method opens a short connection and closes it (waiting while
another process holds the file, see :mod:`analyzer.store.dbfile`), and every logical write (a
run's results, a scored chunk, a codeframe edit) is one transaction that also bumps the
store's ``generation``, so a crash leaves the store as it was before or fully after, and a
reader sees another process's writes by checking :meth:`Store.generation`.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analyzer import faults
from analyzer.errors import NotFoundError
from analyzer.store.dbfile import FileToken, file_token, open_connection, owner_alive, process_owner
from analyzer.store.rows import (
    GENERATION,
    MENTION_COLS,
    REJECT_COLS,
    mentions_frame,
    remap_themes,
    replace_themes,
    responses_frame,
    responses_rows,
    set_mention_themes,
    themes_frame,
    themes_rows,
    with_run,
)
from analyzer.store.schema import SCHEMA_VERSION, create_schema, schema_current

log = logging.getLogger(__name__)
_TABLES = ("responses", "mentions", "themes", "rejects")
WRITE_ATTEMPTS = 3
"""Most runs of one write (see :meth:`Store.write`)."""
_write_locks: dict[str, threading.RLock] = {}
_write_locks_guard = threading.Lock()


def _write_lock(path: Path) -> threading.RLock:
    """One lock per database file and process: write transactions of one process take turns
    (two at once would conflict on the generation row)."""
    key = str(path.resolve())
    with _write_locks_guard:
        return _write_locks.setdefault(key, threading.RLock())


@dataclass
class RunData:
    """Everything stored for one run, as DataFrames following ARCHITECTURE.md."""

    run_id: str
    meta: dict[str, Any]
    responses: pd.DataFrame
    mentions: pd.DataFrame
    themes: pd.DataFrame
    rejects: pd.DataFrame
    segments: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)


class Store:
    """A DuckDB file holding any number of runs.

    Parameters
    ----------
    path : str or Path
        The database file; created with its schema when missing.
    read_only : bool
        Open without write access (several readers may share the file).
    """

    def __init__(
        self, path: str | Path, *, read_only: bool = False, lock_timeout: float | None = None
    ) -> None:
        self.path = Path(path)
        self.read_only = read_only
        self.lock_timeout = lock_timeout
        self._token: FileToken | None = None
        self._generation = -1
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not self._schema_current():
                with self.connect() as con:
                    create_schema(con)
        elif not self.path.exists():
            raise NotFoundError(f"No database at {self.path}. Run 'cxa analyze' first.")

    def _schema_current(self) -> bool:
        if not self.path.exists():
            return False
        with self.connect() as con:
            return schema_current(con)

    @contextmanager
    def connect(self, *, timeout: float | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a connection for the duration of a ``with`` block (keep it short: while it is
        open, other processes cannot open the file).

        Waits up to ``timeout`` seconds (default: the store's ``lock_timeout``, else
        ``$CXA_DB_LOCK_TIMEOUT``, else 30) while another process holds the file, then raises
        :class:`~analyzer.errors.StoreBusyError`.
        """
        wait = self.lock_timeout if timeout is None else timeout
        con = open_connection(self.path, read_only=self.read_only, timeout=wait)
        try:
            yield con
        finally:
            con.close()

    @contextmanager
    def transaction(self, label: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """One write transaction: everything in the block commits together or not at all.

        The store's generation is bumped first, inside the transaction, so rows written in
        the block can record it (``changed``) and readers see the write by its number.
        ``label`` names the write for fault-injection tests (:mod:`analyzer.faults`).
        """
        with _write_lock(self.path), self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                con.execute(
                    "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) "
                    "WHERE key = 'generation'"
                )
                yield con
                faults.point(f"store.commit:{label}")
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    def write(self, label: str, body: Callable[[duckdb.DuckDBPyConnection], None]) -> None:
        """Run ``body(con)`` in one :meth:`transaction`, again from the start (up to
        :data:`WRITE_ATTEMPTS` times) when DuckDB fails to find its own pandas scan.

        Under concurrent connections of one process, DuckDB 2.0 now and then binds the scan of
        a registered DataFrame without finding ``pandas_scan`` ("Table Function with name
        pandas_scan does not exist"): a race inside DuckDB, seen about once in a dozen API runs
        on a busy machine. The transaction rolled back, so running it again is safe; any other
        error is raised at once.
        """
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self.transaction(label) as con:
                    body(con)
                return
            except duckdb.CatalogException as exc:
                if "pandas_scan" not in str(exc) or attempt == WRITE_ATTEMPTS:
                    raise
                log.warning("store write %s retried (attempt %d): %s", label, attempt + 1, exc)
                time.sleep(0.05 * attempt)

    def generation(self, *, timeout: float | None = None) -> int:
        """The number of write transactions committed to the store so far (by any process).

        Cheap when nothing changed: the file's size and time are compared with the last
        read, and the database is opened only when they differ.
        """
        token = file_token(self.path)
        if token != self._token:
            with self.connect(timeout=timeout) as con:
                row = con.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
            self._generation = int(row[0]) if row else 0
            self._token = token
        return self._generation

    def versions(self) -> dict[str, dict[str, tuple[str, int]]]:
        """Status and last-changed generation of every run and scored export, keyed by id.

        Returns ``{"runs": {run_id: (status, changed)}, "scored": {fingerprint: ...}}``;
        caches of a run's tables stay valid while its ``changed`` stays the same.
        """
        with self.connect() as con:
            runs = con.execute("SELECT run_id, status, changed FROM runs").fetchall()
            scored = con.execute(
                "SELECT fingerprint, status, changed FROM scored_exports"
            ).fetchall()
        return {
            "runs": {r[0]: (r[1], int(r[2] or 0)) for r in runs},
            "scored": {r[0]: (r[1], int(r[2] or 0)) for r in scored},
        }

    # -- runs -------------------------------------------------------------------------------

    def create_run(self, run_id: str, *, source: str, config: dict[str, Any]) -> None:
        """Record a new run in status ``running``, owned by this process."""
        with self.transaction("create_run") as con:
            con.execute(
                "INSERT INTO runs BY NAME SELECT ? AS run_id, now() AS created_at, ? AS source, "
                "'running' AS status, 'queued' AS stage, NULL AS error, ? AS config, "
                f"'{{}}' AS info, ? AS owner, {GENERATION} AS changed",
                [run_id, source, json.dumps(config), process_owner()],
            )

    def set_status(
        self, run_id: str, status: str, *, stage: str | None = None, error: str | None = None
    ) -> None:
        """Update a run's status, stage and error message."""
        with self.transaction("set_status") as con:
            con.execute(
                "UPDATE runs SET status = ?, stage = coalesce(?, stage), error = ?, "
                f"changed = {GENERATION} WHERE run_id = ?",
                [status, stage, error, run_id],
            )

    def write_results(
        self,
        run_id: str,
        *,
        responses: pd.DataFrame,
        mentions: pd.DataFrame,
        themes: pd.DataFrame,
        rejects: pd.DataFrame,
        segments: list[str],
        metrics: list[str],
        info: dict[str, Any],
    ) -> None:
        """Write a finished run's tables in one transaction and mark it ``done``."""
        frames = {
            "responses": responses_rows(run_id, responses, segments, metrics),
            "mentions": with_run(run_id, mentions, MENTION_COLS),
            "themes": themes_rows(run_id, themes),
            "rejects": with_run(run_id, rejects, REJECT_COLS),
        }
        info = {**info, "segments": segments, "metrics": metrics}

        def body(con: duckdb.DuckDBPyConnection) -> None:
            for table, frame in frames.items():
                con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
                con.register("frame", frame)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
                con.unregister("frame")
                faults.point(f"store.wrote:{table}")
            con.execute(
                "UPDATE runs SET status = 'done', stage = 'done', error = NULL, info = ?, "
                f"changed = {GENERATION} WHERE run_id = ?",
                [json.dumps(info, default=str), run_id],
            )

        self.write("write_results", body)

    def fail_orphaned_runs(self) -> list[str]:
        """Mark ``failed`` every run still ``running`` whose process is gone (a crash or
        ``kill -9`` of ``cxa analyze`` or of the service); the ids marked.

        Runs of live processes, including other processes on this host, are left alone.
        """
        with self.connect() as con:
            rows = con.execute("SELECT run_id, owner FROM runs WHERE status = 'running'").fetchall()
        orphaned = [(r, o) for r, o in rows if not owner_alive(o)]
        for run_id, owner in orphaned:
            self.set_status(
                run_id,
                "failed",
                error=f"Interrupted: the process that ran it ({owner or 'unknown'}) stopped "
                "before it finished. Analyze the export again.",
            )
        return [r for r, _ in orphaned]

    def list_runs(self) -> pd.DataFrame:
        """All runs, newest first."""
        with self.connect() as con:
            return con.execute(
                "SELECT run_id, created_at, source, status, stage, error FROM runs "
                "ORDER BY created_at DESC, run_id DESC"
            ).df()

    def run_meta(self, run_id: str) -> dict[str, Any]:
        """The runs row of ``run_id`` as a dict (config and info decoded)."""
        with self.connect() as con:
            row = con.execute("SELECT * FROM runs WHERE run_id = ?", [run_id]).fetchone()
            cols = [d[0] for d in con.description or []]
        if row is None:  # named alone: other runs' ids are not the caller's to learn
            raise NotFoundError(
                f"No run {run_id!r} in {self.path}. 'cxa runs' (or GET /v1/runs) lists the runs."
            )
        meta = dict(zip(cols, row, strict=True))
        for key in ("config", "info"):
            meta[key] = json.loads(meta[key]) if meta[key] else {}
        return meta

    def latest_run(self) -> str:
        """The id of the newest finished run."""
        runs = self.list_runs()
        done = runs[runs["status"] == "done"]
        if done.empty:
            raise NotFoundError(f"No finished run in {self.path}. Run 'cxa analyze' first.")
        return str(done["run_id"].iloc[0])

    def delete_run(self, run_id: str) -> None:
        """Remove a run and all its rows."""
        self.run_meta(run_id)
        with self.transaction("delete_run") as con:
            for table in (*_TABLES, "runs"):
                con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])

    def load_run(self, run_id: str) -> RunData:
        """Read every table of ``run_id`` back into DataFrames."""
        meta = self.run_meta(run_id)
        segments = list(meta["info"].get("segments", []))
        metrics = list(meta["info"].get("metrics", []))
        with self.connect() as con:
            frames = {
                t: con.execute(
                    f"SELECT * EXCLUDE (run_id) FROM {t} WHERE run_id = ?", [run_id]
                ).df()
                for t in _TABLES
            }
        return RunData(
            run_id=run_id,
            meta=meta,
            responses=responses_frame(frames["responses"], segments, metrics),
            mentions=mentions_frame(frames["mentions"]),
            themes=themes_frame(frames["themes"]),
            rejects=frames["rejects"],
            segments=segments,
            metrics=metrics,
        )

    def set_mention_themes(
        self, run_id: str, mention_ids: list[str], theme_ids: list[int], confidence: list[float]
    ) -> None:
        """Set the theme and confidence of the given mentions of a run (after an edit)."""
        frame = pd.DataFrame(
            {"mention_id": mention_ids, "theme_id": theme_ids, "theme_confidence": confidence}
        )
        self.write("set_mention_themes", lambda con: set_mention_themes(con, run_id, frame))

    def remap_mention_themes(self, run_id: str, mapping: dict[int, int]) -> None:
        """Replace theme ids of a run's mentions by ``mapping`` (absorbed -> surviving id)."""
        if not mapping:
            return
        self.write("remap_mention_themes", lambda con: remap_themes(con, run_id, mapping))

    def update_themes(self, run_id: str, themes: pd.DataFrame) -> None:
        """Replace the themes rows of a run (after a codeframe edit)."""
        self.write("update_themes", lambda con: replace_themes(con, run_id, themes))

    def apply_codeframe(
        self,
        run_id: str,
        *,
        themes: pd.DataFrame,
        remap: dict[int, int],
        assignments: pd.DataFrame | None = None,
    ) -> None:
        """Write a codeframe edit to a run in one transaction.

        Parameters
        ----------
        run_id : str
        themes : DataFrame
            The run's new themes rows.
        remap : dict of int to int
            Theme ids of mentions to replace (absorbed -> surviving id).
        assignments : DataFrame, optional
            ``mention_id, theme_id, theme_confidence`` of reassigned mentions (a split),
            applied before ``remap``.
        """

        def body(con: duckdb.DuckDBPyConnection) -> None:
            if assignments is not None and len(assignments):
                set_mention_themes(con, run_id, assignments)
            remap_themes(con, run_id, remap)
            faults.point("store.codeframe:mentions")
            replace_themes(con, run_id, themes)

        self.write("apply_codeframe", body)

    # -- batch scoring (cxa score) ------------------------------------------------------------
    # Scored exports are keyed by fingerprint (export bytes + theme model), not by run: scoring
    # the same export with the same model again replaces its rows instead of adding to them.

    def start_scoring(
        self, fingerprint: str, *, source: str, model: str, embedding: str, fresh: bool
    ) -> None:
        """Record that ``fingerprint`` is being scored; ``fresh`` drops its earlier rows."""
        with self.transaction("start_scoring") as con:
            if fresh:
                for table in ("scored_responses", "scored_mentions"):
                    con.execute(f"DELETE FROM {table} WHERE fingerprint = ?", [fingerprint])
            con.execute(
                "INSERT OR REPLACE INTO scored_exports BY NAME SELECT ? AS fingerprint, "
                "? AS source, ? AS model, ? AS embedding, 'running' AS status, "
                f"now() AS updated_at, '{{}}' AS info, {GENERATION} AS changed",
                [fingerprint, source, model, embedding],
            )

    def write_scored_chunk(
        self,
        fingerprint: str,
        chunk: int,
        *,
        responses: pd.DataFrame,
        mentions: pd.DataFrame,
        segments: list[str],
        metrics: list[str],
    ) -> None:
        """Replace the rows of one chunk of a scored export, in one transaction."""
        frames = {
            "scored_responses": responses_rows(fingerprint, responses, segments, metrics),
            "scored_mentions": with_run(fingerprint, mentions, MENTION_COLS),
        }

        def body(con: duckdb.DuckDBPyConnection) -> None:
            for table, frame in frames.items():
                frame = frame.rename(columns={"run_id": "fingerprint"})
                frame.insert(1, "chunk", chunk)
                con.execute(
                    f"DELETE FROM {table} WHERE fingerprint = ? AND chunk = ?",
                    [fingerprint, chunk],
                )
                con.register("frame", frame)
                con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
                con.unregister("frame")
            con.execute(
                f"UPDATE scored_exports SET changed = {GENERATION} WHERE fingerprint = ?",
                [fingerprint],
            )

        self.write(f"write_scored_chunk:{chunk}", body)

    def finish_scoring(self, fingerprint: str, info: dict[str, Any]) -> None:
        """Mark a scored export ``done`` with ``info`` (counts, timings, segments, metrics)."""
        with self.transaction("finish_scoring") as con:
            con.execute(
                "UPDATE scored_exports SET status = 'done', updated_at = now(), info = ?, "
                f"changed = {GENERATION} WHERE fingerprint = ?",
                [json.dumps(info, default=str), fingerprint],
            )

    def list_scored(self) -> pd.DataFrame:
        """All scored exports, newest first."""
        with self.connect() as con:
            return con.execute(
                "SELECT fingerprint, source, model, embedding, status, updated_at "
                "FROM scored_exports ORDER BY updated_at DESC, fingerprint DESC"
            ).df()

    def scored_meta(self, fingerprint: str) -> dict[str, Any]:
        """The scored_exports row of ``fingerprint`` as a dict (info decoded)."""
        with self.connect() as con:
            row = con.execute(
                "SELECT * FROM scored_exports WHERE fingerprint = ?", [fingerprint]
            ).fetchone()
            cols = [d[0] for d in con.description or []]
        if row is None:
            raise NotFoundError(
                f"No scored export {fingerprint!r} in {self.path}; GET /v1/scored lists them."
            )
        meta = dict(zip(cols, row, strict=True))
        meta["info"] = json.loads(meta["info"]) if meta["info"] else {}
        return meta

    def load_scored(self, fingerprint: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The scored ``responses`` and ``mentions`` of ``fingerprint``, in file order."""
        with self.connect() as con:
            row = con.execute(
                "SELECT info FROM scored_exports WHERE fingerprint = ?", [fingerprint]
            ).fetchone()
            if row is None:
                raise NotFoundError(f"No scored export {fingerprint!r} in {self.path}.")
            info = json.loads(row[0]) if row[0] else {}
            responses = con.execute(
                "SELECT * EXCLUDE (fingerprint, chunk) FROM scored_responses "
                'WHERE fingerprint = ? ORDER BY chunk, "row"',
                [fingerprint],
            ).df()
            mentions = con.execute(
                "SELECT m.* EXCLUDE (fingerprint, chunk) FROM scored_mentions m "
                "JOIN scored_responses r USING (fingerprint, chunk, response_id) "
                'WHERE m.fingerprint = ? ORDER BY m.chunk, r."row", m.position',
                [fingerprint],
            ).df()
        segments, metrics = list(info.get("segments", [])), list(info.get("metrics", []))
        return responses_frame(responses, segments, metrics), mentions_frame(mentions)


__all__ = ["SCHEMA_VERSION", "RunData", "Store"]
