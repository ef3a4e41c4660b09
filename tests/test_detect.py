"""Detection statistics on small hand-made inputs, with the expected values worked out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom, poisson

import coordnet
from coordnet import detect
from coordnet.analyze import _busiest

T0 = 1_600_000_000


def acts(rows):
    df = pd.DataFrame(rows, columns=["source", "object_id", "timestamp"])
    df["timestamp"] = T0 + df["timestamp"]
    return coordnet.from_dataframe(df).actions


def test_bh_adjust_by_hand():
    # sorted p: .01 .02 .03 .04 .05, m = 5: p*m/rank = .05 each → all .05
    assert detect.bh_adjust(np.array([0.05, 0.01, 0.03, 0.02, 0.04])).tolist() == pytest.approx([0.05] * 5)
    # with m = 10 hypotheses (5 not computed): doubled
    assert detect.bh_adjust(np.array([0.01]), m=10).tolist() == pytest.approx([0.1])
    # monotone: .001*3/1=.003, .04*3/2=.06, .5*3/3=.5
    assert detect.bh_adjust(np.array([0.5, 0.001, 0.04])).tolist() == pytest.approx([0.5, 0.003, 0.06])


def test_synchrony_null_rate_and_binomial_test_by_hand():
    # Pair (a, b) co-shares 4 objects, always within 5 s. Pair (c, d) co-shares 4 objects
    # 1000 s apart. Every object has 2 accounts, so its q_o(τ) is 1 if its pair is within τ
    # else 0, and q(τ) = mean over the 8 objects (equal weights, 2 accounts each):
    #   q(10) = q(60) = q(300) = 4/8 = 0.5;  q(1800) = 8/8 = 1.
    rows = []
    for i in range(4):
        rows += [("a", f"x{i}", 10_000 * i), ("b", f"x{i}", 10_000 * i + 5)]
        rows += [("c", f"y{i}", 10_000 * i), ("d", f"y{i}", 10_000 * i + 1000)]
    cfg = coordnet.Config(min_repeat=3, alpha=0.5)
    pairs, info = detect.synchrony_pairs(acts(rows), cfg)
    assert info["q"] == {10.0: 0.5, 60.0: 0.5, 300.0: 0.5, 1800.0: 1.0}
    p = pairs.set_index(["account_a", "account_b"])
    ab = p.loc[("a", "b")]
    assert (ab["s"], ab["k_10"], ab["k_60"], ab["k_300"], ab["k_1800"]) == (4, 4, 4, 4, 4)
    # P(Binom(4, .5) ≥ 4) = 1/16, times 4 windows (Bonferroni) = 0.25
    assert ab["p"] == pytest.approx(4 * binom.sf(3, 4, 0.5)) == pytest.approx(0.25)
    cd = p.loc[("c", "d")]
    assert (cd["k_300"], cd["k_1800"]) == (0, 4)
    assert cd["p"] == pytest.approx(1.0)  # k = s at τ = 1800 when q = 1 is no evidence
    assert info["n_tested"] == 2


def test_synchrony_skips_viral_objects():
    rows = [(f"u{i}", "viral", i) for i in range(12)] + [("a", "x", 0), ("b", "x", 1)]
    pairs, info = detect.synchrony_pairs(acts(rows), coordnet.Config(max_object_accounts=10))
    assert info["objects_skipped"] == 1 and info["n_objects"] == 2


def test_amplification_test_by_hand():
    # a→b 6 times, a→c 1, d→c 3; M = 10. out(a)=7, in(b)=6 → expected 4.2;
    # out(d)=3, in(c)=4 → expected 1.2.
    e = pd.DataFrame({"source": ["a", "a", "d"], "target": ["b", "c", "c"], "weight": [6, 1, 3]})
    r = detect.amplification_pairs(e, coordnet.Config(alpha=1.0)).set_index(["source", "target"])
    assert r.loc[("a", "b"), "expected"] == pytest.approx(4.2)
    assert r.loc[("d", "c"), "expected"] == pytest.approx(1.2)
    assert r.loc[("a", "b"), "p"] == pytest.approx(poisson.sf(5, 4.2))
    assert r.loc[("a", "c"), "p"] == 1.0  # below min_repeat = 3: not tested


def test_block_amplification_by_hand():
    # members a, b retweet each other 5 times each; x retweets a once. M = 11.
    # out: a=5, b=5; in over receivers {a, b}: a=6, b=5 → Σout·Σin/M = 10·11/11 = 10,
    # minus self terms (a: 5·6 + b: 5·5)/11 = 5 → expected 5; observed 10.
    e = pd.DataFrame({"source": ["a", "b", "x"], "target": ["b", "a", "a"], "weight": [5, 5, 1]})
    obs, exp, p = detect.block_amplification(e, ["a", "b"], [])
    assert (obs, exp) == (10.0, pytest.approx(5.0))
    assert p == pytest.approx(poisson.sf(9, 5.0))


def test_leiden_cpm_is_seeded_and_separates_cliques():
    rng = np.random.default_rng(0)
    cliques = [[f"c{k}_{i}" for i in range(6)] for k in range(3)]
    e = [(a, b) for c in cliques for i, a in enumerate(c) for b in c[i + 1:]]
    e += [(cliques[0][0], cliques[1][0]), (cliques[1][1], cliques[2][1])]  # bridges
    df = pd.DataFrame(e, columns=["account_a", "account_b"]).sample(frac=1, random_state=1)
    a = detect.find_clusters(df, resolution=0.5, seed=7)
    b = detect.find_clusters(df.sample(frac=1, random_state=2), resolution=0.5, seed=7)
    pd.testing.assert_frame_equal(a, b)
    groups = sorted(sorted(g) for g in a.groupby("community")["account"].apply(list))
    assert groups == sorted(sorted(c) for c in cliques)
    assert rng is not None


def _communities_former(names, memb):
    """The former pandas construction of find_clusters' table."""
    df = pd.DataFrame({"account": np.asarray(names, dtype=object), "c": memb})
    size = df.groupby("c")["account"].transform("size")
    first = df.groupby("c")["account"].transform("min")
    df = df.loc[size >= 2].assign(size=size, first=first)
    order = df.drop_duplicates("c").sort_values(["size", "first"], ascending=[False, True])["c"]
    df["community"] = df["c"].map({c: i for i, c in enumerate(order)})
    return df.sort_values(["community", "account"])[["account", "community"]].reset_index(drop=True)


