"""The DuckDB store: runs, responses, mentions, themes and rejects in one embedded file.

Database rows are mapped to and from DataFrames only here. Everything stored is already
redacted: the pipeline redacts comments before they reach this module.

Each write of a run happens in one transaction, so a failed run leaves no half-written data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from analyzer.errors import NotFoundError, UnreadableFileError

SCHEMA_VERSION = 1

_DDL = """
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
    language VARCHAR
);
CREATE TABLE IF NOT EXISTS themes (
    run_id VARCHAR, theme_id BIGINT, label VARCHAR, keywords JSON, parent_id BIGINT,
    parent_label VARCHAR, size BIGINT, examples JSON, owner VARCHAR
);
CREATE TABLE IF NOT EXISTS rejects (
    run_id VARCHAR, file VARCHAR, "row" BIGINT, "column" VARCHAR, value VARCHAR, reason VARCHAR
);
CREATE TABLE IF NOT EXISTS scored_exports (
    fingerprint VARCHAR PRIMARY KEY, source VARCHAR, model VARCHAR, embedding VARCHAR,
    status VARCHAR, updated_at TIMESTAMP, info JSON
);
CREATE TABLE IF NOT EXISTS scored_responses (
    fingerprint VARCHAR, chunk BIGINT, response_id VARCHAR, "row" BIGINT, date TIMESTAMP,
    comment VARCHAR, nps INTEGER, csat INTEGER, ces INTEGER, sentiment VARCHAR,
    sentiment_score DOUBLE, segments JSON, metrics JSON, language VARCHAR
);
CREATE TABLE IF NOT EXISTS scored_mentions (
    fingerprint VARCHAR, chunk BIGINT, mention_id VARCHAR, response_id VARCHAR, position BIGINT,
    text VARCHAR, theme_id BIGINT, theme_confidence DOUBLE, sentiment VARCHAR,
    sentiment_score DOUBLE, language VARCHAR
);
"""
# Files written before the language column existed get it (NULL for their rows).
_MIGRATIONS = "".join(
    f"ALTER TABLE {t} ADD COLUMN IF NOT EXISTS language VARCHAR;"
    for t in ("responses", "mentions", "scored_responses", "scored_mentions")
)

_RESPONSE_COLS = ["response_id", "row", "date", "comment", "nps", "csat", "ces"]
_MENTION_COLS = [
    "mention_id", "response_id", "position", "text", "theme_id", "theme_confidence",
    "sentiment", "sentiment_score", "language",
]  # fmt: skip
_THEME_COLS = [
    "theme_id", "label", "keywords", "parent_id", "parent_label", "size", "examples", "owner",
]  # fmt: skip
_REJECT_COLS = ["file", "row", "column", "value", "reason"]
_TABLES = ("responses", "mentions", "themes", "rejects")


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

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        self.read_only = read_only
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.connect() as con:
                con.execute(_DDL)
                con.execute(_MIGRATIONS)
                con.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
                    [str(SCHEMA_VERSION)],
                )
        elif not self.path.exists():
            raise NotFoundError(f"No database at {self.path}. Run 'cxa analyze' first.")

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open a connection for the duration of a ``with`` block."""
        try:
            con = duckdb.connect(str(self.path), read_only=self.read_only)
        except duckdb.Error as exc:
            raise UnreadableFileError(
                f"Cannot open the database {self.path}: {exc}. Is it a DuckDB file, "
                "and is no other process writing to it?"
            ) from exc
        try:
            yield con
        finally:
            con.close()

    # -- runs -------------------------------------------------------------------------------

    def create_run(self, run_id: str, *, source: str, config: dict[str, Any]) -> None:
        """Record a new run in status ``running``."""
        with self.connect() as con:
            con.execute(
                "INSERT INTO runs VALUES (?, now(), ?, 'running', 'queued', NULL, ?, '{}')",
                [run_id, source, json.dumps(config)],
            )

    def set_status(
        self, run_id: str, status: str, *, stage: str | None = None, error: str | None = None
    ) -> None:
        """Update a run's status, stage and error message."""
        with self.connect() as con:
            con.execute(
                "UPDATE runs SET status = ?, stage = coalesce(?, stage), error = ? "
                "WHERE run_id = ?",
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
            "responses": _responses_rows(run_id, responses, segments, metrics),
            "mentions": _with_run(run_id, mentions, _MENTION_COLS),
            "themes": _themes_rows(run_id, themes),
            "rejects": _with_run(run_id, rejects, _REJECT_COLS),
        }
        info = {**info, "segments": segments, "metrics": metrics}
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for table, frame in frames.items():
                    con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
                    con.register("frame", frame)
                    con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM frame")
                    con.unregister("frame")
                con.execute(
                    "UPDATE runs SET status = 'done', stage = 'done', error = NULL, info = ? "
                    "WHERE run_id = ?",
                    [json.dumps(info, default=str), run_id],
                )
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise

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
        if row is None:
            known = ", ".join(self.list_runs()["run_id"].head(10)) or "none yet"
            raise NotFoundError(f"No run {run_id!r} in {self.path}. Known runs: {known}.")
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
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            for table in (*_TABLES, "runs"):
                con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])
            con.execute("COMMIT")

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
            responses=_responses_frame(frames["responses"], segments, metrics),
            mentions=_mentions_frame(frames["mentions"]),
            themes=_themes_frame(frames["themes"]),
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
        with self.connect() as con:
            con.register("changes", frame)
            con.execute(
                "UPDATE mentions SET theme_id = c.theme_id, theme_confidence = c.theme_confidence "
                "FROM changes c WHERE mentions.run_id = ? AND mentions.mention_id = c.mention_id",
                [run_id],
            )

    def remap_mention_themes(self, run_id: str, mapping: dict[int, int]) -> None:
        """Replace theme ids of a run's mentions by ``mapping`` (absorbed -> surviving id)."""
        if not mapping:
            return
        frame = pd.DataFrame({"old": list(mapping), "new": list(mapping.values())})
        with self.connect() as con:
            con.register("remap", frame)
            con.execute(
                "UPDATE mentions SET theme_id = r.new FROM remap r "
                "WHERE mentions.run_id = ? AND mentions.theme_id = r.old",
                [run_id],
            )

    def update_themes(self, run_id: str, themes: pd.DataFrame) -> None:
        """Replace the themes rows of a run (after a codeframe edit)."""
        frame = _themes_rows(run_id, themes)
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            con.execute("DELETE FROM themes WHERE run_id = ?", [run_id])
            con.register("frame", frame)
            con.execute("INSERT INTO themes BY NAME SELECT * FROM frame")
            con.execute("COMMIT")

    # -- batch scoring (cxa score) ------------------------------------------------------------
    # Scored exports are keyed by fingerprint (export bytes + theme model), not by run: scoring
    # the same export with the same model again replaces its rows instead of adding to them.

    def start_scoring(
        self, fingerprint: str, *, source: str, model: str, embedding: str, fresh: bool
    ) -> None:
        """Record that ``fingerprint`` is being scored; ``fresh`` drops its earlier rows."""
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            if fresh:
                for table in ("scored_responses", "scored_mentions"):
                    con.execute(f"DELETE FROM {table} WHERE fingerprint = ?", [fingerprint])
            con.execute(
                "INSERT OR REPLACE INTO scored_exports VALUES (?, ?, ?, ?, 'running', now(), '{}')",
                [fingerprint, source, model, embedding],
            )
            con.execute("COMMIT")

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
            "scored_responses": _responses_rows(fingerprint, responses, segments, metrics),
            "scored_mentions": _with_run(fingerprint, mentions, _MENTION_COLS),
        }
        with self.connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
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
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise

    def finish_scoring(self, fingerprint: str, info: dict[str, Any]) -> None:
        """Mark a scored export ``done`` with ``info`` (counts, timings, segments, metrics)."""
        with self.connect() as con:
            con.execute(
                "UPDATE scored_exports SET status = 'done', updated_at = now(), info = ? "
                "WHERE fingerprint = ?",
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
            known = ", ".join(self.list_scored()["fingerprint"].head(10)) or "none yet"
            raise NotFoundError(
                f"No scored export {fingerprint!r} in {self.path}. Known scored exports: {known}."
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
        return _responses_frame(responses, segments, metrics), _mentions_frame(mentions)


# -- row mapping ------------------------------------------------------------------------------


def _with_run(run_id: str, frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = frame.reindex(columns=cols).copy()
    out.insert(0, "run_id", run_id)
    return out


def _to_json_rows(frame: pd.DataFrame, cols: list[str]) -> list[str]:
    if not cols:
        return ["{}"] * len(frame)
    sub = frame[cols].astype(object).where(frame[cols].notna(), None)
    return [json.dumps(rec, default=str) for rec in sub.to_dict("records")]


def _responses_rows(
    run_id: str, responses: pd.DataFrame, segments: list[str], metrics: list[str]
) -> pd.DataFrame:
    own = [*_RESPONSE_COLS, "sentiment", "sentiment_score", "language"]
    out = _with_run(run_id, responses, own)
    for col in ("nps", "csat", "ces"):
        out[col] = out[col].astype("Int64")
    out["segments"] = _to_json_rows(responses, [s for s in segments if s not in own])
    out["metrics"] = _to_json_rows(responses, metrics)
    return out


def _responses_frame(rows: pd.DataFrame, segments: list[str], metrics: list[str]) -> pd.DataFrame:
    out = rows.drop(columns=["segments", "metrics"])
    for col in ("nps", "csat", "ces"):
        out[col] = out[col].astype("Int64")
    out["row"] = out["row"].astype("int64")
    seg = pd.DataFrame([json.loads(s) for s in rows["segments"]], index=rows.index)
    met = pd.DataFrame([json.loads(s) for s in rows["metrics"]], index=rows.index)
    for col in segments:
        if col not in out:  # ``language`` has its own column
            out[col] = seg[col].astype(object) if col in seg else pd.NA
    for col in metrics:
        out[col] = pd.to_numeric(met[col], errors="coerce") if col in met else float("nan")
    return out


def _mentions_frame(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows.copy()
    out["position"] = out["position"].astype("int64")
    out["theme_id"] = out["theme_id"].astype("int64")
    return out


def _themes_rows(run_id: str, themes: pd.DataFrame) -> pd.DataFrame:
    out = _with_run(run_id, themes, _THEME_COLS)
    out["keywords"] = [json.dumps(list(k)) for k in themes["keywords"]]
    out["examples"] = [json.dumps(list(e)) for e in themes["examples"]]
    return out


def _themes_frame(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows.copy()
    out["keywords"] = [json.loads(k) for k in rows["keywords"]]
    out["examples"] = [json.loads(e) for e in rows["examples"]]
    out["owner"] = out["owner"].astype(object).where(out["owner"].notna(), None)
    return out.sort_values("theme_id").reset_index(drop=True)


__all__ = ["SCHEMA_VERSION", "RunData", "Store"]
