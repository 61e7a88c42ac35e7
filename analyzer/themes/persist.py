"""Saving and loading a theme model: JSON for everything readable, safetensors for arrays.

A saved model is a directory::

    model.json               format, version, parameters, the themes table, parents
    centroids.safetensors    centroids (k, dim) float32, typical (k,) float64, theme_ids (k,)
    codeframe.json           the analyst's edits (see codeframe.py)

Nothing is pickled, so loading a model never runs code from the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.errors import ModelError

__all__ = ["FORMAT", "FORMAT_VERSION", "READABLE_VERSIONS", "read_model_dir", "write_model_dir"]

FORMAT = "cxa-theme-model"
FORMAT_VERSION = 3
# Version 2 added the ``max_themes`` and ``merge_similarity`` parameters; a version 1
# model reads fine (they take their defaults, which only matter when re-fitting).
# Version 3 added each theme's kind, coverage and lift, the ``claims`` parameter and the
# claims (label stems) that tag a mention with every theme it names; an older model reads
# as one whose themes are all "named" with no claims (it tags nothing).
READABLE_VERSIONS = (1, 2, 3)
MODEL_JSON = "model.json"
ARRAYS = "centroids.safetensors"
CODEFRAME_JSON = "codeframe.json"
THEME_COLUMNS = (
    "theme_id",
    "label",
    "keywords",
    "parent_id",
    "parent_label",
    "size",
    "examples",
    "owner",
    "kind",
    "coverage",
    "lift",
)
KINDS = ("named", "residual", "seed")
"""A theme's kind: ``named`` (its label is a claim most of it says), ``residual`` (what no
phrase named in its part of the map: "Flight: other", never ranked), ``seed`` (an analyst's)."""


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if value != value else value  # NaN -> None


def _table_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    for row in table[list(THEME_COLUMNS)].to_dict("records"):
        records.append(
            {
                "theme_id": int(row["theme_id"]),
                "label": str(row["label"]),
                "keywords": [str(k) for k in row["keywords"]],
                "parent_id": int(row["parent_id"]),
                "parent_label": str(row["parent_label"]),
                "size": int(row["size"]),
                "examples": [str(e) for e in row["examples"]],
                "owner": None if row["owner"] is None else str(row["owner"]),
                "kind": str(row["kind"]),
                "coverage": _number(row["coverage"]),
                "lift": _number(row["lift"]),
            }
        )
    return records


def themes_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """The ``themes`` table with the dtypes of ARCHITECTURE.md from a list of dicts."""
    frame = pd.DataFrame.from_records(records, columns=list(THEME_COLUMNS))
    frame["kind"] = frame["kind"].where(frame["kind"].notna(), "named").astype(object)
    for col in ("coverage", "lift"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    for col in ("theme_id", "parent_id", "size"):
        frame[col] = frame[col].astype("int64")
    for col in ("label", "parent_label"):
        frame[col] = frame[col].astype(object)
    frame["owner"] = frame["owner"].astype(object).where(frame["owner"].notna(), None)
    return frame


def write_model_dir(
    path: Path,
    meta: dict[str, Any],
    arrays: dict[str, np.ndarray],
    table: pd.DataFrame,
    codeframe: dict[str, Any],
) -> Path:
    """Write ``meta`` (+ the themes table) to model.json, ``arrays`` and the codeframe.

    The folder is replaced as a whole (see :func:`analyzer.store.atomic.replacing_dir`): a crash
    leaves the previous model, never a mix of old and new files.
    """
    from safetensors.numpy import save_file

    from analyzer.store.atomic import replacing_dir

    doc = {"format": FORMAT, "version": FORMAT_VERSION, **meta}
    doc["themes"] = _table_records(table)
    with replacing_dir(path) as staging:
        (staging / MODEL_JSON).write_text(json.dumps(doc, indent=2, ensure_ascii=False), "utf-8")
        save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(staging / ARRAYS))
        text = json.dumps(codeframe, indent=2, ensure_ascii=False)
        (staging / CODEFRAME_JSON).write_text(text, "utf-8")
    return path


def read_model_dir(path: Path) -> tuple[dict[str, Any], dict[str, np.ndarray], dict[str, Any]]:
    """Read what :func:`write_model_dir` wrote; ModelError with the reason if it can't."""
    if not path.is_dir():
        raise ModelError(
            f"No theme model at {path}: expected a directory with {MODEL_JSON} and {ARRAYS}. "
            "Fit one first (cxa analyze) or give the right --model path."
        )
    try:
        meta = json.loads((path / MODEL_JSON).read_text("utf-8"))
        codeframe_path = path / CODEFRAME_JSON
        codeframe = json.loads(codeframe_path.read_text("utf-8")) if codeframe_path.exists() else {}
    except (OSError, ValueError) as exc:
        raise ModelError(f"Theme model {path} is unreadable or corrupt: {exc}.") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(f"{path / MODEL_JSON} is not a theme model (format {FORMAT!r}).")
    if meta.get("version") not in READABLE_VERSIONS:
        raise ModelError(
            f"Theme model {path} has format version {meta.get('version')!r}; this analyzer "
            f"reads versions {list(READABLE_VERSIONS)}. Re-fit the model with this version."
        )
    try:
        from safetensors.numpy import load_file

        arrays = load_file(str(path / ARRAYS))
    except Exception as exc:  # safetensors raises several types for a bad file
        raise ModelError(
            f"Theme model arrays {path / ARRAYS} are missing or corrupt: {exc}"
        ) from exc
    return meta, arrays, codeframe
