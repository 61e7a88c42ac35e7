"""Open an export file and read it as raw text cells, chunk by chunk.

Checks the path and its format (CSV, TSV, XLSX, Parquet, JSON Lines), finds the text
encoding that decodes the whole file, streams the rows in chunks, and turns every cell
into ``str`` or ``None``. Nothing is validated here.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

import charset_normalizer
import numpy as np
import pandas as pd

from analyzer.errors import UnreadableFileError

_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".parquet": "parquet"}
_FORMATS |= {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_SUPPORTED = ".csv, .tsv/.tab, .xlsx, .parquet, .jsonl/.ndjson (or .json holding JSON Lines)"
BLOCK_ROWS = 200_000
"""Rows per chunk when a whole export is read."""


def _check_path(path: Path) -> str:
    if not path.exists():
        raise UnreadableFileError(f"{path}: file not found. Check the path and try again.")
    if not path.is_file():
        raise UnreadableFileError(f"{path}: is a directory, expected an export file.")
    fmt = _FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UnreadableFileError(
            f"{path}: unsupported file type {path.suffix or '(no extension)'!r}. Supported "
            f"formats: {_SUPPORTED}. Export the survey in one of these (CSV UTF-8 is safest)."
        )
    if path.stat().st_size == 0:
        raise UnreadableFileError(
            f"{path}: the file is empty (0 bytes); expected a header row and data rows. "
            "Re-export the survey results."
        )
    return fmt


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    try:
        with path.open("rb") as fh:
            while block := fh.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _detect_encoding(path: Path) -> str:
    """Return the encoding that decodes the whole file without loss."""
    with path.open("rb") as fh:
        head = fh.read(1 << 16)
    if head.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "cp1252"]
    for encoding in candidates:
        if _decodes(path, encoding):
            return encoding
    best = charset_normalizer.from_bytes(head).best()
    if best is not None and _decodes(path, best.encoding):
        return str(best.encoding)
    raise UnreadableFileError(
        f"{path}: could not determine the text encoding (tried {', '.join(candidates)}). "
        "Expected UTF-8 text; save the file as 'CSV UTF-8' and try again."
    )


def _csv_separator(path: Path, encoding: str) -> str:
    """',' unless the header clearly uses ';', tab or '|' (European Excel)."""
    with path.open(encoding=encoding, newline="") as fh:
        header = fh.readline()
    counts = {s: header.count(s) for s in (",", ";", "\t", "|")}
    return max(counts, key=lambda s: counts[s]) if max(counts.values()) > counts[","] else ","


def _csv_width(path: Path, sep: str, encoding: str) -> int | None:
    """Fields in the header row, read without pandas (``None`` if it cannot be parsed)."""
    try:
        with path.open(encoding=encoding, newline="") as fh:
            return len(next(csv.reader(fh, delimiter=sep), []))
    except csv.Error:  # e.g. a field past csv's size limit: pandas reports it
        return None


def _parquet_width(path: Path) -> int | None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return len(pq.ParquetFile(path).schema_arrow)
    except (pa.ArrowException, OSError):  # _parquet_chunks reports it
        return None


def _csv_chunks(path: Path, sep: str, encoding: str, rows: int) -> Iterator[pd.DataFrame]:
    kind = "TSV" if sep == "\t" else "CSV"
    try:
        options: dict[str, Any] = {"dtype": str, "keep_default_na": False, "chunksize": rows}
        with pd.read_csv(path, sep=sep, encoding=encoding, skip_blank_lines=False, **options) as r:
            yield from r
    except pd.errors.EmptyDataError as exc:
        raise UnreadableFileError(
            f"{path}: no header row found (the file holds only blank space); expected a header "
            "row then one row per response. Re-export the survey results."
        ) from exc
    except (pd.errors.ParserError, ValueError) as exc:
        raise UnreadableFileError(
            f"{path}: could not be read as {kind} ({str(exc).strip()}). Expected every row to "
            "have as many fields as the header and balanced quotes; re-export the file."
        ) from exc


MAX_XLSX_UNPACKED = 2 << 30
"""Most bytes the parts of an .xlsx may unpack to (the sizes its zip directory declares,
which also bound what is read): a workbook is a zip, and a small upload must not unpack to
more than the machine's memory."""
MAX_XLSX_PART = 512 << 20
"""Most bytes of any part but a worksheet (shared strings, styles...): openpyxl holds those in
memory whole, while a worksheet is streamed."""
_Check = Callable[[int], None]


