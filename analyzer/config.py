"""Settings for an analysis run, validated with pydantic, and where things live on disk."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from analyzer.errors import ConfigError

if TYPE_CHECKING:
    from analyzer.ingest.limits import Limits

REPO_ROOT = Path(__file__).resolve().parents[1]


def models_dir() -> Path:
    """Folder of shipped model artifacts (``models/`` of the checkout, or ``$CXA_MODELS_DIR``)."""
    return Path(os.environ.get("CXA_MODELS_DIR", REPO_ROOT / "models"))


def cache_dir() -> Path:
    """Folder for caches (embeddings, distilled models): ``$CXA_CACHE_DIR`` or ``.cache/``."""
    return Path(os.environ.get("CXA_CACHE_DIR", REPO_ROOT / ".cache"))


class AnalysisConfig(BaseModel):
    """Options of one analysis run; every field has a sensible default.

    Attributes
    ----------
    embedding : str
        Embedding backend: ``minilm`` (bundled), ``fake`` (tests) or a local model folder.
    sentiment : str
        Sentiment backend name (see ``analyzer.sentiment.get_backend``).
    spacy_model : str
        spaCy pipeline for redaction and splitting; ``blank`` forces the rule-based fallback.
    seed : int
        Random seed: the same input, config and seed give the same themes.
    min_theme_size : int or None
        Smallest theme, in mentions; ``None`` lets the theme model choose from the data size.
    use_cache : bool
        Cache embeddings on disk by model and text hash.
    max_columns, max_segments, max_metrics : int or None
        Most columns, segment columns and metric columns an export may have; ``None``
        reads ``CXA_MAX_COLUMNS`` / ``CXA_MAX_SEGMENTS`` / ``CXA_MAX_METRICS`` or uses
        the defaults (1,000, 50, 200; see :mod:`analyzer.ingest.limits`).
    multilingual : bool
        Put non-English mentions on the multilingual path (encoder mapped into the English
        embedder's space, multilingual sentiment); ``False`` sends every mention down the
        English path, as before language detection existed.
    fit_sample : int or None
        Responses the themes are fitted on: ``None`` fits every response of an export up to
        150,000 responses and a sample of 100,000 above; 0 always fits on every response;
        N fits on N responses when there are more. The other responses are assigned to
        the fitted themes (see :mod:`analyzer.pipeline.sampling`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    embedding: str = "minilm"
    sentiment: str = "default"
    spacy_model: str = "en_core_web_sm"
    seed: int = 0
    min_theme_size: int | None = Field(default=None, ge=2)
    use_cache: bool = True
    max_columns: int | None = Field(default=None, ge=1)
    max_segments: int | None = Field(default=None, ge=1)
    max_metrics: int | None = Field(default=None, ge=1)
    multilingual: bool = True
    fit_sample: int | None = Field(default=None, ge=0)

    @property
    def limits(self) -> Limits:
        """The bounds on an export's shape that these options set (see ``max_columns``)."""
        from analyzer.ingest.limits import Limits

        default = Limits.from_env()
        return Limits(
            columns=self.max_columns or default.columns,
            segments=self.max_segments or default.segments,
            metrics=self.max_metrics or default.metrics,
        )

    @field_validator("embedding", "sentiment", "spacy_model")
    @classmethod
    def _not_empty(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be empty")
        return value


def make_config(**options: object) -> AnalysisConfig:
    """Build an :class:`AnalysisConfig`, turning validation failures into :class:`ConfigError`."""
    try:
        return AnalysisConfig(**options)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']} (got {err.get('input')!r})"
            for err in exc.errors()
        )
        valid = ", ".join(AnalysisConfig.model_fields)
        raise ConfigError(f"Invalid analysis options: {problems}. Valid options: {valid}.") from exc


__all__ = ["REPO_ROOT", "AnalysisConfig", "cache_dir", "make_config", "models_dir"]
