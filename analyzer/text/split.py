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
        for s2, e2 in _split_leading(tokens, s, e):
            result.extend(_split_parsed(tokens, s2, e2))
    return result


_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "expl", "csubj"})
_JOINERS = frozenset({"and", "or", "so", "then", "plus", "&"})


def _clause_starts(tokens: Sequence[Token], s: int, e: int) -> list[int]:
    """Positions in ``tokens[s:e]`` where an independent clause or an enumerated item
    begins, from the dependency parse (empty without one).

    - a conjoined or paratactic verb with its own subject: "the food was good and the
      service was slow", "I liked the food, the staff were friendly";
    - a conjoined noun with its own adjective after a noun with one: "great food,
      friendly staff, reasonable prices".
    """
    if not tokens or not tokens[0].doc.has_annotation("DEP"):
        return []
    where = {t.i: k for k, t in enumerate(tokens)}
    starts = []
    for k in range(s, e):
        tok = tokens[k]
        own_subject = tok.pos_ in ("VERB", "AUX") and any(
            c.dep_ in _SUBJECT_DEPS for c in tok.children
        )
        first = None
        if tok.dep_ in ("conj", "parataxis") and own_subject:
            first = where.get(tok.left_edge.i)
        elif tok.dep_ == "conj" and tok.pos_ == "VERB" and tok.head.pos_ in ("VERB", "AUX"):
            # a second thing the subject did: "... was inattentive, took 3 hours for dinner"
            # (only between two substantial pieces: not "I called and waited")
            left = [t for t in tokens[s:k] if t.i < tok.left_edge.i and t.dep_ != "cc"]
            right = [t for t in tokens[k:e] if t.i <= tok.right_edge.i]
            if _words(left) >= 3 and _words(right) + 1 >= 3:
                first = where.get(tok.left_edge.i)
        elif tok.dep_ == "advcl" and own_subject and tok.head.i < tok.i and _because(tok):
            # a reason with its own subject: "we chose it because the price was right"
            first = where.get(tok.left_edge.i)
        elif tok.dep_ == "ccomp" and own_subject and tok.head.i > tok.i:
            # a comma splice: "I liked the food, the staff were friendly" parses the first
            # clause as a complement of the second; the second starts after the comma
            after = tok.right_edge.i + 1
            if after < len(tok.doc) and tok.doc[after].text in (",", ";", "-", "–", "—"):
                first = where.get(after + 1)
        elif tok.dep_ in ("conj", "appos") and _own_item(tok):
            first = where.get(tok.left_edge.i)
        if first is not None and s < first < e:
            starts.append(first)
    return sorted(set(starts))


def _because(tok: Token) -> bool:
    """Whether a clause is a reason ("because", "since", "as", "so"), not a time."""
    return any(
        c.dep_ == "mark" and c.lower_ in ("because", "since", "as", "so") for c in tok.children
    )


def _own_item(tok: Token) -> bool:
    """A listed noun with its own adjective after a noun with one ("friendly staff")."""
    return (
        tok.pos_ in ("NOUN", "PROPN")
        and tok.head.pos_ in ("NOUN", "PROPN")
        and any(c.dep_ == "amod" for c in tok.children)
        and any(c.dep_ == "amod" for c in tok.head.children)
    )


def _split_parsed(tokens: Sequence[Token], s: int, e: int) -> list[tuple[int, int]]:
    """Split ``tokens[s:e]`` at the clause starts of the parse; a piece that would name
    nothing (no topic word) or hold fewer than two words stays with its neighbour."""
    from analyzer.text.normalise import has_topic

    pieces: list[tuple[int, int]] = []
    start = s
    for cut in _clause_starts(tokens, s, e):
        end = cut
        while end > start and (tokens[end - 1].is_punct or tokens[end - 1].lower_ in _JOINERS):
            end -= 1
        left, right = tokens[start:end], tokens[cut:e]
        if (
            _words(left) >= 2
            and _words(right) >= 2
            and has_topic(" ".join(t.text for t in left))
            and has_topic(" ".join(t.text for t in right))
        ):
            pieces.append((start, end))
            start = cut
    pieces.append((start, e))
    return pieces


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
