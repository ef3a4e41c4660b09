"""Readers: every format, every alias set, every timestamp form, with hand-checked values."""

from __future__ import annotations

import bz2
import gzip
import io
import json
import sys

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import coordnet
from coordnet.io import parse_timestamps

CSV = (
    "retweeter,retweeted_user,created_at,tweet_id,retweeted_tweet_id\n"
    "alice,bob,2021-10-20T21:13:56Z,1,100\n"
    "carol,bob,2021-10-20T21:14:10Z,2,100\n"
    "dave,erin,2021-10-20T22:00:00Z,3,200\n"
)
EXPECTED = [("alice", "bob", "1", "100"), ("carol", "bob", "2", "100"), ("dave", "erin", "3", "200")]


def rows(res):
    a = res.actions
    return list(zip(a["source"], a["target"], a["id"], a["object_id"]))


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return p


# ------------------------------------------------------------------------ formats


@pytest.mark.parametrize("name, data, fmt, comp", [
    ("a.csv", CSV.encode(), "csv", None),
    ("a.tsv", CSV.replace(",", "\t").encode(), "tsv", None),
    ("a.txt", CSV.replace(",", ";").encode(), "csv", None),  # sniffed delimiter
    ("a.csv.gz", gzip.compress(CSV.encode()), "csv", "gzip"),
    ("a.csv", gzip.compress(CSV.encode()), "csv", "gzip"),  # compression from the bytes
    ("a.csv.zst", zstandard.ZstdCompressor().compress(CSV.encode()), "csv", "zstd"),
    ("a.csv.bz2", bz2.compress(CSV.encode()), "csv", "bz2"),
])
def test_delimited_readers(tmp_path, name, data, fmt, comp):
    res = coordnet.read_actions(write(tmp_path, name, data))
    assert rows(res) == EXPECTED
    assert (res.format, res.compression) == (fmt, comp)
    assert res.actions["timestamp"].iloc[0] == pd.Timestamp("2021-10-20T21:13:56Z")
    assert res.mapping == {"source": "retweeter", "target": "retweeted_user", "timestamp": "created_at",
                           "id": "tweet_id", "object_id": "retweeted_tweet_id"}


def _records():
    return [{"retweeter": s, "retweeted_user": t, "created_at": ts, "tweet_id": i, "retweeted_tweet_id": o}
            for (s, t, i, o), ts in zip(EXPECTED, ["2021-10-20T21:13:56Z", "2021-10-20T21:14:10Z",
                                                     "2021-10-20T22:00:00Z"])]


def test_json_lines_and_json_array(tmp_path):
    jl = "\n".join(json.dumps(r) for r in _records()) + "\n"
    assert rows(coordnet.read_actions(write(tmp_path, "a.jsonl", jl))) == EXPECTED
    assert rows(coordnet.read_actions(write(tmp_path, "b.ndjson.gz", gzip.compress(jl.encode())))) == EXPECTED
    res = coordnet.read_actions(write(tmp_path, "c.json", json.dumps(_records())))
    assert res.format == "json" and rows(res) == EXPECTED


def test_json_with_numbers_as_ids(tmp_path):
    recs = [{"from": "a", "to": "b", "time": 1634764436, "id": 1451000000000000001},
            {"from": "c", "to": "b", "time": 1634764440, "id": 1451000000000000002}]
    res = coordnet.read_actions(write(tmp_path, "n.jsonl", "\n".join(map(json.dumps, recs))))
    assert res.actions["id"].tolist() == ["1451000000000000001", "1451000000000000002"]  # no float rounding
    assert res.actions["timestamp"].iloc[1] == pd.Timestamp("2021-10-20T21:14:00Z")


def test_parquet(tmp_path):
    t = pa.table({"user": ["alice", "carol"], "retweeted_user": ["bob", "bob"],
                  "timestamp": pa.array([1634764436000, 1634764450000], pa.timestamp("ms", tz="UTC")),
                  "object_id": ["100", "100"]})
    p = tmp_path / "a.parquet"
    pq.write_table(t, p)
    res = coordnet.read_actions(p)
    assert res.format == "parquet"
    assert res.actions["source"].tolist() == ["alice", "carol"]
    assert res.actions["timestamp"].tolist() == [pd.Timestamp("2021-10-20T21:13:56Z"),
                                                 pd.Timestamp("2021-10-20T21:14:10Z")]


def test_stdin(monkeypatch):
    class Stdin:
        buffer = io.BytesIO(CSV.encode())
    monkeypatch.setattr(sys, "stdin", Stdin())
    res = coordnet.read_actions("-")
    assert res.path == "<stdin>" and rows(res) == EXPECTED and res.sha256


def test_dataframe_with_datetime_columns():
    naive = pd.DataFrame({"source": ["a"], "target": ["b"], "time": [pd.Timestamp("2021-10-20 21:13:56")]})
    aware = naive.assign(time=naive["time"].dt.tz_localize("Europe/Paris"))
    assert coordnet.from_dataframe(naive).actions["timestamp"].iloc[0] == pd.Timestamp("2021-10-20T21:13:56Z")
    assert coordnet.from_dataframe(aware).actions["timestamp"].iloc[0] == pd.Timestamp("2021-10-20T19:13:56Z")


# ------------------------------------------------------------------------ aliases


