"""Build the ``themes`` table for a set of theme members: keywords, labels, examples, parents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analyzer.themes.hierarchy import parent_groups
from analyzer.themes.hygiene import CorpusWords, corpus_words, label_problems
from analyzer.themes.labels import (
    class_tfidf,
    examples_mmr,
    keywords,
    labels_for,
    noun_ending,
    parent_terms,
)
from analyzer.themes.persist import themes_frame
from analyzer.themes.phrases import (
    Candidate,
    choose_category_nouns,
    choose_labels,
    mention_candidates,
    sample_members,
)

__all__ = ["LABEL_MIN_COVERAGE", "describe_themes"]

# A label names what at least this share of the theme's (sampled) mentions say. Without
# it a diffuse theme took the one phrase no other theme used, however rare: Alexa reviews
# gave "wife hates" to 85 mentions of family members loving the device (3% said it),
# "secretary living" to mentions of using it at home; with it "wife" and "home".
LABEL_MIN_COVERAGE = 0.08


def _parent_label(label: str) -> str:
    return label[:1].upper() + label[1:]


def describe_themes(
    texts: Sequence[str] | list[str],
    embeddings: np.ndarray,
    rows: np.ndarray,
    centroids: np.ndarray,
    theme_ids: np.ndarray,
    *,
    fixed_labels: dict[int, str],
    n_keywords: int,
    n_examples: int,
    n_parents: int | None,
    tagger: Any,
    written: Sequence[str] | None = None,
    kinds: Sequence[str] | None = None,
    claims: tuple[np.ndarray, np.ndarray] | None = None,
    parses: dict[int, list[Candidate]] | None = None,
) -> pd.DataFrame:
    """The raw (unedited) themes table, one row per centroid, in centroid order.

    Parameters
    ----------
    texts : sequence of str, length n
        What labels and keywords are made of (topic texts: no handles, links, emoji).
    written : sequence of str, length n, optional
        The mentions as stored (redacted), shown as examples; they also tell which bare
        words of a theme come from redaction ("email" where "[EMAIL]" stood), which never
        become a keyword or a label. Defaults to ``texts``.
    embeddings : ndarray of shape (n, dim), unit rows
    rows : ndarray of shape (n,), centroid row of each mention or -1
    centroids : ndarray of shape (k, dim), unit rows
    theme_ids : ndarray of shape (k,), the id of each centroid row
    fixed_labels : labels that are given (named and seed themes), by theme id
    kinds : kind of each row (``named``, ``residual``, ``seed``; "" or None: labelled here)
    claims : coverage and lift of each row's label (NaN where it claims nothing)
    parses : label candidates already found for some mentions (by position), reused
    """
    texts = list(texts)
    shown = list(written) if written is not None else texts
    k = len(centroids)
    groups = [np.flatnonzero(rows == r) for r in range(k)]
    docs = [" ".join(texts[i] for i in g) for g in groups]
    weights, vocab = class_tfidf(docs)
    # what the theme's own mentions say about its words: which come from redaction
    # ("email" where "[EMAIL]" stood) and which from hashtags; such words are never shown
    evidence = [corpus_words([shown[i] for i in g]) for g in groups]
    banned = [e.redacted for e in evidence]
    words = keywords(weights, vocab, n_keywords + 6) if k else []
    words = [
        [w for w in ws if not label_problems(w, words=e, check_pos=False)][:n_keywords]
        for ws, e in zip(words, evidence, strict=True)
    ]
    samples = sample_members(groups, [embeddings[g] @ centroids[r] for r, g in enumerate(groups)])
    sampled = sorted({i for s in samples for i in s})
    known = parses or {}
    todo = [i for i in sampled if i not in known]
    parsed = mention_candidates([texts[i] for i in todo], tagger if _parses(tagger) else None)
    known = {**known, **dict(zip(todo, parsed, strict=True))}
    found = [known[i] for i in sampled]
    of_group = {int(i): r for r, g in enumerate(groups) for i in g}
    candidates = {
        i: [c for c in cs if not set(c.key.split()) & banned[of_group[i]]]
        for i, cs in zip(sampled, found, strict=True)
    }
    kinds = list(kinds) if kinds is not None else [""] * k
    if all(int(t) in fixed_labels for t in theme_ids):
        labels = [fixed_labels[int(t)] for t in theme_ids]
    else:
        labels = _theme_labels(
            texts, embeddings, groups, centroids, words, samples, candidates, tagger, evidence
        )
        labels = [fixed_labels.get(int(t), lab) for t, lab in zip(theme_ids, labels, strict=True)]
    sizes = np.array([len(g) for g in groups], dtype=np.int64)
    parents = parent_groups(centroids, sizes, n_parents=n_parents)
    parent_labels = _category_labels(parents, samples, candidates, groups, shown)
    rest = parents.copy()
    rest[np.isin(parents, list(parent_labels))] = -1
    parent_labels.update(
        _parent_labels(texts, embeddings, groups, centroids, rest, labels, tagger, parent_labels)
    )
    labels = _residual_labels(labels, kinds, parents, parent_labels)
    coverage, lift = claims if claims is not None else (np.full(k, np.nan), np.full(k, np.nan))
    records = []
    for r in range(k):
        records.append(
            {
                "theme_id": int(theme_ids[r]),
                "label": labels[r],
                "kind": kinds[r] or "named",
                "coverage": None if np.isnan(coverage[r]) else round(float(coverage[r]), 4),
                "lift": None if np.isnan(lift[r]) else round(float(lift[r]), 2),
                "keywords": words[r],
                "parent_id": int(parents[r]),
                "parent_label": parent_labels.get(int(parents[r]), ""),
                "size": int(sizes[r]),
                "examples": examples_mmr(shown, embeddings, groups[r], centroids[r], n=n_examples),
                "owner": None,
            }
        )
    return themes_frame(records)


def _residual_labels(
    labels: list[str], kinds: list[str], parents: np.ndarray, parent_labels: dict[int, str]
) -> list[str]:
    """A residual says what it is left of: "Flight: other" under the parent "Flight", or its
    cluster's commonest word when it has no parent; two residuals never share a label."""
    taken = {lab for lab, kind in zip(labels, kinds, strict=True) if kind != "residual"}
    out = []
    for label, kind, parent in zip(labels, kinds, parents.tolist(), strict=True):
        if kind == "residual":
            words = [w for w in (parent_labels.get(int(parent)), label.split(":")[0]) if w]
            bases = [f"{w[:1].upper()}{w[1:]}: other" for w in words]
            # a parent that reads as no noun ("Right") would make a label that fails hygiene
            base = next((b for b in bases if _clean(b)), "Other mentions")
            label, n = base, 2
            while label in taken:
                label, n = f"{base} {n}", n + 1
            taken.add(label)
        out.append(label)
    return out


