"""Themes whose labels are true: clusters are split along what their mentions say.

A cluster of embeddings is only a proposal. A theme is kept when a phrase from its members'
parse names it (see claims.py: said by at least half of its mentions, three times more often
than elsewhere). A cluster no phrase names is split: the mentions that say its most common
distinctive phrase become a theme of their own, named by it, and the rest is looked at again.
What no phrase names is pooled, clustered once more and named the same way; what is left
joins the most similar named theme while that theme stays named, and the rest becomes an
honest residual of its cluster ("Flight: other"), never a claim.

In a one-domain export ("flight" in most airline tweets) the domain word has a low lift, so
it never names a theme: the tight cluster the domain word holds together is split along what
differs ("delayed flight", "lost bag", "rebooked").

Pure functions over arrays; :func:`name_groups` is the entry point.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from analyzer.text.normalise import content_words
from analyzer.themes.claims import NAMED_COVERAGE, NAMED_LIFT, Sayings, claim_stems, kin
from analyzer.themes.hygiene import CorpusWords, corpus_words, label_problems
from analyzer.themes.phrases import KIND_WEIGHT, Candidate, mention_candidates

__all__ = ["NAMED", "RESIDUAL", "SEED", "Named", "name_groups", "word_candidates"]

NAMED, RESIDUAL, SEED = "named", "residual", "seed"
SAMPLE = 80
"""Central members of a group whose parse offers its label candidates."""
_NOUN_KINDS = frozenset({"noun", "compound", "modified"})
"""Candidates shown in their dictionary form when it is written: a noun, not its plural."""


@dataclass
class Theme:
    """One theme found by naming: its members (positions), label, kind and claim."""

    members: np.ndarray
    label: str
    kind: str
    stems: frozenset[str] = frozenset()
    origin: int = -1


@dataclass
class Named:
    """What :func:`name_groups` returns.

    Attributes
    ----------
    rows : ndarray (n,) int64, the theme row of each mention, -1 for none
    labels, kinds : the label and kind (``named`` / ``residual``) of each row
    stems : the claim (label stems) of each row; empty for residuals
    sayings : the index of who says what, for the tags and the figures
    """

    rows: np.ndarray
    labels: list[str]
    kinds: list[str]
    stems: list[frozenset[str]]
    sayings: Sayings
    coverage: list[float] = field(default_factory=list)
    lift: list[float] = field(default_factory=list)
    parses: dict[int, list[Candidate]] = field(default_factory=dict)


def word_candidates(text: str) -> list[Candidate]:
    """Label candidates without a parser (spaCy absent): each content word and each pair of
    adjacent content words ("late delivery")."""
    words = content_words(text)
    found = [Candidate(w, w, "noun", (w,)) for w in words]
    pairs = itertools.pairwise(words)
    found += [Candidate(f"{a} {b}", f"{a} {b}", "compound", (b,)) for a, b in pairs]
    return list({c.key: c for c in found}.values())


class _Parses:
    """Label candidates of mentions, parsed on first need (each text once); without a
    parser, candidates are content words and their adjacent pairs."""

    def __init__(self, words: Sequence[str], parser: Any) -> None:
        self.words, self.parser = words, parser
        self.cache: dict[int, list[Candidate]] = {}

    def of(self, positions: np.ndarray) -> list[list[Candidate]]:
        todo = [int(p) for p in positions if int(p) not in self.cache]
        if todo and self.parser is None:
            self.cache.update((p, word_candidates(self.words[p])) for p in todo)
        elif todo:
            found = mention_candidates([self.words[p] for p in todo], self.parser)
            self.cache.update(zip(todo, found, strict=True))
        return [self.cache[int(p)] for p in positions]


@dataclass
class _Context:
    words: Sequence[str]
    x: np.ndarray
    sayings: Sayings
    parses: _Parses
    min_part: int
    used: set[str]
    evidence: CorpusWords
    written: Sequence[str] | None = None
    claimed: set[frozenset[str]] = field(default_factory=set)
    says: dict[frozenset[str], np.ndarray] = field(default_factory=dict)

    def who(self, stems: frozenset[str]) -> np.ndarray:
        """Positions of the mentions saying ``stems`` (memoised)."""
        if stems not in self.says:
            self.says[stems] = np.flatnonzero(self.sayings.who_says(stems))
        return self.says[stems]


def _central(x: np.ndarray, members: np.ndarray) -> np.ndarray:
    """The :data:`SAMPLE` members closest to their centre (ties in position order)."""
    if not len(members):
        return members.astype(np.int64)
    centre = x[members].mean(axis=0)
    return members[np.argsort(-(x[members] @ centre), kind="stable")[:SAMPLE]]


def _options(ctx: _Context, members: np.ndarray) -> list[tuple[str, frozenset[str], str]]:
    """(display, stems, kind) of the phrases repeated among the most central members."""
    central = _central(ctx.x, members)
    # what the part's own mentions say about a word: "email" where "[EMAIL]" stood in them
    evidence = (
        corpus_words(ctx.written[i] for i in members) if ctx.written is not None else ctx.evidence
    )
    counts: Counter[str] = Counter()
    forms: Counter[tuple[str, str]] = Counter()
    kinds: dict[str, str] = {}
    for found in ctx.parses.of(central):
        for c in found:
            counts[c.key] += 1
            forms[(c.key, c.text)] += 1
            kinds[c.key] = c.kind
    shown: dict[str, str] = {}
    for (key, text), _ in sorted(forms.items(), key=lambda kv: (-kv[1], kv[0][1])):
        shown.setdefault(key, text)
    for (key, text), _ in forms.items():
        if text == key and kinds[key] in _NOUN_KINDS:  # "echo", not the commoner "echos"
            shown[key] = key
    out: dict[frozenset[str], tuple[str, frozenset[str], str]] = {}
    for key, n in sorted(counts.items()):
        stems = claim_stems(shown[key], topic=False)
        fresh = stems and shown[key] not in ctx.used and not _taken(ctx, stems)
        if n < 2 or not fresh or label_problems(shown[key], words=evidence):
            continue
        # one candidate per claim, shown in its dictionary form when one is written ("echo"
        # and "echos" parse to two keys; they claim the same word)
        if stems not in out or (_plain(shown[key]) and not _plain(out[stems][0])):
            out[stems] = (shown[key], stems, kinds[key])
    return list(out.values())


def _plain(text: str) -> bool:
    """Whether every word of ``text`` is its own lemma ("echo", not "echos")."""
    return claim_stems(text, topic=False) == frozenset(text.lower().split())


def _claims(
    ctx: _Context, members: np.ndarray
) -> list[tuple[float, float, float, int, str, frozenset[str], str]]:
    """(coverage, lift, split lift, sayers, display, stems, kind) of each candidate over
    ``members``; the split lift is the lift of the theme its sayers alone would form."""
    inside = np.zeros(ctx.sayings.n, dtype=bool)
    inside[members] = True
    n = ctx.sayings.n
    n_in, n_out = len(members), n - len(members)
    out = []
    for text, stems, kind in _options(ctx, members):
        who = ctx.who(stems)
        said = int(inside[who].sum())
        if said == 0:
            continue
        coverage = said / n_in
        lift = coverage / max((len(who) - said) / n_out if n_out else 0.0, 1.0 / max(n_out, 1))
        rest = n - said
        split_lift = 1.0 / max((len(who) - said) / rest if rest else 0.0, 1.0 / max(rest, 1))
        out.append((coverage, lift, split_lift, said, text, stems, kind))
    return out


SPECIFIC_LIFT = 10.0
"""Lift from which a label counts as fully specific; below it a label scores less (the
square root of lift over this): "link card" over the bare "card" that a banking export says
everywhere (lift 3.5)."""


def _name_score(claim: tuple[Any, ...]) -> float:
    """How well a phrase names a whole part: coverage, weighted toward what happened and
    toward specific phrases."""
    coverage, lift, kind = claim[0], claim[1], claim[6]
    return float(coverage * KIND_WEIGHT[kind] * min(1.0, lift / SPECIFIC_LIFT) ** 0.5)


SEPARATION = True


def _split_score(ctx: _Context, part: np.ndarray, claim: tuple[Any, ...]) -> float:
    """How well a phrase's sayers split ``part``: their number, weighted toward phrases
    that say what happened, times how far their centre is from the rest's (1 - cosine)."""
    n_say, kind = claim[3], claim[6]
    score = n_say * KIND_WEIGHT[kind] * min(1.0, claim[2] / SPECIFIC_LIFT) ** 0.5
    if not SEPARATION:
        return float(score)
    says = np.zeros(ctx.sayings.n, dtype=bool)
    says[ctx.who(claim[5])] = True
    inside, outside = part[says[part]], part[~says[part]]
    if not len(outside):
        return float(score)
    a, b = ctx.x[inside].mean(axis=0), ctx.x[outside].mean(axis=0)
    cos = float(a @ b / max(np.linalg.norm(a) * np.linalg.norm(b), 1e-12))
    return float(score * (1.0 - cos))


