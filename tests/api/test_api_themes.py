"""Themes, one theme's verbatims, pain points and rejects, with filters and paging."""

from __future__ import annotations

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tolerance import EXACT_ATOL, assert_records_close

from analyzer.metrics import filter_responses, theme_table
from analyzer.store import RunData

Shared = tuple[FastAPI, TestClient, str]


@pytest.fixture
def data(shared: Shared) -> RunData:
    app, _, run_id = shared
    return app.state.services.store.load_run(run_id)  # type: ignore[no-any-return]


def _all(client: TestClient, path: str, **params: object) -> dict:  # type: ignore[type-arg]
    return client.get(path, params={"limit": 500, **params}).json()  # type: ignore[no-any-return]


def test_themes_carry_the_metrics_of_the_library(
    client: TestClient, run_id: str, data: RunData
) -> None:
    body = _all(client, f"/v1/runs/{run_id}/themes")
    expected = theme_table(data.responses, data.mentions, data.themes, "nps")
    assert body["score"] == "nps" and body["count"] == len(expected)
    assert [t["theme_id"] for t in body["data"]] == expected["theme_id"].tolist()
    first, row = body["data"][0], expected.iloc[0]
    assert first["responses"] == row["responses"] and first["mentions"] == row["mentions"]
    assert first["impact"] == pytest.approx(row["impact"])
    assert first["score"] == pytest.approx(row["score"])
    assert first["trend"] in ("emerging", "fading", "stable", "insufficient_data")
    assert first["label"] and isinstance(first["keywords"], list)


def test_paging_slices_the_full_list(client: TestClient, run_id: str) -> None:
    full = _all(client, f"/v1/runs/{run_id}/themes")["data"]
    page = client.get(f"/v1/runs/{run_id}/themes", params={"limit": 2, "offset": 1}).json()
    assert page["count"] == len(full)
    assert_records_close(page["data"], full[1:3], atol=EXACT_ATOL)
    past = client.get(f"/v1/runs/{run_id}/themes", params={"offset": 10_000}).json()
    assert past["data"] == [] and past["count"] == len(full)


@pytest.mark.parametrize(
    "params",
    [
        {"segment": "channel:app"},
        {"segment": ["channel:app", "channel:web"]},
        {"segment": ["channel:app", "plan:premium"]},
        {"since": "2025-06-01", "until": "2025-09-30"},
        {"score_band": "detractor"},
        {"sentiment": "negative"},
    ],
)
def test_filters_match_filter_responses(
    client: TestClient, run_id: str, data: RunData, params: dict[str, object]
) -> None:
    segment: dict[str, list[str]] = {}
    raw = params.get("segment", [])
    for item in [raw] if isinstance(raw, str) else raw:  # type: ignore[union-attr]
        column, value = str(item).split(":")
        segment.setdefault(column, []).append(value)
    options = {k: v for k, v in params.items() if k != "segment"}
    responses, mentions = filter_responses(
        data.responses,
        data.mentions,
        segment=segment or None,
        **options,  # type: ignore[arg-type]
    )
    expected = theme_table(responses, mentions, data.themes, "nps")
    body = _all(client, f"/v1/runs/{run_id}/themes", **params)
    got = {t["theme_id"]: t["responses"] for t in body["data"]}
    assert got == dict(zip(expected["theme_id"], expected["responses"], strict=True))
    unfiltered = _all(client, f"/v1/runs/{run_id}/themes")["data"]
    assert sum(got.values()) < sum(t["responses"] for t in unfiltered)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"segment": "colour:red"}, "colour"),
        ({"segment": "channel"}, "COLUMN:VALUE"),
        ({"score_band": "happy"}, "score_band"),
        ({"sentiment": "angry"}, "sentiment"),
        ({"since": "last week"}, "since"),
        ({"score": "revenue"}, "score"),
    ],
)
def test_bad_filters_get_422_naming_them(
    client: TestClient, run_id: str, params: dict[str, str], expected: str
) -> None:
    paths = ["themes", "pain-points", "themes/0"] + ([] if "score" in params else ["search"])
    for path in paths:
        response = client.get(f"/v1/runs/{run_id}/{path}", params={"q": "app", **params})
        assert response.status_code == 422, (path, params)
        assert expected in response.json()["detail"]


