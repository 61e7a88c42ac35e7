"""Wires the steps: ingest -> text -> embed -> themes -> sentiment, for fitting and scoring.

The pipeline knows nothing about the CLI or the service. Long stages report progress through
a small :class:`Progress` protocol; the CLI renders it as progress bars.

The stages it wires live in modules of their own, and their public names are re-exported
here: components.py (:class:`Components`, :class:`Progress`), embedding_pass.py (the embed
stage and its language routing) and sentiment_pass.py (which model scores each mention).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer import faults
from analyzer.config import AnalysisConfig
from analyzer.ingest import ColumnMapping, IngestResult, read_export
from analyzer.pipeline.components import Components, Progress, SilentProgress, resolve_sentiment
from analyzer.pipeline.embedding_pass import MINILM_NAME as MINILM_NAME  # re-exported, as before
from analyzer.pipeline.embedding_pass import Embedded, embed_by_language, embed_mentions
from analyzer.pipeline.sampling import (
    LOCAL_CHUNK_ROWS,
    RestScorer,
    chunks_of,
    fit_sample_size,
    stratified_sample,
)
from analyzer.pipeline.sentiment_pass import (
    embed_with_sentiment,
    score_sentiment,
    theme_aspects,
    with_extra_themes,
)
from analyzer.sentiment import agreement_with_scores, overall_sentiments
from analyzer.tables import PRIMARY, primary_rows
from analyzer.text import TextProcessor
from analyzer.text.languages import mention_languages, with_language_segment
from analyzer.text.normalise import embedding_texts
from analyzer.themes import Codeframe, ThemeModel

log = logging.getLogger(__name__)

STAGES = ("ingest", "text", "embed", "themes", "sentiment")
"""Stages of :func:`analyze`; "sentiment" reuses the embed stage's MiniLM states."""


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
    responses: pd.DataFrame,
    processor: TextProcessor,
    progress: Progress | None = None,
    *,
    n_process: int | None = None,
) -> tuple[pd.Series, pd.DataFrame]:
    """Redact every comment and split it into mentions.

    ``n_process`` worker processes (default: the processor's own setting; ``-1`` every
    CPU) share the comments; the result does not depend on it.

    Returns
    -------
    redacted : pandas.Series
        The redacted comments, aligned with ``responses``.
    mentions : pandas.DataFrame
        ``mention_id, response_id, position, text, language`` (redacted), in response order.
        ``responses`` gains a ``language`` column (ISO 639-1 or ``"unknown"``).
    """
    comments = responses["comment"].fillna("").astype(str).tolist()
    advance = progress.advance if progress is not None else None
    processed = processor.process(comments, n_process=n_process, progress=advance)
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


def redact_rejects(rejects: pd.DataFrame, processor: TextProcessor) -> pd.DataFrame:
    """``rejects`` with each value redacted as comments are: ingest has only the patterns,
    so a person's name in a rejected cell ("Mr John Smith said 7") is redacted here, with
    the text stage's model (see :meth:`analyzer.text.TextProcessor.redact`)."""
    if rejects.empty:
        return rejects
    out = rejects.copy()
    values = ["" if v is None else str(v) for v in out["value"].astype(object).tolist()]
    out["value"] = pd.Series(processor.redact(values, keep_newlines=False), out.index, object)
    return out


