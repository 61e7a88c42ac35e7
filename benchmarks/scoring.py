"""Batch scoring (`cxa score`): raw encoder speed vs end to end, backends, quality and memory.

Run from the repository root (long: use nice)::

    nice -n 5 .venv/bin/python benchmarks/scoring.py [--comments 5000] [--seed 1]

In one run, on the same demo comments, it measures

1. per embedding backend (minilm = PyTorch, onnx / onnx-int8 = ONNX Runtime when installed,
   static = model2vec, used by --fast): the raw throughput of the forward passes scoring
   needs (the encoder alone on the mention texts, on every core; the default sentiment
   backend, VADER, has no layers) and the end-to-end throughput of ``score_export`` (read,
   validate, redact + split, embed, assign themes, sentiment, write Parquet + DuckDB),
   with models already loaded (a warm-up job pays first-use costs);
2. theme assignment alone: our ``ThemeModel.transform`` vs BERTopic's ``transform`` on the
   same mentions and MiniLM embeddings (BERTopic fitted once on them);
3. quality of the static model vs MiniLM: NMI of KMeans(77) on banking77's test set, and
   cosine similarity of the ONNX backends to PyTorch's vectors;
4. memory: peak RSS of ``cxa score --fast`` in a fresh process on a 20,000- and a
   200,000-row export (which must be within 20% of each other).

The table is printed and saved to ``benchmarks/results/scoring.txt``.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
from _measure import watch_peak_rss

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results" / "scoring.txt"
BANKING77 = Path(os.environ.get("CXA_BANKING77", ROOT.parent / "shared/data/banking77/test.csv"))
CLI = "import analyzer.cli.score; from analyzer.cli import app; app()"


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _config(embedding: str, fast: bool = False) -> Any:
    from analyzer.config import make_config

    spacy = "blank" if fast else "en_core_web_sm"
    return make_config(embedding=embedding, spacy_model=spacy, use_cache=False)


def fit_model(export: Path, embedding: str, folder: Path) -> Path:
    """Fit and save a theme model with ``embedding`` (as ``cxa analyze --model`` does)."""
    from analyzer.config import make_config
    from analyzer.pipeline import analyze_and_store
    from analyzer.store import Store

    config = make_config(embedding=embedding, use_cache=False)
    analyze_and_store(export, Store(folder / "fit.duckdb"), config=config, model_dir=folder)
    return folder


def time_encode(embedding: str, texts: list[str]) -> tuple[float, np.ndarray]:
    """Seconds the forward passes scoring needs take on ``texts`` (after a warm-up).

    That is the encoder alone, plus the sentiment branch's own layers where the default
    sentiment has them (the MiniLM branch shares the embedding pass); VADER has no layers.
    """
    from analyzer.pipeline import Components, embed_with_sentiment

    comps = Components.from_config(_config(embedding, embedding == "static"))
    if comps.sentiment.name == "minilm-sentiment":
        embed_with_sentiment(texts[:64], comps)
        t0 = time.perf_counter()
        vectors = embed_with_sentiment(texts, comps)[0]
        return time.perf_counter() - t0, vectors
    comps.embedder.encode(texts[:64])
    t0 = time.perf_counter()
    vectors = comps.embedder.encode(texts)
    return time.perf_counter() - t0, vectors


def time_score(export: Path, warmup: Path, model_dir: Path, embedding: str, tmp: Path) -> Any:
    """End-to-end ``score_export`` on ``export`` with warm models; returns the BatchResult."""
    from analyzer.batch import ScoringSpec, score_export

    fast = embedding == "static"
    spec = ScoringSpec(model_dir=str(model_dir), config=_config(embedding, fast))
    score_export(warmup, spec, tmp / f"warm-{embedding}", db=tmp / "warm.duckdb")
    out = tmp / f"score-{embedding}"
    return score_export(export, spec, out, db=tmp / "bench.duckdb", resume=False)


def backend_rows(export: Path, warmup: Path, models: dict[str, Path], tmp: Path) -> list[dict]:
    """Raw encoder vs end-to-end throughput per backend, on the same comments."""
    rows, n_comments = [], len(pd.read_csv(export, usecols=[0]))
    backends = ["minilm"] + (["onnx", "onnx-int8"] if _has("onnxruntime") else []) + ["static"]
    reference = None
    for name in backends:
        model_dir = models["static" if name == "static" else "minilm"]
        result = time_score(export, warmup, model_dir, name, tmp)
        texts = pd.read_parquet(result.out / "mentions.parquet")["text"].tolist()
        raw_s, vectors = time_encode(name, texts)
        if name == "minilm":
            reference = vectors
        cosine = (vectors * reference).sum(1) if vectors.shape == reference.shape else None
        rows.append(
            {
                "backend": name + (" (--fast)" if name == "static" else ""),
                "mentions": len(texts),
                "raw": n_comments / raw_s,
                "e2e": result.n_responses / result.seconds,
                "cos_mean": None if cosine is None else float(cosine.mean()),
                "cos_min": None if cosine is None else float(cosine.min()),
                "vectors": vectors,
                "texts": texts,
            }
        )
        print(f"  {name}: raw {rows[-1]['raw']:.0f}/s, e2e {rows[-1]['e2e']:.0f}/s", flush=True)
    return rows


def theme_assignment(texts: list[str], vectors: np.ndarray, model_dir: Path) -> dict[str, float]:
    """Seconds to assign themes: our ThemeModel.transform vs BERTopic.transform (embeddings
    given to both; BERTopic fitted once on the same mentions)."""
    from bertopic import BERTopic

    from analyzer.themes import ThemeModel

    ours = ThemeModel.load(model_dir)
    ours.transform(texts[:10], vectors[:10])
    t0 = time.perf_counter()
    ours.transform(texts, vectors)
    ours_s = time.perf_counter() - t0
    topic_model = BERTopic(min_topic_size=10, verbose=False)
    t0 = time.perf_counter()
    topic_model.fit(texts, vectors)
    fit_s = time.perf_counter() - t0
    topic_model.transform(texts[:10], vectors[:10])
    t0 = time.perf_counter()
    topic_model.transform(texts, vectors)
    return {"ours": ours_s, "bertopic": time.perf_counter() - t0, "bertopic_fit": fit_s}


def banking77_nmi() -> dict[str, float]:
    """NMI of KMeans(77) clusters with banking77's intents, per embedding backend."""
    from sklearn.cluster import KMeans
    from sklearn.metrics import normalized_mutual_info_score

    from analyzer.embed import get_embedder

    data = pd.read_csv(BANKING77)
    texts, truth = data["text"].astype(str).tolist(), data["category"].tolist()
    scores = {}
    for name in ("minilm", "static"):
        vectors = get_embedder(name).encode(texts)
        labels = KMeans(77, n_init=3, random_state=0).fit_predict(vectors)
        scores[name] = float(normalized_mutual_info_score(truth, labels))
    return scores


