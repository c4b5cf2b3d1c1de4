#!/usr/bin/env bash
# The README's main command: set up, generate a dataset, compare every installed engine on each operator of
# the specs (each engine in its own process), write the report and say where it is.
# About 10 minutes on 2 cores with the defaults. Settings (environment): ROWS (default 200000), REPEATS (3),
# OUT (default experiments/main/<UTC time>), and any extra compare flags in COMPARE_FLAGS, e.g.
#   COMPARE_FLAGS="--spark-master spark://127.0.0.1:7077" scripts/main.sh
# Exit code: 0 when every engine ran and agreed with the numpy reference on every operator, else the worst
# compare exit code (1 a failure, 3 an inconsistent output); the report is written either way.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh all || exit $?  # the engines, not the dev tools
export RAY_USAGE_STATS_ENABLED=${RAY_USAGE_STATS_ENABLED:-0} RAY_AUTH_MODE=${RAY_AUTH_MODE:-disabled}
PY=.venv/bin/python
ROWS=${ROWS:-200000}
REPEATS=${REPEATS:-3}
OUT=${OUT:-experiments/main/$(date -u +%Y%m%dT%H%M%SZ)}
DATA=data/cache/main_${ROWS}.parquet
# every operator of the specs (src/bench/spec/operators.py), in their order
OPERATORS=$($PY -c 'from src.bench.spec.operators import OPERATORS; print(" ".join(OPERATORS))') || exit $?

if [ ! -f "$DATA" ]; then
    $PY -m src.bench.cli data generate --rows "$ROWS" --numeric 8 --categorical 2 --text --missing-rate 0.1 \
        --output "$DATA" || exit $?
fi

worst=0
for op in $OPERATORS; do
    params=()  # Bucketizer has no default splits: these cover the generated num_* columns (means in -100..100)
    [ "$op" = Bucketizer ] && params=(--params '{"splits": ["-inf", -100, -10, 0, 10, 100, "inf"]}')
    # shellcheck disable=SC2086  # COMPARE_FLAGS is a list of flags
    $PY -m src.bench.cli compare --operator "$op" --input "$DATA" --output "$OUT" --repeats "$REPEATS" \
        "${params[@]}" ${COMPARE_FLAGS:-}
    code=$?
    [ "$code" -eq 2 ] && exit 2  # a user error (bad flag or input) is the same for every operator: stop
    [ "$code" -gt "$worst" ] && worst=$code
done

$PY -m src.bench.cli report "$OUT" --out "$OUT/report" || exit $?
echo "main: comparisons in $OUT; report: $OUT/report/report.html (and report.md)"
exit "$worst"
