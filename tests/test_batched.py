"""The batched per-cluster statistics of `coordnet.analyze` equal the public one-cluster
functions (`cluster_statistics`, `block_amplification`, the null mean of
`validate_clusters`) for every cluster, on bundled and simulated data."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import coordnet
from coordnet import detect
from coordnet._links import Links
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
    blocks = _block_amplification_many(amp, groups, receivers)  # degrees summed on codes
    # the same with the degrees by name (as block_amplification sums them)
    pd.testing.assert_frame_equal(blocks, _block_amplification_many(amp, groups, receivers, _amplification_degrees(amp)),
                                  check_exact=True)
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
    k = Links.from_pairs(sync["a"].to_numpy(), sync["b"].to_numpy(), sync["k"].to_numpy(), n)
    deciles = np.arange(n) * 10 // n
    deciles[:30] = 1
    deciles[3:5] = 0  # decile 0 holds two accounts only: a cluster of both exhausts its pool
    pools = {d: np.flatnonzero(deciles == d) for d in np.unique(deciles)}
    fast = _NullMean(k, deciles, np.arange(0, n, 7))  # some members' links gathered at first
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
            k, deciles, is_member, pools, pool_of, slots)


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


def _random_links(rng, n, m, *, integers=True, shuffle=True):
    """Pairs in either orientation, with repeats, diagonal pairs, zeros and unknown (−1)
    accounts: everything ``Links.from_pairs`` must sum or leave out."""
    a, b = rng.integers(-1, n, m), rng.integers(-1, n, m)
    v = rng.integers(0, 6, m).astype(float) if integers else rng.random(m) * 3
    if not shuffle:  # sorted, distinct, a < b (as co-action edges come)
        key = np.unique(np.minimum(a, b)[(a >= 0) & (b >= 0) & (a != b)] * n
                        + np.maximum(a, b)[(a >= 0) & (b >= 0) & (a != b)])
        a, b = key // n, key % n
        v = rng.integers(1, 6, len(a)).astype(float)
    return a, b, v


@pytest.mark.parametrize("shuffle", [True, False])
def test_links_equal_the_former_sparse_upper_triangle(shuffle):
    # the former code: coo → csr, triu(k + k.T, 1), zeros eliminated, indices sorted
    import scipy.sparse as sp

    rng = np.random.default_rng(11)
    n = 200
    a, b, v = _random_links(rng, n, 5000, shuffle=shuffle)
    ok = (a >= 0) & (b >= 0)
    k = sp.coo_matrix((v[ok], (a[ok], b[ok])), shape=(n, n)).tocsr()
    k = sp.triu(k + k.T, 1).tocsr()
    k.eliminate_zeros()
    k.sort_indices()
    got = Links.from_pairs(a, b, v, n)
    # the same pairs given as other codes (categories) with their map to range(n)
    at = np.r_[rng.permutation(n), -1]  # category n: no account
    cat = np.argsort(at[:n])  # the category of each account
    ca, cb = np.where(a >= 0, cat[np.maximum(a, 0)], n), np.where(b >= 0, cat[np.maximum(b, 0)], -1)
    ca[a < 0] = np.where(rng.random((a < 0).sum()) < 0.5, n, -1)
    mapped = Links.from_pairs(ca, cb, v, n, at=at)
    for x in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(mapped, x), getattr(got, x))
    assert np.array_equal(got.indptr, k.indptr)
    assert np.array_equal(got.indices, k.indices)
    assert np.array_equal(got.data, k.data)
    # the former strength ranks: every value under each of its two accounts, largest first
    full = (k + k.T).tocoo()
    order = np.lexsort((-full.data, full.row))
    r, val = full.row[order], full.data[order]
    rank = np.arange(len(r)) - np.searchsorted(r, np.arange(n))[r]
    for m in (1, 2, 3, 7, 40):
        keep = rank < m
        assert np.array_equal(got.top(m), np.bincount(r[keep], weights=val[keep], minlength=n))
    # group sums: every pair of each group looked up in k, in triu order
    groups = rng.integers(0, n, (300, 6))
    iu, ju = np.triu_indices(6, 1)
    dense = k.toarray()
    ref = np.array([sum(dense[min(g[i], g[j]), max(g[i], g[j])] for i, j in zip(iu, ju)) for g in groups])
    assert np.array_equal(got.group_sums(groups), ref)


def test_links_top_of_accounts_with_one_value_and_with_several():
    # a: links 1, 1, 1 (one value: min(degree, m)·1); b: links 5, 1, 2, 1 (values kept)
    k = Links.from_pairs(np.array([0, 0, 0, 1, 1, 1]), np.array([2, 3, 4, 5, 6, 7]),
                         np.array([1., 1., 1., 5., 1., 2.]), 9)
    assert k.top(2).tolist() == [2.0, 7.0, 1.0, 1.0, 1.0, 5.0, 1.0, 2.0, 0.0]
    assert k.top(5).tolist() == [3.0, 8.0, 1.0, 1.0, 1.0, 5.0, 1.0, 2.0, 0.0]


def _validate_by_brute_force(members, sync, activity, n_null, seed, stop_at=0):
    """validate_clusters written plainly: the same random streams (the deciles' ties from
    the seed; each cluster's batches of draws, decile by decile, from its own stream seeded
    by the seed and the cluster id), every random group summed pair by pair
    from a dict, the null mean by the direct sum over every link."""
    rng = np.random.default_rng(seed)
    acts = activity.sort_index()
    names = list(acts.index)
    n = len(names)
    tiebreak = rng.permutation(n)
    order = np.lexsort((tiebreak, acts.to_numpy()))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = np.arange(n)
    deciles = ranks * min(10, n) // n
    pools = {d: np.flatnonzero(deciles == d) for d in np.unique(deciles)}
    at = {a: i for i, a in enumerate(names)}
    pair = {}
    for a, b, v in sync[["account_a", "account_b", "k"]].itertuples(index=False):
        if a in at and b in at and a != b:
            key = (min(at[a], at[b]), max(at[a], at[b]))
            pair[key] = pair.get(key, 0.0) + float(v)
    k = Links.from_pairs(np.array([p[0] for p in pair]), np.array([p[1] for p in pair]),
                         np.array(list(pair.values())), n)

    def total(g):
        return sum(pair.get((min(x, y), max(x, y)), 0.0) for i, x in enumerate(g) for y in g[i + 1:])

    rows = []
    for cid in sorted(members):
        mem = [at[a] for a in members[cid] if a in at]
        size = len(mem)
        if size < 2:
            rows.append((cid, 0.0, 0.0, np.nan, 1.0, 0))
            continue
        obs = total(mem)
        is_member = np.zeros(n, dtype=bool)
        is_member[mem] = True
        slots = dict(zip(*np.unique(deciles[mem], return_counts=True)))
        pool_of = {d: (pools[d][~is_member[pools[d]]] if (~is_member[pools[d]]).any() else pools[d])
                   for d in slots}
        mean = _null_mean(k, deciles, is_member, pools, pool_of, slots)
        exceed = done = 0
        own = np.random.default_rng([seed, 2 * cid])  # the cluster's own stream (ids ≥ 0)
        stopped = 0
        for b in detect._batches(n_null, size, growing=stop_at > 0):  # (the same batches)
            if stopped:
                break
            cols = [pool_of[d][detect._draw_distinct(own, len(pool_of[d]), b, cnt)] for d, cnt in slots.items()]
            groups = np.concatenate(cols, axis=1)
            for g in groups:  # in sequence, up to the stop
                done += 1
                exceed += total(list(g)) >= obs
                if stop_at and exceed == stop_at:
                    stopped = done
                    break
        lift = obs / mean if mean > 0 else (np.inf if obs > 0 else np.nan)
        if stopped:
            rows.append((cid, obs, mean, lift, stop_at / stopped, stopped))
        else:
            rows.append((cid, obs, mean, lift, (1 + exceed) / (1 + n_null), n_null))
    return pd.DataFrame(rows, columns=["cluster", "sync_observed", "sync_null_mean", "lift", "p_value", "n_null"])


@pytest.mark.parametrize("seed", [0, 1])
def test_validate_clusters_equals_brute_force(seed):
    # 150 accounts, a planted ring of 8 among random links; clusters of 2–9 members, one
    # with an account absent from the activity table, one exhausting a small decile
    rng = np.random.default_rng(seed)
    acc = [f"a{i:03d}" for i in range(150)]
    ring = [(x, y, int(rng.integers(2, 5))) for i, x in enumerate(acc[:8]) for y in acc[i + 1:8]]
    noise = [(acc[i], acc[j], int(rng.integers(1, 4))) for i, j in rng.integers(0, 150, (900, 2)) if i != j]
    sync = pd.DataFrame(ring + noise, columns=["account_a", "account_b", "k"])
    sync = sync.sample(frac=1, random_state=seed).reset_index(drop=True)  # any order, repeats
    activity = pd.Series(rng.integers(1, 40, len(acc)), index=acc)
    members = {1: acc[:8], 2: acc[20:29], 3: acc[40:42], 4: acc[60:64] + ["nobody"], 5: acc[100:103]}
    got = detect.validate_clusters(members, sync, activity, n_null=400, seed=seed)
    ref = _validate_by_brute_force(members, sync, activity, 400, seed)
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
    assert got["p_value"].iloc[0] == 1 / 401
    # stopping at the 5th random group that reaches a cluster's sum (Besag & Clifford):
    # the same groups, in sequence, up to that one; p = 5 / L
    got = detect.validate_clusters(members, sync, activity, n_null=400, seed=seed, stop_at=5)
    ref = _validate_by_brute_force(members, sync, activity, 400, seed, stop_at=5)
    pd.testing.assert_frame_equal(got, ref, check_exact=True)
    assert (got["n_null"] < 400).any() and got["p_value"].iloc[0] == 1 / 401


@pytest.mark.parametrize("pool,cnt", [(30, 12), (1000, 20), (5, 8), (10, 7), (50, 1)])
def test_draw_distinct_into_a_table_same_draws(pool, cnt):
    # written into columns of a larger table (as validate_clusters does): the same rows
    ref = detect._draw_distinct(np.random.default_rng(7), pool, 500, cnt)
    table = np.full((500, cnt + 3), -5)
    got = detect._draw_distinct(np.random.default_rng(7), pool, 500, cnt, {}, out=table[:, 2:2 + cnt])
    assert np.array_equal(got, ref) and np.array_equal(table[:, 2:2 + cnt], ref)
    assert (table[:, :2] == -5).all() and (table[:, 2 + cnt:] == -5).all()


@pytest.mark.parametrize("n_values", [5, 60, 400, 1000])
def test_positions_equal_get_indexer(n_values):
    # few or many values (hashed on either side), repeats, absent names, text or Arrow text
    rng = np.random.default_rng(n_values)
    names = pd.Index(sorted({f"u{x:05d}" for x in rng.integers(0, 20_000, 900)}), dtype="str")
    values = [names[i] if i < len(names) else f"zz{i}" for i in rng.integers(0, len(names) + 50, n_values)]
    ref = pd.Index(names.to_numpy(dtype=object)).get_indexer(values)
    for v in (pd.Index(values, dtype=object), pd.Series(values, dtype="str"), pd.Index(values, dtype="str")):
        assert np.array_equal(detect._positions(v, names), ref)
    assert np.array_equal(detect._positions(names, names), np.arange(len(names)))


# ---------------------------------------------------------------- random groups, by heavy accounts

def _hub_links(seed: int, n: int = 40, hubs: int = 3) -> Links:
    """``n`` accounts with a few links of 1 each, and ``hubs`` accounts (0 … hubs − 1)
    linked to each other and to several others by larger values."""
    rng = np.random.default_rng(seed)
    a, b, v = [], [], []
    for x in range(hubs, n):  # sparse background
        for y in rng.choice(n, 2, replace=False):
            if y != x:
                a.append(x); b.append(int(y)); v.append(1.0)
    for h in range(hubs):
        for y in range(n):
            if y != h and (y < hubs or rng.random() < 0.4):
                a.append(h); b.append(y); v.append(float(rng.integers(3, 7)))
    return Links.from_pairs(np.array(a), np.array(b), np.array(v), n)


def _every_group(k: Links, pools: list[np.ndarray], counts: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Every group (``counts[i]`` distinct accounts of ``pools[i]``, slot by slot) and its sum."""
    from itertools import combinations, product

    groups = np.array([sum(parts, ()) for parts in product(*(list(combinations(p.tolist(), c))
                                                              for p, c in zip(pools, counts)))])
    return groups, k.group_sums(groups)


