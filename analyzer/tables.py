"""Names shared by every step that reads the ``mentions`` table (ARCHITECTURE.md).

A mention may name several themes ("the staff and the food were great"): it has one row per
theme it carries. The row of its own theme (the one its embedding is closest to, or the one
whose label it says) has ``primary`` True; each other theme it names adds a row with the same
``mention_id``, ``text`` and position, ``primary`` False, and its own sentiment toward that
theme. Per-theme figures count every row; per-mention and per-response figures (counts,
overall sentiment, search) read the primary rows only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the CLI imports this module; pandas loads with the commands that need it
    import pandas as pd

__all__ = ["PRIMARY", "primary_rows"]

PRIMARY = "primary"
"""Column of the mentions table: True on the row of a mention's own theme."""


def primary_rows(mentions: pd.DataFrame) -> pd.DataFrame:
    """One row per mention: the rows whose ``primary`` is True (every row of a table
    written before mentions could carry several themes, which has no such column)."""
    if PRIMARY not in mentions.columns:
        return mentions
    keep = mentions[PRIMARY].fillna(True).astype(bool).to_numpy()
    return mentions if keep.all() else mentions[keep]
