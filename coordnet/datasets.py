"""Tiny bundled data for examples, doctests and tests.

``toy.csv`` is synthetic (no real accounts): five ``squad_*`` accounts retweet each
other's posts within seconds of each other, four times in two hours, among a light
organic background of ``user_*`` accounts retweeting ``news_*`` accounts at human pace,
plus a few mentions and replies (one a self-mention).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["toy_path", "toy_actions"]


def toy_path() -> Path:
    """Path of the bundled synthetic ``toy.csv``.

    Examples
    --------
    >>> toy_path().name
    'toy.csv'
    """
    return Path(str(resources.files("coordnet") / "data" / "toy.csv"))


def toy_actions() -> pd.DataFrame:
    """The toy data as a canonical actions table.

    Examples
    --------
    >>> acts = toy_actions()
    >>> len(acts), acts["source"].nunique()
    (36, 14)
    """
    from .io import read_actions

    return read_actions(toy_path()).actions
