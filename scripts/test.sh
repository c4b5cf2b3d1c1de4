#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite, including the real local Spark and Ray cluster tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all,dev
export RAY_USAGE_STATS_ENABLED=0 RAY_AUTH_MODE=disabled
# two pytest-xdist workers: much of a test's time is a JVM or Ray starting or a py4j round trip, not both cores
# busy; tests/conftest.py groups what must share a worker (a module's engines, an engine's matrix cases, clusters)
# and puts the longest groups first, an order --no-loadscope-reorder keeps
exec .venv/bin/python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder "$@"
