"""Comparing results that hold floats: ids and labels exactly, numbers to a stated tolerance.

Float results may differ in their last bits with the batch size BLAS sees, the machine and
the library versions, so no test compares them exactly. Scores, confidences and sentiment
scores of the same input agree to ``SCORE_ATOL`` whatever the chunk size (see
ARCHITECTURE.md, "Determinism"); figures computed by pandas/numpy from the same numbers agree
to ``EXACT_ATOL``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

SCORE_ATOL = 1e-5
"""Scores (theme confidence, sentiment score) of one input across chunk sizes and processes."""
EXACT_ATOL = 1e-9
"""Numbers that only arithmetic on the same inputs produced (no model in between)."""


def assert_frames_close(
    actual: pd.DataFrame,
    expected: pd.DataFrame,
    *,
    atol: float = SCORE_ATOL,
    reset_index: bool = False,
    **kwargs: Any,
) -> None:
    """Like ``pd.testing.assert_frame_equal``, with float columns compared to ``atol``.

    Ids, labels, strings, integers and dates must be equal; float columns may differ by at
    most ``atol`` (absolute, no relative part). ``check_dtype`` is False unless given.
    """
    if reset_index:
        actual, expected = actual.reset_index(drop=True), expected.reset_index(drop=True)
    kwargs.setdefault("check_dtype", False)
    pd.testing.assert_frame_equal(
        actual, expected, check_exact=False, rtol=0.0, atol=atol, **kwargs
    )


def assert_series_close(
    actual: pd.Series, expected: pd.Series, *, atol: float = SCORE_ATOL, **kwargs: Any
) -> None:
    """``pd.testing.assert_series_equal`` with floats compared to ``atol`` (absolute)."""
    kwargs.setdefault("check_dtype", False)
    pd.testing.assert_series_equal(
        actual, expected, check_exact=False, rtol=0.0, atol=atol, **kwargs
    )


def assert_arrays_close(actual: Any, expected: Any, *, atol: float = SCORE_ATOL) -> None:
    """Float arrays equal in shape and to ``atol`` element-wise (absolute)."""
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), rtol=0.0, atol=atol)


def assert_records_close(actual: Any, expected: Any, *, atol: float = SCORE_ATOL) -> None:
    """JSON-like values (dicts, lists, scalars) equal, with floats compared to ``atol``."""
    _records_close(actual, expected, atol, path="$")


def _records_close(actual: Any, expected: Any, atol: float, path: str) -> None:
    if isinstance(expected, Mapping):
        assert isinstance(actual, Mapping), f"{path}: {actual!r} is not a mapping"
        assert set(actual) == set(expected), f"{path}: keys {set(actual) ^ set(expected)} differ"
        for key in expected:
            _records_close(actual[key], expected[key], atol, f"{path}.{key}")
    elif isinstance(expected, Sequence) and not isinstance(expected, str):
        assert isinstance(actual, Sequence) and not isinstance(actual, str), path
        assert len(actual) == len(expected), f"{path}: {len(actual)} != {len(expected)} items"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            _records_close(a, e, atol, f"{path}[{i}]")
    elif isinstance(expected, float) and not isinstance(actual, bool):
        assert isinstance(actual, int | float), f"{path}: {actual!r} is not a number"
        assert abs(actual - expected) <= atol or (np.isnan(actual) and np.isnan(expected)), (
            f"{path}: {actual!r} != {expected!r} (atol {atol})"
        )
    else:
        assert actual == expected, f"{path}: {actual!r} != {expected!r}"
