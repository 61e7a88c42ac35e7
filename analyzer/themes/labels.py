"""What a theme is called: c-TF-IDF keywords, a short label and representative mentions.

- Keywords: class-based TF-IDF over the mentions of each theme, the formula of BERTopic's
  ``ClassTfidfTransformer`` (computed here so that labelling never imports BERTopic, whose
  import pulls in UMAP and numba).
- Label: the best 2-4 word phrase found in the theme's mentions, scored by how many of its
  mentions contain it (coverage), how much of the phrase's use falls in this theme
  (specificity) and how central those mentions are (cosine to the theme centroid, a
  KeyBERT-style check without embedding the phrase). The few best are POS-tagged with spaCy
  (loaded lazily) to prefer noun phrases ("late delivery" over "delivery took"); without
  spaCy the statistics alone decide.
- Examples: maximal marginal relevance around the centroid: typical and different.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from analyzer.text.normalise import CHAT_WORDS, english_stop_words

log = logging.getLogger(__name__)

__all__ = [
    "class_tfidf",
    "examples_mmr",
    "keywords",
    "labels_for",
    "load_tagger",
    "noun_ending",
    "parent_terms",
]

_TOKEN = re.compile(r"[a-z][a-z'\u2019]*[a-z]|[a-z]")
_EXTRA_STOP = {"im", "ive", "dont", "didnt", "doesnt", "cant", "wont", "isnt", "wasnt", "got"}
_EXTRA_STOP |= {"really", "just", "also", "like", "get", "did", "does", "thing", "things"}
_EXTRA_STOP |= {"whats", "thats", "theres", "youre", "theyre", "ill", "id", "youve", "weve"}
_EXTRA_STOP |= {"havent", "hasnt", "arent", "werent", "couldnt", "wouldnt", "shouldnt", "lets"}
_EXTRA_STOP |= {"ll", "ve"}  # what the keyword tokenizer leaves of "I'll", "we've"
STOP_WORDS = english_stop_words() | _EXTRA_STOP | CHAT_WORDS
# Words that say when or how, not what: a label made only of them ("weeks ago") says
# nothing, and one ending in them ("atm today", "took ages") reads as a fragment.
_WHEN = {"ago", "today", "yesterday", "tonight", "tomorrow", "now", "night", "morning"}
_WHEN |= {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
_WHEN |= {"going", "came", "come", "said", "told", "took", "take", "right", "able", "feel"}
_WHEN |= {"ages", "second", "following", "week", "weeks", "month", "months", "year", "years"}
_WHEN |= {"hour", "hours", "minute", "minutes", "days", "anymore", "instead", "gave", "tell"}
_GENERIC = frozenset(_WHEN | {"time", "times", "day"})
_WEAK_END = frozenset(_WHEN)
_NOUNS = {"NOUN", "PROPN"}
_LENGTH_WEIGHT = {2: 1.0, 3: 0.9, 4: 0.75}


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (letters and inner apostrophes, straight or curly),
    apostrophes dropped: "Nicki’s" is "nickis", never "nicki" and a stray "s"."""
    return [t.replace("'", "").replace("\u2019", "") for t in _TOKEN.findall(text.lower())]


def _keyword_tokens(text: str) -> list[str]:
    """Words of 2+ letters as :func:`tokens` reads them: "c'mon" is "cmon" (a chat word),
    not "mon"; "I'll" is "ill", not "ll"."""
    return [t for t in tokens(text) if len(t) > 1]


def class_tfidf(docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """c-TF-IDF of one concatenated document per class (BERTopic's formula, no BM25).

    Returns
    -------
    weights : ndarray of shape (k, vocabulary size)
    vocabulary : ndarray of shape (vocabulary size,), str; unigrams and bigrams
    """
    vectorizer = CountVectorizer(
        ngram_range=(1, 2),
        stop_words=sorted(STOP_WORDS),
        tokenizer=_keyword_tokens,
        token_pattern=None,
    )
    try:
        counts = vectorizer.fit_transform(docs).toarray().astype(np.float64)
    except ValueError:  # empty vocabulary: only stop words or no text at all
        return np.zeros((len(docs), 0)), np.array([], dtype=str)
    tf = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1.0)
    avg_words = counts.sum() / max(len(docs), 1)
    idf = np.log(1.0 + avg_words / np.maximum(counts.sum(axis=0), 1.0))
    return tf * idf, vectorizer.get_feature_names_out()


def keywords(weights: np.ndarray, vocabulary: np.ndarray, n: int) -> list[list[str]]:
    """Top ``n`` terms per row of ``weights``, skipping terms whose words are all taken."""
    out = []
    for row in weights:
        chosen: list[str] = []
        covered: set[str] = set()
        for j in np.argsort(-row, kind="stable"):
            if row[j] <= 0 or len(chosen) == n:
                break
            words = set(str(vocabulary[j]).split())
            if words <= covered:
                continue
            chosen.append(str(vocabulary[j]))
            covered |= words
        out.append(chosen)
    return out


