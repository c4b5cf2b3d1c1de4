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


@pytest.fixture(scope="session")
def sample_csv() -> Path:
    return ROOT / "data" / "sample.csv"


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Wait for the temp-dir deletions of stopped Ray test clusters that went on in the background."""
    ray_fixtures = sys.modules.get("tests.cluster.ray_fixtures")
    if ray_fixtures is not None:
        ray_fixtures.finish_removals()
