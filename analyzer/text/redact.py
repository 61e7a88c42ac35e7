"""Redact personal data: regular-expression patterns, and person names found by NER.

:func:`redact_patterns` replaces e-mails, URLs, IBANs, cards and phones with
:data:`PLACEHOLDERS`; :func:`person_tokens` and :func:`person_pieces` turn the ``PERSON``
entities of a spaCy ``Doc`` into ``[PERSON]``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

PLACEHOLDERS: tuple[str, ...] = ("[EMAIL]", "[PHONE]", "[CARD]", "[URL]", "[PERSON]", "[IBAN]")
"""Every placeholder that redaction can put into a text."""

# ------------------------------------------------------------------ pattern redaction

# A bare domain with a path starts where its run of name characters starts (the look-behind):
# with only ``\b`` every dot and dash of a long "a.a.a..." run was a new start, each scanning
# the rest of the run, which took quadratic time (3.5 s on 20,000 characters).
_URL = re.compile(
    r"(?i)\b(?:(?:https?|ftp)://|www\.)[^\s<>\"']+"
    r"|(?<![a-z0-9.-])(?:[a-z0-9-]++\.)+[a-z]{2,}/[^\s<>\"']+"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[ -]?[A-Za-z0-9]{4}){2,7}(?:[ -]?[A-Za-z0-9]{1,4})?"
    r"(?![A-Za-z0-9])"
)
_DIGIT_RUN = re.compile(r"(?<!\w)[0-9]+(?:[ -][0-9]+)*(?!\w)")
_PHONE = re.compile(
    r"(?<![\w+])(?<![0-9][.-])"
    r"(?:\+[0-9]{8,15}|(?:\+[0-9]{1,3}[ .-]?)?(?:\([0-9]{1,5}\)[ .-]?)?"
    r"[0-9]{1,6}(?:[ .-][0-9]{1,6}){0,5})(?!\w)"
)
_REFERENCE_CONTEXT = re.compile(
    r"(?i)\b(?:order|ticket|ref|reference|invoice|case|tracking|booking|confirmation"
    r"|reservation|parcel|shipment|item|sku|model|serial|receipt|transaction)"
    r"(?:\s*(?:no\.?|nr\.?|number|num|id|#|:))*\s*#?\s*$"
)
_YEAR = re.compile(r"(?:19|20)[0-9]{2}")
_IPV4 = re.compile(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}")
_URL_TRAILING = ".,;:!?)]}'\""


def _after_reference_word(text: str, start: int) -> bool:
    """Tell whether a number at ``start`` follows "order", "ticket #", "ref no." etc."""
    return bool(_REFERENCE_CONTEXT.search(text[max(0, start - 40) : start]))


def _luhn_ok(digits: str) -> bool:
    """Check the Luhn checksum of a string of ASCII digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _replace_url(m: re.Match[str]) -> str:
    url = m.group()
    end = len(url)
    while end and url[end - 1] in _URL_TRAILING:
        if url[end - 1] == ")" and url.count("(", 0, end) >= url.count(")", 0, end):
            break  # balanced, as in https://en.wikipedia.org/wiki/Foo_(bar)
        end -= 1
    return "[URL]" + url[end:]


def _replace_iban(m: re.Match[str]) -> str:
    compact = re.sub(r"[ -]", "", m.group())
    digits = sum(ch.isdigit() for ch in compact)
    return "[IBAN]" if 15 <= len(compact) <= 34 and digits >= 10 else m.group()


def _card_window(groups: list[re.Match[str]]) -> tuple[int, int] | None:
    """The longest (then leftmost) window of consecutive digit groups that reads as a card.

    A card has 13-19 digits, so a window holds at most 19 groups: each start is extended
    only while its digits stay within 19, which keeps the search linear in the number of
    groups (trying every window was cubic: 800 groups of "1 " took 54 s).
    """
    best: tuple[int, int] | None = None
    for first in range(len(groups)):
        digits = 0
        for last in range(first, len(groups)):
            digits += groups[last].end() - groups[last].start()
            if digits > 19:
                break
            if digits < 13:
                continue
            size = last - first + 1
            if (best is None or size > best[1] - best[0] + 1) and _luhn_ok(
                "".join(g.group() for g in groups[first : last + 1])
            ):
                best = (first, last)
    return best


def _replace_cards(m: re.Match[str]) -> str:
    """Redact the longest run of digit groups that looks like a payment card."""
    run = m.group()
    if _after_reference_word(m.string, m.start()):
        return run
    groups = list(re.finditer(r"[0-9]+", run))
    window = _card_window(groups)
    if window is None:
        return run
    start, end = groups[window[0]].start(), groups[window[1]].end()
    return run[:start] + "[CARD]" + run[end:]


def _replace_phone(m: re.Match[str]) -> str:
    candidate = m.group()
    digits = sum(ch.isdigit() for ch in candidate)
    if candidate.startswith("+"):
        is_phone = 8 <= digits <= 15
    else:
        groups = re.findall(r"[0-9]+", candidate)
        is_phone = (
            9 <= digits <= 12
            and ("(" in candidate or len(groups) > 1)
            and min(len(g) for g in groups) >= 2
            and not all(_YEAR.fullmatch(g) for g in groups)
            and not _IPV4.fullmatch(candidate)
        )
    if is_phone and not _after_reference_word(m.string, m.start()):
        return "[PHONE]"
    return candidate


