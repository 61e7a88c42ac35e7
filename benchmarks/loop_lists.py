"""Time a viewer's ``GET /v1/actions`` and ``GET /v1/teams`` as recorded actions pile up.

Run from the repository root::

    .venv/bin/python benchmarks/loop_lists.py [--rows 3000] [--actions 12,50,200]

It analyses a demo export with the fast test models into a temporary store, serves it
in-process (FastAPI's TestClient, no network), records actions on the run's themes (each
owned by one of four teams), and for each count times, uncached (every answer is computed
again, as after any write): the first page of actions (``limit=50``), the list of teams, and
one team's page. It prints one line per count; nothing is saved.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FAST = {"embedding": "fake", "spacy_model": "blank", "sentiment": "vader", "use_cache": False}
TEAMS = ("Payments", "Delivery", "App", "Support")


def _timed(client: object, call: object, repeat: int = 3) -> float:
    """Best of ``repeat`` calls, each after the service dropped every cached answer."""
    best = float("inf")
    for _ in range(repeat):
        client.app.state.services.forget_all()  # type: ignore[attr-defined]
        start = time.perf_counter()
        answer = call()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
        assert answer.status_code == 200, answer.text
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--actions", default="12,50,200")
    args = parser.parse_args()
    counts = [int(n) for n in args.actions.split(",")]

    from fastapi.testclient import TestClient

    from analyzer import demo
    from analyzer.config import make_config
    from analyzer.loop import actions
    from analyzer.pipeline import analyze_and_store
    from analyzer.store import Store
    from api.main import create_app
    from api.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        export, _ = demo.write(folder / "demo.csv", args.rows, seed=0)
        store = Store(folder / "cxa.duckdb")
        run_id, result = analyze_and_store(
            export, store, config=make_config(**FAST), model_dir=folder / "models" / "run"
        )
        themes = result.themes["theme_id"].astype(int).tolist()
        settings = Settings(
            api_key="bench-key", db=folder / "cxa.duckdb", allowed_hosts=["testserver"], **FAST
        )  # type: ignore[arg-type]
        print(f"{args.rows} responses, {len(themes)} themes; seconds, best of 3, uncached")
        print(f"{'actions':>8} {'GET /v1/actions':>16} {'GET /v1/teams':>14} {'one team':>9}")
        made, query = 0, {"run_id": run_id}
        with TestClient(create_app(settings), headers={"X-API-Key": "bench-key"}) as client:
            for count in counts:
                while made < count:
                    actions.add_action(
                        store, run_id=run_id, theme_ids=[themes[made % len(themes)]],
                        title=f"action {made}", team=TEAMS[made % len(TEAMS)],
                        effective="2026-03-01", actor="bench",
                    )  # fmt: skip
                    made += 1
                listed = _timed(client, lambda: client.get("/v1/actions"))
                teams = _timed(client, lambda: client.get("/v1/teams", params=query))
                one = _timed(client, lambda: client.get("/v1/teams/Payments", params=query))
                print(f"{count:>8} {listed:>16.2f} {teams:>14.2f} {one:>9.2f}", flush=True)


if __name__ == "__main__":
    main()
