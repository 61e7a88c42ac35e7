"""Score chunks on this machine, overlapping text processing with embedding.

A single worker thread reads, validates, redacts and splits chunk i+1 (spaCy, mostly
single-threaded) while the calling thread embeds chunk i and assigns its themes and
sentiment (PyTorch or ONNX Runtime on every core). At most two chunks are in memory.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pandas as pd

from analyzer.batch.setup import ScoringSpec, cached_scorer

if TYPE_CHECKING:
    from analyzer.ingest import IngestResult
    from analyzer.text import TextProcessor

Chunk = tuple[int, "IngestResult"]
Split = tuple[pd.DataFrame, pd.DataFrame]
Scored = tuple[int, "IngestResult", "Split | None"]


def _prepare(
    chunks: Iterator[Chunk], processor: TextProcessor, finished: set[int]
) -> tuple[int, IngestResult, Split | None] | None:
    from analyzer.pipeline import split_frame

    item = next(chunks, None)
    if item is None:
        return None
    index, ingest = item
    if index in finished:
        return index, ingest, None
    return index, ingest, split_frame(ingest.responses, processor)


def score_local(chunks: Iterator[Chunk], spec: ScoringSpec, finished: set[int]) -> Iterator[Scored]:
    """Score ``chunks`` in this process; yield ``(index, ingest, (responses, mentions))``.

    Chunks whose index is in ``finished`` are read (to keep row numbers and duplicate-id
    checks) but not scored: they are yielded with ``None``.
    """
    from analyzer.pipeline import score_mentions

    model, components = cached_scorer(spec)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="cxa-text") as pool:
        future = pool.submit(_prepare, chunks, components.processor, finished)
        while (item := future.result()) is not None:
            future = pool.submit(_prepare, chunks, components.processor, finished)
            index, ingest, split = item
            if split is None:
                yield index, ingest, None
            else:
                yield index, ingest, score_mentions(*split, model, components)
