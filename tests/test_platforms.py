"""Platform exports: each hand-written fixture (tests/data/platforms, written from the
platforms' documentation) gives exactly the actions worked out by hand."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import coordnet
from coordnet.cli import cli
from coordnet.platforms import PLATFORM_FORMATS, sniff_platform

DATA = Path(__file__).parent / "data" / "platforms"
T = "2021-10-20T"


def acts(res):
    a = res.actions
    ts = a["timestamp"].dt.strftime("%H:%M:%S")
    return [tuple(None if pd.isna(v) else v for v in r) for r in
            zip(a["source"], a["target"], a["type"], a["id"], a["object_id"], a["hashtags"], ts)]


# (file, format, expected actions, rejected (row, reason start), notes to find)
CASES = {
    "twitter-v1": ("twitter_v1.jsonl", [
        # RT by ann of bob's 100: one retweet edge, no mention of bob (its "RT @bob")
        ("ann", "bob", "retweet", "1001", "100", "vote", "21:13:56"),
        # carol quotes 100 and mentions @dave @bob: bob already linked by the quote
        ("carol", "bob", "quote", "1002", "100", "vote news", "21:14:10"),
        ("carol", "dave", "mention", "1002@dave", None, "vote news", "21:14:10"),
        # dave replies to ann's 200 mentioning @ann @erin
        ("dave", "ann", "reply", "1003", "200", None, "21:20:00"),
        ("dave", "erin", "mention", "1003@erin", None, None, "21:20:00"),
        # truncated streaming tweet: entities come from extended_tweet
        ("frank", "gina", "mention", "1005@gina", None, "long", "21:40:00"),
    ], [(6, "invalid JSON")], ["5 tweets", "1 tweets amplify nothing", "1 records are not posts"]),
    "twitter-v2 pages": ("twitter_v2_pages.jsonl", [
        ("ann", "bob", "retweet", "2001", "100", "vote", "21:13:56"),  # author from includes
        ("carol", "bob", "quote", "2002", "100", "news", "21:14:10"),
        ("carol", "dave", "mention", "2002@dave", None, "news", "21:14:10"),
        ("dave", "ann", "reply", "2003", "300", None, "21:20:00"),
    ], [(2, "invalid JSON")], ["4 tweets", "1 tweets amplify nothing"]),
    "twarc2 flattened": ("twarc2_flat.jsonl", [
        ("ann", "bob", "retweet", "2001", "100", "vote", "21:13:56"),
        ("dave", "ann", "reply", "2003", "300", None, "21:20:00"),  # via in_reply_to_user
        ("dave", "erin", "mention", "2003@erin", None, None, "21:20:00"),
    ], [], ["2 tweets"]),
    "twarc-csv": ("twarc.csv", [
        ("ann", "bob", "retweet", "2001", "100", "vote", "21:13:56"),
        ("carol", "bob", "quote", "2002", "100", "news", "21:14:10"),
        ("carol", "dave", "mention", "2002@dave", None, "news", "21:14:10"),
        ("dave", "ann", "reply", "2003", "300", None, "21:20:00"),
        ("dave", "erin", "mention", "2003@erin", None, None, "21:20:00"),
    ], [], ["4 tweets", "1 tweets amplify nothing"]),
    "bluesky": ("bluesky_jetstream.jsonl", [
        # time is Jetstream's time_us (when the relay saw it), not the client's createdAt
        ("did:plc:ann", "did:plc:bob", "retweet", "at://did:plc:ann/app.bsky.feed.repost/3l3qo2vuowo2b",
         "at://did:plc:bob/app.bsky.feed.post/3kbob1", None, "21:13:56"),
        ("did:plc:carol", "did:plc:ann", "reply", "at://did:plc:carol/app.bsky.feed.post/3kcarol1",
         "at://did:plc:ann/app.bsky.feed.post/3kann1", "news vote", "21:14:10"),
        ("did:plc:carol", "did:plc:dave", "mention",
         "at://did:plc:carol/app.bsky.feed.post/3kcarol1@did:plc:dave", None, "news vote", "21:14:10"),
        ("did:plc:dave", "did:plc:bob", "quote", "at://did:plc:dave/app.bsky.feed.post/3kdave1",
         "at://did:plc:bob/app.bsky.feed.post/3kbob1", None, "21:20:00"),
        # an AppView-style record (uri + value), no time_us: createdAt
        ("did:plc:frank", "did:plc:carol", "retweet", "at://did:plc:frank/app.bsky.feed.repost/3kfrank1",
         "at://did:plc:carol/app.bsky.feed.post/3kcarol1", None, "21:30:00"),
    ], [(8, "record is not a JSON object"), (8, "record is not a JSON object")],
        ["5 posts and reposts", "3 records are not posts"]),
    "mastodon": ("mastodon.json", [
        # a reblog: its mentions (zed) are bob's, not ann's
        ("ann", "bob@example.org", "retweet", "103270115826048975", "103270000000000100", "vote",
         "21:13:56"),
        # reply to account id 11 = ann (known from the mentions); ann not mentioned twice
        ("dave", "ann", "reply", "103270115826048976", "103270115826040000", "news", "21:20:00"),
        ("dave", "erin@other.example", "mention", "103270115826048976@erin@other.example", None,
         "news", "21:20:00"),
        # reply to account id 66, resolved to frank from a later status
        ("erin@other.example", "frank", "reply", "103270115826048977", "103270115826049999", None,
         "21:25:00"),
    ], [], ["4 statuses", "1 statuses amplify nothing"]),
    "telegram": ("telegram_result.json", [
        # date_unixtime is UTC; "date" (23:13:56) is the exporter's local time
        ("Daily News", "Truth Channel", "retweet", "1234567890/2", None, "vote", "21:13:56"),
        ("Daily News", "Daily News", "reply", "1234567890/3", "1234567890/2", None, "21:20:00"),
        ("Daily News", "truthchannel", "mention", "1234567890/3@truthchannel", None, None, "21:20:00"),
        ("Daily News", "otherblog", "mention", "1234567890/3@otherblog", None, None, "21:20:00"),
    ], [(5, "message is not a JSON object")], ["3 messages", "1 records are not posts"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_platform_fixture_gives_the_actions_worked_out_by_hand(case):
    name, expected, rejected, notes = CASES[case]
    res = coordnet.read_actions(DATA / name, max_rejected=1)
    assert res.format == case.split()[0].replace("twarc2", "twitter-v2")
    assert acts(res) == expected
    assert len(res.rejected) == len(rejected)
    assert [(int(r), w[: len(why)]) for r, w, (_, why) in
            zip(res.rejected["row"], res.rejected["reason"], rejected)] == rejected
    assert res.rows_read == len(expected) + len(rejected) and res.rows_duplicate == 0
    for n in notes:
        assert any(n in x for x in res.notes), (n, res.notes)
    # forcing the format gives the same result
    forced = coordnet.read_actions(DATA / name, max_rejected=1, format=res.format)
    assert acts(forced) == expected


def test_formats_are_detected_from_content_not_name(tmp_path):
    for name, *_ in CASES.values():
        p = tmp_path / ("export.zst.data" if name.endswith("l") else "export.txt")
        p.write_bytes(gzip.compress((DATA / name).read_bytes()))  # compressed, odd name
        res = coordnet.read_actions(p, max_rejected=1)
        assert res.format in PLATFORM_FORMATS and res.compression == "gzip"
    assert sniff_platform(b'{"source": "a", "target": "b"}\n') is None
    assert sniff_platform(b"source,target\n") is None


def test_a_post_collected_twice_is_counted_once(tmp_path):
    lines = (DATA / "twarc2_flat.jsonl").read_text().splitlines()
    p = tmp_path / "twice.jsonl"
    p.write_text("\n".join(lines + lines) + "\n")
    res = coordnet.read_actions(p)
    assert (res.rows_read, res.rows_kept, res.rows_duplicate) == (6, 3, 3)
    assert any("counted once" in n for n in res.notes)


def test_platform_export_through_the_cli_keeps_bad_lines_in_rejected_csv(tmp_path):
    # 40 good retweets and 1 malformed line (2 % < 5 %): analysed, the bad line reported
    good = [json.dumps({"id_str": str(i), "created_at": f"Wed Oct 20 21:{i % 60:02d}:00 +0000 2021",
                        "user": {"screen_name": f"u{i % 7}"},
                        "retweeted_status": {"id_str": str(100 + i % 3),
                                             "user": {"screen_name": "src"}}}) for i in range(40)]
    p = tmp_path / "tw.jsonl"
    p.write_text("\n".join(good[:20] + ['{"id_str": "x", "user": '] + good[20:]) + "\n")
    out = tmp_path / "o"
    r = CliRunner().invoke(cli, ["graph", str(p), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "Read:     " in r.output and "(twitter-v1)" in r.output
    assert "41 read, 40 kept, 1 rejected" in r.output
    s = json.loads((out / "summary.json").read_text())
    assert (s["rows_read"], s["rows_kept"], s["rows_rejected"]) == (41, 40, 1)
    assert s["input"]["format"] == "twitter-v1"
    rej = pd.read_csv(out / "rejected.csv")
    assert rej["row"].tolist() == [21] and rej["reason"].iloc[0].startswith("invalid JSON")
    # above the threshold: an error naming the line, rejected.csv still written
    p.write_text("\n".join(good[:3] + ["{broken"] * 2) + "\n")
    r = CliRunner().invoke(cli, ["graph", str(p), "-o", str(tmp_path / "o2")])
    assert r.exit_code == 1 and "2 of 5 records" in r.output and "line 4: invalid JSON" in r.output
    assert (tmp_path / "o2" / "rejected.csv").exists()


def test_platform_with_nothing_to_analyse_says_so(tmp_path):
    p = tmp_path / "likes.jsonl"
    shutil.copy(DATA / "bluesky_jetstream.jsonl", p)
    p.write_text("\n".join(ln for ln in p.read_text().splitlines() if "feed.like" in ln) + "\n")
    r = CliRunner().invoke(cli, ["graph", str(p), "-o", str(tmp_path / "o")])
    assert r.exit_code == 1 and "no retweets, quotes, replies or mentions found" in r.output
    assert "1 records are not posts" in r.output and "Fix:" in r.output


def test_forcing_a_platform_format_on_an_edge_list_is_explained(tmp_path):
    p = tmp_path / "e.jsonl"
    p.write_text('{"source": "a", "target": "b"}\n')
    r = CliRunner().invoke(cli, ["graph", str(p), "-o", str(tmp_path / "o"), "--format", "mastodon"])
    assert r.exit_code == 1 and "no retweets, quotes, replies or mentions" in r.output
    p2 = tmp_path / "t.json"
    p2.write_text('{"name": "x"}')
    r = CliRunner().invoke(cli, ["graph", str(p2), "-o", str(tmp_path / "o2"), "--format", "telegram"])
    assert r.exit_code == 1 and "not a Telegram Desktop export" in r.output


def test_edge_lists_with_row_or_hashtags_columns_are_unchanged(tmp_path):
    p = tmp_path / "e.csv"
    p.write_text("row,hashtags,source,target,time\n7,#a,x,y,1634764436\n8,#b,z,,1634764437\n")
    res = coordnet.read_actions(p, max_rejected=1)
    assert list(res.actions.columns) == list(coordnet.io.FIELDS)
    assert res.rejected["row"].tolist() == [2]  # the data row, not the file's "row" column


def test_search_responses_holding_statuses_are_read(tmp_path):
    # Twitter v1.1 search/tweets and Mastodon search answer {"statuses": [...], ...}
    lines = (DATA / "twitter_v1.jsonl").read_text().splitlines()[:3]
    page = {"statuses": [json.loads(x) for x in lines], "search_metadata": {"count": 3}}
    p = tmp_path / "search.json"
    p.write_text(json.dumps(page))
    res = coordnet.read_actions(p)
    assert res.format == "twitter-v1"
    assert acts(res) == CASES["twitter-v1"][1][:5]
    assert res.rejected["row"].tolist() == []


def test_cli_says_how_actions_were_derived_from_an_export(tmp_path):
    from click.testing import CliRunner

    from coordnet.cli import cli

    r = CliRunner().invoke(cli, ["graph", str(DATA / "mastodon.json"), "-o", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    assert "Columns:  actions derived from each post of the mastodon export" in r.output
    assert "'source' → source" not in r.output
