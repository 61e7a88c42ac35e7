"""Sentiment benchmark: VADER vs the trained MiniLM branch on data neither was trained on.

Sets (none is read by the training script or by model selection):

- ``mams-test``     MAMS-ACSA test, 881 (restaurant sentence, aspect category) pairs, three
                    classes: the polarity *toward the given category*. Aspect-conditioned
                    backends get the category name as the aspect; the others score the
                    sentence (one polarity per sentence);
- ``sst2-dev``      GLUE SST-2 dev, 872 movie-review sentences, binary: a prediction counts as
                    positive when its score >= 0 (so both backends make a binary call);
- ``semeval2017``   SemEval-2017 Task 4A English test (= TweetEval test), 12,284 tweets, three
                    classes; the official metric is macro-averaged recall;
- ``alexa``         Amazon Alexa reviews: 1-2 stars negative, 3 neutral, 4-5 positive;
- ``demo``          ``analyzer.demo.generate(3000, seed=0)`` ground truth, per mention; the
                    aspect is the planted theme's key in words (``delivery speed``), as a
                    theme label would be.

Also times the shared pass (embedding + kept lower-layer states + the sentiment branch,
each mention toward a theme label) against the embedding pass alone.

Usage::

    HF_HUB_OFFLINE=1 nice -n 10 python benchmarks/sentiment.py [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

import numpy as np
import pandas as pd

from analyzer.sentiment import AspectSentiment, get_backend
from analyzer.sentiment import _data as data
from analyzer.sentiment.evaluation import classification_scores

RESULTS = Path(__file__).resolve().parent / "results" / "sentiment.txt"
TIMING = RESULTS.with_name("sentiment_timing.txt")
TARGETS = (
    "Targets: MAMS-ACSA test accuracy >= 0.78; SST-2 dev accuracy >= 0.88; SemEval-2017 "
    "macro-recall >= 0.68; Alexa and demo macro-F1 >= VADER + 0.20; added cost <= +50%"
)
BACKENDS = "vader,minilm-sentiment,minilm-aspect"


def _demo_truth() -> pd.DataFrame | None:
    try:
        from analyzer import demo
    except ImportError:
        return None
    _, truth = demo.generate(3000, seed=0)
    aspect = truth["theme"].astype(str).str.replace("_", " ")
    return pd.DataFrame(
        {"text": truth["text"].astype(str), "label": truth["sentiment"], "aspect": aspect}
    )


def _mams_test(data_dir: Path) -> pd.DataFrame:
    return data.read_mams_test(data_dir)[["text", "label", "aspect"]]


def evaluation_sets(data_dir: Path) -> dict[str, Callable[[], pd.DataFrame | None]]:
    """Name -> loader of a DataFrame with ``text``, ``label`` and optionally ``aspect``."""
    return {
        "mams-test": lambda: _mams_test(data_dir),
        "sst2-dev": lambda: data.read_sst2_dev(data_dir),
        "semeval2017": lambda: data.read_semeval_test(data_dir),
        "alexa": lambda: data.read_alexa(data_dir),
        "demo": _demo_truth,
    }


def score_backend(name: str, df: pd.DataFrame, **kwargs: object) -> tuple[dict[str, float], float]:
    """Scores of backend ``name`` on ``df`` and the seconds it took."""
    backend = get_backend(name, **kwargs)
    start = time.perf_counter()
    if "aspect" in df and isinstance(backend, AspectSentiment):
        labels, scores = backend.predict_aspects(df["text"].tolist(), df["aspect"].tolist())
    else:
        labels, scores = backend.predict(df["text"].tolist())
    seconds = time.perf_counter() - start
    if set(df["label"]) <= {"negative", "positive"}:
        labels = np.where(scores >= 0, "positive", "negative")
    return classification_scores(df["label"], labels), seconds


def run_table(
    backends: Sequence[str],
    data_dir: Path,
    sets: Sequence[str] | None = None,
    model_dirs: dict[str, Path] | None = None,
) -> list[str]:
    """One line per (set, backend) with accuracy, macro-F1 and macro-recall."""
    header = ("set", "n", "backend", "accuracy", "macro-F1", "m-recall", "sec")
    lines = ["{:<12} {:>6} {:<17} {:>8} {:>8} {:>8} {:>6}".format(*header)]
    model_dirs = model_dirs or {}
    for set_name, load in evaluation_sets(data_dir).items():
        if sets and set_name not in sets:
            continue
        df = load()
        if df is None:
            lines.append(f"{set_name:<12} {'-':>6} not available (analyzer.demo not importable)")
            continue
        for name in backends:
            kwargs = {"model_dir": model_dirs[name]} if name in model_dirs else {}
            s, seconds = score_backend(name, df, **kwargs)
            lines.append(
                f"{set_name:<12} {len(df):>6} {name:<17} {s['accuracy']:>8.3f} "
                f"{s['macro_f1']:>8.3f} {s['macro_recall']:>8.3f} {seconds:>6.1f}"
            )
            print(lines[-1], flush=True)
    return lines


THEME_LABELS = ("delivery speed", "app crashes", "customer service", "price", "checkout")


def run_timing(
    texts: Sequence[str], backend_name: str, repeats: int, model_dir: Path | None = None
) -> list[str]:
    """Seconds per 1,000 texts: embedding alone vs the shared pass with sentiment.

    The shared pass is what the pipeline runs: one MiniLM pass that returns the embeddings
    and keeps the lower-layer states, then the sentiment branch on the kept states, each
    text toward one of a few theme labels (cycled) for an aspect-conditioned backend.
    """
    from analyzer.sentiment import encode_with_states
    from analyzer.sentiment._minilm import load_base_model

    model = load_base_model()
    kwargs = {"model_dir": model_dir} if model_dir else {}
    backend = get_backend(backend_name, base_model=model, **kwargs)
    aspects = [THEME_LABELS[i % len(THEME_LABELS)] for i in range(len(texts))]

    def shared(items: Sequence[str]) -> None:
        _, states = encode_with_states(
            items, model=model, input_layer=backend.states_layer(), batch_size=64
        )
        backend.predict_states(states, aspects[: len(items)])

    shared(texts[:64])  # warm up (loads the branch, encodes the aspects once)
    embed, both = [], []
    for _ in range(repeats):  # interleaved, best of n: the CPU is shared
        start = time.perf_counter()
        model.encode(list(texts), batch_size=64, normalize_embeddings=True)
        embed.append(time.perf_counter() - start)
        start = time.perf_counter()
        shared(texts)
        both.append(time.perf_counter() - start)
    per_k = 1000 / len(texts)
    e, b = min(embed) * per_k, min(both) * per_k
    return [
        f"timing on {len(texts)} SemEval-2017 test tweets (best of {repeats} interleaved runs on a "
        f"shared CPU, s per 1,000 texts, torch threads {__import__('torch').get_num_threads()}):",
        f"  embedding only (SentenceTransformer.encode)        {e:6.2f}",
        f"  embedding + {backend_name + ' (shared pass)':<38} {b:6.2f}",
        f"  added by sentiment                                 {b - e:6.2f}  (+{(b / e - 1):.0%})",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    """Print the benchmark table (and timing) and save it to ``--out``."""
    import torch

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backends", default=BACKENDS)
    p.add_argument("--sets", default="", help="comma-separated subset of the sets (default all)")
    p.add_argument("--data-dir", type=Path, default=data.default_data_dir())
    p.add_argument("--timing-backend", default="minilm-aspect")
    p.add_argument("--aspect-model-dir", type=Path, default=None, help="another minilm-aspect")
    p.add_argument("--no-table", action="store_true", help="only the timing")
    p.add_argument("--timing-texts", type=int, default=1000, help="0 skips the timing")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--timing-out", type=Path, default=TIMING)
    args = p.parse_args(argv)
    torch.set_num_threads(2)
    if not args.no_table:
        lines = ["Sentiment benchmark (no set below was used for training or tuning)", TARGETS, ""]
        sets = [x for x in args.sets.split(",") if x]
        dirs = {"minilm-aspect": args.aspect_model_dir} if args.aspect_model_dir else {}
        lines += run_table(args.backends.split(","), args.data_dir, sets, dirs)
        _write(args.out, lines)
    if args.timing_texts:
        tweets = data.read_semeval_test(args.data_dir)["text"].tolist()[: args.timing_texts]
        model_dir = args.aspect_model_dir if args.timing_backend == "minilm-aspect" else None
        _write(args.timing_out, run_timing(tweets, args.timing_backend, args.repeats, model_dir))
    return 0


def _write(path: Path, lines: list[str]) -> None:
    text = "\n".join(lines) + "\n"
    print(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
