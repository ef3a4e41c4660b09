"""``coordnet.analyze``: from an actions table to calibrated, validated clusters.

The stages are pure: :func:`analyze` takes a DataFrame and returns a :class:`Result`;
:func:`coordnet.run_analyze` (in :mod:`coordnet.pipeline`) adds reading and writing.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from .config import Config
from .detect import (_account_codes, _block_amplification_many, _cluster_statistics_many,
                     _Clusterings, _encoded, _Groups, _ms, _positions, _run_starts, _seg_sum, _sorted_unique, _text,
                     amplification_pairs, cluster_core, synchrony_pairs, validate_clusters)
from .graphs import Graphs, _check_actions, _shared_index, build_graphs
from ._memory import analysis_spills, heavy, spilling

__all__ = ["Result", "analyze", "SWEEP"]

log = logging.getLogger("coordnet")
ProgressCallback = Callable[[str, int, int], None]

#: Resolutions of the stability sweep (a cluster's persistence is the share of them in
#: which it is found again with Jaccard ≥ 0.5).
SWEEP: tuple[float, ...] = (0.3, 0.5, 0.7)
BUSY_WINDOW_S = 7200.0


@dataclass(frozen=True)
class Result:
    """The outcome of :func:`analyze`.

    Attributes
    ----------
    clusters : pandas.DataFrame
        One row per candidate cluster (see ``docs/outputs.md`` for every column).
    accounts : pandas.DataFrame
        One row per account: ``account, cluster`` (NA when none), ``role``
        (``amplifier``/``target``/NA), ``flagged``, ``n_actions``, ``n_amplified``.
    evidence : pandas.DataFrame
        Co-action evidence (pair, object, gap) between members of the same flagged cluster.
    pairs : pandas.DataFrame
        Layer T pair tests (:func:`coordnet.detect.synchrony_pairs`).
    amplification_tests : pandas.DataFrame
        Layer R edge tests (:func:`coordnet.detect.amplification_pairs`).
    graphs : Graphs
    config : Config
    actions : pandas.DataFrame
        The actions analysed (the input table, not a copy).
    info : dict
        Null-model parameters and counts (``q`` per window, pairs tested …).
    """

    clusters: pd.DataFrame
    accounts: pd.DataFrame
    evidence: pd.DataFrame
    pairs: pd.DataFrame
    amplification_tests: pd.DataFrame
    graphs: Graphs
    config: Config
    actions: pd.DataFrame
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def flagged(self) -> pd.DataFrame:
        """The flagged clusters only."""
        return self.clusters.loc[self.clusters["flagged"]]


CLUSTER_COLUMNS = [
    "cluster", "flagged", "tier", "size", "n_targets", "actions", "internal_actions",
    "share_of_volume", "reciprocity", "density", "median_delay_s", "p10_delay_s",
    "share_within_60s", "co_actions", "median_gap_s", "first_time", "last_time", "busiest_start", "busiest_end", "busiest_actions", "busiest_share",
    "lift", "p_value", "p_adjusted", "n_null", "sync_p", "persistence", "layer_t", "layer_r",
    "block_observed", "block_expected", "block_p", "top_targets",
]


def _empty_clusters() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in CLUSTER_COLUMNS}).astype(
        {"flagged": "bool", "size": "int64"})


def _cluster_sync_p(st: dict[str, float], q: dict[float, float], window: float) -> float:
    """P(Binomial(co_shared, q(window)) ≥ co_actions): are the members' co-shared posts
    co-timed within the window more often than the data's own rate? NaN without post ids."""
    return float(_cluster_sync_p_many(np.array([st["co_shared"]], dtype="float64"),
                                      np.array([st["co_actions"]], dtype="float64"), q, window)[0])


