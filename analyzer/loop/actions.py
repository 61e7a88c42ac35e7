"""Actions taken on themes, and whether they worked.

An action is recorded against one or more themes of a run (title, owner team, the day it
took effect, an optional note and link) with who recorded it and when. Its effect is
measured by :func:`analyzer.metrics.effects.action_effect` on the run's responses *plus*
every scored export (``cxa score``) made with the run's theme model, so next month's
export shows the effect without re-fitting. Rows are mapped to dicts only here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.errors import AnalyzerError, ConfigError, NotFoundError
from analyzer.metrics.effects import Change, Effect, action_effect
from analyzer.store import RunData, Store, audit
from analyzer.text.plain import check_plain

STATUSES = ("open", "closed")
FIELDS = ("title", "team", "effective", "note", "link", "status", "theme_ids")
_COLUMNS = (
    "action_id", "run_id", "theme_ids", "title", "team", "effective", "note", "link", "status",
    "created_at", "created_by", "closed_at", "closed_by",
)  # fmt: skip


def parse_day(value: object) -> pd.Timestamp:
    """A day from ``value`` (ISO date text, date or Timestamp); ConfigError otherwise."""
    try:
        day: Any = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        day = pd.NaT
    if pd.isna(day):
        raise ConfigError(f"{value!r} is not a date; give an ISO date such as 2026-03-01.")
    return pd.Timestamp(day).normalize()


def _check_text(name: str, value: object, *, required: bool) -> str | None:
    """A title, team, note or link as typed: plain text (a note may span lines)."""
    if value is None and not required:
        return None
    text = str(value or "").strip()
    if required and not text:
        raise ConfigError(f"An action needs a {name}; got {value!r}.")
    if len(text) > 2000:
        raise ConfigError(f"The {name} is {len(text)} characters long; at most 2000.")
    return check_plain(text, name, multiline=name == "note") or None


def _check_themes(store: Store, run_id: str, theme_ids: list[int]) -> list[int]:
    ids = [int(t) for t in dict.fromkeys(theme_ids)]
    if not ids:
        raise ConfigError("An action needs at least one theme id (see 'cxa themes list').")
    run = store.run_meta(run_id)
    if run["status"] != "done":
        raise ConfigError(f"Run {run_id!r} is {run['status']!r}; record actions on a finished run.")
    known = set(store.load_run(run_id).themes["theme_id"].astype(int))
    unknown = [t for t in ids if t not in known]
    if unknown:
        raise NotFoundError(  # named alone: the run's other themes are not the caller's ask
            f"Run {run_id!r} has no theme {unknown}; 'cxa themes list' (or GET "
            f"/v1/runs/{run_id}/themes) lists its themes."
        )
    return ids


def add_action(
    store: Store,
    *,
    run_id: str,
    theme_ids: list[int],
    title: str,
    team: str | None,
    effective: object,
    note: str | None = None,
    link: str | None = None,
    actor: str,
) -> dict[str, Any]:
    """Record an action (status ``open``) and its audit row in one transaction; return it."""
    ids = _check_themes(store, run_id, theme_ids)
    day = parse_day(effective)
    values = [
        audit.new_id("act"), run_id, json.dumps(ids), _check_text("title", title, required=True),
        _check_text("team", team, required=False), day.date(),
        _check_text("note", note, required=False), _check_text("link", link, required=False),
    ]  # fmt: skip
    with audit.transaction(store) as con:
        con.execute(
            "INSERT INTO actions VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', now(), ?, NULL, NULL)",
            [*values, actor],
        )
        audit.log(con, actor, "action.add", str(values[0]), run_id=run_id, theme_ids=ids)
    return get_action(store, str(values[0]))


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (list, dict, str)) and bool(pd.isna(value)))


def _record(raw: dict[Any, Any]) -> dict[str, Any]:
    row: dict[str, Any] = {str(k): (None if _missing(v) else v) for k, v in raw.items()}
    row["theme_ids"] = [int(t) for t in json.loads(row["theme_ids"] or "[]")]
    row["effective"] = pd.Timestamp(row["effective"]).date()
    for key in ("created_at", "closed_at"):
        row[key] = None if row[key] is None else pd.Timestamp(row[key]).to_pydatetime()
    return row


def list_actions(
    store: Store, *, status: str | None = None, team: str | None = None, run_id: str | None = None
) -> list[dict[str, Any]]:
    """Actions, newest effective date first, optionally filtered."""
    if status is not None and status not in STATUSES:
        raise ConfigError(f"Unknown status {status!r}; expected one of {', '.join(STATUSES)}.")
    sql, params = f"SELECT {', '.join(_COLUMNS)} FROM actions WHERE true", []
    for column, value in (("status", status), ("team", team), ("run_id", run_id)):
        if value is not None:
            sql += f" AND {column} = ?"
            params.append(value)
    with store.connect() as con:
        frame = con.execute(sql + " ORDER BY effective DESC, created_at DESC", params).df()
    return [_record(r) for r in frame.astype(object).to_dict("records")]


def get_action(store: Store, action_id: str) -> dict[str, Any]:
    """One action; NotFoundError naming only the id asked for."""
    with store.connect() as con:
        frame = con.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM actions WHERE action_id = ?", [action_id]
        ).df()
    if frame.empty:
        raise NotFoundError(
            f"No action {action_id!r}; 'cxa actions list' (or GET /v1/actions) lists them."
        )
    return _record(frame.astype(object).to_dict("records")[0])


def update_action(store: Store, action_id: str, *, actor: str, **changes: Any) -> dict[str, Any]:
    """Change fields of an action (``status="closed"`` closes it); audited."""
    current = get_action(store, action_id)
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ConfigError(f"Cannot change {sorted(unknown)}; fields: {', '.join(FIELDS)}.")
    sets: dict[str, Any] = {}
    for key, value in changes.items():
        if key == "title":
            sets[key] = _check_text("title", value, required=True)
        elif key in ("team", "note", "link"):
            sets[key] = _check_text(key, value, required=False)
        elif key == "effective":
            sets[key] = parse_day(value).date()
        elif key == "theme_ids":
            sets[key] = json.dumps(_check_themes(store, current["run_id"], list(value or [])))
        elif key == "status":
            if value not in STATUSES:
                raise ConfigError(f"Unknown status {value!r}; expected {', '.join(STATUSES)}.")
            sets[key] = value
    if not sets:
        return current
    closing = sets.get("status") == "closed" and current["status"] != "closed"
    reopening = sets.get("status") == "open"
    assignments = ", ".join(f"{k} = ?" for k in sets)
    if closing:
        assignments += ", closed_at = now(), closed_by = ?"
    if reopening:
        assignments += ", closed_at = NULL, closed_by = NULL"
    params = [*sets.values(), *([actor] if closing else []), action_id]
    with audit.transaction(store) as con:
        con.execute(f"UPDATE actions SET {assignments} WHERE action_id = ?", params)
        audit.log(con, actor, "action.update", action_id, fields=sorted(sets))
    return get_action(store, action_id)


def close_action(store: Store, action_id: str, *, actor: str) -> dict[str, Any]:
    """Mark an action ``closed`` (its effect is still measured)."""
    return update_action(store, action_id, actor=actor, status="closed")


# -- data and effect --------------------------------------------------------------------


def _codeframe_map(model_dir: str) -> Any:
    from analyzer.themes.codeframe import Codeframe
    from analyzer.themes.persist import CODEFRAME_JSON

    path = Path(model_dir) / CODEFRAME_JSON
    return Codeframe.load(path) if model_dir and path.is_file() else Codeframe()


def action_data(
    store: Store, run_id: str, run: RunData | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Responses and mentions of a run plus the scored exports made with its theme model.

    A response present in several sources counts once (the run's, then the oldest scored
    export's). Theme ids of scored mentions are brought up to the model's codeframe (merges).
    ``run`` is the run's data when the caller has it loaded already.

    Returns
    -------
    responses, mentions : DataFrame
    sources : list of str
        The run id and the fingerprints of the scored exports used.
    """
    run = run if run is not None else store.load_run(run_id)
    folder = str(run.meta["info"].get("model_dir") or "")
    frame = _codeframe_map(folder)
    responses, mentions, sources = [run.responses], [run.mentions], [run_id]
    scored = store.list_scored().sort_values("updated_at")
    for row in scored.itertuples(index=False):
        if row.status != "done" or not folder or not _same_dir(str(row.model), folder):
            continue
        got_r, got_m = store.load_scored(str(row.fingerprint))
        got_m = got_m.copy()
        got_m["theme_id"] = frame.map_ids(got_m["theme_id"].to_numpy()).astype("int64")
        responses.append(got_r)
        mentions.append(got_m)
        sources.append(str(row.fingerprint))
    return _combine(responses, mentions) + (sources,)


