"""What a hostile user found (issue 16, section 4), each reproduced with its request.

Each test failed before its fix; the request that reproduced the finding is in the test.
Tests that need a real ``cxa serve`` process are in ``test_serve_hostile.py``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import csv
import io
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from analyzer.cli import app as cli_app
from api.uploads import scrub

Fresh = Callable[..., TestClient]
MakeApp = Callable[..., FastAPI]


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _wide_export(n_columns: int) -> bytes:
    """The hostile export: a comment, an NPS and ``n_columns`` numeric columns, 5 rows."""
    header = ["comment", "nps", *(f"m{i}" for i in range(n_columns))]
    rows = [[f"the app crashes {r}", 5, *(i % 7 for i in range(n_columns))] for r in range(5)]
    return _csv(header, rows)


def _wait_done(client: TestClient, run_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        run: dict[str, Any] = client.get(f"/v1/runs/{run_id}").json()
        if run["status"] in ("done", "failed"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.1)


# -- High: 50,000 columns -----------------------------------------------------------------------


def test_an_export_with_50000_columns_is_refused_at_once_naming_the_limit(
    client: TestClient,
) -> None:
    # POST /v1/runs with a 839 KB CSV of 50,002 columns and 5 rows was accepted after 65 s.
    body = _wide_export(50_000)
    assert len(body) > 800_000
    before = client.get("/v1/runs").json()["count"]
    response = client.post("/v1/runs", files={"file": ("wide.csv", body)})
    assert response.status_code == 422, response.text[:300]
    detail = response.json()["detail"]
    assert "wide.csv" in detail and "50,002 columns" in detail and "1,000" in detail
    assert "CXA_MAX_COLUMNS" in detail
    assert client.get("/v1/runs").json()["count"] == before


@pytest.mark.parametrize(
    ("limits", "header", "mapping", "expected"),
    [
        ({"max_columns": 6}, ["comment", "nps", "a", "b", "c", "d", "e"], None, "7 columns"),
        (
            {"max_segments": 2},
            ["comment", "channel", "region", "plan"],
            None,
            "3 segment columns",
        ),
        (
            {"max_segments": 2},
            ["comment", "x", "y", "z"],
            '{"segments": ["x", "y", "z"]}',
            "3 segment columns",
        ),
        ({"max_metrics": 2}, ["comment", "m1", "m2", "m3"], None, "3 metric columns"),
    ],
)
def test_columns_segments_and_metrics_are_bounded_by_settings(
    fresh: Fresh,
    limits: dict[str, int],
    header: list[str],
    mapping: str | None,
    expected: str,
) -> None:
    client = fresh(**limits)
    rows = [["the app crashes", *(["3"] * (len(header) - 1))] for _ in range(5)]
    data = {"mapping": mapping} if mapping else {}
    response = client.post("/v1/runs", files={"file": ("x.csv", _csv(header, rows))}, data=data)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert expected in detail and "x.csv" in detail
    setting = "CXA_" + next(iter(limits)).upper()
    assert setting in detail
    assert client.get("/v1/runs").json()["count"] == 0


def test_the_cli_names_the_file_and_the_limit(tmp_path: Path) -> None:
    export = tmp_path / "wide.csv"
    export.write_bytes(_wide_export(2_000))
    result = CliRunner().invoke(cli_app, ["analyze", str(export), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "wide.csv" in result.output and "2,002 columns" in result.output
    assert "CXA_MAX_COLUMNS" in result.output


# -- Medium: a 100,000-character run id ---------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/v1/runs/{long}",
        "/v1/runs/{long}/themes",
        "/v1/runs/{long}/themes/1",
        "/v1/runs/{long}/pain-points",
        "/v1/runs/{long}/scores",
        "/v1/runs/{long}/rejects",
        "/v1/runs/{long}/search?q=app",
        "/v1/scored/{long}/themes",
    ],
)
def test_long_path_parameters_get_a_short_422(client: TestClient, path: str) -> None:
    # GET /v1/runs/xxxx...x (100,000 characters) froze the service for 7 s; httpx sends at
    # most 65,536 (test_serve_hostile.py sends 100,000 to a real process).
    response = client.get(path.format(long="x" * 60_000))
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "at most 128 characters" in detail and len(detail) < 500


def test_a_long_run_id_in_a_body_gets_a_short_422(client: TestClient) -> None:
    response = client.post("/v1/score", json={"comments": [{"text": "x"}], "run_id": "x" * 5000})
    assert response.status_code == 422 and len(response.json()["detail"]) < 500


def _seconds(text: str, number: int) -> float:
    """Seconds per ``scrub(text)``: the best of 3 rounds of ``number`` calls."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        for _ in range(number):
            scrub(text)
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def test_scrubbing_paths_from_messages_is_linear() -> None:
    """Ten times the text may take about ten times as long, never a hundred (quadratic).

    The inputs are the worst cases of the old pattern ``\\S*cxa-upload-[^/\\s]+[/\\]``:
    one long word without the prefix, and a word repeating the prefix without a separator.
    """
    for unit in ("x", "cxa-upload-"):
        small, large = unit * (10_000 // len(unit)), unit * (100_000 // len(unit))
        ratio = _seconds(large, 5) / _seconds(small, 50)
        assert ratio < 50, (unit, ratio)


def _unbounded(parsed: Any) -> bool:
    """Whether a parsed regular expression repeats anything without an upper bound."""
    from re import _constants as c  # type: ignore[attr-defined]

    for op, arg in parsed:
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            inner: list[Any] = [arg[2]]
            if arg[1] == c.MAXREPEAT:
                return True
        elif op == c.SUBPATTERN:
            inner = [arg[-1]]
        else:
            inner = list(arg[1]) if op == c.BRANCH else []
        if any(_unbounded(part) for part in inner):
            return True
    return False


def test_the_scrub_pattern_repeats_nothing_without_bound() -> None:
    """By construction: a bounded pattern cannot backtrack more than its bound per start."""
    import re._parser as parser  # type: ignore[import-not-found]

    from api import uploads

    assert _unbounded(parser.parse(r"\S*cxa-upload-[^/\\\s]+[/\\]"))  # the old pattern
    assert not _unbounded(parser.parse(uploads._TEMP_FOLDER.pattern))


def test_scrub_removes_upload_folders_only() -> None:
    assert scrub("cannot read /tmp/cxa-upload-ab12_x9/export.csv: bad") == (
        "cannot read export.csv: bad"
    )
    assert scrub("'C:\\Temp\\cxa-upload-abc\\e.csv' and /tmp/cxa-upload-q/f.csv") == (
        "'e.csv' and f.csv"
    )
    assert scrub("/tmp/cxa-upload-a/b-cxa-upload-c.csv") == "b-cxa-upload-c.csv"
    assert scrub("No run 'x' in the store") == "No run 'x' in the store"


# -- Medium: forged access-log lines ------------------------------------------------------------


def test_control_characters_in_paths_are_escaped_in_the_access_log(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    bare = TestClient(client.app)  # no key: anyone can do this
    forged = "/v1/runs/x%0A2026-11-30 12:00:00,000 INFO api.access: DELETE /v1/runs/ALL 204"
    with caplog.at_level(logging.INFO, logger="api.access"):
        bare.get(forged)
        bare.get("/v1/runs/y%0D%00%1B%E2%80%AEz")
    lines = [r.getMessage() for r in caplog.records if r.name == "api.access"]
    assert len(lines) == 2
    for line in lines:
        assert not re.search(r"[\x00-\x1f\x7f\u2028\u2029\u202e]", line), repr(line)
    assert "x\\n2026-11-30" in lines[0]
    assert "y\\r\\x00\\x1bz" in lines[1].replace("\\u202e", "")


def test_the_service_log_formatter_escapes_every_record() -> None:
    from api.logs import SafeFormatter

    formatter = SafeFormatter("%(levelname)s %(name)s: %(message)s")
    record = logging.LogRecord(
        "uvicorn.error", logging.WARNING, __file__, 1, "bad %s", ("a\nb\rc\x00",), None
    )
    assert formatter.format(record) == "WARNING uvicorn.error: bad a\\nb\\rc\\x00"


# -- Low: the key is checked before the body is read --------------------------------------------


def test_a_keyless_upload_gets_401_without_its_body_being_read(make_app: MakeApp) -> None:
    app = make_app()
    size, chunk = 5 * 1024 * 1024, 64 * 1024
    reads = 0

    async def receive() -> dict[str, Any]:
        nonlocal reads
        reads += 1
        return {"type": "http.request", "body": b"x" * chunk, "more_body": reads * chunk < size}

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/v1/runs",
        "raw_path": b"/v1/runs",
        "root_path": "",
        "query_string": b"",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"multipart/form-data; boundary=b0undary"),
            (b"content-length", str(size).encode()),
        ],
    }
    # in a thread of its own: an earlier test (Playwright's sync API) may leave an event loop
    # running in this one, and asyncio.run refuses to start under a running loop
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    assert sent[0]["status"] == 401
    assert reads == 0