@pytest.mark.parametrize("seed", range(4))
def test_communities_table_same_as_the_former_pandas_one(seed):
    rng = np.random.default_rng(seed)
    names = pd.Index(sorted({f"u{x}" for x in rng.integers(0, 5000, 800)}))
    memb = rng.integers(0, rng.integers(5, 600), len(names))
    memb = np.unique(memb, return_inverse=True)[1].ravel()  # labels 0..k−1, as igraph gives
    pd.testing.assert_frame_equal(detect._communities(names, memb), _communities_former(names, memb),
                                  check_exact=True)


def _planted_graph(seed, n=3000, groups=40):
    rng = np.random.default_rng(seed)
    e = {tuple(sorted(p)) for p in rng.integers(0, n, (6 * n, 2)) if p[0] != p[1]}
    for g in range(groups):  # dense groups of 5–12
        mem = rng.choice(n, rng.integers(5, 13), replace=False)
        e |= {(min(a, b), max(a, b)) for i, a in enumerate(mem) for b in mem[i + 1:] if rng.random() < 0.8}
    e = np.array(sorted(e))
    return pd.DataFrame({"account_a": [f"u{x:05d}" for x in e[:, 0]], "account_b": [f"u{x:05d}" for x in e[:, 1]]})


def _cpm_quality_x2(edges, part, gamma):
    """Twice the CPM quality of a partition, by hand: Σ over communities of 2·(links
    inside) − γ·n(n − 1) (accounts alone in their community count 0)."""
    c = dict(zip(part["account"], part["community"]))
    a, b = edges["account_a"].map(c), edges["account_b"].map(c)
    inside = int(((a == b) & a.notna()).sum())
    n = part.groupby("community").size()
    return 2 * inside - gamma * float((n * (n - 1)).sum())


def test_find_clusters_keeps_the_best_of_n_runs():
    # five single runs (seeds 10..14) end in five different local optima; the best of the
    # first n is the one of highest CPM quality
    df = _planted_graph(0, n=600, groups=15)
    single = [detect.find_clusters(df, resolution=0.3, seed=10 + i, n_runs=1) for i in range(5)]
    q = [_cpm_quality_x2(df, p, 0.3) for p in single]
    assert len({p.to_csv() for p in single}) == 5
    picked = set()
    for n in (1, 2, 3, 5):
        best = int(np.argmax(q[:n]))  # (the first one on a tie, as find_clusters)
        picked.add(best)
        pd.testing.assert_frame_equal(detect.find_clusters(df, resolution=0.3, seed=10, n_runs=n),
                                      single[best], check_exact=True)
    assert len(picked) >= 3  # the case tells the runs apart
    pd.testing.assert_frame_equal(detect.find_clusters(df, resolution=0.3, seed=10),
                                  detect.find_clusters(df, resolution=0.3, seed=10, n_runs=3))
    with pytest.raises(coordnet.ConfigError, match="leiden_runs must be a whole number"):
        detect.find_clusters(df, resolution=0.3, seed=10, n_runs=0)


