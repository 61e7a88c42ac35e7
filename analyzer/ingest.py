"""Read a survey export, map its columns to roles and validate every value.

The output follows the ``responses`` and ``rejects`` contracts in ARCHITECTURE.md: one
``responses`` row per data row of the export, in file order (a bad value becomes
``<NA>``/``NaT`` and the row is kept) and one ``rejects`` row per problem found.
Rows whose cells are all empty (blank lines) are skipped; row numbers stay those a
spreadsheet shows. Comment text is never logged.
"""

from __future__ import annotations

import codecs
import difflib
import json
import logging
import os
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import charset_normalizer
import numpy as np
import pandas as pd

from analyzer.errors import ColumnError, ConfigError, UnreadableFileError

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

logger = logging.getLogger(__name__)

MAX_COMMENT_CHARS = 20_000
REJECT_COLUMNS = ["file", "row", "column", "value", "reason"]
_FORMATS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".xlsx": "xlsx", ".parquet": "parquet"}
_FORMATS |= {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_SUPPORTED = ".csv, .tsv/.tab, .xlsx, .parquet, .jsonl/.ndjson (or .json holding JSON Lines)"
_BLOCK = 200_000
_SAMPLE = 1_000
_NULLS = frozenset({"", "na", "n/a", "nan", "null", "none", "-"})
_SCORES = {"nps": (0, 10, "NPS"), "csat": (1, 5, "CSAT"), "ces": (1, 7, "CES")}
_ROLES = ("id", "date", "nps", "csat", "ces", "text")
_RESERVED = frozenset({"response_id", "row", "date", "comment", "nps", "csat", "ces", "text", "id"})
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_DMY = (  # d/m/y or m/d/y, optional h:mm[:ss] [AM|PM]
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "id": ("response id", "id", "respondent id", "response number", "submission id", "record id",
           "feedback id", "review id", "uuid"),
    "date": ("date", "submitted at", "submitted", "submission date", "date submitted", "created at",
             "created", "timestamp", "response date", "survey date", "completed at",
             "completion date", "end date", "recorded date", "datetime", "feedback date"),
    "nps": ("nps", "nps score", "likelihood to recommend", "how likely are you to recommend", "ltr",
            "recommend", "net promoter score", "recommendation score", "would recommend"),
    "csat": ("csat", "csat score", "satisfaction", "overall satisfaction", "customer satisfaction",
             "satisfaction score", "how satisfied"),
    "ces": ("ces", "ces score", "effort", "customer effort", "customer effort score",
            "effort score", "ease", "how easy"),
    "text": ("comment", "comments", "feedback", "verbatim", "response", "answer", "text", "review",
             "what could we do better", "open ended", "open end", "reason for score", "reason",
             "why", "free text", "open text", "remarks", "suggestions", "customer comment",
             "feedback text", "review text", "additional comments", "message"),
}  # fmt: skip
_CONTAINS: dict[str, tuple[str, ...]] = {
    "date": ("date", "timestamp", "submitted at", "created at"),
    "nps": ("nps", "recommend", "net promoter", "ltr"),
    "csat": ("csat", "satisfaction", "satisfied"),
    "ces": ("ces", "effort", "easy"),
    "text": ("comment", "comments", "feedback", "verbatim", "what could we do better", "open ended",
             "reason", "why", "review", "free text", "suggestions", "answer"),
}  # fmt: skip
_SEGMENT_WORDS = (
    "channel", "region", "plan", "country", "segment", "tier", "product", "language", "device",
    "market", "platform", "source", "store", "location", "city", "team", "category", "brand",
    "locale", "touchpoint", "branch", "site", "customer type",
)  # fmt: skip
_NOT_METRIC = frozenset({"id", "uuid", "zip", "zipcode", "postcode", "postal", "phone", "index"})


@dataclass(frozen=True)
class ColumnMapping:
    """Explicit column choices; ``None`` means detect automatically.

    Each field names a column of the export as its header spells it (a case- and
    punctuation-insensitive match is accepted when it is unique).
    """

    text: str | None = None
    id: str | None = None
    date: str | None = None
    nps: str | None = None
    csat: str | None = None
    ces: str | None = None
    segments: tuple[str, ...] | None = None
    metrics: tuple[str, ...] | None = None


@dataclass(eq=False)
class IngestResult:
    """Validated responses, their rejects and how the export's columns were used.

    ``mapping`` maps each role (``text``, ``id``, ``date``, ``nps``, ``csat``, ``ces``) and
    each segment / metric output name to the export's column name. ``encoding`` is the
    text encoding used to decode the file (``None`` for XLSX, Parquet or a DataFrame).
    """

    responses: pd.DataFrame
    rejects: pd.DataFrame
    mapping: dict[str, str]
    segments: list[str]
    metrics: list[str]
    source: str
    encoding: str | None = None


@dataclass
class _Plan:
    """A resolved mapping, shared by every chunk of one export."""

    columns: list[str]
    roles: dict[str, str]
    segments: dict[str, str]  # output name -> export column
    metrics: dict[str, str]
    dayfirst: bool
    ids: dict[str, int] = field(default_factory=dict)  # response id -> row it was given in


@dataclass
class _Checker:
    """Collects reject rows for one chunk."""

    source: str
    rows: pd.Series
    found: list[pd.DataFrame] = field(default_factory=list)

    def reject(self, mask: Any, column: str, values: Iterable[Any], reason: Any) -> None:
        """Add one reject row per true entry of ``mask``."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        shown = ["" if v is None else _shorten(str(v)) for v in np.asarray(values, object)[mask]]
        reasons = np.asarray(reason, object)[mask] if isinstance(reason, list) else reason
        frame = {"file": self.source, "row": self.rows.to_numpy()[mask], "column": column}
        self.found.append(pd.DataFrame(frame | {"value": shown, "reason": reasons}))

    def table(self) -> pd.DataFrame:
        """All rejects, ordered by row."""
        if not self.found:
            empty = {c: pd.Series(dtype="int64" if c == "row" else object) for c in REJECT_COLUMNS}
            return pd.DataFrame(empty)
        out = pd.concat(self.found, ignore_index=True).sort_values("row", kind="stable")
        types = {c: "int64" if c == "row" else object for c in REJECT_COLUMNS}
        return out.reset_index(drop=True).astype(types)


def _shorten(value: str, limit: int = 200) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


# ----------------------------------------------------------------------------- reading


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


def _csv_chunks(path: Path, sep: str | None, encoding: str, rows: int) -> Iterator[pd.DataFrame]:
    if sep is None:  # ',' unless the header clearly uses ';', tab or '|' (European Excel)
        with path.open(encoding=encoding, newline="") as fh:
            header = fh.readline()
        counts = {s: header.count(s) for s in (",", ";", "\t", "|")}
        sep = max(counts, key=lambda s: counts[s]) if max(counts.values()) > counts[","] else ","
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


def _xlsx_chunks(path: Path, rows: int) -> Iterator[pd.DataFrame]:
    try:
        frame = pd.read_excel(path, sheet_name=0, dtype=object, na_filter=False, engine="openpyxl")
    except Exception as exc:
        raise UnreadableFileError(
            f"{path}: could not be opened as an Excel workbook ({type(exc).__name__}: {exc}). "
            "Expected an .xlsx file; re-save it from Excel as .xlsx or export it as CSV."
        ) from exc
    for start in range(0, len(frame), rows):
        yield frame.iloc[start : start + rows]


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


def _open_export(path: Path, rows: int) -> tuple[str | None, Iterator[pd.DataFrame]]:
    """Check the file and return its text encoding and an iterator of raw chunks."""
    fmt = _check_path(path)
    if fmt == "xlsx":
        return None, _xlsx_chunks(path, rows)
    if fmt == "parquet":
        return None, _parquet_chunks(path, rows)
    encoding = _detect_encoding(path)
    if fmt == "jsonl":
        return encoding, _frames(_json_records(path, encoding), rows)
    return encoding, _csv_chunks(path, "\t" if fmt == "tsv" else None, encoding, rows)


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


def _stringify(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column as object dtype holding ``str`` or ``None``; headers trimmed."""
    columns = [str(c).replace("\ufeff", "").strip() for c in frame.columns]
    data = {i: _column_text(frame.iloc[:, i]) for i in range(len(columns))}
    out = pd.DataFrame(data, index=pd.RangeIndex(len(frame)), dtype=object)
    out.columns = pd.Index(columns, dtype=object)
    return out


def _read_all(path: str | os.PathLike[str]) -> tuple[pd.DataFrame, str | None]:
    encoding, chunks = _open_export(Path(path), _BLOCK)
    frames = [_stringify(chunk) for chunk in chunks]
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
    return _read_all(path)[0]


# ----------------------------------------------------------------------------- mapping


def _words(name: str) -> tuple[str, ...]:
    """Lower-case words of a header, accents removed and camelCase split."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", name)
    bare = "".join(c for c in unicodedata.normalize("NFKD", spaced) if not unicodedata.combining(c))
    return tuple(re.findall(r"[^\W_]+", bare.casefold()))


def _match(columns: list[str], phrases: Iterable[str], *, exact: bool) -> list[str]:
    """Columns named like a phrase, strongest phrase first (exact key or word run)."""
    found: list[str] = []
    for phrase in phrases:
        want = tuple(phrase.split())
        for col in columns:
            words, n = _words(col), len(want)
            hit = (
                "".join(words) == "".join(want)
                if exact
                else any(words[i : i + n] == want for i in range(len(words) - n + 1))
            )
            if hit and col not in found:
                found.append(col)
    return found


def _columns_found(columns: list[str]) -> str:
    shown = ", ".join(repr(c) for c in columns[:40])
    return shown + (f", ... ({len(columns) - 40} more)" if len(columns) > 40 else "")


def _find(name: str, columns: list[str], what: str, source: str) -> str:
    if name in columns:
        return name
    same = [c for c in columns if "".join(_words(c)) == "".join(_words(name))]
    if len(same) == 1:
        return same[0]
    folded = {c.casefold(): c for c in columns}
    close = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.5)
    hint = f" Did you mean {folded[close[0]]!r}?" if close else ""
    raise ColumnError(
        f"Column {name!r} (given for {what}) is not in {source}. Columns found: "
        f"{_columns_found(columns)}.{hint} Pass one of these names as spelled in the header."
    )


def _stripped(values: pd.Series) -> pd.Series:
    return pd.Series([("" if v is None else v.strip()) for v in values], values.index, object)


def _mostly_numeric(values: pd.Series) -> bool:
    text = _stripped(values)
    text = text[~text.str.casefold().isin(_NULLS)].head(_SAMPLE)
    return len(text) > 0 and bool(pd.to_numeric(text, errors="coerce").notna().mean() >= 0.9)


def _detect_roles(raw: pd.DataFrame, roles: dict[str, str], taken: list[str]) -> None:
    """Fill ``roles`` in place: exact names first, then names containing a key phrase."""
    for exact in (True, False):
        for role in _ROLES:
            if role in roles:
                continue
            free = [c for c in raw.columns if c not in roles.values() and c not in taken]
            phrases = _SYNONYMS[role] if exact else _CONTAINS.get(role, ())
            for col in _match(free, phrases, exact=exact):
                numeric = None if exact or role == "date" else _mostly_numeric(raw[col])
                if numeric is None or numeric == (role != "text"):
                    roles[role] = col
                    break


def _is_metric(column: str, values: pd.Series) -> bool:
    words = _words(column)
    if not words or _NOT_METRIC & set(words) or words[0] == "unnamed":
        return False
    return words[-1] not in {"number", "no", "nr", "code"} and _mostly_numeric(values)


def _output_names(columns: list[str]) -> dict[str, str]:
    """Lower snake_case output names, unique and clear of the role columns."""
    used, out = set(_RESERVED), {}
    for col in columns:
        base = "_".join(_words(col)) or "column"
        name, k = base, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        out[name] = col
    return out


def _choose_dayfirst(values: pd.Series) -> bool:
    """Day first only when some d/m/y date can only be read that way (e.g. 13/04/2025)."""
    heads = pd.Series(pd.unique(_stripped(values).str.slice(0, 10)), dtype=object)
    parts = heads.str.extract(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-]").astype(float)
    return bool((parts[0] > 12).sum() > (parts[1] > 12).sum())


def _resolve(raw: pd.DataFrame, mapping: ColumnMapping | None, source: str) -> _Plan:
    """Decide which export column plays which role."""
    mapping = mapping or ColumnMapping()
    columns = [str(c) for c in raw.columns]
    if len(set(columns)) < len(columns):
        dups = sorted({c for c in columns if columns.count(c) > 1})
        raise ColumnError(f"{source}: duplicate column names {dups}; rename them to be unique.")
    roles: dict[str, str] = {}
    for role in _ROLES:
        if (name := getattr(mapping, role)) is not None:
            roles[role] = _find(name, columns, f"--{role}", source)
    chosen = {k: [_find(c, columns, f"--{k[:-1]}", source) for c in getattr(mapping, k) or ()]
              for k in ("segments", "metrics")}  # fmt: skip
    _detect_roles(raw, roles, chosen["segments"] + chosen["metrics"])
    if "text" not in roles:
        raise ColumnError(
            f"No comment column found in {source}. Columns found: {_columns_found(columns)}. "
            "Expected a column named like 'comment', 'feedback', 'verbatim' or 'response'; pass "
            'the one holding the free-text answers with --text COLUMN (e.g. --text "Q3 text").'
        )
    free = [c for c in columns if c not in roles.values()]
    segments = chosen["segments"]
    if mapping.segments is None:
        segments = [
            c for c in _match(free, _SEGMENT_WORDS, exact=False) if c not in chosen["metrics"]
        ]
    metrics = chosen["metrics"]
    if mapping.metrics is None:
        metrics = [c for c in free if c not in segments and _is_metric(c, raw[c])]
    names = _output_names(list(dict.fromkeys(segments + metrics)))
    dayfirst = _choose_dayfirst(raw[roles["date"]]) if "date" in roles else False
    return _Plan(
        columns=columns,
        roles=roles,
        segments={k: v for k, v in names.items() if v in segments},
        metrics={k: v for k, v in names.items() if v in metrics and v not in segments},
        dayfirst=dayfirst,
    )


# ----------------------------------------------------------------------------- values


def _clean_text(value: str | None) -> str:
    if value is None or value in ("nan", "NaN"):
        return ""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def _scores(values: pd.Series, low: int, high: int) -> tuple[pd.Series, pd.Series]:
    """Integers within [low, high] as Int64, and a mask of the values that are not."""
    text = _stripped(values)
    missing = text.str.casefold().isin(_NULLS)
    number = pd.to_numeric(text.where(~missing), errors="coerce").astype(float)
    ok = number.notna() & (number % 1 == 0) & number.between(low, high)
    return number.where(ok).astype("Int64"), ~missing & ~ok


def _slash_dates(text: pd.Series, dayfirst: bool) -> pd.Series:
    """Parse d/m/y or m/d/y dates (optional time and AM/PM), all in the same order."""
    p = text.str.extract(_DMY)
    first, second, year = (pd.to_numeric(p[i]) for i in range(3))
    year = year.where(year >= 100, year + np.where(year < 69, 2000, 1900))
    hour = pd.to_numeric(p[3]).fillna(0)
    half = p[6].str.lower()
    hour = hour.where(~((half == "pm") & (hour < 12)), hour + 12).where(half != "am", hour % 12)
    parts = {"year": year, "month": second if dayfirst else first}
    parts |= {"day": first if dayfirst else second, "hour": hour}
    parts |= {"minute": pd.to_numeric(p[4]).fillna(0), "second": pd.to_numeric(p[5]).fillna(0)}
    return pd.to_datetime(pd.DataFrame(parts), errors="coerce").astype("datetime64[ns]")


def _number_dates(text: pd.Series) -> pd.Series:
    """Excel serial days (1954-2119) and Unix seconds (2001-2096)."""
    number = pd.to_numeric(text, errors="coerce")
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    serial = number.between(20_000, 80_000)
    out[serial] = pd.Timestamp("1899-12-30") + pd.to_timedelta(number[serial], unit="D")
    unix = number.between(1e9, 4e9)
    out[unix] = pd.to_datetime(number[unix], unit="s")
    return out


def _dates(values: pd.Series, dayfirst: bool) -> tuple[pd.Series, pd.Series]:
    """Parse dates flexibly; return naive datetime64[ns] (UTC for zoned input) and a bad mask."""
    text = _stripped(values)
    missing = text.str.casefold().isin(_NULLS)
    iso = pd.to_datetime(text.where(~missing), format="ISO8601", errors="coerce", utc=True)
    out = iso.dt.tz_convert(None).astype("datetime64[ns]")
    todo = out.isna() & ~missing
    if todo.any():
        rest = text[todo]
        found = _slash_dates(rest, dayfirst).fillna(_number_dates(rest))
        worded = found.isna() & rest.str.contains(r"\d{4}") & rest.str.contains(r"[^\W\d_]")
        if worded.any():
            mixed = pd.to_datetime(rest[worded], format="mixed", errors="coerce", utc=True)
            found[worded] = mixed.dt.tz_convert(None).astype("datetime64[ns]")
        out[todo] = found
    out = out.where(out.between(pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31")))
    return out, ~missing & out.isna()


def _response_ids(values: pd.Series | None, plan: _Plan, check: _Checker, column: str) -> list[str]:
    """Ids as given, ``row-<row>`` when empty, ``<id>#2``... for duplicates (with rejects)."""
    rows = check.rows.tolist()
    if values is None:
        return [f"row-{row}" for row in rows]
    ids, reasons = [], []
    for value, row in zip(values.tolist(), rows, strict=True):
        given = "" if value is None else value.strip()
        new, reason = given or f"row-{row}", ""
        if not given:
            reason = f"response id is empty; this response was given the id {new!r}"
        elif new in plan.ids:
            k = 2
            while f"{given}#{k}" in plan.ids:
                k += 1
            new, first = f"{given}#{k}", plan.ids[given]
            reason = f"duplicate response id (first used in row {first}); kept as {new!r}"
        plan.ids[new] = row
        ids.append(new)
        reasons.append(reason)
    check.reject([bool(r) for r in reasons], column, values, reasons)
    return ids


def _build(raw: pd.DataFrame, plan: _Plan, check: _Checker) -> pd.DataFrame:
    """The ``responses`` table for one chunk; rejects go to ``check``."""
    roles, id_col = plan.roles, plan.roles.get("id", "")
    ids = _response_ids(raw[id_col] if id_col else None, plan, check, id_col)
    col: dict[str, Any] = {"response_id": pd.Series(ids, raw.index, object), "row": check.rows}
    if "date" in roles:
        col["date"], bad = _dates(raw[roles["date"]], plan.dayfirst)
        order = "day/month/year" if plan.dayfirst else "month/day/year"
        why = f"date could not be read; expected e.g. 2025-03-04 or 2025-03-04 10:22 ({order})"
        check.reject(bad, roles["date"], raw[roles["date"]], why)
    else:
        col["date"] = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    comments = [_clean_text(v) for v in raw[roles["text"]].tolist()]
    sizes = np.array([len(c) for c in comments], dtype="int64")
    long = sizes > MAX_COMMENT_CHARS
    why = f"comment is longer than {MAX_COMMENT_CHARS:,} characters; kept but truncated to that"
    check.reject(long, roles["text"], [f"<{n:,} characters>" for n in sizes], why)
    col["comment"] = pd.Series([c[:MAX_COMMENT_CHARS] for c in comments], raw.index, object)
    for role, (low, high, label) in _SCORES.items():
        if role not in roles:
            col[role] = pd.Series(pd.NA, index=raw.index, dtype="Int64")
            continue
        col[role], bad = _scores(raw[roles[role]], low, high)
        why = f"{label} must be an integer from {low} to {high}"
        check.reject(bad, roles[role], raw[roles[role]], why)
    for name, source_col in plan.segments.items():
        cleaned = (_clean_text(v) for v in raw[source_col].tolist())
        col[name] = pd.Series([v or pd.NA for v in cleaned], raw.index, object)
    for name, source_col in plan.metrics.items():
        text = _stripped(raw[source_col])
        number = pd.to_numeric(text, errors="coerce").astype("float64")
        bad = ~text.str.casefold().isin(_NULLS) & ~np.isfinite(number)
        check.reject(bad, source_col, raw[source_col], f"{source_col} must be a number")
        col[name] = number.where(~bad)
    return pd.DataFrame(col)


def _apply(raw: pd.DataFrame, plan: _Plan, source: str, first_row: int) -> IngestResult:
    """Validate one chunk with a resolved plan."""
    extra = [c for c in raw.columns if c not in plan.columns]
    if extra:
        logger.warning("%s: ignoring columns not present in the first chunk: %s", source, extra)
    raw = raw.reindex(columns=plan.columns).reset_index(drop=True)
    raw = raw.astype(object).where(raw.notna(), None)
    rows = pd.Series(np.arange(first_row, first_row + len(raw), dtype="int64"))
    filled = np.zeros(len(raw), dtype=bool)
    for column in raw.columns:
        filled |= np.array([v is not None and bool(v.strip()) for v in raw[column]], dtype=bool)
    raw, rows = raw[filled].reset_index(drop=True), rows[filled].reset_index(drop=True)
    check = _Checker(source, rows)
    responses = _build(raw, plan, check)
    return IngestResult(
        responses=responses,
        rejects=check.table(),
        mapping={**plan.roles, **plan.segments, **plan.metrics},
        segments=list(plan.segments),
        metrics=list(plan.metrics),
        source=source,
    )


def validate(
    raw: pd.DataFrame, *, source: str, mapping: ColumnMapping | None, first_row: int = 2
) -> IngestResult:
    """Map the columns of a raw table and validate every value.

    Parameters
    ----------
    raw
        The export as read (e.g. by :func:`read_table`); any cell types are accepted.
    source
        Name shown in the ``file`` column of the rejects and in error messages.
    mapping
        Explicit column choices; ``None`` detects every role automatically.
    first_row
        Spreadsheet row number of the first data row (the header is row 1).

    Returns
    -------
    IngestResult
        ``responses`` and ``rejects`` as described in ARCHITECTURE.md.

    Raises
    ------
    ColumnError
        A mapped column does not exist, no comment column was found, or headers repeat.
    """
    raw = _stringify(raw)
    plan = _resolve(raw, mapping, source)
    return _apply(raw, plan, source, first_row)


def _no_rows(path: str | os.PathLike[str]) -> UnreadableFileError:
    return UnreadableFileError(
        f"{path}: no data rows found (only a header, or blank rows); expected one row per "
        "survey response. Check that the right file or sheet was exported."
    )


def _log(result: IngestResult) -> None:
    counts = len(result.responses), len(result.rejects)
    logger.info("%s: %d responses, %d rejects; columns %s", result.source, *counts, result.mapping)


def read_export(path: str | os.PathLike[str], mapping: ColumnMapping | None = None) -> IngestResult:
    """Read, map and validate a whole export.

    Parameters
    ----------
    path
        A .csv, .tsv/.tab, .xlsx (first sheet), .parquet or .jsonl/.ndjson/.json file.
        Text files may be UTF-8 (with or without BOM), UTF-16 with BOM, or cp1252.
    mapping
        Explicit column choices; ``None`` detects every role automatically.

    Returns
    -------
    IngestResult
        The validated responses, the rejects, the mapping used and the encoding.

    Raises
    ------
    UnreadableFileError
        The file is missing, empty, of an unknown type or cannot be parsed.
    ColumnError
        A mapped column does not exist, or no comment column was found.
    """
    raw, encoding = _read_all(path)
    if raw.empty:
        raise _no_rows(path)
    source = os.fspath(path)
    result = _apply(raw, _resolve(raw, mapping, source), source, 2)
    if result.responses.empty:
        raise _no_rows(path)
    result.encoding = encoding
    _log(result)
    return result


def iter_export(
    path: str | os.PathLike[str], mapping: ColumnMapping | None = None, chunk_rows: int = 50_000
) -> Iterator[IngestResult]:
    """Read, map and validate an export in chunks of at most ``chunk_rows`` rows.

    The mapping (and the day/month order of dates) is decided on the first chunk and
    reused; duplicate ids are found across chunks; row numbers are those of the file.
    CSV, TSV, Parquet and JSON Lines are streamed; XLSX is loaded whole, then sliced.

    Parameters
    ----------
    path
        The export file (see :func:`read_export`).
    mapping
        Explicit column choices; ``None`` detects every role automatically.
    chunk_rows
        Maximum number of rows per chunk.

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
    encoding, chunks = _open_export(Path(path), chunk_rows)
    source, plan, first_row, total = os.fspath(path), None, 2, 0
    for chunk in chunks:
        raw = _stringify(chunk)
        if raw.empty:
            continue
        plan = plan or _resolve(raw, mapping, source)
        result = _apply(raw, plan, source, first_row)
        result.encoding = encoding
        first_row, total = first_row + len(raw), total + len(result.responses)
        _log(result)
        yield result
    if total == 0:
        raise _no_rows(path)
