"""Benchmark: themes on five corpora; ours, plain BERTopic and k-means with the true k.

Everything runs in one process on the same MiniLM embeddings:

- banking77 test (3,080 queries, 77 intents), whole queries (embedded as the pipeline does,
  fitted directly): NMI / ARI; the share of our themes whose label shares a lemma with the
  name of their majority intent.
- MAMS-ACSA test + validation (787 restaurant sentences, 2+ aspect categories each), through
  the full mention pipeline: each theme maps to the gold category it co-occurs with most, a
  sentence's predicted categories are those of its mentions' themes; micro P / R / F1.
  BERTopic and k-means (k=8) on whole sentences (at most one category each) and on the same
  mentions.
- the demo export of ``make demo`` (3,000 rows, seed 0), full pipeline: NMI of themes and
  parents against the planted themes; for how many of the 16 planted themes the label of the
  theme holding most of its mentions contains a word (lemma) of the planted key.
- 10,000 SemEval tweets (handles, hashtags, links as they are), full pipeline: no labels;
  and the 7,744 negative tweets fitted whole (the blob that opened the issue).
- 3,150 Amazon Alexa reviews as written, full pipeline: no labels (a review export like
  the held-out ones the issue names).

On every corpus: themes, top-level themes (parents), largest theme and parent share,
unassigned share, "no specific topic" share, label hygiene count
(``analyzer.themes.hygiene``), label coverage (the share of a theme's mentions that use
its label's words: a label said by 3% of its theme names the wrong thing), label samples,
fit seconds. A final block says which targets
of issue 13 are met. The mention corpora run through ``analyzer.pipeline.analyze`` itself
(see benchmarks/_theme_corpora.py for its caches); our fit seconds are its themes stage.
BERTopic's UMAP gets ``random_state=0`` (otherwise plain ``BERTopic()``); its figures still
move by about 0.001 between runs. Every other step is seeded and repeats exactly.

    nice -n 5 .venv/bin/python benchmarks/themes.py        # all; writes results/themes.txt
    .venv/bin/python benchmarks/themes.py --corpus demo --no-bertopic    # quick loop
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
from sklearn.metrics import normalized_mutual_info_score

from benchmarks import _theme_corpora as corpora
from benchmarks._theme_claims import lemma_sets, say_claims, theme_claims
from benchmarks._theme_metrics import (
    Fit,
    category_scores,
    dirty,
    label_coverage,
    label_matches,
    lemma_share,
    nmi,
    shape,
    theme_categories,
)

Target = tuple[str, str, bool]  # (target, measured, met)
RESULTS = corpora.ROOT / "benchmarks" / "results" / "themes.txt"
MAX_SHARE = 0.10


# ------------------------------------------------------------------------ models


def fit_ours(
    texts: list[str], emb: np.ndarray, name: str = "ThemeModel", **params: Any
) -> tuple[Fit, Any]:
    from analyzer.themes import ThemeModel

    start = time.perf_counter()
    model = ThemeModel(seed=0, **params).fit(texts, emb)
    secs = time.perf_counter() - start
    fit = Fit(name, np.asarray(model.labels_), secs, model.themes_, texts)
    fit.extra = model.extra_
    return fit, model


def centred(emb: np.ndarray, drop: int = 1) -> np.ndarray:
    """Variant (b): what the whole corpus shares removed before clustering: the mean vector
    subtracted and the ``drop`` top principal directions projected out, rows renormalised."""
    x = emb.astype(np.float64) - emb.mean(axis=0)
    if drop:
        _, _, vt = np.linalg.svd(x, full_matrices=False)
        x -= (x @ vt[:drop].T) @ vt[:drop]
    return (x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)).astype(np.float32)


VARIANTS = {
    "(a) tree cut, labels as before": ({"claims": False}, False),
    "(b) centred, top direction dropped": ({"claims": False}, True),
    "(c) tree cut + claims (default)": ({}, False),
    "(b+c) centred + claims": ({}, True),
}


def variant_fits(texts: list[str], emb: np.ndarray) -> list[Fit]:
    """Section 3 of issue 28 side by side, fitted directly on the same mention vectors."""
    out = []
    for name, (params, centre) in VARIANTS.items():
        fit, _ = fit_ours(texts, centred(emb) if centre else emb, name, **params)
        out.append(fit)
    return out


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


# ----------------------------------------------------------------------- corpora


@dataclass
class Outcome:
    """What one corpus gave: the fits (ours first), extra lines, figures for the targets."""

    corpus: str
    fits: list[Fit]
    notes: list[str] = field(default_factory=list)
    checks: dict[str, Any] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)

    @property
    def ours(self) -> Fit:
        return self.fits[0]

    def fit(self, model: str) -> Fit | None:
        return next((f for f in self.fits if f.model == model), None)


def run_banking77(corpus: corpora.Corpus, parts: Any, competitors: bool) -> Outcome:
    texts = corpus.responses["comment"].tolist()
    emb, gold = corpora.embed(texts, parts), corpus.gold
    ours, model = fit_ours(texts, emb)
    fits = [ours, *variant_fits(texts, emb)[:2]]  # (c) is ours; (b+c) below
    fits.append(fit_ours(texts, centred(emb), "(b+c) centred + claims")[0])
    if competitors:
        fits += [fit_bertopic(texts, emb), fit_kmeans(emb, 77, "k-means (k=77)")]
        fits += reference_fits(emb, gold)
    for fit in fits:
        fit.quality = nmi(gold, fit.ids)
        if fit.themes is not None:
            fit.quality["parents NMI"] = normalized_mutual_info_score(gold, fit.parent_ids())
    hits, n = lemma_share(ours, gold)
    notes = [f"labels sharing a lemma with their majority intent: {hits} of {n} ({hits / n:.0%})"]
    score = round(ours.quality["NMI"], 3)
    goals = [
        ("NMI >= 0.82", f"{score:.3f}", score >= 0.82),
        ("label-lemma share >= 60%", f"{hits / n:.0%}", hits / n >= 0.60),
    ]
    checks = {"allowed": MAX_SHARE, "gold NMI": True, "model": model}
    return Outcome(corpus.name, fits, notes, checks, goals)


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


def pipeline_fit(result: Any) -> tuple[Fit, pd.DataFrame]:
    """Our themes as ``cxa analyze`` made them: one row per mention, the rest as extras."""
    mentions, extra = corpora.split_rows(result.mentions)
    ours = Fit("ThemeModel", mentions["theme_id"].to_numpy(), result.timings["themes"])
    ours.themes, ours.texts, ours.extra = result.themes, mentions["text"].tolist(), extra
    return ours, mentions


def run_mams(corpus: corpora.Corpus, parts: Any, competitors: bool) -> Outcome:
    result, emb = corpora.analyze_corpus(corpus, parts)
    ours, mentions = pipeline_fit(result)
    gold = corpus.gold
    sent = mentions["response_id"].astype(str).tolist()
    texts = mentions["text"].tolist()
    ours.quality = {**category_scores(*ours.pairs(sent), gold, ours.bucket)}
    ours.quality["mentions/sentence"] = len(mentions) / len(gold)
    fits = [ours]
    for fit in variant_fits(texts, emb):
        fit.quality = category_scores(*fit.pairs(sent), gold, fit.bucket)
        fits.append(fit)
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
    mapped = Counter(theme_categories(*ours.pairs(sent), gold, ours.bucket).values())
    notes = [
        f"{len(gold)} sentences, {len(mentions)} mentions; gold: {dict(sorted(labels.items()))}",
        "our themes per gold category they map to: "
        + ", ".join(f"{c} {mapped.get(c, 0)}" for c in sorted(labels)),
    ]
    f1 = ours.quality["F1"]
    goal = ("category micro-F1 >= 0.72", f"{f1:.3f}", f1 >= 0.72)
    return Outcome(corpus.name, fits, notes, {"allowed": allowed}, [goal])


def run_demo(corpus: corpora.Corpus, parts: Any, competitors: bool) -> Outcome:
    from analyzer.demo import match_mentions_to_truth, theme_keys

    result, emb = corpora.analyze_corpus(corpus, parts)
    ours, mentions = pipeline_fit(result)
    truth = corpus.gold
    gold = match_mentions_to_truth(mentions, truth)
    known = gold.notna().to_numpy()
    gold_known = gold[known].astype(str).to_numpy()
    texts = mentions["text"].tolist()
    fits = [ours, *variant_fits(texts, emb)]
    if competitors:
        fits += [fit_bertopic(texts, emb), fit_kmeans(emb, len(theme_keys()), "k-means (k=16)")]
    for fit in fits:
        fit.quality = nmi(gold_known, fit.ids[known])
    for fit in fits:
        if fit.themes is not None:
            fit.quality["parents NMI"] = normalized_mutual_info_score(
                gold_known, fit.parent_ids()[known]
            )
    matched, notes = label_matches(ours, gold.fillna("").to_numpy(dtype=str), theme_keys())
    notes.insert(0, f"{known.sum()} of {len(mentions)} mentions matched to a planted theme")
    allowed = max(MAX_SHARE, float(truth["theme"].value_counts(normalize=True).max()))
    goal = ("planted themes named >= 14 of 16", f"{matched} of 16", matched >= 14)
    return Outcome(corpus.name, fits, notes, {"allowed": allowed}, [goal])


def run_unlabelled(corpus: corpora.Corpus, parts: Any, competitors: bool) -> Outcome:
    """A corpus without theme labels, through the full pipeline: spread, hygiene, labels."""
    result, emb = corpora.analyze_corpus(corpus, parts)
    ours, mentions = pipeline_fit(result)
    texts = mentions["text"].tolist()
    fits = [ours, *variant_fits(texts, emb)]
    fits += [fit_bertopic(texts, emb)] if competitors else []
    notes = [f"{len(corpus.responses)} texts, {len(mentions)} mentions (no gold labels)"]
    return Outcome(corpus.name, fits, notes, {"allowed": MAX_SHARE})


def run_tweets(corpus: corpora.Corpus, parts: Any, competitors: bool) -> Outcome:
    out = run_unlabelled(corpus, parts, competitors)
    # the failure that opened issue 13: whole complaint tweets, one theme took 85% of them
    negative = corpora.negative_tweets()
    whole, _ = fit_ours(negative, corpora.embed(negative, parts))
    whole.model = "ThemeModel, negative tweets whole"
    out.fits.append(whole)
    share = float(shape(whole)["largest"])
    out.notes.append(f"last row: the {len(negative):,} negative tweets of every file, fitted whole")
    goal = (
        "negative tweets fitted whole: largest theme <= 10%",
        f"{share:.1%}",
        share <= MAX_SHARE,
    )
    out.targets.append(goal)
    return out


def dominant(fit: Fit, responses: list[str], owner: list[str], parents: bool = False) -> np.ndarray:
    """Each response's theme (or parent) held by most of its mentions; -1 where none."""
    ids = fit.parent_ids() if parents else fit.ids
    keep = (ids >= 0) & ~np.isin(ids, list(fit.bucket))
    frame = pd.DataFrame({"r": np.asarray(owner)[keep], "t": ids[keep]})
    counts = frame.groupby(["r", "t"]).size().reset_index(name="n")
    counts = counts.sort_values(["r", "n", "t"], ascending=[True, False, True])
    top = dict(counts.drop_duplicates("r")[["r", "t"]].itertuples(index=False, name=None))
    return np.array([top.get(r, -1) for r in responses], dtype=np.int64)


