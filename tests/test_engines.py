"""Engines: the DuckDB (default) and numpy co-action joins give identical tables, on the
bundled data, on the real Russian data, and on hand-made edge cases (ties, repeated
actions by one account, window 0, windows that straddle bucket edges)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import coordnet
from coordnet import engines
from coordnet.errors import ConfigError

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"
T0 = 1_600_000_000


def same(actions, **kw):
    """Build the co-action network with the DuckDB SQL join, the numpy sweep and the default
    engine (the sweep when it fits); assert identical; return it."""
    from coordnet import graphs

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(graphs, "SWEEP_MAX_PAIRS", -1)  # the SQL join, whatever the size
        a = coordnet.coaction(actions, engine="duckdb", **kw)
    b = coordnet.coaction(actions, engine="numpy", **kw)
    c = coordnet.coaction(actions, **kw)
    for x in (b, c):
        assert_frame_equal(a.edges, x.edges)
        assert_frame_equal(a.evidence, x.evidence)
        assert (a.n_actions, a.key, a.window) == (x.n_actions, x.key, x.window)
    return a


@pytest.mark.parametrize("name", ["toy", "campaign"])
@pytest.mark.parametrize("window", [0, 10, 60, 1800])
def test_engines_agree_on_bundled_data(name, window):
    acts = getattr(coordnet.datasets, f"{name}_actions")()
    co = same(acts, window=window)
    if window == 60 and name == "toy":
        assert len(co.edges) == 12  # the documented toy figure


def test_engines_agree_on_real_data():
    path = SHARED / "data" / "russian_coord_tweets.csv"
    if not path.exists():
        pytest.skip(f"real data not available: {path} (the ../shared folder beside the project)")
    co = same(coordnet.read_actions(path).actions, window=60)
    assert len(co.edges) == 6206  # CooRTweet's count (tests/test_graphs.py parity test)


def _acts(rows):
    df = pd.DataFrame(rows, columns=["source", "object_id", "timestamp"])
    df["timestamp"] = T0 + df["timestamp"]
    return coordnet.from_dataframe(df).actions


def test_engines_agree_on_edge_cases_worked_by_hand():
    # a acts twice on p (0 s and 30 s), b once at 50 s: 2 action pairs, a has 2 actions
    # with a partner, b one; ties at 100 s count once per pair; c–d are 61 s apart.
    co = same(_acts([("a", "p", 0), ("a", "p", 30), ("b", "p", 50), ("c", "q", 100),
                     ("d", "q", 161), ("e", "q", 100), ("c", "r", 5), ("e", "r", 5)]), window=60)
    e = co.edges.set_index(["account_a", "account_b"])
    assert e.loc[("a", "b"), ["n_objects", "n_action_pairs", "n_actions_a", "n_actions_b"]].tolist() == [1, 2, 2, 1]
    assert e.loc[("a", "b"), "min_gap_s"] == 20.0
    assert e.loc[("c", "e"), ["n_objects", "n_action_pairs"]].tolist() == [2, 2]
    assert e.loc[("c", "e"), "min_gap_s"] == 0.0
    assert ("d", "e") not in e.index  # 61 s apart
    assert ("c", "d") not in e.index
    same(_acts([("a", "p", 0), ("b", "p", 0), ("c", "p", 1)]), window=0)


def test_engines_agree_on_random_data_with_bucket_edges():
    rng = np.random.default_rng(7)
    n = 3000
    rows = pd.DataFrame({"source": rng.integers(0, 60, n).astype(str),
                         "object_id": rng.integers(0, 40, n).astype(str),
                         "timestamp": rng.integers(0, 2000, n)})
    acts = _acts(rows.itertuples(index=False))
    for w in (0, 1, 7, 60, 61):
        same(acts, window=w)


def test_unknown_engine_is_a_config_error():
    with pytest.raises(ConfigError, match="engine"):
        coordnet.coaction(_acts([("a", "p", 0), ("b", "p", 1)]), engine="oracle")


def test_partitioned_duckdb_join_is_identical(monkeypatch):
    """Objects split into hash partitions (bounded memory, progress steps) change nothing."""
    from coordnet import engines

    acts = coordnet.datasets.campaign_actions()
    whole = coordnet.coaction(acts, 300)
    monkeypatch.setattr(coordnet.graphs, "SWEEP_MAX_PAIRS", -1)  # the SQL join
    monkeypatch.setattr(engines, "PARTITION_ROWS", 100)
    steps = []
    parts = coordnet.coaction(acts, 300, progress=lambda s, d, n: steps.append((s, d, n)))
    assert_frame_equal(whole.edges, parts.edges)
    assert_frame_equal(whole.evidence, parts.evidence)
    # one step per partition of the actions that may have a partner within the window
    joined = engines.candidate_rows(acts["object_id"].cat.codes.to_numpy()[acts["type"] == "retweet"],
                                    acts["timestamp"].array.asi8[acts["type"] == "retweet"], 300_000)
    k = -(-len(joined) // 100)
    assert k > 1 and [d for s, d, n in steps if n == k] == list(range(k))


def test_cli_progress_draws_stages_with_bars_and_times(monkeypatch):
    import io

    from coordnet.cli import _Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    err = Tty()
    monkeypatch.setattr("sys.stderr", err)
    p = _Progress(True)
    p("read", 0, 1)
    p("co-action join (duckdb)", 1, 4)
    p("co-action join (duckdb)", 2, 4)
    p.close()
    out = err.getvalue()
    assert "read" in out and "[" + "#" * 20 + "] 100 %" in out  # finished stage left on screen
    assert "[#####...............]  25 %" in out and "[##########..........]  50 %" in out
    quiet = Tty()
    monkeypatch.setattr("sys.stderr", quiet)
    q = _Progress(False)
    q("read", 0, 1)
    assert quiet.getvalue() == ""


def _amplification_by_pivot(actions):
    """The amplification table as the first implementation built it (pivot table)."""
    a = actions.loc[actions["target"].notna() & (actions["source"] != actions["target"])]
    g = a.groupby(["source", "target"], sort=True, observed=True)
    out = g.agg(weight=("weight", "sum"), first_time=("timestamp", "min"),
                last_time=("timestamp", "max"))
    by_type = a.pivot_table(index=["source", "target"], columns="type", values="weight",
                            aggfunc="sum", fill_value=0, observed=False)
    for t in coordnet.ACTION_TYPES:
        out[f"n_{t}"] = by_type[t] if t in by_type.columns else 0
    return out.reset_index()


def test_faster_amplification_and_block_test_give_the_same_numbers():
    """Performance rewrites (one grouping instead of a pivot table; degrees computed once
    per run instead of once per cluster) leave every number unchanged."""
    from coordnet.detect import _amplification_degrees, block_amplification

    rng = np.random.default_rng(3)
    n = 2000
    mixed = coordnet.from_dataframe(pd.DataFrame({
        "source": rng.integers(0, 30, n).astype(str), "target": rng.integers(0, 30, n).astype(str),
        "type": rng.choice(["retweet", "quote", "reply", "mention"], n),
        "weight": rng.choice([1, 2, 0.5], n), "timestamp": T0 + rng.integers(0, 9999, n)})).actions
    for acts in (coordnet.datasets.toy_actions(), coordnet.datasets.campaign_actions(), mixed):
        new = coordnet.amplification_edges(acts)
        old = _amplification_by_pivot(acts)
        for c in new.columns:
            assert np.array_equal(new[c].to_numpy(), old[c].to_numpy()), c
        mem = sorted(new["source"].unique())[:5]
        tg = sorted(new["target"].unique())[-3:]
        assert block_amplification(new, mem, tg) == block_amplification(
            new, mem, tg, degrees=_amplification_degrees(new))


def test_spark_engine_without_pyspark_says_how_to_install(monkeypatch):
    import sys

    from coordnet.errors import MissingDependencyError

    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    with pytest.raises(MissingDependencyError) as e:
        coordnet.coaction(_acts([("a", "p", 0), ("b", "p", 1)]), engine="spark")
    assert "pip install 'coordnet[spark]'" in (e.value.hint or "")


def test_undecodable_header_is_an_input_error(tmp_path):
    """Found by the hypothesis reader test: a header byte that is not UTF-8 (b'!\\x80')
    reached Python's decoder inside pyarrow and crashed with UnicodeDecodeError."""
    from coordnet.errors import InputError

    p = tmp_path / "x.csv"
    p.write_bytes(b"!\x80\r")
    with pytest.raises(InputError, match="not valid utf-8"):
        coordnet.read_actions(p)


