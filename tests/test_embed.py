from __future__ import annotations

import numpy as np
import pytest
from tolerance import EXACT_ATOL, assert_arrays_close

from analyzer.embed import CachedEmbedder, FakeEmbedder, get_embedder
from analyzer.errors import ConfigError


def test_fake_embedder_is_deterministic_and_normalised() -> None:
    emb = FakeEmbedder(dim=32)
    a = emb.encode(["the app crashes", "late delivery", ""])
    b = FakeEmbedder(dim=32).encode(["the app crashes", "late delivery", ""])
    assert a.shape == (3, 32) and a.dtype == np.float32
    assert_arrays_close(a, b, atol=EXACT_ATOL)
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, rtol=1e-5)


def test_fake_embedder_puts_shared_words_close() -> None:
    v = FakeEmbedder().encode(["app crashes", "the app crashing again", "parcel arrived late"])
    assert v[0] @ v[1] > v[0] @ v[2] + 0.25


class CountingEmbedder(FakeEmbedder):
    def __init__(self) -> None:
        super().__init__(dim=16)
        self.calls: list[int] = []

    def encode(self, texts, *, progress=None):  # type: ignore[no-untyped-def]
        self.calls.append(len(texts))
        return super().encode(texts, progress=progress)


def test_cache_avoids_second_encoding_and_returns_same_vectors(tmp_path) -> None:
    inner = CountingEmbedder()
    cached = CachedEmbedder(inner, tmp_path)
    texts = ["a b", "c d", "a b", "e f"]
    first = cached.encode(texts)
    assert inner.calls == [3]  # duplicates encoded once
    second = CachedEmbedder(inner, tmp_path).encode(texts)
    assert inner.calls == [3]  # nothing encoded again, even from a new wrapper
    assert_arrays_close(first, second, atol=EXACT_ATOL)
    assert_arrays_close(first, inner.encode(texts), atol=EXACT_ATOL)
    cached.encode(["a b", "new text"])
    assert inner.calls[-1] == 1  # only the new text


def test_cache_keeps_no_text(tmp_path) -> None:
    CachedEmbedder(FakeEmbedder(), tmp_path).encode(["my secret complaint"])
    for path in tmp_path.iterdir():
        assert b"secret" not in path.read_bytes()


def test_cache_handles_empty_input(tmp_path) -> None:
    assert CachedEmbedder(FakeEmbedder(dim=8), tmp_path).encode([]).shape == (0, 8)


def test_unknown_embedder_lists_the_valid_names() -> None:
    with pytest.raises(ConfigError, match="minilm"):
        get_embedder("bert-large-from-the-internet")


def test_missing_model_folder_is_a_config_error(tmp_path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        get_embedder(f"st:{tmp_path / 'nope'}")


@pytest.mark.slow
def test_bundled_minilm_embeds_offline() -> None:
    emb = get_embedder("minilm")
    v = emb.encode(["the app keeps crashing", "the application crashes", "delivery was late"])
    assert v.shape == (3, 384)
    assert v[0] @ v[1] > 0.7 > v[0] @ v[2]


def test_embedder_card_round_trip_and_space(tmp_path) -> None:
    from analyzer.embed import embedding_space, load_embedder_card, save_embedder_card

    emb = FakeEmbedder(dim=8)
    assert load_embedder_card(tmp_path) is None
    save_embedder_card(tmp_path, emb, "fake")
    card = load_embedder_card(tmp_path)
    assert card == {"embedding": "fake", "name": "fake-8", "space": "fake-8", "dim": 8}
    assert embedding_space(CachedEmbedder(emb, tmp_path)) == "fake-8"


def test_derived_backends_share_minilm_space_or_not() -> None:
    from analyzer.embed import embedding_space

    assert embedding_space(get_embedder("onnx")) == embedding_space(get_embedder("minilm"))
    assert embedding_space(get_embedder("onnx-int8")) == "all-MiniLM-L6-v2"
    assert embedding_space(get_embedder("static")) != "all-MiniLM-L6-v2"
    assert get_embedder("onnx").name != get_embedder("minilm").name  # separate caches


def test_embedders_pickle_without_their_weights() -> None:
    import pickle

    emb = get_embedder("static")
    emb._model = object()  # type: ignore[attr-defined]  # as if loaded
    clone = pickle.loads(pickle.dumps(emb))
    assert clone._model is None and clone.path == emb.path  # type: ignore[attr-defined]


@pytest.mark.slow
def test_static_embedder_is_built_locally_and_keeps_neighbours() -> None:
    emb = get_embedder("static")  # distilled from the bundled MiniLM at first use (minutes)
    v = emb.encode(["the app keeps crashing", "the application crashes", "delivery was late"])
    assert v.shape == (3, emb.dim) and v.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, rtol=1e-5)
    assert v[0] @ v[1] > 0.5 > v[0] @ v[2]


@pytest.mark.slow
def test_onnx_embedder_matches_pytorch_minilm() -> None:
    texts = ["the app keeps crashing", "delivery was late", "great support, thanks!"]
    ref = get_embedder("minilm").encode(texts)
    np.testing.assert_allclose(get_embedder("onnx").encode(texts), ref, atol=1e-4)
    assert (get_embedder("onnx-int8").encode(texts) * ref).sum(axis=1).min() > 0.97