def _hub_case(seed: int) -> tuple[Links, list[np.ndarray], list[int], np.ndarray, np.ndarray, list[Any]]:
    """:func:`_hub_links` with two slots (3 of accounts 0–19, 2 of 20–39): the links, pools,
    counts, bounds, every group's sum, and the plan at each reachable sum (None: not kept)."""
    k = _hub_links(seed)
    pools, counts = [np.arange(0, 20), np.arange(20, 40)], [3, 2]
    top = k.top(sum(counts) - 1)
    _, sums = _every_group(k, pools, counts)
    plans = [(float(o), detect._split_plan([top[p_] for p_ in pools], counts, float(o))) for o in np.unique(sums)]
    return k, pools, counts, top, sums, plans


@pytest.mark.parametrize("seed", range(6))
def test_split_plan_never_rules_out_a_group_that_reaches_the_observed_sum(seed):
    # every group of two slots, enumerated: those with fewer than h_star heavy accounts
    # (bound above tau) all sum below obs, for obs at every reachable sum (boundaries)
    k = _hub_links(seed)
    pools, counts = [np.arange(0, 20), np.arange(20, 40)], [3, 2]
    top = k.top(sum(counts) - 1)
    groups, sums = _every_group(k, pools, counts)
    planned = 0
    for obs in np.unique(sums):
        plan = detect._split_plan([top[p] for p in pools], counts, float(obs))
        if plan is None:
            continue
        planned += 1
        n_heavy = (top[groups] > plan["tau"]).sum(axis=1)
        assert (sums[n_heavy < plan["h_star"]] < obs).all()
        # its share: the probability of at least h_star heavy accounts, as counted
        assert plan["share"] == pytest.approx((n_heavy >= plan["h_star"]).mean(), rel=1e-9, abs=1e-15)
    assert planned >= 3


