"""The drill-down of each theme in the report: its keywords, stored examples and verbatims.

:func:`theme_details` picks, per theme, up to :data:`N_VERBATIMS` mentions with distinct
texts that are not already among the theme's stored examples, round-robin over the
sentiments so a reader sees both sides of a mixed theme.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analyzer.store import RunData

N_VERBATIMS = 8
"""Verbatims listed per theme in the drill-down (besides the theme's stored examples)."""


@dataclass(frozen=True)
class Verbatim:
    """One mention as the drill-down lists it: redacted text, its sentiment, date and rating."""

    text: str
    sentiment: str
    date: str
    rating: float | None


@dataclass(frozen=True)
class ThemeDetail:
    """What the drill-down of one theme shows."""

    theme_id: int
    label: str
    parent_label: str
    owner: str | None
    keywords: list[str]
    examples: list[str]
    verbatims: list[Verbatim]


def _key(text: Any) -> str:
    """Text normalised for de-duplication: lower case, single spaces."""
    return " ".join(str(text).lower().split())


def _pick_verbatims(rows: pd.DataFrame, skip: set[str], k: int) -> list[dict[Hashable, Any]]:
    """Up to ``k`` rows with distinct texts, round-robin over the sentiments.

    Negative mentions come first, most negative first; then positive (most positive
    first) and neutral, so a reader sees both sides of a mixed theme.
    """
    by_score = rows.sort_values(["sentiment_score", "mention_id"])
    sentiment = by_score["sentiment"].to_numpy()
    texts = by_score["text"].to_numpy()
    # positions only; a row becomes a dict when it is picked (a theme may hold 10,000s)
    queues = [
        list(np.flatnonzero(sentiment == "negative")),
        list(np.flatnonzero(sentiment == "positive")[::-1]),
        list(np.flatnonzero(sentiment == "neutral")),
    ]
    heads = [0, 0, 0]
    seen = set(skip)
    chosen: list[int] = []
    while len(chosen) < k and any(h < len(q) for h, q in zip(heads, queues, strict=True)):
        for i, queue in enumerate(queues):
            while heads[i] < len(queue) and len(chosen) < k:
                at = queue[heads[i]]
                heads[i] += 1
                key = _key(texts[at])
                if key and key not in seen:
                    seen.add(key)
                    chosen.append(int(at))
                    break
    picked: list[dict[Hashable, Any]] = by_score.iloc[chosen].to_dict("records")
    return picked


def _verbatim(row: dict[Hashable, Any]) -> Verbatim:
    date, rating = row["date"], row["rating"]
    return Verbatim(
        text=str(row["text"]),
        sentiment=str(row["sentiment"]),
        date="" if pd.isna(date) else pd.Timestamp(date).strftime("%Y-%m-%d"),
        rating=None if pd.isna(rating) else float(rating),
    )


def theme_details(run: RunData, kind: str, table: pd.DataFrame) -> list[ThemeDetail]:
    """One drill-down per theme, in the catalogue's order.

    Parameters
    ----------
    run : RunData
        The run (its ``mentions``, ``responses`` and ``themes``).
    kind : {"nps", "csat", "ces"}
        The score shown as each verbatim's ``rating``.
    table : DataFrame
        The report's theme catalogue: ``theme_id``, ``label``, ``parent_label``, ``owner``
        and ``keywords``, one row per theme.
    """
    scored = run.responses.loc[:, ["response_id", "date", kind]].rename(columns={kind: "rating"})
    mentions = run.mentions.merge(scored, on="response_id", how="left")
    groups = {int(str(t)): g for t, g in mentions.groupby("theme_id")}
    examples = {
        int(t): [str(e) for e in ex]
        for t, ex in zip(
            run.themes["theme_id"].tolist(), run.themes["examples"].tolist(), strict=True
        )
    }
    out = []
    for row in table.to_dict("records"):
        tid = int(row["theme_id"])
        rows = groups.get(tid, mentions.iloc[:0])
        skip = {_key(e) for e in examples.get(tid, [])}
        out.append(
            ThemeDetail(
                theme_id=tid,
                label=str(row["label"]),
                parent_label=str(row["parent_label"]),
                owner=row["owner"],
                keywords=list(row["keywords"]),
                examples=examples.get(tid, []),
                verbatims=[_verbatim(r) for r in _pick_verbatims(rows, skip, N_VERBATIMS)],
            )
        )
    return out


__all__ = ["N_VERBATIMS", "ThemeDetail", "Verbatim", "theme_details"]
