"""Text that embeds and labels well (analyzer.text.normalise)."""

import pytest

from analyzer.text.normalise import content_words, has_topic, split_hashtag, topic_text


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("@united my bag never arrived", "my bag never arrived"),
        ("RT @Delta: flight delayed again http://t.co/abc", "flight delayed again"),
        ("Seats &amp; legroom were tight", "Seats & legroom were tight"),
        ("Won the match\\u002c tomorrow is busy", "Won the match, tomorrow is busy"),
        ("[PERSON] at the desk was rude [URL]", "at the desk was rude"),
        ("still waiting #lostLuggage", "still waiting lost luggage"),
        ("love the new app 😍👍🏽", "love the new app"),
        ("see www.example.com/help for details", "see for details"),
    ],
)
def test_topic_text_removes_what_pulls_mentions_together(raw: str, expected: str) -> None:
    assert topic_text(raw) == expected


def test_lower_case_hashtag_is_split_into_words() -> None:
    assert split_hashtag("lostluggage") == "lost luggage"
    assert topic_text("#customerservicefail") == "customer service fail"


def test_email_like_handles_are_not_mistaken_for_mentions() -> None:
    # a redacted email is a placeholder; an "@" inside a word is not a handle
    assert topic_text("write to [EMAIL] or ops@home") == "write to or ops@home"


@pytest.mark.parametrize(
    "text",
    [
        "thanks",
        "Thank you!!",
        "p",
        "I didn't today",
        "@united",
        "😡",
        "[PERSON]",
        "lol ok",
        "Really enjoying it",  # praise of nothing in particular (a review export)
        "love it alot",
        "C'mon",  # tweet chatter formed a theme of its own ("Wtf", "you bro", "yea")
        "Wtf",
        "you bro",
        "I don't know what you mean",
        "going to come",
        "see you Friday",
    ],
)
def test_mentions_without_content_have_no_topic(text: str) -> None:
    assert not has_topic(text)


@pytest.mark.parametrize(
    "text",
    [
        "the app keeps crashing",
        "delivery was late",
        "expensive",
        "#lostluggage",
        "rude staff",
        "love the feel",  # the feel of a fabric; "feel" is not an empty verb
        "told me to wait",
        "wanted a refund",
        "no delivery on Saturday",
        "how can i top up?",  # generic stop lists hold "top", "bill", "interest"
        "my bill",
        "interest",
    ],
)
def test_mentions_that_name_something_have_a_topic(text: str) -> None:
    assert has_topic(text)


def test_content_words_never_hold_placeholders_or_handles() -> None:
    words = content_words("[PERSON] from @AmericanAir lost my luggage http://t.co/x #fail")
    assert words == ["lost", "luggage", "fail"]
