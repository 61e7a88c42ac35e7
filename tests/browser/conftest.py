"""Fixtures of the browser tests: headless Debian Chromium driven by Playwright, and one demo
run analysed with the fast fake models (the same for the report and the dashboard).

Chromium comes from Debian (``apt-get install -y chromium``), not from Playwright's download,
and runs with an empty profile and no background networking, so the tests stay offline.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from analyzer import demo
from analyzer.config import make_config
from analyzer.store import RunData, Store

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
FAST = {"embedding": "fake", "spacy_model": "blank", "sentiment": "vader", "use_cache": False}
HOSTILE = (
    "<script>alert(1)</script> the app keeps crashing",
    'Delivery was late <img src=x onerror="alert(2)">',
    "</script><script>alert(3)</script> refund never came",
)
"""Comments planted in the export: they must show as text and never run."""


@dataclass(frozen=True)
class DemoRun:
    """The analysed demo run and where the planted growing theme ended up."""

    store_path: Path
    run: RunData
    growing_ids: frozenset[int]
    """Themes most of whose mentions are planted ``app_crashes`` clauses."""


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """A Chromium browser context (empty profile); tests open and close their own pages."""
    if not CHROMIUM.exists():
        pytest.skip(f"No Chromium at {CHROMIUM}: install it with 'apt-get install -y chromium'.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1366, "height": 900},
            accept_downloads=True,
        )
        # a 5 MB report or the dashboard's plotly.js can take well over Playwright's 30 s
        # default to load on a busy 2-core machine; a slow machine is no failure of the page
        context.set_default_navigation_timeout(180_000)
        context.set_default_timeout(120_000)
        yield context
        context.close()


def _growing_ids(run: RunData, truth: pd.DataFrame) -> frozenset[int]:
    planted = demo.match_mentions_to_truth(run.mentions, truth) == demo.GROWING_THEME
    assigned = run.mentions["theme_id"] >= 0
    share = planted[assigned].groupby(run.mentions.loc[assigned, "theme_id"]).mean()
    return frozenset(int(t) for t in share[share > 0.5].index)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """800 demo responses (hostile comments planted) analysed into a fresh store."""
    from analyzer.pipeline import analyze_and_store

    folder = tmp_path_factory.mktemp("browser-run")
    export, truth_path = demo.write(folder / "demo.csv", 800, seed=0)
    frame = pd.read_csv(export, dtype=str, keep_default_na=False)
    frame.loc[: len(HOSTILE) - 1, "comment"] = list(HOSTILE)
    frame.to_csv(export, index=False)
    store = Store(folder / "cxa.duckdb")
    run_id, _ = analyze_and_store(export, store, config=make_config(**FAST))
    run = store.load_run(run_id)
    growing = _growing_ids(run, pd.read_csv(truth_path))
    assert growing, "no theme gathers the planted growing theme's mentions"
    return DemoRun(store.path, run, growing)
