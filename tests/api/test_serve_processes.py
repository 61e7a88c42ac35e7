"""`cxa serve` and the CLI on one store at the same time, and `kill -9` of the service:
real processes, the fake models."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from procs import STARTED, Server, cxa, wait_for

from analyzer import demo
from analyzer.store import Store, jobs


@pytest.fixture(autouse=True)
def _stop_servers() -> Iterator[None]:
    """Stop every server a test started, also when it failed half-way."""
    yield
    while STARTED:
        STARTED.pop().stop()


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("exports")
    first, _ = demo.write(folder / "first.csv", 120, seed=5)
    second, _ = demo.write(folder / "second.csv", 90, seed=6)
    return Path(first), Path(second)


def _read_forever(server: Server, run_id: str, stop: threading.Event, codes: list[int]) -> None:
    paths = ["/v1/runs", "/v1/scored", f"/v1/runs/{run_id}/themes", f"/v1/runs/{run_id}/scores"]
    while not stop.is_set():
        for path in paths:
            codes.append(server.http.get(path).status_code)


def test_cli_writes_while_the_service_reads_and_the_service_sees_them(
    tmp_path: Path, exports: tuple[Path, Path]
) -> None:
    first, second = exports
    store_dir = tmp_path / "store"
    assert cxa("analyze", first, "--out", store_dir, "--model", "fake").returncode == 0
    db = store_dir / "cxa.duckdb"
    run_id = Store(db).latest_run()
    server = Server(db, tmp_path / "serve.log").wait_ready()
    stop, codes = threading.Event(), []  # type: ignore[var-annotated]
    readers = [
        threading.Thread(target=_read_forever, args=(server, run_id, stop, codes)) for _ in range(3)
    ]
    try:
        assert server.http.get("/v1/scored").json()["count"] == 0
        for reader in readers:
            reader.start()
        score = cxa(
            "score", second, "--model", store_dir / "model", "--out", tmp_path / "scored",
            "--db", db, "--embedding", "fake", "--spacy-model", "blank", "--sentiment", "vader",
            "--chunk-rows", "30",
        )  # fmt: skip
        assert score.returncode == 0, score.stderr
        again = cxa("analyze", second, "--out", store_dir, "--model", "fake")
        assert again.returncode == 0, again.stderr
        renamed = cxa("themes", "rename", "0", "renamed by the cli", "--db", db, "--run", run_id)
        assert renamed.returncode == 0, renamed.stderr
        stop.set()
        for reader in readers:
            reader.join()
        scored = server.http.get("/v1/scored").json()
        assert scored["count"] == 1 and scored["data"][0]["status"] == "done"
        fingerprint = scored["data"][0]["fingerprint"]
        themes = server.http.get(f"/v1/scored/{fingerprint}/themes").json()
        assert themes["theme_labels"] == "model" and sum(t["responses"] for t in themes["data"]) > 0
        runs = server.http.get("/v1/runs").json()
        assert runs["count"] == 2 and {r["status"] for r in runs["data"]} == {"done"}
        labels = {
            t["theme_id"]: t["label"]
            for t in server.http.get(f"/v1/runs/{run_id}/themes", params={"limit": 500}).json()[
                "data"
            ]
        }
        assert labels[0] == "renamed by the cli"
    finally:
        stop.set()
        server.stop()
    assert codes and set(codes) == {200}, sorted(set(codes))


def _upload(server: Server, export: Path) -> str:
    response = server.http.post("/v1/runs", files={"file": (export.name, export.read_bytes())})
    assert response.status_code == 202, response.text
    return str(response.json()["run_id"])


def test_kill_9_during_a_run_with_one_queued_then_restarts(
    tmp_path: Path, exports: tuple[Path, Path]
) -> None:
    first, second = exports
    db, log, marker = tmp_path / "cxa.duckdb", tmp_path / "serve.log", tmp_path / "paused"
    pause = {"CXA_PAUSE_AT": "analyze.embed", "CXA_PAUSE_MARKER": str(marker)}

    server = Server(db, log, **pause).wait_ready()
    running = _upload(server, first)
    wait_for(marker, server.proc, 120)  # the first run is in its embedding stage
    queued = _upload(server, second)
    assert server.http.get(f"/v1/runs/{queued}").json()["status"] == "queued"
    server.kill()
    marker.unlink()
    states = {job.job_id: (job.status, job.attempts) for job in jobs.pending(Store(db))}
    assert states == {running: ("running", 1), queued: ("queued", 0)}

    # Restarted, and killed again in the same run: its second interruption.
    server = Server(db, log, **pause).wait_ready()
    wait_for(marker, server.proc, 120)
    server.kill()

    server = Server(db, log).wait_ready()
    try:
        crashed, resumed = server.wait_run(running), server.wait_run(queued)
    finally:
        server.stop()
    assert crashed["status"] == "failed"
    assert "Interrupted 2 times" in str(crashed["error"])
    assert resumed["status"] == "done" and resumed["n_responses"] == 90
    assert jobs.pending(Store(db)) == []
    assert not any((tmp_path / "uploads").iterdir())  # every upload removed once its job ended


def test_a_run_interrupted_once_is_run_again_after_a_restart(
    tmp_path: Path, exports: tuple[Path, Path]
) -> None:
    first, _ = exports
    db, log, marker = tmp_path / "cxa.duckdb", tmp_path / "serve.log", tmp_path / "paused"
    server = Server(
        db, log, CXA_PAUSE_AT="store.commit:write_results", CXA_PAUSE_MARKER=str(marker)
    )
    run_id = _upload(server.wait_ready(), first)
    wait_for(marker, server.proc, 120)  # inside the transaction that writes its tables
    server.kill()
    assert Store(db).load_run(run_id).responses.empty  # nothing of it was committed
    server = Server(db, log).wait_ready()
    try:
        run = server.wait_run(run_id)
    finally:
        server.stop()
    assert run["status"] == "done" and run["n_responses"] == 120
    assert len(Store(db).load_run(run_id).responses) == 120
