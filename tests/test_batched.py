"""The batched per-cluster statistics of `coordnet.analyze` equal the public one-cluster
functions (`cluster_statistics`, `block_amplification`, the null mean of
`validate_clusters`) for every cluster, on bundled and simulated data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import coordnet
from coordnet import detect
from coordnet.detect import (_amplification_degrees, _block_amplification_many, _cluster_statistics_many,
                             _Groups, _NullMean, _null_mean, block_amplification, cluster_statistics)


def _sim(drop_objects: bool = False) -> pd.DataFrame:
    sim = coordnet.simulate(n_accounts=400, n_posts=300, n_actions=4000, n_viral=1, viral_size=80,
                            n_circles=3, n_hyperactive=2,
                            groups=(coordnet.GroupSpec(size=10, n_posts=20),
                                    coordnet.GroupSpec(size=6, n_posts=15)), seed=4)
    acts = sim.actions.drop(columns="object_id") if drop_objects else sim.actions
    return coordnet.from_dataframe(acts).actions


DATA = {
    "campaign": lambda: coordnet.datasets.campaign_actions(),
    "simulated": lambda: _sim(),
    "simulated, no object ids": lambda: _sim(drop_objects=True),
}


def _groups_of(res: coordnet.Result, rng: np.random.Generator) -> tuple[list[list[str]], list[list[str]]]:
    """The candidate clusters of ``res`` (amplifiers; receivers = targets and top targets),
    then edge cases: random groups (no internal edges, as a rule), a group of one, a group
    with an account absent from the data, and a group of accounts without actions."""
    acc = res.accounts
    members, receivers = [], []
    for _, c in res.clusters.iterrows():
        in_c = acc["cluster"] == c["cluster"]
        members.append(sorted(acc.loc[in_c & (acc["role"] == "amplifier"), "account"]))
        tops = [t for t in c["top_targets"].split(";") if t]
        receivers.append(sorted(set(acc.loc[in_c & (acc["role"] == "target"), "account"]) | set(tops)))
    taken = {a for m in members for a in m}
    silent = sorted(set(acc.loc[acc["n_actions"] == 0, "account"]) - taken)[:3]
    free = np.array(sorted(set(acc["account"]) - taken - set(silent)), dtype=object)
    free = free[rng.permutation(len(free))]
    for i in range(5):
        members.append(list(free[i * 6:(i + 1) * 6]))
        receivers.append(list(free[100 + i:102 + i]))
    members += [[free[40]], [free[41], "ghost account"]]
    receivers += [[], ["nobody"]]
    if silent:
        members.append(silent)
        receivers.append([])
    return members, receivers


def _same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == b


@pytest.mark.parametrize("name", list(DATA))
def test_batched_statistics_equal_cluster_statistics(name):
    acts = DATA[name]()
    res = coordnet.analyze(acts)
    assert len(res.clusters) > 0
    amp = res.graphs.amplification
    links = res.pairs.loc[res.pairs["significant"], ["account_a", "account_b"]].astype(str)
    k60 = res.graphs.coaction.edges[["account_a", "account_b", "n_objects"]].rename(columns={"n_objects": "k"})
    members, receivers = _groups_of(res, np.random.default_rng(0))
    groups = _Groups(acts, members)
    many = _cluster_statistics_many(acts, amp, links, k60, groups, receivers)
    blocks = _block_amplification_many(amp, groups, receivers, _amplification_degrees(amp))
    assert len(many) == len(blocks) == len(members)
    seen_nan_delay = seen_no_edges = False
    for i, (mem, recv) in enumerate(zip(members, receivers)):
        one = cluster_statistics(acts, amp, links, k60, mem, recv)
        got = many.iloc[i].to_dict()
        assert set(got) == set(one)
        bad = {key: (got[key], one[key]) for key in one if not _same(got[key], one[key])}
        assert not bad, (name, i, mem, bad)
        assert tuple(blocks.iloc[i]) == block_amplification(amp, mem, recv)
        seen_nan_delay |= bool(np.isnan(one["median_delay_s"]))
        seen_no_edges |= one["reciprocity"] == 0.0 and one["density"] == 0.0
    assert seen_nan_delay and seen_no_edges  # the edge cases were exercised


def test_groups_must_be_disjoint():
    with pytest.raises(ValueError, match="disjoint"):
        _Groups(coordnet.datasets.campaign_actions(), [["squad_1", "squad_2"], ["squad_2"]])


def test_null_mean_by_decile_totals_equals_the_direct_sum():
    # random integer links among 300 accounts; 30 random clusters of 2–12 members
    rng = np.random.default_rng(1)
    n = 300
    a, b = rng.integers(0, n, 3000), rng.integers(0, n, 3000)
    sync = pd.DataFrame({"a": np.minimum(a, b), "b": np.maximum(a, b), "k": rng.integers(1, 5, 3000)})
    sync = sync.loc[sync["a"] != sync["b"]].groupby(["a", "b"], as_index=False)["k"].sum()
    import scipy.sparse as sp
    k = sp.triu(sp.coo_matrix((sync["k"].astype(float), (sync["a"], sync["b"])), shape=(n, n)), 1).tocsr()
    k.sort_indices()
    ka, kb = np.repeat(np.arange(n), np.diff(k.indptr)), k.indices
    deciles = np.arange(n) * 10 // n
    deciles[:30] = 1
    deciles[3:5] = 0  # decile 0 holds two accounts only: a cluster of both exhausts its pool
    pools = {d: np.flatnonzero(deciles == d) for d in np.unique(deciles)}
    fast = _NullMean(k, ka, kb, deciles)
    assert fast.exact
    for size in list(range(2, 13)) * 3:
        mem = rng.choice(n, size, replace=False)
        if size == 2:
            mem = np.array([3, 4])  # the whole of decile 0: its pool keeps them
        is_member = np.zeros(n, dtype=bool)
        is_member[mem] = True
        slots = dict(zip(*np.unique(deciles[mem], return_counts=True)))
        pool_of = {d: (pools[d][~is_member[pools[d]]] if (~is_member[pools[d]]).any() else pools[d])
                   for d in slots}
        if size == 2:
            assert len(pool_of[0]) == 2  # exhausted: drawn among the members themselves
        assert fast(mem, is_member, pools, pool_of, slots) == _null_mean(
            k, ka, kb, deciles, is_member, pools, pool_of, slots)


def test_validate_clusters_same_with_precomputed_helpers(monkeypatch):
    # the per-cluster null mean and the group sums from helpers computed once give the
    # same lift, p-value and n_null as recomputing them for each cluster
    acc = [f"a{i:03d}" for i in range(120)]
    rng = np.random.default_rng(2)
    ring = [(x, y, 3) for i, x in enumerate(acc[:8]) for y in acc[i + 1:8]]
    noise = [(acc[i], acc[j], int(rng.integers(1, 3))) for i, j in rng.integers(8, 120, (300, 2)) if i < j]
    sync = pd.DataFrame(ring + noise, columns=["account_a", "account_b", "k"]).drop_duplicates(
        ["account_a", "account_b"])
    activity = pd.Series(rng.integers(1, 50, len(acc)), index=acc)
    members = {1: acc[:8], 2: acc[20:26], 3: acc[50:53]}
    fast = detect.validate_clusters(members, sync, activity, n_null=300, seed=5)

    class Direct(_NullMean):
        def __init__(self, *args):
            super().__init__(*args)
            self.exact = False  # always the direct sum over every link

    monkeypatch.setattr(detect, "_NullMean", Direct)
    slow = detect.validate_clusters(members, sync, activity, n_null=300, seed=5)
    pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    assert fast.loc[fast["cluster"] == 1, "p_value"].iloc[0] == 1 / 301


def test_sorted_search_equals_searchsorted():
    rng = np.random.default_rng(3)
    keys = np.unique(rng.integers(0, 10**9, 50_000))
    q = np.r_[rng.integers(0, 10**9, 150_000), keys[:1000]]  # enough queries to sort them first
    assert np.array_equal(detect._sorted_search(keys, q), np.searchsorted(keys, q))


def _draw_distinct_every_row_rechecked(rng, pool, b, cnt):
    """The former rejection loop (every row sorted again after each redraw)."""
    if pool < cnt:
        return rng.integers(0, pool, (b, cnt))
    if cnt * 2 > pool:
        return np.argsort(rng.random((b, pool)), axis=1)[:, :cnt]
    pick = rng.integers(0, pool, (b, cnt))
    while True:
        srt = np.sort(pick, axis=1)
        bad = np.flatnonzero((srt[:, 1:] == srt[:, :-1]).any(axis=1))
        if not len(bad):
            return pick
        pick[bad] = rng.integers(0, pool, (len(bad), cnt))


@pytest.mark.parametrize("pool,cnt", [(30, 12), (1000, 20), (5, 8), (10, 7)])
def test_draw_distinct_same_draws_as_rechecking_every_row(pool, cnt):
    # (30, 12): most rows hold a repeat and are drawn again, several rounds
    got = detect._draw_distinct(np.random.default_rng(7), pool, 500, cnt)
    ref = _draw_distinct_every_row_rechecked(np.random.default_rng(7), pool, 500, cnt)
    assert np.array_equal(got, ref)
