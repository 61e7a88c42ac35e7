"""ThemeModel on synthetic blobs: determinism, labels, ids, persistence, errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score
from tolerance import EXACT_ATOL, SCORE_ATOL, assert_arrays_close, assert_frames_close

from analyzer.errors import InputError, ModelError, NotFittedError
from analyzer.themes import ThemeModel

from .conftest import TOPICS, make_data


def fit(texts, emb, **kw):
    return ThemeModel(spacy_model=None, min_theme_size=8, **kw).fit(texts, emb)


def test_recovers_planted_themes_with_readable_labels(data):
    texts, emb, truth, _ = data
    model = fit(texts, emb)
    assert normalized_mutual_info_score(truth, model.labels_) > 0.95
    assert (model.labels_ == -1).mean() < 0.05
    table = model.themes_
    assert list(table.columns) == [
        "theme_id", "label", "keywords", "parent_id", "parent_label", "size", "examples", "owner",
        "kind", "coverage", "lift",
    ]  # fmt: skip
    assert list(table["theme_id"]) == list(range(len(table)))  # 0 = biggest
    assert table["size"].is_monotonic_decreasing
    for label in table["label"]:
        assert 2 <= len(label.split()) <= 4
    planted = {w for phrase in TOPICS for w in phrase.split()}
    for _, row in table.iterrows():
        assert set(row["label"].split()) & planted, row["label"]
        assert len(row["examples"]) == 3 and len(set(row["examples"])) == 3
        assert row["keywords"]
    assert set(table["label"]) == set(TOPICS)


def test_same_seed_gives_identical_themes(data):
    texts, emb, _, _ = data
    a, b = fit(texts, emb, seed=3), fit(texts, emb, seed=3)
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert_arrays_close(a.confidence_, b.confidence_, atol=EXACT_ATOL)
    assert_frames_close(a.themes_, b.themes_, atol=EXACT_ATOL, check_dtype=True)


def test_transform_new_mentions_keeps_ids_and_confidence_in_unit_range(data):
    texts, emb, truth, centres = data
    model = fit(texts, emb)
    new_texts, new_emb, new_truth, _ = make_data(10, seed=7, centres=centres)
    ids, conf = model.transform(new_texts, new_emb)
    train_id = {t: np.bincount(model.labels_[truth == t][model.labels_[truth == t] >= 0]).argmax()
                for t in range(len(TOPICS))}  # fmt: skip
    assert (ids == np.array([train_id[t] for t in new_truth])).mean() > 0.95
    assert ids.dtype == np.int64 and conf.dtype == np.float64
    assert ((conf >= 0) & (conf <= 1)).all()


def test_save_load_round_trip_gives_identical_assignments(data, tmp_path: Path):
    texts, emb, _, _ = data
    model = fit(texts, emb)
    out = model.save(tmp_path / "m")
    assert sorted(p.name for p in out.iterdir()) == [
        "centroids.safetensors", "codeframe.json", "model.json",
    ]  # fmt: skip
    loaded = ThemeModel.load(out)
    (got_ids, got_conf), (ids, conf) = loaded.transform(texts, emb), model.transform(texts, emb)
    np.testing.assert_array_equal(got_ids, ids)
    assert_arrays_close(got_conf, conf, atol=SCORE_ATOL)  # centroids stored as float32
    assert_frames_close(loaded.themes_, model.themes_, atol=EXACT_ATOL, check_dtype=True)
    assert loaded.get_params() == model.get_params()


def test_refit_on_grown_data_keeps_ids(data):
    texts, emb, truth, centres = data
    old = fit(texts, emb)
    more_texts, more_emb, more_truth, _ = make_data(30, seed=9, centres=centres)
    order = np.random.default_rng(0).permutation(len(texts) + len(more_texts))
    all_texts = [(texts + more_texts)[i] for i in order]
    all_emb = np.vstack([emb, more_emb])[order]
    all_truth = np.concatenate([truth, more_truth])[order]
    new = ThemeModel(spacy_model=None, min_theme_size=8).fit(all_texts, all_emb, previous=old)
    for t in range(len(TOPICS)):
        old_id = np.bincount(old.labels_[truth == t][old.labels_[truth == t] >= 0]).argmax()
        new_id = np.bincount(new.labels_[all_truth == t][new.labels_[all_truth == t] >= 0]).argmax()
        assert old_id == new_id


def test_unseen_cluster_is_unassigned_and_proposed_as_candidate(data):
    texts, emb, _, _ = data
    model = fit(texts, emb)
    topics = {"gift wrapping": ["ribbon", "paper", "bow", "present"]}
    far = np.random.default_rng(5).standard_normal((1, emb.shape[1]))
    far -= (far @ model.centroids_.T) @ model.centroids_  # away from every known theme
    new_texts, new_emb, _, _ = make_data(
        20, seed=4, topics=topics, centres=far / np.linalg.norm(far)
    )
    ids, conf = model.transform(new_texts, new_emb)
    assert (ids == -1).mean() > 0.9
    assert_arrays_close(conf[ids == -1], np.zeros((ids == -1).sum()), atol=EXACT_ATOL)
    candidates = model.propose_candidates(texts + new_texts, np.vstack([emb, new_emb]), min_size=8)
    assert len(candidates) == 1
    assert candidates.iloc[0]["label"] == "gift wrapping"
    members = set(candidates.iloc[0]["members"])
    new = set(range(len(texts), len(texts) + 20))
    assert len(members & new) >= 18 and len(members - new) <= 2


def test_transform_before_fit_raises_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted"):
        ThemeModel().transform(["a"], np.ones((1, 4), dtype=np.float32))


def test_bad_inputs_raise_input_error(data):
    texts, emb, _, _ = data
    with pytest.raises(InputError, match="do not match"):
        fit(texts[:-1], emb)
    model = fit(texts, emb)
    with pytest.raises(InputError, match="dim="):
        model.transform(texts, emb[:, :10])


def test_load_missing_or_corrupt_model_raises_model_error(data, tmp_path: Path):
    with pytest.raises(ModelError, match="No theme model"):
        ThemeModel.load(tmp_path / "nowhere")
    texts, emb, _, _ = data
    path = fit(texts, emb).save(tmp_path / "m")
    (path / "centroids.safetensors").write_bytes(b"garbage")
    with pytest.raises(ModelError, match="corrupt"):
        ThemeModel.load(path)
    path = fit(texts, emb).save(tmp_path / "m2")
    meta = json.loads((path / "model.json").read_text())
    meta["version"] = 99
    (path / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="version"):
        ThemeModel.load(path)
    (path / "model.json").write_text("{not json")
    with pytest.raises(ModelError):
        ThemeModel.load(path)


def test_too_little_data_gives_no_themes():
    texts, emb, _, _ = make_data(2, seed=0)
    model = ThemeModel(spacy_model=None, min_theme_size=8).fit(texts, emb)
    assert len(model.themes_) == 0 and (model.labels_ == -1).all()
    ids, conf = model.transform(texts, emb)
    assert (ids == -1).all()
    assert_arrays_close(conf, np.zeros(len(conf)), atol=EXACT_ATOL)


def test_version_1_model_still_loads(data, tmp_path: Path):
    texts, emb, _, _ = data
    model = fit(texts, emb)
    path = model.save(tmp_path / "m")
    meta = json.loads((path / "model.json").read_text())
    assert meta["version"] == 3
    meta["version"] = 1
    for name in ("max_themes", "merge_similarity", "claims"):  # parameters version 1 lacked
        del meta["params"][name]
    del meta["claims"]
    for theme in meta["themes"]:  # nor had a theme a kind, coverage or lift
        for name in ("kind", "coverage", "lift"):
            del theme[name]
    (path / "model.json").write_text(json.dumps(meta))
    loaded = ThemeModel.load(path)
    np.testing.assert_array_equal(loaded.transform(texts, emb)[0], model.transform(texts, emb)[0])
    assert set(loaded.themes_["kind"]) == {"named"} and loaded.claims_ == {}
    assert len(loaded.transform_with_tags(texts, emb)[2][0]) == 0  # no claims: no tags


def test_max_themes_caps_the_number_of_themes(data):
    texts, emb, _, _ = data
    model = fit(texts, emb, max_themes=3, claims=False)
    assert len(model.themes_) <= 3
    assert (model.labels_ == -1).mean() < 0.05
    # with claims the cap bounds the clusters; naming splits a cluster that holds two
    # planted topics along what its mentions say, so each label stays true
    named = fit(texts, emb, max_themes=3)
    assert 3 < len(named.themes_) <= 5 and set(named.themes_["kind"]) == {"named"}
    with pytest.raises(InputError, match="max_themes"):
        fit(texts, emb, max_themes=0)


def test_near_duplicate_themes_are_merged(data):
    texts, emb, truth, _ = data
    # two planted themes made almost identical must come out as one theme
    close = emb.copy()
    close[truth == 1] = close[truth == 0][: (truth == 1).sum()] + 0.01
    close /= np.linalg.norm(close, axis=1, keepdims=True)
    model = fit(texts, close, cohesion=0.999)
    ids = model.labels_[(truth == 0) | (truth == 1)]
    assert len(set(ids.tolist())) == 1


def test_mentions_left_out_of_clustering_join_the_nearest_theme(data):
    """``cluster_on`` (the pipeline passes the English mentions): the other mentions are not
    clustered; each joins the nearest theme when similar enough, else stays unassigned, and
    never forms a theme of its own."""
    texts, emb, truth, centres = data
    rng = np.random.default_rng(9)
    offset = rng.standard_normal(emb.shape[1])
    offset -= (offset @ centres.T) @ centres  # away from every planted centre
    offset /= np.linalg.norm(offset)
    home = np.arange(len(texts))

    def other_group(distance: float) -> tuple[list[str], np.ndarray]:
        centre = centres[3] + distance * offset  # "app crashes", offset like a mapped vector
        topics = {"la aplicacion falla": ["movil", "pantalla"]}
        far_texts, far_emb, _, _ = make_data(
            20, seed=8, topics=topics, centres=(centre / np.linalg.norm(centre))[None], noise=0.1
        )
        return texts + far_texts, np.vstack([emb, far_emb])

    def model() -> ThemeModel:
        return ThemeModel(spacy_model=None, min_theme_size=8)

    near_texts, near_emb = other_group(1.0)  # cosine 0.71 to the app theme
    joined = model().fit(near_texts, near_emb, cluster_on=home)
    app_id = np.bincount(joined.labels_[: len(texts)][truth == 3]).argmax()
    assert (joined.labels_[len(texts) :] == app_id).all()
    assert len(joined.themes_) == len(TOPICS)
    assert int(joined.themes_.set_index("theme_id").loc[app_id, "size"]) == 40 + 20
    far_texts, far_emb = other_group(3.0)  # cosine 0.32: below min_similarity (0.35)
    apart = model().fit(far_texts, far_emb, cluster_on=home)
    assert (apart.labels_[len(texts) :] == -1).mean() >= 0.8
    assert len(apart.themes_) == len(TOPICS)
    # passing every row is the same as passing none
    every = model().fit(near_texts, near_emb, cluster_on=np.arange(len(near_texts)))
    np.testing.assert_array_equal(every.labels_, model().fit(near_texts, near_emb).labels_)
