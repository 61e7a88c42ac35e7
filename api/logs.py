"""Log lines that a client cannot forge: untrusted text is escaped and shortened.

A request path, a header or a file name may hold a newline, a carriage return, NUL or a
right-to-left override; written raw, ``GET /v1/runs/x%0A2026-11-30 ... DELETE /v1/runs/ALL``
would print a second, forged log line. :func:`printable` escapes such characters as
``\\n``, ``\\x00`` or ``\\u202e``; :class:`SafeFormatter` applies it to every record of the
service's log (``api.main.LOG_CONFIG``), so lines from uvicorn or a library are safe too.
:func:`loggable_path` also leaves out a respondent's id, which a path may carry.
"""

from __future__ import annotations

import logging
import re

MAX_LOGGED_CHARS = 300
"""Longest untrusted value written to a log line (a 100,000-character path is cut)."""

_UNSAFE = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def printable(text: object, limit: int | None = MAX_LOGGED_CHARS) -> str:
    """``text`` on one line: control, line-separator and bidi characters escaped.

    Parameters
    ----------
    text : object
        An untrusted value (converted with ``str``).
    limit : int or None
        Keep at most this many characters of ``text`` (before escaping) and say how many
        there were; ``None`` keeps all.
    """
    value = str(text)
    cut = ""
    if limit is not None and len(value) > limit:
        value, cut = value[:limit], f"...({len(value):,} characters)"
    return _UNSAFE.sub(_escape, value) + cut


_RESPONDENT_PATH = re.compile(r"(?is)(/responses/+).+")
RESPONDENT = "{response_id}"
"""What a respondent's id in a logged path becomes."""


def loggable_path(path: str) -> str:
    """``path`` as a log line may show it: escaped and shortened (:func:`printable`), with
    the respondent's id of ``/v1/responses/{id}`` replaced by ``{response_id}``.

    Forgetting a respondent (``DELETE /v1/responses/ann.smith@example.com``) must not
    write the id it forgets to the service's log; the audit keeps a keyed hash instead.
    Any path with a ``/responses/`` segment is treated so, matched or not by a route.
    """
    return printable(_RESPONDENT_PATH.sub(lambda m: m.group(1) + RESPONDENT, path))


class SafeFormatter(logging.Formatter):
    """A formatter whose message part never spans lines or hides characters.

    The message (with its arguments) is escaped by :func:`printable`, without a length
    limit; a traceback, if any, is added as usual on the lines below.
    """

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message, limit=None)
        return super().formatMessage(record)


__all__ = ["MAX_LOGGED_CHARS", "RESPONDENT", "SafeFormatter", "loggable_path", "printable"]
