"""Finding 14 of the second probe: suggestion notes are redacted, and forgetting covers them.

A note ("Ann Lee, ann.lee@example.com, +44 20 7946 0958, says the app crashed") was kept as
typed, and forgetting a respondent left the notes that quote them. Notes and seed phrases are
now redacted as comments are (patterns, and person names with the service's spaCy model);
forgetting replaces a note's quotes of the respondent (their longer texts, their id) with
``[FORGOTTEN]``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from service_fixtures import (
    HEADERS,
    VICTIM,
    VICTIM_COMMENT,
    Roled,
    add_run,
    make_settings,
    personal_export,
    wait_ready,
)

from analyzer.loop import suggestions
from analyzer.privacy.forget import FORGOTTEN
from api.main import create_app

NOTE = "Ann Lee (ann.lee@example.com, +44 20 7946 0958) says the app crashed at checkout"


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, str]]:
    """A service whose text model finds names (en_core_web_sm), with one run."""
    folder = tmp_path_factory.mktemp("notes")
    settings = make_settings(folder, spacy_model="en_core_web_sm")
    run_id = add_run(settings, personal_export(folder, rows=40))
    with TestClient(create_app(settings), headers=HEADERS) as client:
        wait_ready(client)
        yield client, run_id


def _note(client: TestClient, run_id: str, comment: str, **extra: object) -> dict[str, object]:
    theme = client.get(f"/v1/runs/{run_id}/themes").json()["data"][0]["theme_id"]
    body = {"run_id": run_id, "kind": "note", "theme_ids": [theme], "comment": comment, **extra}
    made = client.post("/v1/suggestions", json=body)
    assert made.status_code == 201, made.text
    return made.json()  # type: ignore[no-any-return]


def test_a_note_is_stored_redacted(named: tuple[TestClient, str]) -> None:
    client, run_id = named
    made = _note(client, run_id, NOTE)
    assert made["comment"] == "[PERSON] ([EMAIL], [PHONE]) says the app crashed at checkout"
    listed = client.get("/v1/suggestions").text
    for secret in ("Ann Lee", "ann.lee", "7946"):
        assert secret not in listed


def test_seed_phrases_are_redacted_too(named: tuple[TestClient, str]) -> None:
    client, run_id = named
    phrases = ["refund from bob@example.org never came", "refund still pending"]
    body = {"run_id": run_id, "kind": "seed", "label": "Refund delays", "phrases": phrases}
    made = client.post("/v1/suggestions", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["payload"]["phrases"][0] == "refund from [EMAIL] never came"


def test_the_library_redacts_a_note_by_patterns_without_a_model(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    run_id = add_run(settings, personal_export(tmp_path, rows=40))
    from analyzer.store import Store

    store = Store(settings.db)
    theme = int(store.load_run(run_id).themes["theme_id"].iloc[0])
    made = suggestions.suggest(
        store, run_id=run_id, kind="note", theme_ids=[theme], author="t", comment=NOTE
    )
    assert made["comment"] == "Ann Lee ([EMAIL], [PHONE]) says the app crashed at checkout"


def test_forgetting_a_respondent_removes_their_quotes_from_notes(personal: Roled) -> None:
    client, run_id = personal.client, personal.run_id
    viewer = personal.as_("viewer")
    stored = personal.store.load_run(run_id)
    victim = stored.mentions[stored.mentions["response_id"].str.startswith("[EMAIL]-")]
    quote_text = max(victim["text"].astype(str), key=len)
    assert len(quote_text) >= 20 and quote_text in VICTIM_COMMENT
    rid = str(victim["response_id"].iloc[0])
    body = {"run_id": run_id, "kind": "note", "theme_ids": [personal.theme],
            "comment": f'Respondent {rid} wrote "{quote_text}". Worth a look.'}  # fmt: skip
    made = client.post("/v1/suggestions", json=body, headers=viewer)
    assert made.status_code == 201, made.text
    other = client.post(
        "/v1/suggestions", headers=viewer,
        json={**body, "comment": "Deliveries are late in the north"},
    )  # fmt: skip
    assert other.status_code == 201
    gone = client.delete(f"/v1/responses/{quote(VICTIM, safe='')}", headers=personal.as_("admin"))
    assert gone.status_code == 200, gone.text
    after = client.get(f"/v1/suggestions/{made.json()['suggestion_id']}", headers=viewer).json()
    assert after["comment"] == f'Respondent {FORGOTTEN} wrote "{FORGOTTEN}". Worth a look.'
    kept = client.get(f"/v1/suggestions/{other.json()['suggestion_id']}", headers=viewer).json()
    assert kept["comment"] == "Deliveries are late in the north"
