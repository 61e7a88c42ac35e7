"""Pain points: ranking by cost, counts, owner, trend and example verbatims."""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer.errors import ConfigError
from analyzer.metrics import pain_points, theme_table
from analyzer.metrics.trends import STATUSES

from .builders import build_mentions, build_responses, build_themes

# overall NPS: 5 promoters (r4-r8), 4 detractors (r0-r3) of 10 -> 10
NPS = [0, 0, 0, 0, 10, 10, 10, 10, 10, 8]
MENTIONS = [
    ("r0", 1, "negative", -0.9, "Two weeks late!"),
    ("r0", 1, "negative", -0.95, "Never again"),
    ("r1", 1, "negative", -0.9, "two weeks  LATE!"),
    ("r1", 1, "negative", -0.8, "Courier lost it"),
    ("r2", 1, "negative", -0.3, "A bit slow"),
    ("r3", 2, "negative", -0.9, "Too pricey"),
    ("r4", 2, "negative", -0.9, "too pricey"),
    ("r5", 2, "negative", -0.5, "Expensive"),
    ("r6", 2, "negative", -0.1, "Costly"),
    ("r6", 2, "positive", 0.6, "But worth it"),
    ("r9", 3, "negative", -0.4, "Box was crushed"),
    ("r4", 4, "positive", 0.9, "Lovely staff"),
]
THEMES = build_themes(
    {1: "Late delivery", 2: "Price", 3: "Packaging", 4: "Staff"},
    owners={1: "Logistics", 2: "Pricing"},
)


