#!/usr/bin/env bash
# Create .venv and install prepbench with the given extras (default all,dev: every engine and the dev tools),
# at the versions of constraints.txt (those the published results were made with). Safe to run again: it
# reinstalls only when pyproject.toml or constraints.txt changed or an extra is missing, so scripts/main.sh
# (extras "all") after scripts/test.sh ("all,dev") installs nothing. Needs Python >= 3.10 and Java 17 (Spark).
#   scripts/setup.sh [EXTRAS]      e.g. scripts/setup.sh all
set -euo pipefail
cd "$(dirname "$0")/.."
EXTRAS=${1:-all,dev}
if ! [[ "$EXTRAS" =~ ^[a-z]+(,[a-z]+)*$ ]]; then
    echo "setup.sh: extras must be comma-separated names such as all,dev; got '$EXTRAS'" >&2
    exit 2
fi
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# The stamp holds the hash of pyproject.toml and constraints.txt, and the extras installed with them.
hash=$(cat pyproject.toml constraints.txt | sha256sum | cut -d' ' -f1)
installed=""
if [ -f .venv/.setup-stamp ]; then
    read -r stamp_hash stamp_extras < .venv/.setup-stamp || true
    [ "${stamp_hash:-}" = "$hash" ] && installed=${stamp_extras:-}
fi
missing=""
for extra in ${EXTRAS//,/ }; do
    case ",$installed," in *",$extra,"*) ;; *) missing="$missing $extra" ;; esac
done
if [ -n "$missing" ]; then
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[$EXTRAS]"
    # what is installed now: the extras asked for, plus those of the same hash installed before
    all=$(echo "$installed,$EXTRAS" | tr ',' '\n' | sed '/^$/d' | sort -u | paste -sd, -)
    echo "$hash $all" > .venv/.setup-stamp
fi