def _same_dir(a: str, b: str) -> bool:
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return False


def _combine(
    responses: list[pd.DataFrame], mentions: list[pd.DataFrame]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    tagged_r = [r.assign(_src=i) for i, r in enumerate(responses)]
    tagged_m = [m.assign(_src=i) for i, m in enumerate(mentions)]
    all_r = pd.concat(tagged_r, ignore_index=True).drop_duplicates("response_id", keep="first")
    all_m = pd.concat(tagged_m, ignore_index=True)
    keep = all_m.merge(all_r[["response_id", "_src"]], on=["response_id", "_src"], how="inner")
    return all_r.drop(columns="_src").reset_index(drop=True), keep.drop(columns="_src")


def default_score(responses: pd.DataFrame) -> str:
    """The first of nps, csat, ces that has any value."""
    for kind in ("nps", "csat", "ces"):
        if kind in responses and responses[kind].notna().any():
            return kind
    return "nps"


def evaluate(
    store: Store,
    action: dict[str, Any],
    *,
    before_weeks: int = 8,
    after_weeks: int = 8,
    score: str | None = None,
    measure: str = "share",
    data: tuple[pd.DataFrame, pd.DataFrame, list[str]] | None = None,
    model_dir: str | None = None,
) -> Effect:
    """The effect of ``action`` (see :func:`analyzer.metrics.effects.action_effect`).

    ``data`` (from :func:`action_data`) and ``model_dir`` (the run's theme model folder) may
    be passed to evaluate several actions of a run without reading them again.
    """
    responses, mentions, _ = data if data is not None else action_data(store, action["run_id"])
    folder = model_dir
    if folder is None:
        folder = str(store.run_meta(action["run_id"])["info"].get("model_dir") or "")
    mapped = _codeframe_map(folder).map_ids(np.asarray(action["theme_ids"], dtype="int64"))
    theme_ids = [int(t) for t in dict.fromkeys(mapped.tolist())]
    return action_effect(
        responses,
        mentions,
        theme_ids,
        action["effective"],
        before_weeks=before_weeks,
        after_weeks=after_weeks,
        score=score or default_score(responses),
        measure=measure,
    )


def with_effects(
    store: Store,
    actions: list[dict[str, Any]],
    *,
    before_weeks: int = 8,
    after_weeks: int = 8,
    load_run: Callable[[str], RunData] | None = None,
) -> list[dict[str, Any]]:
    """Each action with its theme labels and its effect record (or why it cannot be measured,
    in ``effect_error``).

    Each run the actions belong to is read once, whatever the number of actions (its data,
    labels and model folder); then each action costs one :func:`evaluate`. Pass only the
    actions to show (a page): the cost follows them, not the history. ``load_run`` reads a
    run (the service passes its cached copy); default :meth:`Store.load_run`.
    """
    load = load_run or store.load_run
    runs: dict[str, Any] = {}
    out = []
    for action in actions:
        row, run_id = dict(action), action["run_id"]
        try:
            if run_id not in runs:
                run = load(run_id)
                themes = run.themes
                labels = dict(zip(themes["theme_id"].astype(int), themes["label"], strict=True))
                folder = str(run.meta["info"].get("model_dir") or "")
                runs[run_id] = (action_data(store, run_id, run), labels, folder)
            data, labels, folder = runs[run_id]
            row["theme_labels"] = [str(labels.get(t, f"theme {t}")) for t in action["theme_ids"]]
            effect = evaluate(
                store, action, before_weeks=before_weeks, after_weeks=after_weeks, data=data,
                model_dir=folder,
            )  # fmt: skip
            row["effect"] = effect_record(effect)
        except AnalyzerError as exc:
            row["effect_error"] = str(exc)
        out.append(row)
    return out


def _change_record(change: Change) -> dict[str, Any]:
    out = asdict(change)
    return {k: _clean(v) for k, v in out.items()} | {
        "before": {k: _clean(v) for k, v in out["before"].items()},
        "after": {k: _clean(v) for k, v in out["after"].items()},
    }


def _clean(value: Any) -> Any:
    if isinstance(value, float) and value != value:  # NaN -> None for JSON
        return None
    return value


def effect_record(effect: Effect) -> dict[str, Any]:
    """An :class:`Effect` as plain JSON-safe data (NaN becomes None)."""
    return {
        "verdict": effect.verdict,
        "reason": effect.reason,
        "measure": effect.measure,
        "score": effect.score,
        "theme_ids": list(effect.theme_ids),
        "effective": effect.effective.date().isoformat(),
        "before_start": effect.before_start.date().isoformat(),
        "after_end": effect.after_end.date().isoformat(),
        "n_before": effect.n_before,
        "n_after": effect.n_after,
        "adjusted_change": _clean(effect.adjusted_change),
        "relative_p_value": _clean(effect.relative_p_value),
        "changes": {name: _change_record(c) for name, c in effect.changes.items()},
        "rest_ratio": _clean(effect.rest_ratio),
        "n_rest_themes": effect.n_rest_themes,
    }


__all__ = [
    "STATUSES",
    "action_data",
    "add_action",
    "close_action",
    "default_score",
    "effect_record",
    "evaluate",
    "get_action",
    "list_actions",
    "parse_day",
    "update_action",
    "with_effects",
]
