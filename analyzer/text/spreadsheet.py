"""Text cells a spreadsheet program would run: one defusing rule for every CSV the project
writes (the report's and the CLI's tables, ``rejects.csv``, ``cxa report-table --format csv``).

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by Excel,
LibreOffice and Google Sheets as a formula (``=HYPERLINK("http://evil.example","x")``,
``=1+cmd|' /C calc'!A0``); comments, and the theme labels, segment values and rejected
values that come from an export, are untrusted. Such a cell gets a leading ``'``, which the
programs show as text. The dashboard's downloads apply the same rule in
``api/static/dashboard-util.js``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet program read a cell as a formula."""


def defuse_cell(value: object) -> object:
    """``value`` safe to open in a spreadsheet: a list or tuple joined with ``"; "``, text
    that starts like a formula prefixed with ``'``; anything else as it is."""
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``table`` whose text and list cells went through :func:`defuse_cell`.

    Numbers, dates and missing values are left as they are (a number is never a formula).
    """
    import pandas as pd

    safe = table.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(defuse_cell)
    return safe


__all__ = ["FORMULA_START", "defuse_cell", "spreadsheet_safe"]
