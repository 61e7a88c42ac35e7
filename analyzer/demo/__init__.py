"""The demo: a seeded synthetic survey export (*Northwind Goods*) and its ground truth.

::

    generator  generate / write: comments, scores, segments, dates; the phrase banks
               in phrases.yaml
    truth      match_mentions_to_truth: the planted theme of each mention, for scoring
"""

from analyzer.demo.generator import (
    EXPORT_COLUMNS,
    GROWING_THEME,
    TRUTH_COLUMNS,
    generate,
    load_phrases,
    theme_keys,
    write,
)
from analyzer.demo.truth import match_mentions_to_truth

__all__ = [
    "EXPORT_COLUMNS",
    "GROWING_THEME",
    "TRUTH_COLUMNS",
    "generate",
    "load_phrases",
    "match_mentions_to_truth",
    "theme_keys",
    "write",
]
