"""Mapping the mentions a splitter produced back onto the demo's ground truth.

:func:`match_mentions_to_truth` gives each mention the theme of the planted clause of
:func:`analyzer.demo.generate` it overlaps most, so theme quality can be scored (e.g. NMI)
whatever the splitter and the redaction did to the text.
"""

from __future__ import annotations

import re

import pandas as pd

_PLACEHOLDER = re.compile(r"[\[<]\s*[A-Z][A-Z_ ]*\s*[\]>]")
_TOKEN = re.compile(r"\w+")


def _tokens(text: object) -> frozenset[str]:
    """Lower-case word tokens of ``text``, ignoring redaction placeholders like [EMAIL]."""
    if not isinstance(text, str):
        return frozenset()
    return frozenset(_TOKEN.findall(_PLACEHOLDER.sub(" ", text).lower()))


def match_mentions_to_truth(mentions: pd.DataFrame, truth: pd.DataFrame) -> pd.Series:
    """Give each split mention the theme of the planted clause it overlaps most.

    Parameters
    ----------
    mentions : pandas.DataFrame
        Columns ``response_id``, ``position`` and ``text``, as produced by a clause
        splitter; the text may contain redaction placeholders (``[PERSON]``, ``[EMAIL]``,
        ``[PHONE]``, ...) and the split may differ slightly from the generator's.
    truth : pandas.DataFrame
        The ground truth returned by :func:`analyzer.demo.generate`.

    Returns
    -------
    pandas.Series
        String dtype, index aligned with ``mentions``: for each mention the theme of the
        truth clause of the same response with the largest Jaccard overlap of word
        tokens (ties go to the nearest position), or ``<NA>`` if nothing overlaps.
    """
    clauses: dict[str, list[tuple[frozenset[str], int, str]]] = {}
    for rid, pos, text, theme in zip(
        truth["response_id"], truth["position"], truth["text"], truth["theme"], strict=True
    ):
        clauses.setdefault(str(rid), []).append((_tokens(text), int(pos), str(theme)))
    positions = mentions["position"] if "position" in mentions else pd.Series(0, mentions.index)
    themes: list[object] = []
    for rid, pos, text in zip(mentions["response_id"], positions, mentions["text"], strict=True):
        words = _tokens(text)
        where = int(pos) if pd.notna(pos) else 0
        best: tuple[float, int] = (0.0, 0)
        found: object = pd.NA
        for clause_words, clause_pos, theme in clauses.get(str(rid), []):
            union = len(words | clause_words)
            score = (len(words & clause_words) / union if union else 0.0, -abs(clause_pos - where))
            if score[0] > 0 and score > best:
                best, found = score, theme
        themes.append(found)
    return pd.Series(themes, index=mentions.index, dtype="string", name="theme")


__all__ = ["match_mentions_to_truth"]
