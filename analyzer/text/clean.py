"""Normalise comment text: NFC, no invisible characters, collapsed whitespace."""

from __future__ import annotations

import re
import unicodedata

# Control (Cc) characters that are not whitespace, and invisible format (Cf)
# characters, except ZWNJ/ZWJ (U+200C/D) and the tag characters (U+E0020-E007F)
# that emoji sequences need.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f"
    "\u0890\u0891\u08e2\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f"
    "\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001]"
)
_WHITESPACE = re.compile(r"\s+")
_LINE_BREAK = re.compile("[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def clean(text: str, *, keep_newlines: bool = False) -> str:
    """Normalise a comment: NFC, no control characters, collapsed whitespace.

    Parameters
    ----------
    text : str
        Raw comment text.
    keep_newlines : bool, default False
        Collapse a whitespace run holding a line break to ``"\\n"`` instead of
        a space (the processor uses line breaks as mention boundaries).

    Returns
    -------
    str
        The cleaned text, stripped at both ends.
    """

    def space(m: re.Match[str]) -> str:
        return "\n" if keep_newlines and _LINE_BREAK.search(m.group()) else " "

    return unicodedata.normalize("NFC", _WHITESPACE.sub(space, _INVISIBLE.sub("", text))).strip()
