"""Cluster cut and merge helpers, and label choice on hand-made cases."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage

from analyzer.errors import ConfigError
from analyzer.themes.arrays import merge_close
from analyzer.themes.cluster import default_max_groups, mean_cohesion_cut, normalise
from analyzer.themes.labels import labels_for


def test_cohesion_cut_stops_at_max_groups():
    rng = np.random.default_rng(0)
    x = normalise(rng.standard_normal((60, 8)))
    z = linkage(x.astype(np.float64), method="ward")
    free = mean_cohesion_cut(z, x, cohesion=0.99, min_size=2)
    capped = mean_cohesion_cut(z, x, cohesion=0.99, min_size=2, max_groups=5)
    assert len(set(free.tolist())) > 5
    assert len(set(capped.tolist())) == 5
    assert default_max_groups(3000) == 67  # round(sqrt(1.5 * 3000))


def test_merge_close_joins_groups_with_near_identical_centroids():
    x = normalise(np.array([[1, 0, 0], [1, 0.01, 0], [1, 0, 0.01], [0, 1, 0], [0, 0, 1]]))
    labels = np.array([0, 1, 1, 2, -1])
    out = merge_close(x, labels, 0.85)
    assert out.tolist() == [0, 0, 0, 2, -1]
    assert merge_close(x, labels, 1.01).tolist() == labels.tolist()


def test_labels_skip_time_phrases_and_are_never_unnamed_with_content_words():
    texts = [
        "ordered weeks ago and the parcel never came",
        "weeks ago I ordered, parcel missing",
        "parcel missing after weeks ago order",
        "zzz",
        "qqq",
    ]
    emb = normalise(np.ones((5, 4)))
    groups = [np.array([0, 1, 2]), np.array([3, 4])]
    labels = labels_for(texts, emb, groups, emb[:2], [["parcel missing", "weeks"], ["zzz", "qqq"]])
    assert labels[0] == "parcel missing"
    assert "unnamed" not in labels[1] and labels[1] == "zzz qqq"


def test_spectral_ward_separates_blobs_deterministically_and_falls_back_when_tiny():
    from analyzer.themes.cluster import get_clusterer
    from analyzer.themes.spectral import spectral_embedding

    from .conftest import make_data

    _, emb, truth, _ = make_data(40, seed=2)
    clusterer = get_clusterer("spectral-ward", max_groups=5)
    a = clusterer.fit_predict(emb, min_size=8, seed=0)
    b = get_clusterer("spectral-ward", max_groups=5).fit_predict(emb, min_size=8, seed=0)
    np.testing.assert_array_equal(a, b)
    from sklearn.metrics import normalized_mutual_info_score

    assert normalized_mutual_info_score(truth, a) > 0.95
    assert spectral_embedding(emb[:20], n_neighbors=30) is None
    assert len(clusterer.fit_predict(emb[:20], min_size=2, seed=0)) == 20


@pytest.mark.parametrize(("k", "expected"), [(10, 5), (16, 8), (60, 15), (100, 25), (400, 40)])
def test_default_parents_give_a_report_8_to_40_top_level_themes(k, expected):
    from analyzer.themes.hierarchy import parent_groups

    centroids = normalise(np.random.default_rng(0).standard_normal((k, 16)))
    parents = parent_groups(centroids, np.arange(k, 0, -1))
    assert len(set(parents.tolist())) == expected
    assert (parent_groups(centroids[:3], np.ones(3)) == -1).all()


def test_spectral_ward_copes_with_exact_duplicates():
    from analyzer.themes.cluster import get_clusterer

    base = normalise(np.random.default_rng(1).standard_normal((3, 16)))
    emb = np.repeat(base, 40, axis=0)
    # disconnected graph: falls back to the smoothed Ward tree, deterministically
    clusterer = get_clusterer("spectral-ward", cohesion=0.9)
    labels = clusterer.fit_predict(emb, min_size=5, seed=0)
    np.testing.assert_array_equal(labels, clusterer.fit_predict(emb, min_size=5, seed=0))
    truth = np.repeat(np.arange(3), 40)
    assert all(len(set(labels[truth == t].tolist())) == 1 for t in range(3))
    assert len(set(labels.tolist())) == 3


def test_spectral_embedding_declines_a_graph_of_many_disconnected_pieces():
    from analyzer.themes.spectral import spectral_embedding

    base = normalise(np.random.default_rng(2).standard_normal((40, 64)))
    emb = np.repeat(base, 35, axis=0)  # 40 pieces of 35 duplicates, 30-NN graph
    assert spectral_embedding(emb, n_neighbors=30, n_components=32) is None


def test_parent_label_names_what_the_children_share_not_the_biggest_child():
    from analyzer.themes.describe import _parent_labels

    texts = [
        # parent 0: three delivery themes; the biggest child is about a "game changer"
        *["same day delivery is a game changer"] * 6,
        *["the delivery came late again", "late delivery twice", "delivery late by a week"],
        *["delivery driver was rude", "rude delivery driver", "the delivery driver shouted"],
        # parent 1: two billing themes
        *["billing charged me twice", "double billing on my card", "billing error again"],
        *["billing shows a mystery charge", "mystery charge on billing", "billing mystery"],
        # parent 2: a single theme keeps its own label
        *["the app crashes on start"] * 3,
    ]
    groups = [np.arange(0, 6), np.arange(6, 9), np.arange(9, 12), np.arange(12, 15)]
    groups += [np.arange(15, 18), np.arange(18, 21)]
    parents = np.array([0, 0, 0, 1, 1, 2])
    emb = normalise(np.random.default_rng(0).standard_normal((len(texts), 8)))
    centroids = normalise(np.vstack([emb[g].mean(axis=0) for g in groups]))
    child = ["game changer", "late delivery", "rude driver", "double billing", "mystery charge"]
    labels = _parent_labels(texts, emb, groups, centroids, parents, [*child, "app crashes"], None)
    assert labels == {0: "Delivery", 1: "Billing", 2: "App crashes"}


def test_themes_without_words_are_called_emoji_only_or_no_words():
    texts = ["😞", "😞😞", "👍", "⭐", "...", "?", "-", "!!", "late parcel", "late parcel again"]
    emb = normalise(np.ones((len(texts), 4)))
    groups = [np.arange(0, 4), np.arange(4, 8), np.arange(8, 10)]
    words = [[], [], ["late parcel"]]
    labels = labels_for(texts, emb, groups, emb[:3], words)
    assert labels == ["emoji only", "no words", "late parcel"]
    twice = labels_for(texts, emb, [np.arange(0, 2), np.arange(2, 4)], emb[:2], [[], []])
    assert twice[0] == "emoji only" and twice[1].startswith("emoji only ")


@pytest.mark.parametrize("order", ["gain", "loss"])
def test_greedy_cut_breaks_up_a_blob_the_tree_sees_as_compact(order):
    """The failure on noisy tweets: mentions that are loose in the embedding space but sit
    together in the tree's coordinates (the spectral embedding) stayed one giant theme."""
    from sklearn.metrics import adjusted_rand_score

    from analyzer.themes.cluster import greedy_cut

    rng = np.random.default_rng(0)
    dim = 64
    centres = normalise(rng.standard_normal((8, dim)))
    tight = normalise(np.repeat(centres, 40, axis=0) + 0.15 * rng.standard_normal((320, dim)))
    blob = normalise(rng.standard_normal((480, dim)))  # noise: loose in x
    x = np.vstack([tight, blob]).astype(np.float32)
    coords = x.astype(np.float64).copy()
    coords[320:] = 0.01 * rng.standard_normal((480, dim))  # ... but compact for the tree
    z = linkage(coords, method="ward")
    by_height = mean_cohesion_cut(z, x, cohesion=0.78, min_size=5, max_groups=40)
    greedy = greedy_cut(z, x, cohesion=0.78, min_size=5, max_groups=40, order=order)
    assert np.bincount(by_height).max() >= 400  # the blob stays one group
    assert np.bincount(greedy).max() <= 0.10 * len(x)
    # the tight groups are found either way
    truth = np.repeat(np.arange(8), 40)
    assert adjusted_rand_score(truth, greedy[:320]) > 0.9


