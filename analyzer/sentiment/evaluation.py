"""Scores for sentiment predictions: accuracy, macro-F1, macro-recall over the present classes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd


def classification_scores(
    y_true: Sequence[str] | np.ndarray | pd.Series, y_pred: Sequence[str] | np.ndarray | pd.Series
) -> dict[str, float]:
    """Accuracy, macro-F1 and macro-recall.

    Macro averages run over the classes present in ``y_true`` (two for a binary set, three
    otherwise), so a three-class prediction on a binary set is penalised for every
    ``neutral`` it outputs but not averaged over an absent class.

    Parameters
    ----------
    y_true, y_pred : sequences of str, length n

    Returns
    -------
    dict with keys ``accuracy``, ``macro_f1``, ``macro_recall`` and ``n``.
    """
    from sklearn.metrics import accuracy_score, f1_score, recall_score

    t = np.asarray(y_true, dtype=object)
    p = np.asarray(y_pred, dtype=object)
    classes = sorted(set(t.tolist()))
    return {
        "accuracy": float(accuracy_score(t, p)),
        "macro_f1": float(f1_score(t, p, labels=classes, average="macro", zero_division=0)),
        "macro_recall": float(recall_score(t, p, labels=classes, average="macro", zero_division=0)),
        "n": float(len(t)),
    }
