"""BERTopic both ways on the demo export, with the bundled MiniLM: what the export costs, and
what a BERTopic model's topics become when they seed `cxa analyze`.

Run from the repository root (heavy: two analyses and a BERTopic fit)::

    flock /tmp/cxa-heavy.lock nice -n 5 \
        .venv/bin/python benchmarks/bertopic_interop.py [--rows 3000]

1. `cxa analyze` on demo export A; `cxa themes export-bertopic` of that run (time, in a fresh
   process, so BERTopic's import is counted); `BERTopic.load` of the folder: topic sizes and
   labels against the run's themes (sizes: the theme's mention rows, as per-theme figures
   count them).
2. Plain `BERTopic()` (UMAP seeded, HDBSCAN) fitted on run A's mentions and their MiniLM
   vectors, saved with pickle (keeps representative documents) and with safetensors (keeps
   none); `cxa analyze` of demo export B seeded from each: how many seed themes drew
   mentions, how many mentions they hold, how many themes in all (against B unseeded).

Prints a table, also saved to ``benchmarks/results/bertopic_interop.txt``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
CXA = [sys.executable, "-m", "analyzer"]


def _cxa(*args: str) -> float:
    start = time.perf_counter()
    subprocess.run([*CXA, *args], check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def _fit_bertopic(out: Path, tmp: Path) -> int:
    """Plain BERTopic on run A's topical mentions; saved twice. Returns its topic count."""
    from bertopic import BERTopic
    from umap import UMAP

    from analyzer.config import cache_dir
    from analyzer.embed import get_embedder
    from analyzer.text.normalise import embedding_texts

    mentions = pd.read_parquet(out / "mentions.parquet")
    mentions = mentions[mentions["theme_id"] != -2]
    texts = mentions["text"].astype(str).tolist()
    vectors = get_embedder("minilm", cache_dir=cache_dir() / "embeddings").encode(
        embedding_texts(texts)
    )
    reducer = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=0)
    model = BERTopic(umap_model=reducer)
    model.fit_transform(texts, vectors)
    model.save(tmp / "bertopic.pkl")
    model.save(tmp / "bertopic-st", serialization="safetensors")
    return int((np.asarray(sorted(set(model.topics_))) >= 0).sum())


def _seeded(out: Path) -> tuple[int, int, int, int]:
    """Seeds, seed themes with mentions, mentions in seed themes, themes in all."""
    themes = pd.read_parquet(out / "themes.parquet")
    seeds = json.loads((out / "model" / "codeframe.json").read_text())["seeds"]
    ids = {int(s["theme_id"]) for s in seeds}
    sizes = themes[themes["theme_id"].isin(ids)]["size"]
    return len(seeds), int((sizes > 0).sum()), int(sizes.sum()), len(themes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=3000)
    args = parser.parse_args(argv)
    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        for name, seed in (("a", "0"), ("b", "1")):
            _cxa("demo-data", str(tmp / f"{name}.csv"), "--rows", str(args.rows), "--seed", seed)
        secs = _cxa("analyze", str(tmp / "a.csv"), "--out", str(tmp / "a"))
        rows.append(("cxa analyze A (s)", f"{secs:.1f}"))
        secs = _cxa(
            "themes", "export-bertopic", "latest", "--out", str(tmp / "bt"),
            "--db", str(tmp / "a" / "cxa.duckdb"),
        )  # fmt: skip
        rows.append(("cxa themes export-bertopic, fresh process (s)", f"{secs:.1f}"))
        from bertopic import BERTopic

        start = time.perf_counter()
        loaded = BERTopic.load(str(tmp / "bt"))
        rows.append(("BERTopic.load, MiniLM included (s)", f"{time.perf_counter() - start:.1f}"))
        info = loaded.get_topic_info().set_index("Topic")
        themes = pd.read_parquet(tmp / "a" / "themes.parquet").set_index("theme_id")
        mentions = pd.read_parquet(tmp / "a" / "mentions.parquet")
        rows = mentions.loc[mentions["theme_id"] >= 0, "theme_id"].value_counts()  # every row
        themes = themes.loc[rows.index]
        same = (info.loc[themes.index, "Count"] == rows).all() and (
            info.loc[themes.index, "CustomName"] == themes["label"]
        ).all()
        rows.append(
            ("topics / themes; sizes and labels equal", f"{len(info) - 1} / {len(themes)}; {same}")
        )
        rows.append(("plain BERTopic() topics on A's mentions", str(_fit_bertopic(tmp / "a", tmp))))
        _cxa("analyze", str(tmp / "b.csv"), "--out", str(tmp / "b"))
        plain = len(pd.read_parquet(tmp / "b" / "themes.parquet"))
        rows.append(("themes of B, unseeded", str(plain)))
        for kind, path in (("pickle", "bertopic.pkl"), ("safetensors", "bertopic-st")):
            out = tmp / f"b-{kind}"
            _cxa(
                "analyze",
                str(tmp / "b.csv"),
                "--out",
                str(out),
                "--seed-from-bertopic",
                str(tmp / path),
            )
            n, drew, held, total = _seeded(out)
            rows.append(
                (f"B seeded ({kind}): seeds, with mentions, their mentions, themes",
                 f"{n}, {drew}, {held}, {total}")
            )  # fmt: skip
    width = max(len(k) for k, _ in rows)
    text = "\n".join(f"{k:<{width}}  {v}" for k, v in rows)
    print(text)
    results = ROOT / "benchmarks" / "results"
    results.mkdir(exist_ok=True)
    (results / "bertopic_interop.txt").write_text(f"rows={args.rows}\n{text}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
