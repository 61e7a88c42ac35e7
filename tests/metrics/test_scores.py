"""NPS / CSAT / CES and their intervals against hand calculations."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analyzer.errors import ColumnError, ConfigError
from analyzer.metrics import SCORE_KINDS, ces, csat, metric_summary, nps, score

Z = 1.959963984540054


def frame(column: str, values: Sequence[int | None]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "response_id": [f"r{i}" for i in range(len(values))],
            column: pd.array(values, dtype="Int64"),
        }
    )


def wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z / (1 + Z**2 / n) * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2))
    return 100 * (centre - half), 100 * (centre + half)


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([10, 9, 8, 7, 6, 0], 0.0),  # 2/6 - 2/6
        ([10, 10, 9, 0], 50.0),  # 3/4 - 1/4
        ([9, 9, 9], 100.0),
        ([6, 6], -100.0),
        ([7, 8], 0.0),
        ([9, 8, 7, 6], 0.0),  # boundaries: 9 promoter, 7-8 passive, 6 detractor
        ([10, 5, 5, 8, 9], 0.0),
        ([10, 0, 8], 0.0),
        ([10, 10, 0, 8, 8], 20.0),
    ],
)
def test_nps_value(ratings: list[int | None], expected: float) -> None:
    result = nps(frame("nps", ratings))
    assert result.value == pytest.approx(expected)
    assert result.n == len(ratings)
    assert result.headline.method == "normal"


def test_nps_interval_matches_hand_calculation() -> None:
    # p+ = p- = 1/3: var = 2/3, se = 100 * sqrt(2/3 / 6) = 100/3
    result = nps(frame("nps", [10, 9, 8, 7, 6, 0])).headline
    assert result.ci_low == pytest.approx(-Z * 100 / 3)
    assert result.ci_high == pytest.approx(Z * 100 / 3)
    assert result.ci_high - result.ci_low == pytest.approx(130.664, abs=1e-3)


def test_nps_interval_is_clipped_to_range() -> None:
    # p+ = .8, p- = .2: NPS 60, se = 100 * sqrt((1 - .36) / 5) = 35.777
    result = nps(frame("nps", [10, 10, 10, 9, 0])).headline
    assert result.value == pytest.approx(60.0)
    assert result.ci_low == pytest.approx(60 - Z * 100 * math.sqrt(0.64 / 5))
    assert result.ci_high == pytest.approx(100.0)


def test_nps_missing_scores_are_excluded() -> None:
    result = nps(frame("nps", [10, None, 0, None, 9]))
    assert result.n == 3
    assert result.value == pytest.approx(100 * (2 / 3 - 1 / 3))
    assert result.secondary.value == pytest.approx(19 / 3)  # mean rating


def test_empty_or_all_missing_gives_nan_and_zero_n() -> None:
    result = nps(frame("nps", [None, None]))
    assert result.n == 0
    assert math.isnan(result.value)
    assert math.isnan(result.headline.ci_low)
    assert result.headline.low_n


def test_csat_share_mean_and_intervals() -> None:
    ratings = [5, 4, 3, 2, 1, 5, None]
    result = csat(frame("csat", ratings))
    assert result.n == 6
    assert result.value == pytest.approx(50.0)  # 3 of 6 are 4-5
    low, high = wilson(3, 6)
    assert result.headline.ci_low == pytest.approx(low)
    assert result.headline.ci_high == pytest.approx(high)
    assert result.headline.method == "wilson"
    values = np.array([5, 4, 3, 2, 1, 5], dtype=float)
    half = stats.t.ppf(0.975, 5) * values.std(ddof=1) / math.sqrt(6)
    assert result.secondary.value == pytest.approx(20 / 6)
    assert result.secondary.ci_low == pytest.approx(20 / 6 - half)
    assert result.secondary.ci_high == pytest.approx(20 / 6 + half)


def test_wilson_interval_known_value() -> None:
    # 3 of 6 satisfied: Wilson 95 % interval is 18.76 % .. 81.24 % (textbook value)
    result = csat(frame("csat", [5, 5, 4, 3, 2, 1])).headline
    assert result.ci_low == pytest.approx(18.76, abs=0.01)
    assert result.ci_high == pytest.approx(81.24, abs=0.01)


def test_ces_mean_share_and_intervals() -> None:
    ratings = [7, 6, 5, 4, 1]
    result = ces(frame("ces", ratings))
    assert result.value == pytest.approx(4.6)
    sd = np.std(ratings, ddof=1)
    half = 2.7764451051977987 * sd / math.sqrt(5)  # t(0.975, 4 df)
    assert result.headline.ci_low == pytest.approx(4.6 - half)
    assert result.headline.ci_high == pytest.approx(4.6 + half)
    assert result.headline.method == "t"
    assert result.secondary.value == pytest.approx(60.0)  # 3 of 5 are 5-7
    low, high = wilson(3, 5)
    assert (result.secondary.ci_low, result.secondary.ci_high) == pytest.approx((low, high))


def test_single_rating_mean_has_no_interval() -> None:
    result = ces(frame("ces", [4]))
    assert result.value == pytest.approx(4.0)
    assert math.isnan(result.headline.ci_low)


def test_score_entry_point_dispatches() -> None:
    table = frame("nps", [10, 0])
    table["csat"] = pd.array([5, 5], dtype="Int64")
    table["ces"] = pd.array([2, 4], dtype="Int64")
    assert score(table).kind == "nps"
    assert score(table, "csat").value == pytest.approx(100.0)
    assert score(table, kind="ces").value == pytest.approx(3.0)


def test_unknown_kind_lists_valid_ones() -> None:
    with pytest.raises(ConfigError) as info:
        score(frame("nps", [10]), kind="nsp")
    for kind in SCORE_KINDS:
        assert kind in str(info.value)
    assert "'nsp'" in str(info.value)


def test_absent_column_is_a_column_error() -> None:
    with pytest.raises(ColumnError, match=r"no column 'csat'.*response_id, nps"):
        score(frame("nps", [10]), kind="csat")


def test_metric_summary_mean_with_t_interval() -> None:
    table = pd.DataFrame({"response_id": list("abcd"), "revenue": [10.0, 20.0, np.nan, 30.0]})
    result = metric_summary(table, "revenue")
    assert result.n == 3
    assert result.value == pytest.approx(20.0)
    half = stats.t.ppf(0.975, 2) * 10.0 / math.sqrt(3)
    assert (result.ci_low, result.ci_high) == pytest.approx((20 - half, 20 + half))
