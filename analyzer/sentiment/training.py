"""Train the MiniLM sentiment branch from the labelled corpora in ``shared/data``.

Recipe (the model card repeats it with the numbers):

1. Corpus: SST-2 train (binary), the SemEval 2013-2016 Task 4A tweet pool (three classes,
   deduplicated by tweet id, ids with conflicting labels dropped, ``@user``/URL normalised)
   and the UCI sentences (binary). A seeded random slice of each is held out for model
   selection; no evaluation set of ``benchmarks/sentiment.py`` is read here.
2. MiniLM's frozen lower layers run once over every text (truncated to ``max_length``
   tokens); their hidden states are cached to disk in float16.
3. A copy of the top ``n_layers`` layers (initialised from MiniLM) plus a linear head is
   trained over the cache: class-weighted cross-entropy for the three-class tweets, and a
   negative-vs-positive cross-entropy (neutral logit left out) for the binary sets.
4. The checkpoint with the best held-out score (scored every ``eval_every`` steps) is
   saved as fp16 safetensors + ``config.json``.

Run ``cxa train-sentiment --help-trainer`` for the options (parsed in
:mod:`analyzer.sentiment.train_command`).
"""

from __future__ import annotations

import hashlib
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

log = logging.getLogger(__name__)

_LABEL_INDEX = {label: i for i, label in enumerate(LABELS)}


@dataclass
class TrainConfig:
    """Everything that determines the trained model (saved in its ``config.json``)."""

    seed: int = 0
    epochs: int = 2
    batch_size: int = 32
    lr: float = 1e-4
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup: float = 0.06
    max_length: int = 64
    input_layer: int = 3
    n_layers: int = 3
    holdout_tweets: int = 1000
    holdout_binary: int = 500
    sst2_rows: int = 8000
    semeval_rows: int = 12000
    mams_repeat: int = 2
    eval_every: int = 250
    max_steps: int = 0
    sources: tuple[str, ...] = ("sst2", "semeval", "uci", "mams")
    threads: int = 2


def load_corpus(data_dir: Path, sources: Sequence[str]) -> pd.DataFrame:
    """Training texts with columns ``text``, ``label``, ``source``, ``binary`` (bool)."""
    readers = {
        "sst2": (_data.read_sst2_train, True),
        "semeval": (_data.read_semeval_pool, False),
        "uci": (_data.read_uci, True),
    }
    frames = []
    for name in sources:
        reader, binary = readers[name]
        df = reader(data_dir)[["text", "label"]].assign(source=name, binary=binary)
        frames.append(df[df["text"].str.len() > 0])
    return pd.concat(frames, ignore_index=True)


def subsample(corpus: pd.DataFrame, config: TrainConfig) -> pd.DataFrame:
    """Keep a seeded ``sst2_rows`` of SST-2's 67k phrases (0, the default, keeps them all)."""
    sst2 = corpus.index[corpus["source"] == "sst2"].to_numpy()
    if config.sst2_rows <= 0 or len(sst2) <= config.sst2_rows:
        return corpus
    rng = np.random.default_rng(config.seed)
    drop = rng.choice(sst2, size=len(sst2) - config.sst2_rows, replace=False)
    return corpus[~corpus.index.isin(drop)].reset_index(drop=True)


