"""Segment table: per-theme figures per segment value and tests against the rest."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analyzer.errors import ColumnError
from analyzer.metrics import segment_table, theme_table
from analyzer.metrics._stats import Z95, benjamini_hochberg

from .builders import build_mentions, build_responses, build_themes


def planted() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """200 app and 200 web responses (+10 without channel).

    Theme 1: 60 of app vs 10 of web (share difference). Theme 2: 50 mentioners in
    each, app ones mostly detractors, web ones mostly promoters (score difference).
    Theme 3: identical in both.
    """
    rows: list[dict[str, object]] = []
    mentions: list[tuple[str, int, str]] = []
    for channel in ("app", "web"):
        for i in range(200):
            rid = f"{channel}{i}"
            nps = 8
            if 100 <= i < 150:
                detractor = (i < 140) if channel == "app" else (i < 110)
                nps = 0 if detractor else 10
                mentions.append((rid, 2, "negative"))
            rows.append({"response_id": rid, "channel": channel, "nps": nps})
            if i < (60 if channel == "app" else 10):
                mentions.append((rid, 1, "negative"))
            if 150 <= i < 170:
                mentions.append((rid, 3, "neutral"))
    for i in range(10):
        rows.append({"response_id": f"x{i}", "channel": None, "nps": 0})
        mentions.append((f"x{i}", 1, "negative"))
    themes = build_themes({1: "Login fails", 2: "Support", 3: "Colours"})
    return build_responses(rows), build_mentions(mentions), themes


def test_planted_share_difference_is_significant() -> None:
    responses, mentions, themes = planted()
    table = segment_table(responses, mentions, themes, segment="channel")
    assert set(table["segment_value"]) == {"app", "web"}  # missing channel is in neither
    assert (table["segment"] == "channel").all()
    app = table[table.segment_value == "app"].set_index("theme_id")
    row = app.loc[1]
    assert (row.share, row.rest_share) == pytest.approx((0.3, 0.05))
    pooled = 70 / 400
    z = 0.25 / math.sqrt(pooled * (1 - pooled) * (2 / 200))
    assert row.share_z == pytest.approx(z)
    assert row.share_p == pytest.approx(2 * stats.norm.sf(z))
    assert row.share_significant
    assert not app.loc[3, "share_significant"] and app.loc[3, "share_z"] == pytest.approx(0)


def test_planted_score_difference_with_interval() -> None:
    responses, mentions, themes = planted()
    table = segment_table(responses, mentions, themes, segment="channel")
    row = table[(table.segment_value == "app") & (table.theme_id == 2)].iloc[0]
    # app: 40 detractors 10 promoters -> -60; web: 10 / 40 -> +60
    assert (row.score, row.rest_score, row.score_diff) == pytest.approx((-60, 60, -120))
    se = math.sqrt(2) * 100 * math.sqrt((1.0 - 0.36) / 50)
    assert row.score_diff_ci_low == pytest.approx(-120 - Z95 * se)
    assert row.score_diff_ci_high == pytest.approx(-120 + Z95 * se)
    assert row.score_p == pytest.approx(2 * stats.norm.sf(120 / se))
    assert row.score_significant and row.rest_score_n == 50
    # theme 3 has the same ratings on both sides: no score difference, undefined test
    same = table[(table.segment_value == "app") & (table.theme_id == 3)].iloc[0]
    assert same.score_diff == pytest.approx(0.0)
    assert math.isnan(same.score_p) and not same.score_significant


def test_segment_rows_are_the_theme_table_of_the_segment() -> None:
    responses, mentions, themes = planted()
    table = segment_table(responses, mentions, themes, segment="channel")
    web = table[table.segment_value == "web"].reset_index(drop=True)
    expected = theme_table(responses[responses.channel == "web"], mentions, themes)
    for column in expected.columns.drop("low_n"):
        assert web[column].tolist() == pytest.approx(expected[column].tolist(), nan_ok=True)


def test_benjamini_hochberg_over_the_whole_table() -> None:
    responses, mentions, themes = planted()
    table = segment_table(responses, mentions, themes, segment="channel")
    q = benjamini_hochberg(np.concatenate([table["share_p"], table["score_p"]]))
    assert table["share_q"].tolist() == pytest.approx(q[: len(table)].tolist(), nan_ok=True)
    assert table["score_q"].tolist() == pytest.approx(q[len(table) :].tolist(), nan_ok=True)
    assert (table["share_q"].dropna() >= table["share_p"].dropna()).all()


def test_benjamini_hochberg_by_hand() -> None:
    # sorted .01 .03 .04 .2 -> x4/rank: .04 .06 .0533 .2 -> running min from the top
    q = benjamini_hochberg(np.array([0.01, 0.04, np.nan, 0.03, 0.2]))
    assert q[[0, 1, 3, 4]] == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.2])
    assert math.isnan(q[2])


def test_unknown_segment_column() -> None:
    responses, mentions, themes = planted()
    with pytest.raises(ColumnError, match="'region'"):
        segment_table(responses, mentions, themes, segment="region")
