"""Theme trends per period and emerging / fading detection."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from scipy import stats

from analyzer.errors import ColumnError, ConfigError
from analyzer.metrics import emerging_themes, score_trend, theme_trends
from analyzer.metrics.trends import span_freq

from .builders import build_mentions, build_responses, build_themes


def test_theme_trends_by_month_by_hand() -> None:
    responses = build_responses(
        [
            {"response_id": "a", "date": "2024-01-03", "nps": 10},
            {"response_id": "b", "date": "2024-01-20", "nps": 0},
            {"response_id": "c", "date": "2024-03-01", "nps": 9},
            {"response_id": "d", "date": "2024-03-15", "nps": 2},
            {"response_id": "e", "date": "2024-03-31", "nps": 8},
            {"response_id": "f", "date": None, "nps": 10},  # no date: left out
        ]
    )
    mentions = build_mentions(
        [
            ("a", 1, "negative"),
            ("c", 1, "negative"),
            ("d", 1, "negative"),
            ("d", 1, "neutral"),
            ("f", 1, "negative"),
            ("e", 2, "positive"),
        ]
    )
    table = theme_trends(responses, mentions, build_themes({1: "Late", 2: "Price"}))
    assert list(table["period"]) == [
        "2024-01",
        "2024-01",
        "2024-02",
        "2024-02",
        "2024-03",
        "2024-03",
    ]
    assert table["period_start"].iloc[0] == pd.Timestamp("2024-01-01")
    jan, feb, mar = (
        table[table.period == p].set_index("theme_id") for p in ("2024-01", "2024-02", "2024-03")
    )
    assert (jan.loc[1, "n_commented"], jan.loc[1, "responses"]) == (2, 1)
    assert jan.loc[1, "share"] == pytest.approx(0.5)
    assert jan.loc[1, "score"] == pytest.approx(100.0)
    assert jan.loc[2, "responses"] == 0 and jan.loc[2, "share"] == pytest.approx(0.0)
    assert feb.loc[1, "n_commented"] == 0 and math.isnan(feb.loc[1, "share"])
    assert mar.loc[1, "responses"] == 2  # d twice counts once
    assert mar.loc[1, "share"] == pytest.approx(2 / 3)
    assert mar.loc[1, "score"] == pytest.approx(0.0)  # 9 and 2
    assert mar.loc[2, "score"] == pytest.approx(0.0) and mar.loc[2, "score_n"] == 1
    assert table["low_n"].all()


def test_weekly_periods_start_on_monday() -> None:
    responses = build_responses(
        [
            {"response_id": "a", "date": "2024-03-03", "nps": 1},  # Sunday
            {"response_id": "b", "date": "2024-03-04", "nps": 10},
        ]  # Monday
    )
    table = score_trend(responses, freq="W")
    assert list(table["period_start"]) == [pd.Timestamp("2024-02-26"), pd.Timestamp("2024-03-04")]
    assert list(table["value"]) == pytest.approx([-100.0, 100.0])
    assert list(table["n"]) == [1, 1]


def monthly(
    counts: dict[int, list[int]], per_month: int = 100
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``per_month`` responses in each of 6 months.

    Theme ``t`` is mentioned by the first ``counts[t][m]`` responses of month ``m``.
    """
    rows, mentions = [], []
    for month in range(6):
        for i in range(per_month):
            rid = f"m{month}-{i}"
            rows.append(
                {"response_id": rid, "date": f"2024-{month + 1:02d}-{1 + i % 28:02d}", "nps": 7}
            )
            for theme, per in counts.items():
                if i < per[month]:
                    mentions.append((rid, theme, "negative"))
    return build_responses(rows), build_mentions(mentions)


PLANTED = {
    1: [5, 5, 5, 5, 30, 30],  # rises in the last two months
    2: [10, 10, 10, 10, 10, 10],  # flat
    3: [30, 30, 30, 30, 5, 5],  # falls
    4: [0, 0, 0, 0, 3, 3],  # significant but too rare
}
THEMES = {1: "Rising", 2: "Flat", 3: "Falling", 4: "Rare", 5: "Never"}


