"""A saved BERTopic model's topics as seed themes (``cxa analyze --seed-from-bertopic PATH``).

Every topic but the outliers (-1) becomes a seed theme of the codeframe
(:class:`analyzer.themes.SeedTheme`, the seeds an analyst adds with a name and phrases):

- its **label** is the topic's custom label (``set_topic_labels``), else its top words
  ("delivery late parcel");
- its **anchors** (the seed's phrases) are the topic's representative documents. A model saved
  with ``serialization="safetensors"`` or ``"pytorch"`` keeps none (BERTopic's ``topics.json``
  has no room for them; a pickled model keeps them), so its topics are anchored on their top
  words, as BERTopic itself builds a topic vector when it has no documents.

The analysis encodes the anchors with its own embedder, so a seed's centroid is the mean of
their vectors in the analysis' space (:func:`analyzer.themes.seeds.seed_centroid`), whatever
embedder the BERTopic model used. Anchors are redacted like comments before they are kept
(the codeframe saves them, and its history shows them).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analyzer.errors import ConfigError, InputError, ModelError

if TYPE_CHECKING:
    from analyzer.text import TextProcessor
    from analyzer.themes import Codeframe

__all__ = ["TopicSeed", "codeframe_from_bertopic", "read_bertopic_topics", "seed_codeframe"]

MAX_LABEL = 80
"""Longest theme label (as for a rename)."""
Redact = Callable[[list[str]], list[str]]


@dataclass(frozen=True)
class TopicSeed:
    """One BERTopic topic as a seed theme.

    Attributes
    ----------
    topic : int
        The topic's id in the BERTopic model.
    label : str
        Its custom label, else its top words.
    anchors : list of str
        Its representative documents, else its top words.
    anchored_on : str
        ``"representative documents"`` or ``"top words"``.
    """

    topic: int
    label: str
    anchors: list[str]
    anchored_on: str


def load_bertopic(path: str | Path) -> Any:
    """``BERTopic.load(path)``: a folder saved with safetensors / pytorch, or a pickle file.

    The model hub stays off (``HF_HUB_OFFLINE``, unless set otherwise): a folder whose config
    names a hub model instead of a local folder loads without its embedding model, which
    seeding does not need. Only load a pickle file you trust: unpickling runs its code.

    Raises
    ------
    ConfigError
        Nothing at ``path``.
    ModelError
        BERTopic cannot read it.
    """
    path = Path(path)
    if not path.exists():
        raise ConfigError(
            f"No BERTopic model at {path}. Pass the folder written by BERTopic's "
            "save(DIR, serialization='safetensors') or by 'cxa themes export-bertopic', or a "
            "file written by save(FILE) (pickle)."
        )
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from bertopic import BERTopic

    try:
        return BERTopic.load(str(path))
    except Exception as exc:  # BERTopic raises whatever its readers raise
        raise ModelError(
            f"Cannot read the BERTopic model at {path} ({type(exc).__name__}: {exc}). Expected "
            "a folder with topics.json, config.json and topic_embeddings.safetensors, or a "
            "pickled BERTopic model saved with the same BERTopic version."
        ) from exc


def _top_words(model: Any, topic: int, n: int) -> list[str]:
    """The topic's first ``n`` words that are not only stop words ("the", "for my")."""
    from analyzer.themes.labels import STOP_WORDS, tokens

    words = [str(w) for w, _ in model.get_topic(topic) or []]
    return [w for w in words if any(t not in STOP_WORDS for t in tokens(w))][:n]


def _label(custom: Any, words: list[str], where: str) -> str:
    from analyzer.loop.curation import check_text

    label = " ".join(str(custom).split()) if isinstance(custom, str) else ""
    label = label or " ".join(words[:3])
    try:
        check_text(label, "label")
    except ConfigError as exc:
        raise InputError(f"{where}: {exc}") from exc
    if len(label) > MAX_LABEL:  # keep whole words
        label = label[: MAX_LABEL + 1].rsplit(" ", 1)[0][:MAX_LABEL]
    return label


def read_bertopic_topics(path: str | Path, *, n_words: int = 10) -> list[TopicSeed]:
    """The topics of the BERTopic model at ``path`` as seeds, in topic order (-1 left out).

    Parameters
    ----------
    path : str or Path
        See :func:`load_bertopic`.
    n_words : int
        Top words that anchor a topic without representative documents.

    Raises
    ------
    InputError
        The model has no topic besides the outliers, or a custom label holds a control
        character (it would disguise the label where it is shown).
    """
    model = load_bertopic(path)
    info = model.get_topic_info()
    seeds: list[TopicSeed] = []
    for row in info[info["Topic"] != -1].to_dict("records"):
        topic = int(row["Topic"])
        words = _top_words(model, topic, n_words)
        docs = [" ".join(str(d).split()) for d in model.get_representative_docs(topic) or []]
        docs = list(dict.fromkeys(d for d in docs if d))
        anchors, on = (docs, "representative documents") if docs else (words, "top words")
        if not anchors:
            continue  # no document and no word: nothing to anchor a seed on
        # set_topic_labels gives the topics it was not told about their default name
        custom = row.get("CustomName") if row.get("CustomName") != row.get("Name") else None
        label = _label(custom, words, f"BERTopic model {path}, topic {topic}")
        if label:
            seeds.append(TopicSeed(topic=topic, label=label, anchors=anchors, anchored_on=on))
    if not seeds:
        raise InputError(
            f"The BERTopic model at {path} has no topic to seed (only outliers, or topics "
            "without words or documents); fit it on more documents first."
        )
    return seeds


def seed_codeframe(seeds: Sequence[TopicSeed], redact: Redact | None = None) -> Codeframe:
    """A codeframe asking for one seed theme per topic: its label, its (redacted) anchors."""
    from analyzer.themes import Codeframe

    frame = Codeframe()
    for seed in seeds:
        frame.add_seed(seed.label, redact(seed.anchors) if redact else list(seed.anchors))
    return frame


def codeframe_from_bertopic(
    path: str | Path, processor: TextProcessor
) -> tuple[Codeframe, list[TopicSeed]]:
    """The seeds of the BERTopic model at ``path`` as a codeframe for ``analyze``.

    ``processor`` redacts the anchors as the analysis redacts comments.
    """
    seeds = read_bertopic_topics(path)

    def redact(texts: list[str]) -> list[str]:
        return [p.redacted for p in processor.process(texts)]

    return seed_codeframe(seeds, redact), seeds
