"""Tiny bundled data for examples, doctests and tests.

``toy.csv`` is synthetic (no real accounts): five ``squad_*`` accounts retweet each
other's posts within seconds of each other, four times in two hours, among a light
organic background of ``user_*`` accounts retweeting ``news_*`` accounts at human pace,
plus a few mentions and replies (one a self-mention). Too small for a calibrated test to
flag anything: it is for learning the graphs.

``campaign.csv`` is a small synthetic campaign (``examples/make_campaign.py``): 300
organic ``org_*`` accounts retweeting at human pace in like-minded communities, one
organic viral post, and 8 ``squad_*`` accounts retweeting each other's 15 posts within
seconds during two hours. ``coordnet.analyze`` flags the squad and nothing else.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["toy_path", "toy_actions", "campaign_path", "campaign_actions"]


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


def campaign_path() -> Path:
    """Path of the bundled synthetic ``campaign.csv``.

    Examples
    --------
    >>> campaign_path().name
    'campaign.csv'
    """
    return Path(str(resources.files("coordnet") / "data" / "campaign.csv"))


def campaign_actions() -> pd.DataFrame:
    """The synthetic campaign as a canonical actions table.

    Examples
    --------
    >>> acts = campaign_actions()
    >>> len(acts), int(acts["source"].str.startswith("squad_").sum())
    (1706, 105)
    """
    from .io import read_actions

    return read_actions(campaign_path()).actions