def run_cfpb(corpus: corpora.Corpus, parts: Any, competitors: bool) -> Outcome:
    """CFPB complaints (one domain, long texts): response-level NMI of our themes against the
    gold Issue and of our parents against the gold Product, against whole-text BERTopic and
    k-means with the true k."""
    result, emb = corpora.analyze_corpus(corpus, parts)
    ours, mentions = pipeline_fit(result)
    texts, owner = mentions["text"].tolist(), mentions["response_id"].astype(str).tolist()
    responses = corpus.responses["response_id"].astype(str).tolist()
    issue, product = corpus.gold["issue"], corpus.gold["product"]
    fits = [ours, *variant_fits(texts, emb)]
    for fit in fits:
        fit.quality = {
            "NMI": normalized_mutual_info_score(issue, dominant(fit, responses, owner)),
            "parents NMI": normalized_mutual_info_score(
                product, dominant(fit, responses, owner, parents=True)
            ),
        }
    if competitors:
        whole = corpus.responses["comment"].tolist()
        whole_emb = corpora.embed(whole, parts)
        rivals = [
            fit_bertopic(whole, whole_emb),
            fit_kmeans(whole_emb, 76, "k-means (k=76)"),
            fit_kmeans(whole_emb, 13, "k-means (k=13)"),
        ]
        for fit in rivals:
            fit.model += ", whole texts"
            fit.quality = {
                "NMI": normalized_mutual_info_score(issue, fit.ids),
                "parents NMI": normalized_mutual_info_score(product, fit.ids),
            }
        fits += rivals
    notes = [
        f"{len(responses)} complaints, {len(mentions)} mentions; gold: {len(set(issue))} issues, "
        f"{len(set(product))} products; NMI per complaint (its mentions' commonest theme / "
        "parent); whole-text rivals: NMI against Issue, 'parents NMI' against Product"
    ]
    goals: list[Target] = []
    if competitors:
        names = ("BERTopic()", "k-means (k=76)", "k-means (k=13)")
        bert, k76, k13 = (out_fit(fits, f"{m}, whole texts") for m in names)
        best = max(bert.quality["NMI"], k76.quality["NMI"])
        goals.append(("Issue NMI beats BERTopic() and k-means (k=76)",
                      f"{ours.quality['NMI']:.3f} vs {bert.quality['NMI']:.3f} / "
                      f"{k76.quality['NMI']:.3f}", ours.quality["NMI"] > best))  # fmt: skip
        goals.append(("parent NMI vs Product beats k-means (k=13)",
                      f"{ours.quality['parents NMI']:.3f} vs {k13.quality['parents NMI']:.3f}",
                      ours.quality["parents NMI"] > k13.quality["parents NMI"]))  # fmt: skip
    return Outcome(corpus.name, fits, notes, {"allowed": MAX_SHARE}, goals)


