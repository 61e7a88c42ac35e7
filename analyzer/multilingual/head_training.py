"""Fit the multilingual sentiment head: a small network on frozen encoder vectors.

The recipe (:class:`HeadRecipe`) is what ``benchmarks/multilingual.py`` compares side by
side: a linear head or a one-hidden-layer MLP, label smoothing, and a loss that knows which
rows are binary. The English corpus mixes three-class tweets (SemEval) with binary sets
(SST-2, UCI, MAMS sentences of one polarity), which have no neutral examples at all;
treating them as three-class teaches the head that "not neutral" is the norm, so it calls
plain statements in other languages positive or negative. A binary row is therefore scored
on the negative and positive logits only, as the English branch's training does
(:mod:`analyzer.sentiment.training`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from analyzer.multilingual.sentiment import LABELS, SentimentHead


@dataclass(frozen=True)
class HeadRecipe:
    """Everything that determines a fitted head (written to ``config.json``).

    Attributes
    ----------
    hidden : int
        Units of the hidden layer; 0 fits a linear head.
    smoothing : float
        Label smoothing of the cross-entropy.
    binary_aware : bool
        Score binary rows on the negative / positive logits only.
    """

    hidden: int = 0
    smoothing: float = 0.1
    binary_aware: bool = True
    dropout: float = 0.2
    epochs: int = 24
    lr: float = 2e-3
    weight_decay: float = 1e-2
    batch_size: int = 64
    seed: int = 0

    def describe(self) -> dict[str, Any]:
        return asdict(self)


def _class_weights(targets: np.ndarray, classes: int) -> np.ndarray:
    counts = np.bincount(targets, minlength=classes).astype("float64")
    return (counts.sum() / (classes * np.maximum(counts, 1))).astype(np.float32)


def _network(dim: int, recipe: HeadRecipe) -> Any:
    import torch

    if recipe.hidden <= 0:
        return torch.nn.Sequential(torch.nn.Linear(dim, len(LABELS)))
    return torch.nn.Sequential(
        torch.nn.Linear(dim, recipe.hidden),
        torch.nn.ReLU(),
        torch.nn.Dropout(recipe.dropout),
        torch.nn.Linear(recipe.hidden, len(LABELS)),
    )


def class_losses(targets: np.ndarray, binary: np.ndarray, recipe: HeadRecipe) -> tuple[Any, Any]:
    """Class-weighted cross-entropies: three-class rows, and binary rows (neg / pos)."""
    import torch

    three = torch.from_numpy(_class_weights(targets[~binary], 3))
    two = torch.from_numpy(_class_weights(targets[binary] // 2, 2))
    return (
        torch.nn.CrossEntropyLoss(weight=three, label_smoothing=recipe.smoothing, reduction="sum"),
        torch.nn.CrossEntropyLoss(weight=two, label_smoothing=recipe.smoothing, reduction="sum"),
    )


def batch_loss(logits: Any, targets: Any, binary: np.ndarray, losses: tuple[Any, Any]) -> Any:
    """Mean loss of a batch: three-class rows on all three logits, binary rows on the
    negative and positive logits only (their neutral logit takes no part)."""
    import torch

    three, two = losses
    is_binary = torch.from_numpy(binary)
    loss = logits.new_zeros(())
    if (~binary).any():
        loss = loss + three(logits[~is_binary], targets[~is_binary])
    if binary.any():
        loss = loss + two(logits[is_binary][:, [0, 2]], targets[is_binary] // 2)
    return loss / len(binary)


def fit_head(
    vectors: np.ndarray, labels: np.ndarray, binary: np.ndarray, recipe: HeadRecipe
) -> SentimentHead:
    """Train a head on ``vectors`` (n, dim) with ``labels`` (n,) in :data:`LABELS`.

    ``binary`` (n,) bool marks rows of binary sources (never ``neutral``). Seeded: the same
    inputs and recipe give the same head. AdamW with a one-cycle schedule, class-weighted.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny matrices: a second thread only spins on two shared cores
    try:
        return _train(vectors, labels, binary, recipe)
    finally:
        torch.set_num_threads(threads)


def _train(
    vectors: np.ndarray, labels: np.ndarray, binary: np.ndarray, recipe: HeadRecipe
) -> SentimentHead:
    import torch

    torch.manual_seed(recipe.seed)
    rng = np.random.default_rng(recipe.seed)
    targets = np.array([LABELS.index(str(label)) for label in labels], dtype=np.int64)
    binary = np.asarray(binary, dtype=bool) if recipe.binary_aware else np.zeros(len(labels), bool)
    x, y, b = torch.from_numpy(vectors.astype(np.float32)), torch.from_numpy(targets), binary
    net = _network(vectors.shape[1], recipe)
    losses = class_losses(targets, binary, recipe)
    steps = recipe.epochs * -(-len(targets) // recipe.batch_size)
    optimizer = torch.optim.AdamW(net.parameters(), lr=recipe.lr, weight_decay=recipe.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=recipe.lr, total_steps=steps)
    net.train()
    for _ in range(recipe.epochs):
        order = rng.permutation(len(targets))
        for start in range(0, len(order), recipe.batch_size):
            idx = order[start : start + recipe.batch_size]
            loss = batch_loss(net(x[idx]), y[idx], b[idx], losses)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
    linears = [m for m in net if isinstance(m, torch.nn.Linear)]
    return SentimentHead([(m.weight.detach().numpy(), m.bias.detach().numpy()) for m in linears])