@pytest.mark.parametrize("header, expected", [
    ("Source,Target,Weight", {"source": "Source", "target": "Target", "weight": "Weight"}),
    ("from,to", {"source": "from", "target": "to"}),
    ("user,retweeted_user", {"source": "user", "target": "retweeted_user"}),
    ("author_id,retweeted_author_id", {"source": "author_id", "target": "retweeted_author_id"}),
    ("object_id,account_id,content_id,timestamp_share",
     {"source": "account_id", "timestamp": "timestamp_share", "id": "content_id", "object_id": "object_id"}),
    ("source_user,target_user,timestamp,interaction",
     {"source": "source_user", "target": "target_user", "timestamp": "timestamp", "type": "interaction"}),
    (" Screen Name ,In Reply To Screen Name,Date", {"source": " Screen Name ", "target": "In Reply To Screen Name",
                                                     "timestamp": "Date"}),
])
def test_alias_sets(header, expected):
    assert coordnet.io.detect_columns(header.split(",")) == expected


def test_columns_matched_by_name_not_position(tmp_path):
    shuffled = pd.read_csv(io.StringIO(CSV), dtype=str)[
        ["retweeted_tweet_id", "created_at", "tweet_id", "retweeted_user", "retweeter"]]
    p = tmp_path / "s.csv"
    shuffled.to_csv(p, index=False)
    a = coordnet.read_actions(p).actions
    b = coordnet.read_actions(write(tmp_path, "o.csv", CSV)).actions
    pd.testing.assert_frame_equal(a, b)


def test_higgs_style_codes_and_pandas_index_column(tmp_path):
    data = ",source_user,target_user,timestamp,interaction\n0,1,2,1341100972,RT\n1,1,3,1341100973,MT\n2,4,1,1341100974,RE\n"
    res = coordnet.read_actions(write(tmp_path, "h.csv", data))
    assert res.actions["type"].tolist() == ["retweet", "mention", "reply"]
    assert res.ignored_columns == ("",)  # the unnamed pandas index column is not read as data


def test_gephi_direction_column_is_not_an_action_type(tmp_path):
    data = "Source,Target,Type,Id,Label,Weight\na,b,Directed,0,,3\nb,c,Directed,1,,1\n"
    res = coordnet.read_actions(write(tmp_path, "g.csv", data))
    assert "type" not in res.mapping and res.actions["type"].tolist() == ["retweet", "retweet"]
    assert any("Gephi" in n for n in res.notes)
    assert res.actions["weight"].tolist() == [3, 1]


def test_overrides(tmp_path):
    data = "who,whom,when\na,b,1634764436\n"
    with pytest.raises(coordnet.InputError, match="no column for the acting account"):
        coordnet.read_actions(write(tmp_path, "x.csv", data))
    res = coordnet.read_actions(tmp_path / "x.csv", columns={"source": "who", "target": "whom", "timestamp": "when"})
    assert res.mapping == {"source": "who", "target": "whom", "timestamp": "when"}
    with pytest.raises(coordnet.InputError, match=r"no column named 'nope'.*") as e:
        coordnet.read_actions(tmp_path / "x.csv", columns={"source": "nope"})
    assert "'who', 'whom', 'when'" in e.value.hint


# ------------------------------------------------------------------------ timestamps


@pytest.mark.parametrize("value, expected", [
    ("2021-10-20T21:13:56Z", "2021-10-20T21:13:56Z"),
    ("2021-10-20T23:13:56+02:00", "2021-10-20T21:13:56Z"),
    ("2021-10-20T21:13:56", "2021-10-20T21:13:56Z"),          # no zone: UTC
    ("2021-10-20 21:13:56", "2021-10-20T21:13:56Z"),
    ("2021-10-20T21:13:56.250Z", "2021-10-20T21:13:56.250Z"),
    ("2021-10-20", "2021-10-20T00:00:00Z"),
    ("1634764436", "2021-10-20T21:13:56Z"),                  # unix seconds
    ("1634764436.5", "2021-10-20T21:13:56.500Z"),
    ("1634764436000", "2021-10-20T21:13:56Z"),               # milliseconds
    ("Wed Oct 20 21:13:56 +0000 2021", "2021-10-20T21:13:56Z"),  # Twitter v1.1
])
def test_timestamp_forms(value, expected):
    ts, why = parse_timestamps(pd.Series([value]))
    assert pd.isna(why.iloc[0])
    assert ts.iloc[0] == pd.Timestamp(expected)


def test_numeric_timestamps_seconds_and_milliseconds():
    ts, why = parse_timestamps(pd.Series([1634764436, 1634764436000], dtype="int64"))
    assert ts.tolist() == [pd.Timestamp("2021-10-20T21:13:56Z")] * 2 and why.isna().all()


@pytest.mark.parametrize("value, reason", [
    ("yesterday", "unrecognised timestamp"), ("0", "out of range"), ("1970-01-01T00:00:00Z", "out of range"),
    ("2200-01-01", "out of range"), ("", "missing timestamp"),
])
def test_bad_timestamps_are_rejected_with_a_reason(tmp_path, value, reason):
    data = f"source,target,time\na,b,2021-10-20T21:13:56Z\nc,d,{value}\n"
    res = coordnet.read_actions(write(tmp_path, "t.csv", data), max_rejected=1)
    assert res.rows_kept == 1 and res.rows_rejected == 1
    r = res.rejected.iloc[0]
    assert r["row"] == 2 and reason in r["reason"] and "'time'" in r["reason"]


# ------------------------------------------------------------------------ rows