@pytest.mark.parametrize("seed", [1, 2, 3, 5])
def test_null_count_by_heavy_accounts_has_the_exact_probability(seed, monkeypatch):
    # P(a random group reaches obs), exactly, from every group; a million random groups
    # counted by their heavy accounts, and drawn in full, both within 5 standard
    # deviations of it (obs: the smallest sum where counting by heavy accounts pays, with
    # at least two heavy accounts needed when there is one)
    k, pools, counts, top, sums, plans = _hub_case(seed)
    plans = [(o, pl) for o, pl in plans if pl is not None]
    obs, plan = next(((o, pl) for o, pl in plans if pl["h_star"] >= 2), plans[0])
    p = float((sums >= obs).mean())
    assert 0 < p < plan["share"] < 0.5
    slots, pool_of = {0: counts[0], 1: counts[1]}, {0: pools[0], 1: pools[1]}
    n = 1_000_000
    split, n_split = detect._count_null_exceed(k, obs, top, slots, pool_of, n, np.random.default_rng(seed))
    # placed in sequence (for a stop never reached): the same law
    placed, n_placed = detect._count_null_exceed(k, obs, top, slots, pool_of, n, np.random.default_rng(seed),
                                                 stop_at=n)
    monkeypatch.setattr(detect, "_split_plan", lambda *a: None)
    full, n_full = detect._count_null_exceed(k, obs, top, slots, pool_of, n, np.random.default_rng(seed))
    assert n_split == n_full == n_placed == n
    sd = np.sqrt(n * p * (1 - p))
    assert abs(placed - n * p) <= 5 * sd, (placed, n * p, sd)
    assert abs(split - n * p) <= 5 * sd, (split, n * p, sd)
    assert abs(full - n * p) <= 5 * sd, (full, n * p, sd)