def _taken(ctx: _Context, stems: frozenset[str]) -> bool:
    """Whether a theme already claims the same words (lemma by lemma, families alike)."""
    return any(
        len(c) == len(stems) and all(any(kin(a, b) for b in c) for a in stems) for c in ctx.claimed
    )


def _claim(ctx: _Context, theme: Theme) -> Theme:
    """Record that ``theme``'s label and claim are taken (no two themes share either)."""
    ctx.used.add(theme.label)
    ctx.claimed.add(theme.stems)
    return theme


APART = 0.8
"""The mentions of a named part that do not say its label split off only when their centre
is less cosine-similar than this to the sayers' centre: paraphrases of one request stay
together, a second topic the domain word held in the cluster goes ("lost bag" beside
"flight cancelled")."""


def _names_itself(ctx: _Context, said: np.ndarray, rest: np.ndarray, label: frozenset[str]) -> bool:
    """Whether the mentions of a named part that do not say its label are a theme of their
    own: at least ``min_part`` of them, about something else (see :data:`APART`), half of
    them saying one distinctive phrase unlike the label."""
    if len(rest) < max(ctx.min_part, 2):
        return False
    a, b = ctx.x[said].mean(axis=0), ctx.x[rest].mean(axis=0)
    if float(a @ b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-12) >= APART:
        return False
    return any(
        s[0] >= NAMED_COVERAGE and s[2] >= NAMED_LIFT and not (s[5] & label)
        for s in _claims(ctx, rest)
    )


