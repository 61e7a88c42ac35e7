"""A run's themes in other tools' formats: BERTopic, both ways.

::

    bertopic_export   a run's themes as a fitted BERTopic model (to_bertopic, export_bertopic)
    bertopic_seeds    a saved BERTopic model's topics as seed themes for a new analysis
    _backend          the run's embedder as a BERTopic embedding backend

BERTopic (and through it UMAP, numba and HDBSCAN) is imported only inside the functions that
export or seed, never by importing this package, so ``cxa analyze`` without
``--seed-from-bertopic`` never loads it.
"""

from analyzer.interop.bertopic_export import (
    OUTLIER_LABEL,
    BERTopicRun,
    export_bertopic,
    to_bertopic,
)
from analyzer.interop.bertopic_seeds import (
    TopicSeed,
    codeframe_from_bertopic,
    read_bertopic_topics,
    seed_codeframe,
)

__all__ = [
    "OUTLIER_LABEL",
    "BERTopicRun",
    "TopicSeed",
    "codeframe_from_bertopic",
    "export_bertopic",
    "read_bertopic_topics",
    "seed_codeframe",
    "to_bertopic",
]
