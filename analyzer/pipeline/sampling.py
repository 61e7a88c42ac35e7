"""Fit the themes on a sample of a very large export, and assign every other mention.

Fitting themes on every mention of a million-row export is neither needed (themes that
hold a share of the comments show up in a sample of 100,000 responses) nor affordable on
one machine. Above :data:`FULL_FIT_MAX` responses ``cxa analyze`` fits on a sample of
:data:`DEFAULT_FIT_SAMPLE` responses, stratified by month so that a theme that only grows
in the last weeks is sampled as often as it occurs, and every other response is scored in
chunks with the fitted model's ``transform``: the path ``cxa score`` takes (locally, or on
Dask workers through a :data:`RestScorer` the caller hands in). The run info and the
report state the sample size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analyzer.errors import ConfigError

if TYPE_CHECKING:
    from analyzer.themes import ThemeModel

__all__ = [
    "DASK_CHUNK_ROWS",
    "DEFAULT_FIT_SAMPLE",
    "FULL_FIT_MAX",
    "LOCAL_CHUNK_ROWS",
    "RestScorer",
    "chunks_of",
    "fit_sample_size",
    "stratified_sample",
]

FULL_FIT_MAX = 150_000
"""Exports up to this many responses are fitted whole by default."""

DEFAULT_FIT_SAMPLE = 100_000
"""Responses the themes are fitted on above :data:`FULL_FIT_MAX` (by default)."""

LOCAL_CHUNK_ROWS = 50_000
"""Responses outside the sample scored at a time in this process: a big chunk encodes each
distinct mention once for many responses (survey answers repeat), and its vectors take
about 140 MB."""

DASK_CHUNK_ROWS = 5_000
"""Responses per Dask task (as ``cxa score`` chunks an export)."""

RestScorer = Callable[["ThemeModel", pd.DataFrame], Iterator[tuple[pd.DataFrame, pd.DataFrame]]]
"""Scores the responses outside the sample with the fitted model, chunk by chunk of its
choosing: ``(responses, mentions)`` per chunk (what :func:`analyzer.pipeline.score_frame`
returns), in any order."""


def chunks_of(frame: pd.DataFrame, rows: int) -> Iterator[pd.DataFrame]:
    """``frame`` in consecutive pieces of at most ``rows`` rows."""
    for start in range(0, len(frame), rows):
        yield frame.iloc[start : start + rows]


def fit_sample_size(option: int | None, n_responses: int) -> int | None:
    """Responses to fit on, or None for a full fit.

    ``option`` None is the default rule (a full fit up to :data:`FULL_FIT_MAX` responses, a
    sample of :data:`DEFAULT_FIT_SAMPLE` above); 0 always fits whole; N samples N responses
    when the export has more.
    """
    if option is not None and option < 0:
        raise ConfigError(
            f"fit_sample is {option}; expected a number of responses (0: always fit on all)."
        )
    if option is None:
        return DEFAULT_FIT_SAMPLE if n_responses > FULL_FIT_MAX else None
    if option == 0 or option >= n_responses:
        return None
    return option


def stratified_sample(dates: pd.Series, size: int, seed: int) -> np.ndarray:
    """Positions of ``size`` responses, each month sampled in proportion to its size.

    Every month with responses keeps at least one when ``size`` allows; responses without a
    date form a stratum of their own. Seeded: the same dates, size and seed give the same
    sample.

    Parameters
    ----------
    dates : pandas.Series of datetime64, length n
    size : int, 1 <= size < n

    Returns
    -------
    ndarray of shape (size,), int64, sorted
    """
    months = pd.to_datetime(dates).dt.strftime("%Y-%m").fillna("").to_numpy(dtype=str)
    strata, codes = np.unique(months, return_inverse=True)
    counts = np.bincount(codes, minlength=len(strata))
    quota = counts * (size / counts.sum())
    take = np.floor(quota).astype(np.int64)
    if size >= len(strata):
        take = np.maximum(take, 1)
    # the remaining places go to the largest remainders (then the largest strata)
    order = np.lexsort((-counts, -(quota - np.floor(quota))))
    for s in order:
        if take.sum() >= size:
            break
        if take[s] < counts[s]:
            take[s] += 1
    while take.sum() > size:  # the minimum of one per month overshot: trim the largest
        take[np.argmax(take)] -= 1
    rng = np.random.default_rng(seed)
    picked = [
        rng.choice(np.flatnonzero(codes == s), size=int(k), replace=False)
        for s, k in enumerate(take)
        if k
    ]
    return np.sort(np.concatenate(picked)).astype(np.int64)