def test_emerging_fading_and_flat() -> None:
    responses, mentions = monthly(PLANTED)
    table = emerging_themes(responses, mentions, build_themes(THEMES)).set_index("theme_id")
    assert table.loc[1, "status"] == "emerging"
    assert table.loc[2, "status"] == "stable"
    assert table.loc[3, "status"] == "fading"
    assert table.loc[4, "status"] == "stable"  # 6 recent responses < min_count 10
    assert table.loc[5, "status"] == "insufficient_data"
    row = table.loc[1]
    assert (row.recent_count, row.recent_n, row.baseline_count, row.baseline_n) == (
        60,
        200,
        20,
        400,
    )
    assert (row.recent_share, row.baseline_share) == pytest.approx((0.3, 0.05))
    pooled = 80 / 600
    z = (0.3 - 0.05) / math.sqrt(pooled * (1 - pooled) * (1 / 200 + 1 / 400))
    assert row.z == pytest.approx(z)
    assert row.p_value == pytest.approx(2 * stats.norm.sf(z))
    assert table.loc[2, "z"] == pytest.approx(0.0)
    assert row.recent_start == pd.Timestamp("2024-05-01")
    assert row.baseline_start == pd.Timestamp("2024-01-01")
    assert list(table.index[:2]) == [1, 4]  # sorted by z


def test_flat_series_never_flags_anything() -> None:
    responses, mentions = monthly({1: [20] * 6, 2: [50] * 6})
    table = emerging_themes(responses, mentions, build_themes({1: "A", 2: "B"}))
    assert set(table["status"]) == {"stable"}
    assert table["z"].abs().max() == pytest.approx(0.0)


def test_windows_are_configurable() -> None:
    responses, mentions = monthly({1: [5, 5, 5, 5, 5, 40]})
    table = emerging_themes(
        responses, mentions, build_themes({1: "A"}), recent_periods=1, baseline_periods=2
    )
    row = table.iloc[0]
    assert (row.recent_n, row.baseline_n, row.recent_count, row.baseline_count) == (
        100,
        200,
        40,
        10,
    )
    assert row.baseline_start == pd.Timestamp("2024-04-01")
    assert row.status == "emerging"
    lenient = emerging_themes(responses, mentions, build_themes({1: "A"}), min_count=50)
    assert lenient.iloc[0].status == "stable"


def test_min_ratio_ignores_small_but_significant_shifts() -> None:
    responses, mentions = monthly({1: [40, 40, 40, 40, 52, 52]}, per_month=400)
    themes = build_themes({1: "A"})
    plain = emerging_themes(responses, mentions, themes).iloc[0]
    assert plain.p_value < 0.05 and plain.status == "emerging"  # 10 % -> 13 %
    strict = emerging_themes(responses, mentions, themes, min_ratio=1.5).iloc[0]
    assert strict.status == "stable"
    with pytest.raises(ConfigError, match="min_ratio"):
        emerging_themes(responses, mentions, themes, min_ratio=0.5)


def test_one_period_only_is_insufficient() -> None:
    responses, mentions = monthly({1: [5] * 6})
    first = responses["date"] < "2024-02-01"
    table = emerging_themes(responses[first], mentions, build_themes({1: "A"}))
    assert table.iloc[0].status == "insufficient_data"


def test_bad_frequency_and_missing_date() -> None:
    responses, mentions = monthly({1: [5] * 6})
    with pytest.raises(ConfigError, match="'Q'"):
        theme_trends(responses, mentions, build_themes({1: "A"}), freq="Q")
    with pytest.raises(ConfigError, match="recent_periods"):
        emerging_themes(responses, mentions, build_themes({1: "A"}), recent_periods=0)
    with pytest.raises(ColumnError, match="date"):
        theme_trends(responses.drop(columns="date"), mentions, build_themes({1: "A"}))


def test_the_period_follows_the_span() -> None:
    def dates(first: str, last: str) -> pd.Series:
        return pd.Series(pd.to_datetime([first, last]))

    assert span_freq(dates("2025-12-01", "2026-11-30")) == "M"  # a year: months
    assert span_freq(dates("2024-01-01", "2024-06-15")) == "M"  # six calendar months
    assert span_freq(dates("2024-01-01", "2024-03-01")) == "W"  # two months: weeks
    assert span_freq(dates("2015-02-16 08:00", "2015-02-24 23:00")) == "D"  # nine days
    assert span_freq(dates("2024-01-01", "2024-06-15"), coarsest="W") == "W"
    assert span_freq(pd.Series(pd.to_datetime([None, None]))) == "M"  # no dates
    with pytest.raises(ConfigError, match="'Y'"):
        span_freq(dates("2024-01-01", "2024-03-01"), coarsest="Y")


