"""The dashboard of an export without scores over nine days (issue 28, section 5), in headless
Chromium against the real API: no missing score is drawn as a figure, pain points are ranked
by negative responses and the windows are days inside the span."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from short_span import short_export
from test_dashboard_browser import FAST, KEY, _connect, _free_port

LOADED = """() => !document.body.classList.contains('loading')
    && document.querySelector('#changed-cards .note-kicker') !== null
    && document.querySelector('#pain-table thead') !== null
    && document.querySelector('#chart-trends.js-plotly-plot') !== null"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The API over a store holding one analysed nine-day export without score columns."""
    import threading
    import time

    import uvicorn

    from analyzer.config import make_config
    from analyzer.pipeline import analyze_and_store
    from analyzer.store import Store
    from api import main as api_main
    from api.settings import Settings

    folder = tmp_path_factory.mktemp("short-dashboard")
    export = short_export(folder / "tweets.csv")
    analyze_and_store(export, Store(folder / "cxa.duckdb"), config=make_config(**FAST))
    settings = Settings(api_key=KEY, db=folder / "cxa.duckdb", **FAST)  # type: ignore[arg-type]
    port = _free_port()
    uv = uvicorn.Server(
        uvicorn.Config(
            api_main.create_app(settings), host="127.0.0.1", port=port, log_level="warning"
        )
    )
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/dashboard")
    yield page
    assert errors == []
    page.close()


def test_dashboard_of_an_unscored_short_export(page: Any, tmp_path: Path) -> None:
    _connect(page)
    page.wait_for_function(LOADED, timeout=180_000)
    assert "No NPS, CSAT or CES ratings" in page.inner_text("#kpis")
    changed = page.inner_text("#changed-cards")
    assert "responses with a negative mention" in changed
    for shown in ("NPS points", "n = 0", "NPS rose", "NPS fell", "Jan", "2014"):
        assert shown not in changed, shown
    pain_head = page.inner_text("#pain-table thead")
    head = pain_head.lower()  # the header cells are shown in capitals (CSS)
    assert "negative responses" in head and "cost" not in head
    assert "16–22 feb 2015 → 23–24 feb 2015" in head
    counts = [
        int(c.replace(",", ""))
        for c in page.locator("#pain-table tbody tr td:nth-child(4)").all_inner_texts()
    ]
    assert counts and counts == sorted(counts, reverse=True)
    assert "ranked by the responses with a negative mention" in page.inner_text("#pain-lede")
    theme_head = page.inner_text("#theme-table thead")
    assert "NPS" not in theme_head and "Impact" not in theme_head
    assert "no NPS ratings" in page.inner_text("#chart-impact")
    numeric = page.locator("#pain-table td.num, #theme-table td.num").all_inner_texts()
    assert numeric and not any(re.fullmatch(r"\s*[−+]?–\s*", cell) for cell in numeric)
    assert "per day" in page.inner_text("#trends-lede")
    page.screenshot(path=tmp_path / "dashboard-short-span.png", full_page=True)