def test_analyze_runs_leiden_config_leiden_runs_times_per_resolution(monkeypatch):
    started = []
    real = detect.LeidenRuns

    def spy(g, runs, *a, **k):
        started.append(list(runs))
        return real(g, runs, *a, **k)

    monkeypatch.setattr(detect, "LeidenRuns", spy)
    acts_ = coordnet.read_actions(coordnet.datasets.campaign_path()).actions
    for k in (1, 2):
        started.clear()
        coordnet.analyze(acts_, coordnet.Config(leiden_runs=k, seed=5))
        assert len(started) == 1
        res = sorted({r for r, _ in started[0]})
        assert sorted(started[0]) == sorted((r, 5 + i) for r in res for i in range(k))
    with pytest.raises(coordnet.ConfigError, match="leiden_runs"):
        coordnet.Config(leiden_runs=0)


def test_leiden_runs_in_worker_processes_give_the_same_partitions(monkeypatch):
    from coordnet import _leiden

    df = _planted_graph(0)
    serial = {g: detect.find_clusters(df, resolution=g, seed=3) for g in (0.3, 0.5, 0.7)}
    monkeypatch.setattr(_leiden, "PARALLEL_EDGES", 0)
    monkeypatch.setenv("COORDNET_THREADS", "2")
    with detect._Clusterings(df, [0.5, 0.3, 0.5, 0.7], 3) as runs:
        assert len(runs.runs._pids) == 2  # the runs went to two workers
        par = {g: runs.get(g) for g in (0.7, 0.5, 0.3)}  # asked for in any order
    for g in serial:
        pd.testing.assert_frame_equal(par[g], serial[g], check_exact=True)
    pd.testing.assert_frame_equal(detect.find_clusters(df, resolution=0.5, seed=3), serial[0.5])


def test_leiden_runs_of_a_worker_that_could_not_start_are_done_here(monkeypatch):
    import os

    import igraph as ig

    from coordnet import _leiden

    real, calls = os.fork, []

    def fork():  # the second worker cannot be started
        calls.append(1)
        if len(calls) > 1:
            raise OSError("no more processes")
        return real()

    g = ig.Graph.Erdos_Renyi(n=300, m=1500)
    runs = [(0.5, s) for s in range(5)]
    monkeypatch.setattr(_leiden.os, "fork", fork)
    with _leiden.LeidenRuns(g, runs, workers=2) as par:
        got = [par.result(i) for i in range(len(runs))]
    assert len(calls) == 2
    for (memb, q), r in zip(got, runs):
        assert np.array_equal(memb, _leiden.run_leiden(g, *r)[0])


def test_clusterings_on_categorical_edges_same_as_on_text():
    # edges as categoricals over a larger sorted set of names: same communities, and the
    # accounts' positions among those names come with them (no lookup)
    df = _planted_graph(1, n=600, groups=10)
    names = pd.Index(sorted(set(df["account_a"]) | set(df["account_b"]) | {"a_none", "z_none"}))
    cat = df.astype(pd.CategoricalDtype(names))
    for text, codes in ((df, False), (cat, True)):
        with detect._Clusterings(text, [0.5, 0.7], 2) as runs:
            got = {g: runs.get(g) for g in (0.5, 0.7)}
            at = runs.category_codes(0.7, names)
            assert (at is not None) == codes
            if codes:
                assert np.array_equal(at, names.get_indexer(got[0.7]["account"]))
                assert runs.category_codes(0.7, names[1:]) is None  # other names: look up
        for g in got:
            pd.testing.assert_frame_equal(got[g], detect.find_clusters(df, resolution=g, seed=2), check_exact=True)