def test_accounting_of_rows(tmp_path):
    data = ("id,source,target,time\n"
            "1,a,b,1634764436\n"
            "1,a,b,1634764436\n"      # exact repeat: a duplicate
            "2,a,c,1634764437\n"
            "2,a,d,1634764437\n"      # same id, other content: kept
            "3,,b,1634764438\n"       # no source: rejected
            "4,e,f,1634764439,extra\n"  # malformed line: rejected
            "5,e,e,1634764440\n")     # self-loop: kept as an action
    res = coordnet.read_actions(write(tmp_path, "r.csv", data), max_rejected=0.5)
    assert (res.rows_read, res.rows_kept, res.rows_rejected, res.rows_duplicate) == (7, 4, 2, 1)
    assert res.rows_read == res.rows_kept + res.rows_rejected + res.rows_duplicate
    reasons = " ".join(res.rejected["reason"])
    assert "empty 'source'" in reasons and "malformed line" in reasons
    assert any("different content" in n for n in res.notes)
    assert ("e", "e") in set(zip(res.actions["source"], res.actions["target"]))


def test_too_many_bad_rows_stops_and_keeps_them(tmp_path):
    data = "source,target,time\na,b,nope\nc,d,never\ne,f,1634764436\n"
    with pytest.raises(coordnet.InputError, match=r"2 of 3 rows \(67%\) cannot be used") as e:
        coordnet.read_actions(write(tmp_path, "b.csv", data))
    assert len(e.value.rejected) == 2 and "--max-rejected" in e.value.hint


def test_quoted_fields_newlines_and_long_cells(tmp_path):
    long = "x" * 1_000_000
    data = f'source,target,note\n"a, the ""first""",b,"two\nlines"\nc,d,{long}\n'
    res = coordnet.read_actions(write(tmp_path, "q.csv", data))
    assert res.actions["source"].tolist() == ['a, the "first"', "c"]
    assert res.rows_kept == 2


def test_line_breaks_in_values_are_looked_for_only_when_a_quote_follows_the_header(tmp_path):
    from coordnet.io import _may_quote

    assert _may_quote(None, b'"a","b"\n1,2\n3,4\n', None, "utf-8") is False  # quoted header only
    assert _may_quote(None, b'a,b\n1,"2"\n', None, "utf-8") is True
    assert _may_quote(None, b'"a\nb",c\n1,2\n', None, "utf-8") is True     # a header cell's break
    assert _may_quote(None, b'a,b\n1,2\n', "gzip", "utf-8") is True        # not searched
    assert _may_quote(None, b'a,b\n1,2\n', None, "utf-16") is True         # not ASCII-like
    p = write(tmp_path, "h.csv", '"source","target"\n' + "a,b\n" * 10)
    assert _may_quote(p, None, None, "utf-8") is False
    # a quoted line break far into the file (past pyarrow's first block) is still one value
    big = "source,target\n" + "a,b\n" * 2_000_000 + '"x\ny",z\n' + "c,d\n"
    res = coordnet.read_actions(write(tmp_path, "big.csv", big))
    assert res.rows_kept == 2_000_002 and res.actions["source"].iloc[-2] == "x\ny"


def test_utf8_bom_and_latin1(tmp_path):
    res = coordnet.read_actions(write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + "source,target\né,ü\n".encode()))
    assert res.mapping["source"] == "source" and res.actions["source"].tolist() == ["é"]
    latin = ("source,target\n" + "a,b\n" * 40_000 + "caf\xe9,b\n").encode("latin-1")  # bad byte past 64 KiB
    p = write(tmp_path, "latin.csv", latin)
    with pytest.raises(coordnet.InputError, match="not valid utf-8") as e:
        coordnet.read_actions(p)
    assert "--encoding" in e.value.hint
    assert coordnet.read_actions(p, encoding="latin-1").actions["source"].iloc[-1] == "café"


def test_delimiter_follows_the_header_when_values_hold_other_delimiters(tmp_path):
    """Found by hypothesis: an account named '"|' led the sniffer to '|' though the header is
    comma-separated; every row and value must survive."""
    p = tmp_path / "t.csv"
    pd.DataFrame({"source": ['"|', "a|b", "c"], "target": ["0", "x", "y"],
                  "timestamp": [1_600_000_000] * 3}).to_csv(p, index=False)
    r = coordnet.read_actions(p)
    assert r.rows_kept == 3 and r.rows_rejected == 0
    assert r.actions["source"].tolist() == ['"|', "a|b", "c"]


# ------------------------------------------- the Arrow path for CSV/TSV equals the pandas path
# Delimited text is normalised in pyarrow (coordnet.io._normalise_arrow); every other input
# goes through pandas (_normalise). Both must give the same table, rejections and notes.

TS_FORMS = ["2021-10-20T21:13:56Z", "2021-10-20 21:13:56", " 2021-10-20T21:13:56Z ",
            "2021-10-20T23:13:56+02:00", "2021-10-20T21:13:56+0200", "2021-10-20T21",
            "2021-10-20", "2021-10-20T21:13:56.123Z", "2021-10-20T21:13:56.1234Z",
            "2021-02-30T00:00:00Z", "1999-12-31T23:59:59Z", "2100-01-01", "0001-01-01",
            "1634764436", "1634764436000", "1.6e9", "0", "Wed Oct 20 21:13:56 +0000 2021",
            "\u00a02021-10-20T21:13:56Z", "", "  ", "yesterday", "2021-10-20t21:13:56z"]
TEXT = ["a", "b", " c", "d ", "", "  ", "é", "ü ñ", "\u00a0x", "\u3000y", "x\t", '"q"', "a,b"]


