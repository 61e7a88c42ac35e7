"""Named points where a fault-injection test can stop a real process, and nothing else.

Production code calls :func:`point` at moments worth testing a crash at (during ingest,
during embedding, inside a store transaction before it commits, between a model folder
swap and its store update). It does nothing unless the environment variable
``CXA_PAUSE_AT`` names that point: then the process writes the file ``CXA_PAUSE_MARKER``
(its pid) and sleeps, so the test can see it arrived and kill it with SIGKILL, exactly as
a crash or ``kill -9`` would, at a known place. Only tests set these variables.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

PAUSE_AT = "CXA_PAUSE_AT"
PAUSE_MARKER = "CXA_PAUSE_MARKER"


def point(name: str) -> None:
    """Pause here forever (until killed) when ``$CXA_PAUSE_AT`` equals ``name``."""
    if os.environ.get(PAUSE_AT) != name:
        return
    marker = os.environ.get(PAUSE_MARKER)
    if marker:
        tmp = Path(f"{marker}.{os.getpid()}.tmp")
        tmp.write_text(str(os.getpid()))
        os.replace(tmp, marker)
    while True:
        time.sleep(60)


__all__ = ["PAUSE_AT", "PAUSE_MARKER", "point"]
