"""Synthetic retweet collections of any size for the scaling benchmarks, from
:func:`coordnet.simulate`.

:func:`params` scales :class:`coordnet.SimParams` to ``n`` actions: a month of data,
``n/20`` organic accounts with heavy-tailed activity, ``n/5`` posts with heavy-tailed
popularity in 50 like-minded communities, viral posts, friend circles, hyperactive
accounts, and 20 planted coordinated groups of 30 accounts (60 bursts each, one campaign
a day). Beyond 10M actions the file is written in independent blocks of at most 10M
(bounded memory), as many as it takes to reach 99 % of the actions asked for (a block
gives about, not exactly, its share): block ``i`` is simulated with seed ``seed + i`` and
its ids, accounts and posts are prefixed ``b<i>`` so that blocks do not mix (block sizes vary:
the 100M file has eleven blocks, one of 4.5M).

``python benchmarks/gen.py N FILE`` writes one, and its ground truth beside it (the blocks'
planted accounts, prefixed as in the file).
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

import coordnet
from coordnet.simulate import GroupSpec, SimParams, truth_path

CHUNK = 10_000_000


def params(n: int, seed: int = 0) -> SimParams:
    """Simulation parameters giving about ``n`` actions (within a few per cent)."""
    return SimParams(
        n_accounts=max(n // 20, 500), n_posts=max(n // 5, 100), n_actions=n, hours=24 * 30,
        n_communities=50, n_viral=max(3, n // 30_000), n_circles=max(20, n // 5_000),
        n_hyperactive=max(10, n // 10_000),
        groups=tuple(GroupSpec(size=30, n_posts=60, start_h=24 * i + 10) for i in range(20)),
        seed=seed)


def generate(n: int, seed: int = 0, prefix: str = "") -> tuple[pa.Table, "coordnet.Simulation"]:
    """About ``n`` simulated retweets as an Arrow table ``id, source, target, object_id,
    timestamp`` (ISO 8601, ms, UTC), and the simulation (with its ground truth)."""
    sim = coordnet.simulate(params(n, seed))
    a = sim.actions
    cols = {}
    for c in ("id", "source", "target", "object_id"):
        arr = pa.array(a[c].to_numpy(), type=pa.string())
        cols[c] = pc.binary_join_element_wise(prefix, arr, "") if prefix else arr
    ts = pa.array(a["timestamp"]).cast(pa.timestamp("ms", tz="UTC"))
    cols["timestamp"] = pc.strftime(ts, format="%Y-%m-%dT%H:%M:%SZ")  # with the milliseconds
    return pa.table(cols), sim


def write(n: int, path: str, seed: int = 0) -> str:
    """Write about ``n`` actions as CSV (in blocks of at most 10M beyond 10M)."""
    opts = pacsv.WriteOptions(quoting_style="none")
    if n <= CHUNK:
        tab, sim = generate(n, seed)
        pacsv.write_csv(tab, path, opts)
        sim.truth.to_csv(truth_path(path), index=False)
        return path
    truths = []
    with pacsv.CSVWriter(path, generate(1000, seed)[0].schema, write_options=opts) as w:
        done, i = 0, 0
        while done < 0.99 * n:  # a block gives about (not exactly) the actions asked for
            tab, sim = generate(min(CHUNK, n - done), seed + i, prefix=f"b{i}")
            w.write_table(tab)
            t = sim.truth.copy()
            t["account"] = f"b{i}" + t["account"].astype(str)
            truths.append(t)
            done += tab.num_rows
            i += 1
    import pandas as pd

    pd.concat(truths, ignore_index=True).to_csv(truth_path(path), index=False)
    return path


if __name__ == "__main__":
    import sys

    write(int(float(sys.argv[1])), sys.argv[2])
