"""Questions about a whole run, answered once for the CLI, the API and batch scoring.

- :func:`resolve_run`: a run id, or ``"latest"`` for the newest finished run.
- :func:`run_embedder` / :func:`model_embedder`: which embedder a run (or a saved theme
  model) used. The embedder card beside the saved model (``embedder.json``, written when the
  model was fitted) decides; a run whose model folder is gone or has no card falls back to
  what the run recorded (``config.embedding``, ``info.embedding``).
- :func:`load_scored_run`: a scored export (``cxa score``) as the tables of a run, with the
  themes of the theme model that scored it.
- :func:`write_tables` / :func:`write_rejects_csv`: the files a run writes. ``cxa analyze``
  and batch scoring write the same formats: every table as ``OUT/<table>.parquet``, and the
  rejects also as ``OUT/rejects.csv`` for people to open in a spreadsheet (its cells defused
  as every CSV of the project is, see :mod:`analyzer.text.spreadsheet`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analyzer.embed import load_embedder_card
from analyzer.text.spreadsheet import spreadsheet_safe

if TYPE_CHECKING:
    from analyzer.store import RunData, Store
    from analyzer.themes import ThemeModel

LATEST = "latest"
DEFAULT_EMBEDDING = "minilm"
REJECTS_CSV = "rejects.csv"
REJECT_COLUMNS = ["file", "row", "column", "value", "reason"]
REJECT_TEXT_COLUMNS = ("file", "column", "value", "reason")


def resolve_run(store: Store, run: str) -> str:
    """``run`` itself, or the id of the newest finished run for ``"latest"``.

    Raises NotFoundError when ``"latest"`` is asked of a store without a finished run.
    """
    return store.latest_run() if run == LATEST else run


# -- which embedder ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RunEmbedder:
    """The embedder a run or a saved theme model used.

    Attributes
    ----------
    key : str
        The name to pass to :func:`analyzer.embed.get_embedder` (``minilm``, ``static``, a
        local model folder, ...).
    space : str
        The vector space its centroids live in (:func:`analyzer.embed.embedding_space`);
        another embedder of the same space gives interchangeable vectors.
    source : str
        Where the answer came from: the card's path, or ``"run record"``.
    """

    key: str
    space: str
    source: str


def model_embedder(model_dir: str | Path | None) -> RunEmbedder | None:
    """The embedder recorded in a saved theme model's card; ``None`` without a card or folder.

    Raises ModelError for a card that cannot be read.
    """
    if not model_dir or not Path(model_dir).is_dir():
        return None
    card = load_embedder_card(model_dir)
    if card is None:
        return None
    return RunEmbedder(
        key=str(card.get("embedding") or DEFAULT_EMBEDDING),
        space=str(card["space"]),
        source=str(Path(model_dir) / "embedder.json"),
    )


def run_embedder(meta: Mapping[str, Any]) -> RunEmbedder:
    """Which embedder the run with runs row ``meta`` used (see the module docstring).

    Parameters
    ----------
    meta : mapping
        The run's row (``Store.run_meta`` or ``RunData.meta``): ``config`` and ``info``.
    """
    info = meta.get("info") or {}
    found = model_embedder(str(info.get("model_dir") or ""))
    if found is not None:
        return found
    config = meta.get("config") or {}
    key = str(config.get("embedding") or DEFAULT_EMBEDDING)
    return RunEmbedder(key=key, space=str(info.get("embedding") or key), source="run record")


# -- scored exports ---------------------------------------------------------------------------


def scored_model_dir(meta: Mapping[str, Any]) -> Path | None:
    """The theme model folder that scored an export, if it is reachable from here."""
    folder = Path(str(meta.get("model") or ""))
    return folder if folder.parts and folder.is_dir() else None


def load_scored_run(
    store: Store,
    fingerprint: str,
    *,
    model: ThemeModel | None = None,
    meta: Mapping[str, Any] | None = None,
) -> RunData:
    """A scored export as the tables of a run (no rejects: they stay in ``rejects.parquet``).

    Parameters
    ----------
    store : Store
    fingerprint : str
        The scored export (see ``Store.list_scored``).
    model : ThemeModel, optional
        The theme model that scored it (from :func:`scored_model_dir`), with its current
        codeframe. Without it, themes are named by id only ("theme N").
    meta : mapping, optional
        ``store.scored_meta(fingerprint)`` when the caller already has it.
    """
    from analyzer.store import RunData

    meta = dict(meta if meta is not None else store.scored_meta(fingerprint))
    responses, mentions = store.load_scored(fingerprint)
    if model is not None:
        themes, mentions = current_themes(model, mentions)
    else:
        themes = id_themes(mentions)
    info = meta.get("info") or {}
    return RunData(
        run_id=fingerprint,
        meta=meta,
        responses=responses,
        mentions=mentions,
        themes=themes,
        rejects=pd.DataFrame(columns=REJECT_COLUMNS),
        segments=list(info.get("segments", [])),
        metrics=list(info.get("metrics", [])),
    )


def current_themes(model: ThemeModel, mentions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The model's themes and the mentions with their ids brought up to its codeframe.

    Mentions scored before a merge carry a merged-away id: it is mapped to the theme it went
    into. An id the model no longer knows at all (e.g. the folder was re-fitted) keeps its
    mentions under a row "theme N (not in the current model)", so none is left out.
    """
    mentions = mentions.copy()
    ids = mentions["theme_id"].to_numpy()
    mentions["theme_id"] = model.codeframe_.map_ids(ids).astype(ids.dtype)
    themes = model.themes_.copy()
    known = set(themes["theme_id"].astype(int))
    lost = mentions["theme_id"].ge(0) & ~mentions["theme_id"].isin(known)  # not -1 or -2
    if lost.any():
        extra = id_themes(mentions[lost])
        extra["label"] = extra["label"] + " (not in the current model)"
        themes = pd.concat([themes, extra], ignore_index=True)
    return themes, mentions