def out_fit(fits: list[Fit], model: str) -> Fit:
    return next(f for f in fits if f.model == model)


RUNNERS = {
    "banking77": run_banking77,
    "mams": run_mams,
    "demo": run_demo,
    "tweets": run_tweets,
    "reviews": run_unlabelled,
    "cfpb": run_cfpb,
}


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
    say_all_claims(say, out)


def say_all_claims(say: Report, out: Outcome) -> None:
    """Label truth of ours and of every variant (section 1 and 3 of issue 28)."""
    ours = out.ours
    lemmas = lemma_sets(list(ours.texts))
    for fit in out.fits:
        if fit.themes is None:
            continue
        same = list(fit.texts) == list(ours.texts)
        words = lemmas if same else lemma_sets(list(fit.texts))
        claims = theme_claims(fit.texts, fit.ids, fit.extra, fit.themes, fit.bucket, words)
        fit.quality["named share"] = claims.named_share
        fit.quality["residual"] = claims.residual_share
        if fit is ours:
            out.checks["claims"] = claims
            say_claims(say, claims, fit.texts, fit.ids, len(fit.ids), fit.extra)
        else:
            largest = shape(fit)["largest"]
            say(f"  {fit.model}: named share {claims.named_share:.1%}, residual "
                f"{claims.residual_share:.1%}, unassigned {claims.unassigned_share:.1%}, "
                f"largest theme {largest:.1%}, {len(fit.themes)} themes")  # fmt: skip


