"""The report of an export without scores over a short span (issue 28, section 5).

The airline tweets had no NPS column and nine days of dates; their report read "What changed
in Jan–Feb 2015", "NPS rose – → – ... (, n=0) against Feb 2015–Dec 2014 (, n=0)" and a top
pain point of "– NPS points". Here the demo's run (its planted themes, the growing one taking
off at the end) is squeezed into 16-24 Feb 2015 and stripped of its score columns.
"""

from __future__ import annotations

import re
from dataclasses import replace
from urllib.parse import unquote

import pandas as pd
import pytest
from short_span import FIRST_DAY, SCORES, nine_days
from test_report import GROWING_LABEL, _tags, truth_run

from analyzer.report import build_report_html, report_content
from analyzer.report.content import ReportContent
from analyzer.store import RunData


@pytest.fixture(scope="module")
def run() -> RunData:
    base = truth_run()
    responses = base.responses.drop(columns=SCORES)
    return replace(base, responses=responses.assign(date=nine_days(responses["date"])))


@pytest.fixture(scope="module")
def content(run: RunData) -> ReportContent:
    return report_content(run)


@pytest.fixture(scope="module")
def page(run: RunData) -> str:
    return build_report_html(run)


def _text(page: str) -> str:
    """The page as a reader sees it: no scripts, no tags, single spaces."""
    body = re.sub(r"<script.*?</script>", " ", page, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return re.sub(r"\s+", " ", body)


def _section(page: str, name: str) -> str:
    start = page.index(f'id="{name}"')
    return page[start : page.index("</section>", start)]


def test_windows_are_days_forward_and_inside_the_span(run: RunData, content: ReportContent) -> None:
    w = content.windows
    assert w.freq == "D" and w.period == "day"
    assert w.first is not None and w.last is not None
    assert w.baseline_start == FIRST_DAY == w.first.normalize()
    assert w.recent_start == pd.Timestamp("2015-02-23")
    assert w.baseline_start < w.recent_start <= w.last
    assert (w.recent_label, w.baseline_label) == ("23–24 Feb 2015", "16–22 Feb 2015")
    recent, baseline = w.masks(run.responses)
    assert recent.any() and baseline.any() and not (recent & baseline).any()
    assert (recent | baseline).all()  # the baseline is every day before the recent window
    assert list(content.theme_trends["period"].unique()) == [f"2015-02-{d}" for d in range(16, 25)]


def test_what_changed_uses_negative_volume_share_and_growth(
    content: ReportContent, page: str
) -> None:
    changed = content.changed
    assert changed.recent is None and changed.baseline is None  # no score: no score note
    assert changed.emerging is not None and changed.emerging.label == GROWING_LABEL
    pain = content.pain_points
    assert list(pain["n_negative"]) == sorted(pain["n_negative"], reverse=True)
    assert pain["cost"].isna().all()
    top = pain.iloc[0]
    assert changed.pain is not None and changed.pain.label == top["label"]
    assert changed.pain.label == GROWING_LABEL  # the most negative responses, and growing
    assert changed.pain.growing
    text = _text(_section(page, "what-changed"))
    assert "What changed in 23–24 Feb 2015" in text
    assert f"{int(top['n_negative'])} responses with a negative mention" in text
    assert f"{100 * top['share_negative']:.0f}% of its mentions are negative" in text
    recent, base = top["negative_recent_share"], top["negative_baseline_share"]
    assert recent > 3 * base
    assert (
        f"Negative mentions in {100 * base:.1f}% of comments in 16–22 Feb 2015, "
        f"{100 * recent:.1f}% in 23–24 Feb 2015: growing"
    ) in text
    assert "NPS trend" not in text


def test_no_missing_score_is_rendered(page: str) -> None:
    text = _text(page)
    for shown in ("NPS points", "n=0", "n = 0", "Cost (", "of mentioners", "NPS rose", "NPS fell"):
        assert shown not in text, shown
    assert not re.search(r"–\s*→|→\s*–", text)  # "– → –"
    assert not re.search(r'class="num[^"]*">\s*[−+]?–', page)  # no numeric cell reads "–"
    windows = _text(_section(page, "what-changed") + _section(page, "trends"))
    assert "Jan" not in windows and "2014" not in windows  # windows inside the span
    pain = _text(_section(page, "pain-points"))
    assert "ranked by the number of responses with a negative mention" in pain
    assert "16–22 Feb 2015 → 23–24 Feb 2015" in pain
    catalogue = _section(page, "catalogue")
    assert ">Impact<" not in catalogue and ">NPS<" not in catalogue
    charts = {attrs["data-figure"] for _, attrs in _tags(page) if "data-figure" in attrs}
    assert charts.isdisjoint({"impact", "segment_scores", "score_trend"})
    assert {"trends", "segments", "hierarchy"} <= charts


def test_downloads_carry_no_empty_score_columns(page: str) -> None:
    links = {
        attrs["data-csv"]: unquote(str(attrs["href"]))
        for _, attrs in _tags(page)
        if attrs.get("data-csv")
    }
    assert {"scores", "score_trend", "impact", "segment_scores"}.isdisjoint(links)
    for key in ("pain_points", "themes", "hierarchy", "verbatims"):
        header = links[key].split(",", 1)[1].splitlines()[0]
        columns = set(header.lstrip("\ufeff").split(","))
        assert columns.isdisjoint({"score", "impact", "cost", "nps", "score_n"}), key
    assert "Daily theme shares" in page


def test_a_frame_without_score_columns_or_dates_still_reports(run: RunData) -> None:
    bare = replace(run, responses=run.responses.drop(columns="date"))
    text = _text(build_report_html(bare))
    assert "The responses have no dates" in text and "NPS points" not in text
    one_day = replace(run, responses=run.responses.assign(date=FIRST_DAY))
    short = report_content(one_day)
    assert short.windows.too_short and short.windows.recent_label == ""
    assert "too short to compare the last days" in _text(build_report_html(one_day))


def test_nine_days_with_scores_compare_days_too() -> None:
    base = truth_run()
    scored = replace(base, responses=base.responses.assign(date=nine_days(base.responses["date"])))
    content = report_content(scored)
    assert content.windows.recent_label == "23–24 Feb 2015"
    changed = content.changed
    assert changed.recent is not None and changed.baseline is not None
    assert changed.recent.n > 0 and changed.baseline.n > 0
    assert changed.pain is not None and changed.pain.cost == changed.pain.cost  # not NaN
    pain = content.pain_points
    assert list(pain["cost"].dropna()) == sorted(pain["cost"].dropna(), reverse=True)
    text = _text(build_report_html(scored))
    assert "NPS points" in text and "Daily trend" in text