def _name_cluster(
    ctx: _Context, members: np.ndarray, origin: int
) -> tuple[list[Theme], np.ndarray]:
    """Named themes carved out of one cluster, and the members none of them holds."""
    themes: list[Theme] = []
    left: list[np.ndarray] = []
    queue = [members]
    while queue:
        part = queue.pop(0)
        if len(part) < ctx.min_part:
            left.append(part)
            continue
        scored = _claims(ctx, part)
        named = [s for s in scored if s[0] >= NAMED_COVERAGE and s[1] >= NAMED_LIFT]
        if named:  # the whole part is named: its best phrase, weighted toward what happened
            best = max(named, key=lambda s: (_name_score(s), s[4]))
            says = np.zeros(ctx.sayings.n, dtype=bool)
            says[ctx.who(best[5])] = True
            rest = part[~says[part]]
            if not _names_itself(ctx, part[says[part]], rest, best[5]):
                themes.append(_claim(ctx, Theme(part, best[4], NAMED, best[5], origin)))
                continue
            # the rest says something of its own ("lost bag" beside "flight cancelled"):
            # the label's sayers become the theme and the rest is looked at again
            themes.append(_claim(ctx, Theme(part[says[part]], best[4], NAMED, best[5], origin)))
            queue.append(rest)
            continue
        split = [s for s in scored if s[2] >= NAMED_LIFT and s[3] >= ctx.min_part and s[0] < 1]
        if not split:
            left.append(part)
            continue
        # the phrase whose sayers stand most apart from the rest of the part takes them:
        # common, and about something of its own ("declined" in a cluster of cash
        # withdrawals, rather than "withdraw", which they all say)
        best = max(split, key=lambda s: (_split_score(ctx, part, s), s[4]))
        says = np.zeros(ctx.sayings.n, dtype=bool)
        says[ctx.who(best[5])] = True
        themes.append(_claim(ctx, Theme(part[says[part]], best[4], NAMED, best[5], origin)))
        queue.append(part[~says[part]])
    rest = np.concatenate(left) if left else np.zeros(0, dtype=np.int64)
    return themes, rest


ROUNDS = 1
"""How many times the leftovers of the clusters are re-clustered and named again."""

SAYS_RATIO = 0.9
"""A leftover that says another theme's label joins it when its cosine to that theme is at
least this share of its cosine to its own cluster's centre ("service was impeccable", left
over in a cluster of waiters, joins "service"; "card not arriving" stays with its cluster
rather than joining "card")."""


