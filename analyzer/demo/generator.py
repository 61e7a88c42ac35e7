"""Seeded synthetic survey export for the demo, with its ground truth.

The fictional company is *Northwind Goods*, an online retailer with a subscription
plan, an app, delivery, customer support and billing. :func:`generate` writes comments
the way people do: one to three themes per comment with mixed feelings joined by
"but" / "however" / full stops, intensifiers and openers, typos, emoji, short
non-answers, a few comments in Spanish, German or French, and personal data (names,
emails, phone numbers, order numbers) to redact. Scores follow what the comment says,
and one theme (:data:`GROWING_THEME`) takes off in the last two months and drags NPS down.

The phrase banks live in ``analyzer/demo/phrases.yaml``. The ground truth
has one row per planted mention; :func:`match_mentions_to_truth` (in
:mod:`analyzer.demo.truth`, re-exported here) maps the mentions a splitter produced back
onto it, so theme quality can be scored (e.g. NMI).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from analyzer.demo.truth import match_mentions_to_truth
from analyzer.errors import ConfigError

__all__ = [
    "EXPORT_COLUMNS",
    "GROWING_THEME",
    "TRUTH_COLUMNS",
    "generate",
    "load_phrases",
    "match_mentions_to_truth",
    "theme_keys",
    "write",
]

EXPORT_COLUMNS = (
    "response_id",
    "date",
    "comment",
    "nps",
    "csat",
    "ces",
    "channel",
    "region",
    "plan",
    "revenue",
)
TRUTH_COLUMNS = ("response_id", "position", "text", "theme", "sentiment")
GROWING_THEME = "app_crashes"
"""The theme that is rare at first and in ~30% of responses in the last two months."""

NON_ANSWER_RATE = 0.065
FOREIGN_RATE = 0.015
PII_RATE = 0.05
NAMED_RATE = 0.08  # extra chance that a support-staff clause names the agent
TYPO_RATE = 0.08  # per word of 4+ letters: ~5% of all words
EMOJI_RATE = 0.1
LOWERCASE_RATE = 0.06
MISSING_SCORE_RATE = 0.03
GROWTH_SHARE = {"app": 0.5, "other": 0.25}  # P(growing theme) in the last two months
THEME_COUNT_P = (0.5, 0.35, 0.15)  # one, two or three themes per comment

_SEGMENTS = {
    "channel": {"web": 0.4, "app": 0.3, "email": 0.2, "phone": 0.1},
    "region": {"North America": 0.4, "Europe": 0.3, "APAC": 0.2, "LATAM": 0.1},
    "plan": {"Free": 0.35, "Basic": 0.3, "Pro": 0.25, "Enterprise": 0.1},
}
_PLAN_REVENUE = {"Free": 25.0, "Basic": 60.0, "Pro": 140.0, "Enterprise": 1200.0}
_CONTRAST: tuple[str, ...] = (" but ", ", but ", ". However, ", ". However ", ", although ")
_CONTRAST += (", though ", ", while ", ". But ", " - but ")
_SAME = (". ", ". ", ". Also, ", ". And ")
_ENDINGS = (".", ".", ".", "!", "", "!!", "...")
_KEEP_CASE = {"I", "Google", "Android", "iPhone", "Northwind", "Pro"}
_TYPO_WORD = re.compile(r"(?<![{\w])[A-Za-z]{4,}(?![}\w])")


@lru_cache(maxsize=1)
def load_phrases() -> dict[str, Any]:
    """Load the phrase banks of the demo generator.

    Returns
    -------
    dict
        The parsed ``analyzer/demo/phrases.yaml`` (themes, openers, tails,
        PII templates, emoji, non-answers, foreign-language clauses). Do not mutate it.
    """
    text = resources.files("analyzer.demo").joinpath("phrases.yaml").read_text("utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def theme_keys() -> list[str]:
    """List the stable snake_case keys of the planted themes.

    Returns
    -------
    list of str
        Theme keys in phrase-bank order, e.g. ``"delivery_speed"``, ``"app_crashes"``.
    """
    return list(load_phrases()["themes"])


def _decap(text: str) -> str:
    """Lower-case the first letter unless the first word must keep its case."""
    first = text.split(" ", 1)[0]
    if not text or first.split("'")[0] in _KEEP_CASE or first.isupper():
        return text
    return text[0].lower() + text[1:]


class _Composer:
    """Draw themes, write clauses and join them into comments (one seeded generator)."""

    def __init__(self, rng: np.random.Generator, bank: dict[str, Any]) -> None:
        self.rng = rng
        self.bank = bank
        self.themes: dict[str, Any] = bank["themes"]
        self.keys = list(self.themes)
        weights = np.array([float(t["weight"]) for t in self.themes.values()])
        self.weights = weights / weights.sum()
        self.person: dict[str, str] = {}

    def pick(self, seq: Sequence[str]) -> str:
        return seq[int(self.rng.integers(len(seq)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def mentions(self, growing_p: float) -> list[tuple[str, str]]:
        """Choose one to three distinct themes and a polarity for each."""
        k = 1 + int(self.rng.choice(3, p=THEME_COUNT_P))
        weights = self.weights.copy()
        chosen: list[str] = []
        if self.chance(growing_p):
            chosen.append(GROWING_THEME)
            weights[self.keys.index(GROWING_THEME)] = 0.0
        extra = self.rng.choice(
            len(self.keys), size=k - len(chosen), replace=False, p=weights / weights.sum()
        )
        chosen += [self.keys[int(i)] for i in extra]
        order = self.rng.permutation(len(chosen))
        return [(chosen[int(i)], self.sentiment(chosen[int(i)])) for i in order]

    def sentiment(self, theme: str) -> str:
        spec = self.themes[theme]
        r = self.rng.random()
        if r < spec["p_positive"]:
            return "positive"
        return "neutral" if r < spec["p_positive"] + spec["p_neutral"] else "negative"

    def clause(self, theme: str, sentiment: str, *, lower: bool, pii: str) -> str:
        """Write one clause; ``pii`` is "", "named", "email", "phone" or "order"."""
        spec = self.themes[theme][sentiment]
        text = self.pick(spec["named"] if pii == "named" else spec["phrases"])
        for slot in ("adv", "very"):
            text = text.replace("{" + slot + "}", self.pick(self.bank["slots"][slot]))
        if spec.get("details") and self.chance(0.2):
            text += self.pick(spec["details"])
        elif self.chance(0.12):
            text += self.pick(self.bank["tails"][sentiment])
        if pii in self.bank["pii_tails"]:
            text += self.pick(self.bank["pii_tails"][pii])
        if lower:
            text = _decap(text)
        elif self.chance(0.15):
            text = self.pick(self.bank["openers"][sentiment]) + _decap(text)
        return self.fill_pii(self.typos(text))

    def typos(self, text: str) -> str:
        """Swap, drop or double one inner letter in ~TYPO_RATE of the longer words."""

        def garble(match: re.Match[str]) -> str:
            word = match.group()
            if self.rng.random() >= TYPO_RATE:
                return word
            j, kind = int(self.rng.integers(1, len(word) - 1)), int(self.rng.integers(3))
            if kind == 0:
                return word[:j] + word[j + 1] + word[j] + word[j + 2 :]
            return word[:j] + (word[j] * 2 if kind == 1 else "") + word[j + 1 :]

        return _TYPO_WORD.sub(garble, text)

    def new_person(self) -> None:
        """Invent the respondent / agent whose details may appear in this comment."""
        people = self.bank["people"]
        first, last = self.pick(people["first"]), self.pick(people["last"])
        n = int(self.rng.integers(1, 100))
        local = self.pick([f"{first}.{last}", f"{first[0]}{last}{n}", f"{first}_{last}"])
        d2, d3 = f"{n:02d}", f"{int(self.rng.integers(1000)):03d}"
        phones = [f"+1 415-555-01{d2}", f"(212) 555-01{d2}", f"020 7946 0{d3}"]
        phones += [f"+44 20 7946 0{d3}", f"07700 900{d3}", f"+1 (646) 555-01{d2}"]
        digits = int(self.rng.integers(100_000, 10_000_000))
        self.person = {
            "{name}": f"{first} {last}",
            "{email}": f"{local.lower()}@{self.pick(people['domains'])}",
            "{phone}": self.pick(phones),
            "{order}": self.pick([f"#{digits}", f"NW-{digits}"]),
        }

    def fill_pii(self, text: str) -> str:
        for slot, value in self.person.items():
            text = text.replace(slot, value)
        return text

    def pii_plan(self, mentions: list[tuple[str, str]]) -> list[str]:
        """Decide which clause carries personal data, and what kind."""
        plan = [""] * len(mentions)
        named = [i for i, (t, s) in enumerate(mentions) if "named" in self.themes[t][s]]
        for i in named:
            if mentions[i][0] == "support_staff" and self.chance(NAMED_RATE):
                plan[i] = "named"
        if self.chance(PII_RATE):
            if named and self.chance(0.5):
                plan[named[int(self.rng.integers(len(named)))]] = "named"
            else:
                kind = str(self.rng.choice(["email", "phone", "order"], p=[0.4, 0.4, 0.2]))
                plan[int(self.rng.integers(len(mentions)))] = kind
        return plan

    def compose(self, mentions: list[tuple[str, str]]) -> tuple[str, list[str]]:
        """Join the clauses of ``mentions`` into one comment; return it and the clauses."""
        self.new_person()
        plan = self.pii_plan(mentions)
        pieces: list[str] = []
        texts: list[str] = []
        for pos, (theme, sentiment) in enumerate(mentions):
            joiner = ""
            if pos:
                contrast = sentiment != mentions[pos - 1][1]
                joiner = self.pick(_CONTRAST if contrast else _SAME)
            lower = bool(joiner) and joiner != ". "
            text = self.clause(theme, sentiment, lower=lower, pii=plan[pos])
            emoji = ""
            if pos < len(mentions) - 1 and self.chance(0.04):
                emoji = " " + self.pick(self.bank["emoji"][sentiment])
            pieces.append(joiner + text + emoji)
            texts.append(text)
        comment = "".join(pieces) + self.pick(_ENDINGS)
        if self.chance(EMOJI_RATE):
            comment += " " + self.pick(self.bank["emoji"][mentions[-1][1]]) * (1 + self.chance(0.3))
        if self.chance(LOWERCASE_RATE):
            comment, texts = comment.lower(), [t.lower() for t in texts]
        return comment, texts

    def foreign(self) -> tuple[str, list[tuple[str, str, str]]]:
        """A comment in Spanish, German or French: (comment, [(text, theme, sentiment)])."""
        bank = self.bank["foreign"][self.pick(sorted(self.bank["foreign"]))]
        pairs = [(t, s) for t in bank for s in bank[t]]
        k = 1 + self.chance(0.4)
        picked = self.rng.choice(len(pairs), size=k, replace=False)
        clauses: list[tuple[str, str, str]] = []
        for theme, sentiment in (pairs[int(i)] for i in picked):
            if theme not in {c[1] for c in clauses}:
                clauses.append((self.pick(bank[theme][sentiment]), theme, sentiment))
        return ". ".join(c[0] for c in clauses) + ".", clauses


def _day(value: str, name: str) -> pd.Timestamp:
    try:
        day: Any = pd.Timestamp(value)
    except (TypeError, ValueError):
        day = pd.NaT
    if pd.isna(day):
        raise ConfigError(f"{name}={value!r} is not a date; pass an ISO date like '2025-12-01'.")
    return pd.Timestamp(day).normalize()


def _dates(
    rng: np.random.Generator, n: int, start: str, months: int
) -> tuple[pd.DatetimeIndex, np.ndarray]:
    """Sorted response dates over ``months`` months and the last-two-months mask."""
    first = _day(start, "start")
    end = first + pd.DateOffset(months=months)
    offsets = np.sort(rng.integers(0, (end - first).days, size=n))
    dates = pd.DatetimeIndex(first + pd.to_timedelta(offsets, unit="D"))
    return dates, np.asarray(dates >= first + pd.DateOffset(months=months - 2))


def _draw(rng: np.random.Generator, options: dict[str, float], n: int) -> list[str]:
    """Draw ``n`` categories with the given probabilities."""
    names = list(options)
    idx = rng.choice(len(names), size=n, p=np.array(list(options.values())))
    return [names[int(i)] for i in idx]


def _comments(
    rng: np.random.Generator, channels: list[str], growing: np.ndarray
) -> tuple[list[str], list[list[tuple[str, str, str]]]]:
    """Write every comment; return them and their clauses as (text, theme, sentiment)."""
    composer = _Composer(rng, load_phrases())
    comments: list[str] = []
    clauses: list[list[tuple[str, str, str]]] = []
    for channel, late in zip(channels, growing, strict=True):
        kind = rng.random()
        if kind < NON_ANSWER_RATE:
            comments.append(composer.pick(composer.bank["non_answers"]))
            clauses.append([])
        elif kind < NON_ANSWER_RATE + FOREIGN_RATE:
            comment, found = composer.foreign()
            comments.append(comment)
            clauses.append(found)
        else:
            share = GROWTH_SHARE["app" if channel == "app" else "other"] if late else 0.0
            mentions = composer.mentions(share)
            comment, texts = composer.compose(mentions)
            comments.append(comment)
            clauses.append([(t, m[0], m[1]) for t, m in zip(texts, mentions, strict=True)])
    return comments, clauses


def _scores(
    rng: np.random.Generator, clauses: list[list[tuple[str, str, str]]]
) -> dict[str, pd.Series]:
    """NPS, CSAT and CES driven by the net sentiment of the planted mentions, plus noise."""
    themes = load_phrases()["themes"]
    net = np.zeros(len(clauses))
    effort = np.zeros(len(clauses))
    for i, found in enumerate(clauses):
        for _, theme, sentiment in found:
            spec = themes[theme]
            if sentiment == "negative":
                net[i] -= spec["severity"]
                effort[i] += spec["effort"]
            elif sentiment == "positive":
                net[i] += spec["delight"]
                effort[i] -= 0.3 * spec["effort"]
            else:
                net[i] -= 0.1
    mood = 2.2 * np.tanh(net / 2.0)
    person = rng.normal(size=len(net))
    raw = {
        "nps": (7.9 + 2.0 * mood + 0.9 * person + rng.normal(0, 0.7, len(net)), 0, 10),
        "csat": (4.0 + 0.75 * mood + 0.4 * person + rng.normal(0, 0.45, len(net)), 1, 5),
        "ces": (3.0 - 0.6 * mood + effort - 0.3 * person + rng.normal(0, 0.6, len(net)), 1, 7),
    }
    out: dict[str, pd.Series] = {}
    for name, (values, low, high) in raw.items():
        score = pd.Series(np.clip(np.rint(values), low, high).astype("int64"), dtype="Int64")
        score[rng.random(len(net)) < MISSING_SCORE_RATE] = pd.NA
        out[name] = score
    return out


def generate(
    n_responses: int = 3000,
    *,
    seed: int = 0,
    start: str = "2025-12-01",
    months: int = 12,
    fall_after: str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Generate the synthetic Northwind Goods survey export and its ground truth.

    Parameters
    ----------
    n_responses : int, default 3000
        Number of survey responses (rows of the export).
    seed : int, default 0
        Seed of the one random generator used; same seed, identical output.
    start : str, default "2025-12-01"
        First day of the survey period (ISO date).
    months : int, default 12
        Survey length, at least 3; :data:`GROWING_THEME` takes off in the last two.
    fall_after : str, optional
        An ISO date: :data:`GROWING_THEME` is then frequent in every response *before* it
        and back to its usual rarity from that day on (a fixed problem, for testing
        actions). ``None`` (the default) keeps the growth in the last two months.

    Returns
    -------
    export : pandas.DataFrame
        :data:`EXPORT_COLUMNS`, in date order: ``date`` is ``yyyy-mm-dd`` text, ``comment``
        may be ``""``, ``nps`` / ``csat`` / ``ces`` are Int64 with some missing, ``channel``
        / ``region`` / ``plan`` are text and ``revenue`` is a positive float64.
    truth : pandas.DataFrame
        One row per planted mention (none for non-answers), :data:`TRUTH_COLUMNS`:
        ``position`` is the 0-based clause order, ``text`` the clause exactly as written
        in the comment (before redaction), ``theme`` a snake_case key.

    Raises
    ------
    ConfigError
        If ``n_responses`` < 1, ``months`` < 3 or ``start`` is not a date.
    """
    if n_responses < 1 or months < 3:
        raise ConfigError(
            f"Got n_responses={n_responses}, months={months}; expected n_responses >= 1 and "
            "months >= 3 (the growing theme needs two final months and some before)."
        )
    rng = np.random.default_rng(seed)
    dates, growing = _dates(rng, n_responses, start, months)
    if fall_after is not None:
        growing = np.asarray(dates < _day(fall_after, "fall_after"))
    segments = {name: _draw(rng, options, n_responses) for name, options in _SEGMENTS.items()}
    median = np.array([_PLAN_REVENUE[p] for p in segments["plan"]])
    revenue = np.maximum(np.round(median * rng.lognormal(0.0, 0.6, n_responses), 2), 0.5)
    comments, clauses = _comments(rng, segments["channel"], growing)
    ids = [f"R{i + 1:0{max(5, len(str(n_responses)))}d}" for i in range(n_responses)]
    export = pd.DataFrame(
        {"response_id": ids, "date": list(dates.strftime("%Y-%m-%d")), "comment": comments}
        | _scores(rng, clauses)
        | segments
        | {"revenue": revenue}
    )
    return export, _truth(ids, clauses)


