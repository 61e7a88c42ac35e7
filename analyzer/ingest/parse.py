"""Parse the cells of one column: missing markers, comment text, scores, numbers and dates.

Pure functions over ``pandas`` Series of ``str``/``None`` cells (as made by
:func:`analyzer.ingest.readers.stringify`). Each parser returns the parsed values and a
mask of the cells that held something unreadable; the caller turns that mask into
rejects.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

NULLS = frozenset({"", "na", "n/a", "nan", "null", "none", "-"})
"""Cell texts (case-folded, stripped) that mean "no value"; never rejected."""

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_DMY = (  # d/m/y or m/d/y, optional h:mm[:ss] [AM|PM]
    r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})"
    r"(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)
_MONTH_NAMES = (
    "january february march april may june july august september october november december"
)
_MONTHS = {  # every prefix of three letters or more: "jul", "sept", "august"
    name[:k]: i for i, name in enumerate(_MONTH_NAMES.split(), 1) for k in range(3, len(name) + 1)
}
_DAY_MONTH = r"^(\d{1,2})[\s\-/.]+([A-Za-z]{3,9})\.?[\s\-/.,]+(\d{4}|\d{2})$"  # 31-Jul-18
_MONTH_DAY = (
    r"^([A-Za-z]{3,9})\.?[\s\-/.]+(\d{1,2})(?:st|nd|rd|th)?[\s\-/.,]+(\d{4}|\d{2})$"  # Jul 31, 18
)


def stripped(values: pd.Series) -> pd.Series:
    """Cells with surrounding whitespace removed; ``None`` becomes ``""``."""
    return pd.Series([("" if v is None else v.strip()) for v in values], values.index, object)


def clean_text(value: str | None) -> str:
    """NFC text with ``\\n`` line breaks, no control characters, stripped."""
    if value is None or value in ("nan", "NaN"):
        return ""
    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()


def scores(values: pd.Series, low: int, high: int) -> tuple[pd.Series, pd.Series]:
    """Integers within [low, high] as Int64, and a mask of the values that are not."""
    text = stripped(values)
    missing = text.str.casefold().isin(NULLS)
    number = pd.to_numeric(text.where(~missing), errors="coerce").astype(float)
    ok = number.notna() & (number % 1 == 0) & number.between(low, high)
    return number.where(ok).astype("Int64"), ~missing & ~ok


def numbers(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Finite numbers as float64 (``NaN`` elsewhere), and a mask of unreadable values."""
    text = stripped(values)
    number = pd.to_numeric(text, errors="coerce").astype("float64")
    bad = ~text.str.casefold().isin(NULLS) & ~np.isfinite(number)
    return number.where(~bad), bad


def choose_dayfirst(values: pd.Series) -> bool:
    """Day first only when some d/m/y date can only be read that way (e.g. 13/04/2025)."""
    heads = pd.Series(pd.unique(stripped(values).str.slice(0, 10)), dtype=object)
    parts = heads.str.extract(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-]").astype(float)
    return bool((parts[0] > 12).sum() > (parts[1] > 12).sum())


def _slash_dates(text: pd.Series, dayfirst: bool) -> pd.Series:
    """Parse d/m/y or m/d/y dates (optional time and AM/PM), all in the same order."""
    p = text.str.extract(_DMY)
    first, second, year = (pd.to_numeric(p[i]) for i in range(3))
    year = year.where(year >= 100, year + np.where(year < 69, 2000, 1900))
    hour = pd.to_numeric(p[3]).fillna(0)
    half = p[6].str.lower()
    hour = hour.where(~((half == "pm") & (hour < 12)), hour + 12).where(half != "am", hour % 12)
    parts = {"year": year, "month": second if dayfirst else first}
    parts |= {"day": first if dayfirst else second, "hour": hour}
    parts |= {"minute": pd.to_numeric(p[4]).fillna(0), "second": pd.to_numeric(p[5]).fillna(0)}
    return pd.to_datetime(pd.DataFrame(parts), errors="coerce").astype("datetime64[ns]")


def _month_name_dates(text: pd.Series) -> pd.Series:
    """Dates with an English month name and a two- or four-digit year: "31-Jul-18" (the
    DD-MON-YY of Excel and database exports), "31 July 2018", "Jul 31, 18"."""
    a, b = text.str.extract(_DAY_MONTH), text.str.extract(_MONTH_DAY)
    day = pd.to_numeric(a[0]).fillna(pd.to_numeric(b[1]))
    month = a[1].fillna(b[0]).str.lower().map(_MONTHS)
    year = pd.to_numeric(a[2]).fillna(pd.to_numeric(b[2]))
    year = year.where(year >= 100, year + np.where(year < 69, 2000, 1900))
    parts = pd.DataFrame({"year": year, "month": month, "day": day})
    return pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")


def _number_dates(text: pd.Series) -> pd.Series:
    """Excel serial days (1954-2119) and Unix seconds (2001-2096)."""
    number = pd.to_numeric(text, errors="coerce")
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    serial = number.between(20_000, 80_000)
    out[serial] = pd.Timestamp("1899-12-30") + pd.to_timedelta(number[serial], unit="D")
    unix = number.between(1e9, 4e9)
    out[unix] = pd.to_datetime(number[unix], unit="s")
    return out


def dates(values: pd.Series, dayfirst: bool) -> tuple[pd.Series, pd.Series]:
    """Parse dates flexibly; return naive datetime64[ns] (UTC for zoned input) and a bad mask."""
    text = stripped(values)
    missing = text.str.casefold().isin(NULLS)
    iso = pd.to_datetime(text.where(~missing), format="ISO8601", errors="coerce", utc=True)
    out = iso.dt.tz_convert(None).astype("datetime64[ns]")
    todo = out.isna() & ~missing
    if todo.any():
        rest = text[todo]
        found = _slash_dates(rest, dayfirst).fillna(_month_name_dates(rest))
        found = found.fillna(_number_dates(rest))
        worded = found.isna() & rest.str.contains(r"\d{4}") & rest.str.contains(r"[^\W\d_]")
        if worded.any():
            mixed = pd.to_datetime(rest[worded], format="mixed", errors="coerce", utc=True)
            found[worded] = mixed.dt.tz_convert(None).astype("datetime64[ns]")
        out[todo] = found
    out = out.where(out.between(pd.Timestamp("1900-01-01"), pd.Timestamp("2199-12-31")))
    return out, ~missing & out.isna()