def test_leiden_run_of_a_dead_worker_is_done_here():
    import os
    import signal

    import igraph as ig

    from coordnet._leiden import LeidenRuns, run_leiden

    g = ig.Graph.Erdos_Renyi(n=3000, m=30000)  # (runs long enough to be killed mid-way)
    runs = [(0.5, s) for s in range(6)]
    with LeidenRuns(g, runs, workers=2) as par:
        try:
            os.kill(par._pids[1], signal.SIGKILL)  # runs 1, 3, 5 may never come
        except ProcessLookupError:  # (the worker already delivered all its runs)
            pass
        got = [par.result(i) for i in range(len(runs))]
    for (memb, q), r in zip(got, runs):
        ref = run_leiden(g, *r)
        assert np.array_equal(memb, ref[0]) and q == ref[1]


def test_cluster_core_keeps_only_what_a_candidate_can_contain():
    # a 4-clique k0..k3 with a pendant path k3–p1–p2, a triangle t0–t1–t2 hanging from k0
    # by t0, and a star s0 with leaves s1..s4.
    e = [("k0", "k1"), ("k0", "k2"), ("k0", "k3"), ("k1", "k2"), ("k1", "k3"), ("k2", "k3"),
         ("k3", "p1"), ("p1", "p2"), ("k0", "t0"), ("t0", "t1"), ("t1", "t2"), ("t0", "t2"),
         ("s0", "s1"), ("s0", "s2"), ("s0", "s3"), ("s0", "s4")]
    df = pd.DataFrame(e, columns=["account_a", "account_b"])
    # γ = 0.5, min_size 4: k = ⌈0.5·3⌉ = 2. Peeling accounts with < 2 links: p2, then p1
    # (left with k3 only), and the star's leaves, then s0. The clique, the triangle and the
    # bridge k0–t0 remain (t0 keeps 3 links).
    core = detect.cluster_core(df, resolution=0.5, min_size=4)
    assert [tuple(r) for r in core.values] == e[:6] + [("k0", "t0"), ("t0", "t1"), ("t1", "t2"), ("t0", "t2")]
    # γ = 0.7, min_size 5: k = ⌈0.7·4⌉ = 3: the triangle goes too (2 links each), the clique stays
    assert [tuple(r) for r in detect.cluster_core(df, resolution=0.7, min_size=5).values] == e[:6]
    # k = ⌈0.3·3⌉ = 1: nothing to remove
    assert detect.cluster_core(df, resolution=0.3, min_size=4) is df
    # the 4-clique is found the same way on the core as on the whole graph
    whole = detect.find_clusters(df, resolution=0.5, seed=1)
    on_core = detect.find_clusters(core, resolution=0.5, seed=1)
    clique = {"k0", "k1", "k2", "k3"}
    for part in (whole, on_core):
        sizes = part.groupby("community")["account"].apply(frozenset)
        assert frozenset(clique) in set(sizes)


def test_validation_against_matched_random_groups():
    # 40 accounts with equal activity; the group g0..g4 has 3 co-timed objects per pair,
    # everyone else none. Random 5-groups almost never contain the whole group, so the
    # observed sum (10 pairs × 3 = 30) beats (nearly) every null group.
    accounts = [f"g{i}" for i in range(5)] + [f"o{i}" for i in range(35)]
    sync = pd.DataFrame([(f"g{i}", f"g{j}", 3) for i in range(5) for j in range(i + 1, 5)],
                        columns=["account_a", "account_b", "k"])
    activity = pd.Series(10, index=accounts)
    v = detect.validate_clusters({1: accounts[:5], 2: accounts[5:10]}, sync, activity,
                                 n_null=200, seed=3).set_index("cluster")
    assert v.loc[1, "sync_observed"] == 30
    assert v.loc[1, "p_value"] <= 2 / 201
    assert v.loc[1, "lift"] > 10
    assert v.loc[2, "sync_observed"] == 0 and v.loc[2, "p_value"] == 1.0


def test_validation_p_value_is_the_clusters_own(monkeypatch):
    # Each cluster draws from its own stream: its p-value is the same whether it is tested
    # alone or with others, on one thread or several. A noisy background makes random groups
    # reach the observed sums often, so the p-values are not all at their floor.
    rng = np.random.default_rng(0)
    accounts = [f"a{i:03d}" for i in range(300)]
    pairs = rng.choice(300, size=(3000, 2))
    sync = pd.DataFrame({"account_a": [accounts[i] for i in pairs[:, 0]],
                         "account_b": [accounts[j] for j in pairs[:, 1]],
                         "k": rng.integers(1, 4, 3000)})
    activity = pd.Series(rng.integers(1, 50, 300), index=accounts)
    members = {1: accounts[:40], 2: accounts[40:44], 3: accounts[100:130]}
    runs = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("COORDNET_THREADS", threads)
        runs[threads] = detect.validate_clusters(members, sync, activity, n_null=2_000, seed=7)
    pd.testing.assert_frame_equal(runs["1"], runs["2"])
    alone = detect.validate_clusters({2: members[2]}, sync, activity, n_null=2_000, seed=7)
    pd.testing.assert_frame_equal(alone, runs["1"].iloc[[1]].reset_index(drop=True))
    p = runs["1"]["p_value"]
    assert ((p > 1 / 2001) & (p < 1)).all()  # exceedances were counted for every cluster


