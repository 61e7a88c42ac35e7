"""Finding 13 of the second probe: a viewer's ``GET /v1/actions`` and ``GET /v1/teams`` cost
what their page shows, not the whole history of actions.

Each listed action read its whole run again (for its theme labels) and ``GET /v1/teams``
measured the effect of every action of the run only to list team names: about 0.19 s per
recorded action uncached, 2.8 s with 12 actions, ~95 s projected at 500. Now each run is
read once per request (the service's cached copy), the teams list measures nothing, a team's
page measures its own actions, and the actions list the actions of its page. The test counts
the work instead of timing it (``benchmarks/loop_lists.py`` prints the times).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
from service_fixtures import Roled

from analyzer.loop import actions
from analyzer.store import Store

TEAMS = ("Payments", "Delivery", "App")


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """How many runs were read from the store and how many effects were measured."""
    calls: Counter[str] = Counter()
    load_run, evaluate = Store.load_run, actions.evaluate

    def counting_load(self: Store, run_id: str) -> object:
        calls["load_run"] += 1
        return load_run(self, run_id)

    def counting_evaluate(*args: object, **kwargs: object) -> object:
        calls["evaluate"] += 1
        return evaluate(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "load_run", counting_load)
    monkeypatch.setattr(actions, "evaluate", counting_evaluate)
    yield calls


def _record(roled: Roled, n: int) -> None:
    themes = sorted(int(t) for t in roled.store.load_run(roled.run_id).themes["theme_id"])
    for i in range(n):
        actions.add_action(
            roled.store, run_id=roled.run_id, theme_ids=[themes[i % len(themes)]],
            title=f"action {i}", team=TEAMS[i % len(TEAMS)], effective="2026-03-01",
            actor="test",
        )  # fmt: skip


def _work(roled: Roled, counted: Counter[str], path: str, **params: object) -> Counter[str]:
    roled.client.app.state.services.forget_all()  # type: ignore[attr-defined]  # uncached
    counted.clear()
    answer = roled.client.get(path, params=params, headers=roled.as_("viewer"))
    assert answer.status_code == 200, answer.text
    return Counter(counted)


@pytest.mark.parametrize("recorded", [12, 36])
def test_the_work_of_a_page_does_not_grow_with_the_history(
    roled: Roled, counted: Counter[str], recorded: int
) -> None:
    # the store is shared by the module's tests, in any order: at least ``recorded`` actions
    _record(roled, max(0, recorded - len(actions.list_actions(roled.store))))
    assert len(actions.list_actions(roled.store)) >= recorded
    page = _work(roled, counted, "/v1/actions", limit=5)
    assert page == {"load_run": 1, "evaluate": 5}
    teams = _work(roled, counted, "/v1/teams", run_id=roled.run_id)
    assert teams["evaluate"] == 0 and teams["load_run"] <= 1
    own = sum(a["team"] == "Payments" for a in actions.list_actions(roled.store))
    team = _work(roled, counted, "/v1/teams/Payments", run_id=roled.run_id)
    assert team["load_run"] <= 1 and team["evaluate"] == own  # its own actions (and themes')


def test_the_pages_still_carry_each_actions_effect(roled: Roled) -> None:
    _record(roled, max(0, 6 - len(actions.list_actions(roled.store))))  # whatever ran before
    viewer = roled.as_("viewer")
    listed = roled.client.get("/v1/actions", params={"limit": 3}, headers=viewer).json()
    assert listed["count"] >= 3 and len(listed["data"]) == 3
    for row in listed["data"]:
        assert row["theme_labels"] and ("effect" in row or row["effect_error"])
    team = roled.client.get("/v1/teams/App", params={"run_id": roled.run_id}, headers=viewer)
    assert team.status_code == 200 and team.json()["actions"]
    assert all(a.get("effect") is not None for a in team.json()["actions"])
