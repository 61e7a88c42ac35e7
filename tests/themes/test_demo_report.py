"""`cxa analyze` on the demo export, real models: the report leads with a theme a reader can
act on (slow: the bundled MiniLM and spaCy run on 3,000 responses)."""

from __future__ import annotations

import pytest

from analyzer import demo
from analyzer.config import AnalysisConfig
from analyzer.pipeline import analyze_and_store
from analyzer.report.content import report_content
from analyzer.store import Store
from analyzer.themes.model import NO_TOPIC

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    path, _ = demo.write(folder / "demo.csv", 3000, seed=0)
    store = Store(folder / "cxa.duckdb")
    run_id, result = analyze_and_store(
        path, store, config=AnalysisConfig(sentiment="vader", use_cache=False)
    )
    return store.load_run(run_id), result


def test_what_changed_names_the_crash_theme(run) -> None:
    data, _ = run
    content = report_content(data)
    assert content.changed.emerging is not None
    assert "crash" in content.changed.emerging.label.lower()


def test_the_crash_mentions_sit_in_a_theme_labelled_crash(run) -> None:
    _, result = run
    mentions = result.mentions
    crashing = mentions[mentions["text"].str.contains("crash", case=False)]
    top = crashing.loc[crashing["theme_id"] >= 0, "theme_id"].value_counts().index[0]
    label = result.themes.set_index("theme_id").loc[top, "label"]
    assert "crash" in label.lower()


def test_no_topic_mentions_are_counted_and_never_ranked(run) -> None:
    data, _ = run
    content = report_content(data)
    bucket = data.mentions["theme_id"] == NO_TOPIC
    assert content.n_no_topic == int(bucket.sum())
    assert NO_TOPIC not in set(content.pain_points["theme_id"])
    assert NO_TOPIC not in set(content.themes["theme_id"])