def _cluster_sync_p_many(co_shared: np.ndarray, co_actions: np.ndarray, q: dict[float, float],
                         window: float) -> np.ndarray:
    """:func:`_cluster_sync_p` of many clusters (one binomial tail call)."""
    from scipy.stats import binom

    out = np.full(len(co_shared), np.nan)
    if not q:
        return out
    qs = sorted(q)
    w = min(float(window), qs[-1])
    qw = q.get(w, q[max([x for x in qs if x <= w], default=qs[0])])
    has = co_shared != 0
    n = np.round(co_shared[has]).astype(np.int64)
    k = np.round(np.minimum(co_actions[has], n)).astype(np.int64)
    p = np.ones(len(n))
    pos = k > 0
    p[pos] = binom.sf(k[pos] - 1, n[pos], max(qw, 1e-12))
    out[has] = p
    return out


def _busiest(times_cluster: np.ndarray, times_all: np.ndarray, width_ms: int) -> tuple[int, int, int, int]:
    """Start of the ``width`` window holding most cluster actions; its counts."""
    tc = np.sort(times_cluster)
    if len(tc) == 0:
        return 0, 0, 0, 0
    hi = np.searchsorted(tc, tc + width_ms, side="left")
    i = int(np.argmax(hi - np.arange(len(tc))))
    start = int(tc[i])
    n_c = int(hi[i] - i)
    last = int(tc[hi[i] - 1])
    n_all = int(np.searchsorted(times_all, start, side="left"))
    n_all = int(np.searchsorted(times_all, last, side="right")) - n_all
    return start, last, n_c, n_all


def _union_links(sig_t: pd.DataFrame, sig_r: pd.DataFrame
                 ) -> tuple[pd.DataFrame, tuple[np.ndarray, np.ndarray, pd.Index] | None]:
    """The significant links of both layers as one undirected edge list ``account_a,
    account_b``: the synchrony pairs as they are, then each amplification edge as (smaller,
    larger) name, each pair once (its first row), in that order.

    On the amplification table's account codes when its categories are sorted text (the
    codes then order the accounts as their names do), as categoricals of those names, with
    the codes of the synchrony pairs' accounts among them ``(a, b, categories)``; as text
    otherwise (and ``None``).

    >>> t = pd.DataFrame({"account_a": ["a", "b"], "account_b": ["c", "c"]})
    >>> r = pd.DataFrame({"source": ["c", "b", "d"], "target": ["a", "a", "c"]})
    >>> _union_links(t, r)[0].astype(str).values.tolist()
    [['a', 'c'], ['b', 'c'], ['a', 'b'], ['c', 'd']]
    >>> u, (a, b, cats) = _union_links(t, r.astype(pd.CategoricalDtype(["a", "b", "c", "d"])))
    >>> u.astype(str).values.tolist(), a.tolist(), b.tolist()
    ([['a', 'c'], ['b', 'c'], ['a', 'b'], ['c', 'd']], [0, 1], [2, 2])
    """
    src, tgt = sig_r["source"], sig_r["target"]
    cats = src.cat.categories if isinstance(src.dtype, pd.CategoricalDtype) else None
    if (cats is not None and isinstance(tgt.dtype, pd.CategoricalDtype) and tgt.cat.categories.equals(cats)
            and pd.api.types.is_string_dtype(cats.dtype) and _sorted_unique(cats)):
        m = len(sig_t)
        tab = _positions(pd.concat([_text(sig_t["account_a"]), _text(sig_t["account_b"])]), cats)
        ta, tb = tab[:m], tab[m:]
        if not (tab < 0).any():
            rs, rt = _account_codes(src, cats), _account_codes(tgt, cats)
            a = np.concatenate([ta, np.minimum(rs, rt)])
            b = np.concatenate([tb, np.maximum(rs, rt)])
            first = np.sort(np.unique(a * len(cats) + b, return_index=True)[1])
            dtype = pd.CategoricalDtype(cats)
            return pd.DataFrame({c: pd.Categorical.from_codes(x[first], dtype=dtype, validate=False)
                                 for c, x in (("account_a", a), ("account_b", b))}), (ta, tb, cats)
    r_pairs = pd.DataFrame({"account_a": np.minimum(src.astype(str), tgt.astype(str)),
                            "account_b": np.maximum(src.astype(str), tgt.astype(str))})
    return pd.concat([sig_t.astype(str), r_pairs]).drop_duplicates().reset_index(drop=True), None


