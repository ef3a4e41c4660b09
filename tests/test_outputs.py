"""Journalist-ready outputs: report.html (escaped, self-contained, rendered in Chromium),
`coordnet plot` redrawing without recomputing, dynamic GEXF, spreadsheet-safe CSV."""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import coordnet
from coordnet.cli import cli

CAMPAIGN = str(coordnet.datasets.campaign_path())
SQUAD = {f"squad_{i}" for i in range(1, 9)}
EVIL = {"squad_1": "<script>alert(1)</script>", "squad_2": '=HYPERLINK("http://x")',
        "squad_3": "$\\alpha_{bad$"}
G = "{http://gexf.net/1.3}"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def evil(tmp_path_factory):
    """The campaign with hostile account names, analysed in French with figures."""
    d = tmp_path_factory.mktemp("evil")
    df = pd.read_csv(CAMPAIGN, dtype=str)
    for col in ("source", "target"):
        df[col] = df[col].replace(EVIL)
    df.to_csv(d / "evil.csv", index=False)
    r = run("analyze", d / "evil.csv", "-o", d / "o", "--lang", "fr")
    assert r.exit_code == 0, r.output
    return d / "o"


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    d = tmp_path_factory.mktemp("toy") / "o"
    r = run("analyze", coordnet.datasets.toy_path(), "-o", d)
    assert r.exit_code == 0, r.output
    return d


