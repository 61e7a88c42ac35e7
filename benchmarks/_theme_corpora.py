"""The corpora of benchmarks/themes.py, and the real mention pipeline with on-disk caches.

Mention corpora (MAMS, the demo export, tweets) go through :func:`analyzer.pipeline.analyze`
itself, so whatever the pipeline does (cleaning, redaction, clause splitting, text
normalisation, a no-topic bucket) is what is measured. Two caches under ``.cache/bench/``
make re-runs quick without changing any result:

- the text stage (``TextProcessor.process``), keyed by a hash of the comments, the spaCy
  model name and the source of ``analyzer/text/`` (edit the splitter and it re-runs);
- the embeddings (the project's ``CachedEmbedder``, keyed by model name and text hash).

Sentiment uses VADER here (cheap; themes do not depend on it), so MiniLM runs only for
texts the cache has not seen. Mentions in other languages take the multilingual path, as in
``cxa analyze`` (the demo export has German, Spanish, French... comments).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CACHE = ROOT / ".cache" / "bench"
N_TWEETS = 10_000


@dataclass
class Corpus:
    """One benchmark corpus: comments to analyze (or whole texts) and its gold labels."""

    name: str
    responses: pd.DataFrame  # response_id, comment
    gold: Any = None  # per corpus: labels, category sets or the demo truth


def banking77() -> Corpus:
    """banking77 test: 3,080 queries, 77 intents (40 each); fitted as whole texts."""
    frame = pd.read_csv(DATA / "banking77" / "test.csv")
    responses = pd.DataFrame({"response_id": frame.index.astype(str), "comment": frame["text"]})
    return Corpus("banking77", responses, frame["category"].to_numpy())


def mams() -> Corpus:
    """MAMS-ACSA test + validation: restaurant sentences with 2+ aspect categories each."""
    parts = [pd.read_csv(DATA / "mams_acsa" / f"{s}.csv") for s in ("test", "validation")]
    frame = pd.concat(parts, ignore_index=True)
    ids = [f"S{i:04d}" for i in range(len(frame))]
    gold = {
        rid: frozenset(a["category"] for a in json.loads(aspects))
        for rid, aspects in zip(ids, frame["aspects"], strict=True)
    }
    return Corpus("mams", pd.DataFrame({"response_id": ids, "comment": frame["text"]}), gold)


def demo() -> Corpus:
    """The demo export of ``make demo`` (3,000 rows, seed 0) and its planted truth."""
    from analyzer.demo import generate

    export, truth = generate(3000, seed=0)
    return Corpus("demo", export[["response_id", "comment"]].copy(), truth)


def _downloaded_tweets() -> pd.DataFrame:
    """Every row of every downloaded SemEval file: ``response_id, label, comment``."""
    rows = []
    for path in sorted((DATA / "semeval2017_task4a" / "downloaded").glob("*.tsv")):
        rows += [line.split("\t")[:3] for line in path.read_text("utf-8").splitlines()]
    return pd.DataFrame(rows, columns=["response_id", "label", "comment"])


def tweets() -> Corpus:
    """10,000 SemEval-2013..2016 tweets: every downloaded file, deduplicated by id, sampled."""
    frame = _downloaded_tweets()[["response_id", "comment"]]
    frame = frame.drop_duplicates("response_id").sample(N_TWEETS, random_state=0)
    return Corpus("tweets", frame.reset_index(drop=True))


def negative_tweets() -> list[str]:
    """Every downloaded SemEval tweet labelled negative (deduplicated by id), in file order:
    complaint-like messy text, fitted whole (no mention split) as a blob check."""
    frame = _downloaded_tweets()
    frame = frame[frame["label"] == "negative"].drop_duplicates("response_id")
    return frame["comment"].tolist()


def reviews() -> Corpus:
    """The 3,150 Amazon Alexa reviews as written (stars and dates are not used here)."""
    frame = pd.read_csv(DATA / "amazon_alexa_reviews" / "amazon_alexa.tsv", sep="\t")
    comments = frame["verified_reviews"].fillna("").astype(str)
    return Corpus(
        "reviews", pd.DataFrame({"response_id": frame.index.astype(str), "comment": comments})
    )


def cfpb() -> Corpus:
    """The 4,318 CFPB complaint narratives (one domain, consumer finance, long texts) with
    their gold ``Issue`` (76) and ``Product`` (13) per complaint."""
    frame = pd.read_csv(
        DATA / "cfpb_complaints" / "complaints.csv", dtype=str, keep_default_na=False
    )
    ids = frame["Complaint ID"].astype(str)
    responses = pd.DataFrame({"response_id": ids, "comment": frame["Consumer complaint narrative"]})
    gold = {"issue": frame["Issue"].to_numpy(), "product": frame["Product"].to_numpy()}
    return Corpus("cfpb", responses, gold)


CORPORA = {
    "banking77": banking77,
    "mams": mams,
    "demo": demo,
    "tweets": tweets,
    "reviews": reviews,
    "cfpb": cfpb,
}


def _source_hash(folder: str) -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "analyzer" / folder).rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _cached_processor(model: str) -> Any:
    """A ``TextProcessor`` whose ``process`` results are cached on disk (same output)."""
    from analyzer.text import ProcessedText, TextProcessor

    class CachedProcessor(TextProcessor):
        def process(self, texts: Sequence[str], **options: Any) -> list[ProcessedText]:
            key = hashlib.sha256("\x1f".join(map(str, texts)).encode()).hexdigest()[:16]
            # every field of ProcessedText is kept: without the language a cached run sent
            # the demo's German and Spanish comments down another path than a fresh run
            path = CACHE / "text" / f"{self.model}-{_source_hash('text')}-{key}-v2.json"
            if path.exists():
                cached = json.loads(path.read_text("utf-8"))
                if options.get("progress") is not None:
                    options["progress"](len(texts))
                return [ProcessedText(**fields) for fields in cached]
            out = super().process(texts, **options)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps([asdict(p) for p in out]), "utf-8")
            return out

    return CachedProcessor(model=model)


def components() -> Any:
    """Pipeline components as ``cxa analyze`` builds them (the multilingual path for
    mentions in other languages included), with a cached text stage, cached MiniLM
    embeddings and VADER sentiment."""
    from analyzer.config import AnalysisConfig
    from analyzer.embed import embedding_space, get_embedder
    from analyzer.multilingual import Multilingual
    from analyzer.pipeline import Components
    from analyzer.sentiment import get_backend

    config = AnalysisConfig()
    embedder = get_embedder(config.embedding, cache_dir=CACHE / "embeddings")
    return Components(
        processor=_cached_processor(config.spacy_model),
        embedder=embedder,
        sentiment=get_backend("vader"),
        multilingual=Multilingual.for_space(embedding_space(embedder))
        if config.multilingual
        else None,
    )


def analyze_corpus(corpus: Corpus, parts: Any) -> tuple[Any, np.ndarray]:
    """Run ``analyzer.pipeline.analyze`` on the corpus (written as a CSV export).

    Returns the ``AnalysisResult`` and the mention embeddings, shape (n_mentions, 384).
    """
    from analyzer.config import AnalysisConfig
    from analyzer.pipeline import analyze

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"{corpus.name}.csv"
        corpus.responses.to_csv(path, index=False, encoding="utf-8")
        result = analyze(path, config=AnalysisConfig(sentiment="vader", seed=0), components=parts)
    # the vectors the pipeline's themes were fitted on (mentions in other languages on the
    # multilingual path), so every model gets the same input; one row per mention
    mentions, _ = split_rows(result.mentions)
    return result, mention_vectors(mentions, parts)


def split_rows(mentions: pd.DataFrame) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray]]:
    """One row per mention (its own theme), and the other themes mentions carry as
    (positions into those rows, theme ids)."""
    if "primary" not in mentions:
        return mentions.reset_index(drop=True), (np.zeros(0, np.int64), np.zeros(0, np.int64))
    primary = mentions["primary"].fillna(True).astype(bool).to_numpy()
    own = mentions[primary].reset_index(drop=True)
    at = pd.Index(own["mention_id"]).get_indexer(mentions.loc[~primary, "mention_id"])
    extra = mentions.loc[~primary, "theme_id"].to_numpy(dtype=np.int64)
    return own, (np.asarray(at, dtype=np.int64), extra)


def mention_vectors(mentions: pd.DataFrame, parts: Any) -> np.ndarray:
    """The pipeline's vectors of ``mentions`` (``text``, ``language``): MiniLM of the topic
    text, the multilingual encoder mapped into MiniLM's space for other languages."""
    from analyzer.pipeline.embedding_pass import embed_by_language

    return np.asarray(embed_by_language(mentions, parts).embeddings, dtype=np.float32)


def embed(texts: list[str], parts: Any) -> np.ndarray:
    """MiniLM embeddings of ``texts`` as the pipeline makes them: of their topic text
    (``embedding_texts``: handles, links, placeholders... removed), through the cache.

    Returns
    -------
    ndarray of shape (len(texts), 384), float32, unit rows
    """
    from analyzer.text.normalise import embedding_texts

    if not texts:
        return np.zeros((0, parts.embedder.dim), dtype=np.float32)
    return np.asarray(parts.embedder.encode(embedding_texts(texts)), dtype=np.float32)
