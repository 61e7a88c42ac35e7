"""The ``cxa`` command line: a thin adapter over the library.

Heavy libraries (torch, spaCy, BERTopic) are imported inside the commands that need them, so
``cxa --help`` answers at once. Each command family lives in its own module and registers
itself on the shared Typer ``app``.
"""

from analyzer.cli import analyze, tables, themes  # noqa: F401  (register the commands)
from analyzer.cli._common import app


def run() -> None:
    """Entry point used by ``python -m analyzer``."""
    app()


__all__ = ["app", "run"]