def test_gain_cut_spends_a_split_on_two_themes_not_on_a_diffuse_one():
    """Once no group is loose, ``gain`` splits where cohesion rises most: the group made of
    two tight themes, not the bigger diffuse group (which ``loss``, worst-first, halves)."""
    from analyzer.themes.cluster import greedy_cut

    rng = np.random.default_rng(0)
    dim = 32
    c = normalise(rng.standard_normal((3, dim)))
    diffuse = normalise(np.repeat(c[:1], 300, axis=0) + 0.22 * rng.standard_normal((300, dim)))
    modes = normalise(np.vstack([c[1], c[1] + 0.9 * c[2]]))
    pair = normalise(np.repeat(modes, 60, axis=0) + 0.08 * rng.standard_normal((120, dim)))
    x = np.vstack([diffuse, pair]).astype(np.float32)
    z = linkage(x.astype(np.float64), method="ward")
    kw = {"cohesion": 0.72, "min_size": 5, "max_groups": 3}
    gain = greedy_cut(z, x, order="gain", **kw)
    loss = greedy_cut(z, x, order="loss", **kw)
    assert len(set(gain[:300].tolist())) == 1  # the diffuse group stays whole
    assert len({gain[300], gain[360], gain[0]}) == 3  # the two modes are told apart
    assert len(set(gain[300:360].tolist())) == 1 and len(set(gain[360:].tolist())) == 1
    assert len(set(loss[:300].tolist())) == 2  # worst-first halves the diffuse group
    assert len(set(loss[300:].tolist())) == 1  # ... and leaves the two modes together
    with pytest.raises(ConfigError):
        greedy_cut(z, x, order="best", **kw)