def say_labels(say: Report, ours: Fit) -> None:
    """Our 8 largest themes and 5 largest parents (share of all mentions), dirty labels."""
    assert ours.themes is not None
    n = max(len(ours.ids), 1)
    rows = {int(r["theme_id"]): r for r in ours.themes.to_dict("records")}
    counts = Counter(t for t in ours.ids.tolist() if t >= 0 and t not in ours.bucket)
    say("our largest themes (share, label, keywords, parent):")
    for t, c in counts.most_common(8):
        words = ", ".join(str(w) for w in list(rows[t]["keywords"])[:4])
        say(f"  {c / n:6.1%}  {rows[t]['label']!r} [{words}] < {rows[t]['parent_label']!r}")
    parents = Counter(p for p in ours.parent_ids().tolist() if p >= 0)
    names = {int(r["parent_id"]): str(r["parent_label"]) for r in rows.values()}
    kids = Counter(int(r["parent_id"]) for r in rows.values() if int(r["parent_id"]) >= 0)
    say(
        f"our largest parents ({sum(k == 1 for k in kids.values())} of {len(kids)} have one theme):"
    )
    for p, c in parents.most_common(5):
        say(f"  {c / n:6.1%}  {names[p]!r} ({kids[p]} themes)")
    median, under, counted = label_coverage(ours)
    say(
        f"label coverage (share of a theme's mentions that use its label's words): median "
        f"{median:.0%}; {under} of {counted} labels under 10%"
    )
    bad = dirty(ours)
    if len(bad):
        say(f"dirty labels and keywords: {len(bad)}")
        for field_, text, problems in bad[["field", "text", "problems"]].head(12).to_numpy():
            say(f"  {field_} {text!r}: {', '.join(problems)}")


