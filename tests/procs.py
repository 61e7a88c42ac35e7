"""Real processes for the crash and concurrency tests: ``cxa`` commands, ``cxa serve``, and
stopping one at a named point (:mod:`analyzer.faults`) to kill it with SIGKILL there."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

KEY = "process-test-key"
FAST_ENV = {
    "CXA_EMBEDDING": "fake",
    "CXA_SPACY_MODEL": "blank",
    "CXA_SENTIMENT": "vader",
    "CXA_USE_CACHE": "false",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}
ROOT = Path(__file__).resolve().parents[1]


def env(**extra: str) -> dict[str, str]:
    """This environment with the fake models, this checkout first on the path, and
    ``extra``; never a pause point unless ``extra`` sets one."""
    out = {k: v for k, v in os.environ.items() if not k.startswith("CXA_PAUSE")}
    path = os.pathsep.join(p for p in (str(ROOT), out.get("PYTHONPATH", "")) if p)
    return {**out, **FAST_ENV, "PYTHONPATH": path, **extra}


def cxa(*args: str | Path, **extra: str) -> subprocess.CompletedProcess[str]:
    """Run ``cxa ARGS`` to the end; its output in the result."""
    cmd = [sys.executable, "-m", "analyzer", *map(str, args)]
    return subprocess.run(cmd, env=env(**extra), capture_output=True, text=True, timeout=1800)


def kill_at(point: str, marker: Path, *args: str | Path, timeout: float = 300) -> None:
    """Run ``cxa ARGS`` until it reaches the fault point ``point``, then SIGKILL it there."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", *map(str, args)],
        env=env(CXA_PAUSE_AT=point, CXA_PAUSE_MARKER=str(marker)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for(marker, proc, timeout)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    marker.unlink()


def wait_for(marker: Path, proc: subprocess.Popen[str], timeout: float) -> None:
    """Block until ``marker`` exists; fail if ``proc`` ends first or it takes too long."""
    deadline = time.monotonic() + timeout
    while not marker.exists():
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            raise AssertionError(f"the process ended (rc {proc.returncode}) first: {err[-2000:]}")
        assert time.monotonic() < deadline, "the fault point was not reached in time"
        time.sleep(0.05)


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


STARTED: list[Server] = []
"""Every server started, so a test's teardown can stop those a failure left running."""


class Server:
    """``cxa serve --db DB`` as a real process on 127.0.0.1 with the fake models."""

    def __init__(self, db: Path, log: Path, **extra: str) -> None:
        STARTED.append(self)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "analyzer", "serve", "--db", str(db), "--port"]
        self.proc = subprocess.Popen(
            [*cmd, str(self.port)],
            env=env(CXA_API_KEY=KEY, **extra),
            stdout=subprocess.DEVNULL,
            stderr=log.open("ab"),
        )
        self.http = httpx.Client(base_url=self.base, headers={"X-API-Key": KEY}, timeout=60)

    def wait_ready(self, timeout: float = 120) -> Server:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, "cxa serve exited"
            try:
                if self.http.get("/readyz").status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"cxa serve was not ready in {timeout:.0f} s")

    def wait_run(self, run_id: str, timeout: float = 180) -> dict[str, object]:
        """Poll a run until it is done or failed; its last state."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            run: dict[str, object] = self.http.get(f"/v1/runs/{run_id}").json()
            if run.get("status") in ("done", "failed"):
                return run
            time.sleep(0.3)
        raise AssertionError(f"run {run_id} did not end in {timeout:.0f} s: {run}")

    def kill(self) -> None:
        """``kill -9`` the service."""
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.http.close()

    def stop(self) -> None:
        """Stop the service as Ctrl-C would."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.http.close()