def test_scores_other_than_nps(client: TestClient, run_id: str) -> None:
    for kind in ("csat", "ces"):
        body = client.get(f"/v1/runs/{run_id}/themes", params={"score": kind}).json()
        assert body["score"] == kind and body["count"] > 0


def test_a_theme_has_examples_and_a_monthly_trend(
    client: TestClient, run_id: str, data: RunData
) -> None:
    theme_id = int(data.themes["theme_id"].iloc[0])
    body = client.get(f"/v1/runs/{run_id}/themes/{theme_id}", params={"examples": 3}).json()
    assert body["theme_id"] == theme_id and body["label"]
    assert 0 < len(body["examples"]) <= 3
    own = set(data.mentions.loc[data.mentions["theme_id"] == theme_id, "mention_id"])
    assert {e["mention_id"] for e in body["examples"]} <= own
    assert len({e["text"].lower() for e in body["examples"]}) == len(body["examples"])
    months = pd.to_datetime(data.responses["date"]).dt.to_period("M").dropna()
    assert [p["period"] for p in body["trend_series"]] == [
        str(p) for p in pd.period_range(months.min(), months.max(), freq="M")
    ]
    listed = next(
        t for t in _all(client, f"/v1/runs/{run_id}/themes")["data"] if t["theme_id"] == theme_id
    )
    assert {k: body[k] for k in listed} == listed


def test_an_unknown_theme_is_404(client: TestClient, run_id: str) -> None:
    for theme_id in (9999, -1):
        response = client.get(f"/v1/runs/{run_id}/themes/{theme_id}")
        assert response.status_code == 404
        assert f"no theme {theme_id}" in response.json()["detail"]
    assert client.get(f"/v1/runs/{run_id}/themes/abc").status_code == 422


def test_pain_points_are_ranked_by_cost(client: TestClient, run_id: str) -> None:
    body = _all(client, f"/v1/runs/{run_id}/pain-points")
    assert body["count"] == len(body["data"]) > 0
    assert [p["rank"] for p in body["data"]] == list(range(1, body["count"] + 1))
    costs = [p["cost"] for p in body["data"] if p["cost"] is not None]
    assert costs == sorted(costs, reverse=True)
    assert all(p["n_negative"] > 0 and len(p["examples"]) <= 3 for p in body["data"])
    filtered = _all(client, f"/v1/runs/{run_id}/pain-points", segment="channel:app")
    assert sum(p["n_negative"] for p in filtered["data"]) < sum(
        p["n_negative"] for p in body["data"]
    )
    page = client.get(f"/v1/runs/{run_id}/pain-points", params={"limit": 1, "offset": 1}).json()
    assert_records_close(page["data"], body["data"][1:2], atol=EXACT_ATOL)


def test_rejects_are_listed(client: TestClient, run_id: str, data: RunData) -> None:
    body = client.get(f"/v1/runs/{run_id}/rejects").json()
    assert body["count"] == len(data.rejects)


def test_scores_have_intervals_and_a_monthly_trend(
    client: TestClient, run_id: str, data: RunData
) -> None:
    from analyzer.metrics import nps

    body = client.get(f"/v1/runs/{run_id}/scores").json()
    figures = {(r["score"], r["figure"]): r for r in body["data"]}
    assert body["count"] == len(body["data"]) == 6
    headline = figures[("nps", "nps")]
    assert headline["value"] == pytest.approx(nps(data.responses).value)
    assert headline["ci_low"] <= headline["value"] <= headline["ci_high"]
    assert {r["score"] for r in body["trend"]} == {"nps", "csat", "ces"}
    detractors = client.get(f"/v1/runs/{run_id}/scores", params={"score_band": "detractor"})
    assert detractors.json()["data"][0]["value"] == pytest.approx(-100)


def test_a_finished_run_lists_its_segment_values(
    client: TestClient, run_id: str, data: RunData
) -> None:
    run = client.get(f"/v1/runs/{run_id}").json()
    assert set(run["segment_values"]) == {"channel", "region", "plan", "language"}
    assert run["segment_values"]["channel"] == sorted(data.responses["channel"].dropna().unique())