def holdout_split(corpus: pd.DataFrame, config: TrainConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded held-out slice for model selection: ``holdout_tweets`` three-class rows and
    ``holdout_binary`` rows of each binary source."""
    rng = np.random.default_rng(config.seed)
    held: list[int] = []
    for _, group in corpus.groupby("source", sort=True):
        n = config.holdout_binary if group["binary"].iloc[0] else config.holdout_tweets
        n = min(n, len(group) // 10)  # at most a tenth of a source (UCI: 300 of 3,000)
        held.extend(rng.choice(group.index.to_numpy(), size=n, replace=False).tolist())
    is_held = corpus.index.isin(held)
    return corpus[~is_held].reset_index(drop=True), corpus[is_held].reset_index(drop=True)


@dataclass
class HiddenCache:
    """Ragged lower-layer states: text ``i`` is ``states[offsets[i]:offsets[i + 1]]``."""

    states: np.ndarray  # (total_tokens, hidden) float16
    offsets: np.ndarray  # (n + 1,) int64

    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)


def _cache_key(texts: Sequence[str], config: TrainConfig) -> str:
    h = hashlib.sha1(f"minilm-l6|{config.input_layer}|{config.max_length}".encode())
    for t in texts:
        h.update(t.encode("utf-8") + b"\0")
    return h.hexdigest()[:16]


def cache_hidden_states(
    texts: Sequence[str], model: Any, config: TrainConfig, cache_dir: Path
) -> HiddenCache:
    """Run MiniLM's frozen lower layers over ``texts`` once; reuse the cache when it exists."""
    key = _cache_key(texts, config)
    states_path, offsets_path = cache_dir / f"{key}.states.npy", cache_dir / f"{key}.offsets.npy"
    if states_path.exists() and offsets_path.exists():
        log.info("reusing cached hidden states %s", states_path)
        return HiddenCache(np.load(states_path, mmap_mode="r"), np.load(offsets_path))
    cache_dir.mkdir(parents=True, exist_ok=True)
    chunks, lengths = _run_lower_layers(texts, model, config)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    states = np.concatenate(chunks)
    np.save(states_path.with_suffix(".tmp.npy"), states)
    np.save(offsets_path, offsets)
    states_path.with_suffix(".tmp.npy").rename(states_path)
    return HiddenCache(np.load(states_path, mmap_mode="r"), offsets)


def _run_lower_layers(
    texts: Sequence[str], model: Any, config: TrainConfig, batch_size: int = 128
) -> tuple[list[np.ndarray], np.ndarray]:
    import torch

    from analyzer.sentiment._model import BranchConfig, bert_blocks, mask_bias

    bert = model[0].auto_model
    lower = bert_blocks(bert, 0, config.input_layer, BranchConfig()).eval()
    order = np.argsort([len(t) for t in texts], kind="stable")
    per_text: list[np.ndarray] = [np.empty(0)] * len(texts)
    start = time.perf_counter()
    for b, first in enumerate(range(0, len(texts), batch_size)):
        idx = order[first : first + batch_size]
        enc = model.tokenizer(
            [texts[i] for i in idx],
            padding=True,
            truncation=True,
            max_length=config.max_length,
            return_tensors="pt",
        )
        with torch.inference_mode():
            hidden = bert.embeddings(
                input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"]
            )
            bias = mask_bias(enc["attention_mask"], hidden.dtype)
            for block in lower:
                hidden = block(hidden, bias)
        n_tokens = enc["attention_mask"].sum(1).tolist()
        for row, i in enumerate(idx):
            per_text[i] = hidden[row, : n_tokens[row]].to(torch.float16).numpy()
        if b % 100 == 0:
            log.info(
                "cached %d/%d texts, %.0fs",
                first + len(idx),
                len(texts),
                time.perf_counter() - start,
            )
    return per_text, np.array([len(x) for x in per_text], dtype=np.int64)


def _length_batches(
    lengths: np.ndarray, batch_size: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Shuffled batches of similar length (sorted within chunks of 64 batches)."""
    order = rng.permutation(len(lengths))
    chunk = batch_size * 64
    batches: list[np.ndarray] = []
    for first in range(0, len(order), chunk):
        part = order[first : first + chunk]
        part = part[np.argsort(lengths[part], kind="stable")]
        batches.extend(part[i : i + batch_size] for i in range(0, len(part), batch_size))
    rng.shuffle(batches)
    return batches


def _gather(cache: HiddenCache, idx: np.ndarray) -> tuple[Any, Any]:
    """Padded float32 states (b, L, h) and mask (b, L) for the texts ``idx``."""
    import torch

    lengths = cache.lengths()[idx]
    width = int(lengths.max())
    states = np.zeros((len(idx), width, cache.states.shape[1]), dtype=np.float32)
    mask = np.zeros((len(idx), width), dtype=np.int64)
    for row, (i, n) in enumerate(zip(idx, lengths, strict=True)):
        states[row, :n] = cache.states[cache.offsets[i] : cache.offsets[i] + n]
        mask[row, :n] = 1
    return torch.from_numpy(states), torch.from_numpy(mask)


def _loss(logits: Any, targets: Any, binary: Any, class_weight: Any) -> Any:
    """Weighted 3-class CE for three-class rows; neg-vs-pos CE for binary rows."""
    import torch.nn.functional as F

    total = logits.new_zeros(())
    three = ~binary
    if three.any():
        total = (
            total
            + F.cross_entropy(logits[three], targets[three], weight=class_weight, reduction="sum")
            / class_weight[targets[three]].sum().clamp(min=1e-9)
            * three.sum()
        )
    if binary.any():
        pair = logits[binary][:, [0, 2]]
        total = total + F.cross_entropy(pair, targets[binary] // 2, reduction="sum")
    return total / len(targets)


def _class_weight(labels: np.ndarray, binary: np.ndarray) -> np.ndarray:
    """Inverse class frequency among the three-class rows, mean 1 (balances macro-recall)."""
    counts = np.bincount(labels[~binary], minlength=len(LABELS)).astype(np.float64)
    weight = counts.sum() / np.maximum(counts, 1) / len(LABELS)
    return weight / weight.mean()


def predict_cached(branch: Any, cache: HiddenCache, batch_size: int = 256) -> np.ndarray:
    """(n, 3) class probabilities for every cached text."""
    import torch

    branch.eval()
    order = np.argsort(cache.lengths(), kind="stable")
    probs = np.zeros((len(order), len(LABELS)), dtype=np.float32)
    with torch.inference_mode():
        for first in range(0, len(order), batch_size):
            idx = order[first : first + batch_size]
            states, mask = _gather(cache, idx)
            probs[idx] = torch.softmax(branch(states, mask), -1).numpy()
    return probs


def holdout_scores(probs: np.ndarray, holdout: pd.DataFrame) -> dict[str, float]:
    """Per-source held-out scores and the selection score (mean of the sources' main metric)."""
    pred = np.asarray(LABELS, dtype=object)[probs.argmax(1)]
    binary_pred = np.where(probs[:, 2] >= probs[:, 0], "positive", "negative")
    out: dict[str, float] = {}
    for source, group in holdout.groupby("source", sort=True):
        idx = group.index.to_numpy()
        if group["binary"].iloc[0]:
            scores = classification_scores(group["label"], binary_pred[idx])
            out[f"{source}_accuracy"] = scores["accuracy"]
        else:
            scores = classification_scores(group["label"], pred[idx])
            out[f"{source}_macro_recall"] = scores["macro_recall"]
            out[f"{source}_macro_f1"] = scores["macro_f1"]
    main = [v for k, v in out.items() if k.endswith(("_accuracy", "_macro_recall"))]
    out["selection"] = float(np.mean(main))
    return out


def _optimizer(branch: Any, config: TrainConfig, total_steps: int) -> tuple[Any, Any]:
    import torch

    head = list(branch.head.parameters())
    head_ids = {id(p) for p in head}
    body = [p for p in branch.parameters() if id(p) not in head_ids]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": config.lr}, {"params": head, "lr": config.head_lr}],
        weight_decay=config.weight_decay,
    )
    warm = max(1, int(config.warmup * total_steps))

    def schedule(step: int) -> float:
        return min((step + 1) / warm, max(0.0, (total_steps - step) / max(total_steps - warm, 1)))

    return opt, torch.optim.lr_scheduler.LambdaLR(opt, schedule)


def train_branch(
    model: Any,
    train: pd.DataFrame,
    train_cache: HiddenCache,
    holdout: pd.DataFrame,
    holdout_cache: HiddenCache,
    config: TrainConfig,
    on_best: Callable[[Any, list[dict[str, float]]], None] | None = None,
) -> tuple[Any, list[dict[str, float]]]:
    """Fine-tune the top-layer copy + head (see :func:`fine_tune`).

    The held-out set is scored every ``eval_every`` steps and at the end; ``on_best`` is
    called with the branch whenever the score improves (so an interrupted run keeps its
    best model). Returns the best branch and the evaluation history.
    """
    import torch

    torch.manual_seed(config.seed)
    branch = _initial_branch(model, config)
    labels = train["label"].map(_LABEL_INDEX).to_numpy()
    binary = train["binary"].to_numpy(dtype=bool)

    def logits_of(idx: np.ndarray, _rng: np.random.Generator) -> Any:
        return branch(*_gather(train_cache, idx))

    def evaluate() -> dict[str, float]:
        return holdout_scores(predict_cached(branch, holdout_cache), holdout)

    batches = Batches(train_cache.lengths(), labels, binary)
    return fine_tune(branch, batches, logits_of, evaluate, config, on_best)


@dataclass
class Batches:
    """What the training loop needs of the training rows: token lengths (for batching by
    length), class indices, and which rows are binary (negative vs positive only)."""

    lengths: np.ndarray
    labels: np.ndarray
    binary: np.ndarray


def fine_tune(
    branch: Any,
    rows: Batches,
    logits_of: Callable[[np.ndarray, np.random.Generator], Any],
    evaluate: Callable[[], dict[str, float]],
    config: TrainConfig,
    on_best: Callable[[Any, list[dict[str, float]]], None] | None = None,
) -> tuple[Any, list[dict[str, float]]]:
    """The training loop of both branches (clause-level here, aspect in aspect_training.py).

    ``logits_of(idx, rng)`` is the branch's forward pass on training rows ``idx`` (``rng``
    is the loop's seeded generator, for any random choice the forward pass makes);
    ``evaluate()`` scores the held-out set and returns at least ``"selection"``. Batches of
    similar length, class-weighted loss (:func:`_loss`), AdamW with warm-up and linear decay,
    gradients clipped at 1. Seed torch before building the branch; the batch order comes
    from ``config.seed``. Returns the best-scoring branch (eval mode) and the history.
    """
    import torch

    rng = np.random.default_rng(config.seed)
    weight = torch.tensor(_class_weight(rows.labels, rows.binary), dtype=torch.float32)
    steps = config.epochs * -(-len(rows.labels) // config.batch_size)
    steps = min(steps, config.max_steps) if config.max_steps > 0 else steps
    opt, sched = _optimizer(branch, config, steps)
    history: list[dict[str, float]] = []
    best: tuple[float, dict[str, Any]] = (-1.0, {})
    start, step, running = time.perf_counter(), 0, 0.0
    for epoch in range(config.epochs):
        for idx in _length_batches(rows.lengths, config.batch_size, rng):
            if step == steps:
                break
            branch.train()
            y, is_binary = torch.from_numpy(rows.labels[idx]), torch.from_numpy(rows.binary[idx])
            loss = _loss(logits_of(idx, rng), y, is_binary, weight)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(branch.parameters(), 1.0)
            opt.step()
            sched.step()
            step, running = step + 1, running + float(loss.detach())
            if step % 100 == 0:
                log.info("step %d/%d, %.0fs", step, steps, time.perf_counter() - start)
            if step % config.eval_every and step != steps:
                continue
            scores = evaluate()
            scores.update(
                step=step,
                epoch=epoch + 1,
                loss=running / config.eval_every,
                seconds=round(time.perf_counter() - start, 1),
            )
            history.append(scores)
            running = 0.0
            log.info("step %d/%d held-out %s", step, steps, json.dumps(scores))
            if scores["selection"] > best[0]:
                best = (scores["selection"], {k: v.clone() for k, v in branch.state_dict().items()})
                if on_best is not None:
                    on_best(branch, history)
    branch.load_state_dict(best[1])
    return branch.eval(), history


def _initial_branch(model: Any, config: TrainConfig) -> Any:
    """A branch whose layers start as copies of MiniLM's top ``n_layers`` layers."""
    from analyzer.sentiment._model import (
        BranchConfig,
        SentimentBranch,
        base_fingerprint,
        bert_blocks,
    )

    bert = model[0].auto_model
    bcfg = BranchConfig(
        input_layer=config.input_layer,
        n_layers=config.n_layers,
        base_fingerprint=base_fingerprint(bert, config.input_layer),
    )
    branch = SentimentBranch(bcfg)
    top = config.input_layer + config.n_layers
    branch.layers = bert_blocks(bert, config.input_layer, top, bcfg)
    return branch
