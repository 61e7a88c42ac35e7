"""Key drivers (Johnson's relative weights) on synthetic tables with a planted driver."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.errors import ConfigError
from analyzer.metrics import key_drivers, relative_weights

from .builders import build_mentions, build_responses, build_themes


def r_squared(x: np.ndarray, y: np.ndarray) -> float:
    design = np.column_stack([np.ones(len(y)), x])
    fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    return float(1 - ((y - fitted) ** 2).sum() / ((y - y.mean()) ** 2).sum())


def planted(seed: int = 0, n: int = 400) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Theme 1 negative drives NPS down; theme 3 co-occurs with it; theme 2 is noise."""
    rng = np.random.default_rng(seed)
    bad = rng.random(n) < 0.3
    noise = rng.random(n) < 0.4
    tagalong = (bad & (rng.random(n) < 0.7)) | (rng.random(n) < 0.1)
    ratings = np.where(bad, rng.integers(0, 7, n), rng.integers(6, 11, n))
    responses = build_responses(
        [{"response_id": f"r{i}", "nps": int(v)} for i, v in enumerate(ratings)]
    )
    rows: list[tuple[str, int, str]] = []
    for i in range(n):
        if bad[i]:
            rows.append((f"r{i}", 1, "negative"))
        if noise[i]:
            rows.append((f"r{i}", 2, "negative" if rng.random() < 0.5 else "positive"))
        if tagalong[i]:
            rows.append((f"r{i}", 3, "negative"))
    themes = build_themes({1: "Late delivery", 2: "Packaging", 3: "Refund wait"})
    return responses, build_mentions(rows), themes


def test_planted_driver_ranks_first_and_weights_sum_to_r2() -> None:
    responses, mentions, themes = planted()
    table = key_drivers(responses, mentions, themes)
    top = table.iloc[0]
    assert (top["rank"], top.theme_id, top.sentiment) == (1, 1, "negative")
    assert top.beta < 0 and top.correlation < 0
    assert table["weight"].sum() == pytest.approx(table["r2"].iloc[0])
    assert table["share_of_r2"].sum() == pytest.approx(1.0)
    assert (table["weight"] >= 0).all()
    assert list(table["rank"]) == list(range(1, len(table) + 1))
    # the co-occurring theme gets far less than the true driver
    tagalong = table[(table.theme_id == 3)].iloc[0]
    assert tagalong.weight < top.weight / 2


def test_r2_equals_least_squares_fit() -> None:
    responses, mentions, themes = planted(seed=1)
    table = key_drivers(responses, mentions, themes)
    contrib = np.select(
        [responses["nps"].to_numpy(int) >= 9, responses["nps"].to_numpy(int) <= 6],
        [100.0, -100.0],
        0.0,
    )
    columns = []
    for tid, sentiment in zip(table.theme_id, table.sentiment, strict=True):
        hit = mentions[(mentions.theme_id == tid) & (mentions.sentiment == sentiment)]
        columns.append(responses["response_id"].isin(hit["response_id"]).to_numpy(float))
    assert table["r2"].iloc[0] == pytest.approx(r_squared(np.column_stack(columns), contrib))
    n_expected = [int(c.sum()) for c in columns]
    assert list(table["n"]) == n_expected


def test_relative_weights_of_uncorrelated_predictors_are_squared_correlations() -> None:
    x1 = np.array([1, 1, 0, 0] * 5, dtype=float)
    x2 = np.array([1, 0, 1, 0] * 5, dtype=float)
    y = 3 * x1 - x2 + np.tile([0.5, -0.2, 0.1, 0.3, -0.7], 4)
    weights, r2 = relative_weights(np.column_stack([x1, x2]), y)
    expected = [np.corrcoef(x1, y)[0, 1] ** 2, np.corrcoef(x2, y)[0, 1] ** 2]
    assert weights == pytest.approx(expected)
    assert r2 == pytest.approx(r_squared(np.column_stack([x1, x2]), y))


def test_relative_weights_with_collinear_predictors_still_sum_to_r2() -> None:
    rng = np.random.default_rng(3)
    x1 = (rng.random(50) < 0.5).astype(float)
    x = np.column_stack([x1, x1, (rng.random(50) < 0.3).astype(float)])  # x1 twice
    y = 2 * x1 + rng.normal(size=50)
    weights, r2 = relative_weights(x, y)
    assert weights.sum() == pytest.approx(r2)
    assert r2 == pytest.approx(r_squared(x, y))
    assert weights[0] == pytest.approx(weights[1])  # identical twins split the credit


def test_max_themes_caps_predictors_by_volume() -> None:
    responses, mentions, themes = planted()
    table = key_drivers(responses, mentions, themes, max_themes=1)
    # theme 2 (about 40 %) is mentioned most, so it is the only theme kept
    assert set(table.theme_id) == {2}
    with pytest.raises(ConfigError, match="max_themes"):
        key_drivers(responses, mentions, themes, max_themes=0)


def test_low_n_and_empty_input() -> None:
    responses = build_responses([{"response_id": f"r{i}", "nps": i % 11} for i in range(40)])
    mentions = build_mentions([("r0", 1, "negative"), ("r1", 1, "negative"), ("r9", 1, "positive")])
    table = key_drivers(responses, mentions, build_themes({1: "Rare"}))
    assert table["low_n"].all()
    empty = key_drivers(responses, mentions.iloc[:0], build_themes({1: "Rare"}))
    assert empty.empty and "weight" in empty.columns
