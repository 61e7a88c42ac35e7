"""Wires the steps: ingest -> text -> embed -> themes -> sentiment, for fitting and scoring.

The pipeline knows nothing about the CLI or the service. Long stages report progress through
a small :class:`Progress` protocol; the CLI renders it as progress bars.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from analyzer import faults
from analyzer.config import AnalysisConfig, cache_dir
from analyzer.embed import (
    Embedder,
    SharedPassEmbedder,
    embedding_space,
    get_embedder,
    save_embedder_card,
)
from analyzer.ingest import ColumnMapping, IngestResult, read_export
from analyzer.sentiment import (
    DEFAULT_BACKEND,
    AspectSentiment,
    SentimentBackend,
    SharedPassSentiment,
    agreement_with_scores,
    get_backend,
    overall_sentiment,
)
from analyzer.store import Store
from analyzer.text import TextProcessor
from analyzer.text.languages import mention_languages, with_language_segment
from analyzer.text.normalise import embedding_texts
from analyzer.themes import ThemeModel

if TYPE_CHECKING:
    from analyzer.multilingual import Multilingual

log = logging.getLogger(__name__)

STAGES = ("ingest", "text", "embed", "themes", "sentiment")
"""Stages of :func:`analyze`; "sentiment" reuses the embed stage's MiniLM states."""


class Progress(Protocol):
    """Receives progress of the long stages."""

    def start(self, stage: str, total: int | None) -> None:
        """A stage begins; ``total`` items are expected (``None`` if unknown)."""

    def advance(self, n: int) -> None:
        """``n`` more items of the current stage are done."""

    def finish(self, stage: str, seconds: float) -> None:
        """The current stage ended after ``seconds``."""


class _Silent:
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


@dataclass
class AnalysisResult:
    """What :func:`analyze` produces; tables follow ARCHITECTURE.md."""

    responses: pd.DataFrame
    mentions: pd.DataFrame
    themes: pd.DataFrame
    rejects: pd.DataFrame
    model: ThemeModel
    segments: list[str]
    metrics: list[str]
    info: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


@contextmanager
def _stage(
    progress: Progress, timings: dict[str, float], name: str, total: int | None
) -> Iterator[None]:
    progress.start(name, total)
    t0 = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - t0, 3)
    progress.finish(name, timings[name])
    log.info("stage %s took %.2f s", name, timings[name])


def split_mentions(
    responses: pd.DataFrame, processor: TextProcessor, progress: Progress | None = None
) -> tuple[pd.Series, pd.DataFrame]:
    """Redact every comment and split it into mentions.

    Returns
    -------
    redacted : pandas.Series
        The redacted comments, aligned with ``responses``.
    mentions : pandas.DataFrame
        ``mention_id, response_id, position, text, language`` (redacted), in response order.
        ``responses`` gains a ``language`` column (ISO 639-1 or ``"unknown"``).
    """
    comments = responses["comment"].fillna("").astype(str).tolist()
    processed = []
    step = 512
    for start in range(0, len(comments), step):
        processed.extend(processor.process(comments[start : start + step]))
        if progress is not None:
            progress.advance(len(comments[start : start + step]))
    redacted = pd.Series([p.redacted for p in processed], index=responses.index, dtype=object)
    if "language" not in responses:  # an export's own language column wins
        responses["language"] = pd.Series([p.language for p in processed], index=responses.index)
    rows = [
        (f"{rid}:{pos}", rid, pos, text, lang)
        for rid, p in zip(responses["response_id"].astype(str), processed, strict=True)
        for pos, (text, lang) in enumerate(
            zip(p.mentions, mention_languages(p.mentions, p.language), strict=True)
        )
    ]
    columns = ["mention_id", "response_id", "position", "text", "language"]
    mentions = pd.DataFrame(rows, columns=columns)
    mentions["position"] = mentions["position"].astype("int64")
    return redacted, mentions


