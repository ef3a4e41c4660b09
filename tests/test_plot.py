"""Figures: content checked against the data they draw."""

from __future__ import annotations

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import pytest

import coordnet
from coordnet import plot


@pytest.fixture(scope="module")
def res():
    return coordnet.analyze(coordnet.datasets.campaign_actions())


def test_network_map_highlights_exactly_the_flagged_members(res):
    fig = plot.network_map(res)
    groups = {c.get_gid(): c for c in fig.axes[0].collections if c.get_gid()}
    members = res.accounts[res.accounts["cluster"] == 1]
    assert len(groups["cluster-1"].get_offsets()) == len(members) == 8
    assert len(groups["others"].get_offsets()) == len(res.graphs.accounts) - 8
    assert "1,706 actions by 300 accounts" in fig._supxlabel.get_text()


def test_network_map_is_thinned_with_a_caption(res):
    fig = plot.network_map(res, max_nodes=50)
    meta = fig._coordnet
    assert meta["shown"] == 50 and meta["total"] == len(res.graphs.accounts)
    assert f"showing 50 of {len(res.graphs.accounts)} accounts" in fig._supxlabel.get_text()
    assert meta["highlighted"] == 8  # flagged clusters are always kept


def test_timeline_covers_the_data_and_counts_every_action(res):
    fig = plot.timeline(res)
    ax = fig.axes[0]
    lo, hi = (mdates.num2date(x) for x in ax.get_xlim())
    t = res.actions["timestamp"]
    assert lo <= t.min().floor("1h") + pd.Timedelta("1s") and hi >= t.max()
    assert fig._coordnet["total"] == len(res.actions)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["everyone else", "Cluster 1", "busiest 2 h"]


def test_raster_has_a_row_per_member_and_a_tick_per_action(res):
    fig = plot.lockstep_raster(res, 1)
    assert fig._coordnet["rows"] == 8
    row = res.clusters.iloc[0]
    acts = res.actions
    own = acts[acts["source"].str.startswith("squad_")]
    window = own[(own["timestamp"] >= row["busiest_start"] - pd.Timedelta("15min"))
                 & (own["timestamp"] <= row["busiest_end"] + pd.Timedelta("15min"))]
    assert fig._coordnet["ticks"] == len(window)


def test_matrix_counts_amplifications(res):
    m = plot.amplification_matrix(res, 1)._coordnet["matrix"]
    amp = res.graphs.amplification
    inside = amp[amp["source"].str.startswith("squad_") & amp["target"].str.startswith("squad_")]
    assert m.sum() == inside["weight"].sum() and np.trace(m) == 0


def test_french_texts(res):
    fig = plot.timeline(res, lang="fr")
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "tous les autres" in labels and "Groupe 1" in labels
    assert "1\u202f706 actions par 300 comptes" in fig._supxlabel.get_text()
    with pytest.raises(coordnet.ConfigError):
        plot.timeline(res, lang="de")


def test_unknown_cluster_is_a_clear_error(res):
    with pytest.raises(coordnet.ConfigError, match="no cluster 9"):
        plot.cluster_closeup(res, 9)