# -- Low: security headers ----------------------------------------------------------------------


def test_data_responses_carry_the_security_headers(client: TestClient, run_id: str) -> None:
    bare = TestClient(client.app)
    for response in (
        client.get(f"/v1/runs/{run_id}/scores"),
        client.get("/v1/runs/nope"),
        bare.get("/v1/runs"),  # 401
    ):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_pages_keep_their_policies_and_cannot_be_framed(client: TestClient) -> None:
    bare = TestClient(client.app)
    for path in ("/dashboard", "/docs", "/docs/oauth2-redirect"):
        response = bare.get(path)
        assert response.status_code == 200
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
    plotly = bare.get("/dashboard/plotly.min.js")
    assert plotly.headers["cache-control"] == "public, max-age=86400"  # not data
    assert plotly.headers["x-content-type-options"] == "nosniff"


# -- Low: the Host header -----------------------------------------------------------------------


@pytest.mark.parametrize("insecure", [False, True])
def test_only_configured_hosts_are_answered(
    make_app: MakeApp, api_key: str, insecure: bool
) -> None:
    """DNS rebinding: a page of evil.example resolving to 127.0.0.1 must get no answer."""
    options: dict[str, object] = {"allowed_hosts": None}  # the default, not the tests' list
    if insecure:
        options |= {"api_key": None, "insecure_local": True}
    app = make_app(**options)
    for base in ("http://localhost:8000", "http://127.0.0.1:8000", "http://[::1]:8000"):
        response = TestClient(app, base_url=base, headers={"X-API-Key": api_key}).get("/v1/runs")
        assert response.status_code == 200, (base, response.text)
    for base in ("http://evil.example:8000", "http://testserver", "http://127.0.0.1.evil.example"):
        client = TestClient(app, base_url=base, headers={"X-API-Key": api_key})
        assert client.get("/v1/runs").status_code == 400, base
        assert client.get("/dashboard").status_code == 400, base


