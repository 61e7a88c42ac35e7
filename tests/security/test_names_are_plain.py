"""Finding 12 of the second probe: what a person types as a name is plain text on one line.

Action teams and titles, key names and pending suggestions took control and bidirectional
characters; a key name holding "\\nINFO fake line" printed as a forged line of the CLI's
output. Theme labels already refused them; now every such field does, with the same rule (a
note may span lines, and is otherwise held to it).
"""

from __future__ import annotations

import pytest
from service_fixtures import Roled
from typer.testing import CliRunner

from analyzer.cli import app as cli_app
from analyzer.privacy import keys

HOSTILE = ["fix\u202eti", "ops\nINFO fake line", "nul\x00here", "bell\x07", "a\u2066b", "rlm\u200f"]


def _action(roled: Roled, **fields: object) -> dict[str, object]:
    body = {"run_id": roled.run_id, "theme_ids": [roled.theme], "title": "Fix the app",
            "effective": "2026-01-01", **fields}  # fmt: skip
    return body


@pytest.mark.parametrize("bad", HOSTILE)
def test_action_titles_and_teams_refuse_control_and_bidi_characters(roled: Roled, bad: str) -> None:
    analyst = roled.as_("analyst")
    for field in ("title", "team"):
        refused = roled.client.post("/v1/actions", json=_action(roled, **{field: bad}),
                                    headers=analyst)  # fmt: skip
        assert refused.status_code == 422, (field, refused.text)
        assert "U+" in refused.json()["detail"] and bad not in refused.json()["detail"]
    made = roled.client.post("/v1/actions", json=_action(roled, team="Équipe paiements"),
                             headers=analyst)  # fmt: skip
    assert made.status_code == 201, made.text
    url = f"/v1/actions/{made.json()['action_id']}"
    for field in ("title", "team"):
        assert roled.client.patch(url, json={field: bad}, headers=analyst).status_code == 422
    kept = roled.client.get(url, headers=analyst).json()
    assert kept["title"] == "Fix the app" and kept["team"] == "Équipe paiements"


def test_a_multi_line_action_note_is_kept_but_a_bidi_override_is_not(roled: Roled) -> None:
    analyst = roled.as_("analyst")
    made = roled.client.post("/v1/actions", json=_action(roled, note="line one\nline two"),
                             headers=analyst)  # fmt: skip
    assert made.status_code == 201 and made.json()["note"] == "line one\nline two"
    refused = roled.client.post("/v1/actions", json=_action(roled, note="see \u202eevil"),
                                headers=analyst)  # fmt: skip
    assert refused.status_code == 422


@pytest.mark.parametrize("bad", HOSTILE)
def test_key_names_refuse_control_and_bidi_characters(roled: Roled, bad: str) -> None:
    admin = roled.as_("service")
    refused = roled.client.post("/v1/keys", json={"name": bad, "role": "viewer"}, headers=admin)
    assert refused.status_code == 422, refused.text
    names = [k["name"] for k in roled.client.get("/v1/keys", headers=admin).json()["data"]]
    assert bad not in names


def test_the_cli_prints_no_forged_line_for_a_key_name(roled: Roled) -> None:
    db = str(roled.client.app.state.services.settings.db)  # type: ignore[attr-defined]
    result = CliRunner().invoke(
        cli_app, ["keys", "create", "--name", "x\nINFO fake line", "--db", db]
    )
    assert result.exit_code == 2, result.output
    assert "U+000A" in result.output
    assert not any(line.startswith("INFO fake line") for line in result.output.splitlines())
    assert all(k["name"] != "x\nINFO fake line" for k in keys.list_keys(roled.store))


@pytest.mark.parametrize("bad", HOSTILE)
def test_suggestions_refuse_control_and_bidi_characters(roled: Roled, bad: str) -> None:
    viewer = roled.as_("viewer")
    base = {"run_id": roled.run_id, "theme_ids": [roled.theme]}
    bodies = [
        {**base, "kind": "rename", "label": bad},
        {**base, "kind": "move", "parent": bad},
        {"run_id": roled.run_id, "kind": "seed", "label": "Refunds", "phrases": ["ok", bad]},
    ]
    if "\n" not in bad:  # a note may span lines
        bodies.append({**base, "kind": "note", "comment": bad})
    for body in bodies:
        refused = roled.client.post("/v1/suggestions", json=body, headers=viewer)
        assert refused.status_code == 422, (body, refused.text)
    pending = roled.client.get("/v1/suggestions", headers=viewer).json()["data"]
    assert not any(bad in str(s) for s in pending)


def test_a_multi_line_note_is_accepted(roled: Roled) -> None:
    body = {"run_id": roled.run_id, "theme_ids": [roled.theme], "kind": "note",
            "comment": "Two things:\n- refunds\n- the app"}  # fmt: skip
    made = roled.client.post("/v1/suggestions", json=body, headers=roled.as_("viewer"))
    assert made.status_code == 201, made.text
    assert made.json()["comment"] == body["comment"]