def peak_rss_mb(cmd: list[str]) -> tuple[float, float]:
    """Run ``cmd``; return its peak RSS in MiB (children included) and its wall time."""
    t0 = time.perf_counter()
    proc = psutil.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = watch_peak_rss(proc)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd} failed with exit code {proc.returncode}")
    return peak, time.perf_counter() - t0


def big_export(base: Path, n: int, target: Path) -> Path:
    """``n`` rows made of copies of ``base`` with fresh response ids (fast to write)."""
    frame = pd.read_csv(base, dtype=str, keep_default_na=False)
    copies = -(-n // len(frame))
    out = pd.concat([frame] * copies, ignore_index=True).head(n)
    out["response_id"] = [f"R{i:07d}" for i in range(1, n + 1)]
    out.to_csv(target, index=False)
    return target


def memory_rows(base: Path, model_dir: Path, sizes: list[int], tmp: Path) -> list[dict]:
    """Peak RSS and wall time of a fresh ``cxa score --fast`` process per export size."""
    rows = []
    for n in sizes:
        export = big_export(base, n, tmp / f"big-{n}.csv")
        out = tmp / f"big-out-{n}"
        cmd = [sys.executable, "-c", CLI, "score", str(export), "--model", str(model_dir),
               "--out", str(out), "--fast", "--no-resume"]  # fmt: skip
        peak, wall = peak_rss_mb(cmd)
        rows.append({"rows": n, "peak_mb": peak, "wall": wall, "rate": n / wall})
        print(f"  {n} rows: peak {peak:.0f} MiB, {wall:.1f}s", flush=True)
    return rows


def _fmt_cos(row: dict) -> str:
    if row["cos_mean"] is None:
        return "-"
    return f"{row['cos_mean']:.4f} / {row['cos_min']:.4f}"


def report(info: dict[str, Any]) -> list[str]:
    """The result table as text lines."""
    rows, n = info["backends"], info["comments"]
    lines = [
        f"cxa score on {n} demo comments (seed {info['seed']}), "
        f"{rows[0]['mentions']} mentions; en_core_web_sm redaction; default sentiment "
        "(MiniLM branch sharing the pass for minilm, VADER for the others)",
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"python {platform.python_version()}, load average at start {info['load']:.1f}",
        "",
        "throughput in comments/s (raw = the forward passes alone on the mention texts: the",
        "encoder, plus the sentiment branch's layers for minilm; all cores;",
        "e2e = read, validate, redact + split, embed, themes, sentiment, write; models loaded)",
        f"{'backend':<18}{'raw':>9}{'e2e':>9}{'e2e/raw':>9}   cosine to PyTorch (mean / min)",
    ]
    for r in rows:
        ratio = r["e2e"] / r["raw"]
        lines.append(
            f"{r['backend']:<18}{r['raw']:>9.0f}{r['e2e']:>9.0f}{ratio:>9.0%}   {_fmt_cos(r)}"
        )
    lines.append("(static --fast uses spaCy's blank pipeline: rule-based redaction, no NER)")
    if "themes" in info:
        t, m = info["themes"], rows[0]["mentions"]
        lines += [
            "",
            f"theme assignment of {m} mentions (MiniLM embeddings given to both)",
            f"  ThemeModel.transform   {t['ours']:8.3f} s  {m / t['ours']:>10.0f} mentions/s",
            f"  BERTopic.transform     {t['bertopic']:8.3f} s  "
            f"{m / t['bertopic']:>10.0f} mentions/s  ({t['bertopic'] / t['ours']:.0f}x slower; "
            f"fit took {t['bertopic_fit']:.1f} s)",
        ]
    if "nmi" in info:
        q = info["nmi"]
        lines += [
            "",
            "quality: NMI of KMeans(77) with banking77 test intents (3,080 texts)",
            f"  minilm {q['minilm']:.3f}   static {q['static']:.3f}   "
            f"loss {q['minilm'] - q['static']:+.3f}",
            "  (sentiment: VADER ignores embeddings, so its accuracy does not change)",
        ]
    if "memory" in info:
        lines += ["", "memory: fresh 'cxa score --fast' process (startup and model load included)"]
        for r in info["memory"]:
            lines.append(
                f"  {r['rows']:>8,} rows  peak RSS {r['peak_mb']:7.0f} MiB  "
                f"{r['wall']:7.1f} s  {r['rate']:7.0f} comments/s"
            )
        a, b = info["memory"][0]["peak_mb"], info["memory"][-1]["peak_mb"]
        lines.append(f"  peak ratio {b / a:.2f} (target: within 20%)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--comments", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--fit-rows", type=int, default=3000)
    parser.add_argument("--memory-rows", default="20000,200000")
    parser.add_argument("--skip", default="", help="comma list of: bertopic,nmi,memory")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    from analyzer import demo

    info: dict[str, Any] = {"comments": args.comments, "seed": args.seed}
    info["load"] = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        export, _ = demo.write(tmp / "score.csv", args.comments, seed=args.seed)
        warmup, _ = demo.write(tmp / "warmup.csv", 300, seed=args.seed + 100)
        fit, _ = demo.write(tmp / "fit.csv", args.fit_rows, seed=0)
        print("fitting theme models (minilm, static)...", flush=True)
        models = {e: fit_model(fit, e, tmp / f"model-{e}") for e in ("minilm", "static")}
        print("backends:", flush=True)
        info["backends"] = backend_rows(export, warmup, models, tmp)
        minilm = info["backends"][0]
        if "bertopic" not in skip:
            info["themes"] = theme_assignment(minilm["texts"], minilm["vectors"], models["minilm"])
        if "nmi" not in skip:
            info["nmi"] = banking77_nmi()
        if "memory" not in skip:
            sizes = [int(s) for s in args.memory_rows.split(",")]
            info["memory"] = memory_rows(export, models["static"], sizes, tmp)
    lines = report(info)
    print("\n".join(lines))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
