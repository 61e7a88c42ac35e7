"""Train the aspect-conditioned sentiment branch (``models/sentiment/aspect``).

The same recipe as :mod:`analyzer.sentiment.training` (frozen MiniLM lower layers cached once,
a copy of the top layers + linear head fine-tuned over the cache), with two changes:

1. MAMS-ACSA train (restaurant sentences, two or more aspect categories each, three classes)
   is added: each (sentence, category) pair is one example whose aspect is the category's
   name. The branch appends the aspect's lower-layer states to the sentence's and the top
   layers attend across both (see :class:`analyzer.sentiment._model.SentimentBranch`). In
   training the aspect is drawn from a few phrasings of each category ("staff", "waiters",
   ...), so the branch learns to read an aspect's meaning rather than eight fixed names;
   selection and evaluation use the category name itself.
2. The other sources (SST-2 train, the SemEval 2013-2016 pool, UCI sentences; seeded
   subsamples) are no-aspect examples, so the same branch still scores a clause on its own.

Model selection reads MAMS validation and a seeded hold-out of the other sources' train
files; never MAMS test, SST-2 dev, SemEval-2017 test, Alexa or the demo. Training starts
from the shipped clause-level branch (``--warm-start``), the aspect segment vector from zero.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.sentiment import _data
from analyzer.sentiment._base import LABELS
from analyzer.sentiment.evaluation import classification_scores
from analyzer.sentiment.training import (
    Batches,
    HiddenCache,
    TrainConfig,
    _gather,
    _run_lower_layers,
    cache_hidden_states,
    fine_tune,
    holdout_split,
    load_corpus,
)

log = logging.getLogger(__name__)

_LABEL_INDEX = {label: i for i, label in enumerate(LABELS)}

#: Phrasings of each MAMS category drawn in training (the first is the category's name).
ASPECT_PHRASES: dict[str, tuple[str, ...]] = {
    "food": ("food", "the food", "meals", "dishes", "taste"),
    "staff": ("staff", "the staff", "waiters", "employees", "staff attitude"),
    "miscellaneous": ("miscellaneous", "other", "general", "overall experience"),
    "place": ("place", "the place", "location", "venue"),
    "service": ("service", "speed of service", "waiting time", "customer service"),
    "menu": ("menu", "menu choice", "range", "selection"),
    "ambience": ("ambience", "atmosphere", "decor", "noise"),
    "price": ("price", "prices", "value for money", "cost"),
}


def build_corpus(data_dir: Path, config: TrainConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Training and selection rows: ``text, label, source, binary, aspect`` ("" = none).

    MAMS train rows are repeated ``config.mams_repeat`` times; SST-2 and SemEval are seeded
    subsamples of ``sst2_rows`` / ``semeval_rows``. Selection: MAMS validation and a seeded
    hold-out of the other sources.
    """
    others = [s for s in config.sources if s != "mams"]
    corpus = _subsample(load_corpus(data_dir, others), config) if others else None
    train_parts, held_parts = [], []
    if corpus is not None:
        train, held = holdout_split(corpus, config)
        train_parts.append(train.assign(aspect=""))
        held_parts.append(held.assign(aspect=""))
    if "mams" in config.sources:
        mams = _data.read_mams_train(data_dir)[["text", "label", "aspect"]]
        mams = mams.assign(source="mams", binary=False)
        train_parts.extend([mams] * max(1, config.mams_repeat))
        val = _data.read_mams_validation(data_dir)[["text", "label", "aspect"]]
        held_parts.append(val.assign(source="mams", binary=False))
    return (
        pd.concat(train_parts, ignore_index=True),
        pd.concat(held_parts, ignore_index=True),
    )


def _subsample(corpus: pd.DataFrame, config: TrainConfig) -> pd.DataFrame:
    rng = np.random.default_rng(config.seed)
    keep: list[np.ndarray] = []
    limits = {"sst2": config.sst2_rows, "semeval": config.semeval_rows}
    for source, group in corpus.groupby("source", sort=True):
        idx = group.index.to_numpy()
        limit = limits.get(str(source), 0)
        if 0 < limit < len(idx):
            idx = np.sort(rng.choice(idx, size=limit, replace=False))
        keep.append(idx)
    return corpus.loc[np.concatenate(keep)].reset_index(drop=True)


@dataclass
class AspectData:
    """Rows over a text cache: row ``i`` reads text ``text_index[i]`` and its aspect."""

    rows: pd.DataFrame
    cache: HiddenCache
    text_index: np.ndarray
    labels: np.ndarray
    binary: np.ndarray


def prepare(rows: pd.DataFrame, model: Any, config: TrainConfig, cache_dir: Path) -> AspectData:
    """Cache the lower-layer states of each distinct text once."""
    codes, uniques = pd.factorize(rows["text"])
    cache = cache_hidden_states(list(uniques), model, config, cache_dir)
    return AspectData(
        rows=rows.reset_index(drop=True),
        cache=cache,
        text_index=codes.astype(np.int64),
        labels=rows["label"].map(_LABEL_INDEX).to_numpy(),
        binary=rows["binary"].to_numpy(dtype=bool),
    )


