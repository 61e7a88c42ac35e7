"""Suggestions from readers, reviewed by analysts.

Anyone with a key (a *viewer*) can suggest a codeframe change (``rename``, ``merge``,
``split``, ``move``, ``seed``: a new theme seeded with example phrases) or leave a ``note`` on
a theme. An analyst approves or rejects it with a reason; an approved change is applied
through :mod:`analyzer.loop.curation`, exactly like the analyst's own edit (the codeframe of the
run's theme model and the run's stored themes and mentions). Every suggestion keeps its
author, time and outcome; writes are audited.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from analyzer.errors import ConfigError, InputError, NotFoundError
from analyzer.loop import curation
from analyzer.store import Store, audit
from analyzer.text.plain import check_plain
from analyzer.text.redact import redact_patterns

if TYPE_CHECKING:
    from analyzer.embed import Embedder

KINDS: tuple[str, ...] = ("rename", "merge", "split", "move", "seed", "note")
STATUSES: tuple[str, ...] = ("pending", "approved", "rejected")
_COLUMNS = (
    "suggestion_id", "run_id", "kind", "theme_ids", "payload", "comment", "author",
    "created_at", "status", "reviewer", "reviewed_at", "reason", "result",
)  # fmt: skip
_NEEDS_ONE = {"rename", "split", "move", "note"}
Redact = Callable[[list[str]], list[str]]


def _payload(kind: str, theme_ids: list[int], fields: dict[str, Any]) -> dict[str, Any]:
    """The fields a kind needs, checked; ConfigError saying what is missing."""
    if kind not in KINDS:
        raise ConfigError(f"Unknown suggestion kind {kind!r}; expected one of {', '.join(KINDS)}.")
    if kind in _NEEDS_ONE and len(theme_ids) != 1:
        raise ConfigError(f"A {kind!r} suggestion is about one theme; got theme_ids={theme_ids}.")
    if kind == "merge" and len(set(theme_ids)) < 2:
        raise ConfigError(f"A merge needs two or more different theme ids; got {theme_ids}.")
    need = {"rename": ["label"], "split": ["parts"], "move": ["parent"], "seed": ["label",
            "phrases"], "note": ["comment"], "merge": []}[kind]  # fmt: skip
    missing = [f for f in need if not fields.get(f)]
    if missing:
        raise ConfigError(f"A {kind!r} suggestion needs {', '.join(missing)}.")
    keep = {"label", "parts", "parent", "phrases"}
    payload = {k: v for k, v in fields.items() if k in keep and v not in (None, [], "")}
    for key in ("label", "parent"):
        if isinstance(payload.get(key), str):
            check_plain(payload[key], "parent name" if key == "parent" else key)
    for phrase in payload.get("phrases") or []:
        check_plain(str(phrase), "seed phrase")
    if fields.get("comment"):
        check_plain(str(fields["comment"]), "comment", multiline=True)
    return payload


def _redacted(texts: list[str], redact: Redact | None) -> list[str]:
    """``texts`` redacted as comments are: patterns, then ``redact`` (person names) if given."""
    if redact is not None:
        return redact(texts)
    return [redact_patterns(t) for t in texts]


def suggest(
    store: Store,
    *,
    run_id: str,
    kind: str,
    theme_ids: list[int] | None = None,
    author: str,
    comment: str | None = None,
    redact: Redact | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """Record a pending suggestion on a finished run's codeframe; return it.

    The note (``comment``) and seed phrases may quote a respondent: they are stored redacted
    as comments are, by patterns, and by ``redact`` when given (the service passes its text
    processor's :meth:`~analyzer.text.TextProcessor.redact`, which also redacts names).
    """
    ids = [int(t) for t in dict.fromkeys(theme_ids or [])]
    payload = _payload(kind, ids, {**fields, "comment": comment})
    if comment:
        comment = _redacted([comment], redact)[0]
    if payload.get("phrases"):
        payload["phrases"] = _redacted([str(p) for p in payload["phrases"]], redact)
    run = store.load_run(run_id)
    known = set(run.themes["theme_id"].astype(int))
    unknown = [t for t in ids if t not in known]
    if unknown:
        raise NotFoundError(  # named alone: the run's other themes are not the caller's ask
            f"Run {run_id!r} has no theme {unknown}; GET /v1/runs/{run_id}/themes lists its themes."
        )
    suggestion_id = audit.new_id("sug")
    with audit.transaction(store) as con:
        con.execute(
            "INSERT INTO suggestions VALUES (?, ?, ?, ?, ?, ?, ?, now(), 'pending', NULL, NULL, "
            "NULL, NULL)",
            [suggestion_id, run_id, kind, json.dumps(ids), json.dumps(payload), comment, author],
        )
        audit.log(con, author, "suggestion.add", suggestion_id, kind=kind, run_id=run_id)
    return get_suggestion(store, suggestion_id)


def _record(raw: dict[Any, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for key, value in raw.items():
        missing = value is None or (not isinstance(value, str) and bool(pd.isna(value)))
        row[str(key)] = None if missing else value
    row["theme_ids"] = json.loads(row["theme_ids"] or "[]")
    row["payload"] = json.loads(row["payload"] or "{}")
    row["result"] = json.loads(row["result"]) if row["result"] else None
    for key in ("created_at", "reviewed_at"):
        row[key] = None if row[key] is None else pd.Timestamp(row[key]).to_pydatetime()
    return row


def list_suggestions(
    store: Store, *, status: str | None = None, run_id: str | None = None
) -> list[dict[str, Any]]:
    """Suggestions, newest first (the analysts' queue is ``status="pending"``)."""
    if status is not None and status not in STATUSES:
        raise ConfigError(f"Unknown status {status!r}; expected one of {', '.join(STATUSES)}.")
    sql, params = f"SELECT {', '.join(_COLUMNS)} FROM suggestions WHERE true", []
    for column, value in (("status", status), ("run_id", run_id)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    with store.connect() as con:
        frame = con.execute(sql + " ORDER BY created_at DESC, suggestion_id", params).df()
    return [_record(r) for r in frame.astype(object).to_dict("records")]


def get_suggestion(store: Store, suggestion_id: str) -> dict[str, Any]:
    """One suggestion; NotFoundError otherwise."""
    with store.connect() as con:
        frame = con.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM suggestions WHERE suggestion_id = ?",
            [suggestion_id],
        ).df()
    if frame.empty:
        raise NotFoundError(f"No suggestion {suggestion_id!r}; see the list of suggestions.")
    return _record(frame.astype(object).to_dict("records")[0])


def apply(
    store: Store,
    suggestion: dict[str, Any],
    *,
    embedder: Embedder | None = None,
    edit: Any = None,
) -> dict[str, Any]:
    """Apply an approved suggestion through :mod:`analyzer.loop.curation`; what it did.

    ``edit(run_id, change)`` applies a codeframe change (default :func:`curation.edit` on
    ``store``; the service passes its own, which also drops its caches). Splits and seeds
    need ``embedder``.
    """
    run_id, kind = suggestion["run_id"], suggestion["kind"]
    ids, payload = suggestion["theme_ids"], suggestion["payload"]
    edit = edit or (lambda run, change: curation.edit(store, run, change))
    if kind == "note":
        return {"note": "acknowledged"}
    if kind in ("split", "seed") and embedder is None:
        raise ConfigError(f"Applying a {kind!r} suggestion needs the run's embedder.")
    if kind == "rename":
        return {"theme_id": edit(run_id, curation.rename(ids[0], payload["label"]))}
    if kind == "merge":
        return {"theme_id": edit(run_id, curation.merge(ids, label=payload.get("label")))}
    if kind == "move":
        parent = str(payload["parent"])
        target: int | str = int(parent) if parent.lstrip("-").isdigit() else parent
        return {"theme_id": edit(run_id, curation.move(ids[0], target))}
    if kind == "split":
        new = curation.split(store, run_id, ids[0], embedder, int(payload["parts"]))  # type: ignore[arg-type]
        return {"theme_ids": new}
    name, phrases = str(payload["label"]), [str(p) for p in payload["phrases"]]
    return {"theme_id": curation.add_seed(store, run_id, name, phrases, embedder)}  # type: ignore[arg-type]


def review(
    store: Store,
    suggestion_id: str,
    *,
    decision: str,
    reason: str,
    reviewer: str,
    embedder: Embedder | None = None,
    edit: Any = None,
) -> dict[str, Any]:
    """Approve (and apply) or reject a pending suggestion, keeping the reason and reviewer."""
    if decision not in ("approve", "reject"):
        raise ConfigError(f"decision={decision!r}; expected 'approve' or 'reject'.")
    if not (reason or "").strip():
        raise ConfigError("A review needs a reason (it is kept with the suggestion).")
    check_plain(reason, "reason", multiline=True)
    suggestion = get_suggestion(store, suggestion_id)
    if suggestion["status"] != "pending":
        raise InputError(
            f"Suggestion {suggestion_id!r} was already {suggestion['status']} by "
            f"{suggestion['reviewer']}; only pending suggestions can be reviewed."
        )
    result: dict[str, Any] = {}
    if decision == "approve":
        result = apply(store, suggestion, embedder=embedder, edit=edit)
    status = "approved" if decision == "approve" else "rejected"
    with audit.transaction(store) as con:
        con.execute(
            "UPDATE suggestions SET status = ?, reviewer = ?, reviewed_at = now(), reason = ?, "
            "result = ? WHERE suggestion_id = ?",
            [status, reviewer, reason.strip(), json.dumps(result), suggestion_id],
        )
        audit.log(con, reviewer, f"suggestion.{status}", suggestion_id, result=result)
    return get_suggestion(store, suggestion_id)


__all__ = ["KINDS", "STATUSES", "apply", "get_suggestion", "list_suggestions", "review", "suggest"]
