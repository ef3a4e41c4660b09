"""Property-based tests (hypothesis): the readers never crash or lose a valid row, and the
co-action network behaves as its definition says for any input."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import coordnet

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
T0 = 1_600_000_000


@SETTINGS
@given(st.binary(max_size=3000), st.sampled_from(["x.csv", "x.jsonl", "x.json", "x.tsv", "x.parquet",
                                                   "x.csv.gz", "x.bin"]))
def test_arbitrary_bytes_never_crash_the_reader(data, name):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        try:
            res = coordnet.read_actions(p, max_rejected=1)
        except coordnet.CoordnetError:
            return
        assert res.rows_read == res.rows_kept + res.rows_rejected + res.rows_duplicate


names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                min_size=1, max_size=12).filter(lambda s: s.strip() == s and s.strip())
table = st.lists(st.tuples(names, names, st.integers(T0, T0 + 10**7)), min_size=1, max_size=40)


@SETTINGS
@given(table)
def test_valid_rows_are_never_lost_and_values_are_exact(rows):
    df = pd.DataFrame(rows, columns=["source", "target", "timestamp"])
    df["id"] = [f"r{i}" for i in range(len(df))]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "t.csv"
        df.to_csv(p, index=False)
        res = coordnet.read_actions(p)
    a = res.actions
    assert res.rows_kept == len(df) and res.rows_rejected == 0
    assert a["source"].tolist() == df["source"].tolist()
    assert a["target"].tolist() == df["target"].tolist()
    assert (a["timestamp"].astype("int64") // 1000).tolist() == df["timestamp"].tolist()


shares = st.lists(st.tuples(st.sampled_from("abcdefg"), st.sampled_from("pqrs"), st.integers(0, 600)),
                  min_size=2, max_size=60)


def _acts(rows):
    df = pd.DataFrame(rows, columns=["source", "object_id", "timestamp"])
    df["timestamp"] += T0
    return coordnet.from_dataframe(df).actions


@SETTINGS
@given(shares, st.randoms(use_true_random=False))
def test_coaction_is_order_invariant(rows, rnd):
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    a = coordnet.coaction(_acts(rows), 60).edges
    b = coordnet.coaction(_acts(shuffled), 60).edges
    pd.testing.assert_frame_equal(a, b)


@SETTINGS
@given(shares, st.integers(0, 300), st.integers(0, 300))
def test_a_wider_window_never_removes_a_link(rows, w1, w2):
    lo, hi = sorted((w1, w2))
    e_lo = coordnet.coaction(_acts(rows), lo).edges.set_index(["account_a", "account_b"])
    e_hi = coordnet.coaction(_acts(rows), hi).edges.set_index(["account_a", "account_b"])
    assert set(e_lo.index) <= set(e_hi.index)
    assert (e_hi.loc[e_lo.index, "n_objects"] >= e_lo["n_objects"]).all()
    assert (e_lo["min_gap_s"] <= lo).all()
