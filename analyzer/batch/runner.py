"""Batch scoring of an export: stream chunks, score them, write parts, store and manifest.

The order of writes makes a job safe to interrupt: a chunk's Parquet parts are renamed into
place, then its rows replace any earlier rows of that chunk in the store, and only then is
the chunk recorded as finished in the manifest. A resumed job redoes at most the chunks
that were in flight.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer import faults
from analyzer.batch import parts
from analyzer.batch.fingerprint import FileDigest, digest_file, export_fingerprint, model_id
from analyzer.batch.local import Chunk, Scored, score_local, score_pool
from analyzer.batch.manifest import Manifest
from analyzer.batch.setup import ScoringSpec
from analyzer.errors import ConfigError, ModelError
from analyzer.pipeline.runs import rejects_frame, write_rejects_csv
from analyzer.tables import primary_rows
from analyzer.text.languages import with_language_segment

if TYPE_CHECKING:
    from analyzer.ingest import ColumnMapping, IngestResult
    from analyzer.pipeline import Progress
    from analyzer.store import Store
    from analyzer.text import TextProcessor

DEFAULT_CHUNK_ROWS = 5_000


@dataclass(frozen=True)
class ChunkReport:
    """One chunk done: its index, sizes, and whether an earlier run had already scored it."""

    index: int
    responses: int
    mentions: int
    skipped: bool


@dataclass
class BatchResult:
    """What :func:`score_export` did."""

    out: Path
    fingerprint: str
    n_chunks: int = 0
    n_skipped: int = 0
    n_responses: int = 0
    n_mentions: int = 0
    n_rejects: int = 0
    seconds: float = 0.0
    files: dict[str, Path] = field(default_factory=dict)


def _estimate_rows(export: Path, digest: FileDigest) -> int | None:
    if export.suffix.lower() == ".parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(export).metadata.num_rows)
    if export.suffix.lower() in (".csv", ".tsv", ".tab"):
        return max(digest.newlines - 1, 1)  # an upper bound when comments hold line breaks
    return None


def _settings(spec: ScoringSpec, chunk_rows: int, db: Path | None) -> dict[str, Any]:
    config = spec.config
    return {
        "chunk_rows": chunk_rows,
        "embedding": config.embedding,
        "sentiment": config.sentiment,
        "spacy_model": config.spacy_model,
        "db": str(db.resolve()) if db is not None else None,
    }


def _open_manifest(out: Path, fingerprint: str, settings: dict[str, Any], resume: bool) -> Manifest:
    old = Manifest.load(out)
    if resume and old is not None and old.resumes(fingerprint, settings):
        return old
    parts.remove_parts(out)
    manifest = Manifest(fingerprint=fingerprint, settings=settings)
    manifest.save(out)
    return manifest


def _chunks(
    export: Path, mapping: ColumnMapping | None, chunk_rows: int, store: Store | None
) -> Iterator[Chunk]:
    from analyzer.ingest import iter_export
    from analyzer.store.secret import id_key

    key = id_key(store) if store is not None else None  # ids hashed under the store's key
    yield from enumerate(iter_export(export, mapping, chunk_rows=chunk_rows, id_key=key))


class _Sink:
    """Writes each scored chunk (parts, store rows, manifest) and keeps the totals.

    Rejected values are redacted as comments are (person names too) with a text processor
    of this process, loaded on the first chunk that has rejects (the chunks' own models may
    live in other processes or on Dask workers).
    """

    def __init__(
        self, out: Path, manifest: Manifest, store: Store | None, spacy_model: str
    ) -> None:
        self.out, self.manifest, self.store = out, manifest, store
        self.spacy_model = spacy_model
        self._processor: TextProcessor | None = None

    def _rejects(self, rejects: Any) -> Any:
        from analyzer.pipeline import redact_rejects
        from analyzer.text import TextProcessor

        if len(rejects) and self._processor is None:
            self._processor = TextProcessor(model=self.spacy_model)
        return redact_rejects(rejects, self._processor) if self._processor else rejects

    def write(self, index: int, ingest: IngestResult, scored: tuple[Any, Any]) -> ChunkReport:
        responses, mentions = scored
        if not self.manifest.chunks:
            self.manifest.segments = with_language_segment(ingest.segments)
            self.manifest.metrics = list(ingest.metrics)
        parts.write_part(self.out, "responses", index, responses)
        parts.write_part(self.out, "mentions", index, mentions)
        parts.write_part(self.out, "rejects", index, rejects_frame(self._rejects(ingest.rejects)))
        faults.point(f"score.parts:{index}")
        if self.store is not None:
            self.store.write_scored_chunk(
                self.manifest.fingerprint,
                index,
                responses=responses,
                mentions=mentions,
                segments=self.manifest.segments,
                metrics=self.manifest.metrics,
            )
        counts = {"responses": len(responses), "mentions": len(primary_rows(mentions))}
        self.manifest.chunks[str(index)] = {**counts, "rejects": len(ingest.rejects)}
        self.manifest.save(self.out)
        return ChunkReport(index, counts["responses"], counts["mentions"], skipped=False)


def _check_model_dir(model_dir: str) -> None:
    if not Path(model_dir).is_dir():
        raise ModelError(
            f"No theme model at {model_dir}: expected the folder 'cxa analyze EXPORT --out DIR' "
            "writes as DIR/model (model.json, centroids.safetensors). Pass --model DIR/model."
        )


def _results(
    chunks: Iterator[Chunk],
    spec: ScoringSpec,
    finished: set[int],
    dask: str | None,
    dask_processes: bool,
    workers: int,
) -> Iterator[Scored]:
    if dask is None and workers > 1:
        return score_pool(chunks, spec, finished, workers)
    if dask is None:
        return score_local(chunks, spec, finished)
    from analyzer.batch.distributed import score_dask

    return score_dask(chunks, spec, finished, dask, processes=dask_processes)


def score_export(
    export: str | Path,
    spec: ScoringSpec,
    out: str | Path,
    *,
    db: str | Path | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    resume: bool = True,
    workers: int = 1,
    mapping: ColumnMapping | None = None,
    dask: str | None = None,
    dask_processes: bool = True,
    merge: bool = True,
    progress: Progress | None = None,
    on_chunk: Callable[[ChunkReport], None] | None = None,
) -> BatchResult:
    """Score a whole export with a saved theme model, chunk by chunk, in constant memory.

    Parameters
    ----------
    export : str or Path
        CSV, TSV, XLSX, Parquet or JSON Lines export (each streamed).
    spec : ScoringSpec
        Theme model folder and the components to score with.
    out : str or Path
        Output folder: ``parts/``, ``manifest.json`` and the merged ``responses.parquet``,
        ``mentions.parquet``, ``rejects.parquet`` and ``rejects.csv`` (see
        :mod:`analyzer.pipeline.runs`).
    db : str or Path, optional
        DuckDB store to write the scored rows to (tables ``scored_*``, keyed by fingerprint).
    chunk_rows : int
        Rows per chunk.
    resume : bool
        Continue an interrupted job of the same export, model and settings in ``out``
        (finished chunks are not scored again); ``False`` starts over.
    workers : int
        1: score in this process, overlapping text processing with embedding (best for
        transformer embedders). N > 1: a pool of N processes, each scoring whole chunks
        (best for the static embedder, whose work is mostly single-threaded Python).
    mapping : ColumnMapping, optional
        Explicit column roles; detected from the header otherwise.
    dask : str, optional
        ``local:N`` or a scheduler address: score chunks on a Dask cluster.
    dask_processes : bool
        For ``local:N``: worker processes (default) or threads in this process.
    merge : bool
        Write the merged Parquet files at the end.
    progress : Progress, optional
        Told the estimated number of rows, then advanced by each chunk's rows.
    on_chunk : callable, optional
        Called with a :class:`ChunkReport` after each chunk is written (or skipped).

    Returns
    -------
    BatchResult
    """
    export, out = Path(export), Path(out)
    if not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ConfigError(f"chunk_rows must be a positive integer, got {chunk_rows!r}.")
    if not isinstance(workers, int) or workers < 1:
        raise ConfigError(f"workers must be a positive integer, got {workers!r}.")
    _check_model_dir(spec.model_dir)
    started = time.perf_counter()
    digest = digest_file(export)
    model = model_id(spec.model_dir, spec.config.embedding)
    fingerprint = export_fingerprint(digest.sha256, model)
    # Absolute, so a worker process started elsewhere (``dask worker``) finds the same folder.
    spec = replace(spec, model_dir=str(Path(spec.model_dir).resolve()), model_version=model)
    db_path = Path(db) if db is not None else None
    manifest = _open_manifest(out, fingerprint, _settings(spec, chunk_rows, db_path), resume)
    store = _open_store(db_path, fingerprint, export, spec, fresh=not manifest.chunks)
    finished = manifest.finished()
    result = BatchResult(out=out, fingerprint=fingerprint, n_skipped=len(finished))
    if progress is not None:
        progress.start("score", _estimate_rows(export, digest))
    sink = _Sink(out, manifest, store, spec.config.spacy_model)
    chunks = _chunks(export, mapping, chunk_rows, store)
    for index, ingest, scored in _results(chunks, spec, finished, dask, dask_processes, workers):
        if scored is None:
            counts = manifest.chunks[str(index)]
            report = ChunkReport(index, counts["responses"], counts["mentions"], skipped=True)
        else:
            report = sink.write(index, ingest, scored)
        result.n_chunks += 1
        result.n_responses += report.responses
        result.n_mentions += report.mentions
        result.n_rejects += len(ingest.rejects)
        if progress is not None:
            progress.advance(report.responses)
        if on_chunk is not None:
            on_chunk(report)
    result.seconds = time.perf_counter() - started
    _finish(result, manifest, store, merge, progress)
    return result


def _open_store(
    db: Path | None, fingerprint: str, export: Path, spec: ScoringSpec, *, fresh: bool
) -> Store | None:
    if db is None:
        return None
    from analyzer.store import Store

    store = Store(db)
    store.start_scoring(
        fingerprint,
        source=str(export),
        model=str(spec.model_dir),
        embedding=spec.config.embedding,
        fresh=fresh,
    )
    return store


def _finish(
    result: BatchResult,
    manifest: Manifest,
    store: Store | None,
    merge: bool,
    progress: Progress | None,
) -> None:
    chunks = sorted(manifest.finished())
    if merge:
        for table in parts.TABLES:
            result.files[table] = parts.merge_parts(result.out, table, chunks)
        result.files["rejects_csv"] = write_rejects_csv(result.out)
    manifest.complete = True
    manifest.save(result.out)
    if store is not None:
        info = {
            "n_chunks": result.n_chunks,
            "n_responses": result.n_responses,
            "n_mentions": result.n_mentions,
            "n_rejects": result.n_rejects,
            "seconds": round(result.seconds, 3),
            "segments": manifest.segments,
            "metrics": manifest.metrics,
            "out": str(Path(result.out).resolve()),  # where forgetting finds its Parquet
        }
        store.finish_scoring(manifest.fingerprint, info)
        result.files["database"] = store.path
    if progress is not None:
        progress.finish("score", result.seconds)