def _xlsx_unpacked_sizes(path: Path) -> None:
    """Refuse a workbook whose parts unpack to more than the bounds above (a zip bomb)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            parts = {info.filename: info.file_size for info in archive.infolist()}
    except (zipfile.BadZipFile, OSError) as exc:
        raise _not_a_workbook(path, exc) from exc
    held = [n for name, n in parts.items() if "/worksheets/" not in name]
    largest = max(held, default=0)
    if sum(parts.values()) > MAX_XLSX_UNPACKED or largest > MAX_XLSX_PART:
        raise UnreadableFileError(
            f"{path}: the workbook unpacks to {sum(parts.values()):,} bytes (its largest part "
            f"read whole: {largest:,}); at most {MAX_XLSX_UNPACKED:,} ({MAX_XLSX_PART:,}) are "
            "read. Export the survey as CSV instead."
        )


def _not_a_workbook(path: Path, exc: Exception) -> UnreadableFileError:
    return UnreadableFileError(
        f"{path}: could not be opened as an Excel workbook ({type(exc).__name__}: {exc}). "
        "Expected an .xlsx file; re-save it from Excel as .xlsx or export it as CSV."
    )


def _declared_size(sheet: Any) -> None:
    """Read a read-only sheet's declared size (its ``<dimension>``), as openpyxl's own
    ``ReadOnlyWorksheet._get_size`` does, but stop where the rows start.

    openpyxl waits for the *end* of ``<sheetData>`` to decide that a sheet declares no size,
    so opening a workbook whose sheet omits it parsed the whole sheet (20 s for 200 rows of
    16,384 cells, before any limit could be checked). The answer is the same.
    """
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    with sheet._get_source() as source:
        for _event, element in iterparse(source, events=("start",)):
            if element.tag == DIMENSION_TAG:
                bounds = SheetDimension.from_tree(element).boundaries
                sheet._min_column, sheet._min_row, sheet._max_column, sheet._max_row = bounds
                return
            if element.tag == DATA_TAG:
                return


def _open_xlsx(path: Path, check_width: _Check | None, check_height: _Check | None) -> Any:
    """The workbook in openpyxl's read-only (streaming) mode, after checking the first
    sheet's declared size: a sheet that says it is too wide or too long is refused before
    any row is read."""
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    _xlsx_unpacked_sizes(path)
    ReadOnlyWorksheet._get_size = _declared_size  # same answer, without reading every row
    try:
        book = load_workbook(path, read_only=True, data_only=True, keep_links=False)
        sheet = book.worksheets[0]
    except Exception as exc:
        raise _not_a_workbook(path, exc) from exc
    try:
        if check_width is not None and sheet.max_column:
            check_width(int(sheet.max_column))
        if check_height is not None and sheet.max_row:
            check_height(int(sheet.max_row) - 1)  # the header is not a data row
    except Exception:
        book.close()
        raise
    return book


def _xlsx_cell(value: Any) -> Any:
    """A cell as pandas' Excel reader gave it: empty as ``""``, a whole float as an int."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _xlsx_rows(sheet: Any) -> Iterator[list[Any]]:
    """The sheet's rows as lists without trailing empty cells; empty rows at the end of the
    sheet are dropped (their number is known only once a later row has data).

    The declared size is not trusted past the checks above: a sheet can declare less than it
    holds, and openpyxl would drop what lies outside it.
    """
    sheet.reset_dimensions()
    blank = 0
    for raw in sheet.iter_rows(values_only=True):
        row = [_xlsx_cell(v) for v in raw]
        while row and row[-1] == "":
            row.pop()
        if not row:
            blank += 1
            continue
        for _ in range(blank):
            yield []
        blank = 0
        yield row


def _unique_names(header: list[Any]) -> list[str]:
    """Column names as pandas makes them: ``Unnamed: i`` for an empty header cell, and
    ``name.1``, ``name.2``... for a repeated one."""
    names = [f"Unnamed: {i}" if v == "" else str(v) for i, v in enumerate(header)]
    counts: dict[str, int] = {}
    for i, name in enumerate(names):
        count = counts.get(name, 0)
        while count > 0:
            counts[name] = count + 1
            name = f"{name}.{count}"
            count = counts.get(name, 0)
        names[i] = name
        counts[name] = count + 1
    return names


def _xlsx_frame(header: list[str], rows: list[list[Any]]) -> pd.DataFrame:
    width = max([len(header), *(len(r) for r in rows)])
    names = header + [f"Unnamed: {i}" for i in range(len(header), width)]
    padded = [r + [""] * (width - len(r)) for r in rows]
    return pd.DataFrame(padded, columns=pd.Index(names, dtype=object), dtype=object)