def test_saved_files_are_deterministic(res, tmp_path):
    a = plot.save_figure(plot.delay_distribution(res), tmp_path / "a")
    b = plot.save_figure(plot.delay_distribution(res), tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert a[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_closeup_draws_every_member_and_every_internal_edge(res):
    fig = plot.cluster_closeup(res, 1)
    amp = res.graphs.amplification
    inside = amp[amp["source"].str.startswith("squad_") & amp["target"].str.startswith("squad_")]
    got = fig._coordnet
    assert (got["members"], got["edges"], got["arrows"]) == (8, len(inside), len(inside))
    names = {t.get_text() for t in fig.axes[0].texts}
    assert {f"squad_{i}" for i in range(1, 9)} <= names


def test_closeup_arrows_stop_six_points_from_their_nodes_in_the_saved_figure(res, tmp_path):
    # the arrows' ends are placed on the layout computed before saving: the layout the saved
    # figure gets must be the same one, or the arrows would miss their nodes
    fig = plot.cluster_closeup(res, 1)
    fig.savefig(tmp_path / "c.png", dpi=200)
    ax, meta = fig.axes[0], fig._coordnet
    arrows = ax.patches
    assert len(arrows) == meta["arrows"] > 0
    px = ax.transData.transform
    for arrow, (a, b) in zip(arrows, meta["ends"]):
        start, end = (px(np.asarray(q, dtype=float)) for q in arrow._posA_posB)
        node_a, node_b = px(meta["xy"][a]), px(meta["xy"][b])
        six_points = 6 * fig.dpi / 72
        assert np.hypot(*(start - node_a)) == pytest.approx(six_points, abs=1e-6)
        assert np.hypot(*(end - node_b)) == pytest.approx(six_points, abs=1e-6)
        # on the segment between the nodes
        u, v = end - start, node_b - node_a
        assert u[0] * v[1] - u[1] * v[0] == pytest.approx(0, abs=1e-6 * (v @ v))


def test_delays_compare_the_cluster_with_everyone_else(res):
    acts = res.actions
    delay = (acts["timestamp"] - acts.groupby("object_id")["timestamp"].transform("min")).dt.total_seconds()
    squad = acts["source"].str.startswith("squad_")
    d = plot.delay_distribution(res)._coordnet
    assert d["median_cluster"] == delay[squad & (delay > 0)].median()
    assert d["median_rest"] == delay[~squad & (delay > 0)].median()


def test_network_map_names_the_top_accounts_of_each_cluster(res):
    fig = plot.network_map(res, lang="fr", title="Réseau $1")
    label = [t.get_text() for t in fig.axes[0].texts if t.get_text().startswith("Groupe 1")]
    acc = res.graphs.accounts.set_index("account")
    top = (acc["n_actions"] + acc["n_amplified"]).filter(like="squad_").sort_values(
        ascending=False, kind="stable").index[:3]
    assert label == ["Groupe 1\n" + " · ".join(top)]
    assert fig.axes[0].get_title(loc="left") == r"Réseau \$1"  # data never becomes mathtext


@pytest.mark.parametrize("fn,text", [
    (lambda r, lang: plot.cluster_closeup(r, 1, lang=lang), {"en": "Cluster 1: who", "fr": "Groupe 1 : qui"}),
    (lambda r, lang: plot.lockstep_raster(r, 1, lang=lang), {"en": "Cluster 1: one tick", "fr": "Groupe 1 : un trait"}),
    (lambda r, lang: plot.amplification_matrix(r, 1, lang=lang), {"en": "Cluster 1: ampl", "fr": "Groupe 1 : ampl"}),
    (lambda r, lang: plot.network_map(r, lang=lang), {"en": "Who amplifies whom", "fr": "Qui amplifie qui"}),
])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_titles_in_both_languages(res, fn, text, lang):
    fig = fn(res, lang)
    assert fig.axes[0].get_title(loc="left").startswith(text[lang])
    word = {"en": "actions by 300 accounts", "fr": "actions par 300 comptes"}[lang]
    assert word in fig._supxlabel.get_text()


def test_write_figures_width_and_cluster_choice(res, tmp_path):
    from PIL import Image

    files = plot.write_figures(res, tmp_path, width=4.0, cluster=1)
    assert Image.open(files["figures/network_map.png"]).size[0] == 800
    with pytest.raises(coordnet.ConfigError, match="no flagged cluster 2"):
        plot.write_figures(res, tmp_path, cluster=2)


def test_per_cluster_figures_are_capped_and_the_report_says_how_to_get_them(res, tmp_path):
    from coordnet.report import render_html

    files = plot.write_figures(res, tmp_path, max_clusters=0)
    assert sorted(f for f in files if f.endswith(".png")) == [
        "figures/delays.png", "figures/network_map.png", "figures/timeline.png"]
    page = render_html(res, figures=plot.figure_pngs(tmp_path))
    assert page.count("data:image/png") == 3 and "coordnet plot FOLDER --cluster 1" in page


def test_network_map_keeps_the_strongest_links(res):
    amp = res.graphs.amplification
    fig = plot.network_map(res, max_edges=100)
    lines = [c for c in fig.axes[0].collections if c.get_gid() == "edges"][0]
    assert fig._coordnet["links"] == len(lines.get_segments()) == 100
    assert f"the 100 strongest of {len(amp):,} links" in fig._supxlabel.get_text()
    assert plot.network_map(res)._coordnet["links"] == len(amp)
