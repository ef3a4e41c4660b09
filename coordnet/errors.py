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
    """The output folder or file cannot be written (nor the temporary files of tables
    spilled to disk)."""


class CoordnetWarning(UserWarning):
    """A result that is valid but worth a second look (no clusters, very few rows …)."""


def require_columns(df: object, name: str, columns: tuple[str, ...], what: str,
                    hint: str | None = None) -> None:
    """Raise an :class:`InputError` unless ``df`` is a pandas DataFrame with ``columns``:
    the message names the argument (``name``: ``what``) and the columns it lacks, instead
    of a KeyError further in. ``hint``: the fix (default: the columns to pass)."""
    import pandas as pd

    if not isinstance(df, pd.DataFrame):
        raise InputError(f"{name} must be a pandas DataFrame ({what}), got {type(df).__name__}.",
                         hint=hint)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise InputError(f"{name} has no {', '.join(repr(c) for c in missing)} column"
                         f"{'s' if len(missing) > 1 else ''}: expected {what}, with columns "
                         f"{', '.join(columns)}.",
                         hint=hint or f"pass a table with the columns {', '.join(columns)}")
