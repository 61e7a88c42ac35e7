"""Filter the responses and their mentions together, for the CLI, the report and the API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from analyzer.errors import ConfigError
from analyzer.metrics._tables import SENTIMENTS, contains, require_columns
from analyzer.metrics.scores import numeric_column

SCORE_BANDS: dict[str, tuple[int, int]] = {
    "promoter": (9, 10),
    "passive": (7, 8),
    "detractor": (0, 6),
}
"""NPS rating range (inclusive) of each ``score_band``."""

DateLike = str | dt.date | pd.Timestamp


def _timestamp(value: DateLike, name: str, like: pd.Series) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{name}={value!r} is not a date; pass e.g. {name}='2024-03-31'."
        ) from exc
    if pd.isna(ts):
        raise ConfigError(f"{name}={value!r} is not a date; pass e.g. {name}='2024-03-31'.")
    tz = getattr(like.dt, "tz", None)
    if tz is not None and ts.tzinfo is None:
        ts = ts.tz_localize(tz)
    return ts


def _date_mask(responses: pd.DataFrame, since: Any, until: Any) -> np.ndarray:
    require_columns(responses, ["date"], "responses")
    dates = pd.to_datetime(responses["date"], errors="coerce")
    keep = dates.notna().to_numpy().copy()
    if since is not None:
        keep &= (dates >= _timestamp(since, "since", dates)).to_numpy()
    if until is not None:
        end = _timestamp(until, "until", dates)
        if end == end.normalize():  # a bare date means the whole day
            keep &= (dates < end + pd.Timedelta(days=1)).to_numpy()
        else:
            keep &= (dates <= end).to_numpy()
    return keep


def _choices(value: str | Iterable[str], valid: Iterable[str], name: str) -> list[str]:
    chosen = [value] if isinstance(value, str) else list(value)
    valid = list(valid)
    bad = [v for v in chosen if v not in valid]
    if bad or not chosen:
        raise ConfigError(
            f"{name}={value!r} is not valid; expected one or more of {', '.join(valid)}."
        )
    return chosen


def _segment_mask(responses: pd.DataFrame, segment: Mapping[str, Any]) -> np.ndarray:
    require_columns(responses, list(segment), "responses")
    keep = np.ones(len(responses), dtype=bool)
    for column, wanted in segment.items():
        values = [wanted] if isinstance(wanted, str) or not isinstance(wanted, Iterable) else wanted
        keep &= responses[column].isin(list(values)).to_numpy()
    return keep


def _band_mask(responses: pd.DataFrame, score_band: str | Iterable[str]) -> np.ndarray:
    bands = _choices(score_band, SCORE_BANDS, "score_band")
    nps = numeric_column(responses, "nps")
    keep = np.zeros(len(responses), dtype=bool)
    for band in bands:
        low, high = SCORE_BANDS[band]
        keep |= (nps >= low) & (nps <= high)
    return keep


def filter_responses(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    *,
    since: DateLike | None = None,
    until: DateLike | None = None,
    segment: Mapping[str, Any] | None = None,
    score_band: str | Iterable[str] | None = None,
    sentiment: str | Iterable[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep the responses (and their mentions) that pass every given filter.

    Parameters
    ----------
    responses, mentions : DataFrame
        The tables of ARCHITECTURE.md.
    since, until : str, date or Timestamp, optional
        Inclusive date bounds on ``date``; an ``until`` without a time of day
        keeps that whole day. With either bound, responses without a date go.
    segment : mapping, optional
        ``{column: value}`` or ``{column: [values]}``; all columns must match.
    score_band : {"promoter", "passive", "detractor"} or a list of them, optional
        NPS band (9-10, 7-8, 0-6); responses without an NPS go.
    sentiment : {"negative", "neutral", "positive"} or a list of them, optional
        Keep only mentions with that sentiment, and only responses that still
        have at least one mention.

    Returns
    -------
    responses, mentions : DataFrame
        Filtered copies with a fresh index; the mentions are those of the kept
        responses (and of the kept sentiments).

    Raises
    ------
    ConfigError
        For a date that cannot be parsed or an unknown band / sentiment.
    ColumnError
        For a missing ``date`` / ``nps`` / segment column.
    """
    require_columns(responses, ["response_id"], "responses")
    require_columns(mentions, ["response_id", "sentiment"], "mentions")
    keep = np.ones(len(responses), dtype=bool)
    if since is not None or until is not None:
        keep &= _date_mask(responses, since, until)
    if segment:
        keep &= _segment_mask(responses, segment)
    if score_band is not None:
        keep &= _band_mask(responses, score_band)
    kept_mentions = mentions
    if sentiment is not None:
        wanted = _choices(sentiment, SENTIMENTS, "sentiment")
        kept_mentions = mentions[mentions["sentiment"].isin(wanted)]
        keep &= contains(responses["response_id"], kept_mentions["response_id"])
    kept = responses[keep].reset_index(drop=True)
    kept_mentions = kept_mentions[contains(kept_mentions["response_id"], kept["response_id"])]
    return kept, kept_mentions.reset_index(drop=True)
