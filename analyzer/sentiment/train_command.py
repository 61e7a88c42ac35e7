"""``cxa train-sentiment``: parse the options and train the clause-level or the aspect branch.

Kept apart from the two trainers (:mod:`analyzer.sentiment.training` for the clause-level
branch, :mod:`analyzer.sentiment.aspect_training` for the aspect branch) so that each of
them is importable without the other: ``--sources`` with ``mams`` hands over to the aspect
trainer. ``python benchmarks/train_sentiment.py --help`` lists the options.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from analyzer.sentiment import _data
from analyzer.sentiment.training import (
    TrainConfig,
    cache_hidden_states,
    holdout_split,
    load_corpus,
    subsample,
    train_branch,
)

log = logging.getLogger(__name__)


def _parse(argv: Sequence[str] | None) -> tuple[TrainConfig, argparse.Namespace]:
    defaults = TrainConfig()
    p = argparse.ArgumentParser(
        prog="train-sentiment",
        description="Train the MiniLM sentiment branch (models/sentiment) from shared/data.",
    )
    p.add_argument("--data-dir", type=Path, default=_data.default_data_dir())
    p.add_argument("--out", type=Path, default=None, help="model folder (default models/sentiment)")
    p.add_argument("--cache-dir", type=Path, default=Path("/tmp/cxa-sentiment-cache"))
    p.add_argument(
        "--sources",
        default=",".join(defaults.sources),
        help="comma-separated subset of sst2,semeval,uci,mams (with mams: the aspect branch)",
    )
    p.add_argument(
        "--warm-start",
        default=None,
        help="aspect branch only: start from this clause-level model folder "
        "(default models/sentiment; 'none' starts from MiniLM's layers)",
    )
    ints = ("seed", "epochs", "batch_size", "max_length", "input_layer", "n_layers", "threads")
    for name in (*ints, "sst2_rows", "semeval_rows", "mams_repeat", "eval_every", "max_steps"):
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(defaults, name))
    for name in ("lr", "head_lr"):
        p.add_argument(f"--{name.replace('_', '-')}", type=float, default=getattr(defaults, name))
    p.add_argument("--limit", type=int, default=0, help="train on the first N rows (smoke test)")
    args = p.parse_args(argv)
    if not (args.input_layer >= 1 and args.n_layers >= 1 and args.input_layer + args.n_layers <= 6):
        p.error("--input-layer + --n-layers must be at most 6 (MiniLM has 6 layers), both >= 1")
    config = TrainConfig(
        seed=args.seed,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        head_lr=args.head_lr,
        max_length=args.max_length,
        input_layer=args.input_layer,
        n_layers=args.n_layers,
        sources=tuple(args.sources.split(",")),
        threads=args.threads,
        sst2_rows=args.sst2_rows,
        semeval_rows=args.semeval_rows,
        mams_repeat=args.mams_repeat,
        eval_every=args.eval_every,
        max_steps=args.max_steps,
    )
    return config, args


def main(argv: Sequence[str] | None = None) -> int:
    """Train and save the sentiment model; returns a process exit code."""
    import torch

    from analyzer.sentiment._minilm import _default_model_dir, load_base_model
    from analyzer.sentiment._model import save_branch

    config, args = _parse(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    torch.set_num_threads(config.threads)
    unknown = sorted(set(config.sources) - {"sst2", "semeval", "uci", "mams"})
    if unknown:
        raise SystemExit(f"Unknown --sources {unknown}; choose from sst2, semeval, uci, mams.")
    if "mams" in config.sources:
        from analyzer.sentiment import aspect_training

        if args.warm_start is None:
            args.warm_start = str(_default_model_dir())
        return aspect_training.run(config, args)
    out = args.out or _default_model_dir()
    corpus = subsample(load_corpus(args.data_dir, config.sources), config)
    train, holdout = holdout_split(corpus, config)
    if args.limit:
        train = train.sample(n=min(args.limit, len(train)), random_state=config.seed)
        train = train.reset_index(drop=True)
    rows = {k: int(v) for k, v in train.groupby("source").size().items()}
    log.info("train %d rows %s; held out %d", len(train), rows, len(holdout))
    model = load_base_model()
    start = time.perf_counter()
    train_cache = cache_hidden_states(train["text"].tolist(), model, config, args.cache_dir)
    holdout_cache = cache_hidden_states(holdout["text"].tolist(), model, config, args.cache_dir)
    cache_seconds = round(time.perf_counter() - start, 1)
    log.info("hidden states ready in %.0fs", cache_seconds)

    def save(branch: Any, history: list[dict[str, float]]) -> None:
        branch.config.extra = {
            "training": asdict(config),
            "training_rows": rows,
            "heldout_rows": {k: int(v) for k, v in holdout.groupby("source").size().items()},
            "heldout": history,
            "cache_seconds": cache_seconds,
            "train_seconds": history[-1]["seconds"],
        }
        save_branch(branch, out)
        log.info("saved %s (selection %.4f)", out, history[-1]["selection"])

    train_branch(model, train, train_cache, holdout, holdout_cache, config, on_best=save)
    return 0
