"""Read latency of the dashboard's main endpoints on a store of 200,000 responses.

Run from the repository root::

    .venv/bin/python benchmarks/api_reads.py [--rows 200000] [--clients 8] [--seconds 20]

It builds the store once (cached under ``.cache/api_reads/``, see ``_reads_data.py``: a
demo export scored with the fake embedder, stored as a scored export and as a run), starts
the real service (``api.main.serve``, uvicorn) on 127.0.0.1 with a random key, and for each
endpoint:

1. *cold*: requests each of its parameter variants (filters, themes, queries) once, one
   at a time, on a service that has not computed them yet (the first dashboard visit after
   a write; the run itself is loaded by the first request of the first endpoint);
2. *load*: ``--clients`` threads request random variants for ``--seconds`` and the
   latency percentiles, throughput and errors are recorded.

It prints the table, saves it to ``benchmarks/results/api_reads.txt`` and stops the server.
Every request goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from _reads_data import FAST, RUN_ID, build  # noqa: E402

HOST = "127.0.0.1"
RESULTS = ROOT / "benchmarks" / "results" / "api_reads.txt"
FILTERS: list[dict[str, Any]] = [
    {},
    {"segment": "channel:app"},
    {"segment": ["region:Europe", "plan:Pro"]},
    {"since": "2026-06-01"},
    {"score_band": "detractor"},
    {"sentiment": "negative", "segment": "channel:web"},
]
QUERIES = ["checkout on mobile", "late delivery", "app crashes", "refund took weeks"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _start(db: Path, port: int, key: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CXA_API_KEY": key, "PYTHONPATH": str(ROOT)}
    env.update({f"CXA_{k.upper()}": str(v) for k, v in FAST.items()})
    code = f"from api.main import serve; serve({HOST!r}, {port}, {str(db)!r})"
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT, stderr=log.open("wb"))


def _wait_ready(client: httpx.Client, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if client.get("/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"the service was not ready after {seconds:.0f} s")


def _endpoints(client: httpx.Client, fingerprint: str) -> dict[str, list[tuple[str, Any]]]:
    """Endpoint name -> list of (path, params) variants."""
    run = f"/v1/runs/{RUN_ID}"
    themes = client.get(f"{run}/themes", params={"limit": 5}, timeout=600).json()["data"]
    top = [int(t["theme_id"]) for t in themes[:3]]
    return {
        "theme list + filters": [(f"{run}/themes", f) for f in FILTERS],
        "one theme + verbatims": [
            (f"{run}/themes/{t}", {**f, "examples": 5}) for t in top for f in FILTERS[:3]
        ],
        "pain points": [(f"{run}/pain-points", f) for f in FILTERS],
        "scores": [(f"{run}/scores", f) for f in FILTERS],
        "search": [(f"{run}/search", {**f, "q": q}) for q in QUERIES for f in FILTERS[:2]],
        "scored: themes": [(f"/v1/scored/{fingerprint}/themes", f) for f in FILTERS],
        "scored: pain points": [(f"/v1/scored/{fingerprint}/pain-points", f) for f in FILTERS],
        "scored: scores": [(f"/v1/scored/{fingerprint}/scores", f) for f in FILTERS],
        "runs + scored lists": [("/v1/runs", {}), ("/v1/scored", {})],
    }


def _cold(client: httpx.Client, variants: list[tuple[str, Any]]) -> list[float]:
    times = []
    for path, params in variants:
        t0 = time.perf_counter()
        response = client.get(path, params=params, timeout=900)
        times.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"{path} {params}: {response.status_code} {response.text[:300]}")
    return times


def _load(
    base: str, key: str, variants: list[tuple[str, Any]], clients: int, seconds: float
) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def work(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, headers={"X-API-Key": key}, timeout=60) as http:
            while time.monotonic() < stop:
                path, params = rng.choice(variants)
                t0 = time.perf_counter()
                try:
                    ok = http.get(path, params=params).status_code == 200
                except httpx.HTTPError:
                    ok = False
                took = time.perf_counter() - t0
                with lock:
                    latencies.append(took)
                    errors[0] += not ok

    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors[0]


def _recall(db: Path, client: httpx.Client, k: int = 20) -> tuple[float, int]:
    """Mean recall@k of the service's search against an exact scan, over QUERIES unfiltered
    and on ``channel:app`` (FILTERS[1]); also how many mentions were searched.

    Tie-aware: the demo repeats phrases, so many mentions share the k-th best similarity and
    which of them an exact scan lists is arbitrary. A returned hit counts when its cosine is
    at least the exact k-th best (minus 1e-5).
    """
    from analyzer.embed import get_embedder
    from analyzer.embed.search import rank_by_similarity
    from analyzer.store import Store
    from analyzer.text.normalise import embedding_texts

    data = Store(db).load_run(RUN_ID)
    embedder = get_embedder(FAST["embedding"])
    vectors = embedder.encode(embedding_texts(data.mentions["text"].astype(str).tolist()))
    app = set(data.responses.loc[data.responses["channel"] == "app", "response_id"])
    masks = [None, data.mentions["response_id"].isin(app).to_numpy()]
    recalls = []
    for q in QUERIES:
        query = embedder.encode([q])[0]
        for mask, params in zip(masks, FILTERS[:2], strict=True):
            kth = rank_by_similarity(query, vectors, k, mask)[1][-1]
            got = client.get(
                f"/v1/runs/{RUN_ID}/search", params={**params, "q": q, "limit": k}, timeout=600
            ).json()["data"]
            recalls.append(sum(h["similarity"] >= kth - 1e-5 for h in got) / k)
    return float(np.mean(recalls)), len(vectors)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--only", default="", help="comma-separated endpoint names (default: all; prints only)"
    )
    args = parser.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    db, fingerprint = build(args.rows)
    port, key = _free_port(), secrets.token_urlsafe(16)
    base = f"http://{HOST}:{port}"
    server = _start(db, port, key, db.with_name("server.log"))
    lines = [
        f"api_reads: {args.rows:,} responses (run + scored export), {args.clients} clients, "
        f"{args.seconds:.0f} s per endpoint, 127.0.0.1, fake embedder",
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load average at start "
        f"{os.getloadavg()[0]:.1f} (shared with other jobs)",
        "",
        f"{'endpoint':<24} {'variants':>8} {'cold med s':>10} {'cold max s':>10} "
        f"{'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6}",
    ]
    print("\n".join(lines), flush=True)
    try:
        with httpx.Client(base_url=base, headers={"X-API-Key": key}) as client:
            _wait_ready(client, 300)
            t0 = time.perf_counter()
            endpoints = _endpoints(client, fingerprint)
            first = time.perf_counter() - t0
            unknown = only - set(endpoints)
            if unknown:
                raise SystemExit(
                    f"unknown endpoint(s) {sorted(unknown)}; pick from {list(endpoints)}"
                )
            for name, variants in endpoints.items():
                if only and name not in only:
                    continue
                cold = _cold(client, variants)
                times, errors = _load(base, key, variants, args.clients, args.seconds)
                ms = np.percentile(np.array(times) * 1000, [50, 95, 99])
                line = (
                    f"{name:<24} {len(variants):>8} {np.median(cold):>10.2f} {max(cold):>10.2f} "
                    f"{len(times):>8} {len(times) / args.seconds:>7.1f} {ms[0]:>7.1f} "
                    f"{ms[1]:>7.1f} {ms[2]:>7.1f} {errors:>6}"
                )
                print(line, flush=True)
                lines.append(line)
            if not only or "search" in only:
                recall, searched = _recall(db, client)
                line = (
                    f"search recall@20 against an exact scan of all {searched:,} mentions "
                    f"(4 queries x 2 filters): {recall:.3f}"
                )
                print(line, flush=True)
                lines.append(line)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    lines += [
        "",
        f"first request (loads the 200k run into memory, then its unfiltered theme list): "
        f"{first:.1f} s",
        "cold: each variant requested once, alone, before the load phase (what the first "
        "dashboard visit after a write pays); load: random variants, cached after their "
        "first computation until the run or export changes.",
    ]
    print("\n".join(lines[-3:]))
    if only:
        return  # a partial run does not overwrite the full table
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"saved {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
