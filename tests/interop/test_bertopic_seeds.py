"""BERTopic topics as seed themes: read from a saved model (pickle or safetensors), redacted,
and through `cxa analyze --seed-from-bertopic` back as themes with their labels; a plain
`cxa analyze` never imports BERTopic."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from analyzer import demo
from analyzer.cli import app
from analyzer.embed import FakeEmbedder
from analyzer.errors import ConfigError, ModelError
from analyzer.interop import TopicSeed, read_bertopic_topics, seed_codeframe
from analyzer.text import TextProcessor

CORPUS = {
    "delivery": [
        "my parcel arrived late", "the delivery was late again", "the parcel came two days late",
        "late delivery of my order", "the parcel never arrived on time", "delivery took too long",
        "the courier missed the delivery window", "my order was delivered late",
        "slow delivery of the parcel", "the delivery was late by a week",
    ],
    "app": [
        "the app keeps crashing", "the app crashes when I log in", "the app crashed at checkout",
        "the app freezes and crashes", "I cannot log in to the app", "the app crashed twice today",
        "the app crashes on startup", "login to the app fails", "the app is buggy and crashes",
        "the app is crashing all the time",
    ],
    "refund": [
        "still waiting for my refund", "the refund took weeks", "no refund after my return",
        "the refund was never processed", "I want my money back", "the refund process is slow",
        "my refund has not arrived", "they refused a refund", "the refund took a month",
        "waiting on a refund for my return",
    ],
}  # fmt: skip
LABELS = {"delivery": "Late parcels", "app": "App crashes"}  # refund keeps its top words


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[int, str]]:
    """A BERTopic model fitted here on a small corpus, saved as a pickle and as safetensors."""
    from bertopic import BERTopic
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA

    texts = [t for docs in CORPUS.values() for t in docs]
    model = BERTopic(
        umap_model=PCA(n_components=5, random_state=0),
        hdbscan_model=KMeans(n_clusters=3, n_init=10, random_state=0),
        min_topic_size=3,
    )
    topics, _ = model.fit_transform(texts, FakeEmbedder().encode(texts))
    group_of = [key for key, docs in CORPUS.items() for _ in docs]
    # the topic most of a group's documents went to
    names = pd.Series(topics).groupby(group_of).agg(lambda s: int(s.mode()[0])).to_dict()
    assert sorted(names.values()) == [0, 1, 2]
    model.set_topic_labels({names[k]: label for k, label in LABELS.items()})
    folder = tmp_path_factory.mktemp("bertopic-seed")
    model.save(folder / "model.pkl")
    model.save(folder / "model-st", serialization="safetensors")
    return folder / "model.pkl", folder / "model-st", {v: k for k, v in names.items()}


def test_topics_are_read_with_their_labels_and_representative_documents(saved) -> None:
    pickled, _, groups = saved
    seeds = read_bertopic_topics(pickled)
    assert [s.topic for s in seeds] == [0, 1, 2]  # the outliers (-1) are no seed
    for seed in seeds:
        group = groups[seed.topic]
        assert seed.anchored_on == "representative documents"
        assert seed.anchors and set(seed.anchors) <= set(CORPUS[group])
        if group in LABELS:
            assert seed.label == LABELS[group]
        else:  # no custom label: the top words, never a stop word
            assert seed.label.split()[0] == "refund" and "the" not in seed.label.split()


def test_a_safetensors_model_without_documents_is_anchored_on_top_words(saved) -> None:
    _, folder, groups = saved
    seeds = {s.topic: s for s in read_bertopic_topics(folder)}
    for topic, group in groups.items():
        seed = seeds[topic]
        assert seed.anchored_on == "top words" and seed.label == LABELS.get(group, seed.label)
        assert {"the", "my", "to"}.isdisjoint(seed.anchors)
        assert any(group[:4] in word for word in seed.anchors)  # delivery / app / refund


def test_anchors_are_redacted_before_the_codeframe_keeps_them() -> None:
    seed = TopicSeed(1, "Refunds", ["mail me at jane.doe@example.com about my refund"], "x")
    processor = TextProcessor(model="blank")
    frame = seed_codeframe([seed], lambda texts: [p.redacted for p in processor.process(texts)])
    (kept,) = frame.seeds
    assert kept.name == "Refunds" and "jane.doe" not in kept.phrases[0]
    assert "[EMAIL]" in kept.phrases[0] and "jane.doe" not in json.dumps(frame.to_dict())


def test_a_missing_or_foreign_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="No BERTopic model at"):
        read_bertopic_topics(tmp_path / "nothing")
    (tmp_path / "notes").mkdir()
    with pytest.raises(ModelError, match="Cannot read the BERTopic model at"):
        read_bertopic_topics(tmp_path / "notes")


def test_a_bertopic_model_seeds_cxa_analyze_and_its_topics_come_back_as_themes(
    saved, tmp_path: Path
) -> None:
    pickled, _, groups = saved
    export, _ = demo.write(tmp_path / "demo.csv", 200, seed=3)
    out = tmp_path / "out"
    args = ["analyze", str(export), "--out", str(out), "--model", "fake", "--sentiment", "vader"]
    result = CliRunner().invoke(app, [*args, "--seed-from-bertopic", str(pickled)])
    assert result.exit_code == 0, result.output
    assert "3 seed themes from the BERTopic model" in " ".join(result.output.split())
    themes = pd.read_parquet(out / "themes.parquet")
    codeframe = json.loads((out / "model" / "codeframe.json").read_text())
    seeded = {s["name"]: s["theme_id"] for s in codeframe["seeds"]}
    expected = [s.label for s in read_bertopic_topics(pickled)]
    assert sorted(seeded) == sorted(expected) and set(LABELS.values()) <= set(seeded)
    labels = dict(zip(themes["theme_id"], themes["label"], strict=True))
    assert {name: labels[tid] for name, tid in seeded.items()} == {n: n for n in seeded}
    # anchored on the topics' representative documents (nothing in them to redact)
    anchors = {s.label: s.anchors for s in read_bertopic_topics(pickled)}
    assert {s["name"]: s["phrases"] for s in codeframe["seeds"]} == anchors
    assert set(groups.values()) == set(CORPUS)


def test_a_missing_bertopic_model_stops_cxa_analyze_with_its_path(tmp_path: Path) -> None:
    export, _ = demo.write(tmp_path / "demo.csv", 20, seed=3)
    args = ["analyze", str(export), "--out", str(tmp_path / "o"), "--model", "fake"]
    result = CliRunner().invoke(app, [*args, "--seed-from-bertopic", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "No BERTopic model at" in result.output
    assert not (tmp_path / "o" / "cxa.duckdb").exists()


def test_a_plain_analyze_never_imports_bertopic(tmp_path: Path) -> None:
    export, _ = demo.write(tmp_path / "demo.csv", 60, seed=4)
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from analyzer.cli import app\n"
        f"args = ['analyze', {str(export)!r}, '--out', {str(tmp_path / 'out')!r},\n"
        "        '--model', 'fake', '--sentiment', 'vader']\n"
        "result = CliRunner().invoke(app, args)\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in ('bertopic', 'umap', 'hdbscan') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert len(pd.read_parquet(tmp_path / "out" / "themes.parquet")) > 0
