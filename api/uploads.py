"""Uploaded exports: the column mapping field, saving to a private temp folder, a quick check.

The file lands in a folder of its own (deleted when its run ends) under its own base name,
because the reader picks the format from the suffix. Messages about it name the file, not
the temp folder.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

from pydantic import ValidationError

from analyzer.errors import ConfigError, InputError, UnreadableFileError
from analyzer.ingest import ColumnMapping, iter_export
from analyzer.ingest.limits import Limits
from analyzer.text.redact import redact_file_name
from api.schemas import ColumnMappingIn

_UNSAFE = re.compile(r"[^A-Za-z0-9._ \[\]-]+")
_TEMP_PREFIX = "cxa-upload-"
_TEMP_FOLDER = re.compile(re.escape(_TEMP_PREFIX) + r"[A-Za-z0-9_]{1,64}[/\\]")
"""A temp folder's name and the separator after it: a literal, then a bounded run, so
matching costs at most ~80 steps per position (``mkdtemp`` names are 8 such characters)."""
_PATH_START = frozenset(" \t\r\n\"'(<[{=,;")
_CHECK_ROWS = 500


def parse_mapping(text: str | None) -> ColumnMapping:
    """The ``mapping`` form field (JSON, see :class:`ColumnMappingIn`) as a ColumnMapping."""
    if text is None or not text.strip():
        return ColumnMapping()
    try:
        parsed = ColumnMappingIn.model_validate_json(text)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'mapping'}: {e['msg']}" for e in exc.errors()
        )
        raise ConfigError(
            f"The mapping field is not a valid column mapping ({problems}). Send JSON such as "
            '{"text": "Comment", "nps": "Likelihood to recommend", "segments": ["Channel"]}; '
            f"valid keys: {', '.join(ColumnMappingIn.model_fields)}."
        ) from exc
    return ColumnMapping(
        **parsed.model_dump(exclude={"segments", "metrics"}),
        segments=tuple(parsed.segments) if parsed.segments is not None else None,
        metrics=tuple(parsed.metrics) if parsed.metrics is not None else None,
    )


def safe_name(filename: str | None) -> str:
    """A base name safe to write to disk, keeping the suffix that picks the reader, with
    personal data redacted (``Jane Doe +1 415 555 0100.csv`` -> ``Jane Doe [PHONE].csv``):
    it becomes the run's ``source``, which every viewer sees."""
    name = _UNSAFE.sub("_", redact_file_name(filename or "")).strip(" .")
    if not name or not Path(name).suffix:
        raise UnreadableFileError(
            f"The uploaded file name {filename!r} has no suffix, so its format is unknown. "
            "Name it after its format, e.g. export.csv, .tsv, .xlsx, .parquet or .jsonl."
        )
    return name[-120:]


def save_upload(stream: BinaryIO, filename: str | None, root: Path | None = None) -> Path:
    """Copy an uploaded file into a new private folder and return its path.

    With ``root`` (the service's uploads folder, which survives a restart) the file is
    written durably: fsync, then an atomic rename, so a queued run finds it whole after a
    crash. Without it, a temp folder is used.
    """
    from analyzer.store.atomic import write_stream

    name = safe_name(filename)
    if root is None:
        folder = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX))
    else:
        root.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix=_TEMP_PREFIX, dir=root))
    return write_stream(folder / name, stream)


def check_export(path: Path, mapping: ColumnMapping, limits: Limits | None = None) -> None:
    """Read the first rows so a wrong format, encoding or mapping, or too many columns,
    segments or metrics (``limits``), is refused at once.

    Raises
    ------
    InputError
        With the temp folder removed from the message; the folder itself is deleted.
    """
    try:
        next(iter(iter_export(path, mapping, chunk_rows=_CHECK_ROWS, limits=limits)))
    except InputError as exc:
        shutil.rmtree(path.parent, ignore_errors=True)
        raise type(exc)(scrub(str(exc))) from None
    except Exception as exc:  # a reader error ingest did not translate
        shutil.rmtree(path.parent, ignore_errors=True)
        raise UnreadableFileError(
            f"{path.name} cannot be read ({type(exc).__name__}). Check that it is a valid "
            f"{path.suffix.lstrip('.').upper()} file, e.g. by opening it in a spreadsheet."
        ) from None


def scrub(text: str) -> str:
    """``text`` without the temp folders of uploads (error messages name just the file).

    Each ``.../cxa-upload-XXXX/`` is removed with the path before it, back to the start of
    the path (a space, a quote, a bracket...). Linear in ``len(text)``: the pattern has no
    unbounded repetition, and the backward scans never pass the end of the previous cut, so
    each character is looked at a bounded number of times. (The old ``\\S*cxa-upload-...``
    pattern was quadratic: a 100,000-character run id took 7 s on the event loop.)
    """
    pieces, kept = [], 0
    for match in _TEMP_FOLDER.finditer(text):
        start = match.start()
        while start > kept and text[start - 1] not in _PATH_START:
            start -= 1
        pieces.append(text[kept:start])
        kept = match.end()
    pieces.append(text[kept:])
    return "".join(pieces)


__all__ = ["check_export", "parse_mapping", "safe_name", "save_upload", "scrub"]
