"""The ``cxa`` command line: a thin adapter over the library.

Heavy libraries (torch, spaCy, BERTopic) are imported inside the commands that need them, so
``cxa --help`` answers at once. Each command family lives in its own module and registers
itself on the shared Typer ``app``. Commands from other packages (the service's ``cxa serve``)
are plug-ins: callables named in the ``cxa.commands`` entry-point group that take the app.
"""

from importlib.metadata import entry_points

from analyzer.cli import actions, analyze, forget, keys, score, tables, themes  # noqa: F401  (register the commands)
from analyzer.cli._common import app, reflow_help

for _plugin in sorted(entry_points(group="cxa.commands"), key=lambda e: e.name):
    _plugin.load()(app)
reflow_help(app)


def run() -> None:
    """Entry point used by ``python -m analyzer``."""
    app()


__all__ = ["app", "run"]