def _both_paths(path):
    """(the CSV read by read_actions, the same strings through from_dataframe)."""
    import pyarrow.csv as pacsv

    fast = coordnet.read_actions(path, max_rejected=1)
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    raw = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
        column_types={h: pa.string() for h in header}, strings_can_be_null=False,
        quoted_strings_can_be_null=False)).to_pandas()
    slow = coordnet.from_dataframe(raw, max_rejected=1)
    return fast, slow


def _assert_same(fast, slow):
    pd.testing.assert_frame_equal(fast.actions, slow.actions, check_exact=True)
    pd.testing.assert_frame_equal(fast.rejected, slow.rejected, check_exact=True)
    assert fast.notes == slow.notes and fast.mapping == slow.mapping
    assert (fast.rows_read, fast.rows_kept, fast.rows_rejected, fast.rows_duplicate) == \
        (slow.rows_read, slow.rows_kept, slow.rows_rejected, slow.rows_duplicate)


def _csv(tmp_path, header, rows):
    import csv

    p = tmp_path / "t.csv"
    with open(p, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return p


@pytest.mark.parametrize("block", [None, 200])
def test_arrow_path_equals_pandas_path_on_tricky_values(tmp_path, monkeypatch, block):
    if block:  # many blocks: the key columns' dictionaries differ from block to block
        monkeypatch.setattr(coordnet.io, "_BLOCK_SIZE", block)
    rows = [[str(i % 7), TEXT[i % len(TEXT)], TEXT[(3 * i) % len(TEXT)],
             ["p1", " p2", "", "p3 "][i % 4], TS_FORMS[i % len(TS_FORMS)],
             ["retweet", "RT", " quote ", "", "boost", "foo", "MENTION"][i % 7],
             ["1", "2", " 3", "0", "-1", "x", "1.5"][(i // 2) % 7]] for i in range(300)]
    rows += rows[:20]  # exact repeats (same id, same content)
    fast, slow = _both_paths(_csv(tmp_path, ["id", "source", "target", "object_id", "timestamp",
                                             "type", "weight"], rows))
    _assert_same(fast, slow)
    assert fast.rows_duplicate > 0 and fast.rows_rejected > 100  # both kinds exercised


@pytest.mark.parametrize("value", TS_FORMS)
def test_arrow_path_equals_pandas_path_for_each_timestamp_form(tmp_path, value):
    # a column of one form is parsed by pyarrow when it can be, else by parse_timestamps
    rows = [["a", "b", value], ["c", "a", value], ["d", "e", "2021-10-20T21:13:56Z"]]
    fast, slow = _both_paths(_csv(tmp_path, ["source", "target", "timestamp"], rows))
    _assert_same(fast, slow)


def test_arrow_timestamps_chunk_by_chunk_equal_parse_timestamps():
    from coordnet.io import _parse_timestamps_arrow

    chunks = [["2021-10-20T21:13:56Z", "2021-10-20T23:13:56+02:00", ""],  # all with a zone
              ["2021-10-20 21:13:56", " 2021-10-20T21 ", "1999-01-01"],   # all without one
              ["2021-10-20T21:13:56Z", "2021-10-20 21:13:56", "1634764436", "nope"],  # mixed
              ["", "  "], ["2199-01-01T00:00:00Z"]]
    col = pa.chunked_array([pa.array(c, type=pa.string()) for c in chunks])
    ms, rows, reasons = _parse_timestamps_arrow(col)
    ts, why = parse_timestamps(pd.Series(sum(chunks, []), dtype="str"))
    assert ms.tolist() == ts.array.asi8.tolist()
    assert rows.tolist() == [2, 5, 9, 10, 11, 12]
    assert reasons.tolist() == why.dropna().tolist()
    assert reasons.tolist()[1] == "timestamp 1999-01-01T00:00:00+00:00 out of range (2000–2100)"


def test_accounts_only_on_rejected_rows_are_not_categories(tmp_path):
    data = ("id,source,target,timestamp\n1,a,b,2021-10-20T21:13:56Z\n"
            "2,zz,yy,yesterday\n3, c ,a,2021-10-20T21:13:57Z\n4,d,,2021-10-20T21:13:58Z\n")
    res = coordnet.read_actions(write(tmp_path, "r.csv", data), max_rejected=1)
    a = res.actions
    assert list(a["source"].cat.categories) == ["a", "b", "c"]
    assert a["source"].tolist() == ["a", "c"] and a["target"].tolist() == ["b", "a"]
    assert res.rejected["row"].tolist() == [2, 4]
    assert res.rejected["source"].tolist() == ["zz", "d"]


@pytest.mark.parametrize("values, repeats", [
    (["r1", "r2", "r3"], False),
    (["r1", "r2", "r1"], True),
    (["", None, "x", None], False),                       # nulls are not values
    (["x" * 70 + "b", "y", "x" * 70 + "a"], True),        # only 64 bytes hashed: say maybe
    (["x" * 70 + "a", "x" * 70 + "b"], False),            # (in order: no hashing needed)
    (["abcdefgh", "abcdefghi", "abcdefg", "abcdefgh"], True),
    (["abcdefgh", "abcdefghi", "abcdefg", "bcdefgh"], False),
    (["é", "e", "ü ñ", "\u3000"], False),
    (["a", "b", "é", "z"], False),                         # in order: no hashing needed
    (["z", "é", "b", "a"], False),                         # in reverse order
    (["a", "b", "b", "c"], True),                          # in order, but a repeat
    (["a", "a", "b"], True),
    (["b", "a", "c"], False),
])
def test_may_repeat(values, repeats):
    from coordnet.io import _may_repeat

    assert _may_repeat(pa.array(values, type=pa.string())) is repeats
    # a slice (non-zero offset) and large_string give the same answer
    arr = pa.array(["pad"] + values, type=pa.large_string()).slice(1)
    assert _may_repeat(arr) is repeats


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.one_of(st.none(), st.sampled_from(TEXT), st.text(max_size=5)),
                         max_size=6), min_size=1, max_size=5))
def test_chunked_columns_clean_and_encode_as_one_array(chunks):
    """pyarrow's CSV reader gives chunked columns: cleaned, encoded and checked for repeats
    chunk by chunk, they give what the whole column does."""
    from coordnet.io import _clean_arrow, _dict_codes, _may_repeat

    col = pa.chunked_array([pa.array(c, type=pa.string()) for c in chunks], type=pa.string())
    whole = _clean_arrow(col.combine_chunks())
    clean = _clean_arrow(col)
    assert clean.combine_chunks().equals(whole)
    (i1, d1), (i2, d2) = _dict_codes(clean), _dict_codes(whole)
    assert d1.equals(d2) and i1.tolist() == i2.tolist()
    values = [v for v in whole.to_pylist() if v is not None]
    assert _may_repeat(clean) is _may_repeat(whole)
    if len(set(values)) < len(values):
        assert _may_repeat(clean) is True


@pytest.mark.parametrize("chunks, repeats", [
    ([["a", "b"], ["c"], [], ["d"]], False),
    ([["a", "b"], ["b", "c"]], True),                     # a repeat across a chunk boundary
    ([["9", "98"], ["99", "100"], ["101"]], False),       # by length, then text (numeric ids)
    ([["101", "100"], ["99"], ["9"]], False),             # the same, decreasing
    ([["9", "10"], ["10"]], True),
    ([["b", "c"], ["a", "d"]], False),                    # not in order: hashed
    ([["b", "c"], ["a", "c"]], True),
])
def test_may_repeat_across_chunks(chunks, repeats):
    from coordnet.io import _may_repeat

    assert _may_repeat(pa.chunked_array([pa.array(c, type=pa.string()) for c in chunks],
                                        type=pa.string())) is repeats


_cells = st.one_of(st.sampled_from(TEXT), st.text(max_size=6))
_tricky_rows = st.lists(st.tuples(st.sampled_from(["1", "2", "3", " 3", ""]), _cells, _cells,
                                  st.one_of(st.sampled_from(TS_FORMS), st.text(max_size=8))),
                        min_size=1, max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_tricky_rows)
def test_arrow_path_equals_pandas_path_for_any_values(tmp_path, rows):
    rows = [[c.replace("\r", " ").replace("\n", " ").replace("\x00", "") for c in r] for r in rows]
    try:
        fast, slow = _both_paths(_csv(tmp_path, ["id", "source", "target", "timestamp"], rows))
    except coordnet.InputError as e:  # e.g. no usable row: both paths must say so
        with pytest.raises(coordnet.InputError, match="no usable rows"):
            coordnet.from_dataframe(pd.DataFrame(rows, columns=["id", "source", "target",
                                                                "timestamp"]), max_rejected=1)
        assert "no usable rows" in str(e)
        return
    _assert_same(fast, slow)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=80)), min_size=1, max_size=30), st.data())
