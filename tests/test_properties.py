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


# ------------------------------------------------------------------ platform exports

import json  # noqa: E402

from coordnet.platforms import PLATFORM_FORMATS  # noqa: E402

KEYS = st.sampled_from([
    "id", "id_str", "user", "screen_name", "retweeted_status", "quoted_status", "data", "includes",
    "users", "tweets", "referenced_tweets", "type", "author_id", "author", "username", "entities",
    "hashtags", "mentions", "user_mentions", "text", "tag", "did", "commit", "record", "value",
    "collection", "operation", "kind", "subject", "uri", "reply", "parent", "embed", "facets",
    "features", "$type", "account", "acct", "reblog", "tags", "name", "in_reply_to_id",
    "in_reply_to_account_id", "in_reply_to_screen_name", "messages", "from", "from_id",
    "forwarded_from", "reply_to_message_id", "text_entities", "created_at", "time_us",
    "date_unixtime", "date", "chats", "list"]) | st.text(max_size=4)
SCALARS = (st.none() | st.booleans() | st.integers(-2**63, 2**64) | st.floats(allow_nan=False)
           | st.text(max_size=8) | st.sampled_from([
               "retweeted", "quoted", "replied_to", "mention", "hashtag", "message", "create",
               "app.bsky.feed.post", "app.bsky.feed.repost", "app.bsky.embed.record",
               "app.bsky.richtext.facet#mention", "at://did:plc:x/app.bsky.feed.post/1",
               "did:plc:y", "Wed Oct 20 21:13:56 +0000 2021", "2021-10-20T21:13:56Z", "1634764436"]))
JSON = st.recursive(SCALARS, lambda ch: st.lists(ch, max_size=4) | st.dictionaries(KEYS, ch, max_size=6),
                    max_leaves=30)


@SETTINGS
@given(st.lists(JSON | st.text(max_size=20), min_size=1, max_size=12),
       st.sampled_from([f for f in PLATFORM_FORMATS if f != "twarc-csv"]))
def test_arbitrary_json_lines_never_crash_the_platform_readers(values, fmt):
    # a value is either a JSON document on its line, or raw text (usually not JSON at all)
    lines = [json.dumps(v) if not isinstance(v, str) or v.startswith("{") else v for v in values]
    text = json.dumps({"messages": values}) if fmt == "telegram" else "\n".join(lines)
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.jsonl"
        p.write_text(text, encoding="utf-8")
        for f in (fmt, "auto"):
            try:
                res = coordnet.read_actions(p, format=f, max_rejected=1)
            except coordnet.CoordnetError:
                continue
            assert res.rows_read == res.rows_kept + res.rows_rejected + res.rows_duplicate
            assert len(res.rejected) == res.rows_rejected


retweets = st.lists(st.tuples(names, names), min_size=1, max_size=30)


@SETTINGS
@given(retweets, st.sampled_from(["twitter-v1", "twitter-v2", "mastodon", "bluesky"]))
def test_valid_platform_records_are_never_lost(pairs, fmt):
    def record(i, who, whom):
        t = 1634764436 + i
        if fmt == "twitter-v1":
            return {"id_str": str(i), "created_at": t, "user": {"screen_name": who},
                    "retweeted_status": {"id_str": f"o{i}", "user": {"screen_name": whom}}}
        if fmt == "twitter-v2":
            return {"id": str(i), "author_id": who, "created_at": t, "author": {"username": who},
                    "referenced_tweets": [{"type": "retweeted", "id": f"o{i}",
                                           "author": {"username": whom}}]}
        if fmt == "mastodon":
            return {"id": str(i), "created_at": t, "account": {"id": "1", "acct": who},
                    "reblog": {"id": f"o{i}", "account": {"id": "2", "acct": whom}}}
        return {"did": who, "time_us": t * 10**6, "kind": "commit",
                "commit": {"operation": "create", "collection": "app.bsky.feed.repost", "rkey": str(i),
                           "record": {"subject": {"uri": f"at://{whom}/app.bsky.feed.post/{i}"}}}}

    lines = [json.dumps(record(i, a, b)) for i, (a, b) in enumerate(pairs)]
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.jsonl"
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
        res = coordnet.read_actions(p, format=fmt)
    a = res.actions
    assert (res.rows_kept, res.rows_rejected, res.rows_duplicate) == (len(pairs), 0, 0)
    assert a["source"].tolist() == [x for x, _ in pairs]
    if fmt != "bluesky":  # Bluesky targets are the DID inside the at:// URI (no "/" allowed)
        assert a["target"].tolist() == [y for _, y in pairs]
    assert (a["timestamp"].astype("int64") // 1000).tolist() == [1634764436 + i for i in range(len(pairs))]