def _truth(ids: list[str], clauses: list[list[tuple[str, str, str]]]) -> pd.DataFrame:
    """One truth row per planted clause."""
    rows = [
        (rid, pos, text, theme, sentiment)
        for rid, found in zip(ids, clauses, strict=True)
        for pos, (text, theme, sentiment) in enumerate(found)
    ]
    return pd.DataFrame(rows, columns=list(TRUTH_COLUMNS)).astype({"position": "int64"})


def write(
    path_csv: str | Path,
    n_responses: int = 3000,
    *,
    seed: int = 0,
    start: str = "2025-12-01",
    months: int = 12,
    fall_after: str | None = None,
) -> tuple[Path, Path]:
    """Write the demo export CSV and its ground truth next to it.

    Parameters
    ----------
    path_csv : str or Path
        Where to write the export (UTF-8 CSV); parent folders are created.
    n_responses, seed, start, months, fall_after
        As in :func:`generate`.

    Returns
    -------
    tuple of Path
        The export path and the truth path ``<stem>.truth.csv`` in the same folder.
        The same arguments always give byte-identical files.
    """
    export, truth = generate(
        n_responses, seed=seed, start=start, months=months, fall_after=fall_after
    )
    path = Path(path_csv)
    path.parent.mkdir(parents=True, exist_ok=True)
    truth_path = path.with_name(f"{path.stem}.truth.csv")
    export.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
    truth.to_csv(truth_path, index=False, encoding="utf-8", lineterminator="\n")
    return path, truth_path
