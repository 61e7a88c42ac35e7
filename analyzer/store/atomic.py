"""Writes that a crash cannot tear: a file or a whole folder appears complete or not at all.

A file is written under a temporary name in its folder, flushed to disk (``fsync``) and
renamed over the target; the folder is synced so the rename survives a power cut. A
folder (a saved theme model: several files that must agree) is built next to the target
and swapped in with one ``renameat2(RENAME_EXCHANGE)`` on Linux, so readers never see it
missing; elsewhere two renames are used, and a crash between them is repaired on the next
write or read (:func:`recover_dir`).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (renames, new files) to disk; a no-op where unsupported."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_stream(path: Path, stream: BinaryIO, *, chunk: int = 1024 * 1024) -> Path:
    """Copy ``stream`` to ``path`` durably: temp file, fsync, rename, fsync the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    with tmp.open("wb") as out:
        shutil.copyfileobj(stream, out, length=chunk)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)
    return path


def _fsync_tree(folder: Path) -> None:
    for file in folder.rglob("*"):
        if file.is_file():
            with file.open("rb+") as handle:
                os.fsync(handle.fileno())
    fsync_dir(folder)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux ``renameat2``); False where it is unavailable."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    done = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return done == 0


def _old(path: Path) -> Path:
    return path.with_name(f".{path.name}.old")


def recover_dir(path: Path) -> None:
    """Put back a folder that a crash left renamed away mid-swap (two-rename fallback)."""
    old = _old(path)
    if not path.exists() and old.is_dir():
        os.rename(old, path)
    elif old.exists():
        shutil.rmtree(old, ignore_errors=True)


@contextmanager
def replacing_dir(path: Path) -> Iterator[Path]:
    """Yield a staging folder holding a copy of ``path``; on success swap it in as ``path``.

    Write the folder's new files into the staging folder. If the block raises (or the
    process dies), ``path`` is left exactly as it was; the staging folder is removed on
    the next write.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    recover_dir(path)
    staging = path.with_name(f".{path.name}.new-{os.getpid()}")
    for stale in path.parent.glob(f".{path.name}.new-*"):
        shutil.rmtree(stale, ignore_errors=True)
    if path.is_dir():
        shutil.copytree(path, staging)
    else:
        staging.mkdir()
    try:
        yield staging
        _fsync_tree(staging)
        _swap_in(staging, path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, path: Path) -> None:
    if not path.exists():
        os.rename(staging, path)
    elif not _exchange(staging, path):
        old = _old(path)
        os.rename(path, old)
        os.rename(staging, path)
        shutil.rmtree(old, ignore_errors=True)
    # after an exchange, staging holds the old folder; the caller removes it
    fsync_dir(path.parent)


__all__ = ["fsync_dir", "recover_dir", "replacing_dir", "write_stream"]
