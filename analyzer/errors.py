"""Every error the analyzer raises on purpose.

The tree is small so that callers (the CLI, the API) can map it in one place::

    AnalyzerError                 base class; never raised by itself
    ├── InputError                the user's input is wrong; the message says how to fix it
    │   ├── UnreadableFileError   the file cannot be opened or parsed (format, encoding, corruption)
    │   ├── ColumnError           a required column is missing, or a mapping names an unknown column
    │   └── ConfigError           an option or config value is not valid
    ├── ModelError                a model artifact is missing, incompatible or corrupt
    ├── StoreBusyError            the store file stayed locked by another process too long
    ├── NotFittedError            a model method that needs ``fit`` was called first
    └── NotFoundError             a run, theme or other stored object does not exist

Every message says what was received, what was expected, and how to fix it.
"""

from __future__ import annotations


class AnalyzerError(Exception):
    """Base class of every error raised on purpose by the analyzer."""


class InputError(AnalyzerError, ValueError):
    """The user's input cannot be used as given."""


class UnreadableFileError(InputError):
    """A file cannot be opened or parsed."""


class ColumnError(InputError):
    """A required column is missing or a column mapping is wrong."""


class ConfigError(InputError):
    """An option or configuration value is not valid."""


class ModelError(AnalyzerError):
    """A saved model is missing, incompatible or corrupt."""


class StoreBusyError(AnalyzerError):
    """The store's database file stayed locked by another process past the wait limit."""


class NotFittedError(AnalyzerError, AttributeError):
    """A method that needs a fitted model was called before ``fit``."""


class NotFoundError(AnalyzerError, LookupError):
    """A stored object (run, theme, ...) does not exist."""


__all__ = [
    "AnalyzerError",
    "ColumnError",
    "ConfigError",
    "InputError",
    "ModelError",
    "NotFittedError",
    "NotFoundError",
    "StoreBusyError",
    "UnreadableFileError",
]
