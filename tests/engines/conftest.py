"""One set of started engines for the engine-matrix modules (conformance, real data, text and categorical
semantics): each engine starts once per test process instead of once per module. tests/conftest.py puts each
engine's cases of these modules in one xdist group, so they run together in one worker; the engine stops after
the group's last case, so it does not idle beside the tests the worker runs next."""

import pytest

from tests.engines import conformance as cf


@pytest.fixture(scope="session")
def engine_sessions():
    started = cf.Sessions({}, "prepbench-engine-tests")
    yield started
    started.stop()


def _engine(item: pytest.Item | None) -> str | None:
    """The engine of an engine-matrix case (None for any other test)."""
    if item is None or "engine_sessions" not in getattr(item, "fixturenames", ()):
        return None
    return getattr(getattr(item, "callspec", None), "params", {}).get("engine")


def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    if _engine(item) is not None and _engine(nextitem) != _engine(item):
        item.funcargs["engine_sessions"].stop()
