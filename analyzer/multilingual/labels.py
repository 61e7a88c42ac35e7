"""Which language a theme's label is in, and marking it where the report shows labels.

A theme with English mentions is labelled from them: the theme model labels each theme from
phrases that repeat across its mentions, and non-English mentions are few where English ones
are present. A theme with no English mention gets its label from its own mentions, so in
their language; the report marks it, e.g. "mise jour [fr]".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.text.languages import ENGLISH, UNKNOWN


def label_languages(mentions: pd.DataFrame) -> dict[int, str]:
    """Language of each theme's label: ``"en"`` when it has any English (or unknown) mention.

    Parameters
    ----------
    mentions : pandas.DataFrame
        ``theme_id`` and ``language`` (a missing column means every label is English).

    Returns
    -------
    dict
        ``{theme_id: language}`` for every theme other than -1; a theme without English
        mentions gets its most common language.
    """
    ids = mentions["theme_id"].to_numpy(dtype="int64")
    if "language" not in mentions:
        return {int(t): ENGLISH for t in np.unique(ids) if t >= 0}
    langs = mentions["language"].fillna(UNKNOWN).astype(str)
    out: dict[int, str] = {}
    for theme_id in np.unique(ids):
        if theme_id < 0:  # unassigned or no specific topic
            continue
        group = langs[ids == theme_id]
        english = group.isin([ENGLISH, UNKNOWN]).any()
        out[int(theme_id)] = ENGLISH if english else str(group.value_counts().index[0])
    return out


def mark_labels(themes: pd.DataFrame, mentions: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``themes`` whose non-English labels end in ``" [xx]"``, plus ``label_language``."""
    languages = label_languages(mentions)
    out = themes.copy()
    ids = out["theme_id"].astype(int)
    out["label_language"] = [languages.get(t, ENGLISH) for t in ids]
    foreign = out["label_language"] != ENGLISH
    out.loc[foreign, "label"] = out.loc[foreign, "label"].astype(str) + (
        " [" + out.loc[foreign, "label_language"] + "]"
    )
    return out


def language_mix(responses: pd.DataFrame, mentions: pd.DataFrame) -> list[tuple[str, int]]:
    """Commented responses (with a mention) per language, most first.

    ``[]`` when ``responses`` has no ``language`` column (a run stored before detection).
    """
    if "language" not in responses or responses["language"].isna().all():
        return []
    said = responses["response_id"].astype(str).isin(mentions["response_id"].astype(str))
    counts = responses.loc[said, "language"].fillna(UNKNOWN).astype(str).value_counts()
    return [(str(k), int(v)) for k, v in counts.items()]
