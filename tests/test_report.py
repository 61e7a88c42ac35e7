"""The HTML theme report: self-contained, complete, escaped, with CSV exports (no browser).

The run is built from the demo export's ground truth (its planted themes stand in for a
theme model), so these tests are fast and know exactly which theme grows.
"""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pandas as pd
import pytest

from analyzer import demo
from analyzer.errors import ConfigError
from analyzer.report import build_report_html, report_content, write_report
from analyzer.report.exports import to_csv
from analyzer.report.page import fmt_score
from analyzer.store import RunData

HOSTILE_COMMENT = "<script>alert(1)</script>"
HOSTILE_LABEL = "</script><img src=x onerror=alert(2)>"
FORMULA_LABEL = "=HYPERLINK(1)"
GROWING_LABEL = demo.GROWING_THEME.replace("_", " ")
SECTIONS = (
    "what-changed", "scores", "top-level", "themes", "impact", "pain-points", "trends", "segments",
    "hierarchy", "catalogue",
)  # fmt: skip
FIGURES = (
    "score_trend",
    "top_level",
    "volume",
    "impact",
    "trends",
    "segment_scores",
    "segments",
    "hierarchy",
)
PARENTS = {
    "delivery": ["delivery_speed", "damaged_parcel", "order_tracking", "packaging_waste"],
    "app and web": ["app_crashes", "website_checkout", "login_problems"],
    "support": ["support_staff", "support_wait"],
}


def truth_run(n: int = 1200, *, seed: int = 0) -> RunData:
    """A RunData whose themes are the demo's planted ones, with hostile text planted."""
    export, truth = demo.generate(n, seed=seed)
    responses = export.assign(row=range(2, n + 2), date=pd.to_datetime(export["date"]))
    keys = demo.theme_keys()
    mentions = truth.assign(
        mention_id=truth["response_id"] + ":" + truth["position"].astype(str),
        theme_id=truth["theme"].map({k: i for i, k in enumerate(keys)}).astype("int64"),
        theme_confidence=0.9,
        sentiment_score=truth["sentiment"].map({"negative": -0.6, "neutral": 0.0}).fillna(0.6),
    ).drop(columns="theme")
    mentions.loc[0, "text"] = HOSTILE_COMMENT
    parent = {k: (i, p) for i, (p, ks) in enumerate(PARENTS.items()) for k in ks}
    themes = pd.DataFrame(
        {
            "theme_id": range(len(keys)),
            "label": [k.replace("_", " ") for k in keys],
            "keywords": [k.split("_") for k in keys],
            "parent_id": [100 + parent[k][0] if k in parent else -1 for k in keys],
            "parent_label": [parent[k][1] if k in parent else "" for k in keys],
            "size": [int((truth["theme"] == k).sum()) for k in keys],
            "examples": [list(truth.loc[truth["theme"] == k, "text"].head(2)) for k in keys],
            "owner": ["Mobile team" if k == demo.GROWING_THEME else None for k in keys],
        }
    )
    themes.loc[len(keys) - 1, "label"] = HOSTILE_LABEL
    themes.loc[len(keys) - 2, "label"] = FORMULA_LABEL
    themes.at[0, "examples"] = [HOSTILE_COMMENT, *themes.at[0, "examples"]]
    rejects = pd.DataFrame(columns=["file", "row", "column", "value", "reason"])
    meta = {"source": "demo.csv", "created_at": pd.Timestamp("2026-12-01 09:00")}
    segments = ["channel", "region", "plan"]
    return RunData("run-test", meta, responses, mentions, themes, rejects, segments, ["revenue"])


