"""Bounds on the shape of an export: rows, columns, segment columns and metric columns.

An export of 50,000 columns and 5 rows (839 KB) took a minute to map and made every later
read of its run crawl; no survey has that many questions. The column bounds are checked as
soon as the header is read, before any cell is parsed; an XLSX sheet's declared size (rows
and columns) before any row is read, and every row's width and the running row count while
reading (a 135 KB workbook of 16,384 columns was refused only after 17.9 s of loading it
whole). Defaults suit real exports (a long survey has a few hundred columns);
``CXA_MAX_ROWS``, ``CXA_MAX_COLUMNS``, ``CXA_MAX_SEGMENTS`` and ``CXA_MAX_METRICS`` raise
them for ``cxa`` and the service alike.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from analyzer.errors import ColumnError, ConfigError, UnreadableFileError

MAX_ROWS = 5_000_000
MAX_COLUMNS = 1_000
MAX_SEGMENTS = 50
MAX_METRICS = 200
_ENV = {"columns": "CXA_MAX_COLUMNS", "segments": "CXA_MAX_SEGMENTS", "metrics": "CXA_MAX_METRICS"}
_ENV["rows"] = "CXA_MAX_ROWS"


def _env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise ConfigError(f"{name} must be a positive whole number, got {text!r}.")
    return int(text)


@dataclass(frozen=True)
class Limits:
    """The most rows, columns, segment columns and metric columns an export may have.

    Attributes
    ----------
    rows : int
        Data rows (the header not counted), blank ones included.
    columns : int
        Columns in the export's header, whatever their role.
    segments, metrics : int
        Columns used as segments and as numeric metrics (chosen or detected).
    """

    columns: int = MAX_COLUMNS
    segments: int = MAX_SEGMENTS
    metrics: int = MAX_METRICS
    rows: int = MAX_ROWS

    @classmethod
    def from_env(cls) -> Limits:
        """The defaults, each overridden by its ``CXA_MAX_*`` environment variable."""
        return cls(
            columns=_env_int(_ENV["columns"], MAX_COLUMNS),
            segments=_env_int(_ENV["segments"], MAX_SEGMENTS),
            metrics=_env_int(_ENV["metrics"], MAX_METRICS),
            rows=_env_int(_ENV["rows"], MAX_ROWS),
        )

    def check_columns(self, n_columns: int, source: str) -> None:
        """Refuse a header of more than :attr:`columns` columns (before parsing any cell)."""
        if n_columns > self.columns:
            raise ColumnError(
                f"{source} has {n_columns:,} columns; at most {self.columns:,} are accepted. "
                "Export only the columns to analyse (comment, id, date, scores, segments, "
                f"metrics), or raise the limit with {_ENV['columns']}."
            )

    def check_rows(self, n_rows: int, source: str) -> None:
        """Refuse an export of more than :attr:`rows` data rows (as soon as the count, or an
        XLSX sheet's declared size, passes it)."""
        if n_rows > self.rows:
            raise UnreadableFileError(
                f"{source} has more than {self.rows:,} data rows ({n_rows:,} read or declared); "
                "split the export into smaller files, score it in batches with 'cxa score', "
                f"or raise the limit with {_ENV['rows']}."
            )

    def check_roles(self, segments: list[str], metrics: list[str], source: str) -> None:
        """Refuse more segment or metric columns than allowed, naming what to pass instead."""
        for kind, found, limit, option in (
            ("segment", segments, self.segments, "--segment / mapping 'segments'"),
            ("metric", metrics, self.metrics, "--metric / mapping 'metrics'"),
        ):
            if len(found) > limit:
                shown = ", ".join(repr(c[:40]) for c in found[:5])
                raise ColumnError(
                    f"{source} has {len(found):,} {kind} columns ({shown}, ...); at most "
                    f"{limit:,} are accepted. Choose the ones to keep with {option}, or raise "
                    f"the limit with {_ENV[kind + 's']}."
                )


__all__ = ["MAX_COLUMNS", "MAX_METRICS", "MAX_ROWS", "MAX_SEGMENTS", "Limits"]
