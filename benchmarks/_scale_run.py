"""One run of benchmarks/scale.py: ``cxa analyze`` in this fresh process, then the raw passes.

    python benchmarks/_scale_run.py RESULT.json EXPORT OUT [cxa analyze options...]

Runs the ``cxa analyze`` command in-process (``-v``: each stage logs its seconds, which are
collected), then, in the same process with the models warm, times the forward passes alone
on the mentions the run wrote: the encoder plus the clause-level sentiment branch in one
pass (what the default run needs, as benchmarks/scoring.py counts "raw"), and the encoder
alone (``SentenceTransformer.encode`` through the project's embedder). Writes RESULT.json.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import sys
import time
from pathlib import Path

import psutil

STARTED = psutil.Process().create_time()
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


class _Stages(logging.Handler):
    """Collects the ``stage NAME took S s`` records the pipeline and the CLI log."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seconds: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg == "stage %s took %.2f s":
            name, seconds = record.args  # type: ignore[misc]
            self.seconds[str(name)] = self.seconds.get(str(name), 0.0) + float(seconds)


def _raw(mentions: object, limit: int, seed: int) -> dict[str, float | int]:
    """Seconds of the forward passes alone on the English-path mentions (a sample of at
    most ``limit`` of them, scaled up to all)."""
    import numpy as np

    from analyzer.config import make_config
    from analyzer.multilingual import is_foreign
    from analyzer.pipeline import Components
    from analyzer.sentiment import encode_with_sentiment
    from analyzer.text.normalise import embedding_texts

    frame = mentions  # pandas.DataFrame of the run's mentions
    texts = embedding_texts(frame.loc[~is_foreign(frame["language"]), "text"].tolist())  # type: ignore[attr-defined]
    n = len(texts)
    if n > limit:
        pick = np.sort(np.random.default_rng(seed).choice(n, size=limit, replace=False))
        texts = [texts[i] for i in pick]
    comps = Components.from_config(make_config(use_cache=False))
    model = comps.embedder.shared_encoder()  # type: ignore[attr-defined]
    encode_with_sentiment(texts[:64], model=model, backend=comps.sentiment)  # warm-up
    t0 = time.perf_counter()
    encode_with_sentiment(texts, model=model, backend=comps.sentiment)  # type: ignore[arg-type]
    both = time.perf_counter() - t0
    comps.embedder.encode(texts[:64])
    t0 = time.perf_counter()
    comps.embedder.encode(texts)
    encoder = time.perf_counter() - t0
    scale = n / max(len(texts), 1)
    return {
        "raw_s": both * scale,
        "encoder_s": encoder * scale,
        "raw_mentions": n,
        "raw_sampled": len(texts),
    }


def main(argv: list[str]) -> int:
    result_path, export, out, *options = argv
    stages = _Stages()
    logger = logging.getLogger("analyzer")
    logger.addHandler(stages)
    logger.setLevel(logging.INFO)
    from analyzer.cli import app

    code = app(["-v", "analyze", export, "--out", out, *options], standalone_mode=False)
    if code not in (0, None):
        return int(code)
    wall = time.time() - STARTED
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    import duckdb
    import pandas as pd

    con = duckdb.connect(str(Path(out) / "cxa.duckdb"), read_only=True)
    info = json.loads(con.execute("SELECT info FROM runs").fetchone()[0])  # type: ignore[index]
    con.close()
    mentions = pd.read_parquet(Path(out) / "mentions.parquet", columns=["text", "language"])
    limit = int(os.environ.get("CXA_SCALE_RAW_LIMIT", "20000"))
    result = {
        "wall_s": wall,
        "stages": stages.seconds,
        "peak_rss_mb": own,
        "worker_peak_rss_mb": workers,
        "responses": info["n_responses"],
        "mentions": info["n_mentions"],
        "distinct_mentions": int(mentions["text"].nunique()),
        "fit_sample": info.get("fit_sample"),
        "load_average": os.getloadavg()[0],
        **_raw(mentions, limit, seed=0),
    }
    Path(result_path).write_text(json.dumps(result, indent=2), "utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
