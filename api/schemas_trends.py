"""How to read the figures of a list of themes or pain points: whether the responses have
ratings of the chosen score, what ranks the pain points, and the periods and windows the
trends count in (issue 28: an export without scores, over nine days, shows no empty score
and compares days)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Period = Literal["month", "week", "day"]


class WindowsPublic(BaseModel):
    """The recent window and the baseline before it that the trends compare (both inside
    the responses' span, the baseline wholly before the recent window)."""

    period: Period
    recent_start: str = Field(description="First day of the recent window (YYYY-MM-DD).")
    recent_end: str
    baseline_start: str
    baseline_end: str
    recent_label: str = Field(description='e.g. "Oct–Nov 2026" or "23–24 Feb 2015".')
    baseline_label: str


class TrendContext(BaseModel):
    """How to read the figures of a list: whether there are scores, what ranks the pain
    points, and the periods and windows of the trends."""

    score_available: bool = Field(
        description="The filtered responses have ratings of `score`; without them every score "
        "figure (score, impact, cost) is null and pain points rank by negative responses."
    )
    ranked_by: Literal["cost", "negative"] = Field(
        description="Pain points: `cost` (score points lost) or `negative` (responses with a "
        "negative mention, then negative mentions and negative share)."
    )
    period: Period = Field(
        description="Trends are counted per month, week or day, following the run's span."
    )
    windows: WindowsPublic | None = Field(
        description="null without dates, or when the span is too short for a baseline."
    )


__all__ = ["Period", "TrendContext", "WindowsPublic"]
