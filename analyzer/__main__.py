"""``python -m analyzer`` runs the ``cxa`` command line."""

from analyzer.cli import run

run()