def _clean(label: str) -> bool:
    """Whether a label passes the hygiene check (no handle, placeholder, bare number...,
    and a noun or a verb in it)."""
    return not label_problems(label)


def _parses(nlp: Any) -> bool:
    return nlp is not None and "parser" in getattr(nlp, "pipe_names", ())


def _theme_labels(
    texts: Sequence[str],
    embeddings: np.ndarray,
    groups: list[np.ndarray],
    centroids: np.ndarray,
    words: list[list[str]],
    samples: list[list[int]],
    candidates: dict[int, list[Candidate]],
    tagger: Any,
    evidence: list[CorpusWords],
) -> list[str]:
    """Parse-based labels ("app crashing") said by ``LABEL_MIN_COVERAGE`` of the theme,
    then by half that; the phrase statistics of labels.py where the parse offers nothing
    that common (or spaCy is not installed)."""
    chosen: list[str | None] = [None] * len(samples)

    def open_and_clean(r: int, text: str) -> bool:
        return chosen[r] is None and not label_problems(text, words=evidence[r])

    # a diffuse theme: a parse phrase half as common still names it better than the rare
    # n-gram the statistics fallback would find (tweets: 48 -> 30 labels said by under 5%
    # of their theme)
    for floor in (LABEL_MIN_COVERAGE, LABEL_MIN_COVERAGE / 2):
        if all(label is not None for label in chosen):
            break
        found = choose_labels(
            samples,
            candidates,
            used={label for label in chosen if label is not None},
            acceptable=open_and_clean,
            min_coverage=floor,
        )
        chosen = [a if a is not None else b for a, b in zip(chosen, found, strict=True)]
    if all(label is not None for label in chosen):
        return [str(label) for label in chosen]
    fallback = labels_for(texts, embeddings, groups, centroids, words, tagger=tagger)
    used = {label for label in chosen if label is not None}
    out = []
    for r, (label, other) in enumerate(zip(chosen, fallback, strict=True)):
        if label is None:
            label = other if other not in used else f"{other} {len(used)}"
            if label_problems(label, words=evidence[r]):
                # nothing readable repeats in this theme: say so rather than show noise
                label = f"mixed topics {len(used) + 1}"
            used.add(label)
        out.append(label)
    return out


