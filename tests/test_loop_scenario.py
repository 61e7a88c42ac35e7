"""The scripted scenario of issue 18: the demo export split in two by date, an action on the
crash theme, the next export scored, and the verdict read from the CLI, the API and the report.

Part one (before 2026-05-01) is analysed; the app-crash theme is planted in ~30 % of its
responses. An analyst merges the crash themes and records an action dated 2026-05-01. Part
two, where the planted theme falls back to rare, is scored with the run's model into the
same store (``cxa score``): the action reads "worked"; a control action on a theme whose
planted share does not change reads "no detectable change".
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from analyzer import demo
from analyzer.cli import app
from analyzer.config import make_config
from analyzer.loop import actions, curation
from analyzer.pipeline import analyze_and_store
from analyzer.store import Store

# The tests are the steps of one scenario (score the next export, read the report, check the
# store), in this order; a random order keeps the modules' order but not these steps.
pytestmark = pytest.mark.random_order(disabled=True)

FAST = {"embedding": "fake", "spacy_model": "blank", "sentiment": "vader", "use_cache": False}
ACTION_DAY = "2026-05-01"
runner = CliRunner()


def _themes_of(store: Store, run_id: str, truth: pd.DataFrame, key: str) -> list[int]:
    """Themes of the run most of whose mentions are planted ``key`` clauses."""
    mentions = store.load_run(run_id).mentions
    mentions = mentions.assign(truth=demo.match_mentions_to_truth(mentions, truth).to_numpy())
    assigned = mentions[mentions["theme_id"] != -1]
    share = assigned.groupby("theme_id")["truth"].agg(lambda s: (s == key).mean())
    return [int(t) for t in share[share > 0.6].index]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("scenario")
    export, truth_path = demo.write(
        folder / "demo.csv", 1600, seed=3, months=8, fall_after=ACTION_DAY
    )
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    frame[frame["date"] < ACTION_DAY].to_csv(folder / "part1.csv", index=False)
    frame[frame["date"] >= ACTION_DAY].to_csv(folder / "part2.csv", index=False)
    db = folder / "cxa.duckdb"
    store = Store(db)
    analyze_and_store(
        folder / "part1.csv", store, run_id="run1", config=make_config(**FAST),
        model_dir=folder / "model",
    )  # fmt: skip
    truth = pd.read_csv(truth_path)
    crash = _themes_of(store, "run1", truth, "app_crashes")
    survivor = curation.edit(store, "run1", curation.merge(crash, label="app crashes"))
    control = _themes_of(store, "run1", truth, "returns")
    assert len(crash) >= 2 and control
    return {"folder": folder, "db": db, "store": store, "crash": survivor, "control": control}


def _cli(*args: str) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout  # a warning on stderr (e.g. waiting for the store) is not output


def _scored(scenario: dict[str, Any]) -> None:
    from analyzer.batch import ScoringSpec, score_export

    spec = ScoringSpec(model_dir=str(scenario["folder"] / "model"), config=make_config(**FAST))
    score_export(scenario["folder"] / "part2.csv", spec, scenario["folder"] / "scored",
                 db=scenario["db"])  # fmt: skip


def test_the_action_works_once_the_next_export_is_scored(scenario: dict[str, Any]) -> None:
    db = scenario["db"]
    _cli("actions", "add", "--title", "Fix the Android crash", "--theme", scenario["crash"],
         "--date", ACTION_DAY, "--team", "Mobile", "--db", db)  # fmt: skip
    control = [x for t in scenario["control"] for x in ("--theme", str(t))]
    _cli("actions", "add", "--title", "Returns FAQ", *control, "--date", ACTION_DAY,
         "--team", "Ops", "--db", db)  # fmt: skip

    # only part one is in the store: nothing after the action yet
    early = json.loads(_cli("actions", "list", "--json", "--db", db))
    assert {a["effect"]["verdict"] for a in early} == {"not enough data"}
    assert all(a["effect"]["reason"].startswith("Not enough responses after the action yet")
               for a in early)  # fmt: skip

    _scored(scenario)  # next month's export, scored with the run's model: no re-fit
    listed = json.loads(_cli("actions", "list", "--json", "--db", db))
    by_title = {a["title"]: a for a in listed}
    crash = by_title["Fix the Android crash"]["effect"]
    assert crash["verdict"] == "worked", crash["reason"]
    share = crash["changes"]["share"]
    assert share["before"]["value"] > 0.2 and share["after"]["value"] < 0.08
    assert share["ci_low"] < share["change"] < share["ci_high"] < 0
    assert share["before"]["n"] > 300 and share["after"]["n"] > 300
    assert crash["changes"]["impact"]["change"] > 0  # the theme costs less NPS
    ctrl = by_title["Returns FAQ"]["effect"]
    assert ctrl["verdict"] == "no detectable change", ctrl["reason"]

    table = _cli("actions", "list", "--db", db)
    assert "worked" in table and "no detectable change" in table

    action_id = by_title["Fix the Android crash"]["action_id"]
    shown = _cli("actions", "show", action_id, "--db", db)
    assert "worked" in shown and "negative_share" in shown and "impact" in shown
    _cli("actions", "close", action_id, "--db", db)
    closed = json.loads(_cli("actions", "list", "--json", "--status", "closed", "--db", db))
    assert [a["action_id"] for a in closed] == [action_id]
    assert closed[0]["closed_by"].startswith("cli:")
    assert closed[0]["effect"]["verdict"] == "worked"  # closing keeps measuring

    # the API reads the same verdicts and intervals
    from api.main import create_app
    from api.settings import Settings

    settings = Settings(api_key="k", db=db, allowed_hosts=["testserver"], **FAST)  # type: ignore[arg-type]
    with TestClient(create_app(settings), headers={"X-API-Key": "k"}) as client:
        body = client.get("/v1/actions").json()
        api = {a["title"]: a for a in body["data"]}
        got = api["Fix the Android crash"]["effect"]
        assert got["verdict"] == "worked"
        assert got["changes"]["share"]["ci_high"] == pytest.approx(share["ci_high"], abs=1e-12)
        assert api["Fix the Android crash"]["theme_labels"] == ["app crashes"]
        assert api["Returns FAQ"]["effect"]["verdict"] == "no detectable change"
    scenario["action_id"] = action_id


def test_the_report_shows_the_verdicts_the_markers_and_the_teams(
    scenario: dict[str, Any],
) -> None:
    import re

    out = scenario["folder"] / "report.html"
    _cli("report", "--db", scenario["db"], "--out", out)
    page = out.read_text("utf-8")
    section = page[page.index('id="actions"') : page.index('id="teams"')]
    assert "Actions and their effect" in section
    crash_row = section[section.index("Fix the Android crash") :]
    assert re.search(r"badge verdict worked\">worked<", crash_row)
    control_row = section[section.index("Returns FAQ") :]
    assert "no detectable change" in control_row[: control_row.index("</tr>") + 300]
    assert re.search(
        r"[−-]\d+\.\d pts <span class=\"ci\">\([−-]\d+\.\d to [−-]\d+\.\d\)", crash_row
    )
    figures = json.loads(
        re.search(r'id="report-figures">(.*?)</script>', page, re.S).group(1)  # type: ignore[union-attr]
    )
    marked = [k for k in figures if k.startswith("action_")]
    assert len(marked) == 2
    fig = figures[marked[0]]
    assert any(
        s.get("name") == "action" and s.get("type") == "line" for s in fig["layout"]["shapes"]
    )
    teams = page[page.index('id="teams"') :]
    assert "Mobile" in teams and "Ops" in teams and "open actions" in teams


def test_the_store_keeps_who_recorded_each_action(scenario: dict[str, Any]) -> None:
    found = actions.list_actions(scenario["store"])
    assert found and all(a["created_by"].startswith("cli:") for a in found)
    assert all(a["created_at"] is not None for a in found)