def aspect_states(model: Any, config: TrainConfig) -> dict[str, np.ndarray]:
    """Lower-layer states (k, hidden) float32 of every aspect phrasing, computed once."""
    phrases = sorted({p for ps in ASPECT_PHRASES.values() for p in ps})
    chunks, _ = _run_lower_layers(phrases, model, config)
    return {p: c.astype(np.float32) for p, c in zip(phrases, chunks, strict=True)}


def _aspect_batch(
    aspects: Sequence[str], states: dict[str, np.ndarray], rng: np.random.Generator | None
) -> tuple[Any, Any]:
    """Padded aspect states (b, k, h) and mask (b, k); "" rows get an all-zero mask.

    With ``rng`` a random phrasing of each category is used, else its name.
    """
    import torch

    chosen: list[np.ndarray | None] = []
    for a in aspects:
        if not a:
            chosen.append(None)
            continue
        phrases = ASPECT_PHRASES.get(a, (a,))
        chosen.append(states[phrases[int(rng.integers(len(phrases)))] if rng else phrases[0]])
    width = max((len(c) for c in chosen if c is not None), default=1)
    hidden = next(iter(states.values())).shape[1]
    out = np.zeros((len(aspects), width, hidden), dtype=np.float32)
    mask = np.zeros((len(aspects), width), dtype=np.int64)
    for row, c in enumerate(chosen):
        if c is not None:
            out[row, : len(c)] = c
            mask[row, : len(c)] = 1
    return torch.from_numpy(out), torch.from_numpy(mask)


def _forward(
    branch: Any,
    data: AspectData,
    idx: np.ndarray,
    states: dict[str, np.ndarray],
    rng: np.random.Generator | None,
) -> Any:
    hidden, mask = _gather(data.cache, data.text_index[idx])
    aspect, aspect_mask = _aspect_batch(data.rows["aspect"].to_numpy()[idx].tolist(), states, rng)
    return branch(hidden, mask, aspect, aspect_mask)


def predict_rows(
    branch: Any, data: AspectData, states: dict[str, np.ndarray], batch_size: int = 256
) -> np.ndarray:
    """(n, 3) class probabilities of every row (aspects by their category name)."""
    import torch

    branch.eval()
    order = np.argsort(data.cache.lengths()[data.text_index], kind="stable")
    probs = np.zeros((len(order), len(LABELS)), dtype=np.float32)
    with torch.inference_mode():
        for first in range(0, len(order), batch_size):
            idx = order[first : first + batch_size]
            probs[idx] = torch.softmax(_forward(branch, data, idx, states, None), -1).numpy()
    return probs


def selection_scores(probs: np.ndarray, rows: pd.DataFrame) -> dict[str, float]:
    """Per-source held-out scores; ``selection`` is the mean of the main metrics."""
    pred = np.asarray(LABELS, dtype=object)[probs.argmax(1)]
    binary_pred = np.where(probs[:, 2] >= probs[:, 0], "positive", "negative")
    out: dict[str, float] = {}
    for source, group in rows.groupby("source", sort=True):
        idx = group.index.to_numpy()
        if group["binary"].iloc[0]:
            out[f"{source}_accuracy"] = classification_scores(group["label"], binary_pred[idx])[
                "accuracy"
            ]
            continue
        scores = classification_scores(group["label"], pred[idx])
        out[f"{source}_macro_f1"] = scores["macro_f1"]
        key = "accuracy" if source == "mams" else "macro_recall"
        out[f"{source}_{key}"] = scores[key]
    main = [v for k, v in out.items() if k.endswith(("_accuracy", "_macro_recall"))]
    out["selection"] = float(np.mean(main))
    return out


def calibrate(branch: Any, data: AspectData, states: dict[str, np.ndarray]) -> dict[str, float]:
    """Fixed int8 input ranges (``int8_clip``) from up to 2,048 held-out rows."""
    from analyzer.sentiment._model import calibrate_int8

    idx = np.arange(min(len(data.rows), 2048))
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(data.rows))[: len(idx)]

    def batches() -> Any:
        for first in range(0, len(idx), 128):
            part = idx[first : first + 128]
            hidden, mask = _gather(data.cache, data.text_index[part])
            aspects = data.rows["aspect"].to_numpy()[part].tolist()
            yield (hidden, mask, *_aspect_batch(aspects, states, None))

    return calibrate_int8(branch, batches())


def initial_branch(model: Any, config: TrainConfig, warm_start: Path | None) -> Any:
    """An aspect branch from the clause-level ``warm_start`` branch (or MiniLM's top layers)."""
    from analyzer.sentiment._model import (
        BranchConfig,
        SentimentBranch,
        base_fingerprint,
        bert_blocks,
        load_branch,
    )

    bert = model[0].auto_model
    bcfg = BranchConfig(
        input_layer=config.input_layer,
        n_layers=config.n_layers,
        base_fingerprint=base_fingerprint(bert, config.input_layer),
        aspect=True,
    )
    branch = SentimentBranch(bcfg)
    if warm_start is not None:
        source = load_branch(warm_start)
        c = source.config
        if (c.input_layer, c.n_layers) != (config.input_layer, config.n_layers):
            raise ValueError(
                f"--warm-start {warm_start} has input_layer={c.input_layer}, "
                f"n_layers={c.n_layers}; pass the same --input-layer and --n-layers."
            )
        branch.load_state_dict(source.state_dict(), strict=False)
        return branch
    top = config.input_layer + config.n_layers
    branch.layers = bert_blocks(bert, config.input_layer, top, bcfg)
    return branch


