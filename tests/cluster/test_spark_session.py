"""The Spark session layer against real Spark: local mode and a real standalone cluster (no mocks)."""

from __future__ import annotations

import os
import sys
import time

import pytest

from src.bench.errors import UserError
from src.engines.spark.session import get_spark, spark_info, stop_spark, wait_for_executors
from tests.cluster.spark_fixtures import SparkStandalone, free_port

pytestmark = [pytest.mark.slow, pytest.mark.cluster]

CLUSTER_CONF = {"spark.executor.memory": "512m", "spark.executor.cores": "1", "spark.cores.max": "2"}
RANGE_N = 100_000
RANGE_SUM = RANGE_N * (RANGE_N - 1) // 2


@pytest.fixture(scope="module", autouse=True)
def _stop_spark_before_cluster(spark_standalone: SparkStandalone):
    """Stop the driver session before the cluster fixture tears the daemons down."""
    yield
    stop_spark()


def _sum_of_range(spark) -> int:
    return spark.range(RANGE_N).selectExpr("sum(id) AS s").first()["s"]


def _is_stopped(spark) -> bool:
    return spark.sparkContext._jsc is None


def test_local_session_reports_local_mode_with_quiet_defaults():
    spark = get_spark("prepbench local test!", master="local[2]")
    info = spark_info(spark)
    assert info["mode"] == "local"
    assert info["master"] == "local[2]"
    assert info["executor_count"] == 0
    assert info["default_parallelism"] == 2
    assert info["shuffle_partitions"] == 4
    assert info["app_name"] == "prepbench_local_test"
    assert info["spark_version"].startswith("4.")
    conf = spark.sparkContext.getConf()
    assert conf.get("spark.ui.enabled") == "false"
    assert conf.get("spark.ui.showConsoleProgress") == "false"
    assert spark.conf.get("spark.sql.execution.arrow.pyspark.enabled") == "true"
    assert os.environ["PYSPARK_PYTHON"] == sys.executable
    assert _sum_of_range(spark) == RANGE_SUM
    assert wait_for_executors(spark, 2, timeout_s=1) == 0, "local mode has no executors to wait for"
    assert get_spark("another name", master="local[2]") is spark, "same master and config must reuse the session"


def test_different_config_on_same_master_replaces_session():
    first = get_spark("conf test", master="local[2]")
    second = get_spark("conf test", master="local[2]", config={"spark.task.maxFailures": "7"})
    assert second is not first
    assert _is_stopped(first)
    assert second.sparkContext.getConf().get("spark.task.maxFailures") == "7"


def test_other_master_stops_and_replaces_session(spark_standalone: SparkStandalone):
    local = get_spark("replace test", master="local[1]", config={"spark.task.maxFailures": "7"})
    started = time.monotonic()
    remote = get_spark("replace test", master=spark_standalone.master_url, config=CLUSTER_CONF)
    print(f"standalone session start: {time.monotonic() - started:.1f} s; "
          f"cluster start: {spark_standalone.start_seconds:.1f} s")
    assert _is_stopped(local)
    assert remote.sparkContext.master == spark_standalone.master_url
    # settings of the replaced session must not leak into the new one through JVM system properties
    assert remote.sparkContext.getConf().get("spark.task.maxFailures", None) is None


def test_standalone_session_runs_on_two_executors(spark_standalone: SparkStandalone):
    spark = get_spark("standalone test", master=spark_standalone.master_url, config=CLUSTER_CONF)
    assert wait_for_executors(spark, 2, timeout_s=60) == 2
    info = spark_info(spark)
    assert info["mode"] == "standalone"
    assert info["executor_count"] == 2
    assert info["executor_memory"] == "512m"
    assert info["cores_max"] == "2"
    assert info["driver_host"] == "127.0.0.1"
    assert info["app_id"].startswith("app-")
    assert _sum_of_range(spark) == RANGE_SUM
    pythons = spark.sparkContext.parallelize(range(4), 4).map(lambda _: __import__("sys").executable).collect()
    assert set(pythons) == {sys.executable}, "executors must run the driver's interpreter"


def test_unreachable_master_fails_fast_and_keeps_current_session():
    current = get_spark("keep me", master="local[1]")
    master = f"spark://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(UserError, match=master.replace(".", r"\.")) as excinfo:
        get_spark("unreachable", master=master)
    assert time.monotonic() - started < 30
    assert "\n" not in str(excinfo.value)
    assert not _is_stopped(current), "a request that cannot succeed must not tear down the current session"


def test_unresolvable_driver_host_is_a_user_error():
    started = time.monotonic()
    with pytest.raises(UserError, match="no-such-host.invalid") as excinfo:
        get_spark("bad host", master="local[1]", driver_host="no-such-host.invalid")
    assert time.monotonic() - started < 30
    assert "\n" not in str(excinfo.value)