def _phrases(toks: list[str]) -> set[str]:
    """2-4 word n-grams that neither start nor end with a stop word."""
    out = set()
    for size in (2, 3, 4):
        for i in range(len(toks) - size + 1):
            gram = toks[i : i + size]
            if gram[0] not in STOP_WORDS and gram[-1] not in STOP_WORDS:
                out.add(" ".join(gram))
    return out


def _candidate_scores(
    member_phrases: list[set[str]],
    doc_freq: Counter[str],
    centrality: np.ndarray,
) -> dict[str, float]:
    """Score every phrase of one theme: coverage x specificity x centrality x length."""
    in_theme: Counter[str] = Counter()
    central: dict[str, float] = {}
    for phrases, cos in zip(member_phrases, centrality, strict=True):
        for p in phrases:
            in_theme[p] += 1
            central[p] = central.get(p, 0.0) + float(cos)
    size = float(max(len(member_phrases), 1))
    min_count = 2 if len(member_phrases) >= 4 else 1
    scores = {}
    for p, c in in_theme.items():
        if c < min_count:
            continue
        coverage, specificity = c / size, c / doc_freq[p]
        mean_central = max(central[p] / c, 0.0)
        words = p.split()
        if all(w in _GENERIC for w in words):
            continue
        # "late delivery" reads better than "delivery of the parcel": inner stop words cost
        inner_stop = sum(w in STOP_WORDS for w in words[1:-1])
        weight = _LENGTH_WEIGHT[len(words)] * 0.6**inner_stop
        weight *= (0.3 if words[-1] in _WEAK_END else 1.0) * (0.6 if words[0] in _WHEN else 1.0)
        scores[p] = coverage * specificity * (0.5 + mean_central) * weight
    return scores


@lru_cache(maxsize=4)
def load_tagger(name: str | None) -> Any:
    """Load a spaCy pipeline for POS tags only, or return None (and log why) if it can't."""
    if not name or name == "blank":
        return None
    try:
        import spacy

        return spacy.load(name, disable=["parser", "ner", "lemmatizer"])
    except (ImportError, OSError) as exc:
        log.warning("spaCy model %r not available (%s); labels use statistics only", name, exc)
        return None


def _noun_weights(phrases: list[str], tagger: Any) -> dict[str, float]:
    """Prefer phrases that end in a noun; penalise ones that end in a verb."""
    if tagger is None or not phrases:
        return {}
    out = {}
    for phrase, doc in zip(phrases, tagger.pipe(phrases, batch_size=256), strict=True):
        last = doc[-1] if len(doc) else None
        nouns = sum(t.pos_ in _NOUNS for t in doc)
        if last is None or last.pos_ not in _NOUNS | {"VERB", "AUX", "ADV"}:
            weight = 1.0
        elif last.pos_ == "ADV":  # "prices anymore", "fast ordered"
            weight = 0.5
        elif last.pos_ in _NOUNS:
            weight = 1.5
        else:  # "payment declined" names a theme, "tried to buy" does not
            weight = 1.0 if nouns and last.tag_ in {"VBN", "VBD"} else 0.4
        if doc[0].pos_ == "ADV":  # "quickly the order"
            weight *= 0.5
        out[phrase] = weight * (1.0 + 0.1 * min(nouns, 2))
    return out


def noun_ending(terms: list[str], tagger: Any) -> dict[str, bool]:
    """Whether each short term ends in a noun (empty without a tagger: callers accept all)."""
    if tagger is None or not terms:
        return {}
    docs = tagger.pipe(terms, batch_size=256)
    return {t: bool(len(d)) and d[-1].pos_ in _NOUNS for t, d in zip(terms, docs, strict=True)}


def parent_terms(
    texts: Sequence[str],
    weights: np.ndarray,
    vocabulary: np.ndarray,
    children: Sequence[Sequence[np.ndarray]],
    *,
    top: int = 30,
    min_use: float = 0.15,
) -> list[list[tuple[str, float]]]:
    """Candidate parent labels, best first, with their scores.

    For parent ``p`` (row ``p`` of the c-TF-IDF ``weights``; ``children[p]`` holds the
    mention indices of each child theme), each of its ``top`` terms scores
    ``weight * (0.25 + share) * (1.2 for two words)``, where ``share`` is the fraction of
    child themes in which at least ``min_use`` of the mentions contain all the term's words.
    """
    token_sets: dict[int, set[str]] = {}

    def words_of(i: int) -> set[str]:
        if i not in token_sets:
            token_sets[i] = set(tokens(texts[i]))
        return token_sets[i]

    out = []
    for row, kids in zip(weights, children, strict=True):
        scored = []
        for j in np.argsort(-row, kind="stable")[:top]:
            if row[j] <= 0:
                break
            term = str(vocabulary[j])
            words = set(term.split())
            if words <= _GENERIC or len(words) < len(term.split()):  # "card card"
                continue
            share = np.mean(
                [np.mean([words <= words_of(int(i)) for i in kid]) >= min_use for kid in kids]
            )
            scored.append((term, float(row[j] * (0.25 + share) * (1.2 if len(words) > 1 else 1.0))))
        scored.sort(key=lambda ts: (-ts[1], ts[0]))
        out.append(scored)
    return out


