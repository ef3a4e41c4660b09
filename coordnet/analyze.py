"""``coordnet.analyze``: from an actions table to calibrated, validated clusters.

The stages are pure: :func:`analyze` takes a DataFrame and returns a :class:`Result`;
:func:`coordnet.run_analyze` (in :mod:`coordnet.pipeline`) adds reading and writing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import pandas as pd

from .config import Config
from .detect import (_amplification_degrees, _encoded, _ms, amplification_pairs,
                     block_amplification, cluster_statistics, find_clusters, synchrony_pairs,
                     time_to_amplify, validate_clusters)
from .graphs import Graphs, build_graphs

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


def _cluster_labels(col: pd.Series, amp_of: dict[str, int], lut: np.ndarray, names: pd.Index) -> np.ndarray:
    """Cluster id of each value of an account column (−1: none), through the account codes
    when the column is categorical over the actions' accounts, else by name."""
    if isinstance(col.dtype, pd.CategoricalDtype) and (col.cat.categories is names
                                                      or col.cat.categories.equals(names)):
        codes = col.cat.codes.to_numpy()
        return np.where(codes >= 0, lut[codes], -1)
    return pd.to_numeric(col.map(amp_of), errors="coerce").fillna(-1).to_numpy().astype(np.int64)


def _rows_by_cluster(a: np.ndarray, b: np.ndarray | None = None) -> dict[int, np.ndarray]:
    """Cluster id → ascending row positions whose cluster label ``a`` (and ``b``, when given,
    is the same cluster); rows labelled −1 (no cluster) are left out."""
    ok = a >= 0 if b is None else (a >= 0) & (a == b)
    pos = np.flatnonzero(ok)
    lab = a[pos]
    order = np.argsort(lab, kind="stable")
    keys, first = np.unique(lab[order], return_index=True)
    return {int(k): g for k, g in zip(keys, np.split(pos[order], first[1:]))}


def _member_delays(acts: pd.DataFrame, rows: np.ndarray) -> pd.Series:
    """:func:`coordnet.detect.time_to_amplify` of the given rows only (the first action on
    each object is still taken over all rows), on the integer object codes."""
    ts = acts["timestamp"]
    if getattr(ts.array, "unit", None) != "ms":
        return time_to_amplify(acts)
    obj = acts["object_id"].cat.codes.to_numpy()
    t = _ms(ts)
    has = (obj >= 0) & ts.notna().to_numpy()
    t0 = np.full(len(acts["object_id"].cat.categories), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(t0, obj[has], t[has])
    r = rows[has[rows]]
    d = pd.TimedeltaIndex((t[r] - t0[obj[r]]).astype("timedelta64[ms]")).total_seconds()
    return pd.Series(d.to_numpy(), index=acts.index[r], dtype="float64")


def _empty_clusters() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in CLUSTER_COLUMNS}).astype(
        {"flagged": "bool", "size": "int64"})


