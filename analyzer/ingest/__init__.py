"""Read a survey export, map its columns to roles and validate every value.

The output follows the ``responses`` and ``rejects`` contracts in ARCHITECTURE.md: one
``responses`` row per data row of the export, in file order (a bad value becomes
``<NA>``/``NaT`` and the row is kept) and one ``rejects`` row per problem found. Rows
whose cells are all empty are not responses; each gets one rejects row (column ``""``)
instead. Row numbers stay those a spreadsheet shows. Comment text is never logged.

Modules, in the order the data flows:

- ``readers``: file checks, formats, encoding detection, chunked reading as text cells.
- ``columns``: explicit choices, header synonyms and detection -> a per-export plan.
- ``parse``: cell parsers for missing markers, comments, scores, numbers and dates.
- ``validation``: per-chunk ``responses`` and ``rejects`` (ids, blank rows, bad values).
- ``export``: ``read_export`` / ``iter_export``, tying the above together.
"""

from analyzer.ingest.columns import ColumnMapping
from analyzer.ingest.export import iter_export, read_export
from analyzer.ingest.readers import read_table
from analyzer.ingest.validation import MAX_COMMENT_CHARS, REJECT_COLUMNS, IngestResult, validate

__all__ = [
    "MAX_COMMENT_CHARS",
    "REJECT_COLUMNS",
    "ColumnMapping",
    "IngestResult",
    "iter_export",
    "read_export",
    "read_table",
    "validate",
]