def train_aspect_branch(
    branch: Any,
    train: AspectData,
    held: AspectData,
    states: dict[str, np.ndarray],
    config: TrainConfig,
    on_best: Callable[[Any, list[dict[str, float]]], None] | None = None,
) -> tuple[Any, list[dict[str, float]]]:
    """Fine-tune ``branch`` over the cache (the shared loop, :func:`fine_tune`); keep the
    best held-out checkpoint. Training rows draw one phrasing of their aspect per step."""
    import torch

    torch.manual_seed(config.seed)

    def logits_of(idx: np.ndarray, rng: np.random.Generator) -> Any:
        return _forward(branch, train, idx, states, rng)

    def evaluate() -> dict[str, float]:
        return selection_scores(predict_rows(branch, held, states), held.rows)

    lengths = train.cache.lengths()[train.text_index]
    batches = Batches(lengths, train.labels, train.binary)
    return fine_tune(branch, batches, logits_of, evaluate, config, on_best)


def run(config: TrainConfig, args: Any) -> int:
    """Build the corpus, cache the states, train and save (``train-sentiment`` with mams)."""
    from dataclasses import asdict

    from analyzer.sentiment._minilm import _default_model_dir, load_base_model
    from analyzer.sentiment._model import save_branch

    out = args.out or _default_model_dir() / "aspect"
    train_rows, held_rows = build_corpus(args.data_dir, config)
    if args.limit:
        train_rows = train_rows.sample(n=min(args.limit, len(train_rows)), random_state=config.seed)
    counts = {k: int(v) for k, v in train_rows.groupby("source").size().items()}
    log.info("train %d rows %s; held out %d", len(train_rows), counts, len(held_rows))
    model = load_base_model()
    start = time.perf_counter()
    train = prepare(train_rows, model, config, args.cache_dir)
    held = prepare(held_rows, model, config, args.cache_dir)
    states = aspect_states(model, config)
    cache_seconds = round(time.perf_counter() - start, 1)
    log.info("hidden states ready in %.0fs", cache_seconds)
    warm = None if args.warm_start in (None, "", "none") else Path(args.warm_start)
    branch = initial_branch(model, config, warm)

    def save(branch: Any, history: list[dict[str, float]]) -> None:
        branch.config.int8_clip = calibrate(branch, held, states)
        branch.config.extra = {
            "training": {**asdict(config), "warm_start": str(warm or "")},
            "training_rows": counts,
            "heldout_rows": {k: int(v) for k, v in held_rows.groupby("source").size().items()},
            "heldout": history,
            "aspect_phrases": ASPECT_PHRASES,
            "cache_seconds": cache_seconds,
            "train_seconds": history[-1]["seconds"],
        }
        save_branch(branch, out)
        log.info("saved %s (selection %.4f)", out, history[-1]["selection"])

    train_aspect_branch(branch, train, held, states, config, on_best=save)
    return 0


def calibrate_folder(
    folder: Path, texts: Sequence[str], aspects: Sequence[str | None] | None = None
) -> dict[str, float]:
    """Write ``int8_clip`` into the ``config.json`` of the model in ``folder``.

    ``texts`` (and their ``aspects``) should be training-side text (never an evaluation set).
    The weights are untouched, so this also pins the range of a model trained before
    ``int8_clip`` existed.
    """
    import torch

    from analyzer.sentiment._minilm import MiniLMSentimentBackend
    from analyzer.sentiment._model import CONFIG_FILE, calibrate_int8, load_branch

    backend = MiniLMSentimentBackend(model_dir=folder)
    branch = load_branch(folder)
    states = backend.lower_states(list(texts))

    def batches() -> Any:
        for first in range(0, len(texts), 128):
            idx = np.arange(first, min(first + 128, len(texts)))
            hidden, mask = states.batch(idx)
            if aspects is None or not branch.config.aspect:
                yield hidden, mask
                continue
            a: list[str | None] = [aspects[int(i)] for i in idx]
            vectors = [backend.aspect_states(x) if x else None for x in a]
            width = max((len(v) for v in vectors if v is not None), default=1)
            out = torch.zeros(len(idx), width, hidden.shape[-1])
            amask = torch.zeros(len(idx), width, dtype=torch.int64)
            for row, v in enumerate(vectors):
                if v is not None:
                    out[row, : len(v)] = torch.from_numpy(v)
                    amask[row, : len(v)] = 1
            yield hidden, mask, out, amask

    clips = calibrate_int8(branch, batches())
    path = folder / CONFIG_FILE
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["int8_clip"] = clips
    path.write_text(json.dumps(raw, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return clips
