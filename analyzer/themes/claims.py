"""A theme's label is a claim about its mentions; this module measures the claim.

- **coverage**: the share of the theme's mentions that say every word of the label;
- **lift**: coverage over the share of all other mentions that say it.

A word is said when a mention holds a word of the same lemma ("delayed flights" says "flight
delay", "charges" says "charge"; simplemma's dictionary, no part of speech needed), or of the
same family: one lemma of five or more letters followed by a suffix (:data:`SUFFIXES`) is the
other ("cancel" / "cancelled", "deliver" / "delivery", "withdraw" / "withdrawal"; not "night" /
"nightclub"), the rule the themes benchmark measures with. Stop words and chat
words never count. A theme is **named** when coverage >= :data:`NAMED_COVERAGE` and lift >=
:data:`NAMED_LIFT`: most of its mentions say its label, and far more often than elsewhere. A
label that is merely frequent ("flight" in an airline export) has a low lift; a label that is
merely distinctive ("red wine" said by 3% of a theme) has a low coverage. Neither names a theme.

:class:`Sayings` indexes which mentions say which lemmas once per fit, so coverage and lift of
any label are a few set operations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache

import numpy as np

from analyzer.text.normalise import CHAT_WORDS, english_stop_words, topic_text

__all__ = [
    "NAMED_COVERAGE",
    "NAMED_LIFT",
    "Sayings",
    "claim_figures",
    "claim_stems",
    "claim_tags",
    "is_named",
    "kin",
]

NAMED_COVERAGE = 0.5
NAMED_LIFT = 3.0
FAMILY = 5
"""Two lemmas are one family when the shorter has at least this many letters and the longer
is the shorter (its final "e" dropped, or its last letter doubled) plus one of
:data:`SUFFIXES`."""
SUFFIXES = frozenset(
    "s es d ed ing er ers or ors al als ally ly y ion ions ation ations ment ments ance ence "
    "ances ences ity ive ness able ible ful less ure ures age".split()
)


def kin(a: str, b: str) -> bool:
    """Whether two lemmas are one word family (see :data:`FAMILY`)."""
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < FAMILY:
        return False
    stems = (short, short[:-1] if short.endswith("e") else "", short + short[-1])
    return any(s and long.startswith(s) and long[len(s) :] in SUFFIXES for s in stems)


_WORD = re.compile(r"[a-z][a-z'’-]*[a-z]|[a-z]")


@lru_cache(maxsize=1)
def _ignored() -> frozenset[str]:
    return english_stop_words() | CHAT_WORDS


@lru_cache(maxsize=65536)
def _lemma(word: str) -> str:
    import simplemma

    return str(simplemma.lemmatize(word, lang="en")).lower()


def claim_stems(text: str, *, topic: bool = True) -> frozenset[str]:
    """The lemmas of the words of ``text`` that a label can claim ("delayed flights" ->
    {"delay", "flight"}): at least two letters, not a stop or chat word.

    ``topic``: read the topic text of a mention (no handles, links, placeholders); a
    label is read as it is (``topic=False``).
    """
    low = (topic_text(text) if topic else text).lower()
    ignored = _ignored()
    words = (w.replace("'", "").replace("’", "") for w in _WORD.findall(low))
    return frozenset(
        _lemma(w) for w in words if len(w) > 1 and w not in ignored and w.strip("x")
    )  # "xxxx": an export's redaction mark claims nothing


def is_named(coverage: float, lift: float) -> bool:
    """Whether a label with this coverage and lift names its theme."""
    return coverage >= NAMED_COVERAGE and lift >= NAMED_LIFT


class Sayings:
    """Which of ``n`` mentions say which lemmas: an inverted index built once.

    Parameters
    ----------
    texts : sequence of str, length n
        Mention texts (their topic text is read).
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self.n = len(texts)
        self.stems: list[frozenset[str]] = [claim_stems(t) for t in texts]
        postings: dict[str, list[int]] = {}
        for i, stems in enumerate(self.stems):
            for s in stems:
                postings.setdefault(s, []).append(i)
        self._postings = {s: np.asarray(p, dtype=np.int64) for s, p in postings.items()}
        self._family: dict[str, list[str]] = {}
        for s in self._postings:  # by the first letters a word and its family share
            if len(s) >= FAMILY - 1:
                self._family.setdefault(s[: FAMILY - 1], []).append(s)
        self._said: dict[str, np.ndarray] = {}

    def _says_word(self, lemma: str) -> np.ndarray:
        """Sorted positions of the mentions holding ``lemma`` or one of its family."""
        if lemma not in self._said:
            family = {lemma} & self._postings.keys()
            if len(lemma) >= FAMILY - 1:
                family |= {w for w in self._family.get(lemma[: FAMILY - 1], []) if kin(w, lemma)}
            lists = [self._postings[w] for w in sorted(family)]
            found = np.unique(np.concatenate(lists)) if lists else np.zeros(0, dtype=np.int64)
            self._said[lemma] = found
        return self._said[lemma]

    def who_says(self, stems: Iterable[str]) -> np.ndarray:
        """Bool (n,): which mentions say every lemma of ``stems`` (none when it is empty)."""
        out = np.zeros(self.n, dtype=bool)
        lists = [self._says_word(s) for s in set(stems)]
        if not lists:
            return out
        lists.sort(key=len)
        common = lists[0]
        for p in lists[1:]:
            common = np.intersect1d(common, p, assume_unique=True)
        out[common] = True
        return out

    def claim(self, stems: Iterable[str], members: np.ndarray) -> tuple[float, float, np.ndarray]:
        """Coverage and lift of a label over ``members`` (bool (n,) or positions), and who
        says it (bool (n,)).

        Lift's denominator is the share of the other mentions saying the label, floored at
        one mention so that a label said nowhere else has a large, finite lift.
        """
        inside = np.zeros(self.n, dtype=bool)
        inside[members] = True
        says = self.who_says(stems)
        n_in = int(inside.sum())
        if n_in == 0:
            return 0.0, 0.0, says
        coverage = float(says[inside].mean())
        n_out = self.n - n_in
        outside = float(says[~inside].sum()) / n_out if n_out else 0.0
        lift = coverage / max(outside, 1.0 / max(n_out, 1))
        return coverage, lift, says


