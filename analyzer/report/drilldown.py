"""The drill-down of each theme in the report: its keywords, stored examples and verbatims.

:func:`theme_details` picks, per theme, up to :data:`N_VERBATIMS` mentions with distinct
texts that are not already among the theme's stored examples, round-robin over the
sentiments so a reader sees both sides of a mixed theme.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

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
    queues: list[list[dict[Hashable, Any]]] = [
        by_score[by_score["sentiment"] == "negative"].to_dict("records"),
        by_score[by_score["sentiment"] == "positive"].iloc[::-1].to_dict("records"),
        by_score[by_score["sentiment"] == "neutral"].to_dict("records"),
    ]
    seen = set(skip)
    picked: list[dict[Hashable, Any]] = []
    while len(picked) < k and any(queues):
        for queue in queues:
            while queue and len(picked) < k:
                row = queue.pop(0)
                if _key(row["text"]) and _key(row["text"]) not in seen:
                    seen.add(_key(row["text"]))
                    picked.append(row)
                    break
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
