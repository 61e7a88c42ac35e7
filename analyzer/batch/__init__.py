"""Batch scoring of new exports with a saved theme model (``cxa score``).

Streams an export in chunks, scores each with :func:`analyzer.pipeline.score_frame` (on
this machine, overlapping text processing with embedding, or on a Dask cluster), writes one
Parquet part per chunk plus merged files, replaces the export's rows in the DuckDB store,
and records finished chunks in a manifest so that an interrupted job resumes where it
stopped. Memory stays constant whatever the export's size.

Modules: ``fingerprint`` (what identifies a job), ``manifest`` (resume state), ``parts``
(Parquet output), ``setup`` (the picklable recipe and model loading), ``local`` and
``distributed`` (the two ways to run chunks), ``runner`` (:func:`score_export`).
"""

from analyzer.batch.fingerprint import digest_file, export_fingerprint, model_id
from analyzer.batch.manifest import Manifest
from analyzer.batch.runner import DEFAULT_CHUNK_ROWS, BatchResult, ChunkReport, score_export
from analyzer.batch.setup import (
    FAST_EMBEDDING,
    ScoringSpec,
    check_compatible,
    load_scorer,
    resolve_embedding,
)

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "FAST_EMBEDDING",
    "BatchResult",
    "ChunkReport",
    "Manifest",
    "ScoringSpec",
    "check_compatible",
    "digest_file",
    "export_fingerprint",
    "load_scorer",
    "model_id",
    "resolve_embedding",
    "score_export",
]