MEASURE = {"banking77": "NMI", "mams": "F1", "demo": "NMI"}


def summary(out: Outcome) -> str:
    """One markdown row for the README table."""
    s, key = shape(out.ours), MEASURE.get(out.corpus)

    def value(*models: str) -> str:
        found = [out.fit(m) for m in models]
        got = [f"{f.quality[key]:.3f}" for f in found if f is not None and key]
        return " / ".join(got) or "-"

    mams = out.corpus == "mams"
    bert = value(
        *(["BERTopic(), same mentions", "BERTopic(), whole sentences"] if mams else ["BERTopic()"])
    )
    kmeans = [f.model for f in out.fits if f.model.startswith("k-means")]
    bert_fit = out.fit("BERTopic()") or out.fit("BERTopic(), same mentions")
    cells = [
        out.corpus,
        f"{key} **{out.ours.quality[key]:.3f}**" if key else "-",
        bert,
        value(*kmeans),
        f"{s['themes']} / {s['parents']}",
        f"{s['largest']:.1%}",
        f"{s['unassigned']:.1%} / {s['no topic']:.1%}",
        str(s["hygiene"]),
        f"{out.ours.secs:.1f} / {bert_fit.secs:.1f}" if bert_fit else f"{out.ours.secs:.1f} / -",
    ]
    return "| " + " | ".join(cells) + " |"


