"""Validation and the theme-by-response membership that every per-theme table uses."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from analyzer.errors import ColumnError

SENTIMENTS: tuple[str, ...] = ("negative", "neutral", "positive")


def require_columns(table: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    """Raise ColumnError naming the first of ``columns`` missing from ``table``."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ColumnError(
            f"The {name} table lacks column(s) {', '.join(map(repr, missing))} "
            f"(it has: {', '.join(map(str, table.columns))}). Pass the {name} table "
            "described in ARCHITECTURE.md."
        )


def check_tables(responses: pd.DataFrame, mentions: pd.DataFrame, themes: pd.DataFrame) -> None:
    """Check that the three tables have the columns the metrics need."""
    require_columns(responses, ["response_id"], "responses")
    require_columns(mentions, ["response_id", "theme_id", "sentiment"], "mentions")
    require_columns(themes, ["theme_id", "label"], "themes")


def ranked(themes: pd.DataFrame) -> pd.DataFrame:
    """The themes that may be ranked (pain points): all but the residuals ("Flight: other":
    what no phrase named is counted and shown, never ranked)."""
    if "kind" not in themes.columns:
        return themes
    return themes[themes["kind"].astype(str) != "residual"]


def contains(values: pd.Series, pool: pd.Series) -> np.ndarray:
    """Whether each of ``values`` occurs in ``pool``, shape (len(values),), bool.

    Same as ``values.isin(pool)``, which is slow on large pyarrow-backed string columns.
    """
    return np.asarray(pd.Index(pool.unique()).get_indexer(values) >= 0)


def commented(responses: pd.DataFrame, mentions: pd.DataFrame) -> np.ndarray:
    """Which responses have a comment, shape (n_responses,), bool.

    A response has a comment when its ``comment`` is not blank or when it has at
    least one mention (so that a theme's share can never exceed 1).
    """
    has_mention = contains(responses["response_id"], mentions["response_id"])
    if "comment" not in responses.columns:
        return has_mention
    text = responses["comment"].fillna("").astype(str).str.strip()
    return (text != "").to_numpy() | has_mention


def membership(
    responses: pd.DataFrame, mentions: pd.DataFrame, themes: pd.DataFrame
) -> pd.DataFrame:
    """One row per (theme, response) pair in which the response mentions the theme.

    Mentions that are unassigned (``theme_id == -1``), whose theme is not in
    ``themes`` or whose response is not in ``responses`` are dropped.

    Returns
    -------
    DataFrame
        ``theme_id`` (int64), ``pos`` (int64, row position in ``responses``),
        ``n_mentions`` (int64) and one int64 column per sentiment (``negative``,
        ``neutral``, ``positive``): how many of the response's mentions of the
        theme have that sentiment.
    """
    pos = pd.Index(responses["response_id"]).get_indexer(mentions["response_id"])
    theme_ids = mentions["theme_id"].astype("int64").to_numpy()
    keep = (pos >= 0) & (theme_ids != -1) & np.isin(theme_ids, themes["theme_id"].to_numpy())
    sentiment = mentions["sentiment"].astype(str).to_numpy()[keep]
    frame = pd.DataFrame({"theme_id": theme_ids[keep], "pos": pos[keep].astype("int64")})
    for s in SENTIMENTS:
        frame[s] = sentiment == s
    grouped = frame.groupby(["theme_id", "pos"], sort=True)
    out = grouped[list(SENTIMENTS)].sum().astype("int64")
    out.insert(0, "n_mentions", grouped.size().astype("int64"))
    return out.reset_index()


def theme_rows(themes: pd.DataFrame) -> pd.DataFrame:
    """``theme_id`` and ``label`` of the real themes (``theme_id >= 0``), one row each."""
    rows = themes.loc[themes["theme_id"] >= 0, ["theme_id", "label"]]
    rows = rows.drop_duplicates("theme_id").astype({"theme_id": "int64"})
    return rows.reset_index(drop=True)


def positions_by_theme(member: pd.DataFrame, flag: str | None = None) -> dict[int, np.ndarray]:
    """Response positions per theme from :func:`membership`.

    With ``flag`` (a sentiment), only responses with at least one mention of the
    theme with that sentiment.
    """
    rows = member if flag is None else member[member[flag] > 0]
    ids = rows["theme_id"].to_numpy()
    pos = rows["pos"].to_numpy()
    return {int(t): pos[ids == t] for t in np.unique(ids)}
