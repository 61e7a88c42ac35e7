"""``POST /v1/score``: check the batch, validate it like an export, score it, shape the answer.

Comments are validated with :func:`analyzer.ingest.validate` (a bad score becomes a reject,
as in a file), then scored by :func:`analyzer.pipeline.score_frame` with a saved theme model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analyzer.ingest import ColumnMapping, validate
from analyzer.tables import PRIMARY
from analyzer.themes.model import NO_TOPIC, NO_TOPIC_LABEL
from api.errors import TooLargeError
from api.schemas import CommentIn
from api.settings import Settings
from api.views import records

_FIELDS = ("id", "nps", "csat", "ces", "date")
Row = dict[str, Any]


def check_limits(comments: list[CommentIn], settings: Settings) -> None:
    """Refuse a batch with too many comments, or a comment that is too long, with 413."""
    if len(comments) > settings.max_comments:
        raise TooLargeError(
            f"The batch has {len(comments):,} comments; at most {settings.max_comments:,} "
            "are scored per request (CXA_MAX_COMMENTS). Split it into smaller batches."
        )
    for index, comment in enumerate(comments):
        if len(comment.text) > settings.max_comment_chars:
            raise TooLargeError(
                f"Comment {index} has {len(comment.text):,} characters; at most "
                f"{settings.max_comment_chars:,} are accepted (CXA_MAX_COMMENT_CHARS). "
                "Shorten it or split it."
            )


def validated_responses(comments: list[CommentIn]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The comments as a validated ``responses`` table (``row`` = index) and its rejects."""
    raw = pd.DataFrame({"text": [c.text for c in comments]})
    roles: dict[str, str] = {"text": "text"}
    for name in _FIELDS:
        values = [getattr(c, name) for c in comments]
        if any(v is not None for v in values):
            raw[name] = pd.Series(values, dtype=object)
            roles[name] = name
    ingested = validate(
        raw,
        source="request",
        mapping=ColumnMapping(**roles, segments=(), metrics=()),
        first_row=0,
    )
    return ingested.responses, ingested.rejects


_MENTION_COLS = ["position", "text", "theme_id", "theme_label", "confidence", "sentiment"]
_MENTION_COLS += ["language"]


def _mentions_of(mentions: pd.DataFrame, labels: dict[int, str]) -> dict[str, list[Row]]:
    """Each response's mentions as public rows, by ``response_id``: one row per mention, the
    other themes it names in its ``other_themes`` (each with its own sentiment)."""
    frame = mentions.rename(columns={"theme_confidence": "confidence"})
    # a mention that names nothing ("thanks", an emoji) says so instead of a null label
    named = {**labels, NO_TOPIC: NO_TOPIC_LABEL}
    if "language" not in frame:
        frame["language"] = None
    frame["theme_label"] = pd.Series(
        [named.get(int(t)) for t in frame["theme_id"]], index=frame.index, dtype=object
    )
    primary = (
        frame[PRIMARY].fillna(True).astype(bool).to_numpy()
        if PRIMARY in frame
        else np.ones(len(frame), dtype=bool)
    )
    rows = records(frame[[*_MENTION_COLS, "sentiment_score"]])
    out: dict[str, list[Row]] = {}
    own: dict[tuple[str, int], Row] = {}
    rids = frame["response_id"].astype(str).tolist()
    for rid, row, is_own in zip(rids, rows, primary.tolist(), strict=True):
        if is_own:
            row["other_themes"] = []
            out.setdefault(rid, []).append(row)
            own[(rid, int(row["position"]))] = row
    for rid, row, is_own in zip(rids, rows, primary.tolist(), strict=True):
        if not is_own and (rid, int(row["position"])) in own:
            keys = ("theme_id", "theme_label", "confidence", "sentiment", "sentiment_score")
            own[(rid, int(row["position"]))]["other_themes"].append({k: row[k] for k in keys})
    return out


def _themes_of(mentions: list[Row]) -> list[Row]:
    """Themes a comment mentions (not -1 unassigned, not -2 no topic), most confident first;
    a mention counts for its own theme and for each other theme it names."""
    by_theme: dict[int, Row] = {}
    carried = [m for mention in mentions for m in (mention, *mention.get("other_themes", []))]
    for m in carried:
        if m["theme_id"] < 0:
            continue
        entry = by_theme.setdefault(
            m["theme_id"],
            {"theme_id": m["theme_id"], "label": m["theme_label"], "confidence": None},
        )
        entry.setdefault("mentions", 0)
        entry["mentions"] += 1
        if m["confidence"] is not None:
            entry["confidence"] = max(entry["confidence"] or 0.0, m["confidence"])
    return sorted(by_theme.values(), key=lambda t: (-(t["confidence"] or 0.0), t["theme_id"]))


def score_rows(
    comments: list[CommentIn],
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    labels: dict[int, str],
) -> list[Row]:
    """One result per comment, in request order (blank comments get no mentions)."""
    by_response = _mentions_of(mentions, labels)
    scored = {int(r["row"]): r for r in records(responses)}
    rows = []
    for index, comment in enumerate(comments):
        response = scored.get(index)
        rid = str(response["response_id"]) if response else str(comment.id or f"row-{index}")
        found = by_response.get(rid, []) if response else []
        rows.append(
            {
                "index": index,
                "id": rid,
                "sentiment": response.get("sentiment") if response else None,
                "sentiment_score": response.get("sentiment_score") if response else None,
                "language": response.get("language") if response else None,
                "mentions": found,
                "themes": _themes_of(found),
            }
        )
    return rows


def reject_rows(rejects: pd.DataFrame) -> list[Row]:
    """The rejects with ``index`` (position in the request) for ``row``."""
    frame = rejects[["row", "column", "value", "reason"]].copy()
    frame["index"] = frame["row"]
    return records(frame)


__all__ = ["check_limits", "reject_rows", "score_rows", "validated_responses"]
