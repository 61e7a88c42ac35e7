"""Languages: detect the language of a comment and split non-English comments into mentions.

Detection uses ``py3langid`` (its naive-Bayes model ships inside the wheel, nothing is
downloaded), restricted to :data:`SUPPORTED` (the 16 languages of the multilingual encoder)
with normalised probabilities. It answers ``"unknown"`` rather than guessing when a text is
too short (fewer than :data:`MIN_LETTERS` letters or :data:`MIN_WORDS` words), when the best
language is below :data:`MIN_CONFIDENCE`, or when the sentences of a comment are confidently
in different languages (a mixed comment). A mention inherits its comment's language when it
is itself too short to tell.

Splitting here is rule-based (no spaCy pipeline for these languages is installed): sentences
at ``. ! ? …`` and line breaks, then clauses at each language's contrast words ("pero",
"aber", "mais", "ma", "mas", "maar", ...), cut only when both sides keep two words. Pattern
redaction (e-mails, phones, cards, IBANs, URLs) has already happened for every language
before this module sees a text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from analyzer.text.redact import PLACEHOLDERS
from analyzer.text.split import is_non_answer, tidy

UNKNOWN = "unknown"
ENGLISH = "en"
SUPPORTED: tuple[str, ...] = (
    "ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh",
)  # fmt: skip
"""ISO 639-1 codes the detector may answer (the encoder's 16 languages; zh covers zh-TW)."""

MIN_CONFIDENCE = 0.9
"""Normalised probability below which a text's language is ``"unknown"``."""
MIN_LETTERS = 12
MIN_WORDS = 3
_CJK_MIN_CHARS = 4  # scripts without spaces: count characters instead of words

_WORD = re.compile(r"[^\W\d_]+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？])\s+|\n+")

CONTRAST_WORDS: dict[str, frozenset[str]] = {
    "es": frozenset({"pero", "aunque", "sin embargo", "mientras que", "no obstante"}),
    "pt": frozenset({"mas", "porém", "embora", "no entanto", "contudo", "enquanto"}),
    "fr": frozenset({"mais", "cependant", "pourtant", "bien que", "alors que", "tandis que"}),
    "de": frozenset({"aber", "jedoch", "obwohl", "allerdings", "trotzdem"}),
    "it": frozenset({"ma", "però", "tuttavia", "anche se", "mentre", "sebbene"}),
    "nl": frozenset({"maar", "hoewel", "echter", "terwijl"}),
    "pl": frozenset({"ale", "jednak", "chociaż", "choć", "lecz", "natomiast"}),
    "tr": frozenset({"ama", "fakat", "ancak", "rağmen", "oysa"}),
    "ru": frozenset({"но", "однако", "хотя", "зато", "а вот"}),
}
"""Contrast words that open a new clause, per language (lower case)."""
_CJK_CONTRAST: dict[str, tuple[str, ...]] = {
    "zh": ("但是", "可是", "不过", "但"),
    "ja": ("しかし", "でも", "けど", "が、"),
}
_CJK_CONTRAST["ko"] = ("하지만", "그러나", "그런데")


@lru_cache(maxsize=1)
def _identifier() -> Any:
    """The py3langid model restricted to :data:`SUPPORTED` (loaded once, ~0.3 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    ident = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    ident.set_languages(list(SUPPORTED))
    return ident


def load_model() -> None:
    """Load the language identifier now (forked text workers then inherit it loaded)."""
    _identifier()


def _long_enough(text: str) -> bool:
    for placeholder in PLACEHOLDERS:
        text = text.replace(placeholder, " ")
    if len(_CJK.findall(text)) >= _CJK_MIN_CHARS:
        return True
    words = _WORD.findall(text)
    return len(words) >= MIN_WORDS and sum(len(w) for w in words) >= MIN_LETTERS


def detect(text: str) -> str:
    """Language of one text: an ISO 639-1 code of :data:`SUPPORTED`, or ``"unknown"``.

    ``"unknown"`` for a text too short to tell, a best guess below :data:`MIN_CONFIDENCE`,
    or sentences confidently in two different languages.
    """
    if not text or not _long_enough(text):
        return UNKNOWN
    lang, prob = _identifier().classify(text)
    if prob < MIN_CONFIDENCE:
        return UNKNOWN
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    if len(sentences) < 2:
        return str(lang)
    found = {detect_one(s) for s in sentences}
    found.discard(UNKNOWN)
    if len(found) > 1:
        return UNKNOWN  # a mixed comment: no single language
    return str(lang)


def detect_one(text: str) -> str:
    """Language of one sentence, with the same fallbacks but no mixed-comment check."""
    if not _long_enough(text):
        return UNKNOWN
    lang, prob = _identifier().classify(text)
    return str(lang) if prob >= MIN_CONFIDENCE else UNKNOWN


def detect_many(texts: Sequence[str]) -> list[str]:
    """:func:`detect` for each text, in order."""
    return [detect(t) for t in texts]


def mention_languages(mentions: Sequence[str], comment_language: str) -> list[str]:
    """Language of each mention of one comment.

    Mentions of a comment in one known language share it. In an ``"unknown"`` comment (too
    short, unsure, or mixed), a mention long enough to tell gets its own language, so the
    English and the Spanish sentences of a mixed comment differ.
    """
    if comment_language != UNKNOWN:
        return [comment_language] * len(mentions)
    out = []
    for text in mentions:
        own = detect_one(text)
        out.append(own if own != UNKNOWN else comment_language)
    return out


def has_rules(language: str) -> bool:
    """Whether :func:`split_mentions` handles ``language`` (every supported one but English)."""
    return language in SUPPORTED and language != ENGLISH


def _clause_pattern(language: str) -> re.Pattern[str] | None:
    words = CONTRAST_WORDS.get(language)
    if words:
        alts = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        return re.compile(rf"(?i)(?:[,;:]\s*|\s+)\b(?:{alts})\b[,]?\s+")
    marks = _CJK_CONTRAST.get(language)
    if marks:
        return re.compile("|".join(re.escape(m) for m in marks))
    return None


_PATTERNS = {lang: _clause_pattern(lang) for lang in SUPPORTED if lang != ENGLISH}


def _enough(text: str) -> bool:
    return len(_CJK.findall(text)) >= 2 or len(_WORD.findall(text)) >= 2


def split_clauses(sentence: str, language: str) -> list[str]:
    """Split one sentence at the contrast words of ``language`` (both sides keep 2 words)."""
    pattern = _PATTERNS.get(language)
    if pattern is None:
        return [sentence]
    pieces: list[str] = []
    rest = sentence
    while True:
        cut = next(
            (
                m
                for m in pattern.finditer(rest)
                if _enough(rest[: m.start()]) and _enough(rest[m.end() :])
            ),
            None,
        )
        if cut is None:
            break
        pieces.append(rest[: cut.start()])
        rest = rest[cut.end() :]
    pieces.append(rest)
    return pieces


def split_mentions(redacted: str, language: str) -> list[str]:
    """Mentions of a redacted comment in ``language``: sentences, then contrast clauses.

    Returns
    -------
    list of str
        Tidied mentions in comment order; non-answers dropped.
    """
    mentions = []
    for sentence in _SENTENCE_END.split(redacted):
        for clause in split_clauses(sentence, language):
            text = tidy(clause)
            if text and not is_non_answer(text):
                mentions.append(text)
    return mentions


def with_language_segment(segments: Sequence[str]) -> list[str]:
    """The export's segment columns plus ``language`` (unless the export has its own)."""
    return [*segments, "language"] if "language" not in segments else list(segments)


__all__ = [
    "CONTRAST_WORDS",
    "ENGLISH",
    "MIN_CONFIDENCE",
    "SUPPORTED",
    "UNKNOWN",
    "detect",
    "detect_many",
    "detect_one",
    "has_rules",
    "load_model",
    "mention_languages",
    "split_clauses",
    "split_mentions",
    "with_language_segment",
]
