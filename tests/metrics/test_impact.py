"""Per-theme table and leave-one-out impact against hand calculations."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analyzer.errors import ColumnError, ConfigError
from analyzer.metrics import theme_metrics, theme_table
from analyzer.metrics.impact import THEME_TABLE_COLUMNS

from .builders import build_mentions, build_responses, build_themes

# Overall NPS over the 6 scored responses r1 r2 r3 r4 r5 r7:
# promoters r1 r2 r7, detractors r3 r4 -> (3 - 2) / 6 = 16.67.
# r6 has a comment but no score, r7 a score but no comment.
RESPONSES: list[dict[str, Any]] = [
    {"response_id": "r1", "nps": 10, "csat": 5, "revenue": 100.0},
    {"response_id": "r2", "nps": 9, "csat": 4, "revenue": 50.0},
    {"response_id": "r3", "nps": 0, "csat": 1, "revenue": 10.0},
    {"response_id": "r4", "nps": 3, "csat": 2, "revenue": np.nan},
    {"response_id": "r5", "nps": 8, "csat": 3, "revenue": 20.0},
    {"response_id": "r6", "nps": None, "csat": None, "revenue": 30.0},
    {"response_id": "r7", "nps": 10, "csat": 5, "comment": "", "revenue": 40.0},
]
MENTIONS = [
    ("r1", 1, "positive"),
    ("r3", 1, "negative"),
    ("r3", 1, "negative"),  # the same theme twice in one response counts once
    ("r4", 1, "negative"),
    ("r6", 1, "negative"),
    ("r2", 2, "neutral"),
    ("r5", 2, "positive"),
    ("r5", -1, "negative"),  # unassigned: never in a per-theme table
    ("zz", 2, "negative"),  # response not in the table: ignored
]
THEMES = {1: "Late delivery", 2: "Price", 3: "App crashes"}
OVERALL = 100 * (3 - 2) / 6


@pytest.fixture
def table() -> pd.DataFrame:
    return theme_table(
        build_responses(RESPONSES), build_mentions(MENTIONS), build_themes(THEMES)
    ).set_index("theme_id")


def test_columns_and_order(table: pd.DataFrame) -> None:
    assert [table.index.name, *table.columns] == list(THEME_TABLE_COLUMNS)
    assert list(table.index) == [1, 2, 3]  # by responses descending


def test_volume_counts_each_response_once(table: pd.DataFrame) -> None:
    # 6 responses have a comment (r7's is empty)
    assert table.loc[1, "responses"] == 4  # r1 r3 r4 r6
    assert table.loc[1, "share"] == pytest.approx(4 / 6)
    assert table.loc[1, "mentions"] == 5
    assert table.loc[2, "responses"] == 2
    assert table.loc[2, "share"] == pytest.approx(2 / 6)
    assert table.loc[2, "mentions"] == 2


def test_sentiment_mix_is_over_mentions(table: pd.DataFrame) -> None:
    row = table.loc[1]
    assert (row.share_negative, row.share_neutral, row.share_positive) == pytest.approx(
        (4 / 5, 0, 1 / 5)
    )
    assert (row.n_negative, row.n_positive) == (3, 1)
    row = table.loc[2]
    assert (row.share_negative, row.share_neutral, row.share_positive) == pytest.approx(
        (0, 0.5, 0.5)
    )


def test_score_of_mentioners(table: pd.DataFrame) -> None:
    # theme 1 scored mentioners: r1 (10), r3 (0), r4 (3) -> (1 - 2) / 3
    assert table.loc[1, "score"] == pytest.approx(-100 / 3)
    assert table.loc[1, "score_n"] == 3
    assert table.loc[2, "score"] == pytest.approx(50.0)  # 9 and 8


def test_impact_and_its_split(table: pd.DataFrame) -> None:
    # without r1 r3 r4: r2 r5 r7 -> 2 promoters of 3
    assert table.loc[1, "impact"] == pytest.approx(OVERALL - 200 / 3)
    # without the negative r3 r4 (r6 has no score): r1 r2 r5 r7 -> 3 of 4
    assert table.loc[1, "impact_negative"] == pytest.approx(OVERALL - 75.0)
    # without the positive r1: r2 r3 r4 r5 r7 -> (2 - 2) / 5
    assert table.loc[1, "impact_positive"] == pytest.approx(OVERALL - 0.0)
    # theme 2: without r2 r5 -> r1 r3 r4 r7 -> 0; no negative; without r5 -> 20
    assert table.loc[2, "impact"] == pytest.approx(OVERALL)
    assert table.loc[2, "impact_negative"] == pytest.approx(0.0)
    assert table.loc[2, "impact_positive"] == pytest.approx(OVERALL - 20.0)


def test_theme_without_mentions_has_a_zero_row(table: pd.DataFrame) -> None:
    row = table.loc[3]
    assert (row.responses, row.mentions, row.score_n) == (0, 0, 0)
    assert row.share == pytest.approx(0.0)
    assert math.isnan(row.score) and math.isnan(row.share_negative)
    assert (row.impact, row.impact_negative, row.impact_positive) == pytest.approx((0.0, 0.0, 0.0))
    assert row.low_n


def test_small_tables_are_low_n(table: pd.DataFrame) -> None:
    assert table["low_n"].all()


def test_theme_in_every_response_has_nan_impact() -> None:
    responses = build_responses([{"response_id": f"r{i}", "nps": i} for i in range(11)])
    mentions = build_mentions([(f"r{i}", 1, "negative") for i in range(11)])
    row = theme_table(responses, mentions, build_themes({1: "Everything"})).iloc[0]
    assert row.share == pytest.approx(1.0)
    assert row.score == pytest.approx(100 * (2 - 7) / 11)
    assert math.isnan(row.impact) and math.isnan(row.impact_negative)
    assert row.impact_positive == pytest.approx(0.0)  # no positive mention: nothing left out
    assert row.low_n


def test_low_n_is_false_with_enough_responses_on_both_sides() -> None:
    responses = build_responses([{"response_id": f"r{i}", "nps": i % 11} for i in range(80)])
    mentions = build_mentions([(f"r{i}", 1, "neutral") for i in range(40)])
    row = theme_table(responses, mentions, build_themes({1: "Half"})).iloc[0]
    assert not row.low_n
    mentions = build_mentions([(f"r{i}", 1, "neutral") for i in range(60)])
    row = theme_table(responses, mentions, build_themes({1: "Most"})).iloc[0]
    assert row.low_n  # only 20 responses left once the theme is left out


def test_csat_impact_uses_the_share_of_satisfied() -> None:
    # overall: r1 r2 r7 of 6 scored are satisfied = 50 %; theme 1 leaves r2 r5 r7 -> 2/3
    table = theme_table(
        build_responses(RESPONSES), build_mentions(MENTIONS), build_themes(THEMES), score="csat"
    ).set_index("theme_id")
    overall = 50.0
    assert table.loc[1, "score"] == pytest.approx(100 / 3)  # r1 only of r1 r3 r4
    assert table.loc[1, "impact"] == pytest.approx(overall - 200 / 3)
    assert table.loc[1, "impact_negative"] == pytest.approx(overall - 75.0)


def test_nps_impact_spans_minus_200_to_200() -> None:
    # S(all) = 0; leaving out the lone detractor leaves a promoter: 0 - 100
    responses = build_responses([{"response_id": "a", "nps": 0}, {"response_id": "b", "nps": 10}])
    mentions = build_mentions([("a", 1, "negative")])
    row = theme_table(responses, mentions, build_themes({1: "X"})).iloc[0]
    assert row.impact == pytest.approx(0.0 - 100.0)


def test_bad_arguments() -> None:
    responses = build_responses(RESPONSES)
    with pytest.raises(ConfigError):
        theme_table(responses, build_mentions(MENTIONS), build_themes(THEMES), score="xps")
    with pytest.raises(ColumnError, match="mentions"):
        theme_table(
            responses, build_mentions(MENTIONS).drop(columns="theme_id"), build_themes(THEMES)
        )


def test_theme_metrics_mean_per_theme() -> None:
    metrics = theme_metrics(
        build_responses(RESPONSES), build_mentions(MENTIONS), build_themes(THEMES)
    )
    assert list(metrics["metric"].unique()) == ["revenue"]
    row = metrics.set_index("theme_id").loc[1]
    # theme 1: r1 100, r3 10, r4 missing, r6 30
    assert row.n == 3
    assert row["mean"] == pytest.approx(140 / 3)
    half = stats.t.ppf(0.975, 2) * np.std([100, 10, 30], ddof=1) / math.sqrt(3)
    assert (row.ci_low, row.ci_high) == pytest.approx((140 / 3 - half, 140 / 3 + half))
    assert row.overall_mean == pytest.approx(250 / 6)
    empty = metrics.set_index("theme_id").loc[3]
    assert empty.n == 0 and math.isnan(empty["mean"])
