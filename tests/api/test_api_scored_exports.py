"""Scored exports (``cxa score``) through the API: list, themes, pain points, scores."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from analyzer.batch import ScoringSpec, score_export
from analyzer.config import make_config
from analyzer.store import Store
from analyzer.themes import ThemeModel

RUNNING = "f" * 24


@dataclass
class Scored:
    client: TestClient
    db: Path
    fingerprint: str  # scored with a model folder the service can read
    unlabelled: str  # scored with a model folder removed since
    model_dir: Path


Build = Callable[[str], Iterator[Scored]]


@pytest.fixture(scope="module")
def build_scored(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]],
    ready: Callable[[TestClient], None],
    api_key: str,
    demo_export: Path,
    small_export: Path,
) -> Build:
    """A factory of stores (own folder) with a run whose theme model scores, two scored
    exports and one running."""

    def build(name: str) -> Iterator[Scored]:
        app, run_id = app_with_run(name, small_export)
        settings = app.state.services.settings
        folder = settings.db.parent
        model_dir = settings.models_root / run_id
        config = make_config(
            embedding="fake", spacy_model="blank", sentiment="vader", use_cache=False
        )
        spec = ScoringSpec(model_dir=str(model_dir), config=config)
        done = score_export(demo_export, spec, folder / "out", db=settings.db, chunk_rows=70)
        copy = folder / "moved-model"
        shutil.copytree(model_dir, copy)
        spec_copy = ScoringSpec(model_dir=str(copy), config=config)
        gone = score_export(small_export, spec_copy, folder / "out2", db=settings.db)
        shutil.rmtree(copy)
        Store(settings.db).start_scoring(
            RUNNING, source="/data/big.csv", model=str(model_dir), embedding="fake", fresh=True
        )
        with TestClient(app, headers={"X-API-Key": api_key}) as client:
            ready(client)
            yield Scored(client, settings.db, done.fingerprint, gone.fingerprint, model_dir)

    return build


@pytest.fixture(scope="module")
def scored(build_scored: Build) -> Iterator[Scored]:
    """The store the reading tests share (none of them writes)."""
    yield from build_scored("scored")


@pytest.fixture
def scored_to_edit(build_scored: Build) -> Iterator[Scored]:
    """A store of its own for a test that edits the theme model."""
    yield from build_scored("scored-edit")


def _all(client: TestClient, path: str, **params: object) -> dict:  # type: ignore[type-arg]
    response = client.get(path, params={"limit": 500, **params})
    assert response.status_code == 200, response.json()
    return response.json()  # type: ignore[no-any-return]


def _hand_count(responses: pd.DataFrame, mentions: pd.DataFrame) -> dict[int, tuple[int, int]]:
    """theme id -> (responses mentioning it, mentions), counted directly."""
    kept = mentions[mentions["response_id"].isin(responses["response_id"])]
    kept = kept[kept["theme_id"] >= 0]  # not unassigned (-1) nor no specific topic (-2)
    return {int(t): (int(g["response_id"].nunique()), len(g)) for t, g in kept.groupby("theme_id")}


def test_list_shows_the_exports_newest_first(scored: Scored) -> None:
    body = _all(scored.client, "/v1/scored")
    assert body["count"] == 3
    by_id = {row["fingerprint"]: row for row in body["data"]}
    assert body["data"][0]["fingerprint"] == RUNNING and by_id[RUNNING]["status"] == "running"
    done = by_id[scored.fingerprint]
    assert done["status"] == "done" and done["source"] == "demo.csv"
    assert done["model"] == scored.model_dir.name and done["embedding"] == "fake"
    assert "/" not in done["model"] and done["updated_at"]
    page = scored.client.get("/v1/scored", params={"limit": 1, "offset": 1}).json()
    assert page["count"] == 3 and [r["fingerprint"] for r in page["data"]] == [
        body["data"][1]["fingerprint"]
    ]


def test_themes_are_the_models_with_hand_counted_volumes(scored: Scored) -> None:
    body = _all(scored.client, f"/v1/scored/{scored.fingerprint}/themes")
    assert body["theme_labels"] == "model" and body["note"] is None
    assert body["fingerprint"] == scored.fingerprint and body["score"] == "nps"
    model = ThemeModel.load(scored.model_dir).themes_
    labels = dict(zip(model["theme_id"].astype(int), model["label"], strict=True))
    assert {t["theme_id"]: t["label"] for t in body["data"]} == labels
    responses, mentions = Store(scored.db).load_scored(scored.fingerprint)
    counts = _hand_count(responses, mentions)
    for theme in body["data"]:
        assert (theme["responses"], theme["mentions"]) == counts.get(theme["theme_id"], (0, 0))
    volumes = [t["responses"] for t in body["data"]]
    assert volumes == sorted(volumes, reverse=True) and sum(volumes) > 0


def test_filters_and_paging(scored: Scored) -> None:
    path = f"/v1/scored/{scored.fingerprint}/themes"
    responses, mentions = Store(scored.db).load_scored(scored.fingerprint)
    negative = _all(scored.client, path, sentiment="negative")
    neg = mentions[mentions["sentiment"] == "negative"]
    counts = _hand_count(responses, neg)
    assert {t["theme_id"]: t["mentions"] for t in negative["data"] if t["mentions"]} == {
        t: c[1] for t, c in counts.items()
    }
    dates = responses["date"].dropna().sort_values()
    since = dates.iloc[len(dates) // 2].date()
    recent = _all(scored.client, path, since=str(since))
    kept = responses[responses["date"].dt.date >= since]
    counts = _hand_count(kept, mentions)
    assert {t["theme_id"]: t["responses"] for t in recent["data"] if t["responses"]} == {
        t: c[0] for t, c in counts.items()
    }
    detractors = _all(scored.client, path, score_band="detractor")
    assert sum(t["responses"] for t in detractors["data"]) < sum(
        t["responses"] for t in _all(scored.client, path)["data"]
    )
    page = scored.client.get(path, params={"limit": 2, "offset": 1}).json()
    full = _all(scored.client, path)
    assert page["count"] == full["count"] and page["data"] == full["data"][1:3]
    bad = scored.client.get(path, params={"segment": "no_such_column:x"})
    assert bad.status_code == 422 and "no_such_column" in bad.json()["detail"]


def test_segment_filter(scored: Scored) -> None:
    meta = Store(scored.db).scored_meta(scored.fingerprint)
    if not meta["info"].get("segments"):
        pytest.skip("the demo export has no segment column")
    column = meta["info"]["segments"][0]
    responses, mentions = Store(scored.db).load_scored(scored.fingerprint)
    value = str(responses[column].dropna().iloc[0])
    body = _all(
        scored.client, f"/v1/scored/{scored.fingerprint}/themes", segment=f"{column}:{value}"
    )
    counts = _hand_count(responses[responses[column].astype(str) == value], mentions)
    assert {t["theme_id"]: t["responses"] for t in body["data"] if t["responses"]} == {
        t: c[0] for t, c in counts.items()
    }


def test_pain_points_rank_by_cost(scored: Scored) -> None:
    body = _all(scored.client, f"/v1/scored/{scored.fingerprint}/pain-points")
    assert body["count"] > 0 and body["theme_labels"] == "model"
    assert [p["rank"] for p in body["data"]] == list(range(1, body["count"] + 1))
    costs = [p["cost"] for p in body["data"] if p["cost"] is not None]
    assert costs == sorted(costs, reverse=True)
    assert all(p["n_negative"] > 0 for p in body["data"])
    csat = _all(scored.client, f"/v1/scored/{scored.fingerprint}/pain-points", score="csat")
    assert csat["score"] == "csat"


def test_scores(scored: Scored) -> None:
    body = _all(scored.client, f"/v1/scored/{scored.fingerprint}/scores")
    responses, _ = Store(scored.db).load_scored(scored.fingerprint)
    nps = next(f for f in body["data"] if f["figure"] == "nps")
    assert nps["n"] == int(responses["nps"].notna().sum())
    assert {p["score"] for p in body["trend"]} <= {"nps", "csat", "ces"}


def test_unreachable_model_falls_back_to_theme_ids(scored: Scored) -> None:
    body = _all(scored.client, f"/v1/scored/{scored.unlabelled}/themes")
    assert body["theme_labels"] == "theme_ids" and "not reachable" in body["note"]
    assert "moved-model" in body["note"] and str(scored.db.parent) not in body["note"]
    responses, mentions = Store(scored.db).load_scored(scored.unlabelled)
    counts = _hand_count(responses, mentions)
    assert {t["theme_id"]: t["responses"] for t in body["data"]} == {
        t: c[0] for t, c in counts.items()
    }
    assert all(t["label"] == f"theme {t['theme_id']}" for t in body["data"])
    pains = _all(scored.client, f"/v1/scored/{scored.unlabelled}/pain-points")
    assert pains["theme_labels"] == "theme_ids"


@pytest.mark.parametrize("tail", ["themes", "pain-points", "scores"])
def test_errors(scored: Scored, tail: str) -> None:
    unknown = scored.client.get(f"/v1/scored/nope/{tail}")
    assert unknown.status_code == 404
    assert "No scored export 'nope'" in unknown.json()["detail"]
    assert str(scored.db) not in unknown.json()["detail"]
    running = scored.client.get(f"/v1/scored/{RUNNING}/{tail}")
    assert running.status_code == 409 and "still being scored" in running.json()["detail"]
    anonymous = TestClient(scored.client.app)
    assert anonymous.get(f"/v1/scored/{scored.fingerprint}/{tail}").status_code == 401


def test_list_needs_the_key(scored: Scored) -> None:
    assert TestClient(scored.client.app).get("/v1/scored").status_code == 401
    wrong = TestClient(scored.client.app, headers={"X-API-Key": "wrong"})
    assert wrong.get("/v1/scored").status_code == 401


def test_a_merge_after_scoring_counts_the_merged_mentions_for_the_survivor(
    scored_to_edit: Scored,
) -> None:
    scored = scored_to_edit  # its own store and model folder: the merge changes them
    before = {
        t["theme_id"]: t
        for t in _all(scored.client, f"/v1/scored/{scored.fingerprint}/themes")["data"]
    }
    a, b = sorted(before, key=lambda t: -before[t]["mentions"])[:2]
    run_id = scored.model_dir.name
    merged = scored.client.post(f"/v1/runs/{run_id}/themes/merge", json={"theme_ids": [a, b]})
    assert merged.status_code == 200, merged.json()
    after = {
        t["theme_id"]: t
        for t in _all(scored.client, f"/v1/scored/{scored.fingerprint}/themes")["data"]
    }
    assert b not in after
    assert after[a]["mentions"] == before[a]["mentions"] + before[b]["mentions"]
    assert sum(t["mentions"] for t in after.values()) == sum(t["mentions"] for t in before.values())
