"""Labels are claims a reader can check (issue 28): every named theme's label is said by at
least half of its mentions and far more often than elsewhere; a one-domain export is split
along what differs, not held together by the domain word; a mention carries every theme it
names."""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.themes import ThemeModel
from analyzer.themes.claims import NAMED_COVERAGE, NAMED_LIFT, Sayings, claim_stems, claim_tags

# One domain: every mention says "flight"; what differs is what happened to it.
AIRLINE = {
    "delayed": ["my flight was delayed again", "flight delayed two hours",
                "delayed flight, no info"],
    "cancelled": ["they cancelled my flight", "flight cancelled last minute",
                  "cancelled flight no refund"],
    "bag": ["lost my bag on the flight", "my bag never arrived after the flight",
            "bag damaged on flight"],
    "crew": ["the flight crew was rude", "crew on my flight were lovely", "rude crew this flight"],
    "seat": ["my seat on the flight was broken", "flight seat would not recline",
             "no legroom seat, long flight"],
    "wifi": ["wifi on the flight never worked", "paid for flight wifi, useless",
             "flight wifi kept dropping"],
}  # fmt: skip


def _one_domain(n_per: int = 30, seed: int = 0) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Mentions whose embeddings are dominated by the shared domain direction (the way a
    domain word pulls real embeddings together), each topic a small offset from it."""
    rng = np.random.default_rng(seed)
    dim = 48
    basis, _ = np.linalg.qr(rng.standard_normal((dim, len(AIRLINE) + 1)))
    domain, topics = basis[:, 0], basis[:, 1:].T
    texts, vectors, truth = [], [], []
    for t, (_, phrasings) in enumerate(AIRLINE.items()):
        for i in range(n_per):
            texts.append(phrasings[i % len(phrasings)])
            v = domain + 0.35 * topics[t] + 0.08 * rng.standard_normal(dim)
            vectors.append(v / np.linalg.norm(v))
            truth.append(t)
    return texts, np.asarray(vectors, dtype=np.float32), np.asarray(truth)


@pytest.fixture(scope="module")
def airline() -> tuple[ThemeModel, list[str], np.ndarray]:
    texts, x, truth = _one_domain()
    model = ThemeModel(spacy_model=None, min_theme_size=6, seed=0).fit(texts, x)
    return model, texts, truth


def test_claim_stems_match_word_forms_and_skip_stop_words() -> None:
    assert claim_stems("Delayed flights!") == claim_stems("the flight was delayed")
    assert claim_stems("charged twice") == {"charge", "twice"}
    assert claim_stems("echos") == claim_stems("echo")  # dictionary forms, no part of speech
    assert claim_stems("it was the and") == frozenset()


def test_sayings_measure_coverage_and_lift() -> None:
    texts = ["late flight", "flight late again", "lost bag", "bag lost on flight", "late bag"]
    says = Sayings(texts)
    coverage, lift, who = says.claim(claim_stems("late flight", topic=False), np.array([0, 1]))
    assert coverage == pytest.approx(1.0) and who.tolist() == [True, True, False, False, False]
    assert lift == pytest.approx(1.0 / (1 / 3))  # said by none of the 3 others: floor of one


def test_a_one_domain_export_is_named_by_what_differs_not_the_domain_word(airline) -> None:
    model, texts, _ = airline
    themes = model.themes_[model.themes_["kind"] == "named"]
    assert len(themes) >= len(AIRLINE) - 1
    for label in themes["label"]:
        words = set(label.lower().split())
        specific = set(AIRLINE) | {"lost", "rude", "broken", "legroom", "useless", "dropping"}
        assert words != {"flight"} and words & specific, label
    # the domain word names no theme: it is said everywhere, its lift is about 1
    assert "flight" not in set(model.themes_["label"])
    largest = np.bincount(model.labels_[model.labels_ >= 0]).max() / len(texts)
    assert largest < 0.35


def test_no_named_theme_is_labelled_by_a_phrase_under_half_of_it_says(airline) -> None:
    model, texts, _ = airline
    says = Sayings(texts)
    for row in model.themes_.to_dict("records"):
        members = np.flatnonzero(model.labels_ == row["theme_id"])
        if row["kind"] == "residual":
            assert row["label"].endswith(": other") and np.isnan(row["coverage"])
            continue
        claim = frozenset(model.claims_[row["theme_id"]])
        coverage, lift, _ = says.claim(claim, members)
        assert coverage >= NAMED_COVERAGE and lift >= NAMED_LIFT, row["label"]
        assert row["coverage"] == pytest.approx(coverage, abs=1e-3)


def test_a_mention_naming_two_themes_carries_both() -> None:
    texts = ["the staff were friendly", "staff were rude", "slow staff"] * 4
    texts += ["the food was cold", "tasty food", "food was bland"] * 4
    texts += ["the staff and the food were great"]
    rng = np.random.default_rng(1)
    a, b = np.linalg.qr(rng.standard_normal((16, 2)))[0].T  # two unrelated topics
    x = np.vstack([a + 0.05 * rng.standard_normal(16) for _ in range(12)]
                  + [b + 0.05 * rng.standard_normal(16) for _ in range(12)] + [a + b])  # fmt: skip
    model = ThemeModel(spacy_model=None, min_theme_size=4, seed=0).fit(texts, x)
    label = dict(zip(model.themes_["theme_id"], model.themes_["label"], strict=True))
    own = int(model.labels_[-1])
    at, ids = model.extra_
    others = {int(t) for p, t in zip(at, ids, strict=True) if p == len(texts) - 1}
    carried = {label[t] for t in {own, *others}}
    assert {"staff", "food"} <= {w for lab in carried for w in lab.split()}
    assert own not in others
    # transform tags new mentions the same way
    ids2, _, (_, extra2) = model.transform_with_tags(["food and staff both lovely"], x[-1:])
    assert {int(ids2[0]), *extra2.tolist()} == {own, *others}


def test_a_narrower_theme_keeps_its_mentions_from_the_broader_one() -> None:
    says = Sayings(["top up failed", "top up failed again", "top up", "pending top up"])
    rows = np.array([0, 0, 1, 1])
    claims = [claim_stems("top up failed", topic=False), claim_stems("top up", topic=False)]
    at, tagged = claim_tags(says, rows, claims)
    # the "top up failed" mentions are not also counted under "top up"
    assert list(zip(at.tolist(), tagged.tolist(), strict=True)) == []


def test_claims_can_be_switched_off() -> None:
    texts, x, _ = _one_domain(20)
    model = ThemeModel(spacy_model=None, min_theme_size=6, seed=0, claims=False).fit(texts, x)
    assert len(model.extra_[0]) == 0 and model.claims_ == {}
    assert set(model.themes_["kind"]) == {"named"}


CHATTER = (
    "ouch; rude; xd; coincidence; oh man; yikes; whatever; no way; hmm sure; wow; omg stop; "
    "meh; nope; classic; bruh; ugh; touché; fair enough; yep; so true; haha; okay then; "
    "dang; big mood"
).split("; ")


def test_chatter_no_phrase_names_stays_unassigned_not_a_residual_theme() -> None:
    # the one-domain topics, plus mentions that say nothing in common and sit apart from
    # each other: no theme may hold them, not even an "other" theme, and they do not join
    # the nearest named theme (that would break its claim)
    texts, x, _ = _one_domain()
    rng = np.random.default_rng(5)
    noise = rng.standard_normal((len(CHATTER) * 2, x.shape[1]))
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    texts = texts + CHATTER * 2
    x = np.vstack([x, noise.astype(np.float32)])
    model = ThemeModel(spacy_model=None, min_theme_size=6, seed=0).fit(texts, x)
    chatter = model.labels_[-len(noise) :]
    # unassigned (-1) or no topic at all (-2, "ouch"); a few may sit inside a named theme
    # the clustering put them in, which stays named (checked by the claims test above)
    assert (chatter < 0).mean() >= 0.75, chatter
    assert "residual" not in set(model.themes_["kind"])
    # the topics themselves are still found and named
    assert (model.labels_[: -len(noise)] >= 0).mean() >= 0.9


def test_a_residual_is_labelled_by_its_parent_only_when_that_reads_as_a_label() -> None:
    from analyzer.themes.describe import _residual_labels

    labels = ["loan: other", "loan: other", "late fee", "right: other"]
    kinds = ["residual", "residual", "named", "residual"]
    parents = np.array([0, 0, 0, 1])
    got = _residual_labels(labels, kinds, parents, {0: "Loan", 1: "Right"})
    # two residuals never share a label; "Right: other" has no noun or verb in it
    assert got == ["Loan: other", "Loan: other 2", "late fee", "Other mentions"]
