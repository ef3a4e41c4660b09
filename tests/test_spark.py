"""The Spark engine (local mode, ``local[2]``) gives tables identical to the default
DuckDB engine. Skipped, with the reason, when pyspark or a Java runtime is missing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from pandas.testing import assert_frame_equal

import coordnet

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared"


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'coordnet[spark]')")
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        pytest.skip("no Java runtime (apt-get install default-jre-headless): Spark cannot start")
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").appName("coordnet-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "4")
               .config("spark.sql.session.timeZone", "UTC").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_coaction_identical_to_duckdb(spark):
    for acts, w in ((coordnet.datasets.toy_actions(), 60),
                    (coordnet.datasets.campaign_actions(), 1800)):
        a = coordnet.coaction(acts, w, engine="duckdb")
        b = coordnet.coaction(acts, w, engine="spark")
        assert len(a.edges) > 0
        assert_frame_equal(a.edges, b.edges)
        assert_frame_equal(a.evidence, b.evidence)


def test_spark_analysis_identical_to_default_engine(spark):
    acts = coordnet.datasets.campaign_actions()
    a = coordnet.analyze(acts)
    b = coordnet.analyze(acts, engine="spark")
    assert a.info == b.info
    assert_frame_equal(a.clusters, b.clusters)
    assert_frame_equal(a.accounts, b.accounts)
    assert_frame_equal(a.pairs, b.pairs)
    assert a.flagged["size"].tolist() == [8]


def _graphs_identical(acts, **kw):
    a = coordnet.build_graphs(acts, coordnet.Config(**kw))
    b = coordnet.build_graphs(acts, coordnet.Config(engine="spark", **kw))
    assert_frame_equal(a.amplification, b.amplification)
    assert_frame_equal(a.accounts, b.accounts)
    assert_frame_equal(a.coaction.edges, b.coaction.edges)
    assert_frame_equal(a.coaction.evidence, b.coaction.evidence)
    assert (a.self_loops, a.notes) == (b.self_loops, b.notes)
    return a


def test_spark_graph_aggregations_identical_to_default_engine(spark):
    """The amplification graph and the account table aggregated by Spark SQL equal the
    embedded engine's: bundled data, and a random table with self-loops, missing targets,
    every action type and non-ASCII names."""
    from test_graphs import _random_table

    g = _graphs_identical(coordnet.datasets.campaign_actions())
    assert len(g.amplification) > 1000
    _graphs_identical(coordnet.datasets.toy_actions())
    raw = _random_table(0, fractional=False).dropna(subset=["timestamp"])
    g = _graphs_identical(coordnet.io.encode_actions(raw))
    assert g.self_loops > 0 and g.amplification["n_mention"].sum() > 0
    # fractional weights: summed on the driver (Spark's float sums depend on partitioning)
    raw = _random_table(1, fractional=True).dropna(subset=["timestamp"])
    a = coordnet.amplification_edges(raw)
    assert_frame_equal(a, coordnet.amplification_edges(raw, engine="spark"))
    assert_frame_equal(coordnet.account_table(raw), coordnet.account_table(raw, engine="spark"))


def test_spark_graphs_identical_on_real_data(spark):
    """Russian troll co-retweets (no targets: the account table and the co-action network),
    and the first 60,000 Higgs actions (retweets, replies and mentions; a slice of the
    table, so the account categories include accounts it never uses)."""
    russian = SHARED / "data" / "russian_coord_tweets.csv"
    higgs = SHARED / "data" / "higgs_activity.csv.gz"
    if not (russian.exists() and higgs.exists()):
        pytest.skip(f"real data not available in {SHARED / 'data'} (the ../shared folder)")
    g = _graphs_identical(coordnet.read_actions(russian).actions)
    assert len(g.coaction.edges) == 6206 and len(g.accounts) > 1000
    acts = coordnet.read_actions(higgs).actions.iloc[:60_000]
    a = coordnet.amplification_edges(acts)
    assert len(a) > 40_000 and a["n_mention"].sum() > 0 and a["n_reply"].sum() > 0
    assert_frame_equal(a, coordnet.amplification_edges(acts, engine="spark"))
    assert_frame_equal(coordnet.account_table(acts), coordnet.account_table(acts, engine="spark"))
