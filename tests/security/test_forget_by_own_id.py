"""Finding 6 of the second probe: a respondent is forgotten by their own id.

``DELETE /v1/responses/ann.smith%40example.com`` answered 404 because the id is stored as
``[EMAIL]-f37d883a``, and ``cxa forget --response-id`` did the same. The given id is now
mapped through the same redaction and keyed hash as ingest, and through the forms earlier
versions stored (the unsalted hash; the rule that redacted card-like digit strings), and a
duplicate's ``#2`` goes with it.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import quote

import duckdb
import pandas as pd
from service_fixtures import FAST, UPLOAD_NAME, VICTIM, Roled, personal_export
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.config import make_config
from analyzer.ingest.validation import private_id
from analyzer.pipeline import analyze_and_store
from analyzer.privacy.forget import forget_response
from analyzer.store import Store

CARD_LIKE = "4111111111111111"


def _ids(store: Store, run_id: str) -> list[str]:
    return store.load_run(run_id).responses["response_id"].astype(str).tolist()


def test_the_api_forgets_a_respondent_by_their_e_mail_and_phone(personal: Roled) -> None:
    store, admin = personal.store, personal.as_("admin")
    before = _ids(store, personal.run_id)
    assert sum(i.startswith("[EMAIL]-") for i in before) == 2  # the id and its "#2"
    gone = personal.client.delete(f"/v1/responses/{quote(VICTIM, safe='')}", headers=admin)
    assert gone.status_code == 200, gone.text
    assert gone.json()["rows"]["responses"] == 2
    phone = personal.client.delete(  # --source by the file's own (personal) name works too
        f"/v1/responses/{quote('+1 415 555 0100')}", params={"source": UPLOAD_NAME}, headers=admin
    )
    assert phone.status_code == 200 and phone.json()["rows"]["responses"] == 1
    after = _ids(store, personal.run_id)
    assert not any(i.startswith(("[EMAIL]-", "[PHONE]-")) for i in after)
    assert len(after) == len(before) - 3
    again = personal.client.delete(f"/v1/responses/{quote(VICTIM, safe='')}", headers=admin)
    assert again.status_code == 404


def test_ids_stored_by_earlier_versions_are_forgotten_too(tmp_path: Path) -> None:
    export = personal_export(tmp_path, rows=40)
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    frame.loc[6, "response_id"] = CARD_LIKE
    frame.to_csv(export, index=False)
    db = tmp_path / "cxa.duckdb"
    run_id, _ = analyze_and_store(export, Store(db), config=make_config(**FAST))
    store = Store(db)
    ids = _ids(store, run_id)
    assert CARD_LIKE in ids  # kept as given today
    unsalted = private_id(VICTIM)  # stored before the store had a key
    as_card = "[CARD]-" + hashlib.sha256(CARD_LIKE.encode()).hexdigest()[:8]  # before ids were ids
    with duckdb.connect(str(db)) as con:
        for old, new in ((ids[0], unsalted), (CARD_LIKE, as_card)):
            for table in ("responses", "mentions"):
                con.execute(
                    f"UPDATE {table} SET response_id = replace(response_id, ?, ?)", [old, new]
                )
    assert {unsalted, unsalted + "#2", as_card} <= set(_ids(store, run_id))

    result = CliRunner().invoke(app, ["forget", "--response-id", VICTIM, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "responses 2" in result.output and VICTIM not in result.output
    assert forget_response(store, CARD_LIKE, actor="test").rows["responses"] == 1
    left = set(_ids(store, run_id))
    assert not {unsalted, unsalted + "#2", as_card} & left
    assert len(left) == len(ids) - 3
