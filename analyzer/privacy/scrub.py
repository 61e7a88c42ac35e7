"""The files that keep a respondent's words or id beside the store, and how each is cleaned.

Used by :mod:`analyzer.privacy.forget` (forgetting a respondent, text retention):

- theme model folders: ``model.json`` quotes example mentions;
- Parquet outputs (``cxa analyze --out``, ``cxa score``, batch parts) under the store's folder
  and the scored exports' output folders, and the ``rejects.csv`` beside them;
- the embedding cache (keyed by the SHA-256 of each embedded text);
- theme reports (``report.html``) under the same folders: a report of a run that lost text is
  replaced by a short page saying so (the report package writes it again, see
  :func:`analyzer.report.rewrite_reports`).
"""

from __future__ import annotations

import html
import json
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer.store import Store
from analyzer.text.spreadsheet import spreadsheet_safe

IdMatch = Callable[[pd.Series], pd.Series]
"""Which values of a ``response_id`` column belong to the forgotten respondent."""

_REPORT_TITLE = re.compile(r"<title>Customer feedback report · (.{1,300}?)</title>")
STALE_REPORT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="generator" content="cx-analyzer">
<title>Customer feedback report · {run} (withdrawn)</title></head>
<body><h1>This report was withdrawn</h1>
<p>Text it quoted was removed from run <code>{run}</code> after it was written (a respondent
was forgotten, or old text was purged). Write it again from the store:
<code>cxa report {run} --db STORE --out {name}</code>.</p></body></html>
"""


def cache_key(text: str) -> str:
    """The embedding cache's key of ``text`` (see :class:`analyzer.embed.CachedEmbedder`)."""
    from analyzer.embed import CachedEmbedder

    return str(CachedEmbedder._key(text))


