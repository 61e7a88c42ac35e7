"""A run's themes as a BERTopic model: sizes, labels, ids, outliers, multi-theme mentions, the
embedding model, and BERTopic's own tables and figures on it (before and after save / load)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from analyzer import demo
from analyzer.cli import app
from analyzer.config import make_config
from analyzer.embed import FakeEmbedder, minilm_path
from analyzer.errors import InputError
from analyzer.interop import OUTLIER_LABEL, export_bertopic, to_bertopic
from analyzer.interop.bertopic_export import bertopic_rows, topic_numbers
from analyzer.pipeline import analyze_and_store
from analyzer.store import RunData, Store
from analyzer.text.normalise import embedding_texts

FAST = make_config(embedding="fake", spacy_model="blank", sentiment="vader", use_cache=False)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> RunData:
    folder = tmp_path_factory.mktemp("bertopic-run")
    export, _ = demo.write(folder / "demo.csv", 300, seed=2)
    store = Store(folder / "cxa.duckdb")
    run_id, _ = analyze_and_store(export, store, config=FAST, model_dir=folder / "model")
    return store.load_run(run_id)


@pytest.fixture(scope="module")
def exported(run: RunData, tmp_path_factory: pytest.TempPathFactory):
    return export_bertopic(run, tmp_path_factory.mktemp("export") / "bertopic")


def _run_sizes(run: RunData) -> dict[int, int]:
    """Mentions per theme as the run's per-theme figures count them: every row."""
    counts = run.mentions.loc[run.mentions["theme_id"] >= 0, "theme_id"].value_counts()
    return {int(t): int(n) for t, n in counts.items()}


def _info_sizes(info: pd.DataFrame) -> dict[int, int]:
    rows = info[info["Topic"] >= 0]
    return dict(zip(rows["Topic"].astype(int), rows["Count"].astype(int), strict=True))


def test_exported_and_reloaded_model_has_the_runs_topic_sizes_and_labels(run, exported) -> None:
    from bertopic import BERTopic

    folder, export = exported
    loaded = BERTopic.load(str(folder))
    info = loaded.get_topic_info()
    labels = dict(zip(run.themes["theme_id"].astype(int), run.themes["label"], strict=True))
    # topic ids are the theme ids (a fresh run has no gap), sizes and labels are the run's
    assert _info_sizes(info) == _run_sizes(run)
    named = info[info["Topic"] >= 0]
    assert dict(zip(named["Topic"], named["CustomName"], strict=True)) == {
        t: labels[t] for t in _run_sizes(run)
    }
    # the outliers are the unassigned mentions; no-topic mentions (-2) are left out
    unassigned = int((run.mentions["theme_id"] == -1).sum())
    assert unassigned > 0 and (run.mentions["theme_id"] == -2).sum() > 0
    outliers = info[info["Topic"] == -1]
    assert outliers["Count"].tolist() == [unassigned]
    assert outliers["CustomName"].tolist() == [OUTLIER_LABEL]
    assert export.no_topic == int((run.mentions["theme_id"] == -2).sum())
    assert len(loaded.topics_) == int((run.mentions["theme_id"] >= -1).sum())
    # the run names some mentions' second themes; the themes table counts own mentions
    assert (~run.mentions["primary"]).sum() > 0
    own = export.topics[export.topics["topic"] >= 0].set_index("theme_id")["own"]
    assert own.to_dict() == run.themes.set_index("theme_id")["size"].loc[own.index].to_dict()
    sidecar = json.loads((folder / "cxa_export.json").read_text())
    assert sidecar["run_id"] == run.run_id and sidecar["embedding"]["key"] == "fake"
    assert {r["theme_id"]: r["topic"] for r in sidecar["topics"]} == {
        t: t for t in [-1, *_run_sizes(run)]
    }


def test_topic_vectors_are_the_means_of_the_runs_mention_embeddings(run, exported) -> None:
    _, export = exported
    vectors = FakeEmbedder().encode(embedding_texts(export.docs))  # the run's embedder
    for topic in (0, 3, -1):
        mean = vectors[export.documents["topic"].to_numpy() == topic].mean(axis=0)
        got = export.model.topic_embeddings_[topic + 1]  # row 0 is the outliers
        np.testing.assert_allclose(got, mean, atol=1e-6)
    # the representative documents are the run's own examples (the report's verbatims)
    examples = run.themes.set_index("theme_id")["examples"]
    assert export.model.get_representative_docs(3) == list(examples.loc[3])
    # the in-memory model embeds new text as the run did
    new = export.model.embedding_model.embed(["the parcel came late"])
    np.testing.assert_allclose(new, FakeEmbedder().encode(["the parcel came late"]), atol=1e-7)


