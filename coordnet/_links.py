"""Compiled kernels of the cluster validation: pair values among accounts and sums over groups.

:func:`coordnet.detect.validate_clusters` compares a cluster's synchrony (the co-timed
objects summed over its member pairs) with hundreds of thousands of random groups per
cluster. The pair values are held once as :class:`Links`, an upper-triangular sparse
matrix (each unordered pair once, rows and columns sorted) with an index of its transpose,
so that the links of one account are its row followed by its column, and every per-group
quantity is a loop over the group's pairs or members (numba, ``nogil``), never a table of
every pair of every group.

Every sum is taken in the order the former numpy code took it (links in row order, a
group's pairs in ``numpy.triu_indices`` order, an account's values largest first), so the
floating-point results are the same bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._kernels import _njit, lower_bound


@_njit
def _code(c, at):
    """Code ``c`` through the map ``at`` (empty: as it is); −1 stays −1."""
    if c < 0 or len(at) == 0:
        return np.int64(c)
    return np.int64(at[c])


@_njit
def _upper_rows(sa, sb, at, v, n, idx_dtype):
    """CSR ``indptr, indices, data`` of the pairs ``(min, max)`` of the codes ``sa, sb``
    (through the map ``at``, unless empty) with value ``v`` when they come sorted and
    distinct (as co-action edges do), in one pass; rows with a code < 0, a diagonal pair or
    a zero value are left out. An empty ``indptr`` when the pairs are not in order."""
    m = len(sa)
    indptr = np.zeros(n + 1, np.int64)
    indices = np.empty(m, idx_dtype)
    data = np.empty(m, np.float64)
    pa = -1
    pb = -1
    q = 0
    for i in range(m):
        a, b = _code(sa[i], at), _code(sb[i], at)
        if a < 0 or b < 0 or a == b or v[i] == 0:
            continue
        if a > b:
            a, b = b, a
        if a < pa or (a == pa and b <= pb):
            return np.zeros(0, np.int64), np.zeros(0, idx_dtype), np.zeros(0, np.float64)
        pa, pb = a, b
        indptr[a + 1] += 1
        indices[q] = b
        data[q] = v[i]
        q += 1
    for a in range(n):
        indptr[a + 1] += indptr[a]
    return indptr, indices[:q], data[:q]


@_njit
def _lookup(codes, at):
    """``at[codes]``, −1 where a code is < 0."""
    out = np.empty(len(codes), np.int64)
    for i in range(len(codes)):
        c = codes[i]
        out[i] = at[c] if c >= 0 else -1
    return out


@_njit
def _insert(buf, cnt, a, x, mmax):
    """Insert ``x`` into account ``a``'s values ``buf[a, :cnt[a]]``, kept largest first (at
    most ``mmax``)."""
    c = cnt[a]
    if c == mmax:
        if mmax == 0 or not x > buf[a, c - 1]:
            return
        c -= 1  # the smallest kept value makes room
    j = c
    while j > 0 and buf[a, j - 1] < x:
        buf[a, j] = buf[a, j - 1]
        j -= 1
    buf[a, j] = x
    cnt[a] = c + 1


@_njit
def _tally(st, c, x):
    """One more link of value ``x`` for account ``c`` (:func:`_top_prefix`)."""
    d = st[c, 0]
    if d == 0:
        st[c, 0] = 1.0
        st[c, 1] = x
    elif d > 0:
        st[c, 0] = d + 1.0 if st[c, 1] == x else -(d + 1.0)
    else:
        st[c, 0] = d - 1.0


@_njit
def _top_prefix(indptr, indices, data, mmax):
    """Per account, its ``mmax`` largest link values, largest first, as running sums.

    Most accounts have links of one value only (a co-action count of 1): their ``m``
    largest sum to ``min(degree, m)·value``, and only the others (``sel[a] ≥ 0``) keep
    their values, inserted in order as the links are read (``buf[sel[a], :cnt]``). Returns
    ``deg, value, sel, cnt, prefix`` (``prefix[sel[a], i]``: the sum of the ``i + 1``
    largest)."""
    n = len(indptr) - 1
    # per account (one row: one cache line): the number of links, negative once two values
    # differ, and the first value
    st = np.zeros((n, 2), np.float64)
    for a in range(n):
        for p in range(indptr[a], indptr[a + 1]):
            _tally(st, a, data[p])
            _tally(st, indices[p], data[p])
    deg = np.abs(st[:, 0]).astype(np.int64)
    value = st[:, 1].copy()
    sel = np.full(n, -1, np.int32)
    r = 0
    for a in range(n):
        if st[a, 0] < 0:
            sel[a] = r
            r += 1
    width = max(mmax, 1)
    buf = np.empty((r, width), np.float64)
    cnt = np.zeros(r, np.int64)
    for a in range(n):
        for p in range(indptr[a], indptr[a + 1]):
            if sel[a] >= 0:
                _insert(buf, cnt, sel[a], data[p], mmax)
            if sel[indices[p]] >= 0:
                _insert(buf, cnt, sel[indices[p]], data[p], mmax)
    for j in range(r):  # running sums, largest first
        s = 0.0
        for i in range(cnt[j]):
            s += buf[j, i]
            buf[j, i] = s
    return deg, value, sel, cnt, buf


@_njit
def _incident(indptr, indices, data, sel):
    """The links of the accounts marked in ``sel`` (their number ``m``: ``sel`` holds
    ``0..m-1`` for them, −1 for the others): per marked account, its partners in ascending
    order and the values (``ptr, partner, value``)."""
    m = 0
    for a in range(len(sel)):
        if sel[a] >= 0:
            m += 1
    ptr = np.zeros(m + 1, np.int64)
    for a in range(len(indptr) - 1):
        for p in range(indptr[a], indptr[a + 1]):
            if sel[a] >= 0:
                ptr[sel[a] + 1] += 1
            if sel[indices[p]] >= 0:
                ptr[sel[indices[p]] + 1] += 1
    for i in range(m):
        ptr[i + 1] += ptr[i]
    fill = ptr[:-1].copy()
    partner = np.empty(ptr[m], np.int64)
    value = np.empty(ptr[m], np.float64)
    for a in range(len(indptr) - 1):  # rows in order: each account's partners come sorted
        for p in range(indptr[a], indptr[a + 1]):
            b = indices[p]
            if sel[a] >= 0:
                partner[fill[sel[a]]] = b
                value[fill[sel[a]]] = data[p]
                fill[sel[a]] += 1
            if sel[b] >= 0:
                partner[fill[sel[b]]] = a
                value[fill[sel[b]]] = data[p]
                fill[sel[b]] += 1
    return ptr, partner, value


@_njit
def _top_at(deg, value, sel, cnt, prefix, m):
    """Per account, the sum of its ``m`` largest values (:func:`_top_prefix`)."""
    n = len(deg)
    out = np.zeros(n, np.float64)
    for a in range(n):
        j = sel[a]
        if j >= 0:
            c = min(cnt[j], m)
            if c > 0:
                out[a] = prefix[j, c - 1]
        elif deg[a] > 0:
            out[a] = min(deg[a], m) * value[a]
    return out


@_njit
def _add_by_deciles(w, nd, da, db, v):
    if da <= db:
        w[da * nd + db] += v
    else:
        w[db * nd + da] += v


@_njit
def _decile_totals(indptr, indices, data, dec, nd):
    """Link values summed by (lower, higher) decile pair, links in row order."""
    w = np.zeros(nd * nd, np.float64)
    for a in range(len(indptr) - 1):
        da = dec[a]
        for p in range(indptr[a], indptr[a + 1]):
            _add_by_deciles(w, nd, da, dec[indices[p]], data[p])
    return w.reshape(nd, nd)


@_njit
def _left_out_totals(x, out, dec, nd, sel, ptr, partner, value):
    """:func:`_decile_totals` of the links touching the accounts ``x`` (ascending; ``out``
    marks them), each account's links by ascending partner (:func:`_incident`), a link
    between two of them counted once."""
    w = np.zeros(nd * nd, np.float64)
    for i in range(len(x)):
        a = x[i]
        da = dec[a]
        j = sel[a]
        for q in range(ptr[j], ptr[j + 1]):
            b = partner[q]
            if not (out[b] and b < a):
                _add_by_deciles(w, nd, da, dec[b], value[q])
    return w.reshape(nd, nd)


@_njit
def _value(indptr, indices, data, a, b):
    """The value of pair ``(a, b)`` (0 when not linked), by binary search in row min(a, b)."""
    if a > b:
        a, b = b, a
    lo = lower_bound(indices, indptr[a], indptr[a + 1], b)
    if lo < indptr[a + 1] and indices[lo] == b:
        return data[lo], True
    return 0.0, False


@_njit
def _pairs_sum(g, indptr, indices, data):
    """Sum of the values of the pairs of the accounts ``g``, in ``triu`` order."""
    s = 0.0
    for i in range(len(g)):
        for j in range(i + 1, len(g)):
            v, hit = _value(indptr, indices, data, g[i], g[j])
            if hit:
                s += v
    return s


@_njit
def _group_sums(groups, indptr, indices, data):
    """Sum of the pair values inside each row of ``groups``, pairs in ``triu`` order."""
    out = np.zeros(len(groups), np.float64)
    for r in range(len(groups)):
        out[r] = _pairs_sum(groups[r], indptr, indices, data)
    return out


@_njit
def _rows_with_repeats(pick, rows, seen, stamp, out, copy):
    """The rows (of ``rows``, in order) of ``pick`` holding a value twice. ``seen`` (one slot
    per value, never reset) and ``stamp`` (the last stamp used) mark the values of a row.
    With ``copy``, each row read is also written to ``out``."""
    bad = np.empty(len(rows), np.int64)
    nb = 0
    cnt = pick.shape[1]
    for r in rows:
        stamp += 1
        for j in range(cnt):
            x = pick[r, j]
            if copy:
                out[r, j] = x
            if seen[x] == stamp:
                if not copy:
                    bad[nb] = r
                    nb += 1
                    break
                if nb == 0 or bad[nb - 1] != r:
                    bad[nb] = r
                    nb += 1
            seen[x] = stamp
    return bad[:nb], stamp


@_njit
def _count_exceed(picks, col_off, allpool, toppool, obs, slack, indptr, indices, data, need, flags):
    """Random groups (row ``r``: account ``allpool[col_off[c] + picks[r, c]]`` in column
    ``c``) whose pair sum reaches ``obs``. A group's sum is at most half the sum of its
    members' ``size − 1`` largest values (``toppool``, by pool position); only the groups
    whose bound reaches ``obs − slack`` are summed exactly. Rows are read in order and the
    count stops at ``need`` (0: never); returns the count and the rows read. ``flags``
    (one per row, or empty): set for each group that reaches ``obs``."""
    b, size = picks.shape
    g = np.empty(size, np.int64)
    n = 0
    mark = len(flags) > 0
    for r in range(b):
        bound = 0.0
        for c in range(size):
            bound += toppool[col_off[c] + picks[r, c]]
        if bound / 2.0 < obs - slack:
            continue
        for c in range(size):
            g[c] = allpool[col_off[c] + picks[r, c]]
        if _pairs_sum(g, indptr, indices, data) >= obs:
            n += 1
            if mark:
                flags[r] = True
            if n == need:
                return n, r + 1
    return n, b


@_njit
def _integral_sum(data):
    """Whether every value is an integer, and the sum of their absolute values."""
    s = 0.0
    ok = True
    for x in data:
        if ok and x != np.round(x):
            ok = False
        s += abs(x)
    return ok, s


@_njit
def _same_group(a, b, lut):
    """Per row, the group of accounts ``a[i]`` and ``b[i]`` when both are in the same one
    (``lut``: group of each account code, −1 for none; codes < 0: no account), −1 else."""
    n = len(a)
    lab = np.empty(n, np.int32)  # (group numbers: half the memory of int64 on large tables)
    for i in range(n):
        x = a[i]
        y = b[i]
        lx = lut[x] if x >= 0 else -1
        ly = lut[y] if y >= 0 else -1
        lab[i] = lx if lx == ly else -1
    return lab


@_njit
def _members_only(a, lut):
    """``a`` with −1 where the code is not a member (``lut`` < 0)."""
    out = np.empty(len(a), np.int64)
    for i in range(len(a)):
        x = a[i]
        out[i] = x if x >= 0 and lut[x] >= 0 else -1
    return out


def member_pairs(a: np.ndarray, b: np.ndarray, lut: np.ndarray, codes: bool = True
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row of a pair table (account codes ``a, b``, −1: none), the group of both
    accounts when they are in the same one (−1 else) and, when ``codes``, the member codes
    of each column (−1: not a member; else empty arrays), each in one compiled pass.

    >>> lut = np.array([0, -1, 0, 1])  # accounts 0 and 2 in group 0, 3 in group 1
    >>> x, y, lab = member_pairs(np.array([0, 0, 1, -1]), np.array([2, 3, 2, 0]), lut)
    >>> lab.tolist(), x.tolist(), y.tolist()
    ([0, -1, -1, -1], [0, 0, -1, -1], [2, 3, 2, 0])
    """
    lab = _same_group(a, b, lut)
    if not codes:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), lab
    return _members_only(a, lut), _members_only(b, lut), lab


