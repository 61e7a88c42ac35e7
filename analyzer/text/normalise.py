"""Text that embeds and labels well: what a mention says, without the noise around it.

Survey and social exports carry things that pull unrelated mentions together in an
embedding and end up in theme labels: @handles ("@united"), links, "RT", HTML entities
("&amp;"), escaped characters ("\\u002c"), redaction placeholders ("[PERSON]") and emoji.
:func:`topic_text` removes them (a hashtag becomes its words: "#lostLuggage" -> "lost
luggage") and is what the embedder and the labeller see; the stored mention keeps the
text as written (redacted).

:func:`has_topic` tells whether a mention says what it is about at all: "thanks", "p",
"I didn't today", "love it!" or a lone emoji do not, and go to the "no specific topic"
bucket instead of being forced into a theme.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from functools import lru_cache

__all__ = [
    "CHAT_WORDS",
    "CONTENT_FREE",
    "TOPIC_WORDS",
    "content_words",
    "embedding_texts",
    "english_stop_words",
    "has_topic",
    "split_hashtag",
    "topic_text",
]

_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|ly|co|io)(?:/\S*)?\b", re.I)
_HANDLE = re.compile(r"(?<![\w@])@\w+")
_RT = re.compile(r"(?<!\w)RT\b:?", re.I)
_HASHTAG = re.compile(r"(?<![\w#])#(\w+)")
_PLACEHOLDER = re.compile(r"\[(?:PERSON|EMAIL|PHONE|CARD|IBAN|URL|ID)\]")
_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_SPACES = re.compile(r"\s+")
# numbers glued to a unit or an ordinal ("2nd", "4th", "10pm", "5k") leave a fragment
_NUMBER_WORD = re.compile(r"\b\d+(?:st|nd|rd|th|s|am|pm|k|m|x)\b", re.I)
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’])*[^\W\d_]|[^\W\d_]")

# Chat interjections and swearing ("C'mon", "wtf", "you bro", "what the hell"): never a
# topic, and never a word of a label either.
CHAT_WORDS = frozenset(
    "cmon wtf smh idk tbh imo imho fyi btw lmk omfg yea aw aww whoa woah woo woohoo yo bro "
    "bruh dude damn dang hmm meh oops eh fuck fucking fuckin shit hell crap".split()
)
# Words that carry no topic of their own: courtesy, fillers, bare judgements, time words,
# chat interjections, empty verbs.
# Stop words (scikit-learn's English list without TOPIC_WORDS) are added in :func:`_stop_words`.
CONTENT_FREE = (
    frozenset(
        "thanks thank thx ty tks cheers please pls plz lol lmao haha hahaha hehe omg wow yay ugh "
        "ok okay k yes yeah yep yup no nope nah hi hello hey bye dear guys folks sir madam "
        "great good bad awesome terrible nice amazing excellent perfect poor horrible fine cool "
        "love loved loving hate hated like liked best worst better worse super fantastic brilliant "
        "awful lovely happy sad glad sorry well pretty really very just much many lot lots alot "
        "enjoy enjoys enjoyed enjoying "
        "today tomorrow yesterday tonight now ago day days week weeks time times morning night "
        "im ive dont didnt doesnt cant wont isnt wasnt got get gets getting thing things stuff "
        "u ur r ya im ill id youre theyre thats whats theres lets gonna wanna gotta "
        "rt amp via gon na wan ta am pm "
        # verbs that say nothing on their own ("I don't know", "going to come"); not "made"
        # ("well made"), "feel" ("love the feel"), "wait" or "work": those are topics
        "know knew think thought want wants wanted going come coming comes came say says said "
        "mean guess believe let tell told make makes did does doing done went gone seen saw hope "
        # days and months ("see you Friday"); "march" and "may" are words too
        "monday tuesday wednesday thursday friday saturday sunday january february april june "
        "july august september october november december".split()
    )
    | CHAT_WORDS
)
# laughs, kisses and other letter runs that are not words: "hahaha", "lmfao", "xoxo"
_NOT_WORDS = re.compile(r"^(?:(?:ha|he|ja)+h?|l+o+l+|lm+f*a+o+|x+o+x*o*|a+h+|o+h+|u+g+h+|h+m+|z+)$")


def split_hashtag(tag: str) -> str:
    """The words of a hashtag body: camelCase is split as written, a lower-case run by
    word frequencies (``wordsegment``; "lostluggage" -> "lost luggage")."""
    parts = _CAMEL.findall(tag) or [tag]
    if len(parts) == 1 and tag.isalpha() and len(tag) > 6:
        return " ".join(_segment(tag.lower()))
    return " ".join(p.lower() if not p.isupper() else p for p in parts)


@lru_cache(maxsize=4096)
def _segment(word: str) -> tuple[str, ...]:
    import wordsegment

    if not getattr(wordsegment, "_cxa_loaded", False):
        wordsegment.load()
        wordsegment._cxa_loaded = True
    return tuple(wordsegment.segment(word))


def _remove_emoji(text: str) -> str:
    if text.isascii():  # every emoji is outside ASCII; the scan costs ~40 us a mention
        return text
    import emoji

    return str(emoji.replace_emoji(text, replace=" "))


def topic_text(text: str, *, keep_emoji: bool = False) -> str:
    """The words of a mention that say what it is about (see the module docstring).

    Parameters
    ----------
    text : str
        A redacted mention as stored.
    keep_emoji : bool
        Keep emoji (they carry sentiment; the embedding pass also scores sentiment).

    Returns
    -------
    str
        The text without handles, links, "RT", entities, escapes, placeholders and
        emoji, hashtags split into words, whitespace collapsed; ``""`` when nothing is left.
    """
    text = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    for _ in range(2):  # "&amp;nbsp;" was escaped twice
        text = html.unescape(text)
    text = _NUMBER_WORD.sub(" ", text)
    text = _PLACEHOLDER.sub(" ", text)
    text = _URL.sub(" ", text)
    text = _HANDLE.sub(" ", text)
    text = _RT.sub(" ", text)
    text = _HASHTAG.sub(lambda m: " " + split_hashtag(m.group(1)) + " ", text)
    if not keep_emoji:
        text = _remove_emoji(text)
    text = _SPACES.sub(" ", text).strip(" :,-–—|/")
    return text


# Words of the generic English stop lists (scikit-learn's, spaCy's) that name what customers
# write about: "my bill", "the top runs small", "top up", "interest rate", "Fire stick",
# "the call dropped", "side dish". They are never stop words here.
TOPIC_WORDS = frozenset(
    "amount bill bottom call detail empty fill fire front full interest move name part side "
    "system thick thin top show".split()
)


@lru_cache(maxsize=1)
def english_stop_words() -> frozenset[str]:
    """scikit-learn's English stop words without :data:`TOPIC_WORDS`: the one stop list
    of has_topic, the theme keywords and the label hygiene check."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS) - TOPIC_WORDS


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    return english_stop_words() | CONTENT_FREE


def content_words(text: str) -> list[str]:
    """Lower-cased words of ``topic_text(text)`` that can name a topic (at least two
    letters, not a stop word, filler, bare judgement or time word)."""
    stop = _stop_words()
    words = [w.replace("'", "").replace("’", "") for w in _WORD.findall(topic_text(text).lower())]
    return [w for w in words if len(w) > 1 and w not in stop and not _NOT_WORDS.match(w)]


def has_topic(text: str) -> bool:
    """Whether a mention names something it is about (at least one content word)."""
    return bool(content_words(text))


def embedding_texts(texts: Sequence[str]) -> list[str]:
    """What the embedder sees for each mention: :func:`topic_text` with emoji kept, or the
    mention itself where nothing would be left (a lone handle or emoji still gets a
    vector and a sentiment). Every caller that embeds mentions uses this, so vectors match
    the theme model's centroids and the cache."""
    out = []
    for text in texts:
        clean = topic_text(text, keep_emoji=True)
        out.append(clean if clean else text)
    return out
