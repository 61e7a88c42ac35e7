"""The recent and baseline windows that the report compares, and how to name them."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Windows:
    """Date range of a run and the windows of :func:`analyzer.metrics.emerging_themes`.

    Attributes
    ----------
    first, last : Timestamp or None
        First and last response date.
    recent_start, baseline_start : Timestamp or None
        First day of the recent window (which runs to ``last``) and of the baseline
        (which runs to the day before ``recent_start``); None without dates.
    """

    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    recent_start: pd.Timestamp | None = None
    baseline_start: pd.Timestamp | None = None

    def with_range(self, responses: pd.DataFrame) -> Windows:
        """A copy with ``first`` and ``last`` taken from the responses' dates."""
        if "date" not in responses.columns:
            return self
        dates = pd.to_datetime(responses["date"], errors="coerce").dropna()
        if dates.empty:
            return self
        return replace(self, first=dates.min(), last=dates.max())

    def masks(self, responses: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Which responses fall in the recent and in the baseline window, shape (n,) each."""
        dates = pd.to_datetime(responses["date"], errors="coerce")
        if self.recent_start is None or self.baseline_start is None:
            none = np.zeros(len(responses), dtype=bool)
            return none, none
        recent = (dates >= self.recent_start).fillna(False).to_numpy(dtype=bool)
        baseline = ((dates >= self.baseline_start) & (dates < self.recent_start)).fillna(False)
        return recent, baseline.to_numpy(dtype=bool)

    @property
    def recent_label(self) -> str:
        """E.g. ``"Oct–Nov 2026"``; empty without dates."""
        if self.recent_start is None or self.last is None:
            return ""
        return month_span(self.recent_start, self.last)

    @property
    def baseline_label(self) -> str:
        """E.g. ``"Dec 2025–Sep 2026"``; empty without dates."""
        if self.recent_start is None or self.baseline_start is None:
            return ""
        return month_span(self.baseline_start, self.recent_start - pd.Timedelta(days=1))

    @property
    def range_label(self) -> str:
        """E.g. ``"1 Dec 2025 – 30 Nov 2026"``; empty without dates."""
        if self.first is None or self.last is None:
            return ""
        return f"{_day(self.first)} – {_day(self.last)}"


def _day(ts: pd.Timestamp) -> str:
    return f"{ts.day} {ts.strftime('%b %Y')}"


def month_span(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """Name the months from ``start`` to ``end``: ``"Nov 2026"``, ``"Oct–Nov 2026"``..."""
    if (start.year, start.month) == (end.year, end.month):
        return start.strftime("%b %Y")
    if start.year == end.year:
        return f"{start.strftime('%b')}–{end.strftime('%b %Y')}"
    return f"{start.strftime('%b %Y')}–{end.strftime('%b %Y')}"


def find_windows(emerging: pd.DataFrame) -> Windows:
    """The windows used by an :func:`analyzer.metrics.emerging_themes` table."""
    if emerging.empty or "recent_start" not in emerging.columns:
        return Windows()
    recent = emerging["recent_start"].iloc[0]
    baseline = emerging["baseline_start"].iloc[0]
    if pd.isna(recent) or pd.isna(baseline):
        return Windows()
    return Windows(recent_start=pd.Timestamp(recent), baseline_start=pd.Timestamp(baseline))
