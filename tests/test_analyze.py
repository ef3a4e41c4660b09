"""`coordnet analyze` end to end on the bundled synthetic campaign, and its outputs."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

import coordnet
from coordnet.cli import cli
from coordnet.config import Config

CAMPAIGN = str(coordnet.datasets.campaign_path())
SQUAD = {f"squad_{i}" for i in range(1, 9)}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    d = tmp_path_factory.mktemp("a") / "out"
    r = run("analyze", CAMPAIGN, "-o", d)
    assert r.exit_code == 0, r.output
    return d, r.output


def test_flags_the_planted_squad_and_nothing_else(out):
    d, output = out
    clusters = pd.read_csv(d / "clusters.csv")
    flagged = clusters[clusters["flagged"]]
    assert len(flagged) == 1
    c = flagged.iloc[0]
    assert (c["size"], c["tier"]) == (8, "strong")
    acc = pd.read_csv(d / "accounts.csv")
    members = set(acc.loc[(acc["cluster"] == c["cluster"]) & (acc["role"] == "amplifier"), "account"])
    assert members == SQUAD
    assert set(acc.loc[acc["flagged"], "account"]) == SQUAD
    # the busiest two hours are the squad's: 105 squad retweets among the posts of that window
    assert c["busiest_share"] > 0.3 and c["share_within_60s"] > 0.9
    assert c["p_adjusted"] <= Config().alpha_cluster and c["lift"] > 10
    assert "Headline: 8 accounts produced" in output


def test_outputs_and_manifest(out):
    d, _ = out
    for f in ("clusters.csv", "accounts.csv", "evidence.csv", "pairs.csv", "report.md",
              "report.html", "tables/actions.parquet", "summary.json", "graph.gexf", "graph.graphml", "figures/network_map.png",
              "figures/timeline.svg", "figures/raster_1.png", "figures/cluster_1.png",
              "figures/matrix_1.png", "figures/delays.png"):
        assert (d / f).is_file(), f
    s = json.loads((d / "summary.json").read_text())
    assert s["parameters"] == Config().to_dict()
    assert (s["rows_read"], s["rows_kept"], s["rows_rejected"]) == (1706, 1706, 0)
    assert set(s["runtime_s"]) == {"read", "detect", "write", "figures", "report"}
    assert s["detection"]["flagged_clusters"] == 1
    ev = pd.read_csv(d / "evidence.csv")
    assert set(ev["account_a"]) | set(ev["account_b"]) <= SQUAD  # flagged clusters only
    assert {"cluster", "account_a", "account_b", "object_id", "gap_s"} <= set(ev.columns)
    report = (d / "report.md").read_text()
    assert "8 accounts produced" in report and "What this does not show" in report


def test_french_report(tmp_path):
    r = run("analyze", CAMPAIGN, "-o", tmp_path / "fr", "--lang", "fr", "--no-figures")
    assert r.exit_code == 0
    text = (tmp_path / "fr" / "report.md").read_text()
    assert "8 comptes ont produit" in text and "Ce que cela ne montre pas" in text


def test_same_input_same_bytes(tmp_path, assert_same_outputs):
    for name in ("a", "b"):
        assert run("-q", "analyze", CAMPAIGN, "-o", tmp_path / name).exit_code == 0
    files = assert_same_outputs(tmp_path / "a", tmp_path / "b")
    assert any(f.suffix == ".png" for f in files) and any(f.suffix == ".svg" for f in files)


def test_nothing_flagged_on_the_toy(tmp_path):
    r = run("analyze", coordnet.datasets.toy_path(), "-o", tmp_path / "t")
    assert r.exit_code == 0 and "no coordinated cluster found" in r.output
    assert "No coordinated cluster was found" in (tmp_path / "t" / "report.md").read_text()


def test_hostile_account_names_are_escaped_and_neutralised(tmp_path):
    df = pd.read_csv(CAMPAIGN, dtype=str)
    evil = {"squad_1": "<script>alert(1)</script>", "squad_2": "=HYPERLINK(\"http://x\")"}
    for col in ("source", "target"):
        df[col] = df[col].replace(evil)
    path = tmp_path / "evil.csv"
    df.to_csv(path, index=False)
    assert run("analyze", path, "-o", tmp_path / "o", "--no-figures").exit_code == 0
    report = (tmp_path / "o" / "report.md").read_text()
    assert "<script>" not in report and "&lt;script&gt;" in report
    acc = (tmp_path / "o" / "accounts.csv").read_text()
    assert "\"'=HYPERLINK" in acc and "\n\"=HYPERLINK" not in acc and ",\"=HYPERLINK" not in acc


def test_parameters_reach_the_analysis(tmp_path):
    # demanding 9 amplifiers per cluster leaves the 8-account squad unflagged
    r = run("analyze", CAMPAIGN, "-o", tmp_path / "o", "--min-cluster-size", "9", "--no-figures")
    assert r.exit_code == 0
    s = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert s["parameters"]["min_cluster_size"] == 9 and s["detection"]["flagged_clusters"] == 0


def test_library_api_matches_cli(out):
    d, _ = out
    res = coordnet.analyze(coordnet.datasets.campaign_actions())
    cli_clusters = pd.read_csv(d / "clusters.csv")
    assert res.clusters["size"].tolist() == cli_clusters["size"].tolist()
    assert res.clusters["p_value"].tolist() == pytest.approx(cli_clusters["p_value"].tolist())


def test_without_post_ids_no_cluster_is_strong_and_the_report_says_why():
    """Without post ids "the same object" is the same amplified account, a weaker proxy: the
    squad is still found, but rated moderate at most, and both reports carry the caution."""
    import markupsafe

    from coordnet.report import TEXT, render_html, render_markdown

    df = pd.read_csv(CAMPAIGN)
    with_ids = coordnet.analyze(coordnet.from_dataframe(df).actions)
    read = coordnet.from_dataframe(df.drop(columns=["object_id", "id"]))
    res = coordnet.analyze(read.actions)
    assert res.info["object_key"] == "target"
    f = res.flagged
    assert set(res.accounts.loc[res.accounts["cluster"].isin(f["cluster"])
                                & (res.accounts["role"] == "amplifier"), "account"]) == SQUAD
    # the same evidence that is "strong" with post ids is capped without them
    assert with_ids.flagged["tier"].tolist() == ["strong"]
    assert (f["layer_t"] & f["layer_r"] & (f["persistence"] >= 0.8)).all()
    assert (f["tier"] != "strong").all()
    for lang in ("en", "fr"):
        caveat = TEXT[lang]["caveat_noposts"]
        assert caveat in render_markdown(res, read, lang=lang)
        html = render_html(res, lang=lang)
        assert str(markupsafe.escape(caveat)) in html
        assert caveat not in render_markdown(with_ids, lang=lang)


def test_reports_name_the_input_file_without_its_folder(out):
    d, _ = out
    md = (d / "report.md").read_text()
    assert "`campaign.csv`" in md
    assert str(coordnet.datasets.campaign_path().parent) not in md
    assert str(coordnet.datasets.campaign_path().parent) not in (d / "report.html").read_text()


def test_progress_callback_reports_each_long_stage(capsys):
    # the library prints nothing; the callback sees every stage, and the long ones
    # (the co-action sweep, the synchrony counts, the random groups) advance to their end
    calls = []
    res = coordnet.analyze(coordnet.read_actions(CAMPAIGN).actions,
                           progress=lambda stage, done, total: calls.append((stage, done, total)))
    assert res.flagged["size"].tolist() == [8]
    assert capsys.readouterr() == ("", "")
    stages = list(dict.fromkeys(s for s, _, _ in calls))
    for name in ("graphs", "co-action sweep (in memory)", "synchrony tests", "synchrony counts",
                 "clustering", "validation", "random groups", "cluster statistics"):
        assert name in stages, stages
    for name in ("co-action sweep (in memory)", "synchrony counts", "random groups"):
        seen = [(d, t) for s, d, t in calls if s == name]
        assert all(0 <= d <= t for d, t in seen) and seen[-1][0] == seen[-1][1] > 0, (name, seen)
        assert [d / t for d, t in seen] == sorted(d / t for d, t in seen), (name, seen)


def test_shared_action_index_is_freed_after_the_synchrony_counts(monkeypatch):
    """The sorted actions shared by the co-action sweep and the synchrony test (built on a
    second thread) are freed once the synchrony counts are done: nothing else keeps them
    (at 10M they are about 450 MB, and the analysis's peak comes later)."""
    import sys
    import weakref

    A = sys.modules["coordnet.analyze"]
    refs, seen = [], []
    build = A._shared_index

    def shared_index(*a, **k):
        ix = build(*a, **k)
        refs.append(weakref.ref(ix))
        return ix

    amp_pairs = A.amplification_pairs

    def amplification_pairs(*a, **k):  # (the step after the synchrony test)
        seen.append(refs[0]() is None)
        return amp_pairs(*a, **k)

    monkeypatch.setattr(A, "_shared_index", shared_index)
    monkeypatch.setattr(A, "amplification_pairs", amplification_pairs)
    coordnet.analyze(coordnet.datasets.campaign_actions())
    assert len(refs) == 1 and seen == [True]
