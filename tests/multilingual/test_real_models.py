"""End to end with the real models (MiniLM, multilingual-e5-small, the shipped map and head)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest
from tolerance import SCORE_ATOL, assert_frames_close

from analyzer import demo
from analyzer.config import make_config
from analyzer.pipeline import AnalysisResult, Components, analyze, score_frame

pytestmark = pytest.mark.slow

CRASHES = [
    "La aplicación se cierra sola cada vez que intento pagar",
    "Die App stürzt bei jedem Start ab",
    "L'application plante dès que je l'ouvre",
]


@pytest.fixture(scope="module")
def components() -> Components:
    return Components.from_config(make_config(use_cache=False))


@pytest.fixture(scope="module")
def english_export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    export, truth = demo.generate(260, seed=3)
    foreign = {p for b in demo.load_phrases()["foreign"].values() for t in b.values()
               for ps in t.values() for p in ps}  # fmt: skip
    drop = set(truth.loc[truth["text"].isin(foreign), "response_id"])
    export = export[~export["response_id"].isin(drop)]
    path = tmp_path_factory.mktemp("multi") / "english.csv"
    export.to_csv(path, index=False)
    return path, truth


def _crash_theme(result: AnalysisResult, truth: pd.DataFrame) -> int:
    m = result.mentions
    planted = demo.match_mentions_to_truth(m, truth)
    crash = m.loc[(planted == "app_crashes").to_numpy() & (m["theme_id"] >= 0), "theme_id"]
    return int(crash.value_counts().index[0])


def test_foreign_crash_comments_join_the_english_crash_theme(
    components: Components, english_export: tuple[Path, pd.DataFrame]
) -> None:
    path, truth = english_export
    fitted = analyze(path, config=make_config(use_cache=False), components=components)
    crash = _crash_theme(fitted, truth)
    frame = pd.DataFrame({"response_id": ["es", "de", "fr"], "comment": CRASHES})
    responses, mentions = score_frame(frame, fitted.model, components)
    assert responses["language"].tolist() == ["es", "de", "fr"]
    # with the e5 map the French one falls just under the crash theme's threshold and stays
    # unassigned (-1); none may land on another theme
    themes = mentions["theme_id"].tolist()
    assert themes.count(crash) >= 2
    assert set(themes) <= {crash, -1}
    # a complaint is never read as praise, and most are read as negative
    assert "positive" not in mentions["sentiment"].tolist()
    assert mentions["sentiment"].tolist().count("negative") >= 2


def test_all_english_export_gives_identical_results(
    components: Components, english_export: tuple[Path, pd.DataFrame]
) -> None:
    path, _ = english_export
    config = make_config(use_cache=False)
    on = analyze(path, config=config, components=components)
    off = analyze(
        path, config=config, components=dataclasses.replace(components, multilingual=None)
    )
    assert not on.mentions["language"].isin(["es", "de", "fr", "it", "pt"]).any()
    assert_frames_close(on.mentions, off.mentions, atol=SCORE_ATOL, check_dtype=True)
    assert_frames_close(on.themes, off.themes, atol=SCORE_ATOL, check_dtype=True)


def test_sentiment_head_reads_the_demo_phrase_bank(components: Components) -> None:
    # Measured 0.68 (41 of 60; the USE head before it 0.72): the binary-aware e5 head calls
    # some of these literal, polar translations neutral, which counts as wrong here; it is
    # far better on the realistic three-class fixture (test_fixture.py). The threshold
    # guards against a broken or swapped head (a constant label scores <= 0.60).
    bank = demo.load_phrases()["foreign"]
    rows = [(p, s) for b in bank.values() for t in b.values() for s, ps in t.items() for p in ps]
    assert components.multilingual is not None
    labels, scores = components.multilingual.sentiment.predict([p for p, _ in rows])
    accuracy = sum(lab == s for lab, (_, s) in zip(labels, rows, strict=True)) / len(rows)
    assert accuracy >= 0.65
    assert ((scores >= -1) & (scores <= 1)).all()
    broken = ["El paquete llegó roto", "Die App stürzt seit dem letzten Update ständig ab"]
    broken += ["On m'a facturé deux fois la même commande"]
    got = components.multilingual.sentiment.predict(broken)[0].tolist()
    # the e5 head reads the factual French complaint ("charged twice") as neutral (score
    # -0.18): a known miss, stated in the README; a complaint is never read as positive
    assert "positive" not in got and got[:2] == ["negative", "negative"]
