"""Validate the cells of an export into the ``responses`` and ``rejects`` tables.

One ``responses`` row per non-blank data row, in file order: a bad value becomes
``<NA>``/``NaT`` and the row is kept, with one ``rejects`` row per problem found.
Rows whose cells are all empty are not responses, but each gets a rejects row, so
nothing is dropped silently. Comment text is never logged.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analyzer.ingest import parse
from analyzer.ingest.columns import ColumnMapping, Plan, resolve
from analyzer.ingest.limits import Limits
from analyzer.ingest.readers import stringify
from analyzer.text.redact import redact_id, redact_patterns

logger = logging.getLogger(__name__)

MAX_COMMENT_CHARS = 20_000
REJECT_COLUMNS = ["file", "row", "column", "value", "reason"]
BLANK_ROW = "blank row: every cell is empty; skipped"
_SCORES = {"nps": (0, 10, "NPS"), "csat": (1, 5, "CSAT"), "ces": (1, 7, "CES")}


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


def _shorten(value: str, limit: int = 200) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _id_hash(value: str, key: bytes | None) -> str:
    """8 hex digits: of HMAC-SHA-256 under the store's ``key``, or of plain SHA-256 (the rule
    of stores written before the key existed, and of a bare ``read_export`` without one)."""
    if key is None:
        return hashlib.sha256(value.encode()).hexdigest()[:8]
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:8]


def private_id(value: str, key: bytes | None = None) -> str:
    """A response id with personal data (an e-mail, a phone number...) redacted.

    Only what is unambiguous in an identifier is redacted (see :func:`redact_id`): a bare
    digit string stays as it is. An id holding personal data becomes the redacted text
    plus 8 hex digits of a keyed hash of the id, e.g. ``[EMAIL]-1f0c9a2b``: the same id
    gives the same result in every run of a store, different ids stay apart (a clash of
    hashes is caught as a duplicate), and someone who guesses the address cannot confirm it
    without the store's key (:func:`analyzer.store.secret.id_key`). Other ids are kept as
    they are.

    Parameters
    ----------
    value : str
        The id as given (stripped).
    key : bytes, optional
        The store's key; without it the hash is a plain SHA-256 (guessable).
    """
    redacted = redact_id(value)
    if redacted == value:
        return value
    return f"{redacted}-{_id_hash(value, key)}"


def stored_ids(value: str, key: bytes | None) -> list[str]:
    """Every form in which this or an earlier version may have stored the id ``value``.

    The current rule under the store's ``key``; the same rule with the unsalted hash
    (stores written before the key); the rule before ids were told apart from free text,
    which also redacted card-like digit strings (``[CARD]-<sha256>``); and the id as given.
    Forgetting a respondent by their own id looks for all of them.
    """
    value = value.strip()
    forms = [private_id(value, key), private_id(value, None), value]
    as_text = redact_patterns(value)
    if as_text != value:
        forms.append(f"{as_text}-{_id_hash(value, None)}")
    return list(dict.fromkeys(forms))


@dataclass
class Checker:
    """Collects reject rows for one chunk; ``rows`` are the row numbers of its responses."""

    source: str
    rows: pd.Series
    found: list[pd.DataFrame] = field(default_factory=list)

    def reject(self, mask: Any, column: str, values: Iterable[Any], reason: Any) -> None:
        """Add one reject row per true entry of ``mask``."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        shown = [
            "" if v is None else _shorten(redact_patterns(str(v)))
            for v in np.asarray(values, object)[mask]
        ]
        reasons = np.asarray(reason, object)[mask] if isinstance(reason, list) else reason
        frame = {"file": self.source, "row": self.rows.to_numpy()[mask], "column": column}
        self.found.append(pd.DataFrame(frame | {"value": shown, "reason": reasons}))

    def skipped(self, rows: pd.Series, reason: str) -> None:
        """Add one whole-row reject (column ``""``, value ``""``) per row number in ``rows``."""
        if len(rows):
            frame = {"file": self.source, "row": rows.to_numpy(), "column": "", "value": ""}
            self.found.append(pd.DataFrame(frame | {"reason": reason}))

    def table(self) -> pd.DataFrame:
        """All rejects, ordered by row."""
        if not self.found:
            empty = {c: pd.Series(dtype="int64" if c == "row" else object) for c in REJECT_COLUMNS}
            return pd.DataFrame(empty)
        out = pd.concat(self.found, ignore_index=True).sort_values("row", kind="stable")
        types = {c: "int64" if c == "row" else object for c in REJECT_COLUMNS}
        return out.reset_index(drop=True).astype(types)


def _response_ids(
    values: pd.Series | None, plan: Plan, check: Checker, column: str, key: bytes | None
) -> list[str]:
    """Ids as given (personal data redacted, see :func:`private_id`), ``row-<row>`` when
    empty, ``<id>#2``... for duplicates (with rejects)."""
    rows = check.rows.tolist()
    if values is None:
        return [f"row-{row}" for row in rows]
    ids, reasons = [], []
    for value, row in zip(values.tolist(), rows, strict=True):
        given = "" if value is None else private_id(value.strip(), key)
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