def test_report_html_escapes_every_name_and_is_self_contained(evil):
    page = (evil / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "=HYPERLINK(&#34;http://x&#34;)" in page  # shown as text, never a live link
    # nothing is fetched: images are data: URIs, no link/script elements, CSP forbids the rest
    srcs = re.findall(r'src="([^"]*)"', page)
    assert len(srcs) == 6 and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert not re.search(r"<link|https?://(?!x&#34;)", page)
    assert "default-src 'none'" in page
    assert '<html lang="fr">' in page and "Groupe 1 (indices forts)" in page
    # the member table lists all 8 amplifiers, hostile names included
    card = page[page.index('id="cluster-1"'):]
    assert card.count("<td>amplificateur</td>") == 8


def test_csv_cells_are_neutralised_for_spreadsheets(evil):
    acc = pd.read_csv(evil / "accounts.csv", dtype=str, keep_default_na=False)
    assert "'=HYPERLINK(\"http://x\")" in set(acc["account"])
    assert not acc["account"].str.match(r"[=+\-@]").any()
    ev = pd.read_csv(evil / "evidence.csv", dtype=str)
    assert not pd.concat([ev["account_a"], ev["account_b"]]).str.match(r"[=+\-@]").any()
    # the Parquet tables keep the exact names (what `coordnet plot` draws from)
    exact = pd.read_parquet(evil / "tables" / "accounts.parquet")
    assert set(EVIL.values()) <= set(exact["account"])


def test_figures_draw_hostile_names_literally(evil):
    svg = (evil / "figures" / "raster_1.svg").read_text()
    assert "<script" not in svg
    assert (evil / "figures" / "cluster_1.png").stat().st_size > 10_000


def test_nothing_flagged_says_so_and_still_shows_the_overview(toy):
    page = (toy / "report.html").read_text(encoding="utf-8")
    assert "No coordinated cluster was found" in page
    assert 'class="card"' not in page
    alts = re.findall(r'<img src="data:image/png;base64,[^"]+" alt="([^"]+)"', page)
    assert [a.split(":")[0] for a in alts] == ["Who amplifies whom", "Actions over time"]
    assert sorted(p.name for p in (toy / "figures").glob("*.png")) == ["network_map.png", "timeline.png"]


def test_no_figures_report_says_how_to_add_them(tmp_path):
    assert run("analyze", CAMPAIGN, "-o", tmp_path / "o", "--no-figures").exit_code == 0
    page = (tmp_path / "o" / "report.html").read_text()
    assert "data:image" not in page and "coordnet plot" in page
    assert not (tmp_path / "o" / "figures").exists()


def test_plot_redraws_without_recomputing(tmp_path, monkeypatch):
    out = tmp_path / "o"
    assert run("analyze", CAMPAIGN, "-o", out, "--no-figures").exit_code == 0
    import sys

    def boom(*a, **k):
        pytest.fail("recomputed")

    monkeypatch.setattr(sys.modules["coordnet.analyze"], "analyze", boom)
    monkeypatch.setattr(sys.modules["coordnet.pipeline"], "build_graphs", boom)
    monkeypatch.setattr(sys.modules["coordnet.pipeline"], "read_actions", boom)
    r = run("plot", out, "--lang", "fr", "--title", "Opération <X>", "--size", "9")
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert names == ["cluster_1.png", "delays.png", "matrix_1.png", "network_map.png",
                     "raster_1.png", "timeline.png"]
    from PIL import Image

    assert Image.open(out / "figures" / "timeline.png").size[0] == 9 * 200
    page = (out / "report.html").read_text()
    assert "<title>Opération &lt;X&gt;</title>" in page and page.count("data:image/png") == 6
    r = run("plot", out, "--cluster", "7")
    assert r.exit_code == 1 and "no flagged cluster 7" in r.output and "Fix:" in r.output
    r = run("plot", tmp_path)
    assert r.exit_code == 1 and "not a finished coordnet analysis" in r.output


def test_load_result_gives_back_the_analysis(tmp_path):
    run_ = coordnet.run_analyze(CAMPAIGN, tmp_path / "o", figures=False)
    res = coordnet.load_result(tmp_path / "o")
    pd.testing.assert_frame_equal(res.clusters, run_.result.clusters, check_dtype=False)
    pd.testing.assert_frame_equal(res.accounts, run_.result.accounts)
    assert res.config == run_.result.config and len(res.actions) == 1706
    a = coordnet.plot.network_map(res)._coordnet
    b = coordnet.plot.network_map(run_.result)._coordnet
    assert a == b and (a["highlighted"], a["shown"], a["total"]) == (8, 300, 300)


def test_gexf_is_dynamic_with_cluster_tier_role_activity(evil):
    root = ET.parse(evil / "graph.gexf").getroot()
    graph = root.find(f"{G}graph")
    assert graph.get("mode") == "dynamic" and graph.get("timeformat") == "datetime"
    titles = {a.get("id"): a.get("title") for a in root.iter(f"{G}attribute")
              if a.get("id") is not None and a in graph.find(f"{G}attributes[@class='node']")}
    assert {"cluster", "tier", "role", "activity"} <= set(titles.values())
    assert "type" not in {a.get("title") for a in root.iter(f"{G}attribute")}
    by_title = {v: k for k, v in titles.items()}
    nodes = {}
    for n in root.iter(f"{G}node"):
        nodes[n.get("id")] = {titles[v.get("for")]: v.get("value") for v in n.iter(f"{G}attvalue")}
    assert nodes["<script>alert(1)</script>"]["tier"] == "strong"
    assert nodes["squad_4"]["cluster"] == "1" and nodes["squad_4"]["role"] == "amplifier"
    acc = pd.read_parquet(evil / "tables" / "account_activity.parquet").set_index("account")
    assert int(nodes["squad_4"]["activity"]) == acc.loc["squad_4", "n_actions"] + acc.loc["squad_4", "n_amplified"]
    assert "tier" not in nodes["org_001"] and by_title["activity"] in {"0", "1", "2", "3", "4", "5"}
    # each edge's spell is its first and last action
    amp = pd.read_parquet(evil / "tables" / "amplification.parquet")
    edges = list(root.iter(f"{G}edge"))
    assert len(edges) == len(amp)
    e = next(x for x in edges if x.get("source") == "squad_4" and x.get("target") == "squad_5")
    row = amp[(amp["source"] == "squad_4") & (amp["target"] == "squad_5")].iloc[0]
    assert pd.Timestamp(e.get("start")) == row["first_time"]
    assert pd.Timestamp(e.get("end")) == row["last_time"]
    assert float(e.get("weight")) == row["weight"]
    h = nx.read_graphml(evil / "graph.graphml")
    assert h.number_of_edges() == len(amp) and h.nodes["squad_4"]["tier"] == "strong"


def _screenshot(page: Path, png: Path, width: int, height: int, tmp: Path) -> None:
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update",
           "--disable-sync", "--hide-scrollbars", f"--user-data-dir={tmp / ('profile' + str(width))}",
           f"--screenshot={png}", f"--window-size={width},{height}", page.as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    assert png.is_file(), "Chromium wrote no screenshot"


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install "
                                              "chromium); .ci/run installs it")