def test_may_repeat_never_misses_a_repeat(values, data):
    from coordnet.io import _may_repeat

    present = [v for v in values if v is not None]
    if present:  # one value again: a repeat, wherever it falls and however long it is
        values = values + [data.draw(st.sampled_from(present))]
        assert _may_repeat(pa.array(values, type=pa.string())) is True
        # in order or in reverse order too (the shortcut for ordered ids)
        ordered = sorted(v for v in values if v is not None)
        assert _may_repeat(pa.array(ordered, type=pa.string())) is True
        assert _may_repeat(pa.array(ordered[::-1], type=pa.string())) is True


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab\x00\x7fé z0\uffff"), max_size=10), max_size=40),
       st.booleans())
def test_sort_order_is_pyarrows(values, large):
    """The integer-key sort of short values gives pyarrow's order (bytes; equal values in
    their order), NUL bytes, empty values, slices and long values included."""
    import pyarrow.compute as pc

    from coordnet.io import _sort_order

    arr = pa.array(["pad"] + values, type=pa.large_string() if large else pa.string()).slice(1)
    assert _sort_order(arr).tolist() == pc.array_sort_indices(arr).to_numpy().tolist()
    short = pa.array([v[:8] for v in values], type=pa.string())
    assert _sort_order(short).tolist() == pc.array_sort_indices(short).to_numpy().tolist()


# -------------------------------------------------- large files, read part by part


def _streamed(monkeypatch, path, rows=7, **kw):
    """(read_actions of ``path`` part by part, ``rows`` rows at a time; read at once)."""
    whole = coordnet.read_actions(path, **kw)
    with monkeypatch.context() as m:
        m.setattr(coordnet.io, "_STREAM_BYTES", 0)
        m.setattr(coordnet.io, "_PART_ROWS", rows)
        m.setattr(coordnet.io, "_BLOCK_SIZE", 64)  # batches of a few rows: parts cut anywhere
        parts = coordnet.read_actions(path, **kw)
    return parts, whole


def _assert_identical(a, b):
    _assert_same(a, b)
    assert (a.sha256, a.format, a.ignored_columns) == (b.sha256, b.format, b.ignored_columns)


