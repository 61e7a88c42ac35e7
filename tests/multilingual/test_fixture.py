"""The hand-written foreign comments (fixtures/comments.tsv) and the shipped model on them.

The fixture holds 45 comments per language (French, German, Italian, Portuguese, Spanish),
15 per label, written in each language with its own idioms (not translated from a
template), with negation ("nada a reclamar"), irony ("Bravo, deux prélèvements ... Chapeau
l'artiste"), mixed clauses ("Nicht billig, aber jeden Cent wert"), questions and requests.
Each has an English gloss, the comparable text the English model is measured on
(benchmarks/multilingual.py), and a split: ``dev`` (every third comment) chose the head's
recipe, ``test`` is what the floors below are read on.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analyzer.sentiment.evaluation import classification_scores
from analyzer.text import languages

FIXTURE = Path(__file__).parent / "fixtures" / "comments.tsv"
LANGUAGES = ("de", "es", "fr", "it", "pt")

# Macro-F1 of the shipped head on each language's 30 test comments when it was fitted
# (benchmarks/results/multilingual.txt): fr 0.683, de 0.733, it 0.589, pt 0.664, es 0.692.
# The floors sit about two comments below (one comment moves a language by about 0.03), so
# a refit that loses ground fails. Chance is about 0.33; a head that always says one label
# scores 0.17; the USE head shipped before scored fr 0.285 ... de 0.505 here.
FLOORS = {"de": 0.66, "es": 0.62, "fr": 0.61, "it": 0.52, "pt": 0.59}


@pytest.fixture(scope="module")
def comments() -> pd.DataFrame:
    return pd.read_csv(FIXTURE, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)


def test_fixture_is_balanced_and_well_formed(comments: pd.DataFrame) -> None:
    assert comments["id"].is_unique
    counts = comments.groupby(["language", "label"]).size()
    assert set(counts.index.get_level_values(0)) == set(LANGUAGES)
    assert (counts == 15).all()
    assert (comments.groupby("language")["split"].value_counts().xs("test", level=1) == 30).all()
    assert (comments["text"] != comments["english"]).all()
    assert comments["text"].is_unique


def test_the_product_routes_the_fixture_to_the_multilingual_path(comments: pd.DataFrame) -> None:
    # language ID decides which path a comment takes; short ones may be "unknown"
    detected = np.asarray(languages.detect_many(comments["text"].tolist()), dtype=object)
    assert np.mean(detected == comments["language"].to_numpy()) >= 0.95
    assert not np.isin(detected, ["en"]).any()


@pytest.mark.slow
def test_shipped_head_reads_each_language_above_its_floor(comments: pd.DataFrame) -> None:
    from analyzer.embed import MINILM_NAME
    from analyzer.multilingual import Multilingual

    sentiment = Multilingual.for_space(MINILM_NAME).sentiment
    test = comments[comments["split"] == "test"]
    labels, scores = sentiment.predict(test["text"].tolist())
    assert ((scores >= -1) & (scores <= 1)).all()
    for lang in LANGUAGES:
        mask = (test["language"] == lang).to_numpy()
        f1 = classification_scores(test["label"][mask], labels[mask])["macro_f1"]
        assert f1 >= FLOORS[lang], f"{lang}: macro-F1 {f1:.3f} < floor {FLOORS[lang]}"
