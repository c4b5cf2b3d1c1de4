"""One real Ray cluster and one real Spark standalone cluster for the whole of tests/cluster, each started when a
test first asks for it (`ray_cluster`, `spark_standalone`) and stopped after the package's last test, instead of
once per module. Registered here, once: a module that imported the fixture itself would get a cluster of its own.
Tests that break their cluster (test_faults.py) start their own, per test."""

from tests.cluster.ray_fixtures import ray_cluster  # noqa: F401
from tests.cluster.spark_fixtures import spark_standalone  # noqa: F401
