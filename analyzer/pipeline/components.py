"""What every pipeline stage is handed: the models (:class:`Components`) and a progress sink.

Kept apart from pipeline.py so that the stages it calls (embedding_pass.py,
sentiment_pass.py) can name these types without importing the pipeline itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from analyzer.config import AnalysisConfig, cache_dir
from analyzer.embed import Embedder, embedding_space, get_embedder
from analyzer.sentiment import (
    DEFAULT_BACKEND,
    SentimentBackend,
    SharedPassSentiment,
    get_backend,
)
from analyzer.text import TextProcessor

if TYPE_CHECKING:
    from analyzer.multilingual import Multilingual

__all__ = ["Components", "Progress", "SilentProgress", "resolve_sentiment"]


class Progress(Protocol):
    """Receives progress of the long stages."""

    def start(self, stage: str, total: int | None) -> None:
        """A stage begins; ``total`` items are expected (``None`` if unknown)."""

    def advance(self, n: int) -> None:
        """``n`` more items of the current stage are done."""

    def finish(self, stage: str, seconds: float) -> None:
        """The current stage ended after ``seconds``."""


class SilentProgress:
    """A :class:`Progress` that reports nothing (the default everywhere)."""

    def start(self, stage: str, total: int | None) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def finish(self, stage: str, seconds: float) -> None:
        pass


@dataclass
class Components:
    """The models a pipeline uses; built once and reused across runs and chunks."""

    processor: TextProcessor
    embedder: Embedder
    sentiment: SentimentBackend
    multilingual: Multilingual | None = None
    """Embeds and scores non-English mentions (``None``: every mention takes the English path)."""
    _aspect: Any = field(default=None, repr=False, compare=False)

    def aspect_sentiment(self) -> Any:
        """The aspect model (``minilm-aspect``) that scores a mention of two or more themes
        toward each, sharing the sentiment branch's MiniLM and its kept states; None when
        it cannot share them (another backend, other layers). Built on first use."""
        if self._aspect is None:
            base = getattr(self.sentiment, "base_model", None)
            if base is None or not isinstance(self.sentiment, SharedPassSentiment):
                return None
            aspect = get_backend("minilm-aspect")
            assert isinstance(aspect, SharedPassSentiment)
            aspect.attach_base(base)
            if aspect.states_layer() != self.sentiment.states_layer():
                return None
            self._aspect = aspect
        return self._aspect

    @classmethod
    def from_config(cls, config: AnalysisConfig) -> Components:
        """Build the components named in ``config`` (models load lazily, on first use)."""
        embedder = get_embedder(
            config.embedding, cache_dir=cache_dir() / "embeddings" if config.use_cache else None
        )
        multilingual = None
        if config.multilingual:
            from analyzer.multilingual import Multilingual

            multilingual = Multilingual.for_space(embedding_space(embedder))
        return cls(
            processor=TextProcessor(model=config.spacy_model),
            embedder=embedder,
            sentiment=get_backend(resolve_sentiment(config.sentiment, config.embedding)),
            multilingual=multilingual,
        )


def resolve_sentiment(sentiment: str, embedding: str) -> str:
    """The sentiment backend that ``"default"`` means for ``embedding``.

    The trained MiniLM branch is the default where it can share the embedding pass (the
    bundled MiniLM, +33%); with any other embedder (onnx, static for ``--fast``, a local
    model, fake) it would need a full extra MiniLM pass, so VADER is the default there.
    """
    if sentiment != "default":
        return sentiment
    return DEFAULT_BACKEND if embedding == "minilm" else "vader"