def _comments(raw: pd.Series, column: str, check: Checker) -> pd.Series:
    """Cleaned comments, truncated to :data:`MAX_COMMENT_CHARS` (with a reject)."""
    comments = [parse.clean_text(v) for v in raw.tolist()]
    sizes = np.array([len(c) for c in comments], dtype="int64")
    long = sizes > MAX_COMMENT_CHARS
    why = f"comment is longer than {MAX_COMMENT_CHARS:,} characters; kept but truncated to that"
    check.reject(long, column, [f"<{n:,} characters>" for n in sizes], why)
    return pd.Series([c[:MAX_COMMENT_CHARS] for c in comments], raw.index, object)


def _build(raw: pd.DataFrame, plan: Plan, check: Checker, key: bytes | None) -> pd.DataFrame:
    """The ``responses`` table for one chunk; rejects go to ``check``."""
    roles, id_col = plan.roles, plan.roles.get("id", "")
    ids = _response_ids(raw[id_col] if id_col else None, plan, check, id_col, key)
    col: dict[str, Any] = {"response_id": pd.Series(ids, raw.index, object), "row": check.rows}
    if "date" in roles:
        col["date"], bad = parse.dates(raw[roles["date"]], plan.dayfirst)
        order = "day/month/year" if plan.dayfirst else "month/day/year"
        why = f"date could not be read; expected e.g. 2025-03-04 or 2025-03-04 10:22 ({order})"
        check.reject(bad, roles["date"], raw[roles["date"]], why)
    else:
        col["date"] = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    col["comment"] = _comments(raw[roles["text"]], roles["text"], check)
    for role, (low, high, label) in _SCORES.items():
        if role not in roles:
            col[role] = pd.Series(pd.NA, index=raw.index, dtype="Int64")
            continue
        col[role], bad = parse.scores(raw[roles[role]], low, high)
        why = f"{label} must be an integer from {low} to {high}"
        check.reject(bad, roles[role], raw[roles[role]], why)
    for name, source_col in plan.segments.items():
        col[name] = _segment_values(raw[source_col], raw.index)
    for name, source_col in plan.metrics.items():
        col[name], bad = parse.numbers(raw[source_col])
        check.reject(bad, source_col, raw[source_col], f"{source_col} must be a number")
    return pd.DataFrame(col)


def _segment_values(raw: pd.Series, index: pd.Index) -> pd.Series:
    """A segment column's cleaned values with personal data redacted by patterns (an e-mail
    typed into a "channel" cell is shown in every chart and download of the run); each
    distinct value is redacted once."""
    cleaned = [parse.clean_text(v) for v in raw.tolist()]
    redacted = {v: redact_patterns(v) for v in set(cleaned) if v}
    return pd.Series([redacted[v] if v else pd.NA for v in cleaned], index, object)


def _blank(raw: pd.DataFrame) -> np.ndarray:
    """Mask of the rows whose cells are all ``None`` or whitespace."""
    filled = np.zeros(len(raw), dtype=bool)
    for column in raw.columns:
        filled |= np.array([v is not None and bool(v.strip()) for v in raw[column]], dtype=bool)
    return ~filled


def validate_chunk(
    raw: pd.DataFrame, plan: Plan, source: str, first_row: int, id_key: bytes | None = None
) -> IngestResult:
    """Validate one chunk of text cells with a resolved plan.

    ``first_row`` is the spreadsheet row number of the chunk's first row; blank rows keep
    their numbers, so later rows keep the numbers a spreadsheet shows. ``id_key`` is the
    store's key for hashing ids that hold personal data (see :func:`private_id`).
    """
    extra = [c for c in raw.columns if c not in plan.columns]
    if extra:
        logger.warning("%s: ignoring columns not present in the first chunk: %s", source, extra)
    raw = raw.reindex(columns=plan.columns).reset_index(drop=True)
    raw = raw.astype(object).where(raw.notna(), None)
    rows = pd.Series(np.arange(first_row, first_row + len(raw), dtype="int64"))
    blank = _blank(raw)
    raw, kept = raw[~blank].reset_index(drop=True), rows[~blank].reset_index(drop=True)
    check = Checker(source, kept)
    check.skipped(rows[blank], BLANK_ROW)
    responses = _build(raw, plan, check, id_key)
    return IngestResult(
        responses=responses,
        rejects=check.table(),
        mapping={**plan.roles, **plan.segments, **plan.metrics},
        segments=list(plan.segments),
        metrics=list(plan.metrics),
        source=source,
    )


def validate(
    raw: pd.DataFrame,
    *,
    source: str,
    mapping: ColumnMapping | None,
    first_row: int = 2,
    limits: Limits | None = None,
    id_key: bytes | None = None,
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
    limits
        Most columns, segments and metrics accepted; ``None`` reads ``CXA_MAX_*``.
    id_key
        The store's key for hashing ids that hold personal data (see :func:`private_id`).

    Returns
    -------
    IngestResult
        ``responses`` and ``rejects`` as described in ARCHITECTURE.md.

    Raises
    ------
    ColumnError
        A mapped column does not exist, no comment column was found, headers repeat, or
        there are more columns, segments or metrics than ``limits`` allow.
    """
    limits = limits or Limits.from_env()
    limits.check_columns(len(raw.columns), source)
    raw = stringify(raw)
    plan = resolve(raw, mapping, source, limits)
    return validate_chunk(raw, plan, source, first_row, id_key)
