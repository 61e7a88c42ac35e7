"""Hostile requests against a real ``cxa serve`` process (issue 16, section 4).

A raw socket sends what a client library would refuse or fix: a body announced but never
sent, a Host header of another site, control characters in the path.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

KEY = "hostile-tests-key-0123"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path]]:
    """``cxa serve`` with the fake models on a free port; its port and its log file."""
    port = _free_port()
    env = {
        **os.environ,
        "CXA_API_KEY": KEY,
        "CXA_EMBEDDING": "fake",
        "CXA_SPACY_MODEL": "blank",
        "CXA_SENTIMENT": "vader",
        "HF_HUB_OFFLINE": "1",
    }
    env.pop("CXA_ALLOWED_HOSTS", None)
    folder = tmp_path_factory.mktemp("serve-hostile")
    cmd = [sys.executable, "-m", "analyzer", "serve", "--port", str(port)]
    log = folder / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*cmd, "--db", str(folder / "db.duckdb")], env=env, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service did not become ready in 90 s"
            time.sleep(0.3)
        yield port, log
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _raw(port: int, request: bytes, timeout: float = 10) -> bytes:
    """Send ``request`` as is and return the status line and headers of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request)
        answer = b""
        while b"\r\n\r\n" not in answer:
            piece = sock.recv(65536)
            if not piece:
                break
            answer += piece
    return answer


def test_a_keyless_upload_is_refused_before_its_body_arrives(service: tuple[int, Path]) -> None:
    # A keyless 5 MB upload got its 401 only after the whole body was read. Here the body is
    # announced and never sent: the answer must come anyway.
    port, _ = service
    request = (
        "POST /v1/runs HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: multipart/form-data; boundary=b0undary\r\n"
        f"Content-Length: {5 * 1024 * 1024}\r\n\r\n"
    ).encode()
    answer = _raw(port, request)
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


def test_another_host_gets_400_and_localhost_names_are_answered(
    service: tuple[int, Path],
) -> None:
    port, _ = service
    for host, status in (
        ("evil.example", b"400"),
        (f"evil.example:{port}", b"400"),
        (f"localhost:{port}", b"200"),
        (f"127.0.0.1:{port}", b"200"),
        (f"[::1]:{port}", b"200"),
    ):
        request = f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        answer = _raw(port, request.encode())
        assert answer.split(b" ")[1] == status, (host, answer[:200])


def test_a_100000_character_run_id_gets_a_422(service: tuple[int, Path]) -> None:
    # GET /v1/runs/xxxx...x (100,000 characters) froze the service for 7 s, /healthz too.
    port, _ = service
    request = f"GET /v1/runs/{'x' * 100_000} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: {KEY}\r\n"
    answer = _raw(port, (request + "Connection: close\r\n\r\n").encode(), timeout=30)
    assert answer.startswith(b"HTTP/1.1 422"), answer[:300]
    assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200


def test_forged_log_lines_are_escaped(service: tuple[int, Path]) -> None:
    # GET /v1/runs/x%0A2026-11-30 ... INFO api.access: DELETE /v1/runs/ALL wrote a second,
    # forged line to the service log; %0D and %00 were written raw too.
    port, log = service
    forged = "/v1/runs/x%0A2026-11-30%2012:00:00,000%20INFO%20api.access:%20DELETE%20/v1/runs/ALL"
    for path in (forged, "/v1/runs/y%0D%00z"):
        request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        assert _raw(port, request.encode()).startswith(b"HTTP/1.1 401")
    deadline = time.monotonic() + 10
    while b"y\\r\\x00z" not in log.read_bytes():
        assert time.monotonic() < deadline, log.read_bytes()[-2000:]
        time.sleep(0.1)
    text = log.read_bytes()
    assert b"\r" not in text and b"\x00" not in text
    lines = text.decode().splitlines()
    assert not any(line.startswith("2026-11-30 12:00:00,000") for line in lines)
    assert any("GET /v1/runs/x\\n2026-11-30 12:00:00,000 INFO" in line for line in lines)
