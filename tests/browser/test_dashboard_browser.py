"""The dashboard in headless Chromium against the real API served by uvicorn on 127.0.0.1:
the key prompt, the run's charts, the "What changed" callout, a theme's verbatims, the topic
search and a CSV download. Screenshots go to ``tmp_path``."""

from __future__ import annotations

import csv
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

KEY = "browser-test-key"
FAST = {"embedding": "fake", "spacy_model": "blank", "sentiment": "vader", "use_cache": False}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
"""The policy the page works under (plotly.js adds a <style> element, hence unsafe-inline;
no other site may frame it)."""
LOADED = """() => document.querySelectorAll('.js-plotly-plot').length >= 6
    && !document.body.classList.contains('loading')
    && document.querySelector('#changed-cards .note-kicker') !== null"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(demo_run: Any) -> Iterator[str]:
    """The API on a random free port of 127.0.0.1 (uvicorn in a thread); its base URL."""
    import uvicorn

    from api import main as api_main
    from api.settings import Settings

    settings = Settings(api_key=KEY, db=demo_run.store_path, **FAST)  # type: ignore[arg-type]
    app = api_main.create_app(settings)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
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
def events() -> dict[str, list[str]]:
    """Page errors and dialogs (alerts) seen during a test."""
    return {"errors": [], "dialogs": []}


@pytest.fixture
def page(browser: Any, server: str, events: dict[str, list[str]]) -> Iterator[Any]:
    """A fresh tab (so an empty sessionStorage) on the dashboard."""
    page = browser.new_page()
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    page.on(
        "console",
        lambda m: "Content Security Policy" in m.text and events["errors"].append(m.text),
    )
    page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
    page.goto(f"{server}/dashboard")
    yield page
    page.close()


def _connect(page: Any, key: str = KEY) -> None:
    page.wait_for_selector("#key-dialog[open]")
    page.fill("#key-input", key)
    page.click("#key-submit")


def test_wrong_key_is_asked_again(page: Any) -> None:
    _connect(page, "not-the-key")
    page.wait_for_selector("#key-error:not([hidden])")
    assert "refused" in page.inner_text("#key-error")
    assert page.evaluate("sessionStorage.getItem('cxa-api-key')") == "not-the-key"


def test_dashboard_shows_the_run(
    page: Any, demo_run: Any, events: dict[str, list[str]], tmp_path: Path
) -> None:
    _connect(page)
    page.wait_for_function(LOADED, timeout=180_000)
    assert page.evaluate("sessionStorage.getItem('cxa-api-key')") == KEY
    assert page.input_value("#run-select") == demo_run.run.run_id
    charts = ["score-trend", "volume", "impact", "trends", "segments", "hierarchy"]
    for chart in charts:  # each one drew: plotly's svg with at least one trace
        assert page.locator(f"#chart-{chart} svg.main-svg .trace, #chart-{chart} .hm").count()
    assert page.locator("#kpis .kpi").count() == 3
    assert page.locator("#changed-cards .note").count() == 3
    top = page.locator("#changed-cards .note-emerging h3 a")
    theme_id = int(top.get_attribute("href").removeprefix("#theme-"))
    assert theme_id in demo_run.growing_ids
    themes = demo_run.run.themes.set_index("theme_id")
    assert top.text_content() == str(themes.loc[theme_id, "label"])
    page.screenshot(path=tmp_path / "dashboard-first-screen.png")
    page.screenshot(path=tmp_path / "dashboard-full.png", full_page=True)
    assert events["errors"] == []
    assert events["dialogs"] == []


def test_theme_drill_down_and_search(page: Any, tmp_path: Path) -> None:
    _connect(page)
    page.wait_for_function(LOADED, timeout=180_000)
    row = page.locator("tr.theme-row").first
    row.click()
    detail = page.locator(f"#theme-{row.get_attribute('data-theme')}")
    detail.locator(".verbatim").first.wait_for(timeout=120_000)
    assert detail.locator(".verbatim").count() >= 1
    detail.screenshot(path=tmp_path / "dashboard-drill-down.png")
    page.fill("#search-input", "the app keeps crashing")
    page.click("#search-form button")
    page.wait_for_selector("#search-results li.hit", timeout=180_000)
    assert page.locator("#search-results li.hit").count() >= 1
    page.locator("#search").screenshot(path=tmp_path / "dashboard-search.png")


def test_filters_and_csv(page: Any, demo_run: Any) -> None:
    _connect(page)
    page.wait_for_function(LOADED, timeout=180_000)
    page.select_option("#segment-column", "channel")
    page.fill("#segment-value", "app")
    page.select_option("#score-band", "detractor")
    page.click("#filters button[type=submit]")
    page.wait_for_function(LOADED, timeout=180_000)
    with page.expect_download() as info:
        page.locator('#catalogue button.csv[data-csv="themes"]').click()
    download = info.value
    assert download.suggested_filename == f"{demo_run.run.run_id}-themes.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert rows and {"theme_id", "label", "responses", "impact"} <= set(rows[0])
    mentions = demo_run.run.mentions
    pairs = mentions[mentions["theme_id"] != -1].drop_duplicates(["theme_id", "response_id"])
    assert 0 < sum(int(r["responses"]) for r in rows) < len(pairs)  # app detractors only


def test_shared_styles_apply_before_the_dashboards_own(page: Any) -> None:
    sheets = page.evaluate("[...document.styleSheets].map(s => s.href).filter(Boolean)")
    assert [s.rsplit("/", 2)[-2:] for s in sheets] == [
        ["dashboard", "base.css"],
        ["static", "dashboard.css"],
    ]
    style = "(s) => getComputedStyle(document.querySelector(s))"
    assert page.evaluate(f"({style})('body').backgroundColor") == "rgb(245, 246, 248)"  # base.css
    assert page.evaluate(f"({style})('.topbar').position") == "sticky"  # dashboard.css


def test_page_is_served_with_its_security_policy(server: str) -> None:
    import httpx

    page = httpx.get(f"{server}/dashboard")
    assert page.status_code == 200 and page.headers["content-security-policy"] == CSP
    script = httpx.get(f"{server}/dashboard/plotly.min.js")
    assert script.status_code == 200 and len(script.content) > 1_000_000