def add_response_sentiment(responses: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """Add ``sentiment`` and ``sentiment_score`` per response, derived from its mentions
    (one row per mention: the primary rows)."""
    mentions = primary_rows(mentions)
    out = responses.copy()
    codes, uniques = pd.factorize(mentions["response_id"].astype(str))
    got_labels, got_scores = overall_sentiments(
        codes,
        mentions["sentiment"].to_numpy(dtype=object),
        mentions["sentiment_score"].to_numpy(dtype="float64"),
        len(uniques),
    )
    labels = dict(zip(uniques, got_labels, strict=True))
    scores = dict(zip(uniques, got_scores.tolist(), strict=True))
    ids = out["response_id"].astype(str)
    out["sentiment"] = ids.map(labels).astype(object)
    out["sentiment_score"] = ids.map(scores).astype("float64")
    return out


def analyze(
    path: str | Path,
    *,
    mapping: ColumnMapping | None = None,
    config: AnalysisConfig | None = None,
    components: Components | None = None,
    progress: Progress | None = None,
    id_key: bytes | None = None,
    codeframe: Codeframe | None = None,
    score_rest: RestScorer | None = None,
) -> AnalysisResult:
    """Run the whole pipeline on one export and fit a theme model on it.

    A large export (see :mod:`analyzer.pipeline.sampling` and ``config.fit_sample``) is
    fitted on a sample of its responses stratified by month; the others are then scored
    with the fitted model in chunks (stage ``assign``), as ``cxa score`` does, and
    ``info["fit_sample"]`` says so.

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
    id_key : bytes, optional
        The store's key for hashing ids that hold personal data (``analyze_and_store`` passes
        it; see :func:`analyzer.ingest.validation.private_id`).
    codeframe : Codeframe, optional
        Edits to honour from the start, such as seed themes (a name and anchor phrases, e.g.
        a BERTopic model's topics: :func:`analyzer.interop.codeframe_from_bertopic`); the
        anchors are encoded by ``components.embedder``.
    score_rest : RestScorer, optional
        Scores the responses outside a fit sample (e.g. on Dask workers); by default they
        are scored here.
    """
    config = config or AnalysisConfig()
    components = components or Components.from_config(config)
    progress = progress or SilentProgress()
    timings: dict[str, float] = {}
    with _stage(progress, timings, "ingest", None):
        ingested = read_export(path, mapping, config.limits, id_key=id_key)
        rejects = redact_rejects(ingested.rejects, components.processor)
        faults.point("analyze.ingest")
    responses = ingested.responses.copy()
    size = fit_sample_size(config.fit_sample, len(responses))
    if size is None:
        responses, mentions, model = _fit(
            responses, config, components, progress, timings, codeframe
        )
    else:
        responses, mentions, model = _fit_on_sample(
            responses, size, config, components, progress, timings, score_rest, codeframe
        )
    info = _info(ingested, config, components, len(primary_rows(mentions)))
    info["seed_themes"] = len(codeframe.seeds) if codeframe is not None else 0
    if size is not None:
        info["fit_sample"] = {
            "responses": size,
            "of": len(responses),
            "mentions": int(primary_rows(mentions)["fitted"].sum()),
            "stratified_by": "month",
        }
    mentions = mentions.drop(columns="fitted", errors="ignore")
    info["sentiment_agreement"] = agreement_with_scores(mentions, responses)
    return AnalysisResult(
        responses=responses,
        mentions=mentions,
        themes=model.themes_.copy(),
        rejects=rejects,
        model=model,
        segments=with_language_segment(ingested.segments),
        metrics=list(ingested.metrics),
        info=info,
        timings=timings,
    )


def _fit(
    responses: pd.DataFrame,
    config: AnalysisConfig,
    components: Components,
    progress: Progress,
    timings: dict[str, float],
    codeframe: Codeframe | None,
) -> tuple[pd.DataFrame, pd.DataFrame, ThemeModel]:
    """Text, embed, themes and sentiment of ``responses``, the themes fitted on them."""
    with _stage(progress, timings, "text", len(responses)):
        responses["comment"], mentions = split_mentions(
            responses, components.processor, progress, n_process=-1
        )
    texts = mentions["text"].tolist()
    # the clause-level branch scores each batch inside the pass; an aspect-conditioned one
    # keeps MiniLM's lower-layer states (float16) until the themes are known
    with _stage(progress, timings, "embed", len(texts)):
        embedded = embed_by_language(mentions, components, progress, states_dtype=np.float16)
    with _stage(progress, timings, "themes", None):
        model = _fit_themes(texts, embedded, config, components, codeframe)
    mentions["theme_id"] = np.asarray(model.labels_, dtype="int64")
    mentions["theme_confidence"] = np.asarray(model.confidence_, dtype="float64")
    mentions[PRIMARY] = True
    with _stage(progress, timings, "sentiment", None):
        aspects = theme_aspects(model.themes_)
        labels, scores = score_sentiment(mentions, components, embedded, aspects)
        mentions["sentiment"] = labels
        mentions["sentiment_score"] = scores
        extra = model.extra_
        confidence = model.confidence_of(embedded.embeddings[extra[0]], extra[1])
        mentions = with_extra_themes(mentions, extra, confidence, components, embedded, aspects)
    return add_response_sentiment(responses, mentions), mentions, model


def _fit_on_sample(
    responses: pd.DataFrame,
    size: int,
    config: AnalysisConfig,
    components: Components,
    progress: Progress,
    timings: dict[str, float],
    score_rest: RestScorer | None,
    codeframe: Codeframe | None,
) -> tuple[pd.DataFrame, pd.DataFrame, ThemeModel]:
    """:func:`_fit` on a stratified sample, then the other responses scored with the model.

    The mentions gain a ``fitted`` column (True for the sample's), which the caller drops.
    """
    dates = responses["date"] if "date" in responses else pd.Series(pd.NaT, index=responses.index)
    chosen = np.zeros(len(responses), dtype=bool)
    chosen[stratified_sample(dates, size, config.seed)] = True
    log.info("fitting the themes on %d of %d responses", size, len(responses))
    fitted, mentions, model = _fit(
        responses[chosen].copy(), config, components, progress, timings, codeframe
    )
    rest = responses[~chosen]
    parts = [(fitted, mentions.assign(fitted=True))]
    scorer = score_rest or _score_here(components)
    with _stage(progress, timings, "assign", len(rest)):
        for scored, scored_mentions in scorer(model, rest):
            parts.append((scored, scored_mentions.assign(fitted=False)))
            progress.advance(len(scored))
    out = pd.concat([p[0] for p in parts]).loc[responses.index]
    rank = pd.Series(np.arange(len(out)), index=out["response_id"].astype(str))
    all_mentions = pd.concat([p[1] for p in parts], ignore_index=True)
    keys = rank.loc[all_mentions["response_id"].astype(str)].to_numpy()
    order = np.lexsort((all_mentions["position"].to_numpy(), keys))
    return out, all_mentions.iloc[order].reset_index(drop=True), model


def _score_here(components: Components) -> RestScorer:
    """Score chunks in this process (the text stage over every CPU), as ``cxa score``."""

    def score(model: ThemeModel, rest: pd.DataFrame) -> Iterator[tuple[pd.DataFrame, pd.DataFrame]]:
        for chunk in chunks_of(rest, LOCAL_CHUNK_ROWS):
            out = chunk.copy()
            out["comment"], mentions = split_mentions(out, components.processor, n_process=-1)
            yield score_mentions(out, mentions, model, components)

    return score


def _fit_themes(
    texts: list[str],
    embedded: Embedded,
    config: AnalysisConfig,
    components: Components,
    codeframe: Codeframe | None,
) -> ThemeModel:
    """The run's theme model, fitted on the mention vectors (and the codeframe's seeds)."""
    model = ThemeModel(seed=config.seed, **_theme_options(config))
    embed = None
    if codeframe is not None and codeframe.seeds:
        embedder = components.embedder

        def embed(phrases: Sequence[str]) -> np.ndarray:
            return embedder.encode(embedding_texts(list(phrases)))

    # mentions in other languages join the themes the English ones form
    return model.fit(
        texts, embedded.embeddings, cluster_on=embedded.english, codeframe=codeframe, embed=embed
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
    progress = progress or SilentProgress()
    mentions = mentions.copy()
    texts = mentions["text"].tolist()
    embedded = embed_by_language(mentions, components, progress)
    theme_ids, confidence, extra = model.transform_with_tags(texts, embedded.embeddings)
    mentions["theme_id"] = np.asarray(theme_ids, dtype="int64")
    mentions["theme_confidence"] = np.asarray(confidence, dtype="float64")
    mentions[PRIMARY] = True
    aspects = theme_aspects(model.themes_)
    labels, scores = score_sentiment(mentions, components, embedded, aspects)
    mentions["sentiment"] = labels
    mentions["sentiment_score"] = scores
    extra_confidence = model.confidence_of(embedded.embeddings[extra[0]], extra[1])
    mentions = with_extra_themes(mentions, extra, extra_confidence, components, embedded, aspects)
    return add_response_sentiment(responses, mentions), mentions


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
    "embed_by_language",
    "embed_mentions",
    "embed_with_sentiment",
    "resolve_sentiment",
    "score_frame",
    "score_mentions",
    "score_sentiment",
    "split_frame",
    "split_mentions",
    "theme_aspects",
]
