"""`cxa serve` as a user starts it: a real process on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
from typer.testing import CliRunner

from analyzer.cli import app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_refuses_to_start_without_a_key(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("CXA_API_KEY", raising=False)
    monkeypatch.delenv("CXA_API_KEY_FILE", raising=False)
    result = CliRunner().invoke(app, ["serve", "--db", str(tmp_path / "db.duckdb")])
    assert result.exit_code == 2
    assert "insecure-local" in result.output


def test_serve_answers_health_and_guards_data(tmp_path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "CXA_API_KEY": "s3cret-key-for-tests",
        "CXA_EMBEDDING": "fake",
        "CXA_SPACY_MODEL": "blank",
        "CXA_SENTIMENT": "vader",
        "HF_HUB_OFFLINE": "1",
    }
    cmd = [sys.executable, "-m", "analyzer", "serve", "--port", str(port)]
    proc = subprocess.Popen(
        [*cmd, "--db", str(tmp_path / "db.duckdb")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.5)
        else:
            raise AssertionError("the service did not become ready in 90 s")
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.get(f"{base}/v1/runs").status_code == 401
        ok = httpx.get(f"{base}/v1/runs", headers={"X-API-Key": "s3cret-key-for-tests"})
        assert ok.status_code == 200 and ok.json()["count"] == 0
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert b"s3cret" not in out  # the key is never logged
