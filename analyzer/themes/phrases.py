"""Label candidates from spaCy's parse: what a mention is about, and what happened to it.

For each mention (its topic text, see ``analyzer.text.normalise``) the parse gives:

- noun phrases by their lemmas: "app", "customer service", "late delivery" (compounds and
  adjective modifiers kept, determiners and pronouns dropped);
- subject + verb: "the app keeps crashing" -> "app crashing" (the verb after "keep",
  "start", "stop" counts), "my parcel never arrived" -> "parcel arrived", a phrasal verb
  with its particle: "the parcel turned up" -> "parcel turned up";
- verb + object: "they charged my card twice" -> "charged card";
- a noun with its predicate adjective: "delivery was late" -> "late delivery";
- a phrasal verb on its own when it has no noun subject or object: "I can't log in" ->
  "log in".

Each candidate has a key (lemmas, for counting) and a display form (the words as most
often written). Themes pick their label among their members' candidates by coverage and
distinctiveness (labels.py); parents pick a category noun.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from analyzer.text.normalise import CONTENT_FREE, TOPIC_WORDS, has_topic

log = logging.getLogger(__name__)

__all__ = ["KIND_WEIGHT", "Candidate", "load_parser", "mention_candidates"]

_NOUNS = {"NOUN", "PROPN"}
_SUBJECTS = {"nsubj", "nsubjpass"}
_OBJECTS = {"dobj", "obj", "pobj"}
# verbs that say little on their own: their complement carries the meaning
_LIGHT_VERBS = frozenset(
    "be have do get go make keep say want need try come take know think let seem start stop "
    "continue begin use give put see look feel find tell ask".split()
)
# size codes and other short tokens that are never a category ("XS", "L", "th")
_SIZE_CODES = frozenset("xxs xs s m l xl xxl xxxl th st nd rd".split())


@dataclass(frozen=True, slots=True)
class Candidate:
    """A label candidate found in one mention.

    Attributes
    ----------
    key : str, lemmas joined by spaces ("app crash")
    text : str, the words as written in this mention ("app crashing")
    kind : str, "noun", "compound", "modified", "subject-verb", "verb-object", "phrasal"
    nouns : tuple of str, the noun lemmas in it (parents are named by nouns)
    """

    key: str
    text: str
    kind: str
    nouns: tuple[str, ...]


@lru_cache(maxsize=4)
def load_parser(name: str | None) -> Any:
    """spaCy with tagger, parser and lemmatizer (no NER), or None (logged) if unavailable."""
    if not name or name == "blank":
        return None
    try:
        import spacy

        return spacy.load(name, disable=["ner"])
    except (ImportError, OSError) as exc:
        log.warning("spaCy model %r not available (%s); labels use statistics only", name, exc)
        return None


def _word_ok(token: Any) -> bool:
    low = token.lower_.replace("'", "").replace("\u2019", "")  # "c'mon" is "cmon"
    return (
        token.is_alpha
        and has_topic(low)
        and len(low) > 1
        and low not in _SIZE_CODES
        and (not token.is_stop or low in TOPIC_WORDS)
        and low not in CONTENT_FREE
        and token.lemma_.lower() not in CONTENT_FREE
    )


def _lemma(token: Any) -> str:
    return str(token.lemma_ or token.text).lower()


_NOUN_PARTICLES = frozenset({"up", "in", "out", "off", "down", "over"})


def _noun(token: Any) -> tuple[str, str]:
    """Lemma and written form of a noun, with the particle of a phrasal verb used as a
    noun: "my top up failed", "the set up was easy" -> "top up", "set up" (the
    particle follows the noun, depends on it and has nothing of its own: not "the box in
    the hall")."""
    lemma, word = _lemma(token), token.lower_
    doc, j = token.doc, token.i + 1
    if j < len(doc) - 1 and doc[j].text == "-":
        j += 1
    if j < len(doc):
        nxt = doc[j]
        if nxt.lower_ in _NOUN_PARTICLES and nxt.head.i == token.i and not any(nxt.children):
            return f"{lemma} {nxt.lower_}", f"{word} {nxt.lower_}"
    return lemma, word


def _category(token: Any) -> tuple[str, ...]:
    """The lemma of a common noun, which can name a parent ("delivery"); names of people,
    brands and places cannot ("Justin", "Delta")."""
    return (_noun(token)[0],) if token.pos_ == "NOUN" else ()


def _noun_phrases(token: Any) -> Iterable[Candidate]:
    lemma, word = _noun(token)
    yield Candidate(lemma, word, "noun", _category(token))
    for child in token.lefts:
        if child.dep_ == "compound" and child.pos_ in _NOUNS and _word_ok(child):
            key = f"{_lemma(child)} {lemma}"
            nouns = _category(child) + _category(token)
            yield Candidate(key, f"{child.lower_} {word}", "compound", nouns)
        elif child.dep_ == "amod" and child.pos_ in {"ADJ", "VERB"} and _word_ok(child):
            yield Candidate(
                f"{_lemma(child)} {lemma}", f"{child.lower_} {word}", "modified", _category(token)
            )


def _subject_of(verb: Any) -> Any:
    """The noun subject of ``verb``, or of the light verb it complements ("keeps crashing")."""
    for head in (verb, verb.head if verb.dep_ in {"xcomp", "ccomp"} else None):
        if head is None:
            continue
        for child in head.children:
            if child.dep_ in _SUBJECTS and child.pos_ in _NOUNS and _word_ok(child):
                return child
    return None


def _particle(verb: Any) -> str:
    """The particle of a phrasal verb, with its space ("turned" -> " up"), or ""."""
    return next((f" {c.lower_}" for c in verb.children if c.dep_ == "prt" and c.is_alpha), "")


def _state_of(verb: Any) -> Any:
    """A participle or adjective after ``verb`` that says in what state its subject came:
    "the box arrived crushed", "my order turned up damaged", "the food arrived cold"; or
    None."""
    for child in verb.children:
        if (
            child.dep_ in {"acomp", "oprd", "advcl"}
            and child.i > verb.i
            and (child.tag_ == "VBN" or (child.pos_ == "ADJ" and child.dep_ != "advcl"))
            and not any(
                c.dep_ in _SUBJECTS or c.dep_ in {"mark", "aux", "auxpass"} for c in child.children
            )
            and _word_ok(child)
        ):
            return child
    return None


def _verb_phrases(token: Any) -> Iterable[Candidate]:
    state = _state_of(token)
    if state is not None and (subject := _subject_of(token)) is not None:
        # what happened is the state, not the arrival: "crushed box", not "box arrived"
        noun, said = _noun(subject)
        yield Candidate(
            f"{_lemma(state)} {noun}", f"{state.lower_} {said}", "modified", _category(subject)
        )
        return
    verb = _lemma(token)
    if verb in _LIGHT_VERBS or not _word_ok(token):
        return
    # "the parcel turned up": the particle is part of the verb ("parcel turned" says
    # something else, and reads as a fragment)
    prt = _particle(token)
    verb, written = verb + prt, token.lower_ + prt
    subject = _subject_of(token)
    found = False
    if subject is not None:
        noun, said = _noun(subject)
        found = True
        yield Candidate(f"{noun} {verb}", f"{said} {written}", "subject-verb", _category(subject))
    for child in token.children:
        if child.dep_ in {"dobj", "obj"} and child.pos_ in _NOUNS and _word_ok(child):
            noun, said = _noun(child)
            found = True
            yield Candidate(f"{verb} {noun}", f"{written} {said}", "verb-object", _category(child))
    if prt and not found and prt != " on":
        # "I can't log in": a phrasal verb says what happened even without a noun. Not
        # with "on": the topic text of "you can reach me on [PHONE]" is "you can reach me
        # on", which the parser reads as a phrasal verb ("reach on")
        yield Candidate(verb, written, "phrasal", ())


def _predicates(token: Any) -> Iterable[Candidate]:
    """ "delivery was late" -> "late delivery" (an adjective complement of a copula)."""
    if token.dep_ != "acomp" or not _word_ok(token):
        return
    for child in token.head.children:
        if child.dep_ in _SUBJECTS and child.pos_ in _NOUNS and _word_ok(child):
            noun, said = _noun(child)
            yield Candidate(
                f"{_lemma(token)} {noun}",
                f"{token.lower_} {said}",
                "modified",
                _category(child),
            )


def _candidates(doc: Any) -> list[Candidate]:
    found: dict[str, Candidate] = {}
    for token in doc:
        if token.pos_ in _NOUNS and _word_ok(token) and token.dep_ != "compound":
            parts: Iterable[Candidate] = _noun_phrases(token)
        elif token.pos_ == "VERB":
            parts = _verb_phrases(token)
        elif token.pos_ == "ADJ":
            parts = _predicates(token)
        else:
            continue
        for c in parts:
            found.setdefault(c.key, c)
    return list(found.values())


def mention_candidates(texts: Sequence[str], parser: Any) -> list[list[Candidate]]:
    """Label candidates of each text (topic texts of mentions), in input order."""
    if parser is None:
        return [[] for _ in texts]
    # each distinct text is parsed once: exports repeat short comments ("Fast delivery"),
    # and the parse is most of the cost of labelling
    distinct = list(dict.fromkeys(texts))
    parsed = dict(zip(distinct, parser.pipe(distinct, batch_size=256), strict=True))
    return [_candidates(parsed[t]) for t in texts]


def display_forms(candidates: Iterable[Candidate]) -> dict[str, str]:
    """The most frequent written form of every key (ties: alphabetical)."""
    counts: Counter[tuple[str, str]] = Counter((c.key, c.text) for c in candidates)
    best: dict[str, tuple[int, str]] = {}
    for (key, text), n in counts.items():
        if key not in best or (-n, text) < (-best[key][0], best[key][1]):
            best[key] = (n, text)
    return {key: text for key, (_, text) in best.items()}


KIND_WEIGHT = {
    "subject-verb": 1.3,
    "verb-object": 1.2,
    "compound": 1.15,
    "modified": 1.0,
    "phrasal": 1.0,
    "noun": 0.5,
}
"""How much a candidate of each kind weighs when choosing a label: what happened ("app
crashes", "cancel subscription") over a bare noun. One table for the describe step and naming."""


def sample_members(
    groups: Sequence[Any], centrality: Sequence[Any], per_group: int = 80
) -> list[list[int]]:
    """The ``per_group`` most central members of each group (indices into the texts)."""
    import numpy as np

    out = []
    for members, cos in zip(groups, centrality, strict=True):
        order = np.argsort(-np.asarray(cos), kind="stable")[:per_group]
        out.append([int(members[i]) for i in order])
    return out


def choose_labels(
    samples: Sequence[Sequence[int]],
    candidates: dict[int, list[Candidate]],
    *,
    used: set[str] | None = None,
    acceptable: Callable[[int, str], bool] | None = None,
    min_coverage: float = 0.0,
) -> list[str | None]:
    """One distinct label per group, or None where no candidate repeats in the group.

    A candidate scores ``coverage * specificity * kind weight``: the share of the group's
    sampled members that contain it, the share of all its uses that fall in this group,
    and a preference for phrases that say what happened ("app crashing") over a bare noun.
    A candidate must occur in at least ``min_coverage`` of the sampled members (and in two):
    a phrase unique to the group but said by 3% of it does not name it. Groups are
    labelled in order, so the biggest (first) gets its best phrase.
    """
    used = set() if used is None else used
    total: Counter[str] = Counter()
    for sample in samples:
        for i in sample:
            total.update(c.key for c in candidates.get(i, []))
    labels: list[str | None] = []
    for r, sample in enumerate(samples):
        inside: Counter[str] = Counter()
        kinds: dict[str, str] = {}
        for i in sample:
            for c in candidates.get(i, []):
                inside[c.key] += 1
                kinds[c.key] = c.kind
        forms = display_forms(c for i in sample for c in candidates.get(i, []))
        min_count = max(2 if len(sample) >= 4 else 1, math.ceil(min_coverage * len(sample)))
        scored = sorted(
            (
                -(n / len(sample)) * (n / total[key]) * KIND_WEIGHT[kinds[key]],
                key,
            )
            for key, n in inside.items()
            if n >= min_count
        )
        label = next(
            (
                forms[k]
                for _, k in scored
                if forms[k] not in used and (acceptable is None or acceptable(r, forms[k]))
            ),
            None,
        )
        if label is not None:
            used.add(label)
        labels.append(label)
    return labels


def choose_category_nouns(
    children: Sequence[Sequence[Sequence[int]]],
    candidates: dict[int, list[Candidate]],
    *,
    min_use: float = 0.15,
    acceptable: Callable[[int, str], bool] | None = None,
) -> list[str | None]:
    """A category noun per parent ("Delivery", "Staff"), or None where none fits.

    ``children[p]`` holds, for parent ``p``, the sampled members of each child theme. A noun
    lemma scores ``(0.25 + share of child themes in which at least min_use of the members
    use it) * (its uses in this parent / its uses everywhere)``; each noun names one parent.
    """
    per_parent: list[Counter[str]] = []
    kid_use: list[Counter[str]] = []
    for kids in children:
        uses: Counter[str] = Counter()
        spread: Counter[str] = Counter()
        for members in kids:
            local: Counter[str] = Counter()
            for i in members:
                local.update({n for c in candidates.get(i, []) for n in c.nouns})
            uses.update(local)
            spread.update(n for n, k in local.items() if k >= max(1.0, min_use * len(members)))
        per_parent.append(uses)
        kid_use.append(spread)
    everywhere: Counter[str] = Counter()
    for uses in per_parent:
        everywhere.update(uses)
    taken: set[str] = set()
    out: list[str | None] = []
    for p, (kids, uses, spread) in enumerate(zip(children, per_parent, kid_use, strict=True)):
        scored = sorted(
            (-(0.25 + spread[n] / max(len(kids), 1)) * (k / everywhere[n]) * (k**0.5), n)
            for n, k in uses.items()
            if k >= 2 and len(n) > 2 and n not in _SIZE_CODES
        )
        noun = next(
            (
                n
                for _, n in scored
                if n not in taken and (acceptable is None or acceptable(p, n[:1].upper() + n[1:]))
            ),
            None,
        )
        if noun is not None:
            taken.add(noun)
        out.append(noun)
    return out
