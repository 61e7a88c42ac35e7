"""An export like the airline tweets of issue 28: no NPS, CSAT or CES column, and nine days of
dates (16-24 Feb 2015). Built from the demo's output, whose planted theme grows at the end."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analyzer import demo

FIRST_DAY = pd.Timestamp("2015-02-16")
DAYS = 9
SCORES = ["nps", "csat", "ces"]


def nine_days(dates: pd.Series) -> pd.Series:
    """``dates`` squeezed, in order, into the nine days from :data:`FIRST_DAY` (with times)."""
    dates = pd.to_datetime(dates)
    first, end = dates.min(), dates.max() + pd.Timedelta(days=1)
    seconds = ((dates - first) / (end - first) * DAYS * 86400).astype("int64")
    return FIRST_DAY + pd.to_timedelta(seconds, unit="s")


def short_export(path: Path, n: int = 400, seed: int = 3) -> Path:
    """Write the demo export of ``n`` rows without its score columns, over nine days."""
    export, _ = demo.generate(n, seed=seed)
    export = export.drop(columns=SCORES).assign(date=nine_days(export["date"]))
    export.to_csv(path, index=False)
    return path
