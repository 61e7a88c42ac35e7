"""Score chunks on a Dask cluster: the client streams the export, workers run ``score_frame``.

The client reads and validates the export chunk by chunk (cheap next to scoring, and it
keeps row numbers, the column mapping and duplicate-id checks exactly those of a local
run) and submits each chunk's responses with a :class:`ScoringSpec`. Each worker loads the
theme model and the components once (see :func:`cached_scorer`) and runs the same
:func:`analyzer.pipeline.score_frame` as a local run, so results are identical. Only a
bounded window of chunks is in flight, so memory stays constant on both sides.

Address forms: ``local:N`` starts a ``LocalCluster`` of N worker processes on this machine;
anything else (``tcp://host:8786``) connects to a running scheduler. Workers need this
package installed and the theme model folder reachable at the same absolute path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analyzer.batch.local import Chunk, Scored, Split, score_chunk
from analyzer.batch.setup import ScoringSpec
from analyzer.config import AnalysisConfig
from analyzer.errors import ConfigError
from analyzer.ingest import IngestResult
from analyzer.pipeline.sampling import DASK_CHUNK_ROWS, RestScorer, chunks_of

if TYPE_CHECKING:
    from analyzer.themes import ThemeModel


def connect(address: str, stack: ExitStack, *, processes: bool = True) -> tuple[Any, int]:
    """A ``distributed.Client`` for ``address`` and its number of workers.

    Parameters
    ----------
    address : str
        ``local:N`` for a LocalCluster of N workers, or a scheduler address.
    stack : ExitStack
        Closes the client (and a local cluster) when the caller is done.
    processes : bool
        Local clusters only: worker processes (True) or threads in this process (False).
    """
    from distributed import Client, LocalCluster

    if address.startswith("local:"):
        try:
            n = int(address.removeprefix("local:"))
        except ValueError:
            n = 0
        if n < 1:
            raise ConfigError(
                f"--dask {address!r}: expected local:N with N >= 1 workers (e.g. local:2), "
                "or a scheduler address such as tcp://10.0.0.5:8786."
            )
        cluster = stack.enter_context(
            LocalCluster(
                n_workers=n, threads_per_worker=1, processes=processes, dashboard_address=None
            )
        )
        client = stack.enter_context(Client(cluster))
        return client, n
    try:
        client = stack.enter_context(Client(address, timeout="30s"))
    except OSError as exc:
        raise ConfigError(
            f"Cannot reach the Dask scheduler at {address!r} ({exc}). Start one with "
            "'dask scheduler' and workers with 'dask worker ADDRESS', or use --dask local:N."
        ) from exc
    return client, max(1, len(client.scheduler_info().get("workers", {})))


def score_dask(
    chunks: Iterator[Chunk],
    spec: ScoringSpec,
    finished: set[int],
    address: str,
    *,
    processes: bool = True,
) -> Iterator[Scored]:
    """Score ``chunks`` on the cluster at ``address``; yield results as they complete.

    Results come in completion order, not chunk order; finished chunks are yielded at once
    with ``None``, as in :func:`analyzer.batch.local.score_local`.
    """
    from distributed import as_completed

    with ExitStack() as stack:
        client, n_workers = connect(address, stack, processes=processes)
        if address.startswith("local:") and spec.threads is None:
            spec = replace(spec, threads=max(1, (os.cpu_count() or 1) // n_workers))
        window = 2 * n_workers
        pending: dict[str, Chunk] = {}
        done = as_completed()
        for index, ingest in chunks:
            if index in finished:
                yield index, ingest, None
                continue
            future = client.submit(score_chunk, ingest.responses, spec, pure=False)
            pending[future.key] = (index, ingest)
            done.add(future)
            while done.count() >= window:
                yield _collect(next(done), pending)
        for future in done:
            yield _collect(future, pending)


def _collect(future: Any, pending: dict[str, Chunk]) -> Scored:
    index, ingest = pending.pop(future.key)
    result = future.result()
    future.release()
    return index, ingest, result


def rest_scorer(
    address: str, config: AnalysisConfig, folder: Path, *, processes: bool = True
) -> RestScorer:
    """A :data:`~analyzer.pipeline.sampling.RestScorer` that scores on the Dask cluster at
    ``address``: ``cxa analyze --dask`` hands it to the pipeline for the responses outside
    its fit sample.

    The fitted model is saved to ``folder`` first (workers load it from there: with a
    remote scheduler it must be on a file system they share, at the same absolute path),
    and each chunk is scored by ``score_frame`` on a worker, as ``cxa score --dask`` does.
    ``processes``: local clusters only, worker processes (True) or threads (False).
    """

    def score(model: ThemeModel, rest: pd.DataFrame) -> Iterator[Split]:
        model.save(folder)
        spec = ScoringSpec(model_dir=str(folder.resolve()), config=config)
        numbered = (
            (i, IngestResult(chunk, chunk.iloc[:0], {}, [], [], ""))
            for i, chunk in enumerate(chunks_of(rest, DASK_CHUNK_ROWS))
        )
        for _, _, result in score_dask(numbered, spec, set(), address, processes=processes):
            assert result is not None  # nothing was finished before
            yield result

    return score
