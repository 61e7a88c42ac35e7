"""Pain points: negative themes ranked by how much score they cost, or, in an export without
that score, by how many responses mention them negatively."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.errors import ConfigError
from analyzer.metrics._tables import check_tables, contains, ranked, require_columns
from analyzer.metrics.filters import DateLike, filter_responses
from analyzer.metrics.impact import theme_table
from analyzer.metrics.scores import MIN_N, check_kind, has_scores
from analyzer.metrics.trends import emerging_themes

PAIN_POINT_COLUMNS: tuple[str, ...] = (
    "rank",
    "theme_id",
    "label",
    "owner",
    "responses",
    "n_negative",
    "negative_mentions",
    "share_negative",
    "score",
    "impact",
    "impact_negative",
    "cost",
    "trend",
    "negative_recent_share",
    "negative_baseline_share",
    "negative_trend",
    "low_n",
    "examples",
)

RANKINGS: tuple[str, ...] = ("cost", "negative")
"""Valid ``rank_by`` values of :func:`pain_points`."""

_TIE_BREAK = ["mention_id", "response_id", "position"]


def _examples(negative: pd.DataFrame, ids: pd.Series, k: int) -> list[list[str]]:
    """Up to ``k`` distinct texts per theme of ``ids``, most negative first.

    First each response's most negative mention (distinct texts), then the other
    mentions, so the examples come from as many responses as there are. Ties in
    ``sentiment_score`` are broken by ``mention_id`` (or ``response_id`` and
    ``position``) so the choice is deterministic.
    """
    order = ["theme_id", *[c for c in ["sentiment_score", *_TIE_BREAK] if c in negative]]
    rows = negative.assign(key=negative["text"].astype(str).str.lower().str.split().str.join(" "))
    rows = rows[rows["key"] != ""].sort_values(order, na_position="last", kind="mergesort")
    first = ~rows.duplicated(["theme_id", "response_id"])
    lead = rows[first].drop_duplicates(["theme_id", "key"])
    rest = rows[~first].drop_duplicates(["theme_id", "key"])
    taken = pd.MultiIndex.from_frame(lead[["theme_id", "key"]])
    rest = rest[~pd.MultiIndex.from_frame(rest[["theme_id", "key"]]).isin(taken)]
    picked = pd.concat([lead, rest], ignore_index=True)  # stable: lead rows first per theme
    picked = picked.sort_values("theme_id", kind="mergesort")
    picked = picked[picked.groupby("theme_id").cumcount() < k]
    texts = picked.groupby("theme_id")["text"].agg(lambda t: [str(x) for x in t])
    return [list(texts.get(t, [])) for t in ids]


def _trends(
    responses: pd.DataFrame, mentions: pd.DataFrame, themes: pd.DataFrame, freq: str, recent: int
) -> pd.DataFrame:
    """The theme's trend, and the shares and trend of its negative mentions, per theme id."""
    columns = ["trend", "negative_recent_share", "negative_baseline_share", "negative_trend"]
    if "date" not in responses.columns:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="theme_id"))
    every = emerging_themes(responses, mentions, themes, freq, recent_periods=recent)
    negative = emerging_themes(
        responses, mentions, themes, freq, recent_periods=recent, sentiment="negative"
    )
    out = negative.set_index("theme_id")[["recent_share", "baseline_share", "status"]]
    out.columns = pd.Index(columns[1:])
    out["trend"] = every.set_index("theme_id")["status"]
    return out[columns]


def _owners(themes: pd.DataFrame) -> dict[int, str | None]:
    if "owner" not in themes.columns:
        return {}
    return {
        int(t): None if pd.isna(o) else str(o)
        for t, o in zip(themes["theme_id"], themes["owner"], strict=True)
    }


def _ranking(responses: pd.DataFrame, score: str, rank_by: str | None) -> str:
    if rank_by is None:
        return "cost" if has_scores(responses, score) else "negative"
    if rank_by not in RANKINGS:
        raise ConfigError(f"Unknown rank_by {rank_by!r}; expected one of {', '.join(RANKINGS)}.")
    return rank_by


