"""Readers for the labelled sentiment corpora in ``shared/data`` (see each folder's SOURCE.md).

Every reader returns a DataFrame with columns ``text`` (str) and ``label`` (str: ``negative``,
``neutral`` or ``positive``). Training sets and evaluation sets are separate functions so a
caller cannot mix them up by accident.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

from analyzer.errors import ModelError

_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S+|www\.\S+")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_SPACES = re.compile(r"\s+")

#: SemEval 2013-2016 files: the training pool (the 2017 test set is ``gold/``).
SEMEVAL_POOL_FILES = (
    "twitter-2013train-A.tsv",
    "twitter-2013dev-A.tsv",
    "twitter-2013test-A.tsv",
    "twitter-2014test-A.tsv",
    "twitter-2014sarcasm-A.tsv",
    "twitter-2015train-A.tsv",
    "twitter-2015test-A.tsv",
    "twitter-2016train-A.tsv",
    "twitter-2016dev-A.tsv",
    "twitter-2016devtest-A.tsv",
    "twitter-2016test-A.tsv",
)


def default_data_dir() -> Path:
    """``shared/data`` beside the repository (where CI and the developers' machines put it)."""
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def normalize_text(text: str) -> str:
    """Tweet-style normalisation used for training and at inference.

    Decodes literal ``\\uXXXX`` escapes, masks user mentions as ``@user`` and drops URLs
    (as TweetEval does), strips one pair of wrapping double quotes and squeezes whitespace.
    """
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = _URL.sub("", _MENTION.sub("@user", text))
    text = _SPACES.sub(" ", text).strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        text = text[1:-1].strip()
    return text


def _require(path: Path) -> Path:
    if not path.is_file():
        raise ModelError(
            f"Sentiment data file {path} does not exist. Expected the shared data folder "
            "(see its SOURCE.md files); pass --data-dir to point at it."
        )
    return path


def _binary(values: pd.Series) -> pd.Series:
    return values.astype(int).map({0: "negative", 1: "positive"})


def read_sst2_train(data_dir: Path) -> pd.DataFrame:
    """SST-2 train (GLUE), 67,349 phrases, binary."""
    df = pd.read_csv(
        _require(data_dir / "sst2_train" / "train.tsv"), sep="\t", quoting=csv.QUOTE_NONE
    )
    return pd.DataFrame({"text": df["text"].str.strip(), "label": _binary(df["label"])})


def read_sst2_dev(data_dir: Path) -> pd.DataFrame:
    """SST-2 GLUE dev set (file ``test.tsv``), 872 sentences, binary. Evaluation only."""
    df = pd.read_csv(
        _require(data_dir / "sst2_glue" / "test.tsv"), sep="\t", quoting=csv.QUOTE_NONE
    )
    return pd.DataFrame({"text": df["sentence"].str.strip(), "label": _binary(df["label"])})


def _read_semeval_tsv(path: Path) -> pd.DataFrame:
    rows = []
    for line in _require(path).read_text(encoding="utf-8").split("\n"):
        if line:
            tweet_id, label, text = line.split("\t")[:3]
            rows.append((tweet_id, label, text))
    return pd.DataFrame(rows, columns=["id", "label", "text"])


def read_semeval_pool(data_dir: Path) -> pd.DataFrame:
    """SemEval 2013-2016 Task 4A tweets, normalised and deduplicated.

    One row per tweet id; ids given conflicting labels by different files are dropped, and so
    are normalised texts that occur with conflicting labels (copies with one label are kept
    once). Returns columns ``id``, ``text``, ``label`` (about 49k rows, three classes).
    """
    folder = data_dir / "semeval2017_task4a" / "downloaded"
    df = pd.concat([_read_semeval_tsv(folder / name) for name in SEMEVAL_POOL_FILES])
    df = df[df.groupby("id")["label"].transform("nunique") == 1]
    df = df.drop_duplicates("id", keep="first").reset_index(drop=True)
    df["text"] = df["text"].map(normalize_text)
    df = df[(df["text"] != "") & (df.groupby("text")["label"].transform("nunique") == 1)]
    return df.drop_duplicates("text", keep="first")[["id", "text", "label"]].reset_index(drop=True)


def read_semeval_test(data_dir: Path) -> pd.DataFrame:
    """SemEval-2017 Task 4A English gold test set (= TweetEval test), 12,284 tweets.

    Evaluation only.
    """
    path = data_dir / "semeval2017_task4a" / "gold" / "SemEval2017-task4-test.subtask-A.english.txt"
    df = _read_semeval_tsv(path)
    df["text"] = df["text"].map(normalize_text)
    return df[["id", "text", "label"]]


def read_uci(data_dir: Path) -> pd.DataFrame:
    """UCI sentiment labelled sentences (amazon, imdb, yelp), 3,000 sentences, binary."""
    rows = []
    for name in ("amazon_cells_labelled.txt", "imdb_labelled.txt", "yelp_labelled.txt"):
        path = _require(data_dir / "uci_sentiment_labelled_sentences" / name)
        for line in path.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                text, label = line.rsplit("\t", 1)
                rows.append((text.strip(), "positive" if label.strip() == "1" else "negative"))
    return pd.DataFrame(rows, columns=["text", "label"])


def read_alexa(data_dir: Path) -> pd.DataFrame:
    """Amazon Alexa reviews: 1-2 stars negative, 3 neutral, 4-5 positive. Evaluation only.

    Rows with empty review text are dropped (79 of 3,150).
    """
    path = _require(data_dir / "amazon_alexa_reviews" / "amazon_alexa.tsv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.DictReader(f, delimiter="\t"))
    stars = {1: "negative", 2: "negative", 3: "neutral", 4: "positive", 5: "positive"}
    rows = [
        (r["verified_reviews"].strip(), stars[int(r["rating"])])
        for r in records
        if r["verified_reviews"].strip()
    ]
    return pd.DataFrame(rows, columns=["text", "label"])


#: MAMS-ACSA's eight aspect categories, in the dataset's spelling.
MAMS_CATEGORIES = (
    "food",
    "staff",
    "miscellaneous",
    "place",
    "service",
    "menu",
    "ambience",
    "price",
)


def _read_mams(data_dir: Path, split: str) -> pd.DataFrame:
    import json

    path = _require(data_dir / "mams_acsa" / f"{split}.csv")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = [
        (sid, text.strip(), a["category"], a["polarity"])
        for sid, text, aspects in zip(df["sentence_id"], df["text"], df["aspects"], strict=True)
        for a in json.loads(aspects)
    ]
    return pd.DataFrame(rows, columns=["sentence_id", "text", "aspect", "label"])


def read_mams_train(data_dir: Path) -> pd.DataFrame:
    """MAMS-ACSA train: one row per (sentence, aspect category), three classes.

    Returns columns ``sentence_id``, ``text``, ``aspect`` (category name), ``label``
    (7,090 rows from 3,095 sentences).
    """
    return _read_mams(data_dir, "train")


def read_mams_validation(data_dir: Path) -> pd.DataFrame:
    """MAMS-ACSA validation (model selection only), same columns as :func:`read_mams_train`."""
    return _read_mams(data_dir, "validation")


def read_mams_test(data_dir: Path) -> pd.DataFrame:
    """MAMS-ACSA test, 881 (sentence, category) rows. Evaluation only."""
    return _read_mams(data_dir, "test")
