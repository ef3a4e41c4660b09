"""The command line: outputs, determinism, the config/CLI agreement, the error contract."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import click
import networkx as nx
import pandas as pd
import pytest
from click.testing import CliRunner

import coordnet
from coordnet.cli import cli
from coordnet.config import Config

TOY = str(coordnet.datasets.toy_path())


def run(*args, **kw):
    return CliRunner().invoke(cli, [str(a) for a in args], **kw)


def test_version():
    r = run("--version")
    assert r.exit_code == 0 and coordnet.__version__ in r.output


def test_graph_on_toy_writes_every_output(tmp_path):
    out = tmp_path / "out"
    r = run("graph", TOY, "-o", out)
    assert r.exit_code == 0, r.output
    for name in ("accounts.csv", "amplification.csv", "coaction.csv", "evidence.csv",
                 "graph.graphml", "graph.gexf", "coaction.gexf", "coaction.graphml", "summary.json"):
        assert (out / name).is_file(), name
    assert not list(out.glob(".*tmp")), "temporary files left behind"
    # what was read is printed: rows, accounts, period, mapping
    assert "36 read, 36 kept, 0 rejected" in r.output
    assert "'retweeter' → source" in r.output
    assert "2024-03-08T20:00:05+00:00" in r.output
    s = json.loads((out / "summary.json").read_text())
    assert s["coordnet_version"] == coordnet.__version__
    assert s["parameters"] == Config().to_dict()
    assert s["input"]["input_sha256"] == __import__("hashlib").sha256(Path(TOY).read_bytes()).hexdigest()
    assert (s["rows_read"], s["rows_kept"], s["rows_rejected"]) == (36, 36, 0)
    ev = pd.read_csv(out / "evidence.csv")
    assert {"account_a", "account_b", "object_id", "gap_s"} <= set(ev.columns)
    assert (ev["account_a"].astype(str) < ev["account_b"].astype(str)).all()
    co = pd.read_csv(out / "coaction.csv")
    assert len(co) == s["graphs"]["coaction_edges"] == 12


def test_gephi_files_open_and_match_the_tables(tmp_path):
    out = tmp_path / "out"
    assert run("graph", TOY, "-o", out).exit_code == 0
    amp = pd.read_csv(out / "amplification.csv")
    # graph.gexf is dynamic (timeformat datetime, which networkx's GEXF reader does not
    # know): parse it as XML
    root = ET.parse(out / "graph.gexf").getroot()
    ns = "{http://gexf.net/1.3}"
    assert root.find(f"{ns}graph").get("defaultedgetype") == "directed"
    edges = {(e.get("source"), e.get("target")): e for e in root.iter(f"{ns}edge")}
    assert len(edges) == len(amp)
    h = nx.read_graphml(out / "graph.graphml")
    assert h.number_of_edges() == len(amp)
    # edge weight = number of actions; "type" is never an attribute (GEXF reserves it)
    r = amp.sort_values("weight").iloc[-1]
    assert float(edges[r.source, r.target].get("weight")) == r.weight
    assert edges[r.source, r.target].get("start") == r.first_time
    titles = [a.get("title") for a in root.iter(f"{ns}attribute")]
    assert "type" not in titles
    c = ET.parse(out / "coaction.gexf").getroot()
    assert c.find(f"{ns}graph").get("defaultedgetype") == "undirected"
    assert len(list(c.iter(f"{ns}edge"))) == 12


def test_same_input_same_bytes(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    assert run("graph", TOY, "-o", a).exit_code == 0
    assert run("graph", TOY, "-o", b).exit_code == 0
    for f in sorted(a.iterdir()):
        if f.name == "summary.json":
            sa, sb = json.loads(f.read_text()), json.loads((b / f.name).read_text())
            sa.pop("runtime_s"), sb.pop("runtime_s")
            assert sa == sb
        else:
            assert f.read_bytes() == (b / f.name).read_bytes(), f.name


@pytest.mark.parametrize("command, stages", [("graph", {"graph"}), ("analyze", {"graph", "detect"})])
def test_cli_options_come_from_config(command, stages):
    """Every Config field of the command's stages is an option with the same default and help;
    `analyze` takes every field."""
    params = {p.name: p for p in cli.commands[command].params}
    fields = [f for f in dataclasses.fields(Config) if f.metadata["stage"] in stages]
    if command == "analyze":
        assert len(fields) == len(dataclasses.fields(Config))
    for f in fields:
        assert f.name in params, f"--{f.name.replace('_', '-')} missing from {command}"
        default = params[f.name].default
        if isinstance(f.default, tuple):
            assert Config(**{f.name: default}) == Config(), f.name
        else:
            assert default == f.default, f.name
        assert params[f.name].help == f.metadata["help"]


def test_options_change_the_result(tmp_path):
    out = tmp_path / "o"
    r = run("graph", TOY, "-o", out, "--window", "5", "--action-types", "retweet,reply")
    assert r.exit_code == 0, r.output
    s = json.loads((out / "summary.json").read_text())
    assert s["parameters"]["window"] == 5.0
    assert s["parameters"]["action_types"] == ["retweet", "reply"]
    co = pd.read_csv(out / "coaction.csv")
    assert (co["min_gap_s"] <= 5).all() and len(co) < 12


def test_quiet_prints_nothing(tmp_path):
    r = run("-q", "graph", TOY, "-o", tmp_path / "o")
    assert r.exit_code == 0 and r.output == ""


@pytest.mark.parametrize("args, code, text", [
    (["graph", "missing.csv", "-o", "{tmp}/o"], 1, "no such file"),
    (["graph", TOY, "-o", "{tmp}/o", "--window", "-3"], 1, "window"),
    (["graph", TOY, "-o", "{tmp}/o", "--action-types", "like"], 1, "unknown action type"),
    (["graph", TOY, "-o", "{tmp}/o", "--source-col", "nope"], 1, "no column named 'nope'"),
    (["graph", TOY, "-o", "{tmp}/o", "--window", "abc"], 2, "not a valid float"),
    (["graph", TOY, "-o", "{tmp}/o", "--nope"], 2, "No such option"),
    (["graph", TOY, "-o", "{tmp}/o", "--engine", "bogus"], 2, "is not one of 'duckdb', 'numpy', 'spark'"),
    (["graph", TOY], 2, "Missing option"),
])
def test_errors_exit_non_zero_without_traceback(tmp_path, args, code, text):
    r = run(*[a.replace("{tmp}", str(tmp_path)) for a in args])
    assert r.exit_code == code, r.output
    assert text in r.output
    assert "Traceback" not in r.output


def test_non_empty_output_folder_needs_force(tmp_path):
    out = tmp_path / "o"
    assert run("graph", TOY, "-o", out).exit_code == 0
    r = run("graph", TOY, "-o", out)
    assert r.exit_code == 1 and "not empty" in r.output and "--force" in r.output
    assert run("graph", TOY, "-o", out, "--force").exit_code == 0


def test_unexpected_errors_are_reported_as_bugs(tmp_path, monkeypatch):
    import coordnet.pipeline as p

    def boom(*a, **k):
        raise RuntimeError("kaboom")
    monkeypatch.setattr(p, "build_graphs", boom)
    r = run("graph", TOY, "-o", tmp_path / "o")
    assert r.exit_code == 1 and "bug in coordnet" in r.output and "Traceback" not in r.output
    r = run("--debug", "graph", TOY, "-o", tmp_path / "o2")
    assert r.exit_code == 1


def test_python_dash_m(tmp_path):
    p = subprocess.run([sys.executable, "-m", "coordnet", "--version"], capture_output=True, text=True)
    assert p.returncode == 0 and coordnet.__version__ in p.stdout


def test_library_is_silent(tmp_path, capsys):
    coordnet.run_graph(TOY, tmp_path / "o")
    cap = capsys.readouterr()
    assert cap.out == "" and cap.err == ""


def test_only_cli_imports_click():
    pkg = Path(coordnet.__file__).parent
    offenders = [p.name for p in pkg.glob("*.py") if p.name != "cli.py" and "import click" in p.read_text()]
    assert offenders == []


def test_simulate_options_come_from_the_simulation_dataclasses():
    """`coordnet simulate` shows and uses the defaults of SimParams / GroupSpec."""
    cmd = cli.get_command(click.Context(cli), "simulate")
    opts = {p.name: p.default for p in cmd.params if isinstance(p, click.Option)}
    sim, group = coordnet.SimParams(groups=()), coordnet.GroupSpec()
    for opt, value in [("seed", sim.seed), ("accounts", sim.n_accounts), ("actions", sim.n_actions),
                       ("hours", sim.hours), ("group_size", group.size),
                       ("group_posts", group.n_posts), ("participation", group.participation),
                       ("targets", group.targets), ("jitter", group.jitter),
                       ("camouflage", group.camouflage), ("rotation", group.rotation)]:
        assert opts[opt] == value, opt


@pytest.mark.skipif(sys.platform == "win32", reason="raises POSIX signals")
@pytest.mark.parametrize("signame, code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_an_interrupt_swallowed_on_the_way_still_ends_the_run_as_interrupted(tmp_path, monkeypatch,
                                                                           signame, code):
    """Ctrl-C (or kill) during a command whose KeyboardInterrupt some code catches and drops:
    the run goes on and finishes its files, but ends as interrupted (never exit 0)."""
    import signal
    import time

    import coordnet.cli as cl
    import coordnet.pipeline as pl

    sig = getattr(signal, signame)
    real, swallowed = pl.run_graph, []

    def careless(*a, **k):  # what a library with a broad `except BaseException` would do
        try:
            signal.raise_signal(sig)
            for _ in range(2000):  # (the handler runs at the next bytecode boundary)
                time.sleep(0.0005)
        except KeyboardInterrupt as e:
            swallowed.append(type(e).__name__)
        return real(*a, **k)

    monkeypatch.setattr(pl, "run_graph", careless)
    if sig == signal.SIGTERM:  # installed by the console entry point, main()
        old = signal.signal(signal.SIGTERM, cl._on_sigterm)
    try:
        out = tmp_path / "out"
        r = run("graph", TOY, "-o", out)
    finally:
        if sig == signal.SIGTERM:
            signal.signal(signal.SIGTERM, old)
    assert swallowed == (["KeyboardInterrupt"] if sig == signal.SIGINT else ["_Terminated"])
    assert r.exit_code == code, r.output
    assert "Interrupted: no output file was left half-written" in r.stderr
    assert "Traceback" not in r.output
    assert json.loads((out / "summary.json").read_text())["rows_kept"] == 36  # the run finished
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