def _origin_cos(x: np.ndarray, pool: np.ndarray, origin: np.ndarray) -> np.ndarray:
    """Cosine of each pooled mention to the centre of the cluster it came from (0: none)."""
    out = np.zeros(len(pool), dtype=np.float64)
    for r in np.unique(origin[pool]):
        if r < 0:
            continue
        centre = x[origin == r].mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        at = origin[pool] == r
        out[at] = x[pool[at]] @ centre
    return out


def _absorb(
    ctx: _Context, themes: list[Theme], pool: np.ndarray, origin: np.ndarray, floor: float
) -> np.ndarray:
    """Give pooled mentions to named themes; return the mentions none could take.

    A mention that says a theme's label joins it (the most similar such theme) when it is
    about that theme nearly as much as about its own cluster (:data:`SAYS_RATIO` of the
    cosine): that only makes the claim truer. Any other goes back to the most similar theme
    carved from its own cluster (the cluster held it for a reason), else to one of its three
    nearest themes, while the theme stays named. Always with cosine at least ``floor``.
    """
    named = [t for t in themes if t.kind == NAMED]
    if not named or not len(pool):
        return pool
    centres = np.vstack([ctx.x[t.members].mean(axis=0) for t in named])
    centres /= np.maximum(np.linalg.norm(centres, axis=1, keepdims=True), 1e-12)
    sims = ctx.x[pool] @ centres.T
    home_of = np.array([t.origin for t in named])
    near = np.argsort(-sims, axis=1, kind="stable")[:, :3]
    says = np.zeros((len(pool), len(named)), dtype=bool)
    for j, t in enumerate(named):
        says[:, j] = np.isin(pool, ctx.who(t.stems))
    sayers = np.array([np.isin(ctx.who(t.stems), t.members).sum() for t in named])
    sizes = np.array([len(t.members) for t in named])
    own_cos = _origin_cos(ctx.x, pool, origin)
    taken: list[list[int]] = [[] for _ in named]
    keep: list[int] = []
    for i in np.argsort(-sims[np.arange(len(pool)), near[:, 0]], kind="stable"):
        bar = max(floor, SAYS_RATIO * own_cos[i])
        said = [int(j) for j in np.flatnonzero(says[i]) if sims[i, j] >= bar]
        home = max(said, key=lambda j: sims[i, j]) if said else None
        if home is None:
            mine = np.flatnonzero(home_of == origin[pool[i]] if origin[pool[i]] >= 0 else [])
            own = sorted((int(j) for j in mine), key=lambda j: -sims[i, j])
            home = next(
                (
                    j
                    for j in [*own, *(int(j) for j in near[i])]
                    if sims[i, j] >= floor and sayers[j] / (sizes[j] + 1) >= NAMED_COVERAGE
                ),
                None,
            )
        if home is None:
            keep.append(int(pool[i]))
        else:
            taken[home].append(int(pool[i]))
            sizes[home] += 1
            sayers[home] += int(says[i, home])
    for theme, extra in zip(named, taken, strict=True):
        if extra:
            theme.members = np.concatenate([theme.members, np.asarray(extra, dtype=np.int64)])
    return np.asarray(sorted(keep), dtype=np.int64)


