"""One object holds every default coordnet uses.

The command-line options are generated from the fields of :class:`Config` (their
``metadata`` carries the option name and help text), and ``summary.json`` records the
config of each run, so the README, ``--help`` and a run's manifest cannot disagree.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ConfigError

__all__ = ["Config", "ACTION_TYPES"]

#: The action types coordnet knows, in canonical spelling.
ACTION_TYPES: tuple[str, ...] = ("retweet", "quote", "reply", "mention")


def _opt(default: Any, help: str, *, cli: bool = True, metavar: str | None = None,
         stage: str = "graph", choices: tuple[str, ...] | None = None) -> Any:
    return field(default=default, metadata={"help": help, "cli": cli, "metavar": metavar,
                                            "stage": stage, "choices": choices})


def _default(name: str) -> Any:
    """The default of the field ``name`` of :class:`Config`."""
    return Config.__dataclass_fields__[name].default


#: The engines of the heavy relational steps (all give identical results).
ENGINES: tuple[str, ...] = ("duckdb", "numpy", "spark")


@dataclass(frozen=True)
class Config:
    """Every tunable default of a coordnet run.

    Parameters
    ----------
    window : float
        Co-action window τ in seconds. Two actions on the same object are
        co-actions when their times differ by **at most** ``window`` (inclusive).
    action_types : tuple of str
        Which action types form the co-action network (``retweet`` gives the
        co-retweet network of Keller et al. 2020 and CooRTweet).
    max_rejected : float
        Largest fraction of unparseable rows tolerated when reading; above it
        reading stops with an error instead of analysing a mostly broken file.
    seed : int
        Seed for every random step (community detection, layouts, permutations).
    windows : tuple of float
        Time scales τ (s) of the synchrony test (layer T).
    min_repeat : int
        Least number of co-timed objects (layer T) or amplifications (layer R) for a pair.
    alpha : float
        Benjamini–Hochberg false-discovery rate for pairs and edges.
    max_object_accounts : int
        Objects with more distinct accounts than this are left out of layer T.
    resolution : float
        Leiden–CPM γ.
    leiden_runs : int
        Leiden runs to convergence per resolution, seeded ``seed``, ``seed`` + 1, …; the
        partition of highest CPM quality is kept.
    min_cluster_size : int
        Least number of amplifiers in a flagged cluster.
    alpha_cluster : float
        Cluster-level significance (Bonferroni over candidate clusters).
    engine : {"duckdb", "numpy", "spark"}
        Where the heavy relational steps run (the windowed co-action join and its
        aggregations); all engines give identical results.
    spark_master : str
        Spark master URL used with ``engine="spark"``.
    n_null : int
        Activity-matched random groups per cluster.
    null_stop : int
        A cluster stops drawing random groups once this many reached its synchrony (its
        p-value is then this number over the groups drawn: Besag & Clifford 1991); raised
        where needed so that a stopped cluster could not have been flagged with all groups
        drawn; 0: always draw all of them.
    speed_null : bool
        Re-test significant pairs against the accounts' own timing habits.
    gephi_max_edges : int
        Most edges written to each Gephi file (``graph.gexf``, ``graph.graphml``,
        ``coaction.*``); 0 = no limit. Above it the file keeps the flagged clusters'
        members' edges first, then those touching other candidate-cluster accounts, then
        the heaviest others, never more than the limit; the CSV/Parquet tables keep all.

    Examples
    --------
    >>> from coordnet import Config
    >>> Config().window
    60.0
    >>> Config(window=10).window
    10.0
    """

    window: float = _opt(60.0, "Co-action window in seconds (inclusive): two actions on the "
                         "same object are linked when their times differ by at most this.",
                         metavar="SECONDS")
    action_types: tuple[str, ...] = _opt(("retweet",), "Action types that form the co-action "
                                         "network (comma-separated: retweet, quote, reply, mention).",
                                         metavar="TYPES")
    max_rejected: float = _opt(0.05, "Largest fraction of unreadable rows accepted before "
                               "reading stops with an error (0 to 1).", metavar="FRACTION")
    seed: int = _opt(42, "Seed for every random step, so runs are reproducible.")
    windows: tuple[float, ...] = _opt((10.0, 60.0, 300.0, 1800.0), "Time scales (seconds) at which "
                                      "synchrony is tested; the smallest p-value is kept (Bonferroni).",
                                      metavar="SECONDS", stage="detect")
    min_repeat: int = _opt(3, "Least number of distinct objects (or amplifications) a pair must "
                           "share before it can be called significant.", stage="detect")
    alpha: float = _opt(0.01, "False-discovery rate (Benjamini-Hochberg) for significant pairs and "
                        "amplification edges.", metavar="FDR", stage="detect")
    max_object_accounts: int = _opt(500, "Objects acted on by more accounts than this (organic "
                                    "virality) are left out of the synchrony test.", stage="detect")
    resolution: float = _opt(0.5, "Leiden-CPM resolution: least internal density of significant "
                             "links in a cluster (0 to 1).", metavar="GAMMA", stage="detect")
    leiden_runs: int = _opt(3, "Leiden runs per resolution (seeds --seed, --seed + 1, ...); the "
                            "partition of highest CPM quality is kept. One run is a local optimum "
                            "that depends on the order accounts are visited in; more runs make "
                            "the clusters less dependent on it, fewer are faster.", metavar="N",
                            stage="detect")
    min_cluster_size: int = _opt(4, "Least number of amplifier accounts for a cluster to be "
                                 "flagged.", stage="detect")
    alpha_cluster: float = _opt(0.01, "Largest cluster p-value (Bonferroni over candidate clusters) "
                                "against activity-matched random groups for a cluster to be "
                                "flagged.", metavar="P", stage="detect")
    engine: str = _opt("duckdb", "Engine of the heavy relational steps (the windowed co-action "
                       "join and its aggregations): duckdb (embedded; tables too large for the "
                       "memory spill to disk), numpy (the compiled sweep only, never DuckDB) or "
                       "spark (Apache Spark; see --spark-master).",
                       choices=ENGINES)
    spark_master: str = _opt("local[*]", "Spark master URL for --engine spark: local[*] (this "
                             "machine), spark://HOST:7077, yarn, k8s://…", metavar="URL")
    n_null: int = _opt(500, "Activity-matched random groups drawn per candidate cluster.",
                       stage="detect")
    null_stop: int = _opt(10, "A cluster stops drawing random groups once this many of them reached "
                          "its synchrony (its p-value is then this number / the groups drawn; "
                          "raised where needed so that such a cluster could not have been "
                          "flagged with all of them drawn); 0 = always draw --n-null.",
                          stage="detect")
    speed_null: bool = _opt(True, "Also test each significant pair against the two accounts' own "
                            "timing habits (their delays on posts outside their suspected group), "
                            "so that accounts are not linked merely for both being fast.",
                            stage="detect")
    gephi_max_edges: int = _opt(500_000, "Most edges written to each Gephi file (GEXF, GraphML); "
                                "0 = no limit. Above it the file keeps the flagged clusters' "
                                "members' edges first, then those of other candidate-cluster "
                                "accounts, then the heaviest others (ties by source, target), "
                                "never more; the CSV and Parquet tables keep every edge.",
                                metavar="N")

    def __post_init__(self) -> None:
        eng = str(self.engine).strip().lower()
        if eng not in ENGINES:
            raise ConfigError(f"engine must be duckdb, numpy or spark, got {self.engine!r}.",
                              hint="use --engine duckdb (the default), numpy or spark")
        object.__setattr__(self, "engine", eng)
        if not isinstance(self.spark_master, str) or not self.spark_master.strip():
            raise ConfigError(f"spark_master must be a Spark master URL, got {self.spark_master!r}.",
                              hint="use for example --spark-master 'local[*]' or spark://host:7077")
        try:
            window = float(self.window)
        except (TypeError, ValueError):
            raise ConfigError(f"window must be a number of seconds, got {self.window!r}.") from None
        if not window >= 0 or window == float("inf"):
            raise ConfigError(f"window must be a finite number of seconds ≥ 0, got {self.window!r}.",
                              hint="use for example --window 60")
        object.__setattr__(self, "window", window)
        types = self.action_types
        if isinstance(types, str):
            types = tuple(t.strip() for t in types.split(",") if t.strip())
        types = tuple(str(t).strip().lower() for t in types)
        unknown = [t for t in types if t not in ACTION_TYPES]
        if not types or unknown:
            raise ConfigError(f"unknown action type(s) {unknown or types!r}.",
                              hint=f"choose among {', '.join(ACTION_TYPES)}")
        object.__setattr__(self, "action_types", types)
        try:
            mr = float(self.max_rejected)
        except (TypeError, ValueError):
            raise ConfigError(f"max_rejected must be a fraction, got {self.max_rejected!r}.") from None
        if not 0 <= mr <= 1:
            raise ConfigError(f"max_rejected must be between 0 and 1, got {self.max_rejected!r}.",
                              hint="use for example --max-rejected 0.05 (5 %)")
        object.__setattr__(self, "max_rejected", mr)
        if not isinstance(self.speed_null, (bool, np.bool_)):
            raise ConfigError(f"speed_null must be true or false, got {self.speed_null!r}.")
        object.__setattr__(self, "speed_null", bool(self.speed_null))
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise ConfigError(f"seed must be an integer, got {self.seed!r}.")
        ws = self.windows
        if isinstance(ws, str):
            ws = tuple(w for w in ws.split(",") if w.strip())
        try:
            ws = tuple(sorted({float(w) for w in ws}))
        except (TypeError, ValueError):
            raise ConfigError(f"windows must be numbers of seconds, got {self.windows!r}.",
                              hint="use for example --windows 10,60,300,1800") from None
        if not ws or any(not (0 <= w < float("inf")) for w in ws):
            raise ConfigError(f"windows must be finite numbers of seconds ≥ 0, got {self.windows!r}.")
        object.__setattr__(self, "windows", ws)
        for name, lo, hi in (("alpha", 0, 1), ("alpha_cluster", 0, 1), ("resolution", 0, 1)):
            v = getattr(self, name)
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise ConfigError(f"{name} must be a number, got {v!r}.") from None
            if not lo < v <= hi:
                raise ConfigError(f"{name} must be in ({lo}, {hi}], got {v!r}.",
                                  hint=f"use --{name.replace('_', '-')} with a number above {lo}, at "
                                       f"most {hi} (default {_default(name)})")
            object.__setattr__(self, name, v)
        for name, lo in (("min_repeat", 1), ("max_object_accounts", 2), ("leiden_runs", 1), ("min_cluster_size", 2),
                         ("n_null", 10), ("null_stop", 0), ("gephi_max_edges", 0)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < lo:
                raise ConfigError(f"{name} must be a whole number ≥ {lo}, got {v!r}.",
                                  hint=f"use --{name.replace('_', '-')} with a whole number ≥ {lo} "
                                       f"(default {_default(name)})")
            object.__setattr__(self, name, int(v))

    def replace(self, **changes: Any) -> "Config":
        """Return a copy with some fields changed (validated again)."""
        names = {f.name for f in dataclasses.fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise ConfigError(f"unknown parameter(s): {', '.join(unknown)}.",
                              hint=f"valid parameters: {', '.join(sorted(names))}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The config as plain JSON-serialisable values."""
        out = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            out[f.name] = list(v) if isinstance(v, tuple) else v
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Config":
        """Build a config from :meth:`to_dict` output."""
        d = dict(d)
        for k in ("action_types", "windows"):
            if k in d and isinstance(d[k], list):
                d[k] = tuple(d[k])
        return cls().replace(**d)