def slack(obs: float) -> float:
    """The margin kept below ``obs`` when a bound rules a random group out: a rounding of
    the bound's sum never rules out a group that reaches ``obs`` (the exact sums decide)."""
    return 1e-9 * abs(obs)


class Links:
    """Symmetric pair values among ``n`` accounts: each unordered pair ``a < b`` once, as an
    upper-triangular CSR with sorted rows (``indptr, indices, data``).

    Examples
    --------
    >>> k = Links.from_pairs(np.array([0, 0, 2]), np.array([1, 2, 1]), np.array([3., 1., 2.]), 4)
    >>> k.indptr.tolist(), k.indices.tolist(), k.data.tolist()
    ([0, 2, 3, 3, 3], [1, 2, 2], [3.0, 1.0, 2.0])
    >>> k.group_sums(np.array([[0, 1, 2], [0, 3, 1]])).tolist()  # 3 + 1 + 2; 3
    [6.0, 3.0]
    >>> k.top(1).tolist(), k.top(2).tolist()  # largest value per account; two largest
    ([3.0, 3.0, 2.0, 0.0], [4.0, 5.0, 3.0, 0.0])
    """

    def __init__(self, n: int, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray) -> None:
        self.n = int(n)
        self.indptr, self.indices, self.data = indptr, indices, data
        self._prefix: tuple[np.ndarray, ...] | None = None
        self._mmax = -1

    @classmethod
    def from_pairs(cls, sa: np.ndarray, sb: np.ndarray, v: np.ndarray, n: int,
                   at: np.ndarray | None = None) -> "Links":
        """Pairs given as codes in ``range(n)`` (−1: left out) in either orientation: the
        values of a pair given several times (either way round) are summed; diagonal pairs
        and zero sums are left out (as ``triu(k + k.T, 1)`` with zeros eliminated). ``at``:
        the code in ``range(n)`` of each value of ``sa, sb`` (−1: left out), when they are
        other codes (categories)."""
        sa, sb, v = np.asarray(sa), np.asarray(sb), np.asarray(v)
        at = np.zeros(0, np.int64) if at is None else np.asarray(at, dtype=np.int64)
        idt = np.int32 if n < 2**31 else np.int64
        indptr, indices, data = _upper_rows(sa, sb, at, v, n, idt)
        if len(indptr):  # sorted, distinct pairs: the rows as they come
            return cls(n, indptr, indices, data)
        if len(at):
            sa, sb = lookup(sa, at), lookup(sb, at)
        sa, sb, v = sa.astype(np.int64), sb.astype(np.int64), v.astype(np.float64)
        ok = (sa >= 0) & (sb >= 0) & (sa != sb)
        lo, hi, v = np.minimum(sa[ok], sb[ok]), np.maximum(sa[ok], sb[ok]), v[ok]
        key = lo * n + hi
        o = np.argsort(key, kind="stable")
        key, v = key[o], v[o]
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, np.int64)
        key, v = key[first], np.add.reduceat(v, first) if len(first) else v[:0]
        nz = v != 0
        key, v = key[nz], v[nz]
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(key // n, minlength=n), out=indptr[1:])
        return cls(n, indptr, (key % n).astype(idt), v)

    @property
    def rows(self) -> np.ndarray:
        """The row (smaller account) of each stored pair."""
        return np.repeat(np.arange(self.n), np.diff(self.indptr))

    @property
    def linked(self) -> np.ndarray:
        """Accounts with at least one link."""
        return (np.diff(self.indptr) > 0) | (np.bincount(self.indices, minlength=self.n) > 0)

    def group_sums(self, groups: np.ndarray) -> np.ndarray:
        """Sum of the values over all pairs inside each row of ``groups`` (account codes)."""
        return _group_sums(np.ascontiguousarray(groups, dtype=np.int64), self.indptr, self.indices, self.data)

    def prepare_top(self, mmax: int) -> None:
        """Keep each account's ``mmax`` largest values (for :meth:`top` up to ``mmax``)."""
        self._prefix = _top_prefix(self.indptr, self.indices, self.data, int(mmax))
        self._mmax = int(mmax)

    def top(self, m: int) -> np.ndarray:
        """Per account, the sum of its ``m`` largest values (all of them when it has fewer),
        largest first: an upper bound of its share of any group of ``m + 1``."""
        if self._prefix is None or m > self._mmax:
            self.prepare_top(m)
        assert self._prefix is not None
        return _top_at(*self._prefix, int(m))

    def integral(self) -> bool:
        """Whether the values are integers summed exactly in floating point (any order)."""
        ok, total = _integral_sum(self.data)
        return bool(ok) and float(total) < 2.0 ** 52

    def decile_totals(self, dec: np.ndarray, nd: int) -> np.ndarray:
        """``w[d, e]`` (d ≤ e): the values of the links between deciles d and e."""
        return _decile_totals(self.indptr, self.indices, self.data, np.asarray(dec, dtype=np.int64), int(nd))

    def incident(self, accounts: np.ndarray) -> "Incident":
        """The links of the given accounts (one pass over every link)."""
        sel = np.full(self.n, -1, np.int64)
        accounts = np.unique(np.asarray(accounts, dtype=np.int64))
        sel[accounts] = np.arange(len(accounts))
        return Incident(sel, *_incident(self.indptr, self.indices, self.data, sel))

    def count_exceed(self, picks: np.ndarray, col_off: np.ndarray, allpool: np.ndarray, top: np.ndarray,
                     obs: float, need: int = 0, flags: np.ndarray | None = None) -> tuple[int, int]:
        """How many random groups (:func:`_count_exceed`, rows in order) have a pair sum
        ≥ ``obs``, stopping at ``need`` of them (0: never), and how many rows were read;
        ``flags``: marks each group that does (one per row)."""
        n, r = _count_exceed(picks, col_off, allpool, top[allpool], float(obs), slack(obs), self.indptr,
                             self.indices, self.data, int(need),
                             np.zeros(0, bool) if flags is None else flags)
        return int(n), int(r)


class Incident:
    """The links of a few accounts (:meth:`Links.incident`): ``sel[a]`` (−1: not covered),
    then per covered account ``ptr``, ascending ``partner`` and ``value``."""

    def __init__(self, sel: np.ndarray, ptr: np.ndarray, partner: np.ndarray, value: np.ndarray) -> None:
        self.sel, self.ptr, self.partner, self.value = sel, ptr, partner, value

    def covers(self, x: np.ndarray) -> bool:
        return bool((self.sel[x] >= 0).all())

    def left_out_totals(self, x: np.ndarray, out: np.ndarray, dec: np.ndarray, nd: int) -> np.ndarray:
        """Link values by (lower, higher) decile pair of the links touching the accounts
        ``x`` (``out``: a mask of them), each link once."""
        return _left_out_totals(np.asarray(x, dtype=np.int64), out, np.asarray(dec, dtype=np.int64), int(nd),
                                self.sel, self.ptr, self.partner, self.value)


@_njit
def _min_by(keys, values, ok, n):
    out = np.full(n, np.iinfo(np.int64).max, np.int64)
    for i in range(len(keys)):
        if ok[i]:
            k = keys[i]
            if values[i] < out[k]:
                out[k] = values[i]
    return out


def min_by(keys: np.ndarray, values: np.ndarray, ok: np.ndarray, n: int) -> np.ndarray:
    """Per key in ``range(n)``, the least of the int64 ``values`` of the rows where ``ok``
    (the int64 maximum where none): ``np.minimum.at`` in one compiled pass.

    >>> min_by(np.array([1, 0, 1, 1]), np.array([5, 7, 3, 1]), np.array([True, True, True, False]), 3).tolist()[:2]
    [7, 3]
    """
    return _min_by(keys, np.asarray(values, dtype=np.int64), ok, int(n))


def lookup(codes: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``at[codes]`` as int64, −1 where a code is negative (one compiled pass).

    >>> lookup(np.array([2, -1, 0], dtype=np.int8), np.array([5, 6, 7])).tolist()
    [7, -1, 5]
    """
    return _lookup(np.asarray(codes), np.asarray(at, dtype=np.int64))


def rows_with_repeats(pick: np.ndarray, rows: np.ndarray, pool: int, state: dict[str, Any],
                      out: np.ndarray | None = None) -> np.ndarray:
    """The rows (of ``rows``) of ``pick`` (values in ``range(pool)``) that hold a value
    twice; ``state`` keeps the marks between calls. ``out``: where to copy the rows read
    (same shape as ``pick``; a view into a larger table)."""
    seen = state.get("seen")
    if seen is None or len(seen) < pool:
        seen = state["seen"] = np.zeros(pool, np.int64)
        state["stamp"] = 0
    copy = out is not None
    dest = out if copy else np.zeros((0, 0), pick.dtype)
    bad, state["stamp"] = _rows_with_repeats(pick, rows, seen, state["stamp"], dest, copy)
    return bad


@_njit
def _peel(ptr, nbr, k, alive):
    """Remove, repeatedly, the nodes with fewer than ``k`` neighbours left (``ptr, nbr``:
    distinct neighbours of each node, both directions); ``alive`` ends as the k-core."""
    n = len(ptr) - 1
    deg = np.empty(n, np.int64)
    stack = np.empty(n, np.int64)
    top = 0
    for v in range(n):
        deg[v] = ptr[v + 1] - ptr[v]
        if deg[v] < k:
            alive[v] = False
            stack[top] = v
            top += 1
    while top > 0:
        top -= 1
        v = stack[top]
        for p in range(ptr[v], ptr[v + 1]):
            u = nbr[p]
            if alive[u]:
                deg[u] -= 1
                if deg[u] < k:  # (crosses below k once: pushed once)
                    alive[u] = False
                    stack[top] = u
                    top += 1


def k_core(a: np.ndarray, b: np.ndarray, n: int, k: int) -> np.ndarray:
    """Whether each of the nodes ``0..n-1`` is in the ``k``-core of the simple undirected
    graph of the edges ``a[i]–b[i]`` (repeated edges count once, self-loops not at all):
    the nodes left after those with fewer than ``k`` neighbours are removed, repeatedly
    (Batagelj & Zaveršnik 2003; ``igraph``'s ``coreness() >= k``).

    >>> k_core(np.array([0, 0, 1, 2, 3, 3]), np.array([1, 2, 2, 3, 4, 3]), 5, 2).tolist()
    [True, True, True, False, False]
    """
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    ok = a != b
    key = np.minimum(a[ok], b[ok]) * n + np.maximum(a[ok], b[ok])
    key.sort()
    key = key[np.r_[True, key[1:] != key[:-1]]] if len(key) else key  # each edge once
    alive = np.ones(n, dtype=bool)
    _k_core(key // n, key % n, n, int(k), alive)
    return alive


@_njit
def _k_core(lo, hi, n, k, alive):
    """:func:`_peel` of the graph of the distinct edges ``lo[i]–hi[i]``."""
    ptr = np.zeros(n + 1, np.int64)
    for i in range(len(lo)):
        ptr[lo[i] + 1] += 1
        ptr[hi[i] + 1] += 1
    for v in range(n):
        ptr[v + 1] += ptr[v]
    pos = ptr[:-1].copy()
    nbr = np.empty(ptr[n], np.int64)
    for i in range(len(lo)):
        nbr[pos[lo[i]]] = hi[i]
        pos[lo[i]] += 1
        nbr[pos[hi[i]]] = lo[i]
        pos[hi[i]] += 1
    _peel(ptr, nbr, k, alive)
