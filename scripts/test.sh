#!/usr/bin/env bash
# Set up (if needed) and run the whole test suite, including the real local Spark and Ray cluster tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all,dev
export RAY_USAGE_STATS_ENABLED=0 RAY_AUTH_MODE=disabled
exec .venv/bin/python -m pytest "$@"
