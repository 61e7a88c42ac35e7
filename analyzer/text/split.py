"""Split a processed comment into mentions, and tell non-answers apart.

A comment is split into sentences and lines, then into clauses at contrast words
("but", "although", "however", ...); each piece is tidied into one mention.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING

from analyzer.text.redact import PLACEHOLDERS

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

MAX_MENTION_CHARS = 512
"""Longest mention returned; longer ones are cut at a word boundary."""


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NON_ANSWERS = frozenset(
    {"", "n/a", "n.a", "na", "none", "nothing", "no comment", "no comments", "no", "nil", "nope"}
    | {"nothing to add", "nothing else", "nothing more", "nothing more to add", "no thanks"}
    | {"not applicable", "no feedback", "nothing further", "none at all"}
)
_EDGE_CHARS = " \n.,;:!?…-–—·/\\|*~_"
_DASHES = frozenset({",", ";", "-", "–", "—"})
_BUT_EXCEPTIONS = _wordset("nothing all anything everything none nobody")
_DEGREE_WORDS = _wordset("much many long hard often far good bad")
_AUXILIARIES = _wordset(
    "is was are were be been has had have do does did can could will would should may might "
    "must seems seemed 's 're 've 'd 'll ca wo"
)
_LEAD_COORDINATORS = frozenset({"but", "however", "yet"})
_LEAD_SUBORDINATORS = frozenset({"although", "though", "whereas"})


def is_non_answer(text: str) -> bool:
    """Tell whether a comment or mention carries no content."""
    for placeholder in PLACEHOLDERS:
        text = text.replace(placeholder, " ")
    key = " ".join(text.casefold().strip(_EDGE_CHARS + "'\"()[]").split())
    if key in _NON_ANSWERS:
        return True
    return not any(ch.isalnum() or unicodedata.category(ch) == "So" for ch in text)


def tidy(text: str) -> str:
    """Strip edge punctuation and whitespace and cap the length of a mention."""
    text = text.strip(_EDGE_CHARS)
    if len(text) > MAX_MENTION_CHARS:
        cut = text.rfind(" ", 0, MAX_MENTION_CHARS + 1)
        text = text[: cut if cut > MAX_MENTION_CHARS // 2 else MAX_MENTION_CHARS]
        text = text.rstrip(_EDGE_CHARS)
    return text


def _words(tokens: Sequence[Token]) -> int:
    """Count the word-like tokens (words, numbers, placeholders)."""
    return sum(1 for t in tokens if t.is_alpha or t.like_num or t.text in PLACEHOLDERS)


def _contrast_cut(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    """Return ``(end_of_left, start_of_right)`` if token ``i`` opens a contrast clause."""
    tok = tokens[i]
    low = tok.lower_
    prev = tokens[i - 1].lower_ if i > 0 else ""
    nxt = tokens[i + 1].lower_ if i + 1 < len(tokens) else ""
    if tok.text == ";":
        return i, i + 1
    if low == "but" and prev not in _BUT_EXCEPTIONS and nxt != "also":
        return i, i + 1
    if low in ("although", "whereas"):
        return i, i + 1
    if low == "though" and prev != "as":
        return (i - 1, i + 1) if prev == "even" else (i, i + 1)
    if low == "however" and nxt not in _DEGREE_WORDS:
        return i, i + 1
    if low in ("while", "whilst") and prev in _DASHES:
        return i, i + 1
    if low == "yet" and (prev in _DASHES or prev == "and"):
        return (i - 1, i + 1) if prev == "and" else (i, i + 1)
    return None


def split_clauses(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Split a sentence (or line) into clause ranges at contrast words.

    A cut is made only if both sides keep at least two words, and not when the
    right side starts with an auxiliary ("..., however, was slow"; "nice but is
    slow"), because the right side would lose its subject.
    """
    clauses: list[tuple[int, int]] = []
    start = 0
    for i in range(len(tokens)):
        cut = _contrast_cut(tokens, i)
        if cut is None or cut[0] < start:
            continue
        left, right = cut
        if (
            _words(tokens[start:left]) >= 2
            and _words(tokens[right:]) >= 2
            and next((t.lower_ for t in tokens[right:] if not t.is_punct), "") not in _AUXILIARIES
        ):
            clauses.append((start, left))
            start = right
    clauses.append((start, len(tokens)))
    result: list[tuple[int, int]] = []
    for s, e in clauses:
        result.extend(_split_leading(tokens, s, e))
    return result


def _split_leading(tokens: Sequence[Token], s: int, e: int) -> list[tuple[int, int]]:
    """Drop a leading "But"/"However"; split "Although X, Y" into X and Y."""
    first = tokens[s].lower_ if s < e else ""
    if first in _LEAD_COORDINATORS and _words(tokens[s + 1 : e]) >= 2:
        return [(s + 1, e)]
    skip = 2 if first == "even" and s + 1 < e and tokens[s + 1].lower_ == "though" else 1
    if first in _LEAD_SUBORDINATORS or skip == 2:
        for j in range(s + skip, e):
            if tokens[j].text == ",":
                if _words(tokens[s + skip : j]) >= 2 and _words(tokens[j + 1 : e]) >= 2:
                    return [(s + skip, j), (j + 1, e)]
                break
    return [(s, e)]


def sentences(doc: Doc) -> list[list[Token]]:
    """Sentences of ``doc``, further split at line breaks; whitespace tokens dropped."""
    segments: list[list[Token]] = []
    for sent in doc.sents:
        segments.append([])
        for tok in sent:
            if not tok.is_space:
                segments[-1].append(tok)
            elif "\n" in tok.text:
                segments.append([])
    return [seg for seg in segments if seg]
