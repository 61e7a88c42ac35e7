"""Clean comment text, redact personal data and split comments into mentions.

:func:`clean` normalises text, :func:`redact_patterns` redacts what regular
expressions can find (e-mails, URLs, IBANs, cards, phones), and
:class:`TextProcessor` (spaCy, loaded lazily) redacts ``PERSON`` names and splits
each comment into sentences, then into clauses at contrast words ("but",
"although", "however", ...).  Mentions are always redacted.  No comment text is
ever logged.

Modules: ``clean`` (normalisation), ``redact`` (patterns and person names),
``split`` (sentences, contrast clauses, non-answers) and ``processor``
(:class:`TextProcessor`, model loading and the blank fallback).
"""

from analyzer.text.clean import clean
from analyzer.text.processor import MAX_COMMENT_CHARS, ProcessedText, TextProcessor
from analyzer.text.redact import PLACEHOLDERS, redact_patterns
from analyzer.text.split import MAX_MENTION_CHARS

__all__ = [
    "MAX_COMMENT_CHARS",
    "MAX_MENTION_CHARS",
    "PLACEHOLDERS",
    "ProcessedText",
    "TextProcessor",
    "clean",
    "redact_patterns",
]
