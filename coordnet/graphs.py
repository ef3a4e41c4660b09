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

Pairs are enumerated only inside the window, account by account, by the compiled sweep
of :mod:`coordnet._kernels`: each action is compared with the actions of its object at
most τ before or after it. The cost is O(N log N + P_τ) where P_τ is the number of
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
import os
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Callable, Literal, Sequence

import numpy as np
import pandas as pd

from .config import ACTION_TYPES, Config
from .errors import ConfigError, InputError, MissingDependencyError, require_columns
from .io import _sorted_text_categorical, ensure_encoded
from .io import time_ms as _ms
from ._memory import heavy, spill_frame

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



#: The columns of the canonical actions table that the graphs and detection read.
ACTION_COLUMNS = ("source", "target", "timestamp", "type", "object_id", "weight")


def _check_actions(actions: pd.DataFrame, needs: tuple[str, ...] = ACTION_COLUMNS) -> None:
    """An :class:`InputError` naming what is missing, unless ``actions`` is a DataFrame
    with the columns ``needs`` (of the canonical table)."""
    require_columns(actions, "the actions table", needs, "coordnet's canonical actions table",
                    hint="convert a DataFrame with coordnet.from_dataframe(df).actions (it maps your "
                         "column names and fills the defaults), or read a file with "
                         "coordnet.read_actions(path).actions")


_I64_MAX = np.iinfo(np.int64).max
_NAT = np.iinfo(np.int64).min  # numpy's NaT as int64


def _account_codes(actions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.CategoricalDtype]:
    """``source`` and ``target`` as integer codes over one sorted account set (-1 = none),
    and that categorical dtype. The canonical table (:func:`coordnet.io.encode_actions`)
    already is; a hand-built table with text columns is encoded here (slower)."""
    a = ensure_encoded(actions)
    return a["source"].cat.codes.to_numpy(), a["target"].cat.codes.to_numpy(), a["source"].dtype


def _sorted_codes(s: pd.Series) -> tuple[np.ndarray, pd.CategoricalDtype]:
    """One key column as integer codes in the names' sort order (-1 = none), and its dtype."""
    if not _sorted_text_categorical(s):
        codes, names = pd.factorize(s.astype("str"), sort=True)
        return codes, pd.CategoricalDtype(pd.Index(names, dtype="str"))
    return s.cat.codes.to_numpy(), s.dtype


