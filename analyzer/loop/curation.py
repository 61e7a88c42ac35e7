"""An analyst's edits to a run's themes: rename, merge, split, move, owner.

Every edit goes through :func:`edit`: it loads the run's saved theme model, changes a copy of
its codeframe, applies it (which checks every theme id), saves the model folder again (so
every later scoring honours the edit) and updates the run's stored themes and mentions. The
CLI (``cxa themes``) and the API call these same functions, so both have the same effect.
Edits in one process are serialised by a lock.

Crash safety: the model folder is replaced as a whole (:func:`analyzer.store.atomic.replacing_dir`)
and the run's rows change in one store transaction after it. A crash between the two leaves
the store as it was before the edit; the next edit of the run first brings the store in line
with the saved codeframe (:func:`_sync_run` derives everything from it).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from analyzer import faults
from analyzer.errors import InputError, ModelError, NotFoundError
from analyzer.store import Store
from analyzer.tables import primary_rows
from analyzer.text.normalise import embedding_texts
from analyzer.text.plain import check_plain

if TYPE_CHECKING:
    from analyzer.embed import Embedder
    from analyzer.themes import Codeframe, ThemeModel

_lock = threading.Lock()
Check = Callable[[int], int]
Change = Callable[["Codeframe", Check], int]


def check_text(text: str, what: str) -> str:
    """``text`` if it is plain text on one line (see :func:`analyzer.text.plain.check_plain`):
    labels, owners and parent names are shown in tables, reports and logs."""
    return check_plain(text, what)


def model_dir(meta: dict[str, Any], run_id: str) -> Path:
    """The folder of a run's saved theme model; ModelError when it is gone."""
    saved = str(meta.get("info", {}).get("model_dir") or "")
    if not saved or not Path(saved).is_dir():
        raise ModelError(
            f"The theme model of run {run_id!r} is missing ({saved or 'never saved'}), so its "
            "codeframe cannot be edited or used; analyze the export again to rebuild it."
        )
    return Path(saved)


def _checker(model: ThemeModel, frame: Codeframe, run_id: str) -> Check:
    ids = set(model.themes_["theme_id"].astype(int))

    def check(theme_id: int) -> int:
        theme_id = int(theme_id)
        if theme_id in ids:
            return theme_id
        hint = (
            f" (it was merged into {frame.resolve(theme_id)})" if theme_id in frame.merges else ""
        )
        raise NotFoundError(
            f"Run {run_id!r} has no theme {theme_id}{hint}; 'cxa themes list' (or GET "
            f"/v1/runs/{run_id}/themes) lists its themes."
        )

    return check


def edit(store: Store, run_id: str, change: Change) -> int:
    """Apply ``change`` to the run's codeframe, save it and update the run's stored tables.

    Parameters
    ----------
    store : Store
    run_id : str
        A finished run with a saved theme model.
    change : callable
        ``change(codeframe, check)`` edits the codeframe in place and returns the theme id
        the edit is about; ``check(theme_id)`` raises NotFoundError for a theme the run does
        not have and returns the id.

    Returns
    -------
    int
        What ``change`` returned.
    """
    from analyzer.themes import ThemeModel

    with _lock:
        folder = model_dir(store.run_meta(run_id), run_id)
        model = ThemeModel.load(folder)
        frame = copy.deepcopy(model.codeframe_)
        theme_id = change(frame, _checker(model, frame, run_id))
        model.apply_codeframe(frame)
        model.save(folder)
        faults.point("curation.saved")
        _sync_run(store, run_id, model)
    return theme_id


def _sync_run(
    store: Store, run_id: str, model: ThemeModel, assignments: pd.DataFrame | None = None
) -> None:
    """Bring the run's themes rows and mention ids in line with the model's codeframe, in
    one transaction (``assignments``: mentions a split reassigned, written first)."""
    run = store.load_run(run_id)
    mentions = run.mentions
    if assignments is not None:
        new = assignments.set_index("mention_id")["theme_id"]
        moved = mentions["mention_id"].map(new)
        mentions = mentions.assign(theme_id=moved.fillna(mentions["theme_id"]).astype("int64"))
    ids = mentions["theme_id"].to_numpy()
    mapped = model.codeframe_.map_ids(ids)
    changed = {int(a): int(b) for a, b in zip(ids, mapped, strict=True) if a != b}
    store.apply_codeframe(
        run_id,
        themes=_with_examples(model.themes_, run.themes),
        remap=changed,
        assignments=assignments,
    )


def _with_examples(themes: Any, stored: Any) -> Any:
    """Keep the stored (redacted) examples of themes that already had them."""
    examples = dict(zip(stored["theme_id"], stored["examples"], strict=True))
    out = themes.copy()
    out["examples"] = [
        examples.get(t, ex) for t, ex in zip(out["theme_id"], out["examples"], strict=True)
    ]
    return out


