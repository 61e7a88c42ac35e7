"""Tests for analyzer.text: cleaning, PII redaction and mention splitting."""

from __future__ import annotations

import dataclasses
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from analyzer.errors import ConfigError, InputError
from analyzer.text import (
    MAX_MENTION_CHARS,
    PLACEHOLDERS,
    ProcessedText,
    TextProcessor,
    clean,
    redact_patterns,
)

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ["spacy_tp", "blank_tp"]


@pytest.fixture(scope="module")
def spacy_tp() -> TextProcessor:
    """The real spaCy model, loaded once for the module."""
    tp = TextProcessor()
    assert tp.backend == "spacy:en_core_web_sm"
    return tp


@pytest.fixture(scope="module")
def blank_tp() -> TextProcessor:
    tp = TextProcessor(model="blank")
    assert tp.backend == "blank"
    return tp


@pytest.fixture(params=BACKENDS)
def tp(request: pytest.FixtureRequest) -> TextProcessor:
    return request.getfixturevalue(request.param)


def one(tp: TextProcessor, text: str) -> ProcessedText:
    [result] = tp.process([text])
    return result


# ---------------------------------------------------------------------------- clean


def test_clean_normalises_and_collapses() -> None:
    raw = "  Cafe\u0301\u200b is\x00 great\t\t\r\n\r\nreally\u00a0so  "
    assert clean(raw) == "Café is great really so"


def test_clean_keeps_emoji_sequences() -> None:
    family = "👨\u200d👩\u200d👧"
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert clean(f"{family} and {scotland} 👍🏽") == f"{family} and {scotland} 👍🏽"


def test_clean_keep_newlines() -> None:
    assert clean("a \n\n b   c\r\nd", keep_newlines=True) == "a\nb c\nd"
    assert clean("a \n\n b") == "a b"


# ----------------------------------------------------------------- pattern redaction


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Email me at maria.g+cx@example.co.uk!", "Email me at [EMAIL]!"),
        ("See https://example.com/reset?id=42.", "See [URL]."),
        ("go to www.shop.example.org/account now", "go to [URL] now"),
        ("wiki http://x.io/a_(b) ok", "wiki [URL] ok"),
        ("Call +1 415-555-0133 today", "Call [PHONE] today"),
        ("Call (415) 555-0133 today", "Call [PHONE] today"),
        ("Call 020 7946 0958 today", "Call [PHONE] today"),
        ("Call +44 20 7946 0958 today", "Call [PHONE] today"),
        ("Call +44 (0)20 7946 0958 or 415.555.0133", "Call [PHONE] or [PHONE]"),
        ("whatsapp +14155550133", "whatsapp [PHONE]"),
        ("card 4111 1111 1111 1111 charged", "card [CARD] charged"),
        ("card 5500-0000-0000-0004.", "card [CARD]."),
        ("card 4111111111111111", "card [CARD]"),
        ("IBAN GB82 WEST 1234 5698 7654 32 please", "IBAN [IBAN] please"),
        ("iban DE89370400440532013000", "iban [IBAN]"),
    ],
)
def test_redact_patterns_redacts(text: str, expected: str) -> None:
    assert redact_patterns(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Paid $19.99 for order 12345",
        "order 123-456-7890 never arrived",
        "Order no. 112-1234567-1234567 was late",
        "ticket #4111 1111 1111 1111 is still open",
        "4111 1111 1111 1112 fails the Luhn check",
        "Delivered on 2024-03-05 at 10:30, cost €1,299.00",
        "rated it 9 10 10 8 over the years 2021 2022 2023",
        "I shop at amazon.com and example.org",
        "version 1.2.3 of the app",
    ],
)
def test_redact_patterns_keeps_non_pii(text: str) -> None:
    assert redact_patterns(text) == text


def test_card_window_inside_longer_number_run() -> None:
    assert redact_patterns("4111 1111 1111 1111 2 items") == "[CARD] 2 items"


# ------------------------------------------------------------------ processor: PII

PHONE_TEXTS = [
    "Call me on +1 415-555-0133 please",
    "Call me on (415) 555-0133 please",
    "Call me on 020 7946 0958 please",
    "Call me on +44 20 7946 0958 please",
]


