"""What the dashboard reads for an export without scores over nine days (issue 28, section 5):
no score figure, pain points ranked by negative responses, trends per day and the windows."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from service_fixtures import HEADERS, wait_ready
from short_span import short_export

NINE_DAYS = [f"2015-02-{d}" for d in range(16, 25)]


@pytest.fixture(scope="module")
def short(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[TestClient, str]]:
    export = short_export(tmp_path_factory.mktemp("short") / "tweets.csv")
    app, run_id = app_with_run("short-span", export)
    with TestClient(app, headers=HEADERS) as client:
        wait_ready(client)
        yield client, run_id


def _get(client: TestClient, path: str, **params: Any) -> dict[str, Any]:
    response = client.get(path, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_context_says_no_score_and_gives_daily_windows(short: tuple[TestClient, str]) -> None:
    client, run_id = short
    for path in ("themes", "pain-points"):
        body = _get(client, f"/v1/runs/{run_id}/{path}")
        assert body["score_available"] is False and body["ranked_by"] == "negative"
        assert body["period"] == "day"
        assert body["windows"] == {
            "period": "day",
            "recent_start": "2015-02-23",
            "recent_end": "2015-02-24",
            "baseline_start": "2015-02-16",
            "baseline_end": "2015-02-22",
            "recent_label": "23–24 Feb 2015",
            "baseline_label": "16–22 Feb 2015",
        }


def test_pain_points_rank_by_negative_responses(short: tuple[TestClient, str]) -> None:
    client, run_id = short
    rows = _get(client, f"/v1/runs/{run_id}/pain-points")["data"]
    assert rows and [p["rank"] for p in rows] == list(range(1, len(rows) + 1))
    volume = [(p["n_negative"], p["negative_mentions"]) for p in rows]
    assert volume == sorted(volume, reverse=True)
    assert all(p["cost"] is None and p["score"] is None and p["impact"] is None for p in rows)
    assert all(p["negative_recent_share"] is not None for p in rows)
    assert all(p["negative_baseline_share"] is not None for p in rows)


def test_scores_and_themes_show_no_empty_figure(short: tuple[TestClient, str]) -> None:
    client, run_id = short
    scores = _get(client, f"/v1/runs/{run_id}/scores")
    assert scores == {"data": [], "count": 0, "trend": []}  # not three kinds with n = 0
    themes = _get(client, f"/v1/runs/{run_id}/themes")["data"]
    assert all(t["score"] is None and t["impact"] is None for t in themes)
    theme_id = max(themes, key=lambda t: t["responses"])["theme_id"]
    detail = _get(client, f"/v1/runs/{run_id}/themes/{theme_id}")
    assert [p["period_start"] for p in detail["trend_series"]] == NINE_DAYS
    assert [p["period"] for p in detail["trend_series"]] == NINE_DAYS


def test_a_run_with_scores_keeps_its_months(client: TestClient, run_id: str) -> None:
    body = _get(client, f"/v1/runs/{run_id}/pain-points")
    assert body["score_available"] is True and body["ranked_by"] == "cost"
    assert body["period"] == "month" and body["windows"]["period"] == "month"
    assert body["windows"]["baseline_start"] < body["windows"]["recent_start"]
