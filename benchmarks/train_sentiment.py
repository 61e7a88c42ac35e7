"""Train the shipped sentiment model (``models/sentiment``); see ``models/sentiment/MODEL_CARD.md``.

Usage::

    HF_HUB_OFFLINE=1 nice -n 10 python benchmarks/train_sentiment.py            # full recipe
    HF_HUB_OFFLINE=1 python benchmarks/train_sentiment.py --limit 2000 --epochs 1 --out /tmp/m

The training code lives in :mod:`analyzer.sentiment.training` so the CLI can expose it too.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (``sys.argv[1:]`` when None), train and save; return the exit code."""
    from analyzer.sentiment.train_command import main as train_main

    return train_main(argv)


if __name__ == "__main__":
    sys.exit(main())
