"""Score chunks on this machine: one process with overlap, or a pool of processes.

:func:`score_local` (one process): a worker thread reads, validates, redacts and splits
chunk i+1 (spaCy, mostly single-threaded) while the calling thread embeds chunk i and
assigns its themes and sentiment (PyTorch or ONNX Runtime on every core). Right for
transformer embedders, whose forward passes already use every core. At most two chunks
are in memory.

:func:`score_pool` (N processes): each worker process runs the whole ``score_frame`` on
its chunk while this process reads the next chunks and writes results. Right for the
static embedder (``--fast``), where Python-level work (spaCy, sentiment) dominates and a
thread could not use a second core. At most ``2 * N`` chunks are in flight.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import (
    FIRST_COMPLETED,
    Future,
    ProcessPoolExecutor,
    ThreadPoolExecutor,
    wait,
)
from dataclasses import replace
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


def score_chunk(responses: pd.DataFrame, spec: ScoringSpec) -> Split:
    """Score one chunk with :func:`analyzer.pipeline.score_frame` (a pool or Dask task)."""
    from analyzer.pipeline import score_frame

    model, components = cached_scorer(spec)
    return score_frame(responses, model, components)


def score_pool(
    chunks: Iterator[Chunk], spec: ScoringSpec, finished: set[int], workers: int
) -> Iterator[Scored]:
    """Score ``chunks`` in ``workers`` processes; yield results in completion order.

    Workers are forked from a fork server (never from this process, which may hold threads
    of pyarrow or DuckDB) and load their models once, on their first chunk. Finished chunks
    are yielded at once with ``None``, as in :func:`score_local`.
    """
    if spec.threads is None:
        spec = replace(spec, threads=max(1, (os.cpu_count() or 1) // workers))
    context = multiprocessing.get_context("forkserver")
    # The fork server imports the heavy modules once; each worker is a cheap fork of it.
    context.set_forkserver_preload(["analyzer.batch.local", "analyzer.pipeline", "spacy"])
    pending: dict[Future[Split], Chunk] = {}
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        for index, ingest in chunks:
            if index in finished:
                yield index, ingest, None
                continue
            pending[pool.submit(score_chunk, ingest.responses, spec)] = (index, ingest)
            while len(pending) >= 2 * workers:
                yield from _completed(pending, FIRST_COMPLETED)
        while pending:
            yield from _completed(pending, FIRST_COMPLETED)


def _completed(pending: dict[Future[Split], Chunk], when: str) -> Iterator[Scored]:
    done, _ = wait(pending, return_when=when)
    for future in done:
        index, ingest = pending.pop(future)
        yield index, ingest, future.result()
