"""cx-analyzer: an offline customer-feedback analyzer.

Themes, per-mention sentiment and their impact on NPS / CSAT / CES, computed on
your own machine. The library never imports the service or the CLI.

The public API is what ``__all__`` names; a notebook or another program uses only these::

    from analyzer import analyze, read_export, make_config, ThemeModel, metrics

Names are imported on first use, so ``import analyzer`` (and ``cxa --help``) stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_HOMES = {
    # the pipeline: a whole analysis, or its steps one by one
    "analyze": "analyzer.pipeline",
    "analyze_and_store": "analyzer.pipeline",
    "score_frame": "analyzer.pipeline",
    "split_mentions": "analyzer.pipeline",
    "add_response_sentiment": "analyzer.pipeline",
    "new_run_id": "analyzer.pipeline",
    "AnalysisResult": "analyzer.pipeline",
    "Components": "analyzer.pipeline",
    # options and input
    "AnalysisConfig": "analyzer.config",
    "make_config": "analyzer.config",
    "read_export": "analyzer.ingest",
    "ColumnMapping": "analyzer.ingest",
    # themes and their edits
    "ThemeModel": "analyzer.themes",
    "Codeframe": "analyzer.themes",
    # other tools: a run's themes as a fitted BERTopic model
    "to_bertopic": "analyzer.interop",
    # what is kept
    "Store": "analyzer.store",
    "RunData": "analyzer.store",
    # errors
    "AnalyzerError": "analyzer.errors",
}
_MODULES = ("demo", "metrics")
"""Modules of the public API: ``analyzer.demo`` (the demo export) and ``analyzer.metrics``
(NPS / CSAT / CES, theme tables, trends, segments, pain points)."""

__all__ = [
    "AnalysisConfig",
    "AnalysisResult",
    "AnalyzerError",
    "Codeframe",
    "ColumnMapping",
    "Components",
    "RunData",
    "Store",
    "ThemeModel",
    "__version__",
    "add_response_sentiment",
    "analyze",
    "analyze_and_store",
    "demo",
    "make_config",
    "metrics",
    "new_run_id",
    "read_export",
    "score_frame",
    "split_mentions",
    "to_bertopic",
]

if TYPE_CHECKING:
    from analyzer import demo, metrics
    from analyzer.config import AnalysisConfig, make_config
    from analyzer.errors import AnalyzerError
    from analyzer.ingest import ColumnMapping, read_export
    from analyzer.interop import to_bertopic
    from analyzer.pipeline import (
        AnalysisResult,
        Components,
        add_response_sentiment,
        analyze,
        analyze_and_store,
        new_run_id,
        score_frame,
        split_mentions,
    )
    from analyzer.store import RunData, Store
    from analyzer.themes import Codeframe, ThemeModel


def __getattr__(name: str) -> Any:
    if name in _MODULES:
        return importlib.import_module(f"analyzer.{name}")
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'analyzer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
