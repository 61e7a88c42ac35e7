"""The service's durable queue of analysis jobs, kept in the store's ``jobs`` table.

A job is recorded (status ``queued``, with the path of its saved upload and its options)
before the service answers 202, so it survives a restart or a crash. Its life::

    queued -> running -> done
                      -> failed (error says why)

On start, a service resumes every ``queued`` job and runs again a job a previous process
left ``running`` (up to :data:`MAX_ATTEMPTS` times; then it is ``failed`` with the reason).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from analyzer.store import Store

MAX_ATTEMPTS = 2
"""Starts of a job before it counts as crashing the process and is failed instead."""

_COLUMNS = "job_id, kind, status, source, upload, options, attempts, error"


@dataclass(frozen=True)
class Job:
    """One row of the ``jobs`` table."""

    job_id: str
    kind: str
    status: str
    source: str
    upload: str
    options: dict[str, Any]
    attempts: int
    error: str | None


def _job(row: tuple[Any, ...]) -> Job:
    job_id, kind, status, source, upload, options, attempts, error = row
    return Job(
        job_id=job_id,
        kind=kind,
        status=status,
        source=source,
        upload=upload,
        options=json.loads(options) if options else {},
        attempts=int(attempts or 0),
        error=error,
    )


def add(store: Store, job_id: str, *, source: str, upload: str, options: dict[str, Any]) -> None:
    """Record a new ``queued`` analysis job (one transaction)."""
    with store.transaction("add_job") as con:
        con.execute(
            "INSERT INTO jobs VALUES (?, 'analyze', 'queued', now(), now(), ?, ?, ?, 0, NULL)",
            [job_id, source, upload, json.dumps(options)],
        )


def start(store: Store, job_id: str) -> None:
    """Mark a job ``running`` and count the attempt."""
    with store.transaction("start_job") as con:
        con.execute(
            "UPDATE jobs SET status = 'running', attempts = attempts + 1, updated_at = now() "
            "WHERE job_id = ?",
            [job_id],
        )


def finish(store: Store, job_id: str, *, error: str | None = None) -> None:
    """Mark a job ``done``, or ``failed`` with ``error``."""
    status = "done" if error is None else "failed"
    with store.transaction("finish_job") as con:
        con.execute(
            "UPDATE jobs SET status = ?, error = ?, updated_at = now() WHERE job_id = ?",
            [status, error, job_id],
        )


def pending(store: Store) -> list[Job]:
    """Jobs ``queued`` or ``running``, oldest first."""
    with store.connect() as con:
        rows = con.execute(
            f"SELECT {_COLUMNS} FROM jobs WHERE status IN ('queued', 'running') "
            "ORDER BY created_at, job_id"
        ).fetchall()
    return [_job(r) for r in rows]


def get(store: Store, job_id: str) -> Job | None:
    """The job ``job_id``, or ``None``."""
    with store.connect() as con:
        row = con.execute(f"SELECT {_COLUMNS} FROM jobs WHERE job_id = ?", [job_id]).fetchone()
    return None if row is None else _job(row)


__all__ = ["MAX_ATTEMPTS", "Job", "add", "finish", "get", "pending", "start"]
