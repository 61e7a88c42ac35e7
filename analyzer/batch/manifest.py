"""The resume manifest: which chunks of a scoring job are finished, saved atomically in OUT.

A chunk counts as finished only once its Parquet parts (and its store rows) are written;
the manifest is rewritten after each chunk through a temporary file and ``os.replace``, so
an interruption at any point leaves either the old or the new manifest, never a torn one.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analyzer.errors import UnreadableFileError

MANIFEST_FILE = "manifest.json"
VERSION = 1


@dataclass
class Manifest:
    """State of one scoring job in an output folder.

    Attributes
    ----------
    fingerprint : str
        Export bytes + theme model (see :func:`analyzer.batch.fingerprint.export_fingerprint`).
    settings : dict
        Everything else that changes the output (chunk size, embedder, sentiment, spaCy
        model, database); a resumed job must have the same.
    chunks : dict of str to dict
        Finished chunks by index: ``{"responses": n, "mentions": n, "rejects": n}``.
    segments, metrics : list of str
        Column roles found by ingest (the same for every chunk).
    complete : bool
        Every chunk is finished and the merged files are written.
    """

    fingerprint: str
    settings: dict[str, Any]
    chunks: dict[str, dict[str, int]] = field(default_factory=dict)
    segments: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    complete: bool = False
    version: int = VERSION

    def finished(self) -> set[int]:
        """Indices of the finished chunks."""
        return {int(i) for i in self.chunks}

    def resumes(self, fingerprint: str, settings: dict[str, Any]) -> bool:
        """Whether a job with ``fingerprint`` and ``settings`` can continue this one."""
        same = self.fingerprint == fingerprint and self.settings == settings
        return same and self.version == VERSION and not self.complete

    def save(self, out: Path) -> None:
        """Write the manifest to ``out/manifest.json`` atomically."""
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / f".{MANIFEST_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(asdict(self), indent=1, sort_keys=True))
        os.replace(tmp, out / MANIFEST_FILE)

    @classmethod
    def load(cls, out: Path) -> Manifest | None:
        """The manifest in ``out``, or ``None`` when there is none."""
        path = out / MANIFEST_FILE
        if not path.exists():
            return None
        try:
            return cls(**json.loads(path.read_text()))
        except (OSError, ValueError, TypeError) as exc:
            raise UnreadableFileError(
                f"{path} is not a scoring manifest ({exc}). Delete it (the job then starts "
                "over) or pass a fresh --out folder."
            ) from exc
