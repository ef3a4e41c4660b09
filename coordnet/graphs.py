"""Account graphs built from the canonical actions table.

Two graphs, defined exactly in ``docs/graphs.md``:

**Amplification graph** (:func:`amplification_edges`)
    Directed, weighted: an edge ``source → target`` for every pair of distinct accounts
    where ``source`` retweeted, quoted, replied to or mentioned ``target``. ``weight`` is
    the sum of the rows' weights (the number of actions); ``n_retweet`` … ``n_mention``
    split it by type; ``first_time`` / ``last_time`` bound it in time. Self-loops
    (an account amplifying itself) are left out and counted.

**Co-action network** (:func:`coaction`)
    Undirected: accounts *a* ≠ *b* are linked through object *o* when both acted on *o*
    (with an action type in ``action_types``; co-retweet by default) and the times of
    the two actions differ by **at most** the window τ (inclusive; default 60 s).
    ``n_objects`` counts the distinct objects linking them, ``n_action_pairs`` the
    qualifying action pairs. This is the co-retweet network of Keller et al. (2020),
    CooRTweet (Righetti & Balluff) and coordination-network-toolkit (Graham et al.),
    and reproduces their outputs exactly. Without ``object_id``, the object is the
    target account ("co-amplification of the same account within τ").

Pairs are enumerated only inside the window, by a sorted sweep: the actions on each
object are sorted by time and each action is paired with the following ones up to τ
later (``numpy.searchsorted``). The cost is O(N log N + P_τ) where P_τ is the number of
qualifying pairs, so a viral object with thousands of sharers spread over hours costs
only its near-simultaneous pairs, never all its pairs.

References
----------
Keller, F. B., Schoch, D., Stier, S., & Yang, J. (2020). Political astroturfing on
Twitter: How to coordinate a disinformation campaign. *Political Communication*, 37(2).
Righetti, N., & Balluff, P. (2023). CooRTweet: Coordinated networks detection on social
media. R package.
Graham, T., Bruns, A., Angus, D., et al. (2020). coordination-network-toolkit. QUT.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable, Literal, Sequence

import numpy as np
import pandas as pd

from .config import ACTION_TYPES, Config
from .errors import ConfigError, InputError, MissingDependencyError

__all__ = [
    "amplification_edges",
    "coaction",
    "CoAction",
    "Graphs",
    "build_graphs",
    "account_table",
    "to_networkx",
    "to_igraph",
]

log = logging.getLogger("coordnet")
ProgressCallback = Callable[[str, int, int], None]

_PAIR_CHUNK = 8_000_000  # action pairs materialised at once (bounded memory)


def _check_actions(actions: pd.DataFrame) -> None:
    if not isinstance(actions, pd.DataFrame) or "source" not in actions.columns:
        raise InputError("expected the canonical actions table (from coordnet.read_actions).",
                         hint="read your data with coordnet.read_actions(path).actions")


def amplification_edges(actions: pd.DataFrame) -> pd.DataFrame:
    """Who amplifies whom: one row per directed pair of distinct accounts.

    Parameters
    ----------
    actions : pandas.DataFrame
        The canonical actions table.

    Returns
    -------
    pandas.DataFrame
        Columns ``source, target, weight, n_retweet, n_quote, n_reply, n_mention,
        first_time, last_time``, sorted by ``source, target``. Rows without a target
        and self-loops are not edges. ``weight`` is the number of actions (the sum of
        row weights); the ``n_*`` columns split it by type.

    Examples
    --------
    >>> import pandas as pd, coordnet
    >>> acts = coordnet.from_dataframe(pd.DataFrame({
    ...     "source": ["a", "a", "b", "c"], "target": ["b", "b", "a", "c"],
    ...     "type": ["retweet", "mention", "retweet", "retweet"]})).actions
    >>> amplification_edges(acts)[["source", "target", "weight", "n_retweet", "n_mention"]]
      source target  weight  n_retweet  n_mention
    0      a      b       2          1          1
    1      b      a       1          1          0
    """
    _check_actions(actions)
    a = actions.loc[actions["target"].notna() & (actions["source"] != actions["target"]),
                    ["source", "target", "type", "weight", "timestamp"]]
    cols = ["source", "target", "weight"] + [f"n_{t}" for t in ACTION_TYPES] + [
        "first_time", "last_time"]
    if a.empty:
        out = pd.DataFrame({c: pd.Series(dtype="str") for c in ("source", "target")})
        for c in cols[2:-2]:
            out[c] = pd.Series(dtype="int64")
        out["first_time"] = pd.Series(dtype="datetime64[ms, UTC]")
        out["last_time"] = pd.Series(dtype="datetime64[ms, UTC]")
        return out
    # one grouping: the per-type counts are sums of the weight masked by type (adding
    # zeros leaves every sum exactly as a pivot table would give it)
    w = a["weight"].to_numpy()
    typ = a["type"].to_numpy()
    a = a.assign(**{f"n_{t}": np.where(typ == t, w, w.dtype.type(0)) for t in ACTION_TYPES})
    g = a.groupby(["source", "target"], sort=True, observed=True)
    out = g.agg(weight=("weight", "sum"), first_time=("timestamp", "min"),
                last_time=("timestamp", "max"),
                **{f"n_{t}": (f"n_{t}", "sum") for t in ACTION_TYPES})
    out = out.reset_index()
    for c in ["weight"] + [f"n_{t}" for t in ACTION_TYPES]:
        if pd.api.types.is_float_dtype(out[c]) and np.all(np.floor(out[c]) == out[c]):
            out[c] = out[c].astype("int64")
    return out[cols]


@dataclass(frozen=True)
class CoAction:
    """A co-action network and the evidence behind each of its edges.

    Attributes
    ----------
    edges : pandas.DataFrame
        One row per unordered account pair (``account_a < account_b``): ``n_objects``
        (distinct objects co-acted on within the window), ``n_action_pairs``
        (qualifying action pairs), ``n_actions_a`` / ``n_actions_b`` (distinct actions
        of *a* / *b* that have a partner action of the other within the window:
        coordination-network-toolkit's directed counts), ``min_gap_s``,
        ``first_time``, ``last_time``.
    evidence : pandas.DataFrame
        One row per pair and object: ``account_a, account_b, object_id, gap_s``
        (smallest time gap between their actions on it), ``n_action_pairs``,
        ``n_actions_a``, ``n_actions_b``, ``time`` (the earlier action of the closest pair).
    window : float
        τ in seconds (inclusive).
    key : str
        ``"object_id"``, or ``"target"`` when the data has no object ids.
    action_types : tuple of str
    n_actions : int
        Actions that took part (right type, object and timestamp present).
    """

    edges: pd.DataFrame
    evidence: pd.DataFrame
    window: float
    key: str
    action_types: tuple[str, ...]
    n_actions: int


def _empty_coaction(window: float, key: str, types: tuple[str, ...], n: int) -> CoAction:
    s = lambda: pd.Series(dtype="str")  # noqa: E731
    i = lambda: pd.Series(dtype="int64")  # noqa: E731
    t = lambda: pd.Series(dtype="datetime64[ms, UTC]")  # noqa: E731
    edges = pd.DataFrame({"account_a": s(), "account_b": s(), "n_objects": i(),
                          "n_action_pairs": i(), "n_actions_a": i(), "n_actions_b": i(),
                          "min_gap_s": pd.Series(dtype="float64"), "first_time": t(),
                          "last_time": t()})
    ev = pd.DataFrame({"account_a": s(), "account_b": s(), "object_id": s(),
                       "gap_s": pd.Series(dtype="float64"), "n_action_pairs": i(),
                       "n_actions_a": i(), "n_actions_b": i(), "time": t()})
    return CoAction(edges, ev, window, key, types, n)


def coaction(
    actions: pd.DataFrame,
    window: float | None = None,
    action_types: Sequence[str] | None = None,
    *,
    key: Literal["auto", "object_id", "target"] = "auto",
    progress: ProgressCallback | None = None,
    engine: str | None = None,
    spark_master: str | None = None,
) -> CoAction:
    """Build the co-action network: accounts acting on the same object within τ.

    Parameters
    ----------
    actions : pandas.DataFrame
        The canonical actions table; needs ``timestamp`` and ``object_id`` (or ``target``).
    window : float, optional
        τ in seconds, inclusive (default ``Config.window``, 60 s).
    action_types : sequence of str, optional
        Types that count (default ``("retweet",)``: the co-retweet network).
    key : {"auto", "object_id", "target"}
        What "the same object" means. ``auto`` uses ``object_id`` where the data has
        it and falls back to the target account otherwise (logged as a warning).
    progress : callable, optional
        ``progress(stage, done, total)``, called as chunks of pairs are processed.
    engine : {"duckdb", "numpy", "spark"}, optional
        Where the windowed join runs (default ``Config.engine``): embedded DuckDB
        (multi-threaded, spills to disk), an in-memory numpy sorted sweep, or Apache
        Spark (:mod:`coordnet.engines`). All give identical tables.
    spark_master : str, optional
        Spark master URL for ``engine="spark"`` (default ``Config.spark_master``).

    Returns
    -------
    CoAction

    Raises
    ------
    InputError
        The table has no timestamps, or neither object ids nor targets.

    Examples
    --------
    Three accounts retweet post ``p``: a at 0 s, b at 60 s, c at 61 s. With τ = 60 s,
    a–b (gap 60, inclusive) and b–c (gap 1) are linked; a–c (gap 61) is not.

    >>> import pandas as pd, coordnet
    >>> acts = coordnet.from_dataframe(pd.DataFrame({
    ...     "source": ["a", "b", "c"], "object_id": ["p", "p", "p"],
    ...     "timestamp": [1600000000, 1600000060, 1600000061]})).actions
    >>> co = coaction(acts, window=60)
    >>> co.edges[["account_a", "account_b", "n_objects", "min_gap_s"]]
      account_a account_b  n_objects  min_gap_s
    0         a         b          1       60.0
    1         b         c          1        1.0

    References
    ----------
    Keller et al. (2020), *Political Communication* 37(2); Righetti & Balluff, CooRTweet;
    Graham et al., coordination-network-toolkit.
    """
    _check_actions(actions)
    cfg = Config()
    window = cfg.window if window is None else Config(window=window).window
    types = cfg.action_types if action_types is None else Config(action_types=tuple(action_types)).action_types
    engine = cfg.engine if engine is None else Config(engine=engine).engine
    spark_master = cfg.spark_master if spark_master is None else spark_master
    if key not in ("auto", "object_id", "target"):
        raise ConfigError(f"key must be 'auto', 'object_id' or 'target', got {key!r}.")
    if actions["timestamp"].isna().all():
        raise InputError("the co-action network needs timestamps, and the data has none.",
                         hint="add a time column (or name it with --time-col)")
    if key == "auto":
        key = "object_id" if actions["object_id"].notna().any() else "target"
        if key == "target":
            log.warning("no object ids in the data: co-action means acting on the same target "
                        "account within %g s", window)
    sel = actions["type"].isin(types) & actions[key].notna() & actions["timestamp"].notna()
    sub = actions.loc[sel, ["source", key, "timestamp"]]
    n = len(sub)
    if n < 2:
        return _empty_coaction(window, key, types, n)

    if engine != "numpy":
        t = sub["timestamp"].to_numpy(dtype="datetime64[ms]").astype("int64")
        return _coaction_relational(sub["source"], sub[key], t, window, key, types, n,
                                    engine=engine, spark_master=spark_master, progress=progress)

    acc_code, acc_names = pd.factorize(sub["source"], sort=True)
    obj_code, obj_names = pd.factorize(sub[key], sort=False)
    t = sub["timestamp"].to_numpy(dtype="datetime64[ms]").astype("int64")
    order = np.lexsort((t, obj_code))
    o, t, a = obj_code[order], t[order], acc_code[order]
    w = int(round(window * 1000))

    # monotone key: objects laid end to end, separated by more than the window
    starts = np.flatnonzero(np.r_[True, o[1:] != o[:-1]])
    sizes = np.diff(np.r_[starts, n])
    tmin = t[starts]
    tmax = t[np.r_[starts[1:], n] - 1]
    offsets = np.r_[0, np.cumsum(tmax - tmin + w + 1)[:-1]]
    mono = t - np.repeat(tmin, sizes) + np.repeat(offsets, sizes)
    hi = np.searchsorted(mono, mono + w, side="right")
    partners = hi - np.arange(n) - 1  # later actions within the window, same object

    # does any account act more than once on the same object? (then count distinct actions)
    multi = bool(pd.DataFrame({"a": a, "o": o}).duplicated().any())

    # chunks of whole objects, each with a bounded number of pairs
    cum = np.r_[0, np.cumsum(partners)]
    obj_end = np.r_[starts[1:], n]
    cum_at_end = cum[obj_end]
    bounds = [0]
    while bounds[-1] < n:
        start = bounds[-1]
        first = int(np.searchsorted(obj_end, start, side="right"))  # the next object's end
        last = int(np.searchsorted(cum_at_end, cum[start] + _PAIR_CHUNK, side="right")) - 1
        bounds.append(int(obj_end[max(first, last)]))
    pieces = []
    total_pairs = int(cum[-1])
    for r0, r1 in zip(bounds[:-1], bounds[1:]):
        c = partners[r0:r1]
        tot = int(c.sum())
        if progress:
            progress("co-action pairs", int(cum[r0]), total_pairs)
        if tot == 0:
            continue
        i = np.repeat(np.arange(r0, r1), c)
        j = i + 1 + (np.arange(tot) - np.repeat(np.cumsum(c) - c, c))
        ai, aj = a[i], a[j]
        keep = ai != aj
        i, j, ai, aj = i[keep], j[keep], ai[keep], aj[keep]
        if len(i) == 0:
            continue
        swap = ai > aj
        df = pd.DataFrame({
            "a": np.where(swap, aj, ai), "b": np.where(swap, ai, aj), "o": o[i],
            "gap": t[j] - t[i], "time": t[i],
        })
        grp = df.groupby(["a", "b", "o"], sort=False)
        ev = grp.agg(n_action_pairs=("gap", "size"), gap=("gap", "min"), time=("time", "min"))
        if multi:
            df["ra"] = np.where(swap, j, i)
            df["rb"] = np.where(swap, i, j)
            ev["n_actions_a"] = df.drop_duplicates(["a", "b", "o", "ra"]).groupby(
                ["a", "b", "o"], sort=False).size()
            ev["n_actions_b"] = df.drop_duplicates(["a", "b", "o", "rb"]).groupby(
                ["a", "b", "o"], sort=False).size()
        else:
            ev["n_actions_a"] = 1
            ev["n_actions_b"] = 1
        pieces.append(ev.reset_index())
    if progress:
        progress("co-action pairs", total_pairs, total_pairs)
    if not pieces:
        return _empty_coaction(window, key, types, n)
    ev = pd.concat(pieces, ignore_index=True)
    edges = ev.groupby(["a", "b"], sort=True).agg(
        n_objects=("o", "size"), n_action_pairs=("n_action_pairs", "sum"),
        n_actions_a=("n_actions_a", "sum"), n_actions_b=("n_actions_b", "sum"),
        min_gap=("gap", "min"), first_time=("time", "min"), last_time=("time", "max"),
    ).reset_index()
    names = np.asarray(acc_names, dtype=object)
    objs = np.asarray(obj_names, dtype=object)
    return _coaction_frames(
        edges.assign(a=names[edges["a"].to_numpy()], b=names[edges["b"].to_numpy()]),
        ev.assign(a=names[ev["a"].to_numpy()], b=names[ev["b"].to_numpy()],
                  o=objs[ev["o"].to_numpy()]), window, key, types, n)


def _ms_utc(x: Any) -> pd.DatetimeIndex:
    return pd.to_datetime(np.asarray(x).astype("int64").astype("datetime64[ms]"), utc=True)


def _coaction_frames(edges: Any, ev: Any, window: float, key: str,
                     types: tuple[str, ...], n: int, *, sort: bool = True) -> CoAction:
    """The public edge and evidence tables from engine output (names, ms times)."""
    edges_out = pd.DataFrame({
        "account_a": pd.array(edges["a"], dtype="str"),
        "account_b": pd.array(edges["b"], dtype="str"),
        "n_objects": np.asarray(edges["n_objects"]).astype("int64"),
        "n_action_pairs": np.asarray(edges["n_action_pairs"]).astype("int64"),
        "n_actions_a": np.asarray(edges["n_actions_a"]).astype("int64"),
        "n_actions_b": np.asarray(edges["n_actions_b"]).astype("int64"),
        "min_gap_s": np.asarray(edges["min_gap"]) / 1000.0,
        "first_time": _ms_utc(edges["first_time"]),
        "last_time": _ms_utc(edges["last_time"]),
    })
    ev_out = pd.DataFrame({
        "account_a": pd.array(ev["a"], dtype="str"),
        "account_b": pd.array(ev["b"], dtype="str"),
        "object_id": pd.array(ev["o"], dtype="str"),
        "gap_s": np.asarray(ev["gap"]) / 1000.0,
        "n_action_pairs": np.asarray(ev["n_action_pairs"]).astype("int64"),
        "n_actions_a": np.asarray(ev["n_actions_a"]).astype("int64"),
        "n_actions_b": np.asarray(ev["n_actions_b"]).astype("int64"),
        "time": _ms_utc(ev["time"]),
    })
    if sort:
        ev_out = ev_out.sort_values(["account_a", "account_b", "time", "object_id"],
                                    kind="stable").reset_index(drop=True)
    return CoAction(edges_out, ev_out, window, key, types, n)


def _coaction_relational(s: pd.Series, o: pd.Series, t: np.ndarray, window: float, key: str,
                         types: tuple[str, ...], n: int, *, engine: str,
                         spark_master: str | None, progress: ProgressCallback | None) -> CoAction:
    """:func:`coaction` on a relational engine (:mod:`coordnet.engines`)."""
    from .engines import run_coaction_sql

    if progress:
        progress(f"co-action join ({engine})", 0, 1)
    # integer codes in the names' sort order: a faster join, and the same order
    s_code, s_names = pd.factorize(s, sort=True)
    o_code, o_names = pd.factorize(o, sort=True)
    ev, ed = run_coaction_sql(s_code, o_code, t, int(round(window * 1000)), engine=engine,
                              spark_master=spark_master, progress=progress)
    if progress:
        progress(f"co-action join ({engine})", 1, 1)
    if ev.num_rows == 0:
        return _empty_coaction(window, key, types, n)
    ev = ev.sort_by([("account_a", "ascending"), ("account_b", "ascending"),
                     ("time", "ascending"), ("object_id", "ascending")])
    ed = ed.sort_by([("account_a", "ascending"), ("account_b", "ascending")])
    ev = {c: ev.column(c).to_numpy() for c in ev.column_names}
    ed = {c: ed.column(c).to_numpy() for c in ed.column_names}
    ev["a"], ev["b"] = s_names.take(ev.pop("account_a")), s_names.take(ev.pop("account_b"))
    ev["o"] = o_names.take(ev.pop("object_id"))
    ed["a"], ed["b"] = s_names.take(ed.pop("account_a")), s_names.take(ed.pop("account_b"))
    return _coaction_frames(ed, ev, window, key, types, n, sort=False)


def account_table(actions: pd.DataFrame) -> pd.DataFrame:
    """Per-account activity: one row per account seen as source or target.

    Parameters
    ----------
    actions : pandas.DataFrame
        The canonical actions table.

    Returns
    -------
    pandas.DataFrame
        ``account, n_actions`` (actions it performed, by weight), ``n_amplified``
        (actions by other accounts aimed at it), ``first_time, last_time`` (of its own
        actions), sorted by account.

    Examples
    --------
    >>> import pandas as pd, coordnet
    >>> acts = coordnet.from_dataframe(pd.DataFrame({"source": ["a", "a", "b"],
    ...     "target": ["b", "c", "a"]})).actions
    >>> account_table(acts)[["account", "n_actions", "n_amplified"]]
      account  n_actions  n_amplified
    0       a          2            1
    1       b          1            1
    2       c          0            1
    """
    _check_actions(actions)
    own = actions.groupby("source", sort=False).agg(
        n_actions=("weight", "sum"), first_time=("timestamp", "min"), last_time=("timestamp", "max"))
    tgt = actions.loc[actions["target"].notna() & (actions["target"] != actions["source"])]
    rec = tgt.groupby("target", sort=False)["weight"].sum().rename("n_amplified")
    out = own.join(rec, how="outer")
    out.index.name = "account"
    out["n_actions"] = out["n_actions"].fillna(0)
    out["n_amplified"] = out["n_amplified"].fillna(0)
    for c in ("n_actions", "n_amplified"):
        if np.all(np.floor(out[c]) == out[c]):
            out[c] = out[c].astype("int64")
    out = out.reset_index().sort_values("account", kind="stable").reset_index(drop=True)
    out["account"] = out["account"].astype("str")
    return out[["account", "n_actions", "n_amplified", "first_time", "last_time"]]


@dataclass(frozen=True)
class Graphs:
    """The account graphs of one dataset (result of :func:`build_graphs`).

    Attributes
    ----------
    accounts : pandas.DataFrame
        :func:`account_table`.
    amplification : pandas.DataFrame
        :func:`amplification_edges` (empty when the data has no targets).
    coaction : CoAction or None
        ``None`` when the data has no timestamps.
    self_loops : int
        Actions of an account on itself, left out of the amplification graph.
    notes : tuple of str
    """

    accounts: pd.DataFrame
    amplification: pd.DataFrame
    coaction: CoAction | None
    self_loops: int
    notes: tuple[str, ...] = ()


def build_graphs(actions: pd.DataFrame, config: Config | None = None, *,
                 progress: ProgressCallback | None = None) -> Graphs:
    """Build every account graph the data allows.

    Parameters
    ----------
    actions : pandas.DataFrame
        The canonical actions table.
    config : Config, optional
        ``window`` and ``action_types`` are used.
    progress : callable, optional
        ``progress(stage, done, total)``.

    Returns
    -------
    Graphs

    Examples
    --------
    >>> import coordnet
    >>> g = coordnet.build_graphs(coordnet.datasets.toy_actions())
    >>> len(g.accounts), len(g.amplification), len(g.coaction.edges)
    (16, 33, 12)
    """
    config = config or Config()
    notes: list[str] = []
    if progress:
        progress("amplification graph", 0, 1)
    amp = amplification_edges(actions)
    self_loops = int((actions["target"].notna() & (actions["source"] == actions["target"])).sum())
    if self_loops:
        notes.append(f"{self_loops} self-amplification(s) (an account amplifying itself) left out "
                     "of the graphs")
    if actions["target"].isna().all():
        notes.append("no target accounts in the data: the amplification graph is empty")
    co = None
    if actions["timestamp"].notna().any():
        co = coaction(actions, config.window, config.action_types, progress=progress)
        if co.key == "target":
            notes.append(f"no object ids in the data: co-action links accounts that amplified the "
                         f"same account within {config.window:g} s")
        if co.n_actions == 0:
            notes.append(f"no {'/'.join(config.action_types)} actions with timestamps: the "
                         "co-action network is empty")
    else:
        notes.append("no timestamps in the data: no co-action network")
    if progress:
        progress("account table", 0, 1)
    return Graphs(account_table(actions), amp, co, self_loops, tuple(notes))


# ------------------------------------------------------------------------- converters


def _plain_columns(df: pd.DataFrame) -> dict[str, list[Any]]:
    """Columns as lists of plain Python values (times → ISO 8601, missing → ""), vectorised."""
    out: dict[str, list[Any]] = {}
    for c in df.columns:
        s = df[c]
        if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s):
            s = s.dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object).where(s.notna(), "")
        elif pd.api.types.is_bool_dtype(s):
            s = s.astype(object)
        elif pd.api.types.is_numeric_dtype(s):
            s = s.astype(object).where(s.notna(), "")
        else:
            s = s.astype(object).where(s.notna(), "")
        out[str(c)] = s.tolist()
    return out


def to_networkx(edges: pd.DataFrame, *, directed: bool | None = None,
                nodes: pd.DataFrame | None = None) -> Any:
    """An edge table (amplification or co-action) as a networkx graph.

    Parameters
    ----------
    edges : pandas.DataFrame
        From :func:`amplification_edges` (``source, target``: a ``DiGraph``) or
        :attr:`CoAction.edges` (``account_a, account_b``: a ``Graph``). Every other
        column becomes an edge attribute (times as ISO 8601 strings).
    directed : bool, optional
        Override the graph kind.
    nodes : pandas.DataFrame, optional
        Node attributes, with an ``account`` column (e.g. :func:`account_table`).

    Returns
    -------
    networkx.DiGraph or networkx.Graph
        Nodes are account names.

    Examples
    --------
    >>> import coordnet
    >>> g = coordnet.build_graphs(coordnet.datasets.toy_actions())
    >>> G = to_networkx(g.amplification)
    >>> G.is_directed(), G.number_of_edges()
    (True, 33)
    """
    import networkx as nx

    if {"source", "target"} <= set(edges.columns):
        u, v, is_dir = "source", "target", True
    elif {"account_a", "account_b"} <= set(edges.columns):
        u, v, is_dir = "account_a", "account_b", False
    else:
        raise InputError("expected an edge table with source/target or account_a/account_b columns.")
    if directed is not None:
        is_dir = directed
    G = nx.DiGraph() if is_dir else nx.Graph()
    if nodes is not None:
        cols = _plain_columns(nodes)
        names = [str(x) for x in cols.pop("account")]
        G.add_nodes_from((n, dict(zip(cols, vals))) for n, *vals in zip(names, *cols.values()))
    attrs = [c for c in edges.columns if c not in (u, v)]
    cols = _plain_columns(edges[attrs])
    G.add_edges_from((str(a), str(b), dict(zip(attrs, vals)))
                     for a, b, *vals in zip(edges[u].tolist(), edges[v].tolist(), *cols.values()))
    return G


def to_igraph(edges: pd.DataFrame, *, directed: bool | None = None,
              nodes: pd.DataFrame | None = None) -> Any:
    """An edge table as a python-igraph ``Graph`` (vertex attribute ``name`` = account).

    Parameters
    ----------
    edges : pandas.DataFrame
        As for :func:`to_networkx`; other columns become edge attributes.
    directed : bool, optional
        Override the graph kind.
    nodes : pandas.DataFrame, optional
        Node attributes, with an ``account`` column; listed accounts come first, in order.

    Returns
    -------
    igraph.Graph

    Examples
    --------
    >>> import coordnet
    >>> g = coordnet.build_graphs(coordnet.datasets.toy_actions())
    >>> ig = to_igraph(g.coaction.edges)
    >>> ig.is_directed(), ig.ecount(), sorted(ig.es.attributes())[:2]
    (False, 12, ['first_time', 'last_time'])
    """
    try:
        import igraph as ig
    except ImportError:  # pragma: no cover - igraph is a dependency
        raise MissingDependencyError("igraph graphs need python-igraph.",
                                     hint="pip install python-igraph") from None
    if {"source", "target"} <= set(edges.columns):
        u, v, is_dir = "source", "target", True
    elif {"account_a", "account_b"} <= set(edges.columns):
        u, v, is_dir = "account_a", "account_b", False
    else:
        raise InputError("expected an edge table with source/target or account_a/account_b columns.")
    if directed is not None:
        is_dir = directed
    names = pd.concat([nodes["account"], edges[u], edges[v]]) if nodes is not None else pd.concat(
        [edges[u], edges[v]])
    codes, uniques = pd.factorize(names.astype("str"), sort=nodes is None)
    if nodes is not None and nodes["account"].duplicated().any():
        raise InputError("the node table lists an account twice.")
    n_nodes = len(nodes) if nodes is not None else 0
    m = len(edges)
    src, dst = codes[n_nodes:n_nodes + m], codes[n_nodes + m:]
    g = ig.Graph(n=len(uniques), edges=np.column_stack([src, dst]).tolist() if m else [],
                 directed=is_dir)
    g.vs["name"] = [str(x) for x in uniques]
    if nodes is not None:
        for c, vals in _plain_columns(nodes.drop(columns="account")).items():
            # nodes come first in `names`, so vertex i is nodes row i for i < len(nodes)
            g.vs[c] = vals + [""] * (len(uniques) - n_nodes)
    for c, vals in _plain_columns(edges.drop(columns=[u, v])).items():
        g.es[c] = vals
    return g
