"""Account graphs: expected values worked out by hand, a brute-force cross-check, and
parity with the peers' published outputs on real data."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import coordnet
from coordnet import graphs as G

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
T0 = 1_600_000_000  # 2020-09-13T12:26:40Z


def acts(rows, **kw):
    """Canonical actions from (source, object_id, seconds-after-T0[, type[, target]]) tuples."""
    recs = []
    for i, r in enumerate(rows):
        src, obj, s, *rest = r
        recs.append({"source": src, "object_id": obj, "timestamp": T0 + s,
                     "type": rest[0] if rest else "retweet",
                     "target": rest[1] if len(rest) > 1 else None, "id": f"x{i}"})
    df = pd.DataFrame(recs)
    if df["target"].isna().all():
        df = df.drop(columns="target")
    return coordnet.from_dataframe(df, **kw).actions


def pairs(co):
    return {(r.account_a, r.account_b): r for r in co.edges.itertuples()}


# ------------------------------------------------------------------ co-action, by hand


def test_window_is_inclusive():
    # a at 0 s, b at 60 s, c at 61 s on one post; τ = 60.
    # |a-b| = 60 ≤ 60 → linked; |b-c| = 1 → linked; |a-c| = 61 > 60 → not linked.
    co = coordnet.coaction(acts([("a", "p", 0), ("b", "p", 60), ("c", "p", 61)]), window=60)
    assert set(pairs(co)) == {("a", "b"), ("b", "c")}
    assert pairs(co)[("a", "b")].min_gap_s == 60.0
    assert pairs(co)[("b", "c")].min_gap_s == 1.0
    # τ = 59 drops a-b as well
    co = coordnet.coaction(acts([("a", "p", 0), ("b", "p", 60), ("c", "p", 61)]), window=59)
    assert set(pairs(co)) == {("b", "c")}


def test_counts_objects_and_pairs():
    # p: a 0, b 10, c 500      → a-b (gap 10)
    # q: a 1000, b 1030, c 1031 → a-b (30), a-c (31), b-c (1)
    # r: b 2000, a 2100         → gap 100 > 60, nothing
    co = coordnet.coaction(acts([
        ("a", "p", 0), ("b", "p", 10), ("c", "p", 500),
        ("a", "q", 1000), ("b", "q", 1030), ("c", "q", 1031),
        ("b", "r", 2000), ("a", "r", 2100)]), window=60)
    p = pairs(co)
    assert set(p) == {("a", "b"), ("a", "c"), ("b", "c")}
    assert (p[("a", "b")].n_objects, p[("a", "b")].n_action_pairs, p[("a", "b")].min_gap_s) == (2, 2, 10.0)
    assert (p[("a", "c")].n_objects, p[("a", "c")].min_gap_s) == (1, 31.0)
    assert (p[("b", "c")].n_objects, p[("b", "c")].min_gap_s) == (1, 1.0)
    ev = co.evidence
    assert list(ev.columns[:4]) == ["account_a", "account_b", "object_id", "gap_s"]
    ab = ev[(ev.account_a == "a") & (ev.account_b == "b")].set_index("object_id")["gap_s"].to_dict()
    assert ab == {"p": 10.0, "q": 30.0}
    assert (ev.account_a.astype(str) < ev.account_b.astype(str)).all()
    assert len(ev) == 4


def test_repeated_actions_on_one_object():
    # a shares p twice (0 s and 30 s), b once at 50 s.
    # action pairs within 60 s: (a0, b50) gap 50 and (a30, b50) gap 20 → 2 pairs, 1 object,
    # 2 distinct actions of a, 1 of b, smallest gap 20. a with itself is not a pair.
    co = coordnet.coaction(acts([("a", "p", 0), ("a", "p", 30), ("b", "p", 50)]), window=60)
    (r,) = co.edges.itertuples()
    assert (r.account_a, r.account_b) == ("a", "b")
    assert (r.n_objects, r.n_action_pairs, r.n_actions_a, r.n_actions_b, r.min_gap_s) == (1, 2, 2, 1, 20.0)


def test_only_selected_action_types():
    rows = [("a", "p", 0, "retweet"), ("b", "p", 5, "quote"), ("c", "p", 6, "retweet")]
    assert set(pairs(coordnet.coaction(acts(rows), 60))) == {("a", "c")}
    assert set(pairs(coordnet.coaction(acts(rows), 60, action_types=("retweet", "quote")))) == {
        ("a", "b"), ("a", "c"), ("b", "c")}
    assert set(pairs(coordnet.coaction(acts(rows), 60, action_types=["quote"]))) == set()


def test_window_zero_means_same_instant():
    co = coordnet.coaction(acts([("a", "p", 0), ("b", "p", 0), ("c", "p", 1)]), window=0)
    assert set(pairs(co)) == {("a", "b")}


def test_fallback_to_target_account_without_object_ids(caplog):
    df = pd.DataFrame({"source": ["a", "b", "c"], "target": ["t", "t", "u"],
                       "timestamp": [T0, T0 + 20, T0 + 25]})
    a = coordnet.from_dataframe(df).actions
    logger = __import__("logging").getLogger("coordnet")
    logger.addHandler(caplog.handler)  # the CLI tests may have stopped propagation to root
    try:
        with caplog.at_level("WARNING", logger="coordnet"):
            co = coordnet.coaction(a, 60)
    finally:
        logger.removeHandler(caplog.handler)
    assert co.key == "target"
    assert set(pairs(co)) == {("a", "b")}
    assert "same target account" in caplog.text
    g = coordnet.build_graphs(a)
    assert any("no object ids" in n for n in g.notes)


def test_no_timestamps_is_a_clear_error():
    a = coordnet.from_dataframe(pd.DataFrame({"source": ["a"], "object_id": ["p"]})).actions
    with pytest.raises(coordnet.InputError, match="timestamps"):
        coordnet.coaction(a)
    g = coordnet.build_graphs(a)
    assert g.coaction is None and any("no timestamps" in n for n in g.notes)


def test_empty_and_single_action():
    co = coordnet.coaction(acts([("a", "p", 0)]))
    assert co.edges.empty and co.evidence.empty
    assert list(co.edges.columns) == ["account_a", "account_b", "n_objects", "n_action_pairs",
                                      "n_actions_a", "n_actions_b", "min_gap_s", "first_time",
                                      "last_time"]


def test_bad_window_is_a_config_error():
    with pytest.raises(coordnet.ConfigError):
        coordnet.coaction(acts([("a", "p", 0), ("b", "p", 1)]), window=-1)
    with pytest.raises(coordnet.ConfigError):
        coordnet.coaction(acts([("a", "p", 0), ("b", "p", 1)]), action_types=["like"])


def _brute_force(a: pd.DataFrame, window: float) -> dict:
    """The definition, literally: every pair of actions on the same object."""
    out: dict = {}
    rows = a[a["type"] == "retweet"][["source", "object_id", "timestamp"]].to_numpy()
    for (s1, o1, t1), (s2, o2, t2) in itertools.combinations(rows, 2):
        if o1 != o2 or s1 == s2 or abs((t1 - t2).total_seconds()) > window:
            continue
        key = (min(s1, s2), max(s1, s2))
        d = out.setdefault(key, {"objects": set(), "pairs": 0})
        d["objects"].add(o1)
        d["pairs"] += 1
    return {k: (len(v["objects"]), v["pairs"]) for k, v in out.items()}


def _brute_force_tables(a, window):
    """The co-action evidence and edges from every pair of rows (accounts acting several
    times on one object included), as sorted lists of tuples."""
    rows = a[a["type"] == "retweet"][["source", "object_id", "timestamp"]].astype(
        {"source": str, "object_id": str}).to_numpy()
    per: dict = {}
    for i, j in itertools.combinations(range(len(rows)), 2):
        (s1, o1, t1), (s2, o2, t2) = rows[i], rows[j]
        gap = abs((t1 - t2).total_seconds())
        if o1 != o2 or s1 == s2 or gap > window:
            continue
        (ia, sa, ta), (ib, sb, tb) = sorted([(i, s1, t1), (j, s2, t2)], key=lambda x: x[1])
        d = per.setdefault((sa, sb, o1), {"pairs": 0, "a": set(), "b": set(), "gap": gap,
                                          "time": min(ta, tb)})
        d["pairs"] += 1
        d["a"].add(ia)
        d["b"].add(ib)
        d["gap"] = min(d["gap"], gap)
        d["time"] = min(d["time"], ta, tb)
    ev = sorted(((a_, b_, d["time"], o, d["gap"], d["pairs"], len(d["a"]), len(d["b"]))
                 for (a_, b_, o), d in per.items()), key=lambda r: (r[0], r[1], r[2], r[3]))
    edges: dict = {}
    for a_, b_, tm, o, gap, n, na, nb in ev:
        e = edges.setdefault((a_, b_), [0, 0, 0, 0, gap, tm, tm])
        e[0] += 1; e[1] += n; e[2] += na; e[3] += nb
        e[4] = min(e[4], gap); e[5] = min(e[5], tm); e[6] = max(e[6], tm)
    return ev, sorted((k + tuple(v)) for k, v in edges.items())


def _tables(co):
    ev = [(r.account_a, r.account_b, r.time, r.object_id, r.gap_s, r.n_action_pairs, r.n_actions_a,
           r.n_actions_b) for r in co.evidence.astype({c: str for c in ("account_a", "account_b", "object_id")}).itertuples()]
    ed = [(r.account_a, r.account_b, r.n_objects, r.n_action_pairs, r.n_actions_a, r.n_actions_b,
           r.min_gap_s, r.first_time, r.last_time)
          for r in co.edges.astype({"account_a": str, "account_b": str}).itertuples()]
    return ev, ed


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_sweep_matches_brute_force_and_is_order_invariant(seed, monkeypatch):
    rng = np.random.default_rng(seed)
    n = 300
    df = pd.DataFrame({
        "source": rng.choice([f"u{i}" for i in range(25)], n),
        "object_id": rng.choice([f"p{i}" for i in range(12)], n),
        "timestamp": T0 + rng.integers(0, 1200, n),
        "id": [f"r{i}" for i in range(n)],
    })
    a = coordnet.from_dataframe(df).actions
    assert a.duplicated(["source", "object_id"]).any()  # accounts acting again on a post
    expected = _brute_force(a, 45)
    co = coordnet.coaction(a, 45)
    got = {(r.account_a, r.account_b): (r.n_objects, r.n_action_pairs) for r in co.edges.itertuples()}
    assert got == expected
    assert _tables(co) == _brute_force_tables(a, 45)
    # same result with the rows shuffled, with tiny chunks of accounts and of rows (three
    # threads), and on one thread
    shuffled = coordnet.from_dataframe(df.sample(frac=1, random_state=seed)).actions
    from coordnet import _kernels

    monkeypatch.setenv("COORDNET_THREADS", "3")
    monkeypatch.setattr(_kernels, "_CHUNKS_PER_THREAD", 1000)
    monkeypatch.setattr(_kernels, "_MIN_CHUNK_ROWS", 7)
    co3 = coordnet.coaction(shuffled, 45)
    pd.testing.assert_frame_equal(co.edges, co3.edges)
    pd.testing.assert_frame_equal(co.evidence, co3.evidence)
    monkeypatch.setenv("COORDNET_THREADS", "1")
    co2 = coordnet.coaction(shuffled, 45)
    pd.testing.assert_frame_equal(co.edges, co2.edges)
    pd.testing.assert_frame_equal(co.evidence, co2.evidence)


# ------------------------------------------------------------------ amplification graph


def test_amplification_edges_by_hand():
    df = pd.DataFrame({
        "source": ["a", "a", "a", "b", "c", "c"],
        "target": ["b", "b", "b", "a", "c", None],
        "object_id": [None, None, None, None, None, "p"],
        "type": ["retweet", "retweet", "mention", "reply", "retweet", "retweet"],
        "timestamp": [T0 + 100, T0, T0 + 50, T0 + 10, T0, T0],
        "weight": [1, 2, 1, 1, 1, 1],
    })
    a = coordnet.from_dataframe(df).actions
    e = coordnet.amplification_edges(a)
    # a→b: weights 1 + 2 retweets + 1 mention = 4; b→a: one reply; c→c is a self-loop (no edge);
    # c's last row has no target (no edge).
    assert e[["source", "target", "weight", "n_retweet", "n_quote", "n_reply", "n_mention"]
             ].values.tolist() == [["a", "b", 4, 3, 0, 0, 1], ["b", "a", 1, 0, 0, 1, 0]]
    assert e.loc[0, "first_time"] == pd.Timestamp(T0, unit="s", tz="UTC")
    assert e.loc[0, "last_time"] == pd.Timestamp(T0 + 100, unit="s", tz="UTC")
    g = coordnet.build_graphs(a)
    assert g.self_loops == 1
    acc = g.accounts.set_index("account")
    assert acc.loc["a", "n_actions"] == 4 and acc.loc["a", "n_amplified"] == 1
    assert acc.loc["b", "n_amplified"] == 4 and acc.loc["c", "n_amplified"] == 0


def test_converters_keep_attributes():
    g = coordnet.build_graphs(coordnet.datasets.toy_actions())
    nxg = coordnet.to_networkx(g.amplification, nodes=g.accounts)
    assert nxg.is_directed()
    assert nxg.number_of_edges() == len(g.amplification)
    assert nxg.number_of_nodes() == len(g.accounts)
    r = g.amplification.iloc[0]
    d = nxg.edges[r.source, r.target]
    assert d["weight"] == r.weight and d["first_time"].endswith("Z")
    igg = coordnet.to_igraph(g.coaction.edges, nodes=g.accounts)
    assert not igg.is_directed()
    assert igg.vcount() == len(g.accounts) and igg.ecount() == len(g.coaction.edges)
    e = igg.es[0]
    names = igg.vs["name"]
    row = g.coaction.edges.iloc[0]
    assert {names[e.source], names[e.target]} == {row.account_a, row.account_b}
    assert e["n_objects"] == row.n_objects


def test_toy_squad_is_the_dense_part():
    """The bundled toy data: 5 squad accounts co-retweet 4 posts within 30 s of each other."""
    co = coordnet.build_graphs(coordnet.datasets.toy_actions()).coaction
    squad = co.edges[co.edges.account_a.str.startswith("squad") & co.edges.account_b.str.startswith("squad")]
    assert len(squad) == 10  # all C(5,2) pairs
    # squad_1..4 each wrote one of the 4 posts, squad_5 none. Two authors both retweeted
    # the 2 posts neither wrote; an author and squad_5 both retweeted the 3 others.
    n = squad.set_index(["account_a", "account_b"])["n_objects"]
    assert (n.drop(n.index[n.index.get_level_values(1) == "squad_5"]) == 2).all()
    assert n.xs("squad_5", level=1).tolist() == [3, 3, 3, 3]
    assert len(co.edges) - len(squad) == 2  # two chance organic pairs (user_a-user_b, user_b-user_i)


# ------------------------------------------------------------------ parity with the peers


def _russian():
    path = SHARED / "data" / "russian_coord_tweets.csv"
    if not path.exists():
        pytest.skip(f"real data not available: {path} (the ../shared folder beside the project)")
    return coordnet.read_actions(path)


def test_parity_with_coortweet_and_cnt_on_real_data():
    read = _russian()
    assert read.mapping == {"source": "account_id", "timestamp": "timestamp_share",
                            "id": "content_id", "object_id": "object_id"}
    co = coordnet.coaction(read.actions, window=60)
    ref = pd.read_csv(SHARED / "reference" / "russian_coretweet_60s_coortweet.csv",
                      dtype={"account_a": str, "account_b": str})
    assert len(ref) == 6206
    mine = co.edges.rename(columns={"n_action_pairs": "n_share_pairs"})[
        ["account_a", "account_b", "n_objects", "n_share_pairs"]]
    merged = ref.merge(mine, on=["account_a", "account_b"], how="outer", indicator=True,
                       suffixes=("_ref", ""))
    assert (merged["_merge"] == "both").all(), merged["_merge"].value_counts()
    assert (merged["n_objects_ref"] == merged["n_objects"]).all()
    assert (merged["n_share_pairs_ref"] == merged["n_share_pairs"]).all()

    cnt = pd.read_csv(SHARED / "reference" / "russian_coretweet_60s_cnt.csv",
                      dtype={"account": str, "other": str})
    assert len(cnt) == 2 * 6206
    e = co.edges
    directed = pd.concat([
        pd.DataFrame({"account": e.account_a, "other": e.account_b, "n": e.n_actions_a}),
        pd.DataFrame({"account": e.account_b, "other": e.account_a, "n": e.n_actions_b})])
    m = cnt.merge(directed, on=["account", "other"], how="outer", indicator=True)
    assert (m["_merge"] == "both").all()
    assert (m["n_messages"] == m["n"]).all()


def test_real_data_repeated_ids_lose_nothing():
    """40 content_ids appear twice in the Russian file: once as an exact repeat of the whole
    row (counted once), 39 times with a different object_id (both rows kept: dropping one
    would lose data)."""
    read = _russian()
    raw = pd.read_csv(SHARED / "data" / "russian_coord_tweets.csv", dtype=str)
    dups = raw[raw.duplicated("content_id", keep=False)]
    assert dups["content_id"].nunique() == 40
    exact = len(dups) - len(dups.drop_duplicates())
    assert exact == 1
    assert read.rows_read == 35125 and read.rows_rejected == 0
    assert read.rows_duplicate == exact
    assert read.rows_kept == 35125 - exact
    assert any("39" in n and "different" in n for n in read.notes)


# ------------------------------------------------------------------ integer-code group-bys


def _reference_amplification(a: pd.DataFrame) -> pd.DataFrame:
    """The definition as a plain group-by on the account names (the slow way)."""
    a = a.astype({"source": "str", "target": "str", "type": "str"})
    a = a.loc[a["target"].notna() & (a["source"] != a["target"])]
    for t in ("retweet", "quote", "reply", "mention"):
        a[f"n_{t}"] = a["weight"].where(a["type"] == t, 0)
    out = a.groupby(["source", "target"], sort=True).agg(
        weight=("weight", "sum"), **{f"n_{t}": (f"n_{t}", "sum") for t in
                                     ("retweet", "quote", "reply", "mention")},
        first_time=("timestamp", "min"), last_time=("timestamp", "max")).reset_index()
    return out


def _reference_accounts(a: pd.DataFrame) -> pd.DataFrame:
    a = a.astype({"source": "str", "target": "str"})
    own = a.groupby("source").agg(n_actions=("weight", "sum"), first_time=("timestamp", "min"),
                                  last_time=("timestamp", "max"))
    rec = a.loc[a["target"].notna() & (a["target"] != a["source"])].groupby("target")["weight"].sum()
    out = own.join(rec.rename("n_amplified"), how="outer").fillna({"n_actions": 0, "n_amplified": 0})
    out.index.name = "account"
    return out.reset_index()[["account", "n_actions", "n_amplified", "first_time", "last_time"]]


def _random_table(seed: int, fractional: bool) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 400
    names = np.array([f"u{i}" for i in range(30)] + ["Zoë", "émile", "ß"])
    ts = pd.Series(pd.to_datetime(T0 + rng.integers(0, 5000, n), unit="s", utc=True)).astype(
        "datetime64[ms, UTC]")
    ts[rng.random(n) < 0.1] = pd.NaT
    tgt = pd.Series(rng.choice(names, n), dtype="str")
    tgt[rng.random(n) < 0.15] = pd.NA
    return pd.DataFrame({
        "source": rng.choice(names, n), "target": tgt, "timestamp": ts,
        "type": rng.choice(["retweet", "quote", "reply", "mention"], n),
        "id": [f"x{i}" for i in range(n)], "object_id": rng.choice(["p1", "p2", "p3"], n),
        "weight": (rng.integers(1, 4, n) * (0.5 if fractional else 1)),
    })


@pytest.mark.parametrize("seed,fractional", [(0, False), (1, True), (2, False)])
def test_code_group_bys_match_a_group_by_on_names(seed, fractional):
    """amplification_edges and account_table on account codes equal a plain pandas group-by
    on the names: self-loops, missing targets and times, fractional weights, non-ASCII
    names; the canonical (encoded) table and a hand-built one with text columns agree."""
    raw = _random_table(seed, fractional)  # canonical columns, text keys
    enc = coordnet.io.encode_actions(raw)
    assert isinstance(enc["source"].dtype, pd.CategoricalDtype)
    ref = _reference_amplification(raw)
    names = sorted(set(raw["source"]) | set(raw["target"].dropna()), reverse=True)
    unsorted = raw.astype({"source": pd.CategoricalDtype(names)})  # codes not in name order
    for table in (enc, raw, unsorted):
        got = coordnet.amplification_edges(table)
        assert isinstance(got["source"].dtype, pd.CategoricalDtype)
        assert got["source"].cat.categories.equals(got["target"].cat.categories)
        plain = got.astype({"source": "str", "target": "str"})
        exp = ref.astype({c: "int64" for c in ref.columns if c.startswith("n_") or c == "weight"}
                         ) if not fractional else ref
        pd.testing.assert_frame_equal(plain, exp, check_dtype=not fractional)
        acc = coordnet.account_table(table)
        pd.testing.assert_frame_equal(acc, _reference_accounts(raw).astype(
            {"n_actions": acc["n_actions"].dtype, "n_amplified": acc["n_amplified"].dtype}))
        g = coordnet.build_graphs(table)
        pd.testing.assert_frame_equal(g.amplification, got)
        pd.testing.assert_frame_equal(g.accounts, acc)
        assert g.self_loops == int((raw["target"] == raw["source"]).sum())


def test_code_sort_fallback_when_keys_do_not_pack(monkeypatch):
    """Packing (key, row) into one int64, two packed passes (low bits, then high bits) and
    the stable argsort give the same order."""
    keys = np.array([5, 3, 5, 3, 9, 0], dtype=np.int64)
    rows = np.array([0, 2, 3, 7, 8, 11], dtype=np.int64)
    packed = G._sort_keys(keys, rows)
    assert packed[0].tolist() == [0, 3, 3, 5, 5, 9] and packed[1].tolist() == [11, 2, 7, 0, 3, 8]
    for wide in (keys + (1 << 60), keys * (1 << 58) + 5 - keys):  # no room for the row bits
        two = G._sort_keys(wide, rows)  # two passes
        assert two[0].tolist() == np.sort(wide).tolist() and two[1].tolist() == packed[1].tolist()
    neg = G._sort_keys(keys - 3 - (1 << 60), rows)  # negative keys: argsort
    assert neg[1].tolist() == packed[1].tolist()
    rng = np.random.default_rng(0)
    wide = (rng.integers(0, 200, 5000) << 55) | rng.integers(0, 3, 5000)  # 63 bits, ties
    rows = rng.integers(0, 2**40, 5000)
    two = G._sort_keys(wide, rows)
    order = np.argsort(wide, kind="stable")
    assert two[0].tolist() == wide[order].tolist() and two[1].tolist() == rows[order].tolist()


@pytest.mark.parametrize("dtype", ["int64", "int32", "datetime64[ms]"])
def test_two_thread_sort_is_numpys_sort(dtype, monkeypatch):
    """sort_inplace (halves sorted on two threads, then merged) gives numpy's order, with
    ties, negatives, odd lengths, arrays too small to split and times with NaT (sorted by
    numpy itself); _sort_keys on it still orders ties by row."""
    from coordnet import _kernels

    monkeypatch.setattr(_kernels, "_MIN_PARALLEL_SORT", 8)
    monkeypatch.setattr(_kernels, "_threads", lambda: 2)
    rng = np.random.default_rng(3)
    for n in (0, 1, 7, 8, 9, 1001, 40_000):
        for hi in (3, 2**30):  # many ties; few ties
            x = rng.integers(-hi, hi, n).astype(dtype)
            if dtype.startswith("datetime") and n:  # (NaT sorts last: numpy's own sort)
                x[rng.integers(0, n, max(n // 10, 1))] = np.datetime64("NaT")
            got = x.copy()
            assert _kernels.sort_inplace(got) is got
            assert got.tobytes() == np.sort(x).tobytes(), (n, hi)
    rows = np.flatnonzero(rng.random(80_000) < 0.5)  # ascending row numbers, gaps
    keys = rng.integers(0, 50, len(rows)).astype(np.int64)
    k, r = G._sort_keys(keys, rows)
    order = np.argsort(keys, kind="stable")
    assert k.tolist() == keys[order].tolist() and r.tolist() == rows[order].tolist()


def test_account_table_from_edges_equals_row_sums_with_huge_weights():
    """build_graphs sums the account table over the amplification edges (integer weights);
    weights too large for exact float sums take the integer path: same table."""
    raw = _random_table(4, fractional=False)
    raw["weight"] = raw["weight"] * 2**50
    enc = coordnet.io.encode_actions(raw)
    acc = coordnet.build_graphs(enc).accounts
    pd.testing.assert_frame_equal(acc, coordnet.account_table(enc))
    assert acc["n_amplified"].max() > 2**53  # beyond exact float sums


def test_sweep_threads_and_chunks_give_one_table(monkeypatch):
    """Accounts are swept in chunks on a thread pool: one thread or two, few chunks or one
    per account, give the same network (the documented toy figure: 12 edges)."""
    from coordnet import _kernels

    acts = coordnet.datasets.toy_actions()
    whole = coordnet.coaction(acts, 60, engine="numpy")
    assert len(whole.edges) == 12
    for threads, per in (("1", 1), ("2", 10_000), ("3", 2)):
        monkeypatch.setenv("COORDNET_THREADS", threads)
        monkeypatch.setattr(_kernels, "_CHUNKS_PER_THREAD", per)
        parts = coordnet.coaction(acts, 60, engine="numpy")
        pd.testing.assert_frame_equal(whole.edges, parts.edges)
        pd.testing.assert_frame_equal(whole.evidence, parts.evidence)


def test_columns_edited_in_place_do_not_change_other_columns():
    """Tables are built without copying, but no two columns share memory (counts that are
    all ones, or a weight equal to its only type's count, used to be one array)."""
    g = coordnet.build_graphs(coordnet.datasets.toy_actions())
    for table, cols in ((g.amplification, ["weight", "n_retweet", "n_quote", "n_reply", "n_mention"]),
                        (g.coaction.edges, ["n_objects", "n_action_pairs", "n_actions_a", "n_actions_b"]),
                        (g.coaction.evidence, ["n_action_pairs", "n_actions_a", "n_actions_b"])):
        t = table  # edited itself (a shallow copy would be copied on write)
        before = t[cols].copy()
        t.loc[0, cols[0]] = 99
        t.iloc[1, t.columns.get_loc(cols[-1])] = 77
        assert t[cols[1:]].iloc[[0]].equals(before[cols[1:]].iloc[[0]])
        assert t[cols[:-1]].iloc[[1]].equals(before[cols[:-1]].iloc[[1]])


def test_evidence_in_time_order_on_real_data(monkeypatch):
    """On the first 60,000 Higgs interactions (no post ids: the object is the amplified
    account), each pair's evidence is in time order, first_time/last_time are its earliest
    and latest rows, and the sweep gives the SQL join's tables. (The numpy sweep of
    coordnet 0.1 put the rows of 5 of these 51,090 edges out of order: first_time after
    last_time; 1,932 of 947,939 on 150,000 rows.)"""
    path = SHARED / "data" / "higgs_activity.csv.gz"
    if not path.exists():
        pytest.skip(f"real data not found: {path} (the ../shared folder beside the project)")
    raw = pd.read_csv(path, nrows=60_000)
    acts = coordnet.from_dataframe(raw.rename(columns={"source_user": "source",
                                                      "target_user": "target"})).actions
    co = coordnet.coaction(acts, 60)
    e, ev = co.edges, co.evidence
    assert len(e) == 51_090
    assert (e["first_time"] <= e["last_time"]).all()
    a, b = ev["account_a"].cat.codes.to_numpy(), ev["account_b"].cat.codes.to_numpy()
    t = ev["time"].array.asi8
    same = (a[1:] == a[:-1]) & (b[1:] == b[:-1])
    assert (t[1:][same] >= t[:-1][same]).all()
    starts = np.flatnonzero(np.r_[True, ~same])
    assert (t[starts] == e["first_time"].array.asi8).all()
    assert (t[np.r_[starts[1:], len(t)] - 1] == e["last_time"].array.asi8).all()
    monkeypatch.setattr(G, "SWEEP_MAX_PAIRS", -1)  # the DuckDB join
    joined = coordnet.coaction(acts, 60)
    pd.testing.assert_frame_equal(co.edges, joined.edges)
    pd.testing.assert_frame_equal(co.evidence, joined.evidence)


def test_ms_utc_is_pandas_own_conversion():
    """Times are wrapped without pandas' validation pass: same values, NaT included."""
    x = np.array([0, 1_600_000_000_123, np.iinfo(np.int64).min, -5], dtype=np.int64)
    got = pd.Series(G._ms_utc(x))
    want = pd.Series(pd.DatetimeIndex(x, dtype=pd.DatetimeTZDtype("ms", "UTC")))
    pd.testing.assert_series_equal(got, want)
    assert got.isna().tolist() == [False, False, True, False]


@pytest.mark.parametrize("seed", [0, 1])
def test_action_index_orders_equal_numpy_sorts(seed):
    # the index's counting sorts (by object, then time within each object; by account,
    # stably) give numpy's orders: objects of 1 to ~400 actions (short segments sorted by
    # insertion, long ones by numpy), unique times per object so the order is unique
    from coordnet._kernels import index_actions

    rng = np.random.default_rng(seed)
    n_obj, n_acc = 300, 120
    sizes = np.minimum(rng.zipf(1.6, n_obj), 400)
    obj = rng.permutation(np.repeat(np.arange(n_obj), sizes))
    n = len(obj)
    t = rng.permutation(n * 7)[:n].astype(np.int64) * 1000  # distinct times
    acc = rng.integers(0, n_acc, n)
    ix = index_actions(acc, obj, t, n_acc, n_obj)
    order = np.lexsort((t, obj))
    assert sizes.max() > 32 and (sizes == 1).any()
    assert np.array_equal(ix.os_o, obj[order]) and np.array_equal(ix.os_t, t[order])
    assert np.array_equal(ix.os_acc, acc[order])
    assert np.array_equal(ix.ao_pos, np.argsort(acc[order], kind="stable"))
    assert np.array_equal(ix.obj_ptr, np.r_[0, np.cumsum(np.bincount(obj, minlength=n_obj))])


@pytest.mark.parametrize("seed", [0, 1])
def test_object_accounts_from_the_index_equal_a_sort_of_every_action(seed):
    # each object's distinct accounts, sorted: from the index (segments already by object)
    # as from a sort of (object, account) keys; repeated accounts, objects of 1 to ~400
    # actions, objects without actions
    from coordnet._kernels import index_actions, index_object_accounts, object_accounts

    rng = np.random.default_rng(seed)
    n_obj, n_acc = 300, 60
    sizes = np.minimum(rng.zipf(1.6, n_obj), 400) * (rng.random(n_obj) > 0.1)
    obj = rng.permutation(np.repeat(np.arange(n_obj), sizes))
    acc = rng.integers(0, n_acc, len(obj))
    t = rng.integers(0, 10**6, len(obj))
    idx, ptr = index_object_accounts(index_actions(acc, obj, t, n_acc, n_obj))
    ref_idx, ref_ptr = object_accounts(acc, obj, n_acc, n_obj)
    assert (sizes == 0).any() and sizes.max() > 32 and len(ref_idx) < len(obj)
    assert np.array_equal(ptr, ref_ptr) and np.array_equal(idx, ref_idx)
    assert idx.dtype == ref_idx.dtype
