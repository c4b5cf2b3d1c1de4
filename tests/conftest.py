"""Shared test settings: keep Ray and Spark quiet, local and on loopback."""

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
os.environ.setdefault("RAY_AUTH_MODE", "disabled")
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
# Every Spark driver JVM a test starts (in this process or in a command below it) stops at the C1 compiler: most
# run for seconds on a few thousand rows, where C1 alone took 52 s of JVM CPU against 92 s with C2 (the conformance
# cases of `main` in a fresh JVM; over four passes both took the same), and the suite is CPU-bound on two cores.
# Outputs do not change.
os.environ.setdefault("SPARK_SUBMIT_OPTS", "-XX:TieredStopAtLevel=1")


@pytest.fixture(scope="session")
def sample_csv() -> Path:
    return ROOT / "data" / "sample.csv"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Wait for the temp-dir deletions of stopped Ray test clusters that went on in the background."""
    ray_fixtures = sys.modules.get("tests.cluster.ray_fixtures")
    if ray_fixtures is not None:
        ray_fixtures.finish_removals()


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the groups into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Groups for pytest-xdist's `--dist loadgroup` (scripts/test.sh runs two workers): a module's tests run in one
    worker, in order, as they share module-scoped engines; the cases of the engine-matrix modules, which share one
    set of started engines (tests/engines/conftest.py), group by engine across those modules (each engine's cases
    run together, so it starts once); every cluster test runs in one worker, one daemon cluster at a time. Without
    xdist this changes nothing."""
    if not config.pluginmanager.hasplugin("xdist"):
        return
    first = {}
    for item in items:
        group = item.nodeid.split("::")[0]
        engine = getattr(getattr(item, "callspec", None), "params", {}).get("engine")
        if item.get_closest_marker("cluster"):
            group = "cluster"
        elif engine and "engine_sessions" in getattr(item, "fixturenames", ()):
            group = f"engine-matrix:{engine}"
        item.add_marker(pytest.mark.xdist_group(group))
        first[item] = GROUPS_FIRST.get(group.split(":")[0], len(GROUPS_FIRST))
    if hasattr(config, "workerinput"):  # a worker's collection is what the scheduler hands out, in this order
        items.sort(key=first.__getitem__)


# The longest groups go to the workers first (scripts/test.sh runs with --no-loadscope-reorder, which keeps this
# order instead of ordering groups by their number of tests): the cluster tests, about a third of the suite's time,
# then the engine matrices. Within a group the order stays that of the collection.
GROUPS_FIRST = {"cluster": 0, "engine-matrix": 1}