def test_busiest_window_by_hand():
    ms = 1000
    cluster = np.array([0, 10, 20, 7300, 7310]) * ms
    everyone = np.sort(np.r_[cluster, np.array([5, 15, 8000]) * ms])
    start, last, n_c, n_all = _busiest(cluster, everyone, 7200 * ms)
    # the first three cluster actions (0–20 s) are the densest 2 h; all 5 actions up to 20 s
    assert (start, last, n_c, n_all) == (0, 20 * ms, 3, 5)


def test_cluster_statistics_by_hand():
    # Members a, b, c; outside target t; bystander z.
    # Amplification: a→b ×2, b→a ×1, a→c ×1, c→t ×3, z→a ×1   (M = 8 actions in all)
    #   member→member directed edges: a→b, b→a, a→c → reverse exists for a→b and b→a: 2/3
    # Significant links among members: (a, b) only → density 1 / (3·2/2) = 1/3
    # Members' actions: 7 of 8 → share 0.875; aimed at members or t: 7 (z's is not a member's)
    # Objects: p1 shared by a (t=0), b (t=20), z (t=5) → delays a 0, b 20
    #          p2 shared by a (t=100), c (t=400)       → delays a 0, c 300
    #          a→b on q1, c→t on q2 and q3: their own objects → delay 0
    #   member delays: 0, 20, 0, 300, 0, 0, 0 → median 0, p10 0 
    #   member pairs co-sharing an object: (a,b) on p1, (a,c) on p2 → 2; co-timed within 60 s:
    #   (a,b) on p1 only → share_within_60s = 1/2
    rows = [("a", "b", "p1", 0), ("z", "a", "p1", 5), ("b", "a", "p1", 20), ("a", "c", "p2", 100),
            ("c", "t", "p2", 400), ("c", "t", "q2", 500), ("c", "t", "q3", 600), ("a", "b", "q1", 700)]
    df = pd.DataFrame(rows, columns=["source", "target", "object_id", "timestamp"])
    df["timestamp"] = pd.to_datetime(T0 + df["timestamp"], unit="s", utc=True)
    df["weight"] = 1
    amp = df.groupby(["source", "target"], as_index=False)["weight"].sum()
    assert sorted(map(tuple, amp.values.tolist())) == [("a", "b", 2), ("a", "c", 1), ("b", "a", 1),
                                                       ("c", "t", 3), ("z", "a", 1)]
    links = pd.DataFrame({"account_a": ["a"], "account_b": ["b"]})
    k = pd.DataFrame({"account_a": ["a", "a"], "account_b": ["b", "c"], "k": [1, 0]})
    st = detect.cluster_statistics(df, amp, links, k, ["a", "b", "c"], ["t"])
    assert st["reciprocity"] == pytest.approx(2 / 3)
    assert st["density"] == pytest.approx(1 / 3)
    assert st["actions"] == 7 and st["internal_actions"] == 7
    assert st["share_of_volume"] == pytest.approx(7 / 8)
    assert st["share_within_60s"] == pytest.approx(0.5) and st["co_actions"] == 1
    assert (st["median_delay_s"], st["p10_delay_s"]) == (0.0, 0.0)
    # without the target among receivers, c's 3 actions on t are not internal
    assert detect.cluster_statistics(df, amp, links, k, ["a", "b", "c"])["internal_actions"] == 4


def test_time_to_amplify_quantiles_by_hand():
    # one object, 11 actions at 0, 10, 20, …, 100 s → delays 0..100; median 50, p10 10
    df = pd.DataFrame({"object_id": ["p"] * 11,
                       "timestamp": pd.to_datetime(T0 + np.arange(11) * 10, unit="s", utc=True)})
    d = detect.time_to_amplify(df)
    assert d.tolist() == [float(x) for x in range(0, 101, 10)]
    assert (d.median(), d.quantile(0.1)) == (50.0, 10.0)


