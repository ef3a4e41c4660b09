"""Compiled kernels for the two pair sweeps: the co-action network and the synchrony counts.

Both sweeps visit the actions **one account at a time** (Gustavson's row-by-row sparse
product): for an account *a*, every action of *a* is compared with the actions of other
accounts on the same object, and only the partners *b* > *a* are kept, so each unordered
pair is built once, by its first account, and its rows come out already grouped by pair
(in the account codes' order, which is the names' order). A pair's partial counts live in
a small per-account table while *a* is visited, never in one huge array of all pairs, so
memory stays proportional to the output and the work to the number of action pairs within
the window (plus, for the synchrony test, the pairs of accounts sharing an object).

The loops are compiled with numba (``nogil``) and run on chunks of accounts in a thread pool:
the chunks' results are concatenated in account order, so the output does not depend on the
number of threads.

References
----------
Gustavson, F. G. (1978). Two fast algorithms for sparse matrices: multiplication and permuted
transposition. *ACM Transactions on Mathematical Software*, 4(3), 250–269.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ._memory import allocator
from .errors import MissingDependencyError

try:
    import numba as _nb
except ImportError:  # pragma: no cover - numba is a dependency
    _nb = None

ProgressCallback = Callable[[int, int], None]

#: Rows a chunk's output buffers hold before the kernel returns and resumes.
_OUT_ROWS = 1 << 20
#: Chunks of accounts per thread (more: better balance, a little more overhead).
_CHUNKS_PER_THREAD = 8
#: Least rows per thread of a parallel gather.
_MIN_CHUNK_ROWS = 1 << 20


def _njit(fn: Any = None, *, inline: bool = False) -> Any:
    """numba's ``njit`` (GIL released, cached on disk); ``inline=True`` for the small helpers
    of the hot loops, compiled into their callers (a call per partner costs more than the
    work it does)."""
    if fn is None:
        return lambda f: _njit(f, inline=inline)
    if _nb is None:  # pragma: no cover - numba is a dependency
        def missing(*a: Any, **k: Any) -> Any:
            raise MissingDependencyError("coordnet's pair sweeps need numba.", hint="pip install numba")
        return missing
    if inline:
        return _nb.njit(nogil=True, inline="always")(fn)
    return _nb.njit(nogil=True, cache=True)(fn)


def _threads() -> int:
    """Threads of the sweeps: ``COORDNET_THREADS`` if set, else the machine's cores (at most 8)."""
    env = os.environ.get("COORDNET_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, min(8, os.cpu_count() or 1))


# ----------------------------------------------------------------------------- the index


@dataclass(frozen=True)
class ActionIndex:
    """Actions sorted twice: by object then time (``os_*``) and by account then object then
    time (``ao_*``, positions into the first order).

    Attributes
    ----------
    os_acc, os_t, os_o : numpy.ndarray
        Account code, time (ms) and object code of each action, by object then time.
    obj_ptr : numpy.ndarray
        ``obj_ptr[o]:obj_ptr[o + 1]`` are the actions on object ``o`` in that order.
    acc_ptr : numpy.ndarray
        ``acc_ptr[a]:acc_ptr[a + 1]`` are the entries of account ``a`` in ``ao_pos``.
    ao_pos : numpy.ndarray
        Positions (in object order) of each account's actions, by object then time.
    ao_o, ao_t, ao_s0, ao_s1, ao_dup : numpy.ndarray
        For the same actions (account order): object, time, the object's first and
        last + 1 positions in object order, and whether some account acts more than once
        on the object (read in sequence by the kernels, not gathered one by one).
    obj_dup : numpy.ndarray
        Objects on which some account acts more than once.
    """

    os_acc: np.ndarray
    os_t: np.ndarray
    os_o: np.ndarray
    obj_ptr: np.ndarray
    acc_ptr: np.ndarray
    ao_pos: np.ndarray
    ao_o: np.ndarray
    ao_t: np.ndarray
    ao_s0: np.ndarray
    ao_s1: np.ndarray
    ao_dup: np.ndarray
    obj_dup: np.ndarray

    @property
    def n(self) -> int:
        return len(self.os_t)


def _bits(x: int) -> int:
    return max(int(x).bit_length(), 1)


def index_actions(acc: np.ndarray, obj: np.ndarray, t: np.ndarray, n_acc: int, n_obj: int) -> ActionIndex:
    """Sort the actions ``acc, obj, t`` (codes ≥ 0, times in ms) for the sweeps.

    Examples
    --------
    >>> ix = index_actions(np.array([1, 0, 1]), np.array([0, 0, 1]), np.array([5, 9, 1]), 2, 2)
    >>> ix.os_acc.tolist(), ix.os_t.tolist(), ix.obj_ptr.tolist(), ix.ao_pos.tolist()
    ([1, 0, 1], [5, 9, 1], [0, 2, 3], [1, 0, 2])
    """
    n = len(t)
    t = np.asarray(t, dtype=np.int64)
    if n == 0:
        z = np.zeros(0, dtype=np.int32)
        t64 = np.zeros(0, np.int64)
        return ActionIndex(z, t64, z, np.zeros(n_obj + 1, np.int64), np.zeros(n_acc + 1, np.int64),
                           z, z, t64, z, z, np.zeros(0, bool), np.zeros(n_obj, bool))
    pdt = np.int32 if n < 2**31 else np.int64
    adt, odt = (np.int32 if n_acc < 2**31 else np.int64), (np.int32 if n_obj < 2**31 else np.int64)
    # too large to hold beside the analysis: on disk (_memory.py)
    alloc = allocator(n * (2 * np.dtype(adt).itemsize + 2 * np.dtype(odt).itemsize + 16
                           + 3 * np.dtype(pdt).itemsize + 1), "the index of the actions")
    # by object (a counting sort on the codes), then by time within each object (ties, one
    # object at one time, in any order: same results)
    obj_ptr = np.zeros(n_obj + 1, dtype=np.int64)
    np.cumsum(np.bincount(obj, minlength=n_obj), out=obj_ptr[1:])
    order = np.empty(n, dtype=np.int64)
    _bucket(obj, obj_ptr, order)
    _sort_segments_by(order, obj_ptr, t)
    os_acc = _take(acc, order, adt, alloc)
    os_o = _take(obj, order, odt, alloc)
    os_t = _take(t, order, np.int64, alloc)
    del order
    acc_ptr = np.zeros(n_acc + 1, dtype=np.int64)
    np.cumsum(np.bincount(os_acc, minlength=n_acc), out=acc_ptr[1:])
    # positions by account, stably (in object order within an account): a counting sort
    ao_pos = alloc(n, pdt)
    _bucket(os_acc, acc_ptr, ao_pos)
    # what the kernels read for each action in account order, gathered once (in parallel)
    ao_o, ao_t = alloc(n, os_o.dtype), alloc(n, np.int64)
    ao_s0, ao_s1 = alloc(n, pdt), alloc(n, pdt)
    obj_dup = np.zeros(n_obj, dtype=bool)
    _on_chunks(n, lambda lo, hi: _account_order(lo, hi, ao_pos, os_o, os_t, obj_ptr, acc_ptr, ao_o,
                                                ao_t, ao_s0, ao_s1, obj_dup))
    ao_dup = _take(obj_dup, ao_o, bool, alloc)
    return ActionIndex(os_acc, os_t, os_o, obj_ptr, acc_ptr, ao_pos, ao_o, ao_t, ao_s0, ao_s1,
                       ao_dup, obj_dup)


@_njit
def _bucket(code, ptr, out):
    """Stable counting sort: ``out`` lists the positions ``p`` by ``code[p]`` (bucket ``c``
    at ``ptr[c]:ptr[c + 1]``), in increasing ``p`` within a bucket."""
    nxt = ptr[:-1].copy()
    for p in range(len(code)):
        c = code[p]
        out[nxt[c]] = p
        nxt[c] += 1


@_njit
def _sort_segments_by(order, ptr, key):
    """Sort each segment ``order[ptr[c]:ptr[c + 1]]`` by ``key`` of its entries (short
    segments by insertion, long ones by numpy's sort)."""
    for c in range(len(ptr) - 1):
        lo = ptr[c]
        hi = ptr[c + 1]
        if hi - lo < 2:
            continue
        if hi - lo <= 32:
            for x in range(lo + 1, hi):
                y = order[x]
                ky = key[y]
                z = x - 1
                while z >= lo and key[order[z]] > ky:
                    order[z + 1] = order[z]
                    z -= 1
                order[z + 1] = y
        else:
            seg = order[lo:hi].copy()
            o = np.argsort(key[seg], kind="mergesort")
            for x in range(hi - lo):
                order[lo + x] = seg[o[x]]


@_njit
def _account_order(lo, hi, ao_pos, os_o, os_t, obj_ptr, acc_ptr, ao_o, ao_t, ao_s0, ao_s1, obj_dup):
    """Entries ``lo ≤ i < hi`` of the account order: object, time, the object's range in
    object order; an object on which one account acts twice is marked in ``obj_dup``
    (two adjacent entries of one account on one object)."""
    for i in range(lo, hi):
        p = ao_pos[i]
        o = os_o[p]
        ao_o[i] = o
        ao_t[i] = os_t[p]
        ao_s0[i] = obj_ptr[o]
        ao_s1[i] = obj_ptr[o + 1]
    for i in range(max(lo, 1), hi):
        if os_o[ao_pos[i - 1]] == ao_o[i]:  # (read from the input: i - 1 may be another range's)
            # same object as the previous entry: the same account unless i starts one
            a_lo, a_hi = 0, len(acc_ptr) - 1
            while a_lo < a_hi:  # the account of entry i: last start ≤ i
                mid = (a_lo + a_hi + 1) >> 1
                if acc_ptr[mid] <= i:
                    a_lo = mid
                else:
                    a_hi = mid - 1
            if acc_ptr[a_lo] != i:
                obj_dup[ao_o[i]] = True


@_njit
def _per_account(acc_ptr, idx, vals, out):
    """``out[a]``: the sum of ``vals[idx[i]]`` over account ``a``'s entries ``i``."""
    for a in range(len(acc_ptr) - 1):
        tot = 0
        for i in range(acc_ptr[a], acc_ptr[a + 1]):
            tot += vals[idx[i]]
        out[a] = tot


@_njit
def _take_range(src, idx, out, lo, hi):
    for i in range(lo, hi):
        out[i] = src[idx[i]]


def _take(src: np.ndarray, idx: np.ndarray, dtype: Any,
          alloc: Callable[[int, Any], np.ndarray] = np.empty) -> np.ndarray:
    """``src[idx]`` as ``dtype``, gathered on the thread pool (into ``alloc(n, dtype)``)."""
    out = alloc(len(idx), dtype)
    src = np.asarray(src)
    if src.dtype != out.dtype:
        src = src.astype(dtype)
    _on_chunks(len(idx), lambda lo, hi: _take_range(src, idx, out, lo, hi))
    return out


def _on_chunks(n: int, fn: Callable[[int, int], Any]) -> None:
    """``fn(lo, hi)`` over ranges covering ``0..n``, on the thread pool when large."""
    k = min(_threads(), max(1, n // _MIN_CHUNK_ROWS))
    cuts = np.linspace(0, n, k + 1).astype(np.int64)
    if k == 1:
        fn(0, n)
        return
    with ThreadPoolExecutor(k) as pool:
        list(pool.map(lambda i: fn(int(cuts[i]), int(cuts[i + 1])), range(k)))


@_njit
def _merge_halves(x, mid, buf):
    """Merge the sorted ``x[:mid]`` and ``x[mid:]`` in place (``buf``: room for ``mid``
    values; equal values keep their sides' order, the left's first)."""
    for i in range(mid):
        buf[i] = x[i]
    i = 0
    j = mid
    k = 0
    n = len(x)
    while i < mid and j < n:
        if x[j] < buf[i]:
            x[k] = x[j]
            j += 1
        else:
            x[k] = buf[i]
            i += 1
        k += 1
    while i < mid:  # (what is left of the right side is already in place)
        x[k] = buf[i]
        i += 1
        k += 1


#: Least values of an array that :func:`sort_inplace` sorts on two threads.
_MIN_PARALLEL_SORT = 1 << 20


def sort_inplace(x: np.ndarray) -> np.ndarray:
    """``x.sort()`` on two threads when large (each half sorted by numpy on its own
    thread, then the halves merged once, compiled, with half of ``x`` as scratch): the
    same values in the same order as ``numpy.sort``, in about 60 % of its time. Returns
    ``x``.

    >>> sort_inplace(np.array([3, 1, 2, 1])).tolist()
    [1, 1, 2, 3]
    """
    n = len(x)
    # integers only: numpy sorts NaN and NaT last, which a plain comparison would not
    if n < _MIN_PARALLEL_SORT or _threads() < 2 or x.dtype.kind not in "iu":
        x.sort()
        return x
    mid = n // 2
    with ThreadPoolExecutor(2) as pool:  # (numpy's sort releases the GIL)
        list(pool.map(lambda part: part.sort(), (x[:mid], x[mid:])))
    _merge_halves(x, mid, np.empty(mid, x.dtype))
    return x


def _chunks(weights: np.ndarray, n_chunks: int) -> np.ndarray:
    """Bounds of about ``n_chunks`` ranges of accounts of about equal total weight."""
    n = len(weights)
    cum = np.cumsum(weights, dtype=np.float64)
    if n == 0 or cum[-1] <= 0:
        return np.array([0, n], dtype=np.int64)
    cuts = np.searchsorted(cum, np.linspace(0, cum[-1], n_chunks + 1)[1:-1], side="right")
    b = np.r_[0, cuts, n].astype(np.int64)
    return b[np.r_[True, b[1:] != b[:-1]]]


@_njit
def _partners(obj_ptr, os_t, w, out):
    """For each position (object order), the other actions on its object at most ``w``
    away (two pointers per object)."""
    for o in range(len(obj_ptr) - 1):
        s0 = obj_ptr[o]
        s1 = obj_ptr[o + 1]
        lo = s0
        hi = s0
        for p in range(s0, s1):
            t = os_t[p]
            while os_t[lo] < t - w:
                lo += 1
            while hi < s1 and os_t[hi] <= t + w:
                hi += 1
            out[p] = hi - lo - 1


def window_partners(ix: ActionIndex, window_ms: int) -> np.ndarray:
    """For each action (object order), the number of other actions on its object at most
    ``window_ms`` away (either side; the account's own included): bounds a sweep's rows.

    Examples
    --------
    >>> ix = index_actions(np.array([0, 1, 2]), np.array([0, 0, 0]), np.array([0, 5000, 65000]), 3, 1)
    >>> window_partners(ix, 60_000).tolist()
    [1, 2, 1]
    """
    out = np.zeros(ix.n, dtype=np.int64)
    if ix.n:
        _partners(ix.obj_ptr, ix.os_t, int(window_ms), out)
    return out


# ----------------------------------------------------------------------- co-action kernel


@_njit
def _scan(a, pos, ta, s0, s1, os_acc, os_t, w, out_b, out_q, out_g, out_t, k, write):
    """The partner actions ``b > a`` at most ``w`` before or after the action at position
    ``pos`` (time ``ta``; its object's actions are at ``s0..s1-1``): appended at ``k`` when
    ``write`` (partner, its position, gap, earlier time). Returns the new count."""
    q = pos - 1
    while q >= s0 and ta - os_t[q] <= w:
        b = os_acc[q]
        if b > a:
            if write:
                out_b[k] = b
                out_q[k] = q
                out_g[k] = ta - os_t[q]
                out_t[k] = os_t[q]
            k += 1
        q -= 1
    q = pos + 1
    while q < s1 and os_t[q] - ta <= w:
        b = os_acc[q]
        if b > a:
            if write:
                out_b[k] = b
                out_q[k] = q
                out_g[k] = os_t[q] - ta
                out_t[k] = ta
            k += 1
        q += 1
    return k


@_njit
def _visit_pairs(a, i, j, ao_pos, ao_t, s0, s1, os_acc, os_t, w, pb_b, pb_i, pb_q, pb_g, pb_t):
    """The action pairs within ``w`` between a's actions ``i..j-1`` (account order, one
    object, positions ``s0..s1-1`` in object order) and partners ``b > a``: partner, a's
    action, the partner's position, gap and the earlier time. Returns their number."""
    k = 0
    for ii in range(i, j):
        k0 = k
        k = _scan(a, ao_pos[ii], ao_t[ii], s0, s1, os_acc, os_t, w, pb_b, pb_q, pb_g, pb_t, k, True)
        pb_i[k0:k] = ii
    return k


@_njit
def _run_end(ao_o, i, p1):
    """End of the run of one account's actions on the object of entry ``i``."""
    j = i + 1
    while j < p1 and ao_o[j] == ao_o[i]:
        j += 1
    return j


@_njit
def _coaction_rows(a0, a1, acc_ptr, ao_pos, ao_o, ao_t, ao_s0, ao_s1, ao_dup, os_acc, os_t, w,
                   pb_b, pb_i, pb_q, pb_g, pb_t, rows):
    """``rows[a]``: the evidence rows (partner and object) of each account ``a0 ≤ a < a1``."""
    for a in range(a0, a1):
        m = 0
        p1 = acc_ptr[a + 1]
        i = acc_ptr[a]
        while i < p1:
            o = ao_o[i]
            j = _run_end(ao_o, i, p1)
            s0 = ao_s0[i]
            s1 = ao_s1[i]
            if j - i == 1 and not ao_dup[i]:  # one row per partner action
                m = _scan(a, ao_pos[i], ao_t[i], s0, s1, os_acc, os_t, w, pb_b, pb_q, pb_g, pb_t, m,
                          False)
            else:  # one row per distinct partner
                k = _visit_pairs(a, i, j, ao_pos, ao_t, s0, s1, os_acc, os_t, w, pb_b, pb_i, pb_q, pb_g, pb_t)
                if k:
                    bs = np.sort(pb_b[:k])
                    m += 1
                    for x in range(1, k):
                        if bs[x] != bs[x - 1]:
                            m += 1
            i = j
        rows[a] = m


@_njit
def _coaction_fill(a0, a1, acc_ptr, ao_pos, ao_o, ao_t, ao_s0, ao_s1, ao_dup, os_acc, os_t, w,
                   rb_b, rb_o, rb_t, rb_g, rb_n, rb_na, rb_nb, pb_b, pb_i, pb_q, pb_g, pb_t, srt, off,
                   ev_a, ev_b, ev_o, ev_t, ev_g, ev_n, ev_na, ev_nb,
                   ed_a, ed_b, ed_no, ed_n, ed_na, ed_nb, ed_g, ed_t0, ed_t1, ed_cnt):
    """Write the evidence rows of accounts ``a0 ≤ a < a1`` from ``off[a]`` on (by partner,
    then time, then object) and their edges from the same offset (compacted afterwards);
    ``ed_cnt[a]``: the account's edges."""
    for a in range(a0, a1):
        p1 = acc_ptr[a + 1]
        m = 0
        i = acc_ptr[a]
        while i < p1:
            o = ao_o[i]
            j = _run_end(ao_o, i, p1)
            s0 = ao_s0[i]
            s1 = ao_s1[i]
            if j - i == 1 and not ao_dup[i]:
                m0 = m
                m = _scan(a, ao_pos[i], ao_t[i], s0, s1, os_acc, os_t, w, rb_b, rb_n, rb_g, rb_t, m, True)
                for x in range(m0, m):  # (rb_n held the partners' positions)
                    rb_o[x] = o
                    rb_n[x] = 1
                    rb_na[x] = 1
                    rb_nb[x] = 1
            else:
                # several actions of a or of a partner on o: one row per partner with the
                # closest gap, the earliest time and the distinct actions of each side
                k = _visit_pairs(a, i, j, ao_pos, ao_t, s0, s1, os_acc, os_t, w, pb_b, pb_i, pb_q, pb_g, pb_t)
                if k:
                    order = np.argsort(pb_b[:k], kind="mergesort")  # stable: a's actions ascending
                    r = 0
                    while r < k:
                        b = pb_b[order[r]]
                        e = r + 1
                        while e < k and pb_b[order[e]] == b:
                            e += 1
                        g = pb_g[order[r]]
                        tm = pb_t[order[r]]
                        n_i = 1
                        for x in range(r, e):
                            y = order[x]
                            if pb_g[y] < g:
                                g = pb_g[y]
                            if pb_t[y] < tm:
                                tm = pb_t[y]
                            if x > r and pb_i[y] != pb_i[order[x - 1]]:
                                n_i += 1
                            srt[x - r] = pb_q[y]
                        qs = np.sort(srt[:e - r])
                        n_q = 1
                        for x in range(1, e - r):
                            if qs[x] != qs[x - 1]:
                                n_q += 1
                        rb_b[m] = b
                        rb_o[m] = o
                        rb_t[m] = tm
                        rb_g[m] = g
                        rb_n[m] = e - r
                        rb_na[m] = n_i
                        rb_nb[m] = n_q
                        m += 1
                        r = e
            i = j
        n_ed = 0
        if m:
            order = np.argsort(rb_b[:m], kind="mergesort")
            at = off[a]
            r = 0
            while r < m:
                b = rb_b[order[r]]
                e = r + 1
                while e < m and rb_b[order[e]] == b:
                    e += 1
                for x in range(r + 1, e):  # insertion sort of a short run by (time, object)
                    y = order[x]
                    z = x - 1
                    while z >= r and (rb_t[order[z]] > rb_t[y] or
                                      (rb_t[order[z]] == rb_t[y] and rb_o[order[z]] > rb_o[y])):
                        order[z + 1] = order[z]
                        z -= 1
                    order[z + 1] = y
                g = rb_g[order[r]]
                sn = 0
                sna = 0
                snb = 0
                for x in range(r, e):
                    y = order[x]
                    ev_a[at] = a
                    ev_b[at] = b
                    ev_o[at] = rb_o[y]
                    ev_t[at] = rb_t[y]
                    ev_g[at] = rb_g[y] / 1000.0
                    ev_n[at] = rb_n[y]
                    ev_na[at] = rb_na[y]
                    ev_nb[at] = rb_nb[y]
                    at += 1
                    if rb_g[y] < g:
                        g = rb_g[y]
                    sn += rb_n[y]
                    sna += rb_na[y]
                    snb += rb_nb[y]
                ea = off[a] + n_ed
                ed_a[ea] = a
                ed_b[ea] = b
                ed_no[ea] = e - r
                ed_n[ea] = sn
                ed_na[ea] = sna
                ed_nb[ea] = snb
                ed_g[ea] = g / 1000.0
                ed_t0[ea] = rb_t[order[r]]
                ed_t1[ea] = rb_t[order[e - 1]]
                n_ed += 1
                r = e
        ed_cnt[a] = n_ed


#: Columns of the co-action evidence and edges (``acc``/``obj``: code dtypes), as the
#: kernel writes them: times in ms, gaps in seconds.
_EV = (("a", "acc"), ("b", "acc"), ("o", "obj"), ("time", np.int64), ("gap_s", np.float64),
       ("n_action_pairs", "cnt"), ("n_actions_a", "cnt"), ("n_actions_b", "cnt"))
_ED = (("a", "acc"), ("b", "acc"), ("n_objects", "cnt"), ("n_action_pairs", "cnt"),
       ("n_actions_a", "cnt"), ("n_actions_b", "cnt"), ("min_gap_s", np.float64),
       ("first_time", np.int64), ("last_time", np.int64))


def coaction_sweep(ix: ActionIndex, window_ms: int, n_acc: int, *, partners: np.ndarray | None = None,
                   progress: ProgressCallback | None = None) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The co-action evidence (one row per account pair and object with actions at most
    ``window_ms`` apart) and edges (one row per pair), sorted by ``a, b`` (then time and
    object for the evidence); ``a < b`` are account codes.

    Each row's ``gap_s`` is the smallest gap between an action of *a* and one of *b* on the
    object, ``time`` (ms) the earliest action among the qualifying action pairs (the earlier
    of each pair), ``n_action_pairs`` the qualifying action pairs, ``n_actions_a`` /
    ``n_actions_b`` the distinct actions of each side among them. Two passes over the
    accounts (on two threads): one counts each account's rows, the other writes them in
    place, so the tables are allocated once, at their size.

    Examples
    --------
    a (0) and b (1) retweet post 0 five seconds apart, c (2) a minute later:

    >>> ix = index_actions(np.array([0, 1, 2]), np.array([0, 0, 0]), np.array([0, 5000, 65000]), 3, 1)
    >>> ev, ed = coaction_sweep(ix, 60_000, 3)
    >>> ev["a"].tolist(), ev["b"].tolist(), ev["gap_s"].tolist(), ed["n_objects"].tolist()
    ([0, 1], [1, 2], [5.0, 60.0], [1, 1])
    """
    w = int(window_ms)
    part = window_partners(ix, w) if partners is None else partners
    n = ix.n
    # rows of one account ≤ its actions' partner actions (both sides, its own included)
    bound = np.zeros(n_acc, np.int64)
    _per_account(ix.acc_ptr, ix.ao_pos, part, bound)
    del part
    # counts fit int32 unless there are more than 2³¹ action pairs in all (then int64)
    dtypes = {"acc": ix.os_acc.dtype, "obj": ix.os_o.dtype,
              "cnt": np.int32 if int(bound.sum()) < 2**31 else np.int64}
    bounds = _chunks(bound + np.diff(ix.acc_ptr), _CHUNKS_PER_THREAD * _threads())
    n_ch = len(bounds) - 1
    total_w = max(int(bound.sum()), 1)

    def scratch(a: int, a_hi: int, with_rows: bool) -> list[np.ndarray]:
        size = max(int(bound[a:a_hi].max(initial=0)), 1)
        pb = [np.empty(size, dt) for dt in (ix.os_acc.dtype, np.int64, np.int64, np.int64, np.int64)]
        if not with_rows:
            return pb
        rb = [np.empty(size, dt) for dt in (ix.os_acc.dtype, ix.os_o.dtype, np.int64, np.int64,
                                            np.int64, np.int64, np.int64)]
        return rb + pb + [np.empty(size, np.int64)]

    rows = np.zeros(n_acc, dtype=np.int64)
    done = [0]

    def count(k: int) -> None:
        a, a_hi = int(bounds[k]), int(bounds[k + 1])
        if a < a_hi:
            _coaction_rows(a, a_hi, ix.acc_ptr, ix.ao_pos, ix.ao_o, ix.ao_t, ix.ao_s0, ix.ao_s1,
                           ix.ao_dup, ix.os_acc, ix.os_t, w, *scratch(a, a_hi, False), rows)
        if progress:
            done[0] += int(bound[a:a_hi].sum())
            progress(done[0], 2 * total_w)

    with ThreadPoolExecutor(_threads()) as pool:
        list(pool.map(count, range(n_ch)))
    off = np.zeros(n_acc + 1, dtype=np.int64)
    np.cumsum(rows, out=off[1:])
    m = int(off[-1])
    ev_dt = {c: np.dtype(dtypes[d] if isinstance(d, str) else d) for c, d in _EV}
    ed_dt = {c: np.dtype(dtypes[d] if isinstance(d, str) else d) for c, d in _ED}
    alloc = allocator(m * sum(d.itemsize for d in (*ev_dt.values(), *ed_dt.values())),
                      "the co-action network")
    ev = {c: alloc(m, dt) for c, dt in ev_dt.items()}
    ed = {c: alloc(m, dt) for c, dt in ed_dt.items()}
    ed_cnt = np.zeros(n_acc, dtype=np.int64)

    def fill(k: int) -> None:
        a, a_hi = int(bounds[k]), int(bounds[k + 1])
        if a < a_hi and off[a_hi] > off[a]:
            _coaction_fill(a, a_hi, ix.acc_ptr, ix.ao_pos, ix.ao_o, ix.ao_t, ix.ao_s0, ix.ao_s1,
                           ix.ao_dup, ix.os_acc, ix.os_t, w, *scratch(a, a_hi, True), off,
                           *ev.values(), *ed.values(), ed_cnt)
        if progress:
            done[0] += int(bound[a:a_hi].sum())
            progress(min(done[0], 2 * total_w - 1), 2 * total_w)

    with ThreadPoolExecutor(_threads()) as pool:
        list(pool.map(fill, range(n_ch)))
    n_ed = _compact_all(ed, off, ed_cnt)
    return ev, {c: v[:n_ed] for c, v in ed.items()}


def _compact_all(ed: dict[str, np.ndarray], off: np.ndarray, cnt: np.ndarray) -> int:
    """:func:`_compact` on every edge column (columns of one dtype at a time)."""
    n_ed = int(cnt.sum())
    if n_ed == int(off[-1]):
        return n_ed
    with ThreadPoolExecutor(_threads()) as pool:  # a few columns, each on its own
        list(pool.map(lambda col: _compact_one(col, off, cnt), ed.values()))
    return n_ed


@_njit
def _compact_one(col, off, cnt):
    """Move each account's ``cnt[a]`` rows of ``col`` from ``off[a]`` to their running
    offset (in place: rows only ever move back)."""
    at = 0
    for a in range(len(cnt)):
        c = cnt[a]
        src = off[a]
        if src != at:
            for x in range(c):
                col[at + x] = col[src + x]
        at += c


# ---------------------------------------------------------------------- synchrony kernel


@_njit(inline=True)
def _slot(keys, mask, b):
    """Slot of key ``b`` in an open-addressing table (inserted when absent)."""
    h = np.int64((np.uint32(b) * np.uint32(2654435761)) & np.uint32(mask))
    while True:
        k = keys[h]
        if k == b:
            return h
        if k == -1:
            keys[h] = b
            return h
        h = (h + 1) & mask


@_njit(inline=True)
def lower_bound(arr, lo, hi, x):
    """The first place in the sorted ``arr[lo:hi]`` whose value is not below ``x`` (``hi``
    when none)."""
    while lo < hi:
        mid = (lo + hi) >> 1
        if arr[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


@_njit
def _oa_positions(lo, hi, os_o, os_acc, oa_ptr, oa_idx, out):
    """``out[p]``: the place of action ``p``'s account in its object's sorted account list."""
    for p in range(lo, hi):
        o = os_o[p]
        a = os_acc[p]
        out[p] = lower_bound(oa_idx, oa_ptr[o], oa_ptr[o + 1], a)


@_njit(inline=True)
def _level(levels, g):
    lv = 0
    while levels[lv] < g:
        lv += 1
    return lv


@_njit
def _sync_block(a, a_hi, acc_ptr, ao_pos, ao_o, ao_t, ao_s0, ao_s1, ao_dup, ao_lo, os_t, pos_oa,
                oa_ptr, oa_idx, skip_obj, levels, min_repeat, keys, kv, st, mg, used, vbuf,
                out_a, out_b, out_s, out_k, hist, k_obj):
    """Synchrony counts of accounts ``a ≤ · < a_hi`` (see :func:`synchrony_counts`), the
    partners of one account in an open-addressing table. ``pos_oa``: each action's place
    in its object's sorted account list; ``ao_lo``: the place after the account's own (its
    partners ``b > a`` on that object start there), so that an action's partner is found
    in the table through ``vbuf`` (the slots of the object's accounts after ``a``) without
    hashing. Returns the next account to visit (the candidates' buffers would overflow),
    the candidates written and the co-acting pairs."""
    n_w = len(levels)
    w = levels[n_w - 1]
    n_out = 0
    n_coact = 0
    stamp = 0
    cap_out = len(out_a)
    hcap = len(keys)
    loc = np.zeros(n_w, np.int64)  # the current object's co-timed pairs per level
    while a < a_hi:
        p0 = acc_ptr[a]
        p1 = acc_ptr[a + 1]
        bound = 0  # the accounts after a on its objects: at most that many partners
        i = p0
        while i < p1:
            j = _run_end(ao_o, i, p1)
            if not skip_obj[ao_o[i]]:
                bound += oa_ptr[ao_o[i] + 1] - ao_lo[i]
            i = j
        if bound == 0:
            a += 1
            continue
        if n_out + bound > cap_out and n_out > 0:
            break  # resume with this account
        need = 64
        while need < 2 * bound and need < hcap:
            need *= 2
        mask = need - 1
        nu = 0
        i = p0
        while i < p1:
            j = _run_end(ao_o, i, p1)
            o = ao_o[i]
            if skip_obj[o]:
                i = j
                continue
            q1 = oa_ptr[o + 1]
            lo = ao_lo[i]
            for q in range(lo, q1):  # s: objects both acted on
                h = _slot(keys, mask, oa_idx[q])
                vbuf[q - lo] = h
                if kv[h, 0] == 0:
                    used[nu] = h
                    nu += 1
                kv[h, 0] += 1
            s0 = ao_s0[i]
            s1 = ao_s1[i]
            dd = ao_dup[i] or j - i > 1
            if dd:
                stamp += 1
            loc[:] = 0
            for ii in range(i, j):  # k: partners within the largest window
                pos = ao_pos[ii]
                ta = ao_t[ii]
                for step in (-1, 1):  # earlier actions, then later ones
                    q = pos + step
                    while s0 <= q < s1:
                        g = (os_t[q] - ta) * step
                        if g > w:
                            break
                        r = pos_oa[q] - lo
                        if r >= 0:  # an account after a
                            h = vbuf[r]
                            if dd:  # the closest pair counts, once the object is done
                                if st[h] != stamp:
                                    st[h] = stamp
                                    mg[h] = g
                                elif g < mg[h]:
                                    mg[h] = g
                            else:
                                lv = 0
                                while levels[lv] < g:
                                    lv += 1
                                kv[h, lv + 1] += 1
                                loc[lv] += 1
                        q += step
            if dd:
                for q in range(lo, q1):
                    h = vbuf[q - lo]
                    if st[h] == stamp:
                        st[h] = 0
                        lv = _level(levels, mg[h])
                        kv[h, lv + 1] += 1
                        loc[lv] += 1
            for lv in range(n_w):
                k_obj[o, lv] += loc[lv]
            i = j
        start = n_out
        for x in range(nu):
            h = used[x]
            s_val = kv[h, 0]
            hist[min(s_val, len(hist) - 1)] += 1
            tot = 0
            for lv in range(n_w):
                tot += kv[h, lv + 1]
            if tot >= 1:
                n_coact += 1
            if tot >= min_repeat:
                out_a[n_out] = a
                out_b[n_out] = keys[h]
                out_s[n_out] = s_val
                c = 0
                for lv in range(n_w):
                    c += kv[h, lv + 1]
                    out_k[n_out, lv] = c
                n_out += 1
            keys[h] = -1
            st[h] = 0
            for lv in range(n_w + 1):
                kv[h, lv] = 0
        if n_out - start > 1:  # the account's candidates (in table order) by partner
            order = np.argsort(out_b[start:n_out]) + start
            tb = out_b[order]
            ts = out_s[order]
            tk = out_k[order]
            out_b[start:n_out] = tb
            out_s[start:n_out] = ts
            out_k[start:n_out] = tk
        a += 1
    return a, n_out, n_coact


def object_accounts(acc: np.ndarray, obj: np.ndarray, n_acc: int, n_obj: int) -> tuple[np.ndarray, np.ndarray]:
    """Each object's distinct accounts, sorted: ``oa_idx[oa_ptr[o]:oa_ptr[o + 1]]``.

    Examples
    --------
    >>> idx, ptr = object_accounts(np.array([2, 0, 2, 1]), np.array([1, 1, 1, 0]), 3, 2)
    >>> idx.tolist(), ptr.tolist()
    ([1, 0, 2], [0, 1, 3])
    """
    adt = np.int32 if n_acc < 2**31 else np.int64
    ptr = np.zeros(n_obj + 1, dtype=np.int64)
    if not len(acc):
        return np.zeros(0, adt), ptr
    m = max(int(n_acc), 1)
    key = obj.astype(np.int64) * m
    key += acc
    key.sort()
    new = np.empty(len(key), dtype=bool)
    new[0] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    key = key[new]
    del new
    np.cumsum(np.bincount(key // m, minlength=n_obj), out=ptr[1:])
    return (key % m).astype(adt), ptr


def index_object_accounts(ix: ActionIndex) -> tuple[np.ndarray, np.ndarray]:
    """:func:`object_accounts` of the actions of ``ix`` (already in object order: each
    object's accounts sorted and made distinct in place, no sort of every action).

    Examples
    --------
    >>> ix = index_actions(np.array([2, 0, 2, 1]), np.array([1, 1, 1, 0]), np.array([0, 1, 2, 3]), 3, 2)
    >>> idx, ptr = index_object_accounts(ix)
    >>> idx.tolist(), ptr.tolist()
    ([1, 0, 2], [0, 1, 3])
    """
    n_obj = len(ix.obj_ptr) - 1
    seg = np.empty(ix.n, dtype=ix.os_acc.dtype)
    cnt = np.zeros(n_obj, dtype=np.int64)
    _on_chunks(n_obj, lambda lo, hi: _distinct_in_segments(lo, hi, ix.obj_ptr, ix.os_acc, seg, cnt))
    ptr = np.zeros(n_obj + 1, dtype=np.int64)
    np.cumsum(cnt, out=ptr[1:])
    idx = np.empty(int(ptr[-1]), dtype=seg.dtype)
    _on_chunks(n_obj, lambda lo, hi: _compact_segments(lo, hi, ix.obj_ptr, seg, ptr, idx))
    return idx, ptr


@_njit
def _distinct_in_segments(lo, hi, ptr, vals, out, cnt):
    """For each segment ``c`` in ``lo:hi``: its values sorted and distinct at the start of
    ``out[ptr[c]:ptr[c + 1]]``, their number in ``cnt[c]``."""
    for c in range(lo, hi):
        a0 = ptr[c]
        a1 = ptr[c + 1]
        if a1 == a0:
            continue
        for x in range(a0, a1):
            out[x] = vals[x]
        if a1 - a0 <= 32:
            for x in range(a0 + 1, a1):
                y = out[x]
                z = x - 1
                while z >= a0 and out[z] > y:
                    out[z + 1] = out[z]
                    z -= 1
                out[z + 1] = y
        else:
            out[a0:a1] = np.sort(out[a0:a1])
        w = a0 + 1
        for x in range(a0 + 1, a1):
            if out[x] != out[w - 1]:
                out[w] = out[x]
                w += 1
        cnt[c] = w - a0


@_njit
def _compact_segments(lo, hi, ptr, seg, new_ptr, out):
    for c in range(lo, hi):
        a0 = ptr[c]
        b0 = new_ptr[c]
        for x in range(new_ptr[c + 1] - b0):
            out[b0 + x] = seg[a0 + x]


@dataclass(frozen=True)
class SyncCounts:
    """What :func:`synchrony_counts` returns.

    Attributes
    ----------
    a, b : numpy.ndarray
        Candidate pairs (``a < b``; at least ``min_repeat`` objects co-timed within the
        largest window), sorted.
    s : numpy.ndarray
        Objects both accounts acted on (at any time), int32.
    k : numpy.ndarray
        int32; ``k[:, i]``: objects on which their closest actions are at most ``levels[i]`` apart.
    s_hist : numpy.ndarray
        Number of account pairs (sharing at least one object) by ``s`` (last bin: that many or more).
    n_coacting : int
        Pairs with at least one object co-timed within the largest window.
    k_obj : numpy.ndarray
        Per object and level: account pairs whose closest actions on it are in that level
        (``levels[i-1] < gap ≤ levels[i]``).
    """

    a: np.ndarray
    b: np.ndarray
    s: np.ndarray
    k: np.ndarray
    s_hist: np.ndarray
    n_coacting: int
    k_obj: np.ndarray


def synchrony_counts(ix: ActionIndex, levels_ms: list[int], n_acc: int, n_obj: int, min_repeat: int,
                     oa: tuple[np.ndarray, np.ndarray], skip_obj: np.ndarray, *,
                     hist_bins: int = 64, progress: ProgressCallback | None = None) -> SyncCounts:
    """Per account pair: ``s`` (objects both acted on), and ``k`` (objects on which their
    closest actions are at most τ apart, for each τ in ``levels_ms``, sorted), for the pairs
    with ``k ≥ min_repeat`` at the largest τ; the distribution of ``s`` over all pairs; the
    co-timed pairs per object and level. ``oa``: :func:`object_accounts` of the actions;
    objects flagged in ``skip_obj`` are left out. ``progress(done, total)`` is called as
    chunks of accounts finish (from the worker threads).

    Examples
    --------
    a (0) and b (1) retweet three posts 5 s apart; c (2) retweets one of them an hour later:

    >>> acc = np.array([0, 1, 0, 1, 0, 1, 2]); obj = np.array([0, 0, 1, 1, 2, 2, 2])
    >>> t = np.array([0, 5, 0, 5, 0, 5, 3600]) * 1000
    >>> ix = index_actions(acc, obj, t, 3, 3)
    >>> c = synchrony_counts(ix, [10_000, 1_800_000], 3, 3, 3, object_accounts(acc, obj, 3, 3),
    ...                      np.zeros(3, bool))
    >>> c.a.tolist(), c.b.tolist(), c.s.tolist(), c.k.tolist(), c.n_coacting
    ([0], [1], [3], [[3, 3]], 1)
    >>> int(c.s_hist[1]), int(c.s_hist[3])  # (a, c) and (b, c) share one post; (a, b) three
    (2, 1)
    """
    import threading

    levels = np.asarray(levels_ms, dtype=np.int64)
    n_w = len(levels)
    n = ix.n
    oa_idx, oa_ptr = oa
    skip = np.asarray(skip_obj, dtype=bool)
    o_size = np.where(skip, 0, np.diff(oa_ptr))
    # work per account (its actions, and half the accounts on its objects) for the chunks;
    # at most as many candidates as accounts on its objects
    acc_bound = np.zeros(n_acc, np.int64)
    _per_account(ix.acc_ptr, ix.ao_o, o_size, acc_bound)
    work_of = acc_bound // 2 + np.diff(ix.acc_ptr)
    bounds = _chunks(work_of, _CHUNKS_PER_THREAD * _threads())
    cum_work = np.r_[0, np.cumsum(work_of)]
    del work_of
    np.minimum(acc_bound, n_acc, out=acc_bound)
    hist_bins = max(hist_bins, int(min_repeat) + 1)
    pdt = np.int32 if len(oa_idx) < 2**31 else np.int64
    pos_oa = np.empty(n, dtype=pdt)
    _on_chunks(n, lambda lo, hi: _oa_positions(lo, hi, ix.os_o, ix.os_acc, oa_ptr, oa_idx, pos_oa))
    ao_lo = _take(pos_oa, ix.ao_pos, pdt)
    ao_lo += 1  # the partners after the account
    vsize = max(int(np.diff(oa_ptr).max(initial=0)), 1)
    hcap = 64
    while hcap < 2 * max(n_acc, 1):
        hcap *= 2
    local = threading.local()
    k_objs: list[np.ndarray] = []  # co-timed pairs per object and level, one table per thread
    adt = ix.os_acc.dtype

    def work(k: int) -> tuple[list[tuple[np.ndarray, ...]], np.ndarray, int]:
        tb = getattr(local, "tb", None)
        if tb is None:  # one table per thread (keys, s, k per level, stamp, gap, used slots)
            tb = local.tb = (np.full(hcap, -1, dtype=adt),
                             np.zeros((hcap, n_w + 1), np.int32), np.zeros(hcap, np.int64),
                             np.zeros(hcap, np.int64), np.empty(hcap, np.int64),
                             np.empty(vsize, np.int64))
            local.k_obj = np.zeros((n_obj, n_w), dtype=np.int64)
            k_objs.append(local.k_obj)  # (list.append is atomic)
        k_obj = local.k_obj
        a, a_hi = int(bounds[k]), int(bounds[k + 1])
        pieces, hist, n_co = [], np.zeros(hist_bins, np.int64), 0
        while a < a_hi:
            cap = max(_OUT_ROWS, int(acc_bound[a:a_hi].max(initial=0)))
            buf = (np.empty(cap, adt), np.empty(cap, adt), np.empty(cap, np.int32),
                   np.empty((cap, n_w), np.int32))
            a, m, c = _sync_block(a, a_hi, ix.acc_ptr, ix.ao_pos, ix.ao_o, ix.ao_t, ix.ao_s0, ix.ao_s1,
                                  ix.ao_dup, ao_lo, ix.os_t, pos_oa, oa_ptr, oa_idx, skip, levels,
                                  int(min_repeat), *tb, *buf, hist, k_obj)
            pieces.append(tuple(x[:m].copy() for x in buf))
            n_co += c
        if progress:
            with lock:
                done[0] += int(cum_work[bounds[k + 1]] - cum_work[bounds[k]])
                progress(done[0], max(int(cum_work[-1]), 1))
        return pieces, hist, n_co

    lock, done = threading.Lock(), [0]
    with ThreadPoolExecutor(_threads()) as pool:
        res = list(pool.map(work, range(len(bounds) - 1)))
    hist = np.sum([r[1] for r in res], axis=0) if res else np.zeros(hist_bins, np.int64)
    n_co = int(sum(r[2] for r in res))
    # the chunks cover consecutive accounts, each account's candidates sorted by partner:
    # in chunk order, the candidates are sorted
    pcs = [p for r in res for p in r[0]]
    del res
    cols = []
    for i, (dt, shape) in enumerate(((adt, ()), (adt, ()), (np.int32, ()), (np.int32, (n_w,)))):
        cols.append(np.concatenate([p[i] for p in pcs]) if pcs else np.zeros((0, *shape), dt))
        pcs = [p[:i] + (None,) + p[i + 1:] for p in pcs]  # (each piece freed once copied)
    per_obj = np.zeros((n_obj, n_w), dtype=np.int64)
    for k_obj in k_objs:  # one per thread
        per_obj += k_obj
    return SyncCounts(*cols, hist, n_co, per_obj)



# ------------------------------------------------------------------------ delimited text


@_njit
def stray_quotes(buf, delim, max_bytes, out_line, out_lo, out_hi):
    """The lines of delimited text where a quote opens a field that is never closed, or
    that runs on for more than ``max_bytes``: a stray quote (an account name, an unescaped
    text), whose field would otherwise swallow the lines after it. Each such line is taken
    out (``out_line``: its 1-based number; ``out_lo:out_hi``: its bytes, line break
    included) and the text after it read again from the start of a record. Returns how
    many were found (at most ``len(out_line)``: the scan stops there).

    The rules are pyarrow's CSV parser's (RFC 4180): a quote opens a quoted field only as
    the field's first byte; inside, two quotes stand for one and a single quote closes it;
    a line break (``\\n``, ``\\r\\n`` or a lone ``\\r``, as old Mac exports end lines) ends a
    record only outside quotes.

    Examples
    --------
    >>> b = np.frombuffer(b'a,b\\n"x,1\\ny,2\\n', dtype=np.uint8)
    >>> line, lo, hi = (np.zeros(4, np.int64) for _ in range(3))
    >>> k = stray_quotes(b, ord(","), 1 << 20, line, lo, hi)
    >>> k, line[:k].tolist(), bytes(b[lo[0]:hi[0]])
    (1, [2], b'"x,1\\n')
    >>> ok = np.frombuffer(b'a,b\\n"x\\ny",1\\nO"Brien,2\\n', dtype=np.uint8)
    >>> stray_quotes(ok, ord(","), 1 << 20, line, lo, hi)
    0
    >>> cr = np.frombuffer(b'a,b\\rc,d\\r"x,1\\ry,2\\r', dtype=np.uint8)
    >>> k = stray_quotes(cr, ord(","), 1 << 20, line, lo, hi)
    >>> k, line[:k].tolist(), bytes(cr[lo[0]:hi[0]])
    (1, [3], b'"x,1\\r')
    """
    quote = 34
    nl = 10
    cr = 13
    n = len(buf)
    cap = len(out_line)
    k = 0
    line = 1
    line_lo = 0  # first byte of the current line
    start = True  # at the first byte of a field
    inside = False
    open_line = 0
    open_at = 0
    open_lo = 0
    i = 0
    while i < n or inside:
        if inside and (i >= n or i - open_at > max_bytes):  # a stray quote: its line out
            j = open_at
            while j < n and buf[j] != nl and buf[j] != cr:
                j += 1
            if j + 1 < n and buf[j] == cr and buf[j + 1] == nl:
                j += 1
            j = min(j + 1, n)
            out_line[k] = open_line
            out_lo[k] = open_lo
            out_hi[k] = j
            k += 1
            if k == cap:
                return k
            i = j  # read again after it, at the start of a record
            line = open_line + 1
            line_lo = j
            inside = False
            start = True
            continue
        c = buf[i]
        if c == cr and i + 1 < n and buf[i + 1] == nl:
            i += 1  # (\\r\\n: one line break, at its \\n)
            c = nl
        if inside:
            if c == quote:
                if i + 1 < n and buf[i + 1] == quote:
                    i += 2
                    continue
                inside = False
            elif c == nl or c == cr:
                line += 1
        elif c == quote and start:
            inside = True
            open_line = line
            open_at = i
            open_lo = line_lo
            start = False
        elif c == delim:
            start = True
        elif c == nl or c == cr:
            start = True
            line += 1
            line_lo = i + 1
        else:
            start = False
        i += 1
    return k
