"""Tests for response-level sentiment and its agreement with NPS / CSAT."""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer.errors import ColumnError
from analyzer.sentiment import agreement_with_scores, response_sentiment


def _mentions(rows: list[tuple[str, str, float]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["response_id", "sentiment", "sentiment_score"])
    df["position"] = df.groupby("response_id").cumcount()
    return df


MENTIONS = _mentions(
    [
        ("r1", "negative", -0.9),  # detractor, negative: agrees
        ("r2", "positive", 0.8),  # detractor, positive: disagrees
        ("r3", "positive", 0.9),  # promoter, positive
        ("r3", "neutral", 0.0),
        ("r4", "positive", 0.7),  # promoter, mixed
        ("r4", "negative", -0.8),
        ("r5", "neutral", 0.01),  # passive
        ("r6", "negative", -0.6),  # no scores
    ]
)
RESPONSES = pd.DataFrame(
    {
        "response_id": ["r1", "r2", "r3", "r4", "r5", "r6", "r7"],
        "nps": pd.array([2, 6, 10, 9, 7, None, 0], dtype="Int64"),
        "csat": pd.array([1, 4, 5, 2, 3, None, 1], dtype="Int64"),
    }
)


def test_response_sentiment_one_row_per_response() -> None:
    out = response_sentiment(MENTIONS).set_index("response_id")
    assert list(out.index) == ["r1", "r2", "r3", "r4", "r5", "r6"]
    assert out.loc["r3", "sentiment"] == "positive"
    assert out.loc["r4", "sentiment"] == "mixed"
    assert out.loc["r5", "sentiment"] == "neutral"
    assert out.loc["r3", "n_mentions"] == 2
    assert out.loc["r3", "sentiment_score"] == pytest.approx(0.45)


def test_agreement_counts_and_shares() -> None:
    result = agreement_with_scores(MENTIONS, RESPONSES)
    assert result["responses_with_comments"] == 6
    detractor = result["nps"]["detractor"]
    # r7 is a detractor without a comment: not counted
    assert detractor["n"] == 2
    assert (detractor["agree"], detractor["disagree"]) == (1, 1)
    assert detractor["agreement"] == pytest.approx(0.5)
    promoter = result["nps"]["promoter"]
    assert promoter["n"] == 2
    assert (promoter["positive"], promoter["mixed"], promoter["negative"]) == (1, 1, 0)
    assert promoter["agreement"] == pytest.approx(0.5)
    assert promoter["disagreement"] == pytest.approx(0.0)
    assert result["nps"]["passive"] == {
        "n": 1,
        "negative": 0,
        "neutral": 1,
        "positive": 0,
        "mixed": 0,
    }
    low, high = result["csat"]["low"], result["csat"]["high"]
    assert (low["n"], low["agree"], low["mixed"]) == (2, 1, 1)
    assert (high["n"], high["agree"], high["disagree"]) == (2, 2, 0)


def test_agreement_without_score_columns_or_rows() -> None:
    only_ids = RESPONSES[["response_id"]]
    assert agreement_with_scores(MENTIONS, only_ids) == {"responses_with_comments": 6}
    empty = agreement_with_scores(MENTIONS.iloc[:0], RESPONSES)
    assert empty["nps"]["promoter"]["n"] == 0
    assert empty["nps"]["promoter"]["agreement"] is None


def test_agreement_missing_columns_raise_column_error() -> None:
    with pytest.raises(ColumnError, match="sentiment_score"):
        agreement_with_scores(MENTIONS.drop(columns="sentiment_score"), RESPONSES)
    with pytest.raises(ColumnError, match="response_id"):
        agreement_with_scores(MENTIONS, RESPONSES.drop(columns="response_id"))


def test_agreement_per_theme_counts_outer_bands_and_hides_small_themes() -> None:
    from analyzer.sentiment.agreement import agreement_by_theme

    rows = []
    # theme 0: 20 detractor mentions, 15 negative (agree), 3 positive (opposite), 2 neutral
    for i, label in enumerate(["negative"] * 15 + ["positive"] * 3 + ["neutral"] * 2):
        rows.append((f"d{i}", 0, label, 3))
    # theme 1: 25 promoter mentions, all negative: the model and the score disagree
    rows += [(f"p{i}", 1, "negative", 10) for i in range(25)]
    # theme 2: too few (5 promoters); passives (7-8) and unthemed mentions never count
    rows += [(f"s{i}", 2, "positive", 9) for i in range(5)]
    rows += [(f"q{i}", 0, "negative", 8) for i in range(9)]
    rows += [("d0", -1, "positive", 3)]
    frame = pd.DataFrame(rows, columns=["response_id", "theme_id", "sentiment", "nps"])
    mentions = frame[["response_id", "theme_id", "sentiment"]]
    responses = frame[["response_id", "nps"]].drop_duplicates("response_id")
    table = agreement_by_theme(mentions, responses, "nps").set_index("theme_id")
    assert table.loc[0, ["n", "agree", "disagree"]].tolist() == [20, 15, 3]
    assert table.loc[0, "agreement"] == pytest.approx(0.75, abs=1e-12)
    assert table.loc[0, "disagreement"] == pytest.approx(0.15, abs=1e-12)
    assert table.loc[1, "disagreement"] == pytest.approx(1.0, abs=1e-12)
    assert bool(table.loc[2, "low_n"]) and table.loc[2, "agreement"] is None
    assert list(table.index) == [1, 0, 2]  # largest n first
    no_csat = agreement_by_theme(mentions, responses, "csat")
    assert no_csat.empty and "agreement" in no_csat.columns
    with pytest.raises(ValueError, match="metric"):
        agreement_by_theme(mentions, responses, "ces")
