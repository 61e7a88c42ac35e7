"""Parquet output of a scoring job: one part per chunk and table, merged at the end.

Parts live in ``OUT/parts/<table>-<chunk>.parquet``. Each is written to a temporary name
and renamed into place, so a part either exists whole or not at all. Merging streams the
parts in chunk order into ``OUT/<table>.parquet`` one part at a time (constant memory).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

TABLES = ("responses", "mentions", "rejects")
PARTS_DIR = "parts"


def part_path(out: Path, table: str, chunk: int) -> Path:
    """Where the part of ``table`` for ``chunk`` lives."""
    return out / PARTS_DIR / f"{table}-{chunk:06d}.parquet"


def _arrow_table(frame: pd.DataFrame) -> Any:
    import pyarrow as pa

    # Text columns are strings even when a chunk has only missing values, so every part of
    # a table has the same schema whatever its content.
    fields = []
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_object_dtype(dtype) or isinstance(dtype, pd.StringDtype):
            fields.append(pa.field(str(name), pa.string()))
        else:
            fields.append(pa.Schema.from_pandas(frame[[name]], preserve_index=False).field(0))
    return pa.Table.from_pandas(frame, schema=pa.schema(fields), preserve_index=False)


def write_part(out: Path, table: str, chunk: int, frame: pd.DataFrame) -> Path:
    """Write ``frame`` as the part of ``table`` for ``chunk``, atomically."""
    import pyarrow.parquet as pq

    path = part_path(out, table, chunk)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    pq.write_table(_arrow_table(frame), tmp)
    os.replace(tmp, path)
    return path


def remove_parts(out: Path) -> None:
    """Delete every part (and leftover temporary file) of an earlier job in ``out``."""
    folder = out / PARTS_DIR
    if folder.is_dir():
        for path in folder.iterdir():
            if path.suffix in (".parquet", ".tmp"):
                path.unlink()
    for table in TABLES:
        (out / f"{table}.parquet").unlink(missing_ok=True)
    (out / "rejects.csv").unlink(missing_ok=True)


def merge_parts(out: Path, table: str, chunks: Iterable[int]) -> Path:
    """Concatenate the parts of ``table`` for ``chunks`` (in order) into ``OUT/<table>.parquet``."""
    import pyarrow.parquet as pq

    target = out / f"{table}.parquet"
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    writer = None
    try:
        for chunk in sorted(chunks):
            part = pq.read_table(part_path(out, table, chunk))
            if writer is None:
                writer = pq.ParquetWriter(tmp, part.schema)
            writer.write_table(part.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        return target
    os.replace(tmp, target)
    return target


def read_table(out: Path, table: str) -> pd.DataFrame:
    """Read a merged table back (for tests and small outputs)."""
    return pd.read_parquet(out / f"{table}.parquet")