def _cluster_sync_p(st: dict[str, float], q: dict[float, float], window: float) -> float:
    """P(Binomial(co_shared, q(window)) ≥ co_actions): are the members' co-shared posts
    co-timed within the window more often than the data's own rate? NaN without post ids."""
    from scipy.stats import binom

    if not st["co_shared"] or not q:
        return float("nan")
    qs = sorted(q)
    w = min(float(window), qs[-1])
    qw = q.get(w, q[max([x for x in qs if x <= w], default=qs[0])])
    n = int(round(st["co_shared"]))
    k = int(round(min(st["co_actions"], n)))
    return float(binom.sf(k - 1, n, max(qw, 1e-12))) if k > 0 else 1.0


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

    step("graphs", 0)
    graphs = build_graphs(actions, config, progress=progress)
    step("synchrony tests", 1)
    sync, info = synchrony_pairs(actions, config)
    step("amplification tests", 2)
    amp = amplification_pairs(graphs.amplification, config)
    sig_t = sync.loc[sync["significant"], ["account_a", "account_b"]]
    sig_r = amp.loc[amp["significant"], ["source", "target"]]
    r_pairs = pd.DataFrame({"account_a": np.minimum(sig_r["source"].astype(str), sig_r["target"].astype(str)),
                            "account_b": np.maximum(sig_r["source"].astype(str), sig_r["target"].astype(str))})
    union = pd.concat([sig_t.astype(str), r_pairs]).drop_duplicates().reset_index(drop=True)
    step("clustering", 3)
    comms = find_clusters(union, resolution=config.resolution, seed=config.seed)
    sweep = {g: find_clusters(union, resolution=g, seed=config.seed) for g in SWEEP
             if g != config.resolution}
    sweep[config.resolution] = comms
    part_sizes = {id(p): p.groupby("community").size() for p in sweep.values()}

    # roles: an account without significant synchrony inside its community that receives
    # more significant amplification from it than it gives is a target, not a member
    comm_of = comms.set_index("account")["community"]
    ca, cb = sig_t["account_a"].astype(str).map(comm_of), sig_t["account_b"].astype(str).map(comm_of)
    same_t = sig_t.loc[ca.notna() & (ca == cb)]
    t_accounts = set(same_t["account_a"].astype(str)) | set(same_t["account_b"].astype(str))
    rs, rt = sig_r["source"].astype(str).map(comm_of), sig_r["target"].astype(str).map(comm_of)
    same_r = sig_r.loc[rs.notna() & (rs == rt)]
    indeg = same_r.groupby("target").size()
    outdeg = same_r.groupby("source").size()
    roles_df = comms.copy()
    is_target = (~roles_df["account"].isin(t_accounts)
                 & (roles_df["account"].map(indeg).fillna(0) > roles_df["account"].map(outdeg).fillna(0)))
    roles_df["role"] = np.where(is_target, "target", "amplifier")
    amplifiers = {c: g.loc[g["role"] == "amplifier", "account"].tolist()
                  for c, g in roles_df.groupby("community")}
    cand_ids = [c for c, a in amplifiers.items() if len(a) >= config.min_cluster_size]

    step("validation", 4)
    co = graphs.coaction
    if co is not None and not co.edges.empty:
        k60 = co.edges[["account_a", "account_b", "n_objects"]].rename(columns={"n_objects": "k"})
    else:
        k60 = pd.DataFrame({"account_a": [], "account_b": [], "k": []})
    activity = graphs.accounts.set_index("account")["n_actions"]
    activity = activity[activity > 0]
    # enough random groups that the smallest reachable p-value survives the Bonferroni
    # correction over the candidate clusters
    n_null = max(config.n_null, int(np.ceil(2 * len(cand_ids) / config.alpha_cluster)))
    # layer T of each candidate (share of its member pairs significantly synchronous): a
    # candidate without it cannot be flagged, so only the others are compared with random
    # groups (their p-value stays NaN); the Bonferroni factor still counts every candidate
    n_sig_in = same_t.assign(_c=ca[same_t.index]).groupby("_c").size()
    layer_t_of = {c: (len(amplifiers[c]) > 1 and float(n_sig_in.get(c, 0)) /
                      (len(amplifiers[c]) * (len(amplifiers[c]) - 1) / 2) >= 0.5 * config.resolution)
                  for c in cand_ids}
    to_test = [c for c in cand_ids if layer_t_of[c]]
    val = validate_clusters({c: amplifiers[c] for c in to_test}, k60, activity,
                            n_null=n_null, seed=config.seed) if to_test else None
    val_of = {} if val is None else val.set_index("cluster").to_dict("index")

    step("cluster statistics", 5)
    acts = _encoded(actions)  # the same table when it comes from a reader (already coded)
    names = acts["source"].cat.categories
    src_code = acts["source"].cat.codes.to_numpy()
    tgt_code = acts["target"].cat.codes.to_numpy()
    weight = acts["weight"].to_numpy()
    t_ok = acts["timestamp"].notna().to_numpy()
    times_all = np.sort(_ms(acts["timestamp"])[t_ok])
    degrees = _amplification_degrees(graphs.amplification)  # once, not once per cluster
    # each table scanned once for all clusters (an amplifier is in one cluster), not per cluster
    amp_of = {a: c for c in cand_ids for a in amplifiers[c]}
    lut = np.full(len(names) + 1, -1, dtype=np.int64)  # account code → cluster (−1: none)
    for c in cand_ids:  # one vectorised lookup per cluster
        lut[names.get_indexer(amplifiers[c])] = c
    lut = lut[:-1]
    own_rows = _rows_by_cluster(np.where(src_code >= 0, lut[src_code], -1))
    none = np.array([], dtype=np.int64)
    delays = _member_delays(acts, np.concatenate([none, *own_rows.values()]))

    def labels(col: pd.Series) -> np.ndarray:
        return _cluster_labels(col, amp_of, lut, names)

    amp_all = graphs.amplification
    amp_rows = _rows_by_cluster(labels(amp_all["source"])) if len(amp_all) else {}
    k60_rows = _rows_by_cluster(labels(k60["account_a"]), labels(k60["account_b"])) if len(k60) else {}
    gap_rows = (_rows_by_cluster(labels(co.evidence["account_a"]), labels(co.evidence["account_b"]))
                if co is not None and len(co.evidence) else {})
    sig_t_rows = (_rows_by_cluster(labels(sig_t["account_a"]), labels(sig_t["account_b"]))
                  if len(sig_t) else {})
    rows = []
    for new_id, cid in enumerate(cand_ids, start=1):
        mem = amplifiers[cid]
        mset = set(mem)
        tg = roles_df.loc[(roles_df["community"] == cid) & (roles_df["role"] == "target"), "account"].tolist()
        r_own = own_rows.get(cid, none)
        own = acts.iloc[r_own]
        n_actions = float(own["weight"].sum())
        n = len(mem)
        if co is not None:
            gaps = co.evidence["gap_s"].iloc[gap_rows.get(cid, none)]
            median_gap = float(gaps.median()) if len(gaps) else np.nan
        else:
            median_gap = np.nan
        tc = _ms(own["timestamp"])[t_ok[r_own]]
        b0, b1, bn, ball = _busiest(tc, times_all, int(BUSY_WINDOW_S * 1000))
        # targets: the accounts the members amplify most (outside the member set), on codes
        tcode = tgt_code[r_own]
        out = (tcode >= 0) & (lut[np.maximum(tcode, 0)] != cid)
        top = (pd.Series(weight[r_own][out]).groupby(tcode[out]).sum()
               .sort_values(ascending=False, kind="stable"))
        top = top[top >= max(config.min_repeat, 0.05 * n_actions)].head(5)
        top.index = names.take(top.index.to_numpy())
        recv = sorted(set(tg) | set(top.index))
        member_edges = amp_all.iloc[amp_rows.get(cid, none)]
        st = cluster_statistics(acts, member_edges, union, k60.iloc[k60_rows.get(cid, none)], mem,
                                recv, delays, member_actions=own)
        # layers
        n_sig_t_in = len(sig_t_rows.get(cid, none))
        layer_t = n_sig_t_in / (n * (n - 1) / 2) >= 0.5 * config.resolution if n > 1 else False
        r_obs, r_exp, r_p = block_amplification(amp_all, mem, recv, degrees=degrees,
                                                member_edges=member_edges)
        layer_r = r_p <= config.alpha and r_obs >= config.min_repeat * n
        # persistence over the resolution sweep: best Jaccard with any community of each run
        hits = 0
        for part in sweep.values():
            inter = part.loc[part["account"].isin(mset)].groupby("community").size()
            if len(inter):
                psize = part_sizes[id(part)].reindex(inter.index)
                hits += bool(((inter / (psize + len(mset) - inter)) >= 0.5).any())
        persistence = hits / len(sweep)
        v = val_of.get(cid, {"lift": np.nan, "p_value": np.nan, "n_null": 0})
        rows.append({
            "cluster": new_id, "size": n, "n_targets": len(tg), "actions": int(st["actions"]),
            "internal_actions": int(st["internal_actions"]), "share_of_volume": st["share_of_volume"],
            "reciprocity": st["reciprocity"], "density": st["density"],
            "median_delay_s": st["median_delay_s"], "p10_delay_s": st["p10_delay_s"],
            "share_within_60s": st["share_within_60s"], "co_actions": int(st["co_actions"]),
            "median_gap_s": median_gap,
            "first_time": own["timestamp"].min(), "last_time": own["timestamp"].max(),
            "busiest_start": pd.Timestamp(b0, unit="ms", tz="UTC") if bn else pd.NaT,
            "busiest_end": pd.Timestamp(b1, unit="ms", tz="UTC") if bn else pd.NaT,
            "busiest_actions": ball, "busiest_share": bn / ball if ball else 0.0,
            "lift": float(v["lift"]), "p_value": float(v["p_value"]),
            "sync_p": _cluster_sync_p(st, info["q"], config.window),
            "persistence": persistence, "layer_t": bool(layer_t), "layer_r": bool(layer_r),
            "block_observed": r_obs, "block_expected": r_exp, "block_p": r_p,
            "n_null": int(v["n_null"]),
            "top_targets": ";".join(map(str, top.index)),
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
    cmap = {} if clusters.empty else dict(zip(clusters["_community"], clusters["cluster"]))
    fmap = {} if clusters.empty else dict(zip(clusters["_community"], clusters["flagged"]))

    # accounts table
    accounts = graphs.accounts[["account", "n_actions", "n_amplified"]].copy()
    r = roles_df[roles_df["community"].isin(cmap)]
    # targets belong to their cluster; add outside top targets of flagged clusters as targets
    acc_cluster = dict(zip(r["account"], r["community"].map(cmap)))
    acc_role = dict(zip(r["account"], r["role"]))
    if not clusters.empty:
        for _, row in clusters.iterrows():
            for t in filter(None, row["top_targets"].split(";")):
                if t not in acc_cluster:
                    acc_cluster[t] = row["cluster"]
                    acc_role[t] = "target"
    accounts["cluster"] = accounts["account"].map(acc_cluster).astype("Int64")
    accounts["role"] = accounts["account"].map(acc_role).astype("str")
    inv = {v: k for k, v in cmap.items()}
    flagged_new = [inv_c for inv_c, comm in inv.items() if fmap.get(comm, False)]
    accounts["flagged"] = accounts["cluster"].isin(flagged_new).to_numpy(dtype=bool, na_value=False)
    accounts = accounts[["account", "cluster", "role", "flagged", "n_actions", "n_amplified"]]

    # evidence for flagged clusters
    if co is not None and flagged_ids:
        fl_members = {a: cmap[c] for c in flagged_ids for a in amplifiers[c]}
        ev = co.evidence
        ca = ev["account_a"].map(fl_members)
        cb = ev["account_b"].map(fl_members)
        evidence = ev.loc[ca.notna() & (ca == cb)].copy()
        evidence.insert(0, "cluster", ca[evidence.index].astype("int64"))
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
