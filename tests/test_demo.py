"""Tests of the synthetic demo export generator (analyzer/demo/generator.py); no models needed."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from tolerance import EXACT_ATOL, assert_frames_close

from analyzer import demo
from analyzer.errors import ConfigError

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?:\+\d{1,2} )?\(?\d{3}\)?[ -]\d{3,4}[ -]\d{4}|\b0\d{3,4} \d{3,4} ?\d{3,4}\b")
WORD = re.compile(r"[a-z]+")


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    return demo.generate()


@pytest.fixture(scope="module")
def export(frames: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return frames[0]


@pytest.fixture(scope="module")
def truth(frames: tuple[pd.DataFrame, pd.DataFrame]) -> pd.DataFrame:
    return frames[1]


def _foreign_texts() -> set[str]:
    foreign = demo.load_phrases()["foreign"]
    return {
        text
        for language in foreign.values()
        for theme in language.values()
        for texts in theme.values()
        for text in texts
    }


def _comment_of(export: pd.DataFrame, truth: pd.DataFrame) -> pd.Series:
    return truth["response_id"].map(export.set_index("response_id")["comment"])


def test_columns_dtypes_and_size(export: pd.DataFrame) -> None:
    assert tuple(export.columns) == demo.EXPORT_COLUMNS
    assert len(export) == 3000
    assert export["response_id"].is_unique
    for column in ("nps", "csat", "ces"):
        assert export[column].dtype == "Int64"
    assert export["revenue"].dtype == np.float64
    assert (export["revenue"] > 0).all()
    for column in ("response_id", "date", "comment", "channel", "region", "plan"):
        assert pd.api.types.is_string_dtype(export[column]), column
        assert export[column].notna().all(), column
    assert export["date"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert set(export["channel"]) == {"web", "app", "email", "phone"}
    assert set(export["region"]) == {"North America", "Europe", "APAC", "LATAM"}
    assert set(export["plan"]) == {"Free", "Basic", "Pro", "Enterprise"}


def test_truth_columns_and_keys(truth: pd.DataFrame, export: pd.DataFrame) -> None:
    assert tuple(truth.columns) == demo.TRUTH_COLUMNS
    assert truth["position"].dtype == np.int64
    assert set(truth["sentiment"]) == {"negative", "neutral", "positive"}
    assert truth["theme"].str.fullmatch(r"[a-z]+(?:_[a-z]+)*").all()
    assert set(truth["theme"]) <= set(demo.theme_keys())
    assert set(truth["response_id"]) <= set(export["response_id"])
    positions = truth.groupby("response_id")["position"].agg(list)
    assert all(p == list(range(len(p))) for p in positions)


def test_twelve_months_covered_in_date_order(export: pd.DataFrame) -> None:
    dates = pd.to_datetime(export["date"], format="%Y-%m-%d")
    assert dates.min() >= pd.Timestamp("2025-12-01")
    assert dates.max() < pd.Timestamp("2026-12-01")
    assert dates.dt.to_period("M").nunique() == 12
    assert dates.is_monotonic_increasing


def test_themes_many_and_both_polarities(truth: pd.DataFrame) -> None:
    assert truth["theme"].nunique() >= 12
    positive_share = truth.groupby("theme")["sentiment"].agg(lambda s: (s == "positive").mean())
    assert (positive_share > 0.5).sum() >= 2
    assert (positive_share < 0.3).sum() >= 4
    polar = truth.groupby("theme")["sentiment"].agg(lambda s: {"negative", "positive"} <= set(s))
    assert polar.sum() >= 5


def test_many_phrasings_per_theme(truth: pd.DataFrame) -> None:
    themes = demo.load_phrases()["themes"]
    for key, spec in themes.items():
        for sentiment in ("negative", "positive", "neutral"):
            if sentiment in spec:
                phrases = spec[sentiment]["phrases"]
                assert len(set(phrases)) >= 10, (key, sentiment)
    distinct = truth.groupby(["theme", "sentiment"])["text"].nunique()
    assert (distinct >= 10).all(), distinct[distinct < 10]


def test_same_seed_identical_different_seed_differs() -> None:
    first, first_truth = demo.generate(500, seed=7)
    again, again_truth = demo.generate(500, seed=7)
    assert_frames_close(first, again, atol=EXACT_ATOL, check_dtype=True)
    assert_frames_close(first_truth, again_truth, atol=EXACT_ATOL, check_dtype=True)
    other, _ = demo.generate(500, seed=8)
    assert not first["comment"].equals(other["comment"])
    assert not first["nps"].equals(other["nps"])


def test_write_is_byte_identical(tmp_path) -> None:
    a = demo.write(tmp_path / "a" / "demo.csv", 300, seed=3)
    b = demo.write(tmp_path / "b" / "demo.csv", 300, seed=3)
    assert a[0].read_bytes() == b[0].read_bytes()
    assert a[1].read_bytes() == b[1].read_bytes()


def test_score_ranges_and_missing(export: pd.DataFrame) -> None:
    for column, low, high in (("nps", 0, 10), ("csat", 1, 5), ("ces", 1, 7)):
        values = export[column].dropna()
        assert values.between(low, high).all(), column
        assert values.nunique() == high - low + 1, column
        assert 0.01 <= export[column].isna().mean() <= 0.06, column


def test_scores_follow_the_comment(export: pd.DataFrame, truth: pd.DataFrame) -> None:
    planted = truth[(truth["theme"] == demo.GROWING_THEME) & (truth["sentiment"] == "negative")]
    has = export["response_id"].isin(set(planted["response_id"]))
    assert export.loc[has, "nps"].mean() < export.loc[~has, "nps"].mean() - 1.5
    net = truth.assign(s=truth["sentiment"].map({"negative": -1, "neutral": 0, "positive": 1}))
    by_response = net.groupby("response_id")["s"].sum()
    scores = export.set_index("response_id").loc[by_response.index]
    for column, sign in (("nps", 1), ("csat", 1), ("ces", -1)):
        good = scores.loc[by_response > 0, column].mean()
        bad = scores.loc[by_response < 0, column].mean()
        assert sign * (good - bad) > 0.5, column


def test_growing_theme_takes_off_and_pulls_nps_down(
    export: pd.DataFrame, truth: pd.DataFrame
) -> None:
    dates = pd.to_datetime(export["date"])
    late = dates >= pd.Timestamp("2026-10-01")
    has = export["response_id"].isin(
        set(truth.loc[truth["theme"] == demo.GROWING_THEME, "response_id"])
    )
    before, after = has[~late].mean(), has[late].mean()
    assert after >= 0.25
    assert after >= 3 * before

    def nps(scores: pd.Series) -> float:
        scores = scores.dropna()
        return 100 * ((scores >= 9).mean() - (scores <= 6).mean())

    assert nps(export.loc[late, "nps"]) < nps(export.loc[~late, "nps"]) - 10


def test_personal_data_present(export: pd.DataFrame) -> None:
    comments = export["comment"]
    emails = comments.str.contains(EMAIL)
    phones = comments.str.contains(PHONE)
    people = demo.load_phrases()["people"]
    name = re.compile(rf"\b(?:{'|'.join(people['first'])}) (?:{'|'.join(people['last'])})\b", re.I)
    names = comments.str.contains(name)
    assert emails.sum() >= 10 and phones.sum() >= 10 and names.sum() >= 10
    assert 0.03 <= (emails | phones | names).mean() <= 0.1


def test_multi_theme_comments_with_mixed_sentiment(truth: pd.DataFrame) -> None:
    per_response = truth.groupby("response_id").agg(
        themes=("theme", "nunique"), sentiments=("sentiment", set)
    )
    multi = per_response[per_response["themes"] >= 2]
    mixed = multi["sentiments"].apply(lambda s: {"negative", "positive"} <= s)
    assert len(multi) >= 0.3 * len(per_response)
    assert mixed.sum() >= 0.15 * len(per_response)
    assert (per_response["themes"] == 3).sum() > 0


def test_non_answers_have_no_truth(export: pd.DataFrame, truth: pd.DataFrame) -> None:
    silent = export[~export["response_id"].isin(set(truth["response_id"]))]
    assert 0.04 <= len(silent) / len(export) <= 0.09
    assert silent["comment"].str.len().max() <= 15
    assert (silent["comment"] == "").any() and (silent["comment"].str.lower() == "n/a").any()


def test_truth_text_verbatim_in_comment(export: pd.DataFrame, truth: pd.DataFrame) -> None:
    comments = _comment_of(export, truth)
    assert all(text in comment for text, comment in zip(truth["text"], comments, strict=True))
    assert (truth["text"].str.len() > 5).all()


def test_foreign_language_typos_and_emoji(export: pd.DataFrame, truth: pd.DataFrame) -> None:
    foreign = truth[truth["text"].isin(_foreign_texts())]
    assert 0.005 <= foreign["response_id"].nunique() / len(export) <= 0.03
    assert foreign["theme"].nunique() >= 5
    vocabulary = set(WORD.findall(demo.load_phrases().__repr__().lower()))
    words = [w for text in truth["text"] for w in WORD.findall(text.lower())]
    unknown = np.mean([w not in vocabulary for w in words])
    assert 0.02 <= unknown <= 0.08
    emoji = export["comment"].str.contains("[\U0001f300-\U0001faff\u2764\u2b50]")
    assert 0.03 <= emoji.mean() <= 0.25


def test_match_mentions_to_truth_recovers_themes(export: pd.DataFrame, truth: pd.DataFrame) -> None:
    sample = truth[truth["response_id"].isin(truth["response_id"].unique()[:400])].copy()
    with_email = sample.index[sample["text"].str.contains(EMAIL)]
    if len(with_email) == 0:
        extra = truth[truth["text"].str.contains(EMAIL)].iloc[[0]]
        sample = pd.concat([sample, truth[truth["response_id"] == extra["response_id"].iloc[0]]])
        with_email = sample.index[sample["text"].str.contains(EMAIL)]
    mentions = sample[["response_id", "position", "text"]].copy()
    row = with_email[0]
    mentions.loc[row, "text"] = EMAIL.sub("[EMAIL]", mentions.loc[row, "text"])
    long_clause = mentions.index[
        (mentions["text"].str.split().str.len() >= 8) & (mentions.index != row)
    ][0]
    words = mentions.loc[long_clause, "text"].split()
    half = len(words) // 2
    first = mentions.loc[[long_clause]].assign(text=" ".join(words[:half]))
    second = mentions.loc[[long_clause]].assign(text=" ".join(words[half:]), position=99)
    mentions = pd.concat([mentions.drop(index=long_clause), first, second])
    expected = sample["theme"].reindex(mentions.index)
    nowhere = pd.DataFrame({"response_id": ["R00001", "nope"], "position": [0, 0]}, index=[-1, -2])
    nowhere["text"] = ["zzz qqq", "late delivery"]
    mentions = pd.concat([mentions, nowhere])
    mentions.index = pd.RangeIndex(1000, 1000 + len(mentions))
    expected.index = mentions.index[: len(expected)]

    got = demo.match_mentions_to_truth(mentions, truth)
    assert got.index.equals(mentions.index)
    assert (got.iloc[: len(expected)] == expected).all()
    assert got.iloc[-2:].isna().all()


def test_match_ignores_placeholders_and_prefers_overlap() -> None:
    truth = pd.DataFrame(
        {
            "response_id": ["r1", "r1"],
            "position": [0, 1],
            "text": ["Agent Maria Gonzalez was helpful", "the app crashes since the update"],
            "theme": ["support_staff", "app_crashes"],
            "sentiment": ["positive", "negative"],
        }
    )
    mentions = pd.DataFrame(
        {
            "response_id": ["r1", "r1", "r1"],
            "position": [0, 1, 2],
            "text": ["Agent [PERSON] was helpful", "but the app crashes", "[EMAIL]"],
        },
        index=["a", "b", "c"],
    )
    got = demo.match_mentions_to_truth(mentions, truth)
    assert got.tolist()[:2] == ["support_staff", "app_crashes"]
    assert got.isna().tolist() == [False, False, True]


def test_write_round_trips(tmp_path, export: pd.DataFrame, truth: pd.DataFrame) -> None:
    path, truth_path = demo.write(tmp_path / "out" / "northwind.csv")
    assert path == tmp_path / "out" / "northwind.csv"
    assert truth_path == tmp_path / "out" / "northwind.truth.csv"
    scores = {c: "Int64" for c in ("nps", "csat", "ces")}
    read = pd.read_csv(
        path,
        dtype={**dict.fromkeys(demo.EXPORT_COLUMNS, str), **scores, "revenue": "float64"},
        keep_default_na=False,
        na_values={c: [""] for c in scores},
    )
    assert_frames_close(read, export, atol=EXACT_ATOL)
    assert (read.dtypes[list(scores)] == "Int64").all()
    read_truth = pd.read_csv(truth_path, keep_default_na=False, dtype={"position": "int64"})
    assert_frames_close(read_truth, truth, atol=EXACT_ATOL)


@pytest.mark.parametrize(
    "kwargs",
    [{"n_responses": 0}, {"months": 2}, {"start": "not a date"}],
)
def test_invalid_arguments_raise(kwargs: dict) -> None:
    with pytest.raises(ConfigError):
        demo.generate(**kwargs)


def test_other_start_and_length() -> None:
    export, truth = demo.generate(400, seed=1, start="2024-03-15", months=6)
    dates = pd.to_datetime(export["date"])
    assert dates.min() >= pd.Timestamp("2024-03-15")
    assert dates.max() < pd.Timestamp("2024-09-15")
    assert len(export) == 400 and len(truth) > 400
