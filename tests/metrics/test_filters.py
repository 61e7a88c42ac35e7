"""filter_responses: dates, segments, score bands, sentiment."""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer.errors import ColumnError, ConfigError
from analyzer.metrics import filter_responses

from .builders import build_mentions, build_responses

RESPONSES = build_responses(
    [
        {"response_id": "a", "date": "2024-01-01", "channel": "web", "region": "EU", "nps": 10},
        {"response_id": "b", "date": "2024-02-01", "channel": "app", "region": "EU", "nps": 0},
        {
            "response_id": "c",
            "date": "2024-03-01T10:00",
            "channel": "web",
            "region": "US",
            "nps": 8,
        },
        {
            "response_id": "d",
            "date": "2024-03-31T23:59",
            "channel": None,
            "region": "US",
            "nps": None,
        },
        {"response_id": "e", "date": None, "channel": "app", "region": "EU", "nps": 7},
    ]
)
MENTIONS = build_mentions(
    [
        ("a", 1, "positive"),
        ("b", 1, "negative"),
        ("b", 2, "neutral"),
        ("c", -1, "negative"),
        ("e", 2, "negative"),
    ]
)


def ids(frame: pd.DataFrame) -> list[str]:
    return frame["response_id"].tolist()


def test_no_filter_keeps_everything() -> None:
    responses, mentions = filter_responses(RESPONSES, MENTIONS)
    assert ids(responses) == list("abcde") and len(mentions) == len(MENTIONS)


def test_dates_are_inclusive_and_a_bare_until_keeps_the_whole_day() -> None:
    responses, mentions = filter_responses(
        RESPONSES, MENTIONS, since="2024-02-01", until="2024-03-31"
    )
    assert ids(responses) == ["b", "c", "d"]  # e has no date
    assert set(mentions["response_id"]) == {"b", "c"}
    responses, _ = filter_responses(RESPONSES, MENTIONS, until=pd.Timestamp("2024-03-01 09:00"))
    assert ids(responses) == ["a", "b"]
    responses, _ = filter_responses(RESPONSES, MENTIONS, since=pd.Timestamp("2024-03-01").date())
    assert ids(responses) == ["c", "d"]


def test_segments_match_all_columns_and_accept_lists() -> None:
    responses, _ = filter_responses(RESPONSES, MENTIONS, segment={"channel": "web", "region": "US"})
    assert ids(responses) == ["c"]
    responses, _ = filter_responses(RESPONSES, MENTIONS, segment={"channel": ["web", "app"]})
    assert ids(responses) == ["a", "b", "c", "e"]


def test_score_bands() -> None:
    assert ids(filter_responses(RESPONSES, MENTIONS, score_band="promoter")[0]) == ["a"]
    assert ids(filter_responses(RESPONSES, MENTIONS, score_band="passive")[0]) == ["c", "e"]
    assert ids(filter_responses(RESPONSES, MENTIONS, score_band="detractor")[0]) == ["b"]
    both = filter_responses(RESPONSES, MENTIONS, score_band=["promoter", "detractor"])[0]
    assert ids(both) == ["a", "b"]


def test_sentiment_keeps_matching_mentions_and_their_responses() -> None:
    responses, mentions = filter_responses(RESPONSES, MENTIONS, sentiment="negative")
    assert ids(responses) == ["b", "c", "e"]
    assert set(mentions["sentiment"]) == {"negative"} and len(mentions) == 3


def test_filters_combine() -> None:
    responses, mentions = filter_responses(
        RESPONSES, MENTIONS, segment={"region": "EU"}, sentiment="negative", score_band="detractor"
    )
    assert ids(responses) == ["b"]
    assert mentions["mention_id"].tolist() == ["b:0"]


def test_errors_name_the_problem() -> None:
    with pytest.raises(ConfigError, match="since='yesterday-ish'"):
        filter_responses(RESPONSES, MENTIONS, since="yesterday-ish")
    with pytest.raises(ConfigError, match="promoter, passive, detractor"):
        filter_responses(RESPONSES, MENTIONS, score_band="fan")
    with pytest.raises(ConfigError, match="negative, neutral, positive"):
        filter_responses(RESPONSES, MENTIONS, sentiment="angry")
    with pytest.raises(ColumnError, match="'plan'"):
        filter_responses(RESPONSES, MENTIONS, segment={"plan": "pro"})