@pytest.mark.parametrize("seed", range(4))
def test_knn_matches_a_stable_full_sort_even_with_many_ties(seed):
    """The kNN graph's neighbours depend on the embeddings only: exact duplicates tie
    exactly and are taken in index order whatever the chunk size and in whatever order the
    products are summed (what differs between BLAS kernels: on AMD EPYC the last bit of a
    float32 chunk product differed from the full one and broke such ties the other way).
    The cosines are exact by construction (integers on a grid, see ``grid_cosines``), not
    by luck of a kernel, so equality is the right comparison here."""
    from analyzer.themes.spectral import grid_cosines, knn, on_grid, top_k

    rng = np.random.default_rng(seed)
    sim = rng.integers(0, 4 + 10 * seed, size=(37, 300)).astype(np.float64)
    sim[rng.random(sim.shape) < 0.1] = -np.inf
    for k in (1, 5, 30):
        assert (top_k(sim, k) == np.argsort(-sim, axis=1, kind="stable")[:, :k]).all()
    x = normalise(rng.standard_normal((120, 8)))
    x = np.vstack([x, x[:40]])  # 40 exact duplicates: they tie with their originals
    index, cosine = knn(x, 30, chunk=50)
    for chunk in (1, 7, 160, 4096):
        other_index, other_cosine = knn(x, 30, chunk=chunk)
        np.testing.assert_array_equal(other_index, index)
        np.testing.assert_array_equal(other_cosine, cosine)
    # the same vectors with their dimensions in another order: every product is summed in
    # another order, as another CPU's kernel does; the neighbours stay the same
    perm = rng.permutation(x.shape[1])
    np.testing.assert_array_equal(knn(x[:, perm], 30, chunk=64)[0], index)
    q = on_grid(x)
    full = grid_cosines(q, q)
    np.fill_diagonal(full, -np.inf)
    np.testing.assert_array_equal(index, np.argsort(-full, axis=1, kind="stable")[:, :30])
    for i in range(40):  # each duplicate is the other's nearest, at the same cosine
        assert index[i, 0] == 120 + i and index[120 + i, 0] == i
        assert cosine[i, 0] == cosine[120 + i, 0]
    for j in range(len(x)):  # a tie between an original and its copy: the original first
        where = {int(v): p for p, v in enumerate(index[j])}
        for i in range(40):
            if 120 + i in where and j not in (i, 120 + i):
                assert i in where and where[i] < where[120 + i]


def test_themes_are_the_same_whatever_the_knn_chunk_size(monkeypatch):
    """The product's promise: the same input gives the same themes whatever block of rows
    the similarity products are computed in (the kNN graph and the smoothing alike)."""
    from analyzer.themes import ThemeModel, spectral

    from .conftest import make_data

    texts, emb, _, _ = make_data(60, seed=5)
    emb = np.vstack([emb, emb[:50]])  # duplicates: ties in every neighbour list
    texts = texts + texts[:50]
    default, fits = spectral.CHUNK, {}
    for chunk in (default, 13):
        monkeypatch.setattr(spectral, "CHUNK", chunk)
        for clusterer in ("spectral-ward", "ward"):
            model = ThemeModel(clusterer=clusterer, spacy_model=None, seed=0).fit(texts, emb)
            fits[chunk, clusterer] = (model.labels_, model.themes_["label"].tolist())
    for clusterer in ("spectral-ward", "ward"):
        base_labels, base_names = fits[default, clusterer]
        labels, names = fits[13, clusterer]
        np.testing.assert_array_equal(labels, base_labels)
        assert names == base_names


def test_phrase_labels_read_curly_apostrophes_as_apostrophes():
    """Tweets and phone keyboards write "Nicki’s": the phrase labeller must not split it
    into "nicki" and a stray "s" and offer "s laugh" as a label."""
    texts = [
        "Nicki’s laugh on the show",
        "that Nicki’s laugh though",
        "Nicki’s laugh is everything",
        "can’t stop hearing Nicki’s laugh",
    ]
    emb = normalise(np.tile([1.0, 0.0, 0.0], (len(texts), 1)) + 0.01 * np.eye(4, 3))
    (label,) = labels_for(texts, emb, [np.arange(4)], emb[:1], [["laugh"]])
    assert "s" not in label.split() and "t" not in label.split()
    assert "laugh" in label


def test_keywords_hold_no_chat_words_or_contraction_pieces():
    """ "c'mon man, I'll be there" gave the tweet label "cmon man" and the keyword "ll"."""
    from analyzer.themes.labels import class_tfidf, keywords

    docs = ["c'mon man I'll be there, wtf bro", "the parcel arrived damaged, we've complained"]
    weights, vocab = class_tfidf(docs)
    words = {w for ws in keywords(weights, vocab, 20) for w in ws}
    assert {"man", "parcel"} <= words
    assert not words & {"cmon", "mon", "ll", "ve", "wtf", "bro"}
