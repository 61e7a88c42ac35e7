"""A run's themes as a fitted BERTopic model: :func:`to_bertopic` and :func:`export_bertopic`.

BERTopic's manual topic modelling fits a model on given labels without clustering again
(``BaseDimensionalityReduction``, ``BaseCluster``, ``fit_transform(docs, embeddings, y=...)``);
the model then has BERTopic's c-TF-IDF words, topic vectors and representative documents, and
``get_topic_info()``, ``visualize_barchart()``, ``visualize_hierarchy()`` and
``topics_over_time()`` work on it.

What the documents and topics are:

- **Topics are our themes, with our ids.** BERTopic needs topic ids ``0..K-1`` (it indexes its
  c-TF-IDF rows, topic vectors and custom labels by id), so topic = rank of the theme id
  among the exported themes. That *is* the theme id whenever the ids have no gap, as in
  every run fresh from ``cxa analyze``; after codeframe merges or splits (or with a theme left
  without mentions) the ranks keep the ids' order and :attr:`BERTopicRun.topics` (and
  ``cxa_export.json``) map one to the other. BERTopic would also renumber topics by size;
  it is told not to (see :func:`_fit`).
- **Custom labels are our labels** (``set_topic_labels``); the outlier topic is "unassigned".
- **Outliers (-1) are the unassigned mentions**: they name something but fit no theme.
- **"No specific topic" mentions (theme -2: "thanks", a lone emoji) are left out**: they name
  nothing, are never clustered or ranked, and would only blur the outlier topic's words.
  Their number is kept (:attr:`BERTopicRun.no_topic`).
- **A mention that carries several themes is one document per theme** (its primary row and
  its extra rows, ``primary`` False, in the mentions table, :mod:`analyzer.tables`; a table
  without that column has only primary rows). Per-theme figures count every row, so the
  topic sizes, each topic's c-TF-IDF words and ``topics_over_time`` frequencies equal the
  run's per-theme figures (the themes table's ``size`` counts a theme's own, primary
  mentions: a theme that other mentions also name has that many more documents here,
  :attr:`BERTopicRun.topics` shows both). The strongest theme alone would shrink every
  secondary theme and drop its words. The cost: BERTopic sees such a mention twice
  (``documents`` keeps ``mention_id`` and ``primary`` to tell them apart), and its
  ``transform`` of new text still gives one topic.
- **The embedding model is the run's embedder** (the disk cache reads the vectors the run
  stored); a saved export records the local model folder, so ``BERTopic.load`` needs no hub.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analyzer.errors import InputError
from analyzer.pipeline.runs import RunEmbedder, run_embedder
from analyzer.tables import PRIMARY, primary_rows

if TYPE_CHECKING:
    from analyzer.embed import Embedder
    from analyzer.store import RunData

__all__ = [
    "DOCUMENTS_FILE",
    "OUTLIER_LABEL",
    "SIDECAR_FILE",
    "BERTopicRun",
    "bertopic_rows",
    "export_bertopic",
    "mention_vectors",
    "primary_mask",
    "to_bertopic",
    "topic_numbers",
]

OUTLIER_LABEL = "unassigned"
"""Custom label of BERTopic's outlier topic (-1): the run's unassigned mentions."""
DOCUMENTS_FILE = "documents.parquet"
SIDECAR_FILE = "cxa_export.json"
_DOC_COLUMNS = ["mention_id", "response_id", "theme_id", "topic", "primary", "text", "date"]


@dataclass
class BERTopicRun:
    """A run's themes as a fitted BERTopic model, with the documents it was fitted on.

    Attributes
    ----------
    model : bertopic.BERTopic
        Fitted; ``model.topics_`` is the topic of each row of ``documents``.
    documents : pandas.DataFrame
        One row per BERTopic document: ``mention_id, response_id, theme_id, topic, primary,
        text, date`` (the response's date; NaT when it has none).
    topics : pandas.DataFrame
        ``topic, theme_id, label, size, own``: one row per topic, the outliers (-1)
        included; ``size`` its documents (every row of the theme), ``own`` those that are
        their mention's primary row (the themes table's ``size``).
    run_id : str
    embedding : RunEmbedder
        The run's embedder (``key`` for :func:`analyzer.embed.get_embedder`).
    no_topic : int
        Mentions with no specific topic (theme -2), left out.
    empty_themes : list of int
        Themes of the run without a mention (a seed that drew none): BERTopic has no
        topic without documents.
    """

    model: Any
    documents: pd.DataFrame
    topics: pd.DataFrame
    run_id: str
    embedding: RunEmbedder
    no_topic: int = 0
    empty_themes: list[int] = field(default_factory=list)

    @property
    def docs(self) -> list[str]:
        """The documents' texts, as BERTopic's methods take them."""
        return self.documents["text"].astype(str).tolist()

    @property
    def renumbered(self) -> bool:
        """Whether some topic differs from its theme id (the ids had gaps)."""
        rows = self.topics[self.topics["topic"] >= 0]
        return bool((rows["topic"] != rows["theme_id"]).any())

    def over_time(self, **options: Any) -> pd.DataFrame:
        """BERTopic's ``topics_over_time`` on the documents that have a date.

        ``options`` go to it (``nr_bins=12``, ``evolution_tuning``, ...).
        """
        dated = self.documents[self.documents["date"].notna()]
        if dated.empty:
            raise InputError(
                f"Run {self.run_id!r} has no dated response, so it has no topics over time; "
                "analyze the export with its date column (--date COLUMN)."
            )
        if set(dated["topic"]) != set(self.documents["topic"]):
            # BERTopic picks the global c-TF-IDF rows by rank among the topics it is given:
            # with a topic missing from the dated rows, those rows would be the wrong ones.
            options.setdefault("global_tuning", False)
        return self.model.topics_over_time(
            dated["text"].astype(str).tolist(),
            dated["date"].tolist(),
            topics=dated["topic"].astype(int).tolist(),
            **options,
        )


def primary_mask(mentions: pd.DataFrame) -> np.ndarray:
    """Boolean per row: is it the mention's primary row? Every row is without a ``primary``
    column (a table written before mentions carried several themes), and where it is NA."""
    if PRIMARY not in mentions:
        return np.ones(len(mentions), dtype=bool)
    return mentions[PRIMARY].astype("boolean").fillna(True).to_numpy(dtype=bool)


def bertopic_rows(mentions: pd.DataFrame) -> pd.DataFrame:
    """The mention rows that become BERTopic documents, in table order.

    Every row with a theme (primary or extra), and the primary row of each unassigned
    mention; no-topic rows (-2) are left out. Works with and without a ``primary`` column
    (without it every row is primary). Adds ``primary`` (bool) and keeps the position of each
    row in ``mentions`` as ``at``.
    """
    out = mentions.reset_index(drop=True)
    out = out.assign(at=np.arange(len(out)), primary=primary_mask(out))
    ids = out["theme_id"].astype("int64")
    keep = (ids >= 0) | ((ids == -1) & out["primary"])
    return out[keep].reset_index(drop=True)


def topic_numbers(theme_ids: Any) -> dict[int, int]:
    """Theme id -> BERTopic topic: rank among ``theme_ids`` (>= 0); -1 stays -1.

    The identity when the ids are ``0..K-1``.
    """
    ids = sorted({int(t) for t in theme_ids if int(t) >= 0})
    return {-1: -1, **{t: i for i, t in enumerate(ids)}}


def mention_vectors(mentions: pd.DataFrame, meta: dict[str, Any], embedder: Embedder) -> np.ndarray:
    """The run's vectors of ``mentions`` (shape (n, dim)) as its embed stage made them.

    The pipeline's own embed stage (:func:`analyzer.pipeline.embed_by_language`): the topic
    text through the run's embedder (its disk cache returns the stored vectors), and
    mentions in another supported language through the multilingual encoder mapped into
    the same space when the run used that path.
    """
    from analyzer.embed import embedding_space
    from analyzer.pipeline.components import Components
    from analyzer.pipeline.embedding_pass import embed_by_language
    from analyzer.sentiment import get_backend
    from analyzer.text import TextProcessor

    multilingual = None
    if (meta.get("config") or {}).get("multilingual", True) and "language" in mentions:
        from analyzer.multilingual import Multilingual, is_foreign

        if is_foreign(mentions["language"].to_numpy()).any():
            multilingual = Multilingual.for_space(embedding_space(embedder))
    stage = Components(  # only the embedder and the multilingual path are used
        processor=TextProcessor(model="blank"),
        embedder=embedder,
        sentiment=get_backend("vader"),
        multilingual=multilingual,
    )
    return np.asarray(embed_by_language(mentions, stage).embeddings, dtype=np.float32)


def _run_embedder(run: RunData, given: Embedder | None) -> tuple[RunEmbedder, Embedder]:
    """What the run recorded, and ``given`` or the embedder it names (with the run's cache)."""
    from analyzer.config import cache_dir
    from analyzer.embed import get_embedder

    fitted = run_embedder(run.meta)
    if given is not None:
        return fitted, given
    use_cache = (run.meta.get("config") or {}).get("use_cache", True)
    folder = cache_dir() / "embeddings" if use_cache else None
    return fitted, get_embedder(fitted.key, cache_dir=folder)


def _documents(run: RunData, rows: pd.DataFrame, numbers: dict[int, int]) -> pd.DataFrame:
    dates = run.responses.set_index(run.responses["response_id"].astype(str))["date"]
    out = rows.assign(
        theme_id=rows["theme_id"].astype("int64"),
        topic=rows["theme_id"].astype("int64").map(numbers).astype("int64"),
        date=pd.to_datetime(rows["response_id"].astype(str).map(dates)),
    )
    return out[_DOC_COLUMNS].reset_index(drop=True)


def _topics_table(run: RunData, documents: pd.DataFrame, numbers: dict[int, int]) -> pd.DataFrame:
    labels = dict(zip(run.themes["theme_id"].astype(int), run.themes["label"], strict=True))
    labels[-1] = OUTLIER_LABEL
    sizes = documents["theme_id"].value_counts()
    own = documents.loc[documents["primary"], "theme_id"].value_counts()
    rows = [
        (numbers[t], t, str(labels.get(t, f"theme {t}")), int(sizes[t]), int(own.get(t, 0)))
        for t in sorted(int(t) for t in sizes.index)
    ]
    return pd.DataFrame(rows, columns=["topic", "theme_id", "label", "size", "own"])


def to_bertopic(
    run: RunData,
    *,
    embeddings: np.ndarray | None = None,
    embedder: Embedder | None = None,
) -> BERTopicRun:
    """The run's themes as a fitted BERTopic model (see the module docstring).

    Parameters
    ----------
    run : RunData
        A finished run (``Store(path).load_run(run_id)``).
    embeddings : ndarray of shape (n_mentions, dim), optional
        The run's mention vectors in ``run.mentions`` order; by default they come from the
        run's embedder (its disk cache holds them).
    embedder : Embedder, optional
        The run's embedder, when the caller has it loaded; by default the one the run
        recorded (:func:`analyzer.pipeline.runs.run_embedder`).

    Raises
    ------
    InputError
        The run has no mention with a theme, or ``embeddings`` has the wrong shape.
    """
    rows = bertopic_rows(run.mentions)
    if not (rows["theme_id"] >= 0).any():
        raise InputError(
            f"Run {run.run_id!r} has no mention with a theme, so there is nothing for BERTopic "
            "to show; analyze an export with more comments."
        )
    fitted, embedder = _run_embedder(run, embedder)
    if embeddings is None:
        unique = rows.drop_duplicates("mention_id")
        vectors = mention_vectors(unique, run.meta, embedder)
        x = vectors[pd.Index(unique["mention_id"]).get_indexer(rows["mention_id"])]
    else:
        if len(embeddings) != len(run.mentions):
            raise InputError(
                f"embeddings has {len(embeddings)} rows but run {run.run_id!r} has "
                f"{len(run.mentions)} mentions; pass one vector per row of run.mentions."
            )
        x = np.asarray(embeddings, dtype=np.float32)[rows["at"].to_numpy()]
    numbers = topic_numbers(rows["theme_id"])
    documents = _documents(run, rows, numbers)
    topics = _topics_table(run, documents, numbers)
    model = _fit(documents, x, topics, run, embedder, fitted)
    present = set(documents["theme_id"])
    return BERTopicRun(
        model=model,
        documents=documents,
        topics=topics,
        run_id=run.run_id,
        embedding=fitted,
        no_topic=int(primary_rows(run.mentions)["theme_id"].eq(-2).sum()),
        empty_themes=sorted(int(t) for t in run.themes["theme_id"] if int(t) not in present),
    )


def _fit(
    documents: pd.DataFrame,
    x: np.ndarray,
    topics: pd.DataFrame,
    run: RunData,
    embedder: Embedder,
    fitted: RunEmbedder,
) -> Any:
    from bertopic import BERTopic
    from bertopic.cluster import BaseCluster
    from bertopic.dimensionality import BaseDimensionalityReduction
    from sklearn.feature_extraction.text import CountVectorizer

    from analyzer.interop._backend import RunEmbedding, model_folder
    from analyzer.themes.labels import STOP_WORDS

    model = BERTopic(
        umap_model=BaseDimensionalityReduction(),
        hdbscan_model=BaseCluster(),
        # the words of our theme keywords: unigrams and bigrams, our stop list
        vectorizer_model=CountVectorizer(ngram_range=(1, 2), stop_words=sorted(STOP_WORDS)),
        # Any nr_topics skips BERTopic's renumbering of topics by size (and its tie order);
        # one at least the number of topics reduces nothing. Without an embedding model
        # during the fit, BERTopic keeps the topic vectors it computed from the documents'
        # embeddings (with one, its no-op reduction would recompute them from keyword
        # embeddings).
        nr_topics=len(topics),
    )
    try:
        model.fit_transform(
            documents["text"].astype(str).tolist(), x, y=documents["topic"].to_numpy()
        )
    except ValueError as exc:  # e.g. "empty vocabulary": the mentions hold only stop words
        raise InputError(
            f"BERTopic cannot describe the themes of run {run.run_id!r}: {exc}"
        ) from exc
    model.nr_topics = None
    model.set_topic_labels(dict(zip(topics["topic"], topics["label"], strict=True)))
    examples = dict(zip(run.themes["theme_id"].astype(int), run.themes["examples"], strict=True))
    for topic, theme in zip(topics["topic"], topics["theme_id"], strict=True):
        ours = [str(e) for e in examples.get(int(theme), [])]  # the report's verbatims
        if ours:
            model.representative_docs_[int(topic)] = ours
    model.embedding_model = RunEmbedding(embedder, model_folder(fitted.key, fitted.space))
    return model


def export_bertopic(run: RunData, out: str | Path, **options: Any) -> tuple[Path, BERTopicRun]:
    """Save the run's themes as a BERTopic model folder; return the folder and the export.

    The folder holds what ``BERTopic.save(out, serialization="safetensors", save_ctfidf=True,
    save_embedding_model=FOLDER)`` writes (FOLDER: the run's local model folder, when it has
    one), plus ``documents.parquet`` (the documents, for ``topics_over_time`` after
    ``BERTopic.load``) and ``cxa_export.json`` (run, embedder, topic <-> theme id, what was
    left out). It is written beside ``out`` and swapped in whole. ``options`` go to
    :func:`to_bertopic`.
    """
    from analyzer.interop._backend import model_folder
    from analyzer.store.atomic import replacing_dir

    export = to_bertopic(run, **options)
    folder = model_folder(export.embedding.key, export.embedding.space)
    out = Path(out)
    with replacing_dir(out) as staging:
        export.model.save(
            staging,
            serialization="safetensors",
            save_ctfidf=True,  # topics_over_time and visualize_hierarchy read it
            save_embedding_model=folder or False,
        )
        export.documents.to_parquet(staging / DOCUMENTS_FILE, index=False)
        (staging / SIDECAR_FILE).write_text(
            json.dumps(_sidecar(export, folder), indent=1, ensure_ascii=False) + "\n", "utf-8"
        )
    return out, export


def _sidecar(export: BERTopicRun, folder: str | None) -> dict[str, Any]:
    return {
        "run_id": export.run_id,
        "embedding": {
            "key": export.embedding.key,
            "space": export.embedding.space,
            "model_folder": folder,
        },
        "documents": "one per theme a mention carries (primary and extra rows); "
        "unassigned mentions are topic -1; no-specific-topic mentions are left out",
        "topics": export.topics.to_dict("records"),
        "no_specific_topic": export.no_topic,
        "empty_themes": export.empty_themes,
    }
