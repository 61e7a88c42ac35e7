"""Finding 7 of the second probe: the id a respondent is forgotten by is not written to the
service's access log.

``DELETE /v1/responses/ann.smith@example.com 404`` was logged as sent. A path that carries a
response id is now logged with ``{response_id}`` in its place, found or not, however its
segment is spelled, and in the log of unexpected errors too.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest
from service_fixtures import VICTIM, Roled

from api.logs import loggable_path


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("api"))


def test_forgetting_writes_no_id_to_the_access_log(
    personal: Roled, caplog: pytest.LogCaptureFixture
) -> None:
    admin = personal.as_("admin")
    with caplog.at_level(logging.INFO, logger="api"):
        for sent in (VICTIM, "nobody@example.org", "R-00042"):
            personal.client.delete(f"/v1/responses/{quote(sent, safe='')}", headers=admin)
        personal.client.delete("/v1//Responses/x%0Aann.smith@example.com", headers=admin)
    text = _logged(caplog)
    assert "DELETE /v1/responses/{response_id} 200" in text
    assert "DELETE /v1/responses/{response_id} 404" in text
    for secret in ("ann.smith", "example", "nobody", "R-00042"):
        assert secret not in text


def test_other_paths_are_logged_as_before() -> None:
    assert loggable_path("/v1/runs/run-1/themes") == "/v1/runs/run-1/themes"
    assert loggable_path("/v1/runs/x\ny") == "/v1/runs/x\\ny"
    assert loggable_path("/v1/responses/a@b.co/more") == "/v1/responses/{response_id}"
