"""A mention counts for each theme it names (issue 28): the metrics count a response once per
theme it mentions, so theme shares may add up to more than 100%, and a response that names
one theme weighs exactly as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer import metrics
from analyzer.pipeline import add_response_sentiment
from analyzer.sentiment import response_sentiment
from analyzer.tables import PRIMARY, primary_rows
from tests.metrics.builders import build_mentions, build_responses, build_themes

THEMES = build_themes({0: "staff", 1: "food", 2: "price", 3: "Food: other"})
THEMES["kind"] = ["named", "named", "named", "residual"]


def _tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """r1 says "the staff and the food were great" (staff, plus food on an extra row);
    r2 staff only, r3 food only (negative), r4 price only, r5 the residual."""
    nps = [10, 9, 2, 6, 8, 7, 3, 9]
    rows_in = [
        {"response_id": f"r{i}", "nps": n, "date": f"2025-0{1 + i % 6}-10"}
        for i, n in enumerate(nps, start=1)
    ]
    responses = build_responses(rows_in)
    rows = [("r1", 0, "positive"), ("r2", 0, "positive"), ("r3", 1, "negative"),
            ("r4", 2, "neutral"), ("r5", 3, "negative"), ("r6", 2, "negative"),
            ("r7", 1, "negative"), ("r8", 0, "positive")]  # fmt: skip
    single = build_mentions(rows)
    single[PRIMARY] = True
    extra = single.iloc[[0]].copy()
    extra["theme_id"], extra["sentiment"], extra["sentiment_score"] = 1, "positive", 0.7
    extra[PRIMARY] = False
    both = pd.concat([single, extra], ignore_index=True)
    return responses, single, both


def test_theme_shares_count_responses_and_may_sum_past_one() -> None:
    responses, _, both = _tables()
    table = metrics.theme_table(responses, both, THEMES, "nps").set_index("theme_id")
    assert table.loc[0, "responses"] == 3 and table.loc[1, "responses"] == 3
    assert table["share"].sum() == pytest.approx(9 / 8, abs=1e-9)  # 9 theme-responses, 8 responses
    assert table.loc[1, "n_positive"] == 1  # the extra row's own sentiment toward food


def test_a_response_naming_one_theme_weighs_as_before() -> None:
    responses, single, both = _tables()
    before = metrics.theme_table(responses, single, THEMES, "nps").set_index("theme_id")
    after = metrics.theme_table(responses, both, THEMES, "nps").set_index("theme_id")
    for theme in (2, 3):  # untouched by r1's second theme
        for col in ("responses", "share", "score", "impact", "n_negative"):
            assert after.loc[theme, col] == pytest.approx(before.loc[theme, col], abs=1e-9)
    assert after.loc[0, "impact"] == pytest.approx(before.loc[0, "impact"], abs=1e-9)
    assert after.loc[1, "responses"] == before.loc[1, "responses"] + 1


def test_per_mention_figures_read_one_row_per_mention() -> None:
    responses, single, both = _tables()
    assert len(primary_rows(both)) == len(single)
    assert response_sentiment(both).equals(response_sentiment(single))
    a = add_response_sentiment(responses, both)["sentiment_score"].to_numpy()
    b = add_response_sentiment(responses, single)["sentiment_score"].to_numpy()
    np.testing.assert_allclose(a, b, atol=1e-12)


def test_pain_points_never_rank_a_residual_and_count_extra_rows() -> None:
    responses, _, both = _tables()
    both.loc[both[PRIMARY].eq(False), "sentiment"] = "negative"
    pain = metrics.pain_points(responses, both, THEMES, "nps")
    assert 3 not in set(pain["theme_id"])  # "Food: other" is counted, never ranked
    food = pain.set_index("theme_id").loc[1]
    assert food["n_negative"] == 3  # r3, r7 and r1's extra food row


def test_segments_and_trends_handle_extra_rows() -> None:
    responses, _, both = _tables()
    responses["channel"] = ["web", "app"] * 4
    seg = metrics.segment_table(responses, both, THEMES, "channel", "nps")
    web_food = seg[(seg["segment_value"] == "web") & (seg["theme_id"] == 1)]
    assert int(web_food["responses"].iloc[0]) == 3  # r1 (its extra row), r3 and r7
    trend = metrics.theme_trends(responses, both, THEMES, freq="M")
    assert trend.groupby("theme_id")["responses"].sum().loc[1] == 3
