"""Response-level sentiment and its agreement with the survey scores (NPS, CSAT).

An analyst uses this to see where the model and the scores disagree: a detractor whose
comment reads positive, a promoter whose comment reads negative. Pure functions over the
``mentions`` and ``responses`` tables of ARCHITECTURE.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analyzer.errors import ColumnError
from analyzer.sentiment._base import MIXED, overall_sentiment

#: Score bands per survey metric: band -> (low, high, label that agrees, label that disagrees).
BANDS: dict[str, dict[str, tuple[int, int, str | None, str | None]]] = {
    "nps": {
        "detractor": (0, 6, "negative", "positive"),
        "passive": (7, 8, None, None),
        "promoter": (9, 10, "positive", "negative"),
    },
    "csat": {
        "low": (1, 2, "negative", "positive"),
        "middle": (3, 3, None, None),
        "high": (4, 5, "positive", "negative"),
    },
}

_OVERALL = ("negative", "neutral", "positive", MIXED)


def _require(df: pd.DataFrame, columns: tuple[str, ...], table: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ColumnError(
            f"The {table} table has no column(s) {missing}; it has {list(df.columns)}. "
            f"Expected {list(columns)} as in ARCHITECTURE.md."
        )


def response_sentiment(mentions: pd.DataFrame) -> pd.DataFrame:
    """Overall sentiment of each response from its mentions (see :func:`overall_sentiment`).

    Parameters
    ----------
    mentions : DataFrame with ``response_id``, ``sentiment``, ``sentiment_score``

    Returns
    -------
    DataFrame with one row per response that has mentions: ``response_id``, ``sentiment``
    (``negative`` / ``neutral`` / ``positive`` / ``mixed``), ``sentiment_score`` (mean, in
    [-1, 1]) and ``n_mentions``.
    """
    _require(mentions, ("response_id", "sentiment", "sentiment_score"), "mentions")
    rows = []
    for response_id, group in mentions.groupby("response_id", sort=False):
        label, score = overall_sentiment(
            group["sentiment"].to_numpy(), group["sentiment_score"].to_numpy(dtype=np.float64)
        )
        rows.append((response_id, label, score, len(group)))
    return pd.DataFrame(rows, columns=["response_id", "sentiment", "sentiment_score", "n_mentions"])


def _band_summary(labels: pd.Series, agree: str | None, disagree: str | None) -> dict[str, Any]:
    counts = {label: int((labels == label).sum()) for label in _OVERALL}
    n = len(labels)
    out: dict[str, Any] = {"n": n, **counts}
    if agree is not None and disagree is not None:
        out["agree"] = counts[agree]
        out["disagree"] = counts[disagree]
        out["agreement"] = counts[agree] / n if n else None
        out["disagreement"] = counts[disagree] / n if n else None
    return out


def agreement_with_scores(mentions: pd.DataFrame, responses: pd.DataFrame) -> dict[str, Any]:
    """How often the comment's overall sentiment agrees with the response's survey score.

    Parameters
    ----------
    mentions : DataFrame with ``response_id``, ``sentiment``, ``sentiment_score``
    responses : DataFrame with ``response_id`` and any of ``nps`` (0-10), ``csat`` (1-5)

    Returns
    -------
    dict
        ``responses_with_comments`` (int) and, for each of ``nps`` and ``csat`` present in
        ``responses``, a dict per band (``detractor`` 0-6 / ``passive`` 7-8 / ``promoter``
        9-10; ``low`` 1-2 / ``middle`` 3 / ``high`` 4-5) with ``n`` (responses that have both
        a comment and a score in the band), the count of each overall label, and for the
        outer bands ``agree`` / ``agreement`` (negative for detractors and low CSAT, positive
        for promoters and high CSAT), ``disagree`` / ``disagreement`` (the opposite
        polarity). Shares are None when ``n`` is 0.
    """
    _require(responses, ("response_id",), "responses")
    overall = response_sentiment(mentions)
    keep = [c for c in ("response_id", *BANDS) if c in responses.columns]
    joined = overall.merge(responses[keep], on="response_id", how="inner")
    result: dict[str, Any] = {"responses_with_comments": len(overall)}
    for metric, bands in BANDS.items():
        if metric not in joined.columns:
            continue
        scores = pd.to_numeric(joined[metric], errors="coerce")
        result[metric] = {
            band: _band_summary(joined.loc[scores.between(lo, hi), "sentiment"], agree, disagree)
            for band, (lo, hi, agree, disagree) in bands.items()
        }
    return result
