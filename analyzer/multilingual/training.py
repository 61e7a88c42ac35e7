"""Fit the shipped multilingual artifacts on English text from ``shared/data``.

Run ``python -m analyzer.multilingual.training [--data-dir DIR]`` (about five minutes on two
cores). It writes to ``models/multilingual/``:

- ``map.npz``: a ridge map from the multilingual encoder's space (512) into MiniLM's (384),
  fitted on English sentences from banking77 train, MAMS train and the UCI sentences. Since
  the encoder is cross-lingually aligned, the map carries Spanish, German, French ... vectors
  next to the MiniLM vectors of English sentences that say the same thing.
- ``sentiment.npz``: a three-class logistic-regression head on the multilingual vectors,
  trained on English only (SemEval tweets, SST-2, UCI, MAMS train): cross-lingual transfer.
- ``config.json``: what was fitted, on what, with held-out English figures.

The regularisation of each is chosen on a held-out 10% of the English data, never on the
demo's foreign comments (those are the benchmark).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analyzer.multilingual.encoder import (
    ENCODER_NAME,
    LinearMap,
    MultilingualEncoder,
    default_model_dir,
)
from analyzer.multilingual.sentiment import LABELS, SentimentHead

log = logging.getLogger(__name__)
SEED = 0
MAP_ALPHAS = (0.1, 1.0, 10.0, 100.0)
HEAD_CS = (0.3, 1.0, 3.0, 10.0)


def map_corpus(data_dir: Path, *, n: int = 10_000) -> list[str]:
    """English sentences for the map: a seeded sample of banking77 train, MAMS train and UCI."""
    from analyzer.sentiment._data import read_uci

    texts = pd.read_csv(data_dir / "banking77" / "train.csv")["text"].tolist()
    texts += pd.read_csv(data_dir / "mams_acsa" / "train.csv")["text"].tolist()
    texts += read_uci(data_dir)["text"].tolist()
    unique = list(dict.fromkeys(t.strip() for t in texts if isinstance(t, str) and t.strip()))
    keep = np.sort(np.random.default_rng(SEED).permutation(len(unique))[:n])
    return [unique[i] for i in keep]


def _mams_sentences(data_dir: Path) -> pd.DataFrame:
    """MAMS train sentences whose non-neutral aspects all share one polarity."""
    rows = []
    for text, aspects in pd.read_csv(data_dir / "mams_acsa" / "train.csv")[
        ["text", "aspects"]
    ].values:
        polarities = {a["polarity"] for a in json.loads(aspects)} - {"neutral"}
        if len(polarities) == 1:
            rows.append((text, polarities.pop()))
    return pd.DataFrame(rows, columns=["text", "label"])


def sentiment_corpus(data_dir: Path, *, semeval: int = 12_000, sst2: int = 6_000) -> pd.DataFrame:
    """English labelled sentences: SemEval pool and SST-2 (seeded samples), UCI, MAMS."""
    from analyzer.sentiment._data import read_semeval_pool, read_sst2_train, read_uci

    parts = [
        read_semeval_pool(data_dir)[["text", "label"]].sample(n=semeval, random_state=SEED),
        read_sst2_train(data_dir).sample(n=sst2, random_state=SEED),
        read_uci(data_dir),
        _mams_sentences(data_dir),
    ]
    corpus = pd.concat(parts, ignore_index=True).drop_duplicates("text")
    return corpus[corpus["label"].isin(LABELS)].reset_index(drop=True)


def _holdout(n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(SEED).permutation(n)
    cut = n // 10
    return order[cut:], order[:cut]


def fit_map(source: np.ndarray, target: np.ndarray) -> tuple[LinearMap, dict[str, float]]:
    """Ridge map source (n, 512) -> target (n, 384); alpha chosen on a 10% holdout."""
    from sklearn.linear_model import Ridge

    train, held = _holdout(len(source))
    scores = {}
    for alpha in MAP_ALPHAS:
        ridge = Ridge(alpha=alpha).fit(source[train], target[train])
        pred = LinearMap(ridge.coef_.T, ridge.intercept_, "")(source[held])
        scores[alpha] = float(np.mean(np.sum(pred * target[held], axis=1)))
    best = max(scores, key=lambda a: scores[a])
    ridge = Ridge(alpha=best).fit(source, target)
    figures = {"alpha": best, "holdout_mean_cosine": round(scores[best], 4)}
    return LinearMap(ridge.coef_.T, ridge.intercept_, ""), figures


def fit_head(vectors: np.ndarray, labels: np.ndarray) -> tuple[SentimentHead, dict[str, float]]:
    """Logistic regression on the multilingual vectors; C chosen on a 10% holdout."""
    from sklearn.linear_model import LogisticRegression

    train, held = _holdout(len(vectors))
    scores = {}
    for c in HEAD_CS:
        clf = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
        clf.fit(vectors[train], labels[train])
        scores[c] = float(np.mean(clf.predict(vectors[held]) == labels[held]))
    best = max(scores, key=lambda c: scores[c])
    clf = LogisticRegression(C=best, max_iter=2000, class_weight="balanced").fit(vectors, labels)
    order = [list(clf.classes_).index(label) for label in LABELS]
    head = SentimentHead(clf.coef_[order], clf.intercept_[order])
    return head, {"C": best, "holdout_accuracy": round(scores[best], 4)}


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    args.out = args.out or default_model_dir()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    from analyzer.embed import MINILM_NAME, get_embedder

    encoder, minilm = MultilingualEncoder(), get_embedder("minilm")
    minilm.encode(["load"])
    _one_thread()  # two threads on two shared cores run several times slower than one
    t0 = time.perf_counter()
    texts = map_corpus(args.data_dir)
    linear_map, map_figures = fit_map(encoder.encode(texts), minilm.encode(texts))
    linear_map.target = MINILM_NAME
    log.info("map: %d sentences, %s (%.0f s)", len(texts), map_figures, time.perf_counter() - t0)
    corpus = sentiment_corpus(args.data_dir)
    head, head_figures = fit_head(
        encoder.encode(corpus["text"].tolist()), corpus["label"].to_numpy()
    )
    log.info("head: %d sentences, %s", len(corpus), head_figures)
    args.out.mkdir(parents=True, exist_ok=True)
    linear_map.save(args.out / "map.npz")
    head.save(args.out / "sentiment.npz")
    config = {
        "encoder": ENCODER_NAME,
        "map": {"target": MINILM_NAME, "sentences": len(texts), **map_figures},
        "sentiment": {
            "labels": list(LABELS),
            "sentences": len(corpus),
            "per_label": corpus["label"].value_counts().to_dict(),
            **head_figures,
        },
    }
    (args.out / "config.json").write_text(json.dumps(config, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