def common_targets(out: Outcome) -> list[Target]:
    """The targets every corpus has: spread, hygiene, top level, speed, NMI vs rivals."""
    s, ours = shape(out.ours), out.ours
    allowed = out.checks["allowed"]
    rows = [
        (f"largest theme <= {allowed:.0%}", f"{s['largest']:.1%}", s["largest"] <= allowed),
        ("label hygiene 0", str(s["hygiene"]), s["hygiene"] == 0),
        ("8-40 top-level themes", str(s["parents"]), 8 <= s["parents"] <= 40),
    ]
    bert = out.fit("BERTopic()") or out.fit("BERTopic(), same mentions")
    if bert is not None:
        times = f"{ours.secs:.1f} vs {bert.secs:.1f}"
        rows.append(("our fit s <= BERTopic's", times, ours.secs <= bert.secs))
    claims = out.checks.get("claims")
    if claims is not None:
        rows.insert(0, ("mentions in named themes >= 90%", f"{claims.named_share:.1%}",
                        claims.named_share >= 0.90))  # fmt: skip
    rivals = [f for f in out.fits[1:] if f.model == "BERTopic()" or f.model.startswith("k-means")]
    if out.checks.get("gold NMI") and rivals:
        best = max(rivals, key=lambda f: f.quality["NMI"])
        figures = f"{ours.quality['NMI']:.3f} vs {best.quality['NMI']:.3f} ({best.model})"
        rows.append(("our NMI beats BERTopic and k-means (true k)", figures,
                     ours.quality["NMI"] > best.quality["NMI"]))  # fmt: skip
    return rows


def cold_start(model: Any) -> str:
    """Seconds a fresh process needs to import UMAP and fit once, and to load a saved
    ThemeModel and assign a theme (which must import neither UMAP nor numba)."""

    def fresh(code: str) -> float:
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, cwd=corpora.ROOT
        )
        return time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        path = model.save(Path(tmp) / "model")
        umap_s = fresh(
            "import numpy as np, umap; "
            "umap.UMAP(n_components=5).fit_transform(np.random.rand(300, 20))"
        )
        load_s = fresh(
            "import sys, numpy as np; from analyzer.themes import ThemeModel; "
            f"m = ThemeModel.load({str(path)!r}); "
            "m.transform(['card not arrived'], np.random.rand(1, 384).astype('float32')); "
            "assert 'umap' not in sys.modules and 'numba' not in sys.modules"
        )
    base_s = fresh("import numpy, sklearn")
    return (
        f"cold start, fresh process: import umap + first fit {umap_s:.1f} s; load the saved "
        f"banking77 ThemeModel + transform {load_s:.1f} s (python + numpy + sklearn alone "
        f"{base_s:.1f} s; no umap or numba imported)"
    )


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
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    say(
        f"benchmarks/themes.py on {', '.join(names)}; competitors {'on' if competitors else 'off'}"
        f"; {when}, load average {os.getloadavg()[0]:.1f} (2 cores)"
    )
    warm_up(competitors)
    parts = corpora.components()
    outcomes = []
    for name in names:
        start = time.perf_counter()
        outcome = RUNNERS[name](corpora.CORPORA[name](), parts, competitors)
        outcomes.append(outcome)
        print_outcome(say, outcome)
        say(f"({name}: {time.perf_counter() - start:.0f} s wall, caches included)")
    say("\n=== summary (README) ===")
    say("| corpus | ours | BERTopic() | k-means, true k | themes / top-level | largest theme "
        "| unassigned / no topic | hygiene | fit s ours / BERTopic |")  # fmt: skip
    say("|---|---|---|---|---|---|---|---|---|")
    for out in outcomes:
        say(summary(out))
    say("\n=== targets (issue 28; and issue 13's that still hold) ===")
    rows = [
        (f"{out.corpus}: {target}", measured, met)
        for out in outcomes
        for target, measured, met in common_targets(out) + out.targets
    ]
    for target, measured, met in rows:
        say(f"{'met   ' if met else 'MISSED'}  {target}: {measured}")
    say(f"{sum(m for *_, m in rows)} of {len(rows)} met")
    banking = next((o for o in outcomes if o.corpus == "banking77"), None)
    if competitors and banking is not None:
        say("\n" + cold_start(banking.checks["model"]))
    if out_path is not None:
        out_path.parent.mkdir(parents=True, exist_ok=True)
        out_path.write_text("\n".join(say.lines) + "\n", "utf-8")


if __name__ == "__main__":
    main()