@heavy
def analyze(
    actions: pd.DataFrame,
    config: Config | None = None,
    *,
    progress: ProgressCallback | None = None,
    **params: Any,
) -> Result:
    """Find calibrated coordinated-amplification clusters.

    Parameters
    ----------
    actions : pandas.DataFrame
        Canonical actions table (:func:`coordnet.read_actions` ``.actions``).
    config : Config, optional
        Every parameter; keyword arguments override its fields (``window=30`` …).
    progress : callable, optional
        ``progress(stage, done, total)``.

    Returns
    -------
    Result

    Examples
    --------
    >>> import coordnet
    >>> res = coordnet.analyze(coordnet.datasets.campaign_actions())
    >>> res.flagged[["cluster", "size", "tier"]].values.tolist()
    [[1, 8, 'strong']]
    >>> sorted(res.accounts.loc[res.accounts.cluster == 1, "account"])[:3]
    ['squad_1', 'squad_2', 'squad_3']
    >>> coordnet.analyze(coordnet.datasets.toy_actions()).flagged.empty  # 4 posts: too little evidence
    True

    References
    ----------
    See :mod:`coordnet.detect`.
    """
    config = (config or Config()).replace(**params) if params else (config or Config())

    def step(name: str, i: int, n: int = 6) -> None:
        if progress:
            progress(name, i, n)

    _check_actions(actions)
    # too large for the memory: the largest tables live on disk (coordnet/_memory.py)
    with spilling(analysis_spills(len(actions))):
        return _analyze(actions, config, step, progress)


def _analyze(actions: pd.DataFrame, config: Config, step: Callable[..., None],
             progress: ProgressCallback | None) -> Result:
    step("graphs", 0)
    # the actions sorted once for both pair sweeps (co-action network, synchrony test), on a
    # second thread while the amplification graph is summed (each keeps about one core
    # busy); the co-action sweep waits for it
    with ThreadPoolExecutor(1, thread_name_prefix="coordnet-index") as pool:
        pending = pool.submit(_shared_index, _encoded(actions), config)
        graphs = build_graphs(actions, config, progress=progress, _index=pending)
        shared = pending.result()
    del pending  # (the future holds the index too: it is freed after the synchrony counts)
    step("synchrony tests", 1)
    _import_in_background("igraph")  # (needed by the clustering; imported while the counts run)
    holder, shared = [shared], None  # (freed by synchrony_pairs after its counts)
    sync, info = synchrony_pairs(actions, config, progress=progress, _index=holder)
    step("amplification tests", 2)
    amp = amplification_pairs(graphs.amplification, config)
    sig_t = sync.loc[sync["significant"], ["account_a", "account_b"]]
    sig_r = amp.loc[amp["significant"], ["source", "target"]]
    union, t_codes = _union_links(sig_t, sig_r)
    step("clustering", 3)
    # candidates (≥ min_cluster_size accounts at γ) can only lie in the union graph's core
    # (cluster_core); the sweep runs cluster the same links, so that persistence compares
    # partitions of one graph
    core = cluster_core(union, resolution=config.resolution, min_size=config.min_cluster_size)
    # every Leiden run (γ, then the sweep) starts now, in worker processes on a large core;
    # the sweep's partitions are waited for only when the persistence needs them
    with _Clusterings(core, [config.resolution, *SWEEP], config.seed, config.leiden_runs) as runs:
        return _clusters(actions, config, graphs, sync, info, amp, sig_t, sig_r, union, t_codes, runs, step)


def _import_in_background(name: str) -> None:
    """Import a module on a daemon thread (an import that fails is left to the code that
    needs it, which says what to install)."""
    import importlib
    import sys
    import threading

    if name in sys.modules:
        return

    def load() -> None:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - reported where the module is used
            pass

    threading.Thread(target=load, name="coordnet-import", daemon=True).start()


