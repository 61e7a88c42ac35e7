"""The multilingual path of the pipeline, with fakes: routing, identity, storage, labels."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tolerance import SCORE_ATOL, assert_frames_close

from analyzer.config import make_config
from analyzer.embed import FakeEmbedder
from analyzer.multilingual import Multilingual, is_foreign
from analyzer.multilingual.labels import label_languages, language_mix, mark_labels
from analyzer.pipeline import Components, analyze, score_frame
from analyzer.store import Store

_WORDS = {  # a tiny "translator" standing in for the aligned multilingual encoder
    "aplicación": "app", "app": "app", "cierra": "crashes", "stürzt": "crashes",
    "plante": "crashes", "application": "app", "paquete": "parcel", "roto": "damaged",
}  # fmt: skip


class _Translating:
    """Maps a few foreign words to English, then embeds with the fake embedder."""

    def __init__(self) -> None:
        self.fake = FakeEmbedder()
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.seen.extend(texts)
        words = [" ".join(_WORDS.get(w.lower(), "") for w in t.split()) for t in texts]
        return self.fake.encode(words)


class _Constant:
    """A sentiment predictor that says "negative" -0.75 for every text, and records them."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def predict(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        self.seen.extend(texts)
        n = len(texts)
        return np.array(["negative"] * n, dtype=object), np.full(n, -0.75)


ENGLISH = [
    "The app crashes every time I open it",
    "App crashes on startup since the update",
    "The app crashes when I pay",
    "My app crashes constantly",
    "Delivery was quick and the courier friendly",
    "Quick delivery, arrived the next day",
    "Delivery quick as always",
    "The parcel arrived damaged and torn",
    "Parcel damaged, the box was crushed",
    "My parcel was damaged in transit",
] * 3
FOREIGN = [
    "La aplicación se cierra sola desde la última actualización",
    "Die App stürzt seit dem letzten Update ständig ab",
    "L'application plante sans arrêt depuis la dernière mise à jour",
]


def _export(tmp_path: Path, comments: list[str]) -> Path:
    path = tmp_path / "export.csv"
    pd.DataFrame({"id": range(len(comments)), "comment": comments}).to_csv(path, index=False)
    return path


def _components(multilingual: Multilingual | None) -> Components:
    config = make_config(
        embedding="fake",
        sentiment="vader",
        spacy_model="blank",
        use_cache=False,
        multilingual=False,
    )
    return dataclasses.replace(Components.from_config(config), multilingual=multilingual)


def test_foreign_mask() -> None:
    assert is_foreign(["en", "es", "unknown", "de", "xx"]).tolist() == [0, 1, 0, 1, 0]


def test_foreign_mentions_join_the_english_theme_and_get_their_own_sentiment(
    tmp_path: Path,
) -> None:
    embed, sentiment = _Translating(), _Constant()
    multi = Multilingual(embed=embed, sentiment=sentiment, name="test")
    config = make_config(embedding="fake", use_cache=False, min_theme_size=3)
    result = analyze(
        _export(tmp_path, ENGLISH + FOREIGN), config=config, components=_components(multi)
    )
    m = result.mentions
    crash = m.loc[m["text"] == ENGLISH[0], "theme_id"].iloc[0]
    foreign = m[m["language"].isin(["es", "de", "fr"])]
    assert sorted(foreign["language"]) == ["de", "es", "fr"]
    assert crash != -1 and (foreign["theme_id"] == crash).all()
    assert sorted(embed.seen) == sorted(sentiment.seen) == sorted(foreign["text"])
    assert (foreign["sentiment"] == "negative").all()
    assert foreign["sentiment_score"].to_numpy() == pytest.approx(-0.75, abs=1e-9)
    english = m[~m["language"].isin(["es", "de", "fr"])]
    assert not set(english["text"]) & set(sentiment.seen)  # English never takes the head


def test_all_english_export_is_identical_with_and_without_the_path(tmp_path: Path) -> None:
    path = _export(tmp_path, ENGLISH)
    config = make_config(embedding="fake", use_cache=False, min_theme_size=3)
    multi = Multilingual(embed=_Translating(), sentiment=_Constant(), name="test")
    on = analyze(path, config=config, components=_components(multi))
    off = analyze(path, config=config, components=_components(None))
    assert_frames_close(on.mentions, off.mentions, atol=SCORE_ATOL, check_dtype=True)
    assert_frames_close(on.themes, off.themes, atol=SCORE_ATOL, check_dtype=True)
    assert multi.embed.seen == [] and multi.sentiment.seen == []  # type: ignore[union-attr]


def test_scoring_routes_the_same_way(tmp_path: Path) -> None:
    multi = Multilingual(embed=_Translating(), sentiment=_Constant(), name="test")
    comps = _components(multi)
    config = make_config(embedding="fake", use_cache=False, min_theme_size=3)
    fitted = analyze(_export(tmp_path, ENGLISH), config=config, components=comps)
    crash = fitted.mentions.loc[fitted.mentions["text"] == ENGLISH[0], "theme_id"].iloc[0]
    frame = pd.DataFrame({"response_id": ["a", "b"], "comment": [FOREIGN[0], ENGLISH[0]]})
    responses, mentions = score_frame(frame, fitted.model, comps)
    assert responses["language"].tolist() == ["es", "en"]
    assert mentions["theme_id"].tolist() == [crash, crash]
    assert mentions["sentiment"].iloc[0] == "negative"


def test_language_is_stored_and_read_back(tmp_path: Path) -> None:
    multi = Multilingual(embed=_Translating(), sentiment=_Constant(), name="test")
    config = make_config(embedding="fake", use_cache=False, min_theme_size=3)
    result = analyze(
        _export(tmp_path, ENGLISH + FOREIGN), config=config, components=_components(multi)
    )
    assert result.segments[-1] == "language"
    store = Store(tmp_path / "db.duckdb")
    store.create_run("r", source="x", config={})
    store.write_results(
        "r", responses=result.responses, mentions=result.mentions, themes=result.themes,
        rejects=result.rejects, segments=result.segments, metrics=result.metrics, info={},
    )  # fmt: skip
    run = store.load_run("r")
    assert run.responses["language"].tolist() == result.responses["language"].tolist()
    assert run.mentions["language"].tolist() == result.mentions["language"].tolist()
    assert language_mix(run.responses, run.mentions)[0][0] == "en"


def test_a_theme_without_english_mentions_is_marked() -> None:
    mentions = pd.DataFrame(
        {"theme_id": [0, 0, 1, 1, -1], "language": ["en", "es", "fr", "fr", "de"]}
    )
    assert label_languages(mentions) == {0: "en", 1: "fr"}
    themes = pd.DataFrame({"theme_id": [0, 1], "label": ["app crashes", "mise jour"]})
    marked = mark_labels(themes, mentions)
    assert marked["label"].tolist() == ["app crashes", "mise jour [fr]"]
