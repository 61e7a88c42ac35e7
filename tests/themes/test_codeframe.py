"""Codeframe edits: each survives a re-score (transform) and a save/load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from analyzer.errors import InputError, ModelError, NotFoundError
from analyzer.themes import Codeframe, ThemeModel

from .conftest import make_data


@pytest.fixture()
def model(data):
    texts, emb, _, _ = data
    return ThemeModel(spacy_model=None, min_theme_size=8).fit(texts, emb)


def _reloaded(model: ThemeModel, tmp_path: Path) -> ThemeModel:
    return ThemeModel.load(model.save(tmp_path / "m"))


def test_rename_owner_move_show_in_table_and_survive_save_load(model, tmp_path):
    frame = model.codeframe_
    frame.rename(0, "Rude support staff")
    frame.set_owner(0, "Support team")
    pid = frame.move(1, "Logistics")
    model.apply_codeframe(frame)
    for m in (model, _reloaded(model, tmp_path)):
        table = m.themes_.set_index("theme_id")
        assert table.loc[0, "label"] == "Rude support staff"
        assert table.loc[0, "owner"] == "Support team"
        assert table.loc[1, "parent_id"] == pid and table.loc[1, "parent_label"] == "Logistics"
    assert [h["action"] for h in frame.history] == ["rename", "owner", "move"]
    assert all("timestamp" in h and "args" in h for h in frame.history)


def test_merge_maps_ids_in_transform_and_table(model, data, tmp_path):
    texts, emb, _, _ = data
    before, _ = model.transform(texts, emb)
    size = model.themes_.set_index("theme_id")["size"]
    survivor = model.codeframe_.merge([2, 3], into=2)
    model.apply_codeframe(model.codeframe_)
    for m in (model, _reloaded(model, tmp_path)):
        ids, _ = m.transform(texts, emb)
        assert not (ids == 3).any()
        np.testing.assert_array_equal(ids[before == 3], survivor)
        table = m.themes_.set_index("theme_id")
        assert 3 not in table.index and table.loc[2, "size"] == size[2] + size[3]
    assert not (model.labels_ == 3).any()


def test_split_creates_new_themes_that_survive_rescoring(data, tmp_path):
    texts, emb, _, _ = data
    # fit coarse themes so that one theme holds two planted topics
    model = ThemeModel(spacy_model=None, min_theme_size=8, cohesion=0.3).fit(texts, emb)
    big = int(model.themes_.iloc[0]["theme_id"])
    new_ids = model.split(big, texts, emb, n_parts=2)
    assert len(new_ids) == 2 and big not in set(model.themes_["theme_id"])
    assert model.codeframe_.splits == {big: new_ids}
    for m in (model, _reloaded(model, tmp_path)):
        ids, _ = m.transform(texts, emb)
        assert set(new_ids) <= set(ids.tolist()) and big not in set(ids.tolist())
    with pytest.raises(NotFoundError):
        model.split(big, texts, emb)


def test_seed_theme_appears_even_when_small(data, tmp_path):
    texts, emb, _, centres = data
    topics = {"gift wrapping": ["ribbon", "paper", "bow", "present"]}
    far = (
        centres.sum(axis=0) * 0
        + np.linalg.qr(np.random.default_rng(0).standard_normal((32, 6)))[0][:, 5]
    )
    t2, e2, _, _ = make_data(4, seed=2, topics=topics, centres=far[None, :])
    all_texts, all_emb = texts + t2, np.vstack([emb, e2])
    frame = Codeframe()
    frame.add_seed("Gift wrapping", ["gift wrapping", "ribbon"])
    model = ThemeModel(spacy_model=None, min_theme_size=8).fit(all_texts, all_emb, codeframe=frame)
    seed_id = model.codeframe_.seeds[0].theme_id
    assert seed_id is not None
    row = model.themes_.set_index("theme_id").loc[seed_id]
    assert row["label"] == "Gift wrapping" and row["size"] == 4
    for m in (model, _reloaded(model, tmp_path)):
        ids, _ = m.transform(t2, e2)
        assert (ids == seed_id).all()


def test_add_seed_to_fitted_model(model, data):
    texts, emb, _, _ = data
    theme_id = model.add_seed("Courier problems", ["courier"], texts, emb)
    assert theme_id == model.next_id_ - 1
    assert "Courier problems" in set(model.themes_["label"])
    with pytest.raises(InputError, match="No mention contains"):
        model.add_seed("Nothing", ["zebra unicorn"], texts, emb)


def test_codeframe_json_round_trip_and_errors(tmp_path, model):
    frame = Codeframe()
    frame.rename(1, "late parcels")
    frame.merge([4, 5])
    frame.add_seed("Gifts", ["gift wrap"])
    again = Codeframe.load(frame.save(tmp_path / "cf.json"))
    assert again == frame and again.resolve(5) == 4
    with pytest.raises(NotFoundError, match="known ids"):
        model.apply_codeframe(frame)  # this model has no theme 5
    (tmp_path / "bad.json").write_text('{"version": 42}')
    with pytest.raises(ModelError, match="version"):
        Codeframe.load(tmp_path / "bad.json")
    with pytest.raises(InputError):
        frame.merge([1])
