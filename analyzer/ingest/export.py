"""Read, map and validate an export file, whole or in chunks."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pandas as pd

from analyzer.errors import ConfigError, UnreadableFileError
from analyzer.ingest.columns import ColumnMapping, resolve
from analyzer.ingest.limits import Limits
from analyzer.ingest.readers import BLOCK_ROWS, open_export, stringify
from analyzer.ingest.validation import IngestResult, validate_chunk

logger = logging.getLogger(__name__)


def _no_rows(path: str | os.PathLike[str]) -> UnreadableFileError:
    return UnreadableFileError(
        f"{path}: no data rows found (only a header, or blank rows); expected one row per "
        "survey response. Check that the right file or sheet was exported."
    )


def _log(result: IngestResult) -> None:
    counts = len(result.responses), len(result.rejects)
    logger.info("%s: %d responses, %d rejects; columns %s", result.source, *counts, result.mapping)


def _open(
    path: str | os.PathLike[str], source: str, limits: Limits, rows: int
) -> tuple[str | None, Iterator[pd.DataFrame]]:
    """The export's encoding and raw chunks, each checked against ``limits`` before any of its
    cells is parsed: the header's width, an XLSX sheet's declared size, and the rows so far."""
    width = partial(limits.check_columns, source=source)
    height = partial(limits.check_rows, source=source)
    encoding, chunks = open_export(Path(path), rows, width, height)

    def checked() -> Iterator[pd.DataFrame]:
        seen = 0
        for chunk in chunks:
            seen += len(chunk)
            limits.check_rows(seen, source)
            limits.check_columns(len(chunk.columns), source)
            yield chunk

    return encoding, checked()


def read_export(
    path: str | os.PathLike[str],
    mapping: ColumnMapping | None = None,
    limits: Limits | None = None,
    id_key: bytes | None = None,
) -> IngestResult:
    """Read, map and validate a whole export.

    Parameters
    ----------
    path
        A .csv, .tsv/.tab, .xlsx (first sheet), .parquet or .jsonl/.ndjson/.json file.
        Text files may be UTF-8 (with or without BOM), UTF-16 with BOM, or cp1252.
    mapping
        Explicit column choices; ``None`` detects every role automatically.
    limits
        Most rows, columns, segments and metrics accepted; ``None`` reads ``CXA_MAX_*``.
    id_key
        The store's key for hashing ids that hold personal data (see
        :func:`~analyzer.ingest.validation.private_id`); pass the store's
        (:func:`analyzer.store.secret.id_key`) whenever the results are kept.

    Returns
    -------
    IngestResult
        The validated responses, the rejects, the mapping used and the encoding.

    Raises
    ------
    UnreadableFileError
        The file is missing, empty, of an unknown type or cannot be parsed.
    ColumnError
        A mapped column does not exist, no comment column was found, or the export has
        more columns, segments or metrics than ``limits`` allow.
        (An export of more rows than ``limits`` allow raises UnreadableFileError.)
    """
    source, limits = os.fspath(path), limits or Limits.from_env()
    encoding, chunks = _open(path, source, limits, BLOCK_ROWS)
    frames = [stringify(chunk) for chunk in chunks]
    raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else next(iter(frames), None)
    if raw is None or raw.empty:
        raise _no_rows(path)
    result = validate_chunk(raw, resolve(raw, mapping, source, limits), source, 2, id_key)
    if result.responses.empty:
        raise _no_rows(path)
    result.encoding = encoding
    _log(result)
    return result


def iter_export(
    path: str | os.PathLike[str],
    mapping: ColumnMapping | None = None,
    chunk_rows: int = 50_000,
    limits: Limits | None = None,
    id_key: bytes | None = None,
) -> Iterator[IngestResult]:
    """Read, map and validate an export in chunks of at most ``chunk_rows`` rows.

    The mapping (and the day/month order of dates) is decided on the first chunk and
    reused; duplicate ids are found across chunks; row numbers are those of the file.
    Every format is streamed (XLSX with openpyxl's read-only mode).

    Parameters
    ----------
    path
        The export file (see :func:`read_export`).
    mapping
        Explicit column choices; ``None`` detects every role automatically.
    chunk_rows
        Maximum number of rows per chunk.
    limits
        Most rows, columns, segments and metrics accepted; ``None`` reads ``CXA_MAX_*``.
    id_key
        As for :func:`read_export`.

    Yields
    ------
    IngestResult
        One result per chunk; concatenated they equal :func:`read_export`.

    Raises
    ------
    ConfigError
        ``chunk_rows`` is not a positive integer.
    UnreadableFileError, ColumnError
        As for :func:`read_export`, raised when iteration reaches the problem.
    """
    if not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ConfigError(f"chunk_rows must be a positive integer, got {chunk_rows!r}.")
    source, plan, first_row, total = os.fspath(path), None, 2, 0
    limits = limits or Limits.from_env()
    encoding, chunks = _open(path, source, limits, chunk_rows)
    for chunk in chunks:
        raw = stringify(chunk)
        if raw.empty:
            continue
        plan = plan or resolve(raw, mapping, source, limits)
        result = validate_chunk(raw, plan, source, first_row, id_key)
        result.encoding = encoding
        first_row, total = first_row + len(raw), total + len(result.responses)
        _log(result)
        yield result
    if total == 0:
        raise _no_rows(path)
