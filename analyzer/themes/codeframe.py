"""An analyst's codeframe: edits to the themes a model found, kept as versioned JSON.

The codeframe never changes the model's centroids by itself; it is a layer applied to
every output: merged ids map to the surviving id, renamed labels and owners are shown,
moved themes hang under their new parent. Splits and seed themes do need new centroids:
:meth:`ThemeModel.split` and :meth:`ThemeModel.add_seed` compute them and record the
edit here. Every edit is appended to ``history`` as ``{timestamp, action, args}``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.errors import InputError, ModelError

__all__ = ["CODEFRAME_VERSION", "Codeframe", "SeedTheme"]

CODEFRAME_VERSION = 1


@dataclass
class SeedTheme:
    """A theme the analyst asked for: a name and example phrases (guided topic modelling)."""

    name: str
    phrases: list[str]
    theme_id: int | None = None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _int_keys(raw: dict[str, Any]) -> dict[int, Any]:
    return {int(k): v for k, v in raw.items()}


@dataclass
class Codeframe:
    """Renames, merges, splits, moves, owners and seed themes, with an edit history.

    Attributes
    ----------
    labels : dict theme id -> label shown instead of the model's
    merges : dict absorbed theme id -> id it was merged into
    parents : dict theme id -> parent id it was moved under
    parent_labels : dict parent id -> label (new parents created by :meth:`move`)
    owners : dict theme id -> owning team (None clears it)
    splits : dict theme id -> ids of the themes it was split into
    seeds : seed themes (name + phrases; ``theme_id`` once the model made them)
    history : one ``{"timestamp", "action", "args"}`` dict per edit
    """

    labels: dict[int, str] = field(default_factory=dict)
    merges: dict[int, int] = field(default_factory=dict)
    parents: dict[int, int] = field(default_factory=dict)
    parent_labels: dict[int, str] = field(default_factory=dict)
    owners: dict[int, str | None] = field(default_factory=dict)
    splits: dict[int, list[int]] = field(default_factory=dict)
    seeds: list[SeedTheme] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    version: int = CODEFRAME_VERSION

    # -- edits -----------------------------------------------------------------------
    def _log(self, action: str, **args: Any) -> None:
        self.history.append({"timestamp": _now(), "action": action, "args": args})

    def rename(self, theme_id: int, label: str) -> None:
        """Show ``label`` for ``theme_id`` (and for themes merged into it)."""
        label = " ".join(str(label).split())
        if not label or len(label) > 80:
            raise InputError(f"Theme label {label!r} must have 1 to 80 characters.")
        self.labels[int(theme_id)] = label
        self._log("rename", theme_id=int(theme_id), label=label)

    def merge(self, theme_ids: Iterable[int], *, into: int | None = None) -> int:
        """Merge ``theme_ids`` into ``into`` (default: the first id); return the survivor."""
        ids = [int(t) for t in theme_ids]
        if len(ids) + (into is not None) < 2:
            raise InputError(f"Merging needs at least two themes; got {ids} into {into}.")
        survivor = self.resolve(ids[0] if into is None else int(into))
        for t in ids:
            if self.resolve(t) != survivor:
                self.merges[self.resolve(t)] = survivor
        self._log("merge", theme_ids=ids, into=survivor)
        return survivor

    def record_split(self, theme_id: int, into: list[int]) -> None:
        """Record that ``theme_id`` was split into ``into`` (see ``ThemeModel.split``)."""
        self.splits[int(theme_id)] = [int(t) for t in into]
        self._log("split", theme_id=int(theme_id), into=[int(t) for t in into])

    def move(self, theme_id: int, parent: int | str) -> int:
        """Move ``theme_id`` under parent id ``parent``, or under a new parent named so.

        Returns the parent id.
        """
        if isinstance(parent, str):
            existing = {v: k for k, v in self.parent_labels.items()}
            if parent in existing:
                pid = existing[parent]
            else:
                pid = max([999, *self.parent_labels]) + 1  # well clear of fitted parents
                self.parent_labels[pid] = parent
        else:
            pid = int(parent)
        self.parents[int(theme_id)] = pid
        self._log("move", theme_id=int(theme_id), parent=parent, parent_id=pid)
        return pid

    def set_owner(self, theme_id: int, owner: str | None) -> None:
        """Make ``owner`` (a team name) responsible for ``theme_id``; None clears it."""
        self.owners[int(theme_id)] = owner or None
        self._log("owner", theme_id=int(theme_id), owner=owner or None)

    def add_seed(self, name: str, phrases: list[str]) -> SeedTheme:
        """Ask for a theme called ``name`` described by example ``phrases``."""
        phrases = [p.strip() for p in phrases if p and p.strip()]
        if not name.strip() or not phrases:
            raise InputError(f"A seed theme needs a name and phrases; got {name!r}, {phrases}.")
        seed = SeedTheme(name=name.strip(), phrases=phrases)
        self.seeds.append(seed)
        self._log("seed", name=seed.name, phrases=phrases)
        return seed

    # -- reading ---------------------------------------------------------------------
    def resolve(self, theme_id: int) -> int:
        """Follow merges from ``theme_id`` to the surviving id."""
        seen, current = set(), int(theme_id)
        while current in self.merges and current not in seen:
            seen.add(current)
            current = self.merges[current]
        return current

    def map_ids(self, theme_ids: np.ndarray) -> np.ndarray:
        """Replace merged ids by their survivor; -1 stays -1. Shape is kept."""
        ids = np.asarray(theme_ids, dtype=np.int64)
        if not self.merges:
            return ids.copy()
        lookup = {t: self.resolve(t) for t in np.unique(ids).tolist()}
        return np.vectorize(lambda t: lookup[t], otypes=[np.int64])(ids) if ids.size else ids

    def apply_to_table(self, themes: pd.DataFrame) -> pd.DataFrame:
        """Return the ``themes`` table as the analyst edited it (merges, labels, ...)."""
        out = themes.copy()
        out["survivor"] = [self.resolve(t) for t in out["theme_id"]]
        sizes = out.groupby("survivor")["size"].sum()
        words = out.groupby("survivor", sort=False)["keywords"].agg(
            lambda ks: list(dict.fromkeys(w for k in ks for w in k))[:10]
        )
        out = out[out["theme_id"] == out["survivor"]].drop(columns="survivor")
        out["size"] = out["theme_id"].map(sizes).astype("int64")
        out["keywords"] = out["theme_id"].map(words)
        out["label"] = [
            self.labels.get(t, lab) for t, lab in zip(out.theme_id, out.label, strict=True)
        ]
        out["owner"] = [self.owners.get(t, o) for t, o in zip(out.theme_id, out.owner, strict=True)]
        known = dict(zip(out["parent_id"], out["parent_label"], strict=False))
        known.update(self.parent_labels)
        out["parent_id"] = [
            self.parents.get(t, p) for t, p in zip(out.theme_id, out.parent_id, strict=True)
        ]
        out["parent_label"] = [known.get(p, "") if p >= 0 else "" for p in out["parent_id"]]
        out = out.sort_values(["size", "theme_id"], ascending=[False, True], kind="stable")
        return out.reset_index(drop=True)

    # -- JSON ------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (integer keys become strings)."""
        data = asdict(self)
        for key in ("labels", "merges", "parents", "parent_labels", "owners", "splits"):
            data[key] = {str(k): v for k, v in data[key].items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Codeframe:
        """Rebuild a codeframe from :meth:`to_dict` output; ModelError if it can't."""
        if data.get("version") != CODEFRAME_VERSION:
            raise ModelError(
                f"Codeframe version {data.get('version')!r} is not supported "
                f"(expected {CODEFRAME_VERSION}); re-create it with this analyzer version."
            )
        try:
            return cls(
                labels={k: str(v) for k, v in _int_keys(data["labels"]).items()},
                merges={k: int(v) for k, v in _int_keys(data["merges"]).items()},
                parents={k: int(v) for k, v in _int_keys(data["parents"]).items()},
                parent_labels={k: str(v) for k, v in _int_keys(data["parent_labels"]).items()},
                owners=_int_keys(data["owners"]),
                splits={k: [int(t) for t in v] for k, v in _int_keys(data["splits"]).items()},
                seeds=[SeedTheme(**s) for s in data["seeds"]],
                history=list(data["history"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"Codeframe is corrupt ({exc!r}); delete or restore it.") from exc

    def save(self, path: str | Path) -> Path:
        """Write the codeframe as JSON to ``path``; return the path."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False), "utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> Codeframe:
        """Read a codeframe written by :meth:`save`; ModelError if missing or corrupt."""
        path = Path(path)
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ModelError(f"Cannot read codeframe {path}: {exc}.") from exc
        if not isinstance(data, dict):
            raise ModelError(f"Codeframe {path} is not a JSON object.")
        return cls.from_dict(data)
