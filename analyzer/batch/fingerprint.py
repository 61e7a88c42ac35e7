"""What identifies a scoring job: the export's bytes and the theme model that scores it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from analyzer.errors import UnreadableFileError

_BLOCK = 1 << 22


@dataclass(frozen=True)
class FileDigest:
    """sha256 of a file's bytes and its number of line breaks (a row-count estimate)."""

    sha256: str
    newlines: int
    size: int


def digest_file(path: str | Path) -> FileDigest:
    """Hash ``path`` in 4 MiB blocks (constant memory) and count its line breaks."""
    path = Path(path)
    sha, newlines = hashlib.sha256(), 0
    try:
        with path.open("rb") as fh:
            while block := fh.read(_BLOCK):
                sha.update(block)
                newlines += block.count(b"\n")
    except OSError as exc:
        raise UnreadableFileError(f"{path}: cannot read the export ({exc}).") from exc
    return FileDigest(sha256=sha.hexdigest(), newlines=newlines, size=path.stat().st_size)


def model_id(model_dir: str | Path, embedder_name: str) -> str:
    """sha256 of every file of a saved theme model, plus the name of the embedder used."""
    sha = hashlib.sha256(embedder_name.encode())
    for file in sorted(p for p in Path(model_dir).rglob("*") if p.is_file()):
        sha.update(file.relative_to(model_dir).as_posix().encode())
        sha.update(file.read_bytes())
    return sha.hexdigest()


def export_fingerprint(file_sha256: str, model: str) -> str:
    """The key of a scored export: its bytes and the model (hex, 24 characters)."""
    return hashlib.sha256(f"{file_sha256}:{model}".encode()).hexdigest()[:24]