class _Tags(HTMLParser):
    """Every start tag with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(page: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(page)
    return parser.tags


@pytest.fixture(scope="module")
def run() -> RunData:
    return truth_run()


@pytest.fixture(scope="module")
def page(run: RunData) -> str:
    return build_report_html(run)


def test_report_is_self_contained(page: str) -> None:
    for tag, attrs in _tags(page):
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            if tag == "a" and name == "href":  # links to sections and data: downloads only
                assert value.startswith(("#", "data:text/csv")), value
            else:
                assert not value, f"<{tag} {name}={value!r}> loads a resource"
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=\s*[\"']?https?:", page)
    assert page.count("* plotly.js v") == 1  # the library is inlined exactly once


def test_report_inlines_the_shared_styles_before_its_own(page: str) -> None:
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style is not None
    css = style.group(1)
    shared = css.find('.theme-row[aria-expanded="true"] td:first-child::before')  # base.css
    own = css.find(".page-header .meta")  # report.css
    assert 0 <= shared < own  # base.css first, so the report's rules can override it


def test_report_has_every_section_and_chart(page: str) -> None:
    ids = {attrs.get("id") for _, attrs in _tags(page)}
    assert set(SECTIONS) <= ids
    charts = [attrs["data-figure"] for _, attrs in _tags(page) if "data-figure" in attrs]
    assert charts == list(FIGURES)
    block = re.search(r'<script type="application/json" id="report-figures">(.*?)</script>', page)
    assert block is not None
    figures = json.loads(block.group(1))
    assert set(figures) == set(FIGURES)
    assert all(fig["data"] for fig in figures.values())


def test_what_changed_names_the_growing_theme_and_its_cost(run: RunData, page: str) -> None:
    callout = page[page.index('id="what-changed"') : page.index('id="scores"')]
    assert "Fastest-growing theme" in callout
    assert GROWING_LABEL in callout
    assert "NPS points" in callout
    changed = report_content(run).changed
    assert changed.emerging is not None and changed.emerging.label == GROWING_LABEL
    assert changed.emerging.recent_share > 3 * changed.emerging.baseline_share
    assert changed.emerging.impact < 0
    assert changed.pain is not None and changed.pain.label == GROWING_LABEL
    assert changed.recent is not None and changed.baseline is not None
    assert changed.recent.value < changed.baseline.value


def test_hostile_text_stays_text(page: str) -> None:
    assert HOSTILE_COMMENT not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert HOSTILE_LABEL not in page
    assert "onerror=alert(2)>" not in page
    # only our own script elements: the JSON block, plotly config, plotly.js, the page script
    scripts = [attrs for tag, attrs in _tags(page) if tag == "script"]
    assert len(scripts) == 4


def test_hostile_label_in_figure_json_is_escaped_for_plotly(page: str) -> None:
    block = re.search(r'id="report-figures">(.*?)</script>', page)
    assert block is not None
    assert "<" not in block.group(1)  # written as \u003c: cannot close the element
    text = json.dumps(json.loads(block.group(1)))
    assert "&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in text  # plotly shows it as text


def _downloads(page: str) -> dict[str, pd.DataFrame]:
    out = {}
    for tag, attrs in _tags(page):
        if tag == "a" and (attrs.get("href") or "").startswith("data:text/csv"):
            text = unquote(str(attrs["href"]).split(",", 1)[1])
            assert text.startswith("\ufeff")
            out[str(attrs["download"])] = pd.read_csv(io.StringIO(text[1:]))
    return out


def test_every_chart_table_downloads_as_csv(run: RunData, page: str) -> None:
    tables = _downloads(page)
    names = {name.removeprefix("run-test-").removesuffix(".csv") for name in tables}
    expected = {"scores", "score_trend", "top_level", "volume", "impact", "emerging"}
    expected |= {"theme_trends"}
    expected |= {"segment_scores", "segments", "hierarchy", "pain_points", "themes", "verbatims"}
    assert names == expected
    themes = tables["run-test-themes.csv"]
    assert len(themes) == len(run.themes)
    assert GROWING_LABEL in set(themes["label"])
    impact = tables["run-test-impact.csv"].set_index("label")
    assert impact.loc[GROWING_LABEL, "impact"] < 0
    assert set(tables["run-test-scores.csv"]["score"]) == {"nps", "csat", "ces"}
    assert set(tables["run-test-segments.csv"]["segment"]) == {"channel"}
    assert f"'{FORMULA_LABEL}" in set(themes["label"])  # defused for spreadsheets
    # the top level groups the themes: every themed mention counts once, under its parent
    top = tables["run-test-top_level.csv"]
    assert top["mentions"].sum() == tables["run-test-volume.csv"]["mentions"].sum()
    named = run.themes["parent_label"].where(run.themes["parent_id"] >= 0, run.themes["label"])
    assert set(top["label"]) == {str(p) for p in named}


def test_csv_defuses_formulas_and_joins_lists() -> None:
    table = pd.DataFrame({"a": ["=1+1", "@x", "-2", "ok"], "b": [[1, 2], [], ["x"], ["y"]]})
    text = to_csv(table)
    assert text.splitlines() == ["a,b", "'=1+1,1; 2", "'@x,", "'-2,x", "ok,y"]


def test_write_report_writes_one_file(tmp_path, run: RunData) -> None:
    out = write_report(run, tmp_path / "sub" / "report.html", score="csat")
    assert out == tmp_path / "sub" / "report.html"
    text = out.read_text("utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "Impact of each theme on CSAT" in text


def test_unknown_score_is_refused(run: RunData) -> None:
    with pytest.raises(ConfigError, match="nps"):
        build_report_html(run, score="eNPS")


def test_report_without_dates_or_segments_still_builds(run: RunData) -> None:
    bare = RunData(
        run.run_id,
        {},
        run.responses.assign(date=pd.NaT),
        run.mentions,
        run.themes,
        run.rejects,
        [],
        [],
    )
    page = build_report_html(bare)
    assert "No theme grew significantly" in page
    assert "has no segment column" in page
    charts = [attrs["data-figure"] for _, attrs in _tags(page) if "data-figure" in attrs]
    assert charts == ["top_level", "volume", "impact", "hierarchy"]


def test_scores_print_without_negative_zero() -> None:
    assert fmt_score(-0.3, "nps") == "0"
    assert fmt_score(-12.4, "nps") == "−12"
    assert fmt_score(12.6, "nps") == "+13"
    assert fmt_score(78.2, "csat") == "78%"
    assert fmt_score(4.214, "ces") == "4.21"
    assert fmt_score(float("nan"), "nps") == "–"


def test_report_shows_sentiment_agreement_per_theme(run: RunData, page: str) -> None:
    content = report_content(run)
    table = content.sentiment_agreement
    assert content.overall_agreement["metric"] == "nps"
    assert content.overall_agreement["n"] > 0
    shown = table[~table["low_n"]]
    assert len(shown) >= 3
    # the demo's truth mentions are scored +-0.6 by their planted label; its detractors'
    # negative mentions agree, so no theme agrees less often than it disagrees overall
    assert (shown["agreement"].astype(float) + shown["disagreement"].astype(float) <= 1).all()
    section = page[page.index('id="sentiment-agreement"') :]
    section = section[: section.index("</section>")]
    first = shown.iloc[0]
    assert f'data-theme="{first.theme_id}"' in section
    assert f"{100 * float(first.agreement):.0f}%" in section


def test_verbatims_alternate_sentiments_and_skip_repeated_texts() -> None:
    from analyzer.report.drilldown import _pick_verbatims

    rows = pd.DataFrame(
        {
            "mention_id": [f"R{i}:0" for i in range(8)],
            "text": ["Bad app", "bad  APP", "Slow app", "Great app", "Fine app", "ok", "Nice", ""],
            "sentiment": ["negative", "negative", "negative", "positive", "neutral", "neutral",
                          "positive", "negative"],
            "sentiment_score": [-0.9, -0.8, -0.5, 0.9, 0.0, 0.0, 0.6, -0.95],
        }
    )  # fmt: skip
    picked = [r["text"] for r in _pick_verbatims(rows, skip={"nice"}, k=5)]
    # most negative first (the empty text is skipped), then most positive, then neutral;
    # "bad  APP" repeats "Bad app" and "Nice" was shown elsewhere
    assert picked == ["Bad app", "Great app", "Fine app", "Slow app", "ok"]
