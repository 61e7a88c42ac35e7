"""Finding 11 of the second probe: a 404 names what was asked for, and nothing else.

Answers listed other objects: "known actions: act-...", "teams: [...]", "live keys: k-viewer,
k-analyst, ...", "its themes are [0 ... 27]". They now name the id that was not found and
where the caller may list what exists (with the rights that listing needs).
"""

from __future__ import annotations

from service_fixtures import Roled


def _action(roled: Roled, team: str) -> str:
    body = {"run_id": roled.run_id, "theme_ids": [roled.theme], "title": "Fix the app",
            "team": team, "effective": "2026-01-01"}  # fmt: skip
    made = roled.client.post("/v1/actions", json=body, headers=roled.as_("analyst"))
    assert made.status_code == 201, made.text
    return str(made.json()["action_id"])


def _detail(response: object, status: int = 404) -> str:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    return str(response.json()["detail"])  # type: ignore[attr-defined]


def test_an_unknown_action_is_named_alone(roled: Roled) -> None:
    secret = _action(roled, "Secret squad")
    viewer = roled.as_("viewer")
    detail = _detail(roled.client.get("/v1/actions/act-nope", headers=viewer))
    assert (
        "act-nope" in detail
        and secret not in detail
        and "act-" not in detail.replace("act-nope", "")
    )
    patch = roled.client.patch("/v1/actions/act-nope", json={"title": "x"},
                               headers=roled.as_("analyst"))  # fmt: skip
    assert secret not in _detail(patch)


def test_an_unknown_team_is_named_alone(roled: Roled) -> None:
    _action(roled, "Secret squad")
    answer = roled.client.get("/v1/teams/nobody", params={"run_id": roled.run_id},
                              headers=roled.as_("viewer"))  # fmt: skip
    detail = _detail(answer)
    assert "nobody" in detail and "Secret squad" not in detail


def test_an_unknown_key_is_named_alone(roled: Roled) -> None:
    answer = roled.client.delete("/v1/keys/k-nope", headers=roled.as_("admin"))
    detail = _detail(answer)
    assert "k-nope" in detail
    assert not any(f"{role}-1" in detail for role in ("viewer", "analyst", "admin"))


def test_unknown_themes_are_named_alone(roled: Roled) -> None:
    themes = sorted(int(t) for t in roled.store.load_run(roled.run_id).themes["theme_id"])
    listing = ", ".join(map(str, themes[:3]))
    action = {"run_id": roled.run_id, "theme_ids": [999999], "title": "x",
              "effective": "2026-01-01"}  # fmt: skip
    note = {"run_id": roled.run_id, "kind": "note", "theme_ids": [999999], "comment": "x"}
    for answer in (
        roled.client.post("/v1/actions", json=action, headers=roled.as_("analyst")),
        roled.client.post("/v1/suggestions", json=note, headers=roled.as_("viewer")),
    ):
        detail = _detail(answer)
        assert "999999" in detail and listing not in detail
