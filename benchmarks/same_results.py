"""Compare the results of two `cxa analyze` runs on the same export (e.g. before and after a
speed change): mentions, themes, labels, sentiment.

    .venv/bin/python benchmarks/same_results.py OUT_A OUT_B

OUT_A and OUT_B are ``--out`` folders (or folders holding their ``mentions.parquet`` and
``themes.parquet``). Prints how many mentions are the same text, have the same theme, the
same theme label, the same sentiment label, the largest sentiment-score and confidence
differences, and the agreement of the two theme partitions (NMI, ARI).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def compare(a: Path, b: Path) -> list[str]:
    ma, mb = (pd.read_parquet(p / "mentions.parquet") for p in (a, b))
    ta, tb = (pd.read_parquet(p / "themes.parquet") for p in (a, b))
    both = ma.merge(mb, on="mention_id", suffixes=("_a", "_b"), how="outer", indicator=True)
    common = both[both["_merge"] == "both"]
    label_a = dict(zip(ta["theme_id"], ta["label"], strict=True))
    label_b = dict(zip(tb["theme_id"], tb["label"], strict=True))
    names_a = common["theme_id_a"].map(label_a).fillna(common["theme_id_a"].astype(str))
    names_b = common["theme_id_b"].map(label_b).fillna(common["theme_id_b"].astype(str))
    n = len(common)

    def share(mask: pd.Series) -> str:
        return f"{int(mask.sum()):,} of {n:,} ({mask.mean():.2%})"

    ids_a, ids_b = common["theme_id_a"], common["theme_id_b"]
    same_labels = sum(label_a.get(t) == label_b.get(t) for t in set(label_a) | set(label_b))
    return [
        f"mentions: {len(ma):,} vs {len(mb):,}; {n:,} ids in both",
        f"same text: {share(common['text_a'] == common['text_b'])}",
        f"same theme id: {share(common['theme_id_a'] == common['theme_id_b'])}",
        f"same theme label: {share(names_a == names_b)}",
        f"themes: {len(ta)} vs {len(tb)}; ids with the same label: {same_labels}",
        f"same sentiment: {share(common['sentiment_a'] == common['sentiment_b'])}",
        "largest |sentiment score| difference: "
        f"{(common['sentiment_score_a'] - common['sentiment_score_b']).abs().max():.2e}",
        "largest |theme confidence| difference: "
        f"{(common['theme_confidence_a'] - common['theme_confidence_b']).abs().max():.2e}",
        f"theme partitions: NMI {normalized_mutual_info_score(ids_a, ids_b):.4f}, "
        f"ARI {adjusted_rand_score(ids_a, ids_b):.4f}",
    ]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__)
        return 2
    print("\n".join(compare(Path(argv[0]), Path(argv[1]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
