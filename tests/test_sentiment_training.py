"""Smoke test of the training entry point on a tiny corpus laid out like shared/data."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from analyzer.sentiment import get_backend
from analyzer.sentiment._data import SEMEVAL_POOL_FILES
from analyzer.sentiment.train_command import main

pytestmark = pytest.mark.slow

WORDS = {
    "positive": ["great", "lovely", "excellent", "fast", "helpful"],
    "negative": ["awful", "slow", "rude", "broken", "terrible"],
    "neutral": ["on tuesday", "in the box", "by post", "at noon", "in blue"],
}


def _rows(label: str, n: int, offset: int = 0) -> list[str]:
    words = WORDS[label]
    return [f"item {i + offset} was {words[i % len(words)]}" for i in range(n)]


def _write_corpus(root: Path) -> None:
    sst = root / "sst2_train"
    sst.mkdir(parents=True)
    lines = ["text\tlabel"]
    lines += [f"{t} \t1" for t in _rows("positive", 20)]
    lines += [f"{t} \t0" for t in _rows("negative", 20)]
    (sst / "train.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    pool = root / "semeval2017_task4a" / "downloaded"
    pool.mkdir(parents=True)
    for k, name in enumerate(SEMEVAL_POOL_FILES):
        rows = [
            f"{k}{label[:3]}{i}\t{label}\t@someone {text} http://t.co/x"
            for label in WORDS
            for i, text in enumerate(_rows(label, 4, offset=100 * k))
        ]
        (pool / name).write_text("\n".join(rows) + "\n", encoding="utf-8")
    uci = root / "uci_sentiment_labelled_sentences"
    uci.mkdir(parents=True)
    for name in ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"):
        rows = [f"{t}\t1" for t in _rows("positive", 10)] + [
            f"{t}\t0" for t in _rows("negative", 10)
        ]
        (uci / name).write_text("\n".join(rows) + "\n", encoding="utf-8")


def _train(data: Path, out: Path, cache: Path) -> None:
    argv = [
        f"--data-dir={data}",
        f"--out={out}",
        f"--cache-dir={cache}",
        "--max-steps=4",
        "--eval-every=2",
        "--batch-size=8",
        "--sst2-rows=30",
        "--seed=3",
        "--sources=sst2,semeval,uci",
    ]
    assert main(argv) == 0


def test_training_writes_a_loadable_reproducible_model(tmp_path: Path) -> None:
    _write_corpus(tmp_path / "data")
    _train(tmp_path / "data", tmp_path / "a", tmp_path / "cache")
    _train(tmp_path / "data", tmp_path / "b", tmp_path / "cache")  # reuses the cache
    config = json.loads((tmp_path / "a" / "config.json").read_text())
    assert config["extra"]["training"]["seed"] == 3
    assert config["extra"]["training_rows"] == {"semeval": 119, "sst2": 27, "uci": 54}
    assert [h["step"] for h in config["extra"]["heldout"]][-1] <= 4
    first = (tmp_path / "a" / "model.safetensors").read_bytes()
    assert first == (tmp_path / "b" / "model.safetensors").read_bytes()
    labels, scores = get_backend("minilm-sentiment", model_dir=tmp_path / "a").predict(
        ["item was great", "item was awful"]
    )
    assert labels.shape == (2,) and np.all(np.abs(scores) <= 1)


def test_branch_depth_is_a_training_option_and_impossible_depths_are_refused(
    tmp_path: Path,
) -> None:
    _write_corpus(tmp_path / "data")
    base = [
        f"--data-dir={tmp_path / 'data'}",
        f"--cache-dir={tmp_path / 'cache'}",
        "--sources=sst2,semeval,uci",
    ]
    # one step: the warm-up is the whole schedule (this once divided by zero)
    small = ["--max-steps=1", "--eval-every=1", "--batch-size=8", "--sst2-rows=30"]
    out = tmp_path / "deep"
    assert main([*base, *small, f"--out={out}", "--input-layer=3", "--n-layers=3"]) == 0
    config = json.loads((out / "config.json").read_text())
    assert (config["input_layer"], config["n_layers"]) == (3, 3)
    labels, scores = get_backend("minilm-sentiment", model_dir=out).predict(["fine", "awful"])
    assert labels.shape == (2,) and np.all(np.abs(scores) <= 1)
    for bad in (["--input-layer=4", "--n-layers=3"], ["--input-layer=0"]):
        with pytest.raises(SystemExit) as exc:
            main([*base, *small, f"--out={tmp_path / 'bad'}", *bad])
        assert exc.value.code == 2
    assert not (tmp_path / "bad").exists()


def _write_mams(root: Path) -> None:
    folder = root / "mams_acsa"
    folder.mkdir(parents=True)
    sentences = [
        ("the food was {} but the waiter was {}", "food", "staff"),
        ("prices are {} and the room is {}", "price", "ambience"),
    ]
    words = {"positive": "lovely", "negative": "awful", "neutral": "there"}
    for split, n in (("train", 12), ("validation", 4), ("test", 2)):
        rows = ["sentence_id,text,aspects"]
        for i in range(n):
            template, a, b = sentences[i % 2]
            pa, pb = list(words)[i % 3], list(words)[(i + 1) % 3]
            aspects = json.dumps(
                [{"category": a, "polarity": pa}, {"category": b, "polarity": pb}]
            ).replace('"', '""')
            rows.append(f'{split}-{i},"{template.format(words[pa], words[pb])} {i}","{aspects}"')
        (folder / f"{split}.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_training_with_mams_writes_an_aspect_model(tmp_path: Path) -> None:
    from analyzer.sentiment import AspectSentimentBackend

    _write_corpus(tmp_path / "data")
    _write_mams(tmp_path / "data")
    out = tmp_path / "aspect"
    argv = [
        f"--data-dir={tmp_path / 'data'}",
        f"--cache-dir={tmp_path / 'cache'}",
        f"--out={out}",
        "--sources=semeval,mams",
        "--max-steps=2",
        "--eval-every=1",
        "--batch-size=8",
    ]
    assert main(argv) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["aspect"] is True
    assert config["extra"]["training_rows"]["mams"] == 2 * 24  # 12 sentences x 2 aspects x 2
    assert "mams_accuracy" in config["extra"]["heldout"][-1]
    assert set(config["int8_clip"]) == {f"layers.{i}.{n}" for i in range(3) for n in ("qkv", "ff1")}
    backend = AspectSentimentBackend(model_dir=out)
    labels, scores = backend.predict_aspects(["the food was awful"] * 2, ["food", None])
    assert labels.shape == (2,) and np.all(np.abs(scores) <= 1)


def test_the_shared_loop_keeps_the_best_checkpoint_not_the_last() -> None:
    import torch

    from analyzer.sentiment.training import Batches, TrainConfig, fine_tune

    class Toy(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.body = torch.nn.Linear(4, 4)
            self.head = torch.nn.Linear(4, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(torch.relu(self.body(x)))

    torch.manual_seed(0)
    branch = Toy()
    x = torch.randn(24, 4)
    rows = Batches(
        lengths=np.full(24, 5),
        labels=np.arange(24) % 3,
        binary=np.zeros(24, dtype=bool),
    )
    scripted = iter([0.5, 0.9, 0.7])  # the second evaluation is the best
    seen: list[dict[str, torch.Tensor]] = []

    def evaluate() -> dict[str, float]:
        seen.append({k: v.clone() for k, v in branch.state_dict().items()})
        return {"selection": next(scripted)}

    saved: list[int] = []
    config = TrainConfig(epochs=3, batch_size=8, eval_every=3, lr=0.05, head_lr=0.05)
    best, history = fine_tune(
        branch,
        rows,
        lambda idx, _rng: branch(x[torch.from_numpy(idx)]),
        evaluate,
        config,
        on_best=lambda _b, h: saved.append(len(h)),
    )
    assert [h["step"] for h in history] == [3, 6, 9]
    assert saved == [1, 2]  # called on each improvement, not on the worse third score
    assert not best.training
    for name, tensor in best.state_dict().items():
        assert torch.equal(tensor, seen[1][name]), name
    assert not torch.equal(seen[1]["head.weight"], seen[2]["head.weight"])  # it did move on
