"""Builders of small hand-made tables following ARCHITECTURE.md."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

SCORE_COLUMNS = ("nps", "csat", "ces")


def build_responses(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """A responses table; each row gives ``response_id`` and any other column."""
    frame = pd.DataFrame(list(rows))
    frame["row"] = range(2, len(frame) + 2)
    if "comment" not in frame:
        frame["comment"] = "some comment"
    frame["comment"] = frame["comment"].fillna("").astype(str)
    for col in SCORE_COLUMNS:
        if col in frame:
            frame[col] = pd.array(frame[col].tolist(), dtype="Int64")
    if "date" in frame:
        frame["date"] = pd.to_datetime(frame["date"], format="ISO8601")
    return frame


def build_mentions(rows: Sequence[tuple[Any, ...]]) -> pd.DataFrame:
    """Mentions from ``(response_id, theme_id, sentiment[, sentiment_score[, text]])``."""
    records = []
    positions: dict[str, int] = {}
    for row in rows:
        rid, theme_id, sentiment = row[:3]
        default = {"negative": -0.5, "neutral": 0.0, "positive": 0.5}[sentiment]
        score = row[3] if len(row) > 3 else default
        position = positions.get(rid, 0)
        positions[rid] = position + 1
        text = row[4] if len(row) > 4 else f"{rid} mention {position}"
        records.append(
            {
                "mention_id": f"{rid}:{position}",
                "response_id": rid,
                "position": position,
                "text": text,
                "theme_id": theme_id,
                "theme_confidence": 0.9,
                "sentiment": sentiment,
                "sentiment_score": float(score),
            }
        )
    columns = ["mention_id", "response_id", "position", "text", "theme_id"]
    columns += ["theme_confidence", "sentiment", "sentiment_score"]
    frame = pd.DataFrame(records, columns=columns)
    return frame.astype({"theme_id": "int64", "position": "int64"})


def build_themes(labels: dict[int, str], owners: dict[int, str] | None = None) -> pd.DataFrame:
    """A themes table with the given labels (and optional owners)."""
    owners = owners or {}
    return pd.DataFrame(
        {
            "theme_id": list(labels),
            "label": list(labels.values()),
            "keywords": [[w.lower()] for w in labels.values()],
            "parent_id": -1,
            "parent_label": "",
            "size": 0,
            "examples": [[] for _ in labels],
            "owner": [owners.get(t) for t in labels],
        }
    )
