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
from analyzer.sentiment._base import MIXED, overall_sentiments
from analyzer.tables import primary_rows

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
    mentions = primary_rows(mentions)  # a mention of two themes counts once here
    mentions = mentions[mentions["response_id"].notna()]  # as groupby leaves them out
    codes, uniques = pd.factorize(mentions["response_id"], sort=False)
    labels, scores = overall_sentiments(
        codes,
        mentions["sentiment"].to_numpy(dtype=object),
        mentions["sentiment_score"].to_numpy(dtype=np.float64),
        len(uniques),
    )
    return pd.DataFrame(
        {
            "response_id": np.asarray(uniques, dtype=object),
            "sentiment": labels,
            "sentiment_score": scores,
            "n_mentions": np.bincount(codes, minlength=len(uniques)).astype("int64"),
        }
    )


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


#: Themes with fewer mentions than this in the outer score bands get no agreement figure.
MIN_THEME_N = 20


def agreement_by_theme(
    mentions: pd.DataFrame, responses: pd.DataFrame, metric: str, min_n: int = MIN_THEME_N
) -> pd.DataFrame:
    """Per theme: how often a mention's sentiment *toward the theme* agrees with the score.

    Only responses in the outer bands of ``metric`` count (NPS detractors 0-6 and promoters
    9-10; CSAT 1-2 and 4-5): a negative mention agrees with a detractor, a positive one with
    a promoter, and the opposite polarity disagrees; neutral mentions do neither.

    Parameters
    ----------
    mentions : DataFrame with ``response_id``, ``theme_id``, ``sentiment``
    responses : DataFrame with ``response_id`` and ``metric``
    metric : {"nps", "csat"}
    min_n : int, default 20
        Themes with fewer counted mentions get None as their shares (``low_n`` True).

    Returns
    -------
    DataFrame
        ``theme_id, n, agree, disagree, agreement, disagreement, low_n``, one row per
        theme with at least one counted mention (theme_id >= 0), largest ``n`` first.
        Empty (same columns) when ``metric`` is not in ``responses``.
    """
    columns = ["theme_id", "n", "agree", "disagree", "agreement", "disagreement", "low_n"]
    _require(mentions, ("response_id", "theme_id", "sentiment"), "mentions")
    _require(responses, ("response_id",), "responses")
    if metric not in BANDS:
        raise ValueError(f"metric={metric!r}; expected one of {sorted(BANDS)}.")
    if metric not in responses.columns:
        return pd.DataFrame(columns=columns)
    scores = pd.to_numeric(responses[metric], errors="coerce")
    want = pd.Series(None, index=responses.index, dtype=object)
    for lo, hi, agree, _ in BANDS[metric].values():
        if agree is not None:
            want[scores.between(lo, hi)] = agree
    expected = dict(zip(responses["response_id"].astype(str), want, strict=True))
    m = mentions[mentions["theme_id"].astype("int64") >= 0]
    wanted = m["response_id"].astype(str).map(expected)
    m = m.assign(_want=wanted)[wanted.notna()]
    opposite = {"negative": "positive", "positive": "negative"}
    m = m.assign(
        _agree=m["sentiment"] == m["_want"],
        _disagree=m["sentiment"] == m["_want"].map(opposite),
    )
    g = m.groupby("theme_id", sort=False)
    table = pd.DataFrame(
        {"n": g.size(), "agree": g["_agree"].sum(), "disagree": g["_disagree"].sum()}
    ).reset_index()
    table[["n", "agree", "disagree"]] = table[["n", "agree", "disagree"]].astype("int64")
    table["low_n"] = table["n"] < min_n
    n = table["n"].where(~table["low_n"])
    table["agreement"] = (table["agree"] / n).astype(object).where(~table["low_n"], None)
    table["disagreement"] = (table["disagree"] / n).astype(object).where(~table["low_n"], None)
    table = table.sort_values(["n", "theme_id"], ascending=[False, True])
    return table[columns].reset_index(drop=True)
