"""Key drivers: which theme-sentiment pairs explain the score, coping with co-occurrence.

Leave-one-out impact (:mod:`analyzer.metrics.impact`) looks at one theme at a
time, so two themes that are usually mentioned together share the credit twice.
Here the per-response score contribution (100 x promoter/passive/detractor for
NPS, 100 x satisfied for CSAT, the rating for CES) is regressed on indicators
"the response has a negative mention of theme t" and "... a positive mention of
theme t", and R² is split among the indicators with Johnson's relative weights
(Johnson 2000, *Multivariate Behavioral Research* 35(1)). The weights are
non-negative and sum to the R² of the ordinary least-squares fit; they scale to
many predictors, unlike an exact Shapley decomposition, but the number of
themes is still capped (top-N by volume) to keep the indicators well populated.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analyzer.errors import ConfigError
from analyzer.metrics._tables import check_tables, membership, theme_rows
from analyzer.metrics.scores import MIN_N, check_kind, contributions, ratings

DRIVER_COLUMNS: tuple[str, ...] = (
    "rank",
    "theme_id",
    "label",
    "sentiment",
    "n",
    "beta",
    "correlation",
    "weight",
    "share_of_r2",
    "r2",
    "low_n",
)


def relative_weights(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Johnson's relative weights of the columns of ``x`` in explaining ``y``.

    Parameters
    ----------
    x : ndarray of shape (n, p)
        Predictors; every column must vary.
    y : ndarray of shape (n,)

    Returns
    -------
    weights : ndarray of shape (p,)
        Non-negative; ``weights.sum() == r2``.
    r2 : float
        R² of the least-squares fit of ``y`` on ``x`` with an intercept (NaN
        when ``y`` is constant).

    Notes
    -----
    With ``R = corr(x) = V diag(l) V'`` the orthogonal counterpart of ``x`` has
    loadings ``L = V diag(sqrt(l)) V'``; ``b = L^+ corr(x, y)`` regresses ``y`` on it
    and ``weight_j = sum_k L_jk² b_k²``. The pseudo-inverse keeps this exact when
    predictors are collinear.
    """
    if y.std() == 0:
        return np.full(x.shape[1], math.nan), math.nan
    xs = (x - x.mean(axis=0)) / x.std(axis=0)
    ys = (y - y.mean()) / y.std()
    n = x.shape[0]
    corr_xx = xs.T @ xs / n
    corr_xy = xs.T @ ys / n
    evals, evecs = np.linalg.eigh(corr_xx)
    keep = evals > 1e-10 * max(float(evals.max()), 1.0)
    root = evecs[:, keep] * np.sqrt(evals[keep])
    loadings = root @ evecs[:, keep].T
    inv_loadings = (evecs[:, keep] / np.sqrt(evals[keep])) @ evecs[:, keep].T
    b = inv_loadings @ corr_xy
    weights = (loadings**2) @ (b**2)
    return weights, float((b**2).sum())


def _indicators(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    themes: pd.DataFrame,
    scored: np.ndarray,
    max_themes: int,
) -> tuple[np.ndarray, list[tuple[int, str]]]:
    """0/1 matrix (n_scored, p) of theme x {negative, positive} and its column keys."""
    member = membership(responses, mentions, themes)
    member = member[scored[member["pos"].to_numpy()]]
    volume = member.groupby("theme_id").size()
    top = volume.reset_index(name="v").sort_values(["v", "theme_id"], ascending=[False, True])
    index = np.cumsum(scored) - 1  # position among scored responses
    columns, keys = [], []
    for tid in top["theme_id"].head(max_themes):
        rows = member[member["theme_id"] == tid]
        for sentiment in ("negative", "positive"):
            col = np.zeros(int(scored.sum()))
            col[index[rows.loc[rows[sentiment] > 0, "pos"].to_numpy()]] = 1.0
            if 0 < col.sum() < col.size:
                columns.append(col)
                keys.append((int(tid), sentiment))
    matrix = np.column_stack(columns) if columns else np.zeros((int(scored.sum()), 0))
    return matrix, keys


def key_drivers(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    themes: pd.DataFrame,
    score: str = "nps",
    *,
    max_themes: int = 20,
    min_n: int = MIN_N,
) -> pd.DataFrame:
    """Relative importance of theme-sentiment indicators for the score.

    Parameters
    ----------
    responses, mentions, themes : DataFrame
        The tables of ARCHITECTURE.md. Every response with a score is a row of
        the regression (responses without a comment have all indicators 0).
    score : {"nps", "csat", "ces"}
    max_themes : int
        Only the ``max_themes`` themes mentioned by most scored responses enter
        (ties broken by ``theme_id``), giving at most ``2 * max_themes`` predictors.
        Indicators that are constant (no response, or every response) are dropped.
    min_n : int
        ``low_n`` threshold on ``n``.

    Returns
    -------
    DataFrame
        One row per predictor, sorted by ``weight`` descending (``rank`` 1 is the
        strongest). Columns :data:`DRIVER_COLUMNS`: ``sentiment`` is
        ``"negative"`` or ``"positive"``; ``n`` the scored responses with that
        indicator; ``beta`` the OLS coefficient in score points (the change of
        the contribution when the indicator is 1, others fixed); ``correlation``
        the indicator's correlation with the contribution (its direction);
        ``weight`` the relative weight (sums to ``r2``); ``share_of_r2`` =
        ``weight / r2``; ``r2`` the model's R², repeated on each row.
    """
    check_kind(score)
    check_tables(responses, mentions, themes)
    if max_themes < 1:
        raise ConfigError(f"max_themes={max_themes} should be >= 1; pass e.g. max_themes=20.")
    contrib = contributions(ratings(responses, score), score)
    scored = ~np.isnan(contrib)
    x, keys = _indicators(responses, mentions, themes, scored, max_themes)
    y = contrib[scored]
    if not keys or y.size < 2:
        return pd.DataFrame(columns=list(DRIVER_COLUMNS))
    weights, r2 = relative_weights(x, y)
    design = np.column_stack([np.ones(y.size), x])
    beta = np.linalg.lstsq(design, y, rcond=None)[0][1:]
    corr = [
        float(np.corrcoef(x[:, j], y)[0, 1]) if y.std() > 0 else math.nan for j in range(len(keys))
    ]
    rows = theme_rows(themes)
    labels: dict[int, str] = dict(zip(rows["theme_id"].astype(int), rows["label"], strict=True))
    table = pd.DataFrame(
        {
            "theme_id": [k[0] for k in keys],
            "label": [labels[k[0]] for k in keys],
            "sentiment": [k[1] for k in keys],
            "n": x.sum(axis=0).astype("int64"),
            "beta": beta,
            "correlation": corr,
            "weight": weights,
            "share_of_r2": weights / r2 if r2 > 0 else np.full(len(keys), math.nan),
            "r2": r2,
        }
    )
    table["low_n"] = table["n"] < min_n
    table = table.sort_values(["weight", "theme_id", "sentiment"], ascending=[False, True, True])
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.loc[:, list(DRIVER_COLUMNS)].reset_index(drop=True)