def test_bertopic_tables_and_figures_work_on_the_export(run, exported) -> None:
    from bertopic import BERTopic

    folder, export = exported
    labels = dict(zip(run.themes["theme_id"].astype(int), run.themes["label"], strict=True))
    for model in (export.model, BERTopic.load(str(folder))):
        bars = model.visualize_barchart(top_n_topics=4, custom_labels=True)
        titles = [a.text for a in bars.layout.annotations]
        assert titles == [labels[t] for t in range(4)]  # the four biggest themes, in order
        tree = model.visualize_hierarchy(custom_labels=True)  # leaves on the y axis
        assert sorted(tree.layout.yaxis.ticktext) == sorted(labels[t] for t in _run_sizes(run))
    dated = export.documents["date"].notna()
    assert dated.all()  # the demo dates every response
    over = export.over_time(nr_bins=3)
    assert over["Timestamp"].nunique() == 3
    totals = over.groupby("Topic")["Frequency"].sum().to_dict()
    assert {t: n for t, n in totals.items() if t >= 0} == _run_sizes(run)
    # after BERTopic.load, with the documents the export wrote beside the model
    docs = pd.read_parquet(folder / "documents.parquet")
    loaded = BERTopic.load(str(folder))
    again = loaded.topics_over_time(docs["text"].tolist(), docs["date"].tolist(), nr_bins=3)
    assert again.groupby("Topic")["Frequency"].sum().to_dict() == totals


def test_the_export_also_saves_with_pickle_and_keeps_its_embedder(exported, tmp_path) -> None:
    from bertopic import BERTopic

    _, export = exported
    export.model.save(tmp_path / "model.pkl")  # BERTopic's default serialization
    loaded = BERTopic.load(str(tmp_path / "model.pkl"))
    assert loaded.get_topic_info()["CustomName"].tolist() == (
        export.model.get_topic_info()["CustomName"].tolist()
    )
    assert loaded.get_representative_docs() == export.model.get_representative_docs()
    np.testing.assert_allclose(
        loaded.embedding_model.embed(["late parcel"]), FakeEmbedder().encode(["late parcel"])
    )


def test_ids_are_kept_when_themes_are_not_numbered_by_size(run) -> None:
    # swap the ids of the biggest and the smallest theme: BERTopic must not renumber by size
    sizes = _run_sizes(run)
    big, small = max(sizes, key=sizes.get), min(sizes, key=sizes.get)
    swap = {big: small, small: big}
    changed = dataclasses.replace(
        run,
        mentions=run.mentions.assign(theme_id=run.mentions["theme_id"].replace(swap)),
        themes=run.themes.assign(theme_id=run.themes["theme_id"].replace(swap)),
    )
    export = to_bertopic(changed)
    info = export.model.get_topic_info()
    assert _info_sizes(info) == _run_sizes(changed)
    assert not export.renumbered
    label = run.themes.set_index("theme_id").loc[big, "label"]
    assert info.set_index("Topic").loc[small, "CustomName"] == label


def test_ids_with_gaps_are_ranked_and_mapped(run) -> None:
    # an analyst merged theme 1 into theme 0: ids 0, 2, 3, ...
    mentions = run.mentions.assign(theme_id=run.mentions["theme_id"].replace({1: 0}))
    themes = run.themes[run.themes["theme_id"] != 1].copy()
    merged = dataclasses.replace(run, mentions=mentions, themes=themes)
    export = to_bertopic(merged)
    assert export.renumbered
    mapping = dict(zip(export.topics["theme_id"], export.topics["topic"], strict=True))
    assert mapping == topic_numbers(themes["theme_id"]) and mapping[2] == 1 and mapping[0] == 0
    info = export.model.get_topic_info().set_index("Topic")
    for theme in themes.itertuples():
        assert info.loc[mapping[theme.theme_id], "CustomName"] == theme.label
        assert info.loc[mapping[theme.theme_id], "Count"] == _run_sizes(merged)[theme.theme_id]


