"""Closing the loop in the dashboard (headless Chromium, real API on 127.0.0.1): a team page,
an action marked on its themes' trend chart, and a viewer's suggestion approved by an
analyst. Screenshots go to ``tmp_path``."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analyzer import demo
from analyzer.config import make_config
from analyzer.loop import actions, curation
from analyzer.privacy import keys
from analyzer.store import Store

FAST = {"embedding": "fake", "spacy_model": "blank", "sentiment": "vader", "use_cache": False}
READY = "() => document.body.dataset.loop === 'ready'"


@pytest.fixture(scope="module")
def loop_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A run whose crash theme (owned by Mobile) falls after an action on 2026-03-01, keys for
    a viewer and an analyst, and the API serving it; the base URL and the keys."""
    import uvicorn

    from analyzer.pipeline import analyze_and_store
    from api import main as api_main
    from api.settings import Settings

    folder = tmp_path_factory.mktemp("loop-browser")
    export, truth_path = demo.write(
        folder / "demo.csv", 700, seed=4, months=6, fall_after="2026-03-01"
    )
    store = Store(folder / "cxa.duckdb")
    run_id, _ = analyze_and_store(
        export, store, config=make_config(**FAST), model_dir=folder / "model"
    )
    run = store.load_run(run_id)
    planted = demo.match_mentions_to_truth(run.mentions, pd.read_csv(truth_path))
    assigned = run.mentions["theme_id"] != -1
    share = (
        (planted[assigned] == demo.GROWING_THEME)
        .groupby(run.mentions.loc[assigned, "theme_id"])
        .mean()
    )
    crash = [int(t) for t in share[share > 0.6].index]
    survivor = curation.edit(store, run_id, curation.merge(crash, label="app crashes"))
    curation.edit(store, run_id, curation.set_owner(survivor, "Mobile"))
    actions.add_action(store, run_id=run_id, theme_ids=[survivor], title="Fix the crash",
                       team="Mobile", effective="2026-03-01", actor="lead")  # fmt: skip
    made = {r: keys.create_key(store, name=f"{r}-1", role=r, actor="t")[0] for r in keys.ROLES}
    settings = Settings(api_key="unused-admin", db=store.path, **FAST)  # type: ignore[arg-type]
    app = api_main.create_app(settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield {"url": f"http://127.0.0.1:{port}", "keys": made, "store": store, "run_id": run_id,
           "crash": survivor}  # fmt: skip
    server.should_exit = True
    thread.join(timeout=10)


def _open(browser: Any, url: str, key: str, errors: list[str]) -> Any:
    page = browser.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.add_init_script(f"sessionStorage.setItem('cxa-api-key', {key!r})")
    page.goto(url)
    page.wait_for_function(READY, timeout=180_000)
    return page


def test_team_page_and_action_marker(
    browser: Any, loop_server: dict[str, Any], tmp_path: Path
) -> None:
    errors: list[str] = []
    base, viewer = loop_server["url"], loop_server["keys"]["viewer"]
    page = _open(browser, f"{base}/dashboard/teams/Mobile", viewer, errors)
    assert page.is_visible("#team")
    assert page.inner_text("#team-title") == "Team: Mobile"
    assert "app crashes" in page.inner_text("#team-themes")
    team_actions = page.inner_text("#team-actions")
    assert "Fix the crash (open, from 2026-03-01)" in team_actions and "worked" in team_actions
    assert page.locator("#team-links a", has_text="Mobile").count() == 1

    page.wait_for_selector("#action-charts .js-plotly-plot", timeout=120_000)
    marker = page.evaluate(
        """() => { const g = document.querySelector('#action-charts .js-plotly-plot');
        return {shapes: g.layout.shapes.map(s => s.x0), names: g.data.map(d => d.name),
                drawn: g.querySelectorAll('.shapelayer path').length}; }"""
    )
    assert marker["shapes"] == ["2026-03-01"] and "action" in marker["names"]
    assert marker["drawn"] >= 1  # the dashed line at the action's date is on the chart
    row = page.locator("#actions-table tr[data-action]")
    assert row.count() == 1 and "worked" in row.inner_text()
    # a viewer sees no control it may not use
    assert not page.is_visible("#action-form")
    assert page.locator(
        "#actions-table button", has_text="Close"
    ).count() == 0 or not page.is_visible("#actions-table button")
    assert page.inner_text("#whoami") == "viewer-1 (viewer)"
    page.screenshot(path=tmp_path / "team-page.png", full_page=True)
    assert errors == []
    page.close()


def test_a_viewers_suggestion_approved_by_an_analyst(
    browser: Any, loop_server: dict[str, Any], tmp_path: Path
) -> None:
    errors: list[str] = []
    base, made = loop_server["url"], loop_server["keys"]
    theme = loop_server["crash"]
    viewer = _open(browser, f"{base}/dashboard", made["viewer"], errors)
    viewer.select_option("#suggest-kind", "rename")
    viewer.fill("#suggest-themes", str(theme))
    viewer.fill("#suggest-label", "Android app crashes")
    viewer.click("#suggest-form button[type=submit]")
    viewer.wait_for_selector("#suggestion-list li.pending")
    item = viewer.locator("#suggestion-list li.pending")
    assert "viewer-1" in item.inner_text()
    assert not viewer.is_visible("#suggestion-list li.pending button.approve")
    viewer.close()

    analyst = _open(browser, f"{base}/dashboard", made["analyst"], errors)
    assert analyst.is_visible("#action-form")
    pending = analyst.locator("#suggestion-list li.pending")
    pending.locator("input.reason").fill("clearer for the Mobile team")
    pending.locator("button.approve").click()
    analyst.wait_for_selector("#suggestion-list li.approved")
    done = analyst.inner_text("#suggestion-list li.approved")
    assert "approved by analyst-1: clearer for the Mobile team" in done
    analyst.screenshot(path=tmp_path / "suggestion-approved.png", full_page=True)
    analyst.close()
    themes = loop_server["store"].load_run(loop_server["run_id"]).themes.set_index("theme_id")
    assert themes.loc[theme, "label"] == "Android app crashes"  # applied like an analyst's edit
    assert errors == []
