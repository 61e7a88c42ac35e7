"""Uploading exports, following runs by stage, listing, deleting, and failed runs."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

Fresh = Callable[..., TestClient]


def _upload(client: TestClient, name: str, content: bytes, **data: str) -> dict:  # type: ignore[type-arg]
    response = client.post("/v1/runs", files={"file": (name, content)}, data=data)
    return {"http": response.status_code, **response.json()}


def _finish(client: TestClient, run_id: str) -> dict:  # type: ignore[type-arg]
    client.app.state.services.runs.wait(timeout=120)  # type: ignore[attr-defined]
    return client.get(f"/v1/runs/{run_id}").json()


def test_an_upload_is_analysed_in_the_background(fresh: Fresh, demo_export: Path) -> None:
    client = fresh()
    created = _upload(client, "survey.csv", demo_export.read_bytes())
    assert created["http"] == 202 and created["source"] == "survey.csv"
    assert created["status"] in ("queued", "running") and created["error"] is None
    run = _finish(client, created["run_id"])
    assert run["status"] == "done" and run["error"] is None
    # ingest, text, embed, themes, sentiment (toward each theme, once the themes are known)
    assert [s["state"] for s in run["stages"]] == ["done"] * 5
    assert [s["name"] for s in run["stages"]] == ["ingest", "text", "embed", "themes", "sentiment"]
    assert run["n_responses"] == 200 and run["n_mentions"] > 200
    assert run["segments"] == ["channel", "region", "plan", "language"]
    themes = client.get(f"/v1/runs/{run['run_id']}/themes").json()
    assert themes["count"] > 0
    listed = client.get("/v1/runs").json()
    assert listed["count"] == 1 and listed["data"][0]["run_id"] == run["run_id"]


def test_a_column_mapping_can_be_sent_with_the_upload(fresh: Fresh) -> None:
    client = fresh()
    rows = ["Id,Feedback,Score,Shop"] + [
        f"r{i},The {w} was {a} and slow,{i % 11},{'north' if i % 2 else 'south'}"
        for i, (w, a) in enumerate([("app", "buggy"), ("delivery", "late"), ("staff", "rude")] * 20)
    ]
    mapping = '{"text": "Feedback", "id": "Id", "nps": "Score", "segments": ["Shop"]}'
    created = _upload(client, "x.csv", "\n".join(rows).encode(), mapping=mapping)
    assert created["http"] == 202, created
    run = _finish(client, created["run_id"])
    assert run["status"] == "done", run
    # each comment's detected language is a segment too
    assert run["n_responses"] == 60 and run["segments"] == ["shop", "language"]


@pytest.mark.parametrize(
    ("name", "content", "mapping", "expected"),
    [
        ("notes.txt", b"hello", None, "notes.txt"),
        ("noextension", b"a,b\n1,2\n", None, "no suffix"),
        ("empty.csv", b"", None, "empty.csv"),
        ("numbers.csv", b"a,b\n1,2\n3,4\n", None, "comment"),
        ("header-only.csv", b"comment,nps\n", None, "no data rows"),
        ("broken.xlsx", b"PK\x03\x04 not really a workbook", None, "broken.xlsx"),
        ("demo.csv", b"comment,nps\nfine,9\n", "{not json", "mapping"),
        ("demo.csv", b"comment,nps\nfine,9\n", '{"txt": "comment"}', "txt"),
        ("demo.csv", b"comment,nps\nfine,9\n", '{"text": "Remarks"}', "Remarks"),
    ],
)
def test_unreadable_uploads_get_422_naming_the_problem(
    client: TestClient, name: str, content: bytes, mapping: str | None, expected: str
) -> None:
    before = client.get("/v1/runs").json()["count"]
    data = {"mapping": mapping} if mapping is not None else {}
    created = _upload(client, name, content, **data)
    assert created["http"] == 422, created
    assert expected in created["detail"]
    assert "cxa-upload-" not in created["detail"]  # no temp paths
    assert client.get("/v1/runs").json()["count"] == before  # nothing queued


def test_an_upload_without_a_file_is_422(client: TestClient) -> None:
    response = client.post("/v1/runs", data={"mapping": "{}"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "file"]


def test_an_upload_over_the_limit_is_413(fresh: Fresh) -> None:
    client = fresh(max_upload_mb=1)
    big = b"comment\n" + b"the app is slow\n" * 70_000  # > 1 MB
    response = client.post("/v1/runs", files={"file": ("big.csv", big)})
    assert response.status_code == 413
    assert "1,048,576 bytes" in response.json()["detail"]
    assert "CXA_MAX_UPLOAD_MB" in response.json()["detail"]
    assert client.get("/v1/runs").json()["count"] == 0


def test_a_streamed_upload_without_length_is_cut_at_the_limit(fresh: Fresh) -> None:
    client = fresh(max_upload_mb=1)
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\ncomment\n"
    ).encode()

    def body() -> object:
        yield head
        for _ in range(300):
            yield b"the delivery was late " * 200

    response = client.post(
        "/v1/runs",
        content=body(),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 413 and "limit" in response.json()["detail"]


def test_a_failed_run_records_why_and_writes_nothing(
    fresh: Fresh, demo_export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analyzer.errors import ModelError
    from analyzer.themes import ThemeModel

    def fail(self: object, texts: object, embeddings: object, **options: object) -> None:
        raise ModelError("could not cluster these mentions")

    monkeypatch.setattr(ThemeModel, "fit", fail)
    client = fresh()
    run_id = _upload(client, "demo.csv", demo_export.read_bytes())["run_id"]
    run = _finish(client, run_id)
    assert run["status"] == "failed" and run["stage"] == "themes"
    assert "ModelError: could not cluster these mentions" in run["error"]
    states = [s["state"] for s in run["stages"]]
    assert states == ["done", "done", "done", "failed", "pending"]
    for path in ("themes", "pain-points", "rejects"):
        response = client.get(f"/v1/runs/{run_id}/{path}")
        assert response.status_code == 409 and "failed" in response.json()["detail"]
    store = client.app.state.services.store  # type: ignore[attr-defined]
    assert store.load_run(run_id).mentions.empty


def test_the_upload_is_deleted_once_its_run_ends(
    fresh: Fresh, demo_export: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.uploads

    saved: list[Path] = []
    original = api.uploads.save_upload

    def spy(stream: object, filename: str | None, root: Path | None = None) -> Path:
        saved.append(original(stream, filename, root))  # type: ignore[arg-type]
        return saved[-1]

    monkeypatch.setattr("api.routers.runs.save_upload", spy)
    client = fresh()
    run_id = _upload(client, "demo.csv", demo_export.read_bytes())["run_id"]
    assert _finish(client, run_id)["status"] == "done"
    assert saved and not saved[0].exists() and not saved[0].parent.exists()


def test_delete_removes_the_run_and_its_model(fresh: Fresh, demo_export: Path) -> None:
    client = fresh()
    run_id = _upload(client, "demo.csv", demo_export.read_bytes())["run_id"]
    _finish(client, run_id)
    services = client.app.state.services  # type: ignore[attr-defined]
    model_dir = services.settings.models_root / run_id
    assert model_dir.is_dir()
    assert client.delete(f"/v1/runs/{run_id}").status_code == 204
    assert not model_dir.exists()
    assert client.get(f"/v1/runs/{run_id}").status_code == 404
    assert client.delete(f"/v1/runs/{run_id}").status_code == 404
    assert client.get("/v1/runs").json() == {"data": [], "count": 0}


def test_runs_left_running_by_a_stopped_service_are_marked_failed(
    fresh: Fresh, make_app: Callable[..., object]
) -> None:
    client = fresh()
    store = client.app.state.services.store  # type: ignore[attr-defined]
    store.create_run("run-x", source="/tmp/cxa-upload-abc/old.csv", config={})
    store.create_run("run-alive", source="busy.csv", config={})  # this process: alive
    store.set_status("run-x", "running", stage="embed")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process that has exited, as a crashed 'cxa analyze' has
    with store.transaction("test") as con:
        con.execute(
            "UPDATE runs SET owner = ? WHERE run_id = 'run-x'",
            [f"{socket.gethostname()}:{gone.pid}"],
        )
    again = fresh()
    deadline = time.monotonic() + 10
    while again.get("/v1/runs/run-x").json()["status"] == "running":
        assert time.monotonic() < deadline
    run = again.get("/v1/runs/run-x").json()
    assert run["status"] == "failed" and "Interrupted" in run["error"]
    assert run["source"] == "old.csv"
    assert [s["state"] for s in run["stages"]] == ["done", "done", "failed", "pending", "pending"]
    assert again.get("/v1/runs/run-alive").json()["status"] == "running"


def test_runs_are_listed_newest_first_with_paging(fresh: Fresh) -> None:
    client = fresh()
    store = client.app.state.services.store  # type: ignore[attr-defined]
    for i in range(5):
        store.create_run(f"run-{i}", source=f"e{i}.csv", config={})
        store.set_status(f"run-{i}", "failed", error="x")
        time.sleep(0.002)
    page = client.get("/v1/runs", params={"limit": 2, "offset": 1}).json()
    assert page["count"] == 5
    assert [r["run_id"] for r in page["data"]] == ["run-3", "run-2"]