@pytest.mark.parametrize("window_ms,key_bits", [(0, 63), (1000, 63), (60_000, 63), (60_000, 18)])
def test_join_prefilter_keeps_every_action_with_a_partner(window_ms, key_bits, monkeypatch):
    """candidate_rows drops only actions with no other action on their object within τ
    (checked against every pair), and keeps fewer than all on sparse data; with narrow
    keys it sorts several ranges of objects, with the same result."""
    from coordnet import engines
    from coordnet.engines import candidate_rows

    monkeypatch.setattr(engines, "_KEY_BITS", key_bits)

    rng = np.random.default_rng(window_ms)
    o = rng.integers(0, 40, 600)
    t = rng.integers(0, 3_000_000, 600) // 1000 * 1000
    close = (o[:, None] == o[None, :]) & (np.abs(t[:, None] - t[None, :]) <= window_ms)
    np.fill_diagonal(close, False)
    rows = candidate_rows(o, t, window_ms)
    assert set(np.flatnonzero(close.any(axis=1))) <= set(rows.tolist())
    assert len(rows) < len(t) and (np.diff(rows) > 0).all()
    monkeypatch.setattr(engines, "_KEY_BITS", 63)
    assert rows.tolist() == candidate_rows(o, t, window_ms).tolist()


def test_duckdb_engine_sweeps_in_memory_within_the_budget(monkeypatch):
    """engine="duckdb" joins in memory (the compiled sweep) while the pairs fit the budget, and in
    DuckDB beyond it, or beyond what COORDNET_DUCKDB_MEMORY allows: same tables."""
    from coordnet import graphs

    acts = coordnet.datasets.campaign_actions()

    def run():
        steps = []
        co = coordnet.coaction(acts, 300, progress=lambda s, d, n: steps.append(s))
        return co, set(steps)

    monkeypatch.delenv("COORDNET_DUCKDB_MEMORY", raising=False)
    swept, stages = run()
    assert stages == {"co-action sweep (in memory)"}
    monkeypatch.setattr(graphs, "SWEEP_MAX_PAIRS", 10)
    joined, stages = run()
    assert "co-action join (duckdb)" in stages
    assert_frame_equal(swept.edges, joined.edges)
    assert_frame_equal(swept.evidence, joined.evidence)
    monkeypatch.setattr(graphs, "SWEEP_MAX_PAIRS", None)  # any size: the tables spill to disk
    assert graphs._sweep_budget() == 2**62
    monkeypatch.setenv("COORDNET_SPILL", "0")  # no spilling: what memory holds
    assert graphs._sweep_budget() == int(0.4 * engines.memory_bytes()) // 120 > 1_000_000
    monkeypatch.delenv("COORDNET_SPILL")
    assert engines.default_duckdb_memory() == f"{engines.memory_bytes() // 2 // 2**20}MiB"
    monkeypatch.setattr(graphs, "SWEEP_MAX_PAIRS", 10**9)
    for limit, pairs in (("2KB", 16), ("1.2 gb", 10_000_000), ("6GiB", 53_687_091), ("lots", 10**9)):
        monkeypatch.setenv("COORDNET_DUCKDB_MEMORY", limit)  # 120 bytes per pair
        assert graphs._sweep_budget() == pairs
