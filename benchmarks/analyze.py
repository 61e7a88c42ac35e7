"""Time `cxa analyze` on the 3,000-response demo export: seconds per stage and peak memory.

Run from the repository root (``make bench`` does it)::

    .venv/bin/python benchmarks/analyze.py [--rows 3000] [--seed 0]

It generates the demo export into a temporary folder, runs the CLI in a fresh process (so
the figures include model loading and first-use compilation, as a user sees them), and
prints a table that is also saved to ``benchmarks/results/analyze.txt``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import psutil
from _measure import watch_peak_rss

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep-cache", action="store_true", help="reuse the embedding cache")
    args = parser.parse_args(argv)
    cxa = [sys.executable, "-m", "analyzer"]
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "demo.csv"
        subprocess.run([*cxa, "demo-data", str(export), "--rows", str(args.rows)], check=True)
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        if not args.keep_cache:
            env["CXA_CACHE_DIR"] = str(Path(tmp) / "cache")  # a cold cache: real embedding cost
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        proc = psutil.Popen(
            [*cxa, "analyze", str(export), "--out", str(out), "--seed", str(args.seed)],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        peak = watch_peak_rss(proc)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            print(f"cxa analyze failed with exit code {proc.returncode}", file=sys.stderr)
            return 1
        con = duckdb.connect(str(out / "cxa.duckdb"), read_only=True)
        info = json.loads(con.execute("SELECT info FROM runs").fetchone()[0])
        con.close()
    lines = [
        f"cxa analyze on the demo export: {args.rows} responses, {info['n_mentions']} mentions",
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}",
        "",
        f"{'stage':<12}{'seconds':>10}",
    ]
    for stage, seconds in info["timings"].items():
        lines.append(f"{stage:<12}{seconds:>10.2f}")
    lines += [
        f"{'stages sum':<12}{sum(info['timings'].values()):>10.2f}",
        f"{'wall total':<12}{wall:>10.2f}   (process start, imports and model loading included)",
        f"{'peak RSS':<12}{peak:>10.0f} MB",
    ]
    text = "\n".join(lines)
    print(text)
    (ROOT / "benchmarks" / "results").mkdir(parents=True, exist_ok=True)
    (ROOT / "benchmarks" / "results" / "analyze.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