def test_a_mention_with_two_themes_is_one_document_per_theme(run) -> None:
    # the lead's multi-theme mentions: extra rows of the same mention_id with primary False
    mentions = run.mentions
    own = mentions[(mentions["theme_id"] == 0) & mentions["primary"]]
    single = own[~own["mention_id"].isin(mentions.loc[~mentions["primary"], "mention_id"])]
    extra = single.head(5).assign(theme_id=2, primary=False)
    stray = single.tail(1).assign(theme_id=-1, primary=False)
    mentions = pd.concat([mentions, extra, stray], ignore_index=True)
    export = to_bertopic(dataclasses.replace(run, mentions=mentions))
    sizes = _info_sizes(export.model.get_topic_info())
    assert sizes[2] == _run_sizes(run)[2] + 5 and sizes[0] == _run_sizes(run)[0]
    docs = export.documents
    twice = docs[docs["mention_id"].isin(extra["mention_id"])]
    assert sorted(twice.groupby("mention_id")["topic"].apply(sorted).tolist()) == [[0, 2]] * 5
    assert not twice.loc[twice["topic"] == 2, "primary"].any()
    assert export.topics.set_index("theme_id").loc[2, "own"] == (
        export.topics.set_index("theme_id").loc[2, "size"] - 5 - _extra(run, 2)
    )
    # an extra row never makes a mention an outlier
    assert int((docs["topic"] == -1).sum()) == int((run.mentions["theme_id"] == -1).sum())
    rows = bertopic_rows(mentions.drop(columns="primary"))  # without the column: all primary
    assert rows["primary"].all() and len(rows) == int((mentions["theme_id"] >= -1).sum())


def _extra(run: RunData, theme: int) -> int:
    """Rows of ``theme`` that are another theme's mention (primary False) in the run."""
    return int(((run.mentions["theme_id"] == theme) & ~run.mentions["primary"]).sum())


def test_a_run_without_themes_is_refused(run) -> None:
    mentions = run.mentions.assign(theme_id=-1)
    with pytest.raises(InputError, match="no mention with a theme"):
        to_bertopic(dataclasses.replace(run, mentions=mentions))


def test_cli_export_bertopic(run, tmp_path: Path) -> None:
    db = Path(run.meta["info"]["model_dir"]).parent / "cxa.duckdb"
    out = tmp_path / "bt"
    result = CliRunner().invoke(
        app, ["themes", "export-bertopic", "latest", "--out", str(out), "--db", str(db)]
    )
    assert result.exit_code == 0, result.output
    topics = len(_run_sizes(run))
    assert f"{topics} topics" in " ".join(result.output.split())
    assert {"topics.json", "topic_embeddings.safetensors", "ctfidf.safetensors"} <= {
        p.name for p in out.iterdir()
    }
    missing = CliRunner().invoke(
        app, ["themes", "export-bertopic", "no-such-run", "--out", str(out), "--db", str(db)]
    )
    assert missing.exit_code == 2 and "no-such-run" in missing.output


def test_the_saved_model_points_to_the_runs_local_embedding_model(exported, tmp_path) -> None:
    from analyzer.interop._backend import model_folder

    assert model_folder("minilm", "all-MiniLM-L6-v2") == str(minilm_path())
    assert model_folder("onnx-int8", "all-MiniLM-L6-v2") == str(minilm_path())
    assert model_folder("fake", "fake-256") is None
    assert model_folder(f"st:{tmp_path}", "st-x") == str(tmp_path.resolve())
    # the fake embedder has no model folder: none is recorded, BERTopic.load needs none
    folder, _ = exported
    assert "embedding_model" not in json.loads((folder / "config.json").read_text())


@pytest.mark.slow
def test_a_minilm_run_reloads_with_the_bundled_model_offline(run, tmp_path: Path) -> None:
    from bertopic import BERTopic

    # the run's record says MiniLM (its vectors are passed in, so only the load uses MiniLM)
    meta = {**run.meta, "config": {"embedding": "minilm"}}
    meta["info"] = {**run.meta["info"], "model_dir": "", "embedding": "all-MiniLM-L6-v2"}
    minilm_run = dataclasses.replace(run, meta=meta)
    vectors = FakeEmbedder().encode(embedding_texts(run.mentions["text"].tolist()))
    folder, _ = export_bertopic(
        minilm_run, tmp_path / "bt", embeddings=vectors, embedder=FakeEmbedder()
    )
    config = json.loads((folder / "config.json").read_text())
    assert config["embedding_model"] == str(minilm_path())
    loaded = BERTopic.load(str(folder))
    assert loaded.embedding_model.embed(["my parcel came late"]).shape == (1, 384)