def test_bh_counts_every_pair_that_could_be_significant():
    # Tarone: pairs co-sharing ≥ min_repeat objects are the hypotheses. Here (a,b) co-share
    # 4 objects within 5 s; (c,d) co-share 3 objects 1,000 s apart; (e,f) co-share 2 objects
    # (cannot reach k ≥ 3: not counted). n_tested = 2.
    rows = []
    for i in range(4):
        rows += [("a", f"x{i}", 10_000 * i), ("b", f"x{i}", 10_000 * i + 5)]
    for i in range(3):
        rows += [("c", f"y{i}", 10_000 * i), ("d", f"y{i}", 10_000 * i + 1000)]
    for i in range(2):
        rows += [("e", f"w{i}", 10_000 * i), ("f", f"w{i}", 10_000 * i + 2)]
    pairs, info = detect.synchrony_pairs(acts(rows), coordnet.Config(min_repeat=3, alpha=0.5))
    assert info["n_tested"] == 2 and info["n_coacting"] == 3
    ab = pairs.set_index(["account_a", "account_b"]).loc[("a", "b")]
    # BH with m = 2: ab has the smallest p → q = p·2/1
    assert ab["q_value"] == pytest.approx(min(1.0, ab["p"] * 2))


def _counts(acc, obj, t_ms, levels, min_repeat, n_acc=None, n_obj=None):
    from coordnet import _kernels as K

    acc, obj, t_ms = np.asarray(acc), np.asarray(obj), np.asarray(t_ms, dtype=np.int64)
    n_acc = n_acc or int(acc.max()) + 1
    n_obj = n_obj or int(obj.max()) + 1
    ix = K.index_actions(acc, obj, t_ms, n_acc, n_obj)
    return K.synchrony_counts(ix, levels, n_acc, n_obj, min_repeat,
                              K.object_accounts(acc, obj, n_acc, n_obj), np.zeros(n_obj, bool))


def test_pairs_sharing_objects_by_hand():
    # a=0, b=1, c=2, d=3 on objects 1..4, 9: (a,b) share {1,2}; (a,c) {1,3}; (b,c) {1};
    # d shares nothing. s_hist counts the pairs by objects shared.
    c = _counts([0, 0, 0, 1, 1, 1, 2, 2, 3], [1, 2, 3, 1, 2, 4, 1, 3, 9], np.zeros(9), [60_000], 2)
    assert c.s_hist[1:3].tolist() == [1, 2] and int(c.s_hist[2:].sum()) == 2
    assert int(c.s_hist[1:].sum()) == 3


def test_speed_null_does_not_link_accounts_for_both_being_fast():
    # Every object: a first account x_i at 0 s and a late one y_i at 600 s. a and b each act
    # on 20 objects of their own 5 s after x_i, and on 10 shared objects at 5 s and 6 s.
    # q(10) = (40 objects × 3 accounts × 1/3 + 10 × 4 × 3/6) / (40·3 + 10·4) = 60/160 = 0.375;
    # (a, b) co-timed on 10 of 10 shared objects: p = 4 · 0.375^10 ≈ 2.2e-4, the only testable
    # pair → significant against the data's rate. But a and b are always 5 s late on their own
    # posts too: P(|D_a − D_b| ≤ 10 s) = 1 from their own habits → p = 1 with speed_null.
    rows = []
    for i in range(40):
        who = "a" if i < 20 else "b"
        rows += [(f"x{i}", f"o{i}", 100_000 * i), (who, f"o{i}", 100_000 * i + 5),
                 (f"y{i}", f"o{i}", 100_000 * i + 600)]
    for j in range(10):
        t = 10_000_000 + 100_000 * j
        rows += [(f"xs{j}", f"s{j}", t), ("a", f"s{j}", t + 5), ("b", f"s{j}", t + 6),
                 (f"ys{j}", f"s{j}", t + 600)]
    a = acts(rows)
    plain, info = detect.synchrony_pairs(a, coordnet.Config(speed_null=False))
    assert info["q"][10.0] == pytest.approx(0.375) and info["n_tested"] == 1
    ab = plain.set_index(["account_a", "account_b"]).loc[("a", "b")]
    assert ab["p"] == pytest.approx(4 * 0.375 ** 10) and bool(ab["significant"])
    adj, info2 = detect.synchrony_pairs(a, coordnet.Config())
    ab2 = adj.set_index(["account_a", "account_b"]).loc[("a", "b")]
    assert not bool(ab2["significant"]) and ab2["p"] == 1.0 and info2["speed_adjusted"] == 1


