"""Themes of customer-feedback mentions: fit, transform, label, edit, save and load.

The public surface is small::

    ThemeModel    the estimator (fit / transform / save / load / split / add_seed /
                  propose_candidates / apply_codeframe)
    Codeframe     an analyst's edits (rename, merge, split, move, owner, seed themes)
    get_clusterer the clustering plug-ins, chosen by name (CLUSTERERS)

Importing this package is cheap: no UMAP, numba, BERTopic or spaCy until a method needs it.
"""

from analyzer.themes.cluster import CLUSTERERS, Clusterer, get_clusterer
from analyzer.themes.codeframe import Codeframe, SeedTheme
from analyzer.themes.model import ThemeModel

__all__ = ["CLUSTERERS", "Clusterer", "Codeframe", "SeedTheme", "ThemeModel", "get_clusterer"]