def test_allowed_hosts_come_from_the_settings(
    make_app: MakeApp, api_key: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api.settings import Settings

    monkeypatch.setenv("CXA_ALLOWED_HOSTS", "cx.example.com, *.corp.example")
    assert Settings().allowed_hosts == ["cx.example.com", "*.corp.example"]
    app = make_app(allowed_hosts=["cx.example.com", "*.corp.example"])
    headers = {"X-API-Key": api_key}
    for base, status in (
        ("https://cx.example.com", 200),
        ("https://a.corp.example", 200),
        ("http://localhost:8000", 400),  # a list replaces the default
    ):
        assert TestClient(app, base_url=base, headers=headers).get("/v1/runs").status_code == status


# -- Low: personal data in non-comment cells ----------------------------------------------------


def test_ids_and_reject_values_are_redacted_in_rejects_and_search(fresh: Fresh) -> None:
    # An email typed into the NPS column and emails used as response ids came back verbatim.
    export = _csv(
        ["id", "comment", "nps"],
        [
            ["ann.lee@example.com", "The app crashes when I pay", "bob@example.org"],
            ["ann.lee@example.com", "Delivery was late again", "3"],
            ["r-3", "The app crashes at checkout", "+44 20 7946 0958"],
            ["r-4", "Support was friendly and quick", "9"],
        ],
    )
    client = fresh()
    created = client.post("/v1/runs", files={"file": ("pii.csv", export)}).json()
    run = _wait_done(client, created["run_id"])
    assert run["status"] == "done", run
    rejects = client.get(f"/v1/runs/{run['run_id']}/rejects").json()["data"]
    hits = client.get(f"/v1/runs/{run['run_id']}/search", params={"q": "app crash"}).json()
    text = str(rejects) + str(hits)
    for secret in ("ann.lee", "example.com", "bob@", "7946"):
        assert secret not in text
    nps = [r["value"] for r in rejects if r["column"] == "nps"]
    assert nps == ["[EMAIL]", "[PHONE]"]
    ids = {h["response_id"] for h in hits["data"]}
    assert "r-3" in ids and any(re.fullmatch(r"\[EMAIL\]-[0-9a-f]{8}", i) for i in ids)


def test_redacted_ids_stay_unique_and_stable() -> None:
    import pandas as pd

    from analyzer.ingest import validate

    raw = pd.DataFrame(
        {
            "id": ["ann@example.com", "ann@example.com", "bob@example.com", "42"],
            "comment": ["a"] * 4,
        }
    )
    first = validate(raw, source="x.csv", mapping=None)
    again = validate(raw, source="x.csv", mapping=None)
    ids = first.responses["response_id"].tolist()
    assert ids == again.responses["response_id"].tolist()
    assert len(set(ids)) == 4 and ids[3] == "42"
    assert ids[1] == ids[0] + "#2" and ids[0] != ids[2]
    assert all(i.startswith("[EMAIL]-") for i in ids[:3])
    assert "ann@" not in first.rejects.to_string()


# -- Low: theme labels with control and bidi characters ----------------------------------------


@pytest.fixture(scope="module")
def editable(
    app_with_run: Callable[[str, Path], tuple[FastAPI, str]], small_export: Path, api_key: str
) -> tuple[TestClient, str]:
    """A run of its own for the edits (a refused edit that went through would change it)."""
    app, run_id = app_with_run("labels", small_export)
    return TestClient(app, headers={"X-API-Key": api_key}), run_id


@pytest.mark.parametrize("label", ["bad\x00label", "\u202eevil label", "two\nlines", "a\u2066b"])
def test_labels_with_control_or_bidi_characters_are_refused(
    editable: tuple[TestClient, str], label: str
) -> None:
    client, run_id = editable
    theme = client.get(f"/v1/runs/{run_id}/themes").json()["data"][0]
    url = f"/v1/runs/{run_id}/themes/{theme['theme_id']}"
    for body in ({"label": label}, {"owner": label}):
        response = client.patch(url, json=body)
        assert response.status_code == 422, response.text
        assert "character" in response.json()["detail"]
    ids = [t["theme_id"] for t in client.get(f"/v1/runs/{run_id}/themes").json()["data"][:2]]
    merge = client.post(f"/v1/runs/{run_id}/themes/merge", json={"theme_ids": ids, "label": label})
    assert merge.status_code == 422
    after = client.get(url).json()
    assert after["label"] == theme["label"] and after["owner"] == theme["owner"]


def test_the_cli_refuses_such_labels_with_a_clear_error(editable: tuple[TestClient, str]) -> None:
    client, run_id = editable
    db = str(client.app.state.services.settings.db)  # type: ignore[attr-defined]
    runner = CliRunner()
    result = runner.invoke(cli_app, ["themes", "rename", "0", "\u202eevil", "--db", db])
    assert result.exit_code == 2, result.output
    assert "U+202E" in result.output and "label" in result.output
    result = runner.invoke(cli_app, ["themes", "owner", "0", "team\x07", "--db", db])
    assert result.exit_code == 2 and "U+0007" in result.output
    themes = client.get(f"/v1/runs/{run_id}/themes").json()["data"]
    assert not any("evil" in t["label"] or "team" in str(t["owner"]) for t in themes)


# -- Low: 404 messages name the bad id only ----------------------------------------------------


def test_not_found_messages_name_the_bad_id_only(client: TestClient, run_id: str) -> None:
    # score=csat: not the default view, which test_api_service needs uncached.
    listed = client.get(f"/v1/runs/{run_id}/themes", params={"score": "csat"}).json()["data"]
    themes = [t["theme_id"] for t in listed]
    listing = ", ".join(map(str, sorted(themes)[:3]))
    for response, bad in (
        (client.get("/v1/runs/nope"), "nope"),
        (client.get(f"/v1/runs/{run_id}/themes/9999", params={"score": "csat"}), "9999"),
        (client.patch(f"/v1/runs/{run_id}/themes/9999", json={"label": "x y"}), "9999"),
        (client.post("/v1/score", json={"comments": [{"text": "x"}], "model": "nope"}), "nope"),
    ):
        assert response.status_code == 404, response.text
        detail = response.json()["detail"]
        assert bad in detail
        if bad == "9999":
            assert listing not in detail
        else:
            assert run_id not in detail


def test_an_unknown_scored_export_is_not_listed_with_the_others(fresh: Fresh) -> None:
    client = fresh()
    store = client.app.state.services.store  # type: ignore[attr-defined]
    store.start_scoring("a1b2c3", source="s.csv", model="m", embedding="fake", fresh=True)
    response = client.get("/v1/scored/zzz/themes")
    assert response.status_code == 404
    assert "zzz" in response.json()["detail"] and "a1b2c3" not in response.json()["detail"]


def test_a_run_with_many_metric_columns_loads_in_one_go(tmp_path: Path) -> None:
    """Loading built the frame one column at a time: quadratic, with a PerformanceWarning
    per insert past 100 columns (18,596 of them in the service log for 50,000)."""
    import warnings

    import pandas as pd

    from analyzer.store import Store

    names = [f"m{i}" for i in range(300)]
    responses = pd.DataFrame(
        {
            "response_id": ["a", "b"],
            "row": [2, 3],
            "date": pd.to_datetime(["2026-01-01", None]),
            "comment": ["x", "y"],
            "nps": pd.array([1, None], dtype="Int64"),
            "csat": pd.array([None, None], dtype="Int64"),
            "ces": pd.array([None, None], dtype="Int64"),
            "channel": ["app", None],
        }
    )
    responses = pd.concat(
        [responses, pd.DataFrame({n: [float(i), None] for i, n in enumerate(names)})], axis=1
    )
    store = Store(tmp_path / "s.duckdb")
    store.create_run("r", source="x.csv", config={})
    empty = pd.DataFrame()
    store.write_results(
        "r",
        responses=responses,
        mentions=pd.DataFrame(columns=["mention_id", "response_id", "theme_id"]),
        themes=pd.DataFrame(columns=["theme_id", "label", "keywords", "examples"]),
        rejects=empty,
        segments=["channel"],
        metrics=names,
        info={},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        loaded = store.load_run("r").responses
    assert loaded["m299"].tolist()[0] == pytest.approx(299.0, abs=1e-9)
    assert pd.isna(loaded["m299"].tolist()[1])
    assert loaded["channel"].tolist()[0] == "app" and loaded["channel"].isna().tolist()[1]
    assert list(loaded.columns[-301:]) == ["channel", *names]