def test_cluster_sync_p_by_hand():
    from coordnet.analyze import _cluster_sync_p

    # 10 co-shares, 3 co-timed, q(60) = 0.1: P(Bin(10, .1) ≥ 3) = 1 − (.9^10 + 10·.1·.9^9
    # + 45·.01·.9^8) = 1 − (.34868 + .38742 + .19371) = .07019
    q = {10.0: 0.02, 60.0: 0.1, 300.0: 0.3}
    assert _cluster_sync_p({"co_shared": 10, "co_actions": 3}, q, 60.0) == pytest.approx(0.07019, abs=1e-5)
    # a window between the test windows uses the rate of the largest one below it
    assert _cluster_sync_p({"co_shared": 10, "co_actions": 3}, q, 100.0) == pytest.approx(0.07019, abs=1e-5)
    assert _cluster_sync_p({"co_shared": 10, "co_actions": 0}, q, 60.0) == 1.0
    assert np.isnan(_cluster_sync_p({"co_shared": 0, "co_actions": 0}, q, 60.0))  # no post ids


def test_synchrony_repeated_actions_keep_the_closest_pair():
    # a acts twice on each of 3 posts (0 s and 400 s), b once (390 s): the closest pair is
    # 10 s apart, so k(10) = 3 (the first action alone would give 390 s, k(10) = 0); s = 3.
    rows = []
    for i in range(3):
        rows += [("a", f"x{i}", 10_000 * i), ("a", f"x{i}", 10_000 * i + 400),
                 ("b", f"x{i}", 10_000 * i + 390)]
    pairs, info = detect.synchrony_pairs(acts(rows), coordnet.Config(min_repeat=3, alpha=0.5))
    ab = pairs.set_index(["account_a", "account_b"]).loc[("a", "b")]
    assert (ab["s"], ab["k_10"], ab["k_60"], ab["k_1800"]) == (3, 3, 3, 3)
    assert info["n_coacting"] == 1 and info["n_tested"] == 1


def test_synchrony_same_on_a_plain_text_table():
    # the canonical table has categorical accounts and objects; a hand-built one with text
    # columns is encoded first and gives the same pairs and null rates
    a = coordnet.datasets.campaign_actions()
    plain = a.astype({"source": "str", "target": "str", "object_id": "str"})
    p1, i1 = detect.synchrony_pairs(a)
    p2, i2 = detect.synchrony_pairs(plain)
    pd.testing.assert_frame_equal(p1, p2)
    assert i1 == i2 and p1["significant"].sum() > 0


def test_synchrony_pair_counts_by_hand():
    # windows 10 s and 60 s, min_repeat 2. Accounts 0..3, objects 0..1.
    # object 0: 0 at 0 s, 1 at 5 s, 2 at 50 s → (0,1) 5 s, (0,2) 50 s, (1,2) 45 s;
    # object 1: 0 at 100 s, 1 at 130 s, 3 at 131 s → (0,1) 30 s, (0,3) 31 s, (1,3) 1 s.
    # (0,1): k(10) = 1, k(60) = 2, s = 2: the only candidate; 5 co-acting pairs. Per object
    # and level (≤ 10 s, 10–60 s): object 0 [1, 2], object 1 [1, 2].
    acc = [0, 1, 2, 0, 1, 3]
    obj = [0, 0, 0, 1, 1, 1]
    t = [0, 5_000, 50_000, 100_000, 130_000, 131_000]
    c = _counts(acc, obj, t, [10_000, 60_000], 2)
    assert c.a.tolist() == [0] and c.b.tolist() == [1] and c.k.tolist() == [[1, 2]]
    assert c.s.tolist() == [2] and c.n_coacting == 5
    assert c.k_obj.tolist() == [[1, 2], [1, 2]]


def test_synchrony_same_on_one_thread_and_in_small_pieces(monkeypatch):
    # accounts are swept in chunks on a thread pool, and a chunk resumes when its output
    # buffer is full: one thread, one chunk per account and tiny buffers give the same
    # table and info
    from coordnet import _kernels

    a = coordnet.datasets.campaign_actions()
    p1, i1 = detect.synchrony_pairs(a)
    monkeypatch.setenv("COORDNET_THREADS", "1")
    monkeypatch.setattr(_kernels, "_CHUNKS_PER_THREAD", 10_000)
    monkeypatch.setattr(_kernels, "_OUT_ROWS", 1)
    p2, i2 = detect.synchrony_pairs(a)
    pd.testing.assert_frame_equal(p1, p2)
    assert i1 == i2 and i1["n_coacting"] > 50 and p1["significant"].sum() > 0