def test_no_random_group_can_reach_a_dense_ring():
    # a ring far above anything the pools can form: nothing is drawn, p = 1 / (1 + n_null)
    rng = np.random.default_rng(0)
    acc = [f"a{i:03d}" for i in range(300)]
    ring = [(x, y, 9) for i, x in enumerate(acc[:12]) for y in acc[i + 1:12]]
    noise = [(acc[i], acc[j], 1) for i, j in rng.integers(12, 300, (600, 2)) if i != j]
    sync = pd.DataFrame(ring + noise, columns=["account_a", "account_b", "k"])
    activity = pd.Series(rng.integers(1, 40, len(acc)), index=acc)
    calls = []
    real = detect._count_split
    detect._count_split = lambda *a: calls.append(a[7]) or real(*a)
    try:
        v = detect.validate_clusters({1: acc[:12]}, sync, activity, n_null=10**6, seed=0)
    finally:
        detect._count_split = real
    assert calls and calls[0]["share"] < 1e-6
    assert v["p_value"].iloc[0] == 1 / (1 + 10**6)


@pytest.mark.parametrize("seed", [1, 3])
def test_stopped_drawing_has_the_law_of_sequential_draws(seed, monkeypatch):
    # drawing until h random groups reach obs takes L groups, L negative binomial:
    # E[L] = h / p, sd(L) = sqrt(h (1 − p)) / p (p exact, from every group). Over 60
    # drawings, counted by heavy accounts and drawn in full: mean L within 5 standard errors
    k, pools, counts, top, sums, plans = _hub_case(seed)
    obs = next(o for o, pl in plans if pl is not None)
    p = float((sums >= obs).mean())
    slots, pool_of = {0: counts[0], 1: counts[1]}, {0: pools[0], 1: pools[1]}
    h, runs, n = 20, 60, 10**6
    se = np.sqrt(h * (1 - p)) / p / np.sqrt(runs)

    def mean_draws():
        got = [detect._count_null_exceed(k, obs, top, slots, pool_of, n, np.random.default_rng([seed, r]),
                                         stop_at=h) for r in range(runs)]
        assert all(e == h and drawn < n for e, drawn in got)
        return np.mean([drawn for _, drawn in got])

    split = mean_draws()
    monkeypatch.setattr(detect, "_split_plan", lambda *a: None)
    full = mean_draws()
    assert abs(split - h / p) <= 5 * se, (split, h / p, se)
    assert abs(full - h / p) <= 5 * se, (full, h / p, se)


def test_stopped_split_stops_at_the_group_where_h_reach_obs():
    # two hubs linked by 100, nobody else linked; groups of 3 among 50 reach 100 exactly
    # when they hold both hubs (share = 48 / C(50, 3)): every group drawn in full reaches
    # obs, so the drawing stops at the place of the h-th one (their places: a uniform
    # subset of the sequence, the first random numbers of the stream)
    k = Links.from_pairs(np.array([0]), np.array([1]), np.array([100.0]), 50)
    top = k.top(2)
    pool = np.arange(50)
    plan = detect._split_plan([top[pool]], [3], 100.0)
    share = 48 / (50 * 49 * 48 / 6)
    assert plan["h_star"] == 2 and plan["share"] == pytest.approx(share, rel=1e-12)
    for h in (1, 3, 7):
        got = detect._count_null_exceed(k, 100.0, top, {0: 3}, {0: pool}, 10**7, np.random.default_rng(h),
                                        stop_at=h)
        rng = np.random.default_rng(h)  # (the stream's first draws: how many, then where)
        places = np.sort(rng.choice(10**7, rng.binomial(10**7, share), replace=False)) + 1
        assert got == (h, int(places[h - 1]))