def id_themes(mentions: pd.DataFrame) -> pd.DataFrame:
    """A themes table with the ids of ``mentions`` only (no model folder to read labels from)."""
    from analyzer.themes.persist import themes_frame

    # -1 = unassigned, -2 = the no-topic bucket: neither is a theme row
    assigned = mentions.loc[mentions["theme_id"] >= 0, "theme_id"].astype(int)
    sizes = assigned.value_counts()
    rows: list[dict[str, Any]] = [
        {
            "theme_id": int(t),
            "label": f"theme {int(t)}",
            "keywords": [],
            "parent_id": -1,
            "parent_label": "",
            "size": int(sizes[t]),
            "examples": [],
            "owner": None,
        }
        for t in sorted(sizes.index)
    ]
    return themes_frame(rows)


# -- output files -----------------------------------------------------------------------------


def rejects_frame(rejects: pd.DataFrame) -> pd.DataFrame:
    """``rejects`` with its text columns as str or None (one Parquet schema for every file)."""
    out = rejects.copy()
    for col in REJECT_TEXT_COLUMNS:
        if col in out:
            out[col] = out[col].astype(object).where(out[col].notna(), None)
    return out


def write_tables(out: str | Path, tables: Mapping[str, pd.DataFrame]) -> dict[str, Path]:
    """Write each table as ``OUT/<name>.parquet``; the rejects also as ``OUT/rejects.csv``.

    Returns
    -------
    dict
        ``{name: path}``, with ``rejects_csv`` for the CSV copy.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, frame in tables.items():
        if name == "rejects":
            frame = rejects_frame(frame)
        written[name] = out / f"{name}.parquet"
        frame.to_parquet(written[name], index=False)
    if "rejects" in tables:
        written["rejects_csv"] = out / REJECTS_CSV
        csv = spreadsheet_safe(rejects_frame(tables["rejects"]))
        csv.to_csv(written["rejects_csv"], index=False)
    return written


def write_rejects_csv(out: str | Path) -> Path:
    """``OUT/rejects.csv`` from ``OUT/rejects.parquet``, one row group at a time (constant
    memory for batch scoring's merged rejects)."""
    import pyarrow.parquet as pq

    out = Path(out)
    target = out / REJECTS_CSV
    if not (out / "rejects.parquet").is_file():  # no chunk was scored: no rejects
        pd.DataFrame(columns=["file", "row", "column", "value", "reason"]).to_csv(
            target, index=False
        )
        return target
    tmp = target.with_name(f".{target.name}.tmp")
    source = pq.ParquetFile(out / "rejects.parquet")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        header = True
        for group in range(source.num_row_groups):
            frame = spreadsheet_safe(source.read_row_group(group).to_pandas())
            frame.to_csv(fh, index=False, header=header)
            header = False
        if header:  # no row group: the header alone
            source.schema_arrow.empty_table().to_pandas().to_csv(fh, index=False)
    tmp.replace(target)
    return target


__all__ = [
    "LATEST",
    "RunEmbedder",
    "current_themes",
    "id_themes",
    "load_scored_run",
    "model_embedder",
    "rejects_frame",
    "resolve_run",
    "run_embedder",
    "scored_model_dir",
    "write_rejects_csv",
    "write_tables",
]
