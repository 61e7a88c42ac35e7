"""Codeframe edits of a run (rename, set owner, merge), with the same effect as the CLI.

An edit loads the run's saved theme model, changes a copy of its codeframe, applies it
(which checks every theme id), saves the model folder again and replaces the run's themes
rows with the edited table. Edits of one service are serialised by a lock.

Merges are a layer over the stored mentions: their ``theme_id`` keeps the fitted id and
:func:`merged_mentions` maps absorbed ids to the surviving one when a run is read.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from analyzer.errors import InputError, ModelError, NotFoundError
from analyzer.store import Store

if TYPE_CHECKING:
    from analyzer.themes.codeframe import Codeframe

CODEFRAME_JSON = "codeframe.json"
EDIT_LOCK = threading.Lock()
"""Held while a model folder is rewritten (and while one is read for scoring)."""
Check = Callable[[int], int]
Change = Callable[["Codeframe", Check], int]


def model_dir(meta: dict[str, Any], run_id: str) -> Path:
    """The folder of a run's saved theme model; ModelError when it is gone."""
    saved = str(meta["info"].get("model_dir") or "")
    if not saved or not Path(saved).is_dir():
        raise ModelError(
            f"The theme model of run {run_id!r} is missing, so its codeframe cannot be "
            "edited or used; analyse the export again to rebuild it."
        )
    return Path(saved)


def merged_mentions(mentions: pd.DataFrame, folder: Path) -> pd.DataFrame:
    """``mentions`` with the ids of merged themes replaced by the surviving id."""
    from analyzer.themes.codeframe import Codeframe

    path = folder / CODEFRAME_JSON
    if not path.exists():
        return mentions
    frame = Codeframe.load(path)
    if not frame.merges:
        return mentions
    out = mentions.copy()
    out["theme_id"] = frame.map_ids(out["theme_id"].to_numpy())
    return out


def _current(themes: pd.DataFrame, theme_id: int, frame: Codeframe, run_id: str) -> int:
    ids = set(themes["theme_id"].astype(int))
    if theme_id in ids:
        return theme_id
    hint = f" (it was merged into {frame.resolve(theme_id)})" if theme_id in frame.merges else ""
    raise NotFoundError(
        f"Run {run_id!r} has no theme {theme_id}{hint}; its themes are {sorted(ids)}."
    )


def edit(store: Store, run_id: str, folder: Path, change: Change) -> int:
    """Apply ``change`` to the run's codeframe, save it and update the run's themes rows.

    Parameters
    ----------
    store : Store
    run_id : str
        A finished run.
    folder : Path
        Its saved theme model (see :func:`model_dir`).
    change : callable
        ``change(codeframe, check)`` edits the codeframe in place and returns the theme id
        the edit is about; ``check(theme_id)`` raises NotFoundError for a theme the run
        does not have (now) and returns the id.

    Returns
    -------
    int
        What ``change`` returned.
    """
    from analyzer.themes import ThemeModel

    with EDIT_LOCK:
        model = ThemeModel.load(folder)
        frame = copy.deepcopy(model.codeframe_)
        theme_id = change(frame, lambda t: _current(model.themes_, int(t), frame, run_id))
        model.apply_codeframe(frame)
        model.save(folder)
        store.update_themes(run_id, model.themes_)
    return theme_id


def rename_or_own(theme_id: int, label: str | None, owner: str | None, set_owner: bool) -> Change:
    """The change of ``PATCH /themes/{theme_id}``: a new label and/or owner."""

    def change(frame: Codeframe, check: Check) -> int:
        current = check(theme_id)
        if label is not None:
            frame.rename(current, label)
        if set_owner:
            frame.set_owner(current, owner)
        return current

    return change


def merge(theme_ids: list[int], label: str | None) -> Change:
    """The change of ``POST /themes/merge``: merge into the first id, optionally relabel."""

    def change(frame: Codeframe, check: Check) -> int:
        ids = [check(t) for t in dict.fromkeys(theme_ids)]
        if len(ids) < 2:
            raise InputError(f"Merging needs two different themes; got {theme_ids}.")
        survivor = frame.merge(ids)
        if label is not None:
            frame.rename(survivor, label)
        return survivor

    return change


__all__ = ["EDIT_LOCK", "edit", "merge", "merged_mentions", "model_dir", "rename_or_own"]
