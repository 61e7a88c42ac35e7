"""The recent and baseline windows that the report compares, and how to name them.

The windows come from :func:`analyzer.metrics.emerging_themes` run with the period that
follows the export's span (:func:`analyzer.metrics.trends.span_freq`): a year of responses
compares months, nine days compare days. Both windows lie inside the span, the baseline
wholly before the recent window.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

PERIOD_NAMES = {"M": "month", "W": "week", "D": "day"}
PERIOD_ADJECTIVES = {"M": "Monthly", "W": "Weekly", "D": "Daily"}


@dataclass(frozen=True)
class Windows:
    """Date range of a run and the windows of :func:`analyzer.metrics.emerging_themes`.

    Attributes
    ----------
    first, last : Timestamp or None
        First and last response date.
    recent_start, baseline_start : Timestamp or None
        First day of the recent window (which runs to ``last``) and of the baseline
        (which runs to the day before ``recent_start``); None without dates, and None
        when the span is too short to hold both windows.
    freq : {"M", "W", "D"}
        The period the trends and windows are counted in.
    """

    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    recent_start: pd.Timestamp | None = None
    baseline_start: pd.Timestamp | None = None
    freq: str = "M"

    def with_range(self, responses: pd.DataFrame) -> Windows:
        """A copy with ``first`` and ``last`` taken from the responses' dates.

        The window starts are moved forward to the first day with a response (a week or a
        month may begin before it), so no window starts before the data does.
        """
        if "date" not in responses.columns:
            return self
        dates = pd.to_datetime(responses["date"], errors="coerce").dropna()
        if dates.empty:
            return self
        first, last = pd.Timestamp(dates.min()), pd.Timestamp(dates.max())
        day = first.normalize()
        recent = None if self.recent_start is None else max(self.recent_start, day)
        baseline = None if self.baseline_start is None else max(self.baseline_start, day)
        return replace(self, first=first, last=last, recent_start=recent, baseline_start=baseline)

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
    def compared(self) -> bool:
        """Whether there is a recent window and a baseline to compare it with."""
        return self.recent_start is not None and self.baseline_start is not None

    @property
    def too_short(self) -> bool:
        """Dated responses whose span is too short for a baseline before the recent window."""
        return self.first is not None and not self.compared

    @property
    def period(self) -> str:
        """``"month"``, ``"week"`` or ``"day"``."""
        return PERIOD_NAMES[self.freq]

    @property
    def adjective(self) -> str:
        """``"Monthly"``, ``"Weekly"`` or ``"Daily"``."""
        return PERIOD_ADJECTIVES[self.freq]

    @property
    def recent_label(self) -> str:
        """E.g. ``"Oct–Nov 2026"`` or ``"23–24 Feb 2015"``; empty without both windows."""
        if not self.compared or self.last is None:
            return ""
        assert self.recent_start is not None
        return span_label(self.recent_start, self.last, self.freq)

    @property
    def baseline_label(self) -> str:
        """E.g. ``"Dec 2025–Sep 2026"`` or ``"16–22 Feb 2015"``; empty without both windows."""
        if self.recent_start is None or self.baseline_start is None:
            return ""
        return span_label(self.baseline_start, self.recent_start - pd.Timedelta(days=1), self.freq)

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


def day_span(start: pd.Timestamp, end: pd.Timestamp) -> str:
    """Name the days from ``start`` to ``end``: ``"24 Feb 2015"``, ``"16–22 Feb 2015"``,
    ``"28 Feb – 3 Mar 2015"``, ``"29 Dec 2014 – 4 Jan 2015"``."""
    if start.normalize() == end.normalize():
        return _day(start)
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{_day(end)}"
    if start.year == end.year:
        return f"{start.day} {start.strftime('%b')} – {_day(end)}"
    return f"{_day(start)} – {_day(end)}"


def span_label(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> str:
    """The window from ``start`` to ``end`` in the words of its period: months or days."""
    return month_span(start, end) if freq == "M" else day_span(start, end)


def find_windows(emerging: pd.DataFrame, freq: str = "M") -> Windows:
    """The windows used by an :func:`analyzer.metrics.emerging_themes` table of ``freq``."""
    if emerging.empty or "recent_start" not in emerging.columns:
        return Windows(freq=freq)
    recent = emerging["recent_start"].iloc[0]
    baseline = emerging["baseline_start"].iloc[0]
    if pd.isna(recent) or pd.isna(baseline):
        return Windows(freq=freq)
    return Windows(
        recent_start=pd.Timestamp(recent), baseline_start=pd.Timestamp(baseline), freq=freq
    )
