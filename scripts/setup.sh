#!/usr/bin/env bash
# Create .venv and install prepbench with every engine and the dev tools. Safe to run again: it reinstalls
# only when pyproject.toml changed. Needs Python >= 3.10 and Java 17 (for Spark).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
stamp=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ "$(cat .venv/.setup-stamp 2>/dev/null)" != "$stamp" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -e '.[all,dev]'
    echo "$stamp" > .venv/.setup-stamp
fi