@pytest.mark.parametrize("text", PHONE_TEXTS)
def test_process_redacts_phones(tp: TextProcessor, text: str) -> None:
    result = one(tp, text)
    assert result.redacted == "Call me on [PHONE] please"
    assert result.mentions == ["Call me on [PHONE] please"]


def test_process_redacts_emails_urls_cards(tp: TextProcessor) -> None:
    text = (
        "Write to maria@example.com or see https://help.example.com/ticket/99. "
        "They charged 4111 1111 1111 1111 twice."
    )
    result = one(tp, text)
    assert "maria@example.com" not in result.redacted
    assert "[EMAIL]" in result.redacted and "[URL]" in result.redacted
    assert "[CARD]" in result.redacted and "4111" not in result.redacted
    for mention in result.mentions:
        assert "@" not in mention and "4111" not in mention and "http" not in mention


def test_process_keeps_order_numbers_and_prices(tp: TextProcessor) -> None:
    result = one(tp, "Paid $19.99 for order 12345 and it never came")
    assert result.redacted == "Paid $19.99 for order 12345 and it never came"


def test_person_names_redacted_with_spacy(spacy_tp: TextProcessor) -> None:
    result = one(spacy_tp, "Maria Gonzalez was very helpful")
    assert result.redacted == "[PERSON] was very helpful"
    assert result.mentions == ["[PERSON] was very helpful"]


def test_person_name_every_occurrence(spacy_tp: TextProcessor) -> None:
    result = one(spacy_tp, "Maria Gonzalez was great. Maria rocks, said Maria's colleague.")
    assert "Maria" not in result.redacted
    assert all("Maria" not in m for m in result.mentions)


def test_ner_leaves_placeholders_alone(spacy_tp: TextProcessor) -> None:
    result = one(spacy_tp, "Contact me at maria@example.com or +44 20 7946 0958.")
    assert result.redacted == "Contact me at [EMAIL] or [PHONE]."
    result = one(spacy_tp, "I spoke to [PERSON] at [URL] and she said no")
    assert result.redacted == "I spoke to [PERSON] at [URL] and she said no"


@pytest.mark.parametrize(
    "text",
    [
        "Great app, Apple Pay works fine",
        "Ordered on Mon. arrived Fri. Box was damaged!",
        "Hi team, the checkout is broken",
        "The UI and NPS survey are confusing",
    ],
)
def test_common_words_and_brands_not_redacted(spacy_tp: TextProcessor, text: str) -> None:
    assert one(spacy_tp, text).redacted == text


def test_keep_terms_protect_brand_names() -> None:
    tp = TextProcessor(keep_terms=["Klarna", "Siri"])
    text = "Klarna option please, and the Siri shortcut works"
    assert one(tp, text).redacted == text


# ------------------------------------------------------------- processor: mentions

# (comment, expected mentions joined by " | ")
SPLITS = [
    (
        "Delivery was quick but the app keeps crashing",
        "Delivery was quick | the app keeps crashing",
    ),
    (
        "The food was great, however the service was slow.",
        "The food was great | the service was slow",
    ),
    ("I like it even though it is pricey", "I like it | it is pricey"),
    ("Great staff, while the waiting room was dirty", "Great staff | the waiting room was dirty"),
    (
        "The screen is sharp, yet the battery dies fast",
        "The screen is sharp | the battery dies fast",
    ),
    ("fast delivery; terrible packaging", "fast delivery | terrible packaging"),
    ("Although it's cheap, the quality is poor", "it's cheap | the quality is poor"),
    ("Prices went up whereas quality went down", "Prices went up | quality went down"),
    ("The app is fine, though the login is slow", "The app is fine | the login is slow"),
]

NO_SPLITS = [
    "Good but pricey",  # one side under two words: kept whole
    "Nothing but praise for the team",  # "but" = except
    "The service, however, was slow",  # parenthetical "however"
    "The app looks nice but is slow",  # right side would lose its subject
    "Still waiting while the tracking says delivered",  # no comma: "while" not a contrast
    "The parcel has not arrived yet, sadly",  # adverb "yet"
]

