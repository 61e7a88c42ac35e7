"""The metrics on the demo export, with its planted ground truth standing in for themes.

The demo plants ``app_crashes`` to grow in the last two months and pull NPS down, and plants
themes that customers praise. The metrics must find both without knowing the plan.
"""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer import demo, metrics
from analyzer.ingest import validate


@pytest.fixture(scope="module")
def tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    export, truth = demo.generate(3000, seed=0)
    raw = export.astype(str).replace({"<NA>": "", "nan": ""})
    responses = validate(raw, source="demo.csv", mapping=None).responses
    keys = sorted(truth["theme"].unique())
    ids = {k: i for i, k in enumerate(keys)}
    mentions = pd.DataFrame(
        {
            "mention_id": truth["response_id"] + ":" + truth["position"].astype(str),
            "response_id": truth["response_id"],
            "position": truth["position"].astype("int64"),
            "text": truth["text"],
            "theme_id": truth["theme"].map(ids).astype("int64"),
            "theme_confidence": 1.0,
            "sentiment": truth["sentiment"],
            "sentiment_score": truth["sentiment"].map(
                {"negative": -0.8, "neutral": 0.0, "positive": 0.8}
            ),
        }
    )
    themes = pd.DataFrame(
        {
            "theme_id": list(ids.values()),
            "label": list(ids),
            "keywords": [[] for _ in ids],
            "parent_id": -1,
            "parent_label": "",
            "size": [int((truth["theme"] == k).sum()) for k in ids],
            "examples": [[] for _ in ids],
            "owner": None,
        }
    )
    return responses, mentions, themes


def test_growing_theme_is_emerging(tables) -> None:
    emerging = metrics.emerging_themes(*tables).set_index("label")
    assert emerging.loc[demo.GROWING_THEME, "status"] == "emerging"
    assert emerging.loc[demo.GROWING_THEME, "p_value"] < 0.001


def test_growing_theme_is_a_top_three_pain_point(tables) -> None:
    pain = metrics.pain_points(*tables, "nps")
    assert demo.GROWING_THEME in pain["label"].head(3).tolist()
    row = pain.set_index("label").loc[demo.GROWING_THEME]
    assert row["impact_negative"] < 0 and row["trend"] == "emerging"


def test_praised_theme_has_positive_impact(tables) -> None:
    table = metrics.theme_table(*tables, "nps").set_index("label")
    assert table.loc["product_quality", "impact"] > 0
    assert table.loc["product_quality", "impact_positive"] > 0
    assert table.loc[demo.GROWING_THEME, "impact"] < 0


def test_ces_pain_points_rank_added_effort_first(tables) -> None:
    """For CES higher is worse: the costliest theme is the one that raises it most."""
    pain = metrics.pain_points(*tables, "ces")
    assert pain["cost"].tolist() == pytest.approx(pain["impact_negative"].tolist())
    assert pain["cost"].is_monotonic_decreasing
    assert demo.GROWING_THEME in pain["label"].head(3).tolist()