def claim_figures(
    sayings: Sayings, rows: np.ndarray, claims: Sequence[frozenset[str]]
) -> tuple[np.ndarray, np.ndarray]:
    """Coverage and lift of each row's claim over the mentions of that row.

    Parameters
    ----------
    rows : ndarray (n,) int64, theme row of each mention (-1 none)
    claims : one stem set per row; an empty one (a residual) gives NaN

    Returns
    -------
    coverage, lift : ndarray (k,) float64
    """
    k = len(claims)
    coverage = np.full(k, np.nan)
    lift = np.full(k, np.nan)
    sizes = np.bincount(rows[rows >= 0], minlength=k) if len(rows) else np.zeros(k, np.int64)
    for r, stems in enumerate(claims):
        if not stems or sizes[r] == 0:
            continue
        says = sayings.who_says(stems)
        said = int(says[rows == r].sum())
        n_out = sayings.n - int(sizes[r])
        coverage[r] = said / sizes[r]
        outside = (int(says.sum()) - said) / n_out if n_out else 0.0
        lift[r] = coverage[r] / max(outside, 1.0 / max(n_out, 1))
    return coverage, lift


def claim_tags(
    sayings: Sayings,
    rows: np.ndarray,
    claims: Sequence[frozenset[str]],
    near: Callable[[np.ndarray, int], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The other themes each mention names: (position, row) pairs, sorted.

    A mention carries, besides its own theme (``rows``), every theme whose claim it says
    ("the staff and the food were great" says "staff" and "food") and whose meaning it is
    near (``near(positions, row)`` -> bool per position; "What are the fees for a card?"
    says "card" but is about fees), except a theme whose claim is a strict part of its own
    theme's ("top up" for a mention of "top up failed": the narrower theme counts it).

    Returns
    -------
    positions, rows : ndarray (m,) int64 each
    """
    found_p: list[np.ndarray] = []
    found_r: list[np.ndarray] = []
    for r, stems in enumerate(claims):
        if not stems:
            continue
        who = np.flatnonzero(sayings.who_says(stems))
        own = rows[who]
        keep = own != r
        narrower = np.array(
            [o >= 0 and o < len(claims) and stems < claims[o] for o in own.tolist()], dtype=bool
        )
        keep &= ~narrower if len(narrower) else keep
        if near is not None and keep.any():
            keep[keep] = near(who[keep], r)
        found_p.append(who[keep])
        found_r.append(np.full(int(keep.sum()), r, dtype=np.int64))
    if not found_p:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    positions, tagged = np.concatenate(found_p), np.concatenate(found_r)
    order = np.lexsort((tagged, positions))
    return positions[order], tagged[order]
