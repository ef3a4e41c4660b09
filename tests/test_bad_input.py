"""Bad input never crashes: each case exits 1 with a message naming the file and the fix."""

from __future__ import annotations

import bz2
import gzip
import json
import os

import pytest
import zstandard
from click.testing import CliRunner

import coordnet
from coordnet.cli import cli

GOOD = "source,target,time\n" + "".join(f"u{i},v{i % 3},{1634764436 + i}\n" for i in range(40))


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def make(tmp_path, name, data):
    p = tmp_path / name
    if isinstance(data, bytes):
        p.write_bytes(data)
    else:
        p.write_text(data, encoding="utf-8")
    return p


LONG = "x" * 20_000_000  # one 20 MB cell: larger than pyarrow's 16 MiB parsing block
PLATFORM_OK = [json.dumps({"id_str": str(i), "created_at": "Wed Oct 20 21:13:56 +0000 2021",
                           "user": {"screen_name": f"u{i}"},
                           "retweeted_status": {"id_str": "9", "user": {"screen_name": "s"}}})
               for i in range(3)]

# Inputs that cannot be analysed: exit 1, "Error: <file>: …" naming the file (and the row or
# column when there is one) and a "Fix: …" line; the text expected in the message.
CASES = {
    "empty file": ("e.csv", b"", "the file is empty"),
    "whitespace only": ("w.csv", b" \n\n  \n", "the file is empty"),
    "header only": ("h.csv", "source,target,time\n", "no data rows"),
    "wrong delimiter": ("d.csv", "source target time\n" + "a b 1634764436\n" * 3,
                        "only one column was found ('source target time'); the delimiter looks wrong"),
    "missing required columns": ("m.csv", "foo,bar\n1,2\n", "no column for the acting account"),
    "only a source column": ("s.csv", "source,time\na,1634764436\n", "no column for the amplified"),
    "binary junk": ("j.csv", bytes(range(256)) * 40, "binary"),
    "truncated gzip": ("t.csv.gz", gzip.compress(GOOD.encode())[:60], "truncated or corrupt"),
    "truncated zstd": ("t.csv.zst", zstandard.ZstdCompressor().compress(GOOD.encode())[:50],
                       "truncated or corrupt"),
    "truncated bzip2": ("t.csv.bz2", bz2.compress(GOOD.encode())[:60], "truncated or corrupt"),
    "not UTF-8": ("l.csv", "source,target\ncaf\xe9,b\n".encode("latin-1"), "not valid utf-8"),
    "not UTF-8, last bytes of a short file": ("z.csv", b"source,target\na,\x80", "not valid utf-8"),
    "unparseable timestamps": ("u.csv", "source,target,time\n" + "a,b,soon\n" * 5,
                               "row 1: 'time': unrecognised timestamp 'soon'"),
    "out-of-range timestamps": ("r.csv", "source,target,time\n" + "a,b,1\n" * 5,
                                "row 1: 'time': timestamp 1970-01-01T00:00:01+00:00 out of range"),
    "mixed types in a column": ("x.csv", "source,target,weight\n" + "a,b,1\na,b,two\n" * 3,
                                "row 2: 'weight': weight must be a positive number"),
    # (the line of the stray quote is left out; the line after it is read: 1 of 2 rejected)
    "unclosed quote in the header": ("hq.csv", 'source,"target\na,b\nc,d\n', "header line (line 1) has a quote"),
    "unclosed quote": ("q.csv", 'source,target\n"a,b\nc,d\n', "row 2: malformed line: a quote"),
    "invalid JSON": ("x.jsonl", "{not json\n{also not\n", "none of the 2 records could be read"),
    "JSON not a list of objects": ("y.json", "[1, 2, 3]", "not a list of objects"),
    "duplicated column names": ("dup.csv", "source,source,target\na,b,c\n", "more than once"),
    "platform: malformed JSON lines": ("tw.jsonl", "\n".join(PLATFORM_OK + ["{cut"] * 2),
                                       "2 of 5 records (40%) cannot be used"),
    "platform: nothing amplified": ("p.jsonl", '{"id_str": "1", "user": {"screen_name": "a"}, '
                                    '"text": "hi"}\n', "no retweets, quotes, replies or mentions"),
    "platform: truncated Telegram export": ("result.json", '{"name": "c", "type": '
                                            '"public_channel", "messages": [', "not valid JSON"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_gets_a_clear_message(tmp_path, case):
    name, data, text = CASES[case]
    path = make(tmp_path, name, data)
    r = run("graph", path, "-o", tmp_path / "out")
    assert r.exit_code == 1, r.output
    assert "Traceback" not in r.output
    assert r.output.startswith("Error: ")
    assert str(path) in r.output or name in r.output
    assert "Fix:" in r.output
    if text:
        assert text in r.output
    # the library raises the documented error type, never anything else
    with pytest.raises(coordnet.CoordnetError):
        coordnet.read_actions(path)


# Odd but valid inputs: analysed (exit 0), every row accounted for, and the output says what
# was done: (file, data, (rows read, kept, rejected, duplicate), text expected in the output).
ACCEPTED = {
    "UTF-8 with BOM": ("bom.csv", b"\xef\xbb\xbf" + GOOD.encode(), (40, 40, 0, 0), "'source' → source"),
    "Windows line ends": ("crlf.csv", GOOD.replace("\n", "\r\n"), (40, 40, 0, 0), "40 kept"),
    "embedded newlines and quotes": (
        "nl.csv", 'source,target,time\n"multi\nline ""quoted""",b,1634764436\n'
        + GOOD.split("\n", 1)[1], (41, 41, 0, 0), "41 kept"),
    "very long field": ("long.csv", f"source,target,time\n{LONG},b,1634764436\n"
                        + GOOD.split("\n", 1)[1], (41, 41, 0, 0), "41 kept"),
    "duplicate rows": ("dups.csv", "id,source,target,time\n" + "".join(
        f"{i},u{i},v{i % 3},{1634764436 + i}\n" for i in range(40)) + "3,u3,v0,1634764439\n" * 2,
        (42, 40, 0, 2), "2 row(s) repeat an earlier row exactly (same id): each action is counted once"),
    "self-loops": ("self.csv", GOOD + "u1,u1,1634764500\n", (41, 41, 0, 0),
                   "1 self-amplification(s) (an account amplifying itself) left out of the graphs"),
    "mixed number/text ids (JSON)": ("mixed.jsonl", "".join(
        '{"id": %s, "source": "u%d", "target": "v%d", "time": %d}\n'
        % (i if i % 2 else f'"{i}"', i, i % 3, 1634764436 + i) for i in range(40)),
        (40, 40, 0, 0), "40 kept"),
    "one bad timestamp among many": ("one.csv", GOOD + "z,b,2150-01-01\n", (41, 40, 1, 0),
                                     "1 × 'time': timestamp 2150-01-01T00:00:00+00:00 out of range"),
}


@pytest.mark.parametrize("case", list(ACCEPTED))
def test_odd_but_valid_input_is_analysed_and_accounted_for(tmp_path, case):
    name, data, counts, text = ACCEPTED[case]
    path = make(tmp_path, name, data)
    out = tmp_path / "out"
    r = run("graph", path, "-o", out)
    assert r.exit_code == 0, r.output
    assert text in r.output
    s = json.loads((out / "summary.json").read_text())
    assert (s["rows_read"], s["rows_kept"], s["rows_rejected"], s["rows_duplicate"]) == counts
    assert (out / "rejected.csv").exists() == bool(counts[2])


def test_long_field_and_quotes_keep_their_exact_value(tmp_path):
    res = coordnet.read_actions(make(tmp_path, "l.csv", ACCEPTED["very long field"][1]))
    assert res.actions["source"].iloc[0] == LONG
    res = coordnet.read_actions(make(tmp_path, "n.csv", ACCEPTED["embedded newlines and quotes"][1]))
    assert res.actions["source"].iloc[0] == 'multi\nline "quoted"'


def test_wrong_delimiter_is_explained(tmp_path):
    p = make(tmp_path, "d.csv", "source|target|time\n" + "a|b|1634764436\n" * 3)
    # the pipe is sniffed; forcing a comma leaves one column, and the message says why
    r = run("graph", p, "-o", tmp_path / "o", "--delimiter", ",")
    assert r.exit_code == 1 and "delimiter looks wrong" in r.output
    assert "Fix: name the delimiter with --delimiter '|'" in r.output  # the one in the header
    assert run("graph", p, "-o", tmp_path / "o2").exit_code == 0


def test_missing_path_and_directory(tmp_path):
    r = run("graph", tmp_path / "nope.csv", "-o", tmp_path / "o")
    assert r.exit_code == 1 and "no such file" in r.output
    r = run("graph", tmp_path, "-o", tmp_path / "o")
    assert r.exit_code == 1 and "is a folder" in r.output


def test_unknown_format_is_a_usage_error(tmp_path):
    p = make(tmp_path, "g.csv", GOOD)
    r = run("graph", p, "-o", tmp_path / "o", "--format", "xlsx")
    assert r.exit_code == 2 and "Invalid value" in r.output
    with pytest.raises(coordnet.ConfigError):
        coordnet.read_actions(p, format="xlsx")


def test_output_folder_problems(tmp_path):
    p = make(tmp_path, "g.csv", GOOD)
    f = make(tmp_path, "afile", "x")
    r = run("graph", p, "-o", f)
    assert r.exit_code == 1 and "is a file" in r.output
    # a folder that cannot be created, whoever runs the test (root can write anywhere else)
    r = run("graph", p, "-o", f / "sub")
    assert r.exit_code == 1 and r.output.startswith(f"Error: {f / 'sub'}: cannot write to the output folder")
    assert "Fix: choose a folder you can write to with -o" in r.output
    if os.geteuid() != 0:  # root can write anywhere
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        r = run("graph", p, "-o", ro / "sub")
        assert r.exit_code == 1 and "cannot write" in r.output


def test_partly_bad_file_is_analysed_and_reported(tmp_path):
    data = GOOD + "bad,row,notatime\n"
    p = make(tmp_path, "p.csv", data)
    out = tmp_path / "o"
    r = run("graph", p, "-o", out)
    assert r.exit_code == 0, r.output
    assert "1 rejected" in r.output
    s = json.loads((out / "summary.json").read_text())
    assert (s["rows_read"], s["rows_kept"], s["rows_rejected"]) == (41, 40, 1)
    rej = (out / "rejected.csv").read_text()
    assert "notatime" in rej and "unrecognised timestamp" in rej and '"41"' not in rej


def test_too_many_bad_rows_writes_rejected_before_failing(tmp_path):
    p = make(tmp_path, "b.csv", "source,target,time\n" + "a,b,never\n" * 10 + "a,b,1634764436\n")
    out = tmp_path / "o"
    r = run("graph", p, "-o", out)
    assert r.exit_code == 1 and "--max-rejected" in r.output and "rejected.csv" in r.output
    assert (out / "rejected.csv").read_text().count(",\"never\"\n") == 10  # one line per bad row
    r = run("graph", p, "-o", tmp_path / "o2", "--max-rejected", "1")
    assert r.exit_code == 0


def test_debug_shows_the_traceback(tmp_path):
    args = ["graph", str(tmp_path / "none.csv"), "-o", str(tmp_path / "o")]
    r = CliRunner().invoke(cli, ["--debug", *args])
    assert r.exit_code == 1 and "Traceback (most recent call last)" in r.output
    assert "no such file" in r.output
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 1 and "Traceback" not in r.output


def test_existing_output_folder_is_refused_unless_force(tmp_path):
    p = make(tmp_path, "g.csv", GOOD)
    out = tmp_path / "o"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    r = run("graph", p, "-o", out)
    assert r.exit_code == 1 and r.output.startswith(f"Error: {out}: the output folder is not empty")
    assert "Fix: choose a new folder with -o, or pass --force" in r.output
    assert run("graph", p, "-o", out, "--force").exit_code == 0
    assert (out / "notes.txt").read_text() == "mine"  # --force overwrites only coordnet's files


EVIL = {
    "squad_1": '=HYPERLINK("http://evil.example","click")',
    "squad_2": "<script>alert(1)</script>",
    "squad_3": "@SUM(A1:A9)",
    "squad_4": "+33 6 12",
    "squad_5": "-2+3",
    "org_088": '=cmd|"/C calc"!A0',
}


def test_markup_and_formulas_in_account_names_are_neutralised(tmp_path):
    import csv
    import xml.etree.ElementTree as ET

    import pandas as pd

    df = pd.read_csv(coordnet.datasets.campaign_path(), dtype=str)
    for c in ("source", "target"):
        df[c] = df[c].replace(EVIL)
    p = tmp_path / "evil.csv"
    df.to_csv(p, index=False)
    out = tmp_path / "o"
    r = run("analyze", p, "-o", out, "--no-figures")
    assert r.exit_code == 0, r.output
    seen = set()
    for f in out.glob("*.csv"):
        with open(f, newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
                        float(cell)  # only numbers may start like a formula
                    if cell.startswith("'") and cell[1:] in EVIL.values():
                        seen.add(cell[1:])
                    if cell == EVIL["squad_2"]:  # markup is harmless text in a CSV
                        seen.add(cell)
    assert seen == set(EVIL.values())  # every name written, each formula neutralised
    md = (out / "report.md").read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;" in md
    # the Gephi files keep the exact names (XML-escaped, parsed back unchanged)
    labels = {n.get("label") for n in ET.parse(out / "graph.gexf").getroot().iter(
        "{http://gexf.net/1.3}node")}
    assert set(EVIL.values()) <= labels


def test_json_null_lines_are_rejected_not_a_crash(tmp_path):
    # pyarrow 26's JSON reader segfaults on a block starting with null: never reach it
    lines = [json.dumps({"source": f"u{i}", "target": "v", "time": 1634764436 + i}) for i in range(40)]
    p = make(tmp_path, "n.jsonl", "null\n" + "\n".join(lines) + "\n")
    res = coordnet.read_actions(p)
    assert (res.rows_read, res.rows_kept, res.rows_rejected) == (41, 40, 1)
    assert res.rejected.iloc[0]["row"] == 1 and "not a JSON object" in res.rejected.iloc[0]["reason"]
    with pytest.raises(coordnet.InputError, match="none of the 1 records"):
        coordnet.read_actions(make(tmp_path, "only.jsonl", "null"))


@pytest.mark.parametrize("command", ["graph", "analyze"])
def test_a_failed_read_leaves_no_empty_output_folder(tmp_path, command):
    out = tmp_path / "new_out"
    r = CliRunner().invoke(cli, [command, str(tmp_path / "missing.csv"), "-o", str(out)])
    assert r.exit_code == 1 and "no such file" in r.output
    assert not out.exists()
    # an existing folder given by the user is left where it is
    out.mkdir()
    r = CliRunner().invoke(cli, [command, str(tmp_path / "missing.csv"), "-o", str(out)])
    assert r.exit_code == 1 and out.is_dir()


@pytest.mark.parametrize("fn", ["analyze", "build_graphs", "coaction", "amplification_edges",
                                "account_table", "synchrony_pairs"])
def test_library_functions_name_the_missing_columns_of_a_raw_table(fn):
    # a DataFrame as simulate() returns it (no type, no weight): not the canonical table;
    # the library says which columns are missing and how to convert, instead of a KeyError
    import pandas as pd

    from coordnet import detect

    raw = coordnet.simulate(n_accounts=60, n_posts=30, n_actions=300, seed=1).actions
    assert {"type", "weight"}.isdisjoint(raw.columns)
    call = getattr(detect, fn) if fn == "synchrony_pairs" else getattr(coordnet, fn)
    with pytest.raises(coordnet.InputError, match="has no 'type'") as e:
        call(raw)
    assert "from_dataframe" in str(e.value.hint)
    # converted, it runs
    call(coordnet.from_dataframe(raw).actions)
    with pytest.raises(coordnet.InputError, match="canonical actions table"):
        call(pd.DataFrame({"a": [1]}))


@pytest.mark.parametrize("fn", ["amplification_pairs", "cluster_core", "find_clusters", "validate_clusters",
                                "block_amplification", "time_to_amplify", "cluster_statistics"])
def test_detection_functions_name_the_columns_a_table_lacks(fn):
    import pandas as pd

    from coordnet import detect

    bad = pd.DataFrame({"x": [1, 2]})
    acc = pd.Series([1, 1], index=["a", "b"])
    calls = {
        "amplification_pairs": lambda: detect.amplification_pairs(bad),
        "cluster_core": lambda: detect.cluster_core(bad, resolution=0.5, min_size=4),
        "find_clusters": lambda: detect.find_clusters(bad, resolution=0.5, seed=1),
        "validate_clusters": lambda: detect.validate_clusters({1: ["a", "b"]}, bad, acc, n_null=10, seed=1),
        "block_amplification": lambda: detect.block_amplification(bad, ["a"], ["b"]),
        "time_to_amplify": lambda: detect.time_to_amplify(bad),
        "cluster_statistics": lambda: detect.cluster_statistics(bad, bad, bad, bad, ["a"], ["b"]),
    }
    with pytest.raises(coordnet.InputError, match="has no '") as e:
        calls[fn]()
    assert "column" in str(e.value)
    with pytest.raises(coordnet.InputError, match="must be a pandas DataFrame"):
        detect.find_clusters([("a", "b")], resolution=0.5, seed=1)


@pytest.mark.parametrize("option, value, says", [
    ("--leiden-runs", "0", "leiden_runs must be a whole number ≥ 1, got 0."),
    ("--n-null", "3", "n_null must be a whole number ≥ 10, got 3."),
    ("--alpha", "2", "alpha must be in (0, 1], got 2.0."),
    ("--resolution", "0", "resolution must be in (0, 1], got 0.0."),
])
def test_out_of_range_parameter_names_its_option_and_default(tmp_path, option, value, says):
    from coordnet.config import Config

    p = make(tmp_path, "g.csv", GOOD)
    r = run("analyze", p, "-o", tmp_path / "o", option, value)
    assert r.exit_code == 1, r.output
    field = option[2:].replace("-", "_")
    default = getattr(Config(), field)
    assert f"Error: {says}" in r.output
    assert f"Fix: use {option} with a " in r.output and f"(default {default})" in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
