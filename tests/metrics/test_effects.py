"""Did an action work? Planted effects before and after an action's date."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analyzer.errors import ConfigError
from analyzer.metrics.effects import action_effect
from tests.metrics.builders import build_mentions, build_responses

EFFECTIVE = pd.Timestamp("2026-03-02")
THEMES = (1, 2, 3, 4)


def planted(
    rates_before: dict[int, float],
    rates_after: dict[int, float],
    *,
    per_day: int = 12,
    days_before: int = 56,
    days_after: int = 56,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Responses around EFFECTIVE: each mentions theme t with its window's rate (negatively);
    a negative mention of a theme costs NPS, so the score follows the themes."""
    rng = np.random.default_rng(seed)
    rows, mentions = [], []
    days = range(-days_before, days_after)
    for day in days:
        rates = rates_before if day < 0 else rates_after
        for k in range(per_day):
            rid = f"r{day + days_before:03d}-{k:02d}"
            hit = [t for t in THEMES if rng.random() < rates.get(t, 0.0)]
            nps = int(np.clip(round(9 - 3 * len(hit) + rng.normal(0, 1)), 0, 10))
            rows.append(
                {
                    "response_id": rid,
                    "date": str(EFFECTIVE.date() + pd.Timedelta(days=day)),
                    "nps": nps,
                }
            )
            mentions += [(rid, t, "negative") for t in hit]
            if not hit:
                mentions.append((rid, -1, "neutral"))
    return build_responses(rows), build_mentions(mentions)


BASE = {1: 0.30, 2: 0.25, 3: 0.20, 4: 0.15}


def test_a_theme_that_falls_after_the_action_is_reported_as_working() -> None:
    responses, mentions = planted(BASE, {**BASE, 1: 0.10})
    effect = action_effect(responses, mentions, [1], EFFECTIVE)
    share = effect.primary
    assert effect.verdict == "worked", effect.reason
    assert share.before.value == pytest.approx(0.30, abs=0.05)
    assert share.after.value == pytest.approx(0.10, abs=0.04)
    assert share.ci_low < share.change < share.ci_high < 0
    assert share.p_value < 1e-6 and effect.relative_p_value < 1e-6
    assert effect.n_before == effect.n_after == 56 * 12
    assert share.before.ci_low < share.before.value < share.before.ci_high
    # fewer crash complaints: the theme pulls NPS down less, and NPS rises overall
    impact = effect.changes["impact"]
    assert impact.before.value < impact.after.value < 0
    assert impact.change > 0 and impact.p_value < 0.05
    assert effect.changes["score"].change > 0


def test_a_theme_that_does_not_change_reads_no_detectable_change() -> None:
    responses, mentions = planted(BASE, BASE, seed=1)
    effect = action_effect(responses, mentions, [2], EFFECTIVE)
    assert effect.verdict == "no detectable change", effect.reason
    share = effect.primary
    assert share.ci_low < 0 < share.ci_high
    assert share.p_value > 0.05


def test_a_company_wide_drop_is_not_credited_to_any_action() -> None:
    after = {t: rate / 3 for t, rate in BASE.items()}
    responses, mentions = planted(BASE, after, seed=2)
    for theme in THEMES:
        effect = action_effect(responses, mentions, [theme], EFFECTIVE)
        assert effect.primary.p_value < 0.01  # the raw share did fall...
        assert effect.verdict == "no detectable change", (theme, effect.reason)
        assert "rest of the themes moved alike" in effect.reason
        assert abs(effect.adjusted_change) < abs(effect.primary.change) / 2


def test_a_drop_beyond_a_company_wide_one_is_still_credited() -> None:
    after = {t: rate / 2 for t, rate in BASE.items()} | {1: 0.03}
    responses, mentions = planted(BASE, after, seed=3)
    effect = action_effect(responses, mentions, [1], EFFECTIVE)
    assert effect.verdict == "worked", effect.reason
    assert effect.adjusted_change < 0


def test_a_theme_that_grows_got_worse() -> None:
    responses, mentions = planted(BASE, {**BASE, 3: 0.45}, seed=4)
    assert action_effect(responses, mentions, [3], EFFECTIVE).verdict == "got worse"


def test_too_few_responses_after_the_action_says_so() -> None:
    responses, mentions = planted(BASE, {**BASE, 1: 0.0}, days_after=2)
    effect = action_effect(responses, mentions, [1], EFFECTIVE)
    assert effect.verdict == "not enough data"
    assert effect.reason.startswith("Not enough responses after the action yet: 24 commented")
    assert effect.n_after == 24


def test_windows_are_configurable_and_counted_in_weeks() -> None:
    responses, mentions = planted(BASE, {**BASE, 1: 0.10})
    effect = action_effect(responses, mentions, [1], EFFECTIVE, before_weeks=2, after_weeks=3)
    assert (effect.n_before, effect.n_after) == (14 * 12, 21 * 12)
    assert effect.before_start == EFFECTIVE - pd.Timedelta(weeks=2)
    assert effect.after_end == EFFECTIVE + pd.Timedelta(weeks=3)
    with pytest.raises(ConfigError, match="before_weeks=0"):
        action_effect(responses, mentions, [1], EFFECTIVE, before_weeks=0)


def test_several_themes_count_a_response_once_and_negative_share_is_a_measure() -> None:
    responses, mentions = planted(BASE, {**BASE, 1: 0.10, 2: 0.05}, seed=5)
    both = action_effect(responses, mentions, [1, 2], EFFECTIVE, measure="negative_share")
    assert both.verdict == "worked"
    assert both.measure == "negative_share"
    expected = 1 - (1 - 0.30) * (1 - 0.25)
    assert both.primary.before.value == pytest.approx(expected, abs=0.05)
    with pytest.raises(ConfigError, match="Unknown measure"):
        action_effect(responses, mentions, [1], EFFECTIVE, measure="volume")


def test_the_score_change_matches_the_two_windows_scores() -> None:
    responses, mentions = planted(BASE, {**BASE, 1: 0.10}, seed=6)
    effect = action_effect(responses, mentions, [1], EFFECTIVE)
    dates = responses["date"]
    nps = responses["nps"].astype(float).to_numpy()

    def window_nps(mask: np.ndarray) -> float:
        values = nps[mask]
        return 100 * ((values >= 9).mean() - (values <= 6).mean())

    before = window_nps(np.asarray(dates < EFFECTIVE))
    after = window_nps(np.asarray(dates >= EFFECTIVE))
    score = effect.changes["score"]
    assert score.before.value == pytest.approx(before, abs=1e-9)
    assert score.after.value == pytest.approx(after, abs=1e-9)
    assert score.change == pytest.approx(after - before, abs=1e-9)
    assert not math.isnan(score.ci_low) and score.ci_low < score.change < score.ci_high
