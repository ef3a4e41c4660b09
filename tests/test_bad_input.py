"""Bad input never crashes: each case exits 1 with a message naming the file and the fix."""

from __future__ import annotations

import gzip
import json
import os

import pytest
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


CASES = {
    "empty file": ("e.csv", b"", "the file is empty"),
    "whitespace only": ("w.csv", b" \n\n  \n", "the file is empty"),
    "header only": ("h.csv", "source,target,time\n", "no data rows"),
    "wrong delimiter": ("d.csv", "source;target;time\n" + "a;b;1\n" * 3, None),
    "missing required columns": ("m.csv", "foo,bar\n1,2\n", "no column for the acting account"),
    "only a source column": ("s.csv", "source,time\na,1634764436\n", "no column for the amplified"),
    "binary junk": ("j.csv", bytes(range(256)) * 40, "binary"),
    "truncated gzip": ("t.csv.gz", gzip.compress(GOOD.encode())[:60], "truncated or corrupt"),
    "not UTF-8": ("l.csv", "source,target\ncaf\xe9,b\n".encode("latin-1"), "not valid utf-8"),
    "unparseable timestamps": ("u.csv", "source,target,time\n" + "a,b,soon\n" * 5, "cannot be used"),
    "invalid JSON": ("x.jsonl", "{not json\n{also not\n", "none of the 2 records could be read"),
    "JSON not a list of objects": ("y.json", "[1, 2, 3]", "not a list of objects"),
    "duplicated column names": ("dup.csv", "source,source,target\na,b,c\n", "more than once"),
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


def test_wrong_delimiter_is_explained(tmp_path):
    p = make(tmp_path, "d.csv", "source|target|time\n" + "a|b|1634764436\n" * 3)
    # the pipe is sniffed; forcing a comma leaves one column, and the message says why
    r = run("graph", p, "-o", tmp_path / "o", "--delimiter", ",")
    assert r.exit_code == 1 and "delimiter looks wrong" in r.output and "--delimiter" in r.output
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
    r = CliRunner().invoke(cli, ["--debug", "graph", str(tmp_path / "none.csv"), "-o", str(tmp_path / "o")])
    assert r.exit_code == 1