def add_response_sentiment(responses: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """Add ``sentiment`` and ``sentiment_score`` per response, derived from its mentions."""
    out = responses.copy()
    labels: dict[str, str] = {}
    scores: dict[str, float] = {}
    # Slicing sorted numpy arrays instead of iterating a pandas groupby: ~5x faster, which
    # matters to batch scoring (same calls to overall_sentiment, same results).
    codes, uniques = pd.factorize(mentions["response_id"].astype(str))
    order = np.argsort(codes, kind="stable")
    mention_labels = mentions["sentiment"].to_numpy(dtype=object)[order]
    mention_scores = mentions["sentiment_score"].to_numpy(dtype="float64")[order]
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    for i, rid in enumerate(uniques):
        start, end = bounds[i], bounds[i + 1]
        label, score = overall_sentiment(mention_labels[start:end], mention_scores[start:end])
        labels[rid] = label
        scores[rid] = float(score)
    ids = out["response_id"].astype(str)
    out["sentiment"] = ids.map(labels).astype(object)
    out["sentiment_score"] = ids.map(scores).astype("float64")
    return out


def _embed(texts: Sequence[str], embedder: Embedder, progress: Progress) -> np.ndarray:
    if not texts:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    return embedder.encode(texts, progress=progress.advance)


MINILM_NAME = "all-MiniLM-L6-v2"
"""The embedder whose lower layers the MiniLM sentiment backends were trained on."""


def _shared_encoder(components: Components) -> Any | None:
    """The SentenceTransformer to share with the sentiment branch, or None if not shareable.

    Shareable when the backend reads kept states (:class:`SharedPassSentiment`) and the
    embedder, or what it wraps, hands out the bundled MiniLM (:class:`SharedPassEmbedder`).
    A MiniLM embedder that does not implement the protocol still works, with a warning: the
    backend then runs MiniLM's lower layers a second time.
    """
    embedder, backend = components.embedder, components.sentiment
    if not isinstance(backend, SharedPassSentiment) or embedder.name != MINILM_NAME:
        return None
    if not isinstance(embedder, SharedPassEmbedder):
        log.warning(
            "Embedder %s does not implement SharedPassEmbedder: sentiment runs its own "
            "MiniLM pass (about +50%% time).",
            type(embedder).__name__,
        )
        return None
    return embedder.shared_encoder()


@dataclass
class Embedded:
    """What the embed stage hands to themes and sentiment.

    ``embeddings`` (n, dim) float32; ``states`` the kept lower-layer token states
    (``MentionStates``) when the sentiment backend shares the pass, None otherwise.
    """

    embeddings: np.ndarray
    states: Any = None
    english: np.ndarray | None = None
    """Rows whose states ``states`` holds, in order (None: every row)."""


def embed_mentions(
    texts: Sequence[str],
    components: Components,
    progress: Progress | None = None,
    *,
    states_dtype: Any = np.float32,
) -> Embedded:
    """Embed ``texts``, keeping MiniLM's lower-layer states for the sentiment branch.

    With the bundled MiniLM and a :class:`SharedPassSentiment` backend the states come from
    the embedding pass itself (MiniLM's lower layers run once); the vectors still go to the
    embedding cache (search reads them there). ``states_dtype`` float16 halves the memory
    they hold until the themes are known.
    """
    progress = progress or _Silent()
    if not texts:
        return Embedded(np.zeros((0, components.embedder.dim), dtype=np.float32))
    shared = _shared_encoder(components)
    if shared is None:
        return Embedded(_embed(texts, components.embedder, progress))
    from analyzer.sentiment import encode_with_states

    backend = components.sentiment
    assert isinstance(backend, SharedPassSentiment)
    backend.attach_base(shared)  # one copy of MiniLM for both
    backend.check_base(shared)
    embeddings, states = encode_with_states(
        list(texts),
        model=shared,
        input_layer=backend.states_layer(),
        progress=progress.advance,
        dtype=states_dtype,
    )
    assert isinstance(components.embedder, SharedPassEmbedder)
    components.embedder.store(texts, embeddings)
    return Embedded(embeddings, states)


def theme_aspects(themes: pd.DataFrame) -> dict[int, str]:
    """Aspect text of each theme for aspect-conditioned sentiment: its label."""
    if themes.empty or "label" not in themes:
        return {}
    ids = themes["theme_id"].astype("int64").tolist()
    return {i: str(lab) for i, lab in zip(ids, themes["label"].astype(str), strict=True)}


def score_sentiment(
    mentions: pd.DataFrame,
    components: Components,
    embedded: Embedded | None = None,
    aspects: dict[int, str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sentiment of each mention toward its theme: the pipeline's one dispatch point.

    English (and "unknown") mentions go to the sentiment backend, toward their theme's
    aspect when it is aspect-conditioned; mentions in another supported language go to the
    multilingual head (never to the English branch or VADER).

    Returns
    -------
    labels : ndarray (n,) object; scores : ndarray (n,) float64 in [-1, 1]
    """
    foreign = _foreign_rows(mentions, components)
    if foreign is None or components.multilingual is None:
        return _score_english(mentions, components, embedded, aspects)
    labels = np.empty(len(mentions), dtype=object)
    scores = np.zeros(len(mentions), dtype="float64")
    if embedded is not None and embedded.english is None:  # every row went the English way
        labels[:], scores[:] = _score_english(mentions, components, embedded, aspects)
    else:
        home = np.flatnonzero(~foreign)
        sub = None
        if embedded is not None:
            sub = Embedded(embedded.embeddings[home], embedded.states)
        if len(home):
            labels[home], scores[home] = _score_english(
                mentions.iloc[home], components, sub, aspects
            )
    mask, other_labels, other_scores = components.multilingual.predict_sentiment(mentions)
    labels[mask], scores[mask] = other_labels, other_scores
    return labels, scores


def _score_english(
    mentions: pd.DataFrame,
    components: Components,
    embedded: Embedded | None = None,
    aspects: dict[int, str] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Sentiment of each mention toward its theme: the pipeline's one dispatch point.

    Parameters
    ----------
    mentions : pandas.DataFrame
        ``text`` and, for aspect-conditioned backends, ``theme_id`` (< 0: no theme, scored
        on its own). A ``language`` column is accepted and not read yet (all English).
    components : Components
    embedded : Embedded, optional
        The embed stage's output (kept states are used when present).
    aspects : dict, optional
        Theme id -> aspect text (:func:`theme_aspects`).

    Returns
    -------
    labels : ndarray (n,) object; scores : ndarray (n,) float64 in [-1, 1]
    """
    backend = components.sentiment
    # what the embedder saw (no handles, links, placeholders): every backend reads the same
    texts = embedding_texts(mentions["text"].astype(str).tolist())
    if not texts:
        return np.array([], dtype=object), np.array([], dtype="float64")
    per_mention: list[str | None] | None = None
    if aspects and "theme_id" in mentions:
        ids = mentions["theme_id"].astype("int64").tolist()
        per_mention = [aspects.get(t) if t >= 0 else None for t in ids]
    if embedded is not None and embedded.states is not None:
        assert isinstance(backend, SharedPassSentiment)
        labels, scores = backend.predict_states(embedded.states, per_mention)
    elif per_mention is not None and isinstance(backend, AspectSentiment):
        labels, scores = backend.predict_aspects(texts, per_mention)
    else:
        vectors = embedded.embeddings if embedded is not None else None
        labels, scores = backend.predict(texts, vectors)
    return np.asarray(labels, dtype=object), np.asarray(scores, dtype="float64")


def embed_with_sentiment(
    texts: Sequence[str], components: Components, progress: Progress | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Embeddings, and each text's sentiment on its own (no theme), of ``texts``.

    Returns
    -------
    embeddings : ndarray (n, dim) float32; labels : ndarray (n,) object;
    scores : ndarray (n,) float64 in [-1, 1]
    """
    embedded = embed_mentions(texts, components, progress)
    labels, scores = score_sentiment(pd.DataFrame({"text": list(texts)}), components, embedded)
    return embedded.embeddings, labels, scores


def embed_by_language(
    mentions: pd.DataFrame,
    components: Components,
    progress: Progress | None = None,
    *,
    states_dtype: Any = np.float32,
) -> Embedded:
    """:func:`embed_mentions` of the topic text, non-English mentions on the multilingual path.

    English and ``"unknown"`` mentions are embedded exactly as without languages (an export
    with no other language gives identical results); mentions in another supported
    language get the multilingual encoder's vectors mapped into the same space
    (:class:`analyzer.multilingual.Multilingual`). ``Embedded.english`` then lists the rows
    whose states the English sentiment branch holds.

    Parameters
    ----------
    mentions : pandas.DataFrame
        ``text`` and ``language`` columns (without ``language`` every mention is English).
    """
    texts = embedding_texts(mentions["text"].astype(str).tolist())
    foreign = _foreign_rows(mentions, components)
    multi = components.multilingual
    if foreign is None or multi is None or multi.embed is None:
        return embed_mentions(texts, components, progress, states_dtype=states_dtype)
    home, other = np.flatnonzero(~foreign), np.flatnonzero(foreign)
    part = embed_mentions([texts[i] for i in home], components, progress, states_dtype=states_dtype)
    embeddings = np.zeros((len(texts), components.embedder.dim), dtype=np.float32)
    if len(home):
        embeddings[home] = part.embeddings
    embeddings[other] = multi.embed.encode([texts[i] for i in other])
    if progress is not None:
        progress.advance(len(other))
    return Embedded(embeddings, part.states, english=home)


def _foreign_rows(mentions: pd.DataFrame, components: Components) -> np.ndarray | None:
    """Boolean (n,): mentions for the multilingual path; None when there are none."""
    if components.multilingual is None or "language" not in mentions or mentions.empty:
        return None
    from analyzer.multilingual import is_foreign

    foreign = np.asarray(is_foreign(mentions["language"].to_numpy()), dtype=bool)
    return foreign if foreign.any() else None


def analyze(
    path: str | Path,
    *,
    mapping: ColumnMapping | None = None,
    config: AnalysisConfig | None = None,
    components: Components | None = None,
    progress: Progress | None = None,
) -> AnalysisResult:
    """Run the whole pipeline on one export and fit a theme model on it.

    Parameters
    ----------
    path : str or Path
        The survey export (CSV, TSV, XLSX, Parquet or JSON Lines).
    mapping : ColumnMapping, optional
        Explicit column names; the rest is detected from common names.
    config : AnalysisConfig, optional
        Options; defaults are sensible.
    components : Components, optional
        Pre-built models (reused across runs); built from ``config`` when omitted.
    progress : Progress, optional
        Receives progress of the long stages.
    """
    config = config or AnalysisConfig()
    components = components or Components.from_config(config)
    progress = progress or _Silent()
    timings: dict[str, float] = {}
    with _stage(progress, timings, "ingest", None):
        ingested = read_export(path, mapping, config.limits)
        faults.point("analyze.ingest")
    responses = ingested.responses.copy()
    with _stage(progress, timings, "text", len(responses)):
        responses["comment"], mentions = split_mentions(responses, components.processor, progress)
    texts = mentions["text"].tolist()
    # With MiniLM, the sentiment branch reuses the embedding pass's lower-layer states, kept
    # (float16) until the themes are known; then each mention is scored toward its theme.
    with _stage(progress, timings, "embed", len(texts)):
        embedded = embed_by_language(mentions, components, progress, states_dtype=np.float16)
    with _stage(progress, timings, "themes", None):
        model = ThemeModel(seed=config.seed, **_theme_options(config))
        # mentions in other languages join the themes the English ones form
        model.fit(texts, embedded.embeddings, cluster_on=embedded.english)
    mentions["theme_id"] = np.asarray(model.labels_, dtype="int64")
    mentions["theme_confidence"] = np.asarray(model.confidence_, dtype="float64")
    with _stage(progress, timings, "sentiment", None):
        labels, scores = score_sentiment(
            mentions, components, embedded, theme_aspects(model.themes_)
        )
    mentions["sentiment"] = labels
    mentions["sentiment_score"] = scores
    responses = add_response_sentiment(responses, mentions)
    info = _info(ingested, config, components, len(texts))
    info["sentiment_agreement"] = agreement_with_scores(mentions, responses)
    return AnalysisResult(
        responses=responses,
        mentions=mentions,
        themes=model.themes_.copy(),
        rejects=ingested.rejects,
        model=model,
        segments=with_language_segment(ingested.segments),
        metrics=list(ingested.metrics),
        info=info,
        timings=timings,
    )


def score_frame(
    responses: pd.DataFrame,
    model: ThemeModel,
    components: Components,
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score validated responses with a saved theme model: pandas in, pandas out.

    This is the unit of batch scoring: it holds no state between calls, so chunks of an
    export (or Dask partitions) can be scored independently and give the same result.
    It is :func:`split_frame` followed by :func:`score_mentions`; batch scoring calls the
    two halves itself to overlap the text processing of one chunk with the embedding of
    the previous one.

    Parameters
    ----------
    responses : pandas.DataFrame
        Validated responses (``response_id`` and ``comment`` at least).
    model : ThemeModel
        A fitted (usually loaded) theme model.
    components : Components
        Text processor, embedder (the one the model was fitted with) and sentiment backend.

    Returns
    -------
    responses, mentions : pandas.DataFrame
        Redacted responses with their overall sentiment, and their mentions with themes.
    """
    redacted, mentions = split_frame(responses, components.processor)
    return score_mentions(redacted, mentions, model, components, progress)


def split_frame(
    responses: pd.DataFrame, processor: TextProcessor
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First half of :func:`score_frame`: redact the comments and split them into mentions.

    Returns
    -------
    responses : pandas.DataFrame
        A copy of ``responses`` with the ``comment`` column redacted.
    mentions : pandas.DataFrame
        ``mention_id, response_id, position, text`` (see :func:`split_mentions`).
    """
    out = responses.copy()
    out["comment"], mentions = split_mentions(out, processor)
    return out, mentions


def score_mentions(
    responses: pd.DataFrame,
    mentions: pd.DataFrame,
    model: ThemeModel,
    components: Components,
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Second half of :func:`score_frame`: embed mentions, assign themes and sentiment.

    Parameters
    ----------
    responses, mentions : pandas.DataFrame
        What :func:`split_frame` returned.
    model, components
        As for :func:`score_frame`.
    """
    progress = progress or _Silent()
    mentions = mentions.copy()
    texts = mentions["text"].tolist()
    embedded = embed_by_language(mentions, components, progress)
    theme_ids, confidence = model.transform(texts, embedded.embeddings)
    mentions["theme_id"] = np.asarray(theme_ids, dtype="int64")
    mentions["theme_confidence"] = np.asarray(confidence, dtype="float64")
    labels, scores = score_sentiment(mentions, components, embedded, theme_aspects(model.themes_))
    mentions["sentiment"] = labels
    mentions["sentiment_score"] = scores
    return add_response_sentiment(responses, mentions), mentions


def new_run_id() -> str:
    """A fresh, sortable run id such as ``run-20261125-034501-1a2b3c``."""
    import datetime as dt
    import uuid

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return f"run-{stamp}-{uuid.uuid4().hex[:6]}"


class _StoreProgress:
    """Records the current stage in the store (for the service's status endpoint)."""

    def __init__(self, store: Store, run_id: str, inner: Progress) -> None:
        self.store, self.run_id, self.inner = store, run_id, inner
        self.stage = ""

    def start(self, stage: str, total: int | None) -> None:
        self.store.set_status(self.run_id, "running", stage=stage)
        self.inner.start(stage, total)
        self.stage = stage

    def advance(self, n: int) -> None:
        self.inner.advance(n)
        faults.point(f"analyze.{self.stage}")  # e.g. "analyze.embed": after a batch

    def finish(self, stage: str, seconds: float) -> None:
        self.inner.finish(stage, seconds)


def analyze_and_store(
    path: str | Path,
    store: Store,
    *,
    run_id: str | None = None,
    mapping: ColumnMapping | None = None,
    config: AnalysisConfig | None = None,
    components: Components | None = None,
    progress: Progress | None = None,
    model_dir: str | Path | None = None,
) -> tuple[str, AnalysisResult]:
    """Run :func:`analyze` and write its tables to ``store`` in one transaction.

    The run is recorded first with status ``running`` and its current stage; on failure it is
    marked ``failed`` with the reason, and none of its rows are written.
    """
    config = config or AnalysisConfig()
    components = components or Components.from_config(config)
    run_id = run_id or new_run_id()
    store.create_run(run_id, source=str(path), config=config.model_dump())
    try:
        result = analyze(
            path,
            mapping=mapping,
            config=config,
            components=components,
            progress=_StoreProgress(store, run_id, progress or _Silent()),
        )
        if model_dir is not None:
            from analyzer.atomic import replacing_dir

            with replacing_dir(Path(model_dir)) as staging:  # model and card appear together
                result.model.save(staging)
                # Which embedder the centroids belong to, so scoring can check it matches.
                save_embedder_card(staging, components.embedder, config.embedding)
        store.write_results(
            run_id,
            responses=result.responses,
            mentions=result.mentions,
            themes=result.themes,
            rejects=result.rejects,
            segments=result.segments,
            metrics=result.metrics,
            info={**result.info, "timings": result.timings, "model_dir": str(model_dir or "")},
        )
    except Exception as exc:
        store.set_status(run_id, "failed", error=f"{type(exc).__name__}: {exc}")
        raise
    return run_id, result


def _theme_options(config: AnalysisConfig) -> dict[str, Any]:
    if config.min_theme_size is None:
        return {}
    return {"min_theme_size": config.min_theme_size}


def _info(
    ingested: IngestResult, config: AnalysisConfig, components: Components, n_mentions: int
) -> dict[str, Any]:
    return {
        "source": ingested.source,
        "mapping": dict(ingested.mapping),
        "encoding": getattr(ingested, "encoding", None),
        "n_responses": len(ingested.responses),
        "n_mentions": n_mentions,
        "n_rejects": len(ingested.rejects),
        "embedding": components.embedder.name,
        "sentiment": components.sentiment.name,
        "multilingual": getattr(components.multilingual, "name", None),
        "text_backend": components.processor.backend,
        "config": config.model_dump(),
    }


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
    "resolve_sentiment",
    "score_frame",
    "score_mentions",
    "score_sentiment",
    "split_frame",
    "split_mentions",
    "theme_aspects",
]