def _xlsx_chunks(book: Any, rows: int, check_width: _Check | None) -> Iterator[pd.DataFrame]:
    """The first sheet in chunks of ``rows`` rows, streamed: no more than a chunk is held.

    Every row's width is checked as it is read (``check_width``), so a sheet whose declared
    size lies is refused at its first row past the limit.
    """
    try:
        stream = _xlsx_rows(book.worksheets[0])
        first = next(stream, None)
        if first is None:
            return
        if check_width is not None:
            check_width(len(first))
        header, chunk = _unique_names(first), []
        for row in stream:
            if check_width is not None and len(row) > len(header):
                check_width(len(row))
            chunk.append(row)
            if len(chunk) == rows:
                yield _xlsx_frame(header, chunk)
                chunk = []
        if chunk:
            yield _xlsx_frame(header, chunk)
    finally:
        book.close()


def _parquet_chunks(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=rows):
            yield batch.to_pandas()
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableFileError(
            f"{path}: could not be read as Parquet ({exc}). The file looks corrupt or is not "
            "Parquet; re-export it, or export CSV instead."
        ) from exc


def _json_records(path: Path, encoding: str) -> Iterator[dict[str, Any]]:
    """Yield one object per non-blank line; errors name the line."""
    with path.open(encoding=encoding) as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise UnreadableFileError(
                    f"{path}: invalid JSON on line {number} ({exc.msg}, column {exc.colno}). "
                    "Expected one JSON object per line (JSON Lines); fix or remove that line."
                ) from exc
            if not isinstance(record, dict):
                raise UnreadableFileError(
                    f"{path}: line {number} holds a JSON {type(record).__name__}, expected one "
                    'object per line such as {"comment": "...", "nps": 9} (JSON Lines).'
                )
            yield record


def _frames(records: Iterator[dict[str, Any]], rows: int) -> Iterator[pd.DataFrame]:
    while batch := list(islice(records, rows)):
        yield pd.DataFrame(batch, dtype=object)


def open_export(
    path: Path,
    rows: int,
    check_width: _Check | None = None,
    check_height: _Check | None = None,
) -> tuple[str | None, Iterator[pd.DataFrame]]:
    """Check the file and return its text encoding and an iterator of raw chunks.

    The encoding is ``None`` for XLSX and Parquet; each chunk holds at most ``rows`` rows.
    ``check_width`` is called with the number of columns of a CSV, TSV or Parquet file,
    read from its header alone, before any row is parsed, and with an XLSX sheet's declared
    width and then each row's as it is streamed; ``check_height`` with an XLSX sheet's
    declared number of data rows (each raises to refuse the file). The caller counts the
    rows of the chunks.
    """
    fmt = _check_path(path)
    if fmt == "xlsx":
        return None, _xlsx_chunks(_open_xlsx(path, check_width, check_height), rows, check_width)
    if fmt == "parquet":
        width = _parquet_width(path) if check_width else None
        if check_width and width is not None:
            check_width(width)
        return None, _parquet_chunks(path, rows)
    encoding = _detect_encoding(path)
    if fmt == "jsonl":
        return encoding, _frames(_json_records(path, encoding), rows)
    sep = "\t" if fmt == "tsv" else _csv_separator(path, encoding)
    width = _csv_width(path, sep, encoding) if check_width else None
    if check_width and width is not None:
        check_width(width)
    return encoding, _csv_chunks(path, sep, encoding, rows)


def _to_text(value: Any) -> str | None:
    """One cell as text, or ``None`` when missing."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        plain = value.tolist() if isinstance(value, np.ndarray) else value
        return json.dumps(plain, ensure_ascii=False, default=str)
    if value is None or pd.isna(value):
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _column_text(col: pd.Series) -> Any:
    if isinstance(col.dtype, pd.StringDtype):  # fast path for text read from CSV / Parquet
        values = col.to_numpy(dtype=object)
        values[col.isna().to_numpy()] = None
        return values
    return [_to_text(v) for v in col.tolist()]


def stringify(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as object dtype holding ``str`` or ``None``; headers trimmed."""
    columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    data = {i: _column_text(frame.iloc[:, i]) for i in range(len(columns))}
    out = pd.DataFrame(data, index=pd.RangeIndex(len(frame)), dtype=object)
    out.columns = pd.Index(columns, dtype=object)
    return out


def read_all(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, str | None]:
    """The whole export as text cells (see :func:`stringify`) and its text encoding."""
    encoding, chunks = open_export(Path(path), BLOCK_ROWS)
    frames = [stringify(chunk) for chunk in chunks]
    if not frames:
        return pd.DataFrame(), encoding
    return (pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]), encoding


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read an export as it is: every column as text, nothing validated.

    Parameters
    ----------
    path
        A .csv, .tsv/.tab, .xlsx (first sheet), .parquet or .jsonl/.ndjson/.json file.

    Returns
    -------
    pandas.DataFrame
        One row per data row; object columns holding ``str`` or ``None``.

    Raises
    ------
    UnreadableFileError
        The file is missing, empty, of an unknown type, or cannot be parsed.
    """
    return read_all(path)[0]
