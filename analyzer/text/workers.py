"""Run the text stage of many comments in forked worker processes, one chunk at a time.

spaCy's parser runs on one core; ``nlp.pipe(n_process=...)`` would parallelise only the
pipeline and send every ``Doc`` back to the parent. Here each worker runs the whole text
stage of a chunk (parse, language, redaction, splitting) and sends back the small
:class:`~analyzer.text.processor.ProcessedText` results. Workers are forked from the parent
after it has loaded the pipeline, so they start at once and share its pages.

A forked child inherits the locks other threads held at that moment, so workers are
forked only from the main thread of a process whose other threads are daemons (the CLI's
progress bar redraws from one); a worker thread of the service, or a platform without
``fork``, runs the chunks in-process instead. A child never writes to the standard streams
it inherited (a daemon thread may have held their locks): it opens its own. The results
are the same either way: every comment is processed on its own (tested), so neither the
chunk it lands in nor the process changes it.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

CHUNK = 256
"""Comments sent to a worker at a time (one ``nlp.pipe`` batch)."""

MIN_PER_WORKER = 2 * CHUNK
"""Fewer comments than this per extra worker are processed in-process (a fork costs)."""

_JOB: Callable[[list[str]], list[Any]] | None = None


def workers_for(n_process: int) -> int:
    """Worker processes ``n_process`` asks for (``-1``: every CPU this process may use)."""
    if n_process != -1:
        return n_process
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    """Whether forked workers are safe here: Linux, the main thread, other threads daemons."""
    main = threading.current_thread() is threading.main_thread()
    others = [t for t in threading.enumerate() if t is not threading.current_thread()]
    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and main
        and all(t.daemon for t in others)
    )


def _own_streams() -> None:
    """In a forked worker: standard streams of its own on the same file descriptors."""
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - lives as long as the worker
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115


def _run(texts: list[str]) -> list[Any]:
    assert _JOB is not None, "worker started without a job"
    return _JOB(texts)


def map_chunks(
    job: Callable[[list[str]], list[Any]],
    texts: Sequence[str],
    *,
    workers: int,
    chunk: int | None = None,
) -> Iterator[tuple[int, list[Any]]]:
    """``job`` of each chunk of ``texts``, in order: ``(chunk size, results)`` per chunk.

    ``chunk`` texts go to a worker at a time (default :data:`CHUNK`). With ``workers`` > 1,
    :data:`MIN_PER_WORKER` texts per extra worker and :func:`can_fork`, the chunks run in
    that many forked processes (``job`` and what it reads must be ready before this is called: the
    children get a copy of the parent as it is); otherwise in this process.
    """
    global _JOB
    size = chunk or CHUNK
    chunks = [list(texts[i : i + size]) for i in range(0, len(texts), size)]
    workers = min(workers, len(texts) // MIN_PER_WORKER + 1, len(chunks))
    if workers <= 1 or not can_fork():
        for part in chunks:
            yield len(part), job(part)
        return
    from concurrent.futures import ProcessPoolExecutor

    _JOB = job
    try:
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_own_streams
        ) as pool:
            for part, result in zip(chunks, pool.map(_run, chunks), strict=True):
                yield len(part), result
    finally:
        _JOB = None


__all__ = ["CHUNK", "MIN_PER_WORKER", "can_fork", "map_chunks", "workers_for"]
