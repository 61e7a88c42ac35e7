"""What a person types as a name or a note must be plain text: one rule for every such field.

Theme labels, owners and parent names, action titles and teams, key names, suggestion labels,
parents and phrases are names: one line, without control or text-direction characters. Notes,
comments and reasons may span lines, and are otherwise held to the same rule. These are shown
in tables, reports, the CLI's output and logs: a NUL or a newline would break a line ("\\nINFO
fake line" in a key name printed as a forged line of the CLI), and a right-to-left override
(U+202E, which shows "evil" for "live") would disguise what is shown.
"""

from __future__ import annotations

import unicodedata

from analyzer.errors import ConfigError

_DIRECTION_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""Embeddings, overrides, isolates and the invisible direction marks (ALM, LRM, RLM): they
reorder or disguise the text shown after them."""
_NOTE_BREAKS = frozenset("\n\t")
"""Control characters a note may hold (a line break, a tab); a name holds none."""


def check_plain(text: str, what: str, *, multiline: bool = False) -> str:
    """``text`` if it has no control, line-break or text-direction characters.

    Parameters
    ----------
    text : str
        What a person typed.
    what : str
        What it is ("label", "key name", "note"...), for the message.
    multiline : bool
        A note or a comment: line breaks and tabs are allowed, nothing else is.

    Returns
    -------
    str
        ``text`` itself.

    Raises
    ------
    ConfigError
        Naming the first such character, its position and what to do.
    """
    for position, char in enumerate(text, start=1):
        if multiline and char in _NOTE_BREAKS:
            continue
        if unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in _DIRECTION_CONTROLS:
            name = unicodedata.name(char, "a control character")
            shape = "plain text" if multiline else "plain text on one line"
            raise ConfigError(
                f"The {what} has the character U+{ord(char):04X} ({name}) at position "
                f"{position}; a {what} must be {shape}, without control or text-direction "
                "characters. Remove it and try again."
            )
    return text


__all__ = ["check_plain"]
