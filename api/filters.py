"""Query parameters shared by every list: filters over a run's responses, and paging."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

import numpy as np
import pandas as pd
from fastapi import Query

from analyzer.errors import ConfigError
from analyzer.metrics import filter_responses
from analyzer.store import RunData
from analyzer.tables import primary_rows
from api.schemas import ScoreBand, Sentiment

MAX_LIMIT = 500
T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    """``limit`` rows from ``offset``."""

    limit: int
    offset: int

    def slice(self, rows: Sequence[T]) -> list[T]:
        """The rows of this page."""
        return list(rows[self.offset : self.offset + self.limit])


def page(
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page.")] = 50,
    offset: Annotated[int, Query(ge=0, description="Rows to skip.")] = 0,
) -> Page:
    """Paging parameters of a list."""
    return Page(limit=limit, offset=offset)


@dataclass(frozen=True)
class RunFilters:
    """Which responses (and mentions) of a run a figure is computed over."""

    segment: dict[str, list[str]] = field(default_factory=dict)
    since: dt.date | None = None
    until: dt.date | None = None
    score_band: str | None = None
    sentiment: str | None = None

    def apply(self, data: RunData, *, dates: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The run's responses and mentions that pass every filter.

        Parameters
        ----------
        data : RunData
            A finished run.
        dates : bool
            Apply ``since`` (``until`` always applies); trends pass ``False`` because
            they need the history before ``since`` as a baseline.
        """
        unknown = sorted(set(self.segment) - set(data.segments))
        if unknown:
            known = ", ".join(data.segments) or "none"
            raise ConfigError(
                f"segment column(s) {', '.join(map(repr, unknown))} not in run "
                f"{data.run_id!r}; its segment columns are: {known}."
            )
        return filter_responses(
            data.responses,
            data.mentions,
            since=self.since if dates else None,
            until=self.until,
            segment=self.segment or None,
            score_band=self.score_band,
            sentiment=self.sentiment,
        )

    def mention_mask(self, data: RunData) -> np.ndarray | None:
        """Which of the run's mentions (one row each: the primary rows) pass the filters,
        shape (n_mentions,) bool; ``None`` when nothing is filtered."""
        if self == RunFilters():
            return None
        _, kept = self.apply(data)
        return primary_rows(data.mentions)["mention_id"].isin(kept["mention_id"]).to_numpy()


def _segments(values: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for value in values:
        column, sep, wanted = value.partition(":")
        if not sep or not column.strip():
            raise ConfigError(
                f"segment={value!r} is not COLUMN:VALUE; pass e.g. segment=channel:app "
                "(repeat the parameter to combine; the same column twice means either value)."
            )
        out.setdefault(column.strip(), []).append(wanted.strip())
    return out


def run_filters(
    segment: Annotated[
        list[str] | None,
        Query(description="`COLUMN:VALUE`, e.g. `channel:app`; repeatable."),
    ] = None,
    since: Annotated[dt.date | None, Query(description="First day, e.g. 2024-01-01.")] = None,
    until: Annotated[dt.date | None, Query(description="Last day (inclusive).")] = None,
    score_band: Annotated[ScoreBand | None, Query(description="NPS band.")] = None,
    sentiment: Annotated[Sentiment | None, Query(description="Mention sentiment.")] = None,
) -> RunFilters:
    """Filters of a run's lists, from the query string."""
    return RunFilters(
        segment=_segments(segment or []),
        since=since,
        until=until,
        score_band=score_band,
        sentiment=sentiment,
    )


__all__ = ["MAX_LIMIT", "Page", "RunFilters", "page", "run_filters"]