# Clause cuts that come from spaCy's dependency parse (the blank fallback keeps these whole).
PARSED_SPLITS = [
    ("The food was good and the service was slow", ["The food was good", "the service was slow"]),
    (
        "Great food, friendly staff, reasonable prices",
        ["Great food", "friendly staff", "reasonable prices"],
    ),
    ("I liked the food, the staff were friendly", ["I liked the food", "the staff were friendly"]),
    ("We chose it because the price was right", ["We chose it", "because the price was right"]),
    (
        "The parcel has not arrived yet and nobody answers",
        ["The parcel has not arrived yet", "nobody answers"],
    ),
]
PARSED_WHOLE = [
    "I love the food and the staff",  # one judgement of two things: the verb would be lost
    "I called and waited for an hour",  # "I called" alone says too little
    "I think the price is too high",  # a complement, not a second clause
    "I had to wait 20 minutes when I called support",  # a time clause stays with its event
    "The food was good and cheap",  # a second adjective is no second clause
]


@pytest.mark.parametrize(("text", "expected"), PARSED_SPLITS)
def test_parse_splits_independent_clauses_and_listed_items(
    spacy_tp: TextProcessor, text: str, expected: list[str]
) -> None:
    assert one(spacy_tp, text).mentions == expected


@pytest.mark.parametrize("text", PARSED_WHOLE)
def test_parse_keeps_one_thought_whole(spacy_tp: TextProcessor, text: str) -> None:
    assert one(spacy_tp, text).mentions == [text]


def test_a_piece_that_names_nothing_is_not_cut_off(spacy_tp: TextProcessor) -> None:
    # "it was great" names no topic: it stays with the clause it comments on
    assert one(spacy_tp, "The checkout failed twice and it was bad").mentions == [
        "The checkout failed twice and it was bad"
    ]


@pytest.mark.parametrize(("text", "expected"), SPLITS)
def test_contrastive_split(tp: TextProcessor, text: str, expected: str) -> None:
    assert one(tp, text).mentions == expected.split(" | ")


@pytest.mark.parametrize("text", NO_SPLITS)
def test_no_split(tp: TextProcessor, text: str) -> None:
    assert one(tp, text).mentions == [text]


def test_sentences_and_lines_split(tp: TextProcessor) -> None:
    text = "The staff were lovely. But the room was dirty! Would come back?\nparking is a pain"
    assert one(tp, text).mentions == [
        "The staff were lovely",
        "the room was dirty",
        "Would come back",
        "parking is a pain",
    ]


@pytest.mark.parametrize(
    "text", ["", "   ", "n/a", "N/A.", "NA", "none", "Nothing", "No comment", "no", "-", ".", "nil"]
)
def test_non_answers_give_no_mentions(tp: TextProcessor, text: str) -> None:
    assert one(tp, text).mentions == []


@pytest.mark.parametrize("text", ["Nothing to add!", "???", "...", "[EMAIL]"])
def test_junk_gives_no_mentions(tp: TextProcessor, text: str) -> None:
    assert one(tp, text).mentions == []


def test_all_good_is_content(tp: TextProcessor) -> None:
    assert one(tp, "all good").mentions == ["all good"]


def test_emoji_kept(tp: TextProcessor) -> None:
    result = one(tp, "Love it 😍 but the delivery was slow 🐢")
    assert result.mentions == ["Love it 😍", "the delivery was slow 🐢"]
    assert one(tp, "👍").mentions == ["👍"]


def test_very_long_comment(tp: TextProcessor) -> None:
    run_on = " ".join(["the checkout page keeps freezing on my phone"] * 400)
    text = ("Great value. " * 300 + run_on)[:50_000]
    result = one(tp, text)
    assert result.mentions
    assert all(0 < len(m) <= MAX_MENTION_CHARS for m in result.mentions)
    assert result.mentions[0] == "Great value"


def test_processed_text_is_frozen(blank_tp: TextProcessor) -> None:
    result = one(blank_tp, "hello there")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.redacted = "x"  # type: ignore[misc]


def test_process_keeps_order_and_empty_input(blank_tp: TextProcessor) -> None:
    texts = ["first comment here", "", "third one"]
    assert [r.mentions for r in blank_tp.process(texts)] == [
        ["first comment here"],
        [],
        ["third one"],
    ]
    assert blank_tp.process([]) == []


# ------------------------------------------------------------- loading and errors


