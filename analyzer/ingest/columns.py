"""Decide which column of an export plays which role.

Explicit choices (:class:`ColumnMapping`, from ``--text`` and friends) win; every other
role is found by header synonyms, first exact names, then names containing a key
phrase. Remaining columns become segments (by header words) or metrics (mostly
numeric). The result is a :class:`Plan` that every chunk of the export reuses.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd

from analyzer.errors import ColumnError
from analyzer.ingest.limits import Limits
from analyzer.ingest.parse import NULLS, choose_dayfirst, stripped

ROLES = ("id", "date", "nps", "csat", "ces", "text")
_SAMPLE = 1_000
_RESERVED = frozenset({"response_id", "row", "date", "comment", "nps", "csat", "ces", "text", "id"})
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


@dataclass
class Plan:
    """A resolved mapping, shared by every chunk of one export."""

    columns: list[str]
    roles: dict[str, str]
    segments: dict[str, str]  # output name -> export column
    metrics: dict[str, str]
    dayfirst: bool
    ids: dict[str, int] = field(default_factory=dict)  # response id -> row it was given in


@lru_cache(maxsize=4096)
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


def _headerless_hint(columns: list[str]) -> str:
    """A hint when the header row holds a number, as a headerless "text<TAB>1" file does
    (a real header is never a bare number)."""
    if not any(c.strip().lstrip("+-").replace(".", "", 1).isdigit() for c in columns):
        return ""
    return (
        " The first row looks like data, not column names: if the file has no header row, "
        "add one (e.g. comment,label) and run again."
    )


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


def _mostly_numeric(values: pd.Series) -> bool:
    text = stripped(values)
    text = text[~text.str.casefold().isin(NULLS)].head(_SAMPLE)
    return len(text) > 0 and bool(pd.to_numeric(text, errors="coerce").notna().mean() >= 0.9)


def _detect_roles(raw: pd.DataFrame, roles: dict[str, str], taken: list[str]) -> None:
    """Fill ``roles`` in place: exact names first, then names containing a key phrase."""
    for exact in (True, False):
        for role in ROLES:
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


def resolve(
    raw: pd.DataFrame, mapping: ColumnMapping | None, source: str, limits: Limits | None = None
) -> Plan:
    """Decide which export column plays which role.

    Parameters
    ----------
    raw
        The export (or its first chunk) as text cells.
    mapping
        Explicit column choices; ``None`` detects every role automatically.
    source
        Name of the export, used in error messages.
    limits
        Most columns, segments and metrics accepted; ``None`` reads ``CXA_MAX_*``.

    Raises
    ------
    ColumnError
        Headers repeat, a mapped column does not exist, no comment column was found, or
        there are more columns, segments or metrics than ``limits`` allow.
    """
    mapping = mapping or ColumnMapping()
    limits = limits or Limits.from_env()
    columns = [str(c) for c in raw.columns]
    limits.check_columns(len(columns), source)
    if len(set(columns)) < len(columns):
        dups = sorted({c for c in columns if columns.count(c) > 1})
        raise ColumnError(f"{source}: duplicate column names {dups}; rename them to be unique.")
    roles: dict[str, str] = {}
    for role in ROLES:
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
            + _headerless_hint(columns)
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
    limits.check_roles(segments, [c for c in metrics if c not in segments], source)
    names = _output_names(list(dict.fromkeys(segments + metrics)))
    dayfirst = choose_dayfirst(raw[roles["date"]]) if "date" in roles else False
    return Plan(
        columns=columns,
        roles=roles,
        segments={k: v for k, v in names.items() if v in segments},
        metrics={k: v for k, v in names.items() if v in metrics and v not in segments},
        dayfirst=dayfirst,
    )