def _clusters(actions: pd.DataFrame, config: Config, graphs: Graphs, sync: pd.DataFrame, info: dict[str, Any],
              amp: pd.DataFrame, sig_t: pd.DataFrame, sig_r: pd.DataFrame, union: pd.DataFrame,
              t_codes: tuple[np.ndarray, np.ndarray, pd.Index] | None, runs: _Clusterings,
              step: Callable[..., None]) -> Result:
    """:func:`analyze` from the clustering on: candidates, validation, statistics, tables.
    ``t_codes``: the synchrony pairs' account codes among some categories (or None)."""
    comms = runs.get(config.resolution)

    # everything below works on integer account codes, each table labelled once
    acts = _encoded(actions)  # the same table when it comes from a reader (already coded)
    names = acts["source"].cat.categories
    cc = runs.category_codes(config.resolution, names)  # None: look the names up
    cc = _positions(comms["account"], names) if cc is None else cc
    extra = pd.Index(comms["account"])[cc < 0]
    names_u = names.append(extra) if len(extra) else names
    n_u = len(names_u)
    if len(extra):
        cc = _positions(comms["account"], names_u)
    comm_code = np.full(n_u + 1, -1, dtype=np.int64)  # account code → community (last: code −1)
    comm_code[cc] = comms["community"].to_numpy()
    n_comm = int(comms["community"].max()) + 1 if len(comms) else 0

    # roles: an account without significant synchrony inside its community that receives
    # more significant amplification from it than it gives is a target, not a member
    if t_codes is not None and (t_codes[2] is names or t_codes[2].equals(names)):
        ta, tb = t_codes[0], t_codes[1]  # the codes of names are those of names_u
    else:
        ta, tb = _account_codes(sig_t["account_a"], names_u), _account_codes(sig_t["account_b"], names_u)
    ca, cb = comm_code[ta], comm_code[tb]
    same_t = (ca >= 0) & (ca == cb)
    t_acc = np.zeros(n_u, dtype=bool)
    t_acc[ta[same_t]] = True
    t_acc[tb[same_t]] = True
    rs_, rt_ = _account_codes(sig_r["source"], names_u), _account_codes(sig_r["target"], names_u)
    same_r = (comm_code[rs_] >= 0) & (comm_code[rs_] == comm_code[rt_])
    indeg = np.bincount(rt_[same_r], minlength=n_u)
    outdeg = np.bincount(rs_[same_r], minlength=n_u)
    is_target = ~t_acc[cc] & (indeg[cc] > outdeg[cc])
    comm_arr = comms["community"].to_numpy()
    acc_arr = comms["account"].to_numpy(dtype=object)
    n_amp = np.bincount(comm_arr[~is_target], minlength=n_comm)
    cand_ids = [int(c) for c in np.flatnonzero(n_amp >= config.min_cluster_size)]
    cand_pos = np.full(n_comm + 1, -1, dtype=np.int64)  # community → candidate position
    cand_pos[cand_ids] = np.arange(len(cand_ids))
    cbounds = np.searchsorted(comm_arr, np.arange(n_comm + 1))  # comms is sorted by community
    amplifiers = {c: acc_arr[cbounds[c]:cbounds[c + 1]][~is_target[cbounds[c]:cbounds[c + 1]]].tolist()
                  for c in cand_ids}
    targets_of = {c: acc_arr[cbounds[c]:cbounds[c + 1]][is_target[cbounds[c]:cbounds[c + 1]]].tolist()
                  for c in cand_ids}

    step("validation", 4)
    co = graphs.coaction
    if co is not None and not co.edges.empty:
        k60 = co.edges[["account_a", "account_b", "n_objects"]].rename(columns={"n_objects": "k"})
    else:
        k60 = pd.DataFrame({"account_a": [], "account_b": [], "k": []})
    activity = graphs.accounts.set_index("account")["n_actions"]
    activity = activity[(activity > 0).to_numpy()]  # (a mask, not a Series to align)
    # enough random groups that the smallest reachable p-value survives the Bonferroni
    # correction over the candidate clusters
    n_null = max(config.n_null, int(np.ceil(2 * len(cand_ids) / config.alpha_cluster)))
    # layer T of each candidate (share of its member pairs significantly synchronous): a
    # candidate without it cannot be flagged, so only the others are compared with random
    # groups (their p-value stays NaN); the Bonferroni factor still counts every candidate
    n_sig_in = np.bincount(ca[same_t], minlength=n_comm)
    layer_t_of = {c: (len(amplifiers[c]) > 1 and float(n_sig_in[c]) /
                      (len(amplifiers[c]) * (len(amplifiers[c]) - 1) / 2) >= 0.5 * config.resolution)
                  for c in cand_ids}
    to_test = [c for c in cand_ids if layer_t_of[c]]
    # a cluster whose random groups reach its sum often stops drawing (Besag & Clifford
    # 1991), at null_stop of them (10: about a third of relative precision on its p-value)
    # or more: enough that it could not pass the Bonferroni threshold with every group drawn
    stop_at = max(config.null_stop, int(np.floor(config.alpha_cluster * n_null / max(len(cand_ids), 1))) + 1
                  ) if config.null_stop else 0
    val = validate_clusters({c: amplifiers[c] for c in to_test}, k60, activity, n_null=n_null,
                            seed=config.seed, stop_at=stop_at, progress=step) if to_test else None
    val_of = {} if val is None else val.set_index("cluster").to_dict("index")

    step("cluster statistics", 5)
    groups = _Groups(acts, [amplifiers[c] for c in cand_ids])
    nc = groups.size
    rows_, lab = groups.rows, groups.row_lab
    weight = acts["weight"].to_numpy()
    n_actions = _seg_sum(weight[rows_], groups.bounds)
    # targets: the accounts the members amplify most (outside the member set), on codes
    tcode = groups.codes_at(acts["target"], rows_)
    out = (tcode >= 0) & (groups.label(tcode) != lab)
    ol, ot, ow = lab[out], tcode[out], weight[rows_][out]
    o = np.lexsort((ot, ol))
    ol, ot, ow = ol[o], ot[o], ow[o]
    first = np.flatnonzero(_run_starts(ol, ot))
    tl, tt = ol[first], ot[first]
    tsum = _seg_sum(ow, np.r_[first, len(ol)])
    o = np.lexsort((tt, -tsum, tl))  # per cluster: most weight first, ties by account
    tl, tt, tsum = tl[o], tt[o], tsum[o]
    rank = np.arange(len(tl)) - np.searchsorted(tl, tl)
    thr = np.maximum(config.min_repeat, 0.05 * n_actions)
    keep = (rank < 5) & (tsum >= thr[tl] if len(tl) else np.zeros(0, dtype=bool))
    tl, tt = tl[keep], tt[keep]
    tb_ = groups.bounds_of(tl)
    tnames = np.asarray(names_u.take(tt), dtype=object)  # one conversion, then slices
    top_names = [tnames[tb_[i]:tb_[i + 1]].tolist() for i in range(nc)]
    recv = [sorted(set(targets_of[c]) | set(top_names[i])) for i, c in enumerate(cand_ids)]
    amp_all = graphs.amplification
    stats = _cluster_statistics_many(acts, amp_all, union, k60, groups, recv)
    block = _block_amplification_many(amp_all, groups, recv)
    # median co-action gap of member pairs
    gap_lab = np.zeros(0, dtype=np.int64)
    med_gap = np.full(nc, np.nan)
    if co is not None and len(co.evidence):
        _, _, gap_lab = groups.pair_rows(co.evidence["account_a"], co.evidence["account_b"], codes=False)
        gv = co.evidence["gap_s"].to_numpy(dtype="float64")
        sel = np.flatnonzero((gap_lab >= 0) & ~np.isnan(gv))
        o = np.lexsort((gv[sel], gap_lab[sel]))
        gl, gs = gap_lab[sel][o], gv[sel][o]
        gb = groups.bounds_of(gl)
        # each cluster's gaps are sorted: the median is the middle one, or the mean of the two
        cnt = np.diff(gb)
        has = cnt > 0
        lo_, hi_ = (gb[:-1] + (cnt - 1) // 2)[has], (gb[:-1] + cnt // 2)[has]
        med_gap[has] = (gs[lo_] + gs[hi_]) / 2.0
    # times: first/last action, busiest window
    ts = acts["timestamp"]
    t_ok = ts.notna().to_numpy()
    t_ms = _ms(ts)
    times_all = t_ms[t_ok] if not t_ok.all() else t_ms.copy()
    from ._kernels import sort_inplace

    sort_inplace(times_all)  # (in place: no second copy of every time)
    raw = ts.array.asi8 if isinstance(ts.array, pd.arrays.DatetimeArray) else t_ms
    # persistence over the resolution sweep: best Jaccard with any community of each run
    sweep = {g: runs.get(g) for g in SWEEP if g != config.resolution}
    sweep[config.resolution] = comms
    mem_lab = np.repeat(np.arange(nc), groups.n)
    hits = np.zeros(nc, dtype=np.int64)
    for gam, part in sweep.items():
        pc = np.full(groups.n_acc + 1, -1, dtype=np.int64)
        pcom = part["community"].to_numpy()
        at = runs.category_codes(gam, groups.names)
        pc[_positions(part["account"], groups.names) if at is None else at] = pcom
        psize = np.bincount(pcom)
        m_c = pc[groups.member_codes]
        s_ = m_c >= 0
        key = np.unique(mem_lab[s_] * (len(psize) + 1) + m_c[s_], return_counts=True)
        kl, kc = key[0] // (len(psize) + 1), key[0] % (len(psize) + 1)
        inter = key[1]
        jac = inter / (psize[kc] + groups.n[kl] - inter)
        hit = np.zeros(nc, dtype=bool)
        hit[kl[jac >= 0.5]] = True
        hits += hit
    persistence = hits / len(sweep)
    n_sig_c = n_sig_in[cand_ids] if cand_ids else np.zeros(0, dtype=np.int64)
    sync_p = _cluster_sync_p_many(stats["co_shared"].to_numpy(dtype="float64"),
                                  stats["co_actions"].to_numpy(dtype="float64"), info["q"], config.window)
    block_v = block.to_numpy(dtype="float64")
    rows = []
    for i, (cid, st) in enumerate(zip(cand_ids, stats.to_dict("records"))):
        n = int(groups.n[i])
        r = rows_[groups.bounds[i]:groups.bounds[i + 1]]
        rt = r[t_ok[r]]
        if len(rt):
            first_time, last_time = ts.array[rt[np.argmin(raw[rt])]], ts.array[rt[np.argmax(raw[rt])]]
        else:
            first_time = last_time = pd.NaT
        b0, b1, bn, ball = _busiest(t_ms[rt], times_all, int(BUSY_WINDOW_S * 1000))
        layer_t = n_sig_c[i] / (n * (n - 1) / 2) >= 0.5 * config.resolution if n > 1 else False
        r_obs, r_exp, r_p = (float(x) for x in block_v[i])
        layer_r = r_p <= config.alpha and r_obs >= config.min_repeat * n
        v = val_of.get(cid, {"lift": np.nan, "p_value": np.nan, "n_null": 0})
        rows.append({
            "cluster": i + 1, "size": n, "n_targets": len(targets_of[cid]), "actions": int(st["actions"]),
            "internal_actions": int(st["internal_actions"]), "share_of_volume": st["share_of_volume"],
            "reciprocity": st["reciprocity"], "density": st["density"],
            "median_delay_s": st["median_delay_s"], "p10_delay_s": st["p10_delay_s"],
            "share_within_60s": st["share_within_60s"], "co_actions": int(st["co_actions"]),
            "median_gap_s": float(med_gap[i]) if co is not None else np.nan,
            "first_time": first_time, "last_time": last_time,
            "busiest_start": pd.Timestamp(b0, unit="ms", tz="UTC") if bn else pd.NaT,
            "busiest_end": pd.Timestamp(b1, unit="ms", tz="UTC") if bn else pd.NaT,
            "busiest_actions": ball, "busiest_share": bn / ball if ball else 0.0,
            "lift": float(v["lift"]), "p_value": float(v["p_value"]),
            "sync_p": float(sync_p[i]),
            "persistence": float(persistence[i]), "layer_t": bool(layer_t), "layer_r": bool(layer_r),
            "block_observed": r_obs, "block_expected": r_exp, "block_p": r_p,
            "n_null": int(v["n_null"]),
            "top_targets": ";".join(map(str, top_names[i])),
            "_community": cid,
        })
    clusters = pd.DataFrame(rows)
    if clusters.empty:
        clusters = _empty_clusters()
        flagged_ids: list[int] = []
    else:
        clusters["p_adjusted"] = np.minimum(clusters["p_value"] * len(clusters), 1.0)
        # the co-shared posts of the members must also be co-timed within `window` more often
        # than the data's own rate (binomial, Bonferroni over candidates); skipped (NaN) when
        # the data has no post ids
        sync_ok = (clusters["sync_p"] * len(clusters) <= config.alpha_cluster) | clusters["sync_p"].isna()
        clusters["flagged"] = (clusters["p_adjusted"] <= config.alpha_cluster) & clusters["layer_t"] & sync_ok
        # "strong" needs the cluster-level synchrony test, which needs post ids: without them
        # "the same object" is the same amplified account, a much weaker proxy (docs/method.md)
        has_posts = info.get("object_key", "object_id") == "object_id"
        strong = (clusters["layer_t"] & clusters["layer_r"] & (clusters["persistence"] >= 0.8)
                  & has_posts)
        moderate = clusters["layer_r"] | (clusters["persistence"] >= 0.8)
        clusters["tier"] = np.where(~clusters["flagged"], "", np.where(strong, "strong",
                                    np.where(moderate, "moderate", "weak")))
        flagged_ids = clusters.loc[clusters["flagged"], "_community"].tolist()
    flagged_pos = clusters["flagged"].to_numpy(dtype=bool) if nc else np.zeros(0, dtype=bool)

    # accounts table: the members and targets of each candidate; outside top targets of a
    # cluster are its targets too (the first cluster naming an account keeps it)
    cl_of = np.full(n_u + 1, -1, dtype=np.int64)
    role_of = np.full(n_u + 1, -1, dtype=np.int64)  # 0 amplifier, 1 target
    in_cand = cand_pos[comm_arr] >= 0 if len(comm_arr) else np.zeros(0, dtype=bool)
    cl_of[cc[in_cand]] = cand_pos[comm_arr[in_cand]] + 1
    role_of[cc[in_cand]] = is_target[in_cand].astype(np.int64)
    if len(tl):  # tl/tt: top targets, by cluster then rank (codes of names_u = groups.names)
        tcodes = names_u.get_indexer(groups.names.take(tt)) if groups.names is not names_u else tt
        u, at = np.unique(tcodes, return_index=True)
        new = cl_of[u] < 0
        cl_of[u[new]] = tl[at[new]] + 1
        role_of[u[new]] = 1
    accounts = graphs.accounts[["account", "n_actions", "n_amplified"]].copy()
    ac = _positions(accounts["account"], names_u)
    acl = cl_of[ac]
    accounts["cluster"] = pd.Series(np.where(acl > 0, acl, np.nan), index=accounts.index).astype("Int64")
    roles = np.array(["amplifier", "target", np.nan], dtype=object)[np.where(role_of[ac] >= 0, role_of[ac], 2)]
    accounts["role"] = pd.Series(roles, index=accounts.index).astype("str")
    fl = np.r_[False, flagged_pos]
    accounts["flagged"] = fl[np.maximum(acl, 0)]
    accounts = accounts[["account", "cluster", "role", "flagged", "n_actions", "n_amplified"]]

    # evidence for flagged clusters
    if co is not None and flagged_ids:
        sel = (gap_lab >= 0) & flagged_pos[np.maximum(gap_lab, 0)]
        evidence = co.evidence.loc[sel].copy()
        evidence.insert(0, "cluster", gap_lab[sel].astype("int64") + 1)
        evidence = evidence.reset_index(drop=True)
    else:
        evidence = pd.DataFrame(columns=["cluster", "account_a", "account_b", "object_id", "gap_s"])
    if not clusters.empty:
        clusters = clusters.drop(columns="_community")[CLUSTER_COLUMNS]
    info = {**info, "pairs_significant": int(len(sig_t)), "edges_significant": int(len(sig_r)),
            "candidate_clusters": int(len(clusters)), "flagged_clusters": int(len(flagged_ids))}
    step("done", 6)
    return Result(clusters.reset_index(drop=True), accounts, evidence, sync, amp, graphs, config,
                  actions, info)
