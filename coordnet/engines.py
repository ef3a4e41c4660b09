"""Relational engines for the heavy step: the windowed co-action join.

One SQL text (:func:`coaction_sql`) computes the co-action evidence and edges; it runs
embedded in **DuckDB** (the default: multi-threaded, spills to disk beyond its memory
limit) or on **Apache Spark** (``engine="spark"``: a cluster takes the join and the
aggregations; only the reduced evidence and edge tables come back to the driver).
``engine="numpy"`` keeps the in-memory sorted sweep of :func:`coordnet.graphs.coaction`.
All three give identical tables (tested).

The join never forms all pairs of an object. Time is cut into buckets of width τ (the
window); two actions at most τ apart fall into the same bucket or into adjacent ones, so
the join pairs an action only with actions of the same object in its own bucket (later
row id) and in the next bucket, then keeps the pairs at most τ apart. The work is bounded
by the pairs within 2τ, never by an object's total number of sharers squared.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from ._memory import memory_bytes, spill_dir
from .errors import ConfigError, MissingDependencyError

__all__ = ["ENGINES", "aggregates_sql", "coaction_sql", "run_coaction_sql", "synchrony_sql",
           "run_synchrony_sql"]

log = logging.getLogger("coordnet")

#: Engines :func:`coordnet.coaction` accepts.
ENGINES: tuple[str, ...] = ("duckdb", "numpy", "spark")


def coaction_sql(window_ms: int, multi: bool, table: str = "acts", where: str = "TRUE"
                 ) -> tuple[str, str]:
    """The evidence and edge queries over ``table(s, o, t, rid)``.

    ``s`` account, ``o`` object, ``t`` time in integer milliseconds, ``rid`` a unique row
    id; ``where`` restricts the actions (a partition of the objects). Returns ``(evidence_sql, edges_sql)``; the edge query reads the evidence as
    ``ev``. With ``multi`` (an account acts more than once on one object) the distinct
    actions of each side are counted; otherwise every (pair, object) has one action each.

    Parameters
    ----------
    window_ms : int
        τ in milliseconds (inclusive).
    multi : bool
        Whether some account acts more than once on the same object.
    table : str
        Name of the actions table.
    where : str
        SQL condition selecting the actions of one partition.

    Returns
    -------
    (str, str)
        The evidence query and the edge query.

    Examples
    --------
    >>> ev, ed = coaction_sql(60_000, multi=False)
    >>> "r2.bk = r1.bk + 1" in ev, ed.startswith("SELECT account_a, account_b, count(*)")
    (True, True)

    References
    ----------
    Keller et al. (2020), *Political Communication* 37(2) (the co-retweet network).
    """
    w = int(window_ms)
    b = max(w, 1)
    pair = (
        "SELECT r1.s AS s1, r2.s AS s2, r1.o AS o, r1.rid AS rid1, r2.rid AS rid2, "
        "abs(r2.t - r1.t) AS gap, least(r1.t, r2.t) AS tm "
        "FROM x r1 JOIN x r2 ON r1.o = r2.o AND {cond} "
        f"WHERE r1.s <> r2.s AND abs(r2.t - r1.t) <= {w}")
    if multi:
        na = ("count(DISTINCT CASE WHEN s1 < s2 THEN rid1 ELSE rid2 END) AS n_actions_a, "
              "count(DISTINCT CASE WHEN s1 < s2 THEN rid2 ELSE rid1 END) AS n_actions_b")
    else:
        na = "CAST(1 AS BIGINT) AS n_actions_a, CAST(1 AS BIGINT) AS n_actions_b"
    evidence = (
        f"WITH m AS (SELECT min(t) AS t0 FROM {table}), "
        f"x AS (SELECT s, o, t, rid, CAST(floor((t - m.t0) / {b}) AS BIGINT) AS bk "
        f"FROM {table}, m WHERE {where}), "
        "p AS (" + pair.format(cond="r2.bk = r1.bk AND r1.rid < r2.rid")
        + " UNION ALL " + pair.format(cond="r2.bk = r1.bk + 1") + ") "
        "SELECT least(s1, s2) AS account_a, greatest(s1, s2) AS account_b, o AS object_id, "
        "min(gap) AS gap, count(*) AS n_action_pairs, " + na + ", min(tm) AS time "
        "FROM p GROUP BY least(s1, s2), greatest(s1, s2), o")
    edges = (
        "SELECT account_a, account_b, count(*) AS n_objects, "
        "CAST(sum(n_action_pairs) AS BIGINT) AS n_action_pairs, "
        "CAST(sum(n_actions_a) AS BIGINT) AS n_actions_a, "
        "CAST(sum(n_actions_b) AS BIGINT) AS n_actions_b, "
        "min(gap) AS min_gap, min(time) AS first_time, max(time) AS last_time "
        "FROM ev GROUP BY account_a, account_b")
    return evidence, edges


def aggregates_sql(table: str = "acts") -> tuple[str, str, str]:
    """The amplification-graph and account-statistics queries over ``table(s, g, ty, w, t)``.

    ``s`` the acting account's code, ``g`` the target account's code (-1: none), ``ty``
    the action type's index in :data:`coordnet.config.ACTION_TYPES` (-1: other), ``w``
    the integer weight, ``t`` the time in integer milliseconds (NULL: none). The results
    are unsorted; :func:`coordnet.amplification_edges` and :func:`coordnet.account_table`
    sort them by account code (the names' order).

    Parameters
    ----------
    table : str
        Name of the actions table.

    Returns
    -------
    (str, str, str)
        The amplification edges ``s, g, weight, n_retweet, …, first_time, last_time``;
        each account's own actions ``a, n_actions, first_time, last_time``; the actions
        of other accounts aimed at each account ``a, n_amplified``.

    Examples
    --------
    a (0) retweets b (1) twice and mentions itself once:

    >>> import duckdb, pyarrow as pa
    >>> acts = pa.table({"s": [0, 0, 0], "g": [1, 1, 0], "ty": [0, 0, 3], "w": [1, 1, 1],
    ...                  "t": [5000, 9000, 7000]})
    >>> amp, own, rec = aggregates_sql()
    >>> duckdb.sql(amp).fetchall()
    [(0, 1, 2, 2, 0, 0, 0, 5000, 9000)]
    >>> duckdb.sql(own).fetchall(), duckdb.sql(rec).fetchall()
    ([(0, 3, 5000, 9000)], [(1, 2)])

    References
    ----------
    Keller et al. (2020), *Political Communication* 37(2) (the retweet network).
    """
    from .config import ACTION_TYPES

    per_type = ", ".join(f"CAST(sum(CASE WHEN ty = {k} THEN w ELSE 0 END) AS BIGINT) AS n_{t}"
                         for k, t in enumerate(ACTION_TYPES))
    amp = (f"SELECT s, g, CAST(sum(w) AS BIGINT) AS weight, {per_type}, min(t) AS first_time, "
           f"max(t) AS last_time FROM {table} WHERE g >= 0 AND g <> s GROUP BY s, g")
    own = (f"SELECT s AS a, CAST(sum(w) AS BIGINT) AS n_actions, min(t) AS first_time, "
           f"max(t) AS last_time FROM {table} GROUP BY s")
    rec = (f"SELECT g AS a, CAST(sum(w) AS BIGINT) AS n_amplified FROM {table} "
           f"WHERE g >= 0 AND g <> s GROUP BY g")
    return amp, own, rec


def synchrony_sql(levels_ms: list[int], min_repeat: int, multi: bool, table: str = "acts"
                  ) -> dict[str, str]:
    """The synchrony test's counts as SQL over ``table(s, o, t, rid)`` (the actions of the
    objects tested), for the relational engines.

    Returns the queries ``ev`` (the co-action evidence at the largest window, one row per
    pair and object with the closest gap: :func:`coaction_sql`), and, over ``ev``:
    ``per_object`` (``o, lv, n``: pairs per object whose closest gap is in level ``lv``, i.e.
    ``levels_ms[lv-1] < gap ≤ levels_ms[lv]``), ``n_coacting`` (distinct co-acting pairs),
    ``candidates`` (``a, b, k0 … kL``: pairs with at least ``min_repeat`` objects within the
    largest window, ``k_i`` those within ``levels_ms[i]``, with ``s``: objects both acted on)
    and ``n_tested`` (pairs that acted on at least ``min_repeat`` common objects). These are
    what :func:`coordnet._kernels.synchrony_counts` computes in memory.

    Examples
    --------
    >>> q = synchrony_sql([10_000, 60_000], 3, multi=False)
    >>> sorted(q)
    ['candidates', 'ev', 'n_coacting', 'n_tested', 'per_object']

    References
    ----------
    Tarone, R. E. (1990). A modified Bonferroni method for discrete data. *Biometrics* 46(2).
    """
    levels = [int(x) for x in levels_ms]
    ev, _ = coaction_sql(levels[-1], multi, table=table)
    lv = "CASE " + " ".join(f"WHEN gap <= {w} THEN {i}" for i, w in enumerate(levels[:-1])) + \
        f" ELSE {len(levels) - 1} END" if len(levels) > 1 else "0"
    ks = ", ".join(f"CAST(sum(CASE WHEN gap <= {w} THEN 1 ELSE 0 END) AS BIGINT) AS k{i}"
                   for i, w in enumerate(levels))
    shared = (f"WITH inc AS (SELECT DISTINCT s, o FROM {table}) "
              "SELECT i1.s AS a, i2.s AS b, count(*) AS s FROM inc i1 JOIN inc i2 "
              f"ON i1.o = i2.o AND i1.s < i2.s GROUP BY i1.s, i2.s HAVING count(*) >= {int(min_repeat)}")
    return {
        "ev": ev,
        "per_object": f"SELECT object_id AS o, {lv} AS lv, count(*) AS n FROM ev GROUP BY 1, 2",
        "n_coacting": "SELECT count(*) AS n FROM (SELECT DISTINCT account_a, account_b FROM ev) p",
        "candidates": (f"WITH c AS (SELECT account_a AS a, account_b AS b, {ks} FROM ev "
                       f"GROUP BY account_a, account_b HAVING count(*) >= {int(min_repeat)}), "
                       f"sh AS ({shared}) "
                       "SELECT c.*, coalesce(sh.s, 0) AS s FROM c LEFT JOIN sh ON c.a = sh.a AND c.b = sh.b"),
        "n_tested": f"SELECT count(*) AS n FROM ({shared}) x",
    }


def run_synchrony_sql(s: np.ndarray, o: np.ndarray, t: np.ndarray, levels_ms: list[int],
                      min_repeat: int, *, engine: str = "duckdb", spark_master: str | None = None
                      ) -> tuple[Any, Any, int, int]:
    """:func:`synchrony_sql` on DuckDB or Spark, for integer codes ``s, o`` and times ``t``
    (ms): ``(candidates, per_object, n_coacting, n_tested)``, the tables as pyarrow.

    Examples
    --------
    a (0) and b (1) retweet three posts 5 s apart:

    >>> c, po, n_co, n_t = run_synchrony_sql(np.array([0, 1, 0, 1, 0, 1]), np.array([0, 0, 1, 1, 2, 2]),
    ...                                      np.array([0, 5, 0, 5, 0, 5]) * 1000, [10_000, 60_000], 3)
    >>> c.to_pylist(), n_co, n_t
    ([{'a': 0, 'b': 1, 'k0': 3, 'k1': 3, 's': 3}], 1, 1)
    """
    q = synchrony_sql(levels_ms, min_repeat, bool(repeats_pair(s, o)))
    acts = arrow_actions(np.asarray(s, dtype=np.int64), np.asarray(o, dtype=np.int64), t)
    if engine == "spark":
        from .spark import run_sql_spark

        return run_sql_spark(acts, q, master=spark_master)
    if engine != "duckdb":
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}.")
    tmp = tempfile.mkdtemp(prefix="coordnet-duckdb-", dir=spill_dir())
    try:
        con = duckdb_connect(os.environ.get("COORDNET_DUCKDB_MEMORY") or default_duckdb_memory(), tmp)
        con.register("acts", acts)
        con.execute(f"CREATE TEMP TABLE ev AS {q['ev']}")
        out = (con.sql(q["candidates"]).to_arrow_table(), con.sql(q["per_object"]).to_arrow_table(),
               int(con.execute(q["n_coacting"]).fetchone()[0]), int(con.execute(q["n_tested"]).fetchone()[0]))
        con.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _duckdb() -> Any:
    try:
        import duckdb
    except ImportError:  # pragma: no cover - duckdb is a dependency
        raise MissingDependencyError("the DuckDB engine needs the duckdb package.",
                                     hint="pip install duckdb (or use engine='numpy')") from None
    return duckdb


def default_duckdb_memory() -> str:
    """DuckDB's memory limit when ``COORDNET_DUCKDB_MEMORY`` is not set: half the machine's
    memory (DuckDB's own default, 80 %, leaves too little for the tables coordnet already
    holds; beyond the limit DuckDB spills to disk)."""
    return f"{max(memory_bytes() // 2 // 2**20, 256)}MiB"


def duckdb_connect(memory_limit: str | None = None, temp_dir: str | None = None) -> Any:
    """An in-memory DuckDB connection that spills to ``temp_dir`` beyond ``memory_limit``.

    Examples
    --------
    >>> duckdb_connect("1GB").execute("SELECT 1").fetchone()
    (1,)
    """
    con = _duckdb().connect(":memory:")
    con.execute("SET preserve_insertion_order = false")
    con.execute("SET enable_progress_bar = false")  # the library is silent
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    if temp_dir:
        con.execute(f"SET temp_directory = '{temp_dir}'")
    return con


def arrow_actions(s: Any, o: Any, t: np.ndarray) -> Any:
    """The join's input ``acts(s, o, t, rid)`` as a pyarrow table.

    ``s`` and ``o`` are strings, or integer codes (faster to join; codes whose order is
    the names' order keep every result and sort order the same).

    Examples
    --------
    >>> arrow_actions(np.array([0, 1]), np.array([5, 5]), np.array([0, 1000])).column_names
    ['s', 'o', 't', 'rid']
    """
    import pyarrow as pa

    def col(x: Any) -> Any:
        x = np.asarray(x) if not isinstance(x, pd.Series) else x
        if isinstance(x, np.ndarray) and x.dtype.kind in "iu":
            return pa.array(x, type=pa.int64())
        return pa.array(pd.Series(x).astype("str"), type=pa.string())

    return pa.table({"s": col(s), "o": col(o), "t": pa.array(t, type=pa.int64()),
                     "rid": pa.array(np.arange(len(t), dtype=np.int64))})


def _is_multi_duck(con: Any) -> bool:
    n = con.execute("SELECT count(*) FROM acts").fetchone()[0]
    d = con.execute("SELECT count(*) FROM (SELECT 1 FROM acts GROUP BY s, o)").fetchone()[0]
    return bool(n > d)


_KEY_BITS = 63  # bits of one packed sort key (int64)


def window_pairs(o: np.ndarray, t: np.ndarray, window_ms: int, chunk: int = 8_000_000
                 ) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
    """The in-memory sweep behind the numpy engine: every pair of rows ``i < j`` on the same
    object at most ``window_ms`` apart, by chunks of whole objects.

    ``o`` and ``t`` (ms) must be sorted by object, then time. Objects are laid end to end on
    one monotone time axis, separated by more than the window, so one ``searchsorted`` gives
    each row its number of later partners; chunks hold about ``chunk`` pairs (bounded
    memory). Yields ``(pairs_before, pairs_in_all, i, j)`` (the counts in window, self-pairs
    of an account included: for progress).

    Examples
    --------
    >>> o = np.array([0, 0, 0, 1, 1]); t = np.array([0, 60_000, 61_000, 0, 5_000])
    >>> [(i.tolist(), j.tolist()) for _, _, i, j in window_pairs(o, t, 60_000)]  # 61 s apart: no
    [([0, 1, 3], [1, 2, 4])]
    """
    n = len(o)
    if n < 2:
        return
    starts = np.flatnonzero(np.r_[True, o[1:] != o[:-1]])
    sizes = np.diff(np.r_[starts, n])
    tmin = t[starts]
    tmax = t[np.r_[starts[1:], n] - 1]
    offsets = np.r_[0, np.cumsum(tmax - tmin + window_ms + 1)[:-1]]
    mono = t - np.repeat(tmin - offsets, sizes)
    partners = np.searchsorted(mono, mono + window_ms, side="right") - np.arange(n) - 1
    del mono
    cum = np.r_[0, np.cumsum(partners)]
    obj_end = np.r_[starts[1:], n]
    cum_at_end = cum[obj_end]
    cuts = [0]
    while cuts[-1] < n:  # a few chunks, not a loop per object
        nxt = int(np.searchsorted(obj_end, cuts[-1], side="right"))
        last = int(np.searchsorted(cum_at_end, cum[cuts[-1]] + chunk, side="right")) - 1
        cuts.append(int(obj_end[max(nxt, last)]))
    for r0, r1 in zip(cuts[:-1], cuts[1:]):
        c = partners[r0:r1]
        tot = int(cum[r1] - cum[r0])
        if tot == 0:
            continue
        i = np.repeat(np.arange(r0, r1), c)
        j = i + 1 + (np.arange(tot) - np.repeat(np.cumsum(c) - c, c))
        yield int(cum[r0]), int(cum[-1]), i, j


def candidate_rows(o: Any, t: np.ndarray, window_ms: int) -> np.ndarray | None:
    """The actions that may have a partner within the window, as row numbers (ascending),
    or ``None`` when no cheap filter applies (object ids not integer codes, or keys too
    wide to pack).

    Time is cut into buckets of width τ: an action can only pair with an action on the
    same object in its own bucket or an adjacent one. An action alone in its bucket with
    both neighbouring buckets of its object empty is dropped before the join, so the join
    sees only the near-simultaneous part of the data (one sort of packed integer keys).

    Examples
    --------
    Object 0: 0 s and 30 s (within 60 s); object 1: 0 s and 500 s (too far apart).

    >>> candidate_rows(np.array([0, 0, 1, 1]), np.array([0, 30_000, 0, 500_000]), 60_000).tolist()
    [0, 1]
    """
    o, t = np.asarray(o), np.asarray(t, dtype=np.int64)
    n = len(t)
    if o.dtype.kind not in "iu" or n < 2 or o.min() < 0:
        return None
    bk = (t - t.min()) // max(int(window_ms), 1)
    width = int(bk.max()) + 3  # key = object * width + bucket + 1: bucket ± 1 stays inside
    rbits = (n - 1).bit_length()
    per = (1 << (_KEY_BITS - rbits)) // width  # objects per sort: (key, row) fits in int64
    n_obj = int(o.max()) + 1
    if per < 1 or -(-n_obj // per) > 64:
        return None
    kept = []
    for first in range(0, n_obj, per):  # a few ranges of objects at most
        rows = np.arange(n) if per >= n_obj else np.flatnonzero((o >= first) & (o < first + per))
        key = (o[rows].astype(np.int64) - first) * width + bk[rows] + 1
        packed = np.sort((key << rbits) | np.arange(len(rows), dtype=np.int64))
        del key
        ks = packed >> rbits
        starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
        uk = ks[starts]
        del ks
        size = np.diff(np.r_[starts, len(rows)])
        # a bucket with two actions, or a neighbouring bucket of the same object in use
        keep = (size > 1) | np.r_[uk[1:] == uk[:-1] + 1, False] | np.r_[False, uk[1:] - 1 == uk[:-1]]
        kept.append(rows[packed[np.repeat(keep, size)] & ((1 << rbits) - 1)])
    return np.sort(np.concatenate(kept))


def repeats_pair(s: Any, o: Any) -> bool | None:
    """Whether some account acts more than once on one object, from integer codes
    (``None`` when they are not integer codes: the engine then counts in SQL).

    Examples
    --------
    >>> repeats_pair(np.array([0, 1, 0]), np.array([7, 7, 8])), repeats_pair(np.array([0, 0]), np.array([7, 7]))
    (False, True)
    """
    s, o = np.asarray(s), np.asarray(o)
    if s.dtype.kind not in "iu" or o.dtype.kind not in "iu" or not len(s):
        return None if len(s) else False
    if s.min() < 0 or o.min() < 0:
        return None
    n = int(s.max()) + 1
    if (int(o.max()) + 1) * n >= 2**63:
        return None
    key = np.sort(o.astype(np.int64) * n + s)
    return bool((key[1:] == key[:-1]).any())


#: Actions per partition of the DuckDB join (objects split by hash): bounds the memory of
#: one join and gives the progress callback real steps.
PARTITION_ROWS = 4_000_000


def duckdb_coaction_tables(con: Any, n: int, window_ms: int, *,
                           progress: Callable[[str, int, int], None] | None = None,
                           multi: bool | None = None) -> str:
    """Fill table ``ev`` (evidence) from table ``acts`` on a DuckDB connection, one hash
    partition of the objects at a time; returns the edge query (over ``ev``). ``multi``:
    whether an account acts more than once on one object (counted in SQL when ``None``)."""
    multi = _is_multi_duck(con) if multi is None else multi
    k = max(1, -(-n // PARTITION_ROWS))
    ed_sql = ""
    for part in range(k):
        if progress:
            progress("co-action join (duckdb)", part, k)
        where = "TRUE" if k == 1 else f"hash(o) % {k} = {part}"
        ev_sql, ed_sql = coaction_sql(window_ms, multi, where=where)
        con.execute(f"CREATE TEMP TABLE ev AS {ev_sql}" if part == 0 else f"INSERT INTO ev {ev_sql}")
    return ed_sql


def run_coaction_sql(s: Any, o: Any, t: np.ndarray, window_ms: int, *,
                     engine: str = "duckdb", spark_master: str | None = None,
                     memory_limit: str | None = None,
                     progress: Callable[[str, int, int], None] | None = None) -> tuple[Any, Any]:
    """Evidence and edge tables (pyarrow) of the co-action join on one engine.

    Parameters
    ----------
    s, o : pandas.Series or numpy.ndarray
        Account and object of each action (no missing values): strings, or integer
        codes.
    t : numpy.ndarray
        Times in integer milliseconds.
    window_ms : int
        τ in milliseconds (inclusive).
    engine : {"duckdb", "spark"}
    spark_master : str, optional
        Spark master URL (``local[*]`` when omitted; ``spark://host:7077``, ``yarn``…).
    memory_limit : str, optional
        DuckDB memory limit (e.g. ``"4GB"``; default: the ``COORDNET_DUCKDB_MEMORY``
        environment variable, else half the machine's memory); beyond it DuckDB spills
        to a temporary folder.
    progress : callable, optional
        ``progress("co-action join (ENGINE)", done, total)`` per partition of objects.

    Returns
    -------
    (pyarrow.Table, pyarrow.Table)
        Evidence ``account_a, account_b, object_id, gap, n_action_pairs, n_actions_a,
        n_actions_b, time`` and edges ``account_a, account_b, n_objects,
        n_action_pairs, n_actions_a, n_actions_b, min_gap, first_time, last_time``
        (times and gaps in ms), unsorted.

    Examples
    --------
    a and b retweet p 30 s apart; c retweets it 2 minutes later.

    >>> import numpy as np, pandas as pd
    >>> ev, ed = run_coaction_sql(pd.Series(["a", "b", "c"]), pd.Series(["p", "p", "p"]),
    ...                           np.array([0, 30_000, 150_000]), 60_000)
    >>> ed.select(["account_a", "account_b", "n_objects", "min_gap"]).to_pylist()
    [{'account_a': 'a', 'account_b': 'b', 'n_objects': 1, 'min_gap': 30000}]
    """
    rows = candidate_rows(o, t, window_ms)
    if rows is not None and len(rows) < len(t):  # only actions that may have a partner
        s, o, t = np.asarray(s)[rows], np.asarray(o)[rows], np.asarray(t)[rows]
    if engine == "spark":
        from .spark import run_coaction_spark

        return run_coaction_spark(s, o, t, window_ms, master=spark_master)
    if engine != "duckdb":
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}.")
    tmp = tempfile.mkdtemp(prefix="coordnet-duckdb-", dir=spill_dir())
    try:
        con = duckdb_connect(memory_limit or os.environ.get("COORDNET_DUCKDB_MEMORY") or default_duckdb_memory(), tmp)
        con.register("acts", arrow_actions(s, o, t))
        ed_sql = duckdb_coaction_tables(con, len(t), window_ms, progress=progress,
                                        multi=repeats_pair(s, o))
        ev = con.sql("SELECT * FROM ev").to_arrow_table()
        ed = con.sql(ed_sql).to_arrow_table()
        con.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ev, ed