def _category_labels(
    parents: np.ndarray,
    samples: list[list[int]],
    candidates: dict[int, list[Candidate]],
    groups: list[np.ndarray],
    shown: Sequence[str],
) -> dict[int, str]:
    """Parents named by a category noun their children share ("Delivery", "Staff"); the
    noun must pass the hygiene check on the evidence of all the children's mentions."""
    ids = sorted({int(p) for p in parents if p >= 0})
    kids = [np.flatnonzero(parents == p) for p in ids]
    family = [corpus_words([shown[i] for r in k for i in groups[r]]) for k in kids]
    nouns = choose_category_nouns(
        [[samples[r] for r in k] for k in kids],
        candidates,
        acceptable=lambda p, text: not label_problems(text, words=family[p]),
    )
    return {p: n[:1].upper() + n[1:] for p, n in zip(ids, nouns, strict=True) if n is not None}


def _stems(label: str) -> set[str]:
    """Crude word stems (first four letters) of a label: "card" and "cards" clash."""
    return {w[:4] for w in label.lower().split()}


def _parent_labels(
    texts: Sequence[str],
    embeddings: np.ndarray,
    groups: list[np.ndarray],
    centroids: np.ndarray,
    parents: np.ndarray,
    child_labels: Sequence[str],
    tagger: Any,
    named: dict[int, str] | None = None,
) -> dict[int, str]:
    """One label per parent: the word or two its children share ("Delivery", "Support").

    A parent of one theme takes that theme's label. Otherwise the parent's c-TF-IDF terms
    (against the other parents) are scored by weight times the share of its child themes
    that use them, so the label names what the children have in common rather than the
    biggest child ("Game changer" over five delivery themes). Terms must end in a noun
    when spaCy is there, and no two parents share a label or a word stem. Without a usable
    term the 2-4 word phrase labeller decides, as for themes.
    """
    ids = sorted({int(p) for p in parents if p >= 0})
    if not ids:
        return {}
    children = {p: np.flatnonzero(parents == p) for p in ids}
    members = [np.concatenate([groups[r] for r in children[p]]) for p in ids]
    weights, vocab = class_tfidf([" ".join(texts[i] for i in m) for m in members])
    terms = parent_terms(texts, weights, vocab, [[groups[r] for r in children[p]] for p in ids])
    nouns = noun_ending(sorted({t for options in terms for t, _ in options}), tagger)
    out: dict[int, str] = {}
    used: set[str] = {stem for label in (named or {}).values() for stem in _stems(label)}
    fallback = []
    for p, options in zip(ids, terms, strict=True):
        if len(children[p]) == 1:
            out[p] = _parent_label(child_labels[int(children[p][0])])
            used |= _stems(out[p])
            continue
        label = next(
            (
                t
                for t, _ in options
                if nouns.get(t, True) and not _stems(t) & used and _clean(_parent_label(t))
            ),
            None,
        )
        if label is None:
            fallback.append(p)
            continue
        used |= _stems(label)
        out[p] = _parent_label(label)
    if fallback:
        rows = [ids.index(p) for p in fallback]
        centres = np.vstack([centroids[parents == p].mean(axis=0) for p in fallback])
        centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
        words = keywords(weights[rows], vocab, 4)
        labels = labels_for(
            texts, embeddings, [members[r] for r in rows], centres, words, tagger=tagger
        )
        out.update({p: _parent_label(lab) for p, lab in zip(fallback, labels, strict=True)})
    return out
