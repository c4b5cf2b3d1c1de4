"""One set of started engines for the engine-matrix modules (conformance, real data, text and categorical
semantics): each engine starts once per test process instead of once per module. tests/conftest.py puts each
engine's cases of these modules in one xdist group, so they run together in one worker."""

import pytest

from tests.engines import conformance as cf


@pytest.fixture(scope="session")
def engine_sessions():
    started = cf.Sessions({}, "prepbench-engine-tests")
    yield started
    started.stop()
