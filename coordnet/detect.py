"""Calibrated detection of coordinated-amplification clusters.

Two evidence layers, each tested against a null model fitted to the data itself, then
clustering, then validation of each cluster as a whole (see ``docs/method.md``):

**Layer T — synchrony** (:func:`synchrony_pairs`)
    For accounts *a*, *b*: ``s`` = objects both acted on (at any time) and ``k(τ)`` =
    those on which their actions are at most τ apart, for several τ (default 10 s, 60 s,
    5 min, 30 min). Under the null, a co-shared object is co-timed with the dataset's own
    probability ``q(τ)`` (the share of all co-shared (pair, object) combinations that are
    within τ): ``k ~ Binomial(s, q(τ))``. The smallest p over τ (Bonferroni) is kept; pairs
    need ``k ≥ min_repeat`` and Benjamini–Hochberg FDR ≤ ``alpha``, over the pairs that
    co-shared at least ``min_repeat`` objects (the only testable ones; Tarone 1990). Objects acted on by more
    than ``max_object_accounts`` accounts (organic virality) are left out of this layer.
    A pair that shares everything at once is significant; a pair that is merely fast on
    popular posts, or co-shares a lot at human pace (friends, like-minded communities), is
    not.

**Layer R — mutual amplification** (:func:`amplification_pairs`)
    For each directed edge a→b of the amplification graph with weight ``w`` (actions):
    ``w ~ Poisson(out(a)·in(b)/M)`` (the configuration-model expectation; a popular target
    has a large ``in(b)`` and is discounted, as FRAUDAR's column weights do). Edges need
    ``w ≥ min_repeat`` and BH FDR ≤ ``alpha``.

**Clusters** (:func:`find_clusters`)
    Leiden with the Constant Potts Model (resolution γ, default 0.5: more than half of a
    cluster's pairs are significantly linked) on the graph of significant edges of both
    layers, seeded. CPM has no resolution limit, unlike modularity. Only the graph's
    ``⌈γ·(min_cluster_size − 1)⌉``-core is clustered (:func:`cluster_core`): members of a
    community of ``min_cluster_size`` or more have that many links inside it.

**Validation** (:func:`validate_clusters`)
    The cluster's synchrony statistic (co-timed objects summed over member pairs, τ = 60 s)
    is compared with ``n_null`` random groups of the same size drawn among accounts of the
    same activity decile: p-value, lift. A cluster is flagged when that p-value, after
    Bonferroni over the candidate clusters, is ≤ ``alpha_cluster`` and it has at least
    ``min_cluster_size`` amplifiers. Its tier: *strong* when both layers support it, it
    persists across the γ sweep (0.3/0.5/0.7) and the data has post ids (without them the
    synchrony layer is a weak proxy), *moderate* with one of those, *weak* else.

References
----------
Keller, F. B., Schoch, D., Stier, S., & Yang, J. (2020). Political astroturfing on Twitter:
How to coordinate a disinformation campaign. *Political Communication*, 37(2), 256–280.
Pacheco, D., Hui, P.-M., Torres-Lugo, C., et al. (2021). Uncovering coordinated networks on
social media. *ICWSM* 15.
Hooi, B., Song, H. A., Beutel, A., et al. (2016). FRAUDAR: Bounding graph fraud in the face of
camouflage. *KDD*.
Traag, V. A., Waltman, L., & van Eck, N. J. (2019). From Louvain to Leiden: guaranteeing
well-connected communities. *Scientific Reports*, 9, 5233.
Benjamini, Y., & Hochberg, Y. (1995). Controlling the false discovery rate. *JRSS B*, 57(1).
Tarone, R. E. (1990). A modified Bonferroni method for discrete data. *Biometrics*, 46(2).
Schoch, D., Keller, F. B., Stier, S., & Yang, J. (2022). Coordination patterns reveal online
political astroturfing across the world. *Scientific Reports*, 12, 4572.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from ._leiden import LeidenRuns
from ._links import Links, k_core, lookup, member_pairs, min_by, rows_with_repeats, slack
from .config import Config
from .errors import InputError, MissingDependencyError, require_columns
from .io import ensure_encoded as _encoded
from .io import time_ms as _ms
from ._memory import heavy

__all__ = [
    "bh_adjust",
    "synchrony_pairs",
    "amplification_pairs",
    "find_clusters",
    "cluster_core",
    "validate_clusters",
    "block_amplification",
    "cluster_statistics",
    "time_to_amplify",
]

log = logging.getLogger("coordnet")
ProgressCallback = Callable[[str, int, int], None]


#: The tables the detection functions take: their columns, and what they are.
_AMPLIFICATION = (("source", "target", "weight"), "the amplification graph (coordnet.amplification_edges)")
_PAIRS = (("account_a", "account_b"), "an edge list of account pairs")
_K_PAIRS = (("account_a", "account_b", "k"),
            "co-timed objects per account pair (the co-action edges, n_objects as k)")
_ACTIONS = "the canonical actions table (coordnet.from_dataframe(df).actions)"


def bh_adjust(p: np.ndarray, m: int | None = None) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values).

    Parameters
    ----------
    p : array of float
    m : int, optional
        Number of hypotheses tested (default ``len(p)``); give it when only the
        smallest p-values were computed and the rest are known to be large.

    Examples
    --------
    >>> bh_adjust(np.array([0.01, 0.04, 0.03, 0.5])).round(3).tolist()
    [0.04, 0.053, 0.053, 0.5]
    """
    p = np.asarray(p, dtype="float64")
    n = len(p)
    m = n if m is None else max(m, n)
    if n == 0:
        return p
    # p ≥ 1 sort last and get q = 1 whatever their rank: only the others are sorted (the
    # same ranks, so the same values)
    if np.isnan(p).any():  # NaN sorts last and spreads to every q (as before)
        low = np.arange(n)
    else:
        low = np.flatnonzero(p < 1.0)
    order = low[np.argsort(p[low], kind="stable")]
    ranked = p[order] * m / np.arange(1, len(order) + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.ones(n)
    out[order] = np.minimum(adj, 1.0)
    return out


def _binom_sf(k: np.ndarray, n: np.ndarray, q: Any) -> np.ndarray:
    """``P(Binomial(n, q) ≥ k)``, in slices of a million (scipy's ``sf`` makes about ten
    temporary arrays of its input's size), on the thread pool (its special functions
    release the GIL)."""
    from scipy.stats import binom

    from ._kernels import _threads

    step = 1 << 20
    if len(k) <= step:
        return binom.sf(k - 1, n, q)
    out = np.empty(len(k))

    def one(i: int) -> None:
        out[i:i + step] = binom.sf(k[i:i + step] - 1, n[i:i + step], q[i:i + step] if np.ndim(q) else q)

    with ThreadPoolExecutor(_threads()) as pool:
        list(pool.map(one, range(0, len(k), step)))
    return out


def _binom_sf_at_least(k: np.ndarray, n: np.ndarray, q: Any, min_k: int) -> np.ndarray:
    """``P(Binomial(n, q) ≥ k)`` where ``k ≥ min_k``, else 1 (computed only where needed)."""
    out = np.ones(len(k))
    i = np.flatnonzero(k >= min_k)
    out[i] = _binom_sf(k[i], n[i], q[i] if np.ndim(q) else q)
    return out


@heavy
def synchrony_pairs(actions: pd.DataFrame, config: Config | None = None, *,
                    progress: ProgressCallback | None = None, _index: Any = None
                    ) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Layer T: account pairs that act on the same objects within τ more than chance.

    Parameters
    ----------
    actions : pandas.DataFrame
        Canonical actions table.
    config : Config, optional
        Uses ``windows``, ``action_types``, ``min_repeat``, ``alpha``,
        ``max_object_accounts``, ``engine`` (``"spark"`` runs the co-action join on Spark;
        otherwise it runs in memory on integer codes).
    progress : callable, optional
        ``progress(stage, done, total)``, called as the compiled counts advance (stage
        ``"synchrony counts"``).

    Returns
    -------
    pairs : pandas.DataFrame
        One row per candidate pair (``k ≥ min_repeat`` at the largest window):
        ``account_a, account_b`` (categoricals over every account name, as the co-action
        edges; ``account_a`` first in the names' order), ``s`` (co-shared objects), ``k_<τ>`` for each window,
        ``p`` (min over windows × number of windows), ``q_value`` (BH), ``significant``.
    info : dict
        ``q`` (the null co-timing probability per window), ``n_tested`` (pairs that
        co-shared at least ``min_repeat`` objects: the hypotheses of the BH correction),
        ``n_coacting`` (pairs with a co-action within the largest window),
        ``objects_skipped`` (too viral), ``n_objects``.

    Examples
    --------
    >>> import coordnet
    >>> pairs, info = synchrony_pairs(coordnet.datasets.toy_actions())
    >>> int(pairs["significant"].sum()), sorted(info["q"])
    (0, [10.0, 60.0, 300.0, 1800.0])
    """
    from .graphs import _check_actions, _type_codes

    config = config or Config()
    if isinstance(_index, list):  # handed over: released here once the counts are done
        _index = _index.pop() if _index else None
    _check_actions(actions, ("source", "target", "timestamp", "type", "object_id"))
    windows = sorted(config.windows)
    actions = _encoded(actions)
    names = actions["source"].cat.categories
    n_acc = len(names)
    o_all = _codes(actions["object_id"])
    key = "object_id" if (o_all >= 0).any() else "target"
    if key == "target":  # no post ids: "the same object" is the same amplified account
        o_all, n_obj = _codes(actions["target"]), n_acc
    else:
        n_obj = len(actions["object_id"].cat.categories)
    s_all = _codes(actions["source"])
    type_code, type_names = _type_codes(actions["type"])  # (on the codes: no string per row)
    sel = (np.isin(type_code, [k for k, x in enumerate(type_names) if x in config.action_types])
           & (o_all >= 0) & actions["timestamp"].notna().to_numpy())
    del type_code
    if key == "target":
        sel &= s_all != o_all
    cdt = np.int32 if max(n_acc, n_obj) < 2**31 else np.int64  # (codes: half the memory of int64)
    s = s_all[sel].astype(cdt)
    o = o_all[sel].astype(cdt)
    t = _ms(actions["timestamp"])[sel]
    del s_all, o_all, sel
    from ._kernels import index_actions, index_object_accounts, object_accounts, synchrony_counts

    # (the sorted actions of the co-action sweep, when they are these: viral objects are
    # then skipped by the sweep rather than removed from its input)
    shared = _index is not None and key == "object_id" and config.engine != "spark" and _index.n == len(s)
    ix, _index = (_index if shared else None), None
    # each object's distinct accounts (sorted); objects with too many are organic virality
    oa_idx, oa_ptr = index_object_accounts(ix) if ix is not None else object_accounts(s, o, n_acc, n_obj)
    n_acc_o = np.diff(oa_ptr)  # accounts per object
    viral = n_acc_o > config.max_object_accounts
    info: dict[str, Any] = {"objects_skipped": int(viral.sum()), "n_objects": int((n_acc_o > 0).sum()),
                            "object_key": key}
    if viral.any():
        if ix is None:  # (the shared index skips them instead; what follows ignores the
            # objects left without accounts)
            keep = ~viral[o]
            s, o, t = s[keep], o[keep], t[keep]
            del keep
        n_acc_o = np.where(viral, 0, n_acc_o)
    total_coshares = float((n_acc_o * (n_acc_o - 1) / 2).sum())
    acc_dtype = actions["source"].dtype  # the accounts' categorical (all sorted names)
    empty = pd.DataFrame({"account_a": pd.Series(dtype=acc_dtype), "account_b": pd.Series(dtype=acc_dtype),
                          "s": pd.Series(dtype="int64"),
                          **{f"k_{w:g}": pd.Series(dtype="int64") for w in windows},
                          "p": pd.Series(dtype="float64"), "q_value": pd.Series(dtype="float64"),
                          "significant": pd.Series(dtype="bool")})
    info["q"] = {float(w): 0.0 for w in windows}
    info["n_tested"] = 0
    info["n_coacting"] = 0
    if total_coshares == 0:
        return empty, info
    # the co-action counts at every window up to the largest, per pair and per object: the
    # compiled sweep (in memory), or SQL on Spark
    all_w = sorted(set(windows) | {min(float(config.window), windows[-1])})
    levels = [int(round(w * 1000)) for w in all_w]
    if config.engine == "spark":
        pk_a, pk_b, s_ab, counts, k_obj, n_coacting, n_tested = _spark_counts(
            s.astype(np.int64), o.astype(np.int64), t, levels, n_obj, config)
    else:
        if ix is None:
            ix = index_actions(s, o, t, n_acc, n_obj)
        if progress:
            progress("synchrony counts", 0, 1)
        sc = synchrony_counts(ix, levels, n_acc, n_obj, config.min_repeat, (oa_idx, oa_ptr), viral,
                              progress=(lambda d, n_: progress("synchrony counts", d, n_)) if progress else None)
        del ix
        pk_a, pk_b, s_ab, counts, k_obj = sc.a, sc.b, sc.s, sc.k, sc.k_obj
        n_coacting = sc.n_coacting
        n_tested = int(sc.s_hist[config.min_repeat:].sum())
        del sc
    del oa_idx, oa_ptr
    if not n_coacting:
        return empty, info
    # q(τ): for an object, the share of its co-sharing account pairs that are within τ,
    # averaged over objects weighted by their number of accounts (not by their number of
    # pairs, which would let a large campaign's own posts dominate the null); objects in
    # the order they first appear in the data (the order of the weighted sum)
    objs = pd.unique(o)
    objs = objs[n_acc_o[objs] >= 2]
    n_q = n_acc_o[objs]
    pairs_o = n_q * (n_q - 1) / 2
    # t0 of each object (its first action), for the speed null
    t0_o = np.full(n_obj, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(t0_o, o, t)
    q = {}
    k_cum = np.cumsum(k_obj, axis=1)
    for i, w in enumerate(all_w):  # q at each test window, and at the co-action window
        q_o = np.minimum(k_cum[objs, i] / pairs_o, 1.0)
        q[float(w)] = float(np.average(q_o, weights=n_q))
    info["q"] = q
    del k_cum, k_obj
    # k per candidate pair (k ≥ min_repeat at the largest window) and window, pairs sorted
    kw_all = {w: counts[:, all_w.index(w)].astype(np.int64) for w in windows}
    info["n_coacting"] = int(n_coacting)
    del counts
    ca, cb = pk_a.astype(np.int64), pk_b.astype(np.int64)
    c = np.arange(len(ca))
    # hypotheses counted by BH: the pairs that could be significant at all, i.e. that
    # co-shared at least min_repeat objects (at any time). Conditional on s, that filter is
    # independent of the timing under the null, so the FDR stays controlled (Tarone 1990);
    # pairs that co-shared fewer objects can never reach k ≥ min_repeat.
    info["n_tested"] = max(int(n_tested), len(c))
    if not len(c):
        return empty, info
    cand = pd.DataFrame({"account_a": pd.Categorical.from_codes(ca, dtype=acc_dtype),
                         "account_b": pd.Categorical.from_codes(cb, dtype=acc_dtype),
                         **{f"k_{w:g}": kw_all[w] for w in windows}})
    cand["s"] = np.maximum(s_ab, kw_all[windows[-1]])  # guard: every co-timed object is co-shared
    pmin = np.ones(len(cand))
    for w in windows:
        kw = cand[f"k_{w:g}"].to_numpy()
        pw = _binom_sf_at_least(kw, cand["s"].to_numpy(), max(q[w], 1e-12), config.min_repeat)
        pmin = np.minimum(pmin, pw)
    cand["p"] = np.minimum(pmin * len(windows), 1.0)
    cand["q_value"] = bh_adjust(cand["p"].to_numpy(), m=info["n_tested"])
    cand["significant"] = cand["q_value"] <= config.alpha
    info["speed_adjusted"] = 0
    if config.speed_null and cand["significant"].any():
        sig = cand["significant"].to_numpy()
        qab = _speed_q_codes(s, o, t, n_acc_o, t0_o, ca[sig], cb[sig], windows)
        pmin = np.ones(int(sig.sum()))
        for w in windows:
            kw = cand.loc[sig, f"k_{w:g}"].to_numpy()
            qw = np.maximum(qab[w], max(q[w], 1e-12))
            pw = _binom_sf_at_least(kw, cand.loc[sig, "s"].to_numpy(), qw, config.min_repeat)
            pmin = np.minimum(pmin, pw)
        p2 = np.minimum(pmin * len(windows), 1.0)
        cand.loc[sig, "p"] = np.maximum(cand.loc[sig, "p"].to_numpy(), p2)
        cand["q_value"] = bh_adjust(cand["p"].to_numpy(), m=info["n_tested"])
        still = sig & (cand["q_value"].to_numpy() <= config.alpha)
        info["speed_adjusted"] = int(sig.sum() - still.sum())
        cand["significant"] = still
    return cand[list(empty.columns)], info


def _spark_counts(s: np.ndarray, o: np.ndarray, t: np.ndarray, levels: list[int], n_obj: int,
                  config: Config) -> tuple[np.ndarray, ...]:
    """The synchrony counts of :func:`coordnet._kernels.synchrony_counts` computed on Spark
    (:func:`coordnet.engines.run_synchrony_sql`): candidates ``a, b, s, k`` (sorted), the
    pairs per object and level, the co-acting pairs and the testable pairs."""
    from .engines import run_synchrony_sql

    cand, per_obj, n_coacting, n_tested = run_synchrony_sql(
        s, o, t, levels, config.min_repeat, engine="spark", spark_master=config.spark_master)
    a, b = cand.column("a").to_numpy(), cand.column("b").to_numpy()
    order = np.lexsort((b, a))
    k = np.stack([cand.column(f"k{i}").to_numpy()[order] for i in range(len(levels))], axis=1) if len(a) \
        else np.zeros((0, len(levels)), np.int64)
    k_obj = np.zeros((n_obj, len(levels)), dtype=np.int64)
    # cumulative counts per pair; per object, the pairs of each level
    po, lv, n = (per_obj.column(c).to_numpy() for c in ("o", "lv", "n"))
    np.add.at(k_obj, (po, lv), n)
    return (a[order], b[order], cand.column("s").to_numpy()[order], k, k_obj, n_coacting,
            n_tested)


#: Least number of a suspected account's own delays (on posts outside its suspected group)
#: for its timing habit to enter the speed null.
MIN_OWN_DELAYS = 10
#: Least number of accounts on an object for its delays to enter the speed null.
MIN_OBJECT_ACCOUNTS = 3
_MAX_OWN_DELAYS = 1000


def _pair_speed_q(sub: pd.DataFrame, pairs: pd.DataFrame, windows: list[float]) -> dict[float, np.ndarray]:
    """Chance that two accounts act within τ of each other given their own timing habits.

    For each pair (a, b), ``P(|D_a − D_b| ≤ τ)`` where ``D_a`` is drawn from a's delays (seconds
    after the first action on the object) on the objects with at least
    :data:`MIN_OBJECT_ACCOUNTS` accounts that none of a's partners in ``pairs`` acted on — its
    habit outside the suspected group. Pairs where either account has fewer
    than :data:`MIN_OWN_DELAYS` such delays get 0 (no adjustment). (Text keys are coded
    here; :func:`synchrony_pairs` calls :func:`_speed_q_codes` on its codes directly.)

    Examples
    --------
    a and b each retweet 20 posts without the other, always 5 s after account x's first
    action on them (y comes 10 minutes later); together they share post s:

    >>> rows = [("x", f"p{i}", 0) for i in range(40)]
    >>> rows += [("y", f"p{i}", 600) for i in range(40)]
    >>> rows += [("a", f"p{i}", 5) for i in range(20)] + [("b", f"p{i}", 5) for i in range(20, 40)]
    >>> rows += [("a", "s", 0), ("b", "s", 1)]
    >>> sub = pd.DataFrame(rows, columns=["source", "object_id", "timestamp"])
    >>> sub["timestamp"] = pd.to_datetime(sub["timestamp"], unit="s", utc=True)
    >>> q = _pair_speed_q(sub, pd.DataFrame({"account_a": ["a"], "account_b": ["b"]}), [10.0])
    >>> q[10.0].tolist()  # both always 5 s late: always within 10 s of each other
    [1.0]
    """
    s, names = pd.factorize(pd.concat([sub["source"], pairs["account_a"], pairs["account_b"]]), sort=True)
    o, _ = pd.factorize(sub["object_id"], sort=True)
    n = len(sub)
    s, pa, pb = s[:n].astype(np.int64), s[n:n + len(pairs)], s[n + len(pairs):]
    o = o.astype(np.int64)
    t = _ms(sub["timestamp"])
    n_acc_o = np.bincount(pd.unique(o * len(names) + s) // len(names), minlength=int(o.max(initial=-1)) + 1)
    t0_o = pd.Series(t).groupby(o).min().reindex(np.arange(len(n_acc_o))).fillna(0).to_numpy().astype(np.int64)
    return _speed_q_codes(s, o, t, n_acc_o, t0_o, pa, pb, windows)


def _speed_q_codes(s: np.ndarray, o: np.ndarray, t: np.ndarray, n_acc_o: np.ndarray, t0_o: np.ndarray,
                   pa: np.ndarray, pb: np.ndarray, windows: list[float]) -> dict[float, np.ndarray]:
    """:func:`_pair_speed_q` on integer codes: actions ``s, o, t`` (ms), accounts per
    object ``n_acc_o`` and first time ``t0_o`` of each object, pairs ``pa, pb``."""
    out = {float(w): np.zeros(len(pa)) for w in windows}
    if not len(pa):
        return out
    # the actions of the pairs' accounts on objects with a few accounts (a delay needs them)
    in_pairs = np.zeros(max(int(s.max(initial=-1)), int(pa.max()), int(pb.max())) + 1, dtype=bool)
    in_pairs[pa] = in_pairs[pb] = True  # (a look-up table on the codes, not a hashed isin)
    m = in_pairs[s] & (n_acc_o[o] >= MIN_OBJECT_ACCOUNTS)
    first = (pd.DataFrame({"s": s[m].astype(np.int64), "o": o[m].astype(np.int64), "t": t[m]})
             .groupby(["s", "o"], sort=True)["t"].min().reset_index())
    fs, fo = first["s"].to_numpy(), first["o"].to_numpy()
    delay = pd.TimedeltaIndex((first["t"].to_numpy() - t0_o[fo]).astype("timedelta64[ms]"))
    delay = np.clip(delay.total_seconds().to_numpy(), 0, 4e6)
    n_o = int(o.max(initial=-1)) + 1
    # objects on which a partner of the account also acted: (account, object) keys
    links = pd.DataFrame({"a": np.r_[pa, pb], "p": np.r_[pb, pa]})
    po = links.merge(pd.DataFrame({"p": fs, "o": fo}), on="p")
    shared = np.isin(fs * n_o + fo, po["a"].to_numpy() * n_o + po["o"].to_numpy())
    # own delays, sorted by account then object; at most _MAX_OWN_DELAYS per account (the
    # first by object id: deterministic)
    fs, fo, delay = fs[~shared], fo[~shared], delay[~shared]
    acc_own, start, n_own = np.unique(fs, return_index=True, return_counts=True)
    rank = np.arange(len(fs)) - np.repeat(start, n_own)
    keep = rank < _MAX_OWN_DELAYS
    fs, delay = fs[keep], delay[keep]
    acc_own, start, n_own = np.unique(fs, return_index=True, return_counts=True)
    if not len(acc_own):
        return out
    big = 1e7
    code = np.searchsorted(acc_own, fs)
    keys = np.sort(code * big + delay)
    pos_a = np.searchsorted(acc_own, pa).clip(0, len(acc_own) - 1)
    pos_b = np.searchsorted(acc_own, pb).clip(0, len(acc_own) - 1)
    na = np.where(acc_own[pos_a] == pa, n_own[pos_a], 0).astype("float64")
    nb = np.where(acc_own[pos_b] == pb, n_own[pos_b], 0).astype("float64")
    ok = (na >= MIN_OWN_DELAYS) & (nb >= MIN_OWN_DELAYS)
    if not ok.any():
        return out
    idx = np.flatnonzero(ok)
    # a's delays, one row per (pair, delay)
    cnt_a = n_own[pos_a[idx]]
    ex_i = np.repeat(np.arange(len(idx)), cnt_a)
    ex_row = np.repeat(start[pos_a[idx]] - np.r_[0, np.cumsum(cnt_a)[:-1]], cnt_a) + np.arange(int(cnt_a.sum()))
    base = pos_b[idx][ex_i] * big
    d = delay[ex_row]
    for w in windows:
        tau = min(float(w), 4e6)
        cnt = (np.searchsorted(keys, base + d + tau, side="right")
               - np.searchsorted(keys, base + d - tau, side="left"))
        tot = np.bincount(ex_i, weights=cnt, minlength=len(idx))
        out[float(w)][idx] = tot / (na[idx] * nb[idx])
    return out


def amplification_pairs(amplification: pd.DataFrame, config: Config | None = None) -> pd.DataFrame:
    """Layer R: directed amplification edges heavier than the accounts' degrees explain.

    Parameters
    ----------
    amplification : pandas.DataFrame
        :func:`coordnet.amplification_edges`.
    config : Config, optional
        Uses ``min_repeat`` and ``alpha``.

    Returns
    -------
    pandas.DataFrame
        The edges with ``expected`` (``out(a)·in(b)/M``), ``p``, ``q_value`` and
        ``significant``.

    Examples
    --------
    >>> import coordnet
    >>> e = amplification_pairs(coordnet.build_graphs(coordnet.datasets.toy_actions()).amplification)
    >>> e.loc[e.significant, ["source", "target"]].shape[0]
    0
    """
    require_columns(amplification, "amplification", *_AMPLIFICATION)
    from scipy.stats import poisson

    config = config or Config()
    e = amplification[["source", "target", "weight"]].copy()
    if e.empty:
        return e.assign(expected=pd.Series(dtype="float64"), p=pd.Series(dtype="float64"),
                        q_value=pd.Series(dtype="float64"), significant=pd.Series(dtype="bool"))
    m = float(e["weight"].sum())
    out_deg = e["weight"].groupby(_group_key(e["source"])).transform("sum")
    in_deg = e["weight"].groupby(_group_key(e["target"])).transform("sum")
    e["expected"] = out_deg * in_deg / m
    w = e["weight"].to_numpy()
    p = np.ones(len(e))
    test = np.flatnonzero(w >= config.min_repeat)  # the others cannot be significant: p = 1
    p[test] = poisson.sf(w[test] - 1, e["expected"].to_numpy()[test])
    e["p"] = p
    e["q_value"] = bh_adjust(p)
    e["significant"] = e["q_value"] <= config.alpha
    return e


def cluster_core(edges: pd.DataFrame, *, resolution: float, min_size: int) -> pd.DataFrame:
    """The links among accounts that can belong to a CPM community of ``min_size`` or more.

    In a partition that Leiden–CPM cannot improve by moving one account (which Leiden
    guarantees once an iteration leaves the partition unchanged), each member ``v`` of a
    community ``C`` has at least ``γ·(|C| − 1)`` links inside ``C``: moving ``v`` out alone
    would otherwise raise the quality ``Σ_C e_C − γ·|C|(|C|−1)/2``. A community of
    ``min_size`` or more is therefore inside the ``k``-core of the graph (every account
    keeps ``k`` links after the accounts with fewer are removed, repeatedly), with
    ``k = ⌈γ·(min_size − 1)⌉``. Clustering that core instead of the whole graph gives the
    candidate clusters at a fraction of the cost: on sparse link graphs most accounts
    hang off the core by one link.

    Parameters
    ----------
    edges : pandas.DataFrame
        Undirected links ``account_a, account_b``.
    resolution : float
        CPM γ.
    min_size : int
        Smallest community of interest.

    Returns
    -------
    pandas.DataFrame
        The rows of ``edges`` whose two accounts are both in the ``k``-core, in order.

    Examples
    --------
    A triangle with a tail: at γ = 0.5 a community of 4 needs 2 links per member, so the
    tail (d, e) cannot be in one and is set aside:

    >>> e = pd.DataFrame({"account_a": ["a", "a", "b", "c", "d"],
    ...                   "account_b": ["b", "c", "c", "d", "e"]})
    >>> cluster_core(e, resolution=0.5, min_size=4).values.tolist()
    [['a', 'b'], ['a', 'c'], ['b', 'c']]

    References
    ----------
    Seidman, S. B. (1983). Network structure and minimum degree. *Social Networks*, 5(3),
    269–287 (k-cores). Traag, V. A., Waltman, L., & van Eck, N. J. (2019). From Louvain to
    Leiden: guaranteeing well-connected communities. *Scientific Reports*, 9, 5233.
    """
    require_columns(edges, "edges", *_PAIRS)
    k = int(np.ceil(resolution * (min_size - 1) - 1e-9))
    if edges.empty or k <= 1:  # every account with a link is in the 1-core
        return edges
    a, b, names = _node_codes(edges)
    core = k_core(a, b, len(names), k)
    return edges.loc[core[a] & core[b]]


def _node_codes(edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """Node numbers of both columns of an edge list and the names, sorted (as
    ``pd.factorize(..., sort=True)``): on the codes of categorical columns over one sorted
    set of categories, without a string per row (:func:`_node_categories`)."""
    a, b, names, _ = _node_categories(edges)
    return a, b, names


def _node_categories(edges: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, pd.Index, Any]:
    """:func:`_node_codes` and, for categorical columns, ``(categories, category code of
    each node)`` (None for text)."""
    ca, cb = edges["account_a"], edges["account_b"]
    m = len(edges)
    if (isinstance(ca.dtype, pd.CategoricalDtype) and isinstance(cb.dtype, pd.CategoricalDtype)
            and ca.cat.categories.equals(cb.cat.categories) and _sorted_unique(ca.cat.categories)):
        x = np.concatenate([_codes(ca), _codes(cb)]).astype(np.int64)
        if not (x < 0).any():
            used = np.flatnonzero(np.bincount(x, minlength=len(ca.cat.categories)))
            node = np.searchsorted(used, x)
            return node[:m], node[m:], ca.cat.categories.take(used), (ca.cat.categories, used)
    codes, names = pd.factorize(pd.concat([ca, cb]), sort=True)
    return codes[:m], codes[m:], pd.Index(names), None


def _graph(a: np.ndarray, b: np.ndarray, n: int) -> Any:
    """The simple undirected igraph graph of the edges ``a[i]–b[i]`` among ``n`` nodes."""
    import igraph as ig

    g = ig.Graph(n=n, edges=list(zip(a.tolist(), b.tolist())))  # (lists convert fastest)
    g.simplify()
    return g


def find_clusters(edges: pd.DataFrame, *, resolution: float, seed: int,
                  n_runs: int | None = None) -> pd.DataFrame:
    """Leiden–CPM communities of an undirected, unweighted edge list.

    Leiden (igraph's C implementation) is run to convergence ``n_runs`` times (three by
    default), with the seeds ``seed``, ``seed + 1``, …; the partition of highest CPM
    quality is kept (the first one on a tie). One run is a local optimum that depends on
    the order in which accounts are visited; the best of several is less sensitive to it.
    On a large graph the runs are done at once in worker processes (the same partitions:
    each run is seeded on its own).

    Parameters
    ----------
    edges : pandas.DataFrame
        Columns ``account_a, account_b``.
    resolution : float
        CPM γ: a community's internal density must exceed γ.
    seed : int
        Seed of the first run.
    n_runs : int, optional
        Runs to convergence; default :attr:`Config.leiden_runs <coordnet.Config>` (3).

    Returns
    -------
    pandas.DataFrame
        ``account, community`` for accounts in communities of two or more, numbered by
        size (largest first) then smallest member.

    Examples
    --------
    Two triangles joined by one edge split into two communities at γ = 0.5:

    >>> e = pd.DataFrame({"account_a": ["a", "a", "b", "d", "d", "e", "c"],
    ...                   "account_b": ["b", "c", "c", "e", "f", "f", "d"]})
    >>> find_clusters(e, resolution=0.5, seed=1).groupby("community")["account"].apply(list).tolist()
    [['a', 'b', 'c'], ['d', 'e', 'f']]
    """
    require_columns(edges, "edges", *_PAIRS)
    with _Clusterings(edges, [resolution], seed, n_runs) as runs:
        return runs.get(resolution)


class _Clusterings:
    """:func:`find_clusters` of one edge list at several resolutions, every run started at
    once (in worker processes on a large graph): :meth:`get` waits for a resolution's runs
    only, so that the work on one partition can start while the others are computed. Use
    as a context manager (workers still running are stopped on leaving)."""

    def __init__(self, edges: pd.DataFrame, resolutions: list[float], seed: int,
                 n_runs: int | None = None) -> None:
        # (validated as the parameter it is)
        self.n_runs = (Config() if n_runs is None else Config(leiden_runs=n_runs)).leiden_runs
        try:
            import igraph  # noqa: F401
        except ImportError:  # pragma: no cover - a dependency
            raise MissingDependencyError("clustering needs python-igraph.",
                                         hint="pip install python-igraph") from None
        self.resolutions = list(dict.fromkeys(resolutions))
        self.runs = None
        self._cats = None
        self._best: dict[float, np.ndarray] = {}
        if edges.empty:
            return
        a, b, self.names, self._cats = _node_categories(edges)
        g = _graph(a, b, len(self.names))
        self.runs = LeidenRuns(g, [(float(res), seed + r) for res in self.resolutions for r in range(self.n_runs)])

    def get(self, resolution: float) -> pd.DataFrame:
        """The communities at ``resolution`` (one of those given)."""
        if self.runs is None:
            return pd.DataFrame({"account": pd.Series(dtype="str"), "community": pd.Series(dtype="int64")})
        return _communities(self.names, self._membership(resolution))

    def _membership(self, resolution: float) -> np.ndarray:
        if resolution not in self._best:
            assert self.runs is not None
            j = self.resolutions.index(resolution) * self.n_runs
            best = None
            for r in range(self.n_runs):  # the highest quality, the first one on a tie
                memb, q = self.runs.result(j + r)
                if best is None or q > best[1]:
                    best = (memb, q)
            assert best is not None
            self._best[resolution] = best[0]
        return self._best[resolution]

    def category_codes(self, resolution: float, names: pd.Index) -> np.ndarray | None:
        """The positions in ``names`` of the accounts of :meth:`get` (row by row) when the
        edges were categoricals over ``names``; None otherwise (look the names up)."""
        if self.runs is None or self._cats is None:
            return None
        cats, used = self._cats
        if not (cats is names or cats.equals(names)):
            return None
        return used[_community_rows(self._membership(resolution))[0]]

    def close(self) -> None:
        if self.runs is not None:
            self.runs.close()

    def __enter__(self) -> "_Clusterings":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _communities(names: pd.Index, memb: np.ndarray) -> pd.DataFrame:
    """``account, community`` from a membership over ``names`` (sorted): communities of two
    or more, numbered by size (largest first) then smallest member (the first name, the
    names being sorted), rows by community then account (:func:`_community_rows`)."""
    rows, com = _community_rows(memb)
    return pd.DataFrame({"account": np.asarray(names, dtype=object)[rows], "community": com})


def _community_rows(memb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The nodes of :func:`_communities`' rows and their community numbers."""
    n_c = int(memb.max()) + 1 if len(memb) else 0
    size = np.bincount(memb, minlength=n_c)
    first = np.full(n_c, len(memb), dtype=np.int64)
    np.minimum.at(first, memb, np.arange(len(memb)))
    keep = np.flatnonzero(size >= 2)
    order = keep[np.lexsort((first[keep], -size[keep]))]
    number = np.full(n_c, -1, dtype=np.int64)
    number[order] = np.arange(len(order))
    com = number[memb]
    rows = np.flatnonzero(com >= 0)
    rows = rows[np.argsort(com[rows], kind="stable")]  # then by account: rows are in name order
    return rows, com[rows]


def _pair_k60(pairs: pd.DataFrame, members: np.ndarray) -> float:
    m = pairs["account_a"].isin(members) & pairs["account_b"].isin(members)
    return float(pairs.loc[m, "k"].sum())


def validate_clusters(
    members: dict[int, list[str]],
    sync: pd.DataFrame,
    activity: pd.Series,
    *,
    n_null: int,
    seed: int,
    stop_at: int = 0,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """Compare each cluster's synchrony with activity-matched random groups.

    Parameters
    ----------
    members : dict
        Cluster id → its amplifier accounts.
    sync : pandas.DataFrame
        ``account_a, account_b, k``: co-timed objects (τ = 60 s) per pair, for every pair
        with k ≥ 1 (from :func:`coordnet.coaction`).
    activity : pandas.Series
        Actions per account (index: account), for the matching. Random groups are drawn
        among non-members with the same activity-decile composition as the cluster
        (uniformly, without replacement inside a group).
    n_null : int
        Random groups per cluster.
    seed : int
        Seeds the activity ties (the deciles) and, with each cluster's id, that cluster's own
        random stream: a cluster's p-value does not depend on the other clusters tested
        (clusters run on parallel threads, ``COORDNET_THREADS``).
    stop_at : int, default 0
        Sequential Monte Carlo (Besag & Clifford 1991): a cluster's drawing stops at the
        random group where ``stop_at`` of them have reached its observed sum (0: all
        ``n_null`` are drawn). Its p-value is then ``stop_at / L`` (``L`` groups drawn),
        a valid p-value of at least ``stop_at / n_null``: with ``stop_at`` above
        ``threshold × n_null``, a cluster that stops could not have passed a p-value
        threshold (say a Bonferroni one) had all groups been drawn, and cannot pass it now.
    progress : callable, optional
        ``progress("random groups", clusters done, clusters)`` as clusters finish.

    Returns
    -------
    pandas.DataFrame
        ``cluster, sync_observed, sync_null_mean`` (the exact expectation of a random
        group's sum), ``lift, p_value, n_null``;
        ``p_value = (1 + #null ≥ observed) / (1 + n_null)``, or ``stop_at / L`` for a
        cluster that stopped early (``n_null``: the random groups drawn, ``L``).

    Examples
    --------
    Five accounts that co-retweeted 3 posts pairwise, among 45 accounts with a few
    scattered co-retweets (k = 1):

    >>> acc = [f"a{i:02d}" for i in range(50)]
    >>> ring = [(x, y, 3) for i, x in enumerate(acc[:5]) for y in acc[i + 1:5]]
    >>> noise = [(acc[i], acc[i + 1], 1) for i in range(5, 49, 2)]
    >>> sync = pd.DataFrame(ring + noise, columns=["account_a", "account_b", "k"])
    >>> v = validate_clusters({1: acc[:5]}, sync, pd.Series(10, index=acc), n_null=99, seed=0)
    >>> v[["sync_observed", "p_value"]].values.tolist()  # 10 pairs × 3; no random group comes close
    [[30.0, 0.01]]
    """
    require_columns(sync, "sync", *_K_PAIRS)
    rng = np.random.default_rng(seed)
    acts = activity.sort_index()
    n = len(acts)
    # activity deciles, ties broken at random (not by name: similar names often come together)
    tiebreak = rng.permutation(n)
    order = np.lexsort((tiebreak, acts.to_numpy()))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(n)
    deciles = (ranks * min(10, max(1, n)) // max(1, n)).astype(np.int64)
    pools = {d: np.flatnonzero(deciles == d) for d in np.unique(deciles)}
    # k per pair once (a < b) over the account codes (no string per row)
    ca, cb = sync["account_a"], sync["account_b"]
    if (isinstance(ca.dtype, pd.CategoricalDtype) and isinstance(cb.dtype, pd.CategoricalDtype)
            and cb.cat.categories.equals(ca.cat.categories)):  # category codes, mapped as read
        k = Links.from_pairs(_codes(ca), _codes(cb), sync["k"].to_numpy(), n,
                             at=_positions(ca.cat.categories, acts.index))
    else:
        k = Links.from_pairs(_account_codes(_text(ca), acts.index), _account_codes(_text(cb), acts.index),
                             sync["k"].to_numpy(), n)
    cids = list(members)
    flat = [a for cid in cids for a in members[cid]]
    at = _positions(pd.Index(flat, dtype=object), acts.index) if flat else np.zeros(0, np.int64)
    ends = np.cumsum([len(members[cid]) for cid in cids]).tolist()
    mem_of = {cid: at[e - len(members[cid]):e][at[e - len(members[cid]):e] >= 0] for cid, e in zip(cids, ends)}
    mean_of = _NullMean(k, deciles, np.concatenate([np.zeros(0, np.int64), *mem_of.values()]))
    if mem_of:  # each account's largest values, enough for the largest cluster
        k.prepare_top(max(len(m) for m in mem_of.values()) - 1)
    top_cache: dict[int, np.ndarray] = {}
    rows, jobs = [], []
    for cid in sorted(members):  # a few candidate clusters; the groups are summed compiled
        mem = mem_of[cid]
        size = len(mem)
        if size < 2:
            rows.append((cid, 0.0, 0.0, np.nan, 1.0, 0))
            continue
        obs = float(k.group_sums(mem[None, :])[0])
        if size not in top_cache:
            top_cache[size] = k.top(size - 1)
        dec = deciles[mem]
        is_member = np.zeros(n, dtype=bool)
        is_member[mem] = True
        slots = dict(zip(*np.unique(dec, return_counts=True)))
        pool_of = {d: (pools[d][~is_member[pools[d]]] if (~is_member[pools[d]]).any() else pools[d])
                   for d in slots}
        mean = mean_of(mem, is_member, pools, pool_of, slots)
        lift = obs / mean if mean > 0 else (np.inf if obs > 0 else np.nan)
        rows.append((cid, obs, mean, lift, np.nan, n_null))
        jobs.append((len(rows) - 1, cid, obs, top_cache[size], slots, pool_of))

    import threading

    lock, finished = threading.Lock(), [0]

    def exceedances(job: tuple[Any, ...]) -> tuple[int, int]:
        _, cid, obs, top, slots, pool_of = job
        c = _count_null_exceed(k, obs, top, slots, pool_of, n_null,
                               np.random.default_rng([seed, _stream_key(cid)]), stop_at=stop_at)
        if progress:
            with lock:
                finished[0] += 1
                progress("random groups", finished[0], len(jobs))
        return c

    from ._kernels import _threads

    if progress:
        progress("random groups", 0, max(len(jobs), 1))
    # each cluster draws from its own stream (seeded by the seed and the cluster id), so its
    # p-value depends neither on the other candidates nor on the order or thread it runs in
    if len(jobs) > 1 and _threads() > 1:
        with ThreadPoolExecutor(min(_threads(), len(jobs)), thread_name_prefix="coordnet-null") as pool:
            counts = list(pool.map(exceedances, jobs))
    else:
        counts = [exceedances(j) for j in jobs]
    for (i, *_), (exceed, drawn) in zip(jobs, counts):
        if stop_at and exceed >= stop_at:  # stopped early (Besag & Clifford): h / L
            rows[i] = (*rows[i][:4], exceed / drawn, drawn)
        else:
            rows[i] = (*rows[i][:4], (1 + exceed) / (1 + n_null), n_null)
    return pd.DataFrame(rows, columns=["cluster", "sync_observed", "sync_null_mean", "lift", "p_value",
                                       "n_null"])


def _stream_key(cid: Any) -> int:
    """A non-negative integer naming a cluster's random stream."""
    try:
        c = int(cid)
    except (TypeError, ValueError):
        import zlib

        return zlib.crc32(str(cid).encode("utf-8"))
    return 2 * c if c >= 0 else -2 * c - 1


def _count_null_exceed(k: Links, obs: float, top: np.ndarray, slots: dict[Any, int],
                       pool_of: dict[Any, np.ndarray], n_null: int, rng: np.random.Generator,
                       stop_at: int = 0) -> tuple[int, int]:
    """How many of ``n_null`` random groups (``slots[d]`` accounts from ``pool_of[d]`` for
    each activity decile ``d``, distinct) have a pair sum ≥ ``obs``, and how many groups
    that took: the groups are drawn in sequence from ``rng`` (in batches of bounded memory)
    and, with ``stop_at`` > 0, the drawing stops at the group where ``stop_at`` of them
    reached ``obs`` (Besag & Clifford 1991). (numpy's generators and the compiled sums
    release the GIL: clusters run on parallel threads.)

    A group's sum is at most half the sum of its members' ``top`` (each one's ``size − 1``
    largest links). When few accounts have a large ``top`` ("heavy" accounts), only groups
    with enough of them can reach ``obs``: :func:`_split_plan` finds how many, and
    :func:`_count_split` then draws each group's number of heavy accounts first and the
    members of the few groups that may reach ``obs`` only. The count has the same
    distribution as drawing every group in full (the p-value's), with far fewer draws."""
    size = int(sum(slots.values()))
    if all(len(pool_of[d]) >= c for d, c in slots.items()):
        plan = _split_plan([top[pool_of[d]] for d in slots], list(slots.values()), obs)
        if plan is not None:
            return _count_split(k, obs, top, slots, pool_of, n_null, rng, plan, stop_at)
    # the slots' pools one after the other; column c of a batch draws in pool col_off[c]
    allpool, starts = _one_after_another([pool_of[d] for d in slots])
    col_off = np.repeat(starts, list(slots.values())).astype(np.int64)
    exceed = 0
    picks = np.empty((min(max(1, int(4_000_000 // size)), n_null), size), dtype=np.int64)
    seen: dict[str, Any] = {}
    done = 0
    for b in _batches(n_null, size, growing=stop_at > 0):
        col = 0
        for d, cnt in slots.items():
            _draw_distinct(rng, len(pool_of[d]), b, cnt, seen, out=picks[:b, col:col + cnt])
            col += cnt
        n, read = k.count_exceed(picks[:b], col_off, allpool, top, obs, need=stop_at - exceed if stop_at else 0)
        exceed += n
        done += read
        if stop_at and exceed >= stop_at:
            break
    return exceed, done


def _one_after_another(pools: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The pools concatenated (int64) and where each starts."""
    return (np.concatenate(pools).astype(np.int64),
            np.cumsum([0] + [len(p) for p in pools])[:-1].astype(np.int64))


def _batches(n: int, size: int, growing: bool = False) -> Iterator[int]:
    """The sizes of the batches in which ``n`` random groups of ``size`` are drawn: at most
    4 million accounts each; ``growing``: from 1 024 groups, doubling (a drawing that may
    stop early does not draw a whole batch ahead)."""
    cap = max(1, int(4_000_000 // size))
    b = min(cap, 1024) if growing else cap
    done = 0
    while done < n:
        step = min(b, n - done)
        yield step
        done += step
        b = min(cap, 2 * b)


def _hypergeom_pmf(pool: int, heavy: int, draws: int) -> np.ndarray:
    """``P(x heavy)`` for ``x = 0 … min(draws, heavy)`` among ``draws`` distinct accounts
    drawn uniformly from ``pool``, ``heavy`` of them heavy (normalised)."""
    from scipy.special import gammaln

    x = np.arange(min(draws, heavy) + 1, dtype=np.float64)

    def lc(n: Any, k: Any) -> Any:  # log binomial coefficient
        return gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)

    ok = draws - x <= pool - heavy
    logp = np.where(ok, lc(heavy, x) + lc(pool - heavy, np.where(ok, draws - x, 0)) - lc(pool, draws), -np.inf)
    p = np.exp(logp - logp.max())
    return p / p.sum()


def _split_plan(tops: list[np.ndarray], counts: list[int], obs: float) -> dict[str, Any] | None:
    """How to count random groups by their heavy accounts (:func:`_count_split`), or None
    when it would not save draws.

    ``tops[i]``: the bound (``top``) of each account of slot ``i``'s pool; ``counts[i]``:
    the accounts a group draws from it (at most the pool). With the accounts whose bound
    exceeds ``tau`` called heavy, a group with ``h`` heavy accounts sums to at most
    ``(S_h + (size − h)·tau) / 2`` (``S_h``: the ``h`` largest bounds), below ``obs`` for
    every ``h < h_star``. Each slot's number of heavy accounts is hypergeometric; the plan
    keeps the ``tau`` (among the bounds, largest first, at positions 0, 1, 2, 4, 8 …) with
    the fewest groups to draw in full, ``share`` (the probability of at least ``h_star``
    heavy accounts), and is kept when that share is below one half. Returns ``tau``,
    ``h_star`` (``size + 1``: no group can reach ``obs``), ``share``, ``heavy`` and ``pmf``
    per slot (its number of heavy accounts and their law) and ``law`` (of a group's
    number of heavy accounts, ``0 … size``).

    Examples
    --------
    One account with a large bound (50) among 999 with bound 1: groups of 10 reach at
    most 10 / 2 without it, so only the groups holding it (1 in 100) can reach 10:

    >>> plan = _split_plan([np.r_[50.0, np.ones(999)]], [10], 10.0)
    >>> plan["tau"], plan["h_star"], round(plan["share"], 6)
    (1.0, 1, 0.01)
    """
    size = int(sum(counts))
    margin = slack(obs)
    allt = np.sort(np.concatenate(tops))[::-1] if tops else np.zeros(0)
    if size < 2 or not len(allt):
        return None
    prefix = np.r_[0.0, np.cumsum(allt[:size])]
    tops_sorted = [np.sort(t) for t in tops]
    best: dict[str, Any] | None = None
    at = sorted({0, *(min(len(allt) - 1, 2 ** i) for i in range(int(np.log2(len(allt))) + 2))})
    for j in at:
        tau = float(allt[j])
        heavy = [len(t) - int(np.searchsorted(t, tau, side="right")) for t in tops_sorted]
        hmax = min(size, sum(heavy))
        h = np.arange(hmax + 1)
        reach = np.flatnonzero((prefix[h] + (size - h) * tau) / 2 >= obs - margin)
        h_star = int(reach[0]) if len(reach) else size + 1
        if h_star == 0:
            continue  # groups without heavy accounts may reach obs: nothing saved
        pmfs = [_hypergeom_pmf(len(t), hv, c) if hv else np.ones(1) for t, c, hv in zip(tops, counts, heavy)]
        law = np.ones(1)
        for pmf in pmfs:
            law = np.convolve(law, pmf)
        law = np.r_[law, np.zeros(size + 1)][:size + 1]
        share = float(law[h_star:].sum()) if h_star <= size else 0.0
        if best is None or share < best["share"]:
            best = {"tau": tau, "h_star": h_star, "share": share, "heavy": heavy, "pmf": pmfs, "law": law}
        if share == 0.0:
            break
    if best is None or best["share"] >= 0.5:
        return None
    return best


def _count_split(k: Links, obs: float, top: np.ndarray, slots: dict[Any, int],
                 pool_of: dict[Any, np.ndarray], n_null: int, rng: np.random.Generator,
                 plan: dict[str, Any], stop_at: int = 0) -> tuple[int, int]:
    """:func:`_count_null_exceed` by the groups' heavy accounts (:func:`_split_plan`).

    Of ``n_null`` independent groups, the number holding at least ``h_star`` heavy
    accounts is binomial (``n_null``, ``share``): it is drawn first, and only those groups
    are drawn further (the others cannot reach ``obs``). Each one's number of heavy
    accounts is drawn from its law given ``≥ h_star``, split among the slots (slot by slot,
    given the heavy accounts still to place), and its members drawn uniformly among each
    slot's heavy and other accounts. Each group is thus a uniform draw of ``slots[d]``
    distinct accounts from each pool, as in full. With ``stop_at``, the places of those
    groups in the sequence of ``n_null`` are drawn too (uniformly), so that the drawing
    stops where the sequence of groups in full would."""
    ds = list(slots)
    tau, h_star, size = plan["tau"], plan["h_star"], int(sum(slots.values()))
    if h_star > size:
        return 0, n_null  # no group can reach obs
    share = min(plan["share"], 1.0)
    parts = []
    for d in ds:
        pool = pool_of[d]
        is_heavy = top[pool] > tau
        parts += [pool[is_heavy], pool[~is_heavy]]
    allpool, starts = _one_after_another(parts)
    pmfs = plan["pmf"]
    suffix = [np.ones(1)]  # the law of the heavy accounts of slots i, i + 1, …
    for pmf in pmfs[::-1]:
        suffix.append(np.convolve(suffix[-1], pmf))
    suffix = suffix[::-1]
    cdf_h = np.cumsum(plan["law"][h_star:])
    exceed = 0
    seen: dict[str, Any] = {}
    for b, places in _full_groups(rng, n_null, share, size, stop_at > 0):
        left = h_star + np.minimum(np.searchsorted(cdf_h, rng.random(b) * cdf_h[-1], side="right"),
                                   len(cdf_h) - 1)
        split = np.zeros((b, len(ds)), np.int64)
        for i, pmf in enumerate(pmfs):  # P(x in slot i | left) ∝ pmf[x]·P(left − x in the rest)
            rest = suffix[i + 1]
            idx = left[:, None] - np.arange(len(pmf))[None, :]
            ok = (idx >= 0) & (idx < len(rest))
            w = pmf[None, :] * np.where(ok, rest[np.clip(idx, 0, len(rest) - 1)], 0.0)
            cdf = np.cumsum(w, axis=1)
            x = (cdf < (rng.random(b) * cdf[:, -1])[:, None]).sum(axis=1)
            split[:, i] = np.minimum(x, len(pmf) - 1)
            left -= split[:, i]
        pats, inv = np.unique(split, axis=0, return_inverse=True)
        inv = np.ravel(inv)
        reach = np.zeros(b, dtype=bool)  # the groups (in sequence) that reach obs
        for p_i, pat in enumerate(pats):
            rows = np.flatnonzero(inv == p_i)
            picks = np.empty((len(rows), size), np.int64)
            col_off = np.empty(size, np.int64)
            col = 0
            for i, d in enumerate(ds):
                for part, cnt in ((2 * i, int(pat[i])), (2 * i + 1, slots[d] - int(pat[i]))):
                    if cnt:
                        _draw_distinct(rng, len(parts[part]), len(rows), cnt, seen, out=picks[:, col:col + cnt])
                        col_off[col:col + cnt] = starts[part]
                        col += cnt
            flags = np.zeros(len(rows), dtype=bool)
            k.count_exceed(picks, col_off, allpool, top, obs, flags=flags)
            reach[rows[flags]] = True
        hits = np.flatnonzero(reach)
        if stop_at and exceed + len(hits) >= stop_at:
            assert places is not None
            return stop_at, int(places[hits[stop_at - exceed - 1]])
        exceed += len(hits)
    return exceed, n_null


def _full_groups(rng: np.random.Generator, n: int, share: float, size: int, placed: bool
                 ) -> Iterator[tuple[int, np.ndarray | None]]:
    """Batches of the groups (of ``n``, each independently with probability ``share``) to
    draw in full, as ``(count, places)``: their number is binomial; when ``placed``, their
    places in the sequence (1-based, increasing: a uniform subset of that size), else
    None."""
    total = int(rng.binomial(n, share)) if share > 0 else 0
    if not total:
        return
    places = np.sort(rng.choice(n, total, replace=False)) + 1 if placed else None
    done = 0
    for b in _batches(total, size, growing=placed):
        yield b, (places[done:done + b] if places is not None else None)
        done += b


def _draw_distinct(rng: np.random.Generator, pool: int, b: int, cnt: int,
                   state: dict[str, Any] | None = None, out: np.ndarray | None = None) -> np.ndarray:
    """``b`` rows of ``cnt`` positions in ``range(pool)``, distinct within each row, uniform
    (with replacement only when the pool is smaller than ``cnt``).

    Rows are drawn with replacement and the few rows holding a repeat are drawn again
    (rejection: the accepted rows are uniform over distinct tuples); for a nearly exhausted
    pool, a random permutation per row instead. ``state``: scratch space kept between calls
    (the marks of the repeat check); ``out``: a ``(b, cnt)`` table (or view) to write the
    rows into, returned.

    Examples
    --------
    >>> x = _draw_distinct(np.random.default_rng(0), 6, 1000, 5)
    >>> x.shape, bool((np.diff(np.sort(x, axis=1), axis=1) > 0).all())
    ((1000, 5), True)
    """
    if pool < cnt or cnt * 2 > pool or cnt < 2:
        if pool < cnt:
            pick = rng.integers(0, pool, (b, cnt))
        elif cnt * 2 > pool:  # rejection would be slow: permutations of the (small) pool
            pick = np.argsort(rng.random((b, pool)), axis=1)[:, :cnt]
        else:
            pick = rng.integers(0, pool, (b, cnt))
        if out is None:
            return pick
        out[...] = pick
        return out
    pick = rng.integers(0, pool, (b, cnt))
    state = {} if state is None else state
    rows = np.arange(b)
    while True:  # only the rows drawn again are checked (and copied) again
        bad = rows_with_repeats(pick, rows, pool, state, out)
        if not len(bad):
            return pick if out is None else out
        pick[bad] = rng.integers(0, pool, (len(bad), cnt))
        rows = bad


def _null_mean(k: Links, deciles: np.ndarray, is_member: np.ndarray, pools: dict[Any, np.ndarray],
               pool_of: dict[Any, np.ndarray], slots: dict[Any, int]) -> float:
    """Exact expectation of a random group's sum under the matched sampling: for two slots
    in deciles d ≠ e, the mean link between their pools ``W(d, e) / (|P_d|·|P_e|)``; for two
    slots in the same decile, ``2·W(d, d) / (|P_d|·(|P_d| − 1))`` (``|P_d|²`` when the pool
    is drawn with replacement)."""
    in_pool = np.zeros(len(deciles), dtype=bool)
    for d in slots:
        in_pool[pool_of[d]] = True
    ka, kb = k.rows, k.indices
    use = in_pool[ka] & in_pool[kb]
    da, db = deciles[ka[use]], deciles[kb[use]]
    lo, hi = np.minimum(da, db), np.maximum(da, db)
    nd = int(deciles.max()) + 1 if len(deciles) else 1
    w = np.bincount(lo * nd + hi, weights=k.data[use], minlength=nd * nd).reshape(nd, nd)
    return _null_total(w, pool_of, slots)


class _NullMean:
    """:func:`_null_mean` without a scan of every link per cluster: the link weight between
    each pair of deciles is summed once, and each cluster subtracts the links touching the
    members its pools leave out (exact when the values are integers, as co-action counts
    are; other values take :func:`_null_mean` itself)."""

    def __init__(self, k: Links, deciles: np.ndarray, accounts: np.ndarray | None = None) -> None:
        """``accounts``: the members of the clusters to come (their links are gathered
        once)."""
        self.k, self.deciles = k, deciles
        self.nd = int(deciles.max()) + 1 if len(deciles) else 1
        self.exact = k.integral()
        if self.exact:
            self.w_all = k.decile_totals(deciles, self.nd)
            self.inc = k.incident(np.zeros(0, np.int64) if accounts is None else accounts)

    def __call__(self, mem: np.ndarray, is_member: np.ndarray, pools: dict[Any, np.ndarray],
                 pool_of: dict[Any, np.ndarray], slots: dict[Any, int]) -> float:
        if not self.exact:
            return _null_mean(self.k, self.deciles, is_member, pools, pool_of, slots)
        # members left out of their decile's pool (the pool keeps them when it has nobody else)
        out = np.zeros(len(self.deciles), dtype=bool)
        for d in slots:
            if len(pool_of[d]) < len(pools[d]):
                out[pools[d][is_member[pools[d]]]] = True
        x = np.flatnonzero(out)
        if not len(x):
            return _null_total(self.w_all, pool_of, slots)
        inc = self.inc if self.inc.covers(x) else self.k.incident(x)
        return _null_total(self.w_all - inc.left_out_totals(x, out, self.deciles, self.nd), pool_of, slots)


def _null_total(w: np.ndarray, pool_of: dict[Any, np.ndarray], slots: dict[Any, int]) -> float:
    """The expectation of :func:`_null_mean` from the link weight ``w`` between the pools of
    each pair of deciles (upper triangle)."""
    total = 0.0
    ds = sorted(slots)
    for i, d in enumerate(ds):
        pd_, cd = len(pool_of[d]), slots[d]
        if cd > 1:
            pairs = pd_ * (pd_ - 1) if pd_ >= cd else pd_ * pd_
            total += cd * (cd - 1) / 2 * (2 * w[d, d] / pairs if pairs else 0.0)
        for e in ds[i + 1:]:
            pe, ce = len(pool_of[e]), slots[e]
            total += cd * ce * w[d, e] / (pd_ * pe)
    return float(total)


def block_amplification(amplification: pd.DataFrame, amplifiers: list[str], targets: list[str],
                        *, degrees: tuple[pd.Series, pd.Series] | None = None,
                        member_edges: pd.DataFrame | None = None
                        ) -> tuple[float, float, float]:
    """Layer R for a whole cluster: is the block members → (members ∪ targets) denser than
    the accounts' activity explains?

    The observed weight is the number of actions from members to members or targets; the
    expected weight under the configuration model is ``Σ out(a)·in(b)/M`` over those pairs
    (a ≠ b). Returns ``(observed, expected, p)`` with a Poisson upper tail (the FRAUDAR
    intuition — a dense block of amplifiers and beneficiaries — calibrated against degrees).
    ``degrees`` (weighted out- and in-degree Series) saves recomputing the weighted out- and
    in-degrees when many clusters are tested on the same graph; ``member_edges`` (the rows of
    ``amplification`` whose source is an amplifier, or any subset of rows holding them)
    saves scanning every edge once per cluster.

    Examples
    --------
    A ring a→b→c→a and a→t, 5 actions each, among 30 one-off background retweets
    (M = 50): out(a, b, c) = 10, 5, 5; in(a, b, c, t) = 5, 5, 5, 5 →
    20·20/50 − (10·5 + 5·5 + 5·5)/50 = 8 − 2 = 6 expected, 20 observed.

    >>> e = pd.DataFrame({"source": ["a", "b", "c", "a"] + [f"x{i}" for i in range(30)],
    ...                   "target": ["b", "c", "a", "t"] + [f"y{i % 10}" for i in range(30)],
    ...                   "weight": [5, 5, 5, 5] + [1] * 30})
    >>> obs, exp, p = block_amplification(e, ["a", "b", "c"], ["t"])
    >>> obs, round(exp, 2), p < 1e-4
    (20.0, 6.0, True)
    """
    require_columns(amplification, "amplification", *_AMPLIFICATION)
    from scipy.stats import poisson

    if amplification.empty:
        return 0.0, 0.0, 1.0
    m = float(amplification["weight"].sum())
    out_deg, in_deg = degrees if degrees is not None else _amplification_degrees(amplification)
    mem = pd.Index(amplifiers)
    recv = pd.Index(list(dict.fromkeys(list(amplifiers) + list(targets))))
    o = out_deg.reindex(mem).fillna(0).to_numpy()
    i = in_deg.reindex(recv).fillna(0).to_numpy()
    expected = float(o.sum() * i.sum()) / m
    # remove a→a terms (no self-amplification)
    shared = in_deg.reindex(mem).fillna(0).to_numpy() if len(mem) else np.array([])
    expected -= float((o * shared).sum()) / m
    edges = amplification if member_edges is None else member_edges
    sel = edges["source"].isin(mem) & edges["target"].isin(recv)
    observed = float(edges.loc[sel, "weight"].sum())
    p = float(poisson.sf(observed - 1, max(expected, 1e-12))) if observed > 0 else 1.0
    return observed, expected, p


def _amplification_degrees(amplification: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Weighted out- and in-degree of every account of an amplification edge table (indexed
    by account)."""
    out = []
    for col in ("source", "target"):
        c = amplification[col]
        key = _group_key(c)
        deg = amplification["weight"].groupby(key).sum()
        if key is not c:  # codes back to names
            deg.index = c.cat.categories.take(deg.index.to_numpy())
        out.append(deg)
    return out[0], out[1]


def _group_key(col: pd.Series) -> Any:
    """What to group a column by: the integer codes of a categorical without missing values
    (grouping a categorical itself re-codes its categories each time, costly with many
    accounts), else the column. Groups come in the same (sorted) order either way."""
    if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.categories.is_monotonic_increasing:
        codes = _codes(col)
        if not (codes < 0).any():
            return codes
    return col


def time_to_amplify(actions: pd.DataFrame) -> pd.Series:
    """Seconds from the first action on the same object in the data to each action.

    NaN for actions without an object id (the original post's own time is not in the
    data, so the first amplification stands for it).

    Examples
    --------
    >>> acts = pd.DataFrame({"object_id": ["p", "p", "q", None],
    ...                      "timestamp": pd.to_datetime([5, 65, 0, 9], unit="s", utc=True)})
    >>> time_to_amplify(acts).tolist()
    [0.0, 60.0, 0.0, nan]
    """
    require_columns(actions, "actions", ("object_id", "timestamp"), _ACTIONS)
    has_obj = actions["object_id"].notna()
    out = pd.Series(np.nan, index=actions.index, dtype="float64")
    if has_obj.any():
        t = actions.loc[has_obj, "timestamp"]
        first = t.groupby(actions.loc[has_obj, "object_id"]).transform("min")
        out.loc[has_obj] = (t - first).dt.total_seconds()
    return out


def cluster_statistics(
    actions: pd.DataFrame,
    amplification: pd.DataFrame,
    links: pd.DataFrame,
    coaction_k: pd.DataFrame,
    members: list[str],
    receivers: list[str] = (),
    delays: pd.Series | None = None,
    *,
    member_actions: pd.DataFrame | None = None,
) -> dict[str, float]:
    """Descriptive statistics of one cluster (the columns of ``clusters.csv``).

    Parameters
    ----------
    actions : pandas.DataFrame
        Canonical actions (``source, target, object_id, timestamp, weight``).
    amplification : pandas.DataFrame
        Amplification edges ``source, target, weight`` (all, or any subset of rows holding
        the member → member edges).
    links : pandas.DataFrame
        Significant undirected links ``account_a, account_b`` (either layer).
    coaction_k : pandas.DataFrame
        ``account_a, account_b, k``: objects co-acted on within the co-action window (all
        pairs, or any subset of rows holding the member pairs).
    members : list of str
        The cluster's amplifiers.
    receivers : list of str
        Accounts the cluster amplifies besides its members (its targets).
    delays : pandas.Series, optional
        Time-to-amplify of every action (index of ``actions``), when already computed.
    member_actions : pandas.DataFrame, optional
        The rows of ``actions`` whose source is a member, in order, when already selected
        (saves scanning all actions once per cluster).

    Returns
    -------
    dict
        ``actions`` (members' actions), ``internal_actions`` (of them, aimed at members or
        targets), ``share_of_volume`` (members' actions / all actions), ``reciprocity``
        (share of the directed member→member amplification edges whose reverse edge
        exists), ``density`` (significant links among members / n(n−1)/2),
        ``median_delay_s`` and ``p10_delay_s`` (members' time-to-amplify: seconds since
        the first action on the same object in the data), ``co_actions`` (Σ k over member
        pairs) and ``share_within_60s`` (``co_actions`` / member pairs co-sharing an object:
        the share of co-shares that were co-timed within the window).

    Examples
    --------
    a and b retweet each other, c retweets a; a and b act on post 1 within 10 s, on post 2
    within 500 s:

    >>> acts = pd.DataFrame({"source": ["a", "b", "a", "b", "c", "z"],
    ...                      "target": ["b", "a", "x", "x", "a", "x"],
    ...                      "object_id": ["p1", "p1", "p2", "p2", "p3", "p2"],
    ...                      "timestamp": pd.to_datetime([0, 10, 0, 500, 40, 1000], unit="s", utc=True),
    ...                      "weight": 1})
    >>> amp = acts.groupby(["source", "target"], as_index=False)["weight"].sum()
    >>> links = pd.DataFrame({"account_a": ["a"], "account_b": ["b"]})
    >>> k = pd.DataFrame({"account_a": ["a"], "account_b": ["b"], "k": [1]})
    >>> st = cluster_statistics(acts, amp, links, k, ["a", "b"], ["x"])
    >>> st["reciprocity"], st["density"], st["share_within_60s"], st["internal_actions"]
    (1.0, 1.0, 0.5, 4.0)
    """
    require_columns(actions, "actions", ("source", "target", "timestamp", "object_id", "weight"), _ACTIONS)
    require_columns(amplification, "amplification", *_AMPLIFICATION)
    require_columns(links, "links", *_PAIRS)
    require_columns(coaction_k, "coaction_k", *_K_PAIRS)
    mset = pd.Index(list(dict.fromkeys(members)))
    recv = mset.union(pd.Index(list(receivers)))
    n = len(mset)
    own = actions.loc[actions["source"].isin(mset)] if member_actions is None else member_actions
    total = float(actions["weight"].sum())
    n_actions = float(own["weight"].sum())
    internal = float(own.loc[own["target"].isin(recv), "weight"].sum())
    ein = amplification.loc[amplification["source"].isin(mset) & amplification["target"].isin(mset)
                            & (amplification["source"] != amplification["target"]), ["source", "target"]]
    if len(ein):
        back = ein.merge(ein.rename(columns={"source": "target", "target": "source"}), how="left",
                         on=["source", "target"], indicator=True)
        recip = float((back["_merge"] == "both").mean())
    else:
        recip = 0.0
    un = links.loc[links["account_a"].isin(mset) & links["account_b"].isin(mset)
                   & (links["account_a"] != links["account_b"]), ["account_a", "account_b"]]
    un = pd.DataFrame({"a": np.minimum(un["account_a"].astype(str), un["account_b"].astype(str)),
                       "b": np.maximum(un["account_a"].astype(str), un["account_b"].astype(str))})
    density = len(un.drop_duplicates()) / (n * (n - 1) / 2) if n > 1 else 0.0
    if delays is None:
        delays = time_to_amplify(actions)
    d = delays.reindex(own.index).dropna()
    ao = own.loc[own["object_id"].notna(), ["source", "object_id"]]
    ao = pd.DataFrame({c: _group_key(ao[c]) for c in ao.columns}).drop_duplicates()
    m_o = ao.groupby("object_id").size()
    coshared = float((m_o * (m_o - 1) / 2).sum())
    kin = float(coaction_k.loc[coaction_k["account_a"].isin(mset) & coaction_k["account_b"].isin(mset),
                               "k"].sum())
    return {
        "actions": n_actions, "internal_actions": internal,
        "share_of_volume": n_actions / total if total else 0.0,
        "reciprocity": recip, "density": density,
        "median_delay_s": float(d.median()) if len(d) else np.nan,
        "p10_delay_s": float(d.quantile(0.1)) if len(d) else np.nan,
        "co_actions": kin, "co_shared": coshared,
        "share_within_60s": kin / coshared if coshared else np.nan,
    }


def _text(col: pd.Series) -> pd.Series:
    """An account column as text (a categorical or text column as it is)."""
    if isinstance(col.dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(col.dtype):
        return col
    return col.astype(str)


def _account_codes(col: pd.Series, names: pd.Index) -> np.ndarray:
    """Position in ``names`` of each value of an account column (−1: missing or absent), on
    the integer codes when the column is categorical (no string per row)."""
    if isinstance(col.dtype, pd.CategoricalDtype):
        cats = col.cat.categories
        codes = _codes(col)
        if cats is names or (len(cats) == len(names) and cats.equals(names)):
            return codes.astype(np.int64)
        return lookup(codes, _positions(cats, names))
    if isinstance(col.array, pd.arrays.ArrowStringArray) and len(col):  # hashed by Arrow: no str per row
        return _positions(col, names)
    return names.get_indexer(col).astype(np.int64)


def _codes(col: pd.Series) -> np.ndarray:
    """The integer codes of a categorical column, without a copy (read-only)."""
    return col.array.codes


def _arrow_text(x: Any) -> Any:
    """The Arrow array of an Arrow-backed text Index or Series (None otherwise)."""
    arr = getattr(x, "array", None)
    if not isinstance(arr, pd.arrays.ArrowStringArray):
        return None
    import pyarrow as pa

    a = pa.array(arr)
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a


def _sorted_unique(idx: pd.Index) -> bool:
    """Whether ``idx`` is strictly increasing (sorted, no repeats): by Arrow's comparison of
    neighbours for Arrow-backed text (no Python string per name).

    >>> _sorted_unique(pd.Index(["a", "b", "c"], dtype="str")), _sorted_unique(pd.Index(["a", "a"], dtype="str"))
    (True, False)
    """
    a = _arrow_text(idx)
    if a is None:
        return bool(idx.is_monotonic_increasing and idx.is_unique)
    import pyarrow.compute as pc

    if len(a) < 2:
        return a.null_count == 0
    return bool(pc.all(pc.less(a.slice(0, len(a) - 1), a.slice(1))).as_py()) and a.null_count == 0


def _positions(values: Any, names: pd.Index) -> np.ndarray:
    """``names.get_indexer(values)`` (``names`` unique; −1: absent) as int64: by Arrow's
    hashing when ``names`` is Arrow-backed text (no Python string per name)."""
    nv = _arrow_text(names)
    if nv is None or not len(values):
        return np.asarray(names.get_indexer(values), dtype=np.int64)
    import pyarrow as pa
    import pyarrow.compute as pc

    vv = _arrow_text(values)
    if vv is None:
        if not pd.api.types.is_string_dtype(getattr(values, "dtype", object)):
            return np.asarray(names.get_indexer(values), dtype=np.int64)
        try:
            vv = pa.array(np.asarray(values, dtype=object), type=nv.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text: pandas compares them
            return np.asarray(names.get_indexer(values), dtype=np.int64)
    if vv.type != nv.type:
        vv = vv.cast(nv.type)
    if len(vv) == len(nv) and vv.equals(nv):  # the same names in the same order
        return np.arange(len(nv), dtype=np.int64)
    if 8 * len(vv) < len(nv):  # few values: hash them (not the names), find the names among them
        enc = pc.dictionary_encode(vv)
        uniq = enc.dictionary
        hit = np.asarray(pc.index_in(nv, value_set=uniq).fill_null(-1).to_numpy(zero_copy_only=False),
                         dtype=np.int64)
        pos = np.full(len(uniq) + 1, -1, dtype=np.int64)  # last: null values
        found = np.flatnonzero(hit >= 0)
        pos[hit[found]] = found
        idx = np.asarray(enc.indices.fill_null(len(uniq)).to_numpy(zero_copy_only=False), dtype=np.int64)
        return pos[idx]
    at = pc.index_in(vv, value_set=nv).fill_null(-1)
    return np.asarray(at.to_numpy(zero_copy_only=False), dtype=np.int64)


def _seg_sum(v: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Sums of ``v[bounds[i]:bounds[i + 1]]`` as pandas sums them (NaN skipped): exact on
    integers (prefix sums), numpy's own pairwise sum per segment on floats."""
    if v.dtype.kind in "biu":
        c = np.concatenate([[0], np.cumsum(v, dtype=np.int64)])
        return (c[bounds[1:]] - c[bounds[:-1]]).astype("float64")
    v = np.where(np.isnan(v), 0.0, v.astype("float64"))
    return np.array([v[a:b].sum() for a, b in zip(bounds[:-1], bounds[1:])], dtype="float64")


def _run_starts(*cols: np.ndarray) -> np.ndarray:
    """Where a new run of equal values (over all columns, sorted together) starts."""
    out = np.zeros(len(cols[0]), dtype=bool)
    if len(out):
        out[0] = True
        for c in cols:
            out[1:] |= c[1:] != c[:-1]
    return out


class _Groups:
    """Disjoint groups of accounts (candidate clusters) on the account codes of an encoded
    actions table: each row of each table is labelled once with its group, then every
    per-group quantity is a grouped reduction, not a scan per group."""

    def __init__(self, acts: pd.DataFrame, members: list[list[str]]) -> None:
        names = acts["source"].cat.categories
        mem = [list(dict.fromkeys(m)) for m in members]
        flat = pd.Index([a for m in mem for a in m], dtype=names.dtype if len(names) else object)
        codes = _positions(flat, names)
        extra = flat[codes < 0].unique()
        self.names = names.append(extra) if len(extra) else names
        self.n_acc = len(self.names)
        self.n = np.array([len(m) for m in mem], dtype=np.int64)
        self.size = len(mem)
        if len(extra):
            codes = _positions(flat, self.names)
        if len(np.unique(codes)) < len(codes):
            raise ValueError("the groups of accounts must be disjoint")
        self.lut = np.full(self.n_acc + 1, -1, dtype=np.int64)  # last slot: code −1
        self.lut[codes] = np.repeat(np.arange(self.size), self.n)
        self.member_codes = codes
        self.member_index = flat
        # the members' own actions, grouped, in row order inside each group
        src = _codes(acts["source"])
        lab = self.lut[src]  # (code −1 → the last slot, −1)
        pos = np.flatnonzero(lab >= 0)
        self.rows = pos[np.argsort(lab[pos], kind="stable")]
        self.row_lab = lab[self.rows]
        self.row_src = src[self.rows].astype(np.int64)  # the members' codes, row by row
        self.bounds = self.bounds_of(self.row_lab)

    def bounds_of(self, lab: np.ndarray) -> np.ndarray:
        """Segment boundaries of a label array sorted ascending."""
        return np.searchsorted(lab, np.arange(self.size + 1))

    def codes(self, col: pd.Series) -> np.ndarray:
        return _account_codes(col, self.names)

    def codes_at(self, col: pd.Series, rows: np.ndarray) -> np.ndarray:
        """``codes(col)[rows]``, only the rows' codes mapped."""
        if isinstance(col.dtype, pd.CategoricalDtype) and col.cat.categories is self.names:
            return _codes(col)[rows].astype(np.int64)
        return self.codes(col)[rows] if len(rows) else np.array([], dtype=np.int64)

    def member_code(self, col: pd.Series) -> np.ndarray:
        """Code of each value of an account column that is a member (−1 else)."""
        if isinstance(col.dtype, pd.CategoricalDtype):
            c = self.codes(col)
            return np.where(self.lut[c] >= 0, c, -1)
        return np.r_[self.member_codes, -1][_account_codes(col, self.member_index)]  # −1 → −1

    def label(self, codes: np.ndarray) -> np.ndarray:
        return self.lut[codes]  # code −1 → lut[−1] = −1

    def keys(self, groups: list[list[str]]) -> np.ndarray:
        """Sorted ``group · n_acc + code`` keys of a list of account lists per group."""
        flat = pd.Index([a for g in groups for a in g], dtype=object)
        lab = np.repeat(np.arange(self.size), [len(g) for g in groups])
        c = self.names.get_indexer(flat) if len(flat) else np.array([], dtype=np.int64)
        return np.unique(lab[c >= 0] * self.n_acc + c[c >= 0])

    def receives(self, lab: np.ndarray, codes: np.ndarray, rkeys: np.ndarray) -> np.ndarray:
        """Whether each account code is a member or a receiver of the group ``lab``."""
        ok = (lab >= 0) & (codes >= 0)
        inner = ok & (self.lut[codes] == lab)
        k = lab * self.n_acc + codes
        at = np.minimum(np.searchsorted(rkeys, k), max(len(rkeys) - 1, 0))
        return inner | (ok & (rkeys[at] == k) if len(rkeys) else inner)

    def sums(self, lab: np.ndarray, v: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Per group, the sum of ``v`` over the rows (in their order) labelled with it."""
        sel = lab >= 0 if mask is None else (lab >= 0) & mask
        idx = np.flatnonzero(sel)
        idx = idx[np.argsort(lab[idx], kind="stable")]
        return _seg_sum(v[idx], self.bounds_of(lab[idx]))

    def pair_rows(self, col_a: pd.Series, col_b: pd.Series, codes: bool = True
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Member codes of both columns of a pair table (−1: not a member) and the group of
        each row whose two accounts are in the same group (−1 else), in compiled passes over
        the account codes; text columns are first looked up among the members only (a small
        hash table). ``codes=False``: the groups only (the codes come back empty)."""
        return member_pairs(self._account_codes(col_a), self._account_codes(col_b), self.lut, codes)

    def _account_codes(self, col: pd.Series) -> np.ndarray:
        """A column's account codes: the integer codes of a categorical over the accounts,
        else the codes of the members only (text looked up among them; −1 else)."""
        if isinstance(col.dtype, pd.CategoricalDtype):
            if col.cat.categories is self.names:  # the codes as they are (no int64 copy)
                return _codes(col)
            return self.codes(col)
        return self.member_code(col)


def _delays_at(acts: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """:func:`time_to_amplify` of the given rows (NaN without object id or time), the first
    action on each object taken over all rows, on the integer object codes."""
    ts = acts["timestamp"]
    if getattr(ts.array, "unit", None) != "ms":
        return time_to_amplify(acts).to_numpy()[rows]
    obj = _codes(acts["object_id"])
    t = _ms(ts)
    has = (obj >= 0) & ts.notna().to_numpy()
    t0 = min_by(obj, t, has, len(acts["object_id"].cat.categories))
    out = np.full(len(rows), np.nan)
    r = rows[has[rows]]
    d = pd.TimedeltaIndex((t[r] - t0[obj[r]]).astype("timedelta64[ms]")).total_seconds()
    out[has[rows]] = d.to_numpy()
    return out


def _cluster_statistics_many(acts: pd.DataFrame, amplification: pd.DataFrame, links: pd.DataFrame,
                             coaction_k: pd.DataFrame, groups: _Groups, receivers: list[list[str]],
                             ) -> pd.DataFrame:
    """:func:`cluster_statistics` of many disjoint clusters at once (one row per group of
    ``groups``, same keys, same values): each table is labelled once by cluster on the
    account codes and reduced by group, instead of being scanned once per cluster.
    ``acts`` must be encoded (:func:`coordnet.io.ensure_encoded`); ``amplification`` holds
    each directed edge once."""
    g, nc, N = groups, groups.size, groups.n_acc
    rkeys = g.keys(receivers)
    w = acts["weight"].to_numpy()
    total = float(acts["weight"].sum())
    rows, lab = g.rows, g.row_lab
    n_actions = _seg_sum(w[rows], g.bounds)
    tgt = g.codes_at(acts["target"], rows)
    internal = g.sums(lab, w[rows], g.receives(lab, tgt, rkeys))
    # reciprocity: member → member edges whose reverse edge exists
    if len(amplification):
        s, t, le = g.pair_rows(amplification["source"], amplification["target"])
        e = np.flatnonzero((le >= 0) & (s != t))
        fwd = s[e] * N + t[e]
        back = np.isin(t[e] * N + s[e], fwd)
        n_e = np.bincount(le[e], minlength=nc)
        n_back = np.bincount(le[e][back], minlength=nc)
    else:
        n_e = n_back = np.zeros(nc, dtype=np.int64)
    # density: distinct significant links among members
    if len(links):
        a, b, ll = g.pair_rows(links["account_a"], links["account_b"])
        e = np.flatnonzero((ll >= 0) & (a != b))
        uk = np.unique(np.minimum(a[e], b[e]) * N + np.maximum(a[e], b[e]))
        n_links = np.bincount(g.lut[uk // N], minlength=nc)
    else:
        n_links = np.zeros(nc, dtype=np.int64)
    # time to amplify: per cluster, sorted delays
    d = _delays_at(acts, rows)
    ok = ~np.isnan(d)
    dl, dv = lab[ok], d[ok]
    o = np.lexsort((dv, dl))
    dl, dv = dl[o], dv[o]
    db = g.bounds_of(dl)
    # member pairs co-sharing an object: distinct (cluster, object, member), m per object
    obj = _codes(acts["object_id"])[rows].astype(np.int64)
    has = obj >= 0
    lo, oo, so = lab[has], obj[has], g.row_src[has]
    o = np.lexsort((so, oo, lo))
    lo, oo, so = lo[o], oo[o], so[o]
    new = _run_starts(lo, oo, so)
    lo, oo = lo[new], oo[new]
    start = _run_starts(lo, oo)
    m = np.diff(np.r_[np.flatnonzero(start), len(lo)]).astype("float64")
    coshared = np.bincount(lo[start], weights=m * (m - 1) / 2, minlength=nc)
    if len(coaction_k):
        _, _, lk = g.pair_rows(coaction_k["account_a"], coaction_k["account_b"], codes=False)
        kin = g.sums(lk, coaction_k["k"].to_numpy())
    else:
        kin = np.zeros(nc)
    out = []
    for i in range(nc):
        n = int(g.n[i])
        di = dv[db[i]:db[i + 1]]
        out.append({
            "actions": float(n_actions[i]), "internal_actions": float(internal[i]),
            "share_of_volume": float(n_actions[i]) / total if total else 0.0,
            "reciprocity": float(n_back[i]) / float(n_e[i]) if n_e[i] else 0.0,
            "density": int(n_links[i]) / (n * (n - 1) / 2) if n > 1 else 0.0,
            "median_delay_s": float(np.median(di)) if len(di) else np.nan,
            "p10_delay_s": float(np.quantile(di, 0.1)) if len(di) else np.nan,
            "co_actions": float(kin[i]), "co_shared": float(coshared[i]),
            "share_within_60s": float(kin[i]) / float(coshared[i]) if coshared[i] else np.nan,
        })
    return pd.DataFrame(out, columns=["actions", "internal_actions", "share_of_volume", "reciprocity",
                                      "density", "median_delay_s", "p10_delay_s", "co_actions",
                                      "co_shared", "share_within_60s"])


def _block_amplification_many(amplification: pd.DataFrame, groups: _Groups, receivers: list[list[str]],
                              degrees: tuple[pd.Series, pd.Series] | None = None) -> pd.DataFrame:
    """:func:`block_amplification` of many disjoint clusters at once: ``observed, expected,
    p`` per group, the same values, each edge labelled once. ``degrees``: the accounts'
    weighted out- and in-degrees (:func:`_amplification_degrees`), when already known;
    else summed here (on the account codes when the weights are whole numbers)."""
    from scipy.stats import poisson

    g, nc = groups, groups.size
    if amplification.empty:
        return pd.DataFrame({"observed": np.zeros(nc), "expected": np.zeros(nc), "p": np.ones(nc)})
    m = float(amplification["weight"].sum())
    s, t = g.codes(amplification["source"]), g.codes(amplification["target"])
    w = amplification["weight"].to_numpy()
    if degrees is None and w.dtype.kind in "iub":  # exact sums, no look-up of names
        od = np.bincount(s[s >= 0], weights=w[s >= 0], minlength=len(g.names))
        idg = np.bincount(t[t >= 0], weights=w[t >= 0], minlength=len(g.names))
    else:
        out_deg, in_deg = degrees if degrees is not None else _amplification_degrees(amplification)
        od = out_deg.reindex(g.names).fillna(0).to_numpy()
        idg = in_deg.reindex(g.names).fillna(0).to_numpy()
    mc = g.member_codes
    bm = np.r_[0, np.cumsum(g.n)]
    # receivers outside the members (each once per cluster)
    rk = g.keys(receivers)
    rl, rc = rk // g.n_acc, rk % g.n_acc
    outside = g.lut[rc] != rl
    rl, rc = rl[outside], rc[outside]
    br = g.bounds_of(rl)
    ls = g.label(s)
    observed = g.sums(ls, w, g.receives(ls, t, rk))
    rows = []
    for i in range(nc):
        o = od[mc[bm[i]:bm[i + 1]]]
        inn = np.concatenate([idg[mc[bm[i]:bm[i + 1]]], idg[rc[br[i]:br[i + 1]]]])
        expected = float(o.sum() * inn.sum()) / m
        expected -= float((o * idg[mc[bm[i]:bm[i + 1]]]).sum()) / m
        obs = float(observed[i])
        p = float(poisson.sf(obs - 1, max(expected, 1e-12))) if obs > 0 else 1.0
        rows.append((obs, expected, p))
    return pd.DataFrame(rows, columns=["observed", "expected", "p"])
