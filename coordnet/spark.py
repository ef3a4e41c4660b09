"""The Apache Spark engine (``engine="spark"``, ``coordnet analyze --engine spark``).

The heavy relational steps execute on a Spark cluster: the amplification graph and the
per-account statistics (:func:`coordnet.engines.aggregates_sql`), the windowed
co-action join with its aggregations (:func:`coordnet.engines.coaction_sql`, the same SQL
text DuckDB runs), and the synchrony test's counts per pair and per object
(:func:`coordnet.engines.synchrony_sql`). Actions go up as integer codes; only the reduced tables (one row per
amplification edge, per account, per co-acting pair and object, per pair) are collected
to the driver.
Install with ``pip install 'coordnet[spark]'``; Spark needs a Java runtime (17 or later).

Point it at a cluster with ``spark_master`` / ``--spark-master``: ``local[*]`` (every core
of this machine, the default), ``spark://HOST:7077`` (a standalone cluster), ``yarn``,
``k8s://https://HOST:PORT``. Further Spark settings come from the usual places
(``spark-defaults.conf``, ``SPARK_CONF_DIR``, ``PYSPARK_SUBMIT_ARGS``). When a
SparkSession is already active (e.g. in a notebook), it is used as it is.
"""

from __future__ import annotations

import logging
import os
import shutil
from typing import Any


from .errors import MissingDependencyError

__all__ = ["spark_session", "run_coaction_spark", "run_aggregates_spark", "run_sql_spark"]

log = logging.getLogger("coordnet")


def spark_session(master: str | None = None) -> Any:
    """The active SparkSession, or a new one on ``master`` (default ``local[*]``).

    Raises
    ------
    MissingDependencyError
        pyspark is not installed, or no Java runtime is found.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise MissingDependencyError("the Spark engine needs PySpark.",
                                     hint="pip install 'coordnet[spark]' (or pip install pyspark)"
                                     ) from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise MissingDependencyError(
            "the Spark engine needs a Java runtime, and none was found.",
            hint="install Java 17+ (Debian/Ubuntu: apt-get install default-jre-headless) or set "
                 "JAVA_HOME")
    return (SparkSession.builder.master(master or "local[*]").appName("coordnet")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.ui.showConsoleProgress", "false")  # the library is silent
            .getOrCreate())


def run_coaction_spark(s: Any, o: Any, t: Any, window_ms: int, *,
                       master: str | None = None) -> tuple[Any, Any]:
    """:func:`coordnet.engines.run_coaction_sql` on Spark: ``(evidence, edges)`` as pyarrow."""
    from .engines import arrow_actions, coaction_sql

    spark = spark_session(master)
    df = spark.createDataFrame(arrow_actions(s, o, t))
    df.createOrReplaceTempView("acts")
    n, d = spark.sql("SELECT count(*), count(DISTINCT s, o) FROM acts").first()
    ev_sql, ed_sql = coaction_sql(window_ms, bool(n > d))
    ev_df = spark.sql(ev_sql).persist()
    ev_df.createOrReplaceTempView("ev")
    try:
        ev = ev_df.toArrow()
        ed = spark.sql(ed_sql).toArrow()
    finally:
        ev_df.unpersist()
        spark.catalog.dropTempView("ev")
        spark.catalog.dropTempView("acts")
    return ev, ed


def run_aggregates_spark(s: Any, g: Any, ty: Any, w: Any, t: Any, *,
                         master: str | None = None) -> tuple[Any, Any, Any]:
    """The queries of :func:`coordnet.engines.aggregates_sql` on Spark, as pyarrow tables.

    ``s``, ``g``: account codes (-1: no target); ``ty``: type index (-1: other); ``w``:
    integer weights; ``t``: int64 milliseconds (int64 min: no time).
    """
    import numpy as np
    import pyarrow as pa

    from .engines import aggregates_sql

    spark = spark_session(master)
    t = np.asarray(t, dtype=np.int64)
    table = pa.table({"s": pa.array(np.asarray(s), type=pa.int64()),
                      "g": pa.array(np.asarray(g), type=pa.int64()),
                      "ty": pa.array(np.asarray(ty), type=pa.int32()),
                      "w": pa.array(np.asarray(w), type=pa.int64()),
                      "t": pa.array(t, type=pa.int64(), mask=t == np.iinfo(np.int64).min)})
    view = "coordnet_actions"
    spark.createDataFrame(table).createOrReplaceTempView(view)
    try:
        return tuple(spark.sql(q).toArrow() for q in aggregates_sql(view))  # type: ignore[return-value]
    finally:
        spark.catalog.dropTempView(view)


def run_sql_spark(acts: Any, queries: dict[str, str], *, master: str | None = None) -> tuple[Any, Any, int, int]:
    """The synchrony queries of :func:`coordnet.engines.synchrony_sql` on Spark over the
    actions ``acts`` (pyarrow): ``(candidates, per_object, n_coacting, n_tested)``; only
    those reduced tables come back to the driver."""
    spark = spark_session(master)
    spark.createDataFrame(acts).createOrReplaceTempView("acts")
    ev_df = spark.sql(queries["ev"]).persist()
    ev_df.createOrReplaceTempView("ev")
    try:
        return (spark.sql(queries["candidates"]).toArrow(), spark.sql(queries["per_object"]).toArrow(),
                int(spark.sql(queries["n_coacting"]).first()[0]), int(spark.sql(queries["n_tested"]).first()[0]))
    finally:
        ev_df.unpersist()
        spark.catalog.dropTempView("ev")
        spark.catalog.dropTempView("acts")