@pytest.mark.parametrize("rows", [1, 7, 10**6])
def test_parts_read_like_the_whole_file(tmp_path, monkeypatch, rows):
    """Cleaning, codes, times, types, weights, rejected rows (with their text and row
    numbers) and malformed lines: a file read part by part gives what it gives at once."""
    lines = [[str(i), TEXT[i % len(TEXT)], TEXT[(3 * i) % len(TEXT)],
              ["p1", " p2", "", "p3 "][i % 4], TS_FORMS[i % len(TS_FORMS)],
              ["retweet", "RT", " quote ", "", "boost", "foo", "MENTION"][i % 7],
              ["1", "2", " 3", "0", "-1", "x", "1.5"][(i // 2) % 7]] for i in range(300)]
    p = _csv(tmp_path, ["id", "source", "target", "object_id", "timestamp", "type", "weight"], lines)
    with open(p, "a", encoding="utf-8") as fh:
        fh.write("301,a,b\n999,x,y,p1,2021-10-20T21:13:56Z,retweet,1\n")  # a short line
    parts, whole = _streamed(monkeypatch, p, rows, max_rejected=1)
    _assert_identical(parts, whole)
    assert whole.rows_rejected > 100 and any("malformed" in r for r in whole.rejected["reason"])


def test_parts_fall_back_to_the_whole_file_when_they_cannot_decide(tmp_path, monkeypatch):
    # an id repeated in two parts (an exact repeat, counted once)
    rows = [[str(i % 15), f"u{i % 5}", f"u{(i + 1) % 5}", f"p{i}", f"{1634764436 + i}"] for i in range(15)]
    rows.append(rows[0])
    p = _csv(tmp_path, ["id", "source", "target", "object_id", "timestamp"], rows)
    parts, whole = _streamed(monkeypatch, p, 4)
    _assert_identical(parts, whole)
    assert whole.rows_duplicate == 1
    # a type column of Gephi directions in one part and action types in another: not
    # directions (the unknown values are rejected), as read at once
    rows = [[f"u{i}", f"u{i + 1}", f"{1634764436 + i}", "Directed" if i < 8 else "retweet"]
            for i in range(16)]
    p = _csv(tmp_path, ["source", "target", "timestamp", "type"], rows)
    parts, whole = _streamed(monkeypatch, p, 8, max_rejected=1)
    _assert_identical(parts, whole)
    assert whole.rows_rejected == 8 and "type" in whole.mapping
    # directions in every part: ignored, noted once (and with an id repeated across parts)
    for ids in (range(16), [i % 12 for i in range(16)]):
        rows = [[str(k), f"u{i}", f"u{i + 1}", f"{1634764436 + i}", "Directed"]
                for k, i in zip(ids, range(16))]
        p = _csv(tmp_path, ["id", "source", "target", "timestamp", "type"], rows)
        parts, whole = _streamed(monkeypatch, p, 4)
        _assert_identical(parts, whole)
        assert "type" not in whole.mapping and sum("Gephi" in n for n in parts.notes) == 1


@pytest.mark.parametrize("data, match", [
    ("source,target,timestamp\n", "header but no data rows"),
    ('source,target,timestamp\n"a,b,1634764436\n', "none of the 1 records could be read"),
    ("source,target,timestamp\n,,\n,,\n", "no usable rows|cannot be used"),
])
def test_parts_report_bad_files_as_the_whole_file(tmp_path, monkeypatch, data, match):
    p = tmp_path / "bad.csv"
    p.write_text(data, encoding="utf-8")
    with pytest.raises(coordnet.InputError, match=match) as whole:
        coordnet.read_actions(p)
    monkeypatch.setattr(coordnet.io, "_STREAM_BYTES", 0)
    monkeypatch.setattr(coordnet.io, "_PART_ROWS", 1)
    with pytest.raises(coordnet.InputError) as parts:
        coordnet.read_actions(p)
    assert str(parts.value) == str(whole.value)


def test_merged_codes_are_one_encoding_of_all_rows():
    from coordnet.io import _dict_codes, _merge_codes

    parts = [["b", None, "a", "b"], [], ["c", "a", None], [None]]
    got = _merge_codes([_dict_codes(pa.array(p, type=pa.string())) for p in parts])
    want = _dict_codes(pa.array(sum(parts, []), type=pa.string()))
    assert got[0].tolist() == want[0].tolist() == [0, -1, 1, 0, 2, 1, -1, -1]
    assert got[1].to_pylist() == want[1].to_pylist() == ["b", "a", "c"]


# -------------------------------------------------- stray quotes


def _rows_csv(tmp_path, n, change=None, name="s.csv"):
    """``id,source,target,object_id,timestamp`` with ``n`` rows (data row i on line i + 1);
    ``change``: {data row: its line}."""
    lines = [f"rt{i},u{i},t{i % 3},p{i % 4},{1634764436 + i}" for i in range(1, n + 1)]
    for i, line in (change or {}).items():
        lines[i - 1] = line
    p = tmp_path / name
    p.write_text("id,source,target,object_id,timestamp\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return p


def test_a_quote_never_closed_loses_its_line_only(tmp_path, monkeypatch):
    """A stray quote used to swallow every line after it into one field (one rejected row
    for the rest of the file): its line is now left out, and the lines after it are read."""
    p = _rows_csv(tmp_path, 20, {6: 'rt6,"u6,t0,p2,1634764442'})  # line 7
    res = coordnet.read_actions(p)
    assert (res.rows_read, res.rows_kept, res.rows_rejected) == (20, 19, 1)
    assert sorted(res.actions["source"].astype(str)) == sorted(f"u{i}" for i in range(1, 21) if i != 6)
    row = res.rejected.iloc[0]
    assert row["row"] == 7 and "never closed" in row["reason"] and row["raw"] == 'rt6,"u6,t0,p2,1634764442'
    parts, whole = _streamed(monkeypatch, p, 4)  # a large file read part by part: the same
    _assert_identical(parts, whole)
    gz = tmp_path / "s.csv.gz"  # compressed: decompressed first, then checked the same way
    gz.write_bytes(gzip.compress(p.read_bytes()))
    res_gz = coordnet.read_actions(gz)
    assert (res_gz.rows_kept, res_gz.rejected["row"].tolist()) == (19, [7])
    bom = tmp_path / "bom.csv"  # with a byte-order mark, read as utf-8-sig: the same
    bom.write_bytes(b"\xef\xbb\xbf" + p.read_bytes())
    res_bom = coordnet.read_actions(bom, encoding="utf-8-sig")
    assert (res_bom.rows_kept, res_bom.rejected["row"].tolist()) == (19, [7])
    cr = tmp_path / "cr.csv"  # lines ended by a lone \r (old Mac exports): the same
    cr.write_bytes(p.read_bytes().replace(b"\n", b"\r"))
    res_cr = coordnet.read_actions(cr)
    assert (res_cr.rows_kept, res_cr.rejected["row"].tolist()) == (19, [7])


def test_quoted_values_longer_than_the_limit_start_at_a_stray_quote(tmp_path, monkeypatch):
    """Two stray quotes far apart: the first's field would run to the second (more than
    _MAX_QUOTED_BYTES), the second's to the end: both lines are left out. A quoted value
    over two lines, shorter than the limit, is one value as before."""
    monkeypatch.setattr(coordnet.io, "_MAX_QUOTED_BYTES", 100)
    p = _rows_csv(tmp_path, 30, {3: 'rt3,"u3,t0,p3,1634764439', 25: 'rt25,"u25,t1,p1,1634764461',
                                 10: 'rt10,"u10\nsecond line",t1,p2,1634764446'})
    res = coordnet.read_actions(p, max_rejected=1)
    assert (res.rows_kept, res.rows_rejected) == (28, 2)
    assert res.rejected["row"].tolist() == [4, 27]  # (line 11 holds the second line of row 10)
    assert "u10\nsecond line" in set(res.actions["source"].astype(str))


def test_stray_quotes_that_close_each_other_reject_the_rows_they_merged(tmp_path):
    """Two stray quotes a few lines apart close each other: the rows between them became one
    field of one record. Its account name holds whole records of the file, so it is
    rejected, and the reason says how many lines it swallowed (lines 4 to 9: 6)."""
    p = _rows_csv(tmp_path, 20, {3: 'rt3,"u3,t0,p3,1634764439', 8: 'rt8,"u8,t2,p0,1634764444'})
    res = coordnet.read_actions(p, max_rejected=1)
    assert (res.rows_read, res.rows_kept, res.rows_rejected) == (15, 14, 1)
    assert "'source' runs over 6 lines" in res.rejected["reason"].iloc[0]
    kept = set(res.actions["source"].astype(str))
    assert kept == {f"u{i}" for i in range(1, 21) if not 3 <= i <= 8}
    for eol in (b"\r\n", b"\r"):  # Windows and old Mac line breaks: the same
        q = tmp_path / "eol.csv"
        q.write_bytes(p.read_bytes().replace(b"\n", eol))
        got = coordnet.read_actions(q, max_rejected=1)
        assert (got.rows_kept, got.rows_rejected) == (14, 1), eol
        assert "'source' runs over 6 lines" in got.rejected["reason"].iloc[0]


def test_a_stray_quote_far_from_the_next_no_longer_swallows_the_file(tmp_path):
    """Two stray quotes 400 000 lines apart: pyarrow makes everything between them one
    field (before: 24 rows kept of 400 000, one rejected, nothing else said). In a larger
    file, with a malformed row before, the same made pyarrow fail on a field longer than its
    16 MiB block and hang the process at exit (seen on 3 million rows). Both quotes' lines
    are now left out before pyarrow reads, and every other row is read."""
    n = 400_000
    p = _rows_csv(tmp_path, n, {10: "rt10,u10,t1,p2,1634764446,extra",
                                20: 'rt20,"u20,t2,p0,1634764456', n - 5: f'rt{n - 5},"x,t0,p1,1634764436'})
    res = coordnet.read_actions(p)
    assert (res.rows_read, res.rows_kept, res.rows_rejected) == (n, n - 3, 3)
    assert res.rejected["row"].tolist() == [11, 21, n - 4]


def test_bad_jsonl_lines_among_many_are_found_block_by_block(tmp_path, monkeypatch):
    """A few bad lines in JSON Lines no longer send every line through Python's json: pyarrow
    checks blocks of lines, only a failing block is decoded line by line, and the rest is
    read at once, as the same file without the bad lines is."""
    monkeypatch.setattr(coordnet.io, "_JSONL_BLOCK_LINES", 8)
    recs = [json.dumps({"source": f"u{i}", "target": f"t{i % 3}", "timestamp": 1634764436 + i,
                        "object_id": f"p{i % 5}", "entities": {"x": [i]}}) for i in range(40)]
    bad = {2: "{not json", 26: '{"source": "u26",}'}  # lines 3 and 27
    lines = [bad.get(i, r) for i, r in enumerate(recs)]
    decoded, real, find = [], json.loads, coordnet.io._jsonl_bad_lines

    def counted(*a):  # the lines Python decodes while the bad ones are looked for
        with monkeypatch.context() as m:
            m.setattr(coordnet.io.json, "loads", lambda t, *b, **k: decoded.append(t) or real(t, *b, **k))
            return find(*a)

    monkeypatch.setattr(coordnet.io, "_jsonl_bad_lines", counted)
    res = coordnet.read_actions(write(tmp_path, "b.jsonl", "\n".join(lines) + "\n"), max_rejected=1)
    assert len(decoded) == 16  # the two blocks of 8 lines that hold a bad line, not all 40
    assert res.rejected["row"].tolist() == [3, 27]
    assert all(r.startswith("invalid JSON") for r in res.rejected["reason"])
    clean = coordnet.read_actions(write(tmp_path, "c.jsonl", "\n".join(r for i, r in enumerate(recs)
                                                                       if i not in bad) + "\n"))
    pd.testing.assert_frame_equal(res.actions, clean.actions)
    # mixed types in a column as well: the careful path, as before (the same rows)
    lines[10] = json.dumps({"source": 5, "target": "t1", "timestamp": 1634764446, "object_id": "p0"})
    mixed = coordnet.read_actions(write(tmp_path, "m.jsonl", "\n".join(lines) + "\n"), max_rejected=1)
    assert mixed.rejected["row"].tolist() == [3, 27] and mixed.rows_kept == 38
    assert "5" in set(mixed.actions["source"].astype(str))


def test_a_stray_quote_in_a_large_compressed_file_is_explained(tmp_path, monkeypatch):
    """A compressed file large enough to be read in parts is not scanned for stray quotes:
    pyarrow's "straddling object" error becomes a message saying what it most likely is
    and how to get past it."""
    p = _rows_csv(tmp_path, 60, {6: 'rt6,"u6,t0,p2,1634764442'})
    gz = tmp_path / "s.csv.gz"
    gz.write_bytes(gzip.compress(p.read_bytes()))
    monkeypatch.setattr(coordnet.io, "_STREAM_BYTES", 0)
    monkeypatch.setattr(coordnet.io, "_BLOCK_SIZE", 256)
    with pytest.raises(coordnet.InputError, match="a quote .* never closed, most likely") as e:
        coordnet.read_actions(gz)
    assert "decompress the file" in e.value.hint


def test_repeated_ids_are_compared_on_codes_as_the_pandas_rules_say(tmp_path):
    """Rows repeating an earlier row exactly (same id, same cleaned values) are counted once;
    rows sharing an id with other content are all kept, with a note. A CSV decides it on the
    column codes (no text table); a DataFrame on pandas' text: the same rows and notes."""
    rows = [["1", "u1", "t1", "p1", "1634764436"],
            ["1", " u1", "t1 ", "p1", "1634764436"],  # the same after cleaning: a repeat
            ["2", "u2", "t1", "p1", "1634764437"],
            ["2", "u2", "t1", "p1", "1634764438"],  # another time: kept (a clash)
            ["3", "u3", "", "p2", "1634764439"],
            ["3", "u3", "", "p2", "1634764439"],  # a repeat, with an empty target
            ["", "u4", "t2", "p2", "1634764440"],
            ["", "u4", "t2", "p2", "1634764440"],  # no id: never a repeat
            ["1", "u1", "t1", "p1", "1634764436"]]  # a third copy
    cols = ["id", "source", "target", "object_id", "timestamp"]
    csv_res = coordnet.read_actions(_csv(tmp_path, cols, rows))
    df_res = coordnet.read_actions(pd.DataFrame(rows, columns=cols).replace("", None))
    assert csv_res.rows_duplicate == df_res.rows_duplicate == 3
    assert csv_res.notes == df_res.notes
    assert any("1 id(s) appear on rows with different content" in n for n in csv_res.notes)
    pd.testing.assert_frame_equal(csv_res.actions, df_res.actions)


def test_twitter_dates_read_by_pyarrow_as_by_the_general_rules():
    """A block of Twitter dates is parsed by pyarrow only when every value is one as Twitter
    writes it on a real day; the result is what parse_timestamps gives. Other blocks
    (a day its month lacks, full names, a two-digit year) go to parse_timestamps."""
    from coordnet.io import _NAT, _parse_timestamps_arrow, _twitter_ms

    good = ["Fri Mar 08 00:02:39 +0000 2024", "Wed Oct 20 21:13:56 +0200 2021", "",
            "Sun Feb 29 23:59:59 -0530 2004", "Thu Mar 31 23:30:00 -0100 2022"]
    ms = _twitter_ms(pa.array(good))
    ts, why = parse_timestamps(pd.Series(good))
    assert ms.tolist() == [_NAT if pd.isna(x) else x.value // 10**6 for x in ts]
    assert ms.tolist()[:2] == [1709856159000, 1634757236000]
    for odd in ("Fri Feb 30 00:00:00 +0000 2024", "Friday March 08 00:02:39 +0000 2024",
                "Fri Mar 08 00:02:39 +0000 24", "Fri Mar 08 24:00:00 +0000 2024"):
        assert _twitter_ms(pa.array(good + [odd])) is None, odd
        got, rows, reasons = _parse_timestamps_arrow(pa.chunked_array([good + [odd]]))
        assert rows.tolist()[-1] == 5 and "unrecognised timestamp" in reasons[-1]
