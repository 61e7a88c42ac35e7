"""cx-analyzer: an offline customer-feedback analyzer.

Themes, per-mention sentiment and their impact on NPS / CSAT / CES, computed on
your own machine. The library never imports the service or the CLI.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