@pytest.mark.parametrize("width,height", [(1280, 2000), (390, 2400)])
def test_report_renders_in_chromium(evil, tmp_path, width, height):
    from PIL import Image

    png = tmp_path / f"shot{width}.png"
    _screenshot(evil / "report.html", png, width, height, tmp_path)
    img = np.asarray(Image.open(png).convert("RGB"))
    assert img.shape[:2] == (height, width)
    non_white = (img < 245).any(axis=2).mean()
    colours = len(np.unique(img.reshape(-1, 3) // 16, axis=0))
    assert 0.05 < non_white < 0.9, non_white  # text and figures, not a blank or black page
    assert colours > 40, colours  # figures and the orange accent drawn, not plain text
    # the headline bar (Okabe-Ito orange) is drawn near the top
    orange = (np.abs(img.astype(int) - [0xE6, 0x9F, 0x00]).sum(axis=2) < 40)
    assert orange[: height // 3].sum() > 100


def test_report_html_names_the_input_file_without_its_folder(evil):
    page = (evil / "report.html").read_text(encoding="utf-8")
    assert "<code>evil.csv</code>" in page and str(evil.parent) not in page


# ------------------------------------------------------------------ Gephi limit, fast writers


def _edges(categorical: bool) -> pd.DataFrame:
    e = pd.DataFrame({"source": ["a", "b", "c", "d", "e", "f", "g"],
                      "target": ["x", "x", "y", "y", "z", "k", "x"],
                      "weight": [3, 1, 2, 2, 1, 1, 2]})
    if categorical:
        names = sorted(set(e["source"]) | set(e["target"]))
        for c in ("source", "target"):
            e[c] = pd.Categorical(e[c], categories=names)
    return e


@pytest.mark.parametrize("categorical", [False, True])
def test_cap_edges_fills_by_group_then_heaviest_never_beyond_the_cap(categorical):
    from coordnet.output import _cap, cap_edges

    e = _edges(categorical)

    def kept(cap, *priority):
        out = cap_edges(e, cap, source="source", target="target", weight="weight", priority=priority)
        assert len(out) <= cap or not cap
        return list(zip(out["source"].astype(str), out["target"].astype(str)))

    # no cluster: the heaviest (3), then the weight-2 ties by source name: c, d before g
    assert kept(2) == [("a", "x"), ("c", "y")]
    assert kept(3) == [("a", "x"), ("c", "y"), ("d", "y")]
    # the first group's edges (k: f->k; e: e->z) first, then the heaviest others
    assert kept(3, {"k", "e"}) == [("a", "x"), ("e", "z"), ("f", "k")]
    # a group larger than the cap gives its heaviest (ties by name), never more than the cap
    assert kept(1, {"x"}) == [("a", "x")]
    assert kept(2, {"x"}) == [("a", "x"), ("g", "x")]
    # groups in order: the first whole, then the heaviest of the second
    assert kept(3, {"k"}, {"y", "e"}) == [("c", "y"), ("d", "y"), ("f", "k")]
    assert kept(2, {"k"}, {"y", "e"}) == [("c", "y"), ("f", "k")]
    assert kept(0) == kept(7) == kept(100) == kept(0, {"x"}) == list(zip("abcdefg", "xxyyzkx"))
    # per group (then the rest): edges, edges kept
    _, total, written = _cap(e, 2, source="source", target="target", weight="weight",
                             priority=({"k"}, {"y", "e"}))
    assert (total, written) == ([1, 3, 3], [1, 1, 0])


def test_gephi_files_do_not_depend_on_the_rows_written_at_a_time(tmp_path, monkeypatch):
    """Times print without milliseconds only when every time of the column is a whole
    second: decided over the whole column, not piece by piece."""
    import coordnet.output as out

    e = pd.DataFrame({"source": ["a", "b", "c"], "target": ["b", "c", "a"], "weight": [1, 2, 3],
                      "first_time": pd.to_datetime(["2024-03-08 20:12:05", "2024-03-08 20:12:06",
                                                    "2024-03-08 20:12:07.250"], utc=True,
                                                   format="ISO8601")})
    n = pd.DataFrame({"account": ["a", "b", "c"], "first_time": e["first_time"]})
    files = {}
    for chunk in (out._XML_CHUNK, 1):
        monkeypatch.setattr(out, "_XML_CHUNK", chunk)
        d = tmp_path / str(chunk)
        d.mkdir()
        out.write_gexf(n, e, d / "g.gexf", source="source", target="target", directed=True,
                       weight="weight", start="first_time", end="first_time")
        out.write_graphml(n, e, d / "g.graphml", source="source", target="target", directed=True)
        files[chunk] = [(d / f).read_bytes() for f in ("g.gexf", "g.graphml")]
    assert files[1] == files[out._XML_CHUNK]
    assert b'start="2024-03-08T20:12:05.000Z"' in files[1][0]


def test_gephi_nodes_by_codes_equal_nodes_by_names():
    from coordnet.pipeline import _accounts_in, _isin

    names = ["a", "b", "c", "d", "e", "=x"]
    cats = pd.CategoricalDtype(sorted(names))
    e = pd.DataFrame({"s": pd.Categorical(["a", "c", None], dtype=cats),
                      "t": pd.Categorical(["b", "b", "a"], dtype=cats)})
    accounts = pd.Series(sorted(names), dtype="str")
    more = pd.Series(["=x", "zz"], dtype=object)  # "zz" is no account
    fast = _accounts_in(accounts, e["s"], e["t"], more)
    slow = _isin(accounts, [e["s"], e["t"], more])
    assert fast.tolist() == slow.tolist() == [True, True, True, True, False, False]  # =x a b c d e
    # accounts in another order than the categories: by names
    assert _accounts_in(accounts[::-1].reset_index(drop=True), e["s"], e["t"], more).tolist() == \
        slow.tolist()[::-1]


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def test_gephi_limit_in_run_graph(tmp_path):
    """A hand-made file: amplification a->x 3 times, c->y and d->y twice, b->x, e->z once."""
    rows = [("a", "x")] * 3 + [("c", "y")] * 2 + [("d", "y")] * 2 + [("b", "x"), ("e", "z")]
    df = pd.DataFrame(rows, columns=["source", "target"])
    df["timestamp"] = pd.date_range("2024-01-01", periods=len(df), freq="10s", tz="UTC")
    df["type"] = "retweet"
    df["object_id"] = [f"p{i}" for i in range(len(df))]
    df.to_csv(tmp_path / "in.csv", index=False)
    log, seen = logging.getLogger("coordnet"), _Collect()  # the CLI may have set the logger up
    log.addHandler(seen)
    try:
        run_ = coordnet.run_graph(tmp_path / "in.csv", tmp_path / "o",
                                  config=coordnet.Config(gephi_max_edges=2))
    finally:
        log.removeHandler(seen)
    g = nx.read_graphml(tmp_path / "o" / "graph.graphml")
    assert sorted(g.edges) == [("a", "x"), ("c", "y")] and sorted(g.nodes) == ["a", "c", "x", "y"]
    root = ET.parse(tmp_path / "o" / "graph.gexf").getroot()
    assert [(e.get("source"), e.get("target")) for e in root.iter(f"{G}edge")] == [("a", "x"), ("c", "y")]
    assert "2 edges of 5 kept" in root.find(f"{G}meta/{G}description").text
    info = run_.summary["gephi"]["graph"]
    assert (info["edges_written"], info["edges_total"], info["nodes_written"], info["capped"]) == (2, 5, 4, True)
    assert info["all_edges_in"] == "amplification.csv"
    assert len(pd.read_csv(tmp_path / "o" / "amplification.csv")) == 5  # the table keeps them all
    text = " ".join(seen.messages)
    assert "wrote 2 edges" in text and "every edge is in amplification.csv" in text


def _written_edges(run_, folder):
    """The amplification edges of ``run_``: those in ``folder/graph.graphml`` and the others,
    as (flagged member's edge, weight) lists."""
    amp = run_.result.graphs.amplification
    acc = run_.result.accounts
    members = set(acc.loc[acc["flagged"] & (acc["role"] == "amplifier"), "account"])
    written = set(nx.read_graphml(folder / "graph.graphml").edges)
    out = {True: ([], []), False: ([], [])}
    for s, t, w in zip(amp["source"].astype(str), amp["target"].astype(str), amp["weight"]):
        out[s in members or t in members][(s, t) not in written].append(w)
    return written, out


def test_gephi_limit_in_run_analyze_is_reported(tmp_path):
    run_ = coordnet.run_analyze(CAMPAIGN, tmp_path / "o", figures=False, lang="fr",
                                config=coordnet.Config(gephi_max_edges=60))
    amp = run_.result.graphs.amplification
    written, by = _written_edges(run_, tmp_path / "o")
    # every edge of a flagged cluster's member (56 here), then the heaviest others up to 60
    assert len(by[True][0]) == 56 and not by[True][1]
    assert len(written) == 60 < len(amp)
    assert min(by[False][0]) >= max(by[False][1])
    info = run_.summary["gephi"]["graph"]
    assert (info["edges_written"], info["edges_total"]) == (len(written), len(amp))
    assert info["groups"] == {"flagged_members": {"edges": 56, "edges_written": 56},
                              "candidate_clusters": {"edges": 0, "edges_written": 0},
                              "other": {"edges": len(amp) - 56, "edges_written": 4}}
    note = f"{len(written)} des {coordnet.report._num(1226, 'fr')} liens"  # 1 226, French spacing
    assert note in (tmp_path / "o" / "report.md").read_text(encoding="utf-8")
    assert note in (tmp_path / "o" / "report.html").read_text(encoding="utf-8")
    assert "à eux seuls" not in (tmp_path / "o" / "report.md").read_text(encoding="utf-8")
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["gephi"]["graph"]["rule"].startswith("the edges of the flagged clusters' members")
    # within the limit nothing is said
    assert not coordnet.report.gephi_notes({"graph": {**info, "capped": False}})


def test_gephi_limit_below_the_flagged_clusters_edges_keeps_their_heaviest(tmp_path):
    log, seen = logging.getLogger("coordnet"), _Collect()
    log.addHandler(seen)
    try:
        run_ = coordnet.run_analyze(CAMPAIGN, tmp_path / "o", figures=False,
                                    config=coordnet.Config(gephi_max_edges=20))
    finally:
        log.removeHandler(seen)
    written, by = _written_edges(run_, tmp_path / "o")
    # the limit holds: the heaviest 20 of the flagged members' 56 edges, nothing else
    assert len(written) == len(by[True][0]) == 20 and not by[False][0]
    assert min(by[True][0]) >= max(by[True][1])
    groups = run_.summary["gephi"]["graph"]["groups"]
    assert groups["flagged_members"] == {"edges": 56, "edges_written": 20}
    said = "The flagged clusters' members alone have 56 links, more than the limit: the files " \
           "hold the heaviest 20 of them."
    assert said in (tmp_path / "o" / "report.md").read_text(encoding="utf-8")
    assert said in html.unescape((tmp_path / "o" / "report.html").read_text(encoding="utf-8"))
    assert any("members alone have 56 edges" in m for m in seen.messages)
    root = ET.parse(tmp_path / "o" / "graph.gexf").getroot()
    assert "the heaviest 20 of them" in root.find(f"{G}meta/{G}description").text
    # every account of the flagged cluster is still a node
    members = run_.result.accounts.loc[run_.result.accounts["flagged"], "account"]
    assert set(members) <= set(nx.read_graphml(tmp_path / "o" / "graph.graphml").nodes)


@pytest.mark.parametrize("large", [False, True])
def test_csv_neutralising_by_first_byte_matches_neutralise_cells(large):
    """The writer's check of each value's first byte finds the same cells as
    :func:`neutralise_cells`: empty values and nulls (whose neighbour's byte it sees),
    slices, tabs, carriage returns and non-ASCII text included."""
    import pyarrow as pa

    from coordnet.output import _neutralise_arrow, neutralise_cells

    values = ["", "=1", None, "a", "", "-", "+x", "\tt", "\rr", "@", "é=", " =", "=", None, "ok", ""]
    typ = pa.large_string() if large else pa.string()
    for start in range(4):
        for stop in (len(values), len(values) - 2):
            arr = pa.array(values, type=typ).slice(start, stop - start)
            got = _neutralise_arrow(arr).to_pylist()
            want = neutralise_cells(pd.DataFrame({"v": pd.Series(values[start:stop], dtype=object)}))
            assert got == [None if pd.isna(v) else v for v in want["v"]]
    plain = pa.array(["a", "", None, "b"], type=typ)
    assert _neutralise_arrow(plain) is plain  # nothing to neutralise: no copy


def test_csv_written_in_slices_is_the_file_written_in_one_piece(tmp_path, monkeypatch):
    """A CSV converted to text a few rows at a time has the bytes of one piece: the header
    once, categories and hostile text in every slice, and times with milliseconds in every
    row when a single time of the column (here in the last slice) is off a whole second."""
    import coordnet.output as out

    t = np.arange(10, dtype=np.int64) * 1000
    t[-1] += 500
    df = pd.DataFrame({
        "account": pd.Categorical(["=a", "b", None, "c,d", 'e"f', "b", "=a", "g", "h", "b"]),
        "text": pd.array(["+1", "ok", None, "-2", "x", "y", "@z", "w", "v", "u"], dtype="str"),
        "time": pd.to_datetime(t, unit="ms", utc=True),
        "whole": pd.to_datetime(t // 1000 * 1000, unit="ms", utc=True),
        "n": np.arange(10), "ok": np.arange(10) % 2 == 0})
    out.write_csv(df, tmp_path / "one.csv")
    monkeypatch.setattr(out, "_CSV_ROWS", 3)
    out.write_csv(df, tmp_path / "sliced.csv")
    out.write_csv(df.iloc[:0], tmp_path / "empty.csv")
    one = (tmp_path / "one.csv").read_bytes()
    assert (tmp_path / "sliced.csv").read_bytes() == one
    lines = one.decode().splitlines()
    assert len(lines) == 11 and lines[0].count('"account"') == 1
    assert lines[1].startswith('"\'=a","\'+1","1970-01-01T00:00:00.000Z","1970-01-01T00:00:00Z"')
    assert lines[10].split(",")[2] == '"1970-01-01T00:00:09.500Z"'
    assert (tmp_path / "empty.csv").read_text() == lines[0] + "\n"


def test_categorical_and_text_columns_write_the_same_bytes(tmp_path):
    """The dictionary fast path (categorical account columns) and plain text give the same files,
    hostile names included (escaped in XML, neutralised in CSV)."""
    from coordnet.output import write_csv, write_gexf, write_graphml, write_parquet

    evil = ["=cmd|' /C calc'!A0", "<b>&\"x\"", "-1", "plain", "@me", "a\x01b"]
    e = pd.DataFrame({"source": evil[:3] * 2, "target": evil[3:] + evil[:3],
                      "weight": [1, 2, 3, 4, 5, 6],
                      "first_time": pd.to_datetime(["2024-03-08 20:12:05"] * 6, utc=True)})
    n = pd.DataFrame({"account": sorted(evil), "cluster": ["1", "", "2", "", "", ""]})
    cat = e.copy()
    for c in ("source", "target"):
        cat[c] = pd.Categorical(e[c], categories=sorted(evil))
    ncat = n.assign(account=pd.Categorical(n["account"], categories=sorted(evil)))
    out = {}
    for label, edges, nodes in (("text", e, n), ("cat", cat, ncat)):
        d = tmp_path / label
        d.mkdir()
        write_csv(edges, d / "e.csv")
        write_gexf(nodes, edges, d / "g.gexf", source="source", target="target", directed=True,
                   weight="weight", start="first_time", end="first_time")
        write_graphml(nodes, edges, d / "g.graphml", source="source", target="target", directed=True)
        write_parquet(edges, d / "e.parquet")
        out[label] = {p.name: p.read_bytes() for p in d.iterdir() if p.suffix != ".parquet"}
        assert pd.read_parquet(d / "e.parquet").astype(str).equals(edges.astype(str))
    assert out["text"] == out["cat"]
    csv = out["cat"]["e.csv"].decode()
    assert "\"'=cmd|' /C calc'!A0\"" in csv and "'-1" in csv and "'@me" in csv
    gexf = out["cat"]["g.gexf"].decode()
    assert 'source="&lt;b&gt;&amp;&quot;x&quot;"' in gexf and "a\x01b" not in gexf
    ET.fromstring(out["cat"]["g.gexf"])
    nx.read_graphml(tmp_path / "cat" / "g.graphml")


def test_saved_actions_keep_what_the_figures_draw(tmp_path):
    run_ = coordnet.run_analyze(CAMPAIGN, tmp_path / "o", figures=False)
    saved = pd.read_parquet(tmp_path / "o" / "tables" / "actions.parquet")
    assert list(saved.columns) == ["source", "target", "timestamp", "type", "object_id", "weight"]
    pd.testing.assert_frame_equal(saved, run_.result.actions[list(saved.columns)].reset_index(drop=True))
    assert isinstance(saved["source"].dtype, pd.CategoricalDtype)  # dictionary-encoded on disk
