"""Fitting the themes on a sample of a large export and assigning the other responses."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from tolerance import SCORE_ATOL

from analyzer import demo
from analyzer.config import make_config
from analyzer.errors import ConfigError
from analyzer.pipeline import Components, analyze, score_frame
from analyzer.pipeline.sampling import (
    DEFAULT_FIT_SAMPLE,
    FULL_FIT_MAX,
    fit_sample_size,
    stratified_sample,
)
from analyzer.tables import PRIMARY, primary_rows


def test_the_default_fits_whole_up_to_the_threshold_and_samples_above() -> None:
    assert fit_sample_size(None, FULL_FIT_MAX) is None
    assert fit_sample_size(None, FULL_FIT_MAX + 1) == DEFAULT_FIT_SAMPLE
    assert fit_sample_size(0, 10**7) is None  # 0: always every response
    assert fit_sample_size(500, 400) is None and fit_sample_size(500, 501) == 500
    with pytest.raises(ConfigError, match="fit_sample"):
        fit_sample_size(-1, 10)


def test_each_month_is_sampled_in_proportion_even_a_small_late_one() -> None:
    dates = pd.Series(
        [pd.Timestamp("2026-01-15")] * 6000
        + [pd.Timestamp("2026-02-10")] * 3000
        + [pd.Timestamp("2026-03-02")] * 990
        + [pd.NaT] * 10
    )
    picked = stratified_sample(dates, 1000, seed=0)
    assert len(picked) == 1000 and len(set(picked.tolist())) == 1000
    assert (np.diff(picked) > 0).all()
    months = dates.iloc[picked].dt.month.value_counts(dropna=False).to_dict()
    assert months[1.0] == 600 and months[2.0] == 300 and months[3.0] == 99
    assert dates.iloc[picked].isna().sum() == 1  # no date: a stratum of its own
    np.testing.assert_array_equal(picked, stratified_sample(dates, 1000, seed=0))
    assert not np.array_equal(picked, stratified_sample(dates, 1000, seed=1))
    # fewer places than months: never more than asked for
    assert len(stratified_sample(dates, 2, seed=0)) == 2


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    export, _ = demo.write(folder / "demo.csv", 600, seed=11)
    options = {"embedding": "fake", "spacy_model": "blank", "sentiment": "vader"}
    full = analyze(export, config=make_config(use_cache=False, **options))
    config = make_config(use_cache=False, fit_sample=250, **options)
    components = Components.from_config(config)
    sampled = analyze(export, config=config, components=components)
    return export, full, sampled, components


def test_a_sampled_fit_keeps_every_response_and_mention_in_order(runs) -> None:
    export, full, sampled, _ = runs
    frame = pd.read_csv(export, keep_default_na=False, dtype=str)
    assert sampled.responses["response_id"].tolist() == frame["response_id"].tolist()
    # one row per mention and theme it names: the mentions themselves (primary rows) are the
    # same and in the same order; which other themes they name depends on the fitted themes
    ours, theirs = primary_rows(sampled.mentions), primary_rows(full.mentions)
    assert ours["mention_id"].tolist() == theirs["mention_id"].tolist()
    assert ours["text"].tolist() == theirs["text"].tolist()
    assert list(sampled.mentions.columns) == list(full.mentions.columns)
    extra = sampled.mentions[~sampled.mentions[PRIMARY]]
    order = sampled.mentions["mention_id"].map({m: i for i, m in enumerate(ours["mention_id"])})
    assert order.is_monotonic_increasing  # a mention's other themes follow it
    assert set(extra["mention_id"]) <= set(ours["mention_id"])
    assert sampled.info["fit_sample"]["responses"] == 250
    assert sampled.info["fit_sample"]["of"] == 600
    assert 0 < sampled.info["fit_sample"]["mentions"] < len(ours)
    assert "fit_sample" not in full.info
    assert "assign" in sampled.timings and "assign" not in full.timings


def test_the_other_responses_get_what_cxa_score_gives_them(runs) -> None:
    from analyzer.ingest import read_export

    export, _, sampled, components = runs
    responses = read_export(export).responses
    chosen = stratified_sample(responses["date"], 250, seed=0)
    rest = responses.drop(index=responses.index[chosen])
    _, scored_all = score_frame(rest, sampled.model, components)
    scored = primary_rows(scored_all)
    m = primary_rows(sampled.mentions).set_index("mention_id")
    assert set(scored["mention_id"]) <= set(m.index)
    own = m.loc[scored["mention_id"]]
    np.testing.assert_array_equal(own["theme_id"].to_numpy(), scored["theme_id"].to_numpy())
    np.testing.assert_allclose(
        own["sentiment_score"].to_numpy(), scored["sentiment_score"].to_numpy(), atol=SCORE_ATOL
    )

    # the other themes a mention names: the same as cxa score tags
    def tags(rows: pd.DataFrame) -> set[tuple[str, int]]:
        rows = rows[~rows[PRIMARY] & rows["mention_id"].isin(scored["mention_id"])]
        return set(zip(rows["mention_id"], rows["theme_id"].astype(int), strict=True))

    assert tags(scored_all) == tags(sampled.mentions)
    assert len(scored) == len(m) - sampled.info["fit_sample"]["mentions"]
    # the sample's own mentions carry the fit's labels: every theme has members there
    fitted = m.drop(index=scored["mention_id"])
    assert set(sampled.themes["theme_id"]) <= set(fitted["theme_id"])


def test_dask_workers_score_the_rest_as_this_process_does(runs, tmp_path) -> None:
    from analyzer.batch.distributed import rest_scorer

    export, _, sampled, components = runs
    config = make_config(
        embedding="fake", spacy_model="blank", sentiment="vader", use_cache=False, fit_sample=250
    )
    on_dask = analyze(
        export,
        config=config,
        components=components,
        score_rest=rest_scorer("local:2", config, tmp_path / "model", processes=False),
    )
    pd.testing.assert_frame_equal(
        on_dask.mentions.drop(columns=["theme_confidence", "sentiment_score"]),
        sampled.mentions.drop(columns=["theme_confidence", "sentiment_score"]),
    )
    np.testing.assert_allclose(
        on_dask.mentions["sentiment_score"], sampled.mentions["sentiment_score"], atol=SCORE_ATOL
    )
    assert on_dask.info["fit_sample"] == sampled.info["fit_sample"]
