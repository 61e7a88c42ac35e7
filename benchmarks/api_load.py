"""Load-test ``POST /v1/score`` of the service with the real bundled models.

Run from the repository root::

    .venv/bin/python benchmarks/api_load.py [--clients 8] [--batch 20] [--seconds 30]

It starts ``api.main.serve`` in a subprocess on 127.0.0.1 (a free port, a random API key,
a temporary store and a cold embedding cache), uploads a demo export through the API and
waits for its run, then has ``--clients`` threads send batches of ``--batch`` distinct demo
comments for ``--seconds``. It prints throughput, latency percentiles and the error count,
saves them to ``benchmarks/results/api_load.txt`` and stops the server. Nothing leaves the
machine: every request goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
RESULTS = ROOT / "benchmarks" / "results" / "api_load.txt"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _start(folder: Path, port: int, key: str, copies: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CXA_API_KEY": key,
        "CXA_MODEL_COPIES": str(copies),
        "CXA_CACHE_DIR": str(folder / "cache"),  # cold: scoring pays the real embedding cost
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    code = f"from api.main import serve; serve({HOST!r}, {port}, {str(folder / 'cxa.duckdb')!r})"
    log = (folder / "server.log").open("wb")
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, stderr=log)


def _wait(client: httpx.Client, url: str, seconds: float, done: str = "ok") -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            body: dict[str, Any] = client.get(url).json()
            if body.get("status") in (done, "failed"):
                return body
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not {done!r} after {seconds:.0f} s")


def _prepare(client: httpx.Client, folder: Path, rows: int) -> tuple[str, list[str], float]:
    """Wait for the models, upload a demo export, wait for its run; return comments too."""
    from analyzer import demo

    t0 = time.perf_counter()
    ready = _wait(client, "/readyz", 600)
    if ready["status"] != "ok":
        raise RuntimeError(f"models failed to load: {ready['detail']}")
    load_s = time.perf_counter() - t0
    export, _ = demo.write(folder / "demo.csv", rows, seed=0)
    with open(export, "rb") as fh:
        created = client.post("/v1/runs", files={"file": ("demo.csv", fh)}).raise_for_status()
    run = _wait(client, f"/v1/runs/{created.json()['run_id']}", 1800, done="done")
    if run["status"] != "done":
        raise RuntimeError(f"the run failed: {run['error']}")
    pool, _ = demo.write(folder / "pool.csv", 4000, seed=99)  # comments the model has not seen
    comments = pd.read_csv(pool, keep_default_na=False)["comment"].astype(str)
    return run["run_id"], [c for c in comments if c.strip()], load_s


def _client_loop(
    base: str,
    key: str,
    bodies: list[dict[str, Any]],
    until: float,
    out: list[tuple[float, int]],
) -> None:
    with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=120) as client:
        i = 0
        while time.monotonic() < until:
            t0 = time.perf_counter()
            try:
                status = client.post("/v1/score", json=bodies[i % len(bodies)]).status_code
            except httpx.HTTPError:
                status = -1
            out.append((time.perf_counter() - t0, status))
            i += 1


@dataclass
class LoadStats:
    """What the clients saw: wall time, per-request latency (s) and the failed requests."""

    wall: float
    latencies: np.ndarray
    errors: int

    @property
    def requests(self) -> int:
        """Requests sent (answered or not)."""
        return int(self.latencies.size)


def _load(base: str, key: str, run_id: str, comments: list[str], args: Any) -> LoadStats:
    rng = np.random.default_rng(0)
    bodies = [
        [
            {"run_id": run_id, "comments": [{"text": t} for t in rng.choice(comments, args.batch)]}
            for _ in range(200)
        ]
        for _ in range(args.clients)
    ]
    results: list[list[tuple[float, int]]] = [[] for _ in range(args.clients)]
    t0 = time.monotonic()
    threads = [
        threading.Thread(
            target=_client_loop, args=(base, key, bodies[i], t0 + args.seconds, results[i])
        )
        for i in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadStats(
        wall=time.monotonic() - t0,
        latencies=np.array([lat for r in results for lat, _ in r]),
        errors=sum(1 for r in results for _, status in r if status != 200),
    )


def _report(stats: LoadStats, args: Any, load_s: float) -> str:
    ms = stats.latencies * 1000 if stats.requests else np.zeros(1)
    p50, p95, p99, top = (float(np.percentile(ms, q)) for q in (50, 95, 99, 100))
    ok = stats.requests - stats.errors
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    machine = f"{platform.platform()}, {os.cpu_count()} CPUs, load average {load} at the end"
    lines = [
        "POST /v1/score load test (benchmarks/api_load.py)",
        f"machine: {machine}, Python {platform.python_version()}",
        "models: bundled defaults (MiniLM embeddings, en_core_web_sm, default sentiment), "
        f"{args.copies} copies loaded in {load_s:.1f} s",
        f"load: {args.clients} clients x {args.batch} comments per request for "
        f"{args.seconds:.0f} s (unseen demo comments, cold embedding cache)",
        f"requests: {stats.requests} ({ok} ok, {stats.errors} errors) in {stats.wall:.1f} s",
        f"throughput: {stats.requests / stats.wall:.2f} requests/s, "
        f"{ok * args.batch / stats.wall:.1f} comments/s",
        f"latency ms: p50 {p50:.0f}, p95 {p95:.0f}, p99 {p99:.0f}, max {top:.0f}",
    ]
    return "\n".join(lines) + "\n"


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGINT)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def main(argv: list[str] | None = None) -> int:
    """Run the load test; exit status 1 if any request failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rows", type=int, default=600, help="rows of the export to fit on")
    parser.add_argument("--copies", type=int, default=2, help="CXA_MODEL_COPIES of the server")
    args = parser.parse_args(argv)
    key = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory() as tmp:
        folder, port = Path(tmp), _free_port()
        base = f"http://{HOST}:{port}"
        server = _start(folder, port, key, args.copies)
        try:
            with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as client:
                run_id, comments, load_s = _prepare(client, folder, args.rows)
            stats = _load(base, key, run_id, comments, args)
        finally:
            _stop(server)
            log_tail = (folder / "server.log").read_text(errors="replace").splitlines()[-5:]
    text = _report(stats, args, load_s)
    print(text, end="")
    print("server log (last lines):", *log_tail, sep="\n  ")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text, encoding="utf-8")
    return 0 if stats.errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