def atomic_write(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` (a temporary file beside it, renamed over it)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def filtered(examples: list[Any], texts: set[str], replace: str | None) -> list[Any]:
    """``examples`` without (or with ``replace`` instead of) the ones in ``texts``."""
    if replace is None:
        return [e for e in examples if str(e) not in texts]
    return [replace if str(e) in texts else e for e in examples]


def model_dirs(store: Store, runs: list[str]) -> list[Path]:
    """The theme model folders of ``runs`` and of every scored export that still exist."""
    dirs = []
    for run_id in runs:
        folder = str(store.run_meta(run_id)["info"].get("model_dir") or "")
        if folder and Path(folder).is_dir():
            dirs.append(Path(folder))
    for model in store.list_scored()["model"].astype(str):
        if model and Path(model).is_dir():
            dirs.append(Path(model))
    return list(dict.fromkeys(dirs))


def scrub_model(folder: Path, texts: set[str], replace: str | None) -> bool:
    """Remove quoted texts from a theme model's ``model.json`` examples (rewritten atomically)."""
    from analyzer.themes.persist import MODEL_JSON

    path = folder / MODEL_JSON
    if not path.is_file() or not texts:
        return False
    meta = json.loads(path.read_text("utf-8"))
    changed = False
    for theme in meta.get("themes", []):
        examples = list(theme.get("examples") or [])
        kept = filtered(examples, texts, replace)
        if kept != examples:
            theme["examples"], changed = kept, True
    if changed:
        atomic_write(path, json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8"))
    return changed


def output_roots(store: Store) -> list[Path]:
    """Folders whose files may hold respondents: the store's, and each scored export's
    output folder (recorded by ``cxa score``)."""
    roots = [store.path.parent]
    with store.connect() as con:
        infos = con.execute("SELECT info FROM scored_exports").fetchall()
    for (raw,) in infos:
        out = json.loads(raw or "{}").get("out")
        if out and Path(out).is_dir():
            roots.append(Path(out))
    return list(dict.fromkeys(p.resolve() for p in roots))


def _files(roots: Iterable[Path], pattern: str) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        files += sorted(Path(root).rglob(pattern))
    return list(dict.fromkeys(files))


def _write_parquet(path: Path, frame: pd.DataFrame) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _scrub_table(
    frame: pd.DataFrame, match: IdMatch | None, texts: set[str], replace: str | None
) -> pd.DataFrame:
    """``frame`` without the respondent's rows, texts and quoted examples."""
    if match is not None and "response_id" in frame:
        frame = frame[~match(frame["response_id"].astype(str))]
    for column in ("comment", "text"):
        if column in frame and texts and replace is not None:
            hit = frame[column].astype(str).isin(texts)
            if hit.any():
                frame = frame.copy()
                frame.loc[hit, column] = replace
    if "examples" in frame and texts:
        frame = frame.copy()
        frame["examples"] = [filtered(list(e), texts, replace) for e in frame["examples"]]
    return frame


def _respondent_rows(files: list[Path], match: IdMatch) -> set[int]:
    """Row numbers of the respondent's responses in these Parquet files (two columns read)."""
    import pyarrow.parquet as pq

    rows: set[int] = set()
    for path in files:
        if {"response_id", "row"} <= set(pq.read_schema(path).names):
            ids = pd.read_parquet(path, columns=["response_id", "row"])
            rows |= set(ids.loc[match(ids["response_id"].astype(str)), "row"].astype(int))
    return rows


def scrub_parquet(
    roots: Iterable[Path], match: IdMatch | None, texts: set[str], replace: str | None
) -> list[str]:
    """Rewrite every Parquet file under ``roots`` without the respondent's rows and texts.

    A rejects table (``row`` but no ``response_id``) loses the rows of the respondent's
    responses found in the same folder: both were read from the same export, so their row
    numbers agree. A ``rejects.csv`` beside a changed ``rejects.parquet`` is written again.
    Returns the files changed.
    """
    changed: list[str] = []
    files = _files(roots, "*.parquet")
    for folder in dict.fromkeys(p.parent for p in files):
        here = [p for p in files if p.parent == folder]
        rows = _respondent_rows(here, match) if match is not None else set()
        for path in here:
            frame = pd.read_parquet(path)
            after = _scrub_table(frame, match, texts, replace)
            if rows and "row" in after and "response_id" not in after:
                after = after[~after["row"].astype(int).isin(rows)]
            if after.equals(frame):
                continue
            _write_parquet(path, after)
            changed.append(str(path))
            beside = path.with_suffix(".csv")
            if path.name == "rejects.parquet" and beside.is_file():
                spreadsheet_safe(after).to_csv(beside, index=False)
                changed.append(str(beside))
    return changed


def cache_files(cache_dir: Path | None = None) -> list[Path]:
    """The embedding cache's SQLite files (one per embedding model)."""
    if cache_dir is None:
        from analyzer.config import cache_dir as default

        cache_dir = default() / "embeddings"
    return sorted(Path(cache_dir).glob("embeddings-*.sqlite")) if Path(cache_dir).is_dir() else []


def scrub_cache(texts: set[str], cache_dir: Path | None) -> int:
    """Delete the cache entries of ``texts`` (then VACUUM, so no freed page keeps them)."""
    keys = [cache_key(t) for t in texts]
    removed = 0
    for path in cache_files(cache_dir):
        con = sqlite3.connect(path)
        try:
            for start in range(0, len(keys), 900):
                chunk = keys[start : start + 900]
                marks = ",".join("?" * len(chunk))
                removed += con.execute(f"DELETE FROM vec WHERE key IN ({marks})", chunk).rowcount
            con.commit()
            con.execute("VACUUM")
        finally:
            con.close()
    return removed


def report_run(path: Path) -> str | None:
    """The run a theme report (``cxa analyze`` / ``cxa report``) was written from, read from
    its title; ``None`` for any other HTML file."""
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    found = _REPORT_TITLE.search(head)
    if found is None or "cx-analyzer" not in head or "(withdrawn)" in found.group(1):
        return None
    return html.unescape(found.group(1))


def withdraw_reports(roots: Iterable[Path], runs: Iterable[str]) -> list[tuple[str, str]]:
    """Replace every theme report of ``runs`` under ``roots`` by a page saying it was withdrawn
    (it quotes text that was removed). Returns ``(path, run_id)`` of each."""
    wanted = set(runs)
    withdrawn = []
    for path in _files(roots, "*.html"):
        run = report_run(path)
        if run is not None and run in wanted:
            page = STALE_REPORT.format(run=html.escape(run), name=html.escape(path.name))
            atomic_write(path, page.encode("utf-8"))
            withdrawn.append((str(path), run))
    return withdrawn


__all__ = [
    "STALE_REPORT",
    "atomic_write",
    "cache_files",
    "cache_key",
    "filtered",
    "model_dirs",
    "output_roots",
    "report_run",
    "scrub_cache",
    "scrub_model",
    "scrub_parquet",
    "withdraw_reports",
]