@pytest.mark.parametrize("seed", [0, 1])
def test_synchrony_counts_equal_the_sql_and_brute_force(seed):
    # the compiled sweep, the SQL of the relational engines (DuckDB here, Spark in
    # test_spark.py) and a brute force over every pair of actions agree, accounts acting
    # several times on one object included (the closest pair counts)
    from coordnet.engines import run_synchrony_sql

    rng = np.random.default_rng(seed)
    n = 400
    acc = rng.integers(0, 30, n)
    obj = rng.integers(0, 15, n)
    t = rng.integers(0, 3_000, n) * 1000
    levels = [10_000, 60_000, 300_000]
    c = _counts(acc, obj, t, levels, 2, 30, 15)
    cand, per_obj, n_co, n_tested = run_synchrony_sql(acc, obj, t, levels, 2)
    order = np.lexsort((cand.column("b").to_numpy(), cand.column("a").to_numpy()))
    assert c.a.tolist() == cand.column("a").to_numpy()[order].tolist()
    assert c.b.tolist() == cand.column("b").to_numpy()[order].tolist()
    assert c.s.tolist() == cand.column("s").to_numpy()[order].tolist()
    assert c.k.tolist() == np.stack([cand.column(f"k{i}").to_numpy()[order] for i in range(3)], 1).tolist()
    assert c.n_coacting == n_co and int(c.s_hist[2:].sum()) == n_tested
    k_obj = np.zeros((15, 3), np.int64)
    np.add.at(k_obj, (per_obj.column("o").to_numpy(), per_obj.column("lv").to_numpy()),
              per_obj.column("n").to_numpy())
    assert c.k_obj.tolist() == k_obj.tolist()
    # brute force: closest gap per (pair, object), objects shared per pair
    gap, shared = {}, {}
    for x in range(n):
        for y in range(n):
            if acc[x] < acc[y] and obj[x] == obj[y]:
                key = (int(acc[x]), int(acc[y]), int(obj[x]))
                gap[key] = min(gap.get(key, 10**12), abs(int(t[x]) - int(t[y])))
                shared.setdefault(key[:2], set()).add(key[2])
    k = {}
    for (a_, b_, o_), g in gap.items():
        if g <= levels[-1]:
            k.setdefault((a_, b_), [0, 0, 0])
            for i, w in enumerate(levels):
                k[(a_, b_)][i] += g <= w
    cands = sorted(p for p, v in k.items() if v[-1] >= 2)
    assert list(zip(c.a.tolist(), c.b.tolist())) == cands
    assert c.k.tolist() == [k[p] for p in cands] and c.s.tolist() == [len(shared[p]) for p in cands]
    assert c.n_coacting == len(k) and n_tested == sum(len(v) >= 2 for v in shared.values())


def test_binomial_tail_in_threaded_slices_is_scipys():
    """Past a million pairs the binomial tails are computed in slices on the thread pool:
    every value is scipy's, in its place (a common q and a q per pair)."""
    rng = np.random.default_rng(5)
    n = (1 << 21) + 12_345  # three slices, the last one short
    s = rng.integers(1, 400, n)
    k = rng.integers(0, 400, n) % (s + 1)
    q = rng.uniform(1e-4, 0.5, n)
    assert np.array_equal(detect._binom_sf(k, s, 0.03), binom.sf(k - 1, s, 0.03))
    assert np.array_equal(detect._binom_sf(k, s, q), binom.sf(k - 1, s, q))


def test_k_core_is_igraphs_coreness():
    """The compiled k-core (peeling) keeps exactly the nodes of igraph's coreness ≥ k on
    random multigraphs with repeated edges, both orientations and self-loops."""
    import igraph as ig

    from coordnet._links import k_core

    rng = np.random.default_rng(11)
    for _ in range(200):
        n = int(rng.integers(1, 50))
        m = int(rng.integers(0, 160))
        a, b = rng.integers(0, n, m), rng.integers(0, n, m)
        g = ig.Graph(n=n, edges=list(zip(a.tolist(), b.tolist())))
        g.simplify()
        core = np.asarray(g.coreness())
        for k in range(6):
            assert k_core(a, b, n, k).tolist() == (core >= k).tolist()
