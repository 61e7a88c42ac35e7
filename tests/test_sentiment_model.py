"""Tests for the trained-model plumbing: branch save/load, training helpers, data normalisation.

Fast tests use a tiny random branch; the ``slow`` ones load the bundled MiniLM.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from analyzer.errors import ModelError
from analyzer.sentiment import training
from analyzer.sentiment._data import normalize_text
from analyzer.sentiment._model import (
    BranchConfig,
    SentimentBranch,
    bert_blocks,
    load_branch,
    mask_bias,
    save_branch,
)
from analyzer.sentiment.evaluation import classification_scores

TINY = {"hidden_size": 64, "num_heads": 2, "intermediate_size": 128, "n_layers": 1}


def test_branch_save_load_roundtrip(tmp_path: Path) -> None:
    torch.manual_seed(0)
    branch = SentimentBranch(BranchConfig(**TINY)).eval()
    save_branch(branch, tmp_path)
    loaded = load_branch(tmp_path)
    states, mask = torch.randn(3, 5, 64), torch.tensor([[1] * 5, [1, 1, 1, 0, 0], [1, 0, 0, 0, 0]])
    with torch.inference_mode():
        expected, got = branch(states, mask), loaded(states, mask)
    assert got.shape == (3, 3)
    assert torch.allclose(expected, got, atol=2e-2)  # int8 matrices, float16 vectors
    assert expected.argmax(1).tolist() == got.argmax(1).tolist()
    assert loaded.config.labels == ["negative", "neutral", "positive"]


def test_padding_does_not_change_logits() -> None:
    torch.manual_seed(0)
    branch = SentimentBranch(BranchConfig(**TINY)).eval()
    states = torch.randn(1, 4, 64)
    padded = torch.cat([states, torch.randn(1, 3, 64)], dim=1)
    with torch.inference_mode():
        short = branch(states, torch.ones(1, 4, dtype=torch.long))
        long = branch(padded, torch.tensor([[1, 1, 1, 1, 0, 0, 0]]))
    assert torch.allclose(short, long, atol=1e-5)


def test_load_branch_errors(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="No sentiment model"):
        load_branch(tmp_path)
    save_branch(SentimentBranch(BranchConfig(**TINY)), tmp_path)
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "format_version": 99}))
    with pytest.raises(ModelError, match="format_version"):
        load_branch(tmp_path)
    (tmp_path / "config.json").write_text(json.dumps({**config, "hidden_size": 32}))
    with pytest.raises(ModelError, match="do not match"):
        load_branch(tmp_path)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@united thanks!! http://t.co/x1", "@user thanks!!"),
        ('"Quoted tweet\\u2019s text"', "Quoted tweet’s text"),
        ("a\\u002c b   c", "a, b c"),
    ],
)
def test_normalize_text(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_classification_scores_binary_and_three_class() -> None:
    s = classification_scores(["positive", "negative"], ["positive", "neutral"])
    assert s["accuracy"] == pytest.approx(0.5)
    assert s["macro_recall"] == pytest.approx(0.5)  # averaged over the two present classes
    s3 = classification_scores(["negative", "neutral", "positive"] * 2, ["neutral"] * 6)
    assert s3["macro_recall"] == pytest.approx(1 / 3)


def test_loss_binary_rows_ignore_the_neutral_logit() -> None:
    logits = torch.tensor([[0.0, 5.0, 0.0], [0.0, -5.0, 0.0]])
    targets, binary = torch.tensor([2, 2]), torch.tensor([True, True])
    loss = training._loss(logits, targets, binary, torch.ones(3))
    assert loss.item() == pytest.approx(np.log(2), rel=1e-5)


def test_class_weight_balances_three_class_rows_only() -> None:
    labels = np.array([0, 1, 1, 1, 2, 2, 0, 0, 0])
    binary = np.array([False] * 6 + [True] * 3)
    w = training._class_weight(labels, binary)
    assert w.mean() == pytest.approx(1.0)
    assert w[0] > w[2] > w[1]  # one negative, three neutral, two positive among 3-class rows


def test_holdout_split_is_seeded_and_disjoint() -> None:
    corpus = pd.DataFrame(
        {
            "text": [f"t{i}" for i in range(300)],
            "label": ["positive", "negative", "neutral"] * 100,
            "source": ["semeval"] * 200 + ["sst2"] * 100,
            "binary": [False] * 200 + [True] * 100,
        }
    )
    config = training.TrainConfig(holdout_tweets=20, holdout_binary=10)
    train_a, held_a = training.holdout_split(corpus, config)
    _, held_b = training.holdout_split(corpus, config)
    assert held_a.equals(held_b)
    assert held_a.groupby("source").size().to_dict() == {"semeval": 20, "sst2": 10}
    assert not set(train_a["text"]) & set(held_a["text"])
    assert len(train_a) + len(held_a) == 300


def test_length_batches_cover_every_row_once() -> None:
    rng = np.random.default_rng(0)
    lengths = rng.integers(1, 40, size=1000)
    batches = training._length_batches(lengths, 32, rng)
    assert sorted(np.concatenate(batches).tolist()) == list(range(1000))
    assert max(len(b) for b in batches) == 32


@pytest.mark.slow
def test_blocks_reproduce_minilm_hidden_states() -> None:
    from analyzer.sentiment._minilm import load_base_model, tokenize

    model = load_base_model()
    bert = model[0].auto_model
    features = tokenize(model, ["the food was great", "the service was slow, sadly"])
    blocks = bert_blocks(bert, 0, 6, BranchConfig()).eval()
    with torch.inference_mode():
        out = bert(**features, output_hidden_states=True)
        hidden = out.hidden_states[0]
        bias = mask_bias(features["attention_mask"], hidden.dtype)
        real = features["attention_mask"].bool()
        for i, block in enumerate(blocks):
            hidden = block(hidden, bias)
            assert torch.allclose(hidden[real], out.hidden_states[i + 1][real], atol=1e-4)


def test_int8_inference_quantizes_the_named_layers_and_stays_close_to_float() -> None:
    from analyzer.sentiment._model import for_inference

    torch.manual_seed(0)
    branch = SentimentBranch(BranchConfig(**{**TINY, "n_layers": 2})).eval()
    states = torch.randn(16, 7, 64)
    mask = torch.ones(16, 7, dtype=torch.long)
    # without a calibrated input range a layer stays in float (a range per batch would make a
    # text's sentiment depend on its batch mates)
    assert for_inference(branch) is branch
    branch.config.int8_clip = {f"layers.{i}.{n}": 4.0 for i in range(2) for n in ("qkv", "ff1")}
    fast = for_inference(branch)  # default: qkv and ff1 of every block
    kinds = {name: type(m).__module__ for name, m in fast.named_modules()}
    assert ".quantized.dynamic." in kinds["layers.0.qkv.inner"]  # int8 on a fixed range
    assert ".quantized.dynamic." in kinds["layers.1.ff1.inner"]
    assert kinds["layers.0.ff2"] == kinds["head"] == "torch.nn.modules.linear"
    assert type(branch.layers[0].qkv) is torch.nn.Linear  # the float branch is untouched
    assert fast.config.input_layer == branch.config.input_layer
    with torch.inference_mode():
        p_float = torch.softmax(branch(states, mask), -1)
        p_int8 = torch.softmax(fast(states, mask), -1)
    assert float((p_float - p_int8).abs().max()) < 0.05

    branch.config.int8_inference = []
    assert for_inference(branch) is branch
    branch.config.int8_inference = ["qkv", "attention"]
    with pytest.raises(ModelError, match="attention"):
        for_inference(branch)