def name_groups(
    words: Sequence[str],
    x: np.ndarray,
    rows: np.ndarray,
    *,
    parser: Any,
    min_size: int,
    recluster: Callable[[np.ndarray], np.ndarray],
    absorb_floor: float,
    evidence: CorpusWords | None = None,
    written: Sequence[str] | None = None,
) -> Named:
    """Split and name the clusters ``rows`` so that every theme's label is true of it.

    Parameters
    ----------
    words : sequence of str, length n
        Topic texts of the mentions (what labels are made of).
    x : ndarray of shape (n, dim), unit rows
    rows : ndarray of shape (n,), int64
        Cluster of each mention (0 = biggest), -1 for none.
    parser : spaCy pipeline with a parser (label candidates), or None
    min_size : int
        Smallest cluster; a theme carved out by a phrase may be a third of it (at least 3).
    recluster : callable
        Clusters the pooled leftovers: positions (m,) -> labels (m,), -1 for none.
    absorb_floor : float
        Least cosine to a named theme's centre for a leftover to join it.
    evidence : CorpusWords, optional
        Which bare words come from redaction or hashtags in the export: never a label.
    written : sequence of str, length n, optional
        The mentions as stored (redacted): a part's own placeholders tell which of its bare
        words come from redaction (used instead of ``evidence``).

    Returns
    -------
    Named
    """
    sayings = Sayings(words)
    parses = _Parses(words, parser)
    ctx = _Context(
        words, x, sayings, parses, max(3, min_size // 3), set(), evidence or CorpusWords(), written
    )
    themes: list[Theme] = []
    origin = np.asarray(rows, dtype=np.int64).copy()
    pool: list[np.ndarray] = []
    k = int(rows.max()) + 1 if len(rows) else 0
    # one parse call for the central members of every cluster (most of what naming reads)
    if k:
        parses.of(np.concatenate([_central(x, np.flatnonzero(rows == r)) for r in range(k)]))
    for r in range(k):
        found, rest = _name_cluster(ctx, np.flatnonzero(rows == r), r)
        themes += found
        pool.append(rest)
    left = np.concatenate(pool) if pool else np.zeros(0, dtype=np.int64)
    left = np.sort(np.concatenate([left, np.flatnonzero(rows < 0)]))
    for _ in range(ROUNDS):  # again on what no phrase named: finer groups
        if len(left) < 2 * min_size:
            break
        again = recluster(left)
        pool = []
        for g in range(int(again.max()) + 1 if len(again) else 0):
            found, rest = _name_cluster(ctx, left[again == g], -1)
            themes += found
            pool.append(rest)
        pool.append(left[again < 0])
        before, left = len(left), np.sort(np.concatenate(pool))
        if len(left) > 0.9 * before:  # little left to find
            break
    left = _absorb(ctx, themes, left, origin, absorb_floor)
    themes += _residuals(words, left, origin, min_size, x, themes)
    out = _result(themes, sayings, len(words), ctx)
    out.parses = parses.cache
    return out


LOOSE = 10.0
"""A residual whose cohesion (mean cosine to its centre) is below this percentile of the named
themes' is no theme at all: chatter that only the clustering held together ("Ouch",
"xD", "Coincidence" in a tweet export); its mentions stay unassigned, as mentions that fit
nothing do. A residual about one thing ("Flight: other") is as tight as a named theme."""


def _cohesion(x: np.ndarray, members: np.ndarray) -> float:
    centre = x[members].mean(axis=0)
    centre /= max(float(np.linalg.norm(centre)), 1e-12)
    return float((x[members] @ centre).mean())


def _residuals(
    words: Sequence[str],
    left: np.ndarray,
    origin: np.ndarray,
    min_size: int,
    x: np.ndarray,
    named: Sequence[Theme],
) -> list[Theme]:
    """What no phrase named, kept together by the cluster it came from when big enough and
    as tight as most named themes (see :data:`LOOSE`); the label is a placeholder (the
    parent's name replaces it once parents are known)."""
    tight = [_cohesion(x, t.members) for t in named if t.kind == NAMED and len(t.members)]
    floor = float(np.percentile(tight, LOOSE)) if tight else -1.0
    out = []
    for r in sorted(set(origin[left].tolist())):
        members = left[origin[left] == r]
        if r < 0 or len(members) < min_size or _cohesion(x, members) < floor:
            continue
        said = Counter(w for p in members for w in set(content_words(words[p])))
        word = min(said.items(), key=lambda kv: (-kv[1], kv[0]))[0] if said else "other"
        out.append(Theme(members, f"{word}: other", RESIDUAL, frozenset(), r))
    return out


def _result(themes: list[Theme], sayings: Sayings, n: int, ctx: _Context) -> Named:
    """Themes ordered biggest first (residuals after the named ones), as rows."""
    themes = [t for t in themes if len(t.members)]
    order = sorted(
        range(len(themes)),
        key=lambda i: (
            themes[i].kind == RESIDUAL,
            -len(themes[i].members),
            int(themes[i].members.min()),
        ),
    )
    rows = np.full(n, -1, dtype=np.int64)
    out = Named(rows, [], [], [], sayings)
    for new, i in enumerate(order):
        t = themes[i]
        rows[t.members] = new
        out.labels.append(t.label)
        out.kinds.append(t.kind)
        out.stems.append(t.stems)
        if t.kind == NAMED:
            said = int(np.isin(ctx.who(t.stems), t.members).sum())
            coverage = said / len(t.members)
            outside = (len(ctx.who(t.stems)) - said) / max(n - len(t.members), 1)
            out.coverage.append(coverage)
            out.lift.append(coverage / max(outside, 1.0 / max(n - len(t.members), 1)))
        else:
            out.coverage.append(math.nan)
            out.lift.append(math.nan)
    return out