def pain_points(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    themes: pd.DataFrame,
    score: str = "nps",
    since: DateLike | None = None,
    *,
    n_examples: int = 3,
    freq: str = "M",
    recent_periods: int = 2,
    min_n: int = MIN_N,
    rank_by: str | None = None,
) -> pd.DataFrame:
    """Themes with negative mentions, ranked by the score their negative mentions cost.

    Parameters
    ----------
    responses, mentions, themes : DataFrame
        The tables of ARCHITECTURE.md.
    score : {"nps", "csat", "ces"}
    since : str, date or Timestamp, optional
        Only responses from this date on count for the figures and examples.
        The trends are always computed on the full history (they need a baseline).
    n_examples : int
        Example verbatims per theme.
    freq, recent_periods :
        Passed to :func:`analyzer.metrics.trends.emerging_themes` (``freq="auto"``
        follows the span of the dates).
    min_n : int
        ``low_n`` threshold.
    rank_by : {"cost", "negative"}, optional
        ``cost``: the score lost, largest first (NaN last), then ``n_negative``;
        ``negative``: ``n_negative`` (responses with a negative mention), then
        ``negative_mentions`` and ``share_negative``. By default ``cost`` when
        ``responses`` has at least one ``score`` rating, else ``negative``: an export
        without that score (or without its column) is ranked by what it has.

    Returns
    -------
    DataFrame
        One row per theme with at least one negative mention (``n_negative > 0``),
        in rank order (ties by ``theme_id``). Columns :data:`PAIN_POINT_COLUMNS`:
        ``responses``, ``n_negative``, ``share_negative`` (of the theme's mentions),
        ``score``, ``impact``, ``impact_negative``, ``low_n`` as in
        :func:`analyzer.metrics.impact.theme_table`;
        ``negative_mentions`` counts negative mentions of the theme; ``cost`` is the
        score lost to the negative mentions: ``-impact_negative`` for NPS and CSAT,
        ``+impact_negative`` for CES (where higher means more effort, i.e. worse),
        NaN without scores; ``trend`` the ``emerging_themes`` status of the theme;
        ``negative_recent_share`` / ``negative_baseline_share`` the share of
        commented responses with a negative mention of the theme in the recent and
        baseline windows, and ``negative_trend`` their ``emerging_themes`` status
        (all four ``None`` / NaN without a ``date`` column); ``owner`` from the
        themes table (``None`` if unset); ``examples`` a list of up to
        ``n_examples`` negative mention texts: the most negative by
        ``sentiment_score`` first, distinct texts, one per response when possible.
    """
    check_kind(score)
    check_tables(responses, mentions, themes)
    require_columns(mentions, ["text"], "mentions")
    themes = ranked(themes)
    trends = _trends(responses, mentions, themes, freq, recent_periods)
    if since is not None:
        responses, mentions = filter_responses(responses, mentions, since=since)
    ranking = _ranking(responses, score, rank_by)
    table = theme_table(responses, mentions, themes, score, min_n=min_n)
    table = table[table["n_negative"] > 0].copy()
    negative = mentions[
        (mentions["sentiment"] == "negative")
        & contains(mentions["response_id"], responses["response_id"])
    ]
    owners = _owners(themes)
    ids = table["theme_id"]
    # object columns keep None (a str column would turn it into NaN)
    table["owner"] = pd.Series([owners.get(int(t)) for t in ids], table.index, object)
    counts = negative["theme_id"].astype("int64").value_counts()
    table["negative_mentions"] = ids.map(counts).fillna(0).astype("int64")
    # CES counts effort: higher is worse, so a costly theme raises it (positive impact).
    table["cost"] = table["impact_negative"] * (1 if score == "ces" else -1)
    found = trends.reindex(ids.to_numpy())
    for column in trends.columns:
        values = pd.Series(found[column].to_numpy(), table.index)
        if column.endswith("trend"):
            table[column] = values.astype(object).where(values.notna(), None)
        else:
            table[column] = values.astype(float)
    table["examples"] = _examples(negative, ids, n_examples)
    keys = ["cost", "n_negative"] if ranking == "cost" else ["n_negative", "negative_mentions"]
    keys += ["share_negative"] if ranking == "negative" else []
    table = table.sort_values(
        [*keys, "theme_id"], ascending=[False] * len(keys) + [True], na_position="last"
    )
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.loc[:, list(PAIN_POINT_COLUMNS)].reset_index(drop=True)
