"""Codeframe edits through `cxa themes`: each survives a re-read, a re-score and a reload."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

from analyzer import demo
from analyzer.cli import app as app_
from analyzer.config import make_config
from analyzer.errors import NotFoundError
from analyzer.loop import curation
from analyzer.pipeline import Components, analyze_and_store, score_frame
from analyzer.store import Store
from analyzer.themes import ThemeModel

runner = CliRunner()
CONFIG = dict(embedding="fake", spacy_model="blank", sentiment="vader", use_cache=False)


@pytest.fixture()
def run(tmp_path):
    export, _ = demo.write(tmp_path / "demo.csv", 400, seed=2)
    store = Store(tmp_path / "cxa.duckdb")
    run_id, _ = analyze_and_store(
        export, store, config=make_config(**CONFIG), model_dir=tmp_path / "model"
    )
    return store, run_id, tmp_path


def _cli(store: Store, *args: str):
    result = runner.invoke(app_, ["themes", *args, "--db", str(store.path)])
    assert result.exit_code == 0, result.output
    return result


def _biggest(store: Store, run_id: str, k: int) -> list[int]:
    themes = store.load_run(run_id).themes.sort_values("size", ascending=False)
    return [int(t) for t in themes["theme_id"].head(k)]


def test_rename_and_owner_reach_store_model_and_scoring(run) -> None:
    store, run_id, folder = run
    tid = _biggest(store, run_id, 1)[0]
    _cli(store, "rename", str(tid), "Late parcels")
    _cli(store, "owner", str(tid), "Logistics")
    themes = store.load_run(run_id).themes.set_index("theme_id")
    assert themes.loc[tid, "label"] == "Late parcels" and themes.loc[tid, "owner"] == "Logistics"
    model = ThemeModel.load(folder / "model")
    row = model.themes_.set_index("theme_id").loc[tid]
    assert row["label"] == "Late parcels" and row["owner"] == "Logistics"
    assert [h["action"] for h in model.codeframe_.history] == ["rename", "owner"]
    listing = _cli(store, "list").output
    assert "Late parcels" in listing and "Logistics" in listing


def test_merge_moves_mentions_and_scoring_honours_it(run) -> None:
    store, run_id, folder = run
    a, b = _biggest(store, run_id, 2)
    before = store.load_run(run_id).mentions
    n_a, n_b = int((before.theme_id == a).sum()), int((before.theme_id == b).sum())
    _cli(store, "merge", str(a), str(b), "--label", "Merged theme")
    after = store.load_run(run_id)
    assert b not in set(after.mentions["theme_id"]) and b not in set(after.themes["theme_id"])
    assert int((after.mentions.theme_id == a).sum()) == n_a + n_b
    # A later scoring with the saved model never reports the absorbed id.
    model = ThemeModel.load(folder / "model")
    comps = Components.from_config(make_config(**CONFIG))
    texts = before.loc[before.theme_id == b, "text"].head(20).tolist()
    responses = pd.DataFrame(
        {"response_id": [f"n{i}" for i in range(len(texts))], "comment": texts}
    )
    _, scored = score_frame(responses, model, comps)
    assert b not in set(scored["theme_id"])


def test_move_split_and_history(run) -> None:
    store, run_id, folder = run
    tid = _biggest(store, run_id, 1)[0]
    _cli(store, "move", str(tid), "Operations")
    themes = store.load_run(run_id).themes.set_index("theme_id")
    assert themes.loc[tid, "parent_label"] == "Operations"
    result = _cli(store, "split", str(tid), "--parts", "2")
    after = store.load_run(run_id)
    assert tid not in set(after.themes["theme_id"])
    new = [t for t in after.themes["theme_id"] if t not in themes.index]
    assert len(new) == 2 and str(new[0]) in result.output
    assert set(new) <= set(after.mentions["theme_id"])
    actions = [h["action"] for h in ThemeModel.load(folder / "model").codeframe_.history]
    assert actions == ["move", "split"]
    assert "split" in _cli(store, "history").output


def test_unknown_theme_is_a_clear_error(run) -> None:
    store, run_id, _ = run
    result = runner.invoke(app_, ["themes", "rename", "9999", "x", "--db", str(store.path)])
    assert result.exit_code == 2 and "no theme 9999" in result.output
    with pytest.raises(NotFoundError):
        curation.edit(store, run_id, curation.rename(9999, "x"))