def _wordless_label(texts: Sequence[str]) -> str:
    """What to call a theme whose mentions hold no word: "emoji only" when most of them
    carry a pictographic symbol (Unicode category So, e.g. 😞 👍 ⭐), else "no words"."""
    import unicodedata

    symbolic = sum(any(unicodedata.category(c) == "So" for c in t) for t in texts)
    return "emoji only" if texts and symbolic * 2 >= len(texts) else "no words"


def _fallback_label(words: list[str], used: set[str], wordless: str = "no words") -> str:
    """A label from the theme's keywords when none of its phrases repeats: a keyword
    bigram, else two or three keywords, first one not already taken; ``wordless`` (numbered
    if taken) when the theme has no keyword at all."""
    content = [w for w in words if not set(w.split()) <= _GENERIC]
    unigrams = [w for w in content if " " not in w]
    bigrams = [w for w in content if w.count(" ") == 1]
    pairs = [f"{a} {b}" for i, a in enumerate(unigrams) for b in unigrams[i + 1 :]]
    triples = [" ".join(unigrams[i : i + 3]) for i in range(max(len(unigrams) - 2, 0))]
    for option in [*bigrams, *pairs, *triples]:
        if option not in used:
            return option
    if not words:  # the theme's mentions hold no content word at all
        return wordless if wordless not in used else f"{wordless} {len(used)}"
    return " ".join([*words[:2], str(len(used))][:4])


def labels_for(
    texts: Sequence[str],
    embeddings: np.ndarray,
    groups: Sequence[np.ndarray],
    centroids: np.ndarray,
    theme_keywords: Sequence[list[str]],
    *,
    tagger: Any = None,
    n_tagged: int = 8,
) -> list[str]:
    """Choose one distinct 2-4 word label per group of mentions.

    Parameters
    ----------
    texts : sequence of str, length n
    embeddings : ndarray of shape (n, dim), unit rows
    groups : sequence of k index arrays into ``texts``
    centroids : ndarray of shape (k, dim), unit rows
    theme_keywords : k keyword lists, used when no phrase repeats inside a group
    tagger : spaCy pipeline with a tagger, or None
    """
    all_phrases = [_phrases(tokens(t)) for t in texts]
    doc_freq: Counter[str] = Counter(p for ps in all_phrases for p in ps)
    ranked = []
    for members, centroid in zip(groups, centroids, strict=True):
        centrality = embeddings[members] @ centroid
        scores = _candidate_scores([all_phrases[i] for i in members], doc_freq, centrality)
        ranked.append(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:n_tagged])
    weights = _noun_weights(sorted({p for r in ranked for p, _ in r}), tagger)
    used: set[str] = set()
    labels = []
    for options, words, members in zip(ranked, theme_keywords, groups, strict=True):
        # a phrase that is also a c-TF-IDF keyword of the theme is frequent *and* specific
        boost = {w: 1.5 for w in words if " " in w}
        rescored = sorted(((-s * weights.get(p, 1.0) * boost.get(p, 1.0), p) for p, s in options))
        label = next((p for _, p in rescored if p not in used), None)
        if label is None:
            wordless = _wordless_label([texts[i] for i in members]) if not words else ""
            label = _fallback_label(list(words), used, wordless)
        used.add(label)
        labels.append(label)
    return labels


def examples_mmr(
    texts: Sequence[str],
    embeddings: np.ndarray,
    members: np.ndarray,
    centroid: np.ndarray,
    *,
    n: int = 3,
    diversity: float = 0.4,
    pool: int = 50,
) -> list[str]:
    """Pick ``n`` mentions that are typical of a theme and different from each other.

    Maximal marginal relevance: start from the mention closest to the centroid, then add
    the one maximising ``(1 - diversity) * cos(centroid) - diversity * max cos(chosen)``,
    among the ``pool`` most central distinct texts.
    """
    if len(members) == 0:
        return []
    order = members[np.argsort(-(embeddings[members] @ centroid), kind="stable")]
    seen: set[str] = set()
    candidates = []
    for i in order:
        key = " ".join(tokens(texts[i])) or texts[i].strip().lower()
        if key not in seen:
            seen.add(key)
            candidates.append(int(i))
        if len(candidates) == pool:
            break
    vecs = embeddings[candidates]
    relevance = vecs @ centroid
    chosen = [0]
    while len(chosen) < min(n, len(candidates)):
        redundancy = (vecs @ vecs[chosen].T).max(axis=1)
        score = (1 - diversity) * relevance - diversity * redundancy
        score[chosen] = -np.inf
        chosen.append(int(np.argmax(score)))
    return [texts[candidates[j]] for j in chosen]
