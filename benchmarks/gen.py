"""Vectorised synthetic retweet generator for the scaling benchmarks.

A stand-in until ``coordnet.simulate`` (issue 3) lands: the lead can switch
:func:`generate` to it. Everything is numpy, no Python loop per row: accounts with
heavy-tailed activity retweet posts with heavy-tailed popularity, at log-normal
delays (median 3 h) after the post; 20 planted groups of 10 accounts retweet the same posts within
seconds of each other (the coordinated signal).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

T0 = 1_700_000_000  # 2023-11-14, epoch seconds
SPAN = 30 * 86400  # one month


def generate(n: int, seed: int = 0) -> pa.Table:
    """``n`` retweets: columns ``id, source, target, object_id, timestamp`` (ISO 8601)."""
    rng = np.random.default_rng(seed)
    n_acc = max(n // 20, 100)
    n_posts = max(n // 5, 50)
    n_coord = n // 100  # 1 % of actions from planted groups
    n_org = n - n_coord
    # organic: post popularity ~ Zipf-like, account activity ~ lognormal
    pop = rng.pareto(2.0, n_posts) + 1
    post = rng.choice(n_posts, size=n_org, p=pop / pop.sum())
    act = rng.lognormal(0, 1.2, n_acc)
    src = rng.choice(n_acc, size=n_org, p=act / act.sum())
    post_time = T0 + rng.integers(0, SPAN, n_posts)
    post_author = rng.integers(0, n_acc, n_posts)
    delay = rng.lognormal(np.log(3 * 3600.0), 1.5, n_org).astype(np.int64)
    t = post_time[post] + delay
    # planted groups of 10 accounts, each group retweets 'its' posts within ~20 s
    gsize = 10
    n_events = max(n_coord // gsize, 1)
    n_groups = 20  # a collection holds a handful of campaigns, whatever its size
    ev_group = rng.integers(0, n_groups, n_events)
    ev_post = rng.integers(0, n_posts, n_events)
    ev_time = post_time[ev_post] + rng.integers(0, 600, n_events)
    member = rng.integers(0, gsize, (n_events, gsize)).argsort(axis=1)  # a permutation per event
    c_src = (n_acc - n_groups * gsize) + ev_group[:, None] * gsize + member
    c_t = ev_time[:, None] + rng.integers(0, 20, (n_events, gsize))
    c_post = np.repeat(ev_post, gsize)
    src = np.concatenate([src, c_src.ravel()])[:n]
    post = np.concatenate([post, c_post])[:n]
    t = np.concatenate([t, c_t.ravel()])[:n]
    n = len(src)
    ts = pa.array(t.astype("datetime64[s]"))
    return pa.table({
        "id": pc.binary_join_element_wise("r", pa.array(np.arange(n)).cast(pa.string()), ""),
        "source": pc.binary_join_element_wise("u", pa.array(src).cast(pa.string()), ""),
        "target": pc.binary_join_element_wise("u", pa.array(post_author[post]).cast(pa.string()), ""),
        "object_id": pc.binary_join_element_wise("p", pa.array(post).cast(pa.string()), ""),
        "timestamp": pc.strftime(ts, format="%Y-%m-%dT%H:%M:%SZ"),
    })


CHUNK = 10_000_000


def write(n: int, path: str, seed: int = 0) -> str:
    """Write ``n`` actions as CSV. Beyond 10M, in independent 10M blocks (bounded memory):
    block ``i`` has its own accounts and posts (ids prefixed ``b<i>``)."""
    opts = pacsv.WriteOptions(quoting_style="none")
    if n <= CHUNK:
        pacsv.write_csv(generate(n, seed), path, opts)
        return path
    with pacsv.CSVWriter(path, generate(1, seed).schema, write_options=opts) as w:
        for i, start in enumerate(range(0, n, CHUNK)):
            tab = generate(min(CHUNK, n - start), seed + i)
            pre = f"b{i}"
            for c in ("id", "source", "target", "object_id"):
                tab = tab.set_column(tab.schema.get_field_index(c), c,
                                     pc.binary_join_element_wise(pre, tab[c], ""))
            w.write_table(tab)
    return path


if __name__ == "__main__":
    import sys

    write(int(float(sys.argv[1])), sys.argv[2])
