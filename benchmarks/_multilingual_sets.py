"""Data and cached vectors for the multilingual encoder comparison (benchmarks/multilingual.py).

- :func:`fixture`: the hand-written foreign comments of ``tests/multilingual/fixtures`` (225
  comments, French, German, Italian, Portuguese, Spanish; each with its label, an English
  gloss and a ``dev`` / ``test`` split);
- :func:`english_sets`: English held-out sets from ``shared/data`` (none is in the heads'
  training corpus);

Vectors are cached on disk by :func:`analyzer.multilingual.training.encode_cached` (under
``.cache/multilingual/``; multilingual-e5 embeds about 30 texts/s here, so the 23,566
training sentences take about 15 minutes once).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "multilingual" / "fixtures" / "comments.tsv"
SEED = 0


def fixture() -> pd.DataFrame:
    """The hand-written foreign comments: id, language, split, label, traits, text, english."""
    return pd.read_csv(FIXTURE, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)


def _balanced(df: pd.DataFrame, per_label: int) -> pd.DataFrame:
    parts = [g.sample(n=min(per_label, len(g)), random_state=SEED) for _, g in df.groupby("label")]
    return pd.concat(parts, ignore_index=True)


def english_sets(data_dir: Path) -> dict[str, Callable[[], pd.DataFrame]]:
    """Name -> loader of an English held-out set (``text``, ``label``).

    ``tweets-balanced``: 500 tweets per class of the SemEval-2017 test set (the issue's
    held-out tweets are balanced across the three classes); ``sst2-dev``: 872 movie-review
    sentences, binary; ``alexa``: 3,071 product reviews by stars (1-2 negative, 3 neutral,
    4-5 positive), mostly positive.
    """
    from analyzer.sentiment import _data as data

    return {
        "tweets-balanced": lambda: _balanced(data.read_semeval_test(data_dir), 500),
        "sst2-dev": lambda: data.read_sst2_dev(data_dir),
        "alexa": lambda: data.read_alexa(data_dir),
    }
