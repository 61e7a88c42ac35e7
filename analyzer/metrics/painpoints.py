"""Pain points: negative themes ranked by how much score they cost."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.metrics._tables import check_tables, contains, ranked, require_columns
from analyzer.metrics.filters import DateLike, filter_responses
from analyzer.metrics.impact import theme_table
from analyzer.metrics.scores import MIN_N, check_kind
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
    "low_n",
    "examples",
)


def _examples(negative: pd.DataFrame, k: int) -> list[str]:
    """Up to ``k`` distinct texts, most negative first, one per response if possible.

    Ties in ``sentiment_score`` are broken by ``mention_id`` (or ``response_id``
    and ``position``) so the choice is deterministic.
    """
    order = [
        c for c in ("sentiment_score", "mention_id", "response_id", "position") if c in negative
    ]
    rows = negative.sort_values(order, na_position="last", kind="mergesort") if order else negative
    seen_text: set[str] = set()
    seen_resp: set[str] = set()
    picked: list[str] = []
    for allow_repeat in (False, True):
        for text, rid in zip(
            rows["text"].astype(str), rows["response_id"].astype(str), strict=True
        ):
            key = " ".join(text.lower().split())
            if len(picked) == k or not key or key in seen_text:
                continue
            if rid in seen_resp and not allow_repeat:
                continue
            seen_text.add(key)
            seen_resp.add(rid)
            picked.append(text)
    return picked


def _trend(
    responses: pd.DataFrame, mentions: pd.DataFrame, themes: pd.DataFrame, freq: str, recent: int
) -> dict[int, str]:
    if "date" not in responses.columns:
        return {}
    table = emerging_themes(responses, mentions, themes, freq, recent_periods=recent)
    return dict(zip(table["theme_id"].astype(int), table["status"], strict=True))


def _owners(themes: pd.DataFrame) -> dict[int, str | None]:
    if "owner" not in themes.columns:
        return {}
    return {
        int(t): None if pd.isna(o) else str(o)
        for t, o in zip(themes["theme_id"], themes["owner"], strict=True)
    }


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
) -> pd.DataFrame:
    """Themes with negative mentions, ranked by the score their negative mentions cost.

    Parameters
    ----------
    responses, mentions, themes : DataFrame
        The tables of ARCHITECTURE.md.
    score : {"nps", "csat", "ces"}
    since : str, date or Timestamp, optional
        Only responses from this date on count for the figures and examples.
        The trend is always computed on the full history (it needs a baseline).
    n_examples : int
        Example verbatims per theme.
    freq, recent_periods :
        Passed to :func:`analyzer.metrics.trends.emerging_themes`.
    min_n : int
        ``low_n`` threshold.

    Returns
    -------
    DataFrame
        One row per theme with at least one negative mention (``n_negative > 0``),
        sorted by ``cost`` descending (largest cost first; NaN last),
        then ``n_negative`` descending and ``theme_id``. Columns
        :data:`PAIN_POINT_COLUMNS`: ``responses``, ``n_negative``,
        ``share_negative``, ``score``, ``impact``, ``impact_negative``, ``low_n``
        as in :func:`analyzer.metrics.impact.theme_table`;
        ``negative_mentions`` counts negative mentions; ``cost`` is the score
        lost to the negative mentions: ``-impact_negative`` for NPS and CSAT,
        ``+impact_negative`` for CES (where higher means more effort, i.e. worse);
        ``trend`` the ``emerging_themes`` status (``None`` without a ``date``
        column); ``owner`` from the themes table (``None`` if unset); ``examples``
        a list of up to ``n_examples`` negative mention texts: the most negative by
        ``sentiment_score`` first, distinct texts, one per response when possible.
    """
    check_kind(score)
    check_tables(responses, mentions, themes)
    require_columns(mentions, ["text"], "mentions")
    themes = ranked(themes)
    trend = _trend(responses, mentions, themes, freq, recent_periods)
    if since is not None:
        responses, mentions = filter_responses(responses, mentions, since=since)
    table = theme_table(responses, mentions, themes, score, min_n=min_n)
    table = table[table["n_negative"] > 0].copy()
    negative = mentions[
        (mentions["sentiment"] == "negative")
        & contains(mentions["response_id"], responses["response_id"])
    ]
    by_theme = dict(tuple(negative.groupby("theme_id")))
    owners = _owners(themes)
    # object columns keep None (a str column would turn it into NaN)
    table["owner"] = pd.Series([owners.get(int(t)) for t in table["theme_id"]], table.index, object)
    table["negative_mentions"] = [len(by_theme[t]) for t in table["theme_id"]]
    # CES counts effort: higher is worse, so a costly theme raises it (positive impact).
    table["cost"] = table["impact_negative"] * (1 if score == "ces" else -1)
    table["trend"] = pd.Series([trend.get(int(t)) for t in table["theme_id"]], table.index, object)
    table["examples"] = [_examples(by_theme[t], n_examples) for t in table["theme_id"]]
    table = table.sort_values(
        ["cost", "n_negative", "theme_id"],
        ascending=[False, False, True],
        na_position="last",
    )
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.loc[:, list(PAIN_POINT_COLUMNS)].reset_index(drop=True)