def _type_codes(types: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Action types as codes and the list of names they index."""
    if isinstance(types.dtype, pd.CategoricalDtype):
        return types.cat.codes.to_numpy(), list(types.cat.categories)
    codes, names = pd.factorize(types)
    return codes, list(names)


def _sort_keys(key: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``key`` sorted, and ``rows`` in that order (ties in row order). Packs both into one
    int64 when they fit (a plain sort is several times faster than an argsort); keys too
    wide for that (10M actions: account pairs of 39 bits and row numbers of 24) are sorted
    in two packed passes, by their low bits and then stably by their high bits."""
    if not len(key):
        return key, rows
    from ._kernels import sort_inplace

    rbits = max(int(rows.max()).bit_length(), 1)
    kbits = int(key.max()).bit_length()
    if kbits + rbits <= 63:
        packed = sort_inplace((key << rbits) | rows)
        return packed >> rbits, packed & ((1 << rbits) - 1)
    ibits = max((len(key) - 1).bit_length(), 1)
    room = 63 - ibits
    if key.min() >= 0 and kbits <= 2 * room:
        idx = np.arange(len(key), dtype=np.int64)
        mask = (1 << ibits) - 1
        order = sort_inplace(((key & ((1 << room) - 1)) << ibits) | idx) & mask
        order = order.take(sort_inplace((key.take(order) >> room << ibits) | idx) & mask)
        return key.take(order), rows.take(order)
    order = np.argsort(key, kind="stable")
    return key[order], rows[order]


def _ms_utc(x: Any) -> Any:
    """int64 milliseconds (int64 min = NaT) as UTC times, without a copy (pandas' own
    constructor validates every value: 0.3 s per 17 million)."""
    x = np.asarray(x).astype(np.int64, copy=False)
    dtype = pd.DatetimeTZDtype("ms", "UTC")
    try:
        return pd.arrays.DatetimeArray._simple_new(x.view("M8[ms]"), dtype=dtype)
    except (AttributeError, TypeError):  # pragma: no cover - a pandas without it
        return pd.DatetimeIndex(x, dtype=dtype)


def _integral(x: np.ndarray) -> np.ndarray:
    """Float sums of whole numbers as int64 (integer weights stay integers)."""
    if x.dtype.kind == "f" and np.all(np.floor(x) == x):
        return x.astype(np.int64)
    return x.astype(np.int64, copy=False) if x.dtype.kind in "iub" else x


def amplification_edges(actions: pd.DataFrame, *, engine: str | None = None,
                        spark_master: str | None = None) -> pd.DataFrame:
    """Who amplifies whom: one row per directed pair of distinct accounts.

    Parameters
    ----------
    actions : pandas.DataFrame
        The canonical actions table.
    engine : {"duckdb", "numpy", "spark"}, optional
        Where the aggregation runs (default ``Config.engine``). The embedded engines
        group integer account codes in numpy (one sort); ``"spark"`` runs it as Spark
        SQL and collects only the edges. All give identical tables.
    spark_master : str, optional
        Spark master URL for ``engine="spark"`` (default ``Config.spark_master``).

    Returns
    -------
    pandas.DataFrame
        Columns ``source, target, weight, n_retweet, n_quote, n_reply, n_mention,
        first_time, last_time``, sorted by ``source, target``. Rows without a target
        and self-loops are not edges. ``weight`` is the number of actions (the sum of
        row weights); the ``n_*`` columns split it by type. ``source`` and ``target``
        are categoricals over the table's sorted account names (names stored once,
        edges as integer codes).

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
    engine, spark_master = _engine(engine, spark_master)
    s, g, acc = _account_codes(actions)
    if engine == "spark" and _spark_ok(actions):
        return _spark_tables(actions, s, g, acc, spark_master)[0]
    return _amplification(actions, s, g, acc)


def _engine(engine: str | None, spark_master: str | None) -> tuple[str, str]:
    cfg = Config()
    return (cfg.engine if engine is None else Config(engine=engine).engine,
            cfg.spark_master if spark_master is None else spark_master)


def _spark_ok(actions: pd.DataFrame) -> bool:
    """Whether Spark can aggregate exactly: integer weights (Spark's floating-point sums
    depend on how rows are partitioned; fractional weights are summed here instead)."""
    if actions["weight"].dtype.kind in "iub":
        return True
    log.info("fractional weights: the amplification graph and account table are summed on "
             "the driver (Spark's floating-point sums depend on the partitioning)")
    return False


def _unshared(cols: dict[str, Any]) -> dict[str, Any]:
    """``cols`` with a copy of every numpy array that another column already uses (one
    array can hold several columns' values, e.g. all-ones counts): the table is built
    without copying, and a column edited in place must not change another."""
    seen: set[int] = set()
    out = {}
    for c, x in cols.items():
        if isinstance(x, np.ndarray):
            base = x if x.base is None else x.base
            if id(base) in seen:
                x = x.copy()
            else:
                seen.add(id(base))
        out[c] = x
    return out


def _amp_frame(src: np.ndarray, tgt: np.ndarray, acc: pd.CategoricalDtype,
               sums: dict[str, np.ndarray], lo: np.ndarray, hi: np.ndarray) -> pd.DataFrame:
    """The amplification table from per-edge codes (sorted), sums and ms times (NaT = int64
    min; ``lo`` may hold int64 max for "no time")."""
    n_types = [f"n_{t}" for t in ACTION_TYPES]
    cdt = np.int32 if len(acc.categories) < 2**31 - 1 else np.int64
    out: dict[str, Any] = {
        "source": pd.Categorical.from_codes(src.astype(cdt), dtype=acc, validate=False),
        "target": pd.Categorical.from_codes(tgt.astype(cdt), dtype=acc, validate=False),
        "weight": _integral(sums["weight"]),
        **{c: (_integral(sums[c]) if c in sums else np.zeros(len(src), np.int64)) for c in n_types},
        "first_time": _ms_utc(np.where(lo == _I64_MAX, _NAT, lo)),
        "last_time": _ms_utc(hi)}
    # no copy into one block; on disk when too large to hold beside the analysis
    return spill_frame(pd.DataFrame(_unshared(out), copy=False), "the amplification graph")


def _empty_amplification() -> pd.DataFrame:
    """No edge: text account columns, as ever."""
    cols = ["source", "target", "weight"] + [f"n_{t}" for t in ACTION_TYPES] + ["first_time",
                                                                                "last_time"]
    return pd.DataFrame({c: pd.Series(dtype="str" if c in ("source", "target") else
                                      "datetime64[ms, UTC]" if c.endswith("time") else "int64")
                         for c in cols})


def _amplification(actions: pd.DataFrame, s: np.ndarray, g: np.ndarray,
                   acc: pd.CategoricalDtype) -> pd.DataFrame:
    """:func:`amplification_edges` on account codes: one sort of the (source, target)
    keys, then sums, minima and maxima over the runs of equal keys."""
    rows = np.flatnonzero((g >= 0) & (s >= 0) & (s != g))
    if not len(rows):
        return _empty_amplification()
    n = max(len(acc.categories), 1)
    key, rows = _sort_keys(s[rows].astype(np.int64) * n + g[rows], rows)
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    first = key[starts]
    del key
    w_all = actions["weight"].to_numpy()
    ones = w_all.dtype.kind in "iu" and (w_all == 1).all()  # then sums are run lengths
    w = None if ones else w_all[rows]
    typ, names = _type_codes(actions["type"])
    count = np.bincount(typ[rows][typ[rows] >= 0], minlength=len(names))
    parts: dict[str, Any] = {"weight": w}
    for t in ACTION_TYPES:  # the weights of one type's rows, zero elsewhere
        k = names.index(t) if t in names else -1
        if k >= 0 and count[k]:
            parts[f"n_{t}"] = w if count[k] == len(rows) else np.where(
                typ[rows] == k, 1 if ones else w, 0 if ones else w.dtype.type(0))
    del typ
    if w is not None and w.dtype.kind == "f":
        # fractional weights: pandas' compensated sums, in row order within each edge
        # (exactly the sums of a group-by on the names)
        gid = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(rows)]))
        sums = pd.DataFrame(parts).groupby(gid, sort=True).sum()
        sums = {c: sums[c].to_numpy() for c in parts}
    else:
        runs = np.diff(np.r_[starts, len(rows)])
        total = runs if w is None else np.add.reduceat(w, starts)
        sums = {c: total if v is w else np.add.reduceat(v, starts) for c, v in parts.items()}
    del parts, w
    t = _ms(actions["timestamp"])[rows]
    del rows
    lo = np.minimum.reduceat(np.where(t == _NAT, _I64_MAX, t), starts)
    hi = np.maximum.reduceat(t, starts)
    del t
    return _amp_frame(first // n, first % n, acc, sums, lo, hi)


def _spark_tables(actions: pd.DataFrame, s: np.ndarray, g: np.ndarray, acc: pd.CategoricalDtype,
                  master: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The amplification edges and the account table aggregated on Spark
    (:func:`coordnet.spark.run_aggregates_spark`); only the grouped rows come back."""
    from .spark import run_aggregates_spark

    typ, names = _type_codes(actions["type"])
    tmap = np.array([ACTION_TYPES.index(x) if x in ACTION_TYPES else -1 for x in names] + [-1])
    amp, own, rec = run_aggregates_spark(s, g, tmap[typ], actions["weight"].to_numpy(),
                                         _ms(actions["timestamp"]), master=master)
    n = len(acc.categories)
    col = lambda tbl, c, null=0: tbl.column(c).fill_null(null).to_numpy()  # noqa: E731
    if amp.num_rows:
        src, tgt = col(amp, "s"), col(amp, "g")
        order = np.argsort(src.astype(np.int64) * max(n, 1) + tgt)  # keys are unique
        sums = {"weight": col(amp, "weight")[order],
                **{f"n_{t}": col(amp, f"n_{t}")[order] for t in ACTION_TYPES}}
        amp_df = _amp_frame(src[order], tgt[order], acc, sums,
                            col(amp, "first_time", _I64_MAX)[order], col(amp, "last_time", _NAT)[order])
    else:
        amp_df = _empty_amplification()
    n_act, n_amp = np.zeros(n, np.int64), np.zeros(n, np.int64)
    lo, hi = np.full(n, _I64_MAX), np.full(n, _NAT)
    seen = np.zeros(n, dtype=bool)
    a = col(own, "a")
    n_act[a], lo[a], hi[a] = col(own, "n_actions"), col(own, "first_time", _I64_MAX), col(
        own, "last_time", _NAT)
    seen[a] = True
    a = col(rec, "a")
    n_amp[a] = col(rec, "n_amplified")
    seen[a] = True
    return amp_df, _accounts_frame(acc, seen, n_act, n_amp, lo, hi)


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
        ``first_time``, ``last_time``. ``account_a``/``account_b`` are categoricals over
        the actions table's sorted account names (the order of ``account_a < account_b``),
        as in :func:`amplification_edges`; ``object_id`` in the evidence likewise. Counts
        are int32 (int64 only if one exceeds 2³¹ − 1).
    evidence : pandas.DataFrame
        One row per pair and object: ``account_a, account_b, object_id, gap_s``
        (smallest time gap between their actions on it), ``n_action_pairs``,
        ``n_actions_a``, ``n_actions_b``, ``time`` (the earliest action among the
        qualifying action pairs), sorted by pair, then time, then object.
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
    i = lambda: pd.Series(dtype="int32")  # noqa: E731
    t = lambda: pd.Series(dtype="datetime64[ms, UTC]")  # noqa: E731
    edges = pd.DataFrame({"account_a": s(), "account_b": s(), "n_objects": i(),
                          "n_action_pairs": i(), "n_actions_a": i(), "n_actions_b": i(),
                          "min_gap_s": pd.Series(dtype="float64"), "first_time": t(),
                          "last_time": t()})
    ev = pd.DataFrame({"account_a": s(), "account_b": s(), "object_id": s(),
                       "gap_s": pd.Series(dtype="float64"), "n_action_pairs": i(),
                       "n_actions_a": i(), "n_actions_b": i(), "time": t()})
    return CoAction(edges, ev, window, key, types, n)


@heavy
def coaction(
    actions: pd.DataFrame,
    window: float | None = None,
    action_types: Sequence[str] | None = None,
    *,
    key: Literal["auto", "object_id", "target"] = "auto",
    progress: ProgressCallback | None = None,
    engine: str | None = None,
    spark_master: str | None = None,
    _index: Any = None,
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
        Where the windowed join runs (default ``Config.engine``): ``"duckdb"`` sweeps
        in memory (compiled, :mod:`coordnet._kernels`; tables too large for the memory
        are written to files mapped in memory, :mod:`coordnet._memory`), and joins in
        embedded DuckDB (multi-threaded, spills to disk) beyond :data:`SWEEP_MAX_PAIRS`
        pairs when that is set; ``"numpy"`` always sweeps; ``"spark"`` joins on Apache
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
    acc_code, obj_code, t, acc, obj, key, n = _coaction_selection(actions, window, types, key)
    if isinstance(_index, Future):  # (being built on another thread)
        _index = _index.result()
    if n < 2:
        return _empty_coaction(window, key, types, n)

    def relational() -> CoAction:
        return _coaction_relational(acc_code.astype(np.int64), obj_code.astype(np.int64), t, acc,
                                    obj, window, key, types, n, engine=engine,
                                    spark_master=spark_master, progress=progress)

    if engine == "spark":
        return relational()
    from ._kernels import coaction_sweep, index_actions, window_partners

    stage = "co-action sweep (in memory)"
    if progress:
        progress(stage, 0, 1)
    window_ms = int(round(window * 1000))
    ix = _index if _index is not None else index_actions(acc_code, obj_code, t, len(acc.categories),
                                                         len(obj.categories))
    partners = window_partners(ix, window_ms)
    if engine == "duckdb" and int(partners.sum()) // 2 > _sweep_budget():
        del ix, partners
        return relational()
    del acc_code, obj_code, t
    ev, ed = coaction_sweep(ix, window_ms, len(acc.categories), partners=partners,
                            progress=(lambda d, n_: progress(stage, d, n_ + 1)) if progress else None)
    del ix
    if not len(ev["a"]):
        out = _empty_coaction(window, key, types, n)
    else:
        out = _coaction_frames(ed, ev, acc, obj, window, key, types, n)
    if progress:
        progress(stage, 1, 1)
    return out


def _coaction_selection(actions: pd.DataFrame, window: float, types: tuple[str, ...], key: str
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.CategoricalDtype,
                                   pd.CategoricalDtype, str, int]:
    """The actions that take part in the co-action network (a type in ``types``, an object,
    a time): their account and object codes (the names' order) and times (ms), the two
    categorical dtypes, the object key used, and their number."""
    if key not in ("auto", "object_id", "target"):
        raise ConfigError(f"key must be 'auto', 'object_id' or 'target', got {key!r}.")
    t = _ms(actions["timestamp"])
    timed = t != _NAT
    if not timed.any():
        raise InputError("the co-action network needs timestamps, and the data has none.",
                         hint="add a time column (or name it with --time-col)")
    if key == "auto":
        key = "object_id" if actions["object_id"].notna().any() else "target"
        if key == "target":
            log.warning("no object ids in the data: co-action means acting on the same target "
                        "account within %g s", window)
    # integer codes in the names' sort order: the engines group and sort codes
    acc_code, acc = _sorted_codes(actions["source"])
    obj_code, obj = _sorted_codes(actions[key])
    type_code, type_names = _type_codes(actions["type"])
    timed &= obj_code >= 0
    timed &= np.isin(type_code, [k for k, x in enumerate(type_names) if x in types])
    rows = np.flatnonzero(timed)
    del timed, type_code
    if len(rows) < len(actions):
        acc_code, obj_code, t = acc_code.take(rows), obj_code.take(rows), t.take(rows)
    return acc_code, obj_code, t, acc, obj, key, len(rows)


def _shared_index(actions: pd.DataFrame, config: Config) -> Any:
    """The sorted actions (:func:`coordnet._kernels.index_actions`) that the co-action sweep
    and the synchrony test (:func:`coordnet.detect.synchrony_pairs`) can share: with post ids
    and an in-memory engine (else ``None``: each builds what it needs)."""
    if config.engine == "spark" or not actions["timestamp"].notna().any() \
            or not actions["object_id"].notna().any():
        return None
    from ._kernels import index_actions

    acc_code, obj_code, t, acc, obj, key, n = _coaction_selection(
        actions, config.window, config.action_types, "object_id")
    if n < 2:
        return None
    return index_actions(acc_code, obj_code, t, len(acc.categories), len(obj.categories))


#: Most action pairs within the window that ``engine="duckdb"`` sweeps in memory (the
#: compiled sweep of :mod:`coordnet._kernels`, several times faster than the SQL join);
#: beyond, DuckDB runs the join and spills to disk past its memory limit. ``None``: any
#: number, the sweep's tables going to disk beyond a quarter of the memory
#: (:mod:`coordnet._memory`); with spilling off (``COORDNET_SPILL=0``), as many as 40 % of
#: the machine's memory holds at about 120 bytes per evidence row (24 GB: 80 million).
SWEEP_MAX_PAIRS: int | None = None
_SWEEP_BYTES = 120
_SWEEP_SHARE = 0.4


def _sweep_budget() -> int:
    """:data:`SWEEP_MAX_PAIRS` (or its default), lowered to fit ``COORDNET_DUCKDB_MEMORY``
    when it is set."""
    from ._memory import memory_bytes

    if SWEEP_MAX_PAIRS is not None:
        cap = SWEEP_MAX_PAIRS
    elif os.environ.get("COORDNET_SPILL", "").strip() == "0":
        cap = int(_SWEEP_SHARE * memory_bytes()) // _SWEEP_BYTES
    else:
        cap = 2**62
    limit = os.environ.get("COORDNET_DUCKDB_MEMORY", "").strip().upper().replace(" ", "")
    for unit, size in (("KIB", 2**10), ("MIB", 2**20), ("GIB", 2**30), ("TIB", 2**40),
                       ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1)):
        if limit.endswith(unit):
            try:
                return min(cap, int(float(limit[:-len(unit)]) * size) // _SWEEP_BYTES)
            except ValueError:
                break
    return cap


def _coaction_frames(edges: Any, ev: Any, acc: pd.CategoricalDtype, obj: pd.CategoricalDtype,
                     window: float, key: str, types: tuple[str, ...], n: int) -> CoAction:
    """The public edge and evidence tables from engine output (codes, ms times, gaps in
    seconds; sorted). Accounts and objects are categoricals over the actions table's sorted
    names: the codes are used as they are, no name is copied per row."""

    def cat(codes: Any, dtype: pd.CategoricalDtype) -> pd.Categorical:
        codes = np.asarray(codes)
        cdt = np.int32 if len(dtype.categories) < 2**31 - 1 else np.int64
        return pd.Categorical.from_codes(codes.astype(cdt, copy=False), dtype=dtype, validate=False)

    # counts as int32 (half the memory of a 17-million-edge network) unless one is too large
    big = max((int(np.asarray(t[c]).max(initial=0)) for t, cols in (
        (edges, ("n_objects", "n_action_pairs", "n_actions_a", "n_actions_b")),
        (ev, ("n_action_pairs", "n_actions_a", "n_actions_b"))) for c in cols), default=0)
    cdt_n = np.int32 if big < 2**31 else np.int64

    def i64(x: Any) -> np.ndarray:
        return np.asarray(x).astype(cdt_n, copy=False)

    edges_out = pd.DataFrame(copy=False, data=_unshared({
        "account_a": cat(edges["a"], acc), "account_b": cat(edges["b"], acc),
        **{c: i64(edges[c]) for c in ("n_objects", "n_action_pairs", "n_actions_a", "n_actions_b")},
        "min_gap_s": np.asarray(edges["min_gap_s"], dtype=np.float64),
        "first_time": _ms_utc(edges["first_time"]), "last_time": _ms_utc(edges["last_time"])}))
    ev_out = pd.DataFrame(copy=False, data=_unshared({
        "account_a": cat(ev["a"], acc), "account_b": cat(ev["b"], acc), "object_id": cat(ev["o"], obj),
        "gap_s": np.asarray(ev["gap_s"], dtype=np.float64),
        **{c: i64(ev[c]) for c in ("n_action_pairs", "n_actions_a", "n_actions_b")},
        "time": _ms_utc(ev["time"])}))
    return CoAction(edges_out, ev_out, window, key, types, n)


def _coaction_relational(s: np.ndarray, o: np.ndarray, t: np.ndarray, acc: pd.CategoricalDtype,
                         obj: pd.CategoricalDtype, window: float, key: str,
                         types: tuple[str, ...], n: int, *, engine: str,
                         spark_master: str | None, progress: ProgressCallback | None) -> CoAction:
    """:func:`coaction` on a relational engine (:mod:`coordnet.engines`)."""
    from .engines import run_coaction_sql

    if progress:
        progress(f"co-action join ({engine})", 0, 1)
    ev, ed = run_coaction_sql(s, o, t, int(round(window * 1000)), engine=engine,
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
    ev["a"], ev["b"], ev["o"] = ev.pop("account_a"), ev.pop("account_b"), ev.pop("object_id")
    ed["a"], ed["b"] = ed.pop("account_a"), ed.pop("account_b")
    ev["gap_s"] = ev.pop("gap") / 1000.0
    ed["min_gap_s"] = ed.pop("min_gap") / 1000.0
    return _coaction_frames(ed, ev, acc, obj, window, key, types, n)


def account_table(actions: pd.DataFrame, *, engine: str | None = None,
                  spark_master: str | None = None) -> pd.DataFrame:
    """Per-account activity: one row per account seen as source or target.

    Parameters
    ----------
    actions : pandas.DataFrame
        The canonical actions table.
    engine : {"duckdb", "numpy", "spark"}, optional
        Where the aggregation runs (default ``Config.engine``): numpy sums by account
        code for the embedded engines, Spark SQL for ``"spark"``. Identical tables.
    spark_master : str, optional
        Spark master URL for ``engine="spark"`` (default ``Config.spark_master``).

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
    engine, spark_master = _engine(engine, spark_master)
    s, g, acc = _account_codes(actions)
    if engine == "spark" and _spark_ok(actions):
        return _spark_tables(actions, s, g, acc, spark_master)[1]
    return _accounts(actions, s, g, acc)


def _accounts(actions: pd.DataFrame, s: np.ndarray, g: np.ndarray,
              acc: pd.CategoricalDtype) -> pd.DataFrame:
    """:func:`account_table` on account codes (sums, minima and maxima by code)."""
    n = len(acc.categories)
    w = actions["weight"].to_numpy()
    own = s >= 0
    rec = (g >= 0) & (g != s)
    if w.dtype.kind == "f":
        # fractional weights: pandas' compensated sums in row order (as a group-by gives)
        n_act = np.zeros(n)
        n_amp = np.zeros(n)
        n_act_s = pd.Series(w[own]).groupby(s[own], sort=False).sum()
        n_amp_s = pd.Series(w[rec]).groupby(g[rec], sort=False).sum()
        n_act[n_act_s.index.to_numpy()] = n_act_s.to_numpy()
        n_amp[n_amp_s.index.to_numpy()] = n_amp_s.to_numpy()
    else:
        n_act = np.zeros(n, dtype=np.int64)
        n_amp = np.zeros(n, dtype=np.int64)
        np.add.at(n_act, s[own], w[own])
        np.add.at(n_amp, g[rec], w[rec])
    t = _ms(actions["timestamp"])
    lo = np.full(n, _I64_MAX)
    hi = np.full(n, _NAT)
    np.minimum.at(lo, s[own], np.where(t[own] == _NAT, _I64_MAX, t[own]))
    np.maximum.at(hi, s[own], t[own])
    seen = np.zeros(n, dtype=bool)
    seen[s[own]] = True
    seen[g[rec]] = True
    return _accounts_frame(acc, seen, n_act, n_amp, lo, hi)


def _accounts_via_edges(actions: pd.DataFrame, s: np.ndarray, g: np.ndarray,
                        acc: pd.CategoricalDtype, amp: pd.DataFrame) -> pd.DataFrame:
    """:func:`_accounts` from the amplification edges ``amp`` (sorted by source: sums,
    minima and maxima over each source's run of edges) and the few rows that are not edges
    (no target, self-loops). Integer weights only (sums in another order are the same);
    otherwise :func:`_accounts`. Identical table, one pass over the edges instead of
    scattered updates by every row."""
    w = actions["weight"].to_numpy()
    if w.dtype.kind not in "iu" or amp.empty or not isinstance(amp["source"].dtype,
                                                              pd.CategoricalDtype):
        return _accounts(actions, s, g, acc)
    n = len(acc.categories)
    src = amp["source"].cat.codes.to_numpy()
    tgt = amp["target"].cat.codes.to_numpy()
    weight = amp["weight"].to_numpy()
    first = amp["first_time"].array.asi8
    starts = np.flatnonzero(np.r_[True, src[1:] != src[:-1]])
    own = src.take(starts)
    n_act = np.zeros(n, dtype=np.int64)
    n_amp = np.zeros(n, dtype=np.int64)
    lo = np.full(n, _I64_MAX)
    hi = np.full(n, _NAT)
    n_act[own] = np.add.reduceat(weight, starts)
    lo[own] = np.minimum.reduceat(np.where(first == _NAT, _I64_MAX, first), starts)
    hi[own] = np.maximum.reduceat(amp["last_time"].array.asi8, starts)
    if np.abs(weight).max(initial=0) < 2**53 // max(len(weight), 1):  # float sums: exact
        n_amp += np.bincount(tgt, weights=weight, minlength=n).astype(np.int64)
    else:
        np.add.at(n_amp, tgt, weight)
    seen = np.zeros(n, dtype=bool)
    seen[own] = True
    seen[tgt] = True
    # rows that are not edges: an own action without target or on itself; an action aimed
    # at an account by no source
    rest = np.flatnonzero((s >= 0) & ((g < 0) | (g == s)))
    if len(rest):
        t = _ms(actions["timestamp"]).take(rest)
        sr = s.take(rest)
        np.add.at(n_act, sr, w.take(rest))
        np.minimum.at(lo, sr, np.where(t == _NAT, _I64_MAX, t))
        np.maximum.at(hi, sr, t)
        seen[sr] = True
    orphan = np.flatnonzero((s < 0) & (g >= 0))
    if len(orphan):
        np.add.at(n_amp, g.take(orphan), w.take(orphan))
        seen[g.take(orphan)] = True
    return _accounts_frame(acc, seen, n_act, n_amp, lo, hi)


def _accounts_frame(acc: pd.CategoricalDtype, seen: np.ndarray, n_act: np.ndarray,
                    n_amp: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> pd.DataFrame:
    """The account table from per-code arrays (``seen``: listed; times as in :func:`_amp_frame`)."""
    codes = np.flatnonzero(seen)
    lo = lo[codes]
    return pd.DataFrame(copy=False, data={
        "account": pd.array(acc.categories.take(codes), dtype="str"),
        "n_actions": _integral(n_act[codes]),
        "n_amplified": _integral(n_amp[codes]),
        "first_time": _ms_utc(np.where(lo == _I64_MAX, _NAT, lo)),
        "last_time": _ms_utc(hi[codes]),
    })


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


@heavy
def build_graphs(actions: pd.DataFrame, config: Config | None = None, *,
                 progress: ProgressCallback | None = None, _index: Any = None) -> Graphs:
    """Build every account graph the data allows.

    Parameters
    ----------
    actions : pandas.DataFrame
        The canonical actions table.
    config : Config, optional
        ``window``, ``action_types``, ``engine`` and ``spark_master`` are used: with
        ``engine="spark"`` the amplification graph, the account table and the co-action
        join all run on Spark.
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
    _check_actions(actions)
    notes: list[str] = []
    if progress:
        progress("amplification graph", 0, 1)
    s, g, acc = _account_codes(actions)
    if not (actions["source"].dtype == acc and actions["target"].dtype == acc):
        # a hand-built table: encoded once, for every graph
        actions = actions.assign(source=pd.Categorical.from_codes(s, dtype=acc),
                                 target=pd.Categorical.from_codes(g, dtype=acc))
    if config.engine == "spark" and _spark_ok(actions):
        amp, accounts = _spark_tables(actions, s, g, acc, config.spark_master)
    else:
        amp, accounts = _amplification(actions, s, g, acc), None
    self_loops = int(((g >= 0) & (s == g)).sum())
    if self_loops:
        notes.append(f"{self_loops} self-amplification(s) (an account amplifying itself) left out "
                     "of the graphs")
    if actions["target"].isna().all():
        notes.append("no target accounts in the data: the amplification graph is empty")
    co = None
    if actions["timestamp"].notna().any():
        co = coaction(actions, config.window, config.action_types, progress=progress,
                      engine=config.engine, spark_master=config.spark_master, _index=_index)
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
    if accounts is None:
        accounts = _accounts_via_edges(actions, s, g, acc, amp)
    return Graphs(accounts, amp, co, self_loops, tuple(notes))


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
