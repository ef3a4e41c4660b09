"""Throughput of the platform readers: ``python benchmarks/platform_read.py [N]``.

Generates N posts (default 100 000) per platform format — a mix of reposts, quotes,
replies with mentions and original posts, shaped like the fixtures in
tests/data/platforms — writes them to a temporary folder, reads each with
``coordnet.read_actions`` and prints posts/s and actions/s. Run on demand; not a test.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

import coordnet

T0 = 1634764436


def posts(n: int, fmt: str) -> str:
    rng = np.random.default_rng(0)
    who = rng.integers(0, 5000, n)
    whom = rng.integers(0, 300, n)
    kind = rng.choice(["rt", "quote", "reply", "orig"], n, p=[0.6, 0.1, 0.2, 0.1])
    out = []
    for i in range(n):
        u, v, k, t = f"u{who[i]}", f"s{whom[i]}", kind[i], T0 + i
        if fmt == "twitter-v1":
            s = {"id_str": str(10**6 + i), "created_at": time.strftime(
                "%a %b %d %H:%M:%S +0000 %Y", time.gmtime(t)), "user": {"id_str": u, "screen_name": u},
                "entities": {"hashtags": [{"text": "Vote"}], "user_mentions": [{"screen_name": "m1"}]}}
            if k == "rt":
                s["retweeted_status"] = {"id_str": str(i % 997), "user": {"screen_name": v},
                                         "entities": {"hashtags": [{"text": "Vote"}]}}
            elif k == "quote":
                s["quoted_status"] = {"id_str": str(i % 997), "user": {"screen_name": v}}
            elif k == "reply":
                s.update(in_reply_to_status_id_str=str(i % 997), in_reply_to_screen_name=v)
        elif fmt == "twitter-v2":
            s = {"id": str(10**6 + i), "author_id": u, "author": {"id": u, "username": u},
                 "created_at": pd.Timestamp(t, unit="s").isoformat() + "Z", "text": "x",
                 "entities": {"mentions": [{"username": "m1"}], "hashtags": [{"tag": "vote"}]}}
            if k != "orig":
                typ = {"rt": "retweeted", "quote": "quoted", "reply": "replied_to"}[k]
                s["referenced_tweets"] = [{"type": typ, "id": str(i % 997), "author": {"username": v}}]
        elif fmt == "mastodon":
            s = {"id": str(10**6 + i), "created_at": pd.Timestamp(t, unit="s").isoformat() + "Z",
                 "account": {"id": u, "acct": u}, "mentions": [{"id": "m1", "acct": "m1"}],
                 "tags": [{"name": "vote"}], "reblog": None, "in_reply_to_id": None,
                 "in_reply_to_account_id": None}
            if k == "rt":
                s["reblog"] = {"id": str(i % 997), "account": {"id": v, "acct": v}, "tags": []}
            elif k in ("reply", "quote"):
                s.update(in_reply_to_id=str(i % 997), in_reply_to_account_id=v)
        else:  # bluesky
            coll = "app.bsky.feed.repost" if k == "rt" else "app.bsky.feed.post"
            rec = {"$type": coll, "createdAt": pd.Timestamp(t, unit="s").isoformat() + "Z"}
            subj = {"uri": f"at://did:plc:{v}/app.bsky.feed.post/{i % 997}", "cid": "x"}
            if k == "rt":
                rec["subject"] = subj
            elif k == "reply":
                rec["reply"] = {"parent": subj, "root": subj}
            elif k == "quote":
                rec["embed"] = {"$type": "app.bsky.embed.record", "record": subj}
            rec["facets"] = [{"features": [{"$type": "app.bsky.richtext.facet#mention",
                                            "did": "did:plc:m1"}]}] if k != "rt" else []
            s = {"did": f"did:plc:{u}", "time_us": t * 10**6, "kind": "commit",
                 "commit": {"operation": "create", "collection": coll, "rkey": str(i), "record": rec}}
        out.append(json.dumps(s))
    return "\n".join(out) + "\n"


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as d:
        for fmt in ("twitter-v1", "twitter-v2", "mastodon", "bluesky"):
            p = Path(d) / f"{fmt}.jsonl"
            p.write_text(posts(n, fmt))
            t = time.perf_counter()
            res = coordnet.read_actions(p)
            dt = time.perf_counter() - t
            assert res.format == fmt and res.rows_rejected == 0
            print(f"{fmt:<11} {n:,} posts, {p.stat().st_size / 1e6:6.1f} MB -> {res.rows_kept:,} actions "
                  f"in {dt:5.2f} s: {n / dt:9,.0f} posts/s, {res.rows_kept / dt:9,.0f} actions/s")


if __name__ == "__main__":
    main()