def redact_patterns(text: str) -> str:
    """Redact personal data that regular expressions can find.

    Replaced, in this order: URLs (with a scheme, ``www.`` or a path; a bare
    domain such as ``example.com`` is kept because it is usually a brand),
    e-mail addresses, IBAN-like account numbers, card-like numbers (13-19
    digits, spaces or dashes allowed, Luhn-valid) and phone numbers
    (international ``+44 20 7946 0958``; local with separators or an area
    code in parentheses, 9-12 digits).

    Kept on purpose: numbers right after a reference word ("order 12345",
    "ticket #415-555-0133"), prices, dates, and separator-less digit strings
    without ``+`` (indistinguishable from order numbers).

    Parameters
    ----------
    text : str
        Text to redact (normally already passed through :func:`clean`).

    Returns
    -------
    str
        The text with :data:`PLACEHOLDERS` in place of personal data.
    """
    text = _URL.sub(_replace_url, text)
    text = _EMAIL.sub("[EMAIL]", text)
    text = _IBAN.sub(_replace_iban, text)
    text = _DIGIT_RUN.sub(_replace_cards, text)
    return _PHONE.sub(_replace_phone, text)


def redact_id(value: str) -> str:
    """Redact the personal data an identifier can hold: e-mail addresses, URLs, and a phone
    number written as one.

    An id column is not free text: a bare or dashed digit string there is an order, ticket,
    account or tweet number, so it is kept (as free text, 1,451 of 14,485 tweet ids passed
    the card check and were lost). A phone number counts only when the whole id is one and
    is written as a phone: with a leading ``+``, an area code in parentheses, or spaces
    between its groups ("+1 415 555 0100", "(415) 555-0100", "415 555 0100").

    Parameters
    ----------
    value : str
        One id, as given.

    Returns
    -------
    str
        ``value`` with :data:`PLACEHOLDERS` in place of personal data (the same object when
        there is none).
    """
    text = _EMAIL.sub("[EMAIL]", _URL.sub(_replace_url, value))
    whole = text.strip()
    phone = _PHONE.fullmatch(whole)
    written_as_phone = whole.startswith("+") or "(" in whole or " " in whole
    if phone and written_as_phone and _replace_phone(phone) == "[PHONE]":
        return "[PHONE]"
    return text if text != value else value


def redact_file_name(path: str) -> str:
    """The base name of ``path`` with personal data redacted by patterns, its suffix kept:
    ``Jane Doe +1 415 555 0100.csv`` -> ``Jane Doe [PHONE].csv``. An export's file name is
    shown to everyone who can read its run."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        return redact_patterns(name)
    return f"{redact_patterns(stem)}.{suffix}"


# --------------------------------------------------------------- person redaction

_NOT_NAMES = frozenset(
    (
        "mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday "
        "saturday sunday jan feb mar apr jun jul aug sep sept oct nov dec january february march "
        "april june july august september october november december mr mrs ms miss dr sir madam "
        "hi hello hey dear thanks thank love loved great good nice awesome box app service support "
        "team staff agent manager driver customer delivery order price prices product store shop "
        "website site checkout login account ok okay please the"
    ).split()
)


def _name_like(tok: Token, keep: frozenset[str]) -> bool:
    """Tell whether a token inside a PERSON entity looks like part of a name."""
    text = tok.text
    if not text[:1].isupper() or text in PLACEHOLDERS:
        return False
    if not all(ch.isalpha() or ch in "'-." for ch in text):
        return False
    if text.isupper() and len(text) <= 3 and not text.endswith("."):
        return False  # acronyms such as UI, NPS
    low = text.casefold().rstrip(".")
    return low not in _NOT_NAMES and low not in keep


def may_hold_names(doc: Doc, keep: frozenset[str]) -> bool:
    """Whether :func:`person_tokens` could mark anything in ``doc``: a token looks like part
    of a name. When none does, the entities do not matter and NER need not run."""
    return any(_name_like(tok, keep) for tok in doc)


def person_tokens(doc: Doc, keep: frozenset[str]) -> set[int]:
    """Indices of the tokens to replace by ``[PERSON]``.

    Each PERSON entity is trimmed to its name-like tokens (title-case words
    that are not common words, weekdays, titles, placeholders or ``keep``
    terms); other occurrences of the same name in the comment are added.
    """
    marked: set[int] = set()
    for ent in doc.ents:
        if ent.label_ != "PERSON":
            continue
        inside = [t.i for t in ent if _name_like(t, keep)]
        if inside:
            marked.update(range(inside[0], inside[-1] + 1))
    names = {doc[i].text for i in marked if doc[i].is_alpha}
    for tok in doc:
        if tok.text in names and _name_like(tok, keep):
            marked.add(tok.i)
    return marked


def person_pieces(doc: Doc, marked: set[int]) -> list[str]:
    """Per-token output text: a run of marked tokens becomes one ``[PERSON]``."""
    pieces = [tok.text_with_ws for tok in doc]
    for i in marked:
        pieces[i] = "" if i - 1 in marked else "[PERSON]"
        pieces[i] += "" if i + 1 in marked else doc[i].whitespace_
    return pieces