def tables(dated: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = [{"response_id": f"r{i}", "nps": v} for i, v in enumerate(NPS)]
    if dated:
        for i, row in enumerate(rows):
            row["date"] = "2024-01-15" if i < 5 else "2024-02-15"
    return build_responses(rows), build_mentions(MENTIONS)


def test_ranked_by_cost_of_negative_mentions() -> None:
    responses, mentions = tables()
    table = pain_points(responses, mentions, THEMES)
    # theme 1: without r0-r2 -> (5 - 1) / 7; theme 2: without r3-r6 -> (2 - 3) / 6;
    # theme 3: without r9 -> (5 - 4) / 9. Theme 4 has no negative mention.
    assert list(table["theme_id"]) == [1, 3, 2]
    assert list(table["rank"]) == [1, 2, 3]
    costs = [-(10 - 400 / 7), -(10 - 100 / 9), -(10 + 100 / 6)]
    assert table["cost"].tolist() == pytest.approx(costs)
    assert table["cost"].tolist() == pytest.approx((-table["impact_negative"]).tolist())
    expected = theme_table(responses, mentions, THEMES).set_index("theme_id")
    assert table["impact"].tolist() == pytest.approx(expected.loc[[1, 3, 2], "impact"].tolist())


def test_counts_owner_and_trend() -> None:
    responses, mentions = tables()
    table = pain_points(responses, mentions, THEMES).set_index("theme_id")
    assert table.loc[1, ["responses", "n_negative", "negative_mentions"]].tolist() == [3, 3, 5]
    assert table.loc[2, ["responses", "n_negative", "negative_mentions"]].tolist() == [4, 4, 4]
    assert table.loc[2, "share_negative"] == pytest.approx(4 / 5)
    assert table.loc[1, "owner"] == "Logistics"
    assert table.loc[3, "owner"] is None
    assert table["trend"].tolist() == [None, None, None]  # no date column: no trend
    assert table["low_n"].all()


def test_examples_most_negative_distinct_and_spread_over_responses() -> None:
    responses, mentions = tables()
    table = pain_points(responses, mentions, THEMES).set_index("theme_id")
    # most negative first, one per response before a second one from the same response
    assert table.loc[1, "examples"] == ["Never again", "two weeks  LATE!", "A bit slow"]
    # "too pricey" repeats "Too pricey"; positive mentions are never examples
    assert table.loc[2, "examples"] == ["Too pricey", "Expensive", "Costly"]
    assert table.loc[3, "examples"] == ["Box was crushed"]
    two = pain_points(responses, mentions, THEMES, n_examples=5).set_index("theme_id")
    assert two.loc[1, "examples"] == [
        "Never again",
        "two weeks  LATE!",
        "A bit slow",
        "Courier lost it",
    ]


def test_ties_are_broken_deterministically() -> None:
    responses = build_responses([{"response_id": f"r{i}", "nps": 5} for i in range(4)])
    mentions = build_mentions(
        [
            ("r0", 2, "negative", -0.5, "b"),
            ("r1", 1, "negative", -0.5, "a"),
            ("r2", 1, "negative", -0.5, "c"),
            ("r3", 2, "negative", -0.5, "d"),
        ]
    )
    table = pain_points(responses, mentions, build_themes({1: "One", 2: "Two"}))
    assert list(table["theme_id"]) == [1, 2]  # equal cost and count: by theme_id
    assert table.iloc[0]["examples"] == ["a", "c"]  # equal sentiment: by mention_id


def test_since_limits_figures_but_trend_uses_history() -> None:
    responses, mentions = tables(dated=True)
    table = pain_points(responses, mentions, THEMES, since="2024-02-01")
    # r5-r9 remain: overall 80; theme 2 without r5 r6 -> 2/3; theme 3 without r9 -> 100
    assert list(table["theme_id"]) == [3, 2]
    assert table["cost"].tolist() == pytest.approx([20.0, -(80 - 200 / 3)])
    assert table.set_index("theme_id").loc[2, "examples"] == ["Expensive", "Costly"]
    assert set(table["trend"]) <= set(STATUSES)
    assert (table["trend"] == "insufficient_data").all()  # two months = the recent window
    monthly = pain_points(responses, mentions, THEMES, recent_periods=1)
    assert monthly["trend"].notna().all()


def unscored(dated: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The tables above with no score column, dated over nine days (16-24 Feb 2015)."""
    responses, mentions = tables()
    responses = responses.drop(columns="nps")
    if dated:
        days = pd.date_range("2015-02-16", "2015-02-24", periods=len(responses))
        responses = responses.assign(date=days)
    return responses, mentions


def test_without_scores_rank_by_negative_responses() -> None:
    responses, mentions = unscored()
    table = pain_points(responses, mentions, THEMES, freq="auto")
    # negative responses: Price 4 (r3-r6), Late delivery 3 (r0-r2), Packaging 1 (r9)
    assert list(table["theme_id"]) == [2, 1, 3]
    assert list(table["n_negative"]) == [4, 3, 1]
    assert table["cost"].isna().all() and table["score"].isna().all()
    assert table.loc[0, "share_negative"] == pytest.approx(4 / 5)
    assert table["negative_recent_share"].notna().all()  # nine days: daily windows
    assert set(table["negative_trend"]) <= set(STATUSES)
    # the same data with NPS ranks by cost, and ranking by volume can be asked for
    scored = pain_points(*tables(), THEMES)
    assert list(scored["theme_id"]) == [1, 3, 2]
    by_volume = pain_points(*tables(), THEMES, rank_by="negative")
    assert list(by_volume["theme_id"]) == [2, 1, 3]
    with pytest.raises(ConfigError, match="'volume'"):
        pain_points(*tables(), THEMES, rank_by="volume")


def test_without_scores_ties_break_on_negative_mentions_then_share() -> None:
    responses = build_responses([{"response_id": f"r{i}"} for i in range(4)])
    mentions = build_mentions(
        [
            ("r0", 1, "negative"),
            ("r1", 1, "positive"),
            ("r2", 2, "negative"),
            ("r2", 2, "negative"),
            ("r3", 3, "negative"),
        ]
    )
    themes = build_themes({1: "One", 2: "Two", 3: "Three"})
    table = pain_points(responses, mentions, themes)
    # one negative response each; Two has two negative mentions; Three beats One on share
    assert list(table["theme_id"]) == [2, 3, 1]
    assert table["trend"].tolist() == [None, None, None]  # no dates: no trend
    assert table["negative_recent_share"].isna().all()


def test_negative_growth_uses_the_windows() -> None:
    rows = [{"response_id": f"r{i}", "date": f"2015-02-{16 + i // 10}"} for i in range(90)]
    responses = build_responses(rows)
    # theme 1 is mentioned negatively by 2 of 10 responses a day, 8 of 10 on the last two days
    late = [(f"r{i}", 1, "negative") for i in range(90) if i % 10 < (8 if i >= 70 else 2)]
    mentions = build_mentions([*late, *[(f"r{i}", 2, "positive") for i in range(90)]])
    table = pain_points(responses, mentions, build_themes({1: "A", 2: "B"}), freq="auto")
    row = table.iloc[0]
    assert (row.negative_baseline_share, row.negative_recent_share) == pytest.approx((0.2, 0.8))
    assert row.negative_trend == "emerging" and row.trend == "emerging"
