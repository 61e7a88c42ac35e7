"""MiniLM run by ONNX Runtime: the same vectors as PyTorch, faster on a CPU.

The ONNX graph (MiniLM + mean pooling + L2 normalisation) is exported by this module from
the local MiniLM folder the first time it is needed and cached under
``cache_dir() / "onnx-minilm"``, with an int8 copy (dynamic, per-channel quantisation of the
matrix products). Needs the optional packages ``onnxruntime`` (to run) and ``onnx`` (to
export, once).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from analyzer.embed._base import Progress, length_sorted_batches
from analyzer.errors import ConfigError, ModelError

FP32_FILE = "model.onnx"
INT8_FILE = "model-int8.onnx"
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _require(module: str, purpose: str) -> None:
    import importlib.util

    if importlib.util.find_spec(module) is None:
        raise ConfigError(
            f"The ONNX embedding backends need the package {module!r} ({purpose}), which is "
            f"not installed. Install it (pip install {module}) or use the embedding 'minilm'."
        )


def _pooled_module(bert: Any) -> Any:
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    return Pooled().eval()


def _export(source: Path, folder: Path) -> None:
    import warnings

    import torch
    import transformers

    transformers.logging.set_verbosity_error()  # the load report is noise for our users
    bert = transformers.AutoModel.from_pretrained(str(source), local_files_only=True).eval()
    sample = {k: torch.ones((2, 8), dtype=torch.int64) for k in _INPUTS}
    axes = {k: {0: "batch", 1: "tokens"} for k in _INPUTS}
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about shape-dependent branches
        torch.onnx.export(
            _pooled_module(bert),
            tuple(sample[k] for k in _INPUTS),
            str(folder / FP32_FILE),
            input_names=list(_INPUTS),
            output_names=["embedding"],
            dynamic_axes={**axes, "embedding": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )


def build_onnx_model(source: Path, target: Path) -> Path:
    """Export the sentence-transformers MiniLM in ``source`` to ONNX files in ``target``.

    Writes ``model.onnx`` (float32), ``model-int8.onnx`` (int8 weights), ``tokenizer.json``
    and ``embedder.json`` (maximum sequence length) into a temporary folder renamed into
    place, so an interrupted build leaves nothing half-written.
    """
    _require("onnx", "to export the model once")
    _require("onnxruntime", "to run it")
    os.environ["HF_HUB_OFFLINE"] = "1"
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _export(source, tmp)
        quantize_dynamic(
            tmp / FP32_FILE,
            tmp / INT8_FILE,
            weight_type=QuantType.QInt8,
            per_channel=True,
            op_types_to_quantize=["MatMul"],
        )
        shutil.copy(source / "tokenizer.json", tmp / "tokenizer.json")
        st_config = json.loads((source / "sentence_bert_config.json").read_text())
        dim = int(json.loads((source / "config.json").read_text())["hidden_size"])
        meta = {"max_seq_length": int(st_config.get("max_seq_length", 256)), "dim": dim}
        (tmp / "embedder.json").write_text(json.dumps(meta, indent=1))
        try:
            tmp.rename(target)
        except OSError:
            if not (target / INT8_FILE).exists():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


class OnnxEmbedder:
    """An exported MiniLM run by ONNX Runtime on all CPU cores.

    Parameters
    ----------
    path : Path
        Folder written by :func:`build_onnx_model` (built there by ``build`` if missing).
    file : str
        ``model.onnx`` (float32; the same vectors as PyTorch) or ``model-int8.onnx``.
    name : str
        Name of the exact vectors (cache keys).
    space : str
        Vector space shared with other backends (theme-model compatibility).
    build : callable, optional
        ``build(path)`` creates the folder; ``None`` makes a missing one an error.
    batch_size : int
        Texts per forward pass.
    """

    def __init__(
        self,
        path: Path,
        *,
        file: str = FP32_FILE,
        name: str,
        space: str,
        build: Callable[[Path], Any] | None = None,
        batch_size: int = 64,
    ) -> None:
        self.path, self.file = Path(path), file
        self.name, self.space = name, space
        self.batch_size = batch_size
        self._build = build
        self._session: Any = None
        self._tokenizer: Any = None
        self._dim = 0

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_session": None, "_tokenizer": None}

    def _load(self) -> Any:
        if self._session is None:
            _require("onnxruntime", "to run it")
            if not (self.path / self.file).exists():
                if self._build is None:
                    raise ModelError(f"No ONNX model {self.file} in {self.path}.")
                self._build(self.path)
            import onnxruntime as ort
            from tokenizers import Tokenizer

            meta = json.loads((self.path / "embedder.json").read_text())
            tokenizer = Tokenizer.from_file(str(self.path / "tokenizer.json"))
            tokenizer.enable_truncation(int(meta["max_seq_length"]))
            tokenizer.enable_padding()
            options = ort.SessionOptions()
            options.intra_op_num_threads = max(1, os.cpu_count() or 1)
            self._session = ort.InferenceSession(
                str(self.path / self.file), options, providers=["CPUExecutionProvider"]
            )
            self._tokenizer, self._dim = tokenizer, int(meta["dim"])
        return self._session

    @property
    def dim(self) -> int:
        self._load()
        return self._dim

    def encode(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """Encode ``texts`` into an array of shape (n, dim), float32, unit rows."""
        session = self._load()
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for idx in length_sorted_batches(texts, self.batch_size):
            encoded = self._tokenizer.encode_batch([texts[i] for i in idx])
            ids = np.asarray([e.ids for e in encoded], dtype=np.int64)
            mask = np.asarray([e.attention_mask for e in encoded], dtype=np.int64)
            feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
            out[idx] = session.run(None, feed)[0]
            if progress is not None:
                progress(len(idx))
        return out