# -- the changes ---------------------------------------------------------------------------


def rename(theme_id: int, label: str) -> Change:
    """Show ``label`` for a theme (checked at once by :func:`check_text`)."""
    check_text(label, "label")

    def change(frame: Codeframe, check: Check) -> int:
        current = check(theme_id)
        frame.rename(current, label)
        return current

    return change


def set_owner(theme_id: int, owner: str | None) -> Change:
    """Make a team responsible for a theme (``None`` clears it)."""
    if owner is not None:
        check_text(owner, "owner")

    def change(frame: Codeframe, check: Check) -> int:
        current = check(theme_id)
        frame.set_owner(current, owner)
        return current

    return change


def merge(theme_ids: list[int], *, into: int | None = None, label: str | None = None) -> Change:
    """Merge themes into ``into`` (default: the first id), optionally relabelling it."""
    if label is not None:
        check_text(label, "label")

    def change(frame: Codeframe, check: Check) -> int:
        ids = [check(t) for t in dict.fromkeys(theme_ids)]
        target = None if into is None else check(into)
        if len(set(ids) | ({target} if target is not None else set())) < 2:
            raise InputError(f"Merging needs two different themes; got {theme_ids}.")
        survivor = frame.merge(ids, into=target)
        if label is not None:
            frame.rename(survivor, label)
        return survivor

    return change


def move(theme_id: int, parent: int | str) -> Change:
    """Move a theme under an existing parent id or a new parent name."""
    if isinstance(parent, str):
        check_text(parent, "parent name")

    def change(frame: Codeframe, check: Check) -> int:
        current = check(theme_id)
        frame.move(current, parent)
        return current

    return change


def split(
    store: Store, run_id: str, theme_id: int, embedder: Embedder, parts: int = 2
) -> list[int]:
    """Split a theme of a run into ``parts`` themes and reassign its mentions.

    The theme's stored (redacted) mentions are embedded with ``embedder`` (the embedding
    cache makes this cheap), the model computes the new themes and records the split in the
    codeframe, and the mentions are assigned again with the edited model.
    """
    from analyzer.themes import ThemeModel

    if parts < 2:
        raise InputError(f"A split needs at least 2 parts; got {parts}.")
    with _lock:
        folder = model_dir(store.run_meta(run_id), run_id)
        model = ThemeModel.load(folder)
        _checker(model, model.codeframe_, run_id)(theme_id)
        mentions = primary_rows(store.load_run(run_id).mentions)
        own = mentions[mentions["theme_id"] == int(theme_id)]
        texts = own["text"].astype(str).tolist()
        vectors = embedder.encode(embedding_texts(texts))
        new_ids = model.split(int(theme_id), texts, vectors, n_parts=parts)
        model.save(folder)
        assigned, confidence = model.transform(texts, vectors)
        assignments = pd.DataFrame(
            {
                "mention_id": own["mention_id"].astype(str).tolist(),
                "theme_id": np.asarray(assigned, dtype="int64"),
                "theme_confidence": np.asarray(confidence, dtype="float64"),
            }
        )
        _sync_run(store, run_id, model, assignments)
    return list(new_ids)


def add_seed(store: Store, run_id: str, name: str, phrases: list[str], embedder: Embedder) -> int:
    """Add a theme seeded with example phrases to a run and reassign its mentions.

    The run's stored (redacted) mentions are embedded with ``embedder`` (cheap with the
    cache), the model adds the seed theme (recorded in the codeframe), and every mention is
    assigned again with the edited model, as after a split. Returns the new theme's id.
    """
    from analyzer.themes import ThemeModel

    check_text(name, "theme name")
    for phrase in phrases:
        check_text(phrase, "seed phrase")
    with _lock:
        folder = model_dir(store.run_meta(run_id), run_id)
        model = ThemeModel.load(folder)
        mentions = primary_rows(store.load_run(run_id).mentions)
        texts = mentions["text"].astype(str).tolist()
        vectors = embedder.encode(embedding_texts(texts))
        theme_id = model.add_seed(name, phrases, texts, vectors, embed=embedder.encode)
        model.save(folder)
        assigned, confidence = model.transform(texts, vectors)
        assignments = pd.DataFrame(
            {
                "mention_id": mentions["mention_id"].astype(str).tolist(),
                "theme_id": np.asarray(assigned, dtype="int64"),
                "theme_confidence": np.asarray(confidence, dtype="float64"),
            }
        )
        _sync_run(store, run_id, model, assignments)
    return int(theme_id)


__all__ = [
    "add_seed",
    "check_text",
    "edit",
    "merge",
    "model_dir",
    "move",
    "rename",
    "set_owner",
    "split",
]
