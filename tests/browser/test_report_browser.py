"""The HTML theme report opened from disk in headless Chromium: charts draw, nothing loads
from the network, the "What changed" callout names the growing theme, the drill-down shows
verbatims, CSV downloads work and planted script never runs. Screenshots go to ``tmp_path``."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from analyzer.report import write_report

CHARTS_DRAWN = """() => [...document.querySelectorAll('.js-plotly-plot')].filter(
    (plot) => plot.querySelector('svg.main-svg')
        && plot.querySelectorAll('.trace, .hm, .slice').length > 0).length"""


@pytest.fixture(scope="module")
def report_path(demo_run: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(demo_run.run, tmp_path_factory.mktemp("report") / "report.html")


@pytest.fixture
def events() -> dict[str, list[str]]:
    """What the page did: ``requests`` (URLs), ``errors`` and ``dialogs`` (alerts)."""
    return {"requests": [], "errors": [], "dialogs": []}


@pytest.fixture
def page(browser: Any, report_path: Path, events: dict[str, list[str]]) -> Any:
    """The report, loaded, with every request, console error and dialog recorded."""
    page = browser.new_page()
    page.on("request", lambda r: events["requests"].append(r.url))
    page.on("pageerror", lambda e: events["errors"].append(str(e)))
    page.on("console", lambda m: m.type == "error" and events["errors"].append(m.text))
    page.on("dialog", lambda d: (events["dialogs"].append(d.message), d.dismiss()))
    page.goto(report_path.as_uri())
    page.wait_for_function(f"({CHARTS_DRAWN})() >= 5", timeout=30_000)
    yield page
    page.close()


def test_charts_render_offline(page: Any, events: dict[str, list[str]], tmp_path: Path) -> None:
    drawn = page.evaluate(CHARTS_DRAWN)
    assert drawn >= 5
    assert drawn == page.locator("[data-figure]").count()  # every chart of the page drew
    page.screenshot(path=tmp_path / "report-first-screen.png")
    page.screenshot(path=tmp_path / "report-full.png", full_page=True)
    remote = [u for u in events["requests"] if not u.startswith(("file:", "data:"))]
    assert remote == []
    assert events["errors"] == []
    assert events["dialogs"] == []  # the planted <script> comments stayed text


def test_what_changed_names_the_growing_theme(page: Any, demo_run: Any) -> None:
    callout = page.locator("#what-changed")
    assert callout.is_visible()
    top = callout.locator(".note-emerging h3 a")
    theme_id = int(top.get_attribute("data-theme"))
    assert theme_id in demo_run.growing_ids
    themes = demo_run.run.themes.set_index("theme_id")
    label = str(themes.loc[theme_id, "label"])
    assert top.text_content() == label
    assert "pts" in callout.locator(".note-emerging .delta").inner_text()
    assert "NPS points" in callout.locator(".note-emerging").inner_text()
    box = callout.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 900  # all on the first screen


def test_theme_drill_down_lists_verbatims(page: Any, tmp_path: Path) -> None:
    row = page.locator("tr.theme-row").first
    theme_id = row.get_attribute("data-theme")
    detail = page.locator(f"#theme-{theme_id}")
    assert detail.is_hidden()
    row.click()
    assert row.get_attribute("aria-expanded") == "true"
    assert detail.is_visible()
    verbatims = detail.locator(".verbatim")
    assert verbatims.count() >= 1
    assert verbatims.first.inner_text().strip()
    detail.screenshot(path=tmp_path / "report-drill-down.png")
    row.click()
    assert detail.is_hidden()


def test_callout_link_opens_the_theme(page: Any) -> None:
    link = page.locator("#what-changed .note-emerging h3 a")
    theme_id = link.get_attribute("data-theme")
    link.click()
    detail = page.locator(f"#theme-{theme_id}")
    detail.wait_for(state="visible")
    assert detail.locator(".verbatim").count() >= 1


def test_bar_click_opens_the_theme(page: Any) -> None:
    bar = page.locator('[data-figure="volume"] .barlayer .trace').first.locator("path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    assert box is not None
    # plotly's drag layer takes the pointer: hover the bar like a user, then click
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.up()
    page.wait_for_selector("tr.theme-row[aria-expanded='true']", timeout=5_000)
    opened = page.locator("tr.theme-row[aria-expanded='true']").first.get_attribute("data-theme")
    assert page.locator(f"#theme-{opened}").is_visible()


def test_csv_download(page: Any, demo_run: Any) -> None:
    with page.expect_download() as info:
        page.locator('#catalogue a.csv[data-csv="themes"]').click()
    download = info.value
    assert download.suggested_filename == f"{demo_run.run.run_id}-themes.csv"
    text = Path(download.path()).read_text("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == int((demo_run.run.themes["theme_id"] != -1).sum())
    assert {"theme_id", "label", "impact", "owner", "keywords"} <= set(rows[0])