def nine_days(counts: list[int], per_day: int = 60) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``per_day`` responses on each of 9 days from Mon 16 Feb 2015, at 10:00 and later, no
    score column; theme 1 is mentioned negatively by the first ``counts[d]`` of day ``d``."""
    rows, mentions = [], []
    for day in range(9):
        for i in range(per_day):
            rid = f"d{day}-{i}"
            when = pd.Timestamp("2015-02-16 10:00") + pd.Timedelta(days=day, minutes=i)
            rows.append({"response_id": rid, "date": when.isoformat()})
            mentions.append((rid, 1 if i < counts[day] else 2, "negative"))
    return build_responses(rows), build_mentions(mentions)


def test_nine_days_compare_the_last_two_days_with_the_seven_before() -> None:
    responses, mentions = nine_days([5, 5, 5, 5, 5, 5, 5, 30, 30])
    table = emerging_themes(responses, mentions, build_themes({1: "A", 2: "B"}), "auto")
    row = table.set_index("theme_id").loc[1]
    # forward and inside the span: 16-22 Feb, then 23-24 Feb
    assert row.baseline_start == pd.Timestamp("2015-02-16")
    assert row.recent_start == pd.Timestamp("2015-02-23")
    assert row.baseline_start < row.recent_start <= responses["date"].max()
    assert (row.recent_n, row.baseline_n) == (120, 420)
    assert (row.recent_count, row.baseline_count) == (60, 35)
    assert row.status == "emerging"
    trends = theme_trends(responses, mentions, build_themes({1: "A"}), "auto")
    assert list(trends["period"]) == [f"2015-02-{d}" for d in range(16, 25)]
    assert trends["score_n"].eq(0).all() and trends["score"].isna().all()  # no score column
    assert trends["share"].tolist() == pytest.approx([5 / 60] * 7 + [0.5] * 2)
    weekly = emerging_themes(responses, mentions, build_themes({1: "A"}), "W").iloc[0]
    # two weeks are the recent window: no baseline, never one that runs backwards
    assert weekly.status == "insufficient_data" and pd.isna(weekly.baseline_start)
    assert weekly.recent_start == pd.Timestamp("2015-02-16")
    assert weekly.baseline_n == 0 and weekly.recent_n == 540


def test_a_span_of_one_month_has_no_baseline_in_months() -> None:
    responses, mentions = nine_days([5] * 9)
    table = emerging_themes(responses, mentions, build_themes({1: "A"}), "M")
    row = table.iloc[0]
    assert row.recent_start == pd.Timestamp("2015-02-01")  # not January: no data there
    assert pd.isna(row.baseline_start) and row.status == "insufficient_data"


def test_negative_mentions_only() -> None:
    responses, mentions = monthly(PLANTED)
    mentions.loc[mentions["theme_id"] == 1, "sentiment"] = "positive"
    themes = build_themes(THEMES)
    every = emerging_themes(responses, mentions, themes).set_index("theme_id")
    negative = emerging_themes(responses, mentions, themes, sentiment="negative")
    negative = negative.set_index("theme_id")
    assert every.loc[1, "status"] == "emerging" and negative.loc[1, "recent_count"] == 0
    assert negative.loc[3, "status"] == "fading" and negative.loc[1, "recent_n"] == 200
    with pytest.raises(ConfigError, match="'angry'"):
        emerging_themes(responses, mentions, themes, sentiment="angry")


def test_a_mention_with_two_themes_counts_for_each() -> None:
    """Overlap (issue 28): extra mention rows share a mention_id and carry another theme."""
    responses, mentions = nine_days([0] * 7 + [30, 30])
    recent = mentions[mentions["theme_id"] == 1].assign(theme_id=3, primary=False)
    both = pd.concat([mentions.assign(primary=True), recent], ignore_index=True)
    themes = build_themes({1: "A", 2: "B", 3: "C"})
    table = emerging_themes(responses, both, themes, "D").set_index("theme_id")
    assert table.loc[1, "recent_count"] == table.loc[3, "recent_count"] == 60
    assert table.loc[2, "recent_count"] == 60  # the others, untouched
    assert table.loc[1, "recent_n"] == 120  # responses, not mention rows
    trends = theme_trends(responses, both, themes, "D")
    last = trends[trends["period"] == "2015-02-24"].set_index("theme_id")
    assert last["share"].sum() == pytest.approx(1.5)  # shares may add up to more than 100%