def test_fallback_when_model_missing(caplog: pytest.LogCaptureFixture) -> None:
    tp = TextProcessor(model="no_such_spacy_model_xyz")
    secret = "Maria Gonzalez, call +44 20 7946 0958 about maria@example.com"
    with caplog.at_level(logging.WARNING, logger="analyzer.text"):
        [result] = tp.process([secret])
        tp.process([secret])
        TextProcessor(model="no_such_spacy_model_xyz").process(["again"])
    assert tp.backend == "blank"
    assert result.redacted == "Maria Gonzalez, call [PHONE] about [EMAIL]"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "Maria" not in caplog.text and "7946" not in caplog.text


def test_fallback_when_package_lookup_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    import analyzer.text.processor as processor_module

    monkeypatch.setattr(processor_module, "_find_model", lambda model: None)
    tp = TextProcessor()
    assert tp.backend == "blank"
    assert one(tp, "card 4111 1111 1111 1111").redacted == "card [CARD]"


def test_import_and_init_do_not_load_spacy() -> None:
    code = (
        "import sys; from analyzer.text import TextProcessor; "
        "TextProcessor(); assert 'spacy' not in sys.modules, 'spacy imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


@pytest.mark.parametrize("kwargs", [{"batch_size": 0}, {"n_process": 0}, {"n_process": -2}])
def test_invalid_settings(kwargs: dict[str, int]) -> None:
    with pytest.raises(ConfigError):
        TextProcessor(**kwargs)  # type: ignore[arg-type]


def test_invalid_inputs(blank_tp: TextProcessor) -> None:
    with pytest.raises(InputError, match="single string"):
        blank_tp.process("just one comment")
    with pytest.raises(InputError, match=r"texts\[1\]"):
        blank_tp.process(["ok", 3.5])  # type: ignore[list-item]


def test_placeholders_listed() -> None:
    for placeholder in ("[EMAIL]", "[PHONE]", "[CARD]", "[URL]", "[PERSON]", "[IBAN]"):
        assert placeholder in PLACEHOLDERS


# ------------------------------------------------------------- worker processes


def _pids(texts: list[str]) -> list[int]:
    import os

    return [os.getpid()] * len(texts)


def test_chunks_run_in_forked_workers_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    from analyzer.text import workers

    monkeypatch.setattr(workers, "MIN_PER_WORKER", 4)
    monkeypatch.setattr(workers, "can_fork", lambda: True)  # whatever threads other tests left
    texts = [str(i) for i in range(40)]
    parts = list(workers.map_chunks(_pids, texts, workers=2, chunk=5))
    assert [size for size, _ in parts] == [5] * 8
    pids = {pid for _, out in parts for pid in out}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2  # which worker takes what varies
    monkeypatch.setattr(workers, "can_fork", lambda: False)
    here = {p for _, out in workers.map_chunks(_pids, texts, workers=2, chunk=5) for p in out}
    assert here == {os.getpid()}


def test_workers_are_forked_only_beside_daemon_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from analyzer.text import workers

    class _Thread:
        def __init__(self, daemon: bool) -> None:
            self.daemon = daemon

    main = threading.main_thread()
    monkeypatch.setattr(threading, "current_thread", lambda: main)
    monkeypatch.setattr(threading, "enumerate", lambda: [main, _Thread(daemon=True)])
    assert workers.can_fork()  # a progress bar's redraw thread
    monkeypatch.setattr(threading, "enumerate", lambda: [main, _Thread(daemon=False)])
    assert not workers.can_fork()
    monkeypatch.setattr(threading, "enumerate", lambda: [main])
    monkeypatch.setattr(threading, "current_thread", lambda: _Thread(daemon=False))
    assert not workers.can_fork()  # a worker thread of the service


def test_workers_and_repeats_do_not_change_what_a_comment_gives(
    spacy_tp: TextProcessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every comment is processed on its own: in a worker or here, once for all its repeats."""
    from analyzer import demo
    from analyzer.text import workers

    comments = demo.generate(150, seed=3)[0]["comment"].fillna("").tolist()
    comments += comments[:40]  # repeats
    monkeypatch.setattr(workers, "MIN_PER_WORKER", 16)
    monkeypatch.setattr(workers, "CHUNK", 16)
    monkeypatch.setattr(workers, "can_fork", lambda: True)
    here = [spacy_tp._process_prepared([t])[0] for t in spacy_tp._prepare(comments)]
    seen: list[int] = []
    forked = spacy_tp.process(comments, n_process=2, progress=seen.append)
    assert forked == here
    assert sum(seen) == len(comments)
    assert spacy_tp.process(comments[:60], n_process=1) == here[:60]
