"""The one error contract of coordnet.

Every exception the library raises on purpose derives from :class:`CoordnetError`.
The command-line interface maps them to a short message and exit status 1; anything
else is a bug and is reported as such.
"""

from __future__ import annotations

__all__ = [
    "CoordnetError",
    "InputError",
    "ConfigError",
    "MissingDependencyError",
    "OutputError",
    "CoordnetWarning",
]


class CoordnetError(Exception):
    """Base class of every error coordnet raises deliberately.

    Parameters
    ----------
    message : str
        What is wrong, in one sentence a non-programmer can read.
    hint : str, optional
        How to fix it (shown after the message by the CLI).
    """

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\nFix: {self.hint}"
        return self.message


class InputError(CoordnetError, ValueError):
    """The input file or table cannot be used as it is (names the file, column or row)."""


class ConfigError(CoordnetError, ValueError):
    """A parameter is out of range or parameters contradict each other."""


class MissingDependencyError(CoordnetError, ImportError):
    """An optional package needed for the requested feature is not installed."""


class OutputError(CoordnetError, OSError):
    """The output folder or file cannot be written."""


class CoordnetWarning(UserWarning):
    """A result that is valid but worth a second look (no clusters, very few rows …)."""
