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
