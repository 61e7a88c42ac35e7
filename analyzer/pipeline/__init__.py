"""The steps wired together: ingest -> text -> embed -> themes -> sentiment, for fitting and
scoring, and the questions about a whole run that the CLI, the service and batch share.

::

    steps           analyze / score_frame: the stages in order
    storing         analyze_and_store: a run recorded in the store, its model saved
    sampling        the fit sample of a very large export, the rest assigned
    components      the models every stage is handed (Components) and the Progress sink
    embedding_pass  mention vectors, routed by language; the shared MiniLM pass
    sentiment_pass  which model scores each mention, toward which theme
    runs            a run's embedder, its scored exports, its tables on disk

The pipeline knows nothing about the CLI or the service.
"""

from analyzer.pipeline.steps import (
    STAGES,
    AnalysisResult,
    Components,
    Embedded,
    Progress,
    add_response_sentiment,
    analyze,
    embed_by_language,
    embed_mentions,
    embed_with_sentiment,
    redact_rejects,
    resolve_sentiment,
    score_frame,
    score_mentions,
    score_sentiment,
    split_frame,
    split_mentions,
    theme_aspects,
)
from analyzer.pipeline.storing import analyze_and_store, new_run_id

__all__ = [
    "STAGES",
    "AnalysisResult",
    "Components",
    "Embedded",
    "Progress",
    "add_response_sentiment",
    "analyze",
    "analyze_and_store",
    "embed_by_language",
    "embed_mentions",
    "embed_with_sentiment",
    "new_run_id",
    "redact_rejects",
    "resolve_sentiment",
    "score_frame",
    "score_mentions",
    "score_sentiment",
    "split_frame",
    "split_mentions",
    "theme_aspects",
]
