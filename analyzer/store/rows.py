"""Rows of the store's tables to and from the DataFrames of ARCHITECTURE.md.

Only :mod:`analyzer.store` uses these, and the statements that write them inside one of
its transactions: segment and metric columns are kept as one JSON
object per row, themes' keywords and examples as JSON lists.
"""

from __future__ import annotations

import json

import duckdb
import pandas as pd

RESPONSE_COLS = ["response_id", "row", "date", "comment", "nps", "csat", "ces"]
MENTION_COLS = [
    "mention_id", "response_id", "position", "text", "theme_id", "theme_confidence",
    "sentiment", "sentiment_score", "language", "primary",
]  # fmt: skip
THEME_COLS = [
    "theme_id", "label", "keywords", "parent_id", "parent_label", "size", "examples", "owner",
    "kind", "coverage", "lift",
]  # fmt: skip
REJECT_COLS = ["file", "row", "column", "value", "reason"]
GENERATION = "(SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'generation')"
"""SQL for the store's current generation (bumped first in every write transaction)."""


def with_run(run_id: str, frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = frame.reindex(columns=cols).copy()
    out.insert(0, "run_id", run_id)
    return out


def to_json_rows(frame: pd.DataFrame, cols: list[str]) -> list[str]:
    if not cols:
        return ["{}"] * len(frame)
    sub = frame[cols].astype(object).where(frame[cols].notna(), None)
    return [json.dumps(rec, default=str) for rec in sub.to_dict("records")]


def responses_rows(
    run_id: str, responses: pd.DataFrame, segments: list[str], metrics: list[str]
) -> pd.DataFrame:
    own = [*RESPONSE_COLS, "sentiment", "sentiment_score", "language"]
    out = with_run(run_id, responses, own)
    for col in ("nps", "csat", "ces"):
        out[col] = out[col].astype("Int64")
    # ``language`` is a segment too, but has its own column
    out["segments"] = to_json_rows(responses, [s for s in segments if s not in own])
    out["metrics"] = to_json_rows(responses, metrics)
    return out


def responses_frame(rows: pd.DataFrame, segments: list[str], metrics: list[str]) -> pd.DataFrame:
    """The stored rows as a ``responses`` table, segment and metric columns decoded.

    Built in one concat, not column by column: inserting thousands of columns one at a
    time is quadratic in pandas (a run of 50,000 metric columns never loaded).
    """
    out = rows.drop(columns=["segments", "metrics"])
    for col in ("nps", "csat", "ces"):
        out[col] = out[col].astype("Int64")
    out["row"] = out["row"].astype("int64")
    seg = pd.DataFrame([json.loads(s) for s in rows["segments"]], index=rows.index)
    met = pd.DataFrame([json.loads(s) for s in rows["metrics"]], index=rows.index)
    no_text = pd.Series(pd.NA, index=rows.index, dtype=object)
    no_number = pd.Series(float("nan"), index=rows.index, dtype="float64")
    extra = {
        col: seg[col].astype(object) if col in seg else no_text
        for col in segments
        if col not in out  # ``language`` has its own column
    }
    for col in metrics:
        extra[col] = pd.to_numeric(met[col], errors="coerce") if col in met else no_number
    if not extra:
        return out
    return pd.concat([out, pd.DataFrame(extra, index=rows.index)], axis=1)


def mentions_frame(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows.copy()
    out["position"] = out["position"].astype("int64")
    out["theme_id"] = out["theme_id"].astype("int64")
    if "primary" in out:  # a row written before mentions carried several themes is primary
        out["primary"] = out["primary"].fillna(True).astype(bool)
    return out


def themes_rows(run_id: str, themes: pd.DataFrame) -> pd.DataFrame:
    out = with_run(run_id, themes, THEME_COLS)
    out["keywords"] = [json.dumps(list(k)) for k in themes["keywords"]]
    out["examples"] = [json.dumps(list(e)) for e in themes["examples"]]
    return out


def themes_frame(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows.copy()
    if "kind" in out:  # themes written before kinds existed were all named
        out["kind"] = out["kind"].where(out["kind"].notna(), "named").astype(object)
    out["keywords"] = [json.loads(k) for k in rows["keywords"]]
    out["examples"] = [json.loads(e) for e in rows["examples"]]
    out["owner"] = out["owner"].astype(object).where(out["owner"].notna(), None)
    return out.sort_values("theme_id").reset_index(drop=True)


# -- writes inside a transaction (see Store.transaction) ---------------------------------------


def touch(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    con.execute(f"UPDATE runs SET changed = {GENERATION} WHERE run_id = ?", [run_id])


def set_mention_themes(con: duckdb.DuckDBPyConnection, run_id: str, frame: pd.DataFrame) -> None:
    """Set the own (primary) theme of the given mentions; their other themes stay."""
    con.register("changes", frame[["mention_id", "theme_id", "theme_confidence"]])
    con.execute(
        "UPDATE mentions SET theme_id = c.theme_id, theme_confidence = c.theme_confidence "
        "FROM changes c WHERE mentions.run_id = ? AND mentions.mention_id = c.mention_id "
        'AND mentions."primary" IS NOT FALSE',
        [run_id],
    )
    con.unregister("changes")
    touch(con, run_id)


def remap_themes(con: duckdb.DuckDBPyConnection, run_id: str, mapping: dict[int, int]) -> None:
    if not mapping:
        return
    frame = pd.DataFrame({"old": list(mapping), "new": list(mapping.values())})
    con.register("remap", frame)
    con.execute(
        "UPDATE mentions SET theme_id = r.new FROM remap r "
        "WHERE mentions.run_id = ? AND mentions.theme_id = r.old",
        [run_id],
    )
    con.unregister("remap")
    drop_repeated_themes(con, run_id)
    touch(con, run_id)


def drop_repeated_themes(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Delete a mention's other-theme rows that repeat a theme it already has (a merge of
    two themes one mention named) or name a theme the run no longer has (a split one)."""
    con.execute(
        'DELETE FROM mentions WHERE run_id = ? AND "primary" = FALSE AND ('
        "EXISTS (SELECT 1 FROM mentions o WHERE o.run_id = mentions.run_id "
        "AND o.mention_id = mentions.mention_id AND o.theme_id = mentions.theme_id "
        'AND (o."primary" IS NOT FALSE OR o.rowid < mentions.rowid)) '
        "OR (EXISTS (SELECT 1 FROM themes t WHERE t.run_id = mentions.run_id) AND NOT EXISTS "
        "(SELECT 1 FROM themes t WHERE t.run_id = mentions.run_id "
        "AND t.theme_id = mentions.theme_id)))",
        [run_id],
    )


def replace_themes(con: duckdb.DuckDBPyConnection, run_id: str, themes: pd.DataFrame) -> None:
    con.execute("DELETE FROM themes WHERE run_id = ?", [run_id])
    con.register("frame", themes_rows(run_id, themes))
    con.execute("INSERT INTO themes BY NAME SELECT * FROM frame")
    con.unregister("frame")
    drop_repeated_themes(con, run_id)
    touch(con, run_id)


__all__ = [
    "GENERATION",
    "MENTION_COLS",
    "REJECT_COLS",
    "RESPONSE_COLS",
    "THEME_COLS",
    "drop_repeated_themes",
    "mentions_frame",
    "remap_themes",
    "replace_themes",
    "responses_frame",
    "responses_rows",
    "set_mention_themes",
    "themes_frame",
    "themes_rows",
    "touch",
    "with_run",
]
